/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	const char *p;
	int line;
	char *err;
	size_t err_len;
	int depth;
};

static void fail(struct reader *r, const char *what)
{
	if (!r->err[0])
		snprintf(r->err, r->err_len, "line %d: %s", r->line, what);
}

static void skip_space(struct reader *r)
{
	for (; *r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'; r->p++)
		if (*r->p == '\n')
			r->line++;
}

static struct gv_json *node(struct reader *r, enum gv_json_type t)
{
	struct gv_json *j = calloc(1, sizeof(*j));

	if (!j)
		fail(r, "out of memory");
	else {
		j->type = t;
		j->line = r->line;
	}
	return j;
}

static char *parse_string(struct reader *r)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	r->p++; /* the opening quote */
	while (s && *r->p != '"') {
		char c = *r->p++;

		if (c == 0 || c == '\n') {
			fail(r, "unterminated string");
			free(s);
			return NULL;
		}
		if (c == '\\') {
			c = *r->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case '"':
			case '\\':
			case '/':
				break;
			default:
				fail(r, "unsupported escape in string");
				free(s);
				return NULL;
			}
		}
		if (n + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
		}
		s[n++] = c;
	}
	if (!s) {
		fail(r, "out of memory");
		return NULL;
	}
	r->p++;
	s[n] = 0;
	return s;
}

static struct gv_json *parse_value(struct reader *r);

static size_t digits(const char *p)
{
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9')
		n++;
	return n;
}

/*
 * The length of a JSON number at p, or 0: strtod alone would also take
 * "-inf", "-nan" and hex, none of which JSON has.
 */
static size_t number_len(const char *p)
{
	size_t n = *p == '-', d;

	d = digits(p + n);
	if (!d || (p[n] == '0' && d > 1))
		return 0;
	n += d;
	if (p[n] == '.') {
		d = digits(p + n + 1);
		if (!d)
			return 0;
		n += 1 + d;
	}
	if (p[n] == 'e' || p[n] == 'E') {
		n++;
		n += p[n] == '+' || p[n] == '-';
		d = digits(p + n);
		if (!d)
			return 0;
		n += d;
	}
	return n;
}

static struct gv_json *parse_list(struct reader *r, int object)
{
	struct gv_json *j = node(r, object ? GV_JOBJ : GV_JARR), **tail;
	char close = object ? '}' : ']';

	if (!j)
		return NULL;
	tail = &j->child;
	r->p++;
	skip_space(r);
	if (*r->p == close) {
		r->p++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct gv_json *v;

		skip_space(r);
		if (object) {
			if (*r->p != '"') {
				fail(r, "expected a quoted key");
				break;
			}
			key = parse_string(r);
			if (!key)
				break;
			skip_space(r);
			if (*r->p++ != ':') {
				free(key);
				fail(r, "expected ':' after a key");
				break;
			}
		}
		v = parse_value(r);
		if (!v) {
			free(key);
			break;
		}
		v->key = key;
		*tail = v;
		tail = &v->next;
		skip_space(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == close) {
			r->p++;
			return j;
		}
		fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
		break;
	}
	gv_json_free(j);
	return NULL;
}

static struct gv_json *parse_value(struct reader *r)
{
	struct gv_json *j = NULL;

	skip_space(r);
	if (++r->depth > 64) {
		fail(r, "nested too deeply");
		return NULL;
	}
	if (*r->p == '{' || *r->p == '[') {
		j = parse_list(r, *r->p == '{');
	} else if (*r->p == '"') {
		j = node(r, GV_JSTR);
		if (j && !(j->string = parse_string(r))) {
			free(j);
			j = NULL;
		}
	} else if (!strncmp(r->p, "true", 4) || !strncmp(r->p, "false", 5)) {
		j = node(r, GV_JBOOL);
		if (j)
			j->boolean = *r->p == 't';
		r->p += *r->p == 't' ? 4 : 5;
	} else if (!strncmp(r->p, "null", 4)) {
		j = node(r, GV_JNULL);
		r->p += 4;
	} else if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
		size_t n = number_len(r->p);
		char *end = (char *)r->p;

		j = node(r, GV_JNUM);
		if (j && n) {
			errno = 0;
			j->number = strtod(r->p, &end);
		}
		if (!j) {
			/* out of memory: failed already */
		} else if (!n || end != r->p + n) {
			fail(r, "malformed number");
			free(j);
			j = NULL;
		} else if (errno == ERANGE && !isfinite(j->number)) {
			fail(r, "number out of range");
			free(j);
			j = NULL;
		}
		r->p = end;
	} else {
		fail(r, "expected a value");
	}
	r->depth--;
	return j;
}

struct gv_json *gv_json_parse(const char *text, char *err, size_t err_len)
{
	struct reader r = {text, 1, err, err_len, 0};
	struct gv_json *j;

	err[0] = 0;
	j = parse_value(&r);
	if (j) {
		skip_space(&r);
		if (*r.p) {
			fail(&r, "unexpected text after the document");
			gv_json_free(j);
			j = NULL;
		}
	}
	return j;
}

void gv_json_free(struct gv_json *j)
{
	while (j) {
		struct gv_json *next = j->next;

		gv_json_free(j->child);
		free(j->string);
		free(j->key);
		free(j);
		j = next;
	}
}

const struct gv_json *gv_json_get(const struct gv_json *obj, const char *key)
{
	const struct gv_json *m;

	if (!obj || obj->type != GV_JOBJ)
		return NULL;
	for (m = obj->child; m; m = m->next)
		if (m->key && !strcmp(m->key, key))
			return m;
	return NULL;
}

const char *gv_json_type_name(enum gv_json_type t)
{
	static const char *const names[] = {"null",	"a boolean", "a number",
					    "a string", "an array",  "an object"};

	return names[t];
}

int gv_json_uint(const struct gv_json *j, unsigned long long max, unsigned long long *out)
{
	/* Compared as doubles before any conversion: 1e300 or -1 never reach a cast. */
	if (!j || j->type != GV_JNUM || !isfinite(j->number) || j->number < 0 ||
	    max > (1ull << 53) || j->number > (double)max)
		return -1;
	*out = (unsigned long long)j->number;
	return (double)*out == j->number ? 0 : -1; /* no fraction */
}
