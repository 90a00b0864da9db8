/* SPDX-License-Identifier: MIT */
/*
 * Host shadows (include/gvirtus/protocol.h): the session's own buffers that
 * graphs' copy nodes read and write in place of guest host memory, which
 * the host may touch only while a request that names it runs.  The guest
 * fills a shadow before each launch of a graph that reads it and reads it
 * back after a launch that writes it; an event recorded after such a
 * launch says when the bytes are there.
 *
 * Shadows live until the session ends (a graph may name one for as long as
 * it exists, and graphs are cloned, nested and instantiated by the driver,
 * out of our sight): the same guest range gets the same shadow back, and
 * their count and bytes are bounded (host bytes are charged to the
 * session).  Each executable graph's shadows are found in its copy nodes
 * when it is instantiated.
 */
#include <stdlib.h>
#include <string.h>

#include "gen_support.h"
#include "log.h"
#include "shadow.h"

#define MAX_SHADOWS    1024
#define WALK_DEPTH     8 /* child graphs within child graphs */
#define WALK_MAX_NODES 65536

struct gvw_shadow {
	void *buf;
	uint64_t len, guest;
	void *ev, *ev_ctx; /* recorded after the last launch that writes it */
};

struct gvw_exec_shadows {
	void *exec, *ctx; /* CUgraphExec, and the context it was made in */
	/* Per copy node and shadow: a node given new parameters in the
	 * executable graph drops what it used before. */
	uint32_t n;
	void *node[GV_MAX_GRAPH_SHADOWS];
	uint32_t idx[GV_MAX_GRAPH_SHADOWS];
	uint32_t use[GV_MAX_GRAPH_SHADOWS]; /* enum gv_shadow_use */
	bool host_nodes;		    /* it has host nodes: it may not write shadows */
};

struct gvw_shadows {
	struct gvw_shadow *v;
	uint32_t n, cap;
	struct gvw_exec_shadows *x;
	uint32_t nx, capx;
	uint64_t bytes;
};

static struct gvw_shadow *lookup(struct gvw_session *s, uint64_t h)
{
	uint64_t i = h - GV_SHADOW_HANDLE_TAG - 1;

	if (!s->shadows || (h & 0xffff000000000000ull) != GV_SHADOW_HANDLE_TAG ||
	    i >= s->shadows->n)
		return NULL;
	return &s->shadows->v[i];
}

void *gvw_shadow_span(struct gvw_session *s, uint64_t h, uint64_t first, uint64_t len)
{
	struct gvw_shadow *sh = lookup(s, h);

	if (!sh || len == 0 || first > sh->len || len > sh->len - first)
		return NULL;
	return sh->buf;
}

/* The shadow holding host address p, as an index; -1 when none does. */
static int64_t holding(struct gvw_session *s, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	uint32_t i;

	for (i = 0; s->shadows && i < s->shadows->n; i++) {
		uintptr_t b = (uintptr_t)s->shadows->v[i].buf;

		if (a >= b && a - b < s->shadows->v[i].len)
			return i;
	}
	return -1;
}

int gvw_shadow_of(struct gvw_session *s, const void *p, uint64_t *handle, uint64_t *offset,
		  uint64_t *guest)
{
	int64_t i = holding(s, p);

	if (i < 0)
		return -1;
	*handle = GV_SHADOW_HANDLE_TAG + (uint64_t)i + 1;
	*offset = (uintptr_t)p - (uintptr_t)s->shadows->v[i].buf;
	*guest = s->shadows->v[i].guest;
	return 0;
}

int gvw_h_SHADOW_GET(struct gvw_call *c)
{
	const struct gv_shadow_get_req *q = c->req;
	struct gv_handle_resp *r = c->resp;
	struct gvw_session *s = c->s;
	struct gvw_shadows *t = s->shadows;
	struct gvw_shadow *sh;
	uint64_t rounded;
	uint32_t i;
	int e;

	if (q->len == 0 || q->len > (1ull << 40))
		return cudaErrorInvalidValue;
	if (!t && !(t = s->shadows = calloc(1, sizeof(*t))))
		return cudaErrorMemoryAllocation;
	for (i = 0; i < t->n; i++) {
		if (t->v[i].guest == q->guest && t->v[i].len == q->len) {
			r->handle = GV_SHADOW_HANDLE_TAG + i + 1;
			return cudaSuccess;
		}
	}
	if (t->n == MAX_SHADOWS) {
		gvw_log(GVW_WARN, "session %u: more than %d host shadows of graph copies refused",
			s->id, MAX_SHADOWS);
		return cudaErrorMemoryAllocation;
	}
	rounded = (q->len + 4095) & ~4095ull;
	e = gvw_host_charge(s, rounded);
	if (e)
		return e;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? 2 * t->cap : 16;
		void *v = realloc(t->v, cap * sizeof(*t->v));

		if (!v) {
			gvw_host_uncharge(s, rounded);
			return cudaErrorMemoryAllocation;
		}
		t->v = v;
		t->cap = cap;
	}
	sh = &t->v[t->n];
	memset(sh, 0, sizeof(*sh));
	sh->buf = aligned_alloc(4096, rounded);
	if (!sh->buf) {
		gvw_host_uncharge(s, rounded);
		return cudaErrorMemoryAllocation;
	}
	memset(sh->buf, 0, rounded);
	sh->len = q->len;
	sh->guest = q->guest;
	t->bytes += rounded;
	r->handle = GV_SHADOW_HANDLE_TAG + ++t->n;
	return cudaSuccess;
}

