/*
 * it_tenant: tenants against a real server: all-or-nothing provisioning,
 * invalid ids refused before any SQL, fan-out over 200 tenants with one
 * failing under both policies and a rerun, canaries, archive and restore,
 * the no-transaction path, and listing with batched queries.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "database.h"
#include "itutil.h"
#include "loop.h"
#include "migfile.h"
#include "msglog.h"
#include "pool.h"
#include "profile.h"
#include "tenant.h"
#include "testutil.h"
#include "xalloc.h"

struct env {
	struct loop *loop;
	struct msglog log;
	char *dir;
	struct profile *profile;
	struct database *db;
	struct migfile_set files;
	PGconn *check;
};

static void
put(struct env *e, const char *name, const char *text)
{
	char *path = xasprintf("%s/tenant/%s", e->dir, name);

	assert_int_equal(tu_write_file(path, text), 0);
	free(path);
}

static void
rescan(struct env *e)
{
	char *folder = xasprintf("%s/tenant", e->dir);

	migfile_set_free(&e->files);
	assert_null(migfile_scan(folder, &e->files));
	free(folder);
}

static void
open_db(struct env *e, const char *extra)
{
	struct profile_diags diags = { NULL, 0, 0 };
	char *text = xasprintf("databases:\n"
			       "  main:\n"
			       "    conninfo: \"\"\n"
			       "    pool: { min: 1, max: 6 }\n"
			       "    tenants:\n"
			       "      prefix: tenant_\n"
			       "      migrations: tenant\n"
			       "      concurrency: 4\n"
			       "      canaries: 0\n"
			       "      registry: public.it_tenants\n"
			       "%s",
			       extra);

	e->profile = profile_load_string(text, strlen(text), "it.yaml", e->dir, &diags);
	if (e->profile == NULL)
		fail_msg("profile: %s", diags.v[0].msg);
	profile_diags_free(&diags);
	free(text);
	e->db = database_open(e->loop, &e->profile->databases[0], &e->log, false);
}

static int
setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);
	char *folder;

	e->loop = loop_new();
	msglog_init(&e->log, 4000);
	e->dir = tu_mkdtemp();
	folder = xasprintf("%s/tenant", e->dir);
	mkdir(folder, 0755);
	free(folder);
	put(e, "001_projects.sql",
	    "CREATE TABLE {{tables.projects}} (id int PRIMARY KEY, name text);");
	put(e, "002_tasks.sql", "CREATE TABLE {{tables.tasks}} (id int PRIMARY KEY, project int);");
	rescan(e);
	open_db(e, "");
	e->check = it_connect();
	/* each test starts without tenants */
	it_cmd(e->check,
	       "DO $$ DECLARE s text; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE "
	       "nspname LIKE 'tenant\\_%' OR nspname LIKE 'archived\\_%' LOOP EXECUTE "
	       "format('DROP SCHEMA %I CASCADE', s); END LOOP; END $$");
	it_cmd(e->check, "DROP TABLE IF EXISTS public.it_tenants");
	it_cmd(e->check, "DROP SCHEMA IF EXISTS pgdbm_console CASCADE");
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	database_close(&e->db);
	profile_free(&e->profile);
	migfile_set_free(&e->files);
	PQfinish(e->check);
	loop_free(&e->loop);
	msglog_free(&e->log);
	tu_rm_rf(e->dir);
	free(e->dir);
	free(e);
	return 0;
}

static struct tenant_job *
run(struct env *e, enum tenant_job_kind kind, const struct tenant_job_opts *opts)
{
	struct tenant_job *job = tenant_job_start(kind, e->db, &e->files, opts, NULL, NULL, NULL);
	int64_t deadline = it_now_ms() + 120000;

	while (!tenant_job_progress(job)->finished && it_now_ms() < deadline)
		loop_run_once(e->loop, 100);
	assert_true(tenant_job_progress(job)->finished);
	return job;
}

static long long
count(struct env *e, const char *sql)
{
	return it_scalar(e->check, sql);
}

static const struct tenant_result *
result_of(struct tenant_job *job, const char *id)
{
	const struct tenant_result *r;
	size_t n, i;

	r = tenant_job_results(job, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(r[i].id, id) == 0)
			return &r[i];
	}
	fail_msg("no result for %s", id);
	return NULL;
}

