// SPDX-License-Identifier: MIT
// math_cudnn.cu: cuDNN of an unmodified nvcc program, checked against
// results computed here.  Covers the version, status strings and a
// handle's stream; a convolution forward through the legacy API
// (cudnnConvolutionForward with its workspace); the same convolution
// through the backend (graph) API as cudnn-frontend and PyTorch build it
// (tensor, convolution and operation descriptors, an operation graph,
// heuristics whose engine configs GetAttribute fills, an execution plan,
// a variant pack of device pointers, cudnnBackendExecute); batch
// normalization's forward training (the Ex call with its workspace and
// reserve space) and backward; and a descriptor the library refuses.
//
// Inputs are small integers, so the convolutions are exact in float (even
// on tensor cores) and are compared with ==; batch normalization is
// compared within a relative 1e-4.  Only ok / FAIL lines are printed,
// never a computed value on success, so the output is identical on any
// correct implementation; the last line is "math_cudnn: N passed, M failed",
// exit status 0 iff M == 0.
// Build: nvcc -arch=sm_90 --cudart=shared -O2 -I<cudnn>/include -o math_cudnn math_cudnn.cu -lcudnn
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "check.cuh"

static void check_dnn(const char *what, cudnnStatus_t got, cudnnStatus_t exp)
{
	// The status's name only where it failed: the pass lines are the same
	// whichever library (NVIDIA's or gvirtus's) names it.
	if (got == exp) {
		g_pass++;
		printf("pass: %s\n", what);
	} else {
		g_fail++;
		printf("FAIL %s: got %s (%d) expected %s\n", what, cudnnGetErrorString(got), (int)got,
		       cudnnGetErrorString(exp));
	}
}
#define OK(what, call) check_dnn(what, (call), CUDNN_STATUS_SUCCESS)

// The convolution: x 1 x C x H x W, w K x C x 3 x 3, padding 1, stride 1.
enum { C = 2, H = 5, W = 5, K = 3, R = 3, S = 3 };
static float xv[C * H * W], wv[K * C * R * S], yref[K * H * W];

static void conv_inputs(void)
{
	for (int i = 0; i < C * H * W; i++)
		xv[i] = (float)((i * 7) % 5 - 2);
	for (int i = 0; i < K * C * R * S; i++)
		wv[i] = (float)((i * 3) % 4 - 1);
	for (int k = 0; k < K; k++)
		for (int p = 0; p < H; p++)
			for (int q = 0; q < W; q++) {
				float s = 0;
				for (int c = 0; c < C; c++)
					for (int r = 0; r < R; r++)
						for (int t = 0; t < S; t++) {
							int ih = p + r - 1, iw = q + t - 1;
							if (ih >= 0 && ih < H && iw >= 0 && iw < W)
								s += xv[(c * H + ih) * W + iw] *
								     wv[((k * C + c) * R + r) * S + t];
						}
				yref[(k * H + p) * W + q] = s;
			}
}

static void check_y(const char *what, const float *d_y)
{
	float y[K * H * W];
	int bad = 0;

	CK(cudaMemcpy(y, d_y, sizeof(y), cudaMemcpyDeviceToHost));
	for (int i = 0; i < K * H * W; i++)
		bad += y[i] != yref[i];
	check_i(what, bad, 0);
}

