# SPDX-License-Identifier: MIT
"""The annotation table of cuDNN 9 (cudnn.h and the headers it includes):
what the headers do not say.  gvgen.py writes libcudnn.so.9's shim, its
wire and its host dispatch from it (classes as in gen/annot_cuda.py).  The
plugin "cudnn" serves it.

cuDNN's headers are not the toolkit's (they come with the library, in a
wheel or a tarball), so gvgen reads them from CUDNN_INCLUDE_DIR (default
/opt/cudnn/include) and skips cuDNN when they are absent.  The generated
code does not need them: gvgen also writes the declarations it uses
(include/gvirtus/gen/cudnn_decls.h), and the round-trip test goes into the
tree, as CI has no cudnn.h to regenerate it from.

The handle and every legacy descriptor are host objects behind handles of
the session's table, destroyed by their own calls and at session end
(host-worker/math_cudnn.c).  The backend (graph) API's descriptors are
handles of one kind; its Create, Destroy, Initialize, Finalize and Execute
are generated, SetAttribute and GetAttribute are hand-written
(guest-lib/math/cudnn_backend.c): their elements' type is an argument.
Data, workspace and reserve buffers are device memory; the scaling
factors (alpha, beta, ...) are always host memory, of float for every
data type but double (double): the guest shadows each tensor descriptor's
data type to know how many bytes to send.
"""
import os

LIBRARY = "cudnn"
MATH = True
HEADER = "cudnn_graph.h"
EXTRA_HEADERS = ["cudnn_ops.h", "cudnn_cnn.h", "cudnn_adv.h"]
# The umbrella header the declarations are read through.
UMBRELLA = "cudnn.h"
INCLUDE_DIR = os.environ.get("CUDNN_INCLUDE_DIR", "/opt/cudnn/include")
# The generated code's stand-in for cudnn.h (no cuDNN where CI builds).
DECLS = "gen/cudnn_decls.h"
# The round-trip test is committed: it cannot be regenerated without cudnn.h.
TESTS_IN_TREE = "tests/unit"
SONAME = "libcudnn.so.9"
# The names libcudnn.so.9 exports under its node (a list of facts, read
# from NVIDIA's library with nm -D), as no build machine here has it.
EXPORTS_FROM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exports",
                            "libcudnn.so.9.txt")
RESULT_TYPE = "cudnnStatus_t"
API = "GV_API_CUDNN"
OP_BASE = 9000
STATUS = {
    "success": "CUDNN_STATUS_SUCCESS",
    "invalid_value": "CUDNN_STATUS_BAD_PARAM",
    "invalid_handle": "CUDNN_STATUS_BAD_PARAM",
    "not_supported": "CUDNN_STATUS_NOT_SUPPORTED",
    "out_of_memory": "CUDNN_STATUS_ALLOC_FAILED",
    "no_host": "CUDNN_STATUS_NOT_INITIALIZED",
    "exec_failed": "CUDNN_STATUS_EXECUTION_FAILED",
    "test_failure": "CUDNN_STATUS_EXECUTION_FAILED",
}

# Each object type, its kind, the call that destroys it and that call's
# parameter.
_OBJECTS = [
    ("cudnnHandle_t", "CUDNN", "cudnnDestroy", "handle"),
    ("cudnnBackendDescriptor_t", "CUDNN_BACKEND", "cudnnBackendDestroyDescriptor", "descriptor"),
]
for _t, _p in (("Tensor", "tensorDesc"), ("Filter", "filterDesc"), ("Convolution", "convDesc"),
               ("Pooling", "poolingDesc"), ("Activation", "activationDesc"), ("LRN", "lrnDesc"),
               ("OpTensor", "opTensorDesc"), ("ReduceTensor", "reduceTensorDesc"),
               ("Dropout", "dropoutDesc"), ("SpatialTransformer", "stDesc"),
               ("CTCLoss", "ctcLossDesc"), ("RNN", "rnnDesc"), ("RNNData", "rnnDataDesc"),
               ("SeqData", "seqDataDesc"), ("Attn", "attnDesc"),
               ("TensorTransform", "transformDesc")):
    _OBJECTS.append(("cudnn%sDescriptor_t" % _t, "CUDNN_%s" % _t.upper(),
                     "cudnnDestroy%sDescriptor" % _t, _p))
