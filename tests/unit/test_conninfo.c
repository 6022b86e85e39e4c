/*
 * test_conninfo: libpq connection strings (include/conninfo.h): what
 * libpq's own parser accepts and refuses, whether a string carries a
 * password, and the redacted form, which must never show one, in any of
 * the forms libpq takes it (password=, a URI's user:password@, the
 * password query parameter, percent-encoded), and which lists only what
 * the string itself sets.
 *
 * The fixture in *state keeps every string a test gets back, so that the
 * teardown frees them even when an assertion fails, and restores the PG*
 * variables a test sets.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "conninfo.h"
#include "xalloc.h"

struct fixture {
	char *kept[32];
	size_t n_kept;
};

static const char *const env_vars[] = { "PGPASSWORD", "PGAPPNAME", "PGHOST", "PGSERVICE" };

static int
setup(void **state)
{
	size_t i;

	for (i = 0; i < sizeof env_vars / sizeof env_vars[0]; i++)
		unsetenv(env_vars[i]);
	*state = xcalloc(1, sizeof(struct fixture));
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < f->n_kept; i++)
		free(f->kept[i]);
	for (i = 0; i < sizeof env_vars / sizeof env_vars[0]; i++)
		unsetenv(env_vars[i]);
	free(f);
	return 0;
}

static char *
keep(struct fixture *f, char *s)
{
	assert_true(f->n_kept < sizeof f->kept / sizeof f->kept[0]);
	f->kept[f->n_kept++] = s;
	return s;
}

static const char *
redact(struct fixture *f, const char *s)
{
	char *r = conninfo_redact(s);

	assert_non_null(r);
	return keep(f, r);
}

/* conninfo_check() accepts s; returns whether it carries a password. */
static bool
accepted(struct fixture *f, const char *s)
{
	bool pw = true;
	char *err = conninfo_check(s, &pw);

	if (err != NULL) {
		keep(f, err);
		fail_msg("\"%s\" refused: %s", s, err);
	}
	return pw;
}

/* conninfo_check() refuses s; returns libpq's message. */
static const char *
refused(struct fixture *f, const char *s)
{
	bool pw = true;
	char *err = conninfo_check(s, &pw);
	size_t n;

	if (err == NULL)
		fail_msg("\"%s\" accepted", s);
	keep(f, err);
	assert_false(pw);
	n = strlen(err);
	assert_true(n > 0);
	/* libpq's trailing newline is gone */
	assert_true(err[n - 1] != '\n' && err[n - 1] != ' ');
	return err;
}

