/* SPDX-License-Identifier: MIT */
/*
 * The node arrays the driver lists (GRAPH_NODES): a graph's nodes, roots and
 * edges, a node's dependencies and dependents.  The host writes each entry's
 * handles (and edge data) into one buffer, which is spread here into the
 * caller's arrays; *count comes back as the driver reports it.
 */
#include "gvcu.h"

static CUresult graph_nodes(uint32_t what, uint64_t h, CUgraphNode *a, CUgraphNode *b,
			    CUgraphEdgeData *d, size_t *count)
{
	int edges = what == GV_GRAPH_EDGES;
	struct gv_graph_nodes_req q = {.handle = h, .what = what};
	struct gv_graph_nodes_resp r = {0};
	size_t n, per, i;
	struct gv_buf bb = {0};
	unsigned char *buf = NULL;
	CUresult e;

	if (!count || (edges && !a != !b) || (d && !a))
		return CUDA_ERROR_INVALID_VALUE;
	n = a ? *count : 0;
	if (n > GV_MAX_GRAPH_ENTRIES)
		return CUDA_ERROR_NOT_SUPPORTED; /* more than one request lists */
	per = 8 * (1 + (size_t)edges + (d != NULL));
	q.want = (a ? GV_GRAPH_WANT_NODES : 0) | (d ? GV_GRAPH_WANT_EDGE_DATA : 0);
	q.count = n;
	if (n) {
		buf = malloc(n * per);
		if (!buf)
			return CUDA_ERROR_OUT_OF_MEMORY;
		bb = (struct gv_buf){.addr = buf, .len = n * per, .dir = GV_BULK_FROM_HOST};
	}
	e = gvcu_rpc(GV_OP_GRAPH_NODES, &q, sizeof(q), NULL, 0, &r, sizeof(r), n ? &bb : NULL,
		     n ? 1 : 0);
	for (i = 0; !e && i < n; i++) {
		const unsigned char *at = buf + i * per;
		uint64_t v;

		memcpy(&v, at, 8);
		a[i] = (CUgraphNode)(uintptr_t)v;
		at += 8;
		if (edges) {
			memcpy(&v, at, 8);
			b[i] = (CUgraphNode)(uintptr_t)v;
			at += 8;
		}
		if (d)
			memcpy(&d[i], at, sizeof(d[i]));
	}
	free(buf);
	if (!e)
		*count = (size_t)r.count;
	return e;
}

GVCU_EXPORT CUresult cuGraphGetNodes(CUgraph g, CUgraphNode *nodes, size_t *n)
{
	return graph_nodes(GV_GRAPH_ALL_NODES, (uintptr_t)g, nodes, NULL, NULL, n);
}

GVCU_EXPORT CUresult cuGraphGetRootNodes(CUgraph g, CUgraphNode *roots, size_t *n)
{
	return graph_nodes(GV_GRAPH_ROOT_NODES, (uintptr_t)g, roots, NULL, NULL, n);
}

GVCU_EXPORT CUresult cuGraphGetEdges_v2(CUgraph g, CUgraphNode *from, CUgraphNode *to,
					CUgraphEdgeData *data, size_t *n)
{
	return graph_nodes(GV_GRAPH_EDGES, (uintptr_t)g, from, to, data, n);
}

GVCU_EXPORT CUresult cuGraphNodeGetDependencies_v2(CUgraphNode node, CUgraphNode *deps,
						   CUgraphEdgeData *data, size_t *n)
{
	return graph_nodes(GV_GRAPH_NODE_DEPS, (uintptr_t)node, deps, NULL, data, n);
}

GVCU_EXPORT CUresult cuGraphNodeGetDependentNodes_v2(CUgraphNode node, CUgraphNode *dependents,
						     CUgraphEdgeData *data, size_t *n)
{
	return graph_nodes(GV_GRAPH_NODE_DEPENDENTS, (uintptr_t)node, dependents, NULL, data, n);
}
