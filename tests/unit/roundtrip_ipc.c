/* SPDX-License-Identifier: MIT */
/*
 * IPC handles against a fake driver whose handles are known patterns.  The
 * guest must get a token, never the driver's bytes; the driver must get
 * its own bytes back when the token is opened, and nothing when the token
 * is forged, of the other kind, or its exporting session has ended.  Only
 * the session's own memory is exported; an opened allocation is the
 * session's to use and close, counted per open, never to free.
 */
#include <stdlib.h>
#include <string.h>

#include <cuda.h>
#include <cuda_runtime_api.h>

#include "gen/cuda_driver_fns.h"
#include "roundtrip.h"
#include "worker_internal.h"

extern struct gvw_worker *gv_loopback_worker;

#define IPC_BASE  0x7b0000000000ull
#define IPC_BYTES (3u << 20)

static struct {
	unsigned char exported[64], opened[64];
	CUdeviceptr exported_ptr;
	unsigned int flags;
	int gets, opens, closes, event_opens;
} ipc;

static CUresult get_mem(CUipcMemHandle *h, CUdeviceptr p)
{
	ipc.gets++;
	ipc.exported_ptr = p;
	rt_pattern(h->reserved, sizeof(h->reserved), 41);
	memcpy(ipc.exported, h->reserved, sizeof(ipc.exported));
	return CUDA_SUCCESS;
}

static CUresult open_mem(CUdeviceptr *p, CUipcMemHandle h, unsigned int flags)
{
	ipc.opens++;
	memcpy(ipc.opened, h.reserved, sizeof(ipc.opened));
	ipc.flags = flags;
	*p = IPC_BASE;
	return CUDA_SUCCESS;
}

