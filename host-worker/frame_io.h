/* SPDX-License-Identifier: MIT */
/*
 * The receiving end of frame.h: a request frame read into buffers, and
 * the reply written.  A worker process serves QEMU with it and
 * gvirtus-backend serves TCP clients; the peer is never trusted.
 */
#ifndef GVIRTUS_FRAME_IO_H
#define GVIRTUS_FRAME_IO_H

#include "frame.h"
#include "guest_ram.h"
#include "gvirtus_worker.h"
#include "sockstream.h"

struct gvw_frame_in {
	struct gv_frame_req h;
	struct gv_frame_piece iov[GV_FRAME_MAX_BULK];	 /* one buffer per BYTES run */
	struct gv_frame_piece *pages[GV_FRAME_MAX_BULK]; /* a GUEST_PAGES run's pieces */
	struct gvw_bulk bulk[GV_FRAME_MAX_BULK];
	int mbox; /* a GV_FRAME_MBOX_MAGIC frame (QEMU's, with guest RAM only) */
};

#define GVW_FRAME_FAULT 2

/*
 * Reads one request frame; its messages go to msg (GV_FRAME_MAX_MSG
 * bytes).  GUEST_PAGES runs are taken only with ram (else the frame is
 * malformed) and become pieces of it.  1: a frame; GVW_FRAME_FAULT: a
 * whole frame whose page list named memory outside ram (answer it with
 * gvw_frame_reply_fault); 0: the peer closed; -1: malformed or cut short
 * (logged).  A frame read must be freed with gvw_frame_free.
 */
int gvw_frame_recv(struct gv_stream *st, struct gvw_frame_in *in, unsigned char *msg,
		   const struct gvw_guest_ram *ram);
void gvw_frame_free(struct gvw_frame_in *in);
/* Writes the reply: header, responses, then the from-host BYTES runs of in. */
int gvw_frame_reply(struct gv_stream *st, uint64_t allocs, uint64_t bytes, const void *resp,
		    uint32_t resp_len, const struct gvw_frame_in *in);
/* The reply to a GVW_FRAME_FAULT frame: the header alone, status FAULT. */
int gvw_frame_reply_fault(struct gv_stream *st, uint64_t allocs, uint64_t bytes);

#endif
