#!/usr/bin/env bash
# usage: tests/torch/run.sh [PYTHON] [CHECK...]
# PyTorch's checks (tests/torch/checks.py) natively, over TCP and in a guest,
# on a host with a GPU and PyTorch (PYTHON, default /opt/torch/.venv/bin/python3),
# then the values each mode printed (training losses) compared with native's.
#   TCP: gvirtus-backend on loopback; the client runs with gvirtus's shims
#        preloaded by soname in place of NVIDIA's libcudart, libcuda,
#        cuBLAS(Lt), cuFFT, cuRAND, cuSPARSE and cuDNN, and /dev/nvidia* hidden from it (a
#        private mount namespace) so that it can only reach the GPU through
#        gvirtus.
#   guest: the host's root shared read-only into the guest (-s /:/host) and
#        the same Python run there in a chroot (tests/guest/torch.sh).
# TORCH_SCRIPT runs in place of checks.py (bench/torch.sh's step times).
# OUT (default build/torch-results) gets each mode's output.  MODES picks
# (default "native tcp guest"); TORCH_GUEST_TIMEOUT bounds the guest (900 s).
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
py=${1:-/opt/torch/.venv/bin/python3}
shift || true
out=${OUT:-$b/torch-results}
script=${TORCH_SCRIPT:-$repo/tests/torch/checks.py}
mkdir -p "$out"
g=$b/guest-lib
preload=$g/libcudart.so.13:$g/libcuda.so.1:$g/libcublas.so.13:$g/libcublasLt.so.13:$g/libcufft.so.12:$g/libcurand.so.10:$g/libcusparse.so.12:$g/libcusolver.so.12:$g/libcudnn.so.9
[ -x "$py" ] || { echo "torch: no Python at $py (give its path)"; exit 2; }
# The host workers (gvirtus-backend's, QEMU's) open NVIDIA's libcudnn.so.9
# from the venv's wheel, which no loader path names.
if [ -z "${GVIRTUS_CUDNN_DIR:-}" ]; then
	for d in "$(dirname "$(dirname "$py")")"/lib/python3*/site-packages/nvidia/cudnn/lib; do
		[ -f "$d/libcudnn.so.9" ] && export GVIRTUS_CUDNN_DIR=$d
	done
fi

native() {
	timeout 600 "$py" "$script" "$@"
}

tcp() {
	local port home backend rc
	port=$((20000 + RANDOM % 20000))
	home=$(mktemp -d)
	mkdir -p "$home/etc"
	printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" }, "plugins": [ "cudart", "cudadr", "cublas", "cufft", "curand", "cusparse", "cusolver", "cudnn" ] } ], "secure_application": false }\n' \
		"$port" >"$home/etc/properties.json"
	"$b/bin/gvirtus-backend" "$home/etc/properties.json" 2>"$out/tcp-backend.log" &
	backend=$!
	sleep 2
	GVIRTUS_HOME=$home GVIRTUS_TRANSPORT=tcp LD_LIBRARY_PATH=$g LD_PRELOAD=$preload \
		timeout 900 unshare --mount sh -c \
		'for d in /dev/nvidia*; do mount --bind /dev/null "$d"; done; exec "$0" "$@"' \
		"$py" "$script" "$@"
	rc=$?
	kill -TERM $backend
	wait $backend
	rm -rf "$home"
	return $rc
}

guest() {
	local only
	only=$(IFS=,; echo "${*:-all}")
	# PyTorch's libraries take gigabytes of the guest's page cache.
	GVIRTUS_GUEST_MEM=${GVIRTUS_GUEST_MEM:-8G} "$repo/scripts/run-guest.sh" -e cuda -s /:/host \
		-t "${TORCH_GUEST_TIMEOUT:-900}" -l "$out/guest.log" \
		-a "TORCH_PYTHON=$py TORCH_CHECKS=$script TORCH_ONLY=$only" torch.sh
	tr -d '\r' <"$out/guest.log"
}

for m in ${MODES:-native tcp guest}; do
	echo "== $m"
	"$m" "$@" >"$out/$m.txt" 2>&1
	echo "$m rc=$?" >>"$out/$m.txt"
	grep -E '^(pass:|FAIL|value |time |torch_checks:)' "$out/$m.txt"
done
# Each remote mode's values against native's: 1e-4 relative.
for m in tcp guest; do
	[ -f "$out/$m.txt" ] && [ -f "$out/native.txt" ] || continue
	awk -v mode="$m" '
		FNR == NR && /^value / { split($0, a, ": "); v[a[1]] = a[2]; next }
		/^value / { split($0, a, ": "); n++
			if (!(a[1] in v)) { bad++; print "FAIL " mode ": " a[1] " has no native value"; next }
			d = a[2] - v[a[1]]; if (d < 0) d = -d
			s = v[a[1]] < 0 ? -v[a[1]] : v[a[1]]
			if (d > 1e-4 * s + 1e-6) { bad++; print "FAIL " mode ": " a[1] " " a[2] " vs native " v[a[1]] }
		}
		END { printf "%s values vs native: %d passed, %d failed\n", mode, n - bad, bad }' \
		"$out/native.txt" "$out/$m.txt"
done
