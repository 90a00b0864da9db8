/* SPDX-License-Identifier: MIT */
/*
 * The gvirtus wire protocol: one definition for the virtio path and the
 * TCP path.  All fields are fixed-width little-endian; structs are packed
 * and their sizes are part of the protocol (checked by _Static_assert
 * here and by the receiver against the bytes it got).
 *
 * A transport request carries one or more messages back to back.  Each
 * message is a gv_msg_hdr and payload_len bytes of the op's request
 * struct, and consumes the next nbulk bulk buffers of the transport
 * request (virtio: page lists; TCP: counted byte runs).  Every message
 * without GV_MSG_F_NO_REPLY gets one response message, in order.
 */
#ifndef GVIRTUS_PROTOCOL_H
#define GVIRTUS_PROTOCOL_H

#include <stdint.h>

#include "bulk.h"
#include "gen/cublasLt_msgs.h"
#include "gen/cublas_msgs.h"
#include "gen/cuda_msgs.h"
#include "gen/cudnn_msgs.h"
#include "gen/cufft_msgs.h"
#include "gen/curand_msgs.h"
#include "gen/cusolver_msgs.h"
#include "gen/cusparse_msgs.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gvirtus lays protocol structs out in host order: little-endian hosts only"
#endif

#define GV_MSG_MAGIC	    0x54525647u /* "GVRT" */
#define GV_RESP_MAGIC	    0x50525647u /* "GVRP" */
#define GV_PROTOCOL_VERSION 5u

#define GV_MSG_F_NO_REPLY 1u

/*
 * Ops from GV_OP_FIRST_LIB on are the math libraries' generated calls,
 * whose result is their library's status, not a cudaError_t.  A deferred
 * failure of one travels as its op and status, negative.
 */
#define GV_OP_FIRST_LIB 3000u
/* Each library's ops (gen/annot_<lib>.py's OP_BASE), in order. */
enum gv_lib_ops {
	GV_OPS_CURAND = 3000,
	GV_OPS_CUFFT = 3500,
	GV_OPS_CUBLAS = 4000,
	GV_OPS_CUBLASLT = 6000,
	GV_OPS_CUSPARSE = 7000,
	GV_OPS_CUSOLVER = 8000,
	GV_OPS_CUDNN = 9000,
	GV_OPS_LIB_END = 10000,
};
#define GV_DEFERRED_LIB(op, status)                                                                \
	((int32_t)(0x80000000u | ((uint32_t)(op)&0x7fffu) << 16 | ((uint32_t)(status)&0xffffu)))
#define GV_DEFERRED_OP(d)     (((uint32_t)(d) >> 16) & 0x7fffu)
#define GV_DEFERRED_STATUS(d) ((int32_t)((uint32_t)(d)&0xffffu))

/*
 * The APIs a host serves a session (properties.json "plugins"): each
 * library's calls fail with its not-supported error on a host that does
 * not serve it.
 */
#define GV_API_CUDART	1u   /* "cudart": the runtime API */
#define GV_API_CUDADR	2u   /* "cudadr": the driver API */
#define GV_API_CUBLAS	4u   /* "cublas": cuBLAS and cuBLASLt */
#define GV_API_CUFFT	8u   /* "cufft" */
#define GV_API_CURAND	16u  /* "curand" */
#define GV_API_CUSPARSE 32u  /* "cusparse" */
#define GV_API_CUDNN	64u  /* "cudnn" */
#define GV_API_CUSOLVER 128u /* "cusolver" */
#define GV_API_ALL                                                                                 \
	(GV_API_CUDART | GV_API_CUDADR | GV_API_CUBLAS | GV_API_CUFFT | GV_API_CURAND |            \
	 GV_API_CUSPARSE | GV_API_CUDNN | GV_API_CUSOLVER)
#define GV_API_LISTED 0x80000000u /* set whenever a "plugins" list chose: never 0 */

struct __attribute__((packed)) gv_msg_hdr {
	uint32_t magic;	  /* GV_MSG_MAGIC */
	uint16_t version; /* GV_PROTOCOL_VERSION */
	uint16_t flags;	  /* GV_MSG_F_* */
	uint32_t op;	  /* enum gv_op */
	uint32_t device;  /* the caller's current device ordinal */
	uint64_t req_id;
	uint32_t payload_len;
	uint32_t nbulk;
};
_Static_assert(sizeof(struct gv_msg_hdr) == 32, "gv_msg_hdr is 32 bytes");

/* Transport-level status of one message, before any CUDA semantics. */
enum gv_status {
	GV_OK = 0,
	GV_EMAGIC = 1,	 /* not a gvirtus message */
	GV_EVERSION = 2, /* protocol version differs; see hello */
	GV_EOP = 3,	 /* unknown op */
	GV_ELEN = 4,	 /* payload or bulk length wrong for the op */
	GV_ENOMEM = 5,	 /* host could not allocate */
	GV_ERESP = 6,	 /* response would not fit the guest's room */
};

struct __attribute__((packed)) gv_resp_hdr {
	uint32_t magic;	  /* GV_RESP_MAGIC */
	uint16_t version; /* the host's GV_PROTOCOL_VERSION */
	uint8_t status;	  /* enum gv_status */
	uint8_t flags;	  /* GV_RESP_F_* */
	uint32_t op;
	int32_t result; /* cudaError_t of the call when status is GV_OK */
	uint64_t req_id;
	uint32_t payload_len;
	/*
	 * The first failure of a GV_MSG_F_NO_REPLY message the host ran since
	 * its previous response, or 0: an asynchronous call's error, which the
	 * guest reports where the native runtime would have.  A cudaError_t,
	 * or, negative, a math library's status (gv_deferred_lib).
	 */
	int32_t deferred;
};
_Static_assert(sizeof(struct gv_resp_hdr) == 32, "gv_resp_hdr is 32 bytes");
/*
 * The session's worker printed on its stdout or stderr (device printf, a
 * library's diagnostics) and the bytes wait for the guest program: it fetches them
 * with TAKE_OUTPUT before it returns from the call, as the native driver
 * would have written them during it.
 */
