/* SPDX-License-Identifier: MIT */
/*
 * The descriptors texture and surface objects were made from, kept in the
 * guest (the local class): cudaGetTextureObjectResourceDesc and its kin
 * answer from here without a round trip.  An object is recorded when the
 * runtime makes it and forgotten when it is destroyed (by either API); one
 * the driver API made is not known here, and asking about it fails with
 * cudaErrorInvalidValue.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gvrt.h"

#define MAX_OBJECTS (1u << 16) /* as the session's handle table bounds them */

struct tex_desc {
	unsigned long long obj;
	int surface, has_view;
	struct cudaResourceDesc res;
	struct cudaTextureDesc tex;
	struct cudaResourceViewDesc view;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tex_desc *v;
static size_t n, cap;

void gv_tex_desc_note(unsigned long long obj, int surface, const struct cudaResourceDesc *res,
		      const struct cudaTextureDesc *tex, const struct cudaResourceViewDesc *view)
{
	struct tex_desc d = {.obj = obj, .surface = surface, .res = *res};

	if (tex)
		d.tex = *tex;
	if (view) {
		d.has_view = 1;
		d.view = *view;
	}
	pthread_mutex_lock(&lock);
	if (n == cap && cap < MAX_OBJECTS) {
		size_t c = cap ? 2 * cap : 16;
		void *p = realloc(v, c * sizeof(*v));

		if (p) {
			v = p;
			cap = c;
		}
	}
	if (n < cap)
		v[n++] = d;
	pthread_mutex_unlock(&lock);
}

void gv_tex_desc_forget(unsigned long long obj, int surface)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < n; i++) {
		if (v[i].obj == obj && v[i].surface == surface) {
			v[i] = v[--n];
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

/* A copy of obj's record: 0, or -1 when not known. */
static int find(unsigned long long obj, int surface, struct tex_desc *out)
{
	int r = -1;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < n; i++) {
		if (v[i].obj == obj && v[i].surface == surface) {
			*out = v[i];
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return r;
}

GVRT_EXPORT cudaError_t cudaGetTextureObjectResourceDesc(struct cudaResourceDesc *res,
							 cudaTextureObject_t obj)
{
	struct tex_desc d;

	if (!res || find(obj, 0, &d))
		return gv_ret(cudaErrorInvalidValue);
	*res = d.res;
	return gv_ret(cudaSuccess);
}

GVRT_EXPORT cudaError_t cudaGetTextureObjectTextureDesc(struct cudaTextureDesc *tex,
							cudaTextureObject_t obj)
{
	struct tex_desc d;

	if (!tex || find(obj, 0, &d))
		return gv_ret(cudaErrorInvalidValue);
	*tex = d.tex;
	return gv_ret(cudaSuccess);
}

GVRT_EXPORT cudaError_t cudaGetTextureObjectResourceViewDesc(struct cudaResourceViewDesc *view,
							     cudaTextureObject_t obj)
{
	struct tex_desc d;

	if (!view || find(obj, 0, &d))
		return gv_ret(cudaErrorInvalidValue);
	/* Made without one: the view is the resource itself, all zero. */
	if (d.has_view)
		*view = d.view;
	else
		memset(view, 0, sizeof(*view));
	return gv_ret(cudaSuccess);
}

GVRT_EXPORT cudaError_t cudaGetSurfaceObjectResourceDesc(struct cudaResourceDesc *res,
							 cudaSurfaceObject_t obj)
{
	struct tex_desc d;

	if (!res || find(obj, 1, &d))
		return gv_ret(cudaErrorInvalidValue);
	*res = d.res;
	return gv_ret(cudaSuccess);
}
