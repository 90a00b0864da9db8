/* SPDX-License-Identifier: MIT */
/*
 * The gvirtus host worker: executes protocol messages for sessions.  It
 * knows nothing of virtio, QEMU or sockets: a transport hands it message
 * bytes plus bulk buffers as host iovecs and gets response bytes back.
 * QEMU's virtio-gvirtus device, gvirtus-backend and the tests link it.
 */
#ifndef GVIRTUS_WORKER_H
#define GVIRTUS_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct gvw_worker;
struct gvw_session;

enum gvw_executor_kind {
	GVW_EXEC_CUDA,		/* the real GPU through libcuda.so.1 */
	GVW_EXEC_CPU_REFERENCE, /* test double: device memory in host RAM */
};

/*
 * What one session may make the host hold.  Zero in a field means its
 * default (GVW_DEFAULT_*); each is exceeded with the library's
 * out-of-memory or limit error, never a crash.
 */
struct gvw_limits {
	uint32_t max_handles;	   /* modules, functions, streams, events */
	uint32_t max_gates;	   /* host-function gates not yet released */
	uint64_t max_module_bytes; /* module images loaded, summed */
	uint64_t max_device_bytes; /* device memory; 0: no limit but the GPU's */
	uint64_t max_host_bytes;   /* host RAM for the session's requests and tables */
	/* Objects of the math libraries (cuBLAS handles, cuFFT plans, cuRAND
	 * generators, cuBLASLt descriptors): each holds host and device memory
	 * of the library's own, outside the byte limits above. */
	uint32_t max_library_objects;
};
#define GVW_DEFAULT_MAX_HANDLES		65536u
#define GVW_DEFAULT_MAX_GATES		4096u
#define GVW_DEFAULT_MAX_LIBRARY_OBJECTS 1024u
#define GVW_DEFAULT_MAX_MODULE_BYTES	(1ull << 30)
#define GVW_DEFAULT_MAX_HOST_BYTES	(1ull << 30)

struct gvw_config {
	enum gvw_executor_kind executor;
	unsigned int max_sessions;
	unsigned int cpu_reference_devices; /* devices the double shows */
	const char *label;		    /* prefix of log lines */
	/*
	 * The gvirtus-worker executable.  When set, each session runs in a
	 * worker process of its own (gvw_remote_*), and this process never
	 * initializes CUDA; when NULL, sessions run in this process.
	 */
	const char *worker_path;
	/* This is a worker process: its parent reports, so say less. */
	int in_worker_process;
	/*
	 * The host GPUs this guest sees, by index or UUID ("0,2",
	 * "GPU-8f3c...,1"); the guest numbers them from 0.  NULL or "": all.
	 */
	const char *gpus;
	struct gvw_limits limits; /* per session */
	unsigned int apis;	  /* GV_API_* served; 0: all of them */
	/*
	 * Worker processes register the guest RAM they share for DMA (QEMU's
	 * dma-ram=on).  Registered memory is in the GPU's address space of the
	 * process: the session's kernels could reach all of guest RAM.
	 */
	int register_guest_ram;
};

/* Returns 0, or -1 with a message naming the problem in err. */
int gvw_worker_create(const struct gvw_config *cfg, struct gvw_worker **out, char *err,
		      size_t err_len);
/* Closes every session still open. */
void gvw_worker_destroy(struct gvw_worker *w);
/* One line: executor, driver version, devices; or why there are none. */
const char *gvw_worker_describe(const struct gvw_worker *w);
/* Parses "cuda" / "cpu-reference"; -1 if neither. */
int gvw_executor_parse(const char *name, enum gvw_executor_kind *out);

/* NULL when max_sessions are open or id is in use. */
struct gvw_session *gvw_session_open(struct gvw_worker *w, uint32_t id);
/* Frees the session's contexts and allocations and logs what was freed. */
void gvw_session_close(struct gvw_session *s);
uint32_t gvw_session_id(const struct gvw_session *s);

/*
 * A bulk buffer as pieces of memory (frame.h's gv_frame_piece); or, for
 * gvw_remote_exec to a worker that shares guest RAM (pages set), as a
 * guest page list that the worker maps itself: npages le64 guest-physical
 * addresses, len bytes from page_offset into the first, no pieces.
 */
struct gvw_bulk {
	const struct gv_frame_piece *iov;
	unsigned int niov;
	uint64_t len; /* sum of iov lengths */
	uint32_t dir; /* GV_BULK_TO_HOST / GV_BULK_FROM_HOST */
	const void *pages;
	uint32_t npages;
	uint32_t page_offset;
};

/*
 * Executes the messages in msg and writes one response per message that
 * wants one into resp.  A session is used by one thread at a time.
 * Returns 0; -1 only when not even an error response fits in resp.
 */
int gvw_session_exec(struct gvw_session *s, const void *msg, size_t msg_len,
		     const struct gvw_bulk *bulk, unsigned int nbulk, void *resp, size_t resp_cap,
		     size_t *resp_len);

/*
 * Sessions in worker processes (cfg.worker_path): the same calls, each
 * session isolated in a process of its own, so that one guest process's
 * sticky GPU fault or crash cannot reach another's.
 */
