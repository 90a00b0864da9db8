/* SPDX-License-Identifier: MIT */
/*
 * Kernel parameter layouts read from PTX text, for the CPU reference
 * executor (fatbin_params.h): a module loaded from PTX (NVRTC's output, a
 * program's own text) carries no .nv.info, so the layout is the one the
 * ABI gives the .entry's .param list.  The text comes from the guest; it
 * is NUL-terminated by the host and read no further.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fatbin_params.h"

static const char *skip_space(const char *p)
{
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");

			p = end ? end + 2 : p + strlen(p);
		} else {
			return p;
		}
	}
}

/* Bytes of a PTX fundamental type (".u64"), or 0. */
static unsigned int type_size(const char *t, size_t n)
{
	static const struct {
		const char *name;
		unsigned int size;
	} types[] = {{".b8", 1},  {".u8", 1},  {".s8", 1},  {".b16", 2}, {".u16", 2},
		     {".s16", 2}, {".f16", 2}, {".b32", 4}, {".u32", 4}, {".s32", 4},
		     {".f32", 4}, {".b64", 8}, {".u64", 8}, {".s64", 8}, {".f64", 8}};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == n && !strncmp(t, types[i].name, n))
			return types[i].size;
	return 0;
}

/* The parameter list after "(" of the entry: fills out, returns the count. */
static int parse_params(const char *p, struct gvw_param *out, int max, const char **why)
{
	uint64_t offset = 0;
	int n = 0;

	p = skip_space(p);
	if (*p == ')')
		return 0;
	for (;;) {
		unsigned int align = 0, size = 0;
		uint64_t count = 1;
		int ptr = 0; /* after .ptr, .align is the pointee's */

		p = skip_space(p);
		if (strncmp(p, ".param", 6)) {
			*why = "PTX .entry parameter without .param";
			return -1;
		}
		p = skip_space(p + 6);
		/* .ptr, .space and .align qualifiers, then the type. */
		for (;;) {
			size_t len = strcspn(p, " \t\r\n,)[");

			if (!len || *p != '.')
				break;
			if (len == 6 && !strncmp(p, ".align", 6)) {
				char *end;
				long a;

				p = skip_space(p + 6);
				a = strtol(p, &end, 10);
				if (end == p || a <= 0 || a > 256 || (a & (a - 1))) {
					*why = "PTX .align not a power of two up to 256";
					return -1;
				}
				if (!ptr)
					align = (unsigned int)a;
				p = end;
			} else if (len == 4 && !strncmp(p, ".ptr", 4)) {
				ptr = 1;
				p += len;
			} else if (!size && (size = type_size(p, len))) {
				p += len;
			} else {
				p += len; /* .ptr, .global, ... */
			}
			p = skip_space(p);
		}
		if (!size) {
			*why = "PTX .param of no known type";
			return -1;
		}
		p += strcspn(p, " \t\r\n,)[");
		if (*p == '[') {
			char *end;

			count = strtoull(p + 1, &end, 10);
			if (end == p + 1 || *end != ']' || count == 0 || count > 4096) {
				*why = "PTX .param array of no size, or too large";
				return -1;
			}
			p = end + 1;
		}
		if (!align)
			align = size;
		offset = (offset + align - 1) / align * align;
		if (offset + (uint64_t)size * count > 32764) {
			*why = "PTX parameters past the 32764 bytes a kernel takes";
			return -1;
		}
		if (n < max) {
			out[n].offset = (uint32_t)offset;
			out[n].size = (uint32_t)(size * count);
		}
		n++;
		offset += (uint64_t)size * count;
		p = skip_space(p);
		if (*p == ')')
			return n;
		if (*p != ',') {
			*why = "PTX parameter list not closed";
			return -1;
		}
		p++;
	}
}

int gvw_ptx_param_layout(const char *ptx, const char *kernel, struct gvw_param *out, int max,
			 const char **why)
{
	const char *ignored, *p = ptx;
	size_t klen;

	if (!why)
		why = &ignored;
	if (gvw_layout_start(kernel, out, &max, why))
		return -1;
	klen = strlen(kernel);
	while ((p = strstr(p, ".entry")) != NULL) {
		const char *name = skip_space(p + 6);

		p += 6;
		if (strncmp(name, kernel, klen))
			continue;
		name = skip_space(name + klen);
		if (*name == '(')
			return parse_params(name + 1, out, max, why);
		if (*name == '{')
			return 0; /* no parameters */
	}
	*why = "kernel not found in the PTX";
	return -1;
}