static void
assert_contains(const char *s, const char *part)
{
	if (strstr(s, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

static void
assert_lacks(const char *s, const char *part)
{
	if (strstr(s, part) != NULL)
		fail_msg("\"%s\" contains \"%s\"", s, part);
}

/* ------------------------------------------------------------------------
 * conninfo_check
 * ------------------------------------------------------------------------ */

static void
test_check_accepts(void **state)
{
	struct fixture *f = *state;

	assert_false(accepted(f, "host=/tmp port=5433 dbname=app user=u"));
	assert_false(accepted(f, "host=db dbname='my app' options='-c search_path=a'"));
	assert_false(accepted(f, "postgresql://app@db.example:5432/saas?sslmode=verify-full"));
	assert_false(accepted(f, "postgres://h1:5432,h2:5433/db?target_session_attrs=read-write"));
	assert_false(accepted(f, "service=prod"));
	assert_false(accepted(f, "postgresql://"));
	assert_false(accepted(f, ""));
}

static void
test_check_finds_passwords(void **state)
{
	struct fixture *f = *state;

	assert_true(accepted(f, "host=db password=secret"));
	assert_true(accepted(f, "password='with space' host=db"));
	assert_true(accepted(f, "postgresql://u:secret@db/app"));
	assert_true(accepted(f, "postgresql://u:p%40ss%20w@db/app"));
	assert_true(accepted(f, "postgresql://db/app?password=secret"));
	/* an empty password is no password */
	assert_false(accepted(f, "host=db password=''"));
	assert_false(accepted(f, "postgresql://u:@db/app"));
	/* PGPASSWORD is libpq's business, not the string's */
	setenv("PGPASSWORD", "from-env", 1);
	assert_false(accepted(f, "host=db"));
}

static void
test_check_errors_name_the_problem(void **state)
{
	struct fixture *f = *state;

	assert_contains(refused(f, "host"), "missing \"=\" after \"host\"");
	assert_contains(refused(f, "host=db passwd=x"), "invalid connection option \"passwd\"");
	assert_contains(refused(f, "host='db"), "unterminated quoted string");
	assert_contains(refused(f, "postgresql://db/app?nosuch=1"),
			"invalid URI query parameter: \"nosuch\"");
	assert_contains(refused(f, "postgresql://db/app?sslmode"), "sslmode");
}

/* ------------------------------------------------------------------------
 * conninfo_redact
 * ------------------------------------------------------------------------ */

static void
test_redact_keyword_string(void **state)
{
	struct fixture *f = *state;
	const char *r = redact(f, "host=db port=5432 user=app password=secret dbname=x");

	/* libpq's option order, every option the string sets */
	assert_string_equal(r, "user=app password=******** dbname=x host=db port=5432");
	r = redact(f, "host=db dbname=x");
	assert_string_equal(r, "dbname=x host=db");
}

static void
test_redact_password_forms(void **state)
{
	static const struct {
		const char *conninfo;
		const char *secret; /* what must not appear */
		const char *shown;  /* what must */
	} cases[] = {
		{ "host=db password=s3cret", "s3cret", "host=db" },
		{ "password='two words' host=db", "words", "host=db" },
		{ "password=it\\'s host=db", "it", "host=db" },
		{ "postgresql://app:s3cret@db:5433/x", "s3cret", "user=app" },
		{ "postgresql://app:s3cret@db:5433/x", "s3cret", "port=5433" },
		{ "postgres://db/x?password=s3cret&sslmode=require", "s3cret", "sslmode=require" },
		/* percent-encoded: neither the encoded nor the decoded form */
		{ "postgresql://app:p%40ss%20w@db/x", "p%40ss", "host=db" },
		{ "postgresql://app:p%40ss%20w@db/x", "p@ss", "dbname=x" },
		{ "postgresql://app:p%40ss%20w@db/x", "ss w", "user=app" },
		{ "postgresql://app:%73%33cret@db/x", "s3cret", "user=app" },
		/* both forms at once: the later one wins in libpq, neither is shown */
		{ "postgresql://app:first@db/x?password=second", "first", "password=********" },
		{ "postgresql://app:first@db/x?password=second", "second", "password=********" },
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *r = redact(f, cases[i].conninfo);

		assert_contains(r, "password=********");
		assert_lacks(r, cases[i].secret);
		assert_contains(r, cases[i].shown);
	}
}

static void
test_redact_decodes_uri_values(void **state)
{
	struct fixture *f = *state;

	/* the redacted form is the keyword form of what libpq understood */
	assert_string_equal(redact(f, "postgresql://us%65r@/app?host=/tmp"),
			    "user=user dbname=app host=/tmp");
	assert_string_equal(redact(f, "postgresql://h1:5432,h2:5433/db"),
			    "dbname=db host=h1,h2 port=5432,5433");
}

static void
test_redact_round_trips(void **state)
{
	static const struct {
		const char *keyword, *value;
	} want[] = {
		{ "dbname", "my app" },
		{ "host", "db" },
		{ "options", "-c search_path='a b'" },
		{ "application_name", "back\\slash" },
	};
	struct fixture *f = *state;
	const char *r = redact(
		f, "host=db dbname='my app' password=x "
		   "options='-c search_path=\\'a b\\'' application_name='back\\\\slash'");
	PQconninfoOption *opts, *o;
	char *err = NULL;
	size_t i, found = 0;

	/* values with spaces, quotes and backslashes come back quoted for libpq */
	opts = PQconninfoParse(r, &err);
	if (opts == NULL) {
		keep(f, xstrdup(err != NULL ? err : "?"));
		PQfreemem(err);
		fail_msg("libpq refuses the redacted form \"%s\"", r);
	}
	for (o = opts; o->keyword != NULL; o++) {
		for (i = 0; i < sizeof want / sizeof want[0]; i++) {
			if (strcmp(o->keyword, want[i].keyword) == 0) {
				assert_non_null(o->val);
				assert_string_equal(o->val, want[i].value);
				found++;
			}
		}
		if (strcmp(o->keyword, "password") == 0) {
			assert_non_null(o->val);
			assert_string_equal(o->val, "********");
		}
	}
	PQconninfoFree(opts);
	assert_int_equal(found, sizeof want / sizeof want[0]);
}

static void
test_redact_service(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(redact(f, "service=prod"), "service=prod");
	assert_string_equal(redact(f, "service=prod dbname=other"), "service=prod dbname=other");
}

static void
test_redact_lists_only_what_is_set(void **state)
{
	struct fixture *f = *state;

	/* no defaults: neither libpq's nor the environment's, no application_name */
	setenv("PGPASSWORD", "from-env", 1);
	setenv("PGAPPNAME", "from-env-app", 1);
	setenv("PGHOST", "env-host", 1);
	assert_string_equal(redact(f, "dbname=x"), "dbname=x");
	assert_string_equal(redact(f, "application_name=mine dbname=x"),
			    "dbname=x application_name=mine");
	assert_string_equal(redact(f, ""), "(libpq defaults from the environment)");
	assert_string_equal(redact(f, "postgresql://"), "(libpq defaults from the environment)");
}

static void
test_redact_invalid_shows_nothing(void **state)
{
	struct fixture *f = *state;

	/* a string libpq refuses is not echoed, password or not */
	assert_string_equal(redact(f, "password=s3cret host"), "(invalid connection string)");
	assert_string_equal(redact(f, "postgresql://app:s3cret@db/x?bogus=1"),
			    "(invalid connection string)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_accepts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_finds_passwords, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_errors_name_the_problem, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_redact_keyword_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redact_password_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redact_decodes_uri_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redact_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redact_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redact_lists_only_what_is_set, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_redact_invalid_shows_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
