/* SPDX-License-Identifier: MIT */
/*
 * The worker's captured stdout and stderr (host-worker/output.c): what
 * this process writes on either after capture is pending and taken back
 * in order, stdout's first, in chunks, each with its stream; the worker's
 * own log is not captured; past the limit bytes are counted as dropped,
 * and a writer of more than a pipe holds does not block.  Results are
 * printed after stdout and stderr are given back.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loglevel.h"
#include "output.h"
#include "unit.h"

static unsigned char got[GVW_OUTPUT_MAX + 4096], err[64];

int main(void)
{
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	int capture, before, after, empty_after, fd1, fd2, fd3, big_fd = 0;
	size_t n1, n2, n3, big_taken = 0, n;
	uint32_t lost1, lost2, lost3, big_lost = 0, lost;
	unsigned char line[100];
	size_t i;

	before = gvw_output_pending();
	capture = gvw_output_capture();
	fprintf(stderr, "library says no\n");
	printf("kernel says %d\n", 42);
	gvw_log(GV_LEVEL_ERROR, "the worker's own line");
	after = gvw_output_pending();
	n1 = gvw_output_take(got, 5, &lost1, &fd1);
	n2 = gvw_output_take(got + 5, sizeof(got) - 5, &lost2, &fd2);
	n3 = gvw_output_take(err, sizeof(err), &lost3, &fd3);
	empty_after = gvw_output_pending();
	/* 1 MiB + 100 KiB: more than the host keeps, and than a pipe holds. */
	memset(line, 'x', sizeof(line));
	for (i = 0; i < (GVW_OUTPUT_MAX + 100 * 1024) / sizeof(line); i++)
		fwrite(line, 1, sizeof(line), stdout);
	while ((n = gvw_output_take(got + 64, 4096, &lost, &big_fd)) > 0 || lost) {
		big_taken += n;
		big_lost += lost;
	}
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);

	EXPECT(before == 0, "nothing pending before the capture");
	EXPECT(capture == 0, "stdout and stderr captured");
	EXPECT(after == 1, "printed bytes are pending at once");
	EXPECT(n1 == 5 && n2 == strlen("kernel says 42\n") - 5 && lost1 == 0 && lost2 == 0,
	       "stdout's bytes in two chunks: %zu, %zu", n1, n2);
	EXPECT(fd1 == 1 && fd2 == 1, "stdout's first: %d, %d", fd1, fd2);
	EXPECT(!memcmp(got, "kernel says 42\n", n1 + n2), "the bytes, in order");
	EXPECT(fd3 == 2 && n3 == strlen("library says no\n") && lost3 == 0 &&
		   !memcmp(err, "library says no\n", n3),
	       "then stderr's, without the worker's own log line (%zu bytes)", n3);
	EXPECT(empty_after == 0, "nothing pending once taken");
	EXPECT(big_taken == GVW_OUTPUT_MAX, "the host keeps 1 MiB: %zu", big_taken);
	EXPECT(big_taken + big_lost == (GVW_OUTPUT_MAX + 100 * 1024) / sizeof(line) * sizeof(line),
	       "the rest counted as dropped: %u", big_lost);
	return unit_summary("test_output");
}
