/*
 * session: the console's model, shared by every front end.
 *
 * A session owns what one console run watches: the profile, one database
 * handle (with its shared pool) and one monitor per database of the
 * profile, a PgBouncer sampler for each database whose profile names a
 * `pgbouncer` (refreshed with the monitors, at their interval), an
 * inventory per database (tenant counts and pending migrations, read every
 * 30 s and on demand), which database is selected, the refresh interval
 * and whether sampling is paused. It also runs the few actions the console offers on
 * sessions of the server (cancel or terminate a backend, fetch one
 * backend's locks), always asynchronously through the database's pool, with
 * their results going to the message log and to an update callback.
 *
 * It also owns, per database, a browse handle (browse.h: schemas, module
 * statuses, tenants, one opened schema) and an advisor run (advisor.h,
 * made the first time a front end starts one, kept with its report) and,
 * for the whole console, the job list (jobs.h: migrate runs and tenant
 * jobs with progress), so that jobs and runs outlive the view that started
 * them; when a job ends, what the browse handle of its database had loaded
 * is reloaded. The migration queue of a database someone shows is also
 * reread on the inventory cadence.
 *
 * Nothing here draws or reads keys: the TUI renders what the session and
 * its monitors hold, and calls the functions below in answer to keys.
 *
 * Vocabulary:
 *   selected   - the database the views focus on (Activity shows its
 *                sessions; the header names it);
 *   status     - what a front end shows for one database: connecting,
 *                live, stale (old data kept during an outage), retrying in
 *                N s, error, with the age of the data it has;
 *   action     - a cancel or terminate request in flight.
 *
 * Ownership: session_new() takes the profile and the loop/log stay the
 * caller's; session_free() stops the monitors and the advisor runs, drops
 * the answers of actions still in flight, closes the pools and frees the
 * profile.
 * Pointers returned by accessors belong to the session.
 */
#ifndef PGDBM_SESSION_H
#define PGDBM_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct advisor;
struct bouncer;
struct browse;
struct database;
struct inventory;
struct jobs;
struct loop;
struct monitor;
struct msglog;
struct profile;
struct session;

enum session_db_state {
	SESSION_DB_CONNECTING, /* no data yet; the first connection is being made */
	SESSION_DB_RETRYING,   /* no data yet; the last connection attempt failed */
	SESSION_DB_LIVE,       /* the last refresh succeeded */
	SESSION_DB_STALE,      /* data kept from an earlier refresh; the last one failed */
	SESSION_DB_ERROR,      /* connected, but the refresh query fails */
};

struct session_db_status {
	enum session_db_state state;
	int64_t age_ms;	     /* age of the data shown (0 without data) */
	int64_t retry_in_ms; /* until the next connection attempt (0: none scheduled) */
	const char *error;   /* why the last refresh or connection failed ("" when none) */
	bool auth_failed;    /* the last connection attempt failed authentication: the
				retries back off up to auth_backoff_max_ms */
	int64_t auth_backoff_max_ms;
	bool paused;
};

enum session_signal {
	SESSION_CANCEL,	   /* pg_cancel_backend: stop the running statement */
	SESSION_TERMINATE, /* pg_terminate_backend: end the session */
};

/* One lock of a backend, as the detail pane shows it. */
struct session_lock {
	char *locktype; /* relation, transactionid, advisory, ... */
	char *mode;	/* AccessShareLock, ExclusiveLock, ... */
	char *object;	/* what is locked, decoded ("users.accounts", "advisory 42") */
	bool granted;
};

enum session_locks_state {
	SESSION_LOCKS_NONE,
	SESSION_LOCKS_LOADING,
	SESSION_LOCKS_READY,
	SESSION_LOCKS_FAILED,
};

struct session_locks {
	enum session_locks_state state;
	size_t db;
	int pid;
	struct session_lock *v;
	size_t n;
	char *error; /* when FAILED */
};

/*
 * The advisor run of one database, as the session keeps it: made the first
 * time it is started, kept with its report until the session is freed or
 * it is started with another observation window.
 */
struct session_advisor_run {
	struct advisor *adv; /* NULL until first started */
	int64_t window_ms;   /* the observation window adv was made with */
	uint64_t gen;	     /* moves when a run starts or ends, or is replaced */
	int64_t finished_s;  /* when the last run ended, wall clock (0: none since it started) */
};

/* Refresh intervals that session_refresh_step() moves through. */
#define SESSION_REFRESH_MIN_MS 250
#define SESSION_REFRESH_MAX_MS 60000

/*
 * Open every database of the profile (pools that retry, never fail fast)
 * and a monitor for each. `database` selects the initial database by label
 * (NULL: the first). Returns NULL with *error set (malloc'd) when the label
 * is unknown; the profile is then still the caller's.
 */
struct session *session_new(struct loop *loop, struct msglog *log, struct profile *profile,
			    const char *database, char **error);
void session_free(struct session **s);

