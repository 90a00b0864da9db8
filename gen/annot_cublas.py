# SPDX-License-Identifier: MIT
"""The annotation table of cuBLAS's v2 API (cublas_api.h): what the header
does not say.  gvgen.py writes libcublas.so.13's shim, its wire and its
host dispatch from it (classes as in gen/annot_cuda.py).

Matrices and vectors are device memory.  Scalars (alpha, beta, the
results of dot, nrm2, amax, ...) are host or device memory by the
handle's pointer mode: the guest shadows the mode to marshal them, and
the host holds each call to the mode the library itself has for the
handle (host-worker/math_cublas.c), so a guest that lies gets an error,
never a host pointer dereferenced as a device one or the reverse.
"""
import re

LIBRARY = "cublas"
MATH = True
HEADER = "cublas_api.h"
LEGACY_HEADER = "cublas.h"
EXTRA_HEADERS = ["cublasXt.h"]  # so that its functions get their reason below
SONAME = "libcublas.so.13"
EXPORTS_FROM = "/usr/local/cuda/lib64/libcublas.so"
RESULT_TYPE = "cublasStatus_t"
API = "GV_API_CUBLAS"
OP_BASE = 4000
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

HANDLES = {"cublasHandle_t": "CUBLAS"}
DESTROYS = {"cublasDestroy_v2": "handle"}
DESTROY_FN = {"cublasHandle_t": "cublasDestroy_v2"}
CORE_HANDLES = {"cudaStream_t": "STREAM"}
VALUE_TYPES = set()
DEVICE_TYPE = None
BULK_IN = set()
BULK_OUT = set()
DEVRANGE = {("cublasSetWorkspace_v2", "workspace"): "workspaceSizeInBytes"}

# Scalars by pointer mode: in (the call reads them) or out (it writes one).
MODAL = {"alpha": ("in", None), "beta": ("in", None), "result": ("out", None)}
for _f in ("cublasSrot_v2", "cublasDrot_v2", "cublasCrot_v2", "cublasZrot_v2", "cublasCsrot_v2",
           "cublasZdrot_v2", "cublasRotEx"):
    for _sfx in ("", "_64"):
        MODAL[(_f + _sfx, "c")] = ("in", None)
        MODAL[(_f + _sfx, "s")] = ("in", None)
for _f in ("cublasSrotm_v2", "cublasDrotm_v2", "cublasRotmEx"):
    for _sfx in ("", "_64"):
        MODAL[(_f + _sfx, "param")] = ("in", None)
# rotg and rotmg read and write their scalars ("io"), or only write them.
for _f in ("cublasSrotg_v2", "cublasDrotg_v2", "cublasCrotg_v2", "cublasZrotg_v2", "cublasRotgEx"):
    for _p in ("a", "b"):
        MODAL[(_f, _p)] = ("io", None)
    for _p in ("c", "s"):
        MODAL[(_f, _p)] = ("out", None)
for _f in ("cublasSrotmg_v2", "cublasDrotmg_v2", "cublasRotmgEx"):
    for _p in ("d1", "d2", "x1"):
        MODAL[(_f, _p)] = ("io", None)
    MODAL[(_f, "y1")] = ("in", None)
    MODAL[(_f, "param")] = ("out", None)


# The grouped GEMMs' host arrays, group_count elements each (Aarray,
# Barray and Carray are device arrays of device pointers, by the rule).
ARRAY_COUNTS = {"group_count"}
ARRAY_IN = {("cublas%sgemmGroupedBatched%s" % (t, sfx), a)
            for t in "SD" for sfx in ("", "_64")
            for a in ("transa_array", "transb_array", "m_array", "n_array", "k_array",
                      "alpha_array", "lda_array", "ldb_array", "beta_array", "ldc_array",
                      "group_size")}


def scalar_count(fn, param):
    """rotm's param is five values (flag and the H matrix)."""
    return 5 if param == "param" else 1


def scalar_bytes(fn, param, params):
    """The guest's size of a void scalar, from the type the call names."""
    own = {"a": "abType", "b": "abType", "c": "csType", "s": "csType", "param": "paramType",
           "d1": "d1Type", "d2": "d2Type", "x1": "x1Type", "y1": "y1Type"}.get(param)
    if own in params:
        return "gvm_type_bytes(%s)" % own
    for t in ("alphaType", "resultType", "csType", "paramType"):
        if t in params:
            return "gvm_type_bytes(%s)" % t
    if "computeType" in params and "Ctype" in params:
        return "gvm_cublas_compute_bytes(computeType, Ctype)"
    return None


