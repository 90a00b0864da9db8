/* SPDX-License-Identifier: MIT */
/* A stream's capture state (CAPTURE_INFO), for the driver API and the runtime. */
#include "gvcu.h"

/* The arrays a call returns live until the thread's next call, as natively
 * until the next call on the stream. */
static _Thread_local CUgraphNode deps[GV_MAX_CAPTURE_DEPS];
static _Thread_local CUgraphEdgeData edges[GV_MAX_CAPTURE_DEPS];

CUresult gvcu_capture_info(CUstream s, CUstreamCaptureStatus *status, cuuint64_t *id,
			   CUgraph *graph, const CUgraphNode **deps_out,
			   const CUgraphEdgeData **edges_out, size_t *n)
{
	struct gv_capture_info_req q = {
	    .stream = gv_stream_value((cudaStream_t)s),
	    .want = (graph ? GV_CAPTURE_WANT_GRAPH : 0) |
		    (deps_out || n ? GV_CAPTURE_WANT_DEPS : 0) |
		    (edges_out ? GV_CAPTURE_WANT_EDGES : 0),
	};
	struct gv_capture_info_resp *r = malloc(sizeof(*r));
	CUresult e;
	size_t i;

	if (!status)
		e = CUDA_ERROR_INVALID_VALUE;
	else if (!r)
		e = CUDA_ERROR_OUT_OF_MEMORY;
	else
		e = gvcu_rpc(GV_OP_CAPTURE_INFO, &q, sizeof(q), NULL, 0, r, sizeof(*r), NULL, 0);
	if (!e && r->ndeps > GV_MAX_CAPTURE_DEPS)
		e = CUDA_ERROR_INVALID_VALUE; /* not from an honest host */
	if (!e) {
		*status = (CUstreamCaptureStatus)r->status;
		if (id)
			*id = r->id;
		if (graph)
			*graph = (CUgraph)(uintptr_t)r->graph;
		for (i = 0; i < r->ndeps; i++) {
			deps[i] = (CUgraphNode)(uintptr_t)r->deps[i];
			memcpy(&edges[i], r->edges[i], sizeof(edges[i]));
		}
		if (deps_out)
			*deps_out = r->ndeps ? deps : NULL;
		if (edges_out)
			*edges_out = r->ndeps && r->has_edges ? edges : NULL;
		if (n)
			*n = r->ndeps;
	}
	free(r);
	return e;
}

GVCU_EXPORT CUresult cuStreamGetCaptureInfo_v3(CUstream s, CUstreamCaptureStatus *status,
					       cuuint64_t *id, CUgraph *graph,
					       const CUgraphNode **deps,
					       const CUgraphEdgeData **edge_data, size_t *n)
{
	return gvcu_capture_info(s, status, id, graph, deps, edge_data, n);
}

GVCU_EXPORT CUresult cuStreamGetCaptureInfo_v3_ptsz(CUstream s, CUstreamCaptureStatus *status,
						    cuuint64_t *id, CUgraph *graph,
						    const CUgraphNode **deps,
						    const CUgraphEdgeData **edge_data, size_t *n)
{
	return gvcu_capture_info(s ? s : CU_STREAM_PER_THREAD, status, id, graph, deps, edge_data,
				 n);
}
