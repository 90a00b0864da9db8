// SPDX-License-Identifier: MIT
// Kernel launches from an unmodified nvcc binary, checked byte for byte
// against the CPU reference executor's record of each launch: every
// parameter shape, templates, namespaces, 3D grids, dynamic shared
// memory, cudaLaunchKernel and cudaLaunchKernelExC; streams, events and
// host functions in order; device symbols.  The expected argument blocks
// are built here from C++ layout rules (a kernel's parameters are laid
// out as the members of a struct), independently of the code under test.
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
#define CHECK(c, ...)                                                      \
	do {                                                               \
		if (c) {                                                   \
			passed++;                                          \
		} else {                                                   \
			failed++;                                          \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #c); \
			printf(__VA_ARGS__);                               \
			printf("\n");                                      \
		}                                                          \
	} while (0)

struct launch_log {
	uint64_t launches;
	char name[256];
	uint32_t grid[3], block[3], shared_mem, args_len;
	uint64_t stream;
	uint8_t args[8192];
};

static launch_log last;
/* Only the CPU reference executor records launches; on a GPU, kernels run. */
static int records = -1;
static bool fetch_last()
{
	static int (*get)(void *, size_t) =
		(int (*)(void *, size_t))dlsym(RTLD_DEFAULT, "gvirtusGetLastLaunch");
	int e = get ? get(&last, sizeof(last)) : (int)cudaErrorNotSupported;

	if (records < 0) {
		records = e != cudaErrorNotSupported;
		if (!records)
			printf("launch records: not kept by this executor; checking calls only\n");
	}
	return e == 0;
}

template <typename Args>
static void expect_launch(const char *what, const char *name_part, const Args &a, dim3 g,
			  dim3 b, unsigned shmem)
{
	CHECK(cudaPeekAtLastError() == cudaSuccess, "%s: launch failed: %s", what,
	      cudaGetErrorName(cudaPeekAtLastError()));
	if (!fetch_last() && !records)
		return;
	CHECK(records, "%s: no launch record", what);
	CHECK(strstr(last.name, name_part) != NULL, "%s: name %s", what, last.name);
	CHECK(last.grid[0] == g.x && last.grid[1] == g.y && last.grid[2] == g.z &&
		      last.block[0] == b.x && last.block[1] == b.y && last.block[2] == b.z,
	      "%s: dims %u,%u,%u/%u,%u,%u", what, last.grid[0], last.grid[1], last.grid[2],
	      last.block[0], last.block[1], last.block[2]);
	CHECK(last.shared_mem == shmem, "%s: shmem %u", what, last.shared_mem);
	// The block ends with the last parameter: no tail padding.
	CHECK(last.args_len == a.len(), "%s: %u argument bytes, expected %zu", what,
	      last.args_len, a.len());
	// Compare only the parameters' own bytes: padding is unspecified.
	CHECK(a.same(last.args), "%s: argument bytes differ", what);
}

#define FIELD_EQ(buf, s, f) (memcmp((buf) + offsetof(s, f), &(s##_v).f, sizeof((s##_v).f)) == 0)

struct s24 { double a; int b; char c; long long d; };
struct s48 { double v[6]; };
struct s4004 { char c[4001]; int x; };
struct s32000 { int v[8000]; };

__global__ void k_none() {}
__global__ void k_char(char c) {}
__global__ void k_char_double(char c, double d) {}
__global__ void k_mixed(char c, double d, int *p) {}
__global__ void k_s24(s24 s, int *p) {}
__global__ void k_s48(char c, s48 s) {}
__global__ void k_s4004(s4004 s, int *p) {}
__global__ void k_s32000(s32000 s, int *p) {}
__global__ void k_dyn(float *p, int n) { extern __shared__ float sh[]; if (n) sh[0] = p[0]; }
extern "C" __global__ void k_extern_c(short a, int b) {}
namespace gvns {
template <typename T> __global__ void k_tmpl(T *p, T v, int n) {}
}
__device__ int dev_arr[64];
__constant__ float dev_const[8];

struct A_mixed { size_t len() const { return offsetof(A_mixed, p) + 8; } char c; double d; int *p;
	bool same(const uint8_t *b) const {
		return !memcmp(b + offsetof(A_mixed, c), &c, 1) &&
		       !memcmp(b + offsetof(A_mixed, d), &d, 8) &&
		       !memcmp(b + offsetof(A_mixed, p), &p, 8); } };
