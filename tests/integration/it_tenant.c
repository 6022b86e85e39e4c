/*
 * it_tenant: tenants against a real server: all-or-nothing provisioning,
 * invalid ids refused before any SQL, fan-out over 200 tenants with one
 * failing under both policies and a rerun, canaries, archive and restore,
 * the no-transaction path, and listing with batched queries.
 *
 * Fan-outs under faults: worker connections terminated mid-run, the
 * server stopped and started again mid-run, COMMITs whose answer never
 * reaches the console (a synchronous standby that does not exist keeps
 * them waiting after they committed locally; the waiting backends are then
 * terminated): the report must say what the ledgers hold, every applied
 * file must have its event, and tenants never started must be retried.
 * Also --concurrency honoured with a tenant's lock held only while it
 * runs, canaries picked among tenants with pending work, two fan-outs at
 * once, and a failing line found from the one run of the file.
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
	bool syncrep; /* the cluster's commit settings were changed: undo them */
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
	it_cmd(e->check, "DROP TABLE IF EXISTS public.it_committed");
	it_cmd(e->check, "CREATE TABLE public.it_committed (s text)");
	/* whether tenant_ID's ledger holds a file */
	it_cmd(e->check,
	       "CREATE OR REPLACE FUNCTION public.it_ledger_has(s text, f text) RETURNS int\n"
	       "LANGUAGE plpgsql AS $$ DECLARE n int; BEGIN\n"
	       "  EXECUTE format('SELECT count(*) FROM %I.schema_migrations WHERE filename = %L',\n"
	       "    s, f) INTO n; RETURN n; END $$");
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	if (e->syncrep) {
		PQreset(e->check);
		it_release_commits(e->check);
	}
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

static bool
job_finished(void *arg)
{
	return tenant_job_progress(arg)->finished;
}

static void
wait_job(struct env *e, struct tenant_job *job)
{
	it_run_until(e->loop, job_finished, job, 120000);
}

