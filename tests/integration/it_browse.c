/*
 * it_browse: the console's catalog (browse.h) and jobs (jobs.h) against a
 * real server: schema kinds decided against the profile, the drill-down
 * (tables with estimates, the ledger judged against the folder), exact
 * sizes that give up fast behind an ACCESS EXCLUSIVE lock, the tenant list
 * with per-file counts, jobs (apply, roll back, provision, fan-out)
 * with their results and the refusals of a read-only profile, and the
 * queue kept fresh on a cadence (paused, stale when a reread fails).
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

#include "browse.h"
#include "database.h"
#include "itutil.h"
#include "jobs.h"
#include "loop.h"
#include "msglog.h"
#include "profile.h"
#include "testutil.h"
#include "xalloc.h"

struct env {
	struct loop *loop;
	struct msglog log;
	char *dir;
	struct profile *profile;
	struct database *db;
	struct browse *b;
	struct jobs *jobs;
	int updates;
	PGconn *check;
	const struct job *job; /* what job_ended awaits */
	size_t applied;	       /* what applied_is awaits */
};

static void
put(struct env *e, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", e->dir, rel);

	assert_int_equal(tu_write_file(path, text), 0);
	free(path);
}

static void
on_update(struct browse *b, void *arg)
{
	struct env *e = arg;

	(void)b;
	e->updates++;
}

static void
open_profile(struct env *e, bool read_only)
{
	struct profile_diags diags = { NULL, 0, 0 };
	char *text = xasprintf("read_only: %s\n"
			       "databases:\n"
			       "  main:\n"
			       "    conninfo: \"\"\n"
			       "    pool: { min: 1, max: 4 }\n"
			       "    modules:\n"
			       "      - { name: users, migrations: users }\n"
			       "    tenants:\n"
			       "      prefix: tenant_\n"
			       "      migrations: tenant\n"
			       "      concurrency: 3\n"
			       "      canaries: 0\n",
			       read_only ? "true" : "false");

	e->profile = profile_load_string(text, strlen(text), "it.yaml", e->dir, &diags);
	if (e->profile == NULL)
		fail_msg("profile: %s", diags.v[0].msg);
	profile_diags_free(&diags);
	free(text);
	e->db = database_open(e->loop, &e->profile->databases[0], &e->log, false);
	e->b = browse_new(e->db, &e->log);
	browse_on_update(e->b, on_update, e);
	e->jobs = jobs_new(e->loop, &e->log);
}

static void
close_profile(struct env *e)
{
	jobs_free(&e->jobs);
	browse_free(&e->b);
	database_close(&e->db);
	profile_free(&e->profile);
}

static int test_no;

static int
setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);
	char name[32];
	char *d;

	it_require_server();
	snprintf(name, sizeof name, "browse%d", ++test_no);
	d = it_db_name(name);
	it_use_fresh_database(d); /* one database per test */
	free(d);
	e->loop = loop_new();
	msglog_init(&e->log, 4000);
	e->dir = tu_mkdtemp();
	d = xasprintf("%s/users", e->dir);
	mkdir(d, 0755);
	free(d);
	d = xasprintf("%s/users/down", e->dir);
	mkdir(d, 0755);
	free(d);
	d = xasprintf("%s/tenant", e->dir);
	mkdir(d, 0755);
	free(d);
	put(e, "users/001_accounts.sql",
	    "CREATE TABLE {{tables.accounts}} (id bigint PRIMARY KEY, email text NOT NULL);\n");
	put(e, "users/down/001_accounts.sql", "DROP TABLE {{tables.accounts}};\n");
	put(e, "users/002_name.sql", "ALTER TABLE {{tables.accounts}} ADD COLUMN name text;\n");
	put(e, "users/down/002_name.sql", "ALTER TABLE {{tables.accounts}} DROP COLUMN name;\n");
	put(e, "tenant/001_projects.sql", "CREATE TABLE {{tables.projects}} (id int PRIMARY KEY);");
	put(e, "tenant/002_tasks.sql", "CREATE TABLE {{tables.tasks}} (id int PRIMARY KEY);");
	open_profile(e, false);
	e->check = it_connect();
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	close_profile(e);
	PQfinish(e->check);
	loop_free(&e->loop);
	msglog_free(&e->log);
	tu_rm_rf(e->dir);
	free(e->dir);
	free(e);
	return 0;
}

