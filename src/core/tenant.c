/*
 * tenant: the tenant module's API, the job and its scheduler (the API is
 * include/tenant.h; the module's files and what they share are listed in
 * include/tenant_int.h).
 *
 * Tenant ID lives in schema <prefix>ID, archived in <archive_prefix>ID; an
 * id must make a schema that pgdbm can write unquoted
 * (tenant_id_problem()), and a job checks every id before any SQL.
 *
 * A job goes through phases (enum tenant_job_phase):
 *
 *   LIST                          CATALOG -> LEDGERS -> DONE
 *   MIGRATE, ROLLBACK   PREPARE -> CATALOG -> LEDGERS -> RUN -> DONE
 *   PROVISION, ARCHIVE,
 *   DROP, RESTORE       PREPARE -> EXISTING -> RUN -> DONE
 *
 * PREPARE creates the console's events table (and the registry table the
 * profile names); CATALOG and LEDGERS read the tenant list (tenant_list.c);
 * EXISTING asks which of the named tenants' schemas exist, live or
 * archived, and each kind judges the answer (tenant_provision.c,
 * tenant_admin.c); RUN is the per-tenant work. A job that fails on its own
 * (an id refused, a read-only profile, a query) starts nothing more and is
 * DONE once nothing it sent is in flight.
 *
 * The scheduler runs the per-tenant work: at most `concurrency` tenants at
 * a time, canaries first and one at a time (a fan-out's bulk workers run
 * between its canaries and the per-tenant rest: tenant_bulk.c), a failure
 * policy (stop: start nothing new, let the running ones finish; continue:
 * go on and report), and cancel (start nothing new). When nothing runs and
 * nothing may start, the tenants never started are skipped, saying why,
 * and the job is done: `done` runs once. A job its owner frees while it
 * runs is cancelled and frees itself when it is done.
 */
#include "config.h"

#include "tenant.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "database.h"
#include "ident.h"
#include "loop.h"
#include "manager.h"
#include "migfile.h"
#include "migrate.h"
#include "msglog.h"
#include "pool.h"
#include "strbuf.h"
#include "strvec.h"
#include "tenant_int.h"
#include "xalloc.h"

/* ------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------ */

char *
tenant_schema(const struct profile_tenants *t, const char *id)
{
	return xasprintf("%s%s", t->prefix, id);
}

char *
tenant_id_problem(const struct profile_tenants *t, const char *id)
{
	size_t i, n = strlen(id);
	char *schema;
	const char *why;

	if (n == 0)
		return xstrdup("the tenant id is empty");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c >= 0x80)
			return xasprintf(
				"tenant id \"%s\" contains a non-ASCII character (use a-z, "
				"0-9 and _)",
				id);
		if (c >= 'A' && c <= 'Z')
			return xasprintf(
				"tenant id \"%s\" contains upper case (use a-z, 0-9 and _: "
				"pgdbm writes the schema name unquoted, so PostgreSQL would "
				"fold it)",
				id);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
			const char *what = c == '\'' || c == '"'   ? "a quote"
					   : c == ';'		   ? "a semicolon"
					   : c == ' ' || c == '\t' ? "white space"
					   : c == '-'		   ? "a hyphen"
					   : c < 0x20		   ? "a control character"
						      : "a character other than a-z, 0-9 and _";

			return xasprintf("tenant id \"%s\" contains %s (use a-z, 0-9 and _)", id,
					 what);
		}
	}
	if (ident_is_reserved(id))
		return xasprintf(
			"tenant id \"%s\" is a reserved word in PostgreSQL; choose another", id);
	schema = tenant_schema(t, id);
	why = ident_ledger_problem(schema);
	if (why == NULL && strlen(t->archive_prefix) + n > IDENT_MAX_LEN)
		why = "would be longer than 63 characters once archived";
	if (why != NULL) {
		char *msg = xasprintf("tenant id \"%s\": schema %s %s", id, schema, why);

		free(schema);
		return msg;
	}
	free(schema);
	return NULL;
}

const char *
tenant_result_name(enum tenant_result_state s)
{
	switch (s) {
	case TENANT_WAITING:
		return "waiting";
	case TENANT_RUNNING:
		return "running";
	case TENANT_OK:
		return "ok";
	case TENANT_FAILED:
		return "failed";
	case TENANT_SKIPPED:
		return "skipped";
	}
	return "?";
}

