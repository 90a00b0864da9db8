/* SPDX-License-Identifier: MIT */
/*
 * Copies with arrays and in three dimensions (MEMCPY_3D), texture and
 * surface objects (TEX_CREATE): the driver's descriptors as the wire's.
 */
#include "gvcu.h"

/* One side of a copy from CUDA_MEMCPY3D's fields. */
static CUresult side(struct gv_copy_side *s, CUmemorytype type, const void *host, CUdeviceptr dev,
		     CUarray array, size_t x, size_t y, size_t z, size_t pitch, size_t height,
		     const void **base)
{
	struct gv_region r;

	if (type == CU_MEMORYTYPE_UNIFIED) {
		/* Unified addressing: what the guest allocated is device memory. */
		type = gv_region_find((const void *)(uintptr_t)dev, &r) == 0 &&
			       r.kind == GV_REGION_DEVICE
			   ? CU_MEMORYTYPE_DEVICE
			   : CU_MEMORYTYPE_HOST;
		host = (const void *)(uintptr_t)dev;
	}
	s->x = x;
	s->y = y;
	s->z = z;
	s->pitch = pitch;
	s->height = height;
	switch (type) {
	case CU_MEMORYTYPE_HOST:
		s->kind = GV_COPY_HOST;
		*base = host;
		return host ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
	case CU_MEMORYTYPE_DEVICE:
		s->kind = GV_COPY_DEVICE;
		s->addr = dev;
		return CUDA_SUCCESS;
	case CU_MEMORYTYPE_ARRAY:
		s->kind = GV_COPY_ARRAY;
		s->addr = (uintptr_t)array;
		return CUDA_SUCCESS;
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

CUresult gvcu_copy_req(const CUDA_MEMCPY3D *m, struct gv_memcpy3d_req *q, const void **src,
		       const void **dst)
{
	CUresult e = gvcu_need_ctx();

	*q = (struct gv_memcpy3d_req){
	    .width = m->WidthInBytes, .rows = m->Height, .depth = m->Depth};
	*src = *dst = NULL;
	if (!e && (m->srcLOD || m->dstLOD))
		e = CUDA_ERROR_INVALID_VALUE; /* reserved: must be 0 */
	if (!e)
		e = side(&q->src, m->srcMemoryType, m->srcHost, m->srcDevice, m->srcArray,
			 m->srcXInBytes, m->srcY, m->srcZ, m->srcPitch, m->srcHeight, src);
	if (!e)
		e = side(&q->dst, m->dstMemoryType, m->dstHost, m->dstDevice, m->dstArray,
			 m->dstXInBytes, m->dstY, m->dstZ, m->dstPitch, m->dstHeight, dst);
	return e;
}

CUresult gvcu_copy3d(const CUDA_MEMCPY3D *m, CUstream stream)
{
	struct gv_memcpy3d_req q;
	const void *src, *dst;
	CUresult e = gvcu_copy_req(m, &q, &src, &dst);

	if (e)
		return e;
	q.stream = gv_stream_value((cudaStream_t)stream);
	return gvcu_result(GVCU_AS_DRIVER(gv_copy3d(&q, src, (void *)dst)));
}

GVCU_EXPORT CUresult cuMemcpy3D_v2(const CUDA_MEMCPY3D *m)
{
	return m ? gvcu_copy3d(m, NULL) : CUDA_ERROR_INVALID_VALUE;
}

GVCU_EXPORT CUresult cuMemcpy3DAsync_v2(const CUDA_MEMCPY3D *m, CUstream stream)
{
	return m ? gvcu_copy3d(m, stream) : CUDA_ERROR_INVALID_VALUE;
}

static CUresult resource(const CUDA_RESOURCE_DESC *r, struct gv_res_desc *out)
{
	memset(out, 0, sizeof(*out));
	out->type = r->resType;
	out->flags = r->flags;
	switch (r->resType) {
	case CU_RESOURCE_TYPE_ARRAY:
		out->handle = (uintptr_t)r->res.array.hArray;
		return CUDA_SUCCESS;
	case CU_RESOURCE_TYPE_MIPMAPPED_ARRAY:
		out->handle = (uintptr_t)r->res.mipmap.hMipmappedArray;
		return CUDA_SUCCESS;
	case CU_RESOURCE_TYPE_LINEAR:
		out->handle = r->res.linear.devPtr;
		out->format = r->res.linear.format;
		out->channels = r->res.linear.numChannels;
		out->size = r->res.linear.sizeInBytes;
		return CUDA_SUCCESS;
	case CU_RESOURCE_TYPE_PITCH2D:
		out->handle = r->res.pitch2D.devPtr;
		out->format = r->res.pitch2D.format;
		out->channels = r->res.pitch2D.numChannels;
		out->width = r->res.pitch2D.width;
		out->height = r->res.pitch2D.height;
		out->pitch = r->res.pitch2D.pitchInBytes;
		return CUDA_SUCCESS;
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

static CUresult create(unsigned long long *obj, struct gv_tex_create_req *q)
{
	struct gv_handle_resp r = {0};
	CUresult e = GVCU_RPC(TEX_CREATE, q, &r, NULL, 0);

	if (!e)
		*obj = r.handle;
	return e;
}

GVCU_EXPORT CUresult cuTexObjectCreate(CUtexObject *obj, const CUDA_RESOURCE_DESC *res,
				       const CUDA_TEXTURE_DESC *tex,
				       const CUDA_RESOURCE_VIEW_DESC *view)
{
	struct gv_tex_create_req q;
	CUresult e;

	if (!obj || !res || !tex)
		return CUDA_ERROR_INVALID_VALUE;
	memset(&q, 0, sizeof(q));
	e = resource(res, &q.res);
	if (e)
		return e;
	GV_TEX_DESC_FILL(&q.tex, tex);
	q.tex.flags = tex->flags;
	if (view) {
		q.has_view = 1;
		GV_VIEW_DESC_FILL(&q.view, view);
	}
	return create(obj, &q);
}

GVCU_EXPORT CUresult cuSurfObjectCreate(CUsurfObject *obj, const CUDA_RESOURCE_DESC *res)
{
	struct gv_tex_create_req q;
	CUresult e;

	if (!obj || !res || res->resType != CU_RESOURCE_TYPE_ARRAY)
		return CUDA_ERROR_INVALID_VALUE;
	memset(&q, 0, sizeof(q));
	e = resource(res, &q.res);
	q.surface = 1;
	return e ? e : create(obj, &q);
}

/* ---- batches of copies: the runtime's, whose structures have these layouts ---- */

_Static_assert(sizeof(CUDA_MEMCPY3D_BATCH_OP) == sizeof(struct cudaMemcpy3DBatchOp),
	       "a 3D batch operation");
_Static_assert(sizeof(CUmemcpyAttributes) == sizeof(struct cudaMemcpyAttributes),
	       "a batch's copy attributes");

GVCU_EXPORT CUresult cuMemcpy3DBatchAsync_v2(size_t numOps, CUDA_MEMCPY3D_BATCH_OP *opList,
					     unsigned long long flags, CUstream hStream)
{
	CUresult e = gvcu_need_ctx();

	return e ? e
		 : gvcu_result(GVCU_AS_DRIVER(
		       gv_memcpy3d_batch(numOps, (const struct cudaMemcpy3DBatchOp *)opList, flags,
					 (cudaStream_t)hStream)));
}

GVCU_EXPORT CUresult cuMemcpy3DBatchAsync_v2_ptsz(size_t numOps, CUDA_MEMCPY3D_BATCH_OP *opList,
						  unsigned long long flags, CUstream hStream)
{
	return cuMemcpy3DBatchAsync_v2(numOps, opList, flags,
				       hStream ? hStream : CU_STREAM_PER_THREAD);
}

GVCU_EXPORT CUresult cuMemcpyBatchAsync_v2(CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes,
					   size_t count, CUmemcpyAttributes *attrs,
					   size_t *attrsIdxs, size_t numAttrs, CUstream hStream)
{
	CUresult e = gvcu_need_ctx();

	return e ? e
		 : gvcu_result(GVCU_AS_DRIVER(
		       cudaMemcpyBatchAsync((void *const *)dsts, (const void *const *)srcs, sizes,
					    count, (struct cudaMemcpyAttributes *)attrs, attrsIdxs,
					    numAttrs, (cudaStream_t)hStream)));
}

GVCU_EXPORT CUresult cuMemcpyBatchAsync_v2_ptsz(CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes,
						size_t count, CUmemcpyAttributes *attrs,
						size_t *attrsIdxs, size_t numAttrs,
						CUstream hStream)
{
	return cuMemcpyBatchAsync_v2(dsts, srcs, sizes, count, attrs, attrsIdxs, numAttrs,
				     hStream ? hStream : CU_STREAM_PER_THREAD);
}
