/*
 * it_advisor: each of the advisor's findings staged on a real server and
 * seen reported with its evidence, and a clean database reported clean.
 *
 * Every test gets a fresh database (the advisor only looks at sessions of
 * its own database), builds the situation with blocking libpq (tests may
 * block; churn runs in a child process so the advisor's sampling, on this
 * process's event loop, is never held up by it), runs the advisor to the
 * end and checks the report.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "advisor.h"
#include "database.h"
#include "itutil.h"
#include "loop.h"
#include "migrate.h"
#include "msglog.h"
#include "pool.h"
#include "profile.h"
#include "testutil.h"
#include "xalloc.h"

#define MAX_CONNS 16

struct env {
	struct loop *loop;
	struct msglog log;
	struct profile *profile;
	struct database *db;
	struct advisor *adv;
	PGconn *check;
	PGconn *conns[MAX_CONNS];
	int n_conns;
	pid_t child;
	int progress; /* what advisor_reached awaits */
};

static int test_no;

static int
setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);
	char name[32];
	char *db;

	snprintf(name, sizeof name, "adv%d", ++test_no);
	db = it_db_name(name);
	it_use_fresh_database(db);
	free(db);
	e->loop = loop_new();
	msglog_init(&e->log, 1000);
	e->check = it_connect();
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;
	int i;

	if (e->child > 0) {
		kill(e->child, SIGTERM);
		waitpid(e->child, NULL, 0);
	}
	advisor_free(&e->adv);
	database_close(&e->db);
	profile_free(&e->profile);
	for (i = 0; i < e->n_conns; i++)
		PQfinish(e->conns[i]);
	PQfinish(e->check);
	loop_free(&e->loop);
	msglog_free(&e->log);
	free(e);
	return 0;
}

static void
use_profile(struct env *e, const char *text)
{
	struct profile_diags diags = { NULL, 0, 0 };
	char *dir = tu_src_path("tests/data");
	size_t i;

	e->profile = profile_load_string(text, strlen(text), "it.yaml", dir, &diags);
	for (i = 0; i < diags.n; i++)
		fprintf(stderr, "%s:%d:%d: %s\n", diags.v[i].file, diags.v[i].line, diags.v[i].col,
			diags.v[i].msg);
	assert_non_null(e->profile);
	profile_diags_free(&diags);
	free(dir);
	e->db = database_open(e->loop, &e->profile->databases[0], &e->log, false);
}

static PGconn *
open_app(struct env *e, const char *app)
{
	char ci[128];
	PGconn *pg;

	snprintf(ci, sizeof ci, "application_name=%s", app);
	pg = PQconnectdb(ci);
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	assert_true(e->n_conns < MAX_CONNS);
	e->conns[e->n_conns++] = pg;
	return pg;
}

/* A ledger with pgdbm's exact DDL, and rows for files (NULL-terminated). */
static void
make_ledger(struct env *e, const char *schema, const char *const *files)
{
	char *ddl = migrate_ledger_ddl(schema, "schema_migrations", true);
	size_t i;

	it_cmd(e->check, ddl);
	free(ddl);
	for (i = 0; files != NULL && files[i] != NULL; i++) {
		char *sql = xasprintf("INSERT INTO %s.schema_migrations (filename, checksum, "
				      "module_name, execution_time_ms) VALUES ('%s', "
				      "repeat('a', 64), '%s', 1)",
				      schema, files[i], schema);

		it_cmd(e->check, sql);
		free(sql);
	}
}

static void
print_report(const struct adv_report *r)
{
	size_t i, k;

	fprintf(stderr, "  pattern %s%s\n", r->pattern.name,
		r->pattern.several_pools ? " (several pools)" : "");
	for (i = 0; i < r->pattern.n_evidence; i++)
		fprintf(stderr, "    . %s\n", r->pattern.evidence[i]);
	for (i = 0; i < r->n_findings; i++) {
		const struct adv_finding *f = &r->findings[i];

		fprintf(stderr, "  %s %s [%s]: %s\n", adv_severity_name(f->severity), f->id,
			f->subject ? f->subject : "-", f->title);
		for (k = 0; k < f->n_evidence; k++)
			fprintf(stderr, "    - %s\n", f->evidence[k]);
	}
	for (i = 0; i < r->n_notes; i++)
		fprintf(stderr, "  note: %s\n", r->notes[i]);
}

