/* SPDX-License-Identifier: MIT */
/*
 * A session's device allocations, sorted by base address.  Every device
 * address a guest sends is resolved here before the executor sees it: a
 * guest value is never used as a pointer, and a range must lie inside one
 * allocation of this session.
 */
#ifndef GVIRTUS_ALLOC_TABLE_H
#define GVIRTUS_ALLOC_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct gvw_alloc {
	uint64_t base;
	uint64_t size;
	int device;
	int symbol;	 /* a module's global: not the guest's to free */
	int reserved;	 /* a cuMemAddressReserve range: addresses, no memory */
	void *graph;	 /* a graph's allocation node's: its address lives with the graph */
	uint32_t ipc;	 /* another session's, opened this many times (IPC): not charged */
	uint64_t module; /* a global's module handle: it goes when that unloads */
	void *priv;	 /* executor's own (host buffer for the CPU double) */
	void *cpu;	 /* managed memory: where this process's CPU reaches it; else NULL */
};

struct gvw_alloc_table {
	struct gvw_alloc *v;
	size_t n, cap;
	uint64_t bytes;
};

/*
 * Memory the guest allocated and may free, and that its device bytes
 * count: not a module's global, a reserved range or another session's.
 */
static inline int gvw_alloc_owned(const struct gvw_alloc *a)
{
	return !a->symbol && !a->reserved && !a->ipc;
}

/* Bytes the table would allocate for its next insert (0: room exists). */
size_t gvw_alloc_grow_bytes(const struct gvw_alloc_table *t);
/* 0, or -1 when out of memory or the range overlaps an entry. */
int gvw_alloc_insert(struct gvw_alloc_table *t, const struct gvw_alloc *a);
/* The allocation starting exactly at base, or NULL. */
struct gvw_alloc *gvw_alloc_find_base(struct gvw_alloc_table *t, uint64_t base);
/* The allocation containing [addr, addr + len), or NULL; len may be 0. */
struct gvw_alloc *gvw_alloc_find_range(struct gvw_alloc_table *t, uint64_t addr, uint64_t len);
void gvw_alloc_remove(struct gvw_alloc_table *t, struct gvw_alloc *a);
void gvw_alloc_table_free(struct gvw_alloc_table *t);

#endif
