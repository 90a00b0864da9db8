/* SPDX-License-Identifier: MIT */
/*
 * The /dev/gvirtus ioctl ABI between the guest library and gvirtus.ko.
 * One open file is one session on the host.  GV_IOC_CALL sends protocol
 * messages and waits for the answer; the buffers it names are pinned in
 * place and handed to the host by page address, never copied by the guest.
 */
#ifndef GVIRTUS_IOCTL_H
#define GVIRTUS_IOCTL_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif

#include "mailbox.h"
#include "virtio_gvirtus.h"

#define GV_DEV_PATH "/dev/gvirtus"

struct gv_ioctl_buf {
	gv_u64 addr; /* user address */
	gv_u64 len;
	gv_u32 dir; /* GV_BULK_TO_HOST or GV_BULK_FROM_HOST */
	gv_u32 reserved;
};

struct gv_ioctl_call {
	gv_u64 msg; /* in: protocol messages */
	gv_u32 msg_len;
	gv_u32 resp_cap; /* in: room at resp */
	gv_u64 resp;	 /* out: protocol responses */
	gv_u32 resp_len; /* out */
	gv_u32 nbufs;	 /* <= GV_VQ_MAX_BULK */
	gv_u64 bufs;	 /* struct gv_ioctl_buf[nbufs] */
};

#define GV_IOC_MAGIC 'G'
#define GV_IOC_CALL  _IOWR(GV_IOC_MAGIC, 1, struct gv_ioctl_call)
/*
 * The session mailbox (mailbox.h): mmap of GV_MBOX_SIZE bytes at offset 0
 * gives the file its mailbox (ENODEV where the host serves none: keep to
 * GV_IOC_CALL).  GV_IOC_MBOX_WAIT sleeps until the request of the given
 * seq is answered: 0 once it is, 1 when the host's bounded wait ended
 * first (ask again).
 */
#define GV_IOC_MBOX_WAIT _IOW(GV_IOC_MAGIC, 2, gv_u32)
/*
 * Page-locked buffers (cudaHostAlloc, cudaHostRegister): GV_IOC_PIN pins
 * [addr, addr + len) (whole pages) for as long as the file is open or
 * until GV_IOC_UNPIN names the same addr, so that copies from and to it
 * reuse its page list instead of pinning its pages each time.  Ranges may
 * not overlap (EEXIST); a file pins at most GV_PIN_MAX_PAGES pages
 * (ENOMEM past it).  UNPIN of a range never pinned: EINVAL.
 */
struct gv_ioctl_range {
	gv_u64 addr;
	gv_u64 len;
};
#define GV_PIN_MAX_PAGES (1u << 20) /* 4 GiB of 4 KiB pages */
#define GV_IOC_PIN	 _IOW(GV_IOC_MAGIC, 3, struct gv_ioctl_range)
#define GV_IOC_UNPIN	 _IOW(GV_IOC_MAGIC, 4, struct gv_ioctl_range)

#endif
