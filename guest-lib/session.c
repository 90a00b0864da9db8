/* SPDX-License-Identifier: MIT */
/*
 * The process's session with the host: opened at the first call that
 * needs it, greeted once (protocol version, driver version, device count),
 * then used by every thread.  gv_rpc encodes one message, sends it and
 * checks the response against what the op declares.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "gvrt.h"
#include "virtio_gvirtus.h"

static struct gv_session_info info;
static pthread_once_t session_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t next_req_id = 1;
_Thread_local int gv_driver_call;

static cudaError_t transport_error(int err, uint32_t op)
{
	gv_log(GV_LOG_ERROR, "op %u: transport failed: %s", op, strerror(-err));
	switch (-err) {
	case ENODEV:
		return cudaErrorDevicesUnavailable;
	case ENOMEM:
		return cudaErrorMemoryAllocation;
	default:
		return cudaErrorUnknown;
	}
}

/* Every response payload, to size the receive buffer. */
union gv_any_resp {
#define GV_OP(name, num, req, resp, nb, tail) struct resp name;
#include "calls.def"
#undef GV_OP
};

/* The longest request struct gv_rpc_on sends; its tail may add GV_MAX_ARGS. */
#define GVRT_MAX_REQ 1024

/* Per thread, so threads call concurrently without locks. */
static _Thread_local _Alignas(
    16) unsigned char msg[sizeof(struct gv_msg_hdr) + GVRT_MAX_REQ + GV_MAX_ARGS];
static _Thread_local _Alignas(
    16) unsigned char in[sizeof(struct gv_resp_hdr) + sizeof(union gv_any_resp)];

/* Every op's longest tail fits msg... */
#define GV_OP(name, num, req, resp, nb, tail)                                                      \
	_Static_assert((tail) <= GV_MAX_ARGS, #name "'s tail fits msg");
#include "calls.def"
#undef GV_OP
/* ...and msg and every response fit a message of either transport. */
_Static_assert(sizeof(msg) <= GV_FRAME_MAX_MSG && sizeof(msg) <= GV_VQ_MAX_MSG,
	       "a whole request fits a TCP frame and a virtqueue message");
_Static_assert(sizeof(in) <= GV_FRAME_MAX_MSG && sizeof(in) <= GV_VQ_MAX_MSG,
	       "every response fits a TCP frame and a virtqueue message");

/*
 * Asynchronous calls (the async call class: launches for now) wait here,
 * in program order across threads, as messages that want no reply.  The
 * next synchronous call on the session carries them before its own
 * message, so the host runs everything in the order it was called; a full
 * queue goes with a FLUSH.  A synchronous call waits for a flush in flight
 * before it is sent, so that no call overtakes the calls queued before it.
 * That wait adds none: the host runs a session's requests one at a time,
 * so the call would have waited there behind the flushing one.
 */
#define GV_ASYNC_QUEUE_BYTES (GV_VQ_MAX_MSG - sizeof(msg) - 64)
static pthread_mutex_t async_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t async_cond = PTHREAD_COND_INITIALIZER;
static unsigned char async_queue[GV_ASYNC_QUEUE_BYTES];
static size_t async_len;
static int async_flushing;
_Static_assert(GV_ASYNC_QUEUE_BYTES + sizeof(msg) <= GV_FRAME_MAX_MSG,
	       "the queue and one message fit a TCP frame and a virtqueue message");

/*
 * What a request that carries the queue sends: the queue, then the
 * caller's message.  One flush at a time (async_flushing) uses it.
 */
static unsigned char flush_buf[GV_ASYNC_QUEUE_BYTES + sizeof(msg)];

/*
 * Takes what is queued into flush_buf, for a request whose own message
 * follows: the queued length (0: nothing queued, flush_buf not taken).
 * The caller sends, then calls async_done when it took something.
 */
static size_t async_take(void)
{
	size_t queued;

	pthread_mutex_lock(&async_lock);
	while (async_flushing)
		pthread_cond_wait(&async_cond, &async_lock);
	queued = async_len;
	if (queued) {
		memcpy(flush_buf, async_queue, queued);
		async_len = 0;
		async_flushing = 1;
	}
	pthread_mutex_unlock(&async_lock);
	return queued;
}

static void async_done(void)
{
	pthread_mutex_lock(&async_lock);
	async_flushing = 0;
	pthread_cond_broadcast(&async_cond);
	pthread_mutex_unlock(&async_lock);
}

/*
 * Math library calls that failed on the host after being queued, one per
 * library (its first failure, as a cudaError_t's first is kept): the next
 * call of that library that waits for the host returns the status
 * (gv_lib_deferred_take).  A slot per library's op range is plenty.
 */
#define LIB_DEFERRED_SLOTS 7
static pthread_mutex_t lib_deferred_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint32_t op; /* 0: none */
	int32_t status;
} lib_deferred[LIB_DEFERRED_SLOTS];

