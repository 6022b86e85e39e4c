/*
 * test_ident: pgdbm's identifier rule, the ledger rule and quoting.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

static void
test_rule_accepts(void **state)
{
	char name63[64];

	(void)state;
	memset(name63, 'a', 63);
	name63[63] = '\0';
	assert_true(ident_valid("users"));
	assert_true(ident_valid("_private"));
	assert_true(ident_valid("CamelCase"));
	assert_true(ident_valid("tenant_42"));
	assert_true(ident_valid("a"));
	assert_true(ident_valid(name63));
}

static void
test_rule_rejects(void **state)
{
	char name64[65];

	(void)state;
	memset(name64, 'a', 64);
	name64[64] = '\0';
	assert_non_null(strstr(ident_problem(name64), "longer than 63"));
	assert_non_null(strstr(ident_problem("1users"), "starts with a digit"));
	assert_non_null(strstr(ident_problem("us\xc3\xa9rs"), "non-ASCII"));
	assert_non_null(strstr(ident_problem("\xc3\xa9t\xc3\xa9"), "ASCII letter"));
	assert_non_null(strstr(ident_problem("users\n"), "white space"));
	assert_non_null(strstr(ident_problem("my users"), "white space"));
	assert_non_null(strstr(ident_problem("us\"ers"), "quote"));
	assert_non_null(strstr(ident_problem("us'ers"), "quote"));
	assert_non_null(strstr(ident_problem("user-svc"), "hyphen"));
	assert_non_null(strstr(ident_problem("a;drop"), "other than"));
	assert_non_null(strstr(ident_problem(""), "empty"));
	assert_non_null(strstr(ident_problem(NULL), "empty"));
	assert_false(ident_valid("-x"));
	assert_false(ident_valid("a.b"));
}

static void
test_ledger_rule(void **state)
{
	(void)state;
	assert_null(ident_ledger_problem("users"));
	assert_null(ident_ledger_problem("tenant_acme"));
	/* col_name keywords may name a schema unquoted */
	assert_null(ident_ledger_problem("int"));
	assert_non_null(strstr(ident_ledger_problem("CamelCase"), "upper case"));
	assert_non_null(strstr(ident_ledger_problem("user"), "reserved"));
	assert_non_null(strstr(ident_ledger_problem("select"), "reserved"));
	assert_non_null(strstr(ident_ledger_problem("authorization"), "reserved"));
	assert_non_null(strstr(ident_ledger_problem("1x"), "digit"));
	assert_true(ident_is_reserved("with"));
	assert_true(ident_is_reserved("all"));
	assert_false(ident_is_reserved("users"));
	assert_false(ident_is_reserved("WITH")); /* the caller folds first */
}

static void
test_quote(void **state)
{
	char *q;

	(void)state;
	q = ident_quote("users");
	assert_string_equal(q, "\"users\"");
	free(q);
	q = ident_quote("Camel");
	assert_string_equal(q, "\"Camel\"");
	free(q);
	q = ident_quote("a\"b");
	assert_string_equal(q, "\"a\"\"b\"");
	free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_accepts),
		cmocka_unit_test(test_rule_rejects),
		cmocka_unit_test(test_ledger_rule),
		cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
