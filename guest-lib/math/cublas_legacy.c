/* SPDX-License-Identifier: MIT */
/*
 * cuBLAS's legacy API (cublas.h): no handle, scalars by value, errors
 * kept until cublasGetError reads them.  Its BLAS calls are generated
 * wrappers of the v2 calls (guest-lib/gen/cublas_legacy.c) on the one
 * handle cublasInit makes for the process; these are the API's own calls
 * and what the wrappers share.
 */
#include <cublas.h>
#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdatomic.h>

#include "gvm.h"
#include "gvm_cublas.h"

/* The legacy API's calls are this library's own, deprecated or not. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(cublasHandle_t) implicit;
static atomic_int last_error; /* the first error not yet read */

void gvm_cublas_legacy_status(cublasStatus_t s)
{
	int none = CUBLAS_STATUS_SUCCESS;

	/* "The last error that occurred": kept until cublasGetError reads it. */
	if (s != CUBLAS_STATUS_SUCCESS)
		atomic_compare_exchange_strong(&last_error, &none, (int)s);
}

cublasHandle_t gvm_cublas_legacy_handle(void)
{
	cublasHandle_t h = atomic_load(&implicit);

	if (!h)
		gvm_cublas_legacy_status(CUBLAS_STATUS_NOT_INITIALIZED);
	return h;
}

/* The legacy character arguments, either case, as the v2 enums. */
int gvm_cublas_legacy_op(char c, cublasOperation_t *out)
{
	switch (c) {
	case 'n':
	case 'N':
		*out = CUBLAS_OP_N;
		return 0;
	case 't':
	case 'T':
		*out = CUBLAS_OP_T;
		return 0;
	case 'c':
	case 'C':
		*out = CUBLAS_OP_C;
		return 0;
	}
	gvm_cublas_legacy_status(CUBLAS_STATUS_INVALID_VALUE);
	return -1;
}

int gvm_cublas_legacy_fill(char c, cublasFillMode_t *out)
{
	if (c == 'u' || c == 'U' || c == 'l' || c == 'L') {
		*out = c == 'u' || c == 'U' ? CUBLAS_FILL_MODE_UPPER : CUBLAS_FILL_MODE_LOWER;
		return 0;
	}
	gvm_cublas_legacy_status(CUBLAS_STATUS_INVALID_VALUE);
	return -1;
}

int gvm_cublas_legacy_diag(char c, cublasDiagType_t *out)
{
	if (c == 'u' || c == 'U' || c == 'n' || c == 'N') {
		*out = c == 'u' || c == 'U' ? CUBLAS_DIAG_UNIT : CUBLAS_DIAG_NON_UNIT;
		return 0;
	}
	gvm_cublas_legacy_status(CUBLAS_STATUS_INVALID_VALUE);
	return -1;
}

int gvm_cublas_legacy_side(char c, cublasSideMode_t *out)
{
	if (c == 'l' || c == 'L' || c == 'r' || c == 'R') {
		*out = c == 'l' || c == 'L' ? CUBLAS_SIDE_LEFT : CUBLAS_SIDE_RIGHT;
		return 0;
	}
	gvm_cublas_legacy_status(CUBLAS_STATUS_INVALID_VALUE);
	return -1;
}

GVM_EXPORT cublasStatus_t cublasInit(void)
{
	cublasHandle_t h;
	cublasStatus_t s = CUBLAS_STATUS_SUCCESS;

	pthread_mutex_lock(&lock);
	if (!atomic_load(&implicit)) {
		s = cublasCreate_v2(&h);
		if (s == CUBLAS_STATUS_SUCCESS)
			atomic_store(&implicit, h);
	}
	pthread_mutex_unlock(&lock);
	return s;
}

GVM_EXPORT cublasStatus_t cublasShutdown(void)
{
	cublasHandle_t h;

	pthread_mutex_lock(&lock);
	h = atomic_exchange(&implicit, NULL);
	pthread_mutex_unlock(&lock);
	return h ? cublasDestroy_v2(h) : CUBLAS_STATUS_NOT_INITIALIZED;
}

GVM_EXPORT cublasStatus_t cublasGetError(void)
{
	return (cublasStatus_t)atomic_exchange(&last_error, CUBLAS_STATUS_SUCCESS);
}

GVM_EXPORT cublasStatus_t cublasGetVersion(int *version)
{
	if (!version)
		return CUBLAS_STATUS_INVALID_VALUE;
	*version = CUBLAS_VERSION;
	return CUBLAS_STATUS_SUCCESS;
}

GVM_EXPORT cublasStatus_t cublasAlloc(int n, int elemSize, void **devicePtr)
{
	if (!atomic_load(&implicit))
		return CUBLAS_STATUS_NOT_INITIALIZED;
	if (n <= 0 || elemSize <= 0 || !devicePtr)
		return CUBLAS_STATUS_INVALID_VALUE;
	return cudaMalloc(devicePtr, (size_t)n * (size_t)elemSize) == cudaSuccess
		   ? CUBLAS_STATUS_SUCCESS
		   : CUBLAS_STATUS_ALLOC_FAILED;
}

GVM_EXPORT cublasStatus_t cublasFree(void *devicePtr)
{
	if (!atomic_load(&implicit))
		return CUBLAS_STATUS_NOT_INITIALIZED;
	return cudaFree(devicePtr) == cudaSuccess ? CUBLAS_STATUS_SUCCESS
						  : CUBLAS_STATUS_INTERNAL_ERROR;
}

GVM_EXPORT cublasStatus_t cublasSetKernelStream(cudaStream_t stream)
{
	cublasHandle_t h = atomic_load(&implicit);

	return h ? cublasSetStream_v2(h, stream) : CUBLAS_STATUS_NOT_INITIALIZED;
}
