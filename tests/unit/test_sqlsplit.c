/*
 * test_sqlsplit: the no-transaction marker, the statement splitter and the
 * transaction-block classifier.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sqlsplit.h"

/* ------------------------------------------------------------------------
 * Marker
 * ------------------------------------------------------------------------ */

static void
test_marker_found(void **state)
{
	static const char *const yes[] = {
		"-- pgdbm:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);",
		"-- Description\n-- pgdbm:no-transaction\nCREATE INDEX i ON t (a);",
		"SELECT 1;\n-- pgdbm:no-transaction",
		"-- pgdbm:no-transaction because of CIC\n",
		"-- pgdbm:no-transaction\t\n",
		"-- pgdbm:no-transaction\xc2\xa0(non-breaking space)\n",
		/* Not SQL-aware: a block comment or a string does not hide it. */
		"/*\n-- pgdbm:no-transaction\n*/\nSELECT 1;",
		"SELECT '\n-- pgdbm:no-transaction\n';",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (!sqlsplit_has_no_tx_marker(yes[i]))
			fail_msg("marker not found in [%s]", yes[i]);
	}
}

static void
test_marker_not_found(void **state)
{
	static const char *const no[] = {
		"CREATE TABLE t (id int);",
		"",
		" -- pgdbm:no-transaction\n",
		"\t-- pgdbm:no-transaction\n",
		"--pgdbm:no-transaction\n",
		"--  pgdbm:no-transaction\n",
		"-- PGDBM:no-transaction\n",
		"-- pgdbm:No-Transaction\n",
		"-- pgdbm:no-transactions\n",
		"-- pgdbm:no-transaction-please\n",
		"-- pgdbm:no-transaction;\n",
		"-- pgdbm:no-transaction\xe2\x80\x8b\n", /* U+200B is not white space */
		"SELECT 1; -- pgdbm:no-transaction\n",
		"-- pgdbm: no-transaction\n",
		"x\r-- pgdbm:no-transaction\n", /* CR is not a line start for pgdbm */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof no / sizeof no[0]; i++) {
		if (sqlsplit_has_no_tx_marker(no[i]))
			fail_msg("marker wrongly found in [%s]", no[i]);
	}
}

/* ------------------------------------------------------------------------
 * Splitter
 * ------------------------------------------------------------------------ */

struct want {
	const char *text;
	int line, sql_line;
};

