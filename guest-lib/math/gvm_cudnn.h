/* SPDX-License-Identifier: MIT */
/* What libcudnn.so.9's generated stubs, cudnn_local.c and cudnn_backend.c share. */
#ifndef GVIRTUS_GVM_CUDNN_H
#define GVIRTUS_GVM_CUDNN_H

#include <stddef.h>

#include "gen/cudnn_decls.h"

/* The shadow of a handle's stream (cudnnGetStream answers from it). */
void gvm_cudnn_created(cudnnHandle_t h);
void gvm_cudnn_destroyed(cudnnHandle_t h);
void gvm_cudnn_set_stream(cudnnHandle_t h, cudaStream_t stream);

/* The shadow of each tensor descriptor's data type: a call's scaling
 * factors are doubles for double data, floats for every other type. */
void gvm_cudnn_tensor_type(cudnnTensorDescriptor_t d, cudnnDataType_t type);
void gvm_cudnn_tensor_gone(cudnnTensorDescriptor_t d);
/* A descriptor the library derived from x (batch norm's): float, or
 * double for double x. */
void gvm_cudnn_tensor_derived(cudnnTensorDescriptor_t d, cudnnTensorDescriptor_t x);
/* Bytes of a scaling factor of a call whose first tensor descriptor is d. */
size_t gvm_cudnn_scalar_bytes(cudnnTensorDescriptor_t d);

#endif
