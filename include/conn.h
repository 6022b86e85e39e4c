/*
 * conn: one PostgreSQL connection as a state machine over non-blocking libpq.
 *
 *                 conn_start()
 *     CLOSED ─────────────────► CONNECTING ──── PQconnectPoll() = OK ────► READY
 *       ▲                           │                                      │  ▲
 *       │                           │ failed, or connect timeout           │  │ PQgetResult()
 *       │                           ▼                          conn_send() │  │ returned NULL
 *       │ conn_close()           BROKEN ◄───── socket or protocol error ── BUSY
 *       └───────────────────────────┘                                      │  ▲
 *       (from every state)                          conn_cancel()          ▼  │ results done
 *                                                                      CANCELLING
 *
 * CONNECTING drives PQconnectStartParams/PQconnectPoll, re-reading
 * PQsocket() every round (it changes when libpq tries the next host) and
 * waiting for readability or writability as PQconnectPoll asks. BUSY has
 * sent a query with PQsendQueryParams (or PQsendQuery for multi-statement
 * scripts), flushes with PQflush while output is pending, and collects
 * every PGresult with PQconsumeInput/PQisBusy/PQgetResult until NULL; then
 * the reply callback runs and the connection is READY again. READY keeps
 * watching the socket so that a server that goes away (or a notice) is
 * seen at once. BROKEN keeps the last error until the owner closes it.
 * A notice receiver on every connection sends server notices to the
 * message log, never to stderr.
 *
 * A connection attempt runs with PQERRORS_VERBOSE, so that a failure's
 * message carries the server's SQLSTATE (libpq exposes no other way to
 * read the error fields of a failed connection): an authentication failure
 * (class 28) is told from an unreachable server without matching
 * translated text. The message is then written back in the default form,
 * and a connection that comes up returns to the default verbosity.
 *
 * Session settings (statement_timeout, lock_timeout,
 * idle_in_transaction_session_timeout, and default_transaction_read_only
 * for read-only profiles) travel in the startup packet's `options`, so they
 * cost no round trip. TCP keepalives are on; application_name is set.
 *
 * All libpq calls go through a struct conn_transport, so tests can drive
 * the state machine with a fake transport.
 *
 * Ownership: conn_new() returns a connection freed with conn_free(). Reply
 * results belong to the connection and are cleared after the reply callback
 * returns, unless the callback takes one (sets the array slot to NULL and
 * PQclear()s it later).
 */
#ifndef PGDBM_CONN_H
#define PGDBM_CONN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_watch;
struct loop_timer;
struct msglog;
struct conn;

enum conn_state {
	CONN_CLOSED,
	CONN_CONNECTING,
	CONN_READY,
	CONN_BUSY,
	CONN_CANCELLING,
	CONN_BROKEN,
};

/* The libpq functions the state machine uses; conn_libpq_transport is real. */
struct conn_transport {
	PGconn *(*connect_start)(const char *const *keys, const char *const *values);
	PostgresPollingStatusType (*connect_poll)(PGconn *pg);
	ConnStatusType (*status)(const PGconn *pg);
	int (*socket)(const PGconn *pg);
	int (*set_nonblocking)(PGconn *pg, int on);
	PQnoticeReceiver (*set_notice_receiver)(PGconn *pg, PQnoticeReceiver fn, void *arg);
	int (*send_query)(PGconn *pg, const char *sql);
	int (*send_query_params)(PGconn *pg, const char *sql, int n, const char *const *values);
	int (*send_query_prepared)(PGconn *pg, const char *name, int n, const char *const *values);
	int (*flush)(PGconn *pg);
	int (*consume_input)(PGconn *pg);
	int (*is_busy)(PGconn *pg);
	PGresult *(*get_result)(PGconn *pg);
	int (*get_copy_data)(PGconn *pg, char **buffer, int async);
	PGTransactionStatusType (*transaction_status)(const PGconn *pg);
	const char *(*error_message)(const PGconn *pg);
	int (*backend_pid)(const PGconn *pg);
	int (*server_version)(const PGconn *pg);
	void (*finish)(PGconn *pg);
	/* may be NULL (fakes): then failures are never told apart */
	PGVerbosity (*set_error_verbosity)(PGconn *pg, PGVerbosity v);
	int (*needs_password)(const PGconn *pg);
};

extern const struct conn_transport conn_libpq_transport;

struct conn_config {
	const char *label;    /* database label, for messages */
	const char *conninfo; /* libpq conninfo or URI ("" for PG* defaults) */
	const char *application_name;
	int64_t connect_timeout_ms;
	int64_t statement_timeout_ms; /* 0: server default */
	int64_t lock_timeout_ms;
	int64_t idle_in_transaction_timeout_ms;
	bool read_only;
	bool keepalives;
	bool no_options; /* send no startup options (PgBouncer's admin console) */
};

/* What a query produced. */
struct conn_reply {
	PGresult **results; /* every result, in order */
	int n;
	/*
	 * COPY ... TO STDOUT data (text format), every COPY of the query one
	 * after the other; copy_ends[i] is where the data of COPY i ends.
	 */
	const char *copy;
	size_t copy_len;
	const size_t *copy_ends;
	int n_copies;
	const PGresult *error;	/* the first result with an error status, or NULL */
	const char *conn_error; /* the connection failed (message), or NULL */
	int64_t elapsed_us;
};

