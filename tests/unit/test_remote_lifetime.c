/* SPDX-License-Identifier: MIT */
/*
 * Worker processes seen from their parent (host-worker/remote.c), as QEMU
 * and gvirtus-backend use them: a worker outlives the thread that spawned
 * it but not its parent process; a response room too small is answered
 * GV_ERESP by the worker, which lives on; a call that never returns is
 * ended by gvw_remote_abort from another thread, or by the watched client
 * hanging up.  Uses the real gvirtus-worker ($GVIRTUS_WORKER, default
 * build/bin/gvirtus-worker) with the CPU reference executor.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gvirtus_worker.h"
#include "protocol.h"
#include "unit.h"

static struct gvw_worker *w;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One message of op with payload; the status and result of its response. */
static int call(struct gvw_remote *r, uint32_t op, const void *payload, uint32_t len,
		size_t resp_cap, uint16_t *status, int32_t *result, void *out, size_t out_len)
{
	unsigned char msg[128], resp[4096];
	struct gv_msg_hdr m = {.magic = GV_MSG_MAGIC,
			       .version = GV_PROTOCOL_VERSION,
			       .op = op,
			       .req_id = 9,
			       .payload_len = len};
	struct gv_resp_hdr h;
	size_t resp_len = 0;

	memcpy(msg, &m, sizeof(m));
	memcpy(msg + sizeof(m), payload, len);
	if (gvw_remote_exec(r, msg, sizeof(m) + len, NULL, 0, resp, resp_cap, &resp_len))
		return -1;
	if (resp_len < sizeof(h))
		return -2;
	memcpy(&h, resp, sizeof(h));
	*status = h.status;
	*result = h.result;
	if (out && h.payload_len >= out_len && resp_len >= sizeof(h) + out_len)
		memcpy(out, resp + sizeof(h), out_len);
	return 0;
}

static int hello(struct gvw_remote *r)
{
	struct gv_hello_req q = {GV_PROTOCOL_VERSION, 1};
	uint16_t st;
	int32_t res;

	return call(r, GV_OP_HELLO, &q, sizeof(q), 4096, &st, &res, NULL, 0) == 0 && st == GV_OK &&
	       res == 0;
}

/* Worker processes whose --parent is pid. */
static int workers_of(pid_t pid)
{
	char want[32], path[300], buf[1024];
	struct dirent *d;
	DIR *proc = opendir("/proc");
	int n = 0;

	snprintf(want, sizeof(want), "%d", (int)pid);
	while (proc && (d = readdir(proc))) {
		FILE *f;
		size_t got, i;
		char *a, *prev = NULL, stat_path[300], state = 0;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		got = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[got] = 0;
		if (!strstr(buf, "gvirtus-worker"))
			continue;
		snprintf(stat_path, sizeof(stat_path), "/proc/%s/stat", d->d_name);
		f = fopen(stat_path, "r");
		if (f) {
			if (fgets(path, sizeof(path), f) && strrchr(path, ')'))
				state = strrchr(path, ')')[2];
			fclose(f);
		}
		if (state == 'Z' || !state)
			continue;
		for (i = 0, a = buf; i < got; i += strlen(buf + i) + 1, a = buf + i) {
			if (prev && !strcmp(prev, "--parent") && !strcmp(a, want))
				n++;
			prev = a;
		}
	}
	if (proc)
		closedir(proc);
	return n;
}

static int wait_workers(pid_t pid, int want, double seconds)
{
	double t0 = now();

	while (workers_of(pid) != want && now() - t0 < seconds)
		usleep(20000);
	return workers_of(pid) == want;
}

static void *open_and_exit(void *arg)
{
	*(struct gvw_remote **)arg = gvw_remote_open(w, 7);
	return NULL;
}

struct stuck {
	struct gvw_remote *r;
	int rc;
	volatile int done;
};

/* Enqueues a host function nobody will release, then synchronizes: never returns. */
static void *stuck_call(void *arg)
{
	struct stuck *s = arg;
	struct gv_host_func_req q = {.stream = 0, .fn = 1};
	uint16_t st;
	int32_t res;

	s->rc = call(s->r, GV_OP_HOST_FUNC_ENQUEUE, &q, sizeof(q), 4096, &st, &res, NULL, 0);
	if (s->rc == 0)
		s->rc = call(s->r, GV_OP_DEVICE_SYNCHRONIZE, NULL, 0, 4096, &st, &res, NULL, 0);
	else
		s->rc = 1;
	s->done = 1;
	return NULL;
}

