/* SPDX-License-Identifier: MIT */
/*
 * cuRAND's host generators through the loopback session: output lands in
 * the guest's memory through a bulk buffer, and the host holds each call
 * to its generator's own kind, whatever mode the guest's request claims.
 * The library's host tables reach the guest once, whole.
 */
#include <stdio.h>

#include "gvrt.h"
#include "protocol.h"
#include "roundtrip_math.h"
#include "worker_internal.h"

extern struct gvw_worker *gv_loopback_worker;

static int generated; /* calls that reached the fake */
static void *host_gen = (void *)0x4a4a;

static curandStatus_t fake_create_host(curandGenerator_t *g, curandRngType_t type)
{
	*g = host_gen;
	return CURAND_STATUS_SUCCESS;
}

static curandStatus_t fake_create(curandGenerator_t *g, curandRngType_t type)
{
	*g = (void *)0x5b5b;
	return CURAND_STATUS_SUCCESS;
}

static curandStatus_t fake_destroy(curandGenerator_t g)
{
	return CURAND_STATUS_SUCCESS;
}

static curandStatus_t fake_uniform(curandGenerator_t g, float *out, size_t n)
{
	size_t i;

	generated++;
	for (i = 0; i < n; i++)
		out[i] = (float)i + 0.5f;
	return g == host_gen ? CURAND_STATUS_SUCCESS : CURAND_STATUS_TYPE_ERROR;
}

/* One raw request of curandGenerateUniform: the host's status. */
static int raw_uniform(uint64_t gen, uint64_t out, int host, void *buf, size_t n, size_t len)
{
	struct gvg_curandGenerateUniform_req q = {
	    .generator = gen, .outputPtr = out, .host_outputPtr = (uint8_t)host, .num = n};
	struct gvg_curandGenerateUniform_resp r;
	struct gv_buf b = {.addr = buf, .len = len, .dir = GV_BULK_FROM_HOST};
	int32_t result = -1;

	if (gv_rpc_result(gv_session()->t, GV_OP_curandGenerateUniform, &q, sizeof(q), NULL, 0, &r,
			  sizeof(r), &b, buf ? 1 : 0, &result))
		return -1;
	return result;
}

/* A table the "library" owns: entry i of dimension d is d * 32 + i. */
static curandDirectionVectors32_t lib_table[GV_CURAND_DIMENSIONS];
static int table_calls;

static curandStatus_t fake_directions32(curandDirectionVectors32_t **v,
					curandDirectionVectorSet_t set)
{
	unsigned int d, i;

	table_calls++;
	for (d = 0; d < GV_CURAND_DIMENSIONS; d++)
		for (i = 0; i < 32; i++)
			lib_table[d][i] = d * 32 + i;
	*v = lib_table;
	return CURAND_STATUS_SUCCESS;
}

static void host_tables(struct gvg_curand_fns *t)
{
	curandDirectionVectors32_t *v = NULL, *again = NULL;
	struct gv_curand_table_req q = {.table = GV_CURAND_DIRECTIONS_32,
					.set = CURAND_DIRECTION_VECTORS_32_JOEKUO6};
	struct gv_empty r;
	static unsigned int small[100];
	struct gv_buf b = {small, sizeof(small), GV_BULK_FROM_HOST};
	int32_t st = 0;

	t->curandGetDirectionVectors32 = fake_directions32;
	RT_TRUE("curandGetDirectionVectors32", "the library's table, in the guest",
		curandGetDirectionVectors32(&v, CURAND_DIRECTION_VECTORS_32_JOEKUO6) ==
			CURAND_STATUS_SUCCESS &&
		    v && v != lib_table && v[19999][31] == 19999u * 32 + 31 && v[7][3] == 227);
	RT_TRUE("curandGetDirectionVectors32", "fetched once",
		curandGetDirectionVectors32(&again, CURAND_DIRECTION_VECTORS_32_JOEKUO6) ==
			CURAND_STATUS_SUCCESS &&
		    again == v && table_calls == 1);
	RT_TRUE("curandGetDirectionVectors32", "a 64-bit set",
		curandGetDirectionVectors32(&v, CURAND_DIRECTION_VECTORS_64_JOEKUO6) ==
		    CURAND_STATUS_OUT_OF_RANGE);
	/* A bulk buffer that is not the table's size is refused. */
	RT_TRUE("CURAND_TABLE", "a short buffer",
		gv_rpc_result(gv_session()->t, GV_OP_CURAND_TABLE, &q, sizeof(q), NULL, 0, &r,
			      sizeof(r), &b, 1, &st) == 0 &&
		    st == CURAND_STATUS_OUT_OF_RANGE && table_calls == 1);
	q.table = 9;
	RT_TRUE("CURAND_TABLE", "no such table",
		gv_rpc_result(gv_session()->t, GV_OP_CURAND_TABLE, &q, sizeof(q), NULL, 0, &r,
			      sizeof(r), &b, 1, &st) == 0 &&
		    st == CURAND_STATUS_OUT_OF_RANGE);
}

