/* SPDX-License-Identifier: MIT */
/* The math libraries' generated round-trip tests (build/tests/gen/), as roundtrip.h. */
#ifndef GVIRTUS_ROUNDTRIP_MATH_H
#define GVIRTUS_ROUNDTRIP_MATH_H

#include <cublasLt.h>
#include <cublas_api.h>
#include <cufftXt.h>
#include <curand.h>
#include <cusparse.h>

#include "cusolver_h.h"
#include "gen/cublasLt_protos.h"
#include "gen/cublas_protos.h"
#include "gen/cudnn_decls.h"
#include "gen/cufft_protos.h"
#include "gen/curand_protos.h"
#include "gen/cusolver_protos.h"
#include "gen/cusparse_protos.h"
/* cuDNN's is committed (tests/unit/gen): CI has no cudnn.h to write it from. */
#include "gen/cudnn_protos.h"
#include "gen_support_math.h"
#include "roundtrip.h"

void rt_install_curand(struct gvg_curand_fns *t);
void rt_run_all_curand(void);
void rt_install_cublas(struct gvg_cublas_fns *t);
void rt_run_all_cublas(void);
void rt_install_cublasLt(struct gvg_cublasLt_fns *t);
void rt_run_all_cublasLt(void);
/* A cuBLAS handle as cuBLASLt's, scalars by descriptor (roundtrip_cublaslt.c). */
void cublaslt_calls(struct gvg_cublasLt_fns *lt, struct gvg_cublas_fns *blas);
void rt_install_cufft(struct gvg_cufft_fns *t);
void rt_run_all_cufft(void);
void rt_install_cusparse(struct gvg_cusparse_fns *t);
void rt_run_all_cusparse(void);
void rt_install_cusolver(struct gvg_cusolver_fns *t);
void rt_run_all_cusolver(void);
void rt_install_cudnn(struct gvg_cudnn_fns *t);
void rt_run_all_cudnn(void);
/* The backend API's attributes, hand-written (roundtrip_cudnn.c). */
void cudnn_backend_attributes(struct gvg_cudnn_fns *t);
/* Plans as short handles, their arrays (roundtrip_cufft.c). */
void cufft_plans(struct gvg_cufft_fns *t);
/* The object a fake returns for a handle the library declares as an int. */
#define RT_INT_OBJECT 4242
/* Room for a host array of cuSOLVER's *Host calls: the tests' dimensions
 * are below 64, and a row pointer has one more. */
#define RT_HOST_ARRAY 80
/* Pointer modes, shadowed state and strided copies (roundtrip_cublas.c). */
void cublas_pointer_modes(struct gvg_cublas_fns *t);
/* Host generators and requests that lie about them (roundtrip_curand.c). */
void curand_host_generators(struct gvg_curand_fns *t);

/* The async class of cuBLAS(Lt), cuFFT and cuRAND (roundtrip_async_math.c):
 * run while nothing sticky has been seen. */
void math_async(struct gvg_cublas_fns *b, struct gvg_cufft_fns *f, struct gvg_curand_fns *r,
		struct gvg_cublasLt_fns *lt);

#endif
