/* SPDX-License-Identifier: MIT */
/*
 * The session mailbox's host side (host-worker/mbox_serve.c) against a
 * mailbox in this process's memory, as a guest would fill it: a request
 * published by its seq is answered in place; WAIT wakes a sleeping worker
 * and returns once the answer is in, or says "not yet" after a bounded
 * time; hostile contents (a length past the request area, a response room
 * past the response area, garbage messages, a seq far ahead) get an error
 * status or an error response, and never a read or write outside the
 * mailbox (the unit tests run under valgrind).
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailbox.h"
#include "mbox_serve.h"
#include "protocol.h"
#include "unit.h"
#include "worker_internal.h"

static unsigned char *box;
static struct gvw_mbox mb;

static struct gv_mbox_ctl *ctl(void)
{
	return (struct gv_mbox_ctl *)box;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Publishes len bytes of request as seq; returns once answered (or 2 s). */
static int post(uint32_t seq, const void *req, uint32_t len, uint32_t cap)
{
	uint64_t t0 = now_ms();

	if (req)
		memcpy(box + GV_MBOX_REQ_OFF, req, len);
	ctl()->req_len = htole32(len);
	ctl()->resp_cap = htole32(cap);
	__atomic_store_n(&ctl()->req_seq, htole32(seq), __ATOMIC_RELEASE);
	while (le32toh(__atomic_load_n(&ctl()->done_seq, __ATOMIC_ACQUIRE)) != seq) {
		if (now_ms() - t0 > 2000)
			return 0;
		/* A sleeping worker needs the doorbell, as gvirtus.ko's WAIT rings it. */
		if (__atomic_load_n(&ctl()->worker_idle, __ATOMIC_ACQUIRE))
			gvw_mbox_wait(&mb, seq);
		usleep(10);
	}
	return 1;
}

static uint32_t priority_range_req(unsigned char *msg, uint32_t op)
{
	struct gv_msg_hdr h = {.magic = GV_MSG_MAGIC,
			       .version = GV_PROTOCOL_VERSION,
			       .op = op,
			       .req_id = 7,
			       .payload_len = sizeof(struct gv_empty)};

	memset(msg, 0, sizeof(h) + sizeof(struct gv_empty));
	memcpy(msg, &h, sizeof(h));
	return sizeof(h) + sizeof(struct gv_empty);
}

int main(void)
{
	struct gvw_config cfg = {.executor = GVW_EXEC_CPU_REFERENCE,
				 .max_sessions = 2,
				 .cpu_reference_devices = 1,
				 .label = "test"};
	unsigned char msg[256], garbage[512];
	struct gv_resp_hdr rh;
	struct gv_priority_range_resp pr;
	struct gvw_worker *w = NULL;
	struct gvw_session *s;
	char err[256];
	uint32_t len, seq = 1;
	uint64_t t0;
	int ok, r, i;

	setenv("GVIRTUS_MBOX_SPIN_US", "200", 1);
	if (gvw_worker_create(&cfg, &w, err, sizeof(err))) {
		printf("FAIL worker: %s\n", err);
		return 1;
	}
	s = gvw_session_open(w, 1);
	box = aligned_alloc(GV_PAGE_SIZE, GV_MBOX_SIZE);
	if (!s || !box) {
		printf("FAIL no session or no memory\n");
		return 1;
	}
	memset(box, 0, GV_MBOX_SIZE);
	gvw_mbox_init(&mb, s);
	EXPECT(gvw_mbox_wait(&mb, 1) == -1, "WAIT before a mailbox is refused");
	EXPECT(gvw_mbox_attach(&mb, box) == 0, "the mailbox attaches");
	EXPECT(gvw_mbox_attach(&mb, box) == -1, "a second mailbox is refused");

	/* A request answered in place. */
	len = priority_range_req(msg, GV_OP_STREAM_PRIORITY_RANGE);
	ok = post(seq, msg, len, 4096);
	memcpy(&rh, box + GV_MBOX_RESP_OFF, sizeof(rh));
	memcpy(&pr, box + GV_MBOX_RESP_OFF + sizeof(rh), sizeof(pr));
	EXPECT(ok && le32toh(ctl()->status) == GV_MBOX_OK, "a request is answered");
	EXPECT(le32toh(ctl()->resp_len) == sizeof(rh) + sizeof(pr) && rh.magic == GV_RESP_MAGIC &&
		   rh.req_id == 7 && rh.result == 0,
	       "its response: %u bytes, result %d", le32toh(ctl()->resp_len), rh.result);
	EXPECT(pr.least == 0 && pr.greatest < 0, "the priority range: %d..%d", pr.least,
	       pr.greatest);

	/* Idle past the spin: the worker sleeps, and WAIT wakes it. */
	usleep(20000);
	EXPECT(__atomic_load_n(&ctl()->worker_idle, __ATOMIC_ACQUIRE) == htole32(1),
	       "an idle worker says it sleeps");
	ok = post(++seq, msg, len, 4096);
	EXPECT(ok && le32toh(ctl()->status) == GV_MBOX_OK, "a sleeping worker is woken by WAIT");
	EXPECT(gvw_mbox_wait(&mb, seq) == 0, "WAIT for an answered request returns at once");
	t0 = now_ms();
	r = gvw_mbox_wait(&mb, seq + 1000);
	EXPECT(r == 1 && now_ms() - t0 >= GVW_MBOX_WAIT_MS - 5 && now_ms() - t0 < 2000,
	       "WAIT for a request never posted says not yet after its bound (%d)", r);

	/* Hostile contents. */
	ok = post(++seq, NULL, GV_MBOX_REQ_MAX + 1, 4096);
	EXPECT(ok && le32toh(ctl()->status) == GV_MBOX_EBADREQ && !ctl()->resp_len,
	       "a length past the request area is refused");
	ok = post(++seq, NULL, 0, 4096);
	EXPECT(ok && le32toh(ctl()->status) == GV_MBOX_EBADREQ, "an empty request is refused");
	ok = post(++seq, msg, len, 0xffffffffu);
	EXPECT(ok && le32toh(ctl()->status) == GV_MBOX_OK &&
		   le32toh(ctl()->resp_len) <= GV_MBOX_RESP_MAX,
	       "a response room past the area is bounded");
	for (i = 0; i < (int)sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 37 + 11);
	ok = post(++seq, garbage, sizeof(garbage), 4096);
	EXPECT(ok && le32toh(ctl()->status) == GV_MBOX_OK && le32toh(ctl()->resp_len) <= 4096,
	       "garbage messages get the session's error handling, not a crash");
	ok = post(seq += 1000, msg, len, 4096);
	EXPECT(ok, "a seq far ahead is just the next request");
	len = priority_range_req(msg, GV_OP_STREAM_PRIORITY_RANGE);
	ok = post(++seq, msg, len, 4096);
	memcpy(&rh, box + GV_MBOX_RESP_OFF, sizeof(rh));
	EXPECT(ok && rh.magic == GV_RESP_MAGIC && rh.result == 0,
	       "the session still answers after hostile requests");

	gvw_mbox_stop(&mb);
	EXPECT(gvw_mbox_wait(&mb, seq) == -1, "no WAIT after the mailbox stopped");
	gvw_mbox_stop(&mb);
	gvw_session_close(s);
	gvw_worker_destroy(w);
	free(box);
	return unit_summary("test_mailbox");
}
