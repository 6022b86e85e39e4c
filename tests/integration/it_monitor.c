/*
 * it_monitor: the sampling behind the pools and activity views, against a
 * real server: one round trip per refresh, pools counted by
 * application_name, the console's own sessions hidden, alerts, advisory
 * locks labelled with their pgdbm module, stale data kept during an outage.
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
#include <unistd.h>

#include "database.h"
#include "itutil.h"
#include "loop.h"
#include "monitor.h"
#include "msglog.h"
#include "profile.h"
#include "testutil.h"
#include "xalloc.h"

struct env {
	struct loop *loop;
	struct msglog log;
	struct profile *profile;
	struct database *db;
	struct monitor *mon;
	PGconn *check;
	struct it_count updates; /* refreshes done */
	bool server_stopped;	 /* teardown starts it again */
};

static const char profile_text[] =
	"databases:\n"
	"  main:\n"
	"    conninfo: \"\"\n"
	"    application_name: it-monitor-console\n"
	"    pool: { min: 1, max: 2 }\n"
	"    warn_at: 10%\n"
	"    alerts: { idle_in_transaction: 1s, waiting: 0 }\n"
	"    modules:\n"
	"      - { name: users, migrations: migrations/users }\n"
	"    apps:\n"
	"      - { application_name: it_app_pool, pool_max: 30 }\n"
	"      - { application_name: declared_only_pool, pool_max: 5 }\n";

static void
on_update(struct monitor *m, void *arg)
{
	struct env *e = arg;

	(void)m;
	e->updates.n++;
}

static int
setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);
	struct profile_diags diags = { NULL, 0, 0 };
	char *dir = tu_src_path("tests/data");

	e->loop = loop_new();
	msglog_init(&e->log, 1000);
	e->profile = profile_load_string(profile_text, strlen(profile_text), "it.yaml", dir,
					 &diags);
	assert_non_null(e->profile);
	profile_diags_free(&diags);
	free(dir);
	e->db = database_open(e->loop, &e->profile->databases[0], &e->log, false);
	e->mon = monitor_new(e->loop, e->db, &e->log);
	monitor_on_update(e->mon, on_update, e);
	e->check = it_connect();
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	/* a test that failed during an outage leaves the server running */
	if (e->server_stopped)
		it_server_ctl("start");
	monitor_free(&e->mon);
	database_close(&e->db);
	profile_free(&e->profile);
	PQfinish(e->check);
	loop_free(&e->loop);
	msglog_free(&e->log);
	free(e);
	return 0;
}

/* Run until `n` more refreshes have completed. */
static void
refreshes(struct env *e, int n)
{
	e->updates.want = e->updates.n + n;
	/* generous: make check runs this beside the console tests */
	it_run_until(e->loop, it_counted, &e->updates, 30000);
}

static bool
is_live(void *arg)
{
	const struct env *e = arg;

	return monitor_status(e->mon) == MON_LIVE;
}

static bool
is_stale(void *arg)
{
	const struct env *e = arg;

	return monitor_status(e->mon) == MON_STALE;
}

static const struct mon_pool *
find_pool(const struct mon_snapshot *s, const char *app)
{
	size_t i;

	for (i = 0; i < s->n_pools; i++) {
		if (strcmp(s->pools[i].appname, app) == 0)
			return &s->pools[i];
	}
	return NULL;
}

static const struct mon_session *
find_session(const struct mon_snapshot *s, int pid)
{
	size_t i;

	for (i = 0; i < s->n_sessions; i++) {
		if (s->sessions[i].pid == pid)
			return &s->sessions[i];
	}
	return NULL;
}

static bool
has_alert(const struct mon_snapshot *s, enum mon_alert_kind kind, const char *needle)
{
	size_t i;

	for (i = 0; i < s->n_alerts; i++) {
		if (s->alerts[i].kind == kind && strstr(s->alerts[i].text, needle) != NULL)
			return true;
	}
	return false;
}

static PGconn *
open_app(const char *app)
{
	char ci[128];
	PGconn *pg;

	snprintf(ci, sizeof ci, "application_name=%s", app);
	pg = PQconnectdb(ci);
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	return pg;
}