# The guest's say on a call's mode, and what the host holds it to.
MODE_GUEST = "gvm_cublas_host_pointers({handle})"
GUEST_INCLUDE = ["gvm_cublas.h"]
MODE_HOST = "gvg_cublas_pointer_mode(c, {handle}, {host})"
HOST_CALLS = ["cublasGetPointerMode_v2"]
GUEST_AFTER = {
    "cublasCreate_v2": "gvm_cublas_created((cublasHandle_t)(uintptr_t)r.handle);",
    "cublasDestroy_v2": "gvm_cublas_destroyed(handle);",
    "cublasSetPointerMode_v2": "gvm_cublas_set_pointer_mode(handle, mode);",
    "cublasSetStream_v2": "gvm_cublas_set_stream(handle, streamId);",
}

# Device memory: the matrices, vectors and arrays of them, pivots and
# per-matrix info of the batched factorizations, the user workspace.
DEVICE_NAMES = {
    "A", "AP", "B", "C", "x", "y", "Aarray", "Barray", "Carray", "Ainv", "TauArray",
    "xarray", "yarray", "P", "devIpiv", "devInfoArray", "workspace", "info",
}
# ... except where the header says info is the host's (argument errors).
HOST_INFO = {"cublasSgeqrfBatched", "cublasDgeqrfBatched", "cublasCgeqrfBatched",
             "cublasZgeqrfBatched", "cublasSgelsBatched", "cublasDgelsBatched",
             "cublasCgelsBatched", "cublasZgelsBatched", "cublasSgetrsBatched",
             "cublasDgetrsBatched", "cublasCgetrsBatched", "cublasZgetrsBatched"}
# Host-to-device copies of strided data: over the runtime's 2D copies.
COPIES = ("cublasSetVector", "cublasGetVector", "cublasSetMatrix", "cublasGetMatrix")


def is_device_pointer(fn, param, spelling):
    if fn.startswith(COPIES):
        return False
    if param == "info" and fn in HOST_INFO:
        return False
    return param in DEVICE_NAMES and "*" in spelling


LOCAL = [
    "cublasGetVersion_v2", "cublasGetProperty", "cublasGetStatusName", "cublasGetStatusString",
    "cublasGetCudartVersion", "cublasGetPointerMode_v2", "cublasGetStream_v2", "cublasXerbla",
]
# cuBLAS-XT: BLAS3 on host or device matrices, in the guest over the
# remoted cuBLAS calls (guest-lib/math/cublasxt.c).
XT = (["cublasXt" + f for f in ("Create", "Destroy", "GetNumBoards", "MaxBoards", "DeviceSelect",
                                "SetBlockDim", "GetBlockDim", "GetPinningMemMode",
                                "SetPinningMemMode", "SetCpuRoutine", "SetCpuRatio")] +
      ["cublasXt" + t + f for t in "SDCZ"
       for f in ("gemm", "symm", "syrk", "syr2k", "syrkx", "trsm", "trmm", "spmm")] +
      ["cublasXt" + t + f for t in "CZ" for f in ("hemm", "herk", "her2k", "herkx")])
EXCEPTION = [f + s for f in COPIES for s in ("", "Async", "_64", "Async_64")] + XT
EXCEPTION_FILES = ["guest-lib/math/cublas_local.c", "guest-lib/math/cublas_copy.c",
                   "guest-lib/math/cublas_legacy.c", "guest-lib/math/cublasxt.c"]
# The half and bfloat16 calls cublas_api.h declares for C++ only: read as
# C++ sees them, declared in C with __half_raw and __nv_bfloat16_raw.
CXX_ONLY = True
UNSUPPORTED_PREFIX = {
    "cublasLogger": "the library's own API log, written on the host",
    "cublasSetLoggerCallback": "the library's own API log, written on the host",
    "cublasGetLoggerCallback": "the library's own API log, written on the host",
}
NOT_GENERIC = {
    "cublasGetFixedPointEmulationMantissaBitCountPointer": "returns a pointer the library holds",
    "cublasSetFixedPointEmulationMantissaBitCountPointer": "hands the library a pointer it keeps",
}

