/* SPDX-License-Identifier: MIT */
/*
 * A byte stream that frames travel on: a plain socket, or a session layer
 * (TLS) over one.  The frame code reads and writes through it and never
 * learns which; plain users (QEMU, worker processes) link no TLS library.
 */
#ifndef GVIRTUS_SOCKSTREAM_H
#define GVIRTUS_SOCKSTREAM_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct gv_stream;

/* A session layer's reads and writes; each returns bytes moved, or -1 with errno. */
struct gv_stream_ops {
	ssize_t (*read)(struct gv_stream *s, void *buf, size_t len);
	ssize_t (*write)(struct gv_stream *s, const void *buf, size_t len);
	/* Bytes already decrypted and waiting: readable without the socket. */
	size_t (*pending)(struct gv_stream *s);
};

struct gv_stream {
	int fd;
	const struct gv_stream_ops *ops; /* NULL: the socket itself */
	void *impl;			 /* the session layer's state */
	/*
	 * Longest wait for the peer's next bytes once a read or write has
	 * begun, in milliseconds; 0 waits forever.  A slow peer fails the
	 * call with ETIMEDOUT.
	 */
	int io_timeout_ms;
	/*
	 * A deadline for everything until it is cleared: CLOCK_MONOTONIC
	 * milliseconds (gv_stream_now_ms), 0 for none.  Past it, reads and
	 * writes fail with ETIMEDOUT, however steadily bytes trickle in: a
	 * whole frame must arrive in time, not only each piece of it.
	 */
	long long deadline_ms;
};

long long gv_stream_now_ms(void);

/* A plain stream on fd. */
static inline struct gv_stream gv_stream_plain(int fd)
{
	return (struct gv_stream){.fd = fd};
}

/* 0, or -1 with errno (EOF reads as ECONNRESET, a stall as ETIMEDOUT). */
int gv_stream_read_full(struct gv_stream *s, void *buf, size_t len);
int gv_stream_writev_full(struct gv_stream *s, struct iovec *iov, int n);
int gv_stream_write_full(struct gv_stream *s, const void *buf, size_t len);
/*
 * Waits until the stream has bytes to read (or the peer closed), at most
 * timeout_ms (< 0: forever).  1: readable; 0: timed out; -1: error.
 */
int gv_stream_wait_readable(struct gv_stream *s, int timeout_ms);

#endif
