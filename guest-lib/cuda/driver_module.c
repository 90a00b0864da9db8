/* SPDX-License-Identifier: MIT */
/*
 * Modules, kernels and launches through the runtime's ops.  CUmodule and
 * CUfunction are the host's handle values, so generated calls that take
 * them work unchanged; each function's parameter layout (from the host,
 * at lookup) is kept here to pack kernelParams.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "gvcu.h"

#define FATBIN_MAGIC 0xba55ed50u
#define ELF_MAGIC    0x464c457fu

static CUresult load(CUmodule *module, const void *image)
{
	struct gv_module_load_req q;
	struct gv_handle_resp r = {0};
	struct gv_buf b;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!module || !image)
		return CUDA_ERROR_INVALID_VALUE;
	q.size = gv_image_size(&image);
	if (q.size < 16)
		return CUDA_ERROR_INVALID_IMAGE;
	b = (struct gv_buf){image, q.size, GV_BULK_TO_HOST};
	e = GVCU_RPC(MODULE_LOAD, &q, &r, &b, 1);
	if (e == CUDA_ERROR_INVALID_IMAGE && gv_image_magic(image) != ELF_MAGIC &&
	    gv_image_magic(image) != FATBIN_MAGIC)
		e = CUDA_ERROR_INVALID_PTX; /* what the driver says of bad text */
	if (!e)
		*module = (CUmodule)(uintptr_t)r.handle;
	return e;
}

GVCU_EXPORT CUresult cuModuleLoadData(CUmodule *module, const void *image)
{
	return load(module, image);
}

GVCU_EXPORT CUresult cuModuleLoadFatBinary(CUmodule *module, const void *fatbin)
{
	return load(module, fatbin);
}

/* JIT options: the host's driver chooses for itself (gv_jit_outputs). */
GVCU_EXPORT CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int n,
					CUjit_option *options, void **values)
{
	if (n && (!options || !values))
		return CUDA_ERROR_INVALID_VALUE;
	gv_jit_outputs(n, (const int *)options, values);
	return load(module, image);
}

GVCU_EXPORT CUresult cuModuleLoad(CUmodule *module, const char *fname)
{
	size_t len;
	char *buf;
	CUresult e;

	if (!module || !fname)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvcu_need_ctx();
	if (e)
		return e;
	buf = gv_read_file(fname, &len);
	if (!buf)
		return len ? CUDA_ERROR_OUT_OF_MEMORY : CUDA_ERROR_FILE_NOT_FOUND;
	e = len >= 16 ? load(module, buf) : CUDA_ERROR_INVALID_IMAGE;
	free(buf);
	return e;
}

/* ---- functions and their layouts ---- */

struct fn_layout {
	uint64_t handle, module;
	uint32_t nparams, args_size;
	struct gv_param_info *params;
	struct fn_layout *next;
	/* Its module is unloaded: launches go the synchronous way. */
	_Atomic int unloaded;
	struct gv_launch_limits limits;
};

#define LAYOUT_BUCKETS 256
static struct fn_layout *layouts[LAYOUT_BUCKETS];
static pthread_mutex_t layout_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned int bucket(uint64_t h)
{
	return (unsigned int)((h * 0x9e3779b97f4a7c15ull) >> 56);
}

static const struct fn_layout *layout_of(uint64_t h)
{
	struct fn_layout *l;

	pthread_mutex_lock(&layout_lock);
	for (l = layouts[bucket(h)]; l && l->handle != h; l = l->next)
		;
	pthread_mutex_unlock(&layout_lock);
	return l;
}

static void mark_unloaded(uint64_t module)
{
	struct fn_layout *l;
	unsigned int b;

	pthread_mutex_lock(&layout_lock);
	for (b = 0; b < LAYOUT_BUCKETS; b++)
		for (l = layouts[b]; l; l = l->next)
			if (l->module == module)
				atomic_store(&l->unloaded, 1);
	pthread_mutex_unlock(&layout_lock);
}

