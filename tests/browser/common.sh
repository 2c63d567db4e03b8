# Sourced by the run-*-test.sh scripts (source "$(dirname "$0")/common.sh"): strict mode (set -euo pipefail), the
# repository's root as the working folder, the binary ($bin: GLASSBOX_BIN, else
# .build/release/glassbox), the screenshot folder ($shots: the script's first argument, else GLASSBOX_SCREENSHOTS,
# else .build/studio-screenshots), Selenium's python ($python), a scratch folder for runs ($runs), removed at exit
# with every process listed in $pids stopped, and the functions serve_studio, train_gpt and page_test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin=${GLASSBOX_BIN:-.build/release/glassbox}
shots=${1:-${GLASSBOX_SCREENSHOTS:-.build/studio-screenshots}}
mkdir -p "$shots"
python=$(tests/browser/selenium-venv.sh)
runs=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$runs"; }
trap cleanup EXIT

# serve_studio [READY_PATH] [serve arguments...]: the studio over $runs on a free port ($port), in the background,
# once READY_PATH (default /api/runs) answers or 30 s have passed.
serve_studio() {
  local ready=${1:-/api/runs}
  [ $# -gt 0 ] && shift
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bin" serve --runs-dir "$runs" --port "$port" "$@" > "$runs/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port$ready" >/dev/null && return 0
    sleep 0.1
  done
}

# train_gpt NAME [train arguments...]: a small GPT (2 heads, 32 wide, block 32, batch 8, one thread) trained into
# $runs as NAME, quietly; the arguments give the rest (layers, steps, intervals, data, probes).
train_gpt() {
  local name=$1
  shift
  "$bin" train --heads 2 --width 32 --block 32 --batch 8 --threads 1 --runs-dir "$runs" --name "$name" "$@" >/dev/null
}

# page_test NAME [arguments...]: tests/browser/NAME_test.py on the studio that serve_studio started, its screenshots
# in $shots; its exit status.
page_test() {
  local name=$1
  shift
  "$python" "tests/browser/${name}_test.py" --url "http://127.0.0.1:$port" --screenshots "$shots" "$@"
}
