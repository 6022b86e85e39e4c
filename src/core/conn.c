/*
 * conn: one PostgreSQL connection driven by the event loop.
 * See include/conn.h for the state diagram.
 *
 * Every state change goes through set_state(), which checks the edge, sets
 * the socket events the new state needs, and tells the owner. Reply
 * callbacks run last in a code path, after the connection is READY again
 * (or BROKEN), so a callback may send the next query or hand the
 * connection back to its pool. conn_free() must not be called from one of
 * the connection's own callbacks; the pool defers it.
 */
#include "config.h"

#include "conn.h"

#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conninfo.h"
#include "loop.h"
#include "msglog.h"
#include "strbuf.h"
#include "xalloc.h"

struct conn {
	struct loop *loop;
	const struct conn_transport *tr;
	struct msglog *log;
	struct conn_config cfg; /* strings owned below */
	char *label, *conninfo, *appname;

	PGconn *pg;
	enum conn_state state;
	struct loop_watch *watch;
	struct loop_timer *connect_timer;
	PostgresPollingStatusType poll_status;

	conn_reply_cb cb;
	void *cb_arg;
	PGresult **results;
	int n_results, cap_results;
	bool copying;	    /* inside a COPY TO STDOUT */
	struct strbuf copy; /* its rows */
	size_t *copy_ends;
	int n_copies;
	int64_t sent_us;
	bool cancel_requested;

	char *error;
	bool auth_failed; /* the last connection attempt failed authentication */
	uint64_t n_queries, n_errors;
	int64_t born_ms, last_used_ms;
	conn_state_cb state_cb;
	void *state_arg;
	void *owner;
};

/* ------------------------------------------------------------------------
 * The real transport: libpq itself
 * ------------------------------------------------------------------------ */

static PGconn *
lpq_connect_start(const char *const *keys, const char *const *values)
{
	return PQconnectStartParams(keys, values, 1);
}

static int
lpq_send_query_params(PGconn *pg, const char *sql, int n, const char *const *values)
{
	return PQsendQueryParams(pg, sql, n, NULL, values, NULL, NULL, 0);
}

static int
lpq_send_query_prepared(PGconn *pg, const char *name, int n, const char *const *values)
{
	return PQsendQueryPrepared(pg, name, n, values, NULL, NULL, 0);
}

static const char *
lpq_error_message(const PGconn *pg)
{
	return PQerrorMessage(pg);
}

const struct conn_transport conn_libpq_transport = {
	.connect_start = lpq_connect_start,
	.connect_poll = PQconnectPoll,
	.status = PQstatus,
	.socket = PQsocket,
	.set_nonblocking = PQsetnonblocking,
	.set_notice_receiver = PQsetNoticeReceiver,
	.send_query = PQsendQuery,
	.send_query_params = lpq_send_query_params,
	.send_query_prepared = lpq_send_query_prepared,
	.flush = PQflush,
	.consume_input = PQconsumeInput,
	.is_busy = PQisBusy,
	.get_result = PQgetResult,
	.get_copy_data = PQgetCopyData,
	.transaction_status = PQtransactionStatus,
	.error_message = lpq_error_message,
	.backend_pid = PQbackendPID,
	.server_version = PQserverVersion,
	.finish = PQfinish,
	.set_error_verbosity = PQsetErrorVerbosity,
	.needs_password = PQconnectionNeedsPassword,
};

/* ------------------------------------------------------------------------
 * Connection parameters
 * ------------------------------------------------------------------------ */

struct params {
	char **keys, **values;
	size_t n;
};

static void
param_add(struct params *p, const char *key, const char *value)
{
	p->keys = xreallocarray(p->keys, p->n + 2, sizeof *p->keys);
	p->values = xreallocarray(p->values, p->n + 2, sizeof *p->values);
	p->keys[p->n] = xstrdup(key);
	p->values[p->n] = xstrdup(value);
	p->n++;
	p->keys[p->n] = NULL;
	p->values[p->n] = NULL;
}