static struct tenant_job *
run(struct env *e, enum tenant_job_kind kind, const struct tenant_job_opts *opts)
{
	struct tenant_job *job = tenant_job_start(kind, e->db, &e->files, opts, NULL, NULL, NULL);

	wait_job(e, job);
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

/* ------------------------------------------------------------------------
 * Fan-outs under faults
 * ------------------------------------------------------------------------ */

enum fault_kind {
	FAULT_TERMINATE,  /* pg_terminate_backend every connection of the console */
	FAULT_STOP_START, /* stop the server, start it again a second later */
	FAULT_SYNCREP,	  /* terminate the backends whose COMMIT waits for a standby */
};

/* Fires once `min_committed` tenants committed the slow file and one sleeps in it. */
struct fault {
	struct env *e;
	enum fault_kind kind;
	long long min_committed;
	int64_t started_ms;
	bool fired, restarted;
	long long hit; /* backends terminated */
	struct loop_timer *timer;
};

static void fault_tick(struct loop *loop, void *arg);

static void
fault_restart(struct loop *loop, void *arg)
{
	struct fault *f = arg;

	(void)loop;
	f->timer = NULL;
	assert_int_equal(it_server_ctl("start"), 0);
	PQreset(f->e->check);
	assert_int_equal(PQstatus(f->e->check), CONNECTION_OK);
	f->restarted = true;
}

static void
fault_tick(struct loop *loop, void *arg)
{
	struct fault *f = arg;
	struct env *e = f->e;

	f->timer = NULL;
	if (f->kind == FAULT_SYNCREP) {
		long long waiting = count(e, "SELECT count(*) FROM pg_stat_activity WHERE "
					     "wait_event = 'SyncRep'");

		/* both workers waiting, or one for a while */
		if (waiting >= 2 || (waiting >= 1 && it_now_ms() - f->started_ms > 3000)) {
			f->hit = count(e, "SELECT count(pg_terminate_backend(pid)) FROM "
					  "pg_stat_activity WHERE wait_event = 'SyncRep'");
			it_release_commits(e->check);
			e->syncrep = false;
			f->fired = true;
			return;
		}
	} else if (count(e, "SELECT count(*) FROM public.it_committed") >= f->min_committed &&
		   count(e, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
			    "'pgdbm-console' AND wait_event = 'PgSleep'") > 0) {
		f->fired = true;
		if (f->kind == FAULT_TERMINATE) {
			f->hit = count(e, "SELECT count(pg_terminate_backend(pid)) FROM "
					  "pg_stat_activity WHERE application_name = "
					  "'pgdbm-console'");
			return;
		}
		assert_int_equal(it_server_ctl("stop"), 0);
		f->timer = loop_timer_add(loop, 1000, 0, fault_restart, f);
		return;
	}
	f->timer = loop_timer_add(loop, 20, 0, fault_tick, f);
}

static void
fault_arm(struct fault *f, struct env *e, enum fault_kind kind, long long min_committed)
{
	memset(f, 0, sizeof *f);
	f->e = e;
	f->kind = kind;
	f->min_committed = min_committed;
	f->started_ms = it_now_ms();
	f->timer = loop_timer_add(e->loop, 20, 0, fault_tick, f);
}

/*
 * What the report says against what the database holds, for `file`: a
 * tenant is reported migrated exactly when its ledger has the file, and
 * every ledger row of it has its apply event. Returns the tenants failed.
 */
static size_t
check_report_against_ledgers(struct env *e, struct tenant_job *job, const char *file)
{
	const struct tenant_result *r;
	size_t n, i, failed = 0;

	r = tenant_job_results(job, &n);
	for (i = 0; i < n; i++) {
		char *sql = xasprintf("SELECT public.it_ledger_has('tenant_%s', '%s')", r[i].id,
				      file);
		long long has = count(e, sql);
		char *ev = xasprintf("SELECT count(*) FROM pgdbm_console.events WHERE action = "
				     "'apply' AND schema_name = 'tenant_%s' AND filename = '%s'",
				     r[i].id, file);
		long long events = count(e, ev);

		if ((r[i].state == TENANT_OK) != (has == 1))
			fail_msg("tenant %s reported %s (%s) but its ledger %s %s", r[i].id,
				 tenant_result_name(r[i].state), r[i].error ? r[i].error : "",
				 has ? "has" : "does not have", file);
		if (has == 1 && events != 1)
			fail_msg("tenant %s: %s is in the ledger with %lld apply events", r[i].id,
				 file, events);
		if (r[i].state == TENANT_OK)
			assert_int_equal(r[i].applied, 1);
		failed += r[i].state == TENANT_FAILED;
		free(sql);
		free(ev);
	}
	return failed;
}

static void
add_slow_migration(struct env *e, const char *seconds)
{
	char *text = xasprintf("INSERT INTO public.it_committed VALUES ('{{schema}}');\n"
			       "SELECT pg_sleep(%s);\n"
			       "ALTER TABLE {{tables.tasks}} ADD COLUMN extra int;\n",
			       seconds);

	put(e, "003_slow.sql", text);
	free(text);
	rescan(e);
}

/* Issue 13, 1 and 2: worker connections killed mid-run. */
static void
test_fanout_connections_terminated(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;
	struct fault f;
	size_t failed;

	provision_many(e, 24);
	add_slow_migration(e, "0.3");
	tenant_job_opts_defaults(&o);
	o.on_failure = PROFILE_ON_FAILURE_CONTINUE;
	o.on_failure_set = true;
	job = tenant_job_start(TENANT_JOB_MIGRATE, e->db, &e->files, &o, NULL, NULL, NULL);
	fault_arm(&f, e, FAULT_TERMINATE, 3);
	wait_job(e, job);
	loop_timer_cancel(e->loop, &f.timer);
	assert_true(f.fired);
	assert_true(f.hit > 0);
	assert_null(tenant_job_error(job));
	failed = check_report_against_ledgers(e, job, "003_slow.sql");
	/* only a tenant whose file was running can have failed (one per
	 * worker); the tenants not started yet were retried, not failed */
	assert_true(failed <= 4);
	assert_int_equal(tenant_job_progress(job)->failed, failed);
	assert_int_equal(tenant_job_progress(job)->done + failed, 24);
	tenant_job_free(&job);
}

/* Issue 13, 1 and 2: the server stopped mid-run and started again. */
static void
test_fanout_server_restart(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;
	struct fault f;
	size_t failed;

	if (!it_can_control_server())
		skip();
	provision_many(e, 24);
	add_slow_migration(e, "0.3");
	tenant_job_opts_defaults(&o);
	o.on_failure = PROFILE_ON_FAILURE_CONTINUE;
	o.on_failure_set = true;
	job = tenant_job_start(TENANT_JOB_MIGRATE, e->db, &e->files, &o, NULL, NULL, NULL);
	fault_arm(&f, e, FAULT_STOP_START, 3);
	wait_job(e, job);
	loop_timer_cancel(e->loop, &f.timer);
	assert_true(f.fired);
	if (!f.restarted)
		fault_restart(e->loop, &f);
	assert_null(tenant_job_error(job));
	failed = check_report_against_ledgers(e, job, "003_slow.sql");
	assert_true(failed <= 4);
	assert_int_equal(tenant_job_progress(job)->done + failed, 24);
	tenant_job_free(&job);
}

static bool
is_superuser(struct env *e)
{
	return count(e, "SELECT rolsuper::int FROM pg_roles WHERE rolname = current_user") == 1;
}

/* COMMITs that ask for synchronous_commit = on wait (see it_hold_commits). */
static void
hold_commits(struct env *e)
{
	e->syncrep = true;
	it_hold_commits(e->check);
}

/* Issue 13, 1: a COMMIT that succeeded but whose answer was lost is reported applied. */
static void
test_fanout_commit_answer_lost(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;
	struct fault f;

	if (!is_superuser(e))
		skip();
	provision_many(e, 6);
	put(e, "003_sync.sql",
	    "SET LOCAL synchronous_commit = on;\n"
	    "ALTER TABLE {{tables.tasks}} ADD COLUMN extra int;\n");
	rescan(e);
	hold_commits(e);
	tenant_job_opts_defaults(&o);
	o.concurrency = 2;
	o.on_failure = PROFILE_ON_FAILURE_CONTINUE;
	o.on_failure_set = true;
	job = tenant_job_start(TENANT_JOB_MIGRATE, e->db, &e->files, &o, NULL, NULL, NULL);
	fault_arm(&f, e, FAULT_SYNCREP, 0);
	wait_job(e, job);
	loop_timer_cancel(e->loop, &f.timer);
	assert_true(f.fired);
	assert_true(f.hit > 0);
	assert_null(tenant_job_error(job));
	assert_int_equal(check_report_against_ledgers(e, job, "003_sync.sql"), 0);
	assert_int_equal(tenant_job_progress(job)->done, 6);
	tenant_job_free(&job);
}

/* Samples, while a fan-out runs, how many tenants sleep in their file and
 * how many migration locks are held at once. */
struct observer {
	struct env *e;
	long long max_sleeping, max_locks;
	struct loop_timer *timer;
};

static void
observe(struct loop *loop, void *arg)
{
	struct observer *ob = arg;
	long long sleeping = count(ob->e, "SELECT count(*) FROM pg_stat_activity WHERE "
					  "application_name = 'pgdbm-console' AND wait_event = "
					  "'PgSleep'");
	long long locks = count(ob->e, "SELECT count(*) FROM pg_locks WHERE locktype = "
				       "'advisory' AND granted");

	(void)loop;
	if (sleeping > ob->max_sleeping)
		ob->max_sleeping = sleeping;
	if (locks > ob->max_locks)
		ob->max_locks = locks;
}

/* Issue 13, 3: --concurrency N runs N tenants at once, each holding its own lock only. */
static void
test_fanout_concurrency_honoured(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;
	struct observer ob = { e, 0, 0, NULL };

	provision_many(e, 8);
	add_slow_migration(e, "1");
	tenant_job_opts_defaults(&o);
	o.concurrency = 4;
	job = tenant_job_start(TENANT_JOB_MIGRATE, e->db, &e->files, &o, NULL, NULL, NULL);
	ob.timer = loop_timer_add(e->loop, 20, 20, observe, &ob);
	wait_job(e, job);
	loop_timer_cancel(e->loop, &ob.timer);
	assert_int_equal(tenant_job_progress(job)->done, 8);
	tenant_job_free(&job);
	/* four at once, and never more locks than tenants running */
	assert_int_equal(ob.max_sleeping, 4);
	assert_true(ob.max_locks <= 4);
}

/* Issue 13, 4: a fan-out with nothing to do migrates nothing, canary included. */
static void
test_fanout_nothing_pending_all_skipped(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;
	const struct tenant_result *r;
	size_t n, i;

	provision_many(e, 10);
	tenant_job_opts_defaults(&o);
	o.canaries = 1;
	job = run(e, TENANT_JOB_MIGRATE, &o);
	assert_int_equal(tenant_job_progress(job)->done, 0);
	assert_int_equal(tenant_job_progress(job)->failed, 0);
	assert_int_equal(tenant_job_progress(job)->skipped, 10);
	r = tenant_job_results(job, &n);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].state, TENANT_SKIPPED);
		assert_int_equal(r[i].applied, 0);
	}
	tenant_job_free(&job);
}

