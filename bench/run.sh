#!/usr/bin/env bash
# The benchmark suite on a GPU machine, three ways in one run on the same
# card: native (NVIDIA's libcudart), the guest over virtio-gvirtus (TCG),
# and the frontend over TCP loopback to gvirtus-backend.  Prints a table
# with ratios to native and writes OUT/bench.csv; bench/plot.sh draws it.
# Build with `make gpu-bundle` first.  These are measurements, not tests.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
out=${OUT:-$b/bench-results}
mkdir -p "$out"
[ -d "$b/qemu/lib" ] && export LD_LIBRARY_PATH=$b/qemu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
card=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n1)
echo "== $card, $(date -u +%Y-%m-%d)"

echo "== native"
LD_LIBRARY_PATH=$b/native "$b/guest/progs/gvbench" >"$out/native.csv"

echo "== guest over virtio-gvirtus (TCG)"
"$repo/scripts/run-guest.sh" -e cuda -t 540 -l "$out/virtio.log" bench.sh >/dev/null 2>&1
tr -d '\r' <"$out/virtio.log" | grep -E '^metric,value|^.+,-?[0-9.]+,[^,]+,-?[0-9.]+$' >"$out/virtio.csv"

echo "== frontend over TCP loopback"
port=$((20000 + RANDOM % 20000))
home=$(mktemp -d)
mkdir -p "$home/etc"
printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" } } ] }\n' "$port" >"$home/etc/properties.json"
"$b/bin/gvirtus-backend" "$home/etc/properties.json" 2>"$out/backend.log" &
backend=$!
sleep 2
GVIRTUS_HOME=$home GVIRTUS_TRANSPORT=tcp LD_LIBRARY_PATH=$b/guest-lib \
	"$b/guest/progs/gvbench" >"$out/tcp.csv"
kill -TERM $backend
wait $backend
rm -rf "$home"

awk -f "$repo/bench/table.awk" "$out/native.csv" "$out/virtio.csv" "$out/tcp.csv" \
	2>"$out/bench.csv" | tee "$out/table.txt"
echo "(ratios: value / native; for GB/s above 1 is faster, for times below 1 is faster)"
echo "card: $card; results in $out/bench.csv"
