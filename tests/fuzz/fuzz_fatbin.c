/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fatbin parser (host-worker/fatbin_params.c), on
 * images a guest may ship with MODULE_LOAD; the same bytes as a bare ELF
 * cubin, and as PTX text (host-worker/ptx_params.c, NUL-terminated as the
 * host terminates an image).
 *
 * Input: u8 ctl (bits 0-3: the image's misalignment, as a bulk buffer at
 * any page offset has; bits 4-5: how many parameters out holds), u8
 * name_len, the kernel name (name_len 0: NULL), then the fatbin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fatbin_params.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_fatbin: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int maxes[4] = {0, 3, 64, 1024};
	struct gvw_param *out;
	const char *why = "unset";
	unsigned int misalign;
	size_t name_len, len, total;
	char *name = NULL;
	uint8_t *block;
	int max, n;

	if (size < 2)
		return 0;
	misalign = data[0] & 15;
	max = maxes[data[0] >> 4 & 3];
	name_len = data[1];
	data += 2;
	size -= 2;
	if (name_len > size)
		return 0;
	if (name_len) {
		name = malloc(name_len + 1);
		if (!name)
			abort();
		memcpy(name, data, name_len);
		name[name_len] = 0;
	}
	data += name_len;
	len = size - name_len;
	/* The image ends where the block ends, so that overreads show. */
	block = malloc(misalign + len ? misalign + len : 1);
	out = max ? malloc((size_t)max * sizeof(*out)) : NULL;
	if (!block || (max && !out))
		abort();
	memcpy(block + misalign, data, len);

	total = gvw_fatbin_size(block + misalign, len);
	if (total > len)
		die("gvw_fatbin_size larger than the bytes available");
	n = gvw_fatbin_param_layout(block + misalign, len, name, out, max, &why);
	if (n < -1 || (n == -1 && !why) || (n >= 0 && why))
		die("gvw_fatbin_param_layout's result and reason disagree");
	n = gvw_elf_param_layout(block + misalign, len, name, out, max, &why);
	if (n < -1 || (n == -1 && !why) || (n >= 0 && why))
		die("gvw_elf_param_layout's result and reason disagree");
	{
		char *text = malloc(len + 1);

		if (!text)
			abort();
		memcpy(text, data, len);
		text[len] = 0;
		n = gvw_ptx_param_layout(text, name, out, max, &why);
		if (n < -1 || (n == -1 && !why) || (n >= 0 && why))
			die("gvw_ptx_param_layout's result and reason disagree");
		free(text);
	}
	free(out);
	free(block);
	free(name);
	return 0;
}