#define GV_RESP_F_OUTPUT 0x01u

/* Ops.  calls.def lists each once with its request and response types. */
enum gv_op {
#define GV_OP(name, num, req, resp, nbulk, tail) GV_OP_##name = num,
#include "calls.def"
#undef GV_OP
	GV_OP_LIMIT
};

/* ---- payloads ---- */

struct __attribute__((packed)) gv_empty {
	uint8_t unused[0];
};

struct __attribute__((packed)) gv_hello_req {
	uint32_t guest_version;
	uint32_t pid; /* for host logs only */
};
struct __attribute__((packed)) gv_hello_resp {
	uint32_t host_version;
	uint32_t session_id;
	int32_t driver_version;	     /* cuDriverGetVersion on the host */
	int32_t device_count;	     /* devices this guest may use */
	int32_t device_count_result; /* cudaError_t of counting them */
	uint32_t apis;		     /* GV_API_* this host serves the session */
};

/*
 * The guest process's CUDA_VISIBLE_DEVICES (VISIBLE_DEVICES, after HELLO
 * and before any context): the tail holds it as a string; the session's
 * devices become those it names, in its order, as natively (indices of the
 * devices HELLO counted, or GPU- UUIDs; the list ends at the first entry
 * that names none or one already named).  The response is HELLO's, with
 * the new count.
 */
#define GV_MAX_VISIBLE 1024

#define GV_NAME_LEN   256
#define GV_ATTR_SLOTS 256 /* indexed by cudaDeviceAttr / CUdevice_attribute */

struct __attribute__((packed)) gv_device_info_resp {
	char name[GV_NAME_LEN];
	uint8_t uuid[16];
	uint8_t luid[8];
	uint32_t luid_node_mask;
	uint32_t reserved;
	uint64_t total_mem;
	uint8_t attr_valid[GV_ATTR_SLOTS / 8]; /* bit i: attrs[i] is real */
	int32_t attrs[GV_ATTR_SLOTS];
};

struct __attribute__((packed)) gv_mem_info_resp {
	uint64_t free_bytes;
	uint64_t total_bytes;
};

struct __attribute__((packed)) gv_malloc_req {
	uint64_t size;
};
struct __attribute__((packed)) gv_ptr_resp {
	uint64_t ptr;
};
/* MALLOC_MANAGED: cudaMallocManaged's size and flags (cudaMemAttach*). */
struct __attribute__((packed)) gv_malloc_managed_req {
	uint64_t size;
	uint32_t flags;
	uint32_t reserved; /* 0 */
};
/*
 * MANAGED_READ / MANAGED_WRITE: len bytes at ptr, inside one managed
 * allocation of the session, read or written by the host's CPU into or
 * from the bulk buffer (guest-lib/managed.c keeps the guest's copy).
 */
struct __attribute__((packed)) gv_managed_io_req {
	uint64_t ptr;
	uint64_t len;
};
struct __attribute__((packed)) gv_ptr_req {
	uint64_t ptr;
};

struct __attribute__((packed)) gv_malloc_pitch_req {
	uint64_t width;
	uint64_t height;
};
struct __attribute__((packed)) gv_malloc_pitch_resp {
	uint64_t ptr;
	uint64_t pitch;
};

/* H2D: bulk[0] TO_HOST of size bytes.  D2H: bulk[0] FROM_HOST. */
struct __attribute__((packed)) gv_memcpy_req {
	uint64_t dst; /* device address, or 0 where the host side is bulk */
	uint64_t src;
	uint64_t size;
	uint64_t stream; /* a stream handle, or 0, 1 (legacy), 2 (per thread) */
};

struct __attribute__((packed)) gv_memset_req {
	uint64_t dst;
	uint64_t size;
	int32_t value;
	uint32_t reserved;
	uint64_t stream;
};

/*
 * 2D copies.  kind is cudaMemcpyKind restricted to H2D, D2H, D2D.  The host
 * side of H2D/D2H travels as one bulk buffer spanning
 * (height - 1) * host_pitch + width bytes, and dst/src of that side is 0.
 */
struct __attribute__((packed)) gv_memcpy2d_req {
	uint64_t dst;
	uint64_t dpitch;
	uint64_t src;
	uint64_t spitch;
	uint64_t width;
	uint64_t height;
	uint32_t kind;
	uint32_t reserved;
	uint64_t stream;
};

enum gv_mem_type {
	GV_MEM_UNREGISTERED = 0,
	GV_MEM_HOST = 1,
	GV_MEM_DEVICE = 2,
	GV_MEM_MANAGED = 3,
};
struct __attribute__((packed)) gv_pointer_attrs_resp {
	uint32_t type;	/* enum gv_mem_type */
	int32_t device; /* guest ordinal */
	uint64_t device_ptr;
	uint64_t alloc_base;
	uint64_t alloc_size;
};

/*
 * Handles.  Modules, functions, streams and events live in the session's
 * handle table on the host; the guest holds opaque 64-bit values that are
 * never 0, 1 or 2 (those name the default streams) and are checked for
 * kind and generation on every use.
 */
#define GV_STREAM_DEFAULT    0u
#define GV_STREAM_LEGACY     1u
#define GV_STREAM_PER_THREAD 2u

#define GV_MAX_NAME	   4096	 /* kernel and symbol names, mangled */
#define GV_MAX_ARGS	   32768 /* kernel argument bytes (CUDA allows 32764) */
#define GV_INLINE_COPY_MAX 4096	 /* a queued cudaMemcpyAsync's bytes (MEMCPY_HTOD_INLINE) */
#define GV_MAX_PARAMS	   1024
#define GV_MAX_ARRAY	   1024 /* elements of an array a generated call carries */

