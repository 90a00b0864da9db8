/* SPDX-License-Identifier: MIT */
#include "properties.h"
#include "protocol.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

const char *gv_properties_default_path(char *buf, size_t len)
{
	const char *v = getenv("GVIRTUS_CONFIG");

	if (v && *v) {
		snprintf(buf, len, "%s", v);
	} else if ((v = getenv("GVIRTUS_HOME")) && *v) {
		snprintf(buf, len, "%s/etc/properties.json", v);
	} else {
		v = getenv("HOME");
		snprintf(buf, len, "%s/GVirtuS/etc/properties.json", v ? v : "");
	}
	return buf;
}

/* Every key of obj must be one of the accepted ones. */
static int only_keys(const struct gv_json *obj, const char *where, const char *const *ok,
		     const char *path, char *err, size_t len)
{
	const struct gv_json *m;
	size_t i;

	for (m = obj->child; m; m = m->next) {
		for (i = 0; ok[i] && strcmp(ok[i], m->key); i++)
			;
		if (!ok[i]) {
			char list[256] = "";

			for (i = 0; ok[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list),
					 "%s\"%s\"", i ? ", " : "", ok[i]);
			snprintf(err, len,
				 "%s line %d: unknown key \"%s\" in %s; accepted keys: %s", path,
				 m->line, m->key, where, list);
			return -1;
		}
	}
	return 0;
}

static int want(const struct gv_json *j, enum gv_json_type t, const char *what, const char *path,
		int line, char *err, size_t len)
{
	if (!j) {
		snprintf(err, len, "%s line %d: %s is missing", path, line, what);
		return -1;
	}
	if (j->type != t) {
		snprintf(err, len, "%s line %d: %s must be %s, not %s", path, j->line, what,
			 gv_json_type_name(t), gv_json_type_name(j->type));
		return -1;
	}
	return 0;
}

static int endpoint(const struct gv_json *e, const char *path, int idx, struct gv_endpoint *out,
		    char *err, size_t len)
{
	static const char *const keys[] = {"suite", "protocol", "server_address",
					   "port",  "gpus",	NULL};
	const struct gv_json *gpus = gv_json_get(e, "gpus");
	const struct gv_json *suite = gv_json_get(e, "suite"), *proto = gv_json_get(e, "protocol");
	const struct gv_json *addr = gv_json_get(e, "server_address"),
			     *port = gv_json_get(e, "port");
	char where[64];
	long n;
	char *end;

	snprintf(where, sizeof(where), "communicator[%d].endpoint", idx);
	if (only_keys(e, where, keys, path, err, len) ||
	    want(suite, GV_JSTR, "endpoint.suite", path, e->line, err, len) ||
	    want(proto, GV_JSTR, "endpoint.protocol", path, e->line, err, len) ||
	    want(addr, GV_JSTR, "endpoint.server_address", path, e->line, err, len))
		return -1;
	if (strcmp(suite->string, "tcp/ip")) {
		snprintf(err, len, "%s line %d: endpoint.suite is \"%s\"; accepted: \"tcp/ip\"",
			 path, suite->line, suite->string);
		return -1;
	}
	if (strcmp(proto->string, "tcp") && strcmp(proto->string, "oldtcp")) {
		snprintf(err, len,
			 "%s line %d: endpoint.protocol is \"%s\"; accepted: \"tcp\", "
			 "\"oldtcp\"",
			 path, proto->line, proto->string);
		return -1;
	}
	if (!port) {
		snprintf(err, len, "%s line %d: endpoint.port is missing", path, e->line);
		return -1;
	}
	if (port->type == GV_JNUM) {
		unsigned long long u;

		n = gv_json_uint(port, 65535, &u) ? -1 : (long)u;
	} else if (port->type == GV_JSTR) {
		errno = 0;
		n = strtol(port->string, &end, 10);
		if (*end || errno || !*port->string)
			n = -1;
	} else {
		n = -1;
	}
	if (n < 1 || n > 65535) {
		snprintf(err, len,
			 "%s line %d: endpoint.port must be a port number 1..65535 "
			 "(a number or a string of digits)",
			 path, port->line);
		return -1;
	}
	if (gpus && gpus->type == GV_JSTR) {
		snprintf(out->gpus, sizeof(out->gpus), "%s", gpus->string);
	} else if (gpus && gpus->type == GV_JARR) {
		const struct gv_json *g;

		for (g = gpus->child; g; g = g->next) {
			size_t at = strlen(out->gpus);

			unsigned long long idx;

			if (g->type == GV_JNUM) {
				if (gv_json_uint(g, GV_MAX_GPU_INDEX, &idx)) {
					snprintf(err, len,
						 "%s line %d: endpoint.gpus: %.15g is not a GPU "
						 "index; accepted: integers 0..%d, or UUID strings",
						 path, g->line, g->number, GV_MAX_GPU_INDEX);
					return -1;
				}
				snprintf(out->gpus + at, sizeof(out->gpus) - at, "%s%llu",
					 at ? "," : "", idx);
			} else if (g->type == GV_JSTR)
				snprintf(out->gpus + at, sizeof(out->gpus) - at, "%s%s",
					 at ? "," : "", g->string);
			else
				gpus = NULL;
		}
	}
	if (gv_json_get(e, "gpus") && (!gpus || (gpus->type != GV_JSTR && gpus->type != GV_JARR))) {
		snprintf(err, len,
			 "%s line %d: endpoint.gpus must be a list of GPU indices or "
			 "UUIDs (\"0,2\" or [0, 2])",
			 path, e->line);
		return -1;
	}
	snprintf(out->protocol, sizeof(out->protocol), "%s", proto->string);
	snprintf(out->address, sizeof(out->address), "%s", addr->string);
	out->port = (int)n;
	return 0;
}

