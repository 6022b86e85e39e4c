/*
 * advisor: the asynchronous run that gathers a database's evidence and
 * judges it. See include/advisor.h; the evidence is built in
 * advisor_evidence.c and judged in advisor_rules.c (include/advisor_int.h
 * lists the files of the rules).
 *
 * One connection is borrowed from the database's pool for the whole run
 * and given back at the end. Every phase sends one simple-protocol script
 * (one round trip), each a read-only transaction with its own
 * statement_timeout and lock_timeout:
 *
 *   IDLE ─start─► ACQUIRE ─► CATALOG ─► LEDGERS × chunks ─► SAMPLING × n ─► DONE
 *                    │          │              │ (a chunk that fails       │
 *                    └──────────┴──► FAILED    │  is a note, not a stop)   │
 *                                              ▼                           │
 *                                       (no ledgers: skip)   broken after 2 samples:
 *                                                             DONE with a note
 *
 *  - CATALOG: the server's limits, and every schema that holds a table with
 *    pgdbm's ledger columns under one of the profile's ledger names, plus
 *    every schema with the tenants prefix (with or without a ledger);
 *  - LEDGERS: statements built from that catalog answer, a UNION ALL over
 *    up to ledgers_per_query ledgers each: a summary per service ledger
 *    (rows, modules, last applied), and for tenants, the tenant schemas
 *    grouped server-side by the exact list of files their ledgers hold, so
 *    that 100,000 identical tenants come back as one row;
 *  - SAMPLING: a timer every sample_ms sends pg_stat_activity (this
 *    database's client backends) with the server clock, the database's
 *    pg_stat_database.sessions counter (PostgreSQL 14+) and the server's
 *    backend count; a tick that finds the previous sample still in flight
 *    is skipped. The window ends with the first answer at or after
 *    window_ms.
 *
 * advance() is the one transition function: it is called with the answer
 * of the phase that just ran (or, in ACQUIRE, when the connection came),
 * adds what the answer says to the evidence and starts the next step. The
 * sampling timer only sends the next sample of the same phase.
 *
 * Invariants: at most one query is in flight; the connection is held from
 * ACQUIRE to DONE/FAILED and released exactly once; nothing blocks.
 */
#include "config.h"

#include "advisor.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "database.h"
#include "loop.h"
#include "msglog.h"
#include "pool.h"
#include "strbuf.h"
#include "units.h"
#include "xalloc.h"

#define MAX_OWN_PIDS	 1024
#define LOCK_TIMEOUT	 "200ms"
#define SAMPLE_TIMEOUT	 "2s"
#define R_FIRST		 3 /* BEGIN, SET, SET, then the first SELECT */
#define R_SAMPLE_HEADER	 2 /* BEGIN, SET, then the header */
#define R_SAMPLE_ROWS	 3
#define PERMILLE_CATALOG 50
#define PERMILLE_LEDGERS 150

enum phase {
	P_IDLE,
	P_ACQUIRE,
	P_CATALOG,
	P_LEDGERS,
	P_SAMPLING,
	P_DONE,
	P_FAILED,
};

enum chunk_kind {
	CHUNK_SUMMARY, /* service ledgers: one row each */
	CHUNK_TENANTS, /* tenant schemas grouped by file list */
};

struct chunk {
	enum chunk_kind kind;
	char *sql;
	size_t n; /* ledgers or schemas in it */
};

struct advisor {
	struct loop *loop;
	struct database *db;
	const struct profile *profile;
	struct adv_opts opts;
	struct msglog *log;

	enum phase phase;
	struct conn *conn;
	struct pool_request *request;
	bool in_flight;

	struct adv_evidence ev;
	struct adv_report report;
	bool have_report;
	char *error;
	char phase_text[160];

	struct chunk *chunks;
	size_t n_chunks, next_chunk;

	char *sample_script;
	struct loop_timer *timer;
	int64_t sampling_started_ms;
	uint64_t skipped;

