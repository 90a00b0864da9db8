/* SPDX-License-Identifier: MIT */
/*
 * Graphs' memory nodes against a fake driver that hands an allocation node
 * an address and keeps its parameters.  The address must be the session's
 * from the node's making (a free node naming it is accepted, one naming an
 * address past it refused), the parameters must read back as given, the
 * session's device-byte limit must hold before the driver is asked, and
 * once the graph is destroyed the address must stay the session's only if
 * its memory is still allocated.
 */
#include <string.h>

#include <cuda.h>
#include <cuda_runtime_api.h>

#include "gen/cuda_driver_fns.h"
#include "roundtrip.h"
#include "worker_internal.h"

extern struct gvw_worker *gv_loopback_worker;

#define BASE  0x6a0000000000ull
#define BYTES (1u << 20)

static struct {
	CUDA_MEM_ALLOC_NODE_PARAMS p;
	CUmemAccessDesc acc[2];
	int node, adds, frees, live, reuse;
	CUdeviceptr next, freed;
} gm;

static CUresult add_alloc(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t n,
			  CUDA_MEM_ALLOC_NODE_PARAMS *p)
{
	(void)g;
	(void)deps;
	(void)n;
	gm.adds++;
	if (p->accessDescCount > 2)
		return CUDA_ERROR_INVALID_VALUE;
	gm.p = *p;
	memcpy(gm.acc, p->accessDescs, p->accessDescCount * sizeof(*gm.acc));
	gm.p.accessDescs = gm.acc;
	/* A graph reuses what it freed: the same address again, or inside it. */
	if (gm.reuse)
		gm.next -= 2 * BYTES - (gm.reuse == 2 ? 4096 : 0);
	gm.p.dptr = p->dptr = gm.next;
	gm.next += 2 * BYTES;
	*node = (CUgraphNode)&gm.node;
	return CUDA_SUCCESS;
}

static CUresult get_alloc(CUgraphNode node, CUDA_MEM_ALLOC_NODE_PARAMS *p)
{
	(void)node;
	*p = gm.p;
	return CUDA_SUCCESS;
}

static CUresult add_free(CUgraphNode *node, CUgraph g, const CUgraphNode *deps, size_t n,
			 CUdeviceptr p)
{
	(void)g;
	(void)deps;
	(void)n;
	gm.frees++;
	gm.freed = p;
	*node = (CUgraphNode)&gm.frees;
	return CUDA_SUCCESS;
}

static CUresult get_free(CUgraphNode node, CUdeviceptr *p)
{
	(void)node;
	*p = gm.freed;
	return CUDA_SUCCESS;
}

static CUresult no_nodes(CUgraph g, CUgraphNode *out, size_t *n)
{
	(void)g;
	(void)out;
	*n = 0;
	return CUDA_SUCCESS;
}

static CUresult destroy(CUgraph g)
{
	(void)g;
	return CUDA_SUCCESS;
}

static CUresult destroy_node(CUgraphNode n)
{
	(void)n;
	return CUDA_SUCCESS;
}

/* Live: the allocation is still there after its graph went. */
static CUresult range(CUdeviceptr *base, size_t *size, CUdeviceptr p)
{
	if (!gm.live)
		return CUDA_ERROR_INVALID_VALUE;
	*base = p;
	*size = BYTES;
	return CUDA_SUCCESS;
}

static CUresult instantiate(CUgraphExec *exec, CUgraph g, unsigned long long flags)
{
	static int object;

	(void)g;
	(void)flags;
	*exec = (CUgraphExec)&object;
	return CUDA_SUCCESS;
}

static CUresult destroy_exec(CUgraphExec exec)
{
	(void)exec;
	return CUDA_SUCCESS;
}

static void install(struct gvg_cuda_fns *t)
{
	t->cuGraphAddMemAllocNode = add_alloc;
	t->cuGraphMemAllocNodeGetParams = get_alloc;
	t->cuGraphAddMemFreeNode = add_free;
	t->cuGraphMemFreeNodeGetParams = get_free;
	t->cuGraphGetNodes = no_nodes;
	t->cuGraphDestroy = destroy;
	t->cuGraphDestroyNode = destroy_node;
	t->cuMemGetAddressRange_v2 = range;
	t->cuGraphInstantiateWithFlags = instantiate;
	t->cuGraphExecDestroy = destroy_exec;
}

static struct cudaMemAllocNodeParams params(const struct cudaMemAccessDesc *acc, size_t nacc)
{
	struct cudaMemAllocNodeParams p;

	memset(&p, 0, sizeof(p));
	p.poolProps.allocType = cudaMemAllocationTypePinned;
	p.poolProps.location.type = cudaMemLocationTypeDevice;
	p.poolProps.location.id = 0;
	p.accessDescs = acc;
	p.accessDescCount = nacc;
	p.bytesize = BYTES;
	return p;
}

/* A free node for p in a new graph: accepted while p is the session's. */
static cudaError_t free_node(void *p)
{
	cudaGraphNode_t n;
	cudaGraph_t g;
	cudaError_t e = cudaGraphCreate(&g, 0);

	if (!e)
		e = cudaGraphAddMemFreeNode(&n, g, NULL, 0, p);
	(void)cudaGetLastError();
	return e;
}

