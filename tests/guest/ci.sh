#!/bin/sh
# The CI suite inside the guest: every call, concurrency, a kill
# mid-transfer, and the host freeing what the killed process held.
fail=0
step() { echo "== $*"; }

step "single process, every call"
gvtest_calls all 1 || fail=1

step "kernels from an unmodified nvcc binary, streams, events, symbols"
gvtest_kernels || fail=1

step "relocatable device code (nvcc -rdc=true, a kernel launching a kernel)"
gvtest_rdc || fail=1

step "the driver API (libcuda.so.1), sharing the runtime's session"
gvtest_driver || fail=1
mixed_init || fail=1

# On a GPU (gpu.sh) the host serves the libraries: the math_* programs of
# tests/gpu test them there.
if [ -z "${GVTEST_GPU:-}" ]; then
	step "the math shims: local calls, strided copies, the CPU double's not-supported"
	gvtest_math || fail=1
fi

step "the session mailbox against a hostile process"
gvtest_mailbox || fail=1

step "page-locked buffers pinned once: copies, buffers made again, a hostile process"
gvtest_pinned || fail=1

step "four processes at once"
for s in 11 12 13 14; do gvtest_calls stress $s 6 > /tmp/stress.$s 2>&1 & done
wait
for s in 11 12 13 14; do
	cat /tmp/stress.$s
	grep -q ' 0 failed' /tmp/stress.$s || fail=1
done

step "kill -9 in the middle of 32 MiB transfers on four threads"
gvtest_calls victim > /tmp/victim 2>&1 &
v=$!
sleep 3
cat /tmp/victim
kill -9 $v
wait $v 2>/dev/null
# The session's memory (4 x 64 MiB) must be freed on the host.
gvtest_calls check-freed 268435456 || fail=1

step "the benchmark program runs (tiny sizes; no thresholds)"
gvbench quick > /tmp/bench.csv 2>&1 && [ "$(grep -c , /tmp/bench.csv)" -ge 20 ] &&
	echo "gvbench quick: $(($(grep -c , /tmp/bench.csv) - 1)) metrics" ||
	{ cat /tmp/bench.csv; echo "gvbench quick failed"; fail=1; }

step "module unload"
rmmod gvirtus && echo "rmmod gvirtus: ok" || { echo "rmmod gvirtus failed"; fail=1; }
[ -e /dev/gvirtus ] && { echo "/dev/gvirtus still present"; fail=1; }
exit $fail
