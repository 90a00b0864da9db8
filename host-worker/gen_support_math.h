/* SPDX-License-Identifier: MIT */
/*
 * What the generated host dispatch of the math libraries (cuRAND, cuFFT,
 * cuBLAS, cuSPARSE, cuDNN) adds to gen_support.h: each library's function table, found the
 * first time a session calls into it, and the checks of their roles.
 * Checks return CUresult codes; the generated handler says them as the
 * library's status (its static status()).
 */
#ifndef GVIRTUS_GEN_SUPPORT_MATH_H
#define GVIRTUS_GEN_SUPPORT_MATH_H

#include <cublasLt.h>
#include <cublas_api.h>
#include <cufftXt.h>
#include <curand.h>
#include <cusparse.h>

#include "cusolver_h.h"
#include "gen/cublasLt_driver_fns.h"
#include "gen/cublasLt_msgs.h"
#include "gen/cublas_driver_fns.h"
#include "gen/cublas_msgs.h"
#include "gen/cudnn_decls.h"
#include "gen/cudnn_driver_fns.h"
#include "gen/cudnn_msgs.h"
#include "gen/cufft_driver_fns.h"
#include "gen/cufft_msgs.h"
#include "gen/curand_driver_fns.h"
#include "gen/curand_msgs.h"
#include "gen/cusolver_driver_fns.h"
#include "gen/cusolver_msgs.h"
#include "gen/cusparse_driver_fns.h"
#include "gen/cusparse_msgs.h"
#include "gen_support.h"
#include "math_libs.h"

/*
 * Each library's table of host functions (struct gvg_<lib>_fns), and its
 * accessor: NULL where the executor has none (the CPU double).
 */
