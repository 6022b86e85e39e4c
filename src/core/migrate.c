/*
 * migrate: the apply / rollback / repair runs and the status run.
 * See include/migrate.h for the contract; status and plans are in
 * migrate_plan.c, the ledger's SQL and rows in migrate_ledger.c, errors
 * and their lines in migrate_error.c (they share migrate_int.h).
 *
 * A run is a state machine driven by query replies. Its phases:
 *
 *   ACQUIRE ─► TABLES (ledger and events exist? server version)
 *      │
 *      ├─ status:  READ_LEDGER ─► READ_EVENTS ─► READ_HOLDER ─► done
 *      │
 *      └─ writes:  TRY_LOCK ─got─► CREATE (missing ledger/events) ─► READ_LEDGER
 *                    │  ▲                                         ─► READ_EVENTS ─► plan
 *                    │  └── timer ◄── HOLDER (who holds it) ◄─ busy     │
 *                    └─ deadline: fail                                  ▼
 *                                                          one STEP per plan entry:
 *        transactional: BODY ("BEGIN; <file>") ─► RECORD (ledger + event) ─► COMMIT
 *        no-transaction: MARK (begin event) ─► STMT × n ─► RECORD
 *        repair:         RECORD (the new checksum and its event, one statement)
 *        failure:        ROLLBACK ─► FAIL_EVENT
 *        connection lost while a COMMIT (or an autocommit RECORD) was in
 *        flight:         VERIFY (the ledger read back over another connection)
 *                                                                         │
 *                                                            UNLOCK ◄─────┘ ─► done
 *
 * Every phase sends one query; advance() is the one transition function,
 * called with the reply of the phase that just ran: it hands the reply to
 * that phase's handler (the table `on_reply`), which takes what the answer
 * says and sends the next phase's query. Phases that wait for a timer or
 * another connection (ACQUIRE, WAIT, VERIFY, FAIL_EVENT_ELSEWHERE) and DONE
 * take no reply. The ledger is read only after the lock is held; the rows
 * written are exactly pgdbm's (filename, checksum, module_name,
 * execution_time_ms >= 1); each file and its ledger change commit
 * together, with the event that records it.
 *
 * Each file runs exactly once. When it fails without an error position,
 * its failing statement is the one after those that answered: a
 * simple-protocol script answers once per statement, in order, so the
 * count of answers before the error, matched against the file split into
 * statements, gives the line (migrate_error_line). Nothing is re-run.
 *
 * A connection lost while a COMMIT was in flight leaves the outcome to the
 * database alone: the run reads the ledger back over another connection
 * (mig_verify, retried with backoff while none can be had) and reports
 * what it holds, never a guess.
 */
#include "config.h"

#include "migrate.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "ident.h"
#include "loop.h"
#include "manager.h"
#include "migrate_int.h"
#include "pool.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "units.h"
#include "xalloc.h"

#define TOOL_NAME    "pgdbm-console " PACKAGE_VERSION
#define LOCK_POLL_MS 200

enum phase {
	P_ACQUIRE,
	P_TABLES,
	P_TRY_LOCK,
	P_HOLDER,
	P_WAIT,
	P_CREATE,
	P_READ_LEDGER,
	P_READ_EVENTS,
	P_READ_HOLDER,
	P_BODY,
	P_MARK,
	P_STMT,
	P_RECORD,
	P_COMMIT,
	P_ROLLBACK,
	P_VERIFY,
	P_FAIL_EVENT,
	P_FAIL_EVENT_ELSEWHERE,
	P_UNLOCK,
	P_DONE,
};
#define N_PHASES (P_DONE + 1)

struct mig_run {
	enum mig_kind kind;
	struct mig_target t;
	struct mig_opts opts;
	char *to, *repair_file;
	char *ledger; /* "schema"."table", quoted */
	mig_progress_cb progress;
	mig_done_cb on_done;
	void *arg;
	struct pool *pool;
	struct loop *loop;

	enum phase phase;
	struct pool_request *req;
	struct conn *conn;
	struct loop_timer *timer;
	int64_t lock_deadline_ms;
	bool ledger_exists, events_exist, locked;
	bool cancel, finished, ok, cancelled, waited;
	bool orphaned; /* freed by its owner while a pool query still refers to it */
	bool unlock_with_commit;
	bool committing; /* the query in flight commits (COMMIT, or an autocommit RECORD) */
	bool started;	 /* the first file's first query has been sent */
	struct mig_verify *verify;
	int server_version;

	struct mig_status status;
	struct mig_plan plan; /* repair: its one step is the file repaired */
	size_t step;
	int64_t step_started_us;
	int step_exec_ms;		     /* as recorded in the ledger */
	const struct migfile_script *script; /* up, or down when rolling back */
	char *rendered;
	char *body; /* what was sent for a transactional file: "BEGIN;\n" + rendered */
	struct sqlsplit_list stmts;
	size_t stmt;

