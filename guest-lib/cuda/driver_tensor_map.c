/* SPDX-License-Identifier: MIT */
/*
 * Tensor maps (TENSOR_MAP): encoded by the host's driver, each array read
 * here only as far as the rank says (the rest of the request zero).
 */
#include <string.h>

#include "gvcu.h"

_Static_assert(sizeof(CUtensorMap) == sizeof(((struct gv_tensor_map_resp *)0)->map),
	       "a tensor map is 128 bytes");

static CUresult tensor_map(struct gv_tensor_map_req *q, CUtensorMap *map)
{
	struct gv_tensor_map_resp r;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	e = GVCU_RPC(TENSOR_MAP, q, &r, NULL, 0);
	if (!e)
		memcpy(map, r.map, sizeof(*map));
	return e;
}

/* The arrays every form has; 0, or CUDA_ERROR_INVALID_VALUE. */
static CUresult common(struct gv_tensor_map_req *q, CUtensorMap *map, cuuint32_t rank,
		       void *address, const cuuint64_t *dims, const cuuint64_t *strides,
		       const cuuint32_t *estr, unsigned int min_rank)
{
	if (!map || !dims || !estr || (rank > 1 && !strides) || rank < min_rank ||
	    rank > GV_TENSOR_MAP_MAX_RANK)
		return CUDA_ERROR_INVALID_VALUE;
	q->rank = rank;
	q->address = (uintptr_t)address;
	memcpy(q->dims, dims, rank * sizeof(*dims));
	if (rank > 1)
		memcpy(q->strides, strides, (rank - 1) * sizeof(*strides));
	memcpy(q->element_strides, estr, rank * sizeof(*estr));
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuTensorMapEncodeTiled(CUtensorMap *map, CUtensorMapDataType type,
					    cuuint32_t rank, void *address, const cuuint64_t *dims,
					    const cuuint64_t *strides, const cuuint32_t *box,
					    const cuuint32_t *estr,
					    CUtensorMapInterleave interleave,
					    CUtensorMapSwizzle swizzle, CUtensorMapL2promotion l2,
					    CUtensorMapFloatOOBfill oob)
{
	struct gv_tensor_map_req q = {.op = GV_TENSOR_MAP_TILED,
				      .data_type = type,
				      .interleave = interleave,
				      .swizzle = swizzle,
				      .l2_promotion = l2,
				      .oob_fill = oob};
	CUresult e = common(&q, map, rank, address, dims, strides, estr, 1);

	if (!e && !box)
		e = CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	memcpy(q.box, box, rank * sizeof(*box));
	return tensor_map(&q, map);
}

GVCU_EXPORT CUresult cuTensorMapEncodeIm2col(CUtensorMap *map, CUtensorMapDataType type,
					     cuuint32_t rank, void *address, const cuuint64_t *dims,
					     const cuuint64_t *strides, const int *lower,
					     const int *upper, cuuint32_t channels,
					     cuuint32_t pixels, const cuuint32_t *estr,
					     CUtensorMapInterleave interleave,
					     CUtensorMapSwizzle swizzle, CUtensorMapL2promotion l2,
					     CUtensorMapFloatOOBfill oob)
{
	struct gv_tensor_map_req q = {.op = GV_TENSOR_MAP_IM2COL,
				      .data_type = type,
				      .interleave = interleave,
				      .swizzle = swizzle,
				      .l2_promotion = l2,
				      .oob_fill = oob,
				      .channels_per_pixel = channels,
				      .pixels_per_column = pixels};
	CUresult e = common(&q, map, rank, address, dims, strides, estr, 3);

	if (!e && (!lower || !upper))
		e = CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	memcpy(q.lower, lower, (rank - 2) * sizeof(*lower));
	memcpy(q.upper, upper, (rank - 2) * sizeof(*upper));
	return tensor_map(&q, map);
}

GVCU_EXPORT CUresult cuTensorMapEncodeIm2colWide(
    CUtensorMap *map, CUtensorMapDataType type, cuuint32_t rank, void *address,
    const cuuint64_t *dims, const cuuint64_t *strides, int lower_width, int upper_width,
    cuuint32_t channels, cuuint32_t pixels, const cuuint32_t *estr,
    CUtensorMapInterleave interleave, CUtensorMapIm2ColWideMode mode, CUtensorMapSwizzle swizzle,
    CUtensorMapL2promotion l2, CUtensorMapFloatOOBfill oob)
{
	struct gv_tensor_map_req q = {.op = GV_TENSOR_MAP_IM2COL_WIDE,
				      .data_type = type,
				      .interleave = interleave,
				      .swizzle = swizzle,
				      .l2_promotion = l2,
				      .oob_fill = oob,
				      .wide_mode = mode,
				      .channels_per_pixel = channels,
				      .pixels_per_column = pixels,
				      .lower_width = lower_width,
				      .upper_width = upper_width};
	CUresult e = common(&q, map, rank, address, dims, strides, estr, 3);

	return e ? e : tensor_map(&q, map);
}

GVCU_EXPORT CUresult cuTensorMapReplaceAddress(CUtensorMap *map, void *address)
{
	struct gv_tensor_map_req q = {.op = GV_TENSOR_MAP_REPLACE, .address = (uintptr_t)address};

	if (!map)
		return CUDA_ERROR_INVALID_VALUE;
	memcpy(q.map, map, sizeof(q.map));
	return tensor_map(&q, map);
}
