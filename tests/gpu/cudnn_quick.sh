#!/usr/bin/env bash
# The cuDNN program alone (tests/gpu/math_cudnn.cu), on a GPU machine:
# natively with NVIDIA's libcudnn.so.9, then over TCP through gvirtus
# (gvirtus-backend on loopback, our shims), outputs compared line by line.
# The full suite (tests/gpu/run.sh) runs it too, in the guest as well.
#   GVIRTUS_CUDNN_DIR: the directory of NVIDIA's libcudnn.so.9 (default:
#   PyTorch's venv, /opt/torch/.venv/.../site-packages/nvidia/cudnn/lib)
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
out=${OUT:-$b/gpu-results}
mkdir -p "$out"
[ -d "$b/qemu/lib" ] && export LD_LIBRARY_PATH=$b/qemu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export GVIRTUS_CUDNN_DIR=${GVIRTUS_CUDNN_DIR:-/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib}
prog=$b/guest/progs/math_cudnn
[ -x "$prog" ] || { echo "cudnn_quick: no $prog (built where cuDNN's headers are)"; exit 2; }
[ -f "$GVIRTUS_CUDNN_DIR/libcudnn.so.9" ] || { echo "cudnn_quick: no libcudnn.so.9 in $GVIRTUS_CUDNN_DIR"; exit 2; }
cuda_lib=${CUDA_HOME:-/usr/local/cuda}/lib64

echo "== native"
LD_LIBRARY_PATH=$b/native:$cuda_lib:$GVIRTUS_CUDNN_DIR "$prog" >"$out/cudnn-native.txt" 2>&1
echo "native rc=$?"
tail -n1 "$out/cudnn-native.txt"

echo "== over TCP"
port=$((20000 + RANDOM % 20000))
home=$(mktemp -d)
mkdir -p "$home/etc"
printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" }, "plugins": [ "cudart", "cudadr", "cudnn" ] } ], "secure_application": false }\n' "$port" >"$home/etc/properties.json"
"$b/bin/gvirtus-backend" "$home/etc/properties.json" 2>"$out/cudnn-backend.log" &
backend=$!
sleep 2
GVIRTUS_HOME=$home GVIRTUS_TRANSPORT=tcp LD_LIBRARY_PATH=$b/guest-lib:$cuda_lib \
	"$prog" 2>&1 | grep -v '^gvirtus' >"$out/cudnn-tcp.txt"
echo "tcp rc=${PIPESTATUS[0]}"
kill -TERM $backend
wait $backend
rm -rf "$home"
tail -n1 "$out/cudnn-tcp.txt"
if diff -u "$out/cudnn-native.txt" "$out/cudnn-tcp.txt"; then
	echo "cudnn_quick: native and TCP outputs identical"
else
	echo "cudnn_quick: outputs DIFFER (backend log: $out/cudnn-backend.log)"
	exit 1
fi
