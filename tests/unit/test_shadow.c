/* SPDX-License-Identifier: MIT */
/*
 * Host shadows of guest buffers for graphs' copies (host-worker/shadow.c),
 * against hostile requests: a shadow per guest range (the same range, the
 * same shadow), bytes written and read back unchanged, every handle and
 * range checked (wrong tag, past the table, offsets and lengths past the
 * shadow or overflowing), the session's host-byte limit, graphs' lists of
 * unknown executable graphs, and the copy node and captured-copy ops on an
 * executor without graphs (the CPU double): not supported, nothing run.
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
	unsigned char payload[sizeof(struct gv_graph_shadows_resp) + 64];
	int rc;
};

static struct reply call(uint32_t op, const void *p, uint32_t len, void *bulk, size_t blen,
			 uint32_t dir)
{
	static unsigned char msg[512], out[8192];
	struct gv_msg_hdr h = {.magic = GV_MSG_MAGIC,
			       .version = GV_PROTOCOL_VERSION,
			       .op = op,
			       .req_id = 7,
			       .payload_len = len,
			       .nbulk = bulk ? 1 : 0};
	struct gv_frame_piece iov = {bulk, blen};
	struct gvw_bulk b = {.iov = &iov, .niov = 1, .len = blen, .dir = dir};
	struct reply r;
	size_t got = 0;

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), p, len);
	memset(&r, 0, sizeof(r));
	r.rc = gvw_session_exec(s, msg, sizeof(h) + len, bulk ? &b : NULL, bulk ? 1 : 0, out,
				sizeof(out), &got);
	if (got >= sizeof(r.h)) {
		memcpy(&r.h, out, sizeof(r.h));
		if (got - sizeof(r.h) <= sizeof(r.payload))
			memcpy(r.payload, out + sizeof(r.h), got - sizeof(r.h));
	}
	return r;
}

static uint64_t get(uint64_t guest, uint64_t len, int32_t *result)
{
	struct gv_shadow_get_req q = {guest, len};
	struct reply r = call(GV_OP_SHADOW_GET, &q, sizeof(q), NULL, 0, 0);
	struct gv_handle_resp hr;

	memcpy(&hr, r.payload, sizeof(hr));
	*result = r.h.status == GV_OK ? r.h.result : -1;
	return hr.handle;
}

static int32_t io(uint32_t op, uint64_t h, uint64_t off, uint64_t len, void *buf, size_t blen,
		  uint32_t *ready)
{
	struct gv_shadow_io_req q = {h, off, len};
	struct reply r = call(op, &q, sizeof(q), buf, blen,
			      op == GV_OP_SHADOW_WRITE ? GV_BULK_TO_HOST : GV_BULK_FROM_HOST);
	struct gv_shadow_read_resp rr;

	memcpy(&rr, r.payload, sizeof(rr));
	if (ready)
		*ready = rr.ready;
	return r.h.status == GV_OK ? r.h.result : -1;
}

static void test_get_write_read(void)
{
	unsigned char in[3000], back[3000];
	uint64_t a, b, c;
	uint32_t ready = 7;
	int32_t e;
	size_t i;

	a = get(0x1000, sizeof(in), &e);
	EXPECT(e == 0 && (a & 0xffff000000000000ull) == GV_SHADOW_HANDLE_TAG, "a shadow: %d", e);
	b = get(0x1000, sizeof(in), &e);
	EXPECT(e == 0 && b == a, "the same range, the same shadow");
	c = get(0x1000, sizeof(in) - 1, &e);
	EXPECT(e == 0 && c != a, "another length, another shadow");

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 31 + 7);
	EXPECT(io(GV_OP_SHADOW_WRITE, a, 0, sizeof(in), in, sizeof(in), NULL) == 0, "written");
	memset(back, 0, sizeof(back));
	EXPECT(io(GV_OP_SHADOW_READ, a, 0, sizeof(back), back, sizeof(back), &ready) == 0 &&
		   ready == 1,
	       "read back: ready %u", ready);
	EXPECT(!memcmp(in, back, sizeof(in)), "the same bytes");
	memset(back, 0, sizeof(back));
	EXPECT(io(GV_OP_SHADOW_READ, a, 1000, 500, back, 500, &ready) == 0 &&
		   !memcmp(back, in + 1000, 500),
	       "a piece from an offset");
	/* A fresh shadow holds zeros, not another's bytes. */
	memset(back, 0xff, sizeof(back));
	EXPECT(io(GV_OP_SHADOW_READ, c, 0, 100, back, 100, &ready) == 0 && back[0] == 0 &&
		   back[99] == 0,
	       "a fresh shadow is zeroed");
}

