/* SPDX-License-Identifier: MIT */
/*
 * The memory this process got from the runtime: device allocations (so
 * cudaMemcpyDefault and cudaPointerGetAttributes can tell device from host
 * pointers, as unified addressing does natively) and page-locked host
 * allocations.  The host validates every device address again.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gvrt.h"

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct gv_region *v;
static size_t n, cap;

/* First index whose base is > p. */
static size_t upper(uintptr_t p)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].base <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void gv_region_add(const struct gv_region *r)
{
	size_t i;

	pthread_rwlock_wrlock(&lock);
	if (n == cap) {
		size_t c = cap ? cap * 2 : 64;
		struct gv_region *nv = realloc(v, c * sizeof(*nv));

		if (!nv) {
			pthread_rwlock_unlock(&lock);
			gv_log(GV_LOG_WARN, "out of memory tracking an allocation");
			return;
		}
		v = nv;
		cap = c;
	}
	i = upper(r->base);
	memmove(&v[i + 1], &v[i], (n - i) * sizeof(*v));
	v[i] = *r;
	n++;
	pthread_rwlock_unlock(&lock);
}

int gv_region_find(const void *p, struct gv_region *out)
{
	uintptr_t a = (uintptr_t)p;
	int found = -1;
	size_t i;

	pthread_rwlock_rdlock(&lock);
	i = upper(a);
	if (i > 0 && a - v[i - 1].base < v[i - 1].size) {
		*out = v[i - 1];
		found = 0;
	}
	pthread_rwlock_unlock(&lock);
	return found;
}

int gv_region_remove(uintptr_t base, enum gv_region_kind kind, struct gv_region *out)
{
	int found = -1;
	size_t i;

	pthread_rwlock_wrlock(&lock);
	i = upper(base);
	if (i > 0 && v[i - 1].base == base && v[i - 1].kind == kind) {
		if (out)
			*out = v[i - 1];
		memmove(&v[i - 1], &v[i], (n - i) * sizeof(*v));
		n--;
		found = 0;
	}
	pthread_rwlock_unlock(&lock);
	return found;
}

void gv_region_drop_device(int dev)
{
	size_t i, j = 0;

	pthread_rwlock_wrlock(&lock);
	for (i = 0; i < n; i++)
		if (!(v[i].kind == GV_REGION_DEVICE && v[i].device == dev))
			v[j++] = v[i];
	n = j;
	pthread_rwlock_unlock(&lock);
}
