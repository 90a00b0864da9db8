/* SPDX-License-Identifier: MIT */
#include "gates.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fdio.h"
#include "log.h"
#include "worker_internal.h"

/* One session's gates: all of them, and those reached, oldest first. */
struct gvw_gate_owner {
	uint32_t owner;
	uint32_t live;			/* not yet released */
	struct gvw_gate *gates;
	struct gvw_gate *rhead, *rtail;
	struct gvw_gate_owner *hnext;
};

#define FIRST_BUCKETS 64

static _Atomic uint64_t next_token = 1;

/* Tokens count up per process; the owner spreads equal tokens of several. */
static size_t key_bucket(size_t n, uint32_t owner, uint64_t token)
{
	uint64_t h = token * 0x9e3779b97f4a7c15ull ^ (uint64_t)owner * 0xc2b2ae3d27d4eb4full;

	return (size_t)(h ^ h >> 32) & (n - 1);
}

static size_t owner_bucket(size_t n, uint32_t owner)
{
	uint64_t h = (uint64_t)owner * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (n - 1);
}

/* Doubles a bucket array when it is full; on no memory the chains just grow. */
static void grow_keys(struct gvw_gate_table *t)
{
	size_t n = t->nkey * 2, i;
	struct gvw_gate **v;

	if (t->ngates < t->nkey || !(v = calloc(n, sizeof(*v))))
		return;
	for (i = 0; i < t->nkey; i++) {
		while (t->by_key[i]) {
			struct gvw_gate *g = t->by_key[i];
			size_t b = key_bucket(n, g->owner, g->token);

			t->by_key[i] = g->hnext;
			g->hnext = v[b];
			v[b] = g;
		}
	}
	free(t->by_key);
	t->by_key = v;
	t->nkey = n;
}

static void grow_owners(struct gvw_gate_table *t)
{
	size_t n = t->nown * 2, i;
	struct gvw_gate_owner **v;

	if (t->nowners < t->nown || !(v = calloc(n, sizeof(*v))))
		return;
	for (i = 0; i < t->nown; i++) {
		while (t->by_owner[i]) {
			struct gvw_gate_owner *o = t->by_owner[i];
			size_t b = owner_bucket(n, o->owner);

			t->by_owner[i] = o->hnext;
			o->hnext = v[b];
			v[b] = o;
		}
	}
	free(t->by_owner);
	t->by_owner = v;
	t->nown = n;
}

static int tables_ready(struct gvw_gate_table *t)
{
	if (!t->by_key) {
		t->by_key = calloc(FIRST_BUCKETS, sizeof(*t->by_key));
		if (!t->by_key)
			return -1;
		t->nkey = FIRST_BUCKETS;
	}
	if (!t->by_owner) {
		t->by_owner = calloc(FIRST_BUCKETS, sizeof(*t->by_owner));
		if (!t->by_owner)
			return -1;
		t->nown = FIRST_BUCKETS;
	}
	return 0;
}

static struct gvw_gate_owner *find_owner(struct gvw_gate_table *t, uint32_t owner)
{
	struct gvw_gate_owner *o;

	if (!t->nown)
		return NULL;
	for (o = t->by_owner[owner_bucket(t->nown, owner)]; o; o = o->hnext)
		if (o->owner == owner)
			return o;
	return NULL;
}

static struct gvw_gate *find_gate(struct gvw_gate_table *t, uint32_t owner, uint64_t token)
{
	struct gvw_gate *g;

	if (!t->nkey)
		return NULL;
	for (g = t->by_key[key_bucket(t->nkey, owner, token)]; g; g = g->hnext)
		if (g->token == token && g->owner == owner)
			return g;
	return NULL;
}

/* Under w->lock: the gate counted and findable, or -1 (*over: owner's limit). */
static int link_gate(struct gvw_worker *w, struct gvw_gate *g, uint32_t max, bool *over)
{
	struct gvw_gate_table *t = &w->gates;
	struct gvw_gate_owner *o;
	size_t b;

	*over = false;
	if (tables_ready(t))
		return -1;
	o = find_owner(t, g->owner);
	if (o && o->live >= max) {
		*over = true;
		return -1;
	}
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return -1;
		o->owner = g->owner;
		b = owner_bucket(t->nown, o->owner);
		o->hnext = t->by_owner[b];
		t->by_owner[b] = o;
		t->nowners++;
		grow_owners(t);
	}
	g->o = o;
	g->next = o->gates;
	if (o->gates)
		o->gates->prev = g;
	o->gates = g;
	o->live++;
	b = key_bucket(t->nkey, g->owner, g->token);
	g->hnext = t->by_key[b];
	t->by_key[b] = g;
	t->ngates++;
	grow_keys(t);
	return 0;
}

