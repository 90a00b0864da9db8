// SPDX-License-Identifier: MIT
// math_cufft.cu: cuFFT of an unmodified nvcc program, checked against a
// naive CPU DFT in double.  Covers C2C 1D forward and inverse (the inverse,
// scaled by 1/n, gives the input back), R2C / C2R 2D, Z2Z 1D in place, a
// batched plan with padded input distance through cufftPlanMany, the
// extensible API (cufftCreate, cufftSetAutoAllocation(0), cufftMakePlan1d,
// cufftGetSize, cufftSetWorkArea with the program's own workspace,
// cufftSetStream), the library version, and errors: a plan of size 0
// (CUFFT_INVALID_SIZE) and a plan used after cufftDestroy
// (CUFFT_INVALID_PLAN).
//
// An FFT output is a sum of n terms of magnitude |x_j|, so each output is
// checked to within tol * sum |x_j| (the bound of any output), tol 1e-6 for
// float and 1e-13 for double; a wrong element or ordering is off by far
// more.  Only ok / FAIL lines are printed, never a computed value on
// success, so the output is identical on any correct implementation; the
// last line is "math_cufft: N passed, M failed", exit status 0 iff M == 0.
// Build: nvcc -arch=sm_90 --cudart=shared -O2 -o math_cufft math_cufft.cu -lcufft
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_runtime.h>
#include <cufft.h>

#include "check.cuh"

// cuFFT has no function naming its results.
// clang-format off
#define NAMED(x) {(int)(x), #x}
// clang-format on
static const struct {
	int v;
	const char *name;
} fft_names[] = {
    NAMED(CUFFT_SUCCESS),	  NAMED(CUFFT_INVALID_PLAN),	  NAMED(CUFFT_ALLOC_FAILED),
    NAMED(CUFFT_INVALID_TYPE),	  NAMED(CUFFT_INVALID_VALUE),	  NAMED(CUFFT_INTERNAL_ERROR),
    NAMED(CUFFT_EXEC_FAILED),	  NAMED(CUFFT_SETUP_FAILED),	  NAMED(CUFFT_INVALID_SIZE),
    NAMED(CUFFT_UNALIGNED_DATA),  NAMED(CUFFT_INVALID_DEVICE),	  NAMED(CUFFT_NO_WORKSPACE),
    NAMED(CUFFT_NOT_IMPLEMENTED), NAMED(CUFFT_NOT_SUPPORTED),	  NAMED(CUFFT_MISSING_DEPENDENCY),
    NAMED(CUFFT_NVRTC_FAILURE),	  NAMED(CUFFT_NVJITLINK_FAILURE), NAMED(CUFFT_NVSHMEM_FAILURE),
};

static const char *fft_name(cufftResult r)
{
	for (size_t i = 0; i < sizeof(fft_names) / sizeof(fft_names[0]); i++)
		if (fft_names[i].v == (int)r)
			return fft_names[i].name;
	return "(unknown cufftResult)";
}

static void check_fft(const char *what, cufftResult got, cufftResult exp)
{
	if (got == exp) {
		g_pass++;
		printf("pass: %s: %s\n", what, fft_name(got));
	} else {
		g_fail++;
		printf("FAIL %s: got %s (%d) expected %s\n", what, fft_name(got), (int)got,
		       fft_name(exp));
	}
}
#define CF(call) check_fft(#call, (call), CUFFT_SUCCESS)

// Every value within tol * scale of the reference.
static void check_near(const char *what, int n, const double *got, const double *exp, double scale,
		       double tol)
{
	int bad = 0, first = -1;
	for (int i = 0; i < n; i++)
		if (!(fabs(got[i] - exp[i]) <= tol * scale) && bad++ == 0)
			first = i;
	if (bad == 0) {
		g_pass++;
		printf("pass: %s (%d values)\n", what, n);
	} else {
		g_fail++;
		printf("FAIL %s[%d]: got %.9g expected %.9g (%d of %d out of tolerance)\n", what,
		       first, got[first], exp[first], bad, n);
	}
}

// Deterministic inputs in [-1, 1).
static double u(int i, int seed)
{
	unsigned v = (unsigned)i * 2654435761u + (unsigned)seed * 40503u;
	return ((v >> 9) & 0xffff) / 32768.0 - 1.0;
}

