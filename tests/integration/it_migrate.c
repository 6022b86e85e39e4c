/*
 * it_migrate: the migration engine against a real server.
 *
 * pgdbm's ledger read and written byte for byte, apply/rollback round
 * trips, failures that leave nothing behind and name file and line, two
 * appliers at once, a lock held elsewhere, a connection killed mid-file,
 * drift / out-of-order / missing states, repair, no-transaction files,
 * read-only profiles and the events table. A failing file runs once (its
 * line found without running it again); a COMMIT whose answer never came
 * (committed locally, then the backend terminated while it waited for a
 * synchronous standby that does not exist) is read back from the ledger.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itutil.h"
#include "loop.h"
#include "manager.h"
#include "migfile.h"
#include "migrate.h"
#include "msglog.h"
#include "pool.h"
#include "strbuf.h"
#include "testutil.h"
#include "xalloc.h"

struct env {
	struct loop *loop;
	struct msglog log;
	struct pool *pool;
	PGconn *check;
	char *dir;
	struct strbuf progress;
};

static struct pool *
new_pool(struct env *e, const char *appname, bool read_only)
{
	struct pool_config cfg;

	pool_config_defaults(&cfg);
	cfg.conn.label = "it";
	cfg.conn.conninfo = "";
	cfg.conn.application_name = appname;
	cfg.conn.read_only = read_only;
	cfg.min = 0;
	cfg.max = 4;
	return pool_new(e->loop, &cfg, &e->log);
}

static int
setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);

	e->loop = loop_new();
	msglog_init(&e->log, 1000);
	e->pool = new_pool(e, "it-migrate", false);
	e->check = it_connect();
	e->dir = tu_mkdtemp();
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	pool_free(&e->pool);
	PQfinish(e->check);
	loop_free(&e->loop);
	msglog_free(&e->log);
	tu_rm_rf(e->dir);
	free(e->dir);
	strbuf_free(&e->progress);
	free(e);
	return 0;
}

/* Write dir/name (name may be "down/x.sql"). */
static void
put(struct env *e, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", e->dir, name);
	char *down = xasprintf("%s/down", e->dir);

	mkdir(down, 0755);
	assert_int_equal(tu_write_file(path, text), 0);
	free(path);
	free(down);
}

static void
drop(struct env *e, const char *name)
{
	char *path = xasprintf("%s/%s", e->dir, name);

	assert_int_equal(unlink(path), 0);
	free(path);
}

static void
on_progress(struct mig_run *r, const char *what, void *arg)
{
	struct env *e = arg;

	(void)r;
	strbuf_addf(&e->progress, "%s\n", what);
}

/* Scan the folder and run kind to the end; the caller frees run, set and manager. */
struct done {
	struct mig_run *run;
	struct migfile_set files;
	struct manager *mgr;
};

static void
start(struct env *e, struct pool *pool, struct done *d, enum mig_kind kind, const char *schema,
      const struct mig_opts *opts, bool read_only)
{
	struct mig_target t;
	struct mig_opts dflt;
	char *err = NULL;

	memset(d, 0, sizeof *d);
	assert_null(migfile_scan(e->dir, &d->files));
	d->mgr = manager_new(pool, schema, NULL, NULL, &err);
	assert_non_null(d->mgr);
	memset(&t, 0, sizeof t);
	t.label = schema;
	t.mgr = d->mgr;
	t.files = &d->files;
	t.read_only = read_only;
	if (opts == NULL) {
		mig_opts_defaults(&dflt);
		opts = &dflt;
	}
	d->run = migrate_start(kind, &t, opts, on_progress, NULL, e);
}

static bool
run_finished(void *arg)
{
	const struct done *d = arg;

	return migrate_finished(d->run);
}

static void
wait_done(struct env *e, struct done *d)
{
	it_run_until(e->loop, run_finished, d, 60000);
}

static void
run(struct env *e, struct done *d, enum mig_kind kind, const char *schema,
    const struct mig_opts *opts)
{
	start(e, e->pool, d, kind, schema, opts, false);
	wait_done(e, d);
}

static void
done_free(struct done *d)
{
	migrate_run_free(&d->run);
	migfile_set_free(&d->files);
	manager_free(&d->mgr);
}

static void
assert_ok(struct done *d)
{
	if (!migrate_ok(d->run)) {
		struct strbuf sb = STRBUF_INIT;

		mig_error_format(migrate_error(d->run), &sb);
		fail_msg("run failed: %s", strbuf_str(&sb));
	}
}

static size_t
n_done(struct done *d)
{
	size_t n;

	migrate_done_list(d->run, &n);
	return n;
}

static long long
count(struct env *e, const char *sql)
{
	return it_scalar(e->check, sql);
}

