/* SPDX-License-Identifier: MIT */
/*
 * One session served over a byte stream (frame.h): the loop of a worker
 * process, which QEMU starts per guest process and gvirtus-backend per
 * client.  Each session in its own process keeps one guest process's
 * sticky GPU fault (or crash) from reaching any other: the driver
 * isolates processes, not the contexts of one process.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdio.h"
#include "frame_io.h"
#include "log.h"
#include "mailbox.h"
#include "mbox_serve.h"
#include "msg_scan.h"
#include "ram_pin.h"
#include "worker_internal.h"

/*
 * What the parent answers a worker that serves its TCP client itself
 * (frame.h, GV_RELAY_VM_STATS and GV_RELAY_GATE_ANSWER): one question at a
 * time, from the session's thread; the relay reader files the answer.
 */
static pthread_mutex_t ans_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ans_cond = PTHREAD_COND_INITIALIZER;
static unsigned char ans_buf[GV_RELAY_MAX_PAYLOAD];
static uint32_t ans_type, ans_len;
static uint64_t answers;

/* Releases from the parent, for gates this process's streams wait at. */
static void *relay_reader(void *arg)
{
	struct gvw_worker *w = arg;
	struct gv_relay_msg m;
	unsigned char buf[GV_RELAY_MAX_PAYLOAD];

	while (gvw_read_full(w->relay_fd, &m, sizeof(m)) == 0) {
		if (m.type == GV_RELAY_RELEASE) {
			gvw_gate_release_token(w, m.token);
			continue;
		}
		if (m.type != GV_RELAY_VM_STATS && m.type != GV_RELAY_GATE_ANSWER &&
		    m.type != GV_RELAY_IPC_ANSWER)
			continue;
		if (m.reserved > sizeof(buf) || gvw_read_full(w->relay_fd, buf, m.reserved))
			break;
		pthread_mutex_lock(&ans_lock);
		memcpy(ans_buf, buf, m.reserved);
		ans_type = m.type;
		ans_len = m.reserved;
		answers++;
		pthread_cond_broadcast(&ans_cond);
		pthread_mutex_unlock(&ans_lock);
	}
	pthread_mutex_lock(&ans_lock);
	answers = UINT64_MAX; /* the parent is gone: nobody waits */
	pthread_cond_broadcast(&ans_cond);
	pthread_mutex_unlock(&ans_lock);
	return NULL;
}

/* Asks the parent (type, payload) and waits: the answer's length, or -1. */
static int ask_parent(struct gvw_worker *w, uint32_t type, const void *q, uint32_t q_len,
		      uint32_t want_type, void *out, size_t out_cap)
{
	struct gv_relay_msg m = {type, q_len, 0};
	uint64_t before;
	int n = -1;

	pthread_mutex_lock(&ans_lock);
	before = answers;
	pthread_mutex_unlock(&ans_lock);
	if (w->relay_fd < 0 || gvw_write_full(w->relay_fd, &m, sizeof(m)) ||
	    (q_len && gvw_write_full(w->relay_fd, q, q_len)))
		return -1;
	pthread_mutex_lock(&ans_lock);
	while (answers == before)
		pthread_cond_wait(&ans_cond, &ans_lock);
	if (answers != UINT64_MAX && ans_type == want_type && ans_len <= out_cap) {
		memcpy(out, ans_buf, ans_len);
		n = (int)ans_len;
	}
	pthread_mutex_unlock(&ans_lock);
	return n;
}

int gvw_ipc_ask(struct gvw_session *s, uint32_t type, struct gv_relay_ipc *io)
{
	struct gvw_worker *w = s->w;

	/* Sessions run here: this process sees them all. */
	if (w->relay_fd < 0)
		return gvw_ipc_registry_answer(&w->ipc, s->id, type, io);
	return ask_parent(w, type, io, sizeof(*io), GV_RELAY_IPC_ANSWER, io, sizeof(*io)) ==
		       (int)sizeof(*io)
		   ? 0
		   : -1;
}

/* The parent's VM-wide figures now, for a STATS op; 0, or -1 if none came. */
static int ask_vm_stats(struct gvw_worker *w, struct gv_frame_vm_stats *out)
{
	return ask_parent(w, GV_RELAY_VM_STATS_ASK, NULL, 0, GV_RELAY_VM_STATS, out,
			  sizeof(*out)) == (int)sizeof(*out)
		   ? 0
		   : -1;
}

