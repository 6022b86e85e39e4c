/*
 * jobs: migrate runs and tenant jobs started by the console, with progress
 * snapshots, cancel and results. See include/jobs.h.
 *
 * Each job is a `struct job` (what front ends read) plus a `struct
 * job_impl` (the engine object, its manager and its folder scan). The
 * engines may call their done callback before their start function
 * returns (a refusal): `starting` catches that, and the job is finished
 * once the start function has returned. An engine object is never freed
 * from its own callback: it lives as long as its job, which is dropped only
 * when a newer job pushes it out of the kept list (from jobs_migrate or
 * jobs_tenant, never from a callback) or by jobs_free().
 *
 * Progress is forwarded at most every THROTTLE_MS: a fan-out over 100,000
 * tenants reports every tenant, and the front end needs no more than ten
 * frames a second.
 */
#include "config.h"

#include "jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "database.h"
#include "loop.h"
#include "manager.h"
#include "msglog.h"
#include "strbuf.h"
#include "units.h"
#include "xalloc.h"

#define KEEP	    16
#define THROTTLE_MS 100

struct job_impl {
	struct jobs *jobs;
	struct job *job;
	struct database *db;
	struct manager *mgr;
	struct migfile_set files;
	struct mig_run *run;
	struct tenant_job *tjob;
	bool starting, ended;
	int64_t last_note_ms;
	struct loop_timer *timer;
};

struct jobs {
	struct loop *loop;
	struct msglog *log;
	struct job **v; /* oldest first */
	size_t n;
	uint64_t next_id;
	jobs_change_cb cb;
	void *cb_arg;
};

const char *
jobs_kind_name(enum job_kind k)
{
	switch (k) {
	case JOB_APPLY:
		return "apply";
	case JOB_ROLLBACK:
		return "rollback";
	case JOB_REPAIR:
		return "repair";
	case JOB_PROVISION:
		return "provision";
	case JOB_ARCHIVE:
		return "archive";
	case JOB_DROP:
		return "drop";
	case JOB_RESTORE:
		return "restore";
	case JOB_FANOUT:
		return "fan-out";
	case JOB_FANOUT_ROLLBACK:
		return "fan-out rollback";
	}
	return "?";
}

const char *
jobs_state_name(enum job_state s)
{
	switch (s) {
	case JOB_RUNNING:
		return "running";
	case JOB_OK:
		return "done";
	case JOB_FAILED:
		return "failed";
	case JOB_CANCELLED:
		return "cancelled";
	}
	return "?";
}

/* ------------------------------------------------------------------------
 * The list
 * ------------------------------------------------------------------------ */

struct jobs *
jobs_new(struct loop *loop, struct msglog *log)
{
	struct jobs *j = xcalloc(1, sizeof *j);

	j->loop = loop;
	j->log = log;
	j->next_id = 1;
	return j;
}

static void
job_free(struct jobs *j, struct job *job)
{
	struct job_impl *im = job->impl;

	loop_timer_cancel(j->loop, &im->timer);
	migrate_run_free(&im->run);
	tenant_job_free(&im->tjob);
	manager_free(&im->mgr);
	migfile_set_free(&im->files);
	free(im);
	free(job->db_label);
	free(job->target);
	free(job->title);
	free(job->progress);
	free(job->result);
	free(job->error);
	free(job->error_file);
	free(job);
}

void
jobs_free(struct jobs **jp)
{
	struct jobs *j = *jp;
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->n; i++)
		job_free(j, j->v[i]);
	free(j->v);
	free(j);
	*jp = NULL;
}

void
jobs_on_change(struct jobs *j, jobs_change_cb cb, void *arg)
{
	j->cb = cb;
	j->cb_arg = arg;
}

/* Drop the oldest finished jobs beyond KEEP (never a running one). */
static void
prune(struct jobs *j)
{
	size_t i = 0;

	while (j->n >= KEEP && i < j->n) {
		if (j->v[i]->state == JOB_RUNNING) {
			i++;
			continue;
		}
		job_free(j, j->v[i]);
		memmove(&j->v[i], &j->v[i + 1], (j->n - i - 1) * sizeof *j->v);
		j->n--;
	}
}

