/*
 * tenant_bulk: a fan-out's bulk workers.
 *
 * Once its canaries have run, a fan-out (MIGRATE) starts `concurrency`
 * bulk workers, each on a connection of its own, that take the tenants
 * with pending work one at a time from the job's queue (so N workers run
 * N tenants at once whenever N are left); a tenant's migration lock is held
 * only while that tenant runs. One round trip per file:
 *   SETUP  (once per connection) the folder's file names and checksums,
 *          and the tool's name, as parameters into session settings
 *          (pgdbm_console.file_N, sum_N, tool): a file's ledger row can then
 *          be written in the script that runs the file, naming them, with
 *          no value in the SQL text
 *   PREPARE (once per connection) the apply event of file N
 *          (pgdbm_console_apply) and "unlock a key, try another"
 *          (pgdbm_console_lock): planned once, not per tenant
 *   LOCK   "EXECUTE pgdbm_console_lock(<tenant let go>, <this tenant>);
 *          COPY its ledger" (a busy lock is left to the per-tenant path,
 *          which waits for it); the plan is made from that read
 *   FILE   "BEGIN; <rendered file>; INSERT <its ledger row>; EXECUTE
 *          pgdbm_console_apply(...); COMMIT" and, after the tenant's last
 *          file, the LOCK of the next tenant releasing this one
 *          (execution_time_ms: the server's time since the script came, at
 *          least 1, kept in pgdbm_console.ms for the event)
 *   END    the last unlock, if any; the connection, carrying the settings
 *          and the prepared statements, is then closed, not reused
 * Each file commits with its ledger row and its event, as in the migrate
 * engine; the ledger is read only once the lock is held. A tenant found
 * current under its lock is skipped; one the bulk path cannot take (ledger
 * gone, a no-transaction file, a refused plan) goes to the per-tenant path
 * once the bulk workers are done. A file that fails is rolled back, its
 * failure recorded as an event, its line found from its one run
 * (migrate_error_line), and its tenant reported failed.
 *
 * A connection lost mid-run: a tenant whose file was in flight and whose
 * COMMIT had not answered is settled by reading its ledger back
 * (migrate_verify) and reported as the database holds it; a tenant not
 * started (its lock asked for) goes back to the queue. The worker takes a
 * new connection after a growing delay and carries on; after BULK_TRIES
 * losses in a row it gives up, and when the last worker has given up the
 * tenants left are reported failed with the reason.
 *
 * A bulk worker is an enum bulk_phase moved by its replies (bulk_reply());
 * "next" is bulk_go(), which picks what the worker does now:
 *
 *   IDLE --a connection--> SETUP --> PREPARE --> next
 *   next: the next tenant to lock ---------> LOCK --> next
 *         the current tenant's next file --> FILE --committed--> next
 *                                                 --failed--> ROLLBACK --> FAIL_EVENT --> next
 *                                                 --COMMIT failed--> FAIL_EVENT --> next
 *         a lock left to release ---------> END --> the worker ends
 *         nothing left --------------------> the worker ends
 *   the connection lost (or SETUP, PREPARE or LOCK failed) --> IDLE, and a
 *   new connection after a delay, or the worker ends
 */
#include "config.h"

#include "tenant.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "database.h"
#include "ident.h"
#include "loop.h"
#include "manager.h"
#include "migrate.h"
#include "msglog.h"
#include "pool.h"
#include "strbuf.h"
#include "tenant_int.h"
#include "xalloc.h"

#define BULK_TRIES	6   /* connections lost (or refused) in a row before a worker gives up */
#define BULK_BACKOFF_MS 250 /* the first delay before a new connection, doubled each time */
#define BULK_RECORDED	"pgdbm_console_recorded" /* the column the event statement answers */

enum bulk_phase {
	BK_IDLE, /* no connection: acquiring one, or waiting to */
	BK_SETUP,
	BK_PREPARE,
	BK_LOCK,
	BK_FILE,
	BK_ROLLBACK,
	BK_FAIL_EVENT,
	BK_END,
};

