/* SPDX-License-Identifier: MIT */
/* The checks of host-worker/gen_support_math.h. */
#include "gen_support_math.h"
#include "lt_attrs.h"

#include "log.h"
#include "worker_internal.h"

int gvg_enter_lib(struct gvw_call *c, unsigned int api, int present, const char *name)
{
	return gvg_enter_api(c, api,
			     api == GV_API_CUBLAS     ? "\"cublas\""
			     : api == GV_API_CUFFT    ? "\"cufft\""
			     : api == GV_API_CUSPARSE ? "\"cusparse\""
			     : api == GV_API_CUDNN    ? "\"cudnn\""
			     : api == GV_API_CUSOLVER ? "\"cusolver\""
						      : "\"curand\"",
			     present, name);
}

int gvg_handle_kinds(struct gvw_call *c, uint64_t h, enum gvw_handle_kind k1,
		     enum gvw_handle_kind k2, enum gvw_handle_kind *kind, void **out)
{
	/* The handle's own bits say its kind; gvg_handle checks the rest. */
	*kind = gvw_handle_get(&c->s->handles, h, k2) ? k2 : k1;
	return gvg_handle(c, h, *kind, out);
}

int gvg_lib_devptr(struct gvw_call *c, uint64_t ptr, uint64_t len)
{
	const struct gvw_executor *ex = c->s->w->ex;
	int e = gvg_devptr(c, ptr, len);

	if (e != CUDA_ERROR_INVALID_VALUE || !ex->fault)
		return e;
	gvw_log(GVW_DEBUG,
		"session %u: a library call names 0x%llx, outside the session's memory: "
		"its context faults, as the library's kernel would",
		c->s->id, (unsigned long long)ptr);
	/* In a context that has faulted already, the launch fails. */
	e = ex->fault(c->ctx);
	return e ? e : GVG_FAULTED;
}

int gvg_devptr_at(struct gvw_call *c, uint64_t ptr, uint64_t len, void **out)
{
	int e = gvg_lib_devptr(c, ptr, len);

	*out = (void *)(uintptr_t)ptr;
	return e;
}

/*
 * A call's scalars claim host (or device) memory by the guest's shadow of
 * the handle's mode; the library's own mode must agree.  got: the
 * library's answer to its mode getter (0: the mode is host_mode).
 */
static int mode_agrees(struct gvw_call *c, const char *lib, int got, int is_host, int host)
{
	if (got)
		return CUDA_ERROR_NOT_SUPPORTED;
	if (is_host != !!host) {
		gvw_log(GVW_WARN,
			"session %u: a %s call's scalars claim %s memory, but its "
			"handle's pointer mode is the %s's",
			c->s->id, lib, host ? "host" : "device", is_host ? "host" : "device");
		return CUDA_ERROR_INVALID_VALUE;
	}
	return CUDA_SUCCESS;
}

int gvg_cublas_pointer_mode(struct gvw_call *c, cublasHandle_t h, int host)
{
	const struct gvg_cublas_fns *t = gvg_lib_fns_cublas(c);
	cublasPointerMode_t mode = CUBLAS_POINTER_MODE_HOST;
	int got;

	if (!h)
		return CUDA_SUCCESS;
	/* The getter first: argument order is unspecified. */
	got = !t->cublasGetPointerMode_v2 || t->cublasGetPointerMode_v2(h, &mode);
	return mode_agrees(c, "cuBLAS", got, mode == CUBLAS_POINTER_MODE_HOST, host);
}

int gvg_cusparse_pointer_mode(struct gvw_call *c, cusparseHandle_t h, int host)
{
	const struct gvg_cusparse_fns *t = gvg_lib_fns_cusparse(c);
	cusparsePointerMode_t mode = CUSPARSE_POINTER_MODE_HOST;
	int got;

	if (!h)
		return CUDA_SUCCESS;
	got = !t->cusparseGetPointerMode || t->cusparseGetPointerMode(h, &mode);
	return mode_agrees(c, "cuSPARSE", got, mode == CUSPARSE_POINTER_MODE_HOST, host);
}

