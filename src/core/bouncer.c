/*
 * bouncer: three simple queries per refresh, a snapshot, alarms and
 * history for one PgBouncer admin console. See include/bouncer.h.
 *
 * The admin connection comes from a private pool of at most one
 * connection with no startup options (PgBouncer refuses `options`) and no
 * health check (the admin console refuses "SELECT 1"); the pool brings
 * reconnection with capped exponential backoff. The connection is acquired
 * once and kept; when it breaks it goes back to the pool (which discards
 * it) and the next refresh acquires another.
 *
 * A refresh is a small sequence on that connection:
 *
 *   IDLE ──refresh──► SHOW POOLS ──► SHOW STATS ──► SHOW DATABASES ──► build ──► IDLE
 *                         │              │               │
 *                         └──────────────┴───────────────┴── error, broken, timeout ──► IDLE
 *                                                                        (stale)
 *
 * `step` says which query is in flight (-1: none). Each query's result is
 * taken from its reply and kept until the snapshot is built. A refresh that
 * gets no answer within refresh_timeout_ms discards the connection (the
 * pool closes it) and fails. An error result on a live connection (a user
 * that may not SHOW) fails the refresh but keeps the connection.
 */
#include "config.h"

#include "bouncer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "loop.h"
#include "msglog.h"
#include "pool.h"
#include "profile.h"
#include "strbuf.h"
#include "units.h"
#include "xalloc.h"

#define ADMIN_DB	   "pgbouncer"
#define N_STEPS		   3
#define DEFAULT_TIMEOUT_MS 10000

static const char *const step_sql[N_STEPS] = {
	"SHOW POOLS",
	"SHOW STATS",
	"SHOW DATABASES",
};

struct active_alarm {
	char *key;
	char *subject;
	enum bouncer_alarm_kind kind;
};

struct bouncer {
	struct loop *loop;
	struct msglog *log;
	char *label;	/* "<database label>/pgbouncer": the source of messages */
	char *conninfo; /* as given */
	int64_t refresh_timeout_ms;
	struct pool *pool;

	struct conn *conn;	      /* the persistent admin connection */
	struct pool_request *request; /* acquiring it */
	int step;		      /* query in flight, -1 when none */
	PGresult *results[N_STEPS];
	int64_t sent_us;
	struct loop_timer *deadline; /* refresh_timeout_ms */
	struct loop_timer *timer;    /* the refresh interval */
	int64_t interval_ms;

	struct bouncer_snapshot *snap;
	enum bouncer_status status;
	char *error;

	struct bouncer_sample samples[BOUNCER_HISTORY];
	size_t n_samples, first_sample;

	struct active_alarm *alarms; /* active at the last refresh */
	size_t n_alarms;

	uint64_t refreshes, skipped;
	void (*on_update)(struct bouncer *b, void *arg);
	void *on_update_arg;
};

/* ------------------------------------------------------------------------
 * Reading columns by name
 * ------------------------------------------------------------------------ */

/* The columns of one result that a snapshot reads, looked up once. */
struct cols {
	const PGresult *r;
	const char *what; /* "pools", "stats", "databases": for `missing` */
	struct strbuf *missing;
};

static int
col(const struct cols *c, const char *name)
{
	int i;

	if (c->r == NULL)
		return -1;
	i = PQfnumber(c->r, name);
	if (i < 0)
		strbuf_addf(c->missing, "%s%s.%s", c->missing->len ? ", " : "", c->what, name);
	return i;
}

static const char *
get_str(const PGresult *r, int row, int i)
{
	if (i < 0 || PQgetisnull(r, row, i))
		return "";
	return PQgetvalue(r, row, i);
}

/* An integer column; -1 when the column is missing, NULL or not a number. */
static int64_t
get_int(const PGresult *r, int row, int i)
{
	const char *v;
	char *end;
	long long x;

	if (i < 0 || PQgetisnull(r, row, i))
		return -1;
	v = PQgetvalue(r, row, i);
	errno = 0;
	x = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || x < 0)
		return -1;
	return (int64_t)x;
}