/*
 * A callback session's WAIT or RELEASE (one message, as
 * guest-lib/stream.c sends them): answered by the parent's mirrors, as
 * for a relayed frame.  1 when msg was one (*resp_len set), else 0.
 */
static int gate_call(struct gvw_worker *w, const unsigned char *msg, size_t len, void *resp,
		     size_t cap, size_t *resp_len)
{
	struct gv_msg_hdr h;
	int n;

	if (len < sizeof(h) || len > GV_RELAY_MAX_PAYLOAD)
		return 0;
	memcpy(&h, msg, sizeof(h));
	if (h.op != GV_OP_HOST_FUNC_WAIT && h.op != GV_OP_HOST_FUNC_RELEASE)
		return 0;
	n = ask_parent(w, GV_RELAY_GATE_CALL, msg, (uint32_t)len, GV_RELAY_GATE_ANSWER, resp, cap);
	if (n <= 0)
		return 0; /* the session's own handler answers it (refused) */
	*resp_len = (size_t)n;
	return 1;
}

/* The guest's own allocations; a module's globals go with the module. */
static void held(const struct gvw_session *s, uint64_t *allocs, uint64_t *bytes)
{
	unsigned int i;

	*allocs = *bytes = 0;
	for (i = 0; i < s->allocs.n; i++) {
		if (!s->allocs.v[i].symbol && !s->allocs.v[i].ipc) {
			(*allocs)++;
			*bytes += s->allocs.v[i].size;
		}
	}
}

/* The figures of the page a TCP client's worker shares with the backend. */
static void publish(struct gvw_shared_stats *page, const struct gvw_activity *a, uint64_t allocs,
		    uint64_t bytes)
{
	if (!page)
		return;
	__atomic_store_n(&page->act.guest_pid, a->guest_pid, __ATOMIC_RELAXED);
	__atomic_store_n(&page->act.last_error, a->last_error, __ATOMIC_RELAXED);
	__atomic_store_n(&page->act.requests, a->requests, __ATOMIC_RELAXED);
	__atomic_store_n(&page->act.calls, a->calls, __ATOMIC_RELAXED);
	__atomic_store_n(&page->act.bytes_moved, a->bytes_moved, __ATOMIC_RELAXED);
	__atomic_store_n(&page->allocs, allocs, __ATOMIC_RELAXED);
	__atomic_store_n(&page->bytes, bytes, __ATOMIC_RELAXED);
}

/* The monitor's figures for a call the mailbox answered. */
struct mbox_stats {
	struct gvw_session *s;
	struct gvw_shared_stats *page;
	struct gvw_activity *act;
};

static void mbox_after(void *ctx, const void *msg, size_t msg_len, const void *resp,
		       size_t resp_len)
{
	struct mbox_stats *m = ctx;
	uint64_t allocs, bytes;

	held(m->s, &allocs, &bytes);
	gvw_activity_count(m->act, msg, msg_len, NULL, 0, resp, resp_len);
	publish(m->page, m->act, allocs, bytes);
}

/* A GV_FRAME_MBOX_MAGIC frame from QEMU: attach the mailbox, or wait for an answer. */
static int serve_mbox(struct gv_stream *st, struct gvw_mbox *mb, const struct gvw_frame_in *in,
		      const unsigned char *msg, uint64_t allocs, uint64_t bytes)
{
	struct gv_frame_mbox q = {0};
	uint32_t state = GV_FRAME_MBOX_REFUSED;

	if (in->h.msg_len == sizeof(q))
		memcpy(&q, msg, sizeof(q));
	if (q.op == GV_FRAME_MBOX_ATTACH && in->h.nbulk == 1 && in->pages[0] &&
	    in->bulk[0].niov == 1 && in->bulk[0].len == GV_MBOX_SIZE &&
	    !gvw_mbox_attach(mb, in->bulk[0].iov[0].base)) {
		state = GV_FRAME_MBOX_ANSWERED;
	} else if (q.op == GV_FRAME_MBOX_WAIT && !in->h.nbulk) {
		int r = gvw_mbox_wait(mb, q.seq);

		state = r < 0 ? GV_FRAME_MBOX_REFUSED
			: r   ? GV_FRAME_MBOX_PENDING
			      : GV_FRAME_MBOX_ANSWERED;
	}
	if (state == GV_FRAME_MBOX_REFUSED)
		gvw_log(
		    GVW_WARN,
		    "mailbox frame refused: op %u, %u message bytes, %u bulk runs "
		    "(a mailbox is GV_MBOX_SIZE bytes, contiguous in guest RAM, one per session)",
		    q.op, in->h.msg_len, in->h.nbulk);
	return gvw_frame_reply(st, allocs, bytes, &state, sizeof(state), in);
}

