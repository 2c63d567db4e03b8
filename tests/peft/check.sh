#!/usr/bin/env bash
# Runs check_adapter.py ADAPTER_DIR with Python's safetensors (from PyPI, in a venv at
# ~/.cache/glassbox-safetensors-venv made on first use): the adapter loads there with PEFT's key names.
set -euo pipefail
venv=${GLASSBOX_SAFETENSORS_VENV:-$HOME/.cache/glassbox-safetensors-venv}
if ! "$venv/bin/python" -c "import safetensors.numpy, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check safetensors numpy
fi
exec "$venv/bin/python" "$(dirname "$0")/check_adapter.py" "$@"
