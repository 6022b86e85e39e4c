/*
 * test_bouncer: snapshots built from SHOW POOLS / SHOW STATS / SHOW
 * DATABASES results, read by column name. The results are real PGresults
 * made with libpq's PQmakeEmptyPGresult/PQsetvalue from fixtures in
 * tests/data/bouncer/: the real output of PgBouncer 1.18, the same data
 * with columns in another order and extra columns, and results that lack
 * columns (unknown values, never a crash). Also utilisation, the
 * saturation alarm (cl_waiting, and a maxwait that rises between samples)
 * and rates between two samples.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncer.h"
#include "testutil.h"
#include "xalloc.h"

/* PQsetvalue and PGresAttDesc want writable strings: hand them copies. */
static void
set_str(PGresult *r, int row, int col, const char *v)
{
	char buf[256];

	if (v == NULL) {
		assert_int_equal(PQsetvalue(r, row, col, NULL, -1), 1);
		return;
	}
	snprintf(buf, sizeof buf, "%s", v);
	assert_int_equal(PQsetvalue(r, row, col, buf, (int)strlen(buf)), 1);
}

/*
 * A PGresult from a fixture: '#' lines are comments, the first other line
 * names the columns, each further line is a row; fields are separated by
 * '|' and "\N" is NULL (psql -A's layout).
 */
static PGresult *
fixture(const char *name)
{
	char *rel = xasprintf("tests/data/bouncer/%s", name);
	char *path = tu_src_path(rel);
	char *text = tu_read_file(path, NULL);
	PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	char *line, *save = NULL;
	int row = -1;

	assert_non_null(text);
	assert_non_null(r);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *field, *fsave = NULL;
		int col = 0;

		if (line[0] == '#')
			continue;
		if (row < 0) {
			PGresAttDesc attrs[64];

			/* PQsetResultAttrs copies the names */
			for (field = strtok_r(line, "|", &fsave); field != NULL;
			     field = strtok_r(NULL, "|", &fsave)) {
				assert_true(col < 64);
				memset(&attrs[col], 0, sizeof attrs[col]);
				attrs[col].name = field;
				attrs[col].typid = 25; /* text */
				attrs[col].typlen = -1;
				attrs[col].atttypmod = -1;
				col++;
			}
			assert_int_equal(PQsetResultAttrs(r, col, attrs), 1);
			row = 0;
			continue;
		}
		/* strtok would merge empty fields: split by hand */
		field = line;
		for (;;) {
			char *bar = strchr(field, '|');

			if (bar != NULL)
				*bar = '\0';
			set_str(r, row, col, strcmp(field, "\\N") == 0 ? NULL : field);
			col++;
			if (bar == NULL)
				break;
			field = bar + 1;
		}
		assert_int_equal(col, PQnfields(r));
		row++;
	}
	free(text);
	free(path);
	free(rel);
	return r;
}

static struct bouncer_snapshot *
build(const char *pools, const char *stats, const char *dbs, const struct bouncer_snapshot *prev,
      int64_t at)
{
	PGresult *p = pools ? fixture(pools) : NULL;
	PGresult *s = stats ? fixture(stats) : NULL;
	PGresult *d = dbs ? fixture(dbs) : NULL;
	struct bouncer_snapshot *snap = bouncer_snapshot_build(p, s, d, prev, at);

	PQclear(p);
	PQclear(s);
	PQclear(d);
	return snap;
}

