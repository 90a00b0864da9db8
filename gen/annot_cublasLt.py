# SPDX-License-Identifier: MIT
"""The annotation table of cuBLASLt (cublasLt.h): what the header does
not say.  gvgen.py writes libcublasLt.so.13's shim, its wire and its host
dispatch from it (classes as in gen/annot_cuda.py).

The plugin "cublas" serves it.  Descriptors, layouts and preferences are
host objects behind handles of their own kinds; their attributes travel
as bulk buffers.  A cublasHandle_t is also a cublasLtHandle_t, as
natively (PyTorch passes one for the other): the Lt calls accept a handle
of either kind, from the one table of the session.  cublasLtMatmul's
alpha and beta are host or device memory by its descriptor's pointer
mode, which the guest shadows and the host reads from the descriptor.
"""

LIBRARY = "cublasLt"
MATH = True
HEADER = "cublasLt.h"
SONAME = "libcublasLt.so.13"
EXPORTS_FROM = "/usr/local/cuda/lib64/libcublasLt.so"
RESULT_TYPE = "cublasStatus_t"
API = "GV_API_CUBLAS"
OP_BASE = 6000
STATUS = {
    "success": "CUBLAS_STATUS_SUCCESS",
    "invalid_value": "CUBLAS_STATUS_INVALID_VALUE",
    "invalid_handle": "CUBLAS_STATUS_NOT_INITIALIZED",
    "not_supported": "CUBLAS_STATUS_NOT_SUPPORTED",
    "out_of_memory": "CUBLAS_STATUS_ALLOC_FAILED",
    "no_host": "CUBLAS_STATUS_NOT_INITIALIZED",
    "exec_failed": "CUBLAS_STATUS_EXECUTION_FAILED",  # a launch in a context that has faulted
    "test_failure": "CUBLAS_STATUS_EXECUTION_FAILED",  # what the round-trip test injects
}

HANDLES = {
    "cublasLtHandle_t": "CUBLASLT",
    "cublasLtMatmulDesc_t": "LT_MATMUL_DESC",
    "cublasLtMatrixLayout_t": "LT_LAYOUT",
    "cublasLtMatmulPreference_t": "LT_PREFERENCE",
    "cublasLtMatrixTransformDesc_t": "LT_TRANSFORM_DESC",
    "cublasLtEmulationDesc_t": "LT_EMULATION_DESC",
}
# A handle type that also takes another library's kind (cuBLAS's handle).
HANDLE_ALIAS = {"cublasLtHandle_t": "CUBLAS"}
DESTROYS = {
    "cublasLtDestroy": "lightHandle", "cublasLtMatmulDescDestroy": "matmulDesc",
    "cublasLtMatrixLayoutDestroy": "matLayout", "cublasLtMatmulPreferenceDestroy": "pref",
    "cublasLtMatrixTransformDescDestroy": "transformDesc",
    "cublasLtEmulationDescDestroy": "emulationDesc",
}
DESTROY_FN = {
    "cublasLtHandle_t": "cublasLtDestroy", "cublasLtMatmulDesc_t": "cublasLtMatmulDescDestroy",
    "cublasLtMatrixLayout_t": "cublasLtMatrixLayoutDestroy",
    "cublasLtMatmulPreference_t": "cublasLtMatmulPreferenceDestroy",
    "cublasLtMatrixTransformDesc_t": "cublasLtMatrixTransformDescDestroy",
    "cublasLtEmulationDesc_t": "cublasLtEmulationDescDestroy",
}
CORE_HANDLES = {"cudaStream_t": "STREAM"}
VALUE_TYPES = set()
DEVICE_TYPE = None
DEVRANGE = {("cublasLtMatmul", "workspace"): "workspaceSizeInBytes"}

# Attribute values: sizeInBytes bytes the call reads (Set) or writes (Get).
BULK_IN = {("buf", "sizeInBytes")}
BULK_OUT = {("buf", "sizeInBytes")}
# Arrays the call fills, of count elements.
BULK_OUT_ELEMS = {("cublasLtMatmulAlgoGetHeuristic", "heuristicResultsArray"): "requestedAlgoCount",
                  ("cublasLtMatmulAlgoGetIds", "algoIdsArray"): "requestedAlgoCount"}
# Plain data the call reads and writes back.
INOUT = {("cublasLtMatmulAlgoConfigSetAttribute", "algo")}

