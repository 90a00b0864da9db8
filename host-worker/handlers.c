/* SPDX-License-Identifier: MIT */
/*
 * The host side of each protocol op.  Requests arrive decoded but not
 * validated: every device address is resolved against the session's own
 * allocation table, every bulk buffer is checked against the sizes the
 * request states, and arithmetic on guest values is checked for overflow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen_support.h"
#include "handlers.h"
#include "log.h"
#include "output.h"
#include "par_copy.h"
#include "ram_pin.h"

/* What HELLO answers, and VISIBLE_DEVICES again once the devices changed. */
static void hello_resp(const struct gvw_session *s, struct gv_hello_resp *r)
{
	const struct gvw_worker *w = s->w;

	r->host_version = GV_PROTOCOL_VERSION;
	r->session_id = s->id;
	r->driver_version = w->driver_version;
	r->device_count = s->device_count;
	r->device_count_result =
	    s->device_count || w->count_result ? w->count_result : cudaErrorNoDevice;
	r->apis = w->cfg.apis ? w->cfg.apis : GV_API_ALL;
}

int gvw_h_HELLO(struct gvw_call *c)
{
	const struct gv_hello_req *q = c->req;

	hello_resp(c->s, c->resp);
	gvw_log(GVW_DEBUG, "session %u: hello from guest pid %u", c->s->id, q->pid);
	return cudaSuccess;
}

/* Which of the session's devices an entry of CUDA_VISIBLE_DEVICES names: an
 * index, or a GPU- UUID or a unique prefix of one; -1 if none. */
static int visible_entry(struct gvw_call *c, const char *tok)
{
	struct gvw_session *s = c->s;
	int d, found = -1;
	char *end;
	long idx;

	if (*tok >= '0' && *tok <= '9') {
		idx = strtol(tok, &end, 10);
		return !*end && idx < s->device_count ? (int)idx : -1;
	}
	if (strncasecmp(tok, "GPU-", 4) || !tok[4])
		return -1; /* MIG instances and anything else: not a device here */
	for (d = 0; d < s->device_count; d++) {
		char uuid[GVW_UUID_LEN];

		if (!gvw_device_uuid(s->w, s->host_dev[d], uuid) &&
		    !strncasecmp(uuid, tok, strlen(tok)))
			found = found < 0 ? d : -2; /* a prefix of two: neither */
	}
	return found < 0 ? -1 : found;
}

int gvw_h_VISIBLE_DEVICES(struct gvw_call *c)
{
	struct gvw_session *s = c->s;
	struct gv_hello_resp *r = c->resp;
	int dev[GVW_MAX_DEVICES], n = 0, d, i;
	char *spec, *tok, *save = NULL;
	const char *t;
	int e = gvg_string(c, &t);

	if (e)
		return e;
	for (d = 0; d < GVW_MAX_DEVICES; d++)
		if (s->ctx[d])
			return cudaErrorSetOnActiveProcess; /* devices in use already */
	spec = strdup(t ? t : "");
	if (!spec)
		return cudaErrorMemoryAllocation;
	for (tok = strtok_r(spec, ",", &save); tok && n < GVW_MAX_DEVICES;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		d = visible_entry(c, tok);
		for (i = 0; d >= 0 && i < n; i++)
			if (dev[i] == d)
				d = -1; /* named twice: the list ends, as natively */
		if (d < 0)
			break;
		dev[n++] = d;
	}
	free(spec);
	for (i = 0; i < n; i++)
		dev[i] = s->host_dev[dev[i]];
	memcpy(s->host_dev, dev, n * sizeof(*dev));
	s->device_count = n;
	gvw_log(GVW_DEBUG, "session %u: CUDA_VISIBLE_DEVICES leaves %d device(s)", s->id, n);
	hello_resp(s, r);
	return cudaSuccess;
}

int gvw_h_DEVICE_INFO(struct gvw_call *c)
{
	int r = gvw_valid_device(c);

	return r ? r : gvw_ex(c)->device_info(c->s->w, c->s->host_dev[c->dev], c->resp);
}