/* ------------------------------------------------------------------------ */

/* pgdbm's DDL, copied from research/pgdbm.md section 3.2, independent of ours. */
static const char pgdbm_ddl[] = "CREATE SCHEMA %s;\n"
				"CREATE TABLE IF NOT EXISTS %s.schema_migrations (\n"
				"    id SERIAL PRIMARY KEY,\n"
				"    filename VARCHAR(255) NOT NULL,\n"
				"    checksum VARCHAR(64) NOT NULL,\n"
				"    module_name VARCHAR(100),\n"
				"    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
				"    applied_by VARCHAR(100) DEFAULT CURRENT_USER,\n"
				"    execution_time_ms INTEGER,\n"
				"    UNIQUE(filename, module_name)\n"
				");\n"
				"CREATE INDEX IF NOT EXISTS idx_schema_migrations_module\n"
				"    ON %s.schema_migrations(module_name, filename);";

/* Columns, types, defaults, nullability, constraints and indexes of a ledger. */
static char *
ledger_shape(struct env *e, const char *schema)
{
	char *sql = xasprintf(
		"SELECT string_agg(x, ' | ' ORDER BY x) FROM (\n"
		" SELECT column_name || ':' || data_type || ':' || coalesce(character_maximum_length::text, '')"
		"  || ':' || is_nullable || ':' || replace(coalesce(column_default, ''), '%s.', '') AS x\n"
		" FROM information_schema.columns WHERE table_schema = '%s' AND table_name = "
		"'schema_migrations'\n"
		" UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(c.oid)\n"
		" FROM pg_constraint c WHERE conrelid = '%s.schema_migrations'::regclass\n"
		" UNION ALL SELECT 'index ' || indexname || ' ' || replace(indexdef, '%s.', '')\n"
		" FROM pg_indexes WHERE schemaname = '%s' AND tablename = 'schema_migrations') s",
		schema, schema, schema, schema, schema);
	char *v = it_string(e->check, sql);

	free(sql);
	return v;
}

static void
test_ledger_is_pgdbm_ledger(void **state)
{
	struct env *e = *state;
	struct done d;
	char *sql, *ours, *theirs;
	PGresult *r;

	/* the console creates the ledger: same shape as pgdbm's DDL */
	put(e, "001_a.sql", "CREATE TABLE {{tables.a}} (x int);\n");
	run(e, &d, MIG_RUN_APPLY, "m_shape", NULL);
	assert_ok(&d);
	done_free(&d);
	sql = xasprintf(pgdbm_ddl, "m_ref", "m_ref", "m_ref");
	it_cmd(e->check, sql);
	free(sql);
	ours = ledger_shape(e, "m_shape");
	theirs = ledger_shape(e, "m_ref");
	assert_string_equal(ours, theirs);
	assert_non_null(strstr(ours, "index idx_schema_migrations_module"));
	assert_non_null(strstr(ours, "schema_migrations_filename_module_name_key"));
	free(ours);
	free(theirs);

	/* the row: only filename, checksum, module_name, execution_time_ms were given */
	r = it_exec(e->check, "SELECT filename, checksum, module_name, execution_time_ms >= 1,"
			      " applied_by = current_user, applied_at <= now()::timestamp,"
			      " applied_at > now()::timestamp - interval '1 minute'"
			      " FROM m_shape.schema_migrations");
	assert_int_equal(PQntuples(r), 1);
	assert_string_equal(PQgetvalue(r, 0, 0), "001_a.sql");
	/* sha256("CREATE TABLE {{tables.a}} (x int);") as pgdbm computes it */
	assert_int_equal(strlen(PQgetvalue(r, 0, 1)), 64);
	assert_string_equal(PQgetvalue(r, 0, 2), "m_shape");
	assert_string_equal(PQgetvalue(r, 0, 3), "t");
	assert_string_equal(PQgetvalue(r, 0, 4), "t");
	assert_string_equal(PQgetvalue(r, 0, 5), "t");
	assert_string_equal(PQgetvalue(r, 0, 6), "t");
	PQclear(r);
}