static void
test_pools_counted_and_own_hidden(void **state)
{
	struct env *e = *state;
	PGconn *apps[30];
	const struct mon_snapshot *s;
	const struct mon_pool *p;
	size_t i;
	int own = 0;

	for (i = 0; i < 30; i++)
		apps[i] = open_app("it_app_pool");
	monitor_start(e->mon, 200);
	refreshes(e, 2);
	s = monitor_snapshot(e->mon);
	assert_non_null(s);
	assert_int_equal(monitor_status(e->mon), MON_LIVE);
	p = find_pool(s, "it_app_pool");
	assert_non_null(p);
	assert_int_equal(p->total, 30);
	assert_int_equal(p->idle, 30);
	assert_int_equal(p->declared_max, 30);
	/* a declared pool with no session is listed */
	p = find_pool(s, "declared_only_pool");
	assert_non_null(p);
	assert_int_equal(p->total, 0);
	/* the console's own connection is a session, marked own, in no pool */
	assert_null(find_pool(s, "it-monitor-console"));
	for (i = 0; i < s->n_sessions; i++)
		own += s->sessions[i].own;
	assert_true(own >= 1);
	assert_true(s->max_connections > 0);
	assert_int_equal(s->usable, s->max_connections - s->reserved);
	assert_true(s->connections >= 31);
	assert_true(s->can_read_all);
	/* the pool at its declared max and the near-max alerts fire */
	assert_true(has_alert(s, MON_ALERT_POOL_AT_MAX, "it_app_pool is at its max (30 of 30)"));
	assert_true(has_alert(s, MON_ALERT_NEAR_MAX, "usable connections in use"));
	assert_true(monitor_n_samples(e->mon) >= 2);
	{
		int hist[MON_HISTORY];
		size_t n = monitor_pool_history(e->mon, "it_app_pool", hist, MON_HISTORY);

		assert_true(n >= 2);
		assert_int_equal(hist[n - 1], 30);
	}
	for (i = 0; i < 30; i++)
		PQfinish(apps[i]);
	refreshes(e, 2);
	p = find_pool(monitor_snapshot(e->mon), "it_app_pool");
	assert_true(p == NULL || p->total == 0);
}

static void
test_idle_in_transaction_and_waiting(void **state)
{
	struct env *e = *state;
	PGconn *holder = open_app("it_holder");
	PGconn *waiter = open_app("it_waiter");
	const struct mon_snapshot *s;
	const struct mon_session *w;
	int holder_pid = PQbackendPID(holder), waiter_pid = PQbackendPID(waiter);
	int logged = 0;
	size_t i;

	it_cmd(e->check, "DROP TABLE IF EXISTS it_lock; CREATE TABLE it_lock (x int)");
	it_cmd(holder, "BEGIN; LOCK TABLE it_lock IN ACCESS EXCLUSIVE MODE");
	assert_int_equal(PQsendQuery(waiter, "SELECT * FROM it_lock"), 1);
	usleep(1300 * 1000);
	monitor_start(e->mon, 200);
	refreshes(e, 2);
	s = monitor_snapshot(e->mon);
	assert_true(has_alert(s, MON_ALERT_IDLE_IN_TX, "it_holder) idle in transaction"));
	assert_true(has_alert(s, MON_ALERT_WAITING, "it_waiter) waiting for a lock"));
	w = find_session(s, waiter_pid);
	assert_non_null(w);
	assert_true(w->waiting);
	assert_int_equal(w->n_blocked_by, 1);
	assert_int_equal(w->blocked_by[0], holder_pid);
	assert_true(find_pool(s, "it_waiter")->waiting == 1);
	assert_true(find_pool(s, "it_holder")->idle_in_tx == 1);
	/* logged when it starts, not again at each refresh while it lasts */
	refreshes(e, 2);
	assert_true(has_alert(monitor_snapshot(e->mon), MON_ALERT_IDLE_IN_TX,
			      "it_holder) idle in transaction"));
	for (i = 0; i < e->log.count; i++) {
		const struct msg *m = msglog_get(&e->log, i);

		if (m->level == MSG_WARNING && strstr(m->text, "alert: pid") != NULL &&
		    strstr(m->text, "it_holder) idle in transaction") != NULL)
			logged++;
	}
	assert_int_equal(logged, 1);
	it_cmd(holder, "ROLLBACK");
	PQclear(PQgetResult(waiter));
	PQclear(PQgetResult(waiter));
	PQfinish(holder);
	PQfinish(waiter);
}

static void
test_advisory_locks_labelled(void **state)
{
	struct env *e = *state;
	PGconn *holder = open_app("it_migrator");
	PGconn *waiter = open_app("it_migrator2");
	const struct mon_snapshot *s;
	const struct mon_session *w;
	char buf[128];
	size_t i;
	bool found = false, other = false;

	it_cmd(holder, "SELECT pg_advisory_lock(hashtext('pgdbm_migration_users'))");
	it_cmd(holder, "SELECT pg_advisory_lock(42421)");
	assert_int_equal(
		PQsendQuery(waiter, "SELECT pg_advisory_lock(hashtext('pgdbm_migration_users'))"),
		1);
	usleep(200 * 1000);
	monitor_start(e->mon, 200);
	refreshes(e, 2);
	s = monitor_snapshot(e->mon);
	for (i = 0; i < s->n_advisory; i++) {
		const struct mon_advisory *a = &s->advisory[i];

		if (a->module != NULL && strcmp(a->module, "users") == 0 && a->granted &&
		    a->pid == PQbackendPID(holder)) {
			found = true;
			assert_non_null(strstr(mon_advisory_label(a, buf, sizeof buf),
					       "pgdbm migration lock of users"));
		}
		if (a->bigint_key && a->key == 42421 && a->module == NULL)
			other = true;
	}
	assert_true(found);
	assert_true(other);
	/* the waiter's blocker is the advisory-lock holder */
	w = find_session(s, PQbackendPID(waiter));
	assert_non_null(w);
	assert_int_equal(w->n_blocked_by, 1);
	assert_int_equal(w->blocked_by[0], PQbackendPID(holder));
	PQfinish(holder);
	PQfinish(waiter);
}