/* Conditions for it_run_until, each given the env. */
static bool
job_ended(void *arg)
{
	const struct env *e = arg;

	return e->job->state != JOB_RUNNING;
}

static bool
schemas_ready(void *arg)
{
	const struct env *e = arg;

	return browse_schemas(e->b)->state == BROWSE_READY;
}

static bool
tenants_ready(void *arg)
{
	const struct env *e = arg;

	return browse_tenants(e->b)->state == BROWSE_READY;
}

/* The tenants list read with the folder's third file. */
static bool
three_files(void *arg)
{
	const struct env *e = arg;

	return browse_tenants(e->b)->files->n == 3;
}

static bool
detail_ready(void *arg)
{
	const struct env *e = arg;

	return browse_detail(e->b)->state != BROWSE_LOADING;
}

static bool
exact_answered(void *arg)
{
	const struct env *e = arg;

	return browse_detail(e->b)->exact != BROWSE_EXACT_RUNNING;
}

static bool
modules_ready(void *arg)
{
	const struct env *e = arg;

	return browse_module(e->b, 0)->state == BROWSE_READY;
}

/* The module's status counts e->applied applied files. */
static bool
applied_is(void *arg)
{
	const struct env *e = arg;
	const struct browse_module *m = browse_module(e->b, 0);

	return m->status != NULL && m->status->count[MIG_APPLIED] == e->applied;
}

static bool
module_failed(void *arg)
{
	const struct env *e = arg;

	return browse_module(e->b, 0)->state == BROWSE_FAILED;
}

/* Run a job to its end (within timeout_ms); fails the test when it did not start. */
static const struct job *
await_job(struct env *e, const struct job *job, const char *why, int64_t timeout_ms)
{
	if (job == NULL)
		fail_msg("not started: %s", why);
	e->job = job;
	it_run_until(e->loop, job_ended, e, timeout_ms);
	return job;
}

static const struct job *
apply_users(struct env *e, enum mig_kind kind, int steps)
{
	struct mig_opts o;
	const struct job *job;
	char *why = NULL;

	mig_opts_defaults(&o);
	o.steps = steps;
	job = jobs_migrate(e->jobs, 0, e->db, &e->profile->databases[0].modules[0], kind, &o, &why);
	return await_job(e, job, why, 30000);
}

static const struct job *
tenant_job(struct env *e, enum tenant_job_kind kind, const char *const *ids, size_t n)
{
	struct tenant_job_opts o;
	const struct job *job;
	char *why = NULL;

	tenant_job_opts_defaults(&o);
	o.ids = ids;
	o.n_ids = n;
	o.confirmed = true;
	job = jobs_tenant(e->jobs, 0, e->db, kind, &o, &why);
	return await_job(e, job, why, 60000);
}

static const struct browse_schema *
find(struct env *e, const char *name)
{
	const struct browse_schemas *s = browse_schemas(e->b);
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	}
	fail_msg("schema %s is not listed", name);
	return NULL;
}

/* ------------------------------------------------------------------------ */

static void
test_classify(void **state)
{
	struct env *e = *state;
	const struct profile_database *pdb = &e->profile->databases[0];
	const char *id;
	int m;

	assert_int_equal(browse_classify(pdb, "users", &m, &id), BROWSE_MODULE);
	assert_int_equal(m, 0);
	assert_int_equal(browse_classify(pdb, "tenant_acme", &m, &id), BROWSE_TENANT);
	assert_string_equal(id, "acme");
	assert_int_equal(browse_classify(pdb, "archived_acme", &m, &id), BROWSE_ARCHIVED);
	assert_string_equal(id, "acme");
	assert_int_equal(browse_classify(pdb, "tenant_Bad", &m, &id), BROWSE_OTHER);
	assert_null(id);
	assert_int_equal(browse_classify(pdb, "public", &m, &id), BROWSE_OTHER);
	assert_int_equal(m, -1);
}

