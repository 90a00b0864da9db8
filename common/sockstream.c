/* SPDX-License-Identifier: MIT */
#include "sockstream.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"

long long gv_stream_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits for the socket to be ready for events, within the stream's timeout and deadline. */
static int wait_ready(struct gv_stream *s, short events)
{
	struct pollfd p = {.fd = s->fd, .events = events};
	int n, ms = s->io_timeout_ms;

	if (s->deadline_ms) {
		long long left = s->deadline_ms - gv_stream_now_ms();

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (ms <= 0 || left < ms)
			ms = (int)left;
	}
	if (ms <= 0)
		return 0;
	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

static ssize_t raw_read(struct gv_stream *s, void *buf, size_t len)
{
	if ((!s->ops || !s->ops->pending(s)) && wait_ready(s, POLLIN))
		return -1;
	return s->ops ? s->ops->read(s, buf, len) : read(s->fd, buf, len);
}

int gv_stream_read_full(struct gv_stream *s, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = raw_read(s, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t raw_writev(struct gv_stream *s, struct iovec *iov, int n)
{
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};

	if (wait_ready(s, POLLOUT))
		return -1;
	if (s->ops)
		return s->ops->write(s, iov->iov_base, iov->iov_len);
	return sendmsg(s->fd, &m, MSG_NOSIGNAL);
}

int gv_stream_writev_full(struct gv_stream *s, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w;

		if (!iov->iov_len) {
			iov++;
			n--;
			continue;
		}
		w = raw_writev(s, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		gvw_iov_advance(&iov, &n, (size_t)w);
	}
	return 0;
}

int gv_stream_write_full(struct gv_stream *s, const void *buf, size_t len)
{
	struct iovec v = {(void *)buf, len};

	return gv_stream_writev_full(s, &v, 1);
}

int gv_stream_wait_readable(struct gv_stream *s, int timeout_ms)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	int n;

	if (s->ops && s->ops->pending(s))
		return 1;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	return n;
}
