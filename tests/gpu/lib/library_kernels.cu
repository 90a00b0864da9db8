// SPDX-License-Identifier: MIT
// The kernels and the global of tests/gpu/library.cu's library: built into
// a fatbin of their own (not a program), which the program loads itself.
__device__ unsigned int g_value = 42;

extern "C" __global__ void add_one(int *v, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		v[i] += 1 + (int)g_value;
}

extern "C" __global__ void scale(int *v, int a, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		v[i] *= a;
}