	struct mig_error err;
	bool failed_in_step; /* the error is about plan step `step` */
	struct mig_done *done;
	size_t n_done;
	struct mig_done repairing; /* a repair's change, done once the database confirms it */
	char *holder;
};

static void advance(struct mig_run *r, struct conn_reply *reply);

static void progress(struct mig_run *r, const char *fmt, ...) ATTR_FORMAT(2, 3);

static void
progress(struct mig_run *r, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (r->progress == NULL)
		return;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	r->progress(r, text, r->arg);
	free(text);
}

static void
reply_cb(struct conn *c, struct conn_reply *reply, void *arg)
{
	(void)c;
	advance(arg, reply);
}

/* Send one query for the current phase (nparams < 0: simple protocol). */
static void
send(struct mig_run *r, const char *sql, int nparams, const char *const *params)
{
	if (!conn_send(r->conn, sql, nparams, params, reply_cb, r)) {
		struct conn_reply reply;

		memset(&reply, 0, sizeof reply);
		reply.conn_error = conn_error(r->conn)[0] ? conn_error(r->conn)
							  : "the connection is not ready";
		advance(r, &reply);
	}
}

/* Move to phase p without a query: its handler takes an empty reply at once. */
static void
skip_to(struct mig_run *r, enum phase p)
{
	struct conn_reply none;

	memset(&none, 0, sizeof none);
	r->phase = p;
	advance(r, &none);
}

static void
finish(struct mig_run *r, bool ok)
{
	r->phase = P_DONE;
	r->finished = true;
	r->ok = ok && r->err.message == NULL;
	loop_timer_cancel(r->loop, &r->timer);
	if (r->conn != NULL) {
		/* a session still holding the migration lock must not be reused */
		if (r->locked)
			pool_discard(r->pool, r->conn);
		else
			pool_release(r->pool, r->conn);
		r->conn = NULL;
	}
	if (r->on_done != NULL)
		r->on_done(r, r->arg);
}

static void
set_error_text(struct mig_run *r, const char *file, int line, const char *msg)
{
	mig_error_clear(&r->err);
	r->err.file = mig_dup(file);
	r->err.line = line;
	r->err.message = xstrdup(msg);
}

static bool
reply_failed(const struct conn_reply *reply)
{
	return reply->conn_error != NULL || reply->error != NULL;
}

/* A failed read of a table that does not exist (or whose schema does not). */
static bool
no_such_table(const struct conn_reply *reply)
{
	const char *state = mig_reply_sqlstate(reply);

	return strcmp(state, "42P01") == 0 || strcmp(state, "3F000") == 0;
}

/* ------------------------------------------------------------------------
 * Sending: the lock, the ledger and events, the steps
 * ------------------------------------------------------------------------ */

static void send_unlock(struct mig_run *r);

static void
lock_timer_cb(struct loop *loop, void *arg)
{
	struct mig_run *r = arg;
	const char *params[1] = { r->t.mgr->lock_key_text };

	(void)loop;
	r->timer = NULL;
	r->phase = P_TRY_LOCK;
	send(r, "SELECT pg_try_advisory_lock(hashtext($1))", 1, params);
}

static void
send_holder(struct mig_run *r, enum phase p)
{
	const char *params[1] = { r->t.mgr->lock_key_text };

	r->phase = p;
	send(r, mig_sql_holder, 1, params);
}

static void
send_read_ledger(struct mig_run *r)
{
	const char *params[1] = { r->t.mgr->module };
	char *sql;

	if (!r->ledger_exists) {
		skip_to(r, P_READ_LEDGER);
		return;
	}
	r->phase = P_READ_LEDGER;
	sql = mig_ledger_select(r->t.mgr->schema, r->t.mgr->table, true);
	send(r, sql, 1, params);
	free(sql);
}

static void
send_read_events(struct mig_run *r)
{
	const char *params[2] = { r->t.mgr->module, r->t.mgr->schema };

	/* lean runs (fan-outs) apply without the failure history */
	if (!r->events_exist || (r->opts.lean && r->kind != MIG_RUN_STATUS)) {
		skip_to(r, P_READ_EVENTS);
		return;
	}
	r->phase = P_READ_EVENTS;
	send(r, mig_sql_read_events, 2, params);
}

static void
send_unlock(struct mig_run *r)
{
	const char *params[1] = { r->t.mgr->lock_key_text };

	if (!r->locked || r->conn == NULL || conn_state(r->conn) != CONN_READY) {
		finish(r, r->err.message == NULL);
		return;
	}
	r->phase = P_UNLOCK;
	send(r, "SELECT pg_advisory_unlock(hashtext($1))", 1, params);
}

static void
clear_step(struct mig_run *r)
{
	free(r->rendered);
	r->rendered = NULL;
	free(r->body);
	r->body = NULL;
	sqlsplit_list_free(&r->stmts);
	r->stmt = 0;
}

