#!/usr/bin/env bash
# usage: bench/copies.sh [EXECUTOR]   (default cuda; cpu-reference needs no GPU)
# gvbench's memcpy rows in the guest: with guest RAM shared with the
# session workers (the data plane), shared and registered for DMA
# (dma-ram=on), and private (bulk data through the workers' sockets), side
# by side with the ratios to private.  The guests run one after the other
# on the same machine.  A measurement, not a test.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=${1:-cuda}
out=${OUT:-$b/bench-results}
mkdir -p "$out"
for ram in shared dma private; do
	opt=()
	[ "$ram" = private ] && opt=(-p)
	[ "$ram" = dma ] && opt=(-d dma-ram=on)
	timeout 600 "$repo/scripts/run-guest.sh" -e "$executor" -t 580 -l "$out/copies-$ram.log" \
		"${opt[@]}" copies.sh >"$out/copies-$ram.out" 2>&1 ||
		echo "copies: the $ram guest failed (see $out/copies-$ram.out)"
	grep '^memcpy' "$out/copies-$ram.out" | tr -d '\r' | cut -d, -f1-3 | sort >"$out/copies-$ram.csv"
done
echo "== gvbench copies in the guest, executor $executor: guest RAM shared, shared + dma-ram=on, private"
printf '%-28s %10s %10s %10s %7s %7s %s\n' metric shared dma private shared/p dma/p unit
join -t, "$out/copies-shared.csv" <(cut -d, -f1-2 "$out/copies-dma.csv") |
	join -t, - <(cut -d, -f1-2 "$out/copies-private.csv") |
	awk -F, '{ s = $3 == "us" ? $5 / $2 : $2 / $5; d = $3 == "us" ? $5 / $4 : $4 / $5;
		   printf "%-28s %10.3f %10.3f %10.3f %6.1fx %6.1fx %s\n", $1, $2, $4, $5, s, d, $3 }'
grep -h "registered for DMA\|registering it" "$out/copies-dma.log"* 2>/dev/null | head -3
