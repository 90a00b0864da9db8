/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the TCP and worker-process frame reader
 * (host-worker/frame_io.c).  The input is the byte stream a peer sends:
 * written to a pipe, whose end is then closed, and read frame after frame
 * until the reader refuses one or sees the end.  Each accepted frame is
 * checked against frame.h's layout, computed here from the input itself.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame_io.h"
#include "protocol.h"

/* gvw_frame_recv's first argument for a plain socket or pipe fd (sockstream.h). */
#define FRAME_SOURCE(sock) (&(struct gv_stream){.fd = (sock)})

#define PIPE_BYTES (1 << 20)

static void die(const char *what)
{
	fprintf(stderr, "fuzz_frame: accepted a frame that %s\n", what);
	abort();
}

/*
 * Guest RAM as a worker would map it, over a buffer of ours: guest pages
 * 0x0-0xffff and 0x100000-0x11ffff.  Page lists in the input are checked
 * against it, and every piece a frame yields must lie inside it.
 */
static unsigned char ram_bytes[0x30000];
static struct gvw_guest_ram ram = {
    .n = 2,
    .r = {{.gpa = 0, .len = 0x10000, .host = ram_bytes},
	  {.gpa = 0x100000, .len = 0x20000, .host = ram_bytes + 0x10000}},
};

static void check_pieces(const struct gvw_bulk *b)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < b->niov; i++) {
		const unsigned char *p = b->iov[i].base;

		if (p < ram_bytes || b->iov[i].len > sizeof(ram_bytes) ||
		    p - ram_bytes > (ptrdiff_t)(sizeof(ram_bytes) - b->iov[i].len))
			die("has a guest piece outside guest RAM");
		sum += b->iov[i].len;
	}
	if (sum != b->len)
		die("has guest pieces that do not add up to the run");
}

/*
 * Checks frame *in (of result r), read from the input at *at, and moves
 * *at past it.
 */
static void check(const struct gvw_frame_in *in, int r, const unsigned char *msg,
		  const uint8_t *data, size_t size, size_t *at)
{
	struct gv_frame_req h;
	struct gv_frame_bulk fb;
	size_t off = *at, runs;
	uint32_t i;

	if (size - off < sizeof(h))
		die("is longer than the input");
	memcpy(&h, data + off, sizeof(h));
	/* A mailbox frame (QEMU's) is read as any other; the worker acts on it. */
	if (memcmp(&h, &in->h, sizeof(h)) ||
	    (h.magic != GV_FRAME_MAGIC && h.magic != GV_FRAME_MBOX_MAGIC) ||
	    in->mbox != (h.magic == GV_FRAME_MBOX_MAGIC))
		die("has a header other than the one sent");
	if (h.msg_len > GV_FRAME_MAX_MSG || h.nbulk > GV_FRAME_MAX_BULK)
		die("exceeds frame.h's limits");
	off += sizeof(h);
	runs = off + h.nbulk * sizeof(fb) + h.msg_len;
	if (runs > size || memcmp(msg, data + off + h.nbulk * sizeof(fb), h.msg_len))
		die("has message bytes other than those sent");
	for (i = 0; i < h.nbulk; i++) {
		const struct gvw_bulk *b = &in->bulk[i];

		memcpy(&fb, data + off + i * sizeof(fb), sizeof(fb));
		if (fb.form == GV_FRAME_BULK_GUEST_PAGES) {
			struct gv_frame_pages ph;

			if (size - runs < sizeof(ph))
				die("took a page list longer than the input");
			memcpy(&ph, data + runs, sizeof(ph));
			runs += sizeof(ph) + (size_t)ph.npages * 8;
			if (runs > size)
				die("took a page list longer than the input");
			if (r == 1)
				check_pieces(b);
			continue;
		}
		if (b->len != fb.len || b->dir != fb.dir || b->niov != 1 ||
		    b->iov[0].len != fb.len || !b->iov[0].base)
			die("describes a bulk run other than the one sent");
		if (!GV_BULK_HOST_READS(fb.dir))
			continue;
		if (fb.len > size - runs || memcmp(b->iov[0].base, data + runs, fb.len))
			die("has bulk bytes other than those sent");
		runs += fb.len;
	}
	*at = runs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char msg[GV_FRAME_MAX_MSG];
	struct gvw_frame_in *in = malloc(sizeof(*in));
	size_t at = 0;
	int fds[2], r;

	if (!in || pipe2(fds, O_CLOEXEC))
		abort();
	/* The whole input fits the pipe, so no writer thread is needed. */
	if (fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES) < PIPE_BYTES && size > 65536)
		size = 65536;
	if (size > PIPE_BYTES)
		size = PIPE_BYTES;
	if (size && write(fds[1], data, size) != (ssize_t)size)
		abort();
	close(fds[1]);
	while ((r = gvw_frame_recv(FRAME_SOURCE(fds[0]), in, msg, &ram)) == 1 ||
	       r == GVW_FRAME_FAULT) {
		check(in, r, msg, data, size, &at);
		gvw_frame_free(in);
	}
	if (r != 0 && r != -1)
		die("returned neither 1, 2, 0 nor -1");
	close(fds[0]);
	free(in);
	return 0;
}
