/* SPDX-License-Identifier: MIT */
/*
 * The bytes of one element of a cuDNN backend attribute, by its type
 * (cudnnBackendAttributeType_t), as both sides of CUDNN_BE_SET and
 * CUDNN_BE_GET must agree on them; 0 for a type gvirtus does not carry.
 * Enumerations are C ints; CUDNN_TYPE_BOOLEAN is a C++ bool.
 */
#ifndef GVIRTUS_CUDNN_ATTR_H
#define GVIRTUS_CUDNN_ATTR_H

#include <stddef.h>
#include <stdint.h>

#include "gen/cudnn_decls.h"

static inline size_t gv_cudnn_elem_bytes(int type)
{
	switch (type) {
	case CUDNN_TYPE_HANDLE:
	case CUDNN_TYPE_VOID_PTR:
	case CUDNN_TYPE_BACKEND_DESCRIPTOR:
		return 8; /* a handle value or a device address on the wire */
	case CUDNN_TYPE_INT64:
	case CUDNN_TYPE_DOUBLE:
		return 8;
	case CUDNN_TYPE_BOOLEAN:
	case CUDNN_TYPE_CHAR:
		return 1;
	case CUDNN_TYPE_FRACTION:
		return sizeof(cudnnFraction_t);
	case CUDNN_TYPE_FLOAT:
	case CUDNN_TYPE_INT32:
	case CUDNN_TYPE_DATA_TYPE:
	case CUDNN_TYPE_CONVOLUTION_MODE:
	case CUDNN_TYPE_HEUR_MODE:
	case CUDNN_TYPE_KNOB_TYPE:
	case CUDNN_TYPE_NAN_PROPOGATION:
	case CUDNN_TYPE_NUMERICAL_NOTE:
	case CUDNN_TYPE_LAYOUT_TYPE:
	case CUDNN_TYPE_ATTRIB_NAME:
	case CUDNN_TYPE_POINTWISE_MODE:
	case CUDNN_TYPE_GENSTATS_MODE:
	case CUDNN_TYPE_BN_FINALIZE_STATS_MODE:
	case CUDNN_TYPE_REDUCTION_OPERATOR_TYPE:
	case CUDNN_TYPE_BEHAVIOR_NOTE:
	case CUDNN_TYPE_TENSOR_REORDERING_MODE:
	case CUDNN_TYPE_RESAMPLE_MODE:
	case CUDNN_TYPE_PADDING_MODE:
	case CUDNN_TYPE_SIGNAL_MODE:
	case CUDNN_TYPE_NORM_MODE:
	case CUDNN_TYPE_NORM_FWD_PHASE:
	case CUDNN_TYPE_RNG_DISTRIBUTION:
	case CUDNN_TYPE_MOE_GROUPED_MATMUL_MODE:
		return sizeof(int);
	default:
		return 0;
	}
}

#endif
