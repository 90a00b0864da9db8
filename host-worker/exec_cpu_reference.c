/* SPDX-License-Identifier: MIT */
/*
 * The CPU reference executor: a test double for machines without a GPU
 * (CI).  Device memory is host RAM behind made-up device addresses, so the
 * whole transport is exercised byte for byte.  It is never a default: a
 * device or backend uses it only when configured with "cpu-reference".
 */
#include <cuda.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fatbin_params.h"
#include "handlers.h"
#include "module_image.h"

#define CPUREF_MEM_PER_DEVICE (4ull << 30)
#define CPUREF_VA_BASE	      0x600000000000ull /* clear of usual guest mappings */
#define CPUREF_VA_GRANULE     (2ull << 20)
#define CPUREF_PITCH_ALIGN    512

struct cpuref_state {
	_Atomic uint64_t next_va;
	_Atomic uint64_t used[GVW_MAX_DEVICES];
};

struct cpuref_ctx {
	struct cpuref_state *st;
	int dev;
	uint32_t peers; /* devices whose memory this context may use */
};
_Static_assert(GVW_MAX_DEVICES <= 32, "cpuref_ctx.peers has a bit per device");

static void cpuref_init(struct gvw_worker *w)
{
	struct cpuref_state *st = calloc(1, sizeof(*st));

	if (!st) {
		w->device_count = 0;
		w->count_result = cudaErrorMemoryAllocation;
		snprintf(w->describe, sizeof(w->describe), "executor cpu-reference: out of memory");
		return;
	}
	atomic_init(&st->next_va, CPUREF_VA_BASE);
	w->ex_state = st;
	w->device_count = (int)w->cfg.cpu_reference_devices;
	w->count_result = cudaSuccess;
	w->driver_version = 13000;
	snprintf(w->describe, sizeof(w->describe),
		 "executor cpu-reference (test double, no GPU): %d device(s) of "
		 "%llu MiB in host RAM",
		 w->device_count, CPUREF_MEM_PER_DEVICE >> 20);
}

static const struct {
	CUdevice_attribute attr;
	int value;
} cpuref_attrs[] = {
    {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, 1024},
    {CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X, 1024},
    {CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y, 1024},
    {CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z, 64},
    {CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X, 2147483647},
    {CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, 65535},
    {CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z, 65535},
    {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, 49152},
    {CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY, 65536},
    {CU_DEVICE_ATTRIBUTE_WARP_SIZE, 32},
    {CU_DEVICE_ATTRIBUTE_MAX_PITCH, 2147483647},
    {CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK, 65536},
    {CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT, 512},
    {CU_DEVICE_ATTRIBUTE_TEXTURE_PITCH_ALIGNMENT, 32},
    {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, 2},
    {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, 9},
    {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, 0},
    {CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING, 1},
    {CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS, 1},
    {CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT, 1},
    {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, 2048},
    {CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, 1 << 20},
    {CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, 64},
    {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, 233472},
    {CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR, 65536},
    {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 232448},
    {CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR, 32},
    {CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY, 1},
    {CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED, 1},
    /* What cuda-samples' device selection (helper_cuda.h) asks first. */
    {CU_DEVICE_ATTRIBUTE_COMPUTE_MODE, CU_COMPUTEMODE_DEFAULT},
    {CU_DEVICE_ATTRIBUTE_CLOCK_RATE, 1000000},
    {CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, 1000000},
    {CU_DEVICE_ATTRIBUTE_INTEGRATED, 0},
    {CU_DEVICE_ATTRIBUTE_ECC_ENABLED, 0},
    {CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT, 0},
};

static int cpuref_device_info(struct gvw_worker *w, int dev, struct gv_device_info_resp *out)
{
	size_t i;

	(void)w;
	snprintf(out->name, sizeof(out->name), "gvirtus CPU reference device %d (no GPU)", dev);
	for (i = 0; i < sizeof(out->uuid); i++)
		out->uuid[i] = (uint8_t)(0xc0 + dev + i);
	out->total_mem = CPUREF_MEM_PER_DEVICE;
	for (i = 0; i < sizeof(cpuref_attrs) / sizeof(cpuref_attrs[0]); i++) {
		int a = cpuref_attrs[i].attr;

		out->attrs[a] = cpuref_attrs[i].value;
		out->attr_valid[a / 8] |= (uint8_t)(1u << (a % 8));
	}
	out->attrs[CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID] = dev;
	out->attr_valid[CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID / 8] |=
	    (uint8_t)(1u << (CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID % 8));
	return cudaSuccess;
}

