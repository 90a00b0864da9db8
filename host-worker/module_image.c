/* SPDX-License-Identifier: MIT */
/*
 * Checks of module images before the driver sees them (module_image.h).
 * ELF64 layouts as in the System V gABI: the header is 64 bytes, program
 * headers 56, section headers 64; all fields little-endian in a cubin.
 * Fatbins are walked with fatbin_params.c, which knows their format.
 */
#include "module_image.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fatbin_params.h"

#define FATBIN_MAGIC 0xBA55ED50u
#define ELF_EHDR     64
#define ELF_PHDR     56
#define ELF_SHDR     64
#define PN_XNUM	     0xffffu
#define SHN_XINDEX   0xffffu
#define SHT_NULL     0
#define SHT_STRTAB   3
#define SHT_NOBITS   8

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* Whether [off, off + n) lies within len, without overflow. */
static bool within(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* Whether a table of count entries of size bytes at off lies within len. */
static bool table_within(uint64_t off, uint64_t count, uint64_t size, size_t len)
{
	return off <= len && (count == 0 || (len - off) / size >= count);
}

int gvw_elf_check(const uint8_t *p, size_t len, const char **why)
{
	uint64_t phoff, shoff, phnum, shnum, strndx, phent, shent, i;
	const uint8_t *sh0 = NULL, *strtab = NULL;
	uint64_t strtab_len = 0;

	if (len < ELF_EHDR ||
	    memcmp(p,
		   "\x7f"
		   "ELF",
		   4) ||
	    p[4] != 2 || p[5] != 1) {
		*why = "not a 64-bit little-endian ELF, or shorter than its header";
		return -1;
	}
	if (get(p + 52, 2) < ELF_EHDR) {
		*why = "ELF header size too small";
		return -1;
	}
	phoff = get(p + 32, 8);
	shoff = get(p + 40, 8);
	phent = get(p + 54, 2);
	phnum = get(p + 56, 2);
	shent = get(p + 58, 2);
	shnum = get(p + 60, 2);
	strndx = get(p + 62, 2);
	/* Large counts live in section 0, which must then exist. */
	if (shoff) {
		if (shent < ELF_SHDR || !within(shoff, ELF_SHDR, len)) {
			*why = "ELF section header table outside the image";
			return -1;
		}
		sh0 = p + shoff;
		if (shnum == 0)
			shnum = get(sh0 + 32, 8);
		if (strndx == SHN_XINDEX)
			strndx = get(sh0 + 40, 4);
	} else if (shnum || phnum == PN_XNUM) {
		*why = "ELF names sections but has no section table";
		return -1;
	}
	if (phnum == PN_XNUM)
		phnum = get(sh0 + 44, 4);
	if (phnum) {
		if (phent < ELF_PHDR || !table_within(phoff, phnum, phent, len)) {
			*why = "ELF program header table outside the image";
			return -1;
		}
		for (i = 0; i < phnum; i++) {
			const uint8_t *ph = p + phoff + i * phent;

			if (!within(get(ph + 8, 8), get(ph + 32, 8), len)) {
				*why = "ELF segment outside the image";
				return -1;
			}
		}
	}
	if (!shoff)
		return 0;
	if (!table_within(shoff, shnum, shent, len)) {
		*why = "ELF section header table outside the image";
		return -1;
	}
	for (i = 0; i < shnum; i++) {
		const uint8_t *sh = p + shoff + i * shent;
		uint32_t type = (uint32_t)get(sh + 4, 4);
		uint64_t off = get(sh + 24, 8), size = get(sh + 32, 8);

		if (type == SHT_NULL || type == SHT_NOBITS)
			continue;
		if (!within(off, size, len)) {
			*why = "ELF section outside the image";
			return -1;
		}
		/* Names are read up to a NUL: each string table must end in one. */
		if (type == SHT_STRTAB && size && p[off + size - 1]) {
			*why = "ELF string table not NUL-terminated";
			return -1;
		}
		if (get(sh + 40, 4) >= shnum && get(sh + 40, 4) != 0) {
			*why = "ELF section links to a section that does not exist";
			return -1;
		}
	}
	if (strndx) {
		const uint8_t *sh;

		if (strndx >= shnum) {
			*why = "ELF section name table missing";
			return -1;
		}
		sh = p + shoff + strndx * shent;
		if (get(sh + 4, 4) != SHT_STRTAB || get(sh + 32, 8) == 0) {
			*why = "ELF section name table missing";
			return -1;
		}
		strtab = p + get(sh + 24, 8);
		strtab_len = get(sh + 32, 8);
	}
	for (i = 0; i < shnum; i++) {
		uint64_t name = get(p + shoff + i * shent, 4);

		if (name && (!strtab || name >= strtab_len)) {
			*why = "ELF section name outside the name table";
			return -1;
		}
	}
	return 0;
}

/* PTX is text: printable, white space, or UTF-8 (comments may hold it). */
static bool is_text(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v')
			return false;
		if (c == 0x7f)
			return false;
	}
	return n > 0;
}

static int fatbin_check(const uint8_t *p, size_t len, const char **why)
{
	size_t total = gvw_fatbin_size(p, len), pos = 0;
	struct gvw_fatbin_entry e;
	int more, n = 0;

	if (!total) {
		*why = "fatbin header sizes run past the bytes sent";
		return -1;
	}
	while ((more = gvw_fatbin_next(p, total, &pos, &e, why)) > 0) {
		n++;
		if (e.compressed)
			continue; /* the driver inflates it to the size the entry states */
		if (e.kind == GVW_FATBIN_ELF && gvw_elf_check(e.payload, e.payload_len, why))
			return -1;
		if (e.kind == GVW_FATBIN_PTX && !memchr(e.payload, 0, e.payload_len)) {
			*why = "fatbin PTX entry not NUL-terminated within the entry";
			return -1;
		}
	}
	if (more < 0)
		return -1;
	if (!n) {
		*why = "fatbin has no entries";
		return -1;
	}
	return 0;
}

int gvw_module_image_check(const uint8_t *p, size_t len, const char **why)
{
	if (p[len] != 0) {
		*why = "image not terminated by the host";
		return -1;
	}
	if (len >= 4 && get(p, 4) == FATBIN_MAGIC)
		return fatbin_check(p, len, why) ? -1 : GVW_IMAGE_FATBIN;
	if (len >= 4 && !memcmp(p,
				"\x7f"
				"ELF",
				4))
		return gvw_elf_check(p, len, why) ? -1 : GVW_IMAGE_ELF;
	/* The driver reads PTX to its first NUL; ours at p[len] bounds it. */
	if (is_text(p, strlen((const char *)p)))
		return GVW_IMAGE_PTX;
	*why = "neither a fatbin, an ELF cubin nor PTX text";
	return -1;
}

uint8_t *gvw_module_image_copy(const struct gvw_bulk *b)
{
	uint8_t *p = malloc(b->len + 1);
	size_t at = 0;
	unsigned int i;

	if (!p)
		return NULL;
	/* Never more than len, whatever the iovecs add up to. */
	for (i = 0; i < b->niov && at < b->len; i++) {
		size_t n = b->iov[i].len < b->len - at ? b->iov[i].len : b->len - at;

		memcpy(p + at, b->iov[i].base, n);
		at += n;
	}
	memset(p + at, 0, b->len + 1 - at);
	return p;
}
