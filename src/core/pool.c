/*
 * pool: the shared pool of one database. See include/pool.h.
 *
 * Each connection sits in a slot whose state says what the pool is doing
 * with it:
 *
 *   CONNECTING ──ready──► IDLE ◄──────────────┐
 *        │                 │ acquire           │ release (clean)
 *        │ failed          ▼                   │
 *        │              IN_USE ──release in a transaction──► RESETTING (ROLLBACK)
 *        │                 │                                      │
 *        ▼                 │ release broken / too old             │ failed
 *      DEAD ◄──────────────┴──────────────────────────────────────┘
 *        ▲
 *        └── CHECKING (health check "SELECT 1" on an idle slot) failed
 *
 * Dead slots are freed by a zero-delay "reaper" timer, never inside the
 * connection callback that killed them. Waiting requests form a FIFO list,
 * each with its own acquire-timeout timer. After a failed connection
 * attempt no new attempt starts until the backoff timer fires (capped
 * exponential delay with jitter); a success resets the backoff. While the
 * last attempt failed, one attempt at a time probes the server, however
 * many requests wait: a down server or a wrong password costs one failed
 * attempt per retry, not one per waiter. An authentication failure (a
 * wrong password, an unknown role: conn_auth_failed) does not go away by
 * itself, so its retries follow a slower schedule (auth_backoff_*: 2 s
 * doubling to a minute), and the pool says so.
 */
#include "config.h"

#include "pool.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "msglog.h"
#include "units.h"
#include "xalloc.h"

enum slot_state {
	SLOT_CONNECTING,
	SLOT_IDLE,
	SLOT_IN_USE,
	SLOT_CHECKING,
	SLOT_RESETTING,
	SLOT_SIDE, /* a short-lived connection that sends a cancel request */
	SLOT_DEAD,
};

struct slot {
	struct pool *pool;
	struct conn *conn;
	enum slot_state st;
	int64_t idle_since;
	bool replacement; /* opened after a live connection broke */
	int cancel_pid;	  /* SLOT_SIDE: the backend to cancel */
};

struct pool_request {
	struct pool *pool;
	pool_acquire_cb cb;
	void *arg;
	void (*on_cancel)(void *arg); /* frees arg when the request is withdrawn */
	int64_t enqueued_us;
	struct loop_timer *timer;
	struct pool_request *prev, *next;
	bool *answered;		    /* set while pool_acquire() runs: the request ended inside it */
	struct pool_request **held; /* the caller's handle: cleared when the request ends */
};

struct slot_list {
	struct slot **v;
	size_t n, cap;
};

struct pool {
	struct loop *loop;
	struct msglog *log;
	struct pool_config cfg;
	char *label, *conninfo, *appname;
	const struct conn_transport *tr;

	struct slot_list slots; /* every live slot (not SIDE, not DEAD) */
	struct slot_list idle;	/* IDLE slots, most recently used last */
	struct slot_list dead;	/* waiting for the reaper (and SIDE slots) */
	struct loop_timer *reaper;

	struct pool_request *wait_head, *wait_tail;
	int n_waiting;

	struct loop_timer *retry_timer;
	int failures;	  /* consecutive failed connection attempts */
	bool auth_failed; /* the last one failed authentication */
	struct loop_timer *maint_timer;
	bool had_break;
	unsigned int seed;

	enum pool_health health;
	char *last_error;
	int server_version;

	uint64_t acquisitions, timeouts, connect_errors, reconnects;
	uint64_t retired_queries, retired_errors;
	int64_t wait_total_us, wait_max_us;
};

static void grow(struct pool *p);
static void slot_state_cb(struct conn *c, enum conn_state old, void *arg);

/* ------------------------------------------------------------------------
 * Slot lists
 * ------------------------------------------------------------------------ */

static void
list_add(struct slot_list *l, struct slot *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = s;
}