static void
test_pgbouncer_118(void **state)
{
	struct bouncer_snapshot *s;
	const struct bouncer_pool *p;
	const struct bouncer_db *d;

	(void)state;
	s = build("1.18-pools.txt", "1.18-stats.txt", "1.18-databases.txt", NULL, 1000);
	assert_string_equal(s->missing, "");
	/* the admin pseudo-database is left out */
	assert_int_equal(s->n_pools, 1);
	assert_int_equal(s->n_dbs, 1);
	assert_null(bouncer_snapshot_pool(s, "pgbouncer", "pgbouncer"));
	p = bouncer_snapshot_pool(s, "postgres", "postgres");
	assert_non_null(p);
	assert_int_equal(p->cl_active, 2);
	assert_int_equal(p->cl_waiting, 3);
	assert_int_equal(p->sv_active, 2);
	assert_int_equal(p->sv_idle, 0);
	assert_int_equal(p->sv_used, 0);
	assert_int_equal(p->sv_tested, 0);
	assert_int_equal(p->sv_login, 0);
	assert_int_equal(p->maxwait_us, 1094940);
	assert_string_equal(p->pool_mode, "session");
	assert_int_equal(p->pool_size, 2);
	assert_true(p->utilisation > 0.999 && p->utilisation < 1.001);
	assert_false(p->maxwait_rising); /* no earlier sample */
	assert_true(p->saturated);
	assert_int_equal(s->n_alarms, 1);
	assert_int_equal(s->alarms[0].kind, BOUNCER_ALARM_SATURATED);
	assert_string_equal(s->alarms[0].key, "saturated:postgres/postgres");
	assert_string_equal(s->alarms[0].subject, "pool postgres/postgres");
	assert_non_null(strstr(s->alarms[0].text, "3 clients waiting"));
	assert_non_null(strstr(s->alarms[0].text, "2 of 2 server connections active"));

	d = bouncer_snapshot_db(s, "postgres");
	assert_non_null(d);
	assert_int_equal(d->pool_size, 2);
	assert_int_equal(d->min_pool_size, 0);
	assert_int_equal(d->reserve_pool, 0);
	assert_string_equal(d->pool_mode, ""); /* no override: the default */
	assert_int_equal(d->max_connections, 0);
	assert_int_equal(d->current_connections, 2);
	assert_false(d->paused);
	assert_false(d->disabled);
	assert_true(d->has_stats);
	assert_int_equal(d->stats.total_xact_count, 5);
	assert_int_equal(d->stats.total_received, 48);
	assert_int_equal(d->stats.total_wait_time_us, 25038);
	assert_int_equal(d->stats.avg_wait_time_us, 10945);
	assert_false(d->rates.known); /* a first sample has no rates */
	assert_true(d->rates.xact_per_s < 0);
	bouncer_snapshot_free(&s);
	assert_null(s);
}

static void
test_columns_by_name(void **state)
{
	struct bouncer_snapshot *s;
	const struct bouncer_pool *p;
	const struct bouncer_db *d;

	(void)state;
	s = build("extra-pools.txt", "extra-stats.txt", "extra-databases.txt", NULL, 1000);
	assert_string_equal(s->missing, "");
	assert_int_equal(s->n_pools, 2);
	p = bouncer_snapshot_pool(s, "orders", "app");
	assert_non_null(p);
	assert_int_equal(p->cl_active, 6);
	assert_int_equal(p->cl_waiting, 5);
	assert_int_equal(p->sv_active, 4);
	assert_int_equal(p->sv_idle, 3);
	assert_int_equal(p->sv_used, 2);
	assert_int_equal(p->sv_tested, 1);
	assert_int_equal(p->sv_login, 0);
	assert_int_equal(p->maxwait_us, 2500000);
	assert_string_equal(p->pool_mode, "transaction");
	assert_int_equal(p->pool_size, 8);
	assert_true(p->utilisation > 0.499 && p->utilisation < 0.501);
	assert_true(p->saturated);
	p = bouncer_snapshot_pool(s, "orders", "report");
	assert_non_null(p);
	assert_false(p->saturated);
	assert_int_equal(p->sv_login, 1);
	assert_int_equal(s->n_alarms, 1);
	assert_non_null(strstr(s->alarms[0].text, "the oldest for 2s"));

	d = bouncer_snapshot_db(s, "orders");
	assert_non_null(d);
	assert_int_equal(d->pool_size, 8);
	assert_int_equal(d->min_pool_size, 1);
	assert_int_equal(d->reserve_pool, 3);
	assert_int_equal(d->max_connections, 50);
	assert_int_equal(d->current_connections, 4);
	assert_true(d->paused);
	assert_false(d->disabled);
	assert_string_equal(d->pool_mode, "transaction");
	assert_int_equal(d->stats.total_xact_count, 100);
	assert_int_equal(d->stats.total_query_count, 200);
	assert_int_equal(d->stats.avg_xact_count, 4);
	assert_int_equal(d->stats.avg_xact_time_us, 1500);
	assert_int_equal(d->stats.avg_wait_time_us, 20);
	bouncer_snapshot_free(&s);
}

static void
test_missing_columns(void **state)
{
	struct bouncer_snapshot *s;
	const struct bouncer_pool *p;
	const struct bouncer_db *d;

	(void)state;
	s = build("missing-pools.txt", "missing-stats.txt", "missing-databases.txt", NULL, 1000);
	/* what is missing is said, maxwait_us excepted (maxwait alone will do) */
	assert_non_null(strstr(s->missing, "pools.cl_waiting"));
	assert_non_null(strstr(s->missing, "pools.sv_used"));
	assert_non_null(strstr(s->missing, "databases.pool_size"));
	assert_non_null(strstr(s->missing, "stats.total_wait_time"));
	assert_non_null(strstr(s->missing, "stats.avg_wait_time"));
	assert_null(strstr(s->missing, "maxwait_us"));
	p = bouncer_snapshot_pool(s, "orders", "app");
	assert_non_null(p);
	assert_int_equal(p->cl_active, 4);
	assert_int_equal(p->cl_waiting, -1);
	assert_int_equal(p->sv_used, -1);
	assert_int_equal(p->sv_active, 3);
	assert_int_equal(p->maxwait_us, 2000000);
	assert_int_equal(p->pool_size, -1);
	assert_true(p->utilisation < 0);
	/* unknown cl_waiting and no earlier sample: no alarm */
	assert_false(p->saturated);
	assert_int_equal(s->n_alarms, 0);
	d = bouncer_snapshot_db(s, "orders");
	assert_non_null(d);
	assert_int_equal(d->pool_size, -1);
	assert_int_equal(d->stats.total_xact_count, 10);
	assert_int_equal(d->stats.total_wait_time_us, -1);
	assert_int_equal(d->stats.avg_xact_count, -1);
	bouncer_snapshot_free(&s);
}

