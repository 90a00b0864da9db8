#!/usr/bin/env bash
# Installs what building and testing gvirtus needs on Debian 12 (bookworm).
# Idempotent: a second run with everything present only checks.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "setup-deps: run as root (it uses apt-get)" >&2
	exit 1
fi
if ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
	echo "setup-deps: expected Debian 12 (bookworm); other releases are untested" >&2
fi

# QEMU 10.0's source and a recent meson come from bookworm-backports;
# `apt-get source` also needs deb-src entries.
src=/etc/apt/sources.list.d/gvirtus.sources
if [ ! -f "$src" ]; then
	cat >"$src" <<'SRC'
# Added by gvirtus scripts/setup-deps.sh
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

pkgs=(
	build-essential gcc-multilib pkg-config ninja-build dpkg-dev
	libglib2.0-dev libpcre2-dev zlib1g-dev libfdt-dev libssl-dev
	python3 python3-venv
	seabios busybox-static cpio kmod xz-utils zstd gnuplot-nox
	clang libclang-rt-14-dev python3-clang-14
	lintian debootstrap libvirt-clients sparse patch
)
bpo_pkgs=(meson python3-pycotap)

missing=()
for p in "${pkgs[@]}" "${bpo_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# The guest kernel ABI is whatever linux-headers-amd64 depends on today:
# the security pool drops superseded ABIs, so it is resolved, not pinned.
if [ -n "${need_update:-}" ] || [ ${#missing[@]} -gt 0 ] || [ ! -f /var/lib/apt/lists/lock ]; then
	apt-get update -q
fi
abi=$(apt-cache depends linux-headers-amd64 | sed -n 's/.*Depends: linux-headers-\(.*-amd64\)$/\1/p' | head -n1)
if [ -z "$abi" ]; then
	echo "setup-deps: cannot resolve the kernel ABI from linux-headers-amd64" >&2
	exit 1
fi
dpkg-query -W -f='${Status}' "linux-headers-$abi" 2>/dev/null | grep -q 'install ok installed' || missing+=("linux-headers-$abi")

if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	base=()
	for p in "${missing[@]}"; do
		case " ${bpo_pkgs[*]} " in *" $p "*) ;; *) base+=("$p") ;; esac
	done
	[ ${#base[@]} -gt 0 ] && apt-get install -y -q --no-install-recommends "${base[@]}"
	apt-get install -y -q --no-install-recommends -t bookworm-backports "${bpo_pkgs[@]}"
fi
echo "setup-deps: ok (guest kernel ABI $abi)"
