/* SPDX-License-Identifier: MIT */
/*
 * Module images as the guest sends them for MODULE_LOAD.  The driver's
 * cuModuleLoadData takes no length: it trusts the sizes inside the image
 * and, for PTX, a terminating NUL.  So an image is copied into a buffer
 * the host owns (the guest cannot change it after the check), NUL-
 * terminated by us, and checked by format so that everything its headers
 * name lies within the bytes that were sent.
 */
#ifndef GVIRTUS_MODULE_IMAGE_H
#define GVIRTUS_MODULE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "gvirtus_worker.h"

enum gvw_image_kind {
	GVW_IMAGE_FATBIN = 1, /* fatbin header, then entries */
	GVW_IMAGE_ELF = 2,    /* a cubin */
	GVW_IMAGE_PTX = 3,    /* text, up to the first NUL */
};

/* A copy of the bulk buffer's bytes with a NUL after them (free it), or NULL. */
uint8_t *gvw_module_image_copy(const struct gvw_bulk *b);
/*
 * The kind of the image at p, len bytes followed by a NUL at p[len], or
 * -1 with *why (a static string) when it is none of them or does not add
 * up within len.
 */
int gvw_module_image_check(const uint8_t *p, size_t len, const char **why);
/* 0 when the ELF's headers, tables and sections lie within len; else -1, *why. */
int gvw_elf_check(const uint8_t *p, size_t len, const char **why);

#endif
