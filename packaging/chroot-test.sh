#!/bin/sh
# Usage: packaging/chroot-test.sh ABI DEBDIR WORKDIR      (as root)
# The guest packages in a Debian 12 chroot with linux-headers-ABI
# (packaging/dkms-chroot.sh): dpkg -i, DKMS builds and installs gvirtus.ko
# for ABI, the udev group exists, the shims resolve their libraries and
# win over a CUDA toolkit's once enabled as README.Debian says, and removal
# takes the module away.  Prints one PASS:/FAIL: line per check; the caller
# counts them.  Exits non-zero only when it could not run the checks.
set -eu

abi=$1
debdir=$2
work=$3
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")

tarball=$("$top/packaging/dkms-chroot.sh" "$abi")
root=$work/root
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -I zstd -xf "$tarball"
mkdir -p "$root/tmp/debs"
cp "$debdir"/*.deb "$root/tmp/debs/"

cat >"$root/tmp/checks.sh" <<'CHROOT'
set -u
abi=$1
version=$2
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
log=/tmp/checks.log
pass() { echo "pass: $*"; }
fail() { echo "FAIL: $*"; }
# check DESCRIPTION COMMAND...: the command's output goes to the log, shown
# when it fails.
check() {
	desc=$1
	shift
	if "$@" >"$log" 2>&1; then
		pass "$desc"
	else
		fail "$desc"
		sed 's/^/    /' "$log" | tail -n 40
	fi
}
ko=/lib/modules/$abi/updates/dkms/gvirtus.ko
libdir=/usr/lib/x86_64-linux-gnu/gvirtus

check "dpkg -i gvirtus-dkms (postinst: dkms add/build/install)" \
	dpkg -i /tmp/debs/gvirtus-dkms_*.deb
check "dkms status: gvirtus/$version installed for $abi" \
	sh -c "dkms status -m gvirtus -v $version -k $abi | tee /dev/stderr | grep -q '^gvirtus/$version, $abi, x86_64: installed'"
# A failed build leaves its log; show it here rather than nowhere.
if [ -f "/var/lib/dkms/gvirtus/$version/build/make.log" ] && [ ! -f "$ko" ]; then
	tail -n 40 "/var/lib/dkms/gvirtus/$version/build/make.log"
fi
check "gvirtus.ko built for $abi, matching the virtio device id 57" \
	sh -c "modinfo $ko | tee /dev/stderr | grep -q '^vermagic: *$abi ' &&
		modinfo -F alias $ko | grep -qx 'virtio:d00000039v\*'"
check "system group gvirtus exists, udev rule and modules-load entry installed" \
	sh -c 'getent group gvirtus &&
		grep -q "GROUP=\"gvirtus\", MODE=\"0660\"" /usr/lib/udev/rules.d/60-gvirtus.rules &&
		grep -qx gvirtus /usr/lib/modules-load.d/gvirtus.conf'

check "dpkg -i libgvirtus-guest" dpkg -i /tmp/debs/libgvirtus-guest_*.deb
check "shims load their libraries with LD_LIBRARY_PATH" \
	sh -c "for l in $libdir/lib*.so.*; do
		LD_LIBRARY_PATH=$libdir ldd \$l | tee /dev/stderr | grep -q 'not found' && exit 1
	done; exit 0"
# README.Debian's system-wide recipe against a CUDA toolkit's directory
# holding the same soname, and a driver's libcuda.so.1 in the multiarch
# directory (copies of ours stand in for NVIDIA's).
cuda=/usr/local/cuda-13.0/targets/x86_64-linux/lib
mkdir -p $cuda
cp $libdir/libcudart.so.13 $cuda/
cp $libdir/libcuda.so.1 /usr/lib/x86_64-linux-gnu/
echo $cuda >/etc/ld.so.conf.d/988_cuda-13.conf
ln -s /usr/share/gvirtus/ld.so.conf.d/gvirtus.conf /etc/ld.so.conf.d/00-gvirtus.conf
ldconfig
check "enabled with 00-gvirtus.conf, ours come before a toolkit's and a driver's" \
	sh -c "ldconfig -p | tee /dev/stderr | grep -m1 'libcudart.so.13 ' | grep -q '=> $libdir/' &&
		ldconfig -p | grep -m1 'libcuda.so.1 ' | grep -q '=> $libdir/' &&
		ldd $libdir/libcuda.so.1 | grep -q 'libcudart.so.13 => $libdir/libcudart.so.13 '"
rm -f /etc/ld.so.conf.d/00-gvirtus.conf /etc/ld.so.conf.d/988_cuda-13.conf \
	/usr/lib/x86_64-linux-gnu/libcuda.so.1
rm -rf /usr/local/cuda-13.0
ldconfig

check "dpkg -r gvirtus-dkms (prerm: dkms remove)" dpkg -r gvirtus-dkms
check "module and DKMS tree gone after removal" \
	sh -c "[ ! -e $ko ] && [ -z \"\$(dkms status -m gvirtus)\" ] && [ ! -e /var/lib/dkms/gvirtus/$version ]"
check "dpkg --purge both packages" dpkg --purge gvirtus-dkms libgvirtus-guest
CHROOT

# The checks run inside a private mount namespace: /proc is mounted there
# only, and vanishes with it however the run ends, so the rm -rf below can
# never reach through a leftover mount into the host.
rc=0
# shellcheck disable=SC2016 # expanded by the inner sh
unshare --mount --propagation private sh -c '
	mount -t proc proc "$1/proc" && exec chroot "$1" /bin/sh /tmp/checks.sh "$2" "$3"
' sh "$root" "$abi" "$version" </dev/null || rc=$?
rm -rf "$root"
exit "$rc"
