/* SPDX-License-Identifier: MIT */
/*
 * One session served over a byte stream (frame.h): the loop of a worker
 * process, which QEMU starts per guest process and gvirtus-backend per
 * client.  Each session in its own process keeps one guest process's
 * sticky GPU fault (or crash) from reaching any other: the driver
 * isolates processes, not the contexts of one process.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fdio.h"
#include "frame.h"
#include "log.h"
#include "worker_internal.h"

static int reply(int fd, struct gvw_session *s, uint32_t status, const void *resp,
		 uint32_t resp_len, struct gvw_bulk *bulk, unsigned int nbulk)
{
	struct gv_frame_reply h = {
		.magic = GV_FRAME_REPLY_MAGIC,
		.resp_len = resp_len,
		.status = status,
	};
	struct iovec v[2 + GV_FRAME_MAX_BULK];
	int n = 0;
	unsigned int i;

	/* The guest's own allocations; a module's globals go with the module. */
	for (i = 0; i < s->allocs.n; i++) {
		if (!s->allocs.v[i].symbol) {
			h.session_allocs++;
			h.session_bytes += s->allocs.v[i].size;
		}
	}

	v[n++] = (struct iovec){ &h, sizeof(h) };
	if (resp_len)
		v[n++] = (struct iovec){ (void *)resp, resp_len };
	for (i = 0; i < nbulk; i++)
		if (GV_BULK_HOST_WRITES(bulk[i].dir) && bulk[i].len)
			v[n++] = (struct iovec){ bulk[i].iov[0].base, bulk[i].len };
	return gvw_writev_full(fd, v, n);
}

/* Releases from the parent, for gates this process's streams wait at. */
static void *relay_reader(void *arg)
{
	struct gvw_worker *w = arg;
	struct gvw_gate_relay_msg m;

	while (gvw_read_full(w->relay_fd, &m, sizeof(m)) == 0)
		if (m.type == GVW_RELAY_RELEASE)
			gvw_gate_release_token(w, m.token);
	return NULL;
}

int gvw_serve_fd(int fd, const struct gvw_config *cfg, uint32_t id, int relay_fd,
		 uint64_t relay_key)
{
	pthread_t relay;
	int have_relay = 0;
	static unsigned char msg[GV_FRAME_MAX_MSG], resp[GV_FRAME_MAX_MSG];
	struct gvw_worker *w;
	struct gvw_session *s;
	char err[256];
	int rc = 0;

	if (gvw_worker_create(cfg, &w, err, sizeof(err))) {
		gvw_log(GVW_ERROR, "worker process: %s", err);
		return -1;
	}
	s = gvw_session_open(w, id);
	if (!s) {
		gvw_worker_destroy(w);
		return -1;
	}
	if (relay_fd >= 0) {
		w->relay_fd = relay_fd;
		w->relay_key = relay_key;
		have_relay = !pthread_create(&relay, NULL, relay_reader, w);
	}
	for (;;) {
		struct gv_frame_req h;
		struct gv_frame_bulk fb[GV_FRAME_MAX_BULK];
		struct gvw_iov iov[GV_FRAME_MAX_BULK];
		struct gvw_bulk bulk[GV_FRAME_MAX_BULK];
		size_t resp_len = 0;
		unsigned int i;
		int bad = 0;

		if (gvw_read_full(fd, &h, sizeof(h)))
			break;	/* the other end is gone: the session ends */
		if (h.magic != GV_FRAME_MAGIC || h.msg_len > GV_FRAME_MAX_MSG ||
		    h.nbulk > GV_FRAME_MAX_BULK) {
			gvw_log(GVW_ERROR, "session %u: malformed frame; closing", id);
			rc = -1;
			break;
		}
		if (gvw_read_full(fd, fb, h.nbulk * sizeof(fb[0])) ||
		    gvw_read_full(fd, msg, h.msg_len))
			break;
		memset(iov, 0, sizeof(iov));
		for (i = 0; i < h.nbulk; i++) {
			if (fb[i].len > GV_FRAME_MAX_BULK_BYTES ||
			    (!GV_BULK_HOST_READS(fb[i].dir) && !GV_BULK_HOST_WRITES(fb[i].dir))) {
				bad = 1;
				break;
			}
			iov[i].len = fb[i].len;
			iov[i].base = malloc(fb[i].len ? fb[i].len : 1);
			if (!iov[i].base) {
				bad = 1;
				break;
			}
			bulk[i] = (struct gvw_bulk){ &iov[i], 1, fb[i].len, fb[i].dir };
			if (GV_BULK_HOST_READS(fb[i].dir) &&
			    gvw_read_full(fd, iov[i].base, fb[i].len)) {
				bad = 2;
				break;
			}
		}
		if (bad) {
			for (i = 0; i < h.nbulk; i++)
				free(iov[i].base);
			gvw_log(GVW_ERROR, "session %u: bad bulk framing; closing", id);
			rc = -1;
			break;
		}
		s->vm_stats = h.vm;
		s->have_vm_stats = 1;
		gvw_session_exec(s, msg, h.msg_len, bulk, h.nbulk, resp, sizeof(resp), &resp_len);
		rc = reply(fd, s, 0, resp, (uint32_t)resp_len, bulk, h.nbulk);
		for (i = 0; i < h.nbulk; i++)
			free(iov[i].base);
		if (rc)
			break;
	}
	gvw_session_close(s);
	if (have_relay) {
		shutdown(relay_fd, SHUT_RDWR);
		pthread_join(relay, NULL);
	}
	gvw_worker_destroy(w);
	return rc;
}
