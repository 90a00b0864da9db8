// SPDX-License-Identifier: MIT
// Graphs that copy from and to the program's own host memory (pageable and
// on the stack), checked against a CPU reference: copy nodes added by hand
// in 3D, 1D and symbol forms, their parameters read back and changed in an
// executable graph, a child graph's copies, and stream capture of
// cudaMemcpyAsync and cudaMemcpy2DAsync with host memory.  Each graph is
// launched several times with the host input changed in between, and its
// output read after a stream, event or device synchronization.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "check.cuh"

#define N 4096

__device__ float d_sym[N];

__global__ void k_affine(const float *in, float *out, float a, float b, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		out[i] = a * in[i] + b;
}

static void fill(float *v, int n, int seed)
{
	for (int i = 0; i < n; i++)
		v[i] = (float)((i * 7 + seed * 13) % 101) - 50.0f;
}

static void affine_ref(const float *in, float *out, float a, float b, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = a * in[i] + b;
}

static cudaGraphNode_t kernel_node(cudaGraph_t g, const cudaGraphNode_t *deps, size_t nd,
				   const float *in, float *out, float a, float b)
{
	int n = N;
	void *args[] = {(void *)&in, (void *)&out, (void *)&a, (void *)&b, (void *)&n};
	cudaKernelNodeParams kp = {};
	kp.func = (void *)k_affine;
	kp.gridDim = dim3((N + 255) / 256);
	kp.blockDim = dim3(256);
	kp.kernelParams = args;
	cudaGraphNode_t node = NULL;
	CK(cudaGraphAddKernelNode(&node, g, deps, nd, &kp));
	return node;
}

// H2D (3D parameters) -> kernel -> D2H (1D), by hand; launched three times.
static void sec_nodes(cudaStream_t s)
{
	printf("== copy nodes by hand\n");
	std::vector<float> in(N), out(N), ref(N);
	float *din, *dout;
	CK(cudaMalloc(&din, N * sizeof(float)));
	CK(cudaMalloc(&dout, N * sizeof(float)));
	cudaGraph_t g;
	CK(cudaGraphCreate(&g, 0));

	cudaMemcpy3DParms p = {};
	p.srcPtr = make_cudaPitchedPtr(in.data(), N * sizeof(float), N, 1);
	p.dstPtr = make_cudaPitchedPtr(din, N * sizeof(float), N, 1);
	p.extent = make_cudaExtent(N * sizeof(float), 1, 1);
	p.kind = cudaMemcpyHostToDevice;
	cudaGraphNode_t up = NULL, down = NULL;
	CK(cudaGraphAddMemcpyNode(&up, g, NULL, 0, &p));
	cudaGraphNode_t k = kernel_node(g, &up, 1, din, dout, 2.0f, 1.0f);
	CK(cudaGraphAddMemcpyNode1D(&down, g, &k, 1, out.data(), dout, N * sizeof(float),
				    cudaMemcpyDeviceToHost));

	// A kernel node's launch attribute, set and read back.
	cudaKernelNodeAttrValue av = {}, got_av = {};
	av.priority = -1;
	CK(cudaGraphKernelNodeSetAttribute(k, cudaLaunchAttributePriority, &av));
	CK(cudaGraphKernelNodeGetAttribute(k, cudaLaunchAttributePriority, &got_av));
	check_i("the kernel node's priority", got_av.priority, -1);

	cudaGraphNodeType ty = cudaGraphNodeTypeCount;
	CK(cudaGraphNodeGetType(up, &ty));
	check_i("the first node is a copy", ty, cudaGraphNodeTypeMemcpy);
	cudaMemcpy3DParms got = {};
	CK(cudaGraphMemcpyNodeGetParams(down, &got));
	check_i("its parameters name the program's buffer", got.dstPtr.ptr == out.data(), 1);
	check_i("and the device source", got.srcPtr.ptr == dout, 1);
	check_i("width in bytes", (long long)got.extent.width, N * (long long)sizeof(float));

	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g, 0));
	for (int round = 0; round < 3; round++) {
		fill(in.data(), N, round);
		memset(out.data(), 0, N * sizeof(float));
		CK(cudaGraphLaunch(x, s));
		CK(cudaStreamSynchronize(s));
		affine_ref(in.data(), ref.data(), 2.0f, 1.0f, N);
		char what[64];
		snprintf(what, sizeof(what), "launch %d: out = 2 in + 1", round);
		check_arr(what, out.data(), ref.data(), N);
	}

	// The executable graph's copy out redirected to another buffer.
	std::vector<float> out2(N, 0.0f);
	CK(cudaGraphExecMemcpyNodeSetParams1D(x, down, out2.data(), dout, N * sizeof(float),
					      cudaMemcpyDeviceToHost));
	fill(in.data(), N, 7);
	memset(out.data(), 0, N * sizeof(float));
	CK(cudaGraphLaunch(x, s));
	cudaEvent_t ev;
	CK(cudaEventCreate(&ev));
	CK(cudaEventRecord(ev, s));
	CK(cudaEventSynchronize(ev));
	affine_ref(in.data(), ref.data(), 2.0f, 1.0f, N);
	check_arr("after an event: the new destination has the result", out2.data(), ref.data(), N);
	std::vector<float> zero(N, 0.0f);
	check_arr("the old destination is untouched", out.data(), zero.data(), N);

	// Two launches back to back, then one device synchronization.
	fill(in.data(), N, 8);
	CK(cudaGraphLaunch(x, s));
	CK(cudaGraphLaunch(x, s));
	CK(cudaDeviceSynchronize());
	affine_ref(in.data(), ref.data(), 2.0f, 1.0f, N);
	check_arr("two launches, device synchronized", out2.data(), ref.data(), N);

	CK(cudaEventDestroy(ev));
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g));
	CK(cudaFree(din));
	CK(cudaFree(dout));
}

