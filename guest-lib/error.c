/* SPDX-License-Identifier: MIT */
/*
 * Errors answered in the guest, as native: a thread-local last error that
 * every failing call sets and cudaGetLastError clears, and the names and
 * texts NVIDIA's runtime gives each code.
 */
#include <stdatomic.h>

#include "gvrt.h"

struct gv_error_text {
	int code;
	const char *name;
	const char *text;
};

static const struct gv_error_text error_table[] = {
#include "error_table.inc"
};

static _Thread_local cudaError_t last_error = cudaSuccess;
static atomic_int runtime_inited, runtime_used, sticky_seen;

/* Errors after which the context is broken and every call fails. */
static int is_sticky(cudaError_t err)
{
	switch ((int)err) {
	case 700: /* cudaErrorIllegalAddress */
	case 702: /* cudaErrorLaunchTimeout */
	case 710: /* cudaErrorAssert */
	case 714: /* cudaErrorHardwareStackError */
	case 715: /* cudaErrorIllegalInstruction */
	case 716: /* cudaErrorMisalignedAddress */
	case 717: /* cudaErrorInvalidAddressSpace */
	case 718: /* cudaErrorInvalidPc */
	case 719: /* cudaErrorLaunchFailure */
	case 214: /* cudaErrorECCUncorrectable */
		return 1;
	default:
		return 0;
	}
}

cudaError_t gv_ret(cudaError_t err)
{
	/* Every runtime call that reaches the host ends here: the runtime has
	 * made its primary context current, which the driver API then sees
	 * (as natively). */
	gv_runtime_mark();
	if (err != cudaSuccess) {
		last_error = err;
		/* From here on, launches fail at the call, as natively: none queued. */
		if (is_sticky(err))
			atomic_store_explicit(&sticky_seen, 1, memory_order_relaxed);
	}
	return err;
}

void gv_async_failed(cudaError_t err)
{
	last_error = err;
	if (is_sticky(err))
		atomic_store_explicit(&sticky_seen, 1, memory_order_relaxed);
}

void gv_sticky_note(int err)
{
	if (is_sticky((cudaError_t)err))
		atomic_store_explicit(&sticky_seen, 1, memory_order_relaxed);
}

int gv_sticky_seen(void)
{
	return atomic_load_explicit(&sticky_seen, memory_order_relaxed);
}

void gv_runtime_init_mark(void)
{
	atomic_store_explicit(&runtime_inited, 1, memory_order_relaxed);
}

int gv_runtime_inited(void)
{
	return atomic_load_explicit(&runtime_inited, memory_order_relaxed);
}

void gv_runtime_mark(void)
{
	gv_runtime_init_mark();
	atomic_store_explicit(&runtime_used, 1, memory_order_relaxed);
}

int gv_runtime_used(void)
{
	return atomic_load_explicit(&runtime_used, memory_order_relaxed);
}

static const struct gv_error_text *lookup(cudaError_t err)
{
	size_t i;

	for (i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
		if (error_table[i].code == (int)err)
			return &error_table[i];
	return NULL;
}

GVRT_EXPORT cudaError_t cudaGetLastError(void)
{
	cudaError_t e = last_error;

	last_error = cudaSuccess;
	return e;
}

GVRT_EXPORT cudaError_t cudaPeekAtLastError(void)
{
	return last_error;
}

GVRT_EXPORT const char *cudaGetErrorName(cudaError_t err)
{
	const struct gv_error_text *t = lookup(err);

	return t ? t->name : "unrecognized error code";
}

GVRT_EXPORT const char *cudaGetErrorString(cudaError_t err)
{
	const struct gv_error_text *t = lookup(err);

	return t ? t->text : "unrecognized error code";
}

const char *gv_error_text(int code)
{
	const struct gv_error_text *t = lookup((cudaError_t)code);

	return t ? t->text : NULL;
}