# alpha and beta by the descriptor's pointer mode, of its scale type.
MODAL = {"alpha": ("in", None), "beta": ("in", None)}
MODE_PARAM = {"cublasLtMatmul": "computeDesc", "cublasLtMatrixTransform": "transformDesc"}
MODE_GUEST = "gvm_cublaslt_host_scalars((void *){handle})"
MODE_HOST = "gvg_cublaslt_pointer_mode(c, {handle}, {host})"
MODE_CAN_FAIL = True  # MODE_GUEST is -1 for the vector modes, not remoted
GUEST_INCLUDE = ["gvm_cublaslt.h"]
GUEST_AFTER = {
    "cublasLtMatmulDescCreate":
        "gvm_cublaslt_desc_created((void *)(uintptr_t)r.matmulDesc, scaleType), "
        "gvm_cublaslt_live((void *)(uintptr_t)r.matmulDesc);",
    "cublasLtMatrixTransformDescCreate":
        "gvm_cublaslt_desc_created((void *)(uintptr_t)r.transformDesc, scaleType), "
        "gvm_cublaslt_live((void *)(uintptr_t)r.transformDesc);",
    "cublasLtMatrixLayoutCreate": "gvm_cublaslt_live((void *)(uintptr_t)r.matLayout);",
    "cublasLtMatmulPreferenceCreate": "gvm_cublaslt_live((void *)(uintptr_t)r.pref);",
    "cublasLtMatmulDescDestroy": "gvm_cublaslt_desc_destroyed(matmulDesc);",
    "cublasLtMatrixTransformDescDestroy": "gvm_cublaslt_desc_destroyed(transformDesc);",
    "cublasLtEmulationDescCreate": "gvm_cublaslt_live((void *)(uintptr_t)r.emulationDesc);",
}
# The SetAttribute calls are hand-written over LT_SET_ATTR, so that they can
# be queued (guest-lib/math/cublaslt_attr.c, host-worker/handlers_lt_attr.c).
SET_ATTRIBUTE = ["cublasLtMatmulDescSetAttribute", "cublasLtMatrixLayoutSetAttribute",
                 "cublasLtMatmulPreferenceSetAttribute", "cublasLtMatrixTransformDescSetAttribute"]
HOST_CALLS = ["cublasLtMatmulDescGetAttribute", "cublasLtMatrixTransformDescGetAttribute"] + \
    SET_ATTRIBUTE

DEVICE_NAMES = {"A", "B", "C", "D", "workspace"}


def is_device_pointer(fn, param, spelling):
    return param in DEVICE_NAMES and "*" in spelling


def scalar_count(fn, param):
    return 1


def scalar_bytes(fn, param, params):
    if "computeDesc" in params:
        return "gvm_cublaslt_scale_bytes((void *)computeDesc)"
    if "transformDesc" in params:
        return "gvm_cublaslt_scale_bytes((void *)transformDesc)"
    return None


LOCAL = ["cublasLtGetStatusName", "cublasLtGetStatusString", "cublasLtGetVersion",
         "cublasLtGetCudartVersion", "cublasLtGetProperty"]
EXCEPTION = list(SET_ATTRIBUTE)
EXCEPTION_FILES = ["guest-lib/math/cublaslt_local.c", "guest-lib/math/cublas_status.c",
                   "guest-lib/math/cublaslt_attr.c"]
UNSUPPORTED_PREFIX = {
    "cublasLtLogger": "the library's own API log, written on the host",
}
# Exports with no prototype in cublasLt.h: NVIDIA's libcublas's own entry
# points into the library (cublasLt<types>Matmul*, LegacyGemm*, ...).
NO_PROTOTYPE = "no prototype in cublasLt.h: NVIDIA's libcublas's own entry points"
NOT_GENERIC = {
    "cublasLtDisableCpuInstructionsSetMask": "acts on the host library's own CPU code paths",
}
for _t in ("MatrixLayout", "MatmulDesc", "MatrixTransformDesc", "EmulationDesc", "MatmulPreference"):
    for _s in ("Init", "Init_internal"):
        NOT_GENERIC["cublasLt%s%s" % (_t, _s)] = \
            "initializes a descriptor in the caller's memory: the Create call makes one on the host"


# The async class (gen/gvasync.py): destroying an object this process made
# and has not destroyed cannot fail, so it goes without a reply (PyTorch
# makes and destroys a descriptor, three layouts and a preference for every
# matmul).  The guard alone proves it (ASYNC_PROVEN): nothing to learn.
_DESTROYED = {"cublasLtMatmulDescDestroy": "matmulDesc", "cublasLtMatrixLayoutDestroy": "matLayout",
              "cublasLtMatmulPreferenceDestroy": "pref",
              "cublasLtMatrixTransformDescDestroy": "transformDesc"}
ASYNC = "^(%s)$" % "|".join(_DESTROYED)
ASYNC_SETTERS = set(_DESTROYED)
ASYNC_PROVEN = set(_DESTROYED)


def async_guard(fn, names):
    return ["gvm_cublaslt_dying((void *)%s)" % _DESTROYED[fn]]
