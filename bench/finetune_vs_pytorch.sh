#!/usr/bin/env bash
# LoRA fine-tuning speed and memory beside PyTorch + PEFT (CPU, same threads), in one run:
#   bench/finetune_vs_pytorch.sh [threads] [steps]
# Glassbox: `bench finetune` (the bundled SmolLM2-135M, Q4_1 weights kept quantised, LoRA r 8 on q, k, v, o, batch 4
# of the bundled instructions). PyTorch: bench/finetune_pytorch.py, transformers' Llama with the same shapes (float32)
# and PEFT's LoRA, on batches of the same shapes as Glassbox's timed steps. Prints one JSON object with both sides and
# the ratios. The venv (torch, transformers, peft from PyPI) is made on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
steps=${2:-10}
venv=${GLASSBOX_BENCH_VENV:-$HOME/.cache/glassbox-bench-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, transformers, peft" 2>/dev/null; then
  echo "preparing the PyTorch venv in $venv (torch, transformers, peft)" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check torch numpy transformers peft
fi
[ -x .build/release/glassbox ] || swift build -c release
ours=$(.build/release/glassbox bench finetune --steps "$steps" --threads "$threads" --json)
shapes=$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["shapes"]))' "$ours")
torch=$("$venv/bin/python" bench/finetune_pytorch.py --shapes "$shapes" --threads "$threads")
system=$(.build/release/glassbox info --system --json)
python3 - "$ours" "$torch" "$system" <<'PY'
import json, sys
g, t, s = (json.loads(x) for x in sys.argv[1:4])
print(json.dumps({
    "glassbox": {k: g[k] for k in ("steps_per_s", "median_step_s", "tokens_per_s", "peak_rss_mb", "peak_tensor_mb", "trainable_parameters")},
    "pytorch_peft": t,
    "steps_per_s_ratio": round(g["steps_per_s"] / t["steps_per_s"], 3),
    "peak_rss_ratio": round(g["peak_rss_mb"] / t["peak_rss_mb"], 3),
    "cpu": s.get("cpu", {}).get("model") if isinstance(s.get("cpu"), dict) else s.get("cpu"),
    "kernel": s.get("blas") or s.get("kernels"),
}, indent=1))
PY
