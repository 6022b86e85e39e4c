/*
 * tenant_admin: archiving, dropping and restoring tenants.
 *
 * An archived tenant's schema is renamed from <prefix>ID to
 * <archive_prefix>ID; restoring renames it back; dropping drops the live
 * schema with everything in it. The job first checks, in one query, that
 * each tenant exists in the form the change needs (live to archive or
 * drop, archived and not live to restore, no archived copy in the way of an
 * archive). Each tenant then changes in one transaction on one connection:
 *   BEGIN
 *   pg_try_advisory_xact_lock(<the tenant's migration lock key>)
 *   ALTER SCHEMA ... RENAME TO ... | DROP SCHEMA ... CASCADE
 *   the registry row (updated or deleted) and the event (one statement)
 *   COMMIT
 * The lock is pgdbm's migration lock of the tenant, held for the
 * transaction, so a tenant that is migrating is never renamed or dropped
 * under its migration: a busy lock fails the tenant ("is migrating now")
 * without waiting. Any failure rolls the whole change back.
 *
 * Vocabulary: a worker's `step` is the round trip in flight: 30 BEGIN, 31
 * the lock, 32 the change, 33 the registry and event, 34 COMMIT, 39
 * ROLLBACK after a failure (its message waiting in the worker's `body`).
 */
#include "config.h"

#include "tenant.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "ident.h"
#include "pool.h"
#include "strbuf.h"
#include "tenant_int.h"
#include "xalloc.h"

/* Archive, drop, restore: the one tenant must exist in the right form. */
void
tenant_admin_existing(struct tenant_job *job, const PGresult *r)
{
	size_t i;

	for (i = 0; i < job->n_ids; i++)
		tenant_add_result(job, job->ids[i]);
	job->prog.total = job->n_results;
	for (i = 0; i < job->n_results; i++) {
		char *schema = tenant_schema(job->cfg, job->results[i].id);
		char *archived = xasprintf("%s%s", job->cfg->archive_prefix, job->results[i].id);
		bool live = false, arch = false;
		int k;

		for (k = 0; k < PQntuples(r); k++) {
			live = live || strcmp(PQgetvalue(r, k, 0), schema) == 0;
			arch = arch || strcmp(PQgetvalue(r, k, 0), archived) == 0;
		}
		if (job->kind == TENANT_JOB_RESTORE && !arch)
			tenant_result_end(job, i, TENANT_FAILED, "no archived tenant with this id",
					  0);
		else if (job->kind == TENANT_JOB_RESTORE && live)
			tenant_result_end(job, i, TENANT_FAILED,
					  "a live tenant with this id exists already", 0);
		else if (job->kind != TENANT_JOB_RESTORE && !live)
			tenant_result_end(job, i, TENANT_FAILED, "no such tenant", 0);
		else if (job->kind == TENANT_JOB_ARCHIVE && arch)
			tenant_result_end(job, i, TENANT_FAILED,
					  "an archived copy exists already; drop it first", 0);
		free(schema);
		free(archived);
	}
}

static void admin_reply(struct conn *c, struct conn_reply *reply, void *arg);

static void
admin_connected(struct tenant_worker *w)
{
	/* one transaction: the tenant's migration lock (transaction-scoped, so a
	 * running migration is never renamed or dropped under it), the change,
	 * the registry row and the event */
	w->step = 30;
	conn_send(w->conn, "BEGIN", -1, NULL, admin_reply, w);
}

