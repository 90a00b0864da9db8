/* SPDX-License-Identifier: MIT */
/*
 * libcudnn.so.9: what answers in the guest, and the library's identity.
 * Versions and status names are the headers' the shim was generated from
 * (gen/cudnn_decls.h); each handle's stream and each tensor descriptor's
 * data type are shadowed here, so that cudnnGetStream needs no round trip
 * and the generated stubs know how many bytes a scaling factor has.
 */
#include <stdint.h>
#include <string.h>

#include "gvm.h"
#include "gvm_cudnn.h"
#include "protocol.h"

struct gvm_lib gvm_lib_cudnn = {
    .name = "cuDNN",
    .plugin = "cudnn",
    .api = GV_API_CUDNN,
    .not_supported = CUDNN_STATUS_NOT_SUPPORTED,
    .no_host = CUDNN_STATUS_NOT_INITIALIZED,
};

/* Each handle's stream (v[1]). */
static struct gvm_table handles = GVM_TABLE_INIT;
/* Each tensor descriptor's data type (v[0]). */
static struct gvm_table tensors = GVM_TABLE_INIT;

static uint64_t key(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void gvm_cudnn_created(cudnnHandle_t h)
{
	gvm_table_put(&handles, key(h), 0, 0);
}

void gvm_cudnn_destroyed(cudnnHandle_t h)
{
	gvm_table_del(&handles, key(h));
}

void gvm_cudnn_set_stream(cudnnHandle_t h, cudaStream_t stream)
{
	gvm_table_set(&handles, key(h), 1, (int64_t)(intptr_t)stream);
}

void gvm_cudnn_tensor_type(cudnnTensorDescriptor_t d, cudnnDataType_t type)
{
	gvm_table_put(&tensors, key(d), type, 0);
}

void gvm_cudnn_tensor_gone(cudnnTensorDescriptor_t d)
{
	gvm_table_del(&tensors, key(d));
}

void gvm_cudnn_tensor_derived(cudnnTensorDescriptor_t d, cudnnTensorDescriptor_t x)
{
	int64_t v[2];
	int dbl = gvm_table_get(&tensors, key(x), v) && v[0] == CUDNN_DATA_DOUBLE;

	gvm_cudnn_tensor_type(d, dbl ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT);
}

size_t gvm_cudnn_scalar_bytes(cudnnTensorDescriptor_t d)
{
	int64_t v[2];

	/* A descriptor of no known type is the library's to refuse; a float
	 * is the fewest bytes any scaling factor has. */
	if (gvm_table_get(&tensors, key(d), v) && v[0] == CUDNN_DATA_DOUBLE)
		return sizeof(double);
	return sizeof(float);
}

GVM_EXPORT cudnnStatus_t cudnnGetStream(cudnnHandle_t h, cudaStream_t *stream)
{
	int64_t v[2];

	if (!stream)
		return CUDNN_STATUS_BAD_PARAM;
	if (!gvm_table_get(&handles, key(h), v))
		return CUDNN_STATUS_BAD_PARAM;
	*stream = (cudaStream_t)(intptr_t)v[1];
	return CUDNN_STATUS_SUCCESS;
}

/* The version of the headers this shim implements: PyTorch compares it
 * with the one it was built against, as with NVIDIA's library. */
GVM_EXPORT size_t cudnnGetVersion(void)
{
	return CUDNN_VERSION;
}

/* The runtime the shim's headers name; the host's library has its own. */
GVM_EXPORT size_t cudnnGetCudartVersion(void)
{
	return CUDART_VERSION;
}

GVM_EXPORT cudnnStatus_t cudnnGetProperty(libraryPropertyType type, int *value)
{
	if (!value)
		return CUDNN_STATUS_BAD_PARAM;
	switch (type) {
	case MAJOR_VERSION:
		*value = CUDNN_MAJOR;
		return CUDNN_STATUS_SUCCESS;
	case MINOR_VERSION:
		*value = CUDNN_MINOR;
		return CUDNN_STATUS_SUCCESS;
	case PATCH_LEVEL:
		*value = CUDNN_PATCHLEVEL;
		return CUDNN_STATUS_SUCCESS;
	default:
		return CUDNN_STATUS_BAD_PARAM;
	}
}

/* Each status's name is its enumerator's, as cuDNN's strings are. */
static const struct {
	int status;
	const char *name;
} statuses[] = {
#include "gen/cudnn_errors.inc"
};

GVM_EXPORT const char *cudnnGetErrorString(cudnnStatus_t status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == (int)status)
			return statuses[i].name;
	return "CUDNN_UNKNOWN_STATUS";
}

/*
 * The host library's message of the thread's last error is not carried
 * back: the message is empty, as the library's own is when nothing failed.
 */
GVM_EXPORT void cudnnGetLastErrorString(char *message, size_t max_size)
{
	if (message && max_size)
		message[0] = '\0';
}
