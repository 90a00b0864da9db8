#!/usr/bin/env bash
# Each part of the tree in its own style, as the formatting configs say:
# user-space C against .clang-format (clang-format --dry-run -Werror), the
# QEMU device against QEMU's checkpatch.pl (from the QEMU source the build
# unpacks), the kernel module against Linux's checkpatch.pl (from Debian's
# linux-source, cached).  Generated files (*/gen/) are the generator's.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${GVIRTUS_CACHE:-$HOME/.cache/gvirtus}
cd "$repo"
pass=0 fail=0
result() {
	if [ "$2" = 0 ]; then
		echo "pass: $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1"
		fail=$((fail + 1))
	fi
}

bad=0
for f in $(git ls-files '*.c' '*.h' | grep -v '^guest-kmod/\|^qemu-device/\|/gen/'); do
	clang-format --dry-run -Werror "$f" 2>&1 | head -3
	[ "${PIPESTATUS[0]}" = 0 ] || bad=1
done
result "user-space C is as .clang-format formats it" $bad

qemu_cp=$(ls -d "$cache"/qemu-*/qemu-*/scripts/checkpatch.pl 2>/dev/null | sort -V | tail -n1)
if [ -z "$qemu_cp" ]; then
	echo "style-check: no QEMU source in $cache: run 'make qemu' first" >&2
	result "qemu-device against QEMU's checkpatch.pl" 1
else
	out=$(perl "$qemu_cp" --no-tree -f qemu-device/*.c qemu-device/*.h 2>&1)
	echo "$out" | grep -E '^(ERROR|WARNING)' -A3
	echo "$out" | grep -qE '^(ERROR|WARNING)'
	result "qemu-device against QEMU's checkpatch.pl" $((1 - $?))
fi

# Linux's checkpatch.pl, out of Debian's linux-source (fetched once).
kdir=$cache/checkpatch-linux
if [ ! -f "$kdir/scripts/checkpatch.pl" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download linux-source-6.1 >/dev/null &&
		dpkg-deb --fsys-tarfile linux-source-6.1_*.deb | tar -x ./usr/src/ &&
		tar -xJf usr/src/linux-source-6.1.tar.xz --strip-components=1 \
			linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch) &&
		mkdir -p "$kdir" && cp -r "$tmp/scripts" "$kdir/"
	rm -rf "$tmp"
fi
if [ ! -f "$kdir/scripts/checkpatch.pl" ]; then
	echo "style-check: could not get Linux's checkpatch.pl from linux-source-6.1" >&2
	result "guest-kmod against Linux's checkpatch.pl" 1
else
	out=$(perl "$kdir/scripts/checkpatch.pl" --no-tree -f guest-kmod/gvirtus.c 2>&1)
	echo "$out" | grep -E '^(ERROR|WARNING)' -A3
	echo "$out" | grep -qE '^(ERROR|WARNING)'
	result "guest-kmod against Linux's checkpatch.pl" $((1 - $?))
fi
echo "style-check: $pass passed, $fail failed"
[ "$fail" = 0 ]
