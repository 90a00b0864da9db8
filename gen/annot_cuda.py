# SPDX-License-Identifier: MIT
"""The annotation table of the driver API (cuda.h): what the headers do not say.

gvgen.py reads the installed cuda.h, classifies every exported function by
the rules below, and emits the wire structs, the guest stubs, the host
dispatch and the export map.  A function's row is found by its name in
CLASS (explicit) or else by the rules; its exceptions are in the files that
EXCEPTION_FILES names.

Classes:
  local       answered in the guest (hand-written, guest-lib/cuda/)
  exception   hand-written guest side over existing ops (guest-lib/cuda/)
  remote      generated: marshalled, validated and run on the host
  unsupported returns CUDA_ERROR_NOT_SUPPORTED; the reason is given here
"""

LIBRARY = "cuda"
HEADER = "cuda.h"
EXTRA_HEADERS = ["cudaProfiler.h"]  # cuProfilerStart/Stop live here
SONAME = "libcuda.so.1"
EXPORTS_FROM = "/usr/local/cuda/lib64/stubs/libcuda.so"
NOT_SUPPORTED = "CUDA_ERROR_NOT_SUPPORTED"
RESULT_TYPE = "CUresult"
RESULT_ENUM = "cudaError_enum"  # names for cuGetErrorName
OP_BASE = 1000          # wire op numbers of this library's generated calls

# Opaque handle types: the guest holds host-table values, never host
# pointers.  C type -> handle kind.  Objects left when a session ends go
# with its context, so no destructor is needed here.
HANDLES = {
    "CUarray": "ARRAY",
    "CUmipmappedArray": "MIPMAPPED_ARRAY",
    "CUmemoryPool": "MEMPOOL",
    "CUlinkState": "LINK",
    "CUgraph": "GRAPH",
    "CUgraphExec": "GRAPH_EXEC",
    "CUgraphNode": "GRAPH_NODE",
    "CUuserObject": "USER_OBJECT",
    "CUexternalMemory": "EXT_MEMORY",
    "CUexternalSemaphore": "EXT_SEMAPHORE",
}
# Calls that end an object: its handle is forgotten once the call succeeds.
DESTROYS = {
    "cuArrayDestroy": "hArray", "cuMipmappedArrayDestroy": "hMipmappedArray",
    "cuMemPoolDestroy": "pool", "cuLinkDestroy": "state",
    "cuGraphDestroy": "hGraph", "cuGraphExecDestroy": "hGraphExec",
    "cuGraphDestroyNode": "hNode", "cuDestroyExternalMemory": "extMem",
    "cuDestroyExternalSemaphore": "extSem",
}

# Device ranges a generated call touches, when no rule below gives them:
# (function, parameter) -> C expression over the request's fields.
# (cuMemPrefetchAsync and cuMemAdvise act on count bytes from devPtr.)
# Rules: a parameter ByteCount sizes every device pointer of its call;
# cuMemsetD{8,16,32}: N elements; cuMemsetD2D*: dstPitch rows.
DEVRANGE = {(f, "devPtr"): "count" for f in (
    "cuMemPrefetchAsync_v2", "cuMemPrefetchAsync_v2_ptsz", "cuMemAdvise_v2")}
# (The virtual memory calls act on size bytes from ptr.)
DEVRANGE.update({(f, "ptr"): "size" for f in (
    "cuMemMap", "cuMemUnmap", "cuMemSetAccess", "cuMemAddressFree")})
# Handles the runtime ops already own (host-worker/handles.h kinds).
CORE_HANDLES = {"CUmodule": "MODULE", "CUfunction": "FUNCTION",
                "CUstream": "STREAM", "CUevent": "EVENT"}

# Plain values: 64-bit object ids the driver itself validates per context.
VALUE_TYPES = {"CUtexObject", "CUsurfObject", "CUmemGenericAllocationHandle",
               "CUdeviceptr", "CUdeviceptr_v1"}
