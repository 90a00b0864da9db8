/* SPDX-License-Identifier: MIT */
/*
 * The host worker's protocol decoding against hostile input: truncated and
 * oversized messages, unknown ops, wrong magic and version, payload and
 * bulk sizes that disagree with the op, device addresses outside the
 * session's allocations, overflowing 2D geometry.  Expected values come
 * from the protocol's definition, not from the code under test.
 */
#include <stdlib.h>
#include <string.h>

#include <driver_types.h>

#include "gvirtus_worker.h"
#include "protocol.h"
#include "unit.h"

static struct gvw_worker *w;
static struct gvw_session *s;

struct reply {
	struct gv_resp_hdr h;
	unsigned char payload[2048];
	size_t len;
	int rc;
};

static size_t put_msg(unsigned char *buf, uint32_t op, const void *payload, uint32_t len,
		      uint32_t nbulk)
{
	struct gv_msg_hdr h = {.magic = GV_MSG_MAGIC,
			       .version = GV_PROTOCOL_VERSION,
			       .op = op,
			       .req_id = 42,
			       .payload_len = len,
			       .nbulk = nbulk};

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

static struct reply exec(const void *msg, size_t len, const struct gvw_bulk *b, unsigned int nb,
			 size_t cap)
{
	static unsigned char out[8192];
	struct reply r;

	memset(&r, 0, sizeof(r));
	r.rc = gvw_session_exec(s, msg, len, b, nb, out, cap, &r.len);
	if (r.len >= sizeof(r.h)) {
		memcpy(&r.h, out, sizeof(r.h));
		if (r.len - sizeof(r.h) <= sizeof(r.payload))
			memcpy(r.payload, out + sizeof(r.h), r.len - sizeof(r.h));
	}
	return r;
}

static struct reply call(uint32_t op, const void *p, uint32_t len, const struct gvw_bulk *b,
			 unsigned int nb)
{
	unsigned char buf[512];

	return exec(buf, put_msg(buf, op, p, len, nb), b, nb, 8192);
}

static void test_framing_errors(void)
{
	unsigned char buf[512];
	struct gv_msg_hdr *h = (struct gv_msg_hdr *)buf;
	struct gv_malloc_req mq = {.size = 64};
	struct reply r;
	size_t n;

	r = exec(buf, 0, NULL, 0, 8192);
	EXPECT(r.h.status == GV_ELEN, "empty request: status %u", r.h.status);

	n = put_msg(buf, GV_OP_MALLOC, &mq, sizeof(mq), 0);
	r = exec(buf, 31, NULL, 0, 8192);
	EXPECT(r.h.status == GV_ELEN && r.h.magic == GV_RESP_MAGIC, "truncated header: status %u",
	       r.h.status);
	r = exec(buf, n - 1, NULL, 0, 8192);
	EXPECT(r.h.status == GV_ELEN, "truncated payload: status %u", r.h.status);

	h->payload_len = 0xfffffff0u;
	r = exec(buf, n, NULL, 0, 8192);
	EXPECT(r.h.status == GV_ELEN, "huge payload_len: status %u", r.h.status);

	put_msg(buf, GV_OP_MALLOC, &mq, sizeof(mq), 0);
	h->magic = 0xdeadbeef;
	r = exec(buf, n, NULL, 0, 8192);
	EXPECT(r.h.status == GV_EMAGIC, "bad magic: status %u", r.h.status);

	put_msg(buf, GV_OP_MALLOC, &mq, sizeof(mq), 0);
	h->version = GV_PROTOCOL_VERSION + 1;
	r = exec(buf, n, NULL, 0, 8192);
	EXPECT(r.h.status == GV_EVERSION && r.h.version == GV_PROTOCOL_VERSION,
	       "wrong version: status %u version %u", r.h.status, r.h.version);

	/* No op has this number: past cuDNN's generated calls, below its backend's. */
	r = call(9997, NULL, 0, NULL, 0);
	EXPECT(r.h.status == GV_EOP, "unknown op: status %u", r.h.status);
	r = call(0, NULL, 0, NULL, 0);
	EXPECT(r.h.status == GV_EOP, "op 0: status %u", r.h.status);
	r = call(GV_OP_LIMIT, NULL, 0, NULL, 0);
	EXPECT(r.h.status == GV_EOP, "op past the table: status %u", r.h.status);

	r = call(GV_OP_MALLOC, &mq, sizeof(mq) - 1, NULL, 0);
	EXPECT(r.h.status == GV_ELEN, "short payload: status %u", r.h.status);
	r = call(GV_OP_MALLOC, buf, sizeof(mq) + 1, NULL, 0);
	EXPECT(r.h.status == GV_ELEN, "long payload: status %u", r.h.status);

	/* a response that cannot fit the room the guest gave */
	n = put_msg(buf, GV_OP_DEVICE_INFO, NULL, 0, 0);
	r = exec(buf, n, NULL, 0, 100);
	EXPECT(r.h.status == GV_ERESP, "no room: status %u", r.h.status);
	r = exec(buf, n, NULL, 0, 10);
	EXPECT(r.rc == -1 && r.len == 0, "no room even for a header: rc %d", r.rc);
}

static void test_batch(void)
{
	unsigned char buf[512];
	struct gv_malloc_req mq = {.size = 4096};
	struct gv_msg_hdr *second;
	struct reply r;
	size_t n = 0, second_at;

	/* Three messages in one request; the middle one wants no reply. */
	n += put_msg(buf + n, GV_OP_MEM_GET_INFO, NULL, 0, 0);
	second_at = n;
	n += put_msg(buf + n, GV_OP_DEVICE_SYNCHRONIZE, NULL, 0, 0);
	second = (struct gv_msg_hdr *)(buf + second_at);
	second->flags = GV_MSG_F_NO_REPLY;
	n += put_msg(buf + n, GV_OP_MALLOC, &mq, sizeof(mq), 0);
	r = exec(buf, n, NULL, 0, 8192);
	EXPECT(r.len == 2 * sizeof(struct gv_resp_hdr) + sizeof(struct gv_mem_info_resp) +
			    sizeof(struct gv_ptr_resp),
	       "two replies for three messages: %zu bytes", r.len);
	EXPECT(r.h.op == GV_OP_MEM_GET_INFO && r.h.status == GV_OK, "first reply op %u", r.h.op);
}

static void test_bulk_checks(void)
{
	unsigned char host[8192];
	struct gv_frame_piece iov = {host, sizeof(host)};
	struct gvw_bulk to = {.iov = &iov, .niov = 1, .len = sizeof(host), .dir = GV_BULK_TO_HOST};
	struct gvw_bulk from = {
	    .iov = &iov, .niov = 1, .len = sizeof(host), .dir = GV_BULK_FROM_HOST};
	struct gv_malloc_req mq = {.size = 8192};
	struct gv_memcpy_req cq;
	struct gv_ptr_resp p;
	struct reply r;

	r = call(GV_OP_MALLOC, &mq, sizeof(mq), NULL, 0);
	EXPECT(r.h.status == GV_OK && r.h.result == cudaSuccess, "malloc %d", r.h.result);
	memcpy(&p, r.payload, sizeof(p));

	cq = (struct gv_memcpy_req){.dst = p.ptr, .src = 0, .size = 8192};
	r = call(GV_OP_MEMCPY_HTOD, &cq, sizeof(cq), NULL, 0);
	EXPECT(r.h.status == GV_ELEN, "HtoD without its bulk buffer: status %u", r.h.status);
	r = call(GV_OP_MEMCPY_HTOD, &cq, sizeof(cq), &to, 0);
	EXPECT(r.h.status == GV_ELEN, "nbulk 0 for HtoD: status %u", r.h.status);
	r = call(GV_OP_MEMCPY_HTOD, &cq, sizeof(cq), &from, 1);
	EXPECT(r.h.status == GV_OK && r.h.result == cudaErrorInvalidValue,
	       "HtoD with a FROM_HOST buffer: %d", r.h.result);
	cq.size = 4096;
	r = call(GV_OP_MEMCPY_HTOD, &cq, sizeof(cq), &to, 1);
	EXPECT(r.h.result == cudaErrorInvalidValue, "bulk longer than the copy: %d", r.h.result);
	cq.size = 8192;
	r = call(GV_OP_MEMCPY_HTOD, &cq, sizeof(cq), &to, 1);
	EXPECT(r.h.result == cudaSuccess, "valid HtoD: %d", r.h.result);

	/* Small copies with their bytes in the messages (no bulk buffer). */
	{
		static unsigned char out[8192];
		unsigned char want[64];
		struct gv_resp_hdr h;
		size_t n = 0, i;

		for (i = 0; i < sizeof(want); i++)
			want[i] = (unsigned char)(i * 7 + 1);
		cq = (struct gv_memcpy_req){.dst = p.ptr + 64, .size = sizeof(want)};
		{
			unsigned char buf[512];
			size_t len = put_msg(buf, GV_OP_MEMCPY_HTOD_INLINE, &cq, sizeof(cq), 0);

			memcpy(buf + len, want, sizeof(want));
			((struct gv_msg_hdr *)buf)->payload_len += sizeof(want);
			r = exec(buf, len + sizeof(want), NULL, 0, 8192);
		}
		EXPECT(r.h.status == GV_OK && r.h.result == cudaSuccess, "inline HtoD: %d",
		       r.h.result);
		cq = (struct gv_memcpy_req){.src = p.ptr + 64, .size = sizeof(want)};
		{
			unsigned char buf[512];

			gvw_session_exec(s, buf,
					 put_msg(buf, GV_OP_MEMCPY_DTOH_INLINE, &cq, sizeof(cq), 0),
					 NULL, 0, out, sizeof(out), &n);
		}
		memcpy(&h, out, sizeof(h));
		EXPECT(h.status == GV_OK && h.result == cudaSuccess &&
			   n == sizeof(h) + sizeof(struct gv_inline_copy_resp) &&
			   !memcmp(out + sizeof(h), want, sizeof(want)) &&
			   out[sizeof(h) + sizeof(want)] == 0,
		       "inline DtoH: the bytes, then zeros (%d, %zu bytes)", h.result, n);
		cq = (struct gv_memcpy_req){.src = p.ptr, .size = GV_INLINE_COPY_MAX + 1};
		r = call(GV_OP_MEMCPY_DTOH_INLINE, &cq, sizeof(cq), NULL, 0);
		EXPECT(r.h.result == cudaErrorInvalidValue, "inline DtoH past its room: %d",
		       r.h.result);
		cq = (struct gv_memcpy_req){.src = p.ptr + 8192 - 8, .size = 64};
		r = call(GV_OP_MEMCPY_DTOH_INLINE, &cq, sizeof(cq), NULL, 0);
		EXPECT(r.h.result == cudaErrorInvalidValue, "inline DtoH past the allocation: %d",
		       r.h.result);
		cq = (struct gv_memcpy_req){.dst = 1, .src = p.ptr, .size = 64};
		r = call(GV_OP_MEMCPY_DTOH_INLINE, &cq, sizeof(cq), NULL, 0);
		EXPECT(r.h.result == cudaErrorInvalidValue, "inline DtoH naming a destination: %d",
		       r.h.result);
	}

	/* device ranges: outside, straddling the end, wrapping around */
	cq = (struct gv_memcpy_req){.dst = p.ptr + 1, .src = 0, .size = 8192};
	r = call(GV_OP_MEMCPY_HTOD, &cq, sizeof(cq), &to, 1);
	EXPECT(r.h.result == cudaErrorInvalidValue, "straddles the end: %d", r.h.result);
	cq = (struct gv_memcpy_req){.dst = 0, .src = 0x1000, .size = 8192};
	r = call(GV_OP_MEMCPY_DTOH, &cq, sizeof(cq), &from, 1);
	EXPECT(r.h.result == cudaErrorInvalidValue, "unknown address: %d", r.h.result);
	cq = (struct gv_memcpy_req){.dst = p.ptr + 8, .src = p.ptr, .size = UINT64_MAX - 4};
	r = call(GV_OP_MEMCPY_DTOD, &cq, sizeof(cq), NULL, 0);
	EXPECT(r.h.result == cudaErrorInvalidValue, "wrapping length: %d", r.h.result);
	{
		struct gv_memset_req sq = {.dst = p.ptr + 4096, .size = 4097};

		r = call(GV_OP_MEMSET, &sq, sizeof(sq), NULL, 0);
		EXPECT(r.h.result == cudaErrorInvalidValue, "memset past the end: %d", r.h.result);
	}
	{
		struct gv_memcpy2d_req q2 = {.dst = p.ptr,
					     .dpitch = UINT64_MAX / 2,
					     .src = 0,
					     .spitch = UINT64_MAX / 2,
					     .width = 16,
					     .height = 5,
					     .kind = cudaMemcpyHostToDevice};

		r = call(GV_OP_MEMCPY_2D, &q2, sizeof(q2), &to, 1);
		EXPECT(r.h.result == cudaErrorInvalidValue, "2D span overflow: %d", r.h.result);
		q2 = (struct gv_memcpy2d_req){.dst = p.ptr,
					      .dpitch = 64,
					      .spitch = 64,
					      .width = 65,
					      .height = 2,
					      .kind = cudaMemcpyHostToDevice};
		r = call(GV_OP_MEMCPY_2D, &q2, sizeof(q2), &to, 1);
		EXPECT(r.h.result == cudaErrorInvalidPitchValue, "width > pitch: %d", r.h.result);
	}
	{
		struct gv_ptr_req fq = {p.ptr + 1};

		r = call(GV_OP_FREE, &fq, sizeof(fq), NULL, 0);
		EXPECT(r.h.result == cudaErrorInvalidValue, "free interior: %d", r.h.result);
		fq.ptr = p.ptr;
		r = call(GV_OP_FREE, &fq, sizeof(fq), NULL, 0);
		EXPECT(r.h.result == cudaSuccess, "free: %d", r.h.result);
		r = call(GV_OP_FREE, &fq, sizeof(fq), NULL, 0);
		EXPECT(r.h.result == cudaErrorInvalidValue, "double free: %d", r.h.result);
	}
}

static void test_devices_and_sessions(void)
{
	unsigned char buf[512];
	struct gv_msg_hdr *h = (struct gv_msg_hdr *)buf;
	struct gvw_session *other;
	size_t n;
	struct reply r;

	n = put_msg(buf, GV_OP_MEM_GET_INFO, NULL, 0, 0);
	h->device = 1; /* the worker shows one device */
	r = exec(buf, n, NULL, 0, 8192);
	EXPECT(r.h.result == cudaErrorInvalidDevice, "device 1 of 1: %d", r.h.result);
	h->device = 0xffffffffu;
	r = exec(buf, n, NULL, 0, 8192);
	EXPECT(r.h.result == cudaErrorInvalidDevice, "device -1: %d", r.h.result);

	EXPECT(gvw_session_open(w, gvw_session_id(s)) == NULL, "duplicate session id");
	other = gvw_session_open(w, 77);
	EXPECT(other != NULL, "second session");
	/* max_sessions is 2 here */
	EXPECT(gvw_session_open(w, 78) == NULL, "third session over the limit");
	if (other)
		gvw_session_close(other);
}

int main(void)
{
	struct gvw_config cfg = {.executor = GVW_EXEC_CPU_REFERENCE,
				 .max_sessions = 2,
				 .cpu_reference_devices = 1,
				 .label = "test"};
	char err[256];

	if (gvw_worker_create(&cfg, &w, err, sizeof(err))) {
		printf("worker: %s\n", err);
		return 1;
	}
	cfg.max_sessions = 0;
	EXPECT(gvw_worker_create(&cfg, &(struct gvw_worker *){NULL}, err, sizeof(err)) == -1 &&
		   strstr(err, "max-sessions"),
	       "max-sessions 0 refused: %s", err);
	s = gvw_session_open(w, 5);
	test_framing_errors();
	test_batch();
	test_bulk_checks();
	test_devices_and_sessions();
	gvw_worker_destroy(w);
	return unit_summary("test_protocol");
}
