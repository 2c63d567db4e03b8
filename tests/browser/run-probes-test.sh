#!/usr/bin/env bash
# The probe timeline on the studio's run page in a real browser: trains a short run with two probes and a checkpoint
# every 15 steps, serves a fresh runs folder, then tests/browser/probes_test.py (Selenium + Debian's chromium and
# chromium-driver) checks the lens heatmap, the verdict, the charts, the heads, the table, hover, click, keyboard,
# the probe picker and both themes, resumes the run while the page is open (live updates) and follows a step link
# to the inspect page.
#   tests/browser/run-probes-test.sh [SCREENSHOT_DIR]
#     GLASSBOX_BIN: the binary (default .build/release/glassbox); SCREENSHOT_DIR, else GLASSBOX_SCREENSHOTS, else
#     .build/studio-screenshots; GLASSBOX_STUDIO_ASSETS (optional) serves the pages' files from that folder.
# Needs chromium, chromium-driver and python3-venv (scripts/setup.sh --test); Selenium goes into a venv at
# ~/.cache/glassbox-browser-venv (from PyPI) on first use. No pretrained model needed.
source "$(dirname "$0")/common.sh"
# 60 steps, a checkpoint every 15: four read-outs of each probe; the test resumes it to 90 (six).
train_gpt probed --layers 2 --steps 60 --lr 0.01 --log-interval 5 --eval-interval 30 --sample-interval 60 --checkpoint-interval 15 \
  --probe "ROMEO: I will go" --probe "To be, or not to be"
serve_studio
page_test probes --run probed --bin "$bin" --runs-dir "$runs" --resume-steps 90