void
tenant_job_opts_defaults(struct tenant_job_opts *o)
{
	memset(o, 0, sizeof *o);
	o->canaries = -1;
	o->lock_wait_ms = 60000;
}

/* ------------------------------------------------------------------------
 * The job
 * ------------------------------------------------------------------------ */

static void job_finish(struct tenant_job *job);
static void job_really_free(struct tenant_job *job);
static void after_worker(struct loop *loop, void *arg);

void
tenant_notify(struct tenant_job *job)
{
	struct tenant_progress *p = &job->prog;
	size_t finished = p->done + p->failed + p->skipped;

	p->elapsed_ms = loop_now(job->loop) - p->started_ms;
	p->rate = p->elapsed_ms > 0 ? (double)finished * 1000.0 / (double)p->elapsed_ms : 0.0;
	p->eta_ms = p->rate > 0.0 && p->total >= finished
			    ? (int64_t)((double)(p->total - finished) * 1000.0 / p->rate)
			    : -1;
	if (job->changed != NULL)
		job->changed(job, job->arg);
}

/* Finish once nothing refers to the job any more (no query, no worker). */
void
tenant_maybe_finish(struct tenant_job *job)
{
	if (job->phase == TJ_DONE || job->outstanding > 0 || job->prog.running > 0 ||
	    job->bulk_active > 0)
		return;
	job_finish(job);
}

void
tenant_job_fail(struct tenant_job *job, const char *fmt, ...)
{
	va_list ap;

	if (job->error == NULL) {
		va_start(ap, fmt);
		job->error = xvasprintf(fmt, ap);
		va_end(ap);
	}
	job->stop = true;
	tenant_maybe_finish(job);
}

bool
tenant_job_answered(struct tenant_job *job, const struct conn_reply *reply, const char *what)
{
	job->outstanding--;
	if (job->error != NULL) {
		tenant_maybe_finish(job);
		return false;
	}
	if (reply->conn_error != NULL || reply->error != NULL) {
		char *e = tenant_error_text(reply);

		tenant_job_fail(job, "%s: %s", what, e);
		free(e);
		return false;
	}
	if (job->prog.cancelled && job->phase != TJ_RUN) {
		/* cancelled while it prepared: no tenant has started, none will */
		if (job->cancelled_before == NULL)
			job->cancelled_before = "cancelled before it started";
		tenant_maybe_finish(job);
		return false;
	}
	return true;
}

void
tenant_add_result(struct tenant_job *job, const char *id)
{
	struct tenant_result *r;

	job->results = xreallocarray(job->results, job->n_results + 1, sizeof *job->results);
	r = &job->results[job->n_results++];
	memset(r, 0, sizeof *r);
	r->id = xstrdup(id);
	r->state = TENANT_WAITING;
}

void
tenant_result_end(struct tenant_job *job, size_t i, enum tenant_result_state st, const char *error,
		  int64_t ms)
{
	struct tenant_result *r = &job->results[i];

	if (r->state == TENANT_RUNNING)
		job->prog.running--;
	r->state = st;
	free(r->error);
	r->error = error != NULL ? xstrdup(error) : NULL;
	r->ms = ms;
	if (st == TENANT_OK)
		job->prog.done++;
	else if (st == TENANT_FAILED)
		job->prog.failed++;
	else if (st == TENANT_SKIPPED)
		job->prog.skipped++;
}

char *
tenant_error_text(const struct conn_reply *reply)
{
	char *e = conn_reply_error_text(reply, CONN_ERROR_MESSAGE), *s;

	if (e == NULL)
		return xstrdup("no answer");
	if (reply->conn_error == NULL)
		return e;
	s = xasprintf("connection lost: %s", e);
	free(e);
	return s;
}

/* ---- SQL text ---- */

char *
tenant_registry_quoted(const struct profile_tenants *cfg)
{
	const char *dot = strchr(cfg->registry, '.');
	char *schema, *qs, *qt, *q;

	if (dot == NULL)
		return ident_quote(cfg->registry);
	schema = xstrndup(cfg->registry, (size_t)(dot - cfg->registry));
	qs = ident_quote(schema);
	qt = ident_quote(dot + 1);
	q = xasprintf("%s.%s", qs, qt);
	free(schema);
	free(qs);
	free(qt);
	return q;
}

