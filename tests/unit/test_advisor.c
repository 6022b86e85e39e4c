/*
 * test_advisor: the advisor's evidence and rules over hand-made evidence
 * (no server): following backends across samples, churn estimates, each
 * finding's rule and evidence, the detected pattern, and the report.
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

#include "advisor.h"
#include "profile.h"
#include "testutil.h"
#include "xalloc.h"

#define MS 1000		      /* µs */
#define T0 1700000000000000LL /* a server clock, µs */

static const char base_profile[] = "databases:\n"
				   "  main:\n"
				   "    conninfo: \"\"\n"
				   "    application_name: console\n"
				   "    pool: { min: 1, max: 2 }\n"
				   "    alerts: { idle_in_transaction: 10s }\n"
				   "    modules:\n"
				   "      - { name: users, migrations: migrations/users }\n"
				   "      - { name: orders, migrations: migrations/orders }\n"
				   "    tenants:\n"
				   "      prefix: tenant_\n"
				   "      migrations: migrations/tenant\n"
				   "    apps:\n"
				   "      - { application_name: app_pool, pool_max: 20 }\n"
				   "      - { application_name: small_pool, pool_max: 4 }\n"
				   "      - { application_name: mid_pool, pool_max: 20 }\n";

static struct profile *
load(const char *text)
{
	struct profile_diags diags = { NULL, 0, 0 };
	char *dir = tu_src_path("tests/data");
	struct profile *p = profile_load_string(text, strlen(text), "t.yaml", dir, &diags);
	size_t i;

	for (i = 0; i < diags.n; i++)
		fprintf(stderr, "%d:%d: %s\n", diags.v[i].line, diags.v[i].col, diags.v[i].msg);
	assert_non_null(p);
	profile_diags_free(&diags);
	free(dir);
	return p;
}

struct fx {
	struct profile *p;
	struct adv_evidence ev;
	struct adv_opts o;
	struct adv_report r;
	bool judged;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);

	f->p = load(base_profile);
	adv_evidence_init(&f->ev, f->p, &f->p->databases[0]);
	f->ev.max_connections = 100;
	f->ev.reserved = 3;
	f->ev.can_read_all = true;
	f->ev.server_version = 150000;
	adv_opts_defaults(&f->o);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f->judged)
		adv_report_free(&f->r);
	adv_evidence_free(&f->ev);
	profile_free(&f->p);
	free(f);
	return 0;
}

static const struct adv_report *
judge(struct fx *f)
{
	size_t i, k;

	if (f->judged)
		adv_report_free(&f->r);
	adv_judge(&f->ev, &f->o, &f->r);
	f->judged = true;
	for (i = 0; i < f->r.n_findings; i++) {
		fprintf(stderr, "  %s %s [%s]: %s\n", adv_severity_name(f->r.findings[i].severity),
			f->r.findings[i].id,
			f->r.findings[i].subject ? f->r.findings[i].subject : "-",
			f->r.findings[i].title);
		for (k = 0; k < f->r.findings[i].n_evidence; k++)
			fprintf(stderr, "    - %s\n", f->r.findings[i].evidence[k]);
	}
	return &f->r;
}

static const struct adv_finding *
find(const struct adv_report *r, const char *id, const char *subject)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++) {
		const struct adv_finding *x = &r->findings[i];

		if (strcmp(x->id, id) != 0)
			continue;
		if (subject == NULL ? x->subject == NULL
				    : x->subject != NULL && strcmp(x->subject, subject) == 0)
			return x;
	}
	return NULL;
}

static size_t
count(const struct adv_report *r, const char *id)
{
	size_t i, n = 0;

	for (i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i].id, id) == 0;
	return n;
}

