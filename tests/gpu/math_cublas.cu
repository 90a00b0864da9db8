// SPDX-License-Identifier: MIT
// math_cublas.cu: cuBLAS and cuBLASLt of an unmodified nvcc program, checked
// against naive CPU references.  Covers SGEMM / DGEMM / ZGEMM with transposes
// and padded leading dimensions, host and device pointer modes (also for the
// result of Sdot / Snrm2 / Isamax), saxpy / sscal / sgemv, strided and
// pointer-array batched GEMM, cublasSetStream / GetStream, Set/GetMatrix and
// Set/GetVector with strides, argument errors with their exact status,
// cuBLASLt through the cuBLAS handle cast to cublasLtHandle_t (as PyTorch
// does) and through its own handle with a heuristic algorithm and a
// workspace, the library version, and last a deferred error: a kernel fault
// that the call cannot see, reported by cudaDeviceSynchronize and sticky
// afterwards ("nofault" as argv[1] leaves it out).
//
// The inputs are multiples of 1/8 in [-1, 1], so every product and partial
// sum is exact in float; the tolerance only allows for a different summation
// order.  Only ok / FAIL lines are printed, never a computed value on
// success, so the output is identical on any correct implementation; the
// last line is "math_cublas: N passed, M failed", exit status 0 iff M == 0.
// Build: nvcc -arch=sm_90 --cudart=shared -O2 -o math_cublas math_cublas.cu -lcublasLt -lcublas
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuComplex.h>
#include <cublasLt.h>
#include <cublasXt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <fcntl.h>
#include <unistd.h>

#include "check.cuh"

static void check_st(const char *what, cublasStatus_t got, cublasStatus_t exp)
{
	if (got == exp) {
		g_pass++;
		printf("pass: %s: %s\n", what, cublasGetStatusName(got));
	} else {
		g_fail++;
		printf("FAIL %s: got %s expected %s\n", what, cublasGetStatusName(got),
		       cublasGetStatusName(exp));
	}
}
#define CB(call) check_st(#call, (call), CUBLAS_STATUS_SUCCESS)

// |got - exp| <= tol * (bound + 1) element by element, where bound is the sum
// of the magnitudes that made up the value: a summation order of its own is
// allowed, a wrong element is not.
static void check_near(const char *what, int n, const double *got, const double *exp,
		       const double *bound, double tol)
{
	int bad = 0, first = -1;
	for (int i = 0; i < n; i++)
		if (!(fabs(got[i] - exp[i]) <= tol * (bound[i] + 1.0)) && bad++ == 0)
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

// Native cuBLAS prints " ** On entry to SGEMM parameter number N had an
// illegal value" on stdout for an argument error.  Remotely that happens in
// the server process, not here; only the returned status is compared, so
// such calls run with stdout sent to /dev/null.
static int g_saved_fd = -1;
static void quiet_begin(void)
{
	fflush(stdout);
	g_saved_fd = dup(1);
	int nul = open("/dev/null", O_WRONLY);
	dup2(nul, 1);
	close(nul);
}
static void quiet_end(void)
{
	fflush(stdout);
	dup2(g_saved_fd, 1);
	close(g_saved_fd);
}

// Multiples of 1/8 in [-1, 1], without a short period (a transposed or
// shifted index must not hit an equal value by chance).
static double val(int i, int seed)
{
	unsigned v = (unsigned)i * 2654435761u + (unsigned)seed * 40503u;
	return (int)((v >> 16) % 17) / 8.0 - 1.0;
}

template <typename T> static T *fill(int n, int seed)
{
	T *h = (T *)malloc(n * sizeof(T));
	for (int i = 0; i < n; i++)
		h[i] = (T)val(i, seed);
	return h;
}

template <typename T> static T *to_dev(const T *h, int n)
{
	T *d = NULL;
	CK(cudaMalloc((void **)&d, n * sizeof(T)));
	CK(cudaMemcpy(d, h, n * sizeof(T), cudaMemcpyHostToDevice));
	return d;
}

template <typename T> static double *from_dev(const T *d, int n)
{
	T *h = (T *)calloc(n, sizeof(T)); // zero if the copy fails
	double *r = (double *)malloc(n * sizeof(double));
	CK(cudaMemcpy(h, d, n * sizeof(T), cudaMemcpyDeviceToHost));
	for (int i = 0; i < n; i++)
		r[i] = (double)h[i];
	free(h);
	return r;
}

// Column-major C = alpha op(A) op(B) + beta C in double; bound gets the sum
// of the magnitudes of the terms.
template <typename T>
static void cpu_gemm(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, double alpha,
		     const T *A, int lda, const T *B, int ldb, double beta, const T *C, int ldc,
		     double *out, double *bound)
{
	for (int j = 0; j < n; j++)
		for (int i = 0; i < m; i++) {
			double s = 0, b = 0;
			for (int l = 0; l < k; l++) {
				double a = ta == CUBLAS_OP_N ? A[i + l * lda] : A[l + i * lda];
				double x = tb == CUBLAS_OP_N ? B[l + j * ldb] : B[j + l * ldb];
				s += a * x;
				b += fabs(a * x);
			}
			out[i + j * ldc] = alpha * s + beta * C[i + j * ldc];
			bound[i + j * ldc] = fabs(alpha) * b + fabs(beta * C[i + j * ldc]);
		}
}

// One GEMM through cublasSgemm or cublasDgemm by the type of its operands.
static cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
			   int n, int k, const float *al, const float *A, int lda, const float *B,
			   int ldb, const float *be, float *C, int ldc)
{
	return cublasSgemm(h, ta, tb, m, n, k, al, A, lda, B, ldb, be, C, ldc);
}
static cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
			   int n, int k, const double *al, const double *A, int lda,
			   const double *B, int ldb, const double *be, double *C, int ldc)
{
	return cublasDgemm(h, ta, tb, m, n, k, al, A, lda, B, ldb, be, C, ldc);
}

