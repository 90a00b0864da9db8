/* SPDX-License-Identifier: MIT */
/*
 * Conditional graph nodes' bookkeeping: the conditional handles the session
 * made (cuGraphConditionalHandleCreate), which are the only ones a
 * conditional node may name, and each conditional node's body graphs, which
 * the driver makes with the node and destroys with its graph, so that their
 * handles go with it (gvg_graph_doom).  At most GVW_MAX_CONDS of each.
 */
#include "gen_support.h"
#include "log.h"

#define GVW_MAX_CONDS 4096

int gvg_cond_handle_new(struct gvw_call *c, uint64_t h)
{
	struct gvw_conds *t = &c->s->conds;
	uint64_t *v;

	if (t->nhandles >= GVW_MAX_CONDS)
		return CUDA_ERROR_OUT_OF_MEMORY;
	v = realloc(t->handles, (t->nhandles + 1) * sizeof(*v));
	if (!v)
		return CUDA_ERROR_OUT_OF_MEMORY;
	t->handles = v;
	t->handles[t->nhandles++] = h;
	return CUDA_SUCCESS;
}

int gvg_cond_handle_check(struct gvw_call *c, uint64_t h)
{
	const struct gvw_conds *t = &c->s->conds;
	size_t i;

	for (i = 0; i < t->nhandles; i++)
		if (t->handles[i] == h)
			return CUDA_SUCCESS;
	gvw_log(GVW_DEBUG, "session %u: 0x%llx is not a conditional handle of the session",
		c->s->id, (unsigned long long)h);
	return CUDA_ERROR_INVALID_VALUE;
}

int gvg_cond_node_add(struct gvw_call *c, void *node, void *const *graphs, uint32_t n)
{
	struct gvw_conds *t = &c->s->conds;
	struct gvw_cond_node *v;

	if (t->nnodes >= GVW_MAX_CONDS || n > GV_MAX_COND_GRAPHS)
		return CUDA_ERROR_OUT_OF_MEMORY;
	v = realloc(t->nodes, (t->nnodes + 1) * sizeof(*v));
	if (!v)
		return CUDA_ERROR_OUT_OF_MEMORY;
	t->nodes = v;
	v = &t->nodes[t->nnodes++];
	v->node = node;
	v->n = n;
	memcpy(v->graphs, graphs, n * sizeof(*graphs));
	return CUDA_SUCCESS;
}

const struct gvw_cond_node *gvg_cond_node_of(struct gvw_call *c, const void *node)
{
	const struct gvw_conds *t = &c->s->conds;
	size_t i;

	for (i = 0; i < t->nnodes; i++)
		if (t->nodes[i].node == node)
			return &t->nodes[i];
	return NULL;
}

void gvg_cond_node_forget(struct gvw_call *c, const void *node)
{
	struct gvw_conds *t = &c->s->conds;
	size_t i;

	for (i = 0; i < t->nnodes; i++) {
		if (t->nodes[i].node == node) {
			t->nodes[i] = t->nodes[--t->nnodes];
			return;
		}
	}
}

void gvw_conds_drop(struct gvw_session *s)
{
	free(s->conds.nodes);
	free(s->conds.handles);
	s->conds = (struct gvw_conds){0};
}