static void legacy_conv(cudnnHandle_t h, const float *d_x, const float *d_w, float *d_y)
{
	cudnnTensorDescriptor_t xd = NULL, yd = NULL;
	cudnnFilterDescriptor_t wd = NULL;
	cudnnConvolutionDescriptor_t cd = NULL;
	cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
	float alpha = 1, beta = 0;
	size_t ws = 0;
	void *d_ws = NULL;
	int n, c, hh, ww;

	OK("cudnnCreateTensorDescriptor", cudnnCreateTensorDescriptor(&xd));
	OK("cudnnCreateTensorDescriptor", cudnnCreateTensorDescriptor(&yd));
	OK("cudnnCreateFilterDescriptor", cudnnCreateFilterDescriptor(&wd));
	OK("cudnnCreateConvolutionDescriptor", cudnnCreateConvolutionDescriptor(&cd));
	OK("cudnnSetTensor4dDescriptor x",
	   cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, C, H, W));
	OK("cudnnSetFilter4dDescriptor",
	   cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, K, C, R, S));
	OK("cudnnSetConvolution2dDescriptor",
	   cudnnSetConvolution2dDescriptor(cd, 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION,
					   CUDNN_DATA_FLOAT));
	OK("cudnnSetConvolutionMathType", cudnnSetConvolutionMathType(cd, CUDNN_FMA_MATH));
	OK("cudnnGetConvolution2dForwardOutputDim",
	   cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &n, &c, &hh, &ww));
	check_i("output dimensions", (long long)n * 1000 + c * 100 + hh * 10 + ww,
		1 * 1000 + K * 100 + H * 10 + W);
	// A 5-d descriptor set through the Nd call, as PyTorch sets them.
	int dims[4] = {1, K, H, W}, strides[4] = {K * H * W, H * W, W, 1};
	OK("cudnnSetTensorNdDescriptor y",
	   cudnnSetTensorNdDescriptor(yd, CUDNN_DATA_FLOAT, 4, dims, strides));
	OK("cudnnGetConvolutionForwardWorkspaceSize",
	   cudnnGetConvolutionForwardWorkspaceSize(h, xd, wd, cd, yd, algo, &ws));
	if (ws)
		CK(cudaMalloc(&d_ws, ws));
	CK(cudaMemset(d_y, 0x7f, K * H * W * sizeof(float)));
	OK("cudnnConvolutionForward",
	   cudnnConvolutionForward(h, &alpha, xd, d_x, wd, d_w, cd, algo, d_ws, ws, &beta, yd, d_y));
	CK(cudaDeviceSynchronize());
	check_y("legacy convolution equals the reference", d_y);
	cudaFree(d_ws);
	OK("cudnnDestroyConvolutionDescriptor", cudnnDestroyConvolutionDescriptor(cd));
	OK("cudnnDestroyFilterDescriptor", cudnnDestroyFilterDescriptor(wd));
	OK("cudnnDestroyTensorDescriptor", cudnnDestroyTensorDescriptor(xd));
	OK("cudnnDestroyTensorDescriptor", cudnnDestroyTensorDescriptor(yd));
}

// The backend API: one attribute call, checked.
static cudnnStatus_t set(cudnnBackendDescriptor_t d, cudnnBackendAttributeName_t a,
			 cudnnBackendAttributeType_t t, int64_t n, const void *v)
{
	return cudnnBackendSetAttribute(d, a, t, n, v);
}

static cudnnBackendDescriptor_t tensor(int64_t uid, const int64_t dims[4])
{
	cudnnBackendDescriptor_t d = NULL;
	cudnnDataType_t dt = CUDNN_DATA_FLOAT;
	int64_t strides[4] = {dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1};
	int64_t align = 4;
	cudnnStatus_t e = cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR, &d);

	if (!e)
		e = set(d, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &dt);
	if (!e)
		e = set(d, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims);
	if (!e)
		e = set(d, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides);
	if (!e)
		e = set(d, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid);
	if (!e)
		e = set(d, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &align);
	if (!e)
		e = cudnnBackendFinalize(d);
	OK("backend tensor descriptor", e);
	return d;
}