/* The options the user's conninfo already carries (malloc'd, "" if none). */
static char *
user_options(const char *conninfo)
{
	PQconninfoOption *opts, *o;
	char *err = NULL, *v = NULL;

	opts = PQconninfoParse(conninfo, &err);
	if (opts == NULL) {
		PQfreemem(err);
		return xstrdup("");
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "options") == 0 && o->val != NULL)
			v = xstrdup(o->val);
	}
	PQconninfoFree(opts);
	return v != NULL ? v : xstrdup("");
}

void
conn_params_build(const struct conn_config *cfg, char ***keys, char ***values)
{
	struct params p = { NULL, NULL, 0 };

	/* before dbname: defaults the user's conninfo may override */
	if (cfg->keepalives) {
		param_add(&p, "keepalives", "1");
		param_add(&p, "keepalives_idle", "30");
		param_add(&p, "keepalives_interval", "10");
		param_add(&p, "keepalives_count", "3");
	}
	param_add(&p, "dbname", cfg->conninfo != NULL ? cfg->conninfo : "");
	if (!cfg->no_options) {
		struct strbuf opts = STRBUF_INIT;
		char *mine = user_options(cfg->conninfo != NULL ? cfg->conninfo : "");

		/* after dbname: what the profile says wins */
		if (cfg->application_name != NULL)
			param_add(&p, "application_name", cfg->application_name);
		strbuf_adds(&opts, mine);
		free(mine);
		if (cfg->statement_timeout_ms > 0)
			strbuf_addf(&opts, "%s-c statement_timeout=%lld", opts.len ? " " : "",
				    (long long)cfg->statement_timeout_ms);
		if (cfg->lock_timeout_ms > 0)
			strbuf_addf(&opts, "%s-c lock_timeout=%lld", opts.len ? " " : "",
				    (long long)cfg->lock_timeout_ms);
		if (cfg->idle_in_transaction_timeout_ms > 0)
			strbuf_addf(&opts, "%s-c idle_in_transaction_session_timeout=%lld",
				    opts.len ? " " : "",
				    (long long)cfg->idle_in_transaction_timeout_ms);
		if (cfg->read_only)
			strbuf_addf(&opts, "%s-c default_transaction_read_only=on",
				    opts.len ? " " : "");
		if (opts.len > 0)
			param_add(&p, "options", strbuf_str(&opts));
		strbuf_free(&opts);
	}
	*keys = p.keys;
	*values = p.values;
}

void
conn_params_free(char **keys, char **values)
{
	size_t i;

	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		free(keys[i]);
		free(values[i]);
	}
	free(keys);
	free(values);
}

/* ------------------------------------------------------------------------
 * State machine
 * ------------------------------------------------------------------------ */

#ifndef NDEBUG
/* The edges of the diagram in conn.h; set_state() asserts them. */
static bool
edge_allowed(enum conn_state from, enum conn_state to)
{
	if (to == CONN_CLOSED)
		return true;
	if (to == CONN_BROKEN)
		return from != CONN_CLOSED;
	switch (from) {
	case CONN_CLOSED:
		return to == CONN_CONNECTING;
	case CONN_CONNECTING:
		return to == CONN_READY;
	case CONN_READY:
		return to == CONN_BUSY;
	case CONN_BUSY:
		return to == CONN_READY || to == CONN_CANCELLING;
	case CONN_CANCELLING:
		return to == CONN_READY;
	case CONN_BROKEN:
		return false;
	}
	return false;
}
#endif

static void conn_ready_cb(struct loop *loop, int fd, short revents, void *arg);

/* The socket events each state needs. */
static short
state_events(const struct conn *c)
{
	switch (c->state) {
	case CONN_CONNECTING:
		return c->poll_status == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	case CONN_READY:
	case CONN_BUSY:
	case CONN_CANCELLING:
		return POLLIN;
	case CONN_CLOSED:
	case CONN_BROKEN:
		break;
	}
	return 0;
}

