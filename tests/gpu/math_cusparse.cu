// SPDX-License-Identifier: MIT
// math_cusparse.cu: cuSPARSE of an unmodified nvcc program, checked against
// results computed here.  Covers the version and status names, the generic
// API (CSR and dense descriptors, SpMV's buffer size and product with alpha
// and beta in host memory, then in device memory under
// CUSPARSE_POINTER_MODE_DEVICE), the format conversion cusparseCsr2cscEx2
// with its buffer, the legacy matrix descriptor and cusparseXcsr2coo, a
// refused descriptor (negative rows), and a descriptor left for the end of
// the process to destroy.
//
// The matrices hold small integers, so every product is exact in float and
// double and is compared with ==.  Only ok / FAIL lines are printed, never
// a computed value on success, so the output is identical on any correct
// implementation; the last line is "math_cusparse: N passed, M failed",
// exit status 0 iff M == 0.
// Build: nvcc -arch=sm_90 --cudart=shared -O2 -o math_cusparse math_cusparse.cu -lcusparse
#include <cstdio>
#include <cstring>
#include <cuda_runtime.h>
#include <cusparse.h>

#include "check.cuh"

static void check_sp(const char *what, cusparseStatus_t got, cusparseStatus_t exp)
{
	if (got == exp) {
		g_pass++;
		printf("pass: %s: %s\n", what, cusparseGetErrorName(got));
	} else {
		g_fail++;
		printf("FAIL %s: got %s (%d) expected %s\n", what, cusparseGetErrorName(got),
		       (int)got, cusparseGetErrorName(exp));
	}
}

// A 4 x 4 matrix of 6 nonzeros, in CSR:
//   [1 0 2 0]
//   [0 3 0 0]
//   [4 0 5 0]
//   [0 0 0 6]
enum { N = 4, NNZ = 6 };
static const int row_ptr[N + 1] = {0, 2, 3, 5, 6};
static const int col_ind[NNZ] = {0, 2, 1, 0, 2, 3};
static const double vals[NNZ] = {1, 2, 3, 4, 5, 6};

// y = alpha * A x + beta * y, here.
static void spmv_ref(double alpha, const double *x, double beta, double *y)
{
	for (int r = 0; r < N; r++) {
		double s = 0;
		for (int k = row_ptr[r]; k < row_ptr[r + 1]; k++)
			s += vals[k] * x[col_ind[k]];
		y[r] = alpha * s + beta * y[r];
	}
}

