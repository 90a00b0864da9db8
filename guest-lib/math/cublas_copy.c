/* SPDX-License-Identifier: MIT */
/*
 * cublas{Set,Get}{Vector,Matrix}[Async][_64]: strided copies between host
 * and device memory, which are 2D copies of the runtime (our
 * libcudart.so.13, so the session's own data path carries them).  Each
 * element, or each column, is one row of the 2D copy.
 */
#include <cublas_api.h>
#include <cuda_runtime_api.h>
#include <stdint.h>

#include "gvm.h"

/* The checks the library makes, then the copy; a failed copy is a
 * mapping error, as natively. */
static cublasStatus_t copy2d(void *dst, int64_t dld, const void *src, int64_t sld, int64_t rows,
			     int64_t cols, int64_t elem, enum cudaMemcpyKind kind, int async,
			     cudaStream_t stream)
{
	cudaError_t e;

	if (rows < 0 || cols < 0 || elem <= 0 || sld <= 0 || dld <= 0)
		return CUBLAS_STATUS_INVALID_VALUE;
	if (rows == 0 || cols == 0)
		return CUBLAS_STATUS_SUCCESS;
	if ((uint64_t)rows > SIZE_MAX / (uint64_t)elem ||
	    (uint64_t)sld > SIZE_MAX / (uint64_t)elem || (uint64_t)dld > SIZE_MAX / (uint64_t)elem)
		return CUBLAS_STATUS_INVALID_VALUE;
	if (async)
		e = cudaMemcpy2DAsync(dst, (size_t)(dld * elem), src, (size_t)(sld * elem),
				      (size_t)(rows * elem), (size_t)cols, kind, stream);
	else
		e = cudaMemcpy2D(dst, (size_t)(dld * elem), src, (size_t)(sld * elem),
				 (size_t)(rows * elem), (size_t)cols, kind);
	return e == cudaSuccess ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_MAPPING_ERROR;
}

/* A vector of n elements at stride inc is n rows of one element. */
static cublasStatus_t vector(int64_t n, int64_t elem, const void *src, int64_t incs, void *dst,
			     int64_t incd, enum cudaMemcpyKind kind, int async, cudaStream_t stream)
{
	if (n < 0 || elem <= 0 || incs <= 0 || incd <= 0)
		return CUBLAS_STATUS_INVALID_VALUE;
	return copy2d(dst, incd, src, incs, 1, n, elem, kind, async, stream);
}

/* A matrix's leading dimensions are at least its rows. */
static cublasStatus_t matrix(int64_t rows, int64_t cols, int64_t elem, const void *src, int64_t lds,
			     void *dst, int64_t ldd, enum cudaMemcpyKind kind, int async,
			     cudaStream_t stream)
{
	int64_t least = rows > 1 ? rows : 1;

	if (rows < 0 || cols < 0 || elem <= 0 || lds < least || ldd < least)
		return CUBLAS_STATUS_INVALID_VALUE;
	return copy2d(dst, ldd, src, lds, rows, cols, elem, kind, async, stream);
}

#define H2D cudaMemcpyHostToDevice
#define D2H cudaMemcpyDeviceToHost

GVM_EXPORT cublasStatus_t cublasSetVector(int n, int elemSize, const void *x, int incx, void *y,
					  int incy)
{
	return vector(n, elemSize, x, incx, y, incy, H2D, 0, NULL);
}

GVM_EXPORT cublasStatus_t cublasSetVector_64(int64_t n, int64_t elemSize, const void *x,
					     int64_t incx, void *y, int64_t incy)
{
	return vector(n, elemSize, x, incx, y, incy, H2D, 0, NULL);
}

GVM_EXPORT cublasStatus_t cublasGetVector(int n, int elemSize, const void *x, int incx, void *y,
					  int incy)
{
	return vector(n, elemSize, x, incx, y, incy, D2H, 0, NULL);
}

