/* SPDX-License-Identifier: MIT */
/*
 * Page-locked buffers pinned once by gvirtus.ko (GV_IOC_PIN), whose copies
 * take their page lists from the pinned range:
 * - copies from and to cudaMallocHost and cudaHostRegister memory, whole,
 *   at offsets inside the range, and across its end into pageable memory,
 *   round-trip the bytes (checked against the pattern, not the code);
 * - a buffer freed and another allocated (likely at the same address) is
 *   copied from its own pages, not the old ones;
 * - large pageable buffers, kept pinned after a first copy, are copied
 *   from their current pages after new bytes, free and malloc, pages
 *   dropped (MADV_DONTNEED) and a mapping over them;
 * - a hostile process's ranges: empty, overflowing, unmapped, overlapping,
 *   too large, unpinning what was never pinned, unmapping a pinned range
 *   and closing the file with ranges left: refused or harmless.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cuda_runtime_api.h>

#include "check.h"
#include "ioctl.h"

#define MIB (1u << 20)

/* src's n bytes to the device and back into dst; 0 when they match. */
static int round_trip(void *dev, const unsigned char *src, unsigned char *dst, size_t n)
{
	memset(dst, 0, n);
	if (cudaMemcpy(dev, src, n, cudaMemcpyHostToDevice) != cudaSuccess ||
	    cudaMemcpy(dst, dev, n, cudaMemcpyDeviceToHost) != cudaSuccess)
		return -1;
	return memcmp(src, dst, n) != 0;
}

static void copies(void)
{
	unsigned char *a = NULL, *b = NULL, *plain;
	void *dev = NULL;
	size_t n = 8 * MIB;
	int i;

	CHECK_CUDA(cudaMalloc(&dev, 2 * n), cudaSuccess);
	CHECK_CUDA(cudaMallocHost((void **)&a, n), cudaSuccess);
	CHECK_CUDA(cudaMallocHost((void **)&b, n), cudaSuccess);
	pattern_fill(a, n, 1);
	CHECK(round_trip(dev, a, b, n) == 0, "8 MiB between two pinned buffers");
	CHECK(round_trip(dev, a + 12345, b + 777, MIB + 3) == 0, "a piece at odd offsets");
	/* A pageable buffer with a pinned one's tail in one copy's reach. */
	plain = malloc(n);
	CHECK(plain != NULL, "malloc");
	pattern_fill(plain, n, 2);
	CHECK(round_trip(dev, plain, b, n) == 0, "pageable to pinned");
	CHECK(round_trip(dev, a, plain, n) == 0, "pinned to pageable");

	/* Freed and made again, ten times: each buffer's own bytes. */
	for (i = 0; i < 10; i++) {
		CHECK_CUDA(cudaFreeHost(a), cudaSuccess);
		CHECK_CUDA(cudaMallocHost((void **)&a, n), cudaSuccess);
		pattern_fill(a, n, 100 + i);
		if (round_trip(dev, a, b, n) != 0)
			break;
	}
	CHECK(i == 10, "a buffer made again is copied from its own pages (round %d)", i);

	/* The program's own memory, registered, unregistered, freed, again. */
	for (i = 0; i < 4; i++) {
		unsigned char *m = malloc(3 * MIB + 100);

		pattern_fill(m, 3 * MIB + 100, 200 + i);
		CHECK_CUDA(cudaHostRegister(m, 3 * MIB + 100, 0), cudaSuccess);
		CHECK(round_trip(dev, m + 50, b, 3 * MIB) == 0, "registered memory, round %d", i);
		CHECK_CUDA(cudaHostUnregister(m), cudaSuccess);
		CHECK(round_trip(dev, m, b, MIB) == 0, "unregistered memory, round %d", i);
		free(m);
	}
	free(plain);
	CHECK_CUDA(cudaFreeHost(a), cudaSuccess);
	CHECK_CUDA(cudaFreeHost(b), cudaSuccess);
	CHECK_CUDA(cudaFree(dev), cudaSuccess);
}

/*
 * Large pageable buffers stay pinned after their first copy while their
 * mapping does not change: every change below must be seen.
 */
