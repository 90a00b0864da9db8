/* SPDX-License-Identifier: MIT */
/* Streams and events: created in the caller's context, named by handles. */
#include "gen_support.h"
#include "handlers.h"

static int event_of(struct gvw_call *c, uint64_t h, void **ev)
{
	struct gvw_handle_slot *slot = gvw_handle_get(&c->s->handles, h, GVW_H_EVENT);

	if (!slot || slot->device != c->dev)
		return cudaErrorInvalidResourceHandle;
	*ev = slot->obj;
	return cudaSuccess;
}

int gvw_h_STREAM_CREATE(struct gvw_call *c)
{
	const struct gv_stream_create_req *q = c->req;
	struct gv_handle_resp *r = c->resp;
	void *s;
	int e = gvw_enter_device(c);

	if (e)
		return e;
	if (q->flags & ~1u) /* cudaStreamDefault, cudaStreamNonBlocking */
		return cudaErrorInvalidValue;
	if (c->s->handles.live >= c->s->w->limits.max_handles)
		return gvw_limit_refuse(c->s, GVW_LIMIT_HANDLES, c->s->handles.live, 1);
	e = gvw_ex(c)->stream_create(c->ctx, q->flags, q->priority, &s);
	if (e)
		return e;
	r->handle = gvw_handle_add(c, GVW_H_STREAM, s, 0);
	if (!r->handle) {
		gvw_ex(c)->stream_destroy(c->ctx, s);
		return cudaErrorMemoryAllocation;
	}
	return cudaSuccess;
}

int gvw_h_STREAM_DESTROY(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	struct gvw_handle_slot *slot;
	int e = gvw_enter_device(c);

	if (e)
		return e;
	slot = gvw_handle_get(&c->s->handles, q->handle, GVW_H_STREAM);
	if (!slot || slot->device != c->dev)
		return cudaErrorInvalidResourceHandle;
	e = gvw_ex(c)->stream_destroy(c->ctx, slot->obj);
	gvw_handle_drop(c->s, slot);
	return e;
}

/* Whatever the executor waits for before a synchronizing call, if anything. */
static void on_synchronize(struct gvw_call *c)
{
	const struct gvw_executor *ex = gvw_ex(c);

	if (ex->on_synchronize)
		ex->on_synchronize(c->s);
}

int gvw_h_STREAM_SYNCHRONIZE(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	void *s;
	int e = gvw_enter_device(c);

	on_synchronize(c);
	if (!e)
		e = gvw_stream_of(c, q->handle, &s);
	return e ? e : gvw_ex(c)->stream_sync(c->ctx, s);
}

int gvw_h_STREAM_QUERY(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	void *s;
	int e = gvw_enter_device(c);

	if (!e)
		e = gvw_stream_of(c, q->handle, &s);
	return e ? e : gvw_ex(c)->stream_query(c->ctx, s);
}

int gvw_h_STREAM_WAIT_EVENT(struct gvw_call *c)
{
	const struct gv_stream_wait_req *q = c->req;
	void *s, *ev;
	int e = gvw_enter_device(c);

	if (!e)
		e = gvw_stream_of(c, q->stream, &s);
	if (!e)
		e = event_of(c, q->event, &ev);
	return e ? e : gvw_ex(c)->stream_wait_event(c->ctx, s, ev, q->flags);
}

int gvw_h_STREAM_PRIORITY_RANGE(struct gvw_call *c)
{
	struct gv_priority_range_resp *r = c->resp;
	int least = 0, greatest = 0, e = gvw_enter_device(c);

	if (!e)
		e = gvw_ex(c)->priority_range(c->ctx, &least, &greatest);
	r->least = least;
	r->greatest = greatest;
	return e;
}

int gvw_h_EVENT_CREATE(struct gvw_call *c)
{
	const struct gv_event_create_req *q = c->req;
	struct gv_handle_resp *r = c->resp;
	void *ev;
	int e = gvw_enter_device(c);

	if (e)
		return e;
	/* Default, BlockingSync, DisableTiming, Interprocess (the executor checks
	 * the last goes with DisableTiming, as the driver does). */
	if (q->flags & ~7u)
		return cudaErrorInvalidValue;
	if (c->s->handles.live >= c->s->w->limits.max_handles)
		return gvw_limit_refuse(c->s, GVW_LIMIT_HANDLES, c->s->handles.live, 1);
	e = gvw_ex(c)->event_create(c->ctx, q->flags, &ev);
	if (e)
		return e;
	r->handle = gvw_handle_add(c, GVW_H_EVENT, ev, 0);
	if (!r->handle) {
		gvw_ex(c)->event_destroy(c->ctx, ev);
		return cudaErrorMemoryAllocation;
	}
	return cudaSuccess;
}

