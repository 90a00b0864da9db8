/* SPDX-License-Identifier: MIT */
/*
 * Device management.  The device count, driver version and each device's
 * properties never change, so they are fetched once and answered here;
 * the current device is per thread, as natively.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gvrt.h"

static _Thread_local int current_device;

static struct {
	pthread_mutex_t lock;
	int have[GVRT_MAX_DEVICES];
	struct gv_device_info_resp info[GVRT_MAX_DEVICES];
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

int gv_current_device(void)
{
	return current_device;
}

void gv_set_current_device(int dev)
{
	current_device = dev;
}

/*
 * The session's devices, for a runtime call that needs them.  Natively
 * such a call initializes the driver (cuInit's effect, no context yet),
 * which the driver API then sees.
 */
static cudaError_t devices_ready(const struct gv_session_info **out)
{
	const struct gv_session_info *s = gv_session();

	*out = s;
	if (!s->ready)
		return s->init_error;
	if (s->count_result != cudaSuccess)
		return s->count_result;
	gv_runtime_init_mark();
	return cudaSuccess;
}

/* cudaSuccess when dev names a device this guest may use. */
static cudaError_t check_device(int dev)
{
	const struct gv_session_info *s;
	cudaError_t e = devices_ready(&s);

	if (e)
		return e;
	if (dev < 0 || dev >= s->device_count)
		return cudaErrorInvalidDevice;
	return cudaSuccess;
}

/*
 * What differs between the host's device and the one this process sees:
 * managed memory is mirrored, not shared page by page (managed.c), so the
 * CPU and the GPU cannot use it at once, and the GPU cannot reach this
 * process's pageable memory.
 */
static void as_seen_here(struct gv_device_info_resp *r)
{
	static const int off[] = {cudaDevAttrConcurrentManagedAccess,
				  cudaDevAttrPageableMemoryAccess,
				  cudaDevAttrPageableMemoryAccessUsesHostPageTables,
				  cudaDevAttrDirectManagedMemAccessFromHost};
	size_t k;

	for (k = 0; k < sizeof(off) / sizeof(off[0]); k++)
		if (off[k] < GV_ATTR_SLOTS)
			r->attrs[off[k]] = 0;
}

const struct gv_device_info_resp *gv_device_info(int dev, cudaError_t *err)
{
	struct gv_device_info_resp *r;
	struct gv_empty q;
	int saved = current_device;

	*err = check_device(dev);
	if (*err)
		return NULL;
	pthread_mutex_lock(&cache.lock);
	if (!cache.have[dev]) {
		r = malloc(sizeof(*r));
		if (!r) {
			*err = cudaErrorMemoryAllocation;
		} else {
			current_device = dev; /* the header names the device */
			*err = GV_RPC(DEVICE_INFO, &q, r, NULL, 0);
			current_device = saved;
			if (*err == cudaSuccess) {
				as_seen_here(r);
				cache.info[dev] = *r;
				cache.have[dev] = 1;
			}
			free(r);
		}
	}
	pthread_mutex_unlock(&cache.lock);
	return *err ? NULL : &cache.info[dev];
}

GVRT_EXPORT cudaError_t cudaGetDeviceCount(int *count)
{
	const struct gv_session_info *s;
	cudaError_t e;

	if (!count)
		return gv_ret(cudaErrorInvalidValue);
	e = devices_ready(&s);
	if (e)
		return gv_ret(e);
	*count = s->device_count;
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaGetDevice(int *device)
{
	if (!device)
		return gv_ret(cudaErrorInvalidValue);
	*device = current_device;
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaSetDevice(int device)
{
	cudaError_t e = check_device(device);

	if (e)
		return gv_ret(e);
	current_device = device;
	/* Since CUDA 12 this makes the device's primary context current. */
	gv_runtime_mark();
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *prop, int device)
{
	const struct gv_device_info_resp *i;
	cudaError_t e;

	if (!prop)
		return gv_ret(cudaErrorInvalidValue);
	i = gv_device_info(device, &e);
	if (!i)
		return gv_ret(e);
	gv_fill_device_prop(prop, i);
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int device)
{
	const struct gv_device_info_resp *i;
	cudaError_t e;
	int a = (int)attr;

	if (!value)
		return gv_ret(cudaErrorInvalidValue);
	i = gv_device_info(device, &e);
	if (!i)
		return gv_ret(e);
	if (a <= 0 || a >= GV_ATTR_SLOTS || !(i->attr_valid[a / 8] & (1u << (a % 8))))
		return gv_ret(cudaErrorInvalidValue);
	*value = i->attrs[a];
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaDeviceSynchronize(void)
{
	struct gv_empty q, r;

	return gv_ret(GV_RPC(DEVICE_SYNCHRONIZE, &q, &r, NULL, 0));
}

GVRT_EXPORT cudaError_t cudaDeviceReset(void)
{
	struct gv_empty q, r;
	cudaError_t e = GV_RPC(DEVICE_RESET, &q, &r, NULL, 0);

	if (e == cudaSuccess) {
		gv_managed_forget_device(current_device);
		gv_region_drop_device(current_device);
	}
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaRuntimeGetVersion(int *version)
{
	if (!version)
		return gv_ret(cudaErrorInvalidValue);
	*version = CUDART_VERSION;
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaDriverGetVersion(int *version)
{
	const struct gv_session_info *s = gv_session();

	if (!version)
		return gv_ret(cudaErrorInvalidValue);
	/* Native reports 0, with success, when there is no driver. */
	*version = s->ready ? s->driver_version : 0;
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes)
{
	struct gv_empty q;
	struct gv_mem_info_resp r;
	cudaError_t e;

	if (!free_bytes || !total_bytes)
		return gv_ret(cudaErrorInvalidValue);
	e = GV_RPC(MEM_GET_INFO, &q, &r, NULL, 0);
	if (e == cudaSuccess) {
		*free_bytes = r.free_bytes;
		*total_bytes = r.total_bytes;
	}
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaDeviceCanAccessPeer(int *can, int device, int peer)
{
	struct gv_peer_req q = {.peer = peer};
	struct gv_int_resp r;
	int saved = current_device;
	cudaError_t e;

	if (!can)
		return gv_ret(cudaErrorInvalidValue);
	e = check_device(device);
	if (e)
		return gv_ret(e);
	current_device = device; /* the header names the device asking */
	e = GV_RPC(PEER_CAN_ACCESS, &q, &r, NULL, 0);
	current_device = saved;
	if (!e)
		*can = r.value;
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaDeviceEnablePeerAccess(int peer, unsigned int flags)
{
	struct gv_peer_req q = {.peer = peer, .flags = flags};
	struct gv_empty r;

	return gv_ret(GV_RPC(PEER_ENABLE, &q, &r, NULL, 0));
}
