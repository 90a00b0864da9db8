/* SPDX-License-Identifier: MIT */
/*
 * The driver API (our libcuda.so.1) in CI, against whatever executor the
 * host runs: initialization, devices, contexts, memory, modules, launches,
 * streams and events, the runtime and the driver sharing one state, and
 * the not-supported answers.  Expected values come from the test itself
 * (patterns, the kernel's known signature, NVIDIA's documented codes),
 * never from the library under test.  With the CPU reference executor,
 * calls the double cannot serve must say CUDA_ERROR_NOT_SUPPORTED.
 */
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* The per-thread form cuda.h declares only for per-thread compilation units. */
CUresult cuLaunchKernel_ptsz(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
			     unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem,
			     CUstream s, void **params, void **extra);
#include "gvirtus_ext.h"
#include "protocol.h"

/* An nvcc fatbin of tests/unit/fatbin_kernels.cu (k1 is char, double, int *). */
static const unsigned char fatbin[] = {
#include "fatbin_kernels.inc"
};

#define CHECK_CU(expr, want)                                                                       \
	do {                                                                                       \
		CUresult got_ = (expr);                                                            \
		const char *n_ = NULL;                                                             \
		cuGetErrorName(got_, &n_);                                                         \
		CHECK(got_ == (want), "%s returned %d (%s), expected %d", #expr, (int)got_,        \
		      n_ ? n_ : "?", (int)(want));                                                 \
	} while (0)

static void *thread_ctx(void *arg)
{
	CUcontext c = NULL;
	CUdevice d = -1;

	(void)arg;
	/* A new thread that used the runtime sees its primary context. */
	CHECK_CUDA(cudaSetDevice(0), cudaSuccess);
	CHECK_CUDA(cudaFree(NULL), cudaSuccess);
	CHECK_CU(cuCtxGetCurrent(&c), CUDA_SUCCESS);
	CHECK(c != NULL, "no current context after the runtime ran");
	CHECK_CU(cuCtxGetDevice(&d), CUDA_SUCCESS);
	CHECK(d == 0, "device %d", d);
	return NULL;
}

/* An endpoint that serves one API: the other's calls fail, as the README says. */
static int one_api(const char *mode)
{
	CUdeviceptr d = 0;
	CUcontext ctx = NULL;
	void *p = NULL;
	int n = 0;

	if (!strcmp(mode, "no-driver")) {
		CHECK_CU(cuInit(0), CUDA_ERROR_NOT_SUPPORTED);
		CHECK_CUDA(cudaGetDeviceCount(&n), cudaSuccess);
		CHECK_CUDA(cudaMalloc(&p, 64), cudaSuccess);
		CHECK_CUDA(cudaFree(p), cudaSuccess);
	} else {
		CHECK_CU(cuInit(0), CUDA_SUCCESS);
		CHECK_CU(cuDevicePrimaryCtxRetain(&ctx, 0), CUDA_SUCCESS);
		CHECK_CU(cuCtxSetCurrent(ctx), CUDA_SUCCESS);
		CHECK_CU(cuMemAlloc(&d, 64), CUDA_SUCCESS);
		CHECK_CU(cuMemFree(d), CUDA_SUCCESS);
		CHECK_CUDA(cudaMalloc(&p, 64), cudaErrorNotSupported);
	}
	printf("gvtest_driver %s: %d passed, %d failed\n", mode, check_passes, check_failures);
	return check_failures != 0;
}

