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
 * NULL when s can name a schema that holds a pgdbm ledger (identifier rule,
 * lower case, not reserved), else a reason in English.
 */
const char *ident_ledger_problem(const char *s);

/* s as a double-quoted SQL identifier (quotes doubled); caller frees. */
char *ident_quote(const char *s);

#endif
