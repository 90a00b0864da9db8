/* SPDX-License-Identifier: MIT */
/* The virtio transport: one open of /dev/gvirtus is this process's session. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gvrt.h"
#include "ioctl.h"

struct vdev_transport {
	struct gv_transport t;
	int fd;
};

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
	v->t.max_bulk = GV_VQ_MAX_BULK_BYTES - GV_PAGE_SIZE;
	v->fd = fd;
	return &v->t;
}
