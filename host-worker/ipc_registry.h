/* SPDX-License-Identifier: MIT */
/*
 * The IPC handles of the sessions one process sees whole: a VM's (QEMU),
 * a backend's clients (gvirtus-backend), or the sessions of a process that
 * runs them itself.  A guest holds a random 128-bit token; only this table
 * maps it to the driver's handle, so a guest can neither forge a handle nor
 * use one after its exporting session ended.
 */
#ifndef GVIRTUS_IPC_REGISTRY_H
#define GVIRTUS_IPC_REGISTRY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/* Handles one session may export, and all sessions together. */
#define GVW_IPC_MAX_PER_SESSION 4096u
#define GVW_IPC_MAX		65536u

struct gvw_ipc_entry {
	uint32_t owner; /* the exporting session */
	uint32_t kind;	/* enum gv_ipc_kind */
	uint64_t token[2];
	uint8_t native[64];
};

struct gvw_ipc_registry {
	pthread_mutex_t lock;
	struct gvw_ipc_entry *v;
	size_t n, cap;
};

void gvw_ipc_registry_init(struct gvw_ipc_registry *r);
void gvw_ipc_registry_free(struct gvw_ipc_registry *r);
/*
 * Session owner's GV_RELAY_IPC_PUT (io: kind and native; the token comes
 * back in it, the same one for a handle kept already) or GV_RELAY_IPC_GET
 * (io: kind and token; the native handle comes back).  0, or -1: refused.
 */
int gvw_ipc_registry_answer(struct gvw_ipc_registry *r, uint32_t owner, uint32_t type,
			    struct gv_relay_ipc *io);
/* The session's handles go with it. */
void gvw_ipc_registry_drop(struct gvw_ipc_registry *r, uint32_t owner);

#endif
