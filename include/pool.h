/*
 * pool: the shared connection pool of one database.
 *
 * Everything that talks to a database (monitor refreshes, migrations,
 * tenant fan-outs, the CLI) borrows connections from its pool. The pool
 * keeps between `min` and `max` connections: `min` are opened at start,
 * more are opened on demand when requests wait, idle ones above `min` are
 * closed after `max_idle`, and any connection older than `max_lifetime` is
 * closed when it comes back.
 *
 * Requests wait in FIFO order, each with its own deadline (acquire
 * timeout). A connection released inside a transaction is rolled back
 * before anyone else gets it; a broken one is discarded. Idle connections
 * are checked with "SELECT 1" every `health_check`. When the server goes
 * away, connection attempts are retried with capped exponential backoff
 * and jitter, one attempt at a time; requests keep waiting until their own
 * deadline. Authentication failures (a wrong password) are retried on a
 * slower schedule, up to a minute apart, and logged as such.
 *
 * Two interfaces over the same machinery:
 *  - asynchronous, for the console: pool_acquire()/pool_release(),
 *    pool_query(); callbacks run from the event loop (pool_acquire's may
 *    run before it returns, when a connection is idle);
 *  - blocking, for the command line: pool_query_sync() runs the loop until
 *    the answer is there.
 *
 * Ownership: pool_new() returns a pool freed with pool_free(), which closes
 * every connection and fails every waiting request. Connections handed out
 * by the pool belong to the pool; give them back with pool_release().
 */
#ifndef PGDBM_POOL_H
#define PGDBM_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

struct loop;
struct msglog;
struct pool;
struct pool_request;

struct pool_config {
	struct conn_config conn;
	int min;
	int max;
	int64_t acquire_timeout_ms;
	int64_t max_lifetime_ms; /* 0: unlimited */
	int64_t max_idle_ms;	 /* 0: unlimited */
	int64_t health_check_ms; /* 0: never */
	int64_t backoff_base_ms; /* first retry delay after a failed connect */
	int64_t backoff_max_ms;	 /* cap on the retry delay */
	/* the same after an authentication failure, which does not heal by itself */
	int64_t auth_backoff_base_ms;
	int64_t auth_backoff_max_ms;
	bool fail_fast; /* a failed connection attempt fails every waiting
				    request at once (one-shot commands) instead of
				    letting them wait for a retry */
};

/* Fill a pool_config with the defaults of docs/profiles.md. */
void pool_config_defaults(struct pool_config *cfg);

enum pool_health {
	POOL_STARTING, /* no connection has succeeded yet */
	POOL_UP,       /* the last connection attempt succeeded */
	POOL_RETRYING, /* the last attempt failed; another is scheduled */
	POOL_STOPPED,  /* pool_free() is running */
};

struct pool_stats {
	int size;	/* connections open or opening */
	int idle;	/* ready and free */
	int in_use;	/* handed out */
	int connecting; /* being opened */
	int waiting;	/* requests in the queue */
	uint64_t acquisitions;
	uint64_t timeouts;
	uint64_t connect_errors;
	uint64_t reconnects; /* connections opened to replace broken ones */
	uint64_t queries;
	uint64_t query_errors;
	int64_t wait_total_us; /* over all acquisitions */
	int64_t wait_max_us;
};

/* A connection, or NULL with an error (timeout, pool closed). */
typedef void (*pool_acquire_cb)(struct pool *p, struct conn *c, const char *error, void *arg);

/* A query's reply; reply->conn_error is also set when no connection came. */
typedef void (*pool_reply_cb)(struct pool *p, struct conn_reply *reply, void *arg);

struct pool *pool_new(struct loop *loop, const struct pool_config *cfg, struct msglog *log);
void pool_free(struct pool **p);

/* Use another transport for the pool's connections (tests). */
void pool_set_transport(struct pool *p, const struct conn_transport *tr);

/*
 * Ask for a connection. When one is idle, or when the connection attempt
 * it starts ends at once (a fail_fast pool whose attempt fails before
 * pool_acquire returns), cb runs before pool_acquire returns and the result
 * is NULL. Otherwise the request waits (FIFO, until the acquire timeout)
 * and a handle is returned that pool_request_cancel() can withdraw.
 */
struct pool_request *pool_acquire(struct pool *p, pool_acquire_cb cb, void *arg);
void pool_request_cancel(struct pool *p, struct pool_request **req);

/*
 * Give a connection back (any state: broken ones are discarded). One the
 * pool closed meanwhile (pool_free answers the queries in flight with an
 * error) needs nothing more.
 */
void pool_release(struct pool *p, struct conn *c);

/*
 * Give a connection back to be closed, not reused: its session holds
 * something the next user must not inherit (a session advisory lock).
 */
void pool_discard(struct pool *p, struct conn *c);

/*
 * Acquire, send one query (nparams < 0: a simple-protocol script), release,
 * and call cb with the reply. sql and params are copied.
 */
void pool_query(struct pool *p, const char *sql, int nparams, const char *const *params,
		pool_reply_cb cb, void *arg);

/*
 * pool_query, withdrawable while it waits for a connection: *held is its
 * request from then until a connection comes or the wait fails, and NULL
 * otherwise (the pool clears it). pool_request_cancel(p, held) withdraws
 * it, and cb is not called.
 */
void pool_query_held(struct pool *p, struct pool_request **held, const char *sql, int nparams,
		     const char *const *params, pool_reply_cb cb, void *arg);

/*
 * Ask the server to cancel what c is running (pg_cancel_backend over a
 * separate short-lived connection, so the loop never blocks).
 */
void pool_cancel(struct pool *p, struct conn *c);

/*
 * Blocking facade: run the loop until the query's reply is there. Returns
 * the last result (the caller PQclear()s it) or NULL with *error set
 * (malloc'd: connection trouble, or the server's error message).
 */
PGresult *pool_query_sync(struct pool *p, const char *sql, int nparams, const char *const *params,
			  char **error);

void pool_stats(const struct pool *p, struct pool_stats *out);
enum pool_health pool_health(const struct pool *p);
const char *pool_health_name(enum pool_health h);

/* Last connection error ("" when none) and ms until the next retry (0: none). */
const char *pool_last_error(const struct pool *p);
int64_t pool_retry_in_ms(const struct pool *p);

/* Retrying after an authentication failure (a wrong password): on the slow schedule. */
bool pool_auth_failed(const struct pool *p);

/*
 * The retry delay after `failures` consecutive failed attempts (before
 * jitter, which takes it down to between half and all of it): the base
 * doubled per failure up to the cap, of the authentication schedule when
 * auth. Exposed for tests.
 */
int64_t pool_backoff_ms(const struct pool_config *cfg, int failures, bool auth);

const struct pool_config *pool_config(const struct pool *p);
struct loop *pool_loop(const struct pool *p);
struct msglog *pool_log(const struct pool *p);

/* Backend pids of the pool's open connections (at most max); returns the count. */
int pool_backend_pids(const struct pool *p, int *pids, int max);

/* Server version of the last connection that came up (0 before). */
int pool_server_version(const struct pool *p);

#endif
