// runtime_ext.cu: newer CUDA runtime features of an unmodified nvcc program.
// Covers device limits and cache/flag configuration, PCI bus id round trip,
// stream priority/flags queries, stream-ordered allocation (cudaMallocAsync /
// cudaFreeAsync), stream, memory pool and graph memory attributes, stream capture into a graph
// (memset, kernels, D2D copy), graph instantiate / upload / launch / clone, CUDA arrays with
// texture and surface objects, a linear-memory texture, cudaMemcpy3D and cudaMemset3D, cooperative
// launches (cudaLaunchCooperativeKernel and cudaLaunchKernelExC with the cooperative attribute),
// kernel queries (cudaFuncGetName, cudaGetFuncBySymbol, cudaFuncGetParamInfo, available dynamic
// shared memory) and a few misuses that return an error without harming the context. Prints only
// values identical on any correct CUDA implementation; the last line is "runtime_ext: N passed, M
// failed", exit status 0 iff M == 0. Build: nvcc -arch=sm_90 --cudart=shared -O2 -o runtime_ext
// runtime_ext.cu
#include <cooperative_groups.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_runtime.h>

#include <unistd.h>
#include <vector>

#include "check.cuh"

namespace cg = cooperative_groups;

// An error is expected but its exact code is not asserted: the name is
// printed, so the native and remoted transcripts still compare it.
static void check_err(const char *what, cudaError_t got)
{
	if (got != cudaSuccess) {
		g_pass++;
		printf("pass: %s: %s\n", what, cudaGetErrorName(got));
	} else {
		g_fail++;
		printf("FAIL %s: got cudaSuccess expected an error\n", what);
	}
}

// ---- kernels ----------------------------------------------------------------

__global__ void k_fill(int *p, int n, int mul, int add)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		p[i] = i * mul + add;
}

// Device printf: natively its lines reach the program's stdout during the
// synchronization that flushes them; under gvirtus the host worker prints
// them and the guest library writes them before that call returns.
__global__ void k_printf(int base)
{
	if (threadIdx.x < 3)
		printf("device printf: block %d thread %d value %d\n", (int)blockIdx.x,
		       (int)threadIdx.x, base + (int)threadIdx.x);
}

__global__ void k_add1(int *p, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		p[i] += 1;
}

__global__ void k_tex2d(float *out, cudaTextureObject_t t, int w, int h)
{
	int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y;
	if (x < w && y < h)
		out[y * w + x] = tex2D<float>(t, x + 0.5f, y + 0.5f);
}

// Reads row y from x = -4 to w + 3: the clamp address mode repeats the edges.
__global__ void k_tex_clamp(float *out, cudaTextureObject_t t, int n, int y)
{
	int i = threadIdx.x;
	if (i < n)
		out[i] = tex2D<float>(t, i - 4 + 0.5f, y + 0.5f);
}

__global__ void k_surf_write(cudaSurfaceObject_t s, int w, int h)
{
	int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y;
	if (x < w && y < h)
		surf2Dwrite<float>((float)(y * 1000 - x), s, x * (int)sizeof(float), y);
}

__global__ void k_tex1d(int *out, cudaTextureObject_t t, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		out[i] = tex1Dfetch<int>(t, i);
}

// Phase 1: every thread writes its slot; grid-wide barrier; phase 2: every
// thread reads the slot of the same thread in the next block.
__global__ void k_coop(int *buf, int *out, int mul)
{
	cg::grid_group g = cg::this_grid();
	int total = gridDim.x * blockDim.x;
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	buf[i] = i * mul + 1;
	g.sync();
	out[i] = buf[(i + blockDim.x) % total];
}

__global__ void k_params(int a, double b, char *c)
{
	c[0] = (char)(a + (int)(b * 2.0));
}

__global__ void k_set_cond(cudaGraphConditionalHandle h, int v)
{
	cudaGraphSetConditional(h, v);
}

// ---- host -------------------------------------------------------------------

#define N   4096
#define TPB 256
#define NB  ((N + TPB - 1) / TPB)

static int h_i[N], h_e[N];

// Copies n ints back from device memory and compares them with exp(i).
template <typename F> static void check_dev(const char *what, const int *d, int n, F exp)
{
	for (int i = 0; i < n; i++) {
		h_i[i] = -12345;
		h_e[i] = exp(i);
	}
	check_e("cudaMemcpy D2H", cudaMemcpy(h_i, d, n * sizeof(int), cudaMemcpyDeviceToHost),
		cudaSuccess);
	check_arr(what, h_i, h_e, n);
}

static cudaError_t copy3d(cudaPitchedPtr sp, cudaArray_t sa, cudaPitchedPtr dp, cudaArray_t da,
			  cudaExtent e, cudaMemcpyKind k)
{
	cudaMemcpy3DParms p = {};
	p.srcPtr = sp;
	p.srcArray = sa;
	p.dstPtr = dp;
	p.dstArray = da;
	p.extent = e;
	p.kind = k;
	return cudaMemcpy3D(&p);
}

static void sec_limits(void)
{
	printf("== limits\n");
	size_t v = 0;
	CK(cudaDeviceSetLimit(cudaLimitStackSize, 4096));
	CK(cudaDeviceGetLimit(&v, cudaLimitStackSize));
	check_i("stack size limit >= 4096", v >= 4096, 1);
	CK(cudaDeviceSetLimit(cudaLimitPrintfFifoSize, 2 << 20));
	v = 0;
	CK(cudaDeviceGetLimit(&v, cudaLimitPrintfFifoSize));
	check_i("printf FIFO size limit >= 2 MiB", v >= (size_t)(2 << 20), 1);
	// Flushed on both sides of the launch and the synchronization, so that
	// the lines land in the same place whatever stdout is (a file here).
	fflush(stdout);
	k_printf<<<1, 32>>>(100);
	CK(cudaDeviceSynchronize());
	fflush(stdout);
	printf("after the device printf's synchronization\n");

	// Managed memory: written by the CPU, incremented by a kernel, read
	// back by the CPU after the synchronization.
	int *m = nullptr;
	const int mn = 300000;
	CK(cudaMallocManaged(&m, mn * sizeof(int)));
	for (int i = 0; i < mn; i++)
		m[i] = 3 * i;
	k_add1<<<(mn + 255) / 256, 256>>>(m, mn);
	CK(cudaDeviceSynchronize());
	int bad = 0;
	for (int i = 0; i < mn; i++)
		bad += m[i] != 3 * i + 1;
	check_i("a kernel's increments of managed memory, seen by the CPU", bad, 0);
	k_add1<<<(mn + 255) / 256, 256>>>(m, mn);
	CK(cudaDeviceSynchronize());
	check_i("managed memory after a second kernel", m[mn - 1], 3 * (mn - 1) + 2);
	CK(cudaFree(m));

	cudaFuncCache fc = cudaFuncCachePreferNone;
	CK(cudaDeviceSetCacheConfig(cudaFuncCachePreferShared));
	CK(cudaDeviceGetCacheConfig(&fc));
	printf("cache config = %d\n", (int)fc);
	check_i("cache config == cudaFuncCachePreferShared", fc, cudaFuncCachePreferShared);
	CK(cudaDeviceSetCacheConfig(cudaFuncCachePreferNone));
	CK(cudaFuncSetCacheConfig((const void *)k_add1, cudaFuncCachePreferL1));

	char bus[64];
	int dev = -1;
	CK(cudaDeviceGetPCIBusId(bus, sizeof(bus), 0));
	CK(cudaDeviceGetByPCIBusId(&dev, bus));
	check_i("cudaDeviceGetByPCIBusId(bus id of 0) == 0", dev, 0);

	int least = 0, greatest = 0, prio = 12345;
	unsigned flags = 12345;
	cudaStream_t s = 0;
	CK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
	CK(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, greatest));
	CK(cudaStreamGetPriority(s, &prio));
	check_i("cudaStreamGetPriority == greatest priority", prio, greatest);
	CK(cudaStreamGetFlags(s, &flags));
	printf("stream flags = %u\n", flags);
	check_i("cudaStreamGetFlags == cudaStreamNonBlocking", flags, cudaStreamNonBlocking);
	CK(cudaStreamDestroy(s));

	CK(cudaSetDeviceFlags(cudaDeviceScheduleBlockingSync));
	flags = 0;
	CK(cudaGetDeviceFlags(&flags));
	printf("device flags & cudaDeviceScheduleMask = %u\n", flags & cudaDeviceScheduleMask);
	check_i("device schedule flags == cudaDeviceScheduleBlockingSync",
		flags & cudaDeviceScheduleMask, cudaDeviceScheduleBlockingSync);
}

