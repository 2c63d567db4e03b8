#!/usr/bin/env bash
# Glassbox beside PyTorch (CPU, fp32, same threads) on one training preset, in one run:
#   bench/train_vs_pytorch.sh s|m [threads]
# Runs each side three times, alternating, and prints the medians and the ratio.
# The PyTorch venv is created from PyPI on first use (~3 GB download).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-s}
threads=${2:-$(nproc)}
venv=${GLASSBOX_BENCH_VENV:-$HOME/.cache/glassbox-bench-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "creating the PyTorch venv in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch numpy
fi
[ -x .build/release/glassbox ] || swift build -c release
ours=(); theirs=(); peaks=(); mfus=(); tmfus=(); first=""; tfirst=""
for i in 1 2 3; do
  g=$(.build/release/glassbox bench train --preset "$preset" --threads "$threads" --json)
  peak=$(echo "$g" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sgemm_peak_gflops"])')
  t=$("$venv/bin/python" bench/train_pytorch.py --preset "$preset" --threads "$threads" --peak-gflops "$peak")
  echo "glassbox: $g" >&2
  echo "pytorch:  $t" >&2
  ours+=("$(echo "$g" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens_per_s"])')")
  theirs+=("$(echo "$t" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens_per_s"])')")
  mfus+=("$(echo "$g" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mfu"])')")
  tmfus+=("$(echo "$t" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mfu"])')")
  peaks+=("$peak")
  [ -n "$first" ] || { first=$g; tfirst=$t; }
done
python3 - "$preset" "$threads" "${ours[*]}" "${theirs[*]}" "${mfus[*]}" "${tmfus[*]}" "${peaks[*]}" "$first" "$tfirst" <<'PY'
import json, statistics, sys
preset, threads = sys.argv[1], int(sys.argv[2])
ours, theirs, mfu, tmfu, peaks = ([float(x) for x in s.split()] for s in sys.argv[3:8])
system, torch_info = json.loads(sys.argv[8]).get("system", {}), json.loads(sys.argv[9])
g, t = statistics.median(ours), statistics.median(theirs)
print(json.dumps({"preset": preset, "threads": threads,
                  "glassbox_tokens_per_s": round(g), "pytorch_tokens_per_s": round(t), "ratio": round(g / t, 3),
                  "glassbox_mfu": round(statistics.median(mfu), 3), "pytorch_mfu": round(statistics.median(tmfu), 3),
                  "sgemm_peak_gflops": round(statistics.median(peaks), 1), "runs": len(ours),
                  "cpu": system.get("cpu", {}).get("model"), "glassbox_blas_kernel": system.get("blas", {}).get("kernel"),
                  "pytorch_cpu_capability": torch_info.get("cpu_capability"), "pytorch_blas": torch_info.get("blas")}))
PY
