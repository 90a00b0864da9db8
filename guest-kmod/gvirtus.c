// SPDX-License-Identifier: GPL-2.0
/*
 * gvirtus.ko - the guest side of virtio-gvirtus.
 *
 * /dev/gvirtus: each open file is one session on the host.  GV_IOC_CALL
 * sends protocol messages (copied: they are small) and bulk buffers (not
 * copied: their user pages are pinned and the host is given their
 * guest-physical addresses as a page list), then sleeps until the host
 * answers.  Many threads and processes may have calls in flight at once;
 * each request carries its own completion.  A fatal signal abandons a
 * request: the pages stay pinned until the host is done with them.
 * Closing the file (or exiting) tells the host to end the session.
 *
 * Page-locked buffers (GV_IOC_PIN) stay pinned with their page list built
 * once: a call whose buffer lies in one takes the list from there.  A
 * request holds a reference on the range, so an unpin while the host still
 * uses the pages waits for it.  Large pageable buffers are kept pinned the
 * same way after their first copy (a pin-down cache), for as long as the
 * process's mapping of them does not change: an MMU notifier marks such a
 * range stale on any change (unmap, remap, protection, migration), and a
 * stale range is never used again.
 */
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/llist.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/workqueue.h>

#include "ioctl.h"

struct gv_dev {
	struct kref ref;
	struct virtio_device *vdev;
	struct virtqueue *vq;
	spinlock_t vq_lock;		/* the virtqueue and req states */
	wait_queue_head_t vq_space;	/* waiters for ring space */
	bool removed;
	bool frozen;			/* suspended: no virtqueue until restore */
	unsigned int generation;	/* bumped by each freeze: sessions end */
	struct llist_head dead;		/* abandoned requests the host finished */
	struct work_struct reap;
};

struct gv_pinned {
	struct kref ref;
	struct list_head node;		/* in the file's list, under pin_lock */
	unsigned long start;		/* page-aligned user address */
	unsigned long npages;
	struct page **pages;
	__le64 *phys;			/* the pages' addresses, for the host */
	struct mm_struct *mm;		/* whose addresses (held: mmgrab) */
	bool cached;			/* a pageable buffer's, in the cache */
	atomic_t stale;			/* cached: its mapping changed */
	struct mmu_interval_notifier mn;	/* cached: watches the mapping */
};

struct gv_req {
	struct completion done;
	bool finished, abandoned;	/* under vq_lock */
	u32 used_len;
	void *out;			/* vq header, messages, bulk table */
	size_t out_len;
	__le64 *pagelist;
	size_t npages;
	void *in;			/* response header and messages */
	size_t in_len;
	unsigned int nbufs;
	struct page **pages[GV_VQ_MAX_BULK];
	struct gv_pinned *range[GV_VQ_MAX_BULK];	/* or a pinned range's */
	unsigned int buf_npages[GV_VQ_MAX_BULK];
	bool buf_write[GV_VQ_MAX_BULK];
	struct llist_node dead_node;
};

struct gv_file {
	struct gv_dev *dev;
	u32 session;
	unsigned int generation;	/* the device's when the file was opened */
	struct mutex mbox_lock;
	struct page *mbox;		/* the session mailbox, once mapped */
	struct mutex pin_lock;
	struct list_head pinned;	/* struct gv_pinned, cached ones oldest first */
	unsigned long pinned_pages;
	unsigned long cached_pages;
};

/* Pageable buffers of at least this many pages are cached, up to the most. */
#define GV_CACHE_MIN_PAGES	256
#define GV_CACHE_MAX_PAGES	(1ul << 18)	/* 1 GiB of 4 KiB pages */

static DEFINE_MUTEX(gv_lock);		/* gv_the_dev */
static struct gv_dev *gv_the_dev;
static DEFINE_IDA(gv_session_ida);

static void gv_dev_release(struct kref *ref)
{
	kfree(container_of(ref, struct gv_dev, ref));
}

static void gv_pinned_release(struct kref *ref)
{
	struct gv_pinned *r = container_of(ref, struct gv_pinned, ref);

	if (r->cached)
		mmu_interval_notifier_remove(&r->mn);
	unpin_user_pages_dirty_lock(r->pages, r->npages, true);
	mmdrop(r->mm);
	kvfree(r->pages);
	kvfree(r->phys);
	kfree(r);
}

