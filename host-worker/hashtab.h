/* SPDX-License-Identifier: MIT */
/*
 * A chained hash table whose links live in the entries: inserting
 * allocates nothing, and only a resize allocates (a bucket array).  The
 * caller hashes and compares keys; the table keeps chains.  A link holds
 * no hash, so an entry stays the size the host-byte quota charges for it;
 * a resize asks the caller to hash each entry again instead.
 */
#ifndef GVIRTUS_HASHTAB_H
#define GVIRTUS_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gvw_hlink {
	struct gvw_hlink *next;
};

struct gvw_hashtab {
	struct gvw_hlink **v;
	size_t nbuckets; /* 0 until the first resize, then a power of two */
	size_t n;	 /* entries */
};

/* The entry of type holding link l as its member. */
#define gvw_hentry(l, type, member) ((type *)((char *)(l)-offsetof(type, member)))

typedef uint64_t gvw_hash_fn(const struct gvw_hlink *l);

/* Moves the entries into nbuckets (a power of two) buckets: 0, or -1 with no memory. */
int gvw_hashtab_resize(struct gvw_hashtab *t, size_t nbuckets, gvw_hash_fn *hash);

/* Past one entry per bucket: time for the caller to double. */
static inline bool gvw_hashtab_full(const struct gvw_hashtab *t)
{
	return t->n >= t->nbuckets;
}

/* The chain where entries of this hash are; the caller compares keys. */
static inline struct gvw_hlink *gvw_hashtab_chain(const struct gvw_hashtab *t, uint64_t hash)
{
	return t->nbuckets ? t->v[hash & (t->nbuckets - 1)] : NULL;
}

/* Needs buckets (a resize first). */
void gvw_hashtab_insert(struct gvw_hashtab *t, struct gvw_hlink *l, uint64_t hash);
/* Whether l was there (hashed to hash) and is now gone. */
bool gvw_hashtab_remove(struct gvw_hashtab *t, struct gvw_hlink *l, uint64_t hash);
/* Frees the buckets, not the entries. */
void gvw_hashtab_free(struct gvw_hashtab *t);

#endif