# Texture and surface objects stay values (kernels take them), but each
# takes a slot of the session's table while it lives (max_handles): made
# in host-worker/handlers_array.c, dropped here once destroyed.
EXTRA_KINDS = ["TEXTURE", "SURFACE"]
HOST_AFTER = {
    "cuGraphDestroyNode": "gvg_graph_forget_doomed(c);",
    # a conditional node may name only a handle the session made (conds.c)
    "cuGraphConditionalHandleCreate": "e = gvg_cond_handle_new(c, o_pHandle_out);",
    "cuMemCreate": "e = gvg_phys_new(c, o_handle, a_size);",
    "cuMemRelease": "gvg_phys_release(c, a_handle);",
    "cuMemMap": "e = gvg_vmap_add(c, q->ptr, a_size, a_handle);",
    "cuMemUnmap": "gvg_vmap_remove(c, q->ptr, a_size);",
    "cuMemGetAllocationPropertiesFromHandle": "e = gvg_location_out(c, &o_prop.location);",
    "cuTexObjectDestroy": "gvg_raw_forget(c, q->texObject, GVW_H_TEXTURE);",
    "cuSurfObjectDestroy": "gvg_raw_forget(c, q->surfObject, GVW_H_SURFACE);",
    "cuGraphDestroy": "gvg_graph_destroyed(c, a_hGraph);",
    # graphs' host copies go through the session's shadows (host-worker/shadow.c)
    "cuGraphInstantiateWithFlags": "e = gvg_graph_instantiated(c, a_hGraph, o_phGraphExec);",
    "cuGraphLaunch": "e = gvg_shadow_launched(c, a_hGraphExec, a_hStream);",
    "cuGraphLaunch_ptsz": "e = gvg_shadow_launched(c, a_hGraphExec, a_hStream);",
    "cuGraphExecDestroy": "gvg_graph_exec_gone(c, a_hGraphExec);",
}
# A graph's nodes (and its child graphs) go with it: their handles must
# too, or a later call would hand the driver a freed object.
HOST_BEFORE = {"cuGraphDestroy": "e = gvg_graph_doom(c, a_hGraph);",
               "cuGraphDestroyNode": "e = gvg_node_doom(c, a_hNode);"}
# Physical allocations are the session's objects, charged to its device
# bytes; a mapping must name one (host-worker/vmm.c).
HOST_BEFORE.update({
    "cuMemCreate": "e = gvg_alloc_room(c, a_size);",
    "cuMemRelease": "e = gvg_phys_check(c, a_handle);",
    "cuMemMap": "e = gvg_phys_check(c, a_handle);",
    "cuMemGetAllocationPropertiesFromHandle": "e = gvg_phys_check(c, a_handle);",
})
# A stream's or kernel node's access-policy window names device memory: the
# session's own.
HOST_BEFORE.update({f: "e = gvg_access_window(c, (int)a_attr, v_value);"
                    for f in ("cuStreamSetAttribute", "cuStreamSetAttribute_ptsz",
                              "cuGraphKernelNodeSetAttribute")})

# The device ordinal type: the guest's ordinal is mapped to the host's.
DEVICE_TYPE = "CUdevice"

# Parameters that name host memory the call reads or writes, with the
# parameter that gives its length in bytes: they travel as bulk buffers.
BULK_IN = {("srcHost", "ByteCount")}
BULK_OUT = {("dstHost", "ByteCount"), ("pciBusId", "len"), ("data", "dataSize")}

# Values whose size the call's attribute decides: (function, parameter) ->
# (direction, the attribute parameter, the function of
# include/gvirtus/attr_values.h giving its bytes, an attribute the CI
# round trip passes).  Per-thread variants share their call's row.
ATTR_VALUES = {
    ("cuMemPoolSetAttribute", "value"):
        ("in", "attr", "gv_mempool_attr_bytes", "CU_MEMPOOL_ATTR_RELEASE_THRESHOLD"),
    ("cuMemPoolGetAttribute", "value"):
        ("out", "attr", "gv_mempool_attr_bytes", "CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC"),
    ("cuDeviceSetGraphMemAttribute", "value"):
        ("in", "attr", "gv_graphmem_attr_bytes", "CU_GRAPH_MEM_ATTR_USED_MEM_HIGH"),
    ("cuDeviceGetGraphMemAttribute", "value"):
        ("out", "attr", "gv_graphmem_attr_bytes", "CU_GRAPH_MEM_ATTR_RESERVED_MEM_CURRENT"),
    ("cuStreamSetAttribute", "value"):
        ("in", "attr", "gv_stream_attr_bytes", "CU_LAUNCH_ATTRIBUTE_PRIORITY"),
    ("cuStreamGetAttribute", "value_out"):
        ("out", "attr", "gv_stream_attr_bytes", "CU_LAUNCH_ATTRIBUTE_SYNCHRONIZATION_POLICY"),
    # a kernel node's launch attributes: the same values as a stream's
    ("cuGraphKernelNodeSetAttribute", "value"):
        ("in", "attr", "gv_stream_attr_bytes", "CU_LAUNCH_ATTRIBUTE_PRIORITY"),
    ("cuGraphKernelNodeGetAttribute", "value_out"):
        ("out", "attr", "gv_stream_attr_bytes", "CU_LAUNCH_ATTRIBUTE_PRIORITY"),
}