static void sec_mallocasync(cudaStream_t s)
{
	printf("== mallocasync\n");
	int pools = -1;
	CK(cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, 0));
	printf("cudaDevAttrMemoryPoolsSupported = %d\n", pools);
	int *d = NULL;
	CK(cudaMallocAsync((void **)&d, N * sizeof(int), s));
	k_fill<<<NB, TPB, 0, s>>>(d, N, 5, -3);
	LAUNCHED("k_fill on cudaMallocAsync memory");
	for (int i = 0; i < N; i++)
		h_i[i] = -1;
	CK(cudaMemcpyAsync(h_i, d, N * sizeof(int), cudaMemcpyDeviceToHost, s));
	CK(cudaFreeAsync(d, s));
	CK(cudaStreamSynchronize(s));
	for (int i = 0; i < N; i++)
		h_e[i] = 5 * i - 3;
	check_arr("cudaMallocAsync -> kernel -> cudaMemcpyAsync", h_i, h_e, N);

	// The allocation comes from the device's pool, as its counters show.
	cudaMemPool_t def;
	unsigned long long used = 0;
	CK(cudaDeviceGetDefaultMemPool(&def, 0));
	CK(cudaMallocAsync((void **)&d, N * sizeof(int), s));
	CK(cudaMemPoolGetAttribute(def, cudaMemPoolAttrUsedMemCurrent, &used));
	check_i("default pool in use >= the allocation", used >= N * sizeof(int), 1);
	CK(cudaFreeAsync(d, s));
	CK(cudaStreamSynchronize(s));

	// A pool of its own, and allocations from it.
	cudaMemPoolProps props = {};
	props.allocType = cudaMemAllocationTypePinned;
	props.location.type = cudaMemLocationTypeDevice;
	props.location.id = 0;
	cudaMemPool_t pool;
	CK(cudaMemPoolCreate(&pool, &props));
	cudaMemLocation loc = {};
	loc.type = cudaMemLocationTypeDevice;
	loc.id = 0;
	cudaMemAccessFlags fl = cudaMemAccessFlagsProtNone;
	CK(cudaMemPoolGetAccess(&fl, pool, &loc));
	check_i("a pool's own device may read and write it", fl, cudaMemAccessFlagsProtReadWrite);
	int *p1 = NULL, *p2 = NULL;
	CK(cudaMallocFromPoolAsync((void **)&p1, N * sizeof(int), pool, s));
	CK(cudaMallocFromPoolAsync((void **)&p2, N * sizeof(int), pool, s));
	k_fill<<<NB, TPB, 0, s>>>(p1, N, 3, 7);
	LAUNCHED("k_fill on pool memory");
	CK(cudaMemcpyAsync(p2, p1, N * sizeof(int), cudaMemcpyDefault, s));
	CK(cudaStreamSynchronize(s));
	check_dev("cudaMallocFromPoolAsync -> kernel -> cudaMemcpyDefault", p2, N,
		  [](int i) { return 3 * i + 7; });
	used = 0;
	CK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &used));
	check_i("own pool in use >= two allocations", used >= 2 * N * sizeof(int), 1);
	CK(cudaFreeAsync(p1, s));
	CK(cudaFreeAsync(p2, s));
	CK(cudaStreamSynchronize(s));
	CK(cudaMemPoolTrimTo(pool, 0));
	CK(cudaMemPoolDestroy(pool));
}

// Attribute values whose size the attribute decides: stream attributes
// (a whole cudaStreamAttrValue), memory pool attributes (int or 64-bit) and
// the graph memory counters (64-bit).  The bytes past an int attribute's
// value must stay as they were.
static void sec_attributes(cudaStream_t s)
{
	printf("== attributes\n");
	cudaStreamAttrValue v;
	memset(&v, 0, sizeof(v));
	v.syncPolicy = cudaSyncPolicyYield;
	CK(cudaStreamSetAttribute(s, cudaStreamAttributeSynchronizationPolicy, &v));
	memset(&v, 0x5a, sizeof(v));
	CK(cudaStreamGetAttribute(s, cudaStreamAttributeSynchronizationPolicy, &v));
	check_i("stream synchronization policy == cudaSyncPolicyYield", v.syncPolicy,
		cudaSyncPolicyYield);

	int *d = NULL;
	CK(cudaMalloc((void **)&d, N * sizeof(int)));
	memset(&v, 0, sizeof(v));
	v.accessPolicyWindow.base_ptr = d;
	v.accessPolicyWindow.num_bytes = N * sizeof(int);
	v.accessPolicyWindow.hitRatio = 0.5f;
	v.accessPolicyWindow.hitProp = cudaAccessPropertyPersisting;
	v.accessPolicyWindow.missProp = cudaAccessPropertyStreaming;
	CK(cudaStreamSetAttribute(s, cudaStreamAttributeAccessPolicyWindow, &v));
	memset(&v, 0, sizeof(v));
	CK(cudaStreamGetAttribute(s, cudaStreamAttributeAccessPolicyWindow, &v));
	check_i("access policy window base is the allocation", v.accessPolicyWindow.base_ptr == d,
		1);
	check_i("access policy window bytes", (long long)v.accessPolicyWindow.num_bytes,
		N * (long long)sizeof(int));
	k_fill<<<NB, TPB, 0, s>>>(d, N, 2, 1);
	LAUNCHED("k_fill under an access policy window");
	CK(cudaStreamSynchronize(s));
	check_dev("k_fill under an access policy window", d, N, [](int i) { return 2 * i + 1; });
	memset(&v, 0, sizeof(v)); // an empty window resets the stream's
	CK(cudaStreamSetAttribute(s, cudaStreamAttributeAccessPolicyWindow, &v));
	CK(cudaFree(d));
	check_err("cudaStreamSetAttribute(attribute 0x7fff)",
		  cudaStreamSetAttribute(s, (cudaStreamAttrID)0x7fff, &v));

	cudaMemPool_t pool;
	CK(cudaDeviceGetDefaultMemPool(&pool, 0));
	unsigned long long thr = 64ull << 20, got = 0;
	CK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &thr));
	CK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &got));
	check_i("default pool release threshold == 64 MiB", (long long)got, 64ll << 20);
	thr = 0;
	CK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &thr));
	int reuse[2] = {-1, 0x5a5a5a5a};
	CK(cudaMemPoolGetAttribute(pool, cudaMemPoolReuseAllowOpportunistic, &reuse[0]));
	check_i("pool reuse flag is 0 or 1", reuse[0] == 0 || reuse[0] == 1, 1);
	check_i("an int attribute writes one int", reuse[1], 0x5a5a5a5a);
	check_err("cudaMemPoolGetAttribute(attribute 0x7fff)",
		  cudaMemPoolGetAttribute(pool, (cudaMemPoolAttr)0x7fff, &got));

	got = 12345;
	CK(cudaDeviceGetGraphMemAttribute(0, cudaGraphMemAttrUsedMemCurrent, &got));
	check_i("graph memory in use with no graph allocation", (long long)got, 0);
	got = 0;
	CK(cudaDeviceSetGraphMemAttribute(0, cudaGraphMemAttrUsedMemHigh, &got));
	check_err("cudaDeviceSetGraphMemAttribute(used memory, a current value)",
		  cudaDeviceSetGraphMemAttribute(0, cudaGraphMemAttrUsedMemCurrent, &got));
	// The misuses above left their error for cudaGetLastError, as natively.
	check_e("cudaGetLastError after the misuses", cudaGetLastError(), cudaErrorInvalidValue);
}