static void reached_remove(struct gvw_gate_owner *o, struct gvw_gate *g)
{
	if (g->rprev)
		g->rprev->rnext = g->rnext;
	else
		o->rhead = g->rnext;
	if (g->rnext)
		g->rnext->rprev = g->rprev;
	else
		o->rtail = g->rprev;
	g->rprev = g->rnext = NULL;
}

static void reached_append(struct gvw_gate_owner *o, struct gvw_gate *g)
{
	g->rnext = NULL;
	g->rprev = o->rtail;
	if (o->rtail)
		o->rtail->rnext = g;
	else
		o->rhead = g;
	o->rtail = g;
}

/* Under w->lock: moves a gate on, keeping the owner's lists and count. */
static void set_state(struct gvw_gate *g, enum gvw_gate_state s)
{
	if (g->state == s || g->state == GVW_GATE_RELEASED)
		return;
	if (g->state == GVW_GATE_REACHED)
		reached_remove(g->o, g);
	if (s == GVW_GATE_REACHED)
		reached_append(g->o, g);
	if (s == GVW_GATE_RELEASED)
		g->o->live--;
	g->state = s;
}

/* Under w->lock: forgets the gate (the caller frees it), and its owner when empty. */
static void unlink_gate(struct gvw_worker *w, struct gvw_gate *g)
{
	struct gvw_gate_table *t = &w->gates;
	struct gvw_gate_owner *o = g->o, **po;
	struct gvw_gate **p;

	set_state(g, GVW_GATE_RELEASED);
	for (p = &t->by_key[key_bucket(t->nkey, g->owner, g->token)]; *p; p = &(*p)->hnext) {
		if (*p == g) {
			*p = g->hnext;
			break;
		}
	}
	t->ngates--;
	if (g->prev)
		g->prev->next = g->next;
	else
		o->gates = g->next;
	if (g->next)
		g->next->prev = g->prev;
	g->o = NULL;
	if (o->gates)
		return;
	for (po = &t->by_owner[owner_bucket(t->nown, o->owner)]; *po; po = &(*po)->hnext) {
		if (*po == o) {
			*po = o->hnext;
			break;
		}
	}
	t->nowners--;
	free(o);
}

struct gvw_gate *gvw_gate_new(struct gvw_worker *w, uint32_t owner, bool in_stream,
			      uint32_t max, bool *over)
{
	struct gvw_gate *g = calloc(1, sizeof(*g));
	int e;

	*over = false;
	if (!g)
		return NULL;
	g->w = w;
	g->owner = owner;
	g->in_stream = in_stream;
	g->token = atomic_fetch_add(&next_token, 1);
	pthread_mutex_lock(&w->lock);
	e = link_gate(w, g, max, over);
	pthread_mutex_unlock(&w->lock);
	if (e) {
		free(g);
		return NULL;
	}
	return g;
}

void gvw_gate_cancel(struct gvw_gate *g)
{
	pthread_mutex_lock(&g->w->lock);
	unlink_gate(g->w, g);
	pthread_cond_broadcast(&g->w->gate_cond);
	pthread_mutex_unlock(&g->w->lock);
	free(g);
}

int gvw_gate_mirror(struct gvw_worker *w, uint32_t owner, uint64_t token)
{
	struct gvw_gate *g = calloc(1, sizeof(*g));
	bool over = false;
	int e = -1;

	if (!g)
		return -1;
	g->w = w;
	g->owner = owner;
	g->token = token;
	pthread_mutex_lock(&w->lock);
	/* The worker process keeps its own limit; one past it is misbehaving. */
	if (!find_gate(&w->gates, owner, token))
		e = link_gate(w, g, w->limits.max_gates, &over);
	if (!e) {
		set_state(g, GVW_GATE_REACHED);
		pthread_cond_broadcast(&w->gate_cond);
	}
	pthread_mutex_unlock(&w->lock);
	if (e) {
		gvw_log(GVW_WARN, "session %u: gate %llu from its worker process not mirrored%s",
			owner, (unsigned long long)token, over ? " (limit max_gates)" : "");
		free(g);
	}
	return e;
}

/* Under w->lock: releases g and frees it unless a driver callback holds it. */
static void release_gate(struct gvw_worker *w, struct gvw_gate *g)
{
	set_state(g, GVW_GATE_RELEASED);
	if (!g->in_stream) {
		unlink_gate(w, g);
		free(g);
	}
	pthread_cond_broadcast(&w->gate_cond);
}

void gvw_gate_release_token(struct gvw_worker *w, uint64_t token)
{
	struct gvw_gate_table *t = &w->gates;
	struct gvw_gate *g = NULL;
	size_t b;

	/* A worker process serves one session: one owner to look under. */
	pthread_mutex_lock(&w->lock);
	for (b = 0; b < t->nown && !g; b++) {
		struct gvw_gate_owner *o;

		for (o = t->by_owner[b]; o && !g; o = o->hnext)
			g = find_gate(t, o->owner, token);
	}
	if (g)
		release_gate(w, g);
	pthread_mutex_unlock(&w->lock);
}

