#!/usr/bin/env bash
# The studio's inspect page in a real browser: a server over a fresh runs folder (with one tiny run, so that the
# model picker has a checkpoint group), then tests/browser/inspect_test.py (Selenium + Debian's chromium and
# chromium-driver) types a prompt, waits for the first parts and the attributions, opens a head, patches, cancels.
#   tests/browser/run-inspect-test.sh [SCREENSHOT_DIR]
#     GLASSBOX_BIN: the binary (default .build/release/glassbox); SCREENSHOT_DIR, else GLASSBOX_SCREENSHOTS, else
#     .build/studio-screenshots; GLASSBOX_STUDIO_ASSETS (optional) serves the pages' files from that folder.
# Needs the bundled SmolLM2 (scripts/fetch-model.sh), chromium, chromium-driver and python3-venv
# (scripts/setup.sh --test); Selenium goes into a venv at ~/.cache/glassbox-browser-venv (from PyPI) on first use.
# A CJK font (fonts-wqy-microhei) makes the Chinese example readable in the screenshots.
source "$(dirname "$0")/common.sh"
# A tiny run with one checkpoint: the picker lists it under its run.
train_gpt tiny-ckpt --layers 1 --steps 20 --log-interval 10 --eval-interval 20 --sample-interval 20 --checkpoint-interval 20
serve_studio /api/models
page_test inspect --checkpoint-run tiny-ckpt
