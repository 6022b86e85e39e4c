/*
 * tenant_provision: provisioning tenants, each all or nothing.
 *
 * Before any SQL, a PROVISION job checks that every tenant migration can
 * run in a transaction (a file with pgdbm's no-transaction marker sends it
 * down the step-by-step path instead), then, in one query, that none of
 * its schemas exists, live or archived. Provisioning one tenant is then one
 * transaction on one connection:
 *   BEGIN; CREATE SCHEMA; the ledger; each rendered migration followed by
 *   a timestamp mark                       (one script, one round trip)
 *   ledger rows + registry row + event     (one statement, parameters)
 *   COMMIT
 * so a failure anywhere leaves no schema and no row. The marks say how long
 * each migration took (its ledger row's execution_time_ms) and, on failure,
 * which file failed; the error's position then gives the line in it.
 *
 * The step-by-step path: the schema is created, the migrate engine applies
 * the folder, then the registry row is written; on failure the schema is
 * dropped.
 *
 * Vocabulary: a worker's `step` is the round trip in flight: 1 the script,
 * 2 the rows, 3 COMMIT, 8 ROLLBACK after a failure (its message waiting in
 * the worker's `body`); on the step-by-step path 20 the registry row after
 * success and 21 the DROP SCHEMA after a failure.
 */
#include "config.h"

#include "tenant.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "ident.h"
#include "loop.h"
#include "manager.h"
#include "migfile.h"
#include "migrate.h"
#include "pool.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "tenant_int.h"
#include "xalloc.h"

static void prov_reply(struct conn *c, struct conn_reply *reply, void *arg);

/* ---- before any tenant ---- */

bool
tenant_provision_check(struct tenant_job *job)
{
	const struct migfile_set *files = job->files;
	size_t i;

	for (i = 0; files != NULL && i < files->n; i++) {
		struct sqlsplit_problem prob;

		if (files->v[i].no_transaction) {
			job->no_tx = true;
			continue;
		}
		/* refuse before any SQL what cannot run in the transaction */
		if (sqlsplit_scan_tx(files->v[i].up.text, 0, &prob)) {
			tenant_job_fail(job, "%s:%d: %s", files->v[i].up.path, prob.line,
					prob.reason);
			sqlsplit_problem_free(&prob);
			return false;
		}
	}
	return true;
}

/* Which tenants can be provisioned: none of their schemas may exist. */
void
tenant_provision_existing(struct tenant_job *job, const PGresult *r)
{
	size_t i;
	int k;

	for (i = 0; i < job->n_ids; i++) {
		char *schema = tenant_schema(job->cfg, job->ids[i]);
		char *archived = xasprintf("%s%s", job->cfg->archive_prefix, job->ids[i]);

		tenant_add_result(job, job->ids[i]);
		for (k = 0; k < PQntuples(r); k++) {
			const char *n = PQgetvalue(r, k, 0);

			if (strcmp(n, schema) == 0)
				tenant_result_end(job, job->n_results - 1, TENANT_FAILED,
						  "already exists (schema found)", 0);
			else if (strcmp(n, archived) == 0)
				tenant_result_end(
					job, job->n_results - 1, TENANT_FAILED,
					"an archived tenant with this id exists; restore or drop "
					"it first",
					0);
		}
		free(schema);
		free(archived);
	}
	/* the same id twice */
	for (i = 1; i < job->n_results; i++) {
		size_t j;

		for (j = 0; j < i; j++) {
			if (job->results[i].state == TENANT_WAITING &&
			    strcmp(job->results[i].id, job->results[j].id) == 0)
				tenant_result_end(job, i, TENANT_SKIPPED, "given twice", 0);
		}
	}
	job->prog.total = job->n_results;
}

/* ---- one tenant in one transaction ---- */

static void
prov_send(struct tenant_worker *w, const char *sql, int n, const char *const *params)
{
	if (!conn_send(w->conn, sql, n, params, prov_reply, w)) {
		struct conn_reply reply;

		memset(&reply, 0, sizeof reply);
		reply.conn_error = "the connection is not ready";
		prov_reply(w->conn, &reply, w);
	}
}