static int cpuref_ctx_create(struct gvw_worker *w, int dev, void **ctx)
{
	struct cpuref_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return cudaErrorMemoryAllocation;
	c->st = w->ex_state;
	c->dev = dev;
	*ctx = c;
	return cudaSuccess;
}

static void cpuref_ctx_destroy(void *ctx)
{
	free(ctx);
}

static int cpuref_ctx_enter(void *ctx)
{
	(void)ctx;
	return cudaSuccess;
}

static int cpuref_synchronize(void *ctx)
{
	(void)ctx;
	return cudaSuccess;
}

static int cpuref_mem_get_info(void *ctx, uint64_t *free_b, uint64_t *total_b)
{
	struct cpuref_ctx *c = ctx;

	*total_b = CPUREF_MEM_PER_DEVICE;
	*free_b = CPUREF_MEM_PER_DEVICE - atomic_load(&c->st->used[c->dev]);
	return cudaSuccess;
}

static int cpuref_mem_alloc(void *ctx, uint64_t size, struct gvw_alloc *a)
{
	struct cpuref_ctx *c = ctx;
	uint64_t span, used;
	void *p;

	if (size > CPUREF_MEM_PER_DEVICE)
		return cudaErrorMemoryAllocation;
	used = atomic_fetch_add(&c->st->used[c->dev], size);
	if (used + size > CPUREF_MEM_PER_DEVICE) {
		atomic_fetch_sub(&c->st->used[c->dev], size);
		return cudaErrorMemoryAllocation;
	}
	/* Zeroed: a guest must not read back freed host memory through it. */
	p = calloc(1, size);
	if (!p) {
		atomic_fetch_sub(&c->st->used[c->dev], size);
		return cudaErrorMemoryAllocation;
	}
	/* Addresses are never reused, so a stale guest pointer never aliases. */
	span = (size + CPUREF_VA_GRANULE - 1) & ~(CPUREF_VA_GRANULE - 1);
	a->base = atomic_fetch_add(&c->st->next_va, span);
	a->size = size;
	a->priv = p;
	return cudaSuccess;
}

/* Its device memory is this process's memory already. */
static int cpuref_mem_alloc_managed(void *ctx, uint64_t size, unsigned int flags,
				    struct gvw_alloc *a)
{
	int e = cpuref_mem_alloc(ctx, size, a);

	(void)flags;
	if (!e)
		a->cpu = a->priv;
	return e;
}

static int cpuref_mem_alloc_pitch(void *ctx, uint64_t width, uint64_t height, uint64_t *pitch,
				  struct gvw_alloc *a)
{
	uint64_t p = (width + CPUREF_PITCH_ALIGN - 1) & ~(uint64_t)(CPUREF_PITCH_ALIGN - 1);

	if (height > CPUREF_MEM_PER_DEVICE / p)
		return cudaErrorMemoryAllocation;
	*pitch = p;
	return cpuref_mem_alloc(ctx, p * height, a);
}

static int cpuref_mem_free(void *ctx, struct gvw_alloc *a)
{
	struct cpuref_ctx *c = ctx;

	free(a->priv);
	a->priv = NULL;
	atomic_fetch_sub(&c->st->used[c->dev], a->size); /* the host ordinal */
	return cudaSuccess;
}

static char *host_of(const struct gvw_alloc *a, uint64_t addr)
{
	return (char *)a->priv + (addr - a->base);
}

static int cpuref_htod(void *ctx, const struct gvw_alloc *a, uint64_t addr, const void *src,
		       size_t n, void *stream)
{
	(void)ctx;
	memcpy(host_of(a, addr), src, n);
	return cudaSuccess;
}

static int cpuref_dtoh(void *ctx, void *dst, const struct gvw_alloc *a, uint64_t addr, size_t n,
		       void *stream)
{
	(void)ctx;
	memcpy(dst, host_of(a, addr), n);
	return cudaSuccess;
}

static int cpuref_dtod(void *ctx, const struct gvw_alloc *da, uint64_t dst,
		       const struct gvw_alloc *sa, uint64_t src, size_t n, void *stream)
{
	(void)ctx;
	memmove(host_of(da, dst), host_of(sa, src), n);
	return cudaSuccess;
}

static int cpuref_memset8(void *ctx, const struct gvw_alloc *a, uint64_t addr, uint8_t value,
			  size_t n, void *stream)
{
	(void)ctx;
	memset(host_of(a, addr), value, n);
	return cudaSuccess;
}