static bool
advisor_done(void *arg)
{
	const struct env *e = arg;

	return advisor_finished(e->adv);
}

/* Finished, or past e->progress (per mille). */
static bool
advisor_reached(void *arg)
{
	const struct env *e = arg;

	return advisor_finished(e->adv) || advisor_progress(e->adv) >= e->progress;
}

static const struct adv_report *
run(struct env *e, int64_t window_ms)
{
	struct adv_opts o;
	const struct adv_report *r;

	adv_opts_defaults(&o);
	o.window_ms = window_ms;
	advisor_free(&e->adv);
	e->adv = advisor_new(e->loop, e->db, e->profile, &o, &e->log);
	advisor_start(e->adv);
	assert_int_equal(advisor_state(e->adv), ADVISOR_RUNNING);
	it_run_until(e->loop, advisor_done, e, 30000);
	if (advisor_state(e->adv) != ADVISOR_DONE)
		fprintf(stderr, "advisor: %s: %s\n", advisor_state_name(advisor_state(e->adv)),
			advisor_error(e->adv));
	assert_int_equal(advisor_state(e->adv), ADVISOR_DONE);
	assert_int_equal(advisor_progress(e->adv), 1000);
	r = advisor_report(e->adv);
	assert_non_null(r);
	print_report(r);
	assert_true(r->samples >= 2);
	return r;
}

static const struct adv_finding *
find(const struct adv_report *r, const char *id, const char *subject)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++) {
		const struct adv_finding *f = &r->findings[i];

		if (strcmp(f->id, id) != 0)
			continue;
		if (subject == NULL || (f->subject != NULL && strcmp(f->subject, subject) == 0))
			return f;
	}
	return NULL;
}

static bool
says(const struct adv_finding *f, const char *needle)
{
	size_t i;

	for (i = 0; i < f->n_evidence; i++) {
		if (strstr(f->evidence[i], needle) != NULL)
			return true;
	}
	return false;
}

static const struct adv_app_summary *
app(const struct adv_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_apps; i++) {
		if (strcmp(r->apps[i].appname, name) == 0)
			return &r->apps[i];
	}
	return NULL;
}

/*
 * A child process that opens and closes `per_s` connections per second
 * with one application_name, each doing work_ms of "request" first, for
 * `for_ms`.
 */
static pid_t
churn(const char *appname, int per_s, int work_ms, int64_t for_ms)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		char ci[128], sql[64];
		int64_t start = it_now_ms(), next = start;
		int64_t step = 1000 / per_s;

		snprintf(ci, sizeof ci, "application_name=%s", appname);
		snprintf(sql, sizeof sql, "SELECT pg_sleep(%d / 1000.0)", work_ms);
		while (it_now_ms() - start < for_ms) {
			PGconn *pg = PQconnectdb(ci);

			PQclear(PQexec(pg, sql));
			PQfinish(pg);
			next += step;
			if (next > it_now_ms())
				usleep((useconds_t)(next - it_now_ms()) * 1000);
		}
		_exit(0);
	}
	return pid;
}

/* ------------------------------------------------------------------------
 * A clean database is reported clean
 * ------------------------------------------------------------------------ */

static const char clean_profile[] = "databases:\n"
				    "  main:\n"
				    "    conninfo: \"\"\n"
				    "    application_name: it-advisor-console\n"
				    "    pool: { min: 1, max: 2 }\n"
				    "    modules:\n"
				    "      - { name: users, migrations: migrations/users }\n"
				    "      - { name: orders, migrations: migrations/orders }\n"
				    "    tenants:\n"
				    "      prefix: tenant_\n"
				    "      migrations: migrations/tenant\n"
				    "    apps:\n"
				    "      - { application_name: app_pool, pool_max: 20 }\n";

