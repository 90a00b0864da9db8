/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.3 over a gv_stream, with OpenSSL 3.
 *
 * Every refusal happens inside the handshake, with an alert the other side
 * can name: a missing or foreign client certificate (OpenSSL's own check
 * against "ca"), a missing or unknown PSK identity (the ClientHello
 * callback), a wrong PSK (the binder).  In TLS 1.3 the client finishes its
 * handshake before the server has judged it, so the client waits for the
 * server's first session ticket, which comes only after acceptance, and
 * reports the alert it gets instead.  Resumption is off: every connection
 * authenticates afresh.
 *
 * The socket is non-blocking while it carries TLS: the handshake has one
 * deadline for all of it, and afterwards each wait for the peer, of which
 * one SSL_read may need several (a record comes in pieces), lasts at most
 * the stream's io_timeout_ms as it is at that moment, so that a stalled
 * peer cannot hold a thread inside OpenSSL.
 */
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define DEFAULT_HANDSHAKE_MS 10000
#define PSK_MIN 32
#define PSK_MAX 64
/* Fastest first; the PSK's session cipher is the first (its hash must match). */
#define SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"
#define PSK_SUITE "TLS_AES_128_GCM_SHA256"
static const unsigned char psk_cipher_id[2] = { 0x13, 0x01 };

struct gv_tls_server {
	SSL_CTX *ctx;
	int want_cert;			/* "ca" set: certificates it signed are accepted */
	char psk_identity[256];		/* "" when no PSK */
	unsigned char psk[PSK_MAX];
	size_t psk_len;
};

struct gv_tls_client {
	SSL_CTX *ctx;
	int has_cert;
	char ca[4096];			/* for messages; "" = the system's CAs */
	char psk_identity[256];
	unsigned char psk[PSK_MAX];
	size_t psk_len;
};

/* One handshake's findings, for the message when it fails. */
struct hs_state {
	char why[512];			/* set by a callback that refused */
	int verify_err;			/* the peer's certificate's first error */
	char subject[256];		/* ... and its subject */
	int ticket;			/* client: the server sent a session ticket */
};

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
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
					     BIO_TYPE_DESCRIPTOR, "gvirtus socket");

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

static void openssl_reason(char *buf, size_t len)
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
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

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
		snprintf(err, err_len, "tls.psk_file %s: expected the key as %d to %d hex digits "
			 "(e.g. from `openssl rand -hex 32`)", path, 2 * PSK_MIN, 2 * PSK_MAX);
		OPENSSL_cleanse(key, PSK_MAX);
		return -1;
	}
	*key_len = n;
	return 0;
}

/* psk_identity and psk_file go together. */
static int psk_props(const struct gv_tls_props *p, char *id, unsigned char *key, size_t *key_len,
		     char *err, size_t err_len)
{
	*key_len = 0;
	if (!*p->psk_identity && !*p->psk_file)
		return 0;
	if (!*p->psk_identity || !*p->psk_file) {
		snprintf(err, err_len, "tls.%s is set but tls.%s is not: a pre-shared key needs both",
			 *p->psk_identity ? "psk_identity" : "psk_file",
			 *p->psk_identity ? "psk_file" : "psk_identity");
		return -1;
	}
	snprintf(id, 256, "%s", p->psk_identity);
	return load_psk(p->psk_file, key, key_len, err, err_len);
}

/* certificate and private_key go together, and must match. */
static int cert_props(SSL_CTX *ctx, const struct gv_tls_props *p, char *err, size_t err_len)
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
		openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "tls.certificate %s: not a PEM certificate (%s)",
			 p->certificate, why);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, p->private_key, SSL_FILETYPE_PEM) != 1) {
		openssl_reason(why, sizeof(why));
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

static int load_ca(SSL_CTX *ctx, const char *ca, char *err, size_t err_len)
{
	char why[256];

	if (readable("ca", ca, err, err_len))
		return -1;
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "tls.ca %s: not PEM certificates (%s)", ca, why);
		return -1;
	}
	return 0;
}

