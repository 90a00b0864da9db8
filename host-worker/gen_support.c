/* SPDX-License-Identifier: MIT */
/* The checks of host-worker/gen_support.h, shared by every generated call. */
#include "gen_support.h"

#include <stdatomic.h>

#include "log.h"

void gvg_cuda_fns_resolve(struct gvg_cuda_fns *t, void *(*sym)(void *lib, const char *name),
			  void *lib)
{
#define GVG_FN_LOAD(name, ret, params) t->name = (gvg_fn_##name)sym(lib, #name);
	GVG_CUDA_FNS(GVG_FN_LOAD)
#undef GVG_FN_LOAD
}

int gvg_enter_api(struct gvw_call *c, unsigned int api, const char *plugins, int present,
		  const char *name)
{
	static atomic_flag warned_missing;
	static atomic_uint warned_apis; /* once per API left out */
	unsigned int apis = c->s->w->cfg.apis;

	if (apis && !(apis & api)) {
		if (!(atomic_fetch_or(&warned_apis, api) & api))
			gvw_log(GVW_WARN,
				"session %u: %s refused: this endpoint's \"plugins\" in "
				"properties.json leave out %s",
				c->s->id, name, plugins);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	if (!present) {
		/* One line per process is enough to name the gap. */
		if (!atomic_flag_test_and_set(&warned_missing))
			gvw_log(GVW_WARN,
				"session %u: %s is not available from executor %s "
				"(not supported)",
				c->s->id, name, gvw_ex(c)->name);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	return gvw_enter_device(c);
}

int gvg_enter(struct gvw_call *c, int present, const char *name)
{
	/* The runtime reaches these calls too (as NVIDIA's runs through its
	 * driver), so either API served is enough; cuInit in the guest keeps
	 * a runtime-only endpoint's driver API closed. */
	return gvg_enter_api(c, GV_API_CUDADR | GV_API_CUDART, "both \"cudart\" and \"cudadr\"",
			     present, name);
}

int gvg_stream(struct gvw_call *c, uint64_t h, void **out)
{
	return gvw_stream_of(c, h, out) ? CUDA_ERROR_INVALID_HANDLE : CUDA_SUCCESS;
}

int gvg_handle(struct gvw_call *c, uint64_t h, enum gvw_handle_kind kind, void **out)
{
	struct gvw_handle_slot *slot;

	*out = NULL;
	if (h == 0)
		return CUDA_SUCCESS; /* NULL: the driver gives its own answer */
	slot = gvw_handle_get(&c->s->handles, h, kind);
	if (!slot) {
		gvw_log(GVW_DEBUG, "session %u: handle 0x%llx is not a live one of kind %d",
			c->s->id, (unsigned long long)h, kind);
		return CUDA_ERROR_INVALID_HANDLE;
	}
	/* A kernel's slot holds what the runtime's ops keep about it. */
	*out = kind == GVW_H_FUNCTION ? ((struct gvw_function *)slot->obj)->exec : slot->obj;
	return CUDA_SUCCESS;
}

int gvg_device(struct gvw_call *c, int32_t dev, CUdevice *out)
{
	struct gvw_session *s = c->s;

	if (dev == -1)
		dev = c->dev;
	if (dev < 0 || dev >= s->device_count)
		return CUDA_ERROR_INVALID_DEVICE;
	*out = s->host_dev[dev];
	return CUDA_SUCCESS;
}

int32_t gvg_device_out(struct gvw_call *c, CUdevice dev)
{
	struct gvw_session *s = c->s;
	int i;

	for (i = 0; i < s->device_count; i++)
		if (s->host_dev[i] == dev)
			return i;
	return -1;
}

int gvg_context(struct gvw_call *c, int32_t dev, CUcontext *out)
{
	int saved = c->dev, e;

	if (dev == -1)
		dev = c->dev;
	if (dev < 0 || dev >= c->s->device_count)
		return CUDA_ERROR_INVALID_CONTEXT;
	c->dev = dev;
	e = gvw_enter_device(c);
	*out = c->ctx;
	/* Back to the caller's device, whose context the call runs in. */
	c->dev = saved;
	if (!e)
		e = gvw_enter_device(c);
	return e;
}

int gvg_devptr(struct gvw_call *c, uint64_t ptr, uint64_t len)
{
	if (ptr == 0)
		return CUDA_SUCCESS; /* the driver's own answer to NULL */
	if (!gvw_alloc_find_range(&c->s->allocs, ptr, len ? len : 1)) {
		gvw_log(GVW_DEBUG, "session %u: 0x%llx+%llu is not in the session's memory",
			c->s->id, (unsigned long long)ptr, (unsigned long long)len);
		return CUDA_ERROR_INVALID_VALUE;
	}
	return CUDA_SUCCESS;
}

int gvg_alloc_room(struct gvw_call *c, uint64_t size)
{
	return gvw_device_room(c->s, size) ? CUDA_ERROR_OUT_OF_MEMORY : CUDA_SUCCESS;
}

int gvg_alloc_new(struct gvw_call *c, CUdeviceptr p, uint64_t size)
{
	struct gvw_alloc a = {.base = p, .size = size};

	if (p == 0 || size == 0)
		return CUDA_SUCCESS; /* nothing the guest can address */
	return gvw_track(c, &a) ? CUDA_ERROR_OUT_OF_MEMORY : CUDA_SUCCESS;
}

int gvg_alloc_freeable(struct gvw_call *c, uint64_t ptr)
{
	struct gvw_alloc *a = gvw_alloc_find_base(&c->s->allocs, ptr);

	if (!a)
		a = gvw_graph_alloc_at(c->s, ptr);
	if (!a || !gvw_alloc_owned(a)) {
		gvw_log(GVW_DEBUG, "session %u: 0x%llx is not an allocation of the session",
			c->s->id, (unsigned long long)ptr);
		return CUDA_ERROR_INVALID_VALUE;
	}
	return CUDA_SUCCESS;
}

void gvg_alloc_forget(struct gvw_call *c, uint64_t ptr)
{
	struct gvw_alloc *a = gvw_alloc_find_base(&c->s->allocs, ptr);

	if (!a)
		return;
	/* The driver freed the memory; what the executor keeps beside it
	 * (the CPU double's host buffer) goes too. */
	if (a->priv)
		gvw_ex(c)->mem_free(c->ctx, a);
	gvw_untrack(c->s, a);
}

int gvg_location(struct gvw_call *c, CUmemLocation *l)
{
	CUdevice d;
	int e;

	if (l->type != CU_MEM_LOCATION_TYPE_DEVICE)
		return CUDA_SUCCESS; /* the host's memory, or a type the driver refuses */
	e = gvg_device(c, l->id, &d);
	if (!e)
		l->id = d;
	return e;
}

int gvg_location_out(struct gvw_call *c, CUmemLocation *l)
{
	int32_t d;

	if (l->type != CU_MEM_LOCATION_TYPE_DEVICE)
		return CUDA_SUCCESS;
	d = gvg_device_out(c, l->id);
	if (d < 0)
		return CUDA_ERROR_INVALID_DEVICE; /* a device this guest does not see */
	l->id = d;
	return CUDA_SUCCESS;
}

int gvg_access_window(struct gvw_call *c, int attr, const void *value)
{
	CUaccessPolicyWindow w;

	if (attr != CU_LAUNCH_ATTRIBUTE_ACCESS_POLICY_WINDOW)
		return CUDA_SUCCESS;
	memcpy(&w, value, sizeof(w));
	/* An empty window resets the stream's: its stale address is no use. */
	if (w.num_bytes == 0)
		return CUDA_SUCCESS;
	return gvg_devptr(c, (uint64_t)(uintptr_t)w.base_ptr, w.num_bytes);
}

int gvg_string(struct gvw_call *c, const char **out)
{
	const char *t = c->tail;

	*out = NULL;
	if (c->tail_len == 0)
		return CUDA_SUCCESS;
	if (t[c->tail_len - 1] != '\0' || memchr(t, 0, c->tail_len) != t + c->tail_len - 1) {
		gvw_log(GVW_WARN, "session %u: string argument is not one terminated string",
			c->s->id);
		return CUDA_ERROR_INVALID_VALUE;
	}
	*out = t;
	return CUDA_SUCCESS;
}

int gvg_bulk(struct gvw_call *c, uint32_t dir, uint64_t len, void **out, int *staged)
{
	*staged = 0;
	*out = NULL;
	if (len == 0 && !c->bulk)
		return CUDA_SUCCESS;
	if (!gvw_bulk_ok(c, dir, len))
		return CUDA_ERROR_INVALID_VALUE;
	*out = gvw_bulk_flat(c->bulk, staged);
	return *out ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

void gvg_bulk_unstage(struct gvw_call *c, const void *flat)
{
	gvw_bulk_scatter(c->bulk, flat);
}

uint64_t gvg_handle_find(struct gvw_call *c, enum gvw_handle_kind kind, void *obj)
{
	struct gvw_handles *t = &c->s->handles;
	uint32_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].kind == kind && t->v[i].obj == obj && t->v[i].device == c->dev)
			return gvw_handle_of(t, &t->v[i]);
	return 0;
}

uint64_t gvg_handle_new(struct gvw_call *c, enum gvw_handle_kind kind, void *obj)
{
	uint64_t h = gvg_handle_find(c, kind, obj);

	/*
	 * Calls that return an object that exists already (a graph's node, a
	 * device's default pool) give the handle it has: one object, one
	 * handle, however often it is asked for.  A scan of the session's own
	 * table, which its quota bounds; objects made anew are not found.
	 */
	return h ? h : gvw_handle_add(c, kind, obj, 0);
}

void gvg_handle_forget(struct gvw_call *c, uint64_t h, enum gvw_handle_kind kind)
{
	struct gvw_handle_slot *slot = gvw_handle_get(&c->s->handles, h, kind);

	if (slot)
		gvw_handle_drop(c->s, slot);
}

int gvg_arrays(struct gvw_call *c, uint64_t count, uint64_t elem_bytes)
{
	if (count > GV_MAX_ARRAY || c->tail_len != gvg_mul(count, elem_bytes)) {
		gvw_log(GVW_WARN,
			"session %u: arrays of %llu elements do not match the %u bytes sent",
			c->s->id, (unsigned long long)count, c->tail_len);
		return CUDA_ERROR_INVALID_VALUE;
	}
	return CUDA_SUCCESS;
}

/*
 * Whether count elements of size bytes lie in the tail from *at. The
 * handler has checked the whole tail with gvg_arrays already; this keeps
 * each read inside it on its own, whatever a handler forgot.
 */
static int gvg_tail_holds(struct gvw_call *c, uint32_t at, uint64_t count, uint64_t size)
{
	if (count <= GV_MAX_ARRAY && at <= c->tail_len &&
	    gvg_mul(count, size) <= (uint64_t)(c->tail_len - at))
		return 1;
	gvw_log(GVW_WARN, "session %u: an array of %llu elements runs past the %u bytes sent",
		c->s->id, (unsigned long long)count, c->tail_len);
	return 0;
}

int gvg_handle_array(struct gvw_call *c, uint32_t *at, uint64_t count, enum gvw_handle_kind kind,
		     void **out)
{
	const unsigned char *t = (const unsigned char *)c->tail + *at;
	void **v;
	uint64_t i, h;
	int e = CUDA_SUCCESS;

	*out = NULL;
	if (!count)
		return CUDA_SUCCESS;
	if (!gvg_tail_holds(c, *at, count, 8))
		return CUDA_ERROR_INVALID_VALUE;
	v = calloc(count, sizeof(*v));
	if (!v)
		return CUDA_ERROR_OUT_OF_MEMORY;
	for (i = 0; i < count && !e; i++) {
		memcpy(&h, t + i * 8, 8);
		e = gvg_handle(c, h, kind, &v[i]);
	}
	*at += (uint32_t)(count * 8);
	if (e)
		free(v);
	else
		*out = v;
	return e;
}

int gvg_pod_array(struct gvw_call *c, uint32_t *at, uint64_t count, size_t size, void **out)
{
	*out = NULL;
	if (!count)
		return CUDA_SUCCESS;
	if (!gvg_tail_holds(c, *at, count, size))
		return CUDA_ERROR_INVALID_VALUE;
	*out = malloc(count * size);
	if (!*out)
		return CUDA_ERROR_OUT_OF_MEMORY;
	memcpy(*out, (const unsigned char *)c->tail + *at, count * size);
	*at += (uint32_t)(count * size);
	return CUDA_SUCCESS;
}

struct gvw_handle_slot *gvg_raw_slot(struct gvw_call *c, uint64_t v, enum gvw_handle_kind kind)
{
	struct gvw_handles *t = &c->s->handles;
	uint32_t i;

	for (i = 0; v && i < t->n; i++)
		if (t->v[i].kind == kind && (uint64_t)(uintptr_t)t->v[i].obj == v)
			return &t->v[i];
	return NULL;
}

int gvg_raw_add(struct gvw_call *c, enum gvw_handle_kind kind, uint64_t v)
{
	return gvw_handle_add(c, kind, (void *)(uintptr_t)v, 0) ? 0 : CUDA_ERROR_OUT_OF_MEMORY;
}

void gvg_raw_forget(struct gvw_call *c, uint64_t v, enum gvw_handle_kind kind)
{
	struct gvw_handle_slot *slot = gvg_raw_slot(c, v, kind);

	if (slot)
		gvw_handle_drop(c->s, slot);
}

/*
 * A graph's objects, found before it is destroyed: its nodes, and the
 * graphs of its child-graph nodes (which the parent owns), recursively.
 * Sorted, so that the table is walked once to drop their slots.
 */
static _Thread_local struct {
	void **v;
	size_t n, cap;
} doomed;

#define DOOM_MAX   (1u << 20) /* objects of one graph looked at, at most */
#define DOOM_DEPTH 16	      /* child graphs within child graphs */

static int doom_add(void *obj)
{
	if (doomed.n == doomed.cap) {
		size_t cap = doomed.cap ? 2 * doomed.cap : 64;
		void **v = cap <= DOOM_MAX ? realloc(doomed.v, cap * sizeof(*v)) : NULL;

		if (!v)
			return -1;
		doomed.v = v;
		doomed.cap = cap;
	}
	doomed.v[doomed.n++] = obj;
	return 0;
}

static int doom_graph(struct gvw_call *c, CUgraph g, int depth)
{
	const struct gvg_cuda_fns *t = gvw_ex(c)->cuda_fns;
	CUgraphNode *nodes;
	size_t n = 0, i;
	int e = 0;

	if (!t->cuGraphGetNodes)
		return 0; /* a driver without it: nothing can be listed, as before */
	if (depth > DOOM_DEPTH || t->cuGraphGetNodes(g, NULL, &n) || n > DOOM_MAX)
		return -1;
	nodes = calloc(n ? n : 1, sizeof(*nodes));
	if (!nodes || (n && t->cuGraphGetNodes(g, nodes, &n))) {
		free(nodes);
		return -1;
	}
	for (i = 0; i < n && !e; i++) {
		CUgraphNodeType type;
		CUgraph child;

		const struct gvw_cond_node *cn = gvg_cond_node_of(c, nodes[i]);

		e = doom_add(nodes[i]);
		if (!e && t->cuGraphNodeGetType && !t->cuGraphNodeGetType(nodes[i], &type) &&
		    type == CU_GRAPH_NODE_TYPE_GRAPH && t->cuGraphChildGraphNodeGetGraph &&
		    !t->cuGraphChildGraphNodeGetGraph(nodes[i], &child))
			e = doom_add(child) || doom_graph(c, child, depth + 1);
		/* A conditional node's bodies go with it too. */
		for (uint32_t k = 0; !e && cn && k < cn->n; k++)
			e = doom_add(cn->graphs[k]) || doom_graph(c, cn->graphs[k], depth + 1);
	}
	free(nodes);
	return e;
}

static int by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

	return x < y ? -1 : x > y;
}

