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

#include "gen_support.h"
#include "handlers.h"
#include "log.h"
#include "math_libs.h"

#define STR_(x) #x
#define STR(x)	STR_(x)
/* cuda.h maps cuMemAlloc to cuMemAlloc_v2 and so on: use its choice. */
/* One X per line, which the formatter cannot keep. */
/* clang-format off */
#define DRIVER_FUNCS(X) \
	X(cuInit) \
	X(cuDriverGetVersion) \
	X(cuDeviceGetCount) \
	X(cuDeviceGet) \
	X(cuDeviceGetName) \
	X(cuDeviceGetUuid) \
	X(cuDeviceTotalMem) \
	X(cuDeviceGetAttribute) \
	X(cuCtxCreate) \
	X(cuCtxDestroy) \
	X(cuCtxSetCurrent) \
	X(cuCtxSynchronize) \
	X(cuMemGetInfo) \
	X(cuMemAlloc) \
	X(cuMemAllocPitch) \
	X(cuMemAllocManaged) \
	X(cuMemFree) \
	X(cuMemcpyHtoDAsync) \
	X(cuMemHostRegister) \
	X(cuMemHostUnregister) \
	X(cuMemcpyDtoHAsync) \
	X(cuMemcpyDtoDAsync) \
	X(cuMemsetD8Async) \
	X(cuMemcpy2DAsync) \
	X(cuGetErrorName) \
	X(cuModuleLoadData) \
	X(cuModuleUnload) \
	X(cuModuleGetFunction) \
	X(cuModuleGetGlobal) \
	X(cuFuncGetParamInfo) \
	X(cuLaunchKernel) \
	X(cuFuncGetAttribute) \
	X(cuFuncSetAttribute) \
	X(cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags) \
	X(cuStreamCreateWithPriority) \
	X(cuStreamDestroy) \
	X(cuStreamSynchronize) \
	X(cuStreamQuery) \
	X(cuStreamIsCapturing) \
	X(cuStreamWaitEvent) \
	X(cuCtxGetStreamPriorityRange) \
	X(cuEventCreate) \
	X(cuEventRecord) \
	X(cuEventSynchronize) \
	X(cuEventQuery) \
	X(cuEventElapsedTime) \
	X(cuEventDestroy) \
	X(cuLaunchHostFunc) \
	X(cuDeviceCanAccessPeer) \
	X(cuCtxEnablePeerAccess) \
	X(cuMemcpyPeerAsync)
/* clang-format on */

static struct {
#define X(fn) __typeof__(fn) *fn;
	DRIVER_FUNCS(X)
#undef X
} drv;

/* The generated calls' functions; one a driver lacks stays NULL. */
static struct gvg_cuda_fns gen_fns;

static const void *math_fns(int lib)
{
	return gvw_math_open((enum gvw_math_lib)lib);
}

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
	/* Our own libcuda.so.1 (the guest shim) must never serve as the
	 * driver: it would send the calls back to a session. */
	if (dlsym(h, "gv_session")) {
		snprintf(w->describe, sizeof(w->describe),
			 "executor cuda: the libcuda.so.1 found is gvirtus's guest shim, not "
			 "NVIDIA's driver; remove gvirtus's lib/frontend from LD_LIBRARY_PATH "
			 "for gvirtus-backend and QEMU");
		dlclose(h);
		return;
	}
#define X(fn)                                                                                      \
	if (!(drv.fn = (__typeof__(fn) *)dlsym(h, STR(fn)))) {                                     \
		snprintf(w->describe, sizeof(w->describe),                                         \
			 "executor cuda: libcuda.so.1 lacks %s; the driver is "                    \
			 "older than CUDA 13 needs",                                               \
			 STR(fn));                                                                 \
		return;                                                                            \
	}
	DRIVER_FUNCS(X)
#undef X
	gvg_cuda_fns_resolve(&gen_fns, dlsym, h);
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
			 "executor cuda: driver %d, %d device(s), device 0: %s", w->driver_version,
			 w->device_count, dev0);
	}
}

