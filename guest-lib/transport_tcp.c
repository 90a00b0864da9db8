/* SPDX-License-Identifier: MIT */
/*
 * The network transport: one TCP connection to gvirtus-backend per
 * session, shared by the process's threads one call at a time.  Bulk data
 * is written from and read into the caller's own buffers (frame.h).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "frame_client.h"
#include "gvrt.h"
#include "properties.h"
#include "sockstream.h"
#include "tls.h"

struct tcp_transport {
	struct gv_transport t;
	int fd;
	struct gv_stream st; /* the socket, or TLS on it */
	struct gv_tls_client *tls;
	int broken;
	pthread_mutex_t lock;
};

static int stream_writev(void *ctx, struct iovec *iov, int n)
{
	return gv_stream_writev_full(ctx, iov, n);
}

static int stream_read(void *ctx, void *buf, size_t len)
{
	return gv_stream_read_full(ctx, buf, len);
}

static int exchange(struct tcp_transport *c, const void *msg, size_t msg_len, void *resp,
		    size_t resp_cap, size_t *resp_len, const struct gv_buf *bufs,
		    unsigned int nbufs)
{
	const struct gv_frame_io io = {stream_writev, stream_read, &c->st};
	struct gv_frame_req h = {
	    .magic = GV_FRAME_MAGIC, .msg_len = (uint32_t)msg_len, .nbulk = nbufs};
	struct gv_frame_piece pieces[GV_FRAME_MAX_BULK];
	struct gv_frame_buf fb[GV_FRAME_MAX_BULK];
	struct gv_frame_reply rh;
	unsigned int i;
	int e;

	/* Each of the caller's buffers is one piece of its own memory. */
	for (i = 0; i < nbufs; i++) {
		pieces[i] = (struct gv_frame_piece){(void *)bufs[i].addr, bufs[i].len};
		fb[i] = (struct gv_frame_buf){
		    .piece = &pieces[i], .npieces = 1, .len = bufs[i].len, .dir = bufs[i].dir};
	}
	e = gv_frame_call(&io, &h, msg, fb, resp, resp_cap, &rh);
	if (e)
		return e == GV_FRAME_EPROTO ? -EPROTO : -errno;
	*resp_len = rh.resp_len;
	return 0;
}

static int tcp_call(struct gv_transport *t, const void *msg, size_t msg_len, void *resp,
		    size_t resp_cap, size_t *resp_len, const struct gv_buf *bufs,
		    unsigned int nbufs)
{
	struct tcp_transport *c = (struct tcp_transport *)t;
	int e;

	if (nbufs > GV_FRAME_MAX_BULK || msg_len > GV_FRAME_MAX_MSG)
		return -E2BIG;
	pthread_mutex_lock(&c->lock);
	if (c->broken) {
		pthread_mutex_unlock(&c->lock);
		return -ENOTCONN;
	}
	e = exchange(c, msg, msg_len, resp, resp_cap, resp_len, bufs, nbufs);
	if (e) {
		/* A frame cut short leaves the stream unusable: say so once. */
		c->broken = 1;
		gv_log(GV_LOG_ERROR, "connection to gvirtus-backend lost: %s", strerror(-e));
	}
	pthread_mutex_unlock(&c->lock);
	return e;
}

/*
 * A TLS failure's reason can be long (paths, what to set): it goes to the
 * log whole, and err says where to look.
 */
static void tls_failed(const char *address, int port, const char *why, char *err, size_t err_len)
{
	gv_log(GV_LOG_ERROR, "TLS with gvirtus-backend at %s:%d: %s", address, port, why);
	snprintf(err, err_len, "TLS with gvirtus-backend at %s:%d failed (logged above)", address,
		 port);
}

/* With secure_application: TLS on the connected socket. */
static int tls_start(struct tcp_transport *c, const struct gv_properties *props,
		     const struct gv_endpoint *ep, char *err, size_t err_len)
{
	const char *name = *props->tls.server_name ? props->tls.server_name : ep->address;
	char why[512];

	if (gv_tls_connect(c->tls, &c->st, name, (int)props->limits.hello_timeout_ms, why,
			   sizeof(why))) {
		tls_failed(ep->address, ep->port, why, err, err_len);
		return -1;
	}
	return 0;
}

struct gv_transport *gv_transport_tcp_open(const struct gv_properties *props, int ep_index,
					   char *err, size_t err_len)
{
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	const struct gv_endpoint *ep = &props->ep[ep_index];
	const char *address = ep->address;
	int port = ep->port;
	struct gv_tls_client *tls = NULL;
	struct addrinfo *ai, *a;
	struct tcp_transport *c;
	char p[8], why[512];
	int fd = -1, one = 1, e;

	/* Credentials first: a missing file needs no connection to report. */
	if (props->secure) {
		tls = gv_tls_client_new(props, why, sizeof(why));
		if (!tls) {
			tls_failed(address, port, why, err, err_len);
			return NULL;
		}
	}
	snprintf(p, sizeof(p), "%d", port);
	e = getaddrinfo(address, p, &hints, &ai);
	if (e) {
		snprintf(err, err_len, "%s: %s", address, gai_strerror(e));
		gv_tls_client_free(tls);
		return NULL;
	}
	for (a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen)) {
			e = errno;
			close(fd);
			fd = -1;
			errno = e;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(err, err_len, "gvirtus-backend at %s:%d: %s", address, port,
			 strerror(errno));
		gv_tls_client_free(tls);
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		gv_tls_client_free(tls);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	c->t.call = tcp_call;
	c->t.max_bulk = GV_FRAME_MAX_BULK_BYTES;
	c->fd = fd;
	c->st = gv_stream_plain(fd);
	c->tls = tls;
	if (tls && tls_start(c, props, ep, err, err_len)) {
		close(fd);
		gv_tls_client_free(tls);
		free(c);
		return NULL;
	}
	c->t.name = tls ? "tcp+tls" : "tcp";
	pthread_mutex_init(&c->lock, NULL);
	return &c->t;
}
