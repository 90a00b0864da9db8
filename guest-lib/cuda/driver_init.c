/* SPDX-License-Identifier: MIT */
/*
 * Initialization, versions, devices and errors: answered in the guest from
 * the session's greeting and the cached device information, as the
 * runtime shim answers its own.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>

#include "gvcu.h"

static atomic_int initialized;

struct gvcu_error_name {
	int code;
	const char *name;
};
static const struct gvcu_error_name error_names[] = {
#include "gen/cuda_errors.inc"
};

CUresult gvcu_initialized(void)
{
	const struct gv_session_info *s;

	if (!atomic_load(&initialized) && !gv_runtime_inited())
		return CUDA_ERROR_NOT_INITIALIZED;
	s = gv_session();
	if (!s->ready)
		return gvcu_result(s->init_error);
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuInit(unsigned int flags)
{
	const struct gv_session_info *s;

	if (flags != 0)
		return CUDA_ERROR_INVALID_VALUE;
	s = gv_session();
	if (!s->ready)
		return gvcu_result(s->init_error);
	if (s->count_result != cudaSuccess)
		return gvcu_result(s->count_result);
	if (!(s->apis & GV_API_CUDADR)) {
		gv_log(GV_LOG_ERROR, "the host does not serve the driver API: add \"cudadr\" to "
				     "the endpoint's \"plugins\" in its properties.json");
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	atomic_store(&initialized, 1);
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDriverGetVersion(int *version)
{
	const struct gv_session_info *s = gv_session();

	if (!version)
		return CUDA_ERROR_INVALID_VALUE;
	*version = s->ready ? s->driver_version : CUDA_VERSION;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuGetErrorName(CUresult error, const char **str)
{
	size_t i;

	if (!str)
		return CUDA_ERROR_INVALID_VALUE;
	for (i = 0; i < sizeof(error_names) / sizeof(error_names[0]); i++) {
		if (error_names[i].code == (int)error) {
			*str = error_names[i].name;
			return CUDA_SUCCESS;
		}
	}
	*str = NULL;
	return CUDA_ERROR_INVALID_VALUE;
}

GVCU_EXPORT CUresult cuGetErrorString(CUresult error, const char **str)
{
	CUresult e = cuGetErrorName(error, str);

	/* The runtime's text where both APIs have the code, else the name. */
	if (e == CUDA_SUCCESS && gv_error_text((int)error))
		*str = gv_error_text((int)error);
	return e;
}

/* ---- devices ---- */

static const struct gv_device_info_resp *info(CUdevice dev, CUresult *e)
{
	const struct gv_device_info_resp *i;
	cudaError_t re;

	*e = gvcu_initialized();
	if (*e)
		return NULL;
	i = GVCU_AS_DRIVER(gv_device_info(dev, &re));
	if (!i)
		*e = re == cudaErrorInvalidDevice ? CUDA_ERROR_INVALID_DEVICE : gvcu_result(re);
	return i;
}

