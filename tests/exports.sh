#!/usr/bin/env bash
# The shims export exactly NVIDIA's names, with NVIDIA's version nodes:
# libcuda.so.1 the names of the toolkit's stub libcuda (unversioned, as the
# driver's are), libcudart.so.13 every name of guest-lib/cudart_exports.txt
# under the node libcudart.so.13; the math shims NVIDIA's versioned names.
# A function a table calls implemented but
# nobody wrote would be missing here.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
cuda_home=${CUDA_HOME:-/usr/local/cuda}
pass=0 fail=0
check() {
	if [ -z "$2" ]; then
		echo "pass: $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: $(echo "$2" | head -5 | tr '\n' ' ')"
		fail=$((fail + 1))
	fi
}
names() { nm -D --defined-only "$1" | awk '$2 == "T" {print $3}' | sort -u; }

ours=$(names "$b/guest-lib/libcuda.so.1")
theirs=$(names "$cuda_home/lib64/stubs/libcuda.so")
check "libcuda.so.1 exports every name NVIDIA's does" "$(comm -13 <(echo "$ours") <(echo "$theirs"))"
check "libcuda.so.1 exports nothing else" "$(comm -23 <(echo "$ours") <(echo "$theirs"))"
check "libcuda.so.1's names are unversioned" \
	"$(objdump -T "$b/guest-lib/libcuda.so.1" | awk '$2 ~ /g/ && $4 == ".text" && $6 != "Base" {print $NF}' | grep -v '^$' | head -3)"
rt=$(objdump -T "$b/guest-lib/libcudart.so.13" | awk '$4 == ".text" && $6 == "libcudart.so.13" {print $7}' | sort -u)
check "libcudart.so.13 exports every name under libcudart.so.13" \
	"$(comm -13 <(echo "$rt") <(sort -u "$repo/guest-lib/cudart_exports.txt"))"
# The math shims: NVIDIA's names under NVIDIA's version node, and no others.
for lib in libcurand.so.10 libcublas.so.13 libcublasLt.so.13 libcufft.so.12 libcusparse.so.12 libcusolver.so.12; do
	ours=$(names "$b/guest-lib/$lib")
	theirs=$(names "$cuda_home/lib64/$lib")
	check "$lib exports every name NVIDIA's does, under its node" "$(comm -13 <(echo "$ours") <(echo "$theirs"))"
	check "$lib exports nothing else" "$(comm -23 <(echo "$ours") <(echo "$theirs"))"
done
# cuDNN is no build machine's: its names are a list read from NVIDIA's
# libcudnn.so.9 (gen/exports/libcudnn.so.9.txt), all under its node.
ours=$(objdump -T "$b/guest-lib/libcudnn.so.9" | awk '$4 == ".text" && $6 == "libcudnn.so.9" {print $7}' | sort -u)
theirs=$(sort -u "$repo/gen/exports/libcudnn.so.9.txt")
check "libcudnn.so.9 exports every name NVIDIA's does, under its node" "$(comm -13 <(echo "$ours") <(echo "$theirs"))"
check "libcudnn.so.9 exports nothing else" "$(comm -23 <(names "$b/guest-lib/libcudnn.so.9" | sed 's/@.*//' | sort -u) <(echo "$theirs"))"
echo "exports: $pass passed, $fail failed"
[ "$fail" = 0 ]
