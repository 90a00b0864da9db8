/* SPDX-License-Identifier: MIT */
/*
 * Streams, events and host functions.  Streams and events are host
 * handles; the guest passes them through unchanged.  A host function runs
 * in this process in stream order: everything queued before it finishes
 * first, and work queued after it is queued only once it has returned.
 * (The caller waits for that, where native would return at once.)
 */
#include "gvrt.h"

static cudaError_t handle_call(uint32_t op, uint64_t h)
{
	struct gv_handle_req q = { .handle = h };
	struct gv_empty r;

	return gv_rpc(op, &q, sizeof(q), &r, 0, NULL, 0);
}

GVRT_EXPORT cudaError_t cudaStreamCreateWithPriority(cudaStream_t *stream, unsigned int flags,
						     int priority)
{
	struct gv_stream_create_req q = { .flags = flags, .priority = priority };
	struct gv_handle_resp r;
	cudaError_t e;

	if (!stream)
		return gv_ret(cudaErrorInvalidValue);
	e = GV_RPC(STREAM_CREATE, &q, &r, NULL, 0);
	if (!e)
		*stream = (cudaStream_t)(uintptr_t)r.handle;
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
	struct gv_stream_wait_req q = { .stream = gv_stream_value(stream),
					.event = (uintptr_t)event, .flags = flags };
	struct gv_empty r;

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

GVRT_EXPORT cudaError_t cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t fn, void *data)
{
	cudaError_t e;

	if (!fn)
		return gv_ret(cudaErrorInvalidValue);
	e = cudaStreamSynchronize(stream);
	if (e)
		return e;
	fn(data);
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaStreamAddCallback(cudaStream_t stream,
					      cudaStreamCallback_t callback, void *data,
					      unsigned int flags)
{
	cudaError_t e;

	if (!callback || flags)
		return gv_ret(cudaErrorInvalidValue);
	/* Natively the callback runs, with the error, even after a failure. */
	e = handle_call(GV_OP_STREAM_SYNCHRONIZE, gv_stream_value(stream));
	if (e == cudaErrorInvalidResourceHandle)
		return gv_ret(e);
	callback(stream, e, data);
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaEventCreateWithFlags(cudaEvent_t *event, unsigned int flags)
{
	struct gv_event_create_req q = { .flags = flags };
	struct gv_handle_resp r;
	cudaError_t e;

	if (!event)
		return gv_ret(cudaErrorInvalidValue);
	e = GV_RPC(EVENT_CREATE, &q, &r, NULL, 0);
	if (!e)
		*event = (cudaEvent_t)(uintptr_t)r.handle;
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaEventCreate(cudaEvent_t *event)
{
	return cudaEventCreateWithFlags(event, cudaEventDefault);
}

GVRT_EXPORT cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream)
{
	struct gv_event_record_req q = { .event = (uintptr_t)event,
					 .stream = gv_stream_value(stream) };
	struct gv_empty r;

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
	struct gv_event_elapsed_req q = { .start = (uintptr_t)start, .end = (uintptr_t)end };
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
	return gv_ret(handle_call(GV_OP_EVENT_DESTROY, (uintptr_t)event));
}