static SSL_CTX *new_ctx(const SSL_METHOD *method, const char *suites, char *err, size_t err_len)
{
	SSL_CTX *ctx;

	/* The shim may still talk from destructors: no cleanup at exit. */
	OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, NULL);
	ctx = SSL_CTX_new(method);
	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, suites) != 1) {
		char why[256];

		openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "OpenSSL without TLS 1.3 (%s)", why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

/* A TLS 1.3 session that carries the external PSK (RFC 8446 4.2.11). */
static SSL_SESSION *psk_session(SSL *ssl, const unsigned char *key, size_t len)
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
static int verify_cb(int ok, X509_STORE_CTX *x)
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

/* ---- server ---- */

static int psk_find(SSL *ssl, const unsigned char *id, size_t id_len, SSL_SESSION **sess)
{
	struct gv_tls_server *t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	*sess = NULL;
	if (!t->psk_len || id_len != strlen(t->psk_identity) ||
	    memcmp(id, t->psk_identity, id_len))
		return 1;
	*sess = psk_session(ssl, t->psk, t->psk_len);
	return *sess != NULL;
}

/* Whether a ClientHello's pre_shared_key extension offers identity; -1: malformed. */
static int offers_identity(const unsigned char *p, size_t len, const char *identity)
{
	size_t ids, id_len, want = strlen(identity);

	if (len < 2)
		return -1;
	ids = (size_t)p[0] << 8 | p[1];
	p += 2;
	if (ids > len - 2)
		return -1;
	while (ids) {
		if (ids < 2)
			return -1;
		id_len = (size_t)p[0] << 8 | p[1];
		if (id_len + 6 > ids)
			return -1;
		if (id_len == want && !memcmp(p + 2, identity, want))
			return 1;
		p += id_len + 6;	/* length, identity, obfuscated_ticket_age */
		ids -= id_len + 6;
	}
	return 0;
}

/*
 * Refuses, with an alert the client can name, a client that offers no PSK
 * where only a PSK is accepted, or a PSK identity this backend lacks.
 */
static int client_hello_cb(SSL *ssl, int *al, void *arg)
{
	struct gv_tls_server *t = arg;
	struct hs_state *hs = SSL_get_app_data(ssl);
	const unsigned char *ext;
	size_t len;
	int offered;

	if (!t->psk_len)
		return SSL_CLIENT_HELLO_SUCCESS;
	if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_psk, &ext, &len)) {
		if (t->want_cert)
			return SSL_CLIENT_HELLO_SUCCESS;	/* a certificate will do */
		snprintf(hs->why, sizeof(hs->why), "client offered no pre-shared key (this "
			 "backend accepts only psk_identity '%s')", t->psk_identity);
		*al = SSL_AD_ACCESS_DENIED;
		return SSL_CLIENT_HELLO_ERROR;
	}
	offered = offers_identity(ext, len, t->psk_identity);
	if (offered > 0)
		return SSL_CLIENT_HELLO_SUCCESS;
	snprintf(hs->why, sizeof(hs->why), offered < 0 ? "malformed pre_shared_key extension" :
		 "client offered an unknown psk_identity (this backend's is '%s')",
		 t->psk_identity);
	*al = offered < 0 ? SSL_AD_DECODE_ERROR : SSL_AD_UNKNOWN_PSK_IDENTITY;
	return SSL_CLIENT_HELLO_ERROR;
}

