/* SPDX-License-Identifier: MIT */
/*
 * Decoding a transport request into messages, checking each against the
 * op table generated from calls.def, and encoding responses.  Everything
 * here treats the guest's bytes as hostile: every length is checked
 * against what arrived and against the op's declared layout.
 */
#include <string.h>
#include <time.h>

#include "handlers.h"
#include "log.h"
#include "output.h"
#include "worker_internal.h"

struct op_desc {
	const char *name;
	uint32_t req_size, resp_size;
	int nbulk; /* 0, 1, or -1 for 0 or 1 */
	uint32_t tail_max;
	gvw_handler fn;
};

static const struct op_desc ops[GV_OP_LIMIT] = {
#define GV_OP(name, num, req, resp, nb, tail)                                                      \
	[num] = {#name, sizeof(struct req), sizeof(struct resp), nb, tail, gvw_h_##name},
#include "calls.def"
#undef GV_OP
};

/* A request that passes the tail_max check is copied into req_buf whole. */
#define GV_OP(name, num, req, resp, nb, tail)                                                      \
	_Static_assert(sizeof(struct req) + (tail) <= sizeof(((struct gvw_session *)0)->req_buf),  \
		       #name "'s request and tail fit req_buf");
#include "calls.def"
#undef GV_OP
/* Any one response fits a frame (the TCP server's response buffer). */
_Static_assert(sizeof(struct gv_resp_hdr) + sizeof(union gvw_any_resp) <= GV_FRAME_MAX_MSG,
	       "every response fits a frame");

static int put_resp_deferred(void *resp, size_t cap, size_t *used, const struct gv_msg_hdr *m,
			     uint16_t status, int32_t result, const void *payload,
			     uint32_t payload_len, int32_t deferred);

static int put_resp(void *resp, size_t cap, size_t *used, const struct gv_msg_hdr *m,
		    uint16_t status, int32_t result, const void *payload, uint32_t payload_len)
{
	return put_resp_deferred(resp, cap, used, m, status, result, payload, payload_len, 0);
}

static int put_resp_deferred(void *resp, size_t cap, size_t *used, const struct gv_msg_hdr *m,
			     uint16_t status, int32_t result, const void *payload,
			     uint32_t payload_len, int32_t deferred)
{
	struct gv_resp_hdr h = {
	    .deferred = deferred,
	    .magic = GV_RESP_MAGIC,
	    .version = GV_PROTOCOL_VERSION,
	    .status = (uint8_t)status,
	    .flags = gvw_output_pending() ? GV_RESP_F_OUTPUT : 0,
	    .op = m ? m->op : 0,
	    .result = result,
	    .req_id = m ? m->req_id : 0,
	    .payload_len = payload_len,
	};

	if (cap - *used < sizeof(h) + payload_len)
		return -1;
	memcpy((char *)resp + *used, &h, sizeof(h));
	if (payload_len)
		memcpy((char *)resp + *used + sizeof(h), payload, payload_len);
	*used += sizeof(h) + payload_len;
	return 0;
}

static const char *op_name(uint32_t op)
{
	return op < GV_OP_LIMIT && ops[op].name ? ops[op].name : "?";
}

int gvw_session_exec(struct gvw_session *s, const void *msg, size_t msg_len,
		     const struct gvw_bulk *bulk, unsigned int nbulk, void *resp, size_t resp_cap,
		     size_t *resp_len)
{
	unsigned char *in = s->req_buf, *out = s->resp_buf;
	size_t off = 0, used = 0;
	unsigned int bulk_next = 0;

	*resp_len = 0;
	s->requests++;
	if (msg_len == 0) {
		gvw_log(GVW_WARN, "session %u: empty request", s->id);
		return put_resp(resp, resp_cap, resp_len, NULL, GV_ELEN, cudaErrorInvalidValue,
				NULL, 0);
	}
	while (off < msg_len) {
		struct gv_msg_hdr m;
		const struct op_desc *d;
		uint16_t status = GV_OK;
		int32_t result = cudaErrorInvalidValue;
		bool reply;

		if (msg_len - off < sizeof(m)) {
			gvw_log(GVW_WARN, "session %u: truncated message header (%zu bytes)", s->id,
				msg_len - off);
			put_resp(resp, resp_cap, &used, NULL, GV_ELEN, result, NULL, 0);
			break;
		}
		memcpy(&m, (const char *)msg + off, sizeof(m));
		reply = !(m.flags & GV_MSG_F_NO_REPLY);
		if (m.magic != GV_MSG_MAGIC) {
			gvw_log(GVW_WARN, "session %u: bad magic 0x%08x", s->id, m.magic);
			put_resp(resp, resp_cap, &used, &m, GV_EMAGIC, result, NULL, 0);
			break;
		}
		if (m.version != GV_PROTOCOL_VERSION) {
			gvw_log(GVW_ERROR,
				"session %u: guest speaks protocol %u, this host %u: "
				"use a guest library from the same gvirtus release",
				s->id, m.version, GV_PROTOCOL_VERSION);
			put_resp(resp, resp_cap, &used, &m, GV_EVERSION, result, NULL, 0);
			break;
		}
		if (m.payload_len > msg_len - off - sizeof(m)) {
			gvw_log(GVW_WARN,
				"session %u: %s payload_len %u exceeds the %zu bytes sent", s->id,
				op_name(m.op), m.payload_len, msg_len - off - sizeof(m));
			put_resp(resp, resp_cap, &used, &m, GV_ELEN, result, NULL, 0);
			break;
		}
		off += sizeof(m) + m.payload_len;
		d = m.op < GV_OP_LIMIT ? &ops[m.op] : NULL;
		if (!d || !d->fn) {
			gvw_log(GVW_WARN, "session %u: unknown op %u", s->id, m.op);
			status = GV_EOP;
		} else if (m.payload_len < d->req_size ||
			   m.payload_len - d->req_size > d->tail_max) {
			gvw_log(GVW_WARN, "session %u: %s payload is %u bytes, expected %u%s",
				s->id, d->name, m.payload_len, d->req_size,
				d->tail_max ? " plus a bounded tail" : "");
			status = GV_ELEN;
		} else if (m.nbulk > nbulk - bulk_next ||
			   (d->nbulk >= 0 && m.nbulk != (uint32_t)d->nbulk) ||
			   (d->nbulk < 0 && m.nbulk > 1)) {
			gvw_log(GVW_WARN, "session %u: %s names %u bulk buffer(s); %u remain",
				s->id, d->name, m.nbulk, nbulk - bulk_next);
			status = GV_ELEN;
		}
		if (status == GV_OK) {
			struct gvw_call c = {
			    .s = s,
			    .dev = (int)m.device,
			    .req = in,
			    .resp = out,
			    .bulk = m.nbulk ? &bulk[bulk_next] : NULL,
			    .tail = in + d->req_size,
			    .tail_len = m.payload_len - d->req_size,
			};

			struct timespec t0, t1;

			memcpy(in, (const char *)msg + off - m.payload_len, m.payload_len);
			memset(out, 0, d->resp_size);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			result = d->fn(&c);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			s->calls++;
			s->exec_ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000ll +
						 (t1.tv_nsec - t0.tv_nsec));
			gvw_log(GVW_TRACE, "session %u: %s -> %d", s->id, d->name, result);
		}
		bulk_next += m.nbulk <= nbulk - bulk_next ? m.nbulk : 0;
		if (!reply) {
			/* An asynchronous call: its error goes with the next response. */
			if ((status != GV_OK || result != cudaSuccess) && !s->deferred) {
				if (status != GV_OK)
					s->deferred = cudaErrorInvalidValue;
				else if (m.op >= GV_OP_FIRST_LIB)
					s->deferred = GV_DEFERRED_LIB(m.op, result);
				else
					s->deferred = result;
				gvw_log(GVW_DEBUG, "session %u: asynchronous %s failed: %d", s->id,
					op_name(m.op), s->deferred);
			}
			continue;
		}
		if (put_resp_deferred(resp, resp_cap, &used, &m, status, result,
				      status == GV_OK ? out : NULL,
				      status == GV_OK ? d->resp_size : 0, s->deferred)) {
			gvw_log(GVW_WARN, "session %u: response to %s does not fit in %zu bytes",
				s->id, op_name(m.op), resp_cap);
			put_resp(resp, resp_cap, &used, &m, GV_ERESP, result, NULL, 0);
			break;
		}
		s->deferred = 0;
	}
	*resp_len = used;
	return used ? 0 : -1;
}
