/*
 * cmd_profile: `pgdbm-console profile check [FILE] [--connect] [--json]`.
 *
 * Loads a profile without connecting and prints what it understood: each
 * database with its redacted connection, pool, timeouts, modules, tenants
 * and expected application pools. Diagnostics name file, line and column.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conn.h"
#include "conninfo.h"
#include "database.h"
#include "json.h"
#include "loop.h"
#include "units.h"

struct check_opts {
	bool connect;
};

enum {
	OPT_CONNECT = 0x200
};

static const struct option check_options[] = {
	{ "connect", no_argument, NULL, OPT_CONNECT },
	{ NULL, 0, NULL, 0 },
};

static bool
check_on_opt(struct cli *cli, int opt, const char *arg, void *data)
{
	struct check_opts *o = data;

	(void)cli;
	(void)arg;
	if (opt == OPT_CONNECT)
		o->connect = true;
	return true;
}

/* What --connect found for one database. */
struct probe {
	bool done;
	char *error;
	char *version;
	char *user;
	char *dbname;
	int max_connections;
	int reserved;
	bool in_recovery;
	int64_t elapsed_ms;
	int64_t started_ms;
	struct loop *loop;
};

static const char probe_sql[] =
	"SELECT current_setting('server_version'), current_user, current_database(), "
	"current_setting('max_connections')::int, "
	"current_setting('superuser_reserved_connections')::int, pg_is_in_recovery()";

static void
probe_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct probe *pr = arg;
	const PGresult *r = reply->n > 0 ? reply->results[reply->n - 1] : NULL;

	(void)p;
	pr->done = true;
	pr->elapsed_ms = loop_now(pr->loop) - pr->started_ms;
	pr->error = conn_reply_error_text(reply, CONN_ERROR_MESSAGE);
	if (pr->error != NULL)
		return;
	if (r == NULL || PQntuples(r) != 1) {
		pr->error = xstrdup("unexpected answer from the server");
		return;
	}
	pr->version = xstrdup(PQgetvalue(r, 0, 0));
	pr->user = xstrdup(PQgetvalue(r, 0, 1));
	pr->dbname = xstrdup(PQgetvalue(r, 0, 2));
	pr->max_connections = atoi(PQgetvalue(r, 0, 3));
	pr->reserved = atoi(PQgetvalue(r, 0, 4));
	pr->in_recovery = PQgetvalue(r, 0, 5)[0] == 't';
}

/* Reach every database at once; returns false when any fails. */
static bool
probe_all(struct cli *cli, const struct profile *p, struct probe *probes)
{
	struct loop *loop = loop_new();
	struct database **dbs = database_open_all(loop, p, &cli->log, true);
	bool all_done = false, ok = true;
	size_t i;

	for (i = 0; i < p->n_databases; i++) {
		probes[i].loop = loop;
		probes[i].started_ms = loop_now(loop);
		pool_query(dbs[i]->pool, probe_sql, 0, NULL, probe_done, &probes[i]);
	}
	while (!all_done) {
		all_done = true;
		for (i = 0; i < p->n_databases; i++)
			all_done = all_done && probes[i].done;
		if (!all_done)
			loop_run_once(loop, -1);
	}
	for (i = 0; i < p->n_databases; i++)
		ok = ok && probes[i].error == NULL;
	database_close_all(&dbs, p->n_databases);
	loop_free(&loop);
	return ok;
}

static void
probe_free(struct probe *pr)
{
	free(pr->error);
	free(pr->version);
	free(pr->user);
	free(pr->dbname);
}

static void
print_probe_text(FILE *f, const struct probe *pr)
{
	if (pr->error != NULL)
		fprintf(f, "    connect:           FAILED: %s\n", pr->error);
	else
		fprintf(f,
			"    connect:           ok in %lld ms: PostgreSQL %s, database %s as %s, "
			"max_connections %d (%d reserved)%s\n",
			(long long)pr->elapsed_ms, pr->version, pr->dbname, pr->user,
			pr->max_connections, pr->reserved, pr->in_recovery ? ", standby" : "");
}

static void
print_probe_json(struct json *j, const struct probe *pr)
{
	json_key(j, "connect");
	json_object_begin(j);
	json_kbool(j, "ok", pr->error == NULL);
	json_kstr(j, "error", pr->error);
	json_kint(j, "elapsed_ms", pr->elapsed_ms);
	if (pr->error == NULL) {
		json_kstr(j, "server_version", pr->version);
		json_kstr(j, "user", pr->user);
		json_kstr(j, "database", pr->dbname);
		json_kint(j, "max_connections", pr->max_connections);
		json_kint(j, "superuser_reserved_connections", pr->reserved);
		json_kbool(j, "in_recovery", pr->in_recovery);
	}
	json_object_end(j);
}

static const char *
dur(int64_t ms, char *buf, size_t size)
{
	if (ms == 0)
		return "off";
	return units_format_duration(ms, buf, size);
}

