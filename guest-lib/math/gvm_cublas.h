/* SPDX-License-Identifier: MIT */
/* What libcublas.so.13's generated stubs and hand-written files share. */
#ifndef GVIRTUS_GVM_CUBLAS_H
#define GVIRTUS_GVM_CUBLAS_H

#include <cublas_api.h>
#include <stddef.h>

/* The shadow of a handle's state (cublas_local.c). */
void gvm_cublas_created(cublasHandle_t h);
void gvm_cublas_destroyed(cublasHandle_t h);
void gvm_cublas_set_pointer_mode(cublasHandle_t h, cublasPointerMode_t mode);
void gvm_cublas_set_stream(cublasHandle_t h, cudaStream_t stream);
/* 1: the handle's scalars are host memory (the default mode); 0 for a
 * handle this process did not create. */
int gvm_cublas_host_pointers(cublasHandle_t h);

/* The legacy API (cublas_legacy.c): the process's implicit handle (NULL,
 * and the error kept, before cublasInit), a call's status kept for
 * cublasGetError, and its character arguments as enums (-1, and
 * CUBLAS_STATUS_INVALID_VALUE kept, for one it does not know). */
cublasHandle_t gvm_cublas_legacy_handle(void);
void gvm_cublas_legacy_status(cublasStatus_t s);
int gvm_cublas_legacy_op(char c, cublasOperation_t *out);
int gvm_cublas_legacy_fill(char c, cublasFillMode_t *out);
int gvm_cublas_legacy_diag(char c, cublasDiagType_t *out);
int gvm_cublas_legacy_side(char c, cublasSideMode_t *out);

/* Bytes of a GEMM's scale type; 0 for a type the library refuses itself. */
size_t gvm_cublas_compute_bytes(cublasComputeType_t compute, cudaDataType ctype);

#endif
