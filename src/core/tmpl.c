/*
 * tmpl: pgdbm's placeholder rendering, pass for pass.
 *
 * pgdbm runs three passes over the whole query string, in this order, each
 * on the previous pass's output:
 *
 *  1. {{schema}}: plain substring replacement. With a schema: every
 *     occurrence becomes the quoted schema. Without: every "{{schema}}." is
 *     deleted first, then every remaining "{{schema}}" becomes public.
 *  2. explicit {{tables.S.T}} -> "S".T (in both modes);
 *  3. implicit {{tables.T}} -> "X".T with a schema, bare T without.
 *
 * A placeholder is recognised only when each name is one or more ASCII
 * letters, digits or underscores and nothing else sits inside the braces;
 * anything else ({{ schema }}, {{tables.a-b}}, {{tables."a"}}) stays as
 * written. A recognised name that breaks pgdbm's identifier rule
 * (ident_problem: leading digit, longer than 63) is an error, and nothing is
 * returned. Matching is not SQL-aware: placeholders inside literals,
 * comments and dollar-quoted bodies are rewritten like any other text.
 *
 * Because passes run in sequence, a pass can create a placeholder for the
 * next one: without a schema "{{tables.{{schema}}}}" becomes
 * "{{tables.public}}" and then "public". We keep that quirk on purpose.
 *
 * Invariant: no replacement contains a newline, so a line number counted in
 * any pass's input is the line in the original text.
 */
#include "config.h"

#include "tmpl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "strbuf.h"
#include "xalloc.h"

#define TABLES_OPEN "{{tables."

struct span {
	const char *s;
	size_t len;
};

/* A pass's failure: its message (malloc'd) and line. */
struct fail {
	char *msg;
	int line;
};

/* Every occurrence of from in in replaced by to (Python's str.replace). */
static char *
replace_all(const char *in, const char *from, const char *to)
{
	struct strbuf out = STRBUF_INIT;
	size_t n = strlen(from);
	const char *p;

	while ((p = strstr(in, from)) != NULL) {
		strbuf_add(&out, in, (size_t)(p - in));
		strbuf_adds(&out, to);
		in = p + n;
	}
	strbuf_adds(&out, in);
	return strbuf_detach(&out);
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static size_t
name_run(const char *p)
{
	size_t n = 0;

	while (is_name_char(p[n]))
		n++;
	return n;
}

/*
 * Length of a recognised placeholder at p: "{{tables.A}}" (two false) or
 * "{{tables.A.B}}" (two true), with its names in *a and *b; 0 if none.
 */
static size_t
match_tables(const char *p, bool two, struct span *a, struct span *b)
{
	size_t n = strlen(TABLES_OPEN);

	if (strncmp(p, TABLES_OPEN, n) != 0)
		return 0;
	a->s = p + n;
	a->len = name_run(a->s);
	if (a->len == 0)
		return 0;
	n += a->len;
	if (two) {
		if (p[n] != '.')
			return 0;
		b->s = p + n + 1;
		b->len = name_run(b->s);
		if (b->len == 0)
			return 0;
		n += 1 + b->len;
	}
	if (p[n] != '}' || p[n + 1] != '}')
		return 0;
	return n + 2;
}

/* NULL when the name passes the identifier rule, else a message. */
static char *
name_problem(const struct span *name, const char *what, const char *ph, size_t ph_len, int line)
{
	char *s = xstrndup(name->s, name->len);
	const char *why = ident_problem(s);
	char *msg = NULL;

	if (why != NULL)
		msg = xasprintf("line %d: %.*s: %s name \"%s\" %s", line, (int)ph_len, ph, what, s,
				why);
	free(s);
	return msg;
}

static void
add_quoted(struct strbuf *out, const char *s, size_t len)
{
	char *name = xstrndup(s, len);
	char *q = ident_quote(name);

	strbuf_adds(out, q);
	free(q);
	free(name);
}

/*
 * Pass 2 (two true) or pass 3 over in. qschema is the quoted schema for
 * implicit placeholders, or NULL to render them bare. Returns the new text,
 * or NULL with *f filled.
 */
static char *
tables_pass(const char *in, bool two, const char *qschema, struct fail *f)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = in, *copied = in, *counted = in;
	int line = 1;

	while ((p = strstr(p, TABLES_OPEN)) != NULL) {
		struct span a = { NULL, 0 }, b = { NULL, 0 };
		size_t n = match_tables(p, two, &a, &b);

		if (n == 0) {
			p++;
			continue;
		}
		for (; counted < p; counted++)
			line += *counted == '\n';
		f->msg = name_problem(&a, two ? "schema" : "table", p, n, line);
		if (f->msg == NULL && two)
			f->msg = name_problem(&b, "table", p, n, line);
		if (f->msg != NULL) {
			f->line = line;
			strbuf_free(&out);
			return NULL;
		}
		strbuf_add(&out, copied, (size_t)(p - copied));
		if (two) {
			add_quoted(&out, a.s, a.len);
			strbuf_addc(&out, '.');
			strbuf_add(&out, b.s, b.len);
		} else {
			if (qschema != NULL) {
				strbuf_adds(&out, qschema);
				strbuf_addc(&out, '.');
			}
			strbuf_add(&out, a.s, a.len);
		}
		p += n;
		copied = p;
	}
	strbuf_adds(&out, copied);
	return strbuf_detach(&out);
}

/* Pass 1: the {{schema}} placeholder. */
static char *
schema_pass(const char *sql, const char *qschema)
{
	char *tmp, *out;

	if (qschema != NULL)
		return replace_all(sql, "{{schema}}", qschema);
	tmp = replace_all(sql, "{{schema}}.", "");
	out = replace_all(tmp, "{{schema}}", "public");
	free(tmp);
	return out;
}

char *
tmpl_render(const char *sql, const char *schema, char **out, int *line)
{
	struct fail f = { NULL, 0 };
	char *qschema = NULL, *t1, *t2, *t3 = NULL;

	*out = NULL;
	*line = 0;
	if (schema != NULL && schema[0] != '\0') {
		const char *why = ident_problem(schema);

		if (why != NULL)
			return xasprintf("schema \"%s\" %s", schema, why);
		qschema = ident_quote(schema);
	}
	t1 = schema_pass(sql, qschema);
	t2 = tables_pass(t1, true, qschema, &f);
	if (t2 != NULL)
		t3 = tables_pass(t2, false, qschema, &f);
	free(t1);
	free(t2);
	free(qschema);
	if (t3 == NULL) {
		*line = f.line;
		return f.msg;
	}
	*out = t3;
	return NULL;
}