/* q's range of its shadow, and the bulk buffer of the same length. */
static struct gvw_shadow *io_range(struct gvw_call *c, const struct gv_shadow_io_req *q,
				   uint32_t dir)
{
	struct gvw_shadow *sh = lookup(c->s, q->handle);

	if (!sh || q->offset > sh->len || q->len > sh->len - q->offset ||
	    !gvw_bulk_ok(c, dir, q->len))
		return NULL;
	return sh;
}

int gvw_h_SHADOW_WRITE(struct gvw_call *c)
{
	const struct gv_shadow_io_req *q = c->req;
	struct gvw_shadow *sh = io_range(c, q, GV_BULK_TO_HOST);
	char *at;
	unsigned int i;

	if (!sh)
		return cudaErrorInvalidValue;
	at = (char *)sh->buf + q->offset;
	for (i = 0; i < c->bulk->niov; i++) {
		memcpy(at, c->bulk->iov[i].base, c->bulk->iov[i].len);
		at += c->bulk->iov[i].len;
	}
	return cudaSuccess;
}

int gvw_h_SHADOW_READ(struct gvw_call *c)
{
	const struct gv_shadow_io_req *q = c->req;
	struct gv_shadow_read_resp *r = c->resp;
	struct gvw_shadow *sh = io_range(c, q, GV_BULK_FROM_HOST);
	const char *at;
	unsigned int i;

	if (!sh)
		return cudaErrorInvalidValue;
	if (sh->ev) {
		int e = gvw_ex(c)->event_query(sh->ev_ctx, sh->ev);

		if (e == CUDA_ERROR_NOT_READY)
			return cudaSuccess; /* ready stays 0 */
		if (e)
			return e;
	}
	at = (const char *)sh->buf + q->offset;
	for (i = 0; i < c->bulk->niov; i++) {
		memcpy(c->bulk->iov[i].base, at, c->bulk->iov[i].len);
		at += c->bulk->iov[i].len;
	}
	r->ready = 1;
	return cudaSuccess;
}

static struct gvw_exec_shadows *exec_find(struct gvw_session *s, void *exec)
{
	uint32_t i;

	for (i = 0; s->shadows && i < s->shadows->nx; i++)
		if (s->shadows->x[i].exec == exec)
			return &s->shadows->x[i];
	return NULL;
}

static struct gvw_exec_shadows *exec_get(struct gvw_session *s, void *ctx, void *exec)
{
	struct gvw_shadows *t = s->shadows;
	struct gvw_exec_shadows *x = exec_find(s, exec);

	if (x)
		return x;
	if (t->nx == t->capx) {
		uint32_t cap = t->capx ? 2 * t->capx : 8;
		void *v = realloc(t->x, cap * sizeof(*t->x));

		if (!v)
			return NULL;
		t->x = v;
		t->capx = cap;
	}
	x = &t->x[t->nx++];
	x->exec = exec;
	x->ctx = ctx;
	x->n = 0;
	x->host_nodes = false;
	return x;
}

/*
 * A host node runs in the guest while the graph runs, but a shadow's bytes
 * reach the guest only at a synchronizing call: a host node would read the
 * buffer from before the copy that natively came first.  So a graph that
 * has both is refused rather than run wrong.
 */
static int host_node_hazard(const struct gvw_session *s, const struct gvw_exec_shadows *x)
{
	uint32_t k;

	for (k = 0; x->host_nodes && k < x->n; k++) {
		if (x->use[k] & GV_SHADOW_WRITTEN) {
			gvw_log(GVW_WARN,
				"session %u: a graph with host nodes copies into the guest's host "
				"memory, which its host nodes would not see until the next "
				"synchronizing call: not supported",
				s->id);
			return CUDA_ERROR_NOT_SUPPORTED;
		}
	}
	return CUDA_SUCCESS;
}