_OBJECTS += [
    ("cudnnFusedOpsConstParamPack_t", "CUDNN_FUSED_CONST", "cudnnDestroyFusedOpsConstParamPack",
     "constPack"),
    ("cudnnFusedOpsVariantParamPack_t", "CUDNN_FUSED_VARIANT",
     "cudnnDestroyFusedOpsVariantParamPack", "varPack"),
    ("cudnnFusedOpsPlan_t", "CUDNN_FUSED_PLAN", "cudnnDestroyFusedOpsPlan", "plan"),
]
HANDLES = {t: k for t, k, _, _ in _OBJECTS}
DESTROYS = {fn: p for _, _, fn, p in _OBJECTS}
DESTROY_FN = {t: fn for t, _, fn, _ in _OBJECTS}
CORE_HANDLES = {"cudaStream_t": "STREAM"}
VALUE_TYPES = set()
DEVICE_TYPE = None
DEVRANGE = {}
BULK_IN = set()
BULK_OUT = set()

# The scaling factors: host memory always (cuDNN has no pointer mode), of
# the scaling type of the call's first tensor descriptor.
MODAL = {n: ("in", None) for n in (
    "alpha", "beta", "alpha1", "alpha2", "alphaDataDiff", "betaDataDiff", "alphaParamDiff",
    "betaParamDiff", "alphaDgrid", "betaDgrid")}
MODE_GUEST = "1"
MODAL_HOST_ONLY = True
MODE_HOST = "gvg_cudnn_host_scalars({host})"
GUEST_INCLUDE = ["gvm_cudnn.h"]
GUEST_AFTER = {
    "cudnnCreate": "gvm_cudnn_created((cudnnHandle_t)(uintptr_t)r.handle);",
    "cudnnDestroy": "gvm_cudnn_destroyed(handle);",
    "cudnnSetStream": "gvm_cudnn_set_stream(handle, streamId);",
    "cudnnSetTensor4dDescriptor": "gvm_cudnn_tensor_type(tensorDesc, dataType);",
    "cudnnSetTensor4dDescriptorEx": "gvm_cudnn_tensor_type(tensorDesc, dataType);",
    "cudnnSetTensorNdDescriptor": "gvm_cudnn_tensor_type(tensorDesc, dataType);",
    "cudnnSetTensorNdDescriptorEx": "gvm_cudnn_tensor_type(tensorDesc, dataType);",
    "cudnnDestroyTensorDescriptor": "gvm_cudnn_tensor_gone(tensorDesc);",
    "cudnnDeriveBNTensorDescriptor": "gvm_cudnn_tensor_derived(derivedBnDesc, xDesc);",
    "cudnnDeriveNormTensorDescriptor":
        "(gvm_cudnn_tensor_derived(derivedNormScaleBiasDesc, xDesc), "
        "gvm_cudnn_tensor_derived(derivedNormMeanVarDesc, xDesc));",
}

# Host memory of no size the header declares: a callback's user data,
# the fused-ops packs' attribute values, a padding value.
HOST_NAMES = {"udata", "valuePtr", "param", "ptr", "paddingFill", "arrayOfElements"}


def is_device_pointer(fn, param, spelling):
    """Data, workspaces and reserve spaces: every other void pointer."""
    s = spelling.replace("const", "").replace(" ", "")
    return s == "void*" and param not in HOST_NAMES


def scalar_count(fn, param):
    return 1


_TENSOR_PARAMS = {}


def scalar_bytes(fn, param, params):
    """A scaling factor's bytes, by the call's first tensor descriptor."""
    desc = _TENSOR_PARAMS.get(fn)
    if not desc:
        return None
    return "gvm_cudnn_scalar_bytes(%s)" % desc


# Buffers the call is told the size of: the host checks the whole range
# lies in the session's memory (DEVRANGE), not only its start.
_SIZED = {"workSpace": ("workSpaceSizeInBytes", "workspaceSizeInBytes", "workSpaceSize"),
          "workspace": ("workSpaceSizeInBytes", "workspaceSizeInBytes", "workSpaceSize"),
          "reserveSpace": ("reserveSpaceSizeInBytes", "reserveSpaceSize"),
          "states": ("stateSizeInBytes",), "weightSpace": ("weightSpaceSize",),
          "dweightSpace": ("weightSpaceSize",), "indices": ("indicesSizeInBytes",)}


