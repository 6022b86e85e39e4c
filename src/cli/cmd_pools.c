/*
 * cmd_pools: `pgdbm-console pools [--profile FILE] [--database NAME] [--json]`.
 *
 * One snapshot of the pools of every selected database (--database, else
 * all): the server side (client connections against the usable
 * max_connections, and one row per application pool with active, idle,
 * idle in transaction and waiting sessions against the max the profile
 * declares) and, when the profile names a `pgbouncer` admin conninfo for
 * the database, PgBouncer's pools (SHOW POOLS, SHOW DATABASES, SHOW STATS)
 * with utilisation sv_active / pool_size and the saturation alarm.
 *
 * One snapshot has no earlier sample to difference, so the rates printed
 * are PgBouncer's own averages over its stats_period (the avg_* columns of
 * SHOW STATS); --json also carries the raw totals.
 *
 * Exit status: 0 when everything was read and no alert or alarm is on; 1
 * when a database or its PgBouncer could not be read, or a server alert or
 * a PgBouncer saturation alarm is on; 2 for usage and profile errors.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bouncer.h"
#include "cli.h"
#include "conninfo.h"
#include "database.h"
#include "json.h"
#include "loop.h"
#include "monitor.h"
#include "poolsnap.h"
#include "units.h"

static const char *
alert_kind_name(enum mon_alert_kind k)
{
	switch (k) {
	case MON_ALERT_NEAR_MAX:
		return "near-max";
	case MON_ALERT_POOL_AT_MAX:
		return "pool-at-max";
	case MON_ALERT_IDLE_IN_TX:
		return "idle-in-transaction";
	case MON_ALERT_WAITING:
		return "waiting";
	}
	return "?";
}

static const char *
alarm_kind_name(enum bouncer_alarm_kind k)
{
	switch (k) {
	case BOUNCER_ALARM_SATURATED:
		return "saturated";
	}
	return "?";
}

/* ------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------ */

/* An integer column that may be unknown (-1). */
static const char *
num(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%lld", (long long)v);
	return buf;
}

static const char *
percent(double fraction, char *buf, size_t size)
{
	if (fraction < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.0f%%", fraction * 100);
	return buf;
}

static const char *
duration_us(int64_t us, char *buf, size_t size)
{
	if (us < 0)
		snprintf(buf, size, "?");
	else if (us == 0)
		snprintf(buf, size, "0");
	else if (us < 1000)
		snprintf(buf, size, "%lldus", (long long)us);
	else if (us < 1000000)
		snprintf(buf, size, "%.1fms", (double)us / 1000);
	else
		snprintf(buf, size, "%.1fs", (double)us / 1000000);
	return buf;
}

static const char *
bytes(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "?");
	else
		units_format_bytes(v, buf, size);
	return buf;
}

static void
print_server_text(FILE *f, const struct poolsnap_entry *e)
{
	const struct mon_snapshot *s = monitor_snapshot(e->mon);
	char a[32], b[32];
	size_t i;

	if (s == NULL) {
		fprintf(f, "  server: unreachable: %s\n", monitor_error(e->mon));
		return;
	}
	fprintf(f,
		"  server: PostgreSQL %d.%d, %d of %d usable connections in use (%s; "
		"max_connections %d, %d reserved), %d to this database\n",
		s->server_version_num / 10000, s->server_version_num % 100, s->connections,
		s->usable,
		percent(s->usable > 0 ? (double)s->connections / s->usable : -1, a, sizeof a),
		s->max_connections, s->reserved, s->db_connections);
	if (monitor_status(e->mon) != MON_LIVE)
		fprintf(f, "  server: stale: %s\n", monitor_error(e->mon));
	if (s->n_pools > 0) {
		fprintf(f, "    %-28s %6s %7s %6s %8s %8s %6s %6s\n", "application pool", "total",
			"active", "idle", "idle-tx", "waiting", "max", "util");
		for (i = 0; i < s->n_pools; i++) {
			const struct mon_pool *p = &s->pools[i];

			cli_line(f, "    %-28s %6d %7d %6d %8d %8d %6s %6s\n",
				 p->appname[0] ? p->appname : "(no application_name)", p->total,
				 p->active, p->idle, p->idle_in_tx, p->waiting,
				 p->declared_max > 0 ? num(p->declared_max, a, sizeof a) : "-",
				 percent(p->declared_max > 0 ? (double)p->total / p->declared_max
							     : -1,
					 b, sizeof b));
		}
	} else {
		fprintf(f, "    no application pool connected\n");
	}
	for (i = 0; i < s->n_alerts; i++)
		cli_line(f, "    ALERT %s\n", s->alerts[i].text);
}

