/* SPDX-License-Identifier: MIT */
/* make run: say which GPU serves this guest and move some data through it. */
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	struct cudaDeviceProp p;
	unsigned char h[4096], back[4096];
	void *d = NULL;
	int n = 0, drv = 0;
	cudaError_t e = cudaGetDeviceCount(&n);
	size_t i;

	if (e != cudaSuccess) {
		printf("gvdemo: no GPU available to this guest: %s (%s)\n", cudaGetErrorName(e),
		       cudaGetErrorString(e));
		if (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice)
			printf("gvdemo: the host has no usable NVIDIA GPU/driver; "
			       "use executor=cpu-reference to try the transport without one\n");
		return 1;
	}
	cudaDriverGetVersion(&drv);
	cudaGetDeviceProperties(&p, 0);
	for (i = 0; i < sizeof(h); i++)
		h[i] = (unsigned char)(i * 31 + 7);
	e = cudaMalloc(&d, sizeof(h));
	if (e == cudaSuccess)
		e = cudaMemcpy(d, h, sizeof(h), cudaMemcpyHostToDevice);
	if (e == cudaSuccess)
		e = cudaMemcpy(back, d, sizeof(h), cudaMemcpyDeviceToHost);
	cudaFree(d);
	printf("gvdemo: %d device(s); device 0 is \"%s\" (sm_%d%d, %zu MiB), host driver %d\n", n,
	       p.name, p.major, p.minor, p.totalGlobalMem >> 20, drv);
	printf("gvdemo: 4 KiB round trip through device memory: %s\n",
	       e != cudaSuccess		    ? cudaGetErrorString(e)
	       : memcmp(h, back, sizeof(h)) ? "DATA MISMATCH"
					    : "ok");
	return e != cudaSuccess || memcmp(h, back, sizeof(h));
}
