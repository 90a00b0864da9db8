/* SPDX-License-Identifier: MIT */
#include "properties.h"

#include <errno.h>
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
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
					 i ? ", " : "", ok[i]);
			snprintf(err, len, "%s line %d: unknown key \"%s\" in %s; accepted keys: %s",
				 path, m->line, m->key, where, list);
			return -1;
		}
	}
	return 0;
}

static int want(const struct gv_json *j, enum gv_json_type t, const char *what,
		const char *path, int line, char *err, size_t len)
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
	static const char *const keys[] = { "suite", "protocol", "server_address", "port", "gpus",
					    NULL };
	const struct gv_json *gpus = gv_json_get(e, "gpus");
	const struct gv_json *suite = gv_json_get(e, "suite"), *proto = gv_json_get(e, "protocol");
	const struct gv_json *addr = gv_json_get(e, "server_address"), *port = gv_json_get(e, "port");
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
		snprintf(err, len, "%s line %d: endpoint.protocol is \"%s\"; accepted: \"tcp\", "
			 "\"oldtcp\"", path, proto->line, proto->string);
		return -1;
	}
	if (!port) {
		snprintf(err, len, "%s line %d: endpoint.port is missing", path, e->line);
		return -1;
	}
	if (port->type == GV_JNUM) {
		n = (long)port->number;
		if ((double)n != port->number)
			n = -1;
	} else if (port->type == GV_JSTR) {
		errno = 0;
		n = strtol(port->string, &end, 10);
		if (*end || errno || !*port->string)
			n = -1;
	} else {
		n = -1;
	}
	if (n < 1 || n > 65535) {
		snprintf(err, len, "%s line %d: endpoint.port must be a port number 1..65535 "
			 "(a number or a string of digits)", path, port->line);
		return -1;
	}
	if (gpus && gpus->type == GV_JSTR) {
		snprintf(out->gpus, sizeof(out->gpus), "%s", gpus->string);
	} else if (gpus && gpus->type == GV_JARR) {
		const struct gv_json *g;

		for (g = gpus->child; g; g = g->next) {
			size_t at = strlen(out->gpus);

			if (g->type == GV_JNUM)
				snprintf(out->gpus + at, sizeof(out->gpus) - at, "%s%d", at ? "," : "",
					 (int)g->number);
			else if (g->type == GV_JSTR)
				snprintf(out->gpus + at, sizeof(out->gpus) - at, "%s%s", at ? "," : "",
					 g->string);
			else
				gpus = NULL;
		}
	}
	if (gv_json_get(e, "gpus") && (!gpus || (gpus->type != GV_JSTR && gpus->type != GV_JARR))) {
		snprintf(err, len, "%s line %d: endpoint.gpus must be a list of GPU indices or "
			 "UUIDs (\"0,2\" or [0, 2])", path, e->line);
		return -1;
	}
	snprintf(out->protocol, sizeof(out->protocol), "%s", proto->string);
	snprintf(out->address, sizeof(out->address), "%s", addr->string);
	out->port = (int)n;
	return 0;
}

static int plugins(const struct gv_json *pl, const char *path, char *err, size_t len)
{
	static const char *const known[] = { "cudart", "cuda-driver", "cudadr", "cublas",
					     "cufft", "curand", "cudnn", "cusolver",
					     "cusparse", "nvrtc", NULL };
	const struct gv_json *p;
	size_t i;

	if (!pl)
		return 0;
	if (want(pl, GV_JARR, "plugins", path, pl->line, err, len))
		return -1;
	for (p = pl->child; p; p = p->next) {
		if (want(p, GV_JSTR, "each plugin", path, pl->line, err, len))
			return -1;
		for (i = 0; known[i] && strcmp(known[i], p->string); i++)
			;
		if (!known[i]) {
			snprintf(err, len, "%s line %d: plugin \"%s\" is not known; accepted: "
				 "cudart (served), cuda-driver, cublas, cufft, curand, cudnn, "
				 "cusolver, cusparse, nvrtc (not served yet)", path, p->line,
				 p->string);
			return -1;
		}
	}
	return 0;
}

int gv_properties_load(const char *path, struct gv_properties *p, char *err, size_t len)
{
	static const char *const top_keys[] = { "communicator", "secure_application", NULL };
	static const char *const comm_keys[] = { "endpoint", "plugins", NULL };
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
		snprintf(err, len, "%s: %s (set GVIRTUS_CONFIG or GVIRTUS_HOME, or pass the "
			 "file's path)", path, strerror(errno));
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
	if (sec && (sec->type != GV_JBOOL || sec->boolean)) {
		snprintf(err, len, "%s line %d: secure_application must be false (secure "
			 "applications are not supported)", path, sec->line);
		goto out;
	}
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
		    plugins(gv_json_get(c, "plugins"), path, err, len))
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
