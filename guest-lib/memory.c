/* SPDX-License-Identifier: MIT */
/*
 * Memory calls.  Copies hand the host the caller's own buffers: the
 * transport pins them in place, so the guest never copies bulk data.
 * Copies larger than one request may carry are split into consecutive
 * requests, which keeps native ordering.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gvirtus_ext.h"
#include "gvrt.h"

cudaError_t gv_track_device(cudaError_t e, uint64_t ptr, uint64_t size)
{
	if (e == cudaSuccess && ptr) {
		struct gv_region r = {.base = (uintptr_t)ptr,
				      .size = size,
				      .device = gv_current_device(),
				      .kind = GV_REGION_DEVICE};

		gv_region_add(&r);
	}
	return e;
}

GVRT_EXPORT cudaError_t cudaMalloc(void **ptr, size_t size)
{
	struct gv_malloc_req q = {.size = size};
	struct gv_ptr_resp r = {0};
	cudaError_t e;

	if (!ptr)
		return gv_ret(cudaErrorInvalidValue);
	e = GV_RPC(MALLOC, &q, &r, NULL, 0);
	e = gv_track_device(e, r.ptr, size);
	if (e == cudaSuccess)
		*ptr = (void *)(uintptr_t)r.ptr;
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaMallocPitch(void **ptr, size_t *pitch, size_t width, size_t height)
{
	struct gv_malloc_pitch_req q = {.width = width, .height = height};
	struct gv_malloc_pitch_resp r = {0};
	cudaError_t e;

	if (!ptr || !pitch)
		return gv_ret(cudaErrorInvalidValue);
	e = GV_RPC(MALLOC_PITCH, &q, &r, NULL, 0);
	e = gv_track_device(e, r.ptr, r.pitch * height);
	if (e == cudaSuccess) {
		*ptr = (void *)(uintptr_t)r.ptr;
		*pitch = r.pitch;
	}
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaFree(void *ptr)
{
	struct gv_ptr_req q = {.ptr = (uintptr_t)ptr};
	struct gv_empty r;
	cudaError_t e = GV_RPC(FREE, &q, &r, NULL, 0);

	if (e == cudaSuccess && ptr) {
		gv_managed_forget((uintptr_t)ptr);
		gv_region_remove((uintptr_t)ptr, GV_REGION_DEVICE, NULL);
	}
	return gv_ret(e);
}

/* Managed memory: the host's allocation, mirrored here (managed.c). */
GVRT_EXPORT cudaError_t cudaMallocManaged(void **ptr, size_t size, unsigned int flags)
{
	struct gv_malloc_managed_req q = {.size = size, .flags = flags};
	struct gv_ptr_resp r = {0};
	struct gv_ptr_req fq;
	struct gv_empty fr;
	cudaError_t e;

	if (!ptr)
		return gv_ret(cudaErrorInvalidValue);
	e = GV_RPC(MALLOC_MANAGED, &q, &r, NULL, 0);
	e = gv_managed_track(e, r.ptr, size);
	if (e == cudaSuccess) {
		*ptr = (void *)(uintptr_t)r.ptr;
	} else if (r.ptr) {
		/* Allocated on the host, not mirrored here: it goes. */
		fq.ptr = r.ptr;
		(void)GV_RPC(FREE, &fq, &fr, NULL, 0);
		gv_region_remove((uintptr_t)r.ptr, GV_REGION_DEVICE, NULL);
	}
	return gv_ret(e);
}

/* The direction a cudaMemcpyDefault copy takes, from what we allocated. */
static int is_device(const void *p)
{
	struct gv_region r;

	return gv_region_find(p, &r) == 0 && r.kind == GV_REGION_DEVICE;
}

static enum cudaMemcpyKind resolve_kind(const void *dst, const void *src, enum cudaMemcpyKind kind)
{
	if (kind != cudaMemcpyDefault)
		return kind;
	if (is_device(dst))
		return is_device(src) ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice;
	return is_device(src) ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost;
}

