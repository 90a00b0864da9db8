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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

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

/* A process has few handles (one per thread and device, typically). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct shadow {
	cublasHandle_t h;
	cublasPointerMode_t mode;
	cudaStream_t stream;
} * shadows;
static size_t n_shadows, cap_shadows;

static struct shadow *find(cublasHandle_t h)
{
	size_t i;

	for (i = 0; i < n_shadows; i++)
		if (shadows[i].h == h)
			return &shadows[i];
	return NULL;
}

void gvm_cublas_created(cublasHandle_t h)
{
	pthread_mutex_lock(&lock);
	if (n_shadows == cap_shadows) {
		size_t cap = cap_shadows ? 2 * cap_shadows : 8;
		struct shadow *v = realloc(shadows, cap * sizeof(*v));

		if (v) {
			shadows = v;
			cap_shadows = cap;
		}
	}
	/* Without room the handle keeps the defaults: its calls still check
	 * on the host, which refuses a mode that is not the library's. */
	if (n_shadows < cap_shadows)
		shadows[n_shadows++] = (struct shadow){h, CUBLAS_POINTER_MODE_HOST, NULL};
	pthread_mutex_unlock(&lock);
}

void gvm_cublas_destroyed(cublasHandle_t h)
{
	struct shadow *s;

	pthread_mutex_lock(&lock);
	s = find(h);
	if (s)
		*s = shadows[--n_shadows];
	pthread_mutex_unlock(&lock);
}

void gvm_cublas_set_pointer_mode(cublasHandle_t h, cublasPointerMode_t mode)
{
	struct shadow *s;

	pthread_mutex_lock(&lock);
	s = find(h);
	if (s)
		s->mode = mode;
	pthread_mutex_unlock(&lock);
}

void gvm_cublas_set_stream(cublasHandle_t h, cudaStream_t stream)
{
	struct shadow *s;

	pthread_mutex_lock(&lock);
	s = find(h);
	if (s)
		s->stream = stream;
	pthread_mutex_unlock(&lock);
}

int gvm_cublas_host_pointers(cublasHandle_t h)
{
	struct shadow *s;
	/* A handle this process did not make (NULL, or one the library will
	 * refuse) has its scalars sent as addresses: nothing is read here. */
	int host = 0;

	pthread_mutex_lock(&lock);
	s = find(h);
	if (s)
		host = s->mode == CUBLAS_POINTER_MODE_HOST;
	pthread_mutex_unlock(&lock);
	return host;
}

/* Getters of handle state, from the shadow; an unknown handle is what
 * the library calls not initialized. */
GVM_EXPORT cublasStatus_t cublasGetPointerMode_v2(cublasHandle_t h, cublasPointerMode_t *mode)
{
	struct shadow *s;

	if (!mode)
		return CUBLAS_STATUS_INVALID_VALUE;
	pthread_mutex_lock(&lock);
	s = h ? find(h) : NULL;
	if (s)
		*mode = s->mode;
	pthread_mutex_unlock(&lock);
	return s ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}

GVM_EXPORT cublasStatus_t cublasGetStream_v2(cublasHandle_t h, cudaStream_t *stream)
{
	struct shadow *s;

	if (!stream)
		return CUBLAS_STATUS_INVALID_VALUE;
	pthread_mutex_lock(&lock);
	s = h ? find(h) : NULL;
	if (s)
		*stream = s->stream;
	pthread_mutex_unlock(&lock);
	return s ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
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

GVM_EXPORT cublasStatus_t cublasGetProperty(libraryPropertyType type, int *value)
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
