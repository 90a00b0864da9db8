/* SPDX-License-Identifier: MIT */
/*
 * Several devices in one guest process: the guest sees exactly the host
 * GPUs its device was given (gpus=), numbered from 0 in the order given;
 * memory on each, peer access, peer copies, and the errors native CUDA
 * gives for bad ordinals and repeated peer enabling.
 *   gvtest_multigpu N [NAME0]   expect N devices; device 0's name holds NAME0
 */
#include <cuda_runtime_api.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define SIZE (1u << 20)

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : 2, n = 0, d, can = -1;
	unsigned char *buf[16] = {0}, *host = malloc(SIZE), *expect = malloc(SIZE);
	struct cudaDeviceProp p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (want == 0) {
		/* No device visible: counting says so, as natively. */
		CHECK_CUDA(cudaGetDeviceCount(&n), cudaErrorNoDevice);
		CHECK(n == 0, "the guest sees %d devices, expected none", n);
		printf("gvtest_multigpu: %d passed, %d failed\n", check_passes, check_failures);
		return check_failures != 0;
	}
	CHECK_CUDA(cudaGetDeviceCount(&n), cudaSuccess);
	CHECK(n == want, "the guest sees %d devices, expected %d", n, want);
	if (n != want || n < 1 || n > 16)
		return 1;
	CHECK_CUDA(cudaGetDeviceProperties(&p, 0), cudaSuccess);
	printf("device 0: %s\n", p.name);
	if (argc > 2)
		CHECK(strstr(p.name, argv[2]) != NULL, "device 0 is \"%s\", expected %s", p.name,
		      argv[2]);
	CHECK_CUDA(cudaSetDevice(n), cudaErrorInvalidDevice);
	(void)cudaGetLastError();

	/* Memory on each device, filled with its own value. */
	for (d = 0; d < n; d++) {
		int cur = -1;

		CHECK_CUDA(cudaSetDevice(d), cudaSuccess);
		CHECK_CUDA(cudaGetDevice(&cur), cudaSuccess);
		CHECK(cur == d, "current device %d after setting %d", cur, d);
		CHECK_CUDA(cudaMalloc((void **)&buf[d], SIZE), cudaSuccess);
		CHECK_CUDA(cudaMemset(buf[d], 0x10 + d, SIZE), cudaSuccess);
		CHECK_CUDA(cudaMemcpy(host, buf[d], SIZE, cudaMemcpyDeviceToHost), cudaSuccess);
		memset(expect, 0x10 + d, SIZE);
		CHECK(!memcmp(host, expect, SIZE), "device %d memory", d);
	}
	if (n >= 2) {
		CHECK_CUDA(cudaDeviceCanAccessPeer(&can, 0, 1), cudaSuccess);
		printf("peer access 0 -> 1: %d\n", can);
		CHECK_CUDA(cudaDeviceCanAccessPeer(&can, 0, n), cudaErrorInvalidDevice);
		(void)cudaGetLastError();
		CHECK_CUDA(cudaSetDevice(0), cudaSuccess);
		if (can) {
			CHECK_CUDA(cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
			CHECK_CUDA(cudaDeviceEnablePeerAccess(1, 0),
				   cudaErrorPeerAccessAlreadyEnabled);
			(void)cudaGetLastError();
		}
		CHECK_CUDA(cudaDeviceEnablePeerAccess(0, 0), cudaErrorInvalidDevice);
		(void)cudaGetLastError();
		/* A peer copy from device 0's buffer into device 1's, at an offset. */
		CHECK_CUDA(cudaMemcpyPeer(buf[1] + 4096, 1, buf[0], 0, SIZE - 4096), cudaSuccess);
		CHECK_CUDA(cudaSetDevice(1), cudaSuccess);
		CHECK_CUDA(cudaMemcpy(host, buf[1], SIZE, cudaMemcpyDeviceToHost), cudaSuccess);
		memset(expect, 0x11, 4096);
		memset(expect + 4096, 0x10, SIZE - 4096);
		CHECK(!memcmp(host, expect, SIZE), "peer copy 0 -> 1");
		/* The ranges must lie on the devices named for them. */
		CHECK_CUDA(cudaMemcpyPeer(buf[1], 0, buf[0], 0, 16), cudaErrorInvalidValue);
		(void)cudaGetLastError();
	}
	for (d = 0; d < n; d++) {
		CHECK_CUDA(cudaSetDevice(d), cudaSuccess);
		CHECK_CUDA(cudaFree(buf[d]), cudaSuccess);
	}
	printf("gvtest_multigpu: %d passed, %d failed\n", check_passes, check_failures);
	return check_failures != 0;
}
