/* SPDX-License-Identifier: MIT */
/*
 * libcublas.so.13: what answers in the guest.  Each handle's pointer mode
 * and stream are shadowed here, so that the generated stubs know where a
 * call's scalars live, and the getters need no round trip.  The host
 * holds every call to the mode its library really has (math_cublas.c).
 */
#include <cublasLt.h>
#include <cublas_api.h>
#include <library_types.h>
#include <stdio.h>

#include "gvm.h"
#include "gvm_cublas.h"
#include "protocol.h"

struct gvm_lib gvm_lib_cublas = {
    .name = "cuBLAS",
    .plugin = "cublas",
    .api = GV_API_CUBLAS,
    .not_supported = CUBLAS_STATUS_NOT_SUPPORTED,
    .no_host = CUBLAS_STATUS_NOT_INITIALIZED,
};

/* Each handle's pointer mode (v[0]) and stream (v[1]). */
static struct gvm_table shadows = GVM_TABLE_INIT;

static uint64_t key(cublasHandle_t h)
{
	return (uint64_t)(uintptr_t)h;
}

void gvm_cublas_created(cublasHandle_t h)
{
	gvm_table_put(&shadows, key(h), CUBLAS_POINTER_MODE_HOST, 0);
}

void gvm_cublas_destroyed(cublasHandle_t h)
{
	gvm_table_del(&shadows, key(h));
}

void gvm_cublas_set_pointer_mode(cublasHandle_t h, cublasPointerMode_t mode)
{
	gvm_table_set(&shadows, key(h), 0, mode);
}

void gvm_cublas_set_stream(cublasHandle_t h, cudaStream_t stream)
{
	gvm_table_set(&shadows, key(h), 1, (int64_t)(intptr_t)stream);
}

int gvm_cublas_host_pointers(cublasHandle_t h)
{
	int64_t v[2];

	/* A handle this process did not make (NULL, or one the library will
	 * refuse) has its scalars sent as addresses: nothing is read here. */
	return gvm_table_get(&shadows, key(h), v) && v[0] == CUBLAS_POINTER_MODE_HOST;
}

/* Getters of handle state, from the shadow; an unknown handle is what
 * the library calls not initialized. */
GVM_EXPORT cublasStatus_t cublasGetPointerMode_v2(cublasHandle_t h, cublasPointerMode_t *mode)
{
	int64_t v[2];

	if (!mode)
		return CUBLAS_STATUS_INVALID_VALUE;
	if (!gvm_table_get(&shadows, key(h), v))
		return CUBLAS_STATUS_NOT_INITIALIZED;
	*mode = (cublasPointerMode_t)v[0];
	return CUBLAS_STATUS_SUCCESS;
}

GVM_EXPORT cublasStatus_t cublasGetStream_v2(cublasHandle_t h, cudaStream_t *stream)
{
	int64_t v[2];

	if (!stream)
		return CUBLAS_STATUS_INVALID_VALUE;
	if (!gvm_table_get(&shadows, key(h), v))
		return CUBLAS_STATUS_NOT_INITIALIZED;
	*stream = (cudaStream_t)(intptr_t)v[1];
	return CUBLAS_STATUS_SUCCESS;
}

/* The version of the headers this shim implements, as NVIDIA's library
 * reports its own; it needs no handle. */
GVM_EXPORT cublasStatus_t cublasGetVersion_v2(cublasHandle_t h, int *version)
{
	if (!version)
		return CUBLAS_STATUS_INVALID_VALUE;
	*version = CUBLAS_VERSION;
	return CUBLAS_STATUS_SUCCESS;
}

/* cuBLAS's version is cuBLASLt's, as NVIDIA's libcublas reports it. */
GVM_EXPORT cublasStatus_t cublasGetProperty(libraryPropertyType type, int *value)
{
	return cublasLtGetProperty(type, value);
}

GVM_EXPORT size_t cublasGetCudartVersion(void)
{
	return CUDART_VERSION;
}

/* As NVIDIA's libcublas, which takes them from libcublasLt. */
GVM_EXPORT const char *cublasGetStatusName(cublasStatus_t status)
{
	return cublasLtGetStatusName(status);
}

GVM_EXPORT const char *cublasGetStatusString(cublasStatus_t status)
{
	return cublasLtGetStatusString(status);
}

/* What the library prints for an argument it refuses, on the caller's
 * stdout as natively. */
GVM_EXPORT void cublasXerbla(const char *srName, int info)
{
	printf(" ** On entry to %s parameter number %d had an illegal value\n",
	       srName ? srName : "", info);
}
