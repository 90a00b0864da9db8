/* SPDX-License-Identifier: MIT */
/*
 * Every generated driver call, end to end without a GPU: the guest stub
 * (guest-lib/gen/), the wire, the host's checks and dispatch
 * (host-worker/gen/), into a fake driver that checks each argument and
 * answers with known outputs and errors.  Hostile values (forged handles,
 * device ranges outside the session's memory, devices the guest lacks)
 * must be refused before the driver sees them.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cuda_runtime_api.h>

#include "gvrt.h"
#include "roundtrip_math.h"
#include "worker_internal.h"

extern struct gvw_worker *gv_loopback_worker;

int rt_result;
CUdeviceptr rt_devptr;
static int passes, failures;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

void rt_random(void *p, size_t n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = (unsigned char)next();
}

uint64_t rt_small(uint64_t below)
{
	return next() % below;
}

void rt_string(char *s, size_t n)
{
	size_t i, len = 1 + rt_small(n - 1);

	for (i = 0; i < len - 1; i++)
		s[i] = (char)('a' + rt_small(26));
	s[len - 1] = 0;
}

void rt_pattern(void *p, size_t n, int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = (unsigned char)(seed * 31 + i * 7 + 1);
}

int rt_is_pattern(const void *p, size_t n, int seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != (unsigned char)(seed * 31 + i * 7 + 1))
			return 0;
	return 1;
}

void *rt_object(void)
{
	static uintptr_t n = 0x1000;

	return (void *)(n += 16);
}

/* An event of the session's, made before the generated calls run. */
static cudaEvent_t rt_event;

void *rt_existing_event(void)
{
	struct gvw_session *s = gv_loopback_worker->sessions[0];
	struct gvw_handle_slot *slot =
	    gvw_handle_get(&s->handles, (uint64_t)(uintptr_t)rt_event, GVW_H_EVENT);

	return slot ? slot->obj : NULL;
}

CUdeviceptr rt_fresh_address(void)
{
	static CUdeviceptr next = 0x7e0000000000ull;

	return next += 1 << 20;
}

void rt_pass(void)
{
	passes++;
}

void rt_fail(const char *fn, const char *what)
{
	failures++;
	printf("FAIL %s: %s\n", fn, what);
}

const char *rt_result_text(int e)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "returned %d", e);
	return buf;
}

/*
 * Runtime calls made through the driver (gen/annot_cudart.py's VIA_DRIVER):
 * hand-written expectations, so a wrong row in the table fails here.
 */
static struct {
	int calls;
	long long a, b, c, d, e;
} seen;

static CUresult see_set_limit(CUlimit limit, size_t value)
{
	seen.calls++;
	seen.a = limit;
	seen.b = (long long)value;
	return CUDA_SUCCESS;
}

static CUresult see_get_limit(size_t *value, CUlimit limit)
{
	seen.calls++;
	seen.a = limit;
	*value = 777;
	return CUDA_SUCCESS;
}

static CUresult see_memset2d(CUdeviceptr dst, size_t pitch, unsigned char v, size_t w, size_t h,
			     CUstream s)
{
	seen.calls++;
	seen.a = (long long)(dst - rt_devptr);
	seen.b = (long long)pitch;
	seen.c = v;
	seen.d = (long long)(w * 1000 + h);
	seen.e = s == NULL;
	return CUDA_ERROR_INVALID_VALUE;
}

static CUresult see_prefetch(CUdeviceptr p, size_t n, CUmemLocation loc, unsigned int flags,
			     CUstream s)
{
	seen.calls++;
	seen.a = (long long)(p - rt_devptr);
	seen.b = (long long)n;
	seen.c = loc.type * 100 + loc.id;
	seen.d = flags;
	return CUDA_SUCCESS;
}

static CUresult see_pci(char *id, int len, CUdevice dev)
{
	seen.calls++;
	seen.a = len;
	seen.b = dev;
	snprintf(id, (size_t)len, "0000:42:00.0");
	return CUDA_SUCCESS;
}

static void runtime_via_driver(struct gvg_cuda_fns *t)
{
	size_t v = 0;
	char id[32] = "";
	struct cudaMemLocation loc = {.type = cudaMemLocationTypeDevice, .id = 0};

	t->cuCtxSetLimit = see_set_limit;
	t->cuCtxGetLimit = see_get_limit;
	t->cuMemsetD2D8Async = see_memset2d;
	t->cuMemPrefetchAsync_v2 = see_prefetch;
	t->cuDeviceGetPCIBusId = see_pci;
	memset(&seen, 0, sizeof(seen));
	RT_TRUE("cudaDeviceSetLimit", "result",
		cudaDeviceSetLimit(cudaLimitMallocHeapSize, 12345) == cudaSuccess);
	RT_TRUE("cudaDeviceSetLimit", "arguments",
		seen.calls == 1 && seen.a == CU_LIMIT_MALLOC_HEAP_SIZE && seen.b == 12345);
	RT_TRUE("cudaDeviceGetLimit", "result",
		cudaDeviceGetLimit(&v, cudaLimitStackSize) == cudaSuccess);
	RT_TRUE("cudaDeviceGetLimit", "arguments",
		seen.calls == 2 && seen.a == CU_LIMIT_STACK_SIZE && v == 777);
	/* An error from the driver is the runtime's last error. */
	cudaGetLastError();
	RT_TRUE("cudaMemset2DAsync", "result",
		cudaMemset2DAsync((char *)(uintptr_t)rt_devptr + 64, 32, 0x1ab, 16, 3, 0) ==
		    cudaErrorInvalidValue);
	RT_TRUE("cudaMemset2DAsync", "arguments",
		seen.calls == 3 && seen.a == 64 && seen.b == 32 && seen.c == 0xab &&
		    seen.d == 16003 && seen.e);
	RT_TRUE("cudaMemset2DAsync", "last error", cudaGetLastError() == cudaErrorInvalidValue);
	RT_TRUE("cudaMemPrefetchAsync", "result",
		cudaMemPrefetchAsync((char *)(uintptr_t)rt_devptr + 8, 100, loc, 0, 0) ==
		    cudaSuccess);
	RT_TRUE("cudaMemPrefetchAsync", "arguments",
		seen.calls == 4 && seen.a == 8 && seen.b == 100 &&
		    seen.c == CU_MEM_LOCATION_TYPE_DEVICE * 100 && seen.d == 0);
	RT_TRUE("cudaDeviceGetPCIBusId", "result",
		cudaDeviceGetPCIBusId(id, (int)sizeof(id), 0) == cudaSuccess);
	RT_TRUE("cudaDeviceGetPCIBusId", "arguments and text",
		seen.calls == 5 && seen.a == (long long)sizeof(id) && seen.b == 0 &&
		    !strcmp(id, "0000:42:00.0"));
}

/*
 * Arrays, copies with arrays and texture objects (MEMCPY_3D, TEX_CREATE):
 * what the driver receives, from runtime calls, against expectations
 * written here.
 */
static struct {
	CUDA_ARRAY3D_DESCRIPTOR made;
	CUDA_MEMCPY3D copy;
	unsigned char host[4096]; /* the host side as the driver saw it */
	CUDA_RESOURCE_DESC res;
	CUDA_TEXTURE_DESC tex;
	int calls;
} arr;
static CUarray fake_array;

static CUresult see_array_create(CUarray *a, const CUDA_ARRAY3D_DESCRIPTOR *d)
{
	arr.calls++;
	arr.made = *d;
	*a = fake_array = (CUarray)rt_object();
	return CUDA_SUCCESS;
}

