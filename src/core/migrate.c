/*
 * migrate: status, plans, and the apply / rollback / repair runs.
 * See include/migrate.h for the contract.
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
 *        failure:        ROLLBACK ─► FAIL_EVENT
 *        connection lost while a COMMIT (or an autocommit RECORD) was in
 *        flight:         VERIFY (the ledger read back over another connection)
 *                                                                         │
 *                                                            UNLOCK ◄─────┘ ─► done
 *
 * Every phase sends one query; advance() is the one transition function,
 * called with the reply of the phase that just ran. The ledger is read only
 * after the lock is held; the rows written are exactly pgdbm's (filename,
 * checksum, module_name, execution_time_ms >= 1); each file and its ledger
 * change commit together, with the event that records it.
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
#include "loop.h"
#include "manager.h"
#include "msglog.h"
#include "pool.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "units.h"
#include "xalloc.h"

#define TOOL_NAME    "pgdbm-console " PACKAGE_VERSION
#define LOCK_POLL_MS 200

/* Reading a ledger back after a lost connection: tries, first delay (doubled each time). */
#define VERIFY_TRIES	  6
#define VERIFY_BACKOFF_MS 250

/* ------------------------------------------------------------------------
 * Names and small helpers
 * ------------------------------------------------------------------------ */

const char *
mig_state_name(enum mig_state s)
{
	switch (s) {
	case MIG_APPLIED:
		return "applied";
	case MIG_PENDING:
		return "pending";
	case MIG_OUT_OF_ORDER:
		return "out of order";
	case MIG_MODIFIED:
		return "modified";
	case MIG_MISSING:
		return "missing";
	case MIG_FAILED:
		return "failed";
	case MIG_EMPTY:
		return "empty";
	}
	return "?";
}

char *
mig_empty_message(const struct migfile *f)
{
	return xasprintf("%s is empty: " MIG_EMPTY_HINT, f->up.path);
}

void
mig_opts_defaults(struct mig_opts *o)
{
	memset(o, 0, sizeof *o);
	o->lock_wait_ms = 60000;
}

void
mig_error_clear(struct mig_error *e)
{
	free(e->file);
	free(e->message);
	free(e->detail);
	free(e->hint);
	free(e->sqlstate);
	memset(e, 0, sizeof *e);
}

void
mig_error_format(const struct mig_error *e, struct strbuf *out)
{
	if (e->file != NULL && e->line > 0)
		strbuf_addf(out, "%s:%d: ", e->file, e->line);
	else if (e->file != NULL)
		strbuf_addf(out, "%s: ", e->file);
	strbuf_adds(out, e->message != NULL ? e->message : "failed");
	if (e->sqlstate != NULL && e->sqlstate[0] != '\0')
		strbuf_addf(out, " (SQLSTATE %s)", e->sqlstate);
	if (e->detail != NULL && e->detail[0] != '\0')
		strbuf_addf(out, "\n  DETAIL: %s", e->detail);
	if (e->hint != NULL && e->hint[0] != '\0')
		strbuf_addf(out, "\n  HINT: %s", e->hint);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* ------------------------------------------------------------------------
 * DDL
 * ------------------------------------------------------------------------ */

char *
migrate_ledger_ddl(const char *schema, const char *table, bool create_schema)
{
	struct strbuf sb = STRBUF_INIT;

	/* pgdbm's text, names unquoted as pgdbm writes them; the schema, when
	 * asked for, first (quoted: it passed the ledger rule, so it is the same) */
	if (create_schema)
		strbuf_addf(&sb, "CREATE SCHEMA IF NOT EXISTS \"%s\";\n", schema);
	strbuf_addf(&sb,
		    "CREATE TABLE IF NOT EXISTS %s.%s (\n"
		    "    id SERIAL PRIMARY KEY,\n"
		    "    filename VARCHAR(255) NOT NULL,\n"
		    "    checksum VARCHAR(64) NOT NULL,\n"
		    "    module_name VARCHAR(100),\n"
		    "    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
		    "    applied_by VARCHAR(100) DEFAULT CURRENT_USER,\n"
		    "    execution_time_ms INTEGER,\n"
		    "    UNIQUE(filename, module_name)\n"
		    ");\n"
		    "CREATE INDEX IF NOT EXISTS idx_%s_module ON %s.%s(module_name, filename);\n",
		    schema, table, table, schema, table);
	return strbuf_detach(&sb);
}

const char *
migrate_events_ddl(void)
{
	return "BEGIN;\n"
	       "SELECT pg_advisory_xact_lock(hashtext('pgdbm_console_events_ddl'));\n"
	       "CREATE SCHEMA IF NOT EXISTS pgdbm_console;\n"
	       "CREATE TABLE IF NOT EXISTS pgdbm_console.events (\n"
	       "    id BIGSERIAL PRIMARY KEY,\n"
	       "    at TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
	       "    actor TEXT NOT NULL DEFAULT current_user,\n"
	       "    client TEXT DEFAULT current_setting('application_name'),\n"
	       "    action TEXT NOT NULL,\n"
	       "    module TEXT,\n"
	       "    schema_name TEXT,\n"
	       "    filename TEXT,\n"
	       "    old_checksum TEXT,\n"
	       "    new_checksum TEXT,\n"
	       "    duration_ms INTEGER,\n"
	       "    error TEXT,\n"
	       "    tool TEXT NOT NULL\n"
	       ");\n"
	       "CREATE INDEX IF NOT EXISTS events_module_file_idx\n"
	       "    ON pgdbm_console.events (module, schema_name, filename, id);\n"
	       "COMMENT ON TABLE pgdbm_console.events IS\n"
	       "    'pgdbm-console: append-only log of migration and tenant actions';\n"
	       "COMMIT;\n";
}

/* ------------------------------------------------------------------------
 * Status (pure)
 * ------------------------------------------------------------------------ */

static const struct mig_row *
find_row(const struct mig_row *rows, size_t n, const char *filename)
{
	size_t i;

	/* a module row wins over a NULL-module row of the same name */
	for (i = 0; i < n; i++) {
		if (!rows[i].null_module && strcmp(rows[i].filename, filename) == 0)
			return &rows[i];
	}
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].filename, filename) == 0)
			return &rows[i];
	}
	return NULL;
}

