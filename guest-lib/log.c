/* SPDX-License-Identifier: MIT */
/* Guest-side log lines on stderr; GVIRTUS_LOGLEVEL as log4cplus (0..60000). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "gvrt.h"

static int threshold = GV_LOG_INFO;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void read_level(void)
{
	const char *v = getenv("GVIRTUS_LOGLEVEL");
	char *end;
	long n;

	if (!v || !*v)
		return;
	n = strtol(v, &end, 10);
	if (*end || n < 0 || n > 60000) {
		fprintf(stderr, "gvirtus: GVIRTUS_LOGLEVEL=%s is not a number in "
			"0..60000 (10000 debug, 20000 info, 30000 warn, 40000 "
			"error, 60000 off); using 20000\n", v);
		return;
	}
	threshold = (int)n;
}

void gv_log(int level, const char *fmt, ...)
{
	va_list ap;
	char line[512];

	pthread_once(&once, read_level);
	if (level < threshold || threshold >= 60000)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gvirtus: %s\n", line);
}