int main(int argc, char **argv)
{
	int (*last_launch)(void *, size_t) =
	    (int (*)(void *, size_t))dlsym(RTLD_DEFAULT, "gvirtusGetLastLaunch");
	int cpu_double = 0; /* the host keeps launch records: the CPU double */
	static struct gv_launch_log_resp rec;
	unsigned char *h = malloc(1 << 20), *g = malloc(1 << 20), *pinned = NULL;
	int n = 0, v = 0, can = 0;
	unsigned int ver = 0;
	CUdevice dev = -1;
	CUcontext prim = NULL, cur = NULL, made = NULL, popped = NULL;
	CUdeviceptr d = 0, d2 = 0, pd = 0;
	CUmodule mod = NULL;
	CUfunction fn = NULL, missing = NULL;
	CUstream s = NULL;
	CUevent e0 = NULL, e1 = NULL;
	const char *name = NULL;
	size_t pitch = 0, fr = 0, tot = 0;
	char devname[256] = "";
	void *pfn = NULL;
	pthread_t t;
	size_t i;

	if (argc > 1)
		return one_api(argv[1]);
	/* ---- before cuInit ---- */
	CHECK_CU(cuDeviceGetCount(&n), CUDA_ERROR_NOT_INITIALIZED);
	CHECK_CU(cuInit(1), CUDA_ERROR_INVALID_VALUE);
	CHECK_CU(cuInit(0), CUDA_SUCCESS);
	CHECK_CU(cuDriverGetVersion(&v), CUDA_SUCCESS);
	CHECK(v >= 13000, "driver version %d", v);

	/* ---- devices ---- */
	CHECK_CU(cuDeviceGetCount(&n), CUDA_SUCCESS);
	CHECK(n >= 1, "%d devices", n);
	CHECK_CU(cuDeviceGet(&dev, 0), CUDA_SUCCESS);
	CHECK_CU(cuDeviceGet(&dev, 999), CUDA_ERROR_INVALID_DEVICE);
	CHECK_CU(cuDeviceGet(&dev, 0), CUDA_SUCCESS);
	CHECK_CU(cuDeviceGetName(devname, sizeof(devname), dev), CUDA_SUCCESS);
	CHECK(devname[0] != 0, "empty device name");
	CHECK_CU(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_WARP_SIZE, dev), CUDA_SUCCESS);
	CHECK(v == 32, "warp size %d", v);
	CHECK_CU(cuDeviceGetAttribute(&v, (CUdevice_attribute)100000, dev),
		 CUDA_ERROR_INVALID_VALUE);
	CHECK_CU(cuGetErrorName(CUDA_ERROR_INVALID_VALUE, &name), CUDA_SUCCESS);
	CHECK(name && !strcmp(name, "CUDA_ERROR_INVALID_VALUE"), "name %s", name);
	CHECK_CU(cuGetErrorName((CUresult)12345, &name), CUDA_ERROR_INVALID_VALUE);

	/* ---- contexts ---- */
	CHECK_CU(cuMemAlloc(&d, 64), CUDA_ERROR_INVALID_CONTEXT);
	CHECK_CU(cuDevicePrimaryCtxRetain(&prim, dev), CUDA_SUCCESS);
	CHECK_CU(cuCtxSetCurrent(prim), CUDA_SUCCESS);
	CHECK_CU(cuCtxGetCurrent(&cur), CUDA_SUCCESS);
	CHECK(cur == prim, "current %p, primary %p", (void *)cur, (void *)prim);
	CHECK_CU(cuCtxGetApiVersion(NULL, &ver), CUDA_SUCCESS);
	CHECK(ver >= 3020, "api version %u", ver);
	CHECK_CU(cuCtxCreate(&made, NULL, 0, dev), CUDA_SUCCESS);
	CHECK_CU(cuCtxGetCurrent(&cur), CUDA_SUCCESS);
	CHECK(cur == made, "a created context is current");
	CHECK_CU(cuCtxPopCurrent(&popped), CUDA_SUCCESS);
	CHECK(popped == made, "popped the created context");
	CHECK_CU(cuCtxGetCurrent(&cur), CUDA_SUCCESS);
	CHECK(cur == prim, "the primary context is current again");
	CHECK_CU(cuCtxPushCurrent(made), CUDA_SUCCESS);
	CHECK_CU(cuCtxPopCurrent(NULL), CUDA_SUCCESS);
	CHECK_CU(cuCtxDestroy(made), CUDA_SUCCESS);
	CHECK_CU(cuCtxSynchronize(), CUDA_SUCCESS);

	/* ---- memory ---- */
	pattern_fill(h, 1 << 20, 7);
	CHECK_CU(cuMemAlloc(&d, 1 << 20), CUDA_SUCCESS);
	CHECK_CU(cuMemAlloc(&d2, 1 << 20), CUDA_SUCCESS);
	CHECK_CU(cuMemAlloc(&d2, 0), CUDA_ERROR_INVALID_VALUE);
	{
		CUdeviceptr dp = 0, start = 0;
		unsigned int type = 0;
		size_t range = 0;
		void *hp = NULL;
		int local = 0;

		CHECK_CU(cuPointerGetAttribute(&dp, CU_POINTER_ATTRIBUTE_DEVICE_POINTER, d + 16),
			 CUDA_SUCCESS);
		CHECK(dp == d + 16, "DEVICE_POINTER is the pointer");
		CHECK_CU(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, d),
			 CUDA_SUCCESS);
		CHECK(type == CU_MEMORYTYPE_DEVICE, "MEMORY_TYPE is device: %u", type);
		CHECK_CU(
		    cuPointerGetAttribute(&start, CU_POINTER_ATTRIBUTE_RANGE_START_ADDR, d + 99),
		    CUDA_SUCCESS);
		CHECK_CU(cuPointerGetAttribute(&range, CU_POINTER_ATTRIBUTE_RANGE_SIZE, d + 99),
			 CUDA_SUCCESS);
		CHECK(start == d && range == 1 << 20, "the range is the allocation");
		CHECK_CU(cuPointerGetAttribute(&hp, CU_POINTER_ATTRIBUTE_HOST_POINTER, d),
			 CUDA_ERROR_INVALID_VALUE);
		/* Not CUDA memory, and no place to answer: refused. */
		CHECK_CU(cuPointerGetAttribute(&dp, CU_POINTER_ATTRIBUTE_DEVICE_POINTER,
					       (CUdeviceptr)(uintptr_t)&local),
			 CUDA_ERROR_INVALID_VALUE);
		CHECK_CU(cuPointerGetAttribute(NULL, CU_POINTER_ATTRIBUTE_DEVICE_POINTER, d),
			 CUDA_ERROR_INVALID_VALUE);
	}
	CHECK_CU(cuMemcpyHtoD(d, h, 1 << 20), CUDA_SUCCESS);
	CHECK_CU(cuMemcpyDtoD(d2, d, 1 << 20), CUDA_SUCCESS);
	CHECK_CU(cuMemsetD8(d2 + 100, 0xa5, 1000), CUDA_SUCCESS);
	memset(g, 0, 1 << 20);
	CHECK_CU(cuMemcpyDtoH(g, d2, 1 << 20), CUDA_SUCCESS);
	memset(h + 100, 0xa5, 1000);
	CHECK(!memcmp(g, h, 1 << 20), "device round trip differs");
	CHECK_CU(cuMemGetInfo(&fr, &tot), CUDA_SUCCESS);
	CHECK(fr <= tot && tot > 0, "free %zu total %zu", fr, tot);
	CHECK_CU(cuMemAllocPitch(&pd, &pitch, 37, 13, 4), CUDA_SUCCESS);
	CHECK(pitch >= 37, "pitch %zu", pitch);
	{
		CUDA_MEMCPY2D m = {0};

		m.srcMemoryType = CU_MEMORYTYPE_HOST;
		m.srcHost = h;
		m.srcPitch = 41;
		m.dstMemoryType = CU_MEMORYTYPE_DEVICE;
		m.dstDevice = pd;
		m.dstPitch = pitch;
		m.WidthInBytes = 37;
		m.Height = 13;
		CHECK_CU(cuMemcpy2D(&m), CUDA_SUCCESS);
		memset(g, 0, 50 * 13);
		m.srcMemoryType = CU_MEMORYTYPE_DEVICE;
		m.srcDevice = pd;
		m.srcPitch = pitch;
		m.dstMemoryType = CU_MEMORYTYPE_HOST;
		m.dstHost = g;
		m.dstPitch = 50;
		CHECK_CU(cuMemcpy2D(&m), CUDA_SUCCESS);
		for (i = 0; i < 13; i++)
			CHECK(!memcmp(g + i * 50, h + i * 41, 37), "2D row %zu differs", i);
	}
	CHECK_CU(cuMemFree(pd), CUDA_SUCCESS);
	CHECK_CU(cuMemFree((CUdeviceptr)0x1000), CUDA_ERROR_INVALID_VALUE);

	/* ---- one state with the runtime ---- */
	{
		void *rp = NULL;

		CHECK_CUDA(cudaMalloc(&rp, 4096), cudaSuccess);
		CHECK_CU(cuMemcpyHtoD((CUdeviceptr)(uintptr_t)rp, h, 4096), CUDA_SUCCESS);
		memset(g, 0, 4096);
		CHECK_CUDA(cudaMemcpy(g, rp, 4096, cudaMemcpyDeviceToHost), cudaSuccess);
		CHECK(!memcmp(g, h, 4096), "runtime allocation through the driver API differs");
		CHECK_CU(cuMemFree((CUdeviceptr)(uintptr_t)rp), CUDA_SUCCESS);
		pthread_create(&t, NULL, thread_ctx, NULL);
		pthread_join(t, NULL);
	}

	/* ---- streams, events, pinned memory ---- */
	CHECK_CU(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING), CUDA_SUCCESS);
	{
		CUcontext cur = NULL, sc = NULL, nc = NULL;

		CHECK_CU(cuCtxGetCurrent(&cur), CUDA_SUCCESS);
		CHECK_CU(cuStreamGetCtx(s, &sc), CUDA_SUCCESS);
		CHECK_CU(cuStreamGetCtx(NULL, &nc), CUDA_SUCCESS);
		CHECK(cur && sc == cur && nc == cur, "a stream's context: the one it was made in");
		CHECK(cuStreamGetCtx((CUstream)(uintptr_t)0x7777, &sc) != CUDA_SUCCESS,
		      "a forged stream has no context");
	}
	CHECK_CU(cuEventCreate(&e0, CU_EVENT_DEFAULT), CUDA_SUCCESS);
	CHECK_CU(cuEventCreate(&e1, CU_EVENT_DEFAULT), CUDA_SUCCESS);
	CHECK_CU(cuMemAllocHost((void **)&pinned, 65536), CUDA_SUCCESS);
	pattern_fill(pinned, 65536, 9);
	CHECK_CU(cuEventRecord(e0, s), CUDA_SUCCESS);
	CHECK_CU(cuMemcpyHtoDAsync(d, pinned, 65536, s), CUDA_SUCCESS);
	CHECK_CU(cuEventRecord(e1, s), CUDA_SUCCESS);
	CHECK_CU(cuStreamWaitEvent(NULL, e1, 0), CUDA_SUCCESS);
	CHECK_CU(cuMemcpyDtoHAsync(g, d, 65536, s), CUDA_SUCCESS);
	CHECK_CU(cuStreamSynchronize(s), CUDA_SUCCESS);
	CHECK(!memcmp(g, pinned, 65536), "async round trip differs");
	CHECK_CU(cuEventSynchronize(e1), CUDA_SUCCESS);
	CHECK_CU(cuEventQuery(e1), CUDA_SUCCESS);
	CHECK_CU(cuStreamQuery(s), CUDA_SUCCESS);
	CHECK_CU(cuMemFreeHost(pinned), CUDA_SUCCESS);
	CHECK_CU(cuEventDestroy(e0), CUDA_SUCCESS);
	CHECK_CU(cuEventDestroy(e1), CUDA_SUCCESS);

	/* ---- modules and a launch, packed from kernelParams ---- */
	CHECK_CU(cuModuleLoadData(&mod, fatbin), CUDA_SUCCESS);
	CHECK_CU(cuModuleGetFunction(&fn, mod, "_Z2k1cdPi"), CUDA_SUCCESS);
	CHECK_CU(cuModuleGetFunction(&missing, mod, "no_such_kernel"), CUDA_ERROR_NOT_FOUND);
	{
		const char *nm = NULL, *again = NULL;

		CHECK_CU(cuFuncGetName(&nm, fn), CUDA_SUCCESS);
		CHECK(nm && !strcmp(nm, "_Z2k1cdPi"), "the function's name");
		CHECK_CU(cuFuncGetName(&again, fn), CUDA_SUCCESS);
		CHECK(again == nm, "the same name, kept");
		CHECK_CU(cuFuncGetName(&nm, (CUfunction)(uintptr_t)0x5151),
			 CUDA_ERROR_INVALID_HANDLE);
	}
	{
		CUmodule fm = NULL;

		CHECK_CU(cuFuncGetModule(&fm, fn), CUDA_SUCCESS);
		CHECK(fm == mod, "the function's module");
	}
	{
		char c = 'x';
		double dd = 2.5;
		int *p = (int *)(uintptr_t)d;
		void *params[] = {&c, &dd, &p};
		unsigned char want[24] = {0};

		CHECK_CU(cuLaunchKernel(fn, 3, 2, 1, 64, 1, 1, 128, s, params, NULL), CUDA_SUCCESS);
		CHECK_CU(cuLaunchKernel(fn, 1, 1, 1, 2048, 1, 1, 0, s, params, NULL),
			 CUDA_ERROR_INVALID_VALUE);
		CHECK_CU(cuStreamSynchronize(s), CUDA_SUCCESS);
		cpu_double = last_launch && last_launch(&rec, sizeof(rec)) == 0;
		if (cpu_double) {
			/* The host's layout: c at 0, d at 8, p at 16. */
			want[0] = 'x';
			memcpy(want + 8, &dd, 8);
			memcpy(want + 16, &p, 8);
			CHECK(rec.args_len == 24 && !memcmp(rec.args, want, 24),
			      "launch arguments differ (%u bytes)", rec.args_len);
			CHECK(rec.grid[0] == 3 && rec.grid[1] == 2 && rec.block[0] == 64 &&
				  rec.shared_mem == 128,
			      "launch geometry");
		}
	}
	/*
	 * Launches are queued once the kernel's limits are known (the async
	 * class): many launches, few round trips, and all of them run, in
	 * order, by the next synchronizing call.
	 */
	{
		int (*stats)(struct gvirtus_worker_stats *, size_t) =
		    (int (*)(struct gvirtus_worker_stats *, size_t))dlsym(
			RTLD_DEFAULT, "gvirtusGetWorkerStatsSized");
		struct gvirtus_worker_stats s0, s1;
		char c = 'q';
		double dd = 0.5;
		int *p = (int *)(uintptr_t)d, ok = 1;
		void *params[] = {&c, &dd, &p};
		const char *env = getenv("GVIRTUS_ASYNC");

		CHECK(stats && !stats(&s0, sizeof(s0)), "worker stats");
		for (i = 0; i < 100; i++)
			ok &= cuLaunchKernel(fn, 1 + (unsigned int)i, 1, 1, 32, 1, 1, 0, s, params,
					     NULL) == CUDA_SUCCESS;
		CHECK(ok, "100 launches");
		CHECK(stats && !stats(&s1, sizeof(s1)), "worker stats");
		if (!env || strcmp(env, "0"))
			CHECK(s1.session_requests - s0.session_requests < 5,
			      "100 launches in %llu round trips",
			      (unsigned long long)(s1.session_requests - s0.session_requests));
		CHECK(s1.session_calls - s0.session_calls >= 100, "the host ran every launch");
		CHECK_CU(cuStreamSynchronize(s), CUDA_SUCCESS);
		if (cpu_double)
			CHECK(last_launch(&rec, sizeof(rec)) == 0 && rec.grid[0] == 100 &&
				  rec.block[0] == 32,
			      "the last launch ran last");
		/* Memsets likewise: 100 of them, few round trips, in order. */
		CHECK(stats && !stats(&s0, sizeof(s0)), "worker stats");
		for (i = 0, ok = 1; i < 100; i++)
			ok &= cuMemsetD8Async(d + i, (unsigned char)i, 1, s) == CUDA_SUCCESS;
		CHECK(ok && stats && !stats(&s1, sizeof(s1)), "100 memsets");
		if (!env || strcmp(env, "0"))
			CHECK(s1.session_requests - s0.session_requests < 5,
			      "100 memsets in %llu round trips",
			      (unsigned long long)(s1.session_requests - s0.session_requests));
		/* The stream is non-blocking: the copy waits for nothing natively. */
		CHECK_CU(cuStreamSynchronize(s), CUDA_SUCCESS);
		CHECK_CU(cuMemcpyDtoH(g, d, 100), CUDA_SUCCESS);
		for (i = 0, ok = 1; i < 100; i++)
			ok &= g[i] == (unsigned char)i;
		CHECK(ok, "each memset's byte, in order");
		/* Past the kernel's limits: refused at the call, as natively. */
		CHECK_CU(cuLaunchKernel(fn, 1, 1, 1, 32, 1, 1, 1u << 30, s, params, NULL),
			 CUDA_ERROR_INVALID_VALUE);
	}
	CHECK_CU(cuModuleUnload(mod), CUDA_SUCCESS);
	CHECK_CU(cuModuleGetFunction(&fn, mod, "_Z2k1cdPi"), CUDA_ERROR_INVALID_HANDLE);

	/* ---- a library: its kernel launched as a function, as natively ---- */
	{
		CUlibrary lib = NULL, other = NULL;
		CUkernel k = NULL, again = NULL;
		CUfunction kf = NULL;
		const char *name = NULL;
		char c = 'L';
		double dd = 4.25;
		int *p = (int *)(uintptr_t)d;
		void *params[] = {&c, &dd, &p};
		unsigned int n = 0;

		CHECK_CU(cuLibraryLoadData(&lib, fatbin, NULL, NULL, 0, NULL, NULL, 0),
			 CUDA_SUCCESS);
		CHECK_CU(cuLibraryGetKernel(&k, lib, "_Z2k1cdPi"), CUDA_SUCCESS);
		CHECK_CU(cuLibraryGetKernel(&again, lib, "_Z2k1cdPi"), CUDA_SUCCESS);
		CHECK(k && k == again, "one kernel object per name");
		CHECK_CU(cuLibraryGetKernel(&again, lib, "no_such_kernel"), CUDA_ERROR_NOT_FOUND);
		CHECK_CU(cuKernelGetName(&name, k), CUDA_SUCCESS);
		CHECK(name && !strcmp(name, "_Z2k1cdPi"), "the kernel's name");
		CHECK_CU(cuKernelGetLibrary(&other, k), CUDA_SUCCESS);
		CHECK(other == lib, "the kernel's library");
		CHECK_CU(cuFuncGetName(&name, (CUfunction)k), CUDA_SUCCESS);
		CHECK(name && !strcmp(name, "_Z2k1cdPi"), "a CUkernel's name as a function's");
		CHECK_CU(cuKernelGetFunction(&kf, k), CUDA_SUCCESS);
		CHECK(kf && (void *)kf != (void *)k, "the kernel's function");
		CHECK_CU(
		    cuLaunchKernel_ptsz((CUfunction)k, 4, 1, 1, 32, 1, 1, 0, NULL, params, NULL),
		    CUDA_SUCCESS);
		CHECK_CU(cuStreamSynchronize(CU_STREAM_PER_THREAD), CUDA_SUCCESS);
		CHECK_CU(cuLaunchKernel((CUfunction)k, 5, 1, 1, 32, 1, 1, 0, s, params, NULL),
			 CUDA_SUCCESS);
		CHECK_CU(cuStreamSynchronize(s), CUDA_SUCCESS);
		if (cpu_double) {
			unsigned char want[24] = {'L'};

			memcpy(want + 8, &dd, 8);
			memcpy(want + 16, &p, 8);
			CHECK(last_launch(&rec, sizeof(rec)) == 0 && rec.grid[0] == 5 &&
				  rec.args_len == 24 && !memcmp(rec.args, want, 24),
			      "a CUkernel's launch, arguments packed by its layout");
			/* The double has no driver to count a module's kernels with. */
			CHECK_CU(cuLibraryGetKernelCount(&n, lib), CUDA_ERROR_NOT_SUPPORTED);
		} else {
			CUkernel all[64];
			unsigned int i, found = 0;

			/* The test's fatbin has several kernels; this one among them. */
			CHECK_CU(cuLibraryGetKernelCount(&n, lib), CUDA_SUCCESS);
			CHECK(n >= 1 && n <= 64, "kernels in the library (%u)", n);
			CHECK_CU(cuLibraryEnumerateKernels(all, n, lib), CUDA_SUCCESS);
			for (i = 0; i < n && i < 64; i++)
				found |= all[i] == k;
			CHECK(found, "the kernel found by name is among those enumerated");
		}
		CHECK_CU(cuLibraryUnload(lib), CUDA_SUCCESS);
		CHECK_CU(cuLibraryUnload(lib), CUDA_ERROR_INVALID_HANDLE);
		CHECK_CU(cuLibraryGetKernel(&again, lib, "_Z2k1cdPi"), CUDA_ERROR_INVALID_HANDLE);
		CHECK_CU(cuKernelGetName(&name, k), CUDA_ERROR_INVALID_HANDLE);
		/* Loading is lazy, as natively: a garbage image fails at first use
		 * (the double takes any text for PTX; the driver does not). */
		CHECK_CU(cuLibraryLoadData(&lib, "not an image at all, nor PTX", NULL, NULL, 0,
					   NULL, NULL, 0),
			 CUDA_SUCCESS);
		if (!cpu_double)
			CHECK(cuLibraryGetKernel(&again, lib, "_Z2k1cdPi") != CUDA_SUCCESS,
			      "a garbage library's kernel");
		CHECK_CU(cuLibraryUnload(lib), CUDA_SUCCESS);
	}
	CHECK_CU(cuStreamDestroy(s), CUDA_SUCCESS);

	/* ---- generated calls and what is not supported ---- */
	if (cpu_double) {
		/* The double has no driver: a generated call must say so. */
		CHECK_CU(cuMemsetD32(d, 7, 16), CUDA_ERROR_NOT_SUPPORTED);
		CHECK_CU(cuCtxSetLimit(CU_LIMIT_STACK_SIZE, 4096), CUDA_ERROR_NOT_SUPPORTED);
	} else {
		unsigned int w[20];
		size_t lim = 0;

		CHECK_CU(cuMemsetD32(d, 0x01020304u, 16), CUDA_SUCCESS);
		CHECK_CU(cuMemcpyDtoH(w, d, sizeof(w)), CUDA_SUCCESS);
		for (i = 0; i < 16; i++)
			CHECK(w[i] == 0x01020304u, "word %zu is 0x%x", i, w[i]);
		/* A 3D copy between two contexts' memory, one device: 2 rows of 64 bytes. */
		{
			CUDA_MEMCPY3D_PEER p = {0};
			CUcontext cur = NULL;
			unsigned char rows[128] = {0};

			CHECK_CU(cuCtxGetCurrent(&cur), CUDA_SUCCESS);
			CHECK_CU(cuMemsetD8(d2, 0x5a, 256), CUDA_SUCCESS);
			p.srcMemoryType = p.dstMemoryType = CU_MEMORYTYPE_DEVICE;
			p.srcDevice = d2;
			p.srcPitch = 128;
			p.srcContext = p.dstContext = cur;
			p.dstDevice = d2 + 4096;
			p.dstPitch = 64;
			p.WidthInBytes = 64;
			p.Height = 2;
			p.Depth = 1;
			CHECK_CU(cuMemcpy3DPeer(&p), CUDA_SUCCESS);
			CHECK_CU(cuMemcpyDtoH(rows, d2 + 4096, sizeof(rows)), CUDA_SUCCESS);
			for (i = 0; i < sizeof(rows); i++)
				CHECK(rows[i] == 0x5a, "byte %zu of the peer copy: 0x%x", i,
				      rows[i]);
		}
		CHECK_CU(cuMemsetD32(d2 + 4, 1, (1 << 20) / 4), CUDA_ERROR_INVALID_VALUE);
		CHECK_CU(cuCtxSetLimit(CU_LIMIT_STACK_SIZE, 4096), CUDA_SUCCESS);
		CHECK_CU(cuCtxGetLimit(&lim, CU_LIMIT_STACK_SIZE), CUDA_SUCCESS);
		CHECK(lim >= 4096, "stack limit %zu", lim);
		/* Instantiation with parameters: an upload on a stream, the result. */
		{
			CUgraph gr = NULL;
			CUgraphNode en = NULL;
			CUgraphExec gx = NULL;
			CUstream us = NULL;
			CUDA_GRAPH_INSTANTIATE_PARAMS ip = {0};

			CHECK_CU(cuStreamCreate(&us, CU_STREAM_NON_BLOCKING), CUDA_SUCCESS);
			CHECK_CU(cuGraphCreate(&gr, 0), CUDA_SUCCESS);
			CHECK_CU(cuGraphAddEmptyNode(&en, gr, NULL, 0), CUDA_SUCCESS);
			ip.flags = CUDA_GRAPH_INSTANTIATE_FLAG_UPLOAD;
			ip.hUploadStream = us;
			ip.result_out = CUDA_GRAPH_INSTANTIATE_ERROR;
			CHECK_CU(cuGraphInstantiateWithParams(&gx, gr, &ip), CUDA_SUCCESS);
			CHECK(gx && ip.result_out == CUDA_GRAPH_INSTANTIATE_SUCCESS,
			      "instantiated with parameters (result %d)", (int)ip.result_out);
			/* The graph in DOT, into a file of this machine. */
			{
				char dot[16] = {0};
				FILE *f;

				CHECK_CU(cuGraphDebugDotPrint(gr, "/tmp/gvtest-graph.dot", 0),
					 CUDA_SUCCESS);
				f = fopen("/tmp/gvtest-graph.dot", "r");
				CHECK(f && fread(dot, 1, 7, f) == 7 && !strcmp(dot, "digraph"),
				      "a DOT file: %s", dot);
				if (f)
					fclose(f);
				unlink("/tmp/gvtest-graph.dot");
				CHECK_CU(cuGraphDebugDotPrint(gr, "/nonexistent/dir/g.dot", 0),
					 CUDA_ERROR_OPERATING_SYSTEM);
			}
			CHECK_CU(cuGraphLaunch(gx, us), CUDA_SUCCESS);
			CHECK_CU(cuStreamSynchronize(us), CUDA_SUCCESS);
			CHECK_CU(cuGraphExecDestroy(gx), CUDA_SUCCESS);
			CHECK_CU(cuGraphDestroy(gr), CUDA_SUCCESS);
			CHECK_CU(cuStreamDestroy(us), CUDA_SUCCESS);
		}
	}
	/* The driver's logs: the worker process's (the double keeps none). */
	{
		char logs[256];
		size_t size = sizeof(logs);

		CHECK_CU(cuLogsDumpToMemory(NULL, logs, &size, 0),
			 cpu_double ? CUDA_ERROR_NOT_SUPPORTED : CUDA_SUCCESS);
		if (!cpu_double)
			CHECK(size < sizeof(logs) && logs[size] == 0, "logs end with a NUL");
		size = 0;
		CHECK_CU(cuLogsDumpToMemory(NULL, logs, &size, 0), CUDA_ERROR_INVALID_VALUE);
	}
	CHECK_CU(cuGraphicsUnregisterResource(NULL), CUDA_ERROR_NOT_SUPPORTED);
	CHECK_CUDA(cudaGetLastError(), cudaSuccess); /* the driver API leaves it */
	CHECK_CU(cuGetProcAddress("cuMemAlloc", &pfn, 13000, 0, NULL), CUDA_SUCCESS);
	CHECK(pfn == (void *)dlsym(RTLD_DEFAULT, "cuMemAlloc_v2"), "cuMemAlloc resolves to _v2");
	CHECK_CU(cuGetProcAddress("cuNoSuchThing", &pfn, 13000, 0, NULL), CUDA_ERROR_NOT_FOUND);
	/* The variant a program built for that CUDA version calls (cudaTypedefs.h). */
	{
		CUdriverProcAddressQueryResult st = CU_GET_PROC_ADDRESS_SUCCESS;

		CHECK_CU(cuGetProcAddress("cuCtxCreate", &pfn, 12000, 0, NULL), CUDA_SUCCESS);
		CHECK(pfn == (void *)dlsym(RTLD_DEFAULT, "cuCtxCreate_v3"), "12.0: cuCtxCreate_v3");
		CHECK_CU(cuGetProcAddress("cuCtxCreate", &pfn, 12050, 0, NULL), CUDA_SUCCESS);
		CHECK(pfn == (void *)dlsym(RTLD_DEFAULT, "cuCtxCreate_v4"), "12.5: cuCtxCreate_v4");
		CHECK_CU(cuGetProcAddress("cuMemAlloc", &pfn, 3000, 0, NULL), CUDA_SUCCESS);
		CHECK(pfn == (void *)dlsym(RTLD_DEFAULT, "cuMemAlloc"),
		      "3.0: the first cuMemAlloc");
		CHECK_CU(cuGetProcAddress("cuMemcpyHtoD", &pfn, 13000,
					  CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM, NULL),
			 CUDA_SUCCESS);
		CHECK(pfn == (void *)dlsym(RTLD_DEFAULT, "cuMemcpyHtoD_v2_ptds"),
		      "per-thread: cuMemcpyHtoD_v2_ptds");
		CHECK_CU(cuGetProcAddress("cuStreamBeginCapture", &pfn, 9000, 0, &st),
			 CUDA_ERROR_NOT_FOUND);
		CHECK(pfn == NULL && st == CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT,
		      "9.0: no cuStreamBeginCapture yet (status %d)", (int)st);
	}
	CHECK_CU(cuDeviceCanAccessPeer(&can, 0, 0), CUDA_SUCCESS);

	CHECK_CU(cuMemFree(d), CUDA_SUCCESS);
	CHECK_CU(cuMemFree(d2), CUDA_SUCCESS);
	CHECK_CU(cuDevicePrimaryCtxRelease(dev), CUDA_SUCCESS);
	free(h);
	free(g);
	printf("gvtest_driver: %d passed, %d failed\n", check_passes, check_failures);
	return check_failures != 0;
}
