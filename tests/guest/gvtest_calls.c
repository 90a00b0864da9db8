/* SPDX-License-Identifier: MIT */
/*
 * Exercises every runtime call of the virtio path from a guest process
 * and checks the results against values computed here on the CPU.
 *   gvtest_calls all [SEED]        the whole suite
 *   gvtest_calls stress SEED N     N rounds of mixed-size transfers
 *   gvtest_calls victim            holds 128 MiB, transfers until killed
 *   gvtest_calls check-freed       the host holds no memory for others
 *   gvtest_calls meminfo           prints cudaMemGetInfo
 */
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "gvirtus_ext.h"

#define MiB (1024u * 1024u)

/* The same binary runs natively too; this tells the two apart. */
static int on_gvirtus(void)
{
	return dlsym(RTLD_DEFAULT, "gvirtusGetWorkerStats") != NULL;
}

static void test_errors(void)
{
	int dev = -1, n = 0;

	CHECK(!strcmp(cudaGetErrorName(cudaSuccess), "cudaSuccess"), "name of 0");
	CHECK(!strcmp(cudaGetErrorString(cudaSuccess), "no error"), "text of 0");
	CHECK(!strcmp(cudaGetErrorName(cudaErrorInvalidValue), "cudaErrorInvalidValue"),
	      "name of 1");
	CHECK(!strcmp(cudaGetErrorString(cudaErrorInvalidValue), "invalid argument"), "text of 1");
	CHECK(!strcmp(cudaGetErrorString(cudaErrorMemoryAllocation), "out of memory"), "text of 2");
	CHECK(!strcmp(cudaGetErrorName((cudaError_t)9999), "unrecognized error code"),
	      "unknown code");
	/* Last error: set by a failing call, kept by peek, cleared by get. */
	CHECK_CUDA(cudaGetLastError(), cudaSuccess);
	CHECK_CUDA(cudaGetDeviceCount(&n), cudaSuccess);
	CHECK_CUDA(cudaSetDevice(n + 5), cudaErrorInvalidDevice);
	CHECK_CUDA(cudaPeekAtLastError(), cudaErrorInvalidDevice);
	CHECK_CUDA(cudaPeekAtLastError(), cudaErrorInvalidDevice);
	CHECK_CUDA(cudaGetDevice(&dev), cudaSuccess);
	CHECK(dev == 0, "device stays 0 after a failed set, got %d", dev);
	CHECK_CUDA(cudaGetLastError(), cudaErrorInvalidDevice);
	CHECK_CUDA(cudaGetLastError(), cudaSuccess);
	CHECK_CUDA(cudaGetDevice(NULL), cudaErrorInvalidValue);
	CHECK_CUDA(cudaGetLastError(), cudaErrorInvalidValue);
	/* On gvirtus, an unimplemented call fails, never succeeds (graphics
	 * interop: out of scope on every executor). */
	if (on_gvirtus()) {
		CHECK_CUDA(cudaGraphicsUnregisterResource(NULL), cudaErrorNotSupported);
		CHECK_CUDA(cudaGetLastError(), cudaErrorNotSupported);
	}
}