/* Provision t001..tNNN. */
static void
provision_many(struct env *e, int n)
{
	char **ids = xcalloc((size_t)n, sizeof *ids);
	struct tenant_job_opts o;
	struct tenant_job *job;
	int i;

	for (i = 0; i < n; i++)
		ids[i] = xasprintf("t%03d", i + 1);
	tenant_job_opts_defaults(&o);
	o.ids = (const char *const *)ids;
	o.n_ids = (size_t)n;
	job = run(e, TENANT_JOB_PROVISION, &o);
	assert_null(tenant_job_error(job));
	assert_int_equal(tenant_job_progress(job)->done, n);
	tenant_job_free(&job);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* ------------------------------------------------------------------------ */

static void
test_ids_rejected_before_any_sql(void **state)
{
	struct env *e = *state;
	const struct profile_tenants *t = &e->profile->databases[0].tenants;
	static const char *const bad[] = {
		"it's",	  "a;drop", "two words", "Upper", "caf\xc3\xa9",
		"select", "user",   "",		 "a-b",	  "new\nline",
	};
	char id64[65];
	struct tenant_job_opts o;
	struct tenant_job *job;
	struct pool_stats before, after;
	size_t i;

	memset(id64, 'a', 64);
	id64[64] = '\0';
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *why = tenant_id_problem(t, bad[i]);

		if (why == NULL)
			fail_msg("id \"%s\" was accepted", bad[i]);
		free(why);
	}
	{
		char *why = tenant_id_problem(t, id64);

		assert_non_null(why);
		assert_non_null(strstr(why, "longer than 63"));
		free(why);
		why = tenant_id_problem(t, "it's");
		assert_non_null(strstr(why, "a quote"));
		free(why);
		why = tenant_id_problem(t, "select");
		assert_non_null(strstr(why, "reserved word"));
		free(why);
	}
	assert_null(tenant_id_problem(t, "acme_2"));

	/* a job given a bad id refuses before it sends anything */
	pool_stats(e->db->pool, &before);
	tenant_job_opts_defaults(&o);
	o.ids = bad;
	o.n_ids = 1;
	job = run(e, TENANT_JOB_PROVISION, &o);
	assert_non_null(tenant_job_error(job));
	assert_non_null(strstr(tenant_job_error(job), "quote"));
	tenant_job_free(&job);
	pool_stats(e->db->pool, &after);
	assert_int_equal(after.queries, before.queries);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant%'"),
			 0);
}

static void
test_provision_all_or_nothing(void **state)
{
	struct env *e = *state;
	static const char *const ids[] = { "acme", "globex" };
	struct tenant_job_opts o;
	struct tenant_job *job;
	const struct tenant_result *r;

	put(e, "003_broken.sql",
	    "CREATE TABLE {{tables.notes}} (id int);\n"
	    "INSERT INTO {{tables.notes}} VALUES (1);\n"
	    "SELECT no_such_column FROM {{tables.notes}};\n");
	rescan(e);
	tenant_job_opts_defaults(&o);
	o.ids = ids;
	o.n_ids = 2;
	job = run(e, TENANT_JOB_PROVISION, &o);
	assert_null(tenant_job_error(job));
	assert_int_equal(tenant_job_progress(job)->failed, 2);
	r = result_of(job, "acme");
	assert_int_equal(r->state, TENANT_FAILED);
	assert_non_null(strstr(r->error, "003_broken.sql:3"));
	assert_non_null(strstr(r->error, "no_such_column"));
	tenant_job_free(&job);
	/* no schema, no ledger rows, no registry row */
	assert_int_equal(count(e, "SELECT count(*) FROM pg_namespace WHERE nspname IN "
				  "('tenant_acme', 'tenant_globex')"),
			 0);
	assert_int_equal(count(e, "SELECT count(*) FROM public.it_tenants"), 0);

	/* fixed: both provisioned, with every ledger row, the registry and events */
	put(e, "003_broken.sql", "CREATE TABLE {{tables.notes}} (id int);\n");
	rescan(e);
	job = run(e, TENANT_JOB_PROVISION, &o);
	assert_int_equal(tenant_job_progress(job)->done, 2);
	tenant_job_free(&job);
	assert_int_equal(count(e, "SELECT count(*) FROM tenant_acme.schema_migrations WHERE "
				  "module_name = 'tenant_acme' AND execution_time_ms >= 1"),
			 3);
	assert_int_equal(count(e, "SELECT count(*) FROM public.it_tenants"), 2);
	assert_int_equal(count(e, "SELECT count(*) FROM pgdbm_console.events WHERE action = "
				  "'provision'"),
			 2);
	/* a second provision of the same id fails clearly and changes nothing */
	job = run(e, TENANT_JOB_PROVISION, &o);
	assert_int_equal(tenant_job_progress(job)->failed, 2);
	assert_non_null(strstr(result_of(job, "acme")->error, "already exists"));
	tenant_job_free(&job);
}

