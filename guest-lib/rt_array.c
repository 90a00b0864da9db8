/* SPDX-License-Identifier: MIT */
/*
 * Arrays, textures and surfaces in the runtime: arrays are made and
 * described by our libcuda.so.1 (cuArray3DCreate and its kin, generated),
 * copies with arrays go as MEMCPY_3D, and texture and surface objects as
 * TEX_CREATE.  Channel descriptors map to the driver's array formats.
 */
#include <cuda.h>
#include <string.h>

#include "gvrt.h"

static struct {
	CUresult (*create)(CUarray *, const CUDA_ARRAY3D_DESCRIPTOR *);
	CUresult (*describe)(CUDA_ARRAY3D_DESCRIPTOR *, CUarray);
	CUresult (*create_mipmapped)(CUmipmappedArray *, const CUDA_ARRAY3D_DESCRIPTOR *,
				     unsigned int);
} drv;

/* ---- channel descriptors and array formats ---- */

static const struct {
	enum cudaChannelFormatKind kind;
	int bits;
	CUarray_format format;
} formats[] = {
    {cudaChannelFormatKindUnsigned, 8, CU_AD_FORMAT_UNSIGNED_INT8},
    {cudaChannelFormatKindUnsigned, 16, CU_AD_FORMAT_UNSIGNED_INT16},
    {cudaChannelFormatKindUnsigned, 32, CU_AD_FORMAT_UNSIGNED_INT32},
    {cudaChannelFormatKindSigned, 8, CU_AD_FORMAT_SIGNED_INT8},
    {cudaChannelFormatKindSigned, 16, CU_AD_FORMAT_SIGNED_INT16},
    {cudaChannelFormatKindSigned, 32, CU_AD_FORMAT_SIGNED_INT32},
    {cudaChannelFormatKindFloat, 16, CU_AD_FORMAT_HALF},
    {cudaChannelFormatKindFloat, 32, CU_AD_FORMAT_FLOAT},
};

/* The driver's format and channel count of a descriptor. */
static cudaError_t to_format(const struct cudaChannelFormatDesc *d, CUarray_format *f,
			     unsigned int *channels)
{
	int bits[4] = {d->x, d->y, d->z, d->w}, n = 0, i;
	size_t k;

	for (i = 0; i < 4 && bits[i]; i++)
		n++;
	for (i = n; i < 4; i++)
		if (bits[i])
			return cudaErrorInvalidChannelDescriptor;
	if (n == 0 || n == 3)
		return cudaErrorInvalidChannelDescriptor;
	for (i = 1; i < n; i++)
		if (bits[i] != bits[0])
			return cudaErrorInvalidChannelDescriptor;
	for (k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
		if (formats[k].kind == d->f && formats[k].bits == bits[0]) {
			*f = formats[k].format;
			*channels = (unsigned int)n;
			return cudaSuccess;
		}
	}
	/* Normalized, block-compressed and video formats are not carried yet. */
	return d->f <= cudaChannelFormatKindFloat ? cudaErrorInvalidChannelDescriptor
						  : cudaErrorNotSupported;
}

static cudaError_t from_format(CUarray_format f, unsigned int channels,
			       struct cudaChannelFormatDesc *d)
{
	size_t k;

	for (k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
		if (formats[k].format == f) {
			int b = formats[k].bits;

			*d = cudaCreateChannelDesc(b, channels > 1 ? b : 0, channels > 2 ? b : 0,
						   channels > 3 ? b : 0, formats[k].kind);
			return cudaSuccess;
		}
	}
	return cudaErrorNotSupported;
}

/* ---- arrays ---- */

static cudaError_t need(void *slot, const char *name)
{
	return *(void **)slot || !gv_driver_load(slot, name) ? cudaSuccess : cudaErrorNotSupported;
}

static cudaError_t make_array(cudaArray_t *array, const struct cudaChannelFormatDesc *desc,
			      size_t w, size_t h, size_t d, unsigned int flags)
{
	CUDA_ARRAY3D_DESCRIPTOR ad = {.Width = w, .Height = h, .Depth = d, .Flags = flags};
	cudaError_t e;

	if (!array || !desc)
		return cudaErrorInvalidValue;
	e = to_format(desc, &ad.Format, &ad.NumChannels);
	if (!e)
		e = need(&drv.create, "cuArray3DCreate_v2");
	/* cudaArray* flags have the driver's CUDA_ARRAY3D_* values. */
	if (!e)
		e = (cudaError_t)drv.create((CUarray *)array, &ad);
	return e;
}