static void
test_reads_ledger_pgdbm_wrote(void **state)
{
	struct env *e = *state;
	struct done d;
	const struct mig_status *st;
	char hex[CHECKSUM_HEX_SIZE];
	char *sql;
	const char *a = "CREATE TABLE {{tables.a}} (x int);";
	const char *b = "CREATE TABLE {{tables.b}} (x int);";

	/* a ledger created by pgdbm's DDL, with rows as pgdbm writes them: one for the
	 * module and one without module (counts as applied for every module) */
	sql = xasprintf(pgdbm_ddl, "m_pgdbm", "m_pgdbm", "m_pgdbm");
	it_cmd(e->check, sql);
	free(sql);
	it_cmd(e->check, "CREATE TABLE m_pgdbm.a (x int); CREATE TABLE m_pgdbm.b (x int)");
	checksum_text(a, strlen(a), hex);
	sql = xasprintf("INSERT INTO m_pgdbm.schema_migrations (filename, checksum, module_name, "
			"execution_time_ms) VALUES ('001_a.sql', '%s', 'm_pgdbm', 3)",
			hex);
	it_cmd(e->check, sql);
	free(sql);
	checksum_text(b, strlen(b), hex);
	sql = xasprintf("INSERT INTO m_pgdbm.schema_migrations (filename, checksum, module_name, "
			"execution_time_ms) VALUES ('002_b.sql', '%s', NULL, 2)",
			hex);
	it_cmd(e->check, sql);
	free(sql);
	put(e, "001_a.sql", "CREATE TABLE {{tables.a}} (x int);\r\n");
	put(e, "002_b.sql", "\n\nCREATE TABLE {{tables.b}} (x int);\n\n");
	put(e, "003_c.sql", "CREATE TABLE {{tables.c}} (x int);");

	run(e, &d, MIG_RUN_STATUS, "m_pgdbm", NULL);
	assert_ok(&d);
	st = migrate_status(d.run);
	assert_int_equal(st->count[MIG_APPLIED], 2);
	assert_int_equal(st->count[MIG_PENDING], 1);
	assert_true(st->entries[1].row->null_module);
	done_free(&d);

	run(e, &d, MIG_RUN_APPLY, "m_pgdbm", NULL);
	assert_ok(&d);
	assert_int_equal(n_done(&d), 1);
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM m_pgdbm.schema_migrations"), 3);
	assert_int_equal(count(e, "SELECT count(*) FROM m_pgdbm.c"), 0);
}

/* Relations, columns and indexes of a schema, minus the ledger. */
static char *
schema_shape(struct env *e, const char *schema)
{
	char *sql = xasprintf(
		"SELECT coalesce(string_agg(x, ',' ORDER BY x), '') FROM (\n"
		" SELECT table_name || '.' || column_name || ':' || data_type AS x\n"
		" FROM information_schema.columns WHERE table_schema = '%s'\n"
		"   AND table_name <> 'schema_migrations'\n"
		" UNION ALL SELECT indexname FROM pg_indexes WHERE schemaname = '%s'\n"
		"   AND tablename <> 'schema_migrations') s",
		schema, schema);
	char *v = it_string(e->check, sql);

	free(sql);
	return v;
}

static void
test_apply_rollback_round_trip(void **state)
{
	struct env *e = *state;
	struct done d;
	struct mig_opts o;
	char *before, *middle, *after;

	it_cmd(e->check, "CREATE SCHEMA m_rt; CREATE TABLE m_rt.existing (id int)");
	before = schema_shape(e, "m_rt");
	put(e, "001_t.sql", "CREATE TABLE {{tables.t}} (id int PRIMARY KEY);\n");
	put(e, "down/001_t.sql", "DROP TABLE {{tables.t}};\n");
	put(e, "002_col.sql",
	    "ALTER TABLE {{tables.t}} ADD COLUMN name text;\n"
	    "CREATE INDEX t_name_idx ON {{tables.t}} (name);\n");
	put(e, "down/002_col.sql",
	    "DROP INDEX {{schema}}.t_name_idx;\n"
	    "ALTER TABLE {{tables.t}} DROP COLUMN name;\n");
	put(e, "003_idx.sql",
	    "-- pgdbm:no-transaction\n"
	    "CREATE INDEX CONCURRENTLY t_id_idx ON {{tables.t}} (id);\n");
	put(e, "down/003_idx.sql",
	    "-- pgdbm:no-transaction\n"
	    "DROP INDEX CONCURRENTLY {{schema}}.t_id_idx;\n");
	run(e, &d, MIG_RUN_APPLY, "m_rt", NULL);
	assert_ok(&d);
	assert_int_equal(n_done(&d), 3);
	done_free(&d);
	middle = schema_shape(e, "m_rt");
	assert_non_null(strstr(middle, "t_id_idx"));
	assert_non_null(strstr(middle, "t.name:text"));

	/* one step by default: the last applied */
	run(e, &d, MIG_RUN_ROLLBACK, "m_rt", NULL);
	assert_ok(&d);
	assert_int_equal(n_done(&d), 1);
	assert_string_equal(migrate_done_list(d.run, &(size_t){ 0 })[0].filename, "003_idx.sql");
	done_free(&d);
	/* then the rest */
	mig_opts_defaults(&o);
	o.steps = 2;
	run(e, &d, MIG_RUN_ROLLBACK, "m_rt", &o);
	assert_ok(&d);
	assert_int_equal(n_done(&d), 2);
	done_free(&d);
	after = schema_shape(e, "m_rt");
	assert_string_equal(before, after);
	assert_int_equal(count(e, "SELECT count(*) FROM m_rt.schema_migrations"), 0);
	assert_int_equal(count(e, "SELECT count(*) FROM pgdbm_console.events WHERE "
				  "schema_name = 'm_rt' AND action = 'rollback'"),
			 3);
	free(before);
	free(middle);
	free(after);
}