static struct job *
job_add(struct jobs *j, enum job_kind kind, size_t db_index, struct database *db,
	const char *target)
{
	struct job *job = xcalloc(1, sizeof *job);

	prune(j);
	job->impl = xcalloc(1, sizeof *job->impl);
	job->impl->jobs = j;
	job->impl->job = job;
	job->impl->db = db;
	job->id = j->next_id++;
	job->kind = kind;
	job->state = JOB_RUNNING;
	job->db = db_index;
	job->db_label = xstrdup(db->cfg->label);
	job->target = xstrdup(target);
	job->progress = xstrdup("");
	job->started_ms = loop_now(j->loop);
	j->v = xreallocarray(j->v, j->n + 1, sizeof *j->v);
	j->v[j->n++] = job;
	return job;
}

/* Undo job_add for a job that could not start. */
static void
job_drop(struct jobs *j, struct job *job)
{
	j->n--;
	job_free(j, job);
}

static void
note_now(struct job *job)
{
	struct jobs *j = job->impl->jobs;

	loop_timer_cancel(j->loop, &job->impl->timer);
	job->impl->last_note_ms = loop_now(j->loop);
	if (j->cb != NULL)
		j->cb(j->cb_arg, job);
}

static void
note_timer(struct loop *loop, void *arg)
{
	struct job *job = arg;

	(void)loop;
	job->impl->timer = NULL; /* one-shot: dead once it runs */
	note_now(job);
}

/* Progress moved: tell the front end now, or within THROTTLE_MS. */
static void
note(struct job *job)
{
	struct jobs *j = job->impl->jobs;
	int64_t since = loop_now(j->loop) - job->impl->last_note_ms;

	if (since >= THROTTLE_MS) {
		note_now(job);
		return;
	}
	if (job->impl->timer == NULL)
		job->impl->timer = loop_timer_add(j->loop, THROTTLE_MS - since, 0, note_timer, job);
}

static void
set_text(char **field, char *text)
{
	free(*field);
	*field = text;
}

/* ------------------------------------------------------------------------
 * Migrate jobs
 * ------------------------------------------------------------------------ */

static void
mig_progress(struct mig_run *r, const char *what, void *arg)
{
	struct job *job = arg;

	(void)r;
	set_text(&job->progress, xstrdup(what));
	note(job);
}

static void
mig_ended(struct job *job, struct mig_run *r)
{
	struct jobs *j = job->impl->jobs;
	const struct mig_error *e = migrate_error(r);
	const struct mig_done *d;
	struct strbuf sb = STRBUF_INIT;
	size_t n, i;
	char took[32];

	job->impl->run = r;
	job->ended_ms = loop_now(j->loop);
	units_format_duration(job->ended_ms - job->started_ms, took, sizeof took);
	d = migrate_done_list(r, &n);
	if (migrate_ok(r)) {
		job->state = JOB_OK;
		switch (job->kind) {
		case JOB_APPLY:
			if (n == 0)
				strbuf_addf(&sb, "%s: nothing to apply", job->target);
			else
				strbuf_addf(&sb, "%s: applied %zu migration%s", job->target, n,
					    n == 1 ? "" : "s");
			break;
		case JOB_ROLLBACK:
			strbuf_addf(&sb, "%s: rolled back %zu migration%s", job->target, n,
				    n == 1 ? "" : "s");
			break;
		default:
			strbuf_addf(&sb, "%s: accepted the new checksum of %s", job->target,
				    n > 0 ? d[0].filename : "?");
			break;
		}
		for (i = 0; i < n && job->kind != JOB_REPAIR; i++)
			strbuf_addf(&sb, "%s%s", i == 0 ? " (" : ", ", d[i].filename);
		if (n > 0 && job->kind != JOB_REPAIR)
			strbuf_addc(&sb, ')');
		strbuf_addf(&sb, " in %s", took);
		set_text(&job->result, strbuf_detach(&sb));
		msglog_add(j->log, MSG_INFO, job->db_label, "%s", job->result);
	} else {
		job->state = migrate_cancelled(r) ? JOB_CANCELLED : JOB_FAILED;
		mig_error_format(e, &sb);
		set_text(&job->error, strbuf_detach(&sb));
		set_text(&job->error_file, e->file != NULL ? xstrdup(e->file) : NULL);
		job->error_line = e->line;
		set_text(&job->result, xasprintf("%s: %s%s", job->target,
						 job->state == JOB_CANCELLED ? "" : "failed: ",
						 e->message != NULL ? e->message : "failed"));
		if (n > 0) {
			char *with = xasprintf("%s (after %zu done)", job->result, n);

			set_text(&job->result, with);
		}
		msglog_add(j->log, job->state == JOB_CANCELLED ? MSG_WARNING : MSG_ERROR,
			   job->db_label, "%s %s: %s", jobs_kind_name(job->kind), job->target,
			   job->error);
	}
	note_now(job);
}

