/*
 * test_tmpl: pgdbm's placeholder rendering (research/pgdbm.md section 2.4).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

struct row {
	const char *schema; /* NULL: manager without schema */
	const char *in;
	const char *want;
};

static void
check_rows(const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char sentinel = 0, *out = &sentinel;
		int line = -1;
		char *err = tmpl_render(rows[i].in, rows[i].schema, &out, &line);

		if (err != NULL)
			fail_msg("row %zu: unexpected error: %s", i, err);
		assert_non_null(out);
		if (strcmp(out, rows[i].want) != 0)
			fail_msg("row %zu: rendered [%s], want [%s]", i, out, rows[i].want);
		assert_int_equal(line, 0);
		free(out);
	}
}

/* Expect an error mentioning every fragment in want (NULL-terminated). */
static void
check_error(const char *sql, const char *schema, int want_line, const char *const *want)
{
	char sentinel = 0, *out = &sentinel;
	int line = -1;
	char *err = tmpl_render(sql, schema, &out, &line);

	assert_non_null(err);
	assert_null(out);
	assert_int_equal(line, want_line);
	for (; *want != NULL; want++) {
		if (strstr(err, *want) == NULL)
			fail_msg("error [%s] lacks [%s]", err, *want);
	}
	free(err);
}

static void
test_table_with_schema(void **state)
{
	static const struct row rows[] = {
		{ "X", "{{schema}}", "\"X\"" },
		{ "X", "SELECT * FROM {{schema}}.name", "SELECT * FROM \"X\".name" },
		{ "X", "SELECT * FROM {{tables.T}}", "SELECT * FROM \"X\".T" },
		{ "X", "SELECT * FROM {{tables.S.T}}", "SELECT * FROM \"S\".T" },
	};

	(void)state;
	check_rows(rows, sizeof rows / sizeof rows[0]);
}

static void
test_table_without_schema(void **state)
{
	static const struct row rows[] = {
		{ NULL, "{{schema}}", "public" },
		{ NULL, "SELECT * FROM {{schema}}.name", "SELECT * FROM name" },
		{ NULL, "SELECT * FROM {{tables.T}}", "SELECT * FROM T" },
		{ NULL, "SELECT * FROM {{tables.S.T}}", "SELECT * FROM \"S\".T" },
		/* pgdbm tests "if self.schema": an empty schema is no schema. */
		{ "", "{{schema}}.a {{schema}} {{tables.t}}", "a public t" },
	};

	(void)state;
	check_rows(rows, sizeof rows / sizeof rows[0]);
}

static void
test_quoting(void **state)
{
	static const struct row rows[] = {
		/* Mixed-case schema: quoted, case kept. Table part never quoted. */
		{ "CamelCase", "INSERT INTO {{tables.Users}} VALUES (1)",
		  "INSERT INTO \"CamelCase\".Users VALUES (1)" },
		{ "CamelCase", "CREATE SCHEMA IF NOT EXISTS {{schema}}",
		  "CREATE SCHEMA IF NOT EXISTS \"CamelCase\"" },
		{ "app", "{{tables.Other.MyTable}}", "\"Other\".MyTable" },
		{ NULL, "{{tables.Other.MyTable}}", "\"Other\".MyTable" },
	};

	(void)state;
	check_rows(rows, sizeof rows / sizeof rows[0]);
}

static void
test_not_sql_aware(void **state)
{
	static const struct row rows[] = {
		{ "app", "SELECT '{{tables.t}}', \"{{schema}}\" -- {{tables.u}}\n",
		  "SELECT '\"app\".t', \"\"app\"\" -- \"app\".u\n" },
		{ "app", "/* {{schema}} */ $$ BEGIN DELETE FROM {{tables.t}}; END $$",
		  "/* \"app\" */ $$ BEGIN DELETE FROM \"app\".t; END $$" },
		{ NULL, "E'{{tables.a.b}}' $tag${{schema}}.x$tag$", "E'\"a\".b' $tag$x$tag$" },
	};

	(void)state;
	check_rows(rows, sizeof rows / sizeof rows[0]);
}