static int lib_slot(uint32_t op)
{
	if (op >= GV_OPS_CUDNN && op < GV_OPS_LIB_END)
		return 6;
	if (op >= GV_OPS_CUSOLVER && op < GV_OPS_CUDNN)
		return 5;
	if (op >= GV_OPS_CUSPARSE && op < GV_OPS_CUSOLVER)
		return 4;
	if (op >= GV_OPS_CUBLASLT && op < GV_OPS_CUSPARSE)
		return 3;
	if (op >= GV_OPS_CUBLAS && op < GV_OPS_CUBLASLT)
		return 2;
	if (op >= GV_OPS_CUFFT && op < GV_OPS_CUBLAS)
		return 1;
	if (op >= GV_OPS_CURAND && op < GV_OPS_CUFFT)
		return 0;
	return -1;
}

static void lib_deferred_put(uint32_t op, int32_t status)
{
	int i = lib_slot(op);

	if (i < 0) {
		gv_log(GV_LOG_ERROR, "a deferred status of op %u, of no library", op);
		return;
	}
	pthread_mutex_lock(&lib_deferred_lock);
	if (!lib_deferred[i].op) {
		lib_deferred[i].op = op;
		lib_deferred[i].status = status;
	}
	pthread_mutex_unlock(&lib_deferred_lock);
}

cudaError_t gv_rpc_on(struct gv_transport *t, uint32_t op, const void *req, uint32_t req_len,
		      const void *tail, uint32_t tail_len, void *resp, uint32_t resp_len,
		      const struct gv_buf *bufs, unsigned int nbufs)
{
	int32_t result;
	cudaError_t e = gv_rpc_result(t, op, req, req_len, tail, tail_len, resp, resp_len, bufs,
				      nbufs, &result);

	return e ? e : (cudaError_t)result;
}

/*
 * One message at to: its header (a new request id, the caller's device),
 * the request and its tail.  Returns the header; the message's length is
 * sizeof(header) + req_len + tail_len.
 */
static struct gv_msg_hdr put_msg(unsigned char *to, uint16_t flags, uint32_t op, uint32_t nbulk,
				 const void *req, uint32_t req_len, const void *tail,
				 uint32_t tail_len)
{
	struct gv_msg_hdr h = {
	    .magic = GV_MSG_MAGIC,
	    .version = GV_PROTOCOL_VERSION,
	    .flags = flags,
	    .op = op,
	    .device = (uint32_t)gv_current_device(),
	    .req_id = atomic_fetch_add(&next_req_id, 1),
	    .payload_len = req_len + tail_len,
	    .nbulk = nbulk,
	};

	memcpy(to, &h, sizeof(h));
	memcpy(to + sizeof(h), req, req_len);
	if (tail_len)
		memcpy(to + sizeof(h) + req_len, tail, tail_len);
	return h;
}