GVRT_EXPORT cudaError_t cudaMallocArray(cudaArray_t *array,
					const struct cudaChannelFormatDesc *desc, size_t width,
					size_t height, unsigned int flags)
{
	return gv_ret(make_array(array, desc, width, height, 0, flags));
}

GVRT_EXPORT cudaError_t cudaMalloc3DArray(cudaArray_t *array,
					  const struct cudaChannelFormatDesc *desc,
					  struct cudaExtent extent, unsigned int flags)
{
	return gv_ret(make_array(array, desc, extent.width, extent.height, extent.depth, flags));
}

GVRT_EXPORT cudaError_t cudaMallocMipmappedArray(cudaMipmappedArray_t *array,
						 const struct cudaChannelFormatDesc *desc,
						 struct cudaExtent extent, unsigned int levels,
						 unsigned int flags)
{
	CUDA_ARRAY3D_DESCRIPTOR ad = {
	    .Width = extent.width, .Height = extent.height, .Depth = extent.depth, .Flags = flags};
	cudaError_t e;

	if (!array || !desc)
		return gv_ret(cudaErrorInvalidValue);
	e = to_format(desc, &ad.Format, &ad.NumChannels);
	if (!e)
		e = need(&drv.create_mipmapped, "cuMipmappedArrayCreate");
	if (!e)
		e = (cudaError_t)drv.create_mipmapped((CUmipmappedArray *)array, &ad, levels);
	return gv_ret(e);
}

static cudaError_t describe(cudaArray_const_t array, CUDA_ARRAY3D_DESCRIPTOR *ad)
{
	cudaError_t e = array ? need(&drv.describe, "cuArray3DGetDescriptor_v2")
			      : cudaErrorInvalidResourceHandle;

	return e ? e : (cudaError_t)drv.describe(ad, (CUarray)array);
}

GVRT_EXPORT cudaError_t cudaGetChannelDesc(struct cudaChannelFormatDesc *desc,
					   cudaArray_const_t array)
{
	CUDA_ARRAY3D_DESCRIPTOR ad;
	cudaError_t e;

	if (!desc)
		return gv_ret(cudaErrorInvalidValue);
	e = describe(array, &ad);
	return gv_ret(e ? e : from_format(ad.Format, ad.NumChannels, desc));
}

GVRT_EXPORT cudaError_t cudaArrayGetInfo(struct cudaChannelFormatDesc *desc,
					 struct cudaExtent *extent, unsigned int *flags,
					 cudaArray_t array)
{
	CUDA_ARRAY3D_DESCRIPTOR ad;
	cudaError_t e = describe(array, &ad);

	if (!e && desc)
		e = from_format(ad.Format, ad.NumChannels, desc);
	if (!e && extent)
		*extent = (struct cudaExtent){ad.Width, ad.Height, ad.Depth};
	if (!e && flags)
		*flags = ad.Flags;
	return gv_ret(e);
}

/* Bytes per element of an array, for copies whose x counts elements. */
static cudaError_t element_size(cudaArray_const_t array, size_t *out)
{
	CUDA_ARRAY3D_DESCRIPTOR ad;
	struct cudaChannelFormatDesc d;
	cudaError_t e = describe(array, &ad);

	if (!e)
		e = from_format(ad.Format, ad.NumChannels, &d);
	if (!e)
		*out = (size_t)(d.x + d.y + d.z + d.w) / 8;
	return e;
}

/* ---- copies ---- */

/* A host or device side from a pointer and what kind says it is. */
static void pointer_side(struct gv_copy_side *s, const void *p, int is_device, size_t pitch,
			 size_t height)
{
	s->kind = is_device ? GV_COPY_DEVICE : GV_COPY_HOST;
	s->addr = is_device ? (uintptr_t)p : 0;
	s->pitch = pitch;
	s->height = height;
}