struct __attribute__((packed)) gv_handle_req {
	uint64_t handle;
};
struct __attribute__((packed)) gv_handle_resp {
	uint64_t handle;
};
struct __attribute__((packed)) gv_int_resp {
	int32_t value;
	uint32_t reserved;
};
struct __attribute__((packed)) gv_float_resp {
	float value;
	uint32_t reserved;
};

/* The fatbin travels as bulk[0]; the host loads it in the caller's context. */
struct __attribute__((packed)) gv_module_load_req {
	uint64_t size;
};

/*
 * A name follows the struct: name_len bytes, no terminator.  size is what
 * the guest registered for a global; only the CPU reference executor,
 * which cannot read it from the module, uses it.
 */
struct __attribute__((packed)) gv_name_req {
	uint64_t module;
	uint32_t name_len;
	uint32_t reserved;
	uint64_t size;
};

struct __attribute__((packed)) gv_param_info {
	uint32_t offset;
	uint32_t size;
};
struct __attribute__((packed)) gv_function_resp {
	uint64_t function;
	uint32_t nparams;
	uint32_t args_size; /* bytes of the packed argument block */
	struct gv_param_info params[GV_MAX_PARAMS];
};

/*
 * The driver's logs of the session's worker process (LOGS_DUMP): at most
 * size bytes, NUL included, into the guest's buffer of that size, from
 * the iterator (none: all of them), as cuLogsDumpToMemory writes them.
 */
#define GV_MAX_LOGS_DUMP 65536u /* the driver keeps 25600 bytes */
struct __attribute__((packed)) gv_logs_dump_req {
	uint32_t has_iterator;
	uint32_t iterator; /* CUlogIterator */
	uint64_t size;
	uint32_t flags;
	uint32_t reserved;
};
struct __attribute__((packed)) gv_logs_dump_resp {
	uint32_t iterator;
	uint32_t reserved;
	uint64_t size; /* written, without the NUL */
};

/*
 * A graph in DOT (GRAPH_DOT): what cuGraphDebugDotPrint writes, into the
 * guest's buffer when it has room (none: only the size), for the guest to
 * write its own file.
 */
#define GV_MAX_GRAPH_DOT (64u << 20)
struct __attribute__((packed)) gv_graph_dot_req {
	uint64_t graph;
	uint64_t buf_len;
	uint32_t flags;
	uint32_t reserved;
};
struct __attribute__((packed)) gv_graph_dot_resp {
	uint64_t size;
};

/*
 * A tensor map (TENSOR_MAP): cuTensorMapEncodeTiled, Im2col, Im2colWide or
 * ReplaceAddress's arguments, each array with the elements its rank
 * gives (the rest zero); the 128-byte map comes back.
 */
#define GV_TENSOR_MAP_MAX_RANK 5
enum gv_tensor_map_op {
	GV_TENSOR_MAP_TILED = 0,
	GV_TENSOR_MAP_IM2COL = 1,
	GV_TENSOR_MAP_IM2COL_WIDE = 2,
	GV_TENSOR_MAP_REPLACE = 3,
};
struct __attribute__((packed)) gv_tensor_map_req {
	uint32_t op; /* enum gv_tensor_map_op */
	uint32_t data_type, rank, interleave, swizzle, l2_promotion, oob_fill, wide_mode;
	uint32_t channels_per_pixel, pixels_per_column;
	int32_t lower_width, upper_width; /* IM2COL_WIDE */
	uint64_t address;
	uint64_t dims[GV_TENSOR_MAP_MAX_RANK];
	uint64_t strides[GV_TENSOR_MAP_MAX_RANK]; /* rank - 1 of them */
	uint32_t box[GV_TENSOR_MAP_MAX_RANK];	  /* TILED */
	uint32_t element_strides[GV_TENSOR_MAP_MAX_RANK];
	int32_t lower[GV_TENSOR_MAP_MAX_RANK], upper[GV_TENSOR_MAP_MAX_RANK]; /* IM2COL: rank - 2 */
	uint64_t map[16];						      /* REPLACE */
};
struct __attribute__((packed)) gv_tensor_map_resp {
	uint64_t map[16];
};

/* A function's name, as the host looked it up, and its module (FUNC_NAME). */
struct __attribute__((packed)) gv_func_name_resp {
	uint32_t len; /* without a NUL */
	uint32_t reserved;
	uint64_t module; /* the module's handle */
	char name[GV_MAX_NAME];
};

struct __attribute__((packed)) gv_global_resp {
	uint64_t ptr;
	uint64_t size;
};

/* args_len bytes of packed arguments follow the struct. */
struct __attribute__((packed)) gv_launch_req {
	uint64_t function;
	uint32_t grid[3];
	uint32_t block[3];
	uint32_t shared_mem;
	uint32_t args_len;
	uint64_t stream;
};

/*
 * A launch with attributes (cooperative, clusters, priority...): LAUNCH's
 * request, then the attributes, each a CUlaunchAttributeID and its 64-byte
 * CUlaunchAttributeValue; the packed arguments follow as for LAUNCH.
 */
#define GV_MAX_LAUNCH_ATTRS 8
struct __attribute__((packed)) gv_launch_attr {
	uint32_t id;
	uint32_t reserved;
	uint8_t value[64];
};
struct __attribute__((packed)) gv_launch_ex_req {
	struct gv_launch_req launch;
	uint32_t nattrs;
	uint32_t reserved;
	struct gv_launch_attr attrs[GV_MAX_LAUNCH_ATTRS];
};

/*
 * The occupancy of clusters (OCCUPANCY_CLUSTERS): a launch configuration as
 * LAUNCH_EX has it, without arguments; the answer in a gv_int_resp.
 */
