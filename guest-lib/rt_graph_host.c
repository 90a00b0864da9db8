/* SPDX-License-Identifier: MIT */
/*
 * The runtime's host nodes, over the driver's (guest-lib/cuda/
 * driver_graph_host.c): cudaHostNodeParams and CUDA_HOST_NODE_PARAMS are
 * the same function and argument.
 */
#include "gvrt.h"

static struct {
	CUresult (*add)(CUgraphNode *, CUgraph, const CUgraphNode *, size_t,
			const CUDA_HOST_NODE_PARAMS *);
	CUresult (*set)(CUgraphNode, const CUDA_HOST_NODE_PARAMS *);
	CUresult (*exec_set)(CUgraphExec, CUgraphNode, const CUDA_HOST_NODE_PARAMS *);
	CUresult (*get)(CUgraphNode, CUDA_HOST_NODE_PARAMS *);
} drv;

static cudaError_t load(void)
{
	if (!drv.add && (gv_driver_load(&drv.add, "cuGraphAddHostNode") ||
			 gv_driver_load(&drv.set, "cuGraphHostNodeSetParams") ||
			 gv_driver_load(&drv.exec_set, "cuGraphExecHostNodeSetParams") ||
			 gv_driver_load(&drv.get, "cuGraphHostNodeGetParams")))
		return cudaErrorNotSupported;
	return cudaSuccess;
}

/* The runtime's parameters as the driver's; NULL stays NULL (the driver refuses it). */
static const CUDA_HOST_NODE_PARAMS *as_driver(const struct cudaHostNodeParams *p,
					      CUDA_HOST_NODE_PARAMS *out)
{
	if (!p)
		return NULL;
	out->fn = p->fn;
	out->userData = p->userData;
	return out;
}

GVRT_EXPORT cudaError_t cudaGraphAddHostNode(cudaGraphNode_t *node, cudaGraph_t g,
					     const cudaGraphNode_t *deps, size_t ndeps,
					     const struct cudaHostNodeParams *p)
{
	CUDA_HOST_NODE_PARAMS m;
	cudaError_t e = load();

	if (!e)
		e = (cudaError_t)drv.add((CUgraphNode *)node, (CUgraph)g, (const CUgraphNode *)deps,
					 ndeps, as_driver(p, &m));
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaGraphHostNodeSetParams(cudaGraphNode_t node,
						   const struct cudaHostNodeParams *p)
{
	CUDA_HOST_NODE_PARAMS m;
	cudaError_t e = load();

	if (!e)
		e = (cudaError_t)drv.set((CUgraphNode)node, as_driver(p, &m));
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaGraphExecHostNodeSetParams(cudaGraphExec_t exec, cudaGraphNode_t node,
						       const struct cudaHostNodeParams *p)
{
	CUDA_HOST_NODE_PARAMS m;
	cudaError_t e = load();

	if (!e)
		e = (cudaError_t)drv.exec_set((CUgraphExec)exec, (CUgraphNode)node,
					      as_driver(p, &m));
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaGraphHostNodeGetParams(cudaGraphNode_t node,
						   struct cudaHostNodeParams *p)
{
	CUDA_HOST_NODE_PARAMS m;
	cudaError_t e = load();

	if (!e && !p)
		e = cudaErrorInvalidValue;
	if (!e)
		e = (cudaError_t)drv.get((CUgraphNode)node, &m);
	if (!e) {
		p->fn = m.fn;
		p->userData = m.userData;
	}
	return gv_ret(e);
}