void graph_memory_nodes(struct gvg_cuda_fns *t)
{
	struct cudaMemAccessDesc acc = {{cudaMemLocationTypeDevice, 0},
					cudaMemAccessFlagsProtReadWrite};
	struct cudaMemAllocNodeParams p = params(&acc, 1), back;
	struct gvw_limits saved = gv_loopback_worker->limits;
	cudaGraphNode_t node, fnode;
	cudaGraph_t g;
	void *dptr = NULL;
	int adds;

	install(t);
	memset(&gm, 0, sizeof(gm));
	gm.next = BASE;
	RT_TRUE("graph memory nodes", "an allocation node",
		cudaGraphCreate(&g, 0) == cudaSuccess &&
		    cudaGraphAddMemAllocNode(&node, g, NULL, 0, &p) == cudaSuccess &&
		    p.dptr == (void *)(uintptr_t)BASE);
	RT_TRUE("graph memory nodes", "the driver got the parameters",
		gm.p.bytesize == BYTES && gm.p.accessDescCount == 1 &&
		    gm.acc[0].flags == CU_MEM_ACCESS_FLAGS_PROT_READWRITE &&
		    gm.p.poolProps.allocType == CU_MEM_ALLOCATION_TYPE_PINNED);
	dptr = p.dptr;
	memset(&back, 0, sizeof(back));
	RT_TRUE("graph memory nodes", "parameters read back",
		cudaGraphMemAllocNodeGetParams(node, &back) == cudaSuccess && back.dptr == dptr &&
		    back.bytesize == BYTES && back.accessDescCount == 1 && back.accessDescs &&
		    back.accessDescs[0].flags == cudaMemAccessFlagsProtReadWrite &&
		    back.poolProps.location.id == 0);
	RT_TRUE("graph memory nodes", "a free node for its address",
		cudaGraphAddMemFreeNode(&fnode, g, &node, 1, dptr) == cudaSuccess &&
		    gm.freed == (CUdeviceptr)(uintptr_t)dptr);
	RT_TRUE("graph memory nodes", "and its address read back",
		cudaGraphMemFreeNodeGetParams(fnode, &back.dptr) == cudaSuccess &&
		    back.dptr == dptr);
	RT_TRUE("graph memory nodes", "a free node past its end: refused",
		free_node((char *)dptr + BYTES) == cudaErrorInvalidValue);

	/* The session's device bytes: refused before the driver is asked. */
	gv_loopback_worker->limits.max_device_bytes = 1;
	adds = gm.adds;
	RT_TRUE("graph memory nodes", "past max_device_bytes: refused",
		cudaGraphAddMemAllocNode(&node, g, NULL, 0, &p) == cudaErrorMemoryAllocation &&
		    gm.adds == adds);
	gv_loopback_worker->limits = saved;
	(void)cudaGetLastError();

	/* Addresses the graph reuses: the same, then overlapping. */
	{
		struct cudaMemAllocNodeParams p2 = params(NULL, 0), p3 = params(NULL, 0);
		cudaGraphNode_t n2, n3;

		gm.reuse = 1;
		RT_TRUE("graph memory nodes", "a node at a freed node's address",
			cudaGraphAddMemAllocNode(&n2, g, &fnode, 1, &p2) == cudaSuccess &&
			    p2.dptr == dptr);
		gm.reuse = 2;
		RT_TRUE("graph memory nodes", "a node overlapping it",
			cudaGraphAddMemAllocNode(&n3, g, &n2, 1, &p3) == cudaSuccess &&
			    p3.dptr == (char *)dptr + 4096);
		gm.reuse = 0;
		RT_TRUE("graph memory nodes", "the union is the session's",
			free_node((char *)dptr + 4096 + BYTES - 1) == cudaSuccess &&
			    free_node((char *)dptr + 4096 + BYTES) == cudaErrorInvalidValue);
	}

	/* The graph goes with its memory freed: so does the address. */
	RT_TRUE("graph memory nodes", "the graph destroyed", cudaGraphDestroy(g) == cudaSuccess);
	RT_TRUE("graph memory nodes", "its freed allocation's address is no longer the session's",
		free_node(dptr) == cudaErrorInvalidValue);

	/* With its memory still allocated, the address stays the session's. */
	p = params(NULL, 0);
	RT_TRUE("graph memory nodes", "another graph's allocation node",
		cudaGraphCreate(&g, 0) == cudaSuccess &&
		    cudaGraphAddMemAllocNode(&node, g, NULL, 0, &p) == cudaSuccess);
	gm.live = 1;
	RT_TRUE("graph memory nodes", "destroyed with its memory allocated",
		cudaGraphDestroy(g) == cudaSuccess && free_node(p.dptr) == cudaSuccess);
	gm.live = 0;

	/* An executable graph made from it keeps its addresses after the graph goes. */
	{
		cudaGraphExec_t x = NULL;

		p = params(NULL, 0);
		RT_TRUE("graph memory nodes", "a graph instantiated",
			cudaGraphCreate(&g, 0) == cudaSuccess &&
			    cudaGraphAddMemAllocNode(&node, g, NULL, 0, &p) == cudaSuccess &&
			    cudaGraphInstantiate(&x, g, 0) == cudaSuccess);
		RT_TRUE("graph memory nodes", "the graph destroyed, its executable graph left",
			cudaGraphDestroy(g) == cudaSuccess && free_node(p.dptr) == cudaSuccess);
		RT_TRUE("graph memory nodes", "the executable graph destroyed: the address goes",
			cudaGraphExecDestroy(x) == cudaSuccess &&
			    free_node(p.dptr) == cudaErrorInvalidValue);
	}
}
