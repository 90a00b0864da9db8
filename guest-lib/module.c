/* SPDX-License-Identifier: MIT */
/*
 * Kernels from unmodified nvcc binaries.  Registration is local and cheap:
 * nvcc's constructors record fatbins, kernels and variables here.  A
 * fatbin goes to the host once per device, at the first use of one of its
 * kernels or variables; a kernel's parameter layout comes back with its
 * handle (the host asks the driver) and is cached, so a launch packs the
 * arguments and costs one request.
 */
#include <cuda.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gvrt.h"

#define FATBIN_WRAPPER_MAGIC 0x466243b1u
#define FATBIN_MAGIC	     0xba55ed50u

struct gv_fatbin {
	const void *image; /* NULL: a form gvirtus cannot load */
	size_t len;
	uint64_t module[GVRT_MAX_DEVICES];
	void *owned; /* a library's copy of its image (library.c); else NULL */
};

struct gv_kernel {
	struct gv_fatbin *fb;
	const void *stub;
	const char *name;
	uint64_t fn[GVRT_MAX_DEVICES];
	int have_layout;
	uint32_t nparams, args_size;
	struct gv_param_info *params;
	/* Its own limits per device, for launches that are queued (0: not known). */
	struct gv_launch_limits limits;
};

struct gv_symbol {
	struct gv_fatbin *fb;
	const void *host_var;
	const char *name;
	size_t size;
	uint64_t ptr[GVRT_MAX_DEVICES];
	uint64_t dsize[GVRT_MAX_DEVICES];
};

/* Registrations, found by host-side address (stub or variable). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct gv_kernel **kernels;
static size_t nkernels;
/* The index of kernels (kernel_of): stale after every change. */
static struct gv_kernel **by_stub, **by_object;
static size_t index_cap; /* a power of two; 0: no index */
static int index_stale = 1;
static struct gv_symbol **symbols;
static size_t nsymbols;

static void *append(void *v, size_t *n, void *item)
{
	void **nv = realloc(v, (*n + 1) * sizeof(void *));

	if (!nv)
		return NULL;
	nv[(*n)++] = item;
	return nv;
}

GVRT_EXPORT void **__cudaRegisterFatBinary(void *wrapper)
{
	const struct {
		int magic, version;
		const unsigned char *data;
		void *unused;
	} *w = wrapper;
	struct gv_fatbin *fb = calloc(1, sizeof(*fb));
	uint32_t magic;
	uint16_t hsize;
	uint64_t fsize;

	if (!fb)
		return NULL;
	/*
	 * Version 2 is relocatable device code (-rdc): data is the program's
	 * device-linked image (nvlink's, device runtime included), which loads
	 * as any fatbin; the prelinked pieces it also lists are not needed.
	 */
	if (w && (uint32_t)w->magic == FATBIN_WRAPPER_MAGIC &&
	    (w->version == 1 || w->version == 2) && w->data) {
		memcpy(&magic, w->data, 4);
		memcpy(&hsize, w->data + 6, 2);
		memcpy(&fsize, w->data + 8, 8);
		if (magic == FATBIN_MAGIC) {
			fb->image = w->data;
			fb->len = hsize + fsize;
		}
	}
	if (!fb->image)
		gv_log(GV_LOG_WARN, "a fatbin in this program is not in a form gvirtus "
				    "loads; its kernels fail with "
				    "cudaErrorNotSupported");
	return (void **)fb;
}

GVRT_EXPORT void __cudaRegisterFatBinaryEnd(void **handle)
{
	(void)handle;
}

/* The host frees modules with the session; this only forgets them. */
GVRT_EXPORT void __cudaUnregisterFatBinary(void **handle)
{
	gv_fatbin_forget((struct gv_fatbin *)handle);
}

void gv_fatbin_forget(struct gv_fatbin *fb)
{
	size_t i, j;

	pthread_mutex_lock(&lock);
	for (i = j = 0; i < nkernels; i++) {
		if (kernels[i]->fb == fb) {
			free(kernels[i]->params);
			free(kernels[i]);
		} else {
			kernels[j++] = kernels[i];
		}
	}
	nkernels = j;
	index_stale = 1;
	for (i = j = 0; i < nsymbols; i++) {
		if (symbols[i]->fb == fb)
			free(symbols[i]);
		else
			symbols[j++] = symbols[i];
	}
	nsymbols = j;
	pthread_mutex_unlock(&lock);
	free(fb->owned);
	free(fb);
}

struct gv_fatbin *gv_fatbin_own(void *image, size_t len)
{
	struct gv_fatbin *fb = calloc(1, sizeof(*fb));

	if (fb) {
		fb->image = fb->owned = image;
		fb->len = len;
	}
	return fb;
}

uint64_t gv_fatbin_module(const struct gv_fatbin *fb, int dev)
{
	return dev >= 0 && dev < GVRT_MAX_DEVICES ? fb->module[dev] : 0;
}

GVRT_EXPORT void __cudaRegisterFunction(void **handle, const char *host_fun, char *device_fun,
					const char *device_name, int thread_limit, uint3 *tid,
					uint3 *bid, dim3 *bdim, dim3 *gdim, int *wsize)
{
	struct gv_kernel *k = calloc(1, sizeof(*k));
	void *v;

	if (!k)
		return;
	k->fb = (struct gv_fatbin *)handle;
	k->stub = host_fun;
	k->name = device_name;
	pthread_mutex_lock(&lock);
	v = append(kernels, &nkernels, k);
	if (v)
		kernels = v;
	else
		free(k);
	index_stale = 1;
	pthread_mutex_unlock(&lock);
}

GVRT_EXPORT void __cudaRegisterVar(void **handle, char *host_var, char *device_address,
				   const char *device_name, int ext, size_t size, int constant,
				   int global)
{
	struct gv_symbol *s = calloc(1, sizeof(*s));
	void *v;

	if (!s)
		return;
	s->fb = (struct gv_fatbin *)handle;
	s->host_var = host_var;
	s->name = device_name;
	s->size = size;
	pthread_mutex_lock(&lock);
	v = append(symbols, &nsymbols, s);
	if (v)
		symbols = v;
	else
		free(s);
	pthread_mutex_unlock(&lock);
}