static void
test_provision_no_transaction_path(void **state)
{
	struct env *e = *state;
	static const char *const ids[] = { "cic_ok" };
	static const char *const ids2[] = { "cic_bad" };
	struct tenant_job_opts o;
	struct tenant_job *job;

	put(e, "003_index.sql",
	    "-- pgdbm:no-transaction\n"
	    "CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_p ON {{tables.tasks}} "
	    "(project);\n");
	rescan(e);
	tenant_job_opts_defaults(&o);
	o.ids = ids;
	o.n_ids = 1;
	job = run(e, TENANT_JOB_PROVISION, &o);
	assert_int_equal(tenant_job_progress(job)->done, 1);
	tenant_job_free(&job);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_indexes WHERE schemaname = "
				  "'tenant_cic_ok' AND indexname = 'tasks_p'"),
			 1);
	assert_int_equal(count(e, "SELECT count(*) FROM tenant_cic_ok.schema_migrations"), 3);

	/* failing on the step-by-step path: the schema is dropped */
	put(e, "004_bad.sql",
	    "-- pgdbm:no-transaction\n"
	    "CREATE INDEX CONCURRENTLY nope ON {{tables.tasks}} (no_such);\n");
	rescan(e);
	o.ids = ids2;
	job = run(e, TENANT_JOB_PROVISION, &o);
	assert_int_equal(tenant_job_progress(job)->failed, 1);
	assert_non_null(strstr(result_of(job, "cic_bad")->error, "004_bad.sql:2"));
	tenant_job_free(&job);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_namespace WHERE nspname = "
				  "'tenant_cic_bad'"),
			 0);
}

/* Make tenant t057 fail the next migration: its column exists already. */
static void
add_failing_migration(struct env *e)
{
	put(e, "003_extra.sql", "ALTER TABLE {{tables.tasks}} ADD COLUMN extra int;");
	rescan(e);
	it_cmd(e->check, "ALTER TABLE tenant_t057.tasks ADD COLUMN extra int");
}

static void
test_fanout_continue(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;
	const struct tenant_result *r;
	struct pool_stats st;
	size_t n, i;

	provision_many(e, 200);
	add_failing_migration(e);
	tenant_job_opts_defaults(&o);
	o.on_failure = PROFILE_ON_FAILURE_CONTINUE;
	o.on_failure_set = true;
	job = run(e, TENANT_JOB_MIGRATE, &o);
	assert_null(tenant_job_error(job));
	assert_int_equal(tenant_job_progress(job)->total, 200);
	assert_int_equal(tenant_job_progress(job)->done, 199);
	assert_int_equal(tenant_job_progress(job)->failed, 1);
	r = result_of(job, "t057");
	assert_int_equal(r->state, TENANT_FAILED);
	assert_non_null(strstr(r->error, "already exists"));
	assert_non_null(strstr(r->error, "003_extra.sql"));
	r = tenant_job_results(job, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(r[i].id, "t057") != 0)
			assert_int_equal(r[i].state, TENANT_OK);
	}
	tenant_job_free(&job);
	assert_int_equal(count(e, "SELECT count(*) FROM information_schema.columns WHERE "
				  "table_name = 'tasks' AND column_name = 'extra' AND table_schema "
				  "LIKE 'tenant\\_t%'"),
			 200);
	/* never more connections than the pool allows */
	pool_stats(e->db->pool, &st);
	assert_true(st.size <= 6);

	/* the rerun picks up exactly what is left */
	it_cmd(e->check, "ALTER TABLE tenant_t057.tasks DROP COLUMN extra");
	job = run(e, TENANT_JOB_MIGRATE, &o);
	assert_int_equal(tenant_job_progress(job)->done, 1);
	assert_int_equal(tenant_job_progress(job)->skipped, 199);
	assert_int_equal(result_of(job, "t057")->state, TENANT_OK);
	assert_string_equal(result_of(job, "t001")->error, "up to date");
	tenant_job_free(&job);
}