int gvw_h_DEVICE_SYNCHRONIZE(struct gvw_call *c)
{
	const struct gvw_executor *ex = gvw_ex(c);
	int r = gvw_enter_device(c);

	if (ex->on_synchronize)
		ex->on_synchronize(c->s);
	return r ? r : ex->synchronize(c->ctx);
}

int gvw_h_DEVICE_RESET(struct gvw_call *c)
{
	int r = gvw_valid_device(c);

	if (!r)
		gvw_session_drop_device(c->s, c->dev);
	return r;
}

int gvw_h_MEM_GET_INFO(struct gvw_call *c)
{
	struct gv_mem_info_resp *r = c->resp;
	uint64_t free_b = 0, total_b = 0;
	int e = gvw_enter_device(c);

	if (!e)
		e = gvw_ex(c)->mem_get_info(c->ctx, &free_b, &total_b);
	r->free_bytes = free_b;
	r->total_bytes = total_b;
	return e;
}

int gvw_device_room(struct gvw_session *s, uint64_t size)
{
	uint64_t max = s->w->limits.max_device_bytes;

	if (max && (size > max || s->device_bytes > max - size))
		return gvw_limit_refuse(s, GVW_LIMIT_DEVICE_BYTES, s->device_bytes, size);
	return cudaSuccess;
}

int gvw_track(struct gvw_call *c, struct gvw_alloc *a)
{
	struct gvw_session *s = c->s;
	size_t grow = gvw_alloc_grow_bytes(&s->allocs);
	int e = gvw_device_room(s, a->size); /* a pitched one may be larger than asked */

	if (!e && grow)
		e = gvw_host_charge(s, grow);
	if (e) {
		gvw_ex(c)->mem_free(c->ctx, a);
		return e;
	}
	a->device = c->dev;
	if (gvw_alloc_insert(&s->allocs, a)) {
		/* Only a broken executor returns overlapping ranges. */
		gvw_log(GVW_ERROR, "session %u: cannot track allocation 0x%llx", s->id,
			(unsigned long long)a->base);
		gvw_host_uncharge(s, grow);
		gvw_ex(c)->mem_free(c->ctx, a);
		return cudaErrorMemoryAllocation;
	}
	s->device_bytes += a->size;
	gvw_account(s->w, 1, (int64_t)a->size);
	return cudaSuccess;
}

int gvw_alloc_tracked(struct gvw_call *c, uint64_t size, int managed, unsigned int flags,
		      struct gv_ptr_resp *r)
{
	struct gvw_alloc a = {0};
	int e;

	if (size == 0)
		return cudaSuccess; /* native: *devPtr = NULL, success */
	e = gvw_device_room(c->s, size);
	if (e)
		return e;
	e = managed ? gvw_ex(c)->mem_alloc_managed(c->ctx, size, flags, &a)
		    : gvw_ex(c)->mem_alloc(c->ctx, size, &a);
	if (e)
		return e;
	e = gvw_track(c, &a);
	if (!e)
		r->ptr = a.base;
	return e;
}

int gvw_h_MALLOC(struct gvw_call *c)
{
	const struct gv_malloc_req *q = c->req;
	struct gv_ptr_resp *r = c->resp;
	int e = gvw_enter_device(c);

	return e ? e : gvw_alloc_tracked(c, q->size, 0, 0, r);
}

int gvw_h_MALLOC_PITCH(struct gvw_call *c)
{
	const struct gv_malloc_pitch_req *q = c->req;
	struct gv_malloc_pitch_resp *r = c->resp;
	struct gvw_alloc a = {0};
	uint64_t pitch = 0;
	int e = gvw_enter_device(c);

	if (e)
		return e;
	if (q->width == 0 || q->height == 0)
		return cudaSuccess; /* native: NULL pointer, success */
	if (q->width > (1ull << 40) || q->height > (1ull << 40))
		return cudaErrorMemoryAllocation;
	/* At least width * height (both below 2^40; saturated); gvw_track() checks the rest. */
	e = gvw_device_room(c->s,
			    q->height > UINT64_MAX / q->width ? UINT64_MAX : q->width * q->height);
	if (e)
		return e;
	e = gvw_ex(c)->mem_alloc_pitch(c->ctx, q->width, q->height, &pitch, &a);
	if (e)
		return e;
	e = gvw_track(c, &a);
	if (!e) {
		r->ptr = a.base;
		r->pitch = pitch;
	}
	return e;
}

