/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the virtio-gvirtus request framing parser
 * (qemu-device/gvirtus_framing.c), fed what a guest driver may write.
 * A request it accepts is checked against the layout virtio_gvirtus.h
 * describes, computed here independently: header, message, bulk table,
 * page lists, exactly the bytes given, every page aligned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gvirtus_framing.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_framing: accepted a request that %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The device parses its own copy; an exact-size block shows overreads. */
	uint8_t *req = malloc(size ? size : 1);
	size_t at, pages = 0;
	GvFraming f;
	uint32_t i, p;

	if (!req)
		abort();
	memcpy(req, data, size);
	if (gv_framing_parse(req, size, &f)) {
		free(req);
		return 0;
	}
	if (f.msg_len > GV_VQ_MAX_MSG || f.nbulk > GV_VQ_MAX_BULK)
		die("exceeds the device's limits");
	if (f.msg != req + sizeof(struct gv_vq_req_hdr))
		die("has its message elsewhere than after the header");
	at = sizeof(struct gv_vq_req_hdr) + f.msg_len + f.nbulk * sizeof(struct gv_vq_bulk);
	for (i = 0; i < f.nbulk; i++) {
		const GvFramedBulk *b = &f.bulk[i];
		uint64_t span = (uint64_t)b->offset + b->len;

		if (b->len > GV_VQ_MAX_BULK_BYTES || b->offset >= GV_PAGE_SIZE)
			die("has a bulk buffer out of bounds");
		if (b->npages != (span + GV_PAGE_SIZE - 1) / GV_PAGE_SIZE)
			die("has a page count that does not cover its buffer");
		if (b->dir != GV_BULK_TO_HOST && b->dir != GV_BULK_FROM_HOST &&
		    b->dir != GV_BULK_UPDATE)
			die("has an unknown direction");
		if (b->npages && b->pages != req + at)
			die("has a page list out of place");
		for (p = 0; p < b->npages; p++)
			if (gv_framing_page(b, p) % GV_PAGE_SIZE)
				die("has an unaligned page");
		at += (size_t)b->npages * sizeof(uint64_t);
		pages += b->npages;
	}
	if (pages > GV_VQ_MAX_PAGES)
		die("has too many pages");
	if (at != size)
		die("does not add up to the bytes given");
	free(req);
	return 0;
}
