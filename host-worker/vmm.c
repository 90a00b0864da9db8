/* SPDX-License-Identifier: MIT */
/*
 * The virtual memory calls' bookkeeping (cuMemCreate, cuMemAddressReserve,
 * cuMemMap and their inverses), which the generated calls run before and
 * after the driver:
 *  - a physical allocation is the session's own handle, charged to its
 *    device bytes from creation until it is released and no mapping of it
 *    is left (a mapping keeps its memory alive);
 *  - a reserved range is tracked like an allocation (its addresses are the
 *    session's, for every later check) but holds no memory of its own;
 *  - a mapping must lie in a reserved range and name one of the session's
 *    physical allocations.
 * A guest can hold at most GVW_MAX_VMM of each.
 */
#include "gen_support.h"
#include "handlers.h"
#include "log.h"

#define GVW_MAX_VMM 65536

/* The allocation a handle names: a live one first (the driver may hand a
 * released handle's value out again while its memory is still mapped). */
static struct gvw_phys *phys_of(struct gvw_session *s, uint64_t h, int mapped)
{
	struct gvw_phys *any = NULL;
	size_t i;

	for (i = 0; i < s->vmm.nphys; i++) {
		struct gvw_phys *p = &s->vmm.phys[i];

		if (p->handle != h)
			continue;
		if (mapped ? p->maps > 0 : !p->released)
			return p;
		any = p;
	}
	return mapped ? any : NULL;
}

/* Its charge goes back once released and unmapped. */
static void phys_settle(struct gvw_session *s, struct gvw_phys *p)
{
	if (!p->released || p->maps)
		return;
	s->device_bytes -= p->size;
	gvw_account(s->w, -1, -(int64_t)p->size);
	*p = s->vmm.phys[--s->vmm.nphys];
}

static int grow(void **v, size_t n, size_t size)
{
	void *nv;

	if (n >= GVW_MAX_VMM)
		return -1;
	/* Doubling capacities: the array holds n, room for one more at 2^k. */
	if (n && (n & (n - 1)))
		return 0;
	nv = realloc(*v, (n ? 2 * n : 8) * size);
	if (!nv)
		return -1;
	*v = nv;
	return 0;
}

int gvg_phys_new(struct gvw_call *c, CUmemGenericAllocationHandle h, uint64_t size)
{
	struct gvw_session *s = c->s;

	if (grow((void **)&s->vmm.phys, s->vmm.nphys, sizeof(*s->vmm.phys)) ||
	    gvw_device_room(s, size)) {
		gvw_log(GVW_WARN, "session %u: physical allocation of %llu bytes refused", s->id,
			(unsigned long long)size);
		GVG_DRV(c, cuda, cuMemRelease)(h);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	s->vmm.phys[s->vmm.nphys++] = (struct gvw_phys){.handle = h, .size = size};
	s->device_bytes += size;
	gvw_account(s->w, 1, (int64_t)size);
	return CUDA_SUCCESS;
}

int gvg_phys_check(struct gvw_call *c, CUmemGenericAllocationHandle h)
{
	struct gvw_phys *p = phys_of(c->s, h, 0);

	if (!p) {
		gvw_log(GVW_DEBUG, "session %u: 0x%llx is not a physical allocation of the session",
			c->s->id, (unsigned long long)h);
		return CUDA_ERROR_INVALID_VALUE;
	}
	return CUDA_SUCCESS;
}

void gvg_phys_release(struct gvw_call *c, CUmemGenericAllocationHandle h)
{
	struct gvw_phys *p = phys_of(c->s, h, 0);

	if (p) {
		p->released = 1;
		phys_settle(c->s, p);
	}
}

int gvg_vmap_add(struct gvw_call *c, uint64_t ptr, uint64_t size, CUmemGenericAllocationHandle h)
{
	struct gvw_session *s = c->s;
	struct gvw_phys *p = phys_of(s, h, 0);

	if (!p || grow((void **)&s->vmm.maps, s->vmm.nmaps, sizeof(*s->vmm.maps))) {
		GVG_DRV(c, cuda, cuMemUnmap)(ptr, size);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	s->vmm.maps[s->vmm.nmaps++] = (struct gvw_vmap){.ptr = ptr, .size = size, .handle = h};
	p->maps++;
	return CUDA_SUCCESS;
}

void gvg_vmap_remove(struct gvw_call *c, uint64_t ptr, uint64_t size)
{
	struct gvw_session *s = c->s;
	size_t i = 0;

	/* The driver unmapped every mapping in the range. */
	while (i < s->vmm.nmaps) {
		struct gvw_vmap *m = &s->vmm.maps[i];
		struct gvw_phys *p;

		if (m->ptr < ptr || m->ptr - ptr >= size) {
			i++;
			continue;
		}
		p = phys_of(s, m->handle, 1);
		*m = s->vmm.maps[--s->vmm.nmaps];
		if (p) {
			p->maps--;
			phys_settle(s, p);
		}
	}
}

int gvg_reserve_new(struct gvw_call *c, CUdeviceptr p, uint64_t size)
{
	struct gvw_alloc a = {.base = p, .size = size, .device = c->dev, .reserved = 1};
	size_t grow_bytes = gvw_alloc_grow_bytes(&c->s->allocs);

	if ((grow_bytes && gvw_host_charge(c->s, grow_bytes)) ||
	    gvw_alloc_insert(&c->s->allocs, &a)) {
		GVG_DRV(c, cuda, cuMemAddressFree)(p, size);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	return CUDA_SUCCESS;
}

int gvg_reserve_freeable(struct gvw_call *c, uint64_t ptr, uint64_t size)
{
	struct gvw_alloc *a = gvw_alloc_find_base(&c->s->allocs, ptr);

	if (!a || !a->reserved || a->size != size)
		return CUDA_ERROR_INVALID_VALUE;
	return CUDA_SUCCESS;
}

void gvg_reserve_forget(struct gvw_call *c, uint64_t ptr)
{
	struct gvw_alloc *a = gvw_alloc_find_base(&c->s->allocs, ptr);

	if (a && a->reserved)
		gvw_alloc_remove(&c->s->allocs, a);
}

void gvw_vmm_drop(struct gvw_session *s)
{
	size_t i;

	for (i = 0; i < s->vmm.nphys; i++) {
		s->device_bytes -= s->vmm.phys[i].size;
		gvw_account(s->w, -1, -(int64_t)s->vmm.phys[i].size);
	}
	free(s->vmm.phys);
	free(s->vmm.maps);
	s->vmm = (struct gvw_vmm){0};
}
