/* SPDX-License-Identifier: MIT */
/*
 * gvirtus-worker: runs one guest process's session in a process of its
 * own.  QEMU's virtio-gvirtus device and gvirtus-backend start one per
 * session with the session's socket as --fd; --probe prints what the
 * executor finds.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gvirtus_worker.h"
#include "output.h"

static void usage(void)
{
	fprintf(stderr, "usage: gvirtus-worker (--probe | --fd N --session ID "
			"[--relay-fd N] [--parent PID]) "
			"[--executor cuda|cpu-reference] [--cpu-reference-devices N] "
			"[--gpus LIST] [--limits HANDLES,GATES,MODULE,DEVICE,HOST,LIBRARY] "
			"[--guest-ram GPA:LEN:FD:OFFSET,... [--register-guest-ram]] "
			"[--client-fd N --client-timeouts IO_MS,IDLE_S] [--stats-fd N]\n");
	exit(2);
}

/* "handles,gates,module bytes,device bytes,host bytes,library objects", as
 * gvw_remote_open writes it. */
static int parse_limits(const char *s, struct gvw_limits *l)
{
	unsigned long long v[6];
	char *end;
	int i;

	for (i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++) {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v[i] = strtoull(s, &end, 10);
		if (errno || *end != (i < (int)(sizeof(v) / sizeof(v[0])) - 1 ? ',' : 0))
			return -1;
		s = end + 1;
	}
	if (v[0] > UINT32_MAX || v[1] > UINT32_MAX || v[5] > UINT32_MAX)
		return -1;
	l->max_handles = (uint32_t)v[0];
	l->max_gates = (uint32_t)v[1];
	l->max_module_bytes = v[2];
	l->max_device_bytes = v[3];
	l->max_host_bytes = v[4];
	l->max_library_objects = (uint32_t)v[5];
	return 0;
}

struct watch {
	int fd[2];
	pid_t parent;
	int client_fd; /* a TCP client served directly, or -1 */
};

/*
 * Ends this process when its parent is gone.  Not PR_SET_PDEATHSIG: it
 * follows the parent *thread* that spawned us, and QEMU spawns workers
 * from vCPU threads, which may exit while QEMU (and the session) lives
 * on.  Instead: the parent's ends of our session and relay sockets close
 * when the parent process ends, however it ends (the kernel closes its
 * descriptors; they are close-on-exec, so no other program holds them),
 * and our parent pid changes when we are re-parented.  The main loop sees
 * the session socket's EOF itself when idle; this thread covers a call
 * that never returns (a kernel that never ends, a synchronize behind a
 * host function nobody will release).  It gives the main loop a moment to
 * close the session in order, then exits.
 */
static void *watchdog(void *arg)
{
	struct watch *wt = arg;
	struct pollfd p[2] = {{.fd = wt->fd[0], .events = POLLRDHUP},
			      {.fd = wt->fd[1], .events = POLLRDHUP}};
	int n;

	for (;;) {
		n = poll(p, wt->fd[1] >= 0 ? 2 : 1, 1000);
		if (n < 0 && errno != EINTR)
			break;
		if ((n > 0 && (p[0].revents || (wt->fd[1] >= 0 && p[1].revents))) ||
		    (wt->parent > 0 && getppid() != wt->parent))
			break;
	}
	/* Its client learns at once, as when the backend held its socket. */
	if (wt->client_fd >= 0)
		shutdown(wt->client_fd, SHUT_RDWR);
	sleep(2);
	_exit(3);
	return NULL;
}

int main(int argc, char **argv)
{
	struct gvw_config cfg = {.executor = GVW_EXEC_CUDA,
				 .max_sessions = 1,
				 .cpu_reference_devices = 1,
				 .label = "gvirtus-worker",
				 .in_worker_process = 1};
	static struct watch wt;
	struct gvw_serve_opts o = {.relay_fd = -1, .client_fd = -1, .stats_fd = -1};
	int fd = -1, probe = 0, i;
	long id = -1, parent = 0;
	pthread_t t;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--probe"))
			probe = 1;
		else if (!strcmp(argv[i], "--fd") && i + 1 < argc)
			fd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--relay-fd") && i + 1 < argc)
			o.relay_fd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--client-fd") && i + 1 < argc)
			o.client_fd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--stats-fd") && i + 1 < argc)
			o.stats_fd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--client-timeouts") && i + 1 < argc) {
			if (sscanf(argv[++i], "%u,%u", &o.client_io_ms, &o.client_idle_s) != 2)
				usage();
		} else if (!strcmp(argv[i], "--session") && i + 1 < argc)
			id = atol(argv[++i]);
		else if (!strcmp(argv[i], "--parent") && i + 1 < argc)
			parent = atol(argv[++i]);
		else if (!strcmp(argv[i], "--executor") && i + 1 < argc) {
			if (gvw_executor_parse(argv[++i], &cfg.executor))
				usage();
		} else if (!strcmp(argv[i], "--cpu-reference-devices") && i + 1 < argc)
			cfg.cpu_reference_devices = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--apis") && i + 1 < argc)
			cfg.apis = (unsigned int)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--gpus") && i + 1 < argc)
			cfg.gpus = argv[++i];
		else if (!strcmp(argv[i], "--guest-ram") && i + 1 < argc)
			o.guest_ram = argv[++i];
		else if (!strcmp(argv[i], "--register-guest-ram"))
			o.register_guest_ram = 1;
		else if (!strcmp(argv[i], "--limits") && i + 1 < argc) {
			if (parse_limits(argv[++i], &cfg.limits))
				usage();
		} else
			usage();
	}
	if (probe) {
		struct gvw_worker *w;
		char err[256];

		setenv("GVIRTUS_LOGLEVEL", "60000", 1);
		if (gvw_worker_create(&cfg, &w, err, sizeof(err))) {
			printf("%s\n", err);
			return 1;
		}
		printf("%s\n", gvw_worker_describe(w));
		gvw_worker_destroy(w);
		return 0;
	}
	if (fd < 0 || id < 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	/*
	 * What kernels and libraries print (device printf, cuBLAS's and
	 * cuSPARSE's " ** On entry to ...") is the guest program's output: kept
	 * for it (host-worker/output.h).  Failing that, the host's log, beside
	 * ours, never the stdout of QEMU or the backend, which may be a console.
	 */
	if (gvw_output_capture())
		dup2(STDERR_FILENO, STDOUT_FILENO);
	/* Never outlive the device or backend that started us (see watchdog). */
	wt.fd[0] = fd;
	wt.fd[1] = o.relay_fd;
	wt.client_fd = o.client_fd;
	wt.parent = (pid_t)parent;
	if ((parent > 0 && getppid() != (pid_t)parent) || pthread_create(&t, NULL, watchdog, &wt))
		return 1;
	pthread_detach(t);
	/* A TCP client's worker publishes its figures; QEMU's may (the mailbox's calls). */
	if (o.client_fd >= 0 && o.stats_fd < 0)
		usage();
	return gvw_serve_fd(fd, &cfg, (uint32_t)id, &o) ? 1 : 0;
}