typedef void (*conn_reply_cb)(struct conn *c, struct conn_reply *reply, void *arg);

/* How much of a reply's error conn_reply_error_text() gives. */
enum conn_error_form {
	CONN_ERROR_LINE,    /* its first line only */
	CONN_ERROR_MESSAGE, /* every line of it */
	CONN_ERROR_FULL,    /* a server error in libpq's whole text ("ERROR:  ...\nDETAIL: ...") */
};

/*
 * The error of a reply as text (malloc'd), or NULL when it succeeded (no
 * connection error, no error result): the connection's error when the
 * connection failed; else the server's primary message (CONN_ERROR_FULL:
 * libpq's whole text of the error), or libpq's whole text when the result
 * carries no primary message. Trailing white space is removed, and
 * CONN_ERROR_LINE keeps the first line. A caller that says more (a prefix
 * such as "connection lost: ", "no answer" when nothing came) adds it.
 */
char *conn_reply_error_text(const struct conn_reply *reply, enum conn_error_form form);

/*
 * conn_reply_error_text() from its parts: the connection error, the
 * primary message and libpq's whole text (any of them NULL). NULL when all
 * three are. Exposed for tests.
 */
char *conn_error_text(const char *conn_error, const char *primary, const char *whole,
		      enum conn_error_form form);

/* Called on every state change, after it happened. */
typedef void (*conn_state_cb)(struct conn *c, enum conn_state old, void *arg);

struct conn *conn_new(struct loop *loop, const struct conn_config *cfg, struct msglog *log,
		      const struct conn_transport *tr);
void conn_free(struct conn **c);

void conn_set_state_cb(struct conn *c, conn_state_cb cb, void *arg);

/* CLOSED -> CONNECTING (or BROKEN at once when libpq refuses the parameters). */
void conn_start(struct conn *c);

/*
 * READY -> BUSY. nparams < 0 sends sql with the simple query protocol (a
 * script of several statements, no parameters); otherwise the extended
 * protocol with text parameters (NULL entries are SQL NULL). Returns false
 * (and changes nothing) when the connection is not READY.
 */
bool conn_send(struct conn *c, const char *sql, int nparams, const char *const *params,
	       conn_reply_cb cb, void *arg);

/*
 * Like conn_send, for a statement prepared on this connection's session
 * (by an SQL PREPARE sent earlier): PQsendQueryPrepared. A statement
 * prepared once is planned once.
 */
bool conn_send_prepared(struct conn *c, const char *name, int nparams, const char *const *params,
			conn_reply_cb cb, void *arg);

/*
 * BUSY -> CANCELLING: ask the server to cancel the running statement.
 * Without libpq's asynchronous cancel (PostgreSQL 17+), the pool sends
 * pg_cancel_backend() over another connection; this only records the
 * request. Returns false when nothing is running.
 */
bool conn_cancel(struct conn *c);

/*
 * Forget the pending reply callback: the query's answer, when it comes, goes
 * nowhere (for an owner that goes away while a query runs).
 */
void conn_abandon(struct conn *c);

/* Any state -> CLOSED; a pending reply callback runs with conn_error set. */
void conn_close(struct conn *c);

enum conn_state conn_state(const struct conn *c);

/* Last connection-level error message ("" when none). */
const char *conn_error(const struct conn *c);

/*
 * The last connection attempt failed authentication: the server answered
 * with a SQLSTATE of class 28 (28P01 wrong password, 28000 unknown role or
 * no pg_hba.conf entry), or it asked for a password and none was given.
 * Such a failure does not go away by itself: the pool backs off for it.
 */
bool conn_auth_failed(const struct conn *c);

/*
 * A failed connection's message as libpq builds it with PQERRORS_VERBOSE
 * ("...failed: FATAL:  28P01: password authentication failed...\n
 * LOCATION:  auth_failed, auth.c:334\n"), written as the default verbosity
 * would (without the SQLSTATEs and LOCATION lines). Returns it (malloc'd)
 * and sets *auth when one of the SQLSTATEs is of class 28. Exposed for tests.
 */
char *conn_connect_error(const char *verbose, bool *auth);

/* In a transaction (or an aborted one) between queries? */
bool conn_in_transaction(const struct conn *c);

int conn_backend_pid(const struct conn *c);
int conn_server_version(const struct conn *c);

/* Monotonic ms when the connection became READY the first time, and last used. */
int64_t conn_born_ms(const struct conn *c);
int64_t conn_last_used_ms(const struct conn *c);

/* Queries completed on this connection, and how many of them failed. */
void conn_counters(const struct conn *c, uint64_t *queries, uint64_t *errors);

/* Owner's slot: the pool stores its bookkeeping here. */
void *conn_owner_data(const struct conn *c);
void conn_set_owner_data(struct conn *c, void *data);

/*
 * Build the keyword/value arrays handed to PQconnectStartParams for cfg:
 * the user's conninfo is expanded in place of dbname; our options are
 * appended to any options the conninfo already carries. Exposed for tests.
 * Free with conn_params_free().
 */
void conn_params_build(const struct conn_config *cfg, char ***keys, char ***values);
void conn_params_free(char **keys, char **values);

#endif
