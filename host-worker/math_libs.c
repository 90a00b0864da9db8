/* SPDX-License-Identifier: MIT */
/* NVIDIA's math libraries, opened on first use (math_libs.h). */
#include "math_libs.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "gen_support_math.h"
#include "log.h"
#include "worker_internal.h"

static struct gvg_curand_fns curand_fns;
static struct gvg_cublas_fns cublas_fns;
static struct gvg_cufft_fns cufft_fns;
static struct gvg_cublasLt_fns cublasLt_fns;

static const struct {
	const char *soname;
	void *table;
} libs[GVW_LIB_LIMIT] = {
    [GVW_LIB_CURAND] = {"libcurand.so.10", &curand_fns},
    [GVW_LIB_CUBLAS] = {"libcublas.so.13", &cublas_fns},
    [GVW_LIB_CUFFT] = {"libcufft.so.12", &cufft_fns},
    [GVW_LIB_CUBLASLT] = {"libcublasLt.so.13", &cublasLt_fns},
};

static void resolve_curand(void *table, void *lib)
{
	struct gvg_curand_fns *t = table;

#define LOAD(name, ret, params) t->name = (gvg_fn_##name)dlsym(lib, #name);
	GVG_CURAND_FNS(LOAD)
#undef LOAD
}

static void resolve_cublas(void *table, void *lib)
{
	struct gvg_cublas_fns *t = table;

#define LOAD(name, ret, params) t->name = (gvg_fn_##name)dlsym(lib, #name);
	GVG_CUBLAS_FNS(LOAD)
#undef LOAD
}

static void resolve_cufft(void *table, void *lib)
{
	struct gvg_cufft_fns *t = table;

#define LOAD(name, ret, params) t->name = (gvg_fn_##name)dlsym(lib, #name);
	GVG_CUFFT_FNS(LOAD)
#undef LOAD
}

static void resolve_cublasLt(void *table, void *lib)
{
	struct gvg_cublasLt_fns *t = table;

#define LOAD(name, ret, params) t->name = (gvg_fn_##name)dlsym(lib, #name);
	GVG_CUBLASLT_FNS(LOAD)
#undef LOAD
}

static void (*const resolvers[GVW_LIB_LIMIT])(void *, void *) = {
    [GVW_LIB_CURAND] = resolve_curand,
    [GVW_LIB_CUBLAS] = resolve_cublas,
    [GVW_LIB_CUFFT] = resolve_cufft,
    [GVW_LIB_CUBLASLT] = resolve_cublasLt,
};

static const void *opened[GVW_LIB_LIMIT];
static atomic_bool tried[GVW_LIB_LIMIT];

/*
 * The loader's search first; then the toolkit's own directory, where the
 * math libraries live on a host whose loader was never told of it
 * ($CUDA_HOME/lib64, else /usr/local/cuda/lib64).
 */
static void *open_library(const char *soname, char *why, size_t len)
{
	const char *home = getenv("CUDA_HOME");
	char path[512];
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (h)
		return h;
	snprintf(why, len, "%s", dlerror());
	snprintf(path, sizeof(path), "%s/lib64/%s", home && *home ? home : "/usr/local/cuda",
		 soname);
	return dlopen(path, RTLD_NOW | RTLD_LOCAL);
}

static void open_one(enum gvw_math_lib lib)
{
	char why[512];
	void *h = open_library(libs[lib].soname, why, sizeof(why));

	if (!h) {
		gvw_log(GVW_WARN,
			"%s is not on this host (%s; nor in $CUDA_HOME/lib64): its calls fail "
			"as not supported; install NVIDIA's library or put its directory in "
			"LD_LIBRARY_PATH",
			libs[lib].soname, why);
		return;
	}
	/* gvirtus's guest shim of the same soname would send the calls back. */
	if (dlsym(h, "gvm_call")) {
		gvw_log(GVW_ERROR,
			"the %s found is gvirtus's guest shim, not NVIDIA's library; "
			"remove gvirtus's lib/frontend from the host's LD_LIBRARY_PATH",
			libs[lib].soname);
		dlclose(h);
		return;
	}
	resolvers[lib](libs[lib].table, h);
	opened[lib] = libs[lib].table;
}

const void *gvw_math_open(enum gvw_math_lib lib)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	if ((unsigned int)lib >= GVW_LIB_LIMIT)
		return NULL;
	if (!atomic_load_explicit(&tried[lib], memory_order_acquire)) {
		pthread_mutex_lock(&lock);
		if (!atomic_load_explicit(&tried[lib], memory_order_relaxed)) {
			open_one(lib);
			atomic_store_explicit(&tried[lib], true, memory_order_release);
		}
		pthread_mutex_unlock(&lock);
	}
	return opened[lib];
}

const void *gvw_math_fns(struct gvw_call *c, enum gvw_math_lib lib)
{
	const struct gvw_executor *ex = gvw_ex(c);

	return ex->math_fns ? ex->math_fns(lib) : NULL;
}
