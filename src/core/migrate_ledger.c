/*
 * migrate_ledger: pgdbm's ledger and the console's events as SQL, and
 * their rows read (see include/migrate.h).
 *
 * The ledger's DDL is pgdbm's own text, its names unquoted as pgdbm writes
 * them (a schema that holds a ledger passed the stricter ledger rule, so
 * the unquoted name is the same). Everything else names the ledger quoted
 * through ident_quote and passes values as parameters.
 *
 * Reading a ledger back: after a connection broke while a COMMIT was in
 * flight only the database knows whether it committed, so mig_verify asks
 * over another connection of the pool whether the ledger holds the file,
 * and tries again with a growing delay while no connection can be had (a
 * server restarting).
 */
#include "config.h"

#include "migrate.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "ident.h"
#include "loop.h"
#include "manager.h"
#include "migrate_int.h"
#include "pool.h"
#include "strbuf.h"
#include "units.h"
#include "xalloc.h"

/* Reading a ledger back after a lost connection: tries, first delay (doubled each time). */
#define VERIFY_TRIES	  6
#define VERIFY_BACKOFF_MS 250

/* ------------------------------------------------------------------------
 * DDL
 * ------------------------------------------------------------------------ */

char *
migrate_ledger_ddl(const char *schema, const char *table, bool create_schema)
{
	struct strbuf sb = STRBUF_INIT;

	/* pgdbm's text, names unquoted as pgdbm writes them; the schema, when
	 * asked for, first (quoted: it passed the ledger rule, so it is the same) */
	if (create_schema) {
		char *q = ident_quote(schema);

		strbuf_addf(&sb, "CREATE SCHEMA IF NOT EXISTS %s;\n", q);
		free(q);
	}
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
 * A run's writes and the events
 * ------------------------------------------------------------------------ */

char *
mig_sql_write(enum mig_write w, const char *ledger)
{
	switch (w) {
	case MIG_WRITE_APPLY:
		return xasprintf("WITH l AS (INSERT INTO %s (filename, checksum, module_name, "
				 "execution_time_ms) VALUES ($1, $2, $3, $4) RETURNING id)\n"
				 "INSERT INTO pgdbm_console.events (action, module, schema_name, "
				 "filename, new_checksum, duration_ms, tool)\n"
				 "SELECT 'apply', $3, $5, $1, $2, $4::int, $6 FROM l",
				 ledger);
	case MIG_WRITE_ROLLBACK:
		return xasprintf("WITH d AS (DELETE FROM %s WHERE id = $1 AND module_name = $2 "
				 "RETURNING checksum)\n"
				 "INSERT INTO pgdbm_console.events (action, module, schema_name, "
				 "filename, old_checksum, duration_ms, tool)\n"
				 "SELECT 'rollback', $2, $3, $4, checksum, $5::int, $6 FROM d",
				 ledger);
	case MIG_WRITE_REPAIR:
		return xasprintf("WITH u AS (UPDATE %s n SET checksum = $2 FROM %s o\n"
				 "  WHERE n.id = $1 AND o.id = n.id RETURNING o.checksum AS old)\n"
				 "INSERT INTO pgdbm_console.events (action, module, schema_name, "
				 "filename, old_checksum, new_checksum, tool)\n"
				 "SELECT 'repair', $3, $4, $5, old, $2, $6 FROM u",
				 ledger, ledger);
	}
	return NULL;
}

const char mig_sql_begin_event[] = "INSERT INTO pgdbm_console.events (action, module, schema_name, "
				   "filename, tool) VALUES ('begin', $1, $2, $3, $4)";

const char mig_sql_fail_event[] =
	"INSERT INTO pgdbm_console.events (action, module, schema_name, filename, "
	"duration_ms, error, tool) VALUES ('fail', $1, $2, $3, $4, $5, $6)";

const char mig_sql_read_events[] =
	"SELECT DISTINCT ON (filename) filename, action, coalesce(error, ''), at::text\n"
	"FROM pgdbm_console.events\n"
	"WHERE module = $1 AND schema_name = $2\n"
	"  AND action IN ('apply', 'fail', 'begin', 'rollback')\n"
	"ORDER BY filename, id DESC";

/* ------------------------------------------------------------------------
 * Reading the ledger, the failures and the lock holder
 * ------------------------------------------------------------------------ */

char *
mig_ledger_name(const char *schema, const char *table)
{
	char *s = ident_quote(schema), *t = ident_quote(table);
	char *name = xasprintf("%s.%s", s, t);

	free(s);
	free(t);
	return name;
}

char *
mig_ledger_select(const char *schema, const char *table, bool by_module)
{
	char *ledger = mig_ledger_name(schema, table);
	char *sql = xasprintf(
		"SELECT id, filename, checksum, module_name IS NULL, applied_at::text,\n"
		"  coalesce(applied_by, ''), coalesce(execution_time_ms, -1)\n"
		"FROM %s%s ORDER BY id",
		ledger, by_module ? " WHERE module_name = $1 OR module_name IS NULL" : "");

	free(ledger);
	return sql;
}

struct mig_row *
mig_ledger_rows(const PGresult *res, size_t *n)
{
	int i, rows_n = PQntuples(res);
	struct mig_row *rows = xcalloc((size_t)rows_n + 1, sizeof *rows);

	for (i = 0; i < rows_n; i++) {
		rows[i].id = atoll(PQgetvalue(res, i, 0));
		rows[i].filename = xstrdup(PQgetvalue(res, i, 1));
		rows[i].checksum = xstrdup(PQgetvalue(res, i, 2));
		rows[i].null_module = PQgetvalue(res, i, 3)[0] == 't';
		rows[i].applied_at = xstrdup(PQgetvalue(res, i, 4));
		rows[i].applied_by = xstrdup(PQgetvalue(res, i, 5));
		rows[i].exec_ms = atoi(PQgetvalue(res, i, 6));
	}
	*n = (size_t)rows_n;
	return rows;
}

struct mig_failure *
mig_failures_read(const PGresult *res, size_t *n)
{
	int i, rows_n = PQntuples(res);
	struct mig_failure *f = xcalloc((size_t)rows_n + 1, sizeof *f);
	size_t k = 0;

	for (i = 0; i < rows_n; i++) {
		const char *action = PQgetvalue(res, i, 1);

		if (strcmp(action, "fail") != 0 && strcmp(action, "begin") != 0)
			continue;
		f[k].filename = xstrdup(PQgetvalue(res, i, 0));
		f[k].action = xstrdup(action);
		f[k].error = xstrdup(PQgetvalue(res, i, 2));
		f[k].at = xstrdup(PQgetvalue(res, i, 3));
		k++;
	}
	*n = k;
	return f;
}

const char mig_sql_holder[] =
	"SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''),\n"
	"  (extract(epoch FROM now() - a.backend_start) * 1000)::bigint,\n"
	"  coalesce(left(regexp_replace(a.query, '\\s+', ' ', 'g'), 80), '')\n"
	"FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid\n"
	"WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1\n"
	"  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())\n"
	"  AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint\n"
	"  AND a.pid <> pg_backend_pid()";

char *
mig_holder_text(const PGresult *res)
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
	const char *state = mig_reply_sqlstate(reply);
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
	char *ledger = mig_ledger_name(mgr->schema, mgr->table);

	v->pool = mgr->pool;
	v->loop = pool_loop(mgr->pool);
	v->sql = xasprintf("SELECT count(*) FROM %s WHERE filename = $1 AND module_name = $2\n"
			   "  AND ($3::text IS NULL OR checksum = $3)",
			   ledger);
	free(ledger);
	v->filename = xstrdup(filename);
	v->module = xstrdup(mgr->module);
	v->checksum = mig_dup(checksum);
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
