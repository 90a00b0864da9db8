// SPDX-License-Identifier: MIT
// mathbench: the math-library loops of bench/run.sh (cuBLAS, cuFFT, cuRAND),
// gvbench's companion.  One binary runs natively (NVIDIA's libraries), in
// the guest (virtio) and over TCP (the shims), and prints the same
// "metric,value,unit,host_us_per_call" lines as gvbench, so bench/table.awk
// merges both programs' rows into one table.  host_us_per_call is the time
// the host worker itself spent per call (gvirtus only; -1 natively).
//
//   mathbench [quick | DIV]
//     quick   every loop's iteration count divided by 10
//     DIV     every loop's iteration count divided by DIV (a positive integer)
//   Without an argument, $MATHBENCH_DIV (if set) is the divisor: the guest
//   gets it from the kernel command line (run-guest.sh -a), where no
//   argument can be passed to a program its script starts.
//
// Only iteration counts shrink, never sizes, and every value is per
// iteration or a rate, so a quick run in the guest under TCG (where the
// guest's CPU side is slow) still lines up row by row with a full native
// run.  Each loop: data made on the device (no transfers in the timed
// part), one warm-up iteration, then a host clock around the loop with one
// synchronization at its end: the application's view, which includes the
// transport's cost (events would time the GPU alone and hide it).
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cufft.h>
#include <curand.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.cuh"

// Error lines end in a word, never in ",NUMBER": bench/run.sh picks the CSV
// rows out of the guest's console by that shape.
#define FAIL(call, name, code)                                                                     \
	do {                                                                                       \
		fprintf(stderr, "mathbench: %s:%d: %s failed: %s (code %d)\n", __FILE__, __LINE__, \
			call, name, (int)(code));                                                  \
		exit(1);                                                                           \
	} while (0)

