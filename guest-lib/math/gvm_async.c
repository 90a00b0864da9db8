/* SPDX-License-Identifier: MIT */
/*
 * The math libraries' async class (gvm.h): a compute call goes as a
 * message that wants no reply when nothing the library checks at the call
 * can fail.  Its generated guard proves the arguments the library checks
 * by value (dimensions against leading dimensions, increments); the rest
 * (types, modes, enums, alignment classes, which objects) is the call's
 * key, and a key is learned only from a synchronous call of the same
 * shape that succeeded.  So a call is queued only where the library has
 * already said yes to it, and a first call, or any that might fail, waits
 * for the host's answer as before.
 */
#include <stdatomic.h>

#include "gvm.h"
#include "protocol.h"

/* Learned keys, direct-mapped: a key pushed out is learned again. */
#define LEARNED_SLOTS 4096u
static _Atomic uint64_t learned[LEARNED_SLOTS];

static uint64_t key_hash(struct gvm_lib *lib, uint32_t op, const uint64_t *key, unsigned int n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ op;
	unsigned int i;

	h = (h ^ atomic_load_explicit(&lib->generation, memory_order_relaxed)) * 0x100000001b3ull;
	for (i = 0; i < n; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	return h ? h : 1;
}

int gvm_async(struct gvm_lib *lib, uint32_t op, const uint64_t *key, unsigned int n,
	      const void *req, uint32_t req_len)
{
	return gvm_async_tail(lib, op, key, n, req, req_len, NULL, 0);
}

int gvm_async_tail(struct gvm_lib *lib, uint32_t op, const uint64_t *key, unsigned int n,
		   const void *req, uint32_t req_len, const void *tail, uint32_t tail_len)
{
	const struct gv_session_info *s = gv_session();
	uint64_t h;

	if (!s->ready || !(s->apis & lib->api) || !gv_async_enabled())
		return 0;
	/* No key: the caller's guard proves the call cannot fail. */
	h = key ? key_hash(lib, op, key, n) : 0;
	if (key && atomic_load_explicit(&learned[h % LEARNED_SLOTS], memory_order_relaxed) != h)
		return 0;
	return gv_rpc_async(op, req, req_len, tail, tail_len) == cudaSuccess;
}

void gvm_learn(struct gvm_lib *lib, uint32_t op, const uint64_t *key, unsigned int n)
{
	uint64_t h = key_hash(lib, op, key, n);

	atomic_store_explicit(&learned[h % LEARNED_SLOTS], h, memory_order_relaxed);
}

void gvm_async_reset(struct gvm_lib *lib)
{
	atomic_fetch_add_explicit(&lib->generation, 1, memory_order_relaxed);
}
