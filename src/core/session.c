/*
 * session: databases, monitors, selection, refresh and backend actions.
 * See include/session.h.
 *
 * Catalog and jobs. Each database also has a browse handle (schemas,
 * module statuses, tenants, the opened schema: loaded when a view asks),
 * and the session owns the job list (jobs.h) shared by every database.
 * When a job ends, the session reloads what the browse handle of its
 * database had loaded, so that every view shows the result; browse answers
 * and job progress reach the front end through the same update callback
 * as monitor refreshes. The queue a view shows (session_keep_queue_fresh)
 * is reread on the inventory cadence, paused with everything else.
 *
 * Requests in flight. An action (cancel, terminate, lock fetch) is a
 * `struct request` on the session's list; its reply callback runs from the
 * loop and finds its session through the request. session_free() detaches
 * every request (request->s = NULL) before closing the pools, because
 * closing a pool answers its pending queries with an error: a detached
 * request's answer is dropped and the request freed.
 *
 * Advisor runs. Each database has a slot for one advisor run, empty until a
 * front end starts one; the run and its report stay in the slot until the
 * session is freed or the run is started with another window. Its phase
 * changes and end reach the update callback at once, its samples (every
 * 50 ms while it samples) at most every ADVISOR_UPDATE_MS, so that a run
 * costs a few redraws a second. Runs are freed first in session_free(),
 * while the pools they borrow from are still open.
 *
 * Beside each monitor the session keeps a PgBouncer sampler (for the
 * databases whose profile names a `pgbouncer`) and an inventory (tenant
 * counts and pending migrations, on its own slow cadence). They follow the
 * monitors through extras(): started with them, paused and resumed with
 * them, the bouncers at the monitors' interval and refreshed with them on
 * demand; the inventories keep their own interval.
 */
#include "config.h"

#include "session.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advisor.h"
#include "bouncer.h"
#include "browse.h"
#include "database.h"
#include "inventory.h"
#include "jobs.h"
#include "loop.h"
#include "monitor.h"
#include "msglog.h"
#include "pool.h"
#include "profile.h"
#include "units.h"
#include "xalloc.h"

enum request_kind {
	REQ_SIGNAL,
	REQ_LOCKS,
};

struct request {
	struct session *s; /* NULL once the session is gone */
	enum request_kind kind;
	enum session_signal signal;
	size_t db;
	int pid;
	uint64_t generation; /* for lock fetches: dropped unless still the newest */
	struct request *next;
};

#define ADVISOR_UPDATE_MS 100

/* The advisor run of one database and what its callback needs. */
struct advisor_slot {
	struct session *s;
	size_t db;
	struct session_advisor_run run;
	enum advisor_state last_state;
	int64_t last_update_ms;
};

struct session {
	struct loop *loop;
	struct msglog *log;
	struct profile *profile;
	struct database **dbs;
	struct monitor **mons;
	struct bouncer **bouncers; /* NULL where the profile names no pgbouncer */
	struct inventory **invs;
	struct browse **browse;
	struct advisor_slot *advisors;
	struct jobs *jobs;
	size_t n;
	size_t selected;
	int64_t refresh_ms;
	bool paused;
	bool started;
	bool inventory_wanted; /* a front end shows the inventories (session_want_inventory) */

	struct request *requests;
	int actions_running;
	uint64_t locks_generation;
	struct session_locks locks;

	void (*on_update)(void *arg, size_t db);
	void *on_update_arg;
};

static void extras_new(struct session *s);
static void extras_free(struct session *s);
enum extras_op {
	EXTRAS_START,
	EXTRAS_STOP,
	EXTRAS_INTERVAL,
	EXTRAS_REFRESH
};
static void extras(struct session *s, enum extras_op op);
static void browse_updated(struct browse *b, void *arg);
static void job_changed(void *arg, const struct job *job);

static const int64_t refresh_steps[] = { 250, 500, 1000, 2000, 5000, 10000, 30000, 60000 };
#define N_STEPS (sizeof refresh_steps / sizeof refresh_steps[0])

/* ------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------ */

