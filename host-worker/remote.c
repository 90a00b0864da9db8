/* SPDX-License-Identifier: MIT */
/*
 * Sessions in worker processes, seen from the parent (QEMU): each guest
 * process's calls go over a socketpair to a gvirtus-worker process of its
 * own.  The parent keeps the VM-wide accounting from what the workers
 * report with each reply, and learns of a worker's death from its socket.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* environ */
#endif
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdio.h"
#include "frame.h"
#include "handlers.h"
#include "log.h"
#include "worker_internal.h"

struct gvw_remote {
	struct gvw_worker *w;
	uint32_t id;
	int fd;
	int relay_fd;		/* host-function gates, both ways */
	pthread_t relay;
	int have_relay;
	pid_t pid;
	uint64_t allocs, bytes;
	int dead;
};

/* Gates the worker process reached: mirrored here for the callback session. */
static void *relay_reader(void *arg)
{
	struct gvw_remote *r = arg;
	struct gvw_gate_relay_msg m;

	while (gvw_read_full(r->relay_fd, &m, sizeof(m)) == 0)
		if (m.type == GVW_RELAY_REACHED)
			gvw_gate_mirror(r->w, r->id, m.token);
	return NULL;
}

static void registry_add(struct gvw_worker *w, struct gvw_remote *r)
{
	struct gvw_remote **v;

	pthread_mutex_lock(&w->lock);
	v = realloc(w->remotes, (w->nremotes + 1) * sizeof(*v));
	if (v) {
		w->remotes = v;
		w->remotes[w->nremotes++] = r;
	}
	pthread_mutex_unlock(&w->lock);
}

static void registry_remove(struct gvw_worker *w, struct gvw_remote *r)
{
	unsigned int i;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nremotes; i++)
		if (w->remotes[i] == r)
			w->remotes[i] = w->remotes[--w->nremotes];
	pthread_mutex_unlock(&w->lock);
}

/* Tells the owner's worker process to let its stream move on. */
static void relay_release(struct gvw_worker *w, uint32_t owner, uint64_t token)
{
	struct gvw_gate_relay_msg m = { GVW_RELAY_RELEASE, 0, token };
	unsigned int i;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nremotes; i++)
		if (w->remotes[i]->id == owner)
			gvw_write_full(w->remotes[i]->relay_fd, &m, sizeof(m));
	pthread_mutex_unlock(&w->lock);
}

/*
 * The callback session's WAIT and RELEASE are answered here, from the
 * mirrors: the owner's worker process may be blocked on that very stream.
 * Returns 1 when the message was such a call (response written).
 */
static int local_gate_call(struct gvw_worker *w, const void *msg, size_t msg_len,
			   void *resp, size_t resp_cap, size_t *resp_len)
{
	struct gv_msg_hdr m;
	struct gv_resp_hdr h = { .magic = GV_RESP_MAGIC, .version = GV_PROTOCOL_VERSION };
	union {
		struct gv_gate_wait_req wait;
		struct gv_gate_release_req release;
	} q;
	struct gv_handle_resp out = { 0 };
	uint32_t out_len = 0;

	if (msg_len < sizeof(m))
		return 0;
	memcpy(&m, msg, sizeof(m));
	if (m.magic != GV_MSG_MAGIC || m.version != GV_PROTOCOL_VERSION ||
	    (m.op != GV_OP_HOST_FUNC_WAIT && m.op != GV_OP_HOST_FUNC_RELEASE))
		return 0;
	h.op = m.op;
	h.req_id = m.req_id;
	h.result = cudaErrorInvalidValue;
	if (m.op == GV_OP_HOST_FUNC_WAIT && m.payload_len == sizeof(q.wait) &&
	    msg_len == sizeof(m) + sizeof(q.wait)) {
		memcpy(&q.wait, (const char *)msg + sizeof(m), sizeof(q.wait));
		out_len = sizeof(out);
		if (q.wait.key == gvw_gate_key(q.wait.owner, w->gate_secret) &&
		    q.wait.timeout_ms <= 1000) {
			out.handle = gvw_gate_wait(w, q.wait.owner, q.wait.timeout_ms);
			h.result = cudaSuccess;
		}
	} else if (m.op == GV_OP_HOST_FUNC_RELEASE && m.payload_len == sizeof(q.release) &&
		   msg_len == sizeof(m) + sizeof(q.release)) {
		memcpy(&q.release, (const char *)msg + sizeof(m), sizeof(q.release));
		if (q.release.key != gvw_gate_key(q.release.owner, w->gate_secret)) {
			h.result = cudaErrorInvalidValue;
		} else if (gvw_gate_release(w, q.release.owner, q.release.token)) {
			h.result = cudaErrorInvalidResourceHandle;
		} else {
			relay_release(w, q.release.owner, q.release.token);
			h.result = cudaSuccess;
		}
	} else {
		h.status = GV_ELEN;
	}
	h.payload_len = h.status == GV_OK ? out_len : 0;
	if (resp_cap < sizeof(h) + h.payload_len)
		return 0;
	memcpy(resp, &h, sizeof(h));
	memcpy((char *)resp + sizeof(h), &out, h.payload_len);
	*resp_len = sizeof(h) + h.payload_len;
	return 1;
}