static void
mig_done(struct mig_run *r, void *arg)
{
	struct job *job = arg;

	if (job->impl->starting) {
		job->impl->ended = true; /* jobs_migrate finishes it */
		return;
	}
	mig_ended(job, r);
}

static bool
busy_module(const struct jobs *j, size_t db, const char *module)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		const struct job *x = j->v[i];

		if (x->state == JOB_RUNNING && x->db == db && x->kind <= JOB_REPAIR &&
		    strcmp(x->target, module) == 0)
			return true;
	}
	return false;
}

const struct job *
jobs_migrate(struct jobs *j, size_t db_index, struct database *db, const struct profile_module *pm,
	     enum mig_kind kind, const struct mig_opts *o, char **why)
{
	enum job_kind jk = kind == MIG_RUN_APPLY      ? JOB_APPLY
			   : kind == MIG_RUN_ROLLBACK ? JOB_ROLLBACK
						      : JOB_REPAIR;
	struct mig_target t;
	struct mig_run *r;
	struct job *job;
	char *err = NULL;

	*why = NULL;
	if (kind == MIG_RUN_STATUS) {
		*why = xstrdup("a status is not a job");
		return NULL;
	}
	if (db->cfg->read_only) {
		*why = xstrdup("the profile is read-only: migrations are not applied, rolled back "
			       "or repaired from it");
		return NULL;
	}
	if (busy_module(j, db_index, pm->name)) {
		*why = xasprintf("a job on %s is running; wait for it or cancel it", pm->name);
		return NULL;
	}
	job = job_add(j, jk, db_index, db, pm->name);
	job->impl->mgr = manager_new(db->pool, pm->schema, pm->name, pm->table, &err);
	if (job->impl->mgr == NULL) {
		*why = err;
		job_drop(j, job);
		return NULL;
	}
	err = migfile_scan(pm->migrations, &job->impl->files);
	if (err != NULL) {
		*why = err;
		job_drop(j, job);
		return NULL;
	}
	if (jk == JOB_APPLY)
		job->title = o->to != NULL ? xasprintf("apply %s up to %s", pm->name, o->to)
			     : o->steps > 0
				     ? xasprintf("apply the next %d migration%s of %s", o->steps,
						 o->steps == 1 ? "" : "s", pm->name)
				     : xasprintf("apply the pending migrations of %s", pm->name);
	else if (jk == JOB_ROLLBACK)
		job->title = xasprintf("roll back %d migration%s of %s",
				       o->steps > 0 ? o->steps : 1, o->steps > 1 ? "s" : "",
				       pm->name);
	else
		job->title = xasprintf("repair the checksum of %s in %s",
				       o->repair_file != NULL ? o->repair_file : "?", pm->name);
	memset(&t, 0, sizeof t);
	t.label = pm->name;
	t.mgr = job->impl->mgr;
	t.files = &job->impl->files;
	t.read_only = db->cfg->read_only;
	msglog_add(j->log, MSG_INFO, job->db_label, "%s: started", job->title);
	job->impl->starting = true;
	r = migrate_start(kind, &t, o, mig_progress, mig_done, job);
	job->impl->starting = false;
	job->impl->run = r;
	note_now(job);
	if (job->impl->ended)
		mig_ended(job, r);
	return job;
}

/* ------------------------------------------------------------------------
 * Tenant jobs
 * ------------------------------------------------------------------------ */

static void
tenant_progress_text(struct job *job)
{
	const struct tenant_progress *p = &job->tprog;
	char eta[32];

	set_text(
		&job->progress,
		xasprintf("%zu/%zu done, %zu failed, %zu skipped, %zu running, %.1f/s%s%s",
			  p->done + p->failed + p->skipped, p->total, p->failed, p->skipped,
			  p->running, p->rate, p->eta_ms >= 0 ? ", ETA " : "",
			  p->eta_ms >= 0 ? units_format_duration(p->eta_ms, eta, sizeof eta) : ""));
}

static void
tenant_changed(struct tenant_job *tj, void *arg)
{
	struct job *job = arg;

	job->tprog = *tenant_job_progress(tj);
	if (!job->tprog.finished) {
		tenant_progress_text(job);
		note(job);
	}
}

