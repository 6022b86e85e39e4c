/*
 * tenant_int: what the files of the tenant module share, and nothing else
 * includes (the public API is include/tenant.h).
 *
 * The tenant module is one job engine in six files, one idea each:
 *  - tenant.c: the API (names, options, results), the job and its
 *    scheduler: the phases a job goes through, the workers that carry one
 *    tenant's work each, the failure policy, cancel and free;
 *  - tenant_list.c: the tenant list: the catalog read once, every ledger
 *    read with COPY in chunks and each tenant judged against the folder;
 *    sorting and filtering the list;
 *  - tenant_provision.c: provisioning one tenant (one transaction, or step
 *    by step when a migration cannot run in one);
 *  - tenant_admin.c: archiving, dropping and restoring one tenant;
 *  - tenant_fanout.c: the tenants a fan-out works on and its canaries, and
 *    the per-tenant path: one migrate run per tenant;
 *  - tenant_bulk.c: the fan-out's bulk workers, each on a connection of its
 *    own, taking tenant after tenant.
 *
 * Vocabulary: a job (struct tenant_job) works on tenants, each with one
 * result (job->results[i]) that goes from waiting to running to ok, failed
 * or skipped (tenant_result_end()); a worker (struct tenant_worker) is one
 * tenant's work in flight on the per-tenant path, which every kind of job
 * but LIST uses; a bulk worker (struct tenant_bulk) is a fan-out's
 * connection that runs tenant after tenant; the scheduler
 * (tenant_schedule()) starts what may start and finishes the job when
 * nothing is left.
 *
 * Invariants: job->prog.running is the number of results that are running;
 * a job finishes (its done callback runs) exactly once, when no query
 * (job->outstanding), worker (prog.running) or bulk worker
 * (job->bulk_active) refers to it any more (tenant_maybe_finish()); a
 * worker that ends starts nothing itself, it asks the loop to run the
 * scheduler (tenant_kick()), since the callback that ended it may still be
 * on the stack.
 *
 * Ownership: the job owns its ids, filter, error, list, results, workers,
 * bulk workers and ledger chunks, and frees them when it is freed; a worker
 * owns its manager, migrate run, schema name and provisioning buffers, and
 * gives its connection back in tenant_worker_done(); tenant_error_text()
 * returns a malloc'd string.
 */
#ifndef PGDBM_TENANT_INT_H
#define PGDBM_TENANT_INT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "migrate.h"
#include "pool.h"
#include "strbuf.h"
#include "tenant.h"
#include "xalloc.h"

/* What the console writes as the tool in the events table. */
#define TENANT_TOOL_NAME "pgdbm-console " PACKAGE_VERSION

/* ------------------------------------------------------------------------
 * The job and its workers (tenant.c)
 * ------------------------------------------------------------------------ */

enum tenant_job_phase {
	TJ_CATALOG,  /* reading the tenant schemas (tenant_list.c) */
	TJ_LEDGERS,  /* reading the ledgers, in chunks (tenant_list.c) */
	TJ_PREPARE,  /* events / registry tables */
	TJ_EXISTING, /* provision, archive, drop, restore: which schemas exist already */
	TJ_RUN,	     /* per-tenant work */
	TJ_DONE,
};

/* One tenant's work in flight on the per-tenant path. */
struct tenant_worker {
	struct tenant_job *job;
	size_t index;		  /* into job->results */
	struct conn *conn;	  /* provision, admin: the pool's, given back when done */
	struct pool_request *req; /* waiting for a connection */
	void (*connected)(struct tenant_worker *w); /* tenant_worker_acquire()'s */
	struct manager *mgr;			    /* provision, fan-out: the tenant's (owned) */
	struct mig_run *run;			    /* the migrate run (owned) */
	char *schema;				    /* the tenant's live schema name (owned) */
	int step;				    /* provision, admin: which round trip */
	int64_t started_us;
	int *exec_ms;  /* provision: milliseconds per migration */
	long *offsets; /* provision: character offset of each migration in body */
	char *body;    /* provision: the script sent; admin: the error kept for ROLLBACK */
	int tries;     /* fan-out: runs that lost their connection before starting */
	struct loop_timer *retry; /* fan-out: the delay before the next run */
	struct tenant_worker *next;
};