/*
 * "plugins": the APIs the endpoint serves (GV_API_*), GVirtuS's names.
 * NVRTC is accepted, so that GVirtuS's properties.json files load, but
 * nothing serves it yet.
 */
static int plugins(const struct gv_json *pl, const char *path, unsigned int *apis, char *err,
		   size_t len)
{
	static const struct {
		const char *name;
		unsigned int api;
	} known[] = {
	    {"cudart", GV_API_CUDART},
	    {"cudadr", GV_API_CUDADR},
	    {"cuda-driver", GV_API_CUDADR},
	    {"cublas", GV_API_CUBLAS},
	    {"cufft", GV_API_CUFFT},
	    {"curand", GV_API_CURAND},
	    {"cusparse", GV_API_CUSPARSE},
	    {"cudnn", GV_API_CUDNN},
	    {"cusolver", GV_API_CUSOLVER},
	    {"nvrtc", 0},
	    {NULL, 0},
	};
	const struct gv_json *p;
	size_t i;

	*apis = GV_API_ALL;
	if (!pl)
		return 0;
	if (want(pl, GV_JARR, "plugins", path, pl->line, err, len))
		return -1;
	*apis = GV_API_LISTED;
	for (p = pl->child; p; p = p->next) {
		if (want(p, GV_JSTR, "each plugin", path, pl->line, err, len))
			return -1;
		for (i = 0; known[i].name && strcmp(known[i].name, p->string); i++)
			;
		if (!known[i].name) {
			snprintf(err, len,
				 "%s line %d: plugin \"%s\" is not known; accepted: "
				 "cudart, cudadr, cublas, cufft, curand, cusparse, cudnn, cusolver "
				 "(served), nvrtc (not served yet)",
				 path, p->line, p->string);
			return -1;
		}
		*apis |= known[i].api;
	}
	return 0;
}

/* One "limits" key: its field, and the range a value may take. */
struct limit_key {
	const char *key;
	size_t off;
	int wide;		      /* unsigned long long, else unsigned int */
	unsigned long long max, dflt; /* dflt: what 0 means, for the message */
};

#define LIM(k, wide, max, dflt)                                                                    \
	{                                                                                          \
#k, offsetof(struct gv_limit_props, k), wide, max, dflt                            \
	}