static void test_hostile(void)
{
	unsigned char buf[64];
	uint64_t a;
	int32_t e;

	a = get(0x2000, 64, &e);
	EXPECT(e == 0, "a shadow of 64 bytes");
	get(0x3000, 0, &e);
	EXPECT(e == cudaErrorInvalidValue, "no shadow of 0 bytes: %d", e);
	get(0x3000, 1ull << 41, &e);
	EXPECT(e == cudaErrorInvalidValue, "no shadow of 2 TiB: %d", e);
	EXPECT(io(GV_OP_SHADOW_WRITE, a, 1, 64, buf, 64, NULL) == cudaErrorInvalidValue,
	       "a write past the end");
	EXPECT(io(GV_OP_SHADOW_WRITE, a, 65, 0, buf, 0, NULL) == cudaErrorInvalidValue,
	       "an offset past the end");
	EXPECT(io(GV_OP_SHADOW_WRITE, a, UINT64_MAX, 2, buf, 2, NULL) == cudaErrorInvalidValue,
	       "an overflowing offset");
	EXPECT(io(GV_OP_SHADOW_WRITE, a, 0, 32, buf, 16, NULL) == cudaErrorInvalidValue,
	       "a bulk buffer shorter than the length");
	EXPECT(io(GV_OP_SHADOW_READ, a, 0, 16, buf, 32, NULL) == cudaErrorInvalidValue,
	       "a bulk buffer longer than the length");
	EXPECT(io(GV_OP_SHADOW_WRITE, a ^ (1ull << 60), 0, 8, buf, 8, NULL) ==
		   cudaErrorInvalidValue,
	       "a handle with another tag");
	EXPECT(io(GV_OP_SHADOW_WRITE, GV_SHADOW_HANDLE_TAG + 5000, 0, 8, buf, 8, NULL) ==
		   cudaErrorInvalidValue,
	       "a handle past the table");
	EXPECT(io(GV_OP_SHADOW_WRITE, GV_SHADOW_HANDLE_TAG, 0, 8, buf, 8, NULL) ==
		   cudaErrorInvalidValue,
	       "handle 0 of the tag");
	EXPECT(io(GV_OP_SHADOW_READ, a, 0, 8, NULL, 0, NULL) == -1 ||
		   io(GV_OP_SHADOW_READ, a, 0, 8, NULL, 0, NULL) == cudaErrorInvalidValue,
	       "a read with no bulk buffer");
}

static void test_limits(void)
{
	int32_t e = 0;
	int i;

	/* 1 MiB of host bytes for the session (main): 2 x 400 KiB fit, a third does not. */
	get(0x10000000, 400 << 10, &e);
	EXPECT(e == 0, "400 KiB: %d", e);
	get(0x20000000, 400 << 10, &e);
	EXPECT(e == 0, "400 KiB more: %d", e);
	get(0x30000000, 400 << 10, &e);
	EXPECT(e == cudaErrorMemoryAllocation, "past the host-byte limit: %d", e);
	for (i = 0; i < 1100 && e != cudaErrorMemoryAllocation; i++)
		get(0x40000000 + 4096ull * i, 1, &e);
	EXPECT(e == cudaErrorMemoryAllocation && i < 1100, "a bounded count of shadows (%d)", i);
}

static void test_graph_ops(void)
{
	struct gv_handle_req hq = {12345};
	struct gv_memcpy_node_req nq = {.op = GV_MEMCPY_NODE_ADD, .graph = 1};
	struct gv_memcpy3d_req cq = {.width = 8, .rows = 1, .depth = 1};
	struct reply r;

	r = call(GV_OP_GRAPH_SHADOWS, &hq, sizeof(hq), NULL, 0, 0);
	EXPECT(r.h.status == GV_OK && r.h.result != 0, "the list of no graph: %d", r.h.result);
	r = call(GV_OP_MEMCPY_NODE, &nq, sizeof(nq), NULL, 0, 0);
	EXPECT(r.h.status == GV_OK && r.h.result == 801 /* CUDA_ERROR_NOT_SUPPORTED */,
	       "a copy node without the driver's graphs: %d", r.h.result);
	nq.op = 99;
	r = call(GV_OP_MEMCPY_NODE, &nq, sizeof(nq), NULL, 0, 0);
	EXPECT(r.h.status == GV_OK && r.h.result != 0, "an unknown node op: %d", r.h.result);
	cq.src = (struct gv_copy_side){
	    .kind = GV_COPY_SHADOW, .addr = GV_SHADOW_HANDLE_TAG + 1, .pitch = 8, .height = 1};
	cq.dst =
	    (struct gv_copy_side){.kind = GV_COPY_DEVICE, .addr = 0x1000, .pitch = 8, .height = 1};
	r = call(GV_OP_MEMCPY_3D, &cq, sizeof(cq), NULL, 0, 0);
	EXPECT(r.h.status == GV_OK && r.h.result != 0, "a shadow copy on the CPU double: %d",
	       r.h.result);
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
	s = gvw_session_open(w, 1);
	test_get_write_read();
	test_hostile();
	test_graph_ops();
	gvw_session_close(s);
	gvw_worker_destroy(w);

	cfg.limits.max_host_bytes = 1 << 20;
	if (gvw_worker_create(&cfg, &w, err, sizeof(err))) {
		printf("worker: %s\n", err);
		return 1;
	}
	s = gvw_session_open(w, 2);
	test_limits();
	gvw_session_close(s);
	gvw_worker_destroy(w);
	return unit_summary("test_shadow");
}