static void backend_conv(cudnnHandle_t h, const float *d_x, const float *d_w, float *d_y)
{
	enum { MAXCFG = 16 };
	const int64_t xdims[4] = {1, C, H, W}, wdims[4] = {K, C, R, S}, ydims[4] = {1, K, H, W};
	int64_t two = 2, ones[2] = {1, 1}, pads[2] = {1, 1}, n = 0, got = 0, ws = -1;
	cudnnDataType_t comp = CUDNN_DATA_FLOAT;
	cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
	cudnnBackendHeurMode_t heur_mode = CUDNN_HEUR_MODE_A;
	cudnnBackendDescriptor_t x, w, y, conv = NULL, op = NULL, graph = NULL, heur = NULL;
	cudnnBackendDescriptor_t cfg[MAXCFG] = {}, plan = NULL, pack = NULL;
	float alpha = 1, beta = 0;
	void *d_ws = NULL;
	cudnnStatus_t e;

	x = tensor('x', xdims);
	w = tensor('w', wdims);
	y = tensor('y', ydims);

	e = cudnnBackendCreateDescriptor(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR, &conv);
	if (!e)
		e = set(conv, CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &comp);
	if (!e)
		e = set(conv, CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1, &mode);
	if (!e)
		e = set(conv, CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, 1, &two);
	if (!e)
		e = set(conv, CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, 2, ones);
	if (!e)
		e = set(conv, CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, 2, ones);
	if (!e)
		e = set(conv, CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, 2, pads);
	if (!e)
		e = set(conv, CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, 2, pads);
	if (!e)
		e = cudnnBackendFinalize(conv);
	OK("backend convolution descriptor", e);

	e = cudnnBackendCreateDescriptor(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR, &op);
	if (!e)
		e = set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
			&x);
	if (!e)
		e = set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
			&w);
	if (!e)
		e = set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
			&y);
	if (!e)
		e = set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC,
			CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv);
	if (!e)
		e = set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha);
	if (!e)
		e = set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 1, &beta);
	if (!e)
		e = cudnnBackendFinalize(op);
	OK("backend convolution forward operation", e);

	e = cudnnBackendCreateDescriptor(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, &graph);
	if (!e)
		e = set(graph, CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &op);
	if (!e)
		e = set(graph, CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &h);
	if (!e)
		e = cudnnBackendFinalize(graph);
	OK("backend operation graph", e);

	e = cudnnBackendCreateDescriptor(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR, &heur);
	if (!e)
		e = set(heur, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
			&graph);
	if (!e)
		e = set(heur, CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &heur_mode);
	if (!e)
		e = cudnnBackendFinalize(heur);
	OK("backend heuristics", e);
	OK("backend heuristics: the number of engine configs",
	   cudnnBackendGetAttribute(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
				    CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &n, NULL));
	check_i("at least one engine config", n > 0, 1);
	if (n > MAXCFG)
		n = MAXCFG;
	for (int i = 0; i < n; i++)
		cudnnBackendCreateDescriptor(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, &cfg[i]);
	OK("backend heuristics fill the caller's engine configs",
	   cudnnBackendGetAttribute(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
				    CUDNN_TYPE_BACKEND_DESCRIPTOR, n, &got, cfg));
	// The first config whose plan finalizes, as cudnn-frontend picks.
	int found = 0;
	for (int i = 0; i < got && i < n && !found; i++) {
		e = cudnnBackendCreateDescriptor(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, &plan);
		if (!e)
			e = set(plan, CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &h);
		if (!e)
			e = set(plan, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG,
				CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &cfg[i]);
		if (!e)
			e = cudnnBackendFinalize(plan);
		if (!e)
			found = 1;
		else
			cudnnBackendDestroyDescriptor(plan);
	}
	check_i("an execution plan finalizes", found, 1);
	if (!found)
		return;
	OK("backend plan workspace size",
	   cudnnBackendGetAttribute(plan, CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
				    CUDNN_TYPE_INT64, 1, &got, &ws));
	check_i("a workspace size", ws >= 0, 1);
	if (ws > 0)
		CK(cudaMalloc(&d_ws, (size_t)ws));

	int64_t uids[3] = {'x', 'w', 'y'};
	void *ptrs[3] = {(void *)d_x, (void *)d_w, (void *)d_y};
	e = cudnnBackendCreateDescriptor(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, &pack);
	if (!e)
		e = set(pack, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, 3, uids);
	if (!e)
		e = set(pack, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, 3, ptrs);
	if (!e)
		e = set(pack, CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &d_ws);
	if (!e)
		e = cudnnBackendFinalize(pack);
	OK("backend variant pack", e);

	CK(cudaMemset(d_y, 0x7f, K * H * W * sizeof(float)));
	OK("cudnnBackendExecute", cudnnBackendExecute(h, plan, pack));
	CK(cudaDeviceSynchronize());
	check_y("backend convolution equals the reference", d_y);

	cudaFree(d_ws);
	cudnnBackendDescriptor_t all[] = {pack, plan, heur, graph, op, conv, x, w, y};
	for (auto d : all)
		OK("cudnnBackendDestroyDescriptor", cudnnBackendDestroyDescriptor(d));
	for (int i = 0; i < n; i++)
		cudnnBackendDestroyDescriptor(cfg[i]);
}

static void near(const char *what, const float *got, const double *exp, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++)
		bad += !(std::fabs(got[i] - exp[i]) <= 1e-4 * (1 + std::fabs(exp[i])));
	check_i(what, bad, 0);
}