static bool
list_remove(struct slot_list *l, struct slot *s)
{
	size_t i;

	for (i = l->n; i-- > 0;) {
		if (l->v[i] == s) {
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
			l->n--;
			return true;
		}
	}
	return false;
}

static int
count_state(const struct pool *p, enum slot_state st)
{
	size_t i;
	int n = 0;

	for (i = 0; i < p->slots.n; i++)
		n += p->slots.v[i]->st == st;
	return n;
}

/* ------------------------------------------------------------------------
 * Killing and reaping slots
 * ------------------------------------------------------------------------ */

static void
reap_cb(struct loop *loop, void *arg)
{
	struct pool *p = arg;
	size_t i, keep = 0;

	(void)loop;
	p->reaper = NULL;
	for (i = 0; i < p->dead.n; i++) {
		struct slot *s = p->dead.v[i];

		if (s->st == SLOT_SIDE) {
			p->dead.v[keep++] = s; /* still sending its cancel */
			continue;
		}
		conn_free(&s->conn);
		free(s);
	}
	p->dead.n = keep;
}

static void
schedule_reap(struct pool *p)
{
	if (p->reaper == NULL)
		p->reaper = loop_timer_add(p->loop, 0, 0, reap_cb, p);
}

static void
kill_slot(struct pool *p, struct slot *s, const char *why)
{
	uint64_t q = 0, e = 0;

	if (s->st == SLOT_DEAD)
		return;
	if (s->st != SLOT_SIDE) {
		list_remove(&p->slots, s);
		list_remove(&p->idle, s);
		conn_counters(s->conn, &q, &e);
		p->retired_queries += q;
		p->retired_errors += e;
		msglog_add(p->log, MSG_DEBUG, p->label, "closing a connection: %s", why);
	}
	s->st = SLOT_DEAD;
	conn_set_state_cb(s->conn, NULL, NULL);
	list_add(&p->dead, s);
	schedule_reap(p);
}

/* ------------------------------------------------------------------------
 * Waiters
 * ------------------------------------------------------------------------ */

static void
waiter_unlink(struct pool *p, struct pool_request *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		p->wait_head = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	else
		p->wait_tail = r->prev;
	r->prev = r->next = NULL;
	p->n_waiting--;
}

/* A request's end: its handle dies here. */
static void
request_free(struct pool_request *r)
{
	if (r->answered != NULL)
		*r->answered = true;
	if (r->held != NULL)
		*r->held = NULL;
	free(r);
}

static void
note_wait(struct pool *p, int64_t waited_us)
{
	p->acquisitions++;
	p->wait_total_us += waited_us;
	if (waited_us > p->wait_max_us)
		p->wait_max_us = waited_us;
}

/* Hand slot s to request r (which is freed: its handle dies here). */
static void
hand_over(struct pool *p, struct slot *s, struct pool_request *r)
{
	pool_acquire_cb cb = r->cb;
	void *arg = r->arg;

	s->st = SLOT_IN_USE;
	note_wait(p, loop_clock_us() - r->enqueued_us);
	loop_timer_cancel(p->loop, &r->timer);
	request_free(r);
	cb(p, s->conn, NULL, arg);
}

/* A slot is ready for work: give it to the oldest waiter, or keep it idle. */
static void
slot_available(struct pool *p, struct slot *s, bool reset_idle_clock)
{
	if (p->wait_head != NULL) {
		struct pool_request *r = p->wait_head;

		waiter_unlink(p, r);
		hand_over(p, s, r);
		return;
	}
	s->st = SLOT_IDLE;
	if (reset_idle_clock)
		s->idle_since = loop_now(p->loop);
	list_add(&p->idle, s);
}