#define CK(x)                                                                                      \
	do {                                                                                       \
		cudaError_t e_ = (x);                                                              \
		if (e_ != cudaSuccess)                                                             \
			FAIL(#x, cudaGetErrorName(e_), e_);                                        \
	} while (0)
#define CKB(x)                                                                                     \
	do {                                                                                       \
		cublasStatus_t e_ = (x);                                                           \
		if (e_ != CUBLAS_STATUS_SUCCESS)                                                   \
			FAIL(#x, cublas_name(e_), e_);                                             \
	} while (0)
#define CKF(x)                                                                                     \
	do {                                                                                       \
		cufftResult e_ = (x);                                                              \
		if (e_ != CUFFT_SUCCESS)                                                           \
			FAIL(#x, cufft_name(e_), e_);                                              \
	} while (0)
#define CKR(x)                                                                                     \
	do {                                                                                       \
		curandStatus_t e_ = (x);                                                           \
		if (e_ != CURAND_STATUS_SUCCESS)                                                   \
			FAIL(#x, curand_name(e_), e_);                                             \
	} while (0)

// Status names from our own tables, not cublasGetStatusName: an error path
// must not need more of a library (or of a shim standing in for it) than
// the benchmark itself uses, and cuFFT and cuRAND have no such call.
#define NAME(x)                                                                                    \
	case x:                                                                                    \
		return #x
static const char *cublas_name(cublasStatus_t s)
{
	switch (s) {
		NAME(CUBLAS_STATUS_NOT_INITIALIZED);
		NAME(CUBLAS_STATUS_ALLOC_FAILED);
		NAME(CUBLAS_STATUS_INVALID_VALUE);
		NAME(CUBLAS_STATUS_ARCH_MISMATCH);
		NAME(CUBLAS_STATUS_MAPPING_ERROR);
		NAME(CUBLAS_STATUS_EXECUTION_FAILED);
		NAME(CUBLAS_STATUS_INTERNAL_ERROR);
		NAME(CUBLAS_STATUS_NOT_SUPPORTED);
		NAME(CUBLAS_STATUS_LICENSE_ERROR);
	default:
		return "unknown cublasStatus_t";
	}
}

static const char *cufft_name(cufftResult s)
{
	switch (s) {
		NAME(CUFFT_INVALID_PLAN);
		NAME(CUFFT_ALLOC_FAILED);
		NAME(CUFFT_INVALID_TYPE);
		NAME(CUFFT_INVALID_VALUE);
		NAME(CUFFT_INTERNAL_ERROR);
		NAME(CUFFT_EXEC_FAILED);
		NAME(CUFFT_SETUP_FAILED);
		NAME(CUFFT_INVALID_SIZE);
		NAME(CUFFT_UNALIGNED_DATA);
		NAME(CUFFT_INVALID_DEVICE);
		NAME(CUFFT_NO_WORKSPACE);
		NAME(CUFFT_NOT_IMPLEMENTED);
		NAME(CUFFT_NOT_SUPPORTED);
	default:
		return "unknown cufftResult";
	}
}

static const char *curand_name(curandStatus_t s)
{
	switch (s) {
		NAME(CURAND_STATUS_VERSION_MISMATCH);
		NAME(CURAND_STATUS_NOT_INITIALIZED);
		NAME(CURAND_STATUS_ALLOCATION_FAILED);
		NAME(CURAND_STATUS_TYPE_ERROR);
		NAME(CURAND_STATUS_OUT_OF_RANGE);
		NAME(CURAND_STATUS_LENGTH_NOT_MULTIPLE);
		NAME(CURAND_STATUS_DOUBLE_PRECISION_REQUIRED);
		NAME(CURAND_STATUS_LAUNCH_FAILURE);
		NAME(CURAND_STATUS_PREEXISTING_FAILURE);
		NAME(CURAND_STATUS_INITIALIZATION_FAILED);
		NAME(CURAND_STATUS_ARCH_MISMATCH);
		NAME(CURAND_STATUS_INTERNAL_ERROR);
	default:
		return "unknown curandStatus_t";
	}
}
#undef NAME

static int divisor = 1;

// A full run's iteration count, scaled down; at least one timed iteration.
static int iters(int full)
{
	int n = full / divisor;
	return n > 0 ? n : 1;
}

// Inputs made on the device: nothing to transfer, and nonzero values so
// that the GPU does the work (and draws the power) of real data.
__global__ void k_fill(float *p, size_t n, uint32_t seed)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x) {
		uint32_t h = (uint32_t)i * 2654435761u ^ seed;
		h ^= h >> 15;
		p[i] = (float)(h & 0xffff) / 65536.0f - 0.5f;
	}
}

static void fill(float *p, size_t n, uint32_t seed)
{
	k_fill<<<1024, 256>>>(p, n, seed);
	CK(cudaGetLastError());
}

// FP32 SGEMM, C = A B, column-major, at the default math mode (no TF32).
static void bench_sgemm_large(cublasHandle_t h)
{
	const int n = 4096, reps = iters(100);
	const float one = 1, zero = 0;
	size_t elems = (size_t)n * n;
	float *a, *b, *c;

	CK(cudaMalloc(&a, elems * sizeof(float)));
	CK(cudaMalloc(&b, elems * sizeof(float)));
	CK(cudaMalloc(&c, elems * sizeof(float)));
	fill(a, elems, 1);
	fill(b, elems, 2);
	CKB(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, n, b, n, &zero, c, n));
	CK(cudaDeviceSynchronize());
	mark();
	double t0 = now_us();
	for (int i = 0; i < reps; i++)
		CKB(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, n, b, n, &zero, c,
				n));
	CK(cudaDeviceSynchronize());
	double us = (now_us() - t0) / reps, hus = host_us();
	report("cublasSgemm 4096x4096x4096", us / 1e3, "ms/iter", hus);
	report("cublasSgemm 4096x4096x4096 throughput", 2.0 * n * n * n / us / 1e6, "TFLOP/s", hus);
	report_trips("cublasSgemm 4096", reps);
	CK(cudaFree(a));
	CK(cudaFree(b));
	CK(cudaFree(c));
}

