/* SPDX-License-Identifier: MIT */
/*
 * Host shadows of guest buffers for graphs' copy nodes (shadow.c); the
 * generated handlers' hooks are in gen_support.h.
 */
#ifndef GVIRTUS_SHADOW_H
#define GVIRTUS_SHADOW_H

#include <stdint.h>

#include "gen_support.h"

/* The buffer of shadow h when [first, first + len) lies in it, else NULL. */
void *gvw_shadow_span(struct gvw_session *s, uint64_t h, uint64_t first, uint64_t len);
/* 0 and the shadow holding host address p (its handle, p's offset in it
 * and the guest address it stands for), or -1 when none holds it. */
int gvw_shadow_of(struct gvw_session *s, const void *p, uint64_t *handle, uint64_t *offset,
		  uint64_t *guest);
/* Notes the shadows copy node node of executable graph exec (made in ctx)
 * reads and writes; forgets what a node used, before it is given new ones. */
int gvw_shadow_note_copy(struct gvw_session *s, void *ctx, void *exec, void *node,
			 const CUDA_MEMCPY3D *m);
void gvw_shadow_forget_node(struct gvw_session *s, void *exec, void *node);

#endif
