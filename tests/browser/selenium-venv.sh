#!/usr/bin/env bash
# Prints the path of a Python with Selenium: the venv at GLASSBOX_BROWSER_VENV (default
# ~/.cache/glassbox-browser-venv), made from PyPI on first use. Sourced by the browser tests' runners.
set -euo pipefail
venv=${GLASSBOX_BROWSER_VENV:-$HOME/.cache/glassbox-browser-venv}
if ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check selenium >&2
fi
echo "$venv/bin/python"