// Batch normalization, spatial, of x 2 x 3 x 2 x 2: forward training and backward.
static void batchnorm(cudnnHandle_t h)
{
	enum { BN = 2, BC = 3, BH = 2, BW = 2, NX = BN * BC * BH * BW, PER = BN * BH * BW };
	const double eps = 1e-5;
	float x[NX], dy[NX], scale[BC] = {1, 2, 0.5f}, bias[BC] = {0, 1, -1};
	float zeros[BC] = {0, 0, 0}, ones[BC] = {1, 1, 1};
	float y[NX], dx[NX], smean[BC], sinv[BC], rmean[BC], rvar[BC], dscale[BC], dbias[BC];
	double mean[BC] = {}, var[BC] = {}, yref[NX], dxref[NX], dsref[BC] = {}, dbref[BC] = {};
	double rvref[BC], inv[BC];
	float *d_x, *d_y, *d_dy, *d_dx, *d_scale, *d_bias, *d_rm, *d_rv, *d_sm, *d_si, *d_ds, *d_db;
	cudnnTensorDescriptor_t xd = NULL, bd = NULL;
	cudnnBatchNormMode_t mode = CUDNN_BATCHNORM_SPATIAL;
	cudnnBatchNormOps_t ops = CUDNN_BATCHNORM_OPS_BN;
	float alpha = 1, beta = 0;
	size_t ws = 0, rs = 0, bws = 0;
	void *d_ws = NULL, *d_rs = NULL, *d_bws = NULL;

	for (int i = 0; i < NX; i++) {
		x[i] = (float)((i * 5) % 7 - 3);
		dy[i] = (float)((i * 3) % 5 - 2);
	}
	for (int n = 0; n < BN; n++)
		for (int c = 0; c < BC; c++)
			for (int i = 0; i < BH * BW; i++)
				mean[c] += x[(n * BC + c) * BH * BW + i] / (double)PER;
	for (int n = 0; n < BN; n++)
		for (int c = 0; c < BC; c++)
			for (int i = 0; i < BH * BW; i++) {
				double d = x[(n * BC + c) * BH * BW + i] - mean[c];
				var[c] += d * d / PER;
			}
	for (int c = 0; c < BC; c++) {
		inv[c] = 1 / std::sqrt(var[c] + eps);
		rvref[c] = var[c] * PER / (PER - 1); // the running variance is unbiased
	}
	for (int n = 0; n < BN; n++)
		for (int c = 0; c < BC; c++)
			for (int i = 0; i < BH * BW; i++) {
				int j = (n * BC + c) * BH * BW + i;
				double xh = (x[j] - mean[c]) * inv[c];
				yref[j] = scale[c] * xh + bias[c];
				dsref[c] += dy[j] * xh;
				dbref[c] += dy[j];
			}
	for (int n = 0; n < BN; n++)
		for (int c = 0; c < BC; c++)
			for (int i = 0; i < BH * BW; i++) {
				int j = (n * BC + c) * BH * BW + i;
				double xh = (x[j] - mean[c]) * inv[c];
				dxref[j] = scale[c] * inv[c] / PER *
					   (PER * dy[j] - dbref[c] - xh * dsref[c]);
			}

	float **bufs[] = {&d_x, &d_y, &d_dy, &d_dx};
	for (auto b : bufs)
		CK(cudaMalloc((void **)b, sizeof(x)));
	float **small[] = {&d_scale, &d_bias, &d_rm, &d_rv, &d_sm, &d_si, &d_ds, &d_db};
	for (auto b : small)
		CK(cudaMalloc((void **)b, sizeof(scale)));
	cudaMemcpy(d_x, x, sizeof(x), cudaMemcpyHostToDevice);
	cudaMemcpy(d_dy, dy, sizeof(dy), cudaMemcpyHostToDevice);
	cudaMemcpy(d_scale, scale, sizeof(scale), cudaMemcpyHostToDevice);
	cudaMemcpy(d_bias, bias, sizeof(bias), cudaMemcpyHostToDevice);
	cudaMemcpy(d_rm, zeros, sizeof(zeros), cudaMemcpyHostToDevice);
	cudaMemcpy(d_rv, ones, sizeof(ones), cudaMemcpyHostToDevice);

	OK("cudnnCreateTensorDescriptor", cudnnCreateTensorDescriptor(&xd));
	OK("cudnnCreateTensorDescriptor", cudnnCreateTensorDescriptor(&bd));
	OK("cudnnSetTensor4dDescriptor",
	   cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, BN, BC, BH, BW));
	OK("cudnnDeriveBNTensorDescriptor", cudnnDeriveBNTensorDescriptor(bd, xd, mode));
	OK("cudnnGetBatchNormalizationForwardTrainingExWorkspaceSize",
	   cudnnGetBatchNormalizationForwardTrainingExWorkspaceSize(h, mode, ops, xd, NULL, xd, bd,
								    NULL, &ws));
	OK("cudnnGetBatchNormalizationTrainingExReserveSpaceSize",
	   cudnnGetBatchNormalizationTrainingExReserveSpaceSize(h, mode, ops, NULL, xd, &rs));
	OK("cudnnGetBatchNormalizationBackwardExWorkspaceSize",
	   cudnnGetBatchNormalizationBackwardExWorkspaceSize(h, mode, ops, xd, xd, xd, NULL, xd, bd,
							     NULL, &bws));
	if (ws)
		CK(cudaMalloc(&d_ws, ws));
	if (rs)
		CK(cudaMalloc(&d_rs, rs));
	if (bws)
		CK(cudaMalloc(&d_bws, bws));
	OK("cudnnBatchNormalizationForwardTrainingEx",
	   cudnnBatchNormalizationForwardTrainingEx(h, mode, ops, &alpha, &beta, xd, d_x, NULL, NULL,
						    xd, d_y, bd, d_scale, d_bias, 1.0, d_rm, d_rv,
						    eps, d_sm, d_si, NULL, d_ws, ws, d_rs, rs));
	CK(cudaDeviceSynchronize());
	cudaMemcpy(y, d_y, sizeof(y), cudaMemcpyDeviceToHost);
	cudaMemcpy(smean, d_sm, sizeof(smean), cudaMemcpyDeviceToHost);
	cudaMemcpy(sinv, d_si, sizeof(sinv), cudaMemcpyDeviceToHost);
	cudaMemcpy(rmean, d_rm, sizeof(rmean), cudaMemcpyDeviceToHost);
	cudaMemcpy(rvar, d_rv, sizeof(rvar), cudaMemcpyDeviceToHost);
	near("batch norm output", y, yref, NX);
	near("batch norm saved mean", smean, mean, BC);
	near("batch norm saved inverse deviation", sinv, inv, BC);
	near("batch norm running mean (factor 1)", rmean, mean, BC);
	near("batch norm running variance (unbiased)", rvar, rvref, BC);

	OK("cudnnBatchNormalizationBackwardEx",
	   cudnnBatchNormalizationBackwardEx(h, mode, ops, &alpha, &beta, &alpha, &beta, xd, d_x,
					     xd, d_y, xd, d_dy, NULL, NULL, xd, d_dx, bd,
					     d_scale, d_bias, d_ds, d_db, eps, d_sm, d_si, NULL,
					     d_bws, bws, d_rs, rs));
	CK(cudaDeviceSynchronize());
	cudaMemcpy(dx, d_dx, sizeof(dx), cudaMemcpyDeviceToHost);
	cudaMemcpy(dscale, d_ds, sizeof(dscale), cudaMemcpyDeviceToHost);
	cudaMemcpy(dbias, d_db, sizeof(dbias), cudaMemcpyDeviceToHost);
	near("batch norm input gradient", dx, dxref, NX);
	near("batch norm scale gradient", dscale, dsref, BC);
	near("batch norm bias gradient", dbias, dbref, BC);

	// Refused by the library itself: a negative dimension.
	check_dnn("a negative dimension",
		  cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, -1, 1, 1, 1),
		  CUDNN_STATUS_BAD_PARAM);
	OK("cudnnDestroyTensorDescriptor", cudnnDestroyTensorDescriptor(xd));
	OK("cudnnDestroyTensorDescriptor", cudnnDestroyTensorDescriptor(bd));
	for (auto b : bufs)
		cudaFree(*b);
	for (auto b : small)
		cudaFree(*b);
	cudaFree(d_ws);
	cudaFree(d_rs);
	cudaFree(d_bws);
}

