// SPDX-License-Identifier: MIT
// driverapi.c: the CUDA driver API used directly (no runtime): cuInit, device
// queries, the primary context (set, get, push/pop), device memory (memset
// D8/D16/D32, copies both ways and device to device, address ranges, pitched
// 2D copies, pinned host memory with asynchronous copies), modules loaded
// from PTX text (functions, a global, function attributes), cuLaunchKernel
// with kernelParams and with the packed "extra" buffer (also an 80-byte
// struct by value), streams and events, and misuse that must fail with exact
// error codes.  Results are checked against values computed on the CPU.
// Its output is compared line by line between a native run (NVIDIA's
// libcuda) and a remoted one (our libcuda.so.1), so it prints no pointers,
// timings, names or sizes of the machine; errors are printed by name.  One
// line per check, "name: value" or "name: ok", failures "name: FAIL ...";
// the last line is "driverapi: N passed, M failed", exit status 0 iff M == 0.
// Build: gcc -std=c11 -O2 -Wall -Wextra -I/usr/local/cuda/include
//        tests/gpu/driverapi.c -L/usr/local/cuda/lib64/stubs -lcuda -o driverapi
#include <cuda.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char ptx[] =
    ".version 8.0\n"
    ".target sm_90\n"
    ".address_size 64\n"
    ".visible .global .align 4 .u32 counter = 7;\n"
    // fill(u32 *p, u32 v, u32 n): p[i] = v, and counter += 1 per element
    ".visible .entry fill(.param .u64 fill_p, .param .u32 fill_v, .param .u32 fill_n)\n"
    "{\n"
    "	.reg .pred %p<2>; .reg .b32 %r<7>; .reg .b64 %rd<5>;\n"
    "	ld.param.u64 %rd1, [fill_p]; ld.param.u32 %r1, [fill_v]; ld.param.u32 %r2, [fill_n];\n"
    "	mov.u32 %r3, %ctaid.x; mov.u32 %r4, %ntid.x; mov.u32 %r5, %tid.x;\n"
    "	mad.lo.u32 %r6, %r3, %r4, %r5;\n"
    "	setp.ge.u32 %p1, %r6, %r2;\n"
    "	@%p1 bra FILL_DONE;\n"
    "	cvta.to.global.u64 %rd2, %rd1; mul.wide.u32 %rd3, %r6, 4; add.u64 %rd4, %rd2, %rd3;\n"
    "	st.global.u32 [%rd4], %r1;\n"
    "	red.global.add.u32 [counter], 1;\n"
    "FILL_DONE:\n"
    "	ret;\n"
    "}\n"
    // saxpy(float a, const float *x, float *y, int n): y[i] = a * x[i] + y[i]
    // (mul.rn and add.rn: never contracted into an fma)
    ".visible .entry saxpy(.param .f32 sx_a, .param .u64 sx_x, .param .u64 sx_y,\n"
    "	.param .s32 sx_n)\n"
    "{\n"
    "	.reg .pred %p<2>; .reg .b32 %r<6>; .reg .f32 %f<5>; .reg .b64 %rd<6>;\n"
    "	ld.param.f32 %f1, [sx_a]; ld.param.u64 %rd1, [sx_x];\n"
    "	ld.param.u64 %rd2, [sx_y]; ld.param.s32 %r1, [sx_n];\n"
    "	mov.u32 %r2, %ctaid.x; mov.u32 %r3, %ntid.x; mov.u32 %r4, %tid.x;\n"
    "	mad.lo.s32 %r5, %r2, %r3, %r4;\n"
    "	setp.ge.s32 %p1, %r5, %r1;\n"
    "	@%p1 bra SX_DONE;\n"
    "	cvta.to.global.u64 %rd3, %rd1; cvta.to.global.u64 %rd4, %rd2;\n"
    "	mul.wide.s32 %rd5, %r5, 4;\n"
    "	add.u64 %rd3, %rd3, %rd5; add.u64 %rd4, %rd4, %rd5;\n"
    "	ld.global.f32 %f2, [%rd3]; ld.global.f32 %f3, [%rd4];\n"
    "	mul.rn.f32 %f4, %f1, %f2; add.rn.f32 %f4, %f4, %f3;\n"
    "	st.global.f32 [%rd4], %f4;\n"
    "SX_DONE:\n"
    "	ret;\n"
    "}\n"
    // big(struct big s, u64 *out): out[0] = sum of the fields, out[1] = q[8]
    ".visible .entry big(.param .align 8 .b8 big_s[80], .param .u64 big_out)\n"
    "{\n"
    "	.reg .b64 %rd<16>;\n"
    "	ld.param.u8 %rd1, [big_s]; ld.param.u16 %rd2, [big_s+2]; ld.param.u32 %rd3, [big_s+4];\n"
    "	add.u64 %rd13, %rd1, %rd2; add.u64 %rd13, %rd13, %rd3;\n"
    "	ld.param.v2.u64 {%rd4, %rd5}, [big_s+8]; ld.param.v2.u64 {%rd6, %rd7}, [big_s+24];\n"
    "	ld.param.v2.u64 {%rd8, %rd9}, [big_s+40]; ld.param.v2.u64 {%rd10, %rd11}, [big_s+56];\n"
    "	ld.param.u64 %rd12, [big_s+72];\n"
    "	add.u64 %rd13, %rd13, %rd4; add.u64 %rd13, %rd13, %rd5;\n"
    "	add.u64 %rd13, %rd13, %rd6; add.u64 %rd13, %rd13, %rd7;\n"
    "	add.u64 %rd13, %rd13, %rd8; add.u64 %rd13, %rd13, %rd9;\n"
    "	add.u64 %rd13, %rd13, %rd10; add.u64 %rd13, %rd13, %rd11;\n"
    "	add.u64 %rd13, %rd13, %rd12;\n"
    "	ld.param.u64 %rd14, [big_out]; cvta.to.global.u64 %rd15, %rd14;\n"
    "	st.global.u64 [%rd15], %rd13; st.global.u64 [%rd15+8], %rd12;\n"
    "	ret;\n"
    "}\n";