static void
check_split(const char *sql, const struct want *want, size_t n)
{
	struct sqlsplit_list list;
	size_t i;

	sqlsplit_split(sql, &list);
	if (list.n != n) {
		for (i = 0; i < list.n; i++)
			print_error("  got [%s]\n", list.v[i].text);
		fail_msg("[%s]: %zu statements, want %zu", sql, list.n, n);
	}
	for (i = 0; i < n; i++) {
		if (strcmp(list.v[i].text, want[i].text) != 0)
			fail_msg("statement %zu: [%s], want [%s]", i, list.v[i].text, want[i].text);
		if (list.v[i].line != want[i].line || list.v[i].sql_line != want[i].sql_line)
			fail_msg("statement %zu [%s]: lines %d/%d, want %d/%d", i, want[i].text,
				 list.v[i].line, list.v[i].sql_line, want[i].line,
				 want[i].sql_line);
	}
	sqlsplit_list_free(&list);
	assert_null(list.v);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_split_basic(void **state)
{
	static const struct want w1[] = {
		{ "CREATE TABLE a (id int);", 1, 1 },
		{ "CREATE TABLE b (id int);", 2, 2 },
	};
	static const struct want w2[] = { { "SELECT 1;", 3, 3 }, { "SELECT\n2", 6, 6 } };

	(void)state;
	check_split("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n", w1, N(w1));
	/* Leading blank lines; a last statement without ';' is kept. */
	check_split("\n\n  SELECT 1;\n\n\nSELECT\n2\n\n", w2, N(w2));
}

static void
test_split_drops_empty(void **state)
{
	static const struct want w[] = { { "SELECT 1;", 2, 2 } };

	(void)state;
	check_split("", NULL, 0);
	check_split(";;\n  ;\n-- only a comment\n/* and a block */", NULL, 0);
	check_split(";\nSELECT 1;\n-- trailing comment\n;", w, N(w));
	/* Python white space beyond ASCII is stripped as pgdbm does. */
	check_split("\xe3\x80\x80;\xc2\xa0", NULL, 0);
}

/*
 * A statement led by characters that Python strips (U+001C-U+001F, U+00A0,
 * U+3000) on a line of their own: the text starts after them, and so does
 * its first token's line (found by the fuzzer: "\x1d\nDROP ..." gave the
 * statement line 2 but its first token line 1).
 */
static void
test_split_stripped_lead_lines(void **state)
{
	static const struct want w[] = {
		{ "SELECT 1;", 1, 1 },
		{ "DROP TABLE y;", 2, 2 },
		{ "-- a comment\nSELECT 3;", 4, 5 },
		{ "SELECT 4;", 7, 7 },
	};

	(void)state;
	check_split("SELECT 1;\x1d\nDROP TABLE y;\x1c\x1f \n\n-- a comment\nSELECT 3;"
		    "\xc2\xa0\n\xe3\x80\x80\nSELECT 4;",
		    w, N(w));
}

static void
test_split_comments_attach(void **state)
{
	static const struct want w[] = {
		{ "SELECT 1;", 1, 1 },
		{ "-- about two; not a split\n/* block; */\nSELECT 2;", 1, 3 },
		{ "/* outer /* inner; */ still; */ SELECT 3;", 4, 4 },
	};

	(void)state;
	check_split("SELECT 1; -- about two; not a split\n/* block; */\nSELECT 2;\n"
		    "/* outer /* inner; */ still; */ SELECT 3;",
		    w, N(w));
}

static void
test_split_strings(void **state)
{
	static const struct want quotes[] = { { "SELECT 'a;b', 'it''s;';", 1, 1 },
					      { "SELECT 2;", 2, 2 } };
	static const struct want estr[] = { { "SELECT E'it\\'s; still', e'\\\\';", 1, 1 },
					    { "SELECT 2;", 1, 1 } };
	/* Outside E'', a backslash is an ordinary character. */
	static const struct want plain[] = { { "SELECT 'x\\';", 1, 1 }, { "SELECT 2;", 1, 1 } };
	static const struct want ident[] = { { "CREATE TABLE \"a;b\" (\"c\"\"d;\" int);", 1, 1 },
					     { "SELECT U&\"x;\", U&'y;';", 1, 1 } };

	(void)state;
	check_split("SELECT 'a;b', 'it''s;';\nSELECT 2;", quotes, N(quotes));
	check_split("SELECT E'it\\'s; still', e'\\\\';SELECT 2;", estr, N(estr));
	check_split("SELECT 'x\\';SELECT 2;", plain, N(plain));
	check_split("CREATE TABLE \"a;b\" (\"c\"\"d;\" int);SELECT U&\"x;\", U&'y;';", ident,
		    N(ident));
}

static void
test_split_dollar(void **state)
{
	static const struct want w[] = {
		{ "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;", 1, 1 },
		{ "DO $body$ BEGIN PERFORM 1; END $body$;", 2, 2 },
		{ "SELECT $a$ x $$ ; $$ y $a$;", 3, 3 },
		{ "SELECT a$$b, $1 FROM t;", 4, 4 },
		{ "SELECT $_t1$;$_t1$;", 5, 5 },
	};

	(void)state;
	check_split("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
		    "DO $body$ BEGIN PERFORM 1; END $body$;\n"
		    "SELECT $a$ x $$ ; $$ y $a$;\n"
		    "SELECT a$$b, $1 FROM t;\n"
		    "SELECT $_t1$;$_t1$;",
		    w, N(w));
}

static void
test_split_parens_and_atomic(void **state)
{
	static const struct want rule[] = {
		{ "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); "
		  "INSERT INTO b VALUES (2));",
		  1, 1 },
		{ "SELECT 1;", 1, 1 },
	};
	static const struct want atomic[] = {
		{ "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
		  "  SELECT CASE WHEN true THEN 1 END;\nEND;",
		  1, 1 },
		{ "create or replace procedure p() language sql begin atomic insert into t "
		  "values (1); end;",
		  6, 6 },
		{ "SELECT 2;", 7, 7 },
	};

	(void)state;
	check_split("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); "
		    "INSERT INTO b VALUES (2)); SELECT 1;",
		    rule, N(rule));
	check_split("CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
		    "  SELECT CASE WHEN true THEN 1 END;\nEND;\n"
		    "create or replace procedure p() language sql begin atomic insert into t "
		    "values (1); end;\nSELECT 2;",
		    atomic, N(atomic));
}

static void
test_split_unterminated(void **state)
{
	static const struct want str[] = { { "SELECT 'abc; SELECT 2;", 1, 1 } };
	static const struct want cmt[] = { { "SELECT 1;", 1, 1 } };
	static const struct want dol[] = { { "DO $$ BEGIN; END;", 1, 1 } };

	(void)state;
	check_split("SELECT 'abc; SELECT 2;", str, N(str));
	/* A comment with no statement after it is dropped with its region. */
	check_split("SELECT 1; /* open; SELECT 2;", cmt, N(cmt));
	check_split("DO $$ BEGIN; END;", dol, N(dol));
}

/* ------------------------------------------------------------------------
 * Classifier
 * ------------------------------------------------------------------------ */

struct verdict {
	const char *stmt;
	int version;
	const char *reason_has; /* NULL: must not be flagged */
};

static void
check_verdicts(const struct verdict *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *why = sqlsplit_tx_problem(v[i].stmt, v[i].version);

		if (v[i].reason_has == NULL && why != NULL)
			fail_msg("[%s] wrongly flagged: %s", v[i].stmt, why);
		if (v[i].reason_has != NULL && why == NULL)
			fail_msg("[%s] not flagged", v[i].stmt);
		if (v[i].reason_has != NULL && strstr(why, v[i].reason_has) == NULL)
			fail_msg("[%s]: reason [%s] lacks [%s]", v[i].stmt, why, v[i].reason_has);
	}
}

