/* SPDX-License-Identifier: MIT */
/*
 * Which way this process reaches a GPU host: /dev/gvirtus when the guest
 * has it, else gvirtus-backend over TCP at the first endpoint of
 * properties.json ($GVIRTUS_CONFIG, else $GVIRTUS_HOME/etc/...), in TLS
 * when it says "secure_application": true.
 * GVIRTUS_TRANSPORT=virtio or tcp insists on one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gvrt.h"
#include "properties.h"

struct gv_transport *gv_transport_open(char *err, size_t err_len)
{
	const char *mode = getenv("GVIRTUS_TRANSPORT");
	struct gv_transport *t = NULL;
	struct gv_properties props;
	char vdev_why[256] = "", path[4096], why[512];

	if (mode && *mode && strcmp(mode, "virtio") && strcmp(mode, "tcp")) {
		snprintf(err, err_len, "GVIRTUS_TRANSPORT=%s: accepted values are virtio and tcp",
			 mode);
		return NULL;
	}
	if (!mode || !*mode || !strcmp(mode, "virtio")) {
		t = gv_transport_vdev_open(vdev_why, sizeof(vdev_why));
		if (t || (mode && !strcmp(mode, "virtio"))) {
			if (!t)
				snprintf(err, err_len, "%s", vdev_why);
			return t;
		}
	}
	gv_properties_default_path(path, sizeof(path));
	if (gv_properties_load(path, &props, why, sizeof(why))) {
		snprintf(err, err_len, "%s%s%s", vdev_why, *vdev_why ? "; and for TCP: " : "", why);
		return NULL;
	}
	t = gv_transport_tcp_open(&props, 0, why, sizeof(why));
	if (!t)
		snprintf(err, err_len, "%s (from %s)", why, path);
	return t;
}
