/* SPDX-License-Identifier: MIT */
/*
 * Module image checks (host-worker/module_image.c): what reaches the
 * driver's cuModuleLoadData must be sized and terminated within the bytes
 * the guest sent.  A fatbin nvcc built (make unit-test builds it) and the
 * cubin inside it must pass; images cut short, headers that claim more
 * than was sent, tables and sections outside the image must be refused.
 * Every image lives in a buffer of exactly its length plus our NUL, so
 * valgrind (make unit-test) catches any read past it, also while random
 * damage is tried.
 *
 * Usage: test_module_image [fatbin], by default build/tests/fatbin_kernels.fatbin
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fatbin_params.h"
#include "module_image.h"
#include "unit.h"

#define DEFAULT_FATBIN "build/tests/fatbin_kernels.fatbin"

/* Checks len bytes of src as the host would: an exact copy plus a NUL. */
static int check(const void *src, size_t len, const char **why)
{
	struct gv_frame_piece iov = {(void *)src, len};
	struct gvw_bulk b = {.iov = &iov, .niov = 1, .len = len, .dir = 1};
	uint8_t *p = gvw_module_image_copy(&b);
	int k;

	if (!p)
		return -2;
	k = gvw_module_image_check(p, len, why);
	free(p);
	return k;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void test_ptx(void)
{
	static const char ptx[] = "//\n.version 8.8\n.target sm_90\n.address_size 64\n";
	const char *why = NULL;
	char buf[128];
	struct gv_frame_piece iov = {(void *)ptx, sizeof(ptx) - 1};
	struct gvw_bulk b = {.iov = &iov, .niov = 1, .len = sizeof(ptx) - 1, .dir = 1};
	uint8_t *p;

	/* Without its NUL: accepted, and our copy ends in one. */
	EXPECT(check(ptx, sizeof(ptx) - 1, &why) == GVW_IMAGE_PTX, "PTX without NUL: %s", why);
	p = gvw_module_image_copy(&b);
	EXPECT(p && p[sizeof(ptx) - 1] == 0 && !memcmp(p, ptx, sizeof(ptx) - 1),
	       "copy is the bytes plus a NUL");
	free(p);
	EXPECT(check(ptx, sizeof(ptx), &why) == GVW_IMAGE_PTX, "PTX with NUL: %s", why);
	/* Text up to a NUL, then anything: the driver reads only the text. */
	memcpy(buf, ptx, sizeof(ptx));
	memset(buf + sizeof(ptx), 0xff, sizeof(buf) - sizeof(ptx));
	EXPECT(check(buf, sizeof(buf), &why) == GVW_IMAGE_PTX, "PTX, NUL, bytes: %s", why);
	/* Binary that is neither a fatbin, an ELF nor text. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 1;
	buf[1] = (char)0x80;
	EXPECT(check(buf, sizeof(buf), &why) == -1, "binary junk refused");
	EXPECT(check("\0abcdefghijklmnop", 17, &why) == -1, "empty text refused");
}

/* The first uncompressed cubin of the fatbin, found by its own magic. */
static const uint8_t *find_elf(const uint8_t *fb, size_t len, size_t *elf_len)
{
	size_t i;

	for (i = 16; i + 64 <= len; i++) {
		if (!memcmp(fb + i,
			    "\x7f"
			    "ELF",
			    4)) {
			/* A cubin ends with its section or program header table. */
			uint64_t phoff = get64(fb + i + 32), shoff = get64(fb + i + 40);
			uint16_t phnum = (uint16_t)(fb[i + 56] | fb[i + 57] << 8);
			uint16_t shnum = (uint16_t)(fb[i + 60] | fb[i + 61] << 8);
			uint64_t sh_end = shoff + (uint64_t)shnum * 64,
				 ph_end = phoff + phnum * 56ull;

			*elf_len = sh_end > ph_end ? sh_end : ph_end;
			return *elf_len <= len - i ? fb + i : NULL;
		}
	}
	return NULL;
}

static void test_elf(const uint8_t *elf, size_t len)
{
	const char *why = NULL;
	uint8_t *e = malloc(len);
	uint64_t shoff = get64(elf + 40);
	uint16_t shnum = (uint16_t)(elf[60] | elf[61] << 8);
	uint16_t strndx = (uint16_t)(elf[62] | elf[63] << 8);
	size_t cut[] = {4, 63, 64, len / 2, len - 1};
	unsigned int i;

	EXPECT(check(elf, len, &why) == GVW_IMAGE_ELF, "nvcc's cubin accepted: %s", why);
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
		EXPECT(check(elf, cut[i], &why) == -1, "cubin cut to %zu bytes refused", cut[i]);

	memcpy(e, elf, len);
	put64(e + 40, len); /* section table at the very end: outside */
	EXPECT(check(e, len, &why) == -1, "section table past the end refused");
	memcpy(e, elf, len);
	e[60] = 0xff;
	e[61] = 0x7f; /* 32767 sections */
	EXPECT(check(e, len, &why) == -1, "section count past the end refused");
	memcpy(e, elf, len);
	put64(e + 32, len - 8); /* program header table straddling the end */
	e[56] = 1;
	e[57] = 0;
	e[54] = 56;
	e[55] = 0;
	EXPECT(check(e, len, &why) == -1, "program header table past the end refused");
	/* A section whose data runs past the end (section 1, its size). */
	memcpy(e, elf, len);
	put64(e + shoff + 64 + 32, (uint64_t)len);
	put32(e + shoff + 64 + 4, 1); /* PROGBITS */
	EXPECT(check(e, len, &why) == -1, "section past the end refused");
	/* The section name table without its final NUL. */
	if (strndx && strndx < shnum) {
		const uint8_t *sh = elf + shoff + (size_t)strndx * 64;

		memcpy(e, elf, len);
		e[get64(sh + 24) + get64(sh + 32) - 1] = 'x';
		EXPECT(check(e, len, &why) == -1, "unterminated string table refused");
	}
	free(e);
}

static void test_fatbin(const uint8_t *fb, size_t len)
{
	const char *why = NULL;
	uint8_t *f = malloc(len + 64);
	uint8_t synth[16 + 64 + 8];
	size_t cut[] = {8, 16, 17, len / 2, len - 1};
	unsigned int i;
	uint64_t payload = get64(fb + 8);
	uint16_t hsize = (uint16_t)(fb[6] | fb[7] << 8);

	EXPECT(check(fb, len, &why) == GVW_IMAGE_FATBIN, "nvcc's fatbin accepted: %s", why);
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
		EXPECT(check(fb, cut[i], &why) == -1, "fatbin cut to %zu bytes refused", cut[i]);

	/* The header claims one byte more than was sent. */
	memcpy(f, fb, len);
	put64(f + 8, payload + 1);
	EXPECT(check(f, len, &why) == -1, "fatbin claiming more than sent refused");
	/* Sent with room to spare, it claims its own size: fine. */
	memcpy(f, fb, len);
	memset(f + len, 0, 64);
	EXPECT(check(f, len + 64, &why) == GVW_IMAGE_FATBIN, "trailing bytes accepted: %s", why);
	/* The first entry's payload claims past the fatbin. */
	memcpy(f, fb, len);
	put64(f + hsize + 8, payload);
	EXPECT(check(f, len, &why) == -1, "entry past the fatbin refused");
	/* An entry header size past the fatbin. */
	memcpy(f, fb, len);
	put32(f + hsize + 4, (uint32_t)len);
	EXPECT(check(f, len, &why) == -1, "entry header past the fatbin refused");
	free(f);

	/* A hand-made fatbin: one compressed cubin entry, never parsed here. */
	memset(synth, 0, sizeof(synth));
	put32(synth, 0xBA55ED50u);
	synth[4] = 1;
	synth[6] = 16;
	put64(synth + 8, 64 + 8);
	synth[16] = 2;			  /* ELF */
	put32(synth + 16 + 4, 64);	  /* entry header size */
	put64(synth + 16 + 8, 8);	  /* payload */
	put64(synth + 16 + 0x28, 0x2000); /* LZ4 */
	EXPECT(check(synth, sizeof(synth), &why) == GVW_IMAGE_FATBIN,
	       "compressed entry accepted: %s", why);
	/* The same entry uncompressed: 8 bytes are no ELF. */
	put64(synth + 16 + 0x28, 0);
	EXPECT(check(synth, sizeof(synth), &why) == -1, "8-byte cubin refused");
	/* A PTX entry with no NUL inside it. */
	synth[16] = 1;
	memcpy(synth + 16 + 64, ".version", 8);
	EXPECT(check(synth, sizeof(synth), &why) == -1, "unterminated PTX entry refused");
	synth[16 + 64 + 7] = 0;
	EXPECT(check(synth, sizeof(synth), &why) == GVW_IMAGE_FATBIN,
	       "terminated PTX entry accepted: %s", why);
	/* No entries at all. */
	put64(synth + 8, 0);
	EXPECT(check(synth, 16, &why) == -1, "empty fatbin refused");
}

/* Random damage: any answer will do, as long as nothing is read out of bounds. */
static void test_random(const uint8_t *fb, size_t len)
{
	uint8_t *f = malloc(len);
	unsigned int seed = 12345, i, accepted = 0;
	const char *why;

	for (i = 0; i < 3000; i++) {
		unsigned int n = 1 + rand_r(&seed) % 8, k;
		size_t cut = len - rand_r(&seed) % 64;

		memcpy(f, fb, len);
		for (k = 0; k < n; k++) {
			/* Mostly the headers, where the sizes are. */
			size_t at = rand_r(&seed) % 4 ? (size_t)rand_r(&seed) % 256
						      : (size_t)rand_r(&seed) % len;

			f[at] = (uint8_t)rand_r(&seed);
		}
		accepted += check(f, cut, &why) > 0;
	}
	/* Not an assertion: valgrind judges this part. */
	printf("random damage: %u of 3000 damaged images accepted\n", accepted);
	free(f);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : DEFAULT_FATBIN;
	FILE *fp = fopen(path, "rb");
	uint8_t *fb;
	const uint8_t *elf;
	size_t len, elf_len = 0;
	long n;

	test_ptx();
	if (!fp) {
		printf("FAIL cannot open %s (make unit-test builds it)\n", path);
		return unit_summary("test_module_image") | 1;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	fb = malloc((size_t)n);
	len = fread(fb, 1, (size_t)n, fp);
	fclose(fp);
	EXPECT(len == (size_t)n && len > 64, "read %s", path);
	test_fatbin(fb, len);
	elf = find_elf(fb, len, &elf_len);
	EXPECT(elf != NULL, "a cubin inside the fatbin");
	if (elf)
		test_elf(elf, elf_len);
	test_random(fb, len);
	free(fb);
	return unit_summary("test_module_image");
}