static void gv_req_free(struct gv_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nbufs; i++) {
		if (req->range[i])
			kref_put(&req->range[i]->ref, gv_pinned_release);
		if (!req->pages[i])
			continue;
		unpin_user_pages_dirty_lock(req->pages[i], req->buf_npages[i],
					    req->buf_write[i]);
		kvfree(req->pages[i]);
	}
	kvfree(req->pagelist);
	kfree(req->out);
	kfree(req->in);
	kfree(req);
}

static void gv_reap(struct work_struct *work)
{
	struct gv_dev *dev = container_of(work, struct gv_dev, reap);
	struct llist_node *n = llist_del_all(&dev->dead);
	struct gv_req *req, *tmp;

	llist_for_each_entry_safe(req, tmp, n, dead_node)
		gv_req_free(req);
}

/* Called with vq_lock held. */
static void gv_finish(struct gv_dev *dev, struct gv_req *req, u32 len)
{
	req->used_len = len;
	req->finished = true;
	if (req->abandoned) {
		/* Unpinning may sleep: not here. */
		llist_add(&req->dead_node, &dev->dead);
		schedule_work(&dev->reap);
	} else {
		complete(&req->done);
	}
}

static void gv_vq_done(struct virtqueue *vq)
{
	struct gv_dev *dev = vq->vdev->priv;
	struct gv_req *req;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&dev->vq_lock, flags);
	do {
		virtqueue_disable_cb(vq);
		while ((req = virtqueue_get_buf(vq, &len)))
			gv_finish(dev, req, len);
	} while (!virtqueue_enable_cb(vq));
	spin_unlock_irqrestore(&dev->vq_lock, flags);
	wake_up_all(&dev->vq_space);
}

/* Adds len bytes at buf to sg[], one entry per page it touches. */
static unsigned int gv_sg_add(struct scatterlist *sg, void *buf, size_t len)
{
	unsigned int n = 0;

	while (len) {
		size_t chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(buf));
		struct page *pg = is_vmalloc_addr(buf) ? vmalloc_to_page(buf)
						       : virt_to_page(buf);

		sg_set_page(&sg[n++], pg, chunk, offset_in_page(buf));
		buf += chunk;
		len -= chunk;
	}
	return n;
}

static unsigned int gv_sg_count(void *buf, size_t len)
{
	if (!len)
		return 0;
	return DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE);
}

/*
 * Queues req and waits for the host.  -EINTR, and only then, when a fatal
 * signal came first and req was abandoned: it then belongs to the
 * completion path, which frees it.  Any other error leaves req to the
 * caller.
 */
static int gv_submit(struct gv_dev *dev, struct gv_req *req, bool killable)
{
	unsigned int nout = gv_sg_count(req->out, req->out_len) +
			    gv_sg_count(req->pagelist, req->npages * 8);
	struct scatterlist *out_sg, in_sg, *sgs[2];
	unsigned long flags;
	int err;

	out_sg = kmalloc_array(nout, sizeof(*out_sg), GFP_KERNEL);
	if (!out_sg)
		return -ENOMEM;
	sg_init_table(out_sg, nout);
	nout = gv_sg_add(out_sg, req->out, req->out_len);
	gv_sg_add(out_sg + nout, req->pagelist, req->npages * 8);
	sg_init_one(&in_sg, req->in, req->in_len);
	sgs[0] = out_sg;
	sgs[1] = &in_sg;
	init_completion(&req->done);

	for (;;) {
		spin_lock_irqsave(&dev->vq_lock, flags);
		if (dev->removed || dev->frozen) {
			err = -ENODEV;
		} else {
			err = virtqueue_add_sgs(dev->vq, sgs, 1, 1, req, GFP_ATOMIC);
			if (!err)
				virtqueue_kick(dev->vq);
		}
		spin_unlock_irqrestore(&dev->vq_lock, flags);
		if (err != -ENOSPC)
			break;
		/* The ring is full: wait for the host to hand some back. */
		err = wait_event_killable(dev->vq_space, dev->removed || dev->frozen ||
						  dev->vq->num_free > 0);
		if (err)
			break;
	}
	kfree(out_sg);	/* the ring holds its own descriptors now */
	if (err)
		return err;

	if (killable)
		err = wait_for_completion_killable(&req->done);
	else
		wait_for_completion(&req->done);
	if (err) {
		spin_lock_irqsave(&dev->vq_lock, flags);
		if (req->finished) {
			err = 0;	/* it raced with the answer: keep it */
		} else {
			req->abandoned = true;
			err = -EINTR;	/* the caller must not free req */
		}
		spin_unlock_irqrestore(&dev->vq_lock, flags);
	}
	return err;
}