struct gv_tls_server *gv_tls_server_new(const struct gv_properties *p, char *err,
					size_t err_len)
{
	const struct gv_tls_props *tp = &p->tls;
	struct gv_tls_server *t = calloc(1, sizeof(*t));
	int has_cert;

	if (!t) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (psk_props(tp, t->psk_identity, t->psk, &t->psk_len, err, err_len))
		goto fail;
	t->want_cert = *tp->ca != 0;
	if (!t->want_cert && !t->psk_len) {
		snprintf(err, err_len, "secure_application is true but no client can authenticate: "
			 "set tls.ca (the CA that signs client certificates) or tls.psk_identity "
			 "and tls.psk_file (a pre-shared key)");
		goto fail;
	}
	t->ctx = new_ctx(TLS_server_method(), SUITES, err, err_len);
	if (!t->ctx)
		goto fail;
	has_cert = cert_props(t->ctx, tp, err, err_len);
	if (has_cert < 0)
		goto fail;
	/* Certificate clients need the server's certificate; PSK ones never see it. */
	if (!has_cert && t->want_cert) {
		snprintf(err, err_len, "tls.certificate and tls.private_key must be set: the "
			 "backend's certificate (PEM), which clients verify against their tls.ca");
		goto fail;
	}
	if (t->want_cert) {
		STACK_OF(X509_NAME) *names;

		if (load_ca(t->ctx, tp->ca, err, err_len))
			goto fail;
		names = SSL_load_client_CA_file(tp->ca);
		if (names)
			SSL_CTX_set_client_CA_list(t->ctx, names);
		ERR_clear_error();
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   verify_cb);
	}
	if (t->psk_len)
		SSL_CTX_set_psk_find_session_callback(t->ctx, psk_find);
	SSL_CTX_set_app_data(t->ctx, t);
	/* A PSK handshake is a resumption to OpenSSL, which wants a context for it. */
	SSL_CTX_set_session_id_context(t->ctx, (const unsigned char *)"gvirtus", 7);
	SSL_CTX_set_client_hello_cb(t->ctx, client_hello_cb, t);
	SSL_CTX_set_options(t->ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	/* One (never resumable) ticket: the client's sign that it was accepted. */
	SSL_CTX_set_num_tickets(t->ctx, 1);
	return t;
fail:
	gv_tls_server_free(t);
	return NULL;
}

void gv_tls_server_free(struct gv_tls_server *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	OPENSSL_cleanse(t->psk, sizeof(t->psk));
	free(t);
}

/* ---- the handshake, on a non-blocking socket within a deadline ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0 when fd is ready for events before deadline; -1 with errno (ETIMEDOUT). */
static int wait_until(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do {
		long long left = deadline - now_ms();

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
static int drive(SSL *ssl, int fd, int (*step)(SSL *), long long deadline)
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
			if (wait_until(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
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

static const char *alert_name(int reason)
{
	return SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET);
}

static int set_nonblock(int fd, int on)
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
	struct pollfd p = { .fd = s->fd, .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT };
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

static ssize_t tls_read(struct gv_stream *s, void *buf, size_t len)
{
	SSL *ssl = s->impl;

	for (;;) {
		size_t n = 0;
		int r, e, saved;

		ERR_clear_error();
		errno = 0;
		r = SSL_read_ex(ssl, buf, len, &n);
		if (r == 1)
			return (ssize_t)n;
		saved = errno;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (want(s, e))
				return -1;
			continue;
		}
		return io_error(ssl, e, saved);
	}
}

static ssize_t tls_write(struct gv_stream *s, const void *buf, size_t len)
{
	SSL *ssl = s->impl;

	for (;;) {
		size_t n = 0;
		int r, e, saved;

		ERR_clear_error();
		errno = 0;
		r = SSL_write_ex(ssl, buf, len, &n);
		if (r == 1)
			return (ssize_t)n;
		saved = errno;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (want(s, e))
				return -1;
			continue;	/* the same buffer and length, as OpenSSL requires */
		}
		r = (int)io_error(ssl, e, saved);
		if (!r)
			errno = EPIPE;
		return -1;
	}
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

static SSL *new_ssl(SSL_CTX *ctx, int fd, struct hs_state *hs)
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
static void upgrade(struct gv_stream *st, SSL *ssl)
{
	SSL_set_app_data(ssl, NULL);
	st->ops = &tls_ops;
	st->impl = ssl;
}

/* Why the server's handshake failed, for the log. */
static void accept_failure(struct gv_tls_server *t, SSL *ssl, struct hs_state *hs, int r,
			   int timeout_ms, char *err, size_t err_len)
{
	int reason = ERR_GET_REASON(ERR_peek_last_error());

	if (*hs->why)
		snprintf(err, err_len, "%s", hs->why);
	else if (hs->verify_err)
		snprintf(err, err_len, "client certificate %s not accepted: %s (it must be "
			 "signed by this backend's tls.ca)", *hs->subject ? hs->subject : "",
			 X509_verify_cert_error_string(hs->verify_err));
	else if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
		snprintf(err, err_len, "client presented no certificate%s (tls.ca requires one)",
			 t->psk_len ? " and no pre-shared key" : "");
	else if (reason == SSL_R_BINDER_DOES_NOT_VERIFY)
		snprintf(err, err_len, "wrong pre-shared key for psk_identity '%s'",
			 t->psk_identity);
	else if (reason > SSL_AD_REASON_OFFSET)
		snprintf(err, err_len, "client aborted the handshake with alert '%s'%s",
			 alert_name(reason),
			 reason - SSL_AD_REASON_OFFSET == SSL_AD_UNKNOWN_CA ||
					 reason - SSL_AD_REASON_OFFSET == SSL_AD_BAD_CERTIFICATE
				 ? " (it does not trust this backend's certificate)" : "");
	else if (reason == SSL_R_UNSUPPORTED_PROTOCOL)
		snprintf(err, err_len, "client does not offer TLS 1.3");
	else if (reason == SSL_R_NO_SHARED_CIPHER)
		snprintf(err, err_len, "no cipher suite in common (" SUITES ")");
	else if (r == 0)
		snprintf(err, err_len, "client closed the connection during the TLS handshake");
	else if (errno == ETIMEDOUT)
		snprintf(err, err_len, "no TLS handshake within %d ms", timeout_ms);
	else if (errno != EPROTO)
		snprintf(err, err_len, "TLS handshake: %s", strerror(errno));
	else {
		char why[256];

		openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "TLS handshake failed: %s", why);
	}
	ERR_clear_error();
}

/*
 * A TLS connection starts with a handshake record; anything else is a
 * plain client (or not ours), refused without feeding it to OpenSSL.
 */
static int first_byte_is_tls(int fd, long long deadline, int timeout_ms, char *err,
			     size_t err_len)
{
	unsigned char c;
	ssize_t n;

	for (;;) {
		n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 1)
			break;
		if (n == 0) {
			snprintf(err, err_len, "client closed the connection before a TLS handshake");
			return 0;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, err_len, "TLS handshake: %s", strerror(errno));
			return 0;
		}
		if (errno != EINTR && wait_until(fd, POLLIN, deadline)) {
			snprintf(err, err_len, "no TLS handshake within %d ms", timeout_ms);
			return 0;
		}
	}
	if (c != 0x16) {
		snprintf(err, err_len, "not a TLS client (first byte 0x%02x): a plain client "
			 "against a backend with secure_application true?", c);
		return 0;
	}
	return 1;
}