static void
fail_event_elsewhere_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct mig_run *r = arg;

	(void)p;
	(void)reply;
	if (r->orphaned) {
		migrate_run_free(&r);
		return;
	}
	if (r->phase == P_FAIL_EVENT_ELSEWHERE)
		finish(r, false);
}

static void
send_fail_event(struct mig_run *r)
{
	const struct mig_entry *e = r->failed_in_step ? r->plan.steps[r->step] : NULL;
	struct strbuf msg = STRBUF_INIT;
	char ms[24];
	const char *params[6];

	r->phase = P_FAIL_EVENT;
	if (!r->events_exist || r->t.read_only) {
		send_unlock(r);
		return;
	}
	mig_error_format(&r->err, &msg);
	snprintf(ms, sizeof ms, "%lld", (long long)((loop_clock_us() - r->step_started_us) / 1000));
	params[0] = r->t.mgr->module;
	params[1] = r->t.mgr->schema;
	params[2] = e != NULL ? e->filename : NULL;
	params[3] = ms;
	params[4] = strbuf_str(&msg);
	params[5] = TOOL_NAME;
	if (r->conn != NULL && conn_state(r->conn) == CONN_READY) {
		send(r, mig_sql_fail_event, 6, params);
	} else {
		/* the run's connection is gone (killed, server restart): record the
		 * failure through another one, then finish */
		r->phase = P_FAIL_EVENT_ELSEWHERE;
		pool_query(r->pool, mig_sql_fail_event, 6, params, fail_event_elsewhere_done, r);
	}
	strbuf_free(&msg);
}

/* A step failed: roll back if a transaction is open, then record and unlock. */
static void
step_failed(struct mig_run *r, const struct conn_reply *reply, int line)
{
	const struct mig_entry *e = r->plan.steps[r->step];

	if (reply != NULL) {
		mig_error_from_reply(&r->err, reply, r->script->path);
		r->err.line = line;
	}
	r->failed_in_step = true;
	progress(r, "%s failed", e->filename);
	if (r->conn != NULL && conn_state(r->conn) == CONN_READY && conn_in_transaction(r->conn)) {
		r->phase = P_ROLLBACK;
		send(r, "ROLLBACK", -1, NULL);
		return;
	}
	send_fail_event(r);
}

/* A step could not start (nothing was sent for it): record the failure and unlock. */
static void
step_refused(struct mig_run *r, const char *file, int line, const char *why)
{
	set_error_text(r, file, line, why);
	r->failed_in_step = true;
	send_fail_event(r);
}

static void
send_record(struct mig_run *r)
{
	const struct mig_entry *e = r->plan.steps[r->step];
	char ms[24];
	int64_t took = (loop_clock_us() - r->step_started_us) / 1000;
	char *sql;

	if (took < 1)
		took = 1;
	r->step_exec_ms = (int)took;
	snprintf(ms, sizeof ms, "%lld", (long long)took);
	r->phase = P_RECORD;
	/* outside a transaction (a no-transaction file) the record commits itself */
	r->committing = !conn_in_transaction(r->conn);
	if (r->kind == MIG_RUN_APPLY) {
		const char *params[6] = { e->filename, e->file->up.checksum, r->t.mgr->module,
					  ms,	       r->t.mgr->schema,     TOOL_NAME };

		sql = mig_sql_write(MIG_WRITE_APPLY, r->ledger);
		send(r, sql, 6, params);
	} else {
		char id[24];
		const char *params[6] = { id, r->t.mgr->module, r->t.mgr->schema, e->filename,
					  ms, TOOL_NAME };

		snprintf(id, sizeof id, "%lld", (long long)e->row->id);
		sql = mig_sql_write(MIG_WRITE_ROLLBACK, r->ledger);
		send(r, sql, 6, params);
	}
	free(sql);
}

/* The database holds the repair's new checksum: it is done. */
static void
repair_done(struct mig_run *r)
{
	r->done = xcalloc(1, sizeof *r->done);
	r->done[0] = r->repairing;
	r->n_done = 1;
	memset(&r->repairing, 0, sizeof r->repairing);
}

static void
record_done(struct mig_run *r, int exec_ms)
{
	const struct mig_entry *e = r->plan.steps[r->step];
	struct mig_done *d;

	r->done = xreallocarray(r->done, r->n_done + 1, sizeof *r->done);
	d = &r->done[r->n_done++];
	memset(d, 0, sizeof *d);
	d->filename = xstrdup(e->filename);
	d->exec_ms = exec_ms;
}

/* The step's first query: its begin event (no-transaction), or BEGIN and the file. */
static void
send_script(struct mig_run *r, const struct mig_entry *e)
{
	r->started = true;
	if (sqlsplit_has_no_tx_marker(r->script->text)) {
		const char *params[4] = { r->t.mgr->module, r->t.mgr->schema, e->filename,
					  TOOL_NAME };

		sqlsplit_split(r->rendered, &r->stmts);
		r->phase = P_MARK;
		send(r, mig_sql_begin_event, 4, params);
		return;
	}
	r->body = xasprintf("BEGIN;\n%s", r->rendered);
	r->phase = P_BODY;
	send(r, r->body, -1, NULL);
}