static void
tenant_ended(struct job *job, struct tenant_job *tj)
{
	struct jobs *j = job->impl->jobs;
	const struct tenant_progress *p = tenant_job_progress(tj);
	const struct tenant_result *res;
	size_t n, i;
	char took[32];
	const char *verb;

	job->impl->tjob = tj;
	job->tprog = *p;
	job->ended_ms = loop_now(j->loop);
	units_format_duration(job->ended_ms - job->started_ms, took, sizeof took);
	tenant_progress_text(job);
	res = tenant_job_results(tj, &n);
	switch (job->kind) {
	case JOB_PROVISION:
		verb = "provisioned";
		break;
	case JOB_ARCHIVE:
		verb = "archived";
		break;
	case JOB_DROP:
		verb = "dropped";
		break;
	case JOB_RESTORE:
		verb = "restored";
		break;
	case JOB_FANOUT_ROLLBACK:
		verb = "rolled back";
		break;
	default:
		verb = "migrated";
		break;
	}
	if (tenant_job_error(tj) != NULL) {
		job->state = JOB_FAILED;
		set_text(&job->error, xstrdup(tenant_job_error(tj)));
		set_text(&job->result, xasprintf("%s: %s", job->target, tenant_job_error(tj)));
	} else if (p->failed > 0) {
		job->state = JOB_FAILED;
		for (i = 0; i < n; i++) {
			if (res[i].state == TENANT_FAILED) {
				set_text(&job->error,
					 xasprintf("tenant %s: %s", res[i].id,
						   res[i].error != NULL ? res[i].error : "failed"));
				break;
			}
		}
		if (n == 1)
			set_text(&job->result, xasprintf("%s", job->error));
		else
			set_text(&job->result,
				 xasprintf("%zu %s, %zu failed, %zu skipped of %zu tenants in %s%s",
					   p->done, verb, p->failed, p->skipped, p->total, took,
					   p->stopped ? " (stopped after a failure)" : ""));
	} else if (p->cancelled) {
		job->state = JOB_CANCELLED;
		if (tenant_job_cancelled_before(tj) != NULL)
			set_text(&job->result,
				 xasprintf("%s: %s", job->target, tenant_job_cancelled_before(tj)));
		else
			set_text(&job->result,
				 xasprintf("%zu %s, %zu skipped of %zu tenants in %s (cancelled)",
					   p->done, verb, p->skipped, p->total, took));
	} else {
		job->state = JOB_OK;
		if (n == 1 && job->kind != JOB_FANOUT && job->kind != JOB_FANOUT_ROLLBACK)
			set_text(&job->result,
				 res[0].applied > 0
					 ? xasprintf("tenant %s %s: %d migration%s applied in %s",
						     res[0].id, verb, res[0].applied,
						     res[0].applied == 1 ? "" : "s", took)
					 : xasprintf("tenant %s %s in %s", res[0].id, verb, took));
		else
			set_text(&job->result,
				 xasprintf("%zu %s, %zu failed, %zu skipped of %zu tenants in %s",
					   p->done, verb, p->failed, p->skipped, p->total, took));
	}
	msglog_add(j->log,
		   job->state == JOB_OK	      ? MSG_INFO
		   : job->state == JOB_FAILED ? MSG_ERROR
					      : MSG_WARNING,
		   job->db_label, "%s", job->result);
	note_now(job);
}

static void
tenant_done(struct tenant_job *tj, void *arg)
{
	struct job *job = arg;

	if (job->impl->starting) {
		job->impl->ended = true; /* jobs_tenant finishes it */
		return;
	}
	tenant_ended(job, tj);
}

