/*
 * ident: pgdbm's identifier rule and SQL identifier quoting.
 *
 * pgdbm accepts a schema, table or migrations-table name when it is 1 to 63
 * ASCII characters, starts with a letter or underscore and continues with
 * letters, digits and underscores. Python's "$" anchor lets one trailing
 * newline through; we reject it (see research/pgdbm.md section 2.4).
 *
 * pgdbm writes its ledger table name unquoted ("<schema>.schema_migrations"),
 * so a schema that owns a ledger must also read the same folded and unquoted:
 * lower case and not a PostgreSQL reserved keyword. ident_ledger_problem()
 * checks that stricter rule.
 *
 * A schema-name prefix (the tenants' prefix and archive prefix: schema =
 * prefix + tenant id) is written unquoted too, so it may hold only lower-case
 * letters, digits and underscores, starts like an identifier, and leaves
 * room for an id of at least one character. ident_prefix_problem() checks
 * that rule, which the profile loader and the wizard share.
 */
#ifndef PGDBM_IDENT_H
#define PGDBM_IDENT_H

#include <stdbool.h>
#include <stddef.h>

#define IDENT_MAX_LEN 63

/* NULL when s satisfies pgdbm's identifier rule, else a reason in English. */
const char *ident_problem(const char *s);

static inline bool
ident_valid(const char *s)
{
	return ident_problem(s) == NULL;
}

/* True for keywords PostgreSQL reserves (cannot name a schema unquoted). */
bool ident_is_reserved(const char *s);

/*
 * NULL when s can be written unquoted and mean itself (identifier rule,
 * lower case, not reserved), else ident_problem's reason, upper_why or
 * reserved_why: the caller says why it must be written unquoted.
 */
const char *ident_unquoted_problem(const char *s, const char *upper_why, const char *reserved_why);

/*
 * NULL when s can name a schema that holds a pgdbm ledger (identifier rule,
 * lower case, not reserved), else a reason in English.
 */
const char *ident_ledger_problem(const char *s);

/*
 * NULL when s can be a schema-name prefix (1 to 62 characters of a-z, 0-9
 * and _, starting with a letter or _), else a reason in English.
 */
const char *ident_prefix_problem(const char *s);

/*
 * True when one of two schema-name prefixes starts the other ("t" and
 * "tenant_"), so that names made with one could be taken for names made
 * with the other.
 */
bool ident_prefixes_overlap(const char *a, const char *b);

/* s as a double-quoted SQL identifier (quotes doubled); caller frees. */
char *ident_quote(const char *s);

/*
 * s as an SQL string literal, for a value in a script of several
 * statements, where the simple protocol takes no parameters: 'it''s', or
 * E'a\\b' when s holds a backslash (right whether or not the server has
 * standard_conforming_strings). Caller frees.
 */
char *ident_literal(const char *s);

#endif