/* Notes that exec's node reads or writes (use) the shadow holding p, if any. */
static int exec_note(struct gvw_session *s, void *ctx, void *exec, void *node, const void *p,
		     uint32_t use)
{
	int64_t i = holding(s, p);
	struct gvw_exec_shadows *x;
	uint32_t k;

	if (i < 0)
		return CUDA_SUCCESS;
	x = exec_get(s, ctx, exec);
	if (!x)
		return CUDA_ERROR_OUT_OF_MEMORY;
	for (k = 0; k < x->n; k++) {
		if (x->idx[k] == (uint32_t)i && x->node[k] == node) {
			x->use[k] |= use;
			return CUDA_SUCCESS;
		}
	}
	if (x->n == GV_MAX_GRAPH_SHADOWS) {
		gvw_log(GVW_WARN,
			"session %u: a graph copies from or to more than %d guest host "
			"buffers: refused",
			s->id, GV_MAX_GRAPH_SHADOWS);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	x->node[x->n] = node;
	x->idx[x->n] = (uint32_t)i;
	x->use[x->n++] = use;
	return CUDA_SUCCESS;
}

/* A copy's host address on one side, or NULL for device and array sides. */
static const void *host_side(CUmemorytype type, const void *host, CUdeviceptr dev)
{
	if (type == CU_MEMORYTYPE_HOST)
		return host;
	if (type == CU_MEMORYTYPE_UNIFIED)
		return (const void *)(uintptr_t)dev;
	return NULL;
}

void gvw_shadow_forget_node(struct gvw_session *s, void *exec, void *node)
{
	struct gvw_exec_shadows *x = exec_find(s, exec);
	uint32_t k;

	for (k = 0; x && k < x->n;) {
		if (x->node[k] == node) {
			x->n--;
			x->node[k] = x->node[x->n];
			x->idx[k] = x->idx[x->n];
			x->use[k] = x->use[x->n];
		} else {
			k++;
		}
	}
}

int gvw_shadow_note_copy(struct gvw_session *s, void *ctx, void *exec, void *node,
			 const CUDA_MEMCPY3D *m)
{
	const void *src = host_side(m->srcMemoryType, m->srcHost, m->srcDevice);
	const void *dst = host_side(m->dstMemoryType, m->dstHost, m->dstDevice);
	int e = CUDA_SUCCESS;

	struct gvw_exec_shadows *x;

	if (src)
		e = exec_note(s, ctx, exec, node, src, GV_SHADOW_READ);
	if (!e && dst)
		e = exec_note(s, ctx, exec, node, dst, GV_SHADOW_WRITTEN);
	x = exec_find(s, exec);
	return e || !x ? e : host_node_hazard(s, x);
}

static int walk(struct gvw_call *c, CUgraph g, void *exec, int depth, bool *host_nodes)
{
	const struct gvg_cuda_fns *t = gvw_ex(c)->cuda_fns;
	CUgraphNode *nodes;
	size_t n = 0, i;
	int e = CUDA_SUCCESS;

	if (!t->cuGraphGetNodes || !t->cuGraphNodeGetType || !t->cuGraphMemcpyNodeGetParams ||
	    !t->cuGraphChildGraphNodeGetGraph)
		return CUDA_ERROR_NOT_SUPPORTED;
	if (depth > WALK_DEPTH)
		return CUDA_ERROR_NOT_SUPPORTED;
	e = (int)t->cuGraphGetNodes(g, NULL, &n);
	if (e || n == 0)
		return e;
	if (n > WALK_MAX_NODES)
		return CUDA_ERROR_NOT_SUPPORTED;
	nodes = calloc(n, sizeof(*nodes));
	if (!nodes)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e = (int)t->cuGraphGetNodes(g, nodes, &n);
	for (i = 0; i < n && !e; i++) {
		CUgraphNodeType type;
		CUDA_MEMCPY3D m;
		CUgraph child;

		e = (int)t->cuGraphNodeGetType(nodes[i], &type);
		if (e)
			break;
		if (type == CU_GRAPH_NODE_TYPE_MEMCPY) {
			e = (int)t->cuGraphMemcpyNodeGetParams(nodes[i], &m);
			if (!e)
				e = gvw_shadow_note_copy(c->s, c->ctx, exec, nodes[i], &m);
		} else if (type == CU_GRAPH_NODE_TYPE_GRAPH) {
			e = (int)t->cuGraphChildGraphNodeGetGraph(nodes[i], &child);
			if (!e)
				e = walk(c, child, exec, depth + 1, host_nodes);
		} else if (type == CU_GRAPH_NODE_TYPE_HOST) {
			*host_nodes = true;
		}
	}
	free(nodes);
	return e;
}

int gvg_shadow_exec(struct gvw_call *c, CUgraph g, CUgraphExec exec)
{
	struct gvw_exec_shadows *x;
	bool host_nodes = false;
	int e;

	if (!c->s->shadows || !c->s->shadows->n)
		return CUDA_SUCCESS; /* nothing a graph could name */
	e = walk(c, g, exec, 0, &host_nodes);
	x = exec_find(c->s, exec);
	if (!e && x) {
		x->host_nodes = host_nodes;
		e = host_node_hazard(c->s, x);
	}
	if (e && !host_nodes)
		gvw_log(GVW_WARN,
			"session %u: the copies of an instantiated graph could not be "
			"listed (%d): it cannot be launched",
			c->s->id, e);
	if (e)
		gvg_shadow_exec_forget(c, exec);
	return e;
}

int gvg_shadow_update_ok(struct gvw_call *c, CUgraph g, CUgraphExec exec)
{
	struct gvw_exec_shadows *x;
	bool host_nodes = false;
	uint32_t had;
	int e;

	if (!c->s->shadows || !c->s->shadows->n)
		return CUDA_SUCCESS; /* nothing either graph could name */
	x = exec_find(c->s, exec);
	had = x ? x->n : 0;
	e = had ? CUDA_ERROR_NOT_SUPPORTED : walk(c, g, exec, 0, &host_nodes);
	x = exec_find(c->s, exec);
	if (!e && x && x->n)
		e = CUDA_ERROR_NOT_SUPPORTED;
	if (!had && x)
		gvg_shadow_exec_forget(c, exec); /* what the walk noted */
	if (e == CUDA_ERROR_NOT_SUPPORTED)
		gvw_log(GVW_WARN,
			"session %u: an executable graph that copies from or to the guest's "
			"host memory, or a graph that does, cannot be updated: not supported",
			c->s->id);
	return e;
}

int gvg_shadow_launched(struct gvw_call *c, CUgraphExec exec, CUstream stream)
{
	struct gvw_exec_shadows *x = exec_find(c->s, exec);
	const struct gvw_executor *ex = gvw_ex(c);
	uint32_t k;
	int e = CUDA_SUCCESS;

	for (k = 0; x && k < x->n && !e; k++) {
		struct gvw_shadow *sh = &c->s->shadows->v[x->idx[k]];

		if (!(x->use[k] & GV_SHADOW_WRITTEN))
			continue;
		if (sh->ev && sh->ev_ctx != c->ctx) {
			ex->event_destroy(sh->ev_ctx, sh->ev);
			sh->ev = NULL;
		}
		/* Timing off: the event only says when the copy is done. */
		if (!sh->ev && !(e = ex->event_create(c->ctx, CU_EVENT_DISABLE_TIMING, &sh->ev)))
			sh->ev_ctx = c->ctx;
		if (!e)
			e = ex->event_record(c->ctx, sh->ev, stream);
	}
	return e;
}

void gvg_shadow_exec_forget(struct gvw_call *c, CUgraphExec exec)
{
	struct gvw_shadows *t = c->s->shadows;
	struct gvw_exec_shadows *x = exec_find(c->s, exec);

	if (x)
		*x = t->x[--t->nx];
}

int gvw_h_GRAPH_SHADOWS(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	struct gv_graph_shadows_resp *r = c->resp;
	struct gvw_exec_shadows *x;
	void *exec;
	uint32_t k;
	int e = gvg_handle(c, q->handle, GVW_H_GRAPH_EXEC, &exec);

	if (e)
		return e;
	x = exec_find(c->s, exec);
	r->n = 0;
	/* One entry per shadow, whichever nodes use it. */
	for (k = 0; x && k < x->n; k++) {
		const struct gvw_shadow *sh = &c->s->shadows->v[x->idx[k]];
		uint64_t h = GV_SHADOW_HANDLE_TAG + x->idx[k] + 1;
		uint32_t j;

		for (j = 0; j < r->n && r->s[j].handle != h; j++)
			;
		if (j == r->n)
			r->s[r->n++] = (struct gv_graph_shadow){h, sh->guest, sh->len, 0, 0};
		r->s[j].use |= x->use[k];
	}
	return CUDA_SUCCESS;
}

void gvw_shadows_ctx_gone(struct gvw_session *s, void *ctx)
{
	struct gvw_shadows *t = s->shadows;
	uint32_t i;

	if (!t)
		return;
	/* The context's events and executable graphs went with it. */
	for (i = 0; i < t->n; i++) {
		if (t->v[i].ev_ctx == ctx) {
			t->v[i].ev = NULL;
			t->v[i].ev_ctx = NULL;
		}
	}
	for (i = 0; i < t->nx;) {
		if (t->x[i].ctx == ctx)
			t->x[i] = t->x[--t->nx];
		else
			i++;
	}
}

void gvw_shadows_drop(struct gvw_session *s)
{
	struct gvw_shadows *t = s->shadows;
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].buf);
	gvw_host_uncharge(s, t->bytes);
	free(t->v);
	free(t->x);
	free(t);
	s->shadows = NULL;
}
