/* SPDX-License-Identifier: MIT */
/*
 * The session's functions indexed by (module handle, name): natively a
 * second cuModuleGetFunction of the same name returns the same CUfunction,
 * and here it returns the same handle instead of holding the host to
 * another copy.  Chained hashing, buckets doubled as entries grow.
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

struct gvw_function *gvw_function_find(struct gvw_session *s, uint64_t module,
				       const char *name)
{
	struct gvw_function *fn;

	if (!s->fn_buckets)
		return NULL;
	fn = s->fn_index[hash_of(module, name) & (s->fn_buckets - 1)];
	for (; fn; fn = fn->index_next)
		if (fn->module == module && !strcmp(fn->name, name))
			return fn;
	return NULL;
}

/* A bucket array of n: the old entries moved in, its bytes charged. */
static int rehash(struct gvw_session *s, uint32_t n)
{
	struct gvw_function **v;
	uint32_t i;

	if (gvw_host_charge(s, (uint64_t)(n - s->fn_buckets) * sizeof(*v)))
		return -1;
	v = calloc(n, sizeof(*v));
	if (!v) {
		gvw_host_uncharge(s, (uint64_t)(n - s->fn_buckets) * sizeof(*v));
		return -1;
	}
	for (i = 0; i < s->fn_buckets; i++) {
		while (s->fn_index[i]) {
			struct gvw_function *fn = s->fn_index[i];
			uint64_t b = hash_of(fn->module, fn->name) & (n - 1);

			s->fn_index[i] = fn->index_next;
			fn->index_next = v[b];
			v[b] = fn;
		}
	}
	free(s->fn_index);
	s->fn_index = v;
	s->fn_buckets = n;
	return 0;
}

int gvw_function_index(struct gvw_session *s, struct gvw_function *fn)
{
	uint64_t b;

	if (!s->fn_buckets && rehash(s, FIRST_BUCKETS))
		return -1;
	/* Past one entry per bucket, double; if that fails, chains grow instead. */
	if (s->fn_count >= s->fn_buckets && s->fn_buckets < (1u << 30))
		rehash(s, s->fn_buckets * 2);
	b = hash_of(fn->module, fn->name) & (s->fn_buckets - 1);
	fn->index_next = s->fn_index[b];
	s->fn_index[b] = fn;
	s->fn_count++;
	return 0;
}

void gvw_function_unindex(struct gvw_session *s, struct gvw_function *fn)
{
	struct gvw_function **p;

	if (!s->fn_buckets)
		return;
	p = &s->fn_index[hash_of(fn->module, fn->name) & (s->fn_buckets - 1)];
	for (; *p; p = &(*p)->index_next) {
		if (*p == fn) {
			*p = fn->index_next;
			s->fn_count--;
			return;
		}
	}
}

void gvw_functions_destroy(struct gvw_session *s)
{
	free(s->fn_index);
	s->fn_index = NULL;
	s->fn_buckets = s->fn_count = 0;
}