static void sec_graphs(cudaStream_t s)
{
	printf("== graphs\n");
	int *da = NULL, *db = NULL;
	CK(cudaMalloc((void **)&da, N * sizeof(int)));
	CK(cudaMalloc((void **)&db, N * sizeof(int)));
	for (int i = 0; i < N; i++)
		h_i[i] = i;
	CK(cudaMemcpy(da, h_i, N * sizeof(int), cudaMemcpyHostToDevice));
	CK(cudaMemset(db, 0, N * sizeof(int)));

	cudaStreamCaptureStatus st = cudaStreamCaptureStatusInvalidated;
	CK(cudaStreamIsCapturing(s, &st));
	check_i("cudaStreamIsCapturing before == None", st, cudaStreamCaptureStatusNone);

	// The graph: db = all -1; da += 3; db[0, N/2) = da[0, N/2).
	CK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
	CK(cudaMemsetAsync(db, 0xff, N * sizeof(int), s));
	for (int k = 0; k < 3; k++) {
		k_add1<<<NB, TPB, 0, s>>>(da, N);
		LAUNCHED("k_add1 while capturing");
	}
	CK(cudaStreamIsCapturing(s, &st));
	printf("cudaStreamIsCapturing during capture = %d\n", (int)st);
	check_i("cudaStreamIsCapturing during == Active", st, cudaStreamCaptureStatusActive);
	unsigned long long id = 0;
	cudaGraph_t cg_graph = NULL;
	size_t ndeps = 12345;
	st = cudaStreamCaptureStatusNone;
	CK(cudaStreamGetCaptureInfo(s, &st, &id, &cg_graph, NULL, NULL, &ndeps));
	printf("capture info: status = %d, dependencies = %zu\n", (int)st, ndeps);
	check_i("capture info status == Active", st, cudaStreamCaptureStatusActive);
	check_i("capture id != 0", id != 0, 1);
	check_i("capture graph != NULL", cg_graph != NULL, 1);
	check_i("capture dependencies == 1", (long long)ndeps, 1);
	CK(cudaMemcpyAsync(db, da, N / 2 * sizeof(int), cudaMemcpyDeviceToDevice, s));
	cudaGraph_t graph = NULL;
	CK(cudaStreamEndCapture(s, &graph));
	check_i("cudaStreamEndCapture graph != NULL", graph != NULL, 1);
	check_i("capture info graph == end capture graph", graph == cg_graph, 1);
	CK(cudaStreamIsCapturing(s, &st));
	check_i("cudaStreamIsCapturing after == None", st, cudaStreamCaptureStatusNone);
	st = cudaStreamCaptureStatusActive;
	CK(cudaStreamGetCaptureInfo(s, &st, NULL, NULL, NULL, NULL, NULL));
	check_i("capture info after == None", st, cudaStreamCaptureStatusNone);

	// The captured graph as the driver lists it: a chain of five nodes
	// (memset, three kernels, copy), the memset its root.
	size_t nn = 0, nr = 0, ne = 0;
	CK(cudaGraphGetNodes(graph, NULL, &nn));
	check_i("captured graph has 5 nodes", (long long)nn, 5);
	cudaGraphNode_t nodes[8] = {}, roots[2] = {}, from[8] = {}, to[8] = {};
	nn = 8;
	CK(cudaGraphGetNodes(graph, nodes, &nn));
	check_i("cudaGraphGetNodes fills 5, the rest NULL", nn == 5 && nodes[4] && !nodes[5], 1);
	nr = 2;
	CK(cudaGraphGetRootNodes(graph, roots, &nr));
	check_i("one root", (long long)nr, 1);
	cudaGraphNodeType ty = cudaGraphNodeTypeCount;
	CK(cudaGraphNodeGetType(roots[0], &ty));
	check_i("the root is the memset", ty, cudaGraphNodeTypeMemset);
	ne = 8;
	CK(cudaGraphGetEdges(graph, from, to, NULL, &ne));
	check_i("captured graph has 4 edges", (long long)ne, 4);
	size_t nd = 4, nx = 4;
	cudaGraphNode_t dep[4] = {}, dnt[4] = {};
	CK(cudaGraphNodeGetDependencies(roots[0], dep, NULL, &nd));
	check_i("the root depends on nothing", (long long)nd, 0);
	CK(cudaGraphNodeGetDependentNodes(roots[0], dnt, NULL, &nx));
	check_i("one node follows the root", (long long)nx, 1);
	nd = 4;
	CK(cudaGraphNodeGetDependencies(dnt[0], dep, NULL, &nd));
	check_i("and it depends on the root", nd == 1 && dep[0] == roots[0], 1);
	ty = cudaGraphNodeTypeCount;
	CK(cudaGraphNodeGetType(dnt[0], &ty));
	check_i("the node after the root is a kernel", ty, cudaGraphNodeTypeKernel);

	// Capturing must not have executed anything.
	check_dev("da untouched by capture", da, N, [](int i) { return i; });
	check_dev("db untouched by capture", db, N, [](int) { return 0; });

	cudaGraphExec_t exec = NULL;
	CK(cudaGraphInstantiate(&exec, graph, 0));
	CK(cudaGraphUpload(exec, s));
	for (int k = 0; k < 5; k++)
		CK(cudaGraphLaunch(exec, s));
	CK(cudaStreamSynchronize(s));
	check_dev("da after 5 graph launches", da, N, [](int i) { return i + 15; });
	check_dev("db after 5 graph launches", db, N,
		  [](int i) { return i < N / 2 ? i + 15 : -1; });

	cudaGraph_t clone = NULL;
	cudaGraphExec_t cexec = NULL;
	CK(cudaGraphClone(&clone, graph));
	CK(cudaGraphInstantiate(&cexec, clone, 0));
	CK(cudaGraphLaunch(cexec, s));
	CK(cudaStreamSynchronize(s));
	check_dev("da after a launch of the cloned graph", da, N, [](int i) { return i + 18; });

	CK(cudaGraphExecDestroy(cexec));
	CK(cudaGraphDestroy(clone));
	CK(cudaGraphExecDestroy(exec));
	CK(cudaGraphDestroy(graph));
	CK(cudaFree(da));
	CK(cudaFree(db));
}

