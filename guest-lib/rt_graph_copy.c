/* SPDX-License-Identifier: MIT */
/*
 * The runtime's graph copy nodes, over the driver's (guest-lib/cuda/
 * driver_graph_copy.c), as NVIDIA's runtime has them: parameters in 3D, in
 * one dimension, or to and from a symbol (its device address plus offset).
 */
#include "gvrt.h"

static struct {
	CUresult (*add)(CUgraphNode *, CUgraph, const CUgraphNode *, size_t, const CUDA_MEMCPY3D *,
			CUcontext);
	CUresult (*set)(CUgraphNode, const CUDA_MEMCPY3D *);
	CUresult (*exec_set)(CUgraphExec, CUgraphNode, const CUDA_MEMCPY3D *, CUcontext);
	CUresult (*get)(CUgraphNode, CUDA_MEMCPY3D *);
} drv;

static cudaError_t load(void)
{
	if (!drv.add && (gv_driver_load(&drv.add, "cuGraphAddMemcpyNode") ||
			 gv_driver_load(&drv.set, "cuGraphMemcpyNodeSetParams") ||
			 gv_driver_load(&drv.exec_set, "cuGraphExecMemcpyNodeSetParams") ||
			 gv_driver_load(&drv.get, "cuGraphMemcpyNodeGetParams")))
		return cudaErrorNotSupported;
	return cudaSuccess;
}

/* What a node of each form does, as the driver's parameters. */
enum form { PARAMS3D, ONE_D, TO_SYMBOL, FROM_SYMBOL };
struct copy {
	enum form form;
	const struct cudaMemcpy3DParms *p;
	void *dst;
	const void *src, *symbol;
	size_t count, offset;
	enum cudaMemcpyKind kind;
};

static cudaError_t describe(const struct copy *c, CUDA_MEMCPY3D *m)
{
	struct cudaMemcpy3DParms p = {0};
	void *dst = c->dst, *sym = NULL;
	const void *src = c->src;
	cudaError_t e;

	if (c->form == PARAMS3D)
		return gv_rt_copy_params(c->p, m);
	if (c->form != ONE_D) {
		e = cudaGetSymbolAddress(&sym, c->symbol);
		if (e)
			return e;
		if (c->form == TO_SYMBOL && c->kind != cudaMemcpyHostToDevice &&
		    c->kind != cudaMemcpyDeviceToDevice && c->kind != cudaMemcpyDefault)
			return cudaErrorInvalidMemcpyDirection;
		if (c->form == FROM_SYMBOL && c->kind != cudaMemcpyDeviceToHost &&
		    c->kind != cudaMemcpyDeviceToDevice && c->kind != cudaMemcpyDefault)
			return cudaErrorInvalidMemcpyDirection;
		if (c->form == TO_SYMBOL)
			dst = (char *)sym + c->offset;
		else
			src = (const char *)sym + c->offset;
	}
	p.srcPtr = (struct cudaPitchedPtr){
	    .ptr = (void *)src, .pitch = c->count, .xsize = c->count, .ysize = 1};
	p.dstPtr =
	    (struct cudaPitchedPtr){.ptr = dst, .pitch = c->count, .xsize = c->count, .ysize = 1};
	p.extent = (struct cudaExtent){.width = c->count, .height = 1, .depth = 1};
	p.kind = c->kind;
	/* A symbol's side is device memory whatever kind says of the other. */
	if (c->form != ONE_D && c->kind == cudaMemcpyDefault)
		p.kind = cudaMemcpyDefault;
	return gv_rt_copy_params(&p, m);
}

static cudaError_t add(cudaGraphNode_t *node, cudaGraph_t g, const cudaGraphNode_t *deps,
		       size_t ndeps, const struct copy *c)
{
	CUDA_MEMCPY3D m;
	cudaError_t e = load();

	if (!e)
		e = describe(c, &m);
	if (!e)
		e = (cudaError_t)drv.add((CUgraphNode *)node, (CUgraph)g, (const CUgraphNode *)deps,
					 ndeps, &m, NULL);
	return gv_ret(e);
}

static cudaError_t set(cudaGraphNode_t node, const struct copy *c)
{
	CUDA_MEMCPY3D m;
	cudaError_t e = load();

	if (!e)
		e = describe(c, &m);
	if (!e)
		e = (cudaError_t)drv.set((CUgraphNode)node, &m);
	return gv_ret(e);
}