// A GEMM with alpha and beta on the host or on the device, compared with
// cpu_gemm; the padding rows of C must stay as they were.
template <typename T>
static void gemm_case(const char *name, cublasHandle_t h, int devmode, cublasOperation_t ta,
		      cublasOperation_t tb, int m, int n, int k, T alpha, T beta, double tol)
{
	int lda = (ta == CUBLAS_OP_N ? m : k) + 3, ldb = (tb == CUBLAS_OP_N ? k : n) + 2;
	int ldc = m + 1;
	int na = lda * (ta == CUBLAS_OP_N ? k : m), nb = ldb * (tb == CUBLAS_OP_N ? n : k);
	int nc = ldc * n;
	T *hA = fill<T>(na, 1), *hB = fill<T>(nb, 2), *hC = fill<T>(nc, 3);
	T *dA = to_dev(hA, na), *dB = to_dev(hB, nb), *dC = to_dev(hC, nc);
	double *exp = (double *)malloc(nc * sizeof(double)),
	       *bnd = (double *)malloc(nc * sizeof(double));
	cpu_gemm(ta, tb, m, n, k, alpha, hA, lda, hB, ldb, beta, hC, ldc, exp, bnd);
	for (int j = 0; j < n; j++)
		exp[m + j * ldc] = hC[m + j * ldc], bnd[m + j * ldc] = 0;
	char what[160];
	snprintf(what, sizeof(what), "%s %dx%dx%d (%s pointer mode)", name, m, n, k,
		 devmode ? "device" : "host");
	cublasStatus_t st;
	if (devmode) {
		T ab[2] = {alpha, beta};
		T *dab = to_dev(ab, 2);
		st = gemm(h, ta, tb, m, n, k, dab, dA, lda, dB, ldb, dab + 1, dC, ldc);
		check_st(what, st, CUBLAS_STATUS_SUCCESS);
		CK(cudaDeviceSynchronize());
		CK(cudaFree(dab));
	} else {
		st = gemm(h, ta, tb, m, n, k, &alpha, dA, lda, dB, ldb, &beta, dC, ldc);
		check_st(what, st, CUBLAS_STATUS_SUCCESS);
	}
	double *got = from_dev(dC, nc);
	check_near(what, nc, got, exp, bnd, tol);
	free(got), free(exp), free(bnd), free(hA), free(hB), free(hC);
	CK(cudaFree(dA)), CK(cudaFree(dB)), CK(cudaFree(dC));
}

