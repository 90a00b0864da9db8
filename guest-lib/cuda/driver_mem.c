/* SPDX-License-Identifier: MIT */
/*
 * Memory through the runtime's ops, so that an allocation made with either
 * API is the same allocation on the host and in the guest's tables.
 */
#include <stdatomic.h>

#include "gvcu.h"

GVCU_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)
{
	struct gv_malloc_req q = {.size = bytesize};
	struct gv_ptr_resp r = {0};
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!dptr || bytesize == 0)
		return CUDA_ERROR_INVALID_VALUE; /* unlike cudaMalloc(0) */
	/* The call first: r.ptr is its answer (argument order is unspecified). */
	e = GVCU_RPC(MALLOC, &q, &r, NULL, 0);
	e = (CUresult)gv_track_device((cudaError_t)e, r.ptr, bytesize);
	if (!e)
		*dptr = r.ptr;
	return e;
}

GVCU_EXPORT CUresult cuMemAllocPitch_v2(CUdeviceptr *dptr, size_t *pitch, size_t width,
					size_t height, unsigned int elem)
{
	struct gv_malloc_pitch_req q = {.width = width, .height = height};
	struct gv_malloc_pitch_resp r = {0};
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!dptr || !pitch || !width || !height || (elem != 4 && elem != 8 && elem != 16))
		return CUDA_ERROR_INVALID_VALUE;
	e = GVCU_RPC(MALLOC_PITCH, &q, &r, NULL, 0);
	e = (CUresult)gv_track_device((cudaError_t)e, r.ptr, r.pitch * height);
	if (!e) {
		*dptr = r.ptr;
		*pitch = r.pitch;
	}
	return e;
}

GVCU_EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr)
{
	struct gv_ptr_req q = {.ptr = dptr};
	struct gv_empty r;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	e = GVCU_RPC(FREE, &q, &r, NULL, 0);
	if (!e && dptr) {
		gv_managed_forget((uintptr_t)dptr);
		gv_region_remove((uintptr_t)dptr, GV_REGION_DEVICE, NULL);
	}
	return e;
}

/* Managed memory, as the runtime's (guest-lib/managed.c). */
GVCU_EXPORT CUresult cuMemAllocManaged(CUdeviceptr *dptr, size_t bytesize, unsigned int flags)
{
	struct gv_malloc_managed_req q = {.size = bytesize, .flags = flags};
	struct gv_ptr_resp r = {0};
	struct gv_ptr_req fq;
	struct gv_empty fr;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!dptr)
		return CUDA_ERROR_INVALID_VALUE;
	e = GVCU_RPC(MALLOC_MANAGED, &q, &r, NULL, 0);
	if (!e && gv_managed_track(cudaSuccess, r.ptr, bytesize) != cudaSuccess) {
		fq.ptr = r.ptr;
		(void)GVCU_RPC(FREE, &fq, &fr, NULL, 0);
		gv_region_remove((uintptr_t)r.ptr, GV_REGION_DEVICE, NULL);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	if (!e)
		*dptr = r.ptr;
	return e;
}

GVCU_EXPORT CUresult cuMemGetInfo_v2(size_t *free_b, size_t *total_b)
{
	struct gv_empty q;
	struct gv_mem_info_resp r = {0};
	CUresult e;

	if (!free_b || !total_b)
		return CUDA_ERROR_INVALID_VALUE;
	e = GVCU_RPC(MEM_GET_INFO, &q, &r, NULL, 0);
	if (!e) {
		*free_b = r.free_bytes;
		*total_b = r.total_bytes;
	}
	return e;
}

/* ---- copies and sets ---- */

static CUresult copy(void *dst, const void *src, size_t n, enum cudaMemcpyKind kind,
		     CUstream stream)
{
	CUresult e = gvcu_need_ctx();

	if (e || n == 0)
		return e;
	return gvcu_result(GVCU_AS_DRIVER(gv_copy(dst, src, n, kind, (cudaStream_t)stream)));
}

GVCU_EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n)
{
	return copy((void *)(uintptr_t)dst, src, n, cudaMemcpyHostToDevice, NULL);
}

GVCU_EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n)
{
	return copy(dst, (const void *)(uintptr_t)src, n, cudaMemcpyDeviceToHost, NULL);
}

GVCU_EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n)
{
	return copy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n,
		    cudaMemcpyDeviceToDevice, NULL);
}

GVCU_EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, CUstream s)
{
	return copy((void *)(uintptr_t)dst, src, n, cudaMemcpyHostToDevice, s);
}

GVCU_EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, CUstream s)
{
	return copy(dst, (const void *)(uintptr_t)src, n, cudaMemcpyDeviceToHost, s);
}

