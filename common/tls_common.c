/* SPDX-License-Identifier: MIT */
/*
 * What both sides of TLS share: the socket BIO, loading keys and
 * certificates, the handshake driver and the stream's operations once
 * the handshake is done (tls_internal.h says how it all fits).
 */
#include "tls_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

/* ---- a socket BIO that never raises SIGPIPE ---- */

static BIO_METHOD *sock_method;
static pthread_once_t sock_method_once = PTHREAD_ONCE_INIT;

static int sock_write(BIO *b, const char *buf, size_t len, size_t *done)
{
	ssize_t n = send(BIO_get_fd(b, NULL), buf, len, MSG_NOSIGNAL);

	BIO_clear_retry_flags(b);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_write(b);
		return 0;
	}
	*done = (size_t)n;
	return 1;
}

static int sock_read(BIO *b, char *buf, size_t len, size_t *done)
{
	ssize_t n = recv(BIO_get_fd(b, NULL), buf, len, 0);

	BIO_clear_retry_flags(b);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_read(b);
		return 0;
	}
	if (n == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);
	*done = (size_t)n;
	return n > 0;
}

static long sock_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_C_SET_FD:
		BIO_set_data(b, (void *)((long)*(int *)ptr + 1));
		BIO_set_init(b, 1);
		return 1;
	case BIO_C_GET_FD:
		if (ptr)
			*(int *)ptr = (int)((long)BIO_get_data(b) - 1);
		return (long)BIO_get_data(b) - 1;
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	default:
		return 0;
	}
}

static void sock_method_init(void)
{
	BIO_METHOD *m = BIO_meth_new(
	    BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "gvirtus socket");

	if (!m || !BIO_meth_set_write_ex(m, sock_write) || !BIO_meth_set_read_ex(m, sock_read) ||
	    !BIO_meth_set_ctrl(m, sock_ctrl)) {
		BIO_meth_free(m);
		return;
	}
	sock_method = m;
}

static BIO *sock_bio(int fd)
{
	BIO *b;

	pthread_once(&sock_method_once, sock_method_init);
	if (!sock_method)
		return NULL;
	b = BIO_new(sock_method);
	if (b)
		BIO_set_fd(b, fd, BIO_NOCLOSE);
	return b;
}

/* ---- configuration ---- */

void gvtls_openssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, len, "%s", r ? r : "unknown OpenSSL error");
	ERR_clear_error();
}

/* A readable file, else err names the key, the path and the system's reason. */
static int readable(const char *key, const char *path, char *err, size_t err_len)
{
	if (!access(path, R_OK))
		return 0;
	snprintf(err, err_len, "tls.%s %s: %s", key, path, strerror(errno));
	return -1;
}