static void array_side(struct gv_copy_side *s, cudaArray_const_t a, size_t x, size_t y, size_t z)
{
	s->kind = GV_COPY_ARRAY;
	s->addr = (uintptr_t)a;
	s->x = x;
	s->y = y;
	s->z = z;
}

/* Whether a pointer of a copy of this kind is device memory. */
static cudaError_t is_device(const void *p, enum cudaMemcpyKind kind, int src, int *out)
{
	struct gv_region r;

	switch (kind) {
	case cudaMemcpyHostToDevice:
		*out = !src;
		return cudaSuccess;
	case cudaMemcpyDeviceToHost:
		*out = src;
		return cudaSuccess;
	case cudaMemcpyDeviceToDevice:
		*out = 1;
		return cudaSuccess;
	case cudaMemcpyHostToHost:
		*out = 0;
		return cudaSuccess;
	case cudaMemcpyDefault:
		*out = gv_region_find(p, &r) == 0 && r.kind == GV_REGION_DEVICE;
		return cudaSuccess;
	default:
		return cudaErrorInvalidMemcpyDirection;
	}
}

static cudaError_t to_array(cudaArray_t dst, size_t w_off, size_t h_off, const void *src,
			    size_t spitch, size_t width, size_t height, enum cudaMemcpyKind kind,
			    cudaStream_t stream)
{
	struct gv_memcpy3d_req q = {
	    .width = width, .rows = height, .depth = 1, .stream = gv_stream_value(stream)};
	int dev;
	cudaError_t e = is_device(src, kind, 1, &dev);

	if (e)
		return e;
	if (!src || !dst)
		return cudaErrorInvalidValue;
	if (width > spitch && height > 1)
		return cudaErrorInvalidPitchValue;
	pointer_side(&q.src, src, dev, spitch, height);
	array_side(&q.dst, dst, w_off, h_off, 0);
	return gv_copy3d(&q, src, NULL);
}

static cudaError_t from_array(void *dst, size_t dpitch, cudaArray_const_t src, size_t w_off,
			      size_t h_off, size_t width, size_t height, enum cudaMemcpyKind kind,
			      cudaStream_t stream)
{
	struct gv_memcpy3d_req q = {
	    .width = width, .rows = height, .depth = 1, .stream = gv_stream_value(stream)};
	int dev;
	cudaError_t e = is_device(dst, kind, 0, &dev);

	if (e)
		return e;
	if (!src || !dst)
		return cudaErrorInvalidValue;
	if (width > dpitch && height > 1)
		return cudaErrorInvalidPitchValue;
	array_side(&q.src, src, w_off, h_off, 0);
	pointer_side(&q.dst, dst, dev, dpitch, height);
	return gv_copy3d(&q, NULL, dst);
}

GVRT_EXPORT cudaError_t cudaMemcpy2DToArrayAsync(cudaArray_t dst, size_t w_off, size_t h_off,
						 const void *src, size_t spitch, size_t width,
						 size_t height, enum cudaMemcpyKind kind,
						 cudaStream_t stream)
{
	return gv_ret(to_array(dst, w_off, h_off, src, spitch, width, height, kind, stream));
}

GVRT_EXPORT cudaError_t cudaMemcpy2DToArray(cudaArray_t dst, size_t w_off, size_t h_off,
					    const void *src, size_t spitch, size_t width,
					    size_t height, enum cudaMemcpyKind kind)
{
	return gv_ret(to_array(dst, w_off, h_off, src, spitch, width, height, kind, 0));
}

GVRT_EXPORT cudaError_t cudaMemcpy2DFromArrayAsync(void *dst, size_t dpitch, cudaArray_const_t src,
						   size_t w_off, size_t h_off, size_t width,
						   size_t height, enum cudaMemcpyKind kind,
						   cudaStream_t stream)
{
	return gv_ret(from_array(dst, dpitch, src, w_off, h_off, width, height, kind, stream));
}

GVRT_EXPORT cudaError_t cudaMemcpy2DFromArray(void *dst, size_t dpitch, cudaArray_const_t src,
					      size_t w_off, size_t h_off, size_t width,
					      size_t height, enum cudaMemcpyKind kind)
{
	return gv_ret(from_array(dst, dpitch, src, w_off, h_off, width, height, kind, 0));
}

