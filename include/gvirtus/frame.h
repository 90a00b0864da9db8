/* SPDX-License-Identifier: MIT */
/*
 * Framing of protocol messages on a byte stream: between QEMU and its
 * per-session worker processes (a socketpair), and between the frontend
 * and gvirtus-backend (TCP).  Bulk data travels as counted byte runs after
 * the messages: to-host runs in the request, from-host runs in the reply.
 * Fields are little-endian, like protocol.h.
 */
#ifndef GVIRTUS_FRAME_H
#define GVIRTUS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "bulk.h"

#define GV_FRAME_MAGIC		0x52465647u /* "GVFR" */
#define GV_FRAME_REPLY_MAGIC	0x50465647u /* "GVFP" */
#define GV_FRAME_MAX_MSG	(64u * 1024)
#define GV_FRAME_MAX_BULK	8
#define GV_FRAME_MAX_BULK_BYTES (256ull << 20)

/* What the worker as a whole holds, for the STATS op of a worker process. */
struct __attribute__((packed)) gv_frame_vm_stats {
	uint32_t sessions;
	uint32_t reserved;
	uint64_t total_allocs;
	uint64_t total_bytes;
	uint64_t sessions_closed;
	uint64_t bytes_freed_at_close;
};

struct __attribute__((packed)) gv_frame_req {
	uint32_t magic; /* GV_FRAME_MAGIC */
	uint32_t msg_len;
	uint32_t nbulk;
	/*
	 * Room for the responses, in bytes; 0 (what older senders wrote
	 * here) means GV_FRAME_MAX_MSG.  The worker answers GV_ERESP when a
	 * response does not fit, instead of sending more than the room.
	 */
	uint32_t resp_cap;
	struct gv_frame_vm_stats vm;
	/* then nbulk x gv_frame_bulk, msg_len bytes, the to-host runs */
};
_Static_assert(sizeof(struct gv_frame_req) == 56, "gv_frame_req is 56 bytes on the wire");

struct __attribute__((packed)) gv_frame_bulk {
	uint64_t len;
	uint32_t dir;
	uint32_t form; /* GV_FRAME_BULK_* */
};

/*
 * How a bulk run travels.  BYTES: its bytes follow in the stream (to-host
 * in the request, from-host in the reply).  GUEST_PAGES: only a list of
 * guest-physical pages follows in the request, and the worker process
 * reads or writes those pages itself in the guest RAM QEMU shared with it
 * at its start (guest_ram.h); nothing of the run comes back in the reply.
 * Only QEMU sends GUEST_PAGES, and only to a worker it gave guest RAM: a
 * receiver without guest RAM refuses the frame.
 */
#define GV_FRAME_BULK_BYTES	  0u
#define GV_FRAME_BULK_GUEST_PAGES 1u

/*
 * The page list of a GUEST_PAGES run, after the request's messages, in
 * the order of the runs: this header, then npages le64 guest-physical
 * page addresses.  The run is len bytes from offset into its first page;
 * npages is exactly the number of pages those bytes touch.
 */
struct __attribute__((packed)) gv_frame_pages {
	uint32_t offset; /* < GV_PAGE_SIZE */
	uint32_t npages;
};

struct __attribute__((packed)) gv_frame_reply {
	uint32_t magic; /* GV_FRAME_REPLY_MAGIC */
	uint32_t resp_len;
	uint32_t status; /* GV_FRAME_STATUS_* */
	uint32_t reserved;
	uint64_t session_allocs; /* what the session holds now */
	uint64_t session_bytes;
	/* then resp_len bytes, then the from-host runs */
};

/*
 * Reply status.  FAULT: a GUEST_PAGES run named memory that is not the
 * guest RAM the worker maps; no message ran, and only the header comes.
 */
#define GV_FRAME_STATUS_OK    0u
#define GV_FRAME_STATUS_FAULT 2u

/*
 * The session mailbox (mailbox.h), between QEMU and a worker it gave guest
 * RAM: a frame of this magic carries one gv_frame_mbox as its message.
 * ATTACH has one GUEST_PAGES run, the mailbox (GV_MBOX_SIZE bytes,
 * contiguous in guest RAM); WAIT wakes the worker's mailbox thread and
 * returns once request seq is answered or after a bounded time.  The
 * reply's 4 response bytes are a GV_FRAME_MBOX_* state.  A receiver
 * without guest RAM (a TCP client's) refuses the frame.
 */
#define GV_FRAME_MBOX_MAGIC  0x4d465647u /* "GVFM" */
#define GV_FRAME_MBOX_ATTACH 1u
#define GV_FRAME_MBOX_WAIT   2u

struct __attribute__((packed)) gv_frame_mbox {
	uint32_t op; /* GV_FRAME_MBOX_ATTACH or _WAIT */
	uint32_t seq;
};

#define GV_FRAME_MBOX_ANSWERED 0u
#define GV_FRAME_MBOX_PENDING  1u
#define GV_FRAME_MBOX_REFUSED  2u

/* A piece of a bulk buffer in the memory of whoever sends or receives it. */
struct gv_frame_piece {
	void *base;
	size_t len;
};

/*
 * A worker process and its parent (QEMU or gvirtus-backend) relay
 * host-function gates on a socket of their own: the worker says when a
 * stream reached a gate, the parent says when the guest released it.
 */
struct __attribute__((packed)) gv_relay_msg {
	uint32_t type; /* GV_RELAY_REACHED or GV_RELAY_RELEASE */
	uint32_t reserved;
	uint64_t token;
};
_Static_assert(sizeof(struct gv_relay_msg) == 16, "gv_relay_msg is 16 bytes");
/* REACHED is followed by `reserved` bytes: a struct gv_relay_gate_fn, or none. */
struct __attribute__((packed)) gv_relay_gate_fn {
	uint64_t fn;   /* a host node's function in the guest; 0 for a stream's gate */
	uint64_t data; /* its argument */
};
#define GV_RELAY_REACHED 1u
#define GV_RELAY_RELEASE 2u
/*
 * A worker that serves its TCP client itself asks its parent what the
 * parent answers for relayed frames: the VM-wide figures a frame's header
 * carries (for its STATS op), and a callback session's gate calls, which
 * only the parent's mirrors can answer.  These messages are followed by
 * `reserved` bytes: none for VM_STATS_ASK, a gv_frame_vm_stats for
 * VM_STATS, the frame's messages for GATE_CALL and the responses for
 * GATE_ANSWER (at most GV_RELAY_MAX_PAYLOAD).
 */
#define GV_RELAY_VM_STATS_ASK 3u
#define GV_RELAY_VM_STATS     4u
#define GV_RELAY_GATE_CALL    5u
#define GV_RELAY_GATE_ANSWER  6u
#define GV_RELAY_MAX_PAYLOAD  256u
/*
 * IPC handles (protocol.h, gv_ipc_handle) are kept by the parent, which
 * alone sees every session of its VM or backend: a worker asks it to
 * keep a driver handle (IPC_PUT, answered with the token) or for the
 * driver handle of a token (IPC_GET).  Both messages and their answer
 * (IPC_ANSWER) carry one gv_relay_ipc; an answer of no bytes refuses.
 */
#define GV_RELAY_IPC_PUT    7u
#define GV_RELAY_IPC_GET    8u
#define GV_RELAY_IPC_ANSWER 9u
struct __attribute__((packed)) gv_relay_ipc {
	uint32_t kind; /* enum gv_ipc_kind */
	uint32_t reserved;
	uint64_t token[2];
	uint8_t native[64]; /* the driver's handle */
};

#endif
