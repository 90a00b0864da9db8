/* SPDX-License-Identifier: MIT */
/*
 * cuBLASLt's SetAttribute calls, hand-written over LT_SET_ATTR (the value
 * in the request's tail) so that they can take the async class: PyTorch
 * sets a new descriptor's and layouts' attributes for every matmul.  A
 * call is queued when the object is one this process made and has not
 * destroyed, and a call of the same key succeeded before: the object kind,
 * the attribute, the size and the value (for an address, its alignment
 * class; an emulation descriptor must be one of this process's objects).
 * Otherwise it waits for the library's answer, and a success teaches its key.
 */
#include <cublasLt.h>
#include <stdint.h>
#include <string.h>

#include "gvm.h"
#include "gvm_cublaslt.h"
#include "lt_attrs.h"
#include "protocol.h"

/* The value as a key term: an address by its alignment class, else its bytes. */
static uint64_t value_term(int address, const void *buf, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull, a;
	size_t i;

	if (address && size == sizeof(a)) {
		memcpy(&a, buf, sizeof(a));
		return gvm_ptr_class((const void *)(uintptr_t)a);
	}
	for (i = 0; i < size; i++)
		h = (h ^ ((const unsigned char *)buf)[i]) * 0x100000001b3ull;
	return h;
}

static cublasStatus_t set_attr(enum gv_lt_kind kind, void *obj, int attr, const void *buf,
			       size_t size, int address, int proven_ok)
{
	struct gv_lt_set_attr_req q = {
	    .object = (uint64_t)(uintptr_t)obj, .kind = kind, .attr = attr, .size = (uint32_t)size};
	struct gv_empty r;
	uint64_t k[4];
	int g;
	cublasStatus_t e;

	/* No attribute is larger; the library refuses one that is. */
	if (!buf || size > GV_LT_ATTR_MAX)
		return CUBLAS_STATUS_INVALID_VALUE;
	k[0] = kind;
	k[1] = (uint64_t)(int64_t)attr;
	k[2] = size;
	k[3] = value_term(address, buf, size);
	g = proven_ok && gvm_cublaslt_is_live(obj);
	if (g && gvm_async_tail(&gvm_lib_cublasLt, GV_OP_LT_SET_ATTR, k, 4, &q, sizeof(q), buf,
				(uint32_t)size))
		return CUBLAS_STATUS_SUCCESS;
	e = gvm_call(&gvm_lib_cublasLt, GV_OP_LT_SET_ATTR, &q, sizeof(q), buf, (uint32_t)size, &r,
		     sizeof(r), NULL, 0);
	if (g && e == CUBLAS_STATUS_SUCCESS)
		gvm_learn(&gvm_lib_cublasLt, GV_OP_LT_SET_ATTR, k, 4);
	return e;
}

GVM_EXPORT cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t d,
							 cublasLtMatmulDescAttributes_t attr,
							 const void *buf, size_t size)
{
	uint64_t v = 0;
	/* An emulation descriptor is a host object: queued only if it is ours. */
	int ours = attr != CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR ||
		   (buf && size == sizeof(v) && (memcpy(&v, buf, sizeof(v)), 1) &&
		    (!v || gvm_cublaslt_is_live((void *)(uintptr_t)v)));
	cublasStatus_t e =
	    set_attr(GV_LT_MATMUL_DESC, d, attr, buf, size, gv_lt_desc_address(attr), ours);

	if (e == CUBLAS_STATUS_SUCCESS)
		gvm_cublaslt_desc_set(d, attr == CUBLASLT_MATMUL_DESC_POINTER_MODE,
				      attr == CUBLASLT_MATMUL_DESC_SCALE_TYPE, buf, size);
	return e;
}

GVM_EXPORT cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t l,
							   cublasLtMatrixLayoutAttribute_t attr,
							   const void *buf, size_t size)
{
	return set_attr(GV_LT_LAYOUT, l, attr, buf, size, 0, 1);
}

GVM_EXPORT cublasStatus_t cublasLtMatmulPreferenceSetAttribute(
    cublasLtMatmulPreference_t p, cublasLtMatmulPreferenceAttributes_t attr, const void *buf,
    size_t size)
{
	return set_attr(GV_LT_PREFERENCE, p, attr, buf, size, 0, 1);
}

GVM_EXPORT cublasStatus_t cublasLtMatrixTransformDescSetAttribute(
    cublasLtMatrixTransformDesc_t d, cublasLtMatrixTransformDescAttributes_t attr, const void *buf,
    size_t size)
{
	cublasStatus_t e = set_attr(GV_LT_TRANSFORM_DESC, d, attr, buf, size, 0, 1);

	if (e == CUBLAS_STATUS_SUCCESS)
		gvm_cublaslt_desc_set(d, attr == CUBLASLT_MATRIX_TRANSFORM_DESC_POINTER_MODE,
				      attr == CUBLASLT_MATRIX_TRANSFORM_DESC_SCALE_TYPE, buf, size);
	return e;
}