void
mig_status_compute(struct mig_status *st, const struct migfile_set *files, struct mig_row *rows,
		   size_t n_rows, struct mig_failure *failures, size_t n_failures)
{
	const char *last_applied = NULL;
	size_t i, j, n = 0;

	memset(st->count, 0, sizeof st->count);
	st->rows = rows;
	st->n_rows = n_rows;
	st->failures = failures;
	st->n_failures = n_failures;
	st->entries = xcalloc(files->n + n_rows + 1, sizeof *st->entries);

	/* the last applied file in folder order */
	for (i = 0; i < files->n; i++) {
		if (find_row(rows, n_rows, files->v[i].name) != NULL)
			last_applied = files->v[i].name;
	}
	for (i = 0; i < files->n; i++) {
		const struct migfile *f = &files->v[i];
		struct mig_entry *e = &st->entries[n++];

		e->filename = xstrdup(f->name);
		e->file = f;
		e->row = find_row(rows, n_rows, f->name);
		e->has_down = f->has_down;
		e->no_transaction = f->no_transaction;
		if (e->row != NULL) {
			e->state = strcmp(e->row->checksum, f->up.checksum) == 0 ? MIG_APPLIED
										 : MIG_MODIFIED;
		} else {
			for (j = 0; j < n_failures; j++) {
				if (strcmp(failures[j].filename, f->name) == 0)
					e->failure = &failures[j];
			}
			if (f->empty)
				e->state = MIG_EMPTY;
			else if (e->failure != NULL)
				e->state = MIG_FAILED;
			else if (last_applied != NULL && strcmp(f->name, last_applied) < 0)
				e->state = MIG_OUT_OF_ORDER;
			else
				e->state = MIG_PENDING;
		}
	}
	/* ledger rows whose file is gone */
	for (i = 0; i < n_rows; i++) {
		struct mig_entry *e;
		bool seen = false;

		if (migfile_find(files, rows[i].filename) != NULL)
			continue;
		for (j = 0; j < n && !seen; j++)
			seen = strcmp(st->entries[j].filename, rows[i].filename) == 0;
		if (seen)
			continue;
		e = &st->entries[n++];
		e->filename = xstrdup(rows[i].filename);
		e->row = &rows[i];
		e->state = MIG_MISSING;
	}
	st->n_entries = n;
	for (i = 0; i < n; i++)
		st->count[st->entries[i].state]++;
}

void
mig_status_free(struct mig_status *st)
{
	size_t i;

	for (i = 0; i < st->n_entries; i++)
		free(st->entries[i].filename);
	for (i = 0; i < st->n_rows; i++) {
		free(st->rows[i].filename);
		free(st->rows[i].checksum);
		free(st->rows[i].applied_at);
		free(st->rows[i].applied_by);
	}
	for (i = 0; i < st->n_failures; i++) {
		free(st->failures[i].filename);
		free(st->failures[i].action);
		free(st->failures[i].error);
		free(st->failures[i].at);
	}
	free(st->entries);
	free(st->rows);
	free(st->failures);
	free(st->lock_holder);
	memset(st, 0, sizeof *st);
}

/* ------------------------------------------------------------------------
 * Plans (pure)
 * ------------------------------------------------------------------------ */

static void
plan_add(struct mig_plan *plan, const struct mig_entry *e)
{
	plan->steps = xreallocarray(plan->steps, plan->n + 1, sizeof *plan->steps);
	plan->steps[plan->n++] = e;
}

static void
plan_warn(struct mig_plan *plan, char *text)
{
	plan->warnings = xreallocarray(plan->warnings, plan->n_warnings + 1,
				       sizeof *plan->warnings);
	plan->warnings[plan->n_warnings++] = text;
}

void
mig_plan_free(struct mig_plan *plan)
{
	size_t i;

	free(plan->steps);
	free(plan->refusal);
	for (i = 0; i < plan->n_warnings; i++)
		free(plan->warnings[i]);
	free(plan->warnings);
	memset(plan, 0, sizeof *plan);
}

/* Why a pending file cannot be applied as it is (NULL when it can). */
static char *
file_problem(const struct migfile *f, const struct manager *mgr, int server_version_num)
{
	struct sqlsplit_problem prob;
	char *rendered = NULL, *err;
	int line = 0;

	if (f->empty)
		return mig_empty_message(f);
	err = manager_render(mgr, f->up.text, &rendered, &line);
	if (err != NULL) {
		char *msg = xasprintf("%s: %s", f->up.path, err);

		free(err);
		return msg;
	}
	if (!f->no_transaction && sqlsplit_scan_tx(rendered, server_version_num, &prob)) {
		char *msg = xasprintf("%s:%d: %s; give the file a \"%s\" line, or split it",
				      f->up.path, prob.line, prob.reason, SQLSPLIT_NO_TX_MARKER);

		sqlsplit_problem_free(&prob);
		free(rendered);
		return msg;
	}
	free(rendered);
	return NULL;
}

