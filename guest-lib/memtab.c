/* SPDX-License-Identifier: MIT */
/*
 * The memory this process got from the runtime: device allocations (so
 * cudaMemcpyDefault and cudaPointerGetAttributes can tell device from host
 * pointers, as unified addressing does natively) and page-locked host
 * allocations.  The host validates every device address again.
 *
 * A device allocation's addresses are the host's, in another process (or
 * machine): nothing keeps this process from mapping its own memory there
 * later, after which a host buffer would look like device memory.  So the
 * pages a device region covers are held here, mapped with no access, for
 * as long as the region lives.  A page is held exactly when some region
 * marked reserved covers it.  Where this process has memory at a device
 * region's addresses already, the region is kept unreserved and the clash
 * is logged: such a host buffer is taken for device memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gvrt.h"

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static atomic_flag clash_logged = ATOMIC_FLAG_INIT;
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

static uintptr_t page_size(void)
{
	static uintptr_t ps;

	if (!ps)
		ps = (uintptr_t)sysconf(_SC_PAGESIZE);
	return ps;
}

/* The pages r covers, [*lo, *hi); 0 when they wrap the address space. */
static int pages_of(const struct gv_region *r, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t ps = page_size(), end;

	if (!r->size || r->base > UINTPTR_MAX - r->size || r->base + r->size > UINTPTR_MAX - ps)
		return 0;
	end = r->base + r->size;
	*lo = r->base & ~(ps - 1);
	*hi = (end + ps - 1) & ~(ps - 1);
	return 1;
}

/*
 * Under the write lock: calls fn on each run of [lo, hi) that no reserved
 * device region other than v[skip] covers (skip == n: none skipped),
 * stopping at fn's first failure, which it returns.
 */
static int each_gap(uintptr_t lo, uintptr_t hi, size_t skip,
		    int (*fn)(uintptr_t a, uintptr_t b, void *ctx), void *ctx)
{
	uintptr_t at = lo, plo, phi;
	size_t i = upper(lo);
	int e;

	/* Regions are sorted and disjoint, so are their ends: step back to
	 * the first whose pages reach lo. */
	while (i > 0 && pages_of(&v[i - 1], &plo, &phi) && phi > lo)
		i--;
	for (; i < n && v[i].base < hi && at < hi; i++) {
		if (i == skip || v[i].kind != GV_REGION_DEVICE || !v[i].reserved ||
		    !pages_of(&v[i], &plo, &phi) || phi <= at)
			continue;
		if (plo > at && (e = fn(at, plo < hi ? plo : hi, ctx)))
			return e;
		at = phi;
	}
	return at < hi ? fn(at, hi, ctx) : 0;
}

static int hold(uintptr_t a, uintptr_t b, void *ctx)
{
	void *p = mmap((void *)a, b - a, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	(void)ctx;
	if (p == (void *)a)
		return 0;
	/* An old kernel takes the address as a hint: not where asked. */
	if (p != MAP_FAILED) {
		munmap(p, b - a);
		errno = EEXIST;
	}
	return -1;
}

static int let_go(uintptr_t a, uintptr_t b, void *ctx)
{
	(void)ctx;
	munmap((void *)a, b - a);
	return 0;
}

/* Undoes hold() on [a, b) up to the run that failed (*ctx). */
static int let_go_before(uintptr_t a, uintptr_t b, void *ctx)
{
	uintptr_t stop = *(uintptr_t *)ctx;

	if (a >= stop)
		return 1;
	return let_go(a, b < stop ? b : stop, NULL);
}

static int hold_noting(uintptr_t a, uintptr_t b, void *ctx)
{
	int e = hold(a, b, NULL);

	if (e)
		*(uintptr_t *)ctx = a;
	return e;
}

/* Under the write lock, before r joins the table. */
static void reserve(struct gv_region *r)
{
	uintptr_t lo, hi, failed_at = 0;
	int err;

	r->reserved = 0;
	if (r->kind != GV_REGION_DEVICE || !pages_of(r, &lo, &hi))
		return;
	if (!each_gap(lo, hi, n, hold_noting, &failed_at)) {
		r->reserved = 1;
		return;
	}
	err = errno;
	each_gap(lo, hi, n, let_go_before, &failed_at);
	if (!atomic_flag_test_and_set(&clash_logged))
		gv_log(GV_LOG_WARN,
		       "device memory at 0x%lx (%zu bytes) %s: a host buffer there would be "
		       "taken for device memory (logged once)",
		       (unsigned long)r->base, r->size,
		       err == EEXIST ? "overlaps memory of this process"
				     : "could not be kept from this process's mappings");
}

/* Under the write lock, while v[i] is still in the table. */
static void unreserve(size_t i)
{
	uintptr_t lo, hi;

	if (v[i].kind == GV_REGION_DEVICE && v[i].reserved && pages_of(&v[i], &lo, &hi))
		each_gap(lo, hi, i, let_go, NULL);
}

void gv_region_add(const struct gv_region *r)
{
	struct gv_region nr = *r;
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
	reserve(&nr);
	i = upper(nr.base);
	memmove(&v[i + 1], &v[i], (n - i) * sizeof(*v));
	v[i] = nr;
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
		if (kind == GV_REGION_DEVICE && (v[i - 1].flags & GV_REGION_GRAPH)) {
			pthread_rwlock_unlock(&lock);
			return 0; /* the graph's address still */
		}
		unreserve(i - 1);
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
	/* One at a time, so that each lets go only of pages no other holds. */
	for (i = 0; i < n; i++) {
		if (v[i].kind == GV_REGION_DEVICE && v[i].device == dev) {
			unreserve(i);
			v[i].reserved = 0;
		}
	}
	for (i = 0; i < n; i++)
		if (!(v[i].kind == GV_REGION_DEVICE && v[i].device == dev))
			v[j++] = v[i];
	n = j;
	pthread_rwlock_unlock(&lock);
}
