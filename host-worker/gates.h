/* SPDX-License-Identifier: MIT */
/*
 * Gates for host functions: a stream stops at a gate until the guest has
 * run its function.  Gates live in the worker, not the session, because
 * the guest releases them through a second session (see protocol.h).
 * They are found by (owner, token) through a hash table and by owner
 * through per-owner lists, so no call scans other sessions' gates; each
 * owner may hold at most max_gates unreleased ones.
 */
#ifndef GVIRTUS_GATES_H
#define GVIRTUS_GATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#include "hashtab.h"
#include "siphash.h"

struct gvw_worker;

enum gvw_gate_state {
	GVW_GATE_QUEUED,  /* the stream has not reached it */
	GVW_GATE_REACHED, /* waiting for the guest */
	GVW_GATE_TAKEN,	  /* the guest is running the function */
	GVW_GATE_RELEASED,
};

struct gvw_gate_owner;

struct gvw_gate {
	struct gvw_worker *w;
	uint64_t token;
	uint32_t owner;
	enum gvw_gate_state state;
	bool in_stream;	   /* a driver callback waits on it and frees it */
	uint64_t fn, data; /* a host node's function and argument in the guest, or 0 */
	struct gvw_gate_owner *o;
	struct gvw_hlink hlink;		/* in by_key, by (owner, token) */
	struct gvw_gate *prev, *next;	/* the owner's gates */
	struct gvw_gate *rprev, *rnext; /* the owner's reached gates, oldest first */
};

/* The worker's gates; under the worker's lock. */
struct gvw_gate_table {
	struct gvw_hashtab by_key;   /* gates */
	struct gvw_hashtab by_owner; /* struct gvw_gate_owner */
};

/*
 * In a worker process, gates are mirrored in the parent (which serves the
 * callback session): a reached gate is announced on the relay socket and
 * released when the parent says so.
 */
/* The relay's messages: struct gv_relay_msg (frame.h). */

/* A mirror of a worker process's reached gate, in the parent; -1 if refused. */
int gvw_gate_mirror(struct gvw_worker *w, uint32_t owner, uint64_t token, uint64_t fn,
		    uint64_t data);
/* Releases a gate by token alone (the parent's word, in a worker process). */
void gvw_gate_release_token(struct gvw_worker *w, uint64_t token);

/*
 * A new gate owned by session owner, or NULL: *over is set when owner
 * already holds max unreleased gates, else memory ran out.
 */
struct gvw_gate *gvw_gate_new(struct gvw_worker *w, uint32_t owner, bool in_stream, uint32_t max,
			      bool *over);
/* Forgets a gate that never made it into a stream. */
void gvw_gate_cancel(struct gvw_gate *g);
/* Marks it reached, and when in_stream, blocks until released, then frees it. */
void gvw_gate_reached(struct gvw_gate *g);
/*
 * The token of a reached gate of owner (now taken), with its function and
 * argument when a host node made it, or 0 after timeout_ms.
 */
uint64_t gvw_gate_wait(struct gvw_worker *w, uint32_t owner, unsigned int timeout_ms, uint64_t *fn,
		       uint64_t *data);
/* 0, or -1 if owner has no such taken gate. */
int gvw_gate_release(struct gvw_worker *w, uint32_t owner, uint64_t token);
/* Releases every gate of owner (session end). */
void gvw_gate_release_all(struct gvw_worker *w, uint32_t owner);
/*
 * A graph's host node as the host keeps it: the guest's function and
 * argument, for as long as the session lives, since executable graphs made
 * from the node name it long after the node changes or goes.  closed is
 * set (under the worker's lock) when the session ends: a graph still
 * running then passes its host nodes without waiting for the guest.
 */
struct gvw_host_fn {
	struct gvw_worker *w;
	uint32_t owner;
	bool closed;
	uint64_t fn, data;
	struct gvw_host_fn *next; /* the session's */
};

/*
 * The driver's host function for a host node: a gate carrying hf's
 * function, reached at once and waited on until the guest has run it.
 */
void gvw_gate_pass(void *hf);
/* Marks every host node of the list closed (session end). */
void gvw_host_fns_close(struct gvw_worker *w, struct gvw_host_fn *list);

/* Waits until owner has no unreleased gate (the CPU double's synchronize). */
void gvw_gate_drain(struct gvw_worker *w, uint32_t owner);
/* Gates of owner not yet released. */
uint32_t gvw_gate_count(struct gvw_worker *w, uint32_t owner);
/* Frees the tables and any gate no driver callback holds (worker end). */
void gvw_gates_destroy(struct gvw_worker *w);

/*
 * The session's gate key, which a second session must present: a MAC of
 * the owner under the worker's 128-bit secret.
 */
uint64_t gvw_gate_key(const uint8_t secret[GVW_SIPHASH_KEY_BYTES], uint32_t owner);
/* Whether key is owner's, compared in constant time. */
bool gvw_gate_key_ok(const uint8_t secret[GVW_SIPHASH_KEY_BYTES], uint32_t owner, uint64_t key);

#endif
