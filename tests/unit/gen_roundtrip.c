/* SPDX-License-Identifier: MIT */
/*
 * Every generated driver call, end to end without a GPU: the guest stub
 * (guest-lib/gen/), the wire, the host's checks and dispatch
 * (host-worker/gen/), into a fake driver that checks each argument and
 * answers with known outputs and errors.  Hostile values (forged handles,
 * device ranges outside the session's memory, devices the guest lacks)
 * must be refused before the driver sees them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "roundtrip.h"
#include "worker_internal.h"

extern struct gvw_worker *gv_loopback_worker;

int rt_result;
CUdeviceptr rt_devptr;
static int passes, failures;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

void rt_random(void *p, size_t n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = (unsigned char)next();
}

uint64_t rt_small(uint64_t below)
{
	return next() % below;
}

void rt_string(char *s, size_t n)
{
	size_t i, len = 1 + rt_small(n - 1);

	for (i = 0; i < len - 1; i++)
		s[i] = (char)('a' + rt_small(26));
	s[len - 1] = 0;
}

void rt_pattern(void *p, size_t n, int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = (unsigned char)(seed * 31 + i * 7 + 1);
}

int rt_is_pattern(const void *p, size_t n, int seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != (unsigned char)(seed * 31 + i * 7 + 1))
			return 0;
	return 1;
}

void *rt_object(void)
{
	static uintptr_t n = 0x1000;

	return (void *)(n += 16);
}

void rt_pass(void)
{
	passes++;
}

void rt_fail(const char *fn, const char *what)
{
	failures++;
	printf("FAIL %s: %s\n", fn, what);
}

const char *rt_result_text(CUresult e)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "returned %d", (int)e);
	return buf;
}

int main(void)
{
	static struct gvg_cuda_fns fake;
	static struct gvw_executor ex;
	CUcontext ctx;

	if (cuInit(0) || cuDevicePrimaryCtxRetain(&ctx, 0) || cuCtxSetCurrent(ctx) ||
	    cuMemAlloc(&rt_devptr, 1 << 20)) {
		printf("gen_roundtrip: cannot set up a session\n");
		return 1;
	}
	/* The CPU double, with a fake driver behind the generated calls. */
	rt_install(&fake);
	ex = *gv_loopback_worker->ex;
	ex.cuda_fns = &fake;
	gv_loopback_worker->ex = &ex;
	rt_run_all();
	printf("gen_roundtrip: %d passed, %d failed\n", passes, failures);
	return failures != 0;
}
