/* SPDX-License-Identifier: MIT */
/* libcufft.so.12: what answers in the guest, and the library's identity. */
#include <cufft.h>
#include <library_types.h>

#include "gvm.h"
#include "protocol.h"

struct gvm_lib gvm_lib_cufft = {
    .name = "cuFFT",
    .plugin = "cufft",
    .api = GV_API_CUFFT,
    .not_supported = CUFFT_NOT_SUPPORTED,
    .no_host = CUFFT_INTERNAL_ERROR,
};

/* The version of the headers this shim implements, as NVIDIA's library
 * reports its own. */
GVM_EXPORT cufftResult cufftGetVersion(int *version)
{
	if (!version)
		return CUFFT_INVALID_VALUE;
	*version = CUFFT_VERSION;
	return CUFFT_SUCCESS;
}

GVM_EXPORT cufftResult cufftGetProperty(libraryPropertyType type, int *value)
{
	if (!value)
		return CUFFT_INVALID_VALUE;
	switch (type) {
	case MAJOR_VERSION:
		*value = CUFFT_VER_MAJOR;
		return CUFFT_SUCCESS;
	case MINOR_VERSION:
		*value = CUFFT_VER_MINOR;
		return CUFFT_SUCCESS;
	case PATCH_LEVEL:
		*value = CUFFT_VER_PATCH;
		return CUFFT_SUCCESS;
	default:
		return CUFFT_INVALID_TYPE;
	}
}