#define TX " cannot run inside a transaction block"

static void
test_classify_indexes(void **state)
{
	static const struct verdict v[] = {
		{ "CREATE INDEX CONCURRENTLY i ON t (a);", 150000, "CREATE INDEX CONCURRENTLY" TX },
		{ "create index concurrently i on t (a)", 150000, "CREATE INDEX CONCURRENTLY" },
		{ "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);", 150000,
		  "CREATE INDEX CONCURRENTLY" },
		{ "-- make it fast\n/* really */ CREATE INDEX CONCURRENTLY i ON t (a);", 150000,
		  "CREATE INDEX CONCURRENTLY" },
		{ "DROP INDEX CONCURRENTLY IF EXISTS i;", 150000, "DROP INDEX CONCURRENTLY" TX },
		{ "REINDEX INDEX CONCURRENTLY i;", 150000, "REINDEX ... CONCURRENTLY" TX },
		{ "reindex (verbose) table concurrently t", 150000, "REINDEX ... CONCURRENTLY" },
		{ "REINDEX (CONCURRENTLY) TABLE t", 150000, "REINDEX ... CONCURRENTLY" },
		{ "REINDEX (CONCURRENTLY true, VERBOSE) INDEX i", 150000, "CONCURRENTLY" },
		{ "REINDEX DATABASE app;", 150000, "REINDEX SCHEMA, DATABASE or SYSTEM" TX },
		{ "REINDEX SYSTEM app", 150000, "REINDEX SCHEMA, DATABASE or SYSTEM" },
		{ "REINDEX (VERBOSE) SCHEMA s", 150000, "REINDEX SCHEMA, DATABASE or SYSTEM" },
		{ "SELECT 'CREATE INDEX CONCURRENTLY';", 150000, NULL },
		{ "CREATE INDEX i ON t (a);", 150000, NULL },
		{ "CREATE INDEX \"concurrently\" ON t (a);", 150000, NULL },
		{ "DROP INDEX i;", 150000, NULL },
		{ "REINDEX TABLE t;", 150000, NULL },
		{ "REINDEX (VERBOSE) INDEX i", 150000, NULL },
		{ "REINDEX (CONCURRENTLY false) TABLE t", 150000, NULL },
		{ "REINDEX (CONCURRENTLY 'off') TABLE t", 150000, NULL },
		{ "REFRESH MATERIALIZED VIEW CONCURRENTLY mv;", 150000, NULL },
	};

	(void)state;
	check_verdicts(v, N(v));
}

