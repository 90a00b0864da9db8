/*
 * virtio-gvirtus: a paravirtual device through which guest processes run
 * CUDA calls on the host's GPUs.
 *
 * The guest driver sends one request per call batch: a small header, the
 * protocol messages, and lists of guest-physical pages for bulk data.
 * This file only moves requests: each guest session gets a thread of its
 * own that maps the pages, runs the messages through the gvirtus host
 * worker (which validates them and owns all CUDA state), and queues the
 * completion.  CUDA never runs on the main loop or a vCPU thread, and
 * completions reach the virtqueue from a bottom half under the BQL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"

#include "exec/ramblock.h"
#include "hw/boards.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio.h"
#include "migration/blocker.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/iov.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/queue.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "system/dma.h"
#include "trace/trace-hw_virtio.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "qapi/qapi-commands-gvirtus.h"

#include "guest_ram.h"
#include "gvirtus_framing.h"
#include "gvirtus_worker.h"
#include "mailbox.h"
#include "protocol.h"
#include "virtio_gvirtus.h"

#define TYPE_VIRTIO_GVIRTUS "virtio-gvirtus-device"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIOGvirtus, VIRTIO_GVIRTUS)

typedef struct GvSession GvSession;

/* A request on its way through a session thread. */
typedef struct GvJob {
    VirtQueueElement *elem;
    bool close;                 /* end of session marker */
    uint32_t session;
    size_t written;             /* bytes of in_sg filled */
    QSIMPLEQ_ENTRY(GvJob) next;
} GvJob;

struct GvSession {
    struct VirtIOGvirtus *dev;
    uint32_t id;
    struct gvw_session *ws;     /* in QEMU's process (worker="") */
    struct gvw_remote *wr;      /* in a worker process of its own */
    QemuThread thread;
    QemuMutex lock;
    QemuCond cond;
    QSIMPLEQ_HEAD(, GvJob) jobs;
    bool stop;                  /* device reset: finish the current job only */
    bool closing;               /* a close is queued; under the BQL */
    bool ended;                 /* the thread has exited */
    /* For the monitor (query-gvirtus), updated by the session's thread. */
    QemuMutex stats_lock;
    struct gvw_activity act;
};

struct VirtIOGvirtus {
    VirtIODevice parent_obj;

    char *executor;
    char *worker;
    char *gpus;
    uint32_t max_sessions;
    uint32_t cpu_reference_devices;
    /* What one session may hold (struct gvw_limits); 0: the default. */
    uint32_t max_handles;
    uint32_t max_gates;
    uint64_t max_module_bytes;
    uint64_t max_device_bytes;
    uint64_t max_host_bytes;
    uint32_t max_library_objects;
    bool share_ram;
    bool dma_ram;

    VirtQueue *vq;
    struct gvw_worker *wk;
    Error *migration_blocker;
    GHashTable *sessions;       /* id -> GvSession, under the BQL */

    QemuMutex done_lock;
    QSIMPLEQ_HEAD(, GvJob) done;
    QEMUBH *done_bh;

    /*
     * Guest RAM shared with the worker processes (the data plane): its
     * layout as last given to the workers, kept current by a listener on
     * the system address space.  Under the BQL.
     */
    MemoryListener ram_listener;
    bool ram_listening;
    bool ram_checked;           /* first session: the fallback's warning */
    struct gvw_guest_ram ram;
};

/* Maps a guest buffer given as a page list; what was mapped is undone. */
typedef struct GvMapping {
    struct gv_frame_piece *iov;
    unsigned int niov;
    bool write;
} GvMapping;

static void gv_unmap(VirtIOGvirtus *s, GvMapping *m)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    unsigned int i;

    for (i = 0; i < m->niov; i++) {
        dma_memory_unmap(vdev->dma_as, m->iov[i].base, m->iov[i].len,
                         m->write ? DMA_DIRECTION_FROM_DEVICE
                                  : DMA_DIRECTION_TO_DEVICE,
                         m->write ? m->iov[i].len : 0);
    }
    g_free(m->iov);
    m->iov = NULL;
    m->niov = 0;
}

/*
 * Maps a bulk buffer: len bytes from offset into its listed pages.  Runs
 * of contiguous guest pages are mapped with one call; each host range
 * returned becomes one iovec.  False if any of it is not guest RAM.
 */
static bool gv_map(VirtIOGvirtus *s, const GvFramedBulk *b, GvMapping *m)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    DMADirection dir = m->write ? DMA_DIRECTION_FROM_DEVICE
                                : DMA_DIRECTION_TO_DEVICE;
    uint64_t left = b->len;
    uint32_t i = 0, cap = 0;

    while (left) {
        uint64_t start = gv_framing_page(b, i) + (i == 0 ? b->offset : 0);
        uint64_t run = GV_PAGE_SIZE - (i == 0 ? b->offset : 0);
        uint32_t j = i + 1;

        while (j < b->npages && run < left &&
               gv_framing_page(b, j) ==
                   gv_framing_page(b, j - 1) + GV_PAGE_SIZE) {
            run += GV_PAGE_SIZE;
            j++;
        }
        run = MIN(run, left);
        while (run) {
            dma_addr_t got = run;
            void *p = dma_memory_map(vdev->dma_as, start, &got, dir,
                                     MEMTXATTRS_UNSPECIFIED);

            if (!p || got == 0) {
                if (p) {
                    dma_memory_unmap(vdev->dma_as, p, got, dir, 0);
                }
                return false;
            }
            if (m->niov == cap) {
                cap = cap ? cap * 2 : 16;
                m->iov = g_renew(struct gv_frame_piece, m->iov, cap);
            }
            m->iov[m->niov].base = p;
            m->iov[m->niov].len = got;
            m->niov++;
            start += got;
            run -= got;
            left -= got;
        }
        i = j;
    }
    return true;
}

