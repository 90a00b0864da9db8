/* SPDX-License-Identifier: MIT */
/* Guest RAM shared with a worker process (guest_ram.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "guest_ram.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define PAGE_MASK_ ((uint64_t)GV_PAGE_SIZE - 1)

int gvw_guest_ram_spec(const struct gvw_guest_ram *g, char *spec, size_t spec_len,
		       int fds[GVW_GUEST_RAM_MAX_RANGES])
{
	unsigned int i, k, nfds = 0;
	size_t at = 0;

	if (spec_len)
		spec[0] = 0;
	for (i = 0; i < g->n && i < GVW_GUEST_RAM_MAX_RANGES; i++) {
		int n;

		for (k = 0; k < nfds && fds[k] != g->r[i].fd; k++)
			;
		if (k == nfds)
			fds[nfds++] = g->r[i].fd;
		n = snprintf(spec + at, spec_len - at, "%s%" PRIx64 ":%" PRIx64 ":%u:%" PRIx64,
			     i ? "," : "", g->r[i].gpa, g->r[i].len, GVW_GUEST_RAM_FIRST_FD + k,
			     g->r[i].fd_offset);
		if (n < 0 || (size_t)n >= spec_len - at)
			return -1;
		at += (size_t)n;
	}
	return (int)nfds;
}

static int parse_u64(const char **s, char end, uint64_t *v)
{
	char *e;

	if (!((**s >= '0' && **s <= '9') || (**s >= 'a' && **s <= 'f')))
		return -1;
	errno = 0;
	*v = strtoull(*s, &e, 16);
	if (errno || *e != end)
		return -1;
	*s = e + (end != 0);
	return 0;
}

void gvw_guest_ram_unmap(struct gvw_guest_ram *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++)
		if (g->r[i].host)
			munmap(g->r[i].host, g->r[i].len);
	memset(g, 0, sizeof(*g));
}

static void close_fds(const struct gvw_guest_ram *g)
{
	unsigned int i, k;

	for (i = 0; i < g->n; i++) {
		for (k = 0; k < i && g->r[k].fd != g->r[i].fd; k++)
			;
		if (k == i)
			close(g->r[i].fd);
	}
}

int gvw_guest_ram_map(const char *spec, struct gvw_guest_ram *g, char *err, size_t err_len)
{
	const char *s = spec;
	unsigned int i;

	memset(g, 0, sizeof(*g));
	while (*s) {
		struct gvw_guest_ram_range *r = &g->r[g->n];
		uint64_t fd;

		if (g->n == GVW_GUEST_RAM_MAX_RANGES) {
			snprintf(err, err_len, "--guest-ram: more than %d ranges",
				 GVW_GUEST_RAM_MAX_RANGES);
			goto fail;
		}
		if (parse_u64(&s, ':', &r->gpa) || parse_u64(&s, ':', &r->len) ||
		    parse_u64(&s, ':', &fd) ||
		    parse_u64(&s, *s && strchr(s, ',') ? ',' : 0, &r->fd_offset)) {
			snprintf(err, err_len,
				 "--guest-ram: range %u of \"%s\" is not GPA:LEN:FD:OFFSET", g->n,
				 spec);
			goto fail;
		}
		r->fd = fd >= GVW_GUEST_RAM_FIRST_FD &&
				fd < GVW_GUEST_RAM_FIRST_FD + GVW_GUEST_RAM_MAX_RANGES
			    ? (int)fd
			    : -1;
		g->n++;
		if (r->fd < 0 || !r->len || ((r->gpa | r->len | r->fd_offset) & PAGE_MASK_) ||
		    r->gpa + r->len < r->gpa || r->fd_offset + r->len < r->fd_offset ||
		    (g->n > 1 && r->gpa < g->r[g->n - 2].gpa + g->r[g->n - 2].len)) {
			snprintf(err, err_len,
				 "--guest-ram: range %u is not page-aligned, empty, "
				 "out of order or of a descriptor not given",
				 g->n - 1);
			goto fail;
		}
	}
	for (i = 0; i < g->n; i++) {
		struct gvw_guest_ram_range *r = &g->r[i];
		struct stat st;
		void *p;

		if (fstat(r->fd, &st) || (uint64_t)st.st_size < r->fd_offset + r->len) {
			snprintf(err, err_len, "--guest-ram: range %u: descriptor %d %s", i, r->fd,
				 errno ? strerror(errno) : "is shorter than the range");
			goto fail;
		}
		p = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
			 (off_t)r->fd_offset);
		if (p == MAP_FAILED) {
			snprintf(err, err_len, "--guest-ram: range %u: mmap: %s", i,
				 strerror(errno));
			goto fail;
		}
		r->host = p;
	}
	close_fds(g);
	return 0;
fail:
	close_fds(g);
	gvw_guest_ram_unmap(g);
	return -1;
}

/* The host address of guest page gpa, or NULL. */
static unsigned char *page_host(const struct gvw_guest_ram *g, uint64_t gpa)
{
	unsigned int lo = 0, hi = g->n;

	if (gpa & PAGE_MASK_)
		return NULL;
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct gvw_guest_ram_range *r = &g->r[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->len)
			lo = mid + 1;
		else
			return r->host + (gpa - r->gpa); /* len is whole pages */
	}
	return NULL;
}

int gvw_guest_ram_pieces(const struct gvw_guest_ram *g, uint32_t offset, uint64_t len,
			 const uint64_t *pages, uint32_t npages, struct gv_frame_piece **out,
			 unsigned int *nout)
{
	struct gv_frame_piece *v;
	unsigned int n = 0;
	uint32_t i;

	*out = NULL;
	*nout = 0;
	if (offset >= GV_PAGE_SIZE || npages != gvw_guest_ram_npages(offset, len)) {
		gvw_log(GVW_WARN, "guest pages refused: %u pages for %llu bytes from offset %u",
			npages, (unsigned long long)len, offset);
		return -1;
	}
	if (!npages)
		return 0;
	v = malloc(npages * sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < npages; i++) {
		unsigned char *h = page_host(g, pages[i]);
		uint64_t skip = i ? 0 : offset;
		uint64_t take = GV_PAGE_SIZE - skip;

		if (!h) {
			gvw_log(GVW_WARN,
				"guest page 0x%llx refused: not guest RAM shared with "
				"this worker",
				(unsigned long long)pages[i]);
			free(v);
			return -1;
		}
		if (take > len)
			take = len;
		if (n && (unsigned char *)v[n - 1].base + v[n - 1].len == h + skip)
			v[n - 1].len += take;
		else
			v[n++] = (struct gv_frame_piece){h + skip, take};
		len -= take;
	}
	*out = v;
	*nout = n;
	return 0;
}
