/* SPDX-License-Identifier: MIT */
/*
 * Graphs' host nodes (HOST_NODE, and host functions launched on a stream
 * being captured).  The guest's function runs in the guest, at every
 * launch of every executable graph made from the node: the driver's node
 * runs gvw_gate_pass on a record holding the guest's function and
 * argument, which reaches a fresh gate each time (gates.c).  Records live
 * until the session ends, since executable graphs keep naming them after
 * their node changes or goes; equal ones are shared, and each is charged
 * to the session's host bytes.
 */
#include "gates.h"
#include "gen_support.h"
#include "handlers.h"
#include "log.h"

/* The session's record for (fn, data), made if new; NULL with *e set. */
static struct gvw_host_fn *record(struct gvw_call *c, uint64_t fn, uint64_t data, int *e)
{
	struct gvw_session *s = c->s;
	struct gvw_host_fn *hf;

	*e = CUDA_SUCCESS;
	for (hf = s->host_fns; hf; hf = hf->next)
		if (hf->fn == fn && hf->data == data)
			return hf;
	*e = gvw_host_charge(s, sizeof(*hf));
	if (*e)
		return NULL;
	hf = calloc(1, sizeof(*hf));
	if (!hf) {
		gvw_host_uncharge(s, sizeof(*hf));
		*e = CUDA_ERROR_OUT_OF_MEMORY;
		return NULL;
	}
	hf->w = s->w;
	hf->owner = s->id;
	hf->fn = fn;
	hf->data = data;
	hf->next = s->host_fns;
	s->host_fns = hf;
	return hf;
}

/* Whether p is one of the session's records (parameters the driver read back). */
static const struct gvw_host_fn *known(const struct gvw_session *s, const void *p)
{
	const struct gvw_host_fn *hf;

	for (hf = s->host_fns; hf; hf = hf->next)
		if (hf == p)
			return hf;
	return NULL;
}

uint64_t gvw_gate_key_of(struct gvw_call *c)
{
	struct gvw_worker *w = c->s->w;

	/* In a worker process the parent serves the gates, with its key. */
	return w->relay_fd >= 0 ? w->relay_key : gvw_gate_key(w->gate_secret, c->s->id);
}

void gvw_host_fns_end(struct gvw_session *s, bool free_them)
{
	struct gvw_host_fn *hf, *next;

	if (!free_them) {
		gvw_host_fns_close(s->w, s->host_fns);
		return;
	}
	for (hf = s->host_fns; hf; hf = next) {
		next = hf->next;
		gvw_host_uncharge(s, sizeof(*hf));
		free(hf);
	}
	s->host_fns = NULL;
}

int gvw_host_fn_capture(struct gvw_call *c, void *stream, uint64_t fn, uint64_t data,
			struct gv_gate_resp *r)
{
	struct gvw_host_fn *hf;
	int e = gvg_enter(c, GVG_FN(cuda, cuLaunchHostFunc));

	if (!e)
		hf = record(c, fn, data, &e);
	if (e)
		return e;
	r->token = 0; /* no gate now: one at each run of the graph */
	r->key = gvw_gate_key_of(c);
	r->owner = c->s->id;
	return (int)GVG_DRV(c, cuda, cuLaunchHostFunc)(stream, gvw_gate_pass, hf);
}

