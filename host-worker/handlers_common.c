/* SPDX-License-Identifier: MIT */
/* Checks every handler shares: the device, the context, bulk buffers, streams. */
#include "handlers.h"
#include "log.h"
#include "ram_pin.h"

const struct gvw_executor *gvw_ex(struct gvw_call *c)
{
	return c->s->w->ex;
}

int gvw_valid_device(struct gvw_call *c)
{
	struct gvw_worker *w = c->s->w;

	if (c->s->device_count <= 0)
		return w->count_result ? w->count_result : cudaErrorNoDevice;
	if (c->dev < 0 || c->dev >= c->s->device_count || c->dev >= GVW_MAX_DEVICES)
		return cudaErrorInvalidDevice;
	return cudaSuccess;
}

/* The caller's device, with the session's context on it current. */
int gvw_enter_device(struct gvw_call *c)
{
	int r = gvw_valid_device(c);

	if (r)
		return r;
	if (!c->s->ctx[c->dev]) {
		r = gvw_ex(c)->ctx_create(c->s->w, c->s->host_dev[c->dev], &c->s->ctx[c->dev]);
		if (r)
			return r;
		gvw_ram_pin_start(c->s->w, c->s->ctx[c->dev]);
	}
	c->ctx = c->s->ctx[c->dev];
	return gvw_ex(c)->ctx_enter(c->ctx);
}

int gvw_bulk_ok(struct gvw_call *c, uint32_t dir, uint64_t len)
{
	if (!c->bulk || c->bulk->dir != dir || c->bulk->len != len) {
		gvw_log(GVW_WARN,
			"session %u: bulk buffer is %llu bytes dir %u, "
			"the request needs %llu bytes dir %u",
			c->s->id, c->bulk ? (unsigned long long)c->bulk->len : 0ULL,
			c->bulk ? c->bulk->dir : 0, (unsigned long long)len, dir);
		return 0;
	}
	return 1;
}

int gvw_stream_of(struct gvw_call *c, uint64_t h, void **out)
{
	struct gvw_handle_slot *slot;

	/* The default streams map to the driver's own special values. */
	if (h == GV_STREAM_DEFAULT || h == GV_STREAM_LEGACY || h == GV_STREAM_PER_THREAD) {
		*out = h == GV_STREAM_DEFAULT ? NULL : (void *)(uintptr_t)h;
		return cudaSuccess;
	}
	slot = gvw_handle_get(&c->s->handles, h, GVW_H_STREAM);
	if (!slot || slot->device != c->dev)
		return cudaErrorInvalidResourceHandle;
	*out = slot->obj;
	return cudaSuccess;
}

uint64_t gvw_handle_add(struct gvw_call *c, enum gvw_handle_kind kind, void *obj, uint64_t bytes)
{
	struct gvw_session *s = c->s;
	struct gvw_handles *t = &s->handles;
	uint32_t max = s->w->limits.max_handles;
	size_t grow = gvw_handles_grow_bytes(t);
	uint64_t h;

	if (t->live >= max) {
		gvw_limit_refuse(s, GVW_LIMIT_HANDLES, t->live, 1);
		return 0;
	}
	/* The table's own growth is the session's too; it never shrinks. */
	if (grow && gvw_host_charge(s, grow))
		return 0;
	h = gvw_handle_new(t, kind, c->dev, obj, max);
	if (!h) {
		gvw_host_uncharge(s, grow);
		return 0;
	}
	gvw_handle_get(t, h, kind)->bytes = bytes;
	return h;
}

void gvw_handle_drop(struct gvw_session *s, struct gvw_handle_slot *slot)
{
	if (slot->kind == GVW_H_MODULE)
		s->module_bytes -= slot->bytes;
	gvw_host_uncharge(s, slot->bytes);
	gvw_handle_free(&s->handles, slot);
}

int gvw_enter_stream(struct gvw_call *c, uint64_t h, void **stream)
{
	int e = gvw_enter_device(c);

	return e ? e : gvw_stream_of(c, h, stream);
}
