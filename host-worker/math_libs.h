/* SPDX-License-Identifier: MIT */
/*
 * NVIDIA's math libraries on the host: each is opened the first time a
 * session calls into it (libcublasLt alone is half a gigabyte), and its
 * functions resolved into the generated table of host-worker/gen/.
 */
#ifndef GVIRTUS_MATH_LIBS_H
#define GVIRTUS_MATH_LIBS_H

#include "handlers.h"

enum gvw_math_lib {
	GVW_LIB_CURAND,
	GVW_LIB_CUBLAS,
	GVW_LIB_CUFFT,
	GVW_LIB_CUBLASLT,
	GVW_LIB_LIMIT,
};

/* The library's table from the session's executor, or NULL: the executor
 * has none, or the host lacks the library (logged once, naming it). */
const void *gvw_math_fns(struct gvw_call *c, enum gvw_math_lib lib);

/* For executors: open lib's soname with sym from dlsym, once per process. */
const void *gvw_math_open(enum gvw_math_lib lib);

#endif
