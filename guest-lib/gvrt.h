/* SPDX-License-Identifier: MIT */
/* What the files of the guest runtime shim share. */
#ifndef GVIRTUS_GVRT_H
#define GVIRTUS_GVRT_H

#include <cuda.h>
#include <cuda_runtime_api.h>
#include <stddef.h>
#include <stdint.h>

#include "loglevel.h"
#include "protocol.h"

#define GVRT_EXPORT	 __attribute__((visibility("default")))
#define GVRT_MAX_DEVICES 16

/* ---- transport (transport_*.c) ---- */

struct gv_buf {
	const void *addr;
	uint64_t len;
	uint32_t dir; /* GV_BULK_TO_HOST / GV_BULK_FROM_HOST */
};

struct gv_transport {
	const char *name;
	/* 0, or -errno: the bytes did not make the round trip. */
	int (*call)(struct gv_transport *t, const void *msg, size_t msg_len, void *resp,
		    size_t resp_cap, size_t *resp_len, const struct gv_buf *bufs,
		    unsigned int nbufs);
	/* Largest bulk buffer one call may carry. */
	uint64_t max_bulk;
	/* Optional: keeps a page-locked buffer's pages pinned for its
	 * copies (on), or stops (0, or -errno). */
	int (*pin)(struct gv_transport *t, const void *p, size_t len, int on);
	/*
	 * The host-function callback session: QEMU answers its gate calls
	 * from its mirrors, so they must pass through it, never through the
	 * session mailbox.  Set before its first call.
	 */
	int gate_calls;
};

/* The transport this process should use (transport.c), or NULL with why. */
struct gv_transport *gv_transport_open(char *err, size_t err_len);
/* /dev/gvirtus, or NULL with why in err. */
struct gv_transport *gv_transport_vdev_open(char *err, size_t err_len);
struct gv_properties;
/* gvirtus-backend over TCP at endpoint ep of p, in TLS when p says secure. */
struct gv_transport *gv_transport_tcp_open(const struct gv_properties *p, int ep, char *err,
					   size_t err_len);

/* ---- the session (session.c) ---- */

struct gv_session_info {
	int ready;		/* the host answered hello */
	cudaError_t init_error; /* why not, as native would report */
	int driver_version;
	int device_count;
	cudaError_t count_result;
	uint32_t session_id;
	unsigned int apis; /* GV_API_* the host serves this session */
	struct gv_transport *t;
};

/* Opens the transport and says hello once per process. */
const struct gv_session_info *gv_session(void);

/*
 * One call to the host: op with its request payload, expecting exactly
 * resp_len bytes of response payload.  Returns the call's cudaError_t.
 */
cudaError_t gv_rpc(uint32_t op, const void *req, uint32_t req_len, void *resp, uint32_t resp_len,
		   const struct gv_buf *bufs, unsigned int nbufs);

/* A call on a given transport (a second session of this process). */
cudaError_t gv_rpc_on(struct gv_transport *t, uint32_t op, const void *req, uint32_t req_len,
		      const void *tail, uint32_t tail_len, void *resp, uint32_t resp_len,
		      const struct gv_buf *bufs, unsigned int nbufs);
/* gv_rpc_on, with the host's result apart: cudaSuccess when the host
 * answered (its result in *result, a code of the op's own library), else
 * the transport's failure. */
cudaError_t gv_rpc_result(struct gv_transport *t, uint32_t op, const void *req, uint32_t req_len,
			  const void *tail, uint32_t tail_len, void *resp, uint32_t resp_len,
			  const struct gv_buf *bufs, unsigned int nbufs, int32_t *result);

/*
 * An asynchronous call (the async class): queued as a message that wants
 * no reply, sent with the session's next synchronous call; its error, if
 * the host's differs from the guest's checks, surfaces there
 * (gv_async_failed).  cudaSuccess, or cudaErrorInvalidValue for a message
 * too large.  gv_async_enabled: whether calls may go this way now
 * (GVIRTUS_ASYNC=0 turns it off; so does a sticky error).
 */
cudaError_t gv_rpc_async(uint32_t op, const void *req, uint32_t req_len, const void *tail,
			 uint32_t tail_len);