static void
monitor_updated(struct monitor *m, void *arg)
{
	struct session *s = arg;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->mons[i] == m && s->on_update != NULL)
			s->on_update(s->on_update_arg, i);
	}
}

struct session *
session_new(struct loop *loop, struct msglog *log, struct profile *profile, const char *database,
	    char **error)
{
	struct session *s;
	size_t i, selected = 0;

	if (database != NULL) {
		const struct profile_database *pdb = profile_database(profile, database);

		if (pdb == NULL) {
			*error = xasprintf("profile %s has no database \"%s\"", profile->path,
					   database);
			return NULL;
		}
		selected = (size_t)(pdb - profile->databases);
	}
	s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->log = log;
	s->profile = profile;
	s->n = profile->n_databases;
	s->selected = selected;
	s->refresh_ms = profile->refresh_ms;
	s->dbs = database_open_all(loop, profile, log, false);
	s->mons = xcalloc(s->n, sizeof *s->mons);
	s->browse = xcalloc(s->n, sizeof *s->browse);
	s->advisors = xcalloc(s->n + 1, sizeof *s->advisors);
	for (i = 0; i < s->n; i++) {
		s->advisors[i].s = s;
		s->advisors[i].db = i;
		s->mons[i] = monitor_new(loop, s->dbs[i], log);
		monitor_on_update(s->mons[i], monitor_updated, s);
		s->browse[i] = browse_new(s->dbs[i], log);
		browse_on_update(s->browse[i], browse_updated, s);
	}
	extras_new(s);
	s->jobs = jobs_new(loop, log);
	jobs_on_change(s->jobs, job_changed, s);
	return s;
}

static void
locks_reset(struct session_locks *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].locktype);
		free(l->v[i].mode);
		free(l->v[i].object);
	}
	free(l->v);
	free(l->error);
	memset(l, 0, sizeof *l);
}

void
session_free(struct session **sp)
{
	struct session *s = *sp;
	struct request *r;
	size_t i;

	if (s == NULL)
		return;
	for (r = s->requests; r != NULL; r = r->next)
		r->s = NULL;
	for (i = 0; i < s->n; i++)
		advisor_free(&s->advisors[i].run.adv); /* a query in flight answers nobody */
	free(s->advisors);
	extras_free(s);
	for (i = 0; i < s->n; i++)
		monitor_free(&s->mons[i]);
	free(s->mons);
	jobs_free(&s->jobs); /* running jobs are abandoned: they stop */
	for (i = 0; i < s->n; i++)
		browse_free(&s->browse[i]);
	free(s->browse);
	database_close_all(&s->dbs, s->n);
	locks_reset(&s->locks);
	profile_free(&s->profile);
	free(s);
	*sp = NULL;
}

void
session_start(struct session *s)
{
	size_t i;

	s->started = true;
	if (s->paused)
		return;
	for (i = 0; i < s->n; i++)
		monitor_start(s->mons[i], s->refresh_ms);
	extras(s, EXTRAS_START);
}

/* ------------------------------------------------------------------------
 * Accessors, selection, refresh
 * ------------------------------------------------------------------------ */

const struct profile *
session_profile(const struct session *s)
{
	return s->profile;
}

struct loop *
session_loop(const struct session *s)
{
	return s->loop;
}

struct msglog *
session_log(const struct session *s)
{
	return s->log;
}

size_t
session_n_databases(const struct session *s)
{
	return s->n;
}

struct database *
session_database(const struct session *s, size_t i)
{
	return i < s->n ? s->dbs[i] : NULL;
}

struct monitor *
session_monitor(const struct session *s, size_t i)
{
	return i < s->n ? s->mons[i] : NULL;
}

const char *
session_label(const struct session *s, size_t i)
{
	return i < s->n ? s->profile->databases[i].label : "";
}

bool
session_read_only(const struct session *s, size_t i)
{
	return s->profile->read_only || (i < s->n && s->profile->databases[i].read_only);
}

size_t
session_selected(const struct session *s)
{
	return s->selected;
}

void
session_select(struct session *s, size_t i)
{
	if (i < s->n)
		s->selected = i;
}