static int node_present(struct gvw_call *c, uint32_t op)
{
	switch (op) {
	case GV_HOST_NODE_ADD:
		return gvg_enter(c, GVG_FN(cuda, cuGraphAddHostNode));
	case GV_HOST_NODE_SET:
		return gvg_enter(c, GVG_FN(cuda, cuGraphHostNodeSetParams));
	case GV_HOST_NODE_EXEC_SET:
		return gvg_enter(c, GVG_FN(cuda, cuGraphExecHostNodeSetParams));
	case GV_HOST_NODE_GET:
		return gvg_enter(c, GVG_FN(cuda, cuGraphHostNodeGetParams));
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

static int node_get(struct gvw_call *c, CUgraphNode node, struct gv_host_node_resp *r)
{
	CUDA_HOST_NODE_PARAMS p = {0};
	const struct gvw_host_fn *hf;
	int e = (int)GVG_DRV(c, cuda, cuGraphHostNodeGetParams)(node, &p);

	if (e)
		return e;
	hf = known(c->s, p.userData);
	if (p.fn != gvw_gate_pass || !hf)
		return CUDA_ERROR_INVALID_VALUE; /* not a node this session made */
	r->fn = hf->fn;
	r->data = hf->data;
	return CUDA_SUCCESS;
}

int gvw_h_HOST_NODE(struct gvw_call *c)
{
	const struct gv_host_node_req *q = c->req;
	struct gv_host_node_resp *r = c->resp;
	CUgraphNode *deps = NULL, node = NULL;
	CUDA_HOST_NODE_PARAMS p = {.fn = gvw_gate_pass};
	void *h = NULL;
	uint32_t at = 0;
	int e = node_present(c, q->op);

	if (e)
		return e;
	if ((q->op != GV_HOST_NODE_ADD && q->ndeps) || q->ndeps > GV_MAX_ARRAY ||
	    c->tail_len != 8ull * q->ndeps || c->bulk)
		return CUDA_ERROR_INVALID_VALUE;
	if (q->op != GV_HOST_NODE_ADD) {
		e = gvg_handle(c, q->node, GVW_H_GRAPH_NODE, (void **)&node);
		if (e)
			return e;
	}
	if (q->op == GV_HOST_NODE_GET)
		return node_get(c, node, r);
	if (!q->fn)
		return CUDA_ERROR_INVALID_VALUE; /* as the driver: a node needs a function */
	p.userData = record(c, q->fn, q->data, &e);
	if (e)
		return e;
	r->key = gvw_gate_key_of(c);
	r->owner = c->s->id;
	switch (q->op) {
	case GV_HOST_NODE_ADD:
		e = gvg_handle(c, q->graph, GVW_H_GRAPH, &h);
		if (!e && q->ndeps)
			e = gvg_handle_array(c, &at, q->ndeps, GVW_H_GRAPH_NODE, (void **)&deps);
		if (!e)
			e = (int)GVG_DRV(c, cuda, cuGraphAddHostNode)(&node, h, deps, q->ndeps, &p);
		if (!e && !(r->handle = gvg_handle_new(c, GVW_H_GRAPH_NODE, node)))
			e = CUDA_ERROR_OUT_OF_MEMORY;
		free(deps);
		return e;
	case GV_HOST_NODE_SET:
		return (int)GVG_DRV(c, cuda, cuGraphHostNodeSetParams)(node, &p);
	default:
		e = gvg_handle(c, q->graph, GVW_H_GRAPH_EXEC, &h);
		return e ? e : (int)GVG_DRV(c, cuda, cuGraphExecHostNodeSetParams)(h, node, &p);
	}
}

/*
 * A user object whose destructor is the guest's function: the driver
 * calls gvw_gate_pass on the session's record for it, as for a host node,
 * whenever the object's last reference goes (a release, a graph's end).
 */
int gvw_h_USER_OBJECT_CREATE(struct gvw_call *c)
{
	const struct gv_user_object_req *q = c->req;
	struct gv_host_node_resp *r = c->resp;
	struct gvw_host_fn *hf;
	CUuserObject obj = NULL;
	int e = gvg_enter(c, GVG_FN(cuda, cuUserObjectCreate));

	if (e)
		return e;
	if (!q->fn)
		return CUDA_ERROR_INVALID_VALUE;
	hf = record(c, q->fn, q->data, &e);
	if (e)
		return e;
	r->key = gvw_gate_key_of(c);
	r->owner = c->s->id;
	e = (int)GVG_DRV(c, cuda, cuUserObjectCreate)(&obj, hf, gvw_gate_pass, q->refcount,
						      q->flags);
	/* Not named to the guest, the object stays with the context. */
	if (!e && !(r->handle = gvg_handle_new(c, GVW_H_USER_OBJECT, obj)))
		e = CUDA_ERROR_OUT_OF_MEMORY;
	return e;
}