int gvw_h_FREE(struct gvw_call *c)
{
	const struct gv_ptr_req *q = c->req;
	struct gvw_session *s = c->s;
	struct gvw_alloc *a;
	int e;

	if (q->ptr == 0)
		return cudaSuccess;
	a = gvw_alloc_find_base(&s->allocs, q->ptr);
	if (!a)
		a = gvw_graph_alloc_at(s, q->ptr);
	if (!a || !gvw_alloc_owned(a))
		return cudaErrorInvalidValue;
	/* The allocation may belong to another device than the current one. */
	e = gvw_ex(c)->ctx_enter(s->ctx[a->device]);
	if (!e && a->graph) {
		/* One of a graph's allocations: the one at ptr (its range stays the graph's). */
		struct gvw_alloc one = *a;

		one.base = q->ptr;
		e = gvw_ex(c)->mem_free(s->ctx[a->device], &one);
	} else if (!e) {
		e = gvw_ex(c)->mem_free(s->ctx[a->device], a);
	}
	if (e)
		return e;
	gvw_untrack(s, a);
	return cudaSuccess;
}

void gvw_untrack(struct gvw_session *s, struct gvw_alloc *a)
{
	int64_t size = (int64_t)a->size;

	/* Freed outside its graph, it comes back at the graph's next launch. */
	if (a->graph)
		return;
	s->device_bytes -= a->size;
	gvw_alloc_remove(&s->allocs, a);
	gvw_account(s->w, -1, -size);
}

/*
 * Copies go through a staging buffer when their pieces are small (guest
 * RAM mapped by a worker comes as the guest's pages, often 4 KiB apart:
 * one driver copy per chunk instead of one per page), or when the buffer
 * is pinned and the copy large: pinned, the GPU moves one chunk while
 * several threads gather (or scatter) the next, faster than the driver's
 * own path for pageable memory.
 */
#define STAGE_BELOW	  (256u << 10)
#define STAGE_PINNED_FROM (1u << 20)
#define STAGE_CHUNK	  (GVW_STAGE_BYTES / 2)

/*
 * The copy through two chunk buffers: to the device, chunk k is gathered
 * while chunk k - 1 moves; from it, chunk k is scattered while k + 1
 * moves.  stream_sync waits for the one in flight before its buffer is
 * used again.
 */
static int staged_copy(struct gvw_call *c, const struct gvw_alloc *a, uint64_t at, void *stream,
		       int to_device)
{
	const struct gvw_executor *ex = gvw_ex(c);
	const struct gvw_bulk *b = c->bulk;
	unsigned char *buf = gvw_stage_buf(c->s, c->ctx, GVW_STAGE_BYTES), *half[2];
	struct gvw_piece_at cur = {0, 0};
	uint64_t left = b->len, pos = at;
	size_t n = 0, prev_n = 0;
	unsigned int k;
	int e = 0;

	if (!buf)
		return cudaErrorMemoryAllocation;
	half[0] = buf;
	half[1] = buf + STAGE_CHUNK;
	if (to_device) {
		for (k = 0; left && !e; k++) {
			n = left < STAGE_CHUNK ? (size_t)left : STAGE_CHUNK;
			if (gvw_par_copy(b, &cur, half[k & 1], n, 1))
				e = cudaErrorInvalidValue; /* pieces short of b->len */
			if (!e && k)
				e = ex->stream_sync(c->ctx, stream); /* chunk k - 1 moved */
			if (!e)
				e = ex->htod_start(c->ctx, a, pos, half[k & 1], n, stream);
			pos += n;
			left -= n;
		}
		return e ? e : ex->stream_sync(c->ctx, stream);
	}
	n = left < STAGE_CHUNK ? (size_t)left : STAGE_CHUNK;
	e = ex->dtoh_start(c->ctx, half[0], a, pos, n, stream);
	for (k = 0; left && !e; k++) {
		e = ex->stream_sync(c->ctx, stream); /* chunk k is in its buffer */
		prev_n = n;
		pos += prev_n;
		left -= prev_n;
		if (!e && left) {
			n = left < STAGE_CHUNK ? (size_t)left : STAGE_CHUNK;
			e = ex->dtoh_start(c->ctx, half[(k + 1) & 1], a, pos, n, stream);
		}
		if (!e && gvw_par_copy(b, &cur, half[k & 1], prev_n, 0))
			e = cudaErrorInvalidValue;
	}
	return e;
}

