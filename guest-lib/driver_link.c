/* SPDX-License-Identifier: MIT */
/*
 * The runtime's way to the driver API: our libcuda.so.1, opened at first
 * use as NVIDIA's runtime opens NVIDIA's driver.  Runtime calls that are
 * one driver call (guest-lib/gen/cudart_generated.c) go through it, on
 * this process's one session.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "gvrt.h"

static void *lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void open_lib(void)
{
	void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);

	/* Ours runs on this library's session; NVIDIA's would not. */
	if (h && !dlsym(h, "gv_session")) {
		gv_log(GV_LOG_ERROR, "the libcuda.so.1 found is not gvirtus's: put gvirtus's "
				     "library folder first in the library path");
		dlclose(h);
		h = NULL;
	}
	lib = h;
}

int gv_driver_load(void *slot, const char *name)
{
	static atomic_flag warned;
	void *f;

	/* The driver's implicit context is the runtime's primary one. */
	gv_runtime_mark();
	pthread_once(&lib_once, open_lib);
	f = lib ? dlsym(lib, name) : NULL;
	if (!f)
		f = dlsym(RTLD_DEFAULT, name); /* linked in (tests) */
	if (!f) {
		if (!atomic_flag_test_and_set(&warned))
			gv_log(GV_LOG_ERROR,
			       "%s: gvirtus's libcuda.so.1 is not beside "
			       "libcudart.so.13; calls that need it return "
			       "cudaErrorNotSupported",
			       name);
		return -1;
	}
	memcpy(slot, &f, sizeof(f));
	return 0;
}