/* A tenant a worker holds: its plan, read under its lock. */
struct bulk_item {
	size_t res; /* result index; SIZE_MAX: none */
	struct manager *mgr;
	bool locked;
	struct mig_status status;
	struct mig_plan plan;
	size_t step; /* plan steps committed (the next one to send) */
	int64_t started_us;
};

struct tenant_bulk {
	struct tenant_job *job;
	struct conn *conn;
	struct pool_request *req;
	struct loop_timer *timer; /* the delay before the next connection */
	enum bulk_phase phase;
	struct bulk_item cur;	 /* the tenant being migrated (its lock held) */
	struct bulk_item coming; /* the tenant whose lock the script in flight asks for */
	char *unlock;		 /* a lock key the next script releases first */
	int losses;		 /* connections lost (or refused) in a row */
	char *body, *rendered;	 /* the file in flight, as sent and as rendered */
	char *fail_msg;
	struct tenant_bulk *next;
};

/* A tenant whose file was in flight when its connection was lost. */
struct bulk_check {
	struct tenant_job *job;
	size_t res;
	size_t file;	/* the plan step in doubt: those before it are committed */
	size_t planned; /* steps in the plan */
	char *path;	/* the file in doubt */
	char *error;	/* the connection's */
	int64_t started_us;
	struct mig_verify *v;
};

static void bulk_reply(struct conn *c, struct conn_reply *reply, void *arg);
static void bulk_go(struct tenant_bulk *b);
static void bulk_worker_end(struct tenant_bulk *b);
static void bulk_reconnect(struct loop *loop, void *arg);

static void
bulk_item_clear(struct bulk_item *it)
{
	mig_plan_free(&it->plan);
	mig_status_free(&it->status);
	manager_free(&it->mgr);
	memset(it, 0, sizeof *it);
	it->res = SIZE_MAX;
}

static void
bulk_send(struct tenant_bulk *b, enum bulk_phase ph, const char *sql, int n,
	  const char *const *params)
{
	b->phase = ph;
	if (!conn_send(b->conn, sql, n, params, bulk_reply, b)) {
		struct conn_reply reply;

		memset(&reply, 0, sizeof reply);
		reply.conn_error = conn_error(b->conn)[0] ? conn_error(b->conn)
							  : "the connection is not ready";
		bulk_reply(b->conn, &reply, b);
	}
}

/* The next tenant for a bulk worker (SIZE_MAX: none); tenants without a
 * ledger go to the per-tenant path, which creates it. */
static size_t
bulk_pick(struct tenant_job *job)
{
	for (; job->bulk_next < job->n_results; job->bulk_next++) {
		size_t i = job->bulk_next, li = job->res_list[i];

		if (job->results[i].state != TENANT_WAITING || job->results[i].canary ||
		    job->slow[i])
			continue;
		if (li == SIZE_MAX || !job->list.v[li].has_ledger) {
			job->slow[i] = true;
			continue;
		}
		return i;
	}
	return SIZE_MAX;
}

/* Take the next tenant into `coming` (running); false when there is none. */
static bool
bulk_take(struct tenant_bulk *b)
{
	struct tenant_job *job = b->job;
	size_t i = job->stop ? SIZE_MAX : bulk_pick(job);
	char *schema, *err = NULL;

	if (i == SIZE_MAX)
		return false;
	job->bulk_next = i + 1;
	schema = tenant_schema(job->cfg, job->results[i].id);
	b->coming.mgr = manager_new(job->pool, schema, schema, job->cfg->table, &err);
	free(schema);
	if (b->coming.mgr == NULL) {
		/* a valid tenant id makes a valid manager; go the per-tenant way anyway */
		free(err);
		job->slow[i] = true;
		return bulk_take(b);
	}
	b->coming.res = i;
	b->coming.started_us = loop_clock_us();
	job->results[i].state = TENANT_RUNNING;
	job->prog.running++;
	return true;
}

/* it leaves the worker: its lock, if held, is released by the next script. */
static void
bulk_let_go(struct tenant_bulk *b, struct bulk_item *it)
{
	if (it->locked) {
		free(b->unlock);
		b->unlock = xstrdup(it->mgr->lock_key_text);
	}
	bulk_item_clear(it);
}

