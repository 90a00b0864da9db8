/* SPDX-License-Identifier: MIT */
/*
 * Graphs' memory nodes (MEM_NODE).  An allocation node's address is fixed
 * when the node is made and stays the graph's while the graph lives: its
 * memory comes at each launch and goes at a free node, cudaFree or
 * cudaFreeAsync, and comes back at the next launch.  So the session tracks
 * the address range from the node's making (charged to its device bytes)
 * to its graph's destruction, not from allocation to free; it outlives the
 * graph, as a plain allocation, only if its memory is live then.
 */
#include "gen_support.h"
#include "handlers.h"
#include "log.h"

/*
 * Who holds a graph's allocation addresses: the graph, and each executable
 * graph made from it while it had allocation nodes.  When the last goes,
 * the addresses go (but memory still allocated).
 */
struct gvw_graph_ref {
	void *graph;
	uint32_t refs;
};
struct gvw_exec_ref {
	void *exec, *graph;
};
struct gvw_graph_refs {
	struct gvw_graph_ref *g;
	uint32_t ng, capg;
	struct gvw_exec_ref *x;
	uint32_t nx, capx;
};

/* Room for one more of an array of elem bytes; 0, or -1. */
static int room(void **v, uint32_t n, uint32_t *cap, size_t elem)
{
	uint32_t c = *cap ? 2 * *cap : 8;
	void *nv;

	if (n < *cap)
		return 0;
	nv = realloc(*v, c * elem);
	if (!nv)
		return -1;
	*v = nv;
	*cap = c;
	return 0;
}

static struct gvw_graph_ref *ref_of(struct gvw_session *s, void *g)
{
	struct gvw_graph_refs *t = s->graph_refs;
	uint32_t i;

	for (i = 0; t && i < t->ng; i++)
		if (t->g[i].graph == g)
			return &t->g[i];
	return NULL;
}

/* The graph's own hold, taken with its first allocation node. */
static int ref_graph(struct gvw_session *s, void *g)
{
	struct gvw_graph_refs *t = s->graph_refs;

	if (ref_of(s, g))
		return 0;
	if (!t && !(t = s->graph_refs = calloc(1, sizeof(*t))))
		return -1;
	if (room((void **)&t->g, t->ng, &t->capg, sizeof(*t->g)))
		return -1;
	t->g[t->ng++] = (struct gvw_graph_ref){g, 1};
	return 0;
}

/* The graph's addresses forgotten, but those whose memory is still allocated. */
static void addresses_gone(struct gvw_call *c, void *g)
{
	const struct gvg_cuda_fns *t = gvw_ex(c)->cuda_fns;
	struct gvw_session *s = c->s;
	size_t i;

	for (i = s->allocs.n; i-- > 0;) {
		struct gvw_alloc *a = &s->allocs.v[i];
		CUdeviceptr base = 0;
		size_t size = 0;

		if (a->graph != g)
			continue;
		a->graph = NULL;
		/* Still allocated: the session's, until freed; else gone. */
		if (t->cuMemGetAddressRange_v2 &&
		    t->cuMemGetAddressRange_v2(&base, &size, a->base) == CUDA_SUCCESS &&
		    base == a->base)
			continue;
		gvw_untrack(s, a);
	}
}

static void unref(struct gvw_call *c, void *g)
{
	struct gvw_graph_refs *t = c->s->graph_refs;
	struct gvw_graph_ref *r = ref_of(c->s, g);

	if (!r || --r->refs)
		return;
	*r = t->g[--t->ng];
	addresses_gone(c, g);
}