static int cuda_device_info(struct gvw_worker *w, int dev, struct gv_device_info_resp *out)
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
	/* Where the driver has more attributes than the protocol, a bump is due. */
	_Static_assert(CU_DEVICE_ATTRIBUTE_MAX <= GV_ATTR_SLOTS, "a slot per attribute");
	for (i = 1; i < GV_ATTR_SLOTS && i < CU_DEVICE_ATTRIBUTE_MAX; i++) {
		int v;

		if (drv.cuDeviceGetAttribute(&v, (CUdevice_attribute)i, d) == CUDA_SUCCESS) {
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

/*
 * One thread storing to address 16, which no context maps: the fault a
 * library kernel given a wild address takes natively.  PTX, so the driver
 * builds it for whatever GPU this is.
 */
static const char fault_ptx[] = ".version 7.0\n"
				".target sm_75\n"
				".address_size 64\n"
				".visible .entry gvw_fault()\n"
				"{\n"
				"\t.reg .b64 %rd<2>;\n"
				"\t.reg .b32 %r<2>;\n"
				"\tmov.u64 %rd1, 16;\n"
				"\tmov.u32 %r1, 0;\n"
				"\tst.global.u32 [%rd1], %r1;\n"
				"\tret;\n"
				"}\n";

static int cuda_fault(void *ctx)
{
	CUmodule mod;
	CUfunction f;
	CUresult r = drv.cuModuleLoadData(&mod, fault_ptx);

	(void)ctx;
	if (r == CUDA_SUCCESS)
		r = drv.cuModuleGetFunction(&f, mod, "gvw_fault");
	if (r == CUDA_SUCCESS)
		r = drv.cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL);
	if (r != CUDA_SUCCESS)
		return (int)r;
	/* The fault is sticky: the module goes with the context. */
	r = drv.cuCtxSynchronize();
	return r == CUDA_ERROR_ILLEGAL_ADDRESS ? CUDA_SUCCESS : CUDA_ERROR_UNKNOWN;
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

/* The worker's CPU reaches managed memory at its device address (unified
 * addressing), migrating pages on the driver's faults. */
static int cuda_mem_alloc_managed(void *ctx, uint64_t size, unsigned int flags, struct gvw_alloc *a)
{
	CUdeviceptr p;
	CUresult r = drv.cuMemAllocManaged(&p, size, flags);

	(void)ctx;
	if (r != CUDA_SUCCESS)
		return (int)r;
	a->base = p;
	a->size = size;
	a->cpu = (void *)(uintptr_t)p;
	return cudaSuccess;
}

static int cuda_mem_alloc_pitch(void *ctx, uint64_t width, uint64_t height, uint64_t *pitch,
				struct gvw_alloc *a)
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

/* Host memory is the guest's, mapped only for this request: wait. */
static int cuda_htod(void *ctx, const struct gvw_alloc *a, uint64_t addr, const void *src, size_t n,
		     void *stream)
{
	CUresult r = drv.cuMemcpyHtoDAsync(addr, src, n, stream);

	if (r == CUDA_SUCCESS)
		r = drv.cuStreamSynchronize(stream);
	return (int)r;
}

static int cuda_htod_start(void *ctx, const struct gvw_alloc *a, uint64_t addr, const void *src,
			   size_t n, void *stream)
{
	return (int)drv.cuMemcpyHtoDAsync(addr, src, n, stream);
}

static int cuda_dtoh_start(void *ctx, void *dst, const struct gvw_alloc *a, uint64_t addr, size_t n,
			   void *stream)
{
	return (int)drv.cuMemcpyDtoHAsync(dst, addr, n, stream);
}

static int cuda_dtoh(void *ctx, void *dst, const struct gvw_alloc *a, uint64_t addr, size_t n,
		     void *stream)
{
	CUresult r = drv.cuMemcpyDtoHAsync(dst, addr, n, stream);

	if (r == CUDA_SUCCESS)
		r = drv.cuStreamSynchronize(stream);
	return (int)r;
}

/*
 * Pinned for every context (PORTABLE): copies from it are DMA; guest RAM
 * is shared memory QEMU also maps, which the driver pins like any.
 */
static int cuda_host_register(void *ctx, void *p, size_t len)
{
	CUresult r = drv.cuCtxSetCurrent(ctx);

	if (r == CUDA_SUCCESS)
		r = drv.cuMemHostRegister(p, len, CU_MEMHOSTREGISTER_PORTABLE);
	return (int)r;
}

static void cuda_host_unregister(void *ctx, void *p)
{
	if (drv.cuCtxSetCurrent(ctx) == CUDA_SUCCESS)
		drv.cuMemHostUnregister(p);
}

static int cuda_dtod(void *ctx, const struct gvw_alloc *da, uint64_t dst,
		     const struct gvw_alloc *sa, uint64_t src, size_t n, void *stream)
{
	return (int)drv.cuMemcpyDtoDAsync(dst, src, n, stream);
}

static int cuda_memset8(void *ctx, const struct gvw_alloc *a, uint64_t addr, uint8_t value,
			size_t n, void *stream)
{
	return (int)drv.cuMemsetD8Async(addr, value, n, stream);
}

static int cuda_copy2d(void *ctx, const struct gvw_alloc *da, uint64_t dst, void *dst_host,
		       uint64_t dpitch, const struct gvw_alloc *sa, uint64_t src,
		       const void *src_host, uint64_t spitch, uint64_t width, uint64_t height,
		       void *stream)
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
	CUresult r = drv.cuMemcpy2DAsync(&p, stream);

	if (r == CUDA_SUCCESS && (!da || !sa))
		r = drv.cuStreamSynchronize(stream);
	return (int)r;
}

/*
 * The driver takes no length: image is the host's own copy, checked by
 * format and NUL-terminated at image[len] (module_image.c) before it
 * gets here, so nothing the driver reads lies past it.
 */
static int cuda_module_load(void *ctx, const void *image, size_t len, void **mod)
{
	return (int)drv.cuModuleLoadData((CUmodule *)mod, image);
}

static void cuda_module_unload(void *ctx, void *mod)
{
	drv.cuModuleUnload(mod);
}

static int cuda_function_get(void *ctx, void *mod, const char *name, struct gvw_function *fn)
{
	CUfunction f;
	CUresult r = drv.cuModuleGetFunction(&f, mod, name);
	size_t i, off, size, end = 0;

	if (r != CUDA_SUCCESS)
		return r == CUDA_ERROR_NOT_FOUND ? cudaErrorInvalidDeviceFunction : (int)r;
	fn->exec = f;
	/* Parameters are numbered from 0 until the driver says there are no more. */
	for (i = 0; i < GV_MAX_PARAMS; i++) {
		if (drv.cuFuncGetParamInfo(f, i, &off, &size) != CUDA_SUCCESS)
			break;
		fn->params[i].offset = (uint32_t)off;
		fn->params[i].size = (uint32_t)size;
		if (off + size > end)
			end = off + size;
	}
	fn->nparams = (uint32_t)i;
	fn->args_size = (uint32_t)end;
	return cudaSuccess;
}

static int cuda_global_get(void *ctx, void *mod, const char *name, uint64_t size_hint,
			   struct gvw_alloc *a)
{
	CUdeviceptr p;
	size_t size;
	CUresult r = drv.cuModuleGetGlobal(&p, &size, mod, name);

	if (r != CUDA_SUCCESS)
		return r == CUDA_ERROR_NOT_FOUND ? cudaErrorInvalidSymbol : (int)r;
	a->base = p;
	a->size = size;
	return cudaSuccess;
}

static int cuda_launch(void *ctx, struct gvw_function *fn, const struct gv_launch_req *q,
		       const void *args, void *stream)
{
	size_t size = q->args_len;
	void *extra[] = {
	    CU_LAUNCH_PARAM_BUFFER_POINTER,
	    (void *)args,
	    CU_LAUNCH_PARAM_BUFFER_SIZE,
	    &size,
	    CU_LAUNCH_PARAM_END,
	};

	return (int)drv.cuLaunchKernel(fn->exec, q->grid[0], q->grid[1], q->grid[2], q->block[0],
				       q->block[1], q->block[2], q->shared_mem, stream, NULL,
				       size ? extra : NULL);
}

/* The protocol numbers kernel attributes as the driver does (enum gv_func_attr). */
#define SAME_FA(x) _Static_assert((int)GV_FA_##x == (int)CU_FUNC_ATTRIBUTE_##x, #x);
SAME_FA(MAX_THREADS_PER_BLOCK)
SAME_FA(SHARED_SIZE_BYTES)
SAME_FA(CONST_SIZE_BYTES)
SAME_FA(LOCAL_SIZE_BYTES)
SAME_FA(NUM_REGS)
SAME_FA(PTX_VERSION)
SAME_FA(BINARY_VERSION)
SAME_FA(CACHE_MODE_CA)
SAME_FA(MAX_DYNAMIC_SHARED_SIZE_BYTES)
SAME_FA(PREFERRED_SHARED_MEMORY_CARVEOUT)
SAME_FA(CLUSTER_SIZE_MUST_BE_SET)
SAME_FA(REQUIRED_CLUSTER_WIDTH)
SAME_FA(REQUIRED_CLUSTER_HEIGHT)
SAME_FA(REQUIRED_CLUSTER_DEPTH)
SAME_FA(NON_PORTABLE_CLUSTER_SIZE_ALLOWED)
SAME_FA(CLUSTER_SCHEDULING_POLICY_PREFERENCE)
#undef SAME_FA
/* Every driver attribute has a slot, and every slot a bit of valid. */
_Static_assert(CU_FUNC_ATTRIBUTE_MAX <= GV_FUNC_ATTR_SLOTS, "a slot per attribute");
_Static_assert(GV_FUNC_ATTR_SLOTS <= 8 * sizeof(((struct gv_func_attrs_resp *)0)->valid),
	       "a bit of valid per slot");

static int cuda_func_attrs(void *ctx, struct gvw_function *fn, struct gv_func_attrs_resp *out)
{
	int i, v;

	for (i = 0; i < GV_FUNC_ATTR_SLOTS && i < CU_FUNC_ATTRIBUTE_MAX; i++) {
		if (drv.cuFuncGetAttribute(&v, (CUfunction_attribute)i, fn->exec) == CUDA_SUCCESS) {
			out->values[i] = v;
			out->valid |= 1u << i;
		}
	}
	return cudaSuccess;
}

static int cuda_func_set_attr(void *ctx, struct gvw_function *fn, int attr, int value)
{
	return (int)drv.cuFuncSetAttribute(fn->exec, (CUfunction_attribute)attr, value);
}

static int cuda_occupancy(void *ctx, struct gvw_function *fn, int block, uint64_t smem,
			  unsigned int flags, int *out)
{
	return (int)drv.cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(out, fn->exec, block,
									     smem, flags);
}

static int cuda_stream_create(void *ctx, unsigned int flags, int prio, void **s)
{
	return (int)drv.cuStreamCreateWithPriority((CUstream *)s, flags, prio);
}

static int cuda_stream_destroy(void *ctx, void *s)
{
	return (int)drv.cuStreamDestroy(s);
}

static int cuda_stream_sync(void *ctx, void *s)
{
	return (int)drv.cuStreamSynchronize(s);
}

static int cuda_stream_query(void *ctx, void *s)
{
	return (int)drv.cuStreamQuery(s);
}

static int cuda_stream_wait_event(void *ctx, void *s, void *ev, unsigned int flags)
{
	return (int)drv.cuStreamWaitEvent(s, ev, flags);
}

static int cuda_priority_range(void *ctx, int *least, int *greatest)
{
	return (int)drv.cuCtxGetStreamPriorityRange(least, greatest);
}

static int cuda_event_create(void *ctx, unsigned int flags, void **ev)
{
	return (int)drv.cuEventCreate((CUevent *)ev, flags);
}

static int cuda_event_record(void *ctx, void *ev, void *s)
{
	return (int)drv.cuEventRecord(ev, s);
}

static int cuda_event_sync(void *ctx, void *ev)
{
	return (int)drv.cuEventSynchronize(ev);
}

static int cuda_event_query(void *ctx, void *ev)
{
	return (int)drv.cuEventQuery(ev);
}

static int cuda_event_elapsed(void *ctx, void *e0, void *e1, float *ms)
{
	return (int)drv.cuEventElapsedTime(ms, e0, e1);
}

static int cuda_event_destroy(void *ctx, void *ev)
{
	return (int)drv.cuEventDestroy(ev);
}

static int cuda_can_access_peer(struct gvw_worker *w, int dev, int peer, int *out)
{
	CUdevice d, p;
	CUresult r = drv.cuDeviceGet(&d, dev);

	if (r == CUDA_SUCCESS)
		r = drv.cuDeviceGet(&p, peer);
	if (r == CUDA_SUCCESS)
		r = drv.cuDeviceCanAccessPeer(out, d, p);
	return (int)r;
}

static int cuda_enable_peer(void *ctx, void *peer_ctx, unsigned int flags)
{
	CUresult r = drv.cuCtxSetCurrent(ctx);

	return (int)(r == CUDA_SUCCESS ? drv.cuCtxEnablePeerAccess(peer_ctx, flags) : r);
}

static int cuda_copy_peer(void *dst_ctx, const struct gvw_alloc *da, uint64_t dst, void *src_ctx,
			  const struct gvw_alloc *sa, uint64_t src, size_t n, void *stream)
{
	return (int)drv.cuMemcpyPeerAsync(dst, dst_ctx, src, src_ctx, n, stream);
}

/* Runs on the driver's callback thread: holds the stream for the guest. */
static void CUDA_CB cuda_gate_callback(void *g)
{
	gvw_gate_reached(g);
}

/*
 * A gate is reached once; a host function captured into a graph would
 * reach its gate at every launch of the graph, long after the gate went.
 * So a capturing stream gets no gate (host nodes are not supported yet).
 */
static int cuda_host_gate(void *ctx, void *stream, struct gvw_gate *g)
{
	CUstreamCaptureStatus st = CU_STREAM_CAPTURE_STATUS_NONE;
	CUresult r = drv.cuStreamIsCapturing(stream, &st);

	if (r != CUDA_SUCCESS)
		return (int)r;
	if (st != CU_STREAM_CAPTURE_STATUS_NONE)
		return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	return (int)drv.cuLaunchHostFunc(stream, cuda_gate_callback, g);
}

const struct gvw_executor gvw_exec_cuda = {
    .name = "cuda",
    .cuda_fns = &gen_fns,
    .math_fns = math_fns,
    .init = cuda_init,
    .device_info = cuda_device_info,
    .ctx_create = cuda_ctx_create,
    .ctx_destroy = cuda_ctx_destroy,
    .ctx_enter = cuda_ctx_enter,
    .synchronize = cuda_synchronize,
    .fault = cuda_fault,
    .mem_get_info = cuda_mem_get_info,
    .mem_alloc = cuda_mem_alloc,
    .mem_alloc_managed = cuda_mem_alloc_managed,
    .mem_alloc_pitch = cuda_mem_alloc_pitch,
    .mem_free = cuda_mem_free,
    .htod = cuda_htod,
    .dtoh = cuda_dtoh,
    .htod_start = cuda_htod_start,
    .dtoh_start = cuda_dtoh_start,
    .host_register = cuda_host_register,
    .host_unregister = cuda_host_unregister,
    .dtod = cuda_dtod,
    .memset8 = cuda_memset8,
    .copy2d = cuda_copy2d,
    .module_load = cuda_module_load,
    .module_unload = cuda_module_unload,
    .function_get = cuda_function_get,
    .global_get = cuda_global_get,
    .launch = cuda_launch,
    .func_attrs = cuda_func_attrs,
    .func_set_attr = cuda_func_set_attr,
    .occupancy = cuda_occupancy,
    .stream_create = cuda_stream_create,
    .stream_destroy = cuda_stream_destroy,
    .stream_sync = cuda_stream_sync,
    .stream_query = cuda_stream_query,
    .stream_wait_event = cuda_stream_wait_event,
    .priority_range = cuda_priority_range,
    .event_create = cuda_event_create,
    .event_record = cuda_event_record,
    .event_sync = cuda_event_sync,
    .event_query = cuda_event_query,
    .event_elapsed = cuda_event_elapsed,
    .event_destroy = cuda_event_destroy,
    .host_gate = cuda_host_gate,
    .gates_in_stream = true, /* cuda_gate_callback holds the stream */
    .can_access_peer = cuda_can_access_peer,
    .enable_peer = cuda_enable_peer,
    .copy_peer = cuda_copy_peer,
};