static void
test_rollback_order_and_missing_down(void **state)
{
	struct env *e = *state;
	struct done d;
	struct mig_opts o;
	size_t n;

	put(e, "001_a.sql", "CREATE TABLE {{tables.a}} (x int);");
	put(e, "down/001_a.sql", "DROP TABLE {{tables.a}};");
	put(e, "003_c.sql", "CREATE TABLE {{tables.c}} (x int);");
	put(e, "down/003_c.sql", "DROP TABLE {{tables.c}};");
	run(e, &d, MIG_RUN_APPLY, "m_order", NULL);
	assert_ok(&d);
	done_free(&d);
	/* 002 arrives late and is applied out of order: applied last */
	put(e, "002_b.sql", "CREATE TABLE {{tables.b}} (x int);");
	mig_opts_defaults(&o);
	o.allow_out_of_order = true;
	run(e, &d, MIG_RUN_APPLY, "m_order", &o);
	assert_ok(&d);
	done_free(&d);
	/* reverse order of actual application: 002 first, and it has no down script */
	run(e, &d, MIG_RUN_ROLLBACK, "m_order", NULL);
	assert_false(migrate_ok(d.run));
	assert_non_null(strstr(migrate_error(d.run)->message, "002_b.sql has no down script"));
	done_free(&d);
	put(e, "down/002_b.sql", "DROP TABLE {{tables.b}};");
	mig_opts_defaults(&o);
	o.to = "001_a.sql";
	run(e, &d, MIG_RUN_ROLLBACK, "m_order", &o);
	assert_ok(&d);
	{
		const struct mig_done *x = migrate_done_list(d.run, &n);

		assert_int_equal(n, 2);
		assert_string_equal(x[0].filename, "002_b.sql");
		assert_string_equal(x[1].filename, "003_c.sql");
	}
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM m_order.schema_migrations"), 1);
}

static void
test_failing_file_leaves_nothing(void **state)
{
	struct env *e = *state;
	struct done d;
	const struct mig_error *err;
	const struct mig_status *st;

	put(e, "001_ok.sql", "CREATE TABLE {{tables.ok}} (x int);");
	put(e, "002_bad.sql",
	    "CREATE TABLE {{tables.half}} (x int);\n"
	    "INSERT INTO {{tables.half}} VALUES (1);\n"
	    "\n"
	    "SELECT x\n"
	    "FROM {{tables.no_such_table}};\n");
	put(e, "003_after.sql", "CREATE TABLE {{tables.after}} (x int);");
	run(e, &d, MIG_RUN_APPLY, "m_fail", NULL);
	assert_false(migrate_ok(d.run));
	err = migrate_error(d.run);
	assert_non_null(strstr(err->file, "002_bad.sql"));
	assert_int_equal(err->line, 5);
	assert_non_null(strstr(err->message, "does not exist"));
	assert_string_equal(err->sqlstate, "42P01");
	assert_int_equal(n_done(&d), 1);
	done_free(&d);
	/* neither its objects nor its ledger row; the later file was not tried */
	assert_int_equal(count(e, "SELECT count(*) FROM pg_tables WHERE schemaname = 'm_fail'"
				  " AND tablename IN ('half', 'after')"),
			 0);
	assert_int_equal(count(e, "SELECT count(*) FROM m_fail.schema_migrations"), 1);
	/* the status shows it failed, with the error */
	run(e, &d, MIG_RUN_STATUS, "m_fail", NULL);
	st = migrate_status(d.run);
	assert_int_equal(st->entries[1].state, MIG_FAILED);
	assert_non_null(strstr(st->entries[1].failure->error, "002_bad.sql:5"));
	assert_int_equal(st->entries[2].state, MIG_PENDING);
	done_free(&d);
}

static void
test_error_without_position_is_located(void **state)
{
	struct env *e = *state;
	struct done d;
	const struct mig_error *err;

	put(e, "001_dup.sql",
	    "CREATE TABLE {{tables.d}} (x int);\n"
	    "-- the same table again\n"
	    "CREATE TABLE {{tables.d}} (x int);\n");
	run(e, &d, MIG_RUN_APPLY, "m_dup", NULL);
	assert_false(migrate_ok(d.run));
	err = migrate_error(d.run);
	assert_int_equal(err->line, 3);
	assert_string_equal(err->sqlstate, "42P07");
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_tables WHERE schemaname = 'm_dup'"
				  " AND tablename = 'd'"),
			 0);
}

