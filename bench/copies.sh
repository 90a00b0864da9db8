#!/usr/bin/env bash
# usage: bench/copies.sh [EXECUTOR]   (default cuda; cpu-reference needs no GPU)
# gvbench's memcpy rows in the guest, once with guest RAM shared with the
# session workers (the data plane) and once private (bulk data through
# the workers' sockets), side by side with the ratio.  Both guests run
# one after the other on the same machine.  A measurement, not a test.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=${1:-cuda}
out=${OUT:-$b/bench-results}
mkdir -p "$out"
for ram in shared private; do
	opt=()
	[ "$ram" = private ] && opt=(-p)
	timeout 600 "$repo/scripts/run-guest.sh" -e "$executor" -t 580 -l "$out/copies-$ram.log" \
		"${opt[@]}" copies.sh >"$out/copies-$ram.out" 2>&1 ||
		echo "copies: the $ram guest failed (see $out/copies-$ram.out)"
	grep '^memcpy' "$out/copies-$ram.out" | tr -d '\r' >"$out/copies-$ram.csv"
done
echo "== gvbench copies in the guest, executor $executor: shared vs private guest RAM"
printf '%-28s %12s %12s %6s %s\n' metric shared private ratio unit
join -t, <(cut -d, -f1-3 "$out/copies-shared.csv" | sort) \
	<(cut -d, -f1-2 "$out/copies-private.csv" | sort) |
	awk -F, '{ r = $3 == "us" ? $4 / $2 : $2 / $4;
		   printf "%-28s %12.3f %12.3f %5.1fx %s\n", $1, $2, $4, r, $3 }'
