// SPDX-License-Identifier: MIT
// What gvbench and mathbench share: a clock, the host worker's own time
// per call (gvirtusGetWorkerStats, looked up with dlsym so that the
// programs also run natively, where it is -1), and one CSV row per metric,
// "metric,value,unit,host_us_per_call", which bench/table.awk merges.
#ifndef GVIRTUS_BENCH_CUH
#define GVIRTUS_BENCH_CUH

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

// The layout of include/gvirtus/gvirtus_ext.h's gvirtus_worker_stats.
struct worker_stats {
	uint32_t sessions, session_id;
	uint64_t session_allocs, session_bytes, total_allocs, total_bytes;
	uint64_t sessions_closed, bytes_freed_at_close, session_calls, session_exec_ns;
	uint64_t session_requests;
};

static int (*get_stats_sized)(worker_stats *, size_t);
static worker_stats before;

static int get_stats_fn(worker_stats *s)
{
	return get_stats_sized(s, sizeof(*s));
}
static int (*get_stats)(worker_stats *);

static void bench_init()
{
	get_stats_sized =
	    (int (*)(worker_stats *, size_t))dlsym(RTLD_DEFAULT, "gvirtusGetWorkerStatsSized");
	get_stats = get_stats_sized ? get_stats_fn : nullptr;
}

static double now_us()
{
	timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void mark()
{
	if (get_stats)
		get_stats(&before);
}

static worker_stats after; // host_us()'s figures, for report_trips()
static bool after_ok;

// Host worker time per call since mark(), in microseconds.
static double host_us()
{
	worker_stats &s = after;

	after_ok = false;
	if (!get_stats || get_stats(&s))
		return -1;
	after_ok = true;
	uint64_t calls = s.session_calls - before.session_calls - 1; // minus the stats call
	return calls ? (s.session_exec_ns - before.session_exec_ns) / 1e3 / calls : -1;
}

static void report(const char *metric, double value, const char *unit, double hus)
{
	printf("%s,%.3f,%s,%.3f\n", metric, value, unit, hus);
	fflush(stdout);
}

// Synchronous round trips per iteration of a loop between mark() and
// host_us(), less the loop's closing synchronization and host_us()'s own
// stats call: 0 natively, and where every call of the loop was queued.
static void report_trips(const char *loop, int reps)
{
	double n = after_ok ? (double)(after.session_requests - before.session_requests) - 2 : 0;
	char m[200];

	snprintf(m, sizeof(m), "round trips per %s", loop);
	report(m, n > 0 ? n / reps : 0, "requests", -1);
}

#endif
