/* SPDX-License-Identifier: MIT */
/*
 * Builds a CUDA 13 struct cudaDeviceProp from the device description the
 * host sent (name, uuid, luid, memory size and the raw device attributes),
 * field by field, as cudaGetDeviceProperties fills it natively.
 */
#include <string.h>

#include "gvrt.h"

/* Every runtime attribute has a slot, and every slot a bit of attr_valid. */
_Static_assert(cudaDevAttrMax <= GV_ATTR_SLOTS, "a slot per attribute");
_Static_assert(8 * sizeof(((struct gv_device_info_resp *)0)->attr_valid) == GV_ATTR_SLOTS,
	       "a bit of attr_valid per slot");

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

/* A field of struct cudaDeviceProp that is one attribute, copied. */
struct prop_field {
	uint16_t offset;
	uint16_t attr; /* enum cudaDeviceAttr */
	/*
	 * 4: an int or unsigned int, the attribute's 32 bits as they are;
	 * 8: a size_t, a size in bytes, so zero-extended.
	 */
	uint8_t width;
};
_Static_assert(sizeof(struct cudaDeviceProp) <= UINT16_MAX, "offsets fit prop_field");

#define PROP_MEMBER(f) (((struct cudaDeviceProp *)0)->f)
/* The member's size; a negative bit-field width stops the build unless 4 or 8. */
#define PROP_WIDTH(f)                                                                              \
	(sizeof(PROP_MEMBER(f)) + 0 * sizeof(struct {                                              \
					  int width_is_4_or_8 : sizeof(PROP_MEMBER(f)) == 4 ||     \
						  sizeof(PROP_MEMBER(f)) == 8                      \
					      ? 1                                                  \
					      : -1;                                                \
				  }))
#define PROP(f, a)                                                                                 \
	{                                                                                          \
		offsetof(struct cudaDeviceProp, f), a, PROP_WIDTH(f)                               \
	}

