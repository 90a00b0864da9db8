/* SPDX-License-Identifier: MIT */
/*
 * Kernel parameter layouts from a CUDA fatbinary, without the driver.
 *
 * The CPU reference executor has no GPU and no libcuda, so it cannot ask
 * cuFuncGetParamInfo() where each kernel argument sits in the parameter
 * buffer.  ptxas writes that layout into every cubin it produces, and this
 * file reads it back: fatbin -> ELF cubin entry -> section
 * ".nv.info.<kernel>" -> one parameter record per argument.  The fatbin is
 * guest data: every offset, size and count is checked against the buffer
 * before anything is read through it, and anything that does not add up is
 * refused with a reason rather than guessed around.
 *
 * The formats, as checked against nvcc 13.0 output for sm_90 (all fields
 * little-endian):
 *
 * Fatbin header, 16 bytes: u32 magic 0xBA55ED50, u16 version (1),
 * u16 header size, u64 payload size; the fatbin is header + payload bytes.
 * The payload is a run of entries, each an entry header then its payload:
 *   0x00 u16 kind (1 PTX, 2 ELF cubin)  0x02 u16 version
 *   0x04 u32 entry header size          0x08 u64 payload size
 *   0x1c u32 sm arch (90)               0x28 u64 flags
 *   0x38 u64 uncompressed size (0 when stored as is)
 * A compressed payload has flag 0x2000 (LZ4, payload starts with an LZ4
 * token, then "\x7fELF") or 0x8000 (zstd, payload starts 28 b5 2f fd);
 * -no-compress stores the ELF verbatim.  Those are skipped: decompressing
 * is the caller's job.
 *
 * Cubin: ELF64, little-endian.  Section ".nv.info.<kernel>" (sh_type
 * 0x70000000) is a list of attributes: u8 format, u8 attribute id, then
 *   format 1 (NVAL), 2 (BVAL), 3 (HVAL): a u16 value; 4 bytes in all, even
 *     for NVAL and BVAL (seen: NVAL 0x2b WMMA_USED, BVAL 0x4c NUM_BARRIERS);
 *   format 4 (SVAL): u16 length, then that many bytes.
 * Parameter records are SVALs of 12 bytes, one per parameter, in
 * descending ordinal order: u32 index (0), u16 ordinal, u16 offset, u32 w.
 *   EIATTR_KPARAM_INFO (0x17): size = (w >> 18) & 0x3fff, the low 18 bits
 *     being flags (0x1f000 seen for every parameter, pointers included).
 *   EIATTR_KPARAM_INFO_V2 (0x45), written instead for whole kernels whose
 *     parameters are large (seen for 4500+ bytes in all, not for 4200):
 *     size = w & 0xffff, the upper half being attributes (0 seen).
 * A 4008-byte struct in a 4024-byte list still gets the 0x17 form, its size
 * in the 14-bit field.  A kernel without parameters has no records.
 * EIATTR_CBANK_PARAM_SIZE (0x19, HVAL) and EIATTR_PARAM_CBANK (0x0a, SVAL of
 * 8: u32 symbol, u16 bank offset, u16 size) both give the end of the last
 * parameter; when present, no parameter may reach past them.
 */
#include "fatbin_params.h"

#include <stdbool.h>
#include <string.h>

#define FATBIN_MAGIC	   0xBA55ED50u
#define FATBIN_VERSION	   1
#define FATBIN_HEADER_SIZE 16

#define ENTRY_HEADER_MIN 16
#define ENTRY_KIND_ELF	 2
#define ENTRY_FLAGS_AT	 0x28
#define ENTRY_FLAG_LZ4	 0x2000u
#define ENTRY_FLAG_ZSTD	 0x8000u

#define ELF_HEADER_SIZE 64
#define ELF_SHDR_SIZE	64
#define SHT_STRTAB	3
#define SHT_CUDA_INFO	0x70000000u
#define SHN_XINDEX	0xffffu

#define EIFMT_NVAL		1
#define EIFMT_HVAL		3
#define EIFMT_SVAL		4
#define EIATTR_PARAM_CBANK	0x0a
#define EIATTR_KPARAM_INFO	0x17
#define EIATTR_CBANK_PARAM_SIZE 0x19
#define EIATTR_KPARAM_INFO_V2	0x45
#define KPARAM_RECORD_SIZE	12
#define MAX_ORDINALS		65536 /* the ordinal field is 16 bits */