cudaError_t gv_rpc_result(struct gv_transport *t, uint32_t op, const void *req, uint32_t req_len,
			  const void *tail, uint32_t tail_len, void *resp, uint32_t resp_len,
			  const struct gv_buf *bufs, unsigned int nbufs, int32_t *result)
{
	struct gv_msg_hdr h;
	struct gv_resp_hdr r;
	size_t got = 0, len = sizeof(h) + req_len + tail_len, queued = 0;
	int err;

	if (req_len > GVRT_MAX_REQ || tail_len > GV_MAX_ARGS || resp_len > sizeof(in) - sizeof(r))
		return cudaErrorInvalidValue;
	/* First: its moves are calls of their own, through msg and in.  Not
	 * for the host functions' own session, which waits all the time. */
	if (t == info.t)
		gv_managed_before_host();
	h = put_msg(msg, 0, op, nbufs, req, req_len, tail, tail_len);
	/* The session's queued asynchronous calls go first. */
	if (t == info.t)
		queued = async_take();
	if (queued) {
		memcpy(flush_buf + queued, msg, len);
		err = t->call(t, flush_buf, queued + len, in, sizeof(r) + resp_len, &got, bufs,
			      nbufs);
		async_done();
	} else {
		err = t->call(t, msg, len, in, sizeof(r) + resp_len, &got, bufs, nbufs);
	}
	if (err)
		return transport_error(err, op);
	if (got < sizeof(r)) {
		gv_log(GV_LOG_ERROR, "op %u: short response (%zu bytes)", op, got);
		return cudaErrorUnknown;
	}
	memcpy(&r, in, sizeof(r));
	if (r.magic != GV_RESP_MAGIC || r.req_id != h.req_id) {
		gv_log(GV_LOG_ERROR, "op %u: response is not ours", op);
		return cudaErrorUnknown;
	}
	if (r.status == GV_EVERSION) {
		gv_log(GV_LOG_ERROR,
		       "this guest library speaks protocol %u, the "
		       "host worker %u: install the guest library of the same "
		       "gvirtus release as the host",
		       GV_PROTOCOL_VERSION, r.version);
		return cudaErrorInsufficientDriver;
	}
	if (r.status != GV_OK) {
		gv_log(GV_LOG_ERROR, "op %u: host rejected the request (status %u)", op, r.status);
		return cudaErrorUnknown;
	}
	if (r.payload_len != resp_len || got != sizeof(r) + resp_len) {
		gv_log(GV_LOG_ERROR, "op %u: response payload %u bytes, expected %u", op,
		       r.payload_len, resp_len);
		return cudaErrorUnknown;
	}
	memcpy(resp, in + sizeof(r), resp_len);
	*result = r.result;
	if (r.deferred < 0)
		lib_deferred_put(GV_DEFERRED_OP(r.deferred), GV_DEFERRED_STATUS(r.deferred));
	else if (r.deferred)
		gv_async_failed((cudaError_t)r.deferred);
	if ((r.flags & GV_RESP_F_OUTPUT) && t == info.t) {
		gv_output_waiting();
		gv_output_fetch();
	}
	/* Graphs' copies to host memory that are done arrive with it. */
	if (r.result == 0 && t == info.t && gv_shadows_sync_op(op))
		gv_shadows_settle();
	return cudaSuccess;
}

int gv_lib_deferred_take(uint32_t op, int32_t *status, uint32_t *failed_op)
{
	int i = lib_slot(op), found = 0;

	if (i < 0)
		return 0;
	pthread_mutex_lock(&lib_deferred_lock);
	if (lib_deferred[i].op) {
		*status = lib_deferred[i].status;
		*failed_op = lib_deferred[i].op;
		lib_deferred[i].op = 0;
		found = 1;
	}
	pthread_mutex_unlock(&lib_deferred_lock);
	return found;
}

int gv_async_enabled(void)
{
	static int enabled = -1;

	if (enabled < 0) {
		const char *v = getenv("GVIRTUS_ASYNC");

		enabled = !(v && !strcmp(v, "0"));
	}
	return enabled && gv_session()->ready && !gv_sticky_seen();
}

cudaError_t gv_rpc_async(uint32_t op, const void *req, uint32_t req_len, const void *tail,
			 uint32_t tail_len)
{
	size_t len = sizeof(struct gv_msg_hdr) + req_len + tail_len;
	struct gv_empty r;

	if (req_len > GVRT_MAX_REQ || tail_len > GV_MAX_ARGS)
		return cudaErrorInvalidValue;
	gv_managed_before_host();
	/* Larger than the whole queue (a launch with tens of KiB of
	 * arguments): it goes as a call of its own, after what is queued. */
	if (len > sizeof(async_queue))
		return gv_rpc_on(info.t, op, req, req_len, tail, tail_len, &r, 0, NULL, 0);
	for (;;) {
		pthread_mutex_lock(&async_lock);
		while (async_flushing)
			pthread_cond_wait(&async_cond, &async_lock);
		if (async_len + len <= sizeof(async_queue)) {
			put_msg(async_queue + async_len, GV_MSG_F_NO_REPLY, op, 0, req, req_len,
				tail, tail_len);
			async_len += len;
			pthread_mutex_unlock(&async_lock);
			return cudaSuccess;
		}
		pthread_mutex_unlock(&async_lock);
		/* Full: what is queued goes now, ahead of a FLUSH. */
		(void)gv_rpc_on(info.t, GV_OP_FLUSH, NULL, 0, NULL, 0, &r, 0, NULL, 0);
	}
}

