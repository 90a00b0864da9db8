#!/bin/sh
# For tests/qmp_monitor.sh: a guest process that keeps a session busy
# (transfers on four threads) while the host queries the monitor.
gvtest_calls victim > /tmp/victim 2>&1 &
v=$!
sleep "${MONITOR_SECONDS:-25}"
kill -9 $v
wait $v 2>/dev/null
echo "monitor.sh: done"
