/* SPDX-License-Identifier: MIT */
/*
 * A session's handle table: modules, functions, streams and events.  The
 * guest holds opaque values (index, generation and kind packed together)
 * that are checked on every use, so a stale, forged or wrong-kind handle
 * is refused instead of reaching the driver.
 */
#ifndef GVIRTUS_HANDLES_H
#define GVIRTUS_HANDLES_H

#include <stdint.h>

enum gvw_handle_kind {
	GVW_H_MODULE = 1,
	GVW_H_FUNCTION = 2,
	GVW_H_STREAM = 3,
	GVW_H_EVENT = 4,
};

struct gvw_handle_slot {
	uint32_t gen;		/* bumped when freed; 0 never used */
	uint8_t kind;		/* 0: free */
	int device;
	void *obj;
};

struct gvw_handles {
	struct gvw_handle_slot *v;
	uint32_t n, cap;
};

#define GVW_MAX_HANDLES (1u << 20)

/* A new handle for obj, or 0 when the table is full. */
uint64_t gvw_handle_new(struct gvw_handles *t, enum gvw_handle_kind kind, int device,
			void *obj);
/* The live slot h names if it is of that kind, else NULL. */
struct gvw_handle_slot *gvw_handle_get(struct gvw_handles *t, uint64_t h,
				       enum gvw_handle_kind kind);
void gvw_handle_free(struct gvw_handles *t, struct gvw_handle_slot *slot);
void gvw_handles_destroy(struct gvw_handles *t);

#endif
