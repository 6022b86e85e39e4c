/*
 * it_bouncer: the PgBouncer sampler against a real PgBouncer (the Debian
 * package) that tests/bouncer-harness starts on loopback in front of the
 * harness's server, with pool_size 2 in session mode.
 *
 * Five clients each run pg_sleep through PgBouncer: the sampler sees two
 * of them served and three waiting (cl_active 2, cl_waiting 3, sv_active
 * 2, utilisation 100 %) and raises the saturation alarm, logged when it
 * starts; once the clients are done the alarm clears and the log says so.
 * Also: rates between samples, stale data kept while PgBouncer is down and
 * a reconnection when it is back, a refresh that gets no answer (PgBouncer
 * stopped with SIGSTOP) timing out, an unreachable PgBouncer, refreshes
 * skipped while one is in flight, and the pools snapshot of a profile
 * database with a `pgbouncer` conninfo.
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
#include <unistd.h>

#include "bouncer.h"
#include "database.h"
#include "itutil.h"
#include "loop.h"
#include "monitor.h"
#include "msglog.h"
#include "poolsnap.h"
#include "profile.h"
#include "testutil.h"
#include "xalloc.h"

#define N_CLIENTS 5
#define POOL_SIZE 2

struct env {
	struct loop *loop;
	struct msglog log;
	struct bouncer *b;
	struct it_count updates; /* refreshes done */
	const char *db;		 /* PGDATABASE: the pool is <db>/<user> */
	const char *user;
	int waiting;   /* what pool_waiting awaits */
	pid_t stopped; /* PgBouncer stopped with SIGSTOP: teardown continues it */
	bool down;     /* PgBouncer stopped: teardown starts it */
};

static int bouncer_ctl(const char *action);

static void
on_update(struct bouncer *b, void *arg)
{
	struct env *e = arg;

	(void)b;
	e->updates.n++;
}

static struct bouncer *
make_bouncer(struct env *e, const char *conninfo, bool fail_fast)
{
	struct bouncer_config cfg;
	struct bouncer *b;

	memset(&cfg, 0, sizeof cfg);
	cfg.label = "main";
	cfg.conninfo = conninfo;
	cfg.connect_timeout_ms = 2000;
	cfg.refresh_timeout_ms = 3000;
	cfg.backoff_base_ms = 100;
	cfg.backoff_max_ms = 300;
	cfg.fail_fast = fail_fast;
	b = bouncer_new(e->loop, &cfg, &e->log);
	bouncer_on_update(b, on_update, e);
	return b;
}

static int
setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);

	e->loop = loop_new();
	msglog_init(&e->log, 1000);
	e->db = getenv("PGDATABASE") ? getenv("PGDATABASE") : "postgres";
	e->user = getenv("PGUSER") ? getenv("PGUSER") : "postgres";
	/* the read-only stats user of the harness (stats_users) */
	e->b = make_bouncer(e, getenv("PGDBM_BOUNCER_STATS"), false);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	/* a test that failed while PgBouncer was stopped leaves it running */
	if (e->stopped > 0)
		kill(e->stopped, SIGCONT);
	if (e->down)
		bouncer_ctl("start");
	bouncer_free(&e->b);
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
	it_run_until(e->loop, it_counted, &e->updates, 10000);
}

static const struct bouncer_pool *
test_pool(const struct env *e)
{
	return bouncer_snapshot_pool(bouncer_snapshot(e->b), e->db, e->user);
}

static bool
pool_waiting(void *arg)
{
	const struct env *e = arg;
	const struct bouncer_pool *p = test_pool(e);

	return p != NULL && p->cl_waiting == e->waiting;
}

/* Run the loop until the test pool has `waiting` waiting clients (10 s at most). */
static const struct bouncer_pool *
wait_for_waiting(struct env *e, int waiting)
{
	e->waiting = waiting;
	it_run_until(e->loop, pool_waiting, e, 10000);
	return test_pool(e);
}

