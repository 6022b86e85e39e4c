/*
 * test_ident: pgdbm's identifier rule, the ledger rule, the schema-name
 * prefix rule (tenants) and quoting.
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

/* The rule the profile's tenant prefixes and the wizard's answer share. */
static void
test_prefix_rule(void **state)
{
	char name62[63], name63[64];

	(void)state;
	memset(name62, 'a', 62);
	name62[62] = '\0';
	memset(name63, 'a', 63);
	name63[63] = '\0';
	assert_null(ident_prefix_problem("tenant_"));
	assert_null(ident_prefix_problem("_t"));
	assert_null(ident_prefix_problem("t"));
	assert_null(ident_prefix_problem("t2_"));
	assert_null(ident_prefix_problem(name62));
	assert_string_equal(ident_prefix_problem(""), "is empty");
	assert_string_equal(ident_prefix_problem("Tenant_"),
			    "must start with a lower-case letter or underscore");
	assert_string_equal(ident_prefix_problem("1t"),
			    "must start with a lower-case letter or underscore");
	assert_string_equal(ident_prefix_problem(name63),
			    "is longer than 62 characters (a tenant id needs at least one)");
	assert_string_equal(ident_prefix_problem("tenAnt_"),
			    "may contain only a-z, 0-9 and _ (schema names are written unquoted)");
	assert_string_equal(ident_prefix_problem("t-"),
			    "may contain only a-z, 0-9 and _ (schema names are written unquoted)");
	assert_string_equal(ident_prefix_problem("t\xc3\xa9"),
			    "may contain only a-z, 0-9 and _ (schema names are written unquoted)");
	/* the length is checked before the characters */
	name63[10] = '-';
	assert_string_equal(ident_prefix_problem(name63),
			    "is longer than 62 characters (a tenant id needs at least one)");
}

static void
test_prefixes_overlap(void **state)
{
	(void)state;
	assert_true(ident_prefixes_overlap("tenant_", "tenant_"));
	assert_true(ident_prefixes_overlap("t", "tenant_"));
	assert_true(ident_prefixes_overlap("tenant_", "t"));
	assert_true(ident_prefixes_overlap("archived", "archived_"));
	assert_false(ident_prefixes_overlap("tenant_", "archived_"));
	assert_false(ident_prefixes_overlap("tenant_", "tenants"));
	assert_false(ident_prefixes_overlap("a_", "b_"));
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

/* A value in a script of several statements (no parameters there): a string literal. */
static void
test_literal(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "pgdbm_migration_app", "'pgdbm_migration_app'" },
		{ "", "''" },
		{ "it's", "'it''s'" },
		/* a backslash: an escape string, right whatever
		 * standard_conforming_strings says */
		{ "a\\b", "E'a\\\\b'" },
		{ "'\\'", "E'''\\\\'''" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *q = ident_literal(cases[i].in);

		assert_string_equal(q, cases[i].want);
		free(q);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_accepts),	 cmocka_unit_test(test_rule_rejects),
		cmocka_unit_test(test_ledger_rule),	 cmocka_unit_test(test_prefix_rule),
		cmocka_unit_test(test_prefixes_overlap), cmocka_unit_test(test_quote),
		cmocka_unit_test(test_literal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
