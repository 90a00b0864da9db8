// SPDX-License-Identifier: MIT
// gvbench: the micro and application benchmarks of bench/run.sh.  One
// binary runs natively (NVIDIA's libcudart), in the guest (virtio) and
// over TCP (the shim), and prints "metric,value,unit,host_us_per_call"
// lines; host_us_per_call is the time the host worker itself spent per
// call (gvirtus only; -1 natively), which separates host cost from
// transport and guest cost.
//   gvbench [quick]     quick: tiny sizes, for CI on the CPU double
//   gvbench copies      the memcpy rows alone (full sizes)
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.cuh"

#define CK(x)                                                                          \
	do {                                                                           \
		cudaError_t e_ = (x);                                                  \
		if (e_ != cudaSuccess) {                                               \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x,     \
				cudaGetErrorName(e_));                                 \
			exit(1);                                                       \
		}                                                                      \
	} while (0)

static bool quick;

__global__ void k_empty() {}

__global__ void k_stencil(const float *in, float *out, int n)
{
	int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
	if (x > 0 && y > 0 && x < n - 1 && y < n - 1)
		out[y * n + x] = 0.25f * (in[y * n + x - 1] + in[y * n + x + 1] +
					  in[(y - 1) * n + x] + in[(y + 1) * n + x]);
}

#define TILE 32
__global__ void k_matmul(const float *a, const float *b, float *c, int n)
{
	__shared__ float ta[TILE][TILE], tb[TILE][TILE];
	int row = blockIdx.y * TILE + threadIdx.y, col = blockIdx.x * TILE + threadIdx.x;
	float acc = 0;

	for (int t = 0; t < n / TILE; t++) {
		ta[threadIdx.y][threadIdx.x] = a[row * n + t * TILE + threadIdx.x];
		tb[threadIdx.y][threadIdx.x] = b[(t * TILE + threadIdx.y) * n + col];
		__syncthreads();
		for (int k = 0; k < TILE; k++)
			acc += ta[threadIdx.y][k] * tb[k][threadIdx.x];
		__syncthreads();
	}
	c[row * n + col] = acc;
}

static void bench_round_trip()
{
	cudaStream_t s;
	int n = quick ? 200 : 20000;

	CK(cudaStreamCreate(&s));
	CK(cudaStreamQuery(s));
	mark();
	double t0 = now_us();
	for (int i = 0; i < n; i++)
		CK(cudaStreamQuery(s));
	double t = (now_us() - t0) / n;
	report("round trip (cudaStreamQuery on an idle stream)", t, "us", host_us());
	CK(cudaStreamDestroy(s));
}

static void bench_launches()
{
	int n = quick ? 1000 : 100000;

	k_empty<<<1, 1>>>();
	CK(cudaDeviceSynchronize());
	mark();
	double t0 = now_us();
	for (int i = 0; i < n; i++)
		k_empty<<<1, 1>>>();
	CK(cudaDeviceSynchronize());
	report("empty kernel async launch", (now_us() - t0) / n, "us/launch", host_us());

	n = quick ? 200 : 10000;
	mark();
	t0 = now_us();
	for (int i = 0; i < n; i++) {
		k_empty<<<1, 1>>>();
		CK(cudaDeviceSynchronize());
	}
	report("launch + synchronize", (now_us() - t0) / n, "us", host_us());

	// Messages the host runs per iteration of a loop that natively never
	// leaves the process until it synchronizes (DESIGN 5 and 11).
	n = quick ? 200 : 10000;
	worker_stats s0, s1;
	bool counted = get_stats && !get_stats(&s0);
	for (int i = 0; i < n; i++) {
		(void)cudaGetLastError();
		k_empty<<<1, 1>>>();
		(void)cudaPeekAtLastError();
	}
	counted = counted && !get_stats(&s1);
	CK(cudaDeviceSynchronize());
	report("host messages per (cudaGetLastError + launch + cudaPeekAtLastError)",
	       counted ? (double)(s1.session_calls - s0.session_calls - 1) / n : 0, "calls", -1);
	// Of which round trips: launches are queued and go with the next
	// synchronous call (here, the second stats call).
	report("round trips per (cudaGetLastError + launch + cudaPeekAtLastError)",
	       counted ? (double)(s1.session_requests - s0.session_requests - 1) / n : 0,
	       "requests", -1);
}