GVCU_EXPORT CUresult cuDeviceGetCount(int *count)
{
	CUresult e = gvcu_initialized();

	if (!count)
		return CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	*count = gv_session()->device_count;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal)
{
	CUresult e = gvcu_initialized();

	if (!device)
		return CUDA_ERROR_INVALID_VALUE;
	if (e)
		return e;
	if (ordinal < 0 || ordinal >= gv_session()->device_count)
		return CUDA_ERROR_INVALID_DEVICE;
	*device = ordinal;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice dev)
{
	CUresult e;
	const struct gv_device_info_resp *i = info(dev, &e);

	if (!name || len <= 0)
		return CUDA_ERROR_INVALID_VALUE;
	if (!i)
		return e;
	snprintf(name, (size_t)len, "%.*s", (int)sizeof(i->name), i->name);
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev)
{
	CUresult e;
	const struct gv_device_info_resp *i = info(dev, &e);

	if (!uuid)
		return CUDA_ERROR_INVALID_VALUE;
	if (!i)
		return e;
	memcpy(uuid->bytes, i->uuid, sizeof(uuid->bytes));
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDeviceGetLuid(char *luid, unsigned int *mask, CUdevice dev)
{
	CUresult e;
	const struct gv_device_info_resp *i = info(dev, &e);

	if (!luid || !mask)
		return CUDA_ERROR_INVALID_VALUE;
	if (!i)
		return e;
	/* Natively: only on Windows (WDDM); Linux drivers refuse. */
	return CUDA_ERROR_NOT_SUPPORTED;
}

GVCU_EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)
{
	CUresult e;
	const struct gv_device_info_resp *i = info(dev, &e);

	if (!bytes)
		return CUDA_ERROR_INVALID_VALUE;
	if (!i)
		return e;
	*bytes = i->total_mem;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev)
{
	CUresult e;
	const struct gv_device_info_resp *i;
	int a = (int)attrib;

	if (!pi)
		return CUDA_ERROR_INVALID_VALUE;
	i = info(dev, &e);
	if (!i)
		return e;
	if (a <= 0 || a >= GV_ATTR_SLOTS || !(i->attr_valid[a / 8] & (1u << (a % 8))))
		return CUDA_ERROR_INVALID_VALUE;
	*pi = i->attrs[a];
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuDeviceComputeCapability(int *major, int *minor, CUdevice dev)
{
	CUresult e;

	if (!major || !minor)
		return CUDA_ERROR_INVALID_VALUE;
	e = cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
	return e ? e
		 : cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
}

GVCU_EXPORT CUresult cuDeviceGetProperties(CUdevprop *p, CUdevice dev)
{
	static const struct {
		size_t off;
		CUdevice_attribute a;
	} map[] = {
	    {offsetof(CUdevprop, maxThreadsPerBlock), CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK},
	    {offsetof(CUdevprop, maxThreadsDim[0]), CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X},
	    {offsetof(CUdevprop, maxThreadsDim[1]), CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y},
	    {offsetof(CUdevprop, maxThreadsDim[2]), CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z},
	    {offsetof(CUdevprop, maxGridSize[0]), CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X},
	    {offsetof(CUdevprop, maxGridSize[1]), CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y},
	    {offsetof(CUdevprop, maxGridSize[2]), CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z},
	    {offsetof(CUdevprop, sharedMemPerBlock),
	     CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK},
	    {offsetof(CUdevprop, totalConstantMemory), CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY},
	    {offsetof(CUdevprop, SIMDWidth), CU_DEVICE_ATTRIBUTE_WARP_SIZE},
	    {offsetof(CUdevprop, memPitch), CU_DEVICE_ATTRIBUTE_MAX_PITCH},
	    {offsetof(CUdevprop, regsPerBlock), CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK},
	    {offsetof(CUdevprop, clockRate), CU_DEVICE_ATTRIBUTE_CLOCK_RATE},
	    {offsetof(CUdevprop, textureAlign), CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT},
	};
	size_t k;

	if (!p)
		return CUDA_ERROR_INVALID_VALUE;
	for (k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
		CUresult e = cuDeviceGetAttribute((int *)((char *)p + map[k].off), map[k].a, dev);

		if (e)
			return e;
	}
	return CUDA_SUCCESS;
}

/* ---- entry points ---- */

GVCU_EXPORT CUresult cuGetExportTable(const void **table, const CUuuid *id)
{
	/* The driver's private tables are not part of the API (DESIGN 11). */
	if (!table || !id)
		return CUDA_ERROR_INVALID_VALUE;
	*table = NULL;
	return CUDA_ERROR_NOT_FOUND;
}

/* Each driver function's ABI variants and the CUDA version that
 * introduced each (cudaTypedefs.h), by name, oldest first. */
static const struct proc_version {
	const char *name;
	int version;
	const char *symbol;
} proc_versions[] = {
#include "gen/cuda_versions.inc"
};

/* name, or its per-thread-default-stream form when asked and it has one. */
static void *resolve(void *self, const char *name, int per_thread)
{
	static const char *const sfx[] = {"_ptsz", "_ptds"};
	char buf[160];
	void *p;
	int k;

	for (k = 0; per_thread && k < 2; k++) {
		snprintf(buf, sizeof(buf), "%s%s", name, sfx[k]);
		p = dlsym(self, buf);
		if (p)
			return p;
	}
	return dlsym(self, name);
}

/*
 * The variant of symbol that a program built for cudaVersion calls: the
 * newest one introduced at or before that version, as NVIDIA's driver
 * answers (*found: 0 for a name the table lacks, -1 for a version older
 * than its first variant).  A name the table lacks is its newest _vN.
 */
static void *variant(void *self, const char *symbol, int cudaVersion, int per_thread, int *found)
{
	const char *pick = NULL;
	char buf[160];
	size_t i;
	void *p;
	int v;

	*found = 0;
	for (i = 0; i < sizeof(proc_versions) / sizeof(proc_versions[0]); i++) {
		if (strcmp(proc_versions[i].name, symbol))
			continue;
		*found = -1;
		if (proc_versions[i].version <= cudaVersion)
			pick = proc_versions[i].symbol;
	}
	if (pick) {
		*found = 1;
		return resolve(self, pick, per_thread);
	}
	if (*found)
		return NULL;
	for (v = 9; v >= 2; v--) {
		snprintf(buf, sizeof(buf), "%s_v%d", symbol, v);
		p = dlsym(self, buf) ? resolve(self, buf, per_thread) : NULL;
		if (p)
			return p;
	}
	return resolve(self, symbol, per_thread);
}

GVCU_EXPORT CUresult cuGetProcAddress_v2(const char *symbol, void **pfn, int cudaVersion,
					 cuuint64_t flags, CUdriverProcAddressQueryResult *status)
{
	void *self;
	int found = 0;

	if (!symbol || !pfn)
		return CUDA_ERROR_INVALID_VALUE;
	*pfn = NULL;
	self = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
	if (self) {
		*pfn = variant(self, symbol, cudaVersion,
			       !!(flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM), &found);
		dlclose(self);
	}
	if (status)
		*status = *pfn	      ? CU_GET_PROC_ADDRESS_SUCCESS
			  : found < 0 ? CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT
				      : CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
	return *pfn ? CUDA_SUCCESS : CUDA_ERROR_NOT_FOUND;
}

/* Atomic operations' capabilities (ATOMIC_CAPS), a request per few of them. */
static CUresult atomic_caps(uint32_t p2p, unsigned int *caps, const CUatomicOperation *ops,
			    unsigned int count, CUdevice dev, CUdevice peer)
{
	struct gv_atomic_caps_req q = {.p2p = p2p, .dev = dev, .peer = peer};
	struct gv_atomic_caps_resp r;
	unsigned int done = 0, i;
	CUresult e = CUDA_SUCCESS;

	if (count && (!caps || !ops))
		return CUDA_ERROR_INVALID_VALUE;
	do {
		q.count = count - done < GV_MAX_ATOMIC_OPS ? count - done : GV_MAX_ATOMIC_OPS;
		for (i = 0; i < q.count; i++)
			q.ops[i] = (uint32_t)ops[done + i];
		e = GVCU_RPC(ATOMIC_CAPS, &q, &r, NULL, 0);
		for (i = 0; !e && i < q.count; i++)
			caps[done + i] = r.caps[i];
		done += q.count;
	} while (!e && done < count);
	return e;
}

GVCU_EXPORT CUresult cuDeviceGetHostAtomicCapabilities(unsigned int *capabilities,
						       const CUatomicOperation *operations,
						       unsigned int count, CUdevice dev)
{
	return atomic_caps(0, capabilities, operations, count, dev, 0);
}

GVCU_EXPORT CUresult cuDeviceGetP2PAtomicCapabilities(unsigned int *capabilities,
						      const CUatomicOperation *operations,
						      unsigned int count, CUdevice srcDevice,
						      CUdevice dstDevice)
{
	return atomic_caps(1, capabilities, operations, count, srcDevice, dstDevice);
}

/* ---- the driver's logs: the session's worker process's (LOGS_DUMP) ---- */

static CUresult logs_dump(CUlogIterator *iterator, char *buffer, size_t *size, unsigned int flags)
{
	struct gv_logs_dump_req q = {.flags = flags};
	struct gv_logs_dump_resp r = {0};
	struct gv_buf b;
	CUresult e;

	if (!buffer || !size || !*size)
		return CUDA_ERROR_INVALID_VALUE;
	q.size = *size < GV_MAX_LOGS_DUMP ? *size : GV_MAX_LOGS_DUMP;
	q.has_iterator = iterator != NULL;
	q.iterator = iterator ? *iterator : 0;
	b = (struct gv_buf){buffer, q.size, GV_BULK_FROM_HOST};
	e = GVCU_RPC(LOGS_DUMP, &q, &r, &b, 1);
	if (e && e != CUDA_ERROR_INVALID_VALUE)
		return e;
	*size = r.size < q.size ? r.size : q.size - 1;
	buffer[*size] = 0;
	if (iterator)
		*iterator = r.iterator;
	return e;
}

GVCU_EXPORT CUresult cuLogsDumpToMemory(CUlogIterator *iterator, char *buffer, size_t *size,
					unsigned int flags)
{
	return logs_dump(iterator, buffer, size, flags);
}

/* The logs written here, into the guest's file. */
GVCU_EXPORT CUresult cuLogsDumpToFile(CUlogIterator *iterator, const char *pathToFile,
				      unsigned int flags)
{
	size_t size = 25600 + 1; /* what the driver keeps, and the NUL */
	char *buf;
	FILE *f;
	CUresult e;

	if (!pathToFile)
		return CUDA_ERROR_INVALID_VALUE;
	buf = malloc(size);
	if (!buf)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e = logs_dump(iterator, buf, &size, flags);
	if (!e) {
		f = fopen(pathToFile, "a");
		if (!f || fwrite(buf, 1, size, f) != size)
			e = CUDA_ERROR_INVALID_VALUE;
		if (f && fclose(f))
			e = CUDA_ERROR_INVALID_VALUE;
	}
	free(buf);
	return e;
}
