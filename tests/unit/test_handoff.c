/* SPDX-License-Identifier: MIT */
/*
 * A worker process that serves its TCP client itself (gvw_remote_open_client,
 * as gvirtus-backend uses it for plain TCP): the parent relays the HELLO,
 * then the client's frames go to the worker with no parent in between;
 * the worker reports what the session did on the page it shares, asks the
 * parent for the VM-wide figures of a STATS op, and keeps the backend's
 * timeouts: a frame begun must end within io_ms, and idle_s ends a quiet
 * session.  A socketpair stands in for the TCP connection.  Uses the real
 * gvirtus-worker ($GVIRTUS_WORKER, default build/bin/gvirtus-worker).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "frame_client.h"
#include "gvirtus_worker.h"
#include "protocol.h"
#include "unit.h"

static int io_writev(void *ctx, struct iovec *iov, int n)
{
	return gvw_writev_full(*(int *)ctx, iov, n);
}

static int io_read(void *ctx, void *buf, size_t len)
{
	return gvw_read_full(*(int *)ctx, buf, len);
}

/* One message of op, framed: through the parent (r) or straight on fd. */
static int call(struct gvw_remote *r, int fd, uint32_t op, const void *q, uint32_t len,
		int32_t *result, void *out, size_t out_len)
{
	unsigned char msg[128], resp[4096];
	struct gv_msg_hdr m = {.magic = GV_MSG_MAGIC,
			       .version = GV_PROTOCOL_VERSION,
			       .op = op,
			       .req_id = 3,
			       .payload_len = len};
	struct gv_frame_req h = {.magic = GV_FRAME_MAGIC, .msg_len = sizeof(m) + len};
	const struct gv_frame_io io = {io_writev, io_read, &fd};
	struct gv_frame_reply rh;
	struct gv_resp_hdr rs;
	size_t resp_len = 0;

	memcpy(msg, &m, sizeof(m));
	memcpy(msg + sizeof(m), q, len);
	if (r) {
		if (gvw_remote_exec(r, msg, sizeof(m) + len, NULL, 0, resp, sizeof(resp),
				    &resp_len))
			return -1;
	} else {
		if (gv_frame_call(&io, &h, msg, NULL, resp, sizeof(resp), &rh))
			return -1;
		resp_len = rh.resp_len;
	}
	if (resp_len < sizeof(rs))
		return -2;
	memcpy(&rs, resp, sizeof(rs));
	*result = rs.status == GV_OK ? rs.result : -1000 - (int)rs.status;
	if (out && resp_len >= sizeof(rs) + out_len)
		memcpy(out, resp + sizeof(rs), out_len);
	return 0;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Seconds until the peer closes fd (reads nothing else), or -1 after limit s. */
static double closed_after(int fd, double limit)
{
	double t0 = now();
	struct timeval tv = {.tv_sec = (time_t)limit + 1};
	char c;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (read(fd, &c, 1) > 0)
		return -1;
	return now() - t0 > limit ? -1 : now() - t0;
}

int main(void)
{
	struct gvw_config cfg = {.executor = GVW_EXEC_CPU_REFERENCE,
				 .max_sessions = 4,
				 .cpu_reference_devices = 1,
				 .label = "test_handoff"};
	const char *path = getenv("GVIRTUS_WORKER");
	struct gv_hello_req hq = {GV_PROTOCOL_VERSION, 1234};
	struct gv_malloc_req mq = {1 << 20};
	struct gv_ptr_resp dev = {0};
	struct gv_stats_resp st = {0};
	struct gvw_activity act = {0};
	struct gvw_held held = {0};
	struct gvw_worker *w;
	struct gvw_remote *r;
	char err[256];
	int sv[2], res = -1;
	double t;

	cfg.worker_path = path && *path ? path : "build/bin/gvirtus-worker";
	if (gvw_worker_create(&cfg, &w, err, sizeof(err))) {
		printf("FAIL gvw_worker_create: %s\n", err);
		return 1;
	}

	/* 1. The HELLO through the parent, then the client straight to the worker. */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	r = gvw_remote_open_client(w, 21, sv[1], 1000, 2);
	EXPECT(r != NULL, "a worker for the client");
	if (!r)
		return unit_summary("test_handoff");
	gvw_remote_set_watch_fd(r, sv[1]);
	EXPECT(call(r, -1, GV_OP_HELLO, &hq, sizeof(hq), &res, NULL, 0) == 0 && res == 0,
	       "HELLO through the parent");
	EXPECT(call(NULL, sv[0], GV_OP_MALLOC, &mq, sizeof(mq), &res, &dev, sizeof(dev)) == 0 &&
		   res == 0 && dev.ptr,
	       "cudaMalloc straight from the client");
	EXPECT(call(NULL, sv[0], GV_OP_STATS, NULL, 0, &res, &st, sizeof(st)) == 0 && res == 0,
	       "STATS straight from the client");
	EXPECT(st.sessions == 1 && st.total_allocs == 1 && st.total_bytes == 1 << 20,
	       "the parent's VM-wide figures: %u session(s), %llu allocation(s), %llu bytes",
	       st.sessions, (unsigned long long)st.total_allocs,
	       (unsigned long long)st.total_bytes);
	EXPECT(gvw_remote_activity(r, &act) == 0 && act.guest_pid == 1234 && act.requests == 3 &&
		   act.calls == 3,
	       "the worker's page: pid %u, %llu requests, %llu calls", act.guest_pid,
	       (unsigned long long)act.requests, (unsigned long long)act.calls);
	gvw_remote_held(r, &held);
	EXPECT(held.allocs == 1 && held.device_bytes == 1 << 20 && held.worker_pid > 0,
	       "what the session holds, from the page");
	/* The client leaves: the worker ends the session, the parent sees it end. */
	close(sv[0]);
	EXPECT(gvw_remote_wait_end(r) == 0, "the session ends with its client");
	gvw_remote_close(r);

	/* 2. Half a frame, then silence: cut within io_ms. */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	r = gvw_remote_open_client(w, 22, sv[1], 1000, 30);
	gvw_remote_set_watch_fd(r, sv[1]);
	EXPECT(call(r, -1, GV_OP_HELLO, &hq, sizeof(hq), &res, NULL, 0) == 0 && res == 0,
	       "HELLO (2)");
	{
		struct gv_frame_req h = {.magic = GV_FRAME_MAGIC, .msg_len = 64};

		EXPECT(write(sv[0], &h, sizeof(h)) == (ssize_t)sizeof(h), "half a frame sent");
	}
	t = closed_after(sv[0], 5);
	EXPECT(t >= 0.8 && t <= 3, "a frame begun is cut at io_ms (%.2f s)", t);
	close(sv[0]);
	gvw_remote_wait_end(r);
	gvw_remote_close(r);

	/* 3. A quiet client: cut after idle_s. */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	r = gvw_remote_open_client(w, 23, sv[1], 1000, 1);
	gvw_remote_set_watch_fd(r, sv[1]);
	EXPECT(call(r, -1, GV_OP_HELLO, &hq, sizeof(hq), &res, NULL, 0) == 0 && res == 0,
	       "HELLO (3)");
	t = closed_after(sv[0], 5);
	EXPECT(t >= 0.8 && t <= 3, "an idle client is cut at idle_s (%.2f s)", t);
	close(sv[0]);
	gvw_remote_wait_end(r);
	gvw_remote_close(r);

	gvw_worker_destroy(w);
	return unit_summary("test_handoff");
}