// A graph built node by node: a memset, then k_fill, then k_add1; launched,
// its kernel's arguments changed in the executable graph and in the graph.
static void sec_graph_nodes(cudaStream_t s)
{
	printf("== graph nodes\n");
	int *d = NULL;
	CK(cudaMalloc((void **)&d, N * sizeof(int)));
	cudaGraph_t g = NULL;
	CK(cudaGraphCreate(&g, 0));
	cudaMemsetParams mp = {};
	mp.dst = d;
	mp.value = 0x7f;
	mp.elementSize = 4;
	mp.width = N;
	mp.height = 1;
	cudaGraphNode_t ms = NULL, fill = NULL, add = NULL;
	CK(cudaGraphAddMemsetNode(&ms, g, NULL, 0, &mp));
	int n = N, mul = 2, add0 = 5;
	void *fargs[] = {&d, &n, &mul, &add0};
	cudaKernelNodeParams kp = {};
	kp.func = (void *)k_fill;
	kp.gridDim = dim3(NB);
	kp.blockDim = dim3(TPB);
	kp.kernelParams = fargs;
	CK(cudaGraphAddKernelNode(&fill, g, &ms, 1, &kp));
	void *aargs[] = {&d, &n};
	cudaKernelNodeParams ap = kp;
	ap.func = (void *)k_add1;
	ap.kernelParams = aargs;
	CK(cudaGraphAddKernelNode(&add, g, &fill, 1, &ap));
	size_t nn = 0;
	CK(cudaGraphGetNodes(g, NULL, &nn));
	check_i("three nodes", (long long)nn, 3);
	char dot_path[] = "/tmp/gvirtus-dot-XXXXXX";
	int dot_fd = mkstemp(dot_path);
	if (dot_fd >= 0)
		close(dot_fd);
	cudaError_t de = cudaGraphDebugDotPrint(g, dot_path, cudaGraphDebugDotFlagsVerbose);
	char dot[8] = {0};
	FILE *df = fopen(dot_path, "r");
	int dot_ok = df && fread(dot, 1, 7, df) == 7 && !strcmp(dot, "digraph");
	if (df)
		fclose(df);
	unlink(dot_path);
	printf("cudaGraphDebugDotPrint: %s, a DOT file: %d\n", cudaGetErrorName(de), dot_ok);
	de = cudaGraphDebugDotPrint(g, "/nonexistent/dir/g.dot", 0);
	printf("into a directory that does not exist: %s\n", cudaGetErrorName(de));
	(void)cudaGetLastError();
	cudaMemsetParams back = {};
	CK(cudaGraphMemsetNodeGetParams(ms, &back));
	check_i("memset node parameters back",
		back.dst == d && back.value == 0x7f && back.width == N, 1);
	cudaGraphExec_t x = NULL;
	CK(cudaGraphInstantiate(&x, g, 0));
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_dev("memset, k_fill(2i + 5), k_add1", d, N, [](int i) { return 2 * i + 6; });
	int mul2 = 3, add2 = -7;
	void *fargs2[] = {&d, &n, &mul2, &add2};
	kp.kernelParams = fargs2;
	CK(cudaGraphExecKernelNodeSetParams(x, fill, &kp));
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_dev("after cudaGraphExecKernelNodeSetParams", d, N, [](int i) { return 3 * i - 6; });
	mp.value = 0;
	CK(cudaGraphExecMemsetNodeSetParams(x, ms, &mp));
	CK(cudaGraphLaunch(x, s));
	CK(cudaStreamSynchronize(s));
	check_dev("the executable graph's parameters stay", d, N, [](int i) { return 3 * i - 6; });
	add0 = 100;
	kp.kernelParams = fargs;
	CK(cudaGraphKernelNodeSetParams(fill, &kp));
	cudaGraphExec_t x2 = NULL;
	CK(cudaGraphInstantiate(&x2, g, 0));
	CK(cudaGraphLaunch(x2, s));
	CK(cudaStreamSynchronize(s));
	check_dev("a new instance has the graph's new parameters", d, N,
		  [](int i) { return 2 * i + 101; });
	// Read back: the kernel by its stub, the geometry, each argument's value.
	cudaKernelNodeParams got = {};
	CK(cudaGraphKernelNodeGetParams(fill, &got));
	check_i("kernel node parameters back: the kernel",
		got.func == (void *)k_fill && got.gridDim.x == NB && got.blockDim.x == TPB, 1);
	int gm = 0, ga = 0;
	int *gd = NULL;
	if (got.kernelParams) {
		memcpy(&gd, got.kernelParams[0], sizeof(gd));
		memcpy(&gm, got.kernelParams[2], sizeof(gm));
		memcpy(&ga, got.kernelParams[3], sizeof(ga));
	}
	check_i("kernel node parameters back: the arguments", gd == d && gm == 2 && ga == 100, 1);
	kp.func = (void *)sec_graph_nodes; // not a kernel
	check_e("cudaGraphAddKernelNode of a host function",
		cudaGraphAddKernelNode(&fill, g, NULL, 0, &kp), cudaErrorInvalidResourceHandle);
	(void)cudaGetLastError();
	CK(cudaGraphExecDestroy(x2));
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g));
	CK(cudaFree(d));
}

// Nodes by their parameters (cudaGraphAddNode): a kernel sets a conditional
// handle, and an IF node runs its body graph (a kernel node) only when set.
static void sec_graph_conditional(cudaStream_t s)
{
	printf("== conditional nodes\n");
	for (int set = 1; set >= 0; set--) {
		int *d = NULL;
		CK(cudaMalloc((void **)&d, N * sizeof(int)));
		CK(cudaMemset(d, 0, N * sizeof(int)));
		cudaGraph_t g = NULL;
		CK(cudaGraphCreate(&g, 0));
		cudaGraphConditionalHandle h = 0;
		CK(cudaGraphConditionalHandleCreate(&h, g, 0, 0));
		cudaGraphNodeParams kp = {};
		kp.type = cudaGraphNodeTypeKernel;
		void *sargs[] = {&h, &set};
		kp.kernel.func = (void *)k_set_cond;
		kp.kernel.gridDim = dim3(1);
		kp.kernel.blockDim = dim3(1);
		kp.kernel.kernelParams = sargs;
		cudaGraphNode_t setter = NULL, cond = NULL, body = NULL;
		CK(cudaGraphAddNode(&setter, g, NULL, NULL, 0, &kp));
		cudaGraphNodeParams cp = {};
		cp.type = cudaGraphNodeTypeConditional;
		cp.conditional.handle = h;
		cp.conditional.type = cudaGraphCondTypeIf;
		cp.conditional.size = 1;
		CK(cudaGraphAddNode(&cond, g, &setter, NULL, 1, &cp));
		check_i("the IF node's body graph", cp.conditional.phGraph_out != NULL, 1);
		int n = N, mul = 4, add = 1;
		void *fargs[] = {&d, &n, &mul, &add};
		cudaGraphNodeParams bp = {};
		bp.type = cudaGraphNodeTypeKernel;
		bp.kernel.func = (void *)k_fill;
		bp.kernel.gridDim = dim3(NB);
		bp.kernel.blockDim = dim3(TPB);
		bp.kernel.kernelParams = fargs;
		CK(cudaGraphAddNode(&body, cp.conditional.phGraph_out[0], NULL, NULL, 0, &bp));
		cudaGraphExec_t x = NULL;
		CK(cudaGraphInstantiate(&x, g, 0));
		CK(cudaGraphLaunch(x, s));
		CK(cudaStreamSynchronize(s));
		if (set)
			check_dev("condition set: the body ran", d, N,
				  [](int i) { return 4 * i + 1; });
		else
			check_dev("condition clear: the body did not run", d, N,
				  [](int) { return 0; });
		CK(cudaGraphExecDestroy(x));
		CK(cudaGraphDestroy(g));
		CK(cudaFree(d));
	}
}

