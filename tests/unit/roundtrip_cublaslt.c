/* SPDX-License-Identifier: MIT */
/*
 * cuBLASLt through the loopback session: a cuBLAS handle serves as a
 * cuBLASLt one, as natively; cublasLtMatmul's scalars follow the
 * descriptor's pointer mode and scale type, which the guest shadows and
 * the host reads from the descriptor; heuristics fill the guest's array.
 */
#include <stdio.h>

#include "roundtrip_math.h"

static cublasLtPointerMode_t desc_mode = CUBLASLT_POINTER_MODE_HOST;
static void *const lt_desc = (void *)0x7d7d;
static int matmuls;
static double seen_alpha;
static const void *seen_alpha_ptr;
static cublasLtHandle_t seen_handle;

static cublasStatus_t fake_desc_create(cublasLtMatmulDesc_t *d, cublasComputeType_t ct,
				       cudaDataType_t scale)
{
	*d = lt_desc;
	desc_mode = CUBLASLT_POINTER_MODE_HOST;
	return CUBLAS_STATUS_SUCCESS;
}

static uint64_t desc_bias, desc_emulation; /* the descriptor's pointer attributes */
static int desc_sets;

static cublasStatus_t fake_desc_set(cublasLtMatmulDesc_t d, cublasLtMatmulDescAttributes_t attr,
				    const void *buf, size_t size)
{
	desc_sets++;
	if (attr == CUBLASLT_MATMUL_DESC_POINTER_MODE && size == sizeof(desc_mode))
		memcpy(&desc_mode, buf, size);
	if (attr == CUBLASLT_MATMUL_DESC_BIAS_POINTER && size == sizeof(desc_bias))
		memcpy(&desc_bias, buf, size);
	if (attr == CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR && size == sizeof(desc_emulation))
		memcpy(&desc_emulation, buf, size);
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_desc_get(cublasLtMatmulDesc_t d, cublasLtMatmulDescAttributes_t attr,
				    void *buf, size_t size, size_t *written)
{
	const void *v = attr == CUBLASLT_MATMUL_DESC_POINTER_MODE   ? (const void *)&desc_mode
			: attr == CUBLASLT_MATMUL_DESC_BIAS_POINTER ? (const void *)&desc_bias
			: attr == CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR
			    ? (const void *)&desc_emulation
			    : NULL;
	size_t n = attr == CUBLASLT_MATMUL_DESC_POINTER_MODE ? sizeof(desc_mode) : 8;

	if (!v || size != n)
		return CUBLAS_STATUS_INVALID_VALUE;
	memcpy(buf, v, size);
	*written = size;
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_matmul(cublasLtHandle_t h, cublasLtMatmulDesc_t d, const void *alpha,
				  const void *A, cublasLtMatrixLayout_t Ad, const void *B,
				  cublasLtMatrixLayout_t Bd, const void *beta, const void *C,
				  cublasLtMatrixLayout_t Cd, void *D, cublasLtMatrixLayout_t Dd,
				  const cublasLtMatmulAlgo_t *algo, void *ws, size_t wss,
				  cudaStream_t s)
{
	matmuls++;
	seen_handle = h;
	seen_alpha_ptr = alpha;
	if (desc_mode == CUBLASLT_POINTER_MODE_HOST)
		memcpy(&seen_alpha, alpha, sizeof(seen_alpha));
	return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t fake_heuristic(cublasLtHandle_t h, cublasLtMatmulDesc_t d,
				     cublasLtMatrixLayout_t a, cublasLtMatrixLayout_t b,
				     cublasLtMatrixLayout_t c, cublasLtMatrixLayout_t dd,
				     cublasLtMatmulPreference_t p, int requested,
				     cublasLtMatmulHeuristicResult_t results[], int *returned)
{
	int i;

	for (i = 0; i < requested; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		results[i].workspaceSize = 1000u + (size_t)i;
		results[i].wavesCount = 1.5f;
	}
	*returned = requested;
	return CUBLAS_STATUS_SUCCESS;
}

/* A matmul of host-mode scalars on the session's memory. */
static cublasStatus_t host_matmul(cublasHandle_t bh, cublasLtMatmulDesc_t d)
{
	static const double alpha = 0.75, beta = 0;
	float *dev = (float *)(uintptr_t)rt_devptr;

	return cublasLtMatmul((cublasLtHandle_t)bh, d, &alpha, dev, NULL, dev, NULL, &beta, dev,
			      NULL, dev, NULL, NULL, NULL, 0, NULL);
}

static cublasStatus_t fake_blas_create(cublasHandle_t *h)
{
	*h = (void *)0x6c6c;
	return CUBLAS_STATUS_SUCCESS;
}

void cublaslt_calls(struct gvg_cublasLt_fns *lt, struct gvg_cublas_fns *blas)
{
	cublasHandle_t bh = NULL;
	cublasLtMatmulDesc_t d = NULL;
	cublasLtMatmulHeuristicResult_t res[3];
	cublasLtPointerMode_t mode = CUBLASLT_POINTER_MODE_DEVICE;
	double alpha = 0.75, beta = 0;
	float *dev = (float *)(uintptr_t)rt_devptr;
	int returned = 0;

	lt->cublasLtMatmulDescCreate = fake_desc_create;
	lt->cublasLtMatmulDescSetAttribute = fake_desc_set;
	lt->cublasLtMatmulDescGetAttribute = fake_desc_get;
	lt->cublasLtMatmul = fake_matmul;
	lt->cublasLtMatmulAlgoGetHeuristic = fake_heuristic;
	blas->cublasCreate_v2 = fake_blas_create;

	RT_TRUE("cublasCreate_v2", "handle", cublasCreate_v2(&bh) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("cublasLtMatmulDescCreate", "64F scale",
		cublasLtMatmulDescCreate(&d, CUBLAS_COMPUTE_64F, CUDA_R_64F) ==
		    CUBLAS_STATUS_SUCCESS);

	/* A cuBLAS handle as the cuBLASLt one; host mode: alpha's 8 bytes travel. */
	RT_TRUE("cublasLtMatmul", "cuBLAS handle, host alpha",
		cublasLtMatmul((cublasLtHandle_t)bh, d, &alpha, dev, NULL, dev, NULL, &beta, dev,
			       NULL, dev, NULL, NULL, NULL, 0, NULL) == CUBLAS_STATUS_SUCCESS &&
		    matmuls == 1 && seen_handle == (void *)0x6c6c && seen_alpha == 0.75);

	/* Device mode, set through the attribute: addresses travel. */
	RT_TRUE("cublasLtMatmulDescSetAttribute", "pointer mode device",
		cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_POINTER_MODE, &mode,
					       sizeof(mode)) == CUBLAS_STATUS_SUCCESS);
	RT_TRUE("cublasLtMatmul", "device alpha",
		cublasLtMatmul((cublasLtHandle_t)bh, d, dev, dev, NULL, dev, NULL, dev, dev, NULL,
			       dev, NULL, NULL, NULL, 0, NULL) == CUBLAS_STATUS_SUCCESS &&
		    matmuls == 2 && seen_alpha_ptr == (const void *)dev);
	RT_TRUE("cublasLtMatmul", "device alpha outside the session's memory",
		cublasLtMatmul((cublasLtHandle_t)bh, d, &alpha, dev, NULL, dev, NULL, dev, dev,
			       NULL, dev, NULL, NULL, NULL, 0,
			       NULL) == CUBLAS_STATUS_INVALID_VALUE &&
		    matmuls == 2);
	/* A vector mode is refused in the guest, before any round trip. */
	mode = CUBLASLT_POINTER_MODE_DEVICE_VECTOR;
	cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_POINTER_MODE, &mode, sizeof(mode));
	RT_TRUE("cublasLtMatmul", "vector pointer mode",
		cublasLtMatmul((cublasLtHandle_t)bh, d, dev, dev, NULL, dev, NULL, dev, dev, NULL,
			       dev, NULL, NULL, NULL, 0, NULL) == CUBLAS_STATUS_NOT_SUPPORTED &&
		    matmuls == 2);

	/*
	 * What the descriptor points at is checked as the call's own pointers
	 * are: a bias outside the session's memory never reaches the library,
	 * nor an emulation descriptor the session does not hold.
	 */
	mode = CUBLASLT_POINTER_MODE_HOST;
	cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_POINTER_MODE, &mode, sizeof(mode));
	{
		uint64_t bias = rt_devptr + 64, outside = 0x10, forged = 0x7e7e7e7e000ull;

		cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, 8);
		RT_TRUE("cublasLtMatmul", "a bias in the session's memory",
			host_matmul(bh, d) == CUBLAS_STATUS_SUCCESS && matmuls == 3);
		cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &outside, 8);
		RT_TRUE("cublasLtMatmul", "a bias outside it never reaches the library",
			host_matmul(bh, d) == CUBLAS_STATUS_INVALID_VALUE && matmuls == 3);
		bias = 0;
		cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, 8);
		desc_sets = 0;
		RT_TRUE("cublasLtMatmulDescSetAttribute",
			"a forged emulation descriptor is refused",
			cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR,
						       &forged, 8) == CUBLAS_STATUS_INVALID_VALUE &&
			    desc_sets == 0);
		desc_emulation = forged; /* as if set around the check */
		RT_TRUE("cublasLtMatmul", "nor does a forged emulation descriptor",
			host_matmul(bh, d) == CUBLAS_STATUS_INVALID_VALUE && matmuls == 3);
		desc_emulation = 0;
	}

	RT_TRUE("cublasLtMatmulAlgoGetHeuristic", "three results",
		cublasLtMatmulAlgoGetHeuristic((cublasLtHandle_t)bh, d, NULL, NULL, NULL, NULL,
					       NULL, 3, res, &returned) == CUBLAS_STATUS_SUCCESS &&
		    returned == 3 && res[2].workspaceSize == 1002 && res[1].wavesCount == 1.5f);
	RT_TRUE("cublasLtMatmulAlgoGetHeuristic", "a negative count",
		cublasLtMatmulAlgoGetHeuristic((cublasLtHandle_t)bh, d, NULL, NULL, NULL, NULL,
					       NULL, -1, res,
					       &returned) == CUBLAS_STATUS_INVALID_VALUE);
}
