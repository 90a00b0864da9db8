/* SPDX-License-Identifier: MIT */
/* SipHash-2-4, written from the paper's description (section 2). */
#include "siphash.h"

static uint64_t rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* One SipRound over the four words of state. */
static void round4(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static void compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	round4(v); /* c = 2 rounds per message word */
	round4(v);
	v[0] ^= m;
}

uint64_t gvw_siphash24(const uint8_t key[GVW_SIPHASH_KEY_BYTES], const void *msg, size_t len)
{
	const uint8_t *p = msg;
	uint64_t k0 = load64(key), k1 = load64(key + 8);
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			 k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
	uint64_t last = (uint64_t)(len & 0xff) << 56;
	size_t i, full = len & ~(size_t)7;

	for (i = 0; i < full; i += 8)
		compress(v, load64(p + i));
	/* The final word: the remaining bytes, and the length mod 256 on top. */
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[full + i] << (8 * i);
	compress(v, last);
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++) /* d = 4 finalization rounds */
		round4(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
