/* SPDX-License-Identifier: MIT */
/*
 * Scalar sizes of the data types the libraries' calls name, for the void
 * scalars their stubs copy (every math shim).
 */
#include <library_types.h>

#include "gvm.h"

size_t gvm_type_bytes(cudaDataType t)
{
	switch (t) {
	case CUDA_R_8I:
	case CUDA_R_8U:
		return 1;
	case CUDA_R_16F:
	case CUDA_R_16BF:
		return 2;
	case CUDA_R_32F:
	case CUDA_R_32I:
	case CUDA_C_16F:
	case CUDA_C_16BF:
		return 4;
	case CUDA_R_64F:
	case CUDA_C_32F:
		return 8;
	case CUDA_C_64F:
		return 16;
	default:
		return 0; /* the library refuses the type itself */
	}
}
