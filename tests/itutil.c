/*
 * itutil: blocking helpers for integration tests. See itutil.h.
 */
#include "config.h"

#include "itutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "xalloc.h"

static void
quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *
it_connect(void)
{
	PGconn *pg = PQconnectdb("application_name=pgdbm-it-check");

	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "it_connect: %s", PQerrorMessage(pg));
		abort();
	}
	PQsetNoticeProcessor(pg, quiet_notices, NULL);
	return pg;
}

PGresult *
it_exec(PGconn *pg, const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		fprintf(stderr, "it_exec: %s\n  in: %s\n", PQresultErrorMessage(r), sql);
		abort();
	}
	return r;
}

void
it_cmd(PGconn *pg, const char *sql)
{
	PQclear(it_exec(pg, sql));
}

long long
it_scalar(PGconn *pg, const char *sql)
{
	PGresult *r = it_exec(pg, sql);
	long long v;

	if (PQntuples(r) < 1 || PQgetisnull(r, 0, 0)) {
		fprintf(stderr, "it_scalar: no value from %s\n", sql);
		abort();
	}
	v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

char *
it_string(PGconn *pg, const char *sql)
{
	PGresult *r = it_exec(pg, sql);
	char *v = xstrdup(PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");

	PQclear(r);
	return v;
}

bool
it_can_control_server(void)
{
	const char *dir = getenv("PGDBM_HARNESS_DIR");

	return dir != NULL && dir[0] != '\0';
}

int
it_server_ctl(const char *action)
{
	const char *srcdir = getenv("srcdir");
	char *cmd = xasprintf("'%s/tests/pg-harness' ctl %s",
			      srcdir != NULL && srcdir[0] ? srcdir : ".", action);
	int rc = system(cmd);

	free(cmd);
	return rc;
}

void
it_require_server(void)
{
	PGconn *pg = PQconnectdb("application_name=pgdbm-it-check connect_timeout=5");

	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "no PostgreSQL server reachable through PG* (%s): skipped\n",
			PQerrorMessage(pg));
		PQfinish(pg);
		exit(77);
	}
	PQfinish(pg);
}

int64_t
it_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Run the loop (or sleep, without one) until done(arg) holds (true) or the
 * deadline passes (false). done NULL: until the deadline. The one waiting
 * loop of the integration tests.
 */
static bool
wait_until(struct loop *loop, bool (*done)(void *arg), void *arg, int64_t deadline)
{
	for (;;) {
		int64_t left;

		if (done != NULL && done(arg))
			return true;
		left = deadline - it_now_ms();
		if (left <= 0)
			return false;
		if (left > IT_STEP_MS)
			left = IT_STEP_MS;
		if (loop != NULL)
			loop_run_once(loop, left);
		else
			usleep((useconds_t)left * 1000);
	}
}

void
it_wait(struct loop *loop, bool (*done)(void *arg), void *arg, int64_t timeout_ms, const char *what,
	const char *file, int line)
{
	if (wait_until(loop, done, arg, it_now_ms() + timeout_ms))
		return;
	/* fail_msg, at the caller's place */
	print_error("ERROR: %s did not hold within %lld ms\n", what, (long long)timeout_ms);
	_fail(file, line);
}

bool
it_flag(void *arg)
{
	return *(const bool *)arg;
}

bool
it_counted(void *arg)
{
	const struct it_count *c = arg;

	return c->n >= c->want;
}

void
it_run_for(struct loop *loop, int64_t ms)
{
	wait_until(loop, NULL, NULL, it_now_ms() + ms);
}

char *
it_db_name(const char *name)
{
	return xasprintf("pgdbm_it_%s_%d", name, (int)getpid());
}