static int gv_status_errno(u32 status)
{
	switch (status) {
	case GV_VQ_OK:
		return 0;
	case GV_VQ_ENOSESSION:
		return -EBUSY;
	case GV_VQ_EFAULT:
		return -EFAULT;
	case GV_VQ_EWORKER:
		return -EIO;	/* the host process serving this session died */
	case GV_VQ_ENOTSUPP:
		return -ENODEV;	/* no mailbox there: GV_IOC_CALL serves all */
	default:
		return -EINVAL;
	}
}

/*
 * Sends a request of file f and checks the answer's header: 0 with it in
 * *rh, -EINTR when a fatal signal came first (req then belongs to the
 * completion path), or another errno (req stays the caller's).
 */
static int gv_file_submit(struct gv_file *f, struct gv_req *req, struct gv_vq_resp_hdr **rh)
{
	int err;

	/* A suspend reset the device: the host ended this file's session. */
	if (READ_ONCE(f->dev->generation) != f->generation)
		return -ENODEV;
	err = gv_submit(f->dev, req, true);
	if (err)
		return err;
	*rh = req->in;
	if (req->used_len < sizeof(**rh))
		return -EIO;
	return gv_status_errno(le32_to_cpu((*rh)->status));
}

/* Any change to a cached range's mapping: it is never used again. */
static bool gv_cache_invalidate(struct mmu_interval_notifier *mn,
				const struct mmu_notifier_range *range,
				unsigned long cur_seq)
{
	struct gv_pinned *r = container_of(mn, struct gv_pinned, mn);

	mmu_interval_set_seq(mn, cur_seq);
	atomic_set(&r->stale, 1);
	return true;
}

static const struct mmu_interval_notifier_ops gv_cache_ops = {
	.invalidate = gv_cache_invalidate,
};

/* Takes r out of the file's list; under pin_lock. */
static void gv_pinned_unlink(struct gv_file *f, struct gv_pinned *r)
{
	list_del(&r->node);
	if (r->cached)
		f->cached_pages -= r->npages;
	else
		f->pinned_pages -= r->npages;
}

/*
 * A new cached range for np pages from start, pinned and watched, in the
 * file's list; the oldest cached ranges make room.  NULL if it cannot be
 * made (the caller pins per request).  Called with pin_lock held; ranges
 * to drop go on gone, released by the caller after unlocking.
 */
static struct gv_pinned *gv_cache_add(struct gv_file *f, unsigned long start,
				      unsigned long np, struct list_head *gone)
{
	struct gv_pinned *r, *o, *tmp;
	long got;

	if (np < GV_CACHE_MIN_PAGES || np > GV_CACHE_MAX_PAGES || !current->mm)
		return NULL;
	list_for_each_entry_safe(o, tmp, &f->pinned, node) {
		if (f->cached_pages + np <= GV_CACHE_MAX_PAGES)
			break;
		if (o->cached) {
			gv_pinned_unlink(f, o);
			list_add(&o->node, gone);
		}
	}
	if (f->cached_pages + np > GV_CACHE_MAX_PAGES)
		return NULL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return NULL;
	kref_init(&r->ref);
	r->start = start;
	r->npages = np;
	r->cached = true;
	r->mm = current->mm;
	r->pages = kvmalloc_array(np, sizeof(*r->pages), GFP_KERNEL);
	r->phys = kvmalloc_array(np, sizeof(*r->phys), GFP_KERNEL);
	if (!r->pages || !r->phys)
		goto free;
	/* Watched before pinned: a change in between marks it stale. */
	if (mmu_interval_notifier_insert(&r->mn, current->mm, start,
					 np * PAGE_SIZE, &gv_cache_ops))
		goto free;
	got = pin_user_pages_fast(start, np, FOLL_WRITE | FOLL_LONGTERM, r->pages);
	if (got != np || atomic_read(&r->stale)) {
		if (got > 0)
			unpin_user_pages(r->pages, got);
		mmu_interval_notifier_remove(&r->mn);
		goto free;
	}
	for (got = 0; got < np; got++)
		r->phys[got] = cpu_to_le64(page_to_phys(r->pages[got]));
	mmgrab(r->mm);
	list_add_tail(&r->node, &f->pinned);
	f->cached_pages += np;
	return r;
free:
	kvfree(r->pages);
	kvfree(r->phys);
	kfree(r);
	return NULL;
}

