/*
 * itutil: blocking helpers for integration tests. See itutil.h.
 */
#include "config.h"

#include "itutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

void
it_hold_commits(PGconn *pg)
{
	PGconn *probe = it_connect();
	int64_t deadline = it_now_ms() + 30000;
	bool held = false;
	char *sql;

	it_cmd(pg, "CREATE TABLE IF NOT EXISTS public.it_hold_probe (x int)");
	it_cmd(pg, "ALTER SYSTEM SET synchronous_standby_names = 'it_nobody'");
	it_cmd(pg, "ALTER SYSTEM SET synchronous_commit = 'local'");
	it_cmd(pg, "SELECT pg_reload_conf()");
	/* the reload reaches the server's processes when they get to it: probe
	 * until a transaction asking for synchronous_commit is seen waiting */
	sql = xasprintf("SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND wait_event = "
			"'SyncRep'",
			PQbackendPID(probe));
	while (!held) {
		PGresult *r;

		if (it_now_ms() > deadline) {
			fprintf(stderr, "it_hold_commits: commits are not held\n");
			abort();
		}
		/* a transaction that writes WAL (a temporary table would not) */
		if (!PQsendQuery(probe, "BEGIN; SET LOCAL synchronous_commit = on; "
					"INSERT INTO public.it_hold_probe VALUES (1); COMMIT"))
			abort();
		for (;;) {
			usleep(20000);
			if (it_scalar(pg, sql) > 0) {
				held = true;
				break;
			}
			if (!PQconsumeInput(probe))
				abort();
			if (!PQisBusy(probe))
				break; /* it committed without waiting: not yet */
		}
		if (held)
			break;
		while ((r = PQgetResult(probe)) != NULL)
			PQclear(r);
	}
	free(sql);
	/* it committed locally; let it go */
	sql = xasprintf("SELECT pg_terminate_backend(%d)", PQbackendPID(probe));
	it_cmd(pg, sql);
	free(sql);
	PQfinish(probe);
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
