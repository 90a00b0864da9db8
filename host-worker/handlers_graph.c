/* SPDX-License-Identifier: MIT */
/*
 * A graph's nodes, roots and edges, and a node's dependencies and dependents
 * (GRAPH_NODES): the driver's nodes become the session's handles (an object
 * keeps the one handle it has), written into the guest's buffer.  Nodes the
 * driver made itself (by stream capture, or in a child graph) get theirs
 * here, so the guest can name them in later calls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen_support.h"
#include "log.h"

_Static_assert(sizeof(CUgraphEdgeData) == 8, "edge data is 8 bytes");

/* The driver's listing: count entries from a (and b, for edges), with edges'
 * data in d when asked; *count in and out as the driver takes it. */
static int list(struct gvw_call *c, uint32_t what, void *h, CUgraphNode *a, CUgraphNode *b,
		CUgraphEdgeData *d, size_t *count)
{
	switch (what) {
	case GV_GRAPH_ALL_NODES:
		return (int)GVG_DRV(c, cuda, cuGraphGetNodes)(h, a, count);
	case GV_GRAPH_ROOT_NODES:
		return (int)GVG_DRV(c, cuda, cuGraphGetRootNodes)(h, a, count);
	case GV_GRAPH_EDGES:
		return (int)GVG_DRV(c, cuda, cuGraphGetEdges_v2)(h, a, b, d, count);
	case GV_GRAPH_NODE_DEPS:
		return (int)GVG_DRV(c, cuda, cuGraphNodeGetDependencies_v2)(h, a, d, count);
	default:
		return (int)GVG_DRV(c, cuda, cuGraphNodeGetDependentNodes_v2)(h, a, d, count);
	}
}

