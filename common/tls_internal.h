/* SPDX-License-Identifier: MIT */
/*
 * What tls_common.c, tls_server.c and tls_client.c share; nothing here
 * crosses tls.h.
 *
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
#ifndef GVIRTUS_TLS_INTERNAL_H
#define GVIRTUS_TLS_INTERNAL_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "tls.h"

#define DEFAULT_HANDSHAKE_MS 10000
#define PSK_MIN		     32
#define PSK_MAX		     64
/* Fastest first; the PSK's session cipher is the first (its hash must match). */
#define SUITES	  "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"
#define PSK_SUITE "TLS_AES_128_GCM_SHA256"
static const unsigned char psk_cipher_id[2] = {0x13, 0x01};

/* One handshake's findings, for the message when it fails. */
struct hs_state {
	char why[512];	   /* set by a callback that refused */
	int verify_err;	   /* the peer's certificate's first error */
	char subject[256]; /* ... and its subject */
	int ticket;	   /* client: the server sent a session ticket */
};

/* ---- configuration (tls_common.c) ---- */

/* The reason of OpenSSL's last error into buf; the error queue is cleared. */
void gvtls_openssl_reason(char *buf, size_t len);
/* psk_identity and psk_file into id (256 bytes) and key; *key_len 0: no PSK. */
int gvtls_psk_props(const struct gv_tls_props *p, char *id, unsigned char *key, size_t *key_len,
		    char *err, size_t err_len);
/* certificate and private_key into ctx: 1 loaded, 0 neither set, -1 err says why. */
int gvtls_cert_props(SSL_CTX *ctx, const struct gv_tls_props *p, char *err, size_t err_len);
/* The certificates in ca as ctx's trust anchors. */
int gvtls_load_ca(SSL_CTX *ctx, const char *ca, char *err, size_t err_len);
/* A context for TLS 1.3 only, with the cipher suites suites. */
SSL_CTX *gvtls_new_ctx(const SSL_METHOD *method, const char *suites, char *err, size_t err_len);
SSL_SESSION *gvtls_psk_session(SSL *ssl, const unsigned char *key, size_t len);
/* For SSL_CTX_set_verify: keeps the first error in the handshake's hs_state. */
int gvtls_verify_cb(int ok, X509_STORE_CTX *x);

/* ---- the handshake (tls_common.c) ---- */

long long gvtls_now_ms(void);
int gvtls_wait_until(int fd, short events, long long deadline);
int gvtls_drive(SSL *ssl, int fd, int (*step)(SSL *), long long deadline);
/* The name of the alert in an OpenSSL reason code above SSL_AD_REASON_OFFSET. */
const char *gvtls_alert_name(int reason);
int gvtls_set_nonblock(int fd, int on);
/* An SSL on fd through a socket BIO, with hs as its app data for the callbacks. */
SSL *gvtls_new_ssl(SSL_CTX *ctx, int fd, struct hs_state *hs);
void gvtls_upgrade(struct gv_stream *st, SSL *ssl);

#endif