struct big {
	uint8_t c;
	uint16_t h;
	uint32_t w;
	uint64_t q[9];
};
_Static_assert(sizeof(struct big) == 80, "struct big is 80 bytes");
_Static_assert(offsetof(struct big, h) == 2 && offsetof(struct big, w) == 4 &&
		   offsetof(struct big, q) == 8,
	       "struct big matches the PTX offsets");

// ---- checks -------------------------------------------------------------------

static int g_pass, g_fail;

// The name of an error code; two buffers so that one printf can show two.
static const char *ename(CUresult r)
{
	static char buf[2][40];
	static int k;
	const char *s = NULL;
	if (cuGetErrorName(r, &s) == CUDA_SUCCESS && s)
		return s;
	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "CUresult(%d)", (int)r);
	return buf[k];
}

// "what: ok" for an expected CUDA_SUCCESS, "what: NAME" for an expected error.
static int check_e(const char *what, CUresult got, CUresult exp)
{
	if (got == exp)
		printf("%s: %s\n", what, exp == CUDA_SUCCESS ? "ok" : ename(got));
	else
		printf("%s: FAIL got %s expected %s\n", what, ename(got), ename(exp));
	got == exp ? g_pass++ : g_fail++;
	return got == exp;
}

static int check_b(const char *what, int cond)
{
	cond ? g_pass++ : g_fail++;
	printf("%s: %s\n", what, cond ? "ok" : "FAIL");
	return cond;
}

static int check_u(const char *what, unsigned long long got, unsigned long long exp)
{
	if (got == exp)
		printf("%s: %llu\n", what, got);
	else
		printf("%s: FAIL got %llu expected %llu\n", what, got, exp);
	got == exp ? g_pass++ : g_fail++;
	return got == exp;
}