/* it goes back to waiting, not started: to the bulk queue, or (slow) to
 * the per-tenant path. */
static void
bulk_put_back(struct tenant_bulk *b, struct bulk_item *it, bool slow)
{
	struct tenant_job *job = b->job;
	size_t i = it->res;

	if (job->results[i].state == TENANT_RUNNING) {
		job->results[i].state = TENANT_WAITING;
		job->prog.running--;
	}
	if (slow)
		job->slow[i] = true;
	else if (i < job->bulk_next)
		job->bulk_next = i;
	bulk_let_go(b, it);
}

static void
bulk_end_result(struct tenant_job *job, size_t i, enum tenant_result_state st, const char *error,
		int applied, int64_t started_us)
{
	if (job->results[i].state != TENANT_RUNNING)
		return;
	job->results[i].applied = applied;
	tenant_result_end(job, i, st, error, (loop_clock_us() - started_us) / 1000);
	if (st == TENANT_FAILED) {
		msglog_add(pool_log(job->pool), MSG_WARNING, job->db->cfg->label, "tenant %s: %s",
			   job->results[i].id, error);
		tenant_note_failure(job, &job->results[i]);
	}
	tenant_notify(job);
}

static void
bulk_checked(struct mig_verify *v, int held, const char *error, void *arg)
{
	struct bulk_check *ck = arg;
	struct tenant_job *job = ck->job;
	size_t applied = ck->file + (held == 1);
	char *msg = NULL;

	(void)v;
	migrate_verify_free(&ck->v);
	if (held < 0)
		msg = xasprintf("%s: connection lost before its COMMIT answered; whether it "
				"committed is unknown, its ledger could not be read back (%s): %s",
				ck->path, error, ck->error);
	else if (held == 0)
		msg = xasprintf("%s: connection lost before it committed (%zu of %zu applied): %s",
				ck->path, applied, ck->planned, ck->error);
	else if (applied < ck->planned)
		msg = xasprintf("%s committed, then the connection was lost (%zu of %zu applied): "
				"%s",
				ck->path, applied, ck->planned, ck->error);
	/* else: it committed and was the last: the tenant is done */
	bulk_end_result(job, ck->res, msg == NULL ? TENANT_OK : TENANT_FAILED, msg, (int)applied,
			ck->started_us);
	free(msg);
	free(ck->path);
	free(ck->error);
	free(ck);
	tenant_kick(job);
}

/*
 * cur's current file was in flight, its COMMIT unanswered, when the
 * connection was lost: read its ledger back before saying anything. The
 * tenant stays running meanwhile.
 */
static void
bulk_check(struct tenant_bulk *b, const char *error)
{
	struct bulk_item *it = &b->cur;
	struct bulk_check *ck = xcalloc(1, sizeof *ck);
	const struct mig_entry *e = it->plan.steps[it->step];

	ck->job = b->job;
	ck->res = it->res;
	ck->file = it->step;
	ck->planned = it->plan.n;
	ck->path = xstrdup(e->file->up.path);
	ck->error = xstrdup(error);
	ck->started_us = it->started_us;
	ck->v = migrate_verify_start(it->mgr, e->filename, e->file->up.checksum, bulk_checked, ck);
	bulk_item_clear(it);
}

/*
 * The connection is gone: settle what was in flight, put back what had
 * not started, and carry on with a new connection after a delay (or give
 * up after BULK_TRIES losses in a row).
 */