/*
 * The pinned range holding np pages from start, referenced: a page-locked
 * buffer's, a cached one whose mapping has not changed, or a new cached
 * one; or NULL (pinned per request).
 */
static struct gv_pinned *gv_pinned_get(struct gv_file *f, unsigned long start,
				       unsigned long np)
{
	struct gv_pinned *r, *tmp, *found = NULL;
	LIST_HEAD(gone);

	mutex_lock(&f->pin_lock);
	list_for_each_entry_safe(r, tmp, &f->pinned, node) {
		if (r->cached && atomic_read(&r->stale)) {
			gv_pinned_unlink(f, r);
			list_add(&r->node, &gone);
			continue;
		}
		/* A forked child shares the file, not the addresses. */
		if (!found && r->mm == current->mm && start >= r->start &&
		    (start - r->start) / PAGE_SIZE + np <= r->npages)
			found = r;
	}
	if (!found)
		found = gv_cache_add(f, start, np, &gone);
	if (found)
		kref_get(&found->ref);
	mutex_unlock(&f->pin_lock);
	list_for_each_entry_safe(r, tmp, &gone, node)
		kref_put(&r->ref, gv_pinned_release);
	return found;
}

static int gv_pin(struct gv_file *f, struct gv_req *req,
		  const struct gv_ioctl_buf *b, unsigned int i,
		  struct gv_vq_bulk *d, size_t *page_at)
{
	unsigned long start = b->addr & PAGE_MASK;
	unsigned int off = offset_in_page(b->addr);
	unsigned int np = b->len ? DIV_ROUND_UP(off + b->len, PAGE_SIZE) : 0;
	bool write = GV_BULK_HOST_WRITES(b->dir);
	unsigned int p;
	int got;

	d->len = cpu_to_le64(b->len);
	d->offset = cpu_to_le32(b->len ? off : 0);
	d->npages = cpu_to_le32(np);
	d->dir = cpu_to_le32(b->dir);
	d->reserved = 0;
	req->buf_write[i] = write;
	if (!np)
		return 0;
	req->range[i] = gv_pinned_get(f, start, np);
	if (req->range[i]) {
		memcpy(req->pagelist + *page_at,
		       req->range[i]->phys + (start - req->range[i]->start) / PAGE_SIZE,
		       np * sizeof(__le64));
		*page_at += np;
		return 0;
	}
	req->pages[i] = kvmalloc_array(np, sizeof(struct page *), GFP_KERNEL);
	if (!req->pages[i])
		return -ENOMEM;
	got = pin_user_pages_fast(start, np, write ? FOLL_WRITE : 0, req->pages[i]);
	if (got != np) {
		if (got > 0)
			unpin_user_pages(req->pages[i], got);
		kvfree(req->pages[i]);
		req->pages[i] = NULL;
		return got < 0 ? got : -EFAULT;
	}
	req->buf_npages[i] = np;
	for (p = 0; p < np; p++)
		req->pagelist[(*page_at)++] = cpu_to_le64(page_to_phys(req->pages[i][p]));
	return 0;
}

