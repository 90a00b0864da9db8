/* SPDX-License-Identifier: MIT */
/*
 * Tensor maps against a fake driver that checks each argument and encodes
 * a known pattern: the arrays arrive with exactly the elements the rank
 * gives, the map comes back whole, a replaced address reaches the driver
 * with the map the guest holds, and an address that is not the session's
 * memory is refused before the driver is asked.
 */
#include <string.h>

#include <cuda.h>

#include "gen/cuda_driver_fns.h"
#include "roundtrip.h"

static int calls, args_ok;

static CUresult tiled(CUtensorMap *map, CUtensorMapDataType type, cuuint32_t rank, void *addr,
		      const cuuint64_t *dims, const cuuint64_t *strides, const cuuint32_t *box,
		      const cuuint32_t *estr, CUtensorMapInterleave il, CUtensorMapSwizzle sw,
		      CUtensorMapL2promotion l2, CUtensorMapFloatOOBfill oob)
{
	calls++;
	args_ok = type == CU_TENSOR_MAP_DATA_TYPE_FLOAT32 && rank == 3 &&
		  addr == (void *)(uintptr_t)(rt_devptr + 256) && dims[0] == 64 && dims[1] == 32 &&
		  dims[2] == 2 && strides[0] == 256 && strides[1] == 8192 && box[0] == 16 &&
		  box[2] == 1 && estr[1] == 1 && il == CU_TENSOR_MAP_INTERLEAVE_NONE &&
		  sw == CU_TENSOR_MAP_SWIZZLE_128B && l2 == CU_TENSOR_MAP_L2_PROMOTION_L2_128B &&
		  oob == CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE;
	rt_pattern(map, sizeof(*map), 61);
	return CUDA_SUCCESS;
}

static CUresult replace(CUtensorMap *map, void *addr)
{
	calls++;
	args_ok = rt_is_pattern(map, sizeof(*map), 61) && addr == (void *)(uintptr_t)rt_devptr;
	rt_pattern(map, sizeof(*map), 62);
	return CUDA_SUCCESS;
}

void tensor_maps(struct gvg_cuda_fns *t)
{
	const char *fn = "cuTensorMapEncodeTiled";
	CUtensorMap map;
	cuuint64_t dims[3] = {64, 32, 2}, strides[2] = {256, 8192};
	cuuint32_t box[3] = {16, 8, 1}, estr[3] = {1, 1, 1};
	int before;

	t->cuTensorMapEncodeTiled = tiled;
	t->cuTensorMapReplaceAddress = replace;
	memset(&map, 0, sizeof(map));
	RT_TRUE(fn, "encoded, every argument as given",
		cuTensorMapEncodeTiled(
		    &map, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 3, (void *)(uintptr_t)(rt_devptr + 256),
		    dims, strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
		    CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
		    CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS &&
		    args_ok && calls == 1);
	RT_TRUE(fn, "the map whole", rt_is_pattern(&map, sizeof(map), 61));
	RT_TRUE("cuTensorMapReplaceAddress", "the guest's map, a new address",
		cuTensorMapReplaceAddress(&map, (void *)(uintptr_t)rt_devptr) == CUDA_SUCCESS &&
		    args_ok && rt_is_pattern(&map, sizeof(map), 62));
	before = calls;
	RT_TRUE(fn, "memory not the session's: refused first",
		cuTensorMapEncodeTiled(
		    &map, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 3, (void *)(uintptr_t)rt_fresh_address(),
		    dims, strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
		    CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
		    CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_ERROR_INVALID_VALUE &&
		    calls == before);
	RT_TRUE(fn, "a rank past 5: refused, no array read past it",
		cuTensorMapEncodeTiled(
		    &map, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 6, (void *)(uintptr_t)rt_devptr, dims,
		    strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_NONE,
		    CU_TENSOR_MAP_L2_PROMOTION_NONE,
		    CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_ERROR_INVALID_VALUE &&
		    calls == before);
}