/*
 * A copy between the message's bulk buffer and the device range at addr,
 * iovec by iovec (or staged, for many small ones): to the device when
 * to_device, else from it.
 */
static int bulk_copy(struct gvw_call *c, uint64_t addr, uint64_t size, uint64_t stream_h,
		     int to_device)
{
	const struct gvw_alloc *a;
	uint64_t at = addr;
	void *stream;
	unsigned int i;
	int e;

	if (!gvw_bulk_ok(c, to_device ? GV_BULK_TO_HOST : GV_BULK_FROM_HOST, size))
		return cudaErrorInvalidValue;
	e = gvw_enter_stream(c, stream_h, &stream);
	if (e)
		return e;
	if (size == 0)
		return cudaSuccess;
	a = gvw_alloc_find_range(&c->s->allocs, addr, size);
	if (!a)
		return cudaErrorInvalidValue;
	if ((c->bulk->niov > 1 && c->bulk->len / c->bulk->niov < STAGE_BELOW) ||
	    (c->bulk->len >= STAGE_PINNED_FROM && gvw_stage_pinned(c->s, c->ctx)))
		return staged_copy(c, a, addr, stream, to_device);
	for (i = 0; i < c->bulk->niov && !e; i++) {
		void *host = c->bulk->iov[i].base;
		size_t n = c->bulk->iov[i].len;

		e = to_device ? gvw_ex(c)->htod(c->ctx, a, at, host, n, stream)
			      : gvw_ex(c)->dtoh(c->ctx, host, a, at, n, stream);
		at += n;
	}
	return e;
}

int gvw_h_MEMCPY_HTOD(struct gvw_call *c)
{
	const struct gv_memcpy_req *q = c->req;

	return bulk_copy(c, q->dst, q->size, q->stream, 1);
}

/*
 * An inline copy's device side: q's stream entered and the session's
 * allocation holding [addr, addr + size) in *a; -1 when there is nothing
 * to copy, else 0 or the error.
 */
static int inline_copy(struct gvw_call *c, const struct gv_memcpy_req *q, uint64_t addr,
		       const struct gvw_alloc **a, void **stream)
{
	int e = gvw_enter_stream(c, q->stream, stream);

	if (e || q->size == 0)
		return e ? e : -1;
	*a = gvw_alloc_find_range(&c->s->allocs, addr, q->size);
	return *a ? 0 : cudaErrorInvalidValue;
}

/* The bytes are the request's tail, copied out of the message already. */
int gvw_h_MEMCPY_HTOD_INLINE(struct gvw_call *c)
{
	const struct gv_memcpy_req *q = c->req;
	const struct gvw_alloc *a;
	void *stream;
	int e;

	if (q->size != c->tail_len || q->src)
		return cudaErrorInvalidValue;
	e = inline_copy(c, q, q->dst, &a, &stream);
	if (e)
		return e < 0 ? cudaSuccess : e;
	return gvw_ex(c)->htod(c->ctx, a, q->dst, c->tail, q->size, stream);
}

/* The bytes go back in the response (zeroed by the dispatch past them). */
int gvw_h_MEMCPY_DTOH_INLINE(struct gvw_call *c)
{
	const struct gv_memcpy_req *q = c->req;
	struct gv_inline_copy_resp *r = c->resp;
	const struct gvw_alloc *a;
	void *stream;
	int e;

	if (q->size > sizeof(r->data) || q->dst)
		return cudaErrorInvalidValue;
	e = inline_copy(c, q, q->src, &a, &stream);
	if (e)
		return e < 0 ? cudaSuccess : e;
	return gvw_ex(c)->dtoh(c->ctx, r->data, a, q->src, q->size, stream);
}

