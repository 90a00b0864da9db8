#!/usr/bin/env bash
# Prints the kernel ABI (e.g. 6.1.0-56-amd64) that linux-headers-amd64
# depends on today; the guest kernel and gvirtus.ko are built for it.
set -euo pipefail
abi=$(apt-cache depends linux-headers-amd64 2>/dev/null |
	sed -n 's/.*Depends: linux-headers-\(.*-amd64\)$/\1/p' | head -n1)
if [ -z "$abi" ]; then
	echo "kernel-abi: apt knows no linux-headers-amd64; run scripts/setup-deps.sh" >&2
	exit 1
fi
echo "$abi"