void
session_select_next(struct session *s, int delta)
{
	if (delta > 0)
		s->selected = (s->selected + 1) % s->n;
	else if (delta < 0)
		s->selected = (s->selected + s->n - 1) % s->n;
}

int64_t
session_refresh_ms(const struct session *s)
{
	return s->refresh_ms;
}

void
session_set_refresh(struct session *s, int64_t ms)
{
	size_t i;

	if (ms < SESSION_REFRESH_MIN_MS)
		ms = SESSION_REFRESH_MIN_MS;
	if (ms > SESSION_REFRESH_MAX_MS)
		ms = SESSION_REFRESH_MAX_MS;
	s->refresh_ms = ms;
	if (!s->started || s->paused)
		return;
	for (i = 0; i < s->n; i++)
		monitor_set_interval(s->mons[i], ms);
	extras(s, EXTRAS_INTERVAL);
}

int64_t
session_refresh_step(struct session *s, int dir)
{
	size_t i;

	if (dir > 0) {
		for (i = 0; i < N_STEPS; i++) {
			if (refresh_steps[i] > s->refresh_ms) {
				session_set_refresh(s, refresh_steps[i]);
				break;
			}
		}
	} else {
		for (i = N_STEPS; i-- > 0;) {
			if (refresh_steps[i] < s->refresh_ms) {
				session_set_refresh(s, refresh_steps[i]);
				break;
			}
		}
	}
	return s->refresh_ms;
}

bool
session_paused(const struct session *s)
{
	return s->paused;
}

void
session_set_paused(struct session *s, bool paused)
{
	size_t i;

	if (paused == s->paused)
		return;
	s->paused = paused;
	for (i = 0; i < s->n; i++)
		browse_set_paused(s->browse[i], paused);
	if (!s->started)
		return;
	for (i = 0; i < s->n; i++) {
		if (paused)
			monitor_stop(s->mons[i]);
		else
			monitor_start(s->mons[i], s->refresh_ms);
	}
	extras(s, paused ? EXTRAS_STOP : EXTRAS_START);
}

void
session_refresh_now(struct session *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		monitor_refresh(s->mons[i]);
		browse_reload(s->browse[i]);
	}
	extras(s, EXTRAS_REFRESH);
}

/* ------------------------------------------------------------------------
 * Catalog and jobs
 * ------------------------------------------------------------------------ */

static void
browse_updated(struct browse *b, void *arg)
{
	struct session *s = arg;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->browse[i] == b && s->on_update != NULL)
			s->on_update(s->on_update_arg, i);
	}
}

static void
job_changed(void *arg, const struct job *job)
{
	struct session *s = arg;

	/* a job that ended changed the database: reload what is shown */
	if (job->state != JOB_RUNNING && job->db < s->n)
		browse_reload(s->browse[job->db]);
	if (s->on_update != NULL)
		s->on_update(s->on_update_arg, job->db);
}

struct browse *
session_browse(const struct session *s, size_t i)
{
	return i < s->n ? s->browse[i] : NULL;
}

struct jobs *
session_jobs(const struct session *s)
{
	return s->jobs;
}

int
session_jobs_running(const struct session *s)
{
	return jobs_running(s->jobs);
}

void
session_on_update(struct session *s, void (*cb)(void *arg, size_t db), void *arg)
{
	s->on_update = cb;
	s->on_update_arg = arg;
}

/* ------------------------------------------------------------------------
 * Status of a database
 * ------------------------------------------------------------------------ */

void
session_db_status(const struct session *s, size_t i, struct session_db_status *out)
{
	const struct monitor *m = s->mons[i];
	const struct pool *p = s->dbs[i]->pool;
	enum pool_health h = pool_health(p);

	memset(out, 0, sizeof *out);
	out->paused = s->paused;
	out->error = monitor_error(m);
	out->age_ms = monitor_age_ms(m);
	if (h == POOL_RETRYING)
		out->retry_in_ms = pool_retry_in_ms(p);
	out->auth_failed = pool_auth_failed(p);
	out->auth_backoff_max_ms = pool_config(p)->auth_backoff_max_ms;
	switch (monitor_status(m)) {
	case MON_LIVE:
		out->state = SESSION_DB_LIVE;
		break;
	case MON_STALE:
		out->state = SESSION_DB_STALE;
		if (h == POOL_RETRYING && pool_last_error(p)[0] != '\0')
			out->error = pool_last_error(p);
		break;
	case MON_WAITING:
		if (h == POOL_RETRYING) {
			out->state = SESSION_DB_RETRYING;
			out->error = pool_last_error(p);
		} else if (h == POOL_UP && out->error[0] != '\0') {
			out->state = SESSION_DB_ERROR;
		} else {
			out->state = SESSION_DB_CONNECTING;
		}
		break;
	}
}