	void (*on_update)(struct advisor *a, void *arg);
	void *on_update_arg;
};

/* ------------------------------------------------------------------------
 * SQL text
 * ------------------------------------------------------------------------ */

/* s as an E'' literal (works whatever standard_conforming_strings says). */
static void
add_literal(struct strbuf *sb, const char *s)
{
	strbuf_adds(sb, "E'");
	for (; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			strbuf_addc(sb, *s);
		strbuf_addc(sb, *s);
	}
	strbuf_addc(sb, '\'');
}

static void
add_ident(struct strbuf *sb, const char *s)
{
	strbuf_addc(sb, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			strbuf_addc(sb, '"');
		strbuf_addc(sb, *s);
	}
	strbuf_addc(sb, '"');
}

/* BEGIN READ ONLY; SET LOCAL ...; <body>; COMMIT; (body's result is R_FIRST) */
static char *
wrap(const struct advisor *a, const char *body)
{
	return xasprintf("BEGIN READ ONLY;\n"
			 "SET LOCAL statement_timeout = '%lldms';\n"
			 "SET LOCAL lock_timeout = '" LOCK_TIMEOUT "';\n"
			 "%s;\n"
			 "COMMIT;\n",
			 (long long)a->opts.statement_ms, body);
}

static bool
name_in(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			return true;
	}
	return false;
}

static char *
catalog_script(const struct advisor *a)
{
	const struct profile_database *pdb = a->db->cfg;
	const char *prefix = adv_tenant_prefix(pdb);
	struct strbuf sb = STRBUF_INIT;
	const char *tables[64];
	char *out;
	size_t n_tables = 0, i;

	tables[n_tables++] = "schema_migrations";
	for (i = 0; i < pdb->n_modules && n_tables < 63; i++) {
		if (pdb->modules[i].table != NULL &&
		    !name_in(tables, n_tables, pdb->modules[i].table))
			tables[n_tables++] = pdb->modules[i].table;
	}
	if (pdb->tenants.present && pdb->tenants.table != NULL &&
	    !name_in(tables, n_tables, pdb->tenants.table))
		tables[n_tables++] = pdb->tenants.table;

	strbuf_adds(&sb,
		    "SELECT current_setting('max_connections')::int,\n"
		    "  current_setting('superuser_reserved_connections')::int\n"
		    "    + coalesce(current_setting('reserved_connections', true), '0')::int,\n"
		    "  current_setting('server_version_num')::int,\n"
		    "  current_database(),\n"
		    "  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)\n"
		    "    OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER');\n"
		    "SELECT n.nspname::text, l.relname::text,\n"
		    "  has_schema_privilege(n.oid, 'USAGE')\n"
		    "    AND (l.oid IS NULL OR has_table_privilege(l.oid, 'SELECT'))\n"
		    "FROM pg_namespace n\n"
		    "LEFT JOIN LATERAL (\n"
		    "  SELECT c.oid, c.relname FROM pg_class c\n"
		    "  WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p')\n"
		    "    AND c.relname IN (");
	for (i = 0; i < n_tables; i++) {
		if (i > 0)
			strbuf_adds(&sb, ", ");
		add_literal(&sb, tables[i]);
	}
	strbuf_addf(&sb,
		    ")\n"
		    "    AND (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid\n"
		    "         AND a.attnum > 0 AND NOT a.attisdropped\n"
		    "         AND a.attname IN ('filename', 'checksum', 'module_name')) = 3\n"
		    ") l ON true\n"
		    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')\n"
		    "  AND n.nspname !~ '^pg_(toast|temp_)'\n"
		    "  AND (l.oid IS NOT NULL OR (length(n.nspname) > %zu AND left(n.nspname, "
		    "%zu) = ",
		    strlen(prefix), strlen(prefix));
	add_literal(&sb, prefix);
	strbuf_adds(&sb, "))\nORDER BY 1, 2");
	out = wrap(a, strbuf_str(&sb));
	strbuf_free(&sb);
	return out;
}

