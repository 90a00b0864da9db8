// symbols.cu: device symbols of an unmodified nvcc program: a __device__
// array, a __constant__ array and a __device__ struct, reached through
// cudaMemcpyToSymbol / cudaMemcpyFromSymbol (with offsets, every kind) and
// their Async forms, cudaGetSymbolAddress (the pointer then used with
// cudaMemcpy and passed to a kernel) and cudaGetSymbolSize; kernels read the
// constant memory and the struct and write results; a copy past the end of
// a symbol must fail with cudaErrorInvalidValue.
// Prints only values identical on any correct CUDA implementation; the last
// line is "symbols: N passed, M failed", exit status 0 iff M == 0.
// Build: nvcc -arch=sm_90 --cudart=shared -O2 -o symbols symbols.cu
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_runtime.h>

#include "check.cuh"

struct Params {
	int n;
	float scale;
	double offset;
	char tag[8];
};

__device__ int arr[256];
__constant__ float coef[16];
__device__ Params dparams;

// y[i] = coef[i % 16] * x[i] + dparams.scale  (exact in float for these inputs)
__global__ void k_coef(const float *x, float *y, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		y[i] = coef[i % 16] * x[i] + dparams.scale;
}

// Copies the struct's fields out, as doubles.
__global__ void k_params(double *out)
{
	out[0] = dparams.n;
	out[1] = dparams.scale;
	out[2] = dparams.offset;
	for (int i = 0; i < 8; i++)
		out[3 + i] = dparams.tag[i];
}

// arr[i] = arr[i] * 2 + i
__global__ void k_arr() { arr[threadIdx.x] = arr[threadIdx.x] * 2 + threadIdx.x; }

// Through a pointer from cudaGetSymbolAddress.
__global__ void k_via_ptr(int *p, int add) { p[threadIdx.x] += add; }