/* The first line of a libpq message, without its trailing newline. */
static void
first_line(const char *in, char *buf, size_t size)
{
	size_t n = strcspn(in, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(buf, in, n);
	buf[n] = '\0';
}

void
session_db_status_text(const struct session_db_status *st, char *buf, size_t size)
{
	char age[32], retry[96], err[256], cap[32];
	size_t n;

	first_line(st->error, err, sizeof err);
	units_format_duration(st->age_ms, age, sizeof age);
	units_format_duration(st->retry_in_ms < 1000 ? 1000 : st->retry_in_ms, retry, sizeof retry);
	if (st->auth_failed) {
		/* say why the retries are slow, and that they will not heal alone */
		n = strlen(retry);
		snprintf(retry + n, sizeof retry - n,
			 " (authentication failed: backing off up to %s)",
			 units_format_duration(st->auth_backoff_max_ms, cap, sizeof cap));
	}
	switch (st->state) {
	case SESSION_DB_LIVE:
		snprintf(buf, size, "%s", st->paused ? "paused" : "live");
		break;
	case SESSION_DB_CONNECTING:
		snprintf(buf, size, "connecting");
		break;
	case SESSION_DB_RETRYING:
		snprintf(buf, size, "retrying in %s: %s", retry, err);
		break;
	case SESSION_DB_STALE:
		if (st->retry_in_ms > 0)
			snprintf(buf, size, "stale %s, retrying in %s: %s", age, retry, err);
		else
			snprintf(buf, size, "stale %s: %s", age, err);
		break;
	case SESSION_DB_ERROR:
		snprintf(buf, size, "error: %s", err);
		break;
	}
}

/* ------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------ */

static struct request *
request_new(struct session *s, enum request_kind kind, size_t db, int pid)
{
	struct request *r = xcalloc(1, sizeof *r);

	r->s = s;
	r->kind = kind;
	r->db = db;
	r->pid = pid;
	r->next = s->requests;
	s->requests = r;
	return r;
}

/* Unlink r from its session (if any) and free it. */
static void
request_done(struct request *r)
{
	struct request **pp;

	if (r->s != NULL) {
		for (pp = &r->s->requests; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == r) {
				*pp = r->next;
				break;
			}
		}
	}
	free(r);
}

/* The reply's error (its first line) in buf, "no answer" when no row came; NULL when it answered. */
static const char *
reply_error(const struct conn_reply *reply, char *buf, size_t size)
{
	char *e = conn_reply_error_text(reply, CONN_ERROR_LINE);

	if (e != NULL) {
		snprintf(buf, size, "%s", e);
		free(e);
		return buf;
	}
	if (reply->n < 1 || PQntuples(reply->results[reply->n - 1]) < 1) {
		snprintf(buf, size, "no answer");
		return buf;
	}
	return NULL;
}

const char *
session_signal_name(enum session_signal kind)
{
	return kind == SESSION_CANCEL ? "cancel" : "terminate";
}

static void
signal_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct request *r = arg;
	struct session *s = r->s;
	size_t db = r->db;
	char err[256];
	const char *why;

	(void)p;
	if (s == NULL) {
		request_done(r);
		return;
	}
	s->actions_running--;
	why = reply_error(reply, err, sizeof err);
	if (why != NULL)
		msglog_add(s->log, MSG_ERROR, session_label(s, r->db),
			   "%s of backend %d failed: %s", session_signal_name(r->signal), r->pid,
			   why);
	else if (PQgetvalue(reply->results[reply->n - 1], 0, 0)[0] == 't')
		msglog_add(s->log, MSG_INFO, session_label(s, r->db), "%s of backend %d: done",
			   session_signal_name(r->signal), r->pid);
	else
		msglog_add(s->log, MSG_WARNING, session_label(s, r->db),
			   "%s of backend %d: no such backend (it had already ended)",
			   session_signal_name(r->signal), r->pid);
	request_done(r);
	if (s->on_update != NULL)
		s->on_update(s->on_update_arg, db);
}

