/* SPDX-License-Identifier: MIT */
/* What libcublasLt.so.13's generated stubs and hand-written files share. */
#ifndef GVIRTUS_GVM_CUBLASLT_H
#define GVIRTUS_GVM_CUBLASLT_H

#include <cublasLt.h>
#include <stddef.h>

/*
 * The shadow of each matmul or transform descriptor's pointer mode and
 * scale type (cublaslt_local.c): where cublasLtMatmul's alpha and beta
 * live, and their size.
 */
void gvm_cublaslt_desc_created(void *desc, cudaDataType scale);
void gvm_cublaslt_desc_destroyed(void *desc);
/* After a successful SetAttribute: mode/scale say which attribute it was. */
void gvm_cublaslt_desc_set(void *desc, int mode, int scale, const void *buf, size_t size);
/* 1: host scalars, 0: device (or a descriptor not made here), -1: a
 * vector pointer mode, which gvirtus does not remote yet. */
int gvm_cublaslt_host_scalars(void *desc);
size_t gvm_cublaslt_scale_bytes(void *desc);
/*
 * The descriptors, layouts and preferences this process made and has not
 * destroyed: a destroy of one is queued (nothing can fail it).  _dying
 * forgets obj and says whether it was live, so a second destroy asks the
 * host, which refuses it as natively.
 */
void gvm_cublaslt_live(void *obj);
int gvm_cublaslt_dying(void *obj);
int gvm_cublaslt_is_live(void *obj);

#endif
