/* SPDX-License-Identifier: MIT */
/*
 * cuSOLVER's objects left by a session (math_libs.h): the dense, sparse
 * and refactorization handles, the parameter and info objects, each
 * destroyed by its library's own call as the session ends.  And the
 * checks of the host arrays that the sparse *Host calls hand NVIDIA's
 * CPU code, which trusts a matrix's structure.
 */
#include "gen_support_math.h"
#include "handles.h"
#include "log.h"
#include "math_libs.h"
#include "worker_internal.h"

int gvw_cusolver_kind(int kind)
{
	switch (kind) {
#define CUSOLVER_KIND(k) case GVW_H_##k:
		GVG_CUSOLVER_KINDS(CUSOLVER_KIND)
#undef CUSOLVER_KIND
		return 1;
	default:
		return 0;
	}
}

void gvw_cusolver_destroy(const struct gvg_cusolver_fns *t, struct gvw_handle_slot *h)
{
	switch (h->kind) {
		GVW_DESTROY_CASE(CUSOLVERDN, cusolverDnHandle_t, cusolverDnDestroy)
		GVW_DESTROY_CASE(CUSOLVERSP, cusolverSpHandle_t, cusolverSpDestroy)
		GVW_DESTROY_CASE(CUSOLVERRF, cusolverRfHandle_t, cusolverRfDestroy)
		GVW_DESTROY_CASE(CUSOLVER_DN_PARAMS, cusolverDnParams_t, cusolverDnDestroyParams)
		GVW_DESTROY_CASE(CUSOLVER_SYEVJ_INFO, syevjInfo_t, cusolverDnDestroySyevjInfo)
		GVW_DESTROY_CASE(CUSOLVER_GESVDJ_INFO, gesvdjInfo_t, cusolverDnDestroyGesvdjInfo)
		GVW_DESTROY_CASE(CUSOLVER_IRS_PARAMS, cusolverDnIRSParams_t,
				 cusolverDnIRSParamsDestroy)
		GVW_DESTROY_CASE(CUSOLVER_IRS_INFOS, cusolverDnIRSInfos_t,
				 cusolverDnIRSInfosDestroy)
		GVW_DESTROY_CASE(CUSOLVER_CSRQR_INFO, csrqrInfo_t, cusolverSpDestroyCsrqrInfo)
		GVW_DESTROY_CASE(CUSOLVER_CSRQR_INFO_HOST, csrqrInfoHost_t,
				 cusolverSpDestroyCsrqrInfoHost)
		GVW_DESTROY_CASE(CUSOLVER_CSRCHOL_INFO, csrcholInfo_t, cusolverSpDestroyCsrcholInfo)
		GVW_DESTROY_CASE(CUSOLVER_CSRCHOL_INFO_HOST, csrcholInfoHost_t,
				 cusolverSpDestroyCsrcholInfoHost)
		GVW_DESTROY_CASE(CUSOLVER_CSRLU_INFO_HOST, csrluInfoHost_t,
				 cusolverSpDestroyCsrluInfoHost)
	default:
		break;
	}
}

int gvg_cusolver_csr(struct gvw_call *c, cusparseMatDescr_t descr, int rows, int cols, int nnz,
		     const int *row_ptr, const int *end_ptr, const int *col_ind)
{
	const struct gvg_cusparse_fns *sp = gvw_math_fns(c, GVW_LIB_CUSPARSE);
	int base, i;

	/* The library reads a NULL array as the caller's error; so do we. */
	if (!row_ptr || (nnz && !col_ind) || rows < 0 || cols < 0 || nnz < 0)
		return row_ptr ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
	/* A NULL descriptor is the library's to refuse; its arrays are still
	 * held to base zero, whatever the library would make of them. */
	if (descr && (!sp || !sp->cusparseGetMatIndexBase))
		return CUDA_ERROR_NOT_SUPPORTED;
	base = descr && sp->cusparseGetMatIndexBase(descr) == CUSPARSE_INDEX_BASE_ONE;
	if (end_ptr) {
		/* Start and end pointers, rows of each (csrissym's four-array form). */
		for (i = 0; i < rows; i++)
			if (row_ptr[i] < base || end_ptr[i] < row_ptr[i] ||
			    (int64_t)end_ptr[i] > (int64_t)base + nnz)
				goto bad;
	} else {
		if (row_ptr[0] != base || (int64_t)row_ptr[rows] != (int64_t)base + nnz)
			goto bad;
		for (i = 0; i < rows; i++)
			if (row_ptr[i + 1] < row_ptr[i])
				goto bad;
	}
	for (i = 0; i < nnz; i++)
		if (col_ind[i] < base || (int64_t)col_ind[i] >= (int64_t)base + cols)
			goto bad;
	return CUDA_SUCCESS;
bad:
	gvw_log(GVW_WARN,
		"session %u: a host CSR matrix's row pointers or column indices are "
		"outside its own arrays: refused",
		c->s->id);
	return CUDA_ERROR_INVALID_VALUE;
}