static void sec_arrays(void)
{
	printf("== arrays\n");
	const int W = 64, H = 32, SP = 80, DP = 70;
	static float src[SP * H], dst[DP * H], exp[DP * H], got[W * H], want[W * H];
	cudaChannelFormatDesc fd = cudaCreateChannelDesc<float>();
	cudaArray_t arr = NULL, sarr = NULL;
	CK(cudaMallocArray(&arr, &fd, W, H));
	for (int y = 0; y < H; y++)
		for (int x = 0; x < SP; x++)
			src[y * SP + x] = x < W ? y * 100 + x + 0.25f : -99.0f;
	CK(cudaMemcpy2DToArray(arr, 0, 0, src, SP * sizeof(float), W * sizeof(float), H,
			       cudaMemcpyHostToDevice));

	cudaChannelFormatDesc cd;
	memset(&cd, 0, sizeof(cd));
	CK(cudaGetChannelDesc(&cd, arr));
	printf("cudaGetChannelDesc: x=%d y=%d z=%d w=%d kind=%d\n", cd.x, cd.y, cd.z, cd.w,
	       (int)cd.f);
	check_i("channel desc x bits == 32", cd.x, 32);
	check_i("channel desc kind == Float", cd.f, cudaChannelFormatKindFloat);
	cudaExtent ext = make_cudaExtent(0, 0, 0);
	unsigned aflags = 12345;
	memset(&cd, 0, sizeof(cd));
	CK(cudaArrayGetInfo(&cd, &ext, &aflags, arr));
	printf("cudaArrayGetInfo: x=%d kind=%d width=%zu height=%zu depth=%zu flags=%u\n", cd.x,
	       (int)cd.f, ext.width, ext.height, ext.depth, aflags);
	check_i("array info width", (long long)ext.width, W);
	check_i("array info height", (long long)ext.height, H);
	check_i("array info depth", (long long)ext.depth, 0);

	// Texture object over the array, point sampled at texel centres.
	cudaResourceDesc rd = {};
	rd.resType = cudaResourceTypeArray;
	rd.res.array.array = arr;
	cudaTextureDesc td = {};
	td.addressMode[0] = td.addressMode[1] = cudaAddressModeClamp;
	td.filterMode = cudaFilterModePoint;
	td.readMode = cudaReadModeElementType;
	td.normalizedCoords = 0;
	cudaTextureObject_t tex = 0;
	CK(cudaCreateTextureObject(&tex, &rd, &td, NULL));
	float *dout = NULL;
	CK(cudaMalloc((void **)&dout, W * H * sizeof(float)));
	k_tex2d<<<dim3(1, H), W>>>(dout, tex, W, H);
	LAUNCHED("k_tex2d");
	CK(cudaMemcpy(got, dout, W * H * sizeof(float), cudaMemcpyDeviceToHost));
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			want[y * W + x] = src[y * SP + x];
	check_arr("tex2D over the array", got, want, W * H);
	k_tex_clamp<<<1, W + 8>>>(dout, tex, W + 8, 5);
	LAUNCHED("k_tex_clamp");
	CK(cudaMemcpy(got, dout, (W + 8) * sizeof(float), cudaMemcpyDeviceToHost));
	for (int i = 0; i < W + 8; i++) {
		int x = i - 4 < 0 ? 0 : i - 4 >= W ? W - 1 : i - 4;
		want[i] = src[5 * SP + x];
	}
	check_arr("tex2D clamp addressing on row 5", got, want, W + 8);

	// Back to the host with another pitch; the padding stays untouched.
	for (int i = 0; i < DP * H; i++)
		dst[i] = exp[i] = -7.0f;
	CK(cudaMemcpy2DFromArray(dst, DP * sizeof(float), arr, 0, 0, W * sizeof(float), H,
				 cudaMemcpyDeviceToHost));
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			exp[y * DP + x] = src[y * SP + x];
	check_arr("cudaMemcpy2DFromArray (pitch 70 floats)", dst, exp, DP * H);
	// A sub-rectangle: 16 x 8 from column 8, row 4.
	for (int i = 0; i < 16 * 8; i++)
		got[i] = -7.0f;
	CK(cudaMemcpy2DFromArray(got, 16 * sizeof(float), arr, 8 * sizeof(float), 4,
				 16 * sizeof(float), 8, cudaMemcpyDeviceToHost));
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 16; x++)
			want[y * 16 + x] = src[(y + 4) * SP + x + 8];
	check_arr("cudaMemcpy2DFromArray sub-rectangle", got, want, 16 * 8);

	// Surface object on a second array.
	CK(cudaMallocArray(&sarr, &fd, W, H, cudaArraySurfaceLoadStore));
	CK(cudaArrayGetInfo(&cd, &ext, &aflags, sarr));
	printf("surface array flags = %u\n", aflags);
	check_i("surface array flags has cudaArraySurfaceLoadStore",
		(aflags & cudaArraySurfaceLoadStore) != 0, 1);
	cudaResourceDesc srd = {};
	srd.resType = cudaResourceTypeArray;
	srd.res.array.array = sarr;
	cudaSurfaceObject_t surf = 0;
	CK(cudaCreateSurfaceObject(&surf, &srd));
	k_surf_write<<<dim3(1, H), W>>>(surf, W, H);
	LAUNCHED("k_surf_write");
	for (int i = 0; i < W * H; i++)
		got[i] = -7.0f;
	CK(cudaMemcpy2DFromArray(got, W * sizeof(float), sarr, 0, 0, W * sizeof(float), H,
				 cudaMemcpyDeviceToHost));
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			want[y * W + x] = (float)(y * 1000 - x);
	check_arr("surf2Dwrite then cudaMemcpy2DFromArray", got, want, W * H);

	// Texture over linear memory, read with tex1Dfetch.
	const int L = 1000;
	int *dlin = NULL, *dlout = NULL;
	CK(cudaMalloc((void **)&dlin, L * sizeof(int)));
	CK(cudaMalloc((void **)&dlout, L * sizeof(int)));
	for (int i = 0; i < L; i++)
		h_e[i] = i * 3 - 7;
	CK(cudaMemcpy(dlin, h_e, L * sizeof(int), cudaMemcpyHostToDevice));
	cudaResourceDesc lrd = {};
	lrd.resType = cudaResourceTypeLinear;
	lrd.res.linear.devPtr = dlin;
	lrd.res.linear.desc = cudaCreateChannelDesc<int>();
	lrd.res.linear.sizeInBytes = L * sizeof(int);
	cudaTextureDesc ltd = {};
	ltd.readMode = cudaReadModeElementType;
	cudaTextureObject_t ltex = 0;
	CK(cudaCreateTextureObject(&ltex, &lrd, &ltd, NULL));
	k_tex1d<<<(L + 255) / 256, 256>>>(dlout, ltex, L);
	LAUNCHED("k_tex1d");
	CK(cudaMemcpy(h_i, dlout, L * sizeof(int), cudaMemcpyDeviceToHost));
	check_arr("tex1Dfetch over linear memory", h_i, h_e, L);

	// 3D: host -> pitched -> 3D array; memset3D; 3D array -> pitched -> host.
	const int X = 16, Y = 8, Z = 4;
	static float h3[X * Y * Z], r3[X * Y * Z];
	static unsigned u3[X * Y * Z], e3[X * Y * Z];
	for (int i = 0; i < X * Y * Z; i++)
		h3[i] = i * 0.5f - 3.0f;
	cudaExtent bext = make_cudaExtent(X * sizeof(float), Y, Z);
	cudaExtent eext = make_cudaExtent(X, Y, Z);
	cudaPitchedPtr pp = make_cudaPitchedPtr(NULL, 0, 0, 0);
	cudaArray_t arr3 = NULL;
	CK(cudaMalloc3D(&pp, bext));
	check_i("cudaMalloc3D pitch >= row width", pp.pitch >= X * sizeof(float), 1);
	CK(cudaMalloc3DArray(&arr3, &fd, eext));
	CK(cudaArrayGetInfo(&cd, &ext, &aflags, arr3));
	printf("3D array info: width=%zu height=%zu depth=%zu\n", ext.width, ext.height, ext.depth);
	check_i("3D array depth", (long long)ext.depth, Z);
	cudaPitchedPtr hp = make_cudaPitchedPtr(h3, X * sizeof(float), X, Y), none = {};
	check_e("cudaMemcpy3D host -> pitched",
		copy3d(hp, NULL, pp, NULL, bext, cudaMemcpyHostToDevice), cudaSuccess);
	check_e("cudaMemcpy3D pitched -> 3D array",
		copy3d(pp, NULL, none, arr3, eext, cudaMemcpyDeviceToDevice), cudaSuccess);
	CK(cudaMemset3D(pp, 0, bext));
	CK(cudaMemset3D(pp, 0x5a, make_cudaExtent(8 * sizeof(float), Y, 2)));
	check_e("cudaMemcpy3D pitched -> host",
		copy3d(pp, NULL, make_cudaPitchedPtr(u3, X * sizeof(unsigned), X, Y), NULL, bext,
		       cudaMemcpyDeviceToHost),
		cudaSuccess);
	for (int z = 0; z < Z; z++)
		for (int y = 0; y < Y; y++)
			for (int x = 0; x < X; x++)
				e3[(z * Y + y) * X + x] = x < 8 && z < 2 ? 0x5a5a5a5au : 0u;
	check_arr("cudaMemset3D (8 floats x 8 x 2 of 0x5a)", u3, e3, X * Y * Z);
	check_e("cudaMemcpy3D 3D array -> pitched",
		copy3d(none, arr3, pp, NULL, eext, cudaMemcpyDeviceToDevice), cudaSuccess);
	check_e("cudaMemcpy3D pitched -> host (2)",
		copy3d(pp, NULL, make_cudaPitchedPtr(r3, X * sizeof(float), X, Y), NULL, bext,
		       cudaMemcpyDeviceToHost),
		cudaSuccess);
	check_arr("cudaMemcpy3D pitched -> 3D array -> pitched round trip", r3, h3, X * Y * Z);

	// The objects' descriptors read back (the fields set above).
	cudaResourceDesc grd = {};
	cudaTextureDesc gtd = {};
	CK(cudaGetTextureObjectResourceDesc(&grd, tex));
	check_i("texture's resource: the array",
		grd.resType == cudaResourceTypeArray && grd.res.array.array == arr, 1);
	CK(cudaGetTextureObjectTextureDesc(&gtd, tex));
	check_i("texture's address mode", gtd.addressMode[0], cudaAddressModeClamp);
	check_i("texture's filter mode", gtd.filterMode, cudaFilterModePoint);
	check_i("texture's read mode", gtd.readMode, cudaReadModeElementType);
	CK(cudaGetTextureObjectResourceDesc(&grd, ltex));
	check_i("linear texture's resource",
		grd.resType == cudaResourceTypeLinear && grd.res.linear.devPtr == dlin &&
		    grd.res.linear.sizeInBytes == L * sizeof(int),
		1);
	check_i("linear texture's channel x bits", grd.res.linear.desc.x, 32);
	CK(cudaGetSurfaceObjectResourceDesc(&grd, surf));
	check_i("surface's resource: its array",
		grd.resType == cudaResourceTypeArray && grd.res.array.array == sarr, 1);
	CK(cudaDestroyTextureObject(tex));
	CK(cudaDestroyTextureObject(ltex));
	CK(cudaDestroySurfaceObject(surf));
	CK(cudaFreeArray(arr));
	CK(cudaFreeArray(sarr));
	CK(cudaFreeArray(arr3));
	CK(cudaFree(pp.ptr));
	CK(cudaFree(dout));
	CK(cudaFree(dlin));
	CK(cudaFree(dlout));
}