static void
acquire_timeout_cb(struct loop *loop, void *arg)
{
	struct pool_request *r = arg;
	struct pool *p = r->pool;
	pool_acquire_cb cb = r->cb;
	void *cbarg = r->arg;
	char msg[512], t[32];
	int in_use = count_state(p, SLOT_IN_USE);

	(void)loop;
	r->timer = NULL;
	waiter_unlink(p, r);
	p->timeouts++;
	if (p->health == POOL_RETRYING || p->health == POOL_STARTING)
		snprintf(msg, sizeof msg, "%s: no connection within %s (%s%s)", p->label,
			 units_format_duration(p->cfg.acquire_timeout_ms, t, sizeof t),
			 p->last_error[0] ? "the server is unreachable: " : "still connecting",
			 p->last_error);
	else
		snprintf(msg, sizeof msg,
			 "%s: no free connection within %s (pool max %d, %d in use, %d waiting)",
			 p->label, units_format_duration(p->cfg.acquire_timeout_ms, t, sizeof t),
			 p->cfg.max, in_use, p->n_waiting);
	request_free(r);
	cb(p, NULL, msg, cbarg);
}

/* ------------------------------------------------------------------------
 * Opening connections, backoff
 * ------------------------------------------------------------------------ */

static void
open_slot(struct pool *p)
{
	struct slot *s = xcalloc(1, sizeof *s);

	s->pool = p;
	s->st = SLOT_CONNECTING;
	s->replacement = p->had_break;
	s->conn = conn_new(p->loop, &p->cfg.conn, p->log, p->tr);
	conn_set_owner_data(s->conn, s);
	conn_set_state_cb(s->conn, slot_state_cb, s);
	list_add(&p->slots, s);
	conn_start(s->conn); /* may fail at once: slot_state_cb handles it */
}

static void
retry_cb(struct loop *loop, void *arg)
{
	struct pool *p = arg;

	(void)loop;
	p->retry_timer = NULL;
	grow(p);
}

int64_t
pool_backoff_ms(const struct pool_config *cfg, int failures, bool auth)
{
	int64_t base = auth ? cfg->auth_backoff_base_ms : cfg->backoff_base_ms;
	int64_t cap = auth ? cfg->auth_backoff_max_ms : cfg->backoff_max_ms;
	int64_t delay = base;
	int i;

	for (i = 1; i < failures && delay < cap; i++)
		delay *= 2;
	return delay < cap ? delay : cap;
}

static void
schedule_retry(struct pool *p)
{
	int64_t delay = pool_backoff_ms(&p->cfg, p->failures, p->auth_failed);

	/* jitter: between half and all of the delay */
	delay = delay / 2 + (int64_t)(rand_r(&p->seed) % (unsigned)(delay / 2 + 1));
	loop_timer_cancel(p->loop, &p->retry_timer);
	p->retry_timer = loop_timer_add(p->loop, delay, 0, retry_cb, p);
}

/* Open connections while below min, or while requests wait for them. */
static void
grow(struct pool *p)
{
	int size, connecting;

	if (p->retry_timer != NULL || p->health == POOL_STOPPED)
		return;
	size = (int)p->slots.n;
	connecting = count_state(p, SLOT_CONNECTING);
	while (size < p->cfg.max && (size < p->cfg.min || p->n_waiting > connecting)) {
		if (p->health == POOL_RETRYING && connecting > 0)
			break; /* one probe at a time until the server answers again */
		open_slot(p);
		size++;
		connecting++;
		if (p->retry_timer != NULL)
			break; /* that attempt failed at once */
	}
}

/* Fail every waiting request with msg. */
static void
fail_waiters(struct pool *p, const char *msg)
{
	while (p->wait_head != NULL) {
		struct pool_request *r = p->wait_head;
		pool_acquire_cb cb = r->cb;
		void *arg = r->arg;

		waiter_unlink(p, r);
		loop_timer_cancel(p->loop, &r->timer);
		request_free(r);
		cb(p, NULL, msg, arg);
	}
}