void
mig_plan_apply(struct mig_plan *plan, const struct mig_status *st, const struct mig_opts *opts,
	       const struct manager *mgr, int server_version_num)
{
	size_t i;
	bool to_seen = opts->to == NULL;

	memset(plan, 0, sizeof *plan);
	if (opts->to != NULL) {
		for (i = 0; i < st->n_entries && !to_seen; i++)
			to_seen = strcmp(st->entries[i].filename, opts->to) == 0;
		if (!to_seen) {
			plan->refusal = xasprintf("%s is not a migration of this folder", opts->to);
			return;
		}
	}
	for (i = 0; i < st->n_entries; i++) {
		const struct mig_entry *e = &st->entries[i];

		if (e->state == MIG_MODIFIED && !opts->allow_drift && plan->refusal == NULL)
			plan->refusal = xasprintf(
				"%s was modified after it was applied (ledger checksum %.12s..., "
				"file %.12s...); restore the file, or accept it with "
				"`migrate repair %s`",
				e->filename, e->row->checksum, e->file->up.checksum, e->filename);
		if (e->state == MIG_MISSING)
			plan_warn(plan, xasprintf("%s is in the ledger but its file is gone",
						  e->filename));
	}
	for (i = 0; i < st->n_entries; i++) {
		const struct mig_entry *e = &st->entries[i];
		char *why;

		if (e->state != MIG_PENDING && e->state != MIG_OUT_OF_ORDER &&
		    e->state != MIG_FAILED && e->state != MIG_EMPTY)
			continue;
		if (opts->steps > 0 && plan->n >= (size_t)opts->steps)
			break;
		if (e->state == MIG_OUT_OF_ORDER && !opts->allow_out_of_order &&
		    plan->refusal == NULL)
			plan->refusal = xasprintf(
				"%s sorts before migrations already applied (out of order); apply "
				"it anyway with --allow-out-of-order",
				e->filename);
		why = file_problem(e->file, mgr, server_version_num);
		if (why != NULL) {
			if (plan->refusal == NULL)
				plan->refusal = why;
			else
				free(why);
		}
		plan_add(plan, e);
		if (opts->to != NULL && strcmp(e->filename, opts->to) == 0)
			break;
	}
	if (plan->refusal != NULL)
		plan->n = 0; /* nothing runs: say only why */
}

void
mig_plan_rollback(struct mig_plan *plan, const struct mig_status *st, const struct mig_opts *opts)
{
	const struct mig_row *to_row = NULL;
	int want = opts->steps > 0 ? opts->steps : 1;
	size_t i, j;

	memset(plan, 0, sizeof *plan);
	if (opts->to != NULL) {
		for (i = 0; i < st->n_rows; i++) {
			if (strcmp(st->rows[i].filename, opts->to) == 0)
				to_row = &st->rows[i];
		}
		if (to_row == NULL) {
			plan->refusal = xasprintf("%s is not applied: nothing to roll back to",
						  opts->to);
			return;
		}
		want = -1;
	}
	/* newest first by ledger id */
	for (i = st->n_rows; i-- > 0;) {
		const struct mig_row *r = &st->rows[i];
		const struct mig_entry *e = NULL;

		if (want >= 0 && plan->n >= (size_t)want)
			break;
		if (to_row != NULL && r->id <= to_row->id)
			break;
		for (j = 0; j < st->n_entries && e == NULL; j++) {
			if (st->entries[j].row == r)
				e = &st->entries[j];
		}
		if (r->null_module) {
			plan->refusal = xasprintf(
				"%s was recorded without a module name (an old pgdbm); the console "
				"rolls back only rows of its module",
				r->filename);
			break;
		}
		if (e != NULL && e->file == NULL) {
			plan->refusal = xasprintf(
				"%s is in the ledger but its file is gone: restore it "
				"and its down script to roll it back",
				r->filename);
			break;
		}
		if (e == NULL || !e->has_down) {
			plan->refusal = xasprintf("%s has no down script (down/%s): it cannot be "
						  "rolled back",
						  r->filename, r->filename);
			break;
		}
		plan_add(plan, e);
	}
	if (plan->n == 0 && plan->refusal == NULL && opts->to == NULL)
		plan->refusal = xstrdup("nothing is applied: nothing to roll back");
	if (plan->refusal != NULL)
		plan->n = 0; /* nothing runs: say only why */
}

void
mig_plan_repair(struct mig_plan *plan, const struct mig_status *st, const char *file)
{
	const struct mig_entry *e = NULL;
	size_t i;

	memset(plan, 0, sizeof *plan);
	for (i = 0; i < st->n_entries && e == NULL; i++) {
		if (strcmp(st->entries[i].filename, file) == 0)
			e = &st->entries[i];
	}
	if (e == NULL || e->state != MIG_MODIFIED) {
		plan->refusal = xasprintf(
			"%s is %s: only a modified (drifted) migration can be repaired", file,
			e == NULL ? "not in this folder" : mig_state_name(e->state));
		return;
	}
	plan_add(plan, e);
}

/* ------------------------------------------------------------------------
 * Runs
 * ------------------------------------------------------------------------ */

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

struct mig_run {
	enum mig_kind kind;
	struct mig_target t;
	struct mig_opts opts;
	char *to, *repair_file;
	mig_progress_cb progress;
	mig_done_cb on_done;
	void *arg;
	struct pool *pool;
	struct loop *loop;

	enum phase phase;
	struct pool_request *req;
	struct conn *conn;
	struct loop_timer *timer;
	int64_t started_ms, lock_deadline_ms;
	bool ledger_exists, events_exist, locked;
	bool cancel, finished, ok, cancelled, waited;
	bool orphaned; /* freed by its owner while a pool query still refers to it */
	bool unlock_with_commit;
	bool committing; /* the query in flight commits (COMMIT, or an autocommit RECORD) */
	bool started;	 /* the first file's first query has been sent */
	struct mig_verify *verify;
	int server_version;

