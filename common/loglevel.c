/* SPDX-License-Identifier: MIT */
#include "loglevel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int threshold = GV_LEVEL_INFO;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void read_threshold(void)
{
	const char *v = getenv("GVIRTUS_LOGLEVEL");
	char *end;
	long n;

	if (!v || !*v)
		return;
	n = strtol(v, &end, 10);
	if (*end || n < GV_LEVEL_TRACE || n > GV_LEVEL_OFF) {
		fprintf(stderr,
			"gvirtus: GVIRTUS_LOGLEVEL=%s is not a number in 0..60000 "
			"(0 trace, 10000 debug, 20000 info, 30000 warn, 40000 error, "
			"50000 fatal, 60000 off); using 20000\n",
			v);
		return;
	}
	threshold = (int)n;
}

int gv_log_threshold(void)
{
	pthread_once(&once, read_threshold);
	return threshold;
}

const char *gv_log_level_name(int level)
{
	static const char *const names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
	/* The levels are evenly spaced from TRACE: a level's step names it. */
	const int step = GV_LEVEL_DEBUG - GV_LEVEL_TRACE;
	int i = (level - GV_LEVEL_TRACE) / step;

	return names[i < 0 ? 0 : i > 5 ? 5 : i];
}
