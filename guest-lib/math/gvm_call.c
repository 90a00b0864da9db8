/* SPDX-License-Identifier: MIT */
/* The round trip of the math libraries' generated calls (gvm.h). */
#include <pthread.h>
#include <stdlib.h>

#include "gvm.h"
#include "protocol.h"

int gvm_call(struct gvm_lib *lib, uint32_t op, const void *req, uint32_t req_len, const void *tail,
	     uint32_t tail_len, void *resp, uint32_t resp_len, const struct gv_buf *bufs,
	     unsigned int nbufs)
{
	const struct gv_session_info *s = gv_session();
	int32_t result;

	if (!s->ready)
		return lib->no_host;
	if (!(s->apis & lib->api)) {
		if (!atomic_flag_test_and_set(&lib->unserved))
			gv_log(GV_LOG_ERROR,
			       "the host does not serve %s: add \"%s\" to the endpoint's "
			       "\"plugins\" in its properties.json",
			       lib->name, lib->plugin);
		return lib->not_supported;
	}
	if (gv_rpc_result(s->t, op, req, req_len, tail, tail_len, resp, resp_len, bufs, nbufs,
			  &result))
		return lib->no_host;
	return result;
}

int gvm_unsupported(struct gvm_lib *lib, const char *name, atomic_flag *logged)
{
	if (!atomic_flag_test_and_set(logged))
		gv_log(GV_LOG_WARN,
		       "%s is not supported by gvirtus; it returns %s's not-supported "
		       "status (make coverage says why)",
		       name, lib->name);
	return lib->not_supported;
}

/* Few objects have their memory in the guest: a list is enough. */
static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static struct host_object {
	const struct gvm_lib *lib;
	uint64_t h;
} * host_objects;
static size_t n_host, cap_host;

void gvm_host_object_add(struct gvm_lib *lib, uint64_t h)
{
	pthread_mutex_lock(&host_lock);
	if (n_host == cap_host) {
		size_t cap = cap_host ? 2 * cap_host : 8;
		struct host_object *v = realloc(host_objects, cap * sizeof(*v));

		if (v) {
			host_objects = v;
			cap_host = cap;
		}
	}
	/* Out of memory, the object acts as a device one: the host refuses
	 * its calls rather than write anywhere. */
	if (n_host < cap_host)
		host_objects[n_host++] = (struct host_object){lib, h};
	pthread_mutex_unlock(&host_lock);
}

void gvm_host_object_del(struct gvm_lib *lib, uint64_t h)
{
	size_t i;

	pthread_mutex_lock(&host_lock);
	for (i = 0; i < n_host; i++)
		if (host_objects[i].lib == lib && host_objects[i].h == h) {
			host_objects[i] = host_objects[--n_host];
			break;
		}
	pthread_mutex_unlock(&host_lock);
}

int gvm_host_object(struct gvm_lib *lib, uint64_t h)
{
	size_t i;
	int found = 0;

	if (!h)
		return 0;
	pthread_mutex_lock(&host_lock);
	for (i = 0; i < n_host && !found; i++)
		found = host_objects[i].lib == lib && host_objects[i].h == h;
	pthread_mutex_unlock(&host_lock);
	return found;
}
