/* SPDX-License-Identifier: MIT */
/*
 * libcublasLt.so.13: what answers in the guest, and the shadow of each
 * descriptor's pointer mode and scale type, so that the generated
 * cublasLtMatmul knows where alpha and beta live and how big they are.
 * The host reads the mode from the descriptor itself (math_cublas.c).
 */
#include <cublasLt.h>
#include <cublas_api.h>
#include <library_types.h>
#include <stdint.h>
#include <string.h>

#include "gvm.h"
#include "gvm_cublas.h"
#include "gvm_cublaslt.h"
#include "protocol.h"

struct gvm_lib gvm_lib_cublasLt = {
    .name = "cuBLASLt",
    .plugin = "cublas",
    .api = GV_API_CUBLAS,
    .not_supported = CUBLAS_STATUS_NOT_SUPPORTED,
    .no_host = CUBLAS_STATUS_NOT_INITIALIZED,
};

/* Each descriptor's pointer mode (v[0]) and scale type (v[1]). */
static struct gvm_table descs = GVM_TABLE_INIT;

void gvm_cublaslt_desc_created(void *d, cudaDataType scale)
{
	gvm_table_put(&descs, (uint64_t)(uintptr_t)d, CUBLASLT_POINTER_MODE_HOST, scale);
}

void gvm_cublaslt_desc_destroyed(void *d)
{
	gvm_table_del(&descs, (uint64_t)(uintptr_t)d);
}

void gvm_cublaslt_desc_set(void *d, int mode, int scale, const void *buf, size_t size)
{
	int32_t v;

	if ((!mode && !scale) || !buf || size != sizeof(v))
		return;
	memcpy(&v, buf, sizeof(v));
	gvm_table_set(&descs, (uint64_t)(uintptr_t)d, mode ? 0 : 1, v);
}

/* Objects made here and not destroyed (their handle values, v unused). */
static struct gvm_table live = GVM_TABLE_INIT;

void gvm_cublaslt_live(void *obj)
{
	gvm_table_put(&live, (uint64_t)(uintptr_t)obj, 0, 0);
}

int gvm_cublaslt_is_live(void *obj)
{
	return gvm_table_get(&live, (uint64_t)(uintptr_t)obj, NULL);
}

int gvm_cublaslt_dying(void *obj)
{
	int was = gvm_table_get(&live, (uint64_t)(uintptr_t)obj, NULL);

	if (was)
		gvm_table_del(&live, (uint64_t)(uintptr_t)obj);
	return was;
}

int gvm_cublaslt_host_scalars(void *d)
{
	int64_t v[2];

	/* A descriptor not made here has its scalars sent as addresses. */
	if (!gvm_table_get(&descs, (uint64_t)(uintptr_t)d, v))
		return 0;
	return v[0] == CUBLASLT_POINTER_MODE_HOST     ? 1
	       : v[0] == CUBLASLT_POINTER_MODE_DEVICE ? 0
						      : -1;
}

size_t gvm_cublaslt_scale_bytes(void *d)
{
	int64_t v[2];

	return gvm_table_get(&descs, (uint64_t)(uintptr_t)d, v) ? gvm_type_bytes((cudaDataType)v[1])
								: 0;
}

/* cuBLASLt's version is cuBLAS's (cublas_api.h), of the headers this
 * shim implements, as NVIDIA's library reports its own. */
GVM_EXPORT size_t cublasLtGetVersion(void)
{
	return CUBLAS_VERSION;
}

GVM_EXPORT size_t cublasLtGetCudartVersion(void)
{
	return CUDART_VERSION;
}

GVM_EXPORT cublasStatus_t cublasLtGetProperty(libraryPropertyType type, int *value)
{
	if (!value)
		return CUBLAS_STATUS_INVALID_VALUE;
	switch (type) {
	case MAJOR_VERSION:
		*value = CUBLAS_VER_MAJOR;
		return CUBLAS_STATUS_SUCCESS;
	case MINOR_VERSION:
		*value = CUBLAS_VER_MINOR;
		return CUBLAS_STATUS_SUCCESS;
	case PATCH_LEVEL:
		*value = CUBLAS_VER_PATCH;
		return CUBLAS_STATUS_SUCCESS;
	default:
		return CUBLAS_STATUS_INVALID_VALUE;
	}
}
