// SPDX-License-Identifier: MIT
/*
 * The math shims against a host without the libraries' GPU work: the CPU
 * double (whose executor has no cuBLAS, cuFFT, cuRAND, cuSPARSE, cuSOLVER or cuDNN), or an endpoint
 * whose "plugins" leave them out.  What answers in the guest answers, the
 * strided cuBLAS copies move real data through the runtime, and every
 * remoted call fails with its library's own not-supported status.
 *
 *   gvtest_math              on the CPU double
 *   gvtest_math unserved     on an endpoint serving only "cudart"
 */
#include <cublasLt.h>
#include <cublasXt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cufft.h>
#include <curand.h>
#include <cusolverDn.h>
#include <cusolverSp.h>
#include <cusparse.h>
#include <string.h>

#include "check.h"
/* cuDNN's declarations as gvgen derived them: no cudnn.h where CI builds. */
#include "gen/cudnn_decls.h"

/* cuSPARSE's version, properties and status names answer in the guest;
 * its objects are the host's, and a host without it says not supported. */
static void sparse(void)
{
	cusparseHandle_t sp = NULL;
	cusparseMatDescr_t descr = NULL;
	int v = 0;

	CHECK(cusparseGetVersion(NULL, &v) == CUSPARSE_STATUS_SUCCESS && v == CUSPARSE_VERSION,
	      "cusparseGetVersion %d", v);
	CHECK(cusparseGetProperty(MAJOR_VERSION, &v) == CUSPARSE_STATUS_SUCCESS &&
		  v == CUSPARSE_VER_MAJOR,
	      "cusparseGetProperty MAJOR_VERSION %d", v);
	CHECK(!strcmp(cusparseGetErrorName(CUSPARSE_STATUS_INVALID_VALUE),
		      "CUSPARSE_STATUS_INVALID_VALUE"),
	      "cusparseGetErrorName");
	CHECK(!strcmp(cusparseGetErrorString(CUSPARSE_STATUS_SUCCESS), "success"),
	      "cusparseGetErrorString");
	CHECK(cusparseCreate(&sp) == CUSPARSE_STATUS_NOT_SUPPORTED, "cusparseCreate");
	CHECK(cusparseCreateMatDescr(&descr) == CUSPARSE_STATUS_NOT_SUPPORTED,
	      "cusparseCreateMatDescr");
}

/* cuDNN's version, properties, status strings and a handle's stream answer
 * in the guest; its objects, the backend API's included, are the host's,
 * and a host without it says not supported, the attributes too. */
static void dnn(void)
{
	cudnnHandle_t h = NULL;
	cudnnTensorDescriptor_t t = NULL;
	cudnnBackendDescriptor_t d = NULL;
	int64_t dims[4] = {1, 2, 3, 4}, n = 0;
	int v = 0;

	CHECK(cudnnGetVersion() == CUDNN_VERSION, "cudnnGetVersion %zu", cudnnGetVersion());
	CHECK(cudnnGetProperty(MINOR_VERSION, &v) == CUDNN_STATUS_SUCCESS && v == CUDNN_MINOR,
	      "cudnnGetProperty MINOR_VERSION %d", v);
	CHECK(!strcmp(cudnnGetErrorString(CUDNN_STATUS_BAD_PARAM), "CUDNN_STATUS_BAD_PARAM"),
	      "cudnnGetErrorString");
	CHECK(cudnnCreate(&h) == CUDNN_STATUS_NOT_SUPPORTED, "cudnnCreate");
	CHECK(cudnnCreateTensorDescriptor(&t) == CUDNN_STATUS_NOT_SUPPORTED,
	      "cudnnCreateTensorDescriptor");
	CHECK(cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR, &d) ==
		  CUDNN_STATUS_NOT_SUPPORTED,
	      "cudnnBackendCreateDescriptor");
	CHECK(cudnnBackendSetAttribute(d, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4,
				       dims) == CUDNN_STATUS_NOT_SUPPORTED,
	      "cudnnBackendSetAttribute");
	CHECK(cudnnBackendGetAttribute(d, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, &n,
				       dims) == CUDNN_STATUS_NOT_SUPPORTED,
	      "cudnnBackendGetAttribute");
}

