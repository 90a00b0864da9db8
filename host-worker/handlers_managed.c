/* SPDX-License-Identifier: MIT */
/*
 * Managed memory.  The allocation is the host's (cuMemAllocManaged in the
 * worker) and the GPU works on it there; the guest process keeps its own
 * copy at the same addresses and moves it whole, before the GPU may use
 * it and when its CPU touches it again (guest-lib/managed.c).  Those moves
 * are the host CPU's reads and writes of the allocation, never copies on
 * a stream: a stream held at a host function's gate must not stop the
 * guest's CPU from reaching its managed memory, natively or here.
 */
#include <string.h>

#include "handlers.h"

int gvw_h_MALLOC_MANAGED(struct gvw_call *c)
{
	const struct gv_malloc_managed_req *q = c->req;
	struct gv_ptr_resp *r = c->resp;
	int e = gvw_enter_device(c);

	if (e)
		return e;
	/* As natively: one of the two attach flags; no size, no memory (and
	 * success, as NVIDIA's runtime answers on the H100's driver 580). */
	if (q->reserved || (q->flags != cudaMemAttachGlobal && q->flags != cudaMemAttachHost))
		return cudaErrorInvalidValue;
	if (!gvw_ex(c)->mem_alloc_managed)
		return cudaErrorNotSupported;
	return gvw_alloc_tracked(c, q->size, 1, q->flags, r);
}

/* Bulk bytes to (write) or from the host CPU's view of a managed range. */
static int managed_io(struct gvw_call *c, int write)
{
	const struct gv_managed_io_req *q = c->req;
	const struct gvw_alloc *a;
	unsigned char *at;
	unsigned int i;

	if (!gvw_bulk_ok(c, write ? GV_BULK_TO_HOST : GV_BULK_FROM_HOST, q->len))
		return cudaErrorInvalidValue;
	if (q->len == 0)
		return cudaSuccess;
	a = gvw_alloc_find_range(&c->s->allocs, q->ptr, q->len);
	if (!a || !a->cpu)
		return cudaErrorInvalidValue;
	at = (unsigned char *)a->cpu + (q->ptr - a->base);
	for (i = 0; i < c->bulk->niov; i++) {
		void *b = c->bulk->iov[i].base;
		size_t n = c->bulk->iov[i].len;

		if (write)
			memcpy(at, b, n);
		else
			memcpy(b, at, n);
		at += n;
	}
	return cudaSuccess;
}

int gvw_h_MANAGED_READ(struct gvw_call *c)
{
	return managed_io(c, 0);
}

int gvw_h_MANAGED_WRITE(struct gvw_call *c)
{
	return managed_io(c, 1);
}