// Compares n elements of size sz; reports the first differing one.
static int check_mem(const char *what, const void *got, const void *exp, size_t n, size_t sz)
{
	size_t bad = 0, first = 0;
	for (size_t i = 0; i < n; i++)
		if (memcmp((const char *)got + i * sz, (const char *)exp + i * sz, sz) &&
		    bad++ == 0)
			first = i;
	if (bad == 0)
		printf("%s: ok (%zu values)\n", what, n);
	else
		printf("%s: FAIL at [%zu] (%zu of %zu differ)\n", what, first, bad, n);
	bad == 0 ? g_pass++ : g_fail++;
	return bad == 0;
}

#define CHECK(call) check_e(#call, (call), CUDA_SUCCESS)

static CUdevice dev;
static CUcontext ctx;
static CUmodule mod;
static CUfunction f_fill, f_saxpy, f_big;
static CUdeviceptr d_counter;

// ---- 1. init and device -------------------------------------------------------

// "name: value" (the same GPU natively and remoted)
static void print_attr(const char *name, CUdevice_attribute a)
{
	int v = -1;
	CUresult r = cuDeviceGetAttribute(&v, a, dev);
	if (r != CUDA_SUCCESS) {
		check_e(name, r, CUDA_SUCCESS);
		return;
	}
	g_pass++;
	printf("%s: %d\n", name, v);
}

