/* SPDX-License-Identifier: MIT */
/* What libcusolver.so.12's generated stubs and cusolver_local.c share. */
#ifndef GVIRTUS_GVM_CUSOLVER_H
#define GVIRTUS_GVM_CUSOLVER_H

#include <cuda_runtime_api.h>
#include <cusolverDn.h>
#include <cusolverRf.h>
#include <cusolverSp.h>
#include <cusolverSp_LOWLEVEL_PREVIEW.h>
#include <stdint.h>

/* The shadow of a dense or sparse handle's stream (cusolver_local.c),
 * by the handle's value: both kinds are the host's table's handles, so
 * their values never collide. */
void gvm_cusolver_created(uint64_t h);
void gvm_cusolver_destroyed(uint64_t h);
void gvm_cusolver_set_stream(uint64_t h, cudaStream_t stream);
/* What a csrlu host info object's analysis and nnz calls said (n, nnzL,
 * nnzU; -1 leaves one as it was): the sizes of csrluExtractHost's
 * factors, dim(0) n, (1) nnzL, (2) nnzU; 0 where not said (the host then
 * refuses the sizes, which are not its own). */
void gvm_cusolver_lu_dims(uint64_t info, int n, int nnz_l, int nnz_u);
void gvm_cusolver_lu_forget(uint64_t info);
int64_t gvm_cusolver_lu_dim(uint64_t info, int i);

#endif