static int present(struct gvw_call *c, uint32_t what)
{
	switch (what) {
	case GV_GRAPH_ALL_NODES:
		return gvg_enter(c, GVG_FN(cuda, cuGraphGetNodes));
	case GV_GRAPH_ROOT_NODES:
		return gvg_enter(c, GVG_FN(cuda, cuGraphGetRootNodes));
	case GV_GRAPH_EDGES:
		return gvg_enter(c, GVG_FN(cuda, cuGraphGetEdges_v2));
	case GV_GRAPH_NODE_DEPS:
		return gvg_enter(c, GVG_FN(cuda, cuGraphNodeGetDependencies_v2));
	case GV_GRAPH_NODE_DEPENDENTS:
		return gvg_enter(c, GVG_FN(cuda, cuGraphNodeGetDependentNodes_v2));
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

/* Entry i's handles and edge data into the flat buffer, as the guest reads it. */
static int put(struct gvw_call *c, unsigned char *out, int edges, const CUgraphNode a,
	       const CUgraphNode b, const CUgraphEdgeData *d)
{
	uint64_t v;

	if (a && !(v = gvg_handle_new(c, GVW_H_GRAPH_NODE, a)))
		return CUDA_ERROR_OUT_OF_MEMORY;
	memcpy(out, a ? &v : &(uint64_t){0}, 8);
	out += 8;
	if (edges) {
		if (b && !(v = gvg_handle_new(c, GVW_H_GRAPH_NODE, b)))
			return CUDA_ERROR_OUT_OF_MEMORY;
		memcpy(out, b ? &v : &(uint64_t){0}, 8);
		out += 8;
	}
	if (d)
		memcpy(out, d, 8);
	return CUDA_SUCCESS;
}

int gvw_h_GRAPH_NODES(struct gvw_call *c)
{
	const struct gv_graph_nodes_req *q = c->req;
	struct gv_graph_nodes_resp *r = c->resp;
	int nodes = !!(q->want & GV_GRAPH_WANT_NODES), edges = q->what == GV_GRAPH_EDGES;
	int data = !!(q->want & GV_GRAPH_WANT_EDGE_DATA);
	size_t n = nodes ? (size_t)q->count : 0, per = 8 * (1 + edges + data), count = n, i;
	CUgraphNode *a = NULL, *b = NULL;
	CUgraphEdgeData *d = NULL;
	unsigned char *out = NULL;
	int staged = 0, e;
	void *h;

	if (q->want & ~(GV_GRAPH_WANT_NODES | GV_GRAPH_WANT_EDGE_DATA) ||
	    (data && (!nodes || q->what == GV_GRAPH_ALL_NODES || q->what == GV_GRAPH_ROOT_NODES)) ||
	    q->count > GV_MAX_GRAPH_ENTRIES || (!nodes && q->count))
		return CUDA_ERROR_INVALID_VALUE;
	e = present(c, q->what);
	if (!e)
		e = gvg_handle(c, q->handle,
			       q->what <= GV_GRAPH_EDGES ? GVW_H_GRAPH : GVW_H_GRAPH_NODE, &h);
	if (!e && n)
		e = gvg_bulk(c, GV_BULK_FROM_HOST, (uint64_t)n * per, (void **)&out, &staged);
	else if (!e && c->bulk)
		e = CUDA_ERROR_INVALID_VALUE; /* a buffer for no entry */
	if (e)
		return e;
	if (n) {
		a = calloc(n, sizeof(*a));
		b = edges ? calloc(n, sizeof(*b)) : NULL;
		d = data ? calloc(n, sizeof(*d)) : NULL;
		if (!a || (edges && !b) || (data && !d))
			e = CUDA_ERROR_OUT_OF_MEMORY;
	}
	if (!e)
		e = list(c, q->what, h, a, b, d, &count);
	for (i = 0; !e && i < n; i++)
		e = put(c, out + i * per, edges, a[i], edges ? b[i] : NULL, d ? &d[i] : NULL);
	if (!e && staged)
		gvg_bulk_unstage(c, out);
	if (staged)
		free(out);
	free(a);
	free(b);
	free(d);
	if (!e)
		r->count = count;
	return e;
}

static int kernel_node_present(struct gvw_call *c, uint32_t op)
{
	switch (op) {
	case GV_KERNEL_NODE_ADD:
		return gvg_enter(c, GVG_FN(cuda, cuGraphAddKernelNode_v2));
	case GV_KERNEL_NODE_SET:
		return gvg_enter(c, GVG_FN(cuda, cuGraphKernelNodeSetParams_v2));
	case GV_KERNEL_NODE_EXEC_SET:
		return gvg_enter(c, GVG_FN(cuda, cuGraphExecKernelNodeSetParams_v2));
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

/*
 * A kernel node's parameters: the session's function, LAUNCH's checks, and
 * the packed arguments handed to the driver as one buffer, which it copies
 * into the node.  Dependencies follow the arguments in the tail.
 */
int gvw_h_KERNEL_NODE(struct gvw_call *c)
{
	const struct gv_kernel_node_req *q = c->req;
	struct gv_handle_resp *r = c->resp;
	const struct gv_launch_req *l = &q->launch;
	struct gvw_handle_slot *slot;
	struct gvw_function *fn;
	CUgraphNode *deps = NULL, node = NULL;
	CUDA_KERNEL_NODE_PARAMS p = {0};
	void *buf = (void *)c->tail, *h = NULL;
	size_t size;
	void *extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, buf, CU_LAUNCH_PARAM_BUFFER_SIZE, &size,
			 CU_LAUNCH_PARAM_END};
	int e = kernel_node_present(c, q->op);

	if (e)
		return e;
	slot = gvw_handle_get(&c->s->handles, l->function, GVW_H_FUNCTION);
	if (!slot || slot->device != c->dev)
		return CUDA_ERROR_INVALID_HANDLE;
	fn = slot->obj;
	/* Exactly the function's arguments, then exactly the dependencies. */
	if (l->args_len != fn->args_size || (q->op != GV_KERNEL_NODE_ADD && q->ndeps) ||
	    q->ndeps > GV_MAX_ARRAY || c->tail_len != (uint64_t)l->args_len + 8ull * q->ndeps)
		return CUDA_ERROR_INVALID_VALUE;
	if (q->ndeps) {
		uint32_t at = l->args_len;

		e = gvg_handle_array(c, &at, q->ndeps, GVW_H_GRAPH_NODE, (void **)&deps);
		if (e)
			return e;
	}
	p.func = (CUfunction)fn->exec;
	p.gridDimX = l->grid[0];
	p.gridDimY = l->grid[1];
	p.gridDimZ = l->grid[2];
	p.blockDimX = l->block[0];
	p.blockDimY = l->block[1];
	p.blockDimZ = l->block[2];
	p.sharedMemBytes = l->shared_mem;
	size = fn->args_size;
	p.extra = size ? extra : NULL;
	switch (q->op) {
	case GV_KERNEL_NODE_ADD:
		e = gvg_handle(c, q->graph, GVW_H_GRAPH, &h);
		if (!e)
			e = (int)GVG_DRV(c, cuda, cuGraphAddKernelNode_v2)(&node, h, deps, q->ndeps,
									   &p);
		if (!e && !(r->handle = gvg_handle_new(c, GVW_H_GRAPH_NODE, node)))
			e = CUDA_ERROR_OUT_OF_MEMORY;
		break;
	case GV_KERNEL_NODE_SET:
		e = gvg_handle(c, q->node, GVW_H_GRAPH_NODE, (void **)&node);
		if (!e)
			e = (int)GVG_DRV(c, cuda, cuGraphKernelNodeSetParams_v2)(node, &p);
		break;
	default:
		e = gvg_handle(c, q->graph, GVW_H_GRAPH_EXEC, &h);
		if (!e)
			e = gvg_handle(c, q->node, GVW_H_GRAPH_NODE, (void **)&node);
		if (!e)
			e = (int)GVG_DRV(c, cuda, cuGraphExecKernelNodeSetParams_v2)(h, node, &p);
		break;
	}
	free(deps);
	return e;
}

/*
 * A conditional node on one of the session's conditional handles; the body
 * graphs the driver makes for it become the session's handles, and are
 * recorded so that they go with the node.
 */
int gvw_h_COND_NODE(struct gvw_call *c)
{
	const struct gv_cond_node_req *q = c->req;
	struct gv_cond_node_resp *r = c->resp;
	CUgraphNodeParams p;
	CUgraphNode *deps = NULL, node = NULL;
	uint32_t at = 0, i;
	void *g = NULL;
	int e = gvg_enter(c, GVG_FN(cuda, cuGraphAddNode_v2));

	if (e)
		return e;
	if (q->size == 0 || q->size > GV_MAX_COND_GRAPHS || q->reserved)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvg_arrays(c, q->ndeps, 8);
	if (!e)
		e = gvg_handle(c, q->graph, GVW_H_GRAPH, &g);
	if (!e)
		e = gvg_cond_handle_check(c, q->handle);
	if (!e)
		e = gvg_handle_array(c, &at, q->ndeps, GVW_H_GRAPH_NODE, (void **)&deps);
	if (e)
		return e;
	memset(&p, 0, sizeof(p));
	p.type = CU_GRAPH_NODE_TYPE_CONDITIONAL;
	p.conditional.handle = q->handle;
	p.conditional.type = (CUgraphConditionalNodeType)q->type;
	p.conditional.size = q->size;
	/* The driver refuses a conditional node without its context. */
	p.conditional.ctx = (CUcontext)c->ctx;
	e = (int)GVG_DRV(c, cuda, cuGraphAddNode_v2)(&node, g, deps, NULL, q->ndeps, &p);
	free(deps);
	if (!e && !p.conditional.phGraph_out)
		e = CUDA_ERROR_UNKNOWN; /* no bodies from the driver */
	if (!e)
		e = gvg_cond_node_add(c, node, (void *const *)p.conditional.phGraph_out, q->size);
	if (!e && !(r->node = gvg_handle_new(c, GVW_H_GRAPH_NODE, node)))
		e = CUDA_ERROR_OUT_OF_MEMORY;
	for (i = 0; !e && i < q->size; i++)
		if (!(r->graphs[i] = gvg_handle_new(c, GVW_H_GRAPH, p.conditional.phGraph_out[i])))
			e = CUDA_ERROR_OUT_OF_MEMORY;
	return e;
}

/*
 * An executable graph updated from a graph.  Its result info names nodes,
 * which go back as the session's handles, on failure too.
 */
int gvw_h_GRAPH_EXEC_UPDATE(struct gvw_call *c)
{
	const struct gv_graph_exec_update_req *q = c->req;
	struct gv_graph_exec_update_resp *r = c->resp;
	CUgraphExecUpdateResultInfo info = {0};
	void *exec, *g;
	int e = gvg_enter(c, GVG_FN(cuda, cuGraphExecUpdate_v2));

	if (!e)
		e = gvg_handle(c, q->exec, GVW_H_GRAPH_EXEC, &exec);
	if (!e)
		e = gvg_handle(c, q->graph, GVW_H_GRAPH, &g);
	if (!e)
		e = gvg_shadow_update_ok(c, g, exec);
	if (e)
		return e;
	e = (int)GVG_DRV(c, cuda, cuGraphExecUpdate_v2)(exec, g, &info);
	r->result = info.result;
	if (info.errorNode &&
	    !(r->error_node = gvg_handle_new(c, GVW_H_GRAPH_NODE, info.errorNode)))
		return CUDA_ERROR_OUT_OF_MEMORY;
	if (info.errorFromNode &&
	    !(r->error_from_node = gvg_handle_new(c, GVW_H_GRAPH_NODE, info.errorFromNode)))
		return CUDA_ERROR_OUT_OF_MEMORY;
	return e;
}

/* The session's function whose driver function is f, on the caller's device. */
static struct gvw_function *function_with(struct gvw_call *c, void *f)
{
	size_t i;

	for (i = 0; i < c->s->handles.n; i++) {
		struct gvw_handle_slot *h = &c->s->handles.v[i];

		if (h->kind == GVW_H_FUNCTION && h->device == c->dev &&
		    ((struct gvw_function *)h->obj)->exec == f)
			return h->obj;
	}
	return NULL;
}

/* The argument block the driver keeps, as the function's layout packs it. */
static int node_args(const CUDA_KERNEL_NODE_PARAMS *p, const struct gvw_function *fn,
		     unsigned char *out)
{
	const void *buf = NULL;
	size_t size = 0;
	uint32_t i;

	if (p->kernelParams) {
		for (i = 0; i < fn->nparams; i++)
			memcpy(out + fn->params[i].offset, p->kernelParams[i], fn->params[i].size);
		return CUDA_SUCCESS;
	}
	/* One buffer: no more of it than the driver says it holds. */
	for (i = 0; p->extra && p->extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
		if (p->extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER)
			buf = p->extra[i + 1];
		else if (p->extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE && p->extra[i + 1])
			size = *(const size_t *)p->extra[i + 1];
	}
	if (buf && size >= fn->args_size) {
		memcpy(out, buf, fn->args_size);
		return CUDA_SUCCESS;
	}
	return fn->args_size ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

/*
 * A kernel node's parameters (KERNEL_NODE_GET): its function as the
 * session's handle, its arguments as that function's layout packs them.
 */
int gvw_h_KERNEL_NODE_GET(struct gvw_call *c)
{
	const struct gv_kernel_node_get_req *q = c->req;
	struct gv_kernel_node_get_resp *r = c->resp;
	CUDA_KERNEL_NODE_PARAMS p = {0};
	struct gvw_function *fn;
	unsigned char *args;
	void *node;
	int e = gvg_enter(c, GVG_FN(cuda, cuGraphKernelNodeGetParams_v2));

	if (!e)
		e = gvg_handle(c, q->node, GVW_H_GRAPH_NODE, &node);
	if (e)
		return e;
	if (!gvw_bulk_ok(c, GV_BULK_FROM_HOST, q->buf_len))
		return CUDA_ERROR_INVALID_VALUE;
	e = (int)GVG_DRV(c, cuda, cuGraphKernelNodeGetParams_v2)(node, &p);
	if (e)
		return e;
	fn = function_with(c, p.func);
	if (!fn) {
		gvw_log(GVW_WARN, "session %u: a kernel node's function is none of the session's",
			c->s->id);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	if (fn->args_size > q->buf_len)
		return CUDA_ERROR_INVALID_VALUE;
	args = calloc(1, fn->args_size ? fn->args_size : 1);
	if (!args)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e = node_args(&p, fn, args);
	if (!e)
		gvw_bulk_put(c->bulk, 0, args, fn->args_size);
	free(args);
	r->launch = (struct gv_launch_req){
	    .function = fn->handle,
	    .grid = {p.gridDimX, p.gridDimY, p.gridDimZ},
	    .block = {p.blockDimX, p.blockDimY, p.blockDimZ},
	    .shared_mem = p.sharedMemBytes,
	    .args_len = fn->args_size,
	};
	r->nparams = fn->nparams;
	if (fn->nparams)
		memcpy(r->params, fn->params, fn->nparams * sizeof(*fn->params));
	return e;
}

/*
 * A graph in DOT (GRAPH_DOT): the driver writes it into a memory file of
 * this process, never a path on the host; the bytes go into the guest's
 * buffer when they fit, and their size back in any case.
 */
int gvw_h_GRAPH_DOT(struct gvw_call *c)
{
	const struct gv_graph_dot_req *q = c->req;
	struct gv_graph_dot_resp *r = c->resp;
	char path[64], piece[65536];
	struct stat st;
	uint64_t at;
	void *g;
	int fd, e = gvg_enter(c, GVG_FN(cuda, cuGraphDebugDotPrint));

	if (!e)
		e = gvg_handle(c, q->graph, GVW_H_GRAPH, &g);
	if (e)
		return e;
	if (q->buf_len > GV_MAX_GRAPH_DOT ||
	    (q->buf_len ? !gvw_bulk_ok(c, GV_BULK_FROM_HOST, q->buf_len) : c->bulk != NULL))
		return CUDA_ERROR_INVALID_VALUE;
	fd = memfd_create("gvirtus-graph-dot", MFD_CLOEXEC);
	if (fd < 0)
		return CUDA_ERROR_OPERATING_SYSTEM;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	e = (int)GVG_DRV(c, cuda, cuGraphDebugDotPrint)(g, path, q->flags);
	if (!e && fstat(fd, &st))
		e = CUDA_ERROR_OPERATING_SYSTEM;
	if (!e) {
		r->size = (uint64_t)st.st_size;
		for (at = 0; r->size <= q->buf_len && at < r->size;) {
			ssize_t n = pread(fd, piece, sizeof(piece), (off_t)at);

			if (n <= 0) {
				e = CUDA_ERROR_OPERATING_SYSTEM;
				break;
			}
			gvw_bulk_put(c->bulk, at, piece, (size_t)n);
			at += (uint64_t)n;
		}
	}
	close(fd);
	return e;
}
