#!/bin/sh
# Usage: packaging/deb-check.sh [DEBDIR]          (make deb-check)
# Builds the guest packages, runs lintian on them (errors fail, warnings are
# shown), and installs them in a Debian 12 chroot with the guest kernel's
# headers, where DKMS must build and install gvirtus.ko
# (packaging/chroot-test.sh).  Ends with "deb-check: N passed, M failed".
# The chroot is cached in ~/.cache/gvirtus by kernel ABI: the first run
# debootstraps it (about a minute with a fast mirror), later runs take
# seconds.  Needs root for the chroot, or sudo.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${1:-build/deb}
work=build/deb-check
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
pass=0
fail=0
# result STATUS DESCRIPTION
result() {
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
		echo "pass: $2"
	else
		fail=$((fail + 1))
		echo "FAIL: $2"
	fi
}

packaging/setup.sh
mkdir -p "$work"

rc=0
scripts/make-deb.sh "$out" || rc=$?
result $rc "make-deb.sh builds gvirtus-dkms and libgvirtus-guest"

# initial-upload-closes-no-bugs: these packages are not uploads to Debian,
# so there is no ITP bug for the changelog to close.
for deb in "$out"/*.deb; do
	[ -f "$deb" ] || continue
	rc=0
	lintian --fail-on error --suppress-tags initial-upload-closes-no-bugs "$deb" \
		>"$work/lintian.log" 2>&1 || rc=$?
	grep -v '^running with root privileges' "$work/lintian.log" | sed 's/^/    /' || true
	result $rc "lintian: no errors in ${deb##*/}"
done

# Every shim `make guest-lib` built is in libgvirtus-guest.
rc=0
contents=$(dpkg-deb -c "$out"/libgvirtus-guest_*.deb 2>/dev/null) || rc=1
for f in build/guest-lib/lib*.so*; do
	case "$contents" in
	*"./usr/lib/x86_64-linux-gnu/gvirtus/${f##*/}"*) ;;
	*) echo "    ${f##*/} is not in libgvirtus-guest"; rc=1 ;;
	esac
done
result $rc "libgvirtus-guest holds every shim of build/guest-lib"

# The guest kernel `make` builds for, else the one Debian ships today.
abi=$(cat build/kernel/abi 2>/dev/null || scripts/kernel-abi.sh || true)
if [ -z "$abi" ]; then
	result 1 "guest kernel ABI known (build/kernel/abi or scripts/kernel-abi.sh)"
else
	# pass:/FAIL: lines from the chroot, counted here; shown as they come.
	rm -f "$work/chroot.rc"
	{
		rc=0
		$sudo env GVIRTUS_CACHE="${GVIRTUS_CACHE:-$HOME/.cache/gvirtus}" \
			packaging/chroot-test.sh "$abi" "$out" "$work" 2>&1 || rc=$?
		echo "$rc" >"$work/chroot.rc"
	} | tee "$work/chroot.log"
	n=$(grep -c '^pass:' "$work/chroot.log" || true)
	m=$(grep -c '^FAIL:' "$work/chroot.log" || true)
	pass=$((pass + n))
	fail=$((fail + m))
	if [ "$(cat "$work/chroot.rc" 2>/dev/null)" != 0 ] || [ $((n + m)) = 0 ]; then
		result 1 "chroot test ran to the end (log: $work/chroot.log)"
	fi
fi

echo "deb-check: $pass passed, $fail failed"
[ "$fail" = 0 ]