static void
update_watch(struct conn *c, short extra)
{
	int fd = c->pg != NULL ? c->tr->socket(c->pg) : -1;
	short ev = fd >= 0 ? (short)(state_events(c) | extra) : 0;

	if (ev == 0 && c->watch == NULL)
		return;
	if (c->watch == NULL)
		c->watch = loop_watch_add(c->loop, fd, ev, conn_ready_cb, c);
	else
		loop_watch_set(c->watch, fd, ev);
}

static void
set_state(struct conn *c, enum conn_state to)
{
	enum conn_state from = c->state;

	assert(edge_allowed(from, to));
	c->state = to;
	update_watch(c, 0);
	if (c->state_cb != NULL && from != to)
		c->state_cb(c, from, c->state_arg);
}

static void
clear_results(struct conn *c)
{
	int i;

	for (i = 0; i < c->n_results; i++)
		PQclear(c->results[i]);
	c->n_results = 0;
}

/*
 * Keep msg as the error, on one line ("...failed: X\n\tIs the server..." ->
 * "...; ..."), without the passwords of the connection string that libpq
 * may quote in it.
 */
static void
set_error(struct conn *c, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;
	char *safe;

	if (msg == NULL || msg[0] == '\0')
		msg = "connection lost";
	safe = conninfo_redact_message(c->conninfo, msg);
	for (p = safe; *p != '\0'; p++) {
		if (*p == '\n') {
			while (p[1] == '\t' || p[1] == ' ' || p[1] == '\n')
				p++;
			if (p[1] != '\0')
				strbuf_adds(&sb, "; ");
			continue;
		}
		strbuf_addc(&sb, *p);
	}
	free(safe);
	free(c->error);
	c->error = strbuf_detach(&sb);
}

/*
 * The results collected so far move into the reply, so that a callback may
 * send the next query on this connection while it still reads them.
 */
static void
take_results(struct conn *c, struct conn_reply *reply)
{
	reply->results = c->results;
	reply->n = c->n_results;
	c->results = NULL;
	c->n_results = 0;
	c->cap_results = 0;
	reply->copy_len = c->copy.len;
	reply->copy = c->copy.data != NULL ? strbuf_detach(&c->copy) : NULL;
	reply->copy_ends = c->copy_ends;
	reply->n_copies = c->n_copies;
	c->copy_ends = NULL;
	c->n_copies = 0;
	c->copying = false;
}

static void
free_reply_results(struct conn_reply *reply)
{
	int i;

	for (i = 0; i < reply->n; i++)
		PQclear(reply->results[i]);
	free(reply->results);
	free((char *)(uintptr_t)reply->copy);
	free((size_t *)(uintptr_t)reply->copy_ends);
}

/* Deliver the pending reply (if any) with the connection's error. */
static void
fail_reply(struct conn *c)
{
	conn_reply_cb cb = c->cb;
	struct conn_reply reply;

	if (cb == NULL)
		return;
	c->cb = NULL;
	c->n_queries++;
	c->n_errors++;
	memset(&reply, 0, sizeof reply);
	take_results(c, &reply);
	reply.conn_error = c->error;
	reply.elapsed_us = loop_clock_us() - c->sent_us;
	cb(c, &reply, c->cb_arg);
	free_reply_results(&reply);
}

/* Anything -> BROKEN with a message. */
static void
fail(struct conn *c, const char *msg)
{
	set_error(c, msg);
	loop_timer_cancel(c->loop, &c->connect_timer);
	if (c->state != CONN_BROKEN)
		set_state(c, CONN_BROKEN);
	msglog_add(c->log, MSG_DEBUG, c->label, "connection broken: %s", c->error);
	fail_reply(c);
}

static void
notice_receiver(void *arg, const PGresult *res)
{
	struct conn *c = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	enum msg_level level = MSG_NOTICE;

	if (sev != NULL && strcmp(sev, "WARNING") == 0)
		level = MSG_WARNING;
	else if (sev != NULL && (strcmp(sev, "DEBUG") == 0 || strcmp(sev, "LOG") == 0))
		level = MSG_DEBUG;
	msglog_add(c->log, level, c->label, "%s: %s", sev != NULL ? sev : "NOTICE",
		   msg != NULL ? msg : PQresultErrorMessage(res));
}