/*
 * The data plane's guest RAM: every writable RAM range of the system
 * address space that a shared file backs (memory-backend-memfd or -file
 * with share=on).  A worker maps these and reads and writes bulk data in
 * place; QEMU then sends page lists instead of bytes (frame.h).
 */
typedef struct GvRamScan {
    struct gvw_guest_ram g;
    bool overflow;
} GvRamScan;

static bool gv_ram_range(Int128 start, Int128 len, const MemoryRegion *mr,
                         hwaddr offset_in_region, void *opaque)
{
    GvRamScan *sc = opaque;
    MemoryRegion *m = (MemoryRegion *)mr;
    RAMBlock *rb = mr->ram_block;
    uint64_t gpa = int128_get64(start), n = int128_get64(len), off;
    struct gvw_guest_ram_range *prev;

    if (!rb || !memory_region_is_ram(m) || memory_region_is_ram_device(m) ||
        memory_region_is_rom(m) || mr->rom_device ||
        qemu_ram_get_fd(rb) < 0 || !qemu_ram_is_shared(rb)) {
        return false;
    }
    off = rb->fd_offset + offset_in_region;
    if ((gpa | n | off) & (GV_PAGE_SIZE - 1)) {
        return false;
    }
    prev = sc->g.n ? &sc->g.r[sc->g.n - 1] : NULL;
    if (prev && prev->fd == qemu_ram_get_fd(rb) &&
        prev->gpa + prev->len == gpa && prev->fd_offset + prev->len == off) {
        prev->len += n;
        return false;
    }
    if (sc->g.n == GVW_GUEST_RAM_MAX_RANGES) {
        sc->overflow = true;
        return true;
    }
    sc->g.r[sc->g.n++] = (struct gvw_guest_ram_range){
        .gpa = gpa, .len = n, .fd = qemu_ram_get_fd(rb), .fd_offset = off,
    };
    return false;
}

/* Why the machine's main RAM cannot be shared with workers, or NULL. */
static const char *gv_ram_unshareable(void)
{
    MachineState *ms = MACHINE(qdev_get_machine());

    if (!ms->ram || memory_region_get_fd(ms->ram) < 0 ||
        !ms->ram->ram_block || !qemu_ram_is_shared(ms->ram->ram_block)) {
        return "guest RAM is not a shared file";
    }
    return NULL;
}

static void gv_ram_commit(MemoryListener *l)
{
    VirtIOGvirtus *s = container_of(l, VirtIOGvirtus, ram_listener);
    GvRamScan sc = { 0 };

    if (!gv_ram_unshareable()) {
        WITH_RCU_READ_LOCK_GUARD() {
            flatview_for_each_range(
                address_space_to_flatview(&address_space_memory),
                gv_ram_range, &sc);
        }
        if (sc.overflow) {
            warn_report_once("virtio-gvirtus: guest RAM has more than %d "
                             "ranges; bulk data goes through the workers' "
                             "sockets", GVW_GUEST_RAM_MAX_RANGES);
            sc.g.n = 0;
        }
    }
    if (sc.g.n == s->ram.n &&
        !memcmp(sc.g.r, s->ram.r, sc.g.n * sizeof(sc.g.r[0]))) {
        return;
    }
    s->ram = sc.g;
    gvw_worker_set_guest_ram(s->wk, &s->ram);
}

static void gv_ram_stop(VirtIOGvirtus *s)
{
    if (s->ram_listening) {
        memory_listener_unregister(&s->ram_listener);
        s->ram_listening = false;
        s->ram.n = 0;
        gvw_worker_set_guest_ram(s->wk, NULL);
    }
}

/*
 * At the first session, when the device's DMA address space is known:
 * says once why bulk data is not shared, and how to make it so.
 */
static void gv_ram_check(VirtIOGvirtus *s)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    const char *why = NULL;

    if (s->ram_checked || !s->worker || !*s->worker) {
        return;
    }
    s->ram_checked = true;
    if (!s->share_ram) {
        why = "share-ram=off";
    } else if (vdev->dma_as != &address_space_memory) {
        why = "the device is behind an IOMMU";
    } else {
        why = gv_ram_unshareable();
    }
    if (why) {
        gv_ram_stop(s);
        warn_report("virtio-gvirtus: %s: bulk data is copied through each "
                    "session's worker socket (slower).  For the shared "
                    "path start QEMU with -object memory-backend-memfd,"
                    "id=mem,size=<RAM>,share=on -machine memory-backend=mem, "
                    "without an IOMMU for this device", why);
    }
}

