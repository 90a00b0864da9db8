// streams.cu: streams, events, asynchronous copies and host functions of an
// unmodified nvcc program.  Covers cudaStreamCreate / WithFlags(NonBlocking) /
// WithPriority, events with and without timing, cudaStreamWaitEvent across
// streams, cudaStreamQuery / cudaEventQuery, cudaMemcpyAsync with pageable and
// cudaMallocHost buffers, cudaMemsetAsync, cudaMemcpy2DAsync on
// cudaMallocPitch memory, cudaLaunchHostFunc and cudaStreamAddCallback in
// stream order, and the legacy default stream's implicit ordering with
// blocking streams (and its absence with a non-blocking one).
//
// Ordering is made deterministic with "gates": a host function that blocks
// its stream until the main thread opens it (or gives up after 10 s, which
// is reported as a failure, so a broken implementation fails instead of
// hanging).  Work queued behind a closed gate cannot have run yet, so a
// missing dependency shows up as a wrong value every time, not by chance.
//
// Prints only values identical on any correct CUDA implementation; the last
// line is "streams: N passed, M failed", exit status 0 iff M == 0.
// Build: nvcc -arch=sm_90 --cudart=shared -O2 -o streams streams.cu
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <cuda_runtime.h>

#include "check.cuh"

// ---- kernels ----------------------------------------------------------------

__global__ void k_fill(int *p, int n, int mul, int add)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		p[i] = i * mul + add;
}

__global__ void k_add(int *dst, const int *src, int n, int add)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		dst[i] = src[i] + add;
}

__global__ void k_twice_plus1(int *p, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		p[i] = p[i] * 2 + 1;
}

__global__ void k_pitched(int *base, size_t pitch, int w)
{
	int *row = (int *)((char *)base + blockIdx.x * pitch);
	for (int c = threadIdx.x; c < w; c += blockDim.x)
		row[c] = row[c] * 2 + 1;
}

// ---- host functions -----------------------------------------------------------

struct Gate {
	std::atomic<int> open;
	std::atomic<int> passed;
	int timed_out;
};

static void gate_init(Gate *g)
{
	g->open = 0;
	g->passed = 0;
	g->timed_out = 0;
}

static void CUDART_CB gate_fn(void *p)
{
	Gate *g = (Gate *)p;
	for (int i = 0; i < 10000 && !g->open.load(); i++)
		usleep(1000);
	if (!g->open.load())
		g->timed_out = 1;
	g->passed = 1;
}

static long long g_log[32];
static std::atomic<int> g_nlog;

static void log_push(long long v)
{
	int i = g_nlog++;
	if (i < 32)
		g_log[i] = v;
}

struct HF {
	int tag;
	int *pinned1, *pinned2;
};

static void CUDART_CB host_fn(void *p)
{
	HF *h = (HF *)p;
	log_push(h->tag);
	log_push(h->pinned1[5]);
	log_push(h->pinned2[5]);
}

static void CUDART_CB stream_cb(cudaStream_t, cudaError_t status, void *p)
{
	HF *h = (HF *)p;
	log_push(h->tag);
	log_push((long long)status);
	log_push(h->pinned2[5]);
	log_push(h->pinned1[5]);
}

// ---- host -------------------------------------------------------------------

#define N 4096
#define TPB 256
#define NB ((N + TPB - 1) / TPB)