static void
bulk_lost(struct tenant_bulk *b, const char *error)
{
	struct tenant_job *job = b->job;
	int64_t delay;

	if (b->coming.res != SIZE_MAX)
		bulk_put_back(b, &b->coming, false); /* not started: another connection takes it */
	if (b->cur.res != SIZE_MAX) {
		if (b->phase == BK_FILE) {
			bulk_check(b, error);
		} else if (b->phase == BK_ROLLBACK || b->phase == BK_FAIL_EVENT) {
			bulk_end_result(job, b->cur.res, TENANT_FAILED, b->fail_msg,
					(int)b->cur.step, b->cur.started_us);
			bulk_item_clear(&b->cur);
		} else {
			bulk_put_back(b, &b->cur, false);
		}
	}
	/* the session's locks and transaction went with it */
	free(b->unlock);
	b->unlock = NULL;
	if (b->conn != NULL) {
		conn_abandon(b->conn);
		pool_discard(job->pool, b->conn);
		b->conn = NULL;
	}
	b->phase = BK_IDLE;
	if (job->stop || bulk_pick(job) == SIZE_MAX) {
		bulk_worker_end(b);
		return;
	}
	if (++b->losses >= BULK_TRIES) {
		if (job->bulk_error == NULL)
			job->bulk_error = xasprintf(
				"the connection was lost %d times in a row (%s)", b->losses, error);
		bulk_worker_end(b);
		return;
	}
	delay = (int64_t)BULK_BACKOFF_MS << (b->losses - 1);
	msglog_add(pool_log(job->pool), MSG_INFO, job->db->cfg->label,
		   "tenant fan-out: connection lost (%s); going on with a new one in %lld ms",
		   error, (long long)delay);
	b->timer = loop_timer_add(job->loop, delay, 0, bulk_reconnect, b);
}

/* "EXECUTE pgdbm_console_lock(<unlock or NULL>, <coming's key>); COPY ..." */
static void
bulk_add_lock(struct tenant_bulk *b, struct strbuf *sb, const char *unlock)
{
	char *old = unlock != NULL ? ident_literal(unlock) : xstrdup("NULL");
	char *key = ident_literal(b->coming.mgr->lock_key_text);

	/* a script of several statements: values as literals */
	strbuf_addf(sb, "EXECUTE pgdbm_console_lock(%s, %s);\n", old, key);
	free(old);
	free(key);
	tenant_copy_ledger(sb, b->coming.mgr->schema, b->job->cfg->table);
}

static void
bulk_send_lock(struct tenant_bulk *b)
{
	struct strbuf sb = STRBUF_INIT;

	bulk_add_lock(b, &sb, b->unlock);
	bulk_send(b, BK_LOCK, strbuf_str(&sb), -1, NULL);
	strbuf_free(&sb);
}

/*
 * cur's next file in one script: BEGIN, the file, its ledger row and
 * event, COMMIT; after its last file, its unlock and the next tenant's
 * lock and ledger.
 */
static void
bulk_send_file(struct tenant_bulk *b)
{
	struct tenant_job *job = b->job;
	struct bulk_item *it = &b->cur;
	const struct mig_entry *e = it->plan.steps[it->step];
	size_t k = (size_t)(e->file - job->files->v);
	struct strbuf sb = STRBUF_INIT;
	char *err, *module, *schema;
	int line = 0;

	free(b->rendered);
	b->rendered = NULL;
	err = manager_render(it->mgr, e->file->up.text, &b->rendered, &line);
	if (err != NULL) {
		/* the plan rendered it already; fail safely anyway */
		free(b->fail_msg);
		b->fail_msg = xasprintf("%s:%d: %s", e->file->up.path, line, err);
		free(err);
		tenant_note_failure(job, &job->results[it->res]);
		bulk_send(b, BK_ROLLBACK, "SELECT 1", -1, NULL);
		return;
	}
	module = ident_literal(it->mgr->module);
	schema = ident_literal(it->mgr->schema);
	strbuf_adds(&sb, "BEGIN;\n");
	strbuf_adds(&sb, b->rendered);
	/* the ledger row, then its event (prepared, SETUP); the values are the
	 * session's settings and literals (a script of several statements
	 * takes no parameters), the ledger a validated identifier, the numbers
	 * ours; execution_time_ms is kept in pgdbm_console.ms for the event */
	strbuf_addf(&sb,
		    "\n;\nINSERT INTO %s (filename, checksum, module_name, execution_time_ms)\n"
		    "VALUES (current_setting('pgdbm_console.file_%zu', true),\n"
		    "  current_setting('pgdbm_console.sum_%zu', true), %s,\n"
		    "  set_config('pgdbm_console.ms', greatest(1, (extract(epoch FROM "
		    "clock_timestamp() - statement_timestamp()) * 1000)::int)::text, true)::int);\n"
		    "EXECUTE pgdbm_console_apply(%s, %s, %zu);\n"
		    "COMMIT;\n",
		    it->mgr->ledger, k, k, module, module, schema, k);
	free(module);
	free(schema);
	if (it->step + 1 == it->plan.n) {
		/* the tenant's last file: let it go, and ask for the next one */
		if (bulk_take(b))
			bulk_add_lock(b, &sb, it->mgr->lock_key_text);
		else {
			char *key = ident_literal(it->mgr->lock_key_text);

			strbuf_addf(&sb, "SELECT pg_advisory_unlock(hashtext(%s));\n", key);
			free(key);
		}
	}
	free(b->body);
	b->body = strbuf_detach(&sb);
	bulk_send(b, BK_FILE, b->body, -1, NULL);
}