static int done_within(struct stuck *s, double seconds)
{
	double t0 = now();

	while (!s->done && now() - t0 < seconds)
		usleep(10000);
	return s->done;
}

int main(void)
{
	const char *path = getenv("GVIRTUS_WORKER");
	struct gvw_config cfg = {.executor = GVW_EXEC_CPU_REFERENCE,
				 .max_sessions = 8,
				 .cpu_reference_devices = 1,
				 .label = "test"};
	struct gvw_remote *r = NULL;
	struct stuck s = {0};
	pthread_t t;
	uint16_t st;
	int32_t res;
	char err[256];
	int sv[2];
	pid_t child;

	signal(SIGPIPE, SIG_IGN);
	cfg.worker_path = path && *path ? path : "build/bin/gvirtus-worker";
	if (access(cfg.worker_path, X_OK)) {
		printf("FAIL %s: not built (make backend)\n", cfg.worker_path);
		return unit_summary("test_remote_lifetime") | 1;
	}
	if (gvw_worker_create(&cfg, &w, err, sizeof(err))) {
		printf("FAIL gvw_worker_create: %s\n", err);
		return 1;
	}

	/* Finding (10): spawned by a thread that then exits, as by a QEMU vCPU thread. */
	pthread_create(&t, NULL, open_and_exit, &r);
	pthread_join(t, NULL);
	EXPECT(r != NULL, "gvw_remote_open from a thread");
	if (!r)
		return unit_summary("test_remote_lifetime");
	usleep(300000);
	EXPECT(workers_of(getpid()) == 1, "one worker process after its spawning thread exited");
	EXPECT(hello(r), "the session answers after its spawning thread exited");

	/* Finding (9): a room smaller than the response is GV_ERESP, not a killed worker. */
	EXPECT(call(r, GV_OP_DEVICE_INFO, NULL, 0, 64, &st, &res, NULL, 0) == 0 && st == GV_ERESP,
	       "DEVICE_INFO into 64 bytes: GV_ERESP (status %u)", st);
	EXPECT(call(r, GV_OP_DEVICE_INFO, NULL, 0, 4096, &st, &res, NULL, 0) == 0 && st == GV_OK,
	       "the same session then answers DEVICE_INFO in full");
	EXPECT(workers_of(getpid()) == 1, "and its worker process is the same one");

	/* Finding (1), QEMU's reset: abort from another thread ends a call that never returns. */
	s.r = r;
	pthread_create(&t, NULL, stuck_call, &s);
	EXPECT(!done_within(&s, 0.5), "synchronize behind an unreleased host function waits");
	gvw_remote_abort(r);
	EXPECT(done_within(&s, 3) && s.rc == -1, "gvw_remote_abort ends it (rc %d)", s.rc);
	pthread_join(t, NULL);
	gvw_remote_close(r);
	EXPECT(wait_workers(getpid(), 0, 3), "its worker process is gone");

	/* Finding (1), the network: the watched client hangs up during the call. */
	r = gvw_remote_open(w, 8);
	EXPECT(r && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "a session and a fake client");
	if (!r)
		return unit_summary("test_remote_lifetime");
	gvw_remote_set_watch_fd(r, sv[0]);
	EXPECT(hello(r), "HELLO with a watched client");
	memset(&s, 0, sizeof(s));
	s.r = r;
	pthread_create(&t, NULL, stuck_call, &s);
	EXPECT(!done_within(&s, 0.5), "the call waits while the client is there");
	close(sv[1]);
	EXPECT(done_within(&s, 3) && s.rc == -1, "the client's hang-up ends it (rc %d)", s.rc);
	pthread_join(t, NULL);
	gvw_remote_close(r);
	close(sv[0]);
	EXPECT(wait_workers(getpid(), 0, 3), "its worker process is gone");

	/* A worker never outlives its parent process, even in a call that never returns. */
	child = fork();
	if (child == 0) {
		struct gvw_remote *cr = gvw_remote_open(w, 9);

		memset(&s, 0, sizeof(s));
		s.r = cr;
		if (cr && hello(cr))
			stuck_call(&s);
		_exit(0);
	}
	EXPECT(wait_workers(child, 1, 5), "the child's worker process started");
	usleep(300000);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	EXPECT(wait_workers(child, 0, 6), "it is gone within seconds of its parent's death");

	gvw_worker_destroy(w);
	return unit_summary("test_remote_lifetime");
}
