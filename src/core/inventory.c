/*
 * inventory: tenant counts and pending migrations of one database, read on
 * a slow cadence. See include/inventory.h.
 *
 * A round is a chain of steps (one per module, then the tenants). Each
 * step's run or job answers through a callback that may run before its
 * start function returns (a folder that cannot be scanned, a refused
 * start), so callbacks only record what they learnt and arm a 0 ms timer;
 * the timer frees the finished run or job and starts the next step. The
 * facts being gathered live in `next` and replace `facts` when the round
 * ends, so a front end never sees half a round.
 *
 *   idle ──round──► step(module 0) ─► … ─► step(tenants) ─► publish ─► idle
 *                        ▲    │ done: record, arm step timer
 *                        └────┘
 */
#include "config.h"

#include "inventory.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "database.h"
#include "loop.h"
#include "manager.h"
#include "migfile.h"
#include "migrate.h"
#include "msglog.h"
#include "pool.h"
#include "profile.h"
#include "strbuf.h"
#include "tenant.h"
#include "xalloc.h"

struct inventory {
	struct loop *loop;
	struct database *db;
	struct msglog *log;
	int64_t interval_ms;
	bool cadence;		    /* inventory_start() was called, not stopped */
	struct loop_timer *timer;   /* the next round (one-shot, re-armed per round) */
	struct loop_timer *advance; /* 0 ms: the next step, outside callbacks */
	int64_t next_at_ms;	    /* when the timer fires (-1: not armed) */

	/* the round in flight */
	bool busy;
	int64_t started_ms;
	size_t step; /* modules 0..n-1, then n: tenants, n+1: done */
	struct migfile_set files;
	struct manager *mgr;
	struct mig_run *run;
	struct tenant_job *job;
	struct inventory_facts next;

	struct inventory_facts facts;
	uint64_t rounds;
	void (*on_update)(struct inventory *inv, void *arg);
	void *on_update_arg;
};

static void step(struct inventory *inv);
static void round_due(struct loop *loop, void *arg);

static bool
has_work(const struct inventory *inv)
{
	return inv->db->cfg->n_modules > 0 || inv->db->cfg->tenants.present;
}

static void
facts_reset(struct inventory_facts *f, const struct profile_database *cfg)
{
	free(f->error);
	memset(f, 0, sizeof *f);
	f->has_modules = cfg->n_modules > 0;
	f->has_tenants = cfg->tenants.present;
	f->service_pending = f->service_drift = -1;
	f->tenants = f->tenants_archived = f->tenants_pending = -1;
	f->tenant_pending = f->tenant_drift = -1;
	f->error = xstrdup("");
}

/* Remember the first problem of the round. */
static void note_error(struct inventory *inv, const char *fmt, ...) ATTR_FORMAT(2, 3);

static void
note_error(struct inventory *inv, const char *fmt, ...)
{
	va_list ap;

	if (inv->next.error[0] != '\0')
		return;
	free(inv->next.error);
	va_start(ap, fmt);
	inv->next.error = xvasprintf(fmt, ap);
	va_end(ap);
}

/* The first line of a message. */
static char *
first_line(const char *s)
{
	return xasprintf("%.*s", (int)strcspn(s != NULL ? s : "", "\n"), s != NULL ? s : "");
}

static void
advance_cb(struct loop *loop, void *arg)
{
	struct inventory *inv = arg;

	(void)loop;
	inv->advance = NULL; /* one-shot: dead once it runs */
	migrate_run_free(&inv->run);
	tenant_job_free(&inv->job);
	manager_free(&inv->mgr);
	migfile_set_free(&inv->files);
	inv->step++;
	step(inv);
}

static void
arm_advance(struct inventory *inv)
{
	if (inv->advance == NULL)
		inv->advance = loop_timer_add(inv->loop, 0, 0, advance_cb, inv);
}

/* ------------------------------------------------------------------------
 * Steps
 * ------------------------------------------------------------------------ */

static void
module_done(struct mig_run *r, void *arg)
{
	struct inventory *inv = arg;
	const struct profile_module *pm = &inv->db->cfg->modules[inv->step];

	if (migrate_ok(r)) {
		const struct mig_status *st = migrate_status(r);

		if (inv->next.service_pending < 0)
			inv->next.service_pending = inv->next.service_drift = 0;
		inv->next.service_pending += (int)(st->count[MIG_PENDING] +
						   st->count[MIG_OUT_OF_ORDER] +
						   st->count[MIG_FAILED] + st->count[MIG_EMPTY]);
		inv->next.service_drift += (int)(st->count[MIG_MODIFIED] + st->count[MIG_MISSING]);
	} else {
		char *why = first_line(migrate_error(r)->message);

		inv->next.modules_failed++;
		note_error(inv, "module %s: %s", pm->name, why);
		free(why);
	}
	arm_advance(inv);
}