int main()
{
	cudaStream_t s1 = 0, s2 = 0, s3 = 0;
	int least = 0, greatest = 0;
	CK(cudaStreamCreate(&s1));
	CK(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking));
	CK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
	check_i("priority range greatest <= least", greatest <= least, 1);
	CK(cudaStreamCreateWithPriority(&s3, cudaStreamNonBlocking, greatest));

	cudaEvent_t e0, e1, e2;
	CK(cudaEventCreate(&e0));
	CK(cudaEventCreate(&e1));
	CK(cudaEventCreateWithFlags(&e2, cudaEventDisableTiming));

	int *da = NULL, *db = NULL, *dc = NULL;
	CK(cudaMalloc((void **)&da, N * sizeof(int)));
	CK(cudaMalloc((void **)&db, N * sizeof(int)));
	CK(cudaMalloc((void **)&dc, N * sizeof(int)));
	int *pin1 = NULL, *pin2 = NULL;
	CK(cudaMallocHost((void **)&pin1, N * sizeof(int)));
	CK(cudaMallocHost((void **)&pin2, N * sizeof(int)));
	int *pg1 = (int *)malloc(N * sizeof(int));
	int *pg2 = (int *)malloc(N * sizeof(int));
	static int exp[N];

	// --- events with timing ---
	CK(cudaEventRecord(e0, s1));
	k_fill<<<NB, TPB, 0, s1>>>(da, N, 3, 1);
	LAUNCHED("k_fill on s1");
	CK(cudaEventRecord(e1, s1));
	CK(cudaEventSynchronize(e1));
	check_e("cudaEventQuery(e1) after sync", cudaEventQuery(e1), cudaSuccess);
	float ms = -1.0f;
	CK(cudaEventElapsedTime(&ms, e0, e1));
	check_i("elapsed time >= 0", ms >= 0.0f, 1);
	CK(cudaStreamSynchronize(s1));
	check_e("cudaStreamQuery(s1) after sync", cudaStreamQuery(s1), cudaSuccess);
	CK(cudaEventRecord(e2, s1));
	CK(cudaEventSynchronize(e2));
	check_e("cudaEventElapsedTime with a DisableTiming event",
		cudaEventElapsedTime(&ms, e0, e2), cudaErrorInvalidResourceHandle);
	check_e("cudaGetLastError after it", cudaGetLastError(),
		cudaErrorInvalidResourceHandle);
	check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);

	// --- async copies: pinned H2D, kernel, pageable D2H; pageable H2D, pinned D2H ---
	for (int i = 0; i < N; i++) {
		pin1[i] = i - 1000;
		pg1[i] = 7 * i;
		pg2[i] = -1;
		pin2[i] = -1;
	}
	CK(cudaMemcpyAsync(db, pin1, N * sizeof(int), cudaMemcpyHostToDevice, s2));
	k_twice_plus1<<<NB, TPB, 0, s2>>>(db, N);
	LAUNCHED("k_twice_plus1 on s2");
	CK(cudaMemcpyAsync(pg2, db, N * sizeof(int), cudaMemcpyDeviceToHost, s2));
	CK(cudaMemcpyAsync(dc, pg1, N * sizeof(int), cudaMemcpyHostToDevice, s2));
	k_twice_plus1<<<NB, TPB, 0, s2>>>(dc, N);
	LAUNCHED("k_twice_plus1 on s2 (2)");
	CK(cudaMemcpyAsync(pin2, dc, N * sizeof(int), cudaMemcpyDeviceToHost, s2));
	CK(cudaStreamSynchronize(s2));
	check_e("cudaStreamQuery(s2) after sync", cudaStreamQuery(s2), cudaSuccess);
	for (int i = 0; i < N; i++)
		exp[i] = (i - 1000) * 2 + 1;
	check_arr("pinned H2D -> kernel -> pageable D2H", pg2, exp, N);
	for (int i = 0; i < N; i++)
		exp[i] = 7 * i * 2 + 1;
	check_arr("pageable H2D -> kernel -> pinned D2H", pin2, exp, N);

	// --- cudaMemsetAsync ---
	CK(cudaMemsetAsync(dc, 0xab, N * sizeof(int), s3));
	CK(cudaMemsetAsync(dc, 0x01, 16, s3));
	CK(cudaMemcpyAsync(pin2, dc, N * sizeof(int), cudaMemcpyDeviceToHost, s3));
	CK(cudaStreamSynchronize(s3));
	{
		const unsigned char *b = (const unsigned char *)pin2;
		int bad = 0;
		for (int i = 0; i < N * (int)sizeof(int); i++)
			bad += b[i] != (i < 16 ? 0x01 : 0xab);
		check_i("cudaMemsetAsync bytes wrong", bad, 0);
	}

	// --- cudaMemcpy2DAsync with pitched device memory ---
	{
		const int W = 37, H = 19, HP = 41;
		int *d2 = NULL;
		size_t pitch = 0;
		CK(cudaMallocPitch((void **)&d2, &pitch, W * sizeof(int), H));
		check_i("pitch >= row width", pitch >= W * sizeof(int), 1);
		static int src[W * H], dst[HP * H], e[HP * H];
		for (int r = 0; r < H; r++)
			for (int c = 0; c < W; c++)
				src[r * W + c] = r * 1000 + c;
		int *pdst = pin1; // pinned destination, HP ints per row
		for (int i = 0; i < HP * H; i++)
			pdst[i] = -7;
		CK(cudaMemcpy2DAsync(d2, pitch, src, W * sizeof(int), W * sizeof(int), H,
				     cudaMemcpyHostToDevice, s1));
		k_pitched<<<H, 32, 0, s1>>>(d2, pitch, W);
		LAUNCHED("k_pitched on s1");
		CK(cudaMemcpy2DAsync(pdst, HP * sizeof(int), d2, pitch, W * sizeof(int), H,
				     cudaMemcpyDeviceToHost, s1));
		CK(cudaStreamSynchronize(s1));
		for (int r = 0; r < H; r++)
			for (int c = 0; c < HP; c++)
				e[r * HP + c] = c < W ? (r * 1000 + c) * 2 + 1 : -7;
		memcpy(dst, pdst, sizeof(dst));
		check_arr("cudaMemcpy2DAsync round trip (padding untouched)", dst, e, HP * H);
		CK(cudaFree(d2));
	}

	// --- cudaStreamWaitEvent: B on s2 waits for A on s3, which is gated ---
	{
		Gate g;
		gate_init(&g);
		CK(cudaMemset(da, 0, N * sizeof(int)));
		CK(cudaMemset(db, 0, N * sizeof(int)));
		CK(cudaLaunchHostFunc(s3, gate_fn, &g));
		k_fill<<<NB, TPB, 0, s3>>>(da, N, 5, 0);
		LAUNCHED("kernel A on s3");
		CK(cudaEventRecord(e2, s3));
		CK(cudaStreamWaitEvent(s2, e2, 0));
		k_add<<<NB, TPB, 0, s2>>>(db, da, N, 1);
		LAUNCHED("kernel B on s2");
		check_e("cudaEventQuery while gated", cudaEventQuery(e2), cudaErrorNotReady);
		check_e("cudaStreamQuery(s2) while gated", cudaStreamQuery(s2),
			cudaErrorNotReady);
		check_e("cudaGetLastError after NotReady", cudaGetLastError(), cudaSuccess);
		g.open = 1;
		CK(cudaStreamSynchronize(s2));
		check_e("cudaEventQuery after", cudaEventQuery(e2), cudaSuccess);
		CK(cudaMemcpy(pg2, db, N * sizeof(int), cudaMemcpyDeviceToHost));
		for (int i = 0; i < N; i++)
			exp[i] = 5 * i + 1;
		check_arr("B saw A's output", pg2, exp, N);
		check_i("gate A opened in time", g.timed_out, 0);
	}

	// --- host functions and callbacks in stream order ---
	{
		HF h1 = {1, pin1, pin2}, h2 = {2, pin1, pin2};
		for (int i = 0; i < N; i++)
			pin1[i] = pin2[i] = -1;
		g_nlog = 0;
		k_fill<<<NB, TPB, 0, s1>>>(da, N, 7, 0);
		LAUNCHED("k_fill before host func");
		CK(cudaMemcpyAsync(pin1, da, N * sizeof(int), cudaMemcpyDeviceToHost, s1));
		CK(cudaLaunchHostFunc(s1, host_fn, &h1));
		k_add<<<NB, TPB, 0, s1>>>(db, da, N, 100);
		LAUNCHED("k_add after host func");
		CK(cudaMemcpyAsync(pin2, db, N * sizeof(int), cudaMemcpyDeviceToHost, s1));
		CK(cudaStreamAddCallback(s1, stream_cb, &h2, 0));
		CK(cudaStreamSynchronize(s1));
		check_i("host log entries", g_nlog.load(), 7);
		long long elog[7] = {1, 35, -1, 2, 0, 135, 35};
		check_arr("host log (tag, pinned1[5], pinned2[5], tag, status, ...)", g_log,
			  elog, 7);
	}

	// --- legacy default stream vs. a blocking stream, both directions ---
	{
		Gate g;
		gate_init(&g);
		CK(cudaMemset(da, 0, N * sizeof(int)));
		CK(cudaMemset(db, 0, N * sizeof(int)));
		CK(cudaLaunchHostFunc(s1, gate_fn, &g));
		k_fill<<<NB, TPB, 0, s1>>>(da, N, 1, 77);
		LAUNCHED("k_fill on blocking s1 (gated)");
		k_add<<<NB, TPB>>>(db, da, N, 1); // legacy stream: waits for s1
		LAUNCHED("k_add on stream 0");
		g.open = 1;
		CK(cudaDeviceSynchronize());
		CK(cudaMemcpy(pg2, db, N * sizeof(int), cudaMemcpyDeviceToHost));
		for (int i = 0; i < N; i++)
			exp[i] = i + 78;
		check_arr("stream 0 ordered after blocking s1", pg2, exp, N);
		check_i("gate s1 opened in time", g.timed_out, 0);
	}
	{
		Gate g;
		gate_init(&g);
		CK(cudaMemset(da, 0, N * sizeof(int)));
		CK(cudaMemset(db, 0, N * sizeof(int)));
		CK(cudaLaunchHostFunc(0, gate_fn, &g));
		k_fill<<<NB, TPB>>>(da, N, 1, 55);
		LAUNCHED("k_fill on stream 0 (gated)");
		k_add<<<NB, TPB, 0, s1>>>(db, da, N, 1); // blocking s1: waits for stream 0
		LAUNCHED("k_add on blocking s1");
		g.open = 1;
		CK(cudaStreamSynchronize(s1));
		CK(cudaMemcpy(pg2, db, N * sizeof(int), cudaMemcpyDeviceToHost));
		for (int i = 0; i < N; i++)
			exp[i] = i + 56;
		check_arr("blocking s1 ordered after stream 0", pg2, exp, N);
		check_i("gate stream 0 opened in time", g.timed_out, 0);
	}
	{
		// A non-blocking stream does not wait for the legacy stream.
		Gate g;
		gate_init(&g);
		CK(cudaMemset(dc, 0, N * sizeof(int)));
		CK(cudaLaunchHostFunc(0, gate_fn, &g));
		k_fill<<<NB, TPB, 0, s2>>>(dc, N, 2, 9);
		LAUNCHED("k_fill on non-blocking s2");
		for (int i = 0; i < N; i++)
			pin2[i] = -1;
		CK(cudaMemcpyAsync(pin2, dc, N * sizeof(int), cudaMemcpyDeviceToHost, s2));
		CK(cudaStreamSynchronize(s2));
		check_i("stream 0 still gated when s2 finished", g.passed.load(), 0);
		g.open = 1;
		CK(cudaDeviceSynchronize());
		for (int i = 0; i < N; i++)
			exp[i] = 2 * i + 9;
		check_arr("non-blocking s2 ran past gated stream 0", pin2, exp, N);
		check_i("gate stream 0 (2) opened in time", g.timed_out, 0);
	}

	CK(cudaDeviceSynchronize());
	CK(cudaEventDestroy(e0));
	CK(cudaEventDestroy(e1));
	CK(cudaEventDestroy(e2));
	CK(cudaStreamDestroy(s1));
	CK(cudaStreamDestroy(s2));
	CK(cudaStreamDestroy(s3));
	CK(cudaFreeHost(pin1));
	CK(cudaFreeHost(pin2));
	CK(cudaFree(da));
	CK(cudaFree(db));
	CK(cudaFree(dc));
	free(pg1);
	free(pg2);
	printf("streams: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail == 0 ? 0 : 1;
}