int gvw_h_MEMCPY_DTOH(struct gvw_call *c)
{
	const struct gv_memcpy_req *q = c->req;

	return bulk_copy(c, q->src, q->size, q->stream, 0);
}

int gvw_h_MEMCPY_DTOD(struct gvw_call *c)
{
	const struct gv_memcpy_req *q = c->req;
	const struct gvw_alloc *da, *sa;
	void *stream;
	int e = gvw_enter_stream(c, q->stream, &stream);

	if (e)
		return e;
	if (q->size == 0)
		return cudaSuccess;
	da = gvw_alloc_find_range(&c->s->allocs, q->dst, q->size);
	sa = gvw_alloc_find_range(&c->s->allocs, q->src, q->size);
	if (!da || !sa)
		return cudaErrorInvalidValue;
	return gvw_ex(c)->dtod(c->ctx, da, q->dst, sa, q->src, q->size, stream);
}

int gvw_h_MEMSET(struct gvw_call *c)
{
	const struct gv_memset_req *q = c->req;
	const struct gvw_alloc *a;
	void *stream;
	int e = gvw_enter_stream(c, q->stream, &stream);

	if (e)
		return e;
	if (q->size == 0)
		return cudaSuccess;
	a = gvw_alloc_find_range(&c->s->allocs, q->dst, q->size);
	if (!a)
		return cudaErrorInvalidValue;
	return gvw_ex(c)->memset8(c->ctx, a, q->dst, (uint8_t)q->value, q->size, stream);
}

/* Bytes a pitched region spans: (height - 1) * pitch + width, or -1. */
static int span2d(uint64_t pitch, uint64_t width, uint64_t height, uint64_t *out)
{
	if (height - 1 > UINT64_MAX / (pitch ? pitch : 1))
		return -1;
	if ((height - 1) * pitch > UINT64_MAX - width)
		return -1;
	*out = (height - 1) * pitch + width;
	return 0;
}

/*
 * A contiguous view of a bulk buffer: itself, or a staging copy of it
 * holding the guest's bytes (for GV_BULK_UPDATE, the gaps between rows
 * are scattered back and must stay as they were).
 */
void *gvw_bulk_flat(const struct gvw_bulk *b, int *staged)
{
	size_t at;
	char *p;
	unsigned int i;

	*staged = 0;
	if (b->niov == 1)
		return b->iov[0].base;
	p = malloc(b->len ? b->len : 1);
	if (!p)
		return NULL;
	*staged = 1;
	for (i = 0, at = 0; i < b->niov; i++) {
		memcpy(p + at, b->iov[i].base, b->iov[i].len);
		at += b->iov[i].len;
	}
	return p;
}

void gvw_bulk_scatter(const struct gvw_bulk *b, const void *flat)
{
	size_t at = 0;
	unsigned int i;

	for (i = 0; i < b->niov; i++) {
		memcpy(b->iov[i].base, (const char *)flat + at, b->iov[i].len);
		at += b->iov[i].len;
	}
}

