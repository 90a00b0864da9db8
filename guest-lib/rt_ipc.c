/* SPDX-License-Identifier: MIT */
/*
 * The runtime's IPC calls: our driver's (guest-lib/cuda/driver_ipc.c), as
 * NVIDIA's runtime runs through its driver.  They are written here only
 * because the handles pass by value, which the generated forwarding does
 * not express; the runtime's and the driver's handles are the same 64 bytes.
 */
#include <string.h>

#include <cuda.h>

#include "gvrt.h"

static struct {
	CUresult (*get_mem)(CUipcMemHandle *, CUdeviceptr);
	CUresult (*open_mem)(CUdeviceptr *, CUipcMemHandle, unsigned int);
	CUresult (*close_mem)(CUdeviceptr);
	CUresult (*get_event)(CUipcEventHandle *, CUevent);
	CUresult (*open_event)(CUevent *, CUipcEventHandle);
} drv;

static cudaError_t load(void)
{
	if (!drv.open_event && (gv_driver_load(&drv.get_mem, "cuIpcGetMemHandle") ||
				gv_driver_load(&drv.open_mem, "cuIpcOpenMemHandle_v2") ||
				gv_driver_load(&drv.close_mem, "cuIpcCloseMemHandle") ||
				gv_driver_load(&drv.get_event, "cuIpcGetEventHandle") ||
				gv_driver_load(&drv.open_event, "cuIpcOpenEventHandle")))
		return cudaErrorNotSupported;
	return cudaSuccess;
}

_Static_assert(sizeof(cudaIpcMemHandle_t) == sizeof(CUipcMemHandle), "IPC memory handles");
_Static_assert(sizeof(cudaIpcEventHandle_t) == sizeof(CUipcEventHandle), "IPC event handles");

GVRT_EXPORT cudaError_t cudaIpcGetMemHandle(cudaIpcMemHandle_t *handle, void *devPtr)
{
	cudaError_t e = load();

	if (!e)
		e = (cudaError_t)drv.get_mem((CUipcMemHandle *)handle, (uintptr_t)devPtr);
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaIpcOpenMemHandle(void **devPtr, cudaIpcMemHandle_t handle,
					     unsigned int flags)
{
	CUipcMemHandle h;
	CUdeviceptr p = 0;
	cudaError_t e = load();

	memcpy(&h, &handle, sizeof(h));
	if (!e && !devPtr)
		e = cudaErrorInvalidValue;
	if (!e)
		e = (cudaError_t)drv.open_mem(&p, h, flags);
	if (!e)
		*devPtr = (void *)(uintptr_t)p;
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaIpcCloseMemHandle(void *devPtr)
{
	cudaError_t e = load();

	if (!e)
		e = (cudaError_t)drv.close_mem((uintptr_t)devPtr);
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaIpcGetEventHandle(cudaIpcEventHandle_t *handle, cudaEvent_t event)
{
	cudaError_t e = load();

	if (!e)
		e = (cudaError_t)drv.get_event((CUipcEventHandle *)handle, (CUevent)event);
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaIpcOpenEventHandle(cudaEvent_t *event, cudaIpcEventHandle_t handle)
{
	CUipcEventHandle h;
	CUevent ev = NULL;
	cudaError_t e = load();

	memcpy(&h, &handle, sizeof(h));
	if (!e && !event)
		e = cudaErrorInvalidValue;
	if (!e)
		e = (cudaError_t)drv.open_event(&ev, h);
	if (!e) {
		gv_event_learn((cudaEvent_t)ev);
		*event = (cudaEvent_t)ev;
	}
	return gv_ret(e);
}