static void test_device(void)
{
	struct cudaDeviceProp p;
	int n = 0, v = 0, i, rt = 0, drv = 0;

	CHECK_CUDA(cudaGetDeviceCount(&n), cudaSuccess);
	CHECK(n >= 1, "device count %d", n);
	CHECK_CUDA(cudaGetDeviceCount(NULL), cudaErrorInvalidValue);
	CHECK_CUDA(cudaRuntimeGetVersion(&rt), cudaSuccess);
	CHECK(rt == CUDART_VERSION, "runtime version %d", rt);
	CHECK_CUDA(cudaDriverGetVersion(&drv), cudaSuccess);
	CHECK(drv >= 13000, "driver version %d", drv);
	for (i = 0; i < n; i++) {
		CHECK_CUDA(cudaSetDevice(i), cudaSuccess);
		CHECK_CUDA(cudaGetDevice(&v), cudaSuccess);
		CHECK(v == i, "current device %d, set %d", v, i);
		memset(&p, 0x5a, sizeof(p));
		CHECK_CUDA(cudaGetDeviceProperties(&p, i), cudaSuccess);
		CHECK(p.name[0] && memchr(p.name, 0, sizeof(p.name)), "device name");
		CHECK(p.totalGlobalMem >= 64 * MiB, "totalGlobalMem %zu", p.totalGlobalMem);
		CHECK(p.warpSize == 32, "warpSize %d", p.warpSize);
		CHECK_CUDA(cudaDeviceGetAttribute(&v, cudaDevAttrMaxThreadsPerBlock, i),
			   cudaSuccess);
		CHECK(v == p.maxThreadsPerBlock && v >= 512, "maxThreadsPerBlock %d/%d", v,
		      p.maxThreadsPerBlock);
		CHECK_CUDA(cudaDeviceGetAttribute(&v, cudaDevAttrComputeCapabilityMajor, i),
			   cudaSuccess);
		CHECK(v == p.major && v >= 7, "major %d/%d", v, p.major);
		CHECK_CUDA(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, i),
			   cudaSuccess);
		CHECK(v == p.multiProcessorCount && v > 0, "SMs %d/%d", v, p.multiProcessorCount);
		printf("device %d: %s, sm_%d%d, %d SMs, %zu MiB\n", i, p.name, p.major, p.minor,
		       p.multiProcessorCount, p.totalGlobalMem / MiB);
	}
	CHECK_CUDA(cudaSetDevice(0), cudaSuccess);
	CHECK_CUDA(cudaGetDeviceProperties(&p, n), cudaErrorInvalidDevice);
	CHECK_CUDA(cudaGetDeviceProperties(NULL, 0), cudaErrorInvalidValue);
	CHECK_CUDA(cudaDeviceGetAttribute(&v, cudaDevAttrMaxThreadsPerBlock, -1),
		   cudaErrorInvalidDevice);
	CHECK_CUDA(cudaDeviceGetAttribute(&v, (enum cudaDeviceAttr)100000, 0),
		   cudaErrorInvalidValue);
	CHECK_CUDA(cudaDeviceSynchronize(), cudaSuccess);
	(void)cudaGetLastError();
}

/* One round trip of n bytes through device memory at the given offsets. */
static void roundtrip(size_t n, size_t host_off, size_t dev_off, unsigned long long seed,
		      int use_default)
{
	unsigned char *src = malloc(n + host_off), *dst = malloc(n + host_off + 3);
	unsigned char *d1 = NULL, *d2 = NULL;
	size_t dev2_off = (dev_off * 7 + 5) % 512;

	if (!src || !dst) {
		CHECK(0, "host malloc %zu", n);
		goto out;
	}
	pattern_fill(src + host_off, n, seed);
	memset(dst, 0xee, n + host_off + 3);
	CHECK_CUDA(cudaMalloc((void **)&d1, n + dev_off), cudaSuccess);
	CHECK_CUDA(cudaMalloc((void **)&d2, n + dev2_off), cudaSuccess);
	if (!d1 || !d2)
		goto out;
	CHECK_CUDA(cudaMemcpy(d1 + dev_off, src + host_off, n,
			      use_default ? cudaMemcpyDefault : cudaMemcpyHostToDevice),
		   cudaSuccess);
	CHECK_CUDA(cudaMemcpy(d2 + dev2_off, d1 + dev_off, n,
			      use_default ? cudaMemcpyDefault : cudaMemcpyDeviceToDevice),
		   cudaSuccess);
	CHECK_CUDA(cudaMemcpy(dst + host_off + 1, d2 + dev2_off, n,
			      use_default ? cudaMemcpyDefault : cudaMemcpyDeviceToHost),
		   cudaSuccess);
	CHECK(!memcmp(dst + host_off + 1, src + host_off, n),
	      "%zu bytes at host+%zu dev+%zu differ after H2D/D2D/D2H", n, host_off, dev_off);
	CHECK(dst[host_off] == 0xee && dst[host_off + 1 + n] == 0xee,
	      "D2H of %zu bytes wrote outside its range", n);
out:
	cudaFree(d1);
	cudaFree(d2);
	free(src);
	free(dst);
}

