/* SPDX-License-Identifier: MIT */
/*
 * The scale type's size of cuBLAS and cuBLASLt calls that name a compute
 * type, for the void scalars their stubs copy (built into both shims).
 */
#include <cublas_api.h>
#include <library_types.h>

#include "gvm_cublas.h"

size_t gvm_cublas_compute_bytes(cublasComputeType_t compute, cudaDataType ctype)
{
	/* The scale type of a GEMM follows its compute type, complex when C is. */
	int complex = ctype == CUDA_C_16F || ctype == CUDA_C_16BF || ctype == CUDA_C_32F ||
		      ctype == CUDA_C_64F || ctype == CUDA_C_8I || ctype == CUDA_C_32I;

	switch (compute) {
	case CUBLAS_COMPUTE_16F:
	case CUBLAS_COMPUTE_16F_PEDANTIC:
		return 2;
	case CUBLAS_COMPUTE_64F:
	case CUBLAS_COMPUTE_64F_PEDANTIC:
	case CUBLAS_COMPUTE_64F_EMULATED_FIXEDPOINT:
		return complex ? 16 : 8;
	case CUBLAS_COMPUTE_32I:
	case CUBLAS_COMPUTE_32I_PEDANTIC:
		return 4;
	default:
		return complex ? 8 : 4;
	}
}
