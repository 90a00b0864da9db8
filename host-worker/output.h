/* SPDX-License-Identifier: MIT */
/*
 * The worker process's stdout, kept for the guest program of its session.
 * Natively, what a kernel prints (device printf) and what a library prints
 * on stdout (cuBLAS's and cuSPARSE's " ** On entry to ...") appear on the
 * program's own stdout during the call that flushed it; here they are
 * printed by the host worker, so it captures them and the guest library
 * fetches them (GV_RESP_F_OUTPUT, TAKE_OUTPUT) before that call returns.
 */
#ifndef GVIRTUS_HOST_OUTPUT_H
#define GVIRTUS_HOST_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes kept between two takes; more are counted and dropped. */
#define GVW_OUTPUT_MAX (1u << 20)

/*
 * Points this process's stdout at a pipe that a thread drains into a
 * buffer.  For a worker process, which serves one session: sessions that
 * share a process would share the output.  0, or -1 (stdout unchanged).
 */
int gvw_output_capture(void);

/* Whether captured bytes wait; everything written before the call counts. */
int gvw_output_pending(void);

/* Moves up to cap waiting bytes into buf: their number; *dropped gets the
 * bytes lost to the limit since the last take. */
size_t gvw_output_take(void *buf, size_t cap, uint32_t *dropped);

#endif
