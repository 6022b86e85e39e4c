/*
 * manager: schema-bound rendering and ledger naming on a shared pool.
 * See include/manager.h.
 */
#include "config.h"

#include "manager.h"

#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "tmpl.h"
#include "xalloc.h"

struct manager *
manager_new(struct pool *pool, const char *schema, const char *module, const char *table,
	    char **error)
{
	struct manager *m;
	const char *why;

	*error = NULL;
	if (schema == NULL)
		schema = "public";
	if (module == NULL)
		module = schema;
	if (table == NULL)
		table = "schema_migrations";
	if ((why = ident_problem(schema)) != NULL) {
		*error = xasprintf("schema \"%s\" %s", schema, why);
		return NULL;
	}
	if ((why = ident_problem(module)) != NULL) {
		*error = xasprintf("module name \"%s\" %s", module, why);
		return NULL;
	}
	if ((why = ident_ledger_problem(table)) != NULL) {
		*error = xasprintf("ledger table \"%s\" %s", table, why);
		return NULL;
	}
	m = xcalloc(1, sizeof *m);
	m->pool = pool;
	m->schema = xstrdup(schema);
	m->module = xstrdup(module);
	m->table = xstrdup(table);
	m->ledger = xasprintf("%s.%s", schema, table);
	m->lock_key_text = xasprintf("pgdbm_migration_%s", module);
	return m;
}

void
manager_free(struct manager **mp)
{
	struct manager *m = *mp;

	if (m == NULL)
		return;
	free(m->schema);
	free(m->module);
	free(m->table);
	free(m->ledger);
	free(m->lock_key_text);
	free(m);
	*mp = NULL;
}

char *
manager_ledger_problem(const struct manager *m)
{
	const char *why = ident_ledger_problem(m->schema);

	if (why != NULL)
		return xasprintf("schema \"%s\" cannot hold a pgdbm ledger: it %s", m->schema, why);
	return NULL;
}

char *
manager_render(const struct manager *m, const char *sql, char **out, int *line)
{
	int ignored = 0;

	return tmpl_render(sql, m->schema, out, line != NULL ? line : &ignored);
}