/*
 * A new connection: the folder's file names and checksums (and the tool
 * name) into session settings, as parameters, once (SETUP); then the two
 * statements every tenant runs, prepared once (PREPARE): the apply event
 * of file N, and "unlock one key, try another".
 */
static void
bulk_send_prepare(struct tenant_bulk *b)
{
	bulk_send(b, BK_PREPARE,
		  "PREPARE pgdbm_console_apply(text, text, int) AS\n"
		  "INSERT INTO pgdbm_console.events (action, module, schema_name, filename, "
		  "new_checksum, duration_ms, tool)\n"
		  "VALUES ('apply', $1, $2, current_setting('pgdbm_console.file_' || $3, true),\n"
		  "  current_setting('pgdbm_console.sum_' || $3, true),\n"
		  "  current_setting('pgdbm_console.ms', true)::int,\n"
		  "  current_setting('pgdbm_console.tool', true))\n"
		  "RETURNING 1 AS " BULK_RECORDED ";\n"
		  "PREPARE pgdbm_console_lock(text, text) AS\n"
		  "SELECT pg_advisory_unlock(hashtext($1)), pg_try_advisory_lock(hashtext($2));\n",
		  -1, NULL);
}

static void
bulk_send_setup(struct tenant_bulk *b)
{
	struct strbuf names = STRBUF_INIT, sums = STRBUF_INIT;
	const char *params[3];

	tenant_files_arrays(b->job->files, &names, &sums);
	params[0] = strbuf_str(&names);
	params[1] = strbuf_str(&sums);
	params[2] = TENANT_TOOL_NAME;
	bulk_send(b, BK_SETUP,
		  "SELECT count(set_config('pgdbm_console.file_' || (n - 1), f, false)),\n"
		  "  count(set_config('pgdbm_console.sum_' || (n - 1), c, false)),\n"
		  "  set_config('pgdbm_console.tool', $3, false)\n"
		  "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(f, c, n)",
		  3, params);
	strbuf_free(&names);
	strbuf_free(&sums);
}

static void
bulk_send_fail_event(struct tenant_bulk *b)
{
	struct bulk_item *it = &b->cur;
	char ms[24];
	const char *params[6];

	snprintf(ms, sizeof ms, "%lld", (long long)((loop_clock_us() - it->started_us) / 1000));
	params[0] = it->mgr->module;
	params[1] = it->mgr->schema;
	params[2] = it->plan.steps[it->step]->filename;
	params[3] = ms;
	params[4] = b->fail_msg;
	params[5] = TENANT_TOOL_NAME;
	bulk_send(b, BK_FAIL_EVENT,
		  "INSERT INTO pgdbm_console.events (action, module, schema_name, filename, "
		  "duration_ms, error, tool) VALUES ('fail', $1, $2, $3, $4, $5, $6)",
		  6, params);
}

/*
 * The answer to coming's lock, results[k] (then its ledger, COPY): it
 * becomes cur and runs, or goes elsewhere. Returns false when the lock
 * statement itself failed.
 */
