/* SPDX-License-Identifier: MIT */
/*
 * The node arrays the driver lists (GRAPH_NODES): a graph's nodes, roots and
 * edges, a node's dependencies and dependents.  The host writes each entry's
 * handles (and edge data) into one buffer, which is spread here into the
 * caller's arrays; *count comes back as the driver reports it.
 */
#include <stdio.h>

#include "gvcu.h"

static CUresult graph_nodes(uint32_t what, uint64_t h, CUgraphNode *a, CUgraphNode *b,
			    CUgraphEdgeData *d, size_t *count)
{
	int edges = what == GV_GRAPH_EDGES;
	struct gv_graph_nodes_req q = {.handle = h, .what = what};
	struct gv_graph_nodes_resp r = {0};
	size_t n, per, i;
	struct gv_buf bb = {0};
	unsigned char *buf = NULL;
	CUresult e;

	if (!count || (edges && !a != !b) || (d && !a))
		return CUDA_ERROR_INVALID_VALUE;
	n = a ? *count : 0;
	if (n > GV_MAX_GRAPH_ENTRIES)
		return CUDA_ERROR_NOT_SUPPORTED; /* more than one request lists */
	per = 8 * (1 + (size_t)edges + (d != NULL));
	q.want = (a ? GV_GRAPH_WANT_NODES : 0) | (d ? GV_GRAPH_WANT_EDGE_DATA : 0);
	q.count = n;
	if (n) {
		buf = malloc(n * per);
		if (!buf)
			return CUDA_ERROR_OUT_OF_MEMORY;
		bb = (struct gv_buf){.addr = buf, .len = n * per, .dir = GV_BULK_FROM_HOST};
	}
	e = gvcu_rpc(GV_OP_GRAPH_NODES, &q, sizeof(q), NULL, 0, &r, sizeof(r), n ? &bb : NULL,
		     n ? 1 : 0);
	for (i = 0; !e && i < n; i++) {
		const unsigned char *at = buf + i * per;
		uint64_t v;

		memcpy(&v, at, 8);
		a[i] = (CUgraphNode)(uintptr_t)v;
		at += 8;
		if (edges) {
			memcpy(&v, at, 8);
			b[i] = (CUgraphNode)(uintptr_t)v;
			at += 8;
		}
		if (d)
			memcpy(&d[i], at, sizeof(d[i]));
	}
	free(buf);
	if (!e)
		*count = (size_t)r.count;
	return e;
}

GVCU_EXPORT CUresult cuGraphGetNodes(CUgraph g, CUgraphNode *nodes, size_t *n)
{
	return graph_nodes(GV_GRAPH_ALL_NODES, (uintptr_t)g, nodes, NULL, NULL, n);
}

GVCU_EXPORT CUresult cuGraphGetRootNodes(CUgraph g, CUgraphNode *roots, size_t *n)
{
	return graph_nodes(GV_GRAPH_ROOT_NODES, (uintptr_t)g, roots, NULL, NULL, n);
}

GVCU_EXPORT CUresult cuGraphGetEdges_v2(CUgraph g, CUgraphNode *from, CUgraphNode *to,
					CUgraphEdgeData *data, size_t *n)
{
	return graph_nodes(GV_GRAPH_EDGES, (uintptr_t)g, from, to, data, n);
}

GVCU_EXPORT CUresult cuGraphNodeGetDependencies_v2(CUgraphNode node, CUgraphNode *deps,
						   CUgraphEdgeData *data, size_t *n)
{
	return graph_nodes(GV_GRAPH_NODE_DEPS, (uintptr_t)node, deps, NULL, data, n);
}

GVCU_EXPORT CUresult cuGraphNodeGetDependentNodes_v2(CUgraphNode node, CUgraphNode *dependents,
						     CUgraphEdgeData *data, size_t *n)
{
	return graph_nodes(GV_GRAPH_NODE_DEPENDENTS, (uintptr_t)node, dependents, NULL, data, n);
}

CUresult gvcu_node_rpc(uint32_t op, const void *q, uint32_t q_len, const CUgraphNode *deps,
		       size_t ndeps, const void *extra, uint32_t extra_len, void *r, uint32_t r_len)
{
	unsigned char *tail;
	size_t i, n = 8 * ndeps + extra_len;
	CUresult e;

	if (ndeps > GV_MAX_ARRAY)
		return CUDA_ERROR_NOT_SUPPORTED; /* more than one request carries */
	tail = malloc(n ? n : 1);
	if (!tail)
		return CUDA_ERROR_OUT_OF_MEMORY;
	for (i = 0; i < ndeps; i++) {
		uint64_t d = (uintptr_t)deps[i];

		memcpy(tail + 8 * i, &d, 8);
	}
	if (extra_len)
		memcpy(tail + 8 * ndeps, extra, extra_len);
	e = gvcu_rpc(op, q, q_len, tail, (uint32_t)n, r, r_len, NULL, 0);
	free(tail);
	return e;
}

