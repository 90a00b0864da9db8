// SPDX-License-Identifier: MIT
// Several GPUs from one process: a kernel on each device writes a value of
// its own, a peer copy moves device 0's result to device 1, and the host
// checks both against values computed here.  Needs two or more GPUs (in a
// guest: a device given gpus=0:1); prints "multigpu: N passed, M failed".
#include <cstdio>
#include <cstring>
#include <vector>
#include <cuda_runtime.h>

static int passed, failed;
#define CHECK(c, what)                                                  \
	do {                                                            \
		if (c) {                                                \
			passed++;                                       \
		} else {                                                \
			failed++;                                       \
			printf("FAIL %s\n", what);                      \
		}                                                       \
	} while (0)

__global__ void fill(int *p, int n, int base)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		p[i] = base + i * 3;
}

int main()
{
	const int n = 1 << 20;
	int count = 0;
	CHECK(cudaGetDeviceCount(&count) == cudaSuccess && count >= 2, "two or more devices");
	if (count < 2) {
		printf("multigpu: %d passed, %d failed\n", passed, failed);
		return 1;
	}
	std::vector<int *> d(count);
	std::vector<int> h(n);
	for (int dev = 0; dev < count; dev++) {
		CHECK(cudaSetDevice(dev) == cudaSuccess, "set device");
		CHECK(cudaMalloc(&d[dev], n * sizeof(int)) == cudaSuccess, "malloc");
		fill<<<(n + 255) / 256, 256>>>(d[dev], n, 1000 * (dev + 1));
		CHECK(cudaGetLastError() == cudaSuccess, "launch");
		CHECK(cudaMemcpy(h.data(), d[dev], n * sizeof(int), cudaMemcpyDeviceToHost) ==
			      cudaSuccess, "copy back");
		bool ok = true;
		for (int i = 0; i < n; i++)
			ok &= h[i] == 1000 * (dev + 1) + i * 3;
		CHECK(ok, "kernel result on each device");
	}
	int can = 0;
	CHECK(cudaDeviceCanAccessPeer(&can, 1, 0) == cudaSuccess, "can access peer");
	printf("peer access 1 -> 0: %s\n", can ? "yes" : "no");
	CHECK(cudaSetDevice(1) == cudaSuccess, "set device 1");
	if (can)
		CHECK(cudaDeviceEnablePeerAccess(0, 0) == cudaSuccess, "enable peer access");
	CHECK(cudaMemcpyPeer(d[1], 1, d[0], 0, n * sizeof(int)) == cudaSuccess, "peer copy");
	CHECK(cudaMemcpy(h.data(), d[1], n * sizeof(int), cudaMemcpyDeviceToHost) == cudaSuccess,
	      "copy back");
	bool ok = true;
	for (int i = 0; i < n; i++)
		ok &= h[i] == 1000 + i * 3;
	CHECK(ok, "device 0's data on device 1");
	for (int dev = 0; dev < count; dev++) {
		cudaSetDevice(dev);
		cudaFree(d[dev]);
	}
	printf("multigpu: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
