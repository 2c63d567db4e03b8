#!/usr/bin/env bash
# The studio's generate and chat page in a real browser: a server over a fresh runs folder, then
# tests/browser/generate_test.py (Selenium + Debian's chromium and chromium-driver) streams a greedy generation, opens a
# token (alternatives, logit lens, attention, attributions), stops one, chats for two turns, and compares interventions.
#   tests/browser/run-generate-test.sh [SCREENSHOT_DIR]
#     GLASSBOX_BIN: the binary (default .build/release/glassbox); SCREENSHOT_DIR, else GLASSBOX_SCREENSHOTS, else
#     .build/studio-screenshots; GLASSBOX_STUDIO_ASSETS (optional) serves the pages' files from that folder.
# Needs the bundled SmolLM2 (scripts/fetch-model.sh), chromium, chromium-driver and python3-venv
# (scripts/setup.sh --test); Selenium goes into a venv at ~/.cache/glassbox-browser-venv (from PyPI) on first use.
# A CJK font (fonts-wqy-microhei) makes the Chinese chat readable in the screenshots.
source "$(dirname "$0")/common.sh"
serve_studio /api/models
page_test generate || { status=$?; tail -n 20 "$runs/serve.log" >&2; exit $status; }
