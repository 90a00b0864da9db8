/* SPDX-License-Identifier: MIT */
/*
 * The backend's side of TLS: its context from the properties, the PSK and
 * ClientHello callbacks, and gv_tls_accept.
 */
#include "tls_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>

struct gv_tls_server {
	SSL_CTX *ctx;
	int want_cert;		/* "ca" set: certificates it signed are accepted */
	char psk_identity[256]; /* "" when no PSK */
	unsigned char psk[PSK_MAX];
	size_t psk_len;
};

static int psk_find(SSL *ssl, const unsigned char *id, size_t id_len, SSL_SESSION **sess)
{
	struct gv_tls_server *t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	*sess = NULL;
	if (!t->psk_len || id_len != strlen(t->psk_identity) || memcmp(id, t->psk_identity, id_len))
		return 1;
	*sess = gvtls_psk_session(ssl, t->psk, t->psk_len);
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
		p += id_len + 6; /* length, identity, obfuscated_ticket_age */
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
			return SSL_CLIENT_HELLO_SUCCESS; /* a certificate will do */
		snprintf(hs->why, sizeof(hs->why),
			 "client offered no pre-shared key (this "
			 "backend accepts only psk_identity '%s')",
			 t->psk_identity);
		*al = SSL_AD_ACCESS_DENIED;
		return SSL_CLIENT_HELLO_ERROR;
	}
	offered = offers_identity(ext, len, t->psk_identity);
	if (offered > 0)
		return SSL_CLIENT_HELLO_SUCCESS;
	snprintf(hs->why, sizeof(hs->why),
		 offered < 0 ? "malformed pre_shared_key extension"
			     : "client offered an unknown psk_identity (this backend's is '%s')",
		 t->psk_identity);
	*al = offered < 0 ? SSL_AD_DECODE_ERROR : SSL_AD_UNKNOWN_PSK_IDENTITY;
	return SSL_CLIENT_HELLO_ERROR;
}

struct gv_tls_server *gv_tls_server_new(const struct gv_properties *p, char *err, size_t err_len)
{
	const struct gv_tls_props *tp = &p->tls;
	struct gv_tls_server *t = calloc(1, sizeof(*t));
	int has_cert;

	if (!t) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (gvtls_psk_props(tp, t->psk_identity, t->psk, &t->psk_len, err, err_len))
		goto fail;
	t->want_cert = *tp->ca != 0;
	if (!t->want_cert && !t->psk_len) {
		snprintf(err, err_len,
			 "secure_application is true but no client can authenticate: "
			 "set tls.ca (the CA that signs client certificates) or tls.psk_identity "
			 "and tls.psk_file (a pre-shared key)");
		goto fail;
	}
	t->ctx = gvtls_new_ctx(TLS_server_method(), SUITES, err, err_len);
	if (!t->ctx)
		goto fail;
	has_cert = gvtls_cert_props(t->ctx, tp, err, err_len);
	if (has_cert < 0)
		goto fail;
	/* Certificate clients need the server's certificate; PSK ones never see it. */
	if (!has_cert && t->want_cert) {
		snprintf(err, err_len,
			 "tls.certificate and tls.private_key must be set: the "
			 "backend's certificate (PEM), which clients verify against their tls.ca");
		goto fail;
	}
	if (t->want_cert) {
		STACK_OF(X509_NAME) * names;

		if (gvtls_load_ca(t->ctx, tp->ca, err, err_len))
			goto fail;
		names = SSL_load_client_CA_file(tp->ca);
		if (names)
			SSL_CTX_set_client_CA_list(t->ctx, names);
		ERR_clear_error();
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   gvtls_verify_cb);
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

/* Why the server's handshake failed, for the log. */
static void accept_failure(struct gv_tls_server *t, SSL *ssl, struct hs_state *hs, int r,
			   int timeout_ms, char *err, size_t err_len)
{
	int reason = ERR_GET_REASON(ERR_peek_last_error());

	if (*hs->why)
		snprintf(err, err_len, "%s", hs->why);
	else if (hs->verify_err)
		snprintf(err, err_len,
			 "client certificate %s not accepted: %s (it must be "
			 "signed by this backend's tls.ca)",
			 *hs->subject ? hs->subject : "",
			 X509_verify_cert_error_string(hs->verify_err));
	else if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
		snprintf(err, err_len, "client presented no certificate%s (tls.ca requires one)",
			 t->psk_len ? " and no pre-shared key" : "");
	else if (reason == SSL_R_BINDER_DOES_NOT_VERIFY)
		snprintf(err, err_len, "wrong pre-shared key for psk_identity '%s'",
			 t->psk_identity);
	else if (reason > SSL_AD_REASON_OFFSET)
		snprintf(err, err_len, "client aborted the handshake with alert '%s'%s",
			 gvtls_alert_name(reason),
			 reason - SSL_AD_REASON_OFFSET == SSL_AD_UNKNOWN_CA ||
				 reason - SSL_AD_REASON_OFFSET == SSL_AD_BAD_CERTIFICATE
			     ? " (it does not trust this backend's certificate)"
			     : "");
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

		gvtls_openssl_reason(why, sizeof(why));
		snprintf(err, err_len, "TLS handshake failed: %s", why);
	}
	ERR_clear_error();
}

