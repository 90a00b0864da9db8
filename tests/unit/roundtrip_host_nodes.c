/* SPDX-License-Identifier: MIT */
/*
 * Graphs' host nodes against a fake driver: its graph keeps each node's
 * parameters as the host gave them, and a launch runs each node's function
 * on its argument, as the driver's own thread would, while the launch
 * waits.  The host's function must hold the launch until the guest's
 * callback thread has run the guest's function, at every launch, with the
 * function the executable graph has now; parameters read back must be the
 * guest's.  A host function launched on a stream being captured becomes
 * such a node.  A graph that also copies into the guest's host memory is
 * refused: its host nodes could not see those bytes.
 */
#include <stdatomic.h>
#include <string.h>

#include <cuda.h>
#include <cuda_runtime_api.h>

#include "gen/cuda_driver_fns.h"
#include "roundtrip.h"

#define NODES 4

static struct {
	CUDA_HOST_NODE_PARAMS node[NODES]; /* the graph's */
	CUDA_HOST_NODE_PARAMS run[NODES];  /* the executable graph's */
	int n;
	CUDA_MEMCPY3D copy; /* a copy node, for the refusal */
	int with_copy;
	CUDA_HOST_NODE_PARAMS captured;
	int capturing;
} hn;

static atomic_int ran_a, ran_b, ran_captured, ran_destructor;
static int arg_a = 1, arg_b = 2, arg_captured = 3, arg_object = 4;

static void CUDART_CB fn_a(void *p)
{
	if (p == &arg_a)
		atomic_fetch_add(&ran_a, 1);
}

static void CUDART_CB fn_b(void *p)
{
	if (p == &arg_b)
		atomic_fetch_add(&ran_b, 1);
}

static void CUDART_CB fn_captured(void *p)
{
	if (p == &arg_captured)
		atomic_fetch_add(&ran_captured, 1);
}

static void CUDART_CB fn_destructor(void *p)
{
	if (p == &arg_object)
		atomic_fetch_add(&ran_destructor, 1);
}

/* A user object: its destructor runs when the references are gone, here
 * from the release that drops the last (the driver's thread may do it). */
static struct {
	CUhostFn destroy;
	void *ptr;
	unsigned int refs;
} uo;

static CUresult object_create(CUuserObject *out, void *ptr, CUhostFn destroy, unsigned int refs,
			      unsigned int flags)
{
	(void)flags;
	uo.destroy = destroy;
	uo.ptr = ptr;
	uo.refs = refs;
	*out = (CUuserObject)&uo;
	return CUDA_SUCCESS;
}

static CUresult object_retain(CUuserObject obj, unsigned int n)
{
	if (obj != (CUuserObject)&uo)
		return CUDA_ERROR_INVALID_HANDLE;
	uo.refs += n;
	return CUDA_SUCCESS;
}

static CUresult object_release(CUuserObject obj, unsigned int n)
{
	if (obj != (CUuserObject)&uo || n > uo.refs)
		return CUDA_ERROR_INVALID_VALUE;
	uo.refs -= n;
	if (!uo.refs)
		uo.destroy(uo.ptr);
	return CUDA_SUCCESS;
}

static CUresult add(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t n,
		    const CUDA_HOST_NODE_PARAMS *p)
{
	(void)g;
	(void)deps;
	(void)n;
	if (hn.n == NODES)
		return CUDA_ERROR_OUT_OF_MEMORY;
	hn.node[hn.n] = *p;
	*node = (CUgraphNode)&hn.node[hn.n++];
	return CUDA_SUCCESS;
}

static CUresult get(CUgraphNode node, CUDA_HOST_NODE_PARAMS *p)
{
	*p = *(const CUDA_HOST_NODE_PARAMS *)node;
	return CUDA_SUCCESS;
}

static CUresult set(CUgraphNode node, const CUDA_HOST_NODE_PARAMS *p)
{
	*(CUDA_HOST_NODE_PARAMS *)node = *p;
	return CUDA_SUCCESS;
}

static CUresult exec_set(CUgraphExec exec, CUgraphNode node, const CUDA_HOST_NODE_PARAMS *p)
{
	(void)exec;
	hn.run[(const CUDA_HOST_NODE_PARAMS *)node - hn.node] = *p;
	return CUDA_SUCCESS;
}

