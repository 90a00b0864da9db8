/* SPDX-License-Identifier: MIT */
/*
 * Sessions in worker processes, seen from the parent (QEMU): each guest
 * process's calls go over a socketpair to a gvirtus-worker process of its
 * own.  The parent keeps the VM-wide accounting from what the workers
 * report with each reply, and learns of a worker's death from its socket.
 *
 * Workers are disposable: a wait on one also watches the client it
 * serves (gvw_remote_set_watch_fd) and gvw_remote_abort kills it from any
 * thread, so a call that never returns (a synchronize behind a host
 * function nobody releases, a kernel that never ends) holds nothing once
 * its client or its device is gone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* environ, POLLRDHUP */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "frame.h"
#include "frame_client.h"
#include "guest_ram.h"
#include "handlers.h"
#include "log.h"
#include "worker_internal.h"

struct gvw_remote {
	struct gvw_worker *w;
	uint32_t id;
	int fd;
	int relay_fd; /* host-function gates, both ways */
	pthread_t relay;
	int have_relay;
	uint64_t allocs, bytes;
	int dead;
	int watch_fd;	      /* the client's socket, or -1 */
	pthread_mutex_t lock; /* guards pid against gvw_remote_abort */
	pid_t pid;	      /* 0 once reaped: never signalled after that */
	int aborted;
	uint64_t guest_ram_gen; /* of the guest RAM its worker maps; 0: none */
	/* Handed a TCP client (gvw_remote_open_client): what it reports. */
	struct gvw_shared_stats *shared;
};

/*
 * A handed-off session's holdings, from the page its worker updates, into
 * the VM-wide totals; under w->lock (registered remotes stay alive).
 */
static void refresh_locked(struct gvw_remote *r)
{
	uint64_t a = __atomic_load_n(&r->shared->allocs, __ATOMIC_RELAXED);
	uint64_t b = __atomic_load_n(&r->shared->bytes, __ATOMIC_RELAXED);

	r->w->total_allocs += a - r->allocs;
	r->w->total_bytes += b - r->bytes;
	__atomic_store_n(&r->allocs, a, __ATOMIC_RELAXED);
	__atomic_store_n(&r->bytes, b, __ATOMIC_RELAXED);
}

/*
 * A worker serving its TCP client itself asks for the VM-wide figures of
 * its STATS op, which a relayed frame carries in its header: the
 * holdings of every handed-off session are read from their pages first.
 */
static void answer_vm_stats(struct gvw_remote *r)
{
	struct gvw_worker *w = r->w;
	struct gv_relay_msg m = {GV_RELAY_VM_STATS, 0, 0};
	struct gv_frame_vm_stats v;
	unsigned int i;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nremotes; i++)
		if (w->remotes[i]->shared)
			refresh_locked(w->remotes[i]);
	v = (struct gv_frame_vm_stats){.sessions = w->nsessions,
				       .total_allocs = w->total_allocs,
				       .total_bytes = w->total_bytes,
				       .sessions_closed = w->sessions_closed,
				       .bytes_freed_at_close = w->bytes_freed_at_close};
	m.reserved = sizeof(v);
	/* Under the lock, as relay_release: one message at a time on the relay. */
	if (gvw_write_full(r->relay_fd, &m, sizeof(m)) == 0)
		gvw_write_full(r->relay_fd, &v, sizeof(v));
	pthread_mutex_unlock(&w->lock);
}

static int local_gate_call(struct gvw_worker *w, const void *msg, size_t msg_len, void *resp,
			   size_t resp_cap, size_t *resp_len);

/* A callback session's gate call, from the worker that serves its client. */
static int answer_gate_call(struct gvw_remote *r, uint32_t len)
{
	unsigned char msg[GV_RELAY_MAX_PAYLOAD], resp[GV_RELAY_MAX_PAYLOAD];
	struct gv_relay_msg m = {GV_RELAY_GATE_ANSWER, 0, 0};
	size_t resp_len = 0;

	if (len > sizeof(msg) || gvw_read_full(r->relay_fd, msg, len))
		return -1;
	/* Not a gate call after all: an empty answer, which the worker refuses. */
	if (!local_gate_call(r->w, msg, len, resp, sizeof(resp), &resp_len))
		resp_len = 0;
	m.reserved = (uint32_t)resp_len;
	pthread_mutex_lock(&r->w->lock);
	if (gvw_write_full(r->relay_fd, &m, sizeof(m)) == 0 && resp_len)
		gvw_write_full(r->relay_fd, resp, resp_len);
	pthread_mutex_unlock(&r->w->lock);
	return 0;
}

