/* SPDX-License-Identifier: MIT */
/* libcurand.so.10: what answers in the guest, the library's identity, and
 * its host tables. */
#include <curand.h>
#include <library_types.h>
#include <pthread.h>
#include <stdlib.h>

#include "gvm.h"
#include "protocol.h"

struct gvm_lib gvm_lib_curand = {
    .name = "cuRAND",
    .plugin = "curand",
    .api = GV_API_CURAND,
    /* cuRAND has no not-supported status: its internal error says it. */
    .not_supported = CURAND_STATUS_INTERNAL_ERROR,
    .no_host = CURAND_STATUS_INITIALIZATION_FAILED,
};

/* The version of the headers this shim implements, as NVIDIA's library
 * reports its own. */
GVM_EXPORT curandStatus_t curandGetVersion(int *version)
{
	if (!version)
		return CURAND_STATUS_OUT_OF_RANGE;
	*version = CURAND_VERSION;
	return CURAND_STATUS_SUCCESS;
}

GVM_EXPORT curandStatus_t curandGetProperty(libraryPropertyType type, int *value)
{
	if (!value)
		return CURAND_STATUS_OUT_OF_RANGE;
	switch (type) {
	case MAJOR_VERSION:
		*value = CURAND_VER_MAJOR;
		return CURAND_STATUS_SUCCESS;
	case MINOR_VERSION:
		*value = CURAND_VER_MINOR;
		return CURAND_STATUS_SUCCESS;
	case PATCH_LEVEL:
		*value = CURAND_VER_PATCH;
		return CURAND_STATUS_SUCCESS;
	default:
		return CURAND_STATUS_OUT_OF_RANGE;
	}
}

/*
 * The library's host tables for quasi-random generation in kernels: each
 * fetched from the host once, whole, and kept for the process's life, as
 * the library's own are (the pointers stay valid).
 */
static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;
static void *tables[4][8]; /* [enum gv_curand_table][set - 101, or 0] */

static curandStatus_t table(uint32_t which, uint32_t set, size_t elem, void **out)
{
	struct gv_curand_table_req q = {.table = which, .set = set};
	struct gv_empty r;
	struct gv_buf b;
	uint32_t slot = set >= CURAND_DIRECTION_VECTORS_32_JOEKUO6 ? set - 101 : 0;
	curandStatus_t e = CURAND_STATUS_SUCCESS;
	void *t;

	if (!out)
		return CURAND_STATUS_OUT_OF_RANGE;
	if (slot >= 8)
		return CURAND_STATUS_OUT_OF_RANGE;
	pthread_mutex_lock(&tables_lock);
	t = tables[which][slot];
	if (!t) {
		t = malloc(elem * GV_CURAND_DIMENSIONS);
		b = (struct gv_buf){t, elem * GV_CURAND_DIMENSIONS, GV_BULK_FROM_HOST};
		e = !t ? CURAND_STATUS_ALLOCATION_FAILED
		       : (curandStatus_t)gvm_call(&gvm_lib_curand, GV_OP_CURAND_TABLE, &q,
						  sizeof(q), NULL, 0, &r, sizeof(r), &b, 1);
		if (e) {
			free(t);
			t = NULL;
		}
		tables[which][slot] = t;
	}
	pthread_mutex_unlock(&tables_lock);
	if (!e)
		*out = t;
	return e;
}

GVM_EXPORT curandStatus_t curandGetDirectionVectors32(curandDirectionVectors32_t *vectors[],
						      curandDirectionVectorSet_t set)
{
	if (set != CURAND_DIRECTION_VECTORS_32_JOEKUO6 &&
	    set != CURAND_SCRAMBLED_DIRECTION_VECTORS_32_JOEKUO6)
		return CURAND_STATUS_OUT_OF_RANGE;
	return table(GV_CURAND_DIRECTIONS_32, set, sizeof(curandDirectionVectors32_t),
		     (void **)vectors);
}

GVM_EXPORT curandStatus_t curandGetDirectionVectors64(curandDirectionVectors64_t *vectors[],
						      curandDirectionVectorSet_t set)
{
	if (set != CURAND_DIRECTION_VECTORS_64_JOEKUO6 &&
	    set != CURAND_SCRAMBLED_DIRECTION_VECTORS_64_JOEKUO6)
		return CURAND_STATUS_OUT_OF_RANGE;
	return table(GV_CURAND_DIRECTIONS_64, set, sizeof(curandDirectionVectors64_t),
		     (void **)vectors);
}

GVM_EXPORT curandStatus_t curandGetScrambleConstants32(unsigned int **constants)
{
	return table(GV_CURAND_SCRAMBLE_32, 0, sizeof(unsigned int), (void **)constants);
}

GVM_EXPORT curandStatus_t curandGetScrambleConstants64(unsigned long long **constants)
{
	return table(GV_CURAND_SCRAMBLE_64, 0, sizeof(unsigned long long), (void **)constants);
}
