/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.3 for the network mode (properties.json "secure_application":
 * true), with OpenSSL from Debian.  With certificates, the server presents
 * its own and clients one that the server's "ca" signed; with a pre-shared
 * key (TLS 1.3 external PSK) both sides prove they hold it instead.  A stream upgraded here carries
 * frames exactly as a plain one does (sockstream.h).
 */
#ifndef GVIRTUS_TLS_H
#define GVIRTUS_TLS_H

#include <stddef.h>

#include "properties.h"
#include "sockstream.h"

struct gv_tls_server;
struct gv_tls_client;

/* From the properties' "tls" keys; NULL with err naming the key and the fix. */
struct gv_tls_server *gv_tls_server_new(const struct gv_properties *p, char *err, size_t err_len);
void gv_tls_server_free(struct gv_tls_server *t);
/*
 * Runs the handshake on st's socket within timeout_ms and authenticates
 * the client; on success st reads and writes through TLS.  -1 with err
 * saying why the peer was refused (for the log line).
 */
int gv_tls_accept(struct gv_tls_server *t, struct gv_stream *st, int timeout_ms, char *err,
		  size_t err_len);

struct gv_tls_client *gv_tls_client_new(const struct gv_properties *p, char *err, size_t err_len);
void gv_tls_client_free(struct gv_tls_client *t);
/* The client's side of gv_tls_accept; verifies the server against "ca". */
int gv_tls_connect(struct gv_tls_client *t, struct gv_stream *st, const char *server_name,
		   int timeout_ms, char *err, size_t err_len);

/* Ends the session layer of st (close_notify) and frees it; st is plain again. */
void gv_tls_close(struct gv_stream *st);

#endif
