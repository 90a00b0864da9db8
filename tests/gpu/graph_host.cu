// SPDX-License-Identifier: MIT
// Graphs' host nodes: added by hand between kernels, launched several
// times, given new parameters in the executable graph, read back; a host
// function launched on a stream being captured; a slow host node that a
// stream synchronization must wait for; the driver's refusal of a node
// without a function.  The host functions only count and log their order:
// the output is the same on any correct CUDA implementation.
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "check.cuh"

#define N 1024

__global__ void k_add(int *v, int a, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		v[i] += a;
}

struct tally {
	std::atomic<int> runs{0};
	char name;
};

static std::string order; // written by the one thread that runs host functions
static std::atomic<int> slow_done{0};

static void CUDART_CB count(void *p)
{
	tally *t = (tally *)p;
	t->runs++;
	order += t->name;
}

static void CUDART_CB slow(void *p)
{
	(void)p;
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	slow_done = 1;
}

static cudaGraphNode_t kernel_node(cudaGraph_t g, const cudaGraphNode_t *deps, size_t nd, int *v,
				   int a)
{
	int n = N;
	void *args[] = {(void *)&v, (void *)&a, (void *)&n};
	cudaKernelNodeParams kp = {};
	kp.func = (void *)k_add;
	kp.gridDim = dim3((N + 255) / 256);
	kp.blockDim = dim3(256);
	kp.kernelParams = args;
	cudaGraphNode_t node = NULL;
	CK(cudaGraphAddKernelNode(&node, g, deps, nd, &kp));
	return node;
}

static void check_device(const char *what, const int *d, int want)
{
	int h[N], ref[N];
	CK(cudaMemcpy(h, d, sizeof(h), cudaMemcpyDeviceToHost));
	for (int i = 0; i < N; i++)
		ref[i] = want;
	check_arr(what, h, ref, N);
}

// kernel -> host A -> kernel -> host B, launched three times.
static void sec_nodes(cudaStream_t s)
{
	printf("== host nodes by hand\n");
	int *d;
	CK(cudaMalloc(&d, N * sizeof(int)));
	CK(cudaMemset(d, 0, N * sizeof(int)));
	tally a, b, c;
	a.name = 'A';
	b.name = 'B';
	c.name = 'C';
	cudaGraph_t g;
	CK(cudaGraphCreate(&g, 0));
	cudaGraphNode_t k1 = kernel_node(g, NULL, 0, d, 1);
	cudaHostNodeParams hp = {count, &a};
	cudaGraphNode_t ha, hb;
	CK(cudaGraphAddHostNode(&ha, g, &k1, 1, &hp));
	cudaGraphNode_t k2 = kernel_node(g, &ha, 1, d, 2);
	hp.userData = &b;
	CK(cudaGraphAddHostNode(&hb, g, &k2, 1, &hp));

	cudaHostNodeParams back = {};
	CK(cudaGraphHostNodeGetParams(ha, &back));
	check_i("node A's parameters read back: function", back.fn == count, 1);
	check_i("node A's parameters read back: argument", back.userData == &a, 1);
	cudaGraphNodeType type;
	CK(cudaGraphNodeGetType(hb, &type));
	check_i("node B's type", type, cudaGraphNodeTypeHost);

	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g, 0));
	for (int i = 0; i < 3; i++)
		CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_i("A ran at each launch", a.runs, 3);
	check_i("B ran at each launch", b.runs, 3);
	check_i("in graph order", order == "ABABAB", 1);
	check_device("the kernels ran three times", d, 9);

	// The executable graph's B now counts C; the graph's own B is unchanged.
	hp.userData = &c;
	CK(cudaGraphExecHostNodeSetParams(x, hb, &hp));
	order.clear();
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_i("after exec set: A", a.runs, 4);
	check_i("after exec set: B", b.runs, 3);
	check_i("after exec set: C", c.runs, 1);
	check_i("after exec set: order", order == "AC", 1);
	CK(cudaGraphHostNodeGetParams(hb, &back));
	check_i("the graph's B keeps its argument", back.userData == &b, 1);

	// The graph's node changed, and instantiated again.
	CK(cudaGraphHostNodeSetParams(ha, &hp));
	CK(cudaGraphHostNodeGetParams(ha, &back));
	check_i("A's new argument read back", back.userData == &c, 1);
	cudaGraphExec_t x2;
	CK(cudaGraphInstantiate(&x2, g, 0));
	order.clear();
	CK(cudaGraphLaunch(x2, s));
	CK(cudaGraphLaunch(x, s));
	CK(cudaDeviceSynchronize());
	check_i("new graph and old executable graph: order", order == "CBAC", 1);
	check_device("the kernels ran six times", d, 18);

	hp.fn = NULL;
	check_e("a host node without a function", cudaGraphAddHostNode(&ha, g, NULL, 0, &hp),
		cudaErrorInvalidValue);
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphExecDestroy(x2));
	CK(cudaGraphDestroy(g));
	CK(cudaFree(d));
}

