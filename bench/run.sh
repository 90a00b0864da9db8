#!/usr/bin/env bash
# The benchmark suite on a GPU machine, three ways in one run on the same
# card: native (NVIDIA's libcudart), the guest over virtio-gvirtus (TCG),
# and the frontend over TCP loopback to gvirtus-backend.  Prints a table
# with ratios to native and writes OUT/bench.csv; bench/plot.sh draws it.
# Build with `make gpu-bundle` first.  These are measurements, not tests.
# After gvbench, bench/mathbench.cu (cuBLAS, cuFFT, cuRAND) runs the same
# three ways when it was built; its rows join gvbench's in each mode's CSV
# (its raw output also in OUT/MODE-math.csv).  MATHBENCH_ARGS: its argument
# natively and over TCP (e.g. "quick"); MATHBENCH_GUEST_DIV: the divisor
# of its iteration counts in the guest (default 10: TCG), which gets
# MATHBENCH_GUEST_EXTRA_S more seconds (default 180); MATHBENCH_TIMEOUT:
# seconds per native or TCP run (default 600).  BENCH_GUEST_TIMEOUT: the
# guest's seconds for gvbench (default 540).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
out=${OUT:-$b/bench-results}
mkdir -p "$out"
[ -d "$b/qemu/lib" ] && export LD_LIBRARY_PATH=$b/qemu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
card=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n1)
echo "== $card, $(date -u +%Y-%m-%d)"

math=$b/guest/progs/mathbench
[ -x "$math" ] || { echo "== mathbench: $math absent (bench/mathbench.cu not built): skipped"; math=; }
# The math libraries mathbench needs itself (NVIDIA's libcublas pulls in
# libcublasLt on its own; a shim need not).
math_sonames="libcublas.so.13 libcufft.so.12 libcurand.so.10"
# math_unresolved LD_LIBRARY_PATH [DIR]: the sonames above that do not
# resolve with that path (or, given DIR, resolve outside DIR).
math_unresolved() {
	local deps l p
	deps=$(LD_LIBRARY_PATH=$1 ldd "$math" 2>/dev/null)
	for l in $math_sonames; do
		p=$(awk -v l="$l" '$1 == l { print $3 }' <<<"$deps")
		case $p in
		/*) [ -z "${2:-}" ] || [ "${p#"$2"/}" != "$p" ] || echo -n "$l " ;;
		*) echo -n "$l " ;;
		esac
	done
}
# run_math MODE VAR=VALUE...: mathbench under those variables, bounded by
# timeout; its rows, even from a run that failed halfway, go to
# OUT/MODE-math.csv and are added to OUT/MODE.csv for the table.
run_math() {
	local mode=$1 rc
	shift
	timeout -k 5 "${MATHBENCH_TIMEOUT:-600}" env "$@" "$math" ${MATHBENCH_ARGS:-} \
		>"$out/$mode-math.csv" 2>"$out/$mode-math.err"
	rc=$?
	case $rc in
	0) ;;
	124 | 137) echo "mathbench ($mode) timed out after ${MATHBENCH_TIMEOUT:-600} s" ;;
	*) echo "mathbench ($mode) failed (exit $rc): $(tail -n 1 "$out/$mode-math.err")" ;;
	esac
	cat "$out/$mode-math.csv" >>"$out/$mode.csv"
}

echo "== native"
LD_LIBRARY_PATH=$b/native "$b/guest/progs/gvbench" >"$out/native.csv"
if [ -n "$math" ]; then
	# NVIDIA's math libraries: from $b/native if the bundle has them, else
	# the toolkit's, else wherever the loader finds them.
	native_path=$b/native:${CUDA_HOME:-/usr/local/cuda}/lib64
	missing=$(math_unresolved "$native_path")
	if [ -n "$missing" ]; then
		echo "== native mathbench skipped: not found: $missing"
	else
		echo "== native mathbench"
		run_math native LD_LIBRARY_PATH="$native_path"
	fi
fi

echo "== guest over virtio-gvirtus (TCG)"
# The guest's tests/guest/bench.sh runs mathbench after gvbench when the
# image has it; the kernel command line hands it its divisor, and it gets
# more time.  Its rows land in the same log and CSV as gvbench's.
guest_t=${BENCH_GUEST_TIMEOUT:-540} guest_args=
if [ -n "$math" ]; then
	guest_t=$((guest_t + ${MATHBENCH_GUEST_EXTRA_S:-180}))
	guest_args="MATHBENCH_DIV=${MATHBENCH_GUEST_DIV:-10}"
fi
# BENCH_GUEST_ARGS: more NAME=VALUE words for the guest (GVIRTUS_MAILBOX=0:
# every call through the driver, the path before the session mailbox).
guest_args="$guest_args${BENCH_GUEST_ARGS:+ $BENCH_GUEST_ARGS}"
guest_args=${guest_args# }
"$repo/scripts/run-guest.sh" -e cuda -t "$guest_t" ${guest_args:+-a "$guest_args"} \
	-l "$out/virtio.log" bench.sh >/dev/null 2>&1
tr -d '\r' <"$out/virtio.log" | grep -E '^metric,value|^.+,-?[0-9.]+,[^,]+,-?[0-9.]+$' >"$out/virtio.csv"
if [ -n "$math" ] && ! grep -q '^cublasSgemm' "$out/virtio.csv"; then
	why=$(tr -d '\r' <"$out/virtio.log" | grep '^mathbench' | tail -n 1)
	echo "mathbench (virtio): no rows in $out/virtio.log (${why:-does tests/guest/bench.sh run it?})"
fi

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
if [ -n "$math" ]; then
	# Only through gvirtus's shims: NVIDIA's libraries over our libcudart
	# would measure something else under the same name.
	missing=$(math_unresolved "$b/guest-lib" "$b/guest-lib")
	if [ -n "$missing" ]; then
		echo "== mathbench over TCP skipped: no shim in $b/guest-lib for: $missing"
	else
		echo "== mathbench over TCP loopback"
		run_math tcp GVIRTUS_HOME="$home" GVIRTUS_TRANSPORT=tcp LD_LIBRARY_PATH="$b/guest-lib"
	fi
fi
kill -TERM $backend
wait $backend
rm -rf "$home"

awk -f "$repo/bench/table.awk" "$out/native.csv" "$out/virtio.csv" "$out/tcp.csv" \
	2>"$out/bench.csv" | tee "$out/table.txt"
echo "(ratios: value / native; for GB/s above 1 is faster, for times below 1 is faster)"
echo "card: $card; results in $out/bench.csv"
# What one loopback stream moves at best on this machine, with no GPU: the
# floor of the TCP copies above (bench/tcp_floor.py).
echo "== TCP floor: one loopback stream, no GPU (bench/tcp_floor.py)"
timeout 120 python3 "$repo/bench/tcp_floor.py" 256 5 | tee "$out/tcp-floor.csv"