/* A function's layout, kept from now on (module 0: not known). */
static CUresult learn(uint64_t function, uint64_t module, uint32_t nparams, uint32_t args_size,
		      const struct gv_param_info *params)
{
	struct fn_layout *l = calloc(1, sizeof(*l));

	if (l)
		l->params = malloc((nparams + 1) * sizeof(*l->params));
	if (!l || !l->params) {
		free(l);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	l->handle = function;
	l->module = module;
	l->nparams = nparams;
	l->args_size = args_size;
	memcpy(l->params, params, nparams * sizeof(*l->params));
	pthread_mutex_lock(&layout_lock);
	l->next = layouts[bucket(l->handle)];
	layouts[bucket(l->handle)] = l;
	pthread_mutex_unlock(&layout_lock);
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)
{
	struct gv_name_req q = {.module = (uintptr_t)hmod};
	struct gv_function_resp *r;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!hfunc || !name || !hmod)
		return CUDA_ERROR_INVALID_VALUE;
	q.name_len = (uint32_t)strnlen(name, GV_MAX_NAME);
	if (q.name_len == 0 || q.name_len >= GV_MAX_NAME)
		return CUDA_ERROR_NOT_FOUND;
	r = malloc(sizeof(*r));
	if (!r)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e = gvcu_rpc(GV_OP_FUNCTION_GET, &q, sizeof(q), name, q.name_len, r, sizeof(*r), NULL, 0);
	if (!e && r->nparams > GV_MAX_PARAMS)
		e = CUDA_ERROR_INVALID_VALUE;
	if (!e && !layout_of(r->function))
		e = learn(r->function, q.module, r->nparams, r->args_size, r->params);
	if (!e)
		*hfunc = (CUfunction)(uintptr_t)r->function;
	free(r);
	return e;
}

GVCU_EXPORT CUresult cuModuleUnload(CUmodule hmod)
{
	struct gv_handle_req q = {.handle = (uintptr_t)hmod};
	struct gv_empty r;

	/* The module's layouts stay (small; a handle is never reused with the
	 * same generation), marked so that no launch of them is queued. */
	mark_unloaded((uintptr_t)hmod);
	return GVCU_RPC(MODULE_UNLOAD, &q, &r, NULL, 0);
}

GVCU_EXPORT CUresult cuModuleGetGlobal_v2(CUdeviceptr *dptr, size_t *bytes, CUmodule hmod,
					  const char *name)
{
	struct gv_name_req q = {.module = (uintptr_t)hmod};
	struct gv_global_resp r = {0};
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!name || !hmod)
		return CUDA_ERROR_INVALID_VALUE;
	q.name_len = (uint32_t)strnlen(name, GV_MAX_NAME);
	if (q.name_len == 0 || q.name_len >= GV_MAX_NAME)
		return CUDA_ERROR_NOT_FOUND;
	e = gvcu_rpc(GV_OP_GLOBAL_GET, &q, sizeof(q), name, q.name_len, &r, sizeof(r), NULL, 0);
	if (!e) {
		if (dptr)
			*dptr = r.ptr;
		if (bytes)
			*bytes = r.size;
	}
	return e;
}

/* ---- launches ---- */

static _Thread_local unsigned char argbuf[GV_MAX_ARGS];

static CUresult check_geometry(unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
			       unsigned int by, unsigned int bz)
{
	const struct gv_device_info_resp *i;
	cudaError_t re;
	uint64_t threads = (uint64_t)bx * by * bz;

	i = GVCU_AS_DRIVER(gv_device_info(gv_current_device(), &re));
	if (!i)
		return gvcu_result(re);
	if (!gx || !gy || !gz || !threads ||
	    threads > (uint64_t)i->attrs[CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK] ||
	    bx > (unsigned int)i->attrs[CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X] ||
	    by > (unsigned int)i->attrs[CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y] ||
	    bz > (unsigned int)i->attrs[CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z] ||
	    gx > (unsigned int)i->attrs[CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X] ||
	    gy > (unsigned int)i->attrs[CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y] ||
	    gz > (unsigned int)i->attrs[CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z])
		return CUDA_ERROR_INVALID_VALUE;
	return CUDA_SUCCESS;
}

/* The packed argument block from kernelParams or from extra. */
static CUresult pack(const struct fn_layout *l, void **params, void **extra)
{
	uint32_t i;

	if (params) {
		for (i = 0; i < l->nparams; i++) {
			if (!params[i])
				return CUDA_ERROR_INVALID_VALUE;
			memcpy(argbuf + l->params[i].offset, params[i], l->params[i].size);
		}
		return CUDA_SUCCESS;
	}
	if (extra) {
		const void *buf = NULL;
		size_t size = 0;

		for (i = 0; extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
			if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER)
				buf = extra[i + 1];
			else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE && extra[i + 1])
				memcpy(&size, extra[i + 1], sizeof(size));
			else
				return CUDA_ERROR_INVALID_VALUE;
		}
		if ((l->args_size && !buf) || size < l->args_size)
			return CUDA_ERROR_INVALID_VALUE;
		if (l->args_size)
			memcpy(argbuf, buf, l->args_size);
		return CUDA_SUCCESS;
	}
	return l->nparams ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

