# SPDX-License-Identifier: MIT
"""The annotation table of the runtime API (cuda_runtime_api.h).

Most of libcudart.so.13 is hand-written semantics over the session's ops
(guest-lib/*.c).  What this table adds, generated into
guest-lib/gen/cudart_generated.c:

  VIA_DRIVER   runtime calls that are one driver call: the row is the driver
               call in the runtime's parameter names; the generator adds the
               casts (the enums and handles of both APIs have equal values)
               and runs it through our libcuda.so.1, as NVIDIA's runtime
               runs through NVIDIA's driver;
  per-thread   every exported X_ptsz / X_ptds whose X is implemented: the
               same call on the per-thread default stream.

In a VIA_DRIVER row, @func(p) is the driver handle of the kernel whose host
stub p is (registered by the program's nvcc code).
"""

LIBRARY = "cudart"
HEADER = "cuda_runtime_api.h"
EXTRA_HEADERS = ["cuda_profiler_api.h"]  # cudaProfilerStart/Stop
EXPORTS_LIST = "guest-lib/cudart_exports.txt"

# The runtime functions written by hand in guest-lib/*.c; per-thread
# variants are generated for these and for VIA_DRIVER's.
HANDWRITTEN_FILES = ["guest-lib/device.c", "guest-lib/error.c", "guest-lib/memory.c",
                     "guest-lib/module.c", "guest-lib/stream.c", "guest-lib/rt_extra.c",
                     "guest-lib/rt_array.c", "guest-lib/rt_graph_copy.c",
                     "guest-lib/tex_desc.c", "guest-lib/rt_ipc.c",
                     "guest-lib/library.c"]