static bool
is_live(void *arg)
{
	const struct env *e = arg;

	return bouncer_status(e->b) == BOUNCER_LIVE;
}

static bool
is_stale(void *arg)
{
	const struct env *e = arg;

	return bouncer_status(e->b) == BOUNCER_STALE;
}

static bool
logged(const struct env *e, enum msg_level level, const char *needle)
{
	size_t i;

	for (i = 0; i < e->log.count; i++) {
		const struct msg *m = msglog_get(&e->log, i);

		if (m->level == level && strstr(m->text, needle) != NULL)
			return true;
	}
	return false;
}

/* N_CLIENTS connections through PgBouncer, each sending a pg_sleep. */
static void
start_clients(PGconn **c, const char *sql)
{
	const char *dsn = getenv("PGDBM_BOUNCER_DSN");
	int i;

	for (i = 0; i < N_CLIENTS; i++) {
		c[i] = PQconnectdb(dsn);
		assert_int_equal(PQstatus(c[i]), CONNECTION_OK);
		assert_int_equal(PQsendQuery(c[i], sql), 1);
	}
}

/* Wait for each client's answer (blocking: tests may) and disconnect it. */
static void
finish_clients(PGconn **c)
{
	int i;

	for (i = 0; i < N_CLIENTS; i++) {
		PGresult *r;

		while ((r = PQgetResult(c[i])) != NULL) {
			assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
			PQclear(r);
		}
		PQfinish(c[i]);
		c[i] = NULL;
	}
}

static void
test_saturation_alarm_and_clear(void **state)
{
	struct env *e = *state;
	PGconn *clients[N_CLIENTS];
	const struct bouncer_snapshot *s;
	const struct bouncer_pool *p;
	const struct bouncer_db *d;
	char key[256];
	bool rising = false;
	size_t i;

	bouncer_start(e->b, 200);
	refreshes(e, 1);
	assert_int_equal(bouncer_status(e->b), BOUNCER_LIVE);
	assert_string_equal(bouncer_error(e->b), "");
	s = bouncer_snapshot(e->b);
	assert_string_equal(s->missing, ""); /* PgBouncer 1.18 has every column we read */
	assert_int_equal(s->n_alarms, 0);
	/* the database is configured with its pool size before any client came */
	d = bouncer_snapshot_db(s, e->db);
	assert_non_null(d);
	assert_int_equal(d->pool_size, POOL_SIZE);

	start_clients(clients, "SELECT pg_sleep(2)");
	p = wait_for_waiting(e, N_CLIENTS - POOL_SIZE);
	assert_int_equal(p->cl_active, POOL_SIZE);
	assert_int_equal(p->cl_waiting, N_CLIENTS - POOL_SIZE);
	assert_int_equal(p->sv_active, POOL_SIZE);
	assert_int_equal(p->sv_idle, 0);
	assert_int_equal(p->pool_size, POOL_SIZE);
	assert_true(p->utilisation > 0.999 && p->utilisation < 1.001);
	assert_string_equal(p->pool_mode, "session");
	assert_true(p->saturated);
	s = bouncer_snapshot(e->b);
	snprintf(key, sizeof key, "saturated:%s/%s", e->db, e->user);
	assert_int_equal(s->n_alarms, 1);
	assert_string_equal(s->alarms[0].key, key);
	assert_non_null(strstr(s->alarms[0].text, "3 clients waiting"));
	assert_non_null(strstr(s->alarms[0].text, "2 of 2 server connections active"));
	assert_true(logged(e, MSG_WARNING, "alarm: pool "));
	assert_true(logged(e, MSG_WARNING, "saturated: 3 clients waiting"));

	/* a little later the oldest client has waited longer: maxwait rises */
	for (i = 0; i < 4 && !rising; i++) {
		refreshes(e, 1);
		p = test_pool(e);
		rising = p != NULL && p->maxwait_rising;
	}
	assert_true(rising);
	assert_true(p->maxwait_us > 0);
	/* and the history saw the queue */
	{
		bool seen = false;

		for (i = 0; i < bouncer_n_samples(e->b); i++)
			seen = seen || bouncer_sample(e->b, i)->cl_waiting == 3;
		assert_true(seen);
	}

	finish_clients(clients);
	p = wait_for_waiting(e, 0);
	refreshes(e, 1);
	p = test_pool(e);
	assert_non_null(p);
	assert_int_equal(p->cl_waiting, 0);
	assert_int_equal(p->sv_active, 0);
	assert_false(p->saturated);
	assert_int_equal(bouncer_snapshot(e->b)->n_alarms, 0);
	assert_true(logged(e, MSG_INFO, "cleared: pool "));
	assert_true(logged(e, MSG_INFO, "is no longer saturated"));

	/* SHOW STATS counted the five transactions; rates between samples are known */
	d = bouncer_snapshot_db(bouncer_snapshot(e->b), e->db);
	assert_non_null(d);
	assert_true(d->has_stats);
	assert_true(d->stats.total_xact_count >= N_CLIENTS);
	assert_true(d->stats.total_wait_time_us > 0);
	assert_true(d->rates.known);
	assert_true(d->rates.xact_per_s >= 0);
	assert_true(d->rates.interval_s > 0.1);
}

