#!/usr/bin/env bash
# usage: make-initramfs.sh OUT.cpio.gz KERNEL_DIR KMOD GUEST_LIB_DIR PROGRAM_DIR
# The guest image: busybox-static, the virtio modules and gvirtus.ko, the
# runtime shim, the test programs and scripts, and the shared libraries
# the programs need (taken from this machine, as ldd resolves them).
set -euo pipefail
out=$1 kdir=$2 kmod=$3 libdir=$4 progdir=$5
repo=$(cd "$(dirname "$0")/.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules,usr/lib/gvirtus,tests,lib64,lib/x86_64-linux-gnu}
cp /bin/busybox "$root/bin/busybox"
cp "$kdir"/modules/*.ko "$kmod" "$root/lib/modules/"
# The shims: every NVIDIA soname gvirtus serves (guest-lib/, math/).
cp -P "$libdir"/libcudart.so* "$libdir"/libcuda.so* "$root/usr/lib/gvirtus/"
for shim in "$libdir"/libcurand.so* "$libdir"/libcublas.so* "$libdir"/libcublasLt.so* \
	"$libdir"/libcufft.so* "$libdir"/libcusparse.so* "$libdir"/libcusolver.so* "$libdir"/libcudnn.so*; do
	[ -e "$shim" ] && cp -P "$shim" "$root/usr/lib/gvirtus/"
done
progs=$(find "$progdir" -maxdepth 1 -type f -perm -u+x | sort)
cp $progs "$root/tests/"
cp "$repo"/tests/guest/*.sh "$root/tests/"
for f in "$repo"/tests/gpu/*.sh "$repo"/tests/soak/*.sh; do
	[ "$(basename "$f")" = run.sh ] || cp "$f" "$root/tests/"
done
cp "$repo/tests/guest/init" "$root/init"
chmod +x "$root/init" "$root"/tests/*
for p in $progs; do
	LD_LIBRARY_PATH=$libdir ldd "$p" 2>/dev/null | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'
done | sort -u | while read -r lib; do
	case "$lib" in "$libdir"/*) continue ;; esac
	# No NVIDIA library goes into the guest: a program that needs one
	# gvirtus has no shim for fails to load there, as it should.
	case "$lib" in "${CUDA_HOME:-/usr/local/cuda}"/* | /usr/local/cuda*/*)
		echo "make-initramfs: $(basename "$lib") is NVIDIA's and has no gvirtus shim: left out" >&2
		continue ;;
	esac
	cp -L "$lib" "$root/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
