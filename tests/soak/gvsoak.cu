// SPDX-License-Identifier: MIT
// gvsoak: the soak and kill-storm client.  An unmodified nvcc program: it
// runs natively against NVIDIA's libcudart, in the guest through
// virtio-gvirtus, and over TCP through gvirtus-backend.
//
//   gvsoak run SECONDS THREADS SEED   each thread, until SECONDS have passed:
//       cudaMalloc two buffers of a random size (4 KiB .. 16 MiB), copy a
//       CPU-made pattern x in, memset y, y = a*x + b by a kernel (32-bit
//       integers, so the result is exact), copy back and check x and y
//       byte for byte; then a device-to-device copy and a memset of a
//       sub-range, checked the same way; free.  Half the iterations use the
//       synchronous calls, half a stream of the thread's own with async
//       copies and memsets and events.  Last line:
//       "gvsoak: <iters> iterations, <bytes> bytes checked, <wrong> wrong";
//       exit status 1 if anything was wrong or any CUDA call failed.
//   gvsoak churn [SEED]   the same work on two threads (sizes up to 4 MiB),
//       forever: a process to be killed at a random point.  It says
//       "gvsoak churn: working" after its first checked iteration, and exits
//       by itself (status 1) only on a wrong result or a failed call.
//   gvsoak meminfo        one line: "gvsoak meminfo: free F total T".
//
// GVSOAK_NO_KERNELS=1: the kernel is still launched, but its result is not
// checked (the CPU reference executor records launches and runs nothing);
// copies and memsets are checked as always.  GVSOAK_MAX_BYTES caps the
// buffer size.  Sizes are drawn log-uniformly, so small and large transfers
// are both frequent while the mean host memory per thread stays small (a
// TCG guest of 2 GiB runs 64 such threads); host buffers are mapped for
// each iteration and unmapped after it, so what one large iteration touched
// is not kept (fresh pages each time also exercise the guest's pinning).
#include <atomic>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cuda_runtime.h>

#define MIN_BYTES 4096ull
#define MAX_BYTES (16ull << 20)
#define CHURN_MAX_BYTES (4ull << 20)
#define REPORT_MAX 5		/* mismatches described in detail, per process */

__global__ void axpb(unsigned *y, const unsigned *x, size_t n, unsigned a, unsigned b)
{
	size_t step = (size_t)gridDim.x * blockDim.x;

	for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step)
		y[i] = a * x[i] + b;
}

static struct {
	double seconds;		/* < 0: forever (churn) */
	uint64_t seed;
	uint64_t max_bytes;
	int check_kernels;
	int churn;
} cfg;

static std::atomic<unsigned long long> n_iters, n_bytes, n_wrong, n_errors;
static std::atomic<int> n_reported, said_working;

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Log-uniform in [MIN_BYTES, max], any byte count (odd ones included).
static size_t pick_size(uint64_t *rng, uint64_t max)
{
	int top = 63 - __builtin_clzll(max), bits;	/* 2^top <= max */
	uint64_t lo;

	if (top <= 12)
		return MIN_BYTES;
	bits = 12 + (int)(splitmix(rng) % (uint64_t)(top - 12));
	lo = 1ull << bits;
	return (size_t)(lo + splitmix(rng) % lo);	/* [2^bits, 2^(bits+1)) */
}

struct worker {
	int id;
	uint64_t rng;
	unsigned char *hx, *hy;	/* the pattern; what came back */
	size_t hlen;		/* bytes mapped at each */
	cudaStream_t stream;
	cudaEvent_t ev0, ev1;
	void *dx, *dy;
	uint64_t iter;
};

