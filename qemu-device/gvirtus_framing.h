/*
 * virtio-gvirtus request framing: parsing and bounds checks, kept free of
 * QEMU types so that unit tests can feed it hostile input directly.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GVIRTUS_FRAMING_H
#define GVIRTUS_FRAMING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "virtio_gvirtus.h"

typedef struct GvFramedBulk {
    uint64_t len;
    uint32_t offset;
    uint32_t npages;
    uint32_t dir;
    const uint8_t *pages;       /* npages le64 guest-physical addresses */
} GvFramedBulk;

typedef struct GvFraming {
    uint32_t session;
    uint32_t flags;
    const uint8_t *msg;
    uint32_t msg_len;
    uint32_t nbulk;
    GvFramedBulk bulk[GV_VQ_MAX_BULK];
} GvFraming;

/* Largest device-readable part a request may have. */
#define GV_FRAMING_MAX_OUT                                          \
    (sizeof(struct gv_vq_req_hdr) + GV_VQ_MAX_MSG +                 \
     GV_VQ_MAX_BULK * sizeof(struct gv_vq_bulk) +                   \
     (size_t)GV_VQ_MAX_PAGES * sizeof(uint64_t))

/*
 * Parses the device-readable bytes of a request (req, len: a copy the
 * caller owns and keeps while out is used).  Returns NULL, or a static
 * string saying what is wrong.
 */
const char *gv_framing_parse(const uint8_t *req, size_t len, GvFraming *out);

/* Page i of a bulk buffer (the list need not be 8-byte aligned). */
static inline uint64_t gv_framing_page(const GvFramedBulk *b, uint32_t i)
{
    uint64_t gpa;

    memcpy(&gpa, b->pages + (size_t)i * sizeof(gpa), sizeof(gpa));
    return gpa;
}

#endif
