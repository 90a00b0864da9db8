#!/bin/sh
# isolation.sh: a sticky error in one process leaves another working.
# Runs `streams` three times in a row in the background while `errors illegal`
# (which ends its CUDA context with cudaErrorIllegalAddress) runs in the
# foreground; both must succeed.  POSIX sh: runs in the busybox guest and
# natively.  The programs are taken from the current directory if there,
# else from PATH.  Last line: "isolation: N passed, M failed"; exit status 0
# iff M == 0.
pass=0
fail=0

prog() {
	if [ -x "./$1" ]; then echo "./$1"; else echo "$1"; fi
}

tmp=${TMPDIR:-/tmp}/isolation.$$
mkdir -p "$tmp" || exit 1

streams=$(prog streams)
errors=$(prog errors)

(
	rc=0
	for i in 1 2 3; do
		"$streams" >"$tmp/streams.$i.log" 2>&1 || rc=1
	done
	exit $rc
) &
bg=$!

"$errors" illegal >"$tmp/errors.log" 2>&1
erc=$?
wait $bg
src=$?

if [ $erc -eq 0 ]; then
	pass=$((pass + 1))
	echo "pass: errors illegal"
else
	fail=$((fail + 1))
	echo "FAIL errors illegal: got exit status $erc expected 0"
	cat "$tmp/errors.log"
fi

if [ $src -eq 0 ]; then
	pass=$((pass + 1))
	echo "pass: streams x3 beside it"
else
	fail=$((fail + 1))
	echo "FAIL streams x3 beside it: got exit status $src expected 0"
	for f in "$tmp"/streams.*.log; do
		grep -E '^FAIL|streams:' "$f" || tail -n 5 "$f"
	done
fi

rm -rf "$tmp"
echo "isolation: $pass passed, $fail failed"
[ $fail -eq 0 ]