static int cpuref_copy2d(void *ctx, const struct gvw_alloc *da, uint64_t dst, void *dst_host,
			 uint64_t dpitch, const struct gvw_alloc *sa, uint64_t src,
			 const void *src_host, uint64_t spitch, uint64_t width, uint64_t height,
			 void *stream)
{
	char *d = da ? host_of(da, dst) : dst_host;
	const char *s = sa ? host_of(sa, src) : src_host;
	uint64_t y;

	(void)ctx;
	for (y = 0; y < height; y++)
		memmove(d + y * dpitch, s + y * spitch, width);
	return cudaSuccess;
}

/*
 * Modules: the image is kept so kernels' parameter layouts can be read
 * from it (.nv.info); kernels never run.  Globals get host memory of the
 * size the guest registered, found again by name.
 */
struct cpuref_global {
	char name[GV_MAX_NAME];
	struct gvw_alloc a;
};

struct cpuref_module {
	unsigned char *image;
	size_t len;
	int kind; /* GVW_IMAGE_* */
	struct cpuref_global *globals;
	size_t nglobals;
};

#define CPUREF_MAX_GLOBAL (64ull << 20)

/*
 * A fatbin, a bare ELF cubin or PTX text (the handler checked which, and
 * terminated it): kept whole, for the kernels' parameter layouts.
 */
static int cpuref_module_load(void *ctx, const void *image, size_t len, void **mod)
{
	struct cpuref_module *m = calloc(1, sizeof(*m));
	size_t size = gvw_fatbin_size(image, len);

	if (!m)
		return cudaErrorMemoryAllocation;
	m->kind = size ? GVW_IMAGE_FATBIN
		  : len >= 4 && !memcmp(image,
					"\x7f"
					"ELF",
					4)
		      ? GVW_IMAGE_ELF
		      : GVW_IMAGE_PTX;
	if (!size)
		size = m->kind == GVW_IMAGE_PTX ? strnlen(image, len) : len;
	if (size == 0 || size > len) {
		free(m);
		return cudaErrorInvalidKernelImage;
	}
	m->image = malloc(size + 1);
	if (!m->image) {
		free(m);
		return cudaErrorMemoryAllocation;
	}
	memcpy(m->image, image, size);
	m->image[size] = 0; /* PTX is read as a string */
	m->len = size;
	*mod = m;
	return cudaSuccess;
}

static void cpuref_module_unload(void *ctx, void *mod)
{
	struct cpuref_module *m = mod;
	size_t i;

	for (i = 0; i < m->nglobals; i++)
		cpuref_mem_free(ctx, &m->globals[i].a);
	free(m->globals);
	free(m->image);
	free(m);
}

static int cpuref_function_get(void *ctx, void *mod, const char *name, struct gvw_function *fn)
{
	struct cpuref_module *m = mod;
	struct gvw_param p[GV_MAX_PARAMS];
	const char *why = NULL;
	uint32_t end = 0;
	int i, n = m->kind == GVW_IMAGE_FATBIN
		       ? gvw_fatbin_param_layout(m->image, m->len, name, p, GV_MAX_PARAMS, &why)
		   : m->kind == GVW_IMAGE_ELF
		       ? gvw_elf_param_layout(m->image, m->len, name, p, GV_MAX_PARAMS, &why)
		       : gvw_ptx_param_layout((const char *)m->image, name, p, GV_MAX_PARAMS, &why);

	if (n < 0 || n > GV_MAX_PARAMS)
		return cudaErrorInvalidDeviceFunction;
	for (i = 0; i < n; i++) {
		fn->params[i].offset = p[i].offset;
		fn->params[i].size = p[i].size;
		if (p[i].offset + p[i].size > end)
			end = p[i].offset + p[i].size;
	}
	fn->nparams = (uint32_t)n;
	fn->args_size = end;
	fn->exec = m;
	return cudaSuccess;
}

static int cpuref_global_get(void *ctx, void *mod, const char *name, uint64_t size_hint,
			     struct gvw_alloc *a)
{
	struct cpuref_module *m = mod;
	struct cpuref_global *g;
	size_t i;
	int e;

	for (i = 0; i < m->nglobals; i++) {
		if (!strcmp(m->globals[i].name, name)) {
			*a = m->globals[i].a;
			return cudaSuccess;
		}
	}
	if (size_hint == 0 || size_hint > CPUREF_MAX_GLOBAL)
		return cudaErrorInvalidSymbol;
	g = realloc(m->globals, (m->nglobals + 1) * sizeof(*g));
	if (!g)
		return cudaErrorMemoryAllocation;
	m->globals = g;
	g = &m->globals[m->nglobals];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	e = cpuref_mem_alloc(ctx, size_hint, &g->a);
	if (e)
		return e;
	g->a.device = ((struct cpuref_ctx *)ctx)->dev;
	memset(g->a.priv, 0, size_hint); /* globals start zeroed */
	m->nglobals++;
	*a = g->a;
	return cudaSuccess;
}