static size_t gv_reply_status(VirtQueueElement *elem, uint32_t status)
{
    struct gv_vq_resp_hdr h = { .status = cpu_to_le32(status) };

    return iov_from_buf(elem->in_sg, elem->in_num, 0, &h, sizeof(h));
}

/*
 * The session mailbox's two requests (mailbox.h), for a session in a
 * worker process that maps guest RAM itself; anywhere else the guest
 * keeps to GV_IOC_CALL (GV_VQ_ENOTSUPP).  Returns a GV_VQ_* status and,
 * for WAIT, the worker's answer in *state.
 */
static uint32_t gv_run_mbox(GvSession *ss, const GvFraming *f, uint32_t *state)
{
    struct gvw_bulk box;
    uint32_t seq = 0, wstate;
    int e;

    if (!ss->wr || !gvw_remote_shares_ram(ss->wr)) {
        return GV_VQ_ENOTSUPP;
    }
    if (f->flags & GV_VQ_F_MBOX_ATTACH) {
        if (f->msg_len || f->nbulk != 1 || f->bulk[0].len != GV_MBOX_SIZE ||
            f->bulk[0].offset || f->bulk[0].dir != GV_BULK_UPDATE) {
            return GV_VQ_EBADREQ;
        }
        box = (struct gvw_bulk){
            .len = GV_MBOX_SIZE,
            .dir = GV_BULK_UPDATE,
            .pages = f->bulk[0].pages,
            .npages = f->bulk[0].npages,
        };
        e = gvw_remote_mbox(ss->wr, GV_FRAME_MBOX_ATTACH, 0, &box, &wstate);
    } else {
        if (f->msg_len != sizeof(seq) || f->nbulk) {
            return GV_VQ_EBADREQ;
        }
        memcpy(&seq, f->msg, sizeof(seq));
        e = gvw_remote_mbox(ss->wr, GV_FRAME_MBOX_WAIT, le32_to_cpu(seq),
                            NULL, &wstate);
    }
    if (e) {
        return e < 0 ? GV_VQ_EWORKER : GV_VQ_EFAULT;
    }
    if (wstate == GV_FRAME_MBOX_REFUSED) {
        return GV_VQ_EBADREQ;
    }
    *state = wstate == GV_FRAME_MBOX_PENDING ? GV_MBOX_PENDING
                                             : GV_MBOX_ANSWERED;
    return GV_VQ_OK;
}

/* Runs one request on the session thread; returns bytes written. */
static size_t gv_run(GvSession *ss, VirtQueueElement *elem)
{
    VirtIOGvirtus *s = ss->dev;
    size_t out_len = iov_size(elem->out_sg, elem->out_num);
    size_t in_len = iov_size(elem->in_sg, elem->in_num);
    GvMapping maps[GV_VQ_MAX_BULK] = { 0 };
    struct gvw_bulk bulk[GV_VQ_MAX_BULK];
    struct gv_vq_resp_hdr rh;
    g_autofree uint8_t *req = NULL;
    g_autofree uint8_t *resp = NULL;
    size_t resp_cap, resp_len = 0, written;
    uint32_t status = GV_VQ_EBADREQ, i;
    const char *why = NULL;
    bool shared;
    GvFraming f;

    /* gv_handle_request checked the headers fit. */
    if (out_len > GV_FRAMING_MAX_OUT) {
        why = "request larger than the device accepts";
    } else {
        req = g_malloc(out_len);
        iov_to_buf(elem->out_sg, elem->out_num, 0, req, out_len);
        why = gv_framing_parse(req, out_len, &f);
    }
    if (why) {
        error_report_once("virtio-gvirtus: session %u: malformed request: %s",
                          ss->id, why);
        goto reply;
    }
    if (f.flags & (GV_VQ_F_MBOX_ATTACH | GV_VQ_F_MBOX_WAIT)) {
        uint32_t state = 0;

        status = gv_run_mbox(ss, &f, &state);
        if (status == GV_VQ_OK && (f.flags & GV_VQ_F_MBOX_WAIT) &&
            in_len >= sizeof(rh) + sizeof(state)) {
            state = cpu_to_le32(state);
            resp = g_memdup2(&state, sizeof(state));
            resp_len = sizeof(state);
        }
        goto reply;
    }
    /* With guest RAM shared, the worker maps the pages itself. */
    shared = ss->wr && gvw_remote_shares_ram(ss->wr);
    for (i = 0; i < f.nbulk; i++) {
        if (shared) {
            bulk[i] = (struct gvw_bulk){
                .len = f.bulk[i].len,
                .dir = f.bulk[i].dir,
                .pages = f.bulk[i].pages,
                .npages = gvw_guest_ram_npages(f.bulk[i].offset,
                                               f.bulk[i].len),
                .page_offset = f.bulk[i].offset,
            };
            continue;
        }
        maps[i].write = GV_BULK_HOST_WRITES(f.bulk[i].dir);
        if (!gv_map(s, &f.bulk[i], &maps[i])) {
            error_report_once("virtio-gvirtus: session %u: bulk buffer %u "
                              "names memory that is not guest RAM",
                              ss->id, i);
            status = GV_VQ_EFAULT;
            goto unmap;
        }
        bulk[i] = (struct gvw_bulk){
            .iov = maps[i].iov,
            .niov = maps[i].niov,
            .len = f.bulk[i].len,
            .dir = f.bulk[i].dir,
        };
    }
    resp_cap = MIN(in_len - sizeof(rh), GV_VQ_MAX_MSG);
    resp = g_malloc(resp_cap);
    if (ss->wr) {
        int e = gvw_remote_exec(ss->wr, f.msg, f.msg_len, bulk, f.nbulk,
                                resp, resp_cap, &resp_len);

        status = e < 0 ? GV_VQ_EWORKER : e ? GV_VQ_EFAULT : GV_VQ_OK;
        if (e > 0) {
            error_report_once("virtio-gvirtus: session %u: a bulk buffer "
                              "names memory that is not guest RAM", ss->id);
        }
    } else {
        gvw_session_exec(ss->ws, f.msg, f.msg_len, bulk, f.nbulk,
                         resp, resp_cap, &resp_len);
        status = GV_VQ_OK;
    }
    qemu_mutex_lock(&ss->stats_lock);
    gvw_activity_count(&ss->act, f.msg, f.msg_len, bulk, f.nbulk, resp,
                       resp_len);
    qemu_mutex_unlock(&ss->stats_lock);
unmap:
    for (i = 0; i < f.nbulk; i++) {
        gv_unmap(s, &maps[i]);
    }
reply:
    rh.status = cpu_to_le32(status);
    rh.msg_len = cpu_to_le32((uint32_t)resp_len);
    written = iov_from_buf(elem->in_sg, elem->in_num, 0, &rh, sizeof(rh));
    if (resp_len) {
        written += iov_from_buf(elem->in_sg, elem->in_num, sizeof(rh),
                                resp, resp_len);
    }
    return written;
}