int gvg_cudnn_host_scalars(int host)
{
	/* A device address would be read by the library as host memory. */
	return host ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

uint64_t gvg_handle_full(struct gvw_call *c, uint64_t h, enum gvw_handle_kind kind)
{
	struct gvw_handles *t = &c->s->handles;
	uint64_t idx1 = h >> GVW_HANDLE_KIND_BITS;

	/* A short form is the low 32 bits: index and kind, never 0. */
	if ((h >> 32) || (h & ((1u << GVW_HANDLE_KIND_BITS) - 1)) != (uint64_t)kind || idx1 == 0 ||
	    idx1 > t->n || t->v[idx1 - 1].kind != kind)
		return UINT64_MAX; /* no handle's value: the check refuses it */
	return gvw_handle_of(t, &t->v[idx1 - 1]);
}

/* The descriptor's pointer mode attribute against what the request says. */
static int lt_mode(struct gvw_call *c, cublasStatus_t got, cublasLtPointerMode_t mode, int host)
{
	if (got)
		return CUDA_ERROR_NOT_SUPPORTED;
	if ((mode == CUBLASLT_POINTER_MODE_HOST) != !!host ||
	    (mode != CUBLASLT_POINTER_MODE_HOST && mode != CUBLASLT_POINTER_MODE_DEVICE)) {
		gvw_log(GVW_WARN,
			"session %u: a cuBLASLt call's scalars claim %s memory, but its "
			"descriptor's pointer mode is %d",
			c->s->id, host ? "host" : "device", (int)mode);
		return CUDA_ERROR_INVALID_VALUE;
	}
	return CUDA_SUCCESS;
}

/* The mode a descriptor's pointer-mode attribute holds, against the request's. */
#define LT_MODE(fn, type, get, attr)                                                               \
	int fn(struct gvw_call *c, type d, int host)                                               \
	{                                                                                          \
		const struct gvg_cublasLt_fns *t = gvg_lib_fns_cublasLt(c);                        \
		cublasLtPointerMode_t mode = CUBLASLT_POINTER_MODE_HOST;                           \
		cublasStatus_t got;                                                                \
		size_t n = 0;                                                                      \
                                                                                                   \
		if (!d)                                                                            \
			return CUDA_SUCCESS;                                                       \
		if (!t->get)                                                                       \
			return CUDA_ERROR_NOT_SUPPORTED;                                           \
		got = t->get(d, attr, &mode, sizeof(mode), &n);                                    \
		return lt_mode(c, got, mode, host);                                                \
	}
static int lt_matmul_mode(struct gvw_call *c, cublasLtMatmulDesc_t d, int host);
LT_MODE(lt_matmul_mode, cublasLtMatmulDesc_t, cublasLtMatmulDescGetAttribute,
	CUBLASLT_MATMUL_DESC_POINTER_MODE)
LT_MODE(gvg_cublaslt_transform_mode, cublasLtMatrixTransformDesc_t,
	cublasLtMatrixTransformDescGetAttribute, CUBLASLT_MATRIX_TRANSFORM_DESC_POINTER_MODE)
#undef LT_MODE

/* The emulation descriptor a matmul descriptor names (a host object), if any. */
static int lt_emulation_ok(struct gvw_call *c, uint64_t v)
{
	if (!v || gvg_raw_slot(c, v, GVW_H_LT_EMULATION_DESC))
		return CUDA_SUCCESS;
	gvw_log(GVW_WARN,
		"session %u: a matmul descriptor names 0x%llx, no emulation descriptor "
		"of the session",
		c->s->id, (unsigned long long)v);
	return CUDA_ERROR_INVALID_VALUE;
}

int gvg_cublaslt_desc_attr(struct gvw_call *c, int attr, const void *buf, size_t size)
{
	uint64_t v = 0;

	/* The library keeps the pointer and reads the object it names. */
	if (attr != CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR || size != sizeof(v) || !buf)
		return CUDA_SUCCESS;
	memcpy(&v, buf, sizeof(v));
	return lt_emulation_ok(c, v);
}

int gvg_cublaslt_matmul_mode(struct gvw_call *c, cublasLtMatmulDesc_t d, int host)
{
	const struct gvg_cublasLt_fns *t = gvg_lib_fns_cublasLt(c);
	int e = lt_matmul_mode(c, d, host);
	size_t i, n;
	uint64_t v;

	/*
	 * What the descriptor points at, checked as the call's own pointers
	 * are: an address outside the session's memory faults its context
	 * instead of reaching the library, and the emulation descriptor must
	 * still be one the session holds.
	 */
	for (i = 0; !e && d && i < GV_LT_DESC_ADDRESSES; i++) {
		v = 0;
		if (t->cublasLtMatmulDescGetAttribute(d, gv_lt_desc_addresses[i], &v, sizeof(v),
						      &n) == CUBLAS_STATUS_SUCCESS &&
		    n == sizeof(v) && v)
			e = gvg_lib_devptr(c, v, 0);
	}
	v = 0;
	if (!e && d &&
	    t->cublasLtMatmulDescGetAttribute(d, CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR, &v,
					      sizeof(v), &n) == CUBLAS_STATUS_SUCCESS &&
	    n == sizeof(v))
		e = lt_emulation_ok(c, v);
	return e;
}

uint64_t gvg_lib_object_new(struct gvw_call *c, enum gvw_handle_kind kind, void *obj)
{
	struct gvw_session *s = c->s;
	uint64_t h;

	int counted = gvw_counts_as_library_object(kind);

	if (counted && s->library_objects >= s->w->limits.max_library_objects) {
		gvw_limit_refuse(s, GVW_LIMIT_LIBRARY_OBJECTS, s->library_objects, 1);
		return 0;
	}
	/* A library's new object is never one the table holds already. */
	h = gvw_handle_add(c, kind, obj, 0);
	if (h && counted)
		s->library_objects++;
	return h;
}

void gvg_lib_object_forget(struct gvw_call *c, uint64_t h, enum gvw_handle_kind kind)
{
	struct gvw_handle_slot *slot = gvw_handle_get(&c->s->handles, h, kind);

	if (slot) {
		gvw_handle_drop(c->s, slot);
		if (gvw_counts_as_library_object(kind))
			c->s->library_objects--;
	}
}

uint64_t gvg_raw_object_new(struct gvw_call *c, enum gvw_handle_kind kind, void *obj)
{
	/* The guest holds the address; the table only vouches for it. */
	return obj && gvg_lib_object_new(c, kind, obj) ? (uint64_t)(uintptr_t)obj : 0;
}

int gvg_raw_handle(struct gvw_call *c, uint64_t v, enum gvw_handle_kind kind, void **out)
{
	*out = NULL;
	if (!v)
		return CUDA_SUCCESS; /* NULL: the library gives its own answer */
	if (!gvg_raw_slot(c, v, kind)) {
		gvw_log(GVW_DEBUG, "session %u: 0x%llx is no object of kind %d it holds", c->s->id,
			(unsigned long long)v, kind);
		return CUDA_ERROR_INVALID_HANDLE;
	}
	*out = (void *)(uintptr_t)v;
	return CUDA_SUCCESS;
}

uint64_t gvg_raw_full(struct gvw_call *c, uint64_t v, enum gvw_handle_kind kind)
{
	struct gvw_handle_slot *slot = gvg_raw_slot(c, v, kind);

	return slot ? gvw_handle_of(&c->s->handles, slot) : UINT64_MAX;
}

int gvg_host_arrays(struct gvw_call *c, uint64_t len, unsigned char **out)
{
	void *flat;
	int staged, e;

	*out = NULL;
	if (!len) {
		/* Arrays of no elements still have an address, as the caller's do. */
		if (c->bulk && c->bulk->len)
			return CUDA_ERROR_INVALID_VALUE;
		*out = calloc(1, 16);
		return *out ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
	}
	e = gvg_bulk(c, GV_BULK_UPDATE, len, &flat, &staged);
	if (e)
		return e;
	if (staged) {
		*out = flat;
		return CUDA_SUCCESS;
	}
	*out = malloc(len);
	if (!*out)
		return CUDA_ERROR_OUT_OF_MEMORY;
	memcpy(*out, flat, len);
	return CUDA_SUCCESS;
}

void gvg_host_arrays_done(struct gvw_call *c, unsigned char *pk, uint64_t len, int back)
{
	if (pk && len && back)
		gvg_bulk_unstage(c, pk);
	free(pk);
}

int gvg_host_work(struct gvw_call *c, size_t len, void **out)
{
	*out = NULL;
	if (!len)
		return CUDA_SUCCESS;
	if (len > GVG_HOST_WORK_MAX) {
		gvw_log(GVW_WARN, "session %u: a host workspace of %zu bytes is past the limit",
			c->s->id, len);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	*out = calloc(1, len);
	return *out ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}
