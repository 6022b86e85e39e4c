/*
 * manager: a schema-bound handle on a database's shared pool, as pgdbm's
 * AsyncDatabaseManager(pool=..., schema=...) is.
 *
 * A manager renders pgdbm's placeholders ({{schema}}, {{tables.T}},
 * {{tables.S.T}}) for its schema before anything is sent, and rejects
 * invalid names at that point; values always travel as query parameters.
 * It also knows its pgdbm module name (the ledger's module_name and the
 * migration lock key) and where its ledger lives: <schema>.<table>, written
 * unquoted exactly as pgdbm writes it. A mixed-case schema is a valid
 * manager (its placeholders render quoted) but cannot hold a ledger, since
 * PostgreSQL folds the unquoted name: manager_ledger_problem() says so.
 *
 * Ownership: manager_new() returns a manager freed with manager_free(); the
 * pool must outlive it.
 */
#ifndef PGDBM_MANAGER_H
#define PGDBM_MANAGER_H

#include "pool.h"

struct manager {
	struct pool *pool;
	char *schema;	     /* never NULL: pgdbm's pool-bound managers default to public */
	char *module;	     /* ledger module_name; defaults to the schema */
	char *table;	     /* ledger table, default schema_migrations */
	char *ledger;	     /* "schema.table", unquoted like pgdbm's */
	char *lock_key_text; /* "pgdbm_migration_" || module */
};

/*
 * A manager for schema (NULL: public) with module and ledger table (NULL:
 * the schema and schema_migrations). Returns NULL with *error set (malloc'd)
 * when a name breaks pgdbm's rules.
 */
struct manager *manager_new(struct pool *pool, const char *schema, const char *module,
			    const char *table, char **error);
void manager_free(struct manager **m);

/* NULL when the manager's schema can hold a pgdbm ledger, else why (malloc'd). */
char *manager_ledger_problem(const struct manager *m);

/*
 * Render sql for this manager: NULL and *out on success, else the error
 * (and *line, when line is not NULL, the 1-based line it is about).
 */
char *manager_render(const struct manager *m, const char *sql, char **out, int *line);

#endif
