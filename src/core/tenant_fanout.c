/*
 * tenant_fanout: migrations fanned out over many tenants (MIGRATE: apply,
 * ROLLBACK: one step back), and the per-tenant path.
 *
 * A fan-out works on the live tenants of the list, or those asked for by
 * id, whose id contains the filter; an id asked for that is not a live
 * tenant fails ("no such tenant"). A MIGRATE skips the tenants whose
 * ledger, read without their lock, says they are current ("up to date"); a
 * ROLLBACK those with nothing applied. The first `canaries` tenants with
 * work (for a ROLLBACK, the first ones not skipped) are canaries: they run
 * first, one at a time, and a canary that fails stops the fan-out whatever
 * the policy; a canary that turns out to have nothing to do (someone
 * migrated it since) hands its place to the next tenant with work.
 *
 * The per-tenant path is one migrate run per tenant (the migrate engine:
 * its lock, waited for; its ledger; its plan, refused or not; every file
 * with its ledger row and event): the canaries, ROLLBACK, and what the bulk
 * workers (tenant_bulk.c) leave to it go this way. A run that lost its
 * connection (or got none) before anything ran is tried again on a new one
 * after a growing delay, up to FAN_TRIES runs; the failure policy applies
 * as soon as a run is failing, not when it ends.
 *
 * Vocabulary: `res_list` maps each result to its tenant in the list
 * (SIZE_MAX: an id asked for that is not in it); a tenant has work when its
 * ledger, read without the lock, has pending, out-of-order or drifted
 * files (tenant_has_work()).
 */
#include "config.h"

#include "tenant.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "database.h"
#include "loop.h"
#include "migrate.h"
#include "msglog.h"
#include "pool.h"
#include "strbuf.h"
#include "strvec.h"
#include "tenant_int.h"
#include "xalloc.h"

/* A tenant whose run lost its connection before anything ran: tries, first delay (doubled). */
#define FAN_TRIES      6
#define FAN_BACKOFF_MS 250

/* ---- the tenants a fan-out works on, and its canaries ---- */

/* Whether id is among the n sorted ids. */
static bool
among(char *const *sorted, size_t n, const char *id)
{
	return n > 0 && bsearch(&id, sorted, n, sizeof *sorted, strvec_cmp) != NULL;
}

/* Whether a fan-out works on t: a live tenant, named (when ids are given), matching. */
bool
tenant_fanout_wanted(const struct tenant_job *job, const struct tenant_info *t)
{
	if (t->archived)
		return false;
	if (job->n_ids > 0 && !among(job->sorted_ids, job->n_ids, t->id))
		return false;
	return job->filter == NULL || strstr(t->id, job->filter) != NULL;
}

/* Read without its lock, t has something to apply (or cannot be applied as it is). */
bool
tenant_has_work(const struct tenant_info *t)
{
	return t->ledger_read && (t->pending > 0 || t->out_of_order > 0 || t->drifted > 0);
}

/* Result i may be a canary: a fan-out's canaries have work (as read without the lock). */
static bool
canary_fit(const struct tenant_job *job, size_t i)
{
	size_t li = job->res_list != NULL ? job->res_list[i] : SIZE_MAX;

	return job->kind != TENANT_JOB_MIGRATE ||
	       (li != SIZE_MAX && tenant_has_work(&job->list.v[li]));
}

/*
 * Canary i had nothing to do after all (someone migrated it since the
 * ledgers were read): it tested nothing, so the next tenant with work
 * waiting is a canary in its place.
 */
void
tenant_fanout_promote_canary(struct tenant_job *job, size_t i)
{
	size_t k;

	job->results[i].canary = false;
	for (k = 0; k < job->n_results; k++) {
		if (job->results[k].state == TENANT_WAITING && !job->results[k].canary &&
		    canary_fit(job, k)) {
			job->results[k].canary = true;
			return;
		}
	}
}

/*
 * The tenants a fan-out works on, from the list (tenant_fanout_wanted()),
 * and the ids asked for that are not live tenants; then its canaries.
 */