static const char info_prefix[] = ".nv.info.";

/* A byte range known to lie inside the caller's buffer. */
struct span {
	const uint8_t *p;
	size_t len;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* [off, off + len) of s as a span, or false when it does not fit in s. */
static bool sub_span(struct span s, uint64_t off, uint64_t len, struct span *out)
{
	if (off > s.len || len > s.len - off)
		return false;
	out->p = s.p + off;
	out->len = (size_t)len;
	return true;
}

/* The fatbin's total size, or 0 with *why set. */
static size_t fatbin_total(const void *p, size_t len_avail, const char **why)
{
	const uint8_t *b = p;
	uint16_t header_size;
	uint64_t payload;

	if (!p || len_avail < FATBIN_HEADER_SIZE) {
		*why = "buffer shorter than a fatbin header";
		return 0;
	}
	if (get32(b) != FATBIN_MAGIC) {
		*why = "not a fatbin (bad magic)";
		return 0;
	}
	if (get16(b + 4) != FATBIN_VERSION) {
		*why = "unsupported fatbin version";
		return 0;
	}
	header_size = get16(b + 6);
	payload = get64(b + 8);
	if (header_size < FATBIN_HEADER_SIZE || header_size > len_avail ||
	    payload > len_avail - header_size) {
		*why = "fatbin header sizes run past the buffer";
		return 0;
	}
	return header_size + (size_t)payload;
}

size_t gvw_fatbin_size(const void *p, size_t len_avail)
{
	const char *why;

	return fatbin_total(p, len_avail, &why);
}

/* Section header i of the table, already bounds-checked as a whole. */
static const uint8_t *shdr(struct span table, uint64_t i)
{
	return table.p + i * ELF_SHDR_SIZE;
}

/* Section data of a section header, or false when outside the ELF. */
static bool section_data(struct span elf, const uint8_t *sh, struct span *out)
{
	return sub_span(elf, get64(sh + 24), get64(sh + 32), out);
}

/*
 * Finds section ".nv.info.<kernel>" in a cubin: 1 and *info set when
 * found, 0 when the cubin has no such section, -1 with *why when the ELF
 * is malformed.
 */
static int find_kernel_info(struct span elf, const char *kernel, struct span *info,
			    const char **why)
{
	size_t prefix_len = sizeof(info_prefix) - 1;
	size_t kernel_len = strlen(kernel);
	uint64_t shoff, count, strndx, i;
	uint16_t entsize;
	struct span table, names;
	const uint8_t *e = elf.p;
	int found = 0;

	if (elf.len < ELF_HEADER_SIZE || e[4] != 2 || e[5] != 1) {
		*why = "cubin is not a 64-bit little-endian ELF";
		return -1;
	}
	shoff = get64(e + 0x28);
	entsize = get16(e + 0x3a);
	count = get16(e + 0x3c);
	strndx = get16(e + 0x3e);
	if (shoff == 0)
		return 0; /* no section table, so no such section */
	if (entsize != ELF_SHDR_SIZE) {
		*why = "cubin section header size is not 64";
		return -1;
	}
	/* Past 0xff00 sections the real count and index sit in section 0. */
	if (count == 0 || strndx == SHN_XINDEX) {
		if (!sub_span(elf, shoff, ELF_SHDR_SIZE, &table)) {
			*why = "cubin section table outside the ELF";
			return -1;
		}
		if (count == 0)
			count = get64(table.p + 32);
		if (strndx == SHN_XINDEX)
			strndx = get32(table.p + 40);
	}
	if (shoff > elf.len || count > (elf.len - shoff) / ELF_SHDR_SIZE ||
	    !sub_span(elf, shoff, count * ELF_SHDR_SIZE, &table)) {
		*why = "cubin section table outside the ELF";
		return -1;
	}
	if (strndx >= count || get32(shdr(table, strndx) + 4) != SHT_STRTAB ||
	    !section_data(elf, shdr(table, strndx), &names)) {
		*why = "cubin section name table missing or outside the ELF";
		return -1;
	}
	for (i = 0; i < count; i++) {
		const uint8_t *sh = shdr(table, i);
		uint32_t name = get32(sh);

		if (name > names.len || names.len - name < prefix_len + kernel_len + 1)
			continue;
		if (memcmp(names.p + name, info_prefix, prefix_len) ||
		    memcmp(names.p + name + prefix_len, kernel, kernel_len) ||
		    names.p[name + prefix_len + kernel_len] != '\0')
			continue;
		if (found) {
			*why = "cubin has two .nv.info sections for the kernel";
			return -1;
		}
		if (get32(sh + 4) != SHT_CUDA_INFO || !section_data(elf, sh, info)) {
			*why = "kernel's .nv.info section has a bad type or lies outside the ELF";
			return -1;
		}
		found = 1;
	}
	return found;
}

/* Parses a kernel's .nv.info section into out; see gvw_fatbin_param_layout. */
static int parse_kernel_info(struct span info, struct gvw_param *out, int max, const char **why)
{
	uint8_t seen[MAX_ORDINALS / 8];
	uint32_t count = 0, top = 0, end = 0, limit = UINT32_MAX, i, filled;
	size_t pos = 0;

	memset(seen, 0, sizeof(seen));
	while (pos < info.len) {
		const uint8_t *a = info.p + pos;
		const uint8_t *val;
		uint16_t vlen, ordinal;
		uint32_t offset, size, w;

		if (info.len - pos < 4) {
			*why = "kernel's .nv.info ends inside an attribute";
			return -1;
		}
		if (a[0] >= EIFMT_NVAL && a[0] <= EIFMT_HVAL) {
			if (a[0] == EIFMT_HVAL && a[1] == EIATTR_CBANK_PARAM_SIZE &&
			    get16(a + 2) < limit)
				limit = get16(a + 2);
			pos += 4;
			continue;
		}
		if (a[0] != EIFMT_SVAL) {
			*why = "kernel's .nv.info has an attribute of unknown format";
			return -1;
		}
		vlen = get16(a + 2);
		if (vlen > info.len - pos - 4) {
			*why = "kernel's .nv.info attribute runs past its section";
			return -1;
		}
		val = a + 4;
		pos += 4 + (size_t)vlen;
		if (a[1] == EIATTR_PARAM_CBANK) {
			if (vlen != 8) {
				*why = "kernel's EIATTR_PARAM_CBANK is not 8 bytes";
				return -1;
			}
			if (get16(val + 6) < limit)
				limit = get16(val + 6);
			continue;
		}
		if (a[1] != EIATTR_KPARAM_INFO && a[1] != EIATTR_KPARAM_INFO_V2)
			continue;
		if (vlen != KPARAM_RECORD_SIZE) {
			*why = "kernel's parameter record is not 12 bytes";
			return -1;
		}
		ordinal = get16(val + 4);
		offset = get16(val + 6);
		w = get32(val + 8);
		if (a[1] == EIATTR_KPARAM_INFO)
			size = (w >> 18) & 0x3fff;
		else
			size = w & 0xffff;
		if (seen[ordinal / 8] & (1u << (ordinal % 8))) {
			*why = "kernel has two records for one parameter ordinal";
			return -1;
		}
		seen[ordinal / 8] |= (uint8_t)(1u << (ordinal % 8));
		count++;
		if (ordinal > top)
			top = ordinal;
		if (offset + size > end) /* both below 2^16 */
			end = offset + size;
		if (ordinal < (uint32_t)max) {
			out[ordinal].offset = offset;
			out[ordinal].size = size;
		}
	}
	if (count && top + 1 != count) {
		*why = "kernel's parameter ordinals have gaps";
		return -1;
	}
	if (end > limit) {
		*why = "kernel parameter ends past the kernel's parameter size";
		return -1;
	}
	/* In ordinal order, the parameters returned must not overlap. */
	filled = count < (uint32_t)max ? count : (uint32_t)max;
	for (i = 1; i < filled; i++) {
		if (out[i].offset < out[i - 1].offset + out[i - 1].size) {
			*why = "kernel parameters overlap or are out of order";
			return -1;
		}
	}
	return (int)count;
}

int gvw_fatbin_next(const void *p, size_t total, size_t *pos, struct gvw_fatbin_entry *e,
		    const char **why)
{
	struct span all = {p, total}, entry, payload;
	uint32_t header_size;

	if (total < FATBIN_HEADER_SIZE) {
		*why = "buffer shorter than a fatbin header";
		return -1;
	}
	if (*pos == 0)
		*pos = get16(all.p + 6);
	if (*pos >= total)
		return 0;
	if (!sub_span(all, *pos, ENTRY_HEADER_MIN, &entry)) {
		*why = "fatbin entry header runs past the fatbin";
		return -1;
	}
	header_size = get32(entry.p + 4);
	if (header_size < ENTRY_HEADER_MIN || !sub_span(all, *pos, header_size, &entry) ||
	    !sub_span(all, *pos + header_size, get64(entry.p + 8), &payload)) {
		*why = "fatbin entry runs past the fatbin";
		return -1;
	}
	e->kind = get16(entry.p);
	e->compressed = entry.len >= ENTRY_FLAGS_AT + 8 &&
			(get64(entry.p + ENTRY_FLAGS_AT) & (ENTRY_FLAG_LZ4 | ENTRY_FLAG_ZSTD));
	e->header = entry.p;
	e->header_len = entry.len;
	e->payload = payload.p;
	e->payload_len = payload.len;
	*pos += entry.len + payload.len;
	return 1;
}

int gvw_layout_start(const char *kernel, const struct gvw_param *out, int *max, const char **why)
{
	*why = NULL;
	if (!kernel || !*kernel) {
		*why = "no kernel name";
		return -1;
	}
	if (!out || *max < 0)
		*max = 0;
	return 0;
}

int gvw_fatbin_param_layout(const void *fatbin, size_t len, const char *kernel,
			    struct gvw_param *out, int max, const char **why)
{
	const char *ignored;
	struct gvw_fatbin_entry e;
	struct span payload, info;
	size_t total, pos = 0;
	bool any_elf = false, any_compressed = false;
	int more;