# Device addresses inside a call's structs: struct -> {field: the bytes the
# call may touch from it, a C expression over the struct v}; the host checks
# the range against the session's memory.  STRUCT_DEVPTRS_TEST: what the CI
# round trip sets in a random struct so that the range is the session's.
STRUCT_DEVPTRS = {
    "struct CUDA_MEMSET_NODE_PARAMS_st":
        {"dst": "gvg_pitched(v.pitch, v.height, gvg_mul(v.width, v.elementSize))"},
}
STRUCT_DEVPTRS_TEST = {
    "struct CUDA_MEMSET_NODE_PARAMS_st":
        {"dst": "rt_devptr", "pitch": "64", "height": "2", "width": "8", "elementSize": "4"},
}

# Pointer fields of a call's structs that mean nothing on a Linux host: the
# guest's value travels but the host hands the driver NULL (field -> why).
NULLED_FIELDS = {
    "win32SecurityAttributes": "Windows only: NULL on Linux",
    "win32HandleMetaData": "Windows only: NULL on Linux",
}

# Stream-ordered allocation: calls that make device memory the session
# tracks (function -> (its address out-parameter, its size parameter)), and
# the call that frees it (function -> the address; only an allocation's
# start, and the session forgets it once the call succeeds).
ALLOCS = {f: ("dptr", "bytesize") for f in (
    "cuMemAllocAsync", "cuMemAllocAsync_ptsz", "cuMemAllocFromPoolAsync",
    "cuMemAllocFromPoolAsync_ptsz")}
FREES = {"cuMemFreeAsync": "dptr", "cuMemFreeAsync_ptsz": "dptr"}
# The virtual memory calls: a reserved range is tracked like an allocation
# but holds no memory (host-worker/vmm.c); it is freed whole.
ALLOCS["cuMemAddressReserve"] = ("ptr", "size", "reserve")
FREES["cuMemAddressFree"] = ("ptr", "size")
GUEST_AFTER = {"cuMemFreeAsync": "gv_region_remove((uintptr_t)dptr, GV_REGION_DEVICE, NULL);",
               "cuMemFreeAsync_ptsz": "gv_region_remove((uintptr_t)dptr, GV_REGION_DEVICE, NULL);",
               "cuMemAddressFree": "gv_region_remove((uintptr_t)ptr, GV_REGION_DEVICE, NULL);"}
# Captures in progress: small host-to-device copies are not queued then
# (guest-lib/memory.c), so that a capture's refusal of one is said at the call.
for _f in ("cuStreamBeginCapture_v2", "cuStreamBeginCaptureToGraph"):
    for _sfx in ("", "_ptsz"):
        GUEST_AFTER[_f + _sfx] = "gv_capture_note(1);"
for _sfx in ("", "_ptsz"):
    GUEST_AFTER["cuStreamEndCapture" + _sfx] = "gv_capture_note(-1);"
# A graph's host copies: the guest's bytes go to their shadows before each
# launch, and come back at the next synchronizing call once the launch is
# done (guest-lib/graph_shadow.c).
GUEST_BEFORE = {}
for _sfx in ("", "_ptsz"):
    GUEST_BEFORE["cuGraphLaunch" + _sfx] = "gv_shadows_feed((uintptr_t)hGraphExec)"
    GUEST_AFTER["cuGraphLaunch" + _sfx] = "gv_shadows_launched((uintptr_t)hGraphExec);"
