/* SPDX-License-Identifier: MIT */
/*
 * Kernel parameter layouts read straight from a CUDA fatbinary, for the CPU
 * reference executor, which has neither a GPU nor NVIDIA's driver and so
 * cannot call cuFuncGetParamInfo().  The fatbin comes from the guest: every
 * offset and size in it is checked against the buffer before it is read.
 */
#ifndef GVIRTUS_FATBIN_PARAMS_H
#define GVIRTUS_FATBIN_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gvw_param {
	uint32_t offset, size; /* in bytes, within the kernel's parameter buffer */
};

/*
 * Returns the number of parameters (>= 0) of the kernel with this (mangled,
 * or extern "C") name and fills out[0..n) (at most max entries, parameters
 * sorted by ordinal), or -1 when the kernel is not found or the fatbin holds
 * no usable (uncompressed ELF) cubin; then *why (static string) says why.
 * A return above max means out holds only the first max parameters.
 * On success *why is set to NULL; why itself may be NULL.
 */
int gvw_fatbin_param_layout(const void *fatbin, size_t len, const char *kernel,
			    struct gvw_param *out, int max, const char **why);

/*
 * What every layout reader checks first: a kernel name (else -1, *why
 * says so), and out/max (max becomes 0 without out).  *why is set to NULL.
 */
int gvw_layout_start(const char *kernel, const struct gvw_param *out, int *max, const char **why);

/* The same for a bare ELF cubin of len bytes (cuModuleLoadData of one). */
int gvw_elf_param_layout(const void *elf, size_t len, const char *kernel, struct gvw_param *out,
			 int max, const char **why);

/*
 * The same for PTX text (NUL-terminated): the layout the ABI gives the
 * .param list of the kernel's .entry, each parameter at the next multiple
 * of its alignment (.align N, else its type's size).
 */
int gvw_ptx_param_layout(const char *ptx, const char *kernel, struct gvw_param *out, int max,
			 const char **why);

/*
 * Total size in bytes of the fatbin starting at p (header + payload), or 0
 * if p is not a fatbin.  len_avail bounds reads: a fatbin whose header says
 * it is larger than len_avail also gives 0.
 */
size_t gvw_fatbin_size(const void *p, size_t len_avail);

#define GVW_FATBIN_PTX 1
#define GVW_FATBIN_ELF 2

/* One entry of a fatbin, both parts within the fatbin. */
struct gvw_fatbin_entry {
	uint16_t kind;	 /* GVW_FATBIN_PTX, GVW_FATBIN_ELF, or another */
	bool compressed; /* LZ4 or zstd: payload is not the image itself */
	const uint8_t *header;
	size_t header_len; /* at least 16 */
	const uint8_t *payload;
	size_t payload_len;
};

/*
 * Walks the entries of the fatbin at p, total bytes long (gvw_fatbin_size
 * of it): set *pos to 0 to start.  1 with *e set; 0 past the last entry;
 * -1 with *why when an entry does not lie within the fatbin.
 */
int gvw_fatbin_next(const void *p, size_t total, size_t *pos, struct gvw_fatbin_entry *e,
		    const char **why);

#endif
