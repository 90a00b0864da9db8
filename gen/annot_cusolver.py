# SPDX-License-Identifier: MIT
"""The annotation table of cuSOLVER (cusolverDn.h, cusolverSp.h,
cusolverSp_LOWLEVEL_PREVIEW.h, cusolverRf.h, cusolver_common.h): what the
headers do not say.  gvgen.py writes libcusolver.so.12's shim, its wire
and its host dispatch from it (classes as in gen/annot_cuda.py).  The
plugin "cusolver" serves it.

The handles (dense, sparse, refactorization), the parameter objects and
the info objects (syevj, gesvdj, csrqr, csrchol, csrlu, IRS) are host
objects behind handles of the session's table.  The sparse calls take a
cusparseMatDescr_t made by the cuSPARSE shim: the host finds it in the
same session's table (FOREIGN), so it is the host's cuSPARSE object.

Matrices, vectors, pivots, workspaces and the dense calls' info (devInfo)
are device memory.  Sizes and counts the calls return (lwork, buffer sizes,
sweeps, residuals, singularity, rank, positions) are host memory: small
outputs in the reply.  The 64-bit API's host workspace (bufferOnHost) is
memory the library uses during the call: the host gives it memory of its
own of the size the guest names (HOST_WORK), never the guest's.  The
sparse *Host calls run on the host's CPU: their arrays travel packed in
one buffer (HOST_ARRAYS), each sized from the call's dimensions, in,
out or both.
"""
import re

LIBRARY = "cusolver"
MATH = True
HEADER = "cusolverDn.h"
EXTRA_HEADERS = ["cusolverSp.h", "cusolverSp_LOWLEVEL_PREVIEW.h", "cusolverRf.h",
                 "cusolver_common.h"]
SONAME = "libcusolver.so.12"
EXPORTS_FROM = "/usr/local/cuda/lib64/libcusolver.so"
RESULT_TYPE = "cusolverStatus_t"
API = "GV_API_CUSOLVER"
OP_BASE = 8000
STATUS = {
    "success": "CUSOLVER_STATUS_SUCCESS",
    "invalid_value": "CUSOLVER_STATUS_INVALID_VALUE",
    "invalid_handle": "CUSOLVER_STATUS_NOT_INITIALIZED",
    "not_supported": "CUSOLVER_STATUS_NOT_SUPPORTED",
    "out_of_memory": "CUSOLVER_STATUS_ALLOC_FAILED",
    "no_host": "CUSOLVER_STATUS_NOT_INITIALIZED",
    "exec_failed": "CUSOLVER_STATUS_EXECUTION_FAILED",  # a launch in a context that has faulted
    "test_failure": "CUSOLVER_STATUS_EXECUTION_FAILED",  # what the round-trip test injects
}

# Each object type, its kind, the call that destroys it and that call's
# parameter.
_OBJECTS = [
    ("cusolverDnHandle_t", "CUSOLVERDN", "cusolverDnDestroy", "handle"),
    ("cusolverSpHandle_t", "CUSOLVERSP", "cusolverSpDestroy", "handle"),
    ("cusolverRfHandle_t", "CUSOLVERRF", "cusolverRfDestroy", "handle"),
    ("cusolverDnParams_t", "CUSOLVER_DN_PARAMS", "cusolverDnDestroyParams", "params"),
    ("syevjInfo_t", "CUSOLVER_SYEVJ_INFO", "cusolverDnDestroySyevjInfo", "info"),
    ("gesvdjInfo_t", "CUSOLVER_GESVDJ_INFO", "cusolverDnDestroyGesvdjInfo", "info"),
    ("cusolverDnIRSParams_t", "CUSOLVER_IRS_PARAMS", "cusolverDnIRSParamsDestroy", "params"),
    ("cusolverDnIRSInfos_t", "CUSOLVER_IRS_INFOS", "cusolverDnIRSInfosDestroy", "infos"),
    ("csrqrInfo_t", "CUSOLVER_CSRQR_INFO", "cusolverSpDestroyCsrqrInfo", "info"),
    ("csrqrInfoHost_t", "CUSOLVER_CSRQR_INFO_HOST", "cusolverSpDestroyCsrqrInfoHost", "info"),
    ("csrcholInfo_t", "CUSOLVER_CSRCHOL_INFO", "cusolverSpDestroyCsrcholInfo", "info"),
    ("csrcholInfoHost_t", "CUSOLVER_CSRCHOL_INFO_HOST", "cusolverSpDestroyCsrcholInfoHost", "info"),
    ("csrluInfoHost_t", "CUSOLVER_CSRLU_INFO_HOST", "cusolverSpDestroyCsrluInfoHost", "info"),
]
HANDLES = {t: k for t, k, _, _ in _OBJECTS}
DESTROYS = {fn: p for _, _, fn, p in _OBJECTS}
DESTROY_FN = {t: fn for t, _, fn, _ in _OBJECTS}
# cuSPARSE's matrix descriptor: a handle of the cuSPARSE shim's kind, in
# the same session's table; this library neither makes nor frees it.
FOREIGN = {"cusparseMatDescr_t": "CUSPARSE_MAT_DESCR"}
HANDLES.update(FOREIGN)
CORE_HANDLES = {"cudaStream_t": "STREAM"}
VALUE_TYPES = set()
DEVICE_TYPE = None
DEVRANGE = {}
BULK_IN = set()
BULK_OUT = set()
MODAL = {}
# Parameters named as the generated stubs' locals: the rules below use
# the new names.
PARAM_RENAME = {"b": "b_", "q": "q_", "r": "r_", "e": "e_", "Q": "Q_"}