static int
get_count(const PGresult *r, int row, int i)
{
	int64_t v = get_int(r, row, i);

	return v > 0x7fffffff ? 0x7fffffff : (int)v;
}

static int
nrows(const PGresult *r)
{
	return r != NULL ? PQntuples(r) : 0;
}

/* ------------------------------------------------------------------------
 * Snapshots
 * ------------------------------------------------------------------------ */

void
bouncer_snapshot_free(struct bouncer_snapshot **sp)
{
	struct bouncer_snapshot *s = *sp;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_pools; i++) {
		free(s->pools[i].database);
		free(s->pools[i].user);
		free(s->pools[i].pool_mode);
	}
	for (i = 0; i < s->n_dbs; i++) {
		free(s->dbs[i].name);
		free(s->dbs[i].pool_mode);
	}
	for (i = 0; i < s->n_alarms; i++) {
		free(s->alarms[i].key);
		free(s->alarms[i].subject);
		free(s->alarms[i].text);
	}
	free(s->pools);
	free(s->dbs);
	free(s->alarms);
	free(s->missing);
	free(s);
	*sp = NULL;
}

const struct bouncer_pool *
bouncer_snapshot_pool(const struct bouncer_snapshot *s, const char *database, const char *user)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n_pools; i++) {
		if (strcmp(s->pools[i].database, database) == 0 &&
		    strcmp(s->pools[i].user, user) == 0)
			return &s->pools[i];
	}
	return NULL;
}

const struct bouncer_db *
bouncer_snapshot_db(const struct bouncer_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n_dbs; i++) {
		if (strcmp(s->dbs[i].name, name) == 0)
			return &s->dbs[i];
	}
	return NULL;
}

static size_t
db_index(const struct bouncer_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_dbs; i++) {
		if (strcmp(s->dbs[i].name, name) == 0)
			return i;
	}
	return (size_t)-1;
}

static void
stats_unknown(struct bouncer_stats *st)
{
	st->total_xact_count = st->total_query_count = -1;
	st->total_received = st->total_sent = -1;
	st->total_xact_time_us = st->total_query_time_us = st->total_wait_time_us = -1;
	st->avg_xact_count = st->avg_query_count = -1;
	st->avg_recv = st->avg_sent = -1;
	st->avg_xact_time_us = st->avg_query_time_us = st->avg_wait_time_us = -1;
}

static struct bouncer_db *
add_db(struct bouncer_snapshot *s, const char *name)
{
	struct bouncer_db *d;

	s->dbs = xreallocarray(s->dbs, s->n_dbs + 1, sizeof *s->dbs);
	d = &s->dbs[s->n_dbs++];
	memset(d, 0, sizeof *d);
	d->name = xstrdup(name);
	d->pool_mode = xstrdup("");
	d->pool_size = d->min_pool_size = d->reserve_pool = -1;
	d->max_connections = d->current_connections = -1;
	stats_unknown(&d->stats);
	d->rates.xact_per_s = d->rates.query_per_s = -1;
	d->rates.recv_bytes_per_s = d->rates.sent_bytes_per_s = -1;
	d->rates.xact_time_us = d->rates.query_time_us = d->rates.wait_us_per_s = -1;
	return d;
}

static void
read_databases(struct bouncer_snapshot *s, const PGresult *r, struct strbuf *missing)
{
	struct cols c = { r, "databases", missing };
	int i_name = col(&c, "name"), i_size = col(&c, "pool_size");
	int i_min = col(&c, "min_pool_size"), i_res = col(&c, "reserve_pool");
	int i_mode = col(&c, "pool_mode"), i_max = col(&c, "max_connections");
	int i_cur = col(&c, "current_connections"), i_paused = col(&c, "paused");
	int i_disabled = col(&c, "disabled");
	int row;

	if (i_name < 0)
		return;
	for (row = 0; row < nrows(r); row++) {
		const char *name = get_str(r, row, i_name);
		struct bouncer_db *d;

		if (strcmp(name, ADMIN_DB) == 0 || db_index(s, name) != (size_t)-1)
			continue;
		d = add_db(s, name);
		d->pool_size = get_count(r, row, i_size);
		d->min_pool_size = get_count(r, row, i_min);
		d->reserve_pool = get_count(r, row, i_res);
		d->max_connections = get_count(r, row, i_max);
		d->current_connections = get_count(r, row, i_cur);
		d->paused = get_int(r, row, i_paused) > 0;
		d->disabled = get_int(r, row, i_disabled) > 0;
		free(d->pool_mode);
		d->pool_mode = xstrdup(get_str(r, row, i_mode));
	}
}

