/* SPDX-License-Identifier: MIT */
/*
 * Modules, kernels and device globals.  A fatbin arrives once per module
 * and device; functions and globals are looked up by name in a module the
 * session loaded.  Argument blocks are checked against the layout the
 * host itself determined before any launch.
 */
#include <stdlib.h>
#include <string.h>

#include "gen_support.h"
#include "handlers.h"
#include "log.h"
#include "module_image.h"

/* The module handle h names, loaded in the caller's context. */
static int module_of(struct gvw_call *c, uint64_t h, void **mod)
{
	struct gvw_handle_slot *slot = gvw_handle_get(&c->s->handles, h, GVW_H_MODULE);

	if (!slot || slot->device != c->dev)
		return cudaErrorInvalidResourceHandle;
	*mod = slot->obj;
	return cudaSuccess;
}

static int function_of(struct gvw_call *c, uint64_t h, struct gvw_function **fn)
{
	struct gvw_handle_slot *slot = gvw_handle_get(&c->s->handles, h, GVW_H_FUNCTION);

	if (!slot || slot->device != c->dev)
		return cudaErrorInvalidResourceHandle;
	*fn = slot->obj;
	return cudaSuccess;
}

/* A name from the request's tail, as a C string in buf. */
static int name_of(struct gvw_call *c, const struct gv_name_req *q, char *buf)
{
	if (q->name_len == 0 || q->name_len != c->tail_len || q->name_len >= GV_MAX_NAME)
		return cudaErrorInvalidValue;
	memcpy(buf, c->tail, q->name_len);
	buf[q->name_len] = 0;
	if (strlen(buf) != q->name_len)
		return cudaErrorInvalidValue; /* embedded NUL */
	return cudaSuccess;
}

/* The module and the name a FUNCTION_GET or GLOBAL_GET names. */
static int named_in_module(struct gvw_call *c, const struct gv_name_req *q, void **mod, char *name)
{
	int e = gvw_enter_device(c);

	if (!e)
		e = module_of(c, q->module, mod);
	return e ? e : name_of(c, q, name);
}

int gvw_h_MODULE_LOAD(struct gvw_call *c)
{
	const struct gv_module_load_req *q = c->req;
	struct gv_handle_resp *r = c->resp;
	struct gvw_session *s = c->s;
	uint64_t max = s->w->limits.max_module_bytes;
	const char *why = NULL;
	uint8_t *image;
	void *mod;
	int e;

	if (!gvw_bulk_ok(c, GV_BULK_TO_HOST, q->size) || q->size < 16)
		return cudaErrorInvalidValue;
	e = gvw_enter_device(c);
	if (e)
		return e;
	if (q->size > max || s->module_bytes > max - q->size)
		return gvw_limit_refuse(s, GVW_LIMIT_MODULE_BYTES, s->module_bytes, q->size);
	/* The executor (the driver, or the double) keeps an image as large. */
	e = gvw_host_charge(s, q->size);
	if (e)
		return e;
	/* Ours, terminated, and checked: the driver parses it without a length. */
	image = gvw_module_image_copy(c->bulk);
	if (!image) {
		gvw_host_uncharge(s, q->size);
		return cudaErrorMemoryAllocation;
	}
	if (gvw_module_image_check(image, q->size, &why) < 0) {
		gvw_log(GVW_WARN, "session %u: module image of %llu bytes refused: %s", s->id,
			(unsigned long long)q->size, why);
		e = cudaErrorInvalidKernelImage;
	} else {
		e = gvw_ex(c)->module_load(c->ctx, image, q->size, &mod);
	}
	free(image);
	if (e) {
		gvw_host_uncharge(s, q->size);
		return e;
	}
	r->handle = gvw_handle_add(c, GVW_H_MODULE, mod, q->size);
	if (!r->handle) {
		gvw_ex(c)->module_unload(c->ctx, mod);
		gvw_host_uncharge(s, q->size);
		return cudaErrorMemoryAllocation;
	}
	s->module_bytes += q->size;
	return cudaSuccess;
}

/*
 * A kept copy of a function the executor just looked up into tmp (its
 * parameters in the session's scratch), sized to what it holds.
 */
static int keep_function(struct gvw_call *c, const struct gvw_function *tmp,
			 struct gvw_function **out)
{
	struct gvw_session *s = c->s;
	size_t params = tmp->nparams * sizeof(tmp->params[0]);
	uint64_t bytes = sizeof(**out) + params + tmp->name_len + 1;
	struct gvw_function *fn;
	char *name;
	int e;

