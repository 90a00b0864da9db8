/* SPDX-License-Identifier: MIT */
/*
 * Stubs for runtime functions gvirtus does not implement yet.  They take
 * no notice of their arguments (the C calling convention lets a function
 * ignore them) and fail with cudaErrorNotSupported, logging the name once.
 */
#ifndef GVIRTUS_UNSUPPORTED_H
#define GVIRTUS_UNSUPPORTED_H

#include <stdatomic.h>

int gv_unsupported(const char *name, atomic_flag *logged);

#define GV_UNSUPPORTED(name)                                                                       \
	__attribute__((visibility("default"))) int name(void);                                     \
	int name(void)                                                                             \
	{                                                                                          \
		static atomic_flag logged = ATOMIC_FLAG_INIT;                                      \
		return gv_unsupported(#name, &logged);                                             \
	}

/* The driver API's: CUDA_ERROR_NOT_SUPPORTED, and no runtime last error. */
int gvcu_unsupported(const char *name, atomic_flag *logged);

#define GV_CU_UNSUPPORTED(name)                                                                    \
	__attribute__((visibility("default"))) int name(void);                                     \
	int name(void)                                                                             \
	{                                                                                          \
		static atomic_flag logged = ATOMIC_FLAG_INIT;                                      \
		return gvcu_unsupported(#name, &logged);                                           \
	}

#endif
