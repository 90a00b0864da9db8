// SPDX-License-Identifier: MIT
// math_cusolver.cu: cuSOLVER of an unmodified nvcc program, checked against
// results computed here on the CPU.  Covers the version, a dense handle
// and its stream, LU (getrf + getrs) of a small system against Gaussian
// elimination with partial pivoting, the same through the 64-bit API
// (cusolverDnXgetrf with its host workspace, cusolverDnXgetrs), Cholesky
// (potrf) against a CPU Cholesky, the device info of a singular matrix
// (getrf) and of a matrix that is not positive definite (potrf) as the
// exact values the CPU references give, symmetric eigenvalues (syevd)
// against a cyclic Jacobi, and a sparse solve (csrlsvqr on the device,
// csrlsvqrHost and csrlsvluHost on the host's CPU) against the dense CPU
// solve, with the cuSPARSE matrix descriptor they take, and the low-level
// host Cholesky (analysis, buffer size, factor, zero pivot, solve, with
// the buffer the library keeps using between calls) of an SPD matrix.
//
// Floating results are compared within a relative 1e-9; only pass / FAIL
// lines are printed, never a computed value on success, so the output is
// identical on any correct implementation; the last line is
// "math_cusolver: N passed, M failed", exit status 0 iff M == 0.
// Build: nvcc -arch=sm_90 --cudart=shared -O2 -o math_cusolver math_cusolver.cu -lcusolver -lcusparse
// cusolverSp is deprecated in favour of cuDSS; the samples still use it.
#define DISABLE_CUSOLVER_DEPRECATED
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_runtime.h>
#include <cusolverDn.h>
#include <cusolverSp.h>
#include <cusolverSp_LOWLEVEL_PREVIEW.h>
#include <cusparse.h>

#include "check.cuh"

static void check_so(const char *what, cusolverStatus_t got, cusolverStatus_t exp)
{
	if (got == exp) {
		g_pass++;
		printf("pass: %s: status %d\n", what, (int)got);
	} else {
		g_fail++;
		printf("FAIL %s: got status %d expected %d\n", what, (int)got, (int)exp);
	}
}

// Every value within a relative 1e-9 of the reference.
static void check_close(const char *what, const double *got, const double *ref, int n)
{
	for (int i = 0; i < n; i++) {
		double tol = 1e-9 * (fabs(ref[i]) > 1 ? fabs(ref[i]) : 1);
		if (!(fabs(got[i] - ref[i]) <= tol)) {
			g_fail++;
			printf("FAIL %s[%d]: got %.17g expected %.17g\n", what, i, got[i], ref[i]);
			return;
		}
	}
	g_pass++;
	printf("pass: %s (%d values)\n", what, n);
}

enum { N = 4 };
// Column-major, as LAPACK's: a[col * N + row].  No ties among the pivots.
static const double A_lu[N * N] = {4, -2, 1, 3, 3, 6, -4, 2, -1, 2, 8, -3, 2, 5, 1, 7};
static const double b_lu[N] = {1, -2, 3, 4};

// LU with partial pivoting of an n x n column-major matrix, in place, as
// LAPACK's getrf: 1-based pivots, and the first exactly zero pivot's
// 1-based position (0: none).
static int cpu_getrf(double *a, int n, int *ipiv)
{
	int info = 0;
	for (int k = 0; k < n; k++) {
		int p = k;
		for (int r = k + 1; r < n; r++)
			if (fabs(a[k * n + r]) > fabs(a[k * n + p]))
				p = r;
		ipiv[k] = p + 1;
		if (a[k * n + p] == 0) {
			if (!info)
				info = k + 1;
			continue;
		}
		if (p != k)
			for (int c = 0; c < n; c++) {
				double t = a[c * n + k];
				a[c * n + k] = a[c * n + p];
				a[c * n + p] = t;
			}
		for (int r = k + 1; r < n; r++) {
			double l = a[k * n + r] / a[k * n + k];
			a[k * n + r] = l;
			for (int c = k + 1; c < n; c++)
				a[c * n + r] -= l * a[c * n + k];
		}
	}
	return info;
}