static void
test_jobs_and_schemas(void **state)
{
	struct env *e = *state;
	static const char *const acme[] = { "acme" }, *const beta[] = { "beta" };
	const struct job *job;
	const struct browse_schema *s;

	job = apply_users(e, MIG_RUN_APPLY, 0);
	assert_int_equal(job->state, JOB_OK);
	assert_non_null(strstr(job->result, "users: applied 2 migrations (001_accounts.sql, "
					    "002_name.sql)"));
	job = tenant_job(e, TENANT_JOB_PROVISION, acme, 1);
	assert_int_equal(job->state, JOB_OK);
	assert_non_null(strstr(job->result, "tenant acme provisioned: 2 migrations applied"));
	job = tenant_job(e, TENANT_JOB_PROVISION, beta, 1);
	assert_int_equal(job->state, JOB_OK);
	job = tenant_job(e, TENANT_JOB_ARCHIVE, beta, 1);
	assert_int_equal(job->state, JOB_OK);
	it_cmd(e->check, "CREATE SCHEMA reporting; CREATE TABLE reporting.facts (id int)");
	it_cmd(e->check,
	       "INSERT INTO users.accounts SELECT g, 'x' FROM generate_series(1, 3000) g; "
	       "ANALYZE users.accounts");

	browse_load_schemas(e->b);
	it_run_until(e->loop, schemas_ready, e, 10000);
	assert_true(e->updates > 0);
	s = find(e, "users");
	assert_int_equal(s->kind, BROWSE_MODULE);
	assert_int_equal(s->module, 0);
	assert_true(s->has_ledger);
	assert_int_equal(s->tables, 2);
	assert_true(s->size_bytes > 0);
	s = find(e, "tenant_acme");
	assert_int_equal(s->kind, BROWSE_TENANT);
	assert_string_equal(s->tenant_id, "acme");
	assert_int_equal(s->tables, 3);
	s = find(e, "archived_beta");
	assert_int_equal(s->kind, BROWSE_ARCHIVED);
	s = find(e, "reporting");
	assert_int_equal(s->kind, BROWSE_OTHER);
	assert_false(s->has_ledger);
	find(e, "pgdbm_console");

	/* the drill-down: tables with estimates, the ledger judged against the folder */
	browse_load_modules(e->b);
	it_run_until(e->loop, modules_ready, e, 10000);
	assert_int_equal(browse_module(e->b, 0)->status->count[MIG_APPLIED], 2);
	browse_open(e->b, "users");
	it_run_until(e->loop, detail_ready, e, 10000);
	{
		const struct browse_detail *d = browse_detail(e->b);
		size_t i;
		bool seen = false;

		assert_int_equal(d->state, BROWSE_READY);
		assert_true(d->has_owner);
		assert_int_equal(d->status.n_entries, 2);
		assert_int_equal(d->status.entries[0].state, MIG_APPLIED);
		assert_string_equal(d->status.entries[1].filename, "002_name.sql");
		assert_non_null(d->status.entries[1].row);
		for (i = 0; i < d->n_tables; i++) {
			if (strcmp(d->tables[i].name, "accounts") == 0) {
				seen = true;
				assert_int_equal(d->tables[i].rows, 3000);
				assert_true(d->tables[i].size_bytes > 0);
			}
		}
		assert_true(seen);
	}

	/* roll back through a job: the ledger and the status follow */
	job = apply_users(e, MIG_RUN_ROLLBACK, 1);
	assert_int_equal(job->state, JOB_OK);
	assert_non_null(strstr(job->result, "rolled back 1 migration (002_name.sql)"));
	assert_int_equal(it_scalar(e->check, "SELECT count(*) FROM users.schema_migrations"), 1);
}

static void
test_exact_size_gives_up_behind_a_lock(void **state)
{
	struct env *e = *state;
	const struct browse_detail *d;
	const char *why = NULL;
	int64_t t0, took;

	apply_users(e, MIG_RUN_APPLY, 0);
	browse_load_schemas(e->b);
	it_run_until(e->loop, schemas_ready, e, 10000);
	browse_open(e->b, "users");
	it_run_until(e->loop, detail_ready, e, 10000);

	/* a "migration" holds an ACCESS EXCLUSIVE lock */
	it_cmd(e->check, "BEGIN");
	it_cmd(e->check, "LOCK TABLE users.accounts IN ACCESS EXCLUSIVE MODE");
	t0 = it_now_ms();
	assert_true(browse_measure(e->b, "users", &why));
	assert_false(browse_measure(e->b, "users", &why)); /* one at a time */
	it_run_until(e->loop, exact_answered, e, 10000);
	took = it_now_ms() - t0;
	d = browse_detail(e->b);
	assert_int_equal(d->exact, BROWSE_EXACT_LOCKED);
	assert_string_equal(d->exact_error, "locked: a migration holds it");
	assert_true(took < 2000);
	it_cmd(e->check, "COMMIT");

	assert_true(browse_measure(e->b, "users", &why));
	it_run_until(e->loop, exact_answered, e, 10000);
	d = browse_detail(e->b);
	assert_int_equal(d->exact, BROWSE_EXACT_DONE);
	assert_true(d->exact_total > 0);
	{
		size_t i;

		for (i = 0; i < d->n_tables; i++)
			if (strcmp(d->tables[i].name, "accounts") == 0)
				assert_true(d->tables[i].exact_bytes > 0);
	}
	/* the list has the exact size too */
	assert_int_equal(find(e, "users")->exact, BROWSE_EXACT_DONE);
}

