/* SPDX-License-Identifier: MIT */
/*
 * gvirtus-worker: runs one guest process's session in a process of its
 * own.  QEMU's virtio-gvirtus device starts one per session with the
 * session's socket as --fd; --probe prints what the executor finds.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "gvirtus_worker.h"

static void usage(void)
{
	fprintf(stderr, "usage: gvirtus-worker (--probe | --fd N --session ID "
			"[--relay-fd N --relay-key HEX]) [--executor cuda|cpu-reference] "
			"[--cpu-reference-devices N] [--gpus LIST]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct gvw_config cfg = { .executor = GVW_EXEC_CUDA, .max_sessions = 1,
				  .cpu_reference_devices = 1, .label = "gvirtus-worker",
				  .in_worker_process = 1 };
	int fd = -1, relay_fd = -1, probe = 0, i;
	unsigned long long relay_key = 0;
	long id = -1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--probe"))
			probe = 1;
		else if (!strcmp(argv[i], "--fd") && i + 1 < argc)
			fd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--relay-fd") && i + 1 < argc)
			relay_fd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--relay-key") && i + 1 < argc)
			relay_key = strtoull(argv[++i], NULL, 16);
		else if (!strcmp(argv[i], "--session") && i + 1 < argc)
			id = atol(argv[++i]);
		else if (!strcmp(argv[i], "--executor") && i + 1 < argc) {
			if (gvw_executor_parse(argv[++i], &cfg.executor))
				usage();
		} else if (!strcmp(argv[i], "--cpu-reference-devices") && i + 1 < argc)
			cfg.cpu_reference_devices = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--gpus") && i + 1 < argc)
			cfg.gpus = argv[++i];
		else
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
	/* Die with QEMU; never outlive the device that started us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	return gvw_serve_fd(fd, &cfg, (uint32_t)id, relay_fd, relay_key) ? 1 : 0;
}
