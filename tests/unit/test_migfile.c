/*
 * test_migfile: migration folder discovery, version display, naming and
 * creation, on temporary folders.
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
#include <sys/stat.h>
#include <unistd.h>

#include "migfile.h"
#include "testutil.h"
#include "xalloc.h"

/* Each test gets a fresh folder in *state. */
static int
setup(void **state)
{
	char *dir = tu_mkdtemp();

	if (dir == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int
teardown(void **state)
{
	tu_rm_rf(*state);
	free(*state);
	return 0;
}

/* Write dir/rel with text (folders along rel must exist). */
static void
put(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);

	assert_int_equal(tu_write_file(path, text), 0);
	free(path);
}

static void
put_dir(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);

	assert_int_equal(mkdir(path, 0777), 0);
	free(path);
}

static void
check_names(const struct migfile_set *set, const char *const *want, size_t n)
{
	size_t i;

	if (set->n != n) {
		for (i = 0; i < set->n; i++)
			print_error("  found %s\n", set->v[i].name);
		fail_msg("%zu migrations, want %zu", set->n, n);
	}
	for (i = 0; i < n; i++)
		assert_string_equal(set->v[i].name, want[i]);
}

static struct migfile_set
scan_ok(const char *dir)
{
	struct migfile_set set;
	char *err = migfile_scan(dir, &set);

	if (err != NULL)
		fail_msg("scan failed: %s", err);
	return set;
}

