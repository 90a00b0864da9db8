// kparams.cu: kernel parameter passing and launch paths of an unmodified nvcc
// program.  Kernels take every parameter shape (lone char, char+double,
// char+double+pointer, by-value structs of 24, 48 and 4008 bytes, a pointer,
// template instances, a namespaced kernel, extern "C", 24 mixed parameters,
// none), use dynamic shared memory (also 64 KiB after cudaFuncSetAttribute)
// and a 3D grid; each writes what it received, and the host compares with a
// CPU reference.  Launches go through <<<>>> (__cudaGetKernel and
// __cudaLaunchKernel with nvcc 13), cudaLaunchKernel and cudaLaunchKernelExC.
// Prints only values identical on any correct CUDA implementation; the last
// line is "kparams: N passed, M failed", exit status 0 iff M == 0.
// Build: nvcc -arch=sm_90 --cudart=shared -O2 -o kparams kparams.cu
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_runtime.h>

#include "check.cuh"

// ---- kernels ----------------------------------------------------------------

__device__ long long g_out[8];
__device__ double g_outd[4];

__global__ void k_noparam() { g_out[2] = 0x1234567890LL; }

__global__ void k_char(char c) { g_out[0] = c * 3; }

__global__ void k_char_double(char c, double d)
{
	g_out[1] = c;
	g_outd[0] = d * 2.0;
}

__global__ void k_cdp(char c, double d, int *p)
{
	p[0] = c;
	p[1] = (int)(d * 4.0);
	p[2] = c + (int)d;
}

struct S24 {
	double b;
	int a;
	char c;
	short s;
	float f;
};
static_assert(sizeof(S24) == 24, "S24 is 24 bytes");

struct S48 {
	double d[4];
	int i[3];
	char c;
};
static_assert(sizeof(S48) == 48, "S48 is 48 bytes");

struct SBig {
	char c[4001];
	int x;
};
static_assert(sizeof(SBig) == 4008, "SBig is 4008 bytes");

__global__ void k_s24(S24 s, double *out)
{
	out[0] = s.b;
	out[1] = s.a;
	out[2] = s.c;
	out[3] = s.s;
	out[4] = s.f;
}

__global__ void k_s48(S48 s, double *out)
{
	for (int i = 0; i < 4; i++)
		out[i] = s.d[i];
	for (int i = 0; i < 3; i++)
		out[4 + i] = s.i[i];
	out[7] = s.c;
}

__global__ void k_sbig(SBig s, int *out)
{
	for (int j = threadIdx.x; j < 4001; j += blockDim.x)
		out[j] = s.c[j];
	if (threadIdx.x == 0)
		out[4001] = s.x;
}

__global__ void k_ptr(int *p) { p[threadIdx.x] = threadIdx.x * 3 + 1; }

template <typename T> __global__ void k_tmpl(T *out, T a, T b, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		out[i] = a * (T)i + b;
}

namespace gvt {
namespace inner {
__global__ void k_ns(int *out, int v) { out[threadIdx.x] = v - (int)threadIdx.x; }
} // namespace inner
} // namespace gvt

extern "C" __global__ void k_externc(int *out, int v)
{
	out[threadIdx.x] = v * (int)(threadIdx.x + 1);
}

__global__ void k_dyn(int *out, int n)
{
	extern __shared__ int sh[];
	int t = threadIdx.x;
	sh[t] = t * t + n;
	__syncthreads();
	out[t] = sh[n - 1 - t];
}

#define BIG_SH_INTS (64 * 1024 / 4)
__global__ void k_dyn64(int *out)
{
	extern __shared__ int sh64[];
	for (int j = threadIdx.x; j < BIG_SH_INTS; j += blockDim.x)
		sh64[j] = j ^ 0x5a5a;
	__syncthreads();
	for (int j = threadIdx.x; j < BIG_SH_INTS; j += blockDim.x)
		out[j] = sh64[BIG_SH_INTS - 1 - j] + 1;
}

__global__ void k_3d(unsigned *out, unsigned *dims)
{
	unsigned b = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
	unsigned t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
	unsigned g = b * (blockDim.x * blockDim.y * blockDim.z) + t;
	out[g] = blockIdx.x | blockIdx.y << 4 | blockIdx.z << 8 | threadIdx.x << 12 |
		 threadIdx.y << 16 | threadIdx.z << 20;
	if (g == 0) {
		dims[0] = gridDim.x;
		dims[1] = gridDim.y;
		dims[2] = gridDim.z;
		dims[3] = blockDim.x;
		dims[4] = blockDim.y;
		dims[5] = blockDim.z;
	}
}

