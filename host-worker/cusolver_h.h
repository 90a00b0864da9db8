/* SPDX-License-Identifier: MIT */
/*
 * cuSOLVER's headers, without the macros of cublas_v2.h that they pull
 * in: those rename cuBLAS's legacy calls (cublasSgemm to cublasSgemm_v2)
 * in every file that includes them, and the host worker and its tests
 * name both APIs.  cublas_api.h gives the types the headers need.
 */
#ifndef GVIRTUS_CUSOLVER_H_H
#define GVIRTUS_CUSOLVER_H_H

#include <cublas_api.h>
#include <cusparse.h>

#ifndef CUBLAS_V2_H_
#define CUBLAS_V2_H_
#define GVIRTUS_CUBLAS_V2_SKIPPED
#endif
#include <cusolverDn.h>
#include <cusolverRf.h>
#include <cusolverSp.h>
#include <cusolverSp_LOWLEVEL_PREVIEW.h>
#ifdef GVIRTUS_CUBLAS_V2_SKIPPED
#undef CUBLAS_V2_H_
#undef GVIRTUS_CUBLAS_V2_SKIPPED
#endif

#endif
