#!/usr/bin/env bash
# The run store's write throughput, PostgreSQL beside SQLite, in one run:
#   bench/store_write.sh [steps] [tags]
# Starts a throwaway PostgreSQL server (scripts/pg-test-server.sh, PostgreSQL's default durability: fsync and
# synchronous commit on), then `glassbox bench store` on SQLite (a scratch runs directory, WAL) and on PostgreSQL,
# with 1 and 4 trainings writing at once. Prints rows/s, flush latency and a series read for each, and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-2000}
tags=${2:-40}
[ -x .build/release/glassbox ] || swift build -c release
pg=${TMPDIR:-/tmp}/glassbox-bench-pg-$$   # a folder the server's own account can reach
trap 'scripts/pg-test-server.sh stop "$pg"' EXIT
url=$(scripts/pg-test-server.sh start "$pg")
bench() { .build/release/glassbox bench store --steps "$steps" --tags "$tags" --json "$@"; }
python3 - "$(bench --writers 1)" "$(bench --writers 1 --store "$url")" "$(bench --writers 4)" "$(bench --writers 4 --store "$url")" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
print(f"{'store':<11}{'writers':>8}{'rows/s':>11}{'flush ms (median, p95)':>26}{'series read ms':>17}")
for r in rows:
    print(f"{r['store']:<11}{r['writers']:>8}{r['rows_per_s']:>11.0f}{r['flush_ms_median']:>17.1f}, {r['flush_ms_p95']:<7.1f}{r['series_read_ms_median']:>17.1f}")
for w, (s, p) in {1: (rows[0], rows[1]), 4: (rows[2], rows[3])}.items():
    print(f"{w} writer{'s' if w > 1 else ''}: PostgreSQL / SQLite rows/s = {p['rows_per_s'] / s['rows_per_s']:.2f}x "
          f"({r['rows_per_flush']} rows a flush, {s['steps']} steps × {s['tags']} scalars per writer)")
PY
