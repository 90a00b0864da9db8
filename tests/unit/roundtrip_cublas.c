/* SPDX-License-Identifier: MIT */
/*
 * cuBLAS through the loopback session: scalars travel by the handle's
 * pointer mode, which the guest shadows and the host holds to the mode
 * the library has; the handle's state is answered in the guest; strided
 * copies run over the runtime's 2D copies into the CPU double's memory.
 */
#include <cublas.h>
#include <cuda_runtime_api.h>
#include <stdio.h>

#include "gvrt.h"
#include "protocol.h"
#include "roundtrip_math.h"

static void *const lib_handle = (void *)0x6c6c;
static cublasPointerMode_t lib_mode = CUBLAS_POINTER_MODE_HOST; /* what the "library" holds */
static int calls;
static const float *seen_alpha;
static float seen_alpha_value;

static int created, destroyed;

static cublasStatus_t fake_create(cublasHandle_t *h)
{
	*h = lib_handle;
	lib_mode = CUBLAS_POINTER_MODE_HOST;
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_destroy(cublasHandle_t h)
{
	destroyed++;
	return h ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}

/* Each a new object, as the library's are. */
static cublasStatus_t fake_create_many(cublasHandle_t *h)
{
	*h = (void *)(uintptr_t)(0x10000 + 16 * ++created);
	return CUBLAS_STATUS_SUCCESS;
}

extern struct gvw_worker *gv_loopback_worker;

/* A session holds at most max_library_objects of the libraries' objects;
 * one past it is destroyed on the host at once. */
static void library_object_limit(struct gvg_cublas_fns *t)
{
	cublasHandle_t h[64];
	uint32_t saved = gv_loopback_worker->limits.max_library_objects;
	int n = 0, i, refused = 0;

	t->cublasCreate_v2 = fake_create_many;
	gv_loopback_worker->limits.max_library_objects = 40;
	destroyed = 0;
	while (n < 64) {
		cublasStatus_t e = cublasCreate_v2(&h[n]);

		if (e == CUBLAS_STATUS_ALLOC_FAILED) {
			refused = 1;
			break;
		}
		if (e)
			break;
		n++;
	}
	RT_TRUE("cublasCreate_v2", "refused past max_library_objects, destroyed on the host",
		refused && n > 0 && n <= 40 && destroyed == 1);
	for (i = 0; i < n; i++)
		cublasDestroy_v2(h[i]);
	RT_TRUE("cublasCreate_v2", "room again once destroyed",
		cublasCreate_v2(&h[0]) == CUBLAS_STATUS_SUCCESS);
	cublasDestroy_v2(h[0]);
	gv_loopback_worker->limits.max_library_objects = saved;
	t->cublasCreate_v2 = fake_create;
}

static cublasStatus_t fake_set_mode(cublasHandle_t h, cublasPointerMode_t m)
{
	lib_mode = m;
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_get_mode(cublasHandle_t h, cublasPointerMode_t *m)
{
	*m = lib_mode;
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_set_stream(cublasHandle_t h, cudaStream_t s)
{
	return CUBLAS_STATUS_SUCCESS;
}

/* A dot product whose result says where it was written. */
static cublasStatus_t fake_sdot(cublasHandle_t h, int n, const float *x, int incx, const float *y,
				int incy, float *result)
{
	calls++;
	if (lib_mode == CUBLAS_POINTER_MODE_HOST)
		*result = 42.5f;
	else if ((uint64_t)(uintptr_t)result != rt_devptr)
		return CUBLAS_STATUS_EXECUTION_FAILED;
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_sscal(cublasHandle_t h, int n, const float *alpha, float *x, int incx)
{
	calls++;
	seen_alpha = alpha;
	if (lib_mode == CUBLAS_POINTER_MODE_HOST)
		seen_alpha_value = *alpha;
	return CUBLAS_STATUS_SUCCESS;
}

/* A raw cublasSdot_v2 request: the host's status. */
static int raw_sdot(cublasHandle_t h, uint64_t result, int host)
{
	struct gvg_cublasSdot_v2_req q = {.handle = (uint64_t)(uintptr_t)h,
					  .n = 4,
					  .x = rt_devptr,
					  .incx = 1,
					  .y = rt_devptr,
					  .incy = 1,
					  .result = result,
					  .host_result = (uint8_t)host};
	struct gvg_cublasSdot_v2_resp r;
	int32_t st = -1;

	if (gv_rpc_result(gv_session()->t, GV_OP_cublasSdot_v2, &q, sizeof(q), NULL, 0, &r,
			  sizeof(r), NULL, 0, &st))
		return -1;
	return st;
}

static int gemms;

static cublasStatus_t fake_sgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb,
				 int m, int n, int k, const float *alpha, const float *A, int lda,
				 const float *B, int ldb, const float *beta, float *C, int ldc)
{
	gemms++;
	return CUBLAS_STATUS_SUCCESS;
}

/* A request whose scalars claim different modes: alpha's value on the
 * host, beta an address, or the reverse. */
static int raw_sgemm(cublasHandle_t h, int host_alpha, int host_beta)
{
	struct gvg_cublasSgemm_v2_req q = {.handle = (uint64_t)(uintptr_t)h,
					   .m = 4,
					   .n = 4,
					   .k = 4,
					   .alpha = host_alpha ? 0 : rt_devptr,
					   .host_alpha = (uint8_t)host_alpha,
					   .A = rt_devptr,
					   .lda = 4,
					   .B = rt_devptr,
					   .ldb = 4,
					   .beta = host_beta ? 0 : rt_devptr,
					   .host_beta = (uint8_t)host_beta,
					   .C = rt_devptr,
					   .ldc = 4};
	struct gvg_cublasSgemm_v2_resp r;
	int32_t st = -1;

	if (gv_rpc_result(gv_session()->t, GV_OP_cublasSgemm_v2, &q, sizeof(q), NULL, 0, &r,
			  sizeof(r), NULL, 0, &st))
		return -1;
	return st;
}

static void strided_copies(void)
{
	float host[8] = {1, 2, 3, 4, 5, 6, 7, 8}, back[8] = {0};
	float *dev = (float *)(uintptr_t)rt_devptr;
	int ok = 1, i;

	/* Every other element up, then back packed: 1 3 5 7. */
	RT_TRUE("cublasSetVector", "stride 2 to the device",
		cublasSetVector(4, sizeof(float), host, 2, dev, 1) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("cublasGetVector", "stride 1 to the host",
		cublasGetVector(4, sizeof(float), dev, 1, back, 1) == CUBLAS_STATUS_SUCCESS);
	for (i = 0; i < 4; i++)
		ok &= back[i] == host[2 * i];
	RT_TRUE("cublasSetVector", "elements in order", ok);
	/* A 2x3 matrix of leading dimension 2 into one of 3, and back. */
	RT_TRUE("cublasSetMatrix", "lda 2 to ldb 3",
		cublasSetMatrix(2, 3, sizeof(float), host, 2, dev, 3) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("cublasGetMatrix", "ldb 3 to lda 2",
		cublasGetMatrix(2, 3, sizeof(float), dev, 3, back, 2) == CUBLAS_STATUS_SUCCESS);
	for (ok = 1, i = 0; i < 6; i++)
		ok &= back[i] == host[i];
	RT_TRUE("cublasGetMatrix", "columns in order", ok);
	/* The library's own argument checks. */
	RT_TRUE("cublasSetVector", "incx 0",
		cublasSetVector(4, 4, host, 0, dev, 1) == CUBLAS_STATUS_INVALID_VALUE);
	RT_TRUE("cublasSetMatrix", "lda below rows",
		cublasSetMatrix(3, 2, 4, host, 2, dev, 3) == CUBLAS_STATUS_INVALID_VALUE);
	RT_TRUE("cublasGetVector", "elemSize 0",
		cublasGetVector(4, 0, dev, 1, back, 1) == CUBLAS_STATUS_INVALID_VALUE);
}

static int grouped_ok;

static cublasStatus_t fake_grouped(cublasHandle_t h, const cublasOperation_t ta[],
				   const cublasOperation_t tb[], const int m[], const int n[],
				   const int k[], const float alpha[], const float *const A[],
				   const int lda[], const float *const B[], const int ldb[],
				   const float beta[], float *const C[], const int ldc[],
				   int groups, const int size[])
{
	grouped_ok = groups == 2 && ta[1] == CUBLAS_OP_T && m[0] == 8 && n[1] == 16 &&
		     alpha[1] == 2.5f && beta[0] == 0.5f && size[0] == 3 && size[1] == 1 &&
		     (uint64_t)(uintptr_t)A == rt_devptr;
	return CUBLAS_STATUS_SUCCESS;
}

/* The grouped GEMM's host arrays travel in the request's tail, group_count
 * elements each; more than one request carries fails in the guest. */
static void grouped_gemm(struct gvg_cublas_fns *t, cublasHandle_t h)
{
	cublasOperation_t ta[2] = {CUBLAS_OP_N, CUBLAS_OP_T}, tb[2] = {CUBLAS_OP_N, CUBLAS_OP_N};
	int m[2] = {8, 4}, n[2] = {8, 16}, k[2] = {8, 2}, ld[2] = {16, 16}, size[2] = {3, 1};
	float alpha[2] = {1.0f, 2.5f}, beta[2] = {0.5f, 0.0f};
	const float *const *dev = (const float *const *)(uintptr_t)rt_devptr;
	static int big[1000];

	t->cublasSgemmGroupedBatched = fake_grouped;
	RT_TRUE("cublasSgemmGroupedBatched", "two groups' arrays",
		cublasSgemmGroupedBatched(h, ta, tb, m, n, k, alpha, dev, ld, dev, ld, beta,
					  (float *const *)dev, ld, 2,
					  size) == CUBLAS_STATUS_SUCCESS &&
		    grouped_ok);
	RT_TRUE("cublasSgemmGroupedBatched", "more groups than a request carries",
		cublasSgemmGroupedBatched(
		    h, (const cublasOperation_t *)big, (const cublasOperation_t *)big, big, big,
		    big, (const float *)big, dev, big, dev, big, (const float *)big,
		    (float *const *)dev, big, 1000, big) == CUBLAS_STATUS_NOT_SUPPORTED);
}

/* The legacy API: the implicit handle, scalars by value, results
 * returned, errors kept until read. */
static void legacy_api(struct gvg_cublas_fns *t)
{
	float *dev = (float *)(uintptr_t)rt_devptr;
	float r;

	t->cublasCreate_v2 = fake_create;
	t->cublasDestroy_v2 = fake_destroy;
	t->cublasSdot_v2 = fake_sdot;
	lib_mode = CUBLAS_POINTER_MODE_HOST;
	calls = 0;
	r = cublasSdot(4, dev, 1, dev, 1);
	RT_TRUE("cublasSdot", "before cublasInit",
		r == 0 && calls == 0 && cublasGetError() == CUBLAS_STATUS_NOT_INITIALIZED);
	RT_TRUE("cublasGetError", "read once", cublasGetError() == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("cublasInit", "implicit handle", cublasInit() == CUBLAS_STATUS_SUCCESS);
	r = cublasSdot(4, dev, 1, dev, 1);
	RT_TRUE("cublasSdot", "result returned", r == 42.5f && calls == 1);
	RT_TRUE("cublasGetError", "no error", cublasGetError() == CUBLAS_STATUS_SUCCESS);
	cublasSgemm('x', 'N', 4, 4, 4, 1.0f, dev, 4, dev, 4, 0.0f, dev, 4);
	RT_TRUE("cublasSgemm", "transa 'x'",
		cublasGetError() == CUBLAS_STATUS_INVALID_VALUE && calls == 1);
	RT_TRUE("cublasShutdown", "implicit handle", cublasShutdown() == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("cublasShutdown", "twice", cublasShutdown() == CUBLAS_STATUS_NOT_INITIALIZED);
	(void)cublasGetError();
}

/*
 * With an executor that can fault (the GPU's), an address outside the
 * session is never handed to the library: the session's context takes
 * the fault a library kernel would, and the call answers success, as
 * natively; in a context that has faulted already, execution failed.
 */
static int faults, fault_result;

static int fake_fault(void *ctx)
{
	(void)ctx;
	faults++;
	return fault_result;
}

static void outside_faults(cublasHandle_t h)
{
	const struct gvw_executor *saved = gv_loopback_worker->ex;
	struct gvw_executor ex = *saved;
	float *outside = (float *)(uintptr_t)0x10;

	ex.fault = fake_fault;
	gv_loopback_worker->ex = &ex;
	calls = faults = fault_result = 0;
	RT_TRUE("cublasSdot_v2", "y outside the session: the context faults, the call succeeds",
		cublasSdot_v2(h, 4, (float *)(uintptr_t)rt_devptr, 1, outside, 1,
			      (float *)(uintptr_t)rt_devptr) == CUBLAS_STATUS_SUCCESS &&
		    calls == 0 && faults == 1);
	fault_result = CUDA_ERROR_ILLEGAL_ADDRESS;
	RT_TRUE("cublasSdot_v2", "in a context that has faulted: execution failed",
		cublasSdot_v2(h, 4, (float *)(uintptr_t)rt_devptr, 1, outside, 1,
			      (float *)(uintptr_t)rt_devptr) == CUBLAS_STATUS_EXECUTION_FAILED &&
		    calls == 0 && faults == 2);
	RT_TRUE("cublasSdot_v2", "inside the session: no fault",
		cublasSdot_v2(h, 4, (float *)(uintptr_t)rt_devptr, 1, (float *)(uintptr_t)rt_devptr,
			      1, (float *)(uintptr_t)rt_devptr) == CUBLAS_STATUS_SUCCESS &&
		    calls == 1 && faults == 2);
	gv_loopback_worker->ex = saved;
	calls = 0;
}

void cublas_pointer_modes(struct gvg_cublas_fns *t)
{
	cublasHandle_t h = NULL;
	cublasPointerMode_t mode;
	cudaStream_t s = NULL, got = (cudaStream_t)1;
	float alpha = 2.5f, result = 0;

	t->cublasCreate_v2 = fake_create;
	t->cublasDestroy_v2 = fake_destroy;
	t->cublasSetPointerMode_v2 = fake_set_mode;
	t->cublasGetPointerMode_v2 = fake_get_mode;
	t->cublasSetStream_v2 = fake_set_stream;
	t->cublasSdot_v2 = fake_sdot;
	t->cublasSscal_v2 = fake_sscal;

	RT_TRUE("cublasCreate_v2", "handle", cublasCreate_v2(&h) == CUBLAS_STATUS_SUCCESS && h);
	RT_TRUE("cublasGetPointerMode_v2", "host by default",
		cublasGetPointerMode_v2(h, &mode) == CUBLAS_STATUS_SUCCESS &&
		    mode == CUBLAS_POINTER_MODE_HOST);

	/* Host mode: alpha's value travels, the result comes back. */
	calls = 0;
	RT_TRUE("cublasSscal_v2", "host alpha",
		cublasSscal_v2(h, 4, &alpha, (float *)(uintptr_t)rt_devptr, 1) ==
			CUBLAS_STATUS_SUCCESS &&
		    calls == 1 && seen_alpha_value == 2.5f);
	RT_TRUE("cublasSdot_v2", "host result",
		cublasSdot_v2(h, 4, (float *)(uintptr_t)rt_devptr, 1, (float *)(uintptr_t)rt_devptr,
			      1, &result) == CUBLAS_STATUS_SUCCESS &&
		    result == 42.5f);

	/* Device mode: the addresses travel, checked against the session's memory. */
	RT_TRUE("cublasSetPointerMode_v2", "device",
		cublasSetPointerMode_v2(h, CUBLAS_POINTER_MODE_DEVICE) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("cublasGetPointerMode_v2", "device, from the shadow",
		cublasGetPointerMode_v2(h, &mode) == CUBLAS_STATUS_SUCCESS &&
		    mode == CUBLAS_POINTER_MODE_DEVICE);
	RT_TRUE("cublasSscal_v2", "device alpha",
		cublasSscal_v2(h, 4, (float *)(uintptr_t)rt_devptr, (float *)(uintptr_t)rt_devptr,
			       1) == CUBLAS_STATUS_SUCCESS &&
		    (uint64_t)(uintptr_t)seen_alpha == rt_devptr);
	RT_TRUE("cublasSdot_v2", "device result",
		cublasSdot_v2(h, 4, (float *)(uintptr_t)rt_devptr, 1, (float *)(uintptr_t)rt_devptr,
			      1, (float *)(uintptr_t)rt_devptr) == CUBLAS_STATUS_SUCCESS);
	calls = 0;
	RT_TRUE("cublasSdot_v2", "device result outside the session's memory",
		cublasSdot_v2(h, 4, (float *)(uintptr_t)rt_devptr, 1, (float *)(uintptr_t)rt_devptr,
			      1, &result) == CUBLAS_STATUS_INVALID_VALUE &&
		    calls == 0);
	outside_faults(h);

	/* Scalars of one call in two modes are refused, whichever the library's. */
	t->cublasSgemm_v2 = fake_sgemm;
	gemms = 0;
	RT_TRUE("cublasSgemm_v2", "host alpha, device beta",
		raw_sgemm(h, 1, 0) == CUBLAS_STATUS_INVALID_VALUE && gemms == 0);
	RT_TRUE("cublasSgemm_v2", "device alpha, host beta",
		raw_sgemm(h, 0, 1) == CUBLAS_STATUS_INVALID_VALUE && gemms == 0);
	RT_TRUE("cublasSgemm_v2", "both device, as the library's mode",
		raw_sgemm(h, 0, 0) == CUBLAS_STATUS_SUCCESS && gemms == 1);
	/* A request whose mode is not the library's is refused. */
	RT_TRUE("cublasSdot_v2", "host result claimed in device mode",
		raw_sdot(h, 0, 1) == CUBLAS_STATUS_INVALID_VALUE && calls == 0);
	cublasSetPointerMode_v2(h, CUBLAS_POINTER_MODE_HOST);
	RT_TRUE("cublasSdot_v2", "device result claimed in host mode",
		raw_sdot(h, rt_devptr, 0) == CUBLAS_STATUS_INVALID_VALUE && calls == 0);

	grouped_gemm(t, h);
	/* The stream, from the shadow. */
	RT_TRUE("cudaStreamCreate", "stream", cudaStreamCreate(&s) == cudaSuccess);
	RT_TRUE("cublasSetStream_v2", "stream", cublasSetStream_v2(h, s) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("cublasGetStream_v2", "stream, from the shadow",
		cublasGetStream_v2(h, &got) == CUBLAS_STATUS_SUCCESS && got == s);
	cudaStreamDestroy(s);

	RT_TRUE("cublasDestroy_v2", "handle", cublasDestroy_v2(h) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("cublasGetPointerMode_v2", "after destroy",
		cublasGetPointerMode_v2(h, &mode) == CUBLAS_STATUS_NOT_INITIALIZED);
	RT_TRUE("cublasSdot_v2", "after destroy",
		cublasSdot_v2(h, 4, (float *)(uintptr_t)rt_devptr, 1, (float *)(uintptr_t)rt_devptr,
			      1, &result) == CUBLAS_STATUS_NOT_INITIALIZED);
	strided_copies();
	library_object_limit(t);
	legacy_api(t);
}