/* The scan must fail with a message holding every fragment of want. */
static void
scan_fails(const char *dir, const char *const *want)
{
	struct migfile_set set;
	char *err = migfile_scan(dir, &set);

	if (err == NULL)
		fail_msg("scan of %s succeeded", dir);
	assert_int_equal(set.n, 0);
	assert_null(set.v);
	for (; *want != NULL; want++) {
		if (strstr(err, *want) == NULL)
			fail_msg("error [%s] lacks [%s]", err, *want);
	}
	free(err);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------
 * Discovery
 * ------------------------------------------------------------------------ */

static void
test_order_is_bytewise(void **state)
{
	const char *dir = *state;
	static const char *const want[] = { "001_x.sql", "10_a.sql", "9_a.sql",
					    "B.sql",	 "a.sql",    "\xc3\xa9.sql" };
	struct migfile_set set;

	put(dir, "9_a.sql", "SELECT 9;");
	put(dir, "a.sql", "SELECT 'a';");
	put(dir, "\xc3\xa9.sql", "SELECT 'e';");
	put(dir, "10_a.sql", "SELECT 10;");
	put(dir, "B.sql", "SELECT 'B';");
	put(dir, "001_x.sql", "SELECT 1;");
	set = scan_ok(dir);
	check_names(&set, want, N(want));
	assert_string_equal(set.folder, dir);
	migfile_set_free(&set);
	assert_null(set.v);
}

static void
test_skips_non_migrations(void **state)
{
	const char *dir = *state;
	static const char *const want[] = { "001_a.sql", "002_b.sql" };
	struct migfile_set set;

	put(dir, "001_a.sql", "SELECT 1;");
	put(dir, "002_b.sql", "SELECT 2;");
	put(dir, ".hidden.sql", "SELECT 0;");
	put(dir, ".sql", "SELECT 0;");
	put(dir, "notes.txt", "not SQL");
	put(dir, "003_upper.SQL", "SELECT 3;");
	put(dir, "004_c.sql.bak", "SELECT 4;");
	put(dir, "sql", "SELECT 5;");
	put_dir(dir, "005_folder.sql");
	put_dir(dir, "sub");
	put(dir, "sub/006_deep.sql", "SELECT 6;");
	put_dir(dir, "down");
	put(dir, "down/007_orphan.sql", "SELECT 7;");
	set = scan_ok(dir);
	check_names(&set, want, N(want));
	migfile_set_free(&set);
}

static void
test_symlinks(void **state)
{
	const char *dir = *state;
	char *outside = tu_mkdtemp(), *target, *link;
	static const char *const want_inside[] = { "001_real.sql", "002_link.sql" };
	static const char *const want_err[] = { "003_escape.sql", "outside the migration folder",
						NULL };
	struct migfile_set set;

	assert_non_null(outside);
	put(dir, "001_real.sql", "SELECT 1;");
	put_dir(dir, "shared");
	put(dir, "shared/two.sql", "SELECT 2;");
	/* A link to a file inside the folder is followed; its own name counts. */
	link = xasprintf("%s/002_link.sql", dir);
	assert_int_equal(symlink("shared/two.sql", link), 0);
	free(link);
	/* A dangling link is not a regular file: skipped, as pgdbm skips it. */
	link = xasprintf("%s/004_dangling.sql", dir);
	assert_int_equal(symlink("nowhere.sql", link), 0);
	free(link);
	set = scan_ok(dir);
	check_names(&set, want_inside, N(want_inside));
	assert_string_equal(set.v[1].up.text, "SELECT 2;");
	migfile_set_free(&set);

	put(outside, "x.sql", "DROP TABLE everything;");
	target = xasprintf("%s/x.sql", outside);
	link = xasprintf("%s/003_escape.sql", dir);
	assert_int_equal(symlink(target, link), 0);
	scan_fails(dir, want_err);
	free(target);
	free(link);
	tu_rm_rf(outside);
	free(outside);
}

/* The warning of set about name: "DIR/name: skipped: ..." holding why. */
static void
check_warning(const struct migfile_set *set, const char *dir, const char *name, const char *why)
{
	char *head = xasprintf("%s/%s: skipped: ", dir, name);
	size_t i, found = 0;

	for (i = 0; i < set->n_warnings; i++) {
		if (strncmp(set->warnings[i], head, strlen(head)) != 0)
			continue;
		found++;
		if (strstr(set->warnings[i], why) == NULL)
			fail_msg("warning [%s] lacks [%s]", set->warnings[i], why);
	}
	if (found != 1)
		fail_msg("%zu warnings about %s, want 1", found, name);
	free(head);
}

/* What pgdbm skips is skipped, but said: each *.sql entry that is not a migration. */
static void
test_skipped_entries_warn(void **state)
{
	const char *dir = *state;
	static const char *const want[] = { "001_a.sql" };
	struct migfile_set set;
	char *link;

	put(dir, "001_a.sql", "SELECT 1;");
	put(dir, ".002_hidden.sql", "SELECT 2;");
	put(dir, ".sql", "SELECT 0;");
	put_dir(dir, "shared");
	link = xasprintf("%s/003_dirlink.sql", dir);
	assert_int_equal(symlink("shared", link), 0);
	free(link);
	link = xasprintf("%s/004_broken.sql", dir);
	assert_int_equal(symlink("nowhere.sql", link), 0);
	free(link);
	put_dir(dir, "005_folder.sql");
	link = xasprintf("%s/006_loop.sql", dir);
	assert_int_equal(symlink("006_loop.sql", link), 0);
	free(link);
	/* pgdbm's *.sql is case-sensitive: an upper-case suffix does not count */
	put(dir, "007_upper.SQL", "SELECT 7;");
	put(dir, "008_mixed.Sql", "SELECT 8;");
	/* not candidates at all: no warning */
	put(dir, "notes.txt", "x");
	put(dir, ".gitkeep", "");
	put_dir(dir, "down");
	set = scan_ok(dir);
	check_names(&set, want, N(want));
	check_warning(&set, dir, ".002_hidden.sql", "a dot-file");
	check_warning(&set, dir, ".sql", "a dot-file");
	check_warning(&set, dir, "003_dirlink.sql", "a symlink to a folder");
	check_warning(&set, dir, "004_broken.sql", "a broken symlink (to nowhere.sql)");
	check_warning(&set, dir, "005_folder.sql", "a folder");
	check_warning(&set, dir, "006_loop.sql", "a symlink loop");
	check_warning(&set, dir, "007_upper.SQL", "only names ending in .sql (lower case)");
	check_warning(&set, dir, "008_mixed.Sql", "only names ending in .sql (lower case)");
	assert_int_equal(set.n_warnings, 8);
	/* in the order of the names, like the migrations */
	assert_non_null(strstr(set.warnings[0], "/.002_hidden.sql"));
	assert_non_null(strstr(set.warnings[5], "/006_loop.sql"));
	migfile_set_free(&set);
	assert_null(set.warnings);
	assert_int_equal(set.n_warnings, 0);

	/* a clean folder: none */
	tu_rm_rf(dir);
	assert_int_equal(mkdir(dir, 0777), 0);
	put(dir, "001_a.sql", "SELECT 1;");
	set = scan_ok(dir);
	assert_int_equal(set.n_warnings, 0);
	migfile_set_free(&set);
}

static void
test_empty_files(void **state)
{
	const char *dir = *state;
	struct migfile_set set;

	put(dir, "001_empty.sql", "");
	put(dir, "002_blank.sql", " \n\t\r\n\xc2\xa0\n");
	put(dir, "003_comment.sql", "-- only a comment\n");
	put(dir, "004_sql.sql", "\n\nSELECT 1;\n\n");
	set = scan_ok(dir);
	assert_int_equal(set.n, 4);
	assert_true(migfile_find(&set, "001_empty.sql")->empty);
	/* Python's white space, U+00A0 included, is white space */
	assert_true(migfile_find(&set, "002_blank.sql")->empty);
	/* a comment is not nothing: the server accepts it, pgdbm records it */
	assert_false(migfile_find(&set, "003_comment.sql")->empty);
	assert_false(migfile_find(&set, "004_sql.sql")->empty);
	migfile_set_free(&set);
}

static void
test_content_and_checksum(void **state)
{
	const char *dir = *state;
	struct migfile_set set;
	const struct migfile *m;

	put(dir, "001_crlf.sql", "CREATE TABLE a (id INT);\r\nCREATE TABLE b (id INT);\r\n");
	put(dir, "002_notx.sql",
	    "-- pgdbm:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n");
	put(dir, "003_marker_later.sql", "SELECT 1;\n  -- pgdbm:no-transaction\n");
	set = scan_ok(dir);
	assert_int_equal(set.n, 3);
	m = migfile_find(&set, "001_crlf.sql");
	assert_non_null(m);
	/* The text is what pgdbm executes: universal newlines applied. */
	assert_string_equal(m->up.text, "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n");
	assert_int_equal(m->up.len, strlen(m->up.text));
	/* research/pgdbm.md appendix C. */
	assert_string_equal(m->up.checksum,
			    "6571ca92f9f431d927759a6668356da26eb5d8b730b033f178b395f7989923ef");
	assert_false(m->no_transaction);
	assert_true(migfile_find(&set, "002_notx.sql")->no_transaction);
	assert_false(migfile_find(&set, "003_marker_later.sql")->no_transaction);
	assert_null(migfile_find(&set, "004_none.sql"));
	assert_non_null(strstr(m->up.path, "/001_crlf.sql"));
	migfile_set_free(&set);
}

static void
test_down_scripts(void **state)
{
	const char *dir = *state;
	struct migfile_set set;
	const struct migfile *m;

	put(dir, "001_a.sql", "CREATE TABLE a (id INT);");
	put(dir, "002_b.sql", "SELECT 1;");
	put_dir(dir, "down");
	put(dir, "down/001_a.sql", "DROP TABLE a;\r\n");
	set = scan_ok(dir);
	m = migfile_find(&set, "001_a.sql");
	assert_true(m->has_down);
	assert_string_equal(m->down.text, "DROP TABLE a;\n");
	assert_non_null(strstr(m->down.path, "/down/001_a.sql"));
	assert_int_equal(strlen(m->down.checksum), 64);
	assert_string_not_equal(m->down.checksum, m->up.checksum);
	m = migfile_find(&set, "002_b.sql");
	assert_false(m->has_down);
	assert_null(m->down.text);
	assert_null(m->down.path);
	migfile_set_free(&set);
}

static void
test_bad_files(void **state)
{
	const char *dir = *state;
	char *sub = xasprintf("%s/one", dir), *sub2 = xasprintf("%s/two", dir);
	char *sub3 = xasprintf("%s/three", dir);
	static const char *const utf8[] = { "002_bad.sql", "not valid UTF-8",	 "byte 18",
					    "line 2",	   "invalid start byte", NULL };
	static const char *const nul[] = { "001_nul.sql", "NUL", NULL };
	static const char *const down[] = { "down/001_a.sql", "not valid UTF-8", NULL };

	assert_int_equal(mkdir(sub, 0777), 0);
	put(sub, "001_ok.sql", "SELECT 1;");
	put(sub, "002_bad.sql", "SELECT 1;\nSELECT '\xff';");
	scan_fails(sub, utf8);

	assert_int_equal(mkdir(sub2, 0777), 0);
	{
		char *path = xasprintf("%s/001_nul.sql", sub2);
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		fwrite("SELECT 1;\0", 1, 10, f);
		fclose(f);
		free(path);
	}
	scan_fails(sub2, nul);

	assert_int_equal(mkdir(sub3, 0777), 0);
	put(sub3, "001_a.sql", "SELECT 1;");
	put_dir(sub3, "down");
	put(sub3, "down/001_a.sql", "\xc3(");
	scan_fails(sub3, down);
	free(sub);
	free(sub2);
	free(sub3);
}

static void
test_missing_folder(void **state)
{
	const char *dir = *state;
	char *missing = xasprintf("%s/gone", dir), *file = xasprintf("%s/file", dir);
	static const char *const gone[] = { "/gone", "No such file", NULL };
	static const char *const not_dir[] = { "/file", "not a folder", NULL };
	struct migfile_set set;

	scan_fails(missing, gone);
	put(dir, "file", "x");
	scan_fails(file, not_dir);
	/* An empty folder is fine and has no migrations. */
	set = scan_ok(dir);
	assert_int_equal(set.n, 0);
	migfile_set_free(&set);
	free(missing);
	free(file);
}

/* ------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------ */

static void
test_version(void **state)
{
	static const char *const v[][2] = {
		{ "001_create_users.sql", "001" },
		{ "20231225120000_x.sql", "20231225120000" },
		{ "V12__init.sql", "12" },
		{ "V1_x.sql", "V1_x" },
		{ "V__x.sql", "V__x" },
		{ "v2__x.sql", "v2__x" },
		{ "init.sql", "init" },
		{ "a.b.sql", "a" },
		{ "12.sql", "12" },
		{ "_1.sql", "_1" },
		{ "12a_x.sql", "12a_x" },
		{ "noext", "noext" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		char *got = migfile_version(v[i][0]);

		if (strcmp(got, v[i][1]) != 0)
			fail_msg("version of %s: %s, want %s", v[i][0], got, v[i][1]);
		free(got);
	}
}

static void
test_name_rule(void **state)
{
	static const char *const ok[] = { "add_users", "a", "2fa_codes", "_x_" };
	static const char *const bad[][2] = {
		{ "", "empty" },
		{ "Add_users", "upper case" },
		{ "add users", "white space" },
		{ "add-users", "other than a-z, 0-9 and _" },
		{ "a.b", "other than" },
		{ "caf\xc3\xa9", "other than" },
		{ "../x", "other than" },
	};
	char long_name[260];
	size_t i;

	(void)state;
	for (i = 0; i < N(ok); i++)
		assert_null(migfile_name_problem(ok[i]));
	for (i = 0; i < N(bad); i++) {
		const char *why = migfile_name_problem(bad[i][0]);

		assert_non_null(why);
		assert_non_null(strstr(why, bad[i][1]));
	}
	memset(long_name, 'a', 248);
	long_name[248] = '\0';
	assert_non_null(strstr(migfile_name_problem(long_name), "too long"));
	long_name[247] = '\0';
	assert_null(migfile_name_problem(long_name));
}

static void
expect_next(const char *dir, const char *name, const char *want)
{
	char *file = NULL, *err = migfile_next_name(dir, name, &file);

	if (err != NULL)
		fail_msg("next name: %s", err);
	assert_string_equal(file, want);
	free(file);
}

static void
test_next_name(void **state)
{
	const char *dir = *state;
	char *file = NULL, *err;

	expect_next(dir, "init", "001_init.sql");
	put(dir, "001_a.sql", "");
	put(dir, "002_b.sql", "");
	put(dir, "010_c.sql", "");
	expect_next(dir, "add_users", "011_add_users.sql");
	/* Only *.sql names count; names without a leading number do not. */
	put(dir, "500_notes.txt", "");
	put(dir, "V900__flyway.sql", "");
	put(dir, "readme.sql", "");
	expect_next(dir, "x", "011_x.sql");
	put(dir, "0999.sql", "");
	expect_next(dir, "x", "1000_x.sql");

	err = migfile_next_name(dir, "AddUsers", &file);
	assert_non_null(err);
	assert_null(file);
	assert_non_null(strstr(err, "\"AddUsers\""));
	assert_non_null(strstr(err, "upper case"));
	free(err);
}

/* ------------------------------------------------------------------------
 * Creating
 * ------------------------------------------------------------------------ */

static void
test_create(void **state)
{
	const char *dir = *state;
	char *up = NULL, *down = NULL, *text, *err;
	struct migfile_set set;

	setenv("TZ", "UTC", 1);
	tzset();
	/* 2026-01-17 11:18:00 UTC */
	err = migfile_create(dir, "add_users_2fa", (time_t)1768648680, &up, &down);
	if (err != NULL)
		fail_msg("create: %s", err);
	assert_non_null(strstr(up, "/001_add_users_2fa.sql"));
	assert_non_null(strstr(down, "/down/001_add_users_2fa.sql"));
	text = tu_read_file(up, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "-- Migration: 001_add_users_2fa.sql\n"));
	assert_non_null(strstr(text, "-- Created: 2026-01-17T11:18:00+00:00\n"));
	/* Title case as Python's str.title() gives it. */
	assert_non_null(strstr(text, "-- Description: Add Users 2Fa\n"));
	assert_non_null(strstr(text, "{{tables.name}}"));
	free(text);
	text = tu_read_file(down, NULL);
	assert_string_equal(text, "");
	free(text);
	free(up);
	free(down);

	/* The next one gets the next number; down_path may be NULL. */
	err = migfile_create(dir, "add_orders", (time_t)1768648680, &up, NULL);
	assert_null(err);
	assert_non_null(strstr(up, "/002_add_orders.sql"));
	free(up);

	set = scan_ok(dir);
	assert_int_equal(set.n, 2);
	assert_true(set.v[0].has_down);
	assert_int_equal(set.v[0].down.len, 0);
	assert_false(set.v[0].no_transaction);
	migfile_set_free(&set);
}

static void
test_create_refuses_overwrite(void **state)
{
	const char *dir = *state;
	char sentinel = 0, *up = &sentinel, *down = &sentinel, *err, *path;

	put(dir, "001_a.sql", "SELECT 1;");
	put_dir(dir, "down");
	put(dir, "down/002_b.sql", "DROP TABLE keep_me;");
	err = migfile_create(dir, "b", (time_t)0, &up, &down);
	assert_non_null(err);
	assert_non_null(strstr(err, "down/002_b.sql"));
	assert_non_null(strstr(err, "not overwriting"));
	assert_null(up);
	assert_null(down);
	free(err);
	/* Nothing left behind, nothing changed. */
	path = xasprintf("%s/002_b.sql", dir);
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	path = xasprintf("%s/down/002_b.sql", dir);
	up = tu_read_file(path, NULL);
	assert_string_equal(up, "DROP TABLE keep_me;");
	free(up);
	free(path);

	err = migfile_create(dir, "Bad-Name", (time_t)0, &up, NULL);
	assert_non_null(err);
	assert_null(up);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_is_bytewise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skips_non_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skipped_entries_warn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_and_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_scripts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_folder, setup, teardown),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_name_rule),
		cmocka_unit_test_setup_teardown(test_next_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refuses_overwrite, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