static CUresult nodes(CUgraph g, CUgraphNode *out, size_t *n)
{
	size_t i, have = (size_t)hn.n + (size_t)hn.with_copy;

	(void)g;
	for (i = 0; out && i < have && i < *n; i++)
		out[i] = i < (size_t)hn.n ? (CUgraphNode)&hn.node[i] : (CUgraphNode)&hn.copy;
	*n = have;
	return CUDA_SUCCESS;
}

static CUresult type(CUgraphNode node, CUgraphNodeType *t)
{
	*t = (const void *)node == &hn.copy ? CU_GRAPH_NODE_TYPE_MEMCPY : CU_GRAPH_NODE_TYPE_HOST;
	return CUDA_SUCCESS;
}

static CUresult copy_add(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t n,
			 const CUDA_MEMCPY3D *m, CUcontext ctx)
{
	(void)g;
	(void)deps;
	(void)n;
	(void)ctx;
	hn.copy = *m;
	*node = (CUgraphNode)&hn.copy;
	return CUDA_SUCCESS;
}

static CUresult copy_get(CUgraphNode node, CUDA_MEMCPY3D *m)
{
	*m = *(const CUDA_MEMCPY3D *)node;
	return CUDA_SUCCESS;
}

static CUresult instantiate(CUgraphExec *exec, CUgraph g, unsigned long long flags)
{
	static int object;

	(void)g;
	(void)flags;
	memcpy(hn.run, hn.node, sizeof(hn.node));
	*exec = (CUgraphExec)&object;
	return CUDA_SUCCESS;
}

static CUresult destroy_exec(CUgraphExec exec)
{
	(void)exec;
	return CUDA_SUCCESS;
}

/* The driver's thread would run them; the launch's caller waits here instead. */
static CUresult launch(CUgraphExec exec, CUstream s)
{
	int i;

	(void)exec;
	(void)s;
	for (i = 0; i < hn.n; i++)
		hn.run[i].fn(hn.run[i].userData);
	if (hn.captured.fn)
		hn.captured.fn(hn.captured.userData);
	return CUDA_SUCCESS;
}

static CUresult is_capturing(CUstream s, CUstreamCaptureStatus *st)
{
	(void)s;
	*st = hn.capturing ? CU_STREAM_CAPTURE_STATUS_ACTIVE : CU_STREAM_CAPTURE_STATUS_NONE;
	return CUDA_SUCCESS;
}

static CUresult launch_host_func(CUstream s, CUhostFn fn, void *data)
{
	(void)s;
	hn.captured.fn = fn;
	hn.captured.userData = data;
	return CUDA_SUCCESS;
}

/* An update the driver refuses, naming the node it stopped at. */
static CUresult update(CUgraphExec exec, CUgraph g, CUgraphExecUpdateResultInfo *info)
{
	(void)exec;
	(void)g;
	info->result = CU_GRAPH_EXEC_UPDATE_ERROR_NODE_TYPE_CHANGED;
	info->errorNode = (CUgraphNode)&hn.node[0];
	info->errorFromNode = NULL;
	return CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE;
}

static void install(struct gvg_cuda_fns *t)
{
	t->cuGraphAddHostNode = add;
	t->cuGraphHostNodeGetParams = get;
	t->cuGraphHostNodeSetParams = set;
	t->cuGraphExecHostNodeSetParams = exec_set;
	t->cuGraphGetNodes = nodes;
	t->cuGraphNodeGetType = type;
	t->cuGraphAddMemcpyNode = copy_add;
	t->cuGraphMemcpyNodeGetParams = copy_get;
	t->cuGraphInstantiateWithFlags = instantiate;
	t->cuGraphExecDestroy = destroy_exec;
	t->cuGraphLaunch = launch;
	t->cuStreamIsCapturing = is_capturing;
	t->cuLaunchHostFunc = launch_host_func;
	t->cuGraphExecUpdate_v2 = update;
	t->cuUserObjectCreate = object_create;
	t->cuUserObjectRetain = object_retain;
	t->cuUserObjectRelease = object_release;
}

