/* SPDX-License-Identifier: MIT */
/*
 * How the driver API reaches the host: the runtime shim's session, with
 * the current context's device in each message, and the driver's own
 * codes for the failures the runtime's ops report in runtime codes.
 */
#include <stdatomic.h>

#include "gvcu.h"
#include "unsupported.h"

CUresult gvcu_result(cudaError_t e)
{
	switch ((int)e) {
	case cudaErrorInvalidDevicePointer:
	case cudaErrorInvalidMemcpyDirection:
	case cudaErrorInvalidPitchValue:
	case cudaErrorInvalidConfiguration:
		return CUDA_ERROR_INVALID_VALUE;
	case cudaErrorInvalidSymbol:
	case cudaErrorInvalidDeviceFunction: /* a name the module lacks */
		return CUDA_ERROR_NOT_FOUND;
	case cudaErrorInsufficientDriver:
		return CUDA_ERROR_NO_DEVICE;
	default:
		/* Every other code the ops return has the same number in both. */
		return (CUresult)e;
	}
}

CUresult gvcu_rpc(uint32_t op, const void *req, uint32_t req_len, const void *tail,
		  uint32_t tail_len, void *resp, uint32_t resp_len, const struct gv_buf *bufs,
		  unsigned int nbufs)
{
	CUresult e = gvcu_need_ctx();
	cudaError_t r;

	if (e)
		return e;
	gv_driver_call = 1;
	r = gv_rpc_tail(op, req, req_len, tail, tail_len, resp, resp_len, bufs, nbufs);
	gv_driver_call = 0;
	gv_sticky_note(r); /* the context the runtime shares is broken too */
	return gvcu_result(r);
}

CUresult gvcu_call(uint32_t op, const void *req, uint32_t req_len, const void *tail,
		   uint32_t tail_len, void *resp, uint32_t resp_len, const struct gv_buf *bufs,
		   unsigned int nbufs)
{
	/* Generated calls run on the host as the driver's own: results are
	 * CUresult values already. */
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	gv_driver_call = 1;
	e = (CUresult)gv_rpc_tail(op, req, req_len, tail, tail_len, resp, resp_len, bufs, nbufs);
	gv_driver_call = 0;
	gv_sticky_note((int)e); /* sticky codes have the same numbers in both APIs */
	return e;
}

int gvcu_unsupported(const char *name, atomic_flag *logged)
{
	if (!atomic_flag_test_and_set(logged))
		gv_log(GV_LOG_WARN,
		       "%s is not supported by gvirtus; it returns "
		       "CUDA_ERROR_NOT_SUPPORTED (make coverage says why)",
		       name);
	return CUDA_ERROR_NOT_SUPPORTED;
}