int gvg_cusolver_perm(const int *p, int n)
{
	int i;

	for (i = 0; p && i < n; i++)
		if (p[i] < 0 || p[i] >= n)
			return CUDA_ERROR_INVALID_VALUE;
	return CUDA_SUCCESS;
}

void gvg_cusolver_work_done(struct gvw_call *c, cusolverDnHandle_t h)
{
	const struct gvg_cusolver_fns *t = gvg_lib_fns_cusolver(c);
	cudaStream_t stream = NULL;

	if (t && t->cusolverDnGetStream && !t->cusolverDnGetStream(h, &stream))
		gvw_ex(c)->stream_sync(c->ctx, stream);
}

int gvg_cusolver_info_size(struct gvw_call *c, uint64_t info, enum gvw_handle_kind kind,
			   size_t bytes)
{
	struct gvw_handle_slot *slot = gvw_handle_get(&c->s->handles, info, kind);
	void *buf;

	if (!slot)
		return info ? CUDA_ERROR_INVALID_HANDLE : CUDA_SUCCESS;
	if (slot->aux && slot->bytes >= bytes)
		return CUDA_SUCCESS;
	if (bytes > GVG_HOST_WORK_MAX || gvw_host_charge(c->s, bytes))
		return CUDA_ERROR_OUT_OF_MEMORY;
	buf = calloc(1, bytes ? bytes : 1);
	if (!buf) {
		gvw_host_uncharge(c->s, bytes);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	gvw_host_uncharge(c->s, slot->bytes);
	free(slot->aux);
	slot->aux = buf;
	slot->bytes = bytes;
	return CUDA_SUCCESS;
}

int gvg_cusolver_info_work(struct gvw_call *c, uint64_t info, enum gvw_handle_kind kind, void **out)
{
	struct gvw_handle_slot *slot = gvw_handle_get(&c->s->handles, info, kind);

	*out = NULL;
	if (!info)
		return CUDA_SUCCESS;
	if (!slot)
		return CUDA_ERROR_INVALID_HANDLE;
	if (!slot->aux) {
		gvw_log(GVW_WARN,
			"session %u: a cuSOLVER *Host call's buffer before the call that "
			"sizes it (BufferInfoHost, csrperm_bufferSizeHost): refused",
			c->s->id);
		return CUDA_ERROR_INVALID_VALUE;
	}
	*out = slot->aux;
	return CUDA_SUCCESS;
}

void gvg_cusolver_lu_set_dim(struct gvw_call *c, uint64_t info, int n)
{
	struct gvw_handle_slot *slot =
	    gvw_handle_get(&c->s->handles, info, GVW_H_CUSOLVER_CSRLU_INFO_HOST);

	if (slot && n >= 0)
		slot->aux_dim = (int64_t)n + 1;
}

int64_t gvg_cusolver_lu_dim(struct gvw_call *c, cusolverSpHandle_t h, uint64_t info, int i)
{
	struct gvw_handle_slot *slot =
	    gvw_handle_get(&c->s->handles, info, GVW_H_CUSOLVER_CSRLU_INFO_HOST);
	const struct gvg_cusolver_fns *t = gvg_lib_fns_cusolver(c);
	int nnz[2] = {-1, -1};

	if (!info)
		return 0;
	if (!slot || !slot->aux_dim)
		return -1;
	if (i == 0)
		return slot->aux_dim - 1;
	if (!t->cusolverSpXcsrluNnzHost ||
	    t->cusolverSpXcsrluNnzHost(h, &nnz[0], &nnz[1], (csrluInfoHost_t)slot->obj))
		return -1;
	return nnz[i == 1 ? 0 : 1];
}