static void sec_coop(cudaStream_t s)
{
	printf("== cooperative\n");
	const int G = 32, B = 128, T = G * B;
	int coop = -1, sms = 0, per_sm = 0;
	CK(cudaDeviceGetAttribute(&coop, cudaDevAttrCooperativeLaunch, 0));
	printf("cudaDevAttrCooperativeLaunch = %d\n", coop);
	CK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
	CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, k_coop, B, 0));
	check_i("32 blocks of 128 threads co-resident", (long long)per_sm * sms >= G, 1);
	int *buf = NULL, *out = NULL;
	CK(cudaMalloc((void **)&buf, T * sizeof(int)));
	CK(cudaMalloc((void **)&out, T * sizeof(int)));

	int mul = 3;
	void *args[] = {&buf, &out, &mul};
	CK(cudaLaunchCooperativeKernel((const void *)k_coop, dim3(G), dim3(B), args, 0, s));
	CK(cudaStreamSynchronize(s));
	check_dev("cudaLaunchCooperativeKernel grid.sync exchange", out, T,
		  [=](int i) { return ((i + B) % T) * mul + 1; });

	mul = -5;
	cudaLaunchAttribute at[1] = {};
	at[0].id = cudaLaunchAttributeCooperative;
	at[0].val.cooperative = 1;
	cudaLaunchConfig_t cfg = {};
	cfg.gridDim = dim3(G);
	cfg.blockDim = dim3(B);
	cfg.dynamicSmemBytes = 0;
	cfg.stream = s;
	cfg.attrs = at;
	cfg.numAttrs = 1;
	CK(cudaLaunchKernelExC(&cfg, (const void *)k_coop, args));
	CK(cudaStreamSynchronize(s));
	check_dev("cudaLaunchKernelExC cooperative grid.sync exchange", out, T,
		  [=](int i) { return ((i + B) % T) * mul + 1; });
	CK(cudaFree(buf));
	CK(cudaFree(out));
}

static void sec_queries(void)
{
	printf("== kernel queries\n");
	const char *name = NULL;
	CK(cudaFuncGetName(&name, (const void *)k_params));
	printf("cudaFuncGetName(k_params) = %s\n", name ? name : "(null)");
	check_i("cudaFuncGetName == _Z8k_paramsidPc",
		name != NULL && strcmp(name, "_Z8k_paramsidPc") == 0, 1);
	cudaFunction_t f = NULL;
	CK(cudaGetFuncBySymbol(&f, (const void *)k_params));
	check_i("cudaGetFuncBySymbol != NULL", f != NULL, 1);
	const size_t eoff[3] = {0, 8, 16}, esz[3] = {4, 8, 8};
	for (int i = 0; i < 3; i++) {
		size_t off = 12345, sz = 12345;
		char what[96];
		snprintf(what, sizeof(what), "cudaFuncGetParamInfo(k_params, %d)", i);
		CK(cudaFuncGetParamInfo((const void *)k_params, i, &off, &sz));
		printf("param %d: offset %zu size %zu\n", i, off, sz);
		snprintf(what, sizeof(what), "param %d offset", i);
		check_i(what, (long long)off, (long long)eoff[i]);
		snprintf(what, sizeof(what), "param %d size", i);
		check_i(what, (long long)sz, (long long)esz[i]);
	}
	size_t smem = 0;
	CK(cudaOccupancyAvailableDynamicSMemPerBlock(&smem, (const void *)k_params, 1, 128));
	check_i("available dynamic shared memory > 0", smem > 0, 1);

	char *dc = NULL, hc = 0;
	CK(cudaMalloc((void **)&dc, 1));
	k_params<<<1, 1>>>(5, 2.5, dc);
	LAUNCHED("k_params");
	CK(cudaMemcpy(&hc, dc, 1, cudaMemcpyDeviceToHost));
	check_i("k_params result", hc, 10);
	CK(cudaFree(dc));
}

static void after_error(cudaError_t e)
{
	check_e("cudaGetLastError after it", cudaGetLastError(), e);
	check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);
}

static void sec_misuse(cudaStream_t s)
{
	printf("== misuse\n");
	cudaError_t e;
	int local = 0;
	e = cudaFreeAsync(&local, s);
	check_err("cudaFreeAsync of a host address", e);
	after_error(e);
	CK(cudaStreamSynchronize(s));

	e = cudaGraphLaunch(NULL, s);
	check_err("cudaGraphLaunch(NULL exec)", e);
	after_error(e);

	cudaTextureDesc td = {};
	td.readMode = cudaReadModeElementType;
	cudaTextureObject_t t = 0;
	e = cudaCreateTextureObject(&t, NULL, &td, NULL);
	check_err("cudaCreateTextureObject(NULL resource desc)", e);
	after_error(e);

	cudaChannelFormatDesc c3 = cudaCreateChannelDesc(8, 8, 8, 0, cudaChannelFormatKindUnsigned);
	cudaArray_t a = NULL;
	e = cudaMallocArray(&a, &c3, 16, 16);
	check_err("cudaMallocArray with a 3-channel 8-bit descriptor", e);
	after_error(e);
	if (e == cudaSuccess)
		cudaFreeArray(a);

	size_t off = 0, sz = 0;
	e = cudaFuncGetParamInfo((const void *)k_params, 3, &off, &sz);
	check_err("cudaFuncGetParamInfo(k_params, 3) past the last parameter", e);
	after_error(e);

	// The context still works.
	int *d = NULL;
	CK(cudaMalloc((void **)&d, N * sizeof(int)));
	k_fill<<<NB, TPB, 0, s>>>(d, N, 2, 1);
	LAUNCHED("k_fill after the misuses");
	CK(cudaMemcpyAsync(h_i, d, N * sizeof(int), cudaMemcpyDeviceToHost, s));
	CK(cudaStreamSynchronize(s));
	for (int i = 0; i < N; i++)
		h_e[i] = 2 * i + 1;
	check_arr("k_fill after the misuses", h_i, h_e, N);
	CK(cudaFree(d));
}