static void
test_classify_maintenance(void **state)
{
	static const struct verdict v[] = {
		{ "VACUUM;", 150000, "VACUUM" TX },
		{ "vacuum (analyze) t", 150000, "VACUUM" TX },
		{ "VACUUM FULL ANALYZE t;", 150000, "VACUUM" TX },
		{ "CLUSTER;", 150000, "CLUSTER without a table name" TX },
		{ "CLUSTER VERBOSE", 150000, "CLUSTER without a table name" },
		{ "CLUSTER (VERBOSE);", 150000, "CLUSTER without a table name" },
		{ "ANALYZE t;", 150000, NULL },
		{ "CLUSTER t;", 150000, NULL },
		{ "CLUSTER VERBOSE t USING i;", 150000, NULL },
		{ "CLUSTER (VERBOSE) t;", 150000, NULL },
		{ "CLUSTER i ON t;", 150000, NULL },
		{ "DO $$ BEGIN PERFORM 1; VACUUM; END $$;", 150000, NULL },
		{ "/* VACUUM */ SELECT 1;", 150000, NULL },
		{ "-- VACUUM\nSELECT 1;", 150000, NULL },
		{ "\"VACUUM\";", 150000, NULL },
		{ "SELECT E'\\'; VACUUM';", 150000, NULL },
	};

	(void)state;
	check_verdicts(v, N(v));
}

static void
test_classify_cluster_objects(void **state)
{
	static const struct verdict v[] = {
		{ "CREATE DATABASE x;", 150000, "CREATE DATABASE" TX },
		{ "DROP DATABASE IF EXISTS x WITH (FORCE);", 150000, "DROP DATABASE" TX },
		{ "ALTER DATABASE app SET TABLESPACE fast;", 150000,
		  "ALTER DATABASE ... SET TABLESPACE" TX },
		{ "ALTER DATABASE app WITH TABLESPACE fast;", 150000, "SET TABLESPACE" },
		{ "alter database \"App\" tablespace fast;", 150000, "SET TABLESPACE" },
		{ "CREATE TABLESPACE ts LOCATION '/x';", 150000, "CREATE TABLESPACE" TX },
		{ "DROP TABLESPACE ts;", 150000, "DROP TABLESPACE" TX },
		{ "ALTER SYSTEM SET work_mem = '64MB';", 150000, "ALTER SYSTEM" TX },
		{ "ALTER SYSTEM RESET ALL", 150000, "ALTER SYSTEM" },
		{ "DISCARD ALL;", 150000, "DISCARD ALL" TX },
		{ "ALTER DATABASE app SET search_path TO app, public;", 150000, NULL },
		{ "ALTER DATABASE app SET default_tablespace = fast;", 150000, NULL },
		{ "ALTER DATABASE app RENAME TO tablespace;", 150000, NULL },
		{ "ALTER TABLESPACE ts OWNER TO bob;", 150000, NULL },
		{ "DISCARD PLANS;", 150000, NULL },
		{ "CREATE SCHEMA database;", 150000, NULL },
	};

	(void)state;
	check_verdicts(v, N(v));
}