static long gv_ioctl_call(struct gv_file *f, struct gv_ioctl_call __user *ucall)
{
	struct gv_ioctl_buf bufs[GV_VQ_MAX_BULK];
	struct gv_vq_req_hdr *hdr;
	struct gv_vq_resp_hdr *rh;
	struct gv_vq_bulk *bd;
	struct gv_ioctl_call call;
	struct gv_req *req;
	size_t total_pages = 0, page_at = 0;
	unsigned int i;
	long err;
	u32 rlen;

	if (copy_from_user(&call, ucall, sizeof(call)))
		return -EFAULT;
	if (!call.msg_len || call.msg_len > GV_VQ_MAX_MSG ||
	    call.resp_cap > GV_VQ_MAX_MSG || call.nbufs > GV_VQ_MAX_BULK)
		return -EINVAL;
	if (call.nbufs &&
	    copy_from_user(bufs, u64_to_user_ptr(call.bufs),
			   call.nbufs * sizeof(bufs[0])))
		return -EFAULT;
	for (i = 0; i < call.nbufs; i++) {
		if (bufs[i].len > GV_VQ_MAX_BULK_BYTES ||
		    (!GV_BULK_HOST_READS(bufs[i].dir) &&
		     !GV_BULK_HOST_WRITES(bufs[i].dir)) || bufs[i].reserved)
			return -EINVAL;
		if (bufs[i].len)
			total_pages += DIV_ROUND_UP(offset_in_page(bufs[i].addr) +
						    bufs[i].len, PAGE_SIZE);
	}
	if (total_pages > GV_VQ_MAX_PAGES)
		return -E2BIG;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->nbufs = call.nbufs;
	req->out_len = sizeof(*hdr) + call.msg_len + call.nbufs * sizeof(*bd);
	req->out = kmalloc(req->out_len, GFP_KERNEL);
	req->in_len = sizeof(*rh) + call.resp_cap;
	req->in = kzalloc(req->in_len, GFP_KERNEL);
	req->npages = total_pages;
	if (total_pages)
		req->pagelist = kvmalloc_array(total_pages, 8, GFP_KERNEL);
	err = -ENOMEM;
	if (!req->out || !req->in || (total_pages && !req->pagelist))
		goto out;
	hdr = req->out;
	hdr->session = cpu_to_le32(f->session);
	hdr->flags = 0;
	hdr->msg_len = cpu_to_le32(call.msg_len);
	hdr->nbulk = cpu_to_le32(call.nbufs);
	err = -EFAULT;
	if (copy_from_user(hdr + 1, u64_to_user_ptr(call.msg), call.msg_len))
		goto out;
	bd = (struct gv_vq_bulk *)((char *)(hdr + 1) + call.msg_len);
	for (i = 0; i < call.nbufs; i++) {
		err = gv_pin(f, req, &bufs[i], i, &bd[i], &page_at);
		if (err)
			goto out;
	}

	err = gv_file_submit(f, req, &rh);
	if (err == -EINTR)
		return err;	/* the completion path frees req */
	if (err)
		goto out;
	rlen = le32_to_cpu(rh->msg_len);
	err = -EIO;
	if (rlen > call.resp_cap || rlen > req->used_len - sizeof(*rh))
		goto out;
	err = -EFAULT;
	if (copy_to_user(u64_to_user_ptr(call.resp), rh + 1, rlen) ||
	    put_user(rlen, &ucall->resp_len))
		goto out;
	err = 0;
out:
	gv_req_free(req);
	return err;
}

/*
 * A request of the driver's own (the mailbox's ATTACH or WAIT): msg_len
 * message bytes, and the mailbox's pages as one bulk buffer if box.
 * Returns 0 with the 4-byte answer in *state (WAIT), or an errno.
 */
static int gv_mbox_request(struct gv_file *f, u32 flags, const void *msg, u32 msg_len,
			   struct page *box, u32 *state)
{
	struct gv_vq_req_hdr *hdr;
	struct gv_vq_resp_hdr *rh;
	struct gv_vq_bulk *bd;
	struct gv_req *req;
	unsigned int i, np = box ? 1u << GV_MBOX_ORDER : 0;
	int err = -ENOMEM;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->out_len = sizeof(*hdr) + msg_len + (box ? sizeof(*bd) : 0);
	req->out = kzalloc(req->out_len, GFP_KERNEL);
	req->in_len = sizeof(*rh) + sizeof(*state);
	req->in = kzalloc(req->in_len, GFP_KERNEL);
	req->npages = np;
	if (np)
		req->pagelist = kvmalloc_array(np, 8, GFP_KERNEL);
	if (!req->out || !req->in || (np && !req->pagelist))
		goto out;
	hdr = req->out;
	hdr->session = cpu_to_le32(f->session);
	hdr->flags = cpu_to_le32(flags);
	hdr->msg_len = cpu_to_le32(msg_len);
	hdr->nbulk = cpu_to_le32(box ? 1 : 0);
	memcpy(hdr + 1, msg, msg_len);
	if (box) {
		bd = (struct gv_vq_bulk *)((char *)(hdr + 1) + msg_len);
		bd->len = cpu_to_le64(GV_MBOX_SIZE);
		bd->npages = cpu_to_le32(np);
		bd->dir = cpu_to_le32(GV_BULK_UPDATE);
		for (i = 0; i < np; i++)
			req->pagelist[i] = cpu_to_le64(page_to_phys(box + i));
	}
	err = gv_file_submit(f, req, &rh);
	if (err == -EINTR)
		return err;	/* the completion path frees req */
	if (!err && state) {
		__le32 v;

		err = -EIO;
		if (le32_to_cpu(rh->msg_len) != sizeof(v) ||
		    req->used_len < sizeof(*rh) + sizeof(v))
			goto out;
		memcpy(&v, rh + 1, sizeof(v));
		*state = le32_to_cpu(v);
		err = 0;
	}
out:
	gv_req_free(req);
	return err;
}