static void
test_clean_database(void **state)
{
	struct env *e = *state;
	const char *const files[] = { "001_init.sql", "002_more.sql", NULL };
	const struct adv_report *r;
	const struct adv_app_summary *a;
	int i;

	use_profile(e, clean_profile);
	make_ledger(e, "users", files);
	make_ledger(e, "orders", files);
	make_ledger(e, "tenant_a", files);
	make_ledger(e, "tenant_b", files);
	make_ledger(e, "tenant_c", files);
	for (i = 0; i < 5; i++)
		open_app(e, "app_pool");
	r = run(e, 1500);
	assert_true(r->clean);
	assert_int_equal(r->n_findings, 0);
	assert_string_equal(r->pattern.id, "schema-per-tenant");
	assert_false(r->pattern.several_pools);
	a = app(r, "app_pool");
	assert_non_null(a);
	assert_int_equal(a->peak, 5);
	assert_int_equal(a->declared_max, 20);
	assert_int_equal(a->new_backends, 0);
	assert_int_equal(a->short_lived, 0);
	/* the console's own connection is not an application pool */
	assert_null(app(r, "it-advisor-console"));
	assert_true(r->max_connections > 0);
	assert_true(r->window_ms >= 1400);
}

/* ------------------------------------------------------------------------
 * Churn: a pool per request
 * ------------------------------------------------------------------------ */

static const char apps_profile[] = "databases:\n"
				   "  main:\n"
				   "    conninfo: \"\"\n"
				   "    application_name: it-advisor-console\n"
				   "    pool: { min: 1, max: 2 }\n"
				   "    alerts: { idle_in_transaction: 1s }\n"
				   "    apps:\n"
				   "      - { application_name: app_pool, pool_max: 20 }\n"
				   "      - { application_name: busy_pool, pool_max: 4 }\n"
				   "      - { application_name: small_pool, pool_max: 3 }\n";

static void
test_churn_one_application(void **state)
{
	struct env *e = *state;
	const struct adv_report *r;
	const struct adv_finding *f;
	const struct adv_app_summary *a;
	int i;

	use_profile(e, apps_profile);
	for (i = 0; i < 5; i++)
		open_app(e, "app_pool"); /* a steady pool next to the churn */
	/* 40 connections a second with one application_name, each a 10 ms request */
	e->child = churn("orders_pool", 40, 10, 5000);
	usleep(300 * 1000);
	r = run(e, 3000);
	f = find(r, "pool-per-request", "orders_pool");
	assert_non_null(f);
	assert_int_equal(f->severity, ADV_PROBLEM);
	assert_true(says(f, "pg_stat_database.sessions"));
	assert_true(says(f, "backends of orders_pool start and end within the window (pids "));
	assert_non_null(strstr(f->rule, "Pool per Request"));
	a = app(r, "orders_pool");
	assert_non_null(a);
	/* 40 a second asked; a loaded machine (or a sanitizer build) makes fewer */
	assert_true(a->churn_per_s >= 10 && a->churn_per_s <= 60);
	assert_true(a->short_lived >= 3);
	/* the steady pool is not churning */
	assert_null(find(r, "pool-per-request", "app_pool"));
	a = app(r, "app_pool");
	assert_int_equal(a->new_backends, 0);
	assert_true(a->churn_per_s == 0);
	assert_false(r->clean);
}

/* Sessions too brief for any sample to see are still counted. */
static void
test_churn_too_brief_to_attribute(void **state)
{
	struct env *e = *state;
	const struct adv_report *r;
	const struct adv_finding *f;

	use_profile(e, apps_profile);
	e->child = churn("brief_pool", 40, 0, 4000);
	usleep(300 * 1000);
	r = run(e, 2000);
	f = find(r, "pool-per-request", NULL);
	assert_non_null(f);
	/* either a sample caught one (then it is attributed) or it is the database's */
	assert_true(f->subject == NULL || strcmp(f->subject, "brief_pool") == 0);
	assert_true(says(f, "pg_stat_database.sessions"));
}

/* ------------------------------------------------------------------------
 * Idle in transaction
 * ------------------------------------------------------------------------ */