static void
connect_failed(struct pool *p, struct slot *s)
{
	const char *err = conn_error(s->conn);

	p->connect_errors++;
	p->failures++;
	p->auth_failed = conn_auth_failed(s->conn);
	/* say it when it starts or changes; a pool that never connected says
	 * it through the requests that fail, unless the password is wrong:
	 * that needs someone to act */
	if (strcmp(p->last_error, err) != 0 || p->health == POOL_UP) {
		if (p->auth_failed) {
			char cap[32];

			msglog_add(
				p->log, MSG_ERROR, p->label,
				"authentication failed: backing off up to %s between "
				"attempts (check the user and password): %s",
				units_format_duration(p->cfg.auth_backoff_max_ms, cap, sizeof cap),
				err);
		} else {
			msglog_add(p->log, p->health == POOL_UP ? MSG_ERROR : MSG_INFO, p->label,
				   "cannot connect: %s", err);
		}
	}
	free(p->last_error);
	p->last_error = xstrdup(err);
	p->health = POOL_RETRYING;
	kill_slot(p, s, "connection attempt failed");
	schedule_retry(p);
	if (p->cfg.fail_fast && p->slots.n == 0) {
		char *msg = xasprintf("%s: cannot connect: %s", p->label, err);

		fail_waiters(p, msg);
		free(msg);
	}
}

static void
connected(struct pool *p, struct slot *s)
{
	if (p->health != POOL_UP && p->failures > 0)
		msglog_add(p->log, MSG_INFO, p->label, "connected again after %d failed attempt%s",
			   p->failures, p->failures == 1 ? "" : "s");
	p->failures = 0;
	p->auth_failed = false;
	p->health = POOL_UP;
	p->server_version = conn_server_version(s->conn);
	if (s->replacement)
		p->reconnects++;
	slot_available(p, s, true);
}

static void
slot_state_cb(struct conn *c, enum conn_state old, void *arg)
{
	struct slot *s = arg;
	struct pool *p = s->pool;
	enum conn_state now = conn_state(c);

	if (s->st == SLOT_CONNECTING) {
		if (now == CONN_READY)
			connected(p, s);
		else if (now == CONN_BROKEN || now == CONN_CLOSED)
			connect_failed(p, s);
		return;
	}
	if (now != CONN_BROKEN || old == CONN_BROKEN)
		return;
	/* a live connection broke: the server went away or killed it */
	p->had_break = true;
	msglog_add(p->log, MSG_WARNING, p->label, "connection lost: %s", conn_error(c));
	if (s->st == SLOT_IDLE) {
		kill_slot(p, s, "broken while idle");
		grow(p);
	}
	/* IN_USE: the user's reply says so, and release discards it;
	 * CHECKING and RESETTING: their reply callbacks discard it. */
}

/* ------------------------------------------------------------------------
 * Maintenance: health checks, idle and lifetime limits
 * ------------------------------------------------------------------------ */

static void
check_done(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct slot *s = arg;
	struct pool *p = s->pool;

	(void)c;
	if (reply->conn_error != NULL || reply->error != NULL) {
		kill_slot(p, s, "health check failed");
		grow(p);
		return;
	}
	slot_available(p, s, false);
}

