/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int threshold = GVW_INFO;
static pthread_once_t threshold_once = PTHREAD_ONCE_INIT;

static void read_threshold(void)
{
	const char *v = getenv("GVIRTUS_LOGLEVEL");
	char *end;
	long n;

	if (!v || !*v)
		return;
	n = strtol(v, &end, 10);
	if (*end || n < GVW_TRACE || n > GVW_OFF) {
		fprintf(stderr,
			"gvirtus: GVIRTUS_LOGLEVEL=%s is not a number in 0..60000 "
			"(0 trace, 10000 debug, 20000 info, 30000 warn, 40000 error, "
			"50000 fatal, 60000 off); using 20000\n", v);
		return;
	}
	threshold = (int)n;
}

void gvw_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "TRACE", "DEBUG", "INFO", "WARN",
					     "ERROR", "FATAL" };
	char line[1024];
	va_list ap;
	int idx;

	pthread_once(&threshold_once, read_threshold);
	if (level < threshold || threshold >= GVW_OFF)
		return;
	idx = level / 10000;
	if (idx > 5)
		idx = 5;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gvirtus-host %s: %s\n", names[idx], line);
}