void gvw_gate_reached(struct gvw_gate *g)
{
	struct gvw_worker *w = g->w;

	pthread_mutex_lock(&w->lock);
	if (g->state == GVW_GATE_QUEUED)
		set_state(g, GVW_GATE_REACHED);
	pthread_cond_broadcast(&w->gate_cond);
	if (w->relay_fd >= 0) {
		struct gvw_gate_relay_msg m = { GVW_RELAY_REACHED, 0, g->token };

		/* Small and atomic on a socket; the parent takes it from here. */
		gvw_write_full(w->relay_fd, &m, sizeof(m));
	}
	if (g->in_stream) {
		while (g->state != GVW_GATE_RELEASED)
			pthread_cond_wait(&w->gate_cond, &w->lock);
		unlink_gate(w, g);
		pthread_mutex_unlock(&w->lock);
		free(g);
		return;
	}
	pthread_mutex_unlock(&w->lock);
}

uint64_t gvw_gate_wait(struct gvw_worker *w, uint32_t owner, unsigned int timeout_ms)
{
	struct timespec until;
	uint64_t token = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&w->lock);
	for (;;) {
		/* Looked up again after each wait: the owner may have come or gone. */
		struct gvw_gate_owner *o = find_owner(&w->gates, owner);

		if (o && o->rhead) {
			struct gvw_gate *g = o->rhead;

			set_state(g, GVW_GATE_TAKEN);
			token = g->token;
			break;
		}
		if (pthread_cond_timedwait(&w->gate_cond, &w->lock, &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	return token;
}

int gvw_gate_release(struct gvw_worker *w, uint32_t owner, uint64_t token)
{
	struct gvw_gate *g;
	int e = -1;

	pthread_mutex_lock(&w->lock);
	g = find_gate(&w->gates, owner, token);
	if (g && g->state == GVW_GATE_TAKEN) {
		release_gate(w, g);
		e = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return e;
}

void gvw_gate_release_all(struct gvw_worker *w, uint32_t owner)
{
	struct gvw_gate_owner *o;
	struct gvw_gate *g, *next;

	pthread_mutex_lock(&w->lock);
	o = find_owner(&w->gates, owner);
	/* Freeing the last gate frees o too: only next is read after that. */
	for (g = o ? o->gates : NULL; g; g = next) {
		next = g->next;
		/* An in-stream gate's driver callback unlinks and frees it (or never runs). */
		set_state(g, GVW_GATE_RELEASED);
		if (!g->in_stream) {
			unlink_gate(w, g);
			free(g);
		}
	}
	pthread_cond_broadcast(&w->gate_cond);
	pthread_mutex_unlock(&w->lock);
}

void gvw_gate_drain(struct gvw_worker *w, uint32_t owner)
{
	struct gvw_gate_owner *o;

	pthread_mutex_lock(&w->lock);
	while ((o = find_owner(&w->gates, owner)) && o->live)
		pthread_cond_wait(&w->gate_cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

uint32_t gvw_gate_count(struct gvw_worker *w, uint32_t owner)
{
	struct gvw_gate_owner *o;
	uint32_t n;

	pthread_mutex_lock(&w->lock);
	o = find_owner(&w->gates, owner);
	n = o ? o->live : 0;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void gvw_gates_destroy(struct gvw_worker *w)
{
	struct gvw_gate_table *t = &w->gates;
	size_t b;

	for (b = 0; b < t->nkey; b++) {
		struct gvw_gate *g, *next;

		for (g = t->by_key[b]; g; g = next) {
			next = g->hnext;
			if (!g->in_stream)	/* those belong to driver callbacks */
				free(g);
		}
	}
	for (b = 0; b < t->nown; b++) {
		struct gvw_gate_owner *o, *next;

		for (o = t->by_owner[b]; o; o = next) {
			next = o->hnext;
			free(o);
		}
	}
	free(t->by_key);
	free(t->by_owner);
	memset(t, 0, sizeof(*t));
}

uint64_t gvw_gate_key(const uint8_t secret[GVW_SIPHASH_KEY_BYTES], uint32_t owner)
{
	uint8_t m[4] = { (uint8_t)owner, (uint8_t)(owner >> 8), (uint8_t)(owner >> 16),
			 (uint8_t)(owner >> 24) };

	return gvw_siphash24(secret, m, sizeof(m));
}

bool gvw_gate_key_ok(const uint8_t secret[GVW_SIPHASH_KEY_BYTES], uint32_t owner,
		     uint64_t key)
{
	uint64_t d = gvw_gate_key(secret, owner) ^ key;

	/* No early exit: the top bit of d | -d is set exactly when d != 0. */
	return ((d | (0 - d)) >> 63) == 0;
}
