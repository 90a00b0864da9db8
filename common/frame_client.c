/* SPDX-License-Identifier: MIT */
/* The client side of frame.h's framing (frame_client.h). */
#include "frame_client.h"

/* Pieces go out this many at a time: a bulk buffer of guest memory may be
 * thousands of them, more than one writev takes. */
#define BATCH 64

static int send_pieces(const struct gv_frame_io *io, const struct gv_frame_buf *b)
{
	struct iovec v[BATCH];
	unsigned int i = 0, n;

	while (i < b->npieces) {
		for (n = 0; n < BATCH && i < b->npieces; i++)
			if (b->piece[i].len)
				v[n++] = (struct iovec){b->piece[i].base, b->piece[i].len};
		if (n && io->writev(io->ctx, v, (int)n))
			return -1;
	}
	return 0;
}

static int send_pages(const struct gv_frame_io *io, const struct gv_frame_buf *b)
{
	struct gv_frame_pages ph = {b->page_offset, b->npages};
	struct iovec v[2] = {{&ph, sizeof(ph)}, {(void *)b->pages, (size_t)b->npages * 8}};

	return io->writev(io->ctx, v, 2);
}

static int receive_pieces(const struct gv_frame_io *io, const struct gv_frame_buf *b)
{
	unsigned int i;

	for (i = 0; i < b->npieces; i++)
		if (b->piece[i].len && io->read(io->ctx, b->piece[i].base, b->piece[i].len))
			return -1;
	return 0;
}

int gv_frame_call(const struct gv_frame_io *io, const struct gv_frame_req *h, const void *msg,
		  const struct gv_frame_buf *bufs, void *resp, size_t resp_cap,
		  struct gv_frame_reply *rh)
{
	struct gv_frame_bulk fb[GV_FRAME_MAX_BULK];
	struct iovec v[3];
	unsigned int i;

	if (h->nbulk > GV_FRAME_MAX_BULK || h->msg_len > GV_FRAME_MAX_MSG)
		return GV_FRAME_EPROTO;
	for (i = 0; i < h->nbulk; i++)
		fb[i] = (struct gv_frame_bulk){bufs[i].len, bufs[i].dir,
					       bufs[i].pages ? GV_FRAME_BULK_GUEST_PAGES
							     : GV_FRAME_BULK_BYTES};
	v[0] = (struct iovec){(void *)h, sizeof(*h)};
	v[1] = (struct iovec){fb, h->nbulk * sizeof(fb[0])};
	v[2] = (struct iovec){(void *)msg, h->msg_len};
	if (io->writev(io->ctx, v, 3))
		return GV_FRAME_EIO;
	for (i = 0; i < h->nbulk; i++) {
		if (bufs[i].pages) {
			if (send_pages(io, &bufs[i]))
				return GV_FRAME_EIO;
		} else if (GV_BULK_HOST_READS(bufs[i].dir) && send_pieces(io, &bufs[i])) {
			return GV_FRAME_EIO;
		}
	}
	if (io->read(io->ctx, rh, sizeof(*rh)))
		return GV_FRAME_EIO;
	if (rh->magic == GV_FRAME_REPLY_MAGIC && rh->status == GV_FRAME_STATUS_FAULT &&
	    !rh->resp_len)
		return GV_FRAME_EFAULT;
	/* Never more than either side's room (0 in the request is the most);
	 * a refused frame says nothing about what would follow. */
	if (rh->magic != GV_FRAME_REPLY_MAGIC || rh->status || rh->resp_len > resp_cap ||
	    (h->resp_cap && rh->resp_len > h->resp_cap))
		return GV_FRAME_EPROTO;
	if (io->read(io->ctx, resp, rh->resp_len))
		return GV_FRAME_EIO;
	for (i = 0; i < h->nbulk; i++)
		if (!bufs[i].pages && GV_BULK_HOST_WRITES(bufs[i].dir) &&
		    receive_pieces(io, &bufs[i]))
			return GV_FRAME_EIO;
	return 0;
}
