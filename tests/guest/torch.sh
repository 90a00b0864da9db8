#!/bin/sh
# PyTorch in the guest (tests/torch/run.sh guest): the host's root is
# shared read-only at /host, and its Python runs there in a chroot with
# gvirtus's shims preloaded by soname in place of NVIDIA's GPU libraries
# (their RPATHs point at NVIDIA's; a preloaded soname wins).  What the
# chroot needs of its own: /dev (for /dev/gvirtus), /proc, /sys, a
# writable /tmp, and the shims themselves.
root=/host
py=${TORCH_PYTHON:-/opt/torch/.venv/bin/python3}
checks=${TORCH_CHECKS:?TORCH_CHECKS names checks.py on the host}
mount -t tmpfs tmp "$root/tmp" &&
	mount -o bind /dev "$root/dev" &&
	mount -t proc proc "$root/proc" &&
	mount -t sysfs sys "$root/sys" ||
	{ echo "FAIL torch: cannot set up the chroot"; exit 1; }
# Inside the chroot: a venv's python3 is a link to an absolute path of the host.
chroot "$root" /bin/sh -c '[ -x "$1" ]' sh "$py" ||
	{ echo "FAIL torch: no $py in the host's root"; exit 1; }
mkdir -p "$root/tmp/gvirtus"
cp -a /usr/lib/gvirtus/. "$root/tmp/gvirtus/"
g=/tmp/gvirtus
pre=$g/libcudart.so.13:$g/libcuda.so.1:$g/libcublas.so.13:$g/libcublasLt.so.13:$g/libcufft.so.12:$g/libcurand.so.10:$g/libcusparse.so.12:$g/libcusolver.so.12:$g/libcudnn.so.9
only=
[ "${TORCH_ONLY:-all}" = all ] || only=$(echo "$TORCH_ONLY" | tr ',' ' ')
# shellcheck disable=SC2086 # the checks' names, one word each
chroot "$root" env -i HOME=/tmp PATH=/usr/bin:/bin PYTHONUNBUFFERED=1 \
	LD_LIBRARY_PATH=$g LD_PRELOAD=$pre TRITON_CACHE_DIR=/tmp/triton \
	TORCHINDUCTOR_CACHE_DIR=/tmp/inductor "$py" "$checks" $only
