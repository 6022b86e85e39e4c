/*
 * profile_keys: every key of a profile, as tables, innermost first.
 *
 * Each table row is one key: its name, its kind, the field it fills, its
 * range, whether it is required and its one line of documentation
 * (docs/profiles.md lists the same keys; test_profile checks that it does).
 * Each group adds the object's defaults (init) and the checks that need
 * several keys at once (finish: pool min against max, a module's schema
 * defaulting to its name, the tenants' prefix against their archive prefix,
 * conninfo against service, module schemas against the tenant prefix) or
 * several items of a list (check_item: a module name or schema used twice,
 * an application_name listed twice). Adding a key is adding a row.
 */
#include "config.h"

#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include "conninfo.h"
#include "ident.h"
#include "profile_int.h"
#include "xalloc.h"

#define MS_S	 1000
#define MS_M	 (60 * MS_S)
#define MS_H	 (60 * MS_M)
#define MS_D	 (24 * MS_H)
#define NO_COUNT 0
#define END_KEYS                                              \
	{                                                     \
		NULL, PK_STR, 0, 0, 0, 0, NULL, NULL, 0, NULL \
	}

static const struct pk pool_keys[] = {
	{ "min", PK_INT, offsetof(struct profile_pool, min), NO_COUNT, 0, 1000, NULL, NULL, 0,
	  "connections opened at start and kept open" },
	{ "max", PK_INT, offsetof(struct profile_pool, max), NO_COUNT, 1, 1000, NULL, NULL, 0,
	  "most connections the console opens to this database" },
	{ "acquire_timeout", PK_DURATION, offsetof(struct profile_pool, acquire_timeout_ms),
	  NO_COUNT, 1, MS_H, NULL, NULL, 0, "how long a request waits for a free connection" },
	{ "max_lifetime", PK_DURATION, offsetof(struct profile_pool, max_lifetime_ms), NO_COUNT, 0,
	  7 * (int64_t)MS_D, NULL, NULL, 0, "close connections older than this (0: never)" },
	{ "max_idle", PK_DURATION, offsetof(struct profile_pool, max_idle_ms), NO_COUNT, 0,
	  7 * (int64_t)MS_D, NULL, NULL, 0,
	  "close connections above min idle for longer than this (0: never)" },
	{ "health_check", PK_DURATION, offsetof(struct profile_pool, health_check_ms), NO_COUNT, 0,
	  MS_H, NULL, NULL, 0, "check idle connections this often (0: never)" },
	END_KEYS,
};

static void
pool_finish(struct pk_loader *ld, void *obj, const char *path, const struct pk_mark *marks,
	    const yaml_mark_t *here)
{
	struct profile_pool *pool = obj;

	if (pool->min > pool->max)
		profile_ld_error(ld, marks[0].seen ? &marks[0].at : here,
				 "%s: min (%d) is greater than max (%d)", path, pool->min,
				 pool->max);
}

static const struct pk_group pool_group = {
	"pool", sizeof(struct profile_pool), pool_keys, (size_t)-1, NULL, pool_finish, NULL,
};

static const struct pk module_keys[] = {
	{ "name", PK_IDENT, offsetof(struct profile_module, name), NO_COUNT, 0, 0, NULL, NULL,
	  PK_REQUIRED, "pgdbm module name (module_name in the ledger and the lock key)" },
	{ "schema", PK_SCHEMA, offsetof(struct profile_module, schema), NO_COUNT, 0, 0, NULL, NULL,
	  0, "schema the module's manager is bound to (default: the name)" },
	{ "migrations", PK_DIR, offsetof(struct profile_module, migrations), NO_COUNT, 0, 0, NULL,
	  NULL, PK_REQUIRED, "folder of the module's *.sql migration files" },
	{ "table", PK_SCHEMA, offsetof(struct profile_module, table), NO_COUNT, 0, 0, NULL, NULL, 0,
	  "ledger table name (default schema_migrations)" },
	END_KEYS,
};