static CUresult see_array_describe(CUDA_ARRAY3D_DESCRIPTOR *d, CUarray a)
{
	arr.calls++;
	*d = arr.made;
	return a == fake_array ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

static CUresult see_copy(const CUDA_MEMCPY3D *m, CUstream s)
{
	const void *h = m->srcMemoryType == CU_MEMORYTYPE_HOST ? m->srcHost : m->dstHost;
	size_t rows = m->Height,
	       pitch = m->srcMemoryType == CU_MEMORYTYPE_HOST ? m->srcPitch : m->dstPitch;

	arr.calls++;
	arr.copy = *m;
	if (m->srcMemoryType == CU_MEMORYTYPE_HOST)
		memcpy(arr.host, h, (rows - 1) * pitch + m->WidthInBytes);
	if (m->dstMemoryType == CU_MEMORYTYPE_HOST)
		for (size_t r = 0; r < rows; r++)
			rt_pattern((char *)m->dstHost + r * pitch, m->WidthInBytes, (int)r + 1);
	(void)s;
	return CUDA_SUCCESS;
}

static CUresult see_tex(CUtexObject *t, const CUDA_RESOURCE_DESC *r, const CUDA_TEXTURE_DESC *d,
			const CUDA_RESOURCE_VIEW_DESC *v)
{
	arr.calls++;
	arr.res = *r;
	arr.tex = *d;
	*t = v ? 0 : 0x7e57;
	return CUDA_SUCCESS;
}

static CUresult see_surf(CUsurfObject *o, const CUDA_RESOURCE_DESC *r)
{
	arr.calls++;
	arr.res = *r;
	*o = 0x5f;
	return CUDA_SUCCESS;
}

static void texture_quota(struct gvg_cuda_fns *t, const struct cudaResourceDesc *rd,
			  const struct cudaTextureDesc *td);

static void arrays_and_textures(struct gvg_cuda_fns *t)
{
	struct cudaChannelFormatDesc fd =
	    cudaCreateChannelDesc(32, 0, 0, 0, cudaChannelFormatKindFloat);
	unsigned char src[400], dst[200];
	cudaArray_t a = NULL;
	struct cudaResourceDesc rd;
	struct cudaTextureDesc td;
	struct cudaMemcpy3DParms p;
	cudaTextureObject_t tex = 0;
	cudaSurfaceObject_t surf = 0;
	int ok = 1;

	t->cuArray3DCreate_v2 = see_array_create;
	t->cuArray3DGetDescriptor_v2 = see_array_describe;
	t->cuMemcpy3DAsync_v2 = see_copy;
	t->cuTexObjectCreate = see_tex;
	t->cuSurfObjectCreate = see_surf;
	memset(&arr, 0, sizeof(arr));

	RT_TRUE("cudaMallocArray", "result", cudaMallocArray(&a, &fd, 64, 32, 0) == cudaSuccess);
	RT_TRUE("cudaMallocArray", "descriptor",
		arr.made.Format == CU_AD_FORMAT_FLOAT && arr.made.NumChannels == 1 &&
		    arr.made.Width == 64 && arr.made.Height == 32 && arr.made.Depth == 0);
	fd = cudaCreateChannelDesc(8, 8, 8, 0, cudaChannelFormatKindUnsigned);
	RT_TRUE("cudaMallocArray", "three channels refused",
		cudaMallocArray(&a, &fd, 1, 1, 0) == cudaErrorInvalidChannelDescriptor);
	fd = cudaCreateChannelDesc(32, 0, 0, 0, cudaChannelFormatKindFloat);
	RT_TRUE("cudaMallocArray", "again", cudaMallocArray(&a, &fd, 64, 32, 0) == cudaSuccess);

	/* Host rows 100 bytes apart, 40 of each copied into the array at (8, 2). */
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 13 + 7);
	RT_TRUE("cudaMemcpy2DToArray", "result",
		cudaMemcpy2DToArray(a, 8, 2, src, 100, 40, 3, cudaMemcpyHostToDevice) ==
		    cudaSuccess);
	RT_TRUE("cudaMemcpy2DToArray", "descriptor",
		arr.copy.srcMemoryType == CU_MEMORYTYPE_HOST && arr.copy.srcPitch == 100 &&
		    arr.copy.dstMemoryType == CU_MEMORYTYPE_ARRAY &&
		    arr.copy.dstArray == fake_array && arr.copy.dstXInBytes == 8 &&
		    arr.copy.dstY == 2 && arr.copy.WidthInBytes == 40 && arr.copy.Height == 3 &&
		    arr.copy.Depth == 1);
	for (int r = 0; r < 3; r++)
		ok &= !memcmp(arr.host + r * 100, src + r * 100, 40);
	RT_TRUE("cudaMemcpy2DToArray", "the host's rows", ok);

	/* Into host rows 50 apart: the bytes between the rows stay. */
	memset(dst, 0xee, sizeof(dst));
	RT_TRUE("cudaMemcpy2DFromArray", "result",
		cudaMemcpy2DFromArray(dst, 50, a, 4, 1, 30, 2, cudaMemcpyDeviceToHost) ==
		    cudaSuccess);
	RT_TRUE("cudaMemcpy2DFromArray", "rows written, gaps kept",
		rt_is_pattern(dst, 30, 1) && rt_is_pattern(dst + 50, 30, 2) && dst[30] == 0xee &&
		    dst[49] == 0xee && dst[80] == 0xee);

	/* cudaMemcpy3D counts an array's x in elements (4-byte floats here). */
	memset(&p, 0, sizeof(p));
	p.srcPtr = (struct cudaPitchedPtr){(void *)(uintptr_t)rt_devptr, 256, 64, 16};
	p.srcPos = (struct cudaPos){8, 1, 0};
	p.dstArray = a;
	p.dstPos = (struct cudaPos){3, 4, 0};
	p.extent = (struct cudaExtent){5, 2, 1};
	p.kind = cudaMemcpyDeviceToDevice;
	RT_TRUE("cudaMemcpy3D", "result", cudaMemcpy3D(&p) == cudaSuccess);
	RT_TRUE("cudaMemcpy3D", "descriptor",
		arr.copy.srcMemoryType == CU_MEMORYTYPE_DEVICE && arr.copy.srcDevice == rt_devptr &&
		    arr.copy.srcPitch == 256 && arr.copy.srcXInBytes == 8 && arr.copy.srcY == 1 &&
		    arr.copy.dstXInBytes == 12 && arr.copy.dstY == 4 &&
		    arr.copy.WidthInBytes == 20 && arr.copy.Height == 2);
	p.srcPtr =
	    (struct cudaPitchedPtr){(void *)(uintptr_t)(rt_devptr + (1 << 20) - 64), 256, 64, 16};
	RT_TRUE("cudaMemcpy3D", "a device range past the allocation",
		cudaMemcpy3D(&p) == cudaErrorInvalidValue);
	RT_TRUE("cudaMemcpy2DArrayToArray", "a forged array",
		cudaMemcpy2DArrayToArray((cudaArray_t)(uintptr_t)0x5550, 0, 0, a, 0, 0, 4, 1,
					 cudaMemcpyDeviceToDevice) ==
		    cudaErrorInvalidResourceHandle);

	memset(&rd, 0, sizeof(rd));
	memset(&td, 0, sizeof(td));
	rd.resType = cudaResourceTypeArray;
	rd.res.array.array = a;
	td.addressMode[0] = cudaAddressModeWrap;
	td.addressMode[1] = cudaAddressModeBorder;
	td.filterMode = cudaFilterModeLinear;
	td.readMode = cudaReadModeElementType;
	td.normalizedCoords = 1;
	td.borderColor[2] = 0.5f;
	RT_TRUE("cudaCreateTextureObject", "result",
		cudaCreateTextureObject(&tex, &rd, &td, NULL) == cudaSuccess && tex == 0x7e57);
	RT_TRUE("cudaCreateTextureObject", "descriptors",
		arr.res.resType == CU_RESOURCE_TYPE_ARRAY &&
		    arr.res.res.array.hArray == fake_array &&
		    arr.tex.addressMode[0] == CU_TR_ADDRESS_MODE_WRAP &&
		    arr.tex.addressMode[1] == CU_TR_ADDRESS_MODE_BORDER &&
		    arr.tex.filterMode == CU_TR_FILTER_MODE_LINEAR &&
		    arr.tex.flags == (CU_TRSF_READ_AS_INTEGER | CU_TRSF_NORMALIZED_COORDINATES) &&
		    arr.tex.borderColor[2] == 0.5f);
	rd.resType = cudaResourceTypeLinear;
	rd.res.linear.devPtr = (void *)(uintptr_t)rt_devptr;
	rd.res.linear.desc = fd;
	rd.res.linear.sizeInBytes = 2 << 20;
	/* As the driver: the size is not held to the allocation (only the
	 * GPU reads through it, in the session's context); the start is. */
	RT_TRUE("cudaCreateTextureObject", "linear memory past the allocation",
		cudaCreateTextureObject(&tex, &rd, &td, NULL) == cudaSuccess &&
		    arr.res.resType == CU_RESOURCE_TYPE_LINEAR &&
		    arr.res.res.linear.devPtr == rt_devptr &&
		    arr.res.res.linear.sizeInBytes == 2 << 20);
	rd.res.linear.devPtr = (void *)(uintptr_t)0x7ead0000;
	RT_TRUE("cudaCreateTextureObject", "linear memory outside the session",
		cudaCreateTextureObject(&tex, &rd, &td, NULL) == cudaErrorInvalidValue);
	rd.resType = cudaResourceTypeArray;
	rd.res.array.array = a;
	RT_TRUE("cudaCreateSurfaceObject", "result",
		cudaCreateSurfaceObject(&surf, &rd) == cudaSuccess && surf == 0x5f &&
		    arr.res.res.array.hArray == fake_array);
	texture_quota(t, &rd, &td);
	(void)cudaGetLastError();
}

/* Each texture object takes a slot of the session's table while it lives
 * (max_handles); past the limit the new object goes at once. */
static int tex_destroyed;

static CUresult count_tex_destroy(CUtexObject t)
{
	tex_destroyed++;
	return CUDA_SUCCESS;
}

static void texture_quota(struct gvg_cuda_fns *t, const struct cudaResourceDesc *rd,
			  const struct cudaTextureDesc *td)
{
	struct gvw_session *s = gv_loopback_worker->sessions[0];
	uint32_t saved = gv_loopback_worker->limits.max_handles, live = s->handles.live;
	cudaTextureObject_t tex = 0;

	t->cuTexObjectDestroy = count_tex_destroy;
	tex_destroyed = 0;
	gv_loopback_worker->limits.max_handles = live;
	RT_TRUE("cudaCreateTextureObject", "past max_handles: refused, destroyed on the host",
		cudaCreateTextureObject(&tex, rd, td, NULL) == cudaErrorMemoryAllocation &&
		    tex_destroyed == 1 && s->handles.live == live);
	gv_loopback_worker->limits.max_handles = saved;
	RT_TRUE("cudaCreateTextureObject", "a slot while it lives",
		cudaCreateTextureObject(&tex, rd, td, NULL) == cudaSuccess &&
		    s->handles.live == live + 1);
	RT_TRUE("cudaDestroyTextureObject", "the slot goes with it",
		cudaDestroyTextureObject(tex) == cudaSuccess && s->handles.live == live &&
		    tex_destroyed == 2);
	(void)cudaGetLastError();
}

/* An nvcc fatbin of tests/unit/fatbin_kernels.cu (k1 is char, double, int *). */
static const unsigned char fatbin[] = {
#include "fatbin_kernels.inc"
};

/*
 * A module's globals go with it: a copy to one after cuModuleUnload is
 * refused. (The CPU double makes a global of any name it is asked for
 * with a size, which the runtime sends and a raw request can.)
 */
static void module_globals(void)
{
	struct gv_name_req q = {.name_len = 1, .size = 64};
	struct gv_global_resp r = {0};
	unsigned char h[64] = {1, 2, 3};
	CUmodule mod = NULL;

	RT_TRUE("cuModuleLoadData", "result", cuModuleLoadData(&mod, fatbin) == CUDA_SUCCESS);
	q.module = (uint64_t)(uintptr_t)mod;
	RT_TRUE("module globals", "a global of 64 bytes",
		gv_rpc_tail(GV_OP_GLOBAL_GET, &q, sizeof(q), "g", 1, &r, sizeof(r), NULL, 0) ==
			cudaSuccess &&
		    r.ptr && r.size == 64);
	RT_TRUE("module globals", "a copy to it while loaded",
		cuMemcpyHtoD(r.ptr, h, sizeof(h)) == CUDA_SUCCESS);
	RT_TRUE("cuModuleUnload", "result", cuModuleUnload(mod) == CUDA_SUCCESS);
	RT_TRUE("module globals", "a copy to it once unloaded",
		cuMemcpyHtoD(r.ptr, h, sizeof(h)) == CUDA_ERROR_INVALID_VALUE);
	(void)cudaGetLastError();
}

static struct {
	CUlaunchConfig cfg;
	CUlaunchAttribute attrs[4];
	unsigned char args[64];
	size_t size;
	int calls;
} lx;

static CUresult see_launch(const CUlaunchConfig *cfg, CUfunction f, void **params, void **extra)
{
	lx.calls++;
	lx.cfg = *cfg;
	memcpy(lx.attrs, cfg->attrs, cfg->numAttrs * sizeof(*cfg->attrs));
	if (!params && extra && extra[0] == CU_LAUNCH_PARAM_BUFFER_POINTER &&
	    extra[2] == CU_LAUNCH_PARAM_BUFFER_SIZE) {
		lx.size = *(size_t *)extra[3];
		memcpy(lx.args, extra[1], lx.size < sizeof(lx.args) ? lx.size : sizeof(lx.args));
	}
	(void)f;
	return CUDA_SUCCESS;
}

