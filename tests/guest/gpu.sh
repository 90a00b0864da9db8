#!/bin/sh
# The GPU suite inside the guest (executor=cuda on the host): the CI suite,
# bracketed by cudaMemGetInfo readings that must agree once every process
# has exited (unless GVTEST_SHARED_GPU says other processes use the GPU).
before=$(gvtest_calls meminfo) || { echo "$before"; exit 1; }
echo "$before"
GVTEST_GPU=1 /tests/ci.sh
rc=$?
# ci.sh ends with rmmod; bring the driver back for the last reading.
insmod /lib/modules/gvirtus.ko
after=$(gvtest_calls meminfo)
echo "$after"
fb=$(echo "$before" | sed -n 's/.*free=\([0-9]*\).*/\1/p')
fa=$(echo "$after" | sed -n 's/.*free=\([0-9]*\).*/\1/p')
if [ -n "${GVTEST_SHARED_GPU:-}" ]; then
	echo "cudaMemGetInfo free before and after: $fb, $fa (not compared: GVTEST_SHARED_GPU)"
elif [ -n "$fb" ] && [ "$fb" = "$fa" ]; then
	echo "cudaMemGetInfo free before and after all processes: $fb = $fa (ok)"
else
	echo "cudaMemGetInfo free changed: before $fb, after $fa (LEAK)"
	rc=1
fi
exit $rc