#define NMANY 27
__global__ void k_many(char a, short b, int c, long long d, float e, double f,
		       unsigned char g, unsigned short h, unsigned int i,
		       unsigned long long j, bool k, char l, double m, int n, float o,
		       short p, int *q, long long r, char s, double t, S24 u, int v,
		       signed char w, double *out)
{
	out[0] = a;
	out[1] = b;
	out[2] = c;
	out[3] = (double)d;
	out[4] = e;
	out[5] = f;
	out[6] = g;
	out[7] = h;
	out[8] = i;
	out[9] = (double)j;
	out[10] = k ? 1.0 : 0.0;
	out[11] = l;
	out[12] = m;
	out[13] = n;
	out[14] = o;
	out[15] = p;
	out[16] = q[0];
	out[17] = (double)r;
	out[18] = s;
	out[19] = t;
	out[20] = u.b;
	out[21] = u.a;
	out[22] = u.c;
	out[23] = u.s;
	out[24] = u.f;
	out[25] = v;
	out[26] = w;
}

// Launched through cudaLaunchKernel with an argument array.
__global__ void k_lk(int *out, char c, double d, short s, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		out[i] = c + (int)(d * i) + s;
}

// ---- host -------------------------------------------------------------------

int main()
{
	int *di = NULL;
	double *dd = NULL;
	const int NI = 20000;
	CK(cudaMalloc((void **)&di, NI * sizeof(int)));
	CK(cudaMalloc((void **)&dd, 64 * sizeof(double)));
	static int hi[NI], ei[NI];
	double hd[64], ed[64];
	long long ho[8];
	double hod[4];

	// no parameters, lone char, char + double: results in __device__ globals
	CK(cudaMemset(di, 0, NI * sizeof(int)));
	k_noparam<<<1, 1>>>();
	LAUNCHED("k_noparam");
	k_char<<<1, 1>>>('z');
	LAUNCHED("k_char");
	k_char_double<<<1, 1>>>('\x7f', 3.25);
	LAUNCHED("k_char_double");
	CK(cudaDeviceSynchronize());
	CK(cudaMemcpyFromSymbol(ho, g_out, sizeof(ho)));
	CK(cudaMemcpyFromSymbol(hod, g_outd, sizeof(hod)));
	check_i("k_noparam wrote", ho[2], 0x1234567890LL);
	check_i("k_char c*3", ho[0], 'z' * 3);
	check_i("k_char_double c", ho[1], 127);
	check_d("k_char_double d*2", hod[0], 6.5);

	// char, double, pointer
	k_cdp<<<1, 1>>>((char)-7, 10.75, di);
	LAUNCHED("k_cdp");
	CK(cudaMemcpy(hi, di, 3 * sizeof(int), cudaMemcpyDeviceToHost));
	check_i("k_cdp c", hi[0], -7);
	check_i("k_cdp d*4", hi[1], 43);
	check_i("k_cdp c+(int)d", hi[2], 3);

	// 24-byte struct
	S24 s24;
	memset(&s24, 0, sizeof(s24));
	s24.b = -1234.5625;
	s24.a = -2000000001;
	s24.c = 'Q';
	s24.s = -31000;
	s24.f = 0.375f;
	k_s24<<<1, 1>>>(s24, dd);
	LAUNCHED("k_s24");
	CK(cudaMemcpy(hd, dd, 5 * sizeof(double), cudaMemcpyDeviceToHost));
	ed[0] = s24.b, ed[1] = s24.a, ed[2] = s24.c, ed[3] = s24.s, ed[4] = s24.f;
	check_arr("k_s24 fields", hd, ed, 5);

	// 48-byte struct
	S48 s48;
	memset(&s48, 0, sizeof(s48));
	for (int i = 0; i < 4; i++)
		s48.d[i] = 1.0 / (1 << i) + i * 1000;
	for (int i = 0; i < 3; i++)
		s48.i[i] = (i + 1) * -111111;
	s48.c = 'x';
	k_s48<<<1, 1>>>(s48, dd);
	LAUNCHED("k_s48");
	CK(cudaMemcpy(hd, dd, 8 * sizeof(double), cudaMemcpyDeviceToHost));
	for (int i = 0; i < 4; i++)
		ed[i] = s48.d[i];
	for (int i = 0; i < 3; i++)
		ed[4 + i] = s48.i[i];
	ed[7] = s48.c;
	check_arr("k_s48 fields", hd, ed, 8);

	// 4008-byte struct
	static SBig big;
	memset(&big, 0, sizeof(big));
	for (int j = 0; j < 4001; j++)
		big.c[j] = (char)((j * 37 + 11) & 0xff);
	big.x = 0x7eadbeef;
	k_sbig<<<1, 256>>>(big, di);
	LAUNCHED("k_sbig");
	CK(cudaMemcpy(hi, di, 4002 * sizeof(int), cudaMemcpyDeviceToHost));
	for (int j = 0; j < 4001; j++)
		ei[j] = big.c[j];
	ei[4001] = big.x;
	check_arr("k_sbig bytes and x", hi, ei, 4002);

	// a lone pointer
	k_ptr<<<1, 128>>>(di);
	LAUNCHED("k_ptr");
	CK(cudaMemcpy(hi, di, 128 * sizeof(int), cudaMemcpyDeviceToHost));
	for (int i = 0; i < 128; i++)
		ei[i] = i * 3 + 1;
	check_arr("k_ptr", hi, ei, 128);

	// template instances
	k_tmpl<int><<<3, 32>>>(di, -3, 1000, 80);
	LAUNCHED("k_tmpl<int>");
	CK(cudaMemcpy(hi, di, 80 * sizeof(int), cudaMemcpyDeviceToHost));
	for (int i = 0; i < 80; i++)
		ei[i] = -3 * i + 1000;
	check_arr("k_tmpl<int>", hi, ei, 80);
	k_tmpl<double><<<2, 32>>>(dd, 0.5, 1.25, 64);
	LAUNCHED("k_tmpl<double>");
	CK(cudaMemcpy(hd, dd, 64 * sizeof(double), cudaMemcpyDeviceToHost));
	for (int i = 0; i < 64; i++)
		ed[i] = 0.5 * i + 1.25;
	check_arr("k_tmpl<double>", hd, ed, 64);

	// namespaced and extern "C"
	gvt::inner::k_ns<<<1, 64>>>(di, 500);
	LAUNCHED("gvt::inner::k_ns");
	CK(cudaMemcpy(hi, di, 64 * sizeof(int), cudaMemcpyDeviceToHost));
	for (int i = 0; i < 64; i++)
		ei[i] = 500 - i;
	check_arr("gvt::inner::k_ns", hi, ei, 64);
	k_externc<<<1, 64>>>(di, -9);
	LAUNCHED("k_externc");
	CK(cudaMemcpy(hi, di, 64 * sizeof(int), cudaMemcpyDeviceToHost));
	for (int i = 0; i < 64; i++)
		ei[i] = -9 * (i + 1);
	check_arr("k_externc", hi, ei, 64);

	// dynamic shared memory
	k_dyn<<<1, 256, 256 * sizeof(int)>>>(di, 256);
	LAUNCHED("k_dyn shmem=1024");
	CK(cudaMemcpy(hi, di, 256 * sizeof(int), cudaMemcpyDeviceToHost));
	for (int t = 0; t < 256; t++)
		ei[t] = (255 - t) * (255 - t) + 256;
	check_arr("k_dyn", hi, ei, 256);

	// 3D grid
	unsigned *d3 = NULL;
	const int N3 = 3 * 4 * 5 * 4 * 4 * 2;
	static unsigned h3[N3 + 6], e3[N3 + 6];
	CK(cudaMalloc((void **)&d3, (N3 + 6) * sizeof(unsigned)));
	CK(cudaMemset(d3, 0xff, (N3 + 6) * sizeof(unsigned)));
	k_3d<<<dim3(3, 4, 5), dim3(4, 4, 2)>>>(d3, d3 + N3);
	LAUNCHED("k_3d");
	CK(cudaMemcpy(h3, d3, (N3 + 6) * sizeof(unsigned), cudaMemcpyDeviceToHost));
	for (unsigned bz = 0; bz < 5; bz++)
		for (unsigned by = 0; by < 4; by++)
			for (unsigned bx = 0; bx < 3; bx++)
				for (unsigned tz = 0; tz < 2; tz++)
					for (unsigned ty = 0; ty < 4; ty++)
						for (unsigned tx = 0; tx < 4; tx++) {
							unsigned b = bx + 3 * (by + 4 * bz);
							unsigned t = tx + 4 * (ty + 4 * tz);
							e3[b * 32 + t] = bx | by << 4 | bz << 8 |
									 tx << 12 | ty << 16 | tz << 20;
						}
	e3[N3 + 0] = 3, e3[N3 + 1] = 4, e3[N3 + 2] = 5;
	e3[N3 + 3] = 4, e3[N3 + 4] = 4, e3[N3 + 5] = 2;
	check_arr("k_3d ids", h3, e3, N3);
	check_arr("k_3d gridDim/blockDim", h3 + N3, e3 + N3, 6);

	// 24 mixed parameters
	int *dq = NULL;
	int qv = -424242;
	CK(cudaMalloc((void **)&dq, sizeof(int)));
	CK(cudaMemcpy(dq, &qv, sizeof(int), cudaMemcpyHostToDevice));
	S24 u = s24;
	u.b = 8.125;
	u.a = 77;
	u.c = '#';
	u.s = 1234;
	u.f = -2.5f;
	k_many<<<1, 1>>>('a', (short)-1234, -123456789, -(1LL << 40) - 7, 1.5f, -0.0625,
			 (unsigned char)250, (unsigned short)65000, 4000000000u,
			 (1ULL << 52) - 1, true, 'Z', 1e300, 42, -3.25f, (short)7, dq,
			 (1LL << 50) + 3, '\x01', -1e-300, u, -5, (signed char)-128, dd);
	LAUNCHED("k_many");
	CK(cudaMemcpy(hd, dd, NMANY * sizeof(double), cudaMemcpyDeviceToHost));
	double em[NMANY] = {'a', -1234, -123456789, (double)(-(1LL << 40) - 7), 1.5,
			    -0.0625, 250, 65000, 4000000000.0, (double)((1ULL << 52) - 1),
			    1, 'Z', 1e300, 42, -3.25, 7, -424242, (double)((1LL << 50) + 3),
			    1, -1e-300, 8.125, 77, '#', 1234, -2.5, -5, -128};
	check_arr("k_many params", hd, em, NMANY);

	// cudaLaunchKernel with an argument array
	{
		int *out = di;
		char c = 'A';
		double d = 0.5;
		short s = -300;
		int n = 100;
		void *args[] = {&out, &c, &d, &s, &n};
		CK(cudaMemset(di, 0, 128 * sizeof(int)));
		CK(cudaLaunchKernel((const void *)k_lk, dim3(2), dim3(64), args, 0, 0));
		CK(cudaMemcpy(hi, di, 128 * sizeof(int), cudaMemcpyDeviceToHost));
		for (int i = 0; i < 128; i++)
			ei[i] = i < n ? 'A' + (int)(0.5 * i) - 300 : 0;
		check_arr("cudaLaunchKernel k_lk", hi, ei, 128);
	}

	// cudaLaunchKernelExC with dynamic shared memory and no attributes
	{
		int *out = di;
		int n = 128;
		void *args[] = {&out, &n};
		cudaLaunchConfig_t cfg = {};
		cfg.gridDim = dim3(1);
		cfg.blockDim = dim3(128);
		cfg.dynamicSmemBytes = 128 * sizeof(int);
		cfg.stream = 0;
		cfg.attrs = NULL;
		cfg.numAttrs = 0;
		CK(cudaLaunchKernelExC(&cfg, (const void *)k_dyn, args));
		CK(cudaMemcpy(hi, di, 128 * sizeof(int), cudaMemcpyDeviceToHost));
		for (int t = 0; t < 128; t++)
			ei[t] = (127 - t) * (127 - t) + 128;
		check_arr("cudaLaunchKernelExC k_dyn", hi, ei, 128);
	}

	// function attributes and occupancy
	cudaFuncAttributes fa;
	memset(&fa, 0, sizeof(fa));
	CK(cudaFuncGetAttributes(&fa, k_dyn));
	check_i("k_dyn maxThreadsPerBlock > 0", fa.maxThreadsPerBlock > 0, 1);
	check_i("k_dyn numRegs > 0", fa.numRegs > 0, 1);
	check_i("k_dyn sharedSizeBytes (static)", (long long)fa.sharedSizeBytes, 0);
	int nblocks = 0;
	CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&nblocks, k_dyn, 256,
							 256 * sizeof(int)));
	check_i("occupancy k_dyn > 0", nblocks > 0, 1);

	// 64 KiB dynamic shared memory: refused before the opt-in, works after
	k_dyn64<<<1, 1024, 64 * 1024>>>(di);
	check_e("launch k_dyn64 shmem=64KiB before opt-in", cudaGetLastError(),
		cudaErrorInvalidValue);
	CK(cudaFuncSetAttribute(k_dyn64, cudaFuncAttributeMaxDynamicSharedMemorySize,
				64 * 1024));
	CK(cudaMemset(di, 0, BIG_SH_INTS * sizeof(int)));
	k_dyn64<<<1, 1024, 64 * 1024>>>(di);
	LAUNCHED("k_dyn64 shmem=64KiB");
	CK(cudaMemcpy(hi, di, BIG_SH_INTS * sizeof(int), cudaMemcpyDeviceToHost));
	for (int j = 0; j < BIG_SH_INTS; j++)
		ei[j] = ((BIG_SH_INTS - 1 - j) ^ 0x5a5a) + 1;
	check_arr("k_dyn64", hi, ei, BIG_SH_INTS);

	CK(cudaDeviceSynchronize());
	CK(cudaFree(dq));
	CK(cudaFree(d3));
	CK(cudaFree(dd));
	CK(cudaFree(di));
	printf("kparams: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail == 0 ? 0 : 1;
}