// out[k*os] = sum_j in[j*is] e^(sign 2 pi i jk/n), complex interleaved,
// strides in complex elements; the twiddles come from a table indexed by
// jk mod n, so they are exact to the last bit of cos / sin.
static void dft(const double *in, int is, double *out, int os, int n, int sign)
{
	double *w = (double *)malloc(2 * n * sizeof(double));
	for (int t = 0; t < n; t++)
		w[2 * t] = cos(2 * M_PI * t / n), w[2 * t + 1] = sign * sin(2 * M_PI * t / n);
	for (int k = 0; k < n; k++) {
		double re = 0, im = 0;
		for (int j = 0; j < n; j++) {
			int t = (int)(((long long)j * k) % n);
			double a = in[2 * j * is], b = in[2 * j * is + 1];
			re += a * w[2 * t] - b * w[2 * t + 1];
			im += a * w[2 * t + 1] + b * w[2 * t];
		}
		out[2 * k * os] = re, out[2 * k * os + 1] = im;
	}
	free(w);
}

static double l1(const double *x, int n, int complex_)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += complex_ ? hypot(x[2 * i], x[2 * i + 1]) : fabs(x[i]);
	return s;
}

// float device buffer of n floats from / to doubles
static float *to_dev_f(const double *h, int n)
{
	float *t = (float *)malloc(n * sizeof(float)), *d = NULL;
	for (int i = 0; i < n; i++)
		t[i] = (float)h[i];
	CK(cudaMalloc((void **)&d, n * sizeof(float)));
	CK(cudaMemcpy(d, t, n * sizeof(float), cudaMemcpyHostToDevice));
	free(t);
	return d;
}

static double *from_dev_f(const float *d, int n, double scale)
{
	float *t = (float *)calloc(n, sizeof(float)); // zero if the copy fails
	double *h = (double *)malloc(n * sizeof(double));
	CK(cudaMemcpy(t, d, n * sizeof(float), cudaMemcpyDeviceToHost));
	for (int i = 0; i < n; i++)
		h[i] = t[i] * scale;
	free(t);
	return h;
}

// C2C 1D n=256, forward then inverse, both out of place.
static void c2c_1d(void)
{
	const int n = 256;
	double x[2 * n], X[2 * n];
	for (int i = 0; i < 2 * n; i++)
		x[i] = u(i, 1);
	dft(x, 1, X, 1, n, -1);
	double s = l1(x, n, 1);
	float *din = to_dev_f(x, 2 * n), *dout = NULL, *dback = NULL;
	CK(cudaMalloc((void **)&dout, 2 * n * sizeof(float)));
	CK(cudaMalloc((void **)&dback, 2 * n * sizeof(float)));
	cufftHandle p = CUFFT_PLAN_NULL;
	CF(cufftPlan1d(&p, n, CUFFT_C2C, 1));
	CF(cufftExecC2C(p, (cufftComplex *)din, (cufftComplex *)dout, CUFFT_FORWARD));
	double *got = from_dev_f(dout, 2 * n, 1.0);
	check_near("C2C 1D n=256 forward vs DFT", 2 * n, got, X, s, 1e-6);
	free(got);
	CF(cufftExecC2C(p, (cufftComplex *)dout, (cufftComplex *)dback, CUFFT_INVERSE));
	got = from_dev_f(dback, 2 * n, 1.0 / n);
	check_near("C2C 1D n=256 inverse / n gives the input", 2 * n, got, x, s, 1e-6);
	free(got);
	// The same executions again and again (a remoting layer may queue
	// them once the plan has run them): forward and back four times,
	// in place on dback, scales the input by n^4.
	for (int r = 0; r < 4; r++) {
		CF(cufftExecC2C(p, (cufftComplex *)dback, (cufftComplex *)dout, CUFFT_FORWARD));
		CF(cufftExecC2C(p, (cufftComplex *)dout, (cufftComplex *)dback, CUFFT_INVERSE));
	}
	got = from_dev_f(dback, 2 * n, 1.0 / ((double)n * n * n * n * n));
	check_near("C2C 1D n=256 forward and inverse 4 more times / n^5", 2 * n, got, x, s, 1e-5);
	free(got);
	CF(cufftDestroy(p));
	CK(cudaFree(din)), CK(cudaFree(dout)), CK(cudaFree(dback));
}

