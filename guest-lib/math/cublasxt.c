/* SPDX-License-Identifier: MIT */
/*
 * cuBLAS-XT (cublasXt.h) in the guest, over the remoted cuBLAS: NVIDIA's
 * own cublasXt is a host-side layer that tiles BLAS3 calls on matrices in
 * host or device memory over cuBLAS.  Here each call stages the matrices
 * that are not device memory into device buffers, makes the matching
 * cublas<T>..._64 call on one internal handle, and copies the output back.
 * The results are those of the same cuBLAS routine on the whole matrices.
 *
 * What differs from NVIDIA's, on purpose:
 *   - All the work runs on the first device cublasXtDeviceSelect named
 *     (the current device if none was): a guest sees one GPU per session.
 *   - The CPU share (cublasXtSetCpuRoutine/SetCpuRatio) is recorded and
 *     not used, and the block size and pinning mode are recorded only:
 *     none of them changes a result.
 *   - cublasXt<T>spmm, which cuBLAS lacks, unpacks the packed matrix into
 *     a full one and calls <T>symm.
 * Like NVIDIA's, every call returns when its output is in place.
 */
#include <cublasXt.h>
#include <cublas_api.h>
#include <cuda_runtime_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gvm.h"
#include "protocol.h"

struct cublasXtContext {
	cublasHandle_t h; /* on dev; made at the first call that needs it */
	int dev;	  /* -1: the current device at each call */
	int block_dim;
	cublasXtPinnedMemMode_t pinning;
};

/* What NVIDIA's reports before any cublasXtSetBlockDim. */
#define XT_DEFAULT_BLOCK_DIM 1024

GVM_EXPORT cublasStatus_t cublasXtCreate(cublasXtHandle_t *handle)
{
	struct cublasXtContext *x;

	if (!handle)
		return CUBLAS_STATUS_INVALID_VALUE;
	x = calloc(1, sizeof(*x));
	if (!x)
		return CUBLAS_STATUS_ALLOC_FAILED;
	x->dev = -1;
	x->block_dim = XT_DEFAULT_BLOCK_DIM;
	x->pinning = CUBLASXT_PINNING_DISABLED;
	*handle = x;
	return CUBLAS_STATUS_SUCCESS;
}

GVM_EXPORT cublasStatus_t cublasXtDestroy(cublasXtHandle_t handle)
{
	cublasStatus_t s = CUBLAS_STATUS_SUCCESS;

	if (!handle)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	if (handle->h)
		s = cublasDestroy_v2(handle->h);
	free(handle);
	return s;
}