static void
test_tenant_list_and_fanout(void **state)
{
	struct env *e = *state;
	const char *ids[30];
	char names[30][8];
	const struct browse_tenants *bt;
	const struct job *job;
	size_t i, n;
	const struct tenant_result *r;

	for (i = 0; i < 30; i++) {
		snprintf(names[i], sizeof names[i], "t%02zu", i);
		ids[i] = names[i];
	}
	job = tenant_job(e, TENANT_JOB_PROVISION, ids, 30);
	assert_int_equal(job->state, JOB_OK);
	assert_int_equal(job->tprog.done, 30);
	assert_non_null(strstr(job->result, "30 provisioned, 0 failed, 0 skipped of 30 tenants"));

	browse_load_tenants(e->b);
	it_run_until(e->loop, tenants_ready, e, 10000);
	bt = browse_tenants(e->b);
	assert_int_equal(bt->list->n, 30);
	assert_int_equal(bt->files->n, 2);
	assert_int_equal(bt->list->file_applied[0], 30);
	assert_int_equal(bt->list->file_applied[1], 30);
	assert_int_equal(bt->list->file_pending[1], 0);
	assert_true(bt->list->v[0].ledger_read);
	assert_non_null(browse_tenant_by_schema(e->b, "tenant_t17"));
	assert_null(browse_tenant_by_schema(e->b, "tenant_zz"));

	/* a new file: pending on every tenant, then the fan-out of the filtered ids */
	put(e, "tenant/003_note.sql", "ALTER TABLE {{tables.projects}} ADD COLUMN note text;");
	browse_reload(e->b);
	it_run_until(e->loop, tenants_ready, e, 10000);
	it_run_until(e->loop, three_files, e, 10000);
	bt = browse_tenants(e->b);
	assert_int_equal(bt->list->file_pending[2], 30);
	job = tenant_job(e, TENANT_JOB_MIGRATE, ids, 10);
	assert_int_equal(job->state, JOB_OK);
	assert_int_equal(job->tprog.total, 10);
	assert_int_equal(job->tprog.done, 10);
	r = jobs_tenant_results(job, &n);
	assert_int_equal(n, 10);
	assert_int_equal(r[0].state, TENANT_OK);
	assert_int_equal(it_scalar(e->check, "SELECT count(*) FROM pg_namespace n WHERE EXISTS "
					     "(SELECT 1 FROM information_schema.columns WHERE "
					     "table_schema = n.nspname AND column_name = 'note')"),
			 10);
	/* and over all: the ten done are skipped as up to date */
	job = tenant_job(e, TENANT_JOB_MIGRATE, NULL, 0);
	assert_int_equal(job->state, JOB_OK);
	assert_int_equal(job->tprog.total, 30);
	assert_int_equal(job->tprog.done + job->tprog.skipped, 30);
	assert_int_equal(jobs_count(e->jobs), 3);
	assert_ptr_equal(jobs_get(e->jobs, 0), job);
	assert_int_equal(jobs_running(e->jobs), 0);
}

/* Messages of the log that contain text. */
static int
logged(struct env *e, const char *text)
{
	size_t i;
	int n = 0;

	for (i = 0; i < e->log.count; i++)
		n += strstr(msglog_get(&e->log, i)->text, text) != NULL;
	return n;
}

/*
 * The queue kept fresh: a change made behind the console's back shows up
 * on the cadence, but not while paused; a reread that fails keeps the last
 * status, marked stale, with its error, said once in the log however many
 * rounds fail; a good read clears it.
 */
