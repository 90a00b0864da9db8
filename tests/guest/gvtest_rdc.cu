// SPDX-License-Identifier: MIT
// Relocatable device code and dynamic parallelism: an nvcc -rdc=true
// program (its fatbin registered in its device-linked form) whose kernel
// launches another.  On a GPU the child's writes are checked; the CPU
// double, which runs no kernel, must have received the parent's launch
// with its one pointer argument.
#include <cstdio>
#include <cstring>
#include <dlfcn.h>

#define _Static_assert static_assert	// the protocol header is C11
#include "../../include/gvirtus/protocol.h"

__global__ void child(int *p)
{
	p[threadIdx.x] = threadIdx.x * 3 + 1;
}

__global__ void parent(int *p)
{
	child<<<1, 32>>>(p);
}

int main()
{
	static gv_launch_log_resp rec;
	int (*last)(void *, size_t) = (int (*)(void *, size_t))dlsym(RTLD_DEFAULT, "gvirtusGetLastLaunch");
	int *p = nullptr, h[32] = { 0 }, passed = 0, failed = 0;

	if (cudaMalloc(&p, sizeof(h)) != cudaSuccess || cudaMemset(p, 0, sizeof(h)) != cudaSuccess) {
		printf("gvtest_rdc: no device memory\n");
		return 1;
	}
	parent<<<1, 1>>>(p);
	cudaError_t e = cudaDeviceSynchronize();
	if (last && last(&rec, sizeof(rec)) == 0) {
		bool ok = e == cudaSuccess && strstr(rec.name, "parent") && rec.args_len == 8 &&
			  !memcmp(rec.args, &p, 8);
		ok ? passed++ : failed++;
		printf("%s: the double received parent<<<1, 1>>>(p)\n", ok ? "pass" : "FAIL");
	} else {
		bool ok = e == cudaSuccess &&
			  cudaMemcpy(h, p, sizeof(h), cudaMemcpyDeviceToHost) == cudaSuccess;
		for (int i = 0; ok && i < 32; i++)
			ok = h[i] == i * 3 + 1;
		ok ? passed++ : failed++;
		printf("%s: the child kernel wrote its values (%s)\n", ok ? "pass" : "FAIL",
		       cudaGetErrorName(e));
	}
	cudaFree(p);
	printf("gvtest_rdc: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
