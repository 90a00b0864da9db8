/* SPDX-License-Identifier: MIT */
/*
 * Host nodes (HOST_NODE) and host functions on streams.  The host keeps a
 * node's function and argument and, at each launch, holds the graph at a
 * gate that carries them; this process's callback thread (guest-lib/
 * stream.c) runs the function and releases the gate.  A host function
 * launched on a stream being captured becomes such a node.
 */
#include "gvcu.h"

static CUresult node_call(struct gv_host_node_req *q, const CUgraphNode *deps,
			  struct gv_host_node_resp *r)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (q->op != GV_HOST_NODE_GET && (e = gvcu_result(gv_host_callbacks())))
		return e;
	e = gvcu_node_rpc(GV_OP_HOST_NODE, q, sizeof(*q), deps, q->ndeps, NULL, 0, r, sizeof(*r));
	if (!e)
		gv_host_callbacks_key(r->key, r->owner);
	return e;
}

/* A node's parameters on the wire: the driver refuses a node without a function. */
static CUresult params(const CUDA_HOST_NODE_PARAMS *p, struct gv_host_node_req *q)
{
	if (!p || !p->fn)
		return CUDA_ERROR_INVALID_VALUE;
	q->fn = (uintptr_t)p->fn;
	q->data = (uintptr_t)p->userData;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuGraphAddHostNode(CUgraphNode *node, CUgraph g, const CUgraphNode *deps,
					size_t ndeps, const CUDA_HOST_NODE_PARAMS *p)
{
	struct gv_host_node_req q = {.op = GV_HOST_NODE_ADD, .graph = (uintptr_t)g};
	struct gv_host_node_resp r = {0};
	CUresult e;

	if (!node || !g || (ndeps && !deps))
		return CUDA_ERROR_INVALID_VALUE;
	if (ndeps > GV_MAX_ARRAY)
		return CUDA_ERROR_NOT_SUPPORTED; /* more than one request carries */
	q.ndeps = (uint32_t)ndeps;
	e = params(p, &q);
	if (!e)
		e = node_call(&q, deps, &r);
	if (!e)
		*node = (CUgraphNode)(uintptr_t)r.handle;
	return e;
}

GVCU_EXPORT CUresult cuGraphHostNodeSetParams(CUgraphNode node, const CUDA_HOST_NODE_PARAMS *p)
{
	struct gv_host_node_req q = {.op = GV_HOST_NODE_SET, .node = (uintptr_t)node};
	struct gv_host_node_resp r;
	CUresult e = params(p, &q);

	return e ? e : node_call(&q, NULL, &r);
}

GVCU_EXPORT CUresult cuGraphExecHostNodeSetParams(CUgraphExec exec, CUgraphNode node,
						  const CUDA_HOST_NODE_PARAMS *p)
{
	struct gv_host_node_req q = {
	    .op = GV_HOST_NODE_EXEC_SET, .graph = (uintptr_t)exec, .node = (uintptr_t)node};
	struct gv_host_node_resp r;
	CUresult e = params(p, &q);

	return e ? e : node_call(&q, NULL, &r);
}

GVCU_EXPORT CUresult cuGraphHostNodeGetParams(CUgraphNode node, CUDA_HOST_NODE_PARAMS *p)
{
	struct gv_host_node_req q = {.op = GV_HOST_NODE_GET, .node = (uintptr_t)node};
	struct gv_host_node_resp r = {0};
	CUresult e;

	if (!p)
		return CUDA_ERROR_INVALID_VALUE;
	e = node_call(&q, NULL, &r);
	if (!e) {
		p->fn = (CUhostFn)(uintptr_t)r.fn;
		p->userData = (void *)(uintptr_t)r.data;
	}
	return e;
}

GVCU_EXPORT CUresult cuLaunchHostFunc(CUstream s, CUhostFn fn, void *data)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!fn)
		return CUDA_ERROR_INVALID_VALUE;
	return gvcu_result(GVCU_AS_DRIVER(gv_host_call_enqueue((cudaStream_t)s, fn, NULL, data)));
}

GVCU_EXPORT CUresult cuLaunchHostFunc_ptsz(CUstream s, CUhostFn fn, void *data)
{
	return cuLaunchHostFunc(s ? s : CU_STREAM_PER_THREAD, fn, data);
}

/* The same signature as the runtime's, with the driver's types. */
GVCU_EXPORT CUresult cuStreamAddCallback(CUstream s, CUstreamCallback cb, void *data,
					 unsigned int flags)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!cb || flags)
		return CUDA_ERROR_INVALID_VALUE;
	return gvcu_result(GVCU_AS_DRIVER(
	    gv_host_call_enqueue((cudaStream_t)s, NULL, (cudaStreamCallback_t)cb, data)));
}

GVCU_EXPORT CUresult cuStreamAddCallback_ptsz(CUstream s, CUstreamCallback cb, void *data,
					      unsigned int flags)
{
	return cuStreamAddCallback(s ? s : CU_STREAM_PER_THREAD, cb, data, flags);
}

/* A user object whose destructor runs here, on the callback thread. */
GVCU_EXPORT CUresult cuUserObjectCreate(CUuserObject *object_out, void *ptr, CUhostFn destroy,
					unsigned int initialRefcount, unsigned int flags)
{
	struct gv_user_object_req q = {.fn = (uintptr_t)destroy,
				       .data = (uintptr_t)ptr,
				       .refcount = initialRefcount,
				       .flags = flags};
	struct gv_host_node_resp r = {0};
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!object_out || !destroy)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvcu_result(gv_host_callbacks());
	if (!e)
		e = GVCU_RPC(USER_OBJECT_CREATE, &q, &r, NULL, 0);
	if (!e) {
		gv_host_callbacks_key(r.key, r.owner);
		*object_out = (CUuserObject)(uintptr_t)r.handle;
	}
	return e;
}
