/* SPDX-License-Identifier: MIT */
/* Whole reads and writes on sockets, retried on EINTR, never raising SIGPIPE. */
#ifndef GVIRTUS_FDIO_H
#define GVIRTUS_FDIO_H

#include <stddef.h>
#include <sys/uio.h>

/* 0, or -1 (errno set; EOF reads as ECONNRESET). */
int gvw_read_full(int fd, void *buf, size_t len);
int gvw_write_full(int fd, const void *buf, size_t len);
int gvw_writev_full(int fd, struct iovec *iov, int n);
/* Moves past done bytes of a vector that a partial write left. */
void gvw_iov_advance(struct iovec **iov, int *n, size_t done);

#endif