/* The conditional node a node's destruction takes away, if it is one. */
static _Thread_local void *cond_node_gone;

int gvg_graph_doom(struct gvw_call *c, CUgraph g)
{
	doomed.n = 0;
	cond_node_gone = NULL;
	if (!g)
		return CUDA_SUCCESS; /* the driver's own answer to NULL */
	if (doom_graph(c, g, 0)) {
		/* Unknown objects would stay behind: refuse rather than risk it. */
		gvw_log(GVW_WARN,
			"session %u: cuGraphDestroy refused: the graph's nodes could "
			"not be listed",
			c->s->id);
		doomed.n = 0;
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	if (doomed.n)
		qsort(doomed.v, doomed.n, sizeof(*doomed.v), by_address);
	return CUDA_SUCCESS;
}

int gvg_node_doom(struct gvw_call *c, CUgraphNode node)
{
	const struct gvw_cond_node *cn = gvg_cond_node_of(c, node);
	int e = 0;

	doomed.n = 0;
	cond_node_gone = cn ? node : NULL;
	for (uint32_t k = 0; !e && cn && k < cn->n; k++)
		e = doom_add(cn->graphs[k]) || doom_graph(c, cn->graphs[k], 0);
	if (e) {
		doomed.n = 0;
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	if (doomed.n)
		qsort(doomed.v, doomed.n, sizeof(*doomed.v), by_address);
	return CUDA_SUCCESS;
}

void gvg_graph_forget_doomed(struct gvw_call *c)
{
	struct gvw_handles *t = &c->s->handles;
	uint32_t i;

	if (cond_node_gone) {
		gvg_cond_node_forget(c, cond_node_gone);
		cond_node_gone = NULL;
	}
	for (i = 0; doomed.n && i < t->n; i++) {
		struct gvw_handle_slot *s = &t->v[i];

		if ((s->kind == GVW_H_GRAPH_NODE || s->kind == GVW_H_GRAPH) &&
		    bsearch(&s->obj, doomed.v, doomed.n, sizeof(*doomed.v), by_address)) {
			if (s->kind == GVW_H_GRAPH_NODE)
				gvg_cond_node_forget(c, s->obj);
			gvw_handle_drop(c->s, s);
		}
	}
	doomed.n = 0;
}

/* One location's id of a managed range, as the guest numbers devices. */
static int range_id_out(struct gvw_call *c, int *id)
{
	int32_t d;

	if (*id < 0)
		return CUDA_SUCCESS; /* CU_DEVICE_CPU, CU_DEVICE_INVALID */
	d = gvg_device_out(c, *id);
	if (d < 0)
		return CUDA_ERROR_INVALID_DEVICE; /* a device this guest does not see */
	*id = d;
	return CUDA_SUCCESS;
}

int gvg_range_attr_out(struct gvw_call *c, void *data, size_t size, CUmem_range_attribute attr,
		       CUdeviceptr p, size_t count)
{
	const struct gvg_cuda_fns *t = gvw_ex(c)->cuda_fns;
	CUmem_range_attribute type_attr;
	int type = 0, *v = data;
	size_t i;
	int e = CUDA_SUCCESS;

	switch (attr) {
	case CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION:
	case CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION:
	case CU_MEM_RANGE_ATTRIBUTE_ACCESSED_BY:
		/* Device ordinals, or CU_DEVICE_CPU and CU_DEVICE_INVALID. */
		for (i = 0; i + sizeof(int) <= size && !e; i += sizeof(int))
			e = range_id_out(c, &v[i / sizeof(int)]);
		return e;
	case CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION_ID:
		type_attr = CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION_TYPE;
		break;
	case CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION_ID:
		type_attr = CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION_TYPE;
		break;
	default:
		return CUDA_SUCCESS; /* no device in it */
	}
	/* An id is a device's only when its location's type says so. */
	if (size < sizeof(int))
		return CUDA_SUCCESS;
	e = (int)t->cuMemRangeGetAttribute(&type, sizeof(type), type_attr, p, count);
	if (!e && type == CU_MEM_LOCATION_TYPE_DEVICE)
		e = range_id_out(c, v);
	return e;
}
