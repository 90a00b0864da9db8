/* SPDX-License-Identifier: MIT */
/*
 * Parallel gather and scatter (par_copy.h).  A few helper threads, made
 * at the first large copy and kept for the process's life, each take a
 * slice of the bytes; the caller copies a slice too and waits for the
 * rest.  One copy at a time uses them (a worker runs its session's
 * requests one at a time; other callers wait their turn).
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "par_copy.h"

#define MAX_HELPERS 3
/* Below this a single thread is as fast: no helper is woken. */
#define PAR_BELOW (1u << 20)

struct slice {
	const struct gvw_bulk *b;
	struct gvw_piece_at at;
	unsigned char *buf;
	size_t n;
	int to_buf, rc;
};

static pthread_mutex_t use_lock = PTHREAD_MUTEX_INITIALIZER; /* one copy at a time */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER, done = PTHREAD_COND_INITIALIZER;
static struct slice job[MAX_HELPERS];
static unsigned int nhelpers, pending;
static unsigned long generation;
static pthread_once_t started = PTHREAD_ONCE_INIT;

static int copy_slice(struct slice *s)
{
	const struct gvw_bulk *b = s->b;
	struct gvw_piece_at at = s->at;
	size_t done_n = 0;

	while (done_n < s->n) {
		size_t take;
		unsigned char *p;

		if (at.i >= b->niov)
			return -1;
		take = b->iov[at.i].len - at.off;
		if (take > s->n - done_n)
			take = s->n - done_n;
		p = (unsigned char *)b->iov[at.i].base + at.off;
		if (s->to_buf)
			memcpy(s->buf + done_n, p, take);
		else
			memcpy(p, s->buf + done_n, take);
		done_n += take;
		at.off += take;
		if (at.off == b->iov[at.i].len) {
			at.i++;
			at.off = 0;
		}
	}
	return 0;
}

static void *helper(void *arg)
{
	unsigned int k = (unsigned int)(uintptr_t)arg;
	unsigned long seen = 0;

	for (;;) {
		pthread_mutex_lock(&lock);
		while (generation == seen)
			pthread_cond_wait(&go, &lock);
		seen = generation;
		pthread_mutex_unlock(&lock);
		job[k].rc = job[k].n ? copy_slice(&job[k]) : 0;
		pthread_mutex_lock(&lock);
		if (--pending == 0)
			pthread_cond_signal(&done);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void start_helpers(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int want = cpus > 1 ? (unsigned int)(cpus - 1) : 0, k;
	pthread_attr_t attr;

	if (want > MAX_HELPERS)
		want = MAX_HELPERS;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (k = 0; k < want; k++) {
		pthread_t t;

		if (pthread_create(&t, &attr, helper, (void *)(uintptr_t)k))
			break;
	}
	pthread_attr_destroy(&attr);
	nhelpers = k;
}

/* The place n bytes after at. */
static int advance(const struct gvw_bulk *b, struct gvw_piece_at *at, size_t n)
{
	while (n) {
		size_t left;

		if (at->i >= b->niov)
			return -1;
		left = b->iov[at->i].len - at->off;
		if (n < left) {
			at->off += n;
			return 0;
		}
		n -= left;
		at->i++;
		at->off = 0;
	}
	return 0;
}

int gvw_par_copy(const struct gvw_bulk *b, struct gvw_piece_at *at, unsigned char *buf, size_t n,
		 int to_buf)
{
	struct slice mine = {b, *at, buf, n, to_buf, 0};
	size_t per, off = 0;
	unsigned int k, parts;
	int rc;

	if (n >= PAR_BELOW)
		pthread_once(&started, start_helpers);
	if (n < PAR_BELOW || !nhelpers) {
		rc = copy_slice(&mine);
		return rc ? rc : advance(b, at, n);
	}
	pthread_mutex_lock(&use_lock);
	parts = nhelpers + 1;
	per = (n / parts + 4095) & ~(size_t)4095;
	for (k = 0; k < nhelpers; k++) {
		size_t len = off + per <= n ? per : n - off;

		job[k] = (struct slice){b, *at, buf + off, len, to_buf, 0};
		if (advance(b, at, len)) {
			pthread_mutex_unlock(&use_lock);
			return -1;
		}
		off += len;
	}
	mine = (struct slice){b, *at, buf + off, n - off, to_buf, 0};
	pthread_mutex_lock(&lock);
	pending = nhelpers;
	generation++;
	pthread_cond_broadcast(&go);
	pthread_mutex_unlock(&lock);
	rc = copy_slice(&mine);
	pthread_mutex_lock(&lock);
	while (pending)
		pthread_cond_wait(&done, &lock);
	pthread_mutex_unlock(&lock);
	for (k = 0; k < nhelpers; k++)
		rc |= job[k].rc;
	if (!rc)
		rc = advance(b, at, n - off);
	pthread_mutex_unlock(&use_lock);
	return rc;
}