int gv_tls_accept(struct gv_tls_server *t, struct gv_stream *st, int timeout_ms, char *err,
		  size_t err_len)
{
	long long deadline;
	struct hs_state hs = { 0 };
	SSL *ssl;
	int r;

	timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_HANDSHAKE_MS;
	deadline = now_ms() + timeout_ms;
	if (!first_byte_is_tls(st->fd, deadline, timeout_ms, err, err_len))
		return -1;
	ssl = new_ssl(t->ctx, st->fd, &hs);
	if (!ssl || set_nonblock(st->fd, 1)) {
		snprintf(err, err_len, "TLS: out of memory or bad socket");
		SSL_free(ssl);
		return -1;
	}
	r = drive(ssl, st->fd, SSL_accept, deadline);
	/* Defence in depth: a client gets here only with the PSK or a certificate ca signed. */
	if (r == 1 && !SSL_session_reused(ssl) &&
	    !(t->want_cert && SSL_get0_peer_certificate(ssl) &&
	      SSL_get_verify_result(ssl) == X509_V_OK)) {
		snprintf(hs.why, sizeof(hs.why), "client did not authenticate");
		r = -1;
	}
	if (r == 1) {
		upgrade(st, ssl);
		return 0;
	}
	accept_failure(t, ssl, &hs, r, timeout_ms, err, err_len);
	SSL_free(ssl);
	set_nonblock(st->fd, 0);
	return -1;
}

/* ---- client ---- */

static int psk_use(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *id_len,
		   SSL_SESSION **sess)
{
	struct gv_tls_client *t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	const SSL_CIPHER *c = SSL_CIPHER_find(ssl, psk_cipher_id);

	*sess = NULL;
	if (!t->psk_len || !c || (md && md != SSL_CIPHER_get_handshake_digest(c)))
		return 1;
	*sess = psk_session(ssl, t->psk, t->psk_len);
	*id = (const unsigned char *)t->psk_identity;
	*id_len = strlen(t->psk_identity);
	return *sess != NULL;
}

