/* SPDX-License-Identifier: MIT */
/*
 * gvirtus-backend: GVirtuS's network mode.  Listens on the endpoints of
 * properties.json; each client connection is one session, executed in a
 * gvirtus-worker process of its own (so a client's sticky GPU fault or
 * crash leaves the others working).  Frames arrive as frame.h describes.
 *
 *   gvirtus-backend [--executor cuda|cpu-reference] [--control SOCKET] [properties.json]
 * An endpoint may name the host GPUs it serves ("gpus": "0,2" or [0, 2]).
 *
 * Clients are not trusted (DESIGN.md section 13): a connection gets no
 * worker process before its first frame is a well-formed HELLO; every
 * phase has a deadline (handshake, a frame begun, a reply, idleness
 * between frames); connections are counted per endpoint and per client
 * address; and every wait on a worker also watches the client, whose
 * hang-up kills the worker.  Shutdown kills the workers, then joins.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <driver_types.h>

#include "fdio.h"
#include "frame_io.h"
#include "gvirtus_worker.h"
#include "log.h"
#include "properties.h"
#include "protocol.h"
#include "tls.h"

struct client {
	int fd;
	struct gv_stream st; /* the socket, or TLS on it */
	uint32_t id;
	int ep;			   /* the endpoint it came to */
	struct gvw_worker *worker; /* its endpoint's */
	char peer[80];		   /* "address port", for log lines */
	char addr[64];		   /* the address alone, for the per-peer limit */
	pthread_t thread;
	/* Under clients_lock: */
	int done;
	struct gvw_remote *remote; /* for gvw_remote_abort at shutdown */
	long long deadline;	   /* monotonic ms by which the current phase must end; 0: none */
	const char *phase;	   /* what the deadline is for */
	int expired;		   /* the deadline passed: the socket was shut down */
	struct gvw_activity act;   /* what its calls did, for --control */
	struct client *next;
};

static struct gvw_worker *workers[GV_MAX_ENDPOINTS]; /* one per endpoint */
static struct gv_tls_server *tls_server;	     /* secure_application: true */
static int stop_pipe[2];
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static struct client *clients;
static _Atomic uint32_t next_id = 1;
/* The "limits" of properties.json, defaults applied. */
static unsigned int hello_ms, io_ms, idle_s, max_conn, max_per_peer;

