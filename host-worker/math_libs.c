/* SPDX-License-Identifier: MIT */
/* NVIDIA's math libraries, opened on first use (math_libs.h). */
#include "math_libs.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_support_math.h"
#include "handles.h"
#include "log.h"
#include "worker_internal.h"

static struct gvg_curand_fns curand_fns;
static struct gvg_cublas_fns cublas_fns;
static struct gvg_cufft_fns cufft_fns;
static struct gvg_cublasLt_fns cublasLt_fns;
static struct gvg_cusparse_fns cusparse_fns;
static struct gvg_cudnn_fns cudnn_fns;
static struct gvg_cusolver_fns cusolver_fns;

static const struct {
	const char *soname;
	void *table;
} libs[GVW_LIB_LIMIT] = {
    [GVW_LIB_CURAND] = {"libcurand.so.10", &curand_fns},
    [GVW_LIB_CUBLAS] = {"libcublas.so.13", &cublas_fns},
    [GVW_LIB_CUFFT] = {"libcufft.so.12", &cufft_fns},
    [GVW_LIB_CUBLASLT] = {"libcublasLt.so.13", &cublasLt_fns},
    [GVW_LIB_CUSPARSE] = {"libcusparse.so.12", &cusparse_fns},
    [GVW_LIB_CUDNN] = {"libcudnn.so.9", &cudnn_fns},
    [GVW_LIB_CUSOLVER] = {"libcusolver.so.12", &cusolver_fns},
};

/* Each library's table, every function found by its name. */
#define LOAD(name, ret, params) t->name = (gvg_fn_##name)dlsym(lib, #name);
#define RESOLVER(LIB, FNS)                                                                         \
	static void resolve_##LIB(void *table, void *lib)                                          \
	{                                                                                          \
		struct gvg_##LIB##_fns *t = table;                                                 \
                                                                                                   \
		FNS(LOAD)                                                                          \
	}
RESOLVER(curand, GVG_CURAND_FNS)
RESOLVER(cublas, GVG_CUBLAS_FNS)
RESOLVER(cufft, GVG_CUFFT_FNS)
RESOLVER(cublasLt, GVG_CUBLASLT_FNS)
RESOLVER(cusparse, GVG_CUSPARSE_FNS)
RESOLVER(cudnn, GVG_CUDNN_FNS)
RESOLVER(cusolver, GVG_CUSOLVER_FNS)
#undef RESOLVER
#undef LOAD

static void (*const resolvers[GVW_LIB_LIMIT])(void *, void *) = {
    [GVW_LIB_CURAND] = resolve_curand,	   [GVW_LIB_CUBLAS] = resolve_cublas,
    [GVW_LIB_CUFFT] = resolve_cufft,	   [GVW_LIB_CUBLASLT] = resolve_cublasLt,
    [GVW_LIB_CUSPARSE] = resolve_cusparse, [GVW_LIB_CUDNN] = resolve_cudnn,
    [GVW_LIB_CUSOLVER] = resolve_cusolver,
};

static const void *opened[GVW_LIB_LIMIT];
static atomic_bool tried[GVW_LIB_LIMIT];

/*
 * cuDNN is not the toolkit's: it lives where it was installed (a Python
 * wheel's nvidia/cudnn/lib, a tarball).  $GVIRTUS_CUDNN_DIR names that
 * directory; libcudnn.so.9 opens its sub-libraries from its own directory.
 */
#define CUDNN_DIR_ENV "GVIRTUS_CUDNN_DIR"

/*
 * The loader's search first (for cuDNN, $GVIRTUS_CUDNN_DIR before it);
 * then the toolkit's own directory, where the math libraries live on a
 * host whose loader was never told of it ($CUDA_HOME/lib64, else
 * /usr/local/cuda/lib64).
 */
