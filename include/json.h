/*
 * json: a small streaming JSON writer into a strbuf.
 *
 * The writer tracks nesting and commas; callers emit keys and values in
 * order. Strings are escaped per RFC 8259: the C0 controls, DEL and the C1
 * controls (U+0080..U+009F) as \u00XX, so that JSON printed on a terminal
 * holds no control sequence while a program still reads the exact text;
 * bytes that are not valid UTF-8 are replaced with U+FFFD so the output is
 * always valid JSON. Output is indented with two spaces when `pretty`.
 */
#ifndef PGDBM_JSON_H
#define PGDBM_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct strbuf *out;
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* nothing written yet at this depth */
	bool after_key;
};

void json_init(struct json *j, struct strbuf *out, bool pretty);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);

void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s); /* NULL writes null */
void json_int(struct json *j, int64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key + value shorthands */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, int64_t v);
void json_kbool(struct json *j, const char *key, bool v);
void json_kdouble(struct json *j, const char *key, double v);

/* Append s to sb as a JSON string literal, quotes included. */
void json_escape(struct strbuf *sb, const char *s);

#endif