# The legacy API's own calls (cublas.h), hand-written over the implicit
# handle (guest-lib/math/cublas_legacy.c); its BLAS calls are generated
# wrappers of the v2 calls (guest-lib/gen/cublas_legacy.c).
LEGACY_CORE = ["cublasInit", "cublasShutdown", "cublasGetError", "cublasGetVersion",
               "cublasAlloc", "cublasFree", "cublasSetKernelStream"]


# The async class (gen/gvasync.py): compute calls, not handle state.
ASYNC = (r"^cublas(?!.*(Create|Destroy|Set|Get|Logger|Version|Property|Status|Migrate|Xerbla))"
         r"|^cublas(SetStream_v2|SetWorkspace_v2|SetMathMode)$")
# Handle state PyTorch sets before every call: queued too, once the same
# value has been set before (the stream must be one the process knows).
ASYNC_SETTERS = {"cublasSetStream_v2", "cublasSetWorkspace_v2", "cublasSetMathMode"}
ASYNC_RESET = r"Destroy"
# Arguments the guard proves; leading dimensions and strides go into the
# key by their alignment class.
ASYNC_COVERED = {"m", "n", "k", "kl", "ku", "batchCount", "incx", "incy"}
ASYNC_ALIGNED = r"^(ld[abc]|stride)"


def async_guard(fn, names):
    """C conditions under which the library's argument checks pass: what
    the BLAS reference checks of each family (dimensions not negative,
    each leading dimension at least max(1, its matrix's rows)), with
    positive increments only.  A family not listed gets every leading
    dimension held to the largest of its dimensions (k + 1 and kl + ku + 1
    for banded matrices), which is never less than the library asks."""
    g = ["%s >= 0" % d for d in ("m", "n", "k", "kl", "ku", "batchCount") if d in names]
    g += ["%s > 0" % i for i in ("incx", "incy") if i in names]
    low = fn.lower()
    rows = None
    if "gemm" in low and {"transa", "transb", "k"} <= names:
        g += ["(unsigned)transa <= 2u", "(unsigned)transb <= 2u"]
        rows = {"lda": "transa == CUBLAS_OP_N ? m : k", "ldb": "transb == CUBLAS_OP_N ? k : n",
                "ldc": "m"}
    elif "geam" in low:
        g += ["(unsigned)transa <= 2u", "(unsigned)transb <= 2u"]
        rows = {"lda": "transa == CUBLAS_OP_N ? m : n", "ldb": "transb == CUBLAS_OP_N ? m : n",
                "ldc": "m"}
    elif "gemv" in low:
        g += ["(unsigned)trans <= 2u"]
        rows = {"lda": "m"}
    elif re.search(r"tr[sm]m", low) and "side" in names:
        g += ["(unsigned)side <= 1u"]
        rows = {"lda": "side == CUBLAS_SIDE_LEFT ? m : n", "ldb": "m", "ldc": "m"}
    elif re.search(r"(sy|he)(rk|r2k|rkx)", low) and "trans" in names:
        g += ["(unsigned)trans <= 2u"]
        rows = {"lda": "trans == CUBLAS_OP_N ? n : k", "ldb": "trans == CUBLAS_OP_N ? n : k",
                "ldc": "n"}
    elif re.search(r"(sy|he)mm", low) and "side" in names:
        g += ["(unsigned)side <= 1u"]
        rows = {"lda": "side == CUBLAS_SIDE_LEFT ? m : n", "ldb": "m", "ldc": "m"}
    # The 32-bit API, far from its limits: a matrix of under 2^31 elements
    # (where a larger one might be refused, its call waits for the answer).
    dims = [d for d in ("m", "n", "k") if d in names]
    if not fn.endswith("_64") and dims:
        big = "gvm_dims_max(%s)" % ", ".join(dims + ["0"] * (3 - len(dims)))
        g += ["(int64_t)%s * %s < 2147483648ll" % (ld, big)
              for ld in ("lda", "ldb", "ldc") if ld in names]
    for ld in ("lda", "ldb", "ldc"):
        if ld not in names:
            continue
        if rows and ld in rows:
            g.append("%s >= GVM_MAX1(%s)" % (ld, rows[ld]))
            continue
        g.append("%s >= 1" % ld)
        g += ["%s >= %s" % (ld, d) for d in ("m", "n") if d in names]
        if "k" in names:
            g.append("%s > k" % ld)
        if {"kl", "ku"} <= names:
            g.append("(int64_t)%s > (int64_t)kl + ku" % ld)
    return g