int gv_async_enabled(void);
/*
 * A queued call of op's library that failed on the host: 1 and its status
 * and op, taken, or 0.  The library's next call that waits for the host
 * returns it.
 */
int gv_lib_deferred_take(uint32_t op, int32_t *status, uint32_t *failed_op);
/* An asynchronous call failed on the host: the thread's last error, as natively. */
void gv_async_failed(cudaError_t err);
/* Whether a sticky error (the context is broken) has been seen. */
int gv_sticky_seen(void);
/* A driver-API call's result: notes a sticky error (the runtime's calls then queue nothing). */
void gv_sticky_note(int err);

/* Set while the driver API (our libcuda.so.1) makes a call on the session. */
extern _Thread_local int gv_driver_call;

/* The same, with tail_len bytes after the request struct. */
cudaError_t gv_rpc_tail(uint32_t op, const void *req, uint32_t req_len, const void *tail,
			uint32_t tail_len, void *resp, uint32_t resp_len, const struct gv_buf *bufs,
			unsigned int nbufs);

/*
 * The worker has output for this program's stdout (GV_RESP_F_OUTPUT):
 * gv_output_waiting notes it, gv_output_fetch writes it (output.c).
 */
void gv_output_waiting(void);
void gv_output_fetch(void);

#define GV_RPC(op, reqp, respp, bufs, nbufs)                                                       \
	gv_rpc(GV_OP_##op, (reqp), sizeof(*(reqp)), (respp), sizeof(*(respp)), (bufs), (nbufs))

/* ---- thread state (error.c, device.c) ---- */

/* Records err as the thread's last error unless it is cudaSuccess. */
cudaError_t gv_ret(cudaError_t err);
int gv_current_device(void);
/* The thread's device; the driver API sets it with its current context. */
void gv_set_current_device(int dev);
/* NVIDIA's runtime text for an error code, or NULL. */
const char *gv_error_text(int code);
/*
 * What the runtime has done to the driver, as the driver API sees it:
 * initialized it (any call that needs the devices: cuInit's effect), and
 * made the device's primary context current (cudaSetDevice, or any call
 * that needs a context).  gv_ret marks both.
 */
int gv_runtime_inited(void);
void gv_runtime_init_mark(void);
int gv_runtime_used(void);
void gv_runtime_mark(void);

/* Resolves a function of our libcuda.so.1 into *slot: 0, or -1 (logged). */
int gv_driver_load(void *slot, const char *name);

/*
 * Host functions and host nodes run by this process's callback thread
 * (stream.c).  gv_host_callbacks starts it (cudaErrorNotSupported if it has
 * no session); gv_host_callbacks_key tells it the (key, owner) that a
 * response with gates gave, which it waits with.
 */
cudaError_t gv_host_callbacks(void);
/* A launch configuration as OCCUPANCY_CLUSTERS carries it (module.c). */
cudaError_t gv_cluster_config(struct gv_occupancy_clusters_req *q, uint64_t fn,
			      const cudaLaunchConfig_t *cfg);
void gv_host_callbacks_key(uint64_t key, uint32_t owner);
/* A host function (fn) or stream callback (cb) on a stream. */
cudaError_t gv_host_call_enqueue(cudaStream_t stream, cudaHostFn_t fn, cudaStreamCallback_t cb,
				 void *data);

/* Logging to stderr, with GVIRTUS_LOGLEVEL as on the host. */
void gv_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define GV_LOG_DEBUG GV_LEVEL_DEBUG
#define GV_LOG_INFO  GV_LEVEL_INFO
#define GV_LOG_WARN  GV_LEVEL_WARN
#define GV_LOG_ERROR GV_LEVEL_ERROR

/* ---- memory the guest knows about (memtab.c) ---- */

enum gv_region_kind { GV_REGION_DEVICE, GV_REGION_HOST };
/*
 * A device region's flags: a graph's allocation node's address, whose
 * memory a free leaves to come back at the graph's next launch.
 */
#define GV_REGION_GRAPH 0x80000000u

struct gv_region {
	uintptr_t base;
	size_t size;
	int device;
	enum gv_region_kind kind;
	unsigned int flags;
	int reserved; /* a device region's pages are held in this process (memtab.c) */
};

void gv_region_add(const struct gv_region *r);
/* After an allocation: e, with [ptr, ptr + size) known as device memory of
 * the current device when e is success and ptr not 0. */
cudaError_t gv_track_device(cudaError_t e, uint64_t ptr, uint64_t size);
/* Copies out the region containing p; 0 if found. */
int gv_region_find(const void *p, struct gv_region *out);
/* Removes the region starting exactly at base; 0 if it existed. */
int gv_region_remove(uintptr_t base, enum gv_region_kind kind, struct gv_region *out);
/* Removes every device region of dev (cudaDeviceReset). */
void gv_region_drop_device(int dev);

/* ---- managed memory (managed.c) ---- */

/* After MALLOC_MANAGED: e, with [ptr, ptr + size) tracked as device memory
 * whose bytes this process mirrors; cudaErrorMemoryAllocation if it cannot. */
cudaError_t gv_managed_track(cudaError_t e, uint64_t ptr, uint64_t size);
/* Before any call reaches the host: the CPU's managed bytes go to it. */
void gv_managed_before_host(void);
/* Before a managed allocation at base, or every one of dev, goes. */
void gv_managed_forget(uintptr_t base);
void gv_managed_forget_device(int dev);

/* ---- kernels and symbols (module.c) ---- */

/* The host module of a registered fatbin on the current device. */
/*
 * A module image's bytes, or 0 if it is none of PTX, cubin and fatbin;
 * *image moves past a fatbin wrapper (image.c).
 */
size_t gv_image_size(const void **image);
uint32_t gv_image_magic(const void *image);
/* A cubin or a fatbin (not PTX text); image has at least 4 bytes. */
int gv_image_is_binary(const void *image);
/*
 * A file's bytes and one NUL, malloc'ed, or NULL: *len is its length, 0
 * when it cannot be read, else the bytes memory ran out for.
 */
char *gv_read_file(const char *name, size_t *len);
/* Answers what JIT options ask back (logs, wall time); options has n entries. */
void gv_jit_outputs(unsigned int n, const int *options, void **values);
struct gv_fatbin;
struct gv_kernel;
cudaError_t gv_module_handle(struct gv_fatbin *fb, uint64_t *out);
/* A library's image (malloc'ed, kept from now on), loaded per device at first use. */
struct gv_fatbin *gv_fatbin_own(void *image, size_t len);
/* Its module on device dev, or 0 if not loaded there. */
uint64_t gv_fatbin_module(const struct gv_fatbin *fb, int dev);
/* Forgets it and its kernels and variables (the host's modules stay). */
void gv_fatbin_forget(struct gv_fatbin *fb);
/* Its kernel called name, found on the current device; its handle is *out. */
cudaError_t gv_fatbin_kernel(struct gv_fatbin *fb, const char *name, struct gv_kernel **out);
/* 1 if kernel is a live cudaKernel_t (a registration or a library's), with its
 * image and name; else 0. */
int gv_kernel_known(const void *kernel, struct gv_fatbin **fb, const char **name);

/* ---- libraries (library.c), for the runtime's and the driver's calls ---- */

/* Keeps an image (len 0: its own size), loaded on each device at first use. */
cudaError_t gv_library_load(const void *code, size_t len, struct gv_fatbin **out);
/* The same from a file: a binary's bytes, or PTX text. */
cudaError_t gv_library_load_file(const char *path, struct gv_fatbin **out);
cudaError_t gv_library_unload(struct gv_fatbin *fb);
/* 1 if lib is a library loaded and not unloaded. */
int gv_library_live(const void *lib);
cudaError_t gv_library_global(struct gv_fatbin *fb, const char *name, uint64_t *ptr,
			      uint64_t *size);
/* Its kernels, up to max of them into out (NULL: none), and how many it has. */
cudaError_t gv_library_kernels(struct gv_fatbin *fb, struct gv_kernel **out, unsigned int max,
			       unsigned int *count);
/* A loaded module's kernels: their count and names (NUL after each, malloc'ed). */
cudaError_t gv_module_functions(uint64_t module, unsigned int *count, char **names);

/*
 * A kernel node's parameters (module.c): its function's handle, geometry,
 * and a pointer to each argument, kept with the node; the function's
 * layout too when asked (malloc'ed, the caller frees it).
 */
cudaError_t gv_kernel_node_get(uint64_t node, struct gv_launch_req *launch, void ***params,
			       struct gv_kernel_node_get_resp **layout);

/* A batch of 3D copies, for the runtime's and the driver's (rt_graph_copy.c). */
cudaError_t gv_memcpy3d_batch(size_t n, const struct cudaMemcpy3DBatchOp *ops,
			      unsigned long long flags, cudaStream_t stream);
/* The host handle of a registered kernel (its host stub) on the current device. */
cudaError_t gv_kernel_function(const void *stub, uint64_t *out);

/* ---- streams (stream.c) ---- */

/* The wire value of a stream: 0, 1, 2 or a host handle. */
static inline uint64_t gv_stream_value(cudaStream_t s)
{
	return (uint64_t)(uintptr_t)s;
}
/* A default stream, or one this process's runtime created and still has. */
int gv_stream_known(cudaStream_t stream);
/* An event made elsewhere (an IPC handle opened): live, as a created one. */
void gv_event_learn(cudaEvent_t event);
/*
 * Whether a memset of count bytes at dst on stream may be queued: they lie
 * in one allocation of the current device this process made and has not
 * freed, on a stream it knows live (the driver API's memsets ask too).
 */
int gv_may_queue_set(const void *dst, size_t count, cudaStream_t stream);
/* A stream capture began (1) or ended (-1); whether any may be in progress. */
void gv_capture_note(int delta);
int gv_capturing(void);
/* The driver API made (live) or is about to destroy a stream. */
void gv_stream_note(uint64_t h, int live);

/* A kernel's launch limits per device, as the host gave them (0: not asked). */
struct gv_launch_limits {
	_Atomic int32_t max_threads[GVRT_MAX_DEVICES], max_dyn_smem[GVRT_MAX_DEVICES];
};
/*
 * Whether a launch of kernel fn may be queued (the async class): queueing
 * is on, the stream is one this process knows live, and the block and
 * dynamic shared memory are within the kernel's own limits, asked of the
 * host once per kernel and device.  The caller has checked the geometry.
 */
int gv_launch_may_queue(struct gv_launch_limits *l, uint64_t fn, uint64_t threads, uint64_t shmem,
			cudaStream_t stream);
/* The limits may have changed (a function attribute was set): asked again. */
void gv_launch_limits_forget(struct gv_launch_limits *l);

/* ---- copies (memory.c), shared by the plain, Async and symbol forms ---- */

cudaError_t gv_memcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
		      cudaStream_t stream);
