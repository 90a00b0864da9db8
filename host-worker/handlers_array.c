/* SPDX-License-Identifier: MIT */
/*
 * Copies in three dimensions between host memory, device memory and arrays
 * (MEMCPY_3D), and texture and surface objects (TEX_CREATE).  Every array
 * handle, device range and host span is checked here; positions inside an
 * array are the driver's to check against the array's own extent.  The
 * driver functions come from the generated table, so the CPU double, which
 * has none, answers CUDA_ERROR_NOT_SUPPORTED.
 */
#include "gen_support.h"
#include "log.h"
#include "shadow.h"

/* One end of a copy, as CUDA_MEMCPY3D names it. */
struct end {
	CUmemorytype type;
	const void *host;
	CUdeviceptr dev;
	CUarray array;
	size_t x, y, z, pitch, height;
};

/* Bytes a host or device side spans from its first byte. */
static uint64_t span(const struct gv_copy_side *s, const struct gv_memcpy3d_req *q)
{
	uint64_t slices = gvg_mul(gvg_mul(s->pitch, s->height), q->depth - 1);

	return gvg_add(gvg_add(slices, gvg_mul(s->pitch, q->rows - 1)), q->width);
}

static int end_of(struct gvw_call *c, const struct gv_copy_side *s, const struct gv_memcpy3d_req *q,
		  void *host, struct end *e)
{
	/* Rows and slices that overlap would make a range check meaningless. */
	int packed = (q->rows > 1 || q->depth > 1) && s->pitch < q->width;

	memset(e, 0, sizeof(*e));
	switch (s->kind) {
	case GV_COPY_HOST:
		if (packed || s->x || s->y || s->z || (q->depth > 1 && s->height < q->rows))
			return CUDA_ERROR_INVALID_VALUE;
		e->type = CU_MEMORYTYPE_HOST;
		e->host = host;
		e->pitch = s->pitch;
		e->height = s->height;
		return CUDA_SUCCESS;
	case GV_COPY_DEVICE:
	case GV_COPY_SHADOW: {
		uint64_t first =
		    gvg_add(gvg_mul(gvg_add(gvg_mul(s->z, s->height), s->y), s->pitch), s->x);

		if (packed || (q->depth > 1 && s->height < q->rows))
			return CUDA_ERROR_INVALID_VALUE;
		if (s->kind == GV_COPY_DEVICE) {
			if (gvg_devptr(c, gvg_add(s->addr, first), span(s, q)))
				return CUDA_ERROR_INVALID_VALUE;
			e->type = CU_MEMORYTYPE_DEVICE;
			e->dev = s->addr;
		} else {
			/* The session's host buffer standing for the guest's (shadow.c). */
			e->host = gvw_shadow_span(c->s, s->addr, first, span(s, q));
			if (!e->host)
				return CUDA_ERROR_INVALID_VALUE;
			e->type = CU_MEMORYTYPE_HOST;
		}
		e->x = s->x;
		e->y = s->y;
		e->z = s->z;
		e->pitch = s->pitch;
		e->height = s->height;
		return CUDA_SUCCESS;
	}
	case GV_COPY_ARRAY: {
		int r = gvg_handle(c, s->addr, GVW_H_ARRAY, (void **)&e->array);

		if (r || !e->array)
			return r ? r : CUDA_ERROR_INVALID_HANDLE;
		e->type = CU_MEMORYTYPE_ARRAY;
		e->x = s->x;
		e->y = s->y;
		e->z = s->z;
		return CUDA_SUCCESS;
	}
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

/* q as the driver's descriptor, host being the host side's bytes, if any. */
static int params(struct gvw_call *c, const struct gv_memcpy3d_req *q, void *host, CUDA_MEMCPY3D *m)
{
	struct end src, dst;
	int e = end_of(c, &q->src, q, host, &src);

	if (!e)
		e = end_of(c, &q->dst, q, host, &dst);
	if (e)
		return e;
	memset(m, 0, sizeof(*m));
	m->srcXInBytes = src.x;
	m->srcY = src.y;
	m->srcZ = src.z;
	m->srcMemoryType = src.type;
	m->srcHost = src.host;
	m->srcDevice = src.dev;
	m->srcArray = src.array;
	m->srcPitch = src.pitch;
	m->srcHeight = src.height;
	m->dstXInBytes = dst.x;
	m->dstY = dst.y;
	m->dstZ = dst.z;
	m->dstMemoryType = dst.type;
	m->dstHost = (void *)dst.host;
	m->dstDevice = dst.dev;
	m->dstArray = dst.array;
	m->dstPitch = dst.pitch;
	m->dstHeight = dst.height;
	m->WidthInBytes = q->width;
	m->Height = q->rows;
	m->Depth = q->depth;
	return CUDA_SUCCESS;
}

/*
 * A shadow side is for a stream being captured only: the copy becomes a
 * graph's node, which the guest's launches of the graph feed and drain.
 * Run now, nothing would bring its bytes to or from the guest.
 */
static int capturing(struct gvw_call *c, void *stream)
{
	CUstreamCaptureStatus st = CU_STREAM_CAPTURE_STATUS_NONE;
	int e = gvg_enter(c, GVG_FN(cuda, cuStreamIsCapturing));

	if (!e)
		e = (int)GVG_DRV(c, cuda, cuStreamIsCapturing)(stream, &st);
	if (!e && st != CU_STREAM_CAPTURE_STATUS_ACTIVE)
		e = CUDA_ERROR_INVALID_VALUE;
	return e;
}

int gvw_h_MEMCPY_3D(struct gvw_call *c)
{
	const struct gv_memcpy3d_req *q = c->req;
	const struct gv_copy_side *hs = NULL;
	CUDA_MEMCPY3D m;
	void *host = NULL, *stream = NULL;
	int staged = 0;
	int e = gvg_enter(c, GVG_FN(cuda, cuMemcpy3DAsync_v2));

	if (e)
		return e;
	if (!q->width || !q->rows || !q->depth)
		return CUDA_SUCCESS; /* natively, nothing to copy */
	if (q->src.kind == GV_COPY_HOST && q->dst.kind == GV_COPY_HOST)
		return CUDA_ERROR_INVALID_VALUE; /* the guest copies those itself */
	if (q->src.kind == GV_COPY_HOST || q->dst.kind == GV_COPY_HOST) {
		hs = q->src.kind == GV_COPY_HOST ? &q->src : &q->dst;
		e = gvg_bulk(c, hs == &q->src ? GV_BULK_TO_HOST : GV_BULK_UPDATE, span(hs, q),
			     &host, &staged);
		if (!e && !host)
			e = CUDA_ERROR_INVALID_VALUE;
	} else if (c->bulk) {
		e = CUDA_ERROR_INVALID_VALUE;
	}
	if (!e)
		e = gvg_stream(c, q->stream, &stream);
	if (!e && (q->src.kind == GV_COPY_SHADOW || q->dst.kind == GV_COPY_SHADOW))
		e = capturing(c, stream);
	if (!e)
		e = params(c, q, host, &m);
	if (!e)
		e = (int)GVG_DRV(c, cuda, cuMemcpy3DAsync_v2)(&m, stream);
	/* The guest's pages are the host's only for this request. */
	if (!e && hs)
		e = gvw_ex(c)->stream_sync(c->ctx, stream);
	if (!e && staged && hs == &q->dst)
		gvg_bulk_unstage(c, host);
	if (staged)
		free(host);
	return e;
}

static int node_present(struct gvw_call *c, uint32_t op)
{
	switch (op) {
	case GV_MEMCPY_NODE_ADD:
		return gvg_enter(c, GVG_FN(cuda, cuGraphAddMemcpyNode));
	case GV_MEMCPY_NODE_SET:
		return gvg_enter(c, GVG_FN(cuda, cuGraphMemcpyNodeSetParams));
	case GV_MEMCPY_NODE_EXEC_SET:
		return gvg_enter(c, GVG_FN(cuda, cuGraphExecMemcpyNodeSetParams));
	case GV_MEMCPY_NODE_GET:
		return gvg_enter(c, GVG_FN(cuda, cuGraphMemcpyNodeGetParams));
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

/* One side of a node's copy as the wire names it; a host side must be a shadow's. */
static int side_out(struct gvw_call *c, CUmemorytype type, const void *host, CUdeviceptr dev,
		    CUarray array, size_t x, size_t y, size_t z, size_t pitch, size_t height,
		    struct gv_copy_side *out, uint64_t *guest)
{
	struct gv_copy_side s = {.pitch = pitch, .height = height, .x = x, .y = y, .z = z};
	uint64_t h = 0, off = 0, g = 0;

	if (type == CU_MEMORYTYPE_UNIFIED) {
		host = (const void *)(uintptr_t)dev;
		type = gvw_shadow_of(c->s, host, &h, &off, &g) ? CU_MEMORYTYPE_DEVICE
							       : CU_MEMORYTYPE_HOST;
	}
	switch (type) {
	case CU_MEMORYTYPE_HOST:
		if (gvw_shadow_of(c->s, host, &h, &off, &g))
			return CUDA_ERROR_NOT_SUPPORTED; /* host memory of the driver's own */
		s.kind = GV_COPY_SHADOW;
		s.addr = h;
		s.x = gvg_add(x, off); /* the same first byte, from the shadow's start */
		break;
	case CU_MEMORYTYPE_DEVICE:
		s.kind = GV_COPY_DEVICE;
		s.addr = dev;
		break;
	case CU_MEMORYTYPE_ARRAY:
		s.kind = GV_COPY_ARRAY;
		s.addr = gvg_handle_new(c, GVW_H_ARRAY, array);
		if (!s.addr)
			return CUDA_ERROR_OUT_OF_MEMORY;
		break;
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
	*out = s;
	*guest = g;
	return CUDA_SUCCESS;
}

static int node_get(struct gvw_call *c, CUgraphNode node, struct gv_memcpy_node_resp *r)
{
	CUDA_MEMCPY3D m = {0};
	struct gv_copy_side src, dst;
	uint64_t sg = 0, dg = 0;
	int e = (int)GVG_DRV(c, cuda, cuGraphMemcpyNodeGetParams)(node, &m);

	if (!e)
		e = side_out(c, m.srcMemoryType, m.srcHost, m.srcDevice, m.srcArray, m.srcXInBytes,
			     m.srcY, m.srcZ, m.srcPitch, m.srcHeight, &src, &sg);
	if (!e)
		e = side_out(c, m.dstMemoryType, m.dstHost, m.dstDevice, m.dstArray, m.dstXInBytes,
			     m.dstY, m.dstZ, m.dstPitch, m.dstHeight, &dst, &dg);
	if (e)
		return e;
	r->copy.src = src;
	r->copy.dst = dst;
	r->src_guest = sg;
	r->dst_guest = dg;
	r->copy.width = m.WidthInBytes;
	r->copy.rows = m.Height;
	r->copy.depth = m.Depth;
	return CUDA_SUCCESS;
}

/*
 * A graph's copy node (MEMCPY_NODE).  Its host sides are the session's
 * shadows, never guest pages: the node runs at every launch, long after
 * this request.  An executable graph given new parameters may use more
 * shadows than it was made with: they join its list.
 */
int gvw_h_MEMCPY_NODE(struct gvw_call *c)
{
	const struct gv_memcpy_node_req *q = c->req;
	struct gv_memcpy_node_resp *r = c->resp;
	CUgraphNode *deps = NULL, node = NULL;
	CUDA_MEMCPY3D m;
	void *h = NULL;
	uint32_t at = 0;
	int e = node_present(c, q->op);

	if (e)
		return e;
	if ((q->op != GV_MEMCPY_NODE_ADD && q->ndeps) || q->ndeps > GV_MAX_ARRAY ||
	    c->tail_len != 8ull * q->ndeps || c->bulk)
		return CUDA_ERROR_INVALID_VALUE;
	if (q->op != GV_MEMCPY_NODE_ADD) {
		e = gvg_handle(c, q->node, GVW_H_GRAPH_NODE, (void **)&node);
		if (e)
			return e;
	}
	if (q->op == GV_MEMCPY_NODE_GET)
		return node_get(c, node, r);
	if (q->copy.src.kind == GV_COPY_HOST || q->copy.dst.kind == GV_COPY_HOST)
		return CUDA_ERROR_INVALID_VALUE; /* guest pages: gone after this request */
	e = params(c, &q->copy, NULL, &m);
	if (e)
		return e;
	switch (q->op) {
	case GV_MEMCPY_NODE_ADD:
		e = gvg_handle(c, q->graph, GVW_H_GRAPH, &h);
		if (!e && q->ndeps)
			e = gvg_handle_array(c, &at, q->ndeps, GVW_H_GRAPH_NODE, (void **)&deps);
		if (!e)
			e = (int)GVG_DRV(c, cuda, cuGraphAddMemcpyNode)(&node, h, deps, q->ndeps,
									&m, c->ctx);
		if (!e && !(r->handle = gvg_handle_new(c, GVW_H_GRAPH_NODE, node)))
			e = CUDA_ERROR_OUT_OF_MEMORY;
		free(deps);
		return e;
	case GV_MEMCPY_NODE_SET:
		return (int)GVG_DRV(c, cuda, cuGraphMemcpyNodeSetParams)(node, &m);
	default:
		e = gvg_handle(c, q->graph, GVW_H_GRAPH_EXEC, &h);
		if (!e)
			e = (int)GVG_DRV(c, cuda, cuGraphExecMemcpyNodeSetParams)(h, node, &m,
										  c->ctx);
		if (!e) {
			gvw_shadow_forget_node(c->s, h, node);
			e = gvw_shadow_note_copy(c->s, c->ctx, h, node, &m);
		}
		return e;
	}
}

static int resource(struct gvw_call *c, const struct gv_res_desc *r, CUDA_RESOURCE_DESC *out)
{
	memset(out, 0, sizeof(*out));
	out->resType = (CUresourcetype)r->type;
	out->flags = r->flags;
	switch (r->type) {
	case GV_RES_ARRAY:
		return gvg_handle(c, r->handle, GVW_H_ARRAY, (void **)&out->res.array.hArray);
	case GV_RES_MIPMAPPED_ARRAY:
		return gvg_handle(c, r->handle, GVW_H_MIPMAPPED_ARRAY,
				  (void **)&out->res.mipmap.hMipmappedArray);
	case GV_RES_LINEAR:
		out->res.linear.devPtr = r->handle;
		out->res.linear.format = (CUarray_format)r->format;
		out->res.linear.numChannels = r->channels;
		out->res.linear.sizeInBytes = r->size;
		break;
	case GV_RES_PITCH2D:
		out->res.pitch2D.devPtr = r->handle;
		out->res.pitch2D.format = (CUarray_format)r->format;
		out->res.pitch2D.numChannels = r->channels;
		out->res.pitch2D.width = r->width;
		out->res.pitch2D.height = r->height;
		out->res.pitch2D.pitchInBytes = r->pitch;
		break;
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
	/*
	 * Memory: only the start must be the session's.  The driver does not
	 * hold the size to the allocation (cuda-samples' convolutionFFT2D
	 * describes more than it allocated), and only the GPU reads through a
	 * texture, in this session's own context, as a kernel may read any
	 * address there.
	 */
	return r->handle && gvg_devptr(c, r->handle, 1) ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

int gvw_h_TEX_CREATE(struct gvw_call *c)
{
	const struct gv_tex_create_req *q = c->req;
	struct gv_handle_resp *r = c->resp;
	CUDA_RESOURCE_DESC res;
	CUDA_TEXTURE_DESC tex = {0};
	CUDA_RESOURCE_VIEW_DESC view = {0};
	int i, e = q->surface ? gvg_enter(c, GVG_FN(cuda, cuSurfObjectCreate))
			      : gvg_enter(c, GVG_FN(cuda, cuTexObjectCreate));

	if (!e)
		e = resource(c, &q->res, &res);
	if (e)
		return e;
	if (q->surface) {
		CUsurfObject s = 0;

		e = (int)GVG_DRV(c, cuda, cuSurfObjectCreate)(&s, &res);
		if (!e && (e = gvg_raw_add(c, GVW_H_SURFACE, s)))
			GVG_DRV(c, cuda, cuSurfObjectDestroy)(s);
		r->handle = e ? 0 : s;
		return e;
	}
	for (i = 0; i < 3; i++)
		tex.addressMode[i] = (CUaddress_mode)q->tex.address_mode[i];
	tex.filterMode = (CUfilter_mode)q->tex.filter_mode;
	tex.flags = q->tex.flags;
	tex.maxAnisotropy = q->tex.max_anisotropy;
	tex.mipmapFilterMode = (CUfilter_mode)q->tex.mipmap_filter_mode;
	tex.mipmapLevelBias = q->tex.mipmap_level_bias;
	tex.minMipmapLevelClamp = q->tex.min_mipmap_level_clamp;
	tex.maxMipmapLevelClamp = q->tex.max_mipmap_level_clamp;
	for (i = 0; i < 4; i++)
		tex.borderColor[i] = q->tex.border_color[i];
	if (q->has_view) {
		view.format = (CUresourceViewFormat)q->view.format;
		view.width = q->view.width;
		view.height = q->view.height;
		view.depth = q->view.depth;
		view.firstMipmapLevel = q->view.first_mipmap_level;
		view.lastMipmapLevel = q->view.last_mipmap_level;
		view.firstLayer = q->view.first_layer;
		view.lastLayer = q->view.last_layer;
	}
	{
		CUtexObject t = 0;

		e = (int)GVG_DRV(c, cuda, cuTexObjectCreate)(&t, &res, &tex,
							     q->has_view ? &view : NULL);
		if (!e && (e = gvg_raw_add(c, GVW_H_TEXTURE, t)))
			GVG_DRV(c, cuda, cuTexObjectDestroy)(t);
		r->handle = e ? 0 : t;
	}
	return e;
}
