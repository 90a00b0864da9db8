/* SPDX-License-Identifier: MIT */
/*
 * GVIRTUS_LOGLEVEL: log4cplus's numeric levels, read once, shared by host
 * and guest.  The only definition of the numbers: the host's GVW_* and the
 * guest's GV_LOG_* are other names for these.
 */
#ifndef GVIRTUS_LOGLEVEL_H
#define GVIRTUS_LOGLEVEL_H

#define GV_LEVEL_TRACE 0
#define GV_LEVEL_DEBUG 10000
#define GV_LEVEL_INFO  20000
#define GV_LEVEL_WARN  30000
#define GV_LEVEL_ERROR 40000
#define GV_LEVEL_FATAL 50000
#define GV_LEVEL_OFF   60000

/* The threshold from GVIRTUS_LOGLEVEL (INFO when unset; a bad value is reported). */
int gv_log_threshold(void);
/* "TRACE" .. "FATAL" */
const char *gv_log_level_name(int level);

#endif