static void
test_transactional_file_with_cic_refused(void **state)
{
	struct env *e = *state;
	struct done d;
	const struct mig_error *err;

	put(e, "001_t.sql",
	    "CREATE TABLE {{tables.t}} (x int);\n"
	    "CREATE INDEX CONCURRENTLY t_x ON {{tables.t}} (x);\n");
	run(e, &d, MIG_RUN_APPLY, "m_cic", NULL);
	assert_false(migrate_ok(d.run));
	err = migrate_error(d.run);
	assert_non_null(strstr(err->message, "001_t.sql:2"));
	assert_non_null(strstr(err->message, "pgdbm:no-transaction"));
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_tables WHERE schemaname = 'm_cic'"), 1);
}

static void
test_two_appliers_at_once(void **state)
{
	struct env *e = *state;
	struct pool *other = new_pool(e, "it-migrate-2", false);
	struct done a, b;
	int i;

	for (i = 1; i <= 20; i++) {
		char name[32], sql[96];

		snprintf(name, sizeof name, "%03d_t.sql", i);
		snprintf(sql, sizeof sql, "CREATE TABLE {{tables.t%d}} (x int);", i);
		put(e, name, sql);
	}
	start(e, e->pool, &a, MIG_RUN_APPLY, "m_race", NULL, false);
	start(e, other, &b, MIG_RUN_APPLY, "m_race", NULL, false);
	wait_done(e, &a);
	wait_done(e, &b);
	assert_ok(&a);
	assert_ok(&b);
	/* each file exactly once: one run did all, the other found nothing left */
	assert_int_equal(n_done(&a) + n_done(&b), 20);
	assert_true(n_done(&a) == 0 || n_done(&b) == 0);
	assert_int_equal(count(e, "SELECT count(*) FROM m_race.schema_migrations"), 20);
	assert_int_equal(count(e, "SELECT count(DISTINCT filename) FROM m_race.schema_migrations"),
			 20);
	done_free(&a);
	done_free(&b);
	pool_free(&other);
}

static void
test_waits_for_lock_and_names_holder(void **state)
{
	struct env *e = *state;
	PGconn *holder = PQconnectdb("application_name=it_lock_holder");
	struct done d;
	int64_t t0;
	char pid[32];

	assert_int_equal(PQstatus(holder), CONNECTION_OK);
	it_cmd(holder, "SELECT pg_advisory_lock(hashtext('pgdbm_migration_m_lock'))");
	put(e, "001_a.sql", "CREATE TABLE {{tables.a}} (x int);");
	t0 = it_now_ms();
	start(e, e->pool, &d, MIG_RUN_APPLY, "m_lock", NULL, false);
	it_run_for(e->loop, 700);
	assert_false(migrate_finished(d.run));
	snprintf(pid, sizeof pid, "pid %d (it_lock_holder)", PQbackendPID(holder));
	assert_non_null(strstr(strbuf_str(&e->progress), pid));
	assert_non_null(
		strstr(strbuf_str(&e->progress), "waiting for the migration lock of m_lock"));
	PQfinish(holder);
	wait_done(e, &d);
	assert_ok(&d);
	assert_int_equal(n_done(&d), 1);
	assert_true(it_now_ms() - t0 >= 700);
	done_free(&d);
}

static void
test_lock_wait_deadline(void **state)
{
	struct env *e = *state;
	PGconn *holder = PQconnectdb("application_name=it_lock_holder2");
	struct mig_opts o;
	struct done d;

	it_cmd(holder, "SELECT pg_advisory_lock(hashtext('pgdbm_migration_m_dead'))");
	put(e, "001_a.sql", "CREATE TABLE {{tables.a}} (x int);");
	mig_opts_defaults(&o);
	o.lock_wait_ms = 500;
	run(e, &d, MIG_RUN_APPLY, "m_dead", &o);
	assert_false(migrate_ok(d.run));
	assert_non_null(strstr(migrate_error(d.run)->message, "still held after 500ms by pid"));
	done_free(&d);
	PQfinish(holder);
}

struct killer {
	struct env *e;
	bool done;
};

static void
kill_it(struct loop *loop, void *arg)
{
	struct killer *k = arg;

	(void)loop;
	it_cmd(k->e->check, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
			    "WHERE application_name = 'it-migrate' AND query LIKE '%pg_sleep%'");
	k->done = true;
}