// ZGEMM with op(A) = A^H: C = alpha A^H B + beta C, m=19 n=23 k=17.
static void zgemm_case(cublasHandle_t h)
{
	const int m = 19, n = 23, k = 17, lda = k + 2, ldb = k, ldc = m + 1;
	int na = lda * m, nb = ldb * n, nc = ldc * n;
	cuDoubleComplex *hA = (cuDoubleComplex *)malloc(na * sizeof(cuDoubleComplex));
	cuDoubleComplex *hB = (cuDoubleComplex *)malloc(nb * sizeof(cuDoubleComplex));
	cuDoubleComplex *hC = (cuDoubleComplex *)malloc(nc * sizeof(cuDoubleComplex));
	for (int i = 0; i < na; i++)
		hA[i] = make_cuDoubleComplex(val(i, 4), val(i, 5));
	for (int i = 0; i < nb; i++)
		hB[i] = make_cuDoubleComplex(val(i, 6), val(i, 7));
	for (int i = 0; i < nc; i++)
		hC[i] = make_cuDoubleComplex(val(i, 8), val(i, 9));
	cuDoubleComplex al = make_cuDoubleComplex(1.0, -0.5), be = make_cuDoubleComplex(0.25, 1.0);
	double *exp = (double *)calloc(2 * nc, sizeof(double)),
	       *bnd = (double *)calloc(2 * nc, sizeof(double));
	for (int j = 0; j < n; j++)
		for (int i = 0; i < ldc; i++) {
			cuDoubleComplex c = hC[i + j * ldc], s = make_cuDoubleComplex(0, 0);
			double b = 0;
			if (i < m) {
				for (int l = 0; l < k; l++) {
					cuDoubleComplex t =
					    cuCmul(cuConj(hA[l + i * lda]), hB[l + j * ldb]);
					s = cuCadd(s, t);
					b += cuCabs(t);
				}
				b = cuCabs(al) * b + cuCabs(be) * cuCabs(c);
				c = cuCadd(cuCmul(al, s), cuCmul(be, c));
			}
			exp[2 * (i + j * ldc)] = cuCreal(c),
					 exp[2 * (i + j * ldc) + 1] = cuCimag(c);
			bnd[2 * (i + j * ldc)] = bnd[2 * (i + j * ldc) + 1] = b;
		}
	double *dA = to_dev((double *)hA, 2 * na), *dB = to_dev((double *)hB, 2 * nb);
	double *dC = to_dev((double *)hC, 2 * nc);
	CB(cublasZgemm(h, CUBLAS_OP_C, CUBLAS_OP_N, m, n, k, &al, (cuDoubleComplex *)dA, lda,
		       (cuDoubleComplex *)dB, ldb, &be, (cuDoubleComplex *)dC, ldc));
	double *got = from_dev(dC, 2 * nc);
	check_near("zgemm C,N 19x23x17 (real and imaginary parts)", 2 * nc, got, exp, bnd, 1e-13);
	free(got), free(exp), free(bnd), free(hA), free(hB), free(hC);
	CK(cudaFree(dA)), CK(cudaFree(dB)), CK(cudaFree(dC));
}

// Level 1 in both pointer modes: dot, nrm2 and amax return a result either
// into host memory or into device memory (read back with cudaMemcpy).
static void level1(cublasHandle_t h)
{
	const int n = 1000;
	float *hx = fill<float>(n, 1), *hy = fill<float>(n, 2);
	hx[777] = -3.0f; // the unique largest magnitude: Isamax is 1-based, 778
	float *dx = to_dev(hx, n), *dy = to_dev(hy, n);
	double dot = 0, dotb = 0, nrm = 0;
	for (int i = 0; i < n; i++)
		dot += (double)hx[i] * hy[i], dotb += fabs((double)hx[i] * hy[i]),
		    nrm += (double)hx[i] * hx[i];
	nrm = sqrt(nrm);
	cublasPointerMode_t pm = CUBLAS_POINTER_MODE_DEVICE;
	CB(cublasGetPointerMode(h, &pm));
	check_i("default pointer mode is HOST", pm, CUBLAS_POINTER_MODE_HOST);
	float r = 0;
	int ir = 0;
	CB(cublasSdot(h, n, dx, 1, dy, 1, &r));
	double g = r;
	check_near("sdot host result", 1, &g, &dot, &dotb, 1e-6);
	CB(cublasSnrm2(h, n, dx, 1, &r));
	g = r;
	check_near("snrm2 host result", 1, &g, &nrm, &nrm, 1e-5);
	CB(cublasIsamax(h, n, dx, 1, &ir));
	check_i("isamax host result", ir, 778);

	CB(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_DEVICE));
	CB(cublasGetPointerMode(h, &pm));
	check_i("pointer mode now DEVICE", pm, CUBLAS_POINTER_MODE_DEVICE);
	float *dr = NULL;
	int *dir = NULL;
	CK(cudaMalloc((void **)&dr, 2 * sizeof(float)));
	CK(cudaMalloc((void **)&dir, sizeof(int)));
	CB(cublasSdot(h, n, dx, 1, dy, 1, dr));
	CB(cublasSnrm2(h, n, dx, 1, dr + 1));
	CB(cublasIsamax(h, n, dx, 1, dir));
	float rr[2] = {0, 0};
	CK(cudaMemcpy(rr, dr, sizeof(rr), cudaMemcpyDeviceToHost));
	CK(cudaMemcpy(&ir, dir, sizeof(int), cudaMemcpyDeviceToHost));
	g = rr[0];
	check_near("sdot device result", 1, &g, &dot, &dotb, 1e-6);
	g = rr[1];
	check_near("snrm2 device result", 1, &g, &nrm, &nrm, 1e-5);
	check_i("isamax device result", ir, 778);
	CB(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST));
	CB(cublasGetPointerMode(h, &pm));
	check_i("pointer mode back to HOST", pm, CUBLAS_POINTER_MODE_HOST);

	// saxpy, then sscal on the result: y = -2 (0.5 x + y)
	float a = 0.5f, s = -2.0f;
	CB(cublasSaxpy(h, n, &a, dx, 1, dy, 1));
	CB(cublasSscal(h, n, &s, dy, 1));
	double *got = from_dev(dy, n), *exp = (double *)malloc(n * sizeof(double));
	double *bnd = (double *)malloc(n * sizeof(double));
	for (int i = 0; i < n; i++)
		exp[i] = -2.0 * (0.5 * hx[i] + hy[i]), bnd[i] = fabs(hx[i]) + 2 * fabs(hy[i]);
	check_near("saxpy then sscal", n, got, exp, bnd, 1e-6);
	free(got), free(exp), free(bnd), free(hx), free(hy);
	CK(cudaFree(dx)), CK(cudaFree(dy)), CK(cudaFree(dr)), CK(cudaFree(dir));
}