/*
 * The session mailbox: physically contiguous pages of the file's own,
 * told to the host once, then mapped into the caller.  Not copied into a
 * child at fork: the session is its parent's.
 */
static int gv_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct gv_file *f = file->private_data;
	struct page *box;
	int err = 0;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != GV_MBOX_SIZE)
		return -EINVAL;
	mutex_lock(&f->mbox_lock);
	if (!f->mbox) {
		box = alloc_pages(GFP_KERNEL | __GFP_ZERO, GV_MBOX_ORDER);
		if (!box) {
			err = -ENOMEM;
		} else {
			err = gv_mbox_request(f, GV_VQ_F_MBOX_ATTACH, NULL, 0, box, NULL);
			if (!err)
				f->mbox = box;
			else if (err != -EINTR)
				__free_pages(box, GV_MBOX_ORDER);
			/* After EINTR the host may map it yet: never reused. */
		}
	}
	if (!err) {
		vma->vm_flags |= VM_DONTCOPY;
		err = remap_pfn_range(vma, vma->vm_start, page_to_pfn(f->mbox), GV_MBOX_SIZE,
				      vma->vm_page_prot);
	}
	mutex_unlock(&f->mbox_lock);
	return err;
}

static long gv_ioctl_mbox_wait(struct gv_file *f, u32 __user *useq)
{
	__le32 seq;
	u32 v, state = GV_MBOX_PENDING;
	int err;

	if (get_user(v, useq))
		return -EFAULT;
	if (!READ_ONCE(f->mbox))
		return -EINVAL;
	seq = cpu_to_le32(v);
	err = gv_mbox_request(f, GV_VQ_F_MBOX_WAIT, &seq, sizeof(seq), NULL, &state);
	if (err)
		return err;
	return state == GV_MBOX_ANSWERED ? 0 : 1;
}

static long gv_ioctl_pin(struct gv_file *f, struct gv_ioctl_range __user *ur)
{
	struct gv_ioctl_range rg;
	struct gv_pinned *r, *o;
	unsigned long start, end, p;
	long got, err;

	if (copy_from_user(&rg, ur, sizeof(rg)))
		return -EFAULT;
	start = rg.addr & PAGE_MASK;
	if (!rg.len || rg.addr + rg.len < rg.addr)
		return -EINVAL;
	end = PAGE_ALIGN(rg.addr + rg.len);
	if (!end || (end - start) / PAGE_SIZE > GV_PIN_MAX_PAGES)
		return -ENOMEM;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	kref_init(&r->ref);
	r->start = start;
	r->npages = (end - start) / PAGE_SIZE;
	r->mm = current->mm;
	r->pages = kvmalloc_array(r->npages, sizeof(*r->pages), GFP_KERNEL);
	r->phys = kvmalloc_array(r->npages, sizeof(*r->phys), GFP_KERNEL);
	err = -ENOMEM;
	if (!r->pages || !r->phys)
		goto free;
	mutex_lock(&f->pin_lock);
	err = -ENOMEM;
	if (f->pinned_pages + r->npages > GV_PIN_MAX_PAGES)
		goto unlock;
	err = -EEXIST;
	list_for_each_entry(o, &f->pinned, node)
		if (!o->cached && o->mm == r->mm &&
		    start < o->start + o->npages * PAGE_SIZE && o->start < end)
			goto unlock;
	got = pin_user_pages_fast(start, r->npages, FOLL_WRITE | FOLL_LONGTERM,
				  r->pages);
	if (got != r->npages) {
		if (got > 0)
			unpin_user_pages(r->pages, got);
		err = got < 0 ? got : -EFAULT;
		goto unlock;
	}
	for (p = 0; p < r->npages; p++)
		r->phys[p] = cpu_to_le64(page_to_phys(r->pages[p]));
	mmgrab(r->mm);
	list_add(&r->node, &f->pinned);
	f->pinned_pages += r->npages;
	mutex_unlock(&f->pin_lock);
	return 0;
unlock:
	mutex_unlock(&f->pin_lock);
free:
	kvfree(r->pages);
	kvfree(r->phys);
	kfree(r);
	return err;
}