static void
test_queue_kept_fresh(void **state)
{
	struct env *e = *state;
	const struct browse_module *m;
	char *from = xasprintf("%s/users", e->dir), *to = xasprintf("%s/users.gone", e->dir);
	int64_t read_ms;
	uint64_t gen;

	assert_int_equal(apply_users(e, MIG_RUN_APPLY, 0)->state, JOB_OK);
	browse_load_modules(e->b);
	it_run_until(e->loop, modules_ready, e, 10000);
	e->applied = 2;
	assert_true(applied_is(e));
	assert_true(browse_module(e->b, 0)->read_ms > 0);

	/* another shell rolls one back: read again by itself */
	browse_keep_fresh(e->b, 300);
	it_cmd(e->check, "DELETE FROM users.schema_migrations WHERE filename = '002_name.sql'");
	e->applied = 1;
	it_run_until(e->loop, applied_is, e, 5000);

	/* paused: not read; resumed: read at once */
	browse_set_paused(e->b, true);
	it_cmd(e->check, "DELETE FROM users.schema_migrations");
	it_run_for(e->loop, 1000);
	assert_true(applied_is(e)); /* still 1 */
	browse_set_paused(e->b, false);
	e->applied = 0;
	it_run_until(e->loop, applied_is, e, 5000);

	/* the folder goes away: the last status stays, stale, and the log says it once */
	read_ms = browse_module(e->b, 0)->read_ms;
	assert_int_equal(rename(from, to), 0);
	it_run_until(e->loop, module_failed, e, 5000);
	m = browse_module(e->b, 0);
	assert_true(m->stale);
	assert_non_null(m->status);
	assert_int_equal(m->status->count[MIG_PENDING], 2);
	assert_non_null(m->error);
	assert_non_null(strstr(m->error, from));
	assert_int_equal(m->read_ms, read_ms);
	it_run_for(e->loop, 1500); /* several more rounds fail the same way */
	assert_true(browse_module(e->b, 0)->stale);
	assert_int_equal(logged(e, "cannot read the queue of users: "), 1);

	/* back: read again, no longer stale; every change of state moves gen,
	 * so a view that keys on gen sees FAILED -> LOADING -> READY */
	assert_int_equal(rename(to, from), 0);
	gen = browse_module(e->b, 0)->gen;
	browse_load_modules(e->b);
	assert_int_equal(browse_module(e->b, 0)->state, BROWSE_LOADING);
	assert_true(browse_module(e->b, 0)->gen > gen);
	gen = browse_module(e->b, 0)->gen;
	it_run_until(e->loop, modules_ready, e, 5000);
	assert_true(browse_module(e->b, 0)->gen > gen);
	m = browse_module(e->b, 0);
	assert_false(m->stale);
	assert_null(m->error);
	assert_true(m->read_ms > read_ms);
	assert_int_equal(logged(e, "the queue of users is read again"), 1);
	browse_keep_fresh(e->b, 0);
	free(from);
	free(to);
}

static void
test_read_only_refuses_jobs(void **state)
{
	struct env *e = *state;
	struct mig_opts mo;
	struct tenant_job_opts to;
	static const char *const ids[] = { "acme" };
	char *why = NULL;

	close_profile(e);
	open_profile(e, true);
	mig_opts_defaults(&mo);
	assert_null(jobs_migrate(e->jobs, 0, e->db, &e->profile->databases[0].modules[0],
				 MIG_RUN_APPLY, &mo, &why));
	assert_non_null(strstr(why, "read-only"));
	free(why);
	why = NULL;
	tenant_job_opts_defaults(&to);
	to.ids = ids;
	to.n_ids = 1;
	assert_null(jobs_tenant(e->jobs, 0, e->db, TENANT_JOB_PROVISION, &to, &why));
	assert_non_null(strstr(why, "read-only"));
	free(why);
	assert_int_equal(jobs_count(e->jobs), 0);
	assert_int_equal(it_scalar(e->check, "SELECT count(*) FROM pg_namespace WHERE nspname IN "
					     "('users', 'tenant_acme', 'pgdbm_console')"),
			 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_classify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jobs_and_schemas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_size_gives_up_behind_a_lock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tenant_list_and_fanout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_refuses_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_kept_fresh, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
