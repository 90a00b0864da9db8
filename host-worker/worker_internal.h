/* SPDX-License-Identifier: MIT */
/* What the worker's files share; nothing here crosses the API. */
#ifndef GVIRTUS_WORKER_INTERNAL_H
#define GVIRTUS_WORKER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "alloc_table.h"
#include "frame.h"
#include "gates.h"
#include "gvirtus_worker.h"
#include "handles.h"
#include "hashtab.h"
#include "ipc_registry.h"
#include "protocol.h"

#define GVW_MAX_DEVICES 16

/*
 * An executor runs already validated operations.  Results are cudaError_t
 * values.  Addresses come with the session allocation they lie in.
 */
struct gvw_function;
struct gvw_session;
struct gvw_shadows;
struct gvg_cuda_fns;

struct gvw_executor {
	const char *name;
	/* The driver functions the generated calls run; NULL: none (the CPU
	 * double), and those calls fail with CUDA_ERROR_NOT_SUPPORTED. */
	const struct gvg_cuda_fns *cuda_fns;
	/* A math library's table (enum gvw_math_lib); NULL: none, and its
	 * calls fail with the library's not-supported status. */
	const void *(*math_fns)(int lib);
	/* Fills w->device_count, w->count_result, w->driver_version. */
	void (*init)(struct gvw_worker *w);
	int (*device_info)(struct gvw_worker *w, int dev, struct gv_device_info_resp *out);
	int (*ctx_create)(struct gvw_worker *w, int dev, void **ctx);
	void (*ctx_destroy)(void *ctx);
	int (*ctx_enter)(void *ctx);
	int (*synchronize)(void *ctx);
	int (*mem_get_info)(void *ctx, uint64_t *free_b, uint64_t *total_b);
	int (*mem_alloc)(void *ctx, uint64_t size, struct gvw_alloc *a);
	/* Managed memory (cudaMemAttach* flags), with a->cpu set. */
	int (*mem_alloc_managed)(void *ctx, uint64_t size, unsigned int flags, struct gvw_alloc *a);
	int (*mem_alloc_pitch)(void *ctx, uint64_t width, uint64_t height, uint64_t *pitch,
			       struct gvw_alloc *a);
	int (*mem_free)(void *ctx, struct gvw_alloc *a);
	/*
	 * Copies and sets, in stream order (stream: the executor's stream, or
	 * NULL for the context's legacy default).  Copies that touch host
	 * memory are complete when they return: the guest's pages are mapped
	 * only for the duration of the request.
	 */
	int (*htod)(void *ctx, const struct gvw_alloc *a, uint64_t addr, const void *src, size_t n,
		    void *stream);
	int (*dtoh)(void *ctx, void *dst, const struct gvw_alloc *a, uint64_t addr, size_t n,
		    void *stream);
	/*
	 * The same, started and not waited for (host memory pinned, and left
	 * alone until stream_sync): staged copies overlap them with the CPU's
	 * part.  An executor may complete them before returning.
	 */
	int (*htod_start)(void *ctx, const struct gvw_alloc *a, uint64_t addr, const void *src,
			  size_t n, void *stream);
	int (*dtoh_start)(void *ctx, void *dst, const struct gvw_alloc *a, uint64_t addr, size_t n,
			  void *stream);
	int (*dtod)(void *ctx, const struct gvw_alloc *da, uint64_t dst, const struct gvw_alloc *sa,
		    uint64_t src, size_t n, void *stream);
	int (*memset8)(void *ctx, const struct gvw_alloc *a, uint64_t addr, uint8_t value, size_t n,
		       void *stream);
	/* Pitched copy where each side is device (a != NULL) or host. */
	int (*copy2d)(void *ctx, const struct gvw_alloc *da, uint64_t dst, void *dst_host,
		      uint64_t dpitch, const struct gvw_alloc *sa, uint64_t src,
		      const void *src_host, uint64_t spitch, uint64_t width, uint64_t height,
		      void *stream);

