#!/usr/bin/env bash
# usage: bench/torch.sh [PYTHON] [STEPS]
# PyTorch training-step times (bench/torch_step.py) natively, in the guest
# (TCG) and over TCP, in one run on the same card, through
# tests/torch/run.sh's three modes; then one table with ratios to native
# (bench/table.awk) and OUT/torch-bench.csv.  A measurement, not a test.
# The guest's row "python loop" is the same pure-Python work in each mode:
# its ratio is what TCG's emulated CPU costs, apart from gvirtus.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
out=${OUT:-$b/bench-results}
mkdir -p "$out/torch"
py=${1:-/opt/torch/.venv/bin/python3}
OUT=$out/torch TORCH_SCRIPT=$repo/bench/torch_step.py MODES=${MODES:-native tcp guest} \
	"$repo/tests/torch/run.sh" "$py" "${2:-20}" >"$out/torch/run.txt" 2>&1
rows() { tr -d '\r' <"$out/torch/$1.txt" 2>/dev/null | grep -E '^[^#][^,]*,-?[0-9.]+,[^,]+,-?[0-9.]+$'; }
for m in native guest tcp; do
	rows $m >"$out/torch/$m.csv"
	grep '^#' "$out/torch/$m.txt" | tr -d '\r' | sed "s/^/$m: /"
done
awk -f "$repo/bench/table.awk" "$out/torch/native.csv" "$out/torch/guest.csv" \
	"$out/torch/tcp.csv" 2>"$out/torch-bench.csv"
echo "(the virtio column is the guest under TCG; ratios: value / native)"