enum gv_occupancy_clusters {
	GV_OCC_MAX_ACTIVE_CLUSTERS = 0,
	GV_OCC_MAX_POTENTIAL_CLUSTER_SIZE = 1,
};
struct __attribute__((packed)) gv_occupancy_clusters_req {
	uint32_t which; /* enum gv_occupancy_clusters */
	uint32_t reserved;
	struct gv_launch_ex_req config; /* its args_len 0 */
};

/*
 * A stream's capture: its status (CUstreamCaptureStatus), id, graph and the
 * nodes the next captured work will depend on, with their edge data (8
 * bytes each, CUgraphEdgeData), when asked for.
 */
#define GV_MAX_CAPTURE_DEPS   64
#define GV_CAPTURE_WANT_GRAPH 1u
#define GV_CAPTURE_WANT_DEPS  2u
#define GV_CAPTURE_WANT_EDGES 4u
/*
 * CURAND_TABLE: one of cuRAND's host tables for quasi-random generation
 * in kernels (curandGetDirectionVectors32/64, curandGetScrambleConstants
 * 32/64), copied whole into the bulk buffer, of exactly the table's size.
 * The result is a curandStatus_t.
 */
enum gv_curand_table {
	GV_CURAND_DIRECTIONS_32, /* 20000 curandDirectionVectors32_t of set */
	GV_CURAND_DIRECTIONS_64, /* 20000 curandDirectionVectors64_t of set */
	GV_CURAND_SCRAMBLE_32,	 /* 20000 unsigned int */
	GV_CURAND_SCRAMBLE_64,	 /* 20000 unsigned long long */
};
#define GV_CURAND_DIMENSIONS 20000u
struct __attribute__((packed)) gv_curand_table_req {
	uint32_t table; /* enum gv_curand_table */
	uint32_t set;	/* curandDirectionVectorSet_t, for the direction vectors */
};

/* cuBLASLt's objects whose attributes LT_SET_ATTR sets. */
enum gv_lt_kind {
	GV_LT_MATMUL_DESC,
	GV_LT_LAYOUT,
	GV_LT_PREFERENCE,
	GV_LT_TRANSFORM_DESC,
};
#define GV_LT_ATTR_MAX 256 /* a value's bytes: every attribute's fit */
struct __attribute__((packed)) gv_lt_set_attr_req {
	uint64_t object; /* its handle */
	uint32_t kind;	 /* enum gv_lt_kind */
	int32_t attr;
	uint32_t size; /* the tail's length */
};

/*
 * cuDNN's backend attributes (guest-lib/math/cudnn_backend.c), whose
 * elements' type and count are arguments (cudnn_attr.h gives an element's
 * bytes by type).  CUDNN_BE_SET: the elements in the tail; descriptors,
 * the cuDNN handle and device pointers among them as the session's handle
 * values and the guest's addresses, which the host checks and maps.
 * CUDNN_BE_GET: the elements come back in the bulk buffer; descriptors
 * the caller made for the library to fill travel in the tail instead
 * (their handle values), and nothing comes back for them but the count.
 * The results are cudnnStatus_t.
 */
#define GV_CUDNN_ATTR_MAX     32768	 /* an attribute's bytes in a tail */
#define GV_CUDNN_ATTR_GET_MAX (1u << 20) /* ... coming back in bulk (a plan's JSON) */
struct __attribute__((packed)) gv_cudnn_be_set_req {
	uint64_t desc; /* its handle */
	int32_t name;  /* cudnnBackendAttributeName_t */
	int32_t type;  /* cudnnBackendAttributeType_t */
	int64_t count; /* elements in the tail */
};
struct __attribute__((packed)) gv_cudnn_be_get_req {
	uint64_t desc;
	int32_t name;
	int32_t type;
	int64_t requested;  /* elements the caller's array holds */
	uint8_t want_count; /* the caller asked for the count */
	uint8_t has_array;  /* the caller passed an array */
	uint8_t reserved[6];
};
struct __attribute__((packed)) gv_cudnn_be_get_resp {
	int64_t count;
};

struct __attribute__((packed)) gv_capture_info_req {
	uint64_t stream;
	uint32_t want; /* GV_CAPTURE_WANT_* */
	uint32_t reserved;
};
struct __attribute__((packed)) gv_capture_info_resp {
	uint32_t status;
	uint32_t has_edges; /* 0: every edge is the default one */
	uint64_t id;
	uint64_t graph;
	uint64_t ndeps;
	uint64_t deps[GV_MAX_CAPTURE_DEPS];
	uint8_t edges[GV_MAX_CAPTURE_DEPS][8];
};

/*
 * A graph's nodes, roots or edges, or a node's dependencies or dependents
 * (GRAPH_NODES).  With GV_GRAPH_WANT_NODES the host writes count entries
 * into the bulk buffer, each one or two node handles (two for edges: from,
 * then to) and, with GV_GRAPH_WANT_EDGE_DATA, 8 bytes of edge data; a
 * missing node is 0.  The response holds the number the driver reports.
 */
enum gv_graph_nodes_what {
	GV_GRAPH_ALL_NODES = 0,
	GV_GRAPH_ROOT_NODES = 1,
	GV_GRAPH_EDGES = 2,
	GV_GRAPH_NODE_DEPS = 3,
	GV_GRAPH_NODE_DEPENDENTS = 4,
};
#define GV_GRAPH_WANT_NODES	(1u << 0)
#define GV_GRAPH_WANT_EDGE_DATA (1u << 1)
#define GV_MAX_GRAPH_ENTRIES	(1u << 20) /* entries one request lists */
struct __attribute__((packed)) gv_graph_nodes_req {
	uint64_t handle; /* the graph, or the node */
	uint32_t what;	 /* enum gv_graph_nodes_what */
	uint32_t want;	 /* GV_GRAPH_WANT_* */
	uint64_t count;	 /* entries the caller has room for */
};
struct __attribute__((packed)) gv_graph_nodes_resp {
	uint64_t count;
};

