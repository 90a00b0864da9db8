/* SPDX-License-Identifier: MIT */
/*
 * A frame's bulk buffers (host-worker/bulk_buf.c): zeroed when asked,
 * whether fresh or the kept one used again, of the length asked, and
 * small ones from the heap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulk_buf.h"
#include "unit.h"

static int all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(void)
{
	const size_t big = (64u << 20) + 4096 + 3, small = 1000;
	unsigned char *a, *b, *c;

	a = gvw_bulk_buf_alloc(big, 1);
	EXPECT(a && all_zero(a, big), "a fresh large buffer, zeroed");
	memset(a, 0xa5, big);
	gvw_bulk_buf_free(a, big);
	b = gvw_bulk_buf_alloc(big, 1);
	EXPECT(b && all_zero(b, big), "the kept buffer again, zeroed when asked");
	memset(b, 0x3c, big);
	gvw_bulk_buf_free(b, big);
	b = gvw_bulk_buf_alloc(big, 0);
	EXPECT(b != NULL, "the kept buffer, not zeroed when not asked");
	b[big - 1] = 1; /* all of it is there */
	c = gvw_bulk_buf_alloc(big / 2, 1);
	EXPECT(c && c != b && all_zero(c, big / 2), "another size while one is out");
	gvw_bulk_buf_free(c, big / 2);
	gvw_bulk_buf_free(b, big);
	c = gvw_bulk_buf_alloc(big / 2, 1);
	EXPECT(c && all_zero(c, big / 2), "a size the kept buffer is not: fresh and zeroed");
	gvw_bulk_buf_free(c, big / 2);
	a = gvw_bulk_buf_alloc(small, 1);
	EXPECT(a && all_zero(a, small), "a small buffer, zeroed");
	gvw_bulk_buf_free(a, small);
	a = gvw_bulk_buf_alloc(0, 0);
	EXPECT(a != NULL, "an empty run still has a buffer");
	gvw_bulk_buf_free(a, 0);
	gvw_bulk_buf_free(NULL, big);
	return unit_summary("test_bulk_buf");
}
