/* SPDX-License-Identifier: MIT */
/*
 * CUDNN_BE_SET and CUDNN_BE_GET: cuDNN's backend SetAttribute and
 * GetAttribute, whose elements' type and count are arguments (protocol.h).
 * Every element that names something is checked and mapped: descriptors
 * must be backend descriptors the session holds, a handle its cuDNN
 * handle, a pointer lies in the session's device memory (the variant
 * pack's data and workspace).  Counts are bounded by GV_CUDNN_ATTR_MAX
 * (GV_CUDNN_ATTR_GET_MAX for what comes back in bulk).
 */
#include <stdlib.h>
#include <string.h>

#include "cudnn_attr.h"
#include "gen_support_math.h"
#include "log.h"

static int status(int e)
{
	switch (e) {
	case CUDA_SUCCESS:
		return CUDNN_STATUS_SUCCESS;
	case CUDA_ERROR_NOT_SUPPORTED:
		return CUDNN_STATUS_NOT_SUPPORTED;
	case CUDA_ERROR_OUT_OF_MEMORY:
		return CUDNN_STATUS_ALLOC_FAILED;
	case CUDA_ERROR_INVALID_VALUE:
	case CUDA_ERROR_INVALID_HANDLE:
		return CUDNN_STATUS_BAD_PARAM;
	default:
		return CUDNN_STATUS_NOT_INITIALIZED;
	}
}

/* Element i of the wire's array, a 64-bit handle value or address. */
static uint64_t wire_u64(const unsigned char *p, size_t i)
{
	uint64_t v;

	memcpy(&v, p + i * 8, sizeof(v));
	return v;
}

/*
 * The n elements of type at buf (the wire's values), made the host's in
 * place: descriptors and the handle become the library's objects, device
 * pointers are checked.  A NULL element is the library's to refuse.
 */
static int map_elements(struct gvw_call *c, int type, unsigned char *buf, size_t n)
{
	size_t i;
	void *obj;
	int e;

	for (i = 0; i < n; i++) {
		uint64_t v = wire_u64(buf, i);

		switch (type) {
		case CUDNN_TYPE_BACKEND_DESCRIPTOR:
			e = gvg_handle(c, v, GVW_H_CUDNN_BACKEND, &obj);
			break;
		case CUDNN_TYPE_HANDLE:
			e = gvg_handle(c, v, GVW_H_CUDNN, &obj);
			break;
		case CUDNN_TYPE_VOID_PTR:
			/* Not a faulting check: a bad address fails here, not in a kernel. */
			e = gvg_devptr(c, v, 0);
			obj = (void *)(uintptr_t)v;
			break;
		default:
			return CUDA_SUCCESS;
		}
		if (e)
			return e;
		memcpy(buf + i * 8, &obj, sizeof(obj));
	}
	return CUDA_SUCCESS;
}

int gvw_h_CUDNN_BE_SET(struct gvw_call *c)
{
	const struct gv_cudnn_be_set_req *q = c->req;
	const struct gvg_cudnn_fns *t = gvg_lib_fns_cudnn(c);
	size_t size = gv_cudnn_elem_bytes(q->type);
	unsigned char *buf;
	void *desc = NULL;
	int e = gvg_enter_lib(c, GV_API_CUDNN, t && t->cudnnBackendSetAttribute,
			      "cudnnBackendSetAttribute");

	if (e)
		return status(e);
	if (!size) {
		gvw_log(GVW_WARN, "session %u: cudnnBackendSetAttribute of type %d: not carried",
			c->s->id, q->type);
		return CUDNN_STATUS_NOT_SUPPORTED;
	}
	if (q->count < 0 || (uint64_t)q->count > GV_CUDNN_ATTR_MAX / size ||
	    (uint64_t)q->count * size != c->tail_len) {
		gvw_log(GVW_WARN,
			"session %u: cudnnBackendSetAttribute of %lld elements, %u bytes sent",
			c->s->id, (long long)q->count, c->tail_len);
		return CUDNN_STATUS_BAD_PARAM;
	}
	e = gvg_handle(c, q->desc, GVW_H_CUDNN_BACKEND, &desc);
	if (e)
		return status(e);
	/* A copy, aligned for the library's reads and mapped in place. */
	buf = malloc(c->tail_len ? c->tail_len : 1);
	if (!buf)
		return CUDNN_STATUS_ALLOC_FAILED;
	memcpy(buf, c->tail, c->tail_len);
	e = map_elements(c, q->type, buf, (size_t)q->count);
	if (!e)
		e = t->cudnnBackendSetAttribute(desc, (cudnnBackendAttributeName_t)q->name,
						(cudnnBackendAttributeType_t)q->type, q->count,
						q->count ? buf : NULL);
	else
		e = status(e);
	free(buf);
	return e;
}

