/* SPDX-License-Identifier: MIT */
#include "alloc_table.h"

#include <stdlib.h>
#include <string.h>

/* Index of the first entry with base > addr. */
static size_t upper_bound(const struct gvw_alloc_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t next_cap(const struct gvw_alloc_table *t)
{
	return t->cap ? t->cap * 2 : 16;
}

size_t gvw_alloc_grow_bytes(const struct gvw_alloc_table *t)
{
	return t->n < t->cap ? 0 : (next_cap(t) - t->cap) * sizeof(*t->v);
}

int gvw_alloc_insert(struct gvw_alloc_table *t, const struct gvw_alloc *a)
{
	size_t i = upper_bound(t, a->base);

	if (a->size == 0 || a->base + a->size < a->base)
		return -1;
	if (i > 0 && t->v[i - 1].base + t->v[i - 1].size > a->base)
		return -1;
	if (i < t->n && a->base + a->size > t->v[i].base)
		return -1;
	if (t->n == t->cap) {
		size_t cap = next_cap(t);
		struct gvw_alloc *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(*t->v));
	t->v[i] = *a;
	t->n++;
	t->bytes += a->size;
	return 0;
}

struct gvw_alloc *gvw_alloc_find_base(struct gvw_alloc_table *t, uint64_t base)
{
	size_t i = upper_bound(t, base);

	if (i > 0 && t->v[i - 1].base == base)
		return &t->v[i - 1];
	return NULL;
}

struct gvw_alloc *gvw_alloc_find_range(struct gvw_alloc_table *t, uint64_t addr, uint64_t len)
{
	size_t i = upper_bound(t, addr);
	struct gvw_alloc *a;

	if (i == 0)
		return NULL;
	a = &t->v[i - 1];
	if (addr - a->base >= a->size)
		return NULL;
	if (len > a->size - (addr - a->base))
		return NULL;
	return a;
}

void gvw_alloc_remove(struct gvw_alloc_table *t, struct gvw_alloc *a)
{
	size_t i = (size_t)(a - t->v);

	t->bytes -= a->size;
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
	t->n--;
}

void gvw_alloc_table_free(struct gvw_alloc_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
