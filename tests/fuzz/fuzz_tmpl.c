/*
 * fuzz_tmpl: pgdbm's template rendering on arbitrary SQL and schemas.
 *
 * The input's first line is the schema (empty: a manager without schema),
 * the rest the SQL. Invariants: exactly one of the rendered text and the
 * error comes back; an error's line is 0 (the schema is bad) or a line of
 * the SQL; rendering never adds or removes a line (the migration engine's
 * file:line messages rely on it); a valid schema is never the error.
 */
#include "config.h"

#include "fuzz.h"
#include "ident.h"
#include "tmpl.h"

static int
count_lines(const char *s)
{
	int n = 1;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void
render(const char *sql, const char *schema)
{
	char *out = NULL, *err;
	int line = -1;

	err = tmpl_render(sql, schema, &out, &line);
	fuzz_check((err == NULL) != (out == NULL), "either a text or an error");
	if (err != NULL) {
		fuzz_check(line >= 0 && line <= count_lines(sql), "the error's line is in the SQL");
		fuzz_check(line > 0 || (schema != NULL && schema[0] != '\0' &&
					ident_problem(schema) != NULL),
			   "line 0 only for a bad schema");
		free(err);
		return;
	}
	fuzz_check(count_lines(out) == count_lines(sql), "rendering keeps the lines");
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *nl = strchr(text, '\n');
	const char *schema = "", *sql = text;

	if (nl != NULL) {
		*nl = '\0';
		schema = text;
		sql = nl + 1;
	}
	render(sql, schema);
	render(sql, NULL);
	render(sql, "users");
	free(text);
	return 0;
}
