/* SPDX-License-Identifier: MIT */
/* One handler per op of calls.def; each returns a cudaError_t. */
#ifndef GVIRTUS_HANDLERS_H
#define GVIRTUS_HANDLERS_H

#include <driver_types.h>

#include "worker_internal.h"

typedef int (*gvw_handler)(struct gvw_call *c);

#define GV_OP(name, num, req, resp, nb, tail) int gvw_h_##name(struct gvw_call *c);
#include "calls.def"
#undef GV_OP

const struct gvw_executor *gvw_ex(struct gvw_call *c);
/* cudaSuccess when the caller's device exists. */
int gvw_valid_device(struct gvw_call *c);
/* The caller's device, with the session's context on it current. */
int gvw_enter_device(struct gvw_call *c);
/* 1 when the message's bulk buffer has this direction and length. */
int gvw_bulk_ok(struct gvw_call *c, uint32_t dir, uint64_t len);
/* Copies len bytes into the guest's buffer at offset (gvw_bulk_ok checked it). */
void gvw_bulk_put(const struct gvw_bulk *b, uint64_t offset, const void *src, size_t len);
/* gvw_enter_device, then the stream h names on that device. */
int gvw_enter_stream(struct gvw_call *c, uint64_t h, void **stream);
/* The key with which the guest's callback session waits for this session's gates. */
uint64_t gvw_gate_key_of(struct gvw_call *c);
/*
 * A host function launched on a stream being captured (host_nodes.c): the
 * graph's host node runs it at each launch; r says no gate was made now.
 */
int gvw_host_fn_capture(struct gvw_call *c, void *stream, uint64_t fn, uint64_t data,
			struct gv_gate_resp *r);
/*
 * The session's host nodes at its end: closed first (before its gates are
 * released, so that graphs still running pass them), then freed once its
 * contexts are gone.
 */
void gvw_host_fns_end(struct gvw_session *s, bool free_them);
/*
 * The graph allocation range holding ptr, or NULL: a graph's ranges that
 * overlap are one entry, so an allocation's own start may lie inside it
 * (the driver checks that ptr is one).
 */
struct gvw_alloc *gvw_graph_alloc_at(struct gvw_session *s, uint64_t ptr);
/* The session's record of graphs with memory nodes (graph_mem.c), at its end. */
void gvw_graph_refs_free(struct gvw_session *s);
/* A contiguous copy of a bulk buffer (*staged: free it), or the buffer. */
void *gvw_bulk_flat(const struct gvw_bulk *b, int *staged);
/* Writes a flat copy back into a bulk buffer's pieces. */
void gvw_bulk_scatter(const struct gvw_bulk *b, const void *flat);
/* The executor's stream for a guest stream value of the caller's device. */
int gvw_stream_of(struct gvw_call *c, uint64_t h, void **out);
/* Refuses size more bytes of device memory past max_device_bytes (0: no limit). */
int gvw_device_room(struct gvw_session *s, uint64_t size);
/* Tracks a new allocation of the caller's device within the session's
 * limits; past them the executor frees it and the error comes back. */
int gvw_track(struct gvw_call *c, struct gvw_alloc *a);
/* size bytes of device memory (managed: of managed memory, cudaMemAttach*
 * flags) within the session's limits, tracked; r its address; nothing
 * for 0 bytes (success, as natively).  The caller's device is entered. */
int gvw_alloc_tracked(struct gvw_call *c, uint64_t size, int managed, unsigned int flags,
		      struct gv_ptr_resp *r);
/* Forgets an allocation the executor has freed. */
void gvw_untrack(struct gvw_session *s, struct gvw_alloc *a);
/*
 * A handle for obj on the caller's device, within the session's limits;
 * bytes (already charged to the session) go back when it is dropped.
 * 0 when refused (logged): the caller returns cudaErrorMemoryAllocation.
 */
uint64_t gvw_handle_add(struct gvw_call *c, enum gvw_handle_kind kind, void *obj, uint64_t bytes);

#endif