// cudaMemcpy3DPeer(Async) on one device: a box of a pitched 3D allocation
// into another, checked on the host against the same box cut by the CPU.
static void sec_peer3d(cudaStream_t s)
{
	printf("== 3D peer copies on one device\n");
	const int W = 40, H = 6, D = 3; // floats
	cudaExtent ext = make_cudaExtent(W * sizeof(float), H, D);
	cudaPitchedPtr a = {}, b = {};
	CK(cudaMalloc3D(&a, ext));
	CK(cudaMalloc3D(&b, ext));
	std::vector<float> h(W * H * D), back(W * H * D, -1.0f), want(W * H * D, 0.0f);
	for (int i = 0; i < W * H * D; i++)
		h[i] = (float)(i % 97) - 3.0f;
	cudaMemcpy3DParms up = {};
	up.srcPtr = make_cudaPitchedPtr(h.data(), W * sizeof(float), W, H);
	up.dstPtr = a;
	up.extent = ext;
	up.kind = cudaMemcpyHostToDevice;
	CK(cudaMemcpy3D(&up));
	CK(cudaMemset3D(b, 0, ext));
	// The memset runs on the legacy stream; the peer copies need not wait for it.
	CK(cudaDeviceSynchronize());
	// The box x in [2, 2 + 30), y in [1, 5), z in [1, 3) of a to the same place in b.
	cudaMemcpy3DPeerParms p = {};
	p.srcPtr = a;
	p.dstPtr = b;
	p.srcPos = make_cudaPos(2 * sizeof(float), 1, 1);
	p.dstPos = p.srcPos;
	p.extent = make_cudaExtent(30 * sizeof(float), 4, 2);
	CK(cudaMemcpy3DPeer(&p));
	p.srcPos = make_cudaPos(0, 0, 0);
	p.dstPos = make_cudaPos(0, 0, 0);
	p.extent = make_cudaExtent(W * sizeof(float), 1, 1);
	CK(cudaMemcpy3DPeerAsync(&p, s)); // row 0 of slice 0 too
	CK(cudaStreamSynchronize(s));
	cudaMemcpy3DParms down = {};
	down.srcPtr = b;
	down.dstPtr = make_cudaPitchedPtr(back.data(), W * sizeof(float), W, H);
	down.extent = ext;
	down.kind = cudaMemcpyDeviceToHost;
	CK(cudaMemcpy3D(&down));
	for (int z = 0; z < D; z++)
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				int i = (z * H + y) * W + x;
				bool box = z >= 1 && z < 3 && y >= 1 && y < 5 && x >= 2 && x < 32;
				bool row0 = z == 0 && y == 0;
				want[i] = box || row0 ? h[i] : 0.0f;
			}
	check_arr("the box and the first row, nothing else", back.data(), want.data(), W * H * D);
	cudaMemcpy3DPeerParms bad = p;
	bad.dstDevice = 99;
	check_e("cudaMemcpy3DPeer to a device that does not exist", cudaMemcpy3DPeer(&bad),
		cudaErrorInvalidDevice);
	(void)cudaGetLastError();
	CK(cudaFree(a.ptr));
	CK(cudaFree(b.ptr));
}

// cudaMemcpyBatchAsync: host -> device, device -> device, device -> host in
// one batch, then the batch's own misuse.
static void sec_batch(cudaStream_t s)
{
	printf("== batched copies\n");
	const int NBATCH = 1000;
	std::vector<int> h(NBATCH), back(NBATCH, 0);
	for (int i = 0; i < NBATCH; i++)
		h[i] = i * 3 - 7;
	int *a = NULL, *b = NULL;
	CK(cudaMalloc(&a, NBATCH * sizeof(int)));
	CK(cudaMalloc(&b, NBATCH * sizeof(int)));
	void *dsts[3] = {a, b, back.data()};
	const void *srcs[3] = {h.data(), a, b};
	size_t sizes[3] = {NBATCH * sizeof(int), NBATCH * sizeof(int), NBATCH * sizeof(int)};
	cudaMemcpyAttributes at[2] = {};
	at[0].srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	at[1].srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	size_t idx[2] = {0, 1};
	CK(cudaMemcpyBatchAsync(dsts, srcs, sizes, 3, at, idx, 2, s));
	CK(cudaStreamSynchronize(s));
	check_arr("three copies in a batch", back.data(), h.data(), NBATCH);
	check_e("a batch of no copies", cudaMemcpyBatchAsync(dsts, srcs, sizes, 0, at, idx, 1, s),
		cudaErrorInvalidValue);
	size_t bad_idx[2] = {1, 2};
	check_e("attribute indices not starting at 0",
		cudaMemcpyBatchAsync(dsts, srcs, sizes, 3, at, bad_idx, 2, s),
		cudaErrorInvalidValue);
	at[0].srcAccessOrder = cudaMemcpySrcAccessOrderInvalid;
	check_e("an invalid source access order",
		cudaMemcpyBatchAsync(dsts, srcs, sizes, 3, at, idx, 1, s), cudaErrorInvalidValue);
	(void)cudaGetLastError();
	CK(cudaFree(a));
	CK(cudaFree(b));
}

// cudaMemcpy3DBatchAsync: a host box into pitched device memory and on into
// an array (elements of the array's size), then back out to the host; the
// batch's misuse.
static cudaMemcpy3DOperand ptr_operand(void *p, size_t row, size_t layer)
{
	cudaMemcpy3DOperand o = {};
	o.type = cudaMemcpyOperandTypePointer;
	o.op.ptr.ptr = p;
	o.op.ptr.rowLength = row;
	o.op.ptr.layerHeight = layer;
	return o;
}

static cudaMemcpy3DOperand array_operand(cudaArray_t a)
{
	cudaMemcpy3DOperand o = {};
	o.type = cudaMemcpyOperandTypeArray;
	o.op.array.array = a;
	return o;
}

