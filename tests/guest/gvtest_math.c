// SPDX-License-Identifier: MIT
/*
 * The math shims against a host without the libraries' GPU work: the CPU
 * double (whose executor has no cuBLAS, cuFFT or cuRAND), or an endpoint
 * whose "plugins" leave them out.  What answers in the guest answers, the
 * strided cuBLAS copies move real data through the runtime, and every
 * remoted call fails with its library's own not-supported status.
 *
 *   gvtest_math              on the CPU double
 *   gvtest_math unserved     on an endpoint serving only "cudart"
 */
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cufft.h>
#include <curand.h>
#include <string.h>

#include "check.h"

int main(int argc, char **argv)
{
	int unserved = argc > 1 && !strcmp(argv[1], "unserved");
	float host[8] = {1, 2, 3, 4, 5, 6, 7, 8}, back[8] = {0};
	cublasHandle_t h = NULL;
	cublasLtHandle_t lt = NULL;
	curandGenerator_t g = NULL;
	cufftHandle plan = 0;
	float *dev = NULL;
	int v = 0, i, ok = 1;

	/* Answered in the guest, whatever the host serves. */
	CHECK(cublasGetVersion(NULL, &v) == CUBLAS_STATUS_SUCCESS && v == CUBLAS_VERSION,
	      "cublasGetVersion %d", v);
	CHECK(cublasLtGetVersion() == CUBLAS_VERSION, "cublasLtGetVersion");
	CHECK(cufftGetVersion(&v) == CUFFT_SUCCESS && v == CUFFT_VERSION, "cufftGetVersion %d", v);
	CHECK(curandGetVersion(&v) == CURAND_STATUS_SUCCESS && v == CURAND_VERSION,
	      "curandGetVersion %d", v);
	CHECK(!strcmp(cublasGetStatusName(CUBLAS_STATUS_INVALID_VALUE),
		      "CUBLAS_STATUS_INVALID_VALUE"),
	      "cublasGetStatusName");

	/* The strided copies are the runtime's: real data, either endpoint. */
	CHECK_CUDA(cudaMalloc((void **)&dev, sizeof(host)), cudaSuccess);
	CHECK(cublasSetVector(4, sizeof(float), host, 2, dev, 1) == CUBLAS_STATUS_SUCCESS,
	      "cublasSetVector");
	CHECK(cublasGetVector(4, sizeof(float), dev, 1, back, 1) == CUBLAS_STATUS_SUCCESS,
	      "cublasGetVector");
	for (i = 0; i < 4; i++)
		ok &= back[i] == host[2 * i];
	CHECK(ok, "every other element, in order");
	CHECK(cublasSetMatrix(3, 2, 4, host, 2, dev, 3) == CUBLAS_STATUS_INVALID_VALUE,
	      "lda below rows");

	/* Remoted calls: the library's own not-supported status. */
	CHECK(cublasCreate(&h) == CUBLAS_STATUS_NOT_SUPPORTED, "cublasCreate");
	CHECK(cublasLtCreate(&lt) == CUBLAS_STATUS_NOT_SUPPORTED, "cublasLtCreate");
	CHECK(cufftCreate(&plan) == CUFFT_NOT_SUPPORTED, "cufftCreate");
	/* cuRAND has no not-supported status: its internal error says it. */
	CHECK(curandCreateGenerator(&g, CURAND_RNG_PSEUDO_DEFAULT) == CURAND_STATUS_INTERNAL_ERROR,
	      "curandCreateGenerator");
	CHECK_CUDA(cudaFree(dev), cudaSuccess);
	printf("gvtest_math%s: %d passed, %d failed\n", unserved ? " unserved" : "", check_passes,
	       check_failures);
	return check_failures != 0;
}
