/* SPDX-License-Identifier: MIT */
#include "handles.h"

#include <stdlib.h>
#include <string.h>

/* h = generation << 32 | (index + 1) << 8 | kind: never 0, 1 or 2. */
static uint64_t encode(uint32_t idx, const struct gvw_handle_slot *s)
{
	return (uint64_t)s->gen << 32 | (uint64_t)(idx + 1) << GVW_HANDLE_KIND_BITS | s->kind;
}

static uint32_t next_cap(const struct gvw_handles *t)
{
	return t->cap ? t->cap * 2 : 64;
}

size_t gvw_handles_grow_bytes(const struct gvw_handles *t)
{
	if (t->free_head || t->n < t->cap)
		return 0;
	return (size_t)(next_cap(t) - t->cap) * sizeof(*t->v);
}

uint64_t gvw_handle_new(struct gvw_handles *t, enum gvw_handle_kind kind, int device, void *obj,
			uint32_t max)
{
	struct gvw_handle_slot *s;
	uint32_t i;

	if (t->live >= max || t->live >= GVW_MAX_HANDLES)
		return 0;
	if (t->free_head) {
		i = t->free_head - 1;
		t->free_head = t->v[i].next_free;
	} else {
		if (t->n == t->cap) {
			uint32_t cap = next_cap(t);
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
		i = t->n++;
	}
	s = &t->v[i];
	s->gen++;
	if (s->gen == 0)
		s->gen = 1;
	s->kind = (uint8_t)kind;
	s->device = device;
	s->next_free = 0;
	s->bytes = 0;
	s->obj = obj;
	t->live++;
	return encode(i, s);
}

struct gvw_handle_slot *gvw_handle_get(struct gvw_handles *t, uint64_t h, enum gvw_handle_kind kind)
{
	uint64_t idx1 = (h & 0xffffffffu) >> GVW_HANDLE_KIND_BITS;
	struct gvw_handle_slot *s;

	if ((h & ((1u << GVW_HANDLE_KIND_BITS) - 1)) != (uint64_t)kind || idx1 == 0 || idx1 > t->n)
		return NULL;
	s = &t->v[idx1 - 1];
	if (s->kind != kind || s->gen != (uint32_t)(h >> 32))
		return NULL;
	return s;
}

uint64_t gvw_handle_of(const struct gvw_handles *t, const struct gvw_handle_slot *slot)
{
	return encode((uint32_t)(slot - t->v), slot);
}

void gvw_handle_free(struct gvw_handles *t, struct gvw_handle_slot *slot)
{
	if (!slot->kind)
		return;
	slot->kind = 0;
	slot->obj = NULL;
	slot->bytes = 0;
	free(slot->aux);
	slot->aux = NULL;
	slot->aux_dim = 0;
	slot->next_free = t->free_head;
	t->free_head = (uint32_t)(slot - t->v) + 1;
	t->live--;
}

void gvw_handles_destroy(struct gvw_handles *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->v[i].aux);
	free(t->v);
	memset(t, 0, sizeof(*t));
}
