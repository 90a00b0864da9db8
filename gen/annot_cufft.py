# SPDX-License-Identifier: MIT
"""The annotation table of cuFFT (cufft.h and the single-GPU parts of
cufftXt.h): what the headers do not say.  gvgen.py writes libcufft.so.12's
shim, its wire and its host dispatch from it (classes as in
gen/annot_cuda.py).

A plan is an int (cufftHandle): the guest holds the short form of a
handle of the session's table (index and kind, gvg_handle_small), which
fits it; the host checks it as any other handle.  Data and work areas are
device memory.
"""

LIBRARY = "cufft"
MATH = True
HEADER = "cufft.h"
EXTRA_HEADERS = ["cufftXt.h"]
SONAME = "libcufft.so.12"
EXPORTS_FROM = "/usr/local/cuda/lib64/libcufft.so"
RESULT_TYPE = "cufftResult"
API = "GV_API_CUFFT"
OP_BASE = 3500
STATUS = {
    "success": "CUFFT_SUCCESS",
    "invalid_value": "CUFFT_INVALID_VALUE",
    "invalid_handle": "CUFFT_INVALID_PLAN",
    "not_supported": "CUFFT_NOT_SUPPORTED",
    "out_of_memory": "CUFFT_ALLOC_FAILED",
    "no_host": "CUFFT_INTERNAL_ERROR",
    "exec_failed": "CUFFT_EXEC_FAILED",  # a launch in a context that has faulted
    "test_failure": "CUFFT_EXEC_FAILED",  # what the round-trip test injects
}

HANDLES = {"cufftHandle": "CUFFT_PLAN"}
DESTROYS = {"cufftDestroy": "plan"}
DESTROY_FN = {"cufftHandle": "cufftDestroy"}
CORE_HANDLES = {"cudaStream_t": "STREAM"}
VALUE_TYPES = set()
DEVICE_TYPE = None
BULK_IN = set()
BULK_OUT = set()
DEVRANGE = {}
MODAL = {}

# A plan's dimensions: host arrays of rank elements the call reads
# (NULL embeddings mean the basic layout, so NULL stays NULL).
ARRAY_COUNTS = {"rank"}
ARRAY_IN = {(f, a) for f in ("cufftPlanMany", "cufftMakePlanMany", "cufftMakePlanMany64",
                             "cufftGetSizeMany", "cufftGetSizeMany64", "cufftEstimateMany",
                             "cufftXtMakePlanMany", "cufftXtGetSizeMany")
            for a in ("n", "inembed", "onembed")}
ARRAY_NULLABLE = {"inembed", "onembed"}

DEVICE_NAMES = {"idata", "odata", "workArea", "input", "output"}


def is_device_pointer(fn, param, spelling):
    return param in DEVICE_NAMES


def scalar_count(fn, param):
    return 1


def scalar_bytes(fn, param, params):
    return None


MODE_GUEST = None
GUEST_AFTER = {}

LOCAL = ["cufftGetVersion", "cufftGetProperty"]
EXCEPTION = []
EXCEPTION_FILES = ["guest-lib/math/cufft_local.c"]
UNSUPPORTED_PREFIX = {
    "cufftXtSetCallback": "callbacks are device code linked into the library",
    "cufftXtClearCallback": "callbacks are device code linked into the library",
    "cufftXtSetJITCallback": "callbacks are device code linked into the library",
    "cufftXtMalloc": "multi-GPU descriptors: a guest plan runs on one GPU",
    "cufftXtFree": "multi-GPU descriptors: a guest plan runs on one GPU",
    "cufftXtMemcpy": "multi-GPU descriptors: a guest plan runs on one GPU",
    "cufftXtExecDescriptor": "multi-GPU descriptors: a guest plan runs on one GPU",
    "cufftXtSetGPUs": "multi-GPU plans: a guest plan runs on one GPU",
    "cufftXtQueryPlan": "multi-GPU plans: a guest plan runs on one GPU",
}
NOT_GENERIC = {
    "cufftXtSetWorkArea": "an array of work areas, one per GPU of a multi-GPU plan",
    "cufftXtSetWorkAreaPolicy": "workSize is an array, one per GPU of a multi-GPU plan",
}
# What makes a plan, for the round-trip test's calls that need a live one.
CREATE_FN = {"cufftHandle": "cufftCreate"}

# The async class (gen/gvasync.py): executions, once a plan has run one of
# the same key (plan, direction, alignment classes, in place or not).
ASYNC = r"^cufftExec(C2C|R2C|C2R|Z2Z|D2Z|Z2D)$|^cufftSetStream$"
# Set before every execution by PyTorch: queued once the same stream was set.
ASYNC_SETTERS = {"cufftSetStream"}
# Any other call but a stream's may change what an execution of a plan needs.
ASYNC_RESET = r"^(?!cufftSetStream$)"


def async_guard(fn, names):
    return []
