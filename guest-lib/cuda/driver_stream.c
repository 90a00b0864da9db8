/* SPDX-License-Identifier: MIT */
/* Streams, events and peers through the runtime's ops: one set of handles. */
#include <pthread.h>
#include <stdlib.h>

#include "gvcu.h"

/*
 * The context each stream this API made was made in (cuStreamGetCtx); a
 * stream the runtime made is its device's primary context's.
 */
struct stream_ctx {
	uint64_t stream;
	struct gvcu_ctx *ctx;
	struct stream_ctx *next;
};
static struct stream_ctx *stream_ctxs;
static pthread_mutex_t stream_ctx_lock = PTHREAD_MUTEX_INITIALIZER;

static void stream_ctx_note(uint64_t stream, struct gvcu_ctx *ctx)
{
	struct stream_ctx **at, *n;

	pthread_mutex_lock(&stream_ctx_lock);
	for (at = &stream_ctxs; *at && (*at)->stream != stream; at = &(*at)->next)
		;
	if (*at && !ctx) {
		n = *at;
		*at = n->next;
		free(n);
	} else if (*at) {
		(*at)->ctx = ctx;
	} else if (ctx && (n = malloc(sizeof(*n)))) {
		*n = (struct stream_ctx){stream, ctx, stream_ctxs};
		stream_ctxs = n;
	}
	pthread_mutex_unlock(&stream_ctx_lock);
}

static struct gvcu_ctx *stream_ctx_of(uint64_t stream)
{
	struct stream_ctx *n;
	struct gvcu_ctx *ctx = NULL;

	pthread_mutex_lock(&stream_ctx_lock);
	for (n = stream_ctxs; n && n->stream != stream; n = n->next)
		;
	if (n)
		ctx = n->ctx;
	pthread_mutex_unlock(&stream_ctx_lock);
	return ctx;
}

static CUresult stream_create(CUstream *ph, unsigned int flags, int priority)
{
	struct gv_stream_create_req q = {.flags = flags, .priority = priority};
	struct gv_handle_resp r = {0};
	CUresult e;

	if (!ph || (flags & ~CU_STREAM_NON_BLOCKING))
		return CUDA_ERROR_INVALID_VALUE;
	e = GVCU_RPC(STREAM_CREATE, &q, &r, NULL, 0);
	if (!e) {
		*ph = (CUstream)(uintptr_t)r.handle;
		gv_stream_note(r.handle, 1);
		stream_ctx_note(r.handle, gvcu_current());
	}
	return e;
}

GVCU_EXPORT CUresult cuStreamCreate(CUstream *ph, unsigned int flags)
{
	return stream_create(ph, flags, 0);
}

GVCU_EXPORT CUresult cuStreamCreateWithPriority(CUstream *ph, unsigned int flags, int priority)
{
	return stream_create(ph, flags, priority);
}

/* A call whose whole request is one stream's or event's handle. */
static CUresult on_handle(uint32_t op, uint64_t handle)
{
	struct gv_handle_req q = {.handle = handle};
	struct gv_empty r;

	return gvcu_rpc(op, &q, sizeof(q), NULL, 0, &r, 0, NULL, 0);
}

static CUresult on_stream(uint32_t op, CUstream s)
{
	return on_handle(op, gv_stream_value((cudaStream_t)s));
}

GVCU_EXPORT CUresult cuStreamDestroy_v2(CUstream s)
{
	/* Forgotten first: a launch racing the destroy goes the exact way. */
	gv_stream_note(gv_stream_value((cudaStream_t)s), 0);
	stream_ctx_note(gv_stream_value((cudaStream_t)s), NULL);
	return on_stream(GV_OP_STREAM_DESTROY, s);
}

/* A stream's context: the current one for a default stream. */
static CUresult stream_ctx(CUstream s, CUcontext *pctx)
{
	uint64_t h = gv_stream_value((cudaStream_t)s);
	struct gvcu_ctx *ctx;
	CUdevice dev;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!pctx)
		return CUDA_ERROR_INVALID_VALUE;
	if (h <= 2) { /* NULL, CU_STREAM_LEGACY, CU_STREAM_PER_THREAD */
		*pctx = (CUcontext)gvcu_current();
		return CUDA_SUCCESS;
	}
	ctx = stream_ctx_of(h);
	if (!ctx) {
		e = cuStreamGetDevice(s, &dev); /* the host checks the handle */
		if (e)
			return e;
		ctx = gvcu_primary(dev);
	}
	*pctx = (CUcontext)ctx;
	return ctx ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

GVCU_EXPORT CUresult cuStreamGetCtx(CUstream s, CUcontext *pctx)
{
	return stream_ctx(s, pctx);
}

GVCU_EXPORT CUresult cuStreamGetCtx_ptsz(CUstream s, CUcontext *pctx)
{
	return stream_ctx(s, pctx);
}