/*
 * A TLS connection starts with a handshake record; anything else is a
 * plain client (or not ours), refused without feeding it to OpenSSL.
 */
static int first_byte_is_tls(int fd, long long deadline, int timeout_ms, char *err, size_t err_len)
{
	unsigned char c;
	ssize_t n;

	for (;;) {
		n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 1)
			break;
		if (n == 0) {
			snprintf(err, err_len,
				 "client closed the connection before a TLS handshake");
			return 0;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, err_len, "TLS handshake: %s", strerror(errno));
			return 0;
		}
		if (errno != EINTR && gvtls_wait_until(fd, POLLIN, deadline)) {
			snprintf(err, err_len, "no TLS handshake within %d ms", timeout_ms);
			return 0;
		}
	}
	if (c != 0x16) {
		snprintf(err, err_len,
			 "not a TLS client (first byte 0x%02x): a plain client "
			 "against a backend with secure_application true?",
			 c);
		return 0;
	}
	return 1;
}

int gv_tls_accept(struct gv_tls_server *t, struct gv_stream *st, int timeout_ms, char *err,
		  size_t err_len)
{
	long long deadline;
	struct hs_state hs = {0};
	SSL *ssl;
	int r;

	timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_HANDSHAKE_MS;
	deadline = gvtls_now_ms() + timeout_ms;
	if (!first_byte_is_tls(st->fd, deadline, timeout_ms, err, err_len))
		return -1;
	ssl = gvtls_new_ssl(t->ctx, st->fd, &hs);
	if (!ssl || gvtls_set_nonblock(st->fd, 1)) {
		snprintf(err, err_len, "TLS: out of memory or bad socket");
		SSL_free(ssl);
		return -1;
	}
	r = gvtls_drive(ssl, st->fd, SSL_accept, deadline);
	/* Defence in depth: a client gets here only with the PSK or a certificate ca signed. */
	if (r == 1 && !SSL_session_reused(ssl) &&
	    !(t->want_cert && SSL_get0_peer_certificate(ssl) &&
	      SSL_get_verify_result(ssl) == X509_V_OK)) {
		snprintf(hs.why, sizeof(hs.why), "client did not authenticate");
		r = -1;
	}
	if (r == 1) {
		gvtls_upgrade(st, ssl);
		return 0;
	}
	accept_failure(t, ssl, &hs, r, timeout_ms, err, err_len);
	SSL_free(ssl);
	gvtls_set_nonblock(st->fd, 0);
	return -1;
}
