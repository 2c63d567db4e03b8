#!/usr/bin/env bash
# The fine-tuning view (views/classic.js's finetuneView) in a real browser: serves an empty runs folder, then
# tests/browser/finetune_test.py (Selenium + Debian's chromium and chromium-driver) starts a small `glassbox finetune`
# of the bundled SmolLM2-135M (LoRA, 6 steps, a checkpoint and an evaluation every 3, 3 held-out prompts compared)
# and opens its run page while it trains, then checks the section "Fine-tuning": the facts (method, trainable
# parameters, base model, data, held-out loss of the base model and the newest, peak memory) against the API, the new
# checkpoints arriving live, the before/after rows and their ✓ marks, the checkpoint player, the usage line with the
# checkpoint's path, the checkpoints table's Show, the runs list's Fine-tune badge and held-out loss, both themes.
#   tests/browser/run-finetune-test.sh [SCREENSHOT_DIR]
#     GLASSBOX_BIN: the binary (default .build/release/glassbox); SCREENSHOT_DIR, else GLASSBOX_SCREENSHOTS, else
#     .build/studio-screenshots; GLASSBOX_STUDIO_ASSETS (optional) serves the pages' files from that folder.
# Needs chromium, chromium-driver and python3-venv (scripts/setup.sh --test); Selenium goes into a venv at
# ~/.cache/glassbox-browser-venv (from PyPI) on first use. Needs the bundled model (scripts/setup.sh fetches it).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${GLASSBOX_BIN:-.build/release/glassbox}
if ! why=$("$bin" info 2>&1 >/dev/null); then
  echo "FAIL setup: the bundled model is needed to fine-tune ($bin info failed: ${why:-no message}); scripts/setup.sh fetches it"
  exit 1
fi
source tests/browser/common.sh
serve_studio
# The test starts the run itself (and opens its page while it trains): two checkpoints, three evaluations (step 0 is
# the base model), the same three held-out prompts answered at each checkpoint.
page_test finetune --bin "$bin" --runs-dir "$runs" --name ft \
  --finetune-args "--steps 6 --checkpoint-interval 3 --eval-interval 3 --compare 3 --compare-tokens 16 --validation 12 --batch 2"