/* Start plan step r->step (past the last one, or cancelled: unlock). */
static void
send_step(struct mig_run *r)
{
	const struct mig_entry *e;
	char *err;
	int line = 0;

	clear_step(r);
	if (r->step >= r->plan.n || r->cancel) {
		if (r->cancel && r->step < r->plan.n) {
			r->cancelled = true;
			mig_error_clear(&r->err);
			r->err.message = xasprintf("cancelled after %zu of %zu migrations", r->step,
						   r->plan.n);
		}
		send_unlock(r);
		return;
	}
	e = r->plan.steps[r->step];
	r->step_started_us = loop_clock_us();
	if (e->file == NULL) {
		/* (a rollback) the up file is gone; the plan checked that a down script exists */
		step_refused(r, e->filename, 0, "the up file is gone; roll back by hand");
		return;
	}
	r->script = r->kind == MIG_RUN_APPLY ? &e->file->up : &e->file->down;
	progress(r, "%s %s (%zu of %zu)", r->kind == MIG_RUN_APPLY ? "applying" : "rolling back",
		 e->filename, r->step + 1, r->plan.n);
	err = manager_render(r->t.mgr, r->script->text, &r->rendered, &line);
	if (err != NULL) {
		step_refused(r, r->script->path, line, err);
		free(err);
		return;
	}
	send_script(r, e);
}

static void
send_next_stmt(struct mig_run *r)
{
	if (r->stmt >= r->stmts.n) {
		send_record(r);
		return;
	}
	r->phase = P_STMT;
	send(r, r->stmts.v[r->stmt].text, -1, NULL);
}

/* The file is in; commit it (with the unlock when a lean run ends here). */
static void
send_commit(struct mig_run *r)
{
	r->phase = P_COMMIT;
	r->committing = true;
	if (r->opts.lean && r->step + 1 == r->plan.n && r->locked) {
		/* two statements in one script (no parameters): the key a literal */
		char *key = ident_literal(r->t.mgr->lock_key_text);
		char *sql = xasprintf("COMMIT;\nSELECT pg_advisory_unlock(hashtext(%s))", key);

		free(key);
		r->unlock_with_commit = true;
		send(r, sql, -1, NULL);
		free(sql);
		return;
	}
	send(r, "COMMIT", -1, NULL);
}

/* The step is done: the next one. */
static void
next_step(struct mig_run *r)
{
	record_done(r, r->step_exec_ms);
	r->step++;
	send_step(r);
}

/* ------------------------------------------------------------------------
 * A COMMIT whose answer was lost
 * ------------------------------------------------------------------------ */

static void
verified(struct mig_verify *v, int held, const char *error, void *arg)
{
	struct mig_run *r = arg;
	const struct mig_entry *e = r->kind != MIG_RUN_REPAIR ? r->plan.steps[r->step] : NULL;
	const char *name = e != NULL ? e->filename : r->repairing.filename;
	/* a rollback's COMMIT took the row away; the others wrote it */
	bool committed = r->kind == MIG_RUN_ROLLBACK ? held == 0 : held == 1;
	char *lost;

	(void)v;
	migrate_verify_free(&r->verify);
	if (held < 0) {
		lost = r->err.message;
		r->err.message = xasprintf("%s; whether %s committed is unknown: its ledger could "
					   "not be read back (%s)",
					   lost, name, error);
		free(lost);
		r->failed_in_step = e != NULL;
		finish(r, false);
		return;
	}
	if (!committed) {
		/* it went with the session: this step failed */
		progress(r, "%s was not committed (read back from the ledger)", name);
		if (r->kind == MIG_RUN_REPAIR) {
			finish(r, false);
			return;
		}
		free(r->err.file);
		r->err.file = xstrdup(r->script->path);
		step_failed(r, NULL, 0);
		return;
	}
	progress(r, "the connection was lost after %s was committed (read back from the ledger)",
		 name);
	if (r->kind == MIG_RUN_REPAIR) {
		repair_done(r);
		mig_error_clear(&r->err);
		finish(r, true);
		return;
	}
	record_done(r, r->step_exec_ms);
	if (r->step + 1 >= r->plan.n) {
		mig_error_clear(&r->err); /* all of it is done */
		finish(r, true);
		return;
	}
	lost = r->err.message;
	r->err.message = xasprintf("%s (after %s was committed: %zu of %zu done)", lost, name,
				   r->n_done, r->plan.n);
	free(lost);
	finish(r, false);
}

/*
 * The connection broke while the query in flight committed: only the
 * database knows whether it did. Read the ledger back over another
 * connection. The session, and the lock with it, is gone.
 */
