/* SPDX-License-Identifier: MIT */
/*
 * The receiving end of frame.h: a request frame read into buffers, and
 * the reply written.  A worker process serves QEMU with it and
 * gvirtus-backend serves TCP clients; the peer is never trusted.
 */
#ifndef GVIRTUS_FRAME_IO_H
#define GVIRTUS_FRAME_IO_H

#include "frame.h"
#include "gvirtus_worker.h"
#include "sockstream.h"

struct gvw_frame_in {
	struct gv_frame_req h;
	struct gv_frame_piece iov[GV_FRAME_MAX_BULK]; /* one buffer per bulk run */
	struct gvw_bulk bulk[GV_FRAME_MAX_BULK];
};

/*
 * Reads one request frame; its messages go to msg (GV_FRAME_MAX_MSG
 * bytes).  1: a frame; 0: the peer closed; -1: malformed or cut short
 * (logged).  A frame read must be freed with gvw_frame_free.
 */
int gvw_frame_recv(struct gv_stream *st, struct gvw_frame_in *in, unsigned char *msg);
void gvw_frame_free(struct gvw_frame_in *in);
/* Writes the reply: header, responses, then the from-host runs of in. */
int gvw_frame_reply(struct gv_stream *st, uint64_t allocs, uint64_t bytes, const void *resp,
		    uint32_t resp_len, const struct gvw_frame_in *in);

#endif