GUEST_AFTER["cuGraphExecDestroy"] = "gv_shadows_exec_gone((uintptr_t)hGraphExec);"
# The runtime's record of an object's descriptors goes with it (guest-lib/tex_desc.c).
GUEST_AFTER["cuTexObjectDestroy"] = "gv_tex_desc_forget(texObject, 0);"
GUEST_AFTER["cuSurfObjectDestroy"] = "gv_tex_desc_forget(surfObject, 1);"

# What the CI round trip passes for a parameter that must name a live object
# of the session's (TEST_VALUES), or one the call uses up, made anew for
# each call (TEST_FRESH; a second call with the old one is refused).
TEST_VALUES = {("cuMemMap", "handle"): "rt_fresh_phys(4096)",
               ("cuMemGetAllocationPropertiesFromHandle", "handle"): "rt_fresh_phys(4096)",
               ("cuMemAddressFree", "size"): "4096"}
TEST_FRESH = {("cuMemFreeAsync", "dptr"): "rt_fresh_devptr(4096)",
              ("cuMemFreeAsync_ptsz", "dptr"): "rt_fresh_devptr(4096)",
              ("cuMemRelease", "handle"): "rt_fresh_phys(4096)",
              ("cuMemAddressFree", "ptr"): "rt_fresh_reserve(4096)"}

# What the fake driver returns for an out-parameter the host keeps as an
# object (unique, as the driver's own are).
TEST_FAKE_OUT = {("cuMemCreate", "handle"): "rt_fresh_address()",
                 # an event node's event: one the session made (EXISTING_OUT)
                 ("cuGraphEventRecordNodeGetEvent", "event_out"): "rt_existing_event()",
                 ("cuGraphEventWaitNodeGetEvent", "event_out"): "rt_existing_event()"}
TEST_MAKERS = {"rt_fresh_devptr": ("cuMemAllocAsync", "dptr", "CUdeviceptr", "bytesize"),
               "rt_fresh_phys": ("cuMemCreate", "handle", "CUmemGenericAllocationHandle", "size"),
               "rt_fresh_reserve": ("cuMemAddressReserve", "ptr", "CUdeviceptr", "size")}

# Calls whose CUdeviceptr out-parameter is an address of memory the session
# already holds (a value, not a new allocation to track).
DEVPTR_OUT_OK = {"cuMemGetAddressRange_v2"}

# Out-parameters of the runtime's kinds that name an object the session
# made already (an event node's event): its handle, found again.
EXISTING_OUT = {("cuGraphEventRecordNodeGetEvent", "event_out"),
                ("cuGraphEventWaitNodeGetEvent", "event_out")}

# Code run after the driver's call, before its results go back to the guest.
# A managed range's locations name the host's devices: the guest's ordinals
# go back (gen_support.c).
HOST_RESULT = {"cuMemRangeGetAttribute":
               "e = gvg_range_attr_out(c, a_data, a_dataSize, a_attribute, q->devPtr, a_count);"}

# Arrays a call only reads although the header does not say const.
ARRAY_IN = {("cuStreamUpdateCaptureDependencies_v2", "dependencies"),
            ("cuStreamUpdateCaptureDependencies_v2_ptsz", "dependencies")}

# Pointers to one value a call only reads although the header does not say
# const (the memory location whose pool is asked for or set).
READS = {("cuMemGetDefaultMemPool", "location"), ("cuMemGetMemPool", "location"),
         ("cuMemSetMemPool", "location"), ("cuMemPoolGetAccess", "location")}

# Out-parameters named like an array's count that are one value.
NOT_COUNT = {("cuOccupancyMaxActiveBlocksPerMultiprocessor", "numBlocks"),
             ("cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags", "numBlocks")}

# Pointers the array rule would take for arrays but that name one value.
NOT_ARRAY = {("cuDeviceGetTexture1DLinearMaxWidth", "maxWidthInElements"),
             ("cuGraphAddMemsetNode", "memsetParams")}

