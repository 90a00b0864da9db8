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

#endif
