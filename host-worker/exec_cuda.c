/* SPDX-License-Identifier: MIT */
/*
 * The real executor: NVIDIA's driver API, loaded at run time so that QEMU
 * and gvirtus-backend start (and say why) on a host without a driver.
 * Each session gets its own context per device, never the primary one,
 * so a sticky error in one session leaves the others working.
 *
 * CUresult values equal the cudaError_t values the runtime reports for
 * every error these calls return, so results pass through unchanged.
 */
#include <cuda.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "log.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* cuda.h maps cuMemAlloc to cuMemAlloc_v2 and so on: use its choice. */
#define DRIVER_FUNCS(X) \
	X(cuInit) X(cuDriverGetVersion) X(cuDeviceGetCount) X(cuDeviceGet) \
	X(cuDeviceGetName) X(cuDeviceGetUuid) X(cuDeviceTotalMem) \
	X(cuDeviceGetAttribute) X(cuCtxCreate) X(cuCtxDestroy) \
	X(cuCtxSetCurrent) X(cuCtxSynchronize) X(cuMemGetInfo) X(cuMemAlloc) \
	X(cuMemAllocPitch) X(cuMemFree) X(cuMemcpyHtoD) X(cuMemcpyDtoH) \
	X(cuMemcpyDtoD) X(cuMemsetD8) X(cuMemcpy2D) X(cuGetErrorName)

static struct {
#define X(fn) __typeof__(fn) *fn;
	DRIVER_FUNCS(X)
#undef X
} drv;

static void cuda_init(struct gvw_worker *w)
{
	void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	const char *name = NULL;
	CUresult r;

	w->device_count = 0;
	w->count_result = cudaErrorInsufficientDriver;
	if (!h) {
		snprintf(w->describe, sizeof(w->describe),
			 "executor cuda: no NVIDIA driver on this host (%s); guest "
			 "CUDA calls will fail with cudaErrorInsufficientDriver",
			 dlerror());
		return;
	}
#define X(fn)                                                                 \
	if (!(drv.fn = (__typeof__(fn) *)dlsym(h, STR(fn)))) {                \
		snprintf(w->describe, sizeof(w->describe),                    \
			 "executor cuda: libcuda.so.1 lacks %s; the driver is " \
			 "older than CUDA 13 needs", STR(fn));                 \
		return;                                                       \
	}
	DRIVER_FUNCS(X)
#undef X
	r = drv.cuInit(0);
	if (r == CUDA_SUCCESS)
		r = drv.cuDriverGetVersion(&w->driver_version);
	if (r == CUDA_SUCCESS)
		r = drv.cuDeviceGetCount(&w->device_count);
	if (r != CUDA_SUCCESS) {
		drv.cuGetErrorName(r, &name);
		w->device_count = 0;
		w->count_result = r == CUDA_ERROR_NO_DEVICE ? cudaErrorNoDevice : (int)r;
		snprintf(w->describe, sizeof(w->describe),
			 "executor cuda: cuInit failed with %s; guest CUDA calls will fail",
			 name ? name : "?");
		return;
	}
	if (w->device_count > GVW_MAX_DEVICES)
		w->device_count = GVW_MAX_DEVICES;
	w->count_result = w->device_count ? cudaSuccess : cudaErrorNoDevice;
	{
		char dev0[128] = "none";
		CUdevice d;

		if (w->device_count && drv.cuDeviceGet(&d, 0) == CUDA_SUCCESS)
			drv.cuDeviceGetName(dev0, sizeof(dev0), d);
		snprintf(w->describe, sizeof(w->describe),
			 "executor cuda: driver %d, %d device(s), device 0: %s",
			 w->driver_version, w->device_count, dev0);
	}
}

static int cuda_device_info(struct gvw_worker *w, int dev,
			    struct gv_device_info_resp *out)
{
	CUdevice d;
	CUuuid uuid;
	size_t total;
	CUresult r;
	int i;

	(void)w;
	r = drv.cuDeviceGet(&d, dev);
	if (r == CUDA_SUCCESS)
		r = drv.cuDeviceGetName(out->name, sizeof(out->name), d);
	if (r == CUDA_SUCCESS)
		r = drv.cuDeviceGetUuid(&uuid, d);
	if (r == CUDA_SUCCESS)
		r = drv.cuDeviceTotalMem(&total, d);
	if (r != CUDA_SUCCESS)
		return (int)r;
	memcpy(out->uuid, uuid.bytes, sizeof(out->uuid));
	out->total_mem = total;
	for (i = 1; i < GV_ATTR_SLOTS && i < CU_DEVICE_ATTRIBUTE_MAX; i++) {
		int v;

		if (drv.cuDeviceGetAttribute(&v, (CUdevice_attribute)i, d) ==
		    CUDA_SUCCESS) {
			out->attrs[i] = v;
			out->attr_valid[i / 8] |= (uint8_t)(1u << (i % 8));
		}
	}
	return cudaSuccess;
}

