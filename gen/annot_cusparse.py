# SPDX-License-Identifier: MIT
"""The annotation table of cuSPARSE (cusparse.h): what the header does not
say.  gvgen.py writes libcusparse.so.12's shim, its wire and its host
dispatch from it (classes as in gen/annot_cuda.py).  The plugin
"cusparse" serves it.

The handle, the legacy matrix descriptor and info objects, and the
generic API's descriptors (sparse and dense vectors and matrices, SpSV,
SpSM and SpGEMM descriptors) are host objects behind handles of the
session's table, as cuBLASLt's descriptors are.  A generic descriptor's
Const form is the same object: it has the same kind.  The arrays a
descriptor or a legacy call names (values, indices, offsets, buffers) are
device memory.  Scalars (alpha, beta, nnzTotalDevHostPtr, ...) are host
or device memory by the handle's pointer mode, as cuBLAS's are: the guest
shadows the mode and the host holds each call to its library's.
"""

LIBRARY = "cusparse"
MATH = True
HEADER = "cusparse.h"
SONAME = "libcusparse.so.12"
EXPORTS_FROM = "/usr/local/cuda/lib64/libcusparse.so"
RESULT_TYPE = "cusparseStatus_t"
API = "GV_API_CUSPARSE"
OP_BASE = 7000
STATUS = {
    "success": "CUSPARSE_STATUS_SUCCESS",
    "invalid_value": "CUSPARSE_STATUS_INVALID_VALUE",
    "invalid_handle": "CUSPARSE_STATUS_NOT_INITIALIZED",
    "not_supported": "CUSPARSE_STATUS_NOT_SUPPORTED",
    "out_of_memory": "CUSPARSE_STATUS_ALLOC_FAILED",
    "no_host": "CUSPARSE_STATUS_NOT_INITIALIZED",
    "exec_failed": "CUSPARSE_STATUS_EXECUTION_FAILED",  # a launch in a context that has faulted
    "test_failure": "CUSPARSE_STATUS_EXECUTION_FAILED",  # what the round-trip test injects
}

# Each object type, its kind, the call that destroys it and that call's
# parameter.  The generic descriptors' Const types share their kinds.
_OBJECTS = [
    ("cusparseHandle_t", "CUSPARSE", "cusparseDestroy", "handle"),
    ("cusparseMatDescr_t", "CUSPARSE_MAT_DESCR", "cusparseDestroyMatDescr", "descrA"),
    ("csric02Info_t", "CUSPARSE_CSRIC02_INFO", "cusparseDestroyCsric02Info", "info"),
    ("bsric02Info_t", "CUSPARSE_BSRIC02_INFO", "cusparseDestroyBsric02Info", "info"),
    ("csrilu02Info_t", "CUSPARSE_CSRILU02_INFO", "cusparseDestroyCsrilu02Info", "info"),
    ("bsrilu02Info_t", "CUSPARSE_BSRILU02_INFO", "cusparseDestroyBsrilu02Info", "info"),
    ("bsrsv2Info_t", "CUSPARSE_BSRSV2_INFO", "cusparseDestroyBsrsv2Info", "info"),
    ("bsrsm2Info_t", "CUSPARSE_BSRSM2_INFO", "cusparseDestroyBsrsm2Info", "info"),
    ("csru2csrInfo_t", "CUSPARSE_CSRU2CSR_INFO", "cusparseDestroyCsru2csrInfo", "info"),
    ("cusparseColorInfo_t", "CUSPARSE_COLOR_INFO", "cusparseDestroyColorInfo", "info"),
    ("pruneInfo_t", "CUSPARSE_PRUNE_INFO", "cusparseDestroyPruneInfo", "info"),
    ("cusparseSpVecDescr_t", "CUSPARSE_SPVEC", "cusparseDestroySpVec", "spVecDescr"),
    ("cusparseDnVecDescr_t", "CUSPARSE_DNVEC", "cusparseDestroyDnVec", "dnVecDescr"),
    ("cusparseSpMatDescr_t", "CUSPARSE_SPMAT", "cusparseDestroySpMat", "spMatDescr"),
    ("cusparseDnMatDescr_t", "CUSPARSE_DNMAT", "cusparseDestroyDnMat", "dnMatDescr"),
    ("cusparseSpSVDescr_t", "CUSPARSE_SPSV_DESCR", "cusparseSpSV_destroyDescr", "descr"),
    ("cusparseSpSMDescr_t", "CUSPARSE_SPSM_DESCR", "cusparseSpSM_destroyDescr", "descr"),
    ("cusparseSpGEMMDescr_t", "CUSPARSE_SPGEMM_DESCR", "cusparseSpGEMM_destroyDescr", "descr"),
]
HANDLES = {t: k for t, k, _, _ in _OBJECTS}
DESTROYS = {fn: p for _, _, fn, p in _OBJECTS}
DESTROY_FN = {t: fn for t, _, fn, _ in _OBJECTS}
for _t in ("SpVec", "DnVec", "SpMat", "DnMat"):
    HANDLES["cusparseConst%sDescr_t" % _t] = HANDLES["cusparse%sDescr_t" % _t]
    DESTROY_FN["cusparseConst%sDescr_t" % _t] = DESTROY_FN["cusparse%sDescr_t" % _t]
CORE_HANDLES = {"cudaStream_t": "STREAM"}
VALUE_TYPES = set()
DEVICE_TYPE = None
DEVRANGE = {}