int gvw_h_EVENT_RECORD(struct gvw_call *c)
{
	const struct gv_event_record_req *q = c->req;
	void *s, *ev;
	int e = gvw_enter_device(c);

	if (!e)
		e = event_of(c, q->event, &ev);
	if (!e)
		e = gvw_stream_of(c, q->stream, &s);
	return e ? e : gvw_ex(c)->event_record(c->ctx, ev, s);
}

int gvw_h_EVENT_SYNCHRONIZE(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	void *ev;
	int e = gvw_enter_device(c);

	on_synchronize(c);
	if (!e)
		e = event_of(c, q->handle, &ev);
	return e ? e : gvw_ex(c)->event_sync(c->ctx, ev);
}

int gvw_h_EVENT_QUERY(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	void *ev;
	int e = gvw_enter_device(c);

	if (!e)
		e = event_of(c, q->handle, &ev);
	return e ? e : gvw_ex(c)->event_query(c->ctx, ev);
}

int gvw_h_EVENT_ELAPSED(struct gvw_call *c)
{
	const struct gv_event_elapsed_req *q = c->req;
	struct gv_float_resp *r = c->resp;
	void *e0, *e1;
	float ms = 0;
	int e = gvw_enter_device(c);

	if (!e)
		e = event_of(c, q->start, &e0);
	if (!e)
		e = event_of(c, q->end, &e1);
	if (!e)
		e = gvw_ex(c)->event_elapsed(c->ctx, e0, e1, &ms);
	r->value = ms;
	return e;
}

int gvw_h_EVENT_DESTROY(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	struct gvw_handle_slot *slot;
	int e = gvw_enter_device(c);

	if (e)
		return e;
	slot = gvw_handle_get(&c->s->handles, q->handle, GVW_H_EVENT);
	if (!slot || slot->device != c->dev)
		return cudaErrorInvalidResourceHandle;
	e = gvw_ex(c)->event_destroy(c->ctx, slot->obj);
	gvw_handle_drop(c->s, slot);
	return e;
}

/* Whether the stream is being captured; no for an executor without capture. */
static bool capturing(struct gvw_call *c, void *stream)
{
	const struct gvg_cuda_fns *t = gvw_ex(c)->cuda_fns;
	CUstreamCaptureStatus st = CU_STREAM_CAPTURE_STATUS_NONE;

	if (!t || !t->cuStreamIsCapturing)
		return false;
	return GVG_DRV(c, cuda, cuStreamIsCapturing)(stream, &st) == CUDA_SUCCESS &&
	       st != CU_STREAM_CAPTURE_STATUS_NONE;
}

int gvw_h_HOST_FUNC_ENQUEUE(struct gvw_call *c)
{
	const struct gv_host_func_req *q = c->req;
	struct gv_gate_resp *r = c->resp;
	struct gvw_worker *w = c->s->w;
	struct gvw_gate *g;
	bool over;
	void *s;
	int e = gvw_enter_stream(c, q->stream, &s);

	if (e)
		return e;
	/* Captured, it runs at each launch of the graph: a host node's record. */
	if (!q->callback && capturing(c, s))
		return gvw_host_fn_capture(c, s, q->fn, q->data, r);
	g = gvw_gate_new(w, c->s->id, gvw_ex(c)->gates_in_stream, w->limits.max_gates, &over);
	if (!g)
		return over
			   ? gvw_limit_refuse(c->s, GVW_LIMIT_GATES, gvw_gate_count(w, c->s->id), 1)
			   : cudaErrorMemoryAllocation;
	r->token = g->token;
	r->owner = c->s->id;
	r->key = gvw_gate_key_of(c);
	e = gvw_ex(c)->host_gate(c->ctx, s, g);
	if (e)
		gvw_gate_cancel(g);
	return e;
}

static int key_ok(struct gvw_call *c, uint32_t owner, uint64_t key)
{
	return gvw_gate_key_ok(c->s->w->gate_secret, owner, key);
}

int gvw_h_HOST_FUNC_WAIT(struct gvw_call *c)
{
	const struct gv_gate_wait_req *q = c->req;
	struct gv_gate_wait_resp *r = c->resp;

	if (!key_ok(c, q->owner, q->key) || q->timeout_ms > 1000)
		return cudaErrorInvalidValue;
	uint64_t fn, data;

	r->token = gvw_gate_wait(c->s->w, q->owner, q->timeout_ms, &fn, &data);
	r->fn = fn;
	r->data = data;
	return cudaSuccess;
}

int gvw_h_HOST_FUNC_RELEASE(struct gvw_call *c)
{
	const struct gv_gate_release_req *q = c->req;

	if (!key_ok(c, q->owner, q->key))
		return cudaErrorInvalidValue;
	return gvw_gate_release(c->s->w, q->owner, q->token) ? cudaErrorInvalidResourceHandle
							     : cudaSuccess;
}
