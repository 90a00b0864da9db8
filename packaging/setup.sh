#!/bin/sh
# Installs what `make deb-check` needs beyond scripts/setup-deps.sh:
# lintian (policy checks of the .debs), debootstrap (the chroot in which
# DKMS builds the module against Debian's kernel headers) and zstd (the
# cached chroot tarball).  Idempotent: with everything there it only checks,
# without touching apt's lists, so warm runs stay offline.
set -eu

pkgs="dpkg-dev lintian debootstrap zstd"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	# The Makefile's convention (its deps target): root, or through sudo.
	exec sudo "$0" "$@"
fi
echo "packaging/setup.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # word splitting of the list is intended
apt-get install -y -q --no-install-recommends $missing
