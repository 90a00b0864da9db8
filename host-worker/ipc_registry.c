/* SPDX-License-Identifier: MIT */
/* The table of host-worker/ipc_registry.h. */
#include "ipc_registry.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "protocol.h"

void gvw_ipc_registry_init(struct gvw_ipc_registry *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
}

void gvw_ipc_registry_free(struct gvw_ipc_registry *r)
{
	free(r->v);
	pthread_mutex_destroy(&r->lock);
	memset(r, 0, sizeof(*r));
}

/* Equal tokens, in a time that does not tell how much of one matched. */
static int same_token(const uint64_t a[2], const uint64_t b[2])
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
}

static int put(struct gvw_ipc_registry *r, uint32_t owner, struct gv_relay_ipc *io)
{
	struct gvw_ipc_entry *e;
	size_t i, mine = 0;

	for (i = 0; i < r->n; i++) {
		e = &r->v[i];
		if (e->owner != owner)
			continue;
		mine++;
		if (e->kind == io->kind && memcmp(e->native, io->native, sizeof(e->native)) == 0) {
			memcpy(io->token, e->token, sizeof(io->token));
			return 0;
		}
	}
	if (mine >= GVW_IPC_MAX_PER_SESSION || r->n >= GVW_IPC_MAX) {
		gvw_log(GVW_WARN,
			"session %u: IPC handle refused: %zu kept for it, %zu in all "
			"(limits %u and %u)",
			owner, mine, r->n, GVW_IPC_MAX_PER_SESSION, GVW_IPC_MAX);
		return -1;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;

		e = realloc(r->v, cap * sizeof(*e));
		if (!e)
			return -1;
		r->v = e;
		r->cap = cap;
	}
	e = &r->v[r->n];
	if (getrandom(e->token, sizeof(e->token), 0) != (ssize_t)sizeof(e->token))
		return -1;
	e->owner = owner;
	e->kind = io->kind;
	memcpy(e->native, io->native, sizeof(e->native));
	memcpy(io->token, e->token, sizeof(io->token));
	r->n++;
	return 0;
}

static int get(struct gvw_ipc_registry *r, struct gv_relay_ipc *io)
{
	uint64_t token[2];
	size_t i;

	memcpy(token, io->token, sizeof(token));
	for (i = 0; i < r->n; i++) {
		if (r->v[i].kind == io->kind && same_token(r->v[i].token, token)) {
			memcpy(io->native, r->v[i].native, sizeof(io->native));
			return 0;
		}
	}
	return -1;
}

int gvw_ipc_registry_answer(struct gvw_ipc_registry *r, uint32_t owner, uint32_t type,
			    struct gv_relay_ipc *io)
{
	int e = -1;

	if (io->kind != GV_IPC_MEM && io->kind != GV_IPC_EVENT)
		return -1;
	pthread_mutex_lock(&r->lock);
	if (type == GV_RELAY_IPC_PUT)
		e = put(r, owner, io);
	else if (type == GV_RELAY_IPC_GET)
		e = get(r, io);
	pthread_mutex_unlock(&r->lock);
	return e;
}

void gvw_ipc_registry_drop(struct gvw_ipc_registry *r, uint32_t owner)
{
	size_t i = 0;

	pthread_mutex_lock(&r->lock);
	while (i < r->n) {
		if (r->v[i].owner == owner)
			r->v[i] = r->v[--r->n];
		else
			i++;
	}
	pthread_mutex_unlock(&r->lock);
}