	if (tmp->nparams > GV_MAX_PARAMS)
		return cudaErrorInvalidValue; /* only a broken executor */
	if (s->handles.live >= s->w->limits.max_handles)
		return gvw_limit_refuse(s, GVW_LIMIT_HANDLES, s->handles.live, 1);
	e = gvw_host_charge(s, bytes);
	if (e)
		return e;
	fn = malloc(bytes);
	if (!fn) {
		gvw_host_uncharge(s, bytes);
		return cudaErrorMemoryAllocation;
	}
	*fn = *tmp;
	fn->params = (struct gv_param_info *)(fn + 1);
	memcpy(fn->params, tmp->params, params);
	name = (char *)fn->params + params;
	memcpy(name, tmp->name, tmp->name_len + 1);
	fn->name = name;
	fn->handle = gvw_handle_add(c, GVW_H_FUNCTION, fn, bytes);
	if (!fn->handle) {
		free(fn);
		gvw_host_uncharge(s, bytes);
		return cudaErrorMemoryAllocation;
	}
	if (gvw_function_index(s, fn)) {
		gvw_handle_drop(s, gvw_handle_get(&s->handles, fn->handle, GVW_H_FUNCTION));
		free(fn);
		return cudaErrorMemoryAllocation;
	}
	*out = fn;
	return cudaSuccess;
}

int gvw_h_FUNCTION_GET(struct gvw_call *c)
{
	const struct gv_name_req *q = c->req;
	struct gv_function_resp *r = c->resp;
	struct gvw_function *fn;
	char name[GV_MAX_NAME];
	void *mod;
	int e = named_in_module(c, q, &mod, name);

	if (e)
		return e;
	/* Natively the same name gives the same CUfunction: here the same handle. */
	fn = gvw_function_find(c->s, q->module, name);
	if (!fn) {
		struct gvw_function tmp = {
		    .module = q->module,
		    .name = name,
		    .name_len = q->name_len,
		    .params = c->s->param_scratch,
		};

		e = gvw_ex(c)->function_get(c->ctx, mod, name, &tmp);
		if (!e)
			e = keep_function(c, &tmp, &fn);
		if (e)
			return e;
	}
	r->function = fn->handle;
	r->nparams = fn->nparams;
	r->args_size = fn->args_size;
	memcpy(r->params, fn->params, fn->nparams * sizeof(fn->params[0]));
	return cudaSuccess;
}

int gvw_h_GLOBAL_GET(struct gvw_call *c)
{
	const struct gv_name_req *q = c->req;
	struct gv_global_resp *r = c->resp;
	struct gvw_alloc a = {0}, *known;
	char name[GV_MAX_NAME];
	size_t grow;
	void *mod;
	int e = named_in_module(c, q, &mod, name);

	if (e)
		return e;
	e = gvw_ex(c)->global_get(c->ctx, mod, name, q->size, &a);
	if (e)
		return e;
	r->ptr = a.base;
	r->size = a.size;
	/* Tracked like an allocation so copies to it are bounds-checked. */
	known = gvw_alloc_find_base(&c->s->allocs, a.base);
	if (known && known->symbol)
		return cudaSuccess;
	a.device = c->dev;
	a.symbol = 1;
	a.module = q->module;
	grow = gvw_alloc_grow_bytes(&c->s->allocs);
	if (grow && gvw_host_charge(c->s, grow))
		return cudaErrorMemoryAllocation;
	if (gvw_alloc_insert(&c->s->allocs, &a)) {
		gvw_host_uncharge(c->s, grow);
		return cudaErrorInvalidSymbol;
	}
	return cudaSuccess;
}

/* Unloads a module and forgets the functions and globals looked up in it. */
int gvw_h_MODULE_UNLOAD(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	struct gvw_session *s = c->s;
	struct gvw_handle_slot *slot;
	void *mod;
	size_t i;
	int e = gvw_enter_device(c);

	if (!e)
		e = module_of(c, q->handle, &mod);
	if (e)
		return e;
	for (i = 0; i < s->handles.n; i++) {
		struct gvw_handle_slot *h = &s->handles.v[i];
		struct gvw_function *fn = h->obj;

		if (h->kind == GVW_H_FUNCTION && fn->module == q->handle) {
			gvw_function_unindex(s, fn);
			free(fn);
			gvw_handle_drop(s, h);
		}
	}
	/* Its globals go with it: a copy to one afterwards is refused, not
	 * done into memory the executor has freed. */
	for (i = s->allocs.n; i-- > 0;)
		if (s->allocs.v[i].symbol && s->allocs.v[i].module == q->handle)
			gvw_alloc_remove(&s->allocs, &s->allocs.v[i]);
	gvw_ex(c)->module_unload(c->ctx, mod);
	slot = gvw_handle_get(&s->handles, q->handle, GVW_H_MODULE);
	gvw_handle_drop(s, slot);
	return cudaSuccess;
}

int gvw_h_LAUNCH(struct gvw_call *c)
{
	const struct gv_launch_req *q = c->req;
	struct gvw_function *fn;
	void *stream;
	const struct gvw_executor *ex = gvw_ex(c);
	int e = gvw_enter_device(c);

	if (!e)
		e = function_of(c, q->function, &fn);
	if (!e)
		e = gvw_stream_of(c, q->stream, &stream);
	if (e)
		return e;
	/* The driver reads args_size bytes: exactly what was sent. */
	if (q->args_len != c->tail_len || q->args_len != fn->args_size)
		return cudaErrorInvalidValue;
	e = ex->launch(c->ctx, fn, q, c->tail, stream);
	if (!e && ex->record_launch)
		ex->record_launch(c->s, fn, q, c->tail);
	return e;
}