# Explicit classes.  Everything not named here is 'remote' when the rules
# can marshal every parameter, else 'unsupported' with the reason the
# generator gives (which parameter it cannot carry).
LOCAL = [
    # answered from the session's greeting and cached device information
    "cuGetErrorString", "cuGetErrorName", "cuDriverGetVersion",
    "cuDeviceGet", "cuDeviceGetCount", "cuDeviceGetName", "cuDeviceGetUuid_v2", "cuDeviceGetLuid",  
    "cuDeviceTotalMem_v2", "cuDeviceGetAttribute", "cuDeviceComputeCapability",
    "cuDeviceGetProperties",
    # contexts are guest objects over the session's per-device host context
    "cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxReset_v2", "cuDevicePrimaryCtxGetState",
    "cuDevicePrimaryCtxSetFlags_v2",
    "cuCtxCreate_v2", "cuCtxCreate_v3", "cuCtxCreate_v4",
    "cuCtxDestroy_v2", "cuCtxPushCurrent_v2", "cuCtxPopCurrent_v2",
    "cuCtxSetCurrent", "cuCtxGetCurrent", "cuCtxGetDevice",
    "cuCtxGetFlags", "cuCtxGetApiVersion", "cuCtxGetId",
    # host memory is the guest's own; gvirtus.ko pins it for each transfer
    "cuMemAllocHost_v2", "cuMemFreeHost", "cuMemHostAlloc",
    "cuMemHostGetFlags",
    # the driver's export tables are undocumented (DESIGN section 11)
    "cuGetExportTable",
    "cuGetProcAddress_v2",
]

