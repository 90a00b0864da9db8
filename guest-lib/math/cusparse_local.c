/* SPDX-License-Identifier: MIT */
/*
 * libcusparse.so.12: what answers in the guest, and the library's
 * identity.  Each handle's pointer mode and stream are shadowed here, so
 * that the generated stubs know where a call's scalars live and the
 * getters need no round trip; the host holds every call to the mode its
 * library really has (gvg_cusparse_pointer_mode).
 */
#include <cusparse.h>
#include <library_types.h>

#include "gvm.h"
#include "gvm_cusparse.h"
#include "protocol.h"

struct gvm_lib gvm_lib_cusparse = {
    .name = "cuSPARSE",
    .plugin = "cusparse",
    .api = GV_API_CUSPARSE,
    .not_supported = CUSPARSE_STATUS_NOT_SUPPORTED,
    .no_host = CUSPARSE_STATUS_NOT_INITIALIZED,
};

/* Each handle's pointer mode (v[0]) and stream (v[1]). */
static struct gvm_table shadows = GVM_TABLE_INIT;

static uint64_t key(cusparseHandle_t h)
{
	return (uint64_t)(uintptr_t)h;
}

void gvm_cusparse_created(cusparseHandle_t h)
{
	gvm_table_put(&shadows, key(h), CUSPARSE_POINTER_MODE_HOST, 0);
}

void gvm_cusparse_destroyed(cusparseHandle_t h)
{
	gvm_table_del(&shadows, key(h));
}

void gvm_cusparse_set_pointer_mode(cusparseHandle_t h, cusparsePointerMode_t mode)
{
	gvm_table_set(&shadows, key(h), 0, mode);
}

void gvm_cusparse_set_stream(cusparseHandle_t h, cudaStream_t stream)
{
	gvm_table_set(&shadows, key(h), 1, (int64_t)(intptr_t)stream);
}

int gvm_cusparse_host_pointers(cusparseHandle_t h)
{
	int64_t v[2];

	/* A handle this process did not make has its scalars sent as
	 * addresses: nothing is read here, the host refuses the handle. */
	return gvm_table_get(&shadows, key(h), v) && v[0] == CUSPARSE_POINTER_MODE_HOST;
}

/* Getters of handle state, from the shadow; an unknown handle is what
 * the library calls not initialized. */
GVM_EXPORT cusparseStatus_t cusparseGetPointerMode(cusparseHandle_t h, cusparsePointerMode_t *mode)
{
	int64_t v[2];

	if (!mode)
		return CUSPARSE_STATUS_INVALID_VALUE;
	if (!gvm_table_get(&shadows, key(h), v))
		return CUSPARSE_STATUS_NOT_INITIALIZED;
	*mode = (cusparsePointerMode_t)v[0];
	return CUSPARSE_STATUS_SUCCESS;
}

GVM_EXPORT cusparseStatus_t cusparseGetStream(cusparseHandle_t h, cudaStream_t *stream)
{
	int64_t v[2];

	if (!stream)
		return CUSPARSE_STATUS_INVALID_VALUE;
	if (!gvm_table_get(&shadows, key(h), v))
		return CUSPARSE_STATUS_NOT_INITIALIZED;
	*stream = (cudaStream_t)(intptr_t)v[1];
	return CUSPARSE_STATUS_SUCCESS;
}

/* The version of the headers this shim implements, as NVIDIA's library
 * reports its own; it needs no handle to say it. */
GVM_EXPORT cusparseStatus_t cusparseGetVersion(cusparseHandle_t handle, int *version)
{
	if (!version)
		return CUSPARSE_STATUS_INVALID_VALUE;
	*version = CUSPARSE_VERSION;
	return CUSPARSE_STATUS_SUCCESS;
}

GVM_EXPORT cusparseStatus_t cusparseGetProperty(libraryPropertyType type, int *value)
{
	if (!value)
		return CUSPARSE_STATUS_INVALID_VALUE;
	switch (type) {
	case MAJOR_VERSION:
		*value = CUSPARSE_VER_MAJOR;
		return CUSPARSE_STATUS_SUCCESS;
	case MINOR_VERSION:
		*value = CUSPARSE_VER_MINOR;
		return CUSPARSE_STATUS_SUCCESS;
	case PATCH_LEVEL:
		*value = CUSPARSE_VER_PATCH;
		return CUSPARSE_STATUS_SUCCESS;
	default:
		return CUSPARSE_STATUS_INVALID_VALUE;
	}
}

/* Each status's name is its enumerator's, from cusparse.h; its string
 * is the one NVIDIA's libcusparse.so.12 (12.6) gives it. */
static const struct {
	cusparseStatus_t status;
	const char *name;
	const char *string;
} statuses[] = {
#define STATUS(s, str)                                                                             \
	{                                                                                          \
		s, #s, str                                                                         \
	}
    STATUS(CUSPARSE_STATUS_SUCCESS, "success"),
    STATUS(CUSPARSE_STATUS_NOT_INITIALIZED, "initialization error"),
    STATUS(CUSPARSE_STATUS_ALLOC_FAILED, "out of memory"),
    STATUS(CUSPARSE_STATUS_INVALID_VALUE, "invalid value"),
    STATUS(CUSPARSE_STATUS_ARCH_MISMATCH, "architecture mismatch"),
    STATUS(CUSPARSE_STATUS_MAPPING_ERROR, "texture memory mapping error"),
    STATUS(CUSPARSE_STATUS_EXECUTION_FAILED, "kernel launch failure"),
    STATUS(CUSPARSE_STATUS_INTERNAL_ERROR, "internal error"),
    STATUS(CUSPARSE_STATUS_MATRIX_TYPE_NOT_SUPPORTED, "matrix type not supported"),
    STATUS(CUSPARSE_STATUS_ZERO_PIVOT, "zero pivot"),
    STATUS(CUSPARSE_STATUS_NOT_SUPPORTED, "operation not supported"),
    STATUS(CUSPARSE_STATUS_INSUFFICIENT_RESOURCES, "insufficient resources"),
#undef STATUS
};
/* What the library says of a value that is no status. */
static const char unrecognized[] = "unrecognized error code";

GVM_EXPORT const char *cusparseGetErrorName(cusparseStatus_t status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return statuses[i].name;
	return unrecognized;
}

GVM_EXPORT const char *cusparseGetErrorString(cusparseStatus_t status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return statuses[i].string;
	return unrecognized;
}
