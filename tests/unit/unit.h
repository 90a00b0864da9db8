/* SPDX-License-Identifier: MIT */
/* Assertions for host-side unit tests; main() ends with unit_summary(). */
#ifndef GVIRTUS_UNIT_H
#define GVIRTUS_UNIT_H

#include <stdio.h>

static int unit_failed, unit_passed;

#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (cond) {                                                                        \
			unit_passed++;                                                             \
		} else {                                                                           \
			unit_failed++;                                                             \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                     \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
		}                                                                                  \
	} while (0)

static inline int unit_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	return unit_failed != 0;
}

#endif
