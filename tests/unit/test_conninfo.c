/*
 * test_conninfo: libpq connection strings (include/conninfo.h): what
 * libpq's own parser accepts and refuses, whether a string carries a
 * password, and the redacted form, which must never show one, in any of
 * the forms libpq takes it (password=, a URI's user:password@, the
 * password query parameter, percent-encoded), and which lists only what
 * the string itself sets; and libpq's messages about a string it refuses,
 * without the password they may quote.
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

/* ------------------------------------------------------------------------
 * libpq's messages about a string it refuses quote the string, or the
 * token it stumbled on, which may be the password: what conninfo returns
 * never holds it.
 * ------------------------------------------------------------------------ */

/* conninfo_check(s) refuses s with a message holding `want` and none of `secret`. */
static void
check_refused(const char *s, const char *want, const char *secret)
{
	bool pw = false;
	char *msg = conninfo_check(s, &pw);

	assert_non_null(msg);
	if (strstr(msg, want) == NULL || (secret != NULL && strstr(msg, secret) != NULL))
		fail_msg("conninfo_check(%s): \"%s\" (wanted \"%s\" without \"%s\")", s, msg, want,
			 secret != NULL ? secret : "");
	free(msg);
}

static void
test_check_accepts_and_flags(void **state)
{
	bool pw = true;

	(void)state;
	assert_null(conninfo_check("host=db dbname=x", &pw));
	assert_false(pw);
	assert_null(conninfo_check("postgresql://u:S3cretPW@db/x", &pw));
	assert_true(pw);
}

static void
test_check_redacts_uri(void **state)
{
	(void)state;
	/* libpq quotes the whole URI */
	check_refused("postgresql://u:S3cretPW@[::1:5432/db",
		      "IPv6 host address in URI: \"postgresql://u:********@[::1:5432/db\"",
		      "S3cretPW");
	/* ... or the token it could not decode: the password itself */
	check_refused("postgresql://u:S3cret%zzPW@h/db",
		      "invalid percent-encoded token: \"********\"", "S3cret");
	check_refused("postgres://u:S3cret%00PW@h/db", "forbidden value %00", "S3cret");
	/* a password in the query string */
	check_refused("postgresql://u@h/db?password=Qu%zzery1", "\"********\"", "Qu%zzery1");
	check_refused("postgresql://u@h/db?sslmode=x&password=Qu%zzery1&port=1", "********",
		      "Qu%zzery1");
	/* an '@' written raw in the password: libpq takes what follows for the host */
	check_refused("postgresql://u:pa@ss%zz@db/x",
		      "invalid percent-encoded token: \"********@db\"", "ss%zz");
	/* an '@' in the query, after the password or in a later value: the
	 * user information still ends before the query */
	check_refused("postgresql://u@h/db?password=p@ss%zzword", "invalid percent-encoded token",
		      "p@ss");
	check_refused("postgresql://u@h/db?password=p@ss%zzword", "invalid percent-encoded token",
		      "ss%zzword");
	check_refused("postgresql://u@h/db?password=Qu%zzery1&application_name=a@b", "********",
		      "Qu%zzery1");
	check_refused("postgresql://u:S3cret%zzPW@h/db?application_name=a@b",
		      "invalid percent-encoded token: \"********\"", "S3cret");
	/* no password: libpq's message as it is */
	check_refused("postgresql://u@[::1:5432/db",
		      "IPv6 host address in URI: \"postgresql://u@[::1:5432/db\"", NULL);
	/* a short password does not turn the rest of the message into asterisks */
	check_refused("postgresql://u:ab@[::1:5432/db", "when looking for matching", "u:ab@");
}