/*
 * A graph's kernel node (KERNEL_NODE): added to a graph after ndeps nodes,
 * or its parameters set in the graph or in an executable graph.  LAUNCH's
 * function, geometry and packed arguments (its stream unused); the tail
 * holds the arguments, then ADD's dependencies as node handles.
 */
enum gv_kernel_node_op {
	GV_KERNEL_NODE_ADD = 0,
	GV_KERNEL_NODE_SET = 1,
	GV_KERNEL_NODE_EXEC_SET = 2,
};
struct __attribute__((packed)) gv_kernel_node_req {
	uint32_t op;	/* enum gv_kernel_node_op */
	uint32_t ndeps; /* ADD; with the arguments, at most GV_MAX_ARGS bytes */
	uint64_t graph; /* ADD: the graph; EXEC_SET: the executable graph */
	uint64_t node;	/* SET and EXEC_SET: the node */
	struct gv_launch_req launch;
};

/*
 * A kernel node's parameters read back (KERNEL_NODE_GET): LAUNCH's
 * function (the session's handle), geometry and argument bytes, these
 * into the guest's one buffer (of buf_len bytes, at least the arguments'),
 * with the function's layout so that the guest can point at each.
 */
struct __attribute__((packed)) gv_kernel_node_get_req {
	uint64_t node;
	uint64_t buf_len;
};
struct __attribute__((packed)) gv_kernel_node_get_resp {
	struct gv_launch_req launch; /* its stream unused */
	uint32_t nparams;
	uint32_t reserved;
	struct gv_param_info params[GV_MAX_PARAMS];
};

/*
 * A conditional node (COND_NODE): added to a graph after ndeps nodes (the
 * tail), on a conditional handle of the session's; the body graphs the
 * driver makes for it come back as the session's handles.
 */
#define GV_MAX_COND_GRAPHS 64
struct __attribute__((packed)) gv_cond_node_req {
	uint64_t graph;
	uint64_t handle; /* CUgraphConditionalHandle */
	uint32_t type;	 /* CUgraphConditionalNodeType */
	uint32_t size;	 /* body graphs: 1 to GV_MAX_COND_GRAPHS */
	uint32_t ndeps;
	uint32_t reserved;
};
struct __attribute__((packed)) gv_cond_node_resp {
	uint64_t node;
	uint64_t graphs[GV_MAX_COND_GRAPHS];
};

/* Kernel attributes, numbered as the driver's CUfunction_attribute. */
enum gv_func_attr {
	GV_FA_MAX_THREADS_PER_BLOCK = 0,
	GV_FA_SHARED_SIZE_BYTES = 1,
	GV_FA_CONST_SIZE_BYTES = 2,
	GV_FA_LOCAL_SIZE_BYTES = 3,
	GV_FA_NUM_REGS = 4,
	GV_FA_PTX_VERSION = 5,
	GV_FA_BINARY_VERSION = 6,
	GV_FA_CACHE_MODE_CA = 7,
	GV_FA_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8,
	GV_FA_PREFERRED_SHARED_MEMORY_CARVEOUT = 9,
	GV_FA_CLUSTER_SIZE_MUST_BE_SET = 10,
	GV_FA_REQUIRED_CLUSTER_WIDTH = 11,
	GV_FA_REQUIRED_CLUSTER_HEIGHT = 12,
	GV_FA_REQUIRED_CLUSTER_DEPTH = 13,
	GV_FA_NON_PORTABLE_CLUSTER_SIZE_ALLOWED = 14,
	GV_FA_CLUSTER_SCHEDULING_POLICY_PREFERENCE = 15,
};
#define GV_FUNC_ATTR_SLOTS 32
struct __attribute__((packed)) gv_func_attrs_resp {
	uint32_t valid; /* bit i: values[i] is real */
	int32_t values[GV_FUNC_ATTR_SLOTS];
};
struct __attribute__((packed)) gv_func_set_attr_req {
	uint64_t function;
	int32_t attr;
	int32_t value;
};
struct __attribute__((packed)) gv_occupancy_req {
	uint64_t function;
	int32_t block_size;
	uint32_t flags;
	uint64_t dynamic_smem;
};

struct __attribute__((packed)) gv_stream_create_req {
	uint32_t flags;
	int32_t priority;
};
struct __attribute__((packed)) gv_stream_wait_req {
	uint64_t stream;
	uint64_t event;
	uint32_t flags;
	uint32_t reserved;
};
struct __attribute__((packed)) gv_priority_range_resp {
	int32_t least;
	int32_t greatest;
};
struct __attribute__((packed)) gv_event_create_req {
	uint32_t flags;
	uint32_t reserved;
};
struct __attribute__((packed)) gv_event_record_req {
	uint64_t event;
	uint64_t stream;
};
struct __attribute__((packed)) gv_event_elapsed_req {
	uint64_t start;
	uint64_t end;
};

/*
 * The CPU reference executor cannot run kernels; it records each launch
 * byte for byte so tests can check what arrived.  The last launch:
 */
#define GV_LOG_ARGS 8192
struct __attribute__((packed)) gv_launch_log_resp {
	uint64_t launches; /* this session's, ever */
	char name[256];	   /* the function's (truncated) name */
	uint32_t grid[3];
	uint32_t block[3];
	uint32_t shared_mem;
	uint32_t args_len; /* may exceed GV_LOG_ARGS; args holds the start */
	uint64_t stream;
	uint8_t args[GV_LOG_ARGS];
};