static void
read_stats(struct bouncer_snapshot *s, const PGresult *r, struct strbuf *missing)
{
	struct cols c = { r, "stats", missing };
	int i_db = col(&c, "database");
	int i_txc = col(&c, "total_xact_count"), i_tqc = col(&c, "total_query_count");
	int i_trecv = col(&c, "total_received"), i_tsent = col(&c, "total_sent");
	int i_txt = col(&c, "total_xact_time"), i_tqt = col(&c, "total_query_time");
	int i_twt = col(&c, "total_wait_time");
	int i_axc = col(&c, "avg_xact_count"), i_aqc = col(&c, "avg_query_count");
	int i_arecv = col(&c, "avg_recv"), i_asent = col(&c, "avg_sent");
	int i_axt = col(&c, "avg_xact_time"), i_aqt = col(&c, "avg_query_time");
	int i_awt = col(&c, "avg_wait_time");
	int row;

	if (i_db < 0)
		return;
	for (row = 0; row < nrows(r); row++) {
		const char *name = get_str(r, row, i_db);
		size_t k;
		struct bouncer_db *d;
		struct bouncer_stats *st;

		if (strcmp(name, ADMIN_DB) == 0)
			continue;
		k = db_index(s, name);
		d = k != (size_t)-1 ? &s->dbs[k] : add_db(s, name);
		d->has_stats = true;
		st = &d->stats;
		st->total_xact_count = get_int(r, row, i_txc);
		st->total_query_count = get_int(r, row, i_tqc);
		st->total_received = get_int(r, row, i_trecv);
		st->total_sent = get_int(r, row, i_tsent);
		st->total_xact_time_us = get_int(r, row, i_txt);
		st->total_query_time_us = get_int(r, row, i_tqt);
		st->total_wait_time_us = get_int(r, row, i_twt);
		st->avg_xact_count = get_int(r, row, i_axc);
		st->avg_query_count = get_int(r, row, i_aqc);
		st->avg_recv = get_int(r, row, i_arecv);
		st->avg_sent = get_int(r, row, i_asent);
		st->avg_xact_time_us = get_int(r, row, i_axt);
		st->avg_query_time_us = get_int(r, row, i_aqt);
		st->avg_wait_time_us = get_int(r, row, i_awt);
	}
}

