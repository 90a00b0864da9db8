/* SPDX-License-Identifier: MIT */
/*
 * Libraries and a module's kernels against a fake driver that names three
 * kernels, one of them the test fatbin's real one and one with a name
 * longer than the guest's first guess.  Counts and names must arrive
 * whole; an enumerated or looked-up kernel must be the fatbin's, launched
 * by its own layout, from the runtime as from the driver; a library's
 * handle must be refused once unloaded, and a module handle the session
 * does not have refused by the host.
 */
#include <stdlib.h>
#include <string.h>

#include <cuda.h>
#include <cuda_runtime_api.h>

#include "gen/cuda_driver_fns.h"
#include "gvrt.h"
#include "roundtrip.h"

static const unsigned char fatbin[] = {
#include "fatbin_kernels.inc"
};

static char long_name[300];
static const char *names[3] = {"_Z2k1cdPi", long_name, "k3"};

static CUresult count(unsigned int *n, CUmodule mod)
{
	(void)mod;
	*n = 3;
	return CUDA_SUCCESS;
}

static CUresult enumerate(CUfunction *fns, unsigned int n, CUmodule mod)
{
	unsigned int i;

	(void)mod;
	for (i = 0; i < n && i < 3; i++)
		fns[i] = (CUfunction)(uintptr_t)(i + 1);
	return CUDA_SUCCESS;
}

static CUresult name_of(const char **name, CUfunction f)
{
	uintptr_t i = (uintptr_t)f;

	if (i < 1 || i > 3)
		return CUDA_ERROR_INVALID_HANDLE;
	*name = names[i - 1];
	return CUDA_SUCCESS;
}

static void module_kernels(void)
{
	const char *fn = "cuModuleEnumerateFunctions";
	CUmodule mod = NULL;
	CUfunction fns[1] = {NULL}, direct = NULL;
	unsigned int n = 0;
	char *got = NULL;

	RT_TRUE(fn, "the test's fatbin", cuModuleLoadData(&mod, fatbin) == CUDA_SUCCESS);
	RT_TRUE(fn, "the count", cuModuleGetFunctionCount(&n, mod) == CUDA_SUCCESS && n == 3);
	RT_TRUE(fn, "every name whole, the long one too",
		gv_module_functions((uintptr_t)mod, &n, &got) == cudaSuccess && n == 3 && got &&
		    strcmp(got, names[0]) == 0 &&
		    strcmp(got + strlen(names[0]) + 1, long_name) == 0 &&
		    strcmp(got + strlen(names[0]) + strlen(long_name) + 2, "k3") == 0);
	free(got);
	RT_TRUE(fn, "the first function is the module's",
		cuModuleEnumerateFunctions(fns, 1, mod) == CUDA_SUCCESS &&
		    cuModuleGetFunction(&direct, mod, "_Z2k1cdPi") == CUDA_SUCCESS &&
		    fns[0] == direct);
	RT_TRUE(fn, "a module the session does not have: refused",
		cuModuleGetFunctionCount(&n, (CUmodule)(uintptr_t)0x7777) ==
		    CUDA_ERROR_INVALID_HANDLE);
	cuModuleUnload(mod);
}

