/* SPDX-License-Identifier: MIT */
/*
 * The worker process's stdout and stderr, kept for the guest program of
 * its session.  Natively, what a kernel prints (device printf) and what a
 * library prints (cuBLAS's and cuSPARSE's " ** On entry to ...") appear on
 * the program's own stdout or stderr during the call that flushed it;
 * here they are printed by the host worker, so it captures them and the
 * guest library fetches them (GV_RESP_F_OUTPUT, TAKE_OUTPUT) before that
 * call returns.  The worker's own log keeps the host's stderr.
 */
#ifndef GVIRTUS_HOST_OUTPUT_H
#define GVIRTUS_HOST_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes kept of each stream between two takes; more are counted and dropped. */
#define GVW_OUTPUT_MAX (1u << 20)

/*
 * Points this process's stdout and stderr at pipes that a thread drains
 * into buffers, its log at the stderr it had (gvw_log_to_fd).  For a
 * worker process, which serves one session: sessions that share a
 * process would share the output.  0, or -1.
 */
int gvw_output_capture(void);

/* Whether captured bytes wait; everything written before the call counts. */
int gvw_output_pending(void);

/* Moves up to cap waiting bytes of one stream into buf (stdout's first):
 * their number; *fd gets the stream (1 or 2), *dropped its bytes lost to
 * the limit since its last take. */
size_t gvw_output_take(void *buf, size_t cap, uint32_t *dropped, int *fd);

#endif