static bool
bulk_locked(struct tenant_bulk *b, const struct conn_reply *reply, int k)
{
	struct tenant_job *job = b->job;
	struct bulk_item *it = &b->cur;
	struct mig_row *rows;
	struct mig_opts o;
	size_t nr = 0, from, i;

	if (reply->n <= k || PQresultStatus(reply->results[k]) != PGRES_TUPLES_OK)
		return false;
	free(b->unlock); /* released by that statement */
	b->unlock = NULL;
	*it = b->coming;
	memset(&b->coming, 0, sizeof b->coming);
	b->coming.res = SIZE_MAX;
	it->locked = PQgetvalue(reply->results[k], 0, PQnfields(reply->results[k]) - 1)[0] == 't';
	if (!it->locked) {
		bulk_put_back(b, it, true); /* busy: the per-tenant path waits for it */
		return true;
	}
	if (reply->error != NULL || reply->n_copies < 1) {
		bulk_put_back(b, it,
			      true); /* the ledger went away: the per-tenant path creates it */
		return true;
	}
	if (job->stop) {
		bulk_put_back(b, it, false); /* not started: the policy or a cancel stops it */
		return true;
	}
	/* its ledger is the script's last COPY */
	from = reply->n_copies > 1 ? reply->copy_ends[reply->n_copies - 2] : 0;
	rows = tenant_copy_rows(reply->copy + from, reply->copy_ends[reply->n_copies - 1] - from,
				it->mgr->module, &nr);
	it->status.ledger_exists = true;
	mig_status_compute(&it->status, job->files, rows, nr, NULL, 0); /* takes the rows */
	mig_opts_defaults(&o);
	mig_plan_apply(&it->plan, &it->status, &o, it->mgr, pool_server_version(job->pool));
	for (i = 0; it->plan.refusal == NULL && i < it->plan.n; i++) {
		if (it->plan.steps[i]->no_transaction)
			break;
	}
	if (it->plan.refusal != NULL || i < it->plan.n) {
		bulk_put_back(b, it, true); /* the per-tenant path says why, and records it */
		return true;
	}
	if (it->plan.n == 0) {
		/* someone else migrated it since */
		bulk_end_result(job, it->res, TENANT_SKIPPED, "up to date", 0, it->started_us);
		bulk_let_go(b, it);
	}
	return true;
}

/* Where result r's statement is in the reply (-1: not answered). */
static int
result_index(const struct conn_reply *reply, const PGresult *r)
{
	int i;

	for (i = 0; i < reply->n; i++) {
		if (reply->results[i] == r)
			return i;
	}
	return -1;
}

/* The index of the ledger statement's answer in a FILE reply (-1: none). */
static int
recorded_at(const struct conn_reply *reply)
{
	int i;

	for (i = 0; i < reply->n; i++) {
		const PGresult *r = reply->results[i];

		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQnfields(r) == 1 &&
		    strcmp(PQfname(r, 0), BULK_RECORDED) == 0)
			return i;
	}
	return -1;
}

/* The reply to a FILE script. */
static void
bulk_file_done(struct tenant_bulk *b, const struct conn_reply *reply)
{
	struct tenant_job *job = b->job;
	struct bulk_item *it = &b->cur;
	const struct mig_entry *e = it->plan.steps[it->step];
	int rec = recorded_at(reply), err = reply->error ? result_index(reply, reply->error) : -1;
	char *m;

	if (err >= 0 && (rec < 0 || err <= rec + 1)) {
		/* the file, its record or its COMMIT failed */
		m = tenant_error_text(reply);
		free(b->fail_msg);
		if (rec < 0) {
			/* "BEGIN;\n" (one statement, 7 characters), then the file */
			int line = migrate_error_line(reply, b->body, 7, 1, b->rendered);

			b->fail_msg = line > 0 ? xasprintf("%s:%d: %s", e->file->up.path, line, m)
					       : xasprintf("%s: %s", e->file->up.path, m);
		} else {
			b->fail_msg = xasprintf("%s: COMMIT failed: %s", e->file->up.path, m);
		}
		free(m);
		/* the policy applies now: nothing new starts while this one is recorded */
		tenant_note_failure(job, &job->results[it->res]);
		if (rec < 0)
			bulk_send(b, BK_ROLLBACK, "ROLLBACK", -1, NULL);
		else
			bulk_send_fail_event(b); /* a failed COMMIT rolled back already */
		return;
	}
	it->step++; /* committed */
	if (it->step < it->plan.n) {
		bulk_send_file(b);
		return;
	}
	/* its last file: the tenant is done, its lock released by the script */
	bulk_end_result(job, it->res, TENANT_OK, NULL, (int)it->plan.n, it->started_us);
	it->locked = false;
	bulk_item_clear(it);
	if (b->coming.res != SIZE_MAX && !bulk_locked(b, reply, rec + 2)) {
		m = tenant_error_text(reply);
		bulk_lost(b, m); /* the lock statement failed: start afresh */
		free(m);
		return;
	}
	bulk_go(b);
}

