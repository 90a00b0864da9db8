/* SPDX-License-Identifier: MIT */
/*
 * Per-session limits (struct gvw_limits) through the worker's public entry
 * point: a worker with small limits, sessions that run into each one, and
 * the error the CUDA runtime gives for it (cudaErrorMemoryAllocation).
 * Also: a repeated FUNCTION_GET returns the same handle and holds nothing
 * more; handles freed are reused but stale values stay refused; a gate
 * key or token of another session is refused; error replies carry zeros.
 *
 * Usage: test_quotas [fatbin], by default build/tests/fatbin_kernels.fatbin
 */
#include <stdlib.h>
#include <string.h>

#include <driver_types.h>

#include "gvirtus_worker.h"
#include "protocol.h"
#include "unit.h"

#define DEFAULT_FATBIN "build/tests/fatbin_kernels.fatbin"

static unsigned char *fatbin;
static size_t fatbin_len;

struct reply {
	struct gv_resp_hdr h;
	unsigned char payload[sizeof(struct gv_function_resp)];
};

static struct reply call(struct gvw_session *s, uint32_t op, const void *p, uint32_t len,
			 const void *tail, uint32_t tail_len, const struct gvw_bulk *b)
{
	static unsigned char msg[8192], out[16384];
	struct gv_msg_hdr h = {.magic = GV_MSG_MAGIC,
			       .version = GV_PROTOCOL_VERSION,
			       .op = op,
			       .req_id = 1,
			       .payload_len = len + tail_len,
			       .nbulk = b ? 1 : 0};
	struct reply r;
	size_t n = 0;

	memcpy(msg, &h, sizeof(h));
	if (len)
		memcpy(msg + sizeof(h), p, len);
	if (tail_len)
		memcpy(msg + sizeof(h) + len, tail, tail_len);
	memset(&r, 0xee, sizeof(r));
	memset(out, 0xee, sizeof(out));
	gvw_session_exec(s, msg, sizeof(h) + len + tail_len, b, b ? 1 : 0, out, sizeof(out), &n);
	memcpy(&r.h, out, sizeof(r.h));
	if (n > sizeof(r.h))
		memcpy(r.payload, out + sizeof(r.h),
		       n - sizeof(r.h) < sizeof(r.payload) ? n - sizeof(r.h) : sizeof(r.payload));
	return r;
}

static int module_load(struct gvw_session *s, const void *image, size_t len, uint64_t *h)
{
	struct gv_module_load_req q = {.size = len};
	struct gv_frame_piece iov = {(void *)image, len};
	struct gvw_bulk b = {.iov = &iov, .niov = 1, .len = len, .dir = GV_BULK_TO_HOST};
	struct reply r = call(s, GV_OP_MODULE_LOAD, &q, sizeof(q), NULL, 0, &b);

	if (h)
		memcpy(h, r.payload, sizeof(*h));
	return r.h.result;
}

static int function_get(struct gvw_session *s, uint64_t module, const char *name,
			struct gv_function_resp *out)
{
	struct gv_name_req q = {.module = module, .name_len = (uint32_t)strlen(name)};
	struct reply r = call(s, GV_OP_FUNCTION_GET, &q, sizeof(q), name, q.name_len, NULL);

	if (out)
		memcpy(out, r.payload, sizeof(*out));
	return r.h.result;
}

static int stream_create(struct gvw_session *s, uint64_t *h)
{
	struct gv_stream_create_req q = {0};
	struct reply r = call(s, GV_OP_STREAM_CREATE, &q, sizeof(q), NULL, 0, NULL);

	memcpy(h, r.payload, sizeof(*h));
	return r.h.result;
}

static int handle_op(struct gvw_session *s, uint32_t op, uint64_t h)
{
	struct gv_handle_req q = {h};

	return call(s, op, &q, sizeof(q), NULL, 0, NULL).h.result;
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++)
			return 0;
	return 1;
}