/*
 * A worker's IPC_PUT or IPC_GET, answered from the table of every session
 * here; the session is the one this worker serves, whatever it says.
 */
static int answer_ipc(struct gvw_remote *r, uint32_t type, uint32_t len)
{
	struct gv_relay_msg m = {GV_RELAY_IPC_ANSWER, 0, 0};
	struct gv_relay_ipc io;

	if (len != sizeof(io) || gvw_read_full(r->relay_fd, &io, sizeof(io)))
		return -1;
	if (gvw_ipc_registry_answer(&r->w->ipc, r->id, type, &io) == 0)
		m.reserved = sizeof(io);
	pthread_mutex_lock(&r->w->lock);
	if (gvw_write_full(r->relay_fd, &m, sizeof(m)) == 0 && m.reserved)
		gvw_write_full(r->relay_fd, &io, sizeof(io));
	pthread_mutex_unlock(&r->w->lock);
	return 0;
}

/* Gates the worker process reached: mirrored here for the callback session. */
static void *relay_reader(void *arg)
{
	struct gvw_remote *r = arg;
	struct gv_relay_msg m;

	while (gvw_read_full(r->relay_fd, &m, sizeof(m)) == 0) {
		if (m.type == GV_RELAY_REACHED) {
			struct gv_relay_gate_fn f = {0};

			if (m.reserved &&
			    (m.reserved != sizeof(f) || gvw_read_full(r->relay_fd, &f, sizeof(f))))
				break; /* not what a worker process sends */
			gvw_gate_mirror(r->w, r->id, m.token, f.fn, f.data);
		} else if (m.type == GV_RELAY_VM_STATS_ASK && r->shared)
			answer_vm_stats(r);
		else if (m.type == GV_RELAY_GATE_CALL && r->shared &&
			 answer_gate_call(r, m.reserved))
			break;
		else if ((m.type == GV_RELAY_IPC_PUT || m.type == GV_RELAY_IPC_GET) &&
			 answer_ipc(r, m.type, m.reserved))
			break;
	}
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
	struct gv_relay_msg m = {GV_RELAY_RELEASE, 0, token};
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
static int local_gate_call(struct gvw_worker *w, const void *msg, size_t msg_len, void *resp,
			   size_t resp_cap, size_t *resp_len)
{
	struct gv_msg_hdr m;
	struct gv_resp_hdr h = {.magic = GV_RESP_MAGIC, .version = GV_PROTOCOL_VERSION};
	union {
		struct gv_gate_wait_req wait;
		struct gv_gate_release_req release;
	} q;
	struct gv_gate_wait_resp out = {0};
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
		if (gvw_gate_key_ok(w->gate_secret, q.wait.owner, q.wait.key) &&
		    q.wait.timeout_ms <= 1000) {
			uint64_t fn, data;

			out.token = gvw_gate_wait(w, q.wait.owner, q.wait.timeout_ms, &fn, &data);
			out.fn = fn;
			out.data = data;
			h.result = cudaSuccess;
		}
	} else if (m.op == GV_OP_HOST_FUNC_RELEASE && m.payload_len == sizeof(q.release) &&
		   msg_len == sizeof(m) + sizeof(q.release)) {
		memcpy(&q.release, (const char *)msg + sizeof(m), sizeof(q.release));
		if (!gvw_gate_key_ok(w->gate_secret, q.release.owner, q.release.key)) {
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

int gvw_remote_gate_call(struct gvw_worker *w, const void *msg, size_t msg_len, void *resp,
			 size_t resp_cap, size_t *resp_len)
{
	*resp_len = 0;
	return local_gate_call(w, msg, msg_len, resp, resp_cap, resp_len);
}

void gvw_worker_set_guest_ram(struct gvw_worker *w, const struct gvw_guest_ram *g)
{
	struct gvw_guest_ram *copy = NULL;
	uint64_t bytes = 0;
	unsigned int i;

	if (g && g->n) {
		copy = malloc(sizeof(*copy));
		if (copy)
			*copy = *g;
		for (i = 0; i < g->n; i++)
			bytes += g->r[i].len;
	}
	if (copy)
		gvw_log(GVW_INFO,
			"guest RAM shared with new workers: %u range(s), %llu MiB; "
			"bulk data is read and written in place",
			copy->n, (unsigned long long)(bytes >> 20));
	pthread_mutex_lock(&w->lock);
	free(w->guest_ram);
	w->guest_ram = copy;
	w->guest_ram_gen++;
	pthread_mutex_unlock(&w->lock);
}

int gvw_remote_shares_ram(struct gvw_remote *r)
{
	int yes;

	pthread_mutex_lock(&r->w->lock);
	yes = r->guest_ram_gen && r->guest_ram_gen == r->w->guest_ram_gen;
	pthread_mutex_unlock(&r->w->lock);
	return yes;
}

/*
 * The guest RAM a new worker gets: its --guest-ram spec (*spec, malloced)
 * and descriptors, dup'ed first above any number the spawn's dup2s write
 * (tmp[], closed by the caller after the spawn) and then to their
 * numbers from GVW_GUEST_RAM_FIRST_FD on.  Returns how many descriptors
 * (0: none shared, *spec untouched), or -1 (logged; none shared).
 */
static int share_guest_ram(struct gvw_worker *w, posix_spawn_file_actions_t *fa, char **spec,
			   int fds[GVW_GUEST_RAM_MAX_RANGES], int tmp[GVW_GUEST_RAM_MAX_RANGES],
			   uint64_t *gen)
{
	size_t len = GVW_GUEST_RAM_MAX_RANGES * 72;
	char *s;
	int n = 0, k;

	pthread_mutex_lock(&w->lock);
	*gen = w->guest_ram_gen;
	if (!w->guest_ram) {
		pthread_mutex_unlock(&w->lock);
		return 0;
	}
	s = malloc(len);
	if (s)
		n = gvw_guest_ram_spec(w->guest_ram, s, len, fds);
	for (k = 0; s && k < n; k++) {
		tmp[k] = fcntl(fds[k], F_DUPFD_CLOEXEC, 64);
		if (tmp[k] < 0)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	if (!s || n <= 0 || k < n) {
		gvw_log(GVW_WARN, "guest RAM not shared with a new worker: %s",
			!s	 ? "out of memory"
			: n <= 0 ? "layout too large"
				 : strerror(errno));
		while (k-- > 0)
			close(tmp[k]);
		free(s);
		return -1;
	}
	for (k = 0; k < n; k++)
		posix_spawn_file_actions_adddup2(fa, tmp[k], GVW_GUEST_RAM_FIRST_FD + k);
	*spec = s;
	return n;
}

/*
 * What a worker that serves its TCP client itself is given: the client's
 * socket as fd 5, the backend's timeouts, and a page (a memfd, fd 6) for
 * what it reports.
 */
struct handoff {
	int client_fd;
	unsigned int io_ms, idle_s;
	int stats_fd;
	char s_timeouts[32];
};

static struct gvw_remote *open_remote(struct gvw_worker *w, uint32_t id, struct handoff *h);

/* A QEMU session's worker finds its figures' page here (guest RAM's fds start at 5). */
#define GVW_STATS_FD	 (GVW_GUEST_RAM_FIRST_FD + GVW_GUEST_RAM_MAX_RANGES)
#define GVW_STATS_FD_STR "21"
_Static_assert(GVW_STATS_FD == 21, "GVW_STATS_FD_STR names GVW_STATS_FD");

/* A memfd for a worker's figures (struct gvw_shared_stats), above any fd a spawn writes. */
static int stats_memfd(void)
{
	int fd = memfd_create("gvirtus-session-stats", MFD_CLOEXEC);

	if (fd >= 0 && fd < 64) {
		int hi = fcntl(fd, F_DUPFD_CLOEXEC, 64);

		close(fd);
		fd = hi;
	}
	return fd;
}

/*
 * QEMU's sessions: the worker publishes its figures on a page too, as the
 * session mailbox's calls never pass through QEMU (query-gvirtus reads
 * them there).  Without the page the session still runs.
 */
struct gvw_remote *gvw_remote_open(struct gvw_worker *w, uint32_t id)
{
	struct handoff h = {.client_fd = -1};
	struct gvw_shared_stats *page = MAP_FAILED;
	struct gvw_remote *r;

	h.stats_fd = stats_memfd();
	if (h.stats_fd >= 0 && !ftruncate(h.stats_fd, sizeof(*page)))
		page = mmap(NULL, sizeof(*page), PROT_READ, MAP_SHARED, h.stats_fd, 0);
	if (page == MAP_FAILED && h.stats_fd >= 0) {
		close(h.stats_fd);
		h.stats_fd = -1;
	}
	r = open_remote(w, id, &h);
	if (h.stats_fd >= 0)
		close(h.stats_fd);
	if (!r || page == MAP_FAILED) {
		if (page != MAP_FAILED)
			munmap(page, sizeof(*page));
		return r;
	}
	r->shared = page;
	return r;
}

struct gvw_remote *gvw_remote_open_client(struct gvw_worker *w, uint32_t id, int client_fd,
					  unsigned int io_ms, unsigned int idle_s)
{
	struct handoff h = {.client_fd = client_fd, .io_ms = io_ms, .idle_s = idle_s};
	struct gvw_shared_stats *page;
	struct gvw_remote *r;

	/* Above any number the spawn's dup2s write, so that none clobbers another. */
	h.client_fd = fcntl(client_fd, F_DUPFD_CLOEXEC, 64);
	h.stats_fd = stats_memfd();
	if (h.client_fd < 0 || h.stats_fd < 0 || ftruncate(h.stats_fd, sizeof(*page)) ||
	    (page = mmap(NULL, sizeof(*page), PROT_READ, MAP_SHARED, h.stats_fd, 0)) ==
		MAP_FAILED) {
		gvw_log(GVW_ERROR, "session %u: no page for its worker's figures: %s", id,
			strerror(errno));
		if (h.stats_fd >= 0)
			close(h.stats_fd);
		if (h.client_fd >= 0)
			close(h.client_fd);
		return NULL;
	}
	snprintf(h.s_timeouts, sizeof(h.s_timeouts), "%u,%u", io_ms, idle_s);
	r = open_remote(w, id, &h);
	close(h.stats_fd);
	close(h.client_fd);
	if (!r) {
		munmap(page, sizeof(*page));
		return NULL;
	}
	r->shared = page;
	return r;
}

static struct gvw_remote *open_remote(struct gvw_worker *w, uint32_t id, struct handoff *h)
{
	const struct gvw_config *cfg = &w->cfg;
	const struct gvw_limits *l = &cfg->limits;
	char s_id[16], s_dev[16], s_fd[8] = "3", s_rfd[8] = "4", s_parent[16];
	char s_limits[112], s_apis[16];
	static char no_ram[] = "";
	char *s_ram = no_ram;
	int ram_fds[GVW_GUEST_RAM_MAX_RANGES], ram_tmp[GVW_GUEST_RAM_MAX_RANGES];
	int nram = 0, k;
	uint64_t ram_gen = 0;
	const char *executor = cfg->executor == GVW_EXEC_CUDA ? "cuda" : "cpu-reference";
	char *argv[] = {(char *)cfg->worker_path,
			(char *)"--fd",
			s_fd,
			(char *)"--session",
			s_id,
			(char *)"--executor",
			(char *)executor,
			(char *)"--cpu-reference-devices",
			s_dev,
			(char *)"--relay-fd",
			s_rfd,
			(char *)"--parent",
			s_parent,
			(char *)"--limits",
			s_limits,
			(char *)"--apis",
			s_apis,
			(char *)"--gpus",
			(char *)(cfg->gpus ? cfg->gpus : ""),
			NULL, /* --guest-ram, or the handoff's options */
			NULL,
			NULL,
			NULL,
			NULL,
			NULL,
			NULL,
			NULL};
	int more = 0; /* the index of the first of those */
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	struct gvw_remote *r;
	int sv[2], rv[2], err;
	uint64_t key;

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
	snprintf(s_parent, sizeof(s_parent), "%d", (int)getpid());
	snprintf(s_apis, sizeof(s_apis), "%u", cfg->apis);
	snprintf(s_limits, sizeof(s_limits), "%u,%u,%llu,%llu,%llu,%u", l->max_handles,
		 l->max_gates, (unsigned long long)l->max_module_bytes,
		 (unsigned long long)l->max_device_bytes, (unsigned long long)l->max_host_bytes,
		 l->max_library_objects);
	/*
	 * The session's gate key goes first on the relay socket, never in
	 * argv: /proc/PID/cmdline is readable by every local user.
	 */
	key = gvw_gate_key(w->gate_secret, id);
	if (gvw_write_full(rv[0], &key, sizeof(key))) {
		close(sv[0]);
		close(sv[1]);
		close(rv[0]);
		close(rv[1]);
		free(r);
		goto undo;
	}
	while (argv[more])
		more++;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
	posix_spawn_file_actions_adddup2(&fa, rv[1], 4);
	if (h && h->client_fd >= 0) {
		/* A TCP client's worker: never guest RAM (the fds would meet). */
		posix_spawn_file_actions_adddup2(&fa, h->client_fd, 5);
		posix_spawn_file_actions_adddup2(&fa, h->stats_fd, 6);
		argv[more] = (char *)"--client-fd";
		argv[more + 1] = (char *)"5";
		argv[more + 2] = (char *)"--client-timeouts";
		argv[more + 3] = h->s_timeouts;
		argv[more + 4] = (char *)"--stats-fd";
		argv[more + 5] = (char *)"6";
	} else {
		nram = share_guest_ram(w, &fa, &s_ram, ram_fds, ram_tmp, &ram_gen);
		if (nram >= 0 && s_ram != no_ram) {
			argv[more] = (char *)"--guest-ram";
			argv[more + 1] = s_ram;
			if (cfg->register_guest_ram)
				argv[more + 2] = (char *)"--register-guest-ram";
		}
		/* Past every guest-RAM descriptor's number. */
		if (h && h->stats_fd >= 0) {
			while (argv[more])
				more++;
			posix_spawn_file_actions_adddup2(&fa, h->stats_fd, GVW_STATS_FD);
			argv[more] = (char *)"--stats-fd";
			argv[more + 1] = (char *)GVW_STATS_FD_STR;
		}
	}
	/*
	 * The spawning thread may be a vCPU thread of QEMU with signals
	 * blocked: the worker starts with none blocked and SIGTERM/SIGINT at
	 * their defaults, whoever spawned it.
	 */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(&r->pid, cfg->worker_path, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	for (k = 0; k < nram; k++)
		close(ram_tmp[k]);
	if (s_ram != no_ram)
		free(s_ram);
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
	r->guest_ram_gen = nram > 0 ? ram_gen : 0;
	r->fd = sv[0];
	r->relay_fd = rv[0];
	r->watch_fd = -1;
	pthread_mutex_init(&r->lock, NULL);
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

void gvw_remote_set_watch_fd(struct gvw_remote *r, int fd)
{
	r->watch_fd = fd;
}

void gvw_remote_abort(struct gvw_remote *r)
{
	pthread_mutex_lock(&r->lock);
	if (!r->aborted) {
		r->aborted = 1;
		if (r->pid > 0)
			kill(r->pid, SIGKILL);
		/* Even a worker that SIGKILL cannot end yet (stuck in the driver) lets go. */
		shutdown(r->fd, SHUT_RDWR);
		shutdown(r->relay_fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&r->lock);
}

static void *reap_later(void *arg)
{
	waitpid((pid_t)(intptr_t)arg, NULL, 0);
	return NULL;
}

/*
 * Reaps the worker process, waiting at most grace_ms for it to exit on
 * its own before killing it.  One that even SIGKILL does not end within a
 * few seconds (an uninterruptible wait in the GPU driver) is left to a
 * detached thread: no caller ever waits on a worker without a bound.
 * Returns the wait status, or -1 when it was handed off.
 */
static int reap(struct gvw_remote *r, int grace_ms)
{
	int killed = 0, waited = 0, step = 1, st = -1;
	siginfo_t si;
	pthread_t t;
	pthread_attr_t a;

	for (;;) {
		memset(&si, 0, sizeof(si));
		/* WNOWAIT: the pid stays ours (a zombie) until reaped under the lock. */
		if (waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOHANG | WNOWAIT) ||
		    si.si_pid == r->pid)
			break;
		if (waited >= grace_ms) {
			if (killed) {
				gvw_log(GVW_ERROR,
					"session %u: worker process %d does not die; "
					"left to a reaper thread",
					r->id, (int)r->pid);
				pthread_attr_init(&a);
				pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
				if (pthread_create(&t, &a, reap_later, (void *)(intptr_t)r->pid))
					gvw_log(GVW_ERROR, "session %u: no reaper thread", r->id);
				pthread_attr_destroy(&a);
				pthread_mutex_lock(&r->lock);
				r->pid = 0;
				pthread_mutex_unlock(&r->lock);
				return -1;
			}
			kill(r->pid, SIGKILL);
			killed = 1;
			waited = 0;
			grace_ms = 3000;
		}
		usleep((useconds_t)step * 1000);
		waited += step;
		step = step < 16 ? step * 2 : step;
	}
	pthread_mutex_lock(&r->lock);
	waitpid(r->pid, &st, 0);
	r->pid = 0;
	pthread_mutex_unlock(&r->lock);
	return st;
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
	int st;

	if (!r->dead) {
		r->dead = 1;
		/* Its socket broke: it is dying, or it is of no use any more. */
		st = r->pid ? reap(r, 1000) : -1;
		if (r->aborted)
			gvw_log(GVW_INFO,
				"session %u: worker process killed (its client or "
				"device went away)",
				r->id);
		else if (st != -1 && WIFSIGNALED(st))
			gvw_log(GVW_ERROR, "session %u: worker process died of signal %d", r->id,
				WTERMSIG(st));
		else if (st != -1)
			gvw_log(GVW_ERROR, "session %u: worker process exited (%d)", r->id,
				WEXITSTATUS(st));
	}
	return -1;
}

/*
 * Waits until the worker's socket is ready for events, watching the
 * client too: a client that hangs up (or is cut off) while its call runs
 * gets its worker killed, since nobody is left for the answer.  POLLRDHUP
 * without POLLIN: the client's next frame, if it pipelines, is not
 * mistaken for a hang-up and not consumed.  0: ready; -1: gone.
 */
static int wait_worker(struct gvw_remote *r, short events)
{
	struct pollfd p[2] = {{.fd = r->fd, .events = events},
			      {.fd = r->watch_fd, .events = POLLRDHUP}};
	int n;

	for (;;) {
		n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (p[1].revents) {
			gvw_log(GVW_WARN,
				"session %u: the client hung up during a call; "
				"killing its worker process",
				r->id);
			gvw_remote_abort(r);
			return -1;
		}
		if (p[0].revents)
			return 0;
	}
}

static int from_worker(struct gvw_remote *r, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	if (r->watch_fd < 0)
		return gvw_read_full(r->fd, buf, len); /* gvw_remote_abort ends it */
	while (len) {
		if (wait_worker(r, POLLIN))
			return -1;
		n = recv(r->fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int to_worker(struct gvw_remote *r, struct iovec *iov, int niov)
{
	struct msghdr m = {0};
	ssize_t n;

	if (r->watch_fd < 0)
		return gvw_writev_full(r->fd, iov, niov);
	while (niov > 0) {
		if (!iov->iov_len) {
			iov++;
			niov--;
			continue;
		}
		if (wait_worker(r, POLLOUT))
			return -1;
		m.msg_iov = iov;
		m.msg_iovlen = (size_t)niov;
		n = sendmsg(r->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		gvw_iov_advance(&iov, &niov, (size_t)n);
	}
	return 0;
}

static int io_writev(void *ctx, struct iovec *iov, int n)
{
	return to_worker(ctx, iov, n);
}

static int io_read(void *ctx, void *buf, size_t len)
{
	return from_worker(ctx, buf, len);
}

static struct gv_frame_buf frame_buf(const struct gvw_bulk *b)
{
	return (struct gv_frame_buf){b->iov,   b->niov,	  b->len,	 b->dir,
				     b->pages, b->npages, b->page_offset};
}

/*
 * What a frame to the worker came to (e, gv_frame_call's): 0, its reply
 * taken into the session's holdings; 1 when a page was not guest RAM
 * (nothing ran); -1 when the worker is gone or broke the protocol.
 */
static int call_done(struct gvw_remote *r, int e, const struct gv_frame_reply *rh)
{
	if (e == GV_FRAME_EPROTO) {
		gvw_log(GVW_ERROR, "session %u: worker process sent a malformed reply", r->id);
		gvw_remote_abort(r);
	}
	if (e && e != GV_FRAME_EFAULT)
		return died(r);
	account(r, rh->session_allocs, rh->session_bytes);
	return e ? 1 : 0;
}

int gvw_remote_exec(struct gvw_remote *r, const void *msg, size_t msg_len,
		    const struct gvw_bulk *bulk, unsigned int nbulk, void *resp, size_t resp_cap,
		    size_t *resp_len)
{
	const struct gv_frame_io io = {io_writev, io_read, r};
	struct gv_frame_req h = {
	    .magic = GV_FRAME_MAGIC, .msg_len = (uint32_t)msg_len, .nbulk = nbulk};
	struct gv_frame_buf fb[GV_FRAME_MAX_BULK];
	struct gv_frame_reply rh;
	unsigned int i;
	int e;

	*resp_len = 0;
	if (local_gate_call(r->w, msg, msg_len, resp, resp_cap, resp_len))
		return 0;
	if (r->dead || r->aborted)
		return -1;
	if (msg_len > GV_FRAME_MAX_MSG || nbulk > GV_FRAME_MAX_BULK)
		return -1;
	/*
	 * The worker answers GV_ERESP itself when a response would not fit.
	 * No room at all is sent as 1 byte (0 on the wire means the most).
	 */
	h.resp_cap = resp_cap < GV_FRAME_MAX_MSG ? (uint32_t)resp_cap : GV_FRAME_MAX_MSG;
	h.resp_cap += !h.resp_cap;
	pthread_mutex_lock(&r->w->lock);
	h.vm.sessions = r->w->nsessions;
	h.vm.total_allocs = r->w->total_allocs;
	h.vm.total_bytes = r->w->total_bytes;
	h.vm.sessions_closed = r->w->sessions_closed;
	h.vm.bytes_freed_at_close = r->w->bytes_freed_at_close;
	pthread_mutex_unlock(&r->w->lock);
	for (i = 0; i < nbulk; i++)
		fb[i] = frame_buf(&bulk[i]);
	e = call_done(r, gv_frame_call(&io, &h, msg, fb, resp, resp_cap, &rh), &rh);
	if (!e)
		*resp_len = rh.resp_len;
	return e;
}

int gvw_remote_mbox(struct gvw_remote *r, uint32_t op, uint32_t seq, const struct gvw_bulk *box,
		    uint32_t *state)
{
	const struct gv_frame_io io = {io_writev, io_read, r};
	struct gv_frame_mbox m = {.op = op, .seq = seq};
	struct gv_frame_req h = {.magic = GV_FRAME_MBOX_MAGIC,
				 .msg_len = sizeof(m),
				 .nbulk = box ? 1 : 0,
				 .resp_cap = sizeof(*state)};
	struct gv_frame_buf fb;
	struct gv_frame_reply rh;
	int e;

	if (r->dead || r->aborted)
		return -1;
	if (box)
		fb = frame_buf(box);
	*state = GV_FRAME_MBOX_REFUSED;
	e = gv_frame_call(&io, &h, &m, box ? &fb : NULL, state, sizeof(*state), &rh);
	if (!e && rh.resp_len != sizeof(*state))
		e = GV_FRAME_EPROTO;
	return call_done(r, e, &rh);
}

void gvw_remote_close(struct gvw_remote *r)
{
	struct gvw_worker *w = r->w;

	/* EOF ends the worker's loop; it frees everything and exits. */
	if (r->shared) {
		pthread_mutex_lock(&w->lock);
		refresh_locked(r);
		pthread_mutex_unlock(&w->lock);
	}
	registry_remove(w, r);
	gvw_gate_release_all(w, r->id);
	shutdown(r->fd, SHUT_RDWR);
	shutdown(r->relay_fd, SHUT_RDWR);
	if (r->have_relay)
		pthread_join(r->relay, NULL);
	/* Its IPC handles open nowhere else from now on. */
	gvw_ipc_registry_drop(&w->ipc, r->id);
	if (r->pid)
		reap(r, 5000);
	close(r->fd);
	close(r->relay_fd);
	if (r->shared)
		munmap(r->shared, sizeof(*r->shared));
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_lock(&w->lock);
	w->nsessions--;
	w->total_allocs -= r->allocs;
	w->total_bytes -= r->bytes;
	w->sessions_closed++;
	w->bytes_freed_at_close += r->bytes;
	pthread_mutex_unlock(&w->lock);
	gvw_log(GVW_INFO,
		"session %u closed: its worker process freed %llu allocation(s), "
		"%llu bytes",
		r->id, (unsigned long long)r->allocs, (unsigned long long)r->bytes);
	free(r);
}

void gvw_remote_held(struct gvw_remote *r, struct gvw_held *out)
{
	pthread_mutex_lock(&r->lock);
	out->worker_pid = r->pid;
	pthread_mutex_unlock(&r->lock);
	/* The session's thread updates these after each call: one call old at most. */
	out->allocs = __atomic_load_n(&r->allocs, __ATOMIC_RELAXED);
	out->device_bytes = __atomic_load_n(&r->bytes, __ATOMIC_RELAXED);
	if (r->shared) {
		out->allocs = __atomic_load_n(&r->shared->allocs, __ATOMIC_RELAXED);
		out->device_bytes = __atomic_load_n(&r->shared->bytes, __ATOMIC_RELAXED);
	}
}

int gvw_remote_activity(struct gvw_remote *r, struct gvw_activity *out)
{
	if (!r->shared)
		return -1;
	out->guest_pid = __atomic_load_n(&r->shared->act.guest_pid, __ATOMIC_RELAXED);
	out->last_error = __atomic_load_n(&r->shared->act.last_error, __ATOMIC_RELAXED);
	out->requests = __atomic_load_n(&r->shared->act.requests, __ATOMIC_RELAXED);
	out->calls = __atomic_load_n(&r->shared->act.calls, __ATOMIC_RELAXED);
	out->bytes_moved = __atomic_load_n(&r->shared->act.bytes_moved, __ATOMIC_RELAXED);
	return 0;
}

int gvw_remote_wait_end(struct gvw_remote *r)
{
	struct pollfd p[2] = {{.fd = r->fd, .events = POLLIN | POLLRDHUP},
			      {.fd = r->watch_fd, .events = POLLRDHUP}};
	int n;

	for (;;) {
		n = poll(p, r->watch_fd >= 0 ? 2 : 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (p[0].revents)
			return 0; /* the worker ended the session */
		if (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			/* It sees the EOF itself unless a call never returns. */
			do
				n = poll(p, 1, 2000);
			while (n < 0 && errno == EINTR);
			if (n > 0)
				return 0;
			gvw_log(GVW_WARN,
				"session %u: the client hung up during a call; "
				"killing its worker process",
				r->id);
			break;
		}
	}
	gvw_remote_abort(r);
	return -1;
}