static void
test_admin_user_and_skipped_refreshes(void **state)
{
	struct env *e = *state;

	bouncer_free(&e->b);
	e->b = make_bouncer(e, getenv("PGDBM_BOUNCER_ADMIN"), false);
	bouncer_refresh(e->b);
	refreshes(e, 1);
	assert_int_equal(bouncer_status(e->b), BOUNCER_LIVE);
	assert_int_equal(bouncer_refreshes(e->b), 1);
	/* the admin connection is held now: a refresh is three queries in flight,
	 * and refreshes asked for meanwhile are skipped, not queued */
	bouncer_refresh(e->b);
	bouncer_refresh(e->b);
	bouncer_refresh(e->b);
	assert_int_equal(bouncer_skipped(e->b), 2);
	refreshes(e, 1);
	assert_int_equal(bouncer_refreshes(e->b), 2);
	assert_int_equal(bouncer_status(e->b), BOUNCER_LIVE);
}

static int
bouncer_ctl(const char *action)
{
	const char *srcdir = getenv("srcdir");
	char *cmd = xasprintf("'%s/tests/bouncer-harness' ctl %s",
			      srcdir != NULL && srcdir[0] ? srcdir : ".", action);
	int rc = system(cmd);

	free(cmd);
	return rc;
}

static void
test_stale_while_down(void **state)
{
	struct env *e = *state;

	bouncer_start(e->b, 100);
	refreshes(e, 2);
	assert_int_equal(bouncer_status(e->b), BOUNCER_LIVE);
	e->down = true;
	assert_int_equal(bouncer_ctl("stop"), 0);
	it_run_until(e->loop, is_stale, e, 10000);
	/* a while later it is still stale, and says why */
	it_run_for(e->loop, 1000);
	assert_int_equal(bouncer_status(e->b), BOUNCER_STALE);
	assert_non_null(bouncer_snapshot(e->b)); /* the last good data stays */
	assert_true(bouncer_error(e->b)[0] != '\0');
	assert_true(bouncer_age_ms(e->b) >= 500);

	assert_int_equal(bouncer_ctl("start"), 0);
	e->down = false;
	it_run_until(e->loop, is_live, e, 10000);
	assert_int_equal(bouncer_status(e->b), BOUNCER_LIVE);
	assert_string_equal(bouncer_error(e->b), "");
	assert_true(bouncer_age_ms(e->b) < 1000);
}

/* PgBouncer's pid, from the harness's pid file. */
static pid_t
bouncer_pid(void)
{
	char *path = xasprintf("%s/pgbouncer.pid", getenv("PGDBM_BOUNCER_DIR"));
	char *text = tu_read_file(path, NULL);
	pid_t pid;

	assert_non_null(text);
	pid = (pid_t)atoi(text);
	assert_true(pid > 1);
	free(text);
	free(path);
	return pid;
}