// x = A^-1 b by the CPU's LU.
static void cpu_solve(const double *a0, const double *b, double *x, int n)
{
	double a[N * N];
	int ipiv[N];
	memcpy(a, a0, sizeof(double) * n * n);
	cpu_getrf(a, n, ipiv);
	memcpy(x, b, sizeof(double) * n);
	for (int k = 0; k < n; k++) {
		double t = x[k];
		x[k] = x[ipiv[k] - 1];
		x[ipiv[k] - 1] = t;
	}
	for (int r = 0; r < n; r++)
		for (int c = 0; c < r; c++)
			x[r] -= a[c * n + r] * x[c];
	for (int r = n - 1; r >= 0; r--) {
		for (int c = r + 1; c < n; c++)
			x[r] -= a[c * n + r] * x[c];
		x[r] /= a[r * n + r];
	}
}

// Cholesky, lower, in place: the 1-based order of the first leading minor
// that is not positive definite, as LAPACK's potrf says it (0: none).
static int cpu_potrf(double *a, int n)
{
	for (int j = 0; j < n; j++) {
		double d = a[j * n + j];
		for (int k = 0; k < j; k++)
			d -= a[k * n + j] * a[k * n + j];
		if (!(d > 0))
			return j + 1;
		d = sqrt(d);
		a[j * n + j] = d;
		for (int r = j + 1; r < n; r++) {
			double s = a[j * n + r];
			for (int k = 0; k < j; k++)
				s -= a[k * n + r] * a[k * n + j];
			a[j * n + r] = s / d;
		}
	}
	return 0;
}

// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, ascending.
static void cpu_eigenvalues(const double *a0, double *w, int n)
{
	double a[N * N];
	memcpy(a, a0, sizeof(double) * n * n);
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++)
				off += a[q * n + p] * a[q * n + p];
		if (off < 1e-30)
			break;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++) {
				double apq = a[q * n + p];
				if (apq == 0)
					continue;
				double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
				double t = (theta >= 0 ? 1 : -1) /
					   (fabs(theta) + sqrt(theta * theta + 1));
				double c = 1 / sqrt(t * t + 1), s = t * c;
				for (int k = 0; k < n; k++) {
					double akp = a[p * n + k], akq = a[q * n + k];
					a[p * n + k] = c * akp - s * akq;
					a[q * n + k] = s * akp + c * akq;
				}
				for (int k = 0; k < n; k++) {
					double apk = a[k * n + p], aqk = a[k * n + q];
					a[k * n + p] = c * apk - s * aqk;
					a[k * n + q] = s * apk + c * aqk;
				}
			}
	}
	for (int i = 0; i < n; i++)
		w[i] = a[i * n + i];
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (w[j] < w[i]) {
				double t = w[i];
				w[i] = w[j];
				w[j] = t;
			}
}

static int dev_int(const int *d)
{
	int v = -12345;
	cudaMemcpy(&v, d, sizeof(v), cudaMemcpyDeviceToHost);
	return v;
}