static uint64_t max_bulk(void)
{
	const struct gv_session_info *s = gv_session();

	return s->ready ? s->t->max_bulk : UINT64_MAX;
}

/*
 * Memsets and device-to-device copies are asynchronous calls (queued,
 * gv_rpc_async) when the guest knows what the host would answer: the
 * bytes lie in one allocation of the current device that this process
 * made (through either API) and has not freed, on a stream the guest
 * knows live.  Anything else asks the host at once.  A call the driver
 * API makes through the runtime's ops (gv_driver_call) is not queued
 * here: its own paths decide (gv_may_queue_set, gv_copy through copy()).
 */
static int own_bytes(const void *p, size_t count)
{
	struct gv_region r;
	uintptr_t at = (uintptr_t)p;

	return gv_region_find(p, &r) == 0 && r.kind == GV_REGION_DEVICE &&
	       r.device == gv_current_device() && at >= r.base && at - r.base <= r.size &&
	       count <= r.size - (at - r.base);
}

static int may_queue_on(cudaStream_t stream, size_t count)
{
	return count && !gv_driver_call && gv_async_enabled() && gv_stream_known(stream);
}

int gv_may_queue_set(const void *dst, size_t count, cudaStream_t stream)
{
	return count && gv_async_enabled() && gv_stream_known(stream) && own_bytes(dst, count);
}

cudaError_t gv_copy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
		    cudaStream_t stream)
{
	struct gv_memcpy_req q;
	struct gv_empty r;
	struct gv_buf b;
	uint64_t chunk = max_bulk();
	size_t off;
	cudaError_t e = cudaSuccess;

	if ((unsigned int)kind > cudaMemcpyDefault)
		return cudaErrorInvalidMemcpyDirection;
	if (count == 0)
		return cudaSuccess;
	if (!dst || !src)
		return cudaErrorInvalidValue;
	switch (resolve_kind(dst, src, kind)) {
	case cudaMemcpyHostToHost:
		memmove(dst, src, count);
		return cudaSuccess;
	case cudaMemcpyHostToDevice:
		/* A captured copy becomes a node, which runs later (copy3d.c). */
		if (gv_copy_is_captured(stream))
			return gv_copy_captured(dst, count, src, count, count, 1, 1, stream);
		/* Small copies carry their bytes in the messages (no bulk buffer:
		 * through the session mailbox where there is one). */
		if (count <= GV_INLINE_COPY_MAX) {
			q = (struct gv_memcpy_req){(uintptr_t)dst, 0, count,
						   gv_stream_value(stream)};
			return gv_rpc_tail(GV_OP_MEMCPY_HTOD_INLINE, &q, sizeof(q), src,
					   (uint32_t)count, &r, sizeof(r), NULL, 0);
		}
		for (off = 0; off < count && e == cudaSuccess; off += b.len) {
			b = (struct gv_buf){(const char *)src + off,
					    count - off < chunk ? count - off : chunk,
					    GV_BULK_TO_HOST};
			q = (struct gv_memcpy_req){(uintptr_t)dst + off, 0, b.len,
						   gv_stream_value(stream)};
			e = GV_RPC(MEMCPY_HTOD, &q, &r, &b, 1);
		}
		return e;
	case cudaMemcpyDeviceToHost:
		if (gv_copy_is_captured(stream))
			return gv_copy_captured(dst, count, src, count, count, 1, 0, stream);
		if (count <= GV_INLINE_COPY_MAX) {
			struct gv_inline_copy_resp in;

			q = (struct gv_memcpy_req){0, (uintptr_t)src, count,
						   gv_stream_value(stream)};
			e = GV_RPC(MEMCPY_DTOH_INLINE, &q, &in, NULL, 0);
			if (e == cudaSuccess)
				memcpy(dst, in.data, count);
			return e;
		}
		for (off = 0; off < count && e == cudaSuccess; off += b.len) {
			b = (struct gv_buf){(char *)dst + off,
					    count - off < chunk ? count - off : chunk,
					    GV_BULK_FROM_HOST};
			q = (struct gv_memcpy_req){0, (uintptr_t)src + off, b.len,
						   gv_stream_value(stream)};
			e = GV_RPC(MEMCPY_DTOH, &q, &r, &b, 1);
		}
		return e;
	default:
		q = (struct gv_memcpy_req){(uintptr_t)dst, (uintptr_t)src, count,
					   gv_stream_value(stream)};
		if (may_queue_on(stream, count) && own_bytes(dst, count) && own_bytes(src, count))
			return gv_rpc_async(GV_OP_MEMCPY_DTOD, &q, sizeof(q), NULL, 0);
		return GV_RPC(MEMCPY_DTOD, &q, &r, NULL, 0);
	}
}

