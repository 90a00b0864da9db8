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

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int rfd = -1;
static unsigned char buf[GVW_OUTPUT_MAX];
static size_t head, used; /* a ring: used bytes from head */
static uint64_t dropped;

/* Moves what the pipe holds now into the ring; with the lock held. */
static void drain_locked(void)
{
	unsigned char chunk[4096];
	ssize_t n;

	while ((n = read(rfd, chunk, sizeof(chunk))) > 0) {
		size_t i;

		for (i = 0; i < (size_t)n; i++) {
			if (used == sizeof(buf)) {
				dropped += (size_t)n - i;
				break;
			}
			buf[(head + used++) % sizeof(buf)] = chunk[i];
		}
	}
}

/*
 * Keeps the pipe from filling while a long call prints: a writer blocked on
 * a full pipe would be the session's own thread, inside the driver.
 */
static void *drainer(void *arg)
{
	struct pollfd p = {.fd = rfd, .events = POLLIN};

	(void)arg;
	for (;;) {
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return NULL;
		if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
			return NULL;
		pthread_mutex_lock(&lock);
		drain_locked();
		pthread_mutex_unlock(&lock);
	}
}

int gvw_output_capture(void)
{
	pthread_t t;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
		return -1;
	/* The writing side blocks: a full pipe waits for the drainer rather
	 * than losing what the driver writes. */
	if (fcntl(fds[1], F_SETFL, 0) || dup2(fds[1], STDOUT_FILENO) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	/* Unbuffered, so that a call's output is in the pipe when it returns. */
	setvbuf(stdout, NULL, _IONBF, 0);
	rfd = fds[0];
	if (pthread_create(&t, NULL, drainer, NULL))
		return 0; /* gvw_output_pending drains too; only a long print could block */
	pthread_detach(t);
	return 0;
}

int gvw_output_pending(void)
{
	int any;

	if (rfd < 0)
		return 0;
	pthread_mutex_lock(&lock);
	drain_locked();
	any = used > 0 || dropped > 0;
	pthread_mutex_unlock(&lock);
	return any;
}

size_t gvw_output_take(void *out, size_t cap, uint32_t *lost)
{
	size_t n, i;

	*lost = 0;
	if (rfd < 0)
		return 0;
	pthread_mutex_lock(&lock);
	drain_locked();
	n = used < cap ? used : cap;
	for (i = 0; i < n; i++)
		((unsigned char *)out)[i] = buf[(head + i) % sizeof(buf)];
	head = (head + n) % sizeof(buf);
	used -= n;
	*lost = dropped > UINT32_MAX ? UINT32_MAX : (uint32_t)dropped;
	dropped = 0;
	pthread_mutex_unlock(&lock);
	return n;
}
