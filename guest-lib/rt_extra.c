/* SPDX-License-Identifier: MIT */
/*
 * Runtime calls whose semantics are the guest's: channel descriptors,
 * device flags, stream-ordered allocation on the session's allocator,
 * page-locking the guest's own memory, and the driver's entry points.
 */
#include <cuda.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "gvrt.h"

GVRT_EXPORT struct cudaChannelFormatDesc cudaCreateChannelDesc(int x, int y, int z, int w,
							       enum cudaChannelFormatKind f)
{
	struct cudaChannelFormatDesc d = {x, y, z, w, f};

	return d;
}

/* The first device of at least the compute capability asked for, else 0. */
GVRT_EXPORT cudaError_t cudaChooseDevice(int *device, const struct cudaDeviceProp *prop)
{
	const struct gv_session_info *s = gv_session();
	int d;

	if (!device || !prop)
		return gv_ret(cudaErrorInvalidValue);
	if (!s->ready)
		return gv_ret(s->init_error);
	if (s->count_result != cudaSuccess)
		return gv_ret(s->count_result);
	*device = 0;
	for (d = 0; d < s->device_count; d++) {
		int major = 0, minor = 0;

		if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, d) ||
		    cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, d))
			break;
		if (major > prop->major || (major == prop->major && minor >= prop->minor)) {
			*device = d;
			break;
		}
	}
	return gv_ret(cudaSuccess);
}

/* ---- device flags: scheduling hints, kept per device ---- */

static _Atomic unsigned int device_flags[GVRT_MAX_DEVICES];