static void
module_finish(struct pk_loader *ld, void *obj, const char *path, const struct pk_mark *marks,
	      const yaml_mark_t *here)
{
	struct profile_module *m = obj;
	const char *why;

	(void)here;
	if (m->schema == NULL && m->name != NULL) {
		why = ident_ledger_problem(m->name);
		if (why != NULL)
			profile_ld_error(
				ld, &marks[0].at,
				"%s.name: \"%s\" cannot double as the schema: it %s; give a "
				"schema key",
				path, m->name, why);
		else
			m->schema = xstrdup(m->name);
	}
	if (m->table == NULL)
		m->table = xstrdup("schema_migrations");
}

static void
module_check_item(struct pk_loader *ld, void *items, size_t i, const char *path,
		  const yaml_mark_t *mark)
{
	struct profile_module *v = items;
	size_t j;

	for (j = 0; j < i; j++) {
		if (v[i].name != NULL && v[j].name != NULL && strcmp(v[i].name, v[j].name) == 0)
			profile_ld_error(ld, mark,
					 "%s: module name \"%s\" is already used by item %zu", path,
					 v[i].name, j);
		else if (v[i].schema != NULL && v[j].schema != NULL &&
			 strcmp(v[i].schema, v[j].schema) == 0)
			profile_ld_error(
				ld, mark,
				"%s: schema \"%s\" is already used by module \"%s\" (one ledger "
				"per schema)",
				path, v[i].schema, v[j].name ? v[j].name : "?");
	}
}

static const struct pk_group module_group = {
	"module",
	sizeof(struct profile_module),
	module_keys,
	(size_t)-1,
	NULL,
	module_finish,
	module_check_item,
};

static const char *const on_failure_choices[] = { "stop", "continue", NULL };

static const struct pk tenants_keys[] = {
	{ "prefix", PK_PREFIX, offsetof(struct profile_tenants, prefix), NO_COUNT, 0, 0, NULL, NULL,
	  0, "schema name prefix; tenant ID lives in schema PREFIX + ID (default tenant_)" },
	{ "migrations", PK_DIR, offsetof(struct profile_tenants, migrations), NO_COUNT, 0, 0, NULL,
	  NULL, PK_REQUIRED, "folder of the tenant *.sql migration files" },
	{ "table", PK_SCHEMA, offsetof(struct profile_tenants, table), NO_COUNT, 0, 0, NULL, NULL,
	  0, "ledger table name in each tenant schema (default schema_migrations)" },
	{ "concurrency", PK_INT, offsetof(struct profile_tenants, concurrency), NO_COUNT, 1, 256,
	  NULL, NULL, 0, "tenants migrated at once during a fan-out (bounded by pool.max)" },
	{ "canaries", PK_INT, offsetof(struct profile_tenants, canaries), NO_COUNT, 0, 1000, NULL,
	  NULL, 0, "tenants migrated first, one by one; a failure stops the fan-out" },
	{ "on_failure", PK_ENUM, offsetof(struct profile_tenants, on_failure), NO_COUNT, 0, 0, NULL,
	  on_failure_choices, 0, "fan-out policy after a failure: stop or continue" },
	{ "registry", PK_QNAME, offsetof(struct profile_tenants, registry), NO_COUNT, 0, 0, NULL,
	  NULL, 0, "optional [schema.]table that records provisioned tenants" },
	{ "archive_prefix", PK_PREFIX, offsetof(struct profile_tenants, archive_prefix), NO_COUNT,
	  0, 0, NULL, NULL, 0, "schema prefix of archived tenants (default archived_)" },
	END_KEYS,
};

static void
tenants_init(struct profile_tenants *t)
{
	t->concurrency = 4;
	t->canaries = 1;
	t->on_failure = PROFILE_ON_FAILURE_STOP;
}

