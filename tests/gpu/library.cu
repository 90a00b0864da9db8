// SPDX-License-Identifier: MIT
// Libraries a program loads itself (cudaLibrary*, cuLibrary*, cuKernel*):
// a fatbin of two kernels and a global (lib/library_kernels.cu), loaded
// from memory and from a file; its kernels counted, enumerated, found by
// name, launched from the runtime and from the driver, their attributes
// and parameters read; the global read; a module's kernels enumerated;
// and the misuses, whose error names are printed for comparison with
// native: a missing kernel or global, a garbage image.  Values are checked
// against a CPU reference.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda.h>
#include <unistd.h>

#include "check.cuh"

static const unsigned char image[] = {
#include "library_kernels.inc"
};

#define N 1000

static void cu_check(const char *what, CUresult got, CUresult exp)
{
	const char *g = "?", *x = "?";
	cuGetErrorName(got, &g);
	cuGetErrorName(exp, &x);
	if (got == exp) {
		g_pass++;
		printf("pass: %s: %s\n", what, g);
	} else {
		g_fail++;
		printf("FAIL %s: got %s expected %s\n", what, g, x);
	}
}

static void check_values(const char *what, const int *d, int add, int mul)
{
	static int h[N];
	CK(cudaMemcpy(h, d, sizeof(h), cudaMemcpyDeviceToHost));
	int bad = 0;
	for (int i = 0; i < N; i++)
		bad += h[i] != (i + add) * mul;
	check_i(what, bad, 0);
}

static const char *name_of(cudaKernel_t k)
{
	const char *name = "?";
	cuKernelGetName(&name, (CUkernel)k);
	return name;
}

