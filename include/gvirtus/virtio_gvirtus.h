/* SPDX-License-Identifier: MIT */
/*
 * virtio-gvirtus: the virtqueue framing between gvirtus.ko and the QEMU
 * device.  The CUDA calls themselves travel as protocol messages
 * (protocol.h) inside this framing; bulk data never does: it is described
 * by lists of guest-physical page addresses that the device maps itself.
 *
 * Shared by the guest kernel module and QEMU, so it uses only fixed-width
 * little-endian fields and no libc or kernel headers beyond <stdint.h> /
 * <linux/types.h>.
 */
#ifndef GVIRTUS_VIRTIO_GVIRTUS_H
#define GVIRTUS_VIRTIO_GVIRTUS_H

/*
 * Little-endian wire fields are __le types in the kernel, which sparse
 * checks; gv_u32 and gv_u64 are native (the ioctl ABI's).
 */
#ifdef __KERNEL__
#include <linux/types.h>
typedef __u32 gv_u32;
typedef __u64 gv_u64;
typedef __le32 gv_le32;
typedef __le64 gv_le64;
#else
#include <stdint.h>
/* User space (QEMU, tests) reads the little-endian fields in host order. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "virtio-gvirtus framing is read in host order: little-endian hosts only"
#endif
typedef uint32_t gv_u32;
typedef uint64_t gv_u64;
typedef uint32_t gv_le32;
typedef uint64_t gv_le64;
#endif

#include "bulk.h"

/*
 * The virtio device id.  Neither the virtio spec (ids up to 45 assigned)
 * nor Linux's virtio_ids.h use 57, and crosvm's private ids are 48 and
 * 61..63.  Linux's virtio-pci binds PCI 1af4:1040+id only for id <= 63.
 */
#define GV_VIRTIO_ID	 57
#define GV_PCI_VENDOR_ID 0x1af4
#define GV_PCI_DEVICE_ID (0x1040 + GV_VIRTIO_ID)

/* One request queue; requests of every session share it. */
#define GV_VQ_REQUEST 0
#define GV_VQ_COUNT   1
#define GV_VQ_SIZE    256

#define GV_PAGE_SHIFT 12
#define GV_PAGE_SIZE  (1u << GV_PAGE_SHIFT)

/* vq header flags */
#define GV_VQ_F_CLOSE_SESSION 1u /* no message: end the session */
/*
 * The session mailbox (mailbox.h); gvirtus.ko alone sends these.  ATTACH:
 * no message, one bulk buffer (GV_BULK_UPDATE), the mailbox's pages.
 * WAIT: a 4-byte message, the le32 seq of the request waited for; the
 * response is 4 bytes, GV_MBOX_ANSWERED or GV_MBOX_PENDING (ask again).
 */
#define GV_VQ_F_MBOX_ATTACH 2u
#define GV_VQ_F_MBOX_WAIT   4u
#define GV_MBOX_ANSWERED    0u
#define GV_MBOX_PENDING	    1u

/* Limits the device enforces on every request. */
#define GV_VQ_MAX_MSG	     (64u * 1024)  /* protocol bytes each way */
#define GV_VQ_MAX_BULK	     8		   /* bulk buffers per request */
#define GV_VQ_MAX_PAGES	     (65536u + 16) /* pages per request (256 MiB) */
#define GV_VQ_MAX_BULK_BYTES (256ull << 20)

/*
 * Device-readable part of a request, read as one byte stream across all of
 * the element's out descriptors:
 *   struct gv_vq_req_hdr
 *   msg_len bytes of protocol messages
 *   nbulk x struct gv_vq_bulk
 *   sum(npages) x le64 guest-physical page addresses, buffer after buffer
 */
struct gv_vq_req_hdr {
	gv_le32 session; /* chosen by the guest driver, one per open file */
	gv_le32 flags;	 /* GV_VQ_F_* */
	gv_le32 msg_len;
	gv_le32 nbulk;
};

struct gv_vq_bulk {
	gv_le64 len;	  /* bytes, starting at offset in the first page */
	gv_le32 offset;	  /* < GV_PAGE_SIZE */
	gv_le32 npages;	  /* must equal pages spanned by offset + len */
	gv_le32 dir;	  /* GV_BULK_TO_HOST or GV_BULK_FROM_HOST */
	gv_le32 reserved; /* zero */
};

/*
 * Device-writable part: struct gv_vq_resp_hdr, then up to the space the
 * guest gave of protocol response bytes.
 */
#define GV_VQ_OK	 0u
#define GV_VQ_EBADREQ	 1u /* malformed framing; see the QEMU log */
#define GV_VQ_ENOSESSION 2u /* too many sessions */
#define GV_VQ_EFAULT	 3u /* a page address is not guest RAM */
#define GV_VQ_EWORKER	 4u /* the session's worker process is gone */
#define GV_VQ_ENOTSUPP	 5u /* no mailbox here: no worker process or no shared RAM */

struct gv_vq_resp_hdr {
	gv_le32 status;	 /* GV_VQ_* */
	gv_le32 msg_len; /* protocol bytes that follow */
};

#endif
