/* SPDX-License-Identifier: MIT */
/* Worker lifetime, the session registry and VM-wide accounting. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2, environ */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/param.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <driver_types.h>

#include "log.h"
#include "math_libs.h"
#include "ram_pin.h"
#include "worker_internal.h"

int gvw_executor_parse(const char *name, enum gvw_executor_kind *out)
{
	if (!strcmp(name, "cuda"))
		*out = GVW_EXEC_CUDA;
	else if (!strcmp(name, "cpu-reference"))
		*out = GVW_EXEC_CPU_REFERENCE;
	else
		return -1;
	return 0;
}

/*
 * Applies cfg.gpus: which host devices the guest sees, in the order
 * given.  Returns 0, or -1 with err naming the entry and what exists.
 */
int gvw_device_uuid(struct gvw_worker *w, int dev, char out[GVW_UUID_LEN])
{
	struct gv_device_info_resp *info = calloc(1, sizeof(*info));
	const uint8_t *u;
	int e = -1;

	if (info && w->ex->device_info(w, dev, info) == cudaSuccess) {
		u = info->uuid;
		snprintf(out, GVW_UUID_LEN,
			 "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
			 u[12], u[13], u[14], u[15]);
		e = 0;
	}
	free(info);
	return e;
}

static int select_gpus(struct gvw_worker *w, char *err, size_t err_len)
{
	const char *spec = w->cfg.gpus;
	int host_count = w->device_count, n = 0, i;
	char buf[512], *tok, *save = NULL;

	for (i = 0; i < GVW_MAX_DEVICES; i++)
		w->host_dev[i] = i;
	if (!spec || !*spec)
		return 0;
	if (w->count_result != cudaSuccess) {
		snprintf(err, err_len, "gpus=%s: %s", spec, w->describe);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",:", &save); tok; tok = strtok_r(NULL, ",:", &save)) {
		int found = -1, d;
		char *end;
		long idx;

		while (*tok == ' ')
			tok++;
		idx = strtol(tok, &end, 10);
		if (*tok && !*end) {
			found = idx >= 0 && idx < host_count ? (int)idx : -1;
		} else {
			for (d = 0; d < host_count && found < 0; d++) {
				char uuid[GVW_UUID_LEN];

				if (!gvw_device_uuid(w, d, uuid) &&
				    (!strcasecmp(uuid, tok) || !strcasecmp(uuid + 4, tok)))
					found = d;
			}
		}
		if (found < 0) {
			snprintf(
			    err, err_len,
			    "gpus=%s: \"%s\" is not a GPU of this host, "
			    "which has %d (indices 0..%d, or UUIDs as nvidia-smi -L prints them)",
			    spec, tok, host_count, host_count - 1);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (w->host_dev[i] == found) {
				snprintf(err, err_len, "gpus=%s: host GPU %d is named twice", spec,
					 found);
				return -1;
			}
		}
		if (n == GVW_MAX_DEVICES) {
			snprintf(err, err_len, "gpus=%s: at most %d GPUs", spec, GVW_MAX_DEVICES);
			return -1;
		}
		w->host_dev[n++] = found;
	}
	if (!n) {
		snprintf(err, err_len, "gpus=%s names no GPU", spec);
		return -1;
	}
	w->device_count = n;
	snprintf(w->describe + strlen(w->describe), sizeof(w->describe) - strlen(w->describe),
		 "; this guest sees %d of them (gpus=%s)", n, spec);
	return 0;
}

/*
 * Asks a worker process what it finds: driver, devices, or why none.
 * posix_spawn with an argument vector, never a shell: gpus= comes from
 * configuration and is passed as one argument, whatever it contains.
 * The answer must come within a minute (cuInit on a wedged driver).
 */