/* The key in psk_file: hex digits (whitespace ignored), PSK_MIN..PSK_MAX bytes. */
static int load_psk(const char *path, unsigned char *key, size_t *key_len, char *err,
		    size_t err_len)
{
	FILE *f;
	int c, hi = -1;
	size_t n = 0;

	if (readable("psk_file", path, err, err_len))
		return -1;
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, err_len, "tls.psk_file %s: %s", path, strerror(errno));
		return -1;
	}
	while ((c = fgetc(f)) != EOF) {
		int v = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (v < 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
			continue;
		if (v < 0 || (hi < 0 && n == PSK_MAX)) {
			n = PSK_MAX + 1;
			break;
		}
		if (hi < 0) {
			hi = v;
		} else {
			key[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	fclose(f);
	if (hi >= 0 || n < PSK_MIN || n > PSK_MAX) {
		snprintf(err, err_len,
			 "tls.psk_file %s: expected the key as %d to %d hex digits "
			 "(e.g. from `openssl rand -hex 32`)",
			 path, 2 * PSK_MIN, 2 * PSK_MAX);
		OPENSSL_cleanse(key, PSK_MAX);
		return -1;
	}
	*key_len = n;
	return 0;
}

/* psk_identity and psk_file go together. */
int gvtls_psk_props(const struct gv_tls_props *p, char *id, unsigned char *key, size_t *key_len,
		    char *err, size_t err_len)
{
	*key_len = 0;
	if (!*p->psk_identity && !*p->psk_file)
		return 0;
	if (!*p->psk_identity || !*p->psk_file) {
		snprintf(err, err_len,
			 "tls.%s is set but tls.%s is not: a pre-shared key needs both",
			 *p->psk_identity ? "psk_identity" : "psk_file",
			 *p->psk_identity ? "psk_file" : "psk_identity");
		return -1;
	}
	snprintf(id, 256, "%s", p->psk_identity);
	return load_psk(p->psk_file, key, key_len, err, err_len);
}

/* certificate and private_key go together, and must match. */
int gvtls_cert_props(SSL_CTX *ctx, const struct gv_tls_props *p, char *err, size_t err_len)
{
	char why[256];

	if (!*p->certificate && !*p->private_key)
		return 0;
	if (!*p->certificate || !*p->private_key) {
		snprintf(err, err_len, "tls.%s is set but tls.%s is not",
			 *p->certificate ? "certificate" : "private_key",
			 *p->certificate ? "private_key" : "certificate");
		return -1;
	}
	if (readable("certificate", p->certificate, err, err_len) ||
	    readable("private_key", p->private_key, err, err_len))
		return -1;
	if (SSL_CTX_use_certificate_chain_file(ctx, p->certificate) != 1) {
		gvtls_openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "tls.certificate %s: not a PEM certificate (%s)",
			 p->certificate, why);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, p->private_key, SSL_FILETYPE_PEM) != 1) {
		gvtls_openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "tls.private_key %s: not an unencrypted PEM key (%s)",
			 p->private_key, why);
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(err, err_len, "tls.private_key %s is not the key of tls.certificate %s",
			 p->private_key, p->certificate);
		return -1;
	}
	return 1;
}

int gvtls_load_ca(SSL_CTX *ctx, const char *ca, char *err, size_t err_len)
{
	char why[256];

	if (readable("ca", ca, err, err_len))
		return -1;
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		gvtls_openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "tls.ca %s: not PEM certificates (%s)", ca, why);
		return -1;
	}
	return 0;
}

SSL_CTX *gvtls_new_ctx(const SSL_METHOD *method, const char *suites, char *err, size_t err_len)
{
	SSL_CTX *ctx;

	/* The shim may still talk from destructors: no cleanup at exit. */
	OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, NULL);
	ctx = SSL_CTX_new(method);
	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, suites) != 1) {
		char why[256];

		gvtls_openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "OpenSSL without TLS 1.3 (%s)", why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

/* A TLS 1.3 session that carries the external PSK (RFC 8446 4.2.11). */
SSL_SESSION *gvtls_psk_session(SSL *ssl, const unsigned char *key, size_t len)
{
	const SSL_CIPHER *c = SSL_CIPHER_find(ssl, psk_cipher_id);
	SSL_SESSION *s = c ? SSL_SESSION_new() : NULL;

	if (s && (!SSL_SESSION_set1_master_key(s, key, len) || !SSL_SESSION_set_cipher(s, c) ||
		  !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION))) {
		SSL_SESSION_free(s);
		s = NULL;
	}
	return s;
}

/* Records the first certificate error of a handshake, for the message. */
int gvtls_verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct hs_state *hs = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *cert = X509_STORE_CTX_get_current_cert(x);

	if (!ok && hs && !hs->verify_err) {
		hs->verify_err = X509_STORE_CTX_get_error(x);
		if (cert)
			X509_NAME_oneline(X509_get_subject_name(cert), hs->subject,
					  sizeof(hs->subject));
	}
	return ok;
}

/* ---- the handshake, on a non-blocking socket within a deadline ---- */

long long gvtls_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0 when fd is ready for events before deadline; -1 with errno (ETIMEDOUT). */
int gvtls_wait_until(int fd, short events, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int n;

	do {
		long long left = deadline - gvtls_now_ms();

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

/*
 * Runs step (SSL_accept, SSL_connect, ...) until done; 1 done, 0 the peer
 * closed, -1 failed (ERR queue and errno say why).
 */
int gvtls_drive(SSL *ssl, int fd, int (*step)(SSL *), long long deadline)
{
	for (;;) {
		int r, e;

		ERR_clear_error();
		errno = 0;
		r = step(ssl);
		if (r == 1)
			return 1;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (gvtls_wait_until(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					     deadline))
				return -1;
			continue;
		}
		if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !errno))
			return 0;
		if (e == SSL_ERROR_SSL &&
		    ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return 0;
		if (e == SSL_ERROR_SSL)
			errno = EPROTO;
		return -1;
	}
}