/* A conditional node (COND_NODE): its body graphs live as long as the node,
 * in an array of the guest's that is never freed (as the driver's own). */
static CUresult cond_node(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t ndeps,
			  CUDA_CONDITIONAL_NODE_PARAMS *p)
{
	struct gv_cond_node_req q = {.graph = (uintptr_t)g,
				     .handle = p->handle,
				     .type = p->type,
				     .size = p->size,
				     .ndeps = (uint32_t)ndeps};
	struct gv_cond_node_resp *r;
	uint64_t tail[GV_MAX_ARRAY];
	CUgraph *bodies;
	CUresult e;
	size_t i;

	if (p->size == 0 || p->size > GV_MAX_COND_GRAPHS)
		return p->size ? CUDA_ERROR_NOT_SUPPORTED : CUDA_ERROR_INVALID_VALUE;
	if (ndeps > GV_MAX_ARRAY)
		return CUDA_ERROR_NOT_SUPPORTED;
	for (i = 0; i < ndeps; i++)
		tail[i] = (uintptr_t)deps[i];
	r = malloc(sizeof(*r));
	bodies = calloc(p->size, sizeof(*bodies));
	if (!r || !bodies) {
		free(r);
		free(bodies);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	e = gvcu_rpc(GV_OP_COND_NODE, &q, sizeof(q), tail, (uint32_t)(ndeps * 8), r, sizeof(*r),
		     NULL, 0);
	if (!e) {
		for (i = 0; i < p->size; i++)
			bodies[i] = (CUgraph)(uintptr_t)r->graphs[i];
		p->phGraph_out = bodies;
		*node = (CUgraphNode)(uintptr_t)r->node;
	} else {
		free(bodies);
	}
	free(r);
	return e;
}

static int default_edges(const CUgraphEdgeData *d, size_t n)
{
	static const CUgraphEdgeData zero;

	for (size_t i = 0; d && i < n; i++)
		if (memcmp(&d[i], &zero, sizeof(zero)))
			return 0;
	return 1;
}

static CUDA_KERNEL_NODE_PARAMS kernel_params(const CUgraphNodeParams *p)
{
	return (CUDA_KERNEL_NODE_PARAMS){
	    .func = p->kernel.func,
	    .gridDimX = p->kernel.gridDimX,
	    .gridDimY = p->kernel.gridDimY,
	    .gridDimZ = p->kernel.gridDimZ,
	    .blockDimX = p->kernel.blockDimX,
	    .blockDimY = p->kernel.blockDimY,
	    .blockDimZ = p->kernel.blockDimZ,
	    .sharedMemBytes = p->kernel.sharedMemBytes,
	    .kernelParams = p->kernel.kernelParams,
	    .extra = p->kernel.extra,
	    .kern = p->kernel.kern,
	    .ctx = p->kernel.ctx,
	};
}

static CUDA_MEMSET_NODE_PARAMS memset_params(const CUgraphNodeParams *p)
{
	return (CUDA_MEMSET_NODE_PARAMS){
	    .dst = p->memset.dst,
	    .pitch = p->memset.pitch,
	    .value = p->memset.value,
	    .elementSize = p->memset.elementSize,
	    .width = p->memset.width,
	    .height = p->memset.height,
	};
}

/* A node by its parameters: each type through the call that adds it. */
GVCU_EXPORT CUresult cuGraphAddNode_v2(CUgraphNode *node, CUgraph g, const CUgraphNode *deps,
				       const CUgraphEdgeData *edges, size_t ndeps,
				       CUgraphNodeParams *p)
{
	if (!node || !p || (ndeps && !deps))
		return CUDA_ERROR_INVALID_VALUE;
	if (!default_edges(edges, ndeps))
		return CUDA_ERROR_NOT_SUPPORTED; /* edges with data: not carried yet */
	switch (p->type) {
	case CU_GRAPH_NODE_TYPE_KERNEL: {
		CUDA_KERNEL_NODE_PARAMS k = kernel_params(p);

		return cuGraphAddKernelNode(node, g, deps, ndeps, &k);
	}
	case CU_GRAPH_NODE_TYPE_MEMSET: {
		CUDA_MEMSET_NODE_PARAMS m = memset_params(p);

		return cuGraphAddMemsetNode(node, g, deps, ndeps, &m, p->memset.ctx);
	}
	case CU_GRAPH_NODE_TYPE_EMPTY:
		return cuGraphAddEmptyNode(node, g, deps, ndeps);
	case CU_GRAPH_NODE_TYPE_GRAPH:
		if (p->graph.ownership != CU_GRAPH_CHILD_GRAPH_OWNERSHIP_CLONE)
			return CUDA_ERROR_NOT_SUPPORTED; /* a moved child: not carried yet */
		return cuGraphAddChildGraphNode(node, g, deps, ndeps, p->graph.graph);
	case CU_GRAPH_NODE_TYPE_EVENT_RECORD:
		return cuGraphAddEventRecordNode(node, g, deps, ndeps, p->eventRecord.event);
	case CU_GRAPH_NODE_TYPE_WAIT_EVENT:
		return cuGraphAddEventWaitNode(node, g, deps, ndeps, p->eventWait.event);
	case CU_GRAPH_NODE_TYPE_CONDITIONAL:
		return cond_node(node, g, deps, ndeps, &p->conditional);
	case CU_GRAPH_NODE_TYPE_MEMCPY:
		return cuGraphAddMemcpyNode(node, g, deps, ndeps, &p->memcpy.copyParams,
					    p->memcpy.copyCtx);
	case CU_GRAPH_NODE_TYPE_HOST:
		return cuGraphAddHostNode(node, g, deps, ndeps,
					  &(CUDA_HOST_NODE_PARAMS){p->host.fn, p->host.userData});
	case CU_GRAPH_NODE_TYPE_MEM_ALLOC:
		_Static_assert(sizeof(p->alloc) == sizeof(CUDA_MEM_ALLOC_NODE_PARAMS),
			       "an allocation node's parameters, both versions");
		return cuGraphAddMemAllocNode(node, g, deps, ndeps,
					      (CUDA_MEM_ALLOC_NODE_PARAMS *)&p->alloc);
	case CU_GRAPH_NODE_TYPE_MEM_FREE:
		return cuGraphAddMemFreeNode(node, g, deps, ndeps, p->free.dptr);
	default:
		/* Semaphores and memory operations: not carried yet. */
		return CUDA_ERROR_NOT_SUPPORTED;
	}
}

/*
 * A node given new parameters by type, in its graph (exec NULL) or in an
 * executable graph: each type through the call that sets it.
 */
static CUresult set_params(CUgraphExec exec, CUgraphNode node, CUgraphNodeParams *p)
{
	CUDA_HOST_NODE_PARAMS h;
	CUDA_KERNEL_NODE_PARAMS k;
	CUDA_MEMSET_NODE_PARAMS m;

	if (!p)
		return CUDA_ERROR_INVALID_VALUE;
	switch (p->type) {
	case CU_GRAPH_NODE_TYPE_KERNEL:
		k = kernel_params(p);
		return exec ? cuGraphExecKernelNodeSetParams_v2(exec, node, &k)
			    : cuGraphKernelNodeSetParams_v2(node, &k);
	case CU_GRAPH_NODE_TYPE_MEMSET:
		m = memset_params(p);
		return exec ? cuGraphExecMemsetNodeSetParams(exec, node, &m, p->memset.ctx)
			    : cuGraphMemsetNodeSetParams(node, &m);
	case CU_GRAPH_NODE_TYPE_MEMCPY:
		return exec ? cuGraphExecMemcpyNodeSetParams(exec, node, &p->memcpy.copyParams,
							     p->memcpy.copyCtx)
			    : cuGraphMemcpyNodeSetParams(node, &p->memcpy.copyParams);
	case CU_GRAPH_NODE_TYPE_HOST:
		h = (CUDA_HOST_NODE_PARAMS){p->host.fn, p->host.userData};
		return exec ? cuGraphExecHostNodeSetParams(exec, node, &h)
			    : cuGraphHostNodeSetParams(node, &h);
	case CU_GRAPH_NODE_TYPE_EVENT_RECORD:
		return exec ? cuGraphExecEventRecordNodeSetEvent(exec, node, p->eventRecord.event)
			    : cuGraphEventRecordNodeSetEvent(node, p->eventRecord.event);
	case CU_GRAPH_NODE_TYPE_WAIT_EVENT:
		return exec ? cuGraphExecEventWaitNodeSetEvent(exec, node, p->eventWait.event)
			    : cuGraphEventWaitNodeSetEvent(node, p->eventWait.event);
	case CU_GRAPH_NODE_TYPE_GRAPH:
		/* A child graph is set in an executable graph only. */
		return exec ? cuGraphExecChildGraphNodeSetParams(exec, node, p->graph.graph)
			    : CUDA_ERROR_INVALID_VALUE;
	default:
		/* Empty, memory and conditional nodes, semaphores and memory
		 * operations: not carried. */
		return CUDA_ERROR_NOT_SUPPORTED;
	}
}

GVCU_EXPORT CUresult cuGraphNodeSetParams(CUgraphNode node, CUgraphNodeParams *p)
{
	return set_params(NULL, node, p);
}

GVCU_EXPORT CUresult cuGraphExecNodeSetParams(CUgraphExec exec, CUgraphNode node,
					      CUgraphNodeParams *p)
{
	if (!exec)
		return CUDA_ERROR_INVALID_VALUE;
	return set_params(exec, node, p);
}

/* Its result info comes back with the update's failure too. */
GVCU_EXPORT CUresult cuGraphExecUpdate_v2(CUgraphExec exec, CUgraph g,
					  CUgraphExecUpdateResultInfo *info)
{
	struct gv_graph_exec_update_req q = {.exec = (uintptr_t)exec, .graph = (uintptr_t)g};
	struct gv_graph_exec_update_resp r = {0};
	CUresult e;

	if (!info)
		return CUDA_ERROR_INVALID_VALUE;
	e = GVCU_RPC(GRAPH_EXEC_UPDATE, &q, &r, NULL, 0);
	if (!e || e == CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE) {
		info->result = (CUgraphExecUpdateResult)r.result;
		info->errorNode = (CUgraphNode)(uintptr_t)r.error_node;
		info->errorFromNode = (CUgraphNode)(uintptr_t)r.error_from_node;
	}
	return e;
}

/* Instantiation with parameters: the runtime's, whose structure has this layout
 * (its per-thread form, which cuda_runtime_api.h declares only for
 * per-thread compilation units, included). */
cudaError_t cudaGraphInstantiateWithParams_ptsz(cudaGraphExec_t *exec, cudaGraph_t g,
						cudaGraphInstantiateParams *p);
_Static_assert(sizeof(CUDA_GRAPH_INSTANTIATE_PARAMS) == sizeof(cudaGraphInstantiateParams),
	       "instantiation parameters");

GVCU_EXPORT CUresult cuGraphInstantiateWithParams(CUgraphExec *exec, CUgraph g,
						  CUDA_GRAPH_INSTANTIATE_PARAMS *p)
{
	CUresult e = gvcu_need_ctx();

	return e ? e
		 : gvcu_result(GVCU_AS_DRIVER(cudaGraphInstantiateWithParams(
		       (cudaGraphExec_t *)exec, (cudaGraph_t)g, (cudaGraphInstantiateParams *)p)));
}

GVCU_EXPORT CUresult cuGraphInstantiateWithParams_ptsz(CUgraphExec *exec, CUgraph g,
						       CUDA_GRAPH_INSTANTIATE_PARAMS *p)
{
	CUresult e = gvcu_need_ctx();

	return e ? e
		 : gvcu_result(GVCU_AS_DRIVER(cudaGraphInstantiateWithParams_ptsz(
		       (cudaGraphExec_t *)exec, (cudaGraph_t)g, (cudaGraphInstantiateParams *)p)));
}

/* A graph in DOT, from the host's driver, into the guest's file. */
GVCU_EXPORT CUresult cuGraphDebugDotPrint(CUgraph g, const char *path, unsigned int flags)
{
	struct gv_graph_dot_req q = {.graph = (uintptr_t)g, .buf_len = 65536, .flags = flags};
	struct gv_graph_dot_resp r = {0};
	char *buf = NULL;
	struct gv_buf b;
	FILE *f;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!path)
		return CUDA_ERROR_INVALID_VALUE;
	/* A first guess of its size, then its size. */
	do {
		free(buf);
		buf = malloc(q.buf_len);
		if (!buf)
			return CUDA_ERROR_OUT_OF_MEMORY;
		b = (struct gv_buf){buf, q.buf_len, GV_BULK_FROM_HOST};
		e = GVCU_RPC(GRAPH_DOT, &q, &r, &b, 1);
		if (!e && r.size > q.buf_len) {
			if (r.size > GV_MAX_GRAPH_DOT)
				e = CUDA_ERROR_OUT_OF_MEMORY;
			q.buf_len = r.size;
			continue;
		}
		break;
	} while (!e);
	if (!e) {
		f = fopen(path, "w");
		if (!f || fwrite(buf, 1, r.size, f) != r.size)
			e = CUDA_ERROR_OPERATING_SYSTEM;
		if (f && fclose(f))
			e = CUDA_ERROR_OPERATING_SYSTEM;
	}
	free(buf);
	return e;
}
