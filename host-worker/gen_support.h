/* SPDX-License-Identifier: MIT */
/*
 * What the generated host dispatch (host-worker/gen/) calls: every guest
 * value a generated call carries is checked here, once, whichever call
 * carries it.  Each returns a CUresult (equal to the runtime's codes
 * where both exist): 0, or the error the call then returns.
 */
#ifndef GVIRTUS_GEN_SUPPORT_H
#define GVIRTUS_GEN_SUPPORT_H

#include <cuda.h>
#include <stdlib.h>
#include <string.h>

#include "attr_values.h"
#include "gen/cuda_driver_fns.h"
#include "gen/cuda_msgs.h"
#include "handlers.h"

/* The host functions the generated calls run, resolved by the executor. */
#define GVG_FN_TYPE(name, ret, params) typedef ret(*gvg_fn_##name) params;
GVG_CUDA_FNS(GVG_FN_TYPE)
#undef GVG_FN_TYPE
struct gvg_cuda_fns {
#define GVG_FN_FIELD(name, ret, params) gvg_fn_##name name;
	GVG_CUDA_FNS(GVG_FN_FIELD)
#undef GVG_FN_FIELD
};
/* Resolves every function with sym(name); a missing one stays NULL. */
void gvg_cuda_fns_resolve(struct gvg_cuda_fns *t, void *(*sym)(void *lib, const char *name),
			  void *lib);

#define GVG_DRV(c, LIB, name) (gvw_ex(c)->LIB##_fns->name)
#define GVG_FN(LIB, name)     (gvw_ex(c)->LIB##_fns && gvw_ex(c)->LIB##_fns->name), #name

/* A plain value, copied between its wire field and its C type. Takes the
 * objects, not pointers: a wire field is a packed member, and a typed
 * pointer to it would be unaligned. */
#define GVG_COPY(dst, src)                                                                         \
	do {                                                                                       \
		_Static_assert(sizeof(dst) == sizeof(src), "wire size");                           \
		memcpy(&(dst), &(src), sizeof(dst));                                               \
	} while (0)

/* CUDA_ERROR_NOT_SUPPORTED (logged once per name) unless present; then
 * the caller's device with the session's context on it current. */
int gvg_enter(struct gvw_call *c, int present, const char *name);
/* The same for an API (GV_API_*) whose plugins the log line names. */
int gvg_enter_api(struct gvw_call *c, unsigned int api, const char *plugins, int present,
		  const char *name);
int gvg_stream(struct gvw_call *c, uint64_t h, void **out);
int gvg_handle(struct gvw_call *c, uint64_t h, enum gvw_handle_kind kind, void **out);
/* A guest device ordinal as the host's device; -1: the current one. */
int gvg_device(struct gvw_call *c, int32_t dev, CUdevice *out);
/*
 * cuMemRangeGetAttribute's value with the host's device ordinals made the
 * guest's (a location id only when its type, asked of the driver, is a
 * device).
 */
int gvg_range_attr_out(struct gvw_call *c, void *data, size_t size, CUmem_range_attribute attr,
		       CUdeviceptr p, size_t count);
/* A host device ordinal as the guest's, or -1 if this guest does not see it. */
int32_t gvg_device_out(struct gvw_call *c, CUdevice dev);
/* The session's context on a guest device; -1: the current one. */
int gvg_context(struct gvw_call *c, int32_t dev, CUcontext *out);
/* ptr, unless 0, lies in one of the session's allocations with len bytes
 * (len 0: only ptr itself is checked). */
int gvg_devptr(struct gvw_call *c, uint64_t ptr, uint64_t len);
/*
 * Stream-ordered allocations the generated calls make and free: room for
 * size more bytes; a new allocation tracked (freed again past the limits);
 * whether ptr starts one the guest may free; and forgetting it once freed.
 */
int gvg_alloc_room(struct gvw_call *c, uint64_t size);
int gvg_alloc_new(struct gvw_call *c, CUdeviceptr p, uint64_t size);
int gvg_alloc_freeable(struct gvw_call *c, uint64_t ptr);
void gvg_alloc_forget(struct gvw_call *c, uint64_t ptr);
/*
 * The virtual memory calls' bookkeeping (vmm.c): a physical allocation made
 * (charged, or released again past the limits), checked as the session's,
 * released; a mapping of one added or a range unmapped; a reserved range
 * tracked, checked as one the guest may free (its whole size), forgotten.
 */
int gvg_phys_new(struct gvw_call *c, CUmemGenericAllocationHandle h, uint64_t size);
int gvg_phys_check(struct gvw_call *c, CUmemGenericAllocationHandle h);
void gvg_phys_release(struct gvw_call *c, CUmemGenericAllocationHandle h);
int gvg_vmap_add(struct gvw_call *c, uint64_t ptr, uint64_t size, CUmemGenericAllocationHandle h);
void gvg_vmap_remove(struct gvw_call *c, uint64_t ptr, uint64_t size);
int gvg_reserve_new(struct gvw_call *c, CUdeviceptr p, uint64_t size);
int gvg_reserve_freeable(struct gvw_call *c, uint64_t ptr, uint64_t size);
void gvg_reserve_forget(struct gvw_call *c, uint64_t ptr);
/*
 * Conditional nodes (conds.c): a conditional handle the session made, and
 * the check that a node names one; a conditional node's body graphs
 * recorded, found (for a graph's destruction) and forgotten.
 */