VIA_DRIVER = {
    # device-wide state of the current device's context
    "cudaDeviceSetLimit": "cuCtxSetLimit(limit, value)",
    "cudaDeviceGetLimit": "cuCtxGetLimit(pValue, limit)",
    "cudaDeviceSetCacheConfig": "cuCtxSetCacheConfig(cacheConfig)",
    "cudaDeviceGetCacheConfig": "cuCtxGetCacheConfig(pCacheConfig)",
    "cudaDeviceSetSharedMemConfig": "cuCtxSetSharedMemConfig(config)",
    "cudaDeviceGetSharedMemConfig": "cuCtxGetSharedMemConfig(pConfig)",
    "cudaCtxResetPersistingL2Cache": "cuCtxResetPersistingL2Cache()",
    "cudaDeviceGetByPCIBusId": "cuDeviceGetByPCIBusId(device, pciBusId)",
    "cudaDeviceGetPCIBusId": "cuDeviceGetPCIBusId(pciBusId, len, device)",
    "cudaDeviceGetP2PAttribute": "cuDeviceGetP2PAttribute(value, attr, srcDevice, dstDevice)",
    "cudaDeviceGetHostAtomicCapabilities":
        "cuDeviceGetHostAtomicCapabilities(capabilities, operations, count, device)",
    "cudaDeviceGetP2PAtomicCapabilities":
        "cuDeviceGetP2PAtomicCapabilities(capabilities, operations, count, srcDevice, dstDevice)",
    "cudaDeviceFlushGPUDirectRDMAWrites": "cuFlushGPUDirectRDMAWrites(target, scope)",
    "cudaDeviceGraphMemTrim": "cuDeviceGraphMemTrim(device)",
    "cudaProfilerStart": "cuProfilerStart()",
    "cudaProfilerStop": "cuProfilerStop()",
    # streams and events
    "cudaStreamGetPriority": "cuStreamGetPriority(hStream, priority)",
    "cudaStreamGetFlags": "cuStreamGetFlags(hStream, flags)",
    "cudaStreamGetId": "cuStreamGetId(hStream, streamId)",
    "cudaStreamGetDevice": "cuStreamGetDevice(hStream, device)",
    "cudaStreamCopyAttributes": "cuStreamCopyAttributes(dst, src)",
    "cudaEventRecordWithFlags": "cuEventRecordWithFlags(event, stream, flags)",
    "cudaStreamAttachMemAsync": "cuStreamAttachMemAsync(stream, devPtr, length, flags)",
    # stream capture and graphs
    "cudaStreamBeginCapture": "cuStreamBeginCapture_v2(stream, mode)",
    "cudaStreamEndCapture": "cuStreamEndCapture(stream, pGraph)",
    "cudaStreamIsCapturing": "cuStreamIsCapturing(stream, pCaptureStatus)",
    "cudaThreadExchangeStreamCaptureMode": "cuThreadExchangeStreamCaptureMode(mode)",
    "cudaGraphCreate": "cuGraphCreate(pGraph, flags)",
    "cudaGraphDestroy": "cuGraphDestroy(graph)",
    "cudaGraphClone": "cuGraphClone(pGraphClone, originalGraph)",
    "cudaGraphInstantiate": "cuGraphInstantiateWithFlags(pGraphExec, graph, flags)",
    "cudaGraphInstantiateWithFlags": "cuGraphInstantiateWithFlags(pGraphExec, graph, flags)",
    "cudaGraphLaunch": "cuGraphLaunch(graphExec, stream)",
    "cudaGraphUpload": "cuGraphUpload(graphExec, stream)",
    "cudaGraphExecDestroy": "cuGraphExecDestroy(graphExec)",
    "cudaGraphExecGetFlags": "cuGraphExecGetFlags(graphExec, flags)",
    "cudaGraphNodeGetType": "cuGraphNodeGetType(node, pType)",
    # NULL: the current context
    "cudaGraphAddMemsetNode":
        "cuGraphAddMemsetNode(pGraphNode, graph, pDependencies, numDependencies, pMemsetParams, NULL)",
    "cudaGraphMemsetNodeSetParams": "cuGraphMemsetNodeSetParams(node, pNodeParams)",
    "cudaGraphMemsetNodeGetParams": "cuGraphMemsetNodeGetParams(node, pNodeParams)",
    # memory nodes: cudaMemAllocNodeParams is CUDA_MEM_ALLOC_NODE_PARAMS (driver_graph_mem.c)
    "cudaGraphAddMemAllocNode":
        "cuGraphAddMemAllocNode(pGraphNode, graph, pDependencies, numDependencies, nodeParams)",
    "cudaGraphMemAllocNodeGetParams": "cuGraphMemAllocNodeGetParams(node, params_out)",
    "cudaGraphMemFreeNodeGetParams": "cuGraphMemFreeNodeGetParams(node, dptr_out)",
    # host nodes: cudaHostNodeParams is CUDA_HOST_NODE_PARAMS (driver_graph_host.c)
    "cudaGraphAddHostNode":
        "cuGraphAddHostNode(pGraphNode, graph, pDependencies, numDependencies, pNodeParams)",
    "cudaGraphHostNodeGetParams": "cuGraphHostNodeGetParams(node, pNodeParams)",
    "cudaGraphHostNodeSetParams": "cuGraphHostNodeSetParams(node, pNodeParams)",
    "cudaGraphExecHostNodeSetParams": "cuGraphExecHostNodeSetParams(hGraphExec, node, pNodeParams)",
    "cudaGraphExecMemsetNodeSetParams":
        "cuGraphExecMemsetNodeSetParams(hGraphExec, node, pNodeParams, NULL)",
    "cudaGraphGetNodes": "cuGraphGetNodes(graph, nodes, numNodes)",
    "cudaGraphGetRootNodes": "cuGraphGetRootNodes(graph, pRootNodes, pNumRootNodes)",
    "cudaGraphGetEdges": "cuGraphGetEdges_v2(graph, from, to, edgeData, numEdges)",
    "cudaGraphNodeGetDependencies":
        "cuGraphNodeGetDependencies_v2(node, pDependencies, edgeData, pNumDependencies)",
    "cudaGraphNodeGetDependentNodes":
        "cuGraphNodeGetDependentNodes_v2(node, pDependentNodes, edgeData, pNumDependentNodes)",
    "cudaGraphDestroyNode": "cuGraphDestroyNode(node)",
    "cudaGraphNodeGetEnabled": "cuGraphNodeGetEnabled(hGraphExec, hNode, isEnabled)",
    "cudaGraphNodeSetEnabled": "cuGraphNodeSetEnabled(hGraphExec, hNode, isEnabled)",
    "cudaGraphNodeFindInClone": "cuGraphNodeFindInClone(pNode, originalNode, clonedGraph)",
    "cudaGraphChildGraphNodeGetGraph": "cuGraphChildGraphNodeGetGraph(node, pGraph)",
    "cudaGraphExecChildGraphNodeSetParams": "cuGraphExecChildGraphNodeSetParams(hGraphExec, node, childGraph)",
    "cudaGraphKernelNodeCopyAttributes": "cuGraphKernelNodeCopyAttributes(hDst, hSrc)",
    # cudaGraphExecUpdateResultInfo is CUgraphExecUpdateResultInfo (driver_graph.c)
    "cudaGraphExecUpdate": "cuGraphExecUpdate_v2(hGraphExec, hGraph, resultInfo)",
    "cudaGraphEventRecordNodeGetEvent": "cuGraphEventRecordNodeGetEvent(node, event_out)",
    "cudaGraphEventWaitNodeGetEvent": "cuGraphEventWaitNodeGetEvent(node, event_out)",
    "cudaGraphEventRecordNodeSetEvent": "cuGraphEventRecordNodeSetEvent(node, event)",
    "cudaGraphEventWaitNodeSetEvent": "cuGraphEventWaitNodeSetEvent(node, event)",
    "cudaGraphExecEventRecordNodeSetEvent": "cuGraphExecEventRecordNodeSetEvent(hGraphExec, hNode, event)",
    "cudaGraphExecEventWaitNodeSetEvent": "cuGraphExecEventWaitNodeSetEvent(hGraphExec, hNode, event)",
    "cudaGraphRetainUserObject": "cuGraphRetainUserObject(graph, object, count, flags)",
    "cudaGraphReleaseUserObject": "cuGraphReleaseUserObject(graph, object, count)",
    "cudaUserObjectCreate": "cuUserObjectCreate(object_out, ptr, destroy, initialRefcount, flags)",
    "cudaGraphDebugDotPrint": "cuGraphDebugDotPrint(graph, path, flags)",
    # the worker process's driver logs
    "cudaLogsCurrent": "cuLogsCurrent(iterator_out, flags)",
    "cudaLogsDumpToMemory": "cuLogsDumpToMemory(iterator, buffer, size, flags)",
    "cudaLogsDumpToFile": "cuLogsDumpToFile(iterator, pathToFile, flags)",
    "cudaUserObjectRetain": "cuUserObjectRetain(object, count)",
    "cudaUserObjectRelease": "cuUserObjectRelease(object, count)",
    # graphs built node by node (the node kinds that carry no host memory)
    "cudaGraphAddEmptyNode": "cuGraphAddEmptyNode(pGraphNode, graph, pDependencies, numDependencies)",
    "cudaGraphAddChildGraphNode":
        "cuGraphAddChildGraphNode(pGraphNode, graph, pDependencies, numDependencies, childGraph)",
    "cudaGraphAddEventRecordNode":
        "cuGraphAddEventRecordNode(pGraphNode, graph, pDependencies, numDependencies, event)",
    "cudaGraphAddEventWaitNode":
        "cuGraphAddEventWaitNode(pGraphNode, graph, pDependencies, numDependencies, event)",
    "cudaGraphAddMemFreeNode":
        "cuGraphAddMemFreeNode(pGraphNode, graph, pDependencies, numDependencies, dptr)",
    "cudaGraphAddDependencies": "cuGraphAddDependencies_v2(graph, from, to, edgeData, numDependencies)",
    "cudaGraphRemoveDependencies":
        "cuGraphRemoveDependencies_v2(graph, from, to, edgeData, numDependencies)",
    "cudaStreamBeginCaptureToGraph":
        "cuStreamBeginCaptureToGraph(stream, graph, dependencies, dependencyData, numDependencies, mode)",
    "cudaStreamUpdateCaptureDependencies":
        "cuStreamUpdateCaptureDependencies_v2(stream, dependencies, dependencyData, numDependencies, flags)",
    # NULL: the current context
    "cudaGraphConditionalHandleCreate":
        "cuGraphConditionalHandleCreate(pHandle_out, graph, NULL, defaultLaunchValue, flags)",
    # memory pools and managed-memory hints
    "cudaDeviceGetDefaultMemPool": "cuDeviceGetDefaultMemPool(memPool, device)",
    "cudaDeviceGetMemPool": "cuDeviceGetMemPool(memPool, device)",
    "cudaDeviceSetMemPool": "cuDeviceSetMemPool(device, memPool)",
    "cudaMemGetDefaultMemPool": "cuMemGetDefaultMemPool(memPool, location, type)",
    "cudaMemGetMemPool": "cuMemGetMemPool(memPool, location, type)",
    "cudaMemSetMemPool": "cuMemSetMemPool(location, type, memPool)",
    "cudaMemPoolTrimTo": "cuMemPoolTrimTo(memPool, minBytesToKeep)",
    "cudaMemPoolDestroy": "cuMemPoolDestroy(memPool)",
    "cudaMemPoolGetAccess": "cuMemPoolGetAccess(flags, memPool, location)",
    "cudaMemPoolExportPointer": "cuMemPoolExportPointer(exportData, ptr)",
    "cudaMallocAsync": "cuMemAllocAsync(devPtr, size, hStream)",
    "cudaMallocFromPoolAsync": "cuMemAllocFromPoolAsync(ptr, size, memPool, stream)",
    "cudaFreeAsync": "cuMemFreeAsync(devPtr, hStream)",
    "cudaMemPoolCreate": "cuMemPoolCreate(memPool, poolProps)",
    "cudaMemPoolSetAccess": "cuMemPoolSetAccess(memPool, descList, count)",
    "cudaMemPoolSetAttribute": "cuMemPoolSetAttribute(memPool, attr, value)",
    "cudaMemPoolGetAttribute": "cuMemPoolGetAttribute(memPool, attr, value)",
    "cudaDeviceSetGraphMemAttribute": "cuDeviceSetGraphMemAttribute(device, attr, value)",
    "cudaDeviceGetGraphMemAttribute": "cuDeviceGetGraphMemAttribute(device, attr, value)",
    "cudaStreamSetAttribute": "cuStreamSetAttribute(hStream, attr, value)",
    "cudaStreamGetAttribute": "cuStreamGetAttribute(hStream, attr, value_out)",
    "cudaGraphKernelNodeSetAttribute": "cuGraphKernelNodeSetAttribute(hNode, attr, value)",
    "cudaGraphKernelNodeGetAttribute": "cuGraphKernelNodeGetAttribute(hNode, attr, value_out)",
    "cudaMemPrefetchAsync": "cuMemPrefetchAsync_v2(devPtr, count, location, flags, stream)",
    "cudaMemAdvise": "cuMemAdvise_v2(devPtr, count, advice, location)",
    # arrays
    "cudaFreeArray": "cuArrayDestroy(array)",
    "cudaFreeMipmappedArray": "cuMipmappedArrayDestroy(mipmappedArray)",
    "cudaGetMipmappedArrayLevel": "cuMipmappedArrayGetLevel(levelArray, mipmappedArray, level)",
    "cudaArrayGetPlane": "cuArrayGetPlane(pPlaneArray, hArray, planeIdx)",
    "cudaArrayGetMemoryRequirements": "cuArrayGetMemoryRequirements(memoryRequirements, array, device)",
    "cudaMipmappedArrayGetMemoryRequirements": "cuMipmappedArrayGetMemoryRequirements(memoryRequirements, mipmap, device)",
    # cudaArraySparseProperties is CUDA_ARRAY_SPARSE_PROPERTIES
    "cudaArrayGetSparseProperties": "cuArrayGetSparseProperties(sparseProperties, array)",
    # managed ranges: device ordinals made the guest's on the host (gvg_range_attr_out)
    "cudaMemRangeGetAttribute":
        "cuMemRangeGetAttribute(data, dataSize, attribute, devPtr, count)",
    "cudaMemRangeGetAttributes":
        "cuMemRangeGetAttributes(data, dataSizes, attributes, numAttributes, devPtr, count)",
    "cudaMipmappedArrayGetSparseProperties": "cuMipmappedArrayGetSparseProperties(sparseProperties, mipmap)",
    "cudaDestroyTextureObject": "cuTexObjectDestroy(texObject)",
    "cudaDestroySurfaceObject": "cuSurfObjectDestroy(surfObject)",
    "cudaDestroyExternalMemory": "cuDestroyExternalMemory(extMem)",
    "cudaDestroyExternalSemaphore": "cuDestroyExternalSemaphore(extSem)",
    # kernels named by their host stub: @func(x) is the kernel's handle
    "cudaFuncSetCacheConfig": "cuFuncSetCacheConfig(@func(func), cacheConfig)",
    "cudaFuncSetSharedMemConfig": "cuFuncSetSharedMemConfig(@func(func), config)",
    "cudaFuncGetParamInfo": "cuFuncGetParamInfo(@func(func), paramIndex, paramOffset, paramSize)",
    "cudaOccupancyAvailableDynamicSMemPerBlock":
        "cuOccupancyAvailableDynamicSMemPerBlock(dynamicSmemSize, @func(func), numBlocks, blockSize)",
    # memsets the runtime expresses in bytes
    "cudaMemset2D": "cuMemsetD2D8_v2(devPtr, pitch, value, width, height)",
    "cudaMemset2DAsync": "cuMemsetD2D8Async(devPtr, pitch, value, width, height, stream)",
}