GVRT_EXPORT void __cudaRegisterManagedVar(void **handle, void **host_var_ptr, char *device_address,
					  const char *device_name, int ext, size_t size,
					  int constant, int global)
{
	gv_log(GV_LOG_WARN,
	       "__managed__ variable %s: managed memory is not "
	       "supported by gvirtus yet",
	       device_name);
}

cudaError_t gv_module_handle(struct gv_fatbin *fb, uint64_t *out)
{
	int dev = gv_current_device();
	cudaError_t e = cudaSuccess;

	if (!fb->image)
		return cudaErrorNotSupported;
	pthread_mutex_lock(&lock);
	if (!fb->module[dev]) {
		struct gv_module_load_req q = {.size = fb->len};
		struct gv_handle_resp r;
		struct gv_buf b = {fb->image, fb->len, GV_BULK_TO_HOST};

		e = GV_RPC(MODULE_LOAD, &q, &r, &b, 1);
		if (e == cudaSuccess)
			fb->module[dev] = r.handle;
	}
	*out = fb->module[dev];
	pthread_mutex_unlock(&lock);
	return e;
}

GVRT_EXPORT char __cudaInitModule(void **handle)
{
	uint64_t m;

	return gv_module_handle((struct gv_fatbin *)handle, &m) == cudaSuccess;
}

/*
 * The registrations by host stub and by object, for the lookups every
 * launch makes: a program may register tens of thousands of kernels.
 * Rebuilt (under lock) at the first lookup after a change; open
 * addressing, in registration order, so that the first of equal stubs is
 * found as a scan would.  Without memory for it, lookups scan.
 */

