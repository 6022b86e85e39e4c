/*
 * json: streaming JSON writer. See include/json.h.
 */
#include "config.h"

#include "json.h"

#include <math.h>
#include <string.h>

void
json_init(struct json *j, struct strbuf *out, bool pretty)
{
	memset(j, 0, sizeof *j);
	j->out = out;
	j->pretty = pretty;
	j->first[0] = true;
}

static void
json_newline(struct json *j)
{
	if (j->pretty) {
		strbuf_addc(j->out, '\n');
		strbuf_pad(j->out, ' ', (size_t)j->depth * 2);
	}
}

/* Separator and indentation before a value or key at the current depth. */
static void
json_before(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		strbuf_addc(j->out, ',');
	j->first[j->depth] = false;
	if (j->depth > 0)
		json_newline(j);
}

static void
json_open(struct json *j, char c)
{
	json_before(j);
	strbuf_addc(j->out, c);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		xalloc_fail("JSON nesting too deep");
	j->depth++;
	j->first[j->depth] = true;
}

static void
json_close(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		json_newline(j);
	strbuf_addc(j->out, c);
	if (j->depth == 0 && j->pretty)
		strbuf_addc(j->out, '\n');
}

void
json_object_begin(struct json *j)
{
	json_open(j, '{');
}

void
json_object_end(struct json *j)
{
	json_close(j, '}');
}

void
json_array_begin(struct json *j)
{
	json_open(j, '[');
}

void
json_array_end(struct json *j)
{
	json_close(j, ']');
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not valid. */
static size_t
utf8_seq_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (s[0] == 0xE0 && s[1] < 0xA0)
			return 0;
		if (s[0] == 0xED && s[1] >= 0xA0)
			return 0;
		return 3;
	}
	if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if (s[0] == 0xF0 && s[1] < 0x90)
			return 0;
		if (s[0] == 0xF4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

void
json_escape(struct strbuf *sb, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	strbuf_addc(sb, '"');
	while (*s != '\0') {
		size_t n;

		switch (*s) {
		case '"':
			strbuf_adds(sb, "\\\"");
			s++;
			continue;
		case '\\':
			strbuf_adds(sb, "\\\\");
			s++;
			continue;
		case '\n':
			strbuf_adds(sb, "\\n");
			s++;
			continue;
		case '\r':
			strbuf_adds(sb, "\\r");
			s++;
			continue;
		case '\t':
			strbuf_adds(sb, "\\t");
			s++;
			continue;
		default:
			break;
		}
		if (*s < 0x20 || *s == 0x7f) {
			strbuf_addf(sb, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_seq_len(s);
		if (n == 0) {
			strbuf_adds(sb, "\xEF\xBF\xBD");
			s++;
			continue;
		}
		if (n == 2 && s[0] == 0xC2 && s[1] <= 0x9F) {
			/* a C1 control (U+0080..U+009F): escaped like the C0 ones */
			strbuf_addf(sb, "\\u%04x", s[1]);
			s += 2;
			continue;
		}
		strbuf_add(sb, s, n);
		s += n;
	}
	strbuf_addc(sb, '"');
}

void
json_key(struct json *j, const char *key)
{
	json_before(j);
	json_escape(j->out, key);
	strbuf_adds(j->out, j->pretty ? ": " : ":");
	j->after_key = true;
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	json_before(j);
	json_escape(j->out, s);
}

void
json_int(struct json *j, int64_t v)
{
	json_before(j);
	strbuf_addf(j->out, "%lld", (long long)v);
}

void
json_double(struct json *j, double v)
{
	json_before(j);
	if (isfinite(v))
		strbuf_addf(j->out, "%.15g", v);
	else
		strbuf_adds(j->out, "null");
}

void
json_bool(struct json *j, bool v)
{
	json_before(j);
	strbuf_adds(j->out, v ? "true" : "false");
}

void
json_null(struct json *j)
{
	json_before(j);
	strbuf_adds(j->out, "null");
}

void
json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void
json_kint(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void
json_kbool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void
json_kdouble(struct json *j, const char *key, double v)
{
	json_key(j, key);
	json_double(j, v);
}
