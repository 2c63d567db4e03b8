#!/usr/bin/env bash
# The classic models' training speed beside PyTorch (CPU, fp32, same threads), in one run:
#   bench/classics_vs_pytorch.sh [threads]
# Glassbox: `train mlp --task spirals` (2 → 64 → 64 → 2, full-batch Adam on 800 points) and `train seq2seq` (LSTM with
# additive attention, then the transformer; batch 64), steps/s between the first and the last logged step, with the
# evaluations and checkpoints moved to the end. PyTorch: bench/classics_pytorch.py, the same shapes and batches.
# Prints one JSON object with both sides and the ratios. The PyTorch venv is made from PyPI on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
venv=${GLASSBOX_BENCH_VENV:-$HOME/.cache/glassbox-bench-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "creating the PyTorch venv in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch numpy
fi
[ -x .build/release/glassbox ] || swift build -c release
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
bin=.build/release/glassbox
quiet=(--runs-dir "$runs" --no-tensorboard --json --threads "$threads")
# Steps per second between the 2nd and the last-but-one logged step (start-up and the final evaluation left out).
rate() { python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{\"e")]
a, b = rows[1], rows[-2]
print((b["step"] - a["step"]) / (b["elapsed_s"] - a["elapsed_s"]))'; }
mlp=$("$bin" train mlp --task spirals --steps 1000 --eval-interval 1000 --checkpoint-interval 1000 "${quiet[@]}" | rate)
lstm=$("$bin" train seq2seq --steps 200 --eval-interval 200 --checkpoint-interval 200 --sample-interval 200 --held-out 100 "${quiet[@]}" | rate)
tf=$("$bin" train seq2seq --arch transformer --steps 200 --eval-interval 200 --checkpoint-interval 200 --sample-interval 200 --held-out 100 "${quiet[@]}" | rate)
torch=$("$venv/bin/python" bench/classics_pytorch.py --threads "$threads" --steps 100)
system=$("$bin" info --system --json)
python3 - "$mlp" "$lstm" "$tf" "$torch" "$system" <<'PY'
import json, sys
mlp, lstm, tf = (float(x) for x in sys.argv[1:4])
t, s = json.loads(sys.argv[4]), json.loads(sys.argv[5])
print(json.dumps({
    "mlp": {"glassbox_steps_per_s": round(mlp, 1), "pytorch_steps_per_s": t["mlp_steps_per_s"], "ratio": round(mlp / t["mlp_steps_per_s"], 3)},
    "lstm_seq2seq": {"glassbox_steps_per_s": round(lstm, 2), "pytorch_steps_per_s": t["lstm_steps_per_s"], "ratio": round(lstm / t["lstm_steps_per_s"], 3)},
    "transformer_seq2seq": {"glassbox_steps_per_s": round(tf, 2), "pytorch_steps_per_s": t["transformer_steps_per_s"], "ratio": round(tf / t["transformer_steps_per_s"], 3)},
    "threads": t["threads"], "torch": t["torch"], "cpu": s.get("cpu", {}).get("model"), "blas_kernel": s.get("blas", {}).get("kernel")}))
PY