int gvg_cond_handle_new(struct gvw_call *c, uint64_t h);
int gvg_cond_handle_check(struct gvw_call *c, uint64_t h);
int gvg_cond_node_add(struct gvw_call *c, void *node, void *const *graphs, uint32_t n);
const struct gvw_cond_node *gvg_cond_node_of(struct gvw_call *c, const void *node);
void gvg_cond_node_forget(struct gvw_call *c, const void *node);
/* A memory location naming a guest device as the host's (other types pass:
 * host memory, or a type the driver itself refuses). */
int gvg_location(struct gvw_call *c, CUmemLocation *l);
/* The same back: a host device's location as the guest's ordinal. */
int gvg_location_out(struct gvw_call *c, CUmemLocation *l);
/* An access-policy window (attribute attr's value) that names memory names
 * the session's: the L2 hint may not point the GPU at another's. */
int gvg_access_window(struct gvw_call *c, int attr, const void *value);
/* The request's tail as a NUL-terminated string, or NULL if it is empty. */
int gvg_string(struct gvw_call *c, const char **out);
/* The message's bulk buffer, of direction dir and exactly len bytes, as one
 * flat buffer (*staged: a copy, written back by gvg_bulk_unstage). */
int gvg_bulk(struct gvw_call *c, uint32_t dir, uint64_t len, void **out, int *staged);
void gvg_bulk_unstage(struct gvw_call *c, const void *flat);
/*
 * Arrays a call reads travel in the tail, count elements each of sizes
 * adding to elem_bytes: 0 when the tail is exactly that and count is at
 * most GV_MAX_ARRAY.  Then each array in turn, from *at: handles as the
 * driver's objects, plain data copied (aligned); free them after the call.
 */
int gvg_arrays(struct gvw_call *c, uint64_t count, uint64_t elem_bytes);
int gvg_handle_array(struct gvw_call *c, uint32_t *at, uint64_t count, enum gvw_handle_kind kind,
		     void **out);
int gvg_pod_array(struct gvw_call *c, uint32_t *at, uint64_t count, size_t size, void **out);

/*
 * Objects the guest holds by their value (texture and surface objects,
 * 64-bit driver values): each still takes a slot of the session's table,
 * so max_handles counts it.  The slot of value v and kind (or NULL); add
 * one (CUDA_ERROR_OUT_OF_MEMORY past the limit); drop it.
 */
struct gvw_handle_slot *gvg_raw_slot(struct gvw_call *c, uint64_t v, enum gvw_handle_kind kind);
int gvg_raw_add(struct gvw_call *c, enum gvw_handle_kind kind, uint64_t v);
void gvg_raw_forget(struct gvw_call *c, uint64_t v, enum gvw_handle_kind kind);

/* Before cuGraphDestroy: note the graph's nodes and child graphs (an
 * error if they cannot be listed); after it succeeded: drop their slots. */
int gvg_graph_doom(struct gvw_call *c, CUgraph g);
/* The same for one node: a conditional node's bodies go with it. */
int gvg_node_doom(struct gvw_call *c, CUgraphNode node);
void gvg_graph_forget_doomed(struct gvw_call *c);

/*
 * Host shadows for graphs' host copies (shadow.c): after an instantiation,
 * the shadows the executable graph's copy nodes use; after a launch, an
 * event behind it for each shadow it writes; after a destruction, its list
 * forgotten.
 */
int gvg_shadow_exec(struct gvw_call *c, CUgraph g, CUgraphExec exec);
/*
 * Whether exec may be updated from g: not when either copies from or to
 * the guest's host memory (their shadows would have to follow the update).
 */
int gvg_shadow_update_ok(struct gvw_call *c, CUgraph g, CUgraphExec exec);
/*
 * After cuGraphDestroy (graph_mem.c): its nodes' handles go, and its
 * allocation nodes' addresses once no executable graph made from it is
 * left (but those whose memory is still allocated, kept until freed).
 */
void gvg_graph_destroyed(struct gvw_call *c, void *g);
/*
 * After cuGraphInstantiateWithFlags: the shadows' hook, and the executable
 * graph holds the graph's allocation addresses too, until
 * gvg_graph_exec_gone (after cuGraphExecDestroy).
 */
int gvg_graph_instantiated(struct gvw_call *c, CUgraph g, CUgraphExec exec);
void gvg_graph_exec_gone(struct gvw_call *c, CUgraphExec exec);
int gvg_shadow_launched(struct gvw_call *c, CUgraphExec exec, CUstream stream);
void gvg_shadow_exec_forget(struct gvw_call *c, CUgraphExec exec);

/* The handle of an object a call returned (its existing one, if it has one),
 * or 0 past the session's limit. */
uint64_t gvg_handle_new(struct gvw_call *c, enum gvw_handle_kind kind, void *obj);
/* The handle the session has for obj of this kind on the caller's device, or 0. */
uint64_t gvg_handle_find(struct gvw_call *c, enum gvw_handle_kind kind, void *obj);
void gvg_handle_forget(struct gvw_call *c, uint64_t h, enum gvw_handle_kind kind);

/* Saturating arithmetic for the ranges of generated calls. */
static inline uint64_t gvg_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}
static inline uint64_t gvg_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
static inline uint64_t gvg_pitched(uint64_t pitch, uint64_t rows, uint64_t width)
{
	uint64_t r;

	if (!rows)
		return 0;
	r = gvg_mul(pitch, rows - 1);
	return r > UINT64_MAX - width ? UINT64_MAX : r + width;
}

#endif