static void on_signal(int sig)
{
	char c = (char)sig;

	(void)!write(stop_pipe[1], &c, 1);
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The main loop shuts the client's socket down when ms pass before clear_deadline. */
static void set_deadline(struct client *c, unsigned int ms, const char *phase)
{
	pthread_mutex_lock(&clients_lock);
	c->deadline = now_ms() + ms;
	c->phase = phase;
	pthread_mutex_unlock(&clients_lock);
}

/* 1 when the deadline had passed (the socket is shut down). */
static int clear_deadline(struct client *c)
{
	int expired;

	pthread_mutex_lock(&clients_lock);
	c->deadline = 0;
	expired = c->expired;
	pthread_mutex_unlock(&clients_lock);
	return expired;
}

/* Deadlines that passed: the socket is shut down, so the client's thread stops waiting. */
static void expire_clients(void)
{
	long long now = now_ms();
	struct client *c;

	pthread_mutex_lock(&clients_lock);
	for (c = clients; c; c = c->next) {
		if (c->deadline && now >= c->deadline && !c->expired && !c->done) {
			c->expired = 1;
			shutdown(c->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&clients_lock);
}

/* A protocol version we do not speak: say so, without a worker. */
static void answer_version(struct client *c, const struct gv_msg_hdr *m,
			   const struct gvw_frame_in *in)
{
	struct gv_resp_hdr h = {.magic = GV_RESP_MAGIC,
				.version = GV_PROTOCOL_VERSION,
				.status = GV_EVERSION,
				.op = m->op,
				.result = cudaErrorInvalidValue,
				.req_id = m->req_id};

	gvw_log(GVW_WARN,
		"client %s: speaks protocol %u, this host %u: use a guest library "
		"from the same gvirtus release",
		c->peer, m->version, GV_PROTOCOL_VERSION);
	gvw_frame_reply(&c->st, 0, 0, &h, sizeof(h), in);
}

/*
 * Reads a frame of a connection that has no worker yet.  Such a frame is
 * small and carries no bulk data, so nothing large is allocated for a
 * client that has not said HELLO; it is one HELLO message (what
 * guest-lib/session.c sends first), or a host-function gate call of a
 * guest's callback session (guest-lib/stream.c), which this process
 * answers from its mirrors without any worker.  1: a HELLO; 2: a gate
 * call (each in in and msg); 0: the connection ends (logged, or the
 * version answered).
 */
static int read_before_hello(struct client *c, struct gvw_frame_in *in, unsigned char *msg)
{
	struct gv_msg_hdr m;

	memset(in, 0, sizeof(*in));
	if (gv_stream_read_full(&c->st, &in->h, sizeof(in->h)))
		return 0;
	if (in->h.magic != GV_FRAME_MAGIC || in->h.nbulk || in->h.msg_len < sizeof(m) ||
	    in->h.msg_len > 256) {
		gvw_log(GVW_WARN,
			"client %s: a frame before HELLO that is not HELLO (frame magic "
			"0x%08x, %u message bytes, %u bulk runs); disconnecting",
			c->peer, in->h.magic, in->h.msg_len, in->h.nbulk);
		in->h.nbulk = 0;
		return 0;
	}
	if (gv_stream_read_full(&c->st, msg, in->h.msg_len))
		return 0;
	memcpy(&m, msg, sizeof(m));
	if (m.magic == GV_MSG_MAGIC && m.version == GV_PROTOCOL_VERSION &&
	    (m.op == GV_OP_HOST_FUNC_WAIT || m.op == GV_OP_HOST_FUNC_RELEASE))
		return 2;
	if (m.magic != GV_MSG_MAGIC || m.op != GV_OP_HELLO ||
	    in->h.msg_len != sizeof(m) + sizeof(struct gv_hello_req) ||
	    m.payload_len != sizeof(struct gv_hello_req) || m.nbulk) {
		gvw_log(GVW_WARN,
			"client %s: a message before HELLO that is not HELLO (magic "
			"0x%08x, op %u, %u payload bytes); disconnecting",
			c->peer, m.magic, m.op, m.payload_len);
		return 0;
	}
	if (m.version != GV_PROTOCOL_VERSION) {
		answer_version(c, &m, in);
		return 0;
	}
	return 1;
}

/* Answers a gate call read by read_before_hello; 0 when the connection goes on. */
static int answer_gate_call(struct client *c, const struct gvw_frame_in *in,
			    const unsigned char *msg)
{
	unsigned char resp[256];
	size_t resp_len;

	if (!gvw_remote_gate_call(c->worker, msg, in->h.msg_len, resp, sizeof(resp), &resp_len))
		return -1;
	return gvw_frame_reply(&c->st, 0, 0, resp, (uint32_t)resp_len, in);
}

/* Between frames: 1 when the next one begins, 0 when idle too long or gone. */
static int wait_next_frame(struct client *c)
{
	long long left = (long long)idle_s * 1000;
	int n;

	while (left > 0) {
		int chunk = left > 3600000 ? 3600000 : (int)left;

		n = gv_stream_wait_readable(&c->st, chunk);
		if (n)
			return n > 0;
		left -= chunk;
	}
	gvw_log(GVW_INFO, "client %s: idle for %u s (idle_timeout_s); disconnecting", c->peer,
		idle_s);
	return 0;
}

static void *serve_client(void *arg)
{
	static _Thread_local unsigned char msg[GV_FRAME_MAX_MSG], resp[GV_FRAME_MAX_MSG];
	struct client *c = arg;
	struct gvw_remote *r = NULL;
	struct gvw_frame_in in;
	char err[256];
	int got, first, handoff;

	/* The handshake and the first frame within hello_timeout_ms; nothing spawned yet. */
	set_deadline(c, hello_ms, "the TLS handshake and HELLO (hello_timeout_ms)");
	c->st.io_timeout_ms = (int)hello_ms;
	if (tls_server && gv_tls_accept(tls_server, &c->st, (int)hello_ms, err, sizeof(err))) {
		gvw_log(GVW_WARN, "client %s: TLS refused: %s", c->peer, err);
		clear_deadline(c);
		goto out;
	}
	got = read_before_hello(c, &in, msg);
	if (clear_deadline(c)) {
		gvw_log(GVW_WARN,
			"client %s: no HELLO within %u ms (hello_timeout_ms); "
			"disconnecting",
			c->peer, hello_ms);
		goto out;
	}
	c->st.io_timeout_ms = (int)io_ms;
	/* A callback session: gate calls only, answered here, until it ends (or says HELLO). */
	while (got == 2) {
		if (answer_gate_call(c, &in, msg) || !wait_next_frame(c))
			goto out;
		set_deadline(c, io_ms, "a frame (io_timeout_ms)");
		got = read_before_hello(c, &in, msg);
		if (clear_deadline(c)) {
			gvw_log(GVW_WARN,
				"client %s: frame not complete within %u ms "
				"(io_timeout_ms); disconnecting",
				c->peer, io_ms);
			goto out;
		}
	}
	if (!got)
		goto out;
	/*
	 * Plain TCP: the worker takes the client's socket after the HELLO and
	 * serves it directly (no relay, one copy of bulk data fewer), within
	 * the same timeouts.  TLS stays here: its session state cannot move.
	 */
	handoff = !c->st.ops;
	r = handoff ? gvw_remote_open_client(c->worker, c->id, c->fd, io_ms, idle_s)
		    : gvw_remote_open(c->worker, c->id);
	if (!r) {
		gvw_log(GVW_WARN, "client %s: no session (max sessions, or no worker process)",
			c->peer);
		goto out;
	}
	gvw_remote_set_watch_fd(r, c->fd);
	pthread_mutex_lock(&clients_lock);
	c->remote = r;
	pthread_mutex_unlock(&clients_lock);
	gvw_log(GVW_DEBUG, "client %s: session %u", c->peer, c->id);
	for (first = 1;; first = 0) {
		size_t resp_len = 0, cap;

		if (!first) {
			if (!wait_next_frame(c))
				break;
			/* A frame once begun must end within io_timeout_ms (slow senders). */
			set_deadline(c, io_ms, "a frame (io_timeout_ms)");
			got = gvw_frame_recv(&c->st, &in, msg, NULL); /* never guest pages */
			if (clear_deadline(c)) {
				gvw_log(GVW_WARN,
					"client %s: frame not complete within %u ms "
					"(io_timeout_ms); disconnecting",
					c->peer, io_ms);
				if (got > 0)
					gvw_frame_free(&in);
				break;
			}
			if (got <= 0) {
				if (got < 0)
					gvw_log(GVW_WARN,
						"client %s: malformed frame; disconnecting",
						c->peer);
				break;
			}
		}
		/* The client's room for the responses, as for a guest's virtqueue buffer. */
		cap = in.h.resp_cap && in.h.resp_cap < sizeof(resp) ? in.h.resp_cap : sizeof(resp);
		if (gvw_remote_exec(r, msg, in.h.msg_len, in.bulk, in.h.nbulk, resp, cap,
				    &resp_len)) {
			gvw_frame_free(&in);
			break; /* the worker died, or was killed as the client hung up */
		}
		pthread_mutex_lock(&clients_lock);
		gvw_activity_count(&c->act, msg, in.h.msg_len, in.bulk, in.h.nbulk, resp, resp_len);
		pthread_mutex_unlock(&clients_lock);
		set_deadline(c, io_ms, "a reply (io_timeout_ms)");
		got = gvw_frame_reply(&c->st, 0, 0, resp, (uint32_t)resp_len, &in);
		if (clear_deadline(c))
			gvw_log(GVW_WARN,
				"client %s: reply not taken within %u ms (io_timeout_ms); "
				"disconnecting",
				c->peer, io_ms);
		gvw_frame_free(&in);
		if (got)
			break;
		if (handoff) {
			/* The worker has the client now; wait for the session's end. */
			gvw_remote_wait_end(r);
			break;
		}
	}
	pthread_mutex_lock(&clients_lock);
	if (handoff)
		gvw_remote_activity(r, &c->act);
	c->remote = NULL;
	pthread_mutex_unlock(&clients_lock);
	gvw_remote_close(r);
out:
	if (c->st.ops) {
		c->st.io_timeout_ms = 1000; /* close_notify: no long wait for it */
		gv_tls_close(&c->st);
	}
	shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_lock(&clients_lock);
	c->done = 1;
	pthread_mutex_unlock(&clients_lock);
	return NULL;
}

/*
 * Joins the threads of clients that are done; all: every client, after
 * killing its worker and cutting its socket, so that no join waits on a
 * call that never returns.
 */
static void reap_clients(int all)
{
	struct client **p = &clients, *c;

	pthread_mutex_lock(&clients_lock);
	if (all) {
		for (c = clients; c; c = c->next) {
			shutdown(c->fd, SHUT_RDWR);
			if (c->remote)
				gvw_remote_abort(c->remote);
		}
	}
	while (*p) {
		c = *p;
		if (c->done || all) {
			*p = c->next;
			pthread_mutex_unlock(&clients_lock);
			pthread_join(c->thread, NULL);
			close(c->fd);
			free(c);
			pthread_mutex_lock(&clients_lock);
		} else {
			p = &c->next;
		}
	}
	pthread_mutex_unlock(&clients_lock);
}

/* Connections open to endpoint ep, and from addr there; under clients_lock. */
static void count_clients(int ep, const char *addr, unsigned int *on_ep, unsigned int *from)
{
	struct client *c;

	*on_ep = *from = 0;
	for (c = clients; c; c = c->next) {
		if (c->done || c->ep != ep)
			continue;
		(*on_ep)++;
		*from += !strcmp(c->addr, addr);
	}
}

/* A new connection: refused at once past a limit, else served by a thread of its own. */
static void admit(int lfd, int ep, const struct gv_endpoint *e)
{
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);
	char host[64] = "?", port[16] = "?";
	unsigned int on_ep, from;
	struct client *c;
	int fd, one = 1;

	fd = accept4(lfd, (struct sockaddr *)&sa, &salen, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	getnameinfo((struct sockaddr *)&sa, salen, host, sizeof(host), port, sizeof(port),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	pthread_mutex_lock(&clients_lock);
	count_clients(ep, host, &on_ep, &from);
	pthread_mutex_unlock(&clients_lock);
	if (on_ep >= max_conn || from >= max_per_peer) {
		if (on_ep >= max_conn)
			gvw_log(GVW_WARN,
				"client %s port %s: refused: %u connections to %s:%d "
				"(max_connections %u)",
				host, port, on_ep, e->address, e->port, max_conn);
		else
			gvw_log(GVW_WARN,
				"client %s port %s: refused: %u connections from %s "
				"(max_connections_per_peer %u)",
				host, port, from, host, max_per_peer);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->st = gv_stream_plain(fd);
	c->ep = ep;
	c->worker = workers[ep];
	c->id = atomic_fetch_add(&next_id, 1);
	snprintf(c->addr, sizeof(c->addr), "%s", host);
	snprintf(c->peer, sizeof(c->peer), "%s port %s", host, port);
	pthread_mutex_lock(&clients_lock);
	c->next = clients;
	clients = c;
	if (pthread_create(&c->thread, NULL, serve_client, c)) {
		clients = c->next;
		pthread_mutex_unlock(&clients_lock);
		gvw_log(GVW_WARN, "client %s: no thread for it; disconnecting", c->peer);
		close(fd);
		free(c);
		return;
	}
	pthread_mutex_unlock(&clients_lock);
}

static int loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

static int listen_on(const struct gv_endpoint *ep, int secure)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai;
	char port[8];
	int fd, one = 1, e;

	snprintf(port, sizeof(port), "%d", ep->port);
	e = getaddrinfo(ep->address, port, &hints, &ai);
	if (e) {
		fprintf(stderr, "gvirtus-backend: server_address \"%s\": %s\n", ep->address,
			gai_strerror(e));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128)) {
		fprintf(stderr, "gvirtus-backend: cannot listen on %s:%d: %s\n", ep->address,
			ep->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	} else if (!secure && !loopback(ai->ai_addr)) {
		gvw_log(GVW_WARN,
			"listening on %s:%d beyond this host without TLS "
			"(\"secure_application\": false): anyone who reaches the port can run "
			"GPU code here and read what clients send; set \"secure_application\": "
			"true with the \"tls\" keys",
			ep->address, ep->port);
	}
	freeaddrinfo(ai);
	return fd;
}

static const char *worker_beside_me(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 32);
	char *slash;

	if (n <= 0)
		return "gvirtus-worker";
	buf[n] = 0;
	slash = strrchr(buf, '/');
	strcpy(slash ? slash + 1 : buf, "gvirtus-worker");
	return buf;
}

/*
 * The control socket (--control PATH): a local client (gvirtus-top) that
 * connects gets one JSON document, every client and its session, and the
 * connection closes.  The socket is its owner's alone (mode 0600).
 */
static int control_listen(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "gvirtus-backend: --control %s: path too long\n", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || chmod(path, 0600) ||
	    listen(fd, 8)) {
		fprintf(stderr, "gvirtus-backend: --control %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void control_answer(int lfd, const struct gv_properties *props)
{
	struct timeval t = {.tv_sec = 1};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct client *c;
	const char *sep = "";
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* A reader that does not read cannot hold the accept loop. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof(t));
	f = open_memstream(&buf, &len);
	if (f) {
		fprintf(f, "{\"backend\": {\"pid\": %d, \"endpoints\": %d}, \"clients\": [",
			(int)getpid(), props->nep);
		pthread_mutex_lock(&clients_lock);
		for (c = clients; c; c = c->next) {
			struct gvw_held held = {0};

			if (c->done)
				continue;
			if (c->remote) {
				gvw_remote_held(c->remote, &held);
				/* A handed-off session reports on its own page. */
				gvw_remote_activity(c->remote, &c->act);
			}
			fprintf(
			    f,
			    "%s{\"session\": %u, \"peer\": \"%s\", \"endpoint\": \"%s:%d\", "
			    "\"state\": \"%s\", \"guest-pid\": %u, \"worker-pid\": %d, "
			    "\"requests\": %llu, \"calls\": %llu, \"bytes-moved\": %llu, "
			    "\"allocations\": %llu, \"device-bytes\": %llu, \"last-error\": %d}",
			    sep, c->id, c->peer, props->ep[c->ep].address, props->ep[c->ep].port,
			    c->remote ? "open" : "connecting", c->act.guest_pid, held.worker_pid,
			    (unsigned long long)c->act.requests, (unsigned long long)c->act.calls,
			    (unsigned long long)c->act.bytes_moved, (unsigned long long)held.allocs,
			    (unsigned long long)held.device_bytes, c->act.last_error);
			sep = ", ";
		}
		pthread_mutex_unlock(&clients_lock);
		fprintf(f, "]}\n");
		fclose(f);
		if (buf && gvw_write_full(fd, buf, len))
			gvw_log(GVW_DEBUG, "control: the reader left early");
	}
	free(buf);
	close(fd);
}

int main(int argc, char **argv)
{
	struct gvw_config cfg = {.executor = GVW_EXEC_CUDA,
				 .max_sessions = 256,
				 .cpu_reference_devices = 1,
				 .label = "gvirtus-backend"};
	struct pollfd pf[GV_MAX_ENDPOINTS + 2];
	struct gv_properties props;
	char path[4096], wpath[4096], err[512];
	const char *config = NULL, *control = NULL;
	int i, n = 0, ctl = -1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--executor") && i + 1 < argc) {
			if (gvw_executor_parse(argv[++i], &cfg.executor)) {
				fprintf(stderr,
					"gvirtus-backend: --executor %s: accepted values "
					"are cuda and cpu-reference\n",
					argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--cpu-reference-devices") && i + 1 < argc) {
			cfg.cpu_reference_devices = (unsigned int)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--control") && i + 1 < argc) {
			control = argv[++i];
		} else if (argv[i][0] == '-' || config) {
			fprintf(
			    stderr,
			    "usage: gvirtus-backend [--executor cuda|cpu-reference] "
			    "[--cpu-reference-devices N] [--control SOCKET] [properties.json]\n");
			return 2;
		} else {
			config = argv[i];
		}
	}
	if (!config)
		config = gv_properties_default_path(path, sizeof(path));
	if (gv_properties_load(config, &props, err, sizeof(err))) {
		fprintf(stderr, "gvirtus-backend: %s\n", err);
		return 1;
	}
#define OR_DEFAULT(v, d) ((v) ? (v) : (d))
	hello_ms = OR_DEFAULT(props.limits.hello_timeout_ms, GV_DEFAULT_HELLO_TIMEOUT_MS);
	io_ms = OR_DEFAULT(props.limits.io_timeout_ms, GV_DEFAULT_IO_TIMEOUT_MS);
	idle_s = OR_DEFAULT(props.limits.idle_timeout_s, GV_DEFAULT_IDLE_TIMEOUT_S);
	max_conn = OR_DEFAULT(props.limits.max_connections, GV_DEFAULT_MAX_CONNECTIONS);
	max_per_peer =
	    OR_DEFAULT(props.limits.max_connections_per_peer, GV_DEFAULT_MAX_CONNECTIONS_PER_PEER);
#undef OR_DEFAULT
	/* Every connection past HELLO may hold a session; gvw_worker_create takes 1..4096. */
	cfg.max_sessions = max_conn;
	cfg.limits = (struct gvw_limits){
	    .max_handles = props.limits.max_handles,
	    .max_gates = props.limits.max_gates,
	    .max_module_bytes = props.limits.max_module_bytes,
	    .max_device_bytes = props.limits.max_device_bytes,
	    .max_host_bytes = props.limits.max_host_bytes,
	    .max_library_objects = props.limits.max_library_objects,
	};
	cfg.worker_path = worker_beside_me(wpath, sizeof(wpath));
	if (access(cfg.worker_path, X_OK)) {
		fprintf(stderr,
			"gvirtus-backend: %s: not found or not executable; install "
			"gvirtus-worker beside gvirtus-backend\n",
			cfg.worker_path);
		return 1;
	}
	if (props.secure) {
		tls_server = gv_tls_server_new(&props, err, sizeof(err));
		if (!tls_server) {
			fprintf(stderr, "gvirtus-backend: %s\n", err);
			return 1;
		}
	}
	if (pipe(stop_pipe)) {
		perror("gvirtus-backend: pipe");
		return 1;
	}
	/* Each endpoint serves the GPUs it names: its own worker, its own probe. */
	for (i = 0; i < props.nep; i++) {
		cfg.gpus = props.ep[i].gpus;
		cfg.apis = props.ep[i].apis;
		if (gvw_worker_create(&cfg, &workers[i], err, sizeof(err))) {
			fprintf(stderr, "gvirtus-backend: %s:%d: %s\n", props.ep[i].address,
				props.ep[i].port, err);
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < props.nep; i++) {
		pf[n].fd = listen_on(&props.ep[i], props.secure);
		if (pf[n].fd < 0)
			return 1;
		pf[n++].events = POLLIN;
		gvw_log(GVW_INFO, "listening on %s:%d (%s%s), config %s", props.ep[i].address,
			props.ep[i].port, props.ep[i].protocol, props.secure ? ", TLS" : "",
			config);
	}
	if (control) {
		ctl = control_listen(control);
		if (ctl < 0)
			return 1;
		gvw_log(GVW_INFO, "control socket %s (gvirtus-top)", control);
	}
	pf[n].fd = stop_pipe[0];
	pf[n].events = POLLIN;
	pf[n + 1].fd = ctl; /* poll skips a negative fd */
	pf[n + 1].events = POLLIN;
	for (;;) {
		/* A short tick: deadlines are checked here, to a tenth of a second. */
		if (poll(pf, (nfds_t)n + 2, 100) < 0 && errno != EINTR)
			break;
		if (pf[n].revents)
			break;
		if (ctl >= 0 && (pf[n + 1].revents & POLLIN))
			control_answer(ctl, &props);
		expire_clients();
		reap_clients(0);
		for (i = 0; i < n; i++)
			if (pf[i].revents & POLLIN)
				admit(pf[i].fd, i, &props.ep[i]);
	}
	gvw_log(GVW_INFO, "shutting down: closing every session");
	for (i = 0; i < n; i++)
		close(pf[i].fd);
	if (ctl >= 0) {
		close(ctl);
		unlink(control);
	}
	reap_clients(1);
	for (i = 0; i < props.nep; i++)
		gvw_worker_destroy(workers[i]);
	if (tls_server)
		gv_tls_server_free(tls_server);
	return 0;
}