static cudaError_t exec_set(cudaGraphExec_t exec, cudaGraphNode_t node, const struct copy *c)
{
	CUDA_MEMCPY3D m;
	cudaError_t e = load();

	if (!e)
		e = describe(c, &m);
	if (!e)
		e = (cudaError_t)drv.exec_set((CUgraphExec)exec, (CUgraphNode)node, &m, NULL);
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaGraphAddMemcpyNode(cudaGraphNode_t *node, cudaGraph_t g,
					       const cudaGraphNode_t *deps, size_t ndeps,
					       const struct cudaMemcpy3DParms *p)
{
	return add(node, g, deps, ndeps, &(struct copy){.form = PARAMS3D, .p = p});
}

GVRT_EXPORT cudaError_t cudaGraphAddMemcpyNode1D(cudaGraphNode_t *node, cudaGraph_t g,
						 const cudaGraphNode_t *deps, size_t ndeps,
						 void *dst, const void *src, size_t count,
						 enum cudaMemcpyKind kind)
{
	return add(
	    node, g, deps, ndeps,
	    &(struct copy){.form = ONE_D, .dst = dst, .src = src, .count = count, .kind = kind});
}

GVRT_EXPORT cudaError_t cudaGraphAddMemcpyNodeToSymbol(cudaGraphNode_t *node, cudaGraph_t g,
						       const cudaGraphNode_t *deps, size_t ndeps,
						       const void *symbol, const void *src,
						       size_t count, size_t offset,
						       enum cudaMemcpyKind kind)
{
	return add(node, g, deps, ndeps,
		   &(struct copy){.form = TO_SYMBOL,
				  .symbol = symbol,
				  .src = src,
				  .count = count,
				  .offset = offset,
				  .kind = kind});
}

GVRT_EXPORT cudaError_t cudaGraphAddMemcpyNodeFromSymbol(cudaGraphNode_t *node, cudaGraph_t g,
							 const cudaGraphNode_t *deps, size_t ndeps,
							 void *dst, const void *symbol,
							 size_t count, size_t offset,
							 enum cudaMemcpyKind kind)
{
	return add(node, g, deps, ndeps,
		   &(struct copy){.form = FROM_SYMBOL,
				  .dst = dst,
				  .symbol = symbol,
				  .count = count,
				  .offset = offset,
				  .kind = kind});
}

GVRT_EXPORT cudaError_t cudaGraphMemcpyNodeGetParams(cudaGraphNode_t node,
						     struct cudaMemcpy3DParms *p)
{
	CUDA_MEMCPY3D m;
	cudaError_t e = load();

	if (!e && !p)
		e = cudaErrorInvalidValue;
	if (!e)
		e = (cudaError_t)drv.get((CUgraphNode)node, &m);
	if (!e)
		e = gv_rt_copy_params_back(&m, p);
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaGraphMemcpyNodeSetParams(cudaGraphNode_t node,
						     const struct cudaMemcpy3DParms *p)
{
	return set(node, &(struct copy){.form = PARAMS3D, .p = p});
}

GVRT_EXPORT cudaError_t cudaGraphMemcpyNodeSetParams1D(cudaGraphNode_t node, void *dst,
						       const void *src, size_t count,
						       enum cudaMemcpyKind kind)
{
	return set(node, &(struct copy){
			     .form = ONE_D, .dst = dst, .src = src, .count = count, .kind = kind});
}

GVRT_EXPORT cudaError_t cudaGraphMemcpyNodeSetParamsToSymbol(cudaGraphNode_t node,
							     const void *symbol, const void *src,
							     size_t count, size_t offset,
							     enum cudaMemcpyKind kind)
{
	return set(node, &(struct copy){.form = TO_SYMBOL,
					.symbol = symbol,
					.src = src,
					.count = count,
					.offset = offset,
					.kind = kind});
}

GVRT_EXPORT cudaError_t cudaGraphMemcpyNodeSetParamsFromSymbol(cudaGraphNode_t node, void *dst,
							       const void *symbol, size_t count,
							       size_t offset,
							       enum cudaMemcpyKind kind)
{
	return set(node, &(struct copy){.form = FROM_SYMBOL,
					.dst = dst,
					.symbol = symbol,
					.count = count,
					.offset = offset,
					.kind = kind});
}

GVRT_EXPORT cudaError_t cudaGraphExecMemcpyNodeSetParams(cudaGraphExec_t exec, cudaGraphNode_t node,
							 const struct cudaMemcpy3DParms *p)
{
	return exec_set(exec, node, &(struct copy){.form = PARAMS3D, .p = p});
}

GVRT_EXPORT cudaError_t cudaGraphExecMemcpyNodeSetParams1D(cudaGraphExec_t exec,
							   cudaGraphNode_t node, void *dst,
							   const void *src, size_t count,
							   enum cudaMemcpyKind kind)
{
	return exec_set(
	    exec, node,
	    &(struct copy){.form = ONE_D, .dst = dst, .src = src, .count = count, .kind = kind});
}

GVRT_EXPORT cudaError_t cudaGraphExecMemcpyNodeSetParamsToSymbol(
    cudaGraphExec_t exec, cudaGraphNode_t node, const void *symbol, const void *src, size_t count,
    size_t offset, enum cudaMemcpyKind kind)
{
	return exec_set(exec, node,
			&(struct copy){.form = TO_SYMBOL,
				       .symbol = symbol,
				       .src = src,
				       .count = count,
				       .offset = offset,
				       .kind = kind});
}

GVRT_EXPORT cudaError_t cudaGraphExecMemcpyNodeSetParamsFromSymbol(cudaGraphExec_t exec,
								   cudaGraphNode_t node, void *dst,
								   const void *symbol, size_t count,
								   size_t offset,
								   enum cudaMemcpyKind kind)
{
	return exec_set(exec, node,
			&(struct copy){.form = FROM_SYMBOL,
				       .dst = dst,
				       .symbol = symbol,
				       .count = count,
				       .offset = offset,
				       .kind = kind});
}

/*
 * Instantiation with parameters: the flags' instantiation, then the upload
 * it asks for, with the result the runtime reports (no node is named: the
 * driver's own refusals come back as errors).
 */
GVRT_EXPORT cudaError_t cudaGraphInstantiateWithParams(cudaGraphExec_t *exec, cudaGraph_t g,
						       cudaGraphInstantiateParams *p)
{
	unsigned long long flags;
	cudaError_t e;

	if (!exec || !p)
		return gv_ret(cudaErrorInvalidValue);
	flags = p->flags;
	p->errNode_out = NULL;
	e = cudaGraphInstantiateWithFlags(
	    exec, g, flags & ~(unsigned long long)cudaGraphInstantiateFlagUpload);
	if (!e && (flags & cudaGraphInstantiateFlagUpload)) {
		e = cudaGraphUpload(*exec, p->uploadStream);
		if (e)
			(void)cudaGraphExecDestroy(*exec);
	}
	p->result_out = e ? cudaGraphInstantiateError : cudaGraphInstantiateSuccess;
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaGraphInstantiateWithParams_ptsz(cudaGraphExec_t *exec, cudaGraph_t g,
							    cudaGraphInstantiateParams *p)
{
	cudaGraphInstantiateParams q;
	cudaError_t e;

	if (!p)
		return cudaGraphInstantiateWithParams(exec, g, p);
	/* The legacy default stream of the compilation is the thread's own. */
	q = *p;
	if (!q.uploadStream)
		q.uploadStream = cudaStreamPerThread;
	e = cudaGraphInstantiateWithParams(exec, g, &q);
	p->errNode_out = q.errNode_out;
	p->result_out = q.result_out;
	return e;
}

/*
 * A batch of copies: the checks the runtime documents for the batch, then
 * each copy in order on the stream (the copies' own rules as for
 * cudaMemcpyAsync with cudaMemcpyDefault; a source of any access order is
 * taken by the time this returns, which every order allows).
 */
GVRT_EXPORT cudaError_t cudaMemcpyBatchAsync(void *const *dsts, const void *const *srcs,
					     const size_t *sizes, size_t count,
					     struct cudaMemcpyAttributes *attrs, size_t *attrs_idx,
					     size_t nattrs, cudaStream_t stream)
{
	size_t i;
	cudaError_t e = cudaSuccess;

	if (!count || !dsts || !srcs || !sizes || !attrs || !attrs_idx || !nattrs ||
	    nattrs > count || attrs_idx[0] != 0 || stream == cudaStreamLegacy || !stream)
		return gv_ret(cudaErrorInvalidValue);
	for (i = 0; i < nattrs; i++)
		if ((i && attrs_idx[i] <= attrs_idx[i - 1]) || attrs_idx[i] >= count ||
		    attrs[i].srcAccessOrder <= cudaMemcpySrcAccessOrderInvalid ||
		    attrs[i].srcAccessOrder >= cudaMemcpySrcAccessOrderMax)
			return gv_ret(cudaErrorInvalidValue);
	for (i = 0; i < count && !e; i++)
		e = cudaMemcpyAsync(dsts[i], srcs[i], sizes[i], cudaMemcpyDefault, stream);
	return gv_ret(e);
}

/* A 3D batch's element: the array's, or a byte between two pointers. */
static cudaError_t element_size(const struct cudaMemcpy3DBatchOp *op, size_t *out)
{
	const struct cudaMemcpy3DOperand *a = op->src.type == cudaMemcpyOperandTypeArray ? &op->src
					      : op->dst.type == cudaMemcpyOperandTypeArray
						  ? &op->dst
						  : NULL;
	struct cudaChannelFormatDesc d;
	struct cudaExtent x;
	unsigned int flags;
	cudaError_t e;

	*out = 1;
	if (!a)
		return cudaSuccess;
	e = cudaArrayGetInfo(&d, &x, &flags, a->op.array.array);
	if (e)
		return e;
	*out = (size_t)(d.x + d.y + d.z + d.w) / 8;
	return *out ? cudaSuccess : cudaErrorInvalidValue;
}

/* One side of a 3D copy from a batch operand (rows and layers in elements). */
static void side(const struct cudaMemcpy3DOperand *o, const struct cudaExtent *ext, size_t elem,
		 cudaArray_t *array, struct cudaPos *pos, struct cudaPitchedPtr *ptr)
{
	if (o->type == cudaMemcpyOperandTypeArray) {
		*array = o->op.array.array;
		*pos = (struct cudaPos){o->op.array.offset.x, o->op.array.offset.y,
					o->op.array.offset.z};
		return;
	}
	size_t row = o->op.ptr.rowLength ? o->op.ptr.rowLength : ext->width;
	size_t layer = o->op.ptr.layerHeight ? o->op.ptr.layerHeight : ext->height;

	*ptr = (struct cudaPitchedPtr){o->op.ptr.ptr, row * elem, row, layer};
}

static int operand_ok(const struct cudaMemcpy3DOperand *o, const struct cudaExtent *ext)
{
	if (o->type == cudaMemcpyOperandTypeArray)
		return o->op.array.array != NULL;
	return o->type == cudaMemcpyOperandTypePointer && o->op.ptr.ptr &&
	       (!o->op.ptr.rowLength || o->op.ptr.rowLength >= ext->width) &&
	       (!o->op.ptr.layerHeight || o->op.ptr.layerHeight >= ext->height);
}

/*
 * A batch of 3D copies: the batch's documented checks first, then each
 * copy in order as cudaMemcpy3DAsync with cudaMemcpyDefault (the batch
 * promises no order among its copies, so this one is allowed).  Also the
 * driver's cuMemcpy3DBatchAsync, whose operands have the same layout.
 */
cudaError_t gv_memcpy3d_batch(size_t n, const struct cudaMemcpy3DBatchOp *ops,
			      unsigned long long flags, cudaStream_t stream)
{
	size_t i, elem;
	cudaError_t e = cudaSuccess;

	if (!n || !ops || flags || !stream || stream == cudaStreamLegacy)
		return cudaErrorInvalidValue;
	for (i = 0; i < n; i++)
		if (!ops[i].extent.width || !ops[i].extent.height || !ops[i].extent.depth ||
		    ops[i].srcAccessOrder <= cudaMemcpySrcAccessOrderInvalid ||
		    ops[i].srcAccessOrder >= cudaMemcpySrcAccessOrderMax ||
		    !operand_ok(&ops[i].src, &ops[i].extent) ||
		    !operand_ok(&ops[i].dst, &ops[i].extent))
			return cudaErrorInvalidValue;
	for (i = 0; i < n && !e; i++) {
		struct cudaMemcpy3DParms p = {0};

		e = element_size(&ops[i], &elem);
		if (e)
			break;
		side(&ops[i].src, &ops[i].extent, elem, &p.srcArray, &p.srcPos, &p.srcPtr);
		side(&ops[i].dst, &ops[i].extent, elem, &p.dstArray, &p.dstPos, &p.dstPtr);
		p.extent = ops[i].extent;
		p.kind = cudaMemcpyDefault;
		e = cudaMemcpy3DAsync(&p, stream);
	}
	return e;
}

GVRT_EXPORT cudaError_t cudaMemcpy3DBatchAsync(size_t numOps, struct cudaMemcpy3DBatchOp *opList,
					       unsigned long long flags, cudaStream_t stream)
{
	return gv_ret(gv_memcpy3d_batch(numOps, opList, flags, stream));
}
