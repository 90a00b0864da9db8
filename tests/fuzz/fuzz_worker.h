/* SPDX-License-Identifier: MIT */
/*
 * What the message-path fuzz targets share: an in-process worker with the
 * CPU reference executor, made fresh for every input so that no state
 * (and no device address) carries from one input to the next, and a check
 * of the response bytes against the protocol's definition.
 */
#ifndef GVIRTUS_FUZZ_WORKER_H
#define GVIRTUS_FUZZ_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "gvirtus_worker.h"

/* The session the input drives; the guest's callback thread is another. */
#define FZ_SESSION_ID  1u
#define FZ_CALLBACK_ID 2u
/* Room for responses: every op's response fits many times over. */
#define FZ_RESP_CAP (256u * 1024)

struct fz_worker {
	struct gvw_worker *w;
	struct gvw_session *s;
	struct gvw_session *cb_session; /* the guest's callback thread's */
	uint64_t gate_key;
	pthread_t cb;
	int cb_running;
	atomic_int stop;
};

/*
 * A worker and an open session FZ_SESSION_ID.  with_callbacks also starts
 * the guest's callback thread: it takes and releases every host-function
 * gate of the session, as the guest library does, so that a synchronizing
 * call after HOST_FUNC_ENQUEUE returns instead of waiting forever.
 * Aborts when the worker cannot be made (that is the harness's bug).
 */
void fz_worker_start(struct fz_worker *f, int with_callbacks);
/* Stops the callback thread, closes the session, destroys the worker. */
void fz_worker_stop(struct fz_worker *f);

/*
 * Aborts unless resp[0..len) is what gvw_session_exec may write: back to
 * back gv_resp_hdr each followed by its payload, a payload only with
 * GV_OK and then exactly the op's response size from calls.def, never
 * more than cap bytes, and rc 0 exactly when something was written.
 */
void fz_check_responses(const unsigned char *resp, size_t len, size_t cap, int rc);

/* 1 when some message of the request can be op (walks headers as sent). */
int fz_has_op(const unsigned char *msg, size_t len, uint32_t op);

/* Little-endian reads from fuzz input. */
static inline uint16_t fz_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#endif