static cudaError_t set_flags(int dev, unsigned int flags)
{
	const unsigned int known = cudaDeviceScheduleMask | cudaDeviceMapHost |
				   cudaDeviceLmemResizeToMax | cudaDeviceSyncMemops;
	const struct gv_session_info *s = gv_session();

	if (flags & ~known)
		return cudaErrorInvalidValue;
	if (!s->ready)
		return s->init_error;
	if (dev < 0 || dev >= s->device_count)
		return cudaErrorInvalidDevice;
	atomic_store(&device_flags[dev], flags);
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaSetDeviceFlags(unsigned int flags)
{
	return gv_ret(set_flags(gv_current_device(), flags));
}

GVRT_EXPORT cudaError_t cudaGetDeviceFlags(unsigned int *flags)
{
	if (!flags)
		return gv_ret(cudaErrorInvalidValue);
	/* Natively, the runtime reports mapped host memory as always on. */
	*flags = atomic_load(&device_flags[gv_current_device()]) | cudaDeviceMapHost;
	return gv_ret(cudaSuccess);
}

GVRT_EXPORT cudaError_t cudaInitDevice(int device, unsigned int deviceFlags, unsigned int flags)
{
	if (flags & ~cudaInitDeviceFlagsAreValid)
		return gv_ret(cudaErrorInvalidValue);
	return gv_ret(set_flags(device, (flags & cudaInitDeviceFlagsAreValid) ? deviceFlags : 0));
}

/* The devices to use, in order: the thread continues on the first. */
GVRT_EXPORT cudaError_t cudaSetValidDevices(int *devices, int len)
{
	const struct gv_session_info *s = gv_session();
	int i;

	if (len < 0 || (len && !devices))
		return gv_ret(cudaErrorInvalidValue);
	if (!s->ready)
		return gv_ret(s->init_error);
	for (i = 0; i < len; i++)
		if (devices[i] < 0 || devices[i] >= s->device_count)
			return gv_ret(cudaErrorInvalidDevice);
	if (len)
		gv_set_current_device(devices[0]);
	return gv_ret(cudaSuccess);
}

/* Through the peer's primary context in the driver, as natively. */
GVRT_EXPORT cudaError_t cudaDeviceDisablePeerAccess(int peer)
{
	static CUresult (*retain)(CUcontext *, CUdevice);
	static CUresult (*release)(CUdevice);
	static CUresult (*disable)(CUcontext);
	CUcontext ctx;
	cudaError_t e;

	if ((!retain && gv_driver_load(&retain, "cuDevicePrimaryCtxRetain")) ||
	    (!release && gv_driver_load(&release, "cuDevicePrimaryCtxRelease_v2")) ||
	    (!disable && gv_driver_load(&disable, "cuCtxDisablePeerAccess")))
		return gv_ret(cudaErrorNotSupported);
	if (retain(&ctx, peer))
		return gv_ret(cudaErrorInvalidDevice);
	e = (cudaError_t)disable(ctx);
	release(peer);
	/* CUDA_ERROR_PEER_ACCESS_NOT_ENABLED is cudaErrorPeerAccessNotEnabled (705). */
	return gv_ret(e);
}

/* ---- page-locking the guest's own memory ---- */

GVRT_EXPORT cudaError_t cudaHostRegister(void *ptr, size_t size, unsigned int flags)
{
	const unsigned int known = cudaHostRegisterPortable | cudaHostRegisterMapped |
				   cudaHostRegisterIoMemory | cudaHostRegisterReadOnly;
	struct gv_region r;

	if (!ptr || !size || (flags & ~known))
		return gv_ret(cudaErrorInvalidValue);
	if (flags & cudaHostRegisterIoMemory)
		return gv_ret(cudaErrorNotSupported); /* no device memory in the guest */
	if (gv_region_find(ptr, &r) == 0)
		return gv_ret(cudaErrorHostMemoryAlreadyRegistered);
	/* The pages stay put while copies name them (gvirtus.ko pins them
	 * per transfer too); a failed mlock is the same limit as natively. */
	if (mlock(ptr, size))
		return gv_ret(cudaErrorMemoryAllocation);
	gv_pin_host(ptr, size, 1);
	r = (struct gv_region){.base = (uintptr_t)ptr,
			       .size = size,
			       .device = gv_current_device(),
			       .kind = GV_REGION_HOST,
			       .flags = flags};
	gv_region_add(&r);
	return gv_ret(cudaSuccess);
}

GVRT_EXPORT cudaError_t cudaHostUnregister(void *ptr)
{
	struct gv_region r;

	if (!ptr || gv_region_find(ptr, &r) || r.base != (uintptr_t)ptr)
		return gv_ret(cudaErrorHostMemoryNotRegistered);
	if (gv_region_remove((uintptr_t)ptr, GV_REGION_HOST, &r))
		return gv_ret(cudaErrorHostMemoryNotRegistered);
	gv_pin_host(ptr, r.size, 0);
	munlock(ptr, r.size);
	return gv_ret(cudaSuccess);
}

GVRT_EXPORT cudaError_t cudaHostGetFlags(unsigned int *flags, void *ptr)
{
	struct gv_region r;

	if (!flags || gv_region_find(ptr, &r) || r.kind != GV_REGION_HOST)
		return gv_ret(cudaErrorInvalidValue);
	*flags = r.flags;
	return gv_ret(cudaSuccess);
}

/*
 * A kernel cannot reach the guest's memory until guest RAM is shared with
 * the host (the data-plane work): no device pointer rather than one that
 * faults.
 */
GVRT_EXPORT cudaError_t cudaHostGetDevicePointer(void **dptr, void *ptr, unsigned int flags)
{
	static atomic_flag logged;

	if (!dptr || !ptr || flags)
		return gv_ret(cudaErrorInvalidValue);
	if (!atomic_flag_test_and_set(&logged))
		gv_log(GV_LOG_WARN, "cudaHostGetDevicePointer: kernels cannot reach guest "
				    "memory yet; it returns cudaErrorNotSupported");
	return gv_ret(cudaErrorNotSupported);
}

/* ---- the driver's entry points, from our libcuda.so.1 ---- */

static CUresult (*get_proc)(const char *, void **, int, cuuint64_t,
			    CUdriverProcAddressQueryResult *);

GVRT_EXPORT cudaError_t cudaGetDriverEntryPointByVersion(
    const char *symbol, void **fn, unsigned int version, unsigned long long flags,
    enum cudaDriverEntryPointQueryResult *status)
{
	CUresult e;

	if (!symbol || !fn)
		return gv_ret(cudaErrorInvalidValue);
	if (!get_proc && gv_driver_load(&get_proc, "cuGetProcAddress_v2"))
		return gv_ret(cudaErrorNotSupported);
	/* The runtime's flags and statuses have the driver's values. */
	e = get_proc(symbol, fn, (int)version, flags, (CUdriverProcAddressQueryResult *)status);
	/* Natively a symbol not found is a status, not an error. */
	return gv_ret(e == CUDA_ERROR_NOT_FOUND && status ? cudaSuccess : (cudaError_t)e);
}

GVRT_EXPORT cudaError_t cudaGetDriverEntryPoint(const char *symbol, void **fn,
						unsigned long long flags,
						enum cudaDriverEntryPointQueryResult *status)
{
	return cudaGetDriverEntryPointByVersion(symbol, fn, CUDART_VERSION, flags, status);
}

/* ---- stream capture ---- */

/* The runtime's statuses, nodes and edge data are the driver's. */
GVRT_EXPORT cudaError_t cudaStreamGetCaptureInfo(cudaStream_t stream,
						 enum cudaStreamCaptureStatus *status,
						 unsigned long long *id, cudaGraph_t *graph,
						 const cudaGraphNode_t **deps,
						 const cudaGraphEdgeData **edges, size_t *n)
{
	static CUresult (*info)(CUstream, CUstreamCaptureStatus *, cuuint64_t *, CUgraph *,
				const CUgraphNode **, const CUgraphEdgeData **, size_t *);

	if (!info && gv_driver_load(&info, "cuStreamGetCaptureInfo_v3"))
		return gv_ret(cudaErrorNotSupported);
	_Static_assert(sizeof(cudaGraphEdgeData) == sizeof(CUgraphEdgeData), "edge data");
	return gv_ret((cudaError_t)info(
	    (CUstream)stream, (CUstreamCaptureStatus *)status, (cuuint64_t *)id, (CUgraph *)graph,
	    (const CUgraphNode **)deps, (const CUgraphEdgeData **)edges, n));
}