static void
print_bouncer_text(FILE *f, const struct poolsnap_entry *e)
{
	const struct bouncer_snapshot *s = bouncer_snapshot(e->bouncer);
	char *ci = conninfo_redact(bouncer_conninfo(e->bouncer));
	char a[32], b[32], c[32], d[32], g[32], h[32], k[32], m[32];
	bool with_stats = false;
	size_t i;

	if (s == NULL) {
		fprintf(f, "  pgbouncer (%s): unreachable: %s\n", ci, bouncer_error(e->bouncer));
		free(ci);
		return;
	}
	fprintf(f, "  pgbouncer (%s): %s%s%s\n", ci,
		bouncer_status_name(bouncer_status(e->bouncer)),
		bouncer_status(e->bouncer) != BOUNCER_LIVE ? ": " : "",
		bouncer_status(e->bouncer) != BOUNCER_LIVE ? bouncer_error(e->bouncer) : "");
	free(ci);
	if (s->missing[0] != '\0')
		fprintf(f, "    (this PgBouncer has no column %s: shown as ?)\n", s->missing);
	if (s->n_pools == 0) {
		fprintf(f, "    no pool yet (PgBouncer opens one at a client's first login)\n");
	} else {
		fprintf(f, "    %-28s %-11s %9s %10s %9s %7s %7s %9s %5s %8s\n", "database/user",
			"mode", "cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_used",
			"pool_size", "util", "maxwait");
		for (i = 0; i < s->n_pools; i++) {
			const struct bouncer_pool *p = &s->pools[i];
			char who[256];

			snprintf(who, sizeof who, "%s/%s", p->database, p->user);
			cli_line(f, "    %-28s %-11s %9s %10s %9s %7s %7s %9s %5s %8s%s\n", who,
				 p->pool_mode[0] ? p->pool_mode : "?",
				 num(p->cl_active, a, sizeof a), num(p->cl_waiting, b, sizeof b),
				 num(p->sv_active, c, sizeof c), num(p->sv_idle, d, sizeof d),
				 num(p->sv_used, g, sizeof g), num(p->pool_size, h, sizeof h),
				 percent(p->utilisation, k, sizeof k),
				 duration_us(p->maxwait_us, m, sizeof m),
				 p->saturated ? "  SATURATED" : "");
		}
	}
	for (i = 0; i < s->n_dbs && !with_stats; i++)
		with_stats = s->dbs[i].has_stats;
	if (with_stats) {
		fprintf(f, "    %-28s %8s %8s %9s %9s %10s %10s %10s\n", "database (avg)", "xact/s",
			"query/s", "in/s", "out/s", "xact time", "query time", "wait time");
		for (i = 0; i < s->n_dbs; i++) {
			const struct bouncer_db *db = &s->dbs[i];
			const struct bouncer_stats *st = &db->stats;

			if (!db->has_stats)
				continue;
			cli_line(f, "    %-28s %8s %8s %9s %9s %10s %10s %10s\n", db->name,
				 num(st->avg_xact_count, a, sizeof a),
				 num(st->avg_query_count, b, sizeof b),
				 bytes(st->avg_recv, c, sizeof c), bytes(st->avg_sent, d, sizeof d),
				 duration_us(st->avg_xact_time_us, g, sizeof g),
				 duration_us(st->avg_query_time_us, h, sizeof h),
				 duration_us(st->avg_wait_time_us, k, sizeof k));
		}
	}
	for (i = 0; i < s->n_alarms; i++)
		cli_line(f, "    ALARM %s\n", s->alarms[i].text);
}

/* ------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------ */

/* An integer that may be unknown (-1 -> null). */
static void
kint(struct json *j, const char *key, int64_t v)
{
	if (v < 0) {
		json_key(j, key);
		json_null(j);
	} else {
		json_kint(j, key, v);
	}
}

static void
kpercent(struct json *j, const char *key, double fraction)
{
	json_key(j, key);
	if (fraction < 0)
		json_null(j);
	else
		json_double(j, (double)(int64_t)(fraction * 1000 + 0.5) / 10);
}

static void
kdouble(struct json *j, const char *key, double v)
{
	json_key(j, key);
	if (v < 0)
		json_null(j);
	else
		json_double(j, (double)(int64_t)(v * 1000 + 0.5) / 1000);
}