/* Issue 13, 4: canaries are picked among the tenants with pending work. */
static void
test_canary_has_pending_work(void **state)
{
	struct env *e = *state;
	static const char *const first[] = { "t001" };
	struct tenant_job_opts o;
	struct tenant_job *job;
	int i;

	provision_many(e, 10);
	put(e, "003_extra.sql", "ALTER TABLE {{tables.tasks}} ADD COLUMN extra int;");
	rescan(e);
	/* t001 is current; the file fails on every other tenant */
	tenant_job_opts_defaults(&o);
	o.ids = first;
	o.n_ids = 1;
	job = run(e, TENANT_JOB_MIGRATE, &o);
	assert_int_equal(tenant_job_progress(job)->done, 1);
	tenant_job_free(&job);
	for (i = 2; i <= 10; i++) {
		char *sql = xasprintf("ALTER TABLE tenant_t%03d.tasks ADD COLUMN extra int", i);

		it_cmd(e->check, sql);
		free(sql);
	}
	tenant_job_opts_defaults(&o);
	o.canaries = 1;
	o.on_failure = PROFILE_ON_FAILURE_CONTINUE;
	o.on_failure_set = true;
	job = run(e, TENANT_JOB_MIGRATE, &o);
	/* the canary was t002, the first with work: it failed and stopped the rest */
	assert_int_equal(tenant_job_progress(job)->failed, 1);
	assert_true(result_of(job, "t002")->canary);
	assert_int_equal(result_of(job, "t002")->state, TENANT_FAILED);
	assert_false(result_of(job, "t001")->canary);
	assert_int_equal(result_of(job, "t001")->state, TENANT_SKIPPED);
	assert_int_equal(tenant_job_progress(job)->done, 0);
	assert_int_equal(tenant_job_progress(job)->skipped, 9);
	assert_true(tenant_job_progress(job)->stopped);
	tenant_job_free(&job);
}

