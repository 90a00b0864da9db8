#!/bin/sh
# soak-guest.sh: the soak and kill storm inside the guest (busybox ash).
# SOAK_PROCS (16) processes of `gvsoak run SOAK_SECONDS SOAK_THREADS SEED`
# at once, every result checked; then the kill storm: KILLS `gvsoak churn`
# processes, KILL_SLOTS (8) at a time, each killed with SIGKILL after a
# random 10..KILL_MAX_MS ms; then a fresh process must still work.
# Parameters come from the kernel command line (run-guest.sh -a
# "SOAK_SECONDS=420 KILLS=1000"), else the environment, else the defaults.
# Last line: "soak-guest: N passed, M failed"; exit status 0 iff M == 0.
param() {
	v=$(tr ' ' '\n' </proc/cmdline 2>/dev/null | sed -n "s/^$1=\([0-9]*\)$/\1/p" | tail -n1)
	[ -n "$v" ] || eval "v=\${$1:-}"
	[ -n "$v" ] || v=$2
	case $v in
	'' | *[!0-9]*) echo "soak-guest: $1='$v' is not a number"; exit 2 ;;
	esac
	eval "$1=\$v"
}
param SOAK_SECONDS 600
param KILLS 1000
param SOAK_PROCS 16
param SOAK_THREADS 4
param KILL_SLOTS 8
param KILL_MAX_MS 1000
param SOAK_SEED 1
param GVSOAK_NO_KERNELS 0
export GVSOAK_NO_KERNELS
[ "$GVSOAK_NO_KERNELS" = 0 ] && unset GVSOAK_NO_KERNELS

pass=0
fail=0
ok() { echo "pass: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
tmp=/tmp/soak
mkdir -p $tmp

echo "soak-guest: $SOAK_PROCS processes x $SOAK_THREADS threads for $SOAK_SECONDS s" \
	"(seed $SOAK_SEED), then $KILLS kills, $KILL_SLOTS at a time"
echo "soak-guest: start $(gvsoak meminfo)"

# ---- the soak ----
t0=$(date +%s)
pids=
i=1
while [ $i -le "$SOAK_PROCS" ]; do
	timeout -s KILL $((SOAK_SECONDS + 180)) \
		gvsoak run "$SOAK_SECONDS" "$SOAK_THREADS" $((SOAK_SEED * 1000 + i)) \
		>$tmp/run.$i 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
i=1
good=0 iters=0 bytes=0 wrong=0
for p in $pids; do
	wait "$p"
	rc=$?
	line=$(grep '^gvsoak: .* iterations' $tmp/run.$i | tail -n1)
	if [ $rc = 0 ] && [ -n "$line" ]; then
		good=$((good + 1))
	else
		echo "soak-guest: process $i exited with status $rc:"
		grep -v '^gvirtus' $tmp/run.$i | tail -n 8
	fi
	set -- $line
	# "gvsoak: I iterations, B bytes checked, W wrong"
	if [ $# -ge 7 ]; then
		iters=$((iters + $2))
		bytes=$((bytes + $4))
		wrong=$((wrong + $7))
	fi
	i=$((i + 1))
done
t1=$(date +%s)
echo "soak-guest: soak $((t1 - t0)) s: $iters iterations, $bytes bytes checked, $wrong wrong"
grep -h 'kernel results' $tmp/run.1 | sed 's/^/soak-guest: /'
[ $good = "$SOAK_PROCS" ] && ok "soak: $SOAK_PROCS processes finished with status 0" ||
	bad "soak: only $good of $SOAK_PROCS processes finished with status 0"
[ "$wrong" = 0 ] && [ "$iters" -gt 0 ] && ok "soak: 0 wrong in $iters iterations" ||
	bad "soak: $wrong wrong in $iters iterations"

# ---- the kill storm ----
# One slot: start churn, wait 10..KILL_MAX_MS ms, SIGKILL, reap.  A churn
# process that ended by itself found a wrong result or a failed call.
slot() {
	s=$1 n=$2 k=0 early=0 working=0
	while [ $k -lt "$n" ]; do
		gvsoak churn $((SOAK_SEED * 100000 + s * 10000 + k)) >$tmp/churn.$s 2>&1 &
		p=$!
		usleep $(((RANDOM % (KILL_MAX_MS - 9) + 10) * 1000))
		kill -9 $p 2>/dev/null
		wait $p 2>/dev/null
		rc=$?
		if [ $rc != 137 ]; then
			early=$((early + 1))
			echo "soak-guest: churn (slot $s, kill $k) ended by itself, status $rc:"
			grep -v '^gvirtus' $tmp/churn.$s | tail -n 5
		fi
		# Killed in the middle of work (after a first checked iteration)?
		grep -q '^gvsoak churn: working' $tmp/churn.$s && working=$((working + 1))
		k=$((k + 1))
	done
	echo "$k $early $working" >$tmp/slot.$s
}
t0=$(date +%s)
pids=
s=0
while [ $s -lt "$KILL_SLOTS" ]; do
	n=$((KILLS / KILL_SLOTS))
	[ $s -lt $((KILLS % KILL_SLOTS)) ] && n=$((n + 1))
	slot $s $n &
	pids="$pids $!"
	s=$((s + 1))
done
wait $pids
killed=0 early=0 working=0
s=0
while [ $s -lt "$KILL_SLOTS" ]; do
	if [ -f $tmp/slot.$s ]; then
		set -- $(cat $tmp/slot.$s)
		killed=$((killed + $1 - $2))
		early=$((early + $2))
		working=$((working + $3))
	fi
	s=$((s + 1))
done
t1=$(date +%s)
echo "soak-guest: kill storm $((t1 - t0)) s: $killed killed with SIGKILL" \
	"($working of them in the middle of work), $early ended by themselves"
[ $killed = "$KILLS" ] && ok "kill storm: $KILLS processes killed at random points" ||
	bad "kill storm: $killed of $KILLS killed, $early ended by themselves"

# ---- afterwards ----
gvsoak run 5 1 1 >$tmp/after 2>&1 && ok "a fresh process works after the storm" ||
	{ bad "a fresh process fails after the storm"; grep -v '^gvirtus' $tmp/after | tail -n 5; }
grep '^gvsoak: .* iterations' $tmp/after | sed 's/^/soak-guest: after: /'
echo "soak-guest: end $(gvsoak meminfo)"
echo "soak-guest: $pass passed, $fail failed"
[ $fail = 0 ]
