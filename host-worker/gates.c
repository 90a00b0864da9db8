/* SPDX-License-Identifier: MIT */
#include "gates.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "fdio.h"
#include "log.h"
#include "worker_internal.h"

/* One session's gates: all of them, and those reached, oldest first. */
struct gvw_gate_owner {
	uint32_t owner;
	uint32_t live; /* not yet released */
	struct gvw_gate *gates;
	struct gvw_gate *rhead, *rtail;
	struct gvw_hlink hlink; /* in by_owner */
};

#define FIRST_BUCKETS 64

static _Atomic uint64_t next_token = 1;

/* Tokens count up per process; the owner spreads equal tokens of several. */
static uint64_t key_hash(uint32_t owner, uint64_t token)
{
	uint64_t h = token * 0x9e3779b97f4a7c15ull ^ (uint64_t)owner * 0xc2b2ae3d27d4eb4full;

	return h ^ h >> 32;
}

static uint64_t owner_hash(uint32_t owner)
{
	return (uint64_t)owner * 0x9e3779b97f4a7c15ull >> 32;
}

static uint64_t gate_hash(const struct gvw_hlink *l)
{
	const struct gvw_gate *g = gvw_hentry(l, const struct gvw_gate, hlink);

	return key_hash(g->owner, g->token);
}

static uint64_t gate_owner_hash(const struct gvw_hlink *l)
{
	return owner_hash(gvw_hentry(l, const struct gvw_gate_owner, hlink)->owner);
}

/* Doubles a full table; on no memory its chains just grow. */
static void grow(struct gvw_hashtab *h, gvw_hash_fn *hash)
{
	if (gvw_hashtab_full(h))
		gvw_hashtab_resize(h, h->nbuckets * 2, hash);
}

static int tables_ready(struct gvw_gate_table *t)
{
	if (!t->by_key.nbuckets && gvw_hashtab_resize(&t->by_key, FIRST_BUCKETS, gate_hash))
		return -1;
	if (!t->by_owner.nbuckets &&
	    gvw_hashtab_resize(&t->by_owner, FIRST_BUCKETS, gate_owner_hash))
		return -1;
	return 0;
}

static struct gvw_gate_owner *find_owner(struct gvw_gate_table *t, uint32_t owner)
{
	struct gvw_hlink *l;

	for (l = gvw_hashtab_chain(&t->by_owner, owner_hash(owner)); l; l = l->next) {
		struct gvw_gate_owner *o = gvw_hentry(l, struct gvw_gate_owner, hlink);

		if (o->owner == owner)
			return o;
	}
	return NULL;
}

static struct gvw_gate *find_gate(struct gvw_gate_table *t, uint32_t owner, uint64_t token)
{
	struct gvw_hlink *l;

	for (l = gvw_hashtab_chain(&t->by_key, key_hash(owner, token)); l; l = l->next) {
		struct gvw_gate *g = gvw_hentry(l, struct gvw_gate, hlink);

		if (g->token == token && g->owner == owner)
			return g;
	}
	return NULL;
}

/* Under w->lock: the gate counted and findable, or -1 (*over: owner's limit). */
static int link_gate(struct gvw_worker *w, struct gvw_gate *g, uint32_t max, bool *over)
{
	struct gvw_gate_table *t = &w->gates;
	struct gvw_gate_owner *o;

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
		gvw_hashtab_insert(&t->by_owner, &o->hlink, owner_hash(o->owner));
		grow(&t->by_owner, gate_owner_hash);
	}
	g->o = o;
	g->next = o->gates;
	if (o->gates)
		o->gates->prev = g;
	o->gates = g;
	o->live++;
	gvw_hashtab_insert(&t->by_key, &g->hlink, key_hash(g->owner, g->token));
	grow(&t->by_key, gate_hash);
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
	struct gvw_gate_owner *o = g->o;

	set_state(g, GVW_GATE_RELEASED);
	gvw_hashtab_remove(&t->by_key, &g->hlink, key_hash(g->owner, g->token));
	if (g->prev)
		g->prev->next = g->next;
	else
		o->gates = g->next;
	if (g->next)
		g->next->prev = g->prev;
	g->o = NULL;
	if (o->gates)
		return;
	gvw_hashtab_remove(&t->by_owner, &o->hlink, owner_hash(o->owner));
	free(o);
}

struct gvw_gate *gvw_gate_new(struct gvw_worker *w, uint32_t owner, bool in_stream, uint32_t max,
			      bool *over)
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

