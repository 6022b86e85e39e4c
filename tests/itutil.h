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

struct loop;

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

/*
 * Waiting with a deadline: every wait of the integration tests is one of
 * these, so each reads "run until X within N ms".
 *
 * it_run_until(loop, done, arg, timeout_ms) runs the event loop, one
 * iteration at a time (each blocking IT_STEP_MS at most), until
 * done(arg) holds. it_poll_until(done, arg, timeout_ms) is the same
 * without an event loop: it sleeps IT_STEP_MS between checks (for a
 * condition read through a blocking test connection while nothing of the
 * console runs). done is asked before the first iteration and once more
 * after the last one. When it does not hold within timeout_ms the test
 * fails (cmocka) with a message that names the condition as written at
 * the call, "done(arg)", and the caller's file and line.
 *
 * Both are it_wait(), which takes the description and the place; a loop of
 * NULL means poll.
 */
#define IT_STEP_MS 20

void it_wait(struct loop *loop, bool (*done)(void *arg), void *arg, int64_t timeout_ms,
	     const char *what, const char *file, int line);

#define it_run_until(loop, done, arg, timeout_ms) \
	it_wait((loop), (done), (arg), (timeout_ms), #done "(" #arg ")", __FILE__, __LINE__)
#define it_poll_until(done, arg, timeout_ms) \
	it_wait(NULL, (done), (arg), (timeout_ms), #done "(" #arg ")", __FILE__, __LINE__)

/* The condition "*(bool *)arg": a flag a callback sets. */
bool it_flag(void *arg);

/* A count a callback raises (n) and the count a wait awaits (want). */
struct it_count {
	int n;
	int want;
};

/* The condition "the count (arg) reached want". */
bool it_counted(void *arg);

/* Run the event loop for ms milliseconds whatever happens ("still so a while later"). */
void it_run_for(struct loop *loop, int64_t ms);

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
 * transaction has been seen waiting and the probe's backend, terminated,
 * has gone (so that a test looking for a commit waiting in SyncRep finds
 * only its own), polled as it_poll_until does; when that is not so within
 * 30 s the settings are undone and the test fails.
 * it_release_commits() undoes it.
 */
void it_hold_commits(PGconn *pg);
void it_release_commits(PGconn *pg);

#endif