static int sec_device(void)
{
	int v = 0, count = 0;
	if (!CHECK(cuInit(0)))
		return 0;
	CHECK(cuDriverGetVersion(&v));
	check_b("driver version >= 13000", v >= 13000);
	CHECK(cuDeviceGetCount(&count));
	if (!check_b("device count >= 1", count >= 1))
		return 0;
	if (!CHECK(cuDeviceGet(&dev, 0)))
		return 0;
	CUdevice bad;
	check_e("cuDeviceGet(&bad, 999)", cuDeviceGet(&bad, 999), CUDA_ERROR_INVALID_DEVICE);
	print_attr("compute capability major", CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
	print_attr("compute capability minor", CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
	print_attr("warp size", CU_DEVICE_ATTRIBUTE_WARP_SIZE);
	print_attr("max threads per block", CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
	size_t total = 0;
	CHECK(cuDeviceTotalMem(&total, dev));
	check_b("cuDeviceTotalMem > 0", total > 0);
	return 1;
}

// ---- 2. contexts --------------------------------------------------------------

static int sec_context(void)
{
	CUcontext cur = NULL, popped = NULL;
	CUdevice d = -1;
	unsigned int api = 0;
	if (!CHECK(cuDevicePrimaryCtxRetain(&ctx, dev)) || !CHECK(cuCtxSetCurrent(ctx)))
		return 0;
	CHECK(cuCtxGetCurrent(&cur));
	check_b("cuCtxGetCurrent is the primary context", cur == ctx);
	CHECK(cuCtxGetDevice(&d));
	check_b("cuCtxGetDevice is the device", d == dev);
	CHECK(cuCtxSynchronize());
	CHECK(cuCtxPushCurrent(ctx));
	CHECK(cuCtxPopCurrent(&popped));
	check_b("cuCtxPopCurrent gives the pushed context", popped == ctx);
	cur = NULL;
	CHECK(cuCtxGetCurrent(&cur));
	check_b("current context after the round trip", cur == ctx);
	CHECK(cuCtxGetApiVersion(ctx, &api));
	check_b("context API version >= 3020", api >= 3020);
	return 1;
}

// ---- 3. memory ----------------------------------------------------------------

static void sec_memory(void)
{
	enum { N = 4096, BIG = 1 << 20, W = 37, H = 13, HP = 41, HQ = 50 };
	static unsigned char ref[N], got[N], src[HP * H], back[HQ * H], exp2d[HQ * H];
	CUdeviceptr d = 0, d2 = 0, base = 0, p = 0;
	size_t size = 0, pitch = 0, fr = 0, tot = 0;

	if (!CHECK(cuMemAlloc(&d, N)) || !CHECK(cuMemAlloc(&d2, BIG)))
		return;
	CHECK(cuMemsetD8(d, 0x5a, N));
	CHECK(cuMemsetD16(d + 256, 0x1234, 100));
	CHECK(cuMemsetD32(d + 1024, 0xdeadbeefu, 200));
	memset(ref, 0x5a, N);
	for (int i = 0; i < 100; i++)
		memcpy(ref + 256 + 2 * i, &(uint16_t){0x1234}, 2);
	for (int i = 0; i < 200; i++)
		memcpy(ref + 1024 + 4 * i, &(uint32_t){0xdeadbeefu}, 4);
	CHECK(cuMemcpyDtoH(got, d, N));
	check_mem("memset D8/D16/D32 contents", got, ref, N, 1);

	for (int i = 0; i < N; i++)
		ref[i] = (unsigned char)(i * 7 + 3);
	CHECK(cuMemcpyHtoD(d, ref, N));
	CHECK(cuMemcpyDtoD(d2 + 512, d, N));
	memset(got, 0, N);
	CHECK(cuMemcpyDtoH(got, d2 + 512, N));
	check_mem("HtoD, DtoD, DtoH round trip", got, ref, N, 1);

	CHECK(cuMemGetAddressRange(&base, &size, d2 + 1000));
	check_b("cuMemGetAddressRange base is the allocation", base == d2);
	check_u("cuMemGetAddressRange size", size, BIG);
	CHECK(cuMemGetInfo(&fr, &tot));
	check_b("cuMemGetInfo free <= total, total > 0", fr <= tot && tot > 0);

	/* A device pointer's attributes, one at a time (Triton's launcher asks so). */
	{
		CUdeviceptr dp = 0, start = 0;
		unsigned int type = 0;
		int ordinal = -1;
		void *hp = NULL;

		CHECK(cuPointerGetAttribute(&dp, CU_POINTER_ATTRIBUTE_DEVICE_POINTER, d2 + 16));
		check_b("cuPointerGetAttribute DEVICE_POINTER is the pointer", dp == d2 + 16);
		CHECK(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, d2 + 16));
		check_u("cuPointerGetAttribute MEMORY_TYPE", type, CU_MEMORYTYPE_DEVICE);
		CHECK(cuPointerGetAttribute(&ordinal, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, d2));
		check_u("cuPointerGetAttribute DEVICE_ORDINAL", (unsigned long long)ordinal, 0);
		CHECK(cuPointerGetAttribute(&start, CU_POINTER_ATTRIBUTE_RANGE_START_ADDR,
					    d2 + 1000));
		check_b("cuPointerGetAttribute RANGE_START_ADDR is the allocation", start == d2);
		check_e("cuPointerGetAttribute HOST_POINTER of device memory",
			cuPointerGetAttribute(&hp, CU_POINTER_ATTRIBUTE_HOST_POINTER, d2),
			CUDA_ERROR_INVALID_VALUE);
	}

	// 37x13 bytes through pitched device memory; host pitches 41 and 50
	if (CHECK(cuMemAllocPitch(&p, &pitch, W, H, 4))) {
		check_b("cuMemAllocPitch pitch >= width", pitch >= W);
		for (int i = 0; i < HP * H; i++)
			src[i] = (unsigned char)(i * 13 + 1);
		memset(back, 0xee, sizeof(back));
		memset(exp2d, 0xee, sizeof(exp2d));
		for (int y = 0; y < H; y++)
			memcpy(exp2d + y * HQ, src + y * HP, W);
		CUDA_MEMCPY2D up = {.srcMemoryType = CU_MEMORYTYPE_HOST,
				    .srcHost = src,
				    .srcPitch = HP,
				    .dstMemoryType = CU_MEMORYTYPE_DEVICE,
				    .dstDevice = p,
				    .dstPitch = pitch,
				    .WidthInBytes = W,
				    .Height = H};
		CUDA_MEMCPY2D down = {.srcMemoryType = CU_MEMORYTYPE_DEVICE,
				      .srcDevice = p,
				      .srcPitch = pitch,
				      .dstMemoryType = CU_MEMORYTYPE_HOST,
				      .dstHost = back,
				      .dstPitch = HQ,
				      .WidthInBytes = W,
				      .Height = H};
		CHECK(cuMemcpy2D(&up));
		CHECK(cuMemcpy2D(&down));
		check_mem("cuMemcpy2D 37x13 round trip (padding untouched)", back, exp2d,
			  sizeof(back), 1);
		CHECK(cuMemFree(p));
	}
	CHECK(cuMemFree(d));
	CHECK(cuMemFree(d2));
}

// ---- 4. modules ---------------------------------------------------------------

static int sec_module(void)
{
	CUfunction f = NULL;
	size_t size = 0;
	uint32_t c = 0;
	int v = 0;
	if (!CHECK(cuModuleLoadData(&mod, ptx)))
		return 0;
	if (!CHECK(cuModuleGetFunction(&f_fill, mod, "fill")) ||
	    !CHECK(cuModuleGetFunction(&f_saxpy, mod, "saxpy")) ||
	    !CHECK(cuModuleGetFunction(&f_big, mod, "big")))
		return 0;
	check_e("cuModuleGetFunction(\"missing\")", cuModuleGetFunction(&f, mod, "missing"),
		CUDA_ERROR_NOT_FOUND);
	if (!CHECK(cuModuleGetGlobal(&d_counter, &size, mod, "counter")))
		return 0;
	check_u("size of global counter", size, 4);
	CHECK(cuMemcpyDtoH(&c, d_counter, 4));
	check_u("initial value of counter", c, 7);
	CHECK(cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f_saxpy));
	check_b("saxpy max threads per block > 0", v > 0);
	v = 0;
	CHECK(cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_NUM_REGS, f_saxpy));
	check_b("saxpy registers > 0", v > 0);
	return 1;
}

