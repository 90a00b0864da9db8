/*
 * virtio-gvirtus request framing: see gvirtus_framing.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "gvirtus_framing.h"

/*
 * Fields are read in host order: virtio_gvirtus.h admits little-endian
 * hosts only.
 */

const char *gv_framing_parse(const uint8_t *req, size_t len, GvFraming *out)
{
    struct gv_vq_req_hdr hdr;
    struct gv_vq_bulk bd;
    uint64_t total_pages = 0;
    size_t need, at;
    uint32_t i, p;

    memset(out, 0, sizeof(*out));
    if (len < sizeof(hdr)) {
        return "request shorter than its header";
    }
    if (len > GV_FRAMING_MAX_OUT) {
        return "request larger than the device accepts";
    }
    memcpy(&hdr, req, sizeof(hdr));
    out->session = hdr.session;
    out->flags = hdr.flags;
    out->msg_len = hdr.msg_len;
    out->nbulk = hdr.nbulk;
    if (out->flags & ~(GV_VQ_F_CLOSE_SESSION | GV_VQ_F_MBOX_ATTACH |
                       GV_VQ_F_MBOX_WAIT) ||
        __builtin_popcount(out->flags) > 1) {
        return "unknown flags";
    }
    if (out->msg_len > GV_VQ_MAX_MSG) {
        return "message longer than GV_VQ_MAX_MSG";
    }
    if (out->nbulk > GV_VQ_MAX_BULK) {
        return "more bulk buffers than GV_VQ_MAX_BULK";
    }
    need = sizeof(hdr) + out->msg_len + out->nbulk * sizeof(bd);
    if (len < need) {
        return "request shorter than its message and bulk table";
    }
    out->msg = req + sizeof(hdr);
    at = sizeof(hdr) + out->msg_len;
    for (i = 0; i < out->nbulk; i++, at += sizeof(bd)) {
        GvFramedBulk *b = &out->bulk[i];

        memcpy(&bd, req + at, sizeof(bd));
        b->len = bd.len;
        b->offset = bd.offset;
        b->npages = bd.npages;
        b->dir = bd.dir;
        if (b->len > GV_VQ_MAX_BULK_BYTES) {
            return "bulk buffer longer than GV_VQ_MAX_BULK_BYTES";
        }
        if (b->offset >= GV_PAGE_SIZE || (b->len == 0 && b->offset)) {
            return "bulk offset outside the first page";
        }
        if (b->npages !=
            (b->offset + b->len + GV_PAGE_SIZE - 1) / GV_PAGE_SIZE) {
            return "bulk page count does not match its length";
        }
        if (!GV_BULK_HOST_READS(b->dir) && !GV_BULK_HOST_WRITES(b->dir)) {
            return "bulk direction unknown";
        }
        if (bd.reserved) {
            return "reserved bulk field set";
        }
        total_pages += b->npages;
    }
    if (total_pages > GV_VQ_MAX_PAGES) {
        return "more pages than GV_VQ_MAX_PAGES";
    }
    if (len != need + total_pages * sizeof(uint64_t)) {
        return "page list length does not match the bulk table";
    }
    for (i = 0; i < out->nbulk; i++) {
        out->bulk[i].pages = req + at;
        for (p = 0; p < out->bulk[i].npages; p++) {
            if (gv_framing_page(&out->bulk[i], p) & (GV_PAGE_SIZE - 1)) {
                return "page address not page aligned";
            }
        }
        at += out->bulk[i].npages * sizeof(uint64_t);
    }
    return NULL;
}
