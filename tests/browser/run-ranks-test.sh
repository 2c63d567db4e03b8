#!/usr/bin/env bash
# Data-parallel runs in the studio: trains a GPT on two ranks (mpirun -np 2) and one on a single process, copies the
# two-rank run as if it came from another machine (host gpu-box-2, user ana, 4 ranks, rank 3 slow) with python3's
# sqlite3, serves the runs, then tests/browser/ranks_test.py (Selenium + Debian's chromium and chromium-driver) checks
# the runs table's Ranks, Host and User columns (sorting, the ranks>1 / host= / user= filters, the Host and User
# selects and the URL that keeps them), the run pages' ranks fact, "by USER on HOST" and the Ranks section (one line
# per rank, the slowest rank named, the all-reduce share), both themes, no console errors.
#   tests/browser/run-ranks-test.sh [SCREENSHOT_DIR]
#     GLASSBOX_BIN: the binary (default .build/release/glassbox); SCREENSHOT_DIR, else GLASSBOX_SCREENSHOTS, else
#     .build/studio-screenshots; GLASSBOX_STUDIO_ASSETS (optional) serves the pages' files from that folder.
# Needs Open MPI's mpirun (Debian: openmpi-bin; without it the script says so and exits 0), chromium, chromium-driver
# and python3-venv (scripts/setup.sh --test); Selenium goes into a venv at ~/.cache/glassbox-browser-venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
bin=${GLASSBOX_BIN:-.build/release/glassbox}
if ! command -v mpirun >/dev/null 2>&1; then
  echo "SKIP run-ranks-test.sh: mpirun is not installed (Debian: apt-get install openmpi-bin); nothing was checked"
  exit 0
fi
source tests/browser/common.sh
# Two ranks on this machine (Open MPI as root, oversubscribed on a small CI machine, no shared-memory single copy in
# containers), then a small one-process run.
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none \
  mpirun --oversubscribe -np 2 "$bin" train --preset s --steps 40 --log-interval 5 --data "$repo/data/tinyshakespeare.txt" \
  --runs-dir "$runs" --name pair --json > "$runs/pair.log" 2>&1 || { tail -20 "$runs/pair.log"; exit 1; }
train_gpt solo --layers 1 --steps 20 --log-interval 5 --data "$repo/data/tinyshakespeare.txt"
# A run from another machine: the two-rank run copied as "quad", trained by ana on gpu-box-2 with 4 ranks, its
# ranks 2 and 3 made from rank 0's throughput (rank 3 at 60%: the slow one).
python3 - "$runs/glassbox.sqlite" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(runs)")]
src = db.execute("SELECT id FROM runs WHERE name = 'pair'").fetchone()[0]
new = src[:-4] + "9a0d"
over = {"id": new, "name": "quad", "host": "gpu-box-2", "user": "ana", "ranks": 4}
exprs = ["?" if c in over else ("created_at + 1" if c == "created_at" else c) for c in cols]
db.execute("INSERT INTO runs (%s) SELECT %s FROM runs WHERE id = ?" % (", ".join(cols), ", ".join(exprs)),
           [over[c] for c in cols if c in over] + [src])
db.execute("INSERT INTO scalars (run_id, tag, step, wall_time, value) SELECT ?, tag, step, wall_time + 1, value FROM scalars WHERE run_id = ?", (new, src))
for rank, scale in [(2, 0.97), (3, 0.6)]:
    db.execute("INSERT INTO scalars (run_id, tag, step, wall_time, value) SELECT run_id, ?, step, wall_time, value * ? "
               "FROM scalars WHERE run_id = ? AND tag = 'rank/0/tokens_per_s'", ("rank/%d/tokens_per_s" % rank, scale, new))
db.commit()
EOF
serve_studio
page_test ranks --pair pair --solo solo --remote quad --remote-host gpu-box-2 --remote-user ana --remote-ranks 4 --slow-rank 3
