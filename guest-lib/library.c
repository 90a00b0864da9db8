/* SPDX-License-Identifier: MIT */
/*
 * Libraries: images a program loads itself, independent of contexts
 * (cudaLibrary*; the driver's cuLibrary* in guest-lib/cuda/driver_library.c
 * use the same objects).  A library is kept as a registered fatbin is
 * (module.c): its own copy of the image goes to the host once per device,
 * at first use there (natively, loading is lazy too).
 * Its kernels are cudaKernel_t objects that every call taking a kernel's
 * host stub takes too, as natively.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gvrt.h"

/* Live libraries: a handle is used only once found here. */
static pthread_mutex_t libs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gv_fatbin **libs;
static size_t nlibs, libs_cap;

int gv_library_live(const void *lib)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&libs_lock);
	for (i = 0; i < nlibs && !found; i++)
		found = libs[i] == lib;
	pthread_mutex_unlock(&libs_lock);
	return lib && found;
}

static int remember(struct gv_fatbin *fb)
{
	int e = 0;

	pthread_mutex_lock(&libs_lock);
	if (nlibs == libs_cap) {
		size_t cap = libs_cap ? 2 * libs_cap : 8;
		struct gv_fatbin **v = realloc(libs, cap * sizeof(*v));

		if (v) {
			libs = v;
			libs_cap = cap;
		} else {
			e = -1;
		}
	}
	if (!e)
		libs[nlibs++] = fb;
	pthread_mutex_unlock(&libs_lock);
	return e;
}

static int forget(struct gv_fatbin *fb)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&libs_lock);
	for (i = 0; i < nlibs && !found; i++) {
		if (libs[i] == fb) {
			libs[i] = libs[--nlibs];
			found = 1;
		}
	}
	pthread_mutex_unlock(&libs_lock);
	return found;
}

cudaError_t gv_library_load(const void *code, size_t len, struct gv_fatbin **out)
{
	const void *image = code;
	struct gv_fatbin *fb;
	void *copy;

	if (!out || !code)
		return cudaErrorInvalidValue;
	if (!len)
		len = gv_image_size(&image);
	if (len < 16)
		return cudaErrorInvalidKernelImage;
	copy = malloc(len);
	if (!copy)
		return cudaErrorMemoryAllocation;
	memcpy(copy, image, len);
	fb = gv_fatbin_own(copy, len);
	if (!fb) {
		free(copy);
		return cudaErrorMemoryAllocation;
	}
	/*
	 * Loaded on each device at first use: natively loading is lazy too
	 * (the H100's driver takes a garbage image here and fails at its
	 * first use), and an image is not sent before a kernel needs it.
	 */
	if (remember(fb)) {
		gv_fatbin_forget(fb);
		return cudaErrorMemoryAllocation;
	}
	*out = fb;
	return cudaSuccess;
}

cudaError_t gv_library_load_file(const char *path, struct gv_fatbin **out)
{
	size_t len = 0;
	char *buf;
	cudaError_t e;

	if (!out || !path)
		return cudaErrorInvalidValue;
	buf = gv_read_file(path, &len);
	if (!buf)
		return len ? cudaErrorMemoryAllocation : cudaErrorFileNotFound;
	/* A binary is the file's bytes; PTX is its text, to the NUL added. */
	e = len < 16 ? cudaErrorInvalidKernelImage
		     : gv_library_load(buf, gv_image_is_binary(buf) ? len : 0, out);
	free(buf);
	return e;
}

cudaError_t gv_library_unload(struct gv_fatbin *fb)
{
	int saved = gv_current_device(), dev;

	if (!forget(fb))
		return cudaErrorInvalidResourceHandle;
	/* Each device's module, unloaded on its device. */
	for (dev = 0; dev < GVRT_MAX_DEVICES; dev++) {
		struct gv_handle_req q = {.handle = gv_fatbin_module(fb, dev)};
		struct gv_empty r;

		if (!q.handle)
			continue;
		gv_set_current_device(dev);
		(void)GV_RPC(MODULE_UNLOAD, &q, &r, NULL, 0);
	}
	gv_set_current_device(saved);
	gv_fatbin_forget(fb);
	return cudaSuccess;
}

cudaError_t gv_library_global(struct gv_fatbin *fb, const char *name, uint64_t *ptr, uint64_t *size)
{
	struct gv_name_req q = {0};
	struct gv_global_resp r = {0};
	uint64_t module = 0;
	cudaError_t e;

	if (!gv_library_live(fb))
		return cudaErrorInvalidResourceHandle;
	if (!name)
		return cudaErrorInvalidValue;
	q.name_len = (uint32_t)strnlen(name, GV_MAX_NAME);
	if (q.name_len == 0 || q.name_len >= GV_MAX_NAME)
		return cudaErrorSymbolNotFound;
	e = gv_module_handle(fb, &module);
	q.module = module;
	if (!e)
		e = gv_rpc_tail(GV_OP_GLOBAL_GET, &q, sizeof(q), name, q.name_len, &r, sizeof(r),
				NULL, 0);
	if (!e) {
		*ptr = r.ptr;
		*size = r.size;
	}
	/* The host's answer for a name the module lacks, as a library's call says it. */
	return e == cudaErrorInvalidSymbol ? cudaErrorSymbolNotFound : e;
}

