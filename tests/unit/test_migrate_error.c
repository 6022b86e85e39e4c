/*
 * test_migrate_error: the migration engine's errors without a server: the
 * line of a server error position in the script sent (characters, not
 * bytes; a prefix of our own skipped; a position inside the prefix is no
 * line), and an error written as "file:line: message (SQLSTATE)" with its
 * DETAIL and HINT.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "strbuf.h"
#include "xalloc.h"

static void
test_position_line_ascii(void **state)
{
	const char *sent = "ab\ncd\nef";

	(void)state;
	assert_int_equal(mig_position_line(sent, 0, 1), 1);
	/* the newline ending a line is on that line */
	assert_int_equal(mig_position_line(sent, 0, 3), 1);
	assert_int_equal(mig_position_line(sent, 0, 4), 2);
	assert_int_equal(mig_position_line(sent, 0, 7), 3);
	/* not a position */
	assert_int_equal(mig_position_line(sent, 0, 0), 0);
	assert_int_equal(mig_position_line(sent, 0, -5), 0);
}

static void
test_position_line_after_prefix(void **state)
{
	/* "BEGIN;\n" is 7 characters; the file starts on its line 1 after it */
	const char *sent = "BEGIN;\nSELECT 1;\nSELEC 2;\n";

	(void)state;
	assert_int_equal(mig_position_line(sent, 7, 1), 0);
	assert_int_equal(mig_position_line(sent, 7, 7), 0);
	assert_int_equal(mig_position_line(sent, 7, 8), 1);
	assert_int_equal(mig_position_line(sent, 7, 18), 2);
}

static void
test_position_line_counts_characters(void **state)
{
	/* é is two bytes but one character, as the server counts */
	const char *sent = "-- \xc3\xa9\nSELEC";
	const char *prefixed = "\xc3\xa9\xc3\xa9\nx\ny";

	(void)state;
	assert_int_equal(mig_position_line(sent, 0, 5), 1);
	assert_int_equal(mig_position_line(sent, 0, 6), 2);
	/* a prefix of three characters (five bytes) */
	assert_int_equal(mig_position_line(prefixed, 3, 3), 0);
	assert_int_equal(mig_position_line(prefixed, 3, 4), 1);
	assert_int_equal(mig_position_line(prefixed, 3, 6), 2);
}

static void
test_error_format(void **state)
{
	struct mig_error e;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	memset(&e, 0, sizeof e);
	mig_error_format(&e, &sb);
	assert_string_equal(strbuf_str(&sb), "failed");
	strbuf_free(&sb);

	e.file = xstrdup("m/001_a.sql");
	e.line = 3;
	e.message = xstrdup("syntax error at or near \"SELEC\"");
	e.sqlstate = xstrdup("42601");
	e.detail = xstrdup("d");
	e.hint = xstrdup("h");
	mig_error_format(&e, &sb);
	assert_string_equal(strbuf_str(&sb),
			    "m/001_a.sql:3: syntax error at or near \"SELEC\" (SQLSTATE 42601)\n"
			    "  DETAIL: d\n  HINT: h");
	strbuf_free(&sb);

	e.line = 0;
	free(e.sqlstate);
	e.sqlstate = xstrdup("");
	free(e.detail);
	e.detail = NULL;
	mig_error_format(&e, &sb);
	assert_string_equal(strbuf_str(&sb),
			    "m/001_a.sql: syntax error at or near \"SELEC\"\n  HINT: h");
	strbuf_free(&sb);

	mig_error_clear(&e);
	assert_null(e.file);
	assert_null(e.message);
	assert_int_equal(e.line, 0);
}

static void
test_ledger_select(void **state)
{
	char *sql;

	(void)state;
	sql = mig_ledger_select("tenant_a", "schema_migrations", true);
	assert_string_equal(
		sql, "SELECT id, filename, checksum, module_name IS NULL, applied_at::text,\n"
		     "  coalesce(applied_by, ''), coalesce(execution_time_ms, -1)\n"
		     "FROM \"tenant_a\".\"schema_migrations\" WHERE module_name = $1 OR "
		     "module_name IS NULL ORDER BY id");
	free(sql);
	/* any schema the console browses: quoted, quotes doubled */
	sql = mig_ledger_select("We\"ird", "schema_migrations", false);
	assert_non_null(strstr(sql, "FROM \"We\"\"ird\".\"schema_migrations\" ORDER BY id"));
	assert_null(strstr(sql, "WHERE"));
	free(sql);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_position_line_ascii),
		cmocka_unit_test(test_position_line_after_prefix),
		cmocka_unit_test(test_position_line_counts_characters),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_ledger_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