// A failed call ends the thread (errors can be sticky); the process reports.
#define CK(call)                                                                   \
	do {                                                                       \
		cudaError_t e_ = (call);                                           \
		if (e_ != cudaSuccess) {                                           \
			fail_call(w, #call, e_);                                   \
			return -1;                                                 \
		}                                                                  \
	} while (0)

static void fail_call(struct worker *w, const char *what, cudaError_t e)
{
	n_errors.fetch_add(1);
	printf("gvsoak: thread %d iteration %llu: %s: %s\n", w->id,
	       (unsigned long long)w->iter, what, cudaGetErrorName(e));
	fflush(stdout);
	if (cfg.churn)
		_exit(1);
}

// Compares got[from, to) with what the expectation function gives; counts.
template <typename Exp>
static void check(struct worker *w, const char *what, const unsigned char *got, size_t from,
		  size_t to, Exp exp)
{
	size_t bad = 0, first = 0;

	for (size_t i = from; i < to; i++)
		if (got[i] != exp(i) && bad++ == 0)
			first = i;
	n_bytes.fetch_add(to - from);
	if (!bad)
		return;
	n_wrong.fetch_add(1);
	if (n_reported.fetch_add(1) < REPORT_MAX)
		printf("gvsoak: WRONG thread %d iteration %llu %s: byte %zu got 0x%02x expected "
		       "0x%02x (%zu of %zu bytes differ)\n", w->id, (unsigned long long)w->iter,
		       what, first, got[first], exp(first), bad, to - from);
	fflush(stdout);
	if (cfg.churn)
		_exit(1);
}

static inline unsigned word_at(const unsigned char *p, size_t i)
{
	unsigned v;

	memcpy(&v, p + i * 4, 4);
	return v;
}

static void host_unmap(struct worker *w)
{
	if (w->hlen) {
		munmap(w->hx, w->hlen);
		munmap(w->hy, w->hlen);
	}
	w->hx = w->hy = NULL;
	w->hlen = 0;
}

static int host_map(struct worker *w, size_t n)
{
	void *x = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *y = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (x == MAP_FAILED || y == MAP_FAILED) {
		if (x != MAP_FAILED)
			munmap(x, n);
		if (y != MAP_FAILED)
			munmap(y, n);
		printf("gvsoak: thread %d: out of host memory (%zu bytes)\n", w->id, n);
		n_errors.fetch_add(1);
		if (cfg.churn)
			_exit(1);
		return -1;
	}
	w->hx = (unsigned char *)x;
	w->hy = (unsigned char *)y;
	w->hlen = n;
	return 0;
}

static int one_iteration(struct worker *w)
{
	size_t n = pick_size(&w->rng, cfg.max_bytes), words = n / 4;
	int async = (int)(splitmix(&w->rng) & 1);
	unsigned a = (unsigned)splitmix(&w->rng) | 1, b = (unsigned)splitmix(&w->rng);
	unsigned char v = (unsigned char)splitmix(&w->rng), u = (unsigned char)~v;
	size_t off = splitmix(&w->rng) % n, len = splitmix(&w->rng) % (n - off + 1);
	unsigned blocks = (unsigned)((words + 255) / 256);
	const unsigned char *hx;
	float ms;

	if (blocks > 4096)
		blocks = 4096;
	if (!blocks)
		blocks = 1;
	if (host_map(w, n))
		return -1;
	hx = w->hx;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = splitmix(&w->rng);

		memcpy(w->hx + i, &r, n - i < 8 ? n - i : 8);
	}
	w->dx = w->dy = NULL;
	CK(cudaMalloc(&w->dx, n));
	CK(cudaMalloc(&w->dy, n));

	// x in, y = v everywhere, then y = a*x + b on the whole words.
	if (async) {
		CK(cudaEventRecord(w->ev0, w->stream));
		CK(cudaMemcpyAsync(w->dx, hx, n, cudaMemcpyHostToDevice, w->stream));
		CK(cudaMemsetAsync(w->dy, v, n, w->stream));
	} else {
		CK(cudaMemcpy(w->dx, hx, n, cudaMemcpyHostToDevice));
		CK(cudaMemset(w->dy, v, n));
	}
	axpb<<<blocks, 256, 0, w->stream>>>((unsigned *)w->dy, (const unsigned *)w->dx, words,
					     a, b);
	CK(cudaGetLastError());
	if (async) {
		CK(cudaMemcpyAsync(w->hy, w->dy, n, cudaMemcpyDeviceToHost, w->stream));
		CK(cudaEventRecord(w->ev1, w->stream));
		CK(cudaEventSynchronize(w->ev1));
		CK(cudaEventElapsedTime(&ms, w->ev0, w->ev1));
	} else {
		CK(cudaStreamSynchronize(w->stream));
		CK(cudaMemcpy(w->hy, w->dy, n, cudaMemcpyDeviceToHost));
	}
	if (cfg.check_kernels)
		check(w, "y = a*x + b", w->hy, 0, words * 4, [&](size_t i) {
			return (unsigned char)((a * word_at(hx, i / 4) + b) >> (8 * (i % 4)));
		});
	check(w, "y tail (memset)", w->hy, words * 4, n, [&](size_t) { return v; });

	// x back unchanged by the kernel that read it.
	if (async) {
		CK(cudaMemcpyAsync(w->hy, w->dx, n, cudaMemcpyDeviceToHost, w->stream));
		CK(cudaStreamSynchronize(w->stream));
	} else {
		CK(cudaMemcpy(w->hy, w->dx, n, cudaMemcpyDeviceToHost));
	}
	check(w, "x round trip", w->hy, 0, n, [&](size_t i) { return hx[i]; });

	// y = x by a device copy, then u over [off, off + len).
	if (async) {
		CK(cudaMemcpyAsync(w->dy, w->dx, n, cudaMemcpyDeviceToDevice, w->stream));
		CK(cudaMemsetAsync((char *)w->dy + off, u, len, w->stream));
		CK(cudaMemcpyAsync(w->hy, w->dy, n, cudaMemcpyDeviceToHost, w->stream));
		CK(cudaEventRecord(w->ev1, w->stream));
		CK(cudaEventSynchronize(w->ev1));
	} else {
		CK(cudaMemcpy(w->dy, w->dx, n, cudaMemcpyDeviceToDevice));
		CK(cudaMemset((char *)w->dy + off, u, len));
		CK(cudaMemcpy(w->hy, w->dy, n, cudaMemcpyDeviceToHost));
	}
	check(w, "device copy + memset range", w->hy, 0, n, [&](size_t i) {
		return i >= off && i < off + len ? u : hx[i];
	});

	CK(cudaFree(w->dx));
	w->dx = NULL;
	CK(cudaFree(w->dy));
	w->dy = NULL;
	host_unmap(w);
	n_iters.fetch_add(1);
	return 0;
}