static void
test_no_results(void **state)
{
	struct bouncer_snapshot *s;

	(void)state;
	s = bouncer_snapshot_build(NULL, NULL, NULL, NULL, 1000);
	assert_int_equal(s->n_pools, 0);
	assert_int_equal(s->n_dbs, 0);
	assert_int_equal(s->n_alarms, 0);
	assert_string_equal(s->missing, "");
	bouncer_snapshot_free(&s);
}

static void
test_key_columns_missing(void **state)
{
	PGresult *pools = fixture("missing-stats.txt"); /* no "user" column */
	PGresult *stats = fixture("missing-pools.txt"); /* has "database" */
	PGresult *dbs = fixture("missing-pools.txt");	/* no "name" column */
	struct bouncer_snapshot *s;

	(void)state;
	s = bouncer_snapshot_build(pools, stats, dbs, NULL, 1000);
	assert_int_equal(s->n_pools, 0);
	assert_non_null(strstr(s->missing, "pools.user"));
	assert_non_null(strstr(s->missing, "databases.name"));
	/* the stats row still names a database, with unknown counters */
	assert_int_equal(s->n_dbs, 1);
	assert_true(s->dbs[0].has_stats);
	assert_int_equal(s->dbs[0].pool_size, -1);
	assert_int_equal(s->dbs[0].stats.total_xact_count, -1);
	bouncer_snapshot_free(&s);
	PQclear(pools);
	PQclear(stats);
	PQclear(dbs);
}

static void
set_cols(PGresult *r, const char *const *cols, int n)
{
	PGresAttDesc a[16];
	char names[16][64];
	int i;

	memset(a, 0, sizeof a);
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "%s", cols[i]);
		a[i].name = names[i];
		a[i].typid = 25; /* text */
		a[i].typlen = -1;
		a[i].atttypmod = -1;
	}
	assert_int_equal(PQsetResultAttrs(r, n, a), 1);
}

static void
set_int(PGresult *r, int col, int64_t v)
{
	char buf[32];

	if (v < 0) {
		set_str(r, 0, col, NULL);
		return;
	}
	snprintf(buf, sizeof buf, "%lld", (long long)v);
	set_str(r, 0, col, buf);
}

/* What one sample of pool db/u (pool_size 4) says. */
struct fake {
	int cl_waiting;
	int64_t maxwait_us;
	int64_t xacts, queries, received, sent, xact_time, query_time, wait_time;
};

static struct bouncer_snapshot *
sample(const struct fake *f, const struct bouncer_snapshot *prev, int64_t at)
{
	static const char *const pcols[] = { "database",  "user",    "cl_active", "cl_waiting",
					     "sv_active", "sv_idle", "maxwait",	  "maxwait_us" };
	static const char *const scols[] = { "database",	  "total_xact_count",
					     "total_query_count", "total_received",
					     "total_sent",	  "total_xact_time",
					     "total_query_time",  "total_wait_time" };
	static const char *const dcols[] = { "name", "pool_size" };
	PGresult *p = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresult *st = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresult *d = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	struct bouncer_snapshot *s;

	set_cols(p, pcols, 8);
	set_str(p, 0, 0, "db");
	set_str(p, 0, 1, "u");
	set_int(p, 2, 4);
	set_int(p, 3, f->cl_waiting);
	set_int(p, 4, 4);
	set_int(p, 5, 0);
	set_int(p, 6, f->maxwait_us / 1000000);
	set_int(p, 7, f->maxwait_us % 1000000);
	set_cols(st, scols, 8);
	set_str(st, 0, 0, "db");
	set_int(st, 1, f->xacts);
	set_int(st, 2, f->queries);
	set_int(st, 3, f->received);
	set_int(st, 4, f->sent);
	set_int(st, 5, f->xact_time);
	set_int(st, 6, f->query_time);
	set_int(st, 7, f->wait_time);
	set_cols(d, dcols, 2);
	set_str(d, 0, 0, "db");
	set_int(d, 1, 4);
	s = bouncer_snapshot_build(p, st, d, prev, at);
	PQclear(p);
	PQclear(st);
	PQclear(d);
	return s;
}