static void
test_idle_in_transaction(void **state)
{
	struct env *e = *state;
	const struct adv_report *r;
	const struct adv_finding *f;
	PGconn *leaky;
	char pid[96];

	use_profile(e, apps_profile);
	leaky = open_app(e, "leaky_pool");
	it_cmd(leaky, "BEGIN");
	it_cmd(leaky, "SELECT 1");
	usleep(1300 * 1000);
	r = run(e, 500);
	f = find(r, "idle-in-transaction", "leaky_pool");
	assert_non_null(f);
	assert_int_equal(f->severity, ADV_WARNING);
	snprintf(pid, sizeof pid, "pid %d from local: idle in transaction for ",
		 PQbackendPID(leaky));
	assert_true(says(f, pid));
	assert_true(says(f, "threshold 1s"));
	assert_non_null(strstr(f->title, "1 session of leaky_pool"));
	assert_false(r->clean);
	it_cmd(leaky, "ROLLBACK");
}

/* ------------------------------------------------------------------------
 * Several pools
 * ------------------------------------------------------------------------ */

static void
test_two_pools_of_one_service(void **state)
{
	struct env *e = *state;
	const struct adv_report *r;
	const struct adv_finding *f;
	int i;

	use_profile(e, apps_profile);
	for (i = 0; i < 3; i++)
		open_app(e, "users_pool");
	for (i = 0; i < 2; i++)
		open_app(e, "users_worker_pool");
	r = run(e, 500);
	f = find(r, "multiple-pools", "users");
	assert_non_null(f);
	assert_int_equal(f->severity, ADV_WARNING);
	assert_true(says(f, "application_name users_pool: up to 3 connections at once"));
	assert_true(says(f, "application_name users_worker_pool: up to 2 connections at once"));
	assert_non_null(strstr(f->rule, "Multiple Pools to Same Database"));
	assert_true(r->pattern.several_pools);
}

static void
test_pool_over_its_declared_max(void **state)
{
	struct env *e = *state;
	const struct adv_report *r;
	const struct adv_finding *f;
	int i;

	use_profile(e, apps_profile);
	for (i = 0; i < 6; i++)
		open_app(e, "small_pool"); /* declared pool_max 3 */
	r = run(e, 500);
	f = find(r, "multiple-pools", "small_pool");
	assert_non_null(f);
	assert_true(says(f, "6 connections at once from local, declared pool_max 3"));
	assert_int_equal(app(r, "small_pool")->peak, 6);
}

static void
test_pool_busy_at_its_max(void **state)
{
	struct env *e = *state;
	const struct adv_report *r;
	const struct adv_finding *f;
	PGconn *busy[4];
	int i;

	use_profile(e, apps_profile);
	for (i = 0; i < 4; i++) { /* declared pool_max 4, all running */
		busy[i] = open_app(e, "busy_pool");
		assert_int_equal(PQsendQuery(busy[i], "SELECT pg_sleep(30)"), 1);
	}
	usleep(100 * 1000);
	r = run(e, 800);
	f = find(r, "pool-undersized", "busy_pool");
	assert_non_null(f);
	assert_int_equal(f->severity, ADV_WARNING);
	assert_true(says(f, "all 4 connections busy"));
	assert_true(says(f, "below the guide's smallest band (< 100 req/s -> 10-20"));
	assert_non_null(strstr(f->rule, "100-1000 req/s -> 20-50 connections"));
	assert_true(app(r, "busy_pool")->saturated >= 2);
	for (i = 0; i < 4; i++) {
		PGcancel *c = PQgetCancel(busy[i]);
		char err[256];
		PGresult *res;

		PQcancel(c, err, sizeof err);
		PQfreeCancel(c);
		while ((res = PQgetResult(busy[i])) != NULL)
			PQclear(res);
	}
}

static const char big_profile[] = "databases:\n"
				  "  main:\n"
				  "    conninfo: \"\"\n"
				  "    application_name: it-advisor-console\n"
				  "    pool: { min: 1, max: 2 }\n"
				  "    apps:\n"
				  "      - { application_name: a_pool, pool_max: 200 }\n"
				  "      - { application_name: b_pool, pool_max: 150 }\n";

