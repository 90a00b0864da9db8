/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include "loglevel.h"

/* Where the log goes: stderr, or the host's stderr once the worker
 * captures its own for the guest (host-worker/output.h). */
static FILE *log_out;

int gvw_log_to_fd(int fd)
{
	FILE *f = fdopen(fd, "w");

	if (!f)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	log_out = f;
	return 0;
}

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
	fprintf(log_out ? log_out : stderr, "gvirtus-host %s: %s\n", gv_log_level_name(level),
		line);
}
