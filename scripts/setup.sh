#!/usr/bin/env bash
# Installs what Glassbox needs on a fresh Debian machine with Swift: OpenBLAS and SQLite headers, pkg-config.
# With --test, also Chromium (headless, for the HTML report tests).
# Idempotent: does nothing when everything is present.
set -euo pipefail

need=()
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null || need+=(chromium)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6 toolchain required)" >&2; exit 1; }