static void
test_connection_killed_mid_file(void **state)
{
	struct env *e = *state;
	struct killer k = { e, false };
	struct done d;
	const struct mig_status *st;

	put(e, "001_slow.sql",
	    "CREATE TABLE {{tables.before_kill}} (x int);\n"
	    "SELECT pg_sleep(5);\n"
	    "CREATE TABLE {{tables.after_kill}} (x int);\n");
	start(e, e->pool, &d, MIG_RUN_APPLY, "m_kill", NULL, false);
	loop_timer_add(e->loop, 800, 0, kill_it, &k);
	wait_done(e, &d);
	assert_true(k.done);
	assert_false(migrate_ok(d.run));
	assert_non_null(strstr(migrate_error(d.run)->message, "connection lost"));
	done_free(&d);
	/* ledger and schema agree: not applied, and nothing of it exists */
	assert_int_equal(count(e, "SELECT count(*) FROM m_kill.schema_migrations"), 0);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_tables WHERE schemaname = 'm_kill'"
				  " AND tablename LIKE '%kill'"),
			 0);
	/* the lock went with the session, and the failure was recorded elsewhere */
	assert_int_equal(count(e, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"), 0);
	run(e, &d, MIG_RUN_STATUS, "m_kill", NULL);
	st = migrate_status(d.run);
	assert_int_equal(st->entries[0].state, MIG_FAILED);
	done_free(&d);
	/* and a rerun applies it */
	put(e, "001_slow.sql",
	    "CREATE TABLE {{tables.before_kill}} (x int);\n"
	    "CREATE TABLE {{tables.after_kill}} (x int);\n");
	run(e, &d, MIG_RUN_APPLY, "m_kill", NULL);
	assert_ok(&d);
	done_free(&d);
}

static void
test_drift_out_of_order_missing_and_repair(void **state)
{
	struct env *e = *state;
	struct done d;
	struct mig_opts o;
	const struct mig_status *st;
	const struct mig_done *x;
	size_t n;

	put(e, "001_a.sql", "CREATE TABLE {{tables.a}} (x int);");
	put(e, "003_c.sql", "CREATE TABLE {{tables.c}} (x int);");
	put(e, "004_d.sql", "CREATE TABLE {{tables.d}} (x int);");
	run(e, &d, MIG_RUN_APPLY, "m_states", NULL);
	assert_ok(&d);
	done_free(&d);

	put(e, "001_a.sql", "CREATE TABLE {{tables.a}} (x bigint);"); /* edited */
	put(e, "002_b.sql", "CREATE TABLE {{tables.b}} (x int);");    /* merged late */
	drop(e, "004_d.sql");					      /* deleted */
	put(e, "005_e.sql", "CREATE TABLE {{tables.e}} (x int);");    /* new */
	run(e, &d, MIG_RUN_STATUS, "m_states", NULL);
	st = migrate_status(d.run);
	assert_int_equal(st->count[MIG_MODIFIED], 1);
	assert_int_equal(st->count[MIG_OUT_OF_ORDER], 1);
	assert_int_equal(st->count[MIG_MISSING], 1);
	assert_int_equal(st->count[MIG_PENDING], 1);
	assert_int_equal(st->count[MIG_APPLIED], 1);
	done_free(&d);

	/* drift stops an apply */
	run(e, &d, MIG_RUN_APPLY, "m_states", NULL);
	assert_false(migrate_ok(d.run));
	assert_non_null(strstr(migrate_error(d.run)->message, "001_a.sql was modified"));
	assert_int_equal(n_done(&d), 0);
	done_free(&d);

	/* repair accepts the new checksum of one file, and records both */
	mig_opts_defaults(&o);
	o.repair_file = "001_a.sql";
	run(e, &d, MIG_RUN_REPAIR, "m_states", &o);
	assert_ok(&d);
	x = migrate_done_list(d.run, &n);
	assert_int_equal(n, 1);
	assert_string_not_equal(x[0].old_checksum, x[0].new_checksum);
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM pgdbm_console.events WHERE action = "
				  "'repair' AND old_checksum <> new_checksum AND filename = "
				  "'001_a.sql'"),
			 1);

	/* out of order still refuses until allowed */
	run(e, &d, MIG_RUN_APPLY, "m_states", NULL);
	assert_false(migrate_ok(d.run));
	assert_non_null(strstr(migrate_error(d.run)->message, "out of order"));
	done_free(&d);
	mig_opts_defaults(&o);
	o.allow_out_of_order = true;
	run(e, &d, MIG_RUN_APPLY, "m_states", &o);
	assert_ok(&d);
	assert_int_equal(n_done(&d), 2);
	done_free(&d);
}

