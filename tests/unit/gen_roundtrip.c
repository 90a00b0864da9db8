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

#include "roundtrip.h"
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

void rt_pass(void)
{
	passes++;
}

void rt_fail(const char *fn, const char *what)
{
	failures++;
	printf("FAIL %s: %s\n", fn, what);
}

const char *rt_result_text(CUresult e)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "returned %d", (int)e);
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
	struct cudaMemLocation loc = { .type = cudaMemLocationTypeDevice, .id = 0 };

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
	gv_loopback_worker->ex = &ex;
	rt_run_all();
	runtime_via_driver(&fake);
	printf("gen_roundtrip: %d passed, %d failed\n", passes, failures);
	return failures != 0;
}
