/* SPDX-License-Identifier: MIT */
/*
 * Contexts.  Each is a guest object naming a device; the host runs every
 * context of a device in the session's one context there, so what a
 * program allocates through one context is visible through another of the
 * same device (natively it is not; programs that rely on the separation
 * are rare, and the README lists it).  The current context is per thread,
 * with a stack, as natively; until a thread sets one, the runtime's
 * primary context of its current device is current once the runtime has
 * run, as natively.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "gvcu.h"

#define CTX_MAGIC 0x47564358u /* "GVCX" */
#define STACK_MAX 64

static struct gvcu_ctx primary[GVRT_MAX_DEVICES];
static int primary_refs[GVRT_MAX_DEVICES];
static unsigned int primary_flags[GVRT_MAX_DEVICES];
static pthread_mutex_t primary_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ullong next_id = 1;

static _Thread_local struct gvcu_ctx *stack[STACK_MAX];
static _Thread_local int depth;		 /* entries in stack */
static _Thread_local int explicit_state; /* the thread chose its context */

static struct gvcu_ctx *primary_of(int dev)
{
	struct gvcu_ctx *c = &primary[dev];

	pthread_mutex_lock(&primary_lock);
	if (c->magic != CTX_MAGIC) {
		c->device = dev;
		c->primary = 1;
		c->id = atomic_fetch_add(&next_id, 1);
		c->magic = CTX_MAGIC;
	}
	pthread_mutex_unlock(&primary_lock);
	return c;
}

struct gvcu_ctx *gvcu_primary(int dev)
{
	return dev >= 0 && dev < GVRT_MAX_DEVICES ? primary_of(dev) : NULL;
}

struct gvcu_ctx *gvcu_current(void)
{
	if (explicit_state)
		return depth ? stack[depth - 1] : NULL;
	if (gv_runtime_used() && gv_session()->ready)
		return primary_of(gv_current_device());
	return NULL;
}

/* The thread's stack, made explicit with the implicit context on it. */
static void materialize(void)
{
	struct gvcu_ctx *cur;

	if (explicit_state)
		return;
	cur = gvcu_current();
	depth = 0;
	if (cur)
		stack[depth++] = cur;
	explicit_state = 1;
}

/* The runtime's current device follows the current context. */
static void follow(void)
{
	if (depth && stack[depth - 1])
		gv_set_current_device(stack[depth - 1]->device);
}

static CUresult push(struct gvcu_ctx *c)
{
	materialize();
	if (depth == STACK_MAX)
		return CUDA_ERROR_OUT_OF_MEMORY;
	stack[depth++] = c;
	follow();
	return CUDA_SUCCESS;
}

CUresult gvcu_need_ctx(void)
{
	CUresult e = gvcu_initialized();
	struct gvcu_ctx *c;

	if (e)
		return e;
	c = gvcu_current();
	if (!c)
		return CUDA_ERROR_INVALID_CONTEXT;
	gv_set_current_device(c->device);
	return CUDA_SUCCESS;
}

static int valid(const struct gvcu_ctx *c)
{
	return c && c->magic == CTX_MAGIC;
}

int32_t gvcu_ctx_device(CUcontext ctx)
{
	const struct gvcu_ctx *c = (const struct gvcu_ctx *)ctx;

	return valid(c) ? c->device : -1;
}

/* ---- primary contexts ---- */