static void
verify_commit(struct mig_run *r, const struct conn_reply *reply)
{
	const struct mig_entry *e = r->kind != MIG_RUN_REPAIR ? r->plan.steps[r->step] : NULL;

	mig_error_from_reply(&r->err, reply, NULL);
	r->committing = false;
	r->locked = false;
	r->phase = P_VERIFY;
	if (e == NULL)
		r->verify = migrate_verify_start(r->t.mgr, r->repairing.filename,
						 r->repairing.new_checksum, verified, r);
	else
		r->verify = migrate_verify_start(
			r->t.mgr, e->filename,
			r->kind == MIG_RUN_APPLY ? e->file->up.checksum : NULL, verified, r);
}

/* The answer of a query that commits: whether its first statement (COMMIT) answered. */
static bool
commit_answered(const struct conn_reply *reply)
{
	return reply->n > 0 && PQresultStatus(reply->results[0]) == PGRES_COMMAND_OK;
}

/* ------------------------------------------------------------------------
 * The transition function: one handler per phase
 * ------------------------------------------------------------------------ */

/* The result a phase reads: the last of its reply (NULL when none came). */
static const PGresult *
answer(const struct conn_reply *reply)
{
	return reply->n > 0 ? reply->results[reply->n - 1] : NULL;
}

/* The reply failed: take its error and end the run (nothing is locked yet). */
static void
fail_early(struct mig_run *r, const struct conn_reply *reply)
{
	mig_error_from_reply(&r->err, reply, NULL);
	finish(r, false);
}

/* The reply failed under the lock, outside any step: take its error and unlock. */
static void
fail_locked(struct mig_run *r, const struct conn_reply *reply)
{
	mig_error_from_reply(&r->err, reply, NULL);
	send_unlock(r);
}

/* The ledger and events tables exist? Then the status reads, a write locks. */
static void
on_tables(struct mig_run *r, struct conn_reply *reply)
{
	const PGresult *res = answer(reply);

	if (reply_failed(reply)) {
		fail_early(r, reply);
		return;
	}
	r->ledger_exists = PQgetvalue(res, 0, 0)[0] == 't';
	r->events_exist = PQgetvalue(res, 0, 1)[0] == 't';
	r->server_version = atoi(PQgetvalue(res, 0, 2));
	if (r->opts.server_version_num == 0)
		r->opts.server_version_num = r->server_version;
	if (r->kind == MIG_RUN_STATUS) {
		send_read_ledger(r);
		return;
	}
	r->lock_deadline_ms = loop_now(r->loop) + r->opts.lock_wait_ms;
	lock_timer_cb(r->loop, r);
}

/* The lock is ours: create what is missing, then read the ledger. */
static void
lock_held(struct mig_run *r)
{
	struct strbuf ddl = STRBUF_INIT;

	r->locked = true;
	if (r->waited)
		progress(r, "got the migration lock of %s", r->t.mgr->module);
	if (!r->ledger_exists && r->kind == MIG_RUN_APPLY) {
		char *l = migrate_ledger_ddl(r->t.mgr->schema, r->t.mgr->table, true);

		strbuf_adds(&ddl, l);
		free(l);
	}
	if (!r->events_exist)
		strbuf_adds(&ddl, migrate_events_ddl());
	if (ddl.len > 0) {
		r->phase = P_CREATE;
		send(r, strbuf_str(&ddl), -1, NULL);
		strbuf_free(&ddl);
		return;
	}
	strbuf_free(&ddl);
	send_read_ledger(r);
}

static void
on_try_lock(struct mig_run *r, struct conn_reply *reply)
{
	char w[32];

	if (reply_failed(reply)) {
		fail_early(r, reply);
		return;
	}
	if (PQgetvalue(answer(reply), 0, 0)[0] == 't') {
		lock_held(r);
		return;
	}
	if (loop_now(r->loop) < r->lock_deadline_ms) {
		send_holder(r, P_HOLDER);
		return;
	}
	mig_error_clear(&r->err);
	r->err.message = xasprintf("the migration lock of %s is still held after %s%s%s",
				   r->t.mgr->module,
				   units_format_duration(r->opts.lock_wait_ms, w, sizeof w),
				   r->holder ? " by " : "", r->holder ? r->holder : "");
	finish(r, false);
}

/* Who holds the lock (said when it changes); try again after a while. */
static void
on_holder(struct mig_run *r, struct conn_reply *reply)
{
	char *h = reply_failed(reply) ? NULL : mig_holder_text(answer(reply));

	if (h != NULL && (r->holder == NULL || strcmp(h, r->holder) != 0))
		progress(r, "waiting for the migration lock of %s, held by %s", r->t.mgr->module,
			 h);
	if (h != NULL) {
		free(r->holder);
		r->holder = h;
	}
	r->waited = true;
	r->phase = P_WAIT;
	r->timer = loop_timer_add(r->loop, LOCK_POLL_MS, 0, lock_timer_cb, r);
}

