/* SPDX-License-Identifier: MIT */
/*
 * Copies in three dimensions (MEMCPY_3D), shared by the runtime's array
 * and 3D copies and the driver's cuMemcpy2D/3D with arrays.  A host side
 * goes as one bulk buffer from its first byte; a copy larger than one
 * request carries is split by slices, or by rows within one slice.
 */
#include <string.h>

#include "gvrt.h"

uint64_t gv_copy_span(const struct gv_copy_side *s, uint64_t width, uint64_t rows, uint64_t depth)
{
	return (depth - 1) * s->pitch * s->height + (rows - 1) * s->pitch + width;
}

char *gv_copy_first_byte(struct gv_copy_side *s, const void *base)
{
	char *p = (char *)base + (s->z * s->height + s->y) * s->pitch + s->x;

	s->x = s->y = s->z = 0;
	return p;
}

static cudaError_t one(struct gv_memcpy3d_req *q, char *host, int host_is_src)
{
	struct gv_empty r;
	struct gv_buf b;
	const struct gv_copy_side *hs = host_is_src ? &q->src : &q->dst;

	if (!host)
		return GV_RPC(MEMCPY_3D, q, &r, NULL, 0);
	b = (struct gv_buf){host, gv_copy_span(hs, q->width, q->rows, q->depth),
			    host_is_src ? GV_BULK_TO_HOST : GV_BULK_UPDATE};
	return GV_RPC(MEMCPY_3D, q, &r, &b, 1);
}

/*
 * On a stream being captured, a copy is a graph's node that runs at every
 * launch: its host side is a shadow (graph_shadow.c), a source's bytes
 * written to it now and before each launch.
 */
static cudaError_t captured(struct gv_memcpy3d_req *q, const void *src_host, void *dst_host)
{
	struct gv_empty r;
	cudaError_t e = cudaSuccess;

	if (q->src.kind == GV_COPY_HOST)
		e = gv_shadow_side(&q->src, q->width, q->rows, q->depth, src_host, 1);
	if (!e && q->dst.kind == GV_COPY_HOST)
		e = gv_shadow_side(&q->dst, q->width, q->rows, q->depth, dst_host, 0);
	return e ? e : GV_RPC(MEMCPY_3D, q, &r, NULL, 0);
}

cudaError_t gv_copy_captured(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
			     size_t height, int to_device, cudaStream_t stream)
{
	struct gv_memcpy3d_req q = {
	    .width = width, .rows = height, .depth = 1, .stream = gv_stream_value(stream)};

	q.src = (struct gv_copy_side){.kind = to_device ? GV_COPY_HOST : GV_COPY_DEVICE,
				      .addr = to_device ? 0 : (uintptr_t)src,
				      .pitch = spitch,
				      .height = height};
	q.dst = (struct gv_copy_side){.kind = to_device ? GV_COPY_DEVICE : GV_COPY_HOST,
				      .addr = to_device ? (uintptr_t)dst : 0,
				      .pitch = dpitch,
				      .height = height};
	return captured(&q, to_device ? src : NULL, to_device ? NULL : dst);
}

cudaError_t gv_copy3d(const struct gv_memcpy3d_req *req, const void *src_host, void *dst_host)
{
	struct gv_memcpy3d_req q = *req;
	const struct gv_session_info *s = gv_session();
	uint64_t max = s->ready ? s->t->max_bulk : UINT64_MAX, done, step;
	struct gv_copy_side *hs = NULL;
	char *host = NULL;
	cudaError_t e = cudaSuccess;

	if (!q.width || !q.rows || !q.depth)
		return cudaSuccess;
	if (q.src.kind == GV_COPY_HOST && q.dst.kind == GV_COPY_HOST) {
		/* Both sides are the guest's own memory. */
		uint64_t z, y;

		for (z = 0; z < q.depth; z++)
			for (y = 0; y < q.rows; y++)
				memmove(
				    (char *)dst_host +
					((q.dst.z + z) * q.dst.height + q.dst.y + y) * q.dst.pitch +
					q.dst.x,
				    (const char *)src_host +
					((q.src.z + z) * q.src.height + q.src.y + y) * q.src.pitch +
					q.src.x,
				    q.width);
		return cudaSuccess;
	}
	if ((q.src.kind == GV_COPY_HOST || q.dst.kind == GV_COPY_HOST) && gv_capturing() &&
	    gv_stream_capturing(q.stream))
		return captured(&q, src_host, dst_host);
	if (q.src.kind == GV_COPY_HOST) {
		hs = &q.src;
		host = gv_copy_first_byte(hs, src_host);
	} else if (q.dst.kind == GV_COPY_HOST) {
		hs = &q.dst;
		host = gv_copy_first_byte(hs, dst_host);
	}
	if (!hs || gv_copy_span(hs, q.width, q.rows, q.depth) <= max)
		return one(&q, host, hs == &q.src);
	if (hs->pitch == 0 || (q.depth > 1 && hs->height < q.rows))
		return cudaErrorInvalidValue;
	/* Too large for one request: whole slices if they fit, else rows. */
	if (q.depth > 1 && hs->pitch * hs->height <= max) {
		struct gv_memcpy3d_req part = q;

		step = max / (hs->pitch * hs->height);
		for (done = 0; done < q.depth && e == cudaSuccess; done += step) {
			part.depth = q.depth - done < step ? q.depth - done : step;
			part.src.z = q.src.z + (q.src.kind == GV_COPY_HOST ? 0 : done);
			part.dst.z = q.dst.z + (q.dst.kind == GV_COPY_HOST ? 0 : done);
			e = one(&part, host + done * hs->pitch * hs->height, hs == &q.src);
		}
		return e;
	}
	for (uint64_t z = 0; z < q.depth && e == cudaSuccess; z++) {
		struct gv_memcpy3d_req part = q;

		step = max / hs->pitch;
		if (step == 0)
			return cudaErrorInvalidValue;
		part.depth = 1;
		part.src.z = q.src.z + (q.src.kind == GV_COPY_HOST ? 0 : z);
		part.dst.z = q.dst.z + (q.dst.kind == GV_COPY_HOST ? 0 : z);
		for (done = 0; done < q.rows && e == cudaSuccess; done += step) {
			part.rows = q.rows - done < step ? q.rows - done : step;
			part.src.y = q.src.y + (q.src.kind == GV_COPY_HOST ? 0 : done);
			part.dst.y = q.dst.y + (q.dst.kind == GV_COPY_HOST ? 0 : done);
			e = one(&part, host + (z * hs->height + done) * hs->pitch, hs == &q.src);
		}
	}
	return e;
}