struct gvw_remote;
struct gvw_remote *gvw_remote_open(struct gvw_worker *w, uint32_t id);
/*
 * Guest RAM that worker processes started from now on share (guest_ram.h:
 * ranges with the parent's descriptors, which must stay open while any
 * worker may start; NULL or no ranges: none).  Workers started before
 * keep what they had: gvw_remote_shares_ram says whether a session's
 * worker maps the guest RAM as it is now, so that page lists are sent
 * only to those.
 */
struct gvw_guest_ram;
/*
 * A session whose worker serves the TCP client itself after the first
 * frame (gvirtus-backend, plain TCP): the worker gets client_fd and the
 * backend's timeouts (a frame or reply within io_ms, idle_s between
 * frames).  The caller sends that first frame (the HELLO) with
 * gvw_remote_exec and forwards its reply, then reads nothing more from
 * the client: gvw_remote_wait_end waits until the worker ends the
 * session (0), killing it if the client hangs up while a call never
 * returns (-1).  What the session did comes from gvw_remote_activity.
 */
struct gvw_remote *gvw_remote_open_client(struct gvw_worker *w, uint32_t id, int client_fd,
					  unsigned int io_ms, unsigned int idle_s);
int gvw_remote_wait_end(struct gvw_remote *r);
struct gvw_activity;
int gvw_remote_activity(struct gvw_remote *r, struct gvw_activity *out);
void gvw_worker_set_guest_ram(struct gvw_worker *w, const struct gvw_guest_ram *g);
int gvw_remote_shares_ram(struct gvw_remote *r);
/*
 * As gvw_session_exec; -1 when the worker process is gone (it died, it
 * was aborted, or the watched client hung up and it was killed); 1 when
 * a page list named memory outside the guest RAM the worker maps (nothing
 * ran).  A response that does not fit resp_cap is answered GV_ERESP.
 */
int gvw_remote_exec(struct gvw_remote *r, const void *msg, size_t msg_len,
		    const struct gvw_bulk *bulk, unsigned int nbulk, void *resp, size_t resp_cap,
		    size_t *resp_len);
/*
 * The session mailbox (mailbox.h): GV_FRAME_MBOX_ATTACH with the mailbox's
 * guest pages, or GV_FRAME_MBOX_WAIT for request seq.  *state is the
 * worker's GV_FRAME_MBOX_* answer.  0; 1 when a page is not guest RAM;
 * -1 when the worker is gone.
 */
int gvw_remote_mbox(struct gvw_remote *r, uint32_t op, uint32_t seq, const struct gvw_bulk *box,
		    uint32_t *state);
/*
 * The client socket this session serves (or -1): every wait on the worker
 * also watches it, and a client that hangs up gets the worker killed.
 * Nothing is read from it.  Set before the first gvw_remote_exec.
 */
void gvw_remote_set_watch_fd(struct gvw_remote *r, int fd);
/*
 * Kills the worker process (SIGKILL) so that any gvw_remote_exec returns
 * at once with -1; callable from any thread, but not concurrently with
 * or after gvw_remote_close of r.  The session still needs its close.
 */
void gvw_remote_abort(struct gvw_remote *r);
/* Ends the session; a worker that does not exit within seconds is killed. */
void gvw_remote_close(struct gvw_remote *r);

/* What a session holds, for monitors: its worker process (0: none), and the
 * allocations and device bytes it holds. */
struct gvw_held {
	int worker_pid;
	uint64_t allocs, device_bytes;
};
void gvw_remote_held(struct gvw_remote *r, struct gvw_held *out);
void gvw_session_held(struct gvw_session *s, struct gvw_held *out);

/* What a session did, as its requests and replies show (activity.c). */
struct gvw_activity {
	uint32_t guest_pid; /* from its HELLO; 0 before */
	int32_t last_error; /* the last nonzero result a reply carried */
	uint64_t requests, calls, bytes_moved;
};
/* Adds one request and its replies to a. */
void gvw_activity_count(struct gvw_activity *a, const void *msg, size_t msg_len,
			const struct gvw_bulk *bulk, unsigned int nbulk, const void *resp,
			size_t resp_len);
/*
 * A guest's callback session only WAITs for and RELEASEs host-function
 * gates, which the parent answers from its mirrors (key-checked): no
 * worker process needed.  1 when msg was such a call (response written);
 * 0 when it was anything else.
 */
int gvw_remote_gate_call(struct gvw_worker *w, const void *msg, size_t msg_len, void *resp,
			 size_t resp_cap, size_t *resp_len);

/*
 * A worker process's loop: one session over the stream fd until EOF.
 * relay_fd (or -1) carries host-function gates to the parent; its first
 * eight bytes are the session's gate key.  guest_ram (or NULL) is the
 * --guest-ram spec of the memory QEMU shares (guest_ram.h).  client_fd
 * (or -1): after the first frame, the session goes on with this TCP
 * client directly, within the backend's timeouts, reporting on the page
 * of stats_fd (gvw_remote_open_client).
 */
struct gvw_serve_opts {
	int relay_fd;
	const char *guest_ram;
	int register_guest_ram; /* --register-guest-ram (gvw_config's) */
	int client_fd;
	unsigned int client_io_ms, client_idle_s;
	int stats_fd;
};
int gvw_serve_fd(int fd, const struct gvw_config *cfg, uint32_t id, const struct gvw_serve_opts *o);

#endif