EXCEPTION = [
    # JIT linking in the guest by NVIDIA's nvJitLink (driver_jitlink.c)
    "cuLinkCreate_v2", "cuLinkAddData_v2", "cuLinkAddFile_v2", "cuLinkComplete", "cuLinkDestroy",
    # over the runtime's ops, so both APIs share one session and one state
    "cuInit", "cuCtxSynchronize",
    "cuMemAlloc_v2", "cuMemFree_v2", "cuMemAllocManaged",
    # several managed-range attributes, one cuMemRangeGetAttribute each (driver_mem.c)
    "cuMemRangeGetAttributes",
    "cuMemAllocPitch_v2", "cuMemGetInfo_v2", "cuPointerGetAttribute",
    "cuMemcpyHtoD_v2", "cuMemcpyDtoH_v2",
    "cuMemcpyDtoD_v2",
    "cuMemcpyHtoDAsync_v2", "cuMemcpyDtoHAsync_v2", "cuMemcpyDtoDAsync_v2",
    "cuMemcpy", "cuMemcpyAsync",
    "cuMemcpy2D_v2", "cuMemcpy2DUnaligned_v2", "cuMemcpy2DAsync_v2",
    "cuMemsetD8_v2", "cuMemsetD8Async",
    "cuModuleLoad", "cuModuleLoadData", "cuModuleLoadDataEx",
    "cuModuleLoadFatBinary", "cuModuleUnload", "cuModuleGetFunction",
    "cuModuleGetGlobal_v2",
    "cuLaunchKernel", "cuFuncGetAttribute", "cuFuncSetAttribute",
    "cuStreamCreate", "cuStreamCreateWithPriority", "cuStreamDestroy_v2", "cuStreamSynchronize", "cuStreamQuery",
    "cuStreamWaitEvent", "cuEventCreate", "cuEventRecord",
    "cuEventSynchronize", "cuEventQuery", "cuEventElapsedTime_v2", "cuEventDestroy_v2",
    "cuCtxGetStreamPriorityRange", "cuDeviceCanAccessPeer",
    "cuCtxEnablePeerAccess",
    # arrays, textures and surfaces over host-worker/handlers_array.c
    "cuMemcpy3D_v2", "cuMemcpy3DAsync_v2", "cuTexObjectCreate", "cuSurfObjectCreate",
    # launches with attributes over host-worker/handlers_launch.c
    "cuLaunchKernelEx", "cuLaunchCooperativeKernel",
    # a capture's state, with the nodes it ends at (host-worker/handlers_capture.c)
    "cuStreamGetCaptureInfo_v3", "cuStreamGetCaptureInfo_v3_ptsz",
    # the occupancy calculator, over the occupancy of each block size
    # (guest-lib/cuda/driver_occupancy.c): its callback is the guest's
    "cuOccupancyMaxPotentialBlockSize", "cuOccupancyMaxPotentialBlockSizeWithFlags",
    # nodes by their parameters, each type as its own call, conditional
    # nodes with their body graphs (driver_graph.c, handlers_graph.c)
    "cuGraphAddNode_v2", "cuGraphNodeSetParams", "cuGraphExecNodeSetParams",
    "cuGraphExecUpdate_v2",
    # IPC handles as tokens the host's parent keeps (driver_ipc.c, handlers_ipc.c)
    "cuIpcGetMemHandle", "cuIpcOpenMemHandle_v2", "cuIpcCloseMemHandle",
    "cuIpcGetEventHandle", "cuIpcOpenEventHandle",
    # libraries and kernels, the runtime's objects (driver_library.c, library.c)
    "cuLibraryLoadData", "cuLibraryLoadFromFile", "cuLibraryUnload", "cuLibraryGetKernel",
    "cuLibraryGetKernelCount", "cuLibraryEnumerateKernels", "cuLibraryGetModule",
    "cuLibraryGetGlobal", "cuKernelGetFunction", "cuKernelGetLibrary", "cuKernelGetName",
    "cuKernelGetAttribute", "cuKernelSetAttribute", "cuKernelSetCacheConfig",
    "cuKernelGetParamInfo", "cuModuleGetFunctionCount", "cuModuleEnumerateFunctions",
    # batches of copies, the runtime's (driver_array.c, guest-lib/rt_graph_copy.c)
    "cuMemcpy3DBatchAsync_v2", "cuMemcpy3DBatchAsync_v2_ptsz", "cuMemcpyBatchAsync_v2",
    "cuMemcpyBatchAsync_v2_ptsz",
    # arrays of atomic operations in, of capabilities out (driver_init.c, ATOMIC_CAPS)
    "cuDeviceGetHostAtomicCapabilities", "cuDeviceGetP2PAtomicCapabilities",
    # the occupancy of clusters, configurations as launches have them
    # (driver_occupancy.c, host-worker/handlers_launch.c)
    "cuOccupancyMaxActiveClusters", "cuOccupancyMaxPotentialClusterSize",
    # kernel nodes, their arguments packed as for launches (handlers_graph.c)
    "cuGraphKernelNodeGetParams_v2",
    # instantiation with parameters, the runtime's (driver_graph.c, rt_graph_copy.c)
    "cuGraphInstantiateWithParams", "cuGraphInstantiateWithParams_ptsz",
    # a graph's DOT text, written into the guest's file (driver_graph.c, GRAPH_DOT)
    "cuGraphDebugDotPrint",
    # the worker process's driver logs (driver_init.c, LOGS_DUMP)
    "cuLogsDumpToMemory", "cuLogsDumpToFile",
    # tensor maps, encoded by the host's driver (driver_tensor_map.c, TENSOR_MAP)
    "cuTensorMapEncodeTiled", "cuTensorMapEncodeIm2col", "cuTensorMapEncodeIm2colWide",
    "cuTensorMapReplaceAddress",
    # a stream's context: the one it was made in (driver_stream.c)
    "cuStreamGetCtx", "cuStreamGetCtx_ptsz", "cuStreamGetCtx_v2", "cuStreamGetCtx_v2_ptsz",
    # per-thread forms of hand-written calls, 3D copies between contexts
    # (driver_per_thread.c)
    "cuLaunchKernel_ptsz", "cuLaunchCooperativeKernel_ptsz", "cuLaunchKernelEx_ptsz",
    "cuMemcpy2D_v2_ptds", "cuMemcpy2DUnaligned_v2_ptds", "cuMemcpy2DAsync_v2_ptsz",
    "cuMemcpy3D_v2_ptds", "cuMemcpy3DAsync_v2_ptsz", "cuMemcpy3DPeer", "cuMemcpy3DPeer_ptds",
    "cuMemcpy3DPeerAsync", "cuMemcpy3DPeerAsync_ptsz",
    # a function's name and module as the host keeps them (driver_module.c, FUNC_NAME)
    "cuFuncGetName", "cuFuncGetModule",
    # a user object's destructor runs in the guest as a host node's function
    "cuUserObjectCreate",
    "cuGraphAddKernelNode_v2", "cuGraphKernelNodeSetParams_v2",
    "cuGraphExecKernelNodeSetParams_v2",
    # arrays of nodes the driver lists, as the session's handles (handlers_graph.c)
    "cuGraphGetNodes", "cuGraphGetRootNodes", "cuGraphGetEdges_v2",
    "cuGraphNodeGetDependencies_v2", "cuGraphNodeGetDependentNodes_v2",
    # copy nodes, their host sides as the session's shadows (driver_graph_copy.c,
    # host-worker/handlers_array.c)
    "cuGraphAddMemcpyNode", "cuGraphMemcpyNodeGetParams", "cuGraphMemcpyNodeSetParams",
    "cuGraphExecMemcpyNodeSetParams",
    # host nodes and host functions, run by the guest's callback thread
    # (driver_graph_host.c, guest-lib/stream.c, host-worker/host_nodes.c)
    "cuGraphAddHostNode", "cuGraphHostNodeGetParams", "cuGraphHostNodeSetParams",
    "cuGraphExecHostNodeSetParams", "cuLaunchHostFunc", "cuLaunchHostFunc_ptsz",
    "cuStreamAddCallback", "cuStreamAddCallback_ptsz",
    # memory nodes: their addresses tracked while their graph lives
    # (driver_graph_mem.c, host-worker/graph_mem.c)
    "cuGraphAddMemAllocNode", "cuGraphMemAllocNodeGetParams", "cuGraphMemFreeNodeGetParams",
]
# Driver functions hand-written host handlers call (host-worker/handlers_array.c):
# resolved with the generated ones, so a driver without them, or the CPU
# double, answers CUDA_ERROR_NOT_SUPPORTED the same way.
HOST_CALLS = ["cuGraphAddNode_v2", "cuGraphAddKernelNode_v2", "cuGraphKernelNodeSetParams_v2",
              "cuGraphExecKernelNodeSetParams_v2", "cuGraphGetNodes", "cuMemcpy3DAsync_v2", "cuTexObjectCreate", "cuSurfObjectCreate",
              "cuLaunchKernelEx", "cuStreamGetCaptureInfo_v3", "cuGraphGetRootNodes",
              "cuGraphGetEdges_v2", "cuGraphNodeGetDependencies_v2",
              "cuGraphNodeGetDependentNodes_v2", "cuGraphAddMemcpyNode",
              "cuGraphMemcpyNodeGetParams", "cuGraphMemcpyNodeSetParams",
              "cuGraphExecMemcpyNodeSetParams", "cuStreamIsCapturing", "cuGraphNodeGetType",
              "cuGraphChildGraphNodeGetGraph", "cuLaunchHostFunc", "cuGraphAddHostNode",
              "cuGraphHostNodeGetParams", "cuGraphHostNodeSetParams",
              "cuGraphExecHostNodeSetParams", "cuGraphAddMemAllocNode",
              "cuGraphMemAllocNodeGetParams", "cuGraphMemFreeNodeGetParams",
              "cuGraphExecUpdate_v2", "cuOccupancyMaxActiveClusters",
              "cuOccupancyMaxPotentialClusterSize", "cuIpcGetMemHandle", "cuIpcOpenMemHandle_v2",
              "cuIpcCloseMemHandle", "cuIpcGetEventHandle", "cuIpcOpenEventHandle",
              "cuModuleGetFunctionCount", "cuModuleEnumerateFunctions", "cuFuncGetName",
              "cuDeviceGetHostAtomicCapabilities", "cuDeviceGetP2PAtomicCapabilities",
              "cuGraphKernelNodeGetParams_v2", "cuUserObjectCreate", "cuLogsDumpToMemory",
              "cuGraphDebugDotPrint", "cuTensorMapEncodeTiled", "cuTensorMapEncodeIm2col",
              "cuTensorMapEncodeIm2colWide", "cuTensorMapReplaceAddress"]