/* What every launch checks, in the driver's order, and its packed arguments. */
static CUresult prepare(CUfunction *f, unsigned int gx, unsigned int gy, unsigned int gz,
			unsigned int bx, unsigned int by, unsigned int bz, void **params,
			void **extra, const struct fn_layout **l)
{
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	*l = *f ? layout_of((uintptr_t)*f) : NULL;
	if (!*l && *f) {
		/* A CUkernel: its function here. */
		e = gvcu_function_of(f);
		if (e)
			return e;
		*l = layout_of((uintptr_t)*f);
	}
	if (!*l)
		return CUDA_ERROR_INVALID_HANDLE;
	if (params && extra)
		return CUDA_ERROR_INVALID_VALUE;
	e = check_geometry(gx, gy, gz, bx, by, bz);
	return e ? e : pack(*l, params, extra);
}

GVCU_EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
				    unsigned int bx, unsigned int by, unsigned int bz,
				    unsigned int shmem, CUstream stream, void **params,
				    void **extra)
{
	struct gv_launch_req q = {
	    .grid = {gx, gy, gz},
	    .block = {bx, by, bz},
	    .shared_mem = shmem,
	    .stream = gv_stream_value((cudaStream_t)stream),
	};
	const struct fn_layout *l;
	struct gv_empty r;
	CUresult e = prepare(&f, gx, gy, gz, bx, by, bz, params, extra, &l);

	if (e)
		return e;
	q.function = (uintptr_t)f;
	q.args_len = l->args_size;
	/* Queued as the runtime's launches are; never one of an unloaded module. */
	if (!atomic_load(&l->unloaded) &&
	    gv_launch_may_queue(&((struct fn_layout *)l)->limits, l->handle, (uint64_t)bx * by * bz,
				shmem, (cudaStream_t)stream))
		return gv_rpc_async(GV_OP_LAUNCH, &q, sizeof(q), argbuf, l->args_size)
			   ? CUDA_ERROR_INVALID_VALUE
			   : CUDA_SUCCESS;
	return gvcu_rpc(GV_OP_LAUNCH, &q, sizeof(q), argbuf, l->args_size, &r, 0, NULL, 0);
}

