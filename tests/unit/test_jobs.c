/*
 * test_jobs: the job list of include/jobs.h, without a server.
 *
 * The fixture writes a profile into a temporary folder whose databases
 * point at a socket folder that does not exist, so no connection attempt
 * ever blocks: it fails at once. The same database is opened twice: `slow`
 * with a pool that keeps retrying (a job on it waits for a connection until
 * its minute-long acquire timeout, so it stays running for the whole
 * test), and `fast` with a fail-fast pool (a job on it fails as soon as
 * the connection attempt does). `brief` is one whose retrying pool gives
 * up on a request after 300 ms; a read-only database and one without a
 * tenant section complete it. `stall` is `rw` once more, through a
 * transport whose connections open at once and never answer a query (a
 * job on it has its query in flight: cancel cannot end it, only the
 * answer can, which the test gives by breaking the connections).
 *
 * What needs a server (a migrate run's progress lines, results of runs
 * that apply something, per-tenant results) is in tests/integration.
 * Here: refusals (read-only, status/list, no tenants, unreadable folder,
 * invalid names, a busy module, a running fan-out) and that they send
 * nothing, titles, the life cycle of a job that fails, the engine's
 * refusals finishing a job before its start function returns, result
 * strings, cancel, the change callback's cadence (at most every 100 ms
 * while a job progresses, at once when it ends, through the loop's
 * timers), and that the newest 16 finished jobs are kept, never a running
 * one.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "database.h"
#include "jobs.h"
#include "loop.h"
#include "msglog.h"
#include "pool.h"
#include "profile.h"
#include "testutil.h"
#include "xalloc.h"

/* Database indexes as the jobs see them. */
enum {
	SLOW,  /* rw, a pool that retries */
	RO,    /* read-only */
	PLAIN, /* rw, no tenant section */
	FAST,  /* rw again, a fail-fast pool */
	BRIEF, /* rw, a pool that retries, with a short acquire timeout */
	STALL, /* rw, connections that never answer (stall_transport) */
	N_DBS,
};

#define MAX_CHANGES 64

struct change {
	uint64_t id;
	enum job_state state;
	int64_t at_ms;
	bool cancelled; /* tenant progress: cancel seen */
};

struct fixture {
	char *dir;
	struct profile *profile;
	struct loop *loop;
	struct msglog log;
	struct database *db[N_DBS];
	struct jobs *jobs;
	struct change changes[MAX_CHANGES];
	size_t n_changes;
};

static const char profile_yaml[] = "name: jobs\n"
				   "databases:\n"
				   "  rw:\n"
				   "    conninfo: \"host=%s/nosock port=5432 dbname=app\"\n"
				   "    pool: { min: 0, max: 4, acquire_timeout: 1m }\n"
				   "    modules:\n"
				   "      - { name: users, migrations: migrations/users }\n"
				   "      - { name: billing, migrations: migrations/billing }\n"
				   "    tenants: { migrations: migrations/tenant }\n"
				   "  ro:\n"
				   "    conninfo: \"host=%s/nosock port=5432 dbname=app\"\n"
				   "    read_only: true\n"
				   "    pool: { min: 0, max: 4, acquire_timeout: 1m }\n"
				   "    modules:\n"
				   "      - { name: users, migrations: migrations/users }\n"
				   "    tenants: { migrations: migrations/tenant }\n"
				   "  brief:\n"
				   "    conninfo: \"host=%s/nosock port=5432 dbname=app\"\n"
				   "    pool: { min: 0, max: 4, acquire_timeout: 300ms }\n"
				   "    modules:\n"
				   "      - { name: users, migrations: migrations/users }\n"
				   "    tenants: { migrations: migrations/tenant }\n"
				   "  plain:\n"
				   "    conninfo: \"host=%s/nosock port=5432 dbname=app\"\n"
				   "    pool: { min: 0, max: 4, acquire_timeout: 1m }\n"
				   "    modules:\n"
				   "      - { name: users, migrations: migrations/users }\n";

/* ------------------------------------------------------------------------
 * A transport whose connections open at once and never answer
 *
 * Each connection is one end of a socketpair: writable, and readable only
 * when stall_break() closes the other end, which the connection then sees
 * as lost (as when a server goes away in the middle of a query).
 * ------------------------------------------------------------------------ */

#define MAX_STALLED 8

struct stalled {
	int fd[2];
	bool broken;
};

static struct stalled *stalled[MAX_STALLED];

static PGconn *
st_connect_start(const char *const *keys, const char *const *values)
{
	struct stalled *s = xcalloc(1, sizeof *s);
	size_t i;

	(void)keys;
	(void)values;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s->fd), 0);
	for (i = 0; i < MAX_STALLED && stalled[i] != NULL; i++)
		;
	assert_true(i < MAX_STALLED);
	stalled[i] = s;
	return (PGconn *)s;
}

static PostgresPollingStatusType
st_connect_poll(PGconn *pg)
{
	(void)pg;
	return PGRES_POLLING_OK;
}

static ConnStatusType
st_status(const PGconn *pg)
{
	return ((const struct stalled *)pg)->broken ? CONNECTION_BAD : CONNECTION_OK;
}

static int
st_socket(const PGconn *pg)
{
	return ((const struct stalled *)pg)->fd[0];
}

static int
st_set_nonblocking(PGconn *pg, int on)
{
	(void)pg;
	(void)on;
	return 0;
}

