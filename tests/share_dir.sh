#!/usr/bin/env bash
# usage: tests/share_dir.sh [EXECUTOR]
# Host directories shared into the guest (run-guest.sh -s, virtio-9p, read
# only): a file of ours, and the host's CUDA toolkit libraries, from which
# NVIDIA's NVRTC runs in the guest (it never touches a GPU) and the code it
# makes loads through our libcuda.so.1 (tests/gpu/nvrtc_driver.c).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=${1:-cpu-reference}
cuda=${CUDA_HOME:-/usr/local/cuda}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
word=w$RANDOM$RANDOM
echo "$word" >"$dir/hello"
"$repo/scripts/run-guest.sh" -e "$executor" -t 300 -l "$b/guest-share.log" -a "SHARE_WORD=$word" \
	-s "$dir:/mnt/host" -s "$cuda/lib64:$cuda/lib64" share.sh >"$b/guest-share.out" 2>&1
rc=$?
tr -d '\r' <"$b/guest-share.log" | grep -E '^(pass|FAIL|note)'
p=$(tr -d '\r' <"$b/guest-share.log" | grep -c '^pass')
f=$(tr -d '\r' <"$b/guest-share.log" | grep -c '^FAIL')
[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || { echo "FAIL the guest run (exit $rc, see $b/guest-share.out)"; f=1; }
echo "share_dir: $p passed, $f failed"
[ "$f" -eq 0 ] && [ "$rc" -eq 0 ]
