/* SPDX-License-Identifier: MIT */
/*
 * Graphs' memory nodes (MEM_NODE).  An allocation node's address is known
 * as device memory here from the node's making: it stays the graph's
 * (host-worker/graph_mem.c), so frees outside the graph leave it known.
 * Parameters read back point their access descriptors at storage kept
 * here per node, as the driver's point at its own.
 */
#include <pthread.h>

#include "gvcu.h"

static CUresult node_call(const struct gv_mem_node_req *q, const CUgraphNode *deps,
			  const void *extra, uint32_t extra_len, struct gv_mem_node_resp *r)
{
	CUresult e = gvcu_need_ctx();

	return e ? e
		 : gvcu_node_rpc(GV_OP_MEM_NODE, q, sizeof(*q), deps, q->ndeps, extra, extra_len, r,
				 sizeof(*r));
}

GVCU_EXPORT CUresult cuGraphAddMemAllocNode(CUgraphNode *node, CUgraph g, const CUgraphNode *deps,
					    size_t ndeps, CUDA_MEM_ALLOC_NODE_PARAMS *p)
{
	struct gv_mem_node_req q = {.op = GV_MEM_NODE_ADD_ALLOC, .graph = (uintptr_t)g};
	struct gv_mem_access acc[GV_MAX_MEM_ACCESS];
	struct gv_mem_node_resp *r;
	size_t i;
	CUresult e;

	if (!node || !g || !p || (ndeps && !deps) || (p->accessDescCount && !p->accessDescs))
		return CUDA_ERROR_INVALID_VALUE;
	if (ndeps > GV_MAX_ARRAY || p->accessDescCount > GV_MAX_MEM_ACCESS)
		return CUDA_ERROR_NOT_SUPPORTED; /* more than one request carries */
	q.ndeps = (uint32_t)ndeps;
	q.pool = (struct gv_mem_node_pool){.alloc_type = p->poolProps.allocType,
					   .handle_types = p->poolProps.handleTypes,
					   .loc_type = p->poolProps.location.type,
					   .loc_id = p->poolProps.location.id,
					   .max_size = p->poolProps.maxSize,
					   .usage = p->poolProps.usage,
					   .naccess = (uint32_t)p->accessDescCount,
					   .bytesize = p->bytesize};
	r = calloc(1, sizeof(*r));
	if (!r)
		return CUDA_ERROR_OUT_OF_MEMORY;
	for (i = 0; i < p->accessDescCount; i++)
		acc[i] = (struct gv_mem_access){p->accessDescs[i].location.type,
						p->accessDescs[i].location.id,
						p->accessDescs[i].flags, 0};
	e = node_call(&q, deps, acc, (uint32_t)(sizeof(*acc) * p->accessDescCount), r);
	if (!e) {
		struct gv_region reg = {.base = (uintptr_t)r->dptr,
					.size = p->bytesize,
					.device = gvcu_ctx_device(NULL),
					.kind = GV_REGION_DEVICE,
					.flags = GV_REGION_GRAPH},
				 had;

		/* A graph reuses the addresses of what it freed: known once. */
		if (gv_region_find((const void *)(uintptr_t)r->dptr, &had) ||
		    had.base != reg.base || had.size < reg.size)
			gv_region_add(&reg);
		*node = (CUgraphNode)(uintptr_t)r->handle;
		p->dptr = r->dptr;
	}
	free(r);
	return e;
}

/* Access descriptors read back, per node; the last read stays valid. */
struct access_copy {
	CUgraphNode node;
	CUmemAccessDesc v[GV_MAX_MEM_ACCESS];
	struct access_copy *next;
};
static struct access_copy *copies;
static pthread_mutex_t copies_lock = PTHREAD_MUTEX_INITIALIZER;

static CUmemAccessDesc *access_storage(CUgraphNode node)
{
	struct access_copy *a;

	pthread_mutex_lock(&copies_lock);
	for (a = copies; a && a->node != node; a = a->next)
		;
	if (!a && (a = calloc(1, sizeof(*a)))) {
		a->node = node;
		a->next = copies;
		copies = a;
	}
	pthread_mutex_unlock(&copies_lock);
	return a ? a->v : NULL;
}

GVCU_EXPORT CUresult cuGraphMemAllocNodeGetParams(CUgraphNode node, CUDA_MEM_ALLOC_NODE_PARAMS *p)
{
	struct gv_mem_node_req q = {.op = GV_MEM_NODE_GET_ALLOC, .node = (uintptr_t)node};
	struct gv_mem_node_resp *r;
	CUmemAccessDesc *acc = NULL;
	uint32_t i;
	CUresult e;

	if (!p)
		return CUDA_ERROR_INVALID_VALUE;
	r = calloc(1, sizeof(*r));
	if (!r)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e = node_call(&q, NULL, NULL, 0, r);
	if (!e && r->pool.naccess > GV_MAX_MEM_ACCESS)
		e = CUDA_ERROR_INVALID_VALUE;
	if (!e && r->pool.naccess && !(acc = access_storage(node)))
		e = CUDA_ERROR_OUT_OF_MEMORY;
	if (!e) {
		memset(p, 0, sizeof(*p));
		p->poolProps.allocType = (CUmemAllocationType)r->pool.alloc_type;
		p->poolProps.handleTypes = (CUmemAllocationHandleType)r->pool.handle_types;
		p->poolProps.location.type = (CUmemLocationType)r->pool.loc_type;
		p->poolProps.location.id = r->pool.loc_id;
		p->poolProps.maxSize = r->pool.max_size;
		p->poolProps.usage = (unsigned short)r->pool.usage;
		for (i = 0; i < r->pool.naccess; i++) {
			acc[i].location.type = (CUmemLocationType)r->access[i].loc_type;
			acc[i].location.id = r->access[i].loc_id;
			acc[i].flags = (CUmemAccess_flags)r->access[i].flags;
		}
		p->accessDescs = acc;
		p->accessDescCount = r->pool.naccess;
		p->bytesize = r->pool.bytesize;
		p->dptr = r->dptr;
	}
	free(r);
	return e;
}

GVCU_EXPORT CUresult cuGraphMemFreeNodeGetParams(CUgraphNode node, CUdeviceptr *dptr)
{
	struct gv_mem_node_req q = {.op = GV_MEM_NODE_GET_FREE, .node = (uintptr_t)node};
	struct gv_mem_node_resp *r;
	CUresult e;

	if (!dptr)
		return CUDA_ERROR_INVALID_VALUE;
	r = calloc(1, sizeof(*r));
	if (!r)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e = node_call(&q, NULL, NULL, 0, r);
	if (!e)
		*dptr = r->dptr;
	free(r);
	return e;
}
