/* SPDX-License-Identifier: MIT */
/*
 * The frontend's side of TLS: its context from the properties, the PSK
 * and session ticket callbacks, and gv_tls_connect.
 */
#include "tls_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

struct gv_tls_client {
	SSL_CTX *ctx;
	int has_cert;
	char ca[4096]; /* for messages; "" = the system's CAs */
	char psk_identity[256];
	unsigned char psk[PSK_MAX];
	size_t psk_len;
};

static int psk_use(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *id_len,
		   SSL_SESSION **sess)
{
	struct gv_tls_client *t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	const SSL_CIPHER *c = SSL_CIPHER_find(ssl, psk_cipher_id);

	*sess = NULL;
	if (!t->psk_len || !c || (md && md != SSL_CIPHER_get_handshake_digest(c)))
		return 1;
	*sess = gvtls_psk_session(ssl, t->psk, t->psk_len);
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

struct gv_tls_client *gv_tls_client_new(const struct gv_properties *p, char *err, size_t err_len)
{
	const struct gv_tls_props *tp = &p->tls;
	struct gv_tls_client *t = calloc(1, sizeof(*t));
	int r;

	if (!t) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (gvtls_psk_props(tp, t->psk_identity, t->psk, &t->psk_len, err, err_len))
		goto fail;
	t->ctx = gvtls_new_ctx(TLS_client_method(), t->psk_len ? PSK_SUITE : SUITES, err, err_len);
	if (!t->ctx)
		goto fail;
	r = gvtls_cert_props(t->ctx, tp, err, err_len);
	if (r < 0)
		goto fail;
	t->has_cert = r;
	if (!t->has_cert && !t->psk_len) {
		snprintf(err, err_len,
			 "secure_application is true but this frontend has no "
			 "credential: set tls.certificate and tls.private_key (signed by the "
			 "backend's ca) or tls.psk_identity and tls.psk_file");
		goto fail;
	}
	snprintf(t->ca, sizeof(t->ca), "%s", tp->ca);
	if (*tp->ca ? gvtls_load_ca(t->ctx, tp->ca, err, err_len)
		    : SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		if (!*tp->ca)
			snprintf(err, err_len, "cannot load the system's CA certificates");
		goto fail;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, gvtls_verify_cb);
	SSL_CTX_set_app_data(t->ctx, t);
	if (t->psk_len)
		SSL_CTX_set_psk_use_session_callback(t->ctx, psk_use);
	SSL_CTX_set_session_cache_mode(t->ctx,
				       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
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
 * A step for gvtls_drive(): done once the server's verdict is in, its first
 * ticket (accepted) or an alert (refused).  Without AUTO_RETRY, SSL_peek
 * returns after each ticket it processes.
 */
static int peek_ticket(SSL *ssl)
{
	struct hs_state *hs = SSL_get_app_data(ssl);
	int r = SSL_peek(ssl, &(char){0}, 1);

	return r > 0 || hs->ticket ? 1 : r;
}

static int verdict(SSL *ssl, int fd, long long deadline)
{
	int r;

	SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY);
	r = gvtls_drive(ssl, fd, peek_ticket, deadline);
	SSL_set_mode(ssl, SSL_MODE_AUTO_RETRY);
	return r;
}

static const char *auth_used(struct gv_tls_client *t)
{
	return t->psk_len ? "pre-shared key" : "certificate";
}

/* Why the client's handshake failed, and what to change. */
static void connect_failure(struct gv_tls_client *t, struct hs_state *hs, int r, const char *name,
			    int timeout_ms, char *err, size_t err_len)
{
	int reason = ERR_GET_REASON(ERR_peek_last_error());
	int alert = reason > SSL_AD_REASON_OFFSET ? reason - SSL_AD_REASON_OFFSET : -1;

	if (hs->verify_err == X509_V_ERR_HOSTNAME_MISMATCH ||
	    hs->verify_err == X509_V_ERR_IP_ADDRESS_MISMATCH)
		snprintf(err, err_len,
			 "the backend's certificate is not for '%s': set tls.server_name "
			 "to a name the certificate holds",
			 name);
	else if (hs->verify_err)
		snprintf(err, err_len,
			 "the backend's certificate is not trusted: %s (%s%s%s the "
			 "CA that signed it)",
			 X509_verify_cert_error_string(hs->verify_err),
			 *t->ca ? "tls.ca " : "set tls.ca to", t->ca,
			 *t->ca ? " does not hold" : "");
	else if (alert == SSL_AD_CERTIFICATE_REQUIRED)
		snprintf(err, err_len,
			 "the backend requires a client certificate signed by its "
			 "ca: set tls.certificate and tls.private_key");
	else if (alert == SSL_AD_UNKNOWN_PSK_IDENTITY)
		snprintf(err, err_len,
			 "the backend does not know psk_identity '%s': it must "
			 "match the backend's tls.psk_identity",
			 t->psk_identity);
	else if ((alert == SSL_AD_ILLEGAL_PARAMETER || alert == SSL_AD_DECRYPT_ERROR) && t->psk_len)
		snprintf(err, err_len,
			 "the backend rejected the pre-shared key of '%s': "
			 "tls.psk_file must hold the backend's key",
			 t->psk_identity);
	else if (alert == SSL_AD_ACCESS_DENIED)
		snprintf(err, err_len,
			 "the backend accepts only a pre-shared key: set "
			 "tls.psk_identity and tls.psk_file");
	else if (alert == SSL_AD_UNKNOWN_CA || alert == SSL_AD_BAD_CERTIFICATE ||
		 alert == SSL_AD_CERTIFICATE_UNKNOWN || alert == SSL_AD_CERTIFICATE_EXPIRED ||
		 alert == SSL_AD_UNSUPPORTED_CERTIFICATE || alert == SSL_AD_CERTIFICATE_REVOKED)
		snprintf(err, err_len,
			 "the backend refused this client's %s (alert '%s'): "
			 "tls.certificate must be signed by the backend's tls.ca",
			 auth_used(t), gvtls_alert_name(reason));
	else if (alert >= 0)
		snprintf(err, err_len, "the backend refused the TLS handshake (alert '%s')",
			 gvtls_alert_name(reason));
	else if (r == 0 || errno == ECONNRESET || errno == EPIPE)
		snprintf(err, err_len,
			 "the backend closed the connection during the TLS "
			 "handshake: is secure_application true in its properties.json?");
	else if (errno == ETIMEDOUT)
		snprintf(err, err_len,
			 "no TLS handshake within %d ms: is secure_application "
			 "true in the backend's properties.json?",
			 timeout_ms);
	else if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG)
		snprintf(err, err_len,
			 "the backend does not answer in TLS: is "
			 "secure_application true in its properties.json?");
	else if (errno != EPROTO)
		snprintf(err, err_len, "TLS handshake: %s", strerror(errno));
	else {
		char why[256];

		gvtls_openssl_reason(why, sizeof(why));
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
		       SSL_set_tlsext_host_name(ssl, name) == 1
		   ? 0
		   : -1;
}

int gv_tls_connect(struct gv_tls_client *t, struct gv_stream *st, const char *server_name,
		   int timeout_ms, char *err, size_t err_len)
{
	long long deadline;
	struct hs_state hs = {0};
	SSL *ssl = gvtls_new_ssl(t->ctx, st->fd, &hs);
	int r;

	timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_HANDSHAKE_MS;
	deadline = gvtls_now_ms() + timeout_ms;
	if (!ssl || gvtls_set_nonblock(st->fd, 1)) {
		snprintf(err, err_len, "TLS: out of memory or bad socket");
		SSL_free(ssl);
		return -1;
	}
	if (set_peer_name(ssl, server_name)) {
		snprintf(err, err_len, "tls.server_name '%s': not a host name or address",
			 server_name);
		SSL_free(ssl);
		gvtls_set_nonblock(st->fd, 0);
		return -1;
	}
	r = gvtls_drive(ssl, st->fd, SSL_connect, deadline);
	if (r == 1)
		r = verdict(ssl, st->fd, deadline);
	if (r == 1) {
		gvtls_upgrade(st, ssl);
		return 0;
	}
	connect_failure(t, &hs, r, server_name, timeout_ms, err, err_len);
	SSL_free(ssl);
	gvtls_set_nonblock(st->fd, 0);
	return -1;
}
