#!/usr/bin/env bash
# Glassbox beside llama.cpp (llama-cpp-python, built from PyPI in its own venv) on the same GGUF and threads:
#   bench/infer_vs_llamacpp.sh [threads] [model.gguf]
# Alternates the two three times and prints the medians and the ratios (ours / llama.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
model=${2:-$(scripts/fetch-model.sh)}
venv=${GLASSBOX_LLAMACPP_VENV:-$HOME/.cache/glassbox-llamacpp-venv}
if ! "$venv/bin/python" -c "import llama_cpp" 2>/dev/null; then
  echo "building llama-cpp-python in $venv (several minutes)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "llama-cpp-python==0.3.36"
fi
[ -x .build/release/glassbox ] || swift build -c release
ours=(); theirs=()
for i in 1 2 3; do
  g=$(.build/release/glassbox bench infer --model "$model" --threads "$threads" --json)
  l=$("$venv/bin/python" bench/infer_llamacpp.py --model "$model" --threads "$threads")
  echo "glassbox:  $g" >&2
  echo "llama.cpp: $l" >&2
  ours+=("$g"); theirs+=("$l")
done
python3 - "$threads" "${ours[@]}" "${theirs[@]}" <<'PY'
import json, statistics, sys
threads = int(sys.argv[1]); runs = [json.loads(x) for x in sys.argv[2:]]
n = len(runs) // 2
ours, theirs = runs[:n], runs[n:]
out = {"threads": threads, "runs": n}
sysinfo = ours[0].get("system", {})
out["cpu"] = sysinfo.get("cpu", {}).get("model")
out["glassbox_blas_kernel"] = sysinfo.get("blas", {}).get("kernel")
out["glassbox_quant_kernel"] = sysinfo.get("quant_kernel")
out["llama_cpp_system_info"] = theirs[0].get("system_info")
for k in ["prefill_128_tokens_per_s", "prefill_512_tokens_per_s", "decode_tokens_per_s"]:
    g = statistics.median(r[k] for r in ours); l = statistics.median(r[k] for r in theirs)
    out[k.replace("_tokens_per_s", "")] = {"glassbox": round(g, 1), "llama_cpp": round(l, 1), "ratio": round(g / l, 2)}
print(json.dumps(out))
PY