static void runtime_side(int *d)
{
	printf("== the runtime's calls\n");
	cudaLibrary_t lib = NULL;
	CK(cudaLibraryLoadData(&lib, image, NULL, NULL, 0, NULL, NULL, 0));
	unsigned int n = 0;
	CK(cudaLibraryGetKernelCount(&n, lib));
	check_i("kernels in the library", n, 2);
	cudaKernel_t ks[2] = {NULL, NULL};
	CK(cudaLibraryEnumerateKernels(ks, 2, lib));
	int seen = 0;
	for (int i = 0; i < 2; i++)
		seen |= !strcmp(name_of(ks[i]), "add_one") ? 1
			: !strcmp(name_of(ks[i]), "scale") ? 2
							   : 0;
	check_i("both kernels enumerated", seen, 3);

	cudaKernel_t add = NULL, scale = NULL, again = NULL;
	CK(cudaLibraryGetKernel(&add, lib, "add_one"));
	CK(cudaLibraryGetKernel(&scale, lib, "scale"));
	CK(cudaLibraryGetKernel(&again, lib, "add_one"));
	check_i("the same kernel for the same name", again == add, 1);
	cudaError_t e = cudaLibraryGetKernel(&again, lib, "no_such_kernel");
	printf("a kernel it does not have: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();

	void *g = NULL;
	size_t bytes = 0;
	CK(cudaLibraryGetGlobal(&g, &bytes, lib, "g_value"));
	unsigned int v = 0;
	CK(cudaMemcpy(&v, g, sizeof(v), cudaMemcpyDeviceToHost));
	check_i("its global's size", (long long)bytes, 4);
	check_i("its global's value", v, 42);
	e = cudaLibraryGetGlobal(&g, &bytes, lib, "no_such_global");
	printf("a global it does not have: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();
	v = 9;
	CK(cudaMemcpy(g, &v, sizeof(v), cudaMemcpyHostToDevice));

	int n_ = N, three = 3;
	void *add_args[] = {&d, &n_};
	void *scale_args[] = {&d, &three, &n_};
	CK(cudaLaunchKernel((const void *)add, dim3((N + 127) / 128), dim3(128), add_args, 0, 0));
	CK(cudaLaunchKernel((const void *)scale, dim3((N + 127) / 128), dim3(128), scale_args, 0,
			    0));
	CK(cudaDeviceSynchronize());
	check_values("runtime launches of the library's kernels", d, 10, 3);

	cudaFuncAttributes fa;
	CK(cudaFuncGetAttributes(&fa, (const void *)scale));
	printf("scale: max threads per block %d, %d registers\n", fa.maxThreadsPerBlock,
	       fa.numRegs);
	// (Unloading it twice crashes NVIDIA's runtime: not asked.)
	CK(cudaLibraryUnload(lib));
	e = cudaLibraryLoadData(&lib, "not an image at all, nor PTX text", NULL, NULL, 0, NULL,
				NULL, 0);
	printf("a garbage image: %s\n", cudaGetErrorName(e));
	if (e == cudaSuccess) {
		// Loading is lazy: the image fails at its first use.
		e = cudaLibraryGetKernel(&again, lib, "add_one");
		printf("its kernel: %s\n", e == cudaSuccess ? "found" : "refused");
		CK(cudaLibraryUnload(lib));
	}
	(void)cudaGetLastError();
}

static void driver_side(int *d)
{
	printf("== the driver's calls\n");
	char path[] = "/tmp/gvirtus-library-XXXXXX";
	int fd = mkstemp(path);
	int wrote = fd >= 0 && write(fd, image, sizeof(image)) == (ssize_t)sizeof(image);
	if (fd >= 0)
		close(fd);
	check_i("the image written to a file", wrote, 1);
	CUlibrary lib = NULL;
	cu_check("cuLibraryLoadFromFile",
		 cuLibraryLoadFromFile(&lib, path, NULL, NULL, 0, NULL, NULL, 0), CUDA_SUCCESS);
	unlink(path);

	CUkernel k = NULL;
	cu_check("cuLibraryGetKernel", cuLibraryGetKernel(&k, lib, "scale"), CUDA_SUCCESS);
	const char *name = NULL;
	cu_check("cuKernelGetName", cuKernelGetName(&name, k), CUDA_SUCCESS);
	printf("its name: %s\n", name ? name : "(none)");
	CUlibrary owner = NULL;
	cu_check("cuKernelGetLibrary", cuKernelGetLibrary(&owner, k), CUDA_SUCCESS);
	check_i("the kernel's library", owner == lib, 1);
	int dev = 0;
	CK(cudaGetDevice(&dev));
	int maxt = 0;
	cu_check("cuKernelGetAttribute",
		 cuKernelGetAttribute(&maxt, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, k, dev),
		 CUDA_SUCCESS);
	printf("scale: max threads per block %d\n", maxt);
	size_t off = 0, size = 0;
	cu_check("cuKernelGetParamInfo", cuKernelGetParamInfo(k, 1, &off, &size), CUDA_SUCCESS);
	printf("scale's second parameter: offset %zu, %zu bytes\n", off, size);

	int n_ = N, two = 2;
	CUdeviceptr p = (CUdeviceptr)(uintptr_t)d;
	void *args[] = {&p, &two, &n_};
	cu_check(
	    "cuLaunchKernel with a CUkernel",
	    cuLaunchKernel((CUfunction)k, (N + 255) / 256, 1, 1, 256, 1, 1, 0, NULL, args, NULL),
	    CUDA_SUCCESS);
	CUfunction f = NULL;
	cu_check("cuKernelGetFunction", cuKernelGetFunction(&f, k), CUDA_SUCCESS);
	cu_check("cuLaunchKernel with its function",
		 cuLaunchKernel(f, (N + 255) / 256, 1, 1, 256, 1, 1, 0, NULL, args, NULL),
		 CUDA_SUCCESS);
	CK(cudaDeviceSynchronize());
	check_values("driver launches of the library's kernel", d, 10, 12);

	CUmodule mod = NULL;
	cu_check("cuLibraryGetModule", cuLibraryGetModule(&mod, lib), CUDA_SUCCESS);
	unsigned int count = 0;
	cu_check("cuModuleGetFunctionCount", cuModuleGetFunctionCount(&count, mod), CUDA_SUCCESS);
	check_i("functions in its module", count, 2);
	CUfunction fns[2] = {NULL, NULL};
	cu_check("cuModuleEnumerateFunctions", cuModuleEnumerateFunctions(fns, 2, mod),
		 CUDA_SUCCESS);
	check_i("the kernel's function among them", fns[0] == f || fns[1] == f, 1);
	CUdeviceptr gp = 0;
	size_t gb = 0;
	cu_check("cuLibraryGetGlobal", cuLibraryGetGlobal(&gp, &gb, lib, "g_value"), CUDA_SUCCESS);
	check_i("the global's size", (long long)gb, 4);
	CUresult r = cuLibraryGetKernel(&k, lib, "no_such_kernel");
	const char *rn = "?";
	cuGetErrorName(r, &rn);
	printf("a kernel it does not have: %s\n", rn);
	cu_check("cuLibraryUnload", cuLibraryUnload(lib), CUDA_SUCCESS);
	r = cuLibraryLoadData(&lib, "not an image at all, nor PTX text", NULL, NULL, 0, NULL, NULL,
			      0);
	cuGetErrorName(r, &rn);
	printf("a garbage image: %s\n", rn);
}

// Tensor maps: encoded by the driver; a map whose address is replaced is
// the map of the new address; misuses' errors printed for native's.
static void tensor_maps(int *d)
{
	printf("== tensor maps\n");
	CUtensorMap a, b;
	cuuint64_t dims[2] = {64, 16}, strides[1] = {256};
	cuuint32_t box[2] = {16, 8}, estr[2] = {1, 1};
	CUdeviceptr p = (CUdeviceptr)(uintptr_t)d;
	cu_check("cuTensorMapEncodeTiled",
		 cuTensorMapEncodeTiled(&a, CU_TENSOR_MAP_DATA_TYPE_INT32, 2, (void *)p, dims,
					strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
					CU_TENSOR_MAP_SWIZZLE_NONE, CU_TENSOR_MAP_L2_PROMOTION_NONE,
					CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE),
		 CUDA_SUCCESS);
	cu_check("the same at another address",
		 cuTensorMapEncodeTiled(&b, CU_TENSOR_MAP_DATA_TYPE_INT32, 2, (void *)(p + 1024),
					dims, strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
					CU_TENSOR_MAP_SWIZZLE_NONE, CU_TENSOR_MAP_L2_PROMOTION_NONE,
					CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE),
		 CUDA_SUCCESS);
	cu_check("cuTensorMapReplaceAddress", cuTensorMapReplaceAddress(&a, (void *)(p + 1024)),
		 CUDA_SUCCESS);
	check_i("a replaced address gives the new address's map", !memcmp(&a, &b, sizeof(a)), 1);
	CUresult r = cuTensorMapEncodeTiled(
	    &a, CU_TENSOR_MAP_DATA_TYPE_INT32, 2, (void *)(p + 4), dims, strides, box, estr,
	    CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_NONE,
	    CU_TENSOR_MAP_L2_PROMOTION_NONE, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
	const char *rn = "?";
	cuGetErrorName(r, &rn);
	printf("an address not 16-byte aligned: %s\n", rn);
	box[0] = 512;
	r = cuTensorMapEncodeTiled(&a, CU_TENSOR_MAP_DATA_TYPE_INT32, 2, (void *)p, dims, strides,
				   box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
				   CU_TENSOR_MAP_SWIZZLE_NONE, CU_TENSOR_MAP_L2_PROMOTION_NONE,
				   CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
	cuGetErrorName(r, &rn);
	printf("a box of 512: %s\n", rn);
}

int main()
{
	int *d = NULL;
	static int h[N];
	for (int i = 0; i < N; i++)
		h[i] = i;
	CK(cudaMalloc(&d, sizeof(h)));
	CK(cudaMemcpy(d, h, sizeof(h), cudaMemcpyHostToDevice));
	runtime_side(d);
	driver_side(d);
	tensor_maps(d);
	CK(cudaFree(d));
	printf("library: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail != 0;
}