const char *gvtls_alert_name(int reason)
{
	return SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET);
}

int gvtls_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* ---- the stream's operations once the handshake is done ---- */

/* Waits for what OpenSSL wants, at most io_timeout_ms (0: forever). */
static int want(struct gv_stream *s, int e)
{
	struct pollfd p = {.fd = s->fd, .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT};
	int n;

	do
		n = poll(&p, 1, s->io_timeout_ms > 0 ? s->io_timeout_ms : -1);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

/* -1 with errno for a failed SSL_read/SSL_write; 0 for the peer's end of stream. */
static ssize_t io_error(SSL *ssl, int e, int saved_errno)
{
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (e == SSL_ERROR_SYSCALL) {
		errno = saved_errno ? saved_errno : ECONNRESET;
		return saved_errno ? -1 : 0;
	}
	if (ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		ERR_clear_error();
		return 0;
	}
	ERR_clear_error();
	errno = EPROTO;
	return -1;
}

/*
 * What reading and writing share: one SSL_read_ex (writing 0) or
 * SSL_write_ex (writing 1), retried while OpenSSL waits for the socket;
 * 1 with *n bytes moved, 0 the peer's end of stream, -1 with errno.
 */
static int tls_io(struct gv_stream *s, int writing, const void *buf, size_t len, size_t *n)
{
	SSL *ssl = s->impl;

	for (;;) {
		int r, e, saved;

		ERR_clear_error();
		errno = 0;
		*n = 0;
		if (writing)
			r = SSL_write_ex(ssl, buf, len, n);
		else
			r = SSL_read_ex(ssl, (void *)buf, len, n);
		if (r == 1)
			return 1;
		saved = errno;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (want(s, e))
				return -1;
			continue; /* the same buffer and length, as OpenSSL requires */
		}
		return (int)io_error(ssl, e, saved);
	}
}

static ssize_t tls_read(struct gv_stream *s, void *buf, size_t len)
{
	size_t n;
	int r = tls_io(s, 0, buf, len, &n);

	return r == 1 ? (ssize_t)n : r;
}

static ssize_t tls_write(struct gv_stream *s, const void *buf, size_t len)
{
	size_t n;
	int r = tls_io(s, 1, buf, len, &n);

	if (r == 1)
		return (ssize_t)n;
	if (!r)
		errno = EPIPE;
	return -1;
}

/* Decrypted bytes, or a whole record read ahead: either way no need to poll. */
static size_t tls_pending(struct gv_stream *s)
{
	SSL *ssl = s->impl;
	int n = SSL_pending(ssl);

	return n > 0 ? (size_t)n : (size_t)SSL_has_pending(ssl);
}

static const struct gv_stream_ops tls_ops = {
    .read = tls_read,
    .write = tls_write,
    .pending = tls_pending,
};

SSL *gvtls_new_ssl(SSL_CTX *ctx, int fd, struct hs_state *hs)
{
	SSL *ssl = SSL_new(ctx);
	BIO *b = ssl ? sock_bio(fd) : NULL;

	if (!b) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_bio(ssl, b, b);
	SSL_set_app_data(ssl, hs);
	return ssl;
}

/* The handshake is over: the stream reads and writes through ssl. */
void gvtls_upgrade(struct gv_stream *st, SSL *ssl)
{
	SSL_set_app_data(ssl, NULL);
	st->ops = &tls_ops;
	st->impl = ssl;
}

void gv_tls_close(struct gv_stream *st)
{
	SSL *ssl = st->impl;

	if (!st->ops || !ssl)
		return;
	/* close_notify if the socket takes it now; the peer's is not awaited. */
	if (!(SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN))
		SSL_shutdown(ssl);
	ERR_clear_error();
	SSL_free(ssl);
	st->ops = NULL;
	st->impl = NULL;
	gvtls_set_nonblock(st->fd, 0);
}