static void
on_create(struct mig_run *r, struct conn_reply *reply)
{
	if (reply_failed(reply)) {
		fail_locked(r, reply);
		return;
	}
	if (r->kind == MIG_RUN_APPLY)
		r->ledger_exists = true;
	r->events_exist = true;
	send_read_ledger(r);
}

static void
on_read_ledger(struct mig_run *r, struct conn_reply *reply)
{
	const PGresult *res = answer(reply);

	if (reply_failed(reply) && !no_such_table(reply)) {
		fail_locked(r, reply);
		return;
	}
	if (res != NULL && !reply_failed(reply)) {
		r->status.rows = mig_ledger_rows(res, &r->status.n_rows);
	} else if (r->opts.lean && r->ledger_exists && r->kind == MIG_RUN_APPLY) {
		/* lean runs guessed that the ledger exists: create it now */
		char *ddl = migrate_ledger_ddl(r->t.mgr->schema, r->t.mgr->table, true);

		r->ledger_exists = false;
		r->phase = P_CREATE;
		send(r, ddl, -1, NULL);
		free(ddl);
		return;
	} else {
		r->ledger_exists = false;
	}
	send_read_events(r);
}

/* A refused plan: its reason is the run's error. */
static void
plan_refused(struct mig_run *r)
{
	mig_error_clear(&r->err);
	r->err.message = xstrdup(r->plan.refusal);
	send_unlock(r);
}

/* After the status: who holds the lock (a status run). */
static void
start_holder(struct mig_run *r)
{
	send_holder(r, P_READ_HOLDER);
}

/* After the status: the plan, then its first step (apply, rollback). */
static void
start_plan(struct mig_run *r)
{
	size_t i;

	if (r->kind == MIG_RUN_APPLY)
		mig_plan_apply(&r->plan, &r->status, &r->opts, r->t.mgr,
			       r->opts.server_version_num);
	else
		mig_plan_rollback(&r->plan, &r->status, &r->opts);
	if (r->plan.refusal != NULL) {
		plan_refused(r);
		return;
	}
	for (i = 0; i < r->plan.n_warnings; i++)
		progress(r, "warning: %s", r->plan.warnings[i]);
	r->step = 0;
	send_step(r);
}

/* After the status: the new checksum and its event, in one statement (a repair). */
static void
start_repair(struct mig_run *r)
{
	const struct mig_entry *e;
	char id[24];
	const char *params[6];
	char *sql;

	mig_plan_repair(&r->plan, &r->status, r->repair_file);
	if (r->plan.refusal != NULL) {
		plan_refused(r);
		return;
	}
	e = r->plan.steps[0];
	snprintf(id, sizeof id, "%lld", (long long)e->row->id);
	params[0] = id;
	params[1] = e->file->up.checksum;
	params[2] = r->t.mgr->module;
	params[3] = r->t.mgr->schema;
	params[4] = e->filename;
	params[5] = TOOL_NAME;
	sql = mig_sql_write(MIG_WRITE_REPAIR, r->ledger);
	r->repairing.filename = xstrdup(e->filename);
	r->repairing.old_checksum = xstrdup(e->row->checksum);
	r->repairing.new_checksum = xstrdup(e->file->up.checksum);
	r->phase = P_RECORD;
	r->committing = true;
	progress(r, "accepting the new checksum of %s", e->filename);
	send(r, sql, 6, params);
	free(sql);
}

/* What each kind of run does once the ledger and the failures are read. */
static void (*const after_status[])(struct mig_run *r) = {
	[MIG_RUN_STATUS] = start_holder,
	[MIG_RUN_APPLY] = start_plan,
	[MIG_RUN_ROLLBACK] = start_plan,
	[MIG_RUN_REPAIR] = start_repair,
};

static void
on_read_events(struct mig_run *r, struct conn_reply *reply)
{
	const PGresult *res = answer(reply);

	if (reply_failed(reply) && !no_such_table(reply)) {
		fail_locked(r, reply);
		return;
	}
	if (res != NULL && !reply_failed(reply))
		r->status.failures = mig_failures_read(res, &r->status.n_failures);
	r->status.ledger_exists = r->ledger_exists;
	mig_status_compute(&r->status, r->t.files, r->status.rows, r->status.n_rows,
			   r->status.failures, r->status.n_failures);
	after_status[r->kind](r);
}

static void
on_read_holder(struct mig_run *r, struct conn_reply *reply)
{
	if (!reply_failed(reply))
		r->status.lock_holder = mig_holder_text(answer(reply));
	finish(r, true);
}

static void
on_body(struct mig_run *r, struct conn_reply *reply)
{
	if (reply_failed(reply)) {
		/* "BEGIN;\n" (one statement, 7 characters), then the file */
		step_failed(r, reply, migrate_error_line(reply, r->body, 7, 1, r->rendered));
		return;
	}
	send_record(r);
}