int gvw_gate_mirror(struct gvw_worker *w, uint32_t owner, uint64_t token, uint64_t fn,
		    uint64_t data)
{
	struct gvw_gate *g = calloc(1, sizeof(*g));
	bool over = false;
	int e = -1;

	if (!g)
		return -1;
	g->w = w;
	g->owner = owner;
	g->token = token;
	g->fn = fn;
	g->data = data;
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
	for (b = 0; b < t->by_owner.nbuckets && !g; b++) {
		struct gvw_hlink *l;

		for (l = t->by_owner.v[b]; l && !g; l = l->next)
			g = find_gate(t, gvw_hentry(l, struct gvw_gate_owner, hlink)->owner, token);
	}
	if (g)
		release_gate(w, g);
	pthread_mutex_unlock(&w->lock);
}

/* Under w->lock: g reached, and said so to the parent of a worker process. */
static void reach(struct gvw_worker *w, struct gvw_gate *g)
{
	if (g->state == GVW_GATE_QUEUED)
		set_state(g, GVW_GATE_REACHED);
	pthread_cond_broadcast(&w->gate_cond);
	if (w->relay_fd >= 0) {
		struct {
			struct gv_relay_msg m;
			struct gv_relay_gate_fn f;
		} __attribute__((packed))
		msg = {{GV_RELAY_REACHED, sizeof(struct gv_relay_gate_fn), g->token},
		       {g->fn, g->data}};

		/* Small and atomic on a socket; the parent takes it from here. */
		gvw_write_full(w->relay_fd, &msg, sizeof(msg));
	}
}

void gvw_gate_reached(struct gvw_gate *g)
{
	struct gvw_worker *w = g->w;

	pthread_mutex_lock(&w->lock);
	reach(w, g);
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

void gvw_gate_pass(void *arg)
{
	struct gvw_host_fn *hf = arg;
	struct gvw_worker *w = hf->w;
	struct gvw_gate *g = calloc(1, sizeof(*g));
	bool over = false;

	if (!g)
		return;
	g->w = w;
	g->owner = hf->owner;
	g->in_stream = true;
	g->fn = hf->fn;
	g->data = hf->data;
	g->token = atomic_fetch_add(&next_token, 1);
	pthread_mutex_lock(&w->lock);
	/* Checked under the lock that the session's end takes to set it. */
	if (hf->closed || link_gate(w, g, w->limits.max_gates, &over)) {
		pthread_mutex_unlock(&w->lock);
		if (over)
			gvw_log(GVW_WARN,
				"session %u: a host node passed without running: "
				"limit max_gates",
				hf->owner);
		free(g);
		return;
	}
	reach(w, g);
	while (g->state != GVW_GATE_RELEASED)
		pthread_cond_wait(&w->gate_cond, &w->lock);
	unlink_gate(w, g);
	pthread_mutex_unlock(&w->lock);
	free(g);
}

void gvw_host_fns_close(struct gvw_worker *w, struct gvw_host_fn *list)
{
	pthread_mutex_lock(&w->lock);
	for (; list; list = list->next)
		list->closed = true;
	pthread_mutex_unlock(&w->lock);
}

uint64_t gvw_gate_wait(struct gvw_worker *w, uint32_t owner, unsigned int timeout_ms, uint64_t *fn,
		       uint64_t *data)
{
	struct timespec until;
	uint64_t token = 0;

	*fn = *data = 0;
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
			*fn = g->fn;
			*data = g->data;
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

	for (b = 0; b < t->by_key.nbuckets; b++) {
		struct gvw_hlink *l, *next;

		for (l = t->by_key.v[b]; l; l = next) {
			struct gvw_gate *g = gvw_hentry(l, struct gvw_gate, hlink);

			next = l->next;
			if (!g->in_stream) /* those belong to driver callbacks */
				free(g);
		}
	}
	for (b = 0; b < t->by_owner.nbuckets; b++) {
		struct gvw_hlink *l, *next;

		for (l = t->by_owner.v[b]; l; l = next) {
			next = l->next;
			free(gvw_hentry(l, struct gvw_gate_owner, hlink));
		}
	}
	gvw_hashtab_free(&t->by_key);
	gvw_hashtab_free(&t->by_owner);
}

uint64_t gvw_gate_key(const uint8_t secret[GVW_SIPHASH_KEY_BYTES], uint32_t owner)
{
	uint8_t m[4] = {(uint8_t)owner, (uint8_t)(owner >> 8), (uint8_t)(owner >> 16),
			(uint8_t)(owner >> 24)};

	return gvw_siphash24(secret, m, sizeof(m));
}

bool gvw_gate_key_ok(const uint8_t secret[GVW_SIPHASH_KEY_BYTES], uint32_t owner, uint64_t key)
{
	uint64_t d = gvw_gate_key(secret, owner) ^ key;

	/* No early exit: the top bit of d | -d is set exactly when d != 0. */
	return ((d | (0 - d)) >> 63) == 0;
}