struct tenant_chunk; /* ledgers read in one script (tenant_list.c) */
struct tenant_bulk;  /* a bulk worker (tenant_bulk.c) */

struct tenant_job {
	enum tenant_job_kind kind;
	struct database *db;
	const struct profile_tenants *cfg;
	const struct migfile_set *files; /* the caller's; NULL for archive, drop, restore */
	struct tenant_job_opts opts;	 /* the caller's, without its ids (opts.ids is NULL) */
	char **ids;			 /* copies of the ids asked for (a strvec) */
	size_t n_ids;
	char **sorted_ids; /* the same, sorted (the strings are ids') */
	char *filter;
	tenant_job_cb changed, done;
	void *arg;
	struct loop *loop;
	struct pool *pool;

	enum tenant_job_phase phase;
	int outstanding;	      /* queries of the current phase in flight */
	struct pool_request *req;     /* the job's own query while it waits for a connection */
	char *error;		      /* the job's own failure */
	const char *cancelled_before; /* why it ended before its first tenant (static) */

	/* the list and its reading (tenant_list.c) */
	struct tenant_list list;
	bool have_list;
	struct tenant_chunk **chunks; /* ledger chunks not sent yet, sent from `next_chunk` */
	size_t n_chunks, next_chunk;
	size_t with_work; /* MIGRATE: tenants read so far (and wanted) with work */

	/* the per-tenant work */
	struct tenant_result *results;
	size_t n_results;
	struct tenant_progress prog;
	size_t next; /* next result to start */
	int concurrency;
	bool no_tx; /* provision: a tenant migration needs the step-by-step path */
	struct tenant_worker *workers;
	bool stop;		 /* nothing new starts */
	bool freed;		 /* the owner let go: free it when it finishes */
	struct loop_timer *kick; /* the scheduler run from the loop, outside callbacks */

	/* the fan-out (tenant_fanout.c) and its bulk workers (tenant_bulk.c) */
	bool bulk;	   /* MIGRATE: workers that keep their connection */
	bool bulk_started; /* the bulk workers have been started */
	int bulk_active;   /* bulk workers still running */
	size_t bulk_next;  /* next result a bulk worker may take */
	size_t *res_list;  /* list index of each result (SIZE_MAX: none) */
	bool *slow;	   /* results the per-tenant path must take */
	bool bulk_done;	   /* the bulk workers have all ended */
	char *bulk_error;  /* why a bulk worker gave up (connections lost) */
	struct tenant_bulk *bulks;
};

/* Update the rates and tell the owner (the changed callback). */
void tenant_notify(struct tenant_job *job);

/* Finish once nothing refers to the job any more (no query, no worker). */
void tenant_maybe_finish(struct tenant_job *job);

/* The job's own failure (the first one is kept): nothing new starts. */
void tenant_job_fail(struct tenant_job *job, const char *fmt, ...) ATTR_FORMAT(2, 3);

/*
 * One of the job's queries answered (job->outstanding counts it): true
 * when the job goes on with the answer; false when the job has failed
 * already, or fails now because the reply failed ("<what>: <error>").
 */
bool tenant_job_answered(struct tenant_job *job, const struct conn_reply *reply, const char *what);

/* A new result for id, waiting. */
void tenant_add_result(struct tenant_job *job, const char *id);

/* Result i is over: st, with error (copied; may be NULL) and how long it took. */
void tenant_result_end(struct tenant_job *job, size_t i, enum tenant_result_state st,
		       const char *error, int64_t ms);

/* Apply the failure policy as soon as a tenant fails, not when its run ends. */
void tenant_note_failure(struct tenant_job *job, const struct tenant_result *res);

/* Run the scheduler from the loop soon, outside the callback at hand. */
void tenant_kick(struct tenant_job *job);

/* Start what may start; finish when nothing is left. */
void tenant_schedule(struct tenant_job *job);

/* A worker for result i, started (its tenant running). */
void tenant_worker_start(struct tenant_job *job, size_t i);

/*
 * w's tenant is over: its connection goes back, its result ends, and w is
 * freed (with its run: call it last, from the run's done callback at the
 * latest).
 */