cudaError_t gv_memcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
		      cudaStream_t stream)
{
	return gv_ret(gv_copy(dst, src, count, kind, stream));
}

GVRT_EXPORT cudaError_t cudaMemcpy(void *dst, const void *src, size_t count,
				   enum cudaMemcpyKind kind)
{
	return gv_memcpy(dst, src, count, kind, 0);
}

/*
 * Stream-ordered; a copy that touches host memory has completed when this
 * returns (the host maps the guest's pages only for the request), which
 * is more synchronous than native but never less correct.
 */
GVRT_EXPORT cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count,
					enum cudaMemcpyKind kind, cudaStream_t stream)
{
	struct gv_region r;

	/*
	 * A small copy from host memory into this process's own allocation is
	 * queued with its bytes (the async class): taken now, as the driver
	 * stages pageable memory, and written in stream order.  cudaMemcpy
	 * itself stays synchronous: natively it waits for the stream first,
	 * and reports what earlier work did.  While a capture may be in
	 * progress, the copy asks the host, which says whether it is allowed.
	 */
	if (count <= GV_INLINE_COPY_MAX && dst && src && (unsigned int)kind <= cudaMemcpyDefault &&
	    resolve_kind(dst, src, kind) == cudaMemcpyHostToDevice &&
	    (gv_region_find(src, &r) != 0 || r.kind != GV_REGION_DEVICE) && !gv_capturing() &&
	    may_queue_on(stream, count) && own_bytes(dst, count)) {
		struct gv_memcpy_req q = {(uintptr_t)dst, 0, count, gv_stream_value(stream)};

		return gv_ret(
		    gv_rpc_async(GV_OP_MEMCPY_HTOD_INLINE, &q, sizeof(q), src, (uint32_t)count));
	}
	return gv_memcpy(dst, src, count, kind, stream);
}

GVRT_EXPORT cudaError_t cudaMemsetAsync(void *dst, int value, size_t count, cudaStream_t stream)
{
	struct gv_memset_req q = {.dst = (uintptr_t)dst,
				  .size = count,
				  .value = value,
				  .stream = gv_stream_value(stream)};
	struct gv_empty r;

	if (may_queue_on(stream, count) && own_bytes(dst, count))
		return gv_ret(gv_rpc_async(GV_OP_MEMSET, &q, sizeof(q), NULL, 0));
	return gv_ret(GV_RPC(MEMSET, &q, &r, NULL, 0));
}

GVRT_EXPORT cudaError_t cudaMemset(void *dst, int value, size_t count)
{
	return cudaMemsetAsync(dst, value, count, 0);
}

/* Rows [y0, y0 + rows) of a 2D copy as one request. */
static cudaError_t copy2d_rows(char *dst, size_t dpitch, const char *src, size_t spitch,
			       size_t width, size_t rows, enum cudaMemcpyKind kind,
			       cudaStream_t stream)
{
	struct gv_memcpy2d_req q = {
	    .dst = (uintptr_t)dst,
	    .dpitch = dpitch,
	    .src = (uintptr_t)src,
	    .spitch = spitch,
	    .width = width,
	    .height = rows,
	    .kind = kind,
	    .stream = gv_stream_value(stream),
	};
	struct gv_empty r;
	struct gv_buf b;

	if (kind == cudaMemcpyHostToDevice) {
		b = (struct gv_buf){src, (rows - 1) * spitch + width, GV_BULK_TO_HOST};
		q.src = 0;
	} else if (kind == cudaMemcpyDeviceToHost) {
		b = (struct gv_buf){dst, (rows - 1) * dpitch + width, GV_BULK_UPDATE};
		q.dst = 0;
	} else {
		return GV_RPC(MEMCPY_2D, &q, &r, NULL, 0);
	}
	return GV_RPC(MEMCPY_2D, &q, &r, &b, 1);
}

