/* SPDX-License-Identifier: MIT */
/*
 * cuDNN's backend (graph) API: SetAttribute and GetAttribute, hand-written
 * over CUDNN_BE_SET and CUDNN_BE_GET (protocol.h), as their elements' type
 * and count are arguments.  cudnn-frontend, and so PyTorch's convolutions,
 * build every operation graph, heuristic and execution plan through them.
 * Elements that name objects (descriptors, the cuDNN handle) are the
 * session's handle values, as the guest holds them; device pointers are
 * the guest's addresses: the host checks and maps each.  The other
 * backend calls are generated (gen/annot_cudnn.py).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cudnn_attr.h"
#include "gvm.h"
#include "gvm_cudnn.h"
#include "protocol.h"

/* An element type gvirtus does not carry: its name logged once. */
static cudnnStatus_t not_carried(const char *fn, int type)
{
	static atomic_flag logged = ATOMIC_FLAG_INIT;
	char name[96];

	snprintf(name, sizeof(name), "%s (attribute type %d)", fn, type);
	return (cudnnStatus_t)gvm_unsupported(&gvm_lib_cudnn, name, &logged);
}

GVM_EXPORT cudnnStatus_t cudnnBackendSetAttribute(cudnnBackendDescriptor_t descriptor,
						  cudnnBackendAttributeName_t attributeName,
						  cudnnBackendAttributeType_t attributeType,
						  int64_t elementCount, const void *arrayOfElements)
{
	struct gv_cudnn_be_set_req q = {
	    .desc = (uint64_t)(uintptr_t)descriptor,
	    .name = attributeName,
	    .type = attributeType,
	    .count = elementCount,
	};
	struct gv_empty r;
	size_t size = gv_cudnn_elem_bytes(attributeType);

	_Static_assert(sizeof(void *) == 8, "pointer elements are the wire's 8 bytes");
	if (!size)
		return not_carried("cudnnBackendSetAttribute", attributeType);
	if (elementCount < 0 || (elementCount && !arrayOfElements))
		return CUDNN_STATUS_BAD_PARAM;
	if ((uint64_t)elementCount > GV_CUDNN_ATTR_MAX / size)
		return CUDNN_STATUS_NOT_SUPPORTED; /* longer than one request carries */
	return (cudnnStatus_t)gvm_call(&gvm_lib_cudnn, GV_OP_CUDNN_BE_SET, &q, sizeof(q),
				       arrayOfElements, (uint32_t)((size_t)elementCount * size), &r,
				       sizeof(r), NULL, 0);
}

/*
 * Elements that come back in bulk.  The library writes the lesser of the
 * requested and the attribute's count, and callers count on it:
 * cudnn-frontend asks for CUDNN_NUMERICAL_NOTE_TYPE_COUNT notes into a
 * vector sized by the count it learned.  The host's run comes back whole,
 * so it lands in a buffer of ours, and only the elements the library wrote
 * reach the caller's array; the count is asked for to know how many.
 */
static cudnnStatus_t get_elements(struct gv_cudnn_be_get_req *q, struct gv_cudnn_be_get_resp *r,
				  void *array, size_t len, size_t size)
{
	unsigned char small[256], *stage = len <= sizeof(small) ? small : malloc(len);
	struct gv_buf b = {.addr = stage, .len = len, .dir = GV_BULK_FROM_HOST};
	cudnnStatus_t e;
	int64_t n;

	if (!stage)
		return CUDNN_STATUS_ALLOC_FAILED;
	if (len)
		q->want_count = 1;
	e = (cudnnStatus_t)gvm_call(&gvm_lib_cudnn, GV_OP_CUDNN_BE_GET, q, sizeof(*q), NULL, 0, r,
				    sizeof(*r), len ? &b : NULL, len ? 1 : 0);
	if (e == CUDNN_STATUS_SUCCESS && len) {
		n = r->count < q->requested ? r->count : q->requested;
		if (n > 0)
			memcpy(array, stage, (size_t)n * size);
	}
	if (stage != small)
		free(stage);
	return e;
}

GVM_EXPORT cudnnStatus_t cudnnBackendGetAttribute(const cudnnBackendDescriptor_t descriptor,
						  cudnnBackendAttributeName_t attributeName,
						  cudnnBackendAttributeType_t attributeType,
						  int64_t requestedElementCount,
						  int64_t *elementCount, void *arrayOfElements)
{
	struct gv_cudnn_be_get_req q = {
	    .desc = (uint64_t)(uintptr_t)descriptor,
	    .name = attributeName,
	    .type = attributeType,
	    .requested = requestedElementCount,
	    .want_count = elementCount != NULL,
	    .has_array = arrayOfElements != NULL,
	};
	struct gv_cudnn_be_get_resp r;
	size_t size = gv_cudnn_elem_bytes(attributeType), len;
	int descs = attributeType == CUDNN_TYPE_BACKEND_DESCRIPTOR;
	cudnnStatus_t e;

	/* A handle would come back as the host's pointer. */
	if (!size || attributeType == CUDNN_TYPE_HANDLE)
		return not_carried("cudnnBackendGetAttribute", attributeType);
	if (requestedElementCount < 0)
		return CUDNN_STATUS_BAD_PARAM;
	if ((uint64_t)requestedElementCount >
	    (descs ? GV_CUDNN_ATTR_MAX : GV_CUDNN_ATTR_GET_MAX) / size)
		return CUDNN_STATUS_NOT_SUPPORTED; /* longer than one call carries */
	len = arrayOfElements ? (size_t)requestedElementCount * size : 0;
	memset(&r, 0, sizeof(r));
	if (descs) {
		/* The caller's descriptors, which the library fills on the host. */
		e = (cudnnStatus_t)gvm_call(&gvm_lib_cudnn, GV_OP_CUDNN_BE_GET, &q, sizeof(q),
					    arrayOfElements, (uint32_t)len, &r, sizeof(r), NULL, 0);
	} else {
		e = get_elements(&q, &r, arrayOfElements, len, size);
	}
	if (e == CUDNN_STATUS_SUCCESS && elementCount)
		*elementCount = r.count;
	return e;
}