GVCU_EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s)
{
	return copy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n,
		    cudaMemcpyDeviceToDevice, s);
}

/* Unified addressing: the direction follows from what the guest allocated. */
GVCU_EXPORT CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t n)
{
	return copy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n, cudaMemcpyDefault,
		    NULL);
}

GVCU_EXPORT CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s)
{
	return copy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n, cudaMemcpyDefault, s);
}

static CUresult side(CUmemorytype t, const void *host, CUdeviceptr dev, const void **p, int *is_dev)
{
	switch (t) {
	case CU_MEMORYTYPE_HOST:
		*p = host;
		*is_dev = 0;
		return CUDA_SUCCESS;
	case CU_MEMORYTYPE_DEVICE:
		*p = (const void *)(uintptr_t)dev;
		*is_dev = 1;
		return CUDA_SUCCESS;
	case CU_MEMORYTYPE_UNIFIED:
		*p = (const void *)(uintptr_t)dev;
		*is_dev = -1;
		return CUDA_SUCCESS;
	default:
		/* Arrays need the array copies (not remoted through this path). */
		return CUDA_ERROR_NOT_SUPPORTED;
	}
}

static CUresult copy2d(const CUDA_MEMCPY2D *m, CUstream s)
{
	const void *src, *dst;
	int sdev, ddev;
	enum cudaMemcpyKind kind;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!m)
		return CUDA_ERROR_INVALID_VALUE;
	if (m->srcMemoryType == CU_MEMORYTYPE_ARRAY || m->dstMemoryType == CU_MEMORYTYPE_ARRAY) {
		/* Arrays go the three-dimensional way, one slice deep. */
		CUDA_MEMCPY3D m3 = {
		    .srcXInBytes = m->srcXInBytes,
		    .srcY = m->srcY,
		    .srcMemoryType = m->srcMemoryType,
		    .srcHost = m->srcHost,
		    .srcDevice = m->srcDevice,
		    .srcArray = m->srcArray,
		    .srcPitch = m->srcPitch,
		    .srcHeight = m->Height,
		    .dstXInBytes = m->dstXInBytes,
		    .dstY = m->dstY,
		    .dstMemoryType = m->dstMemoryType,
		    .dstHost = m->dstHost,
		    .dstDevice = m->dstDevice,
		    .dstArray = m->dstArray,
		    .dstPitch = m->dstPitch,
		    .dstHeight = m->Height,
		    .WidthInBytes = m->WidthInBytes,
		    .Height = m->Height,
		    .Depth = 1,
		};

		return gvcu_copy3d(&m3, s);
	}
	e = side(m->srcMemoryType, m->srcHost, m->srcDevice, &src, &sdev);
	if (!e)
		e = side(m->dstMemoryType, m->dstHost, m->dstDevice, &dst, &ddev);
	if (e)
		return e;
	if (sdev < 0 || ddev < 0)
		kind = cudaMemcpyDefault;
	else
		kind = sdev ? (ddev ? cudaMemcpyDeviceToDevice : cudaMemcpyDeviceToHost)
			    : (ddev ? cudaMemcpyHostToDevice : cudaMemcpyHostToHost);
	src = (const char *)src + m->srcY * m->srcPitch + m->srcXInBytes;
	dst = (const char *)dst + m->dstY * m->dstPitch + m->dstXInBytes;
	return gvcu_result(
	    GVCU_AS_DRIVER(gv_copy2d((void *)dst, m->dstPitch, src, m->srcPitch, m->WidthInBytes,
				     m->Height, kind, (cudaStream_t)s)));
}

GVCU_EXPORT CUresult cuMemcpy2D_v2(const CUDA_MEMCPY2D *m)
{
	return copy2d(m, NULL);
}

GVCU_EXPORT CUresult cuMemcpy2DUnaligned_v2(const CUDA_MEMCPY2D *m)
{
	return copy2d(m, NULL);
}

GVCU_EXPORT CUresult cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D *m, CUstream s)
{
	return copy2d(m, s);
}

static CUresult set8(CUdeviceptr dst, unsigned char v, size_t n, CUstream s)
{
	struct gv_memset_req q = {
	    .dst = dst, .size = n, .value = v, .stream = gv_stream_value((cudaStream_t)s)};
	struct gv_empty r;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	/* Queued as the runtime's memsets are: nothing at the call can fail. */
	if (gv_may_queue_set((void *)(uintptr_t)dst, n, (cudaStream_t)s))
		return gvcu_result(gv_rpc_async(GV_OP_MEMSET, &q, sizeof(q), NULL, 0));
	return GVCU_RPC(MEMSET, &q, &r, NULL, 0);
}

GVCU_EXPORT CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char v, size_t n)
{
	return set8(dst, v, n, NULL);
}