int gvw_h_FUNC_ATTRS(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	struct gvw_function *fn;
	int e = gvw_enter_device(c);

	if (!e)
		e = function_of(c, q->handle, &fn);
	return e ? e : gvw_ex(c)->func_attrs(c->ctx, fn, c->resp);
}

int gvw_h_FUNC_SET_ATTR(struct gvw_call *c)
{
	const struct gv_func_set_attr_req *q = c->req;
	struct gvw_function *fn;
	int e = gvw_enter_device(c);

	if (!e)
		e = function_of(c, q->function, &fn);
	return e ? e : gvw_ex(c)->func_set_attr(c->ctx, fn, q->attr, q->value);
}

int gvw_h_OCCUPANCY(struct gvw_call *c)
{
	const struct gv_occupancy_req *q = c->req;
	struct gv_int_resp *r = c->resp;
	struct gvw_function *fn;
	int n = 0, e = gvw_enter_device(c);

	if (!e)
		e = function_of(c, q->function, &fn);
	if (!e)
		e = gvw_ex(c)->occupancy(c->ctx, fn, q->block_size, q->dynamic_smem, q->flags, &n);
	r->value = n;
	return e;
}

int gvw_h_LAUNCH_LOG(struct gvw_call *c)
{
	if (!c->s->launch_log)
		return cudaErrorNotSupported; /* no launch recorded (see record_launch) */
	memcpy(c->resp, c->s->launch_log, sizeof(*c->s->launch_log));
	return cudaSuccess;
}

void gvw_bulk_put(const struct gvw_bulk *b, uint64_t offset, const void *src, size_t len)
{
	const char *from = src;
	unsigned int i;

	for (i = 0; i < b->niov && len; i++) {
		size_t piece = b->iov[i].len, n;

		if (offset >= piece) {
			offset -= piece;
			continue;
		}
		n = piece - offset < len ? piece - offset : len;
		memcpy((char *)b->iov[i].base + offset, from, n);
		from += n;
		len -= n;
		offset = 0;
	}
}

/* A module's kernels' names (protocol.h, MODULE_FUNCTIONS). */
int gvw_h_MODULE_FUNCTIONS(struct gvw_call *c)
{
	const struct gv_module_functions_req *q = c->req;
	struct gv_module_functions_resp *r = c->resp;
	CUfunction *fns = NULL;
	unsigned int n = 0, i;
	uint64_t at = 0;
	void *mod;
	int e = gvg_enter(c, GVG_FN(cuda, cuModuleGetFunctionCount));

	if (!e)
		e = gvg_enter(c, GVG_FN(cuda, cuModuleEnumerateFunctions));
	if (!e)
		e = gvg_enter(c, GVG_FN(cuda, cuFuncGetName));
	if (!e)
		e = module_of(c, q->module, &mod);
	if (e)
		return e;
	if (q->buf_len && !gvw_bulk_ok(c, GV_BULK_FROM_HOST, q->buf_len))
		return CUDA_ERROR_INVALID_VALUE;
	e = (int)GVG_DRV(c, cuda, cuModuleGetFunctionCount)(&n, mod);
	if (e)
		return e;
	if (n > GV_MAX_MODULE_FUNCTIONS)
		return CUDA_ERROR_OUT_OF_MEMORY;
	if (n && !(fns = malloc(n * sizeof(*fns))))
		return CUDA_ERROR_OUT_OF_MEMORY;
	if (n)
		e = (int)GVG_DRV(c, cuda, cuModuleEnumerateFunctions)(fns, n, mod);
	for (i = 0; !e && i < n; i++) {
		const char *name = NULL;
		size_t len;

		e = (int)GVG_DRV(c, cuda, cuFuncGetName)(&name, fns[i]);
		if (e || !name)
			break;
		len = strnlen(name, GV_MAX_NAME - 1) + 1;
		/* Whole names only; what does not fit is counted, for a retry. */
		if (q->buf_len >= len && at <= q->buf_len - len) {
			gvw_bulk_put(c->bulk, at, name, len - 1);
			gvw_bulk_put(c->bulk, at + len - 1, "", 1);
		}
		at += len;
	}
	free(fns);
	r->count = n;
	r->names_len = at;
	return e;
}

/* A function's name: the one it was looked up by, and its module (FUNC_NAME). */
int gvw_h_FUNC_NAME(struct gvw_call *c)
{
	const struct gv_handle_req *q = c->req;
	struct gv_func_name_resp *r = c->resp;
	struct gvw_function *fn;
	int e = gvw_enter_device(c);

	if (!e)
		e = function_of(c, q->handle, &fn);
	if (e)
		return e;
	r->module = fn->module;
	r->len = fn->name_len < GV_MAX_NAME ? fn->name_len : GV_MAX_NAME - 1;
	memcpy(r->name, fn->name, r->len);
	return cudaSuccess;
}
