/* SPDX-License-Identifier: MIT */
/*
 * cuDNN's backend SetAttribute and GetAttribute (hand-written, CUDNN_BE_SET
 * and CUDNN_BE_GET) through the guest shim, the wire and the host dispatch
 * into a fake library: the elements arrive as the caller wrote them, with
 * descriptors and the handle as the host's objects; hostile or forged
 * elements never reach the library.
 */
#include <stdint.h>
#include <string.h>

#include "roundtrip_math.h"
#include "worker_internal.h"

/* The host objects the fake library makes, in order. */
static int objects[4];
static int made;
/* What the fakes saw. */
static struct {
	int calls;
	void *desc;
	int name, type;
	int64_t count, requested;
	unsigned char elems[64];
	int had_count, had_array;
} seen;
/* What the fake Get answers. */
static int64_t answer[3] = {7, -9, 1ll << 40};

static cudnnStatus_t fake_create_desc(cudnnBackendDescriptorType_t type,
				      cudnnBackendDescriptor_t *d)
{
	*d = &objects[made++ % 4];
	return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t fake_create(cudnnHandle_t *h)
{
	*h = (cudnnHandle_t)(void *)&objects[3];
	return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t fake_set(cudnnBackendDescriptor_t d, cudnnBackendAttributeName_t name,
			      cudnnBackendAttributeType_t type, int64_t count, const void *elems)
{
	seen.calls++;
	seen.desc = d;
	seen.name = name;
	seen.type = type;
	seen.count = count;
	if (elems && count * 8 <= (int64_t)sizeof(seen.elems))
		memcpy(seen.elems, elems, (size_t)count * 8);
	return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t fake_get(const cudnnBackendDescriptor_t d, cudnnBackendAttributeName_t name,
			      cudnnBackendAttributeType_t type, int64_t requested, int64_t *count,
			      void *elems)
{
	seen.calls++;
	seen.desc = d;
	seen.type = type;
	seen.requested = requested;
	seen.had_count = count != NULL;
	seen.had_array = elems != NULL;
	if (count)
		*count = 3;
	if (type == CUDNN_TYPE_INT64 && elems)
		memcpy(elems, answer, (size_t)(requested < 3 ? requested : 3) * 8);
	if (type == CUDNN_TYPE_BACKEND_DESCRIPTOR && elems && requested * 8 <= 64)
		memcpy(seen.elems, elems, (size_t)requested * 8);
	return CUDNN_STATUS_SUCCESS;
}

static void *host_ptr(const unsigned char *p, int i)
{
	void *v;

	memcpy(&v, p + i * 8, sizeof(v));
	return v;
}

static void set_calls(cudnnBackendDescriptor_t d1, cudnnBackendDescriptor_t d2, cudnnHandle_t h)
{
	const char *fn = "cudnnBackendSetAttribute";
	int64_t vals[3] = {1, -2, 3};
	cudnnBackendDescriptor_t ds[2] = {d2, d1};
	void *ptrs[2] = {(void *)(uintptr_t)rt_devptr, (void *)(uintptr_t)(rt_devptr + 64)};
	void *bad = (void *)(uintptr_t)0x1000;
	cudnnBackendDescriptor_t forged = (cudnnBackendDescriptor_t)(uintptr_t)0x7fff0042;
	cudnnStatus_t e;

	memset(&seen, 0, sizeof(seen));
	e = cudnnBackendSetAttribute(d1, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 3, vals);
	RT_CALL(fn, e == CUDNN_STATUS_SUCCESS, e);
	RT_TRUE(fn, "the descriptor is the host's object", seen.desc == &objects[0]);
	RT_TRUE(fn, "name, type and count arrive",
		seen.name == CUDNN_ATTR_TENSOR_DIMENSIONS && seen.type == CUDNN_TYPE_INT64 &&
		    seen.count == 3);
	RT_SAME(fn, "int64 elements arrive", seen.elems, vals, sizeof(vals));

	e = cudnnBackendSetAttribute(d1, CUDNN_ATTR_OPERATIONGRAPH_OPS,
				     CUDNN_TYPE_BACKEND_DESCRIPTOR, 2, ds);
	RT_CALL(fn, e == CUDNN_STATUS_SUCCESS, e);
	RT_TRUE(fn, "descriptor elements are the host's objects",
		host_ptr(seen.elems, 0) == &objects[1] && host_ptr(seen.elems, 1) == &objects[0]);

	e = cudnnBackendSetAttribute(d1, CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1,
				     &h);
	RT_CALL(fn, e == CUDNN_STATUS_SUCCESS, e);
	RT_TRUE(fn, "a handle element is the host's handle",
		host_ptr(seen.elems, 0) == &objects[3]);

	e = cudnnBackendSetAttribute(d2, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR,
				     2, ptrs);
	RT_CALL(fn, e == CUDNN_STATUS_SUCCESS, e);
	RT_TRUE(fn, "device pointers arrive unchanged",
		host_ptr(seen.elems, 0) == ptrs[0] && host_ptr(seen.elems, 1) == ptrs[1]);

	/* Refused before the library: memory not the session's, a forged
	 * descriptor, a handle where a descriptor belongs, too many elements,
	 * a type gvirtus does not carry. */
	seen.calls = 0;
	e = cudnnBackendSetAttribute(d2, CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1,
				     &bad);
	RT_TRUE(fn, "a pointer outside the session is refused", e == CUDNN_STATUS_BAD_PARAM);
	e = cudnnBackendSetAttribute(d1, CUDNN_ATTR_OPERATIONGRAPH_OPS,
				     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &forged);
	RT_TRUE(fn, "a forged descriptor is refused", e == CUDNN_STATUS_BAD_PARAM);
	e = cudnnBackendSetAttribute(d1, CUDNN_ATTR_OPERATIONGRAPH_OPS,
				     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &h);
	RT_TRUE(fn, "a handle as a descriptor is refused", e == CUDNN_STATUS_BAD_PARAM);
	e = cudnnBackendSetAttribute(forged, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 3,
				     vals);
	RT_TRUE(fn, "a forged target descriptor is refused", e == CUDNN_STATUS_BAD_PARAM);
	e = cudnnBackendSetAttribute(d1, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64,
				     GV_CUDNN_ATTR_MAX / 8 + 1, vals);
	RT_TRUE(fn, "more elements than a request carries", e == CUDNN_STATUS_NOT_SUPPORTED);
	e = cudnnBackendSetAttribute(d1, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, -1, vals);
	RT_TRUE(fn, "a negative count is refused", e == CUDNN_STATUS_BAD_PARAM);
	e = cudnnBackendSetAttribute(d1, CUDNN_ATTR_TENSOR_DIMENSIONS,
				     (cudnnBackendAttributeType_t)999, 1, vals);
	RT_TRUE(fn, "an unknown element type is not supported", e == CUDNN_STATUS_NOT_SUPPORTED);
	RT_TRUE(fn, "nothing refused reached the library", seen.calls == 0);
}

static void get_calls(cudnnBackendDescriptor_t d1, cudnnBackendDescriptor_t d2)
{
	const char *fn = "cudnnBackendGetAttribute";
	int64_t out[4] = {-1, -1, -1, -1}, n = 0;
	cudnnBackendDescriptor_t ds[2] = {d1, d2};
	cudnnBackendDescriptor_t null_ds[1] = {NULL};
	cudnnHandle_t h = NULL;
	cudnnStatus_t e;

	memset(&seen, 0, sizeof(seen));
	e = cudnnBackendGetAttribute(d2, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, &n,
				     out);
	RT_CALL(fn, e == CUDNN_STATUS_SUCCESS, e);
	RT_TRUE(fn, "the count comes back", n == 3);
	RT_SAME(fn, "the elements come back", out, answer, sizeof(answer));
	RT_TRUE(fn, "the descriptor and request arrive",
		seen.desc == &objects[1] && seen.requested == 4 && seen.had_count &&
		    seen.had_array);

	/* More requested than the attribute has, into room for what it has
	 * (cudnn-frontend's numerical notes): the library writes 3, so must
	 * the shim, with or without a count pointer. */
	struct {
		int64_t v[3];
		unsigned char canary[40];
	} room;
	static const unsigned char untouched[40] = {[0 ... 39] = 0x5a};
	for (int with_count = 0; with_count < 2; with_count++) {
		memset(&room, 0x5a, sizeof(room));
		e = cudnnBackendGetAttribute(d2, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 8,
					     with_count ? &n : NULL, room.v);
		RT_CALL(fn, e == CUDNN_STATUS_SUCCESS, e);
		RT_SAME(fn, "the attribute's elements come back", room.v, answer, sizeof(answer));
		RT_SAME(fn, "nothing past the attribute's count is written", room.canary, untouched,
			sizeof(untouched));
	}

	e = cudnnBackendGetAttribute(d2, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 0, &n,
				     NULL);
	RT_CALL(fn, e == CUDNN_STATUS_SUCCESS && n == 3, e);
	RT_TRUE(fn, "a count-only query passes no array", !seen.had_array);

	e = cudnnBackendGetAttribute(d1, CUDNN_ATTR_ENGINEHEUR_RESULTS,
				     CUDNN_TYPE_BACKEND_DESCRIPTOR, 2, &n, ds);
	RT_CALL(fn, e == CUDNN_STATUS_SUCCESS, e);
	RT_TRUE(fn, "the caller's descriptors are the host's objects",
		host_ptr(seen.elems, 0) == &objects[0] && host_ptr(seen.elems, 1) == &objects[1]);
	RT_TRUE(fn, "the caller's descriptors stay as they were", ds[0] == d1 && ds[1] == d2);

	/* A plan's JSON comes back in bulk, past what a request's tail holds. */
	static char json[40000];
	e = cudnnBackendGetAttribute(d2, CUDNN_ATTR_EXECUTION_PLAN_JSON_REPRESENTATION,
				     CUDNN_TYPE_CHAR, sizeof(json), &n, json);
	RT_CALL(fn, e == CUDNN_STATUS_SUCCESS && seen.requested == (int64_t)sizeof(json), e);
	e = cudnnBackendGetAttribute(d2, CUDNN_ATTR_EXECUTION_PLAN_JSON_REPRESENTATION,
				     CUDNN_TYPE_CHAR, GV_CUDNN_ATTR_GET_MAX + 1, &n, json);
	RT_TRUE(fn, "more than a call carries is not supported", e == CUDNN_STATUS_NOT_SUPPORTED);

	seen.calls = 0;
	e = cudnnBackendGetAttribute(d1, CUDNN_ATTR_ENGINEHEUR_RESULTS,
				     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &n, null_ds);
	RT_TRUE(fn, "a NULL descriptor to fill is refused", e == CUDNN_STATUS_BAD_PARAM);
	e = cudnnBackendGetAttribute(d1, CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &n,
				     &h);
	RT_TRUE(fn, "a handle is not carried back", e == CUDNN_STATUS_NOT_SUPPORTED);
	e = cudnnBackendGetAttribute(d1, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, -1, &n,
				     out);
	RT_TRUE(fn, "a negative count is refused", e == CUDNN_STATUS_BAD_PARAM);
	RT_TRUE(fn, "nothing refused reached the library", seen.calls == 0);
}

extern struct gvw_worker *gv_loopback_worker;

static cudnnStatus_t fake_create_tensor(cudnnTensorDescriptor_t *d)
{
	*d = (cudnnTensorDescriptor_t)(void *)&objects[2];
	return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t fake_destroy_desc(cudnnBackendDescriptor_t d)
{
	return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t fake_destroy_tensor(cudnnTensorDescriptor_t d)
{
	return CUDNN_STATUS_SUCCESS;
}

/* Backend descriptors are not held to max_library_objects (cudnn-frontend
 * makes hundreds per plan); legacy descriptors are. */
static void object_limits(struct gvg_cudnn_fns *t)
{
	enum { LIMIT = 8, MANY = 3 * LIMIT };
	uint32_t saved = gv_loopback_worker->limits.max_library_objects;
	cudnnBackendDescriptor_t d[MANY];
	cudnnTensorDescriptor_t td[LIMIT + 1];
	int i, ok = 1, n = 0;

	t->cudnnCreateTensorDescriptor = fake_create_tensor;
	t->cudnnDestroyTensorDescriptor = fake_destroy_tensor;
	t->cudnnBackendDestroyDescriptor = fake_destroy_desc;
	gv_loopback_worker->limits.max_library_objects = LIMIT;
	for (i = 0; i < MANY; i++)
		ok &= cudnnBackendCreateDescriptor(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, &d[i]) ==
		      CUDNN_STATUS_SUCCESS;
	RT_TRUE("cudnnBackendCreateDescriptor", "more than max_library_objects", ok);
	while (n <= LIMIT && cudnnCreateTensorDescriptor(&td[n]) == CUDNN_STATUS_SUCCESS)
		n++;
	/* The session holds other libraries' objects already: the refusal
	 * comes at LIMIT objects in all, maybe before the first of these. */
	RT_TRUE("cudnnCreateTensorDescriptor", "refused past max_library_objects", n <= LIMIT);
	for (i = 0; i < MANY; i++)
		ok &= cudnnBackendDestroyDescriptor(d[i]) == CUDNN_STATUS_SUCCESS;
	for (i = 0; i < n; i++)
		ok &= cudnnDestroyTensorDescriptor(td[i]) == CUDNN_STATUS_SUCCESS;
	RT_TRUE("cudnnBackendDestroyDescriptor", "every one destroyed", ok);
	gv_loopback_worker->limits.max_library_objects = saved;
}

void cudnn_backend_attributes(struct gvg_cudnn_fns *t)
{
	cudnnBackendDescriptor_t d1 = NULL, d2 = NULL;
	cudnnHandle_t h = NULL;
	cudnnStatus_t e;

	rt_result = 0;
	t->cudnnBackendCreateDescriptor = fake_create_desc;
	t->cudnnCreate = fake_create;
	t->cudnnBackendSetAttribute = fake_set;
	t->cudnnBackendGetAttribute = fake_get;
	made = 0;
	e = cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR, &d1);
	if (!e)
		e = cudnnBackendCreateDescriptor(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, &d2);
	if (!e)
		e = cudnnCreate(&h);
	RT_CALL("cudnn_backend_attributes", e == CUDNN_STATUS_SUCCESS && d1 && d2 && h, e);
	if (e)
		return;
	set_calls(d1, d2, h);
	get_calls(d1, d2);
	object_limits(t);
}
