/* SPDX-License-Identifier: MIT */
/* Minimal assertions for the guest test programs: count, report, go on. */
#ifndef GVIRTUS_TEST_CHECK_H
#define GVIRTUS_TEST_CHECK_H

#include <stdio.h>

static int check_failures, check_passes;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			check_passes++;                                                            \
		} else {                                                                           \
			check_failures++;                                                          \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                     \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
		}                                                                                  \
	} while (0)

#define CHECK_CUDA(expr, want)                                                                     \
	do {                                                                                       \
		cudaError_t got_ = (expr);                                                         \
		CHECK(got_ == (want), "%s returned %d (%s), expected %d", #expr, (int)got_,        \
		      cudaGetErrorName(got_), (int)(want));                                        \
	} while (0)

/* Deterministic bytes, computed independently of anything under test. */
static inline void pattern_fill(unsigned char *p, size_t n, unsigned long long seed)
{
	unsigned long long x = seed * 0x9E3779B97F4A7C15ull + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((i & 7) == 0) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		p[i] = (unsigned char)(x >> ((i & 7) * 8));
	}
}

#endif