/* cuLaunchKernelEx and cuLaunchCooperativeKernel (LAUNCH_EX). */
static CUresult see_clusters(int *n, CUfunction f, const CUlaunchConfig *cfg)
{
	lx.calls++;
	lx.cfg = *cfg;
	memcpy(lx.attrs, cfg->attrs, cfg->numAttrs * sizeof(*cfg->attrs));
	*n = f ? 7 : 0;
	return CUDA_SUCCESS;
}

static void launches_with_attributes(struct gvg_cuda_fns *t)
{
	CUmodule mod = NULL;
	CUfunction fn = NULL;
	char c = 'x';
	double d = 2.5;
	int *p = (int *)(uintptr_t)rt_devptr;
	void *params[] = {&c, &d, &p};
	unsigned char want[24] = {'x'};
	CUlaunchAttribute attrs[2] = {{.id = CU_LAUNCH_ATTRIBUTE_COOPERATIVE},
				      {.id = CU_LAUNCH_ATTRIBUTE_PRIORITY}};
	CUlaunchConfig cfg = {4, 2, 1, 64, 1, 1, 256, NULL, attrs, 2};

	t->cuLaunchKernelEx = see_launch;
	memcpy(want + 8, &d, 8);
	memcpy(want + 16, &p, 8);
	attrs[0].value.cooperative = 1;
	attrs[1].value.priority = -3;
	RT_TRUE("cuModuleLoadData", "the test's fatbin",
		cuModuleLoadData(&mod, fatbin) == CUDA_SUCCESS &&
		    cuModuleGetFunction(&fn, mod, "_Z2k1cdPi") == CUDA_SUCCESS);
	RT_TRUE("cuLaunchKernelEx", "result", cuLaunchKernelEx(&cfg, fn, params, NULL) == 0);
	RT_TRUE("cuLaunchKernelEx", "configuration",
		lx.calls == 1 && lx.cfg.gridDimX == 4 && lx.cfg.gridDimY == 2 &&
		    lx.cfg.blockDimX == 64 && lx.cfg.sharedMemBytes == 256 &&
		    lx.cfg.numAttrs == 2 && lx.attrs[0].id == CU_LAUNCH_ATTRIBUTE_COOPERATIVE &&
		    lx.attrs[0].value.cooperative == 1 && lx.attrs[1].value.priority == -3);
	RT_TRUE("cuLaunchKernelEx", "packed arguments",
		lx.size == 24 && !memcmp(lx.args, want, 24));
	RT_TRUE("cuLaunchCooperativeKernel", "result",
		cuLaunchCooperativeKernel(fn, 1, 1, 1, 32, 1, 1, 0, NULL, params) == 0 &&
		    lx.calls == 2 && lx.cfg.numAttrs == 1 &&
		    lx.attrs[0].id == CU_LAUNCH_ATTRIBUTE_COOPERATIVE);
	/* An event in an attribute is a host object: not carried. */
	attrs[1].id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_EVENT;
	RT_TRUE("cuLaunchKernelEx", "an event attribute refused",
		cuLaunchKernelEx(&cfg, fn, params, NULL) == CUDA_ERROR_NOT_SUPPORTED &&
		    lx.calls == 2);
	cfg.numAttrs = 9;
	RT_TRUE("cuLaunchKernelEx", "too many attributes",
		cuLaunchKernelEx(&cfg, fn, params, NULL) == CUDA_ERROR_INVALID_VALUE);
	/* The occupancy of clusters: the same configuration, no arguments. */
	t->cuOccupancyMaxActiveClusters = see_clusters;
	t->cuOccupancyMaxPotentialClusterSize = see_clusters;
	attrs[1].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
	attrs[1].value.clusterDim.x = 2;
	attrs[1].value.clusterDim.y = 1;
	attrs[1].value.clusterDim.z = 1;
	cfg.numAttrs = 2;
	{
		int n = 0, calls = lx.calls;

		RT_TRUE("cuOccupancyMaxActiveClusters", "result",
			cuOccupancyMaxActiveClusters(&n, fn, &cfg) == CUDA_SUCCESS && n == 7 &&
			    lx.calls == calls + 1);
		RT_TRUE("cuOccupancyMaxActiveClusters", "configuration",
			lx.cfg.gridDimX == 4 && lx.cfg.blockDimX == 64 &&
			    lx.cfg.sharedMemBytes == 256 && lx.cfg.numAttrs == 2 &&
			    lx.attrs[1].id == CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION &&
			    lx.attrs[1].value.clusterDim.x == 2);
		n = 0;
		RT_TRUE("cuOccupancyMaxPotentialClusterSize", "result",
			cuOccupancyMaxPotentialClusterSize(&n, fn, &cfg) == CUDA_SUCCESS && n == 7);
		RT_TRUE("cuOccupancyMaxActiveClusters", "a forged function refused",
			cuOccupancyMaxActiveClusters(&n, (CUfunction)(uintptr_t)12345, &cfg) ==
			    CUDA_ERROR_INVALID_HANDLE);
	}
	RT_TRUE("cuModuleUnload", "result", cuModuleUnload(mod) == CUDA_SUCCESS);
}

static int vmm_calls;

static CUresult see_map(CUdeviceptr p, size_t n, size_t off, CUmemGenericAllocationHandle h,
			unsigned long long flags)
{
	(void)p, (void)n, (void)off, (void)h, (void)flags;
	vmm_calls++;
	return CUDA_SUCCESS;
}

static CUresult see_release(CUmemGenericAllocationHandle h)
{
	(void)h;
	vmm_calls++;
	return CUDA_SUCCESS;
}

static CUresult see_address_free(CUdeviceptr p, size_t n)
{
	(void)p, (void)n;
	vmm_calls++;
	return CUDA_SUCCESS;
}

/* The virtual memory calls take only the session's own objects: a mapping
 * into its reserved range of its physical allocation; a release of one it
 * made; a reserved range freed whole, and no other memory. */
static void vmm_objects(struct gvg_cuda_fns *t)
{
	CUmemGenericAllocationHandle h = rt_fresh_phys(1 << 16), forged = h ^ 0x5550;
	CUdeviceptr r = rt_fresh_reserve(1 << 20);

	t->cuMemMap = see_map;
	t->cuMemRelease = see_release;
	t->cuMemAddressFree = see_address_free;
	vmm_calls = 0;
	RT_TRUE("cuMemMap", "a forged handle refused",
		cuMemMap(r, 1 << 16, 0, forged, 0) == CUDA_ERROR_INVALID_VALUE && vmm_calls == 0);
	RT_TRUE("cuMemMap", "past the reserved range refused",
		cuMemMap(r + (1 << 20) - 4096, 1 << 16, 0, h, 0) == CUDA_ERROR_INVALID_VALUE &&
		    vmm_calls == 0);
	RT_TRUE("cuMemMap", "the session's allocation into its range",
		cuMemMap(r, 1 << 16, 0, h, 0) == CUDA_SUCCESS && vmm_calls == 1);
	RT_TRUE("cuMemRelease", "a forged handle refused",
		cuMemRelease(forged) == CUDA_ERROR_INVALID_VALUE && vmm_calls == 1);
	RT_TRUE("cuMemRelease", "while mapped", cuMemRelease(h) == CUDA_SUCCESS && vmm_calls == 2);
	RT_TRUE("cuMemRelease", "twice refused",
		cuMemRelease(h) == CUDA_ERROR_INVALID_VALUE && vmm_calls == 2);
	RT_TRUE("cuMemAddressFree", "an allocation that is no reserved range",
		cuMemAddressFree(rt_devptr, 1 << 20) == CUDA_ERROR_INVALID_VALUE && vmm_calls == 2);
	RT_TRUE("cuMemAddressFree", "part of a range",
		cuMemAddressFree(r, 4096) == CUDA_ERROR_INVALID_VALUE && vmm_calls == 2);
	RT_TRUE("cuMemAddressFree", "the whole range",
		cuMemAddressFree(r, 1 << 20) == CUDA_SUCCESS && vmm_calls == 3);
	RT_TRUE("cuMemMap", "into a freed range refused",
		cuMemMap(r, 1 << 16, 0, rt_fresh_phys(1 << 16), 0) == CUDA_ERROR_INVALID_VALUE &&
		    vmm_calls == 3);
	(void)cudaGetLastError();
}

/* VISIBLE_DEVICES: only before the session uses a device, only a string. */
static void visible_devices(void)
{
	struct gv_hello_resp r;

	RT_TRUE("VISIBLE_DEVICES", "an unterminated list refused",
		gv_rpc_tail(GV_OP_VISIBLE_DEVICES, NULL, 0, "0,1", 3, &r, sizeof(r), NULL, 0) ==
		    cudaErrorInvalidValue);
	RT_TRUE("VISIBLE_DEVICES", "refused once the session has a context",
		gv_rpc_tail(GV_OP_VISIBLE_DEVICES, NULL, 0, "0", 2, &r, sizeof(r), NULL, 0) ==
		    cudaErrorSetOnActiveProcess);
	(void)cudaGetLastError();
}

/*
 * Asynchronous calls: queued in order, sent with the next synchronous call,
 * and a failure the host found surfaces as the thread's last error there,
 * while that call itself answers for itself.  LAUNCH with a function handle
 * the session never had is one the host refuses (the guest's own launch
 * path would have checked; this goes around it).
 */
