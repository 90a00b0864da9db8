#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs libFuzzer targets for a fixed time each and reports, per target,
#   fuzz <name>: <execs> execs, <secs> s, <n> crashes
# then "fuzz: N passed, M failed".  A target passes when it ran its time
# with no crash, leak, undefined behaviour, timeout or out-of-memory.
#
# Usage: run.sh FUZZDIR SECONDS JOBS TARGET...
#   FUZZDIR holds the binaries fuzz_<target>; seeds are generated into
#   FUZZDIR/seeds, the corpus grows in FUZZDIR/corpus/<target>, findings go
#   to FUZZDIR/artifacts/<target>, logs to FUZZDIR/logs/<target>.
#   JOBS > 1 runs that many fuzzing processes per target (-jobs/-workers).
set -u

if [ $# -lt 4 ]; then
	echo "usage: $0 FUZZDIR SECONDS JOBS TARGET..." >&2
	exit 2
fi
dir=$(cd "$1" && pwd)
secs=$2
jobs=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

fatbin=$root/build/tests/fatbin_kernels.fatbin
python3 "$here/make-seeds.py" "$dir/seeds" --fatbin "$fatbin" || exit 1
# fuzz_codecs loads a module from it before each input, when it is there.
if [ -f "$fatbin" ]; then
	export FUZZ_FATBIN=$fatbin
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Per target: the longest input worth trying, and memory and time limits
# (one input is given -timeout seconds; a slower one is a finding).
# Targets on the CPU double may allocate its whole 4 GiB device at once,
# which is legitimate and lazily zeroed; libFuzzer's single-allocation
# limit (by default the RSS limit, "that many MiB or more") sits above it.
double="-rss_limit_mb=4096 -malloc_limit_mb=4200"
options() {
	case $1 in
	session) echo "-max_len=16384 $double -timeout=20" ;;
	codecs) echo "-max_len=70000 $double -timeout=20" ;;
	framing) echo "-max_len=65536 -timeout=10" ;;
	fatbin) echo "-max_len=131072 -timeout=10" ;;
	properties) echo "-max_len=8192 -timeout=10" ;;
	frame) echo "-max_len=131072 $double -timeout=10" ;;
	*) echo "-timeout=10" ;;
	esac
}

passed=0
failed=0
for t in "$@"; do
	bin=$dir/fuzz_$t
	corpus=$dir/corpus/$t
	art=$dir/artifacts/$t
	logs=$dir/logs/$t
	mkdir -p "$corpus" "$art" "$logs"
	rm -f "$logs"/*.log
	stamp=$logs/.start
	touch "$stamp"
	par=()
	if [ "$jobs" -gt 1 ]; then
		par=(-jobs="$jobs" -workers="$jobs")
	fi
	start=$(date +%s)
	# -jobs writes fuzz-<n>.log into the working directory: the log folder.
	# shellcheck disable=SC2046
	(cd "$logs" && exec "$bin" $(options "$t") "${par[@]}" -max_total_time="$secs" \
		-print_final_stats=1 -artifact_prefix="$art/" "$corpus" "$dir/seeds/$t") \
		>"$logs/run.log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(cat "$logs"/*.log | awk '/^stat::number_of_executed_units:/ { n += $2 }
		END { print n + 0 }')
	if [ "$execs" = 0 ]; then
		# Stopped before its final statistics: the last status line says.
		execs=$(cat "$logs"/*.log | sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' |
			sort -n | tail -n1)
		execs=${execs:-0}
	fi
	found=$(find "$art" -maxdepth 1 -type f -newer "$stamp" \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
		wc -l)
	echo "fuzz $t: $execs execs, $took s, $found crashes"
	if [ "$rc" -eq 0 ] && [ "$found" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "fuzz $t: FAILED (exit $rc); findings:"
		find "$art" -maxdepth 1 -type f -newer "$stamp" | sed 's/^/  /'
		echo "fuzz $t: the report (all of it in $logs):"
		grep -h -A40 -E '^==[0-9]+==ERROR|runtime error|^fuzz_[a-z]+: |^fuzz harness: |deadly signal' \
			"$logs"/*.log | head -n 60 | sed 's/^/  | /'
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
