/* SPDX-License-Identifier: MIT */
/*
 * A small JSON reader for properties.json: the whole document into a
 * tree, with the line of every value kept for error messages.
 */
#ifndef GVIRTUS_JSON_H
#define GVIRTUS_JSON_H

#include <stddef.h>

enum gv_json_type { GV_JNULL, GV_JBOOL, GV_JNUM, GV_JSTR, GV_JARR, GV_JOBJ };

struct gv_json {
	enum gv_json_type type;
	int line;
	int boolean;
	double number;
	char *string;	       /* GV_JSTR; also the key of an object member */
	char *key;	       /* set on members of an object */
	struct gv_json *child; /* first element or member */
	struct gv_json *next;
};

/* NULL with err set ("line N: what is wrong") on malformed input. */
struct gv_json *gv_json_parse(const char *text, char *err, size_t err_len);
void gv_json_free(struct gv_json *j);
/* The member of an object with this key, or NULL. */
const struct gv_json *gv_json_get(const struct gv_json *obj, const char *key);
const char *gv_json_type_name(enum gv_json_type t);
/*
 * A number that is an integer in 0..max (max at most 2^53, where doubles
 * are still exact): 0 and *out set, or -1 (not a number, not finite, a
 * fraction, or out of range).
 */
int gv_json_uint(const struct gv_json *j, unsigned long long max, unsigned long long *out);

#endif
