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
	const struct gvg_cuda_fns *t = gvw_ex(c)->cuda_fns;
	struct gvw_session *s = c->s;
	size_t i;

	gvg_graph_forget_doomed(c);
	for (i = s->allocs.n; g && i-- > 0;) {
		struct gvw_alloc *a = &s->allocs.v[i];
		CUdeviceptr base = 0;
		size_t size = 0;

		if (a->graph != g)
			continue;
		a->graph = NULL;
		/* Still allocated: the session's, until freed; else gone with the graph. */
		if (t->cuMemGetAddressRange_v2 &&
		    t->cuMemGetAddressRange_v2(&base, &size, a->base) == CUDA_SUCCESS &&
		    base == a->base)
			continue;
		gvw_untrack(s, a);
	}
}
