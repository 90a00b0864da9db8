/* SPDX-License-Identifier: MIT */
/*
 * Kernel parameter layouts read from a fatbin (host-worker/fatbin_params.c)
 * against a fatbin nvcc built from fatbin_kernels.cu.  The expected offsets
 * and sizes are not taken from the compiler: each kernel's parameter list
 * is mirrored as a C struct and laid out by offsetof/sizeof, the rules the
 * CUDA ABI shares with x86-64 C.  Then the fatbin is damaged in targeted
 * and in random ways: the parser must refuse, never read out of bounds
 * (make unit-test runs this under valgrind), and never return nonsense.
 *
 * Usage: test_fatbin_params [fatbin], by default build/tests/fatbin_kernels.fatbin
 * (make runs tests from the repository root).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fatbin_params.h"
#include "unit.h"

#define DEFAULT_FATBIN "build/tests/fatbin_kernels.fatbin"
#define MAX_PARAMS     64

/* The by-value types of fatbin_kernels.cu. */
struct s24 {
	int a;
	double b;
	char c;
};

struct s48 {
	double d[5];
	char c;
};

struct big4k {
	char c[4001];
	int i;
};

struct huge20k {
	char c[20001];
	int i;
};

struct a16 {
	_Alignas(16) float v[4];
};

_Static_assert(sizeof(void *) == 8 && _Alignof(double) == 8 && _Alignof(long long) == 8,
	       "the device ABI's pointer and 8-byte alignment, as on x86-64");
_Static_assert(sizeof(struct s24) == 24, "S24");
_Static_assert(sizeof(struct s48) == 48, "S48");
_Static_assert(sizeof(struct big4k) == 4008, "Big4k");
_Static_assert(sizeof(struct huge20k) == 20008, "Huge20k");
_Static_assert(sizeof(struct a16) == 16 && _Alignof(struct a16) == 16, "A16");

/* Each kernel's parameters as a struct: a parameter sits where its member would. */
struct p_k_char {
	char c;
};
struct p_k1 {
	char c;
	double d;
	int *p;
};
struct p_k_s24 {
	char c;
	struct s24 s;
	int i;
};
struct p_k_s48 {
	struct s48 s;
	short h;
};
struct p_k_big {
	char c;
	struct big4k b;
	int *p;
};
struct p_k_huge {
	char c;
	struct huge20k h;
	int *p;
};
struct p_k_a16 {
	char c;
	struct a16 a;
};
struct p_k_tmpl_d {
	double a;
	char b;
	double c;
};
struct p_k_tmpl_s {
	short a;
	char b;
	short c;
};
struct p_k_ns {
	int a;
	float *b;
	char c;
};
struct p_k_many {
	char a;
	short b;
	int c;
	long long d;
	float e;
	double f;
	int *g;
	char h;
	struct s24 i;
	char j;
	double *k;
	short l;
	unsigned char m;
	float n;
	char o;
	int p;
	long long q;
	char r;
	struct a16 s;
	char t;
};
struct p_k_c {
	int x;
	long long y;
	char z;
};

#define P(type, m)                                                                                 \
	{                                                                                          \
		offsetof(struct type, m), sizeof(((struct type *)0)->m)                            \
	}
#define LIST(...)  ((const struct gvw_param[]){__VA_ARGS__})
#define COUNT(...) (int)(sizeof(LIST(__VA_ARGS__)) / sizeof(struct gvw_param))
#define KERNEL(name, ...)                                                                          \
	{                                                                                          \
		name, COUNT(__VA_ARGS__), LIST(__VA_ARGS__)                                        \
	}

struct expected {
	const char *kernel;
	int n;
	const struct gvw_param *p;
};