/*
 * Host functions (cudaLaunchHostFunc) run in the guest.  ENQUEUE puts a
 * gate into the stream: when the stream reaches it, the gate holds the
 * stream until the guest has run the function.  A second session of the
 * same process (its callback thread) WAITs for reached gates and RELEASEs
 * them, so a blocked stream never holds up the calls that free it.  The
 * key, random per session, shows the callback session speaks for it.
 */
struct __attribute__((packed)) gv_gate_resp {
	uint64_t token;
	uint64_t key;
	uint32_t owner; /* the session that enqueued it */
	uint32_t reserved;
};
/*
 * A host function for a stream (HOST_FUNC_ENQUEUE).  On a stream being
 * captured it becomes a host node of the graph: the response's token is 0
 * and the function travels with the gate at each run, as for HOST_NODE.
 */
struct __attribute__((packed)) gv_host_func_req {
	uint64_t stream;
	uint64_t fn;	   /* the guest's function, run in the guest */
	uint64_t data;	   /* its argument */
	uint32_t callback; /* cudaStreamAddCallback's: never captured */
	uint32_t reserved;
};
struct __attribute__((packed)) gv_gate_wait_req {
	uint64_t key;
	uint32_t owner;
	uint32_t timeout_ms; /* at most 1000 */
};
/*
 * A reached gate: its token, 0 after the timeout.  fn is 0 for a gate that
 * HOST_FUNC_ENQUEUE made (the guest filed its function by token); a host
 * node's gate names the function and its argument, since it is reached at
 * every launch of the graph.
 */
struct __attribute__((packed)) gv_gate_wait_resp {
	uint64_t token;
	uint64_t fn;
	uint64_t data;
};
struct __attribute__((packed)) gv_gate_release_req {
	uint64_t key;
	uint64_t token;
	uint32_t owner;
	uint32_t reserved;
};

/* Peers: the message's device is the one asking. */
struct __attribute__((packed)) gv_peer_req {
	int32_t peer;
	uint32_t flags;
};
struct __attribute__((packed)) gv_memcpy_peer_req {
	uint64_t dst;
	uint64_t src;
	uint64_t size;
	int32_t dst_device;
	int32_t src_device;
	uint64_t stream; /* of the message's device */
};

/*
 * Copies between host memory, device memory and arrays, in three
 * dimensions (CUDA_MEMCPY3D's model; 2D is depth 1).  A host side travels
 * as the one bulk buffer, from its first byte: its x, y, z are then 0, and
 * the buffer spans (depth - 1) * height * pitch + (rows - 1) * pitch + width
 * bytes.  A host destination's buffer is GV_BULK_UPDATE: the bytes between
 * rows stay as they were.
 */
enum gv_copy_kind {
	GV_COPY_HOST = 1,
	GV_COPY_DEVICE = 2,
	GV_COPY_ARRAY = 3,
	GV_COPY_SHADOW = 4, /* addr: a host shadow's handle (below); x, y, z within it */
};
struct __attribute__((packed)) gv_copy_side {
	uint32_t kind; /* enum gv_copy_kind */
	uint32_t reserved;
	uint64_t addr;	  /* DEVICE: the address; ARRAY: the array's handle; HOST: 0 */
	uint64_t pitch;	  /* HOST, DEVICE: bytes per row */
	uint64_t height;  /* HOST, DEVICE: rows per slice */
	uint64_t x, y, z; /* the first element: x in bytes */
};
struct __attribute__((packed)) gv_memcpy3d_req {
	struct gv_copy_side src, dst;
	uint64_t width; /* bytes */
	uint64_t rows, depth;
	uint64_t stream;
};

/*
 * Host shadows: the host's own buffer standing for a guest host buffer that
 * a graph's copy node reads or writes when the graph runs, long after the
 * call that named it (the guest's pages are the host's only during a
 * request).  SHADOW_GET makes one for [guest, guest + len), or finds the
 * one made before for the same range; it lives as long as the session.
 * The guest writes a shadow's bytes (SHADOW_WRITE) before each launch of a
 * graph that reads it, and reads them back (SHADOW_READ) once a launch
 * that writes it has finished: ready is 0, and nothing is copied, while it
 * has not.  GRAPH_SHADOWS lists an executable graph's shadows, found in
 * its copy nodes when it was instantiated.
 */
#define GV_SHADOW_HANDLE_TAG 0x5348000000000000ull
#define GV_MAX_GRAPH_SHADOWS 64
struct __attribute__((packed)) gv_shadow_get_req {
	uint64_t guest; /* the guest's address: kept for the guest, never used */
	uint64_t len;
};
struct __attribute__((packed)) gv_shadow_io_req {
	uint64_t handle;
	uint64_t offset, len; /* one bulk buffer of len bytes */
};
struct __attribute__((packed)) gv_shadow_read_resp {
	uint32_t ready;
	uint32_t reserved;
};
enum gv_shadow_use {
	GV_SHADOW_READ = 1u << 0,    /* a copy node reads it: written before launches */
	GV_SHADOW_WRITTEN = 1u << 1, /* a copy node writes it: read after launches */
};
struct __attribute__((packed)) gv_graph_shadow {
	uint64_t handle;
	uint64_t guest, len;
	uint32_t use; /* enum gv_shadow_use */
	uint32_t reserved;
};
struct __attribute__((packed)) gv_graph_shadows_resp {
	uint32_t n;
	uint32_t reserved;
	struct gv_graph_shadow s[GV_MAX_GRAPH_SHADOWS];
};

/*
 * A graph's copy node (MEMCPY_NODE): added after ndeps nodes (the tail, as
 * node handles), its parameters set in the graph or in an executable
 * graph, or read back.  Host sides are shadows (GV_COPY_SHADOW); GET
 * answers with the guest addresses the shadows stand for.
 */
