/*
 * itutil: helpers for integration tests against a real PostgreSQL server.
 *
 * The server is the one the standard PG* variables point at: a throwaway
 * cluster from tests/pg-harness under `make check`, or any server a
 * developer chooses (PGDBM_TEST_SERVER=env). Test code may use blocking
 * libpq calls: only the console itself must never block.
 */
#ifndef PGDBM_ITUTIL_H
#define PGDBM_ITUTIL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* A blocking connection for the test's own checks (asserts it works). */
PGconn *it_connect(void);

/* Run sql, assert it succeeds, return the result (caller PQclears). */
PGresult *it_exec(PGconn *pg, const char *sql);

/* Run sql and return the first column of the first row as an integer. */
long long it_scalar(PGconn *pg, const char *sql);

/* Run sql and return the first value as a string (malloc'd). */
char *it_string(PGconn *pg, const char *sql);

/* Run a command, assert it succeeds. */
void it_cmd(PGconn *pg, const char *sql);

/* Whether the harness can stop and start the server (pg-harness ctl). */
bool it_can_control_server(void);

/* Run `pg-harness ctl ACTION` (stop, start, restart, kill); 0 on success. */
int it_server_ctl(const char *action);

/* Exit with 77 (skip) and a message when no server is reachable. */
void it_require_server(void);

/* Milliseconds of the monotonic clock. */
int64_t it_now_ms(void);

/* A database name unique to this test process: "pgdbm_it_<name>_<pid>". */
char *it_db_name(const char *name);

/* Create database `name` (dropping an old one) and point PGDATABASE at it. */
void it_use_fresh_database(const char *name);

/*
 * Fault injection for COMMITs whose answer is lost: make the COMMIT of a
 * transaction that sets synchronous_commit = on wait for a synchronous
 * standby that does not exist (it commits locally, then waits; terminating
 * the backend there loses the answer, not the commit). The cluster's
 * settings change (ALTER SYSTEM, superuser); it returns once a probe
 * transaction has been seen waiting. it_release_commits() undoes it.
 */
void it_hold_commits(PGconn *pg);
void it_release_commits(PGconn *pg);

#endif