GVCU_EXPORT CUresult cuFuncGetAttribute(int *pi, CUfunction_attribute attrib, CUfunction f)
{
	struct gv_handle_req q = {.handle = (uintptr_t)f};
	struct gv_func_attrs_resp r;
	CUresult e;

	if (!pi || (unsigned int)attrib >= GV_FUNC_ATTR_SLOTS)
		return CUDA_ERROR_INVALID_VALUE;
	if (!f)
		return CUDA_ERROR_INVALID_HANDLE;
	e = gvcu_function_of(&f);
	q.handle = (uintptr_t)f;
	if (!e)
		e = GVCU_RPC(FUNC_ATTRS, &q, &r, NULL, 0);
	if (e)
		return e;
	if (!(r.valid & (1u << attrib)))
		return CUDA_ERROR_INVALID_VALUE;
	*pi = r.values[attrib];
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuFuncSetAttribute(CUfunction f, CUfunction_attribute attrib, int value)
{
	struct gv_func_set_attr_req q = {.function = (uintptr_t)f, .attr = attrib, .value = value};
	struct gv_empty r;

	const struct fn_layout *l;
	CUresult e;

	if (!f)
		return CUDA_ERROR_INVALID_HANDLE;
	e = gvcu_function_of(&f);
	if (e)
		return e;
	q.function = (uintptr_t)f;
	/* The limits may change: asked again at the next launch. */
	l = layout_of((uintptr_t)f);
	if (l)
		gv_launch_limits_forget(&((struct fn_layout *)l)->limits);
	return GVCU_RPC(FUNC_SET_ATTR, &q, &r, NULL, 0);
}

/* ---- launches with attributes (LAUNCH_EX) ---- */

static CUresult launch_ex(CUfunction f, const CUlaunchConfig *cfg, void **params, void **extra)
{
	struct gv_launch_ex_req x = {0};
	const struct fn_layout *l;
	struct gv_empty r;
	unsigned int i;
	CUresult e = prepare(&f, cfg->gridDimX, cfg->gridDimY, cfg->gridDimZ, cfg->blockDimX,
			     cfg->blockDimY, cfg->blockDimZ, params, extra, &l);

	if (e)
		return e;
	if (cfg->numAttrs > GV_MAX_LAUNCH_ATTRS || (cfg->numAttrs && !cfg->attrs))
		return CUDA_ERROR_INVALID_VALUE;
	x.launch = (struct gv_launch_req){
	    .function = (uintptr_t)f,
	    .grid = {cfg->gridDimX, cfg->gridDimY, cfg->gridDimZ},
	    .block = {cfg->blockDimX, cfg->blockDimY, cfg->blockDimZ},
	    .shared_mem = cfg->sharedMemBytes,
	    .args_len = l->args_size,
	    .stream = gv_stream_value((cudaStream_t)cfg->hStream),
	};
	x.nattrs = cfg->numAttrs;
	for (i = 0; i < cfg->numAttrs; i++) {
		x.attrs[i].id = cfg->attrs[i].id;
		memcpy(x.attrs[i].value, &cfg->attrs[i].value, sizeof(x.attrs[i].value));
	}
	return gvcu_rpc(GV_OP_LAUNCH_EX, &x, sizeof(x), argbuf, l->args_size, &r, 0, NULL, 0);
}

GVCU_EXPORT CUresult cuLaunchKernelEx(const CUlaunchConfig *cfg, CUfunction f, void **params,
				      void **extra)
{
	return cfg ? launch_ex(f, cfg, params, extra) : CUDA_ERROR_INVALID_VALUE;
}

GVCU_EXPORT CUresult cuLaunchCooperativeKernel(CUfunction f, unsigned int gx, unsigned int gy,
					       unsigned int gz, unsigned int bx, unsigned int by,
					       unsigned int bz, unsigned int shmem, CUstream stream,
					       void **params)
{
	CUlaunchAttribute coop = {.id = CU_LAUNCH_ATTRIBUTE_COOPERATIVE};
	CUlaunchConfig cfg = {gx, gy, gz, bx, by, bz, shmem, stream, &coop, 1};

	coop.value.cooperative = 1;
	return launch_ex(f, &cfg, params, NULL);
}

/* ---- graph kernel nodes (KERNEL_NODE) ---- */

/* The node's parameters packed as for a launch; ADD's dependencies follow
 * the arguments.  A node may name a CUkernel instead of a function. */
static CUresult kernel_node(uint32_t op, uint64_t graph, uint64_t node, const CUgraphNode *deps,
			    size_t ndeps, const CUDA_KERNEL_NODE_PARAMS *p, CUgraphNode *out)
{
	struct gv_kernel_node_req q = {.op = op, .graph = graph, .node = node};
	struct gv_handle_resp r = {0};
	const struct fn_layout *l;
	unsigned char *tail;
	size_t i, len;
	CUfunction f;
	CUresult e;

	if (!p || (ndeps && !deps))
		return CUDA_ERROR_INVALID_VALUE;
	f = p->func ? p->func : (CUfunction)p->kern;
	if (!f)
		return CUDA_ERROR_INVALID_VALUE;
	e = prepare(&f, p->gridDimX, p->gridDimY, p->gridDimZ, p->blockDimX, p->blockDimY,
		    p->blockDimZ, p->kernelParams, p->extra, &l);
	if (e)
		return e;
	if (ndeps > GV_MAX_ARRAY || l->args_size + ndeps * 8 > GV_MAX_ARGS)
		return CUDA_ERROR_NOT_SUPPORTED; /* more than one request carries */
	len = l->args_size + ndeps * 8;
	tail = malloc(len ? len : 1);
	if (!tail)
		return CUDA_ERROR_OUT_OF_MEMORY;
	memcpy(tail, argbuf, l->args_size);
	for (i = 0; i < ndeps; i++) {
		uint64_t v = (uintptr_t)deps[i];

		memcpy(tail + l->args_size + i * 8, &v, 8);
	}
	q.ndeps = (uint32_t)ndeps;
	q.launch = (struct gv_launch_req){
	    .function = (uintptr_t)f,
	    .grid = {p->gridDimX, p->gridDimY, p->gridDimZ},
	    .block = {p->blockDimX, p->blockDimY, p->blockDimZ},
	    .shared_mem = p->sharedMemBytes,
	    .args_len = l->args_size,
	};
	e = gvcu_rpc(GV_OP_KERNEL_NODE, &q, sizeof(q), tail, (uint32_t)len, &r, sizeof(r), NULL, 0);
	free(tail);
	if (!e && out)
		*out = (CUgraphNode)(uintptr_t)r.handle;
	return e;
}

GVCU_EXPORT CUresult cuGraphAddKernelNode_v2(CUgraphNode *node, CUgraph g, const CUgraphNode *deps,
					     size_t ndeps, const CUDA_KERNEL_NODE_PARAMS *p)
{
	if (!node)
		return CUDA_ERROR_INVALID_VALUE;
	return kernel_node(GV_KERNEL_NODE_ADD, (uintptr_t)g, 0, deps, ndeps, p, node);
}

GVCU_EXPORT CUresult cuGraphKernelNodeSetParams_v2(CUgraphNode node,
						   const CUDA_KERNEL_NODE_PARAMS *p)
{
	return kernel_node(GV_KERNEL_NODE_SET, 0, (uintptr_t)node, NULL, 0, p, NULL);
}

GVCU_EXPORT CUresult cuGraphExecKernelNodeSetParams_v2(CUgraphExec exec, CUgraphNode node,
						       const CUDA_KERNEL_NODE_PARAMS *p)
{
	return kernel_node(GV_KERNEL_NODE_EXEC_SET, (uintptr_t)exec, (uintptr_t)node, NULL, 0, p,
			   NULL);
}

/*
 * A kernel node's parameters: its arguments where the runtime keeps them
 * for the node; its function launchable here even if the runtime made it.
 */
GVCU_EXPORT CUresult cuGraphKernelNodeGetParams_v2(CUgraphNode node, CUDA_KERNEL_NODE_PARAMS *p)
{
	struct gv_kernel_node_get_resp *layout = NULL;
	struct gv_launch_req l;
	void **params;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!p)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvcu_result(GVCU_AS_DRIVER(gv_kernel_node_get((uintptr_t)node, &l, &params, &layout)));
	if (e)
		return e;
	if (!layout_of(l.function))
		e = learn(l.function, 0, layout->nparams, l.args_len, layout->params);
	free(layout);
	if (e)
		return e;
	memset(p, 0, sizeof(*p));
	p->func = (CUfunction)(uintptr_t)l.function;
	p->gridDimX = l.grid[0];
	p->gridDimY = l.grid[1];
	p->gridDimZ = l.grid[2];
	p->blockDimX = l.block[0];
	p->blockDimY = l.block[1];
	p->blockDimZ = l.block[2];
	p->sharedMemBytes = l.shared_mem;
	p->kernelParams = params;
	p->ctx = (CUcontext)gvcu_current();
	return CUDA_SUCCESS;
}