static void
read_pools(struct bouncer_snapshot *s, const PGresult *r, struct strbuf *missing)
{
	struct cols c = { r, "pools", missing };
	int i_db = col(&c, "database"), i_user = col(&c, "user");
	int i_cla = col(&c, "cl_active"), i_clw = col(&c, "cl_waiting");
	int i_sva = col(&c, "sv_active"), i_svi = col(&c, "sv_idle");
	int i_svu = col(&c, "sv_used"), i_svt = col(&c, "sv_tested");
	int i_svl = col(&c, "sv_login"), i_mw = col(&c, "maxwait");
	int i_mwus, i_mode = col(&c, "pool_mode");
	int row;

	/* maxwait_us came in 1.8; without it maxwait has whole seconds only */
	i_mwus = r != NULL ? PQfnumber(r, "maxwait_us") : -1;
	if (i_db < 0 || i_user < 0)
		return;
	s->pools = xcalloc((size_t)nrows(r) + 1, sizeof *s->pools);
	for (row = 0; row < nrows(r); row++) {
		const char *name = get_str(r, row, i_db);
		struct bouncer_pool *p;
		int64_t mw, mwus;

		if (strcmp(name, ADMIN_DB) == 0)
			continue;
		p = &s->pools[s->n_pools++];
		p->database = xstrdup(name);
		p->user = xstrdup(get_str(r, row, i_user));
		p->pool_mode = xstrdup(get_str(r, row, i_mode));
		p->cl_active = get_count(r, row, i_cla);
		p->cl_waiting = get_count(r, row, i_clw);
		p->sv_active = get_count(r, row, i_sva);
		p->sv_idle = get_count(r, row, i_svi);
		p->sv_used = get_count(r, row, i_svu);
		p->sv_tested = get_count(r, row, i_svt);
		p->sv_login = get_count(r, row, i_svl);
		mw = get_int(r, row, i_mw);
		mwus = get_int(r, row, i_mwus);
		p->maxwait_us = mw < 0 ? -1 : mw * 1000000 + (mwus > 0 ? mwus : 0);
		p->db = db_index(s, p->database);
		p->pool_size = p->db != (size_t)-1 ? s->dbs[p->db].pool_size : -1;
		p->utilisation = p->pool_size > 0 && p->sv_active >= 0
					 ? (double)p->sv_active / p->pool_size
					 : -1;
	}
}

/* Counter difference, or -1 when either side is unknown or it went back. */
static double
delta(int64_t now, int64_t before)
{
	if (now < 0 || before < 0 || now < before)
		return -1;
	return (double)(now - before);
}

/* num / den; -1 when num is unknown; 0 when there is nothing to divide by. */
static double
per(double num, double den)
{
	if (num < 0 || den < 0)
		return -1;
	if (den == 0)
		return 0;
	return num / den;
}

static void
compute_rates(struct bouncer_db *d, const struct bouncer_db *old, double dt)
{
	const struct bouncer_stats *a = &old->stats, *b = &d->stats;
	struct bouncer_rates *r = &d->rates;
	double xacts, queries;

	if (!d->has_stats || !old->has_stats || dt <= 0)
		return;
	/* PgBouncer restarted (or the database was recreated): start again */
	if (b->total_xact_count < a->total_xact_count ||
	    b->total_query_count < a->total_query_count)
		return;
	xacts = delta(b->total_xact_count, a->total_xact_count);
	queries = delta(b->total_query_count, a->total_query_count);
	r->known = true;
	r->interval_s = dt;
	r->xact_per_s = per(xacts, dt);
	r->query_per_s = per(queries, dt);
	r->recv_bytes_per_s = per(delta(b->total_received, a->total_received), dt);
	r->sent_bytes_per_s = per(delta(b->total_sent, a->total_sent), dt);
	/* mean durations: 0 when nothing ran in the interval */
	r->xact_time_us = per(delta(b->total_xact_time_us, a->total_xact_time_us), xacts);
	r->query_time_us = per(delta(b->total_query_time_us, a->total_query_time_us), queries);
	r->wait_us_per_s = per(delta(b->total_wait_time_us, a->total_wait_time_us), dt);
}

static void
add_alarm(struct bouncer_snapshot *s, enum bouncer_alarm_kind kind, char *key, char *subject,
	  char *text)
{
	struct bouncer_alarm *a;

	s->alarms = xreallocarray(s->alarms, s->n_alarms + 1, sizeof *s->alarms);
	a = &s->alarms[s->n_alarms++];
	a->kind = kind;
	a->key = key;
	a->subject = subject;
	a->text = text;
}