// ---- 5. launches --------------------------------------------------------------

static void sec_launch(void)
{
	enum { N = 1000 };
	static uint32_t u[N], uref[N];
	static float x[N], y[N], yref[N];
	CUdeviceptr du = 0, dx = 0, dy = 0, dout = 0;
	uint32_t val = 0xc0ffee, n = N, c = 0;
	if (!CHECK(cuMemAlloc(&du, sizeof(u))) || !CHECK(cuMemAlloc(&dx, sizeof(x))) ||
	    !CHECK(cuMemAlloc(&dy, sizeof(y))) || !CHECK(cuMemAlloc(&dout, 16)))
		return;

	void *fargs[] = {&du, &val, &n};
	CHECK(cuLaunchKernel(f_fill, 4, 1, 1, 256, 1, 1, 0, NULL, fargs, NULL));
	CHECK(cuCtxSynchronize());
	CHECK(cuMemcpyDtoH(u, du, sizeof(u)));
	for (int i = 0; i < N; i++)
		uref[i] = val;
	check_mem("fill result", u, uref, N, 4);
	CHECK(cuMemcpyDtoH(&c, d_counter, 4));
	check_u("counter after fill", c, 7 + N);

	// values chosen so that every product and sum is exact in float
	float a = 2.5f;
	int sn = N;
	for (int i = 0; i < N; i++) {
		x[i] = 0.5f * (float)i;
		y[i] = (float)(N - i);
		yref[i] = a * x[i] + y[i];
	}
	CHECK(cuMemcpyHtoD(dx, x, sizeof(x)));
	CHECK(cuMemcpyHtoD(dy, y, sizeof(y)));
	void *sargs[] = {&a, &dx, &dy, &sn};
	CHECK(cuLaunchKernel(f_saxpy, (N + 127) / 128, 1, 1, 128, 1, 1, 0, NULL, sargs, NULL));
	CHECK(cuMemcpyDtoH(y, dy, sizeof(y)));
	check_mem("saxpy through kernelParams", y, yref, N, 4);

	// the same saxpy again, parameters packed: a at 0, x at 8, y at 16, n at 24
	for (int i = 0; i < N; i++)
		yref[i] = a * x[i] + yref[i];
	_Alignas(8) unsigned char buf[32];
	size_t bsize = 28;
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 0, &a, 4);
	memcpy(buf + 8, &dx, 8);
	memcpy(buf + 16, &dy, 8);
	memcpy(buf + 24, &sn, 4);
	void *extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, buf, CU_LAUNCH_PARAM_BUFFER_SIZE, &bsize,
			 CU_LAUNCH_PARAM_END};
	CHECK(cuLaunchKernel(f_saxpy, (N + 127) / 128, 1, 1, 128, 1, 1, 0, NULL, NULL, extra));
	CHECK(cuMemcpyDtoH(y, dy, sizeof(y)));
	check_mem("saxpy through extra", y, yref, N, 4);

	// an 80-byte struct by value
	struct big s = {.c = 0xa5, .h = 0xbeef, .w = 0x89abcdefu};
	uint64_t sum = (uint64_t)s.c + s.h + s.w, out[2] = {0, 0};
	for (int i = 0; i < 9; i++) {
		s.q[i] = ((uint64_t)(i + 1) << 40) | ((uint64_t)(i * 3 + 1) << 20) | (uint64_t)i;
		sum += s.q[i];
	}
	void *bargs[] = {&s, &dout};
	CHECK(cuLaunchKernel(f_big, 1, 1, 1, 1, 1, 1, 0, NULL, bargs, NULL));
	CHECK(cuMemcpyDtoH(out, dout, sizeof(out)));
	check_u("big struct: sum of fields", out[0], sum);
	check_u("big struct: last field", out[1], s.q[8]);

	check_e("cuLaunchKernel block 2048",
		cuLaunchKernel(f_fill, 1, 1, 1, 2048, 1, 1, 0, NULL, fargs, NULL),
		CUDA_ERROR_INVALID_VALUE);
	CHECK(cuCtxSynchronize());
	CHECK(cuMemFree(du)), CHECK(cuMemFree(dx));
	CHECK(cuMemFree(dy)), CHECK(cuMemFree(dout));
}