/* "XXXXX: " with XXXXX five digits or capitals: a SQLSTATE as libpq writes it. */
static bool
at_sqlstate(const char *p, const char *end)
{
	int i;

	if (end - p < 7)
		return false;
	for (i = 0; i < 5; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z')))
			return false;
	}
	return p[5] == ':' && p[6] == ' ';
}

/*
 * The LOCATION line of a verbose message: "<label>:  <function>, <file>:<line>"
 * (the label is translated, so its shape is checked, not its word).
 */
static bool
is_location(const char *p, const char *end)
{
	const char *q = memchr(p, ':', (size_t)(end - p)), *comma;

	if (q == NULL || end - q < 3 || q[1] != ' ' || q[2] != ' ')
		return false;
	for (q += 3; q < end && (isalnum((unsigned char)*q) || *q == '_'); q++)
		;
	if (q + 2 > end || q[0] != ',' || q[1] != ' ')
		return false;
	comma = q;
	q = end;
	while (q > comma && isdigit((unsigned char)q[-1]))
		q--;
	return q < end && q > comma + 2 && q[-1] == ':';
}

char *
conn_connect_error(const char *verbose, bool *auth)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = verbose != NULL ? verbose : "";

	*auth = false;
	while (*p != '\0') {
		const char *end = p + strcspn(p, "\n"), *q;

		if (is_location(p, end)) {
			p = *end == '\n' ? end + 1 : end;
			continue;
		}
		for (q = p; q < end; q++) {
			strbuf_addc(&sb, *q);
			/* "SEVERITY:  SQLSTATE: message": the SQLSTATE goes */
			if (q[0] == ':' && end - q >= 3 && q[1] == ' ' && q[2] == ' ' &&
			    at_sqlstate(q + 3, end)) {
				*auth = *auth || (q[3] == '2' && q[4] == '8');
				strbuf_adds(&sb, "  ");
				q += 2 + 7;
			}
		}
		if (*end == '\n')
			strbuf_addc(&sb, '\n');
		p = *end == '\n' ? end + 1 : end;
	}
	return strbuf_detach(&sb);
}

char *
conn_error_text(const char *conn_error, const char *primary, const char *whole,
		enum conn_error_form form)
{
	const char *text;
	size_t n;

	if (conn_error != NULL)
		text = conn_error;
	else if (form != CONN_ERROR_FULL && primary != NULL)
		text = primary;
	else if (whole != NULL)
		text = whole;
	else if (primary != NULL)
		text = primary;
	else
		return NULL;
	n = form == CONN_ERROR_LINE ? strcspn(text, "\n") : strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' ||
			 text[n - 1] == '\r'))
		n--;
	return xstrndup(text, n);
}

char *
conn_reply_error_text(const struct conn_reply *reply, enum conn_error_form form)
{
	if (reply->conn_error != NULL)
		return conn_error_text(reply->conn_error, NULL, NULL, form);
	if (reply->error == NULL)
		return NULL;
	return conn_error_text(NULL, PQresultErrorField(reply->error, PG_DIAG_MESSAGE_PRIMARY),
			       PQresultErrorMessage(reply->error), form);
}

/* CONNECTING -> BROKEN: the attempt failed; an authentication failure is told apart. */
static void
connect_fail(struct conn *c, const char *verbose)
{
	bool auth = false;
	char *msg = conn_connect_error(verbose, &auth);

	c->auth_failed = auth || (c->tr->needs_password != NULL && c->tr->needs_password(c->pg));
	fail(c, msg);
	free(msg);
}