static void
compute_alarms(struct bouncer_snapshot *s, const struct bouncer_snapshot *prev)
{
	size_t i;

	for (i = 0; i < s->n_pools; i++) {
		struct bouncer_pool *p = &s->pools[i];
		const struct bouncer_pool *old = bouncer_snapshot_pool(prev, p->database, p->user);
		struct strbuf sb = STRBUF_INIT;
		char d[32];

		p->maxwait_rising = old != NULL && old->maxwait_us >= 0 && p->maxwait_us > 0 &&
				    p->maxwait_us > old->maxwait_us;
		p->saturated = p->cl_waiting > 0 || p->maxwait_rising;
		if (!p->saturated)
			continue;
		strbuf_addf(&sb, "pool %s/%s saturated: ", p->database, p->user);
		if (p->cl_waiting >= 0)
			strbuf_addf(&sb, "%d client%s waiting", p->cl_waiting,
				    p->cl_waiting == 1 ? "" : "s");
		if (p->maxwait_us > 0)
			strbuf_addf(&sb, ", the oldest for %s%s",
				    units_format_duration(p->maxwait_us / 1000, d, sizeof d),
				    p->maxwait_rising ? " and rising" : "");
		if (p->sv_active >= 0 && p->pool_size >= 0)
			strbuf_addf(&sb, "; %d of %d server connections active", p->sv_active,
				    p->pool_size);
		add_alarm(s, BOUNCER_ALARM_SATURATED,
			  xasprintf("saturated:%s/%s", p->database, p->user),
			  xasprintf("pool %s/%s", p->database, p->user), strbuf_detach(&sb));
	}
}

struct bouncer_snapshot *
bouncer_snapshot_build(const PGresult *pools, const PGresult *stats, const PGresult *databases,
		       const struct bouncer_snapshot *prev, int64_t taken_ms)
{
	struct bouncer_snapshot *s = xcalloc(1, sizeof *s);
	struct strbuf missing = STRBUF_INIT;
	size_t i;

	s->taken_ms = taken_ms;
	read_databases(s, databases, &missing);
	read_stats(s, stats, &missing);
	read_pools(s, pools, &missing);
	if (prev != NULL) {
		double dt = (double)(taken_ms - prev->taken_ms) / 1000.0;

		for (i = 0; i < s->n_dbs; i++) {
			const struct bouncer_db *old = bouncer_snapshot_db(prev, s->dbs[i].name);

			if (old != NULL)
				compute_rates(&s->dbs[i], old, dt);
		}
	}
	compute_alarms(s, prev);
	s->missing = strbuf_detach(&missing);
	return s;
}

/* ------------------------------------------------------------------------
 * Alarms through the message log
 * ------------------------------------------------------------------------ */

static void
clear_active_alarms(struct bouncer *b)
{
	size_t i;

	for (i = 0; i < b->n_alarms; i++) {
		free(b->alarms[i].key);
		free(b->alarms[i].subject);
	}
	free(b->alarms);
	b->alarms = NULL;
	b->n_alarms = 0;
}

/* Log alarms when they start and when they clear; remember the active set. */
static void
log_alarms(struct bouncer *b, const struct bouncer_snapshot *s)
{
	struct active_alarm *now = xcalloc(s->n_alarms + 1, sizeof *now);
	size_t i, j;

	for (i = 0; i < s->n_alarms; i++) {
		bool known = false;

		for (j = 0; j < b->n_alarms && !known; j++)
			known = strcmp(b->alarms[j].key, s->alarms[i].key) == 0;
		if (!known)
			msglog_add(b->log, MSG_WARNING, b->label, "alarm: %s", s->alarms[i].text);
		now[i].key = xstrdup(s->alarms[i].key);
		now[i].subject = xstrdup(s->alarms[i].subject);
		now[i].kind = s->alarms[i].kind;
	}
	for (j = 0; j < b->n_alarms; j++) {
		bool still = false;

		for (i = 0; i < s->n_alarms && !still; i++)
			still = strcmp(b->alarms[j].key, s->alarms[i].key) == 0;
		if (!still)
			msglog_add(b->log, MSG_INFO, b->label, "cleared: %s is no longer saturated",
				   b->alarms[j].subject);
	}
	clear_active_alarms(b);
	b->alarms = now;
	b->n_alarms = s->n_alarms;
}

/* ------------------------------------------------------------------------
 * History
 * ------------------------------------------------------------------------ */

static int
sum(int acc, int v)
{
	return v > 0 ? acc + v : acc;
}

