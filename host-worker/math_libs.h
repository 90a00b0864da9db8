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
	GVW_LIB_CUSPARSE,
	GVW_LIB_CUDNN,
	GVW_LIB_CUSOLVER,
	GVW_LIB_LIMIT,
};

/* The library's table from the session's executor, or NULL: the executor
 * has none, or the host lacks the library (logged once, naming it). */
const void *gvw_math_fns(struct gvw_call *c, enum gvw_math_lib lib);

/*
 * A session's math library object, destroyed by its library as the
 * session ends (its context current): 1 if the slot held one.  Sessions
 * inside QEMU (worker="") would otherwise leave them in QEMU's process.
 */
struct gvw_session;
struct gvw_handle_slot;
int gvw_math_release(struct gvw_session *s, struct gvw_handle_slot *h);

/* cuSPARSE's objects (math_cusparse.c): whether kind is one, and its
 * destruction by the library's table t. */
int gvw_cusparse_kind(int kind);
struct gvg_cusparse_fns;
void gvw_cusparse_destroy(const struct gvg_cusparse_fns *t, struct gvw_handle_slot *h);
/*
 * Whether an object of kind counts against max_library_objects, the quota
 * of objects holding memory of their library's own (handles, plans,
 * generators).  cuDNN's backend descriptors are small host records that
 * cudnn-frontend makes by the hundred for each convolution plan (44 knob
 * choices per engine config): they count against max_handles only.
 */
int gvw_counts_as_library_object(int kind);
/* The same for cuDNN's objects (math_cudnn.c). */
int gvw_cudnn_kind(int kind);
struct gvg_cudnn_fns;
void gvw_cudnn_destroy(const struct gvg_cudnn_fns *t, struct gvw_handle_slot *h);
/* A case of a library's destroy switch (t its table, h the slot): one
 * kind, its type and the call that destroys it. */
#define GVW_DESTROY_CASE(kind, type, fn)                                                           \
	case GVW_H_##kind:                                                                         \
		if (t->fn)                                                                         \
			t->fn((type)h->obj);                                                       \
		break;
/* The same of cuSOLVER's objects (math_cusolver.c). */
int gvw_cusolver_kind(int kind);
struct gvg_cusolver_fns;
void gvw_cusolver_destroy(const struct gvg_cusolver_fns *t, struct gvw_handle_slot *h);

/* For executors: open lib's soname with sym from dlsym, once per process. */
const void *gvw_math_open(enum gvw_math_lib lib);

#endif