#define GVG_MATH_TYPE(name, ret, params)  typedef ret(*gvg_fn_##name) params;
#define GVG_MATH_FIELD(name, ret, params) gvg_fn_##name name;
#define GVG_MATH_TABLE(LIB, FNS, ID)                                                               \
	FNS(GVG_MATH_TYPE)                                                                         \
	struct gvg_##LIB##_fns {                                                                   \
		FNS(GVG_MATH_FIELD)                                                                \
	};                                                                                         \
	static inline const struct gvg_##LIB##_fns *gvg_lib_fns_##LIB(struct gvw_call *c)          \
	{                                                                                          \
		return (const struct gvg_##LIB##_fns *)gvw_math_fns(c, ID);                        \
	}
GVG_MATH_TABLE(curand, GVG_CURAND_FNS, GVW_LIB_CURAND)
GVG_MATH_TABLE(cublas, GVG_CUBLAS_FNS, GVW_LIB_CUBLAS)
GVG_MATH_TABLE(cublasLt, GVG_CUBLASLT_FNS, GVW_LIB_CUBLASLT)
GVG_MATH_TABLE(cufft, GVG_CUFFT_FNS, GVW_LIB_CUFFT)
GVG_MATH_TABLE(cusparse, GVG_CUSPARSE_FNS, GVW_LIB_CUSPARSE)
GVG_MATH_TABLE(cudnn, GVG_CUDNN_FNS, GVW_LIB_CUDNN)
GVG_MATH_TABLE(cusolver, GVG_CUSOLVER_FNS, GVW_LIB_CUSOLVER)
#undef GVG_MATH_TABLE
#undef GVG_MATH_TYPE
#undef GVG_MATH_FIELD

#define GVG_LIBFN(LIB, name)	 (gvg_lib_fns_##LIB(c) && gvg_lib_fns_##LIB(c)->name), #name
#define GVG_LIBDRV(c, LIB, name) (gvg_lib_fns_##LIB(c)->name)

/* As gvg_enter, for a library the endpoint serves as api (GV_API_*). */
int gvg_enter_lib(struct gvw_call *c, unsigned int api, int present, const char *name);
/* A handle of either kind; *kind says which. */
int gvg_handle_kinds(struct gvw_call *c, uint64_t h, enum gvw_handle_kind k1,
		     enum gvw_handle_kind k2, enum gvw_handle_kind *kind, void **out);
/* The handle whose short form (its low 32 bits, an int's room: cuFFT's
 * plans) h is, or a value every check refuses. */
uint64_t gvg_handle_full(struct gvw_call *c, uint64_t h, enum gvw_handle_kind kind);
/* As gvg_handle_new and gvg_handle_forget, for an object a math library
 * made: counted against the session's max_library_objects (0 past it). */
uint64_t gvg_lib_object_new(struct gvw_call *c, enum gvw_handle_kind kind, void *obj);
void gvg_lib_object_forget(struct gvw_call *c, uint64_t h, enum gvw_handle_kind kind);
/* Objects the guest holds by their address (cuRAND's distributions,
 * which kernels dereference): made as gvg_lib_object_new, the address
 * (0 past the limit); found among the session's own of the kind; the
 * handle of one, or a value every check refuses. */
uint64_t gvg_raw_object_new(struct gvw_call *c, enum gvw_handle_kind kind, void *obj);
int gvg_raw_handle(struct gvw_call *c, uint64_t v, enum gvw_handle_kind kind, void **out);
uint64_t gvg_raw_full(struct gvw_call *c, uint64_t v, enum gvw_handle_kind kind);
/*
 * A library call's device address.  Natively a library does not check
 * one: its kernel faults on an address the program does not own, and the
 * error surfaces at the next synchronization, sticky.  Such an address
 * never reaches the library here (it might read it on the host side);
 * the session's context takes the same fault instead, and the call
 * answers GVG_FAULTED (its status(): the library's success) without
 * being made.  An executor without real faults refuses the address.
 */
#define GVG_FAULTED 0x7f000001
int gvg_lib_devptr(struct gvw_call *c, uint64_t ptr, uint64_t len);
/* gvg_lib_devptr, and the address as a pointer. */
int gvg_devptr_at(struct gvw_call *c, uint64_t ptr, uint64_t len, void **out);
/* 0 when host (1: host memory, 0: device memory) is the pointer mode the
 * library holds for the handle; a NULL handle is the library's to refuse. */
int gvg_cublas_pointer_mode(struct gvw_call *c, cublasHandle_t h, int host);
/* The same for a cuSPARSE handle. */
int gvg_cusparse_pointer_mode(struct gvw_call *c, cusparseHandle_t h, int host);
/* cuDNN's scaling factors are host memory always: 0 when host says so. */
int gvg_cudnn_host_scalars(int host);
/*
 * Host arrays of a call that runs on the host's CPU (cuSOLVER's *Host
 * calls), packed by the guest in the request's one GV_BULK_UPDATE buffer
 * of len bytes: *out is the host's private copy of it (NULL for none),
 * so that the guest's pages cannot change under NVIDIA's CPU code (never
 * NULL on success: arrays of no elements point into it too).
 * gvg_host_arrays_done writes it back to the guest's buffer when back is
 * set, and frees it.  At most GVG_HOST_ARRAY_MAX elements an array.
 */
#define GVG_HOST_ARRAY_MAX (1ll << 28)
int gvg_host_arrays(struct gvw_call *c, uint64_t len, unsigned char **out);
void gvg_host_arrays_done(struct gvw_call *c, unsigned char *pk, uint64_t len, int back);
/* Host workspace of len bytes the call uses (cuSOLVER's bufferOnHost):
 * the host's own zeroed memory, GVG_HOST_WORK_MAX at most; NULL for 0. */
#define GVG_HOST_WORK_MAX (256ull << 20)
int gvg_host_work(struct gvw_call *c, size_t len, void **out);
/* A CSR matrix of rows x cols with nnz entries in host arrays, as the
 * descriptor's index base has it: rows + 1 row pointers non-decreasing
 * from the base to base + nnz, or (end_ptr given) rows start and end
 * pointers within the entries; column indices within the columns.
 * NVIDIA's CPU code trusts them. */
int gvg_cusolver_csr(struct gvw_call *c, cusparseMatDescr_t descr, int rows, int cols, int nnz,
		     const int *row_ptr, const int *end_ptr, const int *col_ind);
/* The dense handle's stream, synchronized: the library's queued work on
 * a host workspace is done before the host frees it. */
void gvg_cusolver_work_done(struct gvw_call *c, cusolverDnHandle_t h);
/* The host workspace kept with a cuSOLVER *Host info object (a handle
 * of kind; for csrperm, the sparse handle): made or grown to bytes by its
 * buffer-size call, charged to the session's host memory; found for its
 * factor, solve or permute calls (NULL for a NULL object, the library's
 * to refuse; refused before it is sized). */
int gvg_cusolver_info_size(struct gvw_call *c, uint64_t info, enum gvw_handle_kind kind,
			   size_t bytes);
int gvg_cusolver_info_work(struct gvw_call *c, uint64_t info, enum gvw_handle_kind kind,
			   void **out);
/* csrluExtractHost's sizes, from the library's info object: its order
 * (i 0, kept by gvg_cusolver_lu_set_dim at its analysis), its L and U
 * factors' nnz (i 1, 2, asked of the library); 0 for a NULL info (the
 * library's to refuse), -1 where unknown. */
void gvg_cusolver_lu_set_dim(struct gvw_call *c, uint64_t info, int n);
int64_t gvg_cusolver_lu_dim(struct gvw_call *c, cusolverSpHandle_t h, uint64_t info, int i);
/* A permutation's n entries, each within [0, n) (NULL: none given). */
int gvg_cusolver_perm(const int *p, int n);
/* The same for a cuBLASLt matmul or transform descriptor; for a matmul
 * descriptor, also the device addresses and the emulation descriptor its
 * attributes name (checked as the call's own pointers and handles are). */
int gvg_cublaslt_matmul_mode(struct gvw_call *c, cublasLtMatmulDesc_t d, int host);
int gvg_cublaslt_transform_mode(struct gvw_call *c, cublasLtMatrixTransformDesc_t d, int host);
/* A matmul descriptor attribute that names a host object: one the session holds. */
int gvg_cublaslt_desc_attr(struct gvw_call *c, int attr, const void *buf, size_t size);
#define gvg_cublaslt_pointer_mode(c, d, host)                                                      \
	_Generic((d), cublasLtMatmulDesc_t                                                         \
		 : gvg_cublaslt_matmul_mode, cublasLtMatrixTransformDesc_t                         \
		 : gvg_cublaslt_transform_mode)(c, d, host)

#endif
