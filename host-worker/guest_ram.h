/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM shared with a session's worker process (the data plane).
 * QEMU backs guest RAM with shareable memory (memory-backend-memfd,
 * share=on); it hands a new worker the memory's descriptors and the
 * guest-physical layout, and from then on sends page lists instead of
 * bytes (frame.h, GUEST_PAGES).  The worker maps the memory once and
 * translates and bounds-checks each page list itself: a page outside the
 * ranges it was given is refused, never followed.
 */
#ifndef GVIRTUS_GUEST_RAM_H
#define GVIRTUS_GUEST_RAM_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "virtio_gvirtus.h"

#define GVW_GUEST_RAM_MAX_RANGES 16
/* A worker's guest-RAM descriptors: from this number on, one per distinct fd. */
#define GVW_GUEST_RAM_FIRST_FD 5

/* One range of guest-physical memory and where its bytes are in a file. */
struct gvw_guest_ram_range {
	uint64_t gpa, len;   /* page-aligned */
	int fd;		     /* the parent's descriptor, or the worker's number */
	uint64_t fd_offset;  /* page-aligned */
	unsigned char *host; /* in the worker: the mapping of the range */
};

struct gvw_guest_ram {
	unsigned int n;
	struct gvw_guest_ram_range r[GVW_GUEST_RAM_MAX_RANGES];
};

/*
 * The --guest-ram argument for a worker (GPA:LEN:FD:OFFSET,... in hex,
 * with each distinct parent fd renumbered from GVW_GUEST_RAM_FIRST_FD in
 * order of first use) and the parent fds in that order (fds[k] becomes
 * GVW_GUEST_RAM_FIRST_FD + k).  Returns the number of fds, or -1 if the
 * spec does not fit.
 */
int gvw_guest_ram_spec(const struct gvw_guest_ram *g, char *spec, size_t spec_len,
		       int fds[GVW_GUEST_RAM_MAX_RANGES]);

/*
 * In the worker: parses spec, checks each range against its file's size,
 * maps it shared, and closes the descriptors.  0, or -1 with err saying
 * what is wrong (nothing stays mapped).
 */
int gvw_guest_ram_map(const char *spec, struct gvw_guest_ram *g, char *err, size_t err_len);
void gvw_guest_ram_unmap(struct gvw_guest_ram *g);

/*
 * The pieces of a GUEST_PAGES run: len bytes from offset into pages[0]
 * (host-order addresses), with adjacent pages merged.  npages must be
 * exactly the pages those bytes touch, and every page must lie whole in
 * one range.  *out (at most npages pieces) is the caller's to free.
 * 0, or -1 when the list is refused (logged).
 */
int gvw_guest_ram_pieces(const struct gvw_guest_ram *g, uint32_t offset, uint64_t len,
			 const uint64_t *pages, uint32_t npages, struct gv_frame_piece **out,
			 unsigned int *nout);

/* Pages a run of len bytes from offset into its first page touches. */
static inline uint64_t gvw_guest_ram_npages(uint32_t offset, uint64_t len)
{
	return len ? (offset + len + GV_PAGE_SIZE - 1) / GV_PAGE_SIZE : 0;
}

#endif