static int cuda_ctx_create(struct gvw_worker *w, int dev, void **ctx)
{
	CUdevice d;
	CUresult r;

	(void)w;
	r = drv.cuDeviceGet(&d, dev);
	if (r == CUDA_SUCCESS)
		r = drv.cuCtxCreate((CUcontext *)ctx, NULL, 0, d);
	return (int)r;
}

static void cuda_ctx_destroy(void *ctx)
{
	drv.cuCtxDestroy(ctx);
}

static int cuda_ctx_enter(void *ctx)
{
	return (int)drv.cuCtxSetCurrent(ctx);
}

static int cuda_synchronize(void *ctx)
{
	(void)ctx;
	return (int)drv.cuCtxSynchronize();
}

static int cuda_mem_get_info(void *ctx, uint64_t *free_b, uint64_t *total_b)
{
	size_t f, t;
	CUresult r = drv.cuMemGetInfo(&f, &t);

	(void)ctx;
	*free_b = f;
	*total_b = t;
	return (int)r;
}

static int cuda_mem_alloc(void *ctx, uint64_t size, struct gvw_alloc *a)
{
	CUdeviceptr p;
	CUresult r = drv.cuMemAlloc(&p, size);

	(void)ctx;
	if (r != CUDA_SUCCESS)
		return (int)r;
	a->base = p;
	a->size = size;
	return cudaSuccess;
}

static int cuda_mem_alloc_pitch(void *ctx, uint64_t width, uint64_t height,
				uint64_t *pitch, struct gvw_alloc *a)
{
	CUdeviceptr p;
	size_t pt;
	/* The runtime asks for the widest element size, as does this. */
	CUresult r = drv.cuMemAllocPitch(&p, &pt, width, height, 16);

	(void)ctx;
	if (r != CUDA_SUCCESS)
		return (int)r;
	a->base = p;
	a->size = pt * height;
	*pitch = pt;
	return cudaSuccess;
}

static int cuda_mem_free(void *ctx, struct gvw_alloc *a)
{
	(void)ctx;
	return (int)drv.cuMemFree(a->base);
}

static int cuda_htod(void *ctx, const struct gvw_alloc *a, uint64_t addr,
		     const void *src, size_t n)
{
	(void)ctx;
	(void)a;
	return (int)drv.cuMemcpyHtoD(addr, src, n);
}

static int cuda_dtoh(void *ctx, void *dst, const struct gvw_alloc *a,
		     uint64_t addr, size_t n)
{
	(void)ctx;
	(void)a;
	return (int)drv.cuMemcpyDtoH(dst, addr, n);
}

static int cuda_dtod(void *ctx, const struct gvw_alloc *da, uint64_t dst,
		     const struct gvw_alloc *sa, uint64_t src, size_t n)
{
	(void)ctx;
	(void)da;
	(void)sa;
	return (int)drv.cuMemcpyDtoD(dst, src, n);
}

static int cuda_memset8(void *ctx, const struct gvw_alloc *a, uint64_t addr,
			uint8_t value, size_t n)
{
	(void)ctx;
	(void)a;
	return (int)drv.cuMemsetD8(addr, value, n);
}

static int cuda_copy2d(void *ctx, const struct gvw_alloc *da, uint64_t dst,
		       void *dst_host, uint64_t dpitch,
		       const struct gvw_alloc *sa, uint64_t src,
		       const void *src_host, uint64_t spitch,
		       uint64_t width, uint64_t height)
{
	CUDA_MEMCPY2D p = {
		.srcMemoryType = sa ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST,
		.srcHost = src_host,
		.srcDevice = sa ? src : 0,
		.srcPitch = spitch,
		.dstMemoryType = da ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST,
		.dstHost = dst_host,
		.dstDevice = da ? dst : 0,
		.dstPitch = dpitch,
		.WidthInBytes = width,
		.Height = height,
	};

	(void)ctx;
	return (int)drv.cuMemcpy2D(&p);
}

const struct gvw_executor gvw_exec_cuda = {
	.name = "cuda",
	.init = cuda_init,
	.device_info = cuda_device_info,
	.ctx_create = cuda_ctx_create,
	.ctx_destroy = cuda_ctx_destroy,
	.ctx_enter = cuda_ctx_enter,
	.synchronize = cuda_synchronize,
	.mem_get_info = cuda_mem_get_info,
	.mem_alloc = cuda_mem_alloc,
	.mem_alloc_pitch = cuda_mem_alloc_pitch,
	.mem_free = cuda_mem_free,
	.htod = cuda_htod,
	.dtoh = cuda_dtoh,
	.dtod = cuda_dtod,
	.memset8 = cuda_memset8,
	.copy2d = cuda_copy2d,
};
