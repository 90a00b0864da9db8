/* SPDX-License-Identifier: MIT */
/*
 * The per-thread default stream forms (_ptsz, _ptds) of hand-written
 * calls, and 3D copies between contexts.  An asynchronous call's null
 * stream is the thread's own stream; a synchronous copy is ordered on the
 * host after the legacy stream, which waits for the thread's stream too.
 */
#include "gvcu.h"

static CUstream per_thread(CUstream s)
{
	return s ? s : CU_STREAM_PER_THREAD;
}

GVCU_EXPORT CUresult cuLaunchKernel_ptsz(CUfunction f, unsigned int gx, unsigned int gy,
					 unsigned int gz, unsigned int bx, unsigned int by,
					 unsigned int bz, unsigned int shmem, CUstream stream,
					 void **params, void **extra)
{
	return cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shmem, per_thread(stream), params, extra);
}

GVCU_EXPORT CUresult cuLaunchCooperativeKernel_ptsz(CUfunction f, unsigned int gx, unsigned int gy,
						    unsigned int gz, unsigned int bx,
						    unsigned int by, unsigned int bz,
						    unsigned int shmem, CUstream stream,
						    void **params)
{
	return cuLaunchCooperativeKernel(f, gx, gy, gz, bx, by, bz, shmem, per_thread(stream),
					 params);
}

GVCU_EXPORT CUresult cuLaunchKernelEx_ptsz(const CUlaunchConfig *config, CUfunction f,
					   void **params, void **extra)
{
	CUlaunchConfig c;

	if (!config)
		return cuLaunchKernelEx(config, f, params, extra);
	c = *config;
	c.hStream = per_thread(c.hStream);
	return cuLaunchKernelEx(&c, f, params, extra);
}

GVCU_EXPORT CUresult cuMemcpy2D_v2_ptds(const CUDA_MEMCPY2D *m)
{
	return cuMemcpy2D_v2(m);
}

GVCU_EXPORT CUresult cuMemcpy2DUnaligned_v2_ptds(const CUDA_MEMCPY2D *m)
{
	return cuMemcpy2DUnaligned_v2(m);
}

GVCU_EXPORT CUresult cuMemcpy2DAsync_v2_ptsz(const CUDA_MEMCPY2D *m, CUstream s)
{
	return cuMemcpy2DAsync_v2(m, per_thread(s));
}

GVCU_EXPORT CUresult cuMemcpy3D_v2_ptds(const CUDA_MEMCPY3D *m)
{
	return cuMemcpy3D_v2(m);
}

GVCU_EXPORT CUresult cuMemcpy3DAsync_v2_ptsz(const CUDA_MEMCPY3D *m, CUstream s)
{
	return cuMemcpy3DAsync_v2(m, per_thread(s));
}

/* ---- 3D copies between contexts ---- */

static int side_device(CUmemorytype type, CUcontext ctx)
{
	int32_t d = gvcu_ctx_device(ctx);

	if (type != CU_MEMORYTYPE_DEVICE && type != CU_MEMORYTYPE_UNIFIED)
		return -1; /* host memory or an array: any device reaches it */
	return d >= 0 ? d : gvcu_current()->device;
}

/*
 * Both sides on one device (or either one host memory or an array): the
 * 3D copy itself.  Device memory of two devices: the runtime's peer copy,
 * whose positions and extents are in bytes between pointers.
 */
static CUresult copy3d_peer(const CUDA_MEMCPY3D_PEER *p, CUstream stream, int async)
{
	CUDA_MEMCPY3D m;
	int sd, dd;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!p)
		return CUDA_ERROR_INVALID_VALUE;
	sd = side_device(p->srcMemoryType, p->srcContext);
	dd = side_device(p->dstMemoryType, p->dstContext);
	if (sd < 0 || dd < 0 || sd == dd) {
		m = (CUDA_MEMCPY3D){.srcXInBytes = p->srcXInBytes,
				    .srcY = p->srcY,
				    .srcZ = p->srcZ,
				    .srcLOD = p->srcLOD,
				    .srcMemoryType = p->srcMemoryType,
				    .srcHost = p->srcHost,
				    .srcDevice = p->srcDevice,
				    .srcArray = p->srcArray,
				    .srcPitch = p->srcPitch,
				    .srcHeight = p->srcHeight,
				    .dstXInBytes = p->dstXInBytes,
				    .dstY = p->dstY,
				    .dstZ = p->dstZ,
				    .dstLOD = p->dstLOD,
				    .dstMemoryType = p->dstMemoryType,
				    .dstHost = p->dstHost,
				    .dstDevice = p->dstDevice,
				    .dstArray = p->dstArray,
				    .dstPitch = p->dstPitch,
				    .dstHeight = p->dstHeight,
				    .WidthInBytes = p->WidthInBytes,
				    .Height = p->Height,
				    .Depth = p->Depth};
		return async ? cuMemcpy3DAsync_v2(&m, stream) : cuMemcpy3D_v2(&m);
	}
	{
		struct cudaMemcpy3DPeerParms q = {
		    .srcPos = {p->srcXInBytes, p->srcY, p->srcZ},
		    .srcPtr = {(void *)(uintptr_t)p->srcDevice, p->srcPitch, p->WidthInBytes,
			       p->srcHeight ? p->srcHeight : p->Height},
		    .srcDevice = sd,
		    .dstPos = {p->dstXInBytes, p->dstY, p->dstZ},
		    .dstPtr = {(void *)(uintptr_t)p->dstDevice, p->dstPitch, p->WidthInBytes,
			       p->dstHeight ? p->dstHeight : p->Height},
		    .dstDevice = dd,
		    .extent = {p->WidthInBytes, p->Height, p->Depth}};

		return gvcu_result(
		    GVCU_AS_DRIVER(async ? cudaMemcpy3DPeerAsync(&q, (cudaStream_t)stream)
					 : cudaMemcpy3DPeer(&q)));
	}
}

GVCU_EXPORT CUresult cuMemcpy3DPeer(const CUDA_MEMCPY3D_PEER *p)
{
	return copy3d_peer(p, NULL, 0);
}

GVCU_EXPORT CUresult cuMemcpy3DPeer_ptds(const CUDA_MEMCPY3D_PEER *p)
{
	return copy3d_peer(p, NULL, 0);
}

GVCU_EXPORT CUresult cuMemcpy3DPeerAsync(const CUDA_MEMCPY3D_PEER *p, CUstream s)
{
	return copy3d_peer(p, s, 1);
}

GVCU_EXPORT CUresult cuMemcpy3DPeerAsync_ptsz(const CUDA_MEMCPY3D_PEER *p, CUstream s)
{
	return copy3d_peer(p, per_thread(s), 1);
}
