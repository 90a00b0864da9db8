// SPDX-License-Identifier: MIT
// The checks the programs of tests/gpu share.  Each prints one line, "pass:
// <what>" or "FAIL <what>: got X expected Y", and counts; the output must
// be the same on any correct CUDA implementation (no pointers, no timings).
#ifndef GVIRTUS_GPU_CHECK_CUH
#define GVIRTUS_GPU_CHECK_CUH

#include <cstdio>
#include <limits>
#include <cuda_runtime.h>

static int g_pass, g_fail;

static inline void check_i(const char *what, long long got, long long exp)
{
	if (got == exp) {
		g_pass++;
		printf("pass: %s\n", what);
	} else {
		g_fail++;
		printf("FAIL %s: got %lld expected %lld\n", what, got, exp);
	}
}

static inline void check_d(const char *what, double got, double exp)
{
	if (got == exp) {
		g_pass++;
		printf("pass: %s\n", what);
	} else {
		g_fail++;
		printf("FAIL %s: got %.17g expected %.17g\n", what, got, exp);
	}
}

static inline void check_e(const char *what, cudaError_t got, cudaError_t exp)
{
	if (got == exp) {
		g_pass++;
		printf("pass: %s: %s\n", what, cudaGetErrorName(got));
	} else {
		g_fail++;
		printf("FAIL %s: got %s expected %s\n", what, cudaGetErrorName(got),
		       cudaGetErrorName(exp));
	}
}

// One check for a whole array: reports the first mismatch and how many.
template <typename T>
static inline void check_arr(const char *what, const T *got, const T *exp, int n)
{
	int bad = 0, first = -1;
	for (int i = 0; i < n; i++)
		if (!(got[i] == exp[i]) && bad++ == 0)
			first = i;
	if (bad == 0) {
		g_pass++;
		printf("pass: %s (%d values)\n", what, n);
	} else if (std::numeric_limits<T>::is_integer) {
		g_fail++;
		printf("FAIL %s[%d]: got %lld expected %lld (%d of %d differ)\n", what, first,
		       (long long)got[first], (long long)exp[first], bad, n);
	} else {
		g_fail++;
		printf("FAIL %s[%d]: got %.17g expected %.17g (%d of %d differ)\n", what, first,
		       (double)got[first], (double)exp[first], bad, n);
	}
}

#define CK(call) check_e(#call, (call), cudaSuccess)
#define LAUNCHED(name) check_e("launch " name, cudaGetLastError(), cudaSuccess)

#endif
