/* SPDX-License-Identifier: MIT */
/*
 * Graphs' copies from and to this process's host memory.  A graph runs
 * long after the calls that built it, and the host may touch our pages
 * only during a request: so each host buffer a copy node names has a
 * shadow on the host (include/gvirtus/protocol.h), which the node copies
 * from or to instead.
 *
 * - Before each launch of an executable graph, the buffers its nodes read
 *   are written to their shadows: the bytes they hold when the launch is
 *   called, as the driver's pageable copies take them when the graph runs
 *   (a program that changes them between launch and execution races
 *   natively too).
 * - After a launch, the buffers its nodes write are pending.  The next
 *   synchronizing call that succeeds (a stream, event or device
 *   synchronize or query) reads back each one whose launch has finished on
 *   the host, so that the bytes are in place when that call returns, as
 *   natively once the work is known to be done.
 *
 * The host says which shadows an executable graph uses (GRAPH_SHADOWS,
 * asked once per graph, again after its copy parameters change); a process
 * that never made a shadow asks nothing.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gvrt.h"

#define MAX_EXECS 256 /* executable graphs whose lists are kept */

struct exec_list {
	uint64_t exec;
	uint32_t n;
	struct gv_graph_shadow s[GV_MAX_GRAPH_SHADOWS];
};

struct pending {
	uint64_t handle, guest, len;
};

/* Destinations with gaps between their rows or slices: the whole span comes
 * back from the shadow, so the gaps' bytes go to it before each launch. */
#define MAX_GAPPED 256
static uint64_t gapped[MAX_GAPPED];
static uint32_t ngapped;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int made;		/* shadows this process asked for */
static struct exec_list *execs; /* MAX_EXECS, most recent first */
static uint32_t nexecs;
static struct pending *pend;
static uint32_t npend, cappend;
static _Thread_local int settling;

/* Our own ops, whichever API asked: both are served by one session. */
static cudaError_t call(uint32_t op, const void *req, uint32_t req_len, void *resp,
			uint32_t resp_len, const struct gv_buf *b, unsigned int nb)
{
	int was = gv_driver_call;
	cudaError_t e;

	gv_driver_call = 1;
	e = gv_rpc(op, req, req_len, resp, resp_len, b, nb);
	gv_driver_call = was;
	return e;
}

cudaError_t gv_shadow_get(const void *guest, uint64_t len, uint64_t *handle)
{
	struct gv_shadow_get_req q = {(uintptr_t)guest, len};
	struct gv_handle_resp r = {0};
	cudaError_t e = call(GV_OP_SHADOW_GET, &q, sizeof(q), &r, sizeof(r), NULL, 0);

	if (!e) {
		*handle = r.handle;
		pthread_mutex_lock(&lock);
		made = 1;
		pthread_mutex_unlock(&lock);
	}
	return e;
}

/* The most one request carries. */
static uint64_t max_bulk(void)
{
	const struct gv_session_info *s = gv_session();

	return s->ready ? s->t->max_bulk : UINT64_MAX;
}

cudaError_t gv_shadow_write(uint64_t handle, const void *guest, uint64_t len)
{
	uint64_t off, chunk = max_bulk();
	cudaError_t e = cudaSuccess;

	for (off = 0; off < len && !e; off += chunk) {
		struct gv_shadow_io_req q = {handle, off, len - off < chunk ? len - off : chunk};
		struct gv_empty r;
		struct gv_buf b = {(const char *)guest + off, q.len, GV_BULK_TO_HOST};

		e = call(GV_OP_SHADOW_WRITE, &q, sizeof(q), &r, sizeof(r), &b, 1);
	}
	return e;
}

/* 1 and the bytes in place once the last launch writing them is done, 0
 * while it is not, or -1 on an error (e set). */
static int shadow_read(const struct pending *p, cudaError_t *e)
{
	uint64_t off, chunk = max_bulk();
	char *tmp = malloc(p->len);
	int ready = 1;

	/* Through our own buffer: a transport may write all of a buffer back,
	 * and the guest's must keep its bytes until the copy has happened.
	 * The first piece answers for the launch: the rest are done with it. */
	if (!tmp) {
		*e = cudaErrorMemoryAllocation;
		return -1;
	}
	*e = cudaSuccess;
	for (off = 0; off < p->len && !*e && ready; off += chunk) {
		struct gv_shadow_io_req q = {p->handle, off,
					     p->len - off < chunk ? p->len - off : chunk};
		struct gv_shadow_read_resp r = {0};
		struct gv_buf b = {tmp + off, q.len, GV_BULK_FROM_HOST};

		*e = call(GV_OP_SHADOW_READ, &q, sizeof(q), &r, sizeof(r), &b, 1);
		ready = r.ready;
	}
	if (!*e && ready)
		memcpy((void *)(uintptr_t)p->guest, tmp, p->len);
	free(tmp);
	return *e ? -1 : ready;
}

static int is_gapped(uint64_t h)
{
	uint32_t i;

	for (i = 0; i < ngapped; i++)
		if (gapped[i] == h)
			return 1;
	return 0;
}

