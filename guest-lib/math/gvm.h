/* SPDX-License-Identifier: MIT */
/*
 * What the math library shims share (libcurand.so.10, and the others as
 * they come): each library's generated stubs (guest-lib/gen/<lib>_*.c)
 * make their round trips on libcudart.so.13's session, so a process's
 * runtime, driver API and libraries are one session with one state.
 */
#ifndef GVIRTUS_GVM_H
#define GVIRTUS_GVM_H

#include <library_types.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frame.h"
#include "gvrt.h"

#define GVM_EXPORT __attribute__((visibility("default")))

/* A plain value between its wire field and its C type, of equal size. */
#define GVM_COPY(dst, src)                                                                         \
	do {                                                                                       \
		_Static_assert(sizeof(*(dst)) == sizeof(*(src)), "wire size");                     \
		memcpy((dst), (src), sizeof(*(dst)));                                              \
	} while (0)

/* A library, as its stubs' round trips and stubs' failures say it. */
struct gvm_lib {
	const char *name;	     /* "cuRAND" */
	const char *plugin;	     /* its name in properties.json's "plugins" */
	unsigned int api;	     /* GV_API_* */
	int not_supported;	     /* the library's status for a call it cannot make */
	int no_host;		     /* ... when no host answers */
	atomic_flag unserved;	     /* the host does not serve it: logged once */
	_Atomic uint64_t generation; /* of its objects: keys learned before are void */
};

extern struct gvm_lib gvm_lib_curand;
extern struct gvm_lib gvm_lib_cublas;
extern struct gvm_lib gvm_lib_cufft;
extern struct gvm_lib gvm_lib_cublasLt;
extern struct gvm_lib gvm_lib_cusparse;
extern struct gvm_lib gvm_lib_cudnn;
extern struct gvm_lib gvm_lib_cusolver;

/* One generated call: one round trip; the host's status, or the
 * library's own for a transport that failed or a host that does not
 * serve the library. */
int gvm_call(struct gvm_lib *lib, uint32_t op, const void *req, uint32_t req_len, const void *tail,
	     uint32_t tail_len, void *resp, uint32_t resp_len, const struct gv_buf *bufs,
	     unsigned int nbufs);

/*
 * The async class (gvm_async.c).  A generated compute call whose guard
 * holds sends its request with no reply when a call of the same key (op,
 * objects, modes, types, alignment classes) succeeded synchronously
 * before: 1 when it went so (the call returns success), else 0 and it
 * goes synchronously, learning its key if it succeeds (gvm_learn).  A
 * NULL key: the call's guard proves it cannot fail, nothing is learned.
 * gvm_async_reset voids what was learned: an object was destroyed, or
 * state a call's validity depends on changed.  A queued call that fails on
 * the host returns its status from the library's next synchronous call.
 */
int gvm_async(struct gvm_lib *lib, uint32_t op, const uint64_t *key, unsigned int n,
	      const void *req, uint32_t req_len);
/* The same, with tail_len bytes after the request (taken now). */
int gvm_async_tail(struct gvm_lib *lib, uint32_t op, const uint64_t *key, unsigned int n,
		   const void *req, uint32_t req_len, const void *tail, uint32_t tail_len);
void gvm_learn(struct gvm_lib *lib, uint32_t op, const uint64_t *key, unsigned int n);
void gvm_async_reset(struct gvm_lib *lib);

/* A key term: a pointer's alignment class and whether it is NULL. */
static inline uint64_t gvm_ptr_class(const volatile void *p)
{
	return ((uintptr_t)p & 255u) | (p ? 0u : 256u);
}

/* A key term: a floating-point value's bits. */
static inline uint64_t gvm_bits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

/* A dimension's lower bound as the libraries check leading dimensions. */
#define GVM_MAX1(x) ((x) > 1 ? (x) : 1)

/* The largest of three dimensions, at least 1. */
static inline int64_t gvm_dims_max(int64_t a, int64_t b, int64_t c)
{
	int64_t m = a > b ? a : b;

	m = m > c ? m : c;
	return m > 1 ? m : 1;
}

/*
 * The guest's shadow of library objects' state, by handle value: two
 * values per object (a pointer mode and a stream, a mode and a scale
 * type...).  An object the table has no room for is simply not found:
 * the callers' defaults then send addresses, which the host checks.
 */
struct gvm_table {
	pthread_mutex_t lock;
	struct gvm_entry {
		uint64_t key;
		int64_t v[2];
	} * e;
	size_t n, cap;
};
#define GVM_TABLE_INIT                                                                             \
	{                                                                                          \
		PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0                                              \
	}
void gvm_table_put(struct gvm_table *t, uint64_t key, int64_t v0, int64_t v1);
void gvm_table_del(struct gvm_table *t, uint64_t key);
/* 1 when key (never 0) is there, its values in v (v may be NULL). */
int gvm_table_get(struct gvm_table *t, uint64_t key, int64_t v[2]);
/* Sets value i of key if it is there: 1, else 0. */
int gvm_table_set(struct gvm_table *t, uint64_t key, int i, int64_t v);

/* Objects whose memory is the guest's (cuRAND's host generators): the
 * handle values this process holds of that mode. */
void gvm_host_object_add(struct gvm_lib *lib, uint64_t h);
void gvm_host_object_del(struct gvm_lib *lib, uint64_t h);
int gvm_host_object(struct gvm_lib *lib, uint64_t h);

/* Bytes of a scalar of a data type; 0 for a type the library refuses
 * itself.  At most 16 (the wire's room). */
size_t gvm_type_bytes(cudaDataType t);
/* A function gvirtus does not serve: the library's status, its name logged once. */
int gvm_unsupported(struct gvm_lib *lib, const char *name, atomic_flag *logged);

#define GVM_UNSUPPORTED(fn, LIB)                                                                   \
	GVM_EXPORT int fn(void);                                                                   \
	int fn(void)                                                                               \
	{                                                                                          \
		static atomic_flag logged = ATOMIC_FLAG_INIT;                                      \
		return gvm_unsupported(&gvm_lib_##LIB, #fn, &logged);                              \
	}

#endif
