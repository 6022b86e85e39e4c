/*
 * test_conninfo: connection strings checked and shown without their password.
 *
 * libpq's own messages about a string it rejects quote the string, or the
 * token it stumbled on, which may be the password: what conninfo returns
 * never holds it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "conninfo.h"

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
test_check_accepts(void **state)
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

static void
test_redact(void **state)
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
		cmocka_unit_test(test_check_accepts),
		cmocka_unit_test(test_check_redacts_uri),
		cmocka_unit_test(test_check_redacts_keywords),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_redact_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