// SpMV in float with host scalars, then in double with device scalars.
static void spmv(cusparseHandle_t h, int *d_rows, int *d_cols)
{
	float fv[NNZ], fx[N] = {1, 2, 3, 4}, fy[N] = {1, 1, 1, 1}, back[N];
	double x[N] = {1, 2, 3, 4}, y[N] = {1, 1, 1, 1}, dback[N], ref[N];
	float *d_fv, *d_fx, *d_fy;
	double *d_v, *d_x, *d_y, *d_scalars, scalars[2] = {-1, 3};
	float alpha = 2, beta = 3;
	cusparseSpMatDescr_t a = NULL, ad = NULL;
	cusparseDnVecDescr_t vx = NULL, vy = NULL, dx = NULL, dy = NULL;
	size_t size = 0;
	void *buf = NULL;
	int ok = 1;

	for (int i = 0; i < NNZ; i++)
		fv[i] = (float)vals[i];
	CK(cudaMalloc((void **)&d_fv, sizeof(fv)));
	CK(cudaMalloc((void **)&d_fx, sizeof(fx)));
	CK(cudaMalloc((void **)&d_fy, sizeof(fy)));
	cudaMemcpy(d_fv, fv, sizeof(fv), cudaMemcpyHostToDevice);
	cudaMemcpy(d_fx, fx, sizeof(fx), cudaMemcpyHostToDevice);
	cudaMemcpy(d_fy, fy, sizeof(fy), cudaMemcpyHostToDevice);
	check_sp("cusparseCreateCsr (float)",
		 cusparseCreateCsr(&a, N, N, NNZ, d_rows, d_cols, d_fv, CUSPARSE_INDEX_32I,
				   CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F),
		 CUSPARSE_STATUS_SUCCESS);
	check_sp("cusparseCreateDnVec x", cusparseCreateDnVec(&vx, N, d_fx, CUDA_R_32F),
		 CUSPARSE_STATUS_SUCCESS);
	check_sp("cusparseCreateDnVec y", cusparseCreateDnVec(&vy, N, d_fy, CUDA_R_32F),
		 CUSPARSE_STATUS_SUCCESS);
	check_sp("cusparseSpMV_bufferSize",
		 cusparseSpMV_bufferSize(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, a, vx, &beta,
					 vy, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, &size),
		 CUSPARSE_STATUS_SUCCESS);
	if (size)
		CK(cudaMalloc(&buf, size));
	check_sp("cusparseSpMV (float, host scalars)",
		 cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, a, vx, &beta, vy,
			      CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, buf),
		 CUSPARSE_STATUS_SUCCESS);
	CK(cudaMemcpy(back, d_fy, sizeof(back), cudaMemcpyDeviceToHost));
	memcpy(ref, y, sizeof(ref));
	spmv_ref(alpha, x, beta, ref);
	for (int i = 0; i < N; i++)
		ok &= back[i] == (float)ref[i];
	check_i("SpMV (float) = 2 A x + 3 y", ok, 1);

	// Device scalars: the same product in double, alpha -1 and beta 3.
	CK(cudaMalloc((void **)&d_v, sizeof(vals)));
	CK(cudaMalloc((void **)&d_x, sizeof(x)));
	CK(cudaMalloc((void **)&d_y, sizeof(y)));
	CK(cudaMalloc((void **)&d_scalars, sizeof(scalars)));
	cudaMemcpy(d_v, vals, sizeof(vals), cudaMemcpyHostToDevice);
	cudaMemcpy(d_x, x, sizeof(x), cudaMemcpyHostToDevice);
	cudaMemcpy(d_y, y, sizeof(y), cudaMemcpyHostToDevice);
	cudaMemcpy(d_scalars, scalars, sizeof(scalars), cudaMemcpyHostToDevice);
	cusparseCreateCsr(&ad, N, N, NNZ, d_rows, d_cols, d_v, CUSPARSE_INDEX_32I,
			  CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_64F);
	cusparseCreateDnVec(&dx, N, d_x, CUDA_R_64F);
	cusparseCreateDnVec(&dy, N, d_y, CUDA_R_64F);
	check_sp("cusparseSetPointerMode device",
		 cusparseSetPointerMode(h, CUSPARSE_POINTER_MODE_DEVICE), CUSPARSE_STATUS_SUCCESS);
	cusparsePointerMode_t mode = CUSPARSE_POINTER_MODE_HOST;
	check_sp("cusparseGetPointerMode", cusparseGetPointerMode(h, &mode),
		 CUSPARSE_STATUS_SUCCESS);
	check_i("the mode is the device's", mode, CUSPARSE_POINTER_MODE_DEVICE);
	size = 0;
	cusparseSpMV_bufferSize(h, CUSPARSE_OPERATION_NON_TRANSPOSE, d_scalars, ad, dx,
				d_scalars + 1, dy, CUDA_R_64F, CUSPARSE_SPMV_ALG_DEFAULT, &size);
	cudaFree(buf);
	buf = NULL;
	if (size)
		CK(cudaMalloc(&buf, size));
	check_sp("cusparseSpMV (double, device scalars)",
		 cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, d_scalars, ad, dx, d_scalars + 1,
			      dy, CUDA_R_64F, CUSPARSE_SPMV_ALG_DEFAULT, buf),
		 CUSPARSE_STATUS_SUCCESS);
	CK(cudaMemcpy(dback, d_y, sizeof(dback), cudaMemcpyDeviceToHost));
	memcpy(ref, y, sizeof(ref));
	spmv_ref(scalars[0], x, scalars[1], ref);
	ok = 1;
	for (int i = 0; i < N; i++)
		ok &= dback[i] == ref[i];
	check_i("SpMV (double) = -A x + 3 y", ok, 1);
	cusparseSetPointerMode(h, CUSPARSE_POINTER_MODE_HOST);

	check_sp("cusparseDestroySpMat", cusparseDestroySpMat(a), CUSPARSE_STATUS_SUCCESS);
	check_sp("cusparseDestroyDnVec", cusparseDestroyDnVec(vx), CUSPARSE_STATUS_SUCCESS);
	cusparseDestroyDnVec(vy);
	cusparseDestroySpMat(ad);
	cusparseDestroyDnVec(dx);
	// dy is left for the end of the process.
	cudaFree(buf);
	cudaFree(d_fv);
	cudaFree(d_fx);
	cudaFree(d_fy);
	cudaFree(d_v);
	cudaFree(d_x);
	cudaFree(d_y);
	cudaFree(d_scalars);
}