int main()
{
	static int h[256], e[256];
	cudaStream_t s;
	CK(cudaStreamCreate(&s));

	// sizes
	size_t sz = 0;
	CK(cudaGetSymbolSize(&sz, arr));
	check_i("cudaGetSymbolSize(arr)", (long long)sz, sizeof(int) * 256);
	CK(cudaGetSymbolSize(&sz, coef));
	check_i("cudaGetSymbolSize(coef)", (long long)sz, sizeof(float) * 16);
	CK(cudaGetSymbolSize(&sz, dparams));
	check_i("cudaGetSymbolSize(dparams)", (long long)sz, sizeof(Params));

	// whole-array round trip
	for (int i = 0; i < 256; i++)
		e[i] = i * 11 - 1000;
	CK(cudaMemcpyToSymbol(arr, e, sizeof(e)));
	memset(h, 0, sizeof(h));
	CK(cudaMemcpyFromSymbol(h, arr, sizeof(h)));
	check_arr("arr round trip", h, e, 256);

	// nonzero offsets both ways
	int ten[10];
	for (int i = 0; i < 10; i++)
		ten[i] = -i - 1;
	CK(cudaMemcpyToSymbol(arr, ten, sizeof(ten), 100 * sizeof(int)));
	for (int i = 0; i < 10; i++)
		e[100 + i] = -i - 1;
	CK(cudaMemcpyFromSymbol(h, arr, sizeof(h)));
	check_arr("arr after ToSymbol at offset 400", h, e, 256);
	int sixteen[16];
	CK(cudaMemcpyFromSymbol(sixteen, arr, sizeof(sixteen), 96 * sizeof(int)));
	check_arr("FromSymbol at offset 384", sixteen, e + 96, 16);
	// unaligned byte offset
	unsigned char bytes[5] = {1, 2, 3, 4, 5};
	CK(cudaMemcpyToSymbol(arr, bytes, 5, 1017));
	memcpy((unsigned char *)e + 1017, bytes, 5);
	CK(cudaMemcpyFromSymbol(h, arr, sizeof(h)));
	check_arr("arr after 5 bytes at offset 1017", h, e, 256);

	// device-to-device into and out of a symbol
	int *dbuf = NULL;
	CK(cudaMalloc((void **)&dbuf, 256 * sizeof(int)));
	CK(cudaMemcpyFromSymbol(dbuf, arr, 256 * sizeof(int), 0, cudaMemcpyDeviceToDevice));
	for (int i = 0; i < 256; i++)
		e[i] = i * i;
	CK(cudaMemcpyToSymbol(arr, e, sizeof(e)));
	CK(cudaMemcpy(h, dbuf, sizeof(h), cudaMemcpyDeviceToHost));
	check_i("D2D FromSymbol kept old arr[100]", h[100], -1);
	CK(cudaMemcpyToSymbol(arr, dbuf, 8 * sizeof(int), 8 * sizeof(int),
			      cudaMemcpyDeviceToDevice));
	for (int i = 0; i < 8; i++)
		e[8 + i] = h[i];
	CK(cudaMemcpyFromSymbol(h, arr, sizeof(h)));
	check_arr("arr after D2D ToSymbol at offset 32", h, e, 256);

	// kernel on arr, then read it back
	k_arr<<<1, 256>>>();
	LAUNCHED("k_arr");
	for (int i = 0; i < 256; i++)
		e[i] = e[i] * 2 + i;
	CK(cudaMemcpyFromSymbol(h, arr, sizeof(h)));
	check_arr("arr after k_arr", h, e, 256);

	// cudaGetSymbolAddress: cudaMemcpy through the pointer, and a kernel on it
	int *parr = NULL;
	CK(cudaGetSymbolAddress((void **)&parr, arr));
	check_i("symbol address is non-null", parr != NULL, 1);
	for (int i = 0; i < 20; i++)
		e[50 + i] = 5000 + i;
	CK(cudaMemcpy(parr + 50, e + 50, 20 * sizeof(int), cudaMemcpyHostToDevice));
	k_via_ptr<<<1, 256>>>(parr, 3);
	LAUNCHED("k_via_ptr");
	for (int i = 0; i < 256; i++)
		e[i] += 3;
	CK(cudaMemcpyFromSymbol(h, arr, sizeof(h)));
	check_arr("arr after cudaMemcpy and kernel via symbol address", h, e, 256);
	CK(cudaMemcpy(h, parr + 200, 10 * sizeof(int), cudaMemcpyDeviceToHost));
	check_arr("cudaMemcpy from symbol address + 200", h, e + 200, 10);

	// async forms on a stream; constant memory read by a kernel
	const int NX = 1000;
	static float hx[NX], hy[NX], ey[NX];
	float *dx = NULL, *dy = NULL;
	CK(cudaMalloc((void **)&dx, NX * sizeof(float)));
	CK(cudaMalloc((void **)&dy, NX * sizeof(float)));
	float hc[16];
	for (int k = 0; k < 16; k++)
		hc[k] = k * 0.25f - 1.0f;
	Params p;
	memset(&p, 0, sizeof(p));
	p.n = -77;
	p.scale = 0.5f;
	p.offset = 1e-3;
	memcpy(p.tag, "gvirtus", 8);
	for (int i = 0; i < NX; i++)
		hx[i] = (float)(i - 500);
	CK(cudaMemcpyToSymbolAsync(coef, hc, sizeof(hc), 0, cudaMemcpyHostToDevice, s));
	CK(cudaMemcpyToSymbolAsync(dparams, &p, sizeof(p), 0, cudaMemcpyHostToDevice, s));
	CK(cudaMemcpyAsync(dx, hx, sizeof(hx), cudaMemcpyHostToDevice, s));
	k_coef<<<(NX + 127) / 128, 128, 0, s>>>(dx, dy, NX);
	LAUNCHED("k_coef on stream");
	CK(cudaMemcpyAsync(hy, dy, sizeof(hy), cudaMemcpyDeviceToHost, s));
	int hfrom[12];
	CK(cudaMemcpyFromSymbolAsync(hfrom, arr, sizeof(hfrom), 40 * sizeof(int),
				     cudaMemcpyDeviceToHost, s));
	CK(cudaStreamSynchronize(s));
	for (int i = 0; i < NX; i++)
		ey[i] = hc[i % 16] * hx[i] + 0.5f;
	check_arr("k_coef reads __constant__ coef and dparams", hy, ey, NX);
	check_arr("FromSymbolAsync at offset 160", hfrom, e + 40, 12);

	double *dd = NULL, hd[11], ed[11];
	CK(cudaMalloc((void **)&dd, sizeof(hd)));
	k_params<<<1, 1, 0, s>>>(dd);
	LAUNCHED("k_params");
	CK(cudaMemcpyAsync(hd, dd, sizeof(hd), cudaMemcpyDeviceToHost, s));
	Params back;
	memset(&back, 0, sizeof(back));
	CK(cudaMemcpyFromSymbolAsync(&back, dparams, sizeof(back), 0,
				     cudaMemcpyDeviceToHost, s));
	CK(cudaStreamSynchronize(s));
	ed[0] = p.n, ed[1] = p.scale, ed[2] = p.offset;
	for (int i = 0; i < 8; i++)
		ed[3 + i] = p.tag[i];
	check_arr("k_params fields", hd, ed, 11);
	check_i("dparams bytes round trip", memcmp(&back, &p, sizeof(p)), 0);

	// constant memory written through its symbol address, then read by a kernel
	float *pcoef = NULL;
	CK(cudaGetSymbolAddress((void **)&pcoef, coef));
	for (int k = 0; k < 16; k++)
		hc[k] = (float)(16 - k);
	CK(cudaMemcpy(pcoef, hc, sizeof(hc), cudaMemcpyHostToDevice));
	k_coef<<<(NX + 127) / 128, 128>>>(dx, dy, NX);
	LAUNCHED("k_coef after cudaMemcpy to coef's address");
	CK(cudaMemcpy(hy, dy, sizeof(hy), cudaMemcpyDeviceToHost));
	for (int i = 0; i < NX; i++)
		ey[i] = hc[i % 16] * hx[i] + 0.5f;
	check_arr("k_coef with new coef", hy, ey, NX);
	float hc2[4];
	CK(cudaMemcpyFromSymbol(hc2, coef, sizeof(hc2), 12 * sizeof(float)));
	check_arr("FromSymbol coef at offset 48", hc2, hc + 12, 4);

	// past the end of a symbol
	check_e("cudaMemcpyToSymbol(arr, 16 bytes, offset 1020)",
		cudaMemcpyToSymbol(arr, ten, 16, 1020), cudaErrorInvalidValue);
	check_e("cudaGetLastError after it", cudaGetLastError(), cudaErrorInvalidValue);
	check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);
	check_e("cudaMemcpyFromSymbol(coef, 65 bytes)", cudaMemcpyFromSymbol(h, coef, 65),
		cudaErrorInvalidValue);
	check_e("cudaMemcpyToSymbol(dparams, 1 byte, offset sizeof)",
		cudaMemcpyToSymbol(dparams, ten, 1, sizeof(Params)), cudaErrorInvalidValue);
	check_e("cudaMemcpyToSymbolAsync(coef, 4 bytes, offset 64)",
		cudaMemcpyToSymbolAsync(coef, ten, 4, 64, cudaMemcpyHostToDevice, s),
		cudaErrorInvalidValue);
	check_e("cudaGetLastError after those", cudaGetLastError(), cudaErrorInvalidValue);
	// arr is unchanged by the refused copies
	CK(cudaMemcpyFromSymbol(h, arr, sizeof(h)));
	check_arr("arr unchanged by refused copies", h, e, 256);

	CK(cudaStreamSynchronize(s));
	CK(cudaStreamDestroy(s));
	CK(cudaFree(dd));
	CK(cudaFree(dx));
	CK(cudaFree(dy));
	CK(cudaFree(dbuf));
	printf("symbols: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail == 0 ? 0 : 1;
}