/* max_handles 8: modules, functions and streams share them. */
static void test_handles(struct gvw_session *s)
{
	struct gv_function_resp f1, f2, bad;
	uint64_t mod = 0, st[8], h;
	int i, n, e;

	EXPECT(module_load(s, fatbin, fatbin_len, &mod) == cudaSuccess, "module");
	EXPECT(function_get(s, mod, "_Z6k_charc", &f1) == cudaSuccess, "k_char");
	EXPECT(f1.nparams == 1 && f1.params[0].size == 1, "k_char: one char parameter");
	/* An error reply after a full one: its payload is zeros, not the last call's. */
	memset(&bad, 0xee, sizeof(bad));
	e = function_get(s, mod, "no_such_kernel", &bad);
	EXPECT(e == cudaErrorInvalidDeviceFunction, "unknown kernel: %d", e);
	EXPECT(all_zero(&bad, sizeof(bad)), "error reply's payload is zero-filled");
	for (i = 0, n = 0; i < 100000; i++) {
		e = function_get(s, mod, "_Z6k_charc", &f2);
		n += e == cudaSuccess && f2.function == f1.function;
	}
	EXPECT(n == 100000, "100000 lookups of one name: the same handle (%d)", n);
	EXPECT(function_get(s, mod, "_Z2k1cdPi", &f2) == cudaSuccess &&
		   f2.function != f1.function && f2.nparams == 3,
	       "second kernel");
	/* 3 handles so far: 5 streams fit, the 6th does not. */
	for (n = 0; n < 8; n++)
		if (stream_create(s, &st[n]) != cudaSuccess)
			break;
	EXPECT(n == 5, "streams within max_handles 8: %d", n);
	EXPECT(stream_create(s, &h) == cudaErrorMemoryAllocation, "9th handle refused");
	e = call(s, GV_OP_EVENT_CREATE, &(struct gv_event_create_req){0}, 8, NULL, 0, NULL)
		.h.result;
	EXPECT(e == cudaErrorMemoryAllocation, "event past the limit: %d", e);
	EXPECT(function_get(s, mod, "_Z6k_nonev", NULL) == cudaErrorMemoryAllocation,
	       "new kernel past the limit");
	EXPECT(function_get(s, mod, "_Z6k_charc", &f2) == cudaSuccess && f2.function == f1.function,
	       "known kernel still found at the limit");
	/* One freed: its slot is reused under a new value; the old one stays dead. */
	EXPECT(handle_op(s, GV_OP_STREAM_DESTROY, st[2]) == cudaSuccess, "destroy");
	EXPECT(stream_create(s, &h) == cudaSuccess && h != st[2], "slot reused, new value");
	EXPECT(handle_op(s, GV_OP_STREAM_QUERY, st[2]) == cudaErrorInvalidResourceHandle,
	       "stale stream refused");
	EXPECT(handle_op(s, GV_OP_STREAM_QUERY, h) == cudaSuccess, "new stream works");
	/* A device reset frees them all. */
	EXPECT(call(s, GV_OP_DEVICE_RESET, NULL, 0, NULL, 0, NULL).h.result == cudaSuccess,
	       "reset");
	for (n = 0; n < 8; n++)
		if (stream_create(s, &st[n]) != cudaSuccess)
			break;
	EXPECT(n == 8, "after a reset, 8 streams: %d", n);
}

/* max_module_bytes: two copies of the fatbin and a little more. */
static void test_modules(struct gvw_session *s)
{
	unsigned char *bad = malloc(fatbin_len);
	static const char ptx[] = ".version 8.8\n.target sm_90\n.address_size 64\n";
	uint64_t size;
	int e, i;

	memcpy(bad, fatbin, fatbin_len);
	e = module_load(s, fatbin, fatbin_len / 2, NULL);
	EXPECT(e == cudaErrorInvalidKernelImage, "truncated fatbin: %d", e);
	/* The header's payload size, one past what is sent. */
	for (i = 0, size = 0; i < 8; i++)
		size |= (uint64_t)bad[8 + i] << (8 * i);
	size++;
	for (i = 0; i < 8; i++)
		bad[8 + i] = (unsigned char)(size >> (8 * i));
	e = module_load(s, bad, fatbin_len, NULL);
	EXPECT(e == cudaErrorInvalidKernelImage, "fatbin claiming more: %d", e);
	e = module_load(s, fatbin + 0, 16, NULL);
	EXPECT(e == cudaErrorInvalidKernelImage, "fatbin header alone: %d", e);
	/* PTX without a NUL gets one (the host terminates every image), and loads. */
	{
		uint64_t h = 0;
		struct gv_handle_req uq;

		e = module_load(s, ptx, sizeof(ptx) - 1, &h);
		EXPECT(e == cudaSuccess && h, "PTX without its NUL loads: %d", e);
		uq.handle = h;
		EXPECT(call(s, GV_OP_MODULE_UNLOAD, &uq, sizeof(uq), NULL, 0, NULL).h.result ==
			   cudaSuccess,
		       "and unloads, giving its bytes back");
	}
	free(bad);
	EXPECT(module_load(s, fatbin, fatbin_len, NULL) == cudaSuccess, "module 1");
	EXPECT(module_load(s, fatbin, fatbin_len, NULL) == cudaSuccess, "module 2");
	e = module_load(s, fatbin, fatbin_len, NULL);
	EXPECT(e == cudaErrorMemoryAllocation, "module 3 past max_module_bytes: %d", e);
	EXPECT(call(s, GV_OP_DEVICE_RESET, NULL, 0, NULL, 0, NULL).h.result == cudaSuccess,
	       "reset");
	EXPECT(module_load(s, fatbin, fatbin_len, NULL) == cudaSuccess, "module after reset");
}

