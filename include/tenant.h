/*
 * tenant: schema-per-tenant operations of one database.
 *
 * Tenant ID lives in schema <prefix>ID with its own pgdbm ledger, whose
 * module name is the schema name, and gets its migrations from the
 * profile's tenant folder. An archived tenant's schema is renamed to
 * <archive_prefix>ID. This module lists tenants with their migration state
 * from a few catalog-driven batched queries (never a session per tenant),
 * provisions tenants all-or-nothing (schema, every migration and every
 * ledger row in one transaction; step by step with the schema dropped on
 * failure when a migration cannot run in a transaction), archives, drops
 * and restores them, and fans migrations out over many tenants through a
 * bounded number of pool connections, canaries first, with a stop or
 * continue policy, progress, cancel and a per-tenant result.
 *
 * Everything is asynchronous on the event loop (struct tenant_job), with
 * the same progress model for every kind of job.
 *
 * Ownership: tenant_job_* functions return jobs freed with tenant_job_free()
 * (after the done callback, or to abandon a job: it is cancelled and its
 * callbacks stop).
 */
#ifndef PGDBM_TENANT_H
#define PGDBM_TENANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migfile.h"
#include "profile.h"

struct database;
struct tenant_job;

/*
 * NULL when `id` can name a tenant of `t`, else why not (malloc'd): the
 * schema <prefix>ID must satisfy pgdbm's identifier rule and be writable
 * unquoted (lower case a-z, 0-9, _), the ID must not be a reserved word,
 * and the archived name must fit too.
 */
char *tenant_id_problem(const struct profile_tenants *t, const char *id);

/* "tenant_" + id, malloc'd. */
char *tenant_schema(const struct profile_tenants *t, const char *id);

/* ------------------------------------------------------------------------
 * Listing
 * ------------------------------------------------------------------------ */

struct tenant_info {
	char *id;
	char *schema;
	bool archived;
	int64_t size_bytes; /* estimate from pg_class.relpages */
	int tables;
	bool has_ledger;
	bool ledger_read; /* the counts below are final (a list job still reading: not yet) */
	int applied, pending, drifted, out_of_order, missing;
	char *last_file; /* last applied migration (ledger order), NULL when none */
	char *last_at;
};

struct tenant_list {
	struct tenant_info *v;
	size_t n;
	size_t n_files; /* migrations in the tenant folder */
	/*
	 * Per migration of the folder (n_files entries each, NULL when there
	 * are none): how many live tenants have it applied, pending, drifted
	 * or out of order, as read (sorting and filtering leave them alone).
	 */
	size_t *file_applied, *file_pending, *file_drifted, *file_out_of_order;
};

void tenant_list_free(struct tenant_list *l);

/* Sort by a column ("id", "size", "applied", "pending", "drifted", "last"); false if unknown. */
bool tenant_list_sort(struct tenant_list *l, const char *column, bool descending);

/* Keep the tenants whose id contains `text` (and, when state is not NULL,
 * whose state matches: "pending", "drifted", "current", "archived"). */
void tenant_list_filter(struct tenant_list *l, const char *text, const char *state);

/* ------------------------------------------------------------------------
 * Jobs
 * ------------------------------------------------------------------------ */

enum tenant_job_kind {
	TENANT_JOB_LIST,
	TENANT_JOB_PROVISION,
	TENANT_JOB_ARCHIVE,
	TENANT_JOB_DROP,
	TENANT_JOB_RESTORE,
	TENANT_JOB_MIGRATE,  /* fan-out apply */
	TENANT_JOB_ROLLBACK, /* fan-out rollback one step */
};

enum tenant_result_state {
	TENANT_WAITING,
	TENANT_RUNNING,
	TENANT_OK,
	TENANT_FAILED,
	TENANT_SKIPPED,
};

const char *tenant_result_name(enum tenant_result_state s);

struct tenant_result {
	char *id;
	enum tenant_result_state state;
	char *error; /* failed: what and where; skipped: why */
	int64_t ms;  /* how long it took */
	int applied; /* migrations applied (or rolled back) */
	bool canary;
};

struct tenant_progress {
	size_t total, done, failed, skipped, running;
	int64_t started_ms, elapsed_ms;
	double rate;			   /* finished tenants per second */
	int64_t eta_ms;			   /* -1 when unknown */
	bool finished, cancelled, stopped; /* stopped: the failure policy stopped it */
};

typedef void (*tenant_job_cb)(struct tenant_job *job, void *arg);

struct tenant_job_opts {
	int concurrency; /* 0: the profile's */
	int canaries;	 /* -1: the profile's */
	enum profile_on_failure on_failure;
	bool on_failure_set;	/* else the profile's */
	const char *const *ids; /* the tenants to work on; NULL: all (fan-out) */
	size_t n_ids;
	const char *filter; /* fan-out: ids containing this text */
	bool confirmed;	    /* deprovision: the id was typed back */
	int64_t lock_wait_ms;
};

void tenant_job_opts_defaults(struct tenant_job_opts *o);

/*
 * Start a job on database db whose tenant folder has been scanned into
 * files (not needed for archive/drop/restore: may be NULL). `changed` runs
 * whenever progress moves, `done` once at the end.
 */
struct tenant_job *tenant_job_start(enum tenant_job_kind kind, struct database *db,
				    const struct migfile_set *files,
				    const struct tenant_job_opts *opts, tenant_job_cb changed,
				    tenant_job_cb done, void *arg);

/* Stop starting new tenants; those in flight finish. */
void tenant_job_cancel(struct tenant_job *job);
void tenant_job_free(struct tenant_job **job);

const struct tenant_progress *tenant_job_progress(const struct tenant_job *job);
const struct tenant_result *tenant_job_results(const struct tenant_job *job, size_t *n);

/* The job's own failure (not one tenant's): NULL when none. */
const char *tenant_job_error(const struct tenant_job *job);

/*
 * Why a cancelled job ended before it had any tenant to work on ("cancelled
 * while waiting for a connection", "cancelled before it started"); NULL
 * when it did not.
 */
const char *tenant_job_cancelled_before(const struct tenant_job *job);

/*
 * The tenant list a LIST job read (or NULL). A LIST job that is still
 * reading ledgers already has its list (tenants not read yet have
 * ledger_read false); its progress counts the ledgers (total, done).
 */
struct tenant_list *tenant_job_list(struct tenant_job *job);

enum tenant_job_kind tenant_job_kind(const struct tenant_job *job);

#endif
