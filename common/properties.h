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

struct gv_endpoint {
	char protocol[8];	/* "tcp" or "oldtcp" (the same wire here) */
	char address[256];
	int port;
	char gpus[256];		/* backend: the host GPUs this endpoint serves; "" all */
};

struct gv_properties {
	char path[4096];
	struct gv_endpoint ep[GV_MAX_ENDPOINTS];
	int nep;
};

/* $GVIRTUS_CONFIG, else $GVIRTUS_HOME/etc/properties.json, else ~/GVirtuS/... */
const char *gv_properties_default_path(char *buf, size_t len);
/* 0, or -1 with err naming the file, the line, the key and what is accepted. */
int gv_properties_load(const char *path, struct gv_properties *p, char *err, size_t err_len);

#endif
