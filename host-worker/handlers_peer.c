/* SPDX-License-Identifier: MIT */
/* Several GPUs in one session: peer access and copies between devices. */
#include "handlers.h"

/* The session's context on guest device dev, created as needed. */
static int context_of(struct gvw_call *c, int dev, void **ctx)
{
	struct gvw_call other = *c;
	int e;

	other.dev = dev;
	e = gvw_enter_device(&other);
	*ctx = other.ctx;
	return e;
}

static int valid_peer(struct gvw_call *c, int peer)
{
	return peer < 0 || peer >= c->s->device_count ? cudaErrorInvalidDevice : cudaSuccess;
}

int gvw_h_PEER_CAN_ACCESS(struct gvw_call *c)
{
	const struct gv_peer_req *q = c->req;
	struct gv_int_resp *r = c->resp;
	struct gvw_worker *w = c->s->w;
	int v = 0, e = gvw_valid_device(c);

	if (!e)
		e = valid_peer(c, q->peer);
	if (e)
		return e;
	if (q->peer != c->dev)
		e = gvw_ex(c)->can_access_peer(w, c->s->host_dev[c->dev], c->s->host_dev[q->peer],
					       &v);
	r->value = v;
	return e;
}

int gvw_h_PEER_ENABLE(struct gvw_call *c)
{
	const struct gv_peer_req *q = c->req;
	void *ctx, *peer_ctx;
	int e = gvw_valid_device(c);

	if (!e)
		e = valid_peer(c, q->peer);
	if (e)
		return e;
	if (q->peer == c->dev)
		return cudaErrorInvalidDevice;
	if (q->flags)
		return cudaErrorInvalidValue;
	e = context_of(c, q->peer, &peer_ctx);
	if (!e)
		e = context_of(c, c->dev, &ctx);
	return e ? e : gvw_ex(c)->enable_peer(ctx, peer_ctx, q->flags);
}

int gvw_h_MEMCPY_PEER(struct gvw_call *c)
{
	const struct gv_memcpy_peer_req *q = c->req;
	const struct gvw_alloc *da, *sa;
	void *dctx, *sctx, *stream;
	int e = gvw_valid_device(c);

	if (!e)
		e = valid_peer(c, q->dst_device);
	if (!e)
		e = valid_peer(c, q->src_device);
	if (e)
		return e;
	if (q->size == 0)
		return cudaSuccess;
	da = gvw_alloc_find_range(&c->s->allocs, q->dst, q->size);
	sa = gvw_alloc_find_range(&c->s->allocs, q->src, q->size);
	/* Each range must lie in an allocation of the device named for it. */
	if (!da || !sa || da->device != q->dst_device || sa->device != q->src_device)
		return cudaErrorInvalidValue;
	e = context_of(c, q->src_device, &sctx);
	if (!e)
		e = context_of(c, q->dst_device, &dctx);
	if (!e)
		e = gvw_enter_stream(c, q->stream, &stream); /* the caller's, entered */
	return e ? e : gvw_ex(c)->copy_peer(dctx, da, q->dst, sctx, sa, q->src, q->size, stream);
}