cudaError_t gv_shadow_side(struct gv_copy_side *s, uint64_t width, uint64_t rows, uint64_t depth,
			   const void *base, int is_src)
{
	char *first = gv_copy_first_byte(s, base);
	uint64_t len = gv_copy_span(s, width, rows, depth), h;
	int gaps = (rows > 1 && s->pitch > width) || (depth > 1 && s->height > rows);
	cudaError_t e = gv_shadow_get(first, len, &h);

	if (!e && !is_src && gaps) {
		pthread_mutex_lock(&lock);
		if (!is_gapped(h) && ngapped == MAX_GAPPED)
			e = cudaErrorNotSupported; /* logged below */
		else if (!is_gapped(h))
			gapped[ngapped++] = h;
		pthread_mutex_unlock(&lock);
		if (e)
			gv_log(GV_LOG_ERROR,
			       "more than %d graph copies to host rows with gaps "
			       "between them: not supported",
			       MAX_GAPPED);
	}
	/* A source's bytes now too (a capture's copy may run at once as well),
	 * and a destination's gaps. */
	if (!e && (is_src || gaps))
		e = gv_shadow_write(h, first, len);
	if (!e) {
		s->kind = GV_COPY_SHADOW;
		s->addr = h;
	}
	return e;
}

int gv_stream_capturing(uint64_t stream)
{
	struct gv_capture_info_req q = {.stream = stream};
	struct gv_capture_info_resp r = {0};

	return call(GV_OP_CAPTURE_INFO, &q, sizeof(q), &r, sizeof(r), NULL, 0) == cudaSuccess &&
	       r.status == cudaStreamCaptureStatusActive;
}

int gv_copy_is_captured(cudaStream_t stream)
{
	return gv_capturing() && gv_stream_capturing(gv_stream_value(stream));
}

/* exec's list, asked for if not kept; under lock. */
static struct exec_list *list_of(uint64_t exec, cudaError_t *e)
{
	struct gv_handle_req q = {exec};
	struct gv_graph_shadows_resp r;
	struct exec_list l;
	uint32_t i;

	for (i = 0; i < nexecs; i++)
		if (execs[i].exec == exec)
			return &execs[i];
	memset(&r, 0, sizeof(r));
	*e = call(GV_OP_GRAPH_SHADOWS, &q, sizeof(q), &r, sizeof(r), NULL, 0);
	if (*e || r.n > GV_MAX_GRAPH_SHADOWS) {
		*e = *e ? *e : cudaErrorUnknown;
		return NULL;
	}
	if (!execs && !(execs = calloc(MAX_EXECS, sizeof(*execs)))) {
		*e = cudaErrorMemoryAllocation;
		return NULL;
	}
	l.exec = exec;
	l.n = r.n;
	memcpy(l.s, r.s, r.n * sizeof(r.s[0]));
	/* The oldest list goes when all are kept: asked again if needed. */
	if (nexecs < MAX_EXECS)
		nexecs++;
	memmove(&execs[1], &execs[0], (nexecs - 1) * sizeof(*execs));
	execs[0] = l;
	return &execs[0];
}

int gv_shadows_feed(uint64_t exec)
{
	struct exec_list *l;
	cudaError_t e = cudaSuccess;
	uint32_t i;

	pthread_mutex_lock(&lock);
	if (!made) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	l = list_of(exec, &e);
	for (i = 0; l && i < l->n && !e; i++)
		if ((l->s[i].use & GV_SHADOW_READ) || is_gapped(l->s[i].handle))
			e = gv_shadow_write(l->s[i].handle, (const void *)(uintptr_t)l->s[i].guest,
					    l->s[i].len);
	pthread_mutex_unlock(&lock);
	/* A handle the host does not know is the launch's own error to give;
	 * the others have the driver's numbers. */
	return e == cudaErrorInvalidResourceHandle ? 0 : (int)e;
}

void gv_shadows_launched(uint64_t exec)
{
	struct exec_list *l;
	uint32_t i, k;

	pthread_mutex_lock(&lock);
	for (l = NULL, i = 0; made && i < nexecs; i++)
		if (execs[i].exec == exec)
			l = &execs[i];
	for (i = 0; l && i < l->n; i++) {
		if (!(l->s[i].use & GV_SHADOW_WRITTEN))
			continue;
		for (k = 0; k < npend && pend[k].handle != l->s[i].handle; k++)
			;
		if (k < npend)
			continue; /* the latest launch's bytes come back once */
		if (npend == cappend) {
			uint32_t cap = cappend ? 2 * cappend : 16;
			void *v = realloc(pend, cap * sizeof(*pend));

			if (!v) {
				gv_log(GV_LOG_ERROR, "out of memory: a graph's copy to host "
						     "memory will not arrive");
				break;
			}
			pend = v;
			cappend = cap;
		}
		pend[npend++] = (struct pending){l->s[i].handle, l->s[i].guest, l->s[i].len};
	}
	pthread_mutex_unlock(&lock);
}

void gv_shadows_exec_gone(uint64_t exec)
{
	uint32_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nexecs; i++) {
		if (execs[i].exec == exec) {
			memmove(&execs[i], &execs[i + 1], (nexecs - i - 1) * sizeof(*execs));
			nexecs--;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

int gv_shadows_sync_op(uint32_t op)
{
	return npend && (op == GV_OP_STREAM_SYNCHRONIZE || op == GV_OP_STREAM_QUERY ||
			 op == GV_OP_EVENT_SYNCHRONIZE || op == GV_OP_EVENT_QUERY ||
			 op == GV_OP_DEVICE_SYNCHRONIZE);
}

void gv_shadows_settle(void)
{
	cudaError_t e;
	uint32_t i;

	if (settling)
		return;
	settling = 1;
	pthread_mutex_lock(&lock);
	for (i = 0; i < npend;) {
		int r = shadow_read(&pend[i], &e);

		if (r < 0)
			gv_log(GV_LOG_ERROR,
			       "a graph's copy to host memory could not be read "
			       "back (%d)",
			       (int)e);
		if (r != 0)
			pend[i] = pend[--npend];
		else
			i++;
	}
	pthread_mutex_unlock(&lock);
	settling = 0;
}
