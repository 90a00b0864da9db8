/* SPDX-License-Identifier: MIT */
/*
 * The buffers a frame's bulk runs are read into and written from.
 */
#ifndef GVIRTUS_BULK_BUF_H
#define GVIRTUS_BULK_BUF_H
#include <stddef.h>

/* len bytes (zeroed when zero is set); NULL when out of memory. */
void *gvw_bulk_buf_alloc(size_t len, int zero);
/* A buffer gvw_bulk_buf_alloc gave for the same len. */
void gvw_bulk_buf_free(void *p, size_t len);

#endif