static void
record_history(struct bouncer *b, const struct bouncer_snapshot *s)
{
	struct bouncer_sample *x;
	size_t i;

	if (b->n_samples < BOUNCER_HISTORY) {
		x = &b->samples[(b->first_sample + b->n_samples) % BOUNCER_HISTORY];
		b->n_samples++;
	} else {
		x = &b->samples[b->first_sample];
		b->first_sample = (b->first_sample + 1) % BOUNCER_HISTORY;
	}
	memset(x, 0, sizeof *x);
	x->at_ms = s->taken_ms;
	for (i = 0; i < s->n_pools; i++) {
		const struct bouncer_pool *p = &s->pools[i];

		x->cl_active = sum(x->cl_active, p->cl_active);
		x->cl_waiting = sum(x->cl_waiting, p->cl_waiting);
		x->sv_active = sum(x->sv_active, p->sv_active);
		x->sv_idle = sum(x->sv_idle, p->sv_idle);
		if (p->maxwait_us > x->maxwait_us)
			x->maxwait_us = p->maxwait_us;
	}
}

size_t
bouncer_n_samples(const struct bouncer *b)
{
	return b->n_samples;
}

const struct bouncer_sample *
bouncer_sample(const struct bouncer *b, size_t i)
{
	if (i >= b->n_samples)
		return NULL;
	return &b->samples[(b->first_sample + i) % BOUNCER_HISTORY];
}

/* ------------------------------------------------------------------------
 * Refreshing
 * ------------------------------------------------------------------------ */

static void
notify(struct bouncer *b)
{
	if (b->on_update != NULL)
		b->on_update(b, b->on_update_arg);
}

static void
set_failure(struct bouncer *b, const char *why)
{
	if (why == NULL || why[0] == '\0')
		why = "no answer from PgBouncer";
	if (b->status != BOUNCER_STALE || strcmp(b->error, why) != 0)
		msglog_add(b->log, MSG_DEBUG, b->label, "refresh failed: %s", why);
	free(b->error);
	b->error = xstrdup(why);
	if (b->snap != NULL)
		b->status = BOUNCER_STALE;
}

static void
drop_results(struct bouncer *b)
{
	int i;

	for (i = 0; i < N_STEPS; i++) {
		PQclear(b->results[i]);
		b->results[i] = NULL;
	}
}

/* The refresh in flight failed: say why; give the connection back if asked. */
static void
refresh_failed(struct bouncer *b, const char *why, bool release)
{
	b->step = -1;
	b->refreshes++;
	loop_timer_cancel(b->loop, &b->deadline);
	drop_results(b);
	set_failure(b, why);
	if (release && b->conn != NULL) {
		pool_release(b->pool, b->conn);
		b->conn = NULL;
	}
	notify(b);
}

static void
refresh_succeeded(struct bouncer *b)
{
	struct bouncer_snapshot *s;

	b->step = -1;
	b->refreshes++;
	loop_timer_cancel(b->loop, &b->deadline);
	s = bouncer_snapshot_build(b->results[0], b->results[1], b->results[2], b->snap,
				   loop_now(b->loop));
	s->round_trip_us = loop_clock_us() - b->sent_us;
	drop_results(b);
	if (s->missing[0] != '\0' && (b->snap == NULL || strcmp(b->snap->missing, s->missing) != 0))
		msglog_add(b->log, MSG_INFO, b->label,
			   "this PgBouncer has no column %s: shown as unknown", s->missing);
	log_alarms(b, s);
	record_history(b, s);
	bouncer_snapshot_free(&b->snap);
	b->snap = s;
	b->status = BOUNCER_LIVE;
	b->error[0] = '\0';
	notify(b);
}

static void send_step(struct bouncer *b);

