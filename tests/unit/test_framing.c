/* SPDX-License-Identifier: MIT */
/*
 * The virtio-gvirtus device's request framing against hostile guests:
 * every length, count and offset a guest driver writes is checked before
 * the device maps a page.  Layouts are built here from virtio_gvirtus.h.
 */
#include <stdlib.h>
#include <string.h>

#include "gvirtus_framing.h"
#include "unit.h"

static unsigned char buf[1 << 20];

/* A well-formed request: msg_len bytes of message, then the buffers. */
static size_t build(uint32_t msg_len, uint32_t nbulk, const struct gv_vq_bulk *b)
{
	struct gv_vq_req_hdr h = {.session = 3, .msg_len = msg_len, .nbulk = nbulk};
	size_t at = sizeof(h) + msg_len;
	uint32_t i, p;
	uint64_t gpa = 0x100000;

	memcpy(buf, &h, sizeof(h));
	memset(buf + sizeof(h), 0xab, msg_len);
	memcpy(buf + at, b, nbulk * sizeof(*b));
	at += nbulk * sizeof(*b);
	for (i = 0; i < nbulk; i++)
		for (p = 0; p < b[i].npages; p++, gpa += 4096, at += 8)
			memcpy(buf + at, &gpa, 8);
	return at;
}

static struct gv_vq_req_hdr *hdr(void)
{
	return (struct gv_vq_req_hdr *)buf;
}

int main(void)
{
	struct gv_vq_bulk b[2] = {
	    {.len = 10000, .offset = 100, .npages = 3, .dir = GV_BULK_TO_HOST},
	    {.len = 1, .offset = 4095, .npages = 1, .dir = GV_BULK_FROM_HOST},
	};
	GvFraming f;
	const char *why;
	size_t n;

	n = build(37, 2, b); /* odd msg_len: the page list is unaligned */
	why = gv_framing_parse(buf, n, &f);
	EXPECT(why == NULL, "well-formed request refused: %s", why);
	EXPECT(f.session == 3 && f.msg_len == 37 && f.nbulk == 2, "header fields");
	EXPECT(f.bulk[0].npages == 3 && gv_framing_page(&f.bulk[0], 2) == 0x102000,
	       "page list of buffer 0");
	EXPECT(gv_framing_page(&f.bulk[1], 0) == 0x103000, "page list of buffer 1");

	EXPECT(gv_framing_parse(buf, 15, &f) != NULL, "shorter than the header");
	EXPECT(gv_framing_parse(buf, n - 1, &f) != NULL, "page list cut short");
	EXPECT(gv_framing_parse(buf, n + 8, &f) != NULL, "trailing bytes");
	EXPECT(gv_framing_parse(buf, GV_FRAMING_MAX_OUT + 1, &f) != NULL, "too large");

	build(37, 2, b);
	hdr()->msg_len = GV_VQ_MAX_MSG + 1;
	EXPECT(gv_framing_parse(buf, n, &f) != NULL, "msg_len over the limit");
	hdr()->msg_len = 0xffffffffu;
	EXPECT(gv_framing_parse(buf, n, &f) != NULL, "msg_len wraps");
	build(37, 2, b);
	hdr()->nbulk = GV_VQ_MAX_BULK + 1;
	EXPECT(gv_framing_parse(buf, n, &f) != NULL, "too many buffers");
	hdr()->nbulk = 3;
	EXPECT(gv_framing_parse(buf, n, &f) != NULL, "more buffers than described");
	build(37, 2, b);
	hdr()->flags = 0x80;
	EXPECT(gv_framing_parse(buf, n, &f) != NULL, "unknown flag");

	{
		struct gv_vq_bulk bad[2];

		memcpy(bad, b, sizeof(bad));
		bad[0].npages = 2; /* 100 + 10000 bytes span 3 pages */
		n = build(37, 2, bad);
		EXPECT(gv_framing_parse(buf, n, &f) != NULL, "page count too small");
		memcpy(bad, b, sizeof(bad));
		bad[0].offset = 4096;
		n = build(37, 2, bad);
		EXPECT(gv_framing_parse(buf, n, &f) != NULL, "offset past the first page");
		memcpy(bad, b, sizeof(bad));
		bad[1].dir = 4;
		n = build(37, 2, bad);
		EXPECT(gv_framing_parse(buf, n, &f) != NULL, "unknown direction");
		memcpy(bad, b, sizeof(bad));
		bad[0].len = GV_VQ_MAX_BULK_BYTES + 1;
		bad[0].npages = (uint32_t)((100 + bad[0].len + 4095) / 4096);
		EXPECT(gv_framing_parse(buf,
					sizeof(struct gv_vq_req_hdr) + 37 + sizeof(bad) +
					    8 * (bad[0].npages + 1),
					&f) != NULL,
		       "buffer over GV_VQ_MAX_BULK_BYTES");
		memcpy(bad, b, sizeof(bad));
		bad[0].reserved = 1;
		n = build(37, 2, bad);
		EXPECT(gv_framing_parse(buf, n, &f) != NULL, "reserved field set");
	}
	{
		uint64_t odd = 0x100010; /* not page aligned */

		n = build(37, 2, b);
		memcpy(buf + sizeof(struct gv_vq_req_hdr) + 37 + sizeof(b), &odd, 8);
		EXPECT(gv_framing_parse(buf, n, &f) != NULL, "unaligned page address");
	}
	{
		struct gv_vq_req_hdr close = {.session = 9, .flags = GV_VQ_F_CLOSE_SESSION};

		memcpy(buf, &close, sizeof(close));
		EXPECT(gv_framing_parse(buf, sizeof(close), &f) == NULL &&
			   f.flags == GV_VQ_F_CLOSE_SESSION,
		       "close request");
	}
	return unit_summary("test_framing");
}
