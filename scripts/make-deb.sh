#!/bin/sh
# Usage: scripts/make-deb.sh [OUTDIR]     (default build/deb)
# Builds the guest's Debian packages with dpkg-deb alone (no debhelper, no
# network): gvirtus-dkms (gvirtus.ko's source for DKMS, its udev rule and
# modules-load entry) and libgvirtus-guest (the shims from build/guest-lib,
# which `make guest-lib` builds first).  The version is the file VERSION;
# the Debian revision is GVIRTUS_DEB_REVISION (default 1), the maintainer
# GVIRTUS_DEB_MAINTAINER.  Timestamps come from SOURCE_DATE_EPOCH (default:
# the last commit), so the same tree gives the same packages.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

version=$(cat VERSION)
case "$version" in
[0-9]*.[0-9]*) ;;
*) echo "make-deb: VERSION holds '$version', not a version" >&2; exit 1 ;;
esac
debver=$version-${GVIRTUS_DEB_REVISION:-1}
maintainer=${GVIRTUS_DEB_MAINTAINER:-gvirtus developers <gvirtus@example.org>}
out=${1:-build/deb}
libsrc=build/guest-lib
multiarch=x86_64-linux-gnu
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
# Copyright years: the first commit's to the last's (lintian wants a year).
last_year=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)
first_year=$(git log --reverse --format=%ad --date=format:%Y 2>/dev/null | head -n 1)
years=${first_year:-$last_year}
[ "$years" = "$last_year" ] || years=$years-$last_year

# Package trees as debhelper lays them out (debian/<package>/): the layout
# dpkg-shlibdeps expects of the packages being built.
stage=build/deb-stage
rm -rf "$stage"
mkdir -p "$stage/debian" "$out"
rm -f "$out"/*.deb

# The headers gvirtus.c includes, followed through their own quoted
# includes, as paths under include/gvirtus/.  A quoted include is looked up
# beside the including header first, then in include/gvirtus/ (Kbuild's -I).
kmod_headers() {
	todo=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' guest-kmod/gvirtus.c)
	seen=
	while [ -n "$todo" ]; do
		# shellcheck disable=SC2086 # the list is split on purpose
		set -- $todo
		h=$1
		shift
		todo=$*
		case " $seen " in *" $h "*) continue ;; esac
		if [ ! -f "include/gvirtus/$h" ]; then
			echo "make-deb: gvirtus.c needs $h, which is not in include/gvirtus/" >&2
			return 1
		fi
		seen="$seen $h"
		dir=$(dirname "$h")
		# shellcheck disable=SC2013 # header names have no spaces
		for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "include/gvirtus/$h"); do
			if [ "$dir" != . ] && [ -f "include/gvirtus/$dir/$inc" ]; then
				todo="$todo $dir/$inc"
			else
				todo="$todo $inc"
			fi
		done
	done
	echo "$seen"
}

# Substitutes @VERSION@ in a template.
subst() {
	sed "s/@VERSION@/$version/g" "$1"
}

# /usr/share/doc/PKG: copyright (machine-readable, DEP-5) and the Debian
# changelog.  $2: extra copyright paragraphs (the module's GPL) or empty.
install_docs() {
	pkg=$1
	root=$stage/debian/$pkg
	doc=$root/usr/share/doc/$pkg
	install -d "$doc"
	{
		cat <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: gvirtus
Upstream-Contact: $maintainer

Files: *
Copyright: $years gvirtus developers
License: MIT
EOF
		printf '%s' "$2"
		cat <<'EOF'

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a
 copy of this software and associated documentation files (the "Software"),
 to deal in the Software without restriction, including without limitation
 the rights to use, copy, modify, merge, publish, distribute, sublicense,
 and/or sell copies of the Software, and to permit persons to whom the
 Software is furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included
 in all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
 OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
 MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
 IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
 CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
 TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
 SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
EOF
	} >"$doc/copyright"
	chmod 644 "$doc/copyright"
	{
		cat <<EOF
gvirtus ($debver) unstable; urgency=medium

  * Guest packages of gvirtus $version, built by scripts/make-deb.sh.

 -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
	} | gzip -9n >"$doc/changelog.Debian.gz"
	chmod 644 "$doc/changelog.Debian.gz"
}

# DEBIAN/control from the fields on stdin plus the computed ones, then
# md5sums, fixed timestamps, and the .deb.
build_deb() {
	pkg=$1
	root=$stage/debian/$pkg
	install -d -m 755 "$root/DEBIAN"
	# Installed-Size, in KiB, as dpkg-gencontrol counts it: each file
	# rounded up to a KiB, and a KiB for every other entry.
	size=$(find "$root" -path "$root/DEBIAN" -prune -o ! -path "$root" -printf '%y %s\n' |
		awk '$1 == "f" { s += int(($2 + 1023) / 1024); next } { s += 1 } END { print s }')
	{
		printf 'Package: %s\nSource: gvirtus\nVersion: %s\n' "$pkg" "$debver"
		cat
		printf 'Maintainer: %s\nInstalled-Size: %s\n' "$maintainer" "$size"
	} >"$root/DEBIAN/control"
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort |
		xargs -r -d '\n' md5sum) >"$root/DEBIAN/md5sums"
	chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
	find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
}

# ---- gvirtus-dkms ----
pkg=gvirtus-dkms
root=$stage/debian/$pkg
src=$root/usr/src/gvirtus-$version
headers=$(kmod_headers)
install -d "$src/guest-kmod" "$src/include/gvirtus"
install -m 644 guest-kmod/gvirtus.c guest-kmod/Kbuild "$src/guest-kmod/"
for h in $headers; do
	install -D -m 644 "include/gvirtus/$h" "$src/include/gvirtus/$h"
done
subst packaging/dkms/dkms.conf.in >"$src/dkms.conf"
chmod 644 "$src/dkms.conf"
install -D -m 644 packaging/dkms/60-gvirtus.rules "$root/usr/lib/udev/rules.d/60-gvirtus.rules"
install -D -m 644 packaging/dkms/modules-load.conf "$root/usr/lib/modules-load.d/gvirtus.conf"
install_docs "$pkg" "
Files: usr/src/gvirtus-*/guest-kmod/gvirtus.c
Copyright: $years gvirtus developers
License: GPL-2
 This program is free software; you can redistribute it and/or modify it
 under the terms of the GNU General Public License version 2 as published
 by the Free Software Foundation.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 2 can be found in /usr/share/common-licenses/GPL-2.