void curand_host_generators(struct gvg_curand_fns *t)
{
	curandGenerator_t host = NULL, dev = NULL;
	float out[16] = {0};
	unsigned int apis;
	size_t i;
	int ok = 1;

	t->curandCreateGeneratorHost = fake_create_host;
	t->curandCreateGenerator = fake_create;
	t->curandDestroyGenerator = fake_destroy;
	t->curandGenerateUniform = fake_uniform;
	RT_TRUE("curandCreateGeneratorHost", "host generator",
		curandCreateGeneratorHost(&host, CURAND_RNG_PSEUDO_DEFAULT) == 0 && host);
	RT_TRUE("curandCreateGenerator", "device generator",
		curandCreateGenerator(&dev, CURAND_RNG_PSEUDO_DEFAULT) == 0 && dev);

	/* A host generator writes guest memory, through the bulk buffer. */
	generated = 0;
	RT_TRUE("curandGenerateUniform", "host generator's output",
		curandGenerateUniform(host, out, 16) == CURAND_STATUS_SUCCESS && generated == 1);
	for (i = 0; i < 16; i++)
		ok &= out[i] == (float)i + 0.5f;
	RT_TRUE("curandGenerateUniform", "host output in guest memory", ok);

	/* A request that claims the other mode is refused before cuRAND runs. */
	generated = 0;
	RT_TRUE("curandGenerateUniform", "device generator claiming host memory",
		raw_uniform((uint64_t)(uintptr_t)dev, 0, 1, out, 16, sizeof(out)) ==
			CURAND_STATUS_NOT_INITIALIZED &&
		    generated == 0);
	RT_TRUE("curandGenerateUniform", "host generator writing device memory",
		raw_uniform((uint64_t)(uintptr_t)host, rt_devptr, 0, NULL, 16, sizeof(out)) ==
			CURAND_STATUS_NOT_INITIALIZED &&
		    generated == 0);
	RT_TRUE("curandGenerateUniform", "host mode without its buffer",
		raw_uniform((uint64_t)(uintptr_t)host, 0, 1, NULL, 16, sizeof(out)) ==
			CURAND_STATUS_OUT_OF_RANGE &&
		    generated == 0);
	RT_TRUE("curandGenerateUniform", "host buffer shorter than num",
		raw_uniform((uint64_t)(uintptr_t)host, 0, 1, out, 16, 15 * sizeof(float)) ==
			CURAND_STATUS_OUT_OF_RANGE &&
		    generated == 0);

	/* An endpoint without the "curand" plugin answers cuRAND's status. */
	apis = gv_loopback_worker->cfg.apis;
	gv_loopback_worker->cfg.apis = GV_API_LISTED | GV_API_CUDART | GV_API_CUDADR;
	RT_TRUE("curandGenerateUniform", "endpoint without the plugin",
		raw_uniform((uint64_t)(uintptr_t)host, 0, 1, out, 16, sizeof(out)) ==
			CURAND_STATUS_INTERNAL_ERROR &&
		    generated == 0);
	gv_loopback_worker->cfg.apis = apis;

	/* Destroyed, the host generator is no longer one. */
	generated = 0;
	RT_TRUE("curandDestroyGenerator", "host generator",
		curandDestroyGenerator(host) == CURAND_STATUS_SUCCESS);
	RT_TRUE("curandGenerateUniform", "after destroy",
		curandGenerateUniform(host, out, 16) == CURAND_STATUS_NOT_INITIALIZED &&
		    generated == 0);
	RT_TRUE("curandDestroyGenerator", "device generator",
		curandDestroyGenerator(dev) == CURAND_STATUS_SUCCESS);
	host_tables(t);
}
