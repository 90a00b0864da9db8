#!/usr/bin/env bash
# usage: fetch-guest-kernel.sh ABI OUT_DIR
# Downloads (never installs) Debian's linux-image-ABI and lays out what
# the guest needs: OUT_DIR/vmlinuz and OUT_DIR/modules/*.ko (virtio, and
# virtio-9p for host directories shared into the guest).
set -euo pipefail
abi=${1:?ABI} out=${2:?OUT_DIR}
cache=${GVIRTUS_CACHE:-$HOME/.cache/gvirtus}/kernel-$abi
if [ ! -f "$cache/.done" ]; then
	rm -rf "$cache" && mkdir -p "$cache/deb" "$cache/root"
	(cd "$cache/deb" && apt-get download "linux-image-$abi" >/dev/null)
	dpkg -x "$cache"/deb/linux-image-*.deb "$cache/root"
	touch "$cache/.done"
fi
mkdir -p "$out/modules"
cp -f "$cache/root/boot/vmlinuz-$abi" "$out/vmlinuz"
moddir=$cache/root/lib/modules/$abi/kernel
# The order insmod needs, since the package has no modules.dep (the guest's
# init loads them in this order too).
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
	drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs \
	fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
	src=$(ls "$moddir/$m.ko"* 2>/dev/null | head -n1)
	m=$(basename "$m")
	[ -n "$src" ] || { echo "fetch-guest-kernel: $m.ko not in linux-image-$abi" >&2; exit 1; }
	case "$src" in
	*.ko.xz) xz -dc "$src" >"$out/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$src" >"$out/modules/$m.ko" ;;
	*) cp -f "$src" "$out/modules/$m.ko" ;;
	esac
done