static void
start_module(struct inventory *inv)
{
	const struct profile_module *pm = &inv->db->cfg->modules[inv->step];
	struct mig_target target;
	struct mig_opts opts;
	char *err;

	err = migfile_scan(pm->migrations, &inv->files);
	if (err == NULL) {
		inv->mgr = manager_new(inv->db->pool, pm->schema, pm->name, pm->table, &err);
	}
	if (err != NULL) {
		inv->next.modules_failed++;
		note_error(inv, "module %s: %s", pm->name, err);
		free(err);
		arm_advance(inv);
		return;
	}
	memset(&target, 0, sizeof target);
	target.label = pm->name;
	target.mgr = inv->mgr;
	target.files = &inv->files;
	target.read_only = true;
	mig_opts_defaults(&opts);
	inv->run = migrate_start(MIG_RUN_STATUS, &target, &opts, NULL, module_done, inv);
}

static void
tenants_done(struct tenant_job *job, void *arg)
{
	struct inventory *inv = arg;
	struct tenant_list *l = tenant_job_list(job);
	size_t i;

	if (tenant_job_error(job) != NULL || l == NULL) {
		char *why = first_line(tenant_job_error(job) != NULL ? tenant_job_error(job)
								     : "no tenant list");

		note_error(inv, "tenants: %s", why);
		free(why);
		arm_advance(inv);
		return;
	}
	inv->next.tenants = inv->next.tenants_archived = inv->next.tenants_pending = 0;
	inv->next.tenant_pending = inv->next.tenant_drift = 0;
	for (i = 0; i < l->n; i++) {
		const struct tenant_info *t = &l->v[i];

		if (t->archived) {
			inv->next.tenants_archived++;
			continue;
		}
		inv->next.tenants++;
		if (t->pending + t->out_of_order > 0)
			inv->next.tenants_pending++;
		inv->next.tenant_pending += t->pending + t->out_of_order;
		inv->next.tenant_drift += t->drifted + t->missing;
	}
	arm_advance(inv);
}

static void
start_tenants(struct inventory *inv)
{
	const struct profile_tenants *tc = &inv->db->cfg->tenants;
	struct tenant_job_opts opts;
	char *err = migfile_scan(tc->migrations, &inv->files);

	if (err != NULL) {
		note_error(inv, "tenants: %s", err);
		free(err);
		arm_advance(inv);
		return;
	}
	tenant_job_opts_defaults(&opts);
	opts.concurrency = 1;
	inv->job = tenant_job_start(TENANT_JOB_LIST, inv->db, &inv->files, &opts, NULL,
				    tenants_done, inv);
}

static void
arm_round(struct inventory *inv)
{
	int64_t gap = inv->interval_ms, now = loop_now(inv->loop), due;

	loop_timer_cancel(inv->loop, &inv->timer);
	inv->next_at_ms = -1;
	if (!inv->cadence)
		return;
	if (inv->facts.took_ms * INVENTORY_BACKOFF_FACTOR > gap)
		gap = inv->facts.took_ms * INVENTORY_BACKOFF_FACTOR;
	due = (inv->rounds > 0 ? inv->started_ms : now) + gap;
	if (due < now)
		due = now;
	inv->next_at_ms = due;
	inv->timer = loop_timer_add(inv->loop, due - now, 0, round_due, inv);
}

static void
finish_round(struct inventory *inv)
{
	struct inventory_facts done = inv->next;

	memset(&inv->next, 0, sizeof inv->next);
	inv->busy = false;
	inv->rounds++;
	done.known = true;
	done.taken_ms = loop_now(inv->loop);
	done.took_ms = done.taken_ms - inv->started_ms;
	/* parts that could not be read keep their last known values */
	if (done.service_pending < 0 && inv->facts.service_pending >= 0) {
		done.service_pending = inv->facts.service_pending;
		done.service_drift = inv->facts.service_drift;
	}
	if (done.tenants < 0 && inv->facts.tenants >= 0) {
		done.tenants = inv->facts.tenants;
		done.tenants_archived = inv->facts.tenants_archived;
		done.tenants_pending = inv->facts.tenants_pending;
		done.tenant_pending = inv->facts.tenant_pending;
		done.tenant_drift = inv->facts.tenant_drift;
	}
	if (done.error[0] != '\0' &&
	    (inv->facts.error == NULL || strcmp(inv->facts.error, done.error) != 0))
		msglog_add(inv->log, MSG_DEBUG, inv->db->cfg->label, "inventory: %s", done.error);
	free(inv->facts.error);
	inv->facts = done;
	arm_round(inv);
	if (inv->on_update != NULL)
		inv->on_update(inv, inv->on_update_arg);
}

