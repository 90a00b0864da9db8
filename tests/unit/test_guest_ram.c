/* SPDX-License-Identifier: MIT */
/*
 * The data plane's guest RAM (host-worker/guest_ram.c): page lists a
 * hostile guest writes are translated only into the ranges QEMU shared,
 * the --guest-ram spec round-trips and refuses what does not hold, and a
 * real gvirtus-worker ($GVIRTUS_WORKER, default build/bin/gvirtus-worker,
 * CPU reference executor) copies to and from guest pages in place: the
 * bytes are checked in the test's own mapping of the memory, never through
 * the code under test.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_ram.h"
#include "gvirtus_worker.h"
#include "protocol.h"
#include "unit.h"

#define PG 4096u

static unsigned char buf[0x30000];

/* Guest pages 0x0-0xffff and 0x100000-0x11ffff over buf. */
static struct gvw_guest_ram fake = {
    .n = 2,
    .r = {{.gpa = 0, .len = 0x10000, .host = buf},
	  {.gpa = 0x100000, .len = 0x20000, .host = buf + 0x10000}},
};

static int pieces(uint32_t offset, uint64_t len, const uint64_t *pages, uint32_t n,
		  struct gv_frame_piece **v, unsigned int *nv)
{
	return gvw_guest_ram_pieces(&fake, offset, len, pages, n, v, nv);
}

static void test_translation(void)
{
	uint64_t ok[3] = {0x1000, 0x2000, 0x101000};
	uint64_t hostile[][2] = {
	    {0x1000, 0x10000},	  /* one past the first range */
	    {0x1000, 0x1001},	  /* not page-aligned */
	    {0x1000, 0xfffff000}, /* nowhere */
	    {0x1000, 0x120000},	  /* one past the second range */
	    {0x1000, UINT64_MAX & ~(uint64_t)(PG - 1)},
	};
	struct gv_frame_piece *v;
	unsigned int nv, i;

	EXPECT(pieces(16, 2 * PG, ok, 3, &v, &nv) == 0 && nv == 2 && v[0].base == buf + 0x1010 &&
		   v[0].len == 2 * PG - 16 && v[1].base == buf + 0x11000 && v[1].len == 16,
	       "adjacent pages merge, the range boundary splits");
	free(v);
	EXPECT(pieces(0, 0, NULL, 0, &v, &nv) == 0 && nv == 0 && !v, "an empty run has no pieces");
	EXPECT(pieces(16, 2 * PG, ok, 2, &v, &nv) == -1 && !v, "too few pages for the bytes");
	EXPECT(pieces(0, PG, ok, 2, &v, &nv) == -1, "more pages than the bytes touch");
	EXPECT(pieces(PG, 16, ok, 1, &v, &nv) == -1, "an offset of a whole page");
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		EXPECT(pieces(0, 2 * PG, hostile[i], 2, &v, &nv) == -1 && !v,
		       "page 0x%llx is refused", (unsigned long long)hostile[i][1]);
}

static void test_spec(void)
{
	struct gvw_guest_ram g = {
	    .n = 3,
	    .r = {{.gpa = 0, .len = 0x80000000, .fd = 9, .fd_offset = 0},
		  {.gpa = 0x100000000, .len = 0x10000, .fd = 9, .fd_offset = 0x80000000},
		  {.gpa = 0x200000000, .len = 0x1000, .fd = 4}}};
	const char *bad[] = {
	    "0:1000:5",			   /* a field short */
	    "0:1000:3:0",		   /* a descriptor not given */
	    "0:1001:5:0",		   /* not page-aligned */
	    "0:0:5:0",			   /* empty */
	    "2000:1000:5:0,0:1000:5:1000", /* out of order */
	    "0:1000:5:0,",		   /* a trailing comma */
	    "fffffffffffff000:2000:5:0",   /* wraps */
	};
	struct gvw_guest_ram m;
	char spec[256], err[256];
	int fds[GVW_GUEST_RAM_MAX_RANGES], n;
	unsigned int i;

	n = gvw_guest_ram_spec(&g, spec, sizeof(spec), fds);
	EXPECT(n == 2 && fds[0] == 9 && fds[1] == 4 &&
		   !strcmp(spec, "0:80000000:5:0,100000000:10000:5:80000000,200000000:1000:6:0"),
	       "spec %s, %d descriptors", spec, n);
	EXPECT(gvw_guest_ram_spec(&g, spec, 20, fds) == -1, "a spec that does not fit is refused");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(gvw_guest_ram_map(bad[i], &m, err, sizeof(err)) == -1 && m.n == 0,
		       "\"%s\" is refused", bad[i]);
}

