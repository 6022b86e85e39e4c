/*
 * advisor_pattern: which of the guide's patterns a database runs, from
 * its ledgers and the pools seen connected.
 *
 * Tenant ledgers make it Schema per Tenant; ledgers in two schemas other
 * than public, Shared Pool + Schemas; several modules or pools, Shared
 * Pool (one schema-bound service on app_pool too); one service and its
 * pool, Simple. With several databases in the profile the pattern is
 * Multiple Databases and this database's own layout is kept beside it.
 * Every line of evidence says what it was decided on.
 */
#include "config.h"

#include "advisor.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "advisor_int.h"
#include "strbuf.h"
#include "strvec.h"
#include "wizard.h"
#include "xalloc.h"

static void pattern_line(struct adv_pattern *p, const char *fmt, ...) ATTR_FORMAT(2, 3);

static void
pattern_line(struct adv_pattern *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strvec_vaddf(&p->evidence, &p->n_evidence, fmt, ap);
	va_end(ap);
}

void
adv_detect_pattern(const struct adv_evidence *ev, struct adv_pattern *p)
{
	struct strbuf services = STRBUF_INIT, pools = STRBUF_INIT;
	char **modules = NULL, **schemas = NULL;
	size_t n_modules = 0, n_schemas = 0, n_pools = 0, i, k;
	size_t tenant_ledgers = 0, nonpublic = 0;
	const char *only_pool = NULL, *only_schema = NULL;
	int local;

	memset(p, 0, sizeof *p);
	for (i = 0; i < ev->n_ledgers; i++) {
		const struct adv_ledger *l = &ev->ledgers[i];
		const char *mp, *comma;

		if (l->kind == ADV_SCHEMA_TENANT) {
			tenant_ledgers++;
			continue;
		}
		if (l->kind == ADV_SCHEMA_ARCHIVED)
			continue;
		if (strvec_add_unique(&schemas, &n_schemas, l->schema)) {
			strbuf_addf(&services, "%s%s", services.len ? ", " : "", l->schema);
			if (l->modules[0] != '\0' && strcmp(l->modules, l->schema) != 0)
				strbuf_addf(&services, " (module%s %s)",
					    strchr(l->modules, ',') ? "s" : "", l->modules);
			if (strcmp(l->schema, "public") != 0) {
				nonpublic++;
				only_schema = l->schema;
			}
		}
		for (mp = l->modules; *mp != '\0'; mp = *comma ? comma + 1 : comma) {
			char *name;

			comma = strchr(mp, ',');
			if (comma == NULL)
				comma = mp + strlen(mp);
			name = xstrndup(mp, (size_t)(comma - mp));
			if (strcmp(name, "(none)") != 0)
				strvec_add_unique(&modules, &n_modules, name);
			free(name);
		}
	}
	for (i = 0; i < ev->n_apps; i++) {
		char *stem = ev->apps[i].peak > 0 ? adv_pool_stem(ev, ev->apps[i].appname) : NULL;

		if (stem == NULL)
			continue;
		free(stem);
		strbuf_addf(&pools, "%s%s (up to %d)", n_pools ? ", " : "", ev->apps[i].appname,
			    ev->apps[i].peak);
		only_pool = ev->apps[i].appname;
		n_pools++;
	}

	if (tenant_ledgers > 0)
		local = WIZARD_TENANT_SCHEMAS;
	else if (nonpublic >= 2)
		local = WIZARD_SHARED_SCHEMAS;
	else if (n_modules >= 2 || n_pools >= 2)
		local = WIZARD_SHARED_POOL;
	else if (n_pools == 1 && strcmp(only_pool, "app_pool") == 0 && only_schema != NULL)
		local = WIZARD_SHARED_POOL;
	else if (n_schemas > 0 || n_pools > 0)
		local = WIZARD_SIMPLE;
	else
		local = -1;

	if (ev->n_profile_databases > 1) {
		struct strbuf labels = STRBUF_INIT;

		for (i = 0; i < ev->n_profile_databases; i++)
			strbuf_addf(&labels, "%s%s", i ? ", " : "", ev->profile_databases[i]);
		p->pattern = WIZARD_MULTIPLE_DBS;
		p->local = local;
		pattern_line(p, "the profile names %zu databases: %s", ev->n_profile_databases,
			     strbuf_str(&labels));
		strbuf_free(&labels);
	} else {
		p->pattern = local;
		p->local = -1;
	}
	p->id = p->pattern >= 0 ? wizard_pattern_id(p->pattern) : "unknown";
	p->name = p->pattern >= 0 ? wizard_pattern_name(p->pattern) : "not recognisable";
	p->local_name = p->local >= 0 ? wizard_pattern_name(p->local) : NULL;
	p->several_pools = n_pools >= 2;

	if (tenant_ledgers > 0 || ev->tenant_schemas > 0)
		pattern_line(p, "%ld tenant schema%s (prefix %s), %zu with a ledger",
			     ev->tenant_schemas, ev->tenant_schemas == 1 ? "" : "s",
			     adv_tenant_prefix(ev->pdb), tenant_ledgers);
	if (n_schemas > 0)
		pattern_line(p, "%zu schema%s with a pgdbm ledger%s: %s", n_schemas,
			     adv_plural((long)n_schemas),
			     tenant_ledgers > 0 ? " besides tenants" : "", strbuf_str(&services));
	else
		pattern_line(p, "no pgdbm ledger%s", tenant_ledgers > 0 ? " besides tenants" : "");
	if (n_modules > 0) {
		struct strbuf m = STRBUF_INIT;

		for (k = 0; k < n_modules; k++)
			strbuf_addf(&m, "%s%s", k ? ", " : "", modules[k]);
		pattern_line(p, "%zu module%s in those ledgers: %s", n_modules,
			     n_modules == 1 ? "" : "s", strbuf_str(&m));
		strbuf_free(&m);
	}
	if (n_pools == 0)
		pattern_line(p, "no pgdbm pool (<schema>_pool, app_pool or declared) connected "
				"during the window");
	else
		pattern_line(p, "%zu pgdbm pool%s connected: %s%s", n_pools,
			     n_pools == 1 ? "" : "s", strbuf_str(&pools),
			     n_pools >= 2 ? "; the guide's patterns share one pool per database"
					  : "");
	if (local == WIZARD_SHARED_POOL && n_modules < 2 && n_pools >= 2)
		pattern_line(p, "several services use this database, each with a pool of its "
				"own: the Shared Pool pattern's layout without its one pool");
	else if (local == WIZARD_SHARED_POOL && n_modules < 2)
		pattern_line(p, "one schema-bound service on app_pool, a pool made without a "
				"schema (create_shared_pool)");
	if (local == WIZARD_SIMPLE)
		pattern_line(p, "one service and its own pool");
	strbuf_free(&services);
	strbuf_free(&pools);
	strvec_free(&modules, &n_modules);
	strvec_free(&schemas, &n_schemas);
}
