/* SPDX-License-Identifier: MIT */
/*
 * gvirtus's own additions to the runtime shim, for tests and tools.  A
 * program that uses them runs only on gvirtus (NVIDIA's libcudart lacks
 * them): look them up with dlsym to stay portable.
 */
#ifndef GVIRTUS_EXT_H
#define GVIRTUS_EXT_H

#include <stddef.h>
#include <stdint.h>

struct gvirtus_worker_stats {
	uint32_t sessions;   /* live sessions of this VM or backend */
	uint32_t session_id; /* the caller's */
	uint64_t session_allocs, session_bytes;
	uint64_t total_allocs, total_bytes;
	uint64_t sessions_closed, bytes_freed_at_close;
	uint64_t session_calls, session_exec_ns; /* host worker time */
	uint64_t session_requests;		 /* round trips that carried the calls */
};

/*
 * Returns a cudaError_t.  gvirtusGetWorkerStats fills the fields up to
 * session_exec_ns (what it always did, for programs built with a shorter
 * struct); gvirtusGetWorkerStatsSized fills size bytes of them at most.
 */
int gvirtusGetWorkerStats(struct gvirtus_worker_stats *out);
int gvirtusGetWorkerStatsSized(struct gvirtus_worker_stats *out, size_t size);

#endif