// getrf + getrs, then a singular matrix's info.
static void lu(cusolverDnHandle_t h)
{
	double *d_a, *d_b, *d_work, x[N], ref[N], a[N * N];
	int *d_ipiv, *d_info, lwork = 0, ipiv[N], ref_ipiv[N];
	// Rows 1 and 2 are proportional: elimination leaves an exact zero.
	const double sing[3 * 3] = {1, 2, 1, 2, 4, 1, 3, 6, 1};
	double s[3 * 3];
	int s_ipiv[3];

	CK(cudaMalloc((void **)&d_a, sizeof(A_lu)));
	CK(cudaMalloc((void **)&d_b, sizeof(b_lu)));
	CK(cudaMalloc((void **)&d_ipiv, sizeof(int) * N));
	CK(cudaMalloc((void **)&d_info, sizeof(int)));
	cudaMemcpy(d_a, A_lu, sizeof(A_lu), cudaMemcpyHostToDevice);
	cudaMemcpy(d_b, b_lu, sizeof(b_lu), cudaMemcpyHostToDevice);
	check_so("cusolverDnDgetrf_bufferSize", cusolverDnDgetrf_bufferSize(h, N, N, d_a, N, &lwork),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("getrf's workspace is some elements", lwork > 0, 1);
	CK(cudaMalloc((void **)&d_work, sizeof(double) * (lwork > 0 ? lwork : 1)));
	check_so("cusolverDnDgetrf", cusolverDnDgetrf(h, N, N, d_a, N, d_work, d_ipiv, d_info),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("getrf devInfo", dev_int(d_info), 0);
	memcpy(a, A_lu, sizeof(a));
	check_i("the CPU's LU has no zero pivot", cpu_getrf(a, N, ref_ipiv), 0);
	cudaMemcpy(ipiv, d_ipiv, sizeof(ipiv), cudaMemcpyDeviceToHost);
	check_arr("getrf pivots", ipiv, ref_ipiv, N);
	check_so("cusolverDnDgetrs",
		 cusolverDnDgetrs(h, CUBLAS_OP_N, N, 1, d_a, N, d_ipiv, d_b, N, d_info),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("getrs devInfo", dev_int(d_info), 0);
	cudaMemcpy(x, d_b, sizeof(x), cudaMemcpyDeviceToHost);
	cpu_solve(A_lu, b_lu, ref, N);
	check_close("getrs solution", x, ref, N);

	// A singular matrix: info is the first zero pivot's position.
	memcpy(s, sing, sizeof(s));
	cudaMemcpy(d_a, sing, sizeof(sing), cudaMemcpyHostToDevice);
	check_so("cusolverDnDgetrf (singular)", cusolverDnDgetrf(h, 3, 3, d_a, 3, d_work, d_ipiv, d_info),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("getrf devInfo of a singular matrix", dev_int(d_info), cpu_getrf(s, 3, s_ipiv));
	cudaFree(d_work);
	cudaFree(d_info);
	cudaFree(d_ipiv);
	cudaFree(d_b);
	cudaFree(d_a);
}

// The 64-bit API: parameters, a host workspace, getrf and getrs.
static void lu64(cusolverDnHandle_t h)
{
	cusolverDnParams_t params = NULL;
	double *d_a, *d_b, x[N], ref[N];
	int64_t *d_ipiv;
	int *d_info;
	size_t dev_bytes = 0, host_bytes = 0;
	void *d_work = NULL, *h_work = NULL;

	check_so("cusolverDnCreateParams", cusolverDnCreateParams(&params), CUSOLVER_STATUS_SUCCESS);
	CK(cudaMalloc((void **)&d_a, sizeof(A_lu)));
	CK(cudaMalloc((void **)&d_b, sizeof(b_lu)));
	CK(cudaMalloc((void **)&d_ipiv, sizeof(int64_t) * N));
	CK(cudaMalloc((void **)&d_info, sizeof(int)));
	cudaMemcpy(d_a, A_lu, sizeof(A_lu), cudaMemcpyHostToDevice);
	cudaMemcpy(d_b, b_lu, sizeof(b_lu), cudaMemcpyHostToDevice);
	check_so("cusolverDnXgetrf_bufferSize",
		 cusolverDnXgetrf_bufferSize(h, params, N, N, CUDA_R_64F, d_a, N, CUDA_R_64F,
					     &dev_bytes, &host_bytes),
		 CUSOLVER_STATUS_SUCCESS);
	CK(cudaMalloc(&d_work, dev_bytes ? dev_bytes : 1));
	h_work = malloc(host_bytes ? host_bytes : 1);
	check_so("cusolverDnXgetrf",
		 cusolverDnXgetrf(h, params, N, N, CUDA_R_64F, d_a, N, d_ipiv, CUDA_R_64F, d_work,
				  dev_bytes, h_work, host_bytes, d_info),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("Xgetrf devInfo", dev_int(d_info), 0);
	check_so("cusolverDnXgetrs",
		 cusolverDnXgetrs(h, params, CUBLAS_OP_N, N, 1, CUDA_R_64F, d_a, N, d_ipiv,
				  CUDA_R_64F, d_b, N, d_info),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("Xgetrs devInfo", dev_int(d_info), 0);
	cudaMemcpy(x, d_b, sizeof(x), cudaMemcpyDeviceToHost);
	cpu_solve(A_lu, b_lu, ref, N);
	check_close("Xgetrs solution", x, ref, N);
	check_so("cusolverDnDestroyParams", cusolverDnDestroyParams(params), CUSOLVER_STATUS_SUCCESS);
	free(h_work);
	cudaFree(d_work);
	cudaFree(d_info);
	cudaFree(d_ipiv);
	cudaFree(d_b);
	cudaFree(d_a);
}

// potrf of an SPD matrix against the CPU's Cholesky; then a matrix whose
// third leading minor is not positive definite.
static void cholesky(cusolverDnHandle_t h)
{
	// B^T B + I for a small integer B: symmetric positive definite.
	const double spd[N * N] = {6, 2, 1, 0, 2, 5, 2, 1, 1, 2, 7, 3, 0, 1, 3, 8};
	const double not_spd[N * N] = {4, 2, 0, 0, 2, 5, 3, 0, 0, 3, 1, 1, 0, 0, 1, 9};
	double *d_a, *d_work, l[N * N], ref[N * N], lo[N * N], ref_lo[N * N];
	int *d_info, lwork = 0, n = 0;

	CK(cudaMalloc((void **)&d_a, sizeof(spd)));
	CK(cudaMalloc((void **)&d_info, sizeof(int)));
	cudaMemcpy(d_a, spd, sizeof(spd), cudaMemcpyHostToDevice);
	check_so("cusolverDnDpotrf_bufferSize",
		 cusolverDnDpotrf_bufferSize(h, CUBLAS_FILL_MODE_LOWER, N, d_a, N, &lwork),
		 CUSOLVER_STATUS_SUCCESS);
	CK(cudaMalloc((void **)&d_work, sizeof(double) * (lwork > 0 ? lwork : 1)));
	check_so("cusolverDnDpotrf",
		 cusolverDnDpotrf(h, CUBLAS_FILL_MODE_LOWER, N, d_a, N, d_work, lwork, d_info),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("potrf devInfo", dev_int(d_info), 0);
	cudaMemcpy(l, d_a, sizeof(l), cudaMemcpyDeviceToHost);
	memcpy(ref, spd, sizeof(ref));
	check_i("the CPU's Cholesky succeeds", cpu_potrf(ref, N), 0);
	// Only the lower triangle is the factor.
	for (int c = 0; c < N; c++)
		for (int r = c; r < N; r++) {
			lo[n] = l[c * N + r];
			ref_lo[n++] = ref[c * N + r];
		}
	check_close("potrf factor", lo, ref_lo, n);

	cudaMemcpy(d_a, not_spd, sizeof(not_spd), cudaMemcpyHostToDevice);
	check_so("cusolverDnDpotrf (not positive definite)",
		 cusolverDnDpotrf(h, CUBLAS_FILL_MODE_LOWER, N, d_a, N, d_work, lwork, d_info),
		 CUSOLVER_STATUS_SUCCESS);
	memcpy(ref, not_spd, sizeof(ref));
	check_i("potrf devInfo of a matrix not positive definite", dev_int(d_info),
		cpu_potrf(ref, N));
	cudaFree(d_work);
	cudaFree(d_info);
	cudaFree(d_a);
}

// syevd's eigenvalues against Jacobi's.
static void eigen(cusolverDnHandle_t h)
{
	const double sym[N * N] = {4, 1, -2, 2, 1, 2, 0, 1, -2, 0, 3, -2, 2, 1, -2, -1};
	double *d_a, *d_w, *d_work, w[N], ref[N];
	int *d_info, lwork = 0;

	CK(cudaMalloc((void **)&d_a, sizeof(sym)));
	CK(cudaMalloc((void **)&d_w, sizeof(w)));
	CK(cudaMalloc((void **)&d_info, sizeof(int)));
	cudaMemcpy(d_a, sym, sizeof(sym), cudaMemcpyHostToDevice);
	check_so("cusolverDnDsyevd_bufferSize",
		 cusolverDnDsyevd_bufferSize(h, CUSOLVER_EIG_MODE_NOVECTOR, CUBLAS_FILL_MODE_LOWER,
					     N, d_a, N, d_w, &lwork),
		 CUSOLVER_STATUS_SUCCESS);
	CK(cudaMalloc((void **)&d_work, sizeof(double) * (lwork > 0 ? lwork : 1)));
	check_so("cusolverDnDsyevd",
		 cusolverDnDsyevd(h, CUSOLVER_EIG_MODE_NOVECTOR, CUBLAS_FILL_MODE_LOWER, N, d_a, N,
				  d_w, d_work, lwork, d_info),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("syevd devInfo", dev_int(d_info), 0);
	cudaMemcpy(w, d_w, sizeof(w), cudaMemcpyDeviceToHost);
	cpu_eigenvalues(sym, ref, N);
	check_close("syevd eigenvalues", w, ref, N);
	cudaFree(d_work);
	cudaFree(d_info);
	cudaFree(d_w);
	cudaFree(d_a);
}

// A 4 x 4 sparse matrix of 6 nonzeros (invertible), in CSR:
//   [1 0 2 0]
//   [0 3 0 0]
//   [4 0 5 0]
//   [0 0 0 6]
enum { NNZ = 6 };
static const int row_ptr[N + 1] = {0, 2, 3, 5, 6};
static const int col_ind[NNZ] = {0, 2, 1, 0, 2, 3};
static const double vals[NNZ] = {1, 2, 3, 4, 5, 6};

static void sparse(void)
{
	cusolverSpHandle_t sp = NULL;
	cusparseMatDescr_t descr = NULL;
	double dense[N * N] = {0}, b[N] = {1, 2, 3, 4}, x[N], ref[N];
	double *d_v, *d_b, *d_x;
	int *d_rows, *d_cols, singularity = -7;

	for (int r = 0; r < N; r++)
		for (int k = row_ptr[r]; k < row_ptr[r + 1]; k++)
			dense[col_ind[k] * N + r] = vals[k];
	cpu_solve(dense, b, ref, N);
	check_so("cusolverSpCreate", cusolverSpCreate(&sp), CUSOLVER_STATUS_SUCCESS);
	if (cusparseCreateMatDescr(&descr) == CUSPARSE_STATUS_SUCCESS) {
		g_pass++;
		printf("pass: cusparseCreateMatDescr\n");
	} else {
		g_fail++;
		printf("FAIL cusparseCreateMatDescr\n");
	}
	CK(cudaMalloc((void **)&d_v, sizeof(vals)));
	CK(cudaMalloc((void **)&d_rows, sizeof(row_ptr)));
	CK(cudaMalloc((void **)&d_cols, sizeof(col_ind)));
	CK(cudaMalloc((void **)&d_b, sizeof(b)));
	CK(cudaMalloc((void **)&d_x, sizeof(x)));
	cudaMemcpy(d_v, vals, sizeof(vals), cudaMemcpyHostToDevice);
	cudaMemcpy(d_rows, row_ptr, sizeof(row_ptr), cudaMemcpyHostToDevice);
	cudaMemcpy(d_cols, col_ind, sizeof(col_ind), cudaMemcpyHostToDevice);
	cudaMemcpy(d_b, b, sizeof(b), cudaMemcpyHostToDevice);
	check_so("cusolverSpDcsrlsvqr",
		 cusolverSpDcsrlsvqr(sp, N, NNZ, descr, d_v, d_rows, d_cols, d_b, 1e-12, 0, d_x,
				     &singularity),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("csrlsvqr singularity", singularity, -1);
	cudaMemcpy(x, d_x, sizeof(x), cudaMemcpyDeviceToHost);
	check_close("csrlsvqr solution", x, ref, N);

	memset(x, 0, sizeof(x));
	singularity = -7;
	check_so("cusolverSpDcsrlsvqrHost",
		 cusolverSpDcsrlsvqrHost(sp, N, NNZ, descr, vals, row_ptr, col_ind, b, 1e-12, 0, x,
					 &singularity),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("csrlsvqrHost singularity", singularity, -1);
	check_close("csrlsvqrHost solution", x, ref, N);

	memset(x, 0, sizeof(x));
	singularity = -7;
	check_so("cusolverSpDcsrlsvluHost",
		 cusolverSpDcsrlsvluHost(sp, N, NNZ, descr, vals, row_ptr, col_ind, b, 1e-12, 0, x,
					 &singularity),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("csrlsvluHost singularity", singularity, -1);
	check_close("csrlsvluHost solution", x, ref, N);

	cusparseDestroyMatDescr(descr);
	check_so("cusolverSpDestroy", cusolverSpDestroy(sp), CUSOLVER_STATUS_SUCCESS);
	cudaFree(d_x);
	cudaFree(d_b);
	cudaFree(d_cols);
	cudaFree(d_rows);
	cudaFree(d_v);
}

// The low-level Cholesky on the host's CPU, of a 4 x 4 SPD matrix in CSR
// (its full pattern: the library reads the lower triangle).
static void cholesky_host(void)
{
	static const int rp[N + 1] = {0, 3, 6, 9, 12};
	static const int ci[12] = {0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3};
	static const double v[12] = {5, 1, 2, 1, 6, 1, 2, 7, 3, 1, 3, 8};
	double dense[N * N] = {0}, b[N] = {1, -1, 2, 3}, x[N], ref[N];
	cusolverSpHandle_t sp = NULL;
	cusparseMatDescr_t descr = NULL;
	csrcholInfoHost_t info = NULL;
	size_t internal = 0, work = 0;
	void *buf = NULL;
	int position = -7;

	for (int r = 0; r < N; r++)
		for (int k = rp[r]; k < rp[r + 1]; k++)
			dense[ci[k] * N + r] = v[k];
	cpu_solve(dense, b, ref, N);
	check_so("cusolverSpCreate", cusolverSpCreate(&sp), CUSOLVER_STATUS_SUCCESS);
	cusparseCreateMatDescr(&descr);
	check_so("cusolverSpCreateCsrcholInfoHost", cusolverSpCreateCsrcholInfoHost(&info),
		 CUSOLVER_STATUS_SUCCESS);
	check_so("cusolverSpXcsrcholAnalysisHost",
		 cusolverSpXcsrcholAnalysisHost(sp, N, 12, descr, rp, ci, info),
		 CUSOLVER_STATUS_SUCCESS);
	check_so("cusolverSpDcsrcholBufferInfoHost",
		 cusolverSpDcsrcholBufferInfoHost(sp, N, 12, descr, v, rp, ci, info, &internal,
						  &work),
		 CUSOLVER_STATUS_SUCCESS);
	buf = malloc(work ? work : 1);
	check_so("cusolverSpDcsrcholFactorHost",
		 cusolverSpDcsrcholFactorHost(sp, N, 12, descr, v, rp, ci, info, buf),
		 CUSOLVER_STATUS_SUCCESS);
	check_so("cusolverSpDcsrcholZeroPivotHost",
		 cusolverSpDcsrcholZeroPivotHost(sp, info, 1e-12, &position),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("csrcholZeroPivotHost position", position, -1);
	check_so("cusolverSpDcsrcholSolveHost", cusolverSpDcsrcholSolveHost(sp, N, b, x, info, buf),
		 CUSOLVER_STATUS_SUCCESS);
	check_close("csrcholSolveHost solution", x, ref, N);
	check_so("cusolverSpDestroyCsrcholInfoHost", cusolverSpDestroyCsrcholInfoHost(info),
		 CUSOLVER_STATUS_SUCCESS);
	cusparseDestroyMatDescr(descr);
	check_so("cusolverSpDestroy", cusolverSpDestroy(sp), CUSOLVER_STATUS_SUCCESS);
	free(buf);
}

int main()
{
	cusolverDnHandle_t h = NULL;
	cudaStream_t stream = NULL, got = NULL;
	int v = 0;

	check_so("cusolverGetProperty", cusolverGetProperty(MAJOR_VERSION, &v),
		 CUSOLVER_STATUS_SUCCESS);
	check_i("the major version is the header's", v, CUSOLVER_VER_MAJOR);
	check_so("cusolverGetVersion", cusolverGetVersion(&v), CUSOLVER_STATUS_SUCCESS);
	check_i("the version is the header's", v, CUSOLVER_VERSION);
	check_so("cusolverDnCreate", cusolverDnCreate(&h), CUSOLVER_STATUS_SUCCESS);
	CK(cudaStreamCreate(&stream));
	check_so("cusolverDnSetStream", cusolverDnSetStream(h, stream), CUSOLVER_STATUS_SUCCESS);
	check_so("cusolverDnGetStream", cusolverDnGetStream(h, &got), CUSOLVER_STATUS_SUCCESS);
	check_i("the stream is the one set", got == stream, 1);
	lu(h);
	lu64(h);
	cholesky(h);
	eigen(h);
	CK(cudaStreamSynchronize(stream));
	check_so("cusolverDnDestroy", cusolverDnDestroy(h), CUSOLVER_STATUS_SUCCESS);
	CK(cudaStreamDestroy(stream));
	sparse();
	cholesky_host();
	printf("math_cusolver: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail != 0;
}