static void
print_database_text(FILE *f, const struct profile_database *db)
{
	char a[32], b[32], c[32], d[32];
	char *ci = conninfo_redact(profile_database_conninfo(db));
	size_t i;

	fprintf(f, "  database %s%s\n", db->label, db->read_only ? " (read-only)" : "");
	fprintf(f, "    connection:        %s\n", ci);
	free(ci);
	fprintf(f, "    application_name:  %s\n", db->application_name);
	fprintf(f, "    pool:              min %d, max %d, acquire timeout %s\n", db->pool.min,
		db->pool.max, dur(db->pool.acquire_timeout_ms, a, sizeof a));
	fprintf(f, "                       max lifetime %s, max idle %s, health check %s\n",
		dur(db->pool.max_lifetime_ms, a, sizeof a), dur(db->pool.max_idle_ms, b, sizeof b),
		dur(db->pool.health_check_ms, c, sizeof c));
	fprintf(f,
		"    timeouts:          connect %s, statement %s, lock %s, idle in transaction %s\n",
		dur(db->connect_timeout_ms, a, sizeof a),
		dur(db->statement_timeout_ms, b, sizeof b), dur(db->lock_timeout_ms, c, sizeof c),
		dur(db->idle_in_transaction_timeout_ms, d, sizeof d));
	fprintf(f,
		"    alerts:            connections at %d.%d%% of max_connections, idle in "
		"transaction over %s, waiting over %s\n",
		db->warn_at / 10, db->warn_at % 10,
		dur(db->alerts.idle_in_transaction_ms, a, sizeof a),
		dur(db->alerts.waiting_ms, b, sizeof b));
	for (i = 0; i < db->n_modules; i++) {
		const struct profile_module *m = &db->modules[i];

		fprintf(f, "    module %-12s schema %s, ledger %s.%s, migrations %s\n", m->name,
			m->schema, m->schema, m->table, m->migrations);
	}
	if (db->tenants.present) {
		const struct profile_tenants *t = &db->tenants;

		fprintf(f, "    tenants:           schema %s<id>, migrations %s\n", t->prefix,
			t->migrations);
		fprintf(f,
			"                       concurrency %d, canaries %d, on failure %s, "
			"archived as %s<id>%s%s\n",
			t->concurrency, t->canaries,
			t->on_failure == PROFILE_ON_FAILURE_STOP ? "stop" : "continue",
			t->archive_prefix, t->registry ? ", registry " : "",
			t->registry ? t->registry : "");
	}
	for (i = 0; i < db->n_apps; i++)
		fprintf(f, "    app %-20s pool max %d\n", db->apps[i].application_name,
			db->apps[i].pool_max);
	if (db->pgbouncer != NULL) {
		ci = conninfo_redact(db->pgbouncer);
		fprintf(f, "    pgbouncer:         %s\n", ci);
		free(ci);
	}
}

static void
print_database_json(struct json *j, const struct profile_database *db, const struct probe *pr)
{
	char *ci = conninfo_redact(profile_database_conninfo(db));
	size_t i;

	json_object_begin(j);
	json_kstr(j, "label", db->label);
	json_kstr(j, "conninfo", ci);
	free(ci);
	json_kstr(j, "service", db->service);
	json_kstr(j, "application_name", db->application_name);
	json_kbool(j, "read_only", db->read_only);
	json_key(j, "pool");
	json_object_begin(j);
	json_kint(j, "min", db->pool.min);
	json_kint(j, "max", db->pool.max);
	json_kint(j, "acquire_timeout_ms", db->pool.acquire_timeout_ms);
	json_kint(j, "max_lifetime_ms", db->pool.max_lifetime_ms);
	json_kint(j, "max_idle_ms", db->pool.max_idle_ms);
	json_kint(j, "health_check_ms", db->pool.health_check_ms);
	json_object_end(j);
	json_kdouble(j, "warn_at_percent", db->warn_at / 10.0);
	json_kint(j, "connect_timeout_ms", db->connect_timeout_ms);
	json_kint(j, "statement_timeout_ms", db->statement_timeout_ms);
	json_kint(j, "lock_timeout_ms", db->lock_timeout_ms);
	json_kint(j, "idle_in_transaction_timeout_ms", db->idle_in_transaction_timeout_ms);
	json_key(j, "alerts");
	json_object_begin(j);
	json_kint(j, "idle_in_transaction_ms", db->alerts.idle_in_transaction_ms);
	json_kint(j, "waiting_ms", db->alerts.waiting_ms);
	json_object_end(j);
	json_key(j, "modules");
	json_array_begin(j);
	for (i = 0; i < db->n_modules; i++) {
		json_object_begin(j);
		json_kstr(j, "name", db->modules[i].name);
		json_kstr(j, "schema", db->modules[i].schema);
		json_kstr(j, "table", db->modules[i].table);
		json_kstr(j, "migrations", db->modules[i].migrations);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "tenants");
	if (db->tenants.present) {
		const struct profile_tenants *t = &db->tenants;

		json_object_begin(j);
		json_kstr(j, "prefix", t->prefix);
		json_kstr(j, "migrations", t->migrations);
		json_kstr(j, "table", t->table);
		json_kint(j, "concurrency", t->concurrency);
		json_kint(j, "canaries", t->canaries);
		json_kstr(j, "on_failure",
			  t->on_failure == PROFILE_ON_FAILURE_STOP ? "stop" : "continue");
		json_kstr(j, "registry", t->registry);
		json_kstr(j, "archive_prefix", t->archive_prefix);
		json_object_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "apps");
	json_array_begin(j);
	for (i = 0; i < db->n_apps; i++) {
		json_object_begin(j);
		json_kstr(j, "application_name", db->apps[i].application_name);
		json_kint(j, "pool_max", db->apps[i].pool_max);
		json_object_end(j);
	}
	json_array_end(j);
	if (db->pgbouncer != NULL) {
		ci = conninfo_redact(db->pgbouncer);
		json_kstr(j, "pgbouncer", ci);
		free(ci);
	} else {
		json_kstr(j, "pgbouncer", NULL);
	}
	if (pr != NULL)
		print_probe_json(j, pr);
	json_object_end(j);
}

