/* SPDX-License-Identifier: MIT */
/*
 * The session mailbox: a request path without QEMU's main loop and without
 * a syscall per call (the data plane's fast path).
 *
 * gvirtus.ko gives each open file that maps /dev/gvirtus a mailbox of
 * GV_MBOX_SIZE bytes of physically contiguous guest RAM and tells the
 * device its guest-physical address (GV_VQ_F_MBOX_ATTACH).  The session's
 * worker process reaches the same bytes through the guest RAM QEMU shares
 * with it, and polls while the session is busy.  The guest library writes
 * a request's protocol messages (no bulk buffers: those still go through
 * GV_IOC_CALL, whose pages gvirtus.ko pins), publishes req_seq, and spins
 * on done_seq; a side that waits long sleeps, and GV_IOC_MBOX_WAIT (a
 * virtqueue request) wakes the worker and returns once the answer is in,
 * or after a bounded time, so a doorbell and an interrupt are paid only
 * when one side slept.
 *
 * One request is in the mailbox at a time.  Either side may write
 * anything at any time: the worker copies a request out before it looks
 * at it, bounds req_len and resp_cap itself, and the guest library bounds
 * resp_len.  Fields are little-endian, and each side writes only its own
 * cache line of the control block.
 */
#ifndef GVIRTUS_MAILBOX_H
#define GVIRTUS_MAILBOX_H

#include "virtio_gvirtus.h"

#define GV_MBOX_ORDER	 5 /* 2^5 pages */
#define GV_MBOX_SIZE	 (GV_PAGE_SIZE << GV_MBOX_ORDER)
#define GV_MBOX_REQ_OFF	 GV_PAGE_SIZE
#define GV_MBOX_REQ_MAX	 (GV_MBOX_SIZE / 2 - GV_PAGE_SIZE)
#define GV_MBOX_RESP_OFF (GV_MBOX_SIZE / 2)
#define GV_MBOX_RESP_MAX (GV_MBOX_SIZE / 2)

/* The first page of the mailbox. */
struct gv_mbox_ctl {
	/* The guest's line. */
	gv_le32 req_seq;  /* a new value: the request is in */
	gv_le32 req_len;  /* protocol bytes at GV_MBOX_REQ_OFF */
	gv_le32 resp_cap; /* room the caller has for the responses */
	gv_le32 guest_reserved[13];
	/* The worker's line. */
	gv_le32 done_seq;    /* the request of this seq is answered */
	gv_le32 resp_len;    /* response bytes at GV_MBOX_RESP_OFF */
	gv_le32 status;	     /* GV_MBOX_* */
	gv_le32 worker_idle; /* 1: the worker sleeps; a WAIT wakes it */
	gv_le32 worker_reserved[12];
};

#ifndef __KERNEL__
#include <endian.h>
#include <stdint.h>
#include <time.h>

/* Both sides' reads and writes of the control block, and their spin clock. */
static inline uint32_t gv_mbox_load(const gv_le32 *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline void gv_mbox_store(gv_le32 *p, uint32_t v)
{
	__atomic_store_n(p, htole32(v), __ATOMIC_RELEASE);
}

static inline uint64_t gv_mbox_now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}
#endif

#define GV_MBOX_OK	0u
#define GV_MBOX_EBADREQ 1u /* req_len past GV_MBOX_REQ_MAX; nothing ran */

#endif