const struct job *
jobs_tenant(struct jobs *j, size_t db_index, struct database *db, enum tenant_job_kind kind,
	    const struct tenant_job_opts *o, char **why)
{
	static const enum job_kind kinds[] = {
		[TENANT_JOB_LIST] = JOB_FANOUT,
		[TENANT_JOB_PROVISION] = JOB_PROVISION,
		[TENANT_JOB_ARCHIVE] = JOB_ARCHIVE,
		[TENANT_JOB_DROP] = JOB_DROP,
		[TENANT_JOB_RESTORE] = JOB_RESTORE,
		[TENANT_JOB_MIGRATE] = JOB_FANOUT,
		[TENANT_JOB_ROLLBACK] = JOB_FANOUT_ROLLBACK,
	};
	enum job_kind jk = kinds[kind];
	bool fanout = kind == TENANT_JOB_MIGRATE || kind == TENANT_JOB_ROLLBACK;
	const char *target = o->n_ids == 1 && !fanout ? o->ids[0] : "tenants";
	struct tenant_job *tj;
	struct job *job;
	size_t i;
	char *err;

	*why = NULL;
	if (kind == TENANT_JOB_LIST) {
		*why = xstrdup("a tenant list is not a job");
		return NULL;
	}
	if (!db->cfg->tenants.present) {
		*why = xasprintf("database %s has no tenants section in its profile",
				 db->cfg->label);
		return NULL;
	}
	if (db->cfg->read_only) {
		*why = xstrdup("the profile is read-only: tenants are not changed from it");
		return NULL;
	}
	for (i = 0; fanout && i < j->n; i++) {
		const struct job *x = j->v[i];

		if (x->state == JOB_RUNNING && x->db == db_index &&
		    (x->kind == JOB_FANOUT || x->kind == JOB_FANOUT_ROLLBACK)) {
			*why = xasprintf("a fan-out is running on %s; wait for it or cancel it",
					 db->cfg->label);
			return NULL;
		}
	}
	job = job_add(j, jk, db_index, db, target);
	job->tenant_job = true;
	if (kind == TENANT_JOB_PROVISION || fanout) {
		err = migfile_scan(db->cfg->tenants.migrations, &job->impl->files);
		if (err != NULL) {
			*why = err;
			job_drop(j, job);
			return NULL;
		}
	}
	switch (kind) {
	case TENANT_JOB_PROVISION:
		job->title = o->n_ids == 1 ? xasprintf("provision tenant %s (%zu migration%s)",
						       o->ids[0], job->impl->files.n,
						       job->impl->files.n == 1 ? "" : "s")
					   : xasprintf("provision %zu tenants", o->n_ids);
		break;
	case TENANT_JOB_ARCHIVE:
	case TENANT_JOB_DROP:
	case TENANT_JOB_RESTORE:
		job->title = xasprintf("%s tenant %s", jobs_kind_name(jk), target);
		break;
	default:
		job->title = o->n_ids > 0 ? xasprintf("%s %zu tenant%s",
						      kind == TENANT_JOB_MIGRATE
							      ? "apply pending migrations to"
							      : "roll back one migration on",
						      o->n_ids, o->n_ids == 1 ? "" : "s")
					  : xasprintf("%s every tenant",
						      kind == TENANT_JOB_MIGRATE
							      ? "apply pending migrations to"
							      : "roll back one migration on");
		break;
	}
	msglog_add(j->log, MSG_INFO, job->db_label, "%s: started", job->title);
	job->impl->starting = true;
	tj = tenant_job_start(kind, db,
			      kind == TENANT_JOB_PROVISION || fanout ? &job->impl->files : NULL, o,
			      tenant_changed, tenant_done, job);
	job->impl->starting = false;
	job->impl->tjob = tj;
	job->tprog = *tenant_job_progress(tj);
	note_now(job);
	if (job->impl->ended)
		tenant_ended(job, tj);
	return job;
}

/* ------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------ */

bool
jobs_cancel(struct jobs *j, uint64_t id)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		struct job *job = j->v[i];

		if (job->id != id || job->state != JOB_RUNNING)
			continue;
		if (job->impl->run != NULL)
			migrate_cancel(job->impl->run);
		else if (job->impl->tjob != NULL)
			tenant_job_cancel(job->impl->tjob);
		msglog_add(j->log, MSG_INFO, job->db_label, "%s: cancel requested", job->title);
		return true;
	}
	return false;
}

size_t
jobs_count(const struct jobs *j)
{
	return j->n;
}

const struct job *
jobs_get(const struct jobs *j, size_t i)
{
	return i < j->n ? j->v[j->n - 1 - i] : NULL;
}

const struct job *
jobs_find(const struct jobs *j, uint64_t id)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		if (j->v[i]->id == id)
			return j->v[i];
	}
	return NULL;
}

int
jobs_running(const struct jobs *j)
{
	size_t i;
	int n = 0;

	for (i = 0; i < j->n; i++)
		n += j->v[i]->state == JOB_RUNNING;
	return n;
}

const struct job *
jobs_running_on(const struct jobs *j, size_t db)
{
	size_t i;

	for (i = j->n; i-- > 0;) {
		if (j->v[i]->state == JOB_RUNNING && j->v[i]->db == db)
			return j->v[i];
	}
	return NULL;
}

const struct tenant_result *
jobs_tenant_results(const struct job *job, size_t *n)
{
	*n = 0;
	if (job->impl->tjob == NULL)
		return NULL;
	return tenant_job_results(job->impl->tjob, n);
}