static void async_at_exit(void)
{
	struct gv_empty r;
	size_t pending;

	pthread_mutex_lock(&async_lock);
	pending = async_len;
	pthread_mutex_unlock(&async_lock);
	/* Work the process launched still runs, as natively, before it goes. */
	if (pending && info.ready)
		(void)gv_rpc_on(info.t, GV_OP_FLUSH, NULL, 0, NULL, 0, &r, 0, NULL, 0);
}

static void session_open(void)
{
	struct gv_hello_req q = {.guest_version = GV_PROTOCOL_VERSION, .pid = (uint32_t)getpid()};
	struct gv_hello_resp r;
	const char *vis;
	char why[256];
	cudaError_t e;

	info.t = gv_transport_open(why, sizeof(why));
	if (!info.t) {
		gv_log(GV_LOG_WARN,
		       "no transport to a GPU host: %s; CUDA calls "
		       "return cudaErrorInsufficientDriver",
		       why);
		info.init_error = cudaErrorInsufficientDriver;
		return;
	}
	e = gv_rpc_on(info.t, GV_OP_HELLO, &q, sizeof(q), NULL, 0, &r, sizeof(r), NULL, 0);
	if (e != cudaSuccess) {
		info.init_error =
		    e == cudaErrorInsufficientDriver ? e : cudaErrorInitializationError;
		return;
	}
	/* The devices this process may see, as natively (CUDA_VISIBLE_DEVICES
	 * over the devices the host gives the guest). */
	vis = getenv("CUDA_VISIBLE_DEVICES");
	if (vis) {
		size_t len = strnlen(vis, GV_MAX_VISIBLE);

		if (len == GV_MAX_VISIBLE) {
			gv_log(GV_LOG_WARN,
			       "CUDA_VISIBLE_DEVICES is longer than %d characters: "
			       "it names no device",
			       GV_MAX_VISIBLE - 1);
			len = 0;
		}
		e = gv_rpc_on(info.t, GV_OP_VISIBLE_DEVICES, NULL, 0, len ? vis : "",
			      (uint32_t)len + 1, &r, sizeof(r), NULL, 0);
		if (e != cudaSuccess) {
			info.init_error = cudaErrorInitializationError;
			return;
		}
	}
	info.session_id = r.session_id;
	info.driver_version = r.driver_version;
	info.device_count = r.device_count;
	info.count_result = (cudaError_t)r.device_count_result;
	info.apis = r.apis ? r.apis : GV_API_ALL;
	if (info.device_count < 0 || info.device_count > GVRT_MAX_DEVICES)
		info.device_count = info.device_count < 0 ? 0 : GVRT_MAX_DEVICES;
	gv_log(GV_LOG_DEBUG, "session %u over %s: driver %d, %d device(s)", r.session_id,
	       info.t->name, info.driver_version, info.device_count);
	atexit(async_at_exit);
	info.ready = 1;
}

void gv_pin_host(const void *p, size_t len, int on)
{
	const struct gv_session_info *s = gv_session();
	int e;

	if (!s->ready || !s->t->pin)
		return;
	e = s->t->pin(s->t, p, len, on);
	if (e && on)
		gv_log(GV_LOG_DEBUG, "a page-locked buffer of %zu bytes is pinned per copy (%d)",
		       len, e);
}

const struct gv_session_info *gv_session(void)
{
	pthread_once(&session_once, session_open);
	return &info;
}

cudaError_t gv_rpc(uint32_t op, const void *req, uint32_t req_len, void *resp, uint32_t resp_len,
		   const struct gv_buf *bufs, unsigned int nbufs)
{
	return gv_rpc_tail(op, req, req_len, NULL, 0, resp, resp_len, bufs, nbufs);
}

cudaError_t gv_rpc_tail(uint32_t op, const void *req, uint32_t req_len, const void *tail,
			uint32_t tail_len, void *resp, uint32_t resp_len, const struct gv_buf *bufs,
			unsigned int nbufs)
{
	const struct gv_session_info *s = gv_session();
	static atomic_flag warned;

	if (!s->ready)
		return s->init_error;
	if (!gv_driver_call && !(s->apis & GV_API_CUDART)) {
		if (!atomic_flag_test_and_set(&warned))
			gv_log(GV_LOG_ERROR,
			       "the host does not serve the runtime API: add "
			       "\"cudart\" to the endpoint's \"plugins\" in its properties.json");
		return cudaErrorNotSupported;
	}
	return gv_rpc_on(s->t, op, req, req_len, tail, tail_len, resp, resp_len, bufs, nbufs);
}