static void
test_no_transaction_file_with_cic(void **state)
{
	struct env *e = *state;
	struct done d;
	const struct mig_status *st;

	put(e, "001_t.sql", "CREATE TABLE {{tables.t}} (x int, y int);");
	put(e, "002_idx.sql",
	    "-- pgdbm:no-transaction\n"
	    "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON {{tables.t}} (x);\n"
	    "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_y ON {{tables.t}} (y);\n");
	run(e, &d, MIG_RUN_APPLY, "m_notx", NULL);
	assert_ok(&d);
	assert_int_equal(n_done(&d), 2);
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'm_notx' "
				  "AND indexname IN ('t_x', 't_y')"),
			 2);
	/* a failing statement in a no-transaction file: earlier ones stay, no ledger row,
	 * the error names its line, and the status says it failed */
	put(e, "003_bad.sql",
	    "-- pgdbm:no-transaction\n"
	    "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_xy ON {{tables.t}} (x, y);\n"
	    "\n"
	    "CREATE INDEX CONCURRENTLY t_z ON {{tables.t}} (z);\n");
	run(e, &d, MIG_RUN_APPLY, "m_notx", NULL);
	assert_false(migrate_ok(d.run));
	assert_int_equal(migrate_error(d.run)->line, 4);
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM m_notx.schema_migrations"), 2);
	run(e, &d, MIG_RUN_STATUS, "m_notx", NULL);
	st = migrate_status(d.run);
	assert_int_equal(st->entries[2].state, MIG_FAILED);
	done_free(&d);
}

static void
test_read_only_and_events_created_on_write(void **state)
{
	struct env *e = *state;
	struct pool *ro = new_pool(e, "it-migrate-ro", true);
	struct done d;

	it_cmd(e->check, "DROP SCHEMA IF EXISTS pgdbm_console CASCADE");
	put(e, "001_a.sql", "CREATE TABLE {{tables.a}} (x int);");
	/* status reads only: no events table */
	run(e, &d, MIG_RUN_STATUS, "m_ro", NULL);
	assert_ok(&d);
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_namespace WHERE nspname IN "
				  "('pgdbm_console', 'm_ro')"),
			 0);
	/* a read-only profile refuses before touching anything */
	start(e, ro, &d, MIG_RUN_APPLY, "m_ro", NULL, true);
	wait_done(e, &d);
	assert_false(migrate_ok(d.run));
	assert_non_null(strstr(migrate_error(d.run)->message, "read-only"));
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_namespace WHERE nspname IN "
				  "('pgdbm_console', 'm_ro')"),
			 0);
	/* the first write creates it */
	run(e, &d, MIG_RUN_APPLY, "m_ro", NULL);
	assert_ok(&d);
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM pgdbm_console.events WHERE "
				  "schema_name = 'm_ro' AND action = 'apply'"),
			 1);
	pool_free(&ro);
}

/* Issue 13, 5: the failing statement of a file without an error position is
 * found from the one run: what the file does outside its transaction
 * (nextval, notices) happens once. */
static void
test_failing_file_runs_once(void **state)
{
	struct env *e = *state;
	struct done d;
	const struct mig_error *err;
	size_t i, notices = 0;

	it_cmd(e->check, "DROP SEQUENCE IF EXISTS public.it_once_seq");
	it_cmd(e->check, "CREATE SEQUENCE public.it_once_seq");
	put(e, "001_dup.sql",
	    "SELECT nextval('public.it_once_seq');\n"
	    "DO $$ BEGIN RAISE NOTICE 'it_once_notice'; END $$;\n"
	    "CREATE TABLE {{tables.d}} (x int);\n"
	    "\n"
	    "-- the same table again\n"
	    "CREATE TABLE {{tables.d}} (x int);\n");
	run(e, &d, MIG_RUN_APPLY, "m_once", NULL);
	assert_false(migrate_ok(d.run));
	err = migrate_error(d.run);
	assert_int_equal(err->line, 6);
	assert_string_equal(err->sqlstate, "42P07");
	done_free(&d);
	assert_int_equal(count(e, "SELECT last_value FROM public.it_once_seq"), 1);
	for (i = 0; i < e->log.count; i++)
		notices += strstr(msglog_get(&e->log, i)->text, "it_once_notice") != NULL;
	assert_int_equal(notices, 1);
	it_cmd(e->check, "DROP SEQUENCE public.it_once_seq");
}

/* Issue 13, 1: a COMMIT that succeeded but whose answer never came is read
 * back from the ledger, not reported failed. */
struct syncrep_killer {
	struct env *e;
	int64_t started_ms;
	long long hit;
	struct loop_timer *timer;
};

