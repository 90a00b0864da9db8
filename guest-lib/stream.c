/* SPDX-License-Identifier: MIT */
/*
 * Streams, events and host functions.  Streams and events are host
 * handles; the guest passes them through unchanged.  A host function runs
 * in this process in stream order, on a thread of its own (below).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "gvrt.h"

static cudaError_t handle_call(uint32_t op, uint64_t h)
{
	struct gv_handle_req q = {.handle = h};
	struct gv_empty r;

	return gv_rpc(op, &q, sizeof(q), &r, 0, NULL, 0);
}

/*
 * The streams and events this process's runtime created and has not
 * destroyed: a call may be queued (the async class) only on handles the
 * guest knows live, since the host alone would know another is not
 * valid, which natively the call itself says.
 */
#define KNOWN_SLOTS 1024
struct known_set {
	pthread_mutex_t lock;
	uint64_t h[KNOWN_SLOTS]; /* 0: a free slot */
};
static struct known_set streams = {PTHREAD_MUTEX_INITIALIZER, {0}};
static struct known_set events = {PTHREAD_MUTEX_INITIALIZER, {0}};

static void known_set(struct known_set *k, uint64_t h, int add)
{
	unsigned int i, slot = h % KNOWN_SLOTS;

	pthread_mutex_lock(&k->lock);
	for (i = 0; i < KNOWN_SLOTS; i++, slot = (slot + 1) % KNOWN_SLOTS) {
		if (add ? k->h[slot] == 0 : k->h[slot] == h) {
			k->h[slot] = add ? h : 0;
			break;
		}
	}
	pthread_mutex_unlock(&k->lock);
}

static int known(struct known_set *k, uint64_t h)
{
	unsigned int i, slot = h % KNOWN_SLOTS;
	int found = 0;

	pthread_mutex_lock(&k->lock);
	for (i = 0; i < KNOWN_SLOTS && !found; i++, slot = (slot + 1) % KNOWN_SLOTS)
		found = k->h[slot] == h;
	pthread_mutex_unlock(&k->lock);
	return found;
}

void gv_event_learn(cudaEvent_t event)
{
	known_set(&events, (uintptr_t)event, 1);
}

int gv_stream_known(cudaStream_t stream)
{
	uint64_t h = gv_stream_value(stream);

	return h <= 2 /* 0, cudaStreamLegacy, cudaStreamPerThread */ || known(&streams, h);
}

/*
 * Stream captures begun and not ended successfully (one whose end failed
 * is counted for good: nothing is lost but queueing of small copies).
 */
static atomic_int captures;

void gv_capture_note(int delta)
{
	atomic_fetch_add(&captures, delta);
}

int gv_capturing(void)
{
	return atomic_load(&captures) > 0;
}

void gv_stream_note(uint64_t h, int live)
{
	if (h > 2)
		known_set(&streams, h, live);
}