static void
test_refresh_skipped_while_in_flight(void **state)
{
	struct env *e = *state;

	monitor_refresh(e->mon);
	refreshes(e, 1);
	assert_int_equal(monitor_refreshes(e->mon), 1);
	/* the monitoring connection is held now: a refresh is one query in flight,
	 * and another one asked for meanwhile is skipped, not queued */
	monitor_refresh(e->mon);
	monitor_refresh(e->mon);
	monitor_refresh(e->mon);
	assert_int_equal(monitor_skipped(e->mon), 2);
	refreshes(e, 1);
	assert_int_equal(monitor_refreshes(e->mon), 2);
}

/*
 * One round trip per refresh: the server logs one execution of the prepared
 * refresh statement per refresh, and one set-up script for the connection.
 */
static void
test_one_round_trip_per_refresh(void **state)
{
	static const char tag[] = " it-monitor-console LOG:  ";
	struct env *e = *state;
	const char *logpath = getenv("PGDBM_HARNESS_LOG");
	char *text;
	const char *p;
	int statements = 0, setups = 0, executes = 0, others = 0;

	if (logpath == NULL)
		skip();
	it_cmd(e->check, "ALTER SYSTEM SET log_statement = 'all'");
	it_cmd(e->check, "ALTER SYSTEM SET log_min_messages = 'log'");
	it_cmd(e->check, "SELECT pg_reload_conf()");
	usleep(300 * 1000);
	monitor_start(e->mon, 100);
	refreshes(e, 5);
	monitor_free(&e->mon);
	it_cmd(e->check, "ALTER SYSTEM RESET log_statement");
	it_cmd(e->check, "ALTER SYSTEM RESET log_min_messages");
	it_cmd(e->check, "SELECT pg_reload_conf()");
	usleep(200 * 1000);
	text = tu_read_file(logpath, NULL);
	assert_non_null(text);
	for (p = text; (p = strstr(p, tag)) != NULL; p++) {
		const char *what = p + strlen(tag);

		if (strncmp(what, "statement: ", 11) == 0) {
			statements++;
			if (strncmp(what + 11, "SET statement_timeout", 21) == 0)
				setups++;
		} else if (strncmp(what, "execute pgdbm_monitor", 21) == 0) {
			executes++;
		} else if (strncmp(what, "execute", 7) == 0) {
			others++;
		}
	}
	free(text);
	assert_true(executes >= 5);
	/* one set-up for the one monitoring connection, nothing else */
	assert_int_equal(setups, 1);
	assert_int_equal(statements, setups);
	assert_int_equal(others, 0);
}

static void
test_stale_during_outage(void **state)
{
	struct env *e = *state;
	int64_t age;

	if (!it_can_control_server())
		skip();
	monitor_start(e->mon, 100);
	refreshes(e, 2);
	assert_int_equal(monitor_status(e->mon), MON_LIVE);
	PQfinish(e->check);
	e->check = NULL;
	e->server_stopped = true;
	assert_int_equal(it_server_ctl("stop"), 0);
	it_run_until(e->loop, is_stale, e, 10000);
	/* a while later it is still stale, and says why */
	it_run_for(e->loop, 1500);
	assert_int_equal(monitor_status(e->mon), MON_STALE);
	assert_non_null(monitor_snapshot(e->mon)); /* the last good data stays */
	assert_true(monitor_error(e->mon)[0] != '\0');
	age = monitor_age_ms(e->mon);
	assert_true(age >= 100);
	assert_int_equal(it_server_ctl("start"), 0);
	e->server_stopped = false;
	it_run_until(e->loop, is_live, e, 10000);
	assert_int_equal(monitor_status(e->mon), MON_LIVE);
	assert_true(monitor_age_ms(e->mon) < 1000);
	e->check = it_connect();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pools_counted_and_own_hidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_in_transaction_and_waiting, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_advisory_locks_labelled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_skipped_while_in_flight, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_one_round_trip_per_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_during_outage, setup, teardown),
	};

	it_require_server();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