EXCEPTION_FILES = ["guest-lib/cuda/driver_init.c", "guest-lib/cuda/driver_ctx.c",
                   "guest-lib/cuda/driver_mem.c", "guest-lib/cuda/driver_module.c",
                   "guest-lib/cuda/driver_stream.c", "guest-lib/cuda/driver_array.c",
                   "guest-lib/cuda/driver_capture.c", "guest-lib/cuda/driver_graph.c",
                   "guest-lib/cuda/driver_occupancy.c", "guest-lib/cuda/driver_jitlink.c",
                   "guest-lib/cuda/driver_graph_copy.c", "guest-lib/cuda/driver_graph_host.c",
                   "guest-lib/cuda/driver_graph_mem.c", "guest-lib/cuda/driver_ipc.c",
                   "guest-lib/cuda/driver_library.c", "guest-lib/cuda/driver_per_thread.c",
                   "guest-lib/cuda/driver_tensor_map.c"]

# Out of scope, with the reason the coverage report prints.
UNSUPPORTED_PREFIX = {
    "cuGraphicsGL": "graphics interop: no display in the guest",
    "cuGLCtx": "graphics interop", "cuGLInit": "graphics interop",
    "cuGLGetDevices": "graphics interop", "cuGLMap": "graphics interop",
    "cuGLUnmap": "graphics interop", "cuGLRegister": "graphics interop",
    "cuGLUnregister": "graphics interop", "cuGLSet": "graphics interop",
    "cuGraphicsEGL": "graphics interop", "cuEGL": "graphics interop",
    "cuGraphicsVDPAU": "graphics interop", "cuVDPAU": "graphics interop",
    "cuGraphicsResource": "graphics interop", "cuGraphicsMap": "graphics interop",
    "cuGraphicsUnmap": "graphics interop", "cuGraphicsUnregister": "graphics interop",
    "cuGraphicsSubResource": "graphics interop",
}