	if (!why)
		why = &ignored;
	if (gvw_layout_start(kernel, out, &max, why))
		return -1;
	total = fatbin_total(fatbin, len, why);
	if (!total)
		return -1;

	while ((more = gvw_fatbin_next(fatbin, total, &pos, &e, why)) > 0) {
		int r;

		if (e.kind != ENTRY_KIND_ELF)
			continue;
		if (e.header_len < ENTRY_FLAGS_AT + 8) {
			*why = "fatbin cubin entry header too short";
			return -1;
		}
		if (e.compressed) {
			any_compressed = true;
			continue;
		}
		payload.p = e.payload;
		payload.len = e.payload_len;
		if (payload.len < 4 || memcmp(payload.p,
					      "\x7f"
					      "ELF",
					      4)) {
			*why = "fatbin cubin entry does not hold an ELF";
			return -1;
		}
		any_elf = true;
		r = find_kernel_info(payload, kernel, &info, why);
		if (r < 0)
			return -1;
		if (r > 0)
			return parse_kernel_info(info, out, max, why);
	}
	if (more < 0)
		return -1;
	if (any_elf)
		*why = any_compressed ? "kernel not found in the fatbin's uncompressed cubins "
					"(others are compressed)"
				      : "kernel not found in the fatbin's cubins";
	else
		*why = any_compressed ? "fatbin's cubins are all compressed"
				      : "fatbin holds no ELF cubin";
	return -1;
}

int gvw_elf_param_layout(const void *elf, size_t len, const char *kernel, struct gvw_param *out,
			 int max, const char **why)
{
	const char *ignored;
	struct span image = {elf, len}, info;
	int r;

	if (!why)
		why = &ignored;
	if (gvw_layout_start(kernel, out, &max, why))
		return -1;
	if (len < 4 || memcmp(elf,
			      "\x7f"
			      "ELF",
			      4)) {
		*why = "not an ELF cubin";
		return -1;
	}
	r = find_kernel_info(image, kernel, &info, why);
	if (r <= 0) {
		if (r == 0)
			*why = "kernel not found in the cubin";
		return -1;
	}
	return parse_kernel_info(info, out, max, why);
}