static char *
sample_script(int server_version)
{
	return xasprintf(
		"BEGIN READ ONLY;\n"
		"SET LOCAL statement_timeout = '" SAMPLE_TIMEOUT "';\n"
		"SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,\n"
		"  %s,\n"
		"  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int;\n"
		"SELECT pid, coalesce(application_name, ''),\n"
		"  CASE WHEN client_addr IS NOT NULL THEN host(client_addr)\n"
		"       WHEN client_port = -1 THEN 'local' ELSE '' END,\n"
		"  coalesce((extract(epoch FROM backend_start) * 1000000)::bigint, 0),\n"
		"  coalesce(state, ''),\n"
		"  coalesce((extract(epoch FROM state_change) * 1000000)::bigint, 0),\n"
		"  coalesce((extract(epoch FROM xact_start) * 1000000)::bigint, 0)\n"
		"FROM pg_stat_activity\n"
		"WHERE datname = current_database() AND backend_type = 'client backend';\n"
		"COMMIT;\n",
		server_version >= 140000
			? "(SELECT sessions FROM pg_stat_database WHERE datname = current_database())"
			: "NULL::bigint");
}

static void
add_chunk(struct advisor *a, enum chunk_kind kind, const char *body, size_t n)
{
	a->chunks = xreallocarray(a->chunks, a->n_chunks + 1, sizeof *a->chunks);
	a->chunks[a->n_chunks].kind = kind;
	a->chunks[a->n_chunks].sql = wrap(a, body);
	a->chunks[a->n_chunks].n = n;
	a->n_chunks++;
}

/* Service ledgers: "SELECT idx, rows, modules, last applied" per ledger. */
static void
build_summary_chunks(struct advisor *a)
{
	const struct adv_evidence *ev = &a->ev;
	struct strbuf sb = STRBUF_INIT;
	size_t i, in_chunk = 0;

	for (i = 0; i < ev->n_ledgers; i++) {
		const struct adv_ledger *l = &ev->ledgers[i];

		if (l->kind == ADV_SCHEMA_TENANT || !l->readable)
			continue;
		strbuf_adds(&sb, in_chunk ? "\nUNION ALL " : "");
		strbuf_addf(&sb,
			    "SELECT %zu, count(*)::bigint,\n"
			    "  coalesce(string_agg(DISTINCT coalesce(module_name::text, '(none)'), "
			    "',' ORDER BY coalesce(module_name::text, '(none)')), ''),\n"
			    "  coalesce(max(applied_at)::timestamp(0)::text, '') FROM ",
			    i);
		add_ident(&sb, l->schema);
		strbuf_addc(&sb, '.');
		add_ident(&sb, l->table);
		if (++in_chunk == a->opts.ledgers_per_query) {
			add_chunk(a, CHUNK_SUMMARY, strbuf_str(&sb), in_chunk);
			strbuf_reset(&sb);
			in_chunk = 0;
		}
	}
	if (in_chunk > 0)
		add_chunk(a, CHUNK_SUMMARY, strbuf_str(&sb), in_chunk);
	strbuf_free(&sb);
}

struct tenant_ref {
	const char *schema;
	const char *table; /* NULL: no ledger */
};