# Host memory: sizes, counts and the results the calls return by pointer.
# Every other pointer to numbers or to void is device memory.
HOST_NAMES = {"lwork", "Lwork", "lwork_bytes", "workspaceInBytesOnDevice",
              "workspaceInBytesOnHost", "residual", "executed_sweeps", "h_meig", "meig",
              "meig64", "niters", "outer_niters", "iter", "maxiters", "internalDataInBytes",
              "workspaceInBytes", "bufferSizeInBytes", "singularity", "position", "rankA",
              "min_norm", "num_eigs", "numnz", "issym", "nnzLRef", "nnzURef", "version",
              "value", "h_R_nrmF", "h_err_sigma", "zero", "boost", "nnzM", "h_nnzM"}
_NUMERIC = {"void", "int", "float", "double", "cuComplex", "cuDoubleComplex", "int64_t",
            "cusolver_int_t"}
# Results, not the counts of arrays.
NOT_COUNT = {(f, "num_eigs") for f in ("cusolverSp%scsreigsHost" % t for t in "SDCZ")} | \
    {(f, "numnz") for f in ("cusolverSp%scsrzfd%s" % (t, h) for t in "SDCZ" for h in ("", "Host"))} | \
    {(f, "nnzM") for f in ("cusolverRfAccessBundledFactorsDevice",)}


def _host_call(fn):
    """A call whose arrays are all host memory: the sparse calls that run
    on the host's CPU, and the refactorization's setup from host arrays."""
    return (fn.startswith("cusolverSp") and fn.endswith("Host")) or fn == "cusolverRfSetupHost"


def is_device_pointer(fn, param, spelling):
    s = spelling.replace("const", "").replace(" ", "")
    if param in HOST_NAMES or _host_call(fn) or not s.endswith("*"):
        return False
    if s.endswith("**"):
        # Only a batched call's array of device pointers (declared T *A[]),
        # itself in device memory; a T ** parameter returns a pointer.
        return s[:-2] in _NUMERIC and not fn.startswith("cusolverRf")
    return s[:-1] in _NUMERIC


def scalar_count(fn, param):
    return 1


def scalar_bytes(fn, param, params):
    return None


# The sparse *Host calls' arrays: (direction, element count over the
# call's parameters).  Rows are m (or n where the matrix is square),
# columns n (or m); the row pointer has rows + 1 entries.
HOST_ARRAY_RULES = {
    # parameter: (direction, count); "rows", "cols" and "nnz" name the call's own
    "csrValA": ("in", "nnz"), "csrVal": ("in", "nnz"), "csrColIndA": ("in", "nnz"),
    "csrColInd": ("in", "nnz"), "csrRowPtrA": ("in", "rows + 1"),
    "csrRowPtr": ("in", "rows + 1"), "csrEndPtrA": ("in", "rows"), "b_": ("in", "rows"),
    "x0": ("in", "rows"), "x": ("out", "cols"), "p": ("out", "cols"), "P": ("out", "cols"),
    "q_": ("in", "cols"), "map": ("io", "nnz"), "mu": ("out", "1"),
    # METIS's options array (METIS_NOPTIONS entries), read when given.
    "options": ("in", "40"),
}
# Per call, where the rule's count is not the call's: csrperm permutes
# rows by p (m of them) and columns by q.
# csrissym's rows have start and end pointers, m of each.
HOST_ARRAY_COUNT = {("cusolverSpXcsrpermHost", "p"): "m",
                    ("cusolverSpXcsrperm_bufferSizeHost", "p"): "m",
                    ("cusolverSpXcsrissymHost", "csrRowPtrA"): "m"}
