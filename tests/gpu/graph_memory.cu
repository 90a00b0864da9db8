// SPDX-License-Identifier: MIT
// Graphs' memory nodes: an allocation node whose memory a kernel fills and
// a copy node reads out before a free node releases it, launched several
// times; parameters read back; an allocation a graph leaves allocated,
// used and freed outside the graph (cudaMemcpy, cudaFreeAsync), then made
// again by the next launch at the same address; the graph memory
// attributes and trim.  Checked against a CPU reference.
#include <cstring>

#include "check.cuh"

#define N 4096

__global__ void k_fill(int *v, int a, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		v[i] = a * i + 1;
}

static cudaMemAllocNodeParams alloc_params(size_t bytes)
{
	cudaMemAllocNodeParams p;
	memset(&p, 0, sizeof(p));
	p.poolProps.allocType = cudaMemAllocationTypePinned;
	p.poolProps.location.type = cudaMemLocationTypeDevice;
	p.poolProps.location.id = 0;
	p.bytesize = bytes;
	return p;
}

static cudaGraphNode_t fill_node(cudaGraph_t g, const cudaGraphNode_t *deps, size_t nd, int *v,
				 int a)
{
	int n = N;
	void *args[] = {(void *)&v, (void *)&a, (void *)&n};
	cudaKernelNodeParams kp = {};
	kp.func = (void *)k_fill;
	kp.gridDim = dim3((N + 255) / 256);
	kp.blockDim = dim3(256);
	kp.kernelParams = args;
	cudaGraphNode_t node = NULL;
	CK(cudaGraphAddKernelNode(&node, g, deps, nd, &kp));
	return node;
}

static void check_fill(const char *what, const int *h, int a)
{
	int bad = 0;
	for (int i = 0; i < N; i++)
		bad += h[i] != a * i + 1;
	check_i(what, bad, 0);
}

// alloc -> fill -> copy out -> free, launched three times.
static void sec_alloc_free(cudaStream_t s)
{
	printf("== allocation and free nodes\n");
	int *out;
	CK(cudaMalloc(&out, N * sizeof(int)));
	cudaGraph_t g;
	CK(cudaGraphCreate(&g, 0));
	cudaMemAllocNodeParams ap = alloc_params(N * sizeof(int));
	cudaGraphNode_t an, kn, cn, fn;
	CK(cudaGraphAddMemAllocNode(&an, g, NULL, 0, &ap));
	check_i("the allocation node gave an address", ap.dptr != NULL, 1);
	int *v = (int *)ap.dptr;
	kn = fill_node(g, &an, 1, v, 3);
	CK(cudaGraphAddMemcpyNode1D(&cn, g, &kn, 1, out, v, N * sizeof(int),
				    cudaMemcpyDeviceToDevice));
	CK(cudaGraphAddMemFreeNode(&fn, g, &cn, 1, v));

	cudaMemAllocNodeParams back;
	memset(&back, 0, sizeof(back));
	CK(cudaGraphMemAllocNodeGetParams(an, &back));
	check_i("read back: the address", back.dptr == ap.dptr, 1);
	check_i("read back: bytes", (long long)back.bytesize, N * sizeof(int));
	check_i("read back: the device", back.poolProps.location.id, 0);
	check_i("read back: access descriptors", (long long)back.accessDescCount, 0);
	void *freed = NULL;
	CK(cudaGraphMemFreeNodeGetParams(fn, &freed));
	check_i("the free node's address", freed == ap.dptr, 1);

	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g, 0));
	int h[N];
	for (int round = 0; round < 3; round++) {
		CK(cudaMemset(out, 0, N * sizeof(int)));
		CK(cudaGraphLaunch(x, s));
		CK(cudaStreamSynchronize(s));
		CK(cudaMemcpy(h, out, sizeof(h), cudaMemcpyDeviceToHost));
		char what[64];
		snprintf(what, sizeof(what), "launch %d: the graph's memory filled and copied out",
			 round);
		check_fill(what, h, 3);
	}
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g));
	CK(cudaFree(out));
}

// alloc -> fill, left allocated: read and freed outside, then made again.
static void sec_outlives(cudaStream_t s)
{
	printf("== an allocation the graph leaves allocated\n");
	cudaGraph_t g;
	CK(cudaGraphCreate(&g, 0));
	cudaMemAllocNodeParams ap = alloc_params(N * sizeof(int));
	cudaGraphNode_t an;
	CK(cudaGraphAddMemAllocNode(&an, g, NULL, 0, &ap));
	int *v = (int *)ap.dptr;
	fill_node(g, &an, 1, v, 5);
	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g, 0));
	// The executable graph alone keeps the allocation node (as graphMemoryNodes does).
	CK(cudaGraphDestroy(g));
	int h[N];
	for (int round = 0; round < 3; round++) {
		CK(cudaGraphLaunch(x, s));
		CK(cudaStreamSynchronize(s));
		memset(h, 0, sizeof(h));
		CK(cudaMemcpy(h, v, sizeof(h), cudaMemcpyDeviceToHost));
		char what[64];
		snprintf(what, sizeof(what), "launch %d: read outside the graph", round);
		check_fill(what, h, 5);
		unsigned long long used = 0;
		CK(cudaDeviceGetGraphMemAttribute(0, cudaGraphMemAttrUsedMemCurrent, &used));
		snprintf(what, sizeof(what), "launch %d: graph memory in use", round);
		check_i(what, used >= N * sizeof(int), 1);
		if (round == 1) {
			CK(cudaFree(v)); // synchronous, and legal for a graph's allocation
		} else {
			CK(cudaFreeAsync(v, s));
			CK(cudaStreamSynchronize(s));
		}
	}
	CK(cudaDeviceGraphMemTrim(0));
	CK(cudaGraphExecDestroy(x));
}

// alloc A -> free A -> alloc B: the driver may give B A's addresses.
static void sec_reuse(cudaStream_t s)
{
	printf("== addresses reused within a graph\n");
	int *out;
	CK(cudaMalloc(&out, N * sizeof(int)));
	cudaGraph_t g;
	CK(cudaGraphCreate(&g, 0));
	cudaMemAllocNodeParams pa = alloc_params(N * sizeof(int)), pb = pa;
	cudaGraphNode_t aa, ka, fa, ab, kb, cb, fb;
	CK(cudaGraphAddMemAllocNode(&aa, g, NULL, 0, &pa));
	ka = fill_node(g, &aa, 1, (int *)pa.dptr, 2);
	CK(cudaGraphAddMemFreeNode(&fa, g, &ka, 1, pa.dptr));
	CK(cudaGraphAddMemAllocNode(&ab, g, &fa, 1, &pb));
	printf("B at A's address: %s\n", pb.dptr == pa.dptr ? "yes" : "no");
	kb = fill_node(g, &ab, 1, (int *)pb.dptr, 9);
	CK(cudaGraphAddMemcpyNode1D(&cb, g, &kb, 1, out, pb.dptr, N * sizeof(int),
				    cudaMemcpyDeviceToDevice));
	CK(cudaGraphAddMemFreeNode(&fb, g, &cb, 1, pb.dptr));
	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g, 0));
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	int h[N];
	CK(cudaMemcpy(h, out, sizeof(h), cudaMemcpyDeviceToHost));
	check_fill("B's contents copied out", h, 9);
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g));
	CK(cudaFree(out));
}

int main()
{
	cudaStream_t s;
	CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
	sec_alloc_free(s);
	sec_outlives(s);
	sec_reuse(s);
	CK(cudaStreamDestroy(s));
	printf("graph_memory: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail != 0;
}