static void
test_classify_versioned_and_partitions(void **state)
{
	static const struct verdict v[] = {
		{ "ALTER TYPE mood ADD VALUE 'meh';", 110000, "ALTER TYPE ... ADD VALUE" TX },
		{ "ALTER TYPE \"app\".mood ADD VALUE IF NOT EXISTS 'x' AFTER 'y';", 110022,
		  "before PostgreSQL 12" },
		{ "ALTER TYPE mood ADD VALUE 'meh';", 0, "ADD VALUE" },
		{ "ALTER TYPE mood ADD VALUE 'meh';", 120000, NULL },
		{ "ALTER TYPE mood ADD VALUE 'meh';", 170002, NULL },
		{ "ALTER TYPE mood RENAME VALUE 'a' TO 'b';", 110000, NULL },
		{ "ALTER TABLE m DETACH PARTITION m_2023 CONCURRENTLY;", 150000,
		  "DETACH PARTITION ... CONCURRENTLY" TX },
		{ "ALTER TABLE m DETACH PARTITION m_2023;", 150000, NULL },
		{ "ALTER TABLE m DETACH PARTITION m_2023 FINALIZE;", 150000, NULL },
		{ "ALTER TABLE concurrently ADD COLUMN x int;", 150000, NULL },
	};

	(void)state;
	check_verdicts(v, N(v));
}

static void
test_classify_subscriptions(void **state)
{
	static const struct verdict v[] = {
		{ "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p;", 150000,
		  "creates a replication slot" },
		{ "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot);",
		  150000, "replication slot" },
		{ "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (create_slot = true);",
		  150000, "replication slot" },
		{ "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (enabled = false);",
		  150000, "replication slot" },
		{ "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p "
		  "WITH (create_slot = false, slot_name = 's');",
		  150000, NULL },
		{ "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (connect = false);",
		  150000, NULL },
		{ "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (CREATE_SLOT = 'off');",
		  150000, NULL },
		{ "DROP SUBSCRIPTION IF EXISTS s;", 150000, "DROP SUBSCRIPTION" TX },
		{ "ALTER SUBSCRIPTION s REFRESH PUBLICATION;", 150000, "REFRESH PUBLICATION" },
		{ "ALTER SUBSCRIPTION s REFRESH PUBLICATION WITH (copy_data = false);", 150000,
		  "REFRESH PUBLICATION" },
		{ "ALTER SUBSCRIPTION s SET PUBLICATION p;", 150000, "SET/ADD/DROP PUBLICATION" },
		{ "ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (copy_data = false);", 150000,
		  "SET/ADD/DROP PUBLICATION" },
		{ "ALTER SUBSCRIPTION s SET (failover = true);", 150000, "replication slot" },
		{ "ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (refresh = false);", 150000, NULL },
		{ "ALTER SUBSCRIPTION s DROP PUBLICATION p WITH (refresh = off);", 150000, NULL },
		{ "ALTER SUBSCRIPTION s DISABLE;", 150000, NULL },
		{ "ALTER SUBSCRIPTION s SET (slot_name = NONE);", 150000, NULL },
		{ "ALTER SUBSCRIPTION s OWNER TO bob;", 150000, NULL },
	};

	(void)state;
	check_verdicts(v, N(v));
}

#define EARLY  "pgdbm's transaction early"
#define ATOMIC "ledger insert would no longer be atomic"