static void
bulk_reply(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct tenant_bulk *b = arg;
	bool failed = reply->error != NULL;
	char *m;

	(void)c;
	if (reply->conn_error != NULL) {
		/* a COMMIT that answered before the connection went counts */
		if (b->phase == BK_FILE && b->cur.res != SIZE_MAX && recorded_at(reply) >= 0 &&
		    recorded_at(reply) + 1 < reply->n &&
		    PQresultStatus(reply->results[recorded_at(reply) + 1]) == PGRES_COMMAND_OK) {
			b->cur.step++;
			if (b->cur.step == b->cur.plan.n) {
				bulk_end_result(b->job, b->cur.res, TENANT_OK, NULL,
						(int)b->cur.plan.n, b->cur.started_us);
				bulk_item_clear(&b->cur);
			} else {
				char *msg = xasprintf(
					"connection lost after %zu of %zu migrations: "
					"%s",
					b->cur.step, b->cur.plan.n, reply->conn_error);

				bulk_end_result(b->job, b->cur.res, TENANT_FAILED, msg,
						(int)b->cur.step, b->cur.started_us);
				free(msg);
				bulk_item_clear(&b->cur);
			}
		}
		m = xstrdup(reply->conn_error);
		bulk_lost(b, m);
		free(m);
		return;
	}
	b->losses = 0;
	switch (b->phase) {
	case BK_IDLE:
		return;
	case BK_SETUP:
	case BK_PREPARE:
		if (failed) {
			m = tenant_error_text(reply);
			bulk_lost(b, m); /* as a lost connection: another one, later */
			free(m);
			return;
		}
		if (b->phase == BK_SETUP)
			bulk_send_prepare(b);
		else
			bulk_go(b);
		return;
	case BK_LOCK:
		if (!bulk_locked(b, reply, 0)) {
			m = tenant_error_text(reply);
			bulk_lost(b, m);
			free(m);
			return;
		}
		bulk_go(b);
		return;
	case BK_FILE:
		bulk_file_done(b, reply);
		return;
	case BK_ROLLBACK:
		bulk_send_fail_event(b);
		return;
	case BK_FAIL_EVENT:
		bulk_end_result(b->job, b->cur.res, TENANT_FAILED, b->fail_msg, (int)b->cur.step,
				b->cur.started_us);
		bulk_let_go(b, &b->cur);
		bulk_go(b);
		return;
	case BK_END:
		free(b->unlock);
		b->unlock = NULL;
		bulk_worker_end(b);
		return;
	}
}

/* What the worker does next: cur's next file, the next tenant's lock, or the end. */
static void
bulk_go(struct tenant_bulk *b)
{
	struct tenant_job *job = b->job;

	if (b->coming.res != SIZE_MAX && job->stop)
		bulk_put_back(b, &b->coming, false);
	if (b->coming.res != SIZE_MAX) {
		bulk_send_lock(b);
		return;
	}
	if (b->cur.res != SIZE_MAX) {
		/* a tenant started is finished, stop or not */
		bulk_send_file(b);
		return;
	}
	if (bulk_take(b)) {
		bulk_send_lock(b);
		return;
	}
	if (b->unlock != NULL) {
		const char *params[1] = { b->unlock };

		bulk_send(b, BK_END, "SELECT pg_advisory_unlock(hashtext($1))", 1, params);
		return;
	}
	bulk_worker_end(b);
}