void tenant_worker_done(struct tenant_worker *w, enum tenant_result_state st, const char *error);

/*
 * Ask for a connection for w: `connected` runs with it in w->conn, or the
 * tenant fails with the pool's error when none comes. Either may happen at
 * once, inside this call.
 */
void tenant_worker_acquire(struct tenant_worker *w, void (*connected)(struct tenant_worker *w));

/*
 * A failed reply as text (malloc'd): conn_reply_error_text()'s message,
 * after "connection lost: " when the connection failed; "no answer" when
 * there was no error.
 */
char *tenant_error_text(const struct conn_reply *reply);

/* "{"a","b"}" for a text[] parameter. */
void tenant_pg_array(struct strbuf *sb, const char *const *v, size_t n);

/* The registry table ([schema.]table) quoted: "schema"."table". Caller frees. */
char *tenant_registry_quoted(const struct profile_tenants *cfg);

/* The folder's file names and their checksums, as two text[] parameters. */
void tenant_files_arrays(const struct migfile_set *files, struct strbuf *names,
			 struct strbuf *sums);

/* ------------------------------------------------------------------------
 * The list and the ledgers (tenant_list.c)
 * ------------------------------------------------------------------------ */

/* Read the catalog, then the ledgers (LIST, MIGRATE, ROLLBACK); then schedule. */
void tenant_list_read(struct tenant_job *job);

/* Free the ledger chunks the job has not sent. */
void tenant_list_read_free(struct tenant_job *job);

/* "COPY <schema>.<table> (...) TO STDOUT;\n": one ledger, read in a script. */
void tenant_copy_ledger(struct strbuf *sql, const char *schema, const char *table);

/*
 * The ledger rows of module `module` (or without module) in COPY text
 * data [data, data + len): a malloc'd array of *n rows, in id order.
 */
struct mig_row *tenant_copy_rows(const char *data, size_t len, const char *module, size_t *n);

/* ------------------------------------------------------------------------
 * Provisioning (tenant_provision.c), archive, drop and restore (tenant_admin.c)
 * ------------------------------------------------------------------------ */

/*
 * Before any SQL: whether the folder can be provisioned (false: the job
 * has failed, saying which file and line), and which path it takes.
 */
bool tenant_provision_check(struct tenant_job *job);

/* The results of a PROVISION job, from the schemas that exist (r: their names). */
void tenant_provision_existing(struct tenant_job *job, const PGresult *r);

void tenant_provision_start(struct tenant_worker *w);

/* The results of an ARCHIVE, DROP or RESTORE job, from the schemas that exist. */
void tenant_admin_existing(struct tenant_job *job, const PGresult *r);

void tenant_admin_start(struct tenant_worker *w);

/* ------------------------------------------------------------------------
 * The fan-out (tenant_fanout.c) and its bulk workers (tenant_bulk.c)
 * ------------------------------------------------------------------------ */

/* Whether a fan-out works on t: a live tenant, named (when ids are given), matching. */
bool tenant_fanout_wanted(const struct tenant_job *job, const struct tenant_info *t);

/* Read without its lock, t has something to apply (or cannot be applied as it is). */
bool tenant_has_work(const struct tenant_info *t);

/*
 * The results of a fan-out (MIGRATE, ROLLBACK), from the list: the tenants
 * it works on, those with nothing to do skipped, the ids asked for that are
 * not live tenants failed, and the canaries chosen.
 */
void tenant_fanout_pick(struct tenant_job *job);

/* Canary i turned out to have nothing to do: another tenant takes its place. */
void tenant_fanout_promote_canary(struct tenant_job *job, size_t i);

/* One migrate run for w's tenant. */
void tenant_fanout_start(struct tenant_worker *w);

/* Cancel: runs waiting to try again give up now, not after their delay. */
void tenant_fanout_cancel(struct tenant_job *job);

/*
 * The bulk phase of a fan-out: canaries first (per tenant, one at a time),
 * then the bulk workers. Returns true while that phase is not over.
 */
bool tenant_bulk_schedule(struct tenant_job *job);

/* Cancel: bulk workers waiting for a new connection give up now. */
void tenant_bulk_cancel(struct tenant_job *job);

#endif