// A symbol filled from host memory, read back into host memory, in a child graph.
static void sec_symbol_child(cudaStream_t s)
{
	printf("== symbol copies in a child graph\n");
	std::vector<float> in(N), out(N, 0.0f);
	cudaGraph_t child, g;
	CK(cudaGraphCreate(&child, 0));
	cudaGraphNode_t to = NULL, from = NULL, cn = NULL;
	CK(cudaGraphAddMemcpyNodeToSymbol(&to, child, NULL, 0, d_sym, in.data(),
					  N / 2 * sizeof(float), N / 4 * sizeof(float),
					  cudaMemcpyHostToDevice));
	CK(cudaGraphAddMemcpyNodeFromSymbol(&from, child, &to, 1, out.data(), d_sym,
					    N / 2 * sizeof(float), N / 4 * sizeof(float),
					    cudaMemcpyDeviceToHost));
	CK(cudaGraphCreate(&g, 0));
	CK(cudaGraphAddChildGraphNode(&cn, g, NULL, 0, child));
	cudaGraphExec_t x = NULL;
	cudaGraphInstantiateParams ip = {};
	ip.flags = cudaGraphInstantiateFlagUpload;
	ip.uploadStream = s;
	ip.result_out = cudaGraphInstantiateError;
	CK(cudaGraphInstantiateWithParams(&x, g, &ip));
	check_i("instantiated with parameters (uploaded): success", ip.result_out,
		cudaGraphInstantiateSuccess);
	check_i("no node named", ip.errNode_out == NULL, 1);
	for (int round = 0; round < 2; round++) {
		fill(in.data(), N, 20 + round);
		CK(cudaGraphLaunch(x, s));
		CK(cudaStreamSynchronize(s));
		char what[64];
		snprintf(what, sizeof(what), "launch %d: the symbol's round trip", round);
		check_arr(what, out.data(), in.data(), N / 2);
	}
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g));
	CK(cudaGraphDestroy(child));
}

// cudaMemcpyAsync and cudaMemcpy2DAsync with host memory, captured.
static void sec_capture(cudaStream_t s)
{
	printf("== captured copies with host memory\n");
	std::vector<float> in(N), out(N), ref(N);
	float *din, *dout, sum = 0.0f;
	CK(cudaMalloc(&din, N * sizeof(float)));
	CK(cudaMalloc(&dout, N * sizeof(float)));
	const int W = 64, H = N / 64; // out as H rows of W floats, rows 2 apart in host memory
	std::vector<float> rows(2 * N, -1.0f);

	CK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
	CK(cudaMemcpyAsync(din, in.data(), N * sizeof(float), cudaMemcpyHostToDevice, s));
	k_affine<<<(N + 255) / 256, 256, 0, s>>>(din, dout, -1.0f, 0.5f, N);
	CK(cudaMemcpyAsync(out.data(), dout, N * sizeof(float), cudaMemcpyDeviceToHost, s));
	CK(cudaMemcpyAsync(&sum, dout + 5, sizeof(float), cudaMemcpyDeviceToHost, s));
	CK(cudaMemcpy2DAsync(rows.data(), 2 * W * sizeof(float), dout, W * sizeof(float),
			     W * sizeof(float), H, cudaMemcpyDeviceToHost, s));
	cudaGraph_t g = NULL;
	CK(cudaStreamEndCapture(s, &g));
	size_t nn = 0;
	CK(cudaGraphGetNodes(g, NULL, &nn));
	check_i("the capture made 5 nodes", (long long)nn, 5);
	cudaGraphExec_t x;
	CK(cudaGraphInstantiate(&x, g, 0));
	for (int round = 0; round < 3; round++) {
		fill(in.data(), N, 40 + round);
		CK(cudaGraphLaunch(x, s));
		CK(cudaStreamSynchronize(s));
		affine_ref(in.data(), ref.data(), -1.0f, 0.5f, N);
		char what[80];
		snprintf(what, sizeof(what), "launch %d: captured copies out", round);
		check_arr(what, out.data(), ref.data(), N);
		snprintf(what, sizeof(what), "launch %d: one float to the stack", round);
		check_d(what, sum, ref[5]);
		int bad = 0;
		for (int r = 0; r < H; r++)
			for (int c = 0; c < 2 * W; c++)
				bad += rows[r * 2 * W + c] != (c < W ? ref[r * W + c] : -1.0f);
		snprintf(what, sizeof(what), "launch %d: 2D copy out, gaps kept", round);
		check_i(what, bad, 0);
	}
	CK(cudaGraphExecDestroy(x));
	CK(cudaGraphDestroy(g));
	CK(cudaFree(din));
	CK(cudaFree(dout));
}

int main()
{
	cudaStream_t s;
	CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
	sec_nodes(s);
	sec_symbol_child(s);
	sec_capture(s);
	CK(cudaStreamDestroy(s));
	printf("graph_copies: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail != 0;
}