	struct mig_status status;
	struct mig_plan plan;
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

/* Take the error of a reply (server error with file/line mapping, or connection). */
static void
set_error_from(struct mig_run *r, const struct conn_reply *reply, const char *file)
{
	mig_error_clear(&r->err);
	r->err.file = dup_or_null(file);
	if (reply->conn_error != NULL) {
		r->err.message = xasprintf("connection lost: %s", reply->conn_error);
		r->err.connection = true;
		return;
	}
	r->err.message = dup_or_null(PQresultErrorField(reply->error, PG_DIAG_MESSAGE_PRIMARY));
	r->err.detail = dup_or_null(PQresultErrorField(reply->error, PG_DIAG_MESSAGE_DETAIL));
	r->err.hint = dup_or_null(PQresultErrorField(reply->error, PG_DIAG_MESSAGE_HINT));
	r->err.sqlstate = dup_or_null(PQresultErrorField(reply->error, PG_DIAG_SQLSTATE));
	if (r->err.message == NULL)
		r->err.message = conn_reply_error_text(reply, CONN_ERROR_FULL);
}

static void
set_error_text(struct mig_run *r, const char *file, int line, const char *msg)
{
	mig_error_clear(&r->err);
	r->err.file = dup_or_null(file);
	r->err.line = line;
	r->err.message = xstrdup(msg);
}

static bool
reply_failed(const struct conn_reply *reply)
{
	return reply->conn_error != NULL || reply->error != NULL;
}

static const char *
sqlstate_of(const struct conn_reply *reply)
{
	const char *s = reply->error ? PQresultErrorField(reply->error, PG_DIAG_SQLSTATE) : NULL;

	return s != NULL ? s : "";
}

/* Line in `text` of the 1-based character position pos (UTF-8). */
static int
line_of_position(const char *text, long pos)
{
	const unsigned char *p = (const unsigned char *)text;
	int line = 1;
	long chars = 0;

	for (; *p != '\0' && chars < pos - 1; p++) {
		if ((*p & 0xC0) != 0x80)
			chars++;
		if (*p == '\n' && chars <= pos - 1)
			line++;
	}
	return line;
}

/* The error's line in the script, when the server gave a position. */
static int
error_line(const struct conn_reply *reply, const char *sent, size_t prefix_chars, int base_line)
{
	const char *pos_s;
	long pos;

	if (reply->error == NULL)
		return 0;
	pos_s = PQresultErrorField(reply->error, PG_DIAG_STATEMENT_POSITION);
	if (pos_s == NULL)
		return 0;
	pos = atol(pos_s) - (long)prefix_chars;
	if (pos < 1)
		return 0;
	return base_line - 1 + line_of_position(sent + prefix_chars, pos);
}

int
migrate_error_line(const struct conn_reply *reply, const char *sent, size_t prefix_chars,
		   int prefix_stmts, const char *rendered)
{
	struct sqlsplit_list stmts;
	int i, answered = 0, line;

	if (reply->error == NULL)
		return 0;
	line = error_line(reply, sent, prefix_chars, 1);
	if (line > 0 || PQresultErrorField(reply->error, PG_DIAG_STATEMENT_POSITION) != NULL)
		return line;
	/* one answer per statement (a COPY's data phase is not one) */
	for (i = 0; i < reply->n && reply->results[i] != reply->error; i++)
		answered += PQresultStatus(reply->results[i]) != PGRES_COPY_OUT;
	if (i == reply->n || answered < prefix_stmts)
		return 0;
	sqlsplit_split(rendered, &stmts);
	line = (size_t)(answered - prefix_stmts) < stmts.n
		       ? stmts.v[answered - prefix_stmts].sql_line
		       : 0;
	sqlsplit_list_free(&stmts);
	return line;
}

/* ------------------------------------------------------------------------
 * Reading a ledger back
 * ------------------------------------------------------------------------ */

struct mig_verify {
	struct pool *pool;
	struct loop *loop;
	char *sql;
	char *filename, *module, *checksum;
	int tries;
	bool in_flight; /* a pool query refers to it */
	bool orphaned;	/* freed by its owner meanwhile: the reply frees it */
	struct loop_timer *timer;
	mig_verify_cb cb;
	void *arg;
};

static void verify_send(struct mig_verify *v);

static void
verify_free_now(struct mig_verify *v)
{
	loop_timer_cancel(v->loop, &v->timer);
	free(v->sql);
	free(v->filename);
	free(v->module);
	free(v->checksum);
	free(v);
}

static void
verify_retry(struct loop *loop, void *arg)
{
	struct mig_verify *v = arg;

	(void)loop;
	v->timer = NULL;
	verify_send(v);
}

static void
verify_reply(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct mig_verify *v = arg;
	const PGresult *res = reply->n > 0 ? reply->results[reply->n - 1] : NULL;
	const char *state = sqlstate_of(reply);
	char *why;

	(void)p;
	v->in_flight = false;
	if (v->orphaned) {
		verify_free_now(v);
		return;
	}
	if (reply->conn_error != NULL && ++v->tries < VERIFY_TRIES) {
		/* no connection yet (the server restarting): again, later */
		v->timer = loop_timer_add(v->loop, (int64_t)VERIFY_BACKOFF_MS << (v->tries - 1), 0,
					  verify_retry, v);
		return;
	}
	if (reply->conn_error != NULL ||
	    (reply->error != NULL && strcmp(state, "42P01") != 0 && strcmp(state, "3F000") != 0)) {
		why = conn_reply_error_text(reply, CONN_ERROR_MESSAGE);
		v->cb(v, -1, why, v->arg);
		free(why);
		return;
	}
	/* no ledger (or schema) at all holds nothing */
	v->cb(v, reply->error == NULL && res != NULL && atoll(PQgetvalue(res, 0, 0)) > 0 ? 1 : 0,
	      NULL, v->arg);
}

static void
verify_send(struct mig_verify *v)
{
	const char *params[3] = { v->filename, v->module, v->checksum };

	v->in_flight = true;
	pool_query(v->pool, v->sql, 3, params, verify_reply, v);
}

struct mig_verify *
migrate_verify_start(const struct manager *mgr, const char *filename, const char *checksum,
		     mig_verify_cb cb, void *arg)
{
	struct mig_verify *v = xcalloc(1, sizeof *v);

	v->pool = mgr->pool;
	v->loop = pool_loop(mgr->pool);
	/* the ledger passed pgdbm's identifier rule: written unquoted, as pgdbm does */
	v->sql = xasprintf("SELECT count(*) FROM %s WHERE filename = $1 AND module_name = $2\n"
			   "  AND ($3::text IS NULL OR checksum = $3)",
			   mgr->ledger);
	v->filename = xstrdup(filename);
	v->module = xstrdup(mgr->module);
	v->checksum = dup_or_null(checksum);
	v->cb = cb;
	v->arg = arg;
	verify_send(v);
	return v;
}

void
migrate_verify_free(struct mig_verify **vp)
{
	struct mig_verify *v = *vp;

	if (v == NULL)
		return;
	*vp = NULL;
	if (v->in_flight) {
		v->orphaned = true;
		return;
	}
	verify_free_now(v);
}

/* ---- reading the ledger, events and the lock holder ---- */

static void
read_rows(struct mig_run *r, const PGresult *res)
{
	int i, n = PQntuples(res);
	struct mig_row *rows = xcalloc((size_t)n + 1, sizeof *rows);

	for (i = 0; i < n; i++) {
		rows[i].id = atoll(PQgetvalue(res, i, 0));
		rows[i].filename = xstrdup(PQgetvalue(res, i, 1));
		rows[i].checksum = xstrdup(PQgetvalue(res, i, 2));
		rows[i].null_module = PQgetvalue(res, i, 3)[0] == 't';
		rows[i].applied_at = xstrdup(PQgetvalue(res, i, 4));
		rows[i].applied_by = xstrdup(PQgetvalue(res, i, 5));
		rows[i].exec_ms = atoi(PQgetvalue(res, i, 6));
	}
	r->status.rows = rows;
	r->status.n_rows = (size_t)n;
}

static void
read_failures(struct mig_run *r, const PGresult *res)
{
	int i, n = PQntuples(res), k = 0;
	struct mig_failure *f = xcalloc((size_t)n + 1, sizeof *f);

	for (i = 0; i < n; i++) {
		const char *action = PQgetvalue(res, i, 1);

		if (strcmp(action, "fail") != 0 && strcmp(action, "begin") != 0)
			continue;
		f[k].filename = xstrdup(PQgetvalue(res, i, 0));
		f[k].action = xstrdup(action);
		f[k].error = xstrdup(PQgetvalue(res, i, 2));
		f[k].at = xstrdup(PQgetvalue(res, i, 3));
		k++;
	}
	r->status.failures = f;
	r->status.n_failures = (size_t)k;
}

static char *
holder_text(const PGresult *res)
{
	char since[32];

	if (PQntuples(res) < 1)
		return NULL;
	units_format_duration(atoll(PQgetvalue(res, 0, 3)), since, sizeof since);
	return xasprintf("pid %s (%s), connected %s ago, %s%s%s", PQgetvalue(res, 0, 0),
			 PQgetvalue(res, 0, 1)[0] ? PQgetvalue(res, 0, 1) : "no application_name",
			 since, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 4)[0] ? ": " : "",
			 PQgetvalue(res, 0, 4));
}