static void
test_check_redacts_keywords(void **state)
{
	(void)state;
	/* an unquoted password with a space: libpq trips on its second word */
	check_refused("host=h password=sec ret dbname=x", "missing \"=\" after \"********\"",
		      "\"ret\"");
	check_refused("host=h password = 'S3cret PW' bogus", "missing \"=\" after \"bogus\"",
		      "S3cret");
	check_refused("password='unterminated", "unterminated quoted string", NULL);
	/* a URI given as dbname= */
	check_refused("dbname='postgresql://u:S3cretPW@[::1/db' bogus", "bogus", "S3cretPW");
}

/*
 * A '/' written raw in a URI password: libpq ends the user information at
 * the first '/', so it reads no password at all and takes the pieces for
 * host, port and database name; they are the secret all the same.
 */
static void
test_redact_slash_in_uri_password(void **state)
{
	struct fixture *f = *state;
	const char *uri = "postgresql://app:Ab3xQ/Yz9q@db/x";
	bool pw = false;
	char *m;

	assert_lacks(redact(f, uri), "Ab3xQ");
	assert_lacks(redact(f, uri), "Yz9q");
	assert_null(conninfo_check(uri, &pw));
	assert_true(pw); /* the file holding it should be private all the same */
	m = conninfo_redact_message(
		uri, "invalid integer value \"Ab3xQ\" for connection option \"port\"");
	assert_lacks(m, "Ab3xQ");
	assert_contains(m, "for connection option \"port\"");
	free(m);
	m = conninfo_redact_message(uri, "could not translate host name \"app\" to address");
	assert_contains(m, "\"app\""); /* the user name is no secret */
	free(m);
}

static void
test_redact_uri_in_dbname(void **state)
{
	char *r;

	(void)state;
	r = conninfo_redact("host=db user=app password=S3cretPW dbname=x");
	assert_null(strstr(r, "S3cretPW"));
	assert_non_null(strstr(r, "password=********"));
	free(r);
	/* a URI as the dbname is shown without its password */
	r = conninfo_redact("dbname='postgresql://u:S3cretPW@h:5432/db?password=Other123'");
	assert_null(strstr(r, "S3cretPW"));
	assert_null(strstr(r, "Other123"));
	assert_non_null(strstr(r, "postgresql://u:********@h:5432/db"));
	free(r);
	r = conninfo_redact("dbname='host=h password=S3cretPW'");
	assert_null(strstr(r, "S3cretPW"));
	free(r);
}

static void
test_redact_message(void **state)
{
	char *m;

	(void)state;
	m = conninfo_redact_message(
		"postgresql://u:S3cretPW@h/db",
		"connection to \"postgresql://u:S3cretPW@h/db\" failed: \"S3cretPW!\" rejected");
	assert_string_equal(m, "connection to \"postgresql://u:********@h/db\" failed: "
			       "\"********!\" rejected");
	free(m);
	/* libpq's own words stay, even when the password is one of them */
	m = conninfo_redact_message("password=unterminated host=\"x",
				    "unterminated quoted string \"x\"");
	assert_string_equal(m, "unterminated quoted string \"x\"");
	free(m);
	/* the conninfo given as dbname to PQconnectStartParams and quoted there */
	m = conninfo_redact_message("dbname='postgresql://u:S3cretPW@[::1/db'",
				    "in URI: \"postgresql://u:S3cretPW@[::1/db\"");
	assert_string_equal(m, "in URI: \"postgresql://u:********@[::1/db\"");
	free(m);
	/* nothing to hide: the message as it is */
	m = conninfo_redact_message("host=h", "could not connect to \"h\"");
	assert_string_equal(m, "could not connect to \"h\"");
	free(m);
	m = conninfo_redact_message(NULL, "no conninfo");
	assert_string_equal(m, "no conninfo");
	free(m);
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
		cmocka_unit_test(test_check_accepts_and_flags),
		cmocka_unit_test(test_check_redacts_uri),
		cmocka_unit_test(test_check_redacts_keywords),
		cmocka_unit_test_setup_teardown(test_redact_slash_in_uri_password, setup, teardown),
		cmocka_unit_test(test_redact_uri_in_dbname),
		cmocka_unit_test(test_redact_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
