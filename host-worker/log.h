/* SPDX-License-Identifier: MIT */
/* Host-side logging, levels as log4cplus (GVIRTUS_LOGLEVEL, 0..60000). */
#ifndef GVIRTUS_HOST_LOG_H
#define GVIRTUS_HOST_LOG_H

enum gvw_log_level {
	GVW_TRACE = 0,
	GVW_DEBUG = 10000,
	GVW_INFO = 20000,
	GVW_WARN = 30000,
	GVW_ERROR = 40000,
	GVW_FATAL = 50000,
	GVW_OFF = 60000,
};

void gvw_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
