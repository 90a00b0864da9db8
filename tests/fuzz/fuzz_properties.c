/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the JSON reader (common/json.c) from a buffer, and
 * properties.json (common/properties.c) through its path API, the input
 * written to a memfd and loaded as /proc/self/fd/N.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "json.h"
#include "properties.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_properties: %s\n", what);
	abort();
}

/* Visits every node as a reader of the tree would. */
static void walk(const struct gv_json *j, int depth)
{
	for (; j; j = j->next) {
		if (!gv_json_type_name(j->type))
			die("a node of no known type");
		if (j->type == GV_JSTR && !j->string)
			die("a string node without its string");
		if (j->key)
			(void)strlen(j->key);
		if (j->string)
			(void)strlen(j->string);
		if (j->type == GV_JOBJ && j->child && j->child->key)
			(void)gv_json_get(j, j->child->key);
		if (depth < 1000)
			walk(j->child, depth + 1);
	}
}

static void check_string(const char *s, size_t cap, const char *what)
{
	if (!memchr(s, 0, cap))
		die(what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gv_properties *p = malloc(sizeof(*p));
	char err[512] = "", path[64], *text = malloc(size + 1);
	struct gv_json *doc;
	int fd, rc, i;

	if (!p || !text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	doc = gv_json_parse(text, err, sizeof(err));
	if (!doc && !err[0])
		die("gv_json_parse refused without a reason");
	walk(doc, 0);
	gv_json_free(doc);
	free(text);

	fd = memfd_create("properties.json", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = 0;
	rc = gv_properties_load(path, p, err, sizeof(err));
	close(fd);
	if (rc != 0 && rc != -1)
		die("gv_properties_load returned neither 0 nor -1");
	if (rc && !err[0])
		die("gv_properties_load refused without a reason");
	if (!rc && (p->nep < 1 || p->nep > GV_MAX_ENDPOINTS))
		die("loaded a number of endpoints out of range");
	for (i = 0; !rc && i < p->nep; i++) {
		check_string(p->ep[i].protocol, sizeof(p->ep[i].protocol), "unterminated protocol");
		check_string(p->ep[i].address, sizeof(p->ep[i].address), "unterminated address");
		check_string(p->ep[i].gpus, sizeof(p->ep[i].gpus), "unterminated gpus");
		if (p->ep[i].port < 0 || p->ep[i].port > 65535)
			die("loaded a port out of range");
	}
	free(p);
	return 0;
}