enum gv_memcpy_node_op {
	GV_MEMCPY_NODE_ADD = 0,
	GV_MEMCPY_NODE_SET = 1,
	GV_MEMCPY_NODE_EXEC_SET = 2,
	GV_MEMCPY_NODE_GET = 3,
};
struct __attribute__((packed)) gv_memcpy_node_req {
	uint32_t op;		     /* enum gv_memcpy_node_op */
	uint32_t ndeps;		     /* ADD */
	uint64_t graph;		     /* ADD: the graph; EXEC_SET: the executable graph */
	uint64_t node;		     /* SET, EXEC_SET, GET */
	struct gv_memcpy3d_req copy; /* its stream unused */
};
struct __attribute__((packed)) gv_memcpy_node_resp {
	uint64_t handle;	       /* ADD: the node */
	struct gv_memcpy3d_req copy;   /* GET */
	uint64_t src_guest, dst_guest; /* GET: a shadow side's guest address */
};

/*
 * A graph's host node (HOST_NODE).  The host holds the guest's function and
 * argument for as long as the session lives and runs the node as a gate
 * carrying them; the guest's callback thread runs the function.
 */
enum gv_host_node_op {
	GV_HOST_NODE_ADD = 0,
	GV_HOST_NODE_SET = 1,
	GV_HOST_NODE_EXEC_SET = 2,
	GV_HOST_NODE_GET = 3,
};
struct __attribute__((packed)) gv_host_node_req {
	uint32_t op;	/* enum gv_host_node_op */
	uint32_t ndeps; /* ADD; the dependencies in the tail */
	uint64_t graph; /* ADD: the graph; EXEC_SET: the executable graph */
	uint64_t node;	/* SET, EXEC_SET, GET */
	uint64_t fn;	/* ADD, SET, EXEC_SET */
	uint64_t data;
};
struct __attribute__((packed)) gv_host_node_resp {
	uint64_t handle;   /* ADD: the node */
	uint64_t fn, data; /* GET */
	uint64_t key;	   /* ADD, SET, EXEC_SET: what the callback session needs */
	uint32_t owner;
	uint32_t reserved;
};

/*
 * A user object (USER_OBJECT_CREATE) whose destructor is the guest's
 * function on the guest's argument: run, when the driver destroys the
 * object, at a gate the callback session releases, as a host node's.  The
 * answer is HOST_NODE's: the object's handle and the callback session's key.
 */
struct __attribute__((packed)) gv_user_object_req {
	uint64_t fn, data;
	uint32_t refcount; /* initialRefcount */
	uint32_t flags;
};

/*
 * A graph's memory nodes (MEM_NODE): an allocation node's parameters (its
 * pool's properties, and in the tail after the dependencies its access
 * descriptors), and the address the driver gives it; a free node's address.
 * Device ordinals are the guest's.
 */
enum gv_mem_node_op {
	GV_MEM_NODE_ADD_ALLOC = 0,
	GV_MEM_NODE_GET_ALLOC = 1,
	GV_MEM_NODE_GET_FREE = 2,
};
#define GV_MAX_MEM_ACCESS 64 /* access descriptors of one allocation node */
struct __attribute__((packed)) gv_mem_access {
	int32_t loc_type; /* CUmemLocationType */
	int32_t loc_id;
	uint32_t flags; /* CUmemAccess_flags */
	uint32_t reserved;
};
struct __attribute__((packed)) gv_mem_node_pool {
	uint32_t alloc_type;   /* CUmemAllocationType */
	uint32_t handle_types; /* CUmemAllocationHandleType */
	int32_t loc_type;
	int32_t loc_id;
	uint64_t max_size;
	uint32_t usage;
	uint32_t naccess;
	uint64_t bytesize;
};
struct __attribute__((packed)) gv_mem_node_req {
	uint32_t op;		      /* enum gv_mem_node_op */
	uint32_t ndeps;		      /* ADD_ALLOC */
	uint64_t graph;		      /* ADD_ALLOC */
	uint64_t node;		      /* GET_ALLOC, GET_FREE */
	struct gv_mem_node_pool pool; /* ADD_ALLOC */
};
struct __attribute__((packed)) gv_mem_node_resp {
	uint64_t handle; /* ADD_ALLOC: the node */
	uint64_t dptr;
	struct gv_mem_node_pool pool; /* GET_ALLOC */
	struct gv_mem_access access[GV_MAX_MEM_ACCESS];
};

/*
 * An executable graph updated from a graph (GRAPH_EXEC_UPDATE): the
 * driver's result info, its nodes as the session's handles, comes back
 * with CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE too.
 */
struct __attribute__((packed)) gv_graph_exec_update_req {
	uint64_t exec;
	uint64_t graph;
};
struct __attribute__((packed)) gv_graph_exec_update_resp {
	uint32_t result; /* CUgraphExecUpdateResult */
	uint32_t reserved;
	uint64_t error_node, error_from_node;
};

/*
 * What atomic operations a device can do on host memory, or on a peer's
 * (ATOMIC_CAPS): CUatomicOperation values in, a capability mask for each
 * out; the guest splits a longer array into requests of this many.
 */
#define GV_MAX_ATOMIC_OPS 32
struct __attribute__((packed)) gv_atomic_caps_req {
	uint32_t p2p; /* 0: cuDeviceGetHostAtomicCapabilities; 1: the P2P one */
	uint32_t count;
	int32_t dev, peer; /* the guest's ordinals; peer with p2p only */
	uint32_t ops[GV_MAX_ATOMIC_OPS];
};
struct __attribute__((packed)) gv_atomic_caps_resp {
	uint32_t caps[GV_MAX_ATOMIC_OPS];
};

/*
 * A module's kernels by name (MODULE_FUNCTIONS), for counting and
 * enumerating a library's or a module's: their names, each with its NUL,
 * into the one buffer the guest gives (none: only the figures), as many
 * as fit whole.  names_len is what all of them take.
 */
