/* SPDX-License-Identifier: MIT */
/*
 * Host memory that copies DMA from directly (the data plane's item 2):
 * the guest RAM a worker process maps, registered with the executor in
 * the background once the session has a context, and each session's
 * staging buffer for copies of scattered guest pages.
 */
#ifndef GVIRTUS_RAM_PIN_H
#define GVIRTUS_RAM_PIN_H

#include <stddef.h>

struct gvw_worker;
struct gvw_session;
struct gvw_guest_ram;

/* In a worker process: the guest RAM it maps (kept until the worker goes). */
void gvw_ram_pin_set(struct gvw_worker *w, const struct gvw_guest_ram *ram);
/* A session context was made: starts registering the guest RAM in it
 * (once; again after that context is gone). */
void gvw_ram_pin_start(struct gvw_worker *w, void *ctx);
/* A context is about to be destroyed: registration in it ends first. */
void gvw_ram_pin_ctx_gone(struct gvw_worker *w, void *ctx);
/* Waits for a registration in progress, and forgets the RAM (the worker goes). */
void gvw_ram_pin_stop(struct gvw_worker *w);

/* What a session's staging buffer holds: two chunks of a staged copy. */
#define GVW_STAGE_BYTES (16u << 20)

/* The session's staging buffer of len bytes (registered in ctx, the
 * current one, where the executor can), or NULL; gvw_stage_free at the
 * session's end. */
void *gvw_stage_buf(struct gvw_session *s, void *ctx, size_t len);
void gvw_stage_free(struct gvw_session *s);
/* Whether the session's staging buffer is (or, made now in ctx, would be) pinned. */
int gvw_stage_pinned(struct gvw_session *s, void *ctx);

#endif
