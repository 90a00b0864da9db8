/* SPDX-License-Identifier: MIT */
/*
 * The session's functions indexed by (module handle, name): natively a
 * second cuModuleGetFunction of the same name returns the same CUfunction,
 * and here it returns the same handle instead of holding the host to
 * another copy.  The index's bucket array is charged as host bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "worker_internal.h"

#define FIRST_BUCKETS 64

/* FNV-1a over the name, mixed with the module handle. */
static uint64_t hash_of(uint64_t module, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull ^ module * 0x9e3779b97f4a7c15ull;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ull;
	return h ^ h >> 29;
}

static uint64_t fn_hash(const struct gvw_hlink *l)
{
	const struct gvw_function *fn = gvw_hentry(l, const struct gvw_function, index_link);

	return hash_of(fn->module, fn->name);
}

struct gvw_function *gvw_function_find(struct gvw_session *s, uint64_t module, const char *name)
{
	struct gvw_hlink *l = gvw_hashtab_chain(&s->fn_index, hash_of(module, name));

	for (; l; l = l->next) {
		struct gvw_function *fn = gvw_hentry(l, struct gvw_function, index_link);

		if (fn->module == module && !strcmp(fn->name, name))
			return fn;
	}
	return NULL;
}

/* A bucket array of n, its added bytes charged. */
static int rehash(struct gvw_session *s, size_t n)
{
	uint64_t grow = (uint64_t)(n - s->fn_index.nbuckets) * sizeof(*s->fn_index.v);

	if (gvw_host_charge(s, grow))
		return -1;
	if (gvw_hashtab_resize(&s->fn_index, n, fn_hash)) {
		gvw_host_uncharge(s, grow);
		return -1;
	}
	return 0;
}

int gvw_function_index(struct gvw_session *s, struct gvw_function *fn)
{
	struct gvw_hashtab *t = &s->fn_index;

	if (!t->nbuckets && rehash(s, FIRST_BUCKETS))
		return -1;
	/* Past one entry per bucket, double; if that fails, chains grow instead. */
	if (gvw_hashtab_full(t) && t->nbuckets < (1u << 30))
		rehash(s, t->nbuckets * 2);
	gvw_hashtab_insert(t, &fn->index_link, hash_of(fn->module, fn->name));
	return 0;
}

void gvw_function_unindex(struct gvw_session *s, struct gvw_function *fn)
{
	gvw_hashtab_remove(&s->fn_index, &fn->index_link, hash_of(fn->module, fn->name));
}

void gvw_functions_destroy(struct gvw_session *s)
{
	gvw_hashtab_free(&s->fn_index);
}