GVRT_EXPORT cudaError_t cudaMemcpy2DArrayToArray(cudaArray_t dst, size_t dw, size_t dh,
						 cudaArray_const_t src, size_t sw, size_t sh,
						 size_t width, size_t height,
						 enum cudaMemcpyKind kind)
{
	struct gv_memcpy3d_req q = {.width = width, .rows = height, .depth = 1};

	if (!dst || !src)
		return gv_ret(cudaErrorInvalidValue);
	if (kind != cudaMemcpyDeviceToDevice && kind != cudaMemcpyDefault)
		return gv_ret(cudaErrorInvalidMemcpyDirection);
	array_side(&q.src, src, sw, sh, 0);
	array_side(&q.dst, dst, dw, dh, 0);
	return gv_ret(gv_copy3d(&q, NULL, NULL));
}

/*
 * The deprecated 1D forms copy count bytes row after row from (wOffset,
 * hOffset): a partial first row, whole rows, a partial last row.
 */
static cudaError_t rows_of(cudaArray_const_t a, size_t *row_bytes)
{
	CUDA_ARRAY3D_DESCRIPTOR ad;
	size_t es;
	cudaError_t e = describe(a, &ad);

	if (!e)
		e = element_size(a, &es);
	if (!e)
		*row_bytes = ad.Width * es;
	return e;
}

static cudaError_t linear(cudaArray_t arr, size_t w_off, size_t h_off, void *p, size_t count,
			  enum cudaMemcpyKind kind, cudaStream_t stream, int to)
{
	size_t row = 0, n;
	cudaError_t e = rows_of(arr, &row);

	while (!e && count) {
		if (w_off >= row)
			return cudaErrorInvalidValue;
		n = count < row - w_off ? count : row - w_off;
		e = to ? to_array(arr, w_off, h_off, p, n, n, 1, kind, stream)
		       : from_array(p, n, arr, w_off, h_off, n, 1, kind, stream);
		p = (char *)p + n;
		count -= n;
		w_off = 0;
		h_off++;
	}
	return e;
}

GVRT_EXPORT cudaError_t cudaMemcpyToArray(cudaArray_t dst, size_t w_off, size_t h_off,
					  const void *src, size_t count, enum cudaMemcpyKind kind)
{
	return gv_ret(linear(dst, w_off, h_off, (void *)src, count, kind, 0, 1));
}

GVRT_EXPORT cudaError_t cudaMemcpyToArrayAsync(cudaArray_t dst, size_t w_off, size_t h_off,
					       const void *src, size_t count,
					       enum cudaMemcpyKind kind, cudaStream_t stream)
{
	return gv_ret(linear(dst, w_off, h_off, (void *)src, count, kind, stream, 1));
}

GVRT_EXPORT cudaError_t cudaMemcpyFromArray(void *dst, cudaArray_const_t src, size_t w_off,
					    size_t h_off, size_t count, enum cudaMemcpyKind kind)
{
	return gv_ret(linear((cudaArray_t)src, w_off, h_off, dst, count, kind, 0, 0));
}

GVRT_EXPORT cudaError_t cudaMemcpyFromArrayAsync(void *dst, cudaArray_const_t src, size_t w_off,
						 size_t h_off, size_t count,
						 enum cudaMemcpyKind kind, cudaStream_t stream)
{
	return gv_ret(linear((cudaArray_t)src, w_off, h_off, dst, count, kind, stream, 0));
}

/* One side of the runtime's parameters as the driver's. */
static cudaError_t drv_side(cudaArray_const_t array, const struct cudaPitchedPtr *ptr,
			    const struct cudaPos *pos, enum cudaMemcpyKind kind, int src, size_t es,
			    CUmemorytype *type, const void **host, CUdeviceptr *dev, CUarray *arr,
			    size_t *x, size_t *y, size_t *z, size_t *pitch, size_t *height)
{
	int d = 0;
	cudaError_t e;

	*y = pos->y;
	*z = pos->z;
	if (array) {
		*type = CU_MEMORYTYPE_ARRAY;
		*arr = (CUarray)(uintptr_t)array;
		*x = pos->x * es;
		return cudaSuccess;
	}
	e = is_device(ptr->ptr, kind, src, &d);
	if (e)
		return e;
	*type = d ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST;
	if (d)
		*dev = (uintptr_t)ptr->ptr;
	else
		*host = ptr->ptr;
	*x = pos->x;
	*pitch = ptr->pitch;
	*height = ptr->ysize;
	return cudaSuccess;
}

