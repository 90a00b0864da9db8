/* SPDX-License-Identifier: MIT */
/*
 * The session mailbox's host side (mailbox.h in include/gvirtus): a thread
 * of the worker process that polls the guest's mailbox while the session
 * is busy, runs each request on the session and answers in place, and
 * sleeps after an idle spin until a WAIT frame (frame.h) wakes it.  Frames
 * from QEMU keep running on the process's main thread; the two never run
 * session calls at once (gvw_mbox_lock).
 */
#ifndef GVIRTUS_MBOX_SERVE_H
#define GVIRTUS_MBOX_SERVE_H

#include <pthread.h>
#include <stdint.h>

#include "gvirtus_worker.h"

struct gvw_mbox {
	pthread_mutex_t exec; /* one session call at a time, from either thread */
	pthread_mutex_t lock; /* what follows */
	pthread_cond_t wake, answered;
	unsigned char *base; /* the mailbox in the guest RAM mapping; NULL: none */
	struct gvw_session *s;
	pthread_t thread;
	int running, stop, kicked;
	uint32_t done; /* the last seq answered */
	unsigned int spin_us;
	/* After each answer, on the mailbox thread, under exec (the monitor's figures). */
	void (*after)(void *ctx, const void *msg, size_t msg_len, const void *resp,
		      size_t resp_len);
	void *ctx;
};

/* Idle spin before the mailbox thread sleeps; GVIRTUS_MBOX_SPIN_US overrides. */
#define GVW_MBOX_SPIN_US 2000u
/* Longest a WAIT frame holds QEMU's session thread; the guest asks again. */
#define GVW_MBOX_WAIT_MS 100

void gvw_mbox_init(struct gvw_mbox *m, struct gvw_session *s);
/* Starts serving the mailbox at base (GV_MBOX_SIZE bytes); -1 if one is already served. */
int gvw_mbox_attach(struct gvw_mbox *m, unsigned char *base);
/*
 * Wakes the mailbox thread and waits, at most GVW_MBOX_WAIT_MS, until the
 * request seq is answered: 0 once it is, 1 if not yet, -1 without a mailbox.
 */
int gvw_mbox_wait(struct gvw_mbox *m, uint32_t seq);
/* Stops the thread (after its current call) and forgets the mailbox. */
void gvw_mbox_stop(struct gvw_mbox *m);

static inline void gvw_mbox_lock(struct gvw_mbox *m)
{
	pthread_mutex_lock(&m->exec);
}

static inline void gvw_mbox_unlock(struct gvw_mbox *m)
{
	pthread_mutex_unlock(&m->exec);
}

#endif
