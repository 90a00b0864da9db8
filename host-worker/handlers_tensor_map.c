/* SPDX-License-Identifier: MIT */
/*
 * Tensor maps (TENSOR_MAP): the driver encodes the descriptor a kernel's
 * TMA unit reads; its global address must be the session's memory.
 */
#include <string.h>

#include "gen_support.h"
#include "handlers.h"
#include "log.h"

static int present(struct gvw_call *c, uint32_t op)
{
	switch (op) {
	case GV_TENSOR_MAP_TILED:
		return gvg_enter(c, GVG_FN(cuda, cuTensorMapEncodeTiled));
	case GV_TENSOR_MAP_IM2COL:
		return gvg_enter(c, GVG_FN(cuda, cuTensorMapEncodeIm2col));
	case GV_TENSOR_MAP_IM2COL_WIDE:
		return gvg_enter(c, GVG_FN(cuda, cuTensorMapEncodeIm2colWide));
	case GV_TENSOR_MAP_REPLACE:
		return gvg_enter(c, GVG_FN(cuda, cuTensorMapReplaceAddress));
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

int gvw_h_TENSOR_MAP(struct gvw_call *c)
{
	const struct gv_tensor_map_req *q = c->req;
	struct gv_tensor_map_resp *r = c->resp;
	CUtensorMap map;
	cuuint64_t dims[GV_TENSOR_MAP_MAX_RANK], strides[GV_TENSOR_MAP_MAX_RANK];
	cuuint32_t box[GV_TENSOR_MAP_MAX_RANK], estr[GV_TENSOR_MAP_MAX_RANK];
	int lower[GV_TENSOR_MAP_MAX_RANK], upper[GV_TENSOR_MAP_MAX_RANK];
	void *addr = (void *)(uintptr_t)q->address;
	int e = present(c, q->op);

	if (e)
		return e;
	/* The map names device memory: the session's own, never another's. */
	if (q->address && !gvw_alloc_find_range(&c->s->allocs, q->address, 0)) {
		gvw_log(GVW_DEBUG, "session %u: a tensor map of 0x%llx, none of its memory",
			c->s->id, (unsigned long long)q->address);
		return CUDA_ERROR_INVALID_VALUE;
	}
	if (q->op != GV_TENSOR_MAP_REPLACE && (q->rank == 0 || q->rank > GV_TENSOR_MAP_MAX_RANK))
		return CUDA_ERROR_INVALID_VALUE;
	memcpy(dims, q->dims, sizeof(dims));
	memcpy(strides, q->strides, sizeof(strides));
	memcpy(box, q->box, sizeof(box));
	memcpy(estr, q->element_strides, sizeof(estr));
	memcpy(lower, q->lower, sizeof(lower));
	memcpy(upper, q->upper, sizeof(upper));
	memcpy(&map, q->map, sizeof(map));
	switch (q->op) {
	case GV_TENSOR_MAP_TILED:
		e = (int)GVG_DRV(c, cuda, cuTensorMapEncodeTiled)(
		    &map, q->data_type, q->rank, addr, dims, strides, box, estr, q->interleave,
		    q->swizzle, q->l2_promotion, q->oob_fill);
		break;
	case GV_TENSOR_MAP_IM2COL:
		e = (int)GVG_DRV(c, cuda, cuTensorMapEncodeIm2col)(
		    &map, q->data_type, q->rank, addr, dims, strides, lower, upper,
		    q->channels_per_pixel, q->pixels_per_column, estr, q->interleave, q->swizzle,
		    q->l2_promotion, q->oob_fill);
		break;
	case GV_TENSOR_MAP_IM2COL_WIDE:
		e = (int)GVG_DRV(c, cuda, cuTensorMapEncodeIm2colWide)(
		    &map, q->data_type, q->rank, addr, dims, strides, q->lower_width,
		    q->upper_width, q->channels_per_pixel, q->pixels_per_column, estr,
		    q->interleave, q->wide_mode, q->swizzle, q->l2_promotion, q->oob_fill);
		break;
	default:
		e = (int)GVG_DRV(c, cuda, cuTensorMapReplaceAddress)(&map, addr);
		break;
	}
	memcpy(r->map, &map, sizeof(r->map));
	return e;
}