GVM_EXPORT cublasStatus_t cublasGetVector_64(int64_t n, int64_t elemSize, const void *x,
					     int64_t incx, void *y, int64_t incy)
{
	return vector(n, elemSize, x, incx, y, incy, D2H, 0, NULL);
}

GVM_EXPORT cublasStatus_t cublasSetVectorAsync(int n, int elemSize, const void *x, int incx,
					       void *y, int incy, cudaStream_t stream)
{
	return vector(n, elemSize, x, incx, y, incy, H2D, 1, stream);
}

GVM_EXPORT cublasStatus_t cublasSetVectorAsync_64(int64_t n, int64_t elemSize, const void *x,
						  int64_t incx, void *y, int64_t incy,
						  cudaStream_t stream)
{
	return vector(n, elemSize, x, incx, y, incy, H2D, 1, stream);
}

GVM_EXPORT cublasStatus_t cublasGetVectorAsync(int n, int elemSize, const void *x, int incx,
					       void *y, int incy, cudaStream_t stream)
{
	return vector(n, elemSize, x, incx, y, incy, D2H, 1, stream);
}

GVM_EXPORT cublasStatus_t cublasGetVectorAsync_64(int64_t n, int64_t elemSize, const void *x,
						  int64_t incx, void *y, int64_t incy,
						  cudaStream_t stream)
{
	return vector(n, elemSize, x, incx, y, incy, D2H, 1, stream);
}

GVM_EXPORT cublasStatus_t cublasSetMatrix(int rows, int cols, int elemSize, const void *A, int lda,
					  void *B, int ldb)
{
	return matrix(rows, cols, elemSize, A, lda, B, ldb, H2D, 0, NULL);
}

GVM_EXPORT cublasStatus_t cublasSetMatrix_64(int64_t rows, int64_t cols, int64_t elemSize,
					     const void *A, int64_t lda, void *B, int64_t ldb)
{
	return matrix(rows, cols, elemSize, A, lda, B, ldb, H2D, 0, NULL);
}

GVM_EXPORT cublasStatus_t cublasGetMatrix(int rows, int cols, int elemSize, const void *A, int lda,
					  void *B, int ldb)
{
	return matrix(rows, cols, elemSize, A, lda, B, ldb, D2H, 0, NULL);
}

GVM_EXPORT cublasStatus_t cublasGetMatrix_64(int64_t rows, int64_t cols, int64_t elemSize,
					     const void *A, int64_t lda, void *B, int64_t ldb)
{
	return matrix(rows, cols, elemSize, A, lda, B, ldb, D2H, 0, NULL);
}

GVM_EXPORT cublasStatus_t cublasSetMatrixAsync(int rows, int cols, int elemSize, const void *A,
					       int lda, void *B, int ldb, cudaStream_t stream)
{
	return matrix(rows, cols, elemSize, A, lda, B, ldb, H2D, 1, stream);
}

GVM_EXPORT cublasStatus_t cublasSetMatrixAsync_64(int64_t rows, int64_t cols, int64_t elemSize,
						  const void *A, int64_t lda, void *B, int64_t ldb,
						  cudaStream_t stream)
{
	return matrix(rows, cols, elemSize, A, lda, B, ldb, H2D, 1, stream);
}

GVM_EXPORT cublasStatus_t cublasGetMatrixAsync(int rows, int cols, int elemSize, const void *A,
					       int lda, void *B, int ldb, cudaStream_t stream)
{
	return matrix(rows, cols, elemSize, A, lda, B, ldb, D2H, 1, stream);
}

GVM_EXPORT cublasStatus_t cublasGetMatrixAsync_64(int64_t rows, int64_t cols, int64_t elemSize,
						  const void *A, int64_t lda, void *B, int64_t ldb,
						  cudaStream_t stream)
{
	return matrix(rows, cols, elemSize, A, lda, B, ldb, D2H, 1, stream);
}