static void
admin_reply(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct tenant_worker *w = arg;
	struct tenant_job *job = w->job;
	const char *id = job->results[w->index].id;
	bool failed = reply->conn_error != NULL || reply->error != NULL;

	if (failed) {
		char *e = tenant_error_text(reply);

		if (reply->conn_error == NULL && conn_in_transaction(c)) {
			free(w->body);
			w->body = e;
			w->step = 39;
			conn_send(c, "ROLLBACK", -1, NULL, admin_reply, w);
			return;
		}
		if (w->step == 39) {
			char *msg = w->body;

			w->body = NULL;
			tenant_worker_done(w, TENANT_FAILED, msg);
			free(msg);
			free(e);
			return;
		}
		tenant_worker_done(w, TENANT_FAILED, e);
		free(e);
		return;
	}
	switch (w->step) {
	case 30: { /* BEGIN done: take the tenant's migration lock for the transaction */
		char *key = xasprintf("pgdbm_migration_%s", w->schema);
		const char *params[1] = { key };

		w->step = 31;
		conn_send(c, "SELECT pg_try_advisory_xact_lock(hashtext($1))", 1, params,
			  admin_reply, w);
		free(key);
		return;
	}
	case 31: { /* lock answer */
		char *archived = xasprintf("%s%s", job->cfg->archive_prefix, id);
		char *live_q, *archived_q;
		struct strbuf sql = STRBUF_INIT;

		if (PQgetvalue(reply->results[reply->n - 1], 0, 0)[0] != 't') {
			free(archived);
			free(w->body);
			w->body = xasprintf("%s is migrating now (its migration lock is held); try "
					    "again when it is done",
					    w->schema);
			w->step = 39;
			conn_send(c, "ROLLBACK", -1, NULL, admin_reply, w);
			return;
		}
		live_q = ident_quote(w->schema);
		archived_q = ident_quote(archived);
		if (job->kind == TENANT_JOB_ARCHIVE)
			strbuf_addf(&sql, "ALTER SCHEMA %s RENAME TO %s", live_q, archived_q);
		else if (job->kind == TENANT_JOB_DROP)
			strbuf_addf(&sql, "DROP SCHEMA %s CASCADE", live_q);
		else
			strbuf_addf(&sql, "ALTER SCHEMA %s RENAME TO %s", archived_q, live_q);
		free(live_q);
		free(archived_q);
		free(archived);
		w->step = 32;
		conn_send(c, strbuf_str(&sql), -1, NULL, admin_reply, w);
		strbuf_free(&sql);
		return;
	}
	case 32: { /* the change is made: registry and event, then commit */
		const char *action = job->kind == TENANT_JOB_ARCHIVE ? "archive"
				     : job->kind == TENANT_JOB_DROP  ? "drop"
								     : "restore";
		const char *params[4] = { w->schema, id, action, TENANT_TOOL_NAME };
		struct strbuf sql = STRBUF_INIT;

		if (job->cfg->registry != NULL) {
			char *reg = tenant_registry_quoted(job->cfg);

			if (job->kind == TENANT_JOB_DROP)
				strbuf_addf(&sql,
					    "WITH r AS (DELETE FROM %s WHERE id = $2 RETURNING 1)",
					    reg);
			else
				strbuf_addf(
					&sql,
					"WITH r AS (UPDATE %s SET status = %s, archived_at = %s "
					"WHERE id = $2 RETURNING 1)",
					reg,
					job->kind == TENANT_JOB_ARCHIVE ? "'archived'" : "'active'",
					job->kind == TENANT_JOB_ARCHIVE ? "now()" : "NULL");
			free(reg);
		} else {
			strbuf_adds(&sql, "WITH r AS (SELECT $2::text)");
		}
		strbuf_adds(&sql,
			    "\nINSERT INTO pgdbm_console.events (action, module, schema_name, "
			    "tool) SELECT $3, $1, $1, $4");
		w->step = 33;
		conn_send(c, strbuf_str(&sql), 4, params, admin_reply, w);
		strbuf_free(&sql);
		return;
	}
	case 33:
		w->step = 34;
		conn_send(c, "COMMIT", -1, NULL, admin_reply, w);
		return;
	case 34:
		tenant_worker_done(w, TENANT_OK, NULL);
		return;
	case 39: {
		char *msg = w->body;

		w->body = NULL;
		tenant_worker_done(w, TENANT_FAILED, msg);
		free(msg);
		return;
	}
	default:
		return;
	}
}

void
tenant_admin_start(struct tenant_worker *w)
{
	tenant_worker_acquire(w, admin_connected);
}
