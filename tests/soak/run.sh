#!/usr/bin/env bash
# The soak and kill storm (make soak), on a machine with an NVIDIA GPU:
#  - the guest under TCG (executor=cuda) runs tests/soak/soak-guest.sh, and
#    at the same time gvirtus-backend on loopback TCP serves the same soak:
#    SOAK_PROCS processes x SOAK_THREADS threads of `gvsoak run` for
#    SOAK_SECONDS, every result checked, then KILLS `gvsoak churn` clients
#    killed with SIGKILL at random points;
#  - then: QEMU lived until the guest script ended, the backend is alive and
#    serves a fresh client, no worker process is left, and cudaMemGetInfo
#    (measured natively) and nvidia-smi's memory.used are back at their
#    starting values.
# Parameters (environment): SOAK_SECONDS (600), KILLS (1000), SOAK_PROCS (16),
# SOAK_THREADS (4), KILL_SLOTS (8: churn processes at once), KILL_MAX_MS
# (1000: a churn lives 10 ms .. this), SOAK_SEED (random; printed),
# SOAK_EXECUTOR (cuda | cpu-reference), SOAK_GUEST (1 with cuda, 0 with
# cpu-reference: the guest half needs 'make image').  With cpu-reference no GPU
# is needed: kernels are launched but their results not checked (the double
# runs no kernels), cudaMemGetInfo is the double's, nvidia-smi is skipped.
# Results go to $OUT (else build/soak-results) as they come.
# Last line: "soak: N passed, M failed"; exit status 0 iff M == 0.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=${SOAK_EXECUTOR:-cuda}
S=${SOAK_SECONDS:-600}
KILLS=${KILLS:-1000}
PROCS=${SOAK_PROCS:-16}
THREADS=${SOAK_THREADS:-4}
SLOTS=${KILL_SLOTS:-8}
KMAX=${KILL_MAX_MS:-1000}
SEED=${SOAK_SEED:-$((RANDOM % 10000 + 1))}
guest=${SOAK_GUEST:-$([ "$executor" = cuda ] && echo 1 || echo 0)}
for v in S KILLS PROCS THREADS SLOTS KMAX SEED guest; do
	case ${!v} in '' | *[!0-9]*) echo "soak: $v='${!v}' is not a number" >&2; exit 2 ;; esac
done
[ "$KMAX" -ge 20 ] && [ "$SLOTS" -ge 1 ] ||
	{ echo "soak: KILL_MAX_MS >= 20, KILL_SLOTS >= 1" >&2; exit 2; }
case $executor in
cuda | cpu-reference) ;;
*) echo "soak: SOAK_EXECUTOR=$executor: cuda or cpu-reference" >&2; exit 2 ;;
esac
out=${OUT:-$b/soak-results}
mkdir -p "$out"
tmp=$(mktemp -d)
backend=
cleanup() {
	[ -n "$backend" ] && kill -9 "$backend" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# Everything this script says goes to $out/soak.log too, line by line.
exec > >(tee "$out/soak.log") 2>&1
[ -d "$b/qemu/lib" ] && export LD_LIBRARY_PATH=$b/qemu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

pass=0 fail=0
ok() { echo "pass: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
finish() {
	echo "soak: $pass passed, $fail failed"
	exit $([ "$fail" = 0 ] && echo 0 || echo 1)
}
say() { echo "== $(date +%T) $*"; }

gvsoak=$b/guest/progs/gvsoak
need=("$gvsoak" "$b/bin/gvirtus-backend" "$b/bin/gvirtus-worker" "$b/guest-lib/libcudart.so.13")
[ "$guest" = 1 ] && need+=("$b/qemu/bin/qemu-system-x86_64" "$b/kernel/vmlinuz"
	"$b/guest/initramfs.cpio.gz")
for f in "${need[@]}"; do
	[ -e "$f" ] ||
		{ bad "$f missing: build first ('make', or 'make soak-smoke' for TCP only)"; finish; }
done
# The name as the newc archive stores it (GPU machines may lack cpio);
# grep reads to the end, or pipefail would see gzip's SIGPIPE.
if [ "$guest" = 1 ] &&
	[ "$(gzip -dc "$b/guest/initramfs.cpio.gz" | grep -ac 'tests/soak-guest\.sh')" = 0 ]; then
	bad "the guest image has no tests/soak-guest.sh: rebuild it ('make image')"
	finish
fi
kernels=
[ "$executor" = cpu-reference ] && kernels=1
nosmi=
[ "$executor" = cuda ] || nosmi="(executor $executor: no GPU, nvidia-smi skipped)"
[ -z "$nosmi" ] && ! command -v nvidia-smi >/dev/null && nosmi="(no nvidia-smi here: skipped)"

# ---- TCP: the backend on loopback, clients with our libcudart ----
port=$((20000 + RANDOM % 20000))
mkdir -p "$tmp/home/etc"
cat >"$tmp/home/etc/properties.json" <<JSON
{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp",
    "server_address": "127.0.0.1", "port": "$port" }, "plugins": [ "cudart" ] } ],
  "secure_application": false }