static void
tenant_chunk(struct advisor *a, const struct tenant_ref *t, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addf(&sb,
		    "SELECT coalesce(y.files, ''), y.noledger, count(*)::bigint,\n"
		    "  array_to_string((array_agg(y.s ORDER BY y.s))[1:%d], E'\\n')\n"
		    "FROM (SELECT v.s, v.noledger,\n"
		    "    string_agg(DISTINCT x.f, E'\\n' ORDER BY x.f) AS files\n"
		    "  FROM (VALUES ",
		    ADV_EXAMPLES);
	for (i = 0; i < n; i++) {
		strbuf_adds(&sb, i ? ", (" : "(");
		add_literal(&sb, t[i].schema);
		strbuf_adds(&sb, t[i].table == NULL ? ", true)" : ", false)");
	}
	strbuf_adds(&sb, ") v(s, noledger)\n"
			 "  LEFT JOIN (SELECT NULL::text AS s, NULL::text AS f WHERE false");
	for (i = 0; i < n; i++) {
		if (t[i].table == NULL)
			continue;
		strbuf_adds(&sb, "\n    UNION ALL SELECT ");
		add_literal(&sb, t[i].schema);
		strbuf_adds(&sb, ", filename::text FROM ");
		add_ident(&sb, t[i].schema);
		strbuf_addc(&sb, '.');
		add_ident(&sb, t[i].table);
	}
	strbuf_adds(&sb, ") x ON x.s = v.s\n"
			 "  GROUP BY v.s, v.noledger) y\n"
			 "GROUP BY y.files, y.noledger");
	add_chunk(a, CHUNK_TENANTS, strbuf_str(&sb), n);
	strbuf_free(&sb);
}

/* Tenant schemas (from the catalog answer r): grouped by file list. */
static void
build_tenant_chunks(struct advisor *a, const PGresult *r)
{
	struct tenant_ref *t = xcalloc((size_t)PQntuples(r) + 1, sizeof *t);
	size_t n = 0, unreadable = 0;
	int i;

	for (i = 0; i < PQntuples(r); i++) {
		const char *schema = PQgetvalue(r, i, 0);

		if (adv_schema_kind(a->db->cfg, schema, NULL) != ADV_SCHEMA_TENANT)
			continue;
		if (PQgetvalue(r, i, 2)[0] != 't') {
			unreadable++;
			continue;
		}
		t[n].schema = schema;
		t[n].table = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1);
		if (++n == a->opts.ledgers_per_query) {
			tenant_chunk(a, t, n);
			n = 0;
		}
	}
	if (n > 0)
		tenant_chunk(a, t, n);
	if (unreadable > 0)
		adv_evidence_note(&a->ev,
				  "%zu tenant ledger%s not readable by this role: left out of the "
				  "comparison",
				  unreadable, unreadable == 1 ? " is" : "s are");
	free(t);
}

/* ------------------------------------------------------------------------
 * Phases
 * ------------------------------------------------------------------------ */

static void
notify(struct advisor *a)
{
	if (a->on_update != NULL)
		a->on_update(a, a->on_update_arg);
}

static void set_phase(struct advisor *a, enum phase p, const char *fmt, ...) ATTR_FORMAT(3, 4);

static void
set_phase(struct advisor *a, enum phase p, const char *fmt, ...)
{
	va_list ap;

	a->phase = p;
	va_start(ap, fmt);
	vsnprintf(a->phase_text, sizeof a->phase_text, fmt, ap);
	va_end(ap);
}

static void
give_back(struct advisor *a)
{
	loop_timer_cancel(a->loop, &a->timer);
	if (a->conn != NULL) {
		if (a->in_flight)
			conn_abandon(a->conn);
		pool_release(a->db->pool, a->conn);
		a->conn = NULL;
	}
	a->in_flight = false;
}

static void
fail(struct advisor *a, const char *why)
{
	give_back(a);
	free(a->error);
	a->error = xstrdup(why);
	set_phase(a, P_FAILED, "failed: %s", why);
	msglog_add(a->log, MSG_WARNING, a->db->cfg->label, "advisor: %s", why);
	notify(a);
}

static void
finish(struct advisor *a)
{
	give_back(a);
	adv_judge(&a->ev, &a->opts, &a->report);
	a->have_report = true;
	set_phase(a, P_DONE, "done: %zu finding%s", a->report.n_findings,
		  a->report.n_findings == 1 ? "" : "s");
	msglog_add(a->log, MSG_DEBUG, a->db->cfg->label, "advisor: %zu findings, pattern %s",
		   a->report.n_findings, a->report.pattern.name);
	notify(a);
}

