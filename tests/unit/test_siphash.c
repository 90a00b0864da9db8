/* SPDX-License-Identifier: MIT */
/*
 * SipHash-2-4 (host-worker/siphash.c) against the published test vectors:
 * key 00 01 .. 0f, message 00 01 .. n-1, as in the reference
 * implementation's vectors and the paper's appendix A (n = 15).
 */
#include <stdint.h>
#include <string.h>

#include "siphash.h"
#include "unit.h"

static const struct {
	size_t n;
	uint64_t want;
} vectors[] = {
    {0, 0x726fdb47dd0e0e31ull}, {1, 0x74f839c593dc67fdull}, {2, 0x0d6c8009d9a94f5aull},
    {3, 0x85676696d7fb7e2dull}, {8, 0x93f5f5799a932462ull}, {15, 0xa129ca6149be45e5ull},
};

int main(void)
{
	uint8_t key[16], msg[64];
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint64_t got = gvw_siphash24(key, msg, vectors[i].n);

		EXPECT(got == vectors[i].want, "%zu bytes: %016llx, want %016llx", vectors[i].n,
		       (unsigned long long)got, (unsigned long long)vectors[i].want);
	}
	/* A different key gives a different value for the same message. */
	key[0] ^= 1;
	EXPECT(gvw_siphash24(key, msg, 15) != 0xa129ca6149be45e5ull, "key matters");
	return unit_summary("test_siphash");
}
