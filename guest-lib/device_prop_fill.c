/* SPDX-License-Identifier: MIT */
/*
 * Builds a CUDA 13 struct cudaDeviceProp from the device description the
 * host sent (name, uuid, luid, memory size and the raw device attributes),
 * field by field, as cudaGetDeviceProperties fills it natively.
 */
#include <string.h>

#include "gvrt.h"

/* attrs[k], or 0 where the host could not read attribute k. */
static int attr(const struct gv_device_info_resp *i, int k)
{
	uint8_t bits;
	int32_t v;

	if (k < 0 || k >= GV_ATTR_SLOTS)
		return 0;
	bits = i->attr_valid[k / 8];
	if (!(bits & (1u << (k % 8))))
		return 0;
	v = i->attrs[k];
	return v;
}

/* An attribute that is a size in bytes. */
static size_t attr_size(const struct gv_device_info_resp *i, int k)
{
	return (size_t)(unsigned int)attr(i, k);
}

/* An attribute that is a bitmask or an unsigned identifier. */
static unsigned int attr_uint(const struct gv_device_info_resp *i, int k)
{
	return (unsigned int)attr(i, k);
}

void gv_fill_device_prop(struct cudaDeviceProp *p,
			 const struct gv_device_info_resp *i)
{
	uint32_t node_mask;
	uint64_t total_mem;

	memset(p, 0, sizeof(*p));

	/* The packed struct's members are copied, never pointed at. */
	memcpy(p->name,
	       (const char *)i + offsetof(struct gv_device_info_resp, name),
	       sizeof(p->name) - 1);
	p->name[sizeof(p->name) - 1] = '\0';
	memcpy(p->uuid.bytes,
	       (const char *)i + offsetof(struct gv_device_info_resp, uuid),
	       sizeof(p->uuid.bytes));
	memcpy(p->luid,
	       (const char *)i + offsetof(struct gv_device_info_resp, luid),
	       sizeof(p->luid));
	node_mask = i->luid_node_mask;
	p->luidDeviceNodeMask = node_mask;
	total_mem = i->total_mem;
	p->totalGlobalMem = (size_t)total_mem;

	p->sharedMemPerBlock = attr_size(i, cudaDevAttrMaxSharedMemoryPerBlock);
	p->regsPerBlock = attr(i, cudaDevAttrMaxRegistersPerBlock);
	p->warpSize = attr(i, cudaDevAttrWarpSize);
	p->memPitch = attr_size(i, cudaDevAttrMaxPitch);
	p->maxThreadsPerBlock = attr(i, cudaDevAttrMaxThreadsPerBlock);
	p->maxThreadsDim[0] = attr(i, cudaDevAttrMaxBlockDimX);
	p->maxThreadsDim[1] = attr(i, cudaDevAttrMaxBlockDimY);
	p->maxThreadsDim[2] = attr(i, cudaDevAttrMaxBlockDimZ);
	p->maxGridSize[0] = attr(i, cudaDevAttrMaxGridDimX);
	p->maxGridSize[1] = attr(i, cudaDevAttrMaxGridDimY);
	p->maxGridSize[2] = attr(i, cudaDevAttrMaxGridDimZ);
	p->totalConstMem = attr_size(i, cudaDevAttrTotalConstantMemory);
	p->major = attr(i, cudaDevAttrComputeCapabilityMajor);
	p->minor = attr(i, cudaDevAttrComputeCapabilityMinor);
	p->textureAlignment = attr_size(i, cudaDevAttrTextureAlignment);
	p->texturePitchAlignment = attr_size(i, cudaDevAttrTexturePitchAlignment);
	p->multiProcessorCount = attr(i, cudaDevAttrMultiProcessorCount);
	p->integrated = attr(i, cudaDevAttrIntegrated);
	p->canMapHostMemory = attr(i, cudaDevAttrCanMapHostMemory);

	/* Textures. */
	p->maxTexture1D = attr(i, cudaDevAttrMaxTexture1DWidth);
	p->maxTexture1DMipmap = attr(i, cudaDevAttrMaxTexture1DMipmappedWidth);
	p->maxTexture2D[0] = attr(i, cudaDevAttrMaxTexture2DWidth);
	p->maxTexture2D[1] = attr(i, cudaDevAttrMaxTexture2DHeight);
	p->maxTexture2DMipmap[0] = attr(i, cudaDevAttrMaxTexture2DMipmappedWidth);
	p->maxTexture2DMipmap[1] = attr(i, cudaDevAttrMaxTexture2DMipmappedHeight);
	p->maxTexture2DLinear[0] = attr(i, cudaDevAttrMaxTexture2DLinearWidth);
	p->maxTexture2DLinear[1] = attr(i, cudaDevAttrMaxTexture2DLinearHeight);
	p->maxTexture2DLinear[2] = attr(i, cudaDevAttrMaxTexture2DLinearPitch);
	p->maxTexture2DGather[0] = attr(i, cudaDevAttrMaxTexture2DGatherWidth);
	p->maxTexture2DGather[1] = attr(i, cudaDevAttrMaxTexture2DGatherHeight);
	p->maxTexture3D[0] = attr(i, cudaDevAttrMaxTexture3DWidth);
	p->maxTexture3D[1] = attr(i, cudaDevAttrMaxTexture3DHeight);
	p->maxTexture3D[2] = attr(i, cudaDevAttrMaxTexture3DDepth);
	p->maxTexture3DAlt[0] = attr(i, cudaDevAttrMaxTexture3DWidthAlt);
	p->maxTexture3DAlt[1] = attr(i, cudaDevAttrMaxTexture3DHeightAlt);
	p->maxTexture3DAlt[2] = attr(i, cudaDevAttrMaxTexture3DDepthAlt);
	p->maxTextureCubemap = attr(i, cudaDevAttrMaxTextureCubemapWidth);
	p->maxTexture1DLayered[0] = attr(i, cudaDevAttrMaxTexture1DLayeredWidth);
	p->maxTexture1DLayered[1] = attr(i, cudaDevAttrMaxTexture1DLayeredLayers);
	p->maxTexture2DLayered[0] = attr(i, cudaDevAttrMaxTexture2DLayeredWidth);
	p->maxTexture2DLayered[1] = attr(i, cudaDevAttrMaxTexture2DLayeredHeight);
	p->maxTexture2DLayered[2] = attr(i, cudaDevAttrMaxTexture2DLayeredLayers);
	p->maxTextureCubemapLayered[0] =
		attr(i, cudaDevAttrMaxTextureCubemapLayeredWidth);
	p->maxTextureCubemapLayered[1] =
		attr(i, cudaDevAttrMaxTextureCubemapLayeredLayers);

	/* Surfaces. */
	p->maxSurface1D = attr(i, cudaDevAttrMaxSurface1DWidth);
	p->maxSurface2D[0] = attr(i, cudaDevAttrMaxSurface2DWidth);
	p->maxSurface2D[1] = attr(i, cudaDevAttrMaxSurface2DHeight);
	p->maxSurface3D[0] = attr(i, cudaDevAttrMaxSurface3DWidth);
	p->maxSurface3D[1] = attr(i, cudaDevAttrMaxSurface3DHeight);
	p->maxSurface3D[2] = attr(i, cudaDevAttrMaxSurface3DDepth);
	p->maxSurface1DLayered[0] = attr(i, cudaDevAttrMaxSurface1DLayeredWidth);
	p->maxSurface1DLayered[1] = attr(i, cudaDevAttrMaxSurface1DLayeredLayers);
	p->maxSurface2DLayered[0] = attr(i, cudaDevAttrMaxSurface2DLayeredWidth);
	p->maxSurface2DLayered[1] = attr(i, cudaDevAttrMaxSurface2DLayeredHeight);
	p->maxSurface2DLayered[2] = attr(i, cudaDevAttrMaxSurface2DLayeredLayers);
	p->maxSurfaceCubemap = attr(i, cudaDevAttrMaxSurfaceCubemapWidth);
	p->maxSurfaceCubemapLayered[0] =
		attr(i, cudaDevAttrMaxSurfaceCubemapLayeredWidth);
	p->maxSurfaceCubemapLayered[1] =
		attr(i, cudaDevAttrMaxSurfaceCubemapLayeredLayers);
	p->surfaceAlignment = attr_size(i, cudaDevAttrSurfaceAlignment);

	p->concurrentKernels = attr(i, cudaDevAttrConcurrentKernels);
	p->ECCEnabled = attr(i, cudaDevAttrEccEnabled);
	p->pciBusID = attr(i, cudaDevAttrPciBusId);
	p->pciDeviceID = attr(i, cudaDevAttrPciDeviceId);
	p->pciDomainID = attr(i, cudaDevAttrPciDomainId);
	p->tccDriver = attr(i, cudaDevAttrTccDriver);
	p->asyncEngineCount = attr(i, cudaDevAttrAsyncEngineCount);
	p->unifiedAddressing = attr(i, cudaDevAttrUnifiedAddressing);
	p->memoryBusWidth = attr(i, cudaDevAttrGlobalMemoryBusWidth);
	p->l2CacheSize = attr(i, cudaDevAttrL2CacheSize);
	p->persistingL2CacheMaxSize = attr(i, cudaDevAttrMaxPersistingL2CacheSize);
	p->maxThreadsPerMultiProcessor =
		attr(i, cudaDevAttrMaxThreadsPerMultiProcessor);
	p->streamPrioritiesSupported =
		attr(i, cudaDevAttrStreamPrioritiesSupported);
	p->globalL1CacheSupported = attr(i, cudaDevAttrGlobalL1CacheSupported);
	p->localL1CacheSupported = attr(i, cudaDevAttrLocalL1CacheSupported);
	p->sharedMemPerMultiprocessor =
		attr_size(i, cudaDevAttrMaxSharedMemoryPerMultiprocessor);
	p->regsPerMultiprocessor = attr(i, cudaDevAttrMaxRegistersPerMultiprocessor);
	p->managedMemory = attr(i, cudaDevAttrManagedMemory);
	p->isMultiGpuBoard = attr(i, cudaDevAttrIsMultiGpuBoard);
	p->multiGpuBoardGroupID = attr(i, cudaDevAttrMultiGpuBoardGroupID);
	p->hostNativeAtomicSupported =
		attr(i, cudaDevAttrHostNativeAtomicSupported);
	p->pageableMemoryAccess = attr(i, cudaDevAttrPageableMemoryAccess);
	p->concurrentManagedAccess = attr(i, cudaDevAttrConcurrentManagedAccess);
	p->computePreemptionSupported =
		attr(i, cudaDevAttrComputePreemptionSupported);
	p->canUseHostPointerForRegisteredMem =
		attr(i, cudaDevAttrCanUseHostPointerForRegisteredMem);
	p->cooperativeLaunch = attr(i, cudaDevAttrCooperativeLaunch);
	p->sharedMemPerBlockOptin =
		attr_size(i, cudaDevAttrMaxSharedMemoryPerBlockOptin);
	p->pageableMemoryAccessUsesHostPageTables =
		attr(i, cudaDevAttrPageableMemoryAccessUsesHostPageTables);
	p->directManagedMemAccessFromHost =
		attr(i, cudaDevAttrDirectManagedMemAccessFromHost);
	p->maxBlocksPerMultiProcessor =
		attr(i, cudaDevAttrMaxBlocksPerMultiprocessor);
	p->accessPolicyMaxWindowSize =
		attr(i, cudaDevAttrMaxAccessPolicyWindowSize);
	p->reservedSharedMemPerBlock =
		attr_size(i, cudaDevAttrReservedSharedMemoryPerBlock);
	p->hostRegisterSupported = attr(i, cudaDevAttrHostRegisterSupported);
	p->sparseCudaArraySupported =
		attr(i, cudaDevAttrSparseCudaArraySupported);
	p->hostRegisterReadOnlySupported =
		attr(i, cudaDevAttrHostRegisterReadOnlySupported);
	p->timelineSemaphoreInteropSupported =
		attr(i, cudaDevAttrTimelineSemaphoreInteropSupported);
	p->memoryPoolsSupported = attr(i, cudaDevAttrMemoryPoolsSupported);
	p->gpuDirectRDMASupported = attr(i, cudaDevAttrGPUDirectRDMASupported);
	p->gpuDirectRDMAFlushWritesOptions =
		attr_uint(i, cudaDevAttrGPUDirectRDMAFlushWritesOptions);
	p->gpuDirectRDMAWritesOrdering =
		attr(i, cudaDevAttrGPUDirectRDMAWritesOrdering);
	p->memoryPoolSupportedHandleTypes =
		attr_uint(i, cudaDevAttrMemoryPoolSupportedHandleTypes);
	p->deferredMappingCudaArraySupported =
		attr(i, cudaDevAttrDeferredMappingCudaArraySupported);
	p->ipcEventSupported = attr(i, cudaDevAttrIpcEventSupport);
	p->clusterLaunch = attr(i, cudaDevAttrClusterLaunch);
	/* Runtime slot 129 is CU_DEVICE_ATTRIBUTE_UNIFIED_FUNCTION_POINTERS. */
	p->unifiedFunctionPointers = attr(i, cudaDevAttrReserved129);
	p->deviceNumaConfig = attr(i, cudaDevAttrNumaConfig);
	p->deviceNumaId = attr(i, cudaDevAttrNumaId);
	p->mpsEnabled = attr(i, cudaDevAttrMpsEnabled);
	p->hostNumaId = attr(i, cudaDevAttrHostNumaId);
	p->gpuPciDeviceID = attr_uint(i, cudaDevAttrGpuPciDeviceId);
	p->gpuPciSubsystemID = attr_uint(i, cudaDevAttrGpuPciSubsystemId);
	p->hostNumaMultinodeIpcSupported =
		attr(i, cudaDevAttrHostNumaMultinodeIpcSupported);
	/* reserved[] has no attribute: it stays 0. */
}
