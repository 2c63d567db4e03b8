#!/usr/bin/env bash
# Runs check_openai.py BASE_URL GLASSBOX (see there) with the official `openai` client from PyPI in a venv at
# ~/.cache/glassbox-openai-venv, made on first use.
set -euo pipefail
venv=${GLASSBOX_OPENAI_VENV:-$HOME/.cache/glassbox-openai-venv}
if ! "$venv/bin/python" -c "import openai" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check openai
fi
exec "$venv/bin/python" "$(dirname "$0")/check_openai.py" "$@"