static int do_malloc(struct gvw_session *s, uint64_t size, uint64_t *ptr)
{
	struct gv_malloc_req q = {size};
	struct reply r = call(s, GV_OP_MALLOC, &q, sizeof(q), NULL, 0, NULL);

	memcpy(ptr, r.payload, sizeof(*ptr));
	return r.h.result;
}

/* max_device_bytes 1 MiB. */
static void test_device(struct gvw_session *s)
{
	uint64_t a, b, c;
	struct gv_malloc_pitch_req pq = {1024, 1024};

	EXPECT(do_malloc(s, 512 << 10, &a) == cudaSuccess, "512 KiB");
	EXPECT(do_malloc(s, 512 << 10, &b) == cudaSuccess, "512 KiB more");
	EXPECT(do_malloc(s, 1, &c) == cudaErrorMemoryAllocation, "1 byte past 1 MiB");
	EXPECT(call(s, GV_OP_MALLOC_PITCH, &pq, sizeof(pq), NULL, 0, NULL).h.result ==
		   cudaErrorMemoryAllocation,
	       "pitched past the limit");
	EXPECT(do_malloc(s, UINT64_MAX, &c) == cudaErrorMemoryAllocation, "2^64-1 bytes");
	EXPECT(handle_op(s, GV_OP_FREE, a) == cudaSuccess, "free");
	EXPECT(do_malloc(s, 256 << 10, &c) == cudaSuccess, "room again after a free");
	EXPECT(do_malloc(s, 256 << 10, &a) == cudaSuccess, "all of it");
	EXPECT(do_malloc(s, 1, &a) == cudaErrorMemoryAllocation, "and no more");
}

static struct gv_gate_resp enqueue(struct gvw_session *s, int *e)
{
	struct gv_host_func_req q = {.stream = GV_STREAM_DEFAULT, .fn = 1};
	struct reply r = call(s, GV_OP_HOST_FUNC_ENQUEUE, &q, sizeof(q), NULL, 0, NULL);
	struct gv_gate_resp g;

	memcpy(&g, r.payload, sizeof(g));
	*e = r.h.result;
	return g;
}

static uint64_t wait_gate(struct gvw_session *s, uint32_t owner, uint64_t key, int *e)
{
	struct gv_gate_wait_req q = {key, owner, 100};
	struct reply r = call(s, GV_OP_HOST_FUNC_WAIT, &q, sizeof(q), NULL, 0, NULL);
	uint64_t t;

	memcpy(&t, r.payload, sizeof(t));
	*e = r.h.result;
	return t;
}

static int release_gate(struct gvw_session *s, uint32_t owner, uint64_t key, uint64_t token)
{
	struct gv_gate_release_req q = {key, token, owner, 0};

	return call(s, GV_OP_HOST_FUNC_RELEASE, &q, sizeof(q), NULL, 0, NULL).h.result;
}

