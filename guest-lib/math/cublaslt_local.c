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
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
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

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct desc {
	void *d;
	int32_t mode;
	cudaDataType scale;
} * descs;
static size_t n_descs, cap_descs;

static struct desc *find(void *d)
{
	size_t i;

	for (i = 0; i < n_descs; i++)
		if (descs[i].d == d)
			return &descs[i];
	return NULL;
}

void gvm_cublaslt_desc_created(void *d, cudaDataType scale)
{
	pthread_mutex_lock(&lock);
	if (n_descs == cap_descs) {
		size_t cap = cap_descs ? 2 * cap_descs : 16;
		struct desc *v = realloc(descs, cap * sizeof(*v));

		if (v) {
			descs = v;
			cap_descs = cap;
		}
	}
	/* Without room its scalars go as addresses; the host refuses a mode
	 * that is not the descriptor's. */
	if (n_descs < cap_descs)
		descs[n_descs++] = (struct desc){d, CUBLASLT_POINTER_MODE_HOST, scale};
	pthread_mutex_unlock(&lock);
}

void gvm_cublaslt_desc_destroyed(void *d)
{
	struct desc *s;

	pthread_mutex_lock(&lock);
	s = find(d);
	if (s)
		*s = descs[--n_descs];
	pthread_mutex_unlock(&lock);
}

void gvm_cublaslt_desc_set(void *d, int mode, int scale, const void *buf, size_t size)
{
	struct desc *s;
	int32_t v;

	if ((!mode && !scale) || !buf || size != sizeof(v))
		return;
	memcpy(&v, buf, sizeof(v));
	pthread_mutex_lock(&lock);
	s = find(d);
	if (s && mode)
		s->mode = v;
	else if (s)
		s->scale = (cudaDataType)v;
	pthread_mutex_unlock(&lock);
}

int gvm_cublaslt_host_scalars(void *d)
{
	struct desc *s;
	int host = 0;

	pthread_mutex_lock(&lock);
	s = find(d);
	if (s)
		host = s->mode == CUBLASLT_POINTER_MODE_HOST	 ? 1
		       : s->mode == CUBLASLT_POINTER_MODE_DEVICE ? 0
								 : -1;
	pthread_mutex_unlock(&lock);
	return host;
}

size_t gvm_cublaslt_scale_bytes(void *d)
{
	struct desc *s;
	size_t n = 0;

	pthread_mutex_lock(&lock);
	s = find(d);
	if (s)
		n = gvm_cublas_type_bytes(s->scale);
	pthread_mutex_unlock(&lock);
	return n;
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