cudaError_t gv_copy2d(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
		      size_t height, enum cudaMemcpyKind kind, cudaStream_t stream)
{
	size_t hpitch, rows, y;
	cudaError_t e = cudaSuccess;

	if ((unsigned int)kind > cudaMemcpyDefault)
		return cudaErrorInvalidMemcpyDirection;
	if (width > dpitch || width > spitch)
		return cudaErrorInvalidPitchValue;
	if (width == 0 || height == 0)
		return cudaSuccess;
	if (!dst || !src)
		return cudaErrorInvalidValue;
	kind = resolve_kind(dst, src, kind);
	if (kind == cudaMemcpyHostToHost) {
		for (y = 0; y < height; y++)
			memmove((char *)dst + y * dpitch, (const char *)src + y * spitch, width);
		return cudaSuccess;
	}
	if ((kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToHost) &&
	    gv_copy_is_captured(stream))
		return gv_copy_captured(dst, dpitch, src, spitch, width, height,
					kind == cudaMemcpyHostToDevice, stream);
	/* Split by rows so each request's host span fits one bulk buffer. */
	hpitch = kind == cudaMemcpyHostToDevice ? spitch : dpitch;
	rows = kind == cudaMemcpyDeviceToDevice ? height : max_bulk() / hpitch;
	if (rows == 0)
		return cudaErrorInvalidValue;
	for (y = 0; y < height && e == cudaSuccess; y += rows) {
		size_t n = height - y < rows ? height - y : rows;

		e = copy2d_rows((char *)dst + y * dpitch, dpitch, (const char *)src + y * spitch,
				spitch, width, n, kind, stream);
	}
	return e;
}

GVRT_EXPORT cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch,
					  size_t width, size_t height, enum cudaMemcpyKind kind,
					  cudaStream_t stream)
{
	return gv_ret(gv_copy2d(dst, dpitch, src, spitch, width, height, kind, stream));
}

GVRT_EXPORT cudaError_t cudaMemcpy2D(void *dst, size_t dpitch, const void *src, size_t spitch,
				     size_t width, size_t height, enum cudaMemcpyKind kind)
{
	return cudaMemcpy2DAsync(dst, dpitch, src, spitch, width, height, kind, 0);
}