static void
tenants_finish(struct pk_loader *ld, void *obj, const char *path, const struct pk_mark *marks,
	       const yaml_mark_t *here)
{
	struct profile_tenants *t = obj;
	const yaml_mark_t *at;

	(void)here;
	t->present = true;
	if (t->prefix == NULL)
		t->prefix = xstrdup("tenant_");
	if (t->archive_prefix == NULL)
		t->archive_prefix = xstrdup("archived_");
	if (t->table == NULL)
		t->table = xstrdup("schema_migrations");
	if (ident_prefixes_overlap(t->prefix, t->archive_prefix)) {
		at = marks[7].seen ? &marks[7].at : marks[0].seen ? &marks[0].at : here;
		profile_ld_error(
			ld, at,
			"%s: archive_prefix \"%s\" and prefix \"%s\" overlap, so archived and "
			"live tenants could not be told apart",
			path, t->archive_prefix, t->prefix);
	}
}

static const struct pk_group tenants_group = {
	"tenants", sizeof(struct profile_tenants), tenants_keys, (size_t)-1, NULL, tenants_finish,
	NULL,
};

static const struct pk app_keys[] = {
	{ "application_name", PK_APPNAME, offsetof(struct profile_app, application_name), NO_COUNT,
	  0, 0, NULL, NULL, PK_REQUIRED,
	  "application_name the service's pool connects with (pgdbm: <schema>_pool)" },
	{ "pool_max", PK_INT, offsetof(struct profile_app, pool_max), NO_COUNT, 1, 100000, NULL,
	  NULL, PK_REQUIRED, "the max_connections of that service's pool" },
	END_KEYS,
};

static void
app_check_item(struct pk_loader *ld, void *items, size_t i, const char *path,
	       const yaml_mark_t *mark)
{
	struct profile_app *v = items;
	size_t j;

	for (j = 0; j < i; j++) {
		if (v[i].application_name != NULL && v[j].application_name != NULL &&
		    strcmp(v[i].application_name, v[j].application_name) == 0)
			profile_ld_error(ld, mark,
					 "%s: application_name \"%s\" is already listed (item %zu)",
					 path, v[i].application_name, j);
	}
}

static const struct pk_group app_group = {
	"app", sizeof(struct profile_app), app_keys, (size_t)-1, NULL, NULL, app_check_item,
};

static const struct pk alerts_keys[] = {
	{ "idle_in_transaction", PK_DURATION,
	  offsetof(struct profile_alerts, idle_in_transaction_ms), NO_COUNT, MS_S, MS_D, NULL, NULL,
	  0, "alert on a session idle in transaction for longer than this" },
	{ "waiting", PK_DURATION, offsetof(struct profile_alerts, waiting_ms), NO_COUNT, 0, MS_H,
	  NULL, NULL, 0, "alert on a session waiting for a lock for longer than this" },
	END_KEYS,
};

static const struct pk_group alerts_group = {
	"alerts", sizeof(struct profile_alerts), alerts_keys, (size_t)-1, NULL, NULL, NULL,
};

/* Indexes into database_keys used by database_finish for marks. */
enum {
	DBK_CONNINFO,
	DBK_SERVICE,
	DBK_APPNAME,
	DBK_READ_ONLY,
	DBK_POOL,
	DBK_WARN_AT,
	DBK_CONNECT_TIMEOUT,
	DBK_STATEMENT_TIMEOUT,
	DBK_LOCK_TIMEOUT,
	DBK_IDLE_TIMEOUT,
	DBK_ALERTS,
	DBK_MODULES,
	DBK_TENANTS,
	DBK_APPS,
	DBK_PGBOUNCER,
};

