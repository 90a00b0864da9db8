/* SPDX-License-Identifier: MIT */
/*
 * cuFFT through the loopback session: plans are ints holding a handle's
 * short form, checked on the host like any handle; a plan's dimension
 * arrays travel in the tail, and a NULL embedding stays NULL.
 */
#include <stdio.h>

#include "roundtrip_math.h"

static int plan_calls;
static int seen_n[3], seen_inembed_null, seen_onembed[3];

static cufftResult fake_create(cufftHandle *plan)
{
	*plan = 7; /* the library's own plan number */
	return CUFFT_SUCCESS;
}

static cufftResult fake_destroy(cufftHandle plan)
{
	return plan == 7 ? CUFFT_SUCCESS : CUFFT_INVALID_PLAN;
}

static cufftResult fake_make_many(cufftHandle plan, int rank, int *n, int *inembed, int istride,
				  int idist, int *onembed, int ostride, int odist, cufftType type,
				  int batch, size_t *work)
{
	int i;

	plan_calls++;
	if (plan != 7 || rank != 3 || !n || !onembed)
		return CUFFT_INVALID_VALUE;
	for (i = 0; i < 3; i++) {
		seen_n[i] = n[i];
		seen_onembed[i] = onembed[i];
	}
	seen_inembed_null = inembed == NULL;
	*work = 4096;
	return CUFFT_SUCCESS;
}

void cufft_plans(struct gvg_cufft_fns *t)
{
	cufftHandle plan = -1, forged;
	int n[3] = {64, 32, 16}, onembed[3] = {64, 32, 17};
	size_t work = 0;

	t->cufftCreate = fake_create;
	t->cufftDestroy = fake_destroy;
	t->cufftMakePlanMany = fake_make_many;
	RT_TRUE("cufftCreate", "plan", cufftCreate(&plan) == CUFFT_SUCCESS && plan > 0);
	RT_TRUE("cufftMakePlanMany", "rank 3, NULL inembed",
		cufftMakePlanMany(plan, 3, n, NULL, 1, 1, onembed, 1, 1, CUFFT_C2C, 1, &work) ==
			CUFFT_SUCCESS &&
		    work == 4096 && seen_inembed_null && seen_n[0] == 64 && seen_n[2] == 16 &&
		    seen_onembed[2] == 17);
	plan_calls = 0;
	RT_TRUE("cufftMakePlanMany", "negative rank, refused in the guest",
		cufftMakePlanMany(plan, -1, n, NULL, 1, 1, onembed, 1, 1, CUFFT_C2C, 1, &work) ==
			CUFFT_INVALID_VALUE &&
		    plan_calls == 0);
	/* A slot the table never had in the same kind's bits, or the plan's
	 * own slot with another kind's, names nothing. */
	forged = (cufftHandle)(0xFFFFFu << 8 | ((unsigned int)plan & 0xFF));
	RT_TRUE("cufftMakePlanMany", "a forged plan",
		cufftMakePlanMany(forged, 3, n, NULL, 1, 1, onembed, 1, 1, CUFFT_C2C, 1, &work) ==
			CUFFT_INVALID_PLAN &&
		    plan_calls == 0);
	plan_calls = 0;
	forged = plan ^ 1;
	RT_TRUE("cufftMakePlanMany", "a plan of another kind's bits",
		cufftMakePlanMany(forged, 3, n, NULL, 1, 1, onembed, 1, 1, CUFFT_C2C, 1, &work) ==
			CUFFT_INVALID_PLAN &&
		    plan_calls == 0);
	RT_TRUE("cufftDestroy", "plan", cufftDestroy(plan) == CUFFT_SUCCESS);
	plan_calls = 0;
	RT_TRUE("cufftMakePlanMany", "a destroyed plan",
		cufftMakePlanMany(plan, 3, n, NULL, 1, 1, onembed, 1, 1, CUFFT_C2C, 1, &work) ==
			CUFFT_INVALID_PLAN &&
		    plan_calls == 0);
}