static void
test_fanout_stop(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;
	const struct tenant_result *r;
	size_t n, i, ok = 0;

	provision_many(e, 200);
	add_failing_migration(e);
	tenant_job_opts_defaults(&o);
	o.on_failure = PROFILE_ON_FAILURE_STOP;
	o.on_failure_set = true;
	job = run(e, TENANT_JOB_MIGRATE, &o);
	assert_true(tenant_job_progress(job)->stopped);
	assert_int_equal(tenant_job_progress(job)->failed, 1);
	assert_int_equal(result_of(job, "t057")->state, TENANT_FAILED);
	r = tenant_job_results(job, &n);
	for (i = 0; i < n; i++) {
		/* in-flight tenants finished; the rest never started */
		assert_int_not_equal(r[i].state, TENANT_RUNNING);
		assert_int_not_equal(r[i].state, TENANT_WAITING);
		if (r[i].state == TENANT_OK)
			ok++;
		if (r[i].state == TENANT_SKIPPED)
			assert_non_null(strstr(r[i].error, "stopped after a failure"));
	}
	assert_true(ok < 199);
	assert_int_equal(tenant_job_progress(job)->skipped, 200 - 1 - ok);
	tenant_job_free(&job);
	/* nothing new started after the failure: besides tenants already sent
	 * (at most one per other worker, concurrency 4), no tenant's transaction
	 * began after the failure was recorded (a ledger row's applied_at is its
	 * transaction's start; bulk fan-outs write apply events per batch) */
	assert_true(count(e,
			  "SELECT count(*) FROM pg_namespace n, "
			  "(SELECT at::timestamp AS t FROM pgdbm_console.events WHERE action = "
			  "'fail' AND module = 'tenant_t057') f "
			  "WHERE n.nspname LIKE 'tenant\\_t%' AND (xpath('/row/c/text()', "
			  "query_to_xml(format('SELECT count(*) AS c FROM %I.schema_migrations "
			  "WHERE filename = %L AND applied_at > %L', n.nspname, '003_extra.sql', "
			  "f.t), false, true, '')))[1]::text::int > 0") <= 3);
	/* every tenant migrated has its apply event */
	assert_int_equal(count(e, "SELECT count(*) FROM pgdbm_console.events WHERE action = "
				  "'apply' AND filename = '003_extra.sql'"),
			 (long long)ok);
	assert_int_equal(count(e, "SELECT count(*) FROM information_schema.columns WHERE "
				  "table_name = 'tasks' AND column_name = 'extra' AND table_schema "
				  "LIKE 'tenant\\_t%'"),
			 (long long)ok + 1);

	/* the rerun migrates exactly what is left */
	it_cmd(e->check, "ALTER TABLE tenant_t057.tasks DROP COLUMN extra");
	job = run(e, TENANT_JOB_MIGRATE, &o);
	assert_int_equal(tenant_job_progress(job)->done, 200 - ok);
	assert_int_equal(tenant_job_progress(job)->skipped, ok);
	assert_int_equal(tenant_job_progress(job)->failed, 0);
	tenant_job_free(&job);
}

static void
test_canary_failure_stops_all(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;

	provision_many(e, 10);
	put(e, "003_extra.sql", "ALTER TABLE {{tables.tasks}} ADD COLUMN extra int;");
	rescan(e);
	it_cmd(e->check, "ALTER TABLE tenant_t001.tasks ADD COLUMN extra int");
	tenant_job_opts_defaults(&o);
	o.canaries = 2;
	o.on_failure = PROFILE_ON_FAILURE_CONTINUE; /* a canary stops even "continue" */
	o.on_failure_set = true;
	job = run(e, TENANT_JOB_MIGRATE, &o);
	assert_int_equal(tenant_job_progress(job)->failed, 1);
	assert_int_equal(tenant_job_progress(job)->done, 0);
	assert_int_equal(tenant_job_progress(job)->skipped, 9);
	assert_true(result_of(job, "t001")->canary);
	tenant_job_free(&job);
}