/* "{"a","b"}" for a text[] parameter. */
void
tenant_pg_array(struct strbuf *sb, const char *const *v, size_t n)
{
	size_t i;
	const char *p;

	strbuf_addc(sb, '{');
	for (i = 0; i < n; i++) {
		strbuf_adds(sb, i ? ",\"" : "\"");
		for (p = v[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_addc(sb, '\\');
			strbuf_addc(sb, *p);
		}
		strbuf_addc(sb, '"');
	}
	strbuf_addc(sb, '}');
}

/* The folder's file names and their checksums, as two text[] parameters. */
void
tenant_files_arrays(const struct migfile_set *files, struct strbuf *names, struct strbuf *sums)
{
	const char **v = xcalloc(files->n + 1, sizeof *v);
	size_t i;

	for (i = 0; i < files->n; i++)
		v[i] = files->v[i].name;
	tenant_pg_array(names, v, files->n);
	for (i = 0; i < files->n; i++)
		v[i] = files->v[i].up.checksum;
	tenant_pg_array(sums, v, files->n);
	free(v);
}

/* ---- the scheduler ---- */

static void
worker_free(struct tenant_worker *w)
{
	loop_timer_cancel(w->job->loop, &w->retry);
	migrate_run_free(&w->run);
	manager_free(&w->mgr);
	free(w->schema);
	free(w->exec_ms);
	free(w->offsets);
	free(w->body);
	free(w);
}

static void
unlink_worker(struct tenant_job *job, struct tenant_worker *w)
{
	struct tenant_worker **pp;

	for (pp = &job->workers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return;
		}
	}
}

static void
after_worker(struct loop *loop, void *arg)
{
	struct tenant_job *job = arg;

	(void)loop;
	job->kick = NULL;
	tenant_schedule(job);
}

void
tenant_kick(struct tenant_job *job)
{
	if (job->kick == NULL)
		job->kick = loop_timer_add(job->loop, 0, 0, after_worker, job);
}

/* Apply the failure policy as soon as a tenant fails, not when its run ends. */
void
tenant_note_failure(struct tenant_job *job, const struct tenant_result *res)
{
	if (res->canary || job->opts.on_failure == PROFILE_ON_FAILURE_STOP) {
		job->stop = true;
		job->prog.stopped = true;
	}
}

void
tenant_worker_done(struct tenant_worker *w, enum tenant_result_state st, const char *error)
{
	struct tenant_job *job = w->job;
	const struct tenant_result *res = &job->results[w->index];
	int64_t ms = (loop_clock_us() - w->started_us) / 1000;

	if (w->conn != NULL) {
		pool_release(job->pool, w->conn);
		w->conn = NULL;
	}
	tenant_result_end(job, w->index, st, error, ms);
	if (st == TENANT_FAILED) {
		msglog_add(pool_log(job->pool), MSG_WARNING, job->db->cfg->label, "tenant %s: %s",
			   res->id, error != NULL ? error : "failed");
		tenant_note_failure(job, res);
	}
	if (st == TENANT_SKIPPED && res->canary)
		tenant_fanout_promote_canary(job, w->index);
	unlink_worker(job, w);
	/* the run that called us is still on the stack: free it later */
	if (w->run != NULL) {
		struct mig_run *r = w->run;

		w->run = NULL;
		w->next = NULL;
		migrate_run_free(&r); /* safe: migrate runs call done last */
	}
	worker_free(w);
	tenant_notify(job);
	/* start the next ones from the loop, not from inside this callback */
	tenant_kick(job);
}

static void
worker_acquired(struct pool *p, struct conn *c, const char *error, void *arg)
{
	struct tenant_worker *w = arg;

	(void)p;
	w->req = NULL;
	if (c == NULL) {
		tenant_worker_done(w, TENANT_FAILED, error);
		return;
	}
	w->conn = c;
	w->connected(w);
}

/*
 * When a connection is idle the callback runs at once and may end (free)
 * the worker: keep the handle only while it waits.
 */
void
tenant_worker_acquire(struct tenant_worker *w, void (*connected)(struct tenant_worker *w))
{
	struct pool_request *req;

	w->connected = connected;
	req = pool_acquire(w->job->pool, worker_acquired, w);
	if (req != NULL)
		w->req = req;
}

