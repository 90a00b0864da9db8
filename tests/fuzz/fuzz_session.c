/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: one guest session of the host worker, with the CPU
 * reference executor, driven by a sequence of transport requests.
 *
 * Input: records, back to back, until the input ends (a record cut short
 * ends the sequence):
 *   u8 ctl        bits 0-1: bulk buffers (0..3); bit 2: a u16 response
 *                 room follows (else FZ_RESP_CAP)
 *   [u16 room]
 *   u16 msg_len
 *   per bulk buffer: u8 how (bits 0-1: dir, 0 being invalid; bit 2: in two
 *                 pieces), u16 len
 *   msg_len bytes: the request's messages, passed to gvw_session_exec as is
 *   per bulk buffer the host reads (TO_HOST, UPDATE): its len bytes
 * Every buffer is a heap block of its exact size, so that AddressSanitizer
 * sees any read or write past what the transport delivered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_worker.h"
#include "protocol.h"

#define MAX_RECORDS 64
#define MAX_BULK    3

struct record {
	const uint8_t *msg;
	size_t msg_len;
	size_t room;
	unsigned int nbulk;
	uint32_t dir[MAX_BULK];
	int split[MAX_BULK];
	size_t len[MAX_BULK];
	const uint8_t *data[MAX_BULK]; /* NULL: the host writes it */
};

/* The next record at *p, or 0 when the input has no whole one left. */
static int parse(const uint8_t **p, const uint8_t *end, struct record *r)
{
	const uint8_t *q = *p;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	if (end - q < 1)
		return 0;
	r->nbulk = q[0] & 3;
	r->room = FZ_RESP_CAP;
	if (q[0] & 4) {
		if (end - q < 3)
			return 0;
		r->room = fz_le16(q + 1);
		q += 2;
	}
	q++;
	if (end - q < 2 + 3 * (long)r->nbulk)
		return 0;
	r->msg_len = fz_le16(q);
	q += 2;
	for (i = 0; i < r->nbulk; i++, q += 3) {
		r->dir[i] = q[0] & 3;
		r->split[i] = !!(q[0] & 4);
		r->len[i] = fz_le16(q + 1);
	}
	if ((size_t)(end - q) < r->msg_len)
		return 0;
	r->msg = q;
	q += r->msg_len;
	for (i = 0; i < r->nbulk; i++) {
		if (!GV_BULK_HOST_READS(r->dir[i]))
			continue;
		if ((size_t)(end - q) < r->len[i])
			return 0;
		r->data[i] = q;
		q += r->len[i];
	}
	*p = q;
	return 1;
}

static void run(struct fz_worker *f, const struct record *r)
{
	struct gv_frame_piece iov[MAX_BULK][2];
	struct gvw_bulk bulk[MAX_BULK];
	/* The full room is a global (redzones guard it too); less is a block of its size. */
	static unsigned char full[FZ_RESP_CAP];
	unsigned char *msg = malloc(r->msg_len ? r->msg_len : 1);
	unsigned char *resp = r->room == FZ_RESP_CAP ? full : malloc(r->room ? r->room : 1);
	size_t resp_len = 0;
	unsigned int i, k;
	int rc;

	if (!msg || !resp)
		abort();
	memcpy(msg, r->msg, r->msg_len);
	for (i = 0; i < r->nbulk; i++) {
		/* Two pieces: the host must gather and scatter across them. */
		size_t first = r->split[i] ? r->len[i] / 2 : r->len[i];
		unsigned int n = r->split[i] ? 2 : 1;

		iov[i][0].len = first;
		iov[i][1].len = r->len[i] - first;
		for (k = 0; k < n; k++) {
			iov[i][k].base = malloc(iov[i][k].len ? iov[i][k].len : 1);
			if (!iov[i][k].base)
				abort();
			if (r->data[i])
				memcpy(iov[i][k].base, r->data[i] + (k ? first : 0), iov[i][k].len);
			else
				memset(iov[i][k].base, 0xa5, iov[i][k].len);
		}
		bulk[i] =
		    (struct gvw_bulk){.iov = iov[i], .niov = n, .len = r->len[i], .dir = r->dir[i]};
	}
	rc = gvw_session_exec(f->s, msg, r->msg_len, bulk, r->nbulk, resp, r->room, &resp_len);
	fz_check_responses(resp, resp_len, r->room, rc);
	for (i = 0; i < r->nbulk; i++)
		for (k = 0; k < bulk[i].niov; k++)
			free(iov[i][k].base);
	if (resp != full)
		free(resp);
	free(msg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Thousands of refused messages a second: log nothing unless asked. */
	setenv("GVIRTUS_LOGLEVEL", "60000", 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record rec[MAX_RECORDS];
	const uint8_t *p = data, *end = data + size;
	struct fz_worker f;
	int n = 0, gates = 0, i;

	while (n < MAX_RECORDS && parse(&p, end, &rec[n]))
		n++;
	for (i = 0; i < n; i++)
		gates |= fz_has_op(rec[i].msg, rec[i].msg_len, GV_OP_HOST_FUNC_ENQUEUE);
	fz_worker_start(&f, gates);
	for (i = 0; i < n; i++)
		run(&f, &rec[i]);
	fz_worker_stop(&f);
	return 0;
}