static void
connect_timeout_cb(struct loop *loop, void *arg)
{
	struct conn *c = arg;
	char buf[96];

	(void)loop;
	c->connect_timer = NULL;
	snprintf(buf, sizeof buf, "no connection after %lld ms (connect_timeout)",
		 (long long)c->cfg.connect_timeout_ms);
	fail(c, buf);
}

static void
connect_step(struct conn *c)
{
	c->poll_status = c->tr->connect_poll(c->pg);
	switch (c->poll_status) {
	case PGRES_POLLING_READING:
	case PGRES_POLLING_WRITING:
		update_watch(c, 0); /* the socket may have changed: re-read it */
		return;
	case PGRES_POLLING_OK:
		loop_timer_cancel(c->loop, &c->connect_timer);
		if (c->tr->set_error_verbosity != NULL)
			c->tr->set_error_verbosity(c->pg, PQERRORS_DEFAULT);
		if (c->tr->set_nonblocking(c->pg, 1) != 0) {
			fail(c, c->tr->error_message(c->pg));
			return;
		}
		c->born_ms = loop_now(c->loop);
		c->last_used_ms = c->born_ms;
		set_state(c, CONN_READY);
		return;
	case PGRES_POLLING_FAILED:
	case PGRES_POLLING_ACTIVE:
		break;
	}
	connect_fail(c, c->tr->error_message(c->pg));
}

static void
complete(struct conn *c)
{
	conn_reply_cb cb = c->cb;
	struct conn_reply reply;
	int i;

	memset(&reply, 0, sizeof reply);
	take_results(c, &reply);
	reply.elapsed_us = loop_clock_us() - c->sent_us;
	for (i = 0; i < reply.n && reply.error == NULL; i++) {
		ExecStatusType st = PQresultStatus(reply.results[i]);

		if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE)
			reply.error = reply.results[i];
	}
	c->cb = NULL;
	c->cancel_requested = false;
	c->last_used_ms = loop_now(c->loop);
	c->n_queries++;
	if (reply.error != NULL)
		c->n_errors++;
	if (c->tr->status(c->pg) == CONNECTION_BAD) {
		set_error(c, c->tr->error_message(c->pg));
		reply.conn_error = c->error;
		set_state(c, CONN_BROKEN);
	} else {
		set_state(c, CONN_READY);
	}
	if (cb != NULL)
		cb(c, &reply, c->cb_arg);
	free_reply_results(&reply);
}

static void
add_result(struct conn *c, PGresult *r)
{
	if (c->n_results == c->cap_results) {
		c->cap_results = c->cap_results ? c->cap_results * 2 : 4;
		c->results = xreallocarray(c->results, (size_t)c->cap_results, sizeof *c->results);
	}
	c->results[c->n_results++] = r;
}

/*
 * Read COPY TO STDOUT rows that have arrived. Returns false while more
 * are expected, true when the COPY is over (its final result follows).
 */
static bool
read_copy(struct conn *c)
{
	for (;;) {
		char *buf = NULL;
		int n = c->tr->get_copy_data(c->pg, &buf, 1);

		if (n > 0) {
			strbuf_add(&c->copy, buf, (size_t)n);
			PQfreemem(buf);
			continue;
		}
		if (n == 0)
			return false;
		c->copying = false;
		c->copy_ends = xreallocarray(c->copy_ends, (size_t)c->n_copies + 1,
					     sizeof *c->copy_ends);
		c->copy_ends[c->n_copies++] = c->copy.len;
		return true; /* -1: done; -2: an error, reported by the next result */
	}
}

/* Read what the server sent; complete the query when all results are in. */
static void
read_input(struct conn *c)
{
	if (!c->tr->consume_input(c->pg)) {
		fail(c, c->tr->error_message(c->pg));
		return;
	}
	for (;;) {
		PGresult *r;
		ExecStatusType st;

		if (c->copying && !read_copy(c))
			return;
		if (c->tr->is_busy(c->pg))
			return;
		r = c->tr->get_result(c->pg);
		if (r == NULL) {
			complete(c);
			return;
		}
		st = PQresultStatus(r);
		add_result(c, r);
		if (st == PGRES_COPY_OUT) {
			c->copying = true;
			continue;
		}
		if (st == PGRES_COPY_IN || st == PGRES_COPY_BOTH) {
			fail(c, "COPY FROM STDIN is not supported on console connections");
			return;
		}
	}
}