static void gv_session_end(GvSession *ss);

static void gv_post_done(VirtIOGvirtus *s, GvJob *job)
{
    qemu_mutex_lock(&s->done_lock);
    QSIMPLEQ_INSERT_TAIL(&s->done, job, next);
    qemu_mutex_unlock(&s->done_lock);
    qemu_bh_schedule(s->done_bh);
}

static void *gv_session_thread(void *opaque)
{
    GvSession *ss = opaque;

    rcu_register_thread();
    for (;;) {
        GvJob *job;

        qemu_mutex_lock(&ss->lock);
        while (QSIMPLEQ_EMPTY(&ss->jobs) && !ss->stop) {
            qemu_cond_wait(&ss->cond, &ss->lock);
        }
        if (ss->stop) {
            qemu_mutex_unlock(&ss->lock);
            break;
        }
        job = QSIMPLEQ_FIRST(&ss->jobs);
        QSIMPLEQ_REMOVE_HEAD(&ss->jobs, next);
        qemu_mutex_unlock(&ss->lock);

        if (job->close) {
            gv_session_end(ss);
            job->written = gv_reply_status(job->elem, GV_VQ_OK);
            ss->ended = true;
            gv_post_done(ss->dev, job);
            break;
        }
        job->written = gv_run(ss, job->elem);
        gv_post_done(ss->dev, job);
    }
    rcu_unregister_thread();
    return NULL;
}

/* Ends the host side of a session: its worker process, or its state here. */
static void gv_session_end(GvSession *ss)
{
    struct gvw_remote *wr;

    /* Under ss->lock: gv_session_destroy may be aborting it right now. */
    qemu_mutex_lock(&ss->lock);
    wr = ss->wr;
    ss->wr = NULL;
    qemu_mutex_unlock(&ss->lock);
    if (wr) {
        gvw_remote_close(wr);
    }
    if (ss->ws) {
        gvw_session_close(ss->ws);
        ss->ws = NULL;
    }
}

/*
 * Stops a session thread; drops queued jobs.  The current job may be a
 * call that never returns (a kernel that never ends, a synchronize behind
 * a host function nobody releases): its worker process is killed first,
 * so the join below is bounded and the BQL is not held hostage.  Sessions
 * inside QEMU's process (worker="") cannot be killed: their current call
 * must end by itself.
 */
static void gv_session_destroy(GvSession *ss)
{
    GvJob *job;

    qemu_mutex_lock(&ss->lock);
    ss->stop = true;
    if (ss->wr) {
        gvw_remote_abort(ss->wr);
    }
    qemu_cond_signal(&ss->cond);
    qemu_mutex_unlock(&ss->lock);
    qemu_thread_join(&ss->thread);
    while ((job = QSIMPLEQ_FIRST(&ss->jobs))) {
        QSIMPLEQ_REMOVE_HEAD(&ss->jobs, next);
        g_free(job->elem);
        g_free(job);
    }
    gv_session_end(ss);
    qemu_cond_destroy(&ss->cond);
    qemu_mutex_destroy(&ss->lock);
    qemu_mutex_destroy(&ss->stats_lock);
    g_free(ss);
}

