/* SPDX-License-Identifier: MIT */
/*
 * GVirtuS's properties.json, read by gvirtus-backend and by the frontend
 * (the runtime shim):
 *   { "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp",
 *       "server_address": "127.0.0.1", "port": "9999" },
 *       "plugins": [ "cudart" ] } ],
 *     "secure_application": false }
 */
#ifndef GVIRTUS_PROPERTIES_H
#define GVIRTUS_PROPERTIES_H

#include <stddef.h>

#define GV_MAX_ENDPOINTS 8
#define GV_MAX_GPU_INDEX 1023 /* a GPU index in "gpus" */

struct gv_endpoint {
	char protocol[8]; /* "tcp" or "oldtcp" (the same wire here) */
	char address[256];
	int port;
	char gpus[256];	   /* backend: the host GPUs this endpoint serves; "" all */
	unsigned int apis; /* backend: GV_API_* of its "plugins" (default: all) */
};

/*
 * "tls": { ... }, used when "secure_application" is true.  Paths are
 * relative to the properties file's folder; "" when absent.
 */
struct gv_tls_props {
	char certificate[4096]; /* backend: its certificate chain (PEM); frontend: its own, for
				   client auth */
	char private_key[4096]; /* the key of certificate (PEM) */
	char ca[4096]; /* backend: CA of client certificates; frontend: CA of the backend's */
	char psk_identity[256]; /* client authentication by pre-shared key ... */
	char psk_file[4096];	/* ... whose file holds the key in hex (>= 32 bytes) */
	char server_name[256];	/* frontend: name to verify; default server_address */
};

/*
 * "limits": { ... }: what one client may make the host hold, and how long
 * it may take.  Zero: the default documented in the README (the
 * GV_DEFAULT_* below, or the worker library's GVW_DEFAULT_*).
 */
struct gv_limit_props {
	unsigned int max_handles, max_gates;
	unsigned long long max_module_bytes, max_device_bytes, max_host_bytes;
	unsigned int max_library_objects;      /* cuBLAS handles, cuFFT plans, ... */
	unsigned int hello_timeout_ms;	       /* a connection's first frame, HELLO */
	unsigned int io_timeout_ms;	       /* the rest of a frame once it has begun */
	unsigned int idle_timeout_s;	       /* between frames; 0 = default */
	unsigned int max_connections;	       /* per endpoint */
	unsigned int max_connections_per_peer; /* per endpoint and client address */
};

#define GV_DEFAULT_HELLO_TIMEOUT_MS	    5000u
#define GV_DEFAULT_IO_TIMEOUT_MS	    30000u
#define GV_DEFAULT_IDLE_TIMEOUT_S	    3600u
#define GV_DEFAULT_MAX_CONNECTIONS	    256u
#define GV_DEFAULT_MAX_CONNECTIONS_PER_PEER 64u

struct gv_properties {
	char path[4096];
	struct gv_endpoint ep[GV_MAX_ENDPOINTS];
	int nep;
	int secure; /* "secure_application" */
	struct gv_tls_props tls;
	struct gv_limit_props limits;
};

/* $GVIRTUS_CONFIG, else $GVIRTUS_HOME/etc/properties.json, else ~/GVirtuS/... */
const char *gv_properties_default_path(char *buf, size_t len);
/* 0, or -1 with err naming the file, the line, the key and what is accepted. */
int gv_properties_load(const char *path, struct gv_properties *p, char *err, size_t err_len);

#endif