/* Relations, columns, rows and ledger of a schema. */
static char *
snapshot(struct env *e, const char *schema)
{
	char *sql = xasprintf(
		"SELECT string_agg(x, ',' ORDER BY x) FROM (\n"
		" SELECT table_name || '.' || column_name || ':' || data_type AS x\n"
		" FROM information_schema.columns WHERE table_schema = '%s'\n"
		" UNION ALL SELECT 'row ' || id || name FROM %s.projects\n"
		" UNION ALL SELECT 'ledger ' || filename || checksum || module_name || applied_at\n"
		" FROM %s.schema_migrations) s",
		schema, schema, schema);
	char *v = it_string(e->check, sql);

	free(sql);
	return v;
}

static void
test_archive_restore_unchanged(void **state)
{
	struct env *e = *state;
	static const char *const ids[] = { "keep" };
	struct tenant_job_opts o;
	struct tenant_job *job;
	char *before, *after;

	tenant_job_opts_defaults(&o);
	o.ids = ids;
	o.n_ids = 1;
	job = run(e, TENANT_JOB_PROVISION, &o);
	tenant_job_free(&job);
	it_cmd(e->check, "INSERT INTO tenant_keep.projects VALUES (1, 'one'), (2, 'two')");
	before = snapshot(e, "tenant_keep");

	/* without the id typed back nothing happens */
	job = run(e, TENANT_JOB_ARCHIVE, &o);
	assert_non_null(strstr(tenant_job_error(job), "--confirm"));
	tenant_job_free(&job);
	o.confirmed = true;
	job = run(e, TENANT_JOB_ARCHIVE, &o);
	assert_int_equal(tenant_job_progress(job)->done, 1);
	tenant_job_free(&job);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_namespace WHERE nspname = "
				  "'archived_keep'"),
			 1);
	assert_int_equal(count(e, "SELECT count(*) FROM public.it_tenants WHERE id = 'keep' AND "
				  "status = 'archived'"),
			 1);

	job = run(e, TENANT_JOB_RESTORE, &o);
	assert_int_equal(tenant_job_progress(job)->done, 1);
	tenant_job_free(&job);
	after = snapshot(e, "tenant_keep");
	assert_string_equal(before, after);
	assert_int_equal(count(e, "SELECT count(*) FROM public.it_tenants WHERE id = 'keep' AND "
				  "status = 'active'"),
			 1);

	/* drop: gone, registry row gone, recorded */
	job = run(e, TENANT_JOB_DROP, &o);
	assert_int_equal(tenant_job_progress(job)->done, 1);
	tenant_job_free(&job);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '%keep'"),
			 0);
	assert_int_equal(count(e, "SELECT count(*) FROM public.it_tenants"), 0);
	assert_int_equal(count(e, "SELECT count(*) FROM pgdbm_console.events WHERE module = "
				  "'tenant_keep' AND action IN ('archive', 'restore', 'drop')"),
			 3);
	free(before);
	free(after);
}

static void
test_list_batched(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;
	struct tenant_list *l;
	struct pool_stats before, after;
	size_t i;

	provision_many(e, 200);
	put(e, "003_more.sql", "CREATE TABLE {{tables.more}} (x int);");
	rescan(e);
	it_cmd(e->check, "UPDATE tenant_t010.schema_migrations SET checksum = 'x' WHERE filename "
			 "= '001_projects.sql'");
	tenant_job_opts_defaults(&o);
	job = run(e, TENANT_JOB_LIST, &o);
	tenant_job_free(&job);
	pool_stats(e->db->pool, &before);
	job = run(e, TENANT_JOB_LIST, &o);
	pool_stats(e->db->pool, &after);
	/* the catalog once, the 200 ledgers in one chunk */
	assert_int_equal(after.queries - before.queries, 2);
	l = tenant_job_list(job);
	assert_non_null(l);
	assert_int_equal(l->n, 200);
	for (i = 0; i < l->n; i++) {
		const struct tenant_info *t = &l->v[i];

		assert_int_equal(t->pending, 1);
		assert_int_equal(t->applied + t->drifted, 2);
		assert_true(t->size_bytes > 0);
		assert_string_equal(t->last_file, "002_tasks.sql");
		if (strcmp(t->id, "t010") == 0)
			assert_int_equal(t->drifted, 1);
	}
	tenant_list_filter(l, "t01", NULL);
	assert_int_equal(l->n, 10);
	tenant_list_filter(l, NULL, "drifted");
	assert_int_equal(l->n, 1);
	tenant_job_free(&job);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ids_rejected_before_any_sql, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provision_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provision_no_transaction_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fanout_continue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fanout_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_canary_failure_stops_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_restore_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_batched, setup, teardown),
	};

	it_require_server();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