static CUresult check_dev(CUdevice dev)
{
	CUresult e = gvcu_initialized();

	if (e)
		return e;
	if (dev < 0 || dev >= gv_session()->device_count)
		return CUDA_ERROR_INVALID_DEVICE;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)
{
	CUresult e = check_dev(dev);

	if (!pctx)
		return CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	*pctx = (CUcontext)primary_of(dev);
	pthread_mutex_lock(&primary_lock);
	primary_refs[dev]++;
	pthread_mutex_unlock(&primary_lock);
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)
{
	CUresult e = check_dev(dev);

	if (e)
		return e;
	pthread_mutex_lock(&primary_lock);
	if (primary_refs[dev] > 0)
		primary_refs[dev]--;
	pthread_mutex_unlock(&primary_lock);
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDevicePrimaryCtxGetState(CUdevice dev, unsigned int *flags, int *active)
{
	CUresult e = check_dev(dev);

	if (!flags || !active)
		return CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	pthread_mutex_lock(&primary_lock);
	*flags = primary_flags[dev];
	*active = primary_refs[dev] > 0 || gv_runtime_used();
	pthread_mutex_unlock(&primary_lock);
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDevicePrimaryCtxSetFlags_v2(CUdevice dev, unsigned int flags)
{
	CUresult e = check_dev(dev);

	if (e)
		return e;
	if (flags & ~0x1fu)
		return CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_lock(&primary_lock);
	primary_flags[dev] = flags;
	pthread_mutex_unlock(&primary_lock);
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDevicePrimaryCtxReset_v2(CUdevice dev)
{
	struct gv_empty q, r;
	CUresult e = check_dev(dev);
	int saved = gv_current_device();

	if (e)
		return e;
	/* What the runtime's cudaDeviceReset does: the session's memory,
	 * modules, streams and events on dev go. */
	gv_set_current_device(dev);
	e = gvcu_result(GVCU_AS_DRIVER(gv_rpc(GV_OP_DEVICE_RESET, &q, 0, &r, 0, NULL, 0)));
	gv_set_current_device(saved);
	if (!e) {
		gv_managed_forget_device(dev);
		gv_region_drop_device(dev);
	}
	return e;
}

/* ---- created contexts ---- */

static CUresult create(CUcontext *pctx, unsigned int flags, CUdevice dev)
{
	struct gvcu_ctx *c;
	CUresult e = check_dev(dev);

	if (!pctx)
		return CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	c = calloc(1, sizeof(*c));
	if (!c)
		return CUDA_ERROR_OUT_OF_MEMORY;
	c->magic = CTX_MAGIC;
	c->device = dev;
	c->flags = flags;
	c->id = atomic_fetch_add(&next_id, 1);
	/* A new context is pushed onto the thread's stack. */
	e = push(c);
	if (e) {
		free(c);
		return e;
	}
	*pctx = (CUcontext)c;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuCtxCreate_v2(CUcontext *pctx, unsigned int flags, CUdevice dev)
{
	return create(pctx, flags, dev);
}

GVCU_EXPORT CUresult cuCtxCreate_v3(CUcontext *pctx, CUexecAffinityParam *params, int n,
				    unsigned int flags, CUdevice dev)
{
	if (n > 0 || params)
		return CUDA_ERROR_NOT_SUPPORTED; /* execution affinity (MPS) */
	return create(pctx, flags, dev);
}

GVCU_EXPORT CUresult cuCtxCreate_v4(CUcontext *pctx, CUctxCreateParams *params, unsigned int flags,
				    CUdevice dev)
{
	if (params &&
	    (params->execAffinityParams || params->numExecAffinityParams || params->cigParams))
		return CUDA_ERROR_NOT_SUPPORTED; /* affinity and CIG contexts */
	return create(pctx, flags, dev);
}

GVCU_EXPORT CUresult cuCtxDestroy_v2(CUcontext ctx)
{
	struct gvcu_ctx *c = (struct gvcu_ctx *)ctx;
	int i;

	if (!valid(c) || c->primary)
		return CUDA_ERROR_INVALID_CONTEXT;
	/* Gone from this thread's stack; other threads must not use it. */
	for (i = 0; i < depth; i++) {
		if (stack[i] == c) {
			memmove(&stack[i], &stack[i + 1],
				(size_t)(depth - i - 1) * sizeof(stack[0]));
			depth--;
			i--;
		}
	}
	follow();
	c->magic = 0;
	free(c);
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuCtxPushCurrent_v2(CUcontext ctx)
{
	struct gvcu_ctx *c = (struct gvcu_ctx *)ctx;
	CUresult e = gvcu_initialized();

	if (e)
		return e;
	if (!valid(c))
		return CUDA_ERROR_INVALID_CONTEXT;
	return push(c);
}

GVCU_EXPORT CUresult cuCtxPopCurrent_v2(CUcontext *pctx)
{
	struct gvcu_ctx *c;
	CUresult e = gvcu_initialized();

	if (e)
		return e;
	materialize();
	if (!depth)
		return CUDA_ERROR_INVALID_CONTEXT;
	c = stack[--depth];
	if (pctx)
		*pctx = (CUcontext)c;
	follow();
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuCtxSetCurrent(CUcontext ctx)
{
	struct gvcu_ctx *c = (struct gvcu_ctx *)ctx;
	CUresult e = gvcu_initialized();

	if (e)
		return e;
	if (c && !valid(c))
		return CUDA_ERROR_INVALID_CONTEXT;
	/* Replaces the top of the stack; NULL pops it (natively the same). */
	materialize();
	if (!c) {
		if (depth)
			depth--;
	} else if (depth) {
		stack[depth - 1] = c;
	} else {
		stack[depth++] = c;
	}
	follow();
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuCtxGetCurrent(CUcontext *pctx)
{
	CUresult e = gvcu_initialized();

	if (!pctx)
		return CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	*pctx = (CUcontext)gvcu_current();
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuCtxGetDevice(CUdevice *dev)
{
	CUresult e = gvcu_need_ctx();

	if (!dev)
		return CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	*dev = gvcu_current()->device;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuCtxGetFlags(unsigned int *flags)
{
	CUresult e = gvcu_need_ctx();
	struct gvcu_ctx *c;

	if (!flags)
		return CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	c = gvcu_current();
	*flags = c->primary ? primary_flags[c->device] : c->flags;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuCtxGetApiVersion(CUcontext ctx, unsigned int *version)
{
	struct gvcu_ctx *c = ctx ? (struct gvcu_ctx *)ctx : gvcu_current();

	if (!version)
		return CUDA_ERROR_INVALID_VALUE;
	if (!valid(c))
		return CUDA_ERROR_INVALID_CONTEXT;
	*version = 3020; /* what every driver since CUDA 3.2 reports */
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuCtxGetId(CUcontext ctx, unsigned long long *id)
{
	struct gvcu_ctx *c = ctx ? (struct gvcu_ctx *)ctx : gvcu_current();

	if (!id)
		return CUDA_ERROR_INVALID_VALUE;
	if (!valid(c))
		return CUDA_ERROR_INVALID_CONTEXT;
	*id = c->id;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuCtxSynchronize(void)
{
	struct gv_empty q, r;

	return gvcu_rpc(GV_OP_DEVICE_SYNCHRONIZE, &q, 0, NULL, 0, &r, 0, NULL, 0);
}