/* Between a client's frames: 1 when the next one begins, 0 when idle too long or gone. */
static int client_next_frame(struct gv_stream *st, unsigned int idle_s)
{
	long long left = (long long)idle_s * 1000;
	int n;

	while (left > 0) {
		int chunk = left > 3600000 ? 3600000 : (int)left;

		n = gv_stream_wait_readable(st, chunk);
		if (n)
			return n > 0;
		left -= chunk;
	}
	gvw_log(GVW_INFO, "client idle for %u s (idle_timeout_s); disconnecting", idle_s);
	return 0;
}

/*
 * The next frame: from the parent, or (handed a TCP client, after the
 * first) from the client itself, within the backend's timeouts.
 */
static int next_frame(struct gv_stream *st, int client, const struct gvw_serve_opts *o,
		      struct gvw_frame_in *in, unsigned char *msg, const struct gvw_guest_ram *ram)
{
	int got;

	if (!client)
		return gvw_frame_recv(st, in, msg, ram);
	if (!client_next_frame(st, o->client_idle_s))
		return 0;
	/* A frame once begun must end within io_timeout_ms (slow senders). */
	st->deadline_ms = gv_stream_now_ms() + o->client_io_ms;
	got = gvw_frame_recv(st, in, msg, NULL); /* never guest pages */
	st->deadline_ms = 0;
	if (got < 0)
		gvw_log(GVW_WARN, "client: %s; disconnecting",
			errno == ETIMEDOUT ? "frame not complete within io_timeout_ms"
					   : "malformed frame");
	return got;
}