void
tenant_fanout_pick(struct tenant_job *job)
{
	char **picked = NULL;
	size_t i, j, n, n_picked = 0;

	if (job->n_ids > 0)
		picked = xcalloc(job->n_ids, sizeof *picked);
	for (i = 0; i < job->list.n; i++) {
		const struct tenant_info *t = &job->list.v[i];

		if (job->n_ids > 0 && !t->archived && n_picked < job->n_ids &&
		    among(job->sorted_ids, job->n_ids, t->id))
			picked[n_picked++] = t->id;
		if (!tenant_fanout_wanted(job, t))
			continue;
		tenant_add_result(job, t->id);
		job->res_list = xreallocarray(job->res_list, job->n_results, sizeof *job->res_list);
		job->res_list[job->n_results - 1] = i;
		/* judged from a ledger read without its lock, so that canaries and
		 * workers go to the tenants with work; a tenant is read again under
		 * its lock before anything is applied (those a fan-out did not read
		 * here are judged only then) */
		if (job->kind == TENANT_JOB_MIGRATE && t->ledger_read && !tenant_has_work(t)) {
			tenant_result_end(job, job->n_results - 1, TENANT_SKIPPED, "up to date", 0);
		} else if (job->kind == TENANT_JOB_ROLLBACK && t->applied == 0 && t->drifted == 0) {
			tenant_result_end(job, job->n_results - 1, TENANT_SKIPPED,
					  "nothing applied", 0);
		}
	}
	/* ids asked for that do not exist (as live tenants) */
	strvec_sort(picked, n_picked);
	for (j = 0; j < job->n_ids; j++) {
		bool known = among(picked, n_picked, job->ids[j]);

		if (!known) {
			tenant_add_result(job, job->ids[j]);
			job->res_list = xreallocarray(job->res_list, job->n_results,
						      sizeof *job->res_list);
			job->res_list[job->n_results - 1] = SIZE_MAX;
			tenant_result_end(job, job->n_results - 1, TENANT_FAILED, "no such tenant",
					  0);
		}
	}
	free(picked);
	job->prog.total = job->n_results;
	job->slow = xcalloc(job->n_results + 1, sizeof *job->slow);
	/* canaries: the first ones, one at a time */
	for (i = 0, n = 0; i < job->n_results && (int)n < job->opts.canaries; i++) {
		if (job->results[i].state == TENANT_WAITING && canary_fit(job, i)) {
			job->results[i].canary = true;
			n++;
		}
	}
}

/* ---- the per-tenant path: one migrate run per tenant ---- */

static void
fan_progress(struct mig_run *r, const char *what, void *arg)
{
	struct tenant_worker *w = arg;

	(void)what;
	if (migrate_failing(r))
		tenant_note_failure(w->job, &w->job->results[w->index]);
}

static void fan_done(struct mig_run *r, void *arg);

/* One migrate run for w's tenant (again after a lost connection). */
void
tenant_fanout_start(struct tenant_worker *w)
{
	struct tenant_job *job = w->job;
	struct mig_target t;
	struct mig_opts o;

	memset(&t, 0, sizeof t);
	t.label = w->schema;
	t.mgr = w->mgr;
	t.files = job->files;
	t.read_only = job->db->cfg->read_only;
	mig_opts_defaults(&o);
	o.lock_wait_ms = job->opts.lock_wait_ms;
	o.lean = true; /* the job created the events table up front */
	o.server_version_num = pool_server_version(job->pool);
	w->run = migrate_start(job->kind == TENANT_JOB_MIGRATE ? MIG_RUN_APPLY : MIG_RUN_ROLLBACK,
			       &t, &o, fan_progress, fan_done, w);
}

static void
fan_retry(struct loop *loop, void *arg)
{
	struct tenant_worker *w = arg;

	(void)loop;
	w->retry = NULL;
	migrate_run_free(&w->run);
	if (w->job->stop) {
		tenant_worker_done(w, TENANT_SKIPPED,
				   w->job->prog.cancelled ? "cancelled"
							  : "not started: the run stopped after a "
							    "failure");
		return;
	}
	tenant_fanout_start(w);
}

static void
fan_done(struct mig_run *r, void *arg)
{
	struct tenant_worker *w = arg;
	struct tenant_job *job = w->job;
	size_t n;

	migrate_done_list(r, &n);
	job->results[w->index].applied = (int)n;
	if (!migrate_ok(r) && !migrate_started(r) && migrate_error(r)->connection && !job->stop &&
	    w->tries + 1 < FAN_TRIES) {
		/* nothing ran: its connection went (or none came); again on a
		 * new one after a while (the run is freed then: it called us) */
		int64_t delay = (int64_t)FAN_BACKOFF_MS << w->tries++;

		msglog_add(pool_log(job->pool), MSG_INFO, job->db->cfg->label,
			   "tenant %s: %s; trying again in %lld ms", job->results[w->index].id,
			   migrate_error(r)->message, (long long)delay);
		w->retry = loop_timer_add(job->loop, delay, 0, fan_retry, w);
		return;
	}
	if (migrate_ok(r) && n == 0) {
		/* already done by someone else since the ledgers were read */
		tenant_worker_done(w, TENANT_SKIPPED,
				   job->kind == TENANT_JOB_MIGRATE ? "up to date"
								   : "nothing to roll back");
	} else if (migrate_ok(r)) {
		tenant_worker_done(w, TENANT_OK, NULL);
	} else {
		struct strbuf sb = STRBUF_INIT;

		mig_error_format(migrate_error(r), &sb);
		tenant_worker_done(w, TENANT_FAILED, strbuf_str(&sb));
		strbuf_free(&sb);
	}
}

void
tenant_fanout_cancel(struct tenant_job *job)
{
	struct tenant_worker *w;

	for (w = job->workers; w != NULL; w = w->next) {
		if (w->retry != NULL) {
			loop_timer_cancel(job->loop, &w->retry);
			w->retry = loop_timer_add(job->loop, 0, 0, fan_retry, w);
		}
	}
}
