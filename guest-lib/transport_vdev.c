/* SPDX-License-Identifier: MIT */
/*
 * The virtio transport: one open of /dev/gvirtus is this process's session.
 * A call without bulk buffers goes through the session mailbox (mailbox.h)
 * when the host serves one: written to shared memory and answered there,
 * with no system call while the host's worker is polling; the rest, and
 * every call where there is no mailbox, through GV_IOC_CALL.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gvrt.h"
#include "ioctl.h"
#include "msg_scan.h"

/* How long a caller spins on its answer before it sleeps in the driver. */
#define MBOX_SPIN_US 1000u

struct vdev_transport {
	struct gv_transport t;
	int fd;
	unsigned char *box;	  /* the session mailbox, or NULL */
	pid_t box_pid;		  /* the process that mapped it (not a child) */
	int box_tried;		  /* mapped at the first call that may use it */
	pthread_mutex_t box_lock; /* one request in it at a time; the above */
	uint32_t seq;
	unsigned int spin_us;
	pid_t pid; /* the process that opened the file: its pinned ranges */
};

static int mbox_call(struct vdev_transport *v, const void *msg, size_t msg_len, void *resp,
		     size_t resp_cap, size_t *resp_len)
{
	struct gv_mbox_ctl *c = (struct gv_mbox_ctl *)v->box;
	uint32_t seq = v->seq + 1, len;
	uint64_t t0;

	memcpy(v->box + GV_MBOX_REQ_OFF, msg, msg_len);
	gv_mbox_store(&c->req_len, (uint32_t)msg_len);
	gv_mbox_store(&c->resp_cap, (uint32_t)resp_cap);
	gv_mbox_store(&c->req_seq, seq);
	v->seq = seq;
	/* Pairs with the worker's fence between saying it sleeps and its last look. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!gv_mbox_load(&c->worker_idle)) {
		t0 = gv_mbox_now_us();
		while (gv_mbox_load(&c->done_seq) != seq && gv_mbox_now_us() - t0 < v->spin_us)
			__builtin_ia32_pause();
	}
	while (gv_mbox_load(&c->done_seq) != seq)
		if (ioctl(v->fd, GV_IOC_MBOX_WAIT, &seq) < 0)
			return -errno; /* never re-sent: the host may have run it */
	len = gv_mbox_load(&c->resp_len);
	if (gv_mbox_load(&c->status) != GV_MBOX_OK || len > resp_cap)
		return -EIO;
	memcpy(resp, v->box + GV_MBOX_RESP_OFF, len);
	*resp_len = len;
	return 0;
}

/*
 * The mailbox, unless GVIRTUS_MAILBOX=0 or the host serves none (QEMU's
 * sessions without worker processes, guest RAM not shared): then every
 * call takes the driver's path, as before.
 */
static void mbox_open(struct vdev_transport *v)
{
	const char *off = getenv("GVIRTUS_MAILBOX"), *spin = getenv("GVIRTUS_MBOX_SPIN_US");
	void *p;

	if (off && !strcmp(off, "0"))
		return;
	p = mmap(NULL, GV_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (p == MAP_FAILED) {
		gv_log(GV_LOG_DEBUG, "no session mailbox (%s): calls go through %s",
		       strerror(errno), GV_DEV_PATH);
		return;
	}
	v->box = p;
	v->box_pid = getpid();
	v->seq = gv_mbox_load(&((struct gv_mbox_ctl *)p)->req_seq);
	v->spin_us = spin ? (unsigned int)strtoul(spin, NULL, 10) : MBOX_SPIN_US;
}

static int vdev_call(struct gv_transport *t, const void *msg, size_t msg_len, void *resp,
		     size_t resp_cap, size_t *resp_len, const struct gv_buf *bufs,
		     unsigned int nbufs)
{
	struct vdev_transport *v = (struct vdev_transport *)t;
	struct gv_ioctl_buf ib[GV_VQ_MAX_BULK];
	struct gv_ioctl_call c = {
	    .msg = (uintptr_t)msg,
	    .msg_len = (uint32_t)msg_len,
	    .resp = (uintptr_t)resp,
	    .resp_cap = (uint32_t)resp_cap,
	    .nbufs = nbufs,
	    .bufs = (uintptr_t)ib,
	};
	unsigned int i;

	if (nbufs > GV_VQ_MAX_BULK)
		return -E2BIG;
	/* Through the mailbox unless busy (another thread's call is in it: the
	 * driver's path, at once) or a STATS, whose VM figures QEMU's frames carry. */
	if (!nbufs && !t->gate_calls && msg_len <= GV_MBOX_REQ_MAX &&
	    !gv_msgs_have_op(msg, msg_len, GV_OP_STATS) && resp_cap <= GV_MBOX_RESP_MAX &&
	    !pthread_mutex_trylock(&v->box_lock)) {
		int e = 1;

		if (!v->box_tried) {
			v->box_tried = 1;
			mbox_open(v);
		}
		if (v->box && v->box_pid == getpid())
			e = mbox_call(v, msg, msg_len, resp, resp_cap, resp_len);
		pthread_mutex_unlock(&v->box_lock);
		if (e <= 0)
			return e;
	}
	for (i = 0; i < nbufs; i++) {
		ib[i].addr = (uintptr_t)bufs[i].addr;
		ib[i].len = bufs[i].len;
		ib[i].dir = bufs[i].dir;
		ib[i].reserved = 0;
	}
	/* Never re-sent: the host may have run it (EINTR means we are dying). */
	if (ioctl(v->fd, GV_IOC_CALL, &c) < 0)
		return -errno;
	*resp_len = c.resp_len;
	return 0;
}

/* A page-locked buffer's pages pinned once (on), or no longer (gvirtus.ko). */
static int vdev_pin(struct gv_transport *t, const void *p, size_t len, int on)
{
	struct vdev_transport *v = (struct vdev_transport *)t;
	struct gv_ioctl_range r = {.addr = (uintptr_t)p, .len = len};

	/* A forked child shares the file, but not the parent's buffers. */
	if (getpid() != v->pid)
		return -EPERM;
	return ioctl(v->fd, on ? GV_IOC_PIN : GV_IOC_UNPIN, &r) < 0 ? -errno : 0;
}

struct gv_transport *gv_transport_vdev_open(char *err, size_t err_len)
{
	struct vdev_transport *v;
	int fd = open(GV_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, err_len, "%s: %s%s", GV_DEV_PATH, strerror(errno),
			 errno == ENOENT ? " (is gvirtus.ko loaded?)" : "");
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		close(fd);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	v->t.name = "virtio";
	v->t.call = vdev_call;
	v->t.pin = vdev_pin;
	v->t.max_bulk = GV_VQ_MAX_BULK_BYTES - GV_PAGE_SIZE;
	v->fd = fd;
	v->pid = getpid();
	pthread_mutex_init(&v->box_lock, NULL);
	return &v->t;
}