/*
 * The runtime's 3D parameters checked (each side one array or one pointer),
 * and the element size an array side counts x and the width in (1 without).
 */
static cudaError_t params_element_size(const struct cudaMemcpy3DParms *p, size_t *es)
{
	*es = 1;
	if (!p || (!p->srcArray == !p->srcPtr.ptr) || (!p->dstArray == !p->dstPtr.ptr))
		return cudaErrorInvalidValue;
	if (p->srcArray)
		return element_size(p->srcArray, es);
	if (p->dstArray)
		return element_size(p->dstArray, es);
	return cudaSuccess;
}

cudaError_t gv_rt_copy_params(const struct cudaMemcpy3DParms *p, CUDA_MEMCPY3D *m)
{
	size_t es;
	cudaError_t e = params_element_size(p, &es);

	if (e)
		return e;
	memset(m, 0, sizeof(*m));
	e = drv_side(p->srcArray, &p->srcPtr, &p->srcPos, p->kind, 1, es, &m->srcMemoryType,
		     &m->srcHost, &m->srcDevice, &m->srcArray, &m->srcXInBytes, &m->srcY, &m->srcZ,
		     &m->srcPitch, &m->srcHeight);
	if (!e)
		e = drv_side(p->dstArray, &p->dstPtr, &p->dstPos, p->kind, 0, es, &m->dstMemoryType,
			     (const void **)&m->dstHost, &m->dstDevice, &m->dstArray,
			     &m->dstXInBytes, &m->dstY, &m->dstZ, &m->dstPitch, &m->dstHeight);
	m->WidthInBytes = p->extent.width * ((p->srcArray || p->dstArray) ? es : 1);
	m->Height = p->extent.height;
	m->Depth = p->extent.depth;
	return e;
}

cudaError_t gv_rt_copy_params_back(const CUDA_MEMCPY3D *m, struct cudaMemcpy3DParms *p)
{
	CUarray a = m->srcMemoryType == CU_MEMORYTYPE_ARRAY   ? m->srcArray
		    : m->dstMemoryType == CU_MEMORYTYPE_ARRAY ? m->dstArray
							      : NULL;
	size_t es = 1;
	int sdev = m->srcMemoryType != CU_MEMORYTYPE_HOST,
	    ddev = m->dstMemoryType != CU_MEMORYTYPE_HOST;
	cudaError_t e = a ? element_size((cudaArray_const_t)a, &es) : cudaSuccess;

	if (e)
		return e;
	memset(p, 0, sizeof(*p));
	if (m->srcMemoryType == CU_MEMORYTYPE_ARRAY) {
		p->srcArray = (cudaArray_t)m->srcArray;
		p->srcPos = (struct cudaPos){.x = m->srcXInBytes / es, .y = m->srcY, .z = m->srcZ};
	} else {
		p->srcPtr = (struct cudaPitchedPtr){.ptr = m->srcMemoryType == CU_MEMORYTYPE_HOST
							       ? (void *)m->srcHost
							       : (void *)(uintptr_t)m->srcDevice,
						    .pitch = m->srcPitch,
						    .xsize = m->WidthInBytes,
						    .ysize = m->srcHeight};
		p->srcPos = (struct cudaPos){.x = m->srcXInBytes, .y = m->srcY, .z = m->srcZ};
	}
	if (m->dstMemoryType == CU_MEMORYTYPE_ARRAY) {
		p->dstArray = (cudaArray_t)m->dstArray;
		p->dstPos = (struct cudaPos){.x = m->dstXInBytes / es, .y = m->dstY, .z = m->dstZ};
	} else {
		p->dstPtr = (struct cudaPitchedPtr){.ptr = m->dstMemoryType == CU_MEMORYTYPE_HOST
							       ? m->dstHost
							       : (void *)(uintptr_t)m->dstDevice,
						    .pitch = m->dstPitch,
						    .xsize = m->WidthInBytes,
						    .ysize = m->dstHeight};
		p->dstPos = (struct cudaPos){.x = m->dstXInBytes, .y = m->dstY, .z = m->dstZ};
	}
	p->extent = (struct cudaExtent){
	    .width = m->WidthInBytes / (a ? es : 1), .height = m->Height, .depth = m->Depth};
	p->kind = sdev ? (ddev ? cudaMemcpyDeviceToDevice : cudaMemcpyDeviceToHost)
		       : (ddev ? cudaMemcpyHostToDevice : cudaMemcpyHostToHost);
	return cudaSuccess;
}