static void
on_mark(struct mig_run *r, struct conn_reply *reply)
{
	if (reply_failed(reply)) {
		step_failed(r, reply, 0);
		return;
	}
	r->stmt = 0;
	send_next_stmt(r);
}

static void
on_stmt(struct mig_run *r, struct conn_reply *reply)
{
	const struct sqlsplit_stmt *st = &r->stmts.v[r->stmt];
	int line;

	if (reply_failed(reply)) {
		line = mig_error_line(reply, st->text, 0);
		step_failed(r, reply, line > 0 ? st->line - 1 + line : st->sql_line);
		return;
	}
	r->stmt++;
	send_next_stmt(r);
}

/* The ledger row and the event are written: commit, or (autocommit) go on. */
static void
on_record(struct mig_run *r, struct conn_reply *reply)
{
	if (reply_failed(reply) && r->committing && reply->conn_error != NULL) {
		verify_commit(r, reply);
		return;
	}
	r->committing = false;
	if (reply_failed(reply) && r->kind == MIG_RUN_REPAIR) {
		fail_locked(r, reply);
		return;
	}
	if (reply_failed(reply)) {
		step_failed(r, reply, 0);
		return;
	}
	if (r->kind == MIG_RUN_REPAIR) {
		repair_done(r);
		send_unlock(r);
		return;
	}
	if (conn_in_transaction(r->conn)) {
		send_commit(r);
		return;
	}
	next_step(r);
}

static void
on_commit(struct mig_run *r, struct conn_reply *reply)
{
	r->committing = false;
	if (reply_failed(reply) && reply->conn_error != NULL && !commit_answered(reply)) {
		/* did it commit before the connection went? */
		verify_commit(r, reply);
		return;
	}
	if (reply_failed(reply) && !commit_answered(reply)) {
		step_failed(r, reply, 0);
		return;
	}
	/* committed; the unlock sent with it released the lock, unless it
	 * failed on a live session (then finish() discards the session) */
	if (r->unlock_with_commit)
		r->locked = reply->error != NULL && reply->conn_error == NULL;
	r->unlock_with_commit = false;
	if (reply->conn_error != NULL)
		r->locked = false; /* the lock went with the session */
	next_step(r);
}

static void
on_rollback(struct mig_run *r, struct conn_reply *reply)
{
	(void)reply;
	send_fail_event(r);
}

static void
on_fail_event(struct mig_run *r, struct conn_reply *reply)
{
	(void)reply;
	send_unlock(r);
}

static void
on_unlock(struct mig_run *r, struct conn_reply *reply)
{
	(void)reply;
	r->locked = false;
	finish(r, r->err.message == NULL);
}

/*
 * The handler of each phase's reply. NULL: the phase sends no query of
 * the run's own (ACQUIRE, WAIT, VERIFY and FAIL_EVENT_ELSEWHERE wait for
 * the pool, a timer or another connection) or is over (DONE); a reply
 * then changes nothing.
 */
static void (*const on_reply[N_PHASES])(struct mig_run *r, struct conn_reply *reply) = {
	[P_TABLES] = on_tables,
	[P_TRY_LOCK] = on_try_lock,
	[P_HOLDER] = on_holder,
	[P_CREATE] = on_create,
	[P_READ_LEDGER] = on_read_ledger,
	[P_READ_EVENTS] = on_read_events,
	[P_READ_HOLDER] = on_read_holder,
	[P_BODY] = on_body,
	[P_MARK] = on_mark,
	[P_STMT] = on_stmt,
	[P_RECORD] = on_record,
	[P_COMMIT] = on_commit,
	[P_ROLLBACK] = on_rollback,
	[P_FAIL_EVENT] = on_fail_event,
	[P_UNLOCK] = on_unlock,
};

static void
advance(struct mig_run *r, struct conn_reply *reply)
{
	if (on_reply[r->phase] != NULL)
		on_reply[r->phase](r, reply);
}

/* ------------------------------------------------------------------------
 * Starting, cancelling, freeing
 * ------------------------------------------------------------------------ */

static void
acquired(struct pool *p, struct conn *c, const char *error, void *arg)
{
	struct mig_run *r = arg;
	const char *params[1] = { r->ledger };

	(void)p;
	r->req = NULL;
	if (c == NULL) {
		set_error_text(r, NULL, 0, error);
		r->err.connection = true;
		finish(r, false);
		return;
	}
	r->conn = c;
	if (r->opts.lean && r->kind != MIG_RUN_STATUS) {
		/* the caller made sure the events table exists; the ledger is found
		 * (or created) when it is read under the lock */
		r->ledger_exists = true;
		r->events_exist = true;
		r->lock_deadline_ms = loop_now(r->loop) + r->opts.lock_wait_ms;
		lock_timer_cb(r->loop, r);
		return;
	}
	r->phase = P_TABLES;
	send(r,
	     "SELECT to_regclass($1) IS NOT NULL, to_regclass('pgdbm_console.events') IS NOT NULL,"
	     " current_setting('server_version_num')::int",
	     1, params);
}

