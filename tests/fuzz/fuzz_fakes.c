/* SPDX-License-Identifier: MIT */
/*
 * For fuzz_codecs: the generated fake driver (build/tests/gen/, built with
 * RT_FAKES_ONLY) behind the generated calls, so that fuzzed requests reach
 * their host checks and dispatch instead of stopping at "the CPU double has
 * no driver".  The fakes' argument checks only count here.
 */
#include "fuzz_fakes.h"
#include "cudnn_attr.h"
#include "math_libs.h"
#include "roundtrip_math.h"

int rt_result;
CUdeviceptr rt_devptr;

void rt_random(void *p, size_t n)
{
	memset(p, 0, n);
}

uint64_t rt_small(uint64_t below)
{
	(void)below;
	return 0;
}

void rt_string(char *s, size_t n)
{
	if (n)
		s[0] = 0;
}

void rt_pattern(void *p, size_t n, int seed)
{
	memset(p, seed, n);
}

int rt_is_pattern(const void *p, size_t n, int seed)
{
	(void)p;
	(void)n;
	(void)seed;
	return 1;
}

void *rt_object(void)
{
	static uintptr_t n = 0x1000;

	return (void *)(n += 16);
}

/* Not an event of the session's: the host must refuse to name it back. */
void *rt_existing_event(void)
{
	return rt_object();
}

CUdeviceptr rt_fresh_address(void)
{
	static CUdeviceptr next = 0x7e0000000000ull;

	return next += 1 << 20;
}

void rt_pass(void)
{
}

void rt_fail(const char *fn, const char *what)
{
	(void)fn;
	(void)what;
}

const char *rt_result_text(int e)
{
	(void)e;
	return "";
}

static struct gvg_curand_fns curand_fakes;
static struct gvg_cublas_fns cublas_fakes;
static struct gvg_cufft_fns cufft_fakes;
static struct gvg_cublasLt_fns cublasLt_fakes;
static struct gvg_cusparse_fns cusparse_fakes;
static struct gvg_cudnn_fns cudnn_fakes;

/* cuDNN's backend attributes (hand-written handlers): the library reads
 * every element it is given and writes every element it is asked for. */
static cudnnStatus_t cudnn_set_attr(cudnnBackendDescriptor_t d, cudnnBackendAttributeName_t name,
				    cudnnBackendAttributeType_t type, int64_t n, const void *elems)
{
	volatile unsigned char sum = 0;

	for (size_t i = 0; elems && i < (size_t)n * gv_cudnn_elem_bytes(type); i++)
		sum += ((const unsigned char *)elems)[i];
	(void)sum;
	return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t cudnn_get_attr(const cudnnBackendDescriptor_t d,
				    cudnnBackendAttributeName_t name,
				    cudnnBackendAttributeType_t type, int64_t requested,
				    int64_t *count, void *elems)
{
	if (count)
		*count = requested;
	/* Descriptors to fill are objects of the library: only read here. */
	if (elems && type != CUDNN_TYPE_BACKEND_DESCRIPTOR)
		memset(elems, 0x5a, (size_t)requested * gv_cudnn_elem_bytes(type));
	return CUDNN_STATUS_SUCCESS;
}
static struct gvg_cusolver_fns cusolver_fakes;

/* The library's pointer mode of any handle: host, cuBLAS's default. */
static cublasStatus_t host_pointer_mode(cublasHandle_t h, cublasPointerMode_t *mode)
{
	(void)h;
	*mode = CUBLAS_POINTER_MODE_HOST;
	return CUBLAS_STATUS_SUCCESS;
}

/* The same of cuSPARSE, whose default is also host memory. */
static cusparseStatus_t cusparse_host_pointer_mode(cusparseHandle_t h, cusparsePointerMode_t *mode)
{
	(void)h;
	*mode = CUSPARSE_POINTER_MODE_HOST;
	return CUSPARSE_STATUS_SUCCESS;
}

/* A matrix descriptor's index base: zero, cuSPARSE's default (the host's
 * checks of cuSOLVER's host CSR arrays ask it). */
static cusparseIndexBase_t cusparse_index_base(const cusparseMatDescr_t descr)
{
	(void)descr;
	return CUSPARSE_INDEX_BASE_ZERO;
}

static const void *math_fakes(int lib)
{
	switch (lib) {
	case GVW_LIB_CURAND:
		return &curand_fakes;
	case GVW_LIB_CUBLAS:
		return &cublas_fakes;
	case GVW_LIB_CUFFT:
		return &cufft_fakes;
	case GVW_LIB_CUBLASLT:
		return &cublasLt_fakes;
	case GVW_LIB_CUSPARSE:
		return &cusparse_fakes;
	case GVW_LIB_CUDNN:
		return &cudnn_fakes;
	case GVW_LIB_CUSOLVER:
		return &cusolver_fakes;
	default:
		return NULL;
	}
}

void fz_install_fakes(struct gvw_worker *w)
{
	static struct gvg_cuda_fns fakes;
	static struct gvw_executor ex;

	rt_install(&fakes);
	rt_install_curand(&curand_fakes);
	rt_install_cublas(&cublas_fakes);
	cublas_fakes.cublasGetPointerMode_v2 = host_pointer_mode;
	rt_install_cufft(&cufft_fakes);
	rt_install_cublasLt(&cublasLt_fakes);
	rt_install_cusparse(&cusparse_fakes);
	cusparse_fakes.cusparseGetPointerMode = cusparse_host_pointer_mode;
	cusparse_fakes.cusparseGetMatIndexBase = cusparse_index_base;
	rt_install_cusolver(&cusolver_fakes);
	rt_install_cudnn(&cudnn_fakes);
	cudnn_fakes.cudnnBackendSetAttribute = cudnn_set_attr;
	cudnn_fakes.cudnnBackendGetAttribute = cudnn_get_attr;
	ex = *w->ex;
	ex.cuda_fns = &fakes;
	ex.math_fns = math_fakes;
	w->ex = &ex;
}
