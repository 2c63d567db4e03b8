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
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${GLASSBOX_BIN:-.build/release/glassbox}
shots=${1:-${GLASSBOX_SCREENSHOTS:-.build/studio-screenshots}}
mkdir -p "$shots"
python=$(tests/browser/selenium-venv.sh)
runs=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$runs"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --runs-dir "$runs" --port "$port" > "$runs/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$port/api/models" >/dev/null && break
  sleep 0.1
done
"$python" tests/browser/generate_test.py --url "http://127.0.0.1:$port" --screenshots "$shots" || { status=$?; tail -n 20 "$runs/serve.log" >&2; exit $status; }