int gvw_serve_fd(int fd, const struct gvw_config *cfg, uint32_t id, const struct gvw_serve_opts *o)
{
	static struct gvw_guest_ram ram;
	static unsigned char msg[GV_FRAME_MAX_MSG], resp[GV_FRAME_MAX_MSG];
	struct gvw_shared_stats *page = NULL;
	struct gvw_activity act = {0};
	pthread_t relay;
	int have_relay = 0, client = 0;
	struct gvw_worker *w;
	struct gvw_session *s;
	struct gvw_mbox mb;
	struct mbox_stats mbs;
	char err[256];
	struct gv_stream parent = gv_stream_plain(fd), cst = gv_stream_plain(o->client_fd);
	struct gv_stream *st = &parent;
	int rc = 0;

	if (o->guest_ram && gvw_guest_ram_map(o->guest_ram, &ram, err, sizeof(err))) {
		gvw_log(GVW_ERROR, "worker process: %s", err);
		return -1;
	}
	if (o->stats_fd >= 0) {
		page =
		    mmap(NULL, sizeof(*page), PROT_READ | PROT_WRITE, MAP_SHARED, o->stats_fd, 0);
		close(o->stats_fd);
		if (page == MAP_FAILED) {
			gvw_log(GVW_ERROR, "worker process: --stats-fd: %s", strerror(errno));
			gvw_guest_ram_unmap(&ram);
			return -1;
		}
	}
	cst.io_timeout_ms = (int)o->client_io_ms;
	if (gvw_worker_create(cfg, &w, err, sizeof(err))) {
		gvw_log(GVW_ERROR, "worker process: %s", err);
		gvw_guest_ram_unmap(&ram);
		return -1;
	}
	if (o->guest_ram && o->register_guest_ram)
		gvw_ram_pin_set(w, &ram);
	s = gvw_session_open(w, id);
	if (!s) {
		gvw_ram_pin_stop(w);
		gvw_worker_destroy(w);
		return -1;
	}
	gvw_mbox_init(&mb, s);
	mbs = (struct mbox_stats){s, page, &act};
	if (page) {
		mb.after = mbox_after;
		mb.ctx = &mbs;
	}
	if (o->relay_fd >= 0) {
		/* The parent's first words on the relay: this session's gate key. */
		if (gvw_read_full(o->relay_fd, &w->relay_key, sizeof(w->relay_key))) {
			gvw_log(GVW_ERROR, "worker process: no gate key on the relay socket");
			gvw_session_close(s);
			gvw_ram_pin_stop(w);
			gvw_worker_destroy(w);
			return -1;
		}
		w->relay_fd = o->relay_fd;
		have_relay = !pthread_create(&relay, NULL, relay_reader, w);
	}
	for (;;) {
		struct gvw_frame_in in;
		uint64_t allocs, bytes;
		size_t resp_len = 0, cap;
		int got = next_frame(st, client, o, &in, msg, o->guest_ram ? &ram : NULL);

		if (got <= 0) {
			rc = client ? 0 : got; /* EOF: the session ends; -1: malformed */
			break;
		}
		if (got == GVW_FRAME_FAULT) {
			/* QEMU answers the guest EFAULT, as for a page it cannot map. */
			gvw_frame_free(&in);
			gvw_mbox_lock(&mb);
			held(s, &allocs, &bytes);
			gvw_mbox_unlock(&mb);
			if ((rc = gvw_frame_reply_fault(st, allocs, bytes)))
				break;
			continue;
		}
		if (in.mbox) {
			gvw_mbox_lock(&mb);
			held(s, &allocs, &bytes);
			gvw_mbox_unlock(&mb);
			rc = serve_mbox(st, &mb, &in, msg, allocs, bytes);
			gvw_frame_free(&in);
			if (rc)
				break;
			continue;
		}
		gvw_mbox_lock(&mb);
		if (!client) {
			s->vm_stats = in.h.vm;
			s->have_vm_stats = 1;
		} else {
			/* A client's header says nothing of the host: ask the parent. */
			s->have_vm_stats = gv_msgs_have_op(msg, in.h.msg_len, GV_OP_STATS) &&
					   !ask_vm_stats(w, &s->vm_stats);
		}
		/* The sender's room for the responses: what does not fit is GV_ERESP. */
		cap = in.h.resp_cap && in.h.resp_cap < sizeof(resp) ? in.h.resp_cap : sizeof(resp);
		if (!client || in.h.nbulk || !gate_call(w, msg, in.h.msg_len, resp, cap, &resp_len))
			gvw_session_exec(s, msg, in.h.msg_len, in.bulk, in.h.nbulk, resp, cap,
					 &resp_len);
		held(s, &allocs, &bytes);
		if (page) {
			gvw_activity_count(&act, msg, in.h.msg_len, in.bulk, in.h.nbulk, resp,
					   resp_len);
			publish(page, &act, allocs, bytes);
		}
		gvw_mbox_unlock(&mb);
		if (client) {
			/* As the backend answers a client: a reply taken within io_timeout_ms. */
			st->deadline_ms = gv_stream_now_ms() + o->client_io_ms;
			rc = gvw_frame_reply(st, 0, 0, resp, (uint32_t)resp_len, &in);
			st->deadline_ms = 0;
		} else {
			rc = gvw_frame_reply(st, allocs, bytes, resp, (uint32_t)resp_len, &in);
		}
		gvw_frame_free(&in);
		if (rc) {
			rc = client ? 0 : rc; /* a client that went away ends its session */
			break;
		}
		/* Handed a TCP client: after the first frame (its HELLO), serve it directly. */
		if (o->client_fd >= 0 && !client) {
			client = 1;
			st = &cst;
		}
	}
	gvw_mbox_stop(&mb);
	gvw_session_close(s);
	if (have_relay) {
		shutdown(o->relay_fd, SHUT_RDWR);
		pthread_join(relay, NULL);
	}
	gvw_ram_pin_stop(w);
	gvw_worker_destroy(w);
	gvw_guest_ram_unmap(&ram);
	if (o->client_fd >= 0) {
		shutdown(o->client_fd, SHUT_RDWR);
		close(o->client_fd);
	}
	if (page)
		munmap(page, sizeof(*page));
	return rc;
}
