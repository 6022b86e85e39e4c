/*
 * test_conn: the connection state machine, driven through a fake
 * transport. The "socket" is one end of a socketpair: always writable, and
 * readable when the test writes into the other end.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "loop.h"
#include "msglog.h"

struct fake {
	int sock[2];
	int alt[2];
	bool use_alt;			     /* socket() answers the alternative fd */
	int switch_at;			     /* connect_poll round that moves to alt (0: never) */
	PostgresPollingStatusType script[8]; /* connect_poll answers, in order */
	int n_script, pos;
	ConnStatusType status;
	bool input_pending; /* is_busy stays 1 until input was consumed */
	PGresult *results[4];
	int n_results, next;
	bool consume_fails;
	int flush_pending; /* flush returns 1 this many times */
	bool nonblocking;
	char last_sql[256];
	int sent_params;
	const char *error;
	bool finished;
	PGVerbosity verbosity;
	int needs_password;
};

static struct fake F;

#define FAKE(pg) ((void)(pg), &F)

static PGconn *
f_connect_start(const char *const *keys, const char *const *values)
{
	(void)keys;
	(void)values;
	return (PGconn *)&F;
}

static PostgresPollingStatusType
f_connect_poll(PGconn *pg)
{
	struct fake *f = FAKE(pg);
	PostgresPollingStatusType r;

	if (f->pos >= f->n_script)
		return PGRES_POLLING_READING;
	r = f->script[f->pos++];
	if (f->switch_at == f->pos)
		f->use_alt = true; /* like libpq moving on to the next host */
	if (r == PGRES_POLLING_FAILED)
		f->status = CONNECTION_BAD;
	else if (r == PGRES_POLLING_OK)
		f->status = CONNECTION_OK;
	return r;
}

static ConnStatusType
f_status(const PGconn *pg)
{
	return FAKE(pg)->status;
}

static int
f_socket(const PGconn *pg)
{
	struct fake *f = FAKE(pg);

	return f->use_alt ? f->alt[0] : f->sock[0];
}

static int
f_set_nonblocking(PGconn *pg, int on)
{
	FAKE(pg)->nonblocking = on;
	return 0;
}

static PQnoticeReceiver
f_set_notice_receiver(PGconn *pg, PQnoticeReceiver fn, void *arg)
{
	(void)pg;
	(void)fn;
	(void)arg;
	return NULL;
}

static int
f_send_query(PGconn *pg, const char *sql)
{
	struct fake *f = FAKE(pg);

	snprintf(f->last_sql, sizeof f->last_sql, "%s", sql);
	f->sent_params = -1;
	f->input_pending = true;
	return 1;
}

static int
f_send_query_params(PGconn *pg, const char *sql, int n, const char *const *values)
{
	struct fake *f = FAKE(pg);

	(void)values;
	snprintf(f->last_sql, sizeof f->last_sql, "%s", sql);
	f->sent_params = n;
	f->input_pending = true;
	return 1;
}

static int
f_send_query_prepared(PGconn *pg, const char *name, int n, const char *const *values)
{
	struct fake *f = FAKE(pg);

	(void)values;
	snprintf(f->last_sql, sizeof f->last_sql, "EXECUTE %s", name);
	f->sent_params = n;
	f->input_pending = true;
	return 1;
}

static int
f_flush(PGconn *pg)
{
	struct fake *f = FAKE(pg);

	if (f->flush_pending > 0) {
		f->flush_pending--;
		return 1;
	}
	return 0;
}

static int
f_consume_input(PGconn *pg)
{
	struct fake *f = FAKE(pg);
	char buf[64];
	ssize_t n;

	if (f->consume_fails) {
		f->status = CONNECTION_BAD;
		return 0;
	}
	n = read(f_socket(pg), buf, sizeof buf);
	if (n > 0)
		f->input_pending = false;
	return 1;
}

static int
f_is_busy(PGconn *pg)
{
	return FAKE(pg)->input_pending;
}

static PGresult *
f_get_result(PGconn *pg)
{
	struct fake *f = FAKE(pg);

	if (f->next < f->n_results)
		return f->results[f->next++];
	return NULL;
}

static int
f_get_copy_data(PGconn *pg, char **buffer, int async)
{
	(void)pg;
	(void)async;
	*buffer = NULL;
	return -1;
}

static PGTransactionStatusType
f_transaction_status(const PGconn *pg)
{
	(void)pg;
	return PQTRANS_IDLE;
}