static void
diags_json(struct json *j, const struct profile_diags *diags, enum profile_severity sev)
{
	size_t i;

	json_array_begin(j);
	for (i = 0; i < diags->n; i++) {
		const struct profile_diag *d = &diags->v[i];

		if (d->severity != sev)
			continue;
		json_object_begin(j);
		json_kstr(j, "file", d->file);
		json_kint(j, "line", d->line);
		json_kint(j, "column", d->col);
		json_kstr(j, "message", d->msg);
		json_object_end(j);
	}
	json_array_end(j);
}

int
cmd_profile_check(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct profile_diags diags = { NULL, 0, 0 };
	struct check_opts opts = { false };
	struct probe *probes = NULL;
	struct profile *p = NULL;
	char *path, *why = NULL;
	int npos, status;
	size_t i;

	npos = cli_parse_options(cli, cmd, argc, argv, check_options, NULL, check_on_opt, &opts);
	if (npos < 0)
		return cli_parse_exit(npos);
	if (npos > 1 || (npos == 0 && cli->n_profile_args > 1)) {
		cli_error(cli, "profile check takes one FILE, got %d",
			  npos > 1 ? npos : (int)cli->n_profile_args);
		return CLI_USAGE;
	}
	path = profile_find(npos == 1 ? argv[0] : cli->profile_arg, &why);
	if (path == NULL) {
		cli_error(cli, "%s", why);
		free(why);
		return CLI_USAGE;
	}
	p = profile_load(path, &diags);
	status = p != NULL ? CLI_OK : CLI_USAGE;
	if (p != NULL && opts.connect) {
		probes = xcalloc(p->n_databases, sizeof *probes);
		if (!probe_all(cli, p, probes))
			status = CLI_FAIL;
	}

	if (cli->json) {
		struct strbuf sb = STRBUF_INIT;
		struct json j;

		json_init(&j, &sb, true);
		json_object_begin(&j);
		json_kstr(&j, "file", path);
		json_kbool(&j, "ok", p != NULL);
		json_key(&j, "errors");
		diags_json(&j, &diags, PROFILE_ERROR);
		json_key(&j, "warnings");
		diags_json(&j, &diags, PROFILE_WARNING);
		if (p != NULL) {
			json_key(&j, "profile");
			json_object_begin(&j);
			json_kstr(&j, "name", p->name);
			json_kint(&j, "refresh_ms", p->refresh_ms);
			json_kbool(&j, "read_only", p->read_only);
			json_key(&j, "databases");
			json_array_begin(&j);
			for (i = 0; i < p->n_databases; i++)
				print_database_json(&j, &p->databases[i],
						    probes != NULL ? &probes[i] : NULL);
			json_array_end(&j);
			json_object_end(&j);
		}
		json_object_end(&j);
		cli_print_json(cli, &sb);
		strbuf_free(&sb);
	} else {
		cli_print_diags(cli, path, &diags);
		if (p != NULL) {
			char r[32];

			fprintf(cli->out, "profile %s (%s): OK\n", p->name, path);
			fprintf(cli->out, "  refresh every %s%s, %zu database%s\n",
				units_format_duration(p->refresh_ms, r, sizeof r),
				p->read_only ? ", read-only" : "", p->n_databases,
				p->n_databases == 1 ? "" : "s");
			for (i = 0; i < p->n_databases; i++) {
				print_database_text(cli->out, &p->databases[i]);
				if (probes != NULL)
					print_probe_text(cli->out, &probes[i]);
			}
		}
	}
	if (probes != NULL) {
		for (i = 0; i < p->n_databases; i++)
			probe_free(&probes[i]);
		free(probes);
	}
	profile_diags_free(&diags);
	profile_free(&p);
	free(path);
	return status;
}