static void libraries(void)
{
	const char *fn = "cudaLibraryLoadData";
	cudaLibrary_t lib = NULL;
	cudaKernel_t k = NULL, ks[1] = {NULL};
	struct cudaFuncAttributes fa;
	unsigned int n = 0;
	char c = 'x';
	double d = 2.5;
	int *p = (int *)(uintptr_t)rt_devptr;
	void *args[] = {&c, &d, &p};
	dim3 grid = {2, 1, 1}, block = {32, 1, 1};

	RT_TRUE(fn, "loaded",
		cudaLibraryLoadData(&lib, fatbin, NULL, NULL, 0, NULL, NULL, 0) == cudaSuccess);
	RT_TRUE(fn, "its kernel", cudaLibraryGetKernel(&k, lib, "_Z2k1cdPi") == cudaSuccess && k);
	{
		cudaError_t e = cudaLibraryGetKernel(&ks[0], lib, "k_missing");
		RT_TRUE(fn, rt_result_text(e), e == cudaErrorSymbolNotFound);
	}
	(void)cudaGetLastError();
	RT_TRUE(fn, "counted", cudaLibraryGetKernelCount(&n, lib) == cudaSuccess && n == 3);
	RT_TRUE(fn, "enumerated: the same kernel object",
		cudaLibraryEnumerateKernels(ks, 1, lib) == cudaSuccess && ks[0] == k);
	RT_TRUE(fn, "launched as a kernel's stub",
		cudaLaunchKernel((const void *)k, grid, block, args, 0, NULL) == cudaSuccess &&
		    cudaDeviceSynchronize() == cudaSuccess);
	RT_TRUE(fn, "its attributes", cudaFuncGetAttributes(&fa, (const void *)k) == cudaSuccess);
	RT_TRUE(fn, "the driver's view: a kernel of a library",
		cuKernelGetLibrary((CUlibrary *)&ks[0], (CUkernel)k) == CUDA_SUCCESS &&
		    (void *)ks[0] == (void *)lib);
	RT_TRUE(fn, "unloaded", cudaLibraryUnload(lib) == cudaSuccess);
	RT_TRUE(fn, "its handle refused after",
		cudaLibraryGetKernel(&k, lib, "_Z2k1cdPi") == cudaErrorInvalidResourceHandle &&
		    cudaLibraryUnload(lib) == cudaErrorInvalidResourceHandle);
	(void)cudaGetLastError();
}

void **__cudaRegisterFatBinary(void *wrapper);
void __cudaUnregisterFatBinary(void **handle);
void __cudaRegisterFunction(void **handle, const char *host_fun, char *device_fun,
			    const char *device_name, int thread_limit, uint3 *tid, uint3 *bid,
			    dim3 *bdim, dim3 *gdim, int *wsize);
cudaError_t __cudaGetKernel(cudaKernel_t *kernel, const void *stub);

/*
 * Many registrations, as a large program makes: each stub finds its own
 * kernel, the driver knows each kernel object, and none is found once
 * their fatbin is gone (the lookups' index follows every change).
 */
#define MANY 5000
static void many_kernels(void)
{
	static char stubs[MANY];
	static const struct {
		int magic, version;
		const unsigned char *data;
		void *unused;
	} wrapper = {0x466243b1, 1, (const unsigned char *)"not a fatbin at all", NULL};
	void **fb = __cudaRegisterFatBinary((void *)&wrapper);
	cudaKernel_t k = NULL, first = NULL;
	const char *name = NULL;
	int i, ok = 1;

	for (i = 0; i < MANY; i++)
		__cudaRegisterFunction(fb, &stubs[i], (char *)"k_many", "k_many", -1, NULL, NULL,
				       NULL, NULL, NULL);
	for (i = 0; i < MANY; i++) {
		ok &= __cudaGetKernel(&k, &stubs[i]) == cudaSuccess && k;
		if (i == 0)
			first = k;
		ok &= i == 0 || k != first;
	}
	RT_TRUE("__cudaGetKernel", "5000 stubs, each its own kernel", ok);
	RT_TRUE("cuKernelGetName", "a registration known to the driver",
		cuKernelGetName(&name, (CUkernel)first) == CUDA_SUCCESS && name &&
		    !strcmp(name, "k_many"));
	__cudaUnregisterFatBinary(fb);
	RT_TRUE("__cudaGetKernel", "none once their fatbin is gone",
		__cudaGetKernel(&k, &stubs[MANY / 2]) == cudaErrorInvalidDeviceFunction &&
		    cuKernelGetName(&name, (CUkernel)first) == CUDA_ERROR_INVALID_HANDLE);
	(void)cudaGetLastError();
}

void library_kernels(struct gvg_cuda_fns *t)
{
	memset(long_name, 'n', sizeof(long_name) - 1);
	t->cuModuleGetFunctionCount = count;
	t->cuModuleEnumerateFunctions = enumerate;
	t->cuFuncGetName = name_of;
	module_kernels();
	libraries();
	many_kernels();
}