static void test_copies(unsigned long long seed)
{
	static const size_t sizes[] = {1,     3,	4095,	      4096,    4097,
				       65537, MiB + 13, 16 * MiB - 1, 64 * MiB};
	static const size_t hoffs[] = {0, 1, 7, 4095};
	static const size_t doffs[] = {0, 1, 333};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip(sizes[i], hoffs[i % 4], doffs[i % 3], seed + i, i & 1);
}

static void test_memory_api(unsigned long long seed)
{
	unsigned char *d = NULL, *h = NULL, *pin = NULL, *back;
	struct cudaPointerAttributes a;
	size_t f0, t0, f1, t1, i;
	const size_t n = 3 * MiB + 5;
	cudaError_t e0 = cudaSuccess, e1 = cudaSuccess, e2 = cudaSuccess;
	int stack_var = 0;

	/*
	 * Other processes may share the card and free memory in between, so a
	 * few tries are allowed before the drop in free memory counts as wrong.
	 */
	for (i = 0; i < 5; i++) {
		if (d)
			(void)cudaFree(d);
		e0 = cudaMemGetInfo(&f0, &t0);
		e1 = cudaMalloc((void **)&d, 32 * MiB);
		e2 = cudaMemGetInfo(&f1, &t1);
		if (e0 || e1 || e2 || (t1 == t0 && f1 + 32 * MiB <= f0))
			break;
	}
	CHECK(!e0 && !e1 && !e2, "cudaMemGetInfo, cudaMalloc(32 MiB): %d %d %d", e0, e1, e2);
	CHECK(f0 <= t0 && t0 > 0, "meminfo %zu/%zu", f0, t0);
	CHECK(t1 == t0 && f1 + 32 * MiB <= f0, "free %zu -> %zu after 32 MiB", f0, f1);
	CHECK_CUDA(cudaMalloc(NULL, 16), cudaErrorInvalidValue);
	(void)cudaGetLastError();

	/* memset, checked against a CPU-made expectation */
	back = malloc(n);
	h = malloc(n);
	memset(h, 0x11, n);
	memset(h + 100, 0xa7, n - 200);
	CHECK_CUDA(cudaMemset(d, 0x11, n), cudaSuccess);
	CHECK_CUDA(cudaMemset(d + 100, 0x1a7, n - 200), cudaSuccess);
	CHECK_CUDA(cudaMemcpy(back, d, n, cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK(!memcmp(back, h, n), "memset result");
	CHECK_CUDA(cudaMemset(d + 32 * MiB - 10, 0, 11), cudaErrorInvalidValue);
	(void)cudaGetLastError();

	/* invalid uses: the same codes as native */
	CHECK_CUDA(cudaMemcpy(d, h, 0, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_CUDA(cudaMemcpy(d, h, 16, (enum cudaMemcpyKind)7), cudaErrorInvalidMemcpyDirection);
	CHECK_CUDA(cudaMemcpy(d + 32 * MiB - 8, h, 16, cudaMemcpyHostToDevice),
		   cudaErrorInvalidValue);
	CHECK_CUDA(cudaFree(d + 16), cudaErrorInvalidValue);
	CHECK_CUDA(cudaFree(NULL), cudaSuccess);
	(void)cudaGetLastError();

	/* pinned host memory and pointer attributes */
	CHECK_CUDA(cudaMallocHost((void **)&pin, n), cudaSuccess);
	CHECK_CUDA(cudaHostAlloc((void **)&h, 4096, 0x80), cudaErrorInvalidValue);
	(void)cudaGetLastError();
	if (pin) {
		pattern_fill(pin, n, seed);
		CHECK_CUDA(cudaMemcpy(d + 5, pin, n, cudaMemcpyHostToDevice), cudaSuccess);
		memset(back, 0, n);
		CHECK_CUDA(cudaMemcpy(back, d + 5, n, cudaMemcpyDefault), cudaSuccess);
		CHECK(!memcmp(back, pin, n), "pinned round trip");
		CHECK_CUDA(cudaPointerGetAttributes(&a, pin + 10), cudaSuccess);
		CHECK(a.type == cudaMemoryTypeHost, "pinned type %d", a.type);
	}
	CHECK_CUDA(cudaPointerGetAttributes(&a, d + 1000), cudaSuccess);
	CHECK(a.type == cudaMemoryTypeDevice && a.device == 0 && a.devicePointer == d + 1000,
	      "device attrs type %d dev %d", a.type, a.device);
	CHECK_CUDA(cudaPointerGetAttributes(&a, &stack_var), cudaSuccess);
	CHECK(a.type == cudaMemoryTypeUnregistered, "stack type %d", a.type);
	CHECK_CUDA(cudaFreeHost(pin), cudaSuccess);
	CHECK_CUDA(cudaFreeHost(h + 1), cudaErrorInvalidValue);
	(void)cudaGetLastError();

	/* pitched allocation and 2D copies with distinct host pitches */
	{
		const size_t w = 1000, rows = 301, sp = 1111, dp = 1029;
		unsigned char *hs = malloc(sp * rows), *hd = malloc(dp * rows);
		unsigned char *dpitched = NULL, *d2 = NULL;
		size_t pitch = 0, pitch2 = 0, y;
		int ok = 1;

		pattern_fill(hs, sp * rows, seed + 99);
		memset(hd, 0, dp * rows);
		CHECK_CUDA(cudaMallocPitch((void **)&dpitched, &pitch, w, rows), cudaSuccess);
		CHECK_CUDA(cudaMallocPitch((void **)&d2, &pitch2, w, rows), cudaSuccess);
		CHECK(pitch >= w && pitch % 32 == 0, "pitch %zu for width %zu", pitch, w);
		CHECK_CUDA(cudaMemcpy2D(dpitched, pitch, hs, sp, w, rows, cudaMemcpyHostToDevice),
			   cudaSuccess);
		CHECK_CUDA(
		    cudaMemcpy2D(d2, pitch2, dpitched, pitch, w, rows, cudaMemcpyDeviceToDevice),
		    cudaSuccess);
		CHECK_CUDA(cudaMemcpy2D(hd, dp, d2, pitch2, w, rows, cudaMemcpyDeviceToHost),
			   cudaSuccess);
		for (y = 0; y < rows; y++) {
			ok &= !memcmp(hd + y * dp, hs + y * sp, w);
			for (i = w; i < dp && y + 1 < rows; i++)
				ok &= hd[y * dp + i] == 0;
		}
		CHECK(ok, "2D copy rows or gaps differ");
		CHECK_CUDA(
		    cudaMemcpy2D(dpitched, pitch, hs, sp, pitch + 1, 2, cudaMemcpyHostToDevice),
		    cudaErrorInvalidPitchValue);
		(void)cudaGetLastError();
		CHECK_CUDA(cudaFree(dpitched), cudaSuccess);
		CHECK_CUDA(cudaFree(d2), cudaSuccess);
		free(hs);
		free(hd);
	}

	CHECK_CUDA(cudaFree(d), cudaSuccess);
	CHECK_CUDA(cudaMemGetInfo(&f1, &t1), cudaSuccess);
	/* Free memory is the whole GPU's: other processes move it too. */
	if (getenv("GVTEST_SHARED_GPU"))
		printf("note: free memory not compared (GVTEST_SHARED_GPU): %zu, then %zu\n", f0,
		       f1);
	else
		CHECK(f1 == f0, "free memory back to %zu, is %zu", f0, f1);
	/* cudaDeviceReset frees what the process still holds */
	CHECK_CUDA(cudaMalloc((void **)&d, MiB), cudaSuccess);
	CHECK_CUDA(cudaDeviceReset(), cudaSuccess);
	CHECK_CUDA(cudaFree(d), cudaErrorInvalidValue);
	(void)cudaGetLastError();
	free(back);
	free(h);
}

/*
 * A batch of 3D copies between pointers (an element is a byte): a host
 * box into pitched device memory, back out tightly packed, compared with
 * the box; and the batch's own refusals.
 */
static void test_batch3d(void)
{
	enum { W = 48, H = 5, D = 3, PITCH = 64, LAYER = 7 };
	unsigned char box[W * H * D], back[W * H * D] = {0}, *d = NULL;
	struct cudaMemcpy3DBatchOp op = {0};
	cudaStream_t s;
	size_t i;

	for (i = 0; i < sizeof(box); i++)
		box[i] = (unsigned char)(i * 13 + 1);
	CHECK_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
	CHECK_CUDA(cudaMalloc((void **)&d, PITCH * LAYER * D), cudaSuccess);
	op.src.type = op.dst.type = cudaMemcpyOperandTypePointer;
	op.src.op.ptr.ptr = box;
	op.dst.op.ptr.ptr = d;
	op.dst.op.ptr.rowLength = PITCH;
	op.dst.op.ptr.layerHeight = LAYER;
	op.extent = (struct cudaExtent){W, H, D};
	op.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	/* The CPU double has no driver to make 3D copies with: the checks only. */
	if (cudaMemcpy3DBatchAsync(1, &op, 0, s) == cudaErrorNotSupported) {
		printf("note: no 3D copies in this executor (the CPU double)\n");
		(void)cudaGetLastError();
		op.src = op.dst;
	} else {
		op.src = op.dst;
		op.dst.op.ptr.ptr = back;
		op.dst.op.ptr.rowLength = op.dst.op.ptr.layerHeight = 0;
		CHECK_CUDA(cudaMemcpy3DBatchAsync(1, &op, 0, s), cudaSuccess);
		CHECK_CUDA(cudaStreamSynchronize(s), cudaSuccess);
		CHECK(!memcmp(back, box, sizeof(box)), "a box through pitched memory and back");
	}
	CHECK_CUDA(cudaMemcpy3DBatchAsync(1, &op, 0, 0), cudaErrorInvalidValue);
	op.dst.op.ptr.rowLength = W - 1; /* shorter than a row of the copy */
	CHECK_CUDA(cudaMemcpy3DBatchAsync(1, &op, 0, s), cudaErrorInvalidValue);
	(void)cudaGetLastError();
	CHECK_CUDA(cudaFree(d), cudaSuccess);
	CHECK_CUDA(cudaStreamDestroy(s), cudaSuccess);
}

/*
 * Several threads, so that a kill almost surely finds some of them inside
 * a call, with pages pinned and the host at work on them.
 */
#define VICTIM_THREADS 4
static void *victim_thread(void *arg)
{
	unsigned char *d = NULL, *h = malloc(32 * MiB);

	pattern_fill(h, 32 * MiB, 7);
	CHECK_CUDA(cudaMalloc((void **)&d, 64 * MiB), cudaSuccess);
	for (;;) {
		cudaMemcpy(d, h, 32 * MiB, cudaMemcpyHostToDevice);
		cudaMemcpy(h, d + 32 * MiB, 32 * MiB, cudaMemcpyDeviceToHost);
	}
	return arg;
}

static int stats(struct gvirtus_worker_stats *s)
{
	int (*get)(struct gvirtus_worker_stats *) =
	    (int (*)(struct gvirtus_worker_stats *))dlsym(RTLD_DEFAULT, "gvirtusGetWorkerStats");

	return get ? get(s) : -1;
}

static int finish(const char *what)
{
	printf("%s: %d passed, %d failed\n", what, check_passes, check_failures);
	return check_failures ? 1 : 0;
}

/*
 * A host function's gate reached while another thread's enqueue waits on
 * the host behind a synchronizing call: the process's callback thread
 * must still run it.  Over TCP this once deadlocked (cuda-samples'
 * simpleCallback on the H200): the enqueuing thread held the lock the
 * callback thread needed for as long as its request waited.
 */
static atomic_int hf_ran;
static cudaStream_t hf_stream2;

static void CUDART_CB hf_slow(void *arg)
{
	(void)arg;
	usleep(300000);
	atomic_fetch_add(&hf_ran, 1);
}

static void CUDART_CB hf_count(void *arg)
{
	(void)arg;
	atomic_fetch_add(&hf_ran, 1);
}

static void *hf_sync(void *arg)
{
	*(cudaError_t *)arg = cudaDeviceSynchronize();
	return NULL;
}

static void *hf_enqueue(void *arg)
{
	*(cudaError_t *)arg = cudaLaunchHostFunc(hf_stream2, hf_count, NULL);
	return NULL;
}

static void *hf_watchdog(void *arg)
{
	(void)arg;
	sleep(30);
	printf("FAIL host functions: deadlocked (no progress in 30 s)\n");
	fflush(stdout);
	_exit(3);
}

static void test_host_functions(void)
{
	cudaStream_t s1;
	pthread_t a, b, w;
	cudaError_t ea = cudaErrorUnknown, eb = cudaErrorUnknown;

	pthread_create(&w, NULL, hf_watchdog, NULL);
	CHECK_CUDA(cudaStreamCreate(&s1), cudaSuccess);
	CHECK_CUDA(cudaStreamCreate(&hf_stream2), cudaSuccess);
	CHECK_CUDA(cudaLaunchHostFunc(s1, hf_slow, NULL), cudaSuccess);
	CHECK_CUDA(cudaLaunchHostFunc(s1, hf_count, NULL), cudaSuccess);
	usleep(50000); /* hf_slow runs in the callback thread */
	pthread_create(&a, NULL, hf_sync, &ea);
	usleep(50000); /* a waits behind both gates */
	pthread_create(&b, NULL, hf_enqueue, &eb);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CHECK_CUDA(cudaDeviceSynchronize(), cudaSuccess);
	pthread_cancel(w);
	pthread_join(w, NULL);
	CHECK(ea == cudaSuccess && eb == cudaSuccess, "synchronize %d, enqueue %d", ea, eb);
	CHECK(atomic_load(&hf_ran) == 3, "%d of 3 host functions ran", atomic_load(&hf_ran));
	CHECK_CUDA(cudaStreamDestroy(s1), cudaSuccess);
	CHECK_CUDA(cudaStreamDestroy(hf_stream2), cudaSuccess);
}

/*
 * Device memory's addresses are not this process's to map, as with unified
 * addressing natively: a host buffer can never be taken for device memory.
 */
static void test_device_addresses(void)
{
	const size_t sz = 4 * MiB, page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *d = NULL;
	size_t off;
	int held = 1;

	CHECK_CUDA(cudaMalloc((void **)&d, sz), cudaSuccess);
	for (off = 0; d && off < sz; off += sz / 4) {
		void *want = (void *)(((uintptr_t)d + off) & ~(uintptr_t)(page - 1));
		void *p = mmap(want, page, PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == want)
			held = 0;
		if (p != MAP_FAILED)
			munmap(p, page);
	}
	CHECK(held, "no mapping of this process's can land on device memory");
	CHECK_CUDA(cudaFree(d), cudaSuccess);
}

/*
 * Managed memory: the CPU's bytes reach the GPU's copies and memsets, and
 * theirs the CPU, with the synchronization a device without concurrent
 * managed access asks for (what the guest reports; natively the same
 * program is correct on any device).
 */
static void test_managed(unsigned long long seed)
{
	const size_t sz = 3 * MiB + 123;
	const char *vg = getenv("GVTEST_VALGRIND");
	unsigned char *m = NULL, *d = NULL, *h, *want;

	/* Under valgrind the fault handler's paging does not take (its view of
	 * the mappings is its own); this test runs in the guest and over TCP. */
	if (vg && !strcmp(vg, "1")) {
		printf("skip: managed memory under valgrind\n");
		return;
	}
	h = malloc(sz);
	want = malloc(sz);
	/* Natively (driver 580): success for no bytes. */
	CHECK_CUDA(cudaMallocManaged((void **)&m, 0, cudaMemAttachGlobal), cudaSuccess);
	CHECK_CUDA(cudaMallocManaged((void **)&m, sz, 7), cudaErrorInvalidValue);
	CHECK_CUDA(cudaMallocManaged((void **)&m, sz, cudaMemAttachGlobal), cudaSuccess);
	CHECK_CUDA(cudaMalloc((void **)&d, sz), cudaSuccess);
	if (!m || !d || !h || !want) {
		CHECK(0, "managed test's buffers");
		free(h);
		free(want);
		return;
	}
	pattern_fill(want, sz, seed);
	memcpy(m, want, sz);
	CHECK_CUDA(cudaMemcpy(d, m, sz, cudaMemcpyDefault), cudaSuccess);
	CHECK_CUDA(cudaMemcpy(h, d, sz, cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK(!memcmp(h, want, sz), "the CPU's writes to managed memory reach the GPU");
	CHECK_CUDA(cudaMemset(m + 1000, 0x5a, 4096), cudaSuccess);
	CHECK_CUDA(cudaDeviceSynchronize(), cudaSuccess);
	memset(want + 1000, 0x5a, 4096);
	CHECK(!memcmp(m, want, sz), "the GPU's memset of managed memory reaches the CPU");
	m[sz - 1] ^= 0xff;
	want[sz - 1] ^= 0xff;
	CHECK_CUDA(cudaMemcpy(h, m, sz, cudaMemcpyDefault), cudaSuccess);
	CHECK(!memcmp(h, want, sz), "a copy from managed memory sees the CPU's last write");
	CHECK_CUDA(cudaFree(m), cudaSuccess);
	CHECK_CUDA(cudaFree(d), cudaSuccess);
	free(h);
	free(want);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "all";
	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "all")) {
		test_errors();
		test_device();
		test_copies(seed);
		test_memory_api(seed);
		test_batch3d();
		test_device_addresses();
		test_managed(seed);
		test_host_functions();
		return finish("gvtest_calls all");
	}
	if (!strcmp(mode, "stress")) {
		long rounds = argc > 3 ? strtol(argv[3], NULL, 0) : 4, r;

		for (r = 0; r < rounds; r++) {
			roundtrip((size_t)(seed * 7919 + r * 104729) % (8 * MiB) + 1,
				  (size_t)r % 13, (size_t)(seed + r) % 257, seed * 1000 + r,
				  (int)(r & 1));
		}
		return finish("gvtest_calls stress");
	}
	if (!strcmp(mode, "victim")) {
		pthread_t t[VICTIM_THREADS];
		int i;

		printf("victim: %d threads holding 64 MiB each, transferring until killed\n",
		       VICTIM_THREADS);
		for (i = 0; i < VICTIM_THREADS; i++)
			pthread_create(&t[i], NULL, victim_thread, NULL);
		pthread_join(t[0], NULL);
		return 1;
	}
	if (!strcmp(mode, "check-freed")) {
		struct gvirtus_worker_stats s;

		CHECK(stats(&s) == 0, "gvirtusGetWorkerStats");
		printf("host worker: %u session(s), %llu allocation(s) / %llu bytes held, "
		       "%llu session(s) closed, %llu bytes freed at close\n",
		       s.sessions, (unsigned long long)s.total_allocs,
		       (unsigned long long)s.total_bytes, (unsigned long long)s.sessions_closed,
		       (unsigned long long)s.bytes_freed_at_close);
		CHECK(s.sessions == 1, "only this session is open, not %u", s.sessions);
		CHECK(s.total_allocs == 0 && s.total_bytes == 0,
		      "no session holds device memory (%llu bytes held)",
		      (unsigned long long)s.total_bytes);
		if (argc > 2)
			CHECK(s.bytes_freed_at_close >= strtoull(argv[2], NULL, 0),
			      "at least %s bytes were freed at session close", argv[2]);
		return finish("gvtest_calls check-freed");
	}
	if (!strcmp(mode, "meminfo")) {
		size_t f = 0, t = 0;
		cudaError_t e = cudaMemGetInfo(&f, &t);

		printf("meminfo: %d free=%zu total=%zu\n", (int)e, f, t);
		return e != cudaSuccess;
	}
	fprintf(stderr, "usage: gvtest_calls all|stress|victim|check-freed|meminfo\n");
	return 2;
}