static void
test_unrecognised_left_alone(void **state)
{
	static const char *const forms[] = {
		"{{ schema }}",	       "{{schema }}",	       "{{SCHEMA}}",
		"{{tables.my-table}}", "{{tables.my table}}",  "{{tables.\"t\"}}",
		"{{tables.t;drop}}",   "{{tables.}}",	       "{{tables.a.}}",
		"{{tables..t}}",       "{{tables.a.b.c}}",     "{{ tables.t }}",
		"{{tables.t }}",       "{{tables.t}",	       "{tables.t}}",
		"{{table.t}}",	       "{{tables.t\xc3\xa9}}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		struct row r[2] = { { "app", forms[i], forms[i] }, { NULL, forms[i], forms[i] } };

		check_rows(r, 2);
	}
}

static void
test_processing_order(void **state)
{
	static const struct row rows[] = {
		/* Pass 1 runs first and its output feeds the table passes. */
		{ NULL, "{{tables.{{schema}}}}", "public" },
		{ "app", "{{tables.{{schema}}}}", "{{tables.\"app\"}}" },
		{ NULL, "{{schema}}.{{tables.t}}", "t" },
		{ "app", "{{schema}}.{{tables.t}}", "\"app\".\"app\".t" },
		/* Explicit before implicit; leftmost match, braces around kept. */
		{ "app", "{{{tables.a.b}}} {{tables.c}}}", "{\"a\".b} \"app\".c}" },
		{ NULL, "{{tables.{{tables.x}}", "{{tables.x" },
		/* {{schema}}. is only deleted without a schema. */
		{ NULL, "{{schema}}{{schema}}.x", "publicx" },
		{ "s", "{{schema}}{{schema}}.x", "\"s\"\"s\".x" },
		{ "s", "", "" },
	};

	(void)state;
	check_rows(rows, sizeof rows / sizeof rows[0]);
}

static void
test_invalid_names(void **state)
{
	char sql[128];
	static const char *const digit[] = { "line 2",	   "{{tables.1users}}",	  "table name",
					     "\"1users\"", "starts with a digit", NULL };
	static const char *const explicit_schema[] = { "line 1", "{{tables.9s.t}}",
						       "schema name \"9s\"", NULL };
	static const char *const explicit_table[] = { "line 3", "{{tables.s.0t}}",
						      "table name \"0t\"", NULL };
	static const char *const too_long[] = { "line 1", "longer than 63", NULL };
	static const char *const bad_schema[] = { "schema \"my-app\"", "hyphen", NULL };
	static const char *const in_comment[] = { "line 4", "{{tables.2x}}", NULL };

	(void)state;
	check_error("SELECT 1;\nSELECT * FROM {{tables.1users}};", "app", 2, digit);
	check_error("SELECT 1;\nSELECT * FROM {{tables.1users}};", NULL, 2, digit);
	check_error("{{tables.9s.t}}", NULL, 1, explicit_schema);
	check_error("\n\r\n{{tables.s.0t}} {{tables.1x}}", "app", 3, explicit_table);
	/* 64 characters: one past the identifier limit. */
	snprintf(sql, sizeof sql, "{{tables.%s}}",
		 "a123456789012345678901234567890123456789012345678901234567890123");
	check_error(sql, "app", 1, too_long);
	check_error("SELECT 1", "my-app", 0, bad_schema);
	/* Literals and comments are not exempt from validation either. */
	check_error("a\nb\nc\n-- {{tables.2x}}", "app", 4, in_comment);
}

static void
test_valid_limits(void **state)
{
	static const struct row rows[] = {
		{ "app", "{{tables._t}}", "\"app\"._t" },
		{ "app",
		  "{{tables.a12345678901234567890123456789012345678901234567890123456789012}}",
		  "\"app\".a12345678901234567890123456789012345678901234567890123456789012" },
	};

	(void)state;
	check_rows(rows, sizeof rows / sizeof rows[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_with_schema),
		cmocka_unit_test(test_table_without_schema),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_not_sql_aware),
		cmocka_unit_test(test_unrecognised_left_alone),
		cmocka_unit_test(test_processing_order),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_valid_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
