/*
 * advisor_schemas: the advisor's rules about schemas and their ledgers.
 *
 * ledger-without-module: a pgdbm ledger (a table with pgdbm's ledger
 * columns) in a schema the profile has no module for, or tenant ledgers
 * without a tenants section. tenant-missing-migrations: tenant schemas are
 * grouped by the exact set of files their ledgers list (filesets); a set
 * that lacks files other tenants have is reported with some of its tenants
 * and, for each missing file, how many tenants have it.
 */
#include "config.h"

#include "advisor.h"

#include <stdlib.h>
#include <string.h>

#include "advisor_int.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

/* ---- ledger-without-module ---- */

void
adv_rule_orphan_ledgers(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	const struct profile_database *pdb = ev->pdb;
	size_t i, tenant_ledgers = 0;
	struct adv_finding *f;

	for (i = 0; i < ev->n_ledgers; i++) {
		const struct adv_ledger *l = &ev->ledgers[i];

		if (l->kind == ADV_SCHEMA_TENANT)
			tenant_ledgers++;
		if (l->kind != ADV_SCHEMA_OTHER)
			continue;
		f = adv_finding_add(
			j, ADV_WARNING, l->schema,
			xstrdup("Shared Pool with Schemas: \"# Each service gets its own "
				"schema\" ... \"# Run migrations for each service\" "
				"(AsyncMigrationManager(db, f\"migrations/{name}\", name))"),
			"pgdbm architecture decision tree, Shared Pool with Schemas",
			"schema %s has a pgdbm ledger but no module in the profile", l->schema);
		if (l->read)
			adv_finding_evidence(f, "%s.%s: %ld row%s, module%s %s%s%s", l->schema,
					     l->table, l->rows, l->rows == 1 ? "" : "s",
					     strchr(l->modules, ',') ? "s" : "",
					     l->modules[0] ? l->modules : "(none)",
					     l->last_applied[0] ? ", last applied " : "",
					     l->last_applied);
		else
			adv_finding_evidence(f, "%s.%s: %s", l->schema, l->table,
					     l->readable ? "not read"
							 : "not readable by this role");
		adv_finding_evidence(
			f,
			"the console shows and applies migrations only for the profile's "
			"modules: add { name: ..., schema: %s, migrations: ... }",
			l->schema);
	}
	if (tenant_ledgers > 0 && (pdb == NULL || !pdb->tenants.present)) {
		f = adv_finding_add(
			j, ADV_WARNING, NULL,
			xstrdup("Schema per Tenant: schema = f\"tenant_{tenant_id}\", migrated "
				"with AsyncMigrationManager(tenant_db, \"migrations/tenant\", "
				"f\"tenant_{tenant_id}\")"),
			"pgdbm architecture decision tree, Schema per Tenant",
			"%zu tenant schemas have ledgers but the profile has no tenants section",
			tenant_ledgers);
		adv_finding_evidence(f, "%ld schemas start with %s, %zu of them with a ledger",
				     ev->tenant_schemas, adv_tenant_prefix(pdb), tenant_ledgers);
		adv_finding_evidence(f,
				     "add tenants: { prefix: %s, migrations: ... } to follow them",
				     adv_tenant_prefix(pdb));
	}
}

/* ---- tenant-missing-migrations ---- */

void
adv_rule_tenants(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	char **all = NULL;
	size_t n_all = 0, i, k, m;
	long *have;
	long tenants = 0;

	for (i = 0; i < ev->n_filesets; i++) {
		tenants += ev->filesets[i].tenants;
		for (k = 0; k < ev->filesets[i].n_files; k++)
			strvec_add_unique(&all, &n_all, ev->filesets[i].files[k]);
	}
	if (n_all == 0 || tenants < 2) {
		strvec_free(&all, &n_all);
		return;
	}
	strvec_sort(all, n_all);
	have = xcalloc(n_all, sizeof *have);
	for (m = 0; m < n_all; m++) {
		for (i = 0; i < ev->n_filesets; i++) {
			for (k = 0; k < ev->filesets[i].n_files; k++) {
				if (strcmp(ev->filesets[i].files[k], all[m]) == 0)
					have[m] += ev->filesets[i].tenants;
			}
		}
	}
	for (i = 0; i < ev->n_filesets; i++) {
		const struct adv_fileset *fs = &ev->filesets[i];
		struct strbuf missing = STRBUF_INIT, names = STRBUF_INIT;
		size_t n_missing = 0, e;
		struct adv_finding *f;

		for (m = 0; m < n_all; m++) {
			bool own = false;

			for (k = 0; k < fs->n_files && !own; k++)
				own = strcmp(fs->files[k], all[m]) == 0;
			if (own)
				continue;
			strbuf_addf(&missing, "%s%s (in %ld of %ld tenants)", n_missing ? ", " : "",
				    all[m], have[m], tenants);
			n_missing++;
		}
		if (n_missing == 0) {
			strbuf_free(&missing);
			continue;
		}
		for (e = 0; e < fs->n_examples; e++)
			strbuf_addf(&names, "%s%s", e ? ", " : "", fs->examples[e]);
		if ((long)fs->n_examples < fs->tenants)
			strbuf_addf(&names, ", ... (%ld in all)", fs->tenants);
		f = adv_finding_add(
			j, ADV_WARNING, fs->n_examples == 1 ? fs->examples[0] : NULL,
			xstrdup("Schema per Tenant: provision_tenant() runs the tenant "
				"migrations (AsyncMigrationManager(tenant_db, "
				"\"migrations/tenant\", f\"tenant_{tenant_id}\")), so every "
				"tenant's ledger lists the same files"),
			"pgdbm architecture decision tree, Schema per Tenant",
			"%ld tenant schema%s lack%s %zu migration%s other tenants have",
			fs->tenants, fs->tenants == 1 ? "" : "s", fs->tenants == 1 ? "s" : "",
			n_missing, n_missing == 1 ? "" : "s");
		adv_finding_evidence(f, "%s: %s", fs->tenants == 1 ? "tenant" : "tenants",
				     strbuf_str(&names));
		if (fs->no_ledger)
			adv_finding_evidence(f, "no ledger table at all (%s.%s): never migrated",
					     fs->n_examples > 0 ? fs->examples[0] : "?",
					     ev->pdb != NULL && ev->pdb->tenants.present &&
							     ev->pdb->tenants.table
						     ? ev->pdb->tenants.table
						     : ADV_LEDGER_TABLE);
		else
			adv_finding_evidence(f, "their ledger lists %zu file%s", fs->n_files,
					     fs->n_files == 1 ? "" : "s");
		adv_finding_evidence(f, "missing: %s", strbuf_str(&missing));
		strbuf_free(&missing);
		strbuf_free(&names);
	}
	free(have);
	strvec_free(&all, &n_all);
}