// R2C 2D 64x48 (x slowest), then C2R back; the C2R overwrites its input,
// which is why the R2C output is read first.
static void r2c_2d(void)
{
	const int nx = 64, ny = 48, nyh = ny / 2 + 1;
	double *x = (double *)malloc(nx * ny * sizeof(double));
	double *xc = (double *)calloc(2 * nx * ny, sizeof(double));
	double *rows = (double *)malloc(2 * nx * ny * sizeof(double));
	double *X = (double *)malloc(2 * nx * nyh * sizeof(double));
	for (int i = 0; i < nx * ny; i++)
		x[i] = u(i, 2), xc[2 * i] = x[i];
	for (int r = 0; r < nx; r++)
		dft(xc + 2 * r * ny, 1, rows + 2 * r * ny, 1, ny, -1);
	double *col = (double *)malloc(2 * nx * sizeof(double));
	for (int c = 0; c < nyh; c++) {
		dft(rows + 2 * c, ny, col, 1, nx, -1);
		for (int r = 0; r < nx; r++)
			X[2 * (r * nyh + c)] = col[2 * r],
					 X[2 * (r * nyh + c) + 1] = col[2 * r + 1];
	}
	double s = l1(x, nx * ny, 0);
	float *din = to_dev_f(x, nx * ny), *dout = NULL, *dback = NULL;
	CK(cudaMalloc((void **)&dout, 2 * nx * nyh * sizeof(float)));
	CK(cudaMalloc((void **)&dback, nx * ny * sizeof(float)));
	cufftHandle p = CUFFT_PLAN_NULL, q = CUFFT_PLAN_NULL;
	CF(cufftPlan2d(&p, nx, ny, CUFFT_R2C));
	CF(cufftPlan2d(&q, nx, ny, CUFFT_C2R));
	CF(cufftExecR2C(p, (cufftReal *)din, (cufftComplex *)dout));
	double *got = from_dev_f(dout, 2 * nx * nyh, 1.0);
	check_near("R2C 2D 64x48 vs DFT", 2 * nx * nyh, got, X, s, 1e-6);
	free(got);
	CF(cufftExecC2R(q, (cufftComplex *)dout, (cufftReal *)dback));
	got = from_dev_f(dback, nx * ny, 1.0 / (nx * ny));
	check_near("C2R 2D 64x48 / (nx ny) gives the input", nx * ny, got, x, s, 1e-6);
	free(got);
	CF(cufftDestroy(p));
	CF(cufftDestroy(q));
	free(x), free(xc), free(rows), free(X), free(col);
	CK(cudaFree(din)), CK(cudaFree(dout)), CK(cudaFree(dback));
}

// Z2Z 1D n=384 in double, in place.
static void z2z_1d(void)
{
	const int n = 384;
	double x[2 * n], X[2 * n], got[2 * n] = {};
	for (int i = 0; i < 2 * n; i++)
		x[i] = u(i, 3);
	dft(x, 1, X, 1, n, -1);
	double *d = NULL;
	CK(cudaMalloc((void **)&d, sizeof(x)));
	CK(cudaMemcpy(d, x, sizeof(x), cudaMemcpyHostToDevice));
	cufftHandle p = CUFFT_PLAN_NULL;
	CF(cufftPlan1d(&p, n, CUFFT_Z2Z, 1));
	CF(cufftExecZ2Z(p, (cufftDoubleComplex *)d, (cufftDoubleComplex *)d, CUFFT_FORWARD));
	CK(cudaMemcpy(got, d, sizeof(got), cudaMemcpyDeviceToHost));
	check_near("Z2Z 1D n=384 in place vs DFT", 2 * n, got, X, l1(x, n, 1), 1e-13);
	CF(cufftDestroy(p));
	CK(cudaFree(d));
}

// cufftPlanMany: 5 transforms of 128, input spaced 131 apart, output dense.
static void plan_many(void)
{
	const int n = 128, batch = 5, idist = 131, odist = 128;
	int nn[1] = {n}, inembed[1] = {idist}, onembed[1] = {odist};
	double *x = (double *)malloc(2 * idist * batch * sizeof(double));
	double *X = (double *)malloc(2 * odist * batch * sizeof(double));
	for (int i = 0; i < 2 * idist * batch; i++)
		x[i] = u(i, 4);
	double s = 0;
	for (int b = 0; b < batch; b++) {
		dft(x + 2 * b * idist, 1, X + 2 * b * odist, 1, n, -1);
		double sb = l1(x + 2 * b * idist, n, 1);
		s = sb > s ? sb : s;
	}
	float *din = to_dev_f(x, 2 * idist * batch), *dout = NULL;
	CK(cudaMalloc((void **)&dout, 2 * odist * batch * sizeof(float)));
	cufftHandle p = CUFFT_PLAN_NULL;
	CF(cufftPlanMany(&p, 1, nn, inembed, 1, idist, onembed, 1, odist, CUFFT_C2C, batch));
	CF(cufftExecC2C(p, (cufftComplex *)din, (cufftComplex *)dout, CUFFT_FORWARD));
	double *got = from_dev_f(dout, 2 * odist * batch, 1.0);
	check_near("cufftPlanMany C2C 128 x5, idist 131, vs DFT", 2 * odist * batch, got, X, s,
		   1e-6);
	free(got), free(x), free(X);
	CF(cufftDestroy(p));
	CK(cudaFree(din)), CK(cudaFree(dout));
}

