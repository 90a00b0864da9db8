/* SPDX-License-Identifier: MIT */
/* Looking into a request's protocol messages before anything checked them. */
#ifndef GVIRTUS_MSG_SCAN_H
#define GVIRTUS_MSG_SCAN_H

#include <stddef.h>
#include <string.h>

#include "protocol.h"

/* Whether the messages in msg include op; stops at the first that overruns len. */
static inline int gv_msgs_have_op(const unsigned char *msg, size_t len, uint32_t op)
{
	struct gv_msg_hdr h;
	size_t at = 0;

	while (len - at >= sizeof(h)) {
		memcpy(&h, msg + at, sizeof(h));
		if (h.op == op)
			return 1;
		if (h.payload_len > len - at - sizeof(h))
			break;
		at += sizeof(h) + h.payload_len;
	}
	return 0;
}

#endif