/* Why a reply failed (NULL: it did not); *text holds what the caller frees. */
static const char *
reply_error(struct conn *c, const struct conn_reply *reply, char **text)
{
	*text = NULL;
	if (reply->conn_error == NULL && conn_state(c) != CONN_READY)
		return conn_error(c)[0] ? conn_error(c) : "the connection was lost";
	*text = conn_reply_error_text(reply, CONN_ERROR_MESSAGE);
	return *text;
}

static bool
conn_lost(struct conn *c, const struct conn_reply *reply)
{
	return reply->conn_error != NULL || conn_state(c) != CONN_READY;
}

static void on_reply(struct conn *c, struct conn_reply *reply, void *arg);

static void
fail_with(struct advisor *a, const char *doing, const char *why)
{
	char *msg = xasprintf("%s: %s", doing, why);

	fail(a, msg);
	free(msg);
}

/*
 * The connection broke. Once the window has two samples, what they show is
 * still judged (with a note); before that the run fails.
 */
static void
connection_lost(struct advisor *a, const char *why)
{
	if (a->phase == P_SAMPLING && a->ev.samples >= 2) {
		adv_evidence_note(&a->ev, "the connection was lost after %d samples: %s",
				  a->ev.samples, why);
		finish(a);
		return;
	}
	fail_with(a,
		  a->phase == P_CATALOG	  ? "reading the catalog"
		  : a->phase == P_LEDGERS ? "reading the ledgers"
					  : "sampling sessions",
		  why);
}

static void
send(struct advisor *a, const char *sql)
{
	if (!conn_send(a->conn, sql, -1, NULL, on_reply, a)) {
		char *why = xstrdup(conn_error(a->conn)[0] ? conn_error(a->conn)
							   : "the connection is not ready");

		connection_lost(a, why);
		free(why);
		return;
	}
	a->in_flight = true;
}

/* ---- what each phase's answer adds to the evidence ---- */

static void
take_catalog(struct advisor *a, const struct conn_reply *reply)
{
	const PGresult *lim = reply->results[R_FIRST], *r = reply->results[R_FIRST + 1];
	const char *last_schema = "";
	int i;

	a->ev.max_connections = atoi(PQgetvalue(lim, 0, 0));
	a->ev.reserved = atoi(PQgetvalue(lim, 0, 1));
	a->ev.server_version = atoi(PQgetvalue(lim, 0, 2));
	free(a->ev.database);
	a->ev.database = xstrdup(PQgetvalue(lim, 0, 3));
	a->ev.can_read_all = PQgetvalue(lim, 0, 4)[0] == 't';
	for (i = 0; i < PQntuples(r); i++) {
		const char *schema = PQgetvalue(r, i, 0);
		bool readable = PQgetvalue(r, i, 2)[0] == 't';
		bool tenant = adv_schema_kind(a->db->cfg, schema, NULL) == ADV_SCHEMA_TENANT;

		if (tenant && strcmp(schema, last_schema) != 0)
			a->ev.tenant_schemas++;
		last_schema = schema;
		if (PQgetisnull(r, i, 1))
			continue;
		adv_evidence_add_ledger(&a->ev, schema, PQgetvalue(r, i, 1), readable);
		if (!readable && !tenant)
			adv_evidence_note(&a->ev, "ledger %s.%s is not readable by this role",
					  schema, PQgetvalue(r, i, 1));
	}
	build_summary_chunks(a);
	build_tenant_chunks(a, r);
	a->ev.tenants_compared = true;
	free(a->sample_script);
	a->sample_script = sample_script(a->ev.server_version);
}