/* cuSOLVER's version and properties answer in the guest; its handles are
 * the host's, and a host without it says not supported, as does a call
 * the shim does not implement. */
static void solver(void)
{
	cusolverDnHandle_t dn = NULL;
	cusolverSpHandle_t sp = NULL;
	cusolverDnParams_t params = NULL;
	cudaStream_t stream = (cudaStream_t)1;
	int v = 0;

	CHECK(cusolverGetVersion(&v) == CUSOLVER_STATUS_SUCCESS && v == CUSOLVER_VERSION,
	      "cusolverGetVersion %d", v);
	CHECK(cusolverGetProperty(MAJOR_VERSION, &v) == CUSOLVER_STATUS_SUCCESS &&
		  v == CUSOLVER_VER_MAJOR,
	      "cusolverGetProperty MAJOR_VERSION %d", v);
	CHECK(cusolverGetProperty(PATCH_LEVEL, NULL) == CUSOLVER_STATUS_INVALID_VALUE,
	      "cusolverGetProperty NULL");
	CHECK(cusolverDnCreate(&dn) == CUSOLVER_STATUS_NOT_SUPPORTED, "cusolverDnCreate");
	CHECK(cusolverSpCreate(&sp) == CUSOLVER_STATUS_NOT_SUPPORTED, "cusolverSpCreate");
	CHECK(cusolverDnCreateParams(&params) == CUSOLVER_STATUS_NOT_SUPPORTED,
	      "cusolverDnCreateParams");
	/* A handle this process never made: what the library calls not initialized. */
	CHECK(cusolverDnGetStream(dn, &stream) == CUSOLVER_STATUS_NOT_INITIALIZED,
	      "cusolverDnGetStream");
	/* Not implemented (its vl and vu are host scalars of a type the call names). */
	CHECK(cusolverDnXsyevdx(dn, params, CUSOLVER_EIG_MODE_VECTOR, CUSOLVER_EIG_RANGE_ALL,
				CUBLAS_FILL_MODE_LOWER, 0, CUDA_R_64F, NULL, 1, NULL, NULL, 0, 0,
				NULL, CUDA_R_64F, NULL, CUDA_R_64F, NULL, 0, NULL, 0,
				NULL) == CUSOLVER_STATUS_NOT_SUPPORTED,
	      "cusolverDnXsyevdx");
}

/* cuBLAS-XT is the guest's own, over the remoted cuBLAS: its settings are
 * answered here, and a GEMM gets the status cuBLAS gives. */
static void xt(void)
{
	cublasXtHandle_t x = NULL;
	int bd = 0, zero = 0, absent = 99;
	float al = 1, be = 0, a[4] = {0}, c[4] = {0};
	cublasXtPinnedMemMode_t pin = CUBLASXT_PINNING_ENABLED;

	CHECK(cublasXtCreate(&x) == CUBLAS_STATUS_SUCCESS, "cublasXtCreate");
	CHECK(cublasXtSetBlockDim(x, 64) == CUBLAS_STATUS_SUCCESS &&
		  cublasXtGetBlockDim(x, &bd) == CUBLAS_STATUS_SUCCESS && bd == 64,
	      "cublasXtGetBlockDim returns the block set: %d", bd);
	CHECK(cublasXtGetPinningMemMode(x, &pin) == CUBLAS_STATUS_SUCCESS &&
		  pin == CUBLASXT_PINNING_DISABLED,
	      "pinning is off by default");
	CHECK(cublasXtDeviceSelect(x, 1, &absent) == CUBLAS_STATUS_INVALID_VALUE,
	      "cublasXtDeviceSelect of a device that is not there");
	CHECK(cublasXtDeviceSelect(x, 1, &zero) == CUBLAS_STATUS_SUCCESS, "cublasXtDeviceSelect");
	CHECK(cublasXtSgemm(x, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &al, a, 1, a, 2, &be, c, 2) ==
		  CUBLAS_STATUS_INVALID_VALUE,
	      "cublasXtSgemm with lda below rows");
	CHECK(cublasXtSgemm(x, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &al, a, 2, a, 2, &be, c, 2) ==
		  CUBLAS_STATUS_NOT_SUPPORTED,
	      "cublasXtSgemm where the host serves no cuBLAS");
	CHECK(cublasXtDestroy(x) == CUBLAS_STATUS_SUCCESS, "cublasXtDestroy");
}

