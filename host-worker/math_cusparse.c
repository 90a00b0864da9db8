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

/* One kind, its type and the call that destroys it. */
#define DESTROY(kind, type, fn)                                                                    \
	case GVW_H_##kind:                                                                         \
		if (t->fn)                                                                         \
			t->fn((type)h->obj);                                                       \
		break;

void gvw_cusparse_destroy(const struct gvg_cusparse_fns *t, struct gvw_handle_slot *h)
{
	switch (h->kind) {
		DESTROY(CUSPARSE, cusparseHandle_t, cusparseDestroy)
		DESTROY(CUSPARSE_MAT_DESCR, cusparseMatDescr_t, cusparseDestroyMatDescr)
		DESTROY(CUSPARSE_CSRIC02_INFO, csric02Info_t, cusparseDestroyCsric02Info)
		DESTROY(CUSPARSE_BSRIC02_INFO, bsric02Info_t, cusparseDestroyBsric02Info)
		DESTROY(CUSPARSE_CSRILU02_INFO, csrilu02Info_t, cusparseDestroyCsrilu02Info)
		DESTROY(CUSPARSE_BSRILU02_INFO, bsrilu02Info_t, cusparseDestroyBsrilu02Info)
		DESTROY(CUSPARSE_BSRSV2_INFO, bsrsv2Info_t, cusparseDestroyBsrsv2Info)
		DESTROY(CUSPARSE_BSRSM2_INFO, bsrsm2Info_t, cusparseDestroyBsrsm2Info)
		DESTROY(CUSPARSE_CSRU2CSR_INFO, csru2csrInfo_t, cusparseDestroyCsru2csrInfo)
		DESTROY(CUSPARSE_COLOR_INFO, cusparseColorInfo_t, cusparseDestroyColorInfo)
		DESTROY(CUSPARSE_PRUNE_INFO, pruneInfo_t, cusparseDestroyPruneInfo)
		DESTROY(CUSPARSE_SPVEC, cusparseConstSpVecDescr_t, cusparseDestroySpVec)
		DESTROY(CUSPARSE_DNVEC, cusparseConstDnVecDescr_t, cusparseDestroyDnVec)
		DESTROY(CUSPARSE_SPMAT, cusparseConstSpMatDescr_t, cusparseDestroySpMat)
		DESTROY(CUSPARSE_DNMAT, cusparseConstDnMatDescr_t, cusparseDestroyDnMat)
		DESTROY(CUSPARSE_SPSV_DESCR, cusparseSpSVDescr_t, cusparseSpSV_destroyDescr)
		DESTROY(CUSPARSE_SPSM_DESCR, cusparseSpSMDescr_t, cusparseSpSM_destroyDescr)
		DESTROY(CUSPARSE_SPGEMM_DESCR, cusparseSpGEMMDescr_t, cusparseSpGEMM_destroyDescr)
	default:
		break;
	}
}