static void
take_chunk(struct advisor *a, const struct chunk *ch, const struct conn_reply *reply)
{
	const PGresult *r = reply->results[R_FIRST];
	int i;

	for (i = 0; i < PQntuples(r); i++) {
		if (ch->kind == CHUNK_SUMMARY) {
			size_t idx = (size_t)strtoul(PQgetvalue(r, i, 0), NULL, 10);

			if (idx < a->ev.n_ledgers)
				adv_ledger_set_summary(&a->ev.ledgers[idx],
						       atol(PQgetvalue(r, i, 1)),
						       PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
		} else {
			char *names = xstrdup(PQgetvalue(r, i, 3));
			const char *ex[ADV_EXAMPLES];
			size_t n_ex = 0;
			char *p = names, *nl;

			while (*p != '\0' && n_ex < ADV_EXAMPLES) {
				nl = strchr(p, '\n');
				if (nl != NULL)
					*nl = '\0';
				ex[n_ex++] = p;
				if (nl == NULL)
					break;
				p = nl + 1;
			}
			adv_evidence_add_fileset(&a->ev, PQgetvalue(r, i, 0),
						 atol(PQgetvalue(r, i, 2)), ex, n_ex,
						 PQgetvalue(r, i, 1)[0] == 't');
			free(names);
		}
	}
}

static bool
pid_in(int pid, const int *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pids[i] == pid)
			return true;
	}
	return false;
}

static void
take_sample(struct advisor *a, const struct conn_reply *reply)
{
	const PGresult *h = reply->results[R_SAMPLE_HEADER], *r = reply->results[R_SAMPLE_ROWS];
	const char *console_app = a->db->cfg->application_name;
	struct adv_sample s;
	struct adv_row *rows;
	int own[MAX_OWN_PIDS], n_own, i;

	n_own = pool_backend_pids(a->db->pool, own, MAX_OWN_PIDS);
	rows = xcalloc((size_t)PQntuples(r) + 1, sizeof *rows);
	for (i = 0; i < PQntuples(r); i++) {
		struct adv_row *x = &rows[i];

		x->pid = atoi(PQgetvalue(r, i, 0));
		x->appname = PQgetvalue(r, i, 1);
		x->host = PQgetvalue(r, i, 2);
		x->start_us = atoll(PQgetvalue(r, i, 3));
		x->state = PQgetvalue(r, i, 4);
		x->state_change_us = atoll(PQgetvalue(r, i, 5));
		x->xact_start_us = atoll(PQgetvalue(r, i, 6));
		x->own = pid_in(x->pid, own, n_own) ||
			 (console_app != NULL && strcmp(x->appname, console_app) == 0);
	}
	memset(&s, 0, sizeof s);
	s.now_us = atoll(PQgetvalue(h, 0, 0));
	s.sessions = PQgetisnull(h, 0, 1) ? -1 : atoll(PQgetvalue(h, 0, 1));
	s.server_backends = atoi(PQgetvalue(h, 0, 2));
	s.rows = rows;
	s.n_rows = (size_t)PQntuples(r);
	adv_evidence_add_sample(&a->ev, &s);
	free(rows);
}

/* ---- sampling ---- */

static void
sample_tick(struct loop *loop, void *arg)
{
	struct advisor *a = arg;

	(void)loop;
	if (a->phase != P_SAMPLING || a->conn == NULL)
		return;
	if (a->in_flight) {
		a->skipped++; /* the previous sample is still running */
		return;
	}
	send(a, a->sample_script);
}

static int64_t
sampling_elapsed(struct advisor *a)
{
	loop_update_now(a->loop);
	return loop_now(a->loop) - a->sampling_started_ms;
}

/* ---- the transition function ---- */

/*
 * Called when the phase's query answered (reply, and why it failed, or
 * NULL) or, in ACQUIRE, when the connection came (reply NULL). Takes what
 * the answer says, then moves on: the next chunk of ledgers, sampling, or
 * the end.
 */
