/* SPDX-License-Identifier: MIT */
/* Host-side logging, levels as log4cplus (GVIRTUS_LOGLEVEL, 0..60000). */
#ifndef GVIRTUS_HOST_LOG_H
#define GVIRTUS_HOST_LOG_H

#include "loglevel.h"

enum gvw_log_level {
	GVW_TRACE = GV_LEVEL_TRACE,
	GVW_DEBUG = GV_LEVEL_DEBUG,
	GVW_INFO = GV_LEVEL_INFO,
	GVW_WARN = GV_LEVEL_WARN,
	GVW_ERROR = GV_LEVEL_ERROR,
	GVW_FATAL = GV_LEVEL_FATAL,
	GVW_OFF = GV_LEVEL_OFF,
};

void gvw_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends the log to fd from now on (the worker's own stderr is the guest's). */
int gvw_log_to_fd(int fd);

#endif
