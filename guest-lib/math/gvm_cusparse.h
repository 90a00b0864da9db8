/* SPDX-License-Identifier: MIT */
/* What libcusparse.so.12's generated stubs and cusparse_local.c share. */
#ifndef GVIRTUS_GVM_CUSPARSE_H
#define GVIRTUS_GVM_CUSPARSE_H

#include <cusparse.h>
#include <library_types.h>
#include <stddef.h>

/* The shadow of a handle's state (cusparse_local.c). */
void gvm_cusparse_created(cusparseHandle_t h);
void gvm_cusparse_destroyed(cusparseHandle_t h);
void gvm_cusparse_set_pointer_mode(cusparseHandle_t h, cusparsePointerMode_t mode);
void gvm_cusparse_set_stream(cusparseHandle_t h, cudaStream_t stream);
/* 1: the handle's scalars are host memory (the default mode); 0 for a
 * handle this process did not create. */
int gvm_cusparse_host_pointers(cusparseHandle_t h);

#endif