#define GV_MAX_MODULE_FUNCTIONS 65536u
struct __attribute__((packed)) gv_module_functions_req {
	uint64_t module;
	uint64_t buf_len; /* the buffer's bytes; 0 with no buffer */
};
struct __attribute__((packed)) gv_module_functions_resp {
	uint32_t count;
	uint32_t reserved;
	uint64_t names_len;
};

/*
 * IPC between processes of one VM, or of one backend's clients
 * (IPC_EXPORT, IPC_IMPORT, IPC_CLOSE).  What a guest process holds is not
 * the driver's handle but a token the host's parent process drew at
 * random and maps to it (host-worker/ipc_registry.c): a guest cannot
 * forge a handle to another VM's memory, and a handle dies with the
 * session that exported it.  The 64 bytes are cudaIpcMemHandle_t's and
 * cudaIpcEventHandle_t's (CUipcMemHandle, CUipcEventHandle).
 */
#define GV_IPC_MAGIC 0x50495647u /* "GVIP" */
enum gv_ipc_kind {
	GV_IPC_MEM = 1,
	GV_IPC_EVENT = 2,
};
struct __attribute__((packed)) gv_ipc_handle {
	uint32_t magic; /* GV_IPC_MAGIC */
	uint32_t kind;	/* enum gv_ipc_kind */
	uint64_t token[2];
	uint8_t zero[40];
};
_Static_assert(sizeof(struct gv_ipc_handle) == 64, "an IPC handle is 64 bytes");
struct __attribute__((packed)) gv_ipc_export_req {
	uint32_t kind; /* enum gv_ipc_kind */
	uint32_t reserved;
	uint64_t obj; /* a device address (GV_IPC_MEM) or an event handle */
};
struct __attribute__((packed)) gv_ipc_export_resp {
	struct gv_ipc_handle handle;
};
struct __attribute__((packed)) gv_ipc_import_req {
	struct gv_ipc_handle handle;
	uint32_t flags; /* cudaIpcMemLazyEnablePeerAccess; 0 for events */
	uint32_t kind;	/* what the call opens: the handle must be of it */
};
struct __attribute__((packed)) gv_ipc_import_resp {
	uint64_t obj;  /* the mapping's base address, or an event handle */
	uint64_t size; /* the mapping's size */
};

/*
 * Texture and surface objects (CUDA_RESOURCE_DESC, CUDA_TEXTURE_DESC and
 * CUDA_RESOURCE_VIEW_DESC field by field; enumerations with the driver's
 * values).  The response's handle is the object's own value.
 */
enum gv_res_type {
	GV_RES_ARRAY = 0,
	GV_RES_MIPMAPPED_ARRAY = 1,
	GV_RES_LINEAR = 2,
	GV_RES_PITCH2D = 3,
};
struct __attribute__((packed)) gv_res_desc {
	uint32_t type;	   /* enum gv_res_type */
	uint32_t format;   /* LINEAR, PITCH2D: CUarray_format */
	uint32_t channels; /* LINEAR, PITCH2D */
	uint32_t flags;
	uint64_t handle;	       /* ARRAY, MIPMAPPED_ARRAY: a handle; else a device address */
	uint64_t size;		       /* LINEAR: bytes */
	uint64_t width, height, pitch; /* PITCH2D: width in elements, pitch in bytes */
};
struct __attribute__((packed)) gv_tex_desc {
	uint32_t address_mode[3];
	uint32_t filter_mode;
	uint32_t flags; /* CU_TRSF_* */
	uint32_t max_anisotropy;
	uint32_t mipmap_filter_mode;
	float mipmap_level_bias, min_mipmap_level_clamp, max_mipmap_level_clamp;
	float border_color[4];
};
struct __attribute__((packed)) gv_view_desc {
	uint32_t format; /* CUresourceViewFormat */
	uint32_t reserved;
	uint64_t width, height, depth;
	uint32_t first_mipmap_level, last_mipmap_level, first_layer, last_layer;
};
struct __attribute__((packed)) gv_tex_create_req {
	struct gv_res_desc res;
	struct gv_tex_desc tex;
	struct gv_view_desc view;
	uint32_t has_view;
	uint32_t surface; /* 1: a surface object, of res alone */
};

/* Host worker accounting, for tests: this VM's sessions and allocations. */
/*
 * MEMCPY_DTOH_INLINE: a small device-to-host copy (at most
 * GV_INLINE_COPY_MAX bytes), its bytes in the response, as
 * MEMCPY_HTOD_INLINE carries them in the request: such copies need no bulk
 * buffer, so they travel through the session mailbox.  The rest is zeros.
 */
struct __attribute__((packed)) gv_inline_copy_resp {
	uint8_t data[GV_INLINE_COPY_MAX];
};

/* TAKE_OUTPUT: the next bytes of the worker's stdout or stderr (GV_RESP_F_OUTPUT). */
#define GV_OUTPUT_CHUNK 4096
struct __attribute__((packed)) gv_output_resp {
	uint32_t len;	  /* bytes of data */
	uint32_t dropped; /* bytes lost since the last take: the host's buffer was full */
	uint32_t fd;	  /* 1: stdout's bytes, 2: stderr's */
	uint8_t data[GV_OUTPUT_CHUNK];
};

struct __attribute__((packed)) gv_stats_resp {
	uint32_t sessions; /* live sessions, this one included */
	uint32_t session_id;
	uint64_t session_allocs; /* allocations held by this session */
	uint64_t session_bytes;
	uint64_t total_allocs; /* all sessions of this worker */
	uint64_t total_bytes;
	uint64_t sessions_closed;      /* ever */
	uint64_t bytes_freed_at_close; /* ever, by session teardown */
	uint64_t session_calls;	       /* messages this session's worker ran */
	uint64_t session_exec_ns;      /* time the host worker spent on them */
	uint64_t session_requests;     /* requests (round trips) that carried them */
};

#endif
