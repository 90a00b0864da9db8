/* SPDX-License-Identifier: MIT */
/*
 * An in-process transport for host-side tests: the guest runtime's calls
 * go straight into a host worker with the CPU reference executor, so the
 * shim and the worker can be tested (and run under sanitizers) without a
 * VM.  Linked in place of transport_vdev.o; never part of the shim.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gvirtus_worker.h"
#include "gvrt.h"

struct loopback {
	struct gv_transport t;
	struct gvw_session *s;
};

static int loop_call(struct gv_transport *t, const void *msg, size_t msg_len, void *resp,
		     size_t resp_cap, size_t *resp_len, const struct gv_buf *bufs,
		     unsigned int nbufs)
{
	struct loopback *l = (struct loopback *)t;
	struct gvw_bulk b[8] = {0};
	unsigned int i;
	int r;

	if (nbufs > 8)
		return -7;
	/*
	 * Split each buffer at 4 KiB boundaries, as guest pages arrive through
	 * virtio, so the worker's paths for many iovecs are exercised too.
	 */
	for (i = 0; i < nbufs; i++) {
		uintptr_t a = (uintptr_t)bufs[i].addr, end = a + bufs[i].len;
		struct gv_frame_piece *iov = calloc(bufs[i].len / 4096 + 2, sizeof(*iov));
		unsigned int n = 0;

		while (a < end) {
			uintptr_t next = (a | 4095) + 1;

			iov[n].base = (void *)a;
			iov[n].len = (next < end ? next : end) - a;
			a += iov[n++].len;
		}
		b[i].iov = iov;
		b[i].niov = n;
		b[i].len = bufs[i].len;
		b[i].dir = bufs[i].dir;
	}
	r = gvw_session_exec(l->s, msg, msg_len, b, nbufs, resp, resp_cap, resp_len);
	for (i = 0; i < nbufs; i++)
		free((void *)b[i].iov);
	return r ? -5 : 0;
}

/* The worker behind the transport, for tests that change its executor. */
struct gvw_worker *gv_loopback_worker;

/*
 * One worker for the process, as a device with sessions in QEMU: a second
 * transport (the callback thread's session for host functions) is a
 * second session of it, where that session finds the first's gates.
 */
struct gv_transport *gv_transport_vdev_open(char *err, size_t err_len)
{
	static uint32_t sessions;
	struct gvw_config cfg = {.executor = GVW_EXEC_CPU_REFERENCE,
				 .max_sessions = 4,
				 .cpu_reference_devices = 1,
				 .label = "loopback"};
	struct loopback *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (!gv_loopback_worker && gvw_worker_create(&cfg, &gv_loopback_worker, err, err_len)) {
		free(l);
		return NULL;
	}
	l->s = gvw_session_open(gv_loopback_worker, ++sessions);
	l->t.name = "loopback";
	l->t.call = loop_call;
	l->t.max_bulk = 256u << 20;
	return &l->t;
}
