/*
 * monitor: one round trip per refresh, a snapshot, alerts and history.
 * See include/monitor.h.
 *
 * The monitoring connection is acquired once and kept. Its session is set
 * up in one round trip (timeouts, read only, and the refresh statement
 * prepared); each refresh is then one execution of that prepared statement,
 * one round trip, planned once. When a refresh fails the connection is
 * closed (pool_discard: its session state is ours) and the next refresh
 * acquires another.
 */
#include "config.h"

#include "monitor.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "database.h"
#include "loop.h"
#include "msglog.h"
#include "pool.h"
#include "strbuf.h"
#include "strvec.h"
#include "units.h"
#include "xalloc.h"

#define MAX_OWN_PIDS 1024

struct app_history {
	char *appname;
	int ring[MON_HISTORY];
	size_t idle_rounds; /* refreshes since it was last seen */
};

struct monitor {
	struct loop *loop;
	struct database *db;
	struct msglog *log;
	char *modules; /* parameter $1 of the refresh: the module names */

	struct conn *conn;	      /* the persistent monitoring connection */
	bool prepared;		      /* its session is set up */
	struct pool_request *request; /* acquiring it */
	bool in_flight;
	int64_t sent_us;
	struct loop_timer *timer;
	int64_t interval_ms;

	struct mon_snapshot *snap;
	enum mon_status status;
	char *error;

	struct mon_sample samples[MON_HISTORY];
	size_t n_samples, first_sample;
	struct app_history *apps;
	size_t n_apps;

	char **alert_keys; /* strvec: the alerts active at the last refresh */
	size_t n_alert_keys;

	uint64_t refreshes, skipped;
	void (*on_update)(struct monitor *m, void *arg);
	void *on_update_arg;
};

/* ------------------------------------------------------------------------
 * The refresh statement
 * ------------------------------------------------------------------------ */

/*
 * Sent once per monitoring connection, in one round trip: the session's
 * limits (a refresh must never hang or write) and the refresh statement,
 * prepared so each refresh is a bind and an execute, planned once.
 *
 * The refresh answers one row set; its first column says what a row is:
 *   L  the limits: max_connections, reserved, server_version_num, database,
 *      all_stats, and without all_stats the backends counted by
 *      pg_stat_database (all, this database);
 *   S  a client backend (pg_stat_get_activity: the pg_stat_activity view
 *      without the join on pg_authid, five times cheaper);
 *   A  an advisory lock of this database, with the module or schema whose
 *      pgdbm migration lock key it is (module names are parameter $1).
 */
#define MON_STATEMENT "pgdbm_monitor"

