/* SPDX-License-Identifier: MIT */
/*
 * Libraries and their kernels (cuLibrary*, cuKernel*): the runtime's
 * objects (guest-lib/library.c), so that a CUlibrary is a cudaLibrary_t
 * and a CUkernel a cudaKernel_t, as natively.  A CUkernel works wherever a
 * CUfunction does (launches, attributes, graph nodes): gvcu_function_of
 * gives the kernel's function in the current context.  Modules' kernel
 * counts and enumerations come from the host (MODULE_FUNCTIONS).
 */
#include <stdlib.h>

#include "gvcu.h"

CUresult gvcu_function_of(CUfunction *f)
{
	struct gv_fatbin *fb;
	const char *name;
	uint64_t module = 0;
	CUresult e;

	if (!gv_kernel_known(*f, &fb, &name))
		return CUDA_SUCCESS; /* a function already */
	e = gvcu_result(GVCU_AS_DRIVER(gv_module_handle(fb, &module)));
	return e ? e : cuModuleGetFunction(f, (CUmodule)(uintptr_t)module, name);
}

/* The options' checks and answers, then the load itself (the runtime's). */
static CUresult options(unsigned int njit, CUjit_option *jit, void **jit_values, unsigned int nlib,
			CUlibraryOption *lib, void **lib_values)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if ((njit && (!jit || !jit_values)) || (nlib && (!lib || !lib_values)))
		return CUDA_ERROR_INVALID_VALUE;
	gv_jit_outputs(njit, (const int *)jit, jit_values);
	return CUDA_SUCCESS;
}

/* What the driver says of bad text rather than of a bad binary. */
static CUresult load_result(cudaError_t e, const void *image)
{
	CUresult r = gvcu_result(e);

	return r == CUDA_ERROR_INVALID_IMAGE && image && !gv_image_is_binary(image)
		   ? CUDA_ERROR_INVALID_PTX
		   : r;
}

GVCU_EXPORT CUresult cuLibraryLoadData(CUlibrary *library, const void *code,
				       CUjit_option *jitOptions, void **jitOptionsValues,
				       unsigned int numJitOptions, CUlibraryOption *libraryOptions,
				       void **libraryOptionValues, unsigned int numLibraryOptions)
{
	CUresult e = options(numJitOptions, jitOptions, jitOptionsValues, numLibraryOptions,
			     libraryOptions, libraryOptionValues);

	if (!e && (!library || !code))
		e = CUDA_ERROR_INVALID_VALUE;
	return e ? e
		 : load_result(
		       GVCU_AS_DRIVER(gv_library_load(code, 0, (struct gv_fatbin **)library)),
		       code);
}

GVCU_EXPORT CUresult cuLibraryLoadFromFile(CUlibrary *library, const char *fileName,
					   CUjit_option *jitOptions, void **jitOptionsValues,
					   unsigned int numJitOptions,
					   CUlibraryOption *libraryOptions,
					   void **libraryOptionValues,
					   unsigned int numLibraryOptions)
{
	CUresult e = options(numJitOptions, jitOptions, jitOptionsValues, numLibraryOptions,
			     libraryOptions, libraryOptionValues);

	if (!e && (!library || !fileName))
		e = CUDA_ERROR_INVALID_VALUE;
	return e ? e
		 : gvcu_result(GVCU_AS_DRIVER(
		       gv_library_load_file(fileName, (struct gv_fatbin **)library)));
}

GVCU_EXPORT CUresult cuLibraryUnload(CUlibrary library)
{
	CUresult e = gvcu_need_ctx();

	return e ? e : gvcu_result(GVCU_AS_DRIVER(gv_library_unload((struct gv_fatbin *)library)));
}

GVCU_EXPORT CUresult cuLibraryGetKernel(CUkernel *pKernel, CUlibrary library, const char *name)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!pKernel || !name)
		return CUDA_ERROR_INVALID_VALUE;
	if (!gv_library_live(library))
		return CUDA_ERROR_INVALID_HANDLE;
	return gvcu_result(GVCU_AS_DRIVER(
	    gv_fatbin_kernel((struct gv_fatbin *)library, name, (struct gv_kernel **)pKernel)));
}

GVCU_EXPORT CUresult cuLibraryGetKernelCount(unsigned int *count, CUlibrary lib)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!count)
		return CUDA_ERROR_INVALID_VALUE;
	return gvcu_result(
	    GVCU_AS_DRIVER(gv_library_kernels((struct gv_fatbin *)lib, NULL, 0, count)));
}

GVCU_EXPORT CUresult cuLibraryEnumerateKernels(CUkernel *kernels, unsigned int numKernels,
					       CUlibrary lib)
{
	unsigned int n;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!kernels || !numKernels)
		return CUDA_ERROR_INVALID_VALUE;
	return gvcu_result(GVCU_AS_DRIVER(gv_library_kernels(
	    (struct gv_fatbin *)lib, (struct gv_kernel **)kernels, numKernels, &n)));
}