# cusolverRfSetupHost's: A, L and U in zero-based CSR, and P and Q.
for _m in "ALU":
    HOST_ARRAY_RULES["h_csrRowPtr" + _m] = ("in", "n + 1")
    HOST_ARRAY_RULES["h_csrColInd" + _m] = ("in", "nnz" + _m)
    HOST_ARRAY_RULES["h_csrVal" + _m] = ("in", "nnz" + _m)
HOST_ARRAY_RULES["h_P"] = ("in", "n")
HOST_ARRAY_RULES["h_Q"] = ("in", "n")
# Per call, where the rule's direction is not the call's.
HOST_ARRAY_DIR = {
    ("cusolverSpXcsrpermHost", "csrRowPtrA"): "io", ("cusolverSpXcsrpermHost", "csrColIndA"): "io",
    ("cusolverSpXcsrpermHost", "p"): "in",
    ("cusolverSpXcsrperm_bufferSizeHost", "p"): "in",
    ("cusolverSpXcsrperm_bufferSizeHost", "q_"): "in",
}
for _t in "SDCZ":
    # The QR calls' right-hand side is overwritten (Q^T b).
    for _f in ("csrqrFactorHost", "csrqrSolveHost"):
        HOST_ARRAY_DIR[("cusolverSp%s%s" % (_t, _f), "b_")] = "io"
    # csrlsqvqr's permutation is of the columns.
    HOST_ARRAY_DIR[("cusolverSp%scsrlsqvqrHost" % _t, "p")] = "out"


# csrluExtractHost's factors: sizes the info object holds, not the call.
# The guest knows them from its own analysis and nnz calls (shadowed,
# gvm_cusolver_lu_dim), the host from the library's info object
# (gvg_cusolver_lu_dim); the two must agree.  (guest, host, test) counts.
def _lu_dim(i, plus=""):
    return ("gvm_cusolver_lu_dim((uint64_t)(uintptr_t)info, %d)%s" % (i, plus),
            "gvg_cusolver_lu_dim(c, a_handle, q->info, %d)%s" % (i, plus), "0")


_LU_EXTRACT = {"P": _lu_dim(0), "Q_": _lu_dim(0), "csrValL": _lu_dim(1),
               "csrRowPtrL": _lu_dim(0, " + 1"), "csrColIndL": _lu_dim(1),
               "csrValU": _lu_dim(2), "csrRowPtrU": _lu_dim(0, " + 1"), "csrColIndU": _lu_dim(2)}


def host_arrays(fn, names):
    """{parameter: (direction, C count over the request's fields)} of a
    sparse *Host call, or None for any other call."""
    if not _host_call(fn):
        return None
    if re.match(r"cusolverSp[SDCZ]csrluExtractHost$", fn):
        return {p: ("out", cnt) for p, cnt in _LU_EXTRACT.items()}
    rows = "m" if "m" in names else "n"
    cols = "n" if "n" in names else "m"
    nnz = "nnzA" if "nnzA" in names else "nnz"
    out = {}
    for p in names:
        rule = HOST_ARRAY_RULES.get(p)
        if not rule:
            continue
        d = HOST_ARRAY_DIR.get((fn, p), rule[0])
        cnt = HOST_ARRAY_COUNT.get((fn, p), rule[1])
        cnt = re.sub(r"\brows\b", rows, re.sub(r"\bcols\b", cols, re.sub(r"\bnnz\b", nnz, cnt)))
        out[p] = (d, cnt)
    return out


# gesvdaStridedBatched's residual norms: a host array, one per matrix,
# read once the handle's stream is done (BULK_OUT_SYNC).
BULK_OUT_SYNC = True
BULK_OUT_ELEMS = {("cusolverDn%sgesvdaStridedBatched" % _t, "h_R_nrmF"): "batchSize"
                  for _t in "SDCZ"}

# The 64-bit API's host workspace: memory the host gives the call, of the
# size the guest names (bounded), never the guest's own.
HOST_WORK = {"bufferOnHost": "workspaceInBytesOnHost"}
# Before the host frees it, the handle's stream has done with it.
HOST_WORK_DONE = "gvg_cusolver_work_done(c, {handle})"
HOST_CALLS = ["cusolverDnGetStream"]