/* Issue 13, 4: two fan-outs at once: each tenant migrated by one, skipped by the other. */
static void
test_two_fanouts_at_once(void **state)
{
	struct env *e = *state;
	struct database *db2 = database_open(e->loop, &e->profile->databases[0], &e->log, false);
	struct tenant_job_opts o;
	struct tenant_job *a, *b;
	const struct tenant_result *ra;
	size_t na, nb, i, migrated = 0;

	provision_many(e, 16);
	add_slow_migration(e, "0.05");
	tenant_job_opts_defaults(&o);
	o.concurrency = 2;
	a = tenant_job_start(TENANT_JOB_MIGRATE, e->db, &e->files, &o, NULL, NULL, NULL);
	b = tenant_job_start(TENANT_JOB_MIGRATE, db2, &e->files, &o, NULL, NULL, NULL);
	wait_job(e, a);
	wait_job(e, b);
	ra = tenant_job_results(a, &na);
	tenant_job_results(b, &nb);
	assert_int_equal(na, 16);
	assert_int_equal(nb, 16);
	for (i = 0; i < na; i++) {
		const struct tenant_result *x = &ra[i], *y = result_of(b, ra[i].id);

		assert_int_not_equal(x->state, TENANT_FAILED);
		assert_int_not_equal(y->state, TENANT_FAILED);
		/* ok means applied something; applied by exactly one of the two */
		if (x->state == TENANT_OK)
			assert_int_equal(x->applied, 1);
		if (y->state == TENANT_OK)
			assert_int_equal(y->applied, 1);
		assert_int_equal(x->applied + y->applied, 1);
		assert_true((x->state == TENANT_OK) != (y->state == TENANT_OK));
		migrated += (x->state == TENANT_OK) + (y->state == TENANT_OK);
	}
	assert_int_equal(migrated, 16);
	assert_int_equal(tenant_job_progress(a)->done + tenant_job_progress(b)->done, 16);
	tenant_job_free(&a);
	tenant_job_free(&b);
	database_close(&db2);
}