static const char sql_holder[] =
	"SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''),\n"
	"  (extract(epoch FROM now() - a.backend_start) * 1000)::bigint,\n"
	"  coalesce(left(regexp_replace(a.query, '\\s+', ' ', 'g'), 80), '')\n"
	"FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid\n"
	"WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1\n"
	"  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())\n"
	"  AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint\n"
	"  AND a.pid <> pg_backend_pid()";

static void
send_read_ledger(struct mig_run *r)
{
	const char *params[1] = { r->t.mgr->module };
	char *sql;

	r->phase = P_READ_LEDGER;
	if (!r->ledger_exists) {
		struct conn_reply none;

		memset(&none, 0, sizeof none);
		advance(r, &none);
		return;
	}
	sql = xasprintf("SELECT id, filename, checksum, module_name IS NULL, applied_at::text,\n"
			"  coalesce(applied_by, ''), coalesce(execution_time_ms, -1)\n"
			"FROM %s WHERE module_name = $1 OR module_name IS NULL ORDER BY id",
			r->t.mgr->ledger);
	send(r, sql, 1, params);
	free(sql);
}

static void
send_read_events(struct mig_run *r)
{
	const char *params[2] = { r->t.mgr->module, r->t.mgr->schema };

	r->phase = P_READ_EVENTS;
	/* lean runs (fan-outs) apply without the failure history */
	if (!r->events_exist || (r->opts.lean && r->kind != MIG_RUN_STATUS)) {
		struct conn_reply none;

		memset(&none, 0, sizeof none);
		advance(r, &none);
		return;
	}
	send(r,
	     "SELECT DISTINCT ON (filename) filename, action, coalesce(error, ''), at::text\n"
	     "FROM pgdbm_console.events\n"
	     "WHERE module = $1 AND schema_name = $2\n"
	     "  AND action IN ('apply', 'fail', 'begin', 'rollback')\n"
	     "ORDER BY filename, id DESC",
	     2, params);
}

/* ---- steps ---- */