static void
flush_output(struct conn *c)
{
	int r = c->tr->flush(c->pg);

	if (r < 0)
		fail(c, c->tr->error_message(c->pg));
	else
		update_watch(c, r == 1 ? POLLOUT : 0);
}

static void
conn_ready_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct conn *c = arg;

	(void)loop;
	(void)fd;
	switch (c->state) {
	case CONN_CONNECTING:
		connect_step(c);
		return;
	case CONN_BUSY:
	case CONN_CANCELLING:
		if (revents & POLLOUT) {
			flush_output(c);
			if (c->state != CONN_BUSY && c->state != CONN_CANCELLING)
				return;
		}
		if (revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL))
			read_input(c);
		return;
	case CONN_READY:
		/* nothing is expected: a notice, a notification, or the end */
		if (!c->tr->consume_input(c->pg) || c->tr->status(c->pg) == CONNECTION_BAD) {
			fail(c, c->tr->error_message(c->pg));
			return;
		}
		{
			PGnotify *n;

			while ((n = PQnotifies(c->pg)) != NULL)
				PQfreemem(n);
		}
		return;
	case CONN_CLOSED:
	case CONN_BROKEN:
		update_watch(c, 0);
		return;
	}
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

struct conn *
conn_new(struct loop *loop, const struct conn_config *cfg, struct msglog *log,
	 const struct conn_transport *tr)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->loop = loop;
	c->tr = tr != NULL ? tr : &conn_libpq_transport;
	c->log = log;
	c->cfg = *cfg;
	c->label = xstrdup(cfg->label != NULL ? cfg->label : "db");
	c->conninfo = xstrdup(cfg->conninfo != NULL ? cfg->conninfo : "");
	c->appname = cfg->application_name != NULL ? xstrdup(cfg->application_name) : NULL;
	c->cfg.label = c->label;
	c->cfg.conninfo = c->conninfo;
	c->cfg.application_name = c->appname;
	c->state = CONN_CLOSED;
	c->error = xstrdup("");
	return c;
}

void
conn_free(struct conn **cp)
{
	struct conn *c = *cp;

	if (c == NULL)
		return;
	c->state_cb = NULL;
	conn_close(c);
	free(c->results);
	free(c->error);
	free(c->label);
	free(c->conninfo);
	free(c->appname);
	free(c);
	*cp = NULL;
}

void
conn_set_state_cb(struct conn *c, conn_state_cb cb, void *arg)
{
	c->state_cb = cb;
	c->state_arg = arg;
}

void
conn_start(struct conn *c)
{
	char **keys, **values;

	assert(c->state == CONN_CLOSED);
	conn_params_build(&c->cfg, &keys, &values);
	c->pg = c->tr->connect_start((const char *const *)keys, (const char *const *)values);
	conn_params_free(keys, values);
	if (c->pg == NULL)
		xalloc_fail("out of memory (libpq)");
	c->tr->set_notice_receiver(c->pg, notice_receiver, c);
	/* the startup exchange has not begun: its errors will carry their SQLSTATE */
	if (c->tr->set_error_verbosity != NULL)
		c->tr->set_error_verbosity(c->pg, PQERRORS_VERBOSE);
	c->auth_failed = false;
	c->poll_status = PGRES_POLLING_WRITING;
	set_state(c, CONN_CONNECTING);
	if (c->tr->status(c->pg) == CONNECTION_BAD) {
		connect_fail(c, c->tr->error_message(c->pg));
		return;
	}
	if (c->cfg.connect_timeout_ms > 0)
		c->connect_timer = loop_timer_add(c->loop, c->cfg.connect_timeout_ms, 0,
						  connect_timeout_cb, c);
}