static const struct pk database_keys[] = {
	[DBK_CONNINFO] = { "conninfo", PK_CONNINFO, offsetof(struct profile_database, conninfo),
			   NO_COUNT, 0, 0, NULL, NULL, 0,
			   "libpq connection string or URI (default: libpq's PG* environment)" },
	[DBK_SERVICE] = { "service", PK_STR, offsetof(struct profile_database, service), NO_COUNT,
			  0, 0, NULL, NULL, 0,
			  "pg_service.conf service name, instead of conninfo" },
	[DBK_APPNAME] = { "application_name", PK_APPNAME,
			  offsetof(struct profile_database, application_name), NO_COUNT, 0, 0, NULL,
			  NULL, 0, "application_name of the console's own sessions" },
	[DBK_READ_ONLY] = { "read_only", PK_BOOL, offsetof(struct profile_database, read_only),
			    NO_COUNT, 0, 0, NULL, NULL, 0,
			    "no write action for this database (also when the profile says so)" },
	[DBK_POOL] = { "pool", PK_GROUP, offsetof(struct profile_database, pool), NO_COUNT, 0, 0,
		       &pool_group, NULL, 0, "the console's shared pool for this database" },
	[DBK_WARN_AT] = { "warn_at", PK_PERCENT, offsetof(struct profile_database, warn_at),
			  NO_COUNT, 10, 1000, NULL, NULL, 0,
			  "alert when connections reach this share of max_connections" },
	[DBK_CONNECT_TIMEOUT] = { "connect_timeout", PK_DURATION,
				  offsetof(struct profile_database, connect_timeout_ms), NO_COUNT,
				  100, 10 * MS_M, NULL, NULL, 0,
				  "give up a connection attempt after this" },
	[DBK_STATEMENT_TIMEOUT] = { "statement_timeout", PK_DURATION,
				    offsetof(struct profile_database, statement_timeout_ms),
				    NO_COUNT, 0, MS_D, NULL, NULL, 0,
				    "statement_timeout of the console's sessions (0: none)" },
	[DBK_LOCK_TIMEOUT] = { "lock_timeout", PK_DURATION,
			       offsetof(struct profile_database, lock_timeout_ms), NO_COUNT, 0,
			       MS_D, NULL, NULL, 0,
			       "lock_timeout of the console's sessions (0: none)" },
	[DBK_IDLE_TIMEOUT] = { "idle_in_transaction_timeout", PK_DURATION,
			       offsetof(struct profile_database, idle_in_transaction_timeout_ms),
			       NO_COUNT, 0, MS_D, NULL, NULL, 0,
			       "idle_in_transaction_session_timeout of the console's sessions" },
	[DBK_ALERTS] = { "alerts", PK_GROUP, offsetof(struct profile_database, alerts), NO_COUNT, 0,
			 0, &alerts_group, NULL, 0, "alert thresholds" },
	[DBK_MODULES] = { "modules", PK_LIST, offsetof(struct profile_database, modules),
			  offsetof(struct profile_database, n_modules), 0, 0, &module_group, NULL,
			  0, "service schemas and their migration folders" },
	[DBK_TENANTS] = { "tenants", PK_GROUP, offsetof(struct profile_database, tenants), NO_COUNT,
			  0, 0, &tenants_group, NULL, 0, "schema-per-tenant settings" },
	[DBK_APPS] = { "apps", PK_LIST, offsetof(struct profile_database, apps),
		       offsetof(struct profile_database, n_apps), 0, 0, &app_group, NULL, 0,
		       "application pools expected on this database" },
	[DBK_PGBOUNCER] = { "pgbouncer", PK_CONNINFO, offsetof(struct profile_database, pgbouncer),
			    NO_COUNT, 0, 0, NULL, NULL, 0,
			    "PgBouncer admin console connection string" },
	END_KEYS,
};

static void
database_init(void *obj, const void *parent)
{
	struct profile_database *db = obj;

	(void)parent;
	db->pool.min = 1;
	db->pool.max = 4;
	db->pool.acquire_timeout_ms = 5 * MS_S;
	db->pool.max_lifetime_ms = MS_H;
	db->pool.max_idle_ms = 10 * MS_M;
	db->pool.health_check_ms = 30 * MS_S;
	db->warn_at = 800;
	db->connect_timeout_ms = 5 * MS_S;
	db->statement_timeout_ms = 60 * MS_S;
	db->lock_timeout_ms = 5 * MS_S;
	db->idle_in_transaction_timeout_ms = 60 * MS_S;
	db->alerts.idle_in_transaction_ms = 30 * MS_S;
	db->alerts.waiting_ms = 5 * MS_S;
	tenants_init(&db->tenants);
}