static void sec_batch3d(cudaStream_t s)
{
	printf("== batched 3D copies\n");
	const int W = 16, H = 8, D = 4, PITCH = 128, LAYER = 10;
	std::vector<int> h(W * H * D), back(W * H * D, 0);
	for (int i = 0; i < W * H * D; i++)
		h[i] = i * 7 + 3;
	char *dev = NULL;
	CK(cudaMalloc(&dev, PITCH * LAYER * D));
	cudaChannelFormatDesc desc = cudaCreateChannelDesc<int>();
	cudaArray_t arr = NULL;
	CK(cudaMalloc3DArray(&arr, &desc, make_cudaExtent(W, H, D)));
	cudaMemcpy3DBatchOp ops[2] = {};
	ops[0].src = ptr_operand(h.data(), 0, 0);
	ops[0].dst = ptr_operand(dev, PITCH, LAYER);
	ops[0].extent = make_cudaExtent(W * sizeof(int), H, D); // bytes between pointers
	ops[0].srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	CK(cudaMemcpy3DBatchAsync(1, ops, 0, s));
	ops[0].src = ptr_operand(dev, PITCH / sizeof(int), LAYER); // elements of the array's size
	ops[0].dst = array_operand(arr);
	ops[0].extent = make_cudaExtent(W, H, D);
	ops[1].src = array_operand(arr);
	ops[1].dst = ptr_operand(back.data(), 0, 0);
	ops[1].extent = make_cudaExtent(W, H, D);
	ops[1].srcAccessOrder = cudaMemcpySrcAccessOrderStream;
	CK(cudaMemcpy3DBatchAsync(1, ops, 0, s));
	CK(cudaMemcpy3DBatchAsync(1, ops + 1, 0, s));
	CK(cudaStreamSynchronize(s));
	check_arr("a box through pitched memory and an array", back.data(), h.data(), W * H * D);
	check_e("no operations", cudaMemcpy3DBatchAsync(0, ops, 0, s), cudaErrorInvalidValue);
	check_e("flags", cudaMemcpy3DBatchAsync(1, ops, 1, s), cudaErrorInvalidValue);
	check_e("the legacy stream", cudaMemcpy3DBatchAsync(1, ops, 0, 0), cudaErrorInvalidValue);
	ops[0].extent.depth = 0;
	check_e("an empty extent", cudaMemcpy3DBatchAsync(1, ops, 0, s), cudaErrorInvalidValue);
	ops[0].extent.depth = D;
	ops[0].srcAccessOrder = cudaMemcpySrcAccessOrderInvalid;
	check_e("an invalid source access order", cudaMemcpy3DBatchAsync(1, ops, 0, s),
		cudaErrorInvalidValue);
	(void)cudaGetLastError();
	CK(cudaFreeArray(arr));
	CK(cudaFree(dev));
}

// The occupancy of clusters (sm_90): the numbers are the driver's, compared with native.
static void sec_clusters(cudaStream_t s)
{
	printf("== occupancy of clusters\n");
	cudaLaunchAttribute attr[1];
	attr[0].id = cudaLaunchAttributeClusterDimension;
	attr[0].val.clusterDim.x = 2;
	attr[0].val.clusterDim.y = 1;
	attr[0].val.clusterDim.z = 1;
	cudaLaunchConfig_t cfg = {};
	cfg.gridDim = dim3(64);
	cfg.blockDim = dim3(128);
	cfg.stream = s;
	cfg.attrs = attr;
	cfg.numAttrs = 1;
	int n = -1;
	CK(cudaOccupancyMaxActiveClusters(&n, (const void *)k_add1, &cfg));
	printf("max active clusters of 2: %d\n", n);
	check_i("some clusters fit", n > 0, 1);
	cfg.numAttrs = 0;
	n = -1;
	CK(cudaOccupancyMaxPotentialClusterSize(&n, (const void *)k_add1, &cfg));
	printf("max potential cluster size: %d\n", n);
	check_e("no function", cudaOccupancyMaxActiveClusters(&n, NULL, &cfg),
		cudaErrorInvalidDeviceFunction);
	(void)cudaGetLastError();
}

// A managed range's attributes after advice, compared with native.
static void sec_range_attrs()
{
	printf("== managed range attributes\n");
	int *m = NULL;
	size_t bytes = 1 << 20;
	CK(cudaMallocManaged(&m, bytes));
	cudaMemLocation dev0 = {cudaMemLocationTypeDevice, 0};
	CK(cudaMemAdvise(m, bytes, cudaMemAdviseSetReadMostly, dev0));
	CK(cudaMemAdvise(m, bytes, cudaMemAdviseSetPreferredLocation, dev0));
	int v = -9;
	CK(cudaMemRangeGetAttribute(&v, sizeof(v), cudaMemRangeAttributeReadMostly, m, bytes));
	check_i("read mostly", v, 1);
	v = -9;
	CK(cudaMemRangeGetAttribute(&v, sizeof(v), cudaMemRangeAttributePreferredLocation, m,
				    bytes));
	check_i("preferred location: device 0", v, 0);
	v = -9;
	CK(cudaMemRangeGetAttribute(&v, sizeof(v), cudaMemRangeAttributePreferredLocationType, m,
				    bytes));
	check_i("preferred location type", v, cudaMemLocationTypeDevice);
	v = -9;
	CK(cudaMemRangeGetAttribute(&v, sizeof(v), cudaMemRangeAttributePreferredLocationId, m,
				    bytes));
	check_i("preferred location id", v, 0);
	check_e("a size too small",
		cudaMemRangeGetAttribute(&v, 2, cudaMemRangeAttributeReadMostly, m, bytes),
		cudaErrorInvalidValue);
	(void)cudaGetLastError();
	int mostly = -9, loc = -9;
	void *data[2] = {&mostly, &loc};
	size_t sizes[2] = {sizeof(int), sizeof(int)};
	cudaMemRangeAttribute attrs[2] = {cudaMemRangeAttributeReadMostly,
					  cudaMemRangeAttributePreferredLocation};
	CK(cudaMemRangeGetAttributes(data, sizes, attrs, 2, m, bytes));
	check_i("two at once: read mostly", mostly, 1);
	check_i("two at once: preferred location", loc, 0);
	(void)cudaGetLastError();
	CK(cudaFree(m));
}

// What atomic operations the device can do on host memory: the driver's
// masks, printed whole for comparison with native.
static void sec_atomic_caps()
{
	printf("== atomic capabilities\n");
	enum cudaAtomicOperation ops[40];
	unsigned int caps[40] = {0};
	for (int i = 0; i < 40; i++)
		ops[i] = (enum cudaAtomicOperation)(i % (cudaAtomicOperationFloatMax + 1));
	cudaError_t e = cudaDeviceGetHostAtomicCapabilities(caps, ops, 40, 0);
	printf("host atomic capabilities: %s:", cudaGetErrorName(e));
	for (int i = 0; i <= cudaAtomicOperationFloatMax; i++)
		printf(" %u", caps[i]);
	printf("\n");
	int same = 1;
	for (int i = 0; i < 40; i++)
		same &= caps[i] == caps[i % (cudaAtomicOperationFloatMax + 1)];
	check_i("40 operations answered in order", same, 1);
	e = cudaDeviceGetHostAtomicCapabilities(caps, ops, 1, 99);
	printf("host atomic capabilities of device 99: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();
}

// The driver's logs after a failed allocation: read from an iterator taken
// before it, and into a file.
static void sec_logs()
{
	printf("== driver logs\n");
	cudaLogIterator it = 0;
	cudaError_t e = cudaLogsCurrent(&it, 0);
	printf("cudaLogsCurrent: %s\n", cudaGetErrorName(e));
	void *p = NULL;
	e = cudaMalloc(&p, (size_t)1 << 50);
	printf("an allocation of 1 PiB: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();
	static char buf[25601];
	size_t size = sizeof(buf);
	e = cudaLogsDumpToMemory(&it, buf, &size, 0);
	printf("cudaLogsDumpToMemory: %s, something logged: %d, terminated: %d\n",
	       cudaGetErrorName(e), size > 0, size < sizeof(buf) && buf[size] == 0);
	char path[] = "/tmp/gvirtus-logs-XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	e = cudaLogsDumpToFile(NULL, path, 0);
	FILE *f = fopen(path, "r");
	long len = -1;
	if (f) {
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fclose(f);
	}
	unlink(path);
	printf("cudaLogsDumpToFile: %s, something written: %d\n", cudaGetErrorName(e), len > 0);
}

int main()
{
	sec_limits();
	cudaStream_t s = 0;
	CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
	sec_mallocasync(s);
	sec_attributes(s);
	sec_graphs(s);
	sec_graph_nodes(s);
	sec_graph_conditional(s);
	sec_arrays();
	sec_coop(s);
	sec_queries();
	sec_misuse(s);
	sec_peer3d(s);
	sec_batch(s);
	sec_batch3d(s);
	sec_clusters(s);
	sec_range_attrs();
	sec_atomic_caps();
	sec_logs();
	CK(cudaStreamDestroy(s));
	CK(cudaDeviceSynchronize());
	printf("runtime_ext: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail == 0 ? 0 : 1;
}