/* The same without recording the runtime's last error (the driver API's). */
cudaError_t gv_copy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
		    cudaStream_t stream);
/* A page-locked buffer made (on) or ended: its pages pinned for copies
 * where the transport can (session.c); nothing else depends on it. */
void gv_pin_host(const void *p, size_t len, int on);
/* Page-locked guest memory (cudaHostAlloc), without the last error. */
cudaError_t gv_host_alloc(void **ptr, size_t size, unsigned int flags);
cudaError_t gv_host_free(void *ptr);
cudaError_t gv_copy2d(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
		      size_t height, enum cudaMemcpyKind kind, cudaStream_t stream);

/*
 * A copy in three dimensions (copy3d.c): req's host side(s) name no
 * address; src_host and dst_host are their bases, which req's x, y, z,
 * pitch and height index.  Not recording the runtime's last error.
 */
cudaError_t gv_copy3d(const struct gv_memcpy3d_req *req, const void *src_host, void *dst_host);
/* The descriptors of the texture and surface objects the runtime made
 * (tex_desc.c): recorded when made, forgotten when destroyed. */
void gv_tex_desc_note(unsigned long long obj, int surface, const struct cudaResourceDesc *res,
		      const struct cudaTextureDesc *tex, const struct cudaResourceViewDesc *view);
