/* SPDX-License-Identifier: MIT */
/*
 * A session's handle table: modules, functions, streams and events.  The
 * guest holds opaque values (index, generation and kind packed together)
 * that are checked on every use, so a stale, forged or wrong-kind handle
 * is refused instead of reaching the driver.  Free slots are kept on a
 * list, so a new handle costs the same however full the table is.
 */
#ifndef GVIRTUS_HANDLES_H
#define GVIRTUS_HANDLES_H

#include <stddef.h>
#include <stdint.h>

#include "gen/cublasLt_driver_fns.h"
#include "gen/cublas_driver_fns.h"
#include "gen/cuda_driver_fns.h"
#include "gen/cudnn_driver_fns.h"
#include "gen/cufft_driver_fns.h"
#include "gen/curand_driver_fns.h"
#include "gen/cusolver_driver_fns.h"
#include "gen/cusparse_driver_fns.h"

enum gvw_handle_kind {
	GVW_H_MODULE = 1,
	GVW_H_FUNCTION = 2,
	GVW_H_STREAM = 3,
	GVW_H_EVENT = 4,
/* The generated libraries' object kinds (gen/annot_*.py). */
#define GVG_KIND(k) GVW_H_##k,
	GVG_CUDA_KINDS(GVG_KIND) GVG_CURAND_KINDS(GVG_KIND) GVG_CUBLAS_KINDS(GVG_KIND)
	    GVG_CUFFT_KINDS(GVG_KIND) GVG_CUBLASLT_KINDS(GVG_KIND) GVG_CUSPARSE_KINDS(GVG_KIND)
		GVG_CUSOLVER_KINDS(GVG_KIND) GVG_CUDNN_KINDS(GVG_KIND)
#undef GVG_KIND
		    GVW_H_KIND_LIMIT
};
#define GVW_HANDLE_KIND_BITS 8
_Static_assert(GVW_H_KIND_LIMIT <= (1 << GVW_HANDLE_KIND_BITS), "handle kinds fit their bits");

struct gvw_handle_slot {
	uint32_t gen; /* bumped when reused; 0 never used */
	uint8_t kind; /* 0: free */
	int device;
	uint32_t next_free; /* while free: index + 1 of the next free slot, or 0 */
	uint64_t bytes;	    /* what the object was charged to the session */
	void *obj;
	/* Host memory kept with the object, freed with its slot (cuSOLVER's
	 * info objects' host workspaces); its size is in bytes. */
	void *aux;
	/* A size kept with the object (cuSOLVER's csrlu info: its order + 1). */
	int64_t aux_dim;
};

struct gvw_handles {
	struct gvw_handle_slot *v;
	uint32_t n, cap;    /* slots ever used, slots allocated */
	uint32_t live;	    /* slots in use */
	uint32_t free_head; /* index + 1 of the first free slot below n, or 0 */
};

/* The table's hard ceiling: the index must fit the handle's 24 bits. */
#define GVW_MAX_HANDLES (1u << 20)

/* A new handle for obj, or 0 when max live handles exist or memory is out. */
uint64_t gvw_handle_new(struct gvw_handles *t, enum gvw_handle_kind kind, int device, void *obj,
			uint32_t max);
/* Bytes the table would allocate for its next new handle (0: room exists). */
size_t gvw_handles_grow_bytes(const struct gvw_handles *t);
/* The live slot h names if it is of that kind, else NULL. */
struct gvw_handle_slot *gvw_handle_get(struct gvw_handles *t, uint64_t h,
				       enum gvw_handle_kind kind);
/* The handle value of a live slot. */
uint64_t gvw_handle_of(const struct gvw_handles *t, const struct gvw_handle_slot *slot);
void gvw_handle_free(struct gvw_handles *t, struct gvw_handle_slot *slot);
void gvw_handles_destroy(struct gvw_handles *t);

#endif