// ---- 6. streams, events, pinned memory -----------------------------------------

/* Virtual memory: physical memory mapped into a reserved range, used by
 * copies and a kernel, then unmapped and released. */
static void sec_vmm(void)
{
	enum { N = 1000 };
	static uint32_t u[N], uref[N];
	CUmemAllocationProp prop = {0};
	CUmemAccessDesc acc = {0};
	CUmemGenericAllocationHandle h = 0;
	CUdeviceptr r = 0;
	size_t gran = 0, size;
	uint32_t val = 0xabcdu, n = N;
	void *args[] = {&r, &val, &n};
	CUmemAllocationProp back = {0};

	prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
	prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
	prop.location.id = 0;
	if (!CHECK(cuMemGetAllocationGranularity(&gran, &prop, CU_MEM_ALLOC_GRANULARITY_MINIMUM)))
		return;
	check_b("granularity is a power of two", gran && !(gran & (gran - 1)));
	size = 2 * gran;
	if (!CHECK(cuMemCreate(&h, size, &prop, 0)))
		return;
	CHECK(cuMemGetAllocationPropertiesFromHandle(&back, h));
	check_b("properties back: pinned, device 0",
		back.type == CU_MEM_ALLOCATION_TYPE_PINNED &&
		    back.location.type == CU_MEM_LOCATION_TYPE_DEVICE && back.location.id == 0);
	CHECK(cuMemAddressReserve(&r, 4 * gran, 0, 0, 0));
	CHECK(cuMemMap(r, size, 0, h, 0));
	acc.location = prop.location;
	acc.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
	CHECK(cuMemSetAccess(r, size, &acc, 1));
	CHECK(cuLaunchKernel(f_fill, 4, 1, 1, 256, 1, 1, 0, NULL, args, NULL));
	CHECK(cuCtxSynchronize());
	CHECK(cuMemcpyDtoH(u, r, sizeof(u)));
	for (int i = 0; i < N; i++)
		uref[i] = val;
	check_mem("fill into mapped memory, read back", u, uref, N, 4);
	CUresult over = cuMemMap(r, size, 0, h, 0);

	printf("cuMemMap over a mapping: %s\n", ename(over));
	check_b("cuMemMap over a mapping fails", over != CUDA_SUCCESS);
	CHECK(cuMemUnmap(r, size));
	CHECK(cuMemRelease(h));
	CHECK(cuMemAddressFree(r, 4 * gran));
}