"
subst packaging/dkms/README.Debian >"$root/usr/share/doc/$pkg/README.Debian"
chmod 644 "$root/usr/share/doc/$pkg/README.Debian"
install -d -m 755 "$root/DEBIAN"
for s in postinst prerm; do
	subst "packaging/dkms/$s.in" >"$root/DEBIAN/$s"
	chmod 755 "$root/DEBIAN/$s"
done
build_deb "$pkg" <<EOF
Architecture: all
Depends: dkms, adduser
Section: kernel
Priority: optional
Description: gvirtus guest kernel module (DKMS source)
 gvirtus runs the CUDA programs of a QEMU guest without a GPU on the
 host's GPU, through the virtio-gvirtus-pci device.
 .
 This package provides the source of gvirtus.ko, the guest driver of that
 device (/dev/gvirtus), built by DKMS for each installed kernel and loaded
 at boot, and a udev rule that gives /dev/gvirtus to the group gvirtus.
EOF

# ---- libgvirtus-guest ----
pkg=libgvirtus-guest
root=$stage/debian/$pkg
libdir=$root/usr/lib/$multiarch/gvirtus
install -d "$libdir"
shims=
for f in "$libsrc"/lib*.so.*; do
	if [ ! -f "$f" ] || [ -L "$f" ]; then continue; fi
	name=${f##*/}
	# Stripped as dh_strip does: lintian rejects debug info in a package.
	strip --strip-unneeded --remove-section=.comment --remove-section=.note \
		-o "$libdir/$name" "$f"
	chmod 644 "$libdir/$name"
	shims="$shims $name"
done
if [ -z "$shims" ]; then
	echo "make-deb: no shims in $libsrc; run make guest-lib first" >&2
	exit 1
fi
# The unversioned names (build/guest-lib/libcudart.so -> libcudart.so.13),
# for programs linked with -lcudart against this directory.
for l in "$libsrc"/lib*.so; do
	[ -L "$l" ] || continue
	target=$(readlink "$l")
	case " $shims " in *" $target "*) ln -s "$target" "$libdir/${l##*/}" ;; esac
done
install -D -m 644 packaging/lib/gvirtus.conf "$root/usr/share/gvirtus/ld.so.conf.d/gvirtus.conf"
install_docs "$pkg" ""
install -m 644 packaging/lib/README.Debian "$root/usr/share/doc/$pkg/README.Debian"
# Depends from the shims' NEEDED entries and the installed libraries'
# shlibs/symbols files.  --ignore-missing-info: libcuda.so.1 needs
# libcudart.so.13, which is in this same package.
cat >"$stage/debian/control" <<EOF
Source: gvirtus

Package: $pkg
Architecture: amd64
EOF
rel=${libdir#"$stage"/}
# shellcheck disable=SC2046 # one argument per shim
depends=$(cd "$stage" && dpkg-shlibdeps -O --ignore-missing-info -l"$rel" \
	$(for s in $shims; do printf ' %s' "$rel/$s"; done) 2>"$top/$stage/shlibdeps.log" |
	sed -n 's/^shlibs:Depends=//p')
if [ -z "$depends" ]; then
	cat "$stage/shlibdeps.log" >&2
	echo "make-deb: dpkg-shlibdeps found no dependencies for$shims" >&2
	exit 1
fi
build_deb "$pkg" <<EOF
Architecture: amd64
Depends: $depends
Section: libs
Priority: optional
Description: gvirtus CUDA shims for guests (CUDA runtime, driver, cuBLAS(Lt), cuFFT, cuRAND, cuSPARSE, cuSOLVER, cuDNN)
 gvirtus runs the CUDA programs of a QEMU guest without a GPU on the
 host's GPU, through the virtio-gvirtus-pci device and /dev/gvirtus
 (package gvirtus-dkms), or over TCP to a gvirtus-backend.
 .
 This package provides the CUDA runtime and driver libraries, and the
 cuBLAS, cuBLASLt, cuFFT, cuRAND, cuSPARSE, cuSOLVER and cuDNN libraries, that do so,
 in /usr/lib/$multiarch/gvirtus, a directory the dynamic linker searches
 only once enabled: see /usr/share/doc/$pkg/README.Debian.
EOF

rm -rf "$stage"
ls "$out"/*.deb