static void pageable_cache(void)
{
	size_t n = 4 * MIB;
	unsigned char *b = malloc(n), *m;
	void *dev = NULL;
	int i, bad = 0;

	CHECK_CUDA(cudaMalloc(&dev, n), cudaSuccess);
	/* The same buffer, new bytes each time (the same pages). */
	m = malloc(n);
	for (i = 0; i < 4; i++) {
		pattern_fill(m, n, 400 + i);
		bad += round_trip(dev, m, b, n) != 0;
	}
	CHECK(bad == 0, "a pageable buffer's new bytes, copy after copy (%d bad)", bad);
	free(m);
	/* Freed and allocated again (unmapped, then likely the same addresses). */
	for (i = 0, bad = 0; i < 6; i++) {
		m = malloc(n);
		pattern_fill(m, n, 500 + i);
		bad += round_trip(dev, m, b, n) != 0;
		free(m);
	}
	CHECK(bad == 0, "buffers freed and allocated again (%d bad)", bad);
	/* Pages dropped under it (MADV_DONTNEED), then written. */
	m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, "mmap");
	pattern_fill(m, n, 600);
	CHECK(round_trip(dev, m, b, n) == 0, "an mmap'd buffer");
	madvise(m + MIB, MIB, MADV_DONTNEED);
	pattern_fill(m, n, 601);
	CHECK(round_trip(dev, m, b, n) == 0, "after MADV_DONTNEED and new bytes");
	/* Remapped in place with other memory. */
	CHECK(mmap(m, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		  m,
	      "mmap over it");
	pattern_fill(m, n, 602);
	CHECK(round_trip(dev, m, b, n) == 0, "after being mapped over");
	/* Device to host into it, then read by the CPU. */
	pattern_fill(b, n, 603);
	CHECK_CUDA(cudaMemcpy(dev, b, n, cudaMemcpyHostToDevice), cudaSuccess);
	CHECK_CUDA(cudaMemcpy(m, dev, n, cudaMemcpyDeviceToHost), cudaSuccess);
	CHECK(memcmp(m, b, n) == 0, "device to host into a cached buffer");
	munmap(m, n);
	free(b);
	CHECK_CUDA(cudaFree(dev), cudaSuccess);
}

static int pin(int fd, int on, const void *p, unsigned long long len)
{
	struct gv_ioctl_range r = {.addr = (uintptr_t)p, .len = len};

	return ioctl(fd, on ? GV_IOC_PIN : GV_IOC_UNPIN, &r) < 0 ? errno : 0;
}

static void hostile(void)
{
	int fd = open(GV_DEV_PATH, O_RDWR | O_CLOEXEC);
	unsigned char *m =
	    mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const unsigned char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(fd >= 0 && m != MAP_FAILED && ro != MAP_FAILED, "setup: %s", strerror(errno));
	CHECK(pin(fd, 1, m, 0) == EINVAL, "an empty range");
	CHECK(pin(fd, 1, (void *)(uintptr_t)-4096, 8192) == EINVAL, "a range that wraps");
	CHECK(pin(fd, 1, (void *)(uintptr_t)0x1000, 4096) == EFAULT, "an unmapped range");
	CHECK(pin(fd, 1, ro, 4096) == EFAULT, "a read-only range");
	CHECK(pin(fd, 1, m, (unsigned long long)GV_PIN_MAX_PAGES * 4096 + 4096) == ENOMEM,
	      "more pages than a file may pin");
	CHECK(pin(fd, 1, m, 8 * 4096) == 0, "eight pages");
	CHECK(pin(fd, 1, m + 4 * 4096, 8 * 4096) == EEXIST, "an overlapping range");
	CHECK(pin(fd, 1, m + 8 * 4096, 4 * 4096) == 0, "the next four pages");
	CHECK(pin(fd, 0, m + 4096, 4096) == EINVAL, "unpinning a range never pinned");
	CHECK(pin(fd, 0, m, 0) == 0, "unpinning the first range");
	CHECK(pin(fd, 0, m, 0) == EINVAL, "unpinning it twice");
	CHECK(pin(fd, 1, m + 12 * 4096, 4 * 4096) == 0, "four pages more");
	/* Unmapped while pinned, then the file closed with two ranges left. */
	munmap(m, 16 * 4096);
	close(fd);
	CHECK(1, "closed with ranges left");
}

int main(void)
{
	copies();
	pageable_cache();
	hostile();
	/* The session still works. */
	void *p = NULL;
	CHECK_CUDA(cudaMalloc(&p, 4096), cudaSuccess);
	CHECK_CUDA(cudaFree(p), cudaSuccess);
	printf("gvtest_pinned: %d passed, %d failed\n", check_passes, check_failures);
	return check_failures != 0;
}