static long gv_ioctl_unpin(struct gv_file *f, struct gv_ioctl_range __user *ur)
{
	struct gv_ioctl_range rg;
	struct gv_pinned *r;

	if (copy_from_user(&rg, ur, sizeof(rg)))
		return -EFAULT;
	mutex_lock(&f->pin_lock);
	list_for_each_entry(r, &f->pinned, node) {
		if (!r->cached && r->mm == current->mm &&
		    r->start == (rg.addr & PAGE_MASK)) {
			gv_pinned_unlink(f, r);
			mutex_unlock(&f->pin_lock);
			/* Requests still using it hold their own references. */
			kref_put(&r->ref, gv_pinned_release);
			return 0;
		}
	}
	mutex_unlock(&f->pin_lock);
	return -EINVAL;
}

static long gv_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case GV_IOC_CALL:
		return gv_ioctl_call(file->private_data, (void __user *)arg);
	case GV_IOC_MBOX_WAIT:
		return gv_ioctl_mbox_wait(file->private_data, (u32 __user *)arg);
	case GV_IOC_PIN:
		return gv_ioctl_pin(file->private_data, (void __user *)arg);
	case GV_IOC_UNPIN:
		return gv_ioctl_unpin(file->private_data, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int gv_open(struct inode *inode, struct file *file)
{
	struct gv_file *f;
	int id;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_lock(&gv_lock);
	if (!gv_the_dev || gv_the_dev->removed) {
		mutex_unlock(&gv_lock);
		kfree(f);
		return -ENODEV;
	}
	f->dev = gv_the_dev;
	kref_get(&f->dev->ref);
	mutex_unlock(&gv_lock);
	id = ida_alloc_min(&gv_session_ida, 1, GFP_KERNEL);
	if (id < 0) {
		kref_put(&f->dev->ref, gv_dev_release);
		kfree(f);
		return id;
	}
	f->session = id;
	f->generation = READ_ONCE(f->dev->generation);
	mutex_init(&f->mbox_lock);
	mutex_init(&f->pin_lock);
	INIT_LIST_HEAD(&f->pinned);
	file->private_data = f;
	return 0;
}

/* Ends the session on the host; its id is reused only after that. */
static int gv_release(struct inode *inode, struct file *file)
{
	struct gv_file *f = file->private_data;
	struct gv_vq_req_hdr *hdr;
	struct gv_pinned *r, *tmp;
	struct gv_req *req;
	bool ended = false;

	list_for_each_entry_safe(r, tmp, &f->pinned, node) {
		list_del(&r->node);
		kref_put(&r->ref, gv_pinned_release);
	}

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (req) {
		req->out_len = sizeof(*hdr);
		req->out = kzalloc(req->out_len, GFP_KERNEL);
		req->in_len = sizeof(struct gv_vq_resp_hdr);
		req->in = kzalloc(req->in_len, GFP_KERNEL);
		if (req->out && req->in) {
			hdr = req->out;
			hdr->session = cpu_to_le32(f->session);
			hdr->flags = cpu_to_le32(GV_VQ_F_CLOSE_SESSION);
			ended = !gv_submit(f->dev, req, false);
			if (!ended)
				dev_warn(&f->dev->vdev->dev,
					 "session %u: could not tell the host it ended\n",
					 f->session);
		}
		gv_req_free(req);
	}
	/* The host's worker may read a mailbox until its session ended. */
	if (f->mbox && (ended || f->dev->removed ||
			READ_ONCE(f->dev->generation) != f->generation))
		__free_pages(f->mbox, GV_MBOX_ORDER);
	ida_free(&gv_session_ida, f->session);
	kref_put(&f->dev->ref, gv_dev_release);
	kfree(f);
	return 0;
}

static const struct file_operations gv_fops = {
	.owner = THIS_MODULE,
	.open = gv_open,
	.release = gv_release,
	.unlocked_ioctl = gv_ioctl,
	.mmap = gv_mmap,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice gv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "gvirtus",
	.fops = &gv_fops,
	.mode = 0666,
};

static int gv_probe(struct virtio_device *vdev)
{
	struct gv_dev *dev;
	int err;

	/* Page addresses are guest-physical: no IOMMU translation. */
	if (virtio_has_feature(vdev, VIRTIO_F_ACCESS_PLATFORM)) {
		dev_err(&vdev->dev, "iommu_platform=on is not supported; start the device without it\n");
		return -EINVAL;
	}
	mutex_lock(&gv_lock);
	if (gv_the_dev) {
		mutex_unlock(&gv_lock);
		dev_err(&vdev->dev, "only one virtio-gvirtus device is supported\n");
		return -EBUSY;
	}
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		mutex_unlock(&gv_lock);
		return -ENOMEM;
	}
	kref_init(&dev->ref);
	dev->vdev = vdev;
	spin_lock_init(&dev->vq_lock);
	init_waitqueue_head(&dev->vq_space);
	init_llist_head(&dev->dead);
	INIT_WORK(&dev->reap, gv_reap);
	vdev->priv = dev;
	dev->vq = virtio_find_single_vq(vdev, gv_vq_done, "requests");
	if (IS_ERR(dev->vq)) {
		err = PTR_ERR(dev->vq);
		goto fail;
	}
	virtio_device_ready(vdev);
	err = misc_register(&gv_misc);
	if (err) {
		virtio_reset_device(vdev);
		vdev->config->del_vqs(vdev);
		goto fail;
	}
	gv_the_dev = dev;
	mutex_unlock(&gv_lock);
	dev_info(&vdev->dev, "virtio-gvirtus ready at /dev/gvirtus (ring of %u)\n",
		 virtqueue_get_vring_size(dev->vq));
	return 0;
fail:
	kfree(dev);
	mutex_unlock(&gv_lock);
	return err;
}