static int device_count(void)
{
	int n = 0;

	return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

static int devices_valid(int n, const int *ids)
{
	int count = device_count(), i;

	if (n <= 0 || !ids)
		return 0;
	for (i = 0; i < n; i++)
		if (ids[i] < 0 || ids[i] >= count)
			return 0;
	return 1;
}

GVM_EXPORT cublasStatus_t cublasXtGetNumBoards(int nbDevices, int deviceId[], int *nbBoards)
{
	if (!nbBoards || !devices_valid(nbDevices, deviceId))
		return CUBLAS_STATUS_INVALID_VALUE;
	*nbBoards = nbDevices; /* each device a board of its own */
	return CUBLAS_STATUS_SUCCESS;
}

GVM_EXPORT cublasStatus_t cublasXtMaxBoards(int *nbGpuBoards)
{
	if (!nbGpuBoards)
		return CUBLAS_STATUS_INVALID_VALUE;
	*nbGpuBoards = device_count();
	return CUBLAS_STATUS_SUCCESS;
}

GVM_EXPORT cublasStatus_t cublasXtDeviceSelect(cublasXtHandle_t handle, int nbDevices,
					       int deviceId[])
{
	if (!handle)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	if (!devices_valid(nbDevices, deviceId))
		return CUBLAS_STATUS_INVALID_VALUE;
	if (handle->h && handle->dev != deviceId[0]) {
		cublasDestroy_v2(handle->h);
		handle->h = NULL;
	}
	handle->dev = deviceId[0];
	return CUBLAS_STATUS_SUCCESS;
}

GVM_EXPORT cublasStatus_t cublasXtSetBlockDim(cublasXtHandle_t handle, int blockDim)
{
	if (!handle)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	if (blockDim <= 0)
		return CUBLAS_STATUS_INVALID_VALUE;
	handle->block_dim = blockDim;
	return CUBLAS_STATUS_SUCCESS;
}

/* A getter's checks: a handle, then somewhere to answer. */
static cublasStatus_t getter(cublasXtHandle_t handle, const void *out)
{
	if (!handle)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	return out ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_INVALID_VALUE;
}

GVM_EXPORT cublasStatus_t cublasXtGetBlockDim(cublasXtHandle_t handle, int *blockDim)
{
	cublasStatus_t s = getter(handle, blockDim);

	if (s == CUBLAS_STATUS_SUCCESS)
		*blockDim = handle->block_dim;
	return s;
}

GVM_EXPORT cublasStatus_t cublasXtGetPinningMemMode(cublasXtHandle_t handle,
						    cublasXtPinnedMemMode_t *mode)
{
	cublasStatus_t s = getter(handle, mode);

	if (s == CUBLAS_STATUS_SUCCESS)
		*mode = handle->pinning;
	return s;
}

GVM_EXPORT cublasStatus_t cublasXtSetPinningMemMode(cublasXtHandle_t handle,
						    cublasXtPinnedMemMode_t mode)
{
	if (!handle)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	if (mode != CUBLASXT_PINNING_DISABLED && mode != CUBLASXT_PINNING_ENABLED)
		return CUBLAS_STATUS_INVALID_VALUE;
	handle->pinning = mode;
	return CUBLAS_STATUS_SUCCESS;
}

static int op_valid(cublasXtBlasOp_t op, cublasXtOpType_t type)
{
	return (unsigned int)op < CUBLASXT_ROUTINE_MAX &&
	       (unsigned int)type <= CUBLASXT_DOUBLECOMPLEX;
}

GVM_EXPORT cublasStatus_t cublasXtSetCpuRoutine(cublasXtHandle_t handle, cublasXtBlasOp_t blasOp,
						cublasXtOpType_t type, void *blasFunctor)
{
	(void)blasFunctor;
	if (!handle)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	return op_valid(blasOp, type) ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_INVALID_VALUE;
}

GVM_EXPORT cublasStatus_t cublasXtSetCpuRatio(cublasXtHandle_t handle, cublasXtBlasOp_t blasOp,
					      cublasXtOpType_t type, float ratio)
{
	if (!handle)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	if (!op_valid(blasOp, type) || !(ratio >= 0.0f && ratio <= 1.0f))
		return CUBLAS_STATUS_INVALID_VALUE;
	return CUBLAS_STATUS_SUCCESS;
}

/* One matrix operand: where the caller has it, and where the call reads it. */
struct xt_mat {
	const void *p;	   /* the caller's */
	size_t ld;	   /* the caller's leading dimension */
	size_t rows, cols; /* as the routine reads it */
	int out;	   /* written by the routine: copied back */
	void *d;	   /* what the cuBLAS call gets */
	int64_t dld;	   /* its leading dimension there */
	int staged;	   /* d is a device buffer of ours */
};

struct xt_call {
	cublasHandle_t h;
	int saved_dev; /* the caller's device, put back at the end */
};

static int on_device(const void *p)
{
	struct cudaPointerAttributes a;

	if (cudaPointerGetAttributes(&a, p) != cudaSuccess) {
		(void)cudaGetLastError();
		return 0;
	}
	return a.type == cudaMemoryTypeDevice || a.type == cudaMemoryTypeManaged;
}

/* Device memory is used in place; host memory goes to a packed device copy. */
static cublasStatus_t stage_in(struct xt_mat *m, size_t elem)
{
	size_t bytes;

	m->d = (void *)m->p;
	m->dld = (int64_t)m->ld;
	if (!m->rows || !m->cols || on_device(m->p))
		return CUBLAS_STATUS_SUCCESS;
	if (m->rows > SIZE_MAX / elem / m->cols)
		return CUBLAS_STATUS_ALLOC_FAILED;
	bytes = m->rows * m->cols * elem;
	if (cudaMalloc(&m->d, bytes) != cudaSuccess) {
		(void)cudaGetLastError();
		m->d = NULL;
		return CUBLAS_STATUS_ALLOC_FAILED;
	}
	m->staged = 1;
	m->dld = (int64_t)m->rows;
	if (cudaMemcpy2D(m->d, m->rows * elem, m->p, m->ld * elem, m->rows * elem, m->cols,
			 cudaMemcpyHostToDevice) != cudaSuccess) {
		(void)cudaGetLastError();
		return CUBLAS_STATUS_MAPPING_ERROR;
	}
	return CUBLAS_STATUS_SUCCESS;
}

/*
 * The checks cuBLAS makes on the leading dimensions (made first here, as
 * they decide what is copied), the device, the internal handle, then
 * each operand staged.
 */
static cublasStatus_t xt_begin(cublasXtHandle_t x, struct xt_call *c, struct xt_mat *m,
			       unsigned int n, size_t elem)
{
	cublasStatus_t s = CUBLAS_STATUS_SUCCESS;
	unsigned int i;

	c->saved_dev = -1;
	if (!x)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	for (i = 0; i < n; i++)
		if (m[i].ld < GVM_MAX1(m[i].rows) || m[i].ld > INT64_MAX || m[i].rows > INT64_MAX ||
		    m[i].cols > INT64_MAX)
			return CUBLAS_STATUS_INVALID_VALUE;
	if (cudaGetDevice(&c->saved_dev) != cudaSuccess)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	if (x->dev >= 0 && x->dev != c->saved_dev && cudaSetDevice(x->dev) != cudaSuccess)
		return CUBLAS_STATUS_NOT_INITIALIZED;
	if (!x->h) {
		s = cublasCreate_v2(&x->h);
		if (s != CUBLAS_STATUS_SUCCESS) {
			x->h = NULL;
			return s;
		}
		if (x->dev < 0)
			x->dev = c->saved_dev;
	}
	c->h = x->h;
	for (i = 0; i < n && s == CUBLAS_STATUS_SUCCESS; i++)
		s = stage_in(&m[i], elem);
	return s;
}

/*
 * The outputs copied back (which also waits for the call), or the device
 * synchronized when they are the caller's device memory; the status of a
 * call that went without a reply is taken then.  Buffers freed, the
 * caller's device put back.
 */
static cublasStatus_t xt_end(struct xt_call *c, struct xt_mat *m, unsigned int n, size_t elem,
			     cublasStatus_t s)
{
	int32_t deferred;
	uint32_t failed_op;
	unsigned int i;
	int waited = 0;

	for (i = 0; i < n && s == CUBLAS_STATUS_SUCCESS; i++) {
		if (!m[i].out || !m[i].staged)
			continue;
		if (cudaMemcpy2D((void *)m[i].p, m[i].ld * elem, m[i].d, m[i].rows * elem,
				 m[i].rows * elem, m[i].cols,
				 cudaMemcpyDeviceToHost) != cudaSuccess) {
			(void)cudaGetLastError();
			s = CUBLAS_STATUS_EXECUTION_FAILED;
		}
		waited = 1;
	}
	if (s == CUBLAS_STATUS_SUCCESS && !waited && cudaDeviceSynchronize() != cudaSuccess) {
		(void)cudaGetLastError();
		s = CUBLAS_STATUS_EXECUTION_FAILED;
	}
	if (gv_lib_deferred_take(GV_OPS_CUBLAS, &deferred, &failed_op) &&
	    s == CUBLAS_STATUS_SUCCESS)
		s = (cublasStatus_t)deferred;
	for (i = 0; i < n; i++)
		if (m[i].staged)
			cudaFree(m[i].d);
	if (c->saved_dev >= 0)
		cudaSetDevice(c->saved_dev);
	return s;
}

#define IS_N(t)	       ((t) == CUBLAS_OP_N)
#define SIDE_DIM(side) ((side) == CUBLAS_SIDE_LEFT ? m : n)
#define M(i)	       m_[i].d, m_[i].dld
#define XT(T, list, call)                                                                          \
	struct xt_mat m_[] = list;                                                                 \
	const unsigned int n_ = sizeof(m_) / sizeof(m_[0]);                                        \
	struct xt_call c_;                                                                         \
	cublasStatus_t s_ = xt_begin(handle, &c_, m_, n_, sizeof(T));                              \
	if (s_ == CUBLAS_STATUS_SUCCESS)                                                           \
		s_ = call;                                                                         \
	return xt_end(&c_, m_, n_, sizeof(T), s_)
#define IN(p, ld, r, c)                                                                            \
	{                                                                                          \
		p, ld, r, c, 0, NULL, 0, 0                                                         \
	}
#define OUT(p, ld, r, c)                                                                           \
	{                                                                                          \
		p, ld, r, c, 1, NULL, 0, 0                                                         \
	}
#define LIST(...)                                                                                  \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}

#define GEMM(X, T)                                                                                 \
	GVM_EXPORT cublasStatus_t cublasXt##X##gemm(                                               \
	    cublasXtHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, size_t m, \
	    size_t n, size_t k, const T *alpha, const T *A, size_t lda, const T *B, size_t ldb,    \
	    const T *beta, T *C, size_t ldc)                                                       \
	{                                                                                          \
		XT(T,                                                                              \
		   LIST(IN(A, lda, IS_N(transa) ? m : k, IS_N(transa) ? k : m),                    \
			IN(B, ldb, IS_N(transb) ? k : n, IS_N(transb) ? n : k),                    \
			OUT(C, ldc, m, n)),                                                        \
		   cublas##X##gemm_v2_64(c_.h, transa, transb, (int64_t)m, (int64_t)n, (int64_t)k, \
					 alpha, M(0), M(1), beta, M(2)));                          \
	}