/* The double's kernels' limits, as cpuref_func_attrs says them. */
#define CPUREF_MAX_THREADS  1024
#define CPUREF_MAX_DYN_SMEM 49152

static int cpuref_launch(void *ctx, struct gvw_function *fn, const struct gv_launch_req *q,
			 const void *args, void *stream)
{
	/* Past the kernel's own limits a launch fails, as on a GPU. */
	if ((uint64_t)q->block[0] * q->block[1] * q->block[2] > CPUREF_MAX_THREADS ||
	    q->shared_mem > CPUREF_MAX_DYN_SMEM)
		return cudaErrorInvalidValue;
	return cudaSuccess; /* nothing runs: cpuref_record_launch keeps it */
}

/* The double cannot run kernels: it keeps the last launch for tests (LAUNCH_LOG). */
static void cpuref_record_launch(struct gvw_session *s, const struct gvw_function *fn,
				 const struct gv_launch_req *q, const void *args)
{
	struct gv_launch_log_resp *l = s->launch_log;
	uint64_t n;

	if (!l) {
		l = s->launch_log = calloc(1, sizeof(*l));
		if (!l)
			return;
	}
	n = l->launches + 1;
	memset(l, 0, sizeof(*l));
	l->launches = n;
	snprintf(l->name, sizeof(l->name), "%s", fn->name);
	memcpy(l->grid, q->grid, sizeof(l->grid));
	memcpy(l->block, q->block, sizeof(l->block));
	l->shared_mem = q->shared_mem;
	l->args_len = q->args_len;
	l->stream = q->stream;
	memcpy(l->args, args, q->args_len < GV_LOG_ARGS ? q->args_len : GV_LOG_ARGS);
}

static int cpuref_func_attrs(void *ctx, struct gvw_function *fn, struct gv_func_attrs_resp *out)
{
	out->values[CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK] = CPUREF_MAX_THREADS;
	out->values[CU_FUNC_ATTRIBUTE_NUM_REGS] = 16;
	out->values[CU_FUNC_ATTRIBUTE_PTX_VERSION] = 90;
	out->values[CU_FUNC_ATTRIBUTE_BINARY_VERSION] = 90;
	out->values[CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES] = CPUREF_MAX_DYN_SMEM;
	out->valid =
	    1u << CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK | 1u << CU_FUNC_ATTRIBUTE_NUM_REGS |
	    1u << CU_FUNC_ATTRIBUTE_PTX_VERSION | 1u << CU_FUNC_ATTRIBUTE_BINARY_VERSION |
	    1u << CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES |
	    1u << CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES | 1u << CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES |
	    1u << CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES;
	return cudaSuccess;
}

static int cpuref_func_set_attr(void *ctx, struct gvw_function *fn, int attr, int value)
{
	return cudaSuccess;
}

static int cpuref_occupancy(void *ctx, struct gvw_function *fn, int block, uint64_t smem,
			    unsigned int flags, int *out)
{
	*out = block > 0 && block <= 1024 ? 2048 / block : 0;
	return cudaSuccess;
}

/* Streams and events: everything has already happened when a call returns. */
struct cpuref_event {
	unsigned int flags;
	int recorded;
	struct timespec at;
};

static int cpuref_stream_create(void *ctx, unsigned int flags, int prio, void **s)
{
	*s = malloc(1);
	return *s ? cudaSuccess : cudaErrorMemoryAllocation;
}

static int cpuref_stream_destroy(void *ctx, void *s)
{
	free(s);
	return cudaSuccess;
}

static int cpuref_stream_sync(void *ctx, void *s)
{
	return cudaSuccess;
}

static int cpuref_stream_wait_event(void *ctx, void *s, void *ev, unsigned int flags)
{
	return cudaSuccess;
}

static int cpuref_priority_range(void *ctx, int *least, int *greatest)
{
	*least = 0;
	*greatest = -5;
	return cudaSuccess;
}

static int cpuref_event_create(void *ctx, unsigned int flags, void **ev)
{
	struct cpuref_event *e;

	/* An interprocess event cannot time (cudaEventCreateWithFlags). */
	if ((flags & cudaEventInterprocess) && !(flags & cudaEventDisableTiming))
		return cudaErrorInvalidValue;
	e = calloc(1, sizeof(*e));
	if (!e)
		return cudaErrorMemoryAllocation;
	e->flags = flags;
	*ev = e;
	return cudaSuccess;
}