static void gv_done_bh(void *opaque)
{
    VirtIOGvirtus *s = opaque;
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    bool any = false;

    for (;;) {
        GvJob *job;

        qemu_mutex_lock(&s->done_lock);
        job = QSIMPLEQ_FIRST(&s->done);
        if (job) {
            QSIMPLEQ_REMOVE_HEAD(&s->done, next);
        }
        qemu_mutex_unlock(&s->done_lock);
        if (!job) {
            break;
        }
        if (job->close) {
            GvSession *ss = g_hash_table_lookup(s->sessions,
                                                GUINT_TO_POINTER(job->session));

            /* The thread has exited: reclaim it before the id is reused. */
            if (ss && ss->ended) {
                trace_gvirtus_session_close(s, job->session);
                g_hash_table_remove(s->sessions,
                                    GUINT_TO_POINTER(job->session));
                gv_session_destroy(ss);
            }
        }
        trace_gvirtus_complete(s, job->session, job->written, job->close);
        virtqueue_push(s->vq, job->elem, job->written);
        g_free(job->elem);
        g_free(job);
        any = true;
    }
    if (any) {
        virtio_notify(vdev, s->vq);
    }
}

static void gv_complete_now(VirtIOGvirtus *s, VirtQueueElement *elem,
                            uint32_t session, uint32_t status)
{
    trace_gvirtus_request_refused(s, session, status);
    virtqueue_push(s->vq, elem, gv_reply_status(elem, status));
    virtio_notify(VIRTIO_DEVICE(s), s->vq);
    g_free(elem);
}

static GvSession *gv_session_get(VirtIOGvirtus *s, uint32_t id)
{
    GvSession *ss = g_hash_table_lookup(s->sessions, GUINT_TO_POINTER(id));
    char name[32];

    if (ss) {
        return ss;
    }
    gv_ram_check(s);
    ss = g_new0(GvSession, 1);
    if (s->worker && *s->worker) {
        ss->wr = gvw_remote_open(s->wk, id);
    } else {
        ss->ws = gvw_session_open(s->wk, id);
    }
    if (!ss->ws && !ss->wr) {
        g_free(ss);
        return NULL;
    }
    ss->dev = s;
    ss->id = id;
    qemu_mutex_init(&ss->lock);
    qemu_mutex_init(&ss->stats_lock);
    qemu_cond_init(&ss->cond);
    QSIMPLEQ_INIT(&ss->jobs);
    snprintf(name, sizeof(name), "gvirtus-s%u", id);
    qemu_thread_create(&ss->thread, name, gv_session_thread, ss,
                       QEMU_THREAD_JOINABLE);
    trace_gvirtus_session_open(s, id, ss->wr != NULL);
    g_hash_table_insert(s->sessions, GUINT_TO_POINTER(id), ss);
    return ss;
}

/* Main loop or vCPU thread, under the BQL: only sort requests by session. */
static void gv_handle_request(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOGvirtus *s = VIRTIO_GVIRTUS(vdev);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq, sizeof(VirtQueueElement)))) {
        struct gv_vq_req_hdr hdr;
        GvSession *ss;
        GvJob *job;
        bool close;

        if (iov_to_buf(elem->out_sg, elem->out_num, 0, &hdr, sizeof(hdr)) !=
                sizeof(hdr) ||
            elem->out_sg[0].iov_len < sizeof(hdr) ||
            iov_size(elem->in_sg, elem->in_num) <
                sizeof(struct gv_vq_resp_hdr)) {
            error_report_once("virtio-gvirtus: request without room for "
                              "its headers");
            gv_complete_now(s, elem, 0, GV_VQ_EBADREQ);
            continue;
        }
        trace_gvirtus_request(s, le32_to_cpu(hdr.session),
                              le32_to_cpu(hdr.flags),
                              iov_size(elem->out_sg, elem->out_num),
                              iov_size(elem->in_sg, elem->in_num));
        close = le32_to_cpu(hdr.flags) & GV_VQ_F_CLOSE_SESSION;
        ss = g_hash_table_lookup(s->sessions,
                                 GUINT_TO_POINTER(le32_to_cpu(hdr.session)));
        if (close && !ss) {
            gv_complete_now(s, elem, le32_to_cpu(hdr.session), GV_VQ_OK);
            continue;
        }
        if (!ss) {
            ss = gv_session_get(s, le32_to_cpu(hdr.session));
        }
        if (!ss) {
            gv_complete_now(s, elem, le32_to_cpu(hdr.session),
                            GV_VQ_ENOSESSION);
            continue;
        }
        if (ss->closing) {
            error_report_once("virtio-gvirtus: session %u: request after "
                              "its close", ss->id);
            gv_complete_now(s, elem, ss->id, GV_VQ_EBADREQ);
            continue;
        }
        ss->closing = close;
        job = g_new0(GvJob, 1);
        job->elem = elem;
        job->close = close;
        job->session = ss->id;
        qemu_mutex_lock(&ss->lock);
        QSIMPLEQ_INSERT_TAIL(&ss->jobs, job, next);
        qemu_cond_signal(&ss->cond);
        qemu_mutex_unlock(&ss->lock);
    }
}