static int node_present(struct gvw_call *c, uint32_t op)
{
	switch (op) {
	case GV_MEM_NODE_ADD_ALLOC:
		return gvg_enter(c, GVG_FN(cuda, cuGraphAddMemAllocNode));
	case GV_MEM_NODE_GET_ALLOC:
		return gvg_enter(c, GVG_FN(cuda, cuGraphMemAllocNodeGetParams));
	case GV_MEM_NODE_GET_FREE:
		return gvg_enter(c, GVG_FN(cuda, cuGraphMemFreeNodeGetParams));
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

/* The wire's pool and access descriptors as the driver's, device ordinals the host's. */
static int params_in(struct gvw_call *c, const struct gv_mem_node_pool *w, uint32_t *at,
		     CUDA_MEM_ALLOC_NODE_PARAMS *p, CUmemAccessDesc **acc)
{
	const struct gv_mem_access *wa = (const void *)((const char *)c->tail + *at);
	uint32_t i;
	int e;

	if (w->naccess > GV_MAX_MEM_ACCESS || c->tail_len - *at != 16ull * w->naccess)
		return CUDA_ERROR_INVALID_VALUE;
	memset(p, 0, sizeof(*p));
	p->poolProps.allocType = (CUmemAllocationType)w->alloc_type;
	p->poolProps.handleTypes = (CUmemAllocationHandleType)w->handle_types;
	p->poolProps.location.type = (CUmemLocationType)w->loc_type;
	p->poolProps.location.id = w->loc_id;
	p->poolProps.maxSize = w->max_size;
	p->poolProps.usage = w->usage;
	p->bytesize = w->bytesize;
	e = gvg_location(c, &p->poolProps.location);
	if (e || !w->naccess)
		return e;
	*acc = calloc(w->naccess, sizeof(**acc));
	if (!*acc)
		return CUDA_ERROR_OUT_OF_MEMORY;
	for (i = 0; i < w->naccess && !e; i++) {
		struct gv_mem_access a;

		memcpy(&a, &wa[i], sizeof(a)); /* the tail need not be aligned */
		(*acc)[i].location.type = (CUmemLocationType)a.loc_type;
		(*acc)[i].location.id = a.loc_id;
		(*acc)[i].flags = (CUmemAccess_flags)a.flags;
		e = gvg_location(c, &(*acc)[i].location);
	}
	p->accessDescs = *acc;
	p->accessDescCount = w->naccess;
	return e;
}

static int params_out(struct gvw_call *c, const CUDA_MEM_ALLOC_NODE_PARAMS *p,
		      struct gv_mem_node_resp *r)
{
	CUmemLocation l = p->poolProps.location;
	size_t i;
	int e = gvg_location_out(c, &l);

	if (e)
		return e;
	if (p->accessDescCount > GV_MAX_MEM_ACCESS)
		return CUDA_ERROR_NOT_SUPPORTED; /* more than a response carries */
	r->pool.alloc_type = p->poolProps.allocType;
	r->pool.handle_types = p->poolProps.handleTypes;
	r->pool.loc_type = l.type;
	r->pool.loc_id = l.id;
	r->pool.max_size = p->poolProps.maxSize;
	r->pool.usage = p->poolProps.usage;
	r->pool.naccess = (uint32_t)p->accessDescCount;
	r->pool.bytesize = p->bytesize;
	r->dptr = p->dptr;
	for (i = 0; i < p->accessDescCount && !e; i++) {
		CUmemLocation al = p->accessDescs[i].location;

		e = gvg_location_out(c, &al);
		r->access[i] = (struct gv_mem_access){al.type, al.id, p->accessDescs[i].flags, 0};
	}
	return e;
}

/*
 * A graph reuses the addresses of an allocation it has freed for a later
 * allocation node, so its ranges may overlap (never another's): the
 * entries of g overlapping [*lo, *hi) widen it, and their bytes are
 * returned; with drop, they go from the table too.
 */
static uint64_t graph_overlap(struct gvw_session *s, void *g, uint64_t *lo, uint64_t *hi, bool drop)
{
	uint64_t had = 0;
	size_t i;

	for (i = s->allocs.n; i-- > 0;) {
		struct gvw_alloc *a = &s->allocs.v[i];

		if (a->graph != g || a->base >= *hi || a->base + a->size <= *lo)
			continue;
		if (a->base < *lo)
			*lo = a->base;
		if (a->base + a->size > *hi)
			*hi = a->base + a->size;
		had += a->size;
		if (drop) {
			s->device_bytes -= a->size;
			gvw_account(s->w, -1, -(int64_t)a->size);
			gvw_alloc_remove(&s->allocs, a);
		}
	}
	return had;
}

/*
 * The node's address range, tracked for the graph g (merged with the
 * graph's ranges it overlaps, charged what it adds); the node goes if it
 * cannot be.
 */
static int track(struct gvw_call *c, CUgraph g, CUgraphNode node, CUdeviceptr p, uint64_t size)
{
	struct gvw_session *s = c->s;
	uint64_t lo = p, hi = p + size, had = graph_overlap(s, g, &lo, &hi, false);
	struct gvw_alloc a = {.base = lo, .size = hi - lo, .device = c->dev, .graph = g};
	size_t grow = gvw_alloc_grow_bytes(&s->allocs);
	int e = gvw_device_room(s, a.size > had ? a.size - had : 0);

	if (!e && grow)
		e = gvw_host_charge(s, grow);
	if (!e && ref_graph(s, g))
		e = CUDA_ERROR_OUT_OF_MEMORY;
	if (e) {
		GVG_DRV(c, cuda, cuGraphDestroyNode)(node);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	lo = p;
	hi = p + size;
	graph_overlap(s, g, &lo, &hi, true);
	if (gvw_alloc_insert(&s->allocs, &a)) {
		/* Only a driver that hands out another's addresses gets here. */
		gvw_log(GVW_ERROR, "session %u: cannot track graph allocation 0x%llx", s->id,
			(unsigned long long)p);
		gvw_host_uncharge(s, grow);
		GVG_DRV(c, cuda, cuGraphDestroyNode)(node);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	s->device_bytes += a.size;
	gvw_account(s->w, 1, (int64_t)a.size);
	return CUDA_SUCCESS;
}

int gvw_h_MEM_NODE(struct gvw_call *c)
{
	const struct gv_mem_node_req *q = c->req;
	struct gv_mem_node_resp *r = c->resp;
	CUDA_MEM_ALLOC_NODE_PARAMS p;
	CUmemAccessDesc *acc = NULL;
	CUgraphNode *deps = NULL, node = NULL;
	CUdeviceptr dptr = 0;
	uint32_t at = 0;
	void *g = NULL;
	int e = node_present(c, q->op);

	if (e)
		return e;
	if ((q->op != GV_MEM_NODE_ADD_ALLOC && (q->ndeps || c->tail_len)) ||
	    q->ndeps > GV_MAX_ARRAY || c->tail_len < 8ull * q->ndeps || c->bulk)
		return CUDA_ERROR_INVALID_VALUE;
	if (q->op != GV_MEM_NODE_ADD_ALLOC) {
		e = gvg_handle(c, q->node, GVW_H_GRAPH_NODE, (void **)&node);
		if (e)
			return e;
	}
	switch (q->op) {
	case GV_MEM_NODE_GET_FREE:
		e = (int)GVG_DRV(c, cuda, cuGraphMemFreeNodeGetParams)(node, &dptr);
		r->dptr = dptr;
		return e;
	case GV_MEM_NODE_GET_ALLOC:
		e = (int)GVG_DRV(c, cuda, cuGraphMemAllocNodeGetParams)(node, &p);
		return e ? e : params_out(c, &p, r);
	default:
		break;
	}
	e = gvg_handle(c, q->graph, GVW_H_GRAPH, &g);
	if (!e && q->ndeps)
		e = gvg_handle_array(c, &at, q->ndeps, GVW_H_GRAPH_NODE, (void **)&deps);
	if (!e)
		e = params_in(c, &q->pool, &at, &p, &acc);
	if (!e)
		e = gvw_device_room(c->s, p.bytesize) ? CUDA_ERROR_OUT_OF_MEMORY : CUDA_SUCCESS;
	if (!e)
		e = (int)GVG_DRV(c, cuda, cuGraphAddMemAllocNode)(&node, g, deps, q->ndeps, &p);
	if (!e)
		e = track(c, g, node, p.dptr, p.bytesize);
	if (!e && !(r->handle = gvg_handle_new(c, GVW_H_GRAPH_NODE, node))) {
		/* Its range stays the graph's, until the graph goes. */
		GVG_DRV(c, cuda, cuGraphDestroyNode)(node);
		e = CUDA_ERROR_OUT_OF_MEMORY;
	}
	r->dptr = p.dptr;
	free(deps);
	free(acc);
	return e;
}

void gvg_graph_destroyed(struct gvw_call *c, void *g)
{
	gvg_graph_forget_doomed(c);
	if (g)
		unref(c, g);
}

int gvg_graph_instantiated(struct gvw_call *c, CUgraph g, CUgraphExec exec)
{
	const struct gvg_cuda_fns *t = gvw_ex(c)->cuda_fns;
	struct gvw_graph_refs *refs = c->s->graph_refs;
	struct gvw_graph_ref *r = ref_of(c->s, g);
	int e = gvg_shadow_exec(c, g, exec);

	if (!e && r && room((void **)&refs->x, refs->nx, &refs->capx, sizeof(*refs->x))) {
		gvg_shadow_exec_forget(c, exec);
		e = CUDA_ERROR_OUT_OF_MEMORY;
	}
	if (e) {
		/* The guest gets no handle for it: it must not outlive this call. */
		if (t->cuGraphExecDestroy)
			t->cuGraphExecDestroy(exec);
		return e;
	}
	if (r) {
		refs->x[refs->nx++] = (struct gvw_exec_ref){exec, g};
		r->refs++;
	}
	return CUDA_SUCCESS;
}

void gvg_graph_exec_gone(struct gvw_call *c, CUgraphExec exec)
{
	struct gvw_graph_refs *refs = c->s->graph_refs;
	uint32_t i;

	gvg_shadow_exec_forget(c, exec);
	for (i = 0; refs && i < refs->nx; i++) {
		if (refs->x[i].exec == exec) {
			void *g = refs->x[i].graph;

			refs->x[i] = refs->x[--refs->nx];
			unref(c, g);
			return;
		}
	}
}

void gvw_graph_refs_free(struct gvw_session *s)
{
	if (!s->graph_refs)
		return;
	free(s->graph_refs->g);
	free(s->graph_refs->x);
	free(s->graph_refs);
	s->graph_refs = NULL;
}

struct gvw_alloc *gvw_graph_alloc_at(struct gvw_session *s, uint64_t ptr)
{
	struct gvw_alloc *a = gvw_alloc_find_range(&s->allocs, ptr, 1);

	return a && a->graph ? a : NULL;
}
