#!/bin/sh
# tests/data_plane.sh's guest side: every call and the copy rows of the
# benchmark, whichever path bulk data takes (guest RAM shared or not).
gvtest_calls all 1 || exit 1
gvbench quick > /tmp/bench.csv 2>&1 && grep -c "^memcpy" /tmp/bench.csv | grep -qx 16 &&
	echo "pass: gvbench quick: 16 memcpy rows" || { cat /tmp/bench.csv; exit 1; }