static void
maint_cb(struct loop *loop, void *arg)
{
	struct pool *p = arg;
	int64_t now = loop_now(loop);
	size_t i;

	for (i = p->idle.n; i-- > 0;) {
		struct slot *s = p->idle.v[i];
		int64_t born = conn_born_ms(s->conn);

		if (i >= p->idle.n)
			continue;
		if (p->cfg.max_lifetime_ms > 0 && now - born >= p->cfg.max_lifetime_ms) {
			kill_slot(p, s, "max_lifetime reached");
		} else if (p->cfg.max_idle_ms > 0 && (int)p->slots.n > p->cfg.min &&
			   now - s->idle_since >= p->cfg.max_idle_ms) {
			kill_slot(p, s, "max_idle reached");
		} else if (p->cfg.health_check_ms > 0 &&
			   now - conn_last_used_ms(s->conn) >= p->cfg.health_check_ms) {
			list_remove(&p->idle, s);
			s->st = SLOT_CHECKING;
			conn_send(s->conn, "SELECT 1", -1, NULL, check_done, s);
		}
	}
	grow(p);
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

void
pool_config_defaults(struct pool_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->conn.label = "db";
	cfg->conn.conninfo = "";
	cfg->conn.application_name = "pgdbm-console";
	cfg->conn.connect_timeout_ms = 5000;
	cfg->conn.statement_timeout_ms = 60000;
	cfg->conn.lock_timeout_ms = 5000;
	cfg->conn.idle_in_transaction_timeout_ms = 60000;
	cfg->conn.keepalives = true;
	cfg->min = 1;
	cfg->max = 4;
	cfg->acquire_timeout_ms = 5000;
	cfg->max_lifetime_ms = 3600000;
	cfg->max_idle_ms = 600000;
	cfg->health_check_ms = 30000;
	cfg->backoff_base_ms = 200;
	cfg->backoff_max_ms = 1000;
	cfg->auth_backoff_base_ms = 2000;
	cfg->auth_backoff_max_ms = 60000;
}

struct pool *
pool_new(struct loop *loop, const struct pool_config *cfg, struct msglog *log)
{
	struct pool *p = xcalloc(1, sizeof *p);
	int64_t tick;

	p->loop = loop;
	p->log = log;
	p->cfg = *cfg;
	p->label = xstrdup(cfg->conn.label != NULL ? cfg->conn.label : "db");
	p->conninfo = xstrdup(cfg->conn.conninfo != NULL ? cfg->conn.conninfo : "");
	p->appname = cfg->conn.application_name != NULL ? xstrdup(cfg->conn.application_name)
							: NULL;
	p->cfg.conn.label = p->label;
	p->cfg.conn.conninfo = p->conninfo;
	p->cfg.conn.application_name = p->appname;
	if (p->cfg.max < 1)
		p->cfg.max = 1;
	if (p->cfg.min > p->cfg.max)
		p->cfg.min = p->cfg.max;
	if (p->cfg.backoff_base_ms <= 0)
		p->cfg.backoff_base_ms = 200;
	if (p->cfg.backoff_max_ms < p->cfg.backoff_base_ms)
		p->cfg.backoff_max_ms = p->cfg.backoff_base_ms;
	if (p->cfg.auth_backoff_base_ms < p->cfg.backoff_base_ms)
		p->cfg.auth_backoff_base_ms = p->cfg.backoff_base_ms;
	if (p->cfg.auth_backoff_max_ms < p->cfg.auth_backoff_base_ms)
		p->cfg.auth_backoff_max_ms = p->cfg.auth_backoff_base_ms;
	p->tr = &conn_libpq_transport;
	p->health = POOL_STARTING;
	p->last_error = xstrdup("");
	p->seed = (unsigned)loop_clock_us() ^ (unsigned)getpid();
	tick = 1000;
	if (p->cfg.health_check_ms > 0 && p->cfg.health_check_ms < tick)
		tick = p->cfg.health_check_ms;
	p->maint_timer = loop_timer_add(loop, tick, tick, maint_cb, p);
	grow(p);
	return p;
}

void
pool_set_transport(struct pool *p, const struct conn_transport *tr)
{
	p->tr = tr;
}

void
pool_free(struct pool **pp)
{
	struct pool *p = *pp;
	size_t i;

	if (p == NULL)
		return;
	p->health = POOL_STOPPED;
	fail_waiters(p, "the pool is closing");
	loop_timer_cancel(p->loop, &p->retry_timer);
	loop_timer_cancel(p->loop, &p->maint_timer);
	loop_timer_cancel(p->loop, &p->reaper);
	while (p->slots.n > 0)
		kill_slot(p, p->slots.v[0], "pool closing");
	for (i = 0; i < p->dead.n; i++) {
		conn_free(&p->dead.v[i]->conn);
		free(p->dead.v[i]);
	}
	free(p->slots.v);
	free(p->idle.v);
	free(p->dead.v);
	free(p->last_error);
	free(p->label);
	free(p->conninfo);
	free(p->appname);
	free(p);
	*pp = NULL;
}

struct pool_request *
pool_acquire(struct pool *p, pool_acquire_cb cb, void *arg)
{
	struct pool_request *r;
	bool answered = false;

	if (p->idle.n > 0 && p->wait_head == NULL) {
		struct slot *s = p->idle.v[--p->idle.n];

		s->st = SLOT_IN_USE;
		note_wait(p, 0);
		cb(p, s->conn, NULL, arg);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->pool = p;
	r->cb = cb;
	r->arg = arg;
	r->enqueued_us = loop_clock_us();
	r->prev = p->wait_tail;
	if (p->wait_tail != NULL)
		p->wait_tail->next = r;
	else
		p->wait_head = r;
	p->wait_tail = r;
	p->n_waiting++;
	r->timer = loop_timer_add(p->loop, p->cfg.acquire_timeout_ms, 0, acquire_timeout_cb, r);
	/* the connection it opens may fail (fail_fast) or come up at once: then
	 * cb has run and r is gone, as with an idle connection */
	r->answered = &answered;
	grow(p);
	if (answered)
		return NULL;
	r->answered = NULL;
	return r;
}

void
pool_request_cancel(struct pool *p, struct pool_request **rp)
{
	struct pool_request *r = *rp;

	if (r == NULL)
		return;
	*rp = NULL;
	waiter_unlink(p, r);
	loop_timer_cancel(p->loop, &r->timer);
	if (r->on_cancel != NULL)
		r->on_cancel(r->arg);
	request_free(r);
}

static void
reset_done(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct slot *s = arg;
	struct pool *p = s->pool;

	(void)c;
	if (reply->conn_error != NULL || reply->error != NULL) {
		kill_slot(p, s, "rollback on release failed");
		grow(p);
		return;
	}
	slot_available(p, s, true);
}

void
pool_release(struct pool *p, struct conn *c)
{
	struct slot *s = conn_owner_data(c);

	/* closed by the pool meanwhile (pool_free answers what is in flight) */
	if (s != NULL && s->pool == p && s->st == SLOT_DEAD)
		return;
	assert(s != NULL && s->pool == p && s->st == SLOT_IN_USE);
	switch (conn_state(c)) {
	case CONN_READY:
		if (conn_in_transaction(c)) {
			msglog_add(p->log, MSG_DEBUG, p->label,
				   "connection released inside a transaction: rolling back");
			s->st = SLOT_RESETTING;
			conn_send(c, "ROLLBACK", -1, NULL, reset_done, s);
			return;
		}
		if (p->cfg.max_lifetime_ms > 0 &&
		    loop_now(p->loop) - conn_born_ms(c) >= p->cfg.max_lifetime_ms) {
			kill_slot(p, s, "max_lifetime reached");
			grow(p);
			return;
		}
		slot_available(p, s, true);
		return;
	case CONN_BUSY:
	case CONN_CANCELLING:
		kill_slot(p, s, "released while a query was running");
		grow(p);
		return;
	case CONN_CLOSED:
	case CONN_CONNECTING:
	case CONN_BROKEN:
		kill_slot(p, s, "released broken");
		grow(p);
		return;
	}
}

void
pool_discard(struct pool *p, struct conn *c)
{
	struct slot *s = conn_owner_data(c);

	if (s != NULL && s->pool == p && s->st == SLOT_DEAD)
		return;
	assert(s != NULL && s->pool == p && s->st == SLOT_IN_USE);
	kill_slot(p, s, "discarded by its user");
	grow(p);
}

/* ------------------------------------------------------------------------
 * One-shot queries
 * ------------------------------------------------------------------------ */

struct query_ctx {
	char *sql;
	char **params;
	int nparams;
	pool_reply_cb cb;
	void *arg;
};

static void
query_ctx_free(void *arg)
{
	struct query_ctx *q = arg;
	int i;

	for (i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->sql);
	free(q);
}

static void
query_done(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct query_ctx *q = arg;
	struct pool *p = ((struct slot *)conn_owner_data(c))->pool;

	pool_release(p, c);
	q->cb(p, reply, q->arg);
	query_ctx_free(q);
}

static void
query_acquired(struct pool *p, struct conn *c, const char *error, void *arg)
{
	struct query_ctx *q = arg;

	if (c == NULL) {
		struct conn_reply reply;

		memset(&reply, 0, sizeof reply);
		reply.conn_error = error;
		q->cb(p, &reply, q->arg);
		query_ctx_free(q);
		return;
	}
	conn_send(c, q->sql, q->nparams >= 0 ? q->nparams : -1, (const char *const *)q->params,
		  query_done, q);
}

void
pool_query(struct pool *p, const char *sql, int nparams, const char *const *params,
	   pool_reply_cb cb, void *arg)
{
	pool_query_held(p, NULL, sql, nparams, params, cb, arg);
}

void
pool_query_held(struct pool *p, struct pool_request **held, const char *sql, int nparams,
		const char *const *params, pool_reply_cb cb, void *arg)
{
	struct query_ctx *q = xcalloc(1, sizeof *q);
	struct pool_request *r;
	int i;

	q->sql = xstrdup(sql);
	q->nparams = nparams;
	if (nparams > 0) {
		q->params = xcalloc((size_t)nparams, sizeof *q->params);
		for (i = 0; i < nparams; i++)
			q->params[i] = params[i] != NULL ? xstrdup(params[i]) : NULL;
	}
	q->cb = cb;
	q->arg = arg;
	r = pool_acquire(p, query_acquired, q);
	if (r == NULL)
		return; /* answered already, or sent */
	r->on_cancel = query_ctx_free;
	if (held != NULL) {
		*held = r;
		r->held = held;
	}
}

struct sync_ctx {
	bool done;
	PGresult *result;
	char *error;
};

static void
sync_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct sync_ctx *ctx = arg;

	(void)p;
	ctx->done = true;
	/* "ERROR:  message\nDETAIL: ..." without the trailing newline */
	ctx->error = conn_reply_error_text(reply, CONN_ERROR_FULL);
	if (ctx->error != NULL)
		return;
	if (reply->n < 1) {
		ctx->error = xstrdup("the server sent no result");
		return;
	}
	ctx->result = reply->results[reply->n - 1];
	reply->results[reply->n - 1] = NULL;
	reply->n--;
}

PGresult *
pool_query_sync(struct pool *p, const char *sql, int nparams, const char *const *params,
		char **error)
{
	struct sync_ctx ctx = { false, NULL, NULL };

	pool_query(p, sql, nparams, params, sync_done, &ctx);
	loop_run_until(p->loop, &ctx.done, -1);
	*error = ctx.error;
	return ctx.result;
}

/* ------------------------------------------------------------------------
 * Cancel through a side connection
 * ------------------------------------------------------------------------ */

static void
side_done(struct conn *c, struct conn_reply *reply, void *arg)
{
	struct slot *s = arg;
	struct pool *p = s->pool;
	char *why = conn_reply_error_text(reply, CONN_ERROR_FULL);

	(void)c;
	if (why != NULL)
		msglog_add(p->log, MSG_WARNING, p->label, "cancel request failed: %s", why);
	free(why);
	s->st = SLOT_DEAD;
	schedule_reap(p);
}

static void
side_state_cb(struct conn *c, enum conn_state old, void *arg)
{
	struct slot *s = arg;
	struct pool *p = s->pool;
	char pid[16];
	const char *params[1] = { pid };

	(void)old;
	if (conn_state(c) == CONN_READY && s->cancel_pid != 0) {
		snprintf(pid, sizeof pid, "%d", s->cancel_pid);
		s->cancel_pid = 0;
		conn_send(c, "SELECT pg_cancel_backend($1::int)", 1, params, side_done, s);
	} else if (conn_state(c) == CONN_BROKEN && s->cancel_pid != 0) {
		msglog_add(p->log, MSG_WARNING, p->label, "cannot send the cancel request: %s",
			   conn_error(c));
		s->cancel_pid = 0;
		s->st = SLOT_DEAD;
		schedule_reap(p);
	}
}

void
pool_cancel(struct pool *p, struct conn *c)
{
	struct slot *s;
	int pid = conn_backend_pid(c);

	if (pid == 0 || !conn_cancel(c))
		return;
	s = xcalloc(1, sizeof *s);
	s->pool = p;
	s->st = SLOT_SIDE;
	s->cancel_pid = pid;
	s->conn = conn_new(p->loop, &p->cfg.conn, p->log, p->tr);
	conn_set_owner_data(s->conn, s);
	conn_set_state_cb(s->conn, side_state_cb, s);
	list_add(&p->dead, s);
	conn_start(s->conn);
}

/* ------------------------------------------------------------------------
 * Statistics and state
 * ------------------------------------------------------------------------ */

void
pool_stats(const struct pool *p, struct pool_stats *out)
{
	size_t i;

	memset(out, 0, sizeof *out);
	out->size = (int)p->slots.n;
	out->idle = (int)p->idle.n;
	out->waiting = p->n_waiting;
	out->queries = p->retired_queries;
	out->query_errors = p->retired_errors;
	for (i = 0; i < p->slots.n; i++) {
		const struct slot *s = p->slots.v[i];
		uint64_t q, e;

		if (s->st == SLOT_CONNECTING)
			out->connecting++;
		else if (s->st == SLOT_IN_USE)
			out->in_use++;
		conn_counters(s->conn, &q, &e);
		out->queries += q;
		out->query_errors += e;
	}
	out->acquisitions = p->acquisitions;
	out->timeouts = p->timeouts;
	out->connect_errors = p->connect_errors;
	out->reconnects = p->reconnects;
	out->wait_total_us = p->wait_total_us;
	out->wait_max_us = p->wait_max_us;
}

enum pool_health
pool_health(const struct pool *p)
{
	return p->health;
}

const char *
pool_health_name(enum pool_health h)
{
	switch (h) {
	case POOL_STARTING:
		return "connecting";
	case POOL_UP:
		return "up";
	case POOL_RETRYING:
		return "retrying";
	case POOL_STOPPED:
		return "stopped";
	}
	return "?";
}

const char *
pool_last_error(const struct pool *p)
{
	return p->last_error;
}

int64_t
pool_retry_in_ms(const struct pool *p)
{
	return p->retry_timer != NULL ? loop_timer_remaining(p->loop, p->retry_timer) : 0;
}

bool
pool_auth_failed(const struct pool *p)
{
	return p->health == POOL_RETRYING && p->auth_failed;
}

const struct pool_config *
pool_config(const struct pool *p)
{
	return &p->cfg;
}

struct loop *
pool_loop(const struct pool *p)
{
	return p->loop;
}

struct msglog *
pool_log(const struct pool *p)
{
	return p->log;
}

int
pool_backend_pids(const struct pool *p, int *pids, int max)
{
	size_t i;
	int n = 0;

	for (i = 0; i < p->slots.n && n < max; i++) {
		int pid = conn_backend_pid(p->slots.v[i]->conn);

		if (pid != 0 && p->slots.v[i]->st != SLOT_CONNECTING)
			pids[n++] = pid;
	}
	return n;
}

int
pool_server_version(const struct pool *p)
{
	return p->server_version;
}
