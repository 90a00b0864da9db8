/* SPDX-License-Identifier: MIT */
/*
 * The math libraries' async class through the loopback session: a compute
 * call waits for the host the first time a call of its key runs, and is
 * queued after, running at the session's next synchronous call in order;
 * a call whose guard fails always waits (the library answers it); a
 * queued call's failure is returned by its library's next synchronous
 * call; destroying an object voids what was learned.  Each fake counts
 * the calls that reached it: a queued call has not, yet.
 */
#include <stdio.h>

#include "gvrt.h"
#include "roundtrip_math.h"

static int gemms, gemm_fails;

static cublasStatus_t fake_create(cublasHandle_t *h)
{
	*h = (void *)0x6d6d;
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_destroy(cublasHandle_t h)
{
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_host_mode(cublasHandle_t h, cublasPointerMode_t *m)
{
	*m = CUBLAS_POINTER_MODE_HOST;
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_sgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb,
				 int m, int n, int k, const float *alpha, const float *A, int lda,
				 const float *B, int ldb, const float *beta, float *C, int ldc)
{
	gemms++;
	if (gemm_fails) {
		gemm_fails--;
		return CUBLAS_STATUS_EXECUTION_FAILED;
	}
	return CUBLAS_STATUS_SUCCESS;
}

static int stream_sets;

static cublasStatus_t fake_set_stream(cublasHandle_t h, cudaStream_t s)
{
	stream_sets++;
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, int m, int lda)
{
	static const float one = 1.0f, zero = 0.0f;
	float *d = (float *)(uintptr_t)rt_devptr;

	return cublasSgemm_v2(h, ta, CUBLAS_OP_N, m, 4, 4, &one, d, lda, d, 4, &zero, d, 4);
}

static void cublas_async(struct gvg_cublas_fns *t)
{
	cublasHandle_t h = NULL;
	int i, ok = 1;

	t->cublasCreate_v2 = fake_create;
	t->cublasDestroy_v2 = fake_destroy;
	t->cublasGetPointerMode_v2 = fake_host_mode;
	t->cublasSgemm_v2 = fake_sgemm;
	RT_TRUE("async cuBLAS", "handle", cublasCreate_v2(&h) == CUBLAS_STATUS_SUCCESS);
	gemms = 0;
	RT_TRUE("async cuBLAS", "a first call waits for the host",
		gemm(h, CUBLAS_OP_N, 4, 4) == CUBLAS_STATUS_SUCCESS && gemms == 1);
	for (i = 0; i < 5; i++)
		ok &= gemm(h, CUBLAS_OP_N, 4, 4) == CUBLAS_STATUS_SUCCESS;
	RT_TRUE("async cuBLAS", "the same call again is queued", ok && gemms == 1);
	RT_TRUE("async cuBLAS", "and runs at the next synchronous call",
		cudaDeviceSynchronize() == cudaSuccess && gemms == 6);
	RT_TRUE("async cuBLAS", "other dimensions, the same key: queued",
		gemm(h, CUBLAS_OP_N, 3, 4) == CUBLAS_STATUS_SUCCESS && gemms == 6);
	cudaDeviceSynchronize();
	/* The guard: what the library checks by value waits for its answer. */
	RT_TRUE("async cuBLAS", "lda below m waits",
		gemm(h, CUBLAS_OP_N, 8, 4) == CUBLAS_STATUS_SUCCESS && gemms == 8);
	RT_TRUE("async cuBLAS", "... every time",
		gemm(h, CUBLAS_OP_N, 8, 4) == CUBLAS_STATUS_SUCCESS && gemms == 9);
	RT_TRUE("async cuBLAS", "a negative m waits",
		gemm(h, CUBLAS_OP_N, -1, 4) == CUBLAS_STATUS_SUCCESS && gemms == 10);
	/* The key: another transpose, another alignment class of lda. */
	RT_TRUE("async cuBLAS", "transa T: a new key waits",
		gemm(h, CUBLAS_OP_T, 4, 4) == CUBLAS_STATUS_SUCCESS && gemms == 11);
	RT_TRUE("async cuBLAS", "then is queued",
		gemm(h, CUBLAS_OP_T, 4, 4) == CUBLAS_STATUS_SUCCESS && gemms == 11);
	RT_TRUE("async cuBLAS", "lda 5: a new key waits",
		gemm(h, CUBLAS_OP_N, 4, 5) == CUBLAS_STATUS_SUCCESS && gemms == 13);
	/* A queued call that fails: the next synchronous call says so. */
	gemm_fails = 1;
	RT_TRUE("async cuBLAS", "a queued call that will fail",
		gemm(h, CUBLAS_OP_N, 4, 4) == CUBLAS_STATUS_SUCCESS && gemms == 13);
	RT_TRUE("async cuBLAS", "the library's next synchronous call returns its status",
		gemm(h, CUBLAS_OP_N, 8, 4) == CUBLAS_STATUS_EXECUTION_FAILED && gemms == 15);
	RT_TRUE("async cuBLAS", "once", gemm(h, CUBLAS_OP_N, 8, 4) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("async cuBLAS", "the runtime's last error is not the library's",
		cudaGetLastError() == cudaSuccess);
	gemm_fails = 1;
	RT_TRUE("async cuBLAS", "a failure the runtime synchronizes over",
		gemm(h, CUBLAS_OP_N, 4, 4) == CUBLAS_STATUS_SUCCESS &&
		    cudaDeviceSynchronize() == cudaSuccess && cudaGetLastError() == cudaSuccess);
	RT_TRUE("async cuBLAS", "waits for the library's next synchronous call",
		gemm(h, CUBLAS_OP_N, 8, 4) == CUBLAS_STATUS_EXECUTION_FAILED);
	/* Handle state set before every call (as PyTorch does): queued too. */
	{
		cudaStream_t got = (cudaStream_t)1;

		t->cublasSetStream_v2 = fake_set_stream;
		stream_sets = 0;
		RT_TRUE("async cuBLAS", "a first cublasSetStream waits",
			cublasSetStream_v2(h, NULL) == CUBLAS_STATUS_SUCCESS && stream_sets == 1);
		RT_TRUE("async cuBLAS", "the same stream again is queued",
			cublasSetStream_v2(h, NULL) == CUBLAS_STATUS_SUCCESS && stream_sets == 1);
		RT_TRUE("async cuBLAS", "and shadowed at once",
			cublasGetStream_v2(h, &got) == CUBLAS_STATUS_SUCCESS && got == NULL);
		RT_TRUE("async cuBLAS", "a stream the process does not know: the host's answer",
			cublasSetStream_v2(h, (cudaStream_t)0x7777) != CUBLAS_STATUS_SUCCESS &&
			    stream_sets == 2);
		cublasSetStream_v2(h, NULL);
	}
	/* Destroying a handle voids what was learned (its value comes back). */
	RT_TRUE("async cuBLAS", "destroy", cublasDestroy_v2(h) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("async cuBLAS", "a destroyed handle's call waits for the host",
		gemm(h, CUBLAS_OP_N, 4, 4) == CUBLAS_STATUS_NOT_INITIALIZED);
	RT_TRUE("async cuBLAS", "handle again", cublasCreate_v2(&h) == CUBLAS_STATUS_SUCCESS);
	gemms = 0;
	RT_TRUE("async cuBLAS", "its first call waits",
		gemm(h, CUBLAS_OP_N, 4, 4) == CUBLAS_STATUS_SUCCESS && gemms == 1);
	cublasDestroy_v2(h);
}

static int execs;

static cufftResult fake_plan_create(cufftHandle *plan)
{
	*plan = 7;
	return CUFFT_SUCCESS;
}

static cufftResult fake_plan_destroy(cufftHandle plan)
{
	return CUFFT_SUCCESS;
}

static cufftResult fake_plan_stream(cufftHandle plan, cudaStream_t s)
{
	return CUFFT_SUCCESS;
}

static cufftResult fake_auto_alloc(cufftHandle plan, int on)
{
	return CUFFT_SUCCESS;
}

static cufftResult fake_c2c(cufftHandle plan, cufftComplex *in, cufftComplex *out, int dir)
{
	execs++;
	return CUFFT_SUCCESS;
}

static void cufft_async(struct gvg_cufft_fns *t)
{
	cufftComplex *d = (cufftComplex *)(uintptr_t)rt_devptr;
	cufftHandle plan = 0;

	t->cufftCreate = fake_plan_create;
	t->cufftDestroy = fake_plan_destroy;
	t->cufftSetStream = fake_plan_stream;
	t->cufftSetAutoAllocation = fake_auto_alloc;
	t->cufftExecC2C = fake_c2c;
	RT_TRUE("async cuFFT", "plan", cufftCreate(&plan) == CUFFT_SUCCESS);
	execs = 0;
	RT_TRUE("async cuFFT", "a first execution waits",
		cufftExecC2C(plan, d, d, CUFFT_FORWARD) == CUFFT_SUCCESS && execs == 1);
	RT_TRUE("async cuFFT", "the next is queued",
		cufftExecC2C(plan, d, d, CUFFT_FORWARD) == CUFFT_SUCCESS && execs == 1);
	RT_TRUE("async cuFFT", "out of place: a new key waits",
		cufftExecC2C(plan, d, d + 64, CUFFT_FORWARD) == CUFFT_SUCCESS && execs == 3);
	RT_TRUE("async cuFFT", "a stream changes nothing learned",
		cufftSetStream(plan, NULL) == CUFFT_SUCCESS &&
		    cufftExecC2C(plan, d, d, CUFFT_FORWARD) == CUFFT_SUCCESS && execs == 3);
	RT_TRUE("async cuFFT", "another setting voids it",
		cufftSetAutoAllocation(plan, 1) == CUFFT_SUCCESS &&
		    cufftExecC2C(plan, d, d, CUFFT_FORWARD) == CUFFT_SUCCESS && execs == 5);
	cufftDestroy(plan);
}

static int uniforms;

static curandStatus_t fake_gen_create(curandGenerator_t *g, curandRngType_t type)
{
	*g = (void *)0x5c5c;
	return CURAND_STATUS_SUCCESS;
}

static curandStatus_t fake_gen_destroy(curandGenerator_t g)
{
	return CURAND_STATUS_SUCCESS;
}

static curandStatus_t fake_seed(curandGenerator_t g, unsigned long long seed)
{
	return CURAND_STATUS_SUCCESS;
}

static curandStatus_t fake_uniform(curandGenerator_t g, float *out, size_t n)
{
	uniforms++;
	return CURAND_STATUS_SUCCESS;
}

static void curand_async(struct gvg_curand_fns *t)
{
	float *d = (float *)(uintptr_t)rt_devptr;
	curandGenerator_t g = NULL;

	t->curandCreateGenerator = fake_gen_create;
	t->curandDestroyGenerator = fake_gen_destroy;
	t->curandSetPseudoRandomGeneratorSeed = fake_seed;
	t->curandGenerateUniform = fake_uniform;
	RT_TRUE("async cuRAND", "device generator",
		curandCreateGenerator(&g, CURAND_RNG_PSEUDO_DEFAULT) == CURAND_STATUS_SUCCESS);
	uniforms = 0;
	RT_TRUE("async cuRAND", "a first call waits",
		curandGenerateUniform(g, d, 256) == CURAND_STATUS_SUCCESS && uniforms == 1);
	RT_TRUE("async cuRAND", "the next is queued",
		curandGenerateUniform(g, d, 256) == CURAND_STATUS_SUCCESS && uniforms == 1);
	RT_TRUE("async cuRAND", "another count: a new key waits",
		curandGenerateUniform(g, d, 255) == CURAND_STATUS_SUCCESS && uniforms == 3);
	RT_TRUE("async cuRAND", "a new seed voids what was learned",
		curandSetPseudoRandomGeneratorSeed(g, 5) == CURAND_STATUS_SUCCESS &&
		    curandGenerateUniform(g, d, 256) == CURAND_STATUS_SUCCESS && uniforms == 4);
	curandDestroyGenerator(g);
	RT_TRUE("async cuRAND", "all ran", cudaDeviceSynchronize() == cudaSuccess);
}

static int layouts_destroyed;

static cublasStatus_t fake_layout_create(cublasLtMatrixLayout_t *l, cudaDataType t, uint64_t rows,
					 uint64_t cols, int64_t ld)
{
	*l = (void *)0x7a7a;
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_layout_destroy(cublasLtMatrixLayout_t l)
{
	layouts_destroyed++;
	return CUBLAS_STATUS_SUCCESS;
}

static int layout_sets;
static int64_t layout_ld;

static cublasStatus_t fake_layout_set(cublasLtMatrixLayout_t l, cublasLtMatrixLayoutAttribute_t a,
				      const void *buf, size_t size)
{
	layout_sets++;
	if (a == CUBLASLT_MATRIX_LAYOUT_LD && size == sizeof(layout_ld))
		memcpy(&layout_ld, buf, size);
	return size == 8 ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_INVALID_VALUE;
}

/*
 * A layout's attribute set again with a value of the same key is queued,
 * its value taken at the call; destroying a layout this process made
 * cannot fail: queued.
 */
static void cublaslt_async(struct gvg_cublasLt_fns *t)
{
	cublasLtMatrixLayout_t l = NULL;
	int64_t ld = 8;
	int32_t bad = 1;

	t->cublasLtMatrixLayoutCreate = fake_layout_create;
	t->cublasLtMatrixLayoutDestroy = fake_layout_destroy;
	t->cublasLtMatrixLayoutSetAttribute = fake_layout_set;
	layouts_destroyed = layout_sets = 0;
	RT_TRUE("async cuBLASLt", "a layout",
		cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, 4, 4, 4) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("async cuBLASLt", "a first SetAttribute waits",
		cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_LD, &ld, sizeof(ld)) ==
			CUBLAS_STATUS_SUCCESS &&
		    layout_sets == 1 && layout_ld == 8);
	RT_TRUE("async cuBLASLt", "the same again is queued",
		cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_LD, &ld, sizeof(ld)) ==
			CUBLAS_STATUS_SUCCESS &&
		    layout_sets == 1);
	ld = 16;
	RT_TRUE("async cuBLASLt", "another value is another key: it waits",
		cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_LD, &ld, sizeof(ld)) ==
			CUBLAS_STATUS_SUCCESS &&
		    layout_sets == 3 && layout_ld == 16);
	RT_TRUE("async cuBLASLt", "a size the library refuses: its answer, at the call",
		cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_LD, &bad, sizeof(bad)) ==
		    CUBLAS_STATUS_INVALID_VALUE);
	RT_TRUE("async cuBLASLt", "its destroy is queued",
		cublasLtMatrixLayoutDestroy(l) == CUBLAS_STATUS_SUCCESS && layouts_destroyed == 0);
	RT_TRUE("async cuBLASLt", "and run by the next synchronous call",
		cudaDeviceSynchronize() == cudaSuccess && layouts_destroyed == 1);
	RT_TRUE("async cuBLASLt", "a second destroy asks the host, which refuses it",
		cublasLtMatrixLayoutDestroy(l) != CUBLAS_STATUS_SUCCESS && layouts_destroyed == 1);
}

void math_async(struct gvg_cublas_fns *b, struct gvg_cufft_fns *f, struct gvg_curand_fns *r,
		struct gvg_cublasLt_fns *lt)
{
	struct gvg_cublas_fns sb = *b;
	struct gvg_cufft_fns sf = *f;
	struct gvg_curand_fns sr = *r;
	struct gvg_cublasLt_fns slt = *lt;

	RT_TRUE("async math", "calls may be queued", gv_async_enabled());
	cublas_async(b);
	cufft_async(f);
	curand_async(r);
	cublaslt_async(lt);
	*b = sb;
	*f = sf;
	*r = sr;
	*lt = slt;
}
