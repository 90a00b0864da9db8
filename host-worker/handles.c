/* SPDX-License-Identifier: MIT */
#include "handles.h"

#include <stdlib.h>
#include <string.h>

/* h = generation << 32 | (index + 1) << 4 | kind: never 0, 1 or 2. */
static uint64_t encode(uint32_t idx, const struct gvw_handle_slot *s)
{
	return (uint64_t)s->gen << 32 | (uint64_t)(idx + 1) << 4 | s->kind;
}

uint64_t gvw_handle_new(struct gvw_handles *t, enum gvw_handle_kind kind, int device,
			void *obj)
{
	uint32_t i;

	for (i = 0; i < t->n && t->v[i].kind; i++)
		;
	if (i == t->n) {
		if (t->n == t->cap) {
			uint32_t cap = t->cap ? t->cap * 2 : 64;
			struct gvw_handle_slot *v;

			if (cap > GVW_MAX_HANDLES)
				return 0;
			v = realloc(t->v, cap * sizeof(*v));
			if (!v)
				return 0;
			memset(v + t->cap, 0, (cap - t->cap) * sizeof(*v));
			t->v = v;
			t->cap = cap;
		}
		t->n++;
	}
	t->v[i].gen++;
	if (t->v[i].gen == 0)
		t->v[i].gen = 1;
	t->v[i].kind = (uint8_t)kind;
	t->v[i].device = device;
	t->v[i].obj = obj;
	return encode(i, &t->v[i]);
}

struct gvw_handle_slot *gvw_handle_get(struct gvw_handles *t, uint64_t h,
				       enum gvw_handle_kind kind)
{
	uint64_t idx1 = (h & 0xffffffffu) >> 4;
	struct gvw_handle_slot *s;

	if ((h & 15) != (uint64_t)kind || idx1 == 0 || idx1 > t->n)
		return NULL;
	s = &t->v[idx1 - 1];
	if (s->kind != kind || s->gen != (uint32_t)(h >> 32))
		return NULL;
	return s;
}

void gvw_handle_free(struct gvw_handles *t, struct gvw_handle_slot *slot)
{
	(void)t;
	slot->kind = 0;
	slot->obj = NULL;
}

void gvw_handles_destroy(struct gvw_handles *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