bool
session_signal_backend(struct session *s, size_t db, int pid, enum session_signal kind,
		       const char **why)
{
	static const char *const sql[] = {
		[SESSION_CANCEL] = "SELECT pg_cancel_backend($1)",
		[SESSION_TERMINATE] = "SELECT pg_terminate_backend($1)",
	};
	struct request *r;
	char pidbuf[16];
	const char *params[1];

	if (db >= s->n) {
		*why = "no such database";
		return false;
	}
	if (session_read_only(s, db)) {
		*why = "the profile is read-only: backends cannot be cancelled or terminated";
		return false;
	}
	snprintf(pidbuf, sizeof pidbuf, "%d", pid);
	params[0] = pidbuf;
	r = request_new(s, REQ_SIGNAL, db, pid);
	r->signal = kind;
	s->actions_running++;
	msglog_add(s->log, MSG_INFO, session_label(s, db), "%s of backend %d requested",
		   session_signal_name(kind), pid);
	pool_query(s->dbs[db]->pool, sql[kind], 1, params, signal_done, r);
	return true;
}

int
session_actions_running(const struct session *s)
{
	return s->actions_running;
}

/* ------------------------------------------------------------------------
 * Advisor runs
 * ------------------------------------------------------------------------ */

static void
advisor_moved(struct advisor *a, void *arg)
{
	struct advisor_slot *slot = arg;
	struct session *s = slot->s;
	enum advisor_state st = advisor_state(a);
	int64_t now = loop_now(s->loop);

	if (st != slot->last_state) {
		slot->run.gen++;
		if (st == ADVISOR_DONE || st == ADVISOR_FAILED)
			slot->run.finished_s = (int64_t)time(NULL);
	} else if (now - slot->last_update_ms < ADVISOR_UPDATE_MS) {
		return;
	}
	slot->last_state = st;
	slot->last_update_ms = now;
	if (s->on_update != NULL)
		s->on_update(s->on_update_arg, slot->db);
}

void
session_advisor_start(struct session *s, size_t i, int64_t window_ms)
{
	struct advisor_slot *slot;

	if (i >= s->n)
		return;
	slot = &s->advisors[i];
	if (slot->run.adv != NULL && slot->run.window_ms != window_ms) {
		advisor_free(&slot->run.adv);
		slot->last_state = ADVISOR_IDLE;
		slot->run.gen++;
	}
	if (slot->run.adv == NULL) {
		struct adv_opts o;

		adv_opts_defaults(&o);
		o.window_ms = window_ms;
		slot->run.adv = advisor_new(s->loop, s->dbs[i], s->profile, &o, s->log);
		slot->run.window_ms = window_ms;
		advisor_on_update(slot->run.adv, advisor_moved, slot);
	}
	slot->run.finished_s = 0;
	advisor_start(slot->run.adv);
}

const struct session_advisor_run *
session_advisor_run(const struct session *s, size_t i)
{
	return i < s->n ? &s->advisors[i].run : NULL;
}

/* ------------------------------------------------------------------------
 * Locks of one backend
 * ------------------------------------------------------------------------ */

