/* SPDX-License-Identifier: MIT */
/*
 * The client side of frame.h's framing, once for its two clients: the
 * guest library's TCP transport to gvirtus-backend, and the host's
 * relay from QEMU or gvirtus-backend to a session's worker process.
 * Each brings its byte stream (plain, TLS, or one that watches another
 * socket while it waits) as two functions.
 */
#ifndef GVIRTUS_FRAME_CLIENT_H
#define GVIRTUS_FRAME_CLIENT_H

#include <stddef.h>
#include <sys/uio.h>

#include "frame.h"

struct gv_frame_io {
	/* Write every byte of iov, or fail: 0 or -1 (errno set). */
	int (*writev)(void *ctx, struct iovec *iov, int n);
	/* Read exactly len bytes, or fail: 0 or -1 (errno set). */
	int (*read)(void *ctx, void *buf, size_t len);
	void *ctx;
};

/*
 * One bulk buffer of a request: its pieces, in order; or, with pages set,
 * a GUEST_PAGES run (frame.h): npages le64 guest-physical addresses (any
 * alignment), len bytes from page_offset into the first, and no pieces.
 */
struct gv_frame_buf {
	const struct gv_frame_piece *piece;
	unsigned int npieces;
	uint64_t len; /* the pieces' sum */
	uint32_t dir; /* GV_BULK_* */
	const void *pages;
	uint32_t npages;
	uint32_t page_offset;
};

#define GV_FRAME_EIO	(-1) /* the stream failed (errno says why) */
#define GV_FRAME_EPROTO (-2) /* the reply is not one: the stream is unusable */
#define GV_FRAME_EFAULT (-3) /* GV_FRAME_STATUS_FAULT: nothing ran; the stream is fine */

/*
 * One request frame and its reply: *h with magic, msg_len, nbulk and the
 * caller's resp_cap and vm filled in; the messages; the bulk buffers (the
 * to-host ones are sent, the from-host ones filled).  The responses go to
 * resp (resp_cap bytes), the reply header to *rh.  0, GV_FRAME_EIO,
 * GV_FRAME_EFAULT or GV_FRAME_EPROTO (any other nonzero status included).
 */
int gv_frame_call(const struct gv_frame_io *io, const struct gv_frame_req *h, const void *msg,
		  const struct gv_frame_buf *bufs, void *resp, size_t resp_cap,
		  struct gv_frame_reply *rh);

#endif
