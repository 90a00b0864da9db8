/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: every op's request decoding, reached on purpose.
 * The host worker has no decoder separate from execution (there is no
 * code generator yet): gvw_session_exec checks the header, the payload
 * and tail lengths against calls.def, and the op's handler then reads the
 * request.  So each input is one message whose op the fuzzer picks from
 * calls.def, behind a valid header, with a fuzzed payload and bulk
 * buffer, executed in a session that already holds one of everything a
 * request can name (allocations on both devices, a stream, events, and,
 * when FUZZ_FATBIN names a fatbin, a module and a function of it; then a
 * cuBLAS handle, a cuRAND generator and a cuFFT plan, behind fakes).
 *
 * Input:
 *   u16 op        index into calls.def's ops (modulo their number)
 *   u8 mode       bits 0-1: 0 payload is the request struct then the tail,
 *                 1 payload_len is raw (the u16 below), 2 no tail,
 *                 3 as 0 without reply; bits 2-3: nbulk as the op says, 0, 1, 2
 *   u8 device
 *   u8 how        bulk buffer: bits 0-1 dir, bit 2 in two pieces
 *   u16 bulk_len
 *   u16 tail_len  (mode 1: the payload_len)
 *   then the payload bytes (zero when the input ends first), then the
 *   bytes of a bulk buffer the host reads (0x5a when the input ends first)
 */
#include <curand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fakes.h"
#include "fuzz_worker.h"
#include "protocol.h"

struct op {
	uint32_t num, req_size, tail_max;
	int nbulk;
};

static const struct op ops[] = {
#define GV_OP(name, n, req, resp, nb, tail) {n, sizeof(struct req), tail, nb},
#include "calls.def"
#undef GV_OP
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))
/* The first two input bytes pick the op: past 65536 some would never run. */
_Static_assert(NOPS <= 65536, "fuzz_codecs: widen the op index to reach every op");

static unsigned char *fatbin;
static size_t fatbin_len;

/* One message of the setup; aborts unless it succeeds.  Returns its response payload. */
static void setup_call(struct fz_worker *f, uint32_t op, uint32_t dev, const void *q, uint32_t qlen,
		       const struct gvw_bulk *b, void *r, size_t rlen)
{
	static unsigned char resp[FZ_RESP_CAP];
	unsigned char msg[sizeof(struct gv_msg_hdr) + 64];
	struct gv_msg_hdr h = {.magic = GV_MSG_MAGIC,
			       .version = GV_PROTOCOL_VERSION,
			       .op = op,
			       .device = dev,
			       .payload_len = qlen,
			       .nbulk = !!b};
	struct gv_resp_hdr rh;
	size_t n = 0;

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), q, qlen);
	if (gvw_session_exec(f->s, msg, sizeof(h) + qlen, b, !!b, resp, FZ_RESP_CAP, &n) ||
	    n < sizeof(rh) + rlen)
		abort();
	memcpy(&rh, resp, sizeof(rh));
	memcpy(r, resp + sizeof(rh), rlen);
	if (rh.status != GV_OK || rh.result != 0) {
		fprintf(stderr, "fuzz_codecs: setup op %u failed: status %u result %d\n", op,
			rh.status, rh.result);
		abort();
	}
}