static CUresult close_mem(CUdeviceptr p)
{
	ipc.closes++;
	return p == IPC_BASE ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

static CUresult range(CUdeviceptr *base, size_t *size, CUdeviceptr p)
{
	if (p < IPC_BASE || p >= IPC_BASE + IPC_BYTES)
		return CUDA_ERROR_NOT_FOUND;
	*base = IPC_BASE;
	*size = IPC_BYTES;
	return CUDA_SUCCESS;
}

static CUresult get_event(CUipcEventHandle *h, CUevent ev)
{
	(void)ev;
	rt_pattern(h->reserved, sizeof(h->reserved), 42);
	return CUDA_SUCCESS;
}

static CUresult open_event(CUevent *ev, CUipcEventHandle h)
{
	ipc.event_opens++;
	memcpy(ipc.opened, h.reserved, sizeof(ipc.opened));
	/* What the CPU double's event calls take (its destroy frees it). */
	*ev = calloc(1, 256);
	return *ev ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

static void install(struct gvg_cuda_fns *t)
{
	t->cuIpcGetMemHandle = get_mem;
	t->cuIpcOpenMemHandle_v2 = open_mem;
	t->cuIpcCloseMemHandle = close_mem;
	t->cuMemGetAddressRange_v2 = range;
	t->cuIpcGetEventHandle = get_event;
	t->cuIpcOpenEventHandle = open_event;
}

static int is_token(const void *h)
{
	struct gv_ipc_handle t;
	static const uint8_t zero[sizeof(t.zero)];

	memcpy(&t, h, sizeof(t));
	return t.magic == GV_IPC_MAGIC && (t.token[0] | t.token[1]) &&
	       memcmp(t.zero, zero, sizeof(zero)) == 0 && memcmp(h, ipc.exported, 64) != 0;
}

static void memory_handles(void)
{
	const char *fn = "cudaIpcOpenMemHandle";
	struct gvw_session *s = gv_loopback_worker->sessions[0];
	cudaIpcMemHandle_t h, again, forged;
	void *p = NULL, *p2 = NULL, *own = NULL;
	int opens;

	RT_TRUE(fn, "an allocation to export", cudaMalloc(&own, 4096) == cudaSuccess);
	RT_TRUE(fn, "its handle is a token, not the driver's bytes",
		cudaIpcGetMemHandle(&h, (char *)own + 100) == cudaSuccess && is_token(&h) &&
		    ipc.exported_ptr == (CUdeviceptr)(uintptr_t)own + 100);
	RT_TRUE(fn, "the same allocation: the same token",
		cudaIpcGetMemHandle(&again, own) == cudaSuccess &&
		    memcmp(&again, &h, sizeof(h)) == 0);
	RT_TRUE(fn, "memory not the session's: refused before the driver",
		cudaIpcGetMemHandle(&again, (void *)(uintptr_t)rt_fresh_address()) ==
			cudaErrorInvalidValue &&
		    ipc.gets == 2);
	(void)cudaGetLastError();

	RT_TRUE(fn, "opened: the driver gets its own bytes and the flags",
		cudaIpcOpenMemHandle(&p, h, cudaIpcMemLazyEnablePeerAccess) == cudaSuccess &&
		    p == (void *)(uintptr_t)IPC_BASE && memcmp(ipc.opened, ipc.exported, 64) == 0 &&
		    ipc.flags == cudaIpcMemLazyEnablePeerAccess);
	RT_TRUE(fn, "the opened range is the session's, uncharged",
		gvw_alloc_find_range(&s->allocs, IPC_BASE + IPC_BYTES - 1, 1) != NULL &&
		    gvw_alloc_find_range(&s->allocs, IPC_BASE + IPC_BYTES, 1) == NULL &&
		    s->ipc_imports == 1);
	RT_TRUE(fn, "opened again: the same mapping",
		cudaIpcOpenMemHandle(&p2, h, 0) == cudaSuccess && p2 == p && s->ipc_imports == 2);
	RT_TRUE(fn, "not the session's to free", cudaFree(p) == cudaErrorInvalidValue);
	(void)cudaGetLastError();
	RT_TRUE(fn, "closed twice, then no longer the session's",
		cudaIpcCloseMemHandle(p) == cudaSuccess &&
		    gvw_alloc_find_base(&s->allocs, IPC_BASE) != NULL &&
		    cudaIpcCloseMemHandle(p) == cudaSuccess &&
		    gvw_alloc_find_base(&s->allocs, IPC_BASE) == NULL && s->ipc_imports == 0 &&
		    cudaIpcCloseMemHandle(p) == cudaErrorInvalidValue && ipc.closes == 2);
	(void)cudaGetLastError();

	opens = ipc.opens;
	forged = h;
	forged.reserved[9] ^= 1;
	RT_TRUE(fn, "a forged token: refused, the driver not asked",
		cudaIpcOpenMemHandle(&p, forged, 0) == cudaErrorInvalidValue && ipc.opens == opens);
	memset(&forged, 0, sizeof(forged));
	memcpy(forged.reserved, ipc.exported, sizeof(forged.reserved));
	RT_TRUE(fn, "the driver's own bytes: refused",
		cudaIpcOpenMemHandle(&p, forged, 0) == cudaErrorInvalidValue && ipc.opens == opens);
	(void)cudaGetLastError();

	/* The exporting session's end: its tokens open nowhere. */
	gvw_ipc_registry_drop(&gv_loopback_worker->ipc, s->id);
	RT_TRUE(fn, "after its session ended: refused",
		cudaIpcOpenMemHandle(&p, h, 0) == cudaErrorInvalidValue && ipc.opens == opens);
	(void)cudaGetLastError();
	cudaFree(own);
}

static void event_handles(void)
{
	const char *fn = "cudaIpcOpenEventHandle";
	cudaIpcEventHandle_t h;
	cudaIpcMemHandle_t as_mem;
	cudaEvent_t ev, opened = NULL;
	void *p = NULL;
	int opens;

	RT_TRUE(fn, "an interprocess event without DisableTiming: refused",
		cudaEventCreateWithFlags(&ev, cudaEventInterprocess) == cudaErrorInvalidValue);
	(void)cudaGetLastError();
	RT_TRUE(fn, "an interprocess event",
		cudaEventCreateWithFlags(&ev, cudaEventInterprocess | cudaEventDisableTiming) ==
		    cudaSuccess);
	RT_TRUE(fn, "its handle", cudaIpcGetEventHandle(&h, ev) == cudaSuccess);
	rt_pattern(ipc.exported, sizeof(ipc.exported), 42);
	RT_TRUE(fn, "is a token", is_token(&h));
	opens = ipc.opens;
	memcpy(&as_mem, &h, sizeof(h));
	RT_TRUE(fn, "an event's token as memory: refused",
		cudaIpcOpenMemHandle(&p, as_mem, 0) == cudaErrorInvalidValue && ipc.opens == opens);
	(void)cudaGetLastError();
	RT_TRUE(fn, "opened: the driver gets its own bytes; a live event",
		cudaIpcOpenEventHandle(&opened, h) == cudaSuccess && opened &&
		    memcmp(ipc.opened, ipc.exported, 64) == 0 &&
		    cudaEventDestroy(opened) == cudaSuccess);
	RT_TRUE(fn, "an unknown event: the driver's answer",
		cudaIpcGetEventHandle(&h, (cudaEvent_t)(uintptr_t)0x5151) != cudaSuccess);
	(void)cudaGetLastError();
	cudaEventDestroy(ev);
}

void ipc_handles(struct gvg_cuda_fns *t)
{
	install(t);
	memset(&ipc, 0, sizeof(ipc));
	memory_handles();
	event_handles();
}
