/* SPDX-License-Identifier: MIT */
/*
 * A large run's buffer is anonymous memory on transparent huge pages:
 * touching 256 MiB of 4 KiB pages for the first time costs 65536 page
 * faults, which held copies over TCP near 1 GB/s; 2 MiB pages take 128.
 * The last large buffer freed is kept for the next large run (one per
 * process: a session's worker), so that a loop of copies faults once.  It
 * is never larger than one frame's bulk limit, which the session could
 * make the process hold anyway.
 */
#include "bulk_buf.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_BYTES ((size_t)2 << 20)

static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static void *kept;
static size_t kept_len; /* mapped bytes */

static size_t mapped_len(size_t len)
{
	return (len + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
}

static void *take_kept(size_t want)
{
	void *p = NULL;

	pthread_mutex_lock(&kept_lock);
	if (kept && kept_len == want) {
		p = kept;
		kept = NULL;
	}
	pthread_mutex_unlock(&kept_lock);
	return p;
}

void *gvw_bulk_buf_alloc(size_t len, int zero)
{
	size_t m;
	void *p;

	if (len < HUGE_BYTES)
		return zero ? calloc(1, len ? len : 1) : malloc(len ? len : 1);
	if (len > SIZE_MAX - HUGE_BYTES)
		return NULL;
	m = mapped_len(len);
	p = take_kept(m);
	if (p) {
		if (zero)
			memset(p, 0, len);
		return p;
	}
	p = mmap(NULL, m, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Advice only: where huge pages are off, small ones do.  Fresh pages
	 * are zeroes already. */
	(void)madvise(p, m, MADV_HUGEPAGE);
	return p;
}

void gvw_bulk_buf_free(void *p, size_t len)
{
	void *old = NULL;
	size_t old_len = 0;

	if (!p)
		return;
	if (len < HUGE_BYTES) {
		free(p);
		return;
	}
	pthread_mutex_lock(&kept_lock);
	old = kept;
	old_len = kept_len;
	kept = p;
	kept_len = mapped_len(len);
	pthread_mutex_unlock(&kept_lock);
	if (old)
		munmap(old, old_len);
}
