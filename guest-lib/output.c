/* SPDX-License-Identifier: MIT */
/*
 * What the session's host worker printed on its stdout and stderr (device
 * printf, a library's diagnostics), written on this program's before the call
 * that flushed it returns, as the native driver writes it during the call
 * (host-worker/output.h).  Through stdio, as natively: the driver's
 * printf shares the program's stdout buffer.
 */
#include <stdio.h>

#include "gvrt.h"

/* Fetch rounds per call: 4 MiB, four times what the host keeps. */
#define MAX_ROUNDS 1024

static _Thread_local int waiting, fetching;

void gv_output_waiting(void)
{
	waiting = 1;
}

void gv_output_fetch(void)
{
	struct gv_output_resp r;
	int rounds;

	if (fetching) /* TAKE_OUTPUT's own reply: the loop below asks again */
		return;
	fetching = 1;
	for (rounds = 0; waiting && rounds < MAX_ROUNDS; rounds++) {
		waiting = 0;
		if (gv_rpc(GV_OP_TAKE_OUTPUT, NULL, 0, &r, sizeof(r), NULL, 0) != cudaSuccess)
			break;
		if (r.dropped)
			gv_log(GV_LOG_WARN,
			       "%u bytes of this program's GPU output were lost: the host keeps "
			       "at most 1 MiB between two calls",
			       r.dropped);
		if (r.len && r.len <= sizeof(r.data))
			fwrite(r.data, 1, r.len, r.fd == 2 ? stderr : stdout);
	}
	waiting = 0;
	fetching = 0;
}