// y = alpha A^T x + beta y with A 67x45 (lda 70), x of 67, y of 45 with incy 2.
static void level2(cublasHandle_t h)
{
	const int m = 67, n = 45, lda = 70, incy = 2;
	float *hA = fill<float>(lda * n, 3), *hx = fill<float>(m, 4),
	      *hy = fill<float>(n * incy, 5);
	float *dA = to_dev(hA, lda * n), *dx = to_dev(hx, m), *dy = to_dev(hy, n * incy);
	float al = 0.75f, be = -1.5f;
	double exp[n * incy], bnd[n * incy];
	for (int j = 0; j < n * incy; j++)
		exp[j] = hy[j], bnd[j] = 0;
	for (int j = 0; j < n; j++) {
		double s = 0, b = 0;
		for (int i = 0; i < m; i++)
			s += (double)hA[i + j * lda] * hx[i],
			    b += fabs((double)hA[i + j * lda] * hx[i]);
		exp[j * incy] = al * s + be * hy[j * incy];
		bnd[j * incy] = fabs(al) * b + fabs(be * hy[j * incy]);
	}
	CB(cublasSgemv(h, CUBLAS_OP_T, m, n, &al, dA, lda, dx, 1, &be, dy, incy));
	double *got = from_dev(dy, n * incy);
	check_near("sgemv T 67x45 incy 2", n * incy, got, exp, bnd, 1e-6);
	free(got), free(hA), free(hx), free(hy);
	CK(cudaFree(dA)), CK(cudaFree(dx)), CK(cudaFree(dy));
}

// Strided batched (N,N, padded strides) and pointer-array batched (N,T).
static void batched(cublasHandle_t h)
{
	const int m = 16, n = 12, k = 9, batch = 5;
	const int lda = m, ldb = k, ldc = m, sA = lda * k + 7, sB = ldb * n + 5, sC = ldc * n + 3;
	float *hA = fill<float>(sA * batch, 1), *hB = fill<float>(sB * batch, 2);
	float *hC = fill<float>(sC * batch, 3);
	float *dA = to_dev(hA, sA * batch), *dB = to_dev(hB, sB * batch),
	      *dC = to_dev(hC, sC * batch);
	float al = 1.25f, be = 0.5f;
	double *exp = (double *)malloc(sC * batch * sizeof(double));
	double *bnd = (double *)malloc(sC * batch * sizeof(double));
	for (int i = 0; i < sC * batch; i++)
		exp[i] = hC[i], bnd[i] = 0;
	for (int b = 0; b < batch; b++)
		cpu_gemm(CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, al, hA + b * sA, lda, hB + b * sB, ldb,
			 be, hC + b * sC, ldc, exp + b * sC, bnd + b * sC);
	CB(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &al, dA, lda, sA, dB,
				     ldb, sB, &be, dC, ldc, sC, batch));
	double *got = from_dev(dC, sC * batch);
	check_near("sgemm strided batched 16x12x9 x5", sC * batch, got, exp, bnd, 1e-6);
	free(got);

	// pointer arrays: A_b = A + b*sA (m x k), B_b stored n x k (op T), C_b
	float *pa[batch], *pb[batch], *pc[batch];
	CK(cudaMemcpy(dC, hC, sC * batch * sizeof(float), cudaMemcpyHostToDevice));
	for (int b = 0; b < batch; b++) {
		pa[b] = dA + b * sA, pb[b] = dB + b * sB, pc[b] = dC + b * sC;
		cpu_gemm(CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, al, hA + b * sA, lda, hB + b * sB, n,
			 be, hC + b * sC, ldc, exp + b * sC, bnd + b * sC);
	}
	float **dpa = to_dev(pa, batch), **dpb = to_dev(pb, batch), **dpc = to_dev(pc, batch);
	CB(cublasSgemmBatched(h, CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, &al, dpa, lda, dpb, n, &be, dpc,
			      ldc, batch));
	got = from_dev(dC, sC * batch);
	check_near("sgemm batched (device pointer arrays) N,T x5", sC * batch, got, exp, bnd, 1e-6);
	free(got), free(exp), free(bnd), free(hA), free(hB), free(hC);
	CK(cudaFree(dA)), CK(cudaFree(dB)), CK(cudaFree(dC));
	CK(cudaFree(dpa)), CK(cudaFree(dpb)), CK(cudaFree(dpc));
}