#define MARK "pgdbm_console_mark"

/* Characters (UTF-8 code points) in s. */
static long
utf8_chars(const char *s)
{
	long n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/*
 * The whole tenant in one script: schema, ledger, then each migration
 * followed by a timestamp mark (so the reply says how long each took and,
 * on failure, how many finished). Returns NULL, or a rendering error.
 */
static char *
prov_build(struct tenant_worker *w)
{
	const struct migfile_set *files = w->job->files;
	struct strbuf sb = STRBUF_INIT;
	char *ddl = migrate_ledger_ddl(w->schema, w->job->cfg->table, false);
	char *quoted = ident_quote(w->schema);
	size_t i;

	strbuf_addf(&sb, "BEGIN;\nCREATE SCHEMA %s;\n%sSELECT clock_timestamp() AS %s;\n", quoted,
		    ddl, MARK);
	free(quoted);
	free(ddl);
	w->offsets = xcalloc(files->n + 1, sizeof *w->offsets);
	for (i = 0; i < files->n; i++) {
		char *out = NULL, *err;
		int line = 0;

		err = manager_render(w->mgr, files->v[i].up.text, &out, &line);
		if (err != NULL) {
			char *msg = xasprintf("%s:%d: %s", files->v[i].up.path, line, err);

			free(err);
			strbuf_free(&sb);
			return msg;
		}
		w->offsets[i] = utf8_chars(strbuf_str(&sb));
		strbuf_adds(&sb, out);
		strbuf_addf(&sb, "\n;\nSELECT clock_timestamp() AS %s;\n", MARK);
		free(out);
	}
	w->offsets[files->n] = utf8_chars(strbuf_str(&sb));
	w->body = strbuf_detach(&sb);
	return NULL;
}

/*
 * Where an error happened: the file (by the marks seen before it) and its
 * line, as migrate_error_line() finds it: by the server's position in the
 * file as rendered into the script (rendering keeps the file's lines), or,
 * without one, by the statements of the file that answered before the
 * error (the file rendered again to split it; it is not run again).
 */
static char *
prov_where(struct tenant_worker *w, const struct conn_reply *reply, const char *e)
{
	const struct migfile_set *files = w->job->files;
	int marks = 0, i, before = 0, line = 0;
	char *rendered = NULL, *err;
	size_t f;

	for (i = 0; i < reply->n; i++) {
		if (PQresultStatus(reply->results[i]) == PGRES_TUPLES_OK &&
		    PQnfields(reply->results[i]) == 1 &&
		    strcmp(PQfname(reply->results[i], 0), MARK) == 0) {
			marks++;
			before = i + 1; /* the answers before the file's first statement */
		}
	}
	if (marks == 0 || (size_t)marks > files->n)
		return xasprintf("%s: %s", w->schema, e);
	f = (size_t)marks - 1;
	err = manager_render(w->mgr, files->v[f].up.text, &rendered, NULL);
	if (err == NULL)
		line = migrate_error_line(reply, w->body, (size_t)w->offsets[f], before, rendered);
	free(err);
	free(rendered);
	if (line > 0)
		return xasprintf("%s:%d: %s", files->v[f].up.path, line, e);
	return xasprintf("%s: %s", files->v[f].up.path, e);
}

/* Each migration's time, from the marks around it. */
static void
prov_times(struct tenant_worker *w, const struct conn_reply *reply)
{
	int i, k = 0;
	double prev = 0.0;

	for (i = 0; i < reply->n; i++) {
		const PGresult *r = reply->results[i];
		int y, mo, d, h, mi;
		double sec, t;

		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQnfields(r) != 1 ||
		    strcmp(PQfname(r, 0), MARK) != 0)
			continue;
		/* "2026-11-26 21:13:37.123456+00" */
		if (sscanf(PQgetvalue(r, 0, 0), "%d-%d-%d %d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) !=
		    6)
			continue;
		t = ((double)d * 24 + h) * 3600.0 + mi * 60.0 + sec;
		if (k > 0 && (size_t)(k - 1) < w->job->files->n) {
			int ms = (int)((t - prev) * 1000.0);

			w->exec_ms[k - 1] = ms < 1 ? 1 : ms;
		}
		prev = t;
		k++;
	}
}

static void
prov_record(struct tenant_worker *w)
{
	/* every ledger row, the registry row and the event in one statement */
	struct tenant_job *job = w->job;
	const struct migfile_set *files = job->files;
	struct strbuf names = STRBUF_INIT, sums = STRBUF_INIT, ms = STRBUF_INIT, sql = STRBUF_INIT;
	char total[24];
	const char *params[7];
	size_t i;

	tenant_files_arrays(files, &names, &sums);
	strbuf_addc(&ms, '{');
	for (i = 0; i < files->n; i++)
		strbuf_addf(&ms, "%s%d", i ? "," : "", w->exec_ms[i] > 0 ? w->exec_ms[i] : 1);
	strbuf_addc(&ms, '}');
	snprintf(total, sizeof total, "%lld",
		 (long long)((loop_clock_us() - w->started_us) / 1000));
	params[0] = w->schema;
	params[1] = strbuf_str(&names);
	params[2] = strbuf_str(&sums);
	params[3] = strbuf_str(&ms);
	params[4] = job->results[w->index].id;
	params[5] = total;
	params[6] = TENANT_TOOL_NAME;
	strbuf_addf(&sql,
		    "WITH l AS (INSERT INTO %s.%s (filename, checksum, module_name, "
		    "execution_time_ms)\n"
		    "  SELECT f, c, $1, e FROM unnest($2::text[], $3::text[], $4::int[]) AS "
		    "u(f, c, e) RETURNING 1)",
		    w->schema, job->cfg->table);
	if (job->cfg->registry != NULL) {
		char *reg = tenant_registry_quoted(job->cfg);

		strbuf_addf(
			&sql,
			",\nr AS (INSERT INTO %s (id, schema_name) VALUES ($5, $1) RETURNING 1)",
			reg);
		free(reg);
	} else
		strbuf_adds(&sql, ",\nr AS (SELECT $5::text)");
	strbuf_adds(&sql,
		    "\nINSERT INTO pgdbm_console.events (action, module, schema_name, "
		    "duration_ms, tool)\n"
		    "SELECT 'provision', $1, $1, $6::int, $7 WHERE (SELECT count(*) FROM l) >= 0 "
		    "AND (SELECT count(*) FROM r) >= 0");
	w->step = 2;
	prov_send(w, strbuf_str(&sql), 7, params);
	strbuf_free(&names);
	strbuf_free(&sums);
	strbuf_free(&ms);
	strbuf_free(&sql);
}

static void
prov_reply(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct tenant_worker *w = arg;
	bool failed = reply->conn_error != NULL || reply->error != NULL;

	(void)c;
	switch (w->step) {
	case 1: /* the whole script: schema, ledger, migrations */
		if (failed)
			break;
		prov_times(w, reply);
		prov_record(w);
		return;
	case 2: /* ledger rows, registry, event */
		if (failed)
			break;
		w->step = 3;
		prov_send(w, "COMMIT", -1, NULL);
		return;
	case 3: /* COMMIT */
		if (failed)
			break;
		w->job->results[w->index].applied = (int)w->job->files->n;
		tenant_worker_done(w, TENANT_OK, NULL);
		return;
	case 8: { /* ROLLBACK after a failure: the error is in body */
		char *msg = w->body;

		w->body = NULL;
		tenant_worker_done(w, TENANT_FAILED, msg);
		free(msg);
		return;
	}
	}
	/* a failure: say where, roll everything back */
	{
		char *e = tenant_error_text(reply);
		char *msg = w->step == 1 ? prov_where(w, reply, e) : xstrdup(e);

		free(e);
		free(w->body);
		w->body = msg;
		if (reply->conn_error != NULL || conn_state(w->conn) != CONN_READY) {
			w->body = NULL;
			tenant_worker_done(w, TENANT_FAILED, msg);
			free(msg);
			return;
		}
		w->step = 8;
		prov_send(w, "ROLLBACK", -1, NULL);
	}
}

static void
prov_connected(struct tenant_worker *w)
{
	char *err;

	w->exec_ms = xcalloc(w->job->files->n + 1, sizeof *w->exec_ms);
	err = prov_build(w);
	if (err != NULL) {
		tenant_worker_done(w, TENANT_FAILED, err);
		free(err);
		return;
	}
	w->step = 1;
	prov_send(w, w->body, -1, NULL);
}

/* ---- the step-by-step path: schema, then the migrate engine, drop on failure ---- */

static void prov_step_created(struct pool *p, struct conn_reply *reply, void *arg);
static void prov_step_applied(struct mig_run *r, void *arg);
static void prov_step_finished(struct pool *p, struct conn_reply *reply, void *arg);

static void
prov_step_start(struct tenant_worker *w)
{
	char *quoted = ident_quote(w->schema);
	char *sql = xasprintf("CREATE SCHEMA %s", quoted);

	pool_query(w->job->pool, sql, 0, NULL, prov_step_created, w);
	free(sql);
	free(quoted);
}

static void
prov_step_created(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct tenant_worker *w = arg;
	struct mig_target t;
	struct mig_opts o;

	(void)p;
	if (reply->conn_error != NULL || reply->error != NULL) {
		char *e = tenant_error_text(reply);

		tenant_worker_done(w, TENANT_FAILED, e);
		free(e);
		return;
	}
	memset(&t, 0, sizeof t);
	t.label = w->schema;
	t.mgr = w->mgr;
	t.files = w->job->files;
	mig_opts_defaults(&o);
	o.lock_wait_ms = w->job->opts.lock_wait_ms;
	w->run = migrate_start(MIG_RUN_APPLY, &t, &o, NULL, prov_step_applied, w);
}

static void
prov_step_applied(struct mig_run *r, void *arg)
{
	struct tenant_worker *w = arg;
	struct tenant_job *job = w->job;
	char *sql;

	if (migrate_ok(r)) {
		const char *params[2] = { job->results[w->index].id, w->schema };

		w->step = 20;
		job->results[w->index].applied = (int)job->files->n;
		if (job->cfg->registry != NULL) {
			char *reg = tenant_registry_quoted(job->cfg);

			sql = xasprintf("INSERT INTO %s (id, schema_name) VALUES ($1, $2)", reg);
			pool_query(job->pool, sql, 2, params, prov_step_finished, w);
			free(sql);
			free(reg);
		} else {
			pool_query(job->pool, "SELECT 1 WHERE $1::text IS NOT NULL", 1, params,
				   prov_step_finished, w);
		}
		return;
	}
	{
		struct strbuf sb = STRBUF_INIT;

		mig_error_format(migrate_error(r), &sb);
		free(w->body);
		w->body = strbuf_detach(&sb);
	}
	w->step = 21;
	{
		char *quoted = ident_quote(w->schema);

		sql = xasprintf("DROP SCHEMA %s CASCADE", quoted);
		free(quoted);
	}
	pool_query(job->pool, sql, 0, NULL, prov_step_finished, w);
	free(sql);
}

static void
prov_step_finished(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct tenant_worker *w = arg;
	char *msg;

	(void)p;
	if (w->step == 20) {
		if (reply->conn_error != NULL || reply->error != NULL) {
			char *e = tenant_error_text(reply);

			msg = xasprintf("applied, but the registry row failed: %s", e);
			free(e);
			tenant_worker_done(w, TENANT_FAILED, msg);
			free(msg);
			return;
		}
		tenant_worker_done(w, TENANT_OK, NULL);
		return;
	}
	msg = w->body;
	w->body = NULL;
	if (reply->conn_error != NULL || reply->error != NULL) {
		char *e = tenant_error_text(reply);
		char *m2 = xasprintf("%s; and dropping the schema failed: %s", msg, e);

		free(e);
		free(msg);
		msg = m2;
	}
	tenant_worker_done(w, TENANT_FAILED, msg);
	free(msg);
}

/* ---- one tenant, either way ---- */

void
tenant_provision_start(struct tenant_worker *w)
{
	if (w->job->no_tx)
		prov_step_start(w);
	else
		tenant_worker_acquire(w, prov_connected);
}