static int cpuref_event_record(void *ctx, void *ev, void *s)
{
	struct cpuref_event *e = ev;

	e->recorded = 1;
	clock_gettime(CLOCK_MONOTONIC, &e->at);
	return cudaSuccess;
}

static int cpuref_event_sync(void *ctx, void *ev)
{
	return cudaSuccess;
}

static int cpuref_event_elapsed(void *ctx, void *e0, void *e1, float *ms)
{
	struct cpuref_event *a = e0, *b = e1;

	if ((a->flags | b->flags) & 2u) /* cudaEventDisableTiming */
		return cudaErrorInvalidResourceHandle;
	if (!a->recorded || !b->recorded)
		return cudaErrorInvalidResourceHandle;
	*ms = (float)((b->at.tv_sec - a->at.tv_sec) * 1e3 + (b->at.tv_nsec - a->at.tv_nsec) / 1e6);
	return cudaSuccess;
}

static int cpuref_event_destroy(void *ctx, void *ev)
{
	free(ev);
	return cudaSuccess;
}

/* Nothing is queued: the gate is reached at once; syncs wait for release. */
static int cpuref_host_gate(void *ctx, void *stream, struct gvw_gate *g)
{
	gvw_gate_reached(g);
	return cudaSuccess;
}

/*
 * There is no stream to hold at a gate: synchronizing calls wait for the
 * session's host functions instead.
 */
static void cpuref_on_synchronize(struct gvw_session *s)
{
	gvw_gate_drain(s->w, s->id);
}

/* The double's devices are all host RAM: peers of each other. */
static int cpuref_can_access_peer(struct gvw_worker *w, int dev, int peer, int *out)
{
	*out = 1;
	return cudaSuccess;
}

static int cpuref_enable_peer(void *ctx, void *peer_ctx, unsigned int flags)
{
	struct cpuref_ctx *c = ctx;
	uint32_t bit = 1u << ((struct cpuref_ctx *)peer_ctx)->dev;

	if (c->peers & bit)
		return cudaErrorPeerAccessAlreadyEnabled;
	c->peers |= bit;
	return cudaSuccess;
}

static int cpuref_copy_peer(void *dst_ctx, const struct gvw_alloc *da, uint64_t dst, void *src_ctx,
			    const struct gvw_alloc *sa, uint64_t src, size_t n, void *stream)
{
	memmove(host_of(da, dst), host_of(sa, src), n);
	return cudaSuccess;
}

const struct gvw_executor gvw_exec_cpu_reference = {
    .name = "cpu-reference",
    .init = cpuref_init,
    .device_info = cpuref_device_info,
    .ctx_create = cpuref_ctx_create,
    .ctx_destroy = cpuref_ctx_destroy,
    .ctx_enter = cpuref_ctx_enter,
    .synchronize = cpuref_synchronize,
    .mem_get_info = cpuref_mem_get_info,
    .mem_alloc = cpuref_mem_alloc,
    .mem_alloc_managed = cpuref_mem_alloc_managed,
    .mem_alloc_pitch = cpuref_mem_alloc_pitch,
    .mem_free = cpuref_mem_free,
    .htod = cpuref_htod,
    .dtoh = cpuref_dtoh,
    /* Its copies are done when they return: started is finished. */
    .htod_start = cpuref_htod,
    .dtoh_start = cpuref_dtoh,
    .dtod = cpuref_dtod,
    .memset8 = cpuref_memset8,
    .copy2d = cpuref_copy2d,
    .module_load = cpuref_module_load,
    .module_unload = cpuref_module_unload,
    .function_get = cpuref_function_get,
    .global_get = cpuref_global_get,
    .launch = cpuref_launch,
    .func_attrs = cpuref_func_attrs,
    .func_set_attr = cpuref_func_set_attr,
    .occupancy = cpuref_occupancy,
    .stream_create = cpuref_stream_create,
    .stream_destroy = cpuref_stream_destroy,
    .stream_sync = cpuref_stream_sync,
    .stream_query = cpuref_stream_sync,
    .stream_wait_event = cpuref_stream_wait_event,
    .priority_range = cpuref_priority_range,
    .event_create = cpuref_event_create,
    .event_record = cpuref_event_record,
    .event_sync = cpuref_event_sync,
    .event_query = cpuref_event_sync,
    .event_elapsed = cpuref_event_elapsed,
    .event_destroy = cpuref_event_destroy,
    .host_gate = cpuref_host_gate,
    .gates_in_stream = false,
    .on_synchronize = cpuref_on_synchronize,
    .record_launch = cpuref_record_launch,
    .can_access_peer = cpuref_can_access_peer,
    .enable_peer = cpuref_enable_peer,
    .copy_peer = cpuref_copy_peer,
};
