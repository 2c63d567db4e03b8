#!/usr/bin/env bash
# The studio's model cards and checkpoint links in a real browser: a server over a fresh runs folder with one short
# run that saves several checkpoints, then tests/browser/model_test.py (Selenium + Debian's chromium and
# chromium-driver) clicks a checkpoint on the loss curve, inspects it, and reads the model cards of a checkpoint and
# of the bundled model.
#   tests/browser/run-model-test.sh [SCREENSHOT_DIR]
#     GLASSBOX_BIN: the binary (default .build/release/glassbox); SCREENSHOT_DIR, else GLASSBOX_SCREENSHOTS, else
#     .build/studio-screenshots; GLASSBOX_STUDIO_ASSETS (optional) serves the pages' files from that folder.
# Needs the bundled SmolLM2 (scripts/fetch-model.sh) for its card, chromium, chromium-driver and python3-venv
# (scripts/setup.sh --test); Selenium goes into a venv at ~/.cache/glassbox-browser-venv (from PyPI) on first use.
source "$(dirname "$0")/common.sh"
# A tiny run with a checkpoint every 20 steps: three markers on its loss curve, three models in the picker.
train_gpt tiny --layers 2 --steps 60 --log-interval 5 --eval-interval 20 --sample-interval 60 --checkpoint-interval 20
serve_studio /api/models
page_test model --run tiny
