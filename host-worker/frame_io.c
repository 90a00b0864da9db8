/* SPDX-License-Identifier: MIT */
#include "frame_io.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bulk_buf.h"
#include "log.h"

/* A GUEST_PAGES run's list, read whole; its pieces, or a fault. */
static int recv_pages(struct gv_stream *fd, const struct gvw_guest_ram *ram,
		      const struct gv_frame_bulk *fb, struct gv_frame_piece **out,
		      unsigned int *nout)
{
	struct gv_frame_pages ph;
	uint64_t *pages;
	uint32_t i;
	int e;

	if (gv_stream_read_full(fd, &ph, sizeof(ph)))
		return -1;
	if (ph.offset >= GV_PAGE_SIZE || ph.npages != gvw_guest_ram_npages(ph.offset, fb->len)) {
		gvw_log(GVW_WARN, "frame refused: %u guest pages for %llu bytes from offset %u",
			ph.npages, (unsigned long long)fb->len, ph.offset);
		return -1;
	}
	pages = malloc(ph.npages ? ph.npages * sizeof(*pages) : 1);
	if (!pages || gv_stream_read_full(fd, pages, ph.npages * sizeof(*pages))) {
		free(pages);
		return -1;
	}
	for (i = 0; i < ph.npages; i++)
		pages[i] = le64toh(pages[i]);
	e = gvw_guest_ram_pieces(ram, ph.offset, fb->len, pages, ph.npages, out, nout);
	free(pages);
	return e ? GVW_FRAME_FAULT : 0;
}

int gvw_frame_recv(struct gv_stream *fd, struct gvw_frame_in *in, unsigned char *msg,
		   const struct gvw_guest_ram *ram)
{
	struct gv_frame_bulk fb[GV_FRAME_MAX_BULK];
	uint64_t total = 0;
	unsigned int i;
	int fault = 0;

	memset(in, 0, sizeof(*in));
	if (gv_stream_read_full(fd, &in->h, sizeof(in->h)))
		return errno == ECONNRESET ? 0 : -1;
	in->mbox = in->h.magic == GV_FRAME_MBOX_MAGIC && ram;
	if ((in->h.magic != GV_FRAME_MAGIC && !in->mbox) || in->h.msg_len > GV_FRAME_MAX_MSG ||
	    in->h.nbulk > GV_FRAME_MAX_BULK) {
		gvw_log(GVW_WARN, "frame refused: magic 0x%08x, %u message bytes, %u bulk runs",
			in->h.magic, in->h.msg_len, in->h.nbulk);
		in->h.nbulk = 0;
		return -1;
	}
	if (gv_stream_read_full(fd, fb, in->h.nbulk * sizeof(fb[0])) ||
	    gv_stream_read_full(fd, msg, in->h.msg_len)) {
		in->h.nbulk = 0;
		return -1;
	}
	for (i = 0; i < in->h.nbulk; i++) {
		total += fb[i].len;
		if (fb[i].len > GV_FRAME_MAX_BULK_BYTES || total > GV_FRAME_MAX_BULK_BYTES ||
		    (!GV_BULK_HOST_READS(fb[i].dir) && !GV_BULK_HOST_WRITES(fb[i].dir)) ||
		    (fb[i].form != GV_FRAME_BULK_BYTES &&
		     (fb[i].form != GV_FRAME_BULK_GUEST_PAGES || !ram))) {
			gvw_log(
			    GVW_WARN, "frame refused: bulk run %u of %llu bytes, dir %u, form %u%s",
			    i, (unsigned long long)fb[i].len, fb[i].dir, fb[i].form,
			    fb[i].form == GV_FRAME_BULK_GUEST_PAGES && !ram
				? " (guest pages, and no guest RAM was shared with this process)"
				: "");
			in->h.nbulk = 0;
			return -1;
		}
	}
	for (i = 0; i < in->h.nbulk; i++) {
		in->iov[i].len = fb[i].len;
		if (fb[i].form == GV_FRAME_BULK_GUEST_PAGES) {
			unsigned int n = 0;
			int e = recv_pages(fd, ram, &fb[i], &in->pages[i], &n);

			if (e < 0) {
				gvw_frame_free(in);
				return -1;
			}
			fault |= e == GVW_FRAME_FAULT;
			in->bulk[i] = (struct gvw_bulk){
			    .iov = in->pages[i], .niov = n, .len = fb[i].len, .dir = fb[i].dir};
			continue;
		}
		/* A from-host run goes back whole: what the call did not write is zeros. */
		in->iov[i].base = gvw_bulk_buf_alloc(fb[i].len, !GV_BULK_HOST_READS(fb[i].dir));
		in->bulk[i] = (struct gvw_bulk){
		    .iov = &in->iov[i], .niov = 1, .len = fb[i].len, .dir = fb[i].dir};
		if (!in->iov[i].base || (GV_BULK_HOST_READS(fb[i].dir) &&
					 gv_stream_read_full(fd, in->iov[i].base, fb[i].len))) {
			gvw_frame_free(in);
			return -1;
		}
	}
	return fault ? GVW_FRAME_FAULT : 1;
}

void gvw_frame_free(struct gvw_frame_in *in)
{
	unsigned int i;

	for (i = 0; i < in->h.nbulk && i < GV_FRAME_MAX_BULK; i++) {
		gvw_bulk_buf_free(in->iov[i].base, in->iov[i].len);
		in->iov[i].base = NULL;
		free(in->pages[i]);
		in->pages[i] = NULL;
	}
}

int gvw_frame_reply(struct gv_stream *fd, uint64_t allocs, uint64_t bytes, const void *resp,
		    uint32_t resp_len, const struct gvw_frame_in *in)
{
	struct gv_frame_reply h = {
	    .magic = GV_FRAME_REPLY_MAGIC,
	    .resp_len = resp_len,
	    .session_allocs = allocs,
	    .session_bytes = bytes,
	};
	struct iovec v[2 + GV_FRAME_MAX_BULK];
	unsigned int i;
	int n = 0;

	v[n++] = (struct iovec){&h, sizeof(h)};
	if (resp_len)
		v[n++] = (struct iovec){(void *)resp, resp_len};
	for (i = 0; i < in->h.nbulk; i++)
		if (GV_BULK_HOST_WRITES(in->bulk[i].dir) && in->bulk[i].len && !in->pages[i] &&
		    in->iov[i].base)
			v[n++] = (struct iovec){in->iov[i].base, in->bulk[i].len};
	return gv_stream_writev_full(fd, v, n);
}

int gvw_frame_reply_fault(struct gv_stream *st, uint64_t allocs, uint64_t bytes)
{
	struct gv_frame_reply h = {
	    .magic = GV_FRAME_REPLY_MAGIC,
	    .status = GV_FRAME_STATUS_FAULT,
	    .session_allocs = allocs,
	    .session_bytes = bytes,
	};

	return gv_stream_write_full(st, &h, sizeof(h));
}
