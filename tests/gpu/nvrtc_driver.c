// SPDX-License-Identifier: MIT
// nvrtc_driver.c: NVIDIA's NVRTC compiles a kernel at run time where the
// program runs (in a guest: NVIDIA's own libnvrtc, from the host's toolkit
// shared into the guest, since NVRTC never touches a GPU), and the code it
// produces loads through libcuda.so.1 (ours in a guest or over TCP): as a
// CUBIN for sm_90 and as PTX that the host's driver compiles.  Both run
// saxpy; results are checked against the CPU.  On gvirtus's CPU double no
// kernel runs, so there the loads, lookups and launches are checked and
// the results are not.  Output is compared line by line between native,
// guest and TCP runs: no pointers, timings or machine names; the last line
// is "nvrtc_driver: N passed, M failed", exit status 0 iff M == 0.
// Build: gcc -std=c11 -O2 -I/usr/local/cuda/include tests/gpu/nvrtc_driver.c
//        -L/usr/local/cuda/lib64/stubs -lcuda -L/usr/local/cuda/lib64 -lnvrtc
#include <cuda.h>
#include <nvrtc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *what, const char *detail)
{
	if (ok) {
		passed++;
		printf("pass: %s\n", what);
	} else {
		failed++;
		printf("FAIL %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	}
}

static const char *cu_name(CUresult e)
{
	const char *n = NULL;

	cuGetErrorName(e, &n);
	return n ? n : "?";
}

static const char source[] =
    "extern \"C\" __global__ void saxpy(float a, const float *x, float *y, int n)\n"
    "{\n"
    "	int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "	if (i < n)\n"
    "		y[i] = a * x[i] + y[i];\n"
    "}\n";

/* The program compiled for sm_90: its CUBIN (cubin != 0) or PTX, malloced. */
static char *compile(int cubin, size_t *len)
{
	const char *opts[] = {cubin ? "--gpu-architecture=sm_90" : "--gpu-architecture=compute_90"};
	nvrtcProgram prog;
	nvrtcResult r;
	char *out = NULL;

	if (nvrtcCreateProgram(&prog, source, "saxpy.cu", 0, NULL, NULL) != NVRTC_SUCCESS)
		return NULL;
	r = nvrtcCompileProgram(prog, 1, opts);
	if (r != NVRTC_SUCCESS) {
		size_t n = 0;

		nvrtcGetProgramLogSize(prog, &n);
		out = malloc(n + 1);
		if (out && nvrtcGetProgramLog(prog, out) == NVRTC_SUCCESS)
			fprintf(stderr, "nvrtc log:\n%s\n", out);
		free(out);
		nvrtcDestroyProgram(&prog);
		return NULL;
	}
	if ((cubin ? nvrtcGetCUBINSize(prog, len) : nvrtcGetPTXSize(prog, len)) == NVRTC_SUCCESS &&
	    (out = malloc(*len)) &&
	    (cubin ? nvrtcGetCUBIN(prog, out) : nvrtcGetPTX(prog, out)) != NVRTC_SUCCESS) {
		free(out);
		out = NULL;
	}
	nvrtcDestroyProgram(&prog);
	return out;
}

/* saxpy from image, n elements; whether results are checked (a real GPU). */
static void run(const char *kind, const char *image, int on_gpu)
{
	enum { N = 4096 };
	static float x[N], y[N], want[N];
	float a = 2.5f;
	int n = N, i, bad = 0;
	CUmodule mod;
	CUfunction fn;
	CUdeviceptr dx, dy;
	void *args[] = {&a, &dx, &dy, &n};
	char what[96], why[96];
	CUresult e;

	for (i = 0; i < N; i++) {
		x[i] = (float)i * 0.5f;
		y[i] = (float)(N - i);
		want[i] = a * x[i] + y[i];
	}
	e = cuModuleLoadData(&mod, image);
	snprintf(what, sizeof(what), "%s: cuModuleLoadData", kind);
	check(e == CUDA_SUCCESS, what, cu_name(e));
	if (e != CUDA_SUCCESS)
		return;
	e = cuModuleGetFunction(&fn, mod, "saxpy");
	snprintf(what, sizeof(what), "%s: cuModuleGetFunction saxpy", kind);
	check(e == CUDA_SUCCESS, what, cu_name(e));
	if (cuMemAlloc(&dx, sizeof(x)) || cuMemAlloc(&dy, sizeof(y)) ||
	    cuMemcpyHtoD(dx, x, sizeof(x)) || cuMemcpyHtoD(dy, y, sizeof(y))) {
		check(0, "device memory", NULL);
		return;
	}
	e = cuLaunchKernel(fn, (N + 255) / 256, 1, 1, 256, 1, 1, 0, NULL, args, NULL);
	snprintf(what, sizeof(what), "%s: cuLaunchKernel", kind);
	check(e == CUDA_SUCCESS, what, cu_name(e));
	e = cuCtxSynchronize();
	snprintf(what, sizeof(what), "%s: cuCtxSynchronize", kind);
	check(e == CUDA_SUCCESS, what, cu_name(e));
	e = cuMemcpyDtoH(y, dy, sizeof(y));
	snprintf(what, sizeof(what), "%s: cuMemcpyDtoH", kind);
	check(e == CUDA_SUCCESS, what, cu_name(e));
	if (on_gpu) {
		for (i = 0; i < N; i++)
			bad += y[i] != want[i];
		snprintf(what, sizeof(what), "%s: saxpy of %d elements equals the CPU's", kind, N);
		snprintf(why, sizeof(why), "%d differ", bad);
		check(bad == 0, what, why);
	}
	cuMemFree(dx);
	cuMemFree(dy);
	e = cuModuleUnload(mod);
	snprintf(what, sizeof(what), "%s: cuModuleUnload", kind);
	check(e == CUDA_SUCCESS, what, cu_name(e));
}

/*
 * The PTX linked by the driver's JIT linker (cuLink*: in a guest, NVIDIA's
 * nvJitLink where the program runs), for the current device; the CUBIN it
 * returns is run.  A PTX that does not compile is refused, by cuLinkAddData
 * or at the latest by cuLinkComplete.  (The error log is not compared: the
 * native driver leaves it empty, nvJitLink fills it.)
 */
static void link_ptx(const char *ptx, size_t len, int on_gpu)
{
	static char info[4096], error[4096];
	CUjit_option opts[] = {CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
			       CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
			       CU_JIT_OPTIMIZATION_LEVEL};
	void *vals[] = {info, (void *)(uintptr_t)sizeof(info), error,
			(void *)(uintptr_t)sizeof(error), (void *)(uintptr_t)3};
	static const char bad[] = ".version 8.0\n.target sm_90\n.address_size 64\nnot ptx at all\n";
	CUlinkState st;
	void *cubin = NULL;
	size_t size = 0;
	char *copy;
	CUresult e, e2;

	e = cuLinkCreate(5, opts, vals, &st);
	check(e == CUDA_SUCCESS, "cuLinkCreate with log buffers", cu_name(e));
	if (e)
		return;
	e = cuLinkAddData(st, CU_JIT_INPUT_PTX, (void *)ptx, len, "saxpy.ptx", 0, NULL, NULL);
	check(e == CUDA_SUCCESS, "cuLinkAddData PTX", cu_name(e));
	e = cuLinkComplete(st, &cubin, &size);
	check(e == CUDA_SUCCESS && cubin && size > 4 && !memcmp(cubin, "\177ELF", 4),
	      "cuLinkComplete: a CUBIN", cu_name(e));
	if (!e && (copy = malloc(size))) {
		memcpy(copy, cubin, size);
		run("LINKED", copy, on_gpu);
		free(copy);
	}
	check(cuLinkDestroy(st) == CUDA_SUCCESS, "cuLinkDestroy", NULL);

	error[0] = 0;
	e = cuLinkCreate(5, opts, vals, &st);
	if (e)
		return;
	e = cuLinkAddData(st, CU_JIT_INPUT_PTX, (void *)bad, sizeof(bad), "bad.ptx", 0, NULL, NULL);
	e2 = e ? e : cuLinkComplete(st, &cubin, &size);
	check(e2 == CUDA_ERROR_INVALID_PTX, "a PTX that does not compile is refused", cu_name(e2));
	cuLinkDestroy(st);
}

int main(void)
{
	char *cubin, *ptx, name[256] = "";
	size_t cubin_len = 0, ptx_len = 0;
	int major = 0, minor = 0, on_gpu;
	CUcontext ctx;
	CUdevice dev;

	check(nvrtcVersion(&major, &minor) == NVRTC_SUCCESS && major >= 12, "nvrtcVersion", NULL);
	cubin = compile(1, &cubin_len);
	check(cubin && cubin_len > 4 && !memcmp(cubin, "\177ELF", 4), "NVRTC: a CUBIN for sm_90",
	      NULL);
	ptx = compile(0, &ptx_len);
	check(ptx && strstr(ptx, ".entry saxpy"), "NVRTC: PTX with the saxpy entry", NULL);
	if (cuInit(0) || cuDeviceGet(&dev, 0) || cuDevicePrimaryCtxRetain(&ctx, dev) ||
	    cuCtxSetCurrent(ctx)) {
		check(0, "cuInit and the primary context", NULL);
		printf("nvrtc_driver: %d passed, %d failed\n", passed, failed);
		return 1;
	}
	cuDeviceGetName(name, sizeof(name), dev);
	on_gpu = !strstr(name, "CPU reference");
	if (!on_gpu)
		printf("note: gvirtus's CPU double runs no kernel: results not checked\n");
	if (cubin)
		run("CUBIN", cubin, on_gpu);
	if (ptx)
		run("PTX", ptx, on_gpu);
	if (ptx)
		link_ptx(ptx, ptx_len, on_gpu);
	free(cubin);
	free(ptx);
	cuDevicePrimaryCtxRelease(dev);
	printf("nvrtc_driver: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