static void
test_classify_transaction_control(void **state)
{
	static const struct verdict v[] = {
		{ "BEGIN;", 150000, EARLY },
		{ "begin transaction isolation level serializable;", 150000, ATOMIC },
		{ "START TRANSACTION;", 150000, ATOMIC },
		{ "COMMIT;", 150000, "COMMIT would commit " EARLY },
		{ "commit and chain", 150000, ATOMIC },
		{ "END;", 150000, "END would commit " EARLY },
		{ "END TRANSACTION;", 150000, ATOMIC },
		{ "ROLLBACK;", 150000, "ROLLBACK would end " EARLY },
		{ "ROLLBACK AND CHAIN;", 150000, ATOMIC },
		{ "ROLLBACK WORK;", 150000, ATOMIC },
		{ "ABORT;", 150000, ATOMIC },
		{ "COMMIT PREPARED 'gid';", 150000, "COMMIT PREPARED" TX },
		{ "ROLLBACK PREPARED 'gid';", 150000, "ROLLBACK PREPARED" TX },
		{ "PREPARE TRANSACTION 'gid';", 150000, "PREPARE TRANSACTION would end " EARLY },
		{ "ROLLBACK TO SAVEPOINT x;", 150000, NULL },
		{ "ROLLBACK TO x;", 150000, NULL },
		{ "rollback work to savepoint x;", 150000, NULL },
		{ "ROLLBACK TRANSACTION TO SAVEPOINT x;", 150000, NULL },
		{ "SAVEPOINT x;", 150000, NULL },
		{ "RELEASE SAVEPOINT x;", 150000, NULL },
		{ "COMMENT ON TABLE t IS 'COMMIT';", 150000, NULL },
		{ "CREATE TABLE commit_log (id int);", 150000, NULL },
		{ "PREPARE q AS SELECT 1;", 150000, NULL },
		{ "ENDPOINT;", 150000, NULL },
		{ "", 150000, NULL },
	};

	(void)state;
	check_verdicts(v, N(v));
}

/* ------------------------------------------------------------------------
 * Whole-file scan
 * ------------------------------------------------------------------------ */

static void
test_scan_finds_first(void **state)
{
	struct sqlsplit_problem p;

	(void)state;
	assert_true(sqlsplit_scan_tx("CREATE TABLE t (id int);\n\n-- index it\n"
				     "CREATE INDEX CONCURRENTLY i ON t (id);\nVACUUM;\n",
				     150000, &p));
	assert_int_equal(p.index, 1);
	assert_int_equal(p.line, 4);
	assert_string_equal(p.text, "-- index it\nCREATE INDEX CONCURRENTLY i ON t (id);");
	assert_non_null(strstr(p.reason, "CREATE INDEX CONCURRENTLY"));
	sqlsplit_problem_free(&p);
	assert_null(p.text);

	assert_true(sqlsplit_scan_tx("CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n"
				     "COMMIT;\n",
				     150000, &p));
	assert_int_equal(p.index, 2);
	assert_int_equal(p.line, 3);
	assert_non_null(strstr(p.reason, ATOMIC));
	sqlsplit_problem_free(&p);
}

static void
test_scan_clean_files(void **state)
{
	static const char *const clean[] = {
		"SELECT 'VACUUM; COMMIT;';\nDO $$ BEGIN COMMIT; END $$;\nSELECT E'\\';VACUUM';",
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\nEND;\n",
		"CREATE TABLE t (id int);\n-- COMMIT;\n/* VACUUM; */\nSAVEPOINT a;\n"
		"ROLLBACK TO SAVEPOINT a;\n",
		"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(clean); i++) {
		struct sqlsplit_problem p;

		if (sqlsplit_scan_tx(clean[i], 150000, &p))
			fail_msg("[%s] flagged: %s", clean[i], p.reason);
		assert_null(p.text);
		assert_null(p.reason);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marker_found),
		cmocka_unit_test(test_marker_not_found),
		cmocka_unit_test(test_split_basic),
		cmocka_unit_test(test_split_drops_empty),
		cmocka_unit_test(test_split_comments_attach),
		cmocka_unit_test(test_split_stripped_lead_lines),
		cmocka_unit_test(test_split_strings),
		cmocka_unit_test(test_split_dollar),
		cmocka_unit_test(test_split_parens_and_atomic),
		cmocka_unit_test(test_split_unterminated),
		cmocka_unit_test(test_classify_indexes),
		cmocka_unit_test(test_classify_maintenance),
		cmocka_unit_test(test_classify_cluster_objects),
		cmocka_unit_test(test_classify_versioned_and_partitions),
		cmocka_unit_test(test_classify_subscriptions),
		cmocka_unit_test(test_classify_transaction_control),
		cmocka_unit_test(test_scan_finds_first),
		cmocka_unit_test(test_scan_clean_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
