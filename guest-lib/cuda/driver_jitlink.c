/* SPDX-License-Identifier: MIT */
/*
 * cuLink*: JIT linking, done where the program runs by NVIDIA's nvJitLink
 * (which never touches a GPU, like NVRTC), for the current device's
 * architecture; the linked CUBIN then loads through cuModuleLoadData as
 * any image does.  The driver's link options that nvJitLink has map onto
 * its options; the logs go into the caller's buffers after each step.
 * Without libnvJitLink.so.13 in the guest (the toolkit's, shared in or
 * installed), the calls say CUDA_ERROR_NOT_SUPPORTED and log what to add.
 * One difference from the driver: nvJitLink compiles PTX at cuLinkComplete,
 * so a PTX error is returned there rather than by cuLinkAddData.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "gvcu.h"

/* nvJitLink's entry points of CUDA 13.0's ABI (its header's inline wrappers call these). */
static struct {
	int (*create)(void **h, uint32_t n, const char *const *opts);
	int (*add_data)(void *h, int type, const void *data, size_t size, const char *name);
	int (*add_file)(void *h, int type, const char *path);
	int (*complete)(void *h);
	int (*cubin_size)(void *h, size_t *n);
	int (*cubin)(void *h, void *out);
	int (*error_log_size)(void *h, size_t *n);
	int (*error_log)(void *h, char *out);
	int (*info_log_size)(void *h, size_t *n);
	int (*info_log)(void *h, char *out);
	int (*destroy)(void **h);
} nvjl;
static pthread_once_t nvjl_once = PTHREAD_ONCE_INIT;
static int nvjl_ok;

static void nvjl_load(void)
{
	void *lib = dlopen("libnvJitLink.so.13", RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		gv_log(GV_LOG_ERROR,
		       "cuLinkCreate: JIT linking needs NVIDIA's libnvJitLink.so.13 in the guest "
		       "(the toolkit's lib64, shared in or installed, on LD_LIBRARY_PATH): %s",
		       dlerror());
		return;
	}
#define SYM(field, name) (*(void **)&nvjl.field = dlsym(lib, name))
	nvjl_ok =
	    SYM(create, "__nvJitLinkCreate_13_0") && SYM(add_data, "__nvJitLinkAddData_13_0") &&
	    SYM(add_file, "__nvJitLinkAddFile_13_0") && SYM(complete, "__nvJitLinkComplete_13_0") &&
	    SYM(cubin_size, "__nvJitLinkGetLinkedCubinSize_13_0") &&
	    SYM(cubin, "__nvJitLinkGetLinkedCubin_13_0") &&
	    SYM(error_log_size, "__nvJitLinkGetErrorLogSize_13_0") &&
	    SYM(error_log, "__nvJitLinkGetErrorLog_13_0") &&
	    SYM(info_log_size, "__nvJitLinkGetInfoLogSize_13_0") &&
	    SYM(info_log, "__nvJitLinkGetInfoLog_13_0") && SYM(destroy, "__nvJitLinkDestroy_13_0");
#undef SYM
	if (!nvjl_ok)
		gv_log(GV_LOG_ERROR,
		       "cuLinkCreate: libnvJitLink.so.13 lacks CUDA 13.0's entry points");
}

#define LINK_MAGIC 0x4c4e4b47u /* "GKNL" */
#define MAX_OPTS   16

struct link {
	uint32_t magic;
	void *h;
	void *cubin;
	/* The caller's log buffers and the option slots that say their sizes. */
	char *info, *error;
	size_t info_cap, error_cap;
	void **info_size_slot, **error_size_slot, **wall_slot;
	struct timespec t0;
};

static struct link *link_of(CUlinkState s)
{
	struct link *l = (struct link *)s;

	return l && l->magic == LINK_MAGIC ? l : NULL;
}