# Answered in the guest: the version, properties and the handles' streams.
LOCAL = ["cusolverGetProperty", "cusolverGetVersion", "cusolverDnGetStream",
         "cusolverSpGetStream"]
MODE_GUEST = None
MODE_HOST = None
GUEST_INCLUDE = ["gvm_cusolver.h"]
GUEST_AFTER = {
    "cusolverDnCreate": "gvm_cusolver_created((uint64_t)r.handle);",
    "cusolverSpCreate": "gvm_cusolver_created((uint64_t)r.handle);",
    "cusolverDnDestroy": "gvm_cusolver_destroyed((uint64_t)(uintptr_t)handle);",
    "cusolverSpDestroy": "gvm_cusolver_destroyed((uint64_t)(uintptr_t)handle);",
    "cusolverDnSetStream": "gvm_cusolver_set_stream((uint64_t)(uintptr_t)handle, streamId);",
    "cusolverSpSetStream": "gvm_cusolver_set_stream((uint64_t)(uintptr_t)handle, streamId);",
}
EXCEPTION = []
EXCEPTION_FILES = ["guest-lib/math/cusolver_local.c"]
UNSUPPORTED_PREFIX = {
    "cusolverDnLogger": "the library's own API log, written on the host",
}
NO_PROTOTYPE = "no prototype in the cuSOLVER headers: internal to NVIDIA's library"
_HOST_PTRS = "returns arrays the library allocates in host memory"
NOT_GENERIC = {
    "cusolverDnIRSInfosGetResidualHistory": "returns a pointer to memory the library holds",
    "cusolverDnXsyevdx": "vl and vu are host scalars of the matrix's data type",
    "cusolverRfExtractBundledFactorsHost": _HOST_PTRS,
    "cusolverRfExtractSplitFactorsHost": _HOST_PTRS,
    "cusolverRfAccessBundledFactorsDevice": "returns device arrays the library holds",
    "cusolverRfBatchSetupHost": "an array of host arrays",
    "cusolverRfBatchZeroPivot": "position is a host array of the batch's size, which the call "
                                "does not name",
    "cusolverRfBatchResetValues": "a host array of device arrays, one per matrix of the batch",
    "cusolverRfBatchSolve": "a host array of device arrays, one per matrix of the batch",
}
for _t in "SDCZ":
    NOT_GENERIC["cusolverSp%scsreigsHost" % _t] = \
        "complex corners of a region, host arrays of no size the call names"

# The low-level *Host calls' pBuffer: host memory of the size the info
# object's BufferInfoHost call returned (csrperm's: the handle's, of the
# size its bufferSizeHost call returned).  The host keeps one such buffer
# with each info object (made or grown by BufferInfoHost, charged to the
# session's host memory, freed with the object) and hands it to the
# factor, solve and zero-pivot calls in place of the guest's.
_INFO_KIND = {"csrqr": "CUSOLVER_CSRQR_INFO_HOST", "csrchol": "CUSOLVER_CSRCHOL_INFO_HOST",
              "csrlu": "CUSOLVER_CSRLU_INFO_HOST"}
HOST_WORK_CALL = {}
HOST_AFTER = {}
for _t in "SDCZ":
    for _fam, _kind in _INFO_KIND.items():
        HOST_AFTER["cusolverSp%s%sBufferInfoHost" % (_t, _fam)] = (
            "e = gvg_cusolver_info_size(c, q->info, GVW_H_%s, o_workspaceInBytes) ? "
            "CUSOLVER_STATUS_ALLOC_FAILED : CUSOLVER_STATUS_SUCCESS;" % _kind)
        for _f in ("FactorHost", "SolveHost"):
            HOST_WORK_CALL[("cusolverSp%s%s%s" % (_t, _fam, _f), "pBuffer")] = (
                "kept", "gvg_cusolver_info_work(c, q->info, GVW_H_%s, &a_pBuffer)" % _kind)
for _t in "SDCZ":
    HOST_WORK_CALL[("cusolverSp%scsrluExtractHost" % _t, "pBuffer")] = (
        "kept", "gvg_cusolver_info_work(c, q->info, GVW_H_CUSOLVER_CSRLU_INFO_HOST, &a_pBuffer)")