static void
database_finish(struct pk_loader *ld, void *obj, const char *path, const struct pk_mark *marks,
		const yaml_mark_t *here)
{
	struct profile_database *db = obj;
	bool pw = false;
	char *err;
	size_t i;

	(void)here;
	if (db->conninfo != NULL && db->service != NULL)
		profile_ld_error(ld, &marks[DBK_SERVICE].at,
				 "%s: give either conninfo or service, not both", path);
	if (db->service != NULL) {
		char *ci = xasprintf("service=%s", db->service);

		/* only the syntax can be checked without connecting */
		err = conninfo_check(ci, &pw);
		if (err != NULL) {
			profile_ld_error(ld, &marks[DBK_SERVICE].at, "%s.service: %s", path, err);
			free(err);
		}
		/* from here on the connection is the service */
		free(db->conninfo);
		db->conninfo = ci;
	} else if (db->conninfo != NULL) {
		err = conninfo_check(db->conninfo, &pw);
		free(err);
		db->has_password = pw;
	}
	if (db->application_name == NULL)
		db->application_name = xstrdup(PROFILE_DEFAULT_APPNAME);
	if (db->tenants.present) {
		for (i = 0; i < db->n_modules; i++) {
			const char *s = db->modules[i].schema;

			if (s != NULL &&
			    strncmp(s, db->tenants.prefix, strlen(db->tenants.prefix)) == 0)
				profile_ld_error(
					ld, &marks[DBK_MODULES].at,
					"%s.modules[%zu]: schema \"%s\" starts with the tenant prefix "
					"\"%s\" and would be taken for a tenant",
					path, i, s, db->tenants.prefix);
		}
	}
}

static const struct pk_group database_group = {
	"database",    sizeof(struct profile_database),
	database_keys, offsetof(struct profile_database, label),
	database_init, database_finish,
	NULL,
};

enum {
	PK_TOP_NAME,
	PK_TOP_REFRESH,
	PK_TOP_READ_ONLY,
	PK_TOP_DATABASES
};

static const struct pk profile_keys[] = {
	[PK_TOP_NAME] = { "name", PK_STR, offsetof(struct profile, name), NO_COUNT, 0, 0, NULL,
			  NULL, 0, "display name (default: the file name without .yaml)" },
	[PK_TOP_REFRESH] = { "refresh", PK_DURATION, offsetof(struct profile, refresh_ms), NO_COUNT,
			     100, MS_H, NULL, NULL, 0, "how often the views refresh" },
	[PK_TOP_READ_ONLY] = { "read_only", PK_BOOL, offsetof(struct profile, read_only), NO_COUNT,
			       0, 0, NULL, NULL, 0,
			       "no write action anywhere; sessions are read-only server-side" },
	[PK_TOP_DATABASES] = { "databases", PK_DICT, offsetof(struct profile, databases),
			       offsetof(struct profile, n_databases), 0, 0, &database_group, NULL,
			       PK_REQUIRED, "database label -> database settings" },
	END_KEYS,
};

static void
profile_finish(struct pk_loader *ld, void *obj, const char *path, const struct pk_mark *marks,
	       const yaml_mark_t *here)
{
	struct profile *p = obj;
	size_t i;

	(void)path;
	if (marks[PK_TOP_DATABASES].seen && p->n_databases == 0)
		profile_ld_error(ld, &marks[PK_TOP_DATABASES].at,
				 "databases: expected at least one database");
	(void)here;
	for (i = 0; i < p->n_databases; i++) {
		struct profile_database *db = &p->databases[i];

		db->read_only = db->read_only || p->read_only;
	}
}

const struct pk_group profile_root_group = {
	"profile", sizeof(struct profile), profile_keys, (size_t)-1, NULL, profile_finish, NULL,
};