/* A user object's destructor is the guest's function, run in the guest. */
static void user_objects(void)
{
	const char *fn = "cudaUserObjectCreate";
	cudaUserObject_t obj = NULL;

	RT_TRUE(fn, "made",
		cudaUserObjectCreate(&obj, &arg_object, fn_destructor, 1,
				     cudaUserObjectNoDestructorSync) == cudaSuccess &&
		    obj);
	RT_TRUE(fn, "the host's destructor is the host's own",
		uo.destroy && uo.destroy != (CUhostFn)fn_destructor && uo.ptr != &arg_object);
	RT_TRUE(fn, "retained and released, not destroyed",
		cudaUserObjectRetain(obj, 2) == cudaSuccess &&
		    cudaUserObjectRelease(obj, 2) == cudaSuccess &&
		    atomic_load(&ran_destructor) == 0);
	RT_TRUE(fn, "its last reference gone: the guest's destructor ran, once",
		cudaUserObjectRelease(obj, 1) == cudaSuccess && atomic_load(&ran_destructor) == 1);
	RT_TRUE(fn, "no destructor: refused",
		cudaUserObjectCreate(&obj, &arg_object, NULL, 1, 0) == cudaErrorInvalidValue);
	(void)cudaGetLastError();
}

void graph_host_nodes(struct gvg_cuda_fns *t)
{
	struct cudaHostNodeParams pa = {fn_a, &arg_a}, pb = {fn_b, &arg_b}, back = {0};
	cudaGraphNode_t node = NULL, copy = NULL;
	unsigned char src[64], dst[64];
	cudaGraphExec_t x = NULL;
	cudaGraph_t g = NULL;
	cudaStream_t s = NULL;
	int i;

	install(t);
	memset(&hn, 0, sizeof(hn));
	RT_TRUE("graph host nodes", "a graph with a host node",
		cudaGraphCreate(&g, 0) == cudaSuccess &&
		    cudaGraphAddHostNode(&node, g, NULL, 0, &pa) == cudaSuccess);
	RT_TRUE("graph host nodes", "the host's node runs the host's function",
		hn.n == 1 && hn.node[0].fn != (CUhostFn)fn_a);
	RT_TRUE("graph host nodes", "its parameters read back as the guest's",
		cudaGraphHostNodeGetParams(node, &back) == cudaSuccess && back.fn == fn_a &&
		    back.userData == &arg_a);
	RT_TRUE("graph host nodes", "no function: refused",
		cudaGraphHostNodeSetParams(node, &(struct cudaHostNodeParams){NULL, &arg_a}) ==
		    cudaErrorInvalidValue);
	(void)cudaGetLastError();
	RT_TRUE("graph host nodes", "instantiated", cudaGraphInstantiate(&x, g, 0) == cudaSuccess);
	for (i = 0; i < 3; i++)
		RT_TRUE("graph host nodes", "launched", cudaGraphLaunch(x, 0) == cudaSuccess);
	RT_TRUE("graph host nodes", "synchronized", cudaDeviceSynchronize() == cudaSuccess);
	RT_TRUE("graph host nodes", "the guest's function ran at each launch",
		atomic_load(&ran_a) == 3 && atomic_load(&ran_b) == 0);
	RT_TRUE("graph host nodes", "the executable graph's node given another function",
		cudaGraphExecHostNodeSetParams(x, node, &pb) == cudaSuccess);
	RT_TRUE("graph host nodes", "launched again",
		cudaGraphLaunch(x, 0) == cudaSuccess && cudaDeviceSynchronize() == cudaSuccess);
	RT_TRUE("graph host nodes", "the new function ran, the old one not",
		atomic_load(&ran_a) == 3 && atomic_load(&ran_b) == 1);
	RT_TRUE("graph host nodes", "the graph's node keeps its own",
		cudaGraphHostNodeGetParams(node, &back) == cudaSuccess && back.fn == fn_a);
	RT_TRUE("graph host nodes", "the graph's node changed",
		cudaGraphHostNodeSetParams(node, &pb) == cudaSuccess &&
		    cudaGraphHostNodeGetParams(node, &back) == cudaSuccess && back.fn == fn_b &&
		    back.userData == &arg_b);

	/* By generic parameters: added, set, and set in the executable graph. */
	{
		struct cudaGraphNodeParams gp;
		cudaGraphNode_t gnode = NULL;

		memset(&gp, 0, sizeof(gp));
		gp.type = cudaGraphNodeTypeHost;
		gp.host.fn = fn_a;
		gp.host.userData = &arg_a;
		RT_TRUE("graph host nodes", "added by generic parameters",
			cudaGraphAddNode(&gnode, g, NULL, NULL, 0, &gp) == cudaSuccess &&
			    cudaGraphHostNodeGetParams(gnode, &back) == cudaSuccess &&
			    back.fn == fn_a && hn.n == 2);
		gp.host.fn = fn_b;
		gp.host.userData = &arg_b;
		RT_TRUE("graph host nodes", "set by generic parameters",
			cudaGraphNodeSetParams(gnode, &gp) == cudaSuccess &&
			    cudaGraphHostNodeGetParams(gnode, &back) == cudaSuccess &&
			    back.fn == fn_b && back.userData == &arg_b);
		gp.host.fn = fn_a;
		gp.host.userData = &arg_a;
		RT_TRUE("graph host nodes", "set in the executable graph by generic parameters",
			cudaGraphExecNodeSetParams(x, node, &gp) == cudaSuccess && hn.run[0].fn &&
			    hn.run[0].fn != (CUhostFn)fn_a);
		/* The executable graph has one node (made before): back to fn_b. */
		gp.host.fn = fn_b;
		gp.host.userData = &arg_b;
		RT_TRUE("graph host nodes", "and back",
			cudaGraphExecNodeSetParams(x, node, &gp) == cudaSuccess);
		hn.n = 1;
	}

	/* A host function on a stream being captured: a node, run at launches. */
	hn.capturing = 1;
	RT_TRUE("graph host nodes", "a captured host function",
		cudaStreamCreate(&s) == cudaSuccess &&
		    cudaLaunchHostFunc(s, fn_captured, &arg_captured) == cudaSuccess &&
		    hn.captured.fn && hn.captured.fn != (CUhostFn)fn_captured);
	hn.capturing = 0;
	RT_TRUE("graph host nodes", "not run at capture",
		cudaDeviceSynchronize() == cudaSuccess && atomic_load(&ran_captured) == 0);
	RT_TRUE("graph host nodes", "run at each launch",
		cudaGraphLaunch(x, 0) == cudaSuccess && cudaGraphLaunch(x, 0) == cudaSuccess &&
		    cudaDeviceSynchronize() == cudaSuccess && atomic_load(&ran_captured) == 2 &&
		    atomic_load(&ran_b) == 3);
	RT_TRUE("graph host nodes", "destroyed",
		cudaGraphExecDestroy(x) == cudaSuccess && cudaStreamDestroy(s) == cudaSuccess);
	hn.captured.fn = NULL;

	/* With a copy into the guest's memory as well: refused, nothing left behind. */
	x = NULL;
	memset(src, 7, sizeof(src));
	RT_TRUE("graph host nodes", "a copy node into host memory",
		cudaGraphAddMemcpyNode1D(&copy, g, NULL, 0, dst, src, sizeof(src),
					 cudaMemcpyHostToHost) == cudaSuccess);
	hn.with_copy = 1;
	RT_TRUE("graph host nodes", "host nodes beside copies into host memory: not supported",
		cudaGraphInstantiate(&x, g, 0) == cudaErrorNotSupported);
	hn.with_copy = 0;
	(void)cudaGetLastError();

	/* An update's result info names the graph's node, as the guest's handle. */
	{
		cudaGraphExecUpdateResultInfo info;

		memset(&info, 0, sizeof(info));
		RT_TRUE("graph host nodes", "instantiated for an update",
			cudaGraphInstantiate(&x, g, 0) == cudaSuccess);
		RT_TRUE("graph host nodes", "an update refused by the driver",
			cudaGraphExecUpdate(x, g, &info) == cudaErrorGraphExecUpdateFailure &&
			    info.result == cudaGraphExecUpdateErrorNodeTypeChanged &&
			    info.errorNode == node && !info.errorFromNode);
		hn.with_copy = 1;
		RT_TRUE("graph host nodes",
			"an update from a graph that copies host memory: "
			"not supported",
			cudaGraphExecUpdate(x, g, &info) == cudaErrorNotSupported);
		hn.with_copy = 0;
		RT_TRUE("graph host nodes", "destroyed again",
			cudaGraphExecDestroy(x) == cudaSuccess);
		(void)cudaGetLastError();
	}
	user_objects();
}
