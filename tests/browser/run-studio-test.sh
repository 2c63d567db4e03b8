#!/usr/bin/env bash
# The studio in a real browser: two short recorded runs, a server over them, a third run training live while
# tests/browser/studio_test.py (Selenium + Debian's chromium and chromium-driver) drives the pages.
#   tests/browser/run-studio-test.sh [SCREENSHOT_DIR]      (GLASSBOX_BIN: the binary, default .build/release/glassbox)
# Needs chromium, chromium-driver and python3-venv (scripts/setup.sh --test); Selenium goes into a venv at
# ~/.cache/glassbox-browser-venv (from PyPI) on first use.
source "$(dirname "$0")/common.sh"
small=(--layers 1 --log-interval 2 --eval-interval 20 --sample-interval 40 --checkpoint-interval 40 --steps 160)
train_gpt compare-a "${small[@]}" --seed 1
# B keeps its learning rate constant: its chart is a flat line with one tick.
train_gpt compare-b "${small[@]}" --seed 2 --lr 0.003 --schedule constant
serve_studio
# A run that keeps recording while the pages are open (long enough for the whole test; killed at the end).
"$bin" train --layers 2 --heads 2 --width 64 --block 64 --batch 8 --log-interval 1 --eval-interval 50 --sample-interval 100 \
  --checkpoint-interval 1000 --threads 1 --runs-dir "$runs" --steps 200000 --name live-run > "$runs/live.log" 2>&1 &
pids+=($!)
# Wait for the server, then for the live run to have recorded its first points (a busy machine starts it late).
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$port/api/runs/live-run/scalars?tag=train/loss&buckets=1" >/dev/null && break
  sleep 0.1
done
page_test studio --live-run live-run --runs compare-a,compare-b
