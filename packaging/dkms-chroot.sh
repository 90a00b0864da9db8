#!/bin/sh
# Usage: packaging/dkms-chroot.sh ABI
# Prints the path of a tarball holding a Debian 12 (bookworm) chroot with
# dkms, build-essential, libssl3 and linux-headers-ABI: the guest as
# gvirtus-dkms and libgvirtus-guest meet it.  The first call builds it with
# debootstrap from Debian's archive (a few minutes); later calls find it in
# ~/.cache/gvirtus (or $GVIRTUS_CACHE), keyed by ABI: a new guest kernel ABI
# means new headers, so a new chroot, and nothing else invalidates it.
# Runs as root (debootstrap, chroot, mount).
set -eu

abi=${1:?usage: $0 KERNEL-ABI (e.g. 6.1.0-57-amd64)}
cache=${GVIRTUS_CACHE:-$HOME/.cache/gvirtus}
mirror=${GVIRTUS_DEB_MIRROR:-http://deb.debian.org/debian}
security=${GVIRTUS_DEB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
tarball=$cache/dkms-chroot-bookworm-$abi.tar.zst

if [ -s "$tarball" ]; then
	echo "$tarball"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "dkms-chroot: debootstrap and chroot need root" >&2
	exit 1
fi
mkdir -p "$cache"
# Built beside the cache, not in /tmp: it is several hundred MB, /tmp may be
# a small tmpfs, and the final mv must stay on one file system.
work=$(mktemp -d "$cache/.dkms-chroot.XXXXXX")
root=$work/root
cleanup() {
	if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc"; fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "dkms-chroot: debootstrap bookworm from $mirror (first run only)" >&2
# minbase: essential packages and apt; the rest is what the guest needs to
# build the module (dkms and a compiler) and to load the shims (libssl3).
if ! debootstrap --variant=minbase --include=dkms,build-essential,libssl3 \
	bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
	tail -n 30 "$work/debootstrap.log" >&2
	exit 1
fi

# The guest kernel's ABI usually comes from bookworm-security, which
# debootstrap (one suite) cannot reach: install the headers with apt.
cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SRC
cp /etc/resolv.conf "$root/etc/resolv.conf"
# No service may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
echo "dkms-chroot: installing linux-headers-$abi" >&2
if ! { chroot "$root" apt-get update -q &&
	chroot "$root" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "linux-headers-$abi"; } >"$work/apt.log" 2>&1; then
	tail -n 30 "$work/apt.log" >&2
	exit 1
fi
# Smaller tarball; the check never needs the network again.
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/*
umount "$root/proc"

tar -C "$root" --numeric-owner -I 'zstd -q -T0 -3' -cf "$work/chroot.tar.zst" .
mv "$work/chroot.tar.zst" "$tarball"
# Chroots of older ABIs are of no further use.
for old in "$cache"/dkms-chroot-bookworm-*.tar.zst; do
	[ "$old" = "$tarball" ] || rm -f "$old"
done
echo "$tarball"