	/* Modules and kernels. */
	int (*module_load)(void *ctx, const void *image, size_t len, void **mod);
	void (*module_unload)(void *ctx, void *mod);
	/* Fills fn->exec, fn->nparams, fn->params, fn->args_size. */
	int (*function_get)(void *ctx, void *mod, const char *name, struct gvw_function *fn);
	/* size_hint: what the guest registered (the CPU double needs it). */
	int (*global_get)(void *ctx, void *mod, const char *name, uint64_t size_hint,
			  struct gvw_alloc *a);
	int (*launch)(void *ctx, struct gvw_function *fn, const struct gv_launch_req *q,
		      const void *args, void *stream);
	int (*func_attrs)(void *ctx, struct gvw_function *fn, struct gv_func_attrs_resp *out);
	int (*func_set_attr)(void *ctx, struct gvw_function *fn, int attr, int value);
	int (*occupancy)(void *ctx, struct gvw_function *fn, int block, uint64_t smem,
			 unsigned int flags, int *out);

	/* Streams and events. */
	int (*stream_create)(void *ctx, unsigned int flags, int prio, void **s);
	int (*stream_destroy)(void *ctx, void *s);
	int (*stream_sync)(void *ctx, void *s);
	int (*stream_query)(void *ctx, void *s);
	int (*stream_wait_event)(void *ctx, void *s, void *ev, unsigned int flags);
	int (*priority_range)(void *ctx, int *least, int *greatest);
	int (*event_create)(void *ctx, unsigned int flags, void **ev);
	int (*event_record)(void *ctx, void *ev, void *s);
	int (*event_sync)(void *ctx, void *ev);
	int (*event_query)(void *ctx, void *ev);
	int (*event_elapsed)(void *ctx, void *e0, void *e1, float *ms);
	int (*event_destroy)(void *ctx, void *ev);
	/* Peers: host ordinals; contexts of the devices concerned. */
	int (*can_access_peer)(struct gvw_worker *w, int dev, int peer, int *out);
	int (*enable_peer)(void *ctx, void *peer_ctx, unsigned int flags);
	int (*copy_peer)(void *dst_ctx, const struct gvw_alloc *da, uint64_t dst, void *src_ctx,
			 const struct gvw_alloc *sa, uint64_t src, size_t n, void *stream);
	/* Puts g in the stream; gvw_gate_reached(g) when the stream gets there. */
	int (*host_gate)(void *ctx, void *stream, struct gvw_gate *g);
	/*
	 * Whether host_gate hands g to a driver callback that holds the stream
	 * at it and frees it (gvw_gate_new's in_stream); false: g is reached
	 * at once and freed when released.
	 */
	bool gates_in_stream;

	/*
	 * Optional (NULL: nothing to do), for an executor without real streams
	 * (the CPU double).
	 */
	/*
	 * Makes the current context fail as a kernel's store to an unmapped
	 * address does natively: a sticky cudaErrorIllegalAddress.  NULL: the
	 * executor cannot, and such calls are refused instead.
	 */
	int (*fault)(void *ctx);
	/* Before a synchronizing call: waits for what a stream would wait for. */
	void (*on_synchronize)(struct gvw_session *s);
	/*
	 * Registers host memory for DMA in ctx's device (current on the
	 * calling thread, which may be any), and undoes it.  NULL: host memory
	 * is never pinned (copies take what the executor does with any).
	 */
	int (*host_register)(void *ctx, void *p, size_t len);
	void (*host_unregister)(void *ctx, void *p);
	/* After a launch that succeeded: keeps it in s->launch_log for tests. */
	void (*record_launch)(struct gvw_session *s, const struct gvw_function *fn,
			      const struct gv_launch_req *q, const void *args);
};

/*
 * A kernel the guest looked up: what the executor needs to launch it.
 * An executor's function_get fills exec, nparams, args_size and params
 * (room for GV_MAX_PARAMS); the session keeps a copy sized to what it
 * holds, found again by (module, name), so a repeated lookup costs nothing.
 */
struct gvw_function {
	void *exec;		     /* CUfunction, or the double's own */
	uint64_t module;	     /* handle */
	uint64_t handle;	     /* its own */
	struct gvw_hlink index_link; /* the session's (module, name) index */
	uint32_t nparams;
	uint32_t args_size;
	uint32_t name_len;
	const char *name; /* NUL-terminated */
	struct gv_param_info *params;
};

extern const struct gvw_executor gvw_exec_cuda;
extern const struct gvw_executor gvw_exec_cpu_reference;

