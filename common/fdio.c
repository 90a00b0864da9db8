/* SPDX-License-Identifier: MIT */
#include "fdio.h"

#include "sockstream.h"

/* A plain stream without a timeout is exactly a socket read or written whole. */
int gvw_read_full(int fd, void *buf, size_t len)
{
	struct gv_stream s = gv_stream_plain(fd);

	return gv_stream_read_full(&s, buf, len);
}

int gvw_writev_full(int fd, struct iovec *iov, int n)
{
	struct gv_stream s = gv_stream_plain(fd);

	return gv_stream_writev_full(&s, iov, n);
}

int gvw_write_full(int fd, const void *buf, size_t len)
{
	struct iovec v = {(void *)buf, len};

	return gvw_writev_full(fd, &v, 1);
}

void gvw_iov_advance(struct iovec **iov, int *n, size_t done)
{
	while (*n > 0 && done >= (*iov)->iov_len) {
		done -= (*iov)->iov_len;
		(*iov)++;
		(*n)--;
	}
	if (*n > 0) {
		(*iov)->iov_base = (char *)(*iov)->iov_base + done;
		(*iov)->iov_len -= done;
	}
}
