#!/usr/bin/env bash
# The studio beside TensorBoard on one long series, in one run:
#   bench/studio_vs_tensorboard.sh [points]        (default 1000000)
# Records a series of N points with a spike at a random step (`glassbox bench series --keep`: the run store and a
# TensorBoard copy of the same events), then for each server: the time from its start to the first complete answer,
# the first request's latency (cold) and the median of 20 more (warm), and whether the spike is in the answer.
# TensorBoard comes from PyPI in a venv at ~/.cache/glassbox-tensorboard-venv, made on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
points=${1:-1000000}
venv=${GLASSBOX_TENSORBOARD_VENV:-$HOME/.cache/glassbox-tensorboard-venv}
if ! "$venv/bin/python" -c "import tensorboard, numpy" 2>/dev/null; then
  echo "creating the TensorBoard venv in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check tensorboard numpy
fi
[ -x .build/release/glassbox ] || swift build -c release --product glassbox
dir=$(mktemp -d /tmp/glassbox-bench-studio.XXXXXX)
trap 'rm -rf "$dir"' EXIT
.build/release/glassbox bench series --points "$points" --keep "$dir/runs" --json > "$dir/series.json"
exec "$venv/bin/python" bench/studio_vs_tensorboard.py --glassbox .build/release/glassbox --runs-dir "$dir/runs" --series "$dir/series.json"