// The transpose by cusparseCsr2cscEx2, and row indices by cusparseXcsr2coo.
static void conversions(cusparseHandle_t h, int *d_rows, int *d_cols)
{
	double *d_v, *d_csc_v, csc_v[NNZ];
	int *d_csc_ptr, *d_csc_ind, *d_coo, csc_ptr[N + 1], csc_ind[NNZ], coo[NNZ];
	size_t size = 0;
	void *buf = NULL;
	cusparseMatDescr_t descr = NULL;
	int ok = 1;

	CK(cudaMalloc((void **)&d_v, sizeof(vals)));
	CK(cudaMalloc((void **)&d_csc_v, sizeof(csc_v)));
	CK(cudaMalloc((void **)&d_csc_ptr, sizeof(csc_ptr)));
	CK(cudaMalloc((void **)&d_csc_ind, sizeof(csc_ind)));
	CK(cudaMalloc((void **)&d_coo, sizeof(coo)));
	cudaMemcpy(d_v, vals, sizeof(vals), cudaMemcpyHostToDevice);
	check_sp("cusparseCsr2cscEx2_bufferSize",
		 cusparseCsr2cscEx2_bufferSize(h, N, N, NNZ, d_v, d_rows, d_cols, d_csc_v,
					       d_csc_ptr, d_csc_ind, CUDA_R_64F,
					       CUSPARSE_ACTION_NUMERIC, CUSPARSE_INDEX_BASE_ZERO,
					       CUSPARSE_CSR2CSC_ALG1, &size),
		 CUSPARSE_STATUS_SUCCESS);
	if (size)
		CK(cudaMalloc(&buf, size));
	check_sp("cusparseCsr2cscEx2",
		 cusparseCsr2cscEx2(h, N, N, NNZ, d_v, d_rows, d_cols, d_csc_v, d_csc_ptr,
				    d_csc_ind, CUDA_R_64F, CUSPARSE_ACTION_NUMERIC,
				    CUSPARSE_INDEX_BASE_ZERO, CUSPARSE_CSR2CSC_ALG1, buf),
		 CUSPARSE_STATUS_SUCCESS);
	cudaMemcpy(csc_ptr, d_csc_ptr, sizeof(csc_ptr), cudaMemcpyDeviceToHost);
	cudaMemcpy(csc_ind, d_csc_ind, sizeof(csc_ind), cudaMemcpyDeviceToHost);
	CK(cudaMemcpy(csc_v, d_csc_v, sizeof(csc_v), cudaMemcpyDeviceToHost));
	// Column by column: (0: rows 0, 2) (1: row 1) (2: rows 0, 2) (3: row 3).
	static const int exp_ptr[N + 1] = {0, 2, 3, 5, 6}, exp_ind[NNZ] = {0, 2, 1, 0, 2, 3};
	static const double exp_v[NNZ] = {1, 4, 3, 2, 5, 6};
	for (int i = 0; i <= N; i++)
		ok &= csc_ptr[i] == exp_ptr[i];
	for (int i = 0; i < NNZ; i++)
		ok &= csc_ind[i] == exp_ind[i] && csc_v[i] == exp_v[i];
	check_i("the CSC form is the transpose's CSR", ok, 1);

	check_sp("cusparseCreateMatDescr", cusparseCreateMatDescr(&descr), CUSPARSE_STATUS_SUCCESS);
	check_sp("cusparseSetMatIndexBase",
		 cusparseSetMatIndexBase(descr, CUSPARSE_INDEX_BASE_ZERO), CUSPARSE_STATUS_SUCCESS);
	check_sp("cusparseXcsr2coo",
		 cusparseXcsr2coo(h, d_rows, NNZ, N, d_coo, CUSPARSE_INDEX_BASE_ZERO),
		 CUSPARSE_STATUS_SUCCESS);
	CK(cudaMemcpy(coo, d_coo, sizeof(coo), cudaMemcpyDeviceToHost));
	static const int exp_coo[NNZ] = {0, 0, 1, 2, 2, 3};
	ok = 1;
	for (int i = 0; i < NNZ; i++)
		ok &= coo[i] == exp_coo[i];
	check_i("the COO rows of the CSR matrix", ok, 1);
	check_sp("cusparseDestroyMatDescr", cusparseDestroyMatDescr(descr),
		 CUSPARSE_STATUS_SUCCESS);
	cudaFree(buf);
	cudaFree(d_v);
	cudaFree(d_csc_v);
	cudaFree(d_csc_ptr);
	cudaFree(d_csc_ind);
	cudaFree(d_coo);
}