static const char mon_setup_sql[] =
	"SET statement_timeout = '2s';\n"
	"SET lock_timeout = '200ms';\n"
	"SET default_transaction_read_only = on;\n"
	"PREPARE " MON_STATEMENT "(text[]) AS\n"
	"WITH me AS MATERIALIZED (\n"
	"  SELECT d.oid AS dboid,\n"
	"    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)\n"
	"      OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS all_stats\n"
	"  FROM pg_database d WHERE d.datname = current_database())\n"
	"SELECT 'L', current_setting('max_connections'),\n"
	"  (current_setting('superuser_reserved_connections')::int\n"
	"    + coalesce(current_setting('reserved_connections', true), '0')::int)::text,\n"
	"  current_setting('server_version_num'), current_database()::text, me.all_stats::text,\n"
	"  CASE WHEN NOT me.all_stats THEN\n"
	"    (SELECT sum(numbackends) FROM pg_stat_database)::text END,\n"
	"  CASE WHEN NOT me.all_stats THEN\n"
	"    (SELECT numbackends FROM pg_stat_database WHERE datid = me.dboid)::text END,\n"
	"  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL\n"
	"FROM me\n"
	"UNION ALL\n"
	"SELECT 'S', a.pid::text, coalesce(d.datname::text, ''),\n"
	"  coalesce(pg_get_userbyid(a.usesysid)::text, ''), coalesce(a.application_name, ''),\n"
	"  CASE WHEN a.client_addr IS NULL THEN CASE WHEN a.client_port = -1 THEN 'local'\n"
	"       ELSE '' END ELSE host(a.client_addr) || ':' || a.client_port END,\n"
	"  coalesce(a.state, ''), coalesce(a.wait_event_type, ''), coalesce(a.wait_event, ''),\n"
	"  (date_part('epoch', now() - a.backend_start) * 1000)::bigint::text,\n"
	"  coalesce((date_part('epoch', now() - a.xact_start) * 1000)::bigint, -1)::text,\n"
	"  coalesce((date_part('epoch', now() - a.query_start) * 1000)::bigint, -1)::text,\n"
	"  coalesce((date_part('epoch', now() - a.state_change) * 1000)::bigint, -1)::text,\n"
	"  coalesce(left(a.query, 1024), ''),\n"
	"  CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid)::text END,\n"
	"  coalesce(a.datid = me.dboid, false)::text\n"
	"FROM pg_stat_get_activity(NULL) a LEFT JOIN pg_database d ON d.oid = a.datid, me\n"
	"WHERE a.backend_type = 'client backend'\n"
	"UNION ALL\n"
	"SELECT 'A', l.pid::text, l.granted::text, (l.objsubid = 1)::text,\n"
	"  (CASE WHEN l.objsubid = 1 THEN (l.classid::bigint << 32) | l.objid::bigint\n"
	"        ELSE l.classid::bigint END)::text,\n"
	"  l.objid::bigint::text,\n"
	"  (SELECT c.name FROM (SELECT nspname::text AS name FROM pg_namespace\n"
	"                       UNION SELECT unnest($1)) c\n"
	"   WHERE l.objsubid = 1 AND hashtext('pgdbm_migration_' || c.name)::bigint =\n"
	"         ((l.classid::bigint << 32) | l.objid::bigint) LIMIT 1),\n"
	"  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL\n"
	"FROM pg_locks l, me WHERE l.locktype = 'advisory' AND l.database = me.dboid;\n";

#define MON_COLUMNS 16

/* The module names as a text[] literal: names may differ from schemas. */
static char *
modules_param(const struct profile_database *pdb)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addc(&sb, '{');
	for (i = 0; i < pdb->n_modules; i++)
		strbuf_addf(&sb, "%s\"%s\"", i > 0 ? "," : "", pdb->modules[i].name);
	strbuf_addc(&sb, '}');
	return strbuf_detach(&sb);
}

/* ------------------------------------------------------------------------
 * Snapshots
 * ------------------------------------------------------------------------ */

static void
snapshot_free(struct mon_snapshot **sp)
{
	struct mon_snapshot *s = *sp;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_sessions; i++) {
		struct mon_session *x = &s->sessions[i];

		free(x->datname);
		free(x->usename);
		free(x->appname);
		free(x->client);
		free(x->state);
		free(x->wait_type);
		free(x->wait_event);
		free(x->query);
		free(x->blocked_by);
	}
	for (i = 0; i < s->n_pools; i++)
		free(s->pools[i].appname);
	for (i = 0; i < s->n_advisory; i++)
		free(s->advisory[i].module);
	for (i = 0; i < s->n_alerts; i++) {
		free(s->alerts[i].key);
		free(s->alerts[i].text);
	}
	free(s->sessions);
	free(s->pools);
	free(s->advisory);
	free(s->alerts);
	free(s->database);
	free(s);
	*sp = NULL;
}

