/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM registered for DMA (ram_pin.h).  Registering gigabytes takes
 * a while (the driver pins every page), so a thread does it in the
 * session's first context while the session goes on: copies made before
 * it is done take the driver's pageable path, and run at pinned speed
 * from then on.  The driver drops the registration with its context.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "guest_ram.h"
#include "log.h"
#include "ram_pin.h"
#include "worker_internal.h"

struct gvw_ram_pin {
	const struct gvw_guest_ram *ram;
	void *ctx; /* the context it is registered in; NULL: none */
	pthread_t thread;
	int running;
};

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void *register_ram(void *arg)
{
	struct gvw_worker *w = arg;
	struct gvw_ram_pin *p = w->ram_pin;
	uint64_t bytes = 0;
	struct timespec t0;
	unsigned int i;
	int e = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < p->ram->n && !e; i++) {
		e = w->ex->host_register(p->ctx, p->ram->r[i].host, p->ram->r[i].len);
		if (!e)
			bytes += p->ram->r[i].len;
	}
	if (e)
		gvw_log(GVW_WARN,
			"guest RAM: registering it for DMA failed (error %d) after %llu MiB; "
			"copies from the rest take the pageable path",
			e, (unsigned long long)(bytes >> 20));
	else
		gvw_log(GVW_INFO, "guest RAM: %llu MiB registered for DMA in %.0f ms",
			(unsigned long long)(bytes >> 20), ms_since(&t0));
	return NULL;
}

void gvw_ram_pin_set(struct gvw_worker *w, const struct gvw_guest_ram *ram)
{
	if (!ram || !ram->n || !w->ex->host_register || w->ram_pin)
		return;
	w->ram_pin = calloc(1, sizeof(*w->ram_pin));
	if (w->ram_pin)
		w->ram_pin->ram = ram;
}

void gvw_ram_pin_start(struct gvw_worker *w, void *ctx)
{
	struct gvw_ram_pin *p = w->ram_pin;

	if (!p || p->ctx)
		return;
	p->ctx = ctx;
	p->running = !pthread_create(&p->thread, NULL, register_ram, w);
	if (!p->running)
		gvw_log(GVW_WARN, "guest RAM: no thread to register it for DMA");
}

static void join(struct gvw_ram_pin *p)
{
	if (p->running) {
		pthread_join(p->thread, NULL);
		p->running = 0;
	}
}

void gvw_ram_pin_ctx_gone(struct gvw_worker *w, void *ctx)
{
	struct gvw_ram_pin *p = w->ram_pin;

	if (!p || p->ctx != ctx)
		return;
	join(p);
	p->ctx = NULL;
}

void gvw_ram_pin_stop(struct gvw_worker *w)
{
	if (!w->ram_pin)
		return;
	join(w->ram_pin);
	free(w->ram_pin);
	w->ram_pin = NULL;
}

void *gvw_stage_buf(struct gvw_session *s, void *ctx, size_t len)
{
	const struct gvw_executor *ex = s->w->ex;

	if (s->stage && s->stage_len >= len)
		return s->stage;
	gvw_stage_free(s);
	if (posix_memalign(&s->stage, 4096, len)) {
		s->stage = NULL;
		return NULL;
	}
	s->stage_len = len;
	/* Pinned, a staged chunk goes at DMA speed; else as pageable memory. */
	if (ex->host_register && ctx && !ex->host_register(ctx, s->stage, len))
		s->stage_ctx = ctx;
	return s->stage;
}

void gvw_stage_free(struct gvw_session *s)
{
	const struct gvw_executor *ex = s->w->ex;

	if (s->stage_ctx && ex->host_unregister)
		ex->host_unregister(s->stage_ctx, s->stage);
	free(s->stage);
	s->stage = NULL;
	s->stage_ctx = NULL;
	s->stage_len = 0;
}

int gvw_stage_pinned(struct gvw_session *s, void *ctx)
{
	if (!s->w->ex->host_register)
		return 0;
	if (!s->stage)
		gvw_stage_buf(s, ctx, GVW_STAGE_BYTES);
	return s->stage_ctx != NULL;
}
