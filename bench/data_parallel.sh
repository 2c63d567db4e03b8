#!/usr/bin/env bash
# Data-parallel training on this machine, Glassbox beside PyTorch DDP, in one run:
#   bench/data_parallel.sh [s|m] [ranks]
# For each side: one process on one thread, one process on `ranks` threads, and `ranks` processes of one thread
# each (Glassbox: mpirun -np N glassbox train; PyTorch: DistributedDataParallel over gloo). Prints the tokens/s
# (medians), the scaling efficiency (N ranks against N × one process on one thread), the all-reduce's share of a
# step, and the ratios. Needs Open MPI (openmpi-bin) and the PyTorch venv of bench/train_vs_pytorch.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-s}
ranks=${2:-2}
steps=$([ "$preset" = m ] && echo 24 || echo 80)
venv=${GLASSBOX_BENCH_VENV:-$HOME/.cache/glassbox-bench-venv}
[ -x "$venv/bin/python" ] || { echo "no PyTorch venv at $venv (run bench/train_vs_pytorch.sh once)" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun not found: install openmpi-bin" >&2; exit 1; }
[ -x .build/release/glassbox ] || swift build -c release
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
common=(--preset "$preset" --steps "$steps" --log-interval 4 --eval-interval 100000 --sample-interval 100000
        --checkpoint-interval 100000 --json --no-tensorboard --runs-dir "$runs")
# Median tokens/s of the logged intervals after the first (warm-up), and the run's last all-reduce share.
ours() {
  python3 -c '
import json, statistics, sys
rates = [o["tokens_per_s"] for o in map(json.loads, filter(str.strip, sys.stdin)) if "tokens_per_s" in o][1:]
print(statistics.median(rates))'
}
g1=$(.build/release/glassbox train "${common[@]}" --threads 1 | ours)
gt=$(.build/release/glassbox train "${common[@]}" --threads "$ranks" | ours)
out=$(mpirun --oversubscribe -np "$ranks" .build/release/glassbox train "${common[@]}" --name dp)
gr=$(echo "$out" | ours)
share=$(.build/release/glassbox runs show dp --runs-dir "$runs" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["last"]["train/allreduce_share"]["value"])')
t1=$("$venv/bin/python" bench/train_pytorch.py --preset "$preset" --threads 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens_per_s"])')
tt=$("$venv/bin/python" bench/train_pytorch.py --preset "$preset" --threads "$ranks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens_per_s"])')
td=$("$venv/bin/python" bench/ddp_pytorch.py --preset "$preset" --ranks "$ranks")
python3 - "$preset" "$ranks" "$g1" "$gt" "$gr" "$share" "$t1" "$tt" "$td" <<'PY'
import json, sys
preset, n = sys.argv[1], int(sys.argv[2])
g1, gt, gr, share, t1, tt = map(float, sys.argv[3:9])
ddp = json.loads(sys.argv[9])
tr = ddp["tokens_per_s"]
print(json.dumps({
    "preset": preset, "ranks": n,
    "glassbox": {"one_thread": round(g1), f"{n}_threads": round(gt), f"{n}_ranks": round(gr),
                 "scaling_efficiency": round(gr / (n * g1), 3), "ranks_over_threads": round(gr / gt, 3),
                 "allreduce_share": round(share, 3)},
    "pytorch": {"one_thread": round(t1), f"{n}_threads": round(tt), f"{n}_ranks_ddp": round(tr),
                "scaling_efficiency": round(tr / (n * t1), 3), "ranks_over_threads": round(tr / tt, 3),
                "allreduce_share": round(ddp["allreduce_share"], 3), "torch": ddp["torch"]},
    "ratio_ranks": round(gr / tr, 3),
}, indent=1))
PY