struct A_char { size_t len() const { return 1; } char c; bool same(const uint8_t *b) const { return b[0] == (uint8_t)c; } };
struct A_cd { size_t len() const { return offsetof(A_cd, d) + 8; } char c; double d;
	bool same(const uint8_t *b) const {
		return b[0] == (uint8_t)c && !memcmp(b + offsetof(A_cd, d), &d, 8); } };
struct A_s24 { size_t len() const { return offsetof(A_s24, p) + 8; } s24 s; int *p;
	bool same(const uint8_t *b) const {
		return !memcmp(b + offsetof(A_s24, s) + offsetof(s24, a), &s.a, 8) &&
		       !memcmp(b + offsetof(A_s24, s) + offsetof(s24, b), &s.b, 4) &&
		       !memcmp(b + offsetof(A_s24, s) + offsetof(s24, c), &s.c, 1) &&
		       !memcmp(b + offsetof(A_s24, s) + offsetof(s24, d), &s.d, 8) &&
		       !memcmp(b + offsetof(A_s24, p), &p, 8); } };
struct A_s48 { size_t len() const { return offsetof(A_s48, s) + sizeof(s48); } char c; s48 s;
	bool same(const uint8_t *b) const {
		return b[0] == (uint8_t)c && !memcmp(b + offsetof(A_s48, s), &s, sizeof(s)); } };
struct A_s4004 { size_t len() const { return offsetof(A_s4004, p) + 8; } s4004 s; int *p;
	bool same(const uint8_t *b) const {
		return !memcmp(b + offsetof(A_s4004, s), s.c, sizeof(s.c)) &&
		       !memcmp(b + offsetof(A_s4004, s) + offsetof(s4004, x), &s.x, 4) &&
		       !memcmp(b + offsetof(A_s4004, p), &p, 8); } };
struct A_dyn { size_t len() const { return offsetof(A_dyn, n) + 4; } float *p; int n;
	bool same(const uint8_t *b) const {
		return !memcmp(b, &p, 8) && !memcmp(b + offsetof(A_dyn, n), &n, 4); } };
struct A_extc { size_t len() const { return offsetof(A_extc, b) + 4; } short a; int b;
	bool same(const uint8_t *b2) const {
		return !memcmp(b2, &a, 2) && !memcmp(b2 + offsetof(A_extc, b), &b, 4); } };
template <typename T> struct A_tmpl { size_t len() const { return offsetof(A_tmpl, n) + 4; } T *p; T v; int n;
	bool same(const uint8_t *b) const {
		return !memcmp(b, &p, 8) && !memcmp(b + offsetof(A_tmpl, v), &v, sizeof(T)) &&
		       !memcmp(b + offsetof(A_tmpl, n), &n, 4); } };
struct A_none { size_t len() const { return 0; } bool same(const uint8_t *) const { return true; } };

static int log_order[8], log_n;
static void CUDART_CB host_fn(void *arg) { log_order[log_n++] = (int)(intptr_t)arg; }
static void CUDART_CB stream_cb(cudaStream_t, cudaError_t e, void *arg)
{
	log_order[log_n++] = e == cudaSuccess ? (int)(intptr_t)arg : -1;
}

