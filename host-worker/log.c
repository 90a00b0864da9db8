/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include "loglevel.h"

void gvw_log(int level, const char *fmt, ...)
{
	int threshold = gv_log_threshold();
	char line[1024];
	va_list ap;

	if (level < threshold || threshold >= GV_LEVEL_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gvirtus-host %s: %s\n", gv_log_level_name(level), line);
}
