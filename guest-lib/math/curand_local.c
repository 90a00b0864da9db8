/* SPDX-License-Identifier: MIT */
/* libcurand.so.10: what answers in the guest, and the library's identity. */
#include <curand.h>
#include <library_types.h>

#include "gvm.h"
#include "protocol.h"

struct gvm_lib gvm_lib_curand = {
    .name = "cuRAND",
    .plugin = "curand",
    .api = GV_API_CURAND,
    /* cuRAND has no not-supported status: its internal error says it. */
    .not_supported = CURAND_STATUS_INTERNAL_ERROR,
    .no_host = CURAND_STATUS_INITIALIZATION_FAILED,
};

/* The version of the headers this shim implements, as NVIDIA's library
 * reports its own. */
GVM_EXPORT curandStatus_t curandGetVersion(int *version)
{
	if (!version)
		return CURAND_STATUS_OUT_OF_RANGE;
	*version = CURAND_VERSION;
	return CURAND_STATUS_SUCCESS;
}

GVM_EXPORT curandStatus_t curandGetProperty(libraryPropertyType type, int *value)
{
	if (!value)
		return CURAND_STATUS_OUT_OF_RANGE;
	switch (type) {
	case MAJOR_VERSION:
		*value = CURAND_VER_MAJOR;
		return CURAND_STATUS_SUCCESS;
	case MINOR_VERSION:
		*value = CURAND_VER_MINOR;
		return CURAND_STATUS_SUCCESS;
	case PATCH_LEVEL:
		*value = CURAND_VER_PATCH;
		return CURAND_STATUS_SUCCESS;
	default:
		return CURAND_STATUS_OUT_OF_RANGE;
	}
}