def note_params(fn, params):
    """gvgen tells the table each call's parameters: (name, type)."""
    names = [n for n, _ in params]
    for n, t in params:
        if t.replace("const ", "") == "cudnnTensorDescriptor_t" and fn not in _TENSOR_PARAMS:
            _TENSOR_PARAMS[fn] = n
        for size in _SIZED.get(n, ()):
            if size in names and t.replace(" ", "") in ("void*", "constvoid*"):
                DEVRANGE[(fn, n)] = size
                break


# Arrays of dimensions, strides and paddings: the count is nbDims or
# arrayLength, the arrays are read.
ARRAY_COUNTS = {"nbDims", "arrayLength"}


class _ReadArrays:
    """(call, parameter) of an int array the call reads, by its name."""
    NAMES = {"dimA", "strideA", "padA", "filterStrideA", "dilationA", "windowDimA", "paddingA",
             "filterDimA", "upscaleA"}

    def __contains__(self, key):
        return key[1] in self.NAMES


ARRAY_IN = _ReadArrays()

# Answered in the guest: versions, properties and status strings are the
# headers'; the stream is the guest's shadow of it.
# cudnnGetMaxDeviceVersion is not: the headers do not say what the host's
# library would answer, and a size_t result has no status to fail with.
LOCAL = ["cudnnGetVersion", "cudnnGetCudartVersion", "cudnnGetProperty", "cudnnGetErrorString", "cudnnGetLastErrorString", "cudnnGetStream"]
# The backend API's attributes: hand-written (cudnn_backend.c), their
# element type and count are arguments.
EXCEPTION = ["cudnnBackendSetAttribute", "cudnnBackendGetAttribute"]
# The host's hand-written handlers call them (handlers_cudnn_backend.c).
HOST_CALLS = EXCEPTION
EXCEPTION_FILES = ["guest-lib/math/cudnn_local.c", "guest-lib/math/cudnn_backend.c"]
UNSUPPORTED_PREFIX = {
    "cudnnSetCallback": "the library's own API log, written on the host",
    "cudnnGetCallback": "the library's own API log, written on the host",
    "cudnnBackendPopulateCudaGraph": "CUDA graphs built inside the host library are not remoted",
    "cudnnBackendUpdateCudaGraph": "CUDA graphs built inside the host library are not remoted",
}
NO_PROTOTYPE = "no prototype in cudnn.h"
# Host arrays whose length the descriptors decide (the batch, the labels'
# total), which the wire cannot size.
NOT_GENERIC = {"cudnnGetCTCLossWorkspaceSize":
               "its label and length arrays are host memory sized by the descriptors' batch"}
# The algorithm searches write up to requestedAlgoCount results: they come
# back in a bulk buffer of that many, never into one result on the host.
BULK_OUT_ELEMS = {("cudnn%s" % f, "perfResults"): "requestedAlgoCount" for f in (
    "FindConvolutionForwardAlgorithm", "FindConvolutionForwardAlgorithmEx",
    "FindConvolutionBackwardDataAlgorithm", "FindConvolutionBackwardDataAlgorithmEx",
    "FindConvolutionBackwardFilterAlgorithm", "FindConvolutionBackwardFilterAlgorithmEx",
    "GetConvolutionForwardAlgorithm_v7", "GetConvolutionBackwardDataAlgorithm_v7",
    "GetConvolutionBackwardFilterAlgorithm_v7")}

# The async class (gen/gvasync.py): PyTorch sets the handle's stream before
# every cuDNN call; once a value has been set on a handle, setting it again
# is queued (the stream must be one the process knows).  Compute calls take
# descriptors PyTorch makes anew for each call, so their keys never repeat:
# they stay synchronous.
ASYNC = r"^cudnnSetStream$"
ASYNC_SETTERS = {"cudnnSetStream"}
ASYNC_RESET = r"^cudnnDestroy$"  # a handle's learned values go with it


def async_guard(fn, names):
    return []
RESULT_ENUM = "cudnnStatus_t"  # names for cudnnGetErrorString
# Results, not the counts of arrays (their names only look like counts).
NOT_COUNT = {("cudnnGetConvolution%sAlgorithmMaxCount" % k, "count")
             for k in ("Forward", "BackwardData", "BackwardFilter")}
NOT_COUNT |= {("cudnnGetTensor4dDescriptor", p) for p in ("nStride", "cStride", "hStride",
                                                           "wStride")}