/* A PgBouncer that stops answering (SIGSTOP): the refresh times out, stale. */
static void
test_refresh_timeout(void **state)
{
	struct env *e = *state;
	pid_t pid = bouncer_pid();

	bouncer_start(e->b, 200);
	refreshes(e, 1);
	assert_int_equal(bouncer_status(e->b), BOUNCER_LIVE);
	e->stopped = pid;
	assert_int_equal(kill(pid, SIGSTOP), 0);
	it_run_until(e->loop, is_stale, e, 10000);
	assert_int_equal(kill(pid, SIGCONT), 0);
	e->stopped = 0;
	assert_int_equal(bouncer_status(e->b), BOUNCER_STALE);
	assert_non_null(strstr(bouncer_error(e->b), "no answer from the admin console within 3s"));
	/* it answers again: a new connection, live data */
	it_run_until(e->loop, is_live, e, 10000);
	assert_int_equal(bouncer_status(e->b), BOUNCER_LIVE);
}

static void
test_unreachable(void **state)
{
	struct env *e = *state;
	struct bouncer *b;
	char *ci;

	/* a port nobody listens on: the PgBouncer's own port plus one */
	ci = xasprintf("host=127.0.0.1 port=%d dbname=pgbouncer user=pgdbm_stats",
		       atoi(getenv("PGDBM_BOUNCER_PORT")) + 1);
	b = make_bouncer(e, ci, true);
	bouncer_refresh(b);
	refreshes(e, 1);
	assert_int_equal(bouncer_status(b), BOUNCER_WAITING);
	assert_null(bouncer_snapshot(b));
	assert_non_null(strstr(bouncer_error(b), "cannot connect"));
	assert_int_equal(bouncer_refreshes(b), 1);
	bouncer_free(&b);
	free(ci);
}

static bool
snapshot_finished(void *arg)
{
	return poolsnap_finished(arg);
}

static void
test_pools_snapshot(void **state)
{
	struct env *e = *state;
	struct profile_diags diags = { NULL, 0, 0 };
	struct profile *prof;
	struct database *db;
	struct poolsnap *ps;
	const struct poolsnap_entry *ent;
	char *text;

	text = xasprintf("databases:\n"
			 "  main:\n"
			 "    conninfo: \"\"\n"
			 "    pgbouncer: \"%s\"\n",
			 getenv("PGDBM_BOUNCER_STATS"));
	prof = profile_load_string(text, strlen(text), "it.yaml", ".", &diags);
	assert_non_null(prof);
	profile_diags_free(&diags);
	db = database_open(e->loop, &prof->databases[0], &e->log, true);
	ps = poolsnap_new(e->loop, &db, 1, &e->log, true);
	it_run_until(e->loop, snapshot_finished, ps, 15000);
	assert_true(poolsnap_finished(ps));
	assert_int_equal(poolsnap_count(ps), 1);
	ent = poolsnap_entry(ps, 0);
	assert_int_equal(monitor_status(ent->mon), MON_LIVE);
	assert_non_null(ent->bouncer);
	assert_int_equal(bouncer_status(ent->bouncer), BOUNCER_LIVE);
	assert_non_null(bouncer_snapshot_db(bouncer_snapshot(ent->bouncer), e->db));
	assert_false(poolsnap_problem(ps));
	poolsnap_free(&ps);
	database_close(&db);
	profile_free(&prof);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_saturation_alarm_and_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_user_and_skipped_refreshes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refresh_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pools_snapshot, setup, teardown),
		/* last: it stops PgBouncer for a while */
		cmocka_unit_test_setup_teardown(test_stale_while_down, setup, teardown),
	};

	if (getenv("PGDBM_BOUNCER_STATS") == NULL || getenv("PGDBM_BOUNCER_DSN") == NULL) {
		fprintf(stderr, "no PgBouncer from tests/bouncer-harness: skipped\n");
		return 77;
	}
	it_require_server();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