static size_t slot_of(const void *p, size_t cap)
{
	return (size_t)(((uint64_t)(uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

static void put(struct gv_kernel **t, const void *key, struct gv_kernel *k)
{
	size_t j = slot_of(key, index_cap);

	while (t[j])
		j = (j + 1) & (index_cap - 1);
	t[j] = k;
}

static void reindex(void)
{
	size_t cap = 64, i;

	while (cap < 2 * nkernels)
		cap *= 2;
	if (cap != index_cap) {
		free(by_stub);
		free(by_object);
		by_stub = calloc(cap, sizeof(*by_stub));
		by_object = calloc(cap, sizeof(*by_object));
		index_cap = by_stub && by_object ? cap : 0;
	} else {
		memset(by_stub, 0, cap * sizeof(*by_stub));
		memset(by_object, 0, cap * sizeof(*by_object));
	}
	for (i = 0; index_cap && i < nkernels; i++) {
		put(by_stub, kernels[i]->stub, kernels[i]);
		put(by_object, kernels[i], kernels[i]);
	}
	index_stale = 0;
}

/* The registration whose stub (or, by_obj, which itself) is key; under lock. */
static struct gv_kernel *lookup(const void *key, int by_obj)
{
	struct gv_kernel **t, *k;
	size_t i, j;

	if (index_stale)
		reindex();
	if (!index_cap) {
		for (i = 0; i < nkernels; i++)
			if ((by_obj ? (const void *)kernels[i] : kernels[i]->stub) == key)
				return kernels[i];
		return NULL;
	}
	t = by_obj ? by_object : by_stub;
	for (j = slot_of(key, index_cap); (k = t[j]); j = (j + 1) & (index_cap - 1))
		if ((by_obj ? (const void *)k : k->stub) == key)
			return k;
	return NULL;
}

static struct gv_kernel *kernel_of(const void *stub)
{
	struct gv_kernel *k;

	pthread_mutex_lock(&lock);
	k = lookup(stub, 0);
	pthread_mutex_unlock(&lock);
	return k;
}

static struct gv_symbol *symbol_of(const void *host_var)
{
	struct gv_symbol *s = NULL;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nsymbols && !s; i++)
		if (symbols[i]->host_var == host_var)
			s = symbols[i];
	pthread_mutex_unlock(&lock);
	return s;
}

static cudaError_t kernel_handle(struct gv_kernel *k, uint64_t *out);

/*
 * A library's kernel by name: one object per name, its own cudaKernel_t
 * and "host stub" (so that every call taking a kernel's stub takes it),
 * made once the host found the kernel on the current device.
 */
cudaError_t gv_fatbin_kernel(struct gv_fatbin *fb, const char *name, struct gv_kernel **out)
{
	struct gv_kernel *k = NULL;
	size_t i, len = strlen(name);
	uint64_t fn;
	cudaError_t e;
	void *v;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nkernels && !k; i++)
		if (kernels[i]->fb == fb && strcmp(kernels[i]->name, name) == 0)
			k = kernels[i];
	pthread_mutex_unlock(&lock);
	if (k) {
		*out = k;
		return cudaSuccess;
	}
	if (len == 0 || len >= GV_MAX_NAME)
		return cudaErrorSymbolNotFound;
	k = calloc(1, sizeof(*k) + len + 1);
	if (!k)
		return cudaErrorMemoryAllocation;
	memcpy(k + 1, name, len + 1);
	k->name = (const char *)(k + 1);
	k->fb = fb;
	k->stub = k;
	e = kernel_handle(k, &fn);
	if (!e) {
		pthread_mutex_lock(&lock);
		v = append(kernels, &nkernels, k);
		if (v)
			kernels = v;
		else
			e = cudaErrorMemoryAllocation;
		index_stale = 1;
		pthread_mutex_unlock(&lock);
	}
	if (e) {
		free(k->params);
		free(k);
		/* The host's answer for a name the module lacks, as a library's call says it. */
		return e == cudaErrorInvalidDeviceFunction ? cudaErrorSymbolNotFound : e;
	}
	*out = k;
	return cudaSuccess;
}

int gv_kernel_known(const void *kernel, struct gv_fatbin **fb, const char **name)
{
	struct gv_kernel *k;

	pthread_mutex_lock(&lock);
	k = lookup(kernel, 1);
	if (k && fb)
		*fb = k->fb;
	if (k && name)
		*name = k->name;
	pthread_mutex_unlock(&lock);
	return k != NULL;
}

/* The kernel's host function handle on the current device, loading as needed. */
static cudaError_t kernel_handle(struct gv_kernel *k, uint64_t *out)
{
	int dev = gv_current_device();
	struct gv_function_resp *r;
	struct gv_name_req q = {.name_len = (uint32_t)strlen(k->name)};
	uint64_t module;
	cudaError_t e;

	if (k->fn[dev]) {
		*out = k->fn[dev];
		return cudaSuccess;
	}
	e = gv_module_handle(k->fb, &module);
	if (e)
		return e;
	q.module = module;
	r = malloc(sizeof(*r));
	if (!r)
		return cudaErrorMemoryAllocation;
	e = gv_rpc_tail(GV_OP_FUNCTION_GET, &q, sizeof(q), k->name, q.name_len, r, sizeof(*r), NULL,
			0);
	if (e == cudaSuccess && r->nparams > GV_MAX_PARAMS)
		e = cudaErrorInvalidValue;
	pthread_mutex_lock(&lock);
	if (e == cudaSuccess && !k->have_layout) {
		k->params = malloc((r->nparams + 1) * sizeof(*k->params));
		if (k->params) {
			memcpy(k->params, r->params, r->nparams * sizeof(*k->params));
			k->nparams = r->nparams;
			k->args_size = r->args_size;
			k->have_layout = 1;
		} else {
			e = cudaErrorMemoryAllocation;
		}
	}
	if (e == cudaSuccess)
		k->fn[dev] = r->function;
	pthread_mutex_unlock(&lock);
	*out = r->function;
	free(r);
	return e;
}

/*
 * Checks native makes before a launch reaches the device.  CUDA 13 reports
 * a bad geometry as cudaErrorInvalidValue (earlier runtimes said
 * cudaErrorInvalidConfiguration); measured on the H100, driver 580.
 */
static cudaError_t check_config(dim3 g, dim3 b)
{
	const struct gv_device_info_resp *i;
	cudaError_t e;
	uint64_t threads = (uint64_t)b.x * b.y * b.z;

	i = gv_device_info(gv_current_device(), &e);
	if (!i)
		return e;
	if (!g.x || !g.y || !g.z || !threads)
		return cudaErrorInvalidValue;
	if (threads > (uint64_t)i->attrs[cudaDevAttrMaxThreadsPerBlock] ||
	    b.x > (unsigned int)i->attrs[cudaDevAttrMaxBlockDimX] ||
	    b.y > (unsigned int)i->attrs[cudaDevAttrMaxBlockDimY] ||
	    b.z > (unsigned int)i->attrs[cudaDevAttrMaxBlockDimZ] ||
	    g.x > (unsigned int)i->attrs[cudaDevAttrMaxGridDimX] ||
	    g.y > (unsigned int)i->attrs[cudaDevAttrMaxGridDimY] ||
	    g.z > (unsigned int)i->attrs[cudaDevAttrMaxGridDimZ])
		return cudaErrorInvalidValue;
	return cudaSuccess;
}

static _Thread_local unsigned char argbuf[GV_MAX_ARGS];

int gv_launch_may_queue(struct gv_launch_limits *l, uint64_t fn, uint64_t threads, uint64_t shmem,
			cudaStream_t stream)
{
	int dev = gv_current_device();
	int32_t max_threads, max_smem;

	if (!gv_async_enabled() || !gv_stream_known(stream) || dev < 0 || dev >= GVRT_MAX_DEVICES)
		return 0;
	max_threads = atomic_load(&l->max_threads[dev]);
	max_smem = atomic_load(&l->max_dyn_smem[dev]);
	if (!max_threads) {
		struct gv_handle_req q = {.handle = fn};
		struct gv_func_attrs_resp r;

		if (GV_RPC(FUNC_ATTRS, &q, &r, NULL, 0) ||
		    !((r.valid >> GV_FA_MAX_THREADS_PER_BLOCK) & 1) ||
		    !((r.valid >> GV_FA_MAX_DYNAMIC_SHARED_SIZE_BYTES) & 1) ||
		    r.values[GV_FA_MAX_THREADS_PER_BLOCK] <= 0)
			return 0;
		max_threads = r.values[GV_FA_MAX_THREADS_PER_BLOCK];
		max_smem = r.values[GV_FA_MAX_DYNAMIC_SHARED_SIZE_BYTES];
		atomic_store(&l->max_dyn_smem[dev], max_smem);
		atomic_store(&l->max_threads[dev], max_threads);
	}
	return threads <= (uint64_t)max_threads && max_smem >= 0 && shmem <= (uint64_t)max_smem;
}

void gv_launch_limits_forget(struct gv_launch_limits *l)
{
	int d;

	for (d = 0; l && d < GVRT_MAX_DEVICES; d++)
		atomic_store(&l->max_threads[d], 0);
}

/* cudaFuncSetAttribute may change the limits: asked again at the next launch. */
static void forget_limits(struct gv_kernel *k)
{
	if (k)
		gv_launch_limits_forget(&k->limits);
}

/*
 * A launch: LAUNCH, or LAUNCH_EX when it has attributes (cudaLaunchAttribute
 * has the driver's ids and 64-byte values).
 */
static cudaError_t launch_attrs(struct gv_kernel *k, dim3 g, dim3 b, void **args, size_t shmem,
				cudaStream_t stream, const cudaLaunchAttribute *attrs,
				unsigned int nattrs)
{
	struct gv_launch_ex_req x = {0};
	struct gv_launch_req *q = &x.launch;
	struct gv_empty r;
	uint64_t fn;
	cudaError_t e;
	uint32_t i;

	if (!k)
		return cudaErrorInvalidDeviceFunction;
	if (nattrs > GV_MAX_LAUNCH_ATTRS || (nattrs && !attrs))
		return cudaErrorInvalidValue;
	e = check_config(g, b);
	if (!e)
		e = kernel_handle(k, &fn);
	if (e)
		return e;
	*q = (struct gv_launch_req){
	    .function = fn,
	    .grid = {g.x, g.y, g.z},
	    .block = {b.x, b.y, b.z},
	    .shared_mem = (uint32_t)shmem,
	    .stream = gv_stream_value(stream),
	};
	if (shmem > UINT32_MAX || k->args_size > sizeof(argbuf))
		return cudaErrorInvalidValue;
	if (k->nparams && !args)
		return cudaErrorInvalidValue;
	memset(argbuf, 0, k->args_size);
	for (i = 0; i < k->nparams; i++)
		memcpy(argbuf + k->params[i].offset, args[i], k->params[i].size);
	q->args_len = k->args_size;
	if (!nattrs &&
	    gv_launch_may_queue(&k->limits, fn, (uint64_t)b.x * b.y * b.z, shmem, stream))
		return gv_rpc_async(GV_OP_LAUNCH, q, sizeof(*q), argbuf, q->args_len);
	if (!nattrs)
		return gv_rpc_tail(GV_OP_LAUNCH, q, sizeof(*q), argbuf, q->args_len, &r, 0, NULL,
				   0);
	_Static_assert(sizeof(attrs[0].val) == sizeof(x.attrs[0].value), "attribute values");
	x.nattrs = nattrs;
	for (i = 0; i < nattrs; i++) {
		x.attrs[i].id = attrs[i].id;
		memcpy(x.attrs[i].value, &attrs[i].val, sizeof(x.attrs[i].value));
	}
	return gv_rpc_tail(GV_OP_LAUNCH_EX, &x, sizeof(x), argbuf, q->args_len, &r, 0, NULL, 0);
}

static cudaError_t launch(struct gv_kernel *k, dim3 g, dim3 b, void **args, size_t shmem,
			  cudaStream_t stream)
{
	return launch_attrs(k, g, b, args, shmem, stream, NULL, 0);
}

/* ---- graph kernel nodes (KERNEL_NODE) ---- */

/* A node's kernel, geometry and arguments, packed as for a launch; ADD's
 * dependencies follow the arguments in the tail. */
static cudaError_t kernel_node(uint32_t op, cudaGraph_t g, cudaGraphExec_t x, cudaGraphNode_t n,
			       const cudaGraphNode_t *deps, size_t ndeps,
			       const struct cudaKernelNodeParams *p, cudaGraphNode_t *out)
{
	struct gv_kernel_node_req q = {.op = op};
	struct gv_handle_resp r = {0};
	struct gv_kernel *k;
	unsigned char *tail;
	uint64_t fn;
	size_t len, i;
	cudaError_t e;

	if (!p || (ndeps && !deps))
		return cudaErrorInvalidValue;
	k = kernel_of(p->func);
	/* Not cudaErrorInvalidDeviceFunction as a launch gives: the native
	 * runtime answers a graph's unknown function this way (driver 580). */
	if (!k)
		return cudaErrorInvalidResourceHandle;
	e = check_config(p->gridDim, p->blockDim);
	if (!e)
		e = kernel_handle(k, &fn);
	if (e)
		return e;
	if (k->nparams && !p->kernelParams)
		return cudaErrorInvalidValue;
	if (ndeps > GV_MAX_ARRAY || k->args_size + ndeps * 8 > GV_MAX_ARGS)
		return cudaErrorNotSupported; /* more than one request carries */
	len = k->args_size + ndeps * 8;
	tail = calloc(1, len ? len : 1);
	if (!tail)
		return cudaErrorMemoryAllocation;
	for (i = 0; i < k->nparams; i++)
		memcpy(tail + k->params[i].offset, p->kernelParams[i], k->params[i].size);
	for (i = 0; i < ndeps; i++) {
		uint64_t v = (uintptr_t)deps[i];

		memcpy(tail + k->args_size + i * 8, &v, 8);
	}
	q.ndeps = (uint32_t)ndeps;
	q.graph = op == GV_KERNEL_NODE_EXEC_SET ? (uintptr_t)x : (uintptr_t)g;
	q.node = (uintptr_t)n;
	q.launch = (struct gv_launch_req){
	    .function = fn,
	    .grid = {p->gridDim.x, p->gridDim.y, p->gridDim.z},
	    .block = {p->blockDim.x, p->blockDim.y, p->blockDim.z},
	    .shared_mem = p->sharedMemBytes,
	    .args_len = k->args_size,
	};
	e = gv_rpc_tail(GV_OP_KERNEL_NODE, &q, sizeof(q), tail, (uint32_t)len, &r, sizeof(r), NULL,
			0);
	free(tail);
	if (!e && out)
		*out = (cudaGraphNode_t)(uintptr_t)r.handle;
	return e;
}

/*
 * What a kernel node's parameters read back point the caller at: the
 * arguments and a pointer to each, kept per node until read again (as
 * natively the driver's own copies stay with the node).
 */
struct node_args {
	uint64_t node;
	void **ptrs;
	unsigned char *args;
	struct node_args *next;
};
static struct node_args *got_args;

static void keep_node_args(uint64_t node, void **ptrs, unsigned char *args)
{
	struct node_args *a, **at;

	pthread_mutex_lock(&lock);
	for (at = &got_args; *at && (*at)->node != node; at = &(*at)->next)
		;
	a = *at;
	if (a) {
		free(a->ptrs);
		free(a->args);
	} else if ((a = calloc(1, sizeof(*a)))) {
		a->node = node;
		*at = a;
	}
	if (a) {
		a->ptrs = ptrs;
		a->args = args;
	} else {
		free(ptrs);
		free(args);
	}
	pthread_mutex_unlock(&lock);
}

cudaError_t gv_kernel_node_get(uint64_t node, struct gv_launch_req *launch, void ***params,
			       struct gv_kernel_node_get_resp **layout)
{
	struct gv_kernel_node_get_req q = {.node = node, .buf_len = GV_MAX_ARGS};
	struct gv_kernel_node_get_resp *r = malloc(sizeof(*r));
	unsigned char *args = malloc(GV_MAX_ARGS);
	struct gv_buf b = {args, GV_MAX_ARGS, GV_BULK_FROM_HOST};
	void **ptrs = NULL;
	uint32_t i;
	cudaError_t e = r && args ? cudaSuccess : cudaErrorMemoryAllocation;

	if (!e)
		e = GV_RPC(KERNEL_NODE_GET, &q, r, &b, 1);
	if (!e && (r->nparams > GV_MAX_PARAMS || r->launch.args_len > GV_MAX_ARGS))
		e = cudaErrorInvalidValue;
	if (!e && !(ptrs = calloc(r->nparams + 1, sizeof(*ptrs))))
		e = cudaErrorMemoryAllocation;
	for (i = 0; !e && i < r->nparams; i++) {
		if (r->params[i].offset > r->launch.args_len ||
		    r->params[i].size > r->launch.args_len - r->params[i].offset)
			e = cudaErrorInvalidValue; /* not the host's layout */
		else
			ptrs[i] = args + r->params[i].offset;
	}
	if (e) {
		free(ptrs);
		free(args);
		free(r);
		return e;
	}
	keep_node_args(node, ptrs, args);
	*launch = r->launch;
	*params = ptrs;
	if (layout)
		*layout = r;
	else
		free(r);
	return cudaSuccess;
}

/* The host stub of the kernel whose function on the current device is fn, or NULL. */
static const void *stub_of_function(uint64_t fn)
{
	int dev = gv_current_device();
	const void *stub = NULL;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nkernels && !stub; i++)
		if (kernels[i]->fn[dev] == fn)
			stub = kernels[i]->stub;
	pthread_mutex_unlock(&lock);
	return stub;
}

GVRT_EXPORT cudaError_t cudaGraphKernelNodeGetParams(cudaGraphNode_t node,
						     struct cudaKernelNodeParams *p)
{
	struct gv_launch_req l;
	void **params;
	const void *stub;
	cudaError_t e;

	if (!p)
		return gv_ret(cudaErrorInvalidValue);
	e = gv_kernel_node_get((uintptr_t)node, &l, &params, NULL);
	if (e)
		return gv_ret(e);
	/* The program's kernels by their stubs; another's function as itself. */
	stub = stub_of_function(l.function);
	p->func = stub ? (void *)stub : (void *)(uintptr_t)l.function;
	p->gridDim = (dim3){l.grid[0], l.grid[1], l.grid[2]};
	p->blockDim = (dim3){l.block[0], l.block[1], l.block[2]};
	p->sharedMemBytes = l.shared_mem;
	p->kernelParams = params;
	p->extra = NULL;
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaGraphAddKernelNode(cudaGraphNode_t *node, cudaGraph_t g,
					       const cudaGraphNode_t *deps, size_t ndeps,
					       const struct cudaKernelNodeParams *p)
{
	if (!node)
		return gv_ret(cudaErrorInvalidValue);
	return gv_ret(kernel_node(GV_KERNEL_NODE_ADD, g, NULL, NULL, deps, ndeps, p, node));
}

GVRT_EXPORT cudaError_t cudaGraphKernelNodeSetParams(cudaGraphNode_t node,
						     const struct cudaKernelNodeParams *p)
{
	return gv_ret(kernel_node(GV_KERNEL_NODE_SET, NULL, NULL, node, NULL, 0, p, NULL));
}

GVRT_EXPORT cudaError_t cudaGraphExecKernelNodeSetParams(cudaGraphExec_t x, cudaGraphNode_t node,
							 const struct cudaKernelNodeParams *p)
{
	return gv_ret(kernel_node(GV_KERNEL_NODE_EXEC_SET, NULL, x, node, NULL, 0, p, NULL));
}

/* A kernel node's generic parameters as cudaGraphAddKernelNode's. */
static struct cudaKernelNodeParams kernel_params_of(const struct cudaGraphNodeParams *p)
{
	return (struct cudaKernelNodeParams){
	    .func = p->kernel.func,
	    .gridDim = p->kernel.gridDim,
	    .blockDim = p->kernel.blockDim,
	    .sharedMemBytes = p->kernel.sharedMemBytes,
	    .kernelParams = p->kernel.kernelParams,
	    .extra = p->kernel.extra,
	};
}

/* A node by its parameters: a kernel node here (its kernel is named by its
 * host stub), every other type through the driver's call, whose parameter
 * layouts are the runtime's. */
GVRT_EXPORT cudaError_t cudaGraphAddNode(cudaGraphNode_t *node, cudaGraph_t g,
					 const cudaGraphNode_t *deps,
					 const cudaGraphEdgeData *edges, size_t ndeps,
					 struct cudaGraphNodeParams *p)
{
	static CUresult (*add)(CUgraphNode *, CUgraph, const CUgraphNode *, const CUgraphEdgeData *,
			       size_t, CUgraphNodeParams *);
	static const cudaGraphEdgeData zero;
	struct cudaKernelNodeParams k;
	size_t i;

	_Static_assert(sizeof(struct cudaGraphNodeParams) == sizeof(CUgraphNodeParams),
		       "the runtime's node parameters are the driver's");
	if (!p || !node)
		return gv_ret(cudaErrorInvalidValue);
	if (p->type != cudaGraphNodeTypeKernel) {
		if (!add && gv_driver_load(&add, "cuGraphAddNode_v2"))
			return gv_ret(cudaErrorNotSupported);
		return gv_ret((cudaError_t)add(
		    (CUgraphNode *)node, (CUgraph)g, (const CUgraphNode *)deps,
		    (const CUgraphEdgeData *)edges, ndeps, (CUgraphNodeParams *)p));
	}
	for (i = 0; edges && i < ndeps; i++)
		if (memcmp(&edges[i], &zero, sizeof(zero)))
			return gv_ret(cudaErrorNotSupported); /* edge data: not carried yet */
	k = kernel_params_of(p);
	return gv_ret(kernel_node(GV_KERNEL_NODE_ADD, g, NULL, NULL, deps, ndeps, &k, node));
}

/* New parameters by type: a kernel node's here, as cudaGraphAddNode's. */
static cudaError_t node_set_params(cudaGraphExec_t x, cudaGraphNode_t node,
				   struct cudaGraphNodeParams *p)
{
	static CUresult (*set)(CUgraphNode, CUgraphNodeParams *);
	static CUresult (*exec_set)(CUgraphExec, CUgraphNode, CUgraphNodeParams *);
	struct cudaKernelNodeParams k;

	if (!p)
		return cudaErrorInvalidValue;
	if (p->type == cudaGraphNodeTypeKernel) {
		k = kernel_params_of(p);
		return kernel_node(x ? GV_KERNEL_NODE_EXEC_SET : GV_KERNEL_NODE_SET, NULL, x, node,
				   NULL, 0, &k, NULL);
	}
	if (!set && (gv_driver_load(&set, "cuGraphNodeSetParams") ||
		     gv_driver_load(&exec_set, "cuGraphExecNodeSetParams")))
		return cudaErrorNotSupported;
	return (cudaError_t)(x ? exec_set((CUgraphExec)x, (CUgraphNode)node, (CUgraphNodeParams *)p)
			       : set((CUgraphNode)node, (CUgraphNodeParams *)p));
}

GVRT_EXPORT cudaError_t cudaGraphNodeSetParams(cudaGraphNode_t node, struct cudaGraphNodeParams *p)
{
	return gv_ret(node_set_params(NULL, node, p));
}

GVRT_EXPORT cudaError_t cudaGraphExecNodeSetParams(cudaGraphExec_t x, cudaGraphNode_t node,
						   struct cudaGraphNodeParams *p)
{
	if (!x)
		return gv_ret(cudaErrorInvalidValue);
	return gv_ret(node_set_params(x, node, p));
}

cudaError_t gv_cluster_config(struct gv_occupancy_clusters_req *q, uint64_t fn,
			      const cudaLaunchConfig_t *cfg)
{
	unsigned int i;

	if (cfg->numAttrs > GV_MAX_LAUNCH_ATTRS || (cfg->numAttrs && !cfg->attrs) ||
	    cfg->dynamicSmemBytes > UINT32_MAX)
		return cudaErrorInvalidValue;
	q->config.launch = (struct gv_launch_req){
	    .function = fn,
	    .grid = {cfg->gridDim.x, cfg->gridDim.y, cfg->gridDim.z},
	    .block = {cfg->blockDim.x, cfg->blockDim.y, cfg->blockDim.z},
	    .shared_mem = (uint32_t)cfg->dynamicSmemBytes,
	    .stream = gv_stream_value(cfg->stream),
	};
	q->config.nattrs = cfg->numAttrs;
	for (i = 0; i < cfg->numAttrs; i++) {
		q->config.attrs[i].id = cfg->attrs[i].id;
		memcpy(q->config.attrs[i].value, &cfg->attrs[i].val,
		       sizeof(q->config.attrs[i].value));
	}
	return cudaSuccess;
}

/* The occupancy of clusters of a kernel named by its host stub. */
static cudaError_t occupancy_clusters(uint32_t which, int *out, const void *func,
				      const cudaLaunchConfig_t *cfg)
{
	struct gv_occupancy_clusters_req q = {.which = which};
	struct gv_int_resp r = {0};
	struct gv_kernel *k = kernel_of(func);
	uint64_t fn = 0;
	cudaError_t e;

	if (!out || !cfg)
		return cudaErrorInvalidValue;
	if (!k)
		return cudaErrorInvalidDeviceFunction;
	e = kernel_handle(k, &fn);
	if (!e)
		e = gv_cluster_config(&q, fn, cfg);
	if (!e)
		e = GV_RPC(OCCUPANCY_CLUSTERS, &q, &r, NULL, 0);
	if (!e)
		*out = r.value;
	return e;
}

GVRT_EXPORT cudaError_t cudaOccupancyMaxActiveClusters(int *numClusters, const void *func,
						       const cudaLaunchConfig_t *config)
{
	return gv_ret(occupancy_clusters(GV_OCC_MAX_ACTIVE_CLUSTERS, numClusters, func, config));
}

GVRT_EXPORT cudaError_t cudaOccupancyMaxPotentialClusterSize(int *clusterSize, const void *func,
							     const cudaLaunchConfig_t *config)
{
	return gv_ret(
	    occupancy_clusters(GV_OCC_MAX_POTENTIAL_CLUSTER_SIZE, clusterSize, func, config));
}

/* ---- the call configuration of <<<...>>>, per thread ---- */

struct call_config {
	dim3 grid, block;
	size_t shmem;
	cudaStream_t stream;
};
static _Thread_local struct call_config config_stack[8];
static _Thread_local int config_depth;

GVRT_EXPORT unsigned int __cudaPushCallConfiguration(dim3 grid, dim3 block, size_t shmem,
						     struct CUstream_st *stream)
{
	if (config_depth == 8)
		return 1;
	config_stack[config_depth++] = (struct call_config){grid, block, shmem, stream};
	return 0;
}

GVRT_EXPORT cudaError_t __cudaPopCallConfiguration(dim3 *grid, dim3 *block, size_t *shmem,
						   void *stream)
{
	struct call_config *c;

	if (config_depth == 0)
		return cudaErrorMissingConfiguration;
	c = &config_stack[--config_depth];
	*grid = c->grid;
	*block = c->block;
	*shmem = c->shmem;
	*(cudaStream_t *)stream = c->stream;
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t __cudaGetKernel(cudaKernel_t *kernel, const void *stub)
{
	struct gv_kernel *k = kernel_of(stub);

	if (!kernel)
		return gv_ret(cudaErrorInvalidValue);
	*kernel = (cudaKernel_t)k;
	return k ? cudaSuccess : gv_ret(cudaErrorInvalidDeviceFunction);
}

GVRT_EXPORT cudaError_t cudaGetKernel(cudaKernel_t *kernel, const void *entry)
{
	return __cudaGetKernel(kernel, entry);
}

cudaError_t gv_kernel_function(const void *stub, uint64_t *out)
{
	struct gv_kernel *k = kernel_of(stub);

	return k ? kernel_handle(k, out) : cudaErrorInvalidDeviceFunction;
}

/* The driver's handle of the kernel on the current device. */
GVRT_EXPORT cudaError_t cudaGetFuncBySymbol(cudaFunction_t *fn, const void *symbol)
{
	uint64_t h = 0;
	cudaError_t e;

	if (!fn)
		return gv_ret(cudaErrorInvalidValue);
	e = gv_kernel_function(symbol, &h);
	if (!e)
		*fn = (cudaFunction_t)(uintptr_t)h;
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaFuncGetName(const char **name, const void *func)
{
	struct gv_kernel *k = kernel_of(func);

	if (!name)
		return gv_ret(cudaErrorInvalidValue);
	if (!k)
		return gv_ret(cudaErrorInvalidDeviceFunction);
	*name = k->name;
	return gv_ret(cudaSuccess);
}

GVRT_EXPORT cudaError_t __cudaLaunchKernel(cudaKernel_t kernel, dim3 grid, dim3 block, void **args,
					   size_t shmem, cudaStream_t stream)
{
	return gv_ret(launch((struct gv_kernel *)kernel, grid, block, args, shmem, stream));
}

/* With per-thread default streams, stream 0 means the thread's stream. */
GVRT_EXPORT cudaError_t __cudaLaunchKernel_ptsz(cudaKernel_t kernel, dim3 grid, dim3 block,
						void **args, size_t shmem, cudaStream_t stream)
{
	return __cudaLaunchKernel(kernel, grid, block, args, shmem,
				  stream ? stream : cudaStreamPerThread);
}

GVRT_EXPORT cudaError_t cudaLaunchKernel(const void *func, dim3 grid, dim3 block, void **args,
					 size_t shmem, cudaStream_t stream)
{
	return gv_ret(launch(kernel_of(func), grid, block, args, shmem, stream));
}

GVRT_EXPORT cudaError_t cudaLaunchKernelExC(const cudaLaunchConfig_t *config, const void *func,
					    void **args)
{
	if (!config)
		return gv_ret(cudaErrorInvalidValue);
	return gv_ret(launch_attrs(kernel_of(func), config->gridDim, config->blockDim, args,
				   config->dynamicSmemBytes, config->stream, config->attrs,
				   config->numAttrs));
}

/* With per-thread default streams, stream 0 means the thread's stream. */
GVRT_EXPORT cudaError_t cudaLaunchKernelExC_ptsz(const cudaLaunchConfig_t *config, const void *func,
						 void **args)
{
	cudaLaunchConfig_t c;

	if (!config)
		return gv_ret(cudaErrorInvalidValue);
	c = *config;
	c.stream = c.stream ? c.stream : cudaStreamPerThread;
	return cudaLaunchKernelExC(&c, func, args);
}

GVRT_EXPORT cudaError_t cudaLaunchCooperativeKernel(const void *func, dim3 grid, dim3 block,
						    void **args, size_t shmem, cudaStream_t stream)
{
	cudaLaunchAttribute coop = {.id = cudaLaunchAttributeCooperative};

	coop.val.cooperative = 1;
	return gv_ret(launch_attrs(kernel_of(func), grid, block, args, shmem, stream, &coop, 1));
}

/* ---- kernel attributes ---- */

GVRT_EXPORT cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes *attr, const void *func)
{
	struct gv_kernel *k = kernel_of(func);
	struct gv_handle_req q;
	struct gv_func_attrs_resp r;
	uint64_t fn;
	cudaError_t e;

	if (!attr)
		return gv_ret(cudaErrorInvalidValue);
	if (!k)
		return gv_ret(cudaErrorInvalidDeviceFunction);
	e = kernel_handle(k, &fn);
	q.handle = fn;
	if (!e)
		e = GV_RPC(FUNC_ATTRS, &q, &r, NULL, 0);
	if (e)
		return gv_ret(e);
	memset(attr, 0, sizeof(*attr));
#define A(field, cu) attr->field = (r.valid >> (cu)) & 1 ? r.values[cu] : 0
	A(sharedSizeBytes, GV_FA_SHARED_SIZE_BYTES);
	A(maxThreadsPerBlock, GV_FA_MAX_THREADS_PER_BLOCK);
	A(constSizeBytes, GV_FA_CONST_SIZE_BYTES);
	A(localSizeBytes, GV_FA_LOCAL_SIZE_BYTES);
	A(numRegs, GV_FA_NUM_REGS);
	A(ptxVersion, GV_FA_PTX_VERSION);
	A(binaryVersion, GV_FA_BINARY_VERSION);
	A(cacheModeCA, GV_FA_CACHE_MODE_CA);
	A(maxDynamicSharedSizeBytes, GV_FA_MAX_DYNAMIC_SHARED_SIZE_BYTES);
	A(preferredShmemCarveout, GV_FA_PREFERRED_SHARED_MEMORY_CARVEOUT);
	A(clusterDimMustBeSet, GV_FA_CLUSTER_SIZE_MUST_BE_SET);
	A(requiredClusterWidth, GV_FA_REQUIRED_CLUSTER_WIDTH);
	A(requiredClusterHeight, GV_FA_REQUIRED_CLUSTER_HEIGHT);
	A(requiredClusterDepth, GV_FA_REQUIRED_CLUSTER_DEPTH);
	A(clusterSchedulingPolicyPreference, GV_FA_CLUSTER_SCHEDULING_POLICY_PREFERENCE);
	A(nonPortableClusterSizeAllowed, GV_FA_NON_PORTABLE_CLUSTER_SIZE_ALLOWED);
#undef A
	return cudaSuccess;
}

static cudaError_t set_attribute(struct gv_kernel *k, enum cudaFuncAttribute attr, int value)
{
	struct gv_func_set_attr_req q = {.attr = (int32_t)attr, .value = value};
	struct gv_empty r;
	uint64_t fn;
	cudaError_t e;

	if (!k)
		return cudaErrorInvalidDeviceFunction;
	/* cudaFuncAttribute numbers the same settings as CUfunction_attribute. */
	e = kernel_handle(k, &fn);
	q.function = fn;
	return e ? e : GV_RPC(FUNC_SET_ATTR, &q, &r, NULL, 0);
}

GVRT_EXPORT cudaError_t cudaFuncSetAttribute(const void *func, enum cudaFuncAttribute attr,
					     int value)
{
	forget_limits(kernel_of(func));
	return gv_ret(set_attribute(kernel_of(func), attr, value));
}

/* A cudaKernel_t is the kernel's registration (__cudaGetKernel). */
GVRT_EXPORT cudaError_t cudaKernelSetAttributeForDevice(cudaKernel_t kernel,
							enum cudaFuncAttribute attr, int value,
							int device)
{
	const struct gv_session_info *s = gv_session();
	int saved = gv_current_device();
	cudaError_t e;

	if (!s->ready)
		return gv_ret(s->init_error);
	if (device < 0 || device >= s->device_count)
		return gv_ret(cudaErrorInvalidDevice);
	gv_set_current_device(device);
	forget_limits((struct gv_kernel *)kernel);
	e = set_attribute((struct gv_kernel *)kernel, attr, value);
	gv_set_current_device(saved);
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(
    int *num_blocks, const void *func, int block_size, size_t dynamic_smem, unsigned int flags)
{
	struct gv_kernel *k = kernel_of(func);
	struct gv_occupancy_req q = {
	    .block_size = block_size, .flags = flags, .dynamic_smem = dynamic_smem};
	struct gv_int_resp r;
	uint64_t fn;
	cudaError_t e;

	if (!num_blocks)
		return gv_ret(cudaErrorInvalidValue);
	if (!k)
		return gv_ret(cudaErrorInvalidDeviceFunction);
	e = kernel_handle(k, &fn);
	q.function = fn;
	if (!e)
		e = GV_RPC(OCCUPANCY, &q, &r, NULL, 0);
	if (!e)
		*num_blocks = r.value;
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int *num_blocks,
								      const void *func,
								      int block_size,
								      size_t dynamic_smem)
{
	return cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(num_blocks, func, block_size,
								      dynamic_smem, 0);
}

/* ---- device variables ---- */

/* The symbol's device address and size on the current device. */
static cudaError_t symbol_address(const void *host_var, uint64_t *ptr, uint64_t *size)
{
	struct gv_symbol *s = symbol_of(host_var);
	int dev = gv_current_device();
	struct gv_name_req q;
	struct gv_global_resp r;
	cudaError_t e;

	if (!s)
		return cudaErrorInvalidSymbol;
	if (!s->ptr[dev]) {
		uint64_t module;

		e = gv_module_handle(s->fb, &module);
		if (e)
			return e;
		q.module = module;
		q.name_len = (uint32_t)strlen(s->name);
		q.reserved = 0;
		q.size = s->size;
		e = gv_rpc_tail(GV_OP_GLOBAL_GET, &q, sizeof(q), s->name, q.name_len, &r, sizeof(r),
				NULL, 0);
		if (e)
			return e;
		pthread_mutex_lock(&lock);
		s->ptr[dev] = r.ptr;
		s->dsize[dev] = r.size;
		pthread_mutex_unlock(&lock);
	}
	*ptr = s->ptr[dev];
	*size = s->dsize[dev];
	return cudaSuccess;
}

GVRT_EXPORT cudaError_t cudaGetSymbolAddress(void **dev_ptr, const void *symbol)
{
	uint64_t p, n;
	cudaError_t e;

	if (!dev_ptr)
		return gv_ret(cudaErrorInvalidValue);
	e = symbol_address(symbol, &p, &n);
	if (!e)
		*dev_ptr = (void *)(uintptr_t)p;
	return gv_ret(e);
}

GVRT_EXPORT cudaError_t cudaGetSymbolSize(size_t *size, const void *symbol)
{
	uint64_t p, n;
	cudaError_t e;

	if (!size)
		return gv_ret(cudaErrorInvalidValue);
	e = symbol_address(symbol, &p, &n);
	if (!e)
		*size = n;
	return gv_ret(e);
}

static cudaError_t symbol_copy(void *dst, const void *src, const void *symbol, size_t count,
			       size_t offset, enum cudaMemcpyKind kind, int to_symbol,
			       cudaStream_t stream)
{
	uint64_t p, n;
	cudaError_t e;
	enum cudaMemcpyKind from_host = to_symbol ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost;

	if (kind != from_host && kind != cudaMemcpyDeviceToDevice && kind != cudaMemcpyDefault)
		return gv_ret(cudaErrorInvalidMemcpyDirection);
	e = symbol_address(symbol, &p, &n);
	if (e)
		return gv_ret(e);
	if (offset > n || count > n - offset)
		return gv_ret(cudaErrorInvalidValue);
	if (to_symbol)
		return gv_memcpy((void *)(uintptr_t)(p + offset), src, count, kind, stream);
	return gv_memcpy(dst, (const void *)(uintptr_t)(p + offset), count, kind, stream);
}

GVRT_EXPORT cudaError_t cudaMemcpyToSymbol(const void *symbol, const void *src, size_t count,
					   size_t offset, enum cudaMemcpyKind kind)
{
	return symbol_copy(NULL, src, symbol, count, offset, kind, 1, 0);
}

GVRT_EXPORT cudaError_t cudaMemcpyFromSymbol(void *dst, const void *symbol, size_t count,
					     size_t offset, enum cudaMemcpyKind kind)
{
	return symbol_copy(dst, NULL, symbol, count, offset, kind, 0, 0);
}

GVRT_EXPORT cudaError_t cudaMemcpyToSymbolAsync(const void *symbol, const void *src, size_t count,
						size_t offset, enum cudaMemcpyKind kind,
						cudaStream_t stream)
{
	return symbol_copy(NULL, src, symbol, count, offset, kind, 1, stream);
}

GVRT_EXPORT cudaError_t cudaMemcpyFromSymbolAsync(void *dst, const void *symbol, size_t count,
						  size_t offset, enum cudaMemcpyKind kind,
						  cudaStream_t stream)
{
	return symbol_copy(dst, NULL, symbol, count, offset, kind, 0, stream);
}

/* For tests on the CPU reference executor: the last launch, byte for byte. */
GVRT_EXPORT int gvirtusGetLastLaunch(void *out, size_t size)
{
	struct gv_empty q;
	struct gv_launch_log_resp *r = malloc(sizeof(*r));
	cudaError_t e;

	if (!r)
		return cudaErrorMemoryAllocation;
	e = GV_RPC(LAUNCH_LOG, &q, r, NULL, 0);
	if (!e)
		memcpy(out, r, size < sizeof(*r) ? size : sizeof(*r));
	free(r);
	return e;
}