void
tenant_worker_start(struct tenant_job *job, size_t i)
{
	struct tenant_worker *w = xcalloc(1, sizeof *w);
	struct tenant_result *res = &job->results[i];
	char *err = NULL;

	w->job = job;
	w->index = i;
	w->schema = tenant_schema(job->cfg, res->id);
	w->started_us = loop_clock_us();
	w->next = job->workers;
	job->workers = w;
	res->state = TENANT_RUNNING;
	job->prog.running++;

	if (job->kind == TENANT_JOB_PROVISION || job->kind == TENANT_JOB_MIGRATE ||
	    job->kind == TENANT_JOB_ROLLBACK) {
		w->mgr = manager_new(job->pool, w->schema, w->schema, job->cfg->table, &err);
		if (w->mgr == NULL) {
			tenant_worker_done(w, TENANT_FAILED, err);
			free(err);
			return;
		}
	}
	switch (job->kind) {
	case TENANT_JOB_PROVISION:
		tenant_provision_start(w);
		return;
	case TENANT_JOB_ARCHIVE:
	case TENANT_JOB_DROP:
	case TENANT_JOB_RESTORE:
		tenant_admin_start(w);
		return;
	case TENANT_JOB_MIGRATE:
	case TENANT_JOB_ROLLBACK:
		tenant_fanout_start(w);
		return;
	case TENANT_JOB_LIST:
		break;
	}
}

static size_t
count_running(const struct tenant_job *job)
{
	return job->prog.running;
}

/* Start what may start; finish when nothing is left. */
void
tenant_schedule(struct tenant_job *job)
{
	if (job->phase == TJ_DONE)
		return;
	if (job->phase == TJ_LEDGERS || job->phase == TJ_CATALOG) {
		if (job->kind == TENANT_JOB_LIST) {
			job->prog.total = job->list.n;
			job->prog.done = job->list.n;
			tenant_maybe_finish(job);
			return;
		}
		tenant_fanout_pick(job);
		job->phase = TJ_RUN;
		tenant_notify(job);
	}
	if (job->phase != TJ_RUN)
		return;
	if (job->bulk && tenant_bulk_schedule(job))
		return;
	while (!job->stop && job->next < job->n_results) {
		struct tenant_result *r = &job->results[job->next];
		bool canary_running = false;
		struct tenant_worker *w;

		if (r->state != TENANT_WAITING) {
			job->next++;
			continue;
		}
		for (w = job->workers; w != NULL; w = w->next)
			canary_running = canary_running || job->results[w->index].canary;
		if (canary_running)
			break;
		if (r->canary && count_running(job) > 0)
			break;
		if ((int)count_running(job) >= job->concurrency)
			break;
		job->next++;
		tenant_worker_start(job, job->next - 1);
		if (job->phase == TJ_DONE)
			return;
	}
	if (count_running(job) == 0 && (job->stop || job->next >= job->n_results))
		tenant_maybe_finish(job);
}

static void
job_finish(struct tenant_job *job)
{
	size_t i;

	if (job->phase == TJ_DONE)
		return;
	for (i = 0; i < job->n_results; i++) {
		if (job->results[i].state == TENANT_WAITING)
			tenant_result_end(job, i, TENANT_SKIPPED,
					  job->prog.cancelled ? "cancelled"
					  : job->prog.stopped
						  ? "not started: the run stopped after a failure"
						  : "not started",
					  0);
	}
	job->phase = TJ_DONE;
	job->prog.finished = true;
	tenant_notify(job);
	if (job->done != NULL)
		job->done(job, job->arg);
	else if (job->freed)
		job_really_free(job);
}

/* ---- the start of each kind ---- */

static void prepare_done(struct pool *p, struct conn_reply *reply, void *arg);

/* Provision, archive, drop, restore: which of the named tenants' schemas exist, live or archived. */
static void
check_existing(struct tenant_job *job)
{
	struct strbuf arr = STRBUF_INIT;
	char **schemas = NULL;
	size_t i, n_schemas = 0;
	const char *params[1];

	for (i = 0; i < job->n_ids; i++) {
		strvec_push(&schemas, &n_schemas, tenant_schema(job->cfg, job->ids[i]));
		strvec_addf(&schemas, &n_schemas, "%s%s", job->cfg->archive_prefix, job->ids[i]);
	}
	tenant_pg_array(&arr, (const char *const *)schemas, n_schemas);
	strvec_free(&schemas, &n_schemas);
	params[0] = strbuf_str(&arr);
	job->phase = TJ_EXISTING;
	job->outstanding++;
	pool_query_held(job->pool, &job->req,
			"SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])", 1,
			params, prepare_done, job);
	strbuf_free(&arr);
}

