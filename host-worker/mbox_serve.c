/* SPDX-License-Identifier: MIT */
#include "mbox_serve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mailbox.h"

static struct gv_mbox_ctl *ctl(struct gvw_mbox *m)
{
	return (struct gv_mbox_ctl *)m->base;
}

/* Runs the request seq: copied out of guest memory first, then validated. */
static void answer(struct gvw_mbox *m, uint32_t seq, unsigned char *req, unsigned char *resp)
{
	struct gv_mbox_ctl *c = ctl(m);
	/* The guest writes these at any time: each is read once. */
	uint32_t len = gv_mbox_load(&c->req_len), cap = gv_mbox_load(&c->resp_cap);
	size_t resp_len = 0;
	uint32_t status = GV_MBOX_OK;

	if (len > GV_MBOX_REQ_MAX || !len) {
		gvw_log(GVW_WARN, "session %u: mailbox request of %u bytes refused",
			gvw_session_id(m->s), len);
		status = GV_MBOX_EBADREQ;
	} else {
		memcpy(req, m->base + GV_MBOX_REQ_OFF, len);
		if (cap > GV_MBOX_RESP_MAX)
			cap = GV_MBOX_RESP_MAX;
		gvw_mbox_lock(m);
		gvw_session_exec(m->s, req, len, NULL, 0, resp, cap, &resp_len);
		if (m->after)
			m->after(m->ctx, req, len, resp, resp_len);
		gvw_mbox_unlock(m);
		memcpy(m->base + GV_MBOX_RESP_OFF, resp, resp_len);
	}
	gv_mbox_store(&c->resp_len, (uint32_t)resp_len);
	gv_mbox_store(&c->status, status);
	gv_mbox_store(&c->done_seq, seq);
	pthread_mutex_lock(&m->lock);
	m->done = seq;
	pthread_cond_broadcast(&m->answered);
	pthread_mutex_unlock(&m->lock);
}

static void *serve(void *arg)
{
	struct gvw_mbox *m = arg;
	struct gv_mbox_ctl *c = ctl(m);
	unsigned char *req = malloc(GV_MBOX_REQ_MAX), *resp = malloc(GV_MBOX_RESP_MAX);
	uint64_t idle_from = gv_mbox_now_us();

	if (!req || !resp) {
		gvw_log(GVW_ERROR, "session %u: no memory for the mailbox", gvw_session_id(m->s));
		free(req);
		free(resp);
		return NULL;
	}
	for (;;) {
		uint32_t seq = gv_mbox_load(&c->req_seq);

		if (seq != m->done) {
			answer(m, seq, req, resp);
			idle_from = gv_mbox_now_us();
			continue;
		}
		if (__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE))
			break;
		if (gv_mbox_now_us() - idle_from < m->spin_us) {
			__builtin_ia32_pause();
			continue;
		}
		/* Asleep, said before the last look: a guest that misses it
		 * spins until its own limit, then asks QEMU to wake us. */
		gv_mbox_store(&c->worker_idle, 1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (gv_mbox_load(&c->req_seq) == m->done) {
			pthread_mutex_lock(&m->lock);
			while (!m->kicked && !m->stop)
				pthread_cond_wait(&m->wake, &m->lock);
			m->kicked = 0;
			pthread_mutex_unlock(&m->lock);
		}
		gv_mbox_store(&c->worker_idle, 0);
		idle_from = gv_mbox_now_us();
	}
	free(req);
	free(resp);
	return NULL;
}

void gvw_mbox_init(struct gvw_mbox *m, struct gvw_session *s)
{
	const char *v = getenv("GVIRTUS_MBOX_SPIN_US");

	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->exec, NULL);
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->wake, NULL);
	pthread_cond_init(&m->answered, NULL);
	m->s = s;
	m->spin_us = v ? (unsigned int)strtoul(v, NULL, 10) : GVW_MBOX_SPIN_US;
}

int gvw_mbox_attach(struct gvw_mbox *m, unsigned char *base)
{
	if (m->running)
		return -1;
	m->base = base;
	/* Whatever seq the guest left there is not a request of ours. */
	m->done = gv_mbox_load(&ctl(m)->req_seq);
	gv_mbox_store(&ctl(m)->done_seq, m->done);
	gv_mbox_store(&ctl(m)->worker_idle, 0);
	if (pthread_create(&m->thread, NULL, serve, m)) {
		m->base = NULL;
		return -1;
	}
	m->running = 1;
	gvw_log(GVW_DEBUG, "session %u: mailbox served (spin %u us)", gvw_session_id(m->s),
		m->spin_us);
	return 0;
}

int gvw_mbox_wait(struct gvw_mbox *m, uint32_t seq)
{
	struct timespec until;
	int r;

	if (!m->running)
		return -1;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += GVW_MBOX_WAIT_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&m->lock);
	m->kicked = 1;
	pthread_cond_signal(&m->wake);
	/* seq is the guest's: an answer to it, or to one after it, will do. */
	while ((int32_t)(m->done - seq) < 0 &&
	       pthread_cond_timedwait(&m->answered, &m->lock, &until) != ETIMEDOUT)
		;
	r = (int32_t)(m->done - seq) < 0;
	pthread_mutex_unlock(&m->lock);
	return r;
}

void gvw_mbox_stop(struct gvw_mbox *m)
{
	if (!m->running)
		return;
	pthread_mutex_lock(&m->lock);
	__atomic_store_n(&m->stop, 1, __ATOMIC_RELEASE);
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	m->running = 0;
	m->base = NULL;
}
