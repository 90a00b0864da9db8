/* SPDX-License-Identifier: MIT */
/*
 * Gathering a bulk buffer's pieces into one buffer, and scattering one
 * buffer into the pieces, on several threads at once (the staged copies'
 * CPU half, which bounds them: one thread copies about 10 GB/s).
 */
#ifndef GVIRTUS_PAR_COPY_H
#define GVIRTUS_PAR_COPY_H

#include <stddef.h>

#include "gvirtus_worker.h"

/* Where in a bulk buffer's pieces: piece i, at byte off of it. */
struct gvw_piece_at {
	unsigned int i;
	size_t off;
};

/*
 * n bytes between the pieces of b from *at on and buf: gathered into buf
 * (to_buf), else scattered from it.  *at moves past them.  0, or -1 when
 * the pieces end before n bytes (never from our builders).
 */
int gvw_par_copy(const struct gvw_bulk *b, struct gvw_piece_at *at, unsigned char *buf, size_t n,
		 int to_buf);

#endif