// Host <-> device copies with leading dimensions and increments.
static void setget(void)
{
	const int r = 7, c = 5, lda = 9, ldb = 8, ldc = 10;
	float hA[lda * c], hD[ldb * c] = {}, hC[ldc * c], expD[ldb * c], expC[ldc * c];
	for (int i = 0; i < lda * c; i++)
		hA[i] = (float)(i + 1);
	float *d = NULL;
	CK(cudaMalloc((void **)&d, 64 * sizeof(float)));
	CK(cudaMemset(d, 0, 64 * sizeof(float)));
	CB(cublasSetMatrix(r, c, sizeof(float), hA, lda, d, ldb));
	CK(cudaMemcpy(hD, d, sizeof(hD), cudaMemcpyDeviceToHost));
	for (int j = 0; j < c; j++)
		for (int i = 0; i < ldb; i++)
			expD[i + j * ldb] = i < r ? hA[i + j * lda] : 0.0f;
	check_arr("cublasSetMatrix layout (ldb 8)", hD, expD, ldb * c);
	for (int i = 0; i < ldc * c; i++)
		hC[i] = expC[i] = -1.0f;
	for (int j = 0; j < c; j++)
		for (int i = 0; i < r; i++)
			expC[i + j * ldc] = hA[i + j * lda];
	CB(cublasGetMatrix(r, c, sizeof(float), d, ldb, hC, ldc));
	check_arr("cublasGetMatrix layout (ldc 10)", hC, expC, ldc * c);

	const int n = 10;
	float hx[2 * n], hv[3 * n] = {}, expv[3 * n], hy[n] = {}, expy[n];
	for (int i = 0; i < 2 * n; i++)
		hx[i] = (float)(100 + i);
	CK(cudaMemset(d, 0, 64 * sizeof(float)));
	CB(cublasSetVector(n, sizeof(float), hx, 2, d, 3));
	CK(cudaMemcpy(hv, d, sizeof(hv), cudaMemcpyDeviceToHost));
	for (int i = 0; i < 3 * n; i++)
		expv[i] = i % 3 == 0 ? hx[(i / 3) * 2] : 0.0f;
	check_arr("cublasSetVector incx 2 -> incy 3", hv, expv, 3 * n);
	CB(cublasGetVector(n, sizeof(float), d, 3, hy, 1));
	for (int i = 0; i < n; i++)
		expy[i] = hx[2 * i];
	check_arr("cublasGetVector incx 3 -> incy 1", hy, expy, n);
	CK(cudaFree(d));
}

// cuBLASLt: D = alpha op(A) B + beta C, FP32, compared with cpu_gemm.  The
// lines are "<what>: <step>".
static char g_w[200];
static const char *step(const char *what, const char *s)
{
	snprintf(g_w, sizeof(g_w), "%s: %s", what, s);
	return g_w;
}

