/* SPDX-License-Identifier: MIT */
/*
 * Per-session limits: what one session may make the host hold.  Every
 * table and byte count a guest can grow is checked here before it grows,
 * and a refusal is the runtime's out-of-memory error, never a crash.
 */
#include <driver_types.h>

#include "log.h"
#include "worker_internal.h"

struct gvw_limits gvw_limits_effective(const struct gvw_limits *in)
{
	struct gvw_limits l = *in;

	if (!l.max_handles)
		l.max_handles = GVW_DEFAULT_MAX_HANDLES;
	if (l.max_handles > GVW_MAX_HANDLES)
		l.max_handles = GVW_MAX_HANDLES; /* what a handle can encode */
	if (!l.max_gates)
		l.max_gates = GVW_DEFAULT_MAX_GATES;
	if (!l.max_library_objects)
		l.max_library_objects = GVW_DEFAULT_MAX_LIBRARY_OBJECTS;
	if (!l.max_module_bytes)
		l.max_module_bytes = GVW_DEFAULT_MAX_MODULE_BYTES;
	if (!l.max_host_bytes)
		l.max_host_bytes = GVW_DEFAULT_MAX_HOST_BYTES;
	/* max_device_bytes 0: no limit but the GPU's. */
	return l;
}

static const struct {
	const char *setting, *unit;
} limit_names[] = {
    [GVW_LIMIT_HANDLES] = {"max_handles", "handles"},
    [GVW_LIMIT_GATES] = {"max_gates", "unreleased host-function gates"},
    [GVW_LIMIT_MODULE_BYTES] = {"max_module_bytes", "bytes of module images"},
    [GVW_LIMIT_DEVICE_BYTES] = {"max_device_bytes", "bytes of device memory"},
    [GVW_LIMIT_HOST_BYTES] = {"max_host_bytes", "bytes of host memory"},
    [GVW_LIMIT_LIBRARY_OBJECTS] = {"max_library_objects", "math library objects"},
};

int gvw_limit_refuse(struct gvw_session *s, enum gvw_limit which, uint64_t have, uint64_t want)
{
	/* Once per session and limit at warning level: a guest must not flood the log. */
	int level = s->warned & (1u << which) ? GVW_DEBUG : GVW_WARN;

	s->warned |= 1u << which;
	gvw_log(level, "session %u: %llu %s held, %llu more refused (limit %s)", s->id,
		(unsigned long long)have, limit_names[which].unit, (unsigned long long)want,
		limit_names[which].setting);
	return cudaErrorMemoryAllocation;
}

int gvw_host_charge(struct gvw_session *s, uint64_t n)
{
	uint64_t max = s->w->limits.max_host_bytes;

	if (n > max || s->host_bytes > max - n)
		return gvw_limit_refuse(s, GVW_LIMIT_HOST_BYTES, s->host_bytes, n);
	s->host_bytes += n;
	return cudaSuccess;
}

void gvw_host_uncharge(struct gvw_session *s, uint64_t n)
{
	s->host_bytes -= n < s->host_bytes ? n : s->host_bytes;
}