/* cudaMemcpy3D: with an array, x and the extent's width count elements. */
static cudaError_t copy3d(const struct cudaMemcpy3DParms *p, cudaStream_t stream)
{
	struct gv_memcpy3d_req q = {.stream = gv_stream_value(stream)};
	size_t es;
	int sdev = 0, ddev = 0;
	cudaError_t e = params_element_size(p, &es);

	if (!e && !p->srcArray)
		e = is_device(p->srcPtr.ptr, p->kind, 1, &sdev);
	if (!e && !p->dstArray)
		e = is_device(p->dstPtr.ptr, p->kind, 0, &ddev);
	if (e)
		return e;
	q.width = p->extent.width * ((p->srcArray || p->dstArray) ? es : 1);
	q.rows = p->extent.height ? p->extent.height : 1;
	q.depth = p->extent.depth ? p->extent.depth : 1;
	if (p->srcArray) {
		array_side(&q.src, p->srcArray, p->srcPos.x * es, p->srcPos.y, p->srcPos.z);
	} else {
		pointer_side(&q.src, p->srcPtr.ptr, sdev, p->srcPtr.pitch, p->srcPtr.ysize);
		q.src.x = p->srcPos.x;
		q.src.y = p->srcPos.y;
		q.src.z = p->srcPos.z;
	}
	if (p->dstArray) {
		array_side(&q.dst, p->dstArray, p->dstPos.x * es, p->dstPos.y, p->dstPos.z);
	} else {
		pointer_side(&q.dst, p->dstPtr.ptr, ddev, p->dstPtr.pitch, p->dstPtr.ysize);
		q.dst.x = p->dstPos.x;
		q.dst.y = p->dstPos.y;
		q.dst.z = p->dstPos.z;
	}
	/* Plain pitched memory on both sides is the 2D copy, slice by slice. */
	return gv_copy3d(&q, p->srcArray ? NULL : p->srcPtr.ptr,
			 p->dstArray ? NULL : p->dstPtr.ptr);
}

GVRT_EXPORT cudaError_t cudaMemcpy3D(const struct cudaMemcpy3DParms *p)
{
	return gv_ret(copy3d(p, 0));
}

GVRT_EXPORT cudaError_t cudaMemcpy3DAsync(const struct cudaMemcpy3DParms *p, cudaStream_t stream)
{
	return gv_ret(copy3d(p, stream));
}

/*
 * cudaMemcpy3DPeer: on one device, the 3D copy between its own memory; across
 * devices, pitched memory row by row through the peer copy.  Arrays across
 * devices are not carried.
 */
