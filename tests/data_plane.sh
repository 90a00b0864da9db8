#!/usr/bin/env bash
# usage: tests/data_plane.sh [EXECUTOR]
# The data plane's two paths for bulk data, each with a guest running
# every call: guest RAM a shared memfd (workers map it, QEMU sends page
# lists), and the fallback through the workers' sockets, which QEMU names
# once with the options that would turn the shared path on.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=${1:-cpu-reference}
pass=0 fail=0
ok() { echo "pass: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
shared_line='guest RAM shared with new workers'
warning='bulk data is copied through each session'

run() { # name, run-guest options...
	local name=$1
	shift
	"$repo/scripts/run-guest.sh" -e "$executor" -t 300 -l "$b/dataplane-$name.log" "$@" \
		dataplane.sh >"$b/dataplane-$name.out" 2>&1
}

if run shared; then ok "shared guest RAM: every call passes"; else bad "shared guest RAM: see $b/dataplane-shared.out"; fi
grep -q "$shared_line" "$b/dataplane-shared.log.host" &&
	ok "shared guest RAM: QEMU gives it to the workers" || bad "shared guest RAM: not given to the workers"
grep -q "$warning" "$b/dataplane-shared.log.host" &&
	bad "shared guest RAM: the fallback's warning appeared" || ok "shared guest RAM: no fallback warning"

if run private -p; then ok "private guest RAM: every call passes"; else bad "private guest RAM: see $b/dataplane-private.out"; fi
grep -q "$warning.*memory-backend-memfd.*share=on" "$b/dataplane-private.log.host" &&
	ok "private guest RAM: one warning names the option to add" || bad "private guest RAM: no warning naming memory-backend-memfd"
[ "$(grep -c "$warning" "$b/dataplane-private.log.host")" -eq 1 ] &&
	ok "private guest RAM: the warning comes once" || bad "private guest RAM: the warning is not said exactly once"
grep -q "$shared_line" "$b/dataplane-private.log.host" &&
	bad "private guest RAM: said to be shared" || ok "private guest RAM: not said to be shared"

if run off -d share-ram=off; then ok "share-ram=off: every call passes"; else bad "share-ram=off: see $b/dataplane-off.out"; fi
grep -q "share-ram=off: $warning" "$b/dataplane-off.log.host" &&
	ok "share-ram=off: the warning names the property" || bad "share-ram=off: no warning naming share-ram=off"

# Registration for DMA is asked for, and said to expose guest RAM to the
# guest's kernels (the double registers nothing: it has no DMA).
if run dma -d dma-ram=on; then ok "dma-ram=on: every call passes"; else bad "dma-ram=on: see $b/dataplane-dma.out"; fi
grep -q "dma-ram=on: guest RAM is registered for DMA, and every guest process's kernels can reach all of it" \
	"$b/dataplane-dma.log.host" && ok "dma-ram=on: QEMU says what it gives away" ||
	bad "dma-ram=on: no line saying what registration exposes"

echo "data_plane: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