int main(int argc, char **argv)
{
	int unserved = argc > 1 && !strcmp(argv[1], "unserved");
	float host[8] = {1, 2, 3, 4, 5, 6, 7, 8}, back[8] = {0};
	cublasHandle_t h = NULL;
	cublasLtHandle_t lt = NULL;
	curandGenerator_t g = NULL;
	cufftHandle plan = 0;
	float *dev = NULL;
	int v = 0, i, ok = 1;

	/* Answered in the guest, whatever the host serves. */
	CHECK(cublasGetVersion(NULL, &v) == CUBLAS_STATUS_SUCCESS && v == CUBLAS_VERSION,
	      "cublasGetVersion %d", v);
	CHECK(cublasLtGetVersion() == CUBLAS_VERSION, "cublasLtGetVersion");
	CHECK(cufftGetVersion(&v) == CUFFT_SUCCESS && v == CUFFT_VERSION, "cufftGetVersion %d", v);
	CHECK(curandGetVersion(&v) == CURAND_STATUS_SUCCESS && v == CURAND_VERSION,
	      "curandGetVersion %d", v);
	CHECK(!strcmp(cublasGetStatusName(CUBLAS_STATUS_INVALID_VALUE),
		      "CUBLAS_STATUS_INVALID_VALUE"),
	      "cublasGetStatusName");

	/* The strided copies are the runtime's: real data, either endpoint. */
	CHECK_CUDA(cudaMalloc((void **)&dev, sizeof(host)), cudaSuccess);
	CHECK(cublasSetVector(4, sizeof(float), host, 2, dev, 1) == CUBLAS_STATUS_SUCCESS,
	      "cublasSetVector");
	CHECK(cublasGetVector(4, sizeof(float), dev, 1, back, 1) == CUBLAS_STATUS_SUCCESS,
	      "cublasGetVector");
	for (i = 0; i < 4; i++)
		ok &= back[i] == host[2 * i];
	CHECK(ok, "every other element, in order");
	CHECK(cublasSetMatrix(3, 2, 4, host, 2, dev, 3) == CUBLAS_STATUS_INVALID_VALUE,
	      "lda below rows");

	/* Remoted calls: the library's own not-supported status. */
	CHECK(cublasCreate(&h) == CUBLAS_STATUS_NOT_SUPPORTED, "cublasCreate");
	CHECK(cublasLtCreate(&lt) == CUBLAS_STATUS_NOT_SUPPORTED, "cublasLtCreate");
	CHECK(cufftCreate(&plan) == CUFFT_NOT_SUPPORTED, "cufftCreate");
	/* cuRAND has no not-supported status: its internal error says it. */
	CHECK(curandCreateGenerator(&g, CURAND_RNG_PSEUDO_DEFAULT) == CURAND_STATUS_INTERNAL_ERROR,
	      "curandCreateGenerator");
	xt();
	sparse();
	dnn();
	solver();
	CHECK_CUDA(cudaFree(dev), cudaSuccess);
	printf("gvtest_math%s: %d passed, %d failed\n", unserved ? " unserved" : "", check_passes,
	       check_failures);
	return check_failures != 0;
}