/* Device reset or unplug: every session ends, in-flight work is dropped. */
static void gv_drop_all(VirtIOGvirtus *s)
{
    GHashTableIter it;
    gpointer key, value;
    GvJob *job;

    trace_gvirtus_reset(s, g_hash_table_size(s->sessions));
    /* Kill every worker first: their sessions' threads then stop together. */
    g_hash_table_iter_init(&it, s->sessions);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        GvSession *ss = value;

        qemu_mutex_lock(&ss->lock);
        if (ss->wr) {
            gvw_remote_abort(ss->wr);
        }
        qemu_mutex_unlock(&ss->lock);
    }
    g_hash_table_iter_init(&it, s->sessions);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_hash_table_iter_steal(&it);
        gv_session_destroy(value);
    }
    qemu_mutex_lock(&s->done_lock);
    while ((job = QSIMPLEQ_FIRST(&s->done))) {
        QSIMPLEQ_REMOVE_HEAD(&s->done, next);
        g_free(job->elem);
        g_free(job);
    }
    qemu_mutex_unlock(&s->done_lock);
}

static void gv_reset(VirtIODevice *vdev)
{
    gv_drop_all(VIRTIO_GVIRTUS(vdev));
}

static uint64_t gv_get_features(VirtIODevice *vdev, uint64_t features,
                                Error **errp)
{
    return features;
}

static void gv_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIOGvirtus *s = VIRTIO_GVIRTUS(dev);
    struct gvw_config cfg = {
        .max_sessions = s->max_sessions,
        .cpu_reference_devices = s->cpu_reference_devices,
        .label = "virtio-gvirtus",
    };
    char err[256];
    g_autofree char *exe_dir = NULL;

    /*
     * Each guest process's session runs in a gvirtus-worker process of its
     * own (by default the one beside this binary): the driver isolates
     * processes, so a sticky fault in one guest process cannot reach the
     * others.  worker="" keeps sessions in QEMU's process instead.
     */
    if (!s->worker) {
        g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);

        exe_dir = exe ? g_path_get_dirname(exe) : g_strdup(".");
        s->worker = g_build_filename(exe_dir, "gvirtus-worker", NULL);
    }
    if (*s->worker && !g_file_test(s->worker, G_FILE_TEST_IS_EXECUTABLE)) {
        error_setg(errp, "virtio-gvirtus: worker=%s is not an executable; "
                   "install gvirtus-worker beside qemu-system-x86_64, name "
                   "it with worker=PATH, or use worker=\"\" to run sessions "
                   "inside QEMU without process isolation", s->worker);
        return;
    }
    cfg.worker_path = *s->worker ? s->worker : NULL;
    cfg.gpus = s->gpus;
    /*
     * Registered memory is mapped into the GPU's address space of the
     * session's process (unified addressing): a kernel of any guest process
     * could then reach all of guest RAM.  So only on request, for guests
     * whose processes trust each other.
     */
    cfg.register_guest_ram = s->dma_ram && s->share_ram;
    if (s->dma_ram && !s->share_ram) {
        warn_report("virtio-gvirtus: dma-ram=on needs share-ram=on; "
                    "guest RAM is not registered");
    } else if (s->dma_ram) {
        info_report("virtio-gvirtus: dma-ram=on: guest RAM is registered for "
                     "DMA, and every guest process's kernels can reach all of "
                     "it; use it only for a guest whose processes trust each "
                     "other");
    }
    cfg.limits = (struct gvw_limits){
        .max_handles = s->max_handles,
        .max_gates = s->max_gates,
        .max_module_bytes = s->max_module_bytes,
        .max_device_bytes = s->max_device_bytes,
        .max_host_bytes = s->max_host_bytes,
        .max_library_objects = s->max_library_objects,
    };
    if (gvw_executor_parse(s->executor ? s->executor : "cuda",
                           &cfg.executor)) {
        error_setg(errp, "virtio-gvirtus: executor=%s is not known; use "
                   "executor=cuda (the host GPU, default) or "
                   "executor=cpu-reference (a test double without a GPU)",
                   s->executor);
        return;
    }
    if (gvw_worker_create(&cfg, &s->wk, err, sizeof(err))) {
        error_setg(errp, "virtio-gvirtus: %s", err);
        return;
    }
    if (cfg.executor == GVW_EXEC_CUDA &&
        (strstr(gvw_worker_describe(s->wk), "fail") ||
         strstr(gvw_worker_describe(s->wk), "no NVIDIA"))) {
        warn_report("virtio-gvirtus: %s", gvw_worker_describe(s->wk));
    }
    error_setg(&s->migration_blocker, "virtio-gvirtus: guest CUDA state "
               "(contexts, device memory) lives on this host's GPU and "
               "cannot be migrated");
    if (migrate_add_blocker(&s->migration_blocker, errp) < 0) {
        gvw_worker_destroy(s->wk);
        s->wk = NULL;
        return;
    }
    s->sessions = g_hash_table_new(g_direct_hash, g_direct_equal);
    qemu_mutex_init(&s->done_lock);
    QSIMPLEQ_INIT(&s->done);
    /*
     * Guarded: a completion that writes guest memory through the device's
     * own MMIO cannot re-enter it (QEMU's DMA re-entrancy guard).
     */
    s->done_bh = virtio_bh_new_guarded(DEVICE(s), gv_done_bh, s);
    if (s->share_ram && cfg.worker_path) {
        s->ram_listener = (MemoryListener){
            .name = "virtio-gvirtus",
            .commit = gv_ram_commit,
        };
        memory_listener_register(&s->ram_listener, &address_space_memory);
        s->ram_listening = true;
    }
    virtio_init(vdev, GV_VIRTIO_ID, 0);
    s->vq = virtio_add_queue(vdev, GV_VQ_SIZE, gv_handle_request);
}