# Per-thread variants that do not follow the rule (the stream is elsewhere).
PER_THREAD_EXCLUDE = {"cudaLaunchKernelExC_ptsz",
                      # its stream is in the parameters (rt_graph_copy.c)
                      "cudaGraphInstantiateWithParams_ptsz"}

# Why each runtime function that is not implemented is not (make coverage):
# the first rule whose pattern (a regular expression) matches its name.
NOT_SUPPORTED_WHY = [
    (r"^cuda(GL|EGL|VDPAU|GraphicsGL|GraphicsEGL|GraphicsVDPAU)|^cudaEventCreateFromEGLSync$",
     "graphics interop: no display in a GPU-less guest (out of scope)"),
    (r"^cudaGraphics", "graphics interop (out of scope)"),
    (r"^cudaDeviceGetNvSciSyncAttributes$", "NvSci interop, Tegra and DRIVE only (out of scope)"),
    (r"^cuda(ImportExternal|ExternalMemory|SignalExternal|WaitExternal)",
     "external memory and semaphores name file descriptors of the host (not carried)"),
    (r"^cudaMem(Discard|Prefetch)Batch|^cudaMemDiscard",
     "managed memory's batched prefetches and discards " + \
     "need concurrent managed access, which the guest's device does not report (concurrentManagedAccess 0; NVIDIA documents these calls failing without it)"),
    (r"^__cudaRegister(HostVar|UnifiedTable)$|^__cudaGetProcAddress$",
     "nvcc's registration of host variables and unified functions (not yet)"),
    (r"^cudaGraph(Add|Exec|)ExternalSemaphores",
     "external semaphores name file descriptors of the host (not carried)"),
    (r"^cudaLibraryGet(Managed|UnifiedFunction)$",
     "a library's managed variables and unified functions (not yet; its kernels and globals work)"),
    (r"^cudaLogs(Register|Unregister)Callback$", "driver logs call back into the guest (not carried)"),
    (r"^cudaDevice(Register|Unregister)AsyncNotification$", "callbacks from the host (not carried)"),
    (r"^cudaMemPool|^cudaMallocFromPoolAsync", "memory pools other than the default ones (not yet)"),
    (r"^cudaGetExportTable$", "the runtime's private export tables are not part of the API"),
]