static const char locks_sql[] =
	"SELECT l.locktype, coalesce(l.mode, ''), l.granted,\n"
	"  CASE WHEN l.relation IS NOT NULL THEN\n"
	"         CASE WHEN l.database = (SELECT oid FROM pg_database\n"
	"                                  WHERE datname = current_database())\n"
	"              THEN l.relation::regclass::text\n"
	"              ELSE 'relation ' || l.relation || ' of database ' || l.database END\n"
	"         || coalesce(' page ' || l.page, '') || coalesce(' tuple ' || l.tuple, '')\n"
	"       WHEN l.transactionid IS NOT NULL THEN 'transaction ' || l.transactionid\n"
	"       WHEN l.virtualxid IS NOT NULL THEN 'virtual transaction ' || l.virtualxid\n"
	"       ELSE concat_ws(' ', l.classid, l.objid, l.objsubid) END,\n"
	"  coalesce(l.classid::bigint, 0), coalesce(l.objid::bigint, 0),\n"
	"  coalesce(l.objsubid, 0)\n"
	"FROM pg_locks l WHERE l.pid = $1\n"
	"ORDER BY l.granted, l.locktype = 'virtualxid', l.locktype, 4";

void
session_advisory_key(uint32_t classid, uint32_t objid, int objsubid, int64_t *key, int64_t *key2,
		     bool *bigint_key)
{
	if (objsubid == 1) {
		*bigint_key = true;
		*key = (int64_t)(((uint64_t)classid << 32) | objid);
		*key2 = 0;
	} else {
		*bigint_key = false;
		*key = (int32_t)classid;
		*key2 = (int32_t)objid;
	}
}

/* The pgdbm module the monitor found for this advisory lock, or NULL. */
static const char *
advisory_module(const struct session *s, size_t db, int pid, int64_t key)
{
	const struct mon_snapshot *snap = monitor_snapshot(s->mons[db]);
	size_t i;

	if (snap == NULL)
		return NULL;
	for (i = 0; i < snap->n_advisory; i++) {
		const struct mon_advisory *a = &snap->advisory[i];

		if (a->pid == pid && a->bigint_key && a->key == key)
			return a->module;
	}
	return NULL;
}

static char *
lock_object(const struct session *s, size_t db, int pid, const PGresult *res, int row)
{
	int64_t key, key2;
	bool bigint_key;
	const char *module;

	if (strcmp(PQgetvalue(res, row, 0), "advisory") != 0)
		return xstrdup(PQgetvalue(res, row, 3));
	session_advisory_key((uint32_t)strtoull(PQgetvalue(res, row, 4), NULL, 10),
			     (uint32_t)strtoull(PQgetvalue(res, row, 5), NULL, 10),
			     atoi(PQgetvalue(res, row, 6)), &key, &key2, &bigint_key);
	if (!bigint_key)
		return xasprintf("advisory (%lld,%lld)", (long long)key, (long long)key2);
	module = advisory_module(s, db, pid, key);
	if (module != NULL)
		return xasprintf("advisory %lld: pgdbm migration lock of %s", (long long)key,
				 module);
	return xasprintf("advisory %lld", (long long)key);
}

static void
locks_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct request *r = arg;
	struct session *s = r->s;
	const PGresult *res;
	char err[256];
	const char *why;
	int i, n;

	(void)p;
	if (s == NULL || r->generation != s->locks_generation) {
		request_done(r);
		return;
	}
	locks_reset(&s->locks);
	s->locks.db = r->db;
	s->locks.pid = r->pid;
	why = reply_error(reply, err, sizeof err);
	if (why != NULL && (reply->conn_error != NULL || reply->error != NULL)) {
		s->locks.state = SESSION_LOCKS_FAILED;
		s->locks.error = xstrdup(why);
	} else {
		s->locks.state = SESSION_LOCKS_READY;
		res = reply->n > 0 ? reply->results[reply->n - 1] : NULL;
		n = res != NULL ? PQntuples(res) : 0;
		s->locks.v = xcalloc((size_t)n + 1, sizeof *s->locks.v);
		for (i = 0; i < n; i++) {
			struct session_lock *l = &s->locks.v[s->locks.n++];

			l->locktype = xstrdup(PQgetvalue(res, i, 0));
			l->mode = xstrdup(PQgetvalue(res, i, 1));
			l->granted = PQgetvalue(res, i, 2)[0] == 't';
			l->object = lock_object(s, r->db, r->pid, res, i);
		}
	}
	request_done(r);
	if (s->on_update != NULL)
		s->on_update(s->on_update_arg, s->locks.db);
}

