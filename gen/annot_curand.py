# SPDX-License-Identifier: MIT
"""The annotation table of cuRAND's host API (curand.h): what the header
does not say.  gvgen.py reads curand.h and writes libcurand.so.10's shim,
its wire and its host dispatch (see gen/annot_cuda.py for the classes).

Generators are host objects of the worker; a host generator
(curandCreateGeneratorHost) is a handle of its own kind, so its output
(guest memory) and a device generator's (device memory) are never mixed
up, whatever the guest claims.
"""

LIBRARY = "curand"
MATH = True
HEADER = "curand.h"
SONAME = "libcurand.so.10"
EXPORTS_FROM = "/usr/local/cuda/lib64/libcurand.so"
RESULT_TYPE = "curandStatus_t"
API = "GV_API_CURAND"
OP_BASE = 3000
# The library's statuses for what the shim and the host's checks find.
STATUS = {
    "success": "CURAND_STATUS_SUCCESS",
    "invalid_value": "CURAND_STATUS_OUT_OF_RANGE",
    "invalid_handle": "CURAND_STATUS_NOT_INITIALIZED",
    "not_supported": "CURAND_STATUS_INTERNAL_ERROR",  # cuRAND has no not-supported status
    "out_of_memory": "CURAND_STATUS_ALLOCATION_FAILED",
    "no_host": "CURAND_STATUS_INITIALIZATION_FAILED",
    "type_error": "CURAND_STATUS_TYPE_ERROR",
    "exec_failed": "CURAND_STATUS_LAUNCH_FAILURE",  # a launch in a context that has faulted
    "test_failure": "CURAND_STATUS_LAUNCH_FAILURE",  # what the round-trip test injects
}

HANDLES = {"curandGenerator_t": "CURAND_GENERATOR"}
# A handle type whose objects come in a second kind: the call's modal
# pointers are host memory exactly when the handle is of that kind.
HOST_KIND = {"curandGenerator_t": "CURAND_HOST_GENERATOR"}
CREATES_HOST_KIND = {"curandCreateGeneratorHost"}
DESTROYS = {"curandDestroyGenerator": "generator"}
CORE_HANDLES = {"cudaStream_t": "STREAM"}
VALUE_TYPES = set()
DEVICE_TYPE = None
BULK_IN = set()
BULK_OUT = set()
DEVRANGE = {}

# Output buffers of num elements: device memory for a device generator,
# guest memory (a bulk buffer back) for a host generator.
MODAL = {"outputPtr": ("buf", "num")}
for _f in ("Normal", "NormalDouble", "LogNormal", "LogNormalDouble", "Poisson", "PoissonMethod"):
    MODAL[("curandGenerate" + _f, "outputPtr")] = ("buf", "n")

LOCAL = ["curandGetVersion", "curandGetProperty"]
# The library's host tables, fetched once over CURAND_TABLE
# (host-worker/handlers_curand.c), which calls these on the host.
EXCEPTION = ["curandGetDirectionVectors32", "curandGetDirectionVectors64",
             "curandGetScrambleConstants32", "curandGetScrambleConstants64"]
HOST_CALLS = EXCEPTION
EXCEPTION_FILES = ["guest-lib/math/curand_local.c"]
UNSUPPORTED_PREFIX = {}
NOT_GENERIC = {}
# A Poisson distribution is a device object whose address kernels
# dereference (curand_discrete): the guest holds the address itself, and
# the host finds it among the session's own before any use.
HANDLES["curandDiscreteDistribution_t"] = "CURAND_DISTRIBUTION"
RAW_HANDLES = {"curandDiscreteDistribution_t"}
DESTROYS["curandDestroyDistribution"] = "discrete_distribution"

# The guest's say on a call's mode, and what the host holds it to.
MODE_GUEST = "gvm_host_object(&gvm_lib_{lib}, (uint64_t)(uintptr_t){handle})"
GUEST_AFTER = {
    "curandCreateGeneratorHost": "gvm_host_object_add(&gvm_lib_curand, r.generator);",
    "curandDestroyGenerator": "gvm_host_object_del(&gvm_lib_curand, q.generator);",
}
# What frees an object the session may not keep (past its handle limit).
DESTROY_FN = {"curandGenerator_t": "curandDestroyGenerator",
              "curandDiscreteDistribution_t": "curandDestroyDistribution"}


def is_device_pointer(fn, param, spelling):
    """cuRAND's only pointers to device memory are its modal outputs."""
    return False


def scalar_count(fn, param):
    return 1


def scalar_bytes(fn, param, params):
    return None

# The async class (gen/gvasync.py): device generators' output, once a
# call of the same key (generator, count, parameters, alignment class)
# has succeeded.
ASYNC = r"^curandGenerate(?!Seeds)|^curandSetStream$"
ASYNC_SETTERS = {"curandSetStream"}
# Seeds, offsets, orderings and dimensions decide what a call may ask (a
# stream does not).
ASYNC_RESET = r"^(?!curandSetStream$)"


def async_guard(fn, names):
    return []
