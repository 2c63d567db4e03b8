#!/usr/bin/env bash
# Installs what Glassbox needs on a fresh Debian machine with Swift: OpenBLAS and SQLite headers, pkg-config.
# With --test, also Node, TypeScript's checker and ESLint (the front end's checks), Chromium and its WebDriver (headless, for the report and studio browser tests), python3-venv
# (Selenium from PyPI goes into a venv), curl, Open MPI (openmpi-bin) for the data-parallel tests, and PostgreSQL
# (postgresql, openssl) for the shared run store's tests.
# Idempotent: does nothing when everything is present.
set -euo pipefail

need=()
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v chromedriver >/dev/null || [ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
  python3 -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
  command -v curl >/dev/null || need+=(curl)
  # The studio API is also called as Python programs call it (requests encodes a space as +).
  /usr/bin/python3 -c "import requests" 2>/dev/null || need+=(python3-requests)
  # Open MPI's launcher and library: the data-parallel training tests run mpirun -np 2.
  command -v mpirun >/dev/null || need+=(openmpi-bin)
  # PostgreSQL's server: the run-store tests start their own on a free port (scripts/pg-test-server.sh).
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v openssl >/dev/null || need+=(openssl)
  # The front end's checks without a browser (scripts/js-check.sh): Node, TypeScript's checker and ESLint.
  command -v node >/dev/null || need+=(nodejs)
  command -v tsc >/dev/null || need+=(node-typescript)
  command -v eslint >/dev/null || need+=(eslint)
  # A CJK font: the browser tests' screenshots show Chinese prompts.
  [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6 toolchain required)" >&2; exit 1; }