static PQnoticeReceiver
st_set_notice_receiver(PGconn *pg, PQnoticeReceiver fn, void *arg)
{
	(void)pg;
	(void)fn;
	(void)arg;
	return NULL;
}

static int
st_send_query(PGconn *pg, const char *sql)
{
	(void)pg;
	(void)sql;
	return 1;
}

static int
st_send_query_params(PGconn *pg, const char *sql, int n, const char *const *values)
{
	(void)pg;
	(void)sql;
	(void)n;
	(void)values;
	return 1;
}

static int
st_send_query_prepared(PGconn *pg, const char *name, int n, const char *const *values)
{
	(void)pg;
	(void)name;
	(void)n;
	(void)values;
	return 1;
}

static int
st_flush(PGconn *pg)
{
	(void)pg;
	return 0;
}

/* Readable only once the other end is closed: the connection is lost. */
static int
st_consume_input(PGconn *pg)
{
	struct stalled *s = (struct stalled *)pg;
	char buf[16];

	if (read(s->fd[0], buf, sizeof buf) <= 0)
		s->broken = true;
	return !s->broken;
}

static int
st_is_busy(PGconn *pg)
{
	(void)pg;
	return 1;
}

static PGresult *
st_get_result(PGconn *pg)
{
	(void)pg;
	return NULL;
}

static int
st_get_copy_data(PGconn *pg, char **buffer, int async)
{
	(void)pg;
	(void)async;
	*buffer = NULL;
	return -1;
}

static PGTransactionStatusType
st_transaction_status(const PGconn *pg)
{
	(void)pg;
	return PQTRANS_ACTIVE;
}

static const char *
st_error_message(const PGconn *pg)
{
	return ((const struct stalled *)pg)->broken ? "server closed the connection unexpectedly\n"
						    : "";
}

static int
st_backend_pid(const PGconn *pg)
{
	(void)pg;
	return 4242;
}

static int
st_server_version(const PGconn *pg)
{
	(void)pg;
	return 150018;
}

static void
st_finish(PGconn *pg)
{
	struct stalled *s = (struct stalled *)pg;
	size_t i;

	for (i = 0; i < MAX_STALLED; i++)
		if (stalled[i] == s)
			stalled[i] = NULL;
	close(s->fd[0]);
	if (s->fd[1] >= 0)
		close(s->fd[1]);
	free(s);
}

static PGVerbosity
st_set_error_verbosity(PGconn *pg, PGVerbosity v)
{
	(void)pg;
	(void)v;
	return PQERRORS_DEFAULT;
}

static int
st_needs_password(const PGconn *pg)
{
	(void)pg;
	return 0;
}

static const struct conn_transport stall_transport = {
	st_connect_start, st_connect_poll,	  st_status,
	st_socket,	  st_set_nonblocking,	  st_set_notice_receiver,
	st_send_query,	  st_send_query_params,	  st_send_query_prepared,
	st_flush,	  st_consume_input,	  st_is_busy,
	st_get_result,	  st_get_copy_data,	  st_transaction_status,
	st_error_message, st_backend_pid,	  st_server_version,
	st_finish,	  st_set_error_verbosity, st_needs_password,
};

/* Lose every stalled connection: what they run answers with that. */
static void
stall_break(void)
{
	size_t i;

	for (i = 0; i < MAX_STALLED; i++) {
		if (stalled[i] != NULL && stalled[i]->fd[1] >= 0) {
			close(stalled[i]->fd[1]);
			stalled[i]->fd[1] = -1;
		}
	}
}

static void
put(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);

	if (text == NULL)
		assert_int_equal(mkdir(path, 0777), 0);
	else
		assert_int_equal(tu_write_file(path, text), 0);
	free(path);
}