int main()
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int *dp = NULL;
	float *fp = NULL;
	CHECK(cudaMalloc(&dp, 1024) == cudaSuccess, "malloc");
	CHECK(cudaMalloc(&fp, 1024) == cudaSuccess, "malloc");

	k_none<<<1, 1>>>();
	expect_launch("no params", "k_none", A_none{}, dim3(1), dim3(1), 0);
	CHECK(!records || last.args_len == 0, "no params: %u bytes", last.args_len);

	A_char ac = { 'z' };
	k_char<<<2, 3>>>(ac.c);
	expect_launch("char", "k_char", ac, dim3(2), dim3(3), 0);

	A_cd acd = { 'q', 3.25 };
	k_char_double<<<1, 1>>>(acd.c, acd.d);
	expect_launch("char, double", "k_char_double", acd, dim3(1), dim3(1), 0);

	A_mixed am = { -7, -1.5e300, dp + 3 };
	k_mixed<<<dim3(3, 4, 5), dim3(4, 4, 2)>>>(am.c, am.d, am.p);
	expect_launch("char, double, pointer; 3D grid", "k_mixed", am, dim3(3, 4, 5),
		      dim3(4, 4, 2), 0);

	A_s24 a24 = { { 1.0 / 3, -2, 'x', 0x1122334455667788LL }, dp };
	k_s24<<<1, 32>>>(a24.s, a24.p);
	expect_launch("24-byte struct", "k_s24", a24, dim3(1), dim3(32), 0);

	A_s48 a48;
	a48.c = 'k';
	for (int i = 0; i < 6; i++)
		a48.s.v[i] = i * 1.25 - 3;
	k_s48<<<1, 1>>>(a48.c, a48.s);
	expect_launch("48-byte struct after a char", "k_s48", a48, dim3(1), dim3(1), 0);

	static A_s4004 a4004;
	for (int i = 0; i < 4001; i++)
		a4004.s.c[i] = (char)(i * 7 + 1);
	a4004.s.x = 0x5a5a1234;
	a4004.p = dp + 17;
	k_s4004<<<7, 64>>>(a4004.s, a4004.p);
	expect_launch("4004-byte struct", "k_s4004", a4004, dim3(7), dim3(64), 0);

	// Arguments larger than the whole queue of asynchronous calls (CUDA
	// 12.1 allows 32764 bytes): each such launch is a call of its own.
	static s32000 big;
	for (int i = 0; i < 8000; i++)
		big.v[i] = i * 3 + 1;
	for (int r = 0; r < 3; r++)
		k_s32000<<<r + 1, 1>>>(big, dp);
	CHECK(cudaDeviceSynchronize() == cudaSuccess, "three launches of 32 KiB arguments");
	if (fetch_last() || records)
		CHECK(records && last.grid[0] == 3 && last.args_len == sizeof(big) + 8 &&
			      !memcmp(last.args, big.v, sizeof(last.args)),
		      "the last 32 KiB launch ran last, with its arguments");

	A_dyn ad = { fp, 9 };
	k_dyn<<<2, 128, 4096>>>(ad.p, ad.n);
	expect_launch("dynamic shared memory", "k_dyn", ad, dim3(2), dim3(128), 4096);

	A_extc ae = { -3, 77 };
	k_extern_c<<<1, 1>>>(ae.a, ae.b);
	expect_launch("extern \"C\"", "k_extern_c", ae, dim3(1), dim3(1), 0);

	A_tmpl<double> atd = { (double *)fp, 2.5, 4 };
	gvns::k_tmpl<double><<<1, 2>>>(atd.p, atd.v, atd.n);
	expect_launch("template<double> in a namespace", "k_tmpl", atd, dim3(1), dim3(2), 0);
	A_tmpl<char> atc = { (char *)fp, 'c', 5 };
	gvns::k_tmpl<char><<<1, 2>>>(atc.p, atc.v, atc.n);
	expect_launch("template<char> in a namespace", "k_tmpl", atc, dim3(1), dim3(2), 0);

	// cudaLaunchKernel and cudaLaunchKernelExC with the same arguments
	void *args[] = { &am.c, &am.d, &am.p };
	CHECK(cudaLaunchKernel((const void *)k_mixed, dim3(9), dim3(8), args, 0, 0) == cudaSuccess,
	      "cudaLaunchKernel");
	expect_launch("cudaLaunchKernel", "k_mixed", am, dim3(9), dim3(8), 0);
	cudaLaunchConfig_t cfg = {};
	cfg.gridDim = dim3(5);
	cfg.blockDim = dim3(6);
	cfg.dynamicSmemBytes = 128;
	CHECK(cudaLaunchKernelExC(&cfg, (const void *)k_mixed, args) == cudaSuccess,
	      "cudaLaunchKernelExC");
	expect_launch("cudaLaunchKernelExC", "k_mixed", am, dim3(5), dim3(6), 128);

	// Bad configurations fail before reaching the host, with CUDA 13's code
	// (cudaErrorInvalidValue, as the native run on the H100 shows).
	uint64_t before = last.launches;
	k_char<<<1, 2048>>>('a');
	CHECK(cudaGetLastError() == cudaErrorInvalidValue, "2048 threads");
	CHECK(cudaGetLastError() == cudaSuccess, "cleared");
	k_char<<<0, 1>>>('a');
	CHECK(cudaGetLastError() == cudaErrorInvalidValue, "empty grid");
	fetch_last();
	CHECK(!records || last.launches == before, "bad launches reached the host");

	// Streams, events and host functions, in order.
	cudaStream_t s1, s2;
	cudaEvent_t e1, e2;
	CHECK(cudaStreamCreate(&s1) == cudaSuccess, "stream");
	CHECK(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking) == cudaSuccess, "stream");
	CHECK(cudaEventCreate(&e1) == cudaSuccess && cudaEventCreate(&e2) == cudaSuccess, "events");
	k_char<<<1, 1, 0, s1>>>('s');
	CHECK(cudaPeekAtLastError() == cudaSuccess, "launch on s1");
	CHECK(!records || (fetch_last() && last.stream == (uint64_t)(uintptr_t)s1), "launch on s1");
	CHECK(cudaEventRecord(e1, s1) == cudaSuccess, "record");
	CHECK(cudaStreamWaitEvent(s2, e1, 0) == cudaSuccess, "wait event");
	CHECK(cudaLaunchHostFunc(s2, host_fn, (void *)1) == cudaSuccess, "host fn");
	CHECK(cudaStreamAddCallback(s2, stream_cb, (void *)2, 0) == cudaSuccess, "callback");
	CHECK(cudaLaunchHostFunc(s1, host_fn, (void *)3) == cudaSuccess, "host fn");
	CHECK(cudaEventRecord(e2, s1) == cudaSuccess, "record");
	CHECK(cudaEventSynchronize(e2) == cudaSuccess, "event sync");
	float ms = -1;
	CHECK(cudaEventElapsedTime(&ms, e1, e2) == cudaSuccess && ms >= 0, "elapsed %f", ms);
	CHECK(cudaStreamSynchronize(s2) == cudaSuccess && cudaStreamQuery(s1) == cudaSuccess,
	      "streams idle");
	// 1 and 2 share stream s2, so 1 runs first; 3 (on s1) may come anywhere.
	{
		int at1 = -1, at2 = -1, at3 = -1;

		for (int i = 0; i < log_n; i++) {
			if (log_order[i] == 1)
				at1 = i;
			if (log_order[i] == 2)
				at2 = i;
			if (log_order[i] == 3)
				at3 = i;
		}
		CHECK(log_n == 3 && at1 >= 0 && at2 > at1 && at3 >= 0,
		      "host functions ran %d: %d %d %d", log_n, log_order[0], log_order[1],
		      log_order[2]);
	}
	CHECK(cudaStreamDestroy(s1) == cudaSuccess && cudaStreamDestroy(s2) == cudaSuccess, "destroy");
	CHECK(cudaStreamSynchronize(s1) == cudaErrorInvalidResourceHandle, "destroyed stream");
	(void)cudaGetLastError();
	CHECK(cudaEventDestroy(e1) == cudaSuccess && cudaEventDestroy(e2) == cudaSuccess, "destroy");
	int lo = 1, hi = 1;
	CHECK(cudaDeviceGetStreamPriorityRange(&lo, &hi) == cudaSuccess && hi <= lo, "priorities");

	// Device symbols
	int host[64], back[64];
	for (int i = 0; i < 64; i++)
		host[i] = i * i - 5;
	CHECK(cudaMemcpyToSymbol(dev_arr, host, sizeof(host)) == cudaSuccess, "to symbol");
	memset(back, 0, sizeof(back));
	CHECK(cudaMemcpyFromSymbol(back, dev_arr, 16 * sizeof(int), 8 * sizeof(int)) == cudaSuccess,
	      "from symbol");
	CHECK(!memcmp(back, host + 8, 16 * sizeof(int)), "symbol data at an offset");
	size_t sz = 0;
	CHECK(cudaGetSymbolSize(&sz, dev_arr) == cudaSuccess && sz == sizeof(host), "size %zu", sz);
	int *addr = NULL;
	CHECK(cudaGetSymbolAddress((void **)&addr, dev_arr) == cudaSuccess && addr, "address");
	memset(back, 0, sizeof(back));
	CHECK(cudaMemcpy(back, addr + 60, 4 * sizeof(int), cudaMemcpyDeviceToHost) == cudaSuccess &&
		      !memcmp(back, host + 60, 4 * sizeof(int)), "symbol through its address");
	float cf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, cb[8] = {};
	CHECK(cudaMemcpyToSymbol(dev_const, cf, sizeof(cf)) == cudaSuccess &&
		      cudaMemcpyFromSymbol(cb, dev_const, sizeof(cb)) == cudaSuccess &&
		      !memcmp(cf, cb, sizeof(cf)), "constant symbol");
	CHECK(cudaMemcpyToSymbol(dev_const, cf, sizeof(cf), 4) == cudaErrorInvalidValue,
	      "past the symbol's end");
	CHECK(cudaFree(addr) == cudaErrorInvalidValue, "cudaFree of a symbol");
	(void)cudaGetLastError();

	cudaFree(dp);
	cudaFree(fp);
	// Kernels named by their host stub, then the driver (gen/annot_cudart.py).
	const char *kname = NULL;
	cudaFunction_t kf = NULL;
	cudaKernel_t kk = NULL;
	CHECK(cudaFuncGetName(&kname, (const void *)k_mixed) == cudaSuccess && kname &&
		      strcmp(kname, "_Z7k_mixedcdPi") == 0,
	      "cudaFuncGetName: %s", kname ? kname : "(null)");
	CHECK(cudaGetFuncBySymbol(&kf, (const void *)k_mixed) == cudaSuccess && kf,
	      "cudaGetFuncBySymbol");
	CHECK(cudaGetKernel(&kk, (const void *)k_mixed) == cudaSuccess && kk, "cudaGetKernel");
	CHECK(cudaFuncGetName(&kname, (const void *)main) == cudaErrorInvalidDeviceFunction,
	      "cudaFuncGetName of a host function");
	(void)cudaGetLastError();
	// The double has no driver behind generated calls: it must say so.
	cudaError_t want = records ? cudaErrorNotSupported : cudaSuccess;
	cudaError_t got = cudaFuncSetCacheConfig((const void *)k_mixed, cudaFuncCachePreferL1);
	CHECK(got == want, "cudaFuncSetCacheConfig: %s", cudaGetErrorName(got));
	size_t off = 99, size = 99;
	got = cudaFuncGetParamInfo((const void *)k_mixed, 1, &off, &size);
	CHECK(got == want && (records || (off == 8 && size == 8)),
	      "cudaFuncGetParamInfo: %s, %zu, %zu", cudaGetErrorName(got), off, size);
	(void)cudaGetLastError();

	// Launches are asynchronous calls: queued in order, sent with the next
	// synchronizing call (the launch record shows the last one arrived).
	{
		struct {
			uint32_t sessions, session_id;
			uint64_t v[8], session_requests;
		} s0, s1;
		static int (*get)(void *, size_t) =
			(int (*)(void *, size_t))dlsym(RTLD_DEFAULT, "gvirtusGetWorkerStatsSized");
		auto stats = [](void *p) { return get ? get(p, sizeof(s0)) : -1; };
		const char *async = getenv("GVIRTUS_ASYNC");

		k_char<<<1, 1>>>(0); // learns k_char's limits once
		CHECK(stats(&s0) == 0, "gvirtusGetWorkerStatsSized");
		for (int i = 1; i <= 300; i++)
			k_char<<<1, 1>>>((char)i);
		CHECK(cudaGetLastError() == cudaSuccess, "300 launches");
		CHECK(cudaDeviceSynchronize() == cudaSuccess, "then one cudaDeviceSynchronize");
		CHECK(stats(&s1) == 0, "gvirtusGetWorkerStatsSized again");
		uint64_t requests = s1.session_requests - s0.session_requests;
		if (async && !strcmp(async, "0"))
			CHECK(requests >= 301, "GVIRTUS_ASYNC=0: each launch a request (%llu)",
			      (unsigned long long)requests);
		else
			CHECK(requests <= 3, "300 launches and a synchronize in %llu request(s)",
			      (unsigned long long)requests);
		if (fetch_last() || records)
			CHECK(last.args[0] == (uint8_t)44, "the last launch ran last (argument %u)",
			      last.args[0]);

		// Memsets into this process's allocations are queued too, in order.
		unsigned char *dm = NULL, hm[256];
		CHECK(cudaMalloc(&dm, sizeof(hm)) == cudaSuccess, "cudaMalloc for memsets");
		CHECK(stats(&s0) == 0, "gvirtusGetWorkerStatsSized");
		for (int i = 0; i < 256; i++)
			cudaMemsetAsync(dm + i, i, 256 - i, 0); // byte j ends as j
		CHECK(cudaGetLastError() == cudaSuccess, "256 overlapping memsets");
		CHECK(cudaMemcpy(hm, dm, sizeof(hm), cudaMemcpyDeviceToHost) == cudaSuccess,
		      "then one copy back");
		CHECK(stats(&s1) == 0, "gvirtusGetWorkerStatsSized again");
		int in_order = 1;
		for (int i = 0; i < 256; i++)
			in_order &= hm[i] == (unsigned char)i;
		CHECK(in_order, "the memsets ran in order");
		requests = s1.session_requests - s0.session_requests;
		if (!(async && !strcmp(async, "0")))
			CHECK(requests <= 2, "256 memsets and a copy in %llu request(s)",
			      (unsigned long long)requests);
		CHECK(cudaMemset(dm + 200, 0, 100) == cudaErrorInvalidValue,
		      "a memset past the allocation fails at the call");
		(void)cudaGetLastError();

		// And copies between them: 64 device-to-device copies, then one back.
		unsigned char *dm2 = NULL;
		CHECK(cudaMalloc(&dm2, sizeof(hm)) == cudaSuccess, "cudaMalloc for copies");
		CHECK(stats(&s0) == 0, "gvirtusGetWorkerStatsSized");
		for (int i = 0; i < 64; i++)
			cudaMemcpyAsync(dm2 + 4 * i, dm + 4 * (63 - i), 4, cudaMemcpyDeviceToDevice, 0);
		CHECK(cudaMemcpy(hm, dm2, sizeof(hm), cudaMemcpyDeviceToHost) == cudaSuccess,
		      "then one copy back");
		CHECK(stats(&s1) == 0, "gvirtusGetWorkerStatsSized again");
		in_order = 1;
		for (int i = 0; i < 64; i++)
			for (int j = 0; j < 4; j++)
				in_order &= hm[4 * i + j] == (unsigned char)(4 * (63 - i) + j);
		CHECK(in_order, "the device-to-device copies moved the right bytes");
		requests = s1.session_requests - s0.session_requests;
		if (!(async && !strcmp(async, "0")))
			CHECK(requests <= 2, "64 copies and a copy back in %llu request(s)",
			      (unsigned long long)requests);
		CHECK(cudaMemcpy(dm2, dm + 128, 200, cudaMemcpyDeviceToDevice) == cudaErrorInvalidValue,
		      "a copy past the source allocation fails at the call");
		(void)cudaGetLastError();
		cudaFree(dm2);
		cudaFree(dm);

		// Event records and stream waits on known handles are queued too.
		cudaEvent_t ev;
		cudaStream_t s2;
		CHECK(cudaEventCreate(&ev) == cudaSuccess && cudaStreamCreate(&s2) == cudaSuccess,
		      "an event and a stream");
		CHECK(stats(&s0) == 0, "gvirtusGetWorkerStatsSized");
		for (int i = 0; i < 50; i++) {
			k_char<<<1, 1>>>((char)i);
			cudaEventRecord(ev, 0);
			cudaStreamWaitEvent(s2, ev, 0);
		}
		CHECK(cudaGetLastError() == cudaSuccess, "50 launches, records and waits");
		CHECK(cudaEventSynchronize(ev) == cudaSuccess, "then cudaEventSynchronize");
		CHECK(stats(&s1) == 0, "gvirtusGetWorkerStatsSized again");
		requests = s1.session_requests - s0.session_requests;
		if (!(async && !strcmp(async, "0")))
			CHECK(requests <= 2, "150 calls and a synchronize in %llu request(s)",
			      (unsigned long long)requests);
		CHECK(cudaEventQuery(ev) == cudaSuccess, "the event has completed");
		CHECK(cudaStreamSynchronize(s2) == cudaSuccess, "the waiting stream too");
		cudaStreamDestroy(s2);
		cudaEventDestroy(ev);
	}

	printf("gvtest_kernels: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
