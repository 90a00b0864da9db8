#!/bin/sh
# tests/share_dir.sh's guest side: a host directory shared read-only at
# /mnt/host (run-guest.sh -s), and NVIDIA's NVRTC from the host's toolkit
# shared at its own path, compiling in the guest for our libcuda.so.1.
fail=0
# NVRTC from the host's toolkit, shared at its own path: after the shims.
[ -d /usr/local/cuda/lib64 ] && export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/usr/local/cuda/lib64
if [ "$(cat /mnt/host/hello 2>/dev/null)" = "$SHARE_WORD" ]; then
	echo "pass: the host's file reads back in the guest"
else
	echo "FAIL the host's file: '$(cat /mnt/host/hello 2>&1)'"
	fail=1
fi
if touch /mnt/host/new 2>/dev/null; then
	echo "FAIL the share is writable"
	fail=1
else
	echo "pass: the share is read-only"
fi
nvrtc_driver || fail=1
exit $fail