GVCU_EXPORT CUresult cuLibraryGetModule(CUmodule *pMod, CUlibrary library)
{
	uint64_t module = 0;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!pMod)
		return CUDA_ERROR_INVALID_VALUE;
	if (!gv_library_live(library))
		return CUDA_ERROR_INVALID_HANDLE;
	e = gvcu_result(GVCU_AS_DRIVER(gv_module_handle((struct gv_fatbin *)library, &module)));
	if (!e)
		*pMod = (CUmodule)(uintptr_t)module;
	return e;
}

GVCU_EXPORT CUresult cuLibraryGetGlobal(CUdeviceptr *dptr, size_t *bytes, CUlibrary library,
					const char *name)
{
	uint64_t p = 0, n = 0;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	e = gvcu_result(
	    GVCU_AS_DRIVER(gv_library_global((struct gv_fatbin *)library, name, &p, &n)));
	if (!e) {
		if (dptr)
			*dptr = p;
		if (bytes)
			*bytes = (size_t)n;
	}
	return e;
}

/* ---- kernels ---- */

static CUresult kernel_of(CUkernel kernel, struct gv_fatbin **fb, const char **name)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	return gv_kernel_known(kernel, fb, name) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

GVCU_EXPORT CUresult cuKernelGetFunction(CUfunction *pFunc, CUkernel kernel)
{
	CUresult e = kernel_of(kernel, NULL, NULL);

	if (e)
		return e;
	if (!pFunc)
		return CUDA_ERROR_INVALID_VALUE;
	*pFunc = (CUfunction)kernel;
	return gvcu_function_of(pFunc);
}

GVCU_EXPORT CUresult cuKernelGetLibrary(CUlibrary *pLib, CUkernel kernel)
{
	struct gv_fatbin *fb;
	CUresult e = kernel_of(kernel, &fb, NULL);

	if (e)
		return e;
	if (!pLib)
		return CUDA_ERROR_INVALID_VALUE;
	/* An nvcc registration's kernel belongs to no library the program loaded. */
	if (!gv_library_live(fb))
		return CUDA_ERROR_NOT_FOUND;
	*pLib = (CUlibrary)fb;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuKernelGetName(const char **name, CUkernel kernel)
{
	CUresult e;

	if (!name)
		return CUDA_ERROR_INVALID_VALUE;
	e = kernel_of(kernel, NULL, name);
	return e;
}

/*
 * The per-device calls act on the kernel's function in the current
 * context, which must be on dev: a kernel's state on another device
 * would need that device's context made current (not carried yet).
 */
static CUresult on_device(CUkernel kernel, CUdevice dev, CUfunction *f)
{
	CUresult e = kernel_of(kernel, NULL, NULL);

	if (e)
		return e;
	if (dev < 0 || dev >= gv_session()->device_count)
		return CUDA_ERROR_INVALID_DEVICE;
	if (dev != gvcu_current()->device) {
		gv_log(GV_LOG_WARN,
		       "a kernel's attributes on device %d while a context of "
		       "device %d is current: not supported",
		       (int)dev, gvcu_current()->device);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	*f = (CUfunction)kernel;
	return gvcu_function_of(f);
}

GVCU_EXPORT CUresult cuKernelGetAttribute(int *pi, CUfunction_attribute attrib, CUkernel kernel,
					  CUdevice dev)
{
	CUfunction f;
	CUresult e = on_device(kernel, dev, &f);

	return e ? e : cuFuncGetAttribute(pi, attrib, f);
}

GVCU_EXPORT CUresult cuKernelSetAttribute(CUfunction_attribute attrib, int val, CUkernel kernel,
					  CUdevice dev)
{
	CUfunction f;
	CUresult e = on_device(kernel, dev, &f);

	return e ? e : cuFuncSetAttribute(f, attrib, val);
}

GVCU_EXPORT CUresult cuKernelSetCacheConfig(CUkernel kernel, CUfunc_cache config, CUdevice dev)
{
	CUfunction f;
	CUresult e = on_device(kernel, dev, &f);

	return e ? e : cuFuncSetCacheConfig(f, config);
}

GVCU_EXPORT CUresult cuKernelGetParamInfo(CUkernel kernel, size_t paramIndex, size_t *paramOffset,
					  size_t *paramSize)
{
	CUfunction f = (CUfunction)kernel;
	CUresult e = kernel_of(kernel, NULL, NULL);

	if (!e)
		e = gvcu_function_of(&f);
	return e ? e : cuFuncGetParamInfo(f, paramIndex, paramOffset, paramSize);
}

/* ---- a module's kernels ---- */

GVCU_EXPORT CUresult cuModuleGetFunctionCount(unsigned int *count, CUmodule mod)
{
	char *names = NULL;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!count)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvcu_result(GVCU_AS_DRIVER(gv_module_functions((uintptr_t)mod, count, &names)));
	free(names);
	return e;
}

GVCU_EXPORT CUresult cuModuleEnumerateFunctions(CUfunction *functions, unsigned int numFunctions,
						CUmodule mod)
{
	unsigned int n = 0, i;
	char *names = NULL, *at;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!functions || !numFunctions)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvcu_result(GVCU_AS_DRIVER(gv_module_functions((uintptr_t)mod, &n, &names)));
	for (i = 0, at = names; !e && i < n && i < numFunctions; i++) {
		e = cuModuleGetFunction(&functions[i], mod, at);
		at += strlen(at) + 1;
	}
	free(names);
	return e;
}