/* syrk and herk (A is n by k, or k by n transposed); S is the scalars' type. */
#define RANKK(X, name, v2, T, S)                                                                   \
	GVM_EXPORT cublasStatus_t cublasXt##X##name(                                               \
	    cublasXtHandle_t handle, cublasFillMode_t uplo, cublasOperation_t trans, size_t n,     \
	    size_t k, const S *alpha, const T *A, size_t lda, const S *beta, T *C, size_t ldc)     \
	{                                                                                          \
		XT(T,                                                                              \
		   LIST(IN(A, lda, IS_N(trans) ? n : k, IS_N(trans) ? k : n), OUT(C, ldc, n, n)),  \
		   cublas##X##name##v2##_64(c_.h, uplo, trans, (int64_t)n, (int64_t)k, alpha,      \
					    M(0), beta, M(1)));                                    \
	}

/* syr2k, her2k, syrkx, herkx: A and B alike; beta of type S. */
#define RANK2K(X, name, v2, T, S)                                                                  \
	GVM_EXPORT cublasStatus_t cublasXt##X##name(                                               \
	    cublasXtHandle_t handle, cublasFillMode_t uplo, cublasOperation_t trans, size_t n,     \
	    size_t k, const T *alpha, const T *A, size_t lda, const T *B, size_t ldb,              \
	    const S *beta, T *C, size_t ldc)                                                       \
	{                                                                                          \
		XT(T,                                                                              \
		   LIST(IN(A, lda, IS_N(trans) ? n : k, IS_N(trans) ? k : n),                      \
			IN(B, ldb, IS_N(trans) ? n : k, IS_N(trans) ? k : n), OUT(C, ldc, n, n)),  \
		   cublas##X##name##v2##_64(c_.h, uplo, trans, (int64_t)n, (int64_t)k, alpha,      \
					    M(0), M(1), beta, M(2)));                              \
	}