/* One message of op: the response's status and result, its payload to out. */
static int call(struct gvw_remote *r, uint32_t op, const void *q, uint32_t len,
		const struct gvw_bulk *bulk, int32_t *result, void *out, size_t out_len)
{
	unsigned char msg[128], resp[4096];
	struct gv_msg_hdr m = {.magic = GV_MSG_MAGIC,
			       .version = GV_PROTOCOL_VERSION,
			       .op = op,
			       .req_id = 1,
			       .nbulk = bulk ? 1 : 0,
			       .payload_len = len};
	struct gv_resp_hdr h;
	size_t resp_len = 0;
	int e;

	memcpy(msg, &m, sizeof(m));
	memcpy(msg + sizeof(m), q, len);
	e = gvw_remote_exec(r, msg, sizeof(m) + len, bulk, bulk ? 1 : 0, resp, sizeof(resp),
			    &resp_len);
	if (e)
		return e;
	if (resp_len < sizeof(h))
		return -2;
	memcpy(&h, resp, sizeof(h));
	*result = h.status == GV_OK ? h.result : -1000 - h.status;
	if (out && resp_len >= sizeof(h) + out_len)
		memcpy(out, resp + sizeof(h), out_len);
	return 0;
}

/* A real worker sharing a memfd as guest RAM at base, HELLO said. */
struct shared_worker {
	int fd;
	unsigned char *ram;
	size_t len;
	struct gvw_worker *w;
	struct gvw_remote *r;
};

static int shared_worker_open(struct shared_worker *sw, size_t len, uint64_t base, uint32_t id)
{
	struct gvw_config cfg = {.executor = GVW_EXEC_CPU_REFERENCE,
				 .max_sessions = 4,
				 .cpu_reference_devices = 1,
				 .label = "test_guest_ram"};
	const char *path = getenv("GVIRTUS_WORKER");
	struct gv_hello_req hq = {GV_PROTOCOL_VERSION, 1};
	struct gvw_guest_ram g = {.n = 1};
	char err[256];
	int32_t res = -1;

	memset(sw, 0, sizeof(*sw));
	sw->len = len;
	sw->fd = memfd_create("guest-ram", MFD_CLOEXEC);
	cfg.worker_path = path && *path ? path : "build/bin/gvirtus-worker";
	if (sw->fd < 0 || ftruncate(sw->fd, (off_t)len) ||
	    (sw->ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, sw->fd, 0)) ==
		MAP_FAILED ||
	    gvw_worker_create(&cfg, &sw->w, err, sizeof(err))) {
		EXPECT(0, "set-up: memfd, mapping and worker");
		return -1;
	}
	g.r[0] = (struct gvw_guest_ram_range){.gpa = base, .len = len, .fd = sw->fd};
	gvw_worker_set_guest_ram(sw->w, &g);
	sw->r = gvw_remote_open(sw->w, id);
	EXPECT(sw->r && gvw_remote_shares_ram(sw->r), "a new worker shares guest RAM");
	EXPECT(sw->r && call(sw->r, GV_OP_HELLO, &hq, sizeof(hq), NULL, &res, NULL, 0) == 0 &&
		   res == 0,
	       "HELLO");
	return sw->r ? 0 : -1;
}

static void shared_worker_close(struct shared_worker *sw)
{
	if (sw->r)
		gvw_remote_close(sw->r);
	if (sw->w)
		gvw_worker_destroy(sw->w);
	if (sw->ram && sw->ram != MAP_FAILED)
		munmap(sw->ram, sw->len);
	if (sw->fd >= 0)
		close(sw->fd);
}

static void test_worker(void)
{
	const size_t ram_len = 1 << 20;
	const uint64_t base = 0x40000000;
	struct gv_malloc_req mq = {64 * 1024};
	struct shared_worker sw = {.fd = -1};
	struct gvw_remote *r;
	uint64_t in_pages[16], out_pages[16], stray = base + ram_len;
	unsigned char *ram, want[16 * PG];
	struct gv_ptr_resp dev = {0};
	int same = 1;
	int32_t res = -1;
	unsigned int i;

	if (shared_worker_open(&sw, ram_len, base, 7))
		goto out;
	r = sw.r;
	ram = sw.ram;
	EXPECT(call(r, GV_OP_MALLOC, &mq, sizeof(mq), NULL, &res, &dev, sizeof(dev)) == 0 &&
		   res == 0 && dev.ptr,
	       "cudaMalloc");
	/* To the device from 16 scattered pages, backwards, 100 bytes in. */
	for (i = 0; i < 16; i++) {
		in_pages[i] = base + (uint64_t)(15 - i) * PG;
		out_pages[i] = base + 0x20000 + (uint64_t)i * 2 * PG;
	}
	for (i = 0; i < ram_len; i++)
		ram[i] = (unsigned char)(i * 7 + i / 4096);
	for (i = 0; i < 16 * PG - 200; i++)
		want[i] = ram[(15 - (100 + i) / PG) * PG + (100 + i) % PG];
	{
		struct gv_memcpy_req q = {.dst = dev.ptr, .size = 16 * PG - 200};
		struct gvw_bulk b = {.len = q.size,
				     .dir = GV_BULK_TO_HOST,
				     .pages = in_pages,
				     .npages = 16,
				     .page_offset = 100};

		EXPECT(call(r, GV_OP_MEMCPY_HTOD, &q, sizeof(q), &b, &res, NULL, 0) == 0 &&
			   res == 0,
		       "cudaMemcpy to the device from guest pages");
	}
	/* Back into 16 other pages, every other one, 5 bytes in. */
	{
		struct gv_memcpy_req q = {.src = dev.ptr, .size = 16 * PG - 200};
		struct gvw_bulk b = {.len = q.size,
				     .dir = GV_BULK_FROM_HOST,
				     .pages = out_pages,
				     .npages = 16,
				     .page_offset = 5};

		EXPECT(call(r, GV_OP_MEMCPY_DTOH, &q, sizeof(q), &b, &res, NULL, 0) == 0 &&
			   res == 0,
		       "cudaMemcpy from the device into guest pages");
		for (i = 0; i < q.size && same; i++)
			same = ram[0x20000 + ((5 + i) / PG) * 2 * PG + (5 + i) % PG] == want[i];
		EXPECT(same, "the guest pages hold the bytes, in order (first difference at %u)",
		       i - 1);
		EXPECT(ram[0x20000 + 4] == (unsigned char)((0x20000 + 4) * 7 + 0x20000 / 4096) &&
			   ram[0x20000 + PG] ==
			       (unsigned char)((0x20000 + PG) * 7 + 0x21000 / 4096),
		       "bytes outside the run are untouched");
	}
	/* A page beyond the shared memory: refused, and the session lives on. */
	{
		struct gv_memcpy_req q = {.dst = dev.ptr, .size = 16};
		struct gvw_bulk b = {
		    .len = 16, .dir = GV_BULK_TO_HOST, .pages = &stray, .npages = 1};

		EXPECT(call(r, GV_OP_MEMCPY_HTOD, &q, sizeof(q), &b, &res, NULL, 0) == 1,
		       "a page outside guest RAM is a fault");
		EXPECT(call(r, GV_OP_MALLOC, &mq, sizeof(mq), NULL, &res, &dev, sizeof(dev)) == 0 &&
			   res == 0,
		       "the session works after the fault");
	}
	gvw_worker_set_guest_ram(sw.w, NULL);
	EXPECT(!gvw_remote_shares_ram(r),
	       "after a layout change, the old worker is not sent pages");
out:
	shared_worker_close(&sw);
}