/* Dynamic shared memory that grows with the block, for the calculator. */
static size_t smem_per_block(int block)
{
	return (size_t)block * 16;
}

/* The occupancy calculator: the same answers as NVIDIA's driver. */
static void sec_occupancy(void)
{
	int blocks = -1, grid = -1, block = -1;

	CHECK(cuOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, f_saxpy, 256, 0));
	printf("saxpy: %d blocks of 256 per multiprocessor\n", blocks);
	check_b("active blocks > 0", blocks > 0);
	CHECK(cuOccupancyMaxPotentialBlockSize(&grid, &block, f_saxpy, NULL, 0, 0));
	printf("saxpy: block %d, minimum grid %d\n", block, grid);
	CHECK(cuOccupancyMaxPotentialBlockSize(&grid, &block, f_big, NULL, 0, 0));
	printf("big: block %d, minimum grid %d\n", block, grid);
	CHECK(cuOccupancyMaxPotentialBlockSize(&grid, &block, f_saxpy, smem_per_block, 0, 0));
	printf("saxpy, 16 bytes of shared memory a thread: block %d, minimum grid %d\n", block,
	       grid);
	CHECK(cuOccupancyMaxPotentialBlockSizeWithFlags(&grid, &block, f_fill, NULL, 1024, 96,
							CU_OCCUPANCY_DISABLE_CACHING_OVERRIDE));
	printf("fill, at most 96 threads: block %d, minimum grid %d\n", block, grid);
	check_e("cuOccupancyMaxPotentialBlockSize(NULL, ...)",
		cuOccupancyMaxPotentialBlockSize(NULL, &block, f_saxpy, NULL, 0, 0),
		CUDA_ERROR_INVALID_VALUE);
}

