/* SPDX-License-Identifier: MIT */
/*
 * Gathering and scattering a bulk buffer's pieces on several threads
 * (host-worker/par_copy.c), checked against a plain concatenation made
 * here: pieces of random sizes, copies of odd lengths that start and end
 * inside pieces, small ones (one thread) and large ones (the helpers),
 * and pieces that end too soon.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "par_copy.h"
#include "unit.h"

#define TOTAL	(6u << 20)
#define NPIECES 4000

static unsigned char store[TOTAL + NPIECES * 64], flat[TOTAL], out[TOTAL];
static struct gv_frame_piece iov[NPIECES];

int main(void)
{
	struct gvw_bulk b = {.iov = iov, .niov = NPIECES, .dir = GV_BULK_TO_HOST};
	size_t sizes[] = {1, 4095, 300000, 2u << 20, 5, (3u << 20) + 17};
	struct gvw_piece_at at = {0, 0};
	size_t off = 0, used = 0, i, k;
	int ok = 1;

	srand(7);
	/* Pieces of 1 to ~3 KiB, with gaps between them in store. */
	for (i = 0; i < NPIECES; i++) {
		size_t len = i == NPIECES - 1 ? TOTAL - off : 1 + (size_t)rand() % 3000;

		if (off + len > TOTAL)
			len = TOTAL - off;
		iov[i].base = store + used;
		iov[i].len = len;
		for (k = 0; k < len; k++)
			store[used + k] = flat[off + k] = (unsigned char)rand();
		off += len;
		used += len + (size_t)rand() % 64;
	}
	b.len = off;
	EXPECT(off == TOTAL, "the pieces hold %zu bytes", off);

	/* Gathered in copies of odd lengths, in order. */
	off = 0;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && ok; i++) {
		ok = gvw_par_copy(&b, &at, out + off, sizes[i], 1) == 0;
		off += sizes[i];
	}
	EXPECT(ok && off <= TOTAL && !memcmp(out, flat, off), "gathered as the concatenation");
	/* Scattered back from a changed image: the pieces hold it. */
	for (i = 0; i < TOTAL; i++)
		flat[i] ^= 0x5a;
	at = (struct gvw_piece_at){0, 0};
	off = 0;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && ok; i++) {
		ok = gvw_par_copy(&b, &at, flat + off, sizes[i], 0) == 0;
		off += sizes[i];
	}
	at = (struct gvw_piece_at){0, 0};
	EXPECT(ok && gvw_par_copy(&b, &at, out, off, 1) == 0 && !memcmp(out, flat, off),
	       "scattered into the pieces, read back whole");
	/* Past the end of the pieces: refused, small or large. */
	at = (struct gvw_piece_at){NPIECES - 1, 0};
	EXPECT(gvw_par_copy(&b, &at, out, iov[NPIECES - 1].len + 1, 1) == -1,
	       "a small copy past the pieces");
	at = (struct gvw_piece_at){0, 0};
	EXPECT(gvw_par_copy(&b, &at, out, TOTAL, 1) == 0, "exactly all of them");
	at = (struct gvw_piece_at){0, 1};
	EXPECT(gvw_par_copy(&b, &at, out, TOTAL, 1) == -1, "a large copy one byte past them");
	return unit_summary("test_par_copy");
}