/* A log of nvJitLink's into a caller's buffer (NUL-terminated, cut to fit). */
static void copy_log(void *h, int info, char *buf, size_t cap, void **size_slot)
{
	size_t n = 0;
	char *tmp;

	if (!buf || !cap)
		return;
	buf[0] = 0;
	if ((info ? nvjl.info_log_size(h, &n) : nvjl.error_log_size(h, &n)) || !n)
		return;
	tmp = malloc(n + 1);
	if (!tmp)
		return;
	if (!(info ? nvjl.info_log(h, tmp) : nvjl.error_log(h, tmp))) {
		tmp[n] = 0;
		snprintf(buf, cap, "%s", tmp);
		if (size_slot)
			*size_slot = (void *)(uintptr_t)(strlen(buf) + 1);
	}
	free(tmp);
}

static void logs(struct link *l)
{
	copy_log(l->h, 1, l->info, l->info_cap, l->info_size_slot);
	copy_log(l->h, 0, l->error, l->error_cap, l->error_size_slot);
}

static CUresult result(int r)
{
	switch (r) {
	case 0:
		return CUDA_SUCCESS;
	case 4: /* NVJITLINK_ERROR_PTX_COMPILE */
		return CUDA_ERROR_INVALID_PTX;
	case 3:	 /* INVALID_INPUT */
	case 8:	 /* UNRECOGNIZED_INPUT */
	case 12: /* INCORRECT_INPUT_TYPE */
		return CUDA_ERROR_INVALID_IMAGE;
	case 13: /* ARCH_MISMATCH */
		return CUDA_ERROR_NO_BINARY_FOR_GPU;
	case 9: /* FINALIZE: an unresolved symbol, among others */
		return CUDA_ERROR_INVALID_IMAGE;
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

/* The driver's input types as nvJitLink's. */
static int input_type(CUjitInputType t)
{
	switch (t) {
	case CU_JIT_INPUT_CUBIN:
		return 1;
	case CU_JIT_INPUT_PTX:
		return 2;
	case CU_JIT_INPUT_NVVM:
		return 3;
	case CU_JIT_INPUT_FATBINARY:
		return 4;
	case CU_JIT_INPUT_OBJECT:
		return 5;
	case CU_JIT_INPUT_LIBRARY:
		return 6;
	default:
		return -1;
	}
}

GVCU_EXPORT CUresult cuLinkCreate_v2(unsigned int n, CUjit_option *options, void **values,
				     CUlinkState *state)
{
	char opt[MAX_OPTS + 1][48];
	const char *argv[MAX_OPTS + 1];
	unsigned int i, argc = 0;
	int major = 0, minor = 0, target = 0;
	struct link *l;
	CUdevice dev;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!state || (n && (!options || !values)) || n > MAX_OPTS)
		return CUDA_ERROR_INVALID_VALUE;
	pthread_once(&nvjl_once, nvjl_load);
	if (!nvjl_ok)
		return CUDA_ERROR_NOT_SUPPORTED;
	l = calloc(1, sizeof(*l));
	if (!l)
		return CUDA_ERROR_OUT_OF_MEMORY;
	for (i = 0; i < n; i++) {
		uintptr_t v = (uintptr_t)values[i];

		switch (options[i]) {
		case CU_JIT_INFO_LOG_BUFFER:
			l->info = (char *)values[i];
			break;
		case CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES:
			l->info_cap = (unsigned int)v;
			l->info_size_slot = &values[i];
			break;
		case CU_JIT_ERROR_LOG_BUFFER:
			l->error = (char *)values[i];
			break;
		case CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES:
			l->error_cap = (unsigned int)v;
			l->error_size_slot = &values[i];
			break;
		case CU_JIT_WALL_TIME:
			l->wall_slot = &values[i];
			break;
		case CU_JIT_OPTIMIZATION_LEVEL:
			snprintf(opt[argc], sizeof(opt[0]), "-O%u", (unsigned int)(v > 3 ? 3 : v));
			argv[argc] = opt[argc], argc++;
			break;
		case CU_JIT_MAX_REGISTERS:
			snprintf(opt[argc], sizeof(opt[0]), "-maxrregcount=%u", (unsigned int)v);
			argv[argc] = opt[argc], argc++;
			break;
		case CU_JIT_TARGET:
			target = (int)v;
			break;
		case CU_JIT_GENERATE_DEBUG_INFO:
			if (v)
				argv[argc++] = "-g";
			break;
		case CU_JIT_GENERATE_LINE_INFO:
			if (v)
				argv[argc++] = "-lineinfo";
			break;
		case CU_JIT_LOG_VERBOSE:
			if (v)
				argv[argc++] = "-verbose";
			break;
		default:
			/* Hints for the driver's own compiler (cache mode, threads per
			 * block, fallback strategy, ...): nvJitLink has none. */
			break;
		}
	}
	/* The current device's architecture, unless the caller named one. */
	if (!target) {
		e = cuCtxGetDevice(&dev);
		if (!e)
			e = cuDeviceGetAttribute(&major,
						 CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
		if (!e)
			e = cuDeviceGetAttribute(&minor,
						 CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
		if (e) {
			free(l);
			return e;
		}
		target = major * 10 + minor;
	}
	snprintf(opt[argc], sizeof(opt[0]), "-arch=sm_%d", target);
	argv[argc] = opt[argc], argc++;
	e = result(nvjl.create(&l->h, argc, argv));
	if (e) {
		free(l);
		return e;
	}
	l->magic = LINK_MAGIC;
	clock_gettime(CLOCK_MONOTONIC, &l->t0);
	*state = (CUlinkState)l;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuLinkAddData_v2(CUlinkState state, CUjitInputType type, void *data,
				      size_t size, const char *name, unsigned int n,
				      CUjit_option *options, void **values)
{
	struct link *l = link_of(state);
	int t = input_type(type);
	CUresult e;

	(void)n, (void)options, (void)values; /* per-input options: none nvJitLink takes */
	if (!l || !data || !size || t < 0)
		return l ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_INVALID_HANDLE;
	e = result(nvjl.add_data(l->h, t, data, size, name));
	if (e)
		logs(l);
	return e;
}

GVCU_EXPORT CUresult cuLinkAddFile_v2(CUlinkState state, CUjitInputType type, const char *path,
				      unsigned int n, CUjit_option *options, void **values)
{
	struct link *l = link_of(state);
	int t = input_type(type);
	CUresult e;

	(void)n, (void)options, (void)values;
	if (!l || !path || t < 0)
		return l ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_INVALID_HANDLE;
	e = result(nvjl.add_file(l->h, t, path));
	if (e == CUDA_ERROR_INVALID_VALUE)
		e = CUDA_ERROR_FILE_NOT_FOUND;
	if (e)
		logs(l);
	return e;
}

GVCU_EXPORT CUresult cuLinkComplete(CUlinkState state, void **cubin, size_t *size)
{
	struct link *l = link_of(state);
	struct timespec t1;
	size_t n = 0;
	CUresult e;

	if (!l)
		return CUDA_ERROR_INVALID_HANDLE;
	if (!cubin || !size)
		return CUDA_ERROR_INVALID_VALUE;
	e = result(nvjl.complete(l->h));
	if (!e)
		e = result(nvjl.cubin_size(l->h, &n));
	if (!e && !l->cubin) {
		l->cubin = malloc(n);
		if (!l->cubin)
			e = CUDA_ERROR_OUT_OF_MEMORY;
		else
			e = result(nvjl.cubin(l->h, l->cubin));
	}
	logs(l);
	if (l->wall_slot) {
		float ms;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (float)((t1.tv_sec - l->t0.tv_sec) * 1e3 + (t1.tv_nsec - l->t0.tv_nsec) / 1e6);
		memcpy(l->wall_slot, &ms, sizeof(ms));
	}
	if (e)
		return e;
	*cubin = l->cubin;
	*size = n;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuLinkDestroy(CUlinkState state)
{
	struct link *l = link_of(state);

	if (!l)
		return CUDA_ERROR_INVALID_HANDLE;
	l->magic = 0;
	nvjl.destroy(&l->h);
	free(l->cubin);
	free(l);
	return CUDA_SUCCESS;
}