static void send_step(struct mig_run *r);
static void send_unlock(struct mig_run *r);

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

static const char sql_fail_event[] =
	"INSERT INTO pgdbm_console.events (action, module, schema_name, filename, "
	"duration_ms, error, tool) VALUES ('fail', $1, $2, $3, $4, $5, $6)";

static void fail_event_elsewhere_done(struct pool *p, struct conn_reply *reply, void *arg);

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
		send(r, sql_fail_event, 6, params);
	} else {
		/* the run's connection is gone (killed, server restart): record the
		 * failure through another one, then finish */
		r->phase = P_FAIL_EVENT_ELSEWHERE;
		pool_query(r->pool, sql_fail_event, 6, params, fail_event_elsewhere_done, r);
	}
	strbuf_free(&msg);
}

/* A step failed: roll back if a transaction is open, then record and unlock. */
static void
step_failed(struct mig_run *r, const struct conn_reply *reply, int line)
{
	const struct mig_entry *e = r->plan.steps[r->step];

	if (reply != NULL) {
		set_error_from(r, reply, r->script->path);
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

		sql = xasprintf("WITH l AS (INSERT INTO %s (filename, checksum, module_name, "
				"execution_time_ms) VALUES ($1, $2, $3, $4) RETURNING id)\n"
				"INSERT INTO pgdbm_console.events (action, module, schema_name, "
				"filename, new_checksum, duration_ms, tool)\n"
				"SELECT 'apply', $3, $5, $1, $2, $4::int, $6 FROM l",
				r->t.mgr->ledger);
		send(r, sql, 6, params);
	} else {
		char id[24];
		const char *params[6] = { id, r->t.mgr->module, r->t.mgr->schema, e->filename,
					  ms, TOOL_NAME };

		snprintf(id, sizeof id, "%lld", (long long)e->row->id);
		sql = xasprintf("WITH d AS (DELETE FROM %s WHERE id = $1 AND module_name = $2 "
				"RETURNING checksum)\n"
				"INSERT INTO pgdbm_console.events (action, module, schema_name, "
				"filename, old_checksum, duration_ms, tool)\n"
				"SELECT 'rollback', $2, $3, $4, checksum, $5::int, $6 FROM d",
				r->t.mgr->ledger);
		send(r, sql, 6, params);
	}
	free(sql);
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

/* Start plan step r->step. */
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
			set_error_text(r, NULL, 0, "cancelled");
			mig_error_clear(&r->err);
			r->err.message = xasprintf("cancelled after %zu of %zu migrations", r->step,
						   r->plan.n);
		}
		send_unlock(r);
		return;
	}
	e = r->plan.steps[r->step];
	r->step_started_us = loop_clock_us();
	r->script = r->kind == MIG_RUN_APPLY ? &e->file->up : &e->file->down;
	if (r->kind == MIG_RUN_ROLLBACK && e->file == NULL) {
		/* the up file is gone; the plan checked that a down script exists */
		set_error_text(r, e->filename, 0, "the up file is gone; roll back by hand");
		r->failed_in_step = true;
		send_fail_event(r);
		return;
	}
	progress(r, "%s %s (%zu of %zu)", r->kind == MIG_RUN_APPLY ? "applying" : "rolling back",
		 e->filename, r->step + 1, r->plan.n);
	err = manager_render(r->t.mgr, r->script->text, &r->rendered, &line);
	if (err != NULL) {
		set_error_text(r, r->script->path, line, err);
		free(err);
		r->failed_in_step = true;
		send_fail_event(r);
		return;
	}
	r->started = true;
	if (sqlsplit_has_no_tx_marker(r->script->text)) {
		sqlsplit_split(r->rendered, &r->stmts);
		r->phase = P_MARK;
		{
			const char *params[4] = { r->t.mgr->module, r->t.mgr->schema, e->filename,
						  TOOL_NAME };

			send(r,
			     "INSERT INTO pgdbm_console.events (action, module, schema_name, "
			     "filename, tool) VALUES ('begin', $1, $2, $3, $4)",
			     4, params);
		}
		return;
	}
	r->body = xasprintf("BEGIN;\n%s", r->rendered);
	r->phase = P_BODY;
	send(r, r->body, -1, NULL);
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
lock_timer_cb(struct loop *loop, void *arg)
{
	struct mig_run *r = arg;
	const char *params[1] = { r->t.mgr->lock_key_text };

	(void)loop;
	r->timer = NULL;
	r->phase = P_TRY_LOCK;
	send(r, "SELECT pg_try_advisory_lock(hashtext($1))", 1, params);
}

/* ---- a COMMIT whose answer was lost ---- */