/* No green contexts here: a stream has none. */
GVCU_EXPORT CUresult cuStreamGetCtx_v2(CUstream s, CUcontext *pctx, CUgreenCtx *pgreen)
{
	CUresult e = stream_ctx(s, pctx);

	if (!e && pgreen)
		*pgreen = NULL;
	return e;
}

GVCU_EXPORT CUresult cuStreamGetCtx_v2_ptsz(CUstream s, CUcontext *pctx, CUgreenCtx *pgreen)
{
	return cuStreamGetCtx_v2(s, pctx, pgreen);
}

GVCU_EXPORT CUresult cuStreamSynchronize(CUstream s)
{
	return on_stream(GV_OP_STREAM_SYNCHRONIZE, s);
}

GVCU_EXPORT CUresult cuStreamQuery(CUstream s)
{
	return on_stream(GV_OP_STREAM_QUERY, s);
}

GVCU_EXPORT CUresult cuStreamWaitEvent(CUstream s, CUevent ev, unsigned int flags)
{
	struct gv_stream_wait_req q = {
	    .stream = gv_stream_value((cudaStream_t)s), .event = (uintptr_t)ev, .flags = flags};
	struct gv_empty r;

	return GVCU_RPC(STREAM_WAIT_EVENT, &q, &r, NULL, 0);
}

GVCU_EXPORT CUresult cuCtxGetStreamPriorityRange(int *least, int *greatest)
{
	struct gv_empty q;
	struct gv_priority_range_resp r = {0};
	CUresult e = GVCU_RPC(STREAM_PRIORITY_RANGE, &q, &r, NULL, 0);

	if (!e) {
		if (least)
			*least = r.least;
		if (greatest)
			*greatest = r.greatest;
	}
	return e;
}

GVCU_EXPORT CUresult cuEventCreate(CUevent *ph, unsigned int flags)
{
	struct gv_event_create_req q = {.flags = flags};
	struct gv_handle_resp r = {0};
	CUresult e;

	if (!ph)
		return CUDA_ERROR_INVALID_VALUE;
	e = GVCU_RPC(EVENT_CREATE, &q, &r, NULL, 0);
	if (!e)
		*ph = (CUevent)(uintptr_t)r.handle;
	return e;
}

GVCU_EXPORT CUresult cuEventRecord(CUevent ev, CUstream s)
{
	struct gv_event_record_req q = {.event = (uintptr_t)ev,
					.stream = gv_stream_value((cudaStream_t)s)};
	struct gv_empty r;

	return GVCU_RPC(EVENT_RECORD, &q, &r, NULL, 0);
}

static CUresult on_event(uint32_t op, CUevent ev)
{
	return on_handle(op, (uintptr_t)ev);
}

GVCU_EXPORT CUresult cuEventSynchronize(CUevent ev)
{
	return on_event(GV_OP_EVENT_SYNCHRONIZE, ev);
}

GVCU_EXPORT CUresult cuEventQuery(CUevent ev)
{
	return on_event(GV_OP_EVENT_QUERY, ev);
}

GVCU_EXPORT CUresult cuEventDestroy_v2(CUevent ev)
{
	return on_event(GV_OP_EVENT_DESTROY, ev);
}

GVCU_EXPORT CUresult cuEventElapsedTime_v2(float *ms, CUevent start, CUevent end)
{
	struct gv_event_elapsed_req q = {.start = (uintptr_t)start, .end = (uintptr_t)end};
	struct gv_float_resp r = {0};
	CUresult e;

	if (!ms)
		return CUDA_ERROR_INVALID_VALUE;
	e = GVCU_RPC(EVENT_ELAPSED, &q, &r, NULL, 0);
	if (!e)
		*ms = r.value;
	return e;
}

GVCU_EXPORT CUresult cuDeviceCanAccessPeer(int *can, CUdevice dev, CUdevice peer)
{
	struct gv_peer_req q = {.peer = peer};
	struct gv_int_resp r = {0};
	int saved = gv_current_device();
	CUresult e = gvcu_initialized();

	if (!can)
		return CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	gv_set_current_device(dev); /* the message's device asks */
	e = gvcu_result(
	    GVCU_AS_DRIVER(gv_rpc(GV_OP_PEER_CAN_ACCESS, &q, sizeof(q), &r, sizeof(r), NULL, 0)));
	gv_set_current_device(saved);
	if (!e)
		*can = r.value;
	return e;
}

GVCU_EXPORT CUresult cuCtxEnablePeerAccess(CUcontext peer, unsigned int flags)
{
	struct gv_peer_req q = {.peer = gvcu_ctx_device(peer), .flags = flags};
	struct gv_empty r;

	if (q.peer < 0)
		return CUDA_ERROR_INVALID_CONTEXT;
	return GVCU_RPC(PEER_ENABLE, &q, &r, NULL, 0);
}
