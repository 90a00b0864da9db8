#!/usr/bin/env bash
# The GPU suite, on a machine with an NVIDIA GPU: the guest under TCG runs
# the suite through virtio-gvirtus on the real GPU; the same test binary
# also runs natively (NVIDIA's libcudart) for comparison.  Build with
# 'make' first (on the build machine), then run this where the GPU is.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
out=${OUT:-$b/gpu-results}
mkdir -p "$out"
[ -d "$b/qemu/lib" ] && export LD_LIBRARY_PATH=$b/qemu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
declare -A result
# cuDNN is not the toolkit's: NVIDIA's libcudnn.so.9 (and the sub-libraries
# it opens from its own directory) comes from PyTorch's venv here.  The
# native run finds it through LD_LIBRARY_PATH, the host worker (QEMU's,
# gvirtus-backend's) through GVIRTUS_CUDNN_DIR.
export GVIRTUS_CUDNN_DIR=${GVIRTUS_CUDNN_DIR:-/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib}
[ -f "$GVIRTUS_CUDNN_DIR/libcudnn.so.9" ] || echo "== no libcudnn.so.9 in GVIRTUS_CUDNN_DIR=$GVIRTUS_CUDNN_DIR: math_cudnn fails"
# math_cudnn exists where the build machine had cuDNN's headers.
dnn=$([ -x "$b/guest/progs/math_cudnn" ] && echo math_cudnn)

used() { nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -n1; }

echo "== GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n1)"
mem0=$(used)

echo "== native: the same test program against NVIDIA's libcudart"
if [ -f "$b/native/libcudart.so.13" ]; then
	LD_LIBRARY_PATH=$b/native "$b/guest/progs/gvtest_calls" all 1 >"$out/native.log" 2>&1
	result[native]=$?
	cat "$out/native.log"
else
	echo "(no $b/native/libcudart.so.13: skipped)"
	result[native]=skipped
fi

# The guests run under TCG and take minutes: all three boot now, beside
# the host-side checks below, each with a share of the cores.
export GVIRTUS_GUEST_SMP=${GVIRTUS_GUEST_SMP:-$(($(nproc) / 4 > 0 ? $(nproc) / 4 : 1))}
# Free device memory is the whole GPU's, so from here on the tests do not
# compare their cudaMemGetInfo readings; the nvidia-smi reading at the
# end, once everything has exited, still must match the first.
export GVTEST_SHARED_GPU=1
guest_run() { # NAME TIMEOUT SCRIPT [run-guest options]: the exit code lands in $out/NAME.rc
	local name=$1 t=$2 script=$3
	shift 3
	"$repo/scripts/run-guest.sh" -e cuda -t "$t" -l "$out/$name.log" -a GVTEST_SHARED_GPU=1 "$@" \
		"$script" >/dev/null 2>&1
	echo $? >"$out/$name.rc"
}
# NVRTC runs in the guest from the host's toolkit, shared at its own path.
cuda_lib=${CUDA_HOME:-/usr/local/cuda}/lib64
t0=$(date +%s)
guest_run guest-gpu 300 gpu.sh &
guest_run programs-guest 360 gpu_programs.sh -s "$cuda_lib:$cuda_lib" &
guest_run demo 180 demo.sh &

echo "== nvcc programs (tests/gpu): native, then in the guest, outputs compared"
# The console adds carriage returns and kernel lines; keep the programs'.
cut_out() { tr -d '\r' <"$1" | sed -n '/^=== BEGIN/,/^=== END/p' | grep -v '^gvirtus'; }
# compare_with_native MODE LABEL KEY: MODE's programs' output against the
# native run's, line by line; result[KEY] says whether they are identical.
compare_with_native() {
	cut_out "$out/programs-$1.log" >"$out/programs-$1.txt"
	grep -E '^=== END|passed' "$out/programs-$1.txt" | sed "s/^/$1: /"
	if diff -u "$out/programs-native.txt" "$out/programs-$1.txt" >"$out/programs-$1.diff"; then
		echo "native and $2 outputs identical ($(wc -l <"$out/programs-$1.txt") lines)"
		result[$3]=0
	else
		echo "native and $2 outputs DIFFER:"
		head -40 "$out/programs-$1.diff"
		result[$3]=1
	fi
}
# stdout line-buffered, as on the guest's console: a library's stderr line
# (cuSPARSE's argument check) then lands where the program made it, in
# every mode, instead of ahead of a pipe's buffered stdout.
linebuf=$(command -v stdbuf >/dev/null && echo "stdbuf -oL")
run_programs() {
	for p in kparams streams symbols errors "errors illegal" isolation.sh driverapi mixed_init runtime_ext graph_copies graph_host graph_memory ipc library math_curand math_cublas math_cufft math_cusparse math_cusolver $dnn nvrtc_driver; do
		echo "=== BEGIN $p"
		(cd "$b/guest/progs" && PATH=$b/guest/progs:$repo/tests/gpu:$PATH $linebuf $p)
		echo "=== END $p rc=$?"
	done
}
# Natively, NVIDIA's math libraries come from the toolkit (the math_* programs).
LD_LIBRARY_PATH=$b/native:${CUDA_HOME:-/usr/local/cuda}/lib64:$GVIRTUS_CUDNN_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
	run_programs >"$out/programs-native.log" 2>&1
