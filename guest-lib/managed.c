/* SPDX-License-Identifier: MIT */
/*
 * Managed memory (cudaMallocManaged, cuMemAllocManaged).  The allocation
 * is the host's; this process keeps a copy of its bytes at the same
 * addresses, in the pages memtab.c holds for every device region, and
 * moves the copy whole:
 *   - to the host before any call reaches it (the GPU may read or write
 *     the allocation in that call or after it), leaving the pages with
 *     no access;
 *   - back from the host when this process's CPU touches the pages again
 *     (the fault below), leaving them readable and writable.
 * That is the device without concurrent managed access (Windows, older
 * GPUs), which is what the guest sees (concurrentManagedAccess 0): a
 * program must not touch managed memory while the GPU may use it, and
 * synchronizes first; then every CPU access sees the GPU's results and
 * every kernel the CPU's.  The moves are the host CPU's own reads and
 * writes of the allocation (host-worker/handlers_managed.c).
 *
 * The fault handler is this library's SIGSEGV handler, installed at the
 * first managed allocation; faults elsewhere go to the handler it
 * replaced, or to the default action.  This library never reads or writes
 * managed bytes itself but through these moves: copies and memsets of
 * managed memory are the host's, as for any device address.
 */
#define _GNU_SOURCE /* mremap */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gvrt.h"

struct managed {
	uintptr_t base;
	size_t size;
	int device;
	int on_cpu; /* this process's copy is current: pages readable and writable */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct managed *v;
static size_t n, cap;
static atomic_int on_cpu;	 /* allocations with on_cpu set */
static _Thread_local int moving; /* this thread moves bytes: its own calls must not */
static struct sigaction previous;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

/* The pages [base, base + size) spans. */
static void span(const struct managed *m, uintptr_t *lo, size_t *len)
{
	uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);

	*lo = m->base & ~(ps - 1);
	*len = ((m->base + m->size + ps - 1) & ~(ps - 1)) - *lo;
}

/* Bulk moves in the transport's largest pieces; read: host to guest, into
 * the allocation's bytes at here (its own address, or a staging copy). */
static cudaError_t move(const struct managed *m, int read, unsigned char *here)
{
	const struct gv_session_info *s = gv_session();
	uint64_t chunk = s->ready && s->t->max_bulk ? s->t->max_bulk : m->size;
	cudaError_t e = cudaSuccess;
	size_t off;

	for (off = 0; off < m->size && e == cudaSuccess; off += chunk) {
		uint64_t len = m->size - off < chunk ? m->size - off : chunk;
		struct gv_managed_io_req q = {m->base + off, len};
		struct gv_buf b = {here + off, len, read ? GV_BULK_FROM_HOST : GV_BULK_TO_HOST};
		struct gv_empty r;

		e = gv_rpc(read ? GV_OP_MANAGED_READ : GV_OP_MANAGED_WRITE, &q, sizeof(q), &r,
			   sizeof(r), &b, 1);
	}
	return e;
}

void gv_managed_before_host(void)
{
	size_t i;

	if (!atomic_load(&on_cpu) || moving)
		return;
	pthread_mutex_lock(&lock);
	moving = 1;
	for (i = 0; i < n; i++) {
		uintptr_t lo;
		size_t len;

		if (!v[i].on_cpu)
			continue;
		/* Read-only first: a thread writing meanwhile faults and waits
		 * for the lock, then pages the bytes back in, its write kept. */
		span(&v[i], &lo, &len);
		mprotect((void *)lo, len, PROT_READ);
		if (move(&v[i], 0, (unsigned char *)v[i].base) != cudaSuccess)
			gv_log(GV_LOG_ERROR,
			       "managed memory at 0x%lx: the CPU's writes could not reach the host",
			       (unsigned long)v[i].base);
		mprotect((void *)lo, len, PROT_NONE);
		v[i].on_cpu = 0;
		atomic_fetch_sub(&on_cpu, 1);
	}
	moving = 0;
	pthread_mutex_unlock(&lock);
}

/* The allocation at a, brought to this process's CPU: 0, or -1 (not ours). */
static int fault_in(uintptr_t a)
{
	unsigned char *stage;
	int found = -1;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < n; i++) {
		uintptr_t lo;
		size_t len;

		span(&v[i], &lo, &len);
		if (a < lo || a - lo >= len)
			continue;
		if (v[i].on_cpu) {
			found = 0; /* another thread brought it meanwhile */
			break;
		}
		/* Fetched into fresh pages, then moved over the held ones at once:
		 * another thread sees no access (and waits) or every byte. */
		stage = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (stage == MAP_FAILED)
			break;
		moving = 1;
		if (move(&v[i], 1, stage + (v[i].base - lo)) == cudaSuccess &&
		    mremap(stage, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)lo) ==
			(void *)lo) {
			v[i].on_cpu = 1;
			atomic_fetch_add(&on_cpu, 1);
			found = 0;
		} else {
			munmap(stage, len);
		}
		moving = 0;
		break;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	if (!moving && fault_in((uintptr_t)si->si_addr) == 0) {
		errno = saved;
		return;
	}
	errno = saved;
	/* Not managed memory's fault: whoever handled it before us does. */
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, si, uc);
	} else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
	} else {
		/* The access faults again, with the default action. */
		sigaction(SIGSEGV, &previous, NULL);
	}
}

static void install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &previous);
}

cudaError_t gv_managed_track(cudaError_t e, uint64_t ptr, uint64_t size)
{
	struct gv_region r;
	struct managed *nv;

	e = gv_track_device(e, ptr, size);
	if (e != cudaSuccess || !ptr)
		return e;
	/* The copy lives in the pages memtab.c holds: without them, none. */
	if (gv_region_find((const void *)(uintptr_t)ptr, &r) || !r.reserved) {
		gv_log(GV_LOG_ERROR, "managed memory at 0x%lx overlaps this process's memory",
		       (unsigned long)ptr);
		return cudaErrorMemoryAllocation;
	}
	pthread_once(&handler_once, install);
	pthread_mutex_lock(&lock);
	if (n == cap) {
		size_t c = cap ? cap * 2 : 16;

		nv = realloc(v, c * sizeof(*v));
		if (!nv) {
			pthread_mutex_unlock(&lock);
			return cudaErrorMemoryAllocation;
		}
		v = nv;
		cap = c;
	}
	v[n++] = (struct managed){(uintptr_t)ptr, size, r.device, 0};
	pthread_mutex_unlock(&lock);
	return cudaSuccess;
}

/* With the lock held. */
static void drop(size_t i)
{
	if (v[i].on_cpu)
		atomic_fetch_sub(&on_cpu, 1);
	v[i] = v[--n];
}

void gv_managed_forget(uintptr_t base)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < n; i++)
		if (v[i].base == base) {
			drop(i);
			break;
		}
	pthread_mutex_unlock(&lock);
}

void gv_managed_forget_device(int dev)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = n; i-- > 0;)
		if (v[i].device == dev)
			drop(i);
	pthread_mutex_unlock(&lock);
}
