/* SPDX-License-Identifier: MIT */
/* What the worker's files share; nothing here crosses the API. */
#ifndef GVIRTUS_WORKER_INTERNAL_H
#define GVIRTUS_WORKER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "alloc_table.h"
#include "gvirtus_worker.h"
#include "protocol.h"

#define GVW_MAX_DEVICES 16

/*
 * An executor runs already validated operations.  Results are cudaError_t
 * values.  Addresses come with the session allocation they lie in.
 */
struct gvw_executor {
	const char *name;
	/* Fills w->device_count, w->count_result, w->driver_version. */
	void (*init)(struct gvw_worker *w);
	int (*device_info)(struct gvw_worker *w, int dev,
			   struct gv_device_info_resp *out);
	int (*ctx_create)(struct gvw_worker *w, int dev, void **ctx);
	void (*ctx_destroy)(void *ctx);
	int (*ctx_enter)(void *ctx);
	int (*synchronize)(void *ctx);
	int (*mem_get_info)(void *ctx, uint64_t *free_b, uint64_t *total_b);
	int (*mem_alloc)(void *ctx, uint64_t size, struct gvw_alloc *a);
	int (*mem_alloc_pitch)(void *ctx, uint64_t width, uint64_t height,
			       uint64_t *pitch, struct gvw_alloc *a);
	int (*mem_free)(void *ctx, struct gvw_alloc *a);
	int (*htod)(void *ctx, const struct gvw_alloc *a, uint64_t addr,
		    const void *src, size_t n);
	int (*dtoh)(void *ctx, void *dst, const struct gvw_alloc *a,
		    uint64_t addr, size_t n);
	int (*dtod)(void *ctx, const struct gvw_alloc *da, uint64_t dst,
		    const struct gvw_alloc *sa, uint64_t src, size_t n);
	int (*memset8)(void *ctx, const struct gvw_alloc *a, uint64_t addr,
		       uint8_t value, size_t n);
	/* Pitched copy where each side is device (a != NULL) or host. */
	int (*copy2d)(void *ctx, const struct gvw_alloc *da, uint64_t dst,
		      void *dst_host, uint64_t dpitch,
		      const struct gvw_alloc *sa, uint64_t src,
		      const void *src_host, uint64_t spitch,
		      uint64_t width, uint64_t height);
};

extern const struct gvw_executor gvw_exec_cuda;
extern const struct gvw_executor gvw_exec_cpu_reference;

struct gvw_worker {
	struct gvw_config cfg;
	const struct gvw_executor *ex;
	void *ex_state;			/* executor-wide state */
	int device_count;
	int count_result;		/* cudaError_t of counting devices */
	int driver_version;
	char describe[512];

	pthread_mutex_t lock;		/* guards what follows */
	struct gvw_session **sessions;
	unsigned int nsessions;
	uint64_t total_allocs, total_bytes;
	uint64_t sessions_closed, bytes_freed_at_close;
};

struct gvw_session {
	struct gvw_worker *w;
	uint32_t id;
	void *ctx[GVW_MAX_DEVICES];	/* created at first use */
	struct gvw_alloc_table allocs;
};

/* One message being executed. */
struct gvw_call {
	struct gvw_session *s;
	int dev;
	const void *req;
	void *resp;
	const struct gvw_bulk *bulk;	/* NULL when the message has none */
	void *ctx;			/* s->ctx[dev], entered */
};

/* Accounting, under w->lock. */
void gvw_account(struct gvw_worker *w, int64_t allocs, int64_t bytes);

#endif