static cudaError_t copy3d_peer(const struct cudaMemcpy3DPeerParms *p, cudaStream_t stream)
{
	struct cudaMemcpy3DParms q = {0};
	size_t h, d, y, z;
	cudaError_t e = cudaSuccess;

	if (!p)
		return cudaErrorInvalidValue;
	if (p->srcDevice == p->dstDevice && p->srcDevice == gv_current_device()) {
		q.srcArray = p->srcArray;
		q.srcPos = p->srcPos;
		q.srcPtr = p->srcPtr;
		q.dstArray = p->dstArray;
		q.dstPos = p->dstPos;
		q.dstPtr = p->dstPtr;
		q.extent = p->extent;
		q.kind = cudaMemcpyDeviceToDevice;
		return copy3d(&q, stream);
	}
	if (p->srcArray || p->dstArray || !p->srcPtr.ptr || !p->dstPtr.ptr) {
		gv_log(GV_LOG_WARN, "cudaMemcpy3DPeer: arrays on two devices are not carried");
		return cudaErrorNotSupported;
	}
	h = p->extent.height ? p->extent.height : 1;
	d = p->extent.depth ? p->extent.depth : 1;
	for (z = 0; z < d && !e; z++)
		for (y = 0; y < h && !e; y++)
			e = cudaMemcpyPeerAsync(
			    (char *)p->dstPtr.ptr +
				((p->dstPos.z + z) * p->dstPtr.ysize + p->dstPos.y + y) *
				    p->dstPtr.pitch +
				p->dstPos.x,
			    p->dstDevice,
			    (const char *)p->srcPtr.ptr +
				((p->srcPos.z + z) * p->srcPtr.ysize + p->srcPos.y + y) *
				    p->srcPtr.pitch +
				p->srcPos.x,
			    p->srcDevice, p->extent.width, stream);
	return e;
}

GVRT_EXPORT cudaError_t cudaMemcpy3DPeer(const struct cudaMemcpy3DPeerParms *p)
{
	cudaError_t e = copy3d_peer(p, 0);

	/* Synchronous with respect to the host, like cudaMemcpyPeer. */
	return gv_ret(e ? e : cudaStreamSynchronize(0));
}

GVRT_EXPORT cudaError_t cudaMemcpy3DPeerAsync(const struct cudaMemcpy3DPeerParms *p,
					      cudaStream_t stream)
{
	return gv_ret(copy3d_peer(p, stream));
}

GVRT_EXPORT cudaError_t cudaMemcpyArrayToArray(cudaArray_t dst, size_t dw, size_t dh,
					       cudaArray_const_t src, size_t sw, size_t sh,
					       size_t count, enum cudaMemcpyKind kind)
{
	/* Within one row of each; longer runs are rare and not split here. */
	return cudaMemcpy2DArrayToArray(dst, dw, dh, src, sw, sh, count, 1, kind);
}

/* ---- pitched 3D memory ---- */

GVRT_EXPORT cudaError_t cudaMalloc3D(struct cudaPitchedPtr *p, struct cudaExtent extent)
{
	size_t pitch = 0;
	void *ptr = NULL;
	cudaError_t e;

	if (!p)
		return gv_ret(cudaErrorInvalidValue);
	/* Slices of height rows, one after the other, as natively. */
	e = cudaMallocPitch(&ptr, &pitch, extent.width, extent.height * extent.depth);
	if (!e)
		*p = (struct cudaPitchedPtr){ptr, pitch, extent.width, extent.height};
	return e;
}

static cudaError_t set3d(struct cudaPitchedPtr p, int value, struct cudaExtent extent,
			 cudaStream_t stream)
{
	cudaError_t e = cudaSuccess;
	size_t z;

	if (extent.width > p.pitch)
		return cudaErrorInvalidValue;
	/* A slice is ysize rows of the allocation; each is a 2D memset. */
	for (z = 0; z < extent.depth && !e; z++)
		e = cudaMemset2DAsync((char *)p.ptr + z * p.pitch * p.ysize, p.pitch, value,
				      extent.width, extent.height, stream);
	return e;
}

GVRT_EXPORT cudaError_t cudaMemset3D(struct cudaPitchedPtr p, int value, struct cudaExtent extent)
{
	return gv_ret(set3d(p, value, extent, 0));
}

GVRT_EXPORT cudaError_t cudaMemset3DAsync(struct cudaPitchedPtr p, int value,
					  struct cudaExtent extent, cudaStream_t stream)
{
	return gv_ret(set3d(p, value, extent, stream));
}

GVRT_EXPORT cudaError_t cudaDeviceGetTexture1DLinearMaxWidth(size_t *width,
							     const struct cudaChannelFormatDesc *d,
							     int device)
{
	static CUresult (*fn)(size_t *, CUarray_format, unsigned int, CUdevice);
	CUarray_format f;
	unsigned int n;
	cudaError_t e;

	if (!width || !d)
		return gv_ret(cudaErrorInvalidValue);
	e = to_format(d, &f, &n);
	if (!e && !fn && gv_driver_load(&fn, "cuDeviceGetTexture1DLinearMaxWidth"))
		e = cudaErrorNotSupported;
	return gv_ret(e ? e : (cudaError_t)fn(width, f, n, device));
}