GVCU_EXPORT CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, CUstream s)
{
	return set8(dst, v, n, s);
}

/* ---- page-locked host memory: the guest's own, locked in the guest ---- */

GVCU_EXPORT CUresult cuMemHostAlloc(void **pp, size_t size, unsigned int flags)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!pp || size == 0)
		return CUDA_ERROR_INVALID_VALUE;
	/* CU_MEMHOSTALLOC_* equal cudaHostAlloc*: the same checks apply. */
	return gvcu_result(gv_host_alloc(pp, size, flags));
}

GVCU_EXPORT CUresult cuMemAllocHost_v2(void **pp, size_t size)
{
	return cuMemHostAlloc(pp, size, 0);
}

GVCU_EXPORT CUresult cuMemFreeHost(void *p)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	return gvcu_result(gv_host_free(p));
}

GVCU_EXPORT CUresult cuMemHostGetFlags(unsigned int *flags, void *p)
{
	struct gv_region r;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!flags || gv_region_find(p, &r) || r.kind != GV_REGION_HOST)
		return CUDA_ERROR_INVALID_VALUE;
	*flags = r.flags;
	return CUDA_SUCCESS;
}

/*
 * One attribute of a pointer, from what the guest knows of its own pinned
 * host memory and what the host knows of the session's device
 * allocations.  A pointer neither knows is not CUDA memory:
 * CUDA_ERROR_INVALID_VALUE, as natively (Triton's launcher tells a CPU
 * tensor so).  Attributes that need more than that are not supported yet.
 */
GVCU_EXPORT CUresult cuPointerGetAttribute(void *data, CUpointer_attribute attribute,
					   CUdeviceptr ptr)
{
	static atomic_flag logged = ATOMIC_FLAG_INIT;
	struct gv_ptr_req q = {.ptr = ptr};
	struct gv_pointer_attrs_resp r = {0};
	struct gv_region reg;
	int host;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!data)
		return CUDA_ERROR_INVALID_VALUE;
	/* The allocation holding ptr, from whichever side knows it. */
	host =
	    gv_region_find((const void *)(uintptr_t)ptr, &reg) == 0 && reg.kind == GV_REGION_HOST;
	if (!host) {
		e = GVCU_RPC(POINTER_ATTRS, &q, &r, NULL, 0);
		if (e)
			return e;
		if (r.type != GV_MEM_DEVICE)
			return CUDA_ERROR_INVALID_VALUE;
		reg = (struct gv_region){.base = r.alloc_base,
					 .size = r.alloc_size,
					 .device = r.device,
					 .kind = GV_REGION_DEVICE};
	}
	switch (attribute) {
	case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
		*(unsigned int *)data = host ? CU_MEMORYTYPE_HOST : CU_MEMORYTYPE_DEVICE;
		return CUDA_SUCCESS;
	case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
		if (host)
			break; /* the device's view of pinned memory: not yet */
		*(CUdeviceptr *)data = ptr;
		return CUDA_SUCCESS;
	case CU_POINTER_ATTRIBUTE_HOST_POINTER:
		if (!host)
			return CUDA_ERROR_INVALID_VALUE; /* device memory has none */
		*(void **)data = (void *)(uintptr_t)ptr;
		return CUDA_SUCCESS;
	case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
		*(int *)data = reg.device;
		return CUDA_SUCCESS;
	case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
		*(CUdeviceptr *)data = (CUdeviceptr)reg.base;
		return CUDA_SUCCESS;
	case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
		*(size_t *)data = reg.size;
		return CUDA_SUCCESS;
	default:
		break;
	}
	if (!atomic_flag_test_and_set(&logged))
		gv_log(GV_LOG_WARN,
		       "cuPointerGetAttribute: attribute %d is not supported by gvirtus yet; "
		       "it returns CUDA_ERROR_NOT_SUPPORTED",
		       (int)attribute);
	return CUDA_ERROR_NOT_SUPPORTED;
}

/*
 * Several attributes of a managed range: each as cuMemRangeGetAttribute
 * asks it (whose host side makes device ordinals the guest's), in order,
 * stopping at the first error, as the driver reports one.
 */
GVCU_EXPORT CUresult cuMemRangeGetAttributes(void **data, size_t *sizes,
					     CUmem_range_attribute *attrs, size_t n, CUdeviceptr p,
					     size_t count)
{
	CUresult e = CUDA_SUCCESS;
	size_t i;

	if (!n || !data || !sizes || !attrs)
		return CUDA_ERROR_INVALID_VALUE;
	for (i = 0; i < n && !e; i++)
		e = cuMemRangeGetAttribute(data[i], sizes[i], attrs[i], p, count);
	return e;
}