/* The events table, and the registry table when the profile names one. */
static void
ensure_tables(struct tenant_job *job)
{
	struct strbuf sql = STRBUF_INIT;

	strbuf_adds(&sql, migrate_events_ddl());
	if (job->cfg->registry != NULL) {
		char *reg = tenant_registry_quoted(job->cfg);
		const char *dot = strchr(reg, '.'); /* quoted parts hold none */

		if (dot != NULL)
			strbuf_addf(&sql, "CREATE SCHEMA IF NOT EXISTS %.*s;\n", (int)(dot - reg),
				    reg);
		strbuf_addf(&sql,
			    "CREATE TABLE IF NOT EXISTS %s (\n"
			    "    id TEXT PRIMARY KEY,\n"
			    "    schema_name TEXT NOT NULL UNIQUE,\n"
			    "    status TEXT NOT NULL DEFAULT 'active',\n"
			    "    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
			    "    archived_at TIMESTAMPTZ\n"
			    ");\n",
			    reg);
		free(reg);
	}
	job->phase = TJ_PREPARE;
	job->outstanding++;
	/* quiet: no "already exists, skipping" notices for the message log */
	{
		char *script = xasprintf("SET client_min_messages = warning;\n%sRESET "
					 "client_min_messages;\n",
					 strbuf_str(&sql));

		pool_query_held(job->pool, &job->req, script, -1, NULL, prepare_done, job);
		free(script);
	}
	strbuf_free(&sql);
}

static void
prepare_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct tenant_job *job = arg;
	const PGresult *r = reply->n > 0 ? reply->results[reply->n - 1] : NULL;

	(void)p;
	if (!tenant_job_answered(job, reply,
				 job->phase == TJ_PREPARE ? "cannot create the console's tables"
							  : "cannot check the tenant schemas"))
		return;
	if (job->phase == TJ_PREPARE) {
		if (job->kind == TENANT_JOB_PROVISION) {
			check_existing(job);
			return;
		}
		if (job->kind == TENANT_JOB_MIGRATE || job->kind == TENANT_JOB_ROLLBACK) {
			tenant_list_read(job);
			return;
		}
		/* archive, drop, restore: the one tenant must exist in the right form */
		check_existing(job);
		return;
	}
	if (job->phase == TJ_EXISTING) {
		if (job->kind == TENANT_JOB_PROVISION)
			tenant_provision_existing(job, r);
		else
			tenant_admin_existing(job, r);
		job->phase = TJ_RUN;
		tenant_notify(job);
		tenant_schedule(job);
	}
}

struct tenant_job *
tenant_job_start(enum tenant_job_kind kind, struct database *db, const struct migfile_set *files,
		 const struct tenant_job_opts *opts, tenant_job_cb changed, tenant_job_cb done,
		 void *arg)
{
	struct tenant_job *job = xcalloc(1, sizeof *job);
	size_t i;

	job->kind = kind;
	job->db = db;
	job->cfg = &db->cfg->tenants;
	job->files = files;
	job->opts = *opts;
	job->changed = changed;
	job->done = done;
	job->arg = arg;
	job->pool = db->pool;
	job->loop = pool_loop(db->pool);
	job->prog.started_ms = loop_now(job->loop);
	job->prog.eta_ms = -1;
	if (opts->n_ids > 0) {
		for (i = 0; i < opts->n_ids; i++)
			strvec_add(&job->ids, &job->n_ids, opts->ids[i]);
		/* sorted once: a console hands over up to 100,000 filtered ids */
		job->sorted_ids = xcalloc(job->n_ids, sizeof *job->sorted_ids);
		memcpy(job->sorted_ids, job->ids, job->n_ids * sizeof *job->sorted_ids);
		strvec_sort(job->sorted_ids, job->n_ids);
	}
	job->opts.ids = NULL;
	job->opts.n_ids = 0;
	job->filter = opts->filter != NULL ? xstrdup(opts->filter) : NULL;
	if (!job->opts.on_failure_set)
		job->opts.on_failure = job->cfg->on_failure;
	if (job->opts.canaries < 0)
		job->opts.canaries = job->cfg->canaries;
	job->concurrency = opts->concurrency > 0 ? opts->concurrency : job->cfg->concurrency;
	if (job->concurrency > db->cfg->pool.max)
		job->concurrency = db->cfg->pool.max;
	if (job->concurrency < 1)
		job->concurrency = 1;
	job->bulk = kind == TENANT_JOB_MIGRATE;

	if (!job->cfg->present) {
		tenant_job_fail(job, "database %s has no tenants section in its profile",
				db->cfg->label);
		return job;
	}
	if (kind != TENANT_JOB_LIST && db->cfg->read_only) {
		tenant_job_fail(job, "the profile is read-only: tenants are not changed from it");
		return job;
	}
	for (i = 0; i < job->n_ids; i++) {
		char *why = tenant_id_problem(job->cfg, job->ids[i]);

		if (why != NULL) {
			tenant_job_fail(job, "%s", why);
			free(why);
			return job;
		}
	}
	if ((kind == TENANT_JOB_ARCHIVE || kind == TENANT_JOB_DROP) && !opts->confirmed) {
		tenant_job_fail(job,
				"deprovisioning needs the tenant id typed back (--confirm ID)");
		return job;
	}
	if ((kind == TENANT_JOB_PROVISION || kind == TENANT_JOB_ARCHIVE ||
	     kind == TENANT_JOB_DROP || kind == TENANT_JOB_RESTORE) &&
	    job->n_ids == 0) {
		tenant_job_fail(job, "no tenant id given");
		return job;
	}
	if (kind == TENANT_JOB_PROVISION && !tenant_provision_check(job))
		return job;
	if (kind == TENANT_JOB_LIST)
		tenant_list_read(job);
	else
		ensure_tables(job);
	return job;
}