static void async_calls(void)
{
	struct gv_launch_req q = {.function = 0x7777, .grid = {1, 1, 1}, .block = {1, 1, 1}};
	struct gv_stats_resp s0, s1;
	struct gv_empty e;
	int i, ok = 1;

	(void)cudaGetLastError();
	RT_TRUE("async", "STATS", GV_RPC(STATS, &e, &s0, NULL, 0) == cudaSuccess);
	for (i = 0; i < 3000 && ok; i++)
		ok = gv_rpc_async(GV_OP_FLUSH, NULL, 0, NULL, 0) == cudaSuccess;
	RT_TRUE("async", "3000 calls queued (a full queue flushes itself)", ok);
	RT_TRUE("async", "STATS after them", GV_RPC(STATS, &e, &s1, NULL, 0) == cudaSuccess);
	/* Each request carried queued calls and one synchronous message (FLUSH, or STATS). */
	RT_TRUE("async", "the host ran every one, in few requests",
		s1.session_calls - s0.session_calls ==
			3000 + (s1.session_requests - s0.session_requests) &&
		    s1.session_requests - s0.session_requests < 10);
	RT_TRUE("async", "nothing failed: no last error", cudaGetLastError() == cudaSuccess);
	RT_TRUE("async", "a launch the host refuses is queued",
		gv_rpc_async(GV_OP_LAUNCH, &q, sizeof(q), NULL, 0) == cudaSuccess);
	RT_TRUE("async", "the next synchronous call answers for itself",
		cudaDeviceSynchronize() == cudaSuccess);
	RT_TRUE("async", "and the launch's error is the last error",
		cudaGetLastError() == cudaErrorInvalidResourceHandle);
	RT_TRUE("async", "once", cudaGetLastError() == cudaSuccess);
	RT_TRUE("async", "the next response carries none",
		cudaDeviceSynchronize() == cudaSuccess && cudaGetLastError() == cudaSuccess);
}

/*
 * Small cudaMemcpyAsync copies into the process's own allocations are
 * queued with their bytes, taken at the call: the host writes them, in
 * order, by the next synchronous call.  cudaMemcpy, larger copies and
 * copies into memory the runtime did not allocate ask the host at once.
 */
static CUresult begin_capture(CUstream s, CUstreamCaptureMode mode)
{
	return CUDA_SUCCESS;
}

static CUresult end_capture(CUstream s, CUgraph *g)
{
	*g = NULL;
	return CUDA_SUCCESS;
}

static void inline_copies(struct gvg_cuda_fns *t)
{
	unsigned char a[4096], b[4096], back[8192];
	struct gv_stats_resp s0, s1, s2;
	struct gv_empty e;
	char *dev = NULL;
	int i;

	for (i = 0; i < 4096; i++)
		a[i] = (unsigned char)i, b[i] = (unsigned char)(255 - i);
	RT_TRUE("async copy", "cudaMalloc", cudaMalloc((void **)&dev, 1 << 20) == cudaSuccess);
	RT_TRUE("async copy", "STATS", GV_RPC(STATS, &e, &s0, NULL, 0) == cudaSuccess);
	RT_TRUE("async copy", "two small copies",
		cudaMemcpyAsync(dev, a, 4096, cudaMemcpyHostToDevice, 0) == cudaSuccess &&
		    cudaMemcpyAsync(dev + 4096, b, 4096, cudaMemcpyDefault, 0) == cudaSuccess);
	memset(a, 0x77, sizeof(a)); /* the bytes were taken at the call */
	RT_TRUE("async copy", "STATS after them", GV_RPC(STATS, &e, &s1, NULL, 0) == cudaSuccess);
	RT_TRUE("async copy", "queued: no round trip of their own",
		s1.session_requests - s0.session_requests == 1 &&
		    s1.session_calls - s0.session_calls == 3);
	RT_TRUE("async copy", "read back",
		cudaMemcpy(back, dev, sizeof(back), cudaMemcpyDeviceToHost) == cudaSuccess);
	for (i = 0;
	     i < 4096 && back[i] == (unsigned char)i && back[4096 + i] == (unsigned char)(255 - i);
	     i++)
		;
	RT_TRUE("async copy", "the bytes of the call, in place", i == 4096);
	RT_TRUE("async copy", "STATS", GV_RPC(STATS, &e, &s1, NULL, 0) == cudaSuccess);
	RT_TRUE("async copy", "cudaMemcpy and a larger copy wait",
		cudaMemcpy(dev, a, 16, cudaMemcpyHostToDevice) == cudaSuccess &&
		    cudaMemcpyAsync(dev, back, 8192, cudaMemcpyHostToDevice, 0) == cudaSuccess &&
		    GV_RPC(STATS, &e, &s2, NULL, 0) == cudaSuccess &&
		    s2.session_requests - s1.session_requests == 3);
	RT_TRUE("async copy", "past the allocation: the host's answer at once",
		cudaMemcpyAsync(dev + (1 << 20) - 8, a, 16, cudaMemcpyHostToDevice, 0) ==
		    cudaErrorInvalidValue);
	/* While a capture may be in progress, the host says whether it may. */
	{
		CUresult (*begin)(CUstream, CUstreamCaptureMode) = t->cuStreamBeginCapture_v2;
		CUresult (*end)(CUstream, CUgraph *) = t->cuStreamEndCapture;
		cudaGraph_t g;

		t->cuStreamBeginCapture_v2 = begin_capture;
		t->cuStreamEndCapture = end_capture;
		RT_TRUE("async copy", "a capture begins",
			cudaStreamBeginCapture(0, cudaStreamCaptureModeGlobal) == cudaSuccess);
		RT_TRUE("async copy", "STATS", GV_RPC(STATS, &e, &s1, NULL, 0) == cudaSuccess);
		/* It asks whether its stream is the one captured (a captured
		 * copy is a graph's node), then copies. */
		RT_TRUE("async copy", "a small copy during it waits",
			cudaMemcpyAsync(dev, a, 16, cudaMemcpyHostToDevice, 0) == cudaSuccess &&
			    GV_RPC(STATS, &e, &s2, NULL, 0) == cudaSuccess &&
			    s2.session_requests - s1.session_requests == 3);
		RT_TRUE("async copy", "the capture ends",
			cudaStreamEndCapture(0, &g) == cudaSuccess &&
			    GV_RPC(STATS, &e, &s2, NULL, 0) == cudaSuccess);
		RT_TRUE("async copy", "then small copies are queued again",
			cudaMemcpyAsync(dev, a, 16, cudaMemcpyHostToDevice, 0) == cudaSuccess &&
			    GV_RPC(STATS, &e, &s1, NULL, 0) == cudaSuccess &&
			    s1.session_requests - s2.session_requests == 1);
		t->cuStreamBeginCapture_v2 = begin;
		t->cuStreamEndCapture = end;
	}
	cudaFree(dev);
}

/*
 * A sticky error seen through the driver API (the context the runtime
 * shares is broken): from then on nothing is queued, for the rest of the
 * process (async_calls queues with gv_rpc_async itself).
 */
static CUresult broken_limit(CUlimit limit, size_t value)
{
	return CUDA_ERROR_ILLEGAL_ADDRESS;
}

static void sticky_from_driver(struct gvg_cuda_fns *t)
{
	CUresult (*saved)(CUlimit, size_t) = t->cuCtxSetLimit;

	RT_TRUE("async", "calls may be queued before", gv_async_enabled());
	t->cuCtxSetLimit = broken_limit;
	RT_TRUE("async", "a driver call answers a sticky error",
		cuCtxSetLimit(CU_LIMIT_PRINTF_FIFO_SIZE, 1 << 20) == CUDA_ERROR_ILLEGAL_ADDRESS);
	RT_TRUE("async", "then nothing is queued", !gv_async_enabled());
	t->cuCtxSetLimit = saved;
}

/* Capture state: statuses, ids, and nodes that keep one handle each. */
static void *cap_nodes[65];
static size_t cap_n;

static CUresult see_capture(CUstream s, CUstreamCaptureStatus *st, cuuint64_t *id, CUgraph *g,
			    const CUgraphNode **deps, const CUgraphEdgeData **edges, size_t *n)
{
	static CUgraphEdgeData e[65];
	static void *graph;

	if (!graph)
		graph = rt_object();
	*st = CU_STREAM_CAPTURE_STATUS_ACTIVE;
	*id = 77;
	if (g)
		*g = graph;
	if (deps)
		*deps = (const CUgraphNode *)cap_nodes;
	if (edges) {
		e[1].to_port = 3;
		*edges = e;
	}
	if (n)
		*n = cap_n;
	(void)s;
	return CUDA_SUCCESS;
}

static void capture_info(struct gvg_cuda_fns *t)
{
	enum cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
	unsigned long long id = 0;
	cudaGraph_t g = NULL, g2 = NULL;
	const cudaGraphNode_t *deps = NULL;
	const cudaGraphEdgeData *edges = NULL;
	cudaGraphNode_t first[2];
	size_t n = 0, i;

	CUresult (*was)(CUstream, CUstreamCaptureStatus *, cuuint64_t *, CUgraph *,
			const CUgraphNode **, const CUgraphEdgeData **, size_t *) =
	    t->cuStreamGetCaptureInfo_v3;

	t->cuStreamGetCaptureInfo_v3 = see_capture;
	for (i = 0; i < 65; i++)
		cap_nodes[i] = rt_object();
	cap_n = 2;
	RT_TRUE("cudaStreamGetCaptureInfo", "result",
		cudaStreamGetCaptureInfo(0, &st, &id, &g, &deps, &edges, &n) == cudaSuccess);
	RT_TRUE("cudaStreamGetCaptureInfo", "values",
		st == cudaStreamCaptureStatusActive && id == 77 && g && n == 2 && deps && deps[0] &&
		    deps[1] && deps[0] != deps[1] && edges && edges[1].to_port == 3);
	first[0] = deps[0];
	first[1] = deps[1];
	RT_TRUE("cudaStreamGetCaptureInfo", "again",
		cudaStreamGetCaptureInfo(0, &st, NULL, &g2, &deps, NULL, &n) == cudaSuccess);
	RT_TRUE("cudaStreamGetCaptureInfo", "one object, one handle",
		g2 == g && deps[0] == first[0] && deps[1] == first[1]);
	cap_n = 65;
	RT_TRUE("cudaStreamGetCaptureInfo", "more nodes than carried",
		cudaStreamGetCaptureInfo(0, &st, NULL, NULL, &deps, NULL, &n) ==
		    cudaErrorNotSupported);
	(void)cudaGetLastError();
	/* Later copies see no capture again. */
	t->cuStreamGetCaptureInfo_v3 = was;
}

/* Graphs built node by node: arrays of nodes become the driver's objects. */
static struct {
	void *graph, *nodes[4], *seen[4], *seen_to[4];
	CUgraphEdgeData edge;
	size_t n, added;
	int calls;
} gr;

static CUresult see_graph_create(CUgraph *g, unsigned int flags)
{
	*g = gr.graph = rt_object();
	(void)flags;
	return CUDA_SUCCESS;
}

