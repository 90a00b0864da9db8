/* SPDX-License-Identifier: MIT */
/*
 * CURAND_TABLE: cuRAND's host tables for quasi-random generation in
 * kernels.  The library hands out pointers to its own tables, which a
 * guest process cannot read; the guest fetches a table once, whole, and
 * keeps it (guest-lib/math/curand_local.c).  Each table holds 20000
 * dimensions, as curand.h documents.
 */
#include "gen_support_math.h"
#include "log.h"

static int status(int e)
{
	switch (e) {
	case CUDA_SUCCESS:
		return CURAND_STATUS_SUCCESS;
	case CUDA_ERROR_OUT_OF_MEMORY:
		return CURAND_STATUS_ALLOCATION_FAILED;
	case CUDA_ERROR_NOT_SUPPORTED:
		return CURAND_STATUS_INTERNAL_ERROR;
	default:
		return CURAND_STATUS_OUT_OF_RANGE;
	}
}

int gvw_h_CURAND_TABLE(struct gvw_call *c)
{
	const struct gv_curand_table_req *q = c->req;
	const struct gvg_curand_fns *t;
	const void *table = NULL;
	uint64_t size;
	void *flat;
	int staged, e;

	switch (q->table) {
	case GV_CURAND_DIRECTIONS_32:
		size = sizeof(curandDirectionVectors32_t);
		break;
	case GV_CURAND_DIRECTIONS_64:
		size = sizeof(curandDirectionVectors64_t);
		break;
	case GV_CURAND_SCRAMBLE_32:
		size = sizeof(unsigned int);
		break;
	case GV_CURAND_SCRAMBLE_64:
		size = sizeof(unsigned long long);
		break;
	default:
		gvw_log(GVW_WARN, "session %u: no cuRAND table %u", c->s->id, q->table);
		return CURAND_STATUS_OUT_OF_RANGE;
	}
	size *= GV_CURAND_DIMENSIONS;
	t = gvg_lib_fns_curand(c);
	e = gvg_enter_lib(c, GV_API_CURAND, t && t->curandGetDirectionVectors32,
			  "curandGetDirectionVectors32");
	if (!e)
		e = gvg_bulk(c, GV_BULK_FROM_HOST, size, &flat, &staged);
	if (e)
		return status(e);
	switch (q->table) {
	case GV_CURAND_DIRECTIONS_32:
		e = t->curandGetDirectionVectors32((curandDirectionVectors32_t **)&table,
						   (curandDirectionVectorSet_t)q->set);
		break;
	case GV_CURAND_DIRECTIONS_64:
		e = t->curandGetDirectionVectors64((curandDirectionVectors64_t **)&table,
						   (curandDirectionVectorSet_t)q->set);
		break;
	case GV_CURAND_SCRAMBLE_32:
		e = t->curandGetScrambleConstants32((unsigned int **)&table);
		break;
	default:
		e = t->curandGetScrambleConstants64((unsigned long long **)&table);
		break;
	}
	if (!e && table) {
		memcpy(flat, table, size);
		if (staged)
			gvg_bulk_unstage(c, flat);
	}
	if (staged)
		free(flat);
	return e;
}
