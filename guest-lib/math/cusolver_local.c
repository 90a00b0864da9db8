/* SPDX-License-Identifier: MIT */
/*
 * libcusolver.so.12: what answers in the guest, and the library's
 * identity.  Each dense and sparse handle's stream is shadowed here, so
 * that the getters need no round trip; the version and properties are
 * the headers'.
 */
#include <cusolverDn.h>
#include <cusolverSp.h>
#include <library_types.h>

#include "gvm.h"
#include "gvm_cusolver.h"
#include "protocol.h"

struct gvm_lib gvm_lib_cusolver = {
    .name = "cuSOLVER",
    .plugin = "cusolver",
    .api = GV_API_CUSOLVER,
    .not_supported = CUSOLVER_STATUS_NOT_SUPPORTED,
    .no_host = CUSOLVER_STATUS_NOT_INITIALIZED,
};

/* Each handle's stream (v[0]). */
static struct gvm_table shadows = GVM_TABLE_INIT;

void gvm_cusolver_created(uint64_t h)
{
	gvm_table_put(&shadows, h, 0, 0);
}

void gvm_cusolver_destroyed(uint64_t h)
{
	gvm_table_del(&shadows, h);
}

void gvm_cusolver_set_stream(uint64_t h, cudaStream_t stream)
{
	gvm_table_set(&shadows, h, 0, (int64_t)(intptr_t)stream);
}

/* Each csrlu host info object's order + 1 (v[0]) and its factors' nnz,
 * L's in the high half of v[1] and U's in the low, each + 1 (0: not said). */
static struct gvm_table lu = GVM_TABLE_INIT;

void gvm_cusolver_lu_dims(uint64_t info, int n, int nnz_l, int nnz_u)
{
	int64_t v[2] = {0, 0};

	if (!gvm_table_get(&lu, info, v))
		gvm_table_put(&lu, info, 0, 0);
	if (n >= 0)
		gvm_table_set(&lu, info, 0, (int64_t)n + 1);
	if (nnz_l >= 0 && nnz_u >= 0)
		gvm_table_set(
		    &lu, info, 1,
		    (int64_t)((uint64_t)((uint32_t)nnz_l + 1u) << 32 | ((uint32_t)nnz_u + 1u)));
}

void gvm_cusolver_lu_forget(uint64_t info)
{
	gvm_table_del(&lu, info);
}

int64_t gvm_cusolver_lu_dim(uint64_t info, int i)
{
	int64_t v[2];
	uint64_t both;

	/* What this process never said sizes nothing: the host refuses an
	 * info object it does not know, and sizes that are not its own. */
	if (!info || !gvm_table_get(&lu, info, v))
		return 0;
	if (i == 0)
		return v[0] ? v[0] - 1 : 0;
	both = (uint64_t)v[1];
	if (!both)
		return 0;
	return (int64_t)(i == 1 ? both >> 32 : both & 0xffffffffu) - 1;
}

/* A handle this process did not make is what the library calls not
 * initialized. */
static cusolverStatus_t get_stream(uint64_t h, cudaStream_t *stream)
{
	int64_t v[2];

	if (!stream)
		return CUSOLVER_STATUS_INVALID_VALUE;
	if (!gvm_table_get(&shadows, h, v))
		return CUSOLVER_STATUS_NOT_INITIALIZED;
	*stream = (cudaStream_t)(intptr_t)v[0];
	return CUSOLVER_STATUS_SUCCESS;
}

GVM_EXPORT cusolverStatus_t cusolverDnGetStream(cusolverDnHandle_t h, cudaStream_t *stream)
{
	return get_stream((uint64_t)(uintptr_t)h, stream);
}

GVM_EXPORT cusolverStatus_t cusolverSpGetStream(cusolverSpHandle_t h, cudaStream_t *stream)
{
	return get_stream((uint64_t)(uintptr_t)h, stream);
}

/* The version of the headers this shim implements, as NVIDIA's library
 * reports its own. */
GVM_EXPORT cusolverStatus_t cusolverGetVersion(int *version)
{
	if (!version)
		return CUSOLVER_STATUS_INVALID_VALUE;
	*version = CUSOLVER_VERSION;
	return CUSOLVER_STATUS_SUCCESS;
}

GVM_EXPORT cusolverStatus_t cusolverGetProperty(libraryPropertyType type, int *value)
{
	if (!value)
		return CUSOLVER_STATUS_INVALID_VALUE;
	switch (type) {
	case MAJOR_VERSION:
		*value = CUSOLVER_VER_MAJOR;
		return CUSOLVER_STATUS_SUCCESS;
	case MINOR_VERSION:
		*value = CUSOLVER_VER_MINOR;
		return CUSOLVER_STATUS_SUCCESS;
	case PATCH_LEVEL:
		*value = CUSOLVER_VER_PATCH;
		return CUSOLVER_STATUS_SUCCESS;
	default:
		return CUSOLVER_STATUS_INVALID_VALUE;
	}
}