static bool
says(const struct adv_finding *x, const char *needle)
{
	size_t i;

	for (i = 0; x != NULL && i < x->n_evidence; i++) {
		if (strstr(x->evidence[i], needle) != NULL)
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

/* A row: pid, app, host, started at (ms from T0), state. */
static struct adv_row
row(int pid, const char *appname, const char *host, int64_t start_ms, const char *state)
{
	struct adv_row r;

	memset(&r, 0, sizeof r);
	r.pid = pid;
	r.appname = appname;
	r.host = host;
	r.start_us = T0 + start_ms * MS;
	r.state = state;
	r.state_change_us = r.start_us;
	return r;
}

static void
sample(struct fx *f, int64_t at_ms, int64_t sessions, const struct adv_row *rows, size_t n)
{
	struct adv_sample s;

	memset(&s, 0, sizeof s);
	s.now_us = T0 + at_ms * MS;
	s.sessions = sessions;
	s.server_backends = (int)n;
	s.rows = rows;
	s.n_rows = n;
	adv_evidence_add_sample(&f->ev, &s);
}

/* n steady backends of app, started long before T0 */
static size_t
steady(struct adv_row *rows, size_t at, int first_pid, const char *appname, const char *host, int n,
       const char *state)
{
	int i;

	for (i = 0; i < n; i++)
		rows[at + (size_t)i] = row(first_pid + i, appname, host, -600000, state);
	return at + (size_t)n;
}

/* ------------------------------------------------------------------------ */

static void
test_opts_and_schema_kinds(void **state)
{
	struct fx *f = *state;
	const struct profile_database *pdb = &f->p->databases[0];
	struct profile *bare = load("databases:\n  d:\n    conninfo: \"\"\n");

	assert_int_equal(f->o.window_ms, 3000);
	assert_int_equal(f->o.sample_ms, 50);
	assert_int_equal(f->o.short_lived_ms, 1000);
	assert_true(f->o.churn_per_s == 5.0);
	assert_int_equal(adv_schema_kind(pdb, "users", "schema_migrations"), ADV_SCHEMA_MODULE);
	assert_int_equal(adv_schema_kind(pdb, "users", NULL), ADV_SCHEMA_MODULE);
	assert_int_equal(adv_schema_kind(pdb, "users", "other_ledger"), ADV_SCHEMA_OTHER);
	assert_int_equal(adv_schema_kind(pdb, "tenant_a", NULL), ADV_SCHEMA_TENANT);
	assert_int_equal(adv_schema_kind(pdb, "tenant_", NULL), ADV_SCHEMA_OTHER);
	assert_int_equal(adv_schema_kind(pdb, "archived_a", NULL), ADV_SCHEMA_ARCHIVED);
	assert_int_equal(adv_schema_kind(pdb, "billing", NULL), ADV_SCHEMA_OTHER);
	/* without a tenants section, pgdbm's own tenant_ prefix */
	assert_string_equal(adv_tenant_prefix(&bare->databases[0]), "tenant_");
	assert_int_equal(adv_schema_kind(&bare->databases[0], "tenant_x", NULL), ADV_SCHEMA_TENANT);
	assert_int_equal(adv_schema_kind(&bare->databases[0], "archived_x", NULL),
			 ADV_SCHEMA_OTHER);
	profile_free(&bare);
}

static void
test_backends_followed(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[4];
	const struct adv_backend *b;

	rows[0] = row(10, "app_pool", "local", -1000, "idle");
	rows[1] = row(11, "app_pool", "local", 20, "active");
	sample(f, 50, -1, rows, 2);
	sample(f, 100, -1, rows, 2);
	/* 11 ends; its pid comes back as another backend */
	rows[1] = row(11, "app_pool", "local", 120, "idle");
	sample(f, 150, -1, rows, 1);
	sample(f, 200, -1, rows, 2);
	assert_int_equal(f->ev.n_backends, 3);
	b = &f->ev.backends[1];
	assert_int_equal(b->pid, 11);
	assert_int_equal(b->gone_us, T0 + 150 * MS);
	assert_int_equal(b->last_seen_us, T0 + 100 * MS);
	b = &f->ev.backends[2];
	assert_int_equal(b->pid, 11);
	assert_int_equal(b->gone_us, 0);
	assert_int_equal(f->ev.backends[0].gone_us, 0);
	assert_int_equal(f->ev.samples, 4);
	assert_int_equal(f->ev.first_us, T0 + 50 * MS);
	assert_int_equal(f->ev.last_us, T0 + 200 * MS);
	assert_int_equal(f->ev.apps[0].peak, 2); /* app_pool, declared first */
	assert_int_equal(f->ev.apps[0].peak_busy, 1);
}

/* Many backends: the pid table grows and keeps finding them. */
static void
test_many_backends(void **state)
{
	struct fx *f = *state;
	struct adv_row *rows = xcalloc(3000, sizeof *rows);
	size_t i;

	for (i = 0; i < 3000; i++)
		rows[i] = row((int)(1000 + i * 7), "app_pool", "local", -5000, "idle");
	sample(f, 0, 10, rows, 3000);
	sample(f, 50, 10, rows, 3000);
	assert_int_equal(f->ev.n_backends, 3000);
	assert_int_equal(f->ev.apps[0].peak, 3000);
	free(rows);
}

/* 40 connections a second with one application_name, beside a steady pool. */
static void
test_churn_attributed(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[16];
	const struct adv_report *r;
	const struct adv_finding *x;
	int64_t t;
	int pid = 5000;

	/* 3 s, a sample every 50 ms; a churn backend lives 10 ms and starts
	 * every 25 ms; a sample sees the ones alive at its instant, here one
	 * in every other sample */
	for (t = 0; t <= 3000; t += 50) {
		size_t n = steady(rows, 0, 100, "app_pool", "local", 5, "idle");

		if (t % 100 == 0 && t > 0 && t < 3000)
			rows[n++] = row(pid + (int)t, "orders_pool", "local", t - 5, "active");
		sample(f, t, 1000 + t * 40 / 1000, rows, n);
	}
	r = judge(f);
	x = find(r, "pool-per-request", "orders_pool");
	assert_non_null(x);
	assert_int_equal(x->severity, ADV_PROBLEM);
	assert_true(says(x,
			 "pg_stat_database.sessions: 120 sessions started in 3.0 s; 0 still "
			 "connected at the end, 0 lived longer than 1s: about 120 came and went"));
	assert_true(says(x, "saw 29 backends of orders_pool start and end within the window"));
	assert_non_null(strstr(x->title, "about 40 connections per second"));
	assert_non_null(strstr(x->rule, "Pool per Request: \"WRONG - Never create pools in "
					"request handlers\""));
	assert_int_equal(count(r, "pool-per-request"), 1); /* not the steady pool */
	assert_true(app(r, "orders_pool")->churn_per_s > 39 &&
		    app(r, "orders_pool")->churn_per_s < 41);
	assert_int_equal(app(r, "orders_pool")->short_lived, 29);
	assert_int_equal(app(r, "app_pool")->new_backends, 0);
	assert_false(r->clean);
	assert_int_equal(r->worst, ADV_PROBLEM);
}

/* Two churning apps share the counter's rate by their sightings. */
static void
test_churn_shared_out(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[4];
	const struct adv_report *r;
	int64_t t;

	for (t = 0; t <= 2000; t += 50) {
		size_t n = 0;

		if (t % 100 == 0 && t > 0 && t < 2000)
			rows[n++] = row(7000 + (int)t, "a_pool", "local", t - 5, "active");
		if (t % 200 == 50)
			rows[n++] = row(9000 + (int)t, "b_pool", "local", t - 5, "active");
		sample(f, t, 60 * t / 1000, rows, n);
	}
	r = judge(f);
	/* 120 sessions in 2 s = 60/s; a_pool seen 19 times, b_pool 10 times */
	assert_true(app(r, "a_pool")->churn_per_s > 39 && app(r, "a_pool")->churn_per_s < 41);
	assert_true(app(r, "b_pool")->churn_per_s > 19 && app(r, "b_pool")->churn_per_s < 21);
	assert_true(says(find(r, "pool-per-request", "b_pool"), "some of the 29 short-lived"));
}

/* Sessions too short for any sample: a finding about the database. */
static void
test_churn_unattributed(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[4];
	const struct adv_report *r;
	const struct adv_finding *x;
	int64_t t;

	for (t = 0; t <= 2000; t += 50) {
		size_t n = steady(rows, 0, 100, "app_pool", "local", 2, "idle");

		sample(f, t, 500 + 30 * t / 1000, rows, n);
	}
	r = judge(f);
	x = find(r, "pool-per-request", NULL);
	assert_non_null(x);
	assert_int_equal(x->severity, ADV_WARNING);
	assert_non_null(strstr(x->title, "about 30 times per second"));
	assert_true(says(x, "no sample (every 50ms) caught one of them"));
	assert_int_equal(count(r, "pool-per-request"), 1);
}

/* A pool growing (new backends that stay) or recycling slowly is no churn. */
static void
test_pool_growth_is_not_churn(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[32];
	const struct adv_report *r;
	int64_t t;
	int i;

	for (t = 0; t <= 3000; t += 50) {
		size_t n = steady(rows, 0, 100, "app_pool", "local", 5, "idle");
		int grown = (int)(t / 200); /* one more connection every 200 ms */

		for (i = 0; i < grown && i < 15; i++)
			rows[n++] = row(300 + i, "app_pool", "local", 200 * (i + 1) - 10, "idle");
		/* one connection recycled after a long life */
		if (t < 1500)
			rows[n++] = row(900, "app_pool", "local", -200000, "idle");
		sample(f, t, 100 + (grown < 15 ? grown : 15), rows, n);
	}
	r = judge(f);
	assert_null(find(r, "pool-per-request", NULL));
	assert_int_equal(count(r, "pool-per-request"), 0);
	assert_int_equal(app(r, "app_pool")->new_backends, 15);
	assert_int_equal(app(r, "app_pool")->short_lived, 0);
}

/* PostgreSQL < 14: the rate is what sampling saw. */
static void
test_churn_without_session_counter(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[2];
	const struct adv_report *r;
	const struct adv_finding *x;
	int64_t t;
	size_t i;
	bool noted = false;

	for (t = 0; t <= 2000; t += 50) {
		size_t n = 0;

		if (t > 0)
			rows[n++] = row(7000 + (int)t, "orders_pool", "local", t - 5, "active");
		sample(f, t, -1, rows, n);
	}
	r = judge(f);
	x = find(r, "pool-per-request", "orders_pool");
	assert_non_null(x);
	assert_true(says(x, "no per-database session counter (PostgreSQL < 14)"));
	assert_false(says(x, "pg_stat_database.sessions"));
	assert_true(app(r, "orders_pool")->churn_per_s > 19); /* 39 seen in 2 s */
	for (i = 0; i < r->n_notes; i++)
		noted = noted || strstr(r->notes[i], "PostgreSQL < 14") != NULL;
	assert_true(noted);
}

static void
test_idle_in_transaction(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[4];
	const struct adv_report *r;
	const struct adv_finding *x;

	rows[0] = row(41, "leaky_pool", "10.0.0.5", -100000, "idle in transaction");
	rows[0].state_change_us = T0 - 12000 * MS; /* 12 s before T0 */
	rows[0].xact_start_us = T0 - 13000 * MS;
	rows[1] = row(42, "leaky_pool", "10.0.0.5", -100000, "idle in transaction");
	rows[1].state_change_us = T0 - 2000 * MS; /* under the threshold */
	rows[2] = row(43, "other_pool", "10.0.0.6", -100000, "idle in transaction (aborted)");
	rows[2].state_change_us = T0 - 90000 * MS;
	rows[3] = row(44, "console", "local", -100000, "idle in transaction");
	rows[3].state_change_us = T0 - 90000 * MS;
	rows[3].own = true;
	sample(f, 0, 5, rows, 4);
	sample(f, 500, 5, rows, 4);
	r = judge(f);
	x = find(r, "idle-in-transaction", "leaky_pool");
	assert_non_null(x);
	assert_int_equal(x->severity, ADV_WARNING);
	assert_non_null(strstr(x->title, "1 session of leaky_pool left idle in a transaction for "
					 "up to 12s"));
	assert_true(says(x, "pid 41 from 10.0.0.5: idle in transaction for 12s, transaction open "
			    "for 13s"));
	assert_false(says(x, "pid 42"));
	assert_true(says(x, "threshold 10s"));
	x = find(r, "idle-in-transaction", "other_pool");
	assert_non_null(x);
	assert_int_equal(x->severity, ADV_PROBLEM); /* past pgdbm's own 60 s */
	assert_true(says(x, "pid 43 from 10.0.0.6: idle in transaction (aborted) for 1m30s"));
	assert_true(says(x, "the timeout is off"));
	assert_null(find(r, "idle-in-transaction", "console"));
	assert_int_equal(app(r, "leaky_pool")->idle_in_tx, 1);
	/* an explicit threshold wins over the profile's */
	f->o.idle_in_tx_ms = 1000;
	r = judge(f);
	assert_true(says(find(r, "idle-in-transaction", "leaky_pool"), "pid 42"));
}

static void
test_multiple_pools(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[32];
	const struct adv_report *r;
	const struct adv_finding *x;
	size_t n = 0;

	n = steady(rows, n, 100, "users_pool", "10.0.0.1", 3, "idle");
	n = steady(rows, n, 110, "users_pool_2", "10.0.0.1", 2, "idle");
	n = steady(rows, n, 120, "users_worker_pool", "10.0.0.2", 1, "idle");
	n = steady(rows, n, 130, "usersx_pool", "10.0.0.3", 1, "idle"); /* another service */
	n = steady(rows, n, 140, "orders_pool", "10.0.0.3", 1, "idle");
	n = steady(rows, n, 150, "psql", "10.0.0.4", 1, "idle");	  /* not a pool */
	n = steady(rows, n, 160, "tenant_a_pool", "10.0.0.7", 1, "idle"); /* pool per tenant */
	n = steady(rows, n, 170, "tenant_b_pool", "10.0.0.7", 1, "idle");
	sample(f, 0, 1, rows, n);
	sample(f, 50, 1, rows, n);
	r = judge(f);
	x = find(r, "multiple-pools", "users");
	assert_non_null(x);
	assert_non_null(strstr(x->title, "3 pools of service users"));
	assert_true(says(x, "application_name users_pool: up to 3 connections at once"));
	assert_true(says(x, "application_name users_pool_2: up to 2 connections"));
	assert_true(says(x, "application_name users_worker_pool: up to 1 connection at once"));
	assert_false(says(x, "usersx_pool"));
	assert_null(find(r, "multiple-pools", "usersx"));
	assert_null(find(r, "multiple-pools", "orders"));
	x = find(r, "multiple-pools", NULL);
	assert_non_null(x);
	assert_non_null(strstr(x->title, "2 pools are named after tenant schemas"));
	assert_true(says(x, "tenant_a_pool"));
	/* two different pools from one address: info only */
	x = find(r, "pools-same-host", "10.0.0.3");
	assert_non_null(x);
	assert_int_equal(x->severity, ADV_INFO);
	assert_true(says(x, "usersx_pool (1), orders_pool (1)"));
	assert_true(r->pattern.several_pools);
}

static void
test_pool_above_declared(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[32];
	const struct adv_report *r;
	const struct adv_finding *x;
	size_t n = 0;

	/* small_pool (max 4): 6 from one host: more than one pool there */
	n = steady(rows, n, 100, "small_pool", "10.0.0.1", 6, "idle");
	/* mid_pool (max 20): 3 replicas of 12: above the max in all, each within */
	n = steady(rows, n, 200, "mid_pool", "10.0.1.1", 12, "idle");
	sample(f, 0, 1, rows, n);
	n = steady(rows, 6, 300, "mid_pool", "10.0.1.2", 12, "idle");
	sample(f, 50, 1, rows, n);
	n = steady(rows, 6, 400, "mid_pool", "10.0.1.3", 12, "idle");
	sample(f, 100, 1, rows, n);
	r = judge(f);
	x = find(r, "multiple-pools", "small_pool");
	assert_non_null(x);
	assert_true(says(x, "6 connections at once from 10.0.0.1, declared pool_max 4: more than "
			    "one pool of that size"));
	assert_null(find(r, "multiple-pools", "mid_pool"));
	/* peaks per host in different samples: 12 at most at once */
	assert_null(find(r, "pool-above-declared", "mid_pool"));
	n = steady(rows, 0, 200, "mid_pool", "10.0.1.1", 12, "idle");
	n = steady(rows, n, 300, "mid_pool", "10.0.1.2", 12, "idle");
	sample(f, 150, 1, rows, n);
	r = judge(f);
	x = find(r, "pool-above-declared", "mid_pool");
	assert_non_null(x);
	assert_int_equal(x->severity, ADV_INFO);
	assert_non_null(strstr(x->title, "24 connections from 3 client hosts, above its pool_max "
					 "20"));
	assert_true(says(x, "replicas with a pool each"));
	assert_true(r->clean == false); /* small_pool is a warning */
}

static void
test_undersized(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[32];
	const struct adv_report *r;
	const struct adv_finding *x;
	int t;
	size_t n;

	/* small_pool (max 4) busy in 1 of 8 samples: a burst */
	for (t = 0; t < 8; t++) {
		n = steady(rows, 0, 100, "small_pool", "local", 4, t == 3 ? "active" : "idle");
		n = steady(rows, n, 200, "app_pool", "local", 20, "active"); /* max 20 */
		sample(f, t * 50, 1, rows, n);
	}
	r = judge(f);
	assert_null(find(r, "pool-undersized", "small_pool"));
	x = find(r, "pool-undersized", "app_pool");
	assert_non_null(x);
	assert_true(says(x, "all 20 connections busy (active or in a transaction) in 8 of 8 "
			    "samples"));
	assert_true(says(x, "pool_max 20 is the top of the band < 100 req/s -> 10-20 "
			    "connections; the next band is 100-1000 req/s -> 20-50"));
	/* busy in 2 of 8 samples is a quarter: undersized */
	for (t = 8; t < 10; t++) {
		n = steady(rows, 0, 100, "small_pool", "local", 4, "idle in transaction");
		sample(f, t * 50, 1, rows, n);
	}
	r = judge(f);
	x = find(r, "pool-undersized", "small_pool");
	assert_non_null(x);
	assert_true(says(x, "pool_max 4 is below the guide's smallest band (< 100 req/s -> "
			    "10-20 connections)"));
}

static void
test_undersized_within_band(void **state)
{
	struct fx *f = *state;
	struct profile *p = load("databases:\n"
				 "  d:\n"
				 "    conninfo: \"\"\n"
				 "    apps:\n"
				 "      - { application_name: x_pool, pool_max: 30 }\n"
				 "      - { application_name: y_pool, pool_max: 100 }\n");
	struct adv_row rows[160];
	const struct adv_report *r;
	size_t n;

	adv_evidence_free(&f->ev);
	adv_evidence_init(&f->ev, p, &p->databases[0]);
	f->ev.max_connections = 500;
	n = steady(rows, 0, 100, "x_pool", "local", 30, "active");
	n = steady(rows, n, 200, "y_pool", "local", 100, "active");
	sample(f, 0, 1, rows, n);
	sample(f, 50, 1, rows, n);
	r = judge(f);
	assert_true(says(find(r, "pool-undersized", "x_pool"),
			 "pool_max 30 sits in the band 100-1000 req/s -> 20-50 connections: room "
			 "to grow within it"));
	assert_true(says(find(r, "pool-undersized", "y_pool"),
			 "top of the guide's largest band: beyond it the scaling table moves to "
			 "Multiple Databases"));
	adv_report_free(&f->r);
	f->judged = false;
	adv_evidence_free(&f->ev);
	profile_free(&p);
	adv_evidence_init(&f->ev, f->p, &f->p->databases[0]);
}

static void
test_oversized_and_max_connections(void **state)
{
	struct fx *f = *state;
	struct profile *p = load("databases:\n"
				 "  d:\n"
				 "    conninfo: \"\"\n"
				 "    pool: { min: 1, max: 4 }\n"
				 "    warn_at: 80%\n"
				 "    apps:\n"
				 "      - { application_name: a_pool, pool_max: 120 }\n"
				 "      - { application_name: b_pool, pool_max: 40 }\n");
	const struct adv_report *r;
	const struct adv_finding *x;
	struct adv_row rows[1];

	adv_evidence_free(&f->ev);
	adv_evidence_init(&f->ev, p, &p->databases[0]);
	f->ev.max_connections = 200;
	f->ev.reserved = 3;
	rows[0] = row(1, "b_pool", "local", -5000, "idle");
	sample(f, 0, 1, rows, 1);
	sample(f, 50, 1, rows, 1);
	r = judge(f);
	/* 164 of 197 usable: past 80 % */
	x = find(r, "max-connections", NULL);
	assert_non_null(x);
	assert_int_equal(x->severity, ADV_WARNING);
	assert_true(says(x, "declared pool_max: a_pool 120, b_pool 40; the console's own pool 4: "
			    "164 in all (83% of usable)"));
	assert_true(says(x, "max_connections 200, 3 reserved: 197 usable"));
	x = find(r, "pool-oversized", "a_pool");
	assert_non_null(x);
	assert_int_equal(x->severity, ADV_WARNING);
	assert_null(find(r, "pool-oversized", "b_pool"));

	/* a smaller server: the sum and a_pool itself exceed it */
	f->ev.max_connections = 100;
	r = judge(f);
	x = find(r, "max-connections", NULL);
	assert_int_equal(x->severity, ADV_PROBLEM);
	assert_non_null(strstr(x->title, "the declared pools need 164 connections; the server "
					 "allows 97"));
	x = find(r, "pool-oversized", "a_pool");
	assert_int_equal(x->severity, ADV_PROBLEM);
	assert_true(says(x, "this pool can never be full"));

	/* plenty of room: nothing */
	f->ev.max_connections = 1000;
	r = judge(f);
	assert_null(find(r, "max-connections", NULL));

	adv_report_free(&f->r);
	f->judged = false;
	adv_evidence_free(&f->ev);
	profile_free(&p);
	adv_evidence_init(&f->ev, f->p, &f->p->databases[0]);
}

static void
test_seen_connections_near_max(void **state)
{
	struct fx *f = *state;
	struct adv_sample s;
	const struct adv_report *r;

	memset(&s, 0, sizeof s);
	s.now_us = T0;
	s.sessions = 1;
	s.server_backends = 97;
	adv_evidence_add_sample(&f->ev, &s);
	s.now_us = T0 + 50 * MS;
	adv_evidence_add_sample(&f->ev, &s);
	r = judge(f);
	/* declared: 20 + 4 + 20 + console 2 = 46 of 97; seen: 97 of 97 */
	assert_int_equal(find(r, "max-connections", NULL)->severity, ADV_PROBLEM);
	assert_non_null(strstr(find(r, "max-connections", NULL)->title,
			       "the server ran out of connections"));
}

static void
test_ledgers(void **state)
{
	struct fx *f = *state;
	const struct adv_report *r;
	const struct adv_finding *x;
	struct adv_ledger *l;

	l = adv_evidence_add_ledger(&f->ev, "users", "schema_migrations", true);
	assert_int_equal(l->kind, ADV_SCHEMA_MODULE);
	adv_ledger_set_summary(l, 3, "users", "2024-05-01 10:00:00");
	l = adv_evidence_add_ledger(&f->ev, "billing", "schema_migrations", true);
	assert_int_equal(l->kind, ADV_SCHEMA_OTHER);
	adv_ledger_set_summary(l, 2, "billing,billing_extra", "2024-05-02 11:00:00");
	adv_evidence_add_ledger(&f->ev, "secret", "schema_migrations", false);
	adv_evidence_add_ledger(&f->ev, "archived_a", "schema_migrations", true);
	adv_evidence_add_ledger(&f->ev, "tenant_a", "schema_migrations", true);
	r = judge(f);
	x = find(r, "ledger-without-module", "billing");
	assert_non_null(x);
	assert_int_equal(x->severity, ADV_WARNING);
	assert_true(says(x, "billing.schema_migrations: 2 rows, modules billing,billing_extra, "
			    "last applied 2024-05-02 11:00:00"));
	assert_true(says(find(r, "ledger-without-module", "secret"), "not readable by this role"));
	assert_null(find(r, "ledger-without-module", "users"));
	assert_null(find(r, "ledger-without-module", "archived_a"));
	assert_null(find(r, "ledger-without-module", "tenant_a"));
	assert_null(find(r, "ledger-without-module", NULL)); /* the profile has tenants */
}

static void
test_tenants_without_tenants_section(void **state)
{
	struct fx *f = *state;
	struct profile *p = load("databases:\n  d:\n    conninfo: \"\"\n");
	const struct adv_report *r;
	const struct adv_finding *x;

	adv_evidence_free(&f->ev);
	adv_evidence_init(&f->ev, p, &p->databases[0]);
	adv_evidence_add_ledger(&f->ev, "tenant_a", "schema_migrations", true);
	adv_evidence_add_ledger(&f->ev, "tenant_b", "schema_migrations", true);
	f->ev.tenant_schemas = 2;
	r = judge(f);
	x = find(r, "ledger-without-module", NULL);
	assert_non_null(x);
	assert_non_null(strstr(x->title, "2 tenant schemas have ledgers but the profile has no "
					 "tenants section"));
	assert_true(says(x, "add tenants: { prefix: tenant_"));
	assert_string_equal(r->pattern.id, "schema-per-tenant");
	adv_report_free(&f->r);
	f->judged = false;
	adv_evidence_free(&f->ev);
	profile_free(&p);
	adv_evidence_init(&f->ev, f->p, &f->p->databases[0]);
}

static void
test_filesets_merge(void **state)
{
	struct fx *f = *state;
	const char *ex1[] = { "tenant_m", "tenant_b" };
	const char *ex2[] = { "tenant_a", "tenant_c", "tenant_b" };
	const char *many[12] = { "t_12", "t_11", "t_10", "t_09", "t_08", "t_07",
				 "t_06", "t_05", "t_04", "t_03", "t_02", "t_01" };
	const struct adv_fileset *fs;

	/* the same files from two chunks, in another order: one set */
	adv_evidence_add_fileset(&f->ev, "002_b.sql\n001_a.sql", 2, ex1, 2, false);
	adv_evidence_add_fileset(&f->ev, "001_a.sql\n002_b.sql\n", 3, ex2, 3, false);
	assert_int_equal(f->ev.n_filesets, 1);
	fs = &f->ev.filesets[0];
	assert_int_equal(fs->tenants, 5);
	assert_int_equal(fs->n_files, 2);
	assert_string_equal(fs->files[0], "001_a.sql");
	assert_int_equal(fs->n_examples, 4);
	assert_string_equal(fs->examples[0], "tenant_a");
	assert_string_equal(fs->examples[3], "tenant_m");
	/* no files with and without a ledger are different sets */
	adv_evidence_add_fileset(&f->ev, "", 1, ex1, 1, false);
	adv_evidence_add_fileset(&f->ev, "", 1, ex1, 1, true);
	assert_int_equal(f->ev.n_filesets, 3);
	/* examples keep the smallest ADV_EXAMPLES names */
	adv_evidence_add_fileset(&f->ev, "x.sql", 12, many, 12, false);
	fs = &f->ev.filesets[3];
	assert_int_equal(fs->n_examples, ADV_EXAMPLES);
	assert_string_equal(fs->examples[0], "t_01");
	assert_string_equal(fs->examples[ADV_EXAMPLES - 1], "t_10");
}

static void
test_tenant_missing_migrations(void **state)
{
	struct fx *f = *state;
	const char *full[] = { "tenant_a", "tenant_b" };
	const char *lag[] = { "tenant_c" };
	const char *none[] = { "tenant_d" };
	const struct adv_report *r;
	const struct adv_finding *x;

	adv_evidence_add_fileset(&f->ev, "001_init.sql\n002_more.sql\n003_last.sql", 500, full, 2,
				 false);
	adv_evidence_add_fileset(&f->ev, "001_init.sql", 1, lag, 1, false);
	adv_evidence_add_fileset(&f->ev, "", 1, none, 1, true);
	r = judge(f);
	x = find(r, "tenant-missing-migrations", "tenant_c");
	assert_non_null(x);
	assert_non_null(strstr(x->title, "1 tenant schema lacks 2 migrations other tenants have"));
	assert_true(says(x, "missing: 002_more.sql (in 500 of 502 tenants), 003_last.sql (in 500 "
			    "of 502 tenants)"));
	assert_true(says(x, "their ledger lists 1 file"));
	x = find(r, "tenant-missing-migrations", "tenant_d");
	assert_true(says(x, "no ledger table at all (tenant_d.schema_migrations): never migrated"));
	assert_true(says(x, "001_init.sql (in 501 of 502 tenants)"));
	assert_int_equal(count(r, "tenant-missing-migrations"), 2);
}

static void
test_tenants_all_equal(void **state)
{
	struct fx *f = *state;
	const char *ex[] = { "tenant_a" };
	const struct adv_report *r;

	adv_evidence_add_fileset(&f->ev, "001_init.sql\n002_more.sql", 50, ex, 1, false);
	r = judge(f);
	assert_int_equal(count(r, "tenant-missing-migrations"), 0);
	/* tenants none of which is migrated: nothing to compare */
	adv_evidence_add_fileset(&f->ev, "", 3, ex, 1, true);
	adv_evidence_free(&f->ev);
	adv_evidence_init(&f->ev, f->p, &f->p->databases[0]);
	adv_evidence_add_fileset(&f->ev, "", 3, ex, 1, true);
	r = judge(f);
	assert_int_equal(count(r, "tenant-missing-migrations"), 0);
}

/* ---- the pattern ---- */

static void
add_ledger(struct fx *f, const char *schema, const char *modules)
{
	adv_ledger_set_summary(adv_evidence_add_ledger(&f->ev, schema, "schema_migrations", true),
			       1, modules, "2024-01-01 00:00:00");
}

static void
seen_pools(struct fx *f, const char *a, const char *b)
{
	struct adv_row rows[2];
	size_t n = 0;

	if (a != NULL)
		rows[n++] = row(1, a, "local", -5000, "idle");
	if (b != NULL)
		rows[n++] = row(2, b, "local", -5000, "idle");
	sample(f, 0, 1, rows, n);
	sample(f, 50, 1, rows, n);
}

static void
reset(struct fx *f, const struct profile *p)
{
	adv_evidence_free(&f->ev);
	adv_evidence_init(&f->ev, p, &p->databases[0]);
}

static void
test_patterns(void **state)
{
	struct fx *f = *state;
	struct profile *two = load("databases:\n"
				   "  users:\n    conninfo: \"dbname=users\"\n"
				   "  orders:\n    conninfo: \"dbname=orders\"\n");
	const struct adv_report *r;

	/* nothing pgdbm-shaped */
	r = judge(f);
	assert_int_equal(r->pattern.pattern, -1);
	assert_string_equal(r->pattern.id, "unknown");

	/* one service, its own pool, ledger in public (module default) */
	add_ledger(f, "public", "default");
	seen_pools(f, "app_pool", NULL);
	r = judge(f);
	assert_string_equal(r->pattern.id, "simple");

	/* several modules in one ledger: services sharing tables */
	reset(f, f->p);
	add_ledger(f, "public", "orders,users");
	seen_pools(f, "app_pool", NULL);
	r = judge(f);
	assert_string_equal(r->pattern.id, "shared-pool");

	/* one schema-bound service on app_pool (create_shared_pool) */
	reset(f, f->p);
	add_ledger(f, "users", "users");
	seen_pools(f, "app_pool", NULL);
	r = judge(f);
	assert_string_equal(r->pattern.id, "shared-pool");
	/* ... while users_pool is an owned pool bound to the schema */
	reset(f, f->p);
	add_ledger(f, "users", "users");
	seen_pools(f, "users_pool", NULL);
	r = judge(f);
	assert_string_equal(r->pattern.id, "simple");

	/* service schemas */
	reset(f, f->p);
	add_ledger(f, "users", "users");
	add_ledger(f, "orders", "orders");
	seen_pools(f, "app_pool", NULL);
	r = judge(f);
	assert_string_equal(r->pattern.id, "shared-pool-schemas");
	assert_false(r->pattern.several_pools);
	reset(f, f->p);
	add_ledger(f, "users", "users");
	add_ledger(f, "orders", "orders");
	seen_pools(f, "users_pool", "orders_pool");
	r = judge(f);
	assert_string_equal(r->pattern.id, "shared-pool-schemas");
	assert_true(r->pattern.several_pools);

	/* tenants win */
	reset(f, f->p);
	add_ledger(f, "users", "users");
	add_ledger(f, "tenant_a", "tenant_a");
	f->ev.tenant_schemas = 1;
	r = judge(f);
	assert_string_equal(r->pattern.id, "schema-per-tenant");
	assert_string_equal(r->pattern.evidence[0], "1 tenant schema (prefix tenant_), 1 with a "
						    "ledger");

	/* several databases in the profile */
	reset(f, two);
	add_ledger(f, "users", "users");
	seen_pools(f, "users_pool", NULL);
	r = judge(f);
	assert_string_equal(r->pattern.id, "multiple-databases");
	assert_string_equal(r->pattern.local_name, "Simple");
	assert_string_equal(r->pattern.evidence[0], "the profile names 2 databases: users, "
						    "orders");
	reset(f, f->p);
	profile_free(&two);
}

/* ---- the report ---- */

static void
test_report_order_and_clean(void **state)
{
	struct fx *f = *state;
	struct adv_row rows[8];
	const struct adv_report *r;
	size_t n, i;

	n = steady(rows, 0, 100, "app_pool", "local", 3, "idle");
	n = steady(rows, n, 200, "solo_pool", "local", 1, "idle");
	sample(f, 0, 1, rows, n);
	sample(f, 50, 1, rows, n);
	r = judge(f);
	/* only an info: clean */
	assert_int_equal(r->n_findings, 1);
	assert_string_equal(r->findings[0].id, "pool-undeclared");
	assert_true(r->clean);
	assert_int_equal(r->worst, ADV_INFO);
	assert_string_equal(r->apps[0].appname, "app_pool"); /* busiest first */
	assert_int_equal(r->apps[0].peak, 3);
	assert_int_equal(r->window_ms, 50);
	assert_int_equal(r->samples, 2);
	assert_int_equal(r->usable, 97);

	adv_evidence_add_ledger(&f->ev, "billing", "schema_migrations", true);
	rows[n] = row(300, "leaky_pool", "local", -90000, "idle in transaction");
	rows[n].state_change_us = T0 - 80000 * MS;
	sample(f, 100, 1, rows, n + 1);
	r = judge(f);
	assert_false(r->clean);
	assert_int_equal(r->worst, ADV_PROBLEM);
	for (i = 1; i < r->n_findings; i++)
		assert_true(r->findings[i - 1].severity >= r->findings[i].severity);
	assert_string_equal(r->findings[0].id, "idle-in-transaction");
}

static void
test_notes(void **state)
{
	struct fx *f = *state;
	const struct adv_report *r;
	struct adv_row rows[1];
	size_t i;
	bool stats = false, samples = false, mine = false;

	f->ev.can_read_all = false;
	adv_evidence_note(&f->ev, "ledger %s.%s is not readable by this role", "a", "b");
	adv_evidence_note(&f->ev, "ledger %s.%s is not readable by this role", "a", "b");
	rows[0] = row(1, "app_pool", "local", -5000, "");
	sample(f, 0, 1, rows, 1);
	r = judge(f);
	for (i = 0; i < r->n_notes; i++) {
		stats = stats || strstr(r->notes[i], "pg_read_all_stats") != NULL;
		samples = samples || strstr(r->notes[i], "fewer than two samples") != NULL;
		mine = mine || strcmp(r->notes[i], "ledger a.b is not readable by this role") == 0;
	}
	assert_true(stats && samples && mine);
	assert_int_equal(f->ev.n_notes, 1); /* the same note once */
}

/* docs/advisor.md describes every rule. */
static void
test_rules_documented(void **state)
{
	char *path = tu_src_path("docs/advisor.md");
	char *doc = tu_read_file(path, NULL);
	const struct adv_rule_info *rules;
	size_t n, i;

	(void)state;
	assert_non_null(doc);
	rules = adv_rules(&n);
	assert_true(n >= 11);
	for (i = 0; i < n; i++) {
		char heading[96];

		snprintf(heading, sizeof heading, "### `%s`", rules[i].id);
		if (strstr(doc, heading) == NULL)
			fail_msg("docs/advisor.md has no section \"%s\"", heading);
		assert_true(strlen(rules[i].what) > 10);
	}
	free(doc);
	free(path);
}

/* The observed window: tenths of a second under a minute, not truncated. */
static void
test_window_text(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(advisor_window_text(2940, buf, sizeof buf), "2.9s");
	assert_string_equal(advisor_window_text(3000, buf, sizeof buf), "3.0s");
	assert_string_equal(advisor_window_text(299, buf, sizeof buf), "299ms");
	assert_string_equal(advisor_window_text(90000, buf, sizeof buf), "1m30s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_opts_and_schema_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backends_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_backends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_attributed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_shared_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_unattributed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_growth_is_not_churn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_without_session_counter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_in_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiple_pools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_above_declared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undersized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undersized_within_band, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_and_max_connections, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seen_connections_near_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledgers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenants_without_tenants_section, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filesets_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenant_missing_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenants_all_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patterns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_order_and_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notes, setup, teardown),
		cmocka_unit_test(test_rules_documented),
		cmocka_unit_test(test_window_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