/* Why a run of this kind cannot start at all (NULL: it can), malloc'd. */
static char *
start_problem(const struct mig_run *r)
{
	char *why = manager_ledger_problem(r->t.mgr);

	if (why != NULL)
		return why;
	if (r->kind != MIG_RUN_STATUS && r->t.read_only)
		return xstrdup("the profile is read-only: migrations are not applied, rolled back "
			       "or repaired from it");
	if (r->kind == MIG_RUN_REPAIR && r->repair_file == NULL)
		return xstrdup("repair needs the file whose checksum to accept");
	return NULL;
}

struct mig_run *
migrate_start(enum mig_kind kind, const struct mig_target *t, const struct mig_opts *opts,
	      mig_progress_cb progress_cb, mig_done_cb done, void *arg)
{
	struct mig_run *r = xcalloc(1, sizeof *r);
	struct pool_request *req;
	char *why;

	r->kind = kind;
	r->t = *t;
	r->opts = *opts;
	r->to = mig_dup(opts->to);
	r->repair_file = mig_dup(opts->repair_file);
	r->opts.to = r->to;
	r->opts.repair_file = r->repair_file;
	r->ledger = mig_ledger_name(t->mgr->schema, t->mgr->table);
	r->progress = progress_cb;
	r->on_done = done;
	r->arg = arg;
	r->pool = t->mgr->pool;
	r->loop = pool_loop(r->pool);
	r->phase = P_ACQUIRE;

	why = start_problem(r);
	if (why != NULL) {
		set_error_text(r, NULL, 0, why);
		free(why);
		finish(r, false);
		return r;
	}
	/* an idle connection runs `acquired` at once, which may finish the run
	 * and let its owner free it: keep the handle only while it waits */
	req = pool_acquire(r->pool, acquired, r);
	if (req != NULL)
		r->req = req;
	return r;
}

void
migrate_cancel(struct mig_run *r)
{
	r->cancel = true;
	if (r->phase == P_WAIT) {
		loop_timer_cancel(r->loop, &r->timer);
		r->cancelled = true;
		mig_error_clear(&r->err);
		r->err.message = xstrdup("cancelled while waiting for the migration lock");
		finish(r, false);
	} else if (r->phase == P_ACQUIRE && r->req != NULL) {
		/* every connection is busy, or the database is down: stop waiting */
		pool_request_cancel(r->pool, &r->req);
		r->cancelled = true;
		mig_error_clear(&r->err);
		r->err.message = xstrdup("cancelled while waiting for a connection");
		finish(r, false);
	}
}

void
migrate_run_free(struct mig_run **rp)
{
	struct mig_run *r = *rp;
	size_t i;

	if (r == NULL)
		return;
	*rp = NULL;
	r->on_done = NULL;
	r->progress = NULL;
	if (r->phase == P_FAIL_EVENT_ELSEWHERE && !r->orphaned) {
		/* the pool still holds a query for us: its callback frees the run */
		r->orphaned = true;
		return;
	}
	pool_request_cancel(r->pool, &r->req);
	loop_timer_cancel(r->loop, &r->timer);
	migrate_verify_free(&r->verify);
	if (r->conn != NULL) {
		conn_abandon(r->conn);
		pool_discard(r->pool, r->conn); /* it may hold the lock or a transaction */
	}
	clear_step(r);
	mig_plan_free(&r->plan);
	mig_status_free(&r->status);
	mig_error_clear(&r->err);
	for (i = 0; i < r->n_done; i++) {
		free(r->done[i].filename);
		free(r->done[i].old_checksum);
		free(r->done[i].new_checksum);
	}
	free(r->done);
	free(r->repairing.filename);
	free(r->repairing.old_checksum);
	free(r->repairing.new_checksum);
	free(r->holder);
	free(r->to);
	free(r->repair_file);
	free(r->ledger);
	free(r);
}

/* ------------------------------------------------------------------------
 * What a run says
 * ------------------------------------------------------------------------ */

bool
migrate_finished(const struct mig_run *r)
{
	return r->finished;
}

bool
migrate_ok(const struct mig_run *r)
{
	return r->ok;
}

bool
migrate_started(const struct mig_run *r)
{
	return r->started;
}

bool
migrate_failing(const struct mig_run *r)
{
	return r->failed_in_step || r->err.message != NULL;
}

bool
migrate_cancelled(const struct mig_run *r)
{
	return r->cancelled;
}

const struct mig_error *
migrate_error(const struct mig_run *r)
{
	return &r->err;
}

const struct mig_done *
migrate_done_list(const struct mig_run *r, size_t *n)
{
	*n = r->n_done;
	return r->done;
}

const struct mig_status *
migrate_status(const struct mig_run *r)
{
	return &r->status;
}

const struct mig_target *
migrate_target(const struct mig_run *r)
{
	return &r->t;
}