static void lt_case(const char *what, cublasLtHandle_t lt, int heuristic, cublasOperation_t ta)
{
	const int m = 40, n = 24, k = 32, ok = CUBLAS_STATUS_SUCCESS;
	int lda = ta == CUBLAS_OP_N ? m : k, ldb = k, ldc = m;
	float *hA = fill<float>(m * k, 6), *hB = fill<float>(ldb * n, 7),
	      *hC = fill<float>(ldc * n, 8);
	float *dA = to_dev(hA, m * k), *dB = to_dev(hB, ldb * n), *dC = to_dev(hC, ldc * n),
	      *dD = NULL;
	CK(cudaMalloc((void **)&dD, ldc * n * sizeof(float)));
	float al = -0.5f, be = 1.5f;
	double exp[m * n], bnd[m * n];
	cpu_gemm(ta, CUBLAS_OP_N, m, n, k, al, hA, lda, hB, ldb, be, hC, ldc, exp, bnd);

	cublasLtMatmulDesc_t op = NULL;
	cublasLtMatrixLayout_t la = NULL, lb = NULL, lc = NULL;
	cublasLtMatmulPreference_t pref = NULL;
	check_st(step(what, "cublasLtMatmulDescCreate"),
		 cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F),
		 CUBLAS_STATUS_SUCCESS);
	check_st(step(what, "set TRANSA"),
		 cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)),
		 CUBLAS_STATUS_SUCCESS);
	// A is stored as op(A) transposed when ta is T: k rows, m columns
	int st = cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, lda, m * k / lda, lda);
	if (st == ok)
		st = cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, k, n, ldb);
	if (st == ok)
		st = cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, m, n, ldc);
	check_st(step(what, "cublasLtMatrixLayoutCreate x3"), (cublasStatus_t)st,
		 CUBLAS_STATUS_SUCCESS);
	cublasLtMatmulHeuristicResult_t res;
	memset(&res, 0, sizeof(res));
	void *ws = NULL;
	size_t wsmax = 4u << 20, wssize = 0;
	const cublasLtMatmulAlgo_t *algo = NULL; // NULL: cublasLtMatmul picks one itself
	if (heuristic) {
		uint64_t lim = wsmax;
		int nres = 0;
		CK(cudaMalloc(&ws, wsmax));
		check_st(step(what, "cublasLtMatmulPreferenceCreate"),
			 cublasLtMatmulPreferenceCreate(&pref), CUBLAS_STATUS_SUCCESS);
		check_st(step(what, "set MAX_WORKSPACE_BYTES"),
			 cublasLtMatmulPreferenceSetAttribute(
			     pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &lim, sizeof(lim)),
			 CUBLAS_STATUS_SUCCESS);
		check_st(
		    step(what, "cublasLtMatmulAlgoGetHeuristic"),
		    cublasLtMatmulAlgoGetHeuristic(lt, op, la, lb, lc, lc, pref, 1, &res, &nres),
		    CUBLAS_STATUS_SUCCESS);
		check_i(step(what, "one algorithm returned"), nres, 1);
		check_st(step(what, "its state"), res.state, CUBLAS_STATUS_SUCCESS);
		check_i(step(what, "its workspace within the limit"), res.workspaceSize <= wsmax,
			1);
		algo = &res.algo;
		wssize = wsmax;
	}
	check_st(
	    step(what, "cublasLtMatmul"),
	    cublasLtMatmul(lt, op, &al, dA, la, dB, lb, &be, dC, lc, dD, lc, algo, ws, wssize, 0),
	    CUBLAS_STATUS_SUCCESS);
	double *got = from_dev(dD, m * n);
	check_near(step(what, "D = alpha op(A) B + beta C 40x24x32"), m * n, got, exp, bnd, 1e-6);
	st = cublasLtMatrixLayoutDestroy(la);
	if (st == ok)
		st = cublasLtMatrixLayoutDestroy(lb);
	if (st == ok)
		st = cublasLtMatrixLayoutDestroy(lc);
	if (st == ok)
		st = cublasLtMatmulDescDestroy(op);
	if (st == ok && pref)
		st = cublasLtMatmulPreferenceDestroy(pref);
	check_st(step(what, "descriptors destroyed"), (cublasStatus_t)st, CUBLAS_STATUS_SUCCESS);
	free(got), free(hA), free(hB), free(hC);
	CK(cudaFree(dA)), CK(cudaFree(dB)), CK(cudaFree(dC)), CK(cudaFree(dD)), CK(cudaFree(ws));
}

// cuBLAS-XT: GEMMs on host matrices (with padded leading dimensions) and on
// a mix of host and device ones, blocked small so that the library tiles
// them, compared with cpu_gemm.
static void xt_case(void)
{
	const int m = 100, n = 90, k = 70, lda = m + 3, ldb = n + 1, ldc = m + 5; // B is n x k
	cublasXtHandle_t x = NULL;
	int dev = 0, bd = 0;
	float *A = fill<float>(lda * k, 21), *B = fill<float>(ldb * k, 22),
	      *C = fill<float>(ldc * n, 23), *C0 = (float *)malloc(ldc * n * sizeof(float));
	double *exp = (double *)malloc(ldc * n * sizeof(double)),
	       *bnd = (double *)calloc(ldc * n, sizeof(double)),
	       *got = (double *)malloc(ldc * n * sizeof(double));
	float al = 0.5f, be = -1.25f;

	memcpy(C0, C, ldc * n * sizeof(float));
	CB(cublasXtCreate(&x));
	CB(cublasXtDeviceSelect(x, 1, &dev));
	CB(cublasXtSetBlockDim(x, 32));
	CB(cublasXtGetBlockDim(x, &bd));
	check_i("cublasXtGetBlockDim returns the block set", bd, 32);
	cpu_gemm(CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, al, A, lda, B, ldb, be, C0, ldc, exp, bnd);
	for (int i = 0; i < ldc * n; i++)
		if (i % ldc >= m)
			exp[i] = C0[i]; // padding rows stay
	CB(cublasXtSgemm(x, CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, &al, A, lda, B, ldb, &be, C, ldc));
	for (int i = 0; i < ldc * n; i++)
		got[i] = C[i];
	check_near("cublasXtSgemm N,T on host matrices", ldc * n, got, exp, bnd, 1e-6);

	// The same with A on the device and C back from its start values.
	float *dA = to_dev(A, lda * k);
	memcpy(C, C0, ldc * n * sizeof(float));
	CB(cublasXtSgemm(x, CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, &al, dA, lda, B, ldb, &be, C, ldc));
	for (int i = 0; i < ldc * n; i++)
		got[i] = C[i];
	check_near("cublasXtSgemm with A in device memory", ldc * n, got, exp, bnd, 1e-6);
	CK(cudaFree(dA));
	CB(cublasXtDestroy(x));
	free(A), free(B), free(C), free(C0), free(exp), free(bnd), free(got);
}