static void
step_done(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct bouncer *b = arg;

	if (reply->conn_error != NULL || conn_state(c) != CONN_READY) {
		refresh_failed(b, reply->conn_error ? reply->conn_error : conn_error(c), true);
		return;
	}
	if (reply->error != NULL) {
		char *why = conn_reply_error_text(reply, CONN_ERROR_MESSAGE);
		char *msg = xasprintf("%s: %s", step_sql[b->step], why);

		/* the connection is fine; the user may lack the right to SHOW */
		refresh_failed(b, msg, false);
		free(msg);
		free(why);
		return;
	}
	if (reply->n < 1 || PQresultStatus(reply->results[reply->n - 1]) != PGRES_TUPLES_OK) {
		refresh_failed(b, "unexpected answer from the admin console", false);
		return;
	}
	b->results[b->step] = reply->results[reply->n - 1];
	reply->results[reply->n - 1] = NULL; /* ours now */
	if (++b->step < N_STEPS)
		send_step(b);
	else
		refresh_succeeded(b);
}

static void
send_step(struct bouncer *b)
{
	if (!conn_send(b->conn, step_sql[b->step], -1, NULL, step_done, b))
		refresh_failed(b,
			       conn_error(b->conn)[0] ? conn_error(b->conn)
						      : "the admin connection is not ready",
			       true);
}

static void
deadline_cb(struct loop *loop, void *arg)
{
	struct bouncer *b = arg;
	char d[32], *msg;

	(void)loop;
	b->deadline = NULL;
	msg = xasprintf("no answer from the admin console within %s",
			units_format_duration(b->refresh_timeout_ms, d, sizeof d));
	/* the answer, if it ever comes, goes nowhere: the pool closes it */
	conn_abandon(b->conn);
	pool_discard(b->pool, b->conn);
	b->conn = NULL;
	refresh_failed(b, msg, false);
	free(msg);
}

static void
start_refresh(struct bouncer *b)
{
	b->step = 0;
	b->sent_us = loop_clock_us();
	b->deadline = loop_timer_add(b->loop, b->refresh_timeout_ms, 0, deadline_cb, b);
	send_step(b);
}

static void
acquired(struct pool *p, struct conn *c, const char *error, void *arg)
{
	struct bouncer *b = arg;

	(void)p;
	b->request = NULL;
	if (c == NULL) {
		b->refreshes++;
		set_failure(b, error);
		notify(b);
		return;
	}
	b->conn = c;
	start_refresh(b);
}

void
bouncer_refresh(struct bouncer *b)
{
	if (b->step >= 0) {
		b->skipped++;
		return;
	}
	if (b->conn != NULL) {
		start_refresh(b);
		return;
	}
	/* no admin connection: while PgBouncer is unreachable say so at once
	 * (the last data turns stale), and keep one request waiting so the
	 * pool keeps trying to connect */
	if (pool_health(b->pool) == POOL_RETRYING) {
		set_failure(b, pool_last_error(b->pool));
		notify(b);
	}
	if (b->request == NULL)
		b->request = pool_acquire(b->pool, acquired, b);
	else
		b->skipped++;
}

static void
tick(struct loop *loop, void *arg)
{
	(void)loop;
	bouncer_refresh(arg);
}

/* ------------------------------------------------------------------------
 * Life cycle and accessors
 * ------------------------------------------------------------------------ */

void
bouncer_config_from_profile(const struct profile_database *pdb, struct bouncer_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->label = pdb->label;
	cfg->conninfo = pdb->pgbouncer != NULL ? pdb->pgbouncer : "";
	cfg->connect_timeout_ms = pdb->connect_timeout_ms;
	cfg->refresh_timeout_ms = DEFAULT_TIMEOUT_MS;
}

