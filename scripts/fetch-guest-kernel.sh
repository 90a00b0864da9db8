#!/usr/bin/env bash
# usage: fetch-guest-kernel.sh ABI OUT_DIR
# Downloads (never installs) Debian's linux-image-ABI and lays out what
# the guest needs: OUT_DIR/vmlinuz and OUT_DIR/modules/*.ko (virtio).
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
moddir=$cache/root/lib/modules/$abi/kernel/drivers/virtio
# The order insmod needs, since the package has no modules.dep.
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci; do
	src=$(ls "$moddir/$m.ko"* 2>/dev/null | head -n1)
	[ -n "$src" ] || { echo "fetch-guest-kernel: $m.ko not in linux-image-$abi" >&2; exit 1; }
	case "$src" in
	*.ko.xz) xz -dc "$src" >"$out/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$src" >"$out/modules/$m.ko" ;;
	*) cp -f "$src" "$out/modules/$m.ko" ;;
	esac
done