int main(int argc, char **argv)
{
	int fault = !(argc > 1 && strcmp(argv[1], "nofault") == 0);
	cublasHandle_t h = NULL;
	CB(cublasCreate(&h));

	// The library agrees with the header it was built against (major) and
	// its two ways of telling the version agree with each other.
	int ver = 0, maj = -1, min = -1, pat = -1;
	CB(cublasGetVersion(h, &ver));
	CB(cublasGetProperty(MAJOR_VERSION, &maj));
	CB(cublasGetProperty(MINOR_VERSION, &min));
	CB(cublasGetProperty(PATCH_LEVEL, &pat));
	check_i("cublasGetProperty(MAJOR_VERSION) == CUBLAS_VER_MAJOR", maj, CUBLAS_VER_MAJOR);
	check_i("cublasGetVersion == major*10000 + minor*100 + patch", ver,
		maj * 10000 + min * 100 + pat);
	int ltmaj = -1;
	CB(cublasLtGetProperty(MAJOR_VERSION, &ltmaj));
	check_i("cublasLtGetProperty(MAJOR_VERSION) == CUBLAS_VER_MAJOR", ltmaj, CUBLAS_VER_MAJOR);

	gemm_case<float>("sgemm N,T", h, 0, CUBLAS_OP_N, CUBLAS_OP_T, 67, 45, 33, 1.5f, -0.5f,
			 1e-6);
	gemm_case<double>("dgemm T,N", h, 0, CUBLAS_OP_T, CUBLAS_OP_N, 67, 45, 33, -0.75, 2.0,
			  1e-14);
	zgemm_case(h);
	level1(h); // leaves the pointer mode HOST
	CB(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_DEVICE));
	gemm_case<float>("sgemm T,T", h, 1, CUBLAS_OP_T, CUBLAS_OP_T, 35, 29, 21, 0.5f, 0.25f,
			 1e-6);
	gemm_case<double>("dgemm N,N", h, 1, CUBLAS_OP_N, CUBLAS_OP_N, 35, 29, 21, 1.0, -1.0,
			  1e-14);
	CB(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST));
	level2(h);
	batched(h);
	setget();
	xt_case();

	// A stream of its own: what cublasGetStream returns, and a GEMM in
	// it.  A blocking stream, so the synchronous cudaMemcpy calls around
	// the GEMM order with it as they do with the default stream.
	cudaStream_t s = NULL, g = (cudaStream_t)1;
	CK(cudaStreamCreate(&s));
	CB(cublasSetStream(h, s));
	CB(cublasGetStream(h, &g));
	check_i("cublasGetStream returns the stream set", g == s, 1);
	gemm_case<float>("sgemm N,N on a created stream", h, 0, CUBLAS_OP_N, CUBLAS_OP_N, 30, 20,
			 10, 1.0f, 0.0f, 1e-6);
	CB(cublasSetStream(h, NULL));
	CB(cublasGetStream(h, &g));
	check_i("cublasGetStream returns NULL after setting NULL", g == NULL, 1);
	CK(cudaStreamDestroy(s));

	// The same GEMM again and again (a remoting layer may queue it once
	// the library has accepted it): C += A B eight times, with a call of
	// the same shape but lda < m in the middle, refused at once, as
	// natively, while those before it still run.
	{
		const int m = 24, n = 20, k = 16;
		float *hA = fill<float>(m * k, 7), *hB = fill<float>(k * n, 8),
		      *hC = fill<float>(m * n, 9);
		float *dA = to_dev(hA, m * k), *dB = to_dev(hB, k * n), *dC = to_dev(hC, m * n);
		double *exp = (double *)malloc(m * n * sizeof(double)),
		       *bnd = (double *)malloc(m * n * sizeof(double));
		float one = 1.0f;
		cpu_gemm(CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, 8.0, hA, m, hB, k, 1.0, hC, m, exp,
			 bnd);
		for (int r = 0; r < 8; r++) {
			CB(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one, dA, m, dB, k,
				       &one, dC, m));
			if (r == 3) {
				quiet_begin();
				cublasStatus_t e = cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n,
							       k, &one, dA, m - 1, dB, k, &one,
							       dC, m);
				quiet_end();
				check_st("the same GEMM with lda < m, after queued ones", e,
					 CUBLAS_STATUS_INVALID_VALUE);
			}
		}
		double *got = from_dev(dC, m * n);
		check_near("sgemm 24x20x16 C += A B eight times", m * n, got, exp, bnd, 1e-6);
		free(got), free(exp), free(bnd), free(hA), free(hB), free(hC);
		CK(cudaFree(dA)), CK(cudaFree(dB)), CK(cudaFree(dC));
	}

	// Argument errors: status only, nothing launched.
	{
		float one = 1.0f, *d = NULL;
		CK(cudaMalloc((void **)&d, 4096 * sizeof(float)));
		quiet_begin();
		cublasStatus_t e1 = cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, -1, 8, 8, &one, d, 8,
						d, 8, &one, d, 8);
		cublasStatus_t e2 = cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 16, 8, 8, &one, d, 15,
						d, 8, &one, d, 16);
		cublasStatus_t e3 = cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 16, 8, 8, &one, d, 16,
						d, 8, &one, d, 15);
		quiet_end();
		check_st("cublasSgemm with m = -1", e1, CUBLAS_STATUS_INVALID_VALUE);
		check_st("cublasSgemm with lda < m", e2, CUBLAS_STATUS_INVALID_VALUE);
		check_st("cublasSgemm with ldc < m", e3, CUBLAS_STATUS_INVALID_VALUE);
		// m = 0 is a valid empty product (BLAS quick return)
		check_st(
		    "cublasSgemm with m = 0",
		    cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 0, 8, 8, &one, d, 1, d, 8, &one, d, 1),
		    CUBLAS_STATUS_SUCCESS);
		CK(cudaDeviceSynchronize());
		CK(cudaFree(d));
	}

	// cuBLASLt through the cuBLAS handle itself, then its own handle.
	lt_case("cublasLt on the cublas handle", (cublasLtHandle_t)h, 0, CUBLAS_OP_N);
	cublasLtHandle_t lt = NULL;
	CB(cublasLtCreate(&lt));
	lt_case("cublasLt heuristic", lt, 1, CUBLAS_OP_T);
	CB(cublasLtDestroy(lt));
	CK(cudaDeviceSynchronize());

	if (fault) {
		// A deferred error, last because it is sticky.  cuBLAS does not
		// validate device pointers: saxpy on y = 0x10 (never mapped; the
		// same address errors.cu stores to) is launched and returns
		// SUCCESS, and the fault surfaces at the next synchronization as
		// cudaErrorIllegalAddress, the same as for any kernel of the
		// program.  A level-1 kernel is used on purpose: it accesses y
		// with ordinary loads and stores, where a GEMM might use other
		// access paths (TMA) with their own error codes.
		float two = 2.0f, *dx = NULL;
		CK(cudaMalloc((void **)&dx, 1024 * sizeof(float)));
		CK(cudaMemset(dx, 0, 1024 * sizeof(float)));
		CK(cudaDeviceSynchronize());
		check_st("cublasSaxpy into an unmapped address (launch)",
			 cublasSaxpy(h, 1024, &two, dx, 1, (float *)0x10, 1),
			 CUBLAS_STATUS_SUCCESS);
		check_e("cudaDeviceSynchronize after it", cudaDeviceSynchronize(),
			cudaErrorIllegalAddress);
		check_e("cudaGetLastError after it", cudaGetLastError(), cudaErrorIllegalAddress);
		float hv[4];
		check_e("cudaMemcpy afterwards (sticky)",
			cudaMemcpy(hv, dx, sizeof(hv), cudaMemcpyDeviceToHost),
			cudaErrorIllegalAddress);
		// What cuBLAS itself returns in a broken context is its own
		// business: printed for the comparison, not asserted.
		printf("status cublasSaxpy afterwards: %s\n",
		       cublasGetStatusName(cublasSaxpy(h, 1024, &two, dx, 1, dx, 1)));
	} else {
		CB(cublasDestroy(h));
	}
	printf("math_cublas: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail == 0 ? 0 : 1;
}