void
it_use_fresh_database(const char *name)
{
	PGconn *pg = it_connect();
	char *sql;

	sql = xasprintf("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
	it_cmd(pg, sql);
	free(sql);
	sql = xasprintf("CREATE DATABASE \"%s\"", name);
	it_cmd(pg, sql);
	free(sql);
	PQfinish(pg);
	setenv("PGDATABASE", name, 1);
}

/* A probe transaction that asks for synchronous_commit, and whether it waits. */
struct hold_probe {
	PGconn *pg;    /* the caller's connection, that looks */
	PGconn *probe; /* the connection that commits */
	char *sql;     /* whether the probe's backend waits for the standby */
	bool sent;     /* a probe transaction is in flight */
};

/* Whether a probe is seen waiting; sends one again when the last committed without. */
static bool
commit_held(void *arg)
{
	struct hold_probe *h = arg;
	PGresult *r;

	if (h->sent) {
		if (it_scalar(h->pg, h->sql) > 0)
			return true;
		if (!PQconsumeInput(h->probe))
			abort();
		if (!PQisBusy(h->probe)) {
			/* it committed without waiting: the reload has not reached it yet */
			while ((r = PQgetResult(h->probe)) != NULL)
				PQclear(r);
			h->sent = false;
		}
	}
	/* a transaction that writes WAL (a temporary table would not) */
	if (!h->sent) {
		if (!PQsendQuery(h->probe, "BEGIN; SET LOCAL synchronous_commit = on; "
					   "INSERT INTO public.it_hold_probe VALUES (1); COMMIT"))
			abort();
		h->sent = true;
	}
	return false;
}

/* The terminated probe's backend is gone (a terminated backend lingers a moment). */
static bool
probe_gone(void *arg)
{
	const struct hold_probe *h = arg;

	return it_scalar(h->pg, h->sql) == 0;
}

void
it_hold_commits(PGconn *pg)
{
	struct hold_probe h = { pg, it_connect(), NULL, false };
	bool held;
	char *sql;

	it_cmd(pg, "CREATE TABLE IF NOT EXISTS public.it_hold_probe (x int)");
	it_cmd(pg, "ALTER SYSTEM SET synchronous_standby_names = 'it_nobody'");
	it_cmd(pg, "ALTER SYSTEM SET synchronous_commit = 'local'");
	it_cmd(pg, "SELECT pg_reload_conf()");
	/* the reload reaches the server's processes when they get to it: probe
	 * until a transaction asking for synchronous_commit is seen waiting */
	h.sql = xasprintf("SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND wait_event = "
			  "'SyncRep'",
			  PQbackendPID(h.probe));
	held = wait_until(NULL, commit_held, &h, it_now_ms() + 30000);
	/* it committed locally (or never waited); let it go, and wait until it
	 * is gone: a test that looks for a commit waiting in SyncRep must not
	 * find the probe's */
	sql = xasprintf("SELECT pg_terminate_backend(%d)", PQbackendPID(h.probe));
	it_cmd(pg, sql);
	free(sql);
	free(h.sql);
	h.sql = xasprintf("SELECT count(*) FROM pg_stat_activity WHERE pid = %d",
			  PQbackendPID(h.probe));
	if (held)
		held = wait_until(NULL, probe_gone, &h, it_now_ms() + 30000);
	free(h.sql);
	PQfinish(h.probe);
	if (!held) {
		/* the cluster as it was, before the test fails */
		it_release_commits(pg);
		fail_msg(
			"it_hold_commits: no probe commit was held (and then gone) within 30000 ms");
	}
}

void
it_release_commits(PGconn *pg)
{
	it_cmd(pg, "ALTER SYSTEM RESET synchronous_standby_names");
	it_cmd(pg, "ALTER SYSTEM RESET synchronous_commit");
	it_cmd(pg, "SELECT pg_reload_conf()");
	/* a commit of our own (local, not waiting) takes the probe table away */
	it_cmd(pg, "BEGIN; SET LOCAL synchronous_commit = local; "
		   "DROP TABLE IF EXISTS public.it_hold_probe; COMMIT");
}