static void
server_json(struct json *j, const struct poolsnap_entry *e)
{
	const struct mon_snapshot *s = monitor_snapshot(e->mon);
	size_t i;

	json_key(j, "server");
	json_object_begin(j);
	json_kstr(j, "status",
		  s != NULL ? monitor_status_name(monitor_status(e->mon)) : "unreachable");
	json_kstr(j, "error", monitor_error(e->mon)[0] ? monitor_error(e->mon) : NULL);
	if (s != NULL) {
		json_kint(j, "server_version_num", s->server_version_num);
		json_kstr(j, "database", s->database);
		json_kint(j, "max_connections", s->max_connections);
		json_kint(j, "reserved_connections", s->reserved);
		json_kint(j, "usable_connections", s->usable);
		json_kint(j, "connections", s->connections);
		json_kint(j, "database_connections", s->db_connections);
		kpercent(j, "utilisation_percent",
			 s->usable > 0 ? (double)s->connections / s->usable : -1);
		json_key(j, "pools");
		json_array_begin(j);
		for (i = 0; i < s->n_pools; i++) {
			const struct mon_pool *p = &s->pools[i];

			json_object_begin(j);
			json_kstr(j, "application_name", p->appname);
			json_kint(j, "total", p->total);
			json_kint(j, "active", p->active);
			json_kint(j, "idle", p->idle);
			json_kint(j, "idle_in_transaction", p->idle_in_tx);
			json_kint(j, "waiting", p->waiting);
			kint(j, "declared_max", p->declared_max > 0 ? p->declared_max : -1);
			kpercent(j, "utilisation_percent",
				 p->declared_max > 0 ? (double)p->total / p->declared_max : -1);
			json_object_end(j);
		}
		json_array_end(j);
		json_key(j, "alerts");
		json_array_begin(j);
		for (i = 0; i < s->n_alerts; i++) {
			json_object_begin(j);
			json_kstr(j, "kind", alert_kind_name(s->alerts[i].kind));
			json_kstr(j, "text", s->alerts[i].text);
			json_object_end(j);
		}
		json_array_end(j);
	}
	json_object_end(j);
}

static void
stats_json(struct json *j, const struct bouncer_db *db)
{
	const struct bouncer_stats *st = &db->stats;
	const struct bouncer_rates *r = &db->rates;

	json_key(j, "stats");
	if (!db->has_stats) {
		json_null(j);
	} else {
		json_object_begin(j);
		kint(j, "total_xact_count", st->total_xact_count);
		kint(j, "total_query_count", st->total_query_count);
		kint(j, "total_received", st->total_received);
		kint(j, "total_sent", st->total_sent);
		kint(j, "total_xact_time_us", st->total_xact_time_us);
		kint(j, "total_query_time_us", st->total_query_time_us);
		kint(j, "total_wait_time_us", st->total_wait_time_us);
		kint(j, "avg_xact_count", st->avg_xact_count);
		kint(j, "avg_query_count", st->avg_query_count);
		kint(j, "avg_recv", st->avg_recv);
		kint(j, "avg_sent", st->avg_sent);
		kint(j, "avg_xact_time_us", st->avg_xact_time_us);
		kint(j, "avg_query_time_us", st->avg_query_time_us);
		kint(j, "avg_wait_time_us", st->avg_wait_time_us);
		json_object_end(j);
	}
	json_key(j, "rates");
	if (!r->known) {
		json_null(j);
	} else {
		json_object_begin(j);
		kdouble(j, "interval_s", r->interval_s);
		kdouble(j, "xact_per_s", r->xact_per_s);
		kdouble(j, "query_per_s", r->query_per_s);
		kdouble(j, "recv_bytes_per_s", r->recv_bytes_per_s);
		kdouble(j, "sent_bytes_per_s", r->sent_bytes_per_s);
		kdouble(j, "xact_time_us", r->xact_time_us);
		kdouble(j, "query_time_us", r->query_time_us);
		kdouble(j, "wait_us_per_s", r->wait_us_per_s);
		json_object_end(j);
	}
}

