// SPDX-License-Identifier: MIT
// The driver API as the runtime leaves it, in a fresh process: before any
// call nothing is initialized; a runtime call that needs the devices
// initializes the driver but makes no context current; cudaSetDevice
// (since CUDA 12) makes the device's primary context current.  The same
// program runs natively, in the guest and over TCP (PyTorch and
// cudaCompressibleMemory call the driver after exactly these steps).
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <stdio.h>

static int g_pass, g_fail;

static void expect(const char *what, int got, int want)
{
	if (got == want) {
		g_pass++;
		printf("pass: %s: %d\n", what, got);
	} else {
		g_fail++;
		printf("FAIL %s: got %d expected %d\n", what, got, want);
	}
}

int main(void)
{
	CUdevice dev = -1;
	CUcontext ctx = NULL;
	int n = 0, active = -1;
	unsigned int flags = 0;

	expect("cuCtxGetDevice before any call", cuCtxGetDevice(&dev), CUDA_ERROR_NOT_INITIALIZED);
	expect("cuDeviceGetCount before any call", cuDeviceGetCount(&n),
	       CUDA_ERROR_NOT_INITIALIZED);
	expect("cudaGetDeviceCount", cudaGetDeviceCount(&n), cudaSuccess);
	expect("cuDeviceGetCount after it", cuDeviceGetCount(&n), CUDA_SUCCESS);
	expect("cuCtxGetCurrent after it", cuCtxGetCurrent(&ctx), CUDA_SUCCESS);
	expect("no current context yet", ctx == NULL, 1);
	expect("cuCtxGetDevice after it", cuCtxGetDevice(&dev), CUDA_ERROR_INVALID_CONTEXT);
	expect("cudaSetDevice(0)", cudaSetDevice(0), cudaSuccess);
	expect("cuCtxGetDevice after cudaSetDevice", cuCtxGetDevice(&dev), CUDA_SUCCESS);
	expect("the device", dev, 0);
	expect("cuCtxGetCurrent after cudaSetDevice", cuCtxGetCurrent(&ctx), CUDA_SUCCESS);
	expect("a current context", ctx != NULL, 1);
	expect("cuDevicePrimaryCtxGetState", cuDevicePrimaryCtxGetState(0, &flags, &active),
	       CUDA_SUCCESS);
	expect("the primary context is active", active, 1);
	printf("mixed_init: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail != 0;
}
