/* SPDX-License-Identifier: MIT */
/*
 * cuSPARSE's objects left by a session (math_libs.h): the handle, the
 * legacy descriptor and info objects, the generic API's descriptors.
 * Each kind is destroyed by its library's own call, as the session ends.
 */
#include "gen_support_math.h"
#include "handles.h"
#include "math_libs.h"

int gvw_cusparse_kind(int kind)
{
	switch (kind) {
#define CUSPARSE_KIND(k) case GVW_H_##k:
		GVG_CUSPARSE_KINDS(CUSPARSE_KIND)
#undef CUSPARSE_KIND
		return 1;
	default:
		return 0;
	}
}

void gvw_cusparse_destroy(const struct gvg_cusparse_fns *t, struct gvw_handle_slot *h)
{
	switch (h->kind) {
		GVW_DESTROY_CASE(CUSPARSE, cusparseHandle_t, cusparseDestroy)
		GVW_DESTROY_CASE(CUSPARSE_MAT_DESCR, cusparseMatDescr_t, cusparseDestroyMatDescr)
		GVW_DESTROY_CASE(CUSPARSE_CSRIC02_INFO, csric02Info_t, cusparseDestroyCsric02Info)
		GVW_DESTROY_CASE(CUSPARSE_BSRIC02_INFO, bsric02Info_t, cusparseDestroyBsric02Info)
		GVW_DESTROY_CASE(CUSPARSE_CSRILU02_INFO, csrilu02Info_t,
				 cusparseDestroyCsrilu02Info)
		GVW_DESTROY_CASE(CUSPARSE_BSRILU02_INFO, bsrilu02Info_t,
				 cusparseDestroyBsrilu02Info)
		GVW_DESTROY_CASE(CUSPARSE_BSRSV2_INFO, bsrsv2Info_t, cusparseDestroyBsrsv2Info)
		GVW_DESTROY_CASE(CUSPARSE_BSRSM2_INFO, bsrsm2Info_t, cusparseDestroyBsrsm2Info)
		GVW_DESTROY_CASE(CUSPARSE_CSRU2CSR_INFO, csru2csrInfo_t,
				 cusparseDestroyCsru2csrInfo)
		GVW_DESTROY_CASE(CUSPARSE_COLOR_INFO, cusparseColorInfo_t, cusparseDestroyColorInfo)
		GVW_DESTROY_CASE(CUSPARSE_PRUNE_INFO, pruneInfo_t, cusparseDestroyPruneInfo)
		GVW_DESTROY_CASE(CUSPARSE_SPVEC, cusparseConstSpVecDescr_t, cusparseDestroySpVec)
		GVW_DESTROY_CASE(CUSPARSE_DNVEC, cusparseConstDnVecDescr_t, cusparseDestroyDnVec)
		GVW_DESTROY_CASE(CUSPARSE_SPMAT, cusparseConstSpMatDescr_t, cusparseDestroySpMat)
		GVW_DESTROY_CASE(CUSPARSE_DNMAT, cusparseConstDnMatDescr_t, cusparseDestroyDnMat)
		GVW_DESTROY_CASE(CUSPARSE_SPSV_DESCR, cusparseSpSVDescr_t,
				 cusparseSpSV_destroyDescr)
		GVW_DESTROY_CASE(CUSPARSE_SPSM_DESCR, cusparseSpSMDescr_t,
				 cusparseSpSM_destroyDescr)
		GVW_DESTROY_CASE(CUSPARSE_SPGEMM_DESCR, cusparseSpGEMMDescr_t,
				 cusparseSpGEMM_destroyDescr)
	default:
		break;
	}
}
