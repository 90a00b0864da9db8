#!/usr/bin/env bash
# Regenerates guest-lib/cudart_exports.txt: every function NVIDIA's
# libcudart.so.13 exports.  The shim exports the same set; what gvirtus
# does not implement becomes a stub returning cudaErrorNotSupported.
set -euo pipefail
cuda=${CUDA_HOME:-/usr/local/cuda}
repo=$(cd "$(dirname "$0")/.." && pwd)
objdump -T "$cuda/lib64/libcudart.so.13" |
	awk '$2 == "g" && $4 == ".text" && $(NF-1) == "libcudart.so.13" {print $NF}' |
	sort -u >"$repo/guest-lib/cudart_exports.txt"
wc -l "$repo/guest-lib/cudart_exports.txt"