static void setup(struct fz_worker *f)
{
	struct gv_hello_req hello = {.guest_version = GV_PROTOCOL_VERSION, .pid = 1};
	struct gv_malloc_req m = {.size = 65536};
	struct gv_stream_create_req sc = {0};
	struct gv_event_create_req ec = {0};
	struct gv_hello_resp hr;
	struct gv_ptr_resp pr;
	struct gv_handle_resp hh;

	setup_call(f, GV_OP_HELLO, 0, &hello, sizeof(hello), NULL, &hr, sizeof(hr));
	setup_call(f, GV_OP_MALLOC, 0, &m, sizeof(m), NULL, &pr, sizeof(pr));
	setup_call(f, GV_OP_MALLOC, 1, &m, sizeof(m), NULL, &pr, sizeof(pr));
	setup_call(f, GV_OP_STREAM_CREATE, 0, &sc, sizeof(sc), NULL, &hh, sizeof(hh));
	setup_call(f, GV_OP_EVENT_CREATE, 0, &ec, sizeof(ec), NULL, &hh, sizeof(hh));
	setup_call(f, GV_OP_EVENT_CREATE, 0, &ec, sizeof(ec), NULL, &hh, sizeof(hh));
	if (fatbin) {
		static const char name[] = "_Z2k1cdPi";
		struct gv_frame_piece iov = {fatbin, fatbin_len};
		struct gvw_bulk b = {
		    .iov = &iov, .niov = 1, .len = fatbin_len, .dir = GV_BULK_TO_HOST};
		struct gv_module_load_req ml = {.size = fatbin_len};
		struct {
			struct gv_name_req q;
			char name[sizeof(name) - 1];
		} __attribute__((packed)) fg = {.q = {.name_len = sizeof(name) - 1}};
		struct gv_function_resp *fr = malloc(sizeof(*fr));

		if (!fr)
			abort();
		setup_call(f, GV_OP_MODULE_LOAD, 0, &ml, sizeof(ml), &b, &hh, sizeof(hh));
		fg.q.module = hh.handle;
		memcpy(fg.name, name, sizeof(fg.name));
		setup_call(f, GV_OP_FUNCTION_GET, 0, &fg, sizeof(fg), NULL, fr, sizeof(*fr));
		free(fr);
	}
	/* One object of each math library, behind its fake (make-seeds.py
	 * names them): a cuBLAS handle, a cuRAND generator, a cuFFT plan. */
	{
		struct gvg_cublasCreate_v2_resp bh;
		struct gvg_curandCreateGenerator_req gq = {.rng_type = CURAND_RNG_PSEUDO_DEFAULT};
		struct gvg_curandCreateGenerator_resp gh;
		struct gvg_cufftCreate_resp ph;

		setup_call(f, GV_OP_cublasCreate_v2, 0, "", 0, NULL, &bh, sizeof(bh));
		setup_call(f, GV_OP_curandCreateGenerator, 0, &gq, sizeof(gq), NULL, &gh,
			   sizeof(gh));
		setup_call(f, GV_OP_cufftCreate, 0, "", 0, NULL, &ph, sizeof(ph));
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("FUZZ_FATBIN");
	FILE *fp;
	long n;

	(void)argc;
	(void)argv;
	setenv("GVIRTUS_LOGLEVEL", "60000", 0);
	if (!path || !*path || !(fp = fopen(path, "rb")))
		return 0;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && n < (64l << 20) &&
	    fseek(fp, 0, SEEK_SET) == 0 && (fatbin = malloc((size_t)n)) &&
	    fread(fatbin, 1, (size_t)n, fp) == (size_t)n) {
		fatbin_len = (size_t)n;
	} else {
		free(fatbin);
		fatbin = NULL;
	}
	fclose(fp);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct op *o;
	unsigned int mode, dev, how, nbulk, i, n = 1;
	uint32_t dir, payload_len;
	size_t bulk_len, tail_len, have, first;
	/* A global: AddressSanitizer guards it with redzones as well. */
	static unsigned char resp[FZ_RESP_CAP];
	unsigned char *msg;
	struct gv_msg_hdr h;
	struct gv_frame_piece iov[2];
	struct gvw_bulk bulk[2];
	struct fz_worker f;
	size_t resp_len = 0;
	int rc;

	if (size < 9)
		return 0;
	o = &ops[fz_le16(data) % NOPS];
	mode = data[2];
	dev = data[3];
	how = data[4];
	bulk_len = fz_le16(data + 5);
	tail_len = fz_le16(data + 7);
	dir = how & 3;
	switch (mode >> 2 & 3) {
	case 0:
		nbulk = o->nbulk < 0 ? 1 : (unsigned int)o->nbulk;
		break;
	default:
		nbulk = (mode >> 2 & 3) - 1;
		break;
	}
	if ((mode & 3) == 1) {
		payload_len = (uint32_t)tail_len;
	} else {
		if ((mode & 3) == 2 || tail_len > o->tail_max)
			tail_len = (mode & 3) == 2 ? 0 : o->tail_max;
		payload_len = o->req_size + (uint32_t)tail_len;
	}
	data += 9;
	size -= 9;

	h = (struct gv_msg_hdr){.magic = GV_MSG_MAGIC,
				.version = GV_PROTOCOL_VERSION,
				.flags = (mode & 3) == 3 ? GV_MSG_F_NO_REPLY : 0,
				.op = o->num,
				.device = dev,
				.req_id = 7,
				.payload_len = payload_len,
				.nbulk = nbulk};
	msg = calloc(1, sizeof(h) + payload_len);
	if (!msg)
		abort();
	memcpy(msg, &h, sizeof(h));
	have = size < payload_len ? size : payload_len;
	memcpy(msg + sizeof(h), data, have);
	data += have;
	size -= have;

	/* The same buffer twice when the message names two. */
	first = how & 4 ? bulk_len / 2 : bulk_len;
	n = first == bulk_len ? 1 : 2;
	for (i = 0; i < n; i++) {
		size_t len = i ? bulk_len - first : first;

		iov[i].len = len;
		iov[i].base = malloc(len ? len : 1);
		if (!iov[i].base)
			abort();
		memset(iov[i].base, 0x5a, len);
		if (GV_BULK_HOST_READS(dir)) {
			size_t k = size < len ? size : len;

			memcpy(iov[i].base, data, k);
			data += k;
			size -= k;
		}
	}
	bulk[0] = (struct gvw_bulk){.iov = iov, .niov = n, .len = bulk_len, .dir = dir};
	bulk[1] = bulk[0];

	fz_worker_start(&f, 0);
	fz_install_fakes(f.w);
	setup(&f);
	rc = gvw_session_exec(f.s, msg, sizeof(h) + payload_len, bulk, nbulk, resp, FZ_RESP_CAP,
			      &resp_len);
	fz_check_responses(resp, resp_len, FZ_RESP_CAP, rc);
	fz_worker_stop(&f);

	for (i = 0; i < n; i++)
		free(iov[i].base);
	free(msg);
	return 0;
}
