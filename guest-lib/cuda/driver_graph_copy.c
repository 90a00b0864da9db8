/* SPDX-License-Identifier: MIT */
/*
 * Graphs' copy nodes (MEMCPY_NODE).  A host side becomes a host shadow of
 * the guest buffer it spans (guest-lib/graph_shadow.c): the node copies
 * from or to the shadow whenever the graph runs, and the launches carry the
 * guest's bytes to and from it.  Parameters read back name the guest's
 * buffers again, from their first byte.
 */
#include "gvcu.h"

/* m as the wire's copy, host sides made shadows. */
static CUresult node_copy(const CUDA_MEMCPY3D *m, struct gv_memcpy3d_req *q)
{
	const void *src, *dst;
	CUresult e;

	if (!m)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvcu_copy_req(m, q, &src, &dst);
	if (!e && (!q->width || !q->rows || !q->depth))
		e = CUDA_ERROR_INVALID_VALUE; /* a node must copy something */
	if (!e && q->src.kind == GV_COPY_HOST)
		e = gvcu_result(gv_shadow_side(&q->src, q->width, q->rows, q->depth, src, 1));
	if (!e && q->dst.kind == GV_COPY_HOST)
		e = gvcu_result(gv_shadow_side(&q->dst, q->width, q->rows, q->depth, dst, 0));
	return e;
}

static CUresult node_call(struct gv_memcpy_node_req *q, const CUgraphNode *deps,
			  struct gv_memcpy_node_resp *r)
{
	return gvcu_node_rpc(GV_OP_MEMCPY_NODE, q, sizeof(*q), deps, q->ndeps, NULL, 0, r,
			     sizeof(*r));
}

GVCU_EXPORT CUresult cuGraphAddMemcpyNode(CUgraphNode *node, CUgraph g, const CUgraphNode *deps,
					  size_t ndeps, const CUDA_MEMCPY3D *m, CUcontext ctx)
{
	struct gv_memcpy_node_req q = {.op = GV_MEMCPY_NODE_ADD, .graph = (uintptr_t)g};
	struct gv_memcpy_node_resp r = {0};
	CUresult e;

	(void)ctx; /* the session's context on the current device */
	if (!node || !g || (ndeps && !deps))
		return CUDA_ERROR_INVALID_VALUE;
	if (ndeps > GV_MAX_ARRAY)
		return CUDA_ERROR_NOT_SUPPORTED;
	q.ndeps = (uint32_t)ndeps;
	e = node_copy(m, &q.copy);
	if (!e)
		e = node_call(&q, deps, &r);
	if (!e)
		*node = (CUgraphNode)(uintptr_t)r.handle;
	return e;
}

GVCU_EXPORT CUresult cuGraphMemcpyNodeSetParams(CUgraphNode node, const CUDA_MEMCPY3D *m)
{
	struct gv_memcpy_node_req q = {.op = GV_MEMCPY_NODE_SET, .node = (uintptr_t)node};
	struct gv_memcpy_node_resp r;
	CUresult e = node_copy(m, &q.copy);

	return e ? e : node_call(&q, NULL, &r);
}

GVCU_EXPORT CUresult cuGraphExecMemcpyNodeSetParams(CUgraphExec exec, CUgraphNode node,
						    const CUDA_MEMCPY3D *m, CUcontext ctx)
{
	struct gv_memcpy_node_req q = {
	    .op = GV_MEMCPY_NODE_EXEC_SET, .graph = (uintptr_t)exec, .node = (uintptr_t)node};
	struct gv_memcpy_node_resp r;
	CUresult e = node_copy(m, &q.copy);

	(void)ctx;
	if (!e)
		e = node_call(&q, NULL, &r);
	/* Its shadows may have changed: asked again at its next launch. */
	gv_shadows_exec_gone((uintptr_t)exec);
	return e;
}

/* One side read back: a shadow's as the guest buffer it stands for. */
static void side_back(const struct gv_copy_side *s, uint64_t guest, CUmemorytype *type,
		      const void **host, CUdeviceptr *dev, CUarray *array, size_t *x, size_t *y,
		      size_t *z, size_t *pitch, size_t *height)
{
	*x = s->x;
	*y = s->y;
	*z = s->z;
	*pitch = s->pitch;
	*height = s->height;
	switch (s->kind) {
	case GV_COPY_SHADOW:
		*type = CU_MEMORYTYPE_HOST;
		*host = (const void *)(uintptr_t)guest;
		break;
	case GV_COPY_ARRAY:
		*type = CU_MEMORYTYPE_ARRAY;
		*array = (CUarray)(uintptr_t)s->addr;
		break;
	default:
		*type = CU_MEMORYTYPE_DEVICE;
		*dev = s->addr;
		break;
	}
}

GVCU_EXPORT CUresult cuGraphMemcpyNodeGetParams(CUgraphNode node, CUDA_MEMCPY3D *m)
{
	struct gv_memcpy_node_req q = {.op = GV_MEMCPY_NODE_GET, .node = (uintptr_t)node};
	struct gv_memcpy_node_resp r = {0};
	const void *src = NULL;
	CUresult e;

	if (!m)
		return CUDA_ERROR_INVALID_VALUE;
	e = node_call(&q, NULL, &r);
	if (e)
		return e;
	memset(m, 0, sizeof(*m));
	side_back(&r.copy.src, r.src_guest, &m->srcMemoryType, &src, &m->srcDevice, &m->srcArray,
		  &m->srcXInBytes, &m->srcY, &m->srcZ, &m->srcPitch, &m->srcHeight);
	m->srcHost = src;
	side_back(&r.copy.dst, r.dst_guest, &m->dstMemoryType, (const void **)&m->dstHost,
		  &m->dstDevice, &m->dstArray, &m->dstXInBytes, &m->dstY, &m->dstZ, &m->dstPitch,
		  &m->dstHeight);
	m->WidthInBytes = r.copy.width;
	m->Height = r.copy.rows;
	m->Depth = r.copy.depth;
	return CUDA_SUCCESS;
}