static void
test_maxwait_rising(void **state)
{
	struct fake f = { 0, 1000000, 0, 0, 0, 0, 0, 0, 0 };
	struct bouncer_snapshot *a, *b, *c;

	(void)state;
	a = sample(&f, NULL, 1000);
	assert_false(a->pools[0].maxwait_rising);
	assert_false(a->pools[0].saturated);
	assert_int_equal(a->pools[0].utilisation * 100, 100);
	/* nobody counted as waiting, but the oldest wait grew: saturated */
	f.maxwait_us = 2500000;
	b = sample(&f, a, 2000);
	assert_true(b->pools[0].maxwait_rising);
	assert_true(b->pools[0].saturated);
	assert_int_equal(b->n_alarms, 1);
	assert_non_null(strstr(b->alarms[0].text, "the oldest for 2s and rising"));
	/* it stopped growing: the alarm is gone */
	c = sample(&f, b, 3000);
	assert_false(c->pools[0].maxwait_rising);
	assert_false(c->pools[0].saturated);
	assert_int_equal(c->n_alarms, 0);
	bouncer_snapshot_free(&a);
	bouncer_snapshot_free(&b);
	bouncer_snapshot_free(&c);
}

static void
test_rates(void **state)
{
	struct fake f = { 0, 0, 100, 200, 1000, 3000, 1000000, 2000000, 0 };
	struct bouncer_snapshot *a, *b, *c;
	const struct bouncer_rates *r;

	(void)state;
	a = sample(&f, NULL, 1000);
	assert_false(a->dbs[0].rates.known);
	/* two seconds later: 20 transactions, 40 queries, and 0.5 s of waiting */
	f.xacts = 120;
	f.queries = 240;
	f.received = 1400;
	f.sent = 3800;
	f.xact_time = 1200000;
	f.query_time = 2400000;
	f.wait_time = 500000;
	b = sample(&f, a, 3000);
	r = &b->dbs[0].rates;
	assert_true(r->known);
	assert_true(r->interval_s > 1.999 && r->interval_s < 2.001);
	assert_true(r->xact_per_s > 9.999 && r->xact_per_s < 10.001);
	assert_true(r->query_per_s > 19.999 && r->query_per_s < 20.001);
	assert_true(r->recv_bytes_per_s > 199.999 && r->recv_bytes_per_s < 200.001);
	assert_true(r->sent_bytes_per_s > 399.999 && r->sent_bytes_per_s < 400.001);
	assert_true(r->xact_time_us > 9999.9 && r->xact_time_us < 10000.1);
	assert_true(r->query_time_us > 9999.9 && r->query_time_us < 10000.1);
	assert_true(r->wait_us_per_s > 249999.9 && r->wait_us_per_s < 250000.1);
	/* PgBouncer restarted: the counters went back, no rates this time */
	f.xacts = 3;
	f.queries = 3;
	c = sample(&f, b, 4000);
	assert_false(c->dbs[0].rates.known);
	bouncer_snapshot_free(&a);
	bouncer_snapshot_free(&b);
	bouncer_snapshot_free(&c);
}

static void
test_garbage_values(void **state)
{
	struct fake f = { -1, 0, 5, 5, 0, 0, 0, 0, 0 };
	struct bouncer_snapshot *s;
	PGresult *p = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	static const char *const cols[] = { "database", "user", "cl_waiting", "sv_active" };

	(void)state;
	/* NULL cl_waiting reads as unknown */
	s = sample(&f, NULL, 1000);
	assert_int_equal(s->pools[0].cl_waiting, -1);
	assert_false(s->pools[0].saturated);
	bouncer_snapshot_free(&s);
	/* text where a number belongs reads as unknown, too */
	set_cols(p, cols, 4);
	set_str(p, 0, 0, "db");
	set_str(p, 0, 1, "u");
	set_str(p, 0, 2, "many");
	set_str(p, 0, 3, "-3");
	s = bouncer_snapshot_build(p, NULL, NULL, NULL, 1000);
	assert_int_equal(s->n_pools, 1);
	assert_int_equal(s->pools[0].cl_waiting, -1);
	assert_int_equal(s->pools[0].sv_active, -1);
	assert_int_equal(s->pools[0].cl_active, -1);
	assert_int_equal(s->pools[0].maxwait_us, -1);
	assert_string_equal(s->pools[0].pool_mode, "");
	bouncer_snapshot_free(&s);
	PQclear(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pgbouncer_118),
		cmocka_unit_test(test_columns_by_name),
		cmocka_unit_test(test_missing_columns),
		cmocka_unit_test(test_no_results),
		cmocka_unit_test(test_key_columns_missing),
		cmocka_unit_test(test_maxwait_rising),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_garbage_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
