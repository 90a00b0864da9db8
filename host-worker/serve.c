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
#include "frame_io.h"
#include "log.h"
#include "worker_internal.h"

/* Releases from the parent, for gates this process's streams wait at. */
static void *relay_reader(void *arg)
{
	struct gvw_worker *w = arg;
	struct gv_relay_msg m;

	while (gvw_read_full(w->relay_fd, &m, sizeof(m)) == 0)
		if (m.type == GV_RELAY_RELEASE)
			gvw_gate_release_token(w, m.token);
	return NULL;
}

/* The guest's own allocations; a module's globals go with the module. */
static void held(const struct gvw_session *s, uint64_t *allocs, uint64_t *bytes)
{
	unsigned int i;

	*allocs = *bytes = 0;
	for (i = 0; i < s->allocs.n; i++) {
		if (!s->allocs.v[i].symbol) {
			(*allocs)++;
			*bytes += s->allocs.v[i].size;
		}
	}
}

int gvw_serve_fd(int fd, const struct gvw_config *cfg, uint32_t id, int relay_fd,
		 const char *guest_ram)
{
	static struct gvw_guest_ram ram;
	pthread_t relay;
	int have_relay = 0;
	static unsigned char msg[GV_FRAME_MAX_MSG], resp[GV_FRAME_MAX_MSG];
	struct gvw_worker *w;
	struct gvw_session *s;
	char err[256];
	struct gv_stream st = gv_stream_plain(fd);
	int rc = 0;

	if (guest_ram && gvw_guest_ram_map(guest_ram, &ram, err, sizeof(err))) {
		gvw_log(GVW_ERROR, "worker process: %s", err);
		return -1;
	}
	if (gvw_worker_create(cfg, &w, err, sizeof(err))) {
		gvw_log(GVW_ERROR, "worker process: %s", err);
		gvw_guest_ram_unmap(&ram);
		return -1;
	}
	s = gvw_session_open(w, id);
	if (!s) {
		gvw_worker_destroy(w);
		return -1;
	}
	if (relay_fd >= 0) {
		/* The parent's first words on the relay: this session's gate key. */
		if (gvw_read_full(relay_fd, &w->relay_key, sizeof(w->relay_key))) {
			gvw_log(GVW_ERROR, "worker process: no gate key on the relay socket");
			gvw_session_close(s);
			gvw_worker_destroy(w);
			return -1;
		}
		w->relay_fd = relay_fd;
		have_relay = !pthread_create(&relay, NULL, relay_reader, w);
	}
	for (;;) {
		struct gvw_frame_in in;
		uint64_t allocs, bytes;
		size_t resp_len = 0, cap;
		int got = gvw_frame_recv(&st, &in, msg, guest_ram ? &ram : NULL);

		if (got <= 0) {
			rc = got; /* EOF: the session ends; -1: malformed */
			break;
		}
		if (got == GVW_FRAME_FAULT) {
			/* QEMU answers the guest EFAULT, as for a page it cannot map. */
			gvw_frame_free(&in);
			held(s, &allocs, &bytes);
			if ((rc = gvw_frame_reply_fault(&st, allocs, bytes)))
				break;
			continue;
		}
		s->vm_stats = in.h.vm;
		s->have_vm_stats = 1;
		/* The parent's room for the responses: what does not fit is GV_ERESP. */
		cap = in.h.resp_cap && in.h.resp_cap < sizeof(resp) ? in.h.resp_cap : sizeof(resp);
		gvw_session_exec(s, msg, in.h.msg_len, in.bulk, in.h.nbulk, resp, cap, &resp_len);
		held(s, &allocs, &bytes);
		rc = gvw_frame_reply(&st, allocs, bytes, resp, (uint32_t)resp_len, &in);
		gvw_frame_free(&in);
		if (rc)
			break;
	}
	gvw_session_close(s);
	if (have_relay) {
		shutdown(relay_fd, SHUT_RDWR);
		pthread_join(relay, NULL);
	}
	gvw_worker_destroy(w);
	gvw_guest_ram_unmap(&ram);
	return rc;
}