static void
syncrep_tick(struct loop *loop, void *arg)
{
	struct syncrep_killer *k = arg;

	k->timer = NULL;
	if (count(k->e, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'") > 0) {
		/* committed locally, waiting for the standby: cut it off there */
		k->hit = count(k->e, "SELECT count(pg_terminate_backend(pid)) FROM "
				     "pg_stat_activity WHERE wait_event = 'SyncRep'");
		it_release_commits(k->e->check);
		return;
	}
	if (it_now_ms() - k->started_ms < 20000)
		k->timer = loop_timer_add(loop, 20, 0, syncrep_tick, k);
}

static void
test_commit_answer_lost_read_back(void **state)
{
	struct env *e = *state;
	struct syncrep_killer k = { e, 0, 0, NULL };
	struct done d;

	if (count(e, "SELECT rolsuper::int FROM pg_roles WHERE rolname = current_user") != 1)
		skip();
	put(e, "001_sync.sql",
	    "SET LOCAL synchronous_commit = on;\n"
	    "CREATE TABLE {{tables.s}} (x int);\n");
	/* commits asking for synchronous_commit wait for a standby that never comes */
	it_hold_commits(e->check);
	k.started_ms = it_now_ms();
	start(e, e->pool, &d, MIG_RUN_APPLY, "m_sync", NULL, false);
	k.timer = loop_timer_add(e->loop, 20, 0, syncrep_tick, &k);
	wait_done(e, &d);
	loop_timer_cancel(e->loop, &k.timer);
	if (k.hit == 0)
		it_release_commits(e->check);
	assert_true(k.hit > 0);
	/* the database holds it: the run says so */
	assert_ok(&d);
	assert_int_equal(n_done(&d), 1);
	done_free(&d);
	assert_int_equal(count(e, "SELECT count(*) FROM m_sync.schema_migrations"), 1);
	assert_int_equal(count(e, "SELECT count(*) FROM pgdbm_console.events WHERE schema_name = "
				  "'m_sync' AND action = 'apply'"),
			 1);
	assert_int_equal(count(e, "SELECT count(*) FROM pgdbm_console.events WHERE schema_name = "
				  "'m_sync' AND action = 'fail'"),
			 0);
}

/* A pool connection the test holds (held_conn): the pool's one is taken. */
struct held {
	struct conn *c;
	bool got;
};

static void
held_conn(struct pool *p, struct conn *c, const char *error, void *arg)
{
	struct held *h = arg;

	(void)p;
	(void)error;
	h->c = c;
	h->got = true;
}

/*
 * Cancelled while waiting for a pool connection (every one is busy, or the
 * database is down): the run ends cancelled at once, not failed when the
 * wait times out, and runs nothing when a connection comes free.
 */
static void
test_cancel_while_waiting_for_connection(void **state)
{
	struct env *e = *state;
	struct pool_config cfg;
	struct pool *one;
	struct held h = { NULL, false };
	struct done d;

	pool_config_defaults(&cfg);
	cfg.conn.label = "it";
	cfg.conn.conninfo = "";
	cfg.conn.application_name = "it-migrate-one";
	cfg.min = 0;
	cfg.max = 1;
	one = pool_new(e->loop, &cfg, &e->log);
	(void)pool_acquire(one, held_conn, &h); /* its handle is not kept: it is not withdrawn */
	it_run_until(e->loop, it_flag, &h.got, 10000);
	assert_non_null(h.c);
	put(e, "001_a.sql", "CREATE TABLE {{tables.a}} (x int);");
	start(e, one, &d, MIG_RUN_APPLY, "m_cancel_wait", NULL, false);
	it_run_for(e->loop, 100);
	assert_false(migrate_finished(d.run));
	migrate_cancel(d.run);
	assert_true(migrate_finished(d.run));
	assert_true(migrate_cancelled(d.run));
	assert_false(migrate_ok(d.run));
	assert_non_null(strstr(migrate_error(d.run)->message, "waiting for a connection"));
	/* the connection comes free: nothing runs */
	pool_release(one, h.c);
	it_run_for(e->loop, 200);
	assert_int_equal(count(e, "SELECT count(*) FROM pg_namespace WHERE nspname = "
				  "'m_cancel_wait'"),
			 0);
	done_free(&d);
	pool_free(&one);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ledger_is_pgdbm_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_ledger_pgdbm_wrote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_rollback_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_order_and_missing_down, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failing_file_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_without_position_is_located, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transactional_file_with_cic_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_appliers_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waits_for_lock_and_names_holder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_wait_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_killed_mid_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drift_out_of_order_missing_and_repair, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_transaction_file_with_cic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_and_events_created_on_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failing_file_runs_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_answer_lost_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_while_waiting_for_connection, setup,
						teardown),
	};

	it_require_server();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