cut_out "$out/programs-native.log" >"$out/programs-native.txt"

echo "== nvcc programs over TCP (gvirtus-backend on loopback, executor=cuda)"
port=$((20000 + RANDOM % 20000))
home=$(mktemp -d)
mkdir -p "$home/etc"
printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" }, "plugins": [ "cudart", "cudadr", "cublas", "cufft", "curand", "cusparse", "cudnn", "cusolver" ] } ], "secure_application": false }\n' "$port" >"$home/etc/properties.json"
"$b/bin/gvirtus-backend" "$home/etc/properties.json" 2>"$out/backend.log" &
backend=$!
sleep 2
# The toolkit after the shims: NVRTC (nvrtc_driver) as natively, ours first.
GVIRTUS_HOME=$home GVIRTUS_TRANSPORT=tcp LD_LIBRARY_PATH=$b/guest-lib:${CUDA_HOME:-/usr/local/cuda}/lib64 \
	run_programs >"$out/programs-tcp.log" 2>&1
kill -TERM $backend
wait $backend
compare_with_native tcp TCP tcp_identical
rm -rf "$home"

echo "== network mode checks with the GPU (tests/net/run.sh cuda)"
"$repo/tests/net/run.sh" cuda >"$out/net.log" 2>&1
result[net]=$?
grep -E '^(pass:|FAIL)|net:' "$out/net.log"

echo "== GPU selection (gpus=) on this host"
"$repo/tests/gpu_selection.sh" cuda >"$out/selection.log" 2>&1
result[selection]=$?
grep -E '^(pass:|FAIL)|gvdemo|selection:' "$out/selection.log"
if [ "$(nvidia-smi -L | wc -l)" -ge 2 ]; then
	echo "== two GPUs in one guest (gpus=0:1): a kernel on each, a peer copy"
	"$repo/scripts/run-guest.sh" -e cuda -d gpus=0:1 -t 300 -l "$out/multigpu.log" \
		multigpu_gpu.sh >/dev/null 2>&1
	result[multigpu]=$?
	grep -E 'multigpu|FAIL|peer' "$out/multigpu.log"
else
	echo "== one GPU on this host: the two-GPU run (tests/gpu/multigpu.cu) is not possible here"
	result[multigpu]=skipped
fi

echo "== waiting for the guests"
wait
t1=$(date +%s)
result[guest]=$(cat "$out/guest-gpu.rc")
result[programs]=$(cat "$out/programs-guest.rc")
result[demo]=$(cat "$out/demo.rc")

echo "== guest under TCG, virtio-gvirtus, executor=cuda: tests/guest/gpu.sh"
grep -vE '^\s*$|^\[ ' "$out/guest-gpu.log"
sed 's/^/host: /' "$out/guest-gpu.log.host"

echo "== nvcc programs in the guest, compared with native"
grep -E '^=== END|passed' "$out/programs-native.txt" | sed 's/^/native: /'
compare_with_native guest guest identical

echo "== make run (demo)"
grep -E 'gvdemo|GVIRTUS_EXIT' "$out/demo.log"
mem1=$(used)

echo "== summary"
echo "GPU memory used before/after (nvidia-smi, MiB): $mem0 / $mem1"
echo "guests wall time (three at once): $((t1 - t0)) s"
fail=0
for k in native guest programs identical tcp_identical net selection multigpu demo; do
	echo "$k: ${result[$k]}"
	case ${result[$k]} in 0 | skipped) ;; *) fail=1 ;; esac
done
[ "$mem0" = "$mem1" ] || { echo "GPU memory not returned"; fail=1; }
echo "gpu suite: $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