void
session_fetch_locks(struct session *s, size_t db, int pid)
{
	struct request *r;
	char pidbuf[16];
	const char *params[1];

	if (db >= s->n)
		return;
	locks_reset(&s->locks);
	s->locks.state = SESSION_LOCKS_LOADING;
	s->locks.db = db;
	s->locks.pid = pid;
	snprintf(pidbuf, sizeof pidbuf, "%d", pid);
	params[0] = pidbuf;
	r = request_new(s, REQ_LOCKS, db, pid);
	r->generation = ++s->locks_generation;
	pool_query(s->dbs[db]->pool, locks_sql, 1, params, locks_done, r);
}

const struct session_locks *
session_locks(const struct session *s)
{
	return &s->locks;
}

void
session_clear_locks(struct session *s)
{
	s->locks_generation++; /* an answer in flight is dropped */
	locks_reset(&s->locks);
}

/* ------------------------------------------------------------------------
 * PgBouncer samplers and inventories
 * ------------------------------------------------------------------------ */

static void
bouncer_updated(struct bouncer *b, void *arg)
{
	struct session *s = arg;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->bouncers[i] == b && s->on_update != NULL)
			s->on_update(s->on_update_arg, i);
	}
}

static void
inventory_updated(struct inventory *inv, void *arg)
{
	struct session *s = arg;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->invs[i] == inv && s->on_update != NULL)
			s->on_update(s->on_update_arg, i);
	}
}

static void
extras_new(struct session *s)
{
	size_t i;

	s->bouncers = xcalloc(s->n + 1, sizeof *s->bouncers);
	s->invs = xcalloc(s->n + 1, sizeof *s->invs);
	for (i = 0; i < s->n; i++) {
		const struct profile_database *pdb = &s->profile->databases[i];

		if (pdb->pgbouncer != NULL) {
			struct bouncer_config cfg;

			bouncer_config_from_profile(pdb, &cfg);
			s->bouncers[i] = bouncer_new(s->loop, &cfg, s->log);
			bouncer_on_update(s->bouncers[i], bouncer_updated, s);
		}
		s->invs[i] = inventory_new(s->loop, s->dbs[i], s->log);
		inventory_on_update(s->invs[i], inventory_updated, s);
	}
}

/* Before the pools close: an inventory's run in flight is abandoned. */
static void
extras_free(struct session *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		bouncer_free(&s->bouncers[i]);
		inventory_free(&s->invs[i]);
	}
	free(s->bouncers);
	free(s->invs);
	s->bouncers = NULL;
	s->invs = NULL;
}

static void
extras(struct session *s, enum extras_op op)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct bouncer *b = s->bouncers[i];

		switch (op) {
		case EXTRAS_START:
			if (b != NULL)
				bouncer_start(b, s->refresh_ms);
			if (s->inventory_wanted)
				inventory_start(s->invs[i], 0);
			break;
		case EXTRAS_STOP:
			if (b != NULL)
				bouncer_stop(b);
			inventory_stop(s->invs[i]);
			break;
		case EXTRAS_INTERVAL:
			if (b != NULL)
				bouncer_set_interval(b, s->refresh_ms);
			break;
		case EXTRAS_REFRESH:
			if (b != NULL)
				bouncer_refresh(b);
			break;
		}
	}
}

struct bouncer *
session_bouncer(const struct session *s, size_t i)
{
	return i < s->n ? s->bouncers[i] : NULL;
}

struct inventory *
session_inventory(const struct session *s, size_t i)
{
	return i < s->n ? s->invs[i] : NULL;
}

void
session_want_inventory(struct session *s)
{
	size_t i;

	if (s->inventory_wanted)
		return;
	s->inventory_wanted = true;
	if (!s->started || s->paused)
		return;
	for (i = 0; i < s->n; i++)
		inventory_start(s->invs[i], 0);
}

void
session_keep_queue_fresh(struct session *s, size_t i)
{
	if (i < s->n)
		browse_keep_fresh(s->browse[i], INVENTORY_INTERVAL_MS);
}

void
session_inventory_refresh(struct session *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		inventory_refresh(s->invs[i]);
}
