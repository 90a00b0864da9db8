#!/usr/bin/env bash
# QEMU's trace events of the device (qemu-device/trace-events): a guest run
# with -trace gvirtus_* shows each session, request and completion.
# usage: tests/trace_events.sh [EXECUTOR]
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
log=$b/guest-trace.log
pass=0 fail=0
check() {
	if grep -q "$2" "$log.host"; then
		echo "pass: $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: no '$2' in $log.host"
		fail=$((fail + 1))
	fi
}
"$repo/scripts/run-guest.sh" -e "${1:-cpu-reference}" -t 300 -l "$log" \
	-q -trace -q 'gvirtus_*' demo.sh >/dev/null 2>&1
echo "guest exit: $?"
check "a session opens" 'gvirtus_session_open .*session [0-9]'
check "requests are traced" 'gvirtus_request .*out [0-9]* in [0-9]*'
check "completions are traced" 'gvirtus_complete .*written [0-9]'
check "the session's close is traced" 'gvirtus_session_close'
echo "trace_events: $pass passed, $fail failed"
[ "$fail" = 0 ]