GVRT_EXPORT cudaError_t cudaStreamCreateWithPriority(cudaStream_t *stream, unsigned int flags,
						     int priority)
{
	struct gv_stream_create_req q = {.flags = flags, .priority = priority};
	struct gv_handle_resp r;
	cudaError_t e;

	if (!stream)
		return gv_ret(cudaErrorInvalidValue);
	e = GV_RPC(STREAM_CREATE, &q, &r, NULL, 0);
	if (!e) {
		*stream = (cudaStream_t)(uintptr_t)r.handle;
		known_set(&streams, r.handle, 1);
	}
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaStreamCreateWithFlags(cudaStream_t *stream, unsigned int flags)
{
	return cudaStreamCreateWithPriority(stream, flags, 0);
}

GVRT_EXPORT cudaError_t cudaStreamCreate(cudaStream_t *stream)
{
	return cudaStreamCreateWithPriority(stream, cudaStreamDefault, 0);
}

GVRT_EXPORT cudaError_t cudaStreamDestroy(cudaStream_t stream)
{
	/* Forgotten first: a launch racing the destroy goes the exact way. */
	if (gv_stream_value(stream) > 2)
		known_set(&streams, gv_stream_value(stream), 0);
	return gv_ret(handle_call(GV_OP_STREAM_DESTROY, gv_stream_value(stream)));
}

GVRT_EXPORT cudaError_t cudaStreamSynchronize(cudaStream_t stream)
{
	return gv_ret(handle_call(GV_OP_STREAM_SYNCHRONIZE, gv_stream_value(stream)));
}

/* cudaErrorNotReady is an answer, not an error: it is not recorded. */
GVRT_EXPORT cudaError_t cudaStreamQuery(cudaStream_t stream)
{
	cudaError_t e = handle_call(GV_OP_STREAM_QUERY, gv_stream_value(stream));

	return e == cudaErrorNotReady ? e : gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event,
					    unsigned int flags)
{
	struct gv_stream_wait_req q = {
	    .stream = gv_stream_value(stream), .event = (uintptr_t)event, .flags = flags};
	struct gv_empty r;

	/* An asynchronous call when the guest knows both handles live. */
	if (!flags && gv_async_enabled() && gv_stream_known(stream) &&
	    known(&events, (uintptr_t)event))
		return gv_ret(gv_rpc_async(GV_OP_STREAM_WAIT_EVENT, &q, sizeof(q), NULL, 0));
	return gv_ret(GV_RPC(STREAM_WAIT_EVENT, &q, &r, NULL, 0));
}

GVRT_EXPORT cudaError_t cudaDeviceGetStreamPriorityRange(int *least, int *greatest)
{
	struct gv_empty q;
	struct gv_priority_range_resp r;
	cudaError_t e = GV_RPC(STREAM_PRIORITY_RANGE, &q, &r, NULL, 0);

	if (e)
		return gv_ret(e);
	if (least)
		*least = r.least;
	if (greatest)
		*greatest = r.greatest;
	return cudaSuccess;
}

/*
 * Host functions.  The host holds the stream at a gate; this process's
 * callback thread, on a session of its own (so a call blocked on that
 * stream cannot hold it up), waits for reached gates, runs the function
 * and releases the gate.  One thread runs them all, in the order their
 * streams reach them, as natively.
 */
struct host_call {
	uint64_t token;
	cudaHostFn_t fn;
	cudaStreamCallback_t cb;
	cudaStream_t stream;
	void *data;
	struct host_call *next;
};

static pthread_mutex_t calls_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t calls_cond = PTHREAD_COND_INITIALIZER;
static struct host_call *calls;
static uint64_t gate_key;
static uint32_t gate_owner;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;
static struct gv_transport *cb_transport;

static struct host_call *take_call(uint64_t token)
{
	struct host_call **p, *c = NULL;

	pthread_mutex_lock(&calls_lock);
	for (;;) {
		for (p = &calls; *p; p = &(*p)->next) {
			if ((*p)->token == token) {
				c = *p;
				*p = c->next;
				break;
			}
		}
		if (c)
			break;
		/* The enqueuing thread has not filed it yet. */
		pthread_cond_wait(&calls_cond, &calls_lock);
	}
	pthread_mutex_unlock(&calls_lock);
	return c;
}

static void *callback_thread(void *arg)
{
	/* The key arrives with the first gate. */
	pthread_mutex_lock(&calls_lock);
	while (!gate_owner)
		pthread_cond_wait(&calls_cond, &calls_lock);
	pthread_mutex_unlock(&calls_lock);
	for (;;) {
		struct gv_gate_wait_req q = {
		    .key = gate_key, .owner = gate_owner, .timeout_ms = 1000};
		struct gv_gate_release_req rq = {.key = gate_key, .owner = gate_owner};
		struct gv_gate_wait_resp r;
		struct gv_empty e;
		struct host_call *c;

		if (gv_rpc_on(cb_transport, GV_OP_HOST_FUNC_WAIT, &q, sizeof(q), NULL, 0, &r,
			      sizeof(r), NULL, 0) != cudaSuccess) {
			gv_log(GV_LOG_ERROR, "host functions: the callback session failed; "
					     "streams waiting on host functions will not move");
			return arg;
		}
		if (!r.token)
			continue;
		if (r.fn) {
			/* A host node's: the same function at each launch of its graph. */
			((cudaHostFn_t)(uintptr_t)r.fn)((void *)(uintptr_t)r.data);
		} else {
			c = take_call(r.token);
			if (c->fn)
				c->fn(c->data);
			else
				c->cb(c->stream, cudaSuccess, c->data);
			free(c);
		}
		rq.token = r.token;
		gv_rpc_on(cb_transport, GV_OP_HOST_FUNC_RELEASE, &rq, sizeof(rq), NULL, 0, &e, 0,
			  NULL, 0);
	}
}

static void start_callback_thread(void)
{
	char why[256];
	pthread_t t;

	cb_transport = gv_transport_open(why, sizeof(why));
	if (!cb_transport) {
		gv_log(GV_LOG_ERROR, "host functions: no second session: %s", why);
		return;
	}
	cb_transport->gate_calls = 1;
	if (pthread_create(&t, NULL, callback_thread, NULL)) {
		cb_transport = NULL;
		return;
	}
	pthread_detach(t);
}

cudaError_t gv_host_callbacks(void)
{
	if (!gv_session()->ready)
		return gv_session()->init_error;
	pthread_once(&thread_once, start_callback_thread);
	return cb_transport ? cudaSuccess : cudaErrorNotSupported;
}

void gv_host_callbacks_key(uint64_t key, uint32_t owner)
{
	if (!key || !owner)
		return;
	pthread_mutex_lock(&calls_lock);
	gate_key = key;
	gate_owner = owner;
	pthread_cond_broadcast(&calls_cond);
	pthread_mutex_unlock(&calls_lock);
}

cudaError_t gv_host_call_enqueue(cudaStream_t stream, cudaHostFn_t fn, cudaStreamCallback_t cb,
				 void *data)
{
	struct gv_host_func_req q = {.stream = gv_stream_value(stream),
				     .fn = fn ? (uintptr_t)fn : (uintptr_t)cb,
				     .data = (uintptr_t)data,
				     .callback = !fn};
	struct gv_gate_resp r;
	struct host_call *c;
	cudaError_t e = gv_host_callbacks();

	if (e)
		return e;
	c = calloc(1, sizeof(*c));
	if (!c)
		return cudaErrorMemoryAllocation;
	c->fn = fn;
	c->cb = cb;
	c->stream = stream;
	c->data = data;
	/*
	 * Not under calls_lock: the request can wait on the host behind a
	 * call that waits for a stream held at another gate, which only the
	 * callback thread, taking calls_lock, can release (a deadlock seen
	 * over TCP with cuda-samples' simpleCallback).  The callback thread
	 * waits for the call to be filed if its gate is reached first.
	 */
	e = GV_RPC(HOST_FUNC_ENQUEUE, &q, &r, NULL, 0);
	if (e == cudaSuccess && !r.token) {
		/* Captured: a host node, whose gates carry the function. */
		free(c);
		gv_host_callbacks_key(r.key, r.owner);
		return e;
	}
	if (e != cudaSuccess) {
		free(c);
		return e;
	}
	pthread_mutex_lock(&calls_lock);
	gate_key = r.key;
	gate_owner = r.owner;
	c->token = r.token;
	c->next = calls;
	calls = c;
	pthread_cond_broadcast(&calls_cond);
	pthread_mutex_unlock(&calls_lock);
	return e;
}

GVRT_EXPORT cudaError_t cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t fn, void *data)
{
	if (!fn)
		return gv_ret(cudaErrorInvalidValue);
	return gv_ret(gv_host_call_enqueue(stream, fn, NULL, data));
}

