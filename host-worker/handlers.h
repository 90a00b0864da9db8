/* SPDX-License-Identifier: MIT */
/* One handler per op of calls.def; each returns a cudaError_t. */
#ifndef GVIRTUS_HANDLERS_H
#define GVIRTUS_HANDLERS_H

#include <driver_types.h>

#include "worker_internal.h"

typedef int (*gvw_handler)(struct gvw_call *c);

#define GV_OP(name, num, req, resp, nb) int gvw_h_##name(struct gvw_call *c);
#include "calls.def"
#undef GV_OP

#endif