static void sec_streams(void)
{
	enum { N = 1 << 16 };
	static uint32_t ref[N];
	CUstream s = NULL, s2 = NULL;
	CUevent e0 = NULL, e1 = NULL;
	CUdeviceptr d = 0, d2 = 0;
	uint32_t *hin = NULL, *hout = NULL, val = 0x5eed, n = N / 2;
	float ms = -1.0f;
	if (!CHECK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING)) ||
	    !CHECK(cuStreamCreate(&s2, CU_STREAM_NON_BLOCKING)) ||
	    !CHECK(cuEventCreate(&e0, CU_EVENT_DEFAULT)) ||
	    !CHECK(cuEventCreate(&e1, CU_EVENT_DEFAULT)) || !CHECK(cuMemAlloc(&d, N * 4)) ||
	    !CHECK(cuMemAlloc(&d2, N * 4)) || !CHECK(cuMemAllocHost((void **)&hin, N * 4)) ||
	    !CHECK(cuMemAllocHost((void **)&hout, N * 4)))
		return;
	for (int i = 0; i < N; i++) {
		hin[i] = (uint32_t)i * 2654435761u;
		ref[i] = i < N / 2 ? val : hin[i];
	}
	memset(hout, 0, N * 4);
	// on s: copy in, overwrite the first half, record e1; s2 waits for e1
	// and copies the result on, then copies it out to pinned memory
	void *fargs[] = {&d, &val, &n};
	CHECK(cuEventRecord(e0, s));
	CHECK(cuMemcpyHtoDAsync(d, hin, N * 4, s));
	CHECK(cuLaunchKernel(f_fill, N / 2 / 256, 1, 1, 256, 1, 1, 0, s, fargs, NULL));
	CHECK(cuEventRecord(e1, s));
	CHECK(cuStreamWaitEvent(s2, e1, 0));
	CHECK(cuMemcpyDtoDAsync(d2, d, N * 4, s2));
	CHECK(cuMemcpyDtoHAsync(hout, d2, N * 4, s2));
	CHECK(cuEventSynchronize(e1));
	check_e("cuEventQuery after cuEventSynchronize", cuEventQuery(e1), CUDA_SUCCESS);
	CHECK(cuEventElapsedTime(&ms, e0, e1));
	check_b("elapsed time >= 0", ms >= 0.0f);
	CHECK(cuStreamSynchronize(s2));
	check_e("cuStreamQuery after cuStreamSynchronize", cuStreamQuery(s2), CUDA_SUCCESS);
	check_mem("pinned async copies ordered by the event", hout, ref, N, 4);
	CHECK(cuMemFreeHost(hin)), CHECK(cuMemFreeHost(hout));
	CHECK(cuMemFree(d)), CHECK(cuMemFree(d2));
	CHECK(cuStreamDestroy(s)), CHECK(cuStreamDestroy(s2));
	CHECK(cuEventDestroy(e0)), CHECK(cuEventDestroy(e1));
}

// ---- 7. misuse ----------------------------------------------------------------

static void sec_misuse(void)
{
	uint32_t h = 1, back = 0, val = 77, one = 1;
	CUdeviceptr d = 0;
	CUcontext cur = NULL;
	check_e("cuMemFree(0x1000)", cuMemFree((CUdeviceptr)0x1000), CUDA_ERROR_INVALID_VALUE);
	check_e("cuMemcpyHtoD to 0, 4 bytes", cuMemcpyHtoD(0, &h, 4), CUDA_ERROR_INVALID_VALUE);
	check_e("cuModuleGetFunction(NULL, ...)", cuModuleGetFunction(NULL, mod, "fill"),
		CUDA_ERROR_INVALID_VALUE);
	CHECK(cuCtxSetCurrent(NULL));
	CHECK(cuCtxGetCurrent(&cur));
	check_b("no current context", cur == NULL);
	check_e("cuMemAlloc without a context", cuMemAlloc(&d, 16), CUDA_ERROR_INVALID_CONTEXT);
	CHECK(cuCtxSetCurrent(ctx));
	// still working afterwards
	if (!CHECK(cuMemAlloc(&d, 4)))
		return;
	void *fargs[] = {&d, &val, &one};
	CHECK(cuLaunchKernel(f_fill, 1, 1, 1, 32, 1, 1, 0, NULL, fargs, NULL));
	CHECK(cuMemcpyDtoH(&back, d, 4));
	check_u("fill after the errors", back, val);
	CHECK(cuMemFree(d));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sec_device() && sec_context()) {
		sec_memory();
		if (sec_module()) {
			sec_launch();
			sec_occupancy();
			sec_vmm();
			sec_streams();
			sec_misuse();
			CHECK(cuModuleUnload(mod));
		}
		CHECK(cuDevicePrimaryCtxRelease(dev));
	}
	printf("driverapi: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail == 0 ? 0 : 1;
}
