// errors.cu: CUDA runtime error semantics of an unmodified nvcc program.
// Without arguments: non-sticky errors (bad launch configurations, an
// invalid copy direction, freeing what was never allocated, a huge
// allocation, an invalid device) are returned by the failing call, recorded
// for cudaPeekAtLastError / cudaGetLastError, cleared by cudaGetLastError, and
// leave the process working.
// With "illegal" as argv[1], it then also runs a kernel that writes through
// an invalid pointer: cudaDeviceSynchronize returns cudaErrorIllegalAddress
// and the error is sticky (later calls return it too; cudaGetLastError
// reports it once and then cudaSuccess, but the next call fails again).
// isolation.sh runs this beside another process that must stay unaffected.
// Prints only values identical on any correct CUDA implementation; the last
// line is "errors: N passed, M failed", exit status 0 iff M == 0.
// Build: nvcc -arch=sm_90 --cudart=shared -O2 -o errors errors.cu
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_runtime.h>

#include "check.cuh"

__global__ void k_iota(int *p, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		p[i] = i + 1;
}

__global__ void k_store(int *p, int v) { *p = v; }

// Launches k_iota on 256 ints and checks the result: the process still works.
static void still_works(const char *when)
{
	int *d = NULL;
	static int h[256];
	char what[160];
	snprintf(what, sizeof(what), "cudaMalloc %s", when);
	check_e(what, cudaMalloc((void **)&d, sizeof(h)), cudaSuccess);
	k_iota<<<2, 128>>>(d, 256);
	snprintf(what, sizeof(what), "launch k_iota %s", when);
	check_e(what, cudaGetLastError(), cudaSuccess);
	memset(h, 0, sizeof(h));
	snprintf(what, sizeof(what), "cudaMemcpy D2H %s", when);
	check_e(what, cudaMemcpy(h, d, sizeof(h), cudaMemcpyDeviceToHost), cudaSuccess);
	int bad = 0;
	for (int i = 0; i < 256; i++)
		bad += h[i] != i + 1;
	snprintf(what, sizeof(what), "k_iota wrong values %s", when);
	check_i(what, bad, 0);
	snprintf(what, sizeof(what), "cudaFree %s", when);
	check_e(what, cudaFree(d), cudaSuccess);
}