void
tenant_job_cancel(struct tenant_job *job)
{
	if (job->phase == TJ_DONE)
		return;
	job->stop = true;
	job->prog.cancelled = true;
	if (job->req != NULL) {
		/* its own query still waits for a connection: withdraw it, and
		 * end now (nothing has started) rather than when the pool gives up */
		pool_request_cancel(job->pool, &job->req);
		job->outstanding--;
		job->cancelled_before = "cancelled while waiting for a connection";
		tenant_maybe_finish(job);
		return;
	}
	/* what waits to try a new connection gives up now, not after its delay */
	tenant_fanout_cancel(job);
	tenant_bulk_cancel(job);
	tenant_notify(job);
	if (job->phase == TJ_RUN)
		tenant_schedule(job);
}

static void
job_really_free(struct tenant_job *job)
{
	size_t i;

	loop_timer_cancel(job->loop, &job->kick);
	while (job->workers != NULL) {
		struct tenant_worker *w = job->workers;

		job->workers = w->next;
		pool_request_cancel(job->pool, &w->req);
		if (w->conn != NULL) {
			conn_abandon(w->conn);
			pool_discard(job->pool, w->conn);
		}
		worker_free(w);
	}
	for (i = 0; i < job->n_results; i++) {
		free(job->results[i].id);
		free(job->results[i].error);
	}
	free(job->results);
	strvec_free(&job->ids, &job->n_ids);
	free(job->sorted_ids);
	free(job->filter);
	free(job->error);
	free(job->res_list);
	free(job->slow);
	free(job->bulk_error);
	tenant_list_read_free(job);
	tenant_list_free(&job->list);
	free(job);
}

void
tenant_job_free(struct tenant_job **jp)
{
	struct tenant_job *job = *jp;

	if (job == NULL)
		return;
	*jp = NULL;
	job->changed = NULL;
	job->done = NULL;
	if (job->phase != TJ_DONE) {
		/* queries and workers still refer to the job: stop it, and let it
		 * free itself when the last of them is done */
		job->freed = true;
		tenant_job_cancel(job);
		return;
	}
	job_really_free(job);
}

const struct tenant_progress *
tenant_job_progress(const struct tenant_job *job)
{
	return &job->prog;
}

const struct tenant_result *
tenant_job_results(const struct tenant_job *job, size_t *n)
{
	*n = job->n_results;
	return job->results;
}

const char *
tenant_job_error(const struct tenant_job *job)
{
	return job->error;
}

const char *
tenant_job_cancelled_before(const struct tenant_job *job)
{
	return job->n_results == 0 ? job->cancelled_before : NULL;
}

struct tenant_list *
tenant_job_list(struct tenant_job *job)
{
	return job->have_list ? &job->list : NULL;
}

enum tenant_job_kind
tenant_job_kind(const struct tenant_job *job)
{
	return job->kind;
}