/* Functions' names and modules, kept once asked: a name given out stays valid. */
struct fn_name {
	uint64_t handle, module;
	struct fn_name *next;
	char name[];
};
static struct fn_name *names;

static CUresult name_of(CUfunction hfunc, const struct fn_name **out)
{
	struct gv_handle_req q;
	struct gv_func_name_resp *r;
	struct fn_name *n;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!hfunc)
		return CUDA_ERROR_INVALID_VALUE;
	e = gvcu_function_of(&hfunc);
	if (e)
		return e;
	pthread_mutex_lock(&layout_lock);
	for (n = names; n && n->handle != (uintptr_t)hfunc; n = n->next)
		;
	pthread_mutex_unlock(&layout_lock);
	if (n) {
		*out = n;
		return CUDA_SUCCESS;
	}
	q.handle = (uintptr_t)hfunc;
	r = malloc(sizeof(*r));
	if (!r)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e = GVCU_RPC(FUNC_NAME, &q, r, NULL, 0);
	if (!e && r->len >= GV_MAX_NAME)
		e = CUDA_ERROR_INVALID_VALUE;
	if (!e && !(n = malloc(sizeof(*n) + r->len + 1)))
		e = CUDA_ERROR_OUT_OF_MEMORY;
	if (!e) {
		n->handle = q.handle;
		n->module = r->module;
		memcpy(n->name, r->name, r->len);
		n->name[r->len] = 0;
		pthread_mutex_lock(&layout_lock);
		n->next = names;
		names = n;
		pthread_mutex_unlock(&layout_lock);
		*out = n;
	}
	free(r);
	return e;
}

GVCU_EXPORT CUresult cuFuncGetName(const char **name, CUfunction hfunc)
{
	const struct fn_name *n;
	CUresult e = name ? name_of(hfunc, &n) : CUDA_ERROR_INVALID_VALUE;

	if (!e)
		*name = n->name;
	return e;
}

GVCU_EXPORT CUresult cuFuncGetModule(CUmodule *hmod, CUfunction hfunc)
{
	const struct fn_name *n;
	CUresult e = hmod ? name_of(hfunc, &n) : CUDA_ERROR_INVALID_VALUE;

	if (!e)
		*hmod = (CUmodule)(uintptr_t)n->module;
	return e;
}