// kernel, host function, kernel, captured; launched three times.
static void sec_capture(cudaStream_t s)
{
	printf("== captured host functions\n");
	int *d;
	CK(cudaMalloc(&d, N * sizeof(int)));
	CK(cudaMemset(d, 0, N * sizeof(int)));
	tally t;
	t.name = 'T';
	cudaGraph_t g;
	CK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
	k_add<<<(N + 255) / 256, 256, 0, s>>>(d, 1, N);
	CK(cudaLaunchHostFunc(s, count, &t));
	k_add<<<(N + 255) / 256, 256, 0, s>>>(d, 10, N);
	CK(cudaStreamEndCapture(s, &g));
	check_i("nothing ran at capture", t.runs, 0);
	size_t n = 0;
	CK(cudaGraphGetNodes(g, NULL, &n));
	check_i("the graph's nodes", (long long)n, 3);
	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g, 0));
	order.clear();
	for (int i = 0; i < 3; i++)
		CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_i("the captured function ran at each launch", t.runs, 3);
	check_i("captured: order", order == "TTT", 1);
	check_device("captured kernels ran three times", d, 33);
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g));
	CK(cudaFree(d));
}

// A slow host node: the stream's synchronization waits for it.
static void sec_slow(cudaStream_t s)
{
	printf("== a slow host node\n");
	cudaGraph_t g;
	CK(cudaGraphCreate(&g, 0));
	cudaHostNodeParams hp = {slow, NULL};
	cudaGraphNode_t h;
	CK(cudaGraphAddHostNode(&h, g, NULL, 0, &hp));
	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g, 0));
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_i("synchronize waited for the host node", slow_done, 1);
	slow_done = 0;
	cudaEvent_t e;
	CK(cudaEventCreate(&e));
	CK(cudaGraphLaunch(x, s));
	CK(cudaEventRecord(e, s));
	CK(cudaEventSynchronize(e));
	check_i("an event behind it waited too", slow_done, 1);
	cudaGraphNode_t rn, wn;
	cudaEvent_t got = NULL;
	CK(cudaGraphAddEventRecordNode(&rn, g, &h, 1, e));
	CK(cudaGraphAddEventWaitNode(&wn, g, &rn, 1, e));
	CK(cudaGraphEventRecordNodeGetEvent(rn, &got));
	check_i("the record node's event", got == e, 1);
	got = NULL;
	CK(cudaGraphEventWaitNodeGetEvent(wn, &got));
	check_i("the wait node's event", got == e, 1);
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g));
	CK(cudaEventDestroy(e));
}

// Nodes by generic parameters: added, set in the graph and in the executable graph.
static void sec_generic(cudaStream_t s)
{
	printf("== nodes by generic parameters\n");
	int *d;
	CK(cudaMalloc(&d, N * sizeof(int)));
	CK(cudaMemset(d, 0, N * sizeof(int)));
	tally a, b;
	a.name = 'a';
	b.name = 'b';
	cudaGraph_t g;
	CK(cudaGraphCreate(&g, 0));
	int n = N, add = 1;
	void *args[] = {(void *)&d, (void *)&add, (void *)&n};
	cudaGraphNodeParams kp = {};
	kp.type = cudaGraphNodeTypeKernel;
	kp.kernel.func = (void *)k_add;
	kp.kernel.gridDim = dim3((N + 255) / 256);
	kp.kernel.blockDim = dim3(256);
	kp.kernel.kernelParams = args;
	cudaGraphNode_t kn, hn;
	CK(cudaGraphAddNode(&kn, g, NULL, NULL, 0, &kp));
	cudaGraphNodeParams hp = {};
	hp.type = cudaGraphNodeTypeHost;
	hp.host.fn = count;
	hp.host.userData = &a;
	CK(cudaGraphAddNode(&hn, g, &kn, NULL, 1, &hp));
	add = 2;
	CK(cudaGraphNodeSetParams(kn, &kp));
	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g, 0));
	order.clear();
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_device("generic: the kernel's new argument", d, 2);
	add = 5;
	CK(cudaGraphExecNodeSetParams(x, kn, &kp));
	hp.host.userData = &b;
	CK(cudaGraphExecNodeSetParams(x, hn, &hp));
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_device("generic: set in the executable graph", d, 7);
	check_i("generic: host nodes' order", order == "ab", 1);
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g));
	CK(cudaFree(d));
}