# The factors' order, kept with the info object by the host and shadowed
# by the guest; their nnz, shadowed by the guest (the host asks the library).
HOST_AFTER["cusolverSpXcsrluAnalysisHost"] = (
    "gvg_cusolver_lu_set_dim(c, q->info, a_n);")
GUEST_AFTER["cusolverSpXcsrluAnalysisHost"] = \
    "gvm_cusolver_lu_dims((uint64_t)(uintptr_t)info, n, -1, -1);"
GUEST_AFTER["cusolverSpXcsrluNnzHost"] = \
    "gvm_cusolver_lu_dims((uint64_t)(uintptr_t)info, -1, *nnzLRef, *nnzURef);"
GUEST_AFTER["cusolverSpDestroyCsrluInfoHost"] = \
    "gvm_cusolver_lu_forget((uint64_t)(uintptr_t)info);"
# csrperm's: the size cusolverSpXcsrperm_bufferSizeHost last gave, kept
# with the sparse handle in the same way.
HOST_AFTER["cusolverSpXcsrperm_bufferSizeHost"] = (
    "e = gvg_cusolver_info_size(c, q->handle, GVW_H_CUSOLVERSP, o_bufferSizeInBytes) ? "
    "CUSOLVER_STATUS_ALLOC_FAILED : CUSOLVER_STATUS_SUCCESS;")
HOST_WORK_CALL[("cusolverSpXcsrpermHost", "pBuffer")] = (
    "kept", "gvg_cusolver_info_work(c, q->handle, GVW_H_CUSOLVERSP, &a_pBuffer)")

# The async class is not used: every remote call waits for its reply.
ASYNC = None
ASYNC_SETTERS = set()
ASYNC_RESET = None


def async_guard(fn, names):
    return []


def host_array_checks(fn, names, arr):
    """C checks of a *Host call's arrays before NVIDIA's CPU code walks
    them (arr: parameter -> the host's copy, or NULL): a CSR structure
    within its own arrays, and permutations within the matrix."""
    rows = "a_m" if "m" in names else "a_n"
    cols = "a_n" if "n" in names else "a_m"
    nnz = "a_nnzA" if "nnzA" in names else "a_nnz"
    out = []
    rp = next((p for p in ("csrRowPtrA", "csrRowPtr") if p in arr), None)
    ci = next((p for p in ("csrColIndA", "csrColInd") if p in arr), None)
    if rp:
        out.append("gvg_cusolver_csr(c, a_descrA, %s, %s, %s, %s, %s, %s)" % (
            rows, cols, nnz, arr[rp], arr.get("csrEndPtrA", "NULL"), arr[ci] if ci else "NULL"))
    if fn == "cusolverRfSetupHost":
        # The refactorization's matrices are zero-based (no descriptor).
        out += ["gvg_cusolver_csr(c, NULL, a_n, a_n, a_nnz%s, %s, NULL, %s)" % (
            m, arr["h_csrRowPtr" + m], arr["h_csrColInd" + m]) for m in "ALU"]
    counts = host_arrays(fn, names)
    for p in ("p", "q_", "P", "h_P", "h_Q"):
        if p in arr and counts[p][0] in ("in", "io"):
            n = re.sub(r"\b([A-Za-z_]\w*)\b", r"a_\1", counts[p][1])
            out.append("gvg_cusolver_perm(%s, %s)" % (arr[p], n))
    return out


# The round-trip test's sparse host calls: an empty matrix (its index
# arrays are zero), which the host's checks accept.
TEST_VALUES = {}
for _fn in ("cusolverSp%s%s" % (t, f) for t in "SDCZX" for f in (
        "csrlsvluHost", "csrlsvqrHost", "csrlsvcholHost", "csrlsqvqrHost", "csreigvsiHost",
        "csrzfdHost", "csrsymrcmHost", "csrsymmdqHost", "csrsymamdHost", "csrmetisndHost",
        "csrperm_bufferSizeHost", "csrissymHost", "csrqrAnalysisHost", "csrcholAnalysisHost",
        "csrluAnalysisHost", "csrqrBufferInfoHost", "csrcholBufferInfoHost", "csrluBufferInfoHost",
        "csrqrSetupHost", "csrpermHost", "csrcholFactorHost", "csrluFactorHost")):
    for _p in ("nnz", "nnzA"):
        TEST_VALUES[(_fn, _p)] = "0"
for _p in ("nnzA", "nnzL", "nnzU"):
    TEST_VALUES[("cusolverRfSetupHost", _p)] = "0"