/* Roughly in the order of struct cudaDeviceProp's declaration. */
static const struct prop_field props[] = {
    PROP(sharedMemPerBlock, cudaDevAttrMaxSharedMemoryPerBlock),
    PROP(regsPerBlock, cudaDevAttrMaxRegistersPerBlock),
    PROP(warpSize, cudaDevAttrWarpSize),
    PROP(memPitch, cudaDevAttrMaxPitch),
    PROP(maxThreadsPerBlock, cudaDevAttrMaxThreadsPerBlock),
    PROP(maxThreadsDim[0], cudaDevAttrMaxBlockDimX),
    PROP(maxThreadsDim[1], cudaDevAttrMaxBlockDimY),
    PROP(maxThreadsDim[2], cudaDevAttrMaxBlockDimZ),
    PROP(maxGridSize[0], cudaDevAttrMaxGridDimX),
    PROP(maxGridSize[1], cudaDevAttrMaxGridDimY),
    PROP(maxGridSize[2], cudaDevAttrMaxGridDimZ),
    PROP(totalConstMem, cudaDevAttrTotalConstantMemory),
    PROP(major, cudaDevAttrComputeCapabilityMajor),
    PROP(minor, cudaDevAttrComputeCapabilityMinor),
    PROP(textureAlignment, cudaDevAttrTextureAlignment),
    PROP(texturePitchAlignment, cudaDevAttrTexturePitchAlignment),
    PROP(multiProcessorCount, cudaDevAttrMultiProcessorCount),
    PROP(integrated, cudaDevAttrIntegrated),
    PROP(canMapHostMemory, cudaDevAttrCanMapHostMemory),

    /* Textures. */
    PROP(maxTexture1D, cudaDevAttrMaxTexture1DWidth),
    PROP(maxTexture1DMipmap, cudaDevAttrMaxTexture1DMipmappedWidth),
    PROP(maxTexture2D[0], cudaDevAttrMaxTexture2DWidth),
    PROP(maxTexture2D[1], cudaDevAttrMaxTexture2DHeight),
    PROP(maxTexture2DMipmap[0], cudaDevAttrMaxTexture2DMipmappedWidth),
    PROP(maxTexture2DMipmap[1], cudaDevAttrMaxTexture2DMipmappedHeight),
    PROP(maxTexture2DLinear[0], cudaDevAttrMaxTexture2DLinearWidth),
    PROP(maxTexture2DLinear[1], cudaDevAttrMaxTexture2DLinearHeight),
    PROP(maxTexture2DLinear[2], cudaDevAttrMaxTexture2DLinearPitch),
    PROP(maxTexture2DGather[0], cudaDevAttrMaxTexture2DGatherWidth),
    PROP(maxTexture2DGather[1], cudaDevAttrMaxTexture2DGatherHeight),
    PROP(maxTexture3D[0], cudaDevAttrMaxTexture3DWidth),
    PROP(maxTexture3D[1], cudaDevAttrMaxTexture3DHeight),
    PROP(maxTexture3D[2], cudaDevAttrMaxTexture3DDepth),
    PROP(maxTexture3DAlt[0], cudaDevAttrMaxTexture3DWidthAlt),
    PROP(maxTexture3DAlt[1], cudaDevAttrMaxTexture3DHeightAlt),
    PROP(maxTexture3DAlt[2], cudaDevAttrMaxTexture3DDepthAlt),
    PROP(maxTextureCubemap, cudaDevAttrMaxTextureCubemapWidth),
    PROP(maxTexture1DLayered[0], cudaDevAttrMaxTexture1DLayeredWidth),
    PROP(maxTexture1DLayered[1], cudaDevAttrMaxTexture1DLayeredLayers),
    PROP(maxTexture2DLayered[0], cudaDevAttrMaxTexture2DLayeredWidth),
    PROP(maxTexture2DLayered[1], cudaDevAttrMaxTexture2DLayeredHeight),
    PROP(maxTexture2DLayered[2], cudaDevAttrMaxTexture2DLayeredLayers),
    PROP(maxTextureCubemapLayered[0], cudaDevAttrMaxTextureCubemapLayeredWidth),
    PROP(maxTextureCubemapLayered[1], cudaDevAttrMaxTextureCubemapLayeredLayers),

    /* Surfaces. */
    PROP(maxSurface1D, cudaDevAttrMaxSurface1DWidth),
    PROP(maxSurface2D[0], cudaDevAttrMaxSurface2DWidth),
    PROP(maxSurface2D[1], cudaDevAttrMaxSurface2DHeight),
    PROP(maxSurface3D[0], cudaDevAttrMaxSurface3DWidth),
    PROP(maxSurface3D[1], cudaDevAttrMaxSurface3DHeight),
    PROP(maxSurface3D[2], cudaDevAttrMaxSurface3DDepth),
    PROP(maxSurface1DLayered[0], cudaDevAttrMaxSurface1DLayeredWidth),
    PROP(maxSurface1DLayered[1], cudaDevAttrMaxSurface1DLayeredLayers),
    PROP(maxSurface2DLayered[0], cudaDevAttrMaxSurface2DLayeredWidth),
    PROP(maxSurface2DLayered[1], cudaDevAttrMaxSurface2DLayeredHeight),
    PROP(maxSurface2DLayered[2], cudaDevAttrMaxSurface2DLayeredLayers),
    PROP(maxSurfaceCubemap, cudaDevAttrMaxSurfaceCubemapWidth),
    PROP(maxSurfaceCubemapLayered[0], cudaDevAttrMaxSurfaceCubemapLayeredWidth),
    PROP(maxSurfaceCubemapLayered[1], cudaDevAttrMaxSurfaceCubemapLayeredLayers),
    PROP(surfaceAlignment, cudaDevAttrSurfaceAlignment),

    PROP(concurrentKernels, cudaDevAttrConcurrentKernels),
    PROP(ECCEnabled, cudaDevAttrEccEnabled),
    PROP(pciBusID, cudaDevAttrPciBusId),
    PROP(pciDeviceID, cudaDevAttrPciDeviceId),
    PROP(pciDomainID, cudaDevAttrPciDomainId),
    PROP(tccDriver, cudaDevAttrTccDriver),
    PROP(asyncEngineCount, cudaDevAttrAsyncEngineCount),
    PROP(unifiedAddressing, cudaDevAttrUnifiedAddressing),
    PROP(memoryBusWidth, cudaDevAttrGlobalMemoryBusWidth),
    PROP(l2CacheSize, cudaDevAttrL2CacheSize),
    PROP(persistingL2CacheMaxSize, cudaDevAttrMaxPersistingL2CacheSize),
    PROP(maxThreadsPerMultiProcessor, cudaDevAttrMaxThreadsPerMultiProcessor),
    PROP(streamPrioritiesSupported, cudaDevAttrStreamPrioritiesSupported),
    PROP(globalL1CacheSupported, cudaDevAttrGlobalL1CacheSupported),
    PROP(localL1CacheSupported, cudaDevAttrLocalL1CacheSupported),
    PROP(sharedMemPerMultiprocessor, cudaDevAttrMaxSharedMemoryPerMultiprocessor),
    PROP(regsPerMultiprocessor, cudaDevAttrMaxRegistersPerMultiprocessor),
    PROP(managedMemory, cudaDevAttrManagedMemory),
    PROP(isMultiGpuBoard, cudaDevAttrIsMultiGpuBoard),
    PROP(multiGpuBoardGroupID, cudaDevAttrMultiGpuBoardGroupID),
    PROP(hostNativeAtomicSupported, cudaDevAttrHostNativeAtomicSupported),
    PROP(pageableMemoryAccess, cudaDevAttrPageableMemoryAccess),
    PROP(concurrentManagedAccess, cudaDevAttrConcurrentManagedAccess),
    PROP(computePreemptionSupported, cudaDevAttrComputePreemptionSupported),
    PROP(canUseHostPointerForRegisteredMem, cudaDevAttrCanUseHostPointerForRegisteredMem),
    PROP(cooperativeLaunch, cudaDevAttrCooperativeLaunch),
    PROP(sharedMemPerBlockOptin, cudaDevAttrMaxSharedMemoryPerBlockOptin),
    PROP(pageableMemoryAccessUsesHostPageTables, cudaDevAttrPageableMemoryAccessUsesHostPageTables),
    PROP(directManagedMemAccessFromHost, cudaDevAttrDirectManagedMemAccessFromHost),
    PROP(maxBlocksPerMultiProcessor, cudaDevAttrMaxBlocksPerMultiprocessor),
    PROP(accessPolicyMaxWindowSize, cudaDevAttrMaxAccessPolicyWindowSize),
    PROP(reservedSharedMemPerBlock, cudaDevAttrReservedSharedMemoryPerBlock),
    PROP(hostRegisterSupported, cudaDevAttrHostRegisterSupported),
    PROP(sparseCudaArraySupported, cudaDevAttrSparseCudaArraySupported),
    PROP(hostRegisterReadOnlySupported, cudaDevAttrHostRegisterReadOnlySupported),
    PROP(timelineSemaphoreInteropSupported, cudaDevAttrTimelineSemaphoreInteropSupported),
    PROP(memoryPoolsSupported, cudaDevAttrMemoryPoolsSupported),
    PROP(gpuDirectRDMASupported, cudaDevAttrGPUDirectRDMASupported),
    PROP(gpuDirectRDMAFlushWritesOptions, cudaDevAttrGPUDirectRDMAFlushWritesOptions),
    PROP(gpuDirectRDMAWritesOrdering, cudaDevAttrGPUDirectRDMAWritesOrdering),
    PROP(memoryPoolSupportedHandleTypes, cudaDevAttrMemoryPoolSupportedHandleTypes),
    PROP(deferredMappingCudaArraySupported, cudaDevAttrDeferredMappingCudaArraySupported),
    PROP(ipcEventSupported, cudaDevAttrIpcEventSupport),
    PROP(clusterLaunch, cudaDevAttrClusterLaunch),
    /* Runtime slot 129 is CU_DEVICE_ATTRIBUTE_UNIFIED_FUNCTION_POINTERS. */
    PROP(unifiedFunctionPointers, cudaDevAttrReserved129),
    PROP(deviceNumaConfig, cudaDevAttrNumaConfig),
    PROP(deviceNumaId, cudaDevAttrNumaId),
    PROP(mpsEnabled, cudaDevAttrMpsEnabled),
    PROP(hostNumaId, cudaDevAttrHostNumaId),
    PROP(gpuPciDeviceID, cudaDevAttrGpuPciDeviceId),
    PROP(gpuPciSubsystemID, cudaDevAttrGpuPciSubsystemId),
    PROP(hostNumaMultinodeIpcSupported, cudaDevAttrHostNumaMultinodeIpcSupported),
};

