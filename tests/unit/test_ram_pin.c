/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM registered for DMA (host-worker/ram_pin.c), against an
 * executor that records what it is asked to register: the whole of every
 * range, once, in the session's first context, on a thread of its own;
 * again after that context is gone, never while it lives; a failure is
 * logged, not fatal; the staging buffer is registered once and
 * unregistered at the end.  Without registration (the CPU double) nothing
 * is asked.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_ram.h"
#include "gvirtus_worker.h"
#include "ram_pin.h"
#include "unit.h"
#include "worker_internal.h"

static unsigned char ram_a[0x4000], ram_b[0x8000];
static const struct gvw_guest_ram ram = {
    .n = 2,
    .r = {{.gpa = 0, .len = sizeof(ram_a), .host = ram_a},
	  {.gpa = 0x100000, .len = sizeof(ram_b), .host = ram_b}},
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	void *ctx, *p;
	size_t len;
	pthread_t thread;
} seen[16];
static int nseen, unregistered, fail_at = -1;
static void *unregistered_p;

static int fake_register(void *ctx, void *p, size_t len)
{
	int e = 0;

	usleep(20000); /* slow, as pinning gigabytes is */
	pthread_mutex_lock(&lock);
	if (nseen < 16)
		seen[nseen] = (__typeof__(seen[0])){ctx, p, len, pthread_self()};
	if (nseen == fail_at)
		e = 2; /* CUDA_ERROR_OUT_OF_MEMORY */
	nseen++;
	pthread_mutex_unlock(&lock);
	return e;
}

static void fake_unregister(void *ctx, void *p)
{
	unregistered++;
	unregistered_p = p;
}

static int whole_ram_in(void *ctx, int from)
{
	return nseen == from + 2 && seen[from].ctx == ctx && seen[from].p == ram_a &&
	       seen[from].len == sizeof(ram_a) && seen[from + 1].ctx == ctx &&
	       seen[from + 1].p == ram_b && seen[from + 1].len == sizeof(ram_b) &&
	       !pthread_equal(seen[from].thread, pthread_self());
}

int main(void)
{
	struct gvw_config cfg = {.executor = GVW_EXEC_CPU_REFERENCE,
				 .max_sessions = 1,
				 .cpu_reference_devices = 1,
				 .label = "test_ram_pin"};
	struct gvw_executor ex;
	struct gvw_worker *w;
	struct gvw_session *s;
	void *a = (void *)0xa, *b = (void *)0xb, *stage;
	char err[256];

	if (gvw_worker_create(&cfg, &w, err, sizeof(err))) {
		printf("test_ram_pin: %s\n", err);
		return 1;
	}
	/* The CPU double registers nothing: no state, no calls. */
	gvw_ram_pin_set(w, &ram);
	EXPECT(!w->ram_pin, "an executor without registration keeps no state");
	s = gvw_session_open(w, 1);
	stage = gvw_stage_buf(s, a, 1 << 20);
	EXPECT(stage && s->stage_len == 1 << 20 && !s->stage_ctx,
	       "a staging buffer without registration");
	gvw_stage_free(s);

	ex = *w->ex;
	ex.host_register = fake_register;
	ex.host_unregister = fake_unregister;
	w->ex = &ex;
	gvw_ram_pin_set(w, &ram);
	EXPECT(w->ram_pin, "guest RAM to register");
	gvw_ram_pin_start(w, a);
	gvw_ram_pin_start(w, b);
	gvw_ram_pin_ctx_gone(w, b);
	gvw_ram_pin_ctx_gone(w, a); /* waits for the registration */
	EXPECT(whole_ram_in(a, 0), "every range, whole, in the first context, on a thread");
	gvw_ram_pin_start(w, b);
	gvw_ram_pin_ctx_gone(w, b);
	EXPECT(whole_ram_in(b, 2), "again in the next context once the first is gone");
	fail_at = 4;
	gvw_ram_pin_start(w, a);
	gvw_ram_pin_ctx_gone(w, a);
	EXPECT(nseen == 5, "a failure stops it, logged (%d calls)", nseen);

	/* The staging buffer: registered once in the caller's context. */
	fail_at = -1;
	stage = gvw_stage_buf(s, a, 8 << 20);
	EXPECT(stage && nseen == 6 && seen[5].p == stage && seen[5].len == 8 << 20 &&
		   seen[5].ctx == a && s->stage_ctx == a && ((uintptr_t)stage & 4095) == 0,
	       "the staging buffer, page-aligned, registered in the caller's context");
	EXPECT(gvw_stage_buf(s, a, 4 << 20) == stage && nseen == 6, "kept, not registered again");
	gvw_stage_free(s);
	EXPECT(unregistered == 1 && unregistered_p == stage && !s->stage,
	       "unregistered before it is freed");
	gvw_ram_pin_start(w, a);
	gvw_session_close(s);
	gvw_ram_pin_stop(w);
	EXPECT(!w->ram_pin && nseen == 8, "stopping waits for a registration in progress");
	gvw_worker_destroy(w);
	return unit_summary("test_ram_pin");
}