static void
step(struct inventory *inv)
{
	const struct profile_database *cfg = inv->db->cfg;

	if (inv->step < cfg->n_modules) {
		start_module(inv);
		return;
	}
	if (inv->step == cfg->n_modules && cfg->tenants.present) {
		start_tenants(inv);
		return;
	}
	finish_round(inv);
}

/* ------------------------------------------------------------------------
 * Rounds
 * ------------------------------------------------------------------------ */

void
inventory_refresh(struct inventory *inv)
{
	if (inv->busy || !has_work(inv))
		return;
	loop_timer_cancel(inv->loop, &inv->timer);
	inv->next_at_ms = -1;
	inv->busy = true;
	inv->started_ms = loop_now(inv->loop);
	inv->step = 0;
	facts_reset(&inv->next, inv->db->cfg);
	if (pool_health(inv->db->pool) == POOL_RETRYING) {
		/* unreachable: do not queue work behind the pool's retries */
		char *why = first_line(pool_last_error(inv->db->pool));

		note_error(inv, "unreachable: %s", why);
		free(why);
		inv->step = inv->db->cfg->n_modules + 1; /* no step: publish */
	}
	step(inv);
}

static void
round_due(struct loop *loop, void *arg)
{
	struct inventory *inv = arg;

	(void)loop;
	inv->timer = NULL; /* one-shot: dead once it runs */
	inventory_refresh(inv);
}

/* ------------------------------------------------------------------------
 * Life cycle and accessors
 * ------------------------------------------------------------------------ */

struct inventory *
inventory_new(struct loop *loop, struct database *db, struct msglog *log)
{
	struct inventory *inv = xcalloc(1, sizeof *inv);

	inv->loop = loop;
	inv->db = db;
	inv->log = log;
	inv->interval_ms = INVENTORY_INTERVAL_MS;
	inv->next_at_ms = -1;
	facts_reset(&inv->facts, db->cfg);
	return inv;
}

void
inventory_free(struct inventory **ip)
{
	struct inventory *inv = *ip;

	if (inv == NULL)
		return;
	loop_timer_cancel(inv->loop, &inv->timer);
	loop_timer_cancel(inv->loop, &inv->advance);
	/* abandoned: their callbacks never run again */
	migrate_run_free(&inv->run);
	tenant_job_free(&inv->job);
	manager_free(&inv->mgr);
	migfile_set_free(&inv->files);
	free(inv->next.error);
	free(inv->facts.error);
	free(inv);
	*ip = NULL;
}

void
inventory_start(struct inventory *inv, int64_t interval_ms)
{
	if (interval_ms > 0)
		inv->interval_ms = interval_ms;
	if (!has_work(inv))
		return;
	inv->cadence = true;
	if (inv->busy)
		return; /* the round in flight arms the next one */
	if (inv->rounds == 0)
		inventory_refresh(inv);
	else
		arm_round(inv); /* resumed: the slow cadence goes on from the last round */
}

void
inventory_stop(struct inventory *inv)
{
	inv->cadence = false;
	loop_timer_cancel(inv->loop, &inv->timer);
	inv->next_at_ms = -1;
}

bool
inventory_busy(const struct inventory *inv)
{
	return inv->busy;
}

void
inventory_on_update(struct inventory *inv, void (*cb)(struct inventory *inv, void *arg), void *arg)
{
	inv->on_update = cb;
	inv->on_update_arg = arg;
}

const struct inventory_facts *
inventory_facts(const struct inventory *inv)
{
	return &inv->facts;
}

int64_t
inventory_next_in_ms(const struct inventory *inv)
{
	int64_t d;

	if (inv->next_at_ms < 0)
		return -1;
	d = inv->next_at_ms - loop_now(inv->loop);
	return d > 0 ? d : 0;
}

uint64_t
inventory_rounds(const struct inventory *inv)
{
	return inv->rounds;
}
