/* SPDX-License-Identifier: MIT */
/* The guest's shadow of library objects' state (gvm.h's gvm_table). */
#include <stdlib.h>

#include "gvm.h"

/* Few entries (a process's handles and descriptors): a list is enough. */
static struct gvm_entry *find(struct gvm_table *t, uint64_t key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].key == key)
			return &t->e[i];
	return NULL;
}

void gvm_table_put(struct gvm_table *t, uint64_t key, int64_t v0, int64_t v1)
{
	struct gvm_entry *e;

	pthread_mutex_lock(&t->lock);
	e = find(t, key);
	if (!e && t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct gvm_entry *v = realloc(t->e, cap * sizeof(*v));

		if (v) {
			t->e = v;
			t->cap = cap;
		}
	}
	if (!e && t->n < t->cap)
		e = &t->e[t->n++];
	if (e)
		*e = (struct gvm_entry){key, {v0, v1}};
	pthread_mutex_unlock(&t->lock);
}

void gvm_table_del(struct gvm_table *t, uint64_t key)
{
	struct gvm_entry *e;

	pthread_mutex_lock(&t->lock);
	e = find(t, key);
	if (e)
		*e = t->e[--t->n];
	pthread_mutex_unlock(&t->lock);
}

int gvm_table_get(struct gvm_table *t, uint64_t key, int64_t v[2])
{
	struct gvm_entry *e;

	pthread_mutex_lock(&t->lock);
	e = key ? find(t, key) : NULL;
	if (e && v) {
		v[0] = e->v[0];
		v[1] = e->v[1];
	}
	pthread_mutex_unlock(&t->lock);
	return e != NULL;
}

int gvm_table_set(struct gvm_table *t, uint64_t key, int i, int64_t v)
{
	struct gvm_entry *e;

	pthread_mutex_lock(&t->lock);
	e = find(t, key);
	if (e)
		e->v[i] = v;
	pthread_mutex_unlock(&t->lock);
	return e != NULL;
}