int gvw_h_CUDNN_BE_GET(struct gvw_call *c)
{
	const struct gv_cudnn_be_get_req *q = c->req;
	struct gv_cudnn_be_get_resp *r = c->resp;
	const struct gvg_cudnn_fns *t = gvg_lib_fns_cudnn(c);
	size_t size = gv_cudnn_elem_bytes(q->type), len, i;
	int descs = q->type == CUDNN_TYPE_BACKEND_DESCRIPTOR;
	unsigned char *buf = NULL;
	void *out = NULL, *desc = NULL;
	int64_t count = 0;
	int staged = 0;
	int e = gvg_enter_lib(c, GV_API_CUDNN, t && t->cudnnBackendGetAttribute,
			      "cudnnBackendGetAttribute");

	if (e)
		return status(e);
	/* A handle would come back as the host's pointer: nothing asks for one. */
	if (!size || q->type == CUDNN_TYPE_HANDLE) {
		gvw_log(GVW_WARN, "session %u: cudnnBackendGetAttribute of type %d: not carried",
			c->s->id, q->type);
		return CUDNN_STATUS_NOT_SUPPORTED;
	}
	if (q->requested < 0 ||
	    (uint64_t)q->requested > (descs ? GV_CUDNN_ATTR_MAX : GV_CUDNN_ATTR_GET_MAX) / size)
		return CUDNN_STATUS_BAD_PARAM;
	len = q->has_array ? (size_t)q->requested * size : 0;
	/* The caller's descriptors come in the tail; other elements go back in bulk. */
	if (c->tail_len != (descs ? len : 0)) {
		gvw_log(GVW_WARN, "session %u: cudnnBackendGetAttribute with %u bytes of tail",
			c->s->id, c->tail_len);
		return CUDNN_STATUS_BAD_PARAM;
	}
	e = gvg_handle(c, q->desc, GVW_H_CUDNN_BACKEND, &desc);
	if (!e && !descs)
		e = gvg_bulk(c, GV_BULK_FROM_HOST, len, &out, &staged);
	if (e)
		return status(e);
	buf = calloc(1, len ? len : 1); /* nothing uninitialised goes back */
	if (!buf) {
		e = CUDNN_STATUS_ALLOC_FAILED;
		goto done;
	}
	if (descs) {
		memcpy(buf, c->tail, len);
		/* Each must be a live descriptor the library fills; never NULL. */
		for (i = 0; i < (size_t)q->requested && q->has_array; i++)
			if (!wire_u64(buf, i)) {
				e = CUDNN_STATUS_BAD_PARAM;
				goto done;
			}
		e = map_elements(c, q->type, buf, q->has_array ? (size_t)q->requested : 0);
		if (e) {
			e = status(e);
			goto done;
		}
	}
	e = t->cudnnBackendGetAttribute(desc, (cudnnBackendAttributeName_t)q->name,
					(cudnnBackendAttributeType_t)q->type, q->requested,
					q->want_count ? &count : NULL, q->has_array ? buf : NULL);
	r->count = count;
	if (!e && !descs && len) {
		memcpy(out, buf, len);
		if (staged)
			gvg_bulk_unstage(c, out);
	}
done:
	if (staged)
		free(out);
	free(buf);
	return e;
}
