/* SPDX-License-Identifier: MIT */
/*
 * gvirtus's own additions to the runtime shim, for tests and tools.  A
 * program that uses them runs only on gvirtus (NVIDIA's libcudart lacks
 * them): look them up with dlsym to stay portable.
 */
#ifndef GVIRTUS_EXT_H
#define GVIRTUS_EXT_H

#include <stdint.h>

struct gvirtus_worker_stats {
	uint32_t sessions;   /* live sessions of this VM or backend */
	uint32_t session_id; /* the caller's */
	uint64_t session_allocs, session_bytes;
	uint64_t total_allocs, total_bytes;
	uint64_t sessions_closed, bytes_freed_at_close;
	uint64_t session_calls, session_exec_ns; /* host worker time */
};

/* Returns a cudaError_t. */
int gvirtusGetWorkerStats(struct gvirtus_worker_stats *out);

#endif