static const struct expected kernels[] = {
    {"_Z6k_nonev", 0, NULL},
    KERNEL("_Z6k_charc", P(p_k_char, c)),
    KERNEL("_Z2k1cdPi", P(p_k1, c), P(p_k1, d), P(p_k1, p)),
    KERNEL("_Z5k_s24c3S24i", P(p_k_s24, c), P(p_k_s24, s), P(p_k_s24, i)),
    KERNEL("_Z5k_s483S48s", P(p_k_s48, s), P(p_k_s48, h)),
    KERNEL("_Z5k_bigc5Big4kPi", P(p_k_big, c), P(p_k_big, b), P(p_k_big, p)),
    KERNEL("_Z6k_hugec7Huge20kPi", P(p_k_huge, c), P(p_k_huge, h), P(p_k_huge, p)),
    KERNEL("_Z5k_a16c3A16", P(p_k_a16, c), P(p_k_a16, a)),
    KERNEL("_Z6k_tmplIdEvT_cS0_", P(p_k_tmpl_d, a), P(p_k_tmpl_d, b), P(p_k_tmpl_d, c)),
    KERNEL("_Z6k_tmplIsEvT_cS0_", P(p_k_tmpl_s, a), P(p_k_tmpl_s, b), P(p_k_tmpl_s, c)),
    KERNEL("_ZN3gvt4k_nsEiPfc", P(p_k_ns, a), P(p_k_ns, b), P(p_k_ns, c)),
    KERNEL("_Z6k_manycsixfdPic3S24cPdshfcixc3A16c", P(p_k_many, a), P(p_k_many, b), P(p_k_many, c),
	   P(p_k_many, d), P(p_k_many, e), P(p_k_many, f), P(p_k_many, g), P(p_k_many, h),
	   P(p_k_many, i), P(p_k_many, j), P(p_k_many, k), P(p_k_many, l), P(p_k_many, m),
	   P(p_k_many, n), P(p_k_many, o), P(p_k_many, p), P(p_k_many, q), P(p_k_many, r),
	   P(p_k_many, s), P(p_k_many, t)),
    KERNEL("k_c", P(p_k_c, x), P(p_k_c, y), P(p_k_c, z)),
};

static unsigned char *fatbin;
static size_t fatbin_len;

static uint64_t get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