void gv_tex_desc_forget(unsigned long long obj, int surface);
/* The runtime's 3D copy parameters as the driver's, and back (rt_array.c). */
cudaError_t gv_rt_copy_params(const struct cudaMemcpy3DParms *p, CUDA_MEMCPY3D *m);
cudaError_t gv_rt_copy_params_back(const CUDA_MEMCPY3D *m, struct cudaMemcpy3DParms *p);
/* Bytes a host side of such a copy spans from its first byte; that byte,
 * with the side rewritten to start there. */
uint64_t gv_copy_span(const struct gv_copy_side *s, uint64_t width, uint64_t rows, uint64_t depth);
char *gv_copy_first_byte(struct gv_copy_side *s, const void *base);
/* A copy between host and device memory on a stream being captured. */
cudaError_t gv_copy_captured(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
			     size_t height, int to_device, cudaStream_t stream);
/* Whether a copy on stream would be captured: a capture is in progress, and
 * the host says that it is this stream's. */
int gv_copy_is_captured(cudaStream_t stream);

/*
 * Graphs' copies from and to host memory, through host shadows
 * (graph_shadow.c).  gv_shadow_side makes a copy's host side (at base) a
 * shadow's, writing a source's bytes to it now.  Around launches:
 * gv_shadows_feed (before; a CUresult) and gv_shadows_launched (after);
 * gv_shadows_settle reads back what finished launches wrote, after a
 * synchronizing op (gv_shadows_sync_op) succeeded.
 */