// An executable graph updated from graphs of the same and of another shape.
static void sec_update(cudaStream_t s)
{
	printf("== executable graph updates\n");
	int *d;
	CK(cudaMalloc(&d, N * sizeof(int)));
	CK(cudaMemset(d, 0, N * sizeof(int)));
	cudaGraph_t g1, g2, g3;
	CK(cudaGraphCreate(&g1, 0));
	CK(cudaGraphCreate(&g2, 0));
	CK(cudaGraphCreate(&g3, 0));
	kernel_node(g1, NULL, 0, d, 1);
	kernel_node(g2, NULL, 0, d, 3);
	cudaGraphNode_t k = kernel_node(g3, NULL, 0, d, 3);
	kernel_node(g3, &k, 1, d, 3);
	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g1, 0));
	CK(cudaGraphLaunch(x, s));
	cudaGraphExecUpdateResultInfo info;
	memset(&info, 0, sizeof(info));
	CK(cudaGraphExecUpdate(x, g2, &info));
	check_i("same shape: the result", info.result, cudaGraphExecUpdateSuccess);
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_device("updated: the new argument", d, 4);
	memset(&info, 0, sizeof(info));
	check_e("another shape", cudaGraphExecUpdate(x, g3, &info),
		cudaErrorGraphExecUpdateFailure);
	(void)cudaGetLastError();
	check_i("another shape: the result", info.result, cudaGraphExecUpdateErrorTopologyChanged);
	// Whether the driver names a node here is its own choice: printed, compared with native.
	printf("another shape: error node %s\n", info.errorNode ? "named" : "none");
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_device("still the updated graph", d, 7);
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g1));
	CK(cudaGraphDestroy(g2));
	CK(cudaGraphDestroy(g3));
	CK(cudaFree(d));
}

// A user object whose reference a graph takes over: its destructor runs
// once, after the graph and the executable graph made from it are gone
// (natively on a thread of the driver's, so it is waited for).
static std::atomic<int> destroyed{0};

static void CUDART_CB on_destroy(void *p)
{
	destroyed += *(int *)p;
}

static void sec_user_objects(cudaStream_t s)
{
	printf("== user objects\n");
	static int weight = 5;
	int *d = NULL;
	CK(cudaMalloc(&d, N * sizeof(int)));
	CK(cudaMemset(d, 0, N * sizeof(int)));
	cudaUserObject_t obj = NULL;
	CK(cudaUserObjectCreate(&obj, &weight, on_destroy, 1, cudaUserObjectNoDestructorSync));
	cudaGraph_t g = NULL;
	CK(cudaGraphCreate(&g, 0));
	CK(cudaGraphRetainUserObject(g, obj, 1, cudaGraphUserObjectMove));
	kernel_node(g, NULL, 0, d, 2);
	cudaGraphExec_t x = NULL;
	CK(cudaGraphInstantiate(&x, g, 0));
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	CK(cudaGraphDestroy(g));
	check_i("the executable graph still holds it", destroyed.load(), 0);
	CK(cudaGraphExecDestroy(x));
	CK(cudaDeviceSynchronize());
	for (int i = 0; i < 200 && destroyed.load() == 0; i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	check_i("its destructor ran once, on its argument", destroyed.load(), 5);
	check_device("the graph's kernel ran", d, 2);
	printf("no destructor: %s\n",
	       cudaGetErrorName(cudaUserObjectCreate(&obj, &weight, NULL, 1, 0)));
	(void)cudaGetLastError();
	CK(cudaFree(d));
}

int main()
{
	cudaStream_t s;
	CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
	sec_nodes(s);
	sec_capture(s);
	sec_slow(s);
	sec_generic(s);
	sec_update(s);
	sec_user_objects(s);
	CK(cudaStreamDestroy(s));
	printf("graph_host: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail != 0;
}