static void put_le(unsigned char *p, int bytes, uint64_t v)
{
	for (int i = 0; i < bytes; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

/* A copy of exactly len bytes, so that valgrind sees any read past it. */
static unsigned char *copy_of(const unsigned char *src, size_t len)
{
	unsigned char *c = malloc(len ? len : 1);

	if (!c) {
		perror("malloc");
		exit(2);
	}
	memcpy(c, src, len);
	return c;
}

static int load(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	fatbin = malloc((size_t)n);
	if (!fatbin || fread(fatbin, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	fatbin_len = (size_t)n;
	return 0;
}

/* The kernel's layout in buf must be exactly e's. */
static void check_kernel(const unsigned char *buf, size_t len, const struct expected *e)
{
	struct gvw_param out[MAX_PARAMS];
	const char *why = "unset";
	int n, i;

	n = gvw_fatbin_param_layout(buf, len, e->kernel, out, MAX_PARAMS, &why);
	EXPECT(n == e->n, "%s: %d parameters, expected %d (%s)", e->kernel, n, e->n,
	       why ? why : "no reason");
	EXPECT(n < 0 || why == NULL, "%s: why not cleared on success", e->kernel);
	for (i = 0; i < n && i < e->n; i++)
		EXPECT(out[i].offset == e->p[i].offset && out[i].size == e->p[i].size,
		       "%s parameter %d: {%u, %u}, expected {%u, %u}", e->kernel, i, out[i].offset,
		       out[i].size, e->p[i].offset, e->p[i].size);
}

static int layout_of(const unsigned char *buf, size_t len, const char *kernel, const char **why)
{
	struct gvw_param out[MAX_PARAMS];

	return gvw_fatbin_param_layout(buf, len, kernel, out, MAX_PARAMS, why);
}

/* Offset in the fatbin of a unique byte pattern, or 0. */
static size_t find_bytes(const unsigned char *pat, size_t n)
{
	size_t i, at = 0;

	for (i = 0; i + n <= fatbin_len; i++)
		if (!memcmp(fatbin + i, pat, n)) {
			if (at)
				return 0;
			at = i;
		}
	return at;
}

/* k_many's record for parameter 19, a char at 144: the first in its section. */
static const unsigned char many_last_param[] = {
    0x04, 0x17, 0x0c, 0x00, 0, 0, 0, 0, 19, 0, 144, 0, 0x00, 0xf0, 0x05, 0x00,
};

/* Offsets of the pieces the damage below aims at. */
static size_t entry0, elf0, many_rec;

static void locate(void)
{
	entry0 = get_le(fatbin + 6, 2);
	elf0 = entry0 + get_le(fatbin + entry0 + 4, 4);
	many_rec = find_bytes(many_last_param, sizeof(many_last_param));
}

/* Damage width bytes at off to v; the kernel's lookup must fail. */
static void expect_refused(size_t off, int width, uint64_t v, const char *kernel, const char *what,
			   const char *why_has)
{
	unsigned char *c = copy_of(fatbin, fatbin_len);
	const char *why = NULL;
	int n;

	put_le(c + off, width, v);
	n = layout_of(c, fatbin_len, kernel, &why);
	EXPECT(n == -1 && why != NULL, "%s: returned %d", what, n);
	if (n == -1 && why && why_has)
		EXPECT(strstr(why, why_has) != NULL, "%s: reason \"%s\" lacks \"%s\"", what, why,
		       why_has);
	free(c);
}

static void test_layouts(void)
{
	static const struct gvw_param k1_by_hand[] = {{0, 1}, {8, 8}, {16, 8}};
	static const struct gvw_param big_by_hand[] = {{0, 1}, {4, 4008}, {4016, 8}};
	static const struct expected by_hand[] = {
	    {"_Z2k1cdPi", 3, k1_by_hand},
	    {"_Z5k_bigc5Big4kPi", 3, big_by_hand},
	};
	size_t i;

	for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
		check_kernel(fatbin, fatbin_len, &kernels[i]);
	for (i = 0; i < sizeof(by_hand) / sizeof(by_hand[0]); i++)
		check_kernel(fatbin, fatbin_len, &by_hand[i]);
}

static void test_api(void)
{
	const struct expected *many = &kernels[11];
	struct gvw_param out[4];
	unsigned char *two;
	const char *why;
	int n;

	/* Fewer slots than parameters: the count, and only max filled. */
	memset(out, 0xee, sizeof(out));
	n = gvw_fatbin_param_layout(fatbin, fatbin_len, many->kernel, out, 3, &why);
	EXPECT(n == 20, "k_many with 3 slots gave %d", n);
	EXPECT(out[2].offset == many->p[2].offset && out[2].size == many->p[2].size,
	       "k_many slot 2");
	EXPECT(out[3].offset == 0xeeeeeeeeu && out[3].size == 0xeeeeeeeeu, "k_many wrote past max");
	EXPECT(gvw_fatbin_param_layout(fatbin, fatbin_len, many->kernel, NULL, 0, NULL) == 20,
	       "count only, no out, no why");
	EXPECT(gvw_fatbin_param_layout(fatbin, fatbin_len, "_Z6k_nonev", NULL, 0, &why) == 0,
	       "no parameters, no out");

	/* Names must match whole. */
	static const char *const absent[] = {
	    "_Z2k1", "_Z2k1cdPiX", "k1", "k_c ", "_Z6k_none", "nv.info._Z2k1cdPi", "",
	};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		why = NULL;
		n = layout_of(fatbin, fatbin_len, absent[i], &why);
		EXPECT(n == -1 && why != NULL, "\"%s\" found (%d)", absent[i], n);
	}
	EXPECT(layout_of(fatbin, fatbin_len, NULL, &why) == -1, "NULL kernel name");
	EXPECT(layout_of(NULL, 0, "k_c", &why) == -1, "NULL fatbin");

	/* gvw_fatbin_size */
	EXPECT(gvw_fatbin_size(fatbin, fatbin_len) == fatbin_len, "size %zu of %zu",
	       gvw_fatbin_size(fatbin, fatbin_len), fatbin_len);
	EXPECT(gvw_fatbin_size(fatbin, fatbin_len - 1) == 0, "size past len_avail");
	EXPECT(gvw_fatbin_size(fatbin, 15) == 0, "shorter than the header");
	EXPECT(gvw_fatbin_size(fatbin + 1, fatbin_len - 1) == 0, "no magic");
	EXPECT(gvw_fatbin_size(NULL, 100) == 0, "NULL");

	/* Two fatbins back to back, as in an executable's .nv_fatbin. */
	two = malloc(2 * fatbin_len);
	if (two) {
		memcpy(two, fatbin, fatbin_len);
		memcpy(two + fatbin_len, fatbin, fatbin_len);
		EXPECT(gvw_fatbin_size(two, 2 * fatbin_len) == fatbin_len, "first of two");
		EXPECT(gvw_fatbin_size(two + fatbin_len, fatbin_len) == fatbin_len,
		       "second of two");
		check_kernel(two, 2 * fatbin_len, &kernels[2]);
		check_kernel(two + fatbin_len, fatbin_len, &kernels[12]);
		free(two);
	}
}

static void test_damage(void)
{
	const char *many = kernels[11].kernel;
	size_t rec = many_rec;
	uint64_t shoff;

	EXPECT(get_le(fatbin + entry0, 2) == 2, "first entry is not the cubin");
	EXPECT(!memcmp(fatbin + elf0,
		       "\x7f"
		       "ELF",
		       4),
	       "cubin not where expected");
	EXPECT(rec != 0, "k_many's last parameter record not found once");
	if (get_le(fatbin + entry0, 2) != 2 ||
	    memcmp(fatbin + elf0,
		   "\x7f"
		   "ELF",
		   4) ||
	    !rec)
		return;
	shoff = get_le(fatbin + elf0 + 0x28, 8);

	/* The fatbin and its entries. */
	expect_refused(0, 4, 0xba55ed51, "k_c", "bad magic", "magic");
	expect_refused(4, 2, 2, "k_c", "fatbin version 2", "version");
	expect_refused(6, 2, 8, "k_c", "fatbin header size 8", NULL);
	expect_refused(8, 8, fatbin_len, "k_c", "fatbin payload past the buffer", NULL);
	expect_refused(8, 8, UINT64_MAX - 8, "k_c", "fatbin payload wraps", NULL);
	expect_refused(entry0 + 4, 4, 8, "k_c", "entry header size 8", NULL);
	expect_refused(entry0 + 4, 4, UINT32_MAX, "k_c", "entry header size huge", NULL);
	expect_refused(entry0 + 8, 8, UINT64_MAX, "k_c", "entry payload huge", NULL);
	expect_refused(entry0 + 8, 8, fatbin_len, "k_c", "entry payload past the fatbin", NULL);
	expect_refused(entry0 + 0x28, 8, 0x8011, "k_c", "zstd flag", "compressed");
	expect_refused(entry0 + 0x28, 8, 0x2011, "k_c", "LZ4 flag", "compressed");
	expect_refused(entry0, 2, 1, "k_c", "cubin marked PTX", "no ELF cubin");
	expect_refused(elf0, 1, 0, "k_c", "ELF magic", NULL);

	/* The cubin's ELF header and section table. */
	expect_refused(elf0 + 4, 1, 1, "k_c", "32-bit ELF", "64-bit");
	expect_refused(elf0 + 5, 1, 2, "k_c", "big-endian ELF", "little-endian");
	expect_refused(elf0 + 0x28, 8, UINT64_MAX - 63, "k_c", "e_shoff huge", NULL);
	expect_refused(elf0 + 0x28, 8, get_le(fatbin + entry0 + 8, 8) - 64, "k_c",
		       "section table past the cubin", NULL);
	expect_refused(elf0 + 0x3a, 2, 40, "k_c", "e_shentsize 40", NULL);
	expect_refused(elf0 + 0x3c, 2, 0xfeff, "k_c", "e_shnum huge", NULL);
	expect_refused(elf0 + 0x3e, 2, 0xfeff, "k_c", "e_shstrndx out of range", NULL);
	expect_refused(elf0 + 0x3e, 2, 0, "k_c", "e_shstrndx on the null section", NULL);
	expect_refused(elf0 + shoff + 64 + 24, 8, UINT64_MAX, "k_c", "section 1 offset huge", NULL);

	/* k_many's parameter records. */
	expect_refused(rec + 2, 2, 13, many, "record 13 bytes long", NULL);
	expect_refused(rec + 2, 2, 0xffff, many, "record longer than its section", NULL);
	expect_refused(rec, 1, 7, many, "attribute format 7", NULL);
	expect_refused(rec + 8, 2, 18, many, "ordinal 18 twice", "two records");
	expect_refused(rec + 8, 2, 25, many, "ordinals 19..24 missing", "gaps");
	expect_refused(rec + 10, 2, 140, many, "parameter 19 over parameter 18", "overlap");
	expect_refused(rec + 12, 4, 0xfffff000u, many, "size past the parameter size",
		       "past the kernel's parameter size");
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A result must be a refusal or a layout that fits the parameter space. */
static void expect_sane(const unsigned char *buf, size_t len, const char *kernel, const char *what,
			uint64_t seed)
{
	struct gvw_param out[MAX_PARAMS];
	const char *why = NULL;
	int n, i;

	n = gvw_fatbin_param_layout(buf, len, kernel, out, MAX_PARAMS, &why);
	EXPECT(n >= -1 && (n >= 0 || why != NULL), "%s %llu: %d", what, (unsigned long long)seed,
	       n);
	for (i = 0; i < n && i < MAX_PARAMS; i++)
		EXPECT(out[i].offset + (uint64_t)out[i].size <= 65536, "%s %llu: parameter %d",
		       what, (unsigned long long)seed, i);
}

static void test_random_damage(void)
{
	size_t elf_len = get_le(fatbin + entry0 + 8, 8);
	size_t hdr = elf0 - entry0;
	size_t len;
	int round, k;

	size_t shdrs = elf0 + get_le(fatbin + elf0 + 0x28, 8);
	size_t many_info = many_rec - 8; /* after EIATTR_CUDA_API_VERSION */

	if (!many_rec || shdrs >= fatbin_len)
		return; /* test_damage() has said so */
	/* Random bytes anywhere, and mostly where the structure is. */
	for (round = 0; round < 2000; round++) {
		unsigned char *c = copy_of(fatbin, fatbin_len);
		uint64_t seed = rng;

		for (k = 1 + next_random() % 4; k > 0; k--) {
			size_t at;

			switch (round % 4) {
			case 0: /* anywhere */
				at = next_random() % fatbin_len;
				break;
			case 1: /* the fatbin, entry and ELF headers */
				at = next_random() % (elf0 + 64);
				break;
			case 2: /* the cubin's section headers and what follows */
				at = shdrs + next_random() % (fatbin_len - shdrs);
				break;
			default: /* k_many's .nv.info section (372 bytes) */
				at = many_info + next_random() % 372;
				break;
			}
			c[at] = (unsigned char)next_random();
		}
		expect_sane(c, fatbin_len, kernels[11].kernel, "random bytes", seed);
		expect_sane(c, fatbin_len, "k_c", "random bytes", seed);
		free(c);
	}

	/* Cut short, with the fatbin's and the cubin's sizes made to agree. */
	for (len = elf0; len <= elf0 + elf_len; len += len + 200 < elf0 + elf_len ? 97 : 1) {
		unsigned char *c = copy_of(fatbin, len);

		put_le(c + 8, 8, len - get_le(fatbin + 6, 2));
		put_le(c + entry0 + 8, 8, len - entry0 - hdr);
		expect_sane(c, len, kernels[11].kernel, "cut at", len);
		expect_sane(c, len, "k_c", "cut at", len);
		free(c);
	}
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : DEFAULT_FATBIN;

	if (load(path)) {
		EXPECT(0, "cannot read %s (make builds it from tests/unit/fatbin_kernels.cu)",
		       path);
		return unit_summary("test_fatbin_params");
	}
	locate();
	test_layouts();
	test_api();
	test_damage();
	test_random_damage();
	free(fatbin);
	return unit_summary("test_fatbin_params");
}