/* Issue 13, 5: a failing statement without a position is found from the one run. */
static void
test_fanout_failing_line_without_position(void **state)
{
	struct env *e = *state;
	struct tenant_job_opts o;
	struct tenant_job *job;
	const struct tenant_result *r;

	provision_many(e, 3);
	it_cmd(e->check, "CREATE SEQUENCE public.it_side_seq");
	put(e, "003_dup.sql",
	    "SELECT nextval('public.it_side_seq');\n"
	    "CREATE TABLE {{tables.d}} (x int);\n"
	    "-- the same table again\n"
	    "CREATE TABLE {{tables.d}} (x int);\n");
	rescan(e);
	tenant_job_opts_defaults(&o);
	o.on_failure = PROFILE_ON_FAILURE_CONTINUE;
	o.on_failure_set = true;
	job = run(e, TENANT_JOB_MIGRATE, &o);
	assert_int_equal(tenant_job_progress(job)->failed, 3);
	r = result_of(job, "t002");
	assert_non_null(strstr(r->error, "003_dup.sql:4: "));
	assert_non_null(strstr(r->error, "already exists"));
	tenant_job_free(&job);
	/* each tenant ran the file once */
	assert_int_equal(count(e, "SELECT last_value FROM public.it_side_seq"), 3);
	it_cmd(e->check, "DROP SEQUENCE public.it_side_seq");
}

/* Provisioning: a failing statement without a position is found too (file:line). */
static void
test_provision_failing_line_without_position(void **state)
{
	struct env *e = *state;
	static const char *const ids[] = { "initech" };
	struct tenant_job_opts o;
	struct tenant_job *job;
	const struct tenant_result *r;

	put(e, "003_dup.sql",
	    "CREATE TABLE {{tables.d}} (x int);\n"
	    "\n"
	    "-- the same table again: \"already exists\" has no position\n"
	    "CREATE TABLE {{tables.d}} (x int);\n");
	rescan(e);
	tenant_job_opts_defaults(&o);
	o.ids = ids;
	o.n_ids = 1;
	job = run(e, TENANT_JOB_PROVISION, &o);
	r = result_of(job, "initech");
	assert_int_equal(r->state, TENANT_FAILED);
	if (strstr(r->error, "003_dup.sql:4: ") == NULL)
		fail_msg("provisioning names the line: %s", r->error);
	assert_non_null(strstr(r->error, "already exists"));
	tenant_job_free(&job);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE "
				  "'tenant_initech'"),
			 0);
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
		cmocka_unit_test_setup_teardown(test_fanout_connections_terminated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fanout_server_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fanout_commit_answer_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fanout_concurrency_honoured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fanout_nothing_pending_all_skipped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_canary_has_pending_work, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_fanouts_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provision_failing_line_without_position, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fanout_failing_line_without_position, setup,
						teardown),
	};

	it_require_server();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
