#!/usr/bin/env bash
# Runs check_tensorboard.py (read | write, see there) with TensorBoard from PyPI in a venv at
# ~/.cache/glassbox-tensorboard-venv, made on first use.
set -euo pipefail
venv=${GLASSBOX_TENSORBOARD_VENV:-$HOME/.cache/glassbox-tensorboard-venv}
if ! "$venv/bin/python" -c "import tensorboard, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check tensorboard numpy
fi
exec "$venv/bin/python" "$(dirname "$0")/check_tensorboard.py" "$@"