struct gvw_worker {
	struct gvw_config cfg;
	const struct gvw_executor *ex;
	void *ex_state;		       /* executor-wide state */
	int device_count;	       /* the guest's: after the gpus= selection */
	int count_result;	       /* cudaError_t of counting devices */
	int host_dev[GVW_MAX_DEVICES]; /* guest ordinal -> host ordinal */
	int driver_version;
	char describe[512];
	struct gvw_limits limits; /* cfg.limits with defaults applied */

	pthread_mutex_t lock; /* guards what follows */
	struct gvw_session **sessions;
	unsigned int nsessions;
	uint64_t total_allocs, total_bytes;
	uint64_t sessions_closed, bytes_freed_at_close;
	struct gvw_gate_table gates; /* host functions' gates */
	pthread_cond_t gate_cond;
	uint8_t gate_secret[GVW_SIPHASH_KEY_BYTES]; /* keys gate keys (a MAC) */
	/* In a worker process: the parent's gate relay and the session's key. */
	int relay_fd;
	uint64_t relay_key;
	/* In a parent of worker processes: its sessions, to relay releases. */
	struct gvw_remote **remotes;
	unsigned int nremotes;
	/* ... and the guest RAM new workers share, and its generation (0: none). */
	struct gvw_guest_ram *guest_ram;
	uint64_t guest_ram_gen;
	/* In a worker process: its guest RAM's registration (ram_pin.c). */
	struct gvw_ram_pin *ram_pin;
	/* IPC handles, where this process is the parent or runs sessions itself. */
	struct gvw_ipc_registry ipc;
};

/*
 * What a worker serving its TCP client itself reports to the backend, on
 * a page they share (gvw_remote_open_client): each field stored whole
 * after every frame, read by monitors without a lock.
 */
struct gvw_shared_stats {
	struct gvw_activity act;
	uint64_t allocs, bytes; /* the guest's own allocations */
};

/* Every request and response payload, to size the session's buffers. */
union gvw_any_req {
#define GV_OP(name, num, req, resp, nb, tail) struct req name;
#include "calls.def"
#undef GV_OP
};
union gvw_any_resp {
#define GV_OP(name, num, req, resp, nb, tail) struct resp name;
#include "calls.def"
#undef GV_OP
};

/* The virtual memory calls' objects: physical allocations (cuMemCreate),
 * charged to the session's device bytes until released and unmapped, and
 * the mappings of them (cuMemMap) into its reserved ranges. */
struct gvw_phys {
	uint64_t handle, size;
	uint32_t maps;
	int released;
};
struct gvw_vmap {
	uint64_t ptr, size, handle;
};
struct gvw_vmm {
	struct gvw_phys *phys;
	struct gvw_vmap *maps;
	size_t nphys, nmaps;
};

/* A conditional node's body graphs, which go with it (the driver lists
 * them nowhere else). */
struct gvw_cond_node {
	void *node;
	uint32_t n;
	void *graphs[GV_MAX_COND_GRAPHS];
};
struct gvw_conds {
	struct gvw_cond_node *nodes;
	uint64_t *handles; /* the conditional handles the session made */
	size_t nnodes, nhandles;
};

struct gvw_session {
	struct gvw_worker *w;
	uint32_t id;
	void *ctx[GVW_MAX_DEVICES]; /* created at first use */
	struct gvw_alloc_table allocs;
	struct gvw_vmm vmm;
	struct gvw_conds conds;
	struct gvw_shadows *shadows;	   /* graphs' host copies (shadow.c); NULL: none yet */
	struct gvw_host_fn *host_fns;	   /* graphs' host nodes (host_nodes.c) */
	struct gvw_graph_refs *graph_refs; /* graphs with memory nodes (graph_mem.c) */
	/* The devices this session sees: the worker's, as CUDA_VISIBLE_DEVICES
	 * in the guest process narrows them (host ordinals, in guest order). */
	int device_count;
	int host_dev[GVW_MAX_DEVICES];
	struct gvw_handles handles;
	struct gv_launch_log_resp *launch_log; /* ex->record_launch's; NULL: none */
	/* In a worker process, the VM-wide figures the parent last sent. */
	struct gv_frame_vm_stats vm_stats;
	int have_vm_stats;
	uint64_t calls, exec_ns; /* messages run, and the time they took */
	uint64_t requests;	 /* gvw_session_exec calls that carried them */
	int32_t deferred; /* the first failed NO_REPLY message's error, for the next response */
	/* Staged copies' buffer (ram_pin.c), and the context it is pinned in. */
	void *stage, *stage_ctx;
	size_t stage_len;
	/* What the session holds against w->limits. */
	uint64_t module_bytes, device_bytes, host_bytes;
	uint32_t library_objects;    /* the math libraries' live objects */
	uint32_t ipc_imports;	     /* other sessions' allocations it opened */
	unsigned int warned;	     /* limits already reported (1 << enum gvw_limit) */
	struct gvw_hashtab fn_index; /* functions by (module, name) */
	/* Where an executor writes a function's parameters before they are kept. */
	struct gv_param_info param_scratch[GV_MAX_PARAMS];
	/* One message's decoded request and response (with its tail). */
	_Alignas(16) unsigned char req_buf[sizeof(union gvw_any_req) + GV_MAX_ARGS];
	_Alignas(16) unsigned char resp_buf[sizeof(union gvw_any_resp)];
};

