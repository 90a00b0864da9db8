/* SPDX-License-Identifier: MIT */
/*
 * What the generated round-trip tests (build/tests/gen/, from gvgen.py --tests) share: each calls a
 * generated guest stub with random arguments, through the in-process
 * transport and the host dispatch, into a fake driver function that checks
 * every argument against what the test passed and writes known outputs.
 */
#ifndef GVIRTUS_ROUNDTRIP_H
#define GVIRTUS_ROUNDTRIP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cuda.h>

#include "gen/cuda_protos.h"
#include "gen_support.h"

extern int rt_result;	      /* what the fake driver returns */
extern CUdeviceptr rt_devptr; /* a live allocation of 1 MiB */

void rt_random(void *p, size_t n);
uint64_t rt_small(uint64_t below);
void rt_string(char *s, size_t n);
void rt_pattern(void *p, size_t n, int seed);
int rt_is_pattern(const void *p, size_t n, int seed);
void *rt_object(void);

/* A device address no allocation holds (what a fake allocation returns),
 * and a fresh allocation of the session's, for a call that frees one
 * (generated: through the first allocating call). */
CUdeviceptr rt_fresh_address(void);
/* The host's object of an event the session made (gen_roundtrip.c). */
void *rt_existing_event(void);
CUdeviceptr rt_fresh_devptr(size_t n);
CUmemGenericAllocationHandle rt_fresh_phys(size_t n);
CUdeviceptr rt_fresh_reserve(size_t n);

/* Device 0's memory location: the host maps its ordinal (device 0 here). */
static inline CUmemLocation rt_device_location(void)
{
	CUmemLocation l = {.type = CU_MEM_LOCATION_TYPE_DEVICE, .id = 0};

	return l;
}

/* memcmp that allows a null pointer with a zero length, which the host
 * passes for an empty array. */
static inline int rt_differs(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 0;
	return !a || !b || memcmp(a, b, n) != 0;
}

void rt_fail(const char *fn, const char *what);
void rt_pass(void);
#define RT_TRUE(fn, what, cond)	   ((cond) ? rt_pass() : rt_fail(fn, what))
#define RT_SAME(fn, what, a, b, n) RT_TRUE(fn, what, !rt_differs((a), (b), (n)))
#define RT_CALL(fn, cond, e)	   RT_TRUE(fn, rt_result_text((int)(e)), cond)
const char *rt_result_text(int e); /* any library's status */

void rt_install(struct gvg_cuda_fns *t);
/* Graphs' host nodes against a fake driver (roundtrip_host_nodes.c). */
void graph_host_nodes(struct gvg_cuda_fns *t);
/* Graphs' memory nodes against a fake driver (roundtrip_graph_mem.c). */
void graph_memory_nodes(struct gvg_cuda_fns *t);
/* IPC handles against a fake driver (roundtrip_ipc.c). */
void ipc_handles(struct gvg_cuda_fns *t);
/* Libraries and modules' kernel lists against a fake driver (roundtrip_library.c). */
void library_kernels(struct gvg_cuda_fns *t);
/* Devices' atomic capabilities against a fake driver (roundtrip_atomics.c). */
void atomic_capabilities(struct gvg_cuda_fns *t);
/* Tensor maps against a fake driver (roundtrip_tensor_map.c). */
void tensor_maps(struct gvg_cuda_fns *t);
void rt_run_all(void);

#endif