struct bouncer *
bouncer_new(struct loop *loop, const struct bouncer_config *cfg, struct msglog *log)
{
	struct bouncer *b = xcalloc(1, sizeof *b);
	struct pool_config pc;

	b->loop = loop;
	b->log = log;
	b->label = xasprintf("%s/pgbouncer", cfg->label != NULL ? cfg->label : "db");
	b->conninfo = xstrdup(cfg->conninfo != NULL ? cfg->conninfo : "");
	b->refresh_timeout_ms = cfg->refresh_timeout_ms > 0 ? cfg->refresh_timeout_ms
							    : DEFAULT_TIMEOUT_MS;
	b->step = -1;
	b->status = BOUNCER_WAITING;
	b->error = xstrdup("");

	pool_config_defaults(&pc);
	pc.conn.label = b->label;
	pc.conn.conninfo = b->conninfo;
	pc.conn.application_name = NULL;
	pc.conn.connect_timeout_ms = cfg->connect_timeout_ms;
	pc.conn.statement_timeout_ms = 0;
	pc.conn.lock_timeout_ms = 0;
	pc.conn.idle_in_transaction_timeout_ms = 0;
	pc.conn.read_only = false;
	pc.conn.keepalives = false;
	pc.conn.no_options = true; /* PgBouncer refuses unknown startup parameters */
	pc.min = 0;		   /* connect on the first refresh */
	pc.max = 1;
	pc.acquire_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms + 1000
							    : DEFAULT_TIMEOUT_MS;
	pc.max_lifetime_ms = 0;
	pc.max_idle_ms = 0;
	pc.health_check_ms = 0; /* the admin console refuses SELECT 1 */
	if (cfg->backoff_base_ms > 0)
		pc.backoff_base_ms = cfg->backoff_base_ms;
	if (cfg->backoff_max_ms > 0)
		pc.backoff_max_ms = cfg->backoff_max_ms;
	pc.fail_fast = cfg->fail_fast;
	b->pool = pool_new(loop, &pc, log);
	return b;
}

void
bouncer_free(struct bouncer **bp)
{
	struct bouncer *b = *bp;

	if (b == NULL)
		return;
	loop_timer_cancel(b->loop, &b->timer);
	loop_timer_cancel(b->loop, &b->deadline);
	pool_request_cancel(b->pool, &b->request);
	if (b->conn != NULL) {
		conn_abandon(b->conn); /* a refresh in flight answers nobody */
		pool_release(b->pool, b->conn);
		b->conn = NULL;
	}
	pool_free(&b->pool);
	drop_results(b);
	bouncer_snapshot_free(&b->snap);
	clear_active_alarms(b);
	free(b->label);
	free(b->conninfo);
	free(b->error);
	free(b);
	*bp = NULL;
}

void
bouncer_start(struct bouncer *b, int64_t interval_ms)
{
	b->interval_ms = interval_ms;
	loop_timer_cancel(b->loop, &b->timer);
	b->timer = loop_timer_add(b->loop, interval_ms, interval_ms, tick, b);
	bouncer_refresh(b);
}

void
bouncer_set_interval(struct bouncer *b, int64_t interval_ms)
{
	if (b->timer != NULL && interval_ms != b->interval_ms) {
		b->interval_ms = interval_ms;
		loop_timer_cancel(b->loop, &b->timer);
		b->timer = loop_timer_add(b->loop, interval_ms, interval_ms, tick, b);
	}
}

void
bouncer_stop(struct bouncer *b)
{
	loop_timer_cancel(b->loop, &b->timer);
}

void
bouncer_on_update(struct bouncer *b, void (*cb)(struct bouncer *b, void *arg), void *arg)
{
	b->on_update = cb;
	b->on_update_arg = arg;
}

const struct bouncer_snapshot *
bouncer_snapshot(const struct bouncer *b)
{
	return b->snap;
}

enum bouncer_status
bouncer_status(const struct bouncer *b)
{
	return b->status;
}

const char *
bouncer_status_name(enum bouncer_status s)
{
	switch (s) {
	case BOUNCER_WAITING:
		return "waiting";
	case BOUNCER_LIVE:
		return "live";
	case BOUNCER_STALE:
		return "stale";
	}
	return "?";
}

const char *
bouncer_error(const struct bouncer *b)
{
	return b->error;
}

int64_t
bouncer_age_ms(const struct bouncer *b)
{
	return b->snap != NULL ? loop_now(b->loop) - b->snap->taken_ms : 0;
}

uint64_t
bouncer_refreshes(const struct bouncer *b)
{
	return b->refreshes;
}

uint64_t
bouncer_skipped(const struct bouncer *b)
{
	return b->skipped;
}

const char *
bouncer_conninfo(const struct bouncer *b)
{
	return b->conninfo;
}