static int probe(struct gvw_worker *w)
{
	char s_dev[16], *nl;
	char *argv[] = {(char *)w->cfg.worker_path,
			(char *)"--probe",
			(char *)"--executor",
			(char *)(w->cfg.executor == GVW_EXEC_CUDA ? "cuda" : "cpu-reference"),
			(char *)"--cpu-reference-devices",
			s_dev,
			(char *)"--gpus",
			(char *)(w->cfg.gpus ? w->cfg.gpus : ""),
			NULL};
	posix_spawn_file_actions_t fa;
	size_t got = 0;
	int pfd[2], st = -1, e;
	pid_t pid;

	snprintf(s_dev, sizeof(s_dev), "%u", w->cfg.cpu_reference_devices);
	snprintf(w->describe, sizeof(w->describe), "worker process %s did not answer",
		 w->cfg.worker_path);
	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	e = posix_spawn(&pid, w->cfg.worker_path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (e) {
		snprintf(w->describe, sizeof(w->describe), "cannot start %s: %s",
			 w->cfg.worker_path, strerror(e));
		close(pfd[0]);
		return -1;
	}
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		char buf[512];
		ssize_t n;

		e = poll(&p, 1, 60000);
		if (e < 0 && errno == EINTR)
			continue;
		if (e <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got + 1 < sizeof(w->describe)) {
			size_t take = MIN((size_t)n, sizeof(w->describe) - 1 - got);

			memcpy(w->describe + got, buf, take);
			got += take;
			w->describe[got] = 0;
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	nl = strchr(w->describe, '\n');
	if (nl)
		*nl = 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* n bytes from the kernel's CSPRNG; 0, or -1 with errno. */
static int fill_random(void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom((char *)buf + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int gvw_worker_create(const struct gvw_config *cfg, struct gvw_worker **out, char *err,
		      size_t err_len)
{
	struct gvw_worker *w;

	if (cfg->max_sessions == 0 || cfg->max_sessions > 4096) {
		snprintf(err, err_len, "max-sessions must be 1..4096, not %u", cfg->max_sessions);
		return -1;
	}
	if (cfg->executor == GVW_EXEC_CPU_REFERENCE &&
	    (cfg->cpu_reference_devices < 1 || cfg->cpu_reference_devices > GVW_MAX_DEVICES)) {
		snprintf(err, err_len, "the CPU reference executor shows 1..%d devices, not %u",
			 GVW_MAX_DEVICES, cfg->cpu_reference_devices);
		return -1;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	w->cfg = *cfg;
	w->ex = cfg->executor == GVW_EXEC_CUDA ? &gvw_exec_cuda : &gvw_exec_cpu_reference;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->gate_cond, NULL);
	w->relay_fd = -1;
	w->limits = gvw_limits_effective(&cfg->limits);
	/* Gate keys are MACs under this secret: it must be unpredictable or nothing. */
	if (fill_random(w->gate_secret, sizeof(w->gate_secret))) {
		snprintf(err, err_len, "no random bytes for the gate secret (getrandom: %s)",
			 strerror(errno));
		pthread_cond_destroy(&w->gate_cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -1;
	}
	gvw_ipc_registry_init(&w->ipc);
	if (cfg->worker_path) {
		/* CUDA must not be initialized in this process: a probe does it. */
		if (probe(w)) {
			snprintf(err, err_len, "%s", w->describe);
			pthread_cond_destroy(&w->gate_cond);
			pthread_mutex_destroy(&w->lock);
			free(w);
			return -1;
		}
	} else {
		w->ex->init(w);
		if (select_gpus(w, err, err_len)) {
			gvw_worker_destroy(w);
			return -1;
		}
	}
	gvw_log(cfg->in_worker_process ? GVW_DEBUG : GVW_INFO, "%s: %s",
		cfg->label ? cfg->label : "worker", w->describe);
	*out = w;
	return 0;
}

void gvw_worker_destroy(struct gvw_worker *w)
{
	if (!w)
		return;
	while (w->nsessions)
		gvw_session_close(w->sessions[0]);
	free(w->sessions);
	free(w->remotes);
	free(w->guest_ram);
	gvw_gates_destroy(w);
	gvw_ipc_registry_free(&w->ipc);
	pthread_cond_destroy(&w->gate_cond);
	pthread_mutex_destroy(&w->lock);
	free(w->ex_state);
	free(w);
}

const char *gvw_worker_describe(const struct gvw_worker *w)
{
	return w->describe;
}

struct gvw_session *gvw_session_open(struct gvw_worker *w, uint32_t id)
{
	struct gvw_session *s = NULL, **v;
	unsigned int i;

	pthread_mutex_lock(&w->lock);
	if (w->nsessions >= w->cfg.max_sessions) {
		gvw_log(GVW_WARN, "session %u refused: %u sessions open (max-sessions)", id,
			w->nsessions);
		goto out;
	}
	for (i = 0; i < w->nsessions; i++)
		if (w->sessions[i]->id == id)
			goto out;
	v = realloc(w->sessions, (w->nsessions + 1) * sizeof(*v));
	if (!v)
		goto out;
	w->sessions = v;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->w = w;
	s->id = id;
	s->device_count = w->device_count;
	memcpy(s->host_dev, w->host_dev, sizeof(s->host_dev));
	w->sessions[w->nsessions++] = s;
out:
	pthread_mutex_unlock(&w->lock);
	if (s)
		gvw_log(GVW_DEBUG, "session %u opened", id);
	return s;
}

uint32_t gvw_session_id(const struct gvw_session *s)
{
	return s->id;
}

void gvw_account(struct gvw_worker *w, int64_t allocs, int64_t bytes)
{
	pthread_mutex_lock(&w->lock);
	w->total_allocs += (uint64_t)allocs;
	w->total_bytes += (uint64_t)bytes;
	pthread_mutex_unlock(&w->lock);
}

/*
 * Ends everything the session has on one device: handles, allocations
 * (a module's globals go with the module) and the context itself.
 * Returns the bytes of device memory freed.
 */
uint64_t gvw_session_drop_device(struct gvw_session *s, int dev)
{
	const struct gvw_executor *ex = s->w->ex;
	void *ctx = s->ctx[dev];
	uint64_t n = 0, bytes = 0;
	size_t i;

	if (!ctx)
		return 0;
	ex->ctx_enter(ctx);
	/* The math libraries' objects, which may use the session's streams. */
	for (i = 0; i < s->handles.n; i++) {
		struct gvw_handle_slot *h = &s->handles.v[i];

		if (h->kind && h->device == dev && gvw_math_release(s, h))
			gvw_handle_drop(s, h);
	}
	/* Streams and events first, then functions, then their modules. */
	for (int pass = 0; pass < 3; pass++) {
		for (i = 0; i < s->handles.n; i++) {
			struct gvw_handle_slot *h = &s->handles.v[i];

			if (!h->kind || h->device != dev)
				continue;
			if (pass == 0 && h->kind == GVW_H_STREAM) {
				ex->stream_destroy(ctx, h->obj);
			} else if (pass == 0 && h->kind == GVW_H_EVENT) {
				ex->event_destroy(ctx, h->obj);
			} else if (pass == 1 && h->kind == GVW_H_FUNCTION) {
				gvw_function_unindex(s, h->obj);
				free(h->obj);
			} else if (pass == 2 && h->kind == GVW_H_MODULE) {
				ex->module_unload(ctx, h->obj);
			} else if (pass == 0 && h->kind > GVW_H_EVENT) {
				/* The driver API's objects go with the context. */
			} else {
				continue;
			}
			gvw_handle_drop(s, h);
		}
	}
	for (i = s->allocs.n; i-- > 0;) {
		struct gvw_alloc *a = &s->allocs.v[i];

		if (a->device != dev)
			continue;
		if (a->ipc)
			s->ipc_imports--; /* the context's end unmaps it */
		if (gvw_alloc_owned(a)) {
			/* A graph's memory goes with the context, as its graph. */
			if (!a->graph)
				ex->mem_free(ctx, a);
			n++;
			bytes += a->size;
			s->device_bytes -= a->size;
		}
		gvw_alloc_remove(&s->allocs, a);
	}
	if (s->stage_ctx == ctx)
		gvw_stage_free(s);
	gvw_shadows_ctx_gone(s, ctx);
	gvw_ram_pin_ctx_gone(s->w, ctx);
	ex->ctx_destroy(ctx);
	s->ctx[dev] = NULL;
	gvw_account(s->w, -(int64_t)n, -(int64_t)bytes);
	return bytes;
}

void gvw_session_close(struct gvw_session *s)
{
	struct gvw_worker *w = s->w;
	uint64_t n = 0, bytes = 0;
	unsigned int i;
	int d;

	for (i = 0; i < s->allocs.n; i++)
		n += gvw_alloc_owned(&s->allocs.v[i]);
	/* Its IPC handles open nowhere else from now on (a parent of worker
	 * processes drops them itself when the worker goes). */
	if (w->relay_fd < 0)
		gvw_ipc_registry_drop(&w->ipc, s->id);
	gvw_vmm_drop(s);
	gvw_conds_drop(s);
	/* Streams held at host-function gates must move before contexts go. */
	gvw_host_fns_end(s, false);
	gvw_gate_release_all(w, s->id);
	for (d = 0; d < GVW_MAX_DEVICES; d++)
		bytes += gvw_session_drop_device(s, d);
	gvw_host_fns_end(s, true);
	gvw_graph_refs_free(s);
	gvw_stage_free(s);
	gvw_shadows_drop(s);
	gvw_alloc_table_free(&s->allocs);
	gvw_handles_destroy(&s->handles);
	gvw_functions_destroy(s);
	free(s->launch_log);

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nsessions; i++) {
		if (w->sessions[i] == s) {
			w->sessions[i] = w->sessions[--w->nsessions];
			break;
		}
	}
	w->sessions_closed++;
	w->bytes_freed_at_close += bytes;
	pthread_mutex_unlock(&w->lock);
	gvw_log(w->cfg.in_worker_process ? GVW_DEBUG : GVW_INFO,
		"session %u closed: freed %llu allocation(s), %llu bytes", s->id,
		(unsigned long long)n, (unsigned long long)bytes);
	free(s);
}

void gvw_session_held(struct gvw_session *s, struct gvw_held *out)
{
	/* Read without the session's thread: the figures may be one call old. */
	out->worker_pid = 0;
	out->allocs = __atomic_load_n(&s->allocs.n, __ATOMIC_RELAXED);
	out->device_bytes = __atomic_load_n(&s->device_bytes, __ATOMIC_RELAXED);
}