/* Start sampling every database at the profile's refresh interval. */
void session_start(struct session *s);

const struct profile *session_profile(const struct session *s);
struct loop *session_loop(const struct session *s);
struct msglog *session_log(const struct session *s);

size_t session_n_databases(const struct session *s);
struct database *session_database(const struct session *s, size_t i);
struct monitor *session_monitor(const struct session *s, size_t i);
const char *session_label(const struct session *s, size_t i);
bool session_read_only(const struct session *s, size_t i);

size_t session_selected(const struct session *s);
void session_select(struct session *s, size_t i);
/* Select the next (delta 1) or previous (delta -1) database, wrapping. */
void session_select_next(struct session *s, int delta);

int64_t session_refresh_ms(const struct session *s);
void session_set_refresh(struct session *s, int64_t ms);
/* Move to the next faster (dir < 0) or slower (dir > 0) interval; returns it. */
int64_t session_refresh_step(struct session *s, int dir);

/* Pausing stops sampling (the data on screen stays); resuming refreshes at once. */
bool session_paused(const struct session *s);
void session_set_paused(struct session *s, bool paused);

/* Refresh every database and PgBouncer now (skipped where a refresh is in flight), and
 * reload its catalog. */
void session_refresh_now(struct session *s);

/* The PgBouncer sampler of database i, or NULL when its profile names none. */
struct bouncer *session_bouncer(const struct session *s, size_t i);

/* The inventory (tenants, pending migrations) of database i. */
struct inventory *session_inventory(const struct session *s, size_t i);

/*
 * Someone shows the inventories (the Fleet view): from now on they are read
 * on their cadence, starting at once. Until then none is read (a round over
 * 100,000 tenant ledgers costs the server seconds that nobody would see).
 */
void session_want_inventory(struct session *s);

/* Read every database's inventory again now (skipped where a round is in flight). */
void session_inventory_refresh(struct session *s);

/*
 * Someone shows the migration queue of database i (the Migrations view):
 * from now on what its browse handle read of the queue (module statuses,
 * the tenant list) is read again on the inventories' cadence (every
 * INVENTORY_INTERVAL_MS, pushed back after a slow read; browse_keep_fresh),
 * paused with the monitors.
 */
void session_keep_queue_fresh(struct session *s, size_t i);

void session_db_status(const struct session *s, size_t i, struct session_db_status *out);

/*
 * "live", "stale 12s: connection refused", "retrying in 4s: ...",
 * "retrying in 16s (authentication failed: backing off up to 1m): ...", ...
 */
void session_db_status_text(const struct session_db_status *st, char *buf, size_t size);

/*
 * Called after every refresh of any database (db is its index), of its
 * PgBouncer and of its inventory, when an action's answer arrives (db is
 * the action's database), when a browse answer arrives, when a job
 * starts, progresses or ends, and when an advisor run moves.
 */
void session_on_update(struct session *s, void (*cb)(void *arg, size_t db), void *arg);

/*
 * Cancel or terminate backend `pid` of database `db`, asynchronously
 * (SELECT pg_cancel_backend($1) through the pool); the result goes to the
 * message log. Returns false with *why (static text) when the action is
 * refused: the profile or database is read-only.
 */
bool session_signal_backend(struct session *s, size_t db, int pid, enum session_signal kind,
			    const char **why);
const char *session_signal_name(enum session_signal kind);

/* Actions still waiting for their answer. */
int session_actions_running(const struct session *s);

/* The catalog of database i (browse.h); its answers also reach the update callback. */
struct browse *session_browse(const struct session *s, size_t i);

/* The console's jobs (jobs.h); their progress and ends reach the update callback. */
struct jobs *session_jobs(const struct session *s);
int session_jobs_running(const struct session *s);

/*
 * Start (or start over) the advisor run of database i, watching for
 * window_ms; a run made with another window is stopped (its answer goes
 * nowhere) and replaced. Its phase changes and end, and its samples at
 * most every 100 ms, reach the update callback. The run borrows one
 * connection of the database's pool for its window.
 */
void session_advisor_start(struct session *s, size_t i, int64_t window_ms);

/* The advisor run of database i (adv NULL: never started), or NULL for no such database. */
const struct session_advisor_run *session_advisor_run(const struct session *s, size_t i);

/*
 * Fetch the locks of backend `pid` of database `db` (one query, async).
 * The answer replaces session_locks(); a newer request makes an older
 * answer be dropped.
 */
void session_fetch_locks(struct session *s, size_t db, int pid);
const struct session_locks *session_locks(const struct session *s);
void session_clear_locks(struct session *s);

/*
 * Decode an advisory lock's key from pg_locks' classid, objid and objsubid:
 * "advisory 42" for a bigint key, "advisory (7,9)" for two int4 keys.
 */
void session_advisory_key(uint32_t classid, uint32_t objid, int objsubid, int64_t *key,
			  int64_t *key2, bool *bigint_key);

#endif
