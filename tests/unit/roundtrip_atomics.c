/* SPDX-License-Identifier: MIT */
/*
 * Devices' atomic capabilities against a fake driver that answers each
 * operation with a value of its own: an array longer than one request
 * carries arrives whole and in order, the guest's device ordinals reach
 * the driver as the host's, and a device the session does not see is
 * refused before the driver is asked.
 */
#include <cuda.h>
#include <cuda_runtime_api.h>

#include "gen/cuda_driver_fns.h"
#include "roundtrip.h"

#define OPS 40

static int calls, bad_device;

static CUresult host_caps(unsigned int *caps, const CUatomicOperation *ops, unsigned int n,
			  CUdevice dev)
{
	unsigned int i;

	calls++;
	bad_device |= dev != 0;
	for (i = 0; i < n; i++)
		caps[i] = 3u * (unsigned int)ops[i] + 1;
	return CUDA_SUCCESS;
}

static CUresult p2p_caps(unsigned int *caps, const CUatomicOperation *ops, unsigned int n,
			 CUdevice src, CUdevice dst)
{
	unsigned int i;

	calls++;
	bad_device |= src != 0 || dst != 0;
	for (i = 0; i < n; i++)
		caps[i] = 5u * (unsigned int)ops[i];
	return CUDA_SUCCESS;
}

void atomic_capabilities(struct gvg_cuda_fns *t)
{
	const char *fn = "cudaDeviceGetHostAtomicCapabilities";
	enum cudaAtomicOperation ops[OPS];
	unsigned int caps[OPS], i;
	int ok = 1, before;

	t->cuDeviceGetHostAtomicCapabilities = host_caps;
	t->cuDeviceGetP2PAtomicCapabilities = p2p_caps;
	for (i = 0; i < OPS; i++)
		ops[i] = (enum cudaAtomicOperation)(i % 13);
	RT_TRUE(fn, "40 operations in two requests",
		cudaDeviceGetHostAtomicCapabilities(caps, ops, OPS, 0) == cudaSuccess &&
		    calls == 2);
	for (i = 0; i < OPS; i++)
		ok &= caps[i] == 3u * (i % 13) + 1;
	RT_TRUE(fn, "each operation's answer, in order", ok);
	RT_TRUE("cudaDeviceGetP2PAtomicCapabilities", "one request",
		cudaDeviceGetP2PAtomicCapabilities(caps, ops, 3, 0, 0) == cudaSuccess &&
		    caps[2] == 10 && calls == 3);
	RT_TRUE(fn, "the host's device ordinal", !bad_device);
	before = calls;
	RT_TRUE(fn, "a device the session does not see: refused first",
		cudaDeviceGetHostAtomicCapabilities(caps, ops, 1, 7) == cudaErrorInvalidDevice &&
		    cudaDeviceGetHostAtomicCapabilities(caps, ops, 1, -1) ==
			cudaErrorInvalidDevice &&
		    calls == before);
	(void)cudaGetLastError();
	RT_TRUE(fn, "no arrays: refused",
		cudaDeviceGetHostAtomicCapabilities(NULL, ops, 1, 0) == cudaErrorInvalidValue);
	(void)cudaGetLastError();
}
