/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* pipe2 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* One captured stream: its pipe's reading end and a ring of its bytes. */
struct stream {
	int rfd;
	unsigned char buf[GVW_OUTPUT_MAX];
	size_t head, used; /* used bytes from head */
	uint64_t dropped;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct stream streams[2] = {{.rfd = -1}, {.rfd = -1}}; /* stdout, stderr */
static int capturing;

/* Moves what s's pipe holds now into its ring; with the lock held. */
static void drain_locked(struct stream *s)
{
	unsigned char chunk[4096];
	ssize_t n;

	while ((n = read(s->rfd, chunk, sizeof(chunk))) > 0) {
		size_t i;

		for (i = 0; i < (size_t)n; i++) {
			if (s->used == sizeof(s->buf)) {
				s->dropped += (size_t)n - i;
				break;
			}
			s->buf[(s->head + s->used++) % sizeof(s->buf)] = chunk[i];
		}
	}
}

/*
 * Keeps the pipes from filling while a long call prints: a writer blocked
 * on a full pipe would be the session's own thread, inside the driver.
 */
static void *drainer(void *arg)
{
	struct pollfd p[2] = {{.fd = streams[0].rfd, .events = POLLIN},
			      {.fd = streams[1].rfd, .events = POLLIN}};

	(void)arg;
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return NULL;
		if ((p[0].revents | p[1].revents) & (POLLERR | POLLNVAL))
			return NULL;
		pthread_mutex_lock(&lock);
		drain_locked(&streams[0]);
		drain_locked(&streams[1]);
		pthread_mutex_unlock(&lock);
	}
}

/* Points fd (1 or 2) at a new pipe whose reading end s keeps: 0 or -1. */
static int capture_fd(int fd, struct stream *s)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
		return -1;
	/* The writing side blocks: a full pipe waits for the drainer rather
	 * than losing what the driver writes. */
	if (fcntl(fds[1], F_SETFL, 0) || dup2(fds[1], fd) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	s->rfd = fds[0];
	return 0;
}

int gvw_output_capture(void)
{
	int log_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	pthread_t t;

	/* This process's own log keeps the stderr it had: the host's. */
	if (log_fd < 0 || gvw_log_to_fd(log_fd))
		return -1;
	if (capture_fd(STDOUT_FILENO, &streams[0]) || capture_fd(STDERR_FILENO, &streams[1]))
		return -1;
	/* Unbuffered, so that a call's output is in the pipe when it returns. */
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	capturing = 1;
	if (pthread_create(&t, NULL, drainer, NULL))
		return 0; /* gvw_output_pending drains too; only a long print could block */
	pthread_detach(t);
	return 0;
}

int gvw_output_pending(void)
{
	int any = 0, i;

	struct pollfd p[2] = {{.fd = streams[0].rfd, .events = POLLIN},
			      {.fd = streams[1].rfd, .events = POLLIN}};

	if (!capturing)
		return 0;
	/* Asked at every reply: one syscall says whether the pipes hold bytes. */
	(void)poll(p, 2, 0);
	pthread_mutex_lock(&lock);
	for (i = 0; i < 2; i++) {
		if (p[i].revents & POLLIN)
			drain_locked(&streams[i]);
		any |= streams[i].used > 0 || streams[i].dropped > 0;
	}
	pthread_mutex_unlock(&lock);
	return any;
}

size_t gvw_output_take(void *out, size_t cap, uint32_t *lost, int *fd)
{
	struct stream *s;
	size_t n = 0, i;
	int k;

	*lost = 0;
	*fd = STDOUT_FILENO;
	if (!capturing)
		return 0;
	pthread_mutex_lock(&lock);
	drain_locked(&streams[0]);
	drain_locked(&streams[1]);
	/* Stdout's bytes first: stdio buffers it, natively too. */
	k = streams[0].used || streams[0].dropped ? 0 : 1;
	s = &streams[k];
	n = s->used < cap ? s->used : cap;
	for (i = 0; i < n; i++)
		((unsigned char *)out)[i] = s->buf[(s->head + i) % sizeof(s->buf)];
	s->head = (s->head + n) % sizeof(s->buf);
	s->used -= n;
	*lost = s->dropped > UINT32_MAX ? UINT32_MAX : (uint32_t)s->dropped;
	s->dropped = 0;
	*fd = k ? STDERR_FILENO : STDOUT_FILENO;
	pthread_mutex_unlock(&lock);
	return n;
}