int main(int argc, char **argv)
{
	int illegal = argc > 1 && strcmp(argv[1], "illegal") == 0;
	int *d = NULL;

	int count = 0, dev = -1;
	CK(cudaGetDeviceCount(&count));
	check_i("device count >= 1", count >= 1, 1);
	CK(cudaGetDevice(&dev));
	check_i("current device", dev, 0);
	check_e("cudaGetLastError at start", cudaGetLastError(), cudaSuccess);
	CK(cudaMalloc((void **)&d, 1024));

	// Invalid launch configurations.  CUDA 13 (runtime 13.0, driver 580)
	// reports them as cudaErrorInvalidValue, not the
	// cudaErrorInvalidConfiguration of earlier runtimes (checked natively on
	// an H100), for <<<>>>, cudaLaunchKernel and cudaLaunchKernelExC alike.
	const cudaError_t badcfg = cudaErrorInvalidValue;

	// 2048 threads per block
	k_iota<<<1, 2048>>>(d, 256);
	check_e("cudaPeekAtLastError after <<<1, 2048>>>", cudaPeekAtLastError(), badcfg);
	check_e("cudaGetLastError after <<<1, 2048>>>", cudaGetLastError(), badcfg);
	check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);
	check_e("cudaPeekAtLastError again", cudaPeekAtLastError(), cudaSuccess);

	// zero grid dimension
	k_iota<<<0, 32>>>(d, 256);
	check_e("cudaGetLastError after <<<0, 32>>>", cudaGetLastError(), badcfg);
	k_iota<<<dim3(1, 0, 1), 32>>>(d, 256);
	check_e("cudaGetLastError after <<<(1,0,1), 32>>>", cudaGetLastError(), badcfg);
	// block z above its limit of 64
	k_iota<<<1, dim3(1, 1, 65)>>>(d, 256);
	check_e("cudaGetLastError after <<<1, (1,1,65)>>>", cudaGetLastError(), badcfg);
	check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);

	// the same through cudaLaunchKernel and cudaLaunchKernelExC
	{
		int n = 256;
		void *args[] = {&d, &n};
		check_e("cudaLaunchKernel block 2048",
			cudaLaunchKernel((const void *)k_iota, dim3(1), dim3(2048), args, 0, 0),
			badcfg);
		check_e("cudaGetLastError after it", cudaGetLastError(), badcfg);
		check_e("cudaLaunchKernel grid 0",
			cudaLaunchKernel((const void *)k_iota, dim3(0), dim3(32), args, 0, 0),
			badcfg);
		cudaLaunchConfig_t cfg = {};
		cfg.gridDim = dim3(1);
		cfg.blockDim = dim3(2048);
		check_e("cudaLaunchKernelExC block 2048",
			cudaLaunchKernelExC(&cfg, (const void *)k_iota, args), badcfg);
		check_e("cudaGetLastError after it", cudaGetLastError(), badcfg);
		check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);
	}
	still_works("after bad launches");

	// invalid copy direction
	int h[4] = {1, 2, 3, 4};
	check_e("cudaMemcpy with kind 99", cudaMemcpy(d, h, sizeof(h), (cudaMemcpyKind)99),
		cudaErrorInvalidMemcpyDirection);
	check_e("cudaGetLastError after it", cudaGetLastError(),
		cudaErrorInvalidMemcpyDirection);
	check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);

	// freeing what was never allocated
	check_e("cudaFree(NULL)", cudaFree(NULL), cudaSuccess);
	void *host_ptr = malloc(64);
	check_e("cudaFree(host malloc pointer)", cudaFree(host_ptr), cudaErrorInvalidValue);
	free(host_ptr);
	check_e("cudaFree(device pointer + 256)", cudaFree((char *)d + 256),
		cudaErrorInvalidValue);
	check_e("cudaGetLastError after it", cudaGetLastError(), cudaErrorInvalidValue);
	check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);

	// an allocation far beyond any GPU's memory (1 PiB)
	void *huge = NULL;
	check_e("cudaMalloc(1 PiB)", cudaMalloc(&huge, (size_t)1 << 50),
		cudaErrorMemoryAllocation);
	check_i("cudaMalloc(1 PiB) left the pointer NULL", huge == NULL, 1);
	check_e("cudaGetLastError after it", cudaGetLastError(), cudaErrorMemoryAllocation);

	// invalid device
	check_e("cudaSetDevice(999)", cudaSetDevice(999), cudaErrorInvalidDevice);
	check_e("cudaGetLastError after it", cudaGetLastError(), cudaErrorInvalidDevice);
	check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);
	CK(cudaGetDevice(&dev));
	check_i("current device still", dev, 0);
	still_works("after non-sticky errors");

	if (illegal) {
		// A write through an invalid pointer: reported at the next
		// synchronization, then sticky for the rest of the process.
		k_store<<<1, 1>>>((int *)0x10, 1);
		check_e("cudaDeviceSynchronize after illegal write", cudaDeviceSynchronize(),
			cudaErrorIllegalAddress);
		void *p = NULL;
		check_e("cudaMalloc afterwards (sticky)", cudaMalloc(&p, 16),
			cudaErrorIllegalAddress);
		check_e("cudaMemcpy afterwards (sticky)",
			cudaMemcpy(h, d, sizeof(h), cudaMemcpyDeviceToHost),
			cudaErrorIllegalAddress);
		check_e("cudaDeviceSynchronize again (sticky)", cudaDeviceSynchronize(),
			cudaErrorIllegalAddress);
		check_e("cudaGetLastError (sticky)", cudaGetLastError(),
			cudaErrorIllegalAddress);
		// The recorded error is cleared like any other (seen natively),
		// but the context stays broken: the next call fails again.
		check_e("cudaGetLastError again", cudaGetLastError(), cudaSuccess);
		check_e("cudaMalloc after clearing (still sticky)", cudaMalloc(&p, 16),
			cudaErrorIllegalAddress);
		check_e("cudaPeekAtLastError after it", cudaPeekAtLastError(),
			cudaErrorIllegalAddress);
	} else {
		CK(cudaFree(d));
	}
	printf("errors: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail == 0 ? 0 : 1;
}