JSON
tcp() {
	GVIRTUS_HOME=$tmp/home GVIRTUS_TRANSPORT=tcp GVSOAK_NO_KERNELS=$kernels \
		LD_LIBRARY_PATH=$b/guest-lib "$@"
}
# In a subshell of its own: so that `gvsoak ... &` is the client itself (a
# function in the background is a shell, and killing that would orphan it).
tcp_env() {
	export GVIRTUS_HOME=$tmp/home GVIRTUS_TRANSPORT=tcp GVSOAK_NO_KERNELS=$kernels \
		LD_LIBRARY_PATH=$b/guest-lib
}
native() { LD_LIBRARY_PATH=$b/native${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$@"; }

# Free device memory as one fresh process sees it: natively where NVIDIA's
# libcudart is here, else through a fresh backend session (its own context,
# so the same overhead at the start and at the end).
meminfo_how=tcp
[ "$executor" = cuda ] && [ -f "$b/native/libcudart.so.13" ] && meminfo_how=native
meminfo() {
	local line
	if [ $meminfo_how = native ]; then
		line=$(native timeout 60 "$gvsoak" meminfo 2>&1)
	else
		line=$(tcp timeout 60 "$gvsoak" meminfo 2>&1)
	fi
	grep -q '^gvsoak meminfo: free [0-9]* total' <<<"$line" ||
		echo "meminfo ($meminfo_how): $(tail -n 3 <<<"$line")" >&2
	sed -n 's/^gvsoak meminfo: free \([0-9]*\) total.*/\1/p' <<<"$line" | tail -n1
}
smi_used() {
	[ -n "$nosmi" ] && { echo -; return; }
	timeout 30 nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -n1
}

say "soak: executor $executor, $PROCS processes x $THREADS threads, $S s, $KILLS kills" \
	"($SLOTS at a time, 10..$KMAX ms), seed $SEED, guest $([ "$guest" = 1 ] && echo yes || echo no)"
[ "$executor" = cuda ] && echo "GPU: $(timeout 30 nvidia-smi \
	--query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n1)"
[ -n "$kernels" ] &&
	echo "kernel results not checked (GVSOAK_NO_KERNELS=1: the CPU double runs no kernels)"

start_backend() {
	"$b/bin/gvirtus-backend" --executor "$executor" "$tmp/home/etc/properties.json" \
		2>>"$out/backend.log" &
	backend=$!
	for _ in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return 0
		kill -0 $backend 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
: >"$out/backend.log"
if [ $meminfo_how = native ]; then
	mem0=$(meminfo)
fi
used0=$(smi_used)
start_backend && ok "backend listening on 127.0.0.1:$port" ||
	{ bad "backend did not start"; finish; }
[ $meminfo_how = tcp ] && mem0=$(meminfo)
if [ -n "$mem0" ]; then
	echo "start: cudaMemGetInfo free $mem0 bytes ($meminfo_how)," \
		"nvidia-smi memory.used $used0 MiB $nosmi"
else
	bad "cudaMemGetInfo at the start ($meminfo_how) gave nothing"
	finish
fi

# ---- the guest, in the background ----
# Its soak, its storm (about KILLS / SLOTS * (KMAX / 2 ms + start-up)) and
# the boot; the limit is a backstop, the device's own limit may come first.
storm_s=$((30 + KILLS * (KMAX + 1500) / 1000 / SLOTS))
if [ "$guest" = 1 ]; then
	gt=$((S + 240 + storm_s))
	say "guest: booting (limit $gt s); log $out/guest-soak.log"
	args="SOAK_SECONDS=$S KILLS=$KILLS SOAK_PROCS=$PROCS SOAK_THREADS=$THREADS"
	args+=" KILL_SLOTS=$SLOTS KILL_MAX_MS=$KMAX SOAK_SEED=$SEED GVSOAK_NO_KERNELS=${kernels:-0}"
	"$repo/scripts/run-guest.sh" -e "$executor" -t "$gt" -l "$out/guest-soak.log" -a "$args" \
		soak-guest.sh </dev/null >/dev/null 2>&1 &
	guest_pid=$!
fi

# ---- the TCP soak ----
say "tcp: $PROCS clients x $THREADS threads for $S s"
pids=()
for i in $(seq "$PROCS"); do
	tcp timeout -s KILL $((S + 180)) "$gvsoak" run "$S" "$THREADS" $((SEED * 1000 + 500 + i)) \
		>"$tmp/run.$i" 2>&1 &
	pids+=($!)
done
good=0 iters=0 bytes=0 wrong=0
for i in $(seq "$PROCS"); do
	wait "${pids[$((i - 1))]}"
	rc=$?
	line=$(grep '^gvsoak: .* iterations' "$tmp/run.$i" | tail -n1)
	{ echo "--- tcp client $i: exit $rc"; cat "$tmp/run.$i"; } >>"$out/tcp.log"
	if [ $rc = 0 ] && [ -n "$line" ]; then
		good=$((good + 1))
	else
		echo "tcp client $i: exit status $rc$([ $rc = 137 ] && echo ' (killed by the time limit)'):"
		grep -v '^gvirtus.*INFO' "$tmp/run.$i" | tail -n 8
	fi
	# "gvsoak: I iterations, B bytes checked, W wrong"
	read -r _ it _ by _ _ wr _ <<<"$line"
	if [ -n "$line" ]; then
		iters=$((iters + it)) bytes=$((bytes + by)) wrong=$((wrong + wr))
	fi
done
echo "tcp soak: $iters iterations, $bytes bytes checked, $wrong wrong"
[ $good = "$PROCS" ] && ok "tcp soak: $PROCS clients finished with status 0" ||
	bad "tcp soak: $good of $PROCS clients finished with status 0"
[ "$wrong" = 0 ] && [ "$iters" -gt 0 ] && ok "tcp soak: 0 wrong in $iters iterations" ||
	bad "tcp soak: $wrong wrong in $iters iterations"

# ---- the TCP kill storm ----
# One slot: a churn client, SIGKILL after 10..KMAX ms, reaped; one that
# ended by itself found a wrong result or a failed call.
slot() {
	local s=$1 n=$2 k=0 early=0 started=0 p rc ms
	RANDOM=$((SEED * 100 + s))
	tcp_env
	while [ $k -lt "$n" ]; do
		"$gvsoak" churn $((SEED * 100000 + 50000 + s * 5000 + k)) >"$tmp/churn.$s" 2>&1 &
		p=$!
		ms=$((RANDOM * 32768 + RANDOM))
		ms=$((ms % (KMAX - 9) + 10))
		sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
		{ kill -9 $p; wait $p; } 2>/dev/null
		rc=$?
		if [ $rc != 137 ]; then
			early=$((early + 1))
			{ echo "--- churn slot $s kill $k: ended by itself, status $rc"
			  cat "$tmp/churn.$s"; } >>"$tmp/storm.$s"
		fi
		grep -q '^gvsoak churn: working' "$tmp/churn.$s" && started=$((started + 1))
		k=$((k + 1))
	done
	echo "$k $early $started" >"$tmp/slot.$s"
}
say "tcp: kill storm, $KILLS clients, $SLOTS at a time"
t0=$(date +%s)
spids=()
for s in $(seq 0 $((SLOTS - 1))); do
	n=$((KILLS / SLOTS + (s < KILLS % SLOTS ? 1 : 0)))
	slot "$s" "$n" &
	spids+=($!)
done
wait "${spids[@]}"
killed=0 early=0 started=0
for s in $(seq 0 $((SLOTS - 1))); do
	[ -f "$tmp/slot.$s" ] || { echo "storm slot $s did not finish"; continue; }
	read -r k e st <"$tmp/slot.$s"
	killed=$((killed + k - e)) early=$((early + e)) started=$((started + st))
	if [ -f "$tmp/storm.$s" ]; then
		cat "$tmp/storm.$s" >>"$out/tcp.log"
		grep -v '^gvirtus.*INFO' "$tmp/storm.$s" | head -n 12
	fi
done
echo "tcp kill storm: $(($(date +%s) - t0)) s, $killed killed with SIGKILL ($started of them" \
	"in the middle of work: after a first checked iteration), $early ended by themselves"
[ $killed = "$KILLS" ] && ok "tcp kill storm: $KILLS clients killed at random points" ||
	bad "tcp kill storm: $killed of $KILLS killed, $early ended by themselves"
stray=$(pgrep -f "^$gvsoak churn" | wc -l)
[ "$stray" = 0 ] || bad "$stray churn clients still running after the storm"

# ---- the guest's end ----
if [ "$guest" = 1 ]; then
	say "guest: waiting for it to finish"
	wait "$guest_pid"
	grc=$?
	glog=$out/guest-soak.log
	tr -d '\r' <"$glog" | grep -E '^(soak-guest|pass:|FAIL)' | sed 's/^/guest: /'
	summary=$(tr -d '\r' <"$glog" | grep -E '^soak-guest: [0-9]+ passed, [0-9]+ failed' | tail -n1)
	if [ $grc = 0 ] && [ -n "$summary" ] && grep -q 'GVIRTUS_EXIT=0' "$glog"; then
		ok "guest soak and kill storm ($summary); QEMU lived until the script ended"
	elif [ -z "$summary" ]; then
		bad "guest: the script did not finish (QEMU died or the time limit hit; exit $grc)"
		tail -n 20 "$glog" "$glog.host" 2>/dev/null
	else
		bad "guest: $summary (run-guest exit $grc)"
	fi
	grep -E 'BUG:|Oops|Call Trace:' "$glog" | head -n 5
fi

# ---- afterwards ----
say "checks after the storms"
if kill -0 "$backend" 2>/dev/null; then
	ok "backend alive after $KILLS killed clients"
	tcp timeout 120 "$gvsoak" run 5 1 1 >"$tmp/fresh" 2>&1 &&
		ok "backend serves a fresh client ($(grep '^gvsoak: .* iterations' "$tmp/fresh"))" ||
		{ bad "a fresh client fails"; tail -n 5 "$tmp/fresh"; }
else
	bad "backend died"
fi

# Sessions end asynchronously: give the frees up to 10 s to land.
worker_pids() {
	{ pgrep -P "$backend" -f gvirtus-worker; pgrep -f "$b/qemu/bin/gvirtus-worker"; } 2>/dev/null
}
for _ in $(seq 20); do
	[ -z "$(worker_pids)" ] && break
	sleep 0.5
done
left=$(worker_pids | wc -l)
if [ "$left" = 0 ]; then
	ok "no worker process left"
else
	bad "$left worker processes left after 10 s:"
	ps -o pid,ppid,stat,etime,time,args -p "$(worker_pids | paste -sd,)" | cut -c1-160 | head -n 10
fi
for _ in $(seq 10); do
	mem1=$(meminfo)
	used1=$(smi_used)
	[ "$mem1" = "$mem0" ] && [ "$used1" = "$used0" ] && break
	sleep 1
done
echo "end: cudaMemGetInfo free $mem1 bytes, nvidia-smi memory.used $used1 MiB"
[ "$mem1" = "$mem0" ] && ok "cudaMemGetInfo free back at the start value ($mem0)" ||
	bad "cudaMemGetInfo free: $mem1, at the start $mem0 (difference $((mem0 - ${mem1:-0})) bytes)"
if [ -n "$nosmi" ]; then
	echo "nvidia-smi memory.used: $nosmi"
else
	[ "$used1" = "$used0" ] && ok "nvidia-smi memory.used back at the start value ($used0 MiB)" ||
		bad "nvidia-smi memory.used: $used1 MiB, at the start $used0 MiB"
fi

kill -TERM "$backend"
timeout 30 tail --pid="$backend" -f /dev/null
if kill -0 "$backend" 2>/dev/null; then
	bad "backend did not exit within 30 s of SIGTERM"
else
	wait "$backend"
	rc=$?
	[ $rc = 0 ] && ok "backend: clean exit on SIGTERM" || bad "backend: exit status $rc on SIGTERM"
fi
backend=
grep -E 'WARN|ERROR' "$out/backend.log" | sed -E 's/(session|client) [0-9]+/\1 N/g' |
	sort | uniq -c | sort -rn | head -n 8 |
	sed 's/^/backend log: /'
finish
