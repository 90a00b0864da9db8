/* SPDX-License-Identifier: MIT */
/*
 * Launches with attributes (LAUNCH_EX): cooperative launches, clusters,
 * priorities and the other attributes whose values are plain numbers, and
 * access-policy windows over the session's memory.  Attributes that carry
 * an event or a graph node are not carried (their values would be host
 * objects).  The
 * arguments are checked as for LAUNCH and handed to the driver packed.
 */
#include "attr_values.h"
#include "gen_support.h"
#include "log.h"

_Static_assert(sizeof(CUlaunchAttributeValue) == sizeof(((struct gv_launch_attr *)0)->value),
	       "launch attribute values are 64 bytes");

/*
 * A launch configuration as the driver's: the function, its stream and
 * the attributes checked; attrs holds GV_MAX_LAUNCH_ATTRS.
 */
static int config(struct gvw_call *c, const struct gv_launch_ex_req *q, CUlaunchAttribute *attrs,
		  CUlaunchConfig *cfg, struct gvw_function **fn)
{
	struct gvw_handle_slot *slot;
	void *stream = NULL;
	uint32_t i;
	int e;

	slot = gvw_handle_get(&c->s->handles, q->launch.function, GVW_H_FUNCTION);
	if (!slot || slot->device != c->dev)
		return CUDA_ERROR_INVALID_HANDLE;
	*fn = slot->obj;
	if (q->nattrs > GV_MAX_LAUNCH_ATTRS)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvg_stream(c, q->launch.stream, &stream);
	if (e)
		return e;
	for (i = 0; i < q->nattrs; i++) {
		e = gvg_access_window(c, (int)q->attrs[i].id, q->attrs[i].value);
		if (e)
			return e;
		if (!gv_launch_attr_plain((int)q->attrs[i].id) &&
		    q->attrs[i].id != CU_LAUNCH_ATTRIBUTE_ACCESS_POLICY_WINDOW) {
			gvw_log(GVW_DEBUG, "session %u: launch attribute %u is not carried",
				c->s->id, q->attrs[i].id);
			return CUDA_ERROR_NOT_SUPPORTED;
		}
		memset(&attrs[i], 0, sizeof(attrs[i]));
		attrs[i].id = (CUlaunchAttributeID)q->attrs[i].id;
		memcpy(&attrs[i].value, q->attrs[i].value, sizeof(attrs[i].value));
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->gridDimX = q->launch.grid[0];
	cfg->gridDimY = q->launch.grid[1];
	cfg->gridDimZ = q->launch.grid[2];
	cfg->blockDimX = q->launch.block[0];
	cfg->blockDimY = q->launch.block[1];
	cfg->blockDimZ = q->launch.block[2];
	cfg->sharedMemBytes = q->launch.shared_mem;
	cfg->hStream = stream;
	cfg->attrs = q->nattrs ? attrs : NULL;
	cfg->numAttrs = q->nattrs;
	return CUDA_SUCCESS;
}

int gvw_h_LAUNCH_EX(struct gvw_call *c)
{
	const struct gv_launch_ex_req *q = c->req;
	CUlaunchAttribute attrs[GV_MAX_LAUNCH_ATTRS];
	CUlaunchConfig cfg;
	struct gvw_function *fn;
	void *buf = (void *)c->tail;
	size_t size;
	void *extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, buf, CU_LAUNCH_PARAM_BUFFER_SIZE, &size,
			 CU_LAUNCH_PARAM_END};
	int e = gvg_enter(c, GVG_FN(cuda, cuLaunchKernelEx));

	if (!e)
		e = config(c, q, attrs, &cfg, &fn);
	if (e)
		return e;
	/* The driver reads args_size bytes: exactly what was sent. */
	if (q->launch.args_len != c->tail_len || q->launch.args_len != fn->args_size)
		return CUDA_ERROR_INVALID_VALUE;
	size = fn->args_size;
	return (int)GVG_DRV(c, cuda, cuLaunchKernelEx)(&cfg, (CUfunction)fn->exec, NULL,
						       size ? extra : NULL);
}

int gvw_h_OCCUPANCY_CLUSTERS(struct gvw_call *c)
{
	const struct gv_occupancy_clusters_req *q = c->req;
	struct gv_int_resp *r = c->resp;
	CUlaunchAttribute attrs[GV_MAX_LAUNCH_ATTRS];
	CUlaunchConfig cfg;
	struct gvw_function *fn;
	int n = 0;
	int e = q->which == GV_OCC_MAX_ACTIVE_CLUSTERS
		    ? gvg_enter(c, GVG_FN(cuda, cuOccupancyMaxActiveClusters))
		    : gvg_enter(c, GVG_FN(cuda, cuOccupancyMaxPotentialClusterSize));

	if (!e && (q->which > GV_OCC_MAX_POTENTIAL_CLUSTER_SIZE || q->config.launch.args_len))
		e = CUDA_ERROR_INVALID_VALUE;
	if (!e)
		e = config(c, &q->config, attrs, &cfg, &fn);
	if (e)
		return e;
	e = q->which == GV_OCC_MAX_ACTIVE_CLUSTERS
		? (int)GVG_DRV(c, cuda, cuOccupancyMaxActiveClusters)(&n, (CUfunction)fn->exec,
								      &cfg)
		: (int)GVG_DRV(c, cuda,
			       cuOccupancyMaxPotentialClusterSize)(&n, (CUfunction)fn->exec, &cfg);
	r->value = n;
	return e;
}
