/* SPDX-License-Identifier: MIT */
/* Devices' atomic operations on host memory and on peers (ATOMIC_CAPS). */
#include <string.h>

#include "gen_support.h"
#include "handlers.h"

int gvw_h_ATOMIC_CAPS(struct gvw_call *c)
{
	const struct gv_atomic_caps_req *q = c->req;
	struct gv_atomic_caps_resp *r = c->resp;
	CUatomicOperation ops[GV_MAX_ATOMIC_OPS];
	unsigned int caps[GV_MAX_ATOMIC_OPS] = {0};
	CUdevice dev, peer = 0;
	unsigned int i;
	int e = q->p2p ? gvg_enter(c, GVG_FN(cuda, cuDeviceGetP2PAtomicCapabilities))
		       : gvg_enter(c, GVG_FN(cuda, cuDeviceGetHostAtomicCapabilities));

	if (e)
		return e;
	if (q->count > GV_MAX_ATOMIC_OPS || q->p2p > 1)
		return CUDA_ERROR_INVALID_VALUE;
	/* Guest ordinals, -1 included, are checked before they name a host device. */
	if (q->dev < 0 || (q->p2p && q->peer < 0))
		return CUDA_ERROR_INVALID_DEVICE;
	e = gvg_device(c, q->dev, &dev);
	if (!e && q->p2p)
		e = gvg_device(c, q->peer, &peer);
	if (e)
		return e;
	for (i = 0; i < q->count; i++)
		ops[i] = (CUatomicOperation)q->ops[i];
	if (q->p2p)
		e = (int)GVG_DRV(c, cuda, cuDeviceGetP2PAtomicCapabilities)(caps, ops, q->count,
									    dev, peer);
	else
		e = (int)GVG_DRV(c, cuda, cuDeviceGetHostAtomicCapabilities)(caps, ops, q->count,
									     dev);
	memcpy(r->caps, caps, sizeof(r->caps));
	return e;
}