static void
test_declared_pools_above_max_connections(void **state)
{
	struct env *e = *state;
	const struct adv_report *r;
	const struct adv_finding *f;
	char line[128];
	long max = it_scalar(e->check, "SELECT current_setting('max_connections')::int");
	long reserved = it_scalar(e->check, "SELECT current_setting('superuser_reserved_"
					    "connections')::int");

	use_profile(e, big_profile);
	r = run(e, 400);
	f = find(r, "max-connections", NULL);
	assert_non_null(f);
	assert_int_equal(f->severity, ADV_PROBLEM);
	snprintf(line, sizeof line, "max_connections %ld, %ld reserved: %ld usable", max, reserved,
		 max - reserved);
	assert_true(says(f, line));
	assert_true(says(f, "declared pool_max: a_pool 200, b_pool 150; the console's own pool "
			    "2: 352 in all"));
	/* each is also above the guide's largest band */
	f = find(r, "pool-oversized", "a_pool");
	assert_non_null(f);
	assert_true(says(f, "above the guide's largest band (> 1000 req/s -> 50-100"));
	assert_non_null(find(r, "pool-oversized", "b_pool"));
}

/* ------------------------------------------------------------------------
 * Ledgers and tenants
 * ------------------------------------------------------------------------ */

static void
test_ledger_without_module(void **state)
{
	struct env *e = *state;
	const char *const files[] = { "001_init.sql", "002_more.sql", NULL };
	const struct adv_report *r;
	const struct adv_finding *f;

	use_profile(e, clean_profile);
	make_ledger(e, "users", files);
	make_ledger(e, "billing", files);
	r = run(e, 300);
	f = find(r, "ledger-without-module", "billing");
	assert_non_null(f);
	assert_int_equal(f->severity, ADV_WARNING);
	assert_true(says(f, "billing.schema_migrations: 2 rows, module billing, last applied "));
	/* the profile's module is not reported */
	assert_null(find(r, "ledger-without-module", "users"));
	assert_string_equal(r->pattern.id, "shared-pool-schemas");
}

static void
test_tenant_missing_migrations(void **state)
{
	struct env *e = *state;
	const char *const two[] = { "001_init.sql", "002_more.sql", NULL };
	const char *const one[] = { "001_init.sql", NULL };
	const struct adv_report *r;
	const struct adv_finding *f;

	use_profile(e, clean_profile);
	make_ledger(e, "tenant_a", two);
	make_ledger(e, "tenant_b", two);
	make_ledger(e, "tenant_c", one);
	it_cmd(e->check, "CREATE SCHEMA tenant_d"); /* provisioned, never migrated */
	r = run(e, 300);
	f = find(r, "tenant-missing-migrations", "tenant_c");
	assert_non_null(f);
	assert_int_equal(f->severity, ADV_WARNING);
	assert_true(says(f, "tenant: tenant_c"));
	assert_true(says(f, "missing: 002_more.sql (in 2 of 4 tenants)"));
	f = find(r, "tenant-missing-migrations", "tenant_d");
	assert_non_null(f);
	assert_true(says(f, "no ledger table at all (tenant_d.schema_migrations)"));
	assert_true(says(f, "missing: 001_init.sql (in 3 of 4 tenants), 002_more.sql (in 2 of 4 "
			    "tenants)"));
	assert_null(find(r, "tenant-missing-migrations", "tenant_a"));
	assert_true(says(find(r, "tenant-missing-migrations", "tenant_c"), "their ledger lists 1"));
	assert_string_equal(r->pattern.id, "schema-per-tenant");
}