/* One message being executed. */
struct gvw_call {
	struct gvw_session *s;
	int dev;
	const void *req;
	void *resp;
	const struct gvw_bulk *bulk; /* NULL when the message has none */
	const void *tail;	     /* bytes after the request struct */
	uint32_t tail_len;
	void *ctx; /* s->ctx[dev], entered */
};

/* Forgets the session's physical allocations and mappings, uncharging them
 * (their memory goes with the contexts). */
void gvw_vmm_drop(struct gvw_session *s);

/* A host device's UUID as nvidia-smi -L prints it ("GPU-xxxxxxxx-..."):
 * 0, or -1 when the executor cannot say. */
#define GVW_UUID_LEN 64
int gvw_device_uuid(struct gvw_worker *w, int dev, char out[GVW_UUID_LEN]);

/* Forgets the session's conditional nodes and handles. */
void gvw_conds_drop(struct gvw_session *s);

/* Host shadows (shadow.c): a context going takes its events and executable
 * graphs; the session's end frees and uncharges every shadow. */
void gvw_shadows_ctx_gone(struct gvw_session *s, void *ctx);
void gvw_shadows_drop(struct gvw_session *s);

/* Frees what the session has on dev; returns device bytes freed. */
uint64_t gvw_session_drop_device(struct gvw_session *s, int dev);

/* Accounting, under w->lock. */
void gvw_account(struct gvw_worker *w, int64_t allocs, int64_t bytes);

/* Per-session limits (quota.c). */
enum gvw_limit {
	GVW_LIMIT_HANDLES,
	GVW_LIMIT_GATES,
	GVW_LIMIT_MODULE_BYTES,
	GVW_LIMIT_DEVICE_BYTES,
	GVW_LIMIT_HOST_BYTES,
	GVW_LIMIT_LIBRARY_OBJECTS,
};
/* The limits in force: each zero field of in replaced by its default. */
struct gvw_limits gvw_limits_effective(const struct gvw_limits *in);
/*
 * Logs that the session, holding have, was refused want more of a limit
 * (at warning level the first time per session and limit), and returns
 * cudaErrorMemoryAllocation, the runtime's error for all of them.
 */
int gvw_limit_refuse(struct gvw_session *s, enum gvw_limit which, uint64_t have, uint64_t want);
/* Charges n bytes of host memory to the session: 0, or the refusal's error. */
int gvw_host_charge(struct gvw_session *s, uint64_t n);
void gvw_host_uncharge(struct gvw_session *s, uint64_t n);

/* Frees a handle's slot and what it was charged (not the object itself). */
void gvw_handle_drop(struct gvw_session *s, struct gvw_handle_slot *slot);

/* The session's functions by (module handle, name) (functions.c). */
struct gvw_function *gvw_function_find(struct gvw_session *s, uint64_t module, const char *name);
/* 0, or -1 when the index cannot grow (host bytes); fn->handle must be set. */
int gvw_function_index(struct gvw_session *s, struct gvw_function *fn);
void gvw_function_unindex(struct gvw_session *s, struct gvw_function *fn);
void gvw_functions_destroy(struct gvw_session *s);

/*
 * An IPC_PUT or IPC_GET (frame.h) for session s, answered by the process
 * that sees every session of its VM or backend: 0, or -1 when refused.
 */
int gvw_ipc_ask(struct gvw_session *s, uint32_t type, struct gv_relay_ipc *io);

#endif
