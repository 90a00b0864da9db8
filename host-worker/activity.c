/* SPDX-License-Identifier: MIT */
/*
 * What a session did, for monitors (QEMU's query-gvirtus, the backend's
 * control socket): requests, calls, bulk bytes, the guest's pid from its
 * HELLO and the last error a reply carried.  Messages and replies are only
 * counted here, never trusted: a header that does not fit ends the count.
 */
#include <string.h>

#include "gvirtus_worker.h"
#include "protocol.h"

void gvw_activity_count(struct gvw_activity *a, const void *msg, size_t msg_len,
			const struct gvw_bulk *bulk, unsigned int nbulk, const void *resp,
			size_t resp_len)
{
	const unsigned char *m = msg, *r = resp;
	size_t off;
	unsigned int i;

	a->requests++;
	for (off = 0; off + sizeof(struct gv_msg_hdr) <= msg_len;) {
		struct gv_msg_hdr h;

		memcpy(&h, m + off, sizeof(h));
		off += sizeof(h);
		if (h.payload_len > msg_len - off)
			break;
		if (h.op == GV_OP_HELLO && h.payload_len >= sizeof(struct gv_hello_req)) {
			struct gv_hello_req q;

			memcpy(&q, m + off, sizeof(q));
			a->guest_pid = q.pid;
		}
		off += h.payload_len;
		a->calls++;
	}
	for (i = 0; i < nbulk; i++)
		a->bytes_moved += bulk[i].len;
	for (off = 0; off + sizeof(struct gv_resp_hdr) <= resp_len;) {
		struct gv_resp_hdr h;

		memcpy(&h, r + off, sizeof(h));
		off += sizeof(h);
		if (h.result)
			a->last_error = h.result;
		if (h.payload_len > resp_len - off)
			break;
		off += h.payload_len;
	}
}