static const char *
f_error_message(const PGconn *pg)
{
	return FAKE(pg)->error;
}

static int
f_backend_pid(const PGconn *pg)
{
	(void)pg;
	return 4242;
}

static int
f_server_version(const PGconn *pg)
{
	(void)pg;
	return 150018;
}

static void
f_finish(PGconn *pg)
{
	FAKE(pg)->finished = true;
}

static PGVerbosity
f_set_error_verbosity(PGconn *pg, PGVerbosity v)
{
	PGVerbosity old = FAKE(pg)->verbosity;

	FAKE(pg)->verbosity = v;
	return old;
}

static int
f_needs_password(const PGconn *pg)
{
	return FAKE(pg)->needs_password;
}

static const struct conn_transport fake_transport = {
	f_connect_start, f_connect_poll,	f_status,
	f_socket,	 f_set_nonblocking,	f_set_notice_receiver,
	f_send_query,	 f_send_query_params,	f_send_query_prepared,
	f_flush,	 f_consume_input,	f_is_busy,
	f_get_result,	 f_get_copy_data,	f_transaction_status,
	f_error_message, f_backend_pid,		f_server_version,
	f_finish,	 f_set_error_verbosity, f_needs_password,
};

/* ------------------------------------------------------------------------ */

struct fixture {
	struct loop *loop;
	struct msglog log;
	struct conn *c;
	char states[64]; /* one letter per state entered */
	int replies;
	int reply_n;
	bool reply_error;
	char conn_error[128];
};

static char
state_letter(enum conn_state s)
{
	return "CNRBXK"[s]; /* closed coNnecting Ready Busy cancelling(X) broKen */
}

static void
on_state(struct conn *c, enum conn_state old, void *arg)
{
	struct fixture *fx = arg;
	size_t n = strlen(fx->states);

	(void)old;
	fx->states[n] = state_letter(conn_state(c));
	fx->states[n + 1] = '\0';
}

static void
on_reply(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct fixture *fx = arg;

	(void)c;
	fx->replies++;
	fx->reply_n = reply->n;
	fx->reply_error = reply->error != NULL;
	snprintf(fx->conn_error, sizeof fx->conn_error, "%s",
		 reply->conn_error ? reply->conn_error : "");
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	struct conn_config cfg;

	memset(&F, 0, sizeof F);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, F.sock), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, F.alt), 0);
	F.status = CONNECTION_STARTED;
	F.error = "fake error\n";
	fx->loop = loop_new();
	msglog_init(&fx->log, 16);
	memset(&cfg, 0, sizeof cfg);
	cfg.label = "fake";
	cfg.conninfo = "dbname=x";
	cfg.connect_timeout_ms = 200;
	fx->c = conn_new(fx->loop, &cfg, &fx->log, &fake_transport);
	conn_set_state_cb(fx->c, on_state, fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int i;

	conn_free(&fx->c);
	loop_free(&fx->loop);
	msglog_free(&fx->log);
	for (i = F.next; i < F.n_results; i++)
		PQclear(F.results[i]);
	close(F.sock[0]);
	close(F.sock[1]);
	close(F.alt[0]);
	close(F.alt[1]);
	free(fx);
	return 0;
}

