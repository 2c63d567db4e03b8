#!/usr/bin/env bash
# The encoder-decoder view (views/classic.js's seq2seqView) in a real browser: trains a small seq2seq model on the dates
# task (300 steps, a checkpoint and an evaluation every 100) and one without attention, serves the runs, then
# tests/browser/seq2seq_test.py (Selenium + Debian's chromium and chromium-driver) checks the run page's section
# "Attention across training" (the checkpoint player, the example picker, the alignment heatmap, the exact-match
# chart, "Try your own input" over /api/runs/RUN/translate and its error), both themes, the attention-less run's
# note, the runs list's Seq2seq badge and exact match, and a --arch transformer run (200 steps): its words and the
# panel "Every layer and head" (three kinds of attention, layers × heads thumbnails, the causal mask, enlarging).
#   tests/browser/run-seq2seq-test.sh [SCREENSHOT_DIR]
#     GLASSBOX_BIN: the binary (default .build/release/glassbox); SCREENSHOT_DIR, else GLASSBOX_SCREENSHOTS, else
#     .build/studio-screenshots; GLASSBOX_STUDIO_ASSETS (optional) serves the pages' files from that folder.
# Needs chromium, chromium-driver and python3-venv (scripts/setup.sh --test); Selenium goes into a venv at
# ~/.cache/glassbox-browser-venv (from PyPI) on first use. No pretrained model needed.
source "$(dirname "$0")/common.sh"
# 300 steps (about 25 s), a checkpoint and an evaluation every 100: three figures, three exact-match points.
"$bin" train seq2seq --task dates --steps 300 --checkpoint-interval 100 --eval-interval 100 --runs-dir "$runs" --name dates >/dev/null
"$bin" train seq2seq --task dates --attention none --steps 20 --runs-dir "$runs" --name noatt >/dev/null
# the transformer (about 10 s): two checkpoints, every layer and head for the first 3 examples of each
"$bin" train seq2seq --arch transformer --steps 200 --checkpoint-interval 100 --eval-interval 100 --runs-dir "$runs" --name tf --no-tensorboard >/dev/null
serve_studio
# A run training now, whose first checkpoint comes after 300 steps: its page waits for it, then shows it.
"$bin" train seq2seq --task dates --steps 100000 --checkpoint-interval 300 --eval-interval 300 --sample-interval 300 --held-out 200 \
  --threads 1 --runs-dir "$runs" --name live-s2s --no-tensorboard > "$runs/live.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/api/runs/live-s2s" >/dev/null && break; sleep 0.1; done
page_test seq2seq --live-run live-s2s --run dates --plain-run noatt --tf-run tf
