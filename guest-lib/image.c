/* SPDX-License-Identifier: MIT */
/*
 * Image sizes: the host needs a length, and the driver's and the
 * runtime's loading calls (cuModuleLoadData, cuLibraryLoadData,
 * cudaLibraryLoadData) give none.  A PTX text ends at its NUL; a cubin at
 * the end of its furthest section or header table; a fatbin at its
 * header's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda.h>

#include "gvrt.h"

#define FATBIN_MAGIC	     0xba55ed50u
#define FATBIN_WRAPPER_MAGIC 0x466243b1u
#define ELF_MAGIC	     0x464c457fu

static uint64_t rd(const uint8_t *p, int n)
{
	uint64_t v = 0;

	memcpy(&v, p, (size_t)n);
	return v;
}

static size_t elf_size(const uint8_t *p)
{
	uint64_t shoff = rd(p + 0x28, 8), phoff = rd(p + 0x20, 8);
	uint64_t shent = rd(p + 0x3a, 2), shnum = rd(p + 0x3c, 2);
	uint64_t phent = rd(p + 0x36, 2), phnum = rd(p + 0x38, 2);
	uint64_t end = shoff + shent * shnum, i;

	if (phoff + phent * phnum > end)
		end = phoff + phent * phnum;
	for (i = 0; i < shnum; i++) {
		const uint8_t *sh = p + shoff + i * shent;

		if (rd(sh + 4, 4) != 8 /* SHT_NOBITS */ &&
		    rd(sh + 0x18, 8) + rd(sh + 0x20, 8) > end)
			end = rd(sh + 0x18, 8) + rd(sh + 0x20, 8);
	}
	return (size_t)end;
}

/* The image's bytes, or 0 if it is none of PTX, cubin and fatbin. */
size_t gv_image_size(const void **image)
{
	const uint8_t *p = *image;
	uint32_t magic = (uint32_t)rd(p, 4);

	if (magic == FATBIN_WRAPPER_MAGIC) {
		const void *inner;

		memcpy(&inner, p + 8, sizeof(inner));
		*image = inner;
		return inner ? gv_image_size(image) : 0;
	}
	if (magic == FATBIN_MAGIC)
		return (size_t)(rd(p + 6, 2) + rd(p + 8, 8));
	if (magic == ELF_MAGIC)
		return p[4] == 2 /* ELFCLASS64 */ ? elf_size(p) : 0;
	return strlen((const char *)p) + 1;
}

uint32_t gv_image_magic(const void *image)
{
	return (uint32_t)rd(image, 4);
}

int gv_image_is_binary(const void *image)
{
	uint32_t magic = gv_image_magic(image);

	return magic == ELF_MAGIC || magic == FATBIN_MAGIC;
}

char *gv_read_file(const char *name, size_t *len)
{
	FILE *f = fopen(name, "rb");
	char *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		*len = (size_t)n + 1; /* what could not be had */
	} else if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	} else {
		buf[n] = 0; /* PTX read from a file has no NUL of its own */
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/*
 * JIT options steer code generation on the host's driver, which chooses
 * for itself here; the outputs they name are answered: empty logs and no
 * wall time.  The runtime's cudaJitOption has the driver's values.
 */
void gv_jit_outputs(unsigned int n, const int *options, void **values)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		switch (options[i]) {
		case CU_JIT_INFO_LOG_BUFFER:
		case CU_JIT_ERROR_LOG_BUFFER:
			if (values[i])
				*(char *)values[i] = 0;
			break;
		case CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES:
		case CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES:
			values[i] = (void *)(uintptr_t)0;
			break;
		case CU_JIT_WALL_TIME: {
			float zero = 0;

			memcpy(&values[i], &zero, sizeof(zero));
			break;
		}
		default:
			break;
		}
	}
}