static void *open_library(const char *soname, char *why, size_t len)
{
	const char *home = getenv("CUDA_HOME");
	const char *dnn = getenv(CUDNN_DIR_ENV);
	char path[512];
	void *h;

	if (!strcmp(soname, libs[GVW_LIB_CUDNN].soname) && dnn && *dnn) {
		snprintf(path, sizeof(path), "%s/%s", dnn, soname);
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (h)
			return h;
		gvw_log(GVW_WARN, "%s: %s", CUDNN_DIR_ENV, dlerror());
	}
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
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
		if (lib == GVW_LIB_CUDNN)
			gvw_log(GVW_WARN,
				"cuDNN is not part of the toolkit: set %s to the directory of "
				"libcudnn.so.9 (a PyTorch venv's site-packages/nvidia/cudnn/lib)",
				CUDNN_DIR_ENV);
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

int gvw_math_release(struct gvw_session *s, struct gvw_handle_slot *h)
{
	const struct gvw_executor *ex = s->w->ex;
	const struct gvg_cublasLt_fns *lt;
	const struct gvg_cublas_fns *blas;
	const struct gvg_cufft_fns *fft;
	const struct gvg_curand_fns *rnd;
	enum gvw_math_lib lib;

	switch (h->kind) {
	case GVW_H_CUBLAS:
		lib = GVW_LIB_CUBLAS;
		break;
	case GVW_H_CUBLASLT:
	case GVW_H_LT_MATMUL_DESC:
	case GVW_H_LT_LAYOUT:
	case GVW_H_LT_PREFERENCE:
	case GVW_H_LT_TRANSFORM_DESC:
	case GVW_H_LT_EMULATION_DESC:
		lib = GVW_LIB_CUBLASLT;
		break;
	case GVW_H_CUFFT_PLAN:
		lib = GVW_LIB_CUFFT;
		break;
	case GVW_H_CURAND_GENERATOR:
	case GVW_H_CURAND_HOST_GENERATOR:
	case GVW_H_CURAND_DISTRIBUTION:
		lib = GVW_LIB_CURAND;
		break;
	default:
		if (gvw_cusolver_kind(h->kind))
			lib = GVW_LIB_CUSOLVER;
		else if (gvw_cusparse_kind(h->kind))
			lib = GVW_LIB_CUSPARSE;
		else if (gvw_cudnn_kind(h->kind))
			lib = GVW_LIB_CUDNN;
		else
			return 0;
		break;
	}
	if (gvw_counts_as_library_object(h->kind))
		s->library_objects--;
	/* An object exists only where its library was opened. */
	if (!ex->math_fns || !ex->math_fns(lib))
		return 1;
	switch (lib) {
	case GVW_LIB_CUBLAS:
		blas = ex->math_fns(lib);
		if (blas->cublasDestroy_v2)
			blas->cublasDestroy_v2(h->obj);
		break;
	case GVW_LIB_CUFFT:
		fft = ex->math_fns(lib);
		if (fft->cufftDestroy)
			fft->cufftDestroy((cufftHandle)(intptr_t)h->obj);
		break;
	case GVW_LIB_CURAND:
		rnd = ex->math_fns(lib);
		if (h->kind == GVW_H_CURAND_DISTRIBUTION && rnd->curandDestroyDistribution)
			rnd->curandDestroyDistribution(h->obj);
		else if (h->kind != GVW_H_CURAND_DISTRIBUTION && rnd->curandDestroyGenerator)
			rnd->curandDestroyGenerator(h->obj);
		break;
	case GVW_LIB_CUSPARSE:
		gvw_cusparse_destroy(ex->math_fns(lib), h);
		break;
	case GVW_LIB_CUDNN:
		gvw_cudnn_destroy(ex->math_fns(lib), h);
		break;
	case GVW_LIB_CUSOLVER:
		gvw_cusolver_destroy(ex->math_fns(lib), h);
		break;
	default:
		lt = ex->math_fns(lib);
		if (h->kind == GVW_H_CUBLASLT && lt->cublasLtDestroy)
			lt->cublasLtDestroy(h->obj);
		else if (h->kind == GVW_H_LT_MATMUL_DESC && lt->cublasLtMatmulDescDestroy)
			lt->cublasLtMatmulDescDestroy(h->obj);
		else if (h->kind == GVW_H_LT_LAYOUT && lt->cublasLtMatrixLayoutDestroy)
			lt->cublasLtMatrixLayoutDestroy(h->obj);
		else if (h->kind == GVW_H_LT_PREFERENCE && lt->cublasLtMatmulPreferenceDestroy)
			lt->cublasLtMatmulPreferenceDestroy(h->obj);
		else if (h->kind == GVW_H_LT_TRANSFORM_DESC &&
			 lt->cublasLtMatrixTransformDescDestroy)
			lt->cublasLtMatrixTransformDescDestroy(h->obj);
		else if (h->kind == GVW_H_LT_EMULATION_DESC && lt->cublasLtEmulationDescDestroy)
			lt->cublasLtEmulationDescDestroy(h->obj);
		break;
	}
	return 1;
}
