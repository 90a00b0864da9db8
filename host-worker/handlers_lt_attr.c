/* SPDX-License-Identifier: MIT */
/*
 * LT_SET_ATTR: a cuBLASLt descriptor's, layout's or preference's attribute
 * set from the value in the request's tail (guest-lib/math/cublaslt_attr.c
 * may queue it).  The object must be one the session holds of that kind;
 * a matmul descriptor's emulation descriptor, one it holds too.
 */
#include "gen_support_math.h"
#include "log.h"

static int status(int e)
{
	switch (e) {
	case CUDA_SUCCESS:
		return CUBLAS_STATUS_SUCCESS;
	case CUDA_ERROR_INVALID_HANDLE:
		return CUBLAS_STATUS_NOT_INITIALIZED;
	case CUDA_ERROR_NOT_SUPPORTED:
		return CUBLAS_STATUS_NOT_SUPPORTED;
	case CUDA_ERROR_OUT_OF_MEMORY:
		return CUBLAS_STATUS_ALLOC_FAILED;
	default:
		return CUBLAS_STATUS_INVALID_VALUE;
	}
}

int gvw_h_LT_SET_ATTR(struct gvw_call *c)
{
	static const enum gvw_handle_kind kinds[] = {
	    [GV_LT_MATMUL_DESC] = GVW_H_LT_MATMUL_DESC,
	    [GV_LT_LAYOUT] = GVW_H_LT_LAYOUT,
	    [GV_LT_PREFERENCE] = GVW_H_LT_PREFERENCE,
	    [GV_LT_TRANSFORM_DESC] = GVW_H_LT_TRANSFORM_DESC,
	};
	const struct gv_lt_set_attr_req *q = c->req;
	const struct gvg_cublasLt_fns *t = gvg_lib_fns_cublasLt(c);
	/* The value, aligned for the library's reads. */
	_Alignas(16) unsigned char v[GV_LT_ATTR_MAX];
	void *obj = NULL;
	const char *name;
	int e, present;

	if (q->kind >= sizeof(kinds) / sizeof(kinds[0]) || q->size != c->tail_len ||
	    q->size > sizeof(v)) {
		gvw_log(GVW_WARN, "session %u: LT_SET_ATTR of kind %u, %u bytes of %u sent",
			c->s->id, q->kind, q->size, c->tail_len);
		return CUBLAS_STATUS_INVALID_VALUE;
	}
	switch (q->kind) {
	case GV_LT_MATMUL_DESC:
		present = t && t->cublasLtMatmulDescSetAttribute;
		name = "cublasLtMatmulDescSetAttribute";
		break;
	case GV_LT_LAYOUT:
		present = t && t->cublasLtMatrixLayoutSetAttribute;
		name = "cublasLtMatrixLayoutSetAttribute";
		break;
	case GV_LT_PREFERENCE:
		present = t && t->cublasLtMatmulPreferenceSetAttribute;
		name = "cublasLtMatmulPreferenceSetAttribute";
		break;
	default:
		present = t && t->cublasLtMatrixTransformDescSetAttribute;
		name = "cublasLtMatrixTransformDescSetAttribute";
		break;
	}
	e = gvg_enter_lib(c, GV_API_CUBLAS, present, name);
	if (!e)
		e = gvg_handle(c, q->object, kinds[q->kind], &obj);
	memcpy(v, c->tail, q->size);
	if (!e && q->kind == GV_LT_MATMUL_DESC)
		e = gvg_cublaslt_desc_attr(c, q->attr, v, q->size);
	if (e)
		return status(e);
	switch (q->kind) {
	case GV_LT_MATMUL_DESC:
		return t->cublasLtMatmulDescSetAttribute(
		    obj, (cublasLtMatmulDescAttributes_t)q->attr, v, q->size);
	case GV_LT_LAYOUT:
		return t->cublasLtMatrixLayoutSetAttribute(
		    obj, (cublasLtMatrixLayoutAttribute_t)q->attr, v, q->size);
	case GV_LT_PREFERENCE:
		return t->cublasLtMatmulPreferenceSetAttribute(
		    obj, (cublasLtMatmulPreferenceAttributes_t)q->attr, v, q->size);
	default:
		return t->cublasLtMatrixTransformDescSetAttribute(
		    obj, (cublasLtMatrixTransformDescAttributes_t)q->attr, v, q->size);
	}
}