static void gv_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIOGvirtus *s = VIRTIO_GVIRTUS(dev);

    gv_drop_all(s);
    gv_ram_stop(s);
    qemu_bh_delete(s->done_bh);
    qemu_mutex_destroy(&s->done_lock);
    g_hash_table_destroy(s->sessions);
    gvw_worker_destroy(s->wk);
    s->wk = NULL;
    migrate_del_blocker(&s->migration_blocker);
    virtio_delete_queue(s->vq);
    virtio_cleanup(vdev);
}

static const Property gv_properties[] = {
    DEFINE_PROP_STRING("executor", VirtIOGvirtus, executor),
    DEFINE_PROP_STRING("worker", VirtIOGvirtus, worker),
    DEFINE_PROP_STRING("gpus", VirtIOGvirtus, gpus),
    DEFINE_PROP_UINT32("max-sessions", VirtIOGvirtus, max_sessions, 64),
    /* Workers map guest RAM when it is a shared file (the data plane). */
    DEFINE_PROP_BOOL("share-ram", VirtIOGvirtus, share_ram, true),
    /* Workers register it for DMA: see gv_realize for what that gives away. */
    DEFINE_PROP_BOOL("dma-ram", VirtIOGvirtus, dma_ram, false),
    DEFINE_PROP_UINT32("cpu-reference-devices", VirtIOGvirtus,
                       cpu_reference_devices, 1),
    /* Per session; 0 is the worker's default (README, "limits"). */
    DEFINE_PROP_UINT32("max-handles", VirtIOGvirtus, max_handles, 0),
    DEFINE_PROP_UINT32("max-gates", VirtIOGvirtus, max_gates, 0),
    DEFINE_PROP_SIZE("max-module-bytes", VirtIOGvirtus, max_module_bytes, 0),
    DEFINE_PROP_SIZE("max-device-bytes", VirtIOGvirtus, max_device_bytes, 0),
    DEFINE_PROP_SIZE("max-host-bytes", VirtIOGvirtus, max_host_bytes, 0),
    DEFINE_PROP_UINT32("max-library-objects", VirtIOGvirtus,
                       max_library_objects, 0),
};

static const VMStateDescription gv_vmstate = {
    .name = "virtio-gvirtus",
    .unmigratable = 1,
};

static void gv_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, gv_properties);
    dc->vmsd = &gv_vmstate;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    vdc->realize = gv_realize;
    vdc->unrealize = gv_unrealize;
    vdc->get_features = gv_get_features;
    vdc->reset = gv_reset;
}

static const TypeInfo gv_info = {
    .name = TYPE_VIRTIO_GVIRTUS,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIOGvirtus),
    .class_init = gv_class_init,
};

/* ---- the PCI proxy ---- */

#define TYPE_VIRTIO_GVIRTUS_PCI "virtio-gvirtus-pci-base"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIOGvirtusPCI, VIRTIO_GVIRTUS_PCI)

struct VirtIOGvirtusPCI {
    VirtIOPCIProxy parent_obj;
    VirtIOGvirtus vdev;
};

/*
 * ioeventfd defaults to off: under TCG a kick through the main loop cost
 * 40-50 us against 6-7 us handled directly in the vCPU thread, and the
 * handler only queues the request for its session thread.
 */
static const Property gv_pci_properties[] = {
    DEFINE_PROP_BIT("ioeventfd", VirtIOPCIProxy, flags,
                    VIRTIO_PCI_FLAG_USE_IOEVENTFD_BIT, false),
    DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors, 2),
};

static void gv_pci_realize(VirtIOPCIProxy *vpci_dev, Error **errp)
{
    VirtIOGvirtusPCI *dev = VIRTIO_GVIRTUS_PCI(vpci_dev);

    virtio_pci_force_virtio_1(vpci_dev);
    qdev_realize(DEVICE(&dev->vdev), BUS(&vpci_dev->bus), errp);
}

static void gv_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioPCIClass *k = VIRTIO_PCI_CLASS(klass);
    PCIDeviceClass *pcidev_k = PCI_DEVICE_CLASS(klass);

    k->realize = gv_pci_realize;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    pcidev_k->vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    pcidev_k->device_id = GV_PCI_DEVICE_ID;
    pcidev_k->revision = VIRTIO_PCI_ABI_VERSION;
    pcidev_k->class_id = PCI_CLASS_OTHERS;
    device_class_set_props(dc, gv_pci_properties);
}