static void
verified(struct mig_verify *v, int held, const char *error, void *arg)
{
	struct mig_run *r = arg;
	const struct mig_entry *e = r->kind != MIG_RUN_REPAIR ? r->plan.steps[r->step] : NULL;
	const char *name = e != NULL ? e->filename : r->done[0].filename;
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

	set_error_from(r, reply, NULL);
	r->committing = false;
	r->locked = false;
	r->phase = P_VERIFY;
	if (e == NULL)
		r->verify = migrate_verify_start(r->t.mgr, r->done[0].filename,
						 r->done[0].new_checksum, verified, r);
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

/* ---- the transition function ---- */

static void
advance(struct mig_run *r, struct conn_reply *reply)
{
	const PGresult *res = reply != NULL && reply->n > 0 ? reply->results[reply->n - 1] : NULL;

	switch (r->phase) {
	case P_ACQUIRE:
	case P_WAIT:
	case P_VERIFY:
	case P_FAIL_EVENT_ELSEWHERE:
	case P_DONE:
		return;

	case P_TABLES:
		if (reply_failed(reply)) {
			set_error_from(r, reply, NULL);
			finish(r, false);
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
		return;

	case P_TRY_LOCK:
		if (reply_failed(reply)) {
			set_error_from(r, reply, NULL);
			finish(r, false);
			return;
		}
		if (PQgetvalue(res, 0, 0)[0] == 't') {
			r->locked = true;
			if (r->waited)
				progress(r, "got the migration lock of %s", r->t.mgr->module);
			if (!r->ledger_exists || !r->events_exist) {
				struct strbuf ddl = STRBUF_INIT;

				if (!r->ledger_exists && r->kind == MIG_RUN_APPLY) {
					char *l = migrate_ledger_ddl(r->t.mgr->schema,
								     r->t.mgr->table, true);

					strbuf_adds(&ddl, l);
					free(l);
				}
				if (!r->events_exist)
					strbuf_adds(&ddl, migrate_events_ddl());
				r->phase = P_CREATE;
				if (ddl.len > 0) {
					send(r, strbuf_str(&ddl), -1, NULL);
					strbuf_free(&ddl);
					return;
				}
			}
			send_read_ledger(r);
			return;
		}
		if (loop_now(r->loop) >= r->lock_deadline_ms) {
			char w[32];

			mig_error_clear(&r->err);
			r->err.message = xasprintf(
				"the migration lock of %s is still held after %s%s%s",
				r->t.mgr->module,
				units_format_duration(r->opts.lock_wait_ms, w, sizeof w),
				r->holder ? " by " : "", r->holder ? r->holder : "");
			finish(r, false);
			return;
		}
		{
			const char *params[1] = { r->t.mgr->lock_key_text };

			r->phase = P_HOLDER;
			send(r, sql_holder, 1, params);
		}
		return;

	case P_HOLDER: {
		char *h = reply_failed(reply) ? NULL : holder_text(res);

		if (h != NULL && (r->holder == NULL || strcmp(h, r->holder) != 0))
			progress(r, "waiting for the migration lock of %s, held by %s",
				 r->t.mgr->module, h);
		if (h != NULL) {
			free(r->holder);
			r->holder = h;
		}
		r->waited = true;
		r->phase = P_WAIT;
		r->timer = loop_timer_add(r->loop, LOCK_POLL_MS, 0, lock_timer_cb, r);
		return;
	}

	case P_CREATE:
		if (reply_failed(reply)) {
			set_error_from(r, reply, NULL);
			send_unlock(r);
			return;
		}
		if (r->kind == MIG_RUN_APPLY)
			r->ledger_exists = true;
		r->events_exist = true;
		send_read_ledger(r);
		return;

	case P_READ_LEDGER:
		if (reply_failed(reply) && strcmp(sqlstate_of(reply), "42P01") != 0 &&
		    strcmp(sqlstate_of(reply), "3F000") != 0) {
			set_error_from(r, reply, NULL);
			send_unlock(r);
			return;
		}
		if (res != NULL && !reply_failed(reply)) {
			read_rows(r, res);
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
		return;

	case P_READ_EVENTS:
		if (reply_failed(reply) && strcmp(sqlstate_of(reply), "42P01") != 0 &&
		    strcmp(sqlstate_of(reply), "3F000") != 0) {
			set_error_from(r, reply, NULL);
			send_unlock(r);
			return;
		}
		if (res != NULL && !reply_failed(reply))
			read_failures(r, res);
		{
			struct mig_row *rows = r->status.rows;
			struct mig_failure *f = r->status.failures;
			size_t nr = r->status.n_rows, nf = r->status.n_failures;

			r->status.ledger_exists = r->ledger_exists;
			mig_status_compute(&r->status, r->t.files, rows, nr, f, nf);
		}
		if (r->kind == MIG_RUN_STATUS) {
			const char *params[1] = { r->t.mgr->lock_key_text };

			r->phase = P_READ_HOLDER;
			send(r, sql_holder, 1, params);
			return;
		}
		if (r->kind == MIG_RUN_REPAIR) {
			const struct mig_entry *e = NULL;
			size_t i;

			for (i = 0; i < r->status.n_entries && e == NULL; i++) {
				if (strcmp(r->status.entries[i].filename, r->repair_file) == 0)
					e = &r->status.entries[i];
			}
			if (e == NULL || e->state != MIG_MODIFIED) {
				mig_error_clear(&r->err);
				r->err.message = xasprintf(
					"%s is %s: only a modified (drifted) migration can be repaired",
					r->repair_file,
					e == NULL ? "not in this folder"
						  : mig_state_name(e->state));
				send_unlock(r);
				return;
			}
			{
				char id[24];
				const char *params[6] = { id,
							  e->file->up.checksum,
							  r->t.mgr->module,
							  r->t.mgr->schema,
							  e->filename,
							  TOOL_NAME };
				char *sql = xasprintf(
					"WITH u AS (UPDATE %s n SET checksum = $2 FROM %s o\n"
					"  WHERE n.id = $1 AND o.id = n.id RETURNING o.checksum AS old)\n"
					"INSERT INTO pgdbm_console.events (action, module, schema_name, "
					"filename, old_checksum, new_checksum, tool)\n"
					"SELECT 'repair', $3, $4, $5, old, $2, $6 FROM u",
					r->t.mgr->ledger, r->t.mgr->ledger);

				snprintf(id, sizeof id, "%lld", (long long)e->row->id);
				r->done = xcalloc(1, sizeof *r->done);
				r->n_done = 1;
				r->done[0].filename = xstrdup(e->filename);
				r->done[0].old_checksum = xstrdup(e->row->checksum);
				r->done[0].new_checksum = xstrdup(e->file->up.checksum);
				r->phase = P_RECORD;
				r->committing = true;
				progress(r, "accepting the new checksum of %s", e->filename);
				send(r, sql, 6, params);
				free(sql);
			}
			return;
		}
		if (r->kind == MIG_RUN_APPLY)
			mig_plan_apply(&r->plan, &r->status, &r->opts, r->t.mgr,
				       r->opts.server_version_num);
		else
			mig_plan_rollback(&r->plan, &r->status, &r->opts);
		if (r->plan.refusal != NULL) {
			mig_error_clear(&r->err);
			r->err.message = xstrdup(r->plan.refusal);
			send_unlock(r);
			return;
		}
		{
			size_t i;

			for (i = 0; i < r->plan.n_warnings; i++)
				progress(r, "warning: %s", r->plan.warnings[i]);
		}
		r->step = 0;
		send_step(r);
		return;

	case P_READ_HOLDER:
		if (!reply_failed(reply))
			r->status.lock_holder = holder_text(res);
		finish(r, true);
		return;

	case P_BODY:
		if (reply_failed(reply)) {
			/* "BEGIN;\n" (one statement, 7 characters), then the file */
			step_failed(r, reply,
				    migrate_error_line(reply, r->body, 7, 1, r->rendered));
			return;
		}
		send_record(r);
		return;

	case P_MARK:
		if (reply_failed(reply)) {
			step_failed(r, reply, 0);
			return;
		}
		r->stmt = 0;
		send_next_stmt(r);
		return;

	case P_STMT:
		if (reply_failed(reply)) {
			const struct sqlsplit_stmt *st = &r->stmts.v[r->stmt];
			int line = error_line(reply, st->text, 0, st->line);

			step_failed(r, reply, line > 0 ? line : st->sql_line);
			return;
		}
		r->stmt++;
		send_next_stmt(r);
		return;

	case P_RECORD:
		if (reply_failed(reply) && r->committing && reply->conn_error != NULL) {
			verify_commit(r, reply);
			return;
		}
		r->committing = false;
		if (reply_failed(reply)) {
			if (r->kind == MIG_RUN_REPAIR) {
				set_error_from(r, reply, NULL);
				send_unlock(r);
				return;
			}
			step_failed(r, reply, 0);
			return;
		}
		if (r->kind == MIG_RUN_REPAIR) {
			send_unlock(r);
			return;
		}
		if (conn_in_transaction(r->conn)) {
			r->phase = P_COMMIT;
			r->committing = true;
			if (r->opts.lean && r->step + 1 == r->plan.n && r->locked) {
				/* the module name passed the identifier rule: a literal is safe */
				char *sql = xasprintf(
					"COMMIT;\nSELECT pg_advisory_unlock(hashtext('%s'))",
					r->t.mgr->lock_key_text);

				r->unlock_with_commit = true;
				send(r, sql, -1, NULL);
				free(sql);
				return;
			}
			send(r, "COMMIT", -1, NULL);
			return;
		}
		record_done(r, r->step_exec_ms);
		r->step++;
		send_step(r);
		return;

	case P_COMMIT:
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
		record_done(r, r->step_exec_ms);
		r->step++;
		send_step(r);
		return;

	case P_ROLLBACK:
		send_fail_event(r);
		return;

	case P_FAIL_EVENT:
		send_unlock(r);
		return;

	case P_UNLOCK:
		r->locked = false;
		finish(r, r->err.message == NULL);
		return;
	}
}

static void
acquired(struct pool *p, struct conn *c, const char *error, void *arg)
{
	struct mig_run *r = arg;
	const char *params[1] = { r->t.mgr->ledger };

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

struct mig_run *
migrate_start(enum mig_kind kind, const struct mig_target *t, const struct mig_opts *opts,
	      mig_progress_cb progress_cb, mig_done_cb done, void *arg)
{
	struct mig_run *r = xcalloc(1, sizeof *r);
	char *why;

	r->kind = kind;
	r->t = *t;
	r->opts = *opts;
	r->to = dup_or_null(opts->to);
	r->repair_file = dup_or_null(opts->repair_file);
	r->opts.to = r->to;
	r->opts.repair_file = r->repair_file;
	r->progress = progress_cb;
	r->on_done = done;
	r->arg = arg;
	r->pool = t->mgr->pool;
	r->loop = pool_loop(r->pool);
	r->started_ms = loop_now(r->loop);
	r->phase = P_ACQUIRE;

	why = manager_ledger_problem(t->mgr);
	if (why != NULL) {
		set_error_text(r, NULL, 0, why);
		free(why);
		finish(r, false);
		return r;
	}
	if (kind != MIG_RUN_STATUS && t->read_only) {
		set_error_text(r, NULL, 0,
			       "the profile is read-only: migrations are not applied, rolled back "
			       "or repaired from it");
		finish(r, false);
		return r;
	}
	if (kind == MIG_RUN_REPAIR && r->repair_file == NULL) {
		set_error_text(r, NULL, 0, "repair needs the file whose checksum to accept");
		finish(r, false);
		return r;
	}
	{
		/* an idle connection runs `acquired` at once, which may finish the
		 * run and let its owner free it: keep the handle only while it waits */
		struct pool_request *req = pool_acquire(r->pool, acquired, r);

		if (req != NULL)
			r->req = req;
	}
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
	free(r->holder);
	free(r->to);
	free(r->repair_file);
	free(r);
}

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

const struct mig_plan *
migrate_plan(const struct mig_run *r)
{
	return &r->plan;
}

const struct mig_target *
migrate_target(const struct mig_run *r)
{
	return &r->t;
}

enum mig_kind
migrate_kind(const struct mig_run *r)
{
	return r->kind;
}

int64_t
migrate_elapsed_ms(const struct mig_run *r)
{
	return loop_now(r->loop) - r->started_ms;
}
