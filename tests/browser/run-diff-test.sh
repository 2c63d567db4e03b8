#!/usr/bin/env bash
# The studio's model comparison in a real browser: a server over a fresh runs folder with one short run that saves
# several checkpoints, then tests/browser/diff_test.py (Selenium + Debian's chromium and chromium-driver) follows the
# run page's "Compare with step N" links, compares the first and the last checkpoint on a prompt in the inspect page's
# "Compare models" tab (panels, heat-map cells, KL, a head's patterns, both themes, cancel, Back), and inspects the
# bundled model with a contrast token (" Paris" rather than " Rome").
#   tests/browser/run-diff-test.sh [SCREENSHOT_DIR]
#     GLASSBOX_BIN: the binary (default .build/release/glassbox); SCREENSHOT_DIR, else GLASSBOX_SCREENSHOTS, else
#     .build/studio-screenshots; GLASSBOX_STUDIO_ASSETS (optional) serves the pages' files from that folder.
# Needs the bundled SmolLM2 (scripts/fetch-model.sh) for the contrast checks, chromium, chromium-driver and
# python3-venv (scripts/setup.sh --test); Selenium goes into a venv at ~/.cache/glassbox-browser-venv (from PyPI) on
# first use.
source "$(dirname "$0")/common.sh"
# A tiny run with a checkpoint every 20 steps (and its probe read-outs): three checkpoints to compare.
train_gpt tiny --layers 2 --steps 60 --log-interval 5 --eval-interval 20 --sample-interval 60 --checkpoint-interval 20
# The bundled chat model a second time (model-1), so that it can be compared with itself in its chat template.
smol=${GLASSBOX_MODELS:-$HOME/.cache/glassbox/models}/SmolLM2-135M-Instruct.Q4_1.gguf
if [ -f "$smol" ]; then serve_studio /api/models --model "$smol"; else serve_studio /api/models; fi
page_test diff --run tiny
