/* SPDX-License-Identifier: MIT */
#include "gates.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "fdio.h"
#include "worker_internal.h"

static _Atomic uint64_t next_token = 1;

struct gvw_gate *gvw_gate_new(struct gvw_worker *w, uint32_t owner, bool in_stream)
{
	struct gvw_gate *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->w = w;
	g->owner = owner;
	g->in_stream = in_stream;
	g->token = atomic_fetch_add(&next_token, 1);
	pthread_mutex_lock(&w->lock);
	g->next = w->gates;
	w->gates = g;
	pthread_mutex_unlock(&w->lock);
	return g;
}

/* Under w->lock. */
static void unlink_gate(struct gvw_worker *w, struct gvw_gate *g)
{
	struct gvw_gate **p;

	for (p = &w->gates; *p; p = &(*p)->next) {
		if (*p == g) {
			*p = g->next;
			return;
		}
	}
}

void gvw_gate_cancel(struct gvw_gate *g)
{
	pthread_mutex_lock(&g->w->lock);
	unlink_gate(g->w, g);
	pthread_mutex_unlock(&g->w->lock);
	free(g);
}

int gvw_gate_mirror(struct gvw_worker *w, uint32_t owner, uint64_t token)
{
	struct gvw_gate *g = calloc(1, sizeof(*g));

	if (!g)
		return -1;
	g->w = w;
	g->owner = owner;
	g->token = token;
	g->state = GVW_GATE_REACHED;
	pthread_mutex_lock(&w->lock);
	g->next = w->gates;
	w->gates = g;
	pthread_cond_broadcast(&w->gate_cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void gvw_gate_release_token(struct gvw_worker *w, uint64_t token)
{
	struct gvw_gate *g;

	pthread_mutex_lock(&w->lock);
	for (g = w->gates; g; g = g->next)
		if (g->token == token)
			break;
	if (g) {
		g->state = GVW_GATE_RELEASED;
		if (!g->in_stream) {
			unlink_gate(w, g);
			free(g);
		}
		pthread_cond_broadcast(&w->gate_cond);
	}
	pthread_mutex_unlock(&w->lock);
}

void gvw_gate_reached(struct gvw_gate *g)
{
	struct gvw_worker *w = g->w;

	pthread_mutex_lock(&w->lock);
	if (g->state == GVW_GATE_QUEUED)
		g->state = GVW_GATE_REACHED;
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
		struct gvw_gate *g, *oldest = NULL;

		/* The list is newest first: take the oldest reached gate. */
		for (g = w->gates; g; g = g->next)
			if (g->owner == owner && g->state == GVW_GATE_REACHED)
				oldest = g;
		if (oldest) {
			oldest->state = GVW_GATE_TAKEN;
			token = oldest->token;
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
	struct gvw_gate *g, *found = NULL;

	pthread_mutex_lock(&w->lock);
	for (g = w->gates; g; g = g->next)
		if (g->token == token && g->owner == owner && g->state == GVW_GATE_TAKEN)
			found = g;
	if (found) {
		found->state = GVW_GATE_RELEASED;
		if (!found->in_stream) {
			unlink_gate(w, found);
			free(found);
		}
		pthread_cond_broadcast(&w->gate_cond);
	}
	pthread_mutex_unlock(&w->lock);
	return found ? 0 : -1;
}

void gvw_gate_release_all(struct gvw_worker *w, uint32_t owner)
{
	struct gvw_gate **p = &w->gates;

	pthread_mutex_lock(&w->lock);
	while (*p) {
		struct gvw_gate *g = *p;

		if (g->owner != owner) {
			p = &g->next;
			continue;
		}
		g->state = GVW_GATE_RELEASED;
		if (g->in_stream) {
			/* Its driver callback unlinks and frees it (or never runs). */
			p = &g->next;
		} else {
			*p = g->next;
			free(g);
		}
	}
	pthread_cond_broadcast(&w->gate_cond);
	pthread_mutex_unlock(&w->lock);
}

void gvw_gate_drain(struct gvw_worker *w, uint32_t owner)
{
	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct gvw_gate *g;

		for (g = w->gates; g; g = g->next)
			if (g->owner == owner && g->state != GVW_GATE_RELEASED)
				break;
		if (!g)
			break;
		pthread_cond_wait(&w->gate_cond, &w->lock);
	}
	pthread_mutex_unlock(&w->lock);
}

uint64_t gvw_gate_key(uint32_t owner, uint64_t secret)
{
	/* splitmix64 of the two: unguessable without the worker's secret. */
	uint64_t z = secret ^ ((uint64_t)owner * 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