struct gvw_remote *gvw_remote_open(struct gvw_worker *w, uint32_t id)
{
	const struct gvw_config *cfg = &w->cfg;
	char s_id[16], s_dev[16], s_fd[8] = "3", s_rfd[8] = "4", s_key[24];
	const char *executor = cfg->executor == GVW_EXEC_CUDA ? "cuda" : "cpu-reference";
	char *argv[] = { (char *)cfg->worker_path, (char *)"--fd", s_fd, (char *)"--session",
			 s_id, (char *)"--executor", (char *)executor,
			 (char *)"--cpu-reference-devices", s_dev, (char *)"--relay-fd", s_rfd,
			 (char *)"--relay-key", s_key, (char *)"--gpus",
			 (char *)(cfg->gpus ? cfg->gpus : ""), NULL };
	posix_spawn_file_actions_t fa;
	struct gvw_remote *r;
	int sv[2], rv[2], err;

	pthread_mutex_lock(&w->lock);
	if (w->nsessions >= cfg->max_sessions) {
		pthread_mutex_unlock(&w->lock);
		gvw_log(GVW_WARN, "session %u refused: %u sessions open (max-sessions)", id,
			w->nsessions);
		return NULL;
	}
	w->nsessions++;
	pthread_mutex_unlock(&w->lock);

