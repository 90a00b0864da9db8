/* SPDX-License-Identifier: MIT */
#include "fuzz_worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

/* Each op's response payload size, as calls.def defines it. */
static const uint32_t resp_size[GV_OP_LIMIT] = {
#define GV_OP(name, num, req, resp, nb, tail) [num] = sizeof(struct resp),
#include "calls.def"
#undef GV_OP
};
static const unsigned char known_op[GV_OP_LIMIT] = {
#define GV_OP(name, num, req, resp, nb, tail) [num] = 1,
#include "calls.def"
#undef GV_OP
};

static void die(const char *what)
{
	fprintf(stderr, "fuzz harness: %s\n", what);
	abort();
}

static int call(struct gvw_session *s, uint32_t op, const void *q, uint32_t qlen, void *r,
		uint32_t rlen)
{
	unsigned char msg[sizeof(struct gv_msg_hdr) + 64], resp[256];
	struct gv_msg_hdr h = {
	    .magic = GV_MSG_MAGIC, .version = GV_PROTOCOL_VERSION, .op = op, .payload_len = qlen};
	struct gv_resp_hdr rh;
	size_t n = 0;

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), q, qlen);
	if (gvw_session_exec(s, msg, sizeof(h) + qlen, NULL, 0, resp, sizeof(resp), &n) ||
	    n != sizeof(rh) + rlen)
		die("callback session: no response of the expected size");
	memcpy(&rh, resp, sizeof(rh));
	memcpy(r, resp + sizeof(rh), rlen);
	return rh.status == GV_OK ? rh.result : -1;
}

/*
 * The guest library's callback thread: waits for reached gates of the
 * fuzzed session and releases them, with the key that fz_worker_start
 * got from a HOST_FUNC_ENQUEUE, as the guest library does.
 */
static void *callbacks(void *arg)
{
	struct fz_worker *f = arg;
	struct gvw_session *s = f->cb_session;
	uint64_t key = f->gate_key;

	while (!atomic_load(&f->stop)) {
		struct gv_gate_wait_req wq = {.key = key, .owner = FZ_SESSION_ID, .timeout_ms = 2};
		struct gv_gate_wait_resp wr;

		if (call(s, GV_OP_HOST_FUNC_WAIT, &wq, sizeof(wq), &wr, sizeof(wr)) == 0 &&
		    wr.token) {
			struct gv_gate_release_req rq = {
			    .key = key, .token = wr.token, .owner = FZ_SESSION_ID};
			struct gv_empty e;

			call(s, GV_OP_HOST_FUNC_RELEASE, &rq, sizeof(rq), &e, 0);
		}
	}
	return NULL;
}

void fz_worker_start(struct fz_worker *f, int with_callbacks)
{
	struct gvw_config cfg = {
	    .executor = GVW_EXEC_CPU_REFERENCE,
	    .max_sessions = 2,
	    .cpu_reference_devices = 2, /* so that peer ops have a peer */
	    .label = "fuzz",
	    .worker_path = NULL, /* sessions in this process */
	    /* Bounded, so that a fuzzed cudaMalloc cannot take the fuzzer's RSS. */
	    .limits = {.max_device_bytes = 64u << 20},
	};
	char err[256];

	memset(f, 0, sizeof(*f));
	if (gvw_worker_create(&cfg, &f->w, err, sizeof(err)))
		die(err);
	f->s = gvw_session_open(f->w, FZ_SESSION_ID);
	if (!f->s)
		die("cannot open the session");
	if (with_callbacks) {
		struct gv_host_func_req q = {.stream = GV_STREAM_DEFAULT, .fn = 1};
		struct gv_gate_resp r;

		/* Its gate is the callback thread's first to release. */
		if (call(f->s, GV_OP_HOST_FUNC_ENQUEUE, &q, sizeof(q), &r, sizeof(r)))
			die("HOST_FUNC_ENQUEUE on the default stream failed");
		f->gate_key = r.key;
		f->cb_session = gvw_session_open(f->w, FZ_CALLBACK_ID);
		if (!f->cb_session)
			die("cannot open the callback session");
		if (pthread_create(&f->cb, NULL, callbacks, f))
			die("cannot start the callback thread");
		f->cb_running = 1;
	}
}

void fz_worker_stop(struct fz_worker *f)
{
	if (f->cb_running) {
		atomic_store(&f->stop, 1);
		pthread_join(f->cb, NULL);
		gvw_session_close(f->cb_session);
	}
	gvw_session_close(f->s);
	gvw_worker_destroy(f->w);
	memset(f, 0, sizeof(*f));
}

void fz_check_responses(const unsigned char *resp, size_t len, size_t cap, int rc)
{
	size_t off = 0;

	if (len > cap)
		die("response longer than the room given");
	if ((rc == 0) != (len > 0))
		die("return value disagrees with the response length");
	while (off < len) {
		struct gv_resp_hdr h;

		if (len - off < sizeof(h))
			die("response cut inside a header");
		memcpy(&h, resp + off, sizeof(h));
		off += sizeof(h);
		if (h.magic != GV_RESP_MAGIC || h.version != GV_PROTOCOL_VERSION ||
		    h.status > GV_ERESP)
			die("response header malformed");
		if (h.payload_len > len - off)
			die("response payload past the end");
		if (h.status != GV_OK && h.payload_len)
			die("payload on an error response");
		if (h.status == GV_OK &&
		    (h.op >= GV_OP_LIMIT || !known_op[h.op] || h.payload_len != resp_size[h.op]))
			die("GV_OK response payload is not its op's response size");
		off += h.payload_len;
	}
}

int fz_has_op(const unsigned char *msg, size_t len, uint32_t op)
{
	size_t off = 0;

	while (len - off >= sizeof(struct gv_msg_hdr)) {
		struct gv_msg_hdr h;

		memcpy(&h, msg + off, sizeof(h));
		if (h.op == op)
			return 1;
		if (h.payload_len > len - off - sizeof(h))
			return 0;
		off += sizeof(h) + h.payload_len;
	}
	return 0;
}