static void
poke(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

static void
run(struct fixture *fx, int rounds)
{
	while (rounds-- > 0)
		loop_run_once(fx->loop, 20);
}

/* WRITING -> READING -> OK */
static void
connect_ok(struct fixture *fx)
{
	F.script[0] = PGRES_POLLING_WRITING;
	F.script[1] = PGRES_POLLING_READING;
	F.script[2] = PGRES_POLLING_OK;
	F.n_script = 3;
	conn_start(fx->c);
	assert_int_equal(conn_state(fx->c), CONN_CONNECTING);
	run(fx, 2); /* writable twice: WRITING, then READING */
	assert_int_equal(conn_state(fx->c), CONN_CONNECTING);
	run(fx, 2); /* READING: nothing to read yet */
	assert_int_equal(conn_state(fx->c), CONN_CONNECTING);
	poke(F.sock[1]);
	run(fx, 1);
	assert_int_equal(conn_state(fx->c), CONN_READY);
	assert_true(F.nonblocking);
	/* drain the byte so READY does not see input */
	{
		char b;

		assert_int_equal(read(F.sock[0], &b, 1), 1);
	}
}

static void
test_connect_ok(void **state)
{
	struct fixture *fx = *state;

	connect_ok(fx);
	assert_string_equal(fx->states, "NR");
	assert_int_equal(conn_backend_pid(fx->c), 4242);
	assert_int_equal(F.verbosity, PQERRORS_DEFAULT); /* queries: default messages */
	assert_false(conn_auth_failed(fx->c));
}

static void
test_connect_fails(void **state)
{
	struct fixture *fx = *state;

	F.script[0] = PGRES_POLLING_FAILED;
	F.n_script = 1;
	F.error = "could not connect: refused\n\tIs the server running?\n";
	conn_start(fx->c);
	run(fx, 1);
	assert_int_equal(conn_state(fx->c), CONN_BROKEN);
	assert_string_equal(fx->states, "NK");
	assert_string_equal(conn_error(fx->c),
			    "could not connect: refused; Is the server running?");
	assert_false(conn_auth_failed(fx->c));
}

/*
 * A wrong password: libpq's verbose message carries SQLSTATE 28P01 (the
 * connection was started with PQERRORS_VERBOSE); the error keeps the
 * default form and the failure is an authentication failure.
 */
static void
test_connect_auth_fails(void **state)
{
	struct fixture *fx = *state;

	F.script[0] = PGRES_POLLING_FAILED;
	F.n_script = 1;
	F.error = "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  28P01: "
		  "password authentication failed for user \"bob\"\n"
		  "LOCATION:  auth_failed, auth.c:334\n";
	conn_start(fx->c);
	assert_int_equal(F.verbosity, PQERRORS_VERBOSE);
	run(fx, 1);
	assert_int_equal(conn_state(fx->c), CONN_BROKEN);
	assert_true(conn_auth_failed(fx->c));
	assert_string_equal(conn_error(fx->c),
			    "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  "
			    "password authentication failed for user \"bob\"");
}

/* The server asked for a password and none was given: an authentication failure too. */
static void
test_connect_needs_password(void **state)
{
	struct fixture *fx = *state;

	F.script[0] = PGRES_POLLING_FAILED;
	F.n_script = 1;
	F.needs_password = 1;
	F.error = "connection to server at \"127.0.0.1\", port 5432 failed: fe_sendauth: no "
		  "password supplied\n";
	conn_start(fx->c);
	run(fx, 1);
	assert_true(conn_auth_failed(fx->c));
	assert_string_equal(conn_error(fx->c), "connection to server at \"127.0.0.1\", port 5432 "
					       "failed: fe_sendauth: no password supplied");
}

/* Verbose connection messages written back in the default form, class 28 found. */
static void
test_connect_error_form(void **state)
{
	static const struct {
		const char *verbose, *plain;
		bool auth;
	} cases[] = {
		{ "failed: FATAL:  28000: role \"nosuch\" does not exist\n"
		  "LOCATION:  InitializeSessionUserId, miscinit.c:768\n",
		  "failed: FATAL:  role \"nosuch\" does not exist\n", true },
		{ "failed: FATAL:  28000: no pg_hba.conf entry for host \"10.0.0.1\", user \"a\"\n",
		  "failed: FATAL:  no pg_hba.conf entry for host \"10.0.0.1\", user \"a\"\n",
		  true },
		/* translated severity and LOCATION label: the shape is what counts */
		{ "fehlgeschlagen: SCHWERWIEGEND:  28P01: Passwort-Authentifizierung\n"
		  "ORT:  auth_failed, auth.c:334\n",
		  "fehlgeschlagen: SCHWERWIEGEND:  Passwort-Authentifizierung\n", true },
		{ "failed: FATAL:  3D000: database \"nosuch\" does not exist\n"
		  "LOCATION:  InitPostgres, postinit.c:948\n",
		  "failed: FATAL:  database \"nosuch\" does not exist\n", false },
		{ "failed: FATAL:  53300: sorry, too many clients already\n",
		  "failed: FATAL:  sorry, too many clients already\n", false },
		{ "could not connect: Connection refused\n\tIs the server running on that host?\n",
		  "could not connect: Connection refused\n\tIs the server running on that host?\n",
		  false },
		/* a message that merely looks like a code after a colon is kept */
		{ "failed: x:  28P0: y", "failed: x:  28P0: y", false },
		{ "", "", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bool auth = !cases[i].auth;
		char *plain = conn_connect_error(cases[i].verbose, &auth);

		assert_string_equal(plain, cases[i].plain);
		assert_int_equal(auth, cases[i].auth);
		free(plain);
	}
}

/* libpq's message quotes the connection string: the password is not kept */
static void
test_connect_error_redacted(void **state)
{
	struct fixture *fx = *state;
	struct conn_config cfg;

	conn_free(&fx->c);
	memset(&cfg, 0, sizeof cfg);
	cfg.label = "fake";
	cfg.conninfo = "dbname='postgresql://u:S3cretPW@[::1:5432/db'";
	cfg.connect_timeout_ms = 200;
	fx->c = conn_new(fx->loop, &cfg, &fx->log, &fake_transport);
	F.script[0] = PGRES_POLLING_FAILED;
	F.n_script = 1;
	F.error = "end of string reached when looking for matching \"]\" in IPv6 host address "
		  "in URI: \"postgresql://u:S3cretPW@[::1:5432/db\"\n";
	conn_start(fx->c);
	run(fx, 1);
	assert_int_equal(conn_state(fx->c), CONN_BROKEN);
	assert_string_equal(conn_error(fx->c),
			    "end of string reached when looking for matching \"]\" in IPv6 host "
			    "address in URI: \"postgresql://u:********@[::1:5432/db\"");
}

static void
test_connect_timeout(void **state)
{
	struct fixture *fx = *state;
	bool never = false;

	F.script[0] = PGRES_POLLING_READING;
	F.n_script = 1;
	conn_start(fx->c);
	loop_run_until(fx->loop, &never, 300);
	assert_int_equal(conn_state(fx->c), CONN_BROKEN);
	assert_non_null(strstr(conn_error(fx->c), "connect_timeout"));
}

/* libpq moves to another socket (next host): the watch follows it. */
static void
test_connect_socket_changes(void **state)
{
	struct fixture *fx = *state;

	F.script[0] = PGRES_POLLING_READING;
	F.script[1] = PGRES_POLLING_OK;
	F.n_script = 2;
	F.switch_at = 1;
	conn_start(fx->c);
	run(fx, 1); /* writable: poll says READING, and libpq now uses the alt socket */
	assert_true(F.use_alt);
	/* the old socket becomes readable: must not be watched any more */
	poke(F.sock[1]);
	run(fx, 2);
	assert_int_equal(conn_state(fx->c), CONN_CONNECTING);
	poke(F.alt[1]);
	run(fx, 1);
	assert_int_equal(conn_state(fx->c), CONN_READY);
}

static void
test_query_ok(void **state)
{
	struct fixture *fx = *state;
	const char *params[1] = { "7" };

	connect_ok(fx);
	F.results[0] = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	F.n_results = 1;
	F.flush_pending = 1;
	assert_true(conn_send(fx->c, "SELECT $1", 1, params, on_reply, fx));
	assert_int_equal(conn_state(fx->c), CONN_BUSY);
	assert_int_equal(F.sent_params, 1);
	/* a second query while busy is refused */
	assert_false(conn_send(fx->c, "SELECT 2", -1, NULL, on_reply, fx));
	run(fx, 2); /* flush completes; still no answer */
	assert_int_equal(fx->replies, 0);
	poke(F.sock[1]);
	run(fx, 1);
	assert_int_equal(fx->replies, 1);
	assert_int_equal(fx->reply_n, 1);
	assert_false(fx->reply_error);
	assert_int_equal(conn_state(fx->c), CONN_READY);
	assert_string_equal(fx->states, "NRBR");
}

/* A prepared statement runs by name, with its parameters, like a query. */
static void
test_prepared_ok(void **state)
{
	struct fixture *fx = *state;
	const char *params[2] = { "7", "8" };

	connect_ok(fx);
	F.results[0] = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	F.n_results = 1;
	assert_true(conn_send_prepared(fx->c, "stmt", 2, params, on_reply, fx));
	assert_int_equal(conn_state(fx->c), CONN_BUSY);
	assert_string_equal(F.last_sql, "EXECUTE stmt");
	assert_int_equal(F.sent_params, 2);
	assert_false(conn_send_prepared(fx->c, "stmt", 2, params, on_reply, fx));
	poke(F.sock[1]);
	run(fx, 1);
	assert_int_equal(fx->replies, 1);
	assert_false(fx->reply_error);
	assert_int_equal(conn_state(fx->c), CONN_READY);
}

static void
test_query_error_result(void **state)
{
	struct fixture *fx = *state;
	uint64_t q, e;

	connect_ok(fx);
	F.results[0] = PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
	F.results[1] = PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
	F.n_results = 2;
	assert_true(conn_send(fx->c, "SELECT 1; SELECT x", -1, NULL, on_reply, fx));
	assert_int_equal(F.sent_params, -1);
	poke(F.sock[1]);
	run(fx, 1);
	assert_int_equal(fx->replies, 1);
	assert_int_equal(fx->reply_n, 2);
	assert_true(fx->reply_error);
	assert_int_equal(conn_state(fx->c), CONN_READY);
	conn_counters(fx->c, &q, &e);
	assert_int_equal(q, 1);
	assert_int_equal(e, 1);
}

static void
test_broken_during_query(void **state)
{
	struct fixture *fx = *state;

	connect_ok(fx);
	assert_true(conn_send(fx->c, "SELECT 1", -1, NULL, on_reply, fx));
	F.consume_fails = true;
	F.error = "server closed the connection unexpectedly\n";
	poke(F.sock[1]);
	run(fx, 1);
	assert_int_equal(conn_state(fx->c), CONN_BROKEN);
	assert_int_equal(fx->replies, 1);
	assert_string_equal(fx->conn_error, "server closed the connection unexpectedly");
	assert_string_equal(fx->states, "NRBK");
}

static void
test_broken_while_ready(void **state)
{
	struct fixture *fx = *state;

	connect_ok(fx);
	F.consume_fails = true;
	poke(F.sock[1]);
	run(fx, 1);
	assert_int_equal(conn_state(fx->c), CONN_BROKEN);
	assert_string_equal(fx->states, "NRK");
	assert_int_equal(fx->replies, 0);
}

static void
test_close_with_pending_reply(void **state)
{
	struct fixture *fx = *state;

	connect_ok(fx);
	assert_true(conn_send(fx->c, "SELECT pg_sleep(10)", -1, NULL, on_reply, fx));
	assert_true(conn_cancel(fx->c));
	assert_int_equal(conn_state(fx->c), CONN_CANCELLING);
	conn_close(fx->c);
	assert_int_equal(conn_state(fx->c), CONN_CLOSED);
	assert_int_equal(fx->replies, 1);
	assert_string_equal(fx->conn_error, "connection closed");
	assert_true(F.finished);
	assert_string_equal(fx->states, "NRBXC");
	assert_false(conn_cancel(fx->c));
}

static void
has_param(char **keys, char **values, const char *key, const char *want)
{
	int i;

	for (i = 0; keys[i] != NULL; i++) {
		if (strcmp(keys[i], key) == 0) {
			assert_string_equal(values[i], want);
			return;
		}
	}
	fail_msg("no %s parameter", key);
}

static void
test_params(void **state)
{
	struct conn_config cfg;
	char **keys, **values;
	int i, dbname_at = -1, app_at = -1;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.conninfo = "host=db options='-c search_path=app'";
	cfg.application_name = "pgdbm-console";
	cfg.statement_timeout_ms = 60000;
	cfg.lock_timeout_ms = 5000;
	cfg.idle_in_transaction_timeout_ms = 60000;
	cfg.read_only = true;
	cfg.keepalives = true;
	conn_params_build(&cfg, &keys, &values);
	has_param(keys, values, "dbname", cfg.conninfo);
	has_param(keys, values, "keepalives", "1");
	has_param(keys, values, "options",
		  "-c search_path=app -c statement_timeout=60000 -c lock_timeout=5000 "
		  "-c idle_in_transaction_session_timeout=60000 "
		  "-c default_transaction_read_only=on");
	for (i = 0; keys[i] != NULL; i++) {
		if (strcmp(keys[i], "dbname") == 0)
			dbname_at = i;
		if (strcmp(keys[i], "application_name") == 0)
			app_at = i;
	}
	/* the profile's application_name comes after the conninfo, so it wins */
	assert_true(app_at > dbname_at);
	conn_params_free(keys, values);

	/* PgBouncer's admin console: no startup options or application_name
	 * (libpq's own keepalives stay) */
	cfg.no_options = true;
	conn_params_build(&cfg, &keys, &values);
	for (i = 0; keys[i] != NULL; i++) {
		assert_string_not_equal(keys[i], "options");
		assert_string_not_equal(keys[i], "application_name");
	}
	has_param(keys, values, "keepalives", "1");
	has_param(keys, values, "dbname", cfg.conninfo);
	conn_params_free(keys, values);
}

/* A reply's error as text: which part, how many lines, trailing white space. */
static void
test_error_text(void **state)
{
	static const struct {
		const char *conn_error, *primary, *whole;
		enum conn_error_form form;
		const char *want; /* NULL: no error */
	} cases[] = {
		{ NULL, NULL, NULL, CONN_ERROR_LINE, NULL },
		{ NULL, NULL, NULL, CONN_ERROR_FULL, NULL },
		/* the connection's error wins over everything, in every form */
		{ "server closed the connection unexpectedly", "p", "ERROR:  p\n", CONN_ERROR_LINE,
		  "server closed the connection unexpectedly" },
		{ "no connection after 5 ms \n", "p", "ERROR:  p\n", CONN_ERROR_FULL,
		  "no connection after 5 ms" },
		/* the primary message, not libpq's text around it */
		{ NULL, "relation \"x\" does not exist", "ERROR:  relation \"x\" does not exist\n",
		  CONN_ERROR_LINE, "relation \"x\" does not exist" },
		{ NULL, "one\ntwo\n", "ERROR:  one\ntwo\n", CONN_ERROR_LINE, "one" },
		{ NULL, "one \t\ntwo \n", "ERROR:  one\ntwo\n", CONN_ERROR_MESSAGE, "one \t\ntwo" },
		{ NULL, "boom\x1b]0;x\x07 end", "ERROR:  boom\n", CONN_ERROR_MESSAGE,
		  "boom\x1b]0;x\x07 end" },
		/* the whole text: asked for, or when there is no primary message */
		{ NULL, "boom", "ERROR:  boom\nDETAIL:  why\n", CONN_ERROR_FULL,
		  "ERROR:  boom\nDETAIL:  why" },
		{ NULL, NULL, "lost synchronization\n\tsomething else\n", CONN_ERROR_LINE,
		  "lost synchronization" },
		{ NULL, NULL, "lost synchronization\n\tsomething else\n", CONN_ERROR_MESSAGE,
		  "lost synchronization\n\tsomething else" },
		{ NULL, "only a primary", NULL, CONN_ERROR_FULL, "only a primary" },
		{ NULL, NULL, "", CONN_ERROR_LINE, "" },
		{ NULL, NULL, " \r\n", CONN_ERROR_MESSAGE, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = conn_error_text(cases[i].conn_error, cases[i].primary, cases[i].whole,
					    cases[i].form);

		if (cases[i].want == NULL) {
			assert_null(got);
			continue;
		}
		assert_non_null(got);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

/* The same from a reply: a success, a lost connection, and a result libpq made. */
static void
test_reply_error_text(void **state)
{
	PGresult *ok = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresult *bad;
	PGconn *pg;
	struct conn_reply reply;
	char *text;

	(void)state;
	memset(&reply, 0, sizeof reply);
	reply.results = &ok;
	reply.n = 1;
	assert_null(conn_reply_error_text(&reply, CONN_ERROR_LINE));
	assert_null(conn_reply_error_text(&reply, CONN_ERROR_FULL));

	reply.conn_error = "server closed the connection unexpectedly";
	text = conn_reply_error_text(&reply, CONN_ERROR_FULL);
	assert_string_equal(text, "server closed the connection unexpectedly");
	free(text);

	/* an error result without a primary message: libpq's text (here about
	 * a socket that is not there, copied from the connection) */
	pg = PQconnectStart("host=/nonexistent/pgdbm-console-test port=1 connect_timeout=1");
	assert_non_null(pg);
	assert_int_equal(PQstatus(pg), CONNECTION_BAD);
	bad = PQmakeEmptyPGresult(pg, PGRES_FATAL_ERROR);
	assert_null(PQresultErrorField(bad, PG_DIAG_MESSAGE_PRIMARY));
	reply.conn_error = NULL;
	reply.error = bad;
	text = conn_reply_error_text(&reply, CONN_ERROR_LINE);
	assert_non_null(strstr(text, "/nonexistent/pgdbm-console-test"));
	assert_null(strchr(text, '\n'));
	assert_int_equal(strlen(text), strcspn(PQresultErrorMessage(bad), "\n"));
	free(text);
	text = conn_reply_error_text(&reply, CONN_ERROR_MESSAGE);
	assert_true(strncmp(text, PQresultErrorMessage(bad), strlen(text)) == 0);
	assert_true(text[0] != '\0' && text[strlen(text) - 1] != '\n');
	free(text);
	PQclear(bad);
	PQfinish(pg);
	PQclear(ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_auth_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_needs_password, setup, teardown),
		cmocka_unit_test(test_connect_error_form),
		cmocka_unit_test_setup_teardown(test_connect_error_redacted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_socket_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepared_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_error_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_during_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_while_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_with_pending_reply, setup, teardown),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_reply_error_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