/* A ticket means the server accepted us; keep none (no resumption). */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct hs_state *hs = SSL_get_app_data(ssl);

	if (hs)
		hs->ticket = 1;
	return 0;
}

struct gv_tls_client *gv_tls_client_new(const struct gv_properties *p, char *err,
					size_t err_len)
{
	const struct gv_tls_props *tp = &p->tls;
	struct gv_tls_client *t = calloc(1, sizeof(*t));
	int r;

	if (!t) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (psk_props(tp, t->psk_identity, t->psk, &t->psk_len, err, err_len))
		goto fail;
	t->ctx = new_ctx(TLS_client_method(), t->psk_len ? PSK_SUITE : SUITES, err, err_len);
	if (!t->ctx)
		goto fail;
	r = cert_props(t->ctx, tp, err, err_len);
	if (r < 0)
		goto fail;
	t->has_cert = r;
	if (!t->has_cert && !t->psk_len) {
		snprintf(err, err_len, "secure_application is true but this frontend has no "
			 "credential: set tls.certificate and tls.private_key (signed by the "
			 "backend's ca) or tls.psk_identity and tls.psk_file");
		goto fail;
	}
	snprintf(t->ca, sizeof(t->ca), "%s", tp->ca);
	if (*tp->ca ? load_ca(t->ctx, tp->ca, err, err_len)
		    : SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		if (!*tp->ca)
			snprintf(err, err_len, "cannot load the system's CA certificates");
		goto fail;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, verify_cb);
	SSL_CTX_set_app_data(t->ctx, t);
	if (t->psk_len)
		SSL_CTX_set_psk_use_session_callback(t->ctx, psk_use);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_CLIENT |
						       SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(t->ctx, new_session_cb);
	return t;
fail:
	gv_tls_client_free(t);
	return NULL;
}

void gv_tls_client_free(struct gv_tls_client *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	OPENSSL_cleanse(t->psk, sizeof(t->psk));
	free(t);
}

/*
 * A step for drive(): done once the server's verdict is in, its first
 * ticket (accepted) or an alert (refused).  Without AUTO_RETRY, SSL_peek
 * returns after each ticket it processes.
 */
static int peek_ticket(SSL *ssl)
{
	struct hs_state *hs = SSL_get_app_data(ssl);
	int r = SSL_peek(ssl, &(char){ 0 }, 1);

	return r > 0 || hs->ticket ? 1 : r;
}

static int verdict(SSL *ssl, int fd, long long deadline)
{
	int r;

	SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY);
	r = drive(ssl, fd, peek_ticket, deadline);
	SSL_set_mode(ssl, SSL_MODE_AUTO_RETRY);
	return r;
}

static const char *auth_used(struct gv_tls_client *t)
{
	return t->psk_len ? "pre-shared key" : "certificate";
}