int main()
{
	cusparseHandle_t h = NULL;
	cusparseSpMatDescr_t bad = NULL;
	int v = 0, *d_rows, *d_cols;

	check_sp("cusparseGetProperty", cusparseGetProperty(MAJOR_VERSION, &v),
		 CUSPARSE_STATUS_SUCCESS);
	check_i("the major version is the header's", v, CUSPARSE_VER_MAJOR);
	printf("pass: cusparseGetErrorString: %s\n",
	       cusparseGetErrorString(CUSPARSE_STATUS_ZERO_PIVOT));
	g_pass++;
	check_sp("cusparseCreate", cusparseCreate(&h), CUSPARSE_STATUS_SUCCESS);
	check_sp("cusparseGetVersion", cusparseGetVersion(h, &v), CUSPARSE_STATUS_SUCCESS);
	check_i("the version is the header's", v, CUSPARSE_VERSION);
	CK(cudaMalloc((void **)&d_rows, sizeof(row_ptr)));
	CK(cudaMalloc((void **)&d_cols, sizeof(col_ind)));
	cudaMemcpy(d_rows, row_ptr, sizeof(row_ptr), cudaMemcpyHostToDevice);
	cudaMemcpy(d_cols, col_ind, sizeof(col_ind), cudaMemcpyHostToDevice);
	spmv(h, d_rows, d_cols);
	conversions(h, d_rows, d_cols);
	check_sp("cusparseCreateCsr of -1 rows",
		 cusparseCreateCsr(&bad, -1, N, NNZ, d_rows, d_cols, d_cols, CUSPARSE_INDEX_32I,
				   CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F),
		 CUSPARSE_STATUS_INVALID_VALUE);
	check_sp("cusparseDestroy", cusparseDestroy(h), CUSPARSE_STATUS_SUCCESS);
	cudaFree(d_rows);
	cudaFree(d_cols);
	printf("math_cusparse: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail != 0;
}