static const struct limit_key limit_keys[] = {
    LIM(max_handles, 0, 1u << 24, 65536),
    LIM(max_gates, 0, 1u << 20, 4096),
    LIM(max_module_bytes, 1, 1ull << 40, 1ull << 30),
    LIM(max_device_bytes, 1, 1ull << 50, 0),
    LIM(max_host_bytes, 1, 1ull << 40, 1ull << 30),
    LIM(max_library_objects, 0, 65536, 1024),
    LIM(hello_timeout_ms, 0, 600000, GV_DEFAULT_HELLO_TIMEOUT_MS),
    LIM(io_timeout_ms, 0, 3600000, GV_DEFAULT_IO_TIMEOUT_MS),
    LIM(idle_timeout_s, 0, 31536000, GV_DEFAULT_IDLE_TIMEOUT_S),
    LIM(max_connections, 0, 4096, GV_DEFAULT_MAX_CONNECTIONS),
    LIM(max_connections_per_peer, 0, 4096, GV_DEFAULT_MAX_CONNECTIONS_PER_PEER),
};
#undef LIM
#define NLIMITS (sizeof(limit_keys) / sizeof(limit_keys[0]))

static int limits(const struct gv_json *o, const char *path, struct gv_limit_props *out, char *err,
		  size_t len)
{
	const char *keys[NLIMITS + 1];
	const struct gv_json *m;
	size_t i;

	if (!o)
		return 0;
	for (i = 0; i < NLIMITS; i++)
		keys[i] = limit_keys[i].key;
	keys[NLIMITS] = NULL;
	if (want(o, GV_JOBJ, "limits", path, o->line, err, len) ||
	    only_keys(o, "limits", keys, path, err, len))
		return -1;
	for (m = o->child; m; m = m->next) {
		const struct limit_key *k = limit_keys;
		unsigned long long v;

		while (strcmp(k->key, m->key))
			k++;
		if (gv_json_uint(m, k->max, &v)) {
			char dflt[32] = "no limit";

			if (k->dflt)
				snprintf(dflt, sizeof(dflt), "%llu", k->dflt);
			snprintf(err, len,
				 "%s line %d: limits.%s must be an integer 0..%llu "
				 "(0: the default, %s)",
				 path, m->line, k->key, k->max, dflt);
			return -1;
		}
		if (k->wide)
			*(unsigned long long *)((char *)out + k->off) = v;
		else
			*(unsigned int *)((char *)out + k->off) = (unsigned int)v;
	}
	return 0;
}

/* A path in the "tls" object: relative ones are taken from the properties file's folder. */
static int tls_path(const struct gv_json *v, const char *dir, char *out, size_t cap,
		    const char *path, char *err, size_t len)
{
	int n;

	if (v->string[0] == '/' || !v->string[0])
		n = snprintf(out, cap, "%s", v->string);
	else
		n = snprintf(out, cap, "%s/%s", dir, v->string);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, len, "%s line %d: tls.%s: path longer than %zu bytes", path, v->line,
			 v->key, cap - 1);
		return -1;
	}
	return 0;
}

static int tls_name(const struct gv_json *v, char *out, size_t cap, const char *path, char *err,
		    size_t len)
{
	if (strlen(v->string) >= cap) {
		snprintf(err, len, "%s line %d: tls.%s: longer than %zu bytes", path, v->line,
			 v->key, cap - 1);
		return -1;
	}
	snprintf(out, cap, "%s", v->string);
	return 0;
}