/*
 * A copy of 17 MiB and a bit from 4 KiB pages in reverse order, there and
 * back: the worker stages small pieces through a buffer of a few
 * megabytes, so chunk and page boundaries fall everywhere.
 */
static void test_staged(void)
{
	const size_t ram_len = 40u << 20, len = (17u << 20) + 1234;
	const uint32_t npages = (uint32_t)((len + 4095 + 7) / 4096);
	const uint64_t base = 0x100000000ull;
	struct gv_malloc_req mq = {len};
	struct gv_ptr_resp dev = {0};
	uint64_t *in = calloc(npages, 8), *out = calloc(npages, 8);
	struct shared_worker sw = {.fd = -1};
	struct gvw_remote *r;
	unsigned char *ram;
	int bad = 0;
	int32_t res = -1;
	size_t i;

	if (!in || !out || shared_worker_open(&sw, ram_len, base, 8))
		goto done;
	r = sw.r;
	ram = sw.ram;
	for (i = 0; i < npages; i++) {
		in[i] = base + (uint64_t)(npages - 1 - i) * 4096; /* first half, backwards */
		out[i] = base + (20u << 20) + (uint64_t)(npages - 1 - i) * 4096; /* second half */
	}
	for (i = 0; i < ram_len / 2; i++)
		ram[i] = (unsigned char)(i * 13 + i / 4096);
	EXPECT(call(r, GV_OP_MALLOC, &mq, sizeof(mq), NULL, &res, &dev, sizeof(dev)) == 0 &&
		   res == 0,
	       "cudaMalloc of 17 MiB");
	if (!res) {
		struct gv_memcpy_req q = {.dst = dev.ptr, .size = len};
		struct gvw_bulk b = {.len = len,
				     .dir = GV_BULK_TO_HOST,
				     .pages = in,
				     .npages = npages,
				     .page_offset = 7};

		EXPECT(call(r, GV_OP_MEMCPY_HTOD, &q, sizeof(q), &b, &res, NULL, 0) == 0 &&
			   res == 0,
		       "17 MiB to the device from reversed pages");
		q = (struct gv_memcpy_req){.src = dev.ptr, .size = len};
		b = (struct gvw_bulk){.len = len,
				      .dir = GV_BULK_FROM_HOST,
				      .pages = out,
				      .npages = npages,
				      .page_offset = 7};
		EXPECT(call(r, GV_OP_MEMCPY_DTOH, &q, sizeof(q), &b, &res, NULL, 0) == 0 &&
			   res == 0,
		       "and back into other reversed pages");
		for (i = 0; i < len && !bad; i++) {
			size_t page = (7 + i) / 4096, off = (7 + i) % 4096;

			bad = ram[(20u << 20) + (npages - 1 - page) * 4096 + off] !=
			      ram[(npages - 1 - page) * 4096 + off];
		}
		EXPECT(!bad, "every byte came back where it belongs (first difference at %zu)",
		       i - 1);
	}
done:
	shared_worker_close(&sw);
	free(in);
	free(out);
}

int main(void)
{
	test_translation();
	test_spec();
	test_worker();
	test_staged();
	return unit_summary("test_guest_ram");
}