/* ---- texture and surface objects ---- */

static cudaError_t resource(const struct cudaResourceDesc *r, struct gv_res_desc *out)
{
	cudaError_t e = cudaSuccess;
	CUarray_format f = 0;
	unsigned int n = 0;

	memset(out, 0, sizeof(*out));
	out->type = (uint32_t)r->resType; /* cudaResourceType = CUresourcetype */
	switch (r->resType) {
	case cudaResourceTypeArray:
		out->handle = (uintptr_t)r->res.array.array;
		break;
	case cudaResourceTypeMipmappedArray:
		out->handle = (uintptr_t)r->res.mipmap.mipmap;
		break;
	case cudaResourceTypeLinear:
		out->handle = (uintptr_t)r->res.linear.devPtr;
		out->size = r->res.linear.sizeInBytes;
		e = to_format(&r->res.linear.desc, &f, &n);
		break;
	case cudaResourceTypePitch2D:
		out->handle = (uintptr_t)r->res.pitch2D.devPtr;
		out->width = r->res.pitch2D.width;
		out->height = r->res.pitch2D.height;
		out->pitch = r->res.pitch2D.pitchInBytes;
		e = to_format(&r->res.pitch2D.desc, &f, &n);
		break;
	default:
		e = cudaErrorInvalidValue;
	}
	out->format = f;
	out->channels = n;
	return e;
}

/* Texture and surface objects are both 64-bit values. */
static cudaError_t create(unsigned long long *obj, const struct gv_tex_create_req *q)
{
	struct gv_handle_resp r = {0};
	cudaError_t e = GV_RPC(TEX_CREATE, q, &r, NULL, 0);

	if (!e)
		*obj = r.handle;
	return e;
}

GVRT_EXPORT cudaError_t cudaCreateTextureObject(cudaTextureObject_t *obj,
						const struct cudaResourceDesc *res,
						const struct cudaTextureDesc *tex,
						const struct cudaResourceViewDesc *view)
{
	struct gv_tex_create_req q;
	cudaError_t e;

	if (!obj || !res || !tex)
		return gv_ret(cudaErrorInvalidValue);
	memset(&q, 0, sizeof(q));
	e = resource(res, &q.res);
	if (e)
		return gv_ret(e);
	/* Address and filter modes have the driver's values. */
	GV_TEX_DESC_FILL(&q.tex, tex);
	q.tex.flags =
	    (tex->readMode == cudaReadModeElementType ? CU_TRSF_READ_AS_INTEGER : 0) |
	    (tex->normalizedCoords ? CU_TRSF_NORMALIZED_COORDINATES : 0) |
	    (tex->sRGB ? CU_TRSF_SRGB : 0) |
	    (tex->disableTrilinearOptimization ? CU_TRSF_DISABLE_TRILINEAR_OPTIMIZATION : 0) |
	    (tex->seamlessCubemap ? CU_TRSF_SEAMLESS_CUBEMAP : 0);
	if (view) {
		q.has_view = 1;
		GV_VIEW_DESC_FILL(&q.view,
				  view); /* cudaResourceViewFormat = CUresourceViewFormat */
	}
	e = create(obj, &q);
	if (!e)
		gv_tex_desc_note(*obj, 0, res, tex, view);
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaCreateSurfaceObject(cudaSurfaceObject_t *obj,
						const struct cudaResourceDesc *res)
{
	struct gv_tex_create_req q;
	cudaError_t e;

	if (!obj || !res)
		return gv_ret(cudaErrorInvalidValue);
	if (res->resType != cudaResourceTypeArray)
		return gv_ret(cudaErrorInvalidValue);
	memset(&q, 0, sizeof(q));
	e = resource(res, &q.res);
	q.surface = 1;
	if (!e)
		e = create(obj, &q);
	if (!e)
		gv_tex_desc_note(*obj, 1, res, NULL, NULL);
	return gv_ret(e);
}
