#!/bin/sh
# The GPU suite inside the guest (executor=cuda on the host): the CI suite,
# bracketed by cudaMemGetInfo readings that must agree once every process
# has exited.
before=$(gvtest_calls meminfo) || { echo "$before"; exit 1; }
echo "$before"
/tests/ci.sh
rc=$?
# ci.sh ends with rmmod; bring the driver back for the last reading.
insmod /lib/modules/gvirtus.ko
after=$(gvtest_calls meminfo)
echo "$after"
fb=$(echo "$before" | sed -n 's/.*free=\([0-9]*\).*/\1/p')
fa=$(echo "$after" | sed -n 's/.*free=\([0-9]*\).*/\1/p')
if [ -n "$fb" ] && [ "$fb" = "$fa" ]; then
	echo "cudaMemGetInfo free before and after all processes: $fb = $fa (ok)"
else
	echo "cudaMemGetInfo free changed: before $fb, after $fa (LEAK)"
	rc=1
fi
exit $rc