# An attribute's value: dataSize bytes the call reads (Set) or writes (Get).
BULK_IN = {("data", "dataSize")}
BULK_OUT = {("data", "dataSize")}
READS = {("cusparseSpMatSetAttribute", "data")}

# Scalars in host or device memory by the handle's pointer mode.  The
# generic API's are of the call's computeType; the legacy API's of the
# call's own type.  nnzTotalDevHostPtr, nnzC and a zero pivot's position
# are results; a threshold and a boost value are read.
MODAL = {"alpha": ("in", None), "beta": ("in", None), "c_coeff": ("in", None),
         "s_coeff": ("in", None), "threshold": ("in", None), "boost_val": ("in", None),
         "nnzTotalDevHostPtr": ("out", None), "nnzC": ("out", None),
         "position": ("out", None), ("cusparseSpVV", "result"): ("out", None),
         ("cusparseSpVV_bufferSize", "result"): ("in", None)}
MODE_GUEST = "gvm_cusparse_host_pointers((cusparseHandle_t){handle})"
MODE_HOST = "gvg_cusparse_pointer_mode(c, {handle}, {host})"
GUEST_INCLUDE = ["gvm_cusparse.h"]
# The host asks the library its handle's mode (gvg_cusparse_pointer_mode), and a
# descriptor's index base (cuSOLVER's checks of host CSR arrays).
HOST_CALLS = ["cusparseGetPointerMode", "cusparseGetMatIndexBase"]
GUEST_AFTER = {
    "cusparseCreate": "gvm_cusparse_created((cusparseHandle_t)(uintptr_t)r.handle);",
    "cusparseDestroy": "gvm_cusparse_destroyed(handle);",
    "cusparseSetPointerMode": "gvm_cusparse_set_pointer_mode(handle, mode);",
    "cusparseSetStream": "gvm_cusparse_set_stream(handle, streamId);",
}
# A numeric boost's tolerance is read, though declared writable.
READS |= {("cusparse%scsrilu02_numericBoost" % t, "tol") for t in "SDCZ"}
READS |= {("cusparse%sbsrilu02_numericBoost" % t, "tol") for t in "SDCZ"}

# Host memory: sizes, counts and the getters' results.  Every other
# pointer to numbers or to void is an array or buffer in device memory.
HOST_NAMES = {"bufferSize", "bufferSize1", "bufferSize2", "bufferSize3", "bufferSize4",
              "bufferSize5", "bufferSizeInBytes", "pBufferSize", "pBufferSizeInBytes",
              "SpMMWorkspaceSize", "rows", "cols", "nnz", "ld", "batchCount", "batchStride",
              "ellBlockSize", "ellCols", "size", "version", "value", "num_prods", "tol",
              "fractionToColor", "ncolors", "data", "logFile"}
_NUMERIC = {"void", "int", "float", "double", "cuComplex", "cuDoubleComplex", "int64_t"}


def is_device_pointer(fn, param, spelling):
    s = spelling.replace("const", "").replace(" ", "")
    if param in HOST_NAMES or not s.endswith("*") or s.endswith("**"):
        return False
    return s[:-1] in _NUMERIC


def scalar_count(fn, param):
    return 1


def scalar_bytes(fn, param, params):
    """A generic call's void scalars are of its computeType."""
    if "computeType" in params:
        return "gvm_type_bytes(computeType)"
    return None


# Answered in the guest: the version, properties and status names are the
# headers'; the pointer mode and stream are the guest's shadow of them.
LOCAL = ["cusparseGetVersion", "cusparseGetProperty", "cusparseGetErrorName",
         "cusparseGetErrorString", "cusparseGetPointerMode", "cusparseGetStream"]
EXCEPTION = []
EXCEPTION_FILES = ["guest-lib/math/cusparse_local.c"]
UNSUPPORTED_PREFIX = {
    "cusparseLogger": "the library's own API log, written on the host",
    "cusparseSpMMOp": "the operators are device code (LTO-IR) the host library links",
}
# The half-precision prune calls are declared for C++ only (__half).
NO_PROTOTYPE = "no C prototype in cusparse.h: the half-precision prune calls are C++ only"
NOT_GENERIC = {}
# The getters of a descriptor's arrays return the device addresses it was
# made with: the guest's own device addresses (they pass through the wire
# unchanged), so they come back as plain values.
_ADDRS = {"CsrGet": ("csrRowOffsets", "csrColInd", "csrValues"),
          "CscGet": ("cscColOffsets", "cscRowInd", "cscValues"),
          "CooGet": ("cooRowInd", "cooColInd", "cooValues"),
          "BlockedEllGet": ("ellColInd", "ellValue"),
          "SpVecGet": ("indices", "values"), "SpVecGetValues": ("values",),
          "SpMatGetValues": ("values",), "DnVecGet": ("values",),
          "DnVecGetValues": ("values",), "DnMatGet": ("values",), "DnMatGetValues": ("values",)}
OUT_ADDR = {("cusparse%s%s" % (_c, _g), _p) for _g, _ps in _ADDRS.items() for _c in ("", "Const")
            for _p in _ps}
# A result, not the count of an array.
NOT_COUNT = {("cusparseSpGEMM_getNumProducts", "num_prods")}

# The async class is not used: every remote call waits for its reply.
ASYNC = None
ASYNC_SETTERS = set()
ASYNC_RESET = None


def async_guard(fn, names):
    return []