/* Many tenants: chunked reads agree with one read. */
static void
test_many_tenants_chunked(void **state)
{
	struct env *e = *state;
	const struct adv_report *r;
	const struct adv_finding *f;
	struct adv_opts o;

	use_profile(e, clean_profile);
	it_cmd(e->check,
	       "DO $$ BEGIN FOR i IN 1..120 LOOP\n"
	       "  EXECUTE format('CREATE SCHEMA tenant_%s', lpad(i::text, 3, '0'));\n"
	       "  EXECUTE format('CREATE TABLE tenant_%s.schema_migrations (id SERIAL "
	       "PRIMARY KEY, filename VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT "
	       "NULL, module_name VARCHAR(100), applied_at TIMESTAMP NOT NULL DEFAULT "
	       "CURRENT_TIMESTAMP, applied_by VARCHAR(100) DEFAULT CURRENT_USER, "
	       "execution_time_ms INTEGER, UNIQUE(filename, module_name))', "
	       "lpad(i::text, 3, '0'));\n"
	       "  EXECUTE format('INSERT INTO tenant_%1$s.schema_migrations (filename, "
	       "checksum, module_name) VALUES (''001_init.sql'', ''x'', ''tenant_%1$s'')', "
	       "lpad(i::text, 3, '0'));\n"
	       "  IF i % 40 <> 7 THEN\n"
	       "    EXECUTE format('INSERT INTO tenant_%1$s.schema_migrations (filename, "
	       "checksum, module_name) VALUES (''002_more.sql'', ''x'', ''tenant_%1$s'')', "
	       "lpad(i::text, 3, '0'));\n"
	       "  END IF;\n"
	       "END LOOP; END $$");
	adv_opts_defaults(&o);
	o.window_ms = 200;
	o.ledgers_per_query = 25; /* five chunks */
	e->adv = advisor_new(e->loop, e->db, e->profile, &o, &e->log);
	advisor_start(e->adv);
	it_run_until(e->loop, advisor_done, e, 30000);
	r = advisor_report(e->adv);
	assert_non_null(r);
	print_report(r);
	f = find(r, "tenant-missing-migrations", NULL);
	assert_non_null(f);
	assert_non_null(strstr(f->title, "3 tenant schemas lack 1 migration"));
	assert_true(says(f, "tenants: tenant_007, tenant_047, tenant_087"));
	assert_true(says(f, "missing: 002_more.sql (in 117 of 120 tenants)"));
	assert_int_equal(r->n_findings, 1);
}

/* ------------------------------------------------------------------------
 * A run that cannot finish normally
 * ------------------------------------------------------------------------ */

static void
test_unreachable_server(void **state)
{
	struct env *e = *state;

	use_profile(e, "databases:\n"
		       "  main:\n"
		       "    conninfo: \"host=127.0.0.1 port=1\"\n"
		       "    connect_timeout: 1s\n"
		       "    pool: { min: 0, max: 1, acquire_timeout: 1s }\n");
	e->adv = advisor_new(e->loop, e->db, e->profile, NULL, &e->log);
	advisor_start(e->adv);
	it_run_until(e->loop, advisor_done, e, 20000);
	assert_int_equal(advisor_state(e->adv), ADVISOR_FAILED);
	assert_null(advisor_report(e->adv));
	assert_non_null(strstr(advisor_error(e->adv), "no connection: "));
	assert_non_null(strstr(advisor_phase(e->adv), "failed: no connection"));
}

/* The advisor's connection killed while it samples: what it saw is judged. */
static void
test_connection_lost_while_sampling(void **state)
{
	struct env *e = *state;
	const struct adv_report *r;
	struct adv_opts o;
	int pids[4], n, i;
	char sql[64];
	bool noted = false;

	use_profile(e, apps_profile);
	open_app(e, "app_pool");
	adv_opts_defaults(&o);
	o.window_ms = 4000;
	e->adv = advisor_new(e->loop, e->db, e->profile, &o, &e->log);
	advisor_start(e->adv);
	e->progress = 400;
	it_run_until(e->loop, advisor_reached, e, 20000);
	assert_int_equal(advisor_state(e->adv), ADVISOR_RUNNING);
	n = pool_backend_pids(e->db->pool, pids, 4);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pids[i]);
		it_cmd(e->check, sql);
	}
	it_run_until(e->loop, advisor_done, e, 20000);
	assert_int_equal(advisor_state(e->adv), ADVISOR_DONE);
	r = advisor_report(e->adv);
	print_report(r);
	assert_true(r->samples >= 2);
	assert_true(r->window_ms < 4000);
	for (i = 0; i < (int)r->n_notes; i++)
		noted = noted || strstr(r->notes[i], "the connection was lost after") != NULL;
	assert_true(noted);
	assert_non_null(app(r, "app_pool"));
}

static bool
connection_back(void *arg)
{
	const struct env *e = arg;
	struct pool_stats st;

	pool_stats(e->db->pool, &st);
	return st.in_use == 0;
}

