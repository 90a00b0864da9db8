/* SPDX-License-Identifier: MIT */
/*
 * The worker's captured stdout (host-worker/output.c): what this process
 * writes on stdout after capture is pending and taken back in order, in
 * chunks; past the limit bytes are counted as dropped, and a writer of
 * more than a pipe holds does not block.  Results are printed after
 * stdout is given back.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "unit.h"

static unsigned char got[GVW_OUTPUT_MAX + 4096];

int main(void)
{
	int saved = dup(STDOUT_FILENO), capture, before, after, empty_after;
	size_t n1, n2, big_taken = 0, n;
	uint32_t lost1, lost2, big_lost = 0, lost;
	unsigned char line[100];
	size_t i;

	before = gvw_output_pending();
	capture = gvw_output_capture();
	printf("kernel says %d\n", 42);
	after = gvw_output_pending();
	n1 = gvw_output_take(got, 5, &lost1);
	n2 = gvw_output_take(got + 5, sizeof(got) - 5, &lost2);
	empty_after = gvw_output_pending();
	/* 1 MiB + 100 KiB: more than the host keeps, and than a pipe holds. */
	memset(line, 'x', sizeof(line));
	for (i = 0; i < (GVW_OUTPUT_MAX + 100 * 1024) / sizeof(line); i++)
		fwrite(line, 1, sizeof(line), stdout);
	while ((n = gvw_output_take(got + 64, 4096, &lost)) > 0 || lost) {
		big_taken += n;
		big_lost += lost;
	}
	dup2(saved, STDOUT_FILENO);

	EXPECT(before == 0, "nothing pending before the capture");
	EXPECT(capture == 0, "stdout captured");
	EXPECT(after == 1, "printed bytes are pending at once");
	EXPECT(n1 == 5 && n2 == strlen("kernel says 42\n") - 5 && lost1 == 0 && lost2 == 0,
	       "taken in two chunks: %zu, %zu", n1, n2);
	EXPECT(!memcmp(got, "kernel says 42\n", n1 + n2), "the bytes, in order");
	EXPECT(empty_after == 0, "nothing pending once taken");
	EXPECT(big_taken == GVW_OUTPUT_MAX, "the host keeps 1 MiB: %zu", big_taken);
	EXPECT(big_taken + big_lost == (GVW_OUTPUT_MAX + 100 * 1024) / sizeof(line) * sizeof(line),
	       "the rest counted as dropped: %u", big_lost);
	return unit_summary("test_output");
}