// The extensible API: the program owns the workspace and the stream.
// n=1000 (2^3 5^3) in a batch of 2, forward in place.
static void extensible(void)
{
	const int n = 1000, batch = 2;
	double *x = (double *)malloc(2 * n * batch * sizeof(double));
	double *X = (double *)malloc(2 * n * batch * sizeof(double));
	for (int i = 0; i < 2 * n * batch; i++)
		x[i] = u(i, 5);
	double s = 0;
	for (int b = 0; b < batch; b++) {
		dft(x + 2 * b * n, 1, X + 2 * b * n, 1, n, -1);
		double sb = l1(x + 2 * b * n, n, 1);
		s = sb > s ? sb : s;
	}
	float *d = to_dev_f(x, 2 * n * batch);
	cudaStream_t st = NULL;
	CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
	cufftHandle p = CUFFT_PLAN_NULL;
	size_t ws = 0, ws2 = 1;
	CF(cufftCreate(&p));
	CF(cufftSetAutoAllocation(p, 0));
	CF(cufftMakePlan1d(p, n, CUFFT_C2C, batch, &ws));
	CF(cufftGetSize(p, &ws2));
	check_i("cufftGetSize equals the size cufftMakePlan1d returned", ws2 == ws, 1);
	void *work = NULL;
	CK(cudaMalloc(&work, ws > 256 ? ws : 256));
	CF(cufftSetWorkArea(p, work));
	CF(cufftSetStream(p, st));
	// the input copy is complete before the non-blocking stream starts
	CK(cudaDeviceSynchronize());
	CF(cufftExecC2C(p, (cufftComplex *)d, (cufftComplex *)d, CUFFT_FORWARD));
	CK(cudaStreamSynchronize(st));
	double *got = from_dev_f(d, 2 * n * batch, 1.0);
	check_near("cufftMakePlan1d C2C 1000 x2 with own workspace and stream", 2 * n * batch, got,
		   X, s, 1e-6);
	free(got), free(x), free(X);
	CF(cufftDestroy(p));
	CK(cudaStreamDestroy(st));
	CK(cudaFree(d)), CK(cudaFree(work));
}

int main()
{
	// The library agrees with the header it was built against (major).
	int ver = 0, maj = -1;
	CF(cufftGetVersion(&ver));
	CF(cufftGetProperty(MAJOR_VERSION, &maj));
	check_i("cufftGetProperty(MAJOR_VERSION) == CUFFT_VER_MAJOR", maj, CUFFT_VER_MAJOR);
	check_i("cufftGetVersion / 1000 == CUFFT_VER_MAJOR", ver / 1000, CUFFT_VER_MAJOR);

	c2c_1d();
	r2c_2d();
	z2z_1d();
	plan_many();
	extensible();

	// Errors.  A plan of size 0 is refused at creation.
	cufftHandle bad = CUFFT_PLAN_NULL;
	check_fft("cufftPlan1d with nx = 0", cufftPlan1d(&bad, 0, CUFFT_C2C, 1),
		  CUFFT_INVALID_SIZE);
	// A destroyed plan is refused; nothing is created in between, so its
	// handle cannot have been given to another plan.
	cufftHandle p = CUFFT_PLAN_NULL;
	float *d = NULL;
	CK(cudaMalloc((void **)&d, 2 * 64 * sizeof(float)));
	CK(cudaMemset(d, 0, 2 * 64 * sizeof(float)));
	CF(cufftPlan1d(&p, 64, CUFFT_C2C, 1));
	CF(cufftExecC2C(p, (cufftComplex *)d, (cufftComplex *)d, CUFFT_FORWARD));
	CF(cufftDestroy(p));
	check_fft("cufftExecC2C on a destroyed plan",
		  cufftExecC2C(p, (cufftComplex *)d, (cufftComplex *)d, CUFFT_FORWARD),
		  CUFFT_INVALID_PLAN);
	CK(cudaDeviceSynchronize());
	CK(cudaFree(d));

	printf("math_cufft: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail == 0 ? 0 : 1;
}
