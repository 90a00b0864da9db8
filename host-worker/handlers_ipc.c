/* SPDX-License-Identifier: MIT */
/*
 * IPC between sessions (protocol.h, IPC_*).  An exported allocation or
 * event's driver handle is kept by the process that sees every session
 * (gvw_ipc_ask), which gives the guest a random token for it; opening a
 * token gets the driver's handle back from there and opens it with the
 * driver, which applies its own rules (not in the exporting process, the
 * event made with cudaEventInterprocess).  An opened allocation is tracked
 * as the session's memory, not charged to it, counted per open.
 */
#include "handlers.h"

#include "gen_support.h"
#include "log.h"

/* Allocations of other sessions one session may have open at once. */
#define GVW_IPC_MAX_IMPORTS 1024u

static int export_mem(struct gvw_call *c, uint64_t ptr, uint8_t native[64])
{
	const struct gvw_alloc *a = gvw_alloc_find_range(&c->s->allocs, ptr, 0);
	int e = gvg_enter(c, GVG_FN(cuda, cuIpcGetMemHandle));

	if (e)
		return e;
	/* Only the session's own memory: never another's, never a reservation. */
	if (!a || !gvw_alloc_owned(a))
		return CUDA_ERROR_INVALID_VALUE;
	return (int)GVG_DRV(c, cuda, cuIpcGetMemHandle)((CUipcMemHandle *)native, ptr);
}

static int export_event(struct gvw_call *c, uint64_t h, uint8_t native[64])
{
	void *ev;
	int e = gvg_enter(c, GVG_FN(cuda, cuIpcGetEventHandle));

	if (!e)
		e = gvg_handle(c, h, GVW_H_EVENT, &ev);
	return e ? e : (int)GVG_DRV(c, cuda, cuIpcGetEventHandle)((CUipcEventHandle *)native, ev);
}

int gvw_h_IPC_EXPORT(struct gvw_call *c)
{
	const struct gv_ipc_export_req *q = c->req;
	struct gv_ipc_export_resp *r = c->resp;
	struct gv_relay_ipc io = {.kind = q->kind};
	int e;

	if (q->kind == GV_IPC_MEM)
		e = export_mem(c, q->obj, io.native);
	else if (q->kind == GV_IPC_EVENT)
		e = export_event(c, q->obj, io.native);
	else
		e = CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	if (gvw_ipc_ask(c->s, GV_RELAY_IPC_PUT, &io)) {
		gvw_log(GVW_WARN, "session %u: no IPC handle kept for it (limit, or no parent)",
			c->s->id);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	memset(&r->handle, 0, sizeof(r->handle));
	r->handle.magic = GV_IPC_MAGIC;
	r->handle.kind = q->kind;
	r->handle.token[0] = io.token[0];
	r->handle.token[1] = io.token[1];
	return CUDA_SUCCESS;
}

/* An opened allocation, tracked; opened again, counted. */
static int import_mem(struct gvw_call *c, const struct gv_relay_ipc *io, unsigned int flags,
		      struct gv_ipc_import_resp *r)
{
	struct gvw_session *s = c->s;
	CUipcMemHandle h;
	CUdeviceptr p = 0, base = 0;
	size_t size = 0, grow = gvw_alloc_grow_bytes(&s->allocs);
	struct gvw_alloc *a, n = {0};
	int e;

	if (s->ipc_imports >= GVW_IPC_MAX_IMPORTS) {
		gvw_limit_refuse(s, GVW_LIMIT_HANDLES, s->ipc_imports, 1);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	memcpy(&h, io->native, sizeof(h));
	e = (int)GVG_DRV(c, cuda, cuIpcOpenMemHandle_v2)(&p, h, flags);
	if (e)
		return e;
	a = gvw_alloc_find_base(&s->allocs, p);
	if (a && a->ipc) {
		a->ipc++;
		size = a->size;
	} else {
		e = (int)GVG_DRV(c, cuda, cuMemGetAddressRange_v2)(&base, &size, p);
		n = (struct gvw_alloc){.base = p, .size = size, .device = c->dev, .ipc = 1};
		if (!e && base != p)
			e = CUDA_ERROR_INVALID_VALUE; /* not what an open returns */
		if (!e && grow && gvw_host_charge(s, grow))
			e = CUDA_ERROR_OUT_OF_MEMORY;
		if (!e && gvw_alloc_insert(&s->allocs, &n)) {
			gvw_host_uncharge(s, grow);
			e = CUDA_ERROR_OUT_OF_MEMORY;
		}
		if (e) {
			gvw_log(GVW_WARN, "session %u: opened IPC memory 0x%llx not tracked (%d)",
				s->id, (unsigned long long)p, e);
			GVG_DRV(c, cuda, cuIpcCloseMemHandle)(p);
			return e;
		}
		size = n.size;
	}
	s->ipc_imports++;
	r->obj = p;
	r->size = size;
	return CUDA_SUCCESS;
}

static int import_event(struct gvw_call *c, const struct gv_relay_ipc *io,
			struct gv_ipc_import_resp *r)
{
	CUipcEventHandle h;
	CUevent ev = NULL;
	int e;

	memcpy(&h, io->native, sizeof(h));
	e = (int)GVG_DRV(c, cuda, cuIpcOpenEventHandle)(&ev, h);
	if (e)
		return e;
	r->obj = gvw_handle_add(c, GVW_H_EVENT, ev, 0);
	if (!r->obj) {
		gvw_ex(c)->event_destroy(c->ctx, ev);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	return CUDA_SUCCESS;
}

int gvw_h_IPC_IMPORT(struct gvw_call *c)
{
	const struct gv_ipc_import_req *q = c->req;
	struct gv_ipc_import_resp *r = c->resp;
	struct gv_relay_ipc io = {.kind = q->kind};
	int mem = q->kind == GV_IPC_MEM;
	int e = mem ? gvg_enter(c, GVG_FN(cuda, cuIpcOpenMemHandle_v2))
		    : gvg_enter(c, GVG_FN(cuda, cuIpcOpenEventHandle));

	if (e)
		return e;
	if ((!mem && q->kind != GV_IPC_EVENT) || q->handle.magic != GV_IPC_MAGIC ||
	    q->handle.kind != q->kind)
		return CUDA_ERROR_INVALID_VALUE;
	io.token[0] = q->handle.token[0];
	io.token[1] = q->handle.token[1];
	if (gvw_ipc_ask(c->s, GV_RELAY_IPC_GET, &io)) {
		gvw_log(GVW_DEBUG, "session %u: IPC handle of no live session", c->s->id);
		return CUDA_ERROR_INVALID_VALUE;
	}
	return mem ? import_mem(c, &io, q->flags, r) : import_event(c, &io, r);
}

int gvw_h_IPC_CLOSE(struct gvw_call *c)
{
	const struct gv_ptr_req *q = c->req;
	struct gv_int_resp *r = c->resp;
	struct gvw_session *s = c->s;
	struct gvw_alloc *a;
	int e = gvg_enter(c, GVG_FN(cuda, cuIpcCloseMemHandle));

	if (e)
		return e;
	a = gvw_alloc_find_base(&s->allocs, q->ptr);
	if (!a || !a->ipc)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvw_ex(c)->ctx_enter(s->ctx[a->device]);
	if (!e)
		e = (int)GVG_DRV(c, cuda, cuIpcCloseMemHandle)(q->ptr);
	if (e)
		return e;
	s->ipc_imports--;
	r->value = (int32_t)--a->ipc;
	if (!a->ipc)
		gvw_alloc_remove(&s->allocs, a);
	return CUDA_SUCCESS;
}