enum send_kind {
	SEND_SIMPLE,
	SEND_PARAMS,
	SEND_PREPARED,
};

static bool
send_any(struct conn *c, enum send_kind kind, const char *name, const char *sql, int nparams,
	 const char *const *params, conn_reply_cb cb, void *arg)
{
	int ok = 0;

	if (c->state != CONN_READY)
		return false;
	switch (kind) {
	case SEND_SIMPLE:
		ok = c->tr->send_query(c->pg, sql);
		break;
	case SEND_PARAMS:
		ok = c->tr->send_query_params(c->pg, sql, nparams, params);
		break;
	case SEND_PREPARED:
		ok = c->tr->send_query_prepared(c->pg, name, nparams, params);
		break;
	}
	c->cb = cb;
	c->cb_arg = arg;
	c->sent_us = loop_clock_us();
	clear_results(c);
	set_state(c, CONN_BUSY);
	if (!ok) {
		fail(c, c->tr->error_message(c->pg));
		return true;
	}
	flush_output(c);
	return true;
}

bool
conn_send(struct conn *c, const char *sql, int nparams, const char *const *params, conn_reply_cb cb,
	  void *arg)
{
	return send_any(c, nparams < 0 ? SEND_SIMPLE : SEND_PARAMS, NULL, sql, nparams, params, cb,
			arg);
}

bool
conn_send_prepared(struct conn *c, const char *name, int nparams, const char *const *params,
		   conn_reply_cb cb, void *arg)
{
	return send_any(c, SEND_PREPARED, name, NULL, nparams, params, cb, arg);
}

bool
conn_cancel(struct conn *c)
{
	if (c->state != CONN_BUSY)
		return false;
	c->cancel_requested = true;
	set_state(c, CONN_CANCELLING);
	return true;
}

void
conn_abandon(struct conn *c)
{
	c->cb = NULL;
	c->cb_arg = NULL;
}

void
conn_close(struct conn *c)
{
	loop_timer_cancel(c->loop, &c->connect_timer);
	loop_watch_remove(c->loop, &c->watch);
	if (c->pg != NULL) {
		c->tr->finish(c->pg);
		c->pg = NULL;
	}
	if (c->cb != NULL) {
		if (c->error[0] == '\0')
			set_error(c, "connection closed");
		fail_reply(c);
	}
	clear_results(c);
	strbuf_free(&c->copy);
	free(c->copy_ends);
	c->copy_ends = NULL;
	c->n_copies = 0;
	c->copying = false;
	if (c->state != CONN_CLOSED) {
		enum conn_state from = c->state;

		c->state = CONN_CLOSED;
		if (c->state_cb != NULL)
			c->state_cb(c, from, c->state_arg);
	}
}

enum conn_state
conn_state(const struct conn *c)
{
	return c->state;
}

const char *
conn_error(const struct conn *c)
{
	return c->error;
}

bool
conn_auth_failed(const struct conn *c)
{
	return c->auth_failed;
}

bool
conn_in_transaction(const struct conn *c)
{
	PGTransactionStatusType ts;

	if (c->pg == NULL)
		return false;
	ts = c->tr->transaction_status(c->pg);
	return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}

int
conn_backend_pid(const struct conn *c)
{
	return c->pg != NULL ? c->tr->backend_pid(c->pg) : 0;
}

int
conn_server_version(const struct conn *c)
{
	return c->pg != NULL ? c->tr->server_version(c->pg) : 0;
}

int64_t
conn_born_ms(const struct conn *c)
{
	return c->born_ms;
}

int64_t
conn_last_used_ms(const struct conn *c)
{
	return c->last_used_ms;
}

void
conn_counters(const struct conn *c, uint64_t *queries, uint64_t *errors)
{
	*queries = c->n_queries;
	*errors = c->n_errors;
}

void *
conn_owner_data(const struct conn *c)
{
	return c->owner;
}

void
conn_set_owner_data(struct conn *c, void *data)
{
	c->owner = data;
}
