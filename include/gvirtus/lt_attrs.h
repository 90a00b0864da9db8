/* SPDX-License-Identifier: MIT */
/*
 * A cuBLASLt matmul descriptor's attributes that are device addresses its
 * kernels use: the guest keys queued SetAttribute calls by their alignment
 * class, the host checks them at every matmul.  One list for both sides.
 */
#ifndef GVIRTUS_LT_ATTRS_H
#define GVIRTUS_LT_ATTRS_H

#include <cublasLt.h>

static const cublasLtMatmulDescAttributes_t gv_lt_desc_addresses[] = {
    CUBLASLT_MATMUL_DESC_BIAS_POINTER,
    CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER,
    CUBLASLT_MATMUL_DESC_A_SCALE_POINTER,
    CUBLASLT_MATMUL_DESC_B_SCALE_POINTER,
    CUBLASLT_MATMUL_DESC_C_SCALE_POINTER,
    CUBLASLT_MATMUL_DESC_D_SCALE_POINTER,
    CUBLASLT_MATMUL_DESC_AMAX_D_POINTER,
    CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_SCALE_POINTER,
    CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_AMAX_POINTER,
    CUBLASLT_MATMUL_DESC_D_OUT_SCALE_POINTER,
};
#define GV_LT_DESC_ADDRESSES (sizeof(gv_lt_desc_addresses) / sizeof(gv_lt_desc_addresses[0]))

static inline int gv_lt_desc_address(int attr)
{
	unsigned int i;

	for (i = 0; i < GV_LT_DESC_ADDRESSES; i++)
		if ((int)gv_lt_desc_addresses[i] == attr)
			return 1;
	return 0;
}

#endif