cudaError_t gv_module_functions(uint64_t module, unsigned int *count, char **names)
{
	struct gv_module_functions_req q = {.module = module};
	struct gv_module_functions_resp r = {0};
	struct gv_buf b;
	cudaError_t e;

	*names = NULL;
	/* The figures first, then the names into a buffer of their size. */
	e = GV_RPC(MODULE_FUNCTIONS, &q, &r, NULL, 0);
	while (!e && r.names_len > q.buf_len) {
		free(*names);
		q.buf_len = r.names_len;
		*names = malloc(q.buf_len);
		if (!*names)
			return cudaErrorMemoryAllocation;
		b = (struct gv_buf){*names, q.buf_len, GV_BULK_FROM_HOST};
		e = GV_RPC(MODULE_FUNCTIONS, &q, &r, &b, 1);
	}
	if (e) {
		free(*names);
		*names = NULL;
		return e;
	}
	*count = r.count;
	return cudaSuccess;
}

cudaError_t gv_library_kernels(struct gv_fatbin *fb, struct gv_kernel **out, unsigned int max,
			       unsigned int *count)
{
	uint64_t module;
	unsigned int n = 0, i;
	char *names = NULL, *at;
	cudaError_t e;

	if (!gv_library_live(fb))
		return cudaErrorInvalidResourceHandle;
	e = gv_module_handle(fb, &module);
	if (!e)
		e = gv_module_functions(module, &n, &names);
	for (i = 0, at = names; !e && out && i < n && i < max; i++) {
		e = gv_fatbin_kernel(fb, at, &out[i]);
		at += strlen(at) + 1;
	}
	free(names);
	if (!e)
		*count = n;
	return e;
}

/* ---- the runtime's calls ---- */

static cudaError_t options_ok(const void *jit, void **jit_values, unsigned int njit,
			      const void *lib, void **lib_values, unsigned int nlib)
{
	if ((njit && (!jit || !jit_values)) || (nlib && (!lib || !lib_values)))
		return cudaErrorInvalidValue;
	gv_jit_outputs(njit, jit, jit_values);
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaLibraryLoadData(cudaLibrary_t *library, const void *code,
					    enum cudaJitOption *jitOptions, void **jitOptionsValues,
					    unsigned int numJitOptions,
					    enum cudaLibraryOption *libraryOptions,
					    void **libraryOptionValues,
					    unsigned int numLibraryOptions)
{
	cudaError_t e = options_ok(jitOptions, jitOptionsValues, numJitOptions, libraryOptions,
				   libraryOptionValues, numLibraryOptions);

	if (!e)
		e = gv_library_load(code, 0, (struct gv_fatbin **)library);
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaLibraryLoadFromFile(cudaLibrary_t *library, const char *fileName,
						enum cudaJitOption *jitOptions,
						void **jitOptionsValues, unsigned int numJitOptions,
						enum cudaLibraryOption *libraryOptions,
						void **libraryOptionValues,
						unsigned int numLibraryOptions)
{
	cudaError_t e = options_ok(jitOptions, jitOptionsValues, numJitOptions, libraryOptions,
				   libraryOptionValues, numLibraryOptions);

	return gv_ret(e ? e : gv_library_load_file(fileName, (struct gv_fatbin **)library));
}

GVRT_EXPORT cudaError_t cudaLibraryUnload(cudaLibrary_t library)
{
	return gv_ret(gv_library_unload((struct gv_fatbin *)library));
}

GVRT_EXPORT cudaError_t cudaLibraryGetKernel(cudaKernel_t *pKernel, cudaLibrary_t library,
					     const char *name)
{
	if (!pKernel || !name)
		return gv_ret(cudaErrorInvalidValue);
	if (!gv_library_live(library))
		return gv_ret(cudaErrorInvalidResourceHandle);
	return gv_ret(
	    gv_fatbin_kernel((struct gv_fatbin *)library, name, (struct gv_kernel **)pKernel));
}

GVRT_EXPORT cudaError_t cudaLibraryGetGlobal(void **dptr, size_t *bytes, cudaLibrary_t library,
					     const char *name)
{
	uint64_t p = 0, n = 0;
	cudaError_t e = gv_library_global((struct gv_fatbin *)library, name, &p, &n);

	if (!e) {
		if (dptr)
			*dptr = (void *)(uintptr_t)p;
		if (bytes)
			*bytes = (size_t)n;
	}
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaLibraryGetKernelCount(unsigned int *count, cudaLibrary_t lib)
{
	if (!count)
		return gv_ret(cudaErrorInvalidValue);
	return gv_ret(gv_library_kernels((struct gv_fatbin *)lib, NULL, 0, count));
}

GVRT_EXPORT cudaError_t cudaLibraryEnumerateKernels(cudaKernel_t *kernels, unsigned int numKernels,
						    cudaLibrary_t lib)
{
	unsigned int n;

	if (!kernels || !numKernels)
		return gv_ret(cudaErrorInvalidValue);
	return gv_ret(gv_library_kernels((struct gv_fatbin *)lib, (struct gv_kernel **)kernels,
					 numKernels, &n));
}