static void
bouncer_json(struct json *j, const struct poolsnap_entry *e)
{
	const struct bouncer_snapshot *s;
	char *ci;
	size_t i;

	json_key(j, "pgbouncer");
	if (e->bouncer == NULL) {
		json_null(j);
		return;
	}
	s = bouncer_snapshot(e->bouncer);
	ci = conninfo_redact(bouncer_conninfo(e->bouncer));
	json_object_begin(j);
	json_kstr(j, "conninfo", ci);
	free(ci);
	json_kstr(j, "status",
		  s != NULL ? bouncer_status_name(bouncer_status(e->bouncer)) : "unreachable");
	json_kstr(j, "error", bouncer_error(e->bouncer)[0] ? bouncer_error(e->bouncer) : NULL);
	if (s != NULL) {
		kdouble(j, "round_trip_ms", (double)s->round_trip_us / 1000);
		json_kstr(j, "missing_columns", s->missing[0] ? s->missing : NULL);
		json_key(j, "pools");
		json_array_begin(j);
		for (i = 0; i < s->n_pools; i++) {
			const struct bouncer_pool *p = &s->pools[i];

			json_object_begin(j);
			json_kstr(j, "database", p->database);
			json_kstr(j, "user", p->user);
			json_kstr(j, "pool_mode", p->pool_mode[0] ? p->pool_mode : NULL);
			kint(j, "cl_active", p->cl_active);
			kint(j, "cl_waiting", p->cl_waiting);
			kint(j, "sv_active", p->sv_active);
			kint(j, "sv_idle", p->sv_idle);
			kint(j, "sv_used", p->sv_used);
			kint(j, "sv_tested", p->sv_tested);
			kint(j, "sv_login", p->sv_login);
			kint(j, "maxwait_us", p->maxwait_us);
			kint(j, "pool_size", p->pool_size);
			kpercent(j, "utilisation_percent", p->utilisation);
			json_kbool(j, "maxwait_rising", p->maxwait_rising);
			json_kbool(j, "saturated", p->saturated);
			json_object_end(j);
		}
		json_array_end(j);
		json_key(j, "databases");
		json_array_begin(j);
		for (i = 0; i < s->n_dbs; i++) {
			const struct bouncer_db *db = &s->dbs[i];

			json_object_begin(j);
			json_kstr(j, "name", db->name);
			kint(j, "pool_size", db->pool_size);
			kint(j, "min_pool_size", db->min_pool_size);
			kint(j, "reserve_pool", db->reserve_pool);
			json_kstr(j, "pool_mode", db->pool_mode[0] ? db->pool_mode : NULL);
			kint(j, "max_connections", db->max_connections);
			kint(j, "current_connections", db->current_connections);
			json_kbool(j, "paused", db->paused);
			json_kbool(j, "disabled", db->disabled);
			stats_json(j, db);
			json_object_end(j);
		}
		json_array_end(j);
		json_key(j, "alarms");
		json_array_begin(j);
		for (i = 0; i < s->n_alarms; i++) {
			json_object_begin(j);
			json_kstr(j, "kind", alarm_kind_name(s->alarms[i].kind));
			json_kstr(j, "subject", s->alarms[i].subject);
			json_kstr(j, "text", s->alarms[i].text);
			json_object_end(j);
		}
		json_array_end(j);
	}
	json_object_end(j);
}

/* ------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------ */

int
cmd_pools(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_env env;
	struct database **dbs;
	struct poolsnap *ps;
	size_t n, i;
	int npos, status;

	npos = cli_parse_options(cli, cmd, argc, argv, NULL, NULL, NULL, NULL);
	if (npos < 0)
		return cli_parse_exit(npos);
	if (!cli_no_arguments(cli, cmd, npos, argv))
		return CLI_USAGE;
	if (!cli_env_open(cli, &env))
		return CLI_USAGE;
	dbs = xcalloc(env.profile->n_databases + 1, sizeof *dbs);
	n = cli_env_select(cli, &env, dbs);

	ps = poolsnap_new(env.loop, dbs, n, &cli->log, true);
	while (!poolsnap_finished(ps))
		loop_run_once(env.loop, -1);
	status = poolsnap_problem(ps) ? CLI_FAIL : CLI_OK;

	if (cli->json) {
		struct strbuf sb = STRBUF_INIT;
		struct json j;

		json_init(&j, &sb, true);
		json_object_begin(&j);
		json_kstr(&j, "profile", env.profile->name);
		json_kbool(&j, "ok", status == CLI_OK);
		json_key(&j, "databases");
		json_array_begin(&j);
		for (i = 0; i < n; i++) {
			const struct poolsnap_entry *e = poolsnap_entry(ps, i);

			json_object_begin(&j);
			json_kstr(&j, "label", e->db->cfg->label);
			json_kbool(&j, "ok", !poolsnap_entry_problem(e));
			server_json(&j, e);
			bouncer_json(&j, e);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		cli_print_json(cli, &sb);
		strbuf_free(&sb);
	} else {
		for (i = 0; i < n; i++) {
			const struct poolsnap_entry *e = poolsnap_entry(ps, i);

			fprintf(cli->out, "%s%s\n", i > 0 ? "\n" : "", e->db->cfg->label);
			print_server_text(cli->out, e);
			if (e->bouncer != NULL)
				print_bouncer_text(cli->out, e);
		}
	}
	poolsnap_free(&ps);
	free(dbs);
	cli_env_close(&env);
	return status;
}
