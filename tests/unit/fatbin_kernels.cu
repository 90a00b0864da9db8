/* SPDX-License-Identifier: MIT */
/*
 * Kernels whose parameter layouts test_fatbin_params.c reads back from the
 * fatbin this file compiles to (nvcc -arch=sm_90 -no-compress -fatbin).
 * The bodies are empty: only the signatures matter.  The test mirrors each
 * signature in a C struct and derives the expected offsets and sizes from
 * offsetof/sizeof, so keep the two files in step.
 */

struct S24 {			/* 24 bytes, 8-aligned */
	int a;
	double b;
	char c;
};

struct S48 {			/* 48 bytes */
	double d[5];
	char c;
};

struct Big4k {			/* 4008 bytes: still EIATTR_KPARAM_INFO */
	char c[4001];
	int i;
};

struct Huge20k {		/* 20008 bytes: EIATTR_KPARAM_INFO_V2 */
	char c[20001];
	int i;
};

struct __align__(16) A16 {	/* 16-byte alignment pushes the offset */
	float v[4];
};

__global__ void k_none() {}
__global__ void k_char(char c) {}
__global__ void k1(char c, double d, int *p) {}
__global__ void k_s24(char c, S24 s, int i) {}
__global__ void k_s48(S48 s, short h) {}
__global__ void k_big(char c, Big4k b, int *p) {}
__global__ void k_huge(char c, Huge20k h, int *p) {}
__global__ void k_a16(char c, A16 a) {}

template <typename T>
__global__ void k_tmpl(T a, char b, T c) {}
template __global__ void k_tmpl<double>(double, char, double);
template __global__ void k_tmpl<short>(short, char, short);

namespace gvt {
__global__ void k_ns(int a, float *b, char c) {}
}

__global__ void k_many(char a, short b, int c, long long d, float e, double f,
		       int *g, char h, S24 i, char j, double *k, short l,
		       unsigned char m, float n, char o, int p, long long q,
		       char r, A16 s, char t) {}

extern "C" __global__ void k_c(int x, long long y, char z) {}
