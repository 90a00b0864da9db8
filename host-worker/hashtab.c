/* SPDX-License-Identifier: MIT */
#include "hashtab.h"

#include <stdlib.h>

int gvw_hashtab_resize(struct gvw_hashtab *t, size_t nbuckets, gvw_hash_fn *hash)
{
	struct gvw_hlink **v = calloc(nbuckets, sizeof(*v));
	size_t i;

	if (!v)
		return -1;
	for (i = 0; i < t->nbuckets; i++) {
		while (t->v[i]) {
			struct gvw_hlink *l = t->v[i];
			uint64_t b = hash(l) & (nbuckets - 1);

			t->v[i] = l->next;
			l->next = v[b];
			v[b] = l;
		}
	}
	free(t->v);
	t->v = v;
	t->nbuckets = nbuckets;
	return 0;
}

void gvw_hashtab_insert(struct gvw_hashtab *t, struct gvw_hlink *l, uint64_t hash)
{
	struct gvw_hlink **head = &t->v[hash & (t->nbuckets - 1)];

	l->next = *head;
	*head = l;
	t->n++;
}

bool gvw_hashtab_remove(struct gvw_hashtab *t, struct gvw_hlink *l, uint64_t hash)
{
	struct gvw_hlink **p;

	if (!t->nbuckets)
		return false;
	for (p = &t->v[hash & (t->nbuckets - 1)]; *p; p = &(*p)->next) {
		if (*p == l) {
			*p = l->next;
			t->n--;
			return true;
		}
	}
	return false;
}

void gvw_hashtab_free(struct gvw_hashtab *t)
{
	free(t->v);
	t->v = NULL;
	t->nbuckets = t->n = 0;
}