static void
advance(struct advisor *a, struct conn *c, const struct conn_reply *reply, const char *why)
{
	bool lost = reply != NULL && conn_lost(c, reply);
	char d1[32], d2[32], *script;
	int64_t elapsed;

	a->in_flight = false;
	switch (a->phase) {
	case P_ACQUIRE:
		set_phase(a, P_CATALOG, "reading the catalog");
		notify(a);
		script = catalog_script(a);
		send(a, script);
		free(script);
		return;
	case P_CATALOG:
		if (why == NULL && reply->n <= R_FIRST + 1)
			why = "incomplete answer from the server";
		if (why != NULL) {
			if (lost)
				connection_lost(a, why);
			else
				fail_with(a, "reading the catalog", why);
			return;
		}
		take_catalog(a, reply);
		a->next_chunk = 0;
		break;
	case P_LEDGERS:
		if (why == NULL && reply->n <= R_FIRST)
			why = "incomplete answer from the server";
		if (lost) {
			connection_lost(a, why);
			return;
		}
		if (why != NULL) {
			/* a ledger locked or dropped meanwhile: say so and go on */
			const struct chunk *ch = &a->chunks[a->next_chunk];

			adv_evidence_note(&a->ev, "could not read %zu %s: %s", ch->n,
					  ch->kind == CHUNK_TENANTS ? "tenant schemas' ledgers"
								    : "service ledgers",
					  why);
			if (ch->kind == CHUNK_TENANTS)
				a->ev.tenants_compared = false;
		} else {
			take_chunk(a, &a->chunks[a->next_chunk], reply);
		}
		a->next_chunk++;
		break;
	case P_SAMPLING:
		if (why == NULL && reply->n <= R_SAMPLE_ROWS)
			why = "incomplete answer from the server";
		if (lost) {
			connection_lost(a, why);
			return;
		}
		if (why != NULL)
			adv_evidence_note(&a->ev, "a sample failed: %s", why);
		else
			take_sample(a, reply);
		elapsed = sampling_elapsed(a);
		if (elapsed >= a->opts.window_ms && a->ev.samples >= 2) {
			finish(a);
			return;
		}
		set_phase(a, P_SAMPLING, "sampling sessions (%s of %s, %d samples)",
			  units_format_duration(elapsed, d1, sizeof d1),
			  units_format_duration(a->opts.window_ms, d2, sizeof d2), a->ev.samples);
		notify(a);
		if (elapsed >= a->opts.window_ms)
			sample_tick(a->loop, a); /* the window is over: one more sample */
		return;
	default:
		return;
	}

	/* after the catalog or a chunk: the next chunk, or the window */
	if (a->next_chunk < a->n_chunks) {
		set_phase(a, P_LEDGERS, "reading ledgers (%zu of %zu)", a->next_chunk + 1,
			  a->n_chunks);
		notify(a);
		send(a, a->chunks[a->next_chunk].sql);
		return;
	}
	set_phase(a, P_SAMPLING, "sampling sessions (0s of %s)",
		  units_format_duration(a->opts.window_ms, d1, sizeof d1));
	notify(a);
	loop_update_now(a->loop);
	a->sampling_started_ms = loop_now(a->loop);
	a->timer = loop_timer_add(a->loop, a->opts.sample_ms, a->opts.sample_ms, sample_tick, a);
	sample_tick(a->loop, a);
}

static void
on_reply(struct conn *c, struct conn_reply *reply, void *arg)
{
	char *text;
	const char *why = reply_error(c, reply, &text);

	advance(arg, c, reply, why);
	free(text);
}

static void
acquired(struct pool *p, struct conn *c, const char *error, void *arg)
{
	struct advisor *a = arg;

	(void)p;
	a->request = NULL;
	if (c == NULL) {
		fail_with(a, "no connection", error != NULL ? error : "unknown error");
		return;
	}
	a->conn = c;
	advance(a, c, NULL, NULL);
}

/* ------------------------------------------------------------------------
 * Life cycle and accessors
 * ------------------------------------------------------------------------ */