/* symm and hemm: A is square on the given side. */
#define SYMM(X, name, T)                                                                           \
	GVM_EXPORT cublasStatus_t cublasXt##X##name(                                               \
	    cublasXtHandle_t handle, cublasSideMode_t side, cublasFillMode_t uplo, size_t m,       \
	    size_t n, const T *alpha, const T *A, size_t lda, const T *B, size_t ldb,              \
	    const T *beta, T *C, size_t ldc)                                                       \
	{                                                                                          \
		XT(T,                                                                              \
		   LIST(IN(A, lda, SIDE_DIM(side), SIDE_DIM(side)), IN(B, ldb, m, n),              \
			OUT(C, ldc, m, n)),                                                        \
		   cublas##X##name##_v2_64(c_.h, side, uplo, (int64_t)m, (int64_t)n, alpha, M(0),  \
					   M(1), beta, M(2)));                                     \
	}

#define TRSM(X, T)                                                                                 \
	GVM_EXPORT cublasStatus_t cublasXt##X##trsm(                                               \
	    cublasXtHandle_t handle, cublasSideMode_t side, cublasFillMode_t uplo,                 \
	    cublasOperation_t trans, cublasDiagType_t diag, size_t m, size_t n, const T *alpha,    \
	    const T *A, size_t lda, T *B, size_t ldb)                                              \
	{                                                                                          \
		XT(T, LIST(IN(A, lda, SIDE_DIM(side), SIDE_DIM(side)), OUT(B, ldb, m, n)),         \
		   cublas##X##trsm_v2_64(c_.h, side, uplo, trans, diag, (int64_t)m, (int64_t)n,    \
					 alpha, M(0), M(1)));                                      \
	}

#define TRMM(X, T)                                                                                 \
	GVM_EXPORT cublasStatus_t cublasXt##X##trmm(                                               \
	    cublasXtHandle_t handle, cublasSideMode_t side, cublasFillMode_t uplo,                 \
	    cublasOperation_t trans, cublasDiagType_t diag, size_t m, size_t n, const T *alpha,    \
	    const T *A, size_t lda, const T *B, size_t ldb, T *C, size_t ldc)                      \
	{                                                                                          \
		XT(T,                                                                              \
		   LIST(IN(A, lda, SIDE_DIM(side), SIDE_DIM(side)), IN(B, ldb, m, n),              \
			OUT(C, ldc, m, n)),                                                        \
		   cublas##X##trmm_v2_64(c_.h, side, uplo, trans, diag, (int64_t)m, (int64_t)n,    \
					 alpha, M(0), M(1), M(2)));                                \
	}