static int tls(const struct gv_json *o, const char *path, struct gv_tls_props *out, char *err,
	       size_t len)
{
	static const char *const keys[] = {"certificate", "private_key", "ca", "psk_identity",
					   "psk_file",	  "server_name", NULL};
	char dir[4096], *abs, *slash;
	const struct gv_json *m;
	int rc = 0;

	if (!o)
		return 0;
	if (want(o, GV_JOBJ, "tls", path, o->line, err, len) ||
	    only_keys(o, "tls", keys, path, err, len))
		return -1;
	abs = realpath(path, NULL);
	snprintf(dir, sizeof(dir), "%s", abs ? abs : path);
	free(abs);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	for (m = o->child; m && !rc; m = m->next) {
		char what[64];

		snprintf(what, sizeof(what), "tls.%s", m->key);
		if (want(m, GV_JSTR, what, path, m->line, err, len))
			return -1;
		if (!strcmp(m->key, "certificate"))
			rc = tls_path(m, dir, out->certificate, sizeof(out->certificate), path, err,
				      len);
		else if (!strcmp(m->key, "private_key"))
			rc = tls_path(m, dir, out->private_key, sizeof(out->private_key), path, err,
				      len);
		else if (!strcmp(m->key, "ca"))
			rc = tls_path(m, dir, out->ca, sizeof(out->ca), path, err, len);
		else if (!strcmp(m->key, "psk_file"))
			rc = tls_path(m, dir, out->psk_file, sizeof(out->psk_file), path, err, len);
		else if (!strcmp(m->key, "psk_identity"))
			rc = tls_name(m, out->psk_identity, sizeof(out->psk_identity), path, err,
				      len);
		else
			rc =
			    tls_name(m, out->server_name, sizeof(out->server_name), path, err, len);
	}
	return rc;
}

int gv_properties_load(const char *path, struct gv_properties *p, char *err, size_t len)
{
	static const char *const top_keys[] = {"communicator", "secure_application", "tls",
					       "limits", NULL};
	static const char *const comm_keys[] = {"endpoint", "plugins", NULL};
	const struct gv_json *comm, *c, *sec;
	struct gv_json *doc;
	char *text;
	long size;
	FILE *f;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", path);
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, len,
			 "%s: %s (set GVIRTUS_CONFIG or GVIRTUS_HOME, or pass the "
			 "file's path)",
			 path, strerror(errno));
		return -1;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	if (size < 0 || size > (1 << 20) || !(text = calloc(1, (size_t)size + 1))) {
		fclose(f);
		snprintf(err, len, "%s: not a readable file of at most 1 MiB", path);
		return -1;
	}
	if (fread(text, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(text);
		snprintf(err, len, "%s: read error", path);
		return -1;
	}
	fclose(f);
	doc = gv_json_parse(text, err, len);
	free(text);
	if (!doc) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, len, "%s: %s", path, why);
		return -1;
	}
	if (want(doc, GV_JOBJ, "the document", path, 1, err, len) ||
	    only_keys(doc, "the document", top_keys, path, err, len))
		goto out;
	sec = gv_json_get(doc, "secure_application");
	if (sec && sec->type != GV_JBOOL) {
		snprintf(err, len,
			 "%s line %d: secure_application must be true (TLS, with the "
			 "\"tls\" keys) or false",
			 path, sec->line);
		goto out;
	}
	p->secure = sec && sec->boolean;
	if (tls(gv_json_get(doc, "tls"), path, &p->tls, err, len) ||
	    limits(gv_json_get(doc, "limits"), path, &p->limits, err, len))
		goto out;
	comm = gv_json_get(doc, "communicator");
	if (want(comm, GV_JARR, "communicator", path, 1, err, len))
		goto out;
	for (c = comm->child; c; c = c->next) {
		if (p->nep == GV_MAX_ENDPOINTS) {
			snprintf(err, len, "%s line %d: more than %d communicators", path, c->line,
				 GV_MAX_ENDPOINTS);
			goto out;
		}
		if (want(c, GV_JOBJ, "each communicator", path, comm->line, err, len) ||
		    only_keys(c, "a communicator", comm_keys, path, err, len) ||
		    want(gv_json_get(c, "endpoint"), GV_JOBJ, "communicator.endpoint", path,
			 c->line, err, len) ||
		    endpoint(gv_json_get(c, "endpoint"), path, p->nep, &p->ep[p->nep], err, len) ||
		    plugins(gv_json_get(c, "plugins"), path, &p->ep[p->nep].apis, err, len))
			goto out;
		p->nep++;
	}
	if (!p->nep) {
		snprintf(err, len, "%s: communicator lists no endpoint", path);
		goto out;
	}
	rc = 0;
out:
	gv_json_free(doc);
	return rc;
}