static void
bulk_worker_end(struct tenant_bulk *b)
{
	struct tenant_job *job = b->job;
	struct tenant_bulk **pp;

	if (b->coming.res != SIZE_MAX)
		bulk_put_back(b, &b->coming, false);
	if (b->cur.res != SIZE_MAX)
		bulk_put_back(b, &b->cur, false);
	pool_request_cancel(job->pool, &b->req);
	loop_timer_cancel(job->loop, &b->timer);
	if (b->conn != NULL)
		pool_discard(job->pool, b->conn); /* its session carries SETUP's settings */
	for (pp = &job->bulks; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	}
	free(b->unlock);
	free(b->body);
	free(b->rendered);
	free(b->fail_msg);
	free(b);
	job->bulk_active--;
	tenant_kick(job);
}

static void
bulk_acquired(struct pool *p, struct conn *c, const char *error, void *arg)
{
	struct tenant_bulk *b = arg;

	(void)p;
	b->req = NULL;
	if (c == NULL) {
		bulk_lost(b, error != NULL ? error : "no connection");
		return;
	}
	b->conn = c;
	bulk_send_setup(b);
}

static void
bulk_reconnect(struct loop *loop, void *arg)
{
	struct tenant_bulk *b = arg;
	struct pool_request *req;

	(void)loop;
	b->timer = NULL;
	if (b->job->stop) {
		bulk_worker_end(b); /* nothing new starts: no connection needed */
		return;
	}
	/* a connection handed over at once may end the worker: keep the
	 * handle only while the request waits */
	req = pool_acquire(b->job->pool, bulk_acquired, b);
	if (req != NULL)
		b->req = req;
}

/*
 * The bulk phase of a fan-out: canaries first (per tenant, one at a time),
 * then the bulk workers. Returns true while that phase is not over.
 */
bool
tenant_bulk_schedule(struct tenant_job *job)
{
	size_t i;
	int k;

	if (!job->bulk_started) {
		for (i = 0; i < job->n_results; i++) {
			if (!job->results[i].canary)
				continue;
			if (job->results[i].state == TENANT_RUNNING)
				return true;
			if (job->results[i].state == TENANT_WAITING && !job->stop) {
				tenant_worker_start(job, i);
				return true;
			}
		}
		if (job->stop) {
			tenant_maybe_finish(job);
			return true;
		}
		job->bulk_started = true;
		for (k = 0; k < job->concurrency; k++) {
			struct tenant_bulk *b = xcalloc(1, sizeof *b);

			b->job = job;
			b->cur.res = SIZE_MAX;
			b->coming.res = SIZE_MAX;
			b->next = job->bulks;
			job->bulks = b;
			job->bulk_active++;
			bulk_reconnect(job->loop, b);
		}
		return true;
	}
	if (job->bulk_active > 0)
		return true;
	if (!job->bulk_done) {
		job->bulk_done = true;
		if (job->bulk_error != NULL) {
			/* every worker gave up: what they did not start fails, saying why */
			char *msg = xasprintf("not started: %s", job->bulk_error);

			for (i = bulk_pick(job); i != SIZE_MAX; i = bulk_pick(job)) {
				job->bulk_next = i + 1;
				job->results[i].state = TENANT_RUNNING;
				job->prog.running++;
				bulk_end_result(job, i, TENANT_FAILED, msg, 0, loop_clock_us());
			}
			free(msg);
		}
		/* what the bulk workers left goes the per-tenant way */
		job->next = 0;
	}
	return false;
}

void
tenant_bulk_cancel(struct tenant_job *job)
{
	struct tenant_bulk *b;

	for (b = job->bulks; b != NULL; b = b->next) {
		if (b->timer != NULL) {
			loop_timer_cancel(job->loop, &b->timer);
			b->timer = loop_timer_add(job->loop, 0, 0, bulk_reconnect, b);
		}
	}
}
