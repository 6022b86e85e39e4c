/*
 * jobs: the long-running work the console starts, kept apart from the views.
 *
 * A job is one migrate run on one module (apply, roll back, repair) or one
 * tenant job (provision, archive, drop, restore, fan-out apply or
 * rollback), started through the same core as the commands (migrate.h,
 * tenant.h). Jobs belong to the session, not to a view: they go on while
 * the user switches views, the Pools view lists them, and quitting asks
 * first while one runs.
 *
 * A job owns what its engine needs for its whole life: its own manager and
 * a scan of its folder taken when it starts. Its public fields are a plain
 * snapshot for front ends: state, title, the newest progress line, the
 * tenant progress (total, done, failed, skipped, running, rate, ETA), and
 * at the end a one-line result or the error with file and line.
 *
 * States:  RUNNING ──► OK | FAILED | CANCELLED   (set once, when it ends)
 *
 * The change callback runs when a job starts, at most every 100 ms while it
 * progresses, and when it ends. Finished jobs are kept (the newest 16) so
 * that their results and per-tenant failures can be opened afterwards.
 *
 * Ownership: jobs_new() returns a list freed with jobs_free(), which
 * abandons running jobs (a migrate run stops after the statement in flight,
 * a tenant job starts nothing new) and drops their callbacks. Job pointers
 * stay valid until jobs_free() or until the job is among the oldest beyond
 * the 16 kept (never while it runs).
 */
#ifndef PGDBM_JOBS_H
#define PGDBM_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migrate.h"
#include "profile.h"
#include "tenant.h"

struct database;
struct jobs;
struct loop;
struct msglog;

enum job_kind {
	JOB_APPLY,
	JOB_ROLLBACK,
	JOB_REPAIR,
	JOB_PROVISION,
	JOB_ARCHIVE,
	JOB_DROP,
	JOB_RESTORE,
	JOB_FANOUT,	     /* apply pending migrations to many tenants */
	JOB_FANOUT_ROLLBACK, /* roll back one step on many tenants */
};

enum job_state {
	JOB_RUNNING,
	JOB_OK,
	JOB_FAILED,
	JOB_CANCELLED,
};

const char *jobs_kind_name(enum job_kind k);
const char *jobs_state_name(enum job_state s);

struct job_impl;

struct job {
	uint64_t id; /* 1, 2, ... */
	enum job_kind kind;
	enum job_state state;
	size_t db; /* index of the profile database */
	char *db_label;
	char *target;	/* module name, tenant id, or "tenants" */
	char *title;	/* what it does, one line */
	char *progress; /* the newest progress line ("" before any) */
	char *result;	/* when it ended: one line */
	char *error;	/* when FAILED: "file:line: message (SQLSTATE)" and details */
	char *error_file;
	int error_line;
	bool tenant_job; /* tprog is meaningful */
	struct tenant_progress tprog;
	int64_t started_ms, ended_ms; /* loop time */
	struct job_impl *impl;	      /* the engine objects (private) */
};

typedef void (*jobs_change_cb)(void *arg, const struct job *job);

struct jobs *jobs_new(struct loop *loop, struct msglog *log);
void jobs_free(struct jobs **j);

void jobs_on_change(struct jobs *j, jobs_change_cb cb, void *arg);

/*
 * Start a migrate run on module pm of database db (index db_index): apply
 * (o->steps, o->to as the CLI's), rollback or repair (o->repair_file).
 * Returns the job, or NULL with *why (malloc'd): read-only, a job on the
 * module is running, the folder cannot be read, the names are invalid.
 */
const struct job *jobs_migrate(struct jobs *j, size_t db_index, struct database *db,
			       const struct profile_module *pm, enum mig_kind kind,
			       const struct mig_opts *o, char **why);

/*
 * Start a tenant job of kind (not LIST) on database db. Returns the job, or
 * NULL with *why (malloc'd): read-only, no tenant section, a fan-out is
 * running on the database, the folder cannot be read.
 */
const struct job *jobs_tenant(struct jobs *j, size_t db_index, struct database *db,
			      enum tenant_job_kind kind, const struct tenant_job_opts *o,
			      char **why);

/* Stop a running job: a migrate run after its file in flight, a tenant job starts no tenant. */
bool jobs_cancel(struct jobs *j, uint64_t id);

size_t jobs_count(const struct jobs *j);
/* Newest first. */
const struct job *jobs_get(const struct jobs *j, size_t i);
const struct job *jobs_find(const struct jobs *j, uint64_t id);
int jobs_running(const struct jobs *j);
/* The newest running job of database db (any kind), or NULL. */
const struct job *jobs_running_on(const struct jobs *j, size_t db);

/* A tenant job's per-tenant results (NULL and 0 for migrate jobs). */
const struct tenant_result *jobs_tenant_results(const struct job *job, size_t *n);

#endif