# Generated calls that must not run generically even though the rules
# could marshal them, with why.
NOT_GENERIC = {
    "cuMemHostRegister": "needs guest RAM registered on the host (data-plane issue)",
    "cuMemHostRegister_v2": "needs guest RAM registered on the host (data-plane issue)",
    "cuMemHostUnregister": "needs guest RAM registered on the host (data-plane issue)",
    "cuMemHostGetDevicePointer": "needs guest RAM registered on the host (data-plane issue)",
    "cuMemHostGetDevicePointer_v2": "needs guest RAM registered on the host (data-plane issue)",
    "cuProfilerInitialize": "removed from CUDA 12+ drivers",
    # these act on the host itself, not on the session's GPU state
    "cuCheckpointProcessCheckpoint": "acts on a host process by pid",
    "cuCheckpointProcessGetRestoreThreadId": "acts on a host process by pid",
    "cuCheckpointProcessGetState": "acts on a host process by pid",
    "cuCheckpointProcessLock": "acts on a host process by pid",
    "cuCheckpointProcessUnlock": "acts on a host process by pid",
    "cuCheckpointProcessRestore": "acts on a host process by pid",
    "cuMemPrefetchBatchAsync": "batched managed prefetches and discards need concurrent managed access, which the guest's device does not report (concurrentManagedAccess 0; NVIDIA documents these calls failing without it)",
    "cuMemPrefetchBatchAsync_ptsz": "batched managed prefetches and discards need concurrent managed access, which the guest's device does not report (concurrentManagedAccess 0; NVIDIA documents these calls failing without it)",
    "cuMemDiscardBatchAsync": "batched managed prefetches and discards need concurrent managed access, which the guest's device does not report (concurrentManagedAccess 0; NVIDIA documents these calls failing without it)",
    "cuMemDiscardBatchAsync_ptsz": "batched managed prefetches and discards need concurrent managed access, which the guest's device does not report (concurrentManagedAccess 0; NVIDIA documents these calls failing without it)",
    "cuMemDiscardAndPrefetchBatchAsync": "batched managed prefetches and discards need concurrent managed access, which the guest's device does not report (concurrentManagedAccess 0; NVIDIA documents these calls failing without it)",
    "cuMemDiscardAndPrefetchBatchAsync_ptsz": "batched managed prefetches and discards need concurrent managed access, which the guest's device does not report (concurrentManagedAccess 0; NVIDIA documents these calls failing without it)",
    # arrays with in/out counts that the rules cannot see
    "cuDevSmResourceSplitByCount": "result is an array sized by nbGroups",
    "cuGraphGetEdges": "from/to are arrays sized by numEdges",
}

# Pointers the call reads and writes back (the rest are outputs only).
INOUT = {("cuThreadExchangeStreamCaptureMode", "mode")}
# Outputs a caller may leave NULL: a capture into a graph of the caller's
# own ends with that graph, which the caller need not be told again (the
# host still gets a graph back, and gives the handle the graph has).
OUT_OPTIONAL = {("cuStreamEndCapture", "phGraph")}