// Calls so small that the GPU's time is negligible: the per-call cost of
// the library path, which for gvirtus is the round trip.
static void bench_sgemm_small(cublasHandle_t h)
{
	const int n = 64, reps = iters(10000);
	const float one = 1, zero = 0;
	size_t elems = (size_t)n * n;
	float *a, *b, *c;

	CK(cudaMalloc(&a, elems * sizeof(float)));
	CK(cudaMalloc(&b, elems * sizeof(float)));
	CK(cudaMalloc(&c, elems * sizeof(float)));
	fill(a, elems, 3);
	fill(b, elems, 4);
	CKB(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, n, b, n, &zero, c, n));
	CK(cudaDeviceSynchronize());
	mark();
	double t0 = now_us();
	for (int i = 0; i < reps; i++)
		CKB(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, n, b, n, &zero, c,
				n));
	CK(cudaDeviceSynchronize());
	report("cublasSgemm 64x64x64 call", (now_us() - t0) / reps, "us/call", host_us());
	report_trips("cublasSgemm 64", reps);
	CK(cudaFree(a));
	CK(cudaFree(b));
	CK(cudaFree(c));
}

// Out of place from the same input each time: repeated in-place forward
// transforms would grow the values by N per pass and overflow to inf.
static void bench_fft()
{
	const int n = 2048, reps = iters(100);
	size_t elems = (size_t)n * n;
	cufftComplex *in, *out;
	cufftHandle plan;

	CK(cudaMalloc(&in, elems * sizeof(cufftComplex)));
	CK(cudaMalloc(&out, elems * sizeof(cufftComplex)));
	fill((float *)in, 2 * elems, 5);
	CKF(cufftPlan2d(&plan, n, n, CUFFT_C2C));
	CKF(cufftExecC2C(plan, in, out, CUFFT_FORWARD));
	CK(cudaDeviceSynchronize());
	mark();
	double t0 = now_us();
	for (int i = 0; i < reps; i++)
		CKF(cufftExecC2C(plan, in, out, CUFFT_FORWARD));
	CK(cudaDeviceSynchronize());
	report("cufftExecC2C 2D 2048x2048", (now_us() - t0) / reps / 1e3, "ms/exec", host_us());
	report_trips("cufftExecC2C", reps);
	CKF(cufftDestroy(plan));
	CK(cudaFree(in));
	CK(cudaFree(out));
}

// A device generator (curandCreateGenerator, not ...Host): the numbers are
// made and stay on the GPU.  The warm-up also pays for the generator's
// lazy state setup, which would otherwise land in the first timed call.
static void bench_rand()
{
	const size_t n = (size_t)256 << 20;
	const int reps = iters(20);
	curandGenerator_t g;
	float *d;

	CK(cudaMalloc(&d, n * sizeof(float)));
	CKR(curandCreateGenerator(&g, CURAND_RNG_PSEUDO_DEFAULT));
	CKR(curandSetPseudoRandomGeneratorSeed(g, 1234));
	CKR(curandGenerateUniform(g, d, n));
	CK(cudaDeviceSynchronize());
	mark();
	double t0 = now_us();
	for (int i = 0; i < reps; i++)
		CKR(curandGenerateUniform(g, d, n));
	CK(cudaDeviceSynchronize());
	double us = (now_us() - t0) / reps, hus = host_us();
	report("curandGenerateUniform 256Mi floats", us / 1e3, "ms", hus);
	report("curandGenerateUniform 256Mi floats written", n * sizeof(float) / us / 1e3, "GB/s",
	       hus);
	report_trips("curandGenerateUniform", reps);
	CKR(curandDestroyGenerator(g));
	CK(cudaFree(d));
}

int main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : getenv("MATHBENCH_DIV");

	if (arg && *arg) {
		char *end;
		long v = strcmp(arg, "quick") ? strtol(arg, &end, 10) : 10;

		if (strcmp(arg, "quick") && (*end || v < 1 || v > 1000000)) {
			fprintf(stderr, "usage: mathbench [quick | DIV]  (DIV: a positive integer; "
					"default $MATHBENCH_DIV or 1)\n");
			return 2;
		}
		divisor = (int)v;
	}
	// On stderr: the CSV on stdout stays the same shape as gvbench's.
	if (divisor > 1)
		fprintf(stderr, "mathbench: iteration counts divided by %d\n", divisor);
	bench_init();
	CK(cudaFree(0));
	printf("metric,value,unit,host_us_per_call\n");

	cublasHandle_t h;
	CKB(cublasCreate(&h));
	bench_sgemm_large(h);
	bench_sgemm_small(h);
	CKB(cublasDestroy(h));
	bench_fft();
	bench_rand();
	return 0;
}