static void bench_memcpy()
{
	static const size_t sizes[] = { 4096, 1 << 20, 64 << 20, 256 << 20 };
	static const char *names[] = { "4KiB", "1MiB", "64MiB", "256MiB" };

	for (int pinned = 0; pinned < 2; pinned++) {
		for (int i = 0; i < 4; i++) {
			size_t n = quick ? sizes[i] / 64 + 1 : sizes[i];
			int reps = sizes[i] <= (1 << 20) ? (quick ? 20 : 200) : (quick ? 2 : 5);
			void *h, *d;
			char name[96];

			if (pinned)
				CK(cudaMallocHost(&h, n));
			else
				h = malloc(n);
			memset(h, 1, n);
			CK(cudaMalloc(&d, n));
			for (int dir = 0; dir < 2; dir++) {
				CK(cudaMemcpy(dir ? h : d, dir ? d : h, n,
					      dir ? cudaMemcpyDeviceToHost : cudaMemcpyHostToDevice));
				mark();
				double t0 = now_us();
				for (int r = 0; r < reps; r++)
					CK(cudaMemcpy(dir ? h : d, dir ? d : h, n,
						      dir ? cudaMemcpyDeviceToHost
							  : cudaMemcpyHostToDevice));
				double us = (now_us() - t0) / reps;
				snprintf(name, sizeof(name), "memcpy %s %s %s", dir ? "D2H" : "H2D",
					 pinned ? "pinned" : "pageable", names[i]);
				if (sizes[i] <= 4096)
					report(name, us, "us", host_us());
				else
					report(name, n / us / 1e3, "GB/s", host_us());
			}
			CK(cudaFree(d));
			if (pinned)
				CK(cudaFreeHost(h));
			else
				free(h);
		}
	}
}

static void bench_malloc()
{
	int n = quick ? 50 : 2000;
	void *d;

	mark();
	double t0 = now_us();
	for (int i = 0; i < n; i++) {
		CK(cudaMalloc(&d, 1 << 20));
		CK(cudaFree(d));
	}
	report("cudaMalloc + cudaFree 1 MiB", (now_us() - t0) / n, "us", host_us());
}

static void bench_stencil()
{
	int n = quick ? 64 : 1024, iters = quick ? 100 : 10000;
	size_t bytes = (size_t)n * n * sizeof(float);
	float *h = (float *)malloc(bytes), *a, *b;

	for (int i = 0; i < n * n; i++)
		h[i] = (float)(i % 17);
	CK(cudaMalloc(&a, bytes));
	CK(cudaMalloc(&b, bytes));
	mark();
	double t0 = now_us();
	CK(cudaMemcpy(a, h, bytes, cudaMemcpyHostToDevice));
	CK(cudaMemcpy(b, h, bytes, cudaMemcpyHostToDevice));
	dim3 blk(16, 16), grd(n / 16, n / 16);
	for (int i = 0; i < iters; i++) {
		k_stencil<<<grd, blk>>>(i & 1 ? b : a, i & 1 ? a : b, n);
		if (i % 1000 == 999)
			CK(cudaMemcpy(h, i & 1 ? a : b, bytes, cudaMemcpyDeviceToHost));
	}
	CK(cudaMemcpy(h, a, bytes, cudaMemcpyDeviceToHost));
	report("stencil (10k launches + transfers)", (now_us() - t0) / 1e3, "ms", host_us());
	CK(cudaFree(a));
	CK(cudaFree(b));
	free(h);
}

static void bench_matmul()
{
	int n = quick ? 128 : 4096;
	size_t bytes = (size_t)n * n * sizeof(float);
	float *h = (float *)malloc(bytes), *a, *b, *c;

	for (int i = 0; i < n * n; i++)
		h[i] = (float)((i % 7) - 3) / 8;
	CK(cudaMalloc(&a, bytes));
	CK(cudaMalloc(&b, bytes));
	CK(cudaMalloc(&c, bytes));
	mark();
	double t0 = now_us();
	CK(cudaMemcpy(a, h, bytes, cudaMemcpyHostToDevice));
	CK(cudaMemcpy(b, h, bytes, cudaMemcpyHostToDevice));
	k_matmul<<<dim3(n / TILE, n / TILE), dim3(TILE, TILE)>>>(a, b, c, n);
	CK(cudaMemcpy(h, c, bytes, cudaMemcpyDeviceToHost));
	report("tiled matmul 4096 with transfers", (now_us() - t0) / 1e3, "ms", host_us());
	CK(cudaFree(a));
	CK(cudaFree(b));
	CK(cudaFree(c));
	free(h);
}

int main(int argc, char **argv)
{
	quick = argc > 1 && !strcmp(argv[1], "quick");
	bench_init();
	CK(cudaFree(0));
	printf("metric,value,unit,host_us_per_call\n");
	if (argc > 1 && !strcmp(argv[1], "copies")) {
		bench_memcpy();
		return 0;
	}
	bench_round_trip();
	bench_launches();
	bench_memcpy();
	bench_malloc();
	bench_stencil();
	bench_matmul();
	return 0;
}
