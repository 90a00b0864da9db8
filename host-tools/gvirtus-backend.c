/* SPDX-License-Identifier: MIT */
/*
 * gvirtus-backend: GVirtuS's network mode.  Listens on the endpoints of
 * properties.json; each client connection is one session, executed in a
 * gvirtus-worker process of its own (so a client's sticky GPU fault or
 * crash leaves the others working).  Frames arrive as frame.h describes.
 *
 *   gvirtus-backend [--executor cuda|cpu-reference] [properties.json]
 * An endpoint may name the host GPUs it serves ("gpus": "0,2" or [0, 2]).
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
#include <unistd.h>

#include "frame_io.h"
#include "gvirtus_worker.h"
#include "log.h"
#include "properties.h"

struct client {
	int fd;
	struct gv_stream st;	/* the socket, or TLS on it */
	uint32_t id;
	struct gvw_worker *worker;	/* its endpoint's */
	pthread_t thread;
	int done;
	struct client *next;
};

static struct gvw_worker *workers[GV_MAX_ENDPOINTS];	/* one per endpoint */
static int stop_pipe[2];
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static struct client *clients;
static _Atomic uint32_t next_id = 1;

static void on_signal(int sig)
{
	char c = (char)sig;

	(void)!write(stop_pipe[1], &c, 1);
}

static void *serve_client(void *arg)
{
	static _Thread_local unsigned char msg[GV_FRAME_MAX_MSG], resp[GV_FRAME_MAX_MSG];
	struct client *c = arg;
	struct gvw_remote *r = gvw_remote_open(c->worker, c->id);

	if (!r)
		gvw_log(GVW_WARN, "client %u: no session (max sessions, or no worker process)",
			c->id);
	while (r) {
		struct gvw_frame_in in;
		size_t resp_len = 0;
		int got = gvw_frame_recv(&c->st, &in, msg);

		if (got <= 0) {
			if (got < 0)
				gvw_log(GVW_WARN, "client %u: malformed frame; disconnecting", c->id);
			break;
		}
		if (gvw_remote_exec(r, msg, in.h.msg_len, in.bulk, in.h.nbulk, resp, sizeof(resp),
				    &resp_len)) {
			gvw_frame_free(&in);
			break;	/* the worker died: the client sees the connection close */
		}
		got = gvw_frame_reply(&c->st, 0, 0, resp, (uint32_t)resp_len, &in);
		gvw_frame_free(&in);
		if (got)
			break;
	}
	if (r)
		gvw_remote_close(r);
	shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_lock(&clients_lock);
	c->done = 1;
	pthread_mutex_unlock(&clients_lock);
	return NULL;
}

static void reap_clients(int all)
{
	struct client **p = &clients;

	pthread_mutex_lock(&clients_lock);
	while (*p) {
		struct client *c = *p;

		if (all && !c->done)
			shutdown(c->fd, SHUT_RDWR);
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

static int listen_on(const struct gv_endpoint *ep)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
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
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		fprintf(stderr, "gvirtus-backend: cannot listen on %s:%d: %s\n", ep->address,
			ep->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
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

int main(int argc, char **argv)
{
	struct gvw_config cfg = { .executor = GVW_EXEC_CUDA, .max_sessions = 256,
				  .cpu_reference_devices = 1, .label = "gvirtus-backend" };
	struct pollfd pf[GV_MAX_ENDPOINTS + 1];
	struct gv_properties props;
	char path[4096], wpath[4096], err[512];
	const char *config = NULL;
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--executor") && i + 1 < argc) {
			if (gvw_executor_parse(argv[++i], &cfg.executor)) {
				fprintf(stderr, "gvirtus-backend: --executor %s: accepted values "
					"are cuda and cpu-reference\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--cpu-reference-devices") && i + 1 < argc) {
			cfg.cpu_reference_devices = (unsigned int)atoi(argv[++i]);
		} else if (argv[i][0] == '-' || config) {
			fprintf(stderr, "usage: gvirtus-backend [--executor cuda|cpu-reference] "
				"[--cpu-reference-devices N] [properties.json]\n");
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
	cfg.worker_path = worker_beside_me(wpath, sizeof(wpath));
	if (access(cfg.worker_path, X_OK)) {
		fprintf(stderr, "gvirtus-backend: %s: not found or not executable; install "
			"gvirtus-worker beside gvirtus-backend\n", cfg.worker_path);
		return 1;
	}
	if (pipe(stop_pipe)) {
		perror("gvirtus-backend: pipe");
		return 1;
	}
	/* Each endpoint serves the GPUs it names: its own worker, its own probe. */
	for (i = 0; i < props.nep; i++) {
		cfg.gpus = props.ep[i].gpus;
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
		pf[n].fd = listen_on(&props.ep[i]);
		if (pf[n].fd < 0)
			return 1;
		pf[n++].events = POLLIN;
		gvw_log(GVW_INFO, "listening on %s:%d (%s), config %s", props.ep[i].address,
			props.ep[i].port, props.ep[i].protocol, config);
	}
	pf[n].fd = stop_pipe[0];
	pf[n].events = POLLIN;
	for (;;) {
		if (poll(pf, (nfds_t)n + 1, 1000) < 0 && errno != EINTR)
			break;
		if (pf[n].revents)
			break;
		reap_clients(0);
		for (i = 0; i < n; i++) {
			struct client *c;
			int fd, one = 1;

			if (!(pf[i].revents & POLLIN))
				continue;
			fd = accept4(pf[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			c = calloc(1, sizeof(*c));
			if (!c) {
				close(fd);
				continue;
			}
			c->fd = fd;
			c->st = gv_stream_plain(fd);
			c->worker = workers[i];
			c->id = atomic_fetch_add(&next_id, 1);
			pthread_mutex_lock(&clients_lock);
			c->next = clients;
			clients = c;
			pthread_mutex_unlock(&clients_lock);
			if (pthread_create(&c->thread, NULL, serve_client, c)) {
				pthread_mutex_lock(&clients_lock);
				clients = c->next;
				pthread_mutex_unlock(&clients_lock);
				close(fd);
				free(c);
			}
		}
	}
	gvw_log(GVW_INFO, "shutting down: closing every session");
	for (i = 0; i < n; i++)
		close(pf[i].fd);
	reap_clients(1);
	for (i = 0; i < props.nep; i++)
		gvw_worker_destroy(workers[i]);
	return 0;
}
