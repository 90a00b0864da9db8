/* SPDX-License-Identifier: MIT */
/*
 * What the files of our libcuda.so.1 share.  The driver API runs on the
 * runtime shim's session (libcudart.so.13 exports its core to us under
 * GVIRTUS_PRIVATE_1), so a process that uses both sees one state.
 */
#ifndef GVIRTUS_GVCU_H
#define GVIRTUS_GVCU_H

#include <cuda.h>
#include <stdlib.h>
#include <string.h>

#include "gvrt.h"

#define GVCU_EXPORT __attribute__((visibility("default")))

/* A plain value between its wire field and its C type, of equal size. */
#define GVCU_COPY(dst, src)                                                                        \
	do {                                                                                       \
		_Static_assert(sizeof(*(dst)) == sizeof(*(src)), "wire size");                     \
		memcpy((dst), (src), sizeof(*(dst)));                                              \
	} while (0)

/*
 * A context is a guest object naming a device; every context of a device
 * runs in the session's one host context of that device.
 */
struct gvcu_ctx {
	uint32_t magic;
	int device;
	unsigned int flags;
	int primary;
	unsigned long long id;
};

/* CUDA_SUCCESS once cuInit (or the runtime) has reached the host. */
CUresult gvcu_initialized(void);
/* The thread's current context, or NULL. */
struct gvcu_ctx *gvcu_current(void);
/* Device dev's primary context (not retained), or NULL. */
struct gvcu_ctx *gvcu_primary(int dev);
/* CUDA_SUCCESS when initialized and a context is current. */
CUresult gvcu_need_ctx(void);
/* A context's device, -1 for NULL (the current one). */
int32_t gvcu_ctx_device(CUcontext ctx);
/* A runtime error code as the driver API reports the same failure. */
CUresult gvcu_result(cudaError_t e);
/* A CUkernel given for a CUfunction becomes its function in the current
 * context; a function stays as it is (driver_library.c). */
CUresult gvcu_function_of(CUfunction *f);

/* expr, a call into the runtime shim's core made for the driver API. */
#define GVCU_AS_DRIVER(expr)                                                                       \
	({                                                                                         \
		__typeof__(expr) r_;                                                               \
		gv_driver_call = 1;                                                                \
		r_ = (expr);                                                                       \
		gv_driver_call = 0;                                                                \
		r_;                                                                                \
	})

/* A CUDA_MEMCPY3D as MEMCPY_3D (driver_array.c): the wire's request, with
 * the bases of its host sides, or the copy made. */
CUresult gvcu_copy_req(const CUDA_MEMCPY3D *m, struct gv_memcpy3d_req *q, const void **src,
		       const void **dst);
CUresult gvcu_copy3d(const CUDA_MEMCPY3D *m, CUstream stream);

/* A stream's capture state (driver_capture.c); the arrays are thread-local. */
CUresult gvcu_capture_info(CUstream s, CUstreamCaptureStatus *status, cuuint64_t *id,
			   CUgraph *graph, const CUgraphNode **deps_out,
			   const CUgraphEdgeData **edges_out, size_t *n);

/*
 * A graph node's request (driver_graph.c) whose tail is its dependencies'
 * handles, then extra_len bytes of extra; the dependencies are checked
 * against what one request carries.
 */
CUresult gvcu_node_rpc(uint32_t op, const void *q, uint32_t q_len, const CUgraphNode *deps,
		       size_t ndeps, const void *extra, uint32_t extra_len, void *r,
		       uint32_t r_len);

/* One generated call: checks the context, then one round trip. */
CUresult gvcu_call(uint32_t op, const void *req, uint32_t req_len, const void *tail,
		   uint32_t tail_len, void *resp, uint32_t resp_len, const struct gv_buf *bufs,
		   unsigned int nbufs);
/* An existing op on the current context's device, result as a CUresult. */
CUresult gvcu_rpc(uint32_t op, const void *req, uint32_t req_len, const void *tail,
		  uint32_t tail_len, void *resp, uint32_t resp_len, const struct gv_buf *bufs,
		  unsigned int nbufs);
#define GVCU_RPC(op, reqp, respp, bufs, nbufs)                                                     \
	gvcu_rpc(GV_OP_##op, (reqp), sizeof(*(reqp)), NULL, 0, (respp), sizeof(*(respp)), (bufs),  \
		 (nbufs))

#endif