cudaError_t gv_shadow_get(const void *guest, uint64_t len, uint64_t *handle);
cudaError_t gv_shadow_write(uint64_t handle, const void *guest, uint64_t len);
cudaError_t gv_shadow_side(struct gv_copy_side *s, uint64_t width, uint64_t rows, uint64_t depth,
			   const void *base, int is_src);
int gv_stream_capturing(uint64_t stream);
int gv_shadows_feed(uint64_t exec);
void gv_shadows_launched(uint64_t exec);
void gv_shadows_exec_gone(uint64_t exec);
int gv_shadows_sync_op(uint32_t op);
void gv_shadows_settle(void);

/*
 * TEX_CREATE's descriptors from the runtime's or the driver's (their
 * fields share names and values); flags differ and are the caller's.
 */
#define GV_TEX_DESC_FILL(q, t)                                                                     \
	do {                                                                                       \
		int i_;                                                                            \
		for (i_ = 0; i_ < 3; i_++)                                                         \
			(q)->address_mode[i_] = (t)->addressMode[i_];                              \
		for (i_ = 0; i_ < 4; i_++)                                                         \
			(q)->border_color[i_] = (t)->borderColor[i_];                              \
		(q)->filter_mode = (t)->filterMode;                                                \
		(q)->max_anisotropy = (t)->maxAnisotropy;                                          \
		(q)->mipmap_filter_mode = (t)->mipmapFilterMode;                                   \
		(q)->mipmap_level_bias = (t)->mipmapLevelBias;                                     \
		(q)->min_mipmap_level_clamp = (t)->minMipmapLevelClamp;                            \
		(q)->max_mipmap_level_clamp = (t)->maxMipmapLevelClamp;                            \
	} while (0)
#define GV_VIEW_DESC_FILL(q, v)                                                                    \
	do {                                                                                       \
		(q)->format = (v)->format;                                                         \
		(q)->width = (v)->width;                                                           \
		(q)->height = (v)->height;                                                         \
		(q)->depth = (v)->depth;                                                           \
		(q)->first_mipmap_level = (v)->firstMipmapLevel;                                   \
		(q)->last_mipmap_level = (v)->lastMipmapLevel;                                     \
		(q)->first_layer = (v)->firstLayer;                                                \
		(q)->last_layer = (v)->lastLayer;                                                  \
	} while (0)

/* ---- device properties (device_prop.c) ---- */

const struct gv_device_info_resp *gv_device_info(int dev, cudaError_t *err);
void gv_fill_device_prop(struct cudaDeviceProp *p, const struct gv_device_info_resp *i);

#endif
