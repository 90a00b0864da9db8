/* SPDX-License-Identifier: MIT */
/* The round trip of the math libraries' generated calls (gvm.h). */
#include "gvm.h"
#include "protocol.h"

int gvm_call(struct gvm_lib *lib, uint32_t op, const void *req, uint32_t req_len, const void *tail,
	     uint32_t tail_len, void *resp, uint32_t resp_len, const struct gv_buf *bufs,
	     unsigned int nbufs)
{
	const struct gv_session_info *s = gv_session();
	int32_t result, deferred;
	uint32_t failed_op;

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
	if (result == 0 && gv_lib_deferred_take(op, &deferred, &failed_op)) {
		/* Natively the queued call itself would have returned it. */
		gv_log(GV_LOG_WARN,
		       "a %s call queued earlier (op %u) failed on the host with status %d: "
		       "returned by this call (op %u), the next that waits for the host",
		       lib->name, failed_op, deferred, op);
		return deferred;
	}
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

/* Handle values are unique across the libraries (their kind is in them). */
static struct gvm_table host_objects = GVM_TABLE_INIT;

void gvm_host_object_add(struct gvm_lib *lib, uint64_t h)
{
	gvm_table_put(&host_objects, h, 0, 0);
}

void gvm_host_object_del(struct gvm_lib *lib, uint64_t h)
{
	gvm_table_del(&host_objects, h);
}

int gvm_host_object(struct gvm_lib *lib, uint64_t h)
{
	return gvm_table_get(&host_objects, h, NULL);
}