/* Why the client's handshake failed, and what to change. */
static void connect_failure(struct gv_tls_client *t, struct hs_state *hs, int r,
			    const char *name, int timeout_ms, char *err, size_t err_len)
{
	int reason = ERR_GET_REASON(ERR_peek_last_error());
	int alert = reason > SSL_AD_REASON_OFFSET ? reason - SSL_AD_REASON_OFFSET : -1;

	if (hs->verify_err == X509_V_ERR_HOSTNAME_MISMATCH ||
	    hs->verify_err == X509_V_ERR_IP_ADDRESS_MISMATCH)
		snprintf(err, err_len, "the backend's certificate is not for '%s': set tls.server_name "
			 "to a name the certificate holds", name);
	else if (hs->verify_err)
		snprintf(err, err_len, "the backend's certificate is not trusted: %s (%s%s%s the "
			 "CA that signed it)", X509_verify_cert_error_string(hs->verify_err),
			 *t->ca ? "tls.ca " : "set tls.ca to", t->ca,
			 *t->ca ? " does not hold" : "");
	else if (alert == SSL_AD_CERTIFICATE_REQUIRED)
		snprintf(err, err_len, "the backend requires a client certificate signed by its "
			 "ca: set tls.certificate and tls.private_key");
	else if (alert == SSL_AD_UNKNOWN_PSK_IDENTITY)
		snprintf(err, err_len, "the backend does not know psk_identity '%s': it must "
			 "match the backend's tls.psk_identity", t->psk_identity);
	else if ((alert == SSL_AD_ILLEGAL_PARAMETER || alert == SSL_AD_DECRYPT_ERROR) && t->psk_len)
		snprintf(err, err_len, "the backend rejected the pre-shared key of '%s': "
			 "tls.psk_file must hold the backend's key", t->psk_identity);
	else if (alert == SSL_AD_ACCESS_DENIED)
		snprintf(err, err_len, "the backend accepts only a pre-shared key: set "
			 "tls.psk_identity and tls.psk_file");
	else if (alert == SSL_AD_UNKNOWN_CA || alert == SSL_AD_BAD_CERTIFICATE ||
		 alert == SSL_AD_CERTIFICATE_UNKNOWN || alert == SSL_AD_CERTIFICATE_EXPIRED ||
		 alert == SSL_AD_UNSUPPORTED_CERTIFICATE || alert == SSL_AD_CERTIFICATE_REVOKED)
		snprintf(err, err_len, "the backend refused this client's %s (alert '%s'): "
			 "tls.certificate must be signed by the backend's tls.ca",
			 auth_used(t), alert_name(reason));
	else if (alert >= 0)
		snprintf(err, err_len, "the backend refused the TLS handshake (alert '%s')",
			 alert_name(reason));
	else if (r == 0 || errno == ECONNRESET || errno == EPIPE)
		snprintf(err, err_len, "the backend closed the connection during the TLS "
			 "handshake: is secure_application true in its properties.json?");
	else if (errno == ETIMEDOUT)
		snprintf(err, err_len, "no TLS handshake within %d ms: is secure_application "
			 "true in the backend's properties.json?", timeout_ms);
	else if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG)
		snprintf(err, err_len, "the backend does not answer in TLS: is "
			 "secure_application true in its properties.json?");
	else if (errno != EPROTO)
		snprintf(err, err_len, "TLS handshake: %s", strerror(errno));
	else {
		char why[256];

		openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "TLS handshake failed: %s", why);
	}
	ERR_clear_error();
}

/* The name the certificate must hold: an IP address or a DNS name (also sent as SNI). */
static int set_peer_name(SSL *ssl, const char *name)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);

	if (X509_VERIFY_PARAM_set1_ip_asc(vp, name) == 1)
		return 0;
	ERR_clear_error();
	return X509_VERIFY_PARAM_set1_host(vp, name, 0) == 1 &&
			       SSL_set_tlsext_host_name(ssl, name) == 1 ? 0 : -1;
}

int gv_tls_connect(struct gv_tls_client *t, struct gv_stream *st, const char *server_name,
		   int timeout_ms, char *err, size_t err_len)
{
	long long deadline;
	struct hs_state hs = { 0 };
	SSL *ssl = new_ssl(t->ctx, st->fd, &hs);
	int r;

	timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_HANDSHAKE_MS;
	deadline = now_ms() + timeout_ms;
	if (!ssl || set_nonblock(st->fd, 1)) {
		snprintf(err, err_len, "TLS: out of memory or bad socket");
		SSL_free(ssl);
		return -1;
	}
	if (set_peer_name(ssl, server_name)) {
		snprintf(err, err_len, "tls.server_name '%s': not a host name or address",
			 server_name);
		SSL_free(ssl);
		set_nonblock(st->fd, 0);
		return -1;
	}
	r = drive(ssl, st->fd, SSL_connect, deadline);
	if (r == 1)
		r = verdict(ssl, st->fd, deadline);
	if (r == 1) {
		upgrade(st, ssl);
		return 0;
	}
	connect_failure(t, &hs, r, server_name, timeout_ms, err, err_len);
	SSL_free(ssl);
	set_nonblock(st->fd, 0);
	return -1;
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
	set_nonblock(st->fd, 0);
}