static void
on_change(void *arg, const struct job *job)
{
	struct fixture *f = arg;
	struct change *c;

	assert_true(f->n_changes < MAX_CHANGES);
	c = &f->changes[f->n_changes++];
	c->id = job->id;
	c->state = job->state;
	c->at_ms = loop_now(f->loop);
	c->cancelled = job->tenant_job && job->tprog.cancelled;
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct profile_diags diags = { 0 };
	char *text, *path;

	f->dir = tu_mkdtemp();
	if (f->dir == NULL) {
		free(f);
		return -1;
	}
	put(f->dir, "migrations", NULL);
	put(f->dir, "migrations/users", NULL);
	put(f->dir, "migrations/users/20240101_init.sql", "CREATE TABLE users.t (id int);\n");
	put(f->dir, "migrations/billing", NULL);
	put(f->dir, "migrations/billing/20240101_init.sql", "CREATE TABLE billing.t (id int);\n");
	put(f->dir, "migrations/tenant", NULL);
	put(f->dir, "migrations/tenant/20240101_init.sql", "CREATE TABLE items (id int);\n");
	text = xasprintf(profile_yaml, f->dir, f->dir, f->dir, f->dir);
	path = xasprintf("%s/jobs.yaml", f->dir);
	put(f->dir, "jobs.yaml", text);
	f->profile = profile_load(path, &diags);
	free(text);
	free(path);
	if (f->profile == NULL) {
		size_t i;

		for (i = 0; i < diags.n; i++)
			print_error("%s:%d:%d: %s\n", diags.v[i].file, diags.v[i].line,
				    diags.v[i].col, diags.v[i].msg);
		profile_diags_free(&diags);
		return -1;
	}
	profile_diags_free(&diags);
	f->loop = loop_new();
	msglog_init(&f->log, 200);
	f->db[SLOW] = database_open(f->loop, &f->profile->databases[0], &f->log, false);
	f->db[RO] = database_open(f->loop, &f->profile->databases[1], &f->log, false);
	f->db[BRIEF] = database_open(f->loop, &f->profile->databases[2], &f->log, false);
	f->db[PLAIN] = database_open(f->loop, &f->profile->databases[3], &f->log, false);
	f->db[FAST] = database_open(f->loop, &f->profile->databases[0], &f->log, true);
	f->db[STALL] = database_open(f->loop, &f->profile->databases[0], &f->log, false);
	pool_set_transport(f->db[STALL]->pool, &stall_transport);
	f->jobs = jobs_new(f->loop, &f->log);
	jobs_on_change(f->jobs, on_change, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	size_t i;

	jobs_free(&f->jobs);
	for (i = 0; i < N_DBS; i++)
		database_close(&f->db[i]);
	loop_free(&f->loop);
	msglog_free(&f->log);
	profile_free(&f->profile);
	tu_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static const struct profile_module *
module(const struct fixture *f, size_t db, const char *name)
{
	const struct profile_database *pdb = f->db[db]->cfg;
	size_t i;

	for (i = 0; i < pdb->n_modules; i++) {
		if (strcmp(pdb->modules[i].name, name) == 0)
			return &pdb->modules[i];
	}
	fail_msg("no module %s", name);
	return NULL;
}

static const struct job *
migrate(struct fixture *f, size_t db, const char *mod, enum mig_kind kind, const struct mig_opts *o,
	char **why)
{
	struct mig_opts defaults;

	if (o == NULL) {
		mig_opts_defaults(&defaults);
		o = &defaults;
	}
	return jobs_migrate(f->jobs, db, f->db[db], module(f, db, mod), kind, o, why);
}

static const struct job *
start_migrate(struct fixture *f, size_t db, const char *mod, enum mig_kind kind,
	      const struct mig_opts *o)
{
	char *why = NULL;
	const struct job *job = migrate(f, db, mod, kind, o, &why);

	if (job == NULL)
		fail_msg("refused: %s", why);
	assert_null(why);
	return job;
}

/* A tenant job on ids (NULL-terminated; NULL: every tenant). */
static const struct job *
tenant(struct fixture *f, size_t db, enum tenant_job_kind kind, const char *const *ids,
       bool confirmed, char **why)
{
	struct tenant_job_opts o;

	tenant_job_opts_defaults(&o);
	o.ids = ids;
	while (ids != NULL && ids[o.n_ids] != NULL)
		o.n_ids++;
	o.confirmed = confirmed;
	return jobs_tenant(f->jobs, db, f->db[db], kind, &o, why);
}

static const struct job *
start_tenant(struct fixture *f, size_t db, enum tenant_job_kind kind, const char *const *ids,
	     bool confirmed)
{
	char *why = NULL;
	const struct job *job = tenant(f, db, kind, ids, confirmed, &why);

	if (job == NULL)
		fail_msg("refused: %s", why);
	assert_null(why);
	return job;
}

/* jobs_migrate refuses: returns why (the caller frees it). */
static char *
migrate_refused(struct fixture *f, size_t db, const char *mod, enum mig_kind kind)
{
	char *why = NULL;
	const struct job *job = migrate(f, db, mod, kind, NULL, &why);

	assert_null(job);
	assert_non_null(why);
	return why;
}

/* jobs_tenant refuses: returns why (the caller frees it). */
static char *
tenant_refused(struct fixture *f, size_t db, enum tenant_job_kind kind, const char *const *ids)
{
	char *why = NULL;
	const struct job *job = tenant(f, db, kind, ids, false, &why);

	assert_null(job);
	assert_non_null(why);
	return why;
}

static void
assert_contains(const char *s, const char *part)
{
	assert_non_null(s);
	if (strstr(s, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

/* Run the loop until job has ended, at most timeout_ms. */
static void
wait_ended(struct fixture *f, const struct job *job, int64_t timeout_ms)
{
	int64_t deadline = loop_clock_us() / 1000 + timeout_ms;

	while (job->state == JOB_RUNNING && loop_clock_us() / 1000 < deadline)
		loop_run_once(f->loop, 50);
	if (job->state == JOB_RUNNING)
		fail_msg("job %llu still running after %lld ms", (unsigned long long)job->id,
			 (long long)timeout_ms);
}

/* Run the loop until n changes were seen, at most timeout_ms. */
static void
wait_changes(struct fixture *f, size_t n, int64_t timeout_ms)
{
	int64_t deadline = loop_clock_us() / 1000 + timeout_ms;

	while (f->n_changes < n && loop_clock_us() / 1000 < deadline)
		loop_run_once(f->loop, 50);
	if (f->n_changes < n)
		fail_msg("%zu changes after %lld ms, want %zu", f->n_changes, (long long)timeout_ms,
			 n);
}

/* Run the loop for ms (for checks that nothing happens). */
static void
run_for(struct fixture *f, int64_t ms)
{
	int64_t end = loop_clock_us() / 1000 + ms;
	int64_t now;

	while ((now = loop_clock_us() / 1000) < end)
		loop_run_once(f->loop, end - now);
}

/* The newest message of the log. */
static const struct msg *
last_msg(const struct fixture *f)
{
	assert_true(f->log.count > 0);
	return msglog_get(&f->log, f->log.count - 1);
}

static void
assert_nothing_sent(const struct fixture *f, size_t db)
{
	struct pool_stats st;

	pool_stats(f->db[db]->pool, &st);
	assert_int_equal(st.waiting, 0);
	assert_int_equal(st.acquisitions, 0);
	assert_int_equal(st.queries, 0);
	assert_int_equal(st.connecting, 0);
}

/* ------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------ */

static void
test_names(void **state)
{
	static const char *const kinds[] = {
		[JOB_APPLY] = "apply",
		[JOB_ROLLBACK] = "rollback",
		[JOB_REPAIR] = "repair",
		[JOB_PROVISION] = "provision",
		[JOB_ARCHIVE] = "archive",
		[JOB_DROP] = "drop",
		[JOB_RESTORE] = "restore",
		[JOB_FANOUT] = "fan-out",
		[JOB_FANOUT_ROLLBACK] = "fan-out rollback",
	};
	static const char *const states[] = {
		[JOB_RUNNING] = "running",
		[JOB_OK] = "done",
		[JOB_FAILED] = "failed",
		[JOB_CANCELLED] = "cancelled",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		assert_string_equal(jobs_kind_name((enum job_kind)i), kinds[i]);
	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		assert_string_equal(jobs_state_name((enum job_state)i), states[i]);
	assert_string_equal(jobs_kind_name((enum job_kind)99), "?");
	assert_string_equal(jobs_state_name((enum job_state)99), "?");
}

/* ------------------------------------------------------------------------
 * Refusals: no job, nothing sent, no change callback
 * ------------------------------------------------------------------------ */

static void
test_read_only_refused(void **state)
{
	static const char *const ids[] = { "acme", NULL };
	struct fixture *f = *state;
	enum mig_kind mk;
	char *why = NULL;

	for (mk = MIG_RUN_APPLY; mk <= MIG_RUN_REPAIR; mk++) {
		why = migrate_refused(f, RO, "users", mk);
		assert_contains(why, "read-only");
		free(why);
		why = NULL;
	}
	why = tenant_refused(f, RO, TENANT_JOB_PROVISION, ids);
	assert_contains(why, "read-only");
	free(why);
	why = NULL;
	why = tenant_refused(f, RO, TENANT_JOB_MIGRATE, NULL);
	assert_contains(why, "read-only");
	free(why);
	assert_int_equal(jobs_count(f->jobs), 0);
	assert_int_equal(f->n_changes, 0);
	assert_int_equal(f->log.count, 0);
	run_for(f, 20);
	assert_nothing_sent(f, RO);
}

static void
test_not_jobs_refused(void **state)
{
	struct fixture *f = *state;
	char *why = NULL;

	why = migrate_refused(f, SLOW, "users", MIG_RUN_STATUS);
	assert_string_equal(why, "a status is not a job");
	free(why);
	why = NULL;
	why = tenant_refused(f, SLOW, TENANT_JOB_LIST, NULL);
	assert_string_equal(why, "a tenant list is not a job");
	free(why);
	assert_int_equal(jobs_count(f->jobs), 0);
	assert_int_equal(f->n_changes, 0);
	assert_nothing_sent(f, SLOW);
}

static void
test_no_tenant_section_refused(void **state)
{
	static const char *const ids[] = { "acme", NULL };
	struct fixture *f = *state;
	char *why = NULL;

	why = tenant_refused(f, PLAIN, TENANT_JOB_PROVISION, ids);
	assert_string_equal(why, "database plain has no tenants section in its profile");
	free(why);
	assert_int_equal(jobs_count(f->jobs), 0);
	assert_nothing_sent(f, PLAIN);
}

static void
test_unreadable_folder_refused(void **state)
{
	static const char *const ids[] = { "acme", NULL };
	struct fixture *f = *state;
	char *folder = xasprintf("%s/migrations/users", f->dir);
	char *why = NULL;

	/* the folder went away after the profile was loaded */
	tu_rm_rf(folder);
	why = migrate_refused(f, SLOW, "users", MIG_RUN_APPLY);
	assert_contains(why, folder);
	free(why);
	why = NULL;
	free(folder);
	folder = xasprintf("%s/migrations/tenant", f->dir);
	tu_rm_rf(folder);
	why = tenant_refused(f, SLOW, TENANT_JOB_PROVISION, ids);
	assert_contains(why, folder);
	free(why);
	free(folder);
	assert_int_equal(jobs_count(f->jobs), 0);
	assert_int_equal(f->n_changes, 0);
	assert_nothing_sent(f, SLOW);
	/* the module still works once its folder is back */
	put(f->dir, "migrations/users", NULL);
	start_migrate(f, SLOW, "users", MIG_RUN_APPLY, NULL);
	assert_int_equal(jobs_count(f->jobs), 1);
}

static void
test_invalid_module_refused(void **state)
{
	struct fixture *f = *state;
	struct profile_module bad = *module(f, SLOW, "users");
	char name[] = "Bad Name";
	struct mig_opts o;
	char *why = NULL;

	/* a module the profile loader would not have let through */
	bad.name = name;
	bad.schema = name;
	mig_opts_defaults(&o);
	assert_null(jobs_migrate(f->jobs, SLOW, f->db[SLOW], &bad, MIG_RUN_APPLY, &o, &why));
	assert_contains(why, "Bad Name");
	free(why);
	assert_int_equal(jobs_count(f->jobs), 0);
	assert_nothing_sent(f, SLOW);
}

static void
test_busy_module_refused(void **state)
{
	struct fixture *f = *state;
	const struct job *first;
	char *why = NULL;

	first = start_migrate(f, SLOW, "users", MIG_RUN_APPLY, NULL);
	assert_int_equal(first->state, JOB_RUNNING);
	why = migrate_refused(f, SLOW, "users", MIG_RUN_ROLLBACK);
	assert_string_equal(why, "a job on users is running; wait for it or cancel it");
	free(why);
	/* another module, or the same module through another database, may run */
	start_migrate(f, SLOW, "billing", MIG_RUN_APPLY, NULL);
	start_migrate(f, PLAIN, "users", MIG_RUN_APPLY, NULL);
	assert_int_equal(jobs_count(f->jobs), 3);
	assert_int_equal(jobs_running(f->jobs), 3);
}

static void
test_second_fanout_refused(void **state)
{
	static const char *const ids[] = { "acme", NULL };
	struct fixture *f = *state;
	char *why = NULL;

	start_tenant(f, SLOW, TENANT_JOB_MIGRATE, NULL, false);
	why = tenant_refused(f, SLOW, TENANT_JOB_ROLLBACK, NULL);
	assert_string_equal(why, "a fan-out is running on rw; wait for it or cancel it");
	free(why);
	/* other tenant jobs do not wait for a fan-out */
	start_tenant(f, SLOW, TENANT_JOB_PROVISION, ids, false);
	assert_int_equal(jobs_running(f->jobs), 2);
}

/* ------------------------------------------------------------------------
 * Titles, life cycle and results
 * ------------------------------------------------------------------------ */

static void
test_titles(void **state)
{
	static const char *const one[] = { "acme", NULL };
	static const char *const two[] = { "acme", "globex", NULL };
	struct fixture *f = *state;
	struct mig_opts o;
	const struct job *j;

	mig_opts_defaults(&o);
	j = start_migrate(f, SLOW, "users", MIG_RUN_APPLY, &o);
	assert_string_equal(j->title, "apply the pending migrations of users");
	assert_string_equal(j->target, "users");
	assert_string_equal(j->db_label, "rw");
	assert_int_equal(j->db, SLOW);
	assert_int_equal(j->kind, JOB_APPLY);
	assert_false(j->tenant_job);
	o.steps = 2;
	j = start_migrate(f, SLOW, "billing", MIG_RUN_APPLY, &o);
	assert_string_equal(j->title, "apply the next 2 migrations of billing");
	o.steps = 1;
	j = start_migrate(f, PLAIN, "users", MIG_RUN_APPLY, &o);
	assert_string_equal(j->title, "apply the next 1 migration of users");
	jobs_free(&f->jobs); /* abandon them; a fresh list for the rest */
	f->jobs = jobs_new(f->loop, &f->log);

	mig_opts_defaults(&o);
	o.to = "20240101_init.sql";
	assert_string_equal(start_migrate(f, SLOW, "users", MIG_RUN_APPLY, &o)->title,
			    "apply users up to 20240101_init.sql");
	mig_opts_defaults(&o);
	assert_string_equal(start_migrate(f, SLOW, "billing", MIG_RUN_ROLLBACK, &o)->title,
			    "roll back 1 migration of billing");
	o.steps = 3;
	assert_string_equal(start_migrate(f, PLAIN, "users", MIG_RUN_ROLLBACK, &o)->title,
			    "roll back 3 migrations of users");
	jobs_free(&f->jobs);
	f->jobs = jobs_new(f->loop, &f->log);

	mig_opts_defaults(&o);
	o.repair_file = "20240101_init.sql";
	j = start_migrate(f, SLOW, "users", MIG_RUN_REPAIR, &o);
	assert_string_equal(j->title, "repair the checksum of 20240101_init.sql in users");
	assert_int_equal(j->kind, JOB_REPAIR);

	j = start_tenant(f, SLOW, TENANT_JOB_PROVISION, one, false);
	assert_string_equal(j->title, "provision tenant acme (1 migration)");
	assert_string_equal(j->target, "acme");
	assert_true(j->tenant_job);
	j = start_tenant(f, SLOW, TENANT_JOB_PROVISION, two, false);
	assert_string_equal(j->title, "provision 2 tenants");
	assert_string_equal(j->target, "tenants");
	j = start_tenant(f, SLOW, TENANT_JOB_RESTORE, one, false);
	assert_string_equal(j->title, "restore tenant acme");
	assert_int_equal(j->kind, JOB_RESTORE);
	j = start_tenant(f, SLOW, TENANT_JOB_MIGRATE, NULL, false);
	assert_string_equal(j->title, "apply pending migrations to every tenant");
	assert_string_equal(j->target, "tenants");
	assert_int_equal(j->kind, JOB_FANOUT);
	jobs_free(&f->jobs);
	f->jobs = jobs_new(f->loop, &f->log);
	j = start_tenant(f, SLOW, TENANT_JOB_ROLLBACK, one, false);
	assert_string_equal(j->title, "roll back one migration on 1 tenant");
	assert_string_equal(j->target, "tenants"); /* a fan-out, even on one */
	assert_int_equal(j->kind, JOB_FANOUT_ROLLBACK);
}

static void
test_migrate_job_fails_without_server(void **state)
{
	struct fixture *f = *state;
	const struct job *job;
	const struct msg *m;
	size_t n;

	job = start_migrate(f, FAST, "users", MIG_RUN_APPLY, NULL);
	assert_int_equal(job->id, 1);
	/* started: the callback saw it running, the log says so */
	assert_true(f->n_changes >= 1);
	assert_int_equal(f->changes[0].id, 1);
	assert_int_equal(f->changes[0].state, JOB_RUNNING);
	assert_string_equal(msglog_get(&f->log, 0)->text,
			    "apply the pending migrations of users: started");
	assert_string_equal(msglog_get(&f->log, 0)->source, "rw");
	assert_string_equal(job->progress, "");

	wait_ended(f, job, 10000);
	assert_int_equal(job->state, JOB_FAILED);
	/* the error says why: the socket that is not there */
	assert_contains(job->error, "nosock");
	assert_null(job->error_file);
	assert_int_equal(job->error_line, 0);
	assert_contains(job->result, "users: failed: ");
	assert_true(job->ended_ms >= job->started_ms);
	/* the end reached the callback and the log */
	assert_int_equal(f->changes[f->n_changes - 1].state, JOB_FAILED);
	m = last_msg(f);
	assert_int_equal(m->level, MSG_ERROR);
	assert_contains(m->text, "apply users: ");
	assert_int_equal(jobs_running(f->jobs), 0);
	assert_null(jobs_running_on(f->jobs, FAST));
	/* a migrate job has no tenant results */
	assert_null(jobs_tenant_results(job, &n));
	assert_int_equal(n, 0);
	/* the module is free again */
	job = start_migrate(f, FAST, "users", MIG_RUN_APPLY, NULL);
	wait_ended(f, job, 10000);
}

/*
 * min: 0, so the job's own request makes the pool open its first
 * connection, inside pool_acquire(), and on a fail-fast pool that attempt
 * fails (and answers the request) before pool_acquire() returns. Freeing the
 * ended jobs must not touch that request again (it did: pool_acquire()
 * returned the freed request as a handle, and jobs_free() withdrew it).
 */
static void
test_fail_fast_start_leaves_no_handle(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	struct fixture *f = *state;
	const struct job *job;
	struct pool_stats st;

	job = start_migrate(f, FAST, "users", MIG_RUN_APPLY, NULL);
	wait_ended(f, job, 10000);
	job = start_tenant(f, FAST, TENANT_JOB_PROVISION, acme, false);
	wait_ended(f, job, 10000);
	pool_stats(f->db[FAST]->pool, &st);
	assert_int_equal(st.waiting, 0);
	jobs_free(&f->jobs);
	pool_stats(f->db[FAST]->pool, &st);
	assert_int_equal(st.waiting, 0);
}

static void
test_tenant_job_fails_without_server(void **state)
{
	static const char *const ids[] = { "acme", NULL };
	struct fixture *f = *state;
	const struct job *job;

	job = start_tenant(f, FAST, TENANT_JOB_PROVISION, ids, false);
	assert_true(job->tenant_job);
	wait_ended(f, job, 10000);
	assert_int_equal(job->state, JOB_FAILED);
	assert_non_null(job->error);
	assert_string_equal(job->progress, "0/0 done, 0 failed, 0 skipped, 0 running, 0.0/s");
	assert_true(strncmp(job->result, "acme: ", 6) == 0);
	assert_contains(job->result, job->error);
	assert_true(job->tprog.finished);
	assert_int_equal(f->changes[f->n_changes - 1].state, JOB_FAILED);
	assert_int_equal(last_msg(f)->level, MSG_ERROR);
	assert_string_equal(last_msg(f)->text, job->result);
}

/* The tenant engine refuses before its start function returns: the job is
 * finished by the time jobs_tenant returns, with the refusal as result. */
static void
test_engine_refusal_ends_at_once(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	static const char *const bad[] = { "Not-Valid", NULL };
	struct fixture *f = *state;
	const struct job *job;

	job = start_tenant(f, SLOW, TENANT_JOB_ARCHIVE, acme, false);
	assert_int_equal(job->state, JOB_FAILED);
	assert_string_equal(job->error,
			    "deprovisioning needs the tenant id typed back (--confirm ID)");
	assert_string_equal(job->result,
			    "acme: deprovisioning needs the tenant id typed back (--confirm ID)");
	assert_string_equal(job->title, "archive tenant acme");
	/* the callback saw it start and end, in that order */
	assert_int_equal(f->n_changes, 2);
	assert_int_equal(f->changes[0].state, JOB_RUNNING);
	assert_int_equal(f->changes[1].state, JOB_FAILED);
	assert_string_equal(msglog_get(&f->log, 0)->text, "archive tenant acme: started");
	assert_int_equal(last_msg(f)->level, MSG_ERROR);
	assert_string_equal(last_msg(f)->text, job->result);

	job = start_tenant(f, SLOW, TENANT_JOB_DROP, bad, true);
	assert_int_equal(job->state, JOB_FAILED);
	assert_string_equal(job->target, "Not-Valid");
	assert_contains(job->error, "Not-Valid");
	assert_int_equal(jobs_running(f->jobs), 0);
	assert_nothing_sent(f, SLOW);
}

/* ------------------------------------------------------------------------
 * Cancel
 * ------------------------------------------------------------------------ */

static void
test_cancel(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	struct fixture *f = *state;
	const struct job *mj, *tj, *done;

	assert_false(jobs_cancel(f->jobs, 42));
	mj = start_migrate(f, SLOW, "users", MIG_RUN_APPLY, NULL);
	tj = start_tenant(f, STALL, TENANT_JOB_PROVISION, acme, false);
	done = start_tenant(f, SLOW, TENANT_JOB_ARCHIVE, acme, false); /* refused: ended */
	assert_int_equal(done->state, JOB_FAILED);
	run_for(f, 50); /* the tenant job's first query is sent */

	/* a running job: accepted, logged; it stops, it is not killed (the
	 * migrate run still waits for its connection: it ends at once; the
	 * tenant job's query is in flight: it ends when that answers) */
	assert_true(jobs_cancel(f->jobs, mj->id));
	assert_string_equal(last_msg(f)->text,
			    "apply the pending migrations of users: cancel requested");
	assert_int_equal(mj->state, JOB_CANCELLED);
	assert_true(jobs_cancel(f->jobs, tj->id));
	assert_string_equal(last_msg(f)->text,
			    "provision tenant acme (1 migration): cancel requested");
	assert_true(tj->tprog.cancelled);
	assert_int_equal(tj->state, JOB_RUNNING);
	/* an ended job: nothing to cancel */
	assert_false(jobs_cancel(f->jobs, done->id));
	assert_int_equal(done->state, JOB_FAILED);
	assert_int_equal(jobs_running(f->jobs), 1);
}

static void
test_cancel_before_start(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	struct fixture *f = *state;
	const struct job *mj, *tj, *fj;

	/* cancelled while they wait for their first connection, which never
	 * comes: each ends at once, cancelled, and says so; nothing waits for
	 * the pool to give up (300 ms) */
	mj = start_migrate(f, BRIEF, "users", MIG_RUN_APPLY, NULL);
	tj = start_tenant(f, BRIEF, TENANT_JOB_PROVISION, acme, false);
	fj = start_tenant(f, BRIEF, TENANT_JOB_MIGRATE, NULL, false);
	assert_true(jobs_cancel(f->jobs, mj->id));
	assert_true(jobs_cancel(f->jobs, tj->id));
	assert_true(jobs_cancel(f->jobs, fj->id));
	assert_int_equal(mj->state, JOB_CANCELLED);
	assert_contains(mj->result, "users: cancelled while waiting for a connection");
	assert_int_equal(tj->state, JOB_CANCELLED);
	assert_string_equal(tj->result, "acme: cancelled while waiting for a connection");
	assert_null(tj->error);
	assert_int_equal(fj->state, JOB_CANCELLED);
	assert_string_equal(fj->result, "tenants: cancelled while waiting for a connection");
	assert_false(jobs_cancel(f->jobs, mj->id));
	assert_false(jobs_cancel(f->jobs, tj->id));
	assert_false(jobs_cancel(f->jobs, fj->id));
	assert_int_equal(jobs_running(f->jobs), 0);
}

/* ------------------------------------------------------------------------
 * The change callback's cadence
 * ------------------------------------------------------------------------ */

static void
test_progress_is_throttled(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	struct fixture *f = *state;
	const struct job *job;
	size_t i;

	job = start_tenant(f, STALL, TENANT_JOB_PROVISION, acme, false);
	assert_int_equal(f->n_changes, 1); /* the start, at once */
	run_for(f, 150);		   /* its first query is sent, and never answered */
	assert_int_equal(f->n_changes, 1);
	/* five progress changes in a burst (each cancel request moves the
	 * tenant progress): at most one reaches the callback now... */
	for (i = 0; i < 5; i++)
		assert_true(jobs_cancel(f->jobs, job->id));
	assert_true(f->n_changes <= 2);
	/* ...and the newest one within the next 100 ms, from a loop timer */
	wait_changes(f, 2, 5000);
	run_for(f, 250);
	assert_true(f->n_changes == 2 || f->n_changes == 3);
	for (i = 1; i < f->n_changes; i++) {
		assert_int_equal(f->changes[i].state, JOB_RUNNING);
		if (f->changes[i].at_ms - f->changes[i - 1].at_ms < 100)
			fail_msg("changes %zu and %zu only %lld ms apart", i - 1, i,
				 (long long)(f->changes[i].at_ms - f->changes[i - 1].at_ms));
	}
	assert_true(f->changes[f->n_changes - 1].cancelled);
	/* nothing more moves: no more calls */
	i = f->n_changes;
	run_for(f, 250);
	assert_int_equal(f->n_changes, i);
}

static void
test_end_is_not_throttled(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	struct fixture *f = *state;
	const struct job *job;
	int64_t t0;
	size_t i, n;

	/* the job ends when its query's connection is lost, 300 ms after the
	 * start; two progress changes at about 250 ms: the first is told at
	 * once, the second held back until about 350 ms; the end is told at
	 * once and the held-back change is dropped */
	job = start_tenant(f, STALL, TENANT_JOB_PROVISION, acme, false);
	t0 = loop_now(f->loop);
	run_for(f, 250);
	assert_int_equal(job->state, JOB_RUNNING);
	assert_true(jobs_cancel(f->jobs, job->id));
	assert_true(jobs_cancel(f->jobs, job->id));
	run_for(f, t0 + 300 - loop_now(f->loop));
	stall_break();
	wait_ended(f, job, 10000);
	assert_contains(job->error, "cannot create the console's tables: connection lost");
	n = f->n_changes;
	assert_int_equal(f->changes[n - 1].state, JOB_FAILED);
	assert_int_equal(f->changes[n - 1].at_ms, job->ended_ms);
	run_for(f, 250);
	assert_int_equal(f->n_changes, n);
	/* while it ran, never two calls within 100 ms */
	for (i = 1; i + 1 < n; i++)
		assert_true(f->changes[i].at_ms - f->changes[i - 1].at_ms >= 100);
}

static void
test_freed_list_calls_nothing(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	struct fixture *f = *state;
	const struct job *job;
	struct pool_stats st;

	job = start_tenant(f, STALL, TENANT_JOB_PROVISION, acme, false);
	run_for(f, 50); /* its query is in flight */
	start_migrate(f, SLOW, "users", MIG_RUN_APPLY, NULL);
	start_tenant(f, SLOW, TENANT_JOB_PROVISION, acme, false);
	assert_true(jobs_cancel(f->jobs, job->id)); /* a throttle timer pending */
	assert_int_equal(f->n_changes, 3);
	pool_stats(f->db[SLOW]->pool, &st);
	assert_int_equal(st.waiting, 2);
	jobs_free(&f->jobs);
	assert_null(f->jobs);
	/* abandoned: no callback, no timer firing into freed memory; the jobs
	 * that waited for a connection withdrew their requests, the one whose
	 * query is in flight stays until it is answered (the connection lost,
	 * here) and then frees itself */
	pool_stats(f->db[SLOW]->pool, &st);
	assert_int_equal(st.waiting, 0);
	run_for(f, 300);
	assert_int_equal(f->n_changes, 3);
	stall_break();
	run_for(f, 100);
	assert_int_equal(f->n_changes, 3);
}

/* ------------------------------------------------------------------------
 * Retention
 * ------------------------------------------------------------------------ */

/* A job that ends before jobs_tenant returns (archive without --confirm). */
static const struct job *
ended_job(struct fixture *f)
{
	static const char *const acme[] = { "acme", NULL };
	const struct job *job = start_tenant(f, SLOW, TENANT_JOB_ARCHIVE, acme, false);

	assert_int_equal(job->state, JOB_FAILED);
	return job;
}

static void
test_keeps_newest_16(void **state)
{
	struct fixture *f = *state;
	const struct job *keep5 = NULL;
	size_t i;

	for (i = 1; i <= 16; i++) {
		const struct job *j = ended_job(f);

		if (i == 5)
			keep5 = j;
	}
	assert_int_equal(jobs_count(f->jobs), 16);
	assert_non_null(jobs_find(f->jobs, 1));
	for (i = 17; i <= 20; i++)
		ended_job(f);
	assert_int_equal(jobs_count(f->jobs), 16);
	/* newest first: 20 down to 5; 1 to 4 are gone */
	for (i = 0; i < 16; i++)
		assert_int_equal(jobs_get(f->jobs, i)->id, 20 - i);
	assert_null(jobs_get(f->jobs, 16));
	for (i = 1; i <= 4; i++)
		assert_null(jobs_find(f->jobs, i));
	/* the pointers of the kept jobs stay valid */
	assert_ptr_equal(jobs_find(f->jobs, 5), keep5);
	assert_int_equal(keep5->id, 5);
	assert_string_equal(keep5->target, "acme");
	assert_null(jobs_find(f->jobs, 21));
}

static void
test_running_jobs_are_kept(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	struct fixture *f = *state;
	const struct job *running;
	size_t i;

	running = start_tenant(f, SLOW, TENANT_JOB_PROVISION, acme, false);
	for (i = 0; i < 20; i++)
		ended_job(f);
	assert_int_equal(jobs_count(f->jobs), 16);
	assert_ptr_equal(jobs_find(f->jobs, 1), running);
	assert_int_equal(running->state, JOB_RUNNING);
	/* the oldest kept is the running one, then the newest 15 that ended */
	assert_ptr_equal(jobs_get(f->jobs, 15), running);
	assert_int_equal(jobs_get(f->jobs, 14)->id, 7);
	assert_int_equal(jobs_running(f->jobs), 1);
	assert_ptr_equal(jobs_running_on(f->jobs, SLOW), running);
	assert_null(jobs_running_on(f->jobs, FAST));
}

static void
test_running_beyond_16(void **state)
{
	struct fixture *f = *state;
	char ids[20][8];
	size_t i;

	/* seventeen running jobs: none may be dropped */
	for (i = 0; i < 17; i++) {
		const char *one[2];

		snprintf(ids[i], sizeof ids[i], "t%zu", i);
		one[0] = ids[i];
		one[1] = NULL;
		start_tenant(f, SLOW, TENANT_JOB_PROVISION, one, false);
	}
	assert_int_equal(jobs_count(f->jobs), 17);
	assert_int_equal(jobs_running(f->jobs), 17);
	/* the newest running one of the database */
	assert_int_equal(jobs_running_on(f->jobs, SLOW)->id, 17);
	/* one that ends is kept too: the list only sheds ended jobs */
	ended_job(f);
	assert_int_equal(jobs_count(f->jobs), 18);
	ended_job(f);
	assert_int_equal(jobs_count(f->jobs), 18); /* the first ended one went */
	assert_null(jobs_find(f->jobs, 18));
	assert_non_null(jobs_find(f->jobs, 19));
	assert_non_null(jobs_find(f->jobs, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_read_only_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_jobs_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tenant_section_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_folder_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_module_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_module_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_fanout_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_titles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_job_fails_without_server, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tenant_job_fails_without_server, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fail_fast_start_leaves_no_handle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_engine_refusal_ends_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_before_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress_is_throttled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_is_not_throttled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freed_list_calls_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keeps_newest_16, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_jobs_are_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_beyond_16, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
