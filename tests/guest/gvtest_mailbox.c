/* SPDX-License-Identifier: MIT */
/*
 * The session mailbox from a hostile guest process (include/gvirtus/
 * mailbox.h): the driver refuses a wait before a mailbox and mappings of
 * the wrong size or offset; what the process writes there itself (a
 * length past the request area, garbage messages, seqs it never posts)
 * is refused or answered, and the session goes on answering.  Where the
 * host serves no mailbox (private guest RAM) mmap says ENODEV: skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ioctl.h"

static struct gv_mbox_ctl *c;
static unsigned char *box;
static int fd;

/* Posts seq; returns once answered, through the driver's wait. */
static int post(uint32_t seq, const void *msg, uint32_t len, uint32_t cap)
{
	int tries = 0, r;

	if (msg)
		memcpy(box + GV_MBOX_REQ_OFF, msg, len);
	c->req_len = len;
	c->resp_cap = cap;
	__atomic_store_n(&c->req_seq, seq, __ATOMIC_RELEASE);
	while (__atomic_load_n(&c->done_seq, __ATOMIC_ACQUIRE) != seq && tries++ < 100) {
		r = ioctl(fd, GV_IOC_MBOX_WAIT, &seq);
		if (r < 0)
			return -errno;
	}
	return __atomic_load_n(&c->done_seq, __ATOMIC_ACQUIRE) == seq;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void)
{
	unsigned char garbage[256];
	uint32_t seq, far;
	double t0;
	void *p;
	int r;

	fd = open(GV_DEV_PATH, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s: %s", GV_DEV_PATH, strerror(errno));
	if (fd < 0)
		return 1;
	seq = 1;
	r = ioctl(fd, GV_IOC_MBOX_WAIT, &seq);
	CHECK(r < 0 && errno == EINVAL, "a wait before any mailbox: %d (%s)", r, strerror(errno));
	p = mmap(NULL, GV_MBOX_SIZE / 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "a mapping of the wrong size is refused");
	p = mmap(NULL, GV_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, GV_PAGE_SIZE);
	CHECK(p == MAP_FAILED && errno == EINVAL, "a mapping at another offset is refused");
	p = mmap(NULL, GV_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED && errno == ENODEV) {
		printf("gvtest_mailbox: the host serves no mailbox here (ENODEV): skipped\n");
		printf("gvtest_mailbox: %d passed, %d failed\n", check_passes, check_failures);
		return check_failures != 0;
	}
	CHECK(p != MAP_FAILED, "the mailbox maps: %s", strerror(errno));
	if (p == MAP_FAILED)
		return 1;
	box = p;
	c = p;
	seq = c->req_seq;

	/* A length past the request area: refused, nothing run. */
	r = post(++seq, NULL, GV_MBOX_REQ_MAX + 1, 4096);
	CHECK(r == 1 && c->status == GV_MBOX_EBADREQ && c->resp_len == 0,
	      "a request longer than the area: answered %d, status %u", r, c->status);
	/* Garbage messages: the session's error response, within the room asked. */
	pattern_fill(garbage, sizeof(garbage), 7);
	r = post(++seq, garbage, sizeof(garbage), 64);
	CHECK(r == 1 && c->status == GV_MBOX_OK && c->resp_len <= 64,
	      "garbage: answered %d, status %u, %u response bytes", r, c->status, c->resp_len);
	/* A wait for a seq never posted ends, and says so. */
	far = seq + 1000;
	t0 = now_s();
	r = ioctl(fd, GV_IOC_MBOX_WAIT, &far);
	CHECK(r == 1 && now_s() - t0 < 5, "a wait for a seq never posted: %d after %.2f s", r,
	      now_s() - t0);
	/* A second mapping is the same mailbox. */
	p = mmap(NULL, GV_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && ((struct gv_mbox_ctl *)p)->done_seq == seq,
	      "a second mapping shows the same mailbox");
	/* Still answering. */
	r = post(++seq, garbage, 32, 4096);
	CHECK(r == 1 && c->status == GV_MBOX_OK, "the session still answers: %d", r);
	close(fd);
	printf("gvtest_mailbox: %d passed, %d failed\n", check_passes, check_failures);
	return check_failures != 0;
}