int main()
{
	cudnnHandle_t h = NULL;
	cudaStream_t s = NULL, got = NULL;
	float *d_x, *d_w, *d_y;

	check_i("cudnnGetVersion is the headers'", cudnnGetVersion() == CUDNN_VERSION, 1);
	int v = -1;
	OK("cudnnGetProperty", cudnnGetProperty(MAJOR_VERSION, &v));
	check_i("major version", v, CUDNN_MAJOR);
	OK("cudnnCreate", cudnnCreate(&h));
	CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
	OK("cudnnSetStream", cudnnSetStream(h, s));
	OK("cudnnGetStream", cudnnGetStream(h, &got));
	check_i("the stream set", got == s, 1);
	OK("cudnnSetStream (default)", cudnnSetStream(h, NULL));

	conv_inputs();
	CK(cudaMalloc((void **)&d_x, sizeof(xv)));
	CK(cudaMalloc((void **)&d_w, sizeof(wv)));
	CK(cudaMalloc((void **)&d_y, sizeof(yref)));
	cudaMemcpy(d_x, xv, sizeof(xv), cudaMemcpyHostToDevice);
	cudaMemcpy(d_w, wv, sizeof(wv), cudaMemcpyHostToDevice);
	legacy_conv(h, d_x, d_w, d_y);
	backend_conv(h, d_x, d_w, d_y);
	batchnorm(h);
	cudaFree(d_x);
	cudaFree(d_w);
	cudaFree(d_y);
	OK("cudnnDestroy", cudnnDestroy(h));
	cudaStreamDestroy(s);
	printf("math_cudnn: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail != 0;
}
