/* SPDX-License-Identifier: MIT */
/*
 * A stream's capture state (CAPTURE_INFO): status, id, and, when asked,
 * its graph and the nodes the next captured work will depend on, as the
 * session's handles (an object keeps the one handle it has).  More than
 * GV_MAX_CAPTURE_DEPS nodes is refused rather than cut short.
 */
#include "gen_support.h"
#include "log.h"

_Static_assert(sizeof(CUgraphEdgeData) == sizeof(((struct gv_capture_info_resp *)0)->edges[0]),
	       "edge data is 8 bytes");

int gvw_h_CAPTURE_INFO(struct gvw_call *c)
{
	const struct gv_capture_info_req *q = c->req;
	struct gv_capture_info_resp *r = c->resp;
	CUstreamCaptureStatus status = CU_STREAM_CAPTURE_STATUS_NONE;
	cuuint64_t id = 0;
	CUgraph graph = NULL;
	const CUgraphNode *deps = NULL;
	const CUgraphEdgeData *edges = NULL;
	size_t n = 0, i;
	void *stream = NULL;
	int want_deps = !!(q->want & GV_CAPTURE_WANT_DEPS);
	int e = gvg_enter(c, GVG_FN(cuda, cuStreamGetCaptureInfo_v3));

	if (!e)
		e = gvg_stream(c, q->stream, &stream);
	if (!e)
		e = (int)GVG_DRV(c, cuda, cuStreamGetCaptureInfo_v3)(
		    stream, &status, &id, (q->want & GV_CAPTURE_WANT_GRAPH) ? &graph : NULL,
		    want_deps ? &deps : NULL,
		    want_deps && (q->want & GV_CAPTURE_WANT_EDGES) ? &edges : NULL,
		    want_deps ? &n : NULL);
	if (e)
		return e;
	if (n > GV_MAX_CAPTURE_DEPS) {
		gvw_log(GVW_WARN, "session %u: a capture ends at %zu nodes, more than %d carried",
			c->s->id, n, GV_MAX_CAPTURE_DEPS);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	r->status = status;
	r->id = id;
	if (graph && !(r->graph = gvg_handle_new(c, GVW_H_GRAPH, graph)))
		return CUDA_ERROR_OUT_OF_MEMORY;
	r->ndeps = n;
	for (i = 0; i < n; i++)
		if (!(r->deps[i] = gvg_handle_new(c, GVW_H_GRAPH_NODE, (void *)deps[i])))
			return CUDA_ERROR_OUT_OF_MEMORY;
	if (edges) {
		r->has_edges = 1;
		memcpy(r->edges, edges, n * sizeof(*edges));
	}
	return CUDA_SUCCESS;
}