cudaError_t gv_host_alloc(void **ptr, size_t size, unsigned int flags)
{
	const unsigned int known =
	    cudaHostAllocPortable | cudaHostAllocMapped | cudaHostAllocWriteCombined;
	struct gv_region r;
	size_t len;
	void *p;

	if (!ptr || (flags & ~known))
		return cudaErrorInvalidValue;
	if (size == 0) {
		*ptr = NULL;
		return cudaSuccess;
	}
	/*
	 * The guest's memory is host memory already; it is page-locked here
	 * so the pages stay put while copies name them.
	 */
	len = (size + (size_t)getpagesize() - 1) & ~((size_t)getpagesize() - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return cudaErrorMemoryAllocation;
	mlock(p, len);
	gv_pin_host(p, len, 1);
	r = (struct gv_region){.base = (uintptr_t)p,
			       .size = size,
			       .device = gv_current_device(),
			       .kind = GV_REGION_HOST,
			       .flags = flags};
	gv_region_add(&r);
	*ptr = p;
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaHostAlloc(void **ptr, size_t size, unsigned int flags)
{
	return gv_ret(gv_host_alloc(ptr, size, flags));
}

GVRT_EXPORT cudaError_t cudaMallocHost(void **ptr, size_t size)
{
	return cudaHostAlloc(ptr, size, cudaHostAllocDefault);
}

cudaError_t gv_host_free(void *ptr)
{
	struct gv_region r;
	size_t len;

	if (!ptr)
		return cudaSuccess;
	if (gv_region_remove((uintptr_t)ptr, GV_REGION_HOST, &r))
		return cudaErrorInvalidValue;
	len = (r.size + (size_t)getpagesize() - 1) & ~((size_t)getpagesize() - 1);
	gv_pin_host(ptr, len, 0);
	munmap(ptr, len);
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaFreeHost(void *ptr)
{
	return gv_ret(gv_host_free(ptr));
}

GVRT_EXPORT cudaError_t cudaPointerGetAttributes(struct cudaPointerAttributes *attr,
						 const void *ptr)
{
	struct gv_ptr_req q = {.ptr = (uintptr_t)ptr};
	struct gv_pointer_attrs_resp r;
	struct gv_region reg;
	cudaError_t e;

	if (!attr)
		return gv_ret(cudaErrorInvalidValue);
	memset(attr, 0, sizeof(*attr));
	if (gv_region_find(ptr, &reg) == 0 && reg.kind == GV_REGION_HOST) {
		attr->type = cudaMemoryTypeHost;
		attr->device = reg.device;
		/* Not reachable from the host GPU (yet): no device pointer. */
		attr->devicePointer = NULL;
		attr->hostPointer = (void *)ptr;
		return cudaSuccess;
	}
	e = GV_RPC(POINTER_ATTRS, &q, &r, NULL, 0);
	if (e)
		return gv_ret(e);
	if (r.type == GV_MEM_DEVICE) {
		attr->type = cudaMemoryTypeDevice;
		attr->device = r.device;
		attr->devicePointer = (void *)ptr;
	} else {
		attr->type = cudaMemoryTypeUnregistered;
		attr->device = r.device;
	}
	return cudaSuccess;
}

GVRT_EXPORT int gvirtusGetWorkerStatsSized(struct gvirtus_worker_stats *out, size_t size)
{
	struct gv_empty q;
	struct gv_stats_resp r;
	struct gvirtus_worker_stats all;
	cudaError_t e = GV_RPC(STATS, &q, &r, NULL, 0);

	if (e == cudaSuccess) {
		all = (struct gvirtus_worker_stats){
		    .sessions = r.sessions,
		    .session_id = r.session_id,
		    .session_allocs = r.session_allocs,
		    .session_bytes = r.session_bytes,
		    .total_allocs = r.total_allocs,
		    .total_bytes = r.total_bytes,
		    .sessions_closed = r.sessions_closed,
		    .bytes_freed_at_close = r.bytes_freed_at_close,
		    .session_calls = r.session_calls,
		    .session_exec_ns = r.session_exec_ns,
		    .session_requests = r.session_requests,
		};
		memcpy(out, &all, size < sizeof(all) ? size : sizeof(all));
	}
	return e;
}

GVRT_EXPORT int gvirtusGetWorkerStats(struct gvirtus_worker_stats *out)
{
	return gvirtusGetWorkerStatsSized(out,
					  offsetof(struct gvirtus_worker_stats, session_exec_ns) +
					      sizeof(out->session_exec_ns));
}

GVRT_EXPORT cudaError_t cudaMemcpyPeerAsync(void *dst, int dst_device, const void *src,
					    int src_device, size_t count, cudaStream_t stream)
{
	struct gv_memcpy_peer_req q = {.dst = (uintptr_t)dst,
				       .src = (uintptr_t)src,
				       .size = count,
				       .dst_device = dst_device,
				       .src_device = src_device,
				       .stream = gv_stream_value(stream)};
	struct gv_empty r;

	return gv_ret(GV_RPC(MEMCPY_PEER, &q, &r, NULL, 0));
}

GVRT_EXPORT cudaError_t cudaMemcpyPeer(void *dst, int dst_device, const void *src, int src_device,
				       size_t count)
{
	cudaError_t e = cudaMemcpyPeerAsync(dst, dst_device, src, src_device, count, 0);

	/* Synchronous with respect to the host, like cudaMemcpy. */
	return e ? e : cudaStreamSynchronize(0);
}