/*
 * A packed symmetric matrix of order d (column-major, the uplo triangle)
 * as a full one with that triangle filled, in host memory; the caller's
 * copy may be host or device memory.
 */
static void *unpack(const void *ap, size_t d, cublasFillMode_t uplo, size_t elem)
{
	size_t np, i, j, at = 0;
	unsigned char *packed, *full;

	if (d > 65536 || d * d > SIZE_MAX / elem)
		return NULL;
	np = d * (d + 1) / 2;
	packed = malloc(np * elem);
	full = calloc(d * d, elem);
	if (!packed || !full ||
	    cudaMemcpy(packed, ap, np * elem, cudaMemcpyDefault) != cudaSuccess) {
		(void)cudaGetLastError();
		free(packed);
		free(full);
		return NULL;
	}
	for (j = 0; j < d; j++) {
		size_t from = uplo == CUBLAS_FILL_MODE_LOWER ? j : 0;
		size_t to = uplo == CUBLAS_FILL_MODE_LOWER ? d : j + 1;

		for (i = from; i < to; i++, at++)
			memcpy(full + (j * d + i) * elem, packed + at * elem, elem);
	}
	free(packed);
	return full;
}

#define SPMM(X, T)                                                                                 \
	GVM_EXPORT cublasStatus_t cublasXt##X##spmm(                                               \
	    cublasXtHandle_t handle, cublasSideMode_t side, cublasFillMode_t uplo, size_t m,       \
	    size_t n, const T *alpha, const T *AP, const T *B, size_t ldb, const T *beta, T *C,    \
	    size_t ldc)                                                                            \
	{                                                                                          \
		size_t d = SIDE_DIM(side);                                                         \
		void *A = NULL;                                                                    \
		cublasStatus_t s;                                                                  \
                                                                                                   \
		if (!handle)                                                                       \
			return CUBLAS_STATUS_NOT_INITIALIZED;                                      \
		if (uplo != CUBLAS_FILL_MODE_LOWER && uplo != CUBLAS_FILL_MODE_UPPER)              \
			return CUBLAS_STATUS_INVALID_VALUE;                                        \
		if (d && m && n && !(A = unpack(AP, d, uplo, sizeof(T))))                          \
			return CUBLAS_STATUS_ALLOC_FAILED;                                         \
		s = cublasXt##X##symm(handle, side, uplo, m, n, alpha, A, GVM_MAX1(d), B, ldb,     \
				      beta, C, ldc);                                               \
		free(A);                                                                           \
		return s;                                                                          \
	}

#define ALL4(F, ...) F(S, float) F(D, double) F(C, cuComplex) F(Z, cuDoubleComplex)
ALL4(GEMM)
ALL4(TRSM)
ALL4(TRMM)
SYMM(S, symm, float)
SYMM(D, symm, double)
SYMM(C, symm, cuComplex)
SYMM(Z, symm, cuDoubleComplex)
SYMM(C, hemm, cuComplex)
SYMM(Z, hemm, cuDoubleComplex)
RANKK(S, syrk, _v2, float, float)
RANKK(D, syrk, _v2, double, double)
RANKK(C, syrk, _v2, cuComplex, cuComplex)
RANKK(Z, syrk, _v2, cuDoubleComplex, cuDoubleComplex)
RANKK(C, herk, _v2, cuComplex, float)
RANKK(Z, herk, _v2, cuDoubleComplex, double)
RANK2K(S, syr2k, _v2, float, float)
RANK2K(D, syr2k, _v2, double, double)
RANK2K(C, syr2k, _v2, cuComplex, cuComplex)
RANK2K(Z, syr2k, _v2, cuDoubleComplex, cuDoubleComplex)
RANK2K(C, her2k, _v2, cuComplex, float)
RANK2K(Z, her2k, _v2, cuDoubleComplex, double)
RANK2K(S, syrkx, , float, float)
RANK2K(D, syrkx, , double, double)
RANK2K(C, syrkx, , cuComplex, cuComplex)
RANK2K(Z, syrkx, , cuDoubleComplex, cuDoubleComplex)
RANK2K(C, herkx, , cuComplex, float)
RANK2K(Z, herkx, , cuDoubleComplex, double)
ALL4(SPMM)