static void gv_pci_instance_init(Object *obj)
{
    VirtIOGvirtusPCI *dev = VIRTIO_GVIRTUS_PCI(obj);

    virtio_instance_init_common(obj, &dev->vdev, sizeof(dev->vdev),
                                TYPE_VIRTIO_GVIRTUS);
}

static const VirtioPCIDeviceTypeInfo gv_pci_info = {
    .base_name = TYPE_VIRTIO_GVIRTUS_PCI,
    .generic_name = "virtio-gvirtus-pci",
    .instance_size = sizeof(VirtIOGvirtusPCI),
    .instance_init = gv_pci_instance_init,
    .class_init = gv_pci_class_init,
};

/* ---- the monitor: query-gvirtus and info gvirtus ---- */

static GvirtusSessionInfo *gv_session_info(GvSession *ss)
{
    GvirtusSessionInfo *i = g_new0(GvirtusSessionInfo, 1);
    struct gvw_held held = { 0 };
    struct gvw_activity act, wact;

    if (ss->wr) {
        gvw_remote_held(ss->wr, &held);
    } else if (ss->ws) {
        gvw_session_held(ss->ws, &held);
    }
    i->id = ss->id;
    i->worker_pid = held.worker_pid;
    i->state = g_strdup(ss->closing ? "closing" : "open");
    i->allocations = held.allocs;
    i->device_bytes = held.device_bytes;
    qemu_mutex_lock(&ss->stats_lock);
    act = ss->act;
    qemu_mutex_unlock(&ss->stats_lock);
    /*
     * A worker process counts what reaches it, the session mailbox's calls
     * included, which never pass through here; only gate calls of a
     * callback session are answered here alone.  The larger of each.
     */
    if (ss->wr && gvw_remote_activity(ss->wr, &wact) == 0) {
        act.guest_pid = wact.guest_pid ? wact.guest_pid : act.guest_pid;
        act.requests = MAX(act.requests, wact.requests);
        act.calls = MAX(act.calls, wact.calls);
        act.bytes_moved = MAX(act.bytes_moved, wact.bytes_moved);
        act.last_error = wact.last_error ? wact.last_error : act.last_error;
    }
    i->guest_pid = act.guest_pid;
    i->requests = act.requests;
    i->calls = act.calls;
    i->bytes_moved = act.bytes_moved;
    i->last_error = act.last_error;
    return i;
}

static int gv_collect(Object *obj, void *opaque)
{
    GvirtusInfoList ***tail = opaque;
    VirtIOGvirtus *s = (VirtIOGvirtus *)object_dynamic_cast(
        obj, TYPE_VIRTIO_GVIRTUS);
    GvirtusSessionInfoList **stail;
    GvirtusInfo *info;
    GHashTableIter it;
    gpointer key, value;

    if (!s || !s->wk) {
        return 0;
    }
    info = g_new0(GvirtusInfo, 1);
    info->path = object_get_canonical_path(obj);
    info->executor = g_strdup(s->executor ? s->executor : "cuda");
    info->gpus = g_strdup(s->gpus ? s->gpus : "");
    info->describe = g_strdup(gvw_worker_describe(s->wk));
    stail = &info->sessions;
    /* Sessions come and go under the BQL, which the monitor holds. */
    g_hash_table_iter_init(&it, s->sessions);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        QAPI_LIST_APPEND(stail, gv_session_info(value));
    }
    QAPI_LIST_APPEND(*tail, info);
    return 0;
}

GvirtusInfoList *qmp_query_gvirtus(Error **errp)
{
    GvirtusInfoList *list = NULL, **tail = &list;

    object_child_foreach_recursive(object_get_root(), gv_collect, &tail);
    return list;
}

void hmp_info_gvirtus(Monitor *mon, const QDict *qdict)
{
    GvirtusInfoList *list = qmp_query_gvirtus(NULL), *d;

    if (!list) {
        monitor_printf(mon, "no virtio-gvirtus device\n");
    }
    for (d = list; d; d = d->next) {
        GvirtusSessionInfoList *ss;

        monitor_printf(mon, "%s: executor %s, gpus %s\n  %s\n",
                       d->value->path, d->value->executor,
                       *d->value->gpus ? d->value->gpus : "all",
                       d->value->describe);
        monitor_printf(mon,
                       "  %7s %9s %10s %-7s %10s %12s %14s %7s %14s %6s\n",
                       "session", "guest-pid", "worker-pid", "state",
                       "requests", "calls", "bytes-moved", "allocs",
                       "device-bytes", "error");
        for (ss = d->value->sessions; ss; ss = ss->next) {
            GvirtusSessionInfo *i = ss->value;

            monitor_printf(mon, "  %7u %9u %10" PRId64 " %-7s %10" PRIu64
                           " %12" PRIu64 " %14" PRIu64 " %7" PRIu64
                           " %14" PRIu64 " %6" PRId64 "\n",
                           i->id, i->guest_pid, i->worker_pid, i->state,
                           i->requests, i->calls, i->bytes_moved,
                           i->allocations, i->device_bytes, i->last_error);
        }
    }
    qapi_free_GvirtusInfoList(list);
}

static void gv_register_types(void)
{
    type_register_static(&gv_info);
    virtio_pci_types_register(&gv_pci_info);
}

type_init(gv_register_types)
