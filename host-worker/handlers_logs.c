/* SPDX-License-Identifier: MIT */
/*
 * The driver's logs (LOGS_DUMP).  They are the process's: only a session
 * that has its worker process to itself reads them, never one served
 * beside others (worker="", where they would be every guest's).
 */
#include <stdlib.h>
#include <string.h>

#include "gen_support.h"
#include "handlers.h"
#include "log.h"

int gvw_h_LOGS_DUMP(struct gvw_call *c)
{
	const struct gv_logs_dump_req *q = c->req;
	struct gv_logs_dump_resp *r = c->resp;
	CUlogIterator it = q->iterator;
	size_t size = q->size;
	char *buf;
	int e = gvg_enter(c, GVG_FN(cuda, cuLogsDumpToMemory));

	if (e)
		return e;
	if (c->s->w->relay_fd < 0) {
		gvw_log(GVW_WARN,
			"session %u: driver logs refused: sessions served in one "
			"process would read each other's (use worker processes)",
			c->s->id);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	if (!size || size > GV_MAX_LOGS_DUMP || !gvw_bulk_ok(c, GV_BULK_FROM_HOST, size))
		return CUDA_ERROR_INVALID_VALUE;
	buf = calloc(1, size);
	if (!buf)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e = (int)GVG_DRV(c, cuda, cuLogsDumpToMemory)(q->has_iterator ? &it : NULL, buf, &size,
						      q->flags);
	if (size >= q->size)
		size = q->size - 1; /* the driver's NUL stays inside the buffer */
	buf[size] = 0;
	gvw_bulk_put(c->bulk, 0, buf, size + 1);
	free(buf);
	r->iterator = it;
	r->size = size;
	return e;
}