int gvw_h_MEMCPY_2D(struct gvw_call *c)
{
	const struct gv_memcpy2d_req *q = c->req;
	const struct gvw_alloc *da = NULL, *sa = NULL;
	uint64_t dspan, sspan;
	void *host = NULL, *stream;
	int staged = 0, e;

	if (q->width > q->dpitch || q->width > q->spitch)
		return cudaErrorInvalidPitchValue;
	if (q->kind != cudaMemcpyHostToDevice && q->kind != cudaMemcpyDeviceToHost &&
	    q->kind != cudaMemcpyDeviceToDevice)
		return cudaErrorInvalidMemcpyDirection;
	if (q->width == 0 || q->height == 0)
		return c->bulk && c->bulk->len ? cudaErrorInvalidValue : cudaSuccess;
	if (span2d(q->dpitch, q->width, q->height, &dspan) ||
	    span2d(q->spitch, q->width, q->height, &sspan))
		return cudaErrorInvalidValue;
	if (q->kind == cudaMemcpyHostToDevice && !gvw_bulk_ok(c, GV_BULK_TO_HOST, sspan))
		return cudaErrorInvalidValue;
	/* Only the rows are written: the gaps keep the guest's bytes. */
	if (q->kind == cudaMemcpyDeviceToHost && !gvw_bulk_ok(c, GV_BULK_UPDATE, dspan))
		return cudaErrorInvalidValue;
	if (q->kind == cudaMemcpyDeviceToDevice && c->bulk)
		return cudaErrorInvalidValue;
	e = gvw_enter_stream(c, q->stream, &stream);
	if (e)
		return e;
	if (q->kind != cudaMemcpyDeviceToHost &&
	    !(da = gvw_alloc_find_range(&c->s->allocs, q->dst, dspan)))
		return cudaErrorInvalidValue;
	if (q->kind != cudaMemcpyHostToDevice &&
	    !(sa = gvw_alloc_find_range(&c->s->allocs, q->src, sspan)))
		return cudaErrorInvalidValue;
	if (c->bulk) {
		host = gvw_bulk_flat(c->bulk, &staged);
		if (!host)
			return cudaErrorMemoryAllocation;
	}
	e = gvw_ex(c)->copy2d(c->ctx, da, q->dst, da ? NULL : host, q->dpitch, sa, q->src,
			      sa ? NULL : host, q->spitch, q->width, q->height, stream);
	if (staged) {
		if (!e && q->kind == cudaMemcpyDeviceToHost)
			gvw_bulk_scatter(c->bulk, host);
		free(host);
	}
	return e;
}

int gvw_h_POINTER_ATTRS(struct gvw_call *c)
{
	const struct gv_ptr_req *q = c->req;
	struct gv_pointer_attrs_resp *r = c->resp;
	const struct gvw_alloc *a = gvw_alloc_find_range(&c->s->allocs, q->ptr, 0);

	r->type = GV_MEM_UNREGISTERED;
	r->device = -2;
	if (a) {
		r->type = GV_MEM_DEVICE;
		r->device = a->device;
		r->device_ptr = q->ptr;
		r->alloc_base = a->base;
		r->alloc_size = a->size;
	}
	return cudaSuccess;
}

/* The guest's queue of asynchronous calls was full: they came before this. */
int gvw_h_FLUSH(struct gvw_call *c)
{
	return cudaSuccess;
}

/* The worker's captured stdout and stderr, a chunk at a time (GV_RESP_F_OUTPUT says more). */
int gvw_h_TAKE_OUTPUT(struct gvw_call *c)
{
	struct gv_output_resp *r = c->resp;
	uint32_t dropped;
	int fd;

	r->len = (uint32_t)gvw_output_take(r->data, sizeof(r->data), &dropped, &fd);
	r->dropped = dropped;
	r->fd = (uint32_t)fd;
	return cudaSuccess;
}

int gvw_h_STATS(struct gvw_call *c)
{
	struct gv_stats_resp *r = c->resp;
	struct gvw_worker *w = c->s->w;

	r->session_id = c->s->id;
	r->session_calls = c->s->calls;
	r->session_requests = c->s->requests;
	r->session_exec_ns = c->s->exec_ns;
	r->session_allocs = c->s->allocs.n;
	r->session_bytes = c->s->allocs.bytes;
	if (c->s->have_vm_stats) {
		/* A worker process: the parent's figures, as of this request. */
		r->sessions = c->s->vm_stats.sessions;
		r->total_allocs = c->s->vm_stats.total_allocs;
		r->total_bytes = c->s->vm_stats.total_bytes;
		r->sessions_closed = c->s->vm_stats.sessions_closed;
		r->bytes_freed_at_close = c->s->vm_stats.bytes_freed_at_close;
		return cudaSuccess;
	}
	pthread_mutex_lock(&w->lock);
	r->sessions = w->nsessions;
	r->total_allocs = w->total_allocs;
	r->total_bytes = w->total_bytes;
	r->sessions_closed = w->sessions_closed;
	r->bytes_freed_at_close = w->bytes_freed_at_close;
	pthread_mutex_unlock(&w->lock);
	return cudaSuccess;
}