GVRT_EXPORT cudaError_t cudaStreamAddCallback(cudaStream_t stream, cudaStreamCallback_t callback,
					      void *data, unsigned int flags)
{
	if (!callback || flags)
		return gv_ret(cudaErrorInvalidValue);
	return gv_ret(gv_host_call_enqueue(stream, NULL, callback, data));
}

GVRT_EXPORT cudaError_t cudaEventCreateWithFlags(cudaEvent_t *event, unsigned int flags)
{
	struct gv_event_create_req q = {.flags = flags};
	struct gv_handle_resp r;
	cudaError_t e;

	if (!event)
		return gv_ret(cudaErrorInvalidValue);
	e = GV_RPC(EVENT_CREATE, &q, &r, NULL, 0);
	if (!e) {
		*event = (cudaEvent_t)(uintptr_t)r.handle;
		known_set(&events, r.handle, 1);
	}
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaEventCreate(cudaEvent_t *event)
{
	return cudaEventCreateWithFlags(event, cudaEventDefault);
}

GVRT_EXPORT cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream)
{
	struct gv_event_record_req q = {.event = (uintptr_t)event,
					.stream = gv_stream_value(stream)};
	struct gv_empty r;

	/* An asynchronous call when the guest knows both handles live. */
	if (gv_async_enabled() && gv_stream_known(stream) && known(&events, (uintptr_t)event))
		return gv_ret(gv_rpc_async(GV_OP_EVENT_RECORD, &q, sizeof(q), NULL, 0));
	return gv_ret(GV_RPC(EVENT_RECORD, &q, &r, NULL, 0));
}

GVRT_EXPORT cudaError_t cudaEventSynchronize(cudaEvent_t event)
{
	return gv_ret(handle_call(GV_OP_EVENT_SYNCHRONIZE, (uintptr_t)event));
}

GVRT_EXPORT cudaError_t cudaEventQuery(cudaEvent_t event)
{
	cudaError_t e = handle_call(GV_OP_EVENT_QUERY, (uintptr_t)event);

	return e == cudaErrorNotReady ? e : gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end)
{
	struct gv_event_elapsed_req q = {.start = (uintptr_t)start, .end = (uintptr_t)end};
	struct gv_float_resp r;
	cudaError_t e;

	if (!ms)
		return gv_ret(cudaErrorInvalidValue);
	e = GV_RPC(EVENT_ELAPSED, &q, &r, NULL, 0);
	if (!e)
		*ms = r.value;
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaEventDestroy(cudaEvent_t event)
{
	/* Forgotten first: a record racing the destroy goes the exact way. */
	if (event)
		known_set(&events, (uintptr_t)event, 0);
	return gv_ret(handle_call(GV_OP_EVENT_DESTROY, (uintptr_t)event));
}