/* max_gates 4, and keys that speak for one session only. */
static void test_gates(struct gvw_session *a, struct gvw_session *b, struct gvw_session *cb)
{
	struct gv_gate_resp g[4], gb;
	uint64_t t;
	int i, e, ok = 0;

	for (i = 0; i < 4; i++) {
		g[i] = enqueue(a, &e);
		ok += e == cudaSuccess;
	}
	EXPECT(ok == 4, "4 gates within max_gates 4: %d", ok);
	enqueue(a, &e);
	EXPECT(e == cudaErrorMemoryAllocation, "5th gate refused: %d", e);
	gb = enqueue(b, &e);
	EXPECT(e == cudaSuccess, "another session's gate unaffected: %d", e);
	EXPECT(gb.key != g[0].key, "sessions get different keys");

	/* Forged keys and another owner's token are refused. */
	wait_gate(cb, g[0].owner, g[0].key ^ 1, &e);
	EXPECT(e == cudaErrorInvalidValue, "wait with a forged key: %d", e);
	wait_gate(cb, g[0].owner, gb.key, &e);
	EXPECT(e == cudaErrorInvalidValue, "wait with another session's key: %d", e);
	t = wait_gate(cb, g[0].owner, g[0].key, &e);
	EXPECT(e == cudaSuccess && t == g[0].token, "oldest gate taken: %d %llu", e,
	       (unsigned long long)t);
	EXPECT(release_gate(cb, gb.owner, gb.key, t) == cudaErrorInvalidResourceHandle,
	       "a's token released as b's: refused");
	EXPECT(release_gate(cb, g[0].owner, g[0].key ^ (1ull << 63), t) == cudaErrorInvalidValue,
	       "release with a forged key");
	EXPECT(release_gate(cb, g[0].owner, g[0].key, t) == cudaSuccess, "release");
	EXPECT(release_gate(cb, g[0].owner, g[0].key, t) == cudaErrorInvalidResourceHandle,
	       "release twice");
	enqueue(a, &e);
	EXPECT(e == cudaSuccess, "room for one gate again: %d", e);
	enqueue(a, &e);
	EXPECT(e == cudaErrorMemoryAllocation, "and no more: %d", e);
	/* Taken in order of arrival. */
	t = wait_gate(cb, g[0].owner, g[0].key, &e);
	EXPECT(e == cudaSuccess && t == g[1].token, "next gate: %llu", (unsigned long long)t);
	EXPECT(release_gate(cb, g[0].owner, g[0].key, t) == cudaSuccess, "release next");
}

/* max_host_bytes below one module image. */
static void test_host_bytes(struct gvw_session *s)
{
	uint64_t h;
	int i, n, e;

	e = module_load(s, fatbin, fatbin_len, NULL);
	EXPECT(e == cudaErrorMemoryAllocation, "module past max_host_bytes: %d", e);
	/* Handles use no charged bytes until the table grows past its first 64. */
	for (i = 0, n = 0; i < 10000; i++) {
		if (stream_create(s, &h) != cudaSuccess)
			break;
		n++;
	}
	EXPECT(n >= 64 && n < 10000, "streams until the table's growth hits the limit: %d", n);
}

static struct gvw_worker *make_worker(struct gvw_limits lim)
{
	struct gvw_config cfg = {.executor = GVW_EXEC_CPU_REFERENCE,
				 .max_sessions = 8,
				 .cpu_reference_devices = 1,
				 .label = "test",
				 .limits = lim};
	struct gvw_worker *w = NULL;
	char err[256];

	if (gvw_worker_create(&cfg, &w, err, sizeof(err)))
		printf("worker: %s\n", err);
	return w;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : DEFAULT_FATBIN;
	FILE *fp = fopen(path, "rb");
	struct gvw_worker *w;
	struct gvw_session *s[5];
	long n;
	int i;

	if (!fp) {
		printf("FAIL cannot open %s (make unit-test builds it)\n", path);
		return 1;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	fatbin = malloc((size_t)n);
	fatbin_len = fread(fatbin, 1, (size_t)n, fp);
	fclose(fp);

	w = make_worker((struct gvw_limits){.max_handles = 8,
					    .max_gates = 4,
					    .max_module_bytes = 2 * fatbin_len + 100,
					    .max_device_bytes = 1 << 20});
	if (!w)
		return 1;
	for (i = 0; i < 5; i++)
		s[i] = gvw_session_open(w, 100 + i);
	test_handles(s[0]);
	test_modules(s[1]);
	test_device(s[2]);
	test_gates(s[3], s[4], s[0]);
	for (i = 0; i < 5; i++)
		gvw_session_close(s[i]);
	gvw_worker_destroy(w);

	w = make_worker((struct gvw_limits){.max_host_bytes = 16384});
	if (!w)
		return 1;
	s[0] = gvw_session_open(w, 1);
	test_host_bytes(s[0]);
	gvw_session_close(s[0]);
	gvw_worker_destroy(w);
	free(fatbin);
	return unit_summary("test_quotas");
}