static CUresult see_empty_node(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t n)
{
	gr.calls++;
	gr.n = n;
	memcpy(gr.seen, deps ? (const void *)deps : (const void *)gr.seen, n * sizeof(*deps));
	*node = gr.nodes[gr.added++] = rt_object();
	return g == gr.graph ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

static CUresult see_add_deps(CUgraph g, const CUgraphNode *from, const CUgraphNode *to,
			     const CUgraphEdgeData *edge, size_t n)
{
	gr.calls++;
	gr.n = n;
	memcpy(gr.seen, from, n * sizeof(*from));
	memcpy(gr.seen_to, to, n * sizeof(*to));
	gr.edge = edge[0];
	return g == gr.graph ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

static int access_calls;

static CUresult see_access(CUdeviceptr p, size_t n, const CUmemAccessDesc *d, size_t count)
{
	access_calls++;
	(void)p, (void)n, (void)d, (void)count;
	return CUDA_SUCCESS;
}

/*
 * What no guest stub sends, so the generated tests cannot: a count that
 * disagrees with the arrays in the tail. The host refuses it before it
 * reads the tail or calls the driver.
 */
static void malformed_arrays(struct gvg_cuda_fns *t, cudaGraph_t g, cudaGraphNode_t a,
			     cudaGraphNode_t b)
{
	struct gvg_cuGraphAddDependencies_v2_req dq = {.hGraph = (uint64_t)(uintptr_t)g};
	struct gvg_cuMemSetAccess_req mq = {.ptr = rt_devptr, .size = 4096};
	uint64_t tail[6] = {(uint64_t)(uintptr_t)a, (uint64_t)(uintptr_t)b, 0};
	unsigned char desc[12 * 3] = {0};

	gr.calls = 0;
	dq.numDependencies = 1;
	RT_TRUE("malformed arrays", "a well-formed request, sent raw",
		gv_rpc_tail(GV_OP_cuGraphAddDependencies_v2, &dq, sizeof(dq), tail, 24, NULL, 0,
			    NULL, 0) == cudaSuccess &&
		    gr.calls == 1 && gr.seen[0] == gr.nodes[0] && gr.seen_to[0] == gr.nodes[1]);
	gr.calls = 0;
	dq.numDependencies = 2;
	RT_TRUE("malformed arrays", "handle arrays longer than the tail",
		gv_rpc_tail(GV_OP_cuGraphAddDependencies_v2, &dq, sizeof(dq), tail, 24, NULL, 0,
			    NULL, 0) == cudaErrorInvalidValue &&
		    gr.calls == 0);
	dq.numDependencies = 1ull << 62;
	RT_TRUE("malformed arrays", "a count whose size overflows",
		gv_rpc_tail(GV_OP_cuGraphAddDependencies_v2, &dq, sizeof(dq), tail, 48, NULL, 0,
			    NULL, 0) == cudaErrorInvalidValue &&
		    gr.calls == 0);
	t->cuMemSetAccess = see_access;
	mq.count = 3;
	RT_TRUE("malformed arrays", "plain arrays longer than the tail",
		gv_rpc_tail(GV_OP_cuMemSetAccess, &mq, sizeof(mq), desc, 12, NULL, 0, NULL, 0) ==
			cudaErrorInvalidValue &&
		    access_calls == 0);
	mq.count = 0xa29805d112995d5cull; /* the size the fuzzer found */
	RT_TRUE("malformed arrays", "a count past any allocation",
		gv_rpc_tail(GV_OP_cuMemSetAccess, &mq, sizeof(mq), desc, sizeof(desc), NULL, 0,
			    NULL, 0) == cudaErrorInvalidValue &&
		    access_calls == 0);
	mq.count = 1;
	RT_TRUE("malformed arrays", "a tail longer than the arrays",
		gv_rpc_tail(GV_OP_cuMemSetAccess, &mq, sizeof(mq), desc, sizeof(desc), NULL, 0,
			    NULL, 0) == cudaErrorInvalidValue &&
		    access_calls == 0);
	mq.count = 3;
	RT_TRUE("malformed arrays", "plain arrays that fit",
		gv_rpc_tail(GV_OP_cuMemSetAccess, &mq, sizeof(mq), desc, sizeof(desc), NULL, 0,
			    NULL, 0) == cudaSuccess &&
		    access_calls == 1);
	(void)cudaGetLastError();
}

/* A conditional node's bodies, as the fake driver makes them. */
static void *bodies[2];
static cudaGraph_t body_handle; /* the guest's handle of bodies[1] */

/* The graph's nodes, as the driver lists them; its destruction. */
static CUresult list_nodes(CUgraph g, CUgraphNode *nodes, size_t *n)
{
	size_t i;

	if (g && (g == bodies[0] || g == bodies[1])) {
		*n = 0; /* a conditional node's empty bodies */
		return CUDA_SUCCESS;
	}
	if (nodes)
		for (i = 0; i < *n && i < gr.added; i++)
			nodes[i] = gr.nodes[i];
	*n = gr.added;
	return g == gr.graph ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

static CUresult node_type(CUgraphNode n, CUgraphNodeType *type)
{
	*type = CU_GRAPH_NODE_TYPE_EMPTY;
	return CUDA_SUCCESS;
}

static CUresult destroy_graph(CUgraph g)
{
	gr.calls++;
	return g == gr.graph ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

static struct {
	CUDA_KERNEL_NODE_PARAMS p;
	unsigned char args[64];
	size_t size, ndeps;
	void *deps[4], *graph, *node;
	int calls;
} kn;

static void see_kernel_params(const CUDA_KERNEL_NODE_PARAMS *p)
{
	kn.calls++;
	kn.p = *p;
	kn.size = 0;
	if (!p->kernelParams && p->extra && p->extra[0] == CU_LAUNCH_PARAM_BUFFER_POINTER &&
	    p->extra[2] == CU_LAUNCH_PARAM_BUFFER_SIZE) {
		kn.size = *(size_t *)p->extra[3];
		memcpy(kn.args, p->extra[1], kn.size < sizeof(kn.args) ? kn.size : sizeof(kn.args));
	}
}

static CUresult see_add_kernel_node(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t n,
				    const CUDA_KERNEL_NODE_PARAMS *p)
{
	see_kernel_params(p);
	kn.graph = g;
	kn.ndeps = n;
	memcpy(kn.deps, deps, (n < 4 ? n : 4) * sizeof(*deps));
	*node = kn.node = rt_object();
	return CUDA_SUCCESS;
}

static CUresult see_set_kernel_node(CUgraphNode node, const CUDA_KERNEL_NODE_PARAMS *p)
{
	see_kernel_params(p);
	return node == kn.node ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

static CUresult see_exec_set_kernel_node(CUgraphExec x, CUgraphNode node,
					 const CUDA_KERNEL_NODE_PARAMS *p)
{
	see_kernel_params(p);
	(void)x;
	return node == kn.node ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

/* The node's parameters as the driver keeps them: the arguments it was
 * given as one buffer (extra), or each by a pointer when get_by_pointer. */
static int get_by_pointer;

static CUresult see_get_kernel_node(CUgraphNode node, CUDA_KERNEL_NODE_PARAMS *p)
{
	static size_t size;
	static void *extra[5];
	static char c2 = 'p';
	static double d2 = 7.25;
	static int *p2 = (int *)(uintptr_t)0x1234;
	static void *each[3] = {&c2, &d2, &p2};

	if (node != kn.node)
		return CUDA_ERROR_INVALID_HANDLE;
	*p = kn.p;
	size = kn.size;
	extra[0] = CU_LAUNCH_PARAM_BUFFER_POINTER;
	extra[1] = kn.args;
	extra[2] = CU_LAUNCH_PARAM_BUFFER_SIZE;
	extra[3] = &size;
	extra[4] = CU_LAUNCH_PARAM_END;
	p->kernelParams = get_by_pointer ? each : NULL;
	p->extra = get_by_pointer ? NULL : extra;
	return CUDA_SUCCESS;
}

/* KERNEL_NODE_GET: a node's function as the session's handle, each argument
 * where the returned pointers say, by either of the driver's forms. */
static void kernel_node_params(struct gvg_cuda_fns *t, CUgraphNode node, CUfunction fn, char c,
			       double d, int *p)
{
	CUDA_KERNEL_NODE_PARAMS got;
	struct cudaKernelNodeParams rt;
	char c2;
	double d2;
	int *p2;

	t->cuGraphKernelNodeGetParams_v2 = see_get_kernel_node;
	memset(&got, 0, sizeof(got));
	RT_TRUE("cuGraphKernelNodeGetParams", "the function and geometry",
		cuGraphKernelNodeGetParams(node, &got) == CUDA_SUCCESS && got.func == fn &&
		    got.gridDimX == 3 && got.blockDimX == 128 && got.sharedMemBytes == 64 &&
		    got.kernelParams && !got.extra);
	RT_TRUE("cuGraphKernelNodeGetParams", "each argument from the driver's buffer",
		got.kernelParams && *(char *)got.kernelParams[0] == c &&
		    !memcmp(got.kernelParams[1], &d, 8) && !memcmp(got.kernelParams[2], &p, 8));
	get_by_pointer = 1;
	memset(&rt, 0, sizeof(rt));
	RT_TRUE("cudaGraphKernelNodeGetParams", "each argument from the driver's pointers",
		cudaGraphKernelNodeGetParams((cudaGraphNode_t)node, &rt) == cudaSuccess &&
		    rt.func == (void *)fn && rt.gridDim.x == 3 && rt.kernelParams);
	if (rt.kernelParams) {
		memcpy(&c2, rt.kernelParams[0], 1);
		memcpy(&d2, rt.kernelParams[1], 8);
		memcpy(&p2, rt.kernelParams[2], 8);
		RT_TRUE("cudaGraphKernelNodeGetParams", "the values",
			c2 == 'p' && d2 == 7.25 && p2 == (int *)(uintptr_t)0x1234);
	}
	get_by_pointer = 0;
	RT_TRUE("cuGraphKernelNodeGetParams", "a node of no graph refused",
		cuGraphKernelNodeGetParams((CUgraphNode)(uintptr_t)0x5550, &got) ==
		    CUDA_ERROR_INVALID_HANDLE);
	(void)cudaGetLastError();
}

/* KERNEL_NODE: a node's function, geometry and packed arguments reach the
 * driver as for a launch; dependencies as the driver's nodes. */
static void kernel_nodes(struct gvg_cuda_fns *t, cudaGraph_t g, cudaGraphNode_t a,
			 cudaGraphNode_t b)
{
	CUmodule mod = NULL;
	CUfunction fn = NULL;
	CUgraphNode node = NULL, deps[2] = {(CUgraphNode)a, (CUgraphNode)b};
	char c = 'k';
	double d = -1.5;
	int *p = (int *)(uintptr_t)rt_devptr;
	void *params[] = {&c, &d, &p};
	unsigned char want[24] = {'k'};
	CUDA_KERNEL_NODE_PARAMS kp = {.gridDimX = 3,
				      .gridDimY = 1,
				      .gridDimZ = 1,
				      .blockDimX = 128,
				      .blockDimY = 1,
				      .blockDimZ = 1,
				      .sharedMemBytes = 64,
				      .kernelParams = params};
	struct gv_kernel_node_req q = {.op = GV_KERNEL_NODE_ADD};
	struct gv_handle_resp r;
	unsigned char tail[32] = {0};

	t->cuGraphAddKernelNode_v2 = see_add_kernel_node;
	t->cuGraphKernelNodeSetParams_v2 = see_set_kernel_node;
	t->cuGraphExecKernelNodeSetParams_v2 = see_exec_set_kernel_node;
	memcpy(want + 8, &d, 8);
	memcpy(want + 16, &p, 8);
	RT_TRUE("cuModuleLoadData", "the test's fatbin",
		cuModuleLoadData(&mod, fatbin) == CUDA_SUCCESS &&
		    cuModuleGetFunction(&fn, mod, "_Z2k1cdPi") == CUDA_SUCCESS);
	kp.func = fn;
	RT_TRUE("cuGraphAddKernelNode", "result",
		cuGraphAddKernelNode(&node, (CUgraph)g, deps, 2, &kp) == CUDA_SUCCESS && node &&
		    kn.calls == 1);
	RT_TRUE("cuGraphAddKernelNode", "geometry, packed arguments, dependencies",
		kn.p.gridDimX == 3 && kn.p.blockDimX == 128 && kn.p.sharedMemBytes == 64 &&
		    kn.size == 24 && !memcmp(kn.args, want, 24) && kn.ndeps == 2 &&
		    kn.deps[0] == gr.nodes[0] && kn.deps[1] == gr.nodes[1] && kn.graph == gr.graph);
	c = 'z';
	want[0] = 'z';
	RT_TRUE("cuGraphKernelNodeSetParams", "new arguments",
		cuGraphKernelNodeSetParams(node, &kp) == CUDA_SUCCESS && kn.calls == 2 &&
		    !memcmp(kn.args, want, 24));
	kernel_node_params(t, node, fn, c, d, p);
	RT_TRUE("cuGraphKernelNodeSetParams", "a node of no graph refused",
		cuGraphKernelNodeSetParams((CUgraphNode)(uintptr_t)0x5550, &kp) ==
			CUDA_ERROR_INVALID_HANDLE &&
		    kn.calls == 2);
	kp.func = NULL;
	RT_TRUE("cuGraphAddKernelNode", "no function",
		cuGraphAddKernelNode(&node, (CUgraph)g, NULL, 0, &kp) == CUDA_ERROR_INVALID_VALUE &&
		    kn.calls == 2);
	/* What no guest stub sends: arguments of another size, a SET with
	 * dependencies, a forged dependency. */
	q.graph = (uint64_t)(uintptr_t)g;
	q.launch = (struct gv_launch_req){
	    .function = (uintptr_t)fn, .grid = {1, 1, 1}, .block = {1, 1, 1}, .args_len = 24};
	RT_TRUE("KERNEL_NODE", "a well-formed request, sent raw",
		gv_rpc_tail(GV_OP_KERNEL_NODE, &q, sizeof(q), tail, 24, &r, sizeof(r), NULL, 0) ==
			cudaSuccess &&
		    kn.calls == 3);
	q.launch.args_len = 16;
	RT_TRUE("KERNEL_NODE", "arguments of another size",
		gv_rpc_tail(GV_OP_KERNEL_NODE, &q, sizeof(q), tail, 16, &r, sizeof(r), NULL, 0) ==
			cudaErrorInvalidValue &&
		    kn.calls == 3);
	q.launch.args_len = 24;
	q.ndeps = 1;
	memset(tail + 24, 0x77, 8);
	RT_TRUE("KERNEL_NODE", "a forged dependency",
		gv_rpc_tail(GV_OP_KERNEL_NODE, &q, sizeof(q), tail, 32, &r, sizeof(r), NULL, 0) ==
			cudaErrorInvalidResourceHandle &&
		    kn.calls == 3);
	RT_TRUE("KERNEL_NODE", "a dependency the tail does not hold",
		gv_rpc_tail(GV_OP_KERNEL_NODE, &q, sizeof(q), tail, 24, &r, sizeof(r), NULL, 0) ==
			cudaErrorInvalidValue &&
		    kn.calls == 3);
	q.op = GV_KERNEL_NODE_SET;
	q.node = (uint64_t)(uintptr_t)node;
	RT_TRUE("KERNEL_NODE", "a SET with dependencies",
		gv_rpc_tail(GV_OP_KERNEL_NODE, &q, sizeof(q), tail, 32, &r, sizeof(r), NULL, 0) ==
			cudaErrorInvalidValue &&
		    kn.calls == 3);
	RT_TRUE("cuModuleUnload", "result", cuModuleUnload(mod) == CUDA_SUCCESS);
	(void)cudaGetLastError();
}

static const CUgraphEdgeData an_edge = {.type = CU_GRAPH_DEPENDENCY_TYPE_PROGRAMMATIC};

/* One edge, from the first node added to the second, with its data. */
static CUresult list_edges(CUgraph g, CUgraphNode *from, CUgraphNode *to, CUgraphEdgeData *d,
			   size_t *n)
{
	if (from && *n) {
		from[0] = gr.nodes[0];
		to[0] = gr.nodes[1];
		if (d)
			d[0] = an_edge;
	}
	*n = 1;
	return g == gr.graph ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

static CUresult list_deps(CUgraphNode node, CUgraphNode *deps, CUgraphEdgeData *d, size_t *n)
{
	(void)node, (void)deps, (void)d;
	*n = 0;
	return CUDA_SUCCESS;
}

static int memset_nodes;

static CUresult see_memset_node(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t n,
				const CUDA_MEMSET_NODE_PARAMS *p, CUcontext ctx)
{
	(void)g, (void)deps, (void)n, (void)p, (void)ctx;
	memset_nodes++;
	*node = rt_object();
	return CUDA_SUCCESS;
}

/* A memset node's range must lie in the session's memory, all of it. */
static void memset_node_ranges(struct gvg_cuda_fns *t, cudaGraph_t g)
{
	struct cudaMemsetParams p = {
	    .dst = (void *)(uintptr_t)rt_devptr, .elementSize = 4, .width = 64, .height = 1};
	cudaGraphNode_t n = NULL;

	t->cuGraphAddMemsetNode = see_memset_node;
	RT_TRUE("cudaGraphAddMemsetNode", "inside an allocation",
		cudaGraphAddMemsetNode(&n, g, NULL, 0, &p) == cudaSuccess && n &&
		    memset_nodes == 1);
	p.dst = (void *)(uintptr_t)(rt_devptr + (1 << 20) - 128);
	p.pitch = 256;
	p.height = 2;
	RT_TRUE("cudaGraphAddMemsetNode", "a second row past the allocation's end",
		cudaGraphAddMemsetNode(&n, g, NULL, 0, &p) == cudaErrorInvalidValue &&
		    memset_nodes == 1);
	p.dst = (void *)(uintptr_t)(rt_devptr + (64u << 20));
	p.height = 1;
	RT_TRUE("cudaGraphAddMemsetNode", "outside the session's memory",
		cudaGraphAddMemsetNode(&n, g, NULL, 0, &p) == cudaErrorInvalidValue &&
		    memset_nodes == 1);
	p.dst = (void *)(uintptr_t)rt_devptr;
	p.width = SIZE_MAX / 2;
	RT_TRUE("cudaGraphAddMemsetNode", "a size that overflows",
		cudaGraphAddMemsetNode(&n, g, NULL, 0, &p) == cudaErrorInvalidValue &&
		    memset_nodes == 1);
	(void)cudaGetLastError();
}

static CUresult see_cond_handle(CUgraphConditionalHandle *h, CUgraph g, CUcontext ctx,
				unsigned int dflt, unsigned int flags)
{
	(void)g, (void)ctx, (void)dflt, (void)flags;
	*h = 0xc0de;
	return CUDA_SUCCESS;
}

static CUresult see_add_node(CUgraphNode *node, CUgraph g, const CUgraphNode *deps,
			     const CUgraphEdgeData *edges, size_t n, CUgraphNodeParams *p)
{
	(void)g, (void)deps, (void)edges, (void)n;
	if (p->type != CU_GRAPH_NODE_TYPE_CONDITIONAL || p->conditional.handle != 0xc0de ||
	    p->conditional.size != 2)
		return CUDA_ERROR_INVALID_VALUE;
	bodies[0] = rt_object();
	bodies[1] = rt_object();
	p->conditional.phGraph_out = (CUgraph *)bodies;
	*node = gr.nodes[gr.added++] = rt_object();
	return CUDA_SUCCESS;
}

static CUresult see_body_empty_node(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t n)
{
	(void)deps, (void)n;
	*node = rt_object();
	return g == bodies[1] ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

/* COND_NODE: a conditional node on the session's own handle; its bodies as
 * the session's graphs, which later calls can fill. */
static void conditional_nodes(struct gvg_cuda_fns *t, cudaGraph_t g, cudaGraphNode_t a)
{
	cudaGraphConditionalHandle h = 0;
	struct cudaGraphNodeParams p = {.type = cudaGraphNodeTypeConditional};
	cudaGraphNode_t node = NULL, inner = NULL;
	struct gv_cond_node_req q = {.graph = (uint64_t)(uintptr_t)g, .handle = 0xbad, .size = 1};
	struct gv_cond_node_resp *r = calloc(1, sizeof(*r));

	t->cuGraphConditionalHandleCreate = see_cond_handle;
	t->cuGraphAddNode_v2 = see_add_node;
	RT_TRUE("COND_NODE", "a forged conditional handle refused",
		r && gv_rpc_tail(GV_OP_COND_NODE, &q, sizeof(q), NULL, 0, r, sizeof(*r), NULL, 0) ==
			 cudaErrorInvalidValue);
	RT_TRUE("cudaGraphConditionalHandleCreate", "the session's handle",
		cudaGraphConditionalHandleCreate(&h, g, 0, 0) == cudaSuccess && h == 0xc0de);
	p.conditional.handle = h;
	p.conditional.type = cudaGraphCondTypeIf;
	p.conditional.size = 2;
	RT_TRUE("cudaGraphAddNode", "a conditional node, its bodies back",
		cudaGraphAddNode(&node, g, &a, NULL, 1, &p) == cudaSuccess && node &&
		    p.conditional.phGraph_out && p.conditional.phGraph_out[0] &&
		    p.conditional.phGraph_out[1] &&
		    p.conditional.phGraph_out[0] != p.conditional.phGraph_out[1]);
	t->cuGraphAddEmptyNode = see_body_empty_node;
	RT_TRUE("cudaGraphAddEmptyNode", "into a body graph",
		node && cudaGraphAddEmptyNode(&inner, p.conditional.phGraph_out[1], NULL, 0) ==
			    cudaSuccess);
	t->cuGraphAddEmptyNode = see_empty_node;
	body_handle = p.conditional.phGraph_out ? p.conditional.phGraph_out[1] : NULL;
	p.conditional.size = GV_MAX_COND_GRAPHS + 1;
	RT_TRUE("cudaGraphAddNode", "more bodies than carried",
		cudaGraphAddNode(&node, g, NULL, NULL, 0, &p) == cudaErrorNotSupported);
	p.type = cudaGraphNodeTypeHost;
	RT_TRUE("cudaGraphAddNode", "a host node: not carried",
		cudaGraphAddNode(&node, g, NULL, NULL, 0, &p) == cudaErrorNotSupported);
	free(r);
	(void)cudaGetLastError();
}

/* GRAPH_NODES: the driver's nodes come back as the handles the guest holds. */
static void graph_listing(struct gvg_cuda_fns *t, cudaGraph_t g, cudaGraphNode_t a,
			  cudaGraphNode_t b)
{
	cudaGraphNode_t nodes[4] = {NULL, NULL, a, a}, from[2] = {NULL}, to[2] = {NULL};
	cudaGraphEdgeData data[2];
	struct gv_graph_nodes_req q = {.handle = (uint64_t)(uintptr_t)g,
				       .what = GV_GRAPH_ALL_NODES};
	struct gv_graph_nodes_resp r;
	unsigned char buf[24];
	struct gv_buf bb = {.addr = buf, .len = 16, .dir = GV_BULK_FROM_HOST};
	size_t n = 0;

	t->cuGraphGetNodes = list_nodes;
	t->cuGraphGetEdges_v2 = list_edges;
	t->cuGraphNodeGetDependencies_v2 = list_deps;
	RT_TRUE("cudaGraphGetNodes", "the count alone",
		cudaGraphGetNodes(g, NULL, &n) == cudaSuccess && n == 2);
	n = 4;
	RT_TRUE("cudaGraphGetNodes", "the nodes as the guest's handles, the rest NULL",
		cudaGraphGetNodes(g, nodes, &n) == cudaSuccess && n == 2 && nodes[0] == a &&
		    nodes[1] == b && !nodes[2] && !nodes[3]);
	n = 2;
	RT_TRUE("cudaGraphGetEdges", "from and to",
		cudaGraphGetEdges(g, from, to, NULL, &n) == cudaSuccess && n == 1 && from[0] == a &&
		    to[0] == b && !from[1]);
	n = 2;
	RT_TRUE("cudaGraphGetEdges", "with the edges' data",
		cudaGraphGetEdges(g, from, to, data, &n) == cudaSuccess && n == 1 &&
		    !memcmp(&data[0], &an_edge, sizeof(an_edge)));
	n = 2;
	RT_TRUE("cudaGraphGetEdges", "from without to",
		cudaGraphGetEdges(g, from, NULL, NULL, &n) == cudaErrorInvalidValue);
	/* What no guest stub sends. */
	q.want = GV_GRAPH_WANT_NODES;
	q.count = 2;
	RT_TRUE("GRAPH_NODES", "a well-formed request, sent raw",
		gv_rpc_tail(GV_OP_GRAPH_NODES, &q, sizeof(q), NULL, 0, &r, sizeof(r), &bb, 1) ==
			cudaSuccess &&
		    r.count == 2);
	bb.len = 24;
	RT_TRUE("GRAPH_NODES", "a buffer longer than the entries",
		gv_rpc_tail(GV_OP_GRAPH_NODES, &q, sizeof(q), NULL, 0, &r, sizeof(r), &bb, 1) ==
		    cudaErrorInvalidValue);
	q.count = GV_MAX_GRAPH_ENTRIES + 1ull;
	RT_TRUE("GRAPH_NODES", "more entries than a request lists",
		gv_rpc_tail(GV_OP_GRAPH_NODES, &q, sizeof(q), NULL, 0, &r, sizeof(r), &bb, 1) ==
		    cudaErrorInvalidValue);
	q.count = 0;
	q.want = 1u << 7;
	RT_TRUE("GRAPH_NODES", "an unknown want bit",
		gv_rpc_tail(GV_OP_GRAPH_NODES, &q, sizeof(q), NULL, 0, &r, sizeof(r), NULL, 0) ==
		    cudaErrorInvalidValue);
	q.want = 0;
	q.what = 99;
	RT_TRUE("GRAPH_NODES", "an unknown listing",
		gv_rpc_tail(GV_OP_GRAPH_NODES, &q, sizeof(q), NULL, 0, &r, sizeof(r), NULL, 0) ==
		    cudaErrorInvalidValue);
	q.what = GV_GRAPH_NODE_DEPS;
	RT_TRUE("GRAPH_NODES", "a graph where a node is named",
		gv_rpc_tail(GV_OP_GRAPH_NODES, &q, sizeof(q), NULL, 0, &r, sizeof(r), NULL, 0) ==
		    cudaErrorInvalidResourceHandle);
	q.handle = (uint64_t)(uintptr_t)b;
	RT_TRUE("cudaGraphNodeGetDependencies", "a node's, counted",
		cudaGraphNodeGetDependencies(b, NULL, NULL, &n) == cudaSuccess && n == 0);
	(void)cudaGetLastError();
}

/* A destroyed graph's nodes leave the session's table with it: a later
 * call with one is refused instead of handing the driver a freed node. */
static void graph_destroy(struct gvg_cuda_fns *t, cudaGraph_t g, cudaGraphNode_t a)
{
	cudaGraphNode_t after = NULL;
	cudaGraph_t g2 = NULL;

	t->cuGraphGetNodes = list_nodes;
	t->cuGraphNodeGetType = node_type;
	t->cuGraphDestroy = destroy_graph;
	gr.calls = 0;
	RT_TRUE("cudaGraphDestroy", "result", cudaGraphDestroy(g) == cudaSuccess && gr.calls == 1);
	RT_TRUE("cudaGraphCreate", "another", cudaGraphCreate(&g2, 0) == cudaSuccess && g2);
	gr.calls = 0;
	RT_TRUE("cudaGraphAddEmptyNode", "after a node of the destroyed graph: refused",
		cudaGraphAddEmptyNode(&after, g2, &a, 1) == cudaErrorInvalidResourceHandle &&
		    gr.calls == 0);
	RT_TRUE("cudaGraphAddEmptyNode", "in the new graph",
		cudaGraphAddEmptyNode(&after, g2, NULL, 0) == cudaSuccess && gr.calls == 1);
	RT_TRUE("cudaGraphAddEmptyNode", "in a destroyed conditional node's body: refused",
		body_handle && cudaGraphAddEmptyNode(&after, body_handle, NULL, 0) ==
				   cudaErrorInvalidResourceHandle);
	(void)cudaGetLastError();
}

static void graph_nodes(struct gvg_cuda_fns *t)
{
	cudaGraph_t g = NULL;
	cudaGraphNode_t a = NULL, b = NULL, forged = (cudaGraphNode_t)(uintptr_t)0x5550;
	static const CUgraphEdgeData zero;

	t->cuGraphCreate = see_graph_create;
	t->cuGraphAddEmptyNode = see_empty_node;
	t->cuGraphAddDependencies_v2 = see_add_deps;
	RT_TRUE("cudaGraphCreate", "result", cudaGraphCreate(&g, 0) == cudaSuccess && g);
	RT_TRUE("cudaGraphAddEmptyNode", "a root",
		cudaGraphAddEmptyNode(&a, g, NULL, 0) == cudaSuccess && a && gr.n == 0);
	RT_TRUE("cudaGraphAddEmptyNode", "after it",
		cudaGraphAddEmptyNode(&b, g, &a, 1) == cudaSuccess && b && b != a && gr.n == 1 &&
		    gr.seen[0] == gr.nodes[0]);
	RT_TRUE("cudaGraphAddDependencies", "from and to as the driver's nodes, default edges",
		cudaGraphAddDependencies(g, &a, &b, NULL, 1) == cudaSuccess && gr.n == 1 &&
		    gr.seen[0] == gr.nodes[0] && gr.seen_to[0] == gr.nodes[1] &&
		    !memcmp(&gr.edge, &zero, sizeof(zero)));
	gr.calls = 0;
	RT_TRUE("cudaGraphAddDependencies", "a forged node refused",
		cudaGraphAddDependencies(g, &a, &forged, NULL, 1) ==
			cudaErrorInvalidResourceHandle &&
		    gr.calls == 0);
	(void)cudaGetLastError();
	malformed_arrays(t, g, a, b);
	graph_listing(t, g, a, b);
	memset_node_ranges(t, g);
	kernel_nodes(t, g, a, b);
	conditional_nodes(t, g, a);
	graph_destroy(t, g, a);
}

/*
 * Graphs' copies with host memory through host shadows (host-worker/shadow.c,
 * guest-lib/graph_shadow.c), against a fake driver that keeps one graph's
 * copy nodes and "runs" them at launch as plain memcpy between their host
 * sides (the shadows): bytes read at the launch call, written back only at
 * a synchronizing call, a node redirected in the executable graph leaving
 * its old destination alone, parameters read back as the guest's.
 */
static struct {
	CUDA_MEMCPY3D m[4];   /* the graph's nodes */
	CUDA_MEMCPY3D run[4]; /* the executable graph's copies */
	int n;
	void *graph, *exec;
} hc;

static CUresult hc_add(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t n,
		       const CUDA_MEMCPY3D *m, CUcontext ctx)
{
	if (hc.n == 4)
		return CUDA_ERROR_OUT_OF_MEMORY;
	hc.m[hc.n] = *m;
	*node = (CUgraphNode)&hc.m[hc.n++];
	return CUDA_SUCCESS;
}

static CUresult hc_nodes(CUgraph g, CUgraphNode *nodes, size_t *n)
{
	int i;

	if (nodes)
		for (i = 0; i < hc.n && (size_t)i < *n; i++)
			nodes[i] = (CUgraphNode)&hc.m[i];
	*n = (size_t)hc.n;
	return CUDA_SUCCESS;
}

static CUresult hc_type(CUgraphNode node, CUgraphNodeType *type)
{
	*type = CU_GRAPH_NODE_TYPE_MEMCPY;
	return CUDA_SUCCESS;
}

static CUresult hc_get(CUgraphNode node, CUDA_MEMCPY3D *m)
{
	*m = *(const CUDA_MEMCPY3D *)node;
	return CUDA_SUCCESS;
}

static CUresult hc_instantiate(CUgraphExec *exec, CUgraph g, unsigned long long flags)
{
	memcpy(hc.run, hc.m, sizeof(hc.m));
	*exec = hc.exec = rt_object();
	return CUDA_SUCCESS;
}

static CUresult hc_exec_set(CUgraphExec exec, CUgraphNode node, const CUDA_MEMCPY3D *m,
			    CUcontext ctx)
{
	hc.run[(const CUDA_MEMCPY3D *)node - hc.m] = *m;
	return CUDA_SUCCESS;
}

static CUresult hc_launch(CUgraphExec exec, CUstream s)
{
	int i;

	for (i = 0; i < hc.n; i++)
		memcpy(hc.run[i].dstHost, hc.run[i].srcHost, hc.run[i].WidthInBytes);
	return CUDA_SUCCESS;
}

static CUresult hc_destroy_exec(CUgraphExec exec)
{
	return CUDA_SUCCESS;
}

static void graph_host_copies(struct gvg_cuda_fns *t)
{
	unsigned char a[3000], b[3000], c[3000], want[3000];
	struct cudaMemcpy3DParms p = {0};
	cudaGraphNode_t node = NULL;
	cudaGraphExec_t x = NULL;
	cudaGraph_t g = NULL;
	int i;

	t->cuGraphCreate = see_graph_create;
	t->cuGraphAddMemcpyNode = hc_add;
	t->cuGraphGetNodes = hc_nodes;
	t->cuGraphNodeGetType = hc_type;
	t->cuGraphMemcpyNodeGetParams = hc_get;
	t->cuGraphInstantiateWithFlags = hc_instantiate;
	t->cuGraphExecMemcpyNodeSetParams = hc_exec_set;
	t->cuGraphLaunch = hc_launch;
	t->cuGraphExecDestroy = hc_destroy_exec;
	memset(b, 0, sizeof(b));
	memset(c, 0, sizeof(c));
	RT_TRUE("graph host copies", "a graph",
		cudaGraphCreate(&g, 0) == cudaSuccess &&
		    cudaGraphAddMemcpyNode1D(&node, g, NULL, 0, b, a, sizeof(a),
					     cudaMemcpyHostToHost) == cudaSuccess);
	RT_TRUE("graph host copies", "its parameters name the guest's buffers",
		cudaGraphMemcpyNodeGetParams(node, &p) == cudaSuccess && p.srcPtr.ptr == a &&
		    p.dstPtr.ptr == b && p.extent.width == sizeof(a));
	RT_TRUE("graph host copies", "instantiated",
		cudaGraphInstantiate(&x, g, 0) == cudaSuccess && x);
	for (i = 0; i < 3; i++) {
		memset(a, 'a' + i, sizeof(a));
		memset(b, 0, sizeof(b));
		RT_TRUE("graph host copies", "launched", cudaGraphLaunch(x, 0) == cudaSuccess);
		RT_TRUE("graph host copies", "nothing back before a synchronizing call", b[0] == 0);
		RT_TRUE("graph host copies", "synchronized",
			cudaStreamSynchronize(0) == cudaSuccess);
		RT_TRUE("graph host copies", "the launch's bytes are back",
			!memcmp(a, b, sizeof(a)));
	}
	/* The node redirected in the executable graph: b is left alone. */
	memset(b, 0, sizeof(b));
	memset(a, 'z', sizeof(a));
	memcpy(want, a, sizeof(a));
	RT_TRUE("graph host copies", "redirected",
		cudaGraphExecMemcpyNodeSetParams1D(x, node, c, a, sizeof(a),
						   cudaMemcpyHostToHost) == cudaSuccess);
	RT_TRUE("graph host copies", "launched again",
		cudaGraphLaunch(x, 0) == cudaSuccess && cudaDeviceSynchronize() == cudaSuccess);
	RT_TRUE("graph host copies", "the new destination has the bytes",
		!memcmp(c, want, sizeof(c)));
	for (i = 0; i < (int)sizeof(b) && !b[i]; i++)
		;
	RT_TRUE("graph host copies", "the old destination is untouched", i == (int)sizeof(b));
	RT_TRUE("graph host copies", "destroyed", cudaGraphExecDestroy(x) == cudaSuccess);
	(void)cudaGetLastError();
}

/* A managed range's attributes: 10 x the attribute, or a device ordinal. */
static CUresult see_range_attr(void *data, size_t size, CUmem_range_attribute a, CUdeviceptr p,
			       size_t count)
{
	int v = (int)a * 10;

	(void)p;
	(void)count;
	if (a == CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION)
		v = 0; /* the host's device 0 */
	else if (a == CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION)
		v = 99; /* a device the guest does not see */
	if (size < sizeof(v))
		return CUDA_ERROR_INVALID_VALUE;
	memcpy(data, &v, sizeof(v));
	return CUDA_SUCCESS;
}

static void range_attributes(struct gvg_cuda_fns *t)
{
	int mostly = -1, preferred = -1, last = -1;
	void *data[3] = {&mostly, &preferred, &last};
	size_t sizes[3] = {sizeof(int), sizeof(int), sizeof(int)};
	enum cudaMemRangeAttribute attrs[3] = {cudaMemRangeAttributeReadMostly,
					       cudaMemRangeAttributePreferredLocation,
					       cudaMemRangeAttributeLastPrefetchLocation};
	void *p = (void *)(uintptr_t)rt_devptr;

	t->cuMemRangeGetAttribute = see_range_attr;
	RT_TRUE("cudaMemRangeGetAttributes", "two at once",
		cudaMemRangeGetAttributes(data, sizes, attrs, 2, p, 16) == cudaSuccess &&
		    mostly == 10 && preferred == 0);
	RT_TRUE("cudaMemRangeGetAttributes", "a device the guest does not see: refused",
		cudaMemRangeGetAttributes(data, sizes, attrs, 3, p, 16) == cudaErrorInvalidDevice);
	(void)cudaGetLastError();
	RT_TRUE("cudaMemRangeGetAttributes", "none asked: refused",
		cudaMemRangeGetAttributes(data, sizes, attrs, 0, p, 16) == cudaErrorInvalidValue);
	(void)cudaGetLastError();
}

/* The math libraries' fake tables. */
static struct gvg_curand_fns fake_curand;
static struct gvg_cublas_fns fake_cublas;
static struct gvg_cufft_fns fake_cufft;
static struct gvg_cublasLt_fns fake_cublasLt;
static struct gvg_cusparse_fns fake_cusparse;
static struct gvg_cudnn_fns fake_cudnn;
static struct gvg_cusolver_fns fake_cusolver;

/* A matrix descriptor's index base, as cuSPARSE's default: the host's
 * checks of cuSOLVER's host CSR arrays ask it. */
static cusparseIndexBase_t rt_index_base_zero(const cusparseMatDescr_t descr)
{
	(void)descr;
	return CUSPARSE_INDEX_BASE_ZERO;
}

static const void *fake_math_fns(int lib)
{
	switch (lib) {
	case GVW_LIB_CURAND:
		return &fake_curand;
	case GVW_LIB_CUBLAS:
		return &fake_cublas;
	case GVW_LIB_CUFFT:
		return &fake_cufft;
	case GVW_LIB_CUBLASLT:
		return &fake_cublasLt;
	case GVW_LIB_CUSPARSE:
		return &fake_cusparse;
	case GVW_LIB_CUDNN:
		return &fake_cudnn;
	case GVW_LIB_CUSOLVER:
		return &fake_cusolver;
	default:
		return NULL;
	}
}

int main(void)
{
	static struct gvg_cuda_fns fake;
	static struct gvw_executor ex;
	CUcontext ctx;

	if (cuInit(0) || cuDevicePrimaryCtxRetain(&ctx, 0) || cuCtxSetCurrent(ctx) ||
	    cuMemAlloc(&rt_devptr, 1 << 20)) {
		printf("gen_roundtrip: cannot set up a session\n");
		return 1;
	}
	/* The CPU double, with a fake driver behind the generated calls. */
	rt_install(&fake);
	ex = *gv_loopback_worker->ex;
	ex.cuda_fns = &fake;
	rt_install_curand(&fake_curand);
	rt_install_cublas(&fake_cublas);
	rt_install_cufft(&fake_cufft);
	rt_install_cublasLt(&fake_cublasLt);
	rt_install_cusparse(&fake_cusparse);
	rt_install_cusolver(&fake_cusolver);
	fake_cusparse.cusparseGetMatIndexBase = rt_index_base_zero;
	rt_install_cudnn(&fake_cudnn);
	ex.math_fns = fake_math_fns;
	gv_loopback_worker->ex = &ex;
	/* Queued calls, before anything sticky stops queueing. */
	math_async(&fake_cublas, &fake_cufft, &fake_curand, &fake_cublasLt);
	inline_copies(&fake);
	/* Then: the generated calls' fakes answer sticky codes too. */
	sticky_from_driver(&fake);
	RT_TRUE("cudaEventCreate", "an event for the calls that name one back",
		cudaEventCreate(&rt_event) == cudaSuccess);
	rt_run_all();
	rt_run_all_curand();
	curand_host_generators(&fake_curand);
	rt_run_all_cublas();
	cublas_pointer_modes(&fake_cublas);
	rt_run_all_cufft();
	cufft_plans(&fake_cufft);
	rt_run_all_cublasLt();
	cublaslt_calls(&fake_cublasLt, &fake_cublas);
	rt_run_all_cusparse();
	rt_run_all_cusolver();
	rt_run_all_cudnn();
	cudnn_backend_attributes(&fake_cudnn);
	runtime_via_driver(&fake);
	arrays_and_textures(&fake);
	launches_with_attributes(&fake);
	vmm_objects(&fake);
	visible_devices();
	async_calls();
	capture_info(&fake);
	graph_nodes(&fake);
	graph_host_copies(&fake);
	graph_host_nodes(&fake);
	graph_memory_nodes(&fake);
	range_attributes(&fake);
	module_globals();
	ipc_handles(&fake);
	library_kernels(&fake);
	atomic_capabilities(&fake);
	tensor_maps(&fake);
	printf("gen_roundtrip: %d passed, %d failed\n", passes, failures);
	return failures != 0;
}