static void
reset(struct advisor *a)
{
	size_t i;

	pool_request_cancel(a->db->pool, &a->request);
	give_back(a);
	adv_evidence_free(&a->ev);
	if (a->have_report)
		adv_report_free(&a->report);
	a->have_report = false;
	for (i = 0; i < a->n_chunks; i++)
		free(a->chunks[i].sql);
	free(a->chunks);
	a->chunks = NULL;
	a->n_chunks = a->next_chunk = 0;
	free(a->sample_script);
	a->sample_script = NULL;
	a->skipped = 0;
	free(a->error);
	a->error = xstrdup("");
}

struct advisor *
advisor_new(struct loop *loop, struct database *db, const struct profile *p,
	    const struct adv_opts *opts, struct msglog *log)
{
	struct advisor *a = xcalloc(1, sizeof *a);

	a->loop = loop;
	a->db = db;
	a->profile = p;
	a->log = log;
	if (opts != NULL)
		a->opts = *opts;
	else
		adv_opts_defaults(&a->opts);
	if (a->opts.sample_ms <= 0)
		a->opts.sample_ms = 50;
	if (a->opts.ledgers_per_query == 0)
		a->opts.ledgers_per_query = 500;
	if (a->opts.statement_ms <= 0)
		a->opts.statement_ms = 10000;
	a->error = xstrdup("");
	set_phase(a, P_IDLE, "not started");
	return a;
}

void
advisor_free(struct advisor **ap)
{
	struct advisor *a = *ap;

	if (a == NULL)
		return;
	reset(a);
	free(a->error);
	free(a);
	*ap = NULL;
}

void
advisor_start(struct advisor *a)
{
	reset(a);
	adv_evidence_init(&a->ev, a->profile, a->db->cfg);
	set_phase(a, P_ACQUIRE, "waiting for a connection");
	notify(a);
	a->request = pool_acquire(a->db->pool, acquired, a);
}

void
advisor_on_update(struct advisor *a, void (*cb)(struct advisor *a, void *arg), void *arg)
{
	a->on_update = cb;
	a->on_update_arg = arg;
}

enum advisor_state
advisor_state(const struct advisor *a)
{
	switch (a->phase) {
	case P_IDLE:
		return ADVISOR_IDLE;
	case P_DONE:
		return ADVISOR_DONE;
	case P_FAILED:
		return ADVISOR_FAILED;
	default:
		return ADVISOR_RUNNING;
	}
}

const char *
advisor_state_name(enum advisor_state s)
{
	switch (s) {
	case ADVISOR_IDLE:
		return "idle";
	case ADVISOR_RUNNING:
		return "running";
	case ADVISOR_DONE:
		return "done";
	case ADVISOR_FAILED:
		return "failed";
	}
	return "?";
}

bool
advisor_finished(const struct advisor *a)
{
	return a->phase == P_DONE || a->phase == P_FAILED;
}

const char *
advisor_phase(const struct advisor *a)
{
	return a->phase_text;
}

int
advisor_progress(const struct advisor *a)
{
	int64_t elapsed;

	switch (a->phase) {
	case P_IDLE:
	case P_ACQUIRE:
		return 0;
	case P_CATALOG:
		return PERMILLE_CATALOG / 2;
	case P_LEDGERS:
		return PERMILLE_CATALOG + (int)((PERMILLE_LEDGERS - PERMILLE_CATALOG) *
						a->next_chunk / (a->n_chunks ? a->n_chunks : 1));
	case P_SAMPLING:
		elapsed = loop_now(a->loop) - a->sampling_started_ms;
		if (elapsed > a->opts.window_ms)
			elapsed = a->opts.window_ms;
		return PERMILLE_LEDGERS + (int)((1000 - PERMILLE_LEDGERS) * elapsed /
						(a->opts.window_ms > 0 ? a->opts.window_ms : 1));
	case P_DONE:
	case P_FAILED:
		return 1000;
	}
	return 0;
}

const struct adv_report *
advisor_report(const struct advisor *a)
{
	return a->have_report ? &a->report : NULL;
}

const char *
advisor_error(const struct advisor *a)
{
	return a->error;
}

struct database *
advisor_database(const struct advisor *a)
{
	return a->db;
}