/*
 * Resets the device, which drops every session on the host, fails what the
 * host never answered and takes the queue away: for good (removal) or
 * until restore (suspend, which also ends the open files' sessions).
 */
static void gv_quiesce(struct gv_dev *dev, bool suspend)
{
	struct virtio_device *vdev = dev->vdev;
	struct gv_req *req;
	unsigned long flags;

	virtio_reset_device(vdev);
	spin_lock_irqsave(&dev->vq_lock, flags);
	if (suspend) {
		dev->frozen = true;
		WRITE_ONCE(dev->generation, dev->generation + 1);
	} else {
		dev->removed = true;
	}
	while ((req = virtqueue_detach_unused_buf(dev->vq)))
		gv_finish(dev, req, 0);
	spin_unlock_irqrestore(&dev->vq_lock, flags);
	wake_up_all(&dev->vq_space);
	vdev->config->del_vqs(vdev);
	flush_work(&dev->reap);
}

static void gv_remove(struct virtio_device *vdev)
{
	struct gv_dev *dev = vdev->priv;

	mutex_lock(&gv_lock);
	misc_deregister(&gv_misc);
	gv_the_dev = NULL;
	mutex_unlock(&gv_lock);

	gv_quiesce(dev, false);
	kref_put(&dev->ref, gv_dev_release);
}

static const struct virtio_device_id gv_id_table[] = {
	{ GV_VIRTIO_ID, VIRTIO_DEV_ANY_ID },
	{ 0 },
};
MODULE_DEVICE_TABLE(virtio, gv_id_table);

#ifdef CONFIG_PM_SLEEP
/*
 * Suspend resets the device, and the host ends every session with it: what
 * the host never answered fails, and files opened before get -ENODEV from
 * then on (their host state is gone); files opened after restore work.
 */
static int gv_freeze(struct virtio_device *vdev)
{
	gv_quiesce(vdev->priv, true);
	return 0;
}

static int gv_restore(struct virtio_device *vdev)
{
	struct gv_dev *dev = vdev->priv;
	struct virtqueue *vq = virtio_find_single_vq(vdev, gv_vq_done, "requests");
	unsigned long flags;

	if (IS_ERR(vq))
		return PTR_ERR(vq);
	spin_lock_irqsave(&dev->vq_lock, flags);
	dev->vq = vq;
	dev->frozen = false;
	spin_unlock_irqrestore(&dev->vq_lock, flags);
	virtio_device_ready(vdev);
	return 0;
}
#endif

static struct virtio_driver gv_driver = {
	.driver.name = KBUILD_MODNAME,
	.driver.owner = THIS_MODULE,
	.id_table = gv_id_table,
	.probe = gv_probe,
	.remove = gv_remove,
#ifdef CONFIG_PM_SLEEP
	.freeze = gv_freeze,
	.restore = gv_restore,
#endif
};
module_virtio_driver(gv_driver);

MODULE_DESCRIPTION("gvirtus: CUDA calls to the host GPU over virtio");
MODULE_LICENSE("GPL");
