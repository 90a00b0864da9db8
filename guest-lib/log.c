/* SPDX-License-Identifier: MIT */
/* Guest-side log lines on stderr; GVIRTUS_LOGLEVEL as log4cplus (0..60000). */
#include <stdarg.h>
#include <stdio.h>

#include "gvrt.h"
#include "loglevel.h"

void gv_log(int level, const char *fmt, ...)
{
	int threshold = gv_log_threshold();
	va_list ap;
	char line[512];

	if (level < threshold || threshold >= GV_LEVEL_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gvirtus: %s\n", line);
}
