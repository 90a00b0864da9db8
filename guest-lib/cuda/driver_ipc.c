/* SPDX-License-Identifier: MIT */
/*
 * IPC handles between processes (IPC_EXPORT, IPC_IMPORT, IPC_CLOSE).  The
 * 64 bytes a process passes to another are a token the host keeps for the
 * driver's handle (protocol.h, gv_ipc_handle); an opened allocation is
 * known here as device memory until its last close.
 */
#include <string.h>

#include "gvcu.h"

static CUresult export(uint32_t kind, uint64_t obj, void *out)
{
	struct gv_ipc_export_req q = {.kind = kind, .obj = obj};
	struct gv_ipc_export_resp r;
	CUresult e = gvcu_need_ctx();

	if (!e && !out)
		e = CUDA_ERROR_INVALID_VALUE;
	if (!e)
		e = GVCU_RPC(IPC_EXPORT, &q, &r, NULL, 0);
	if (!e)
		memcpy(out, &r.handle, sizeof(r.handle));
	return e;
}

static CUresult import(uint32_t kind, const void *handle, unsigned int flags,
		       struct gv_ipc_import_resp *r)
{
	struct gv_ipc_import_req q = {.flags = flags, .kind = kind};
	CUresult e = gvcu_need_ctx();

	memcpy(&q.handle, handle, sizeof(q.handle));
	return e ? e : GVCU_RPC(IPC_IMPORT, &q, r, NULL, 0);
}

GVCU_EXPORT CUresult cuIpcGetMemHandle(CUipcMemHandle *handle, CUdeviceptr dptr)
{
	_Static_assert(sizeof(*handle) == sizeof(struct gv_ipc_handle), "CUipcMemHandle");
	return export(GV_IPC_MEM, dptr, handle);
}

GVCU_EXPORT CUresult cuIpcGetEventHandle(CUipcEventHandle *handle, CUevent ev)
{
	_Static_assert(sizeof(*handle) == sizeof(struct gv_ipc_handle), "CUipcEventHandle");
	return export(GV_IPC_EVENT, (uintptr_t)ev, handle);
}

GVCU_EXPORT CUresult cuIpcOpenMemHandle_v2(CUdeviceptr *dptr, CUipcMemHandle handle,
					   unsigned int flags)
{
	struct gv_ipc_import_resp r = {0};
	struct gv_region known;
	CUresult e;

	if (!dptr)
		return CUDA_ERROR_INVALID_VALUE;
	e = import(GV_IPC_MEM, &handle, flags, &r);
	if (e)
		return e;
	/* Opened again in this process: the same mapping, known already. */
	if (gv_region_find((const void *)(uintptr_t)r.obj, &known) || known.base != r.obj)
		gv_track_device(cudaSuccess, r.obj, r.size);
	*dptr = r.obj;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuIpcOpenEventHandle(CUevent *ev, CUipcEventHandle handle)
{
	struct gv_ipc_import_resp r = {0};
	CUresult e;

	if (!ev)
		return CUDA_ERROR_INVALID_VALUE;
	e = import(GV_IPC_EVENT, &handle, 0, &r);
	if (!e)
		*ev = (CUevent)(uintptr_t)r.obj;
	return e;
}

GVCU_EXPORT CUresult cuIpcCloseMemHandle(CUdeviceptr dptr)
{
	struct gv_ptr_req q = {.ptr = dptr};
	struct gv_int_resp r = {0};
	CUresult e = gvcu_need_ctx();

	if (!e)
		e = GVCU_RPC(IPC_CLOSE, &q, &r, NULL, 0);
	/* The host counts opens of one mapping; the last close unmaps it. */
	if (!e && r.value == 0)
		gv_region_remove((uintptr_t)dptr, GV_REGION_DEVICE, NULL);
	return e;
}