/* Freed in the middle of its window: nothing leaks, the connection goes back. */
static void
test_freed_while_running(void **state)
{
	struct env *e = *state;
	struct pool_stats st;

	use_profile(e, clean_profile);
	e->adv = advisor_new(e->loop, e->db, e->profile, NULL, &e->log);
	advisor_start(e->adv);
	e->progress = 300;
	it_run_until(e->loop, advisor_reached, e, 20000);
	assert_int_equal(advisor_state(e->adv), ADVISOR_RUNNING);
	pool_stats(e->db->pool, &st);
	assert_int_equal(st.in_use, 1);
	advisor_free(&e->adv);
	it_run_until(e->loop, connection_back, e, 5000);
	pool_stats(e->db->pool, &st);
	assert_int_equal(st.in_use, 0);
	/* started again from scratch, it finishes */
	run(e, 300);
}

/* ------------------------------------------------------------------------
 * The command: exit status and JSON
 * ------------------------------------------------------------------------ */

static int
run_cli(const char *args, char **out)
{
	const char *bin = getenv("PGDBM_CONSOLE");
	char *dir = tu_mkdtemp();
	char *path = xasprintf("%s/out", dir);
	char *cmd = xasprintf("'%s' advise %s >'%s' 2>&1", bin, args, path);
	int rc = system(cmd);

	*out = tu_read_file(path, NULL);
	fprintf(stderr, "$ pgdbm-console advise %s\n%s", args, *out ? *out : "");
	tu_rm_rf(dir);
	free(dir);
	free(path);
	free(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void
test_command(void **state)
{
	struct env *e = *state;
	char *dir, *profile, *args, *out = NULL;
	const char *const files[] = { "001_init.sql", NULL };
	char *rel = tu_src_path("tests/data/migrations/users");
	char *mig = realpath(rel, NULL);
	PGconn *leaky;

	free(rel);
	assert_non_null(mig);
	if (getenv("PGDBM_CONSOLE") == NULL) {
		free(mig);
		skip();
	}
	dir = tu_mkdtemp();
	profile = xasprintf("%s/p.yaml", dir);
	{
		char *text = xasprintf("databases:\n"
				       "  main:\n"
				       "    conninfo: \"\"\n"
				       "    pool: { min: 1, max: 2 }\n"
				       "    alerts: { idle_in_transaction: 1s }\n"
				       "    modules:\n"
				       "      - { name: users, migrations: %s }\n",
				       mig);

		assert_int_equal(tu_write_file(profile, text), 0);
		free(text);
	}
	make_ledger(e, "users", files);

	args = xasprintf("--profile '%s' --window 300ms --json", profile);
	assert_int_equal(run_cli(args, &out), 0);
	assert_non_null(strstr(out, "\"clean\": true"));
	assert_non_null(strstr(out, "\"id\": \"simple\""));
	free(out);

	leaky = open_app(e, "leaky_pool");
	it_cmd(leaky, "BEGIN");
	it_cmd(leaky, "SELECT 1");
	usleep(1200 * 1000);
	assert_int_equal(run_cli(args, &out), 1);
	assert_non_null(strstr(out, "\"id\": \"idle-in-transaction\""));
	assert_non_null(strstr(out, "\"subject\": \"leaky_pool\""));
	free(out);
	free(args);

	args = xasprintf("--profile '%s' --window 300ms", profile);
	assert_int_equal(run_cli(args, &out), 1);
	assert_non_null(strstr(out, "WARNING  idle-in-transaction leaky_pool: 1 session of "
				    "leaky_pool left idle in a transaction"));
	free(out);
	free(args);
	it_cmd(leaky, "ROLLBACK");

	args = xasprintf("--profile '%s' --window 1", profile);
	assert_int_equal(run_cli(args, &out), 2);
	free(out);
	free(args);
	args = xasprintf("--profile '%s' --database nope", profile);
	assert_int_equal(run_cli(args, &out), 2);
	free(out);
	free(args);

	tu_rm_rf(dir);
	free(dir);
	free(profile);
	free(mig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_one_application, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_too_brief_to_attribute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_in_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_pools_of_one_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_over_its_declared_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_busy_at_its_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_declared_pools_above_max_connections, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ledger_without_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenant_missing_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_tenants_chunked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_lost_while_sampling, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_freed_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command, setup, teardown),
	};

	it_require_server();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