/* "{12,34}" -> array */
static int *
parse_pid_array(const char *v, int *n)
{
	int *out = NULL;
	const char *p = v;

	*n = 0;
	while (*p != '\0') {
		char *end;
		long pid;

		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		pid = strtol(p, &end, 10);
		out = xreallocarray(out, (size_t)*n + 1, sizeof *out);
		out[(*n)++] = (int)pid;
		p = end;
	}
	return out;
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

/* The rows of kind `kind` in the refresh answer. */
static int
count_kind(const PGresult *r, char kind)
{
	int i, n = 0;

	for (i = 0; i < PQntuples(r); i++)
		n += PQgetvalue(r, i, 0)[0] == kind;
	return n;
}

static void
fill_sessions(struct monitor *m, struct mon_snapshot *s, const PGresult *r)
{
	int own[MAX_OWN_PIDS];
	int n_own = pool_backend_pids(m->db->pool, own, MAX_OWN_PIDS);
	int i, n = count_kind(r, 'S');
	size_t k = 0;

	s->sessions = xcalloc((size_t)n + 1, sizeof *s->sessions);
	for (i = 0; i < PQntuples(r); i++) {
		struct mon_session *x = &s->sessions[k];

		if (PQgetvalue(r, i, 0)[0] != 'S')
			continue;
		k++;
		x->pid = atoi(PQgetvalue(r, i, 1));
		x->datname = xstrdup(PQgetvalue(r, i, 2));
		x->usename = xstrdup(PQgetvalue(r, i, 3));
		x->appname = xstrdup(PQgetvalue(r, i, 4));
		x->client = xstrdup(PQgetvalue(r, i, 5));
		x->state = xstrdup(PQgetvalue(r, i, 6));
		x->wait_type = xstrdup(PQgetvalue(r, i, 7));
		x->wait_event = xstrdup(PQgetvalue(r, i, 8));
		x->backend_ms = atoll(PQgetvalue(r, i, 9));
		x->xact_ms = atoll(PQgetvalue(r, i, 10));
		x->query_ms = atoll(PQgetvalue(r, i, 11));
		x->state_ms = atoll(PQgetvalue(r, i, 12));
		x->query = xstrdup(PQgetvalue(r, i, 13));
		if (!PQgetisnull(r, i, 14))
			x->blocked_by = parse_pid_array(PQgetvalue(r, i, 14), &x->n_blocked_by);
		x->this_db = PQgetvalue(r, i, 15)[0] == 't';
		x->own = pid_in(x->pid, own, n_own);
		x->waiting = strcmp(x->wait_type, "Lock") == 0;
		x->idle_in_tx = strncmp(x->state, "idle in transaction", 19) == 0;
		if (x->this_db)
			s->db_connections++;
	}
	s->n_sessions = k;
	s->connections = n;
}

static int
pool_cmp(const void *a, const void *b)
{
	const struct mon_pool *x = a, *y = b;

	if (x->total != y->total)
		return y->total - x->total;
	return strcmp(x->appname, y->appname);
}

/* One row per application_name of this database (the console's own excluded). */
static void
fill_pools(struct monitor *m, struct mon_snapshot *s)
{
	const struct profile_database *pdb = m->db->cfg;
	size_t i, j;

	s->pools = xcalloc(s->n_sessions + pdb->n_apps + 1, sizeof *s->pools);
	for (i = 0; i < s->n_sessions; i++) {
		const struct mon_session *x = &s->sessions[i];
		struct mon_pool *p = NULL;

		if (!x->this_db || x->own)
			continue;
		for (j = 0; j < s->n_pools && p == NULL; j++) {
			if (strcmp(s->pools[j].appname, x->appname) == 0)
				p = &s->pools[j];
		}
		if (p == NULL) {
			p = &s->pools[s->n_pools++];
			p->appname = xstrdup(x->appname);
		}
		p->total++;
		if (x->waiting)
			p->waiting++;
		else if (x->idle_in_tx)
			p->idle_in_tx++;
		else if (strcmp(x->state, "active") == 0)
			p->active++;
		else
			p->idle++;
		if (x->idle_in_tx && x->state_ms > p->oldest_idle_in_tx_ms)
			p->oldest_idle_in_tx_ms = x->state_ms;
	}
	/* declared pools are listed even with no session */
	for (j = 0; j < pdb->n_apps; j++) {
		struct mon_pool *p = NULL;

		for (i = 0; i < s->n_pools && p == NULL; i++) {
			if (strcmp(s->pools[i].appname, pdb->apps[j].application_name) == 0)
				p = &s->pools[i];
		}
		if (p == NULL) {
			p = &s->pools[s->n_pools++];
			p->appname = xstrdup(pdb->apps[j].application_name);
		}
		p->declared_max = pdb->apps[j].pool_max;
	}
	if (s->n_pools > 1)
		qsort(s->pools, s->n_pools, sizeof *s->pools, pool_cmp);
}

static void
fill_advisory(struct mon_snapshot *s, const PGresult *r)
{
	int i;
	size_t k = 0;

	s->advisory = xcalloc((size_t)count_kind(r, 'A') + 1, sizeof *s->advisory);
	for (i = 0; i < PQntuples(r); i++) {
		struct mon_advisory *a = &s->advisory[k];

		if (PQgetvalue(r, i, 0)[0] != 'A')
			continue;
		k++;
		a->pid = atoi(PQgetvalue(r, i, 1));
		a->granted = PQgetvalue(r, i, 2)[0] == 't';
		a->bigint_key = PQgetvalue(r, i, 3)[0] == 't';
		a->key = atoll(PQgetvalue(r, i, 4));
		a->key2 = atoll(PQgetvalue(r, i, 5));
		if (!PQgetisnull(r, i, 6))
			a->module = xstrdup(PQgetvalue(r, i, 6));
	}
	s->n_advisory = k;
}

const char *
mon_advisory_label(const struct mon_advisory *a, char *buf, size_t size)
{
	if (a->module != NULL)
		snprintf(buf, size, "pgdbm migration lock of %s (key %lld)", a->module,
			 (long long)a->key);
	else if (a->bigint_key)
		snprintf(buf, size, "advisory lock %lld", (long long)a->key);
	else
		snprintf(buf, size, "advisory lock (%lld,%lld)", (long long)a->key,
			 (long long)a->key2);
	return buf;
}

/* ------------------------------------------------------------------------
 * Alerts
 * ------------------------------------------------------------------------ */

static void
add_alert(struct mon_snapshot *s, enum mon_alert_kind kind, char *key, char *text)
{
	s->alerts = xreallocarray(s->alerts, s->n_alerts + 1, sizeof *s->alerts);
	s->alerts[s->n_alerts].kind = kind;
	s->alerts[s->n_alerts].key = key;
	s->alerts[s->n_alerts].text = text;
	s->n_alerts++;
}

static void
compute_alerts(struct monitor *m, struct mon_snapshot *s)
{
	const struct profile_database *pdb = m->db->cfg;
	char d[32];
	size_t i;

	if (s->usable > 0 && (int64_t)s->connections * 1000 >= (int64_t)pdb->warn_at * s->usable)
		add_alert(s, MON_ALERT_NEAR_MAX, xstrdup("near-max"),
			  xasprintf("%d of %d usable connections in use (%d%%, alert at %d%%)",
				    s->connections, s->usable, s->connections * 100 / s->usable,
				    pdb->warn_at / 10));
	for (i = 0; i < s->n_pools; i++) {
		const struct mon_pool *p = &s->pools[i];

		if (p->declared_max > 0 && p->total >= p->declared_max)
			add_alert(s, MON_ALERT_POOL_AT_MAX, xasprintf("pool-max:%s", p->appname),
				  xasprintf("pool %s is at its max (%d of %d)", p->appname,
					    p->total, p->declared_max));
	}
	for (i = 0; i < s->n_sessions; i++) {
		const struct mon_session *x = &s->sessions[i];

		if (!x->this_db || x->own)
			continue;
		if (x->idle_in_tx && x->state_ms >= pdb->alerts.idle_in_transaction_ms)
			add_alert(s, MON_ALERT_IDLE_IN_TX, xasprintf("idle-tx:%d", x->pid),
				  xasprintf("pid %d (%s) idle in transaction for %s", x->pid,
					    x->appname[0] ? x->appname : "no application_name",
					    units_format_duration(x->state_ms, d, sizeof d)));
		if (x->waiting && x->state_ms >= pdb->alerts.waiting_ms)
			add_alert(s, MON_ALERT_WAITING, xasprintf("waiting:%d", x->pid),
				  xasprintf("pid %d (%s) waiting for a lock for %s%s%d", x->pid,
					    x->appname[0] ? x->appname : "no application_name",
					    units_format_duration(x->state_ms, d, sizeof d),
					    x->n_blocked_by > 0 ? ", blocked by pid " : "",
					    x->n_blocked_by > 0 ? x->blocked_by[0] : 0));
	}
}

/* Log alerts when they start; remember the active set. */
static void
log_new_alerts(struct monitor *m, const struct mon_snapshot *s)
{
	char **keys = NULL;
	size_t n_keys = 0, i;

	for (i = 0; i < s->n_alerts; i++) {
		if (!strvec_contains(m->alert_keys, m->n_alert_keys, s->alerts[i].key))
			msglog_add(m->log, MSG_WARNING, m->db->cfg->label, "alert: %s",
				   s->alerts[i].text);
		strvec_add(&keys, &n_keys, s->alerts[i].key);
	}
	strvec_free(&m->alert_keys, &m->n_alert_keys);
	m->alert_keys = keys;
	m->n_alert_keys = n_keys;
}

/* ------------------------------------------------------------------------
 * History
 * ------------------------------------------------------------------------ */

static void
record_history(struct monitor *m, const struct mon_snapshot *s)
{
	struct mon_sample *x;
	size_t i, j, keep;

	if (m->n_samples < MON_HISTORY) {
		x = &m->samples[(m->first_sample + m->n_samples) % MON_HISTORY];
		m->n_samples++;
	} else {
		x = &m->samples[m->first_sample];
		m->first_sample = (m->first_sample + 1) % MON_HISTORY;
	}
	memset(x, 0, sizeof *x);
	x->at_ms = s->taken_ms;
	x->connections = s->connections;
	for (i = 0; i < s->n_pools; i++) {
		x->active += s->pools[i].active;
		x->idle_in_tx += s->pools[i].idle_in_tx;
		x->waiting += s->pools[i].waiting;
	}

	/* per application pool: shift every ring, append this round's total */
	for (j = 0; j < m->n_apps; j++) {
		memmove(m->apps[j].ring, m->apps[j].ring + 1,
			(MON_HISTORY - 1) * sizeof m->apps[j].ring[0]);
		m->apps[j].ring[MON_HISTORY - 1] = 0;
		m->apps[j].idle_rounds++;
	}
	for (i = 0; i < s->n_pools; i++) {
		struct app_history *h = NULL;

		for (j = 0; j < m->n_apps && h == NULL; j++) {
			if (strcmp(m->apps[j].appname, s->pools[i].appname) == 0)
				h = &m->apps[j];
		}
		if (h == NULL) {
			m->apps = xreallocarray(m->apps, m->n_apps + 1, sizeof *m->apps);
			h = &m->apps[m->n_apps++];
			memset(h, 0, sizeof *h);
			h->appname = xstrdup(s->pools[i].appname);
		}
		h->ring[MON_HISTORY - 1] = s->pools[i].total;
		h->idle_rounds = 0;
	}
	/* forget pools unseen for a whole history */
	for (j = 0, keep = 0; j < m->n_apps; j++) {
		if (m->apps[j].idle_rounds >= MON_HISTORY) {
			free(m->apps[j].appname);
			continue;
		}
		m->apps[keep++] = m->apps[j];
	}
	m->n_apps = keep;
}

size_t
monitor_n_samples(const struct monitor *m)
{
	return m->n_samples;
}

const struct mon_sample *
monitor_sample(const struct monitor *m, size_t i)
{
	if (i >= m->n_samples)
		return NULL;
	return &m->samples[(m->first_sample + i) % MON_HISTORY];
}

size_t
monitor_pool_history(const struct monitor *m, const char *appname, int *out, size_t max)
{
	size_t j, n = m->n_samples < max ? m->n_samples : max;

	for (j = 0; j < m->n_apps; j++) {
		if (strcmp(m->apps[j].appname, appname) == 0) {
			memcpy(out, m->apps[j].ring + MON_HISTORY - n, n * sizeof *out);
			return n;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Refreshing
 * ------------------------------------------------------------------------ */

static void
set_failure(struct monitor *m, const char *why)
{
	if (m->status != MON_STALE || strcmp(m->error, why) != 0)
		msglog_add(m->log, MSG_DEBUG, m->db->cfg->label, "refresh failed: %s", why);
	free(m->error);
	m->error = xstrdup(why);
	if (m->snap != NULL)
		m->status = MON_STALE;
}

static void
notify(struct monitor *m)
{
	if (m->on_update != NULL)
		m->on_update(m, m->on_update_arg);
}

/*
 * Give the monitoring connection back to be closed: its session holds the
 * prepared statement and settings no other user of the pool should get.
 */
static void
drop_conn(struct monitor *m)
{
	pool_discard(m->db->pool, m->conn);
	m->conn = NULL;
	m->prepared = false;
}

/* The refresh or its set-up failed: say why, drop the connection. */
static void
refresh_failed(struct monitor *m, struct conn *c, struct conn_reply *reply)
{
	char *why = NULL;

	if (reply->conn_error == NULL && conn_state(c) != CONN_READY)
		why = xstrdup(conn_error(c));
	else
		why = conn_reply_error_text(reply, CONN_ERROR_MESSAGE);
	set_failure(m, why != NULL ? why : "incomplete answer from the server");
	free(why);
	drop_conn(m);
	notify(m);
}

static const PGresult *
limits_row(const PGresult *r, int *row)
{
	int i;

	if (r == NULL || PQnfields(r) != MON_COLUMNS)
		return NULL;
	for (i = 0; i < PQntuples(r); i++) {
		if (PQgetvalue(r, i, 0)[0] == 'L') {
			*row = i;
			return r;
		}
	}
	return NULL;
}

static void
refresh_done(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct monitor *m = arg;
	struct mon_snapshot *s;
	const PGresult *r;
	int l = 0;

	m->in_flight = false;
	m->refreshes++;
	r = reply->n > 0 ? reply->results[reply->n - 1] : NULL;
	if (reply->conn_error != NULL || conn_state(c) != CONN_READY || reply->error != NULL ||
	    limits_row(r, &l) == NULL) {
		refresh_failed(m, c, reply);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->taken_ms = loop_now(m->loop);
	s->round_trip_us = reply->elapsed_us;
	s->max_connections = atoi(PQgetvalue(r, l, 1));
	s->reserved = atoi(PQgetvalue(r, l, 2));
	s->usable = s->max_connections - s->reserved;
	s->server_version_num = atoi(PQgetvalue(r, l, 3));
	s->database = xstrdup(PQgetvalue(r, l, 4));
	s->can_read_all = PQgetvalue(r, l, 5)[0] == 't';
	fill_sessions(m, s, r);
	if (!s->can_read_all) {
		/*
		 * Without pg_read_all_stats the other roles' backends show only
		 * their pid: count them from pg_stat_database instead.
		 */
		int all = atoi(PQgetvalue(r, l, 6)), here = atoi(PQgetvalue(r, l, 7));

		if (all > s->connections)
			s->connections = all;
		if (here > s->db_connections)
			s->db_connections = here;
	}
	fill_pools(m, s);
	fill_advisory(s, r);
	compute_alerts(m, s);
	log_new_alerts(m, s);
	record_history(m, s);
	snapshot_free(&m->snap);
	m->snap = s;
	m->status = MON_LIVE;
	m->error[0] = '\0';
	notify(m);
}

static void
send_refresh(struct monitor *m)
{
	const char *params[1] = { m->modules };

	m->in_flight = true;
	m->sent_us = loop_clock_us();
	if (!conn_send_prepared(m->conn, MON_STATEMENT, 1, params, refresh_done, m)) {
		m->in_flight = false;
		set_failure(m, "the monitoring connection is not ready");
		drop_conn(m);
		notify(m);
	}
}

static void
setup_done(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct monitor *m = arg;

	m->in_flight = false;
	if (reply->conn_error != NULL || conn_state(c) != CONN_READY || reply->error != NULL) {
		m->refreshes++;
		refresh_failed(m, c, reply);
		return;
	}
	m->prepared = true;
	send_refresh(m);
}

/* A new monitoring connection: set the session up, then refresh. */
static void
send_setup(struct monitor *m)
{
	m->in_flight = true;
	m->sent_us = loop_clock_us();
	if (!conn_send(m->conn, mon_setup_sql, -1, NULL, setup_done, m)) {
		m->in_flight = false;
		set_failure(m, "the monitoring connection is not ready");
		drop_conn(m);
		notify(m);
	}
}

static void
acquired(struct pool *p, struct conn *c, const char *error, void *arg)
{
	struct monitor *m = arg;

	(void)p;
	m->request = NULL;
	if (c == NULL) {
		set_failure(m, error);
		notify(m);
		return;
	}
	m->conn = c;
	m->prepared = false;
	send_setup(m);
}

void
monitor_refresh(struct monitor *m)
{
	if (m->in_flight) {
		m->skipped++;
		return;
	}
	if (m->conn != NULL) {
		if (m->prepared)
			send_refresh(m);
		else
			send_setup(m);
		return;
	}
	/* no monitoring connection: while the server is unreachable say so at
	 * once (the last data turns stale), and keep one request waiting so the
	 * pool keeps trying to connect */
	if (pool_health(m->db->pool) == POOL_RETRYING) {
		set_failure(m, pool_last_error(m->db->pool));
		notify(m);
	}
	if (m->request == NULL)
		m->request = pool_acquire(m->db->pool, acquired, m);
}

static void
tick(struct loop *loop, void *arg)
{
	(void)loop;
	monitor_refresh(arg);
}

/* ------------------------------------------------------------------------
 * Life cycle and accessors
 * ------------------------------------------------------------------------ */

struct monitor *
monitor_new(struct loop *loop, struct database *db, struct msglog *log)
{
	struct monitor *m = xcalloc(1, sizeof *m);

	m->loop = loop;
	m->db = db;
	m->log = log;
	m->modules = modules_param(db->cfg);
	m->status = MON_WAITING;
	m->error = xstrdup("");
	return m;
}

void
monitor_free(struct monitor **mp)
{
	struct monitor *m = *mp;
	size_t i;

	if (m == NULL)
		return;
	loop_timer_cancel(m->loop, &m->timer);
	pool_request_cancel(m->db->pool, &m->request);
	if (m->conn != NULL) {
		conn_abandon(m->conn); /* a refresh in flight answers nobody */
		drop_conn(m);
	}
	snapshot_free(&m->snap);
	for (i = 0; i < m->n_apps; i++)
		free(m->apps[i].appname);
	free(m->apps);
	strvec_free(&m->alert_keys, &m->n_alert_keys);
	free(m->modules);
	free(m->error);
	free(m);
	*mp = NULL;
}

void
monitor_start(struct monitor *m, int64_t interval_ms)
{
	m->interval_ms = interval_ms;
	loop_timer_cancel(m->loop, &m->timer);
	m->timer = loop_timer_add(m->loop, interval_ms, interval_ms, tick, m);
	monitor_refresh(m);
}

void
monitor_set_interval(struct monitor *m, int64_t interval_ms)
{
	if (m->timer != NULL && interval_ms != m->interval_ms) {
		m->interval_ms = interval_ms;
		loop_timer_cancel(m->loop, &m->timer);
		m->timer = loop_timer_add(m->loop, interval_ms, interval_ms, tick, m);
	}
}

void
monitor_stop(struct monitor *m)
{
	loop_timer_cancel(m->loop, &m->timer);
}

void
monitor_on_update(struct monitor *m, void (*cb)(struct monitor *m, void *arg), void *arg)
{
	m->on_update = cb;
	m->on_update_arg = arg;
}

const struct mon_snapshot *
monitor_snapshot(const struct monitor *m)
{
	return m->snap;
}

enum mon_status
monitor_status(const struct monitor *m)
{
	return m->status;
}

const char *
monitor_status_name(enum mon_status s)
{
	switch (s) {
	case MON_WAITING:
		return "waiting";
	case MON_LIVE:
		return "live";
	case MON_STALE:
		return "stale";
	}
	return "?";
}

const char *
monitor_error(const struct monitor *m)
{
	return m->error;
}

int64_t
monitor_age_ms(const struct monitor *m)
{
	return m->snap != NULL ? loop_now(m->loop) - m->snap->taken_ms : 0;
}

uint64_t
monitor_refreshes(const struct monitor *m)
{
	return m->refreshes;
}

uint64_t
monitor_skipped(const struct monitor *m)
{
	return m->skipped;
}