static void *thread_main(void *arg)
{
	struct worker *w = (struct worker *)arg;
	double end = now() + cfg.seconds;

	// A blocking stream: the synchronous iterations rely on the legacy
	// default stream's ordering with it (cudaMemset, then the kernel).
	if (cudaStreamCreate(&w->stream) != cudaSuccess ||
	    cudaEventCreate(&w->ev0) != cudaSuccess || cudaEventCreate(&w->ev1) != cudaSuccess) {
		fail_call(w, "stream/event create", cudaGetLastError());
		return NULL;
	}
	while (cfg.seconds < 0 || now() < end) {
		if (one_iteration(w))
			break;
		// A kill storm counts the kills that came in the middle of work.
		if (cfg.churn && !said_working.exchange(1))
			printf("gvsoak churn: working\n");
		w->iter++;
	}
	cudaEventDestroy(w->ev0);
	cudaEventDestroy(w->ev1);
	cudaStreamDestroy(w->stream);
	host_unmap(w);
	return NULL;
}

static int run(int nthreads)
{
	struct worker *ws = (struct worker *)calloc(nthreads, sizeof(*ws));
	pthread_t *th = (pthread_t *)calloc(nthreads, sizeof(*th));
	int started = 0;

	if (!ws || !th)
		return 1;
	printf("gvsoak %s: %s, %d threads, seed %llu, sizes %llu..%llu bytes, %s\n",
	       cfg.churn ? "churn" : "run", cfg.churn ? "until killed" : "timed", nthreads,
	       (unsigned long long)cfg.seed, MIN_BYTES, (unsigned long long)cfg.max_bytes,
	       cfg.check_kernels ? "kernel results checked"
				 : "kernel results NOT checked (GVSOAK_NO_KERNELS=1)");
	fflush(stdout);
	for (int t = 0; t < nthreads; t++) {
		ws[t].id = t;
		ws[t].rng = cfg.seed * 1000003ull + t;
		splitmix(&ws[t].rng);
		if (pthread_create(&th[t], NULL, thread_main, &ws[t])) {
			printf("gvsoak: pthread_create failed\n");
			n_errors.fetch_add(1);
			break;
		}
		started++;
	}
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	printf("gvsoak: %llu iterations, %llu bytes checked, %llu wrong",
	       n_iters.load(), n_bytes.load(), n_wrong.load());
	if (n_errors)
		printf(", %llu CUDA errors", n_errors.load());
	printf("\n");
	free(ws);
	free(th);
	return n_wrong || n_errors || !n_iters ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: gvsoak run SECONDS THREADS SEED | gvsoak churn [SEED] | "
		"gvsoak meminfo\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *e = getenv("GVSOAK_NO_KERNELS"), *m = getenv("GVSOAK_MAX_BYTES");

	setvbuf(stdout, NULL, _IOLBF, 0);
	cfg.check_kernels = !(e && *e && strcmp(e, "0"));
	cfg.max_bytes = MAX_BYTES;
	if (m && *m)
		cfg.max_bytes = strtoull(m, NULL, 0);
	if (cfg.max_bytes < MIN_BYTES || cfg.max_bytes > MAX_BYTES) {
		fprintf(stderr, "gvsoak: GVSOAK_MAX_BYTES must be in %llu..%llu\n", MIN_BYTES,
			MAX_BYTES);
		return 2;
	}
	if (argc == 2 && !strcmp(argv[1], "meminfo")) {
		size_t free_b, total_b;
		cudaError_t err = cudaMemGetInfo(&free_b, &total_b);

		if (err != cudaSuccess) {
			printf("gvsoak meminfo: cudaMemGetInfo: %s\n", cudaGetErrorName(err));
			return 1;
		}
		printf("gvsoak meminfo: free %zu total %zu\n", free_b, total_b);
		return 0;
	}
	if (argc >= 2 && argc <= 3 && !strcmp(argv[1], "churn")) {
		cfg.churn = 1;
		cfg.seconds = -1;
		cfg.seed = argc == 3 ? strtoull(argv[2], NULL, 0) : (uint64_t)getpid();
		if (cfg.max_bytes > CHURN_MAX_BYTES)
			cfg.max_bytes = CHURN_MAX_BYTES;
		return run(2);
	}
	if (argc == 5 && !strcmp(argv[1], "run")) {
		int threads = atoi(argv[3]);

		cfg.seconds = atof(argv[2]);
		cfg.seed = strtoull(argv[4], NULL, 0);
		if (cfg.seconds <= 0 || threads < 1 || threads > 256)
			return usage();
		return run(threads);
	}
	return usage();
}
