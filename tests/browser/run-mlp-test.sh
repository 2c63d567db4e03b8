#!/usr/bin/env bash
# The MLP view (views/classic.js's mlpView) in a real browser: trains two small MLPs (spirals: a decision boundary;
# sine: a fitted function) with a checkpoint every 50 steps, writes the spirals run as one HTML file (--html), serves the runs, then
# tests/browser/mlp_test.py (Selenium + Debian's chromium and chromium-driver) checks the run pages' section (the
# checkpoint player, the boundary map in both class colours, the fit, the metrics charts, the importance bars, the
# first-layer heatmap), both themes, live updates (it resumes the run while the page is open), the runs list's MLP
# badge, and the exported file opened from disk.
#   tests/browser/run-mlp-test.sh [SCREENSHOT_DIR]
#     GLASSBOX_BIN: the binary (default .build/release/glassbox); SCREENSHOT_DIR, else GLASSBOX_SCREENSHOTS, else
#     .build/studio-screenshots; GLASSBOX_STUDIO_ASSETS (optional) serves the pages' files from that folder (and
#     the --html export inlines them).
# Needs chromium, chromium-driver and python3-venv (scripts/setup.sh --test); Selenium goes into a venv at
# ~/.cache/glassbox-browser-venv (from PyPI) on first use. No pretrained model needed.
source "$(dirname "$0")/common.sh"
# 300 steps, a checkpoint every 50: six figures each.
"$bin" train mlp --task spirals --steps 300 --checkpoint-interval 50 --runs-dir "$runs" --name spirals --html "$runs/spirals.html" >/dev/null
"$bin" train mlp --task sine --steps 300 --checkpoint-interval 50 --runs-dir "$runs" --name sine >/dev/null
serve_studio
# The test resumes the spirals run to 400 steps while its page is open (two more checkpoints, live).
page_test mlp --boundary-run spirals --fit-run sine --html "$runs/spirals.html" --bin "$bin" --runs-dir "$runs" --resume-steps 400