	r = calloc(1, sizeof(*r));
	if (!r || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		free(r);
		goto undo;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rv)) {
		close(sv[0]);
		close(sv[1]);
		free(r);
		goto undo;
	}
	snprintf(s_id, sizeof(s_id), "%u", id);
	snprintf(s_dev, sizeof(s_dev), "%u", cfg->cpu_reference_devices);
	snprintf(s_key, sizeof(s_key), "%llx",
		 (unsigned long long)gvw_gate_key(id, w->gate_secret));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
	posix_spawn_file_actions_adddup2(&fa, rv[1], 4);
	err = posix_spawn(&r->pid, cfg->worker_path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	close(rv[1]);
	if (err) {
		gvw_log(GVW_ERROR, "session %u: cannot start %s: %s", id, cfg->worker_path,
			strerror(err));
		close(sv[0]);
		close(rv[0]);
		free(r);
		goto undo;
	}
	r->w = w;
	r->id = id;
	r->fd = sv[0];
	r->relay_fd = rv[0];
	r->have_relay = !pthread_create(&r->relay, NULL, relay_reader, r);
	registry_add(w, r);
	gvw_log(GVW_DEBUG, "session %u: worker process %d", id, (int)r->pid);
	return r;
undo:
	pthread_mutex_lock(&w->lock);
	w->nsessions--;
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void account(struct gvw_remote *r, uint64_t allocs, uint64_t bytes)
{
	struct gvw_worker *w = r->w;

	pthread_mutex_lock(&w->lock);
	w->total_allocs += allocs - r->allocs;
	w->total_bytes += bytes - r->bytes;
	pthread_mutex_unlock(&w->lock);
	r->allocs = allocs;
	r->bytes = bytes;
}

static int died(struct gvw_remote *r)
{
	int st = 0;

	if (!r->dead) {
		r->dead = 1;
		waitpid(r->pid, &st, 0);
		r->pid = 0;
		if (WIFSIGNALED(st))
			gvw_log(GVW_ERROR, "session %u: worker process died of signal %d",
				r->id, WTERMSIG(st));
		else
			gvw_log(GVW_ERROR, "session %u: worker process exited (%d)", r->id,
				WEXITSTATUS(st));
	}
	return -1;
}

int gvw_remote_exec(struct gvw_remote *r, const void *msg, size_t msg_len,
		    const struct gvw_bulk *bulk, unsigned int nbulk, void *resp,
		    size_t resp_cap, size_t *resp_len)
{
	struct gv_frame_req h = { .magic = GV_FRAME_MAGIC, .msg_len = (uint32_t)msg_len,
				  .nbulk = nbulk };
	struct gv_frame_bulk fb[GV_FRAME_MAX_BULK];
	struct gv_frame_reply rh;
	struct iovec v[3];
	unsigned int i, k;

	*resp_len = 0;
	if (local_gate_call(r->w, msg, msg_len, resp, resp_cap, resp_len))
		return 0;
	if (r->dead)
		return -1;
	if (msg_len > GV_FRAME_MAX_MSG || nbulk > GV_FRAME_MAX_BULK)
		return -1;
	pthread_mutex_lock(&r->w->lock);
	h.vm.sessions = r->w->nsessions;
	h.vm.total_allocs = r->w->total_allocs;
	h.vm.total_bytes = r->w->total_bytes;
	h.vm.sessions_closed = r->w->sessions_closed;
	h.vm.bytes_freed_at_close = r->w->bytes_freed_at_close;
	pthread_mutex_unlock(&r->w->lock);
	for (i = 0; i < nbulk; i++)
		fb[i] = (struct gv_frame_bulk){ bulk[i].len, bulk[i].dir, 0 };
	v[0] = (struct iovec){ &h, sizeof(h) };
	v[1] = (struct iovec){ fb, nbulk * sizeof(fb[0]) };
	v[2] = (struct iovec){ (void *)msg, msg_len };
	if (gvw_writev_full(r->fd, v, 3))
		return died(r);
	for (i = 0; i < nbulk; i++) {
		if (!GV_BULK_HOST_READS(bulk[i].dir))
			continue;
		for (k = 0; k < bulk[i].niov; k++)
			if (gvw_write_full(r->fd, bulk[i].iov[k].base, bulk[i].iov[k].len))
				return died(r);
	}
	if (gvw_read_full(r->fd, &rh, sizeof(rh)))
		return died(r);
	if (rh.magic != GV_FRAME_REPLY_MAGIC || rh.resp_len > resp_cap) {
		gvw_log(GVW_ERROR, "session %u: worker process sent a malformed reply", r->id);
		kill(r->pid, SIGKILL);
		return died(r);
	}
	if (gvw_read_full(r->fd, resp, rh.resp_len))
		return died(r);
	for (i = 0; i < nbulk; i++) {
		if (!GV_BULK_HOST_WRITES(bulk[i].dir))
			continue;
		for (k = 0; k < bulk[i].niov; k++)
			if (gvw_read_full(r->fd, bulk[i].iov[k].base, bulk[i].iov[k].len))
				return died(r);
	}
	account(r, rh.session_allocs, rh.session_bytes);
	*resp_len = rh.resp_len;
	return 0;
}

void gvw_remote_close(struct gvw_remote *r)
{
	struct gvw_worker *w = r->w;
	int st;

	/* EOF ends the worker's loop; it frees everything and exits. */
	registry_remove(w, r);
	gvw_gate_release_all(w, r->id);
	close(r->fd);
	shutdown(r->relay_fd, SHUT_RDWR);
	if (r->have_relay)
		pthread_join(r->relay, NULL);
	close(r->relay_fd);
	if (r->pid)
		waitpid(r->pid, &st, 0);
	pthread_mutex_lock(&w->lock);
	w->nsessions--;
	w->total_allocs -= r->allocs;
	w->total_bytes -= r->bytes;
	w->sessions_closed++;
	w->bytes_freed_at_close += r->bytes;
	pthread_mutex_unlock(&w->lock);
	gvw_log(GVW_INFO, "session %u closed: its worker process freed %llu allocation(s), "
		"%llu bytes", r->id, (unsigned long long)r->allocs,
		(unsigned long long)r->bytes);
	free(r);
}