void gv_fill_device_prop(struct cudaDeviceProp *p, const struct gv_device_info_resp *i)
{
	uint32_t node_mask;
	uint64_t total_mem;
	size_t k;

	memset(p, 0, sizeof(*p)); /* reserved[] has no attribute: it stays 0 */

	for (k = 0; k < sizeof(props) / sizeof(props[0]); k++) {
		const struct prop_field *f = &props[k];
		uint32_t v = (uint32_t)attr(i, f->attr);
		uint64_t wide = v;

		/* Through memcpy: the table knows widths, not types. */
		if (f->width == 8)
			memcpy((char *)p + f->offset, &wide, sizeof(wide));
		else
			memcpy((char *)p + f->offset, &v, sizeof(v));
	}

	/* The packed struct's members are copied, never pointed at. */
	memcpy(p->name, (const char *)i + offsetof(struct gv_device_info_resp, name),
	       sizeof(p->name) - 1);
	p->name[sizeof(p->name) - 1] = '\0';
	memcpy(p->uuid.bytes, (const char *)i + offsetof(struct gv_device_info_resp, uuid),
	       sizeof(p->uuid.bytes));
	memcpy(p->luid, (const char *)i + offsetof(struct gv_device_info_resp, luid),
	       sizeof(p->luid));
	node_mask = i->luid_node_mask;
	p->luidDeviceNodeMask = node_mask;
	total_mem = i->total_mem;
	p->totalGlobalMem = (size_t)total_mem;
}
