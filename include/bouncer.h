/*
 * bouncer: live sampling of one PgBouncer admin console for the pools view.
 *
 * When a database of the profile names a `pgbouncer` admin conninfo, a
 * bouncer samples that PgBouncer the way the monitor samples the server:
 * one persistent connection to the admin console (dbname=pgbouncer, as a
 * user listed in admin_users or stats_users), a refresh every interval, a
 * snapshot, alarms and a short history. A refresh that is due while the
 * previous one is still running is skipped, not queued. When a refresh
 * fails, the last good snapshot stays, marked stale with its age, and the
 * connection is opened again with capped exponential backoff.
 *
 * The admin console speaks only the simple query protocol, takes no
 * startup options, and (verified on PgBouncer 1.18) rejects several
 * statements in one query string, so a refresh is three simple queries in
 * a row on the one connection: SHOW POOLS, SHOW STATS, SHOW DATABASES.
 * Columns are read by name, never by position, because every PgBouncer
 * release adds some; a column that is missing reads as unknown (-1 or "")
 * and is listed in the snapshot's `missing`, never a crash.
 *
 * Vocabulary (PgBouncer's own, see SHOW POOLS in its usage.md):
 *   pool        - one (database, user) pair: its clients and servers;
 *   cl_active   - clients linked to a server, or idle with nothing queued;
 *   cl_waiting  - clients that sent a query and have no server yet;
 *   sv_active / sv_idle / sv_used - servers linked to a client / ready /
 *                 idle longer than server_check_delay;
 *   maxwait     - how long the oldest waiting client has waited;
 *   pool_size   - the server connections a pool may open (SHOW DATABASES);
 *   utilisation - sv_active / pool_size;
 *   saturated   - cl_waiting > 0, or maxwait rose since the last sample:
 *                 the saturation alarm. Alarms are logged through the
 *                 message log when they start (warning) and when they
 *                 clear (info).
 *
 * Rates come from SHOW STATS's cumulative total_* counters: the difference
 * between this sample and the previous one over the time between them. The
 * first sample (and the first after PgBouncer restarted, when the counters
 * went back) has no rates; PgBouncer's own avg_* columns (averages over
 * its stats_period, 60 s by default) are kept beside them as they are.
 *
 * PgBouncer's own admin pseudo-database "pgbouncer" is left out of the
 * pools, stats and databases of a snapshot.
 *
 * Ownership: bouncer_new() returns a sampler freed with bouncer_free();
 * snapshots belong to the sampler and stay valid until the next refresh
 * completes (views copy what they keep). bouncer_snapshot_build() returns a
 * snapshot the caller frees with bouncer_snapshot_free().
 */
#ifndef PGDBM_BOUNCER_H
#define PGDBM_BOUNCER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct msglog;
struct profile_database;
struct bouncer;

/* Cumulative counters and PgBouncer's averages of one database (SHOW STATS); -1: unknown. */
struct bouncer_stats {
	int64_t total_xact_count, total_query_count;
	int64_t total_received, total_sent; /* bytes */
	int64_t total_xact_time_us, total_query_time_us, total_wait_time_us;
	int64_t avg_xact_count, avg_query_count; /* per second over stats_period */
	int64_t avg_recv, avg_sent;		 /* bytes per second */
	int64_t avg_xact_time_us, avg_query_time_us, avg_wait_time_us;
};

/* Rates between the previous sample and this one; each -1 when unknown. */
struct bouncer_rates {
	bool known; /* false on a first sample, or after the counters went back */
	double interval_s;
	double xact_per_s, query_per_s;
	double recv_bytes_per_s, sent_bytes_per_s;
	double xact_time_us;  /* mean transaction duration in the interval */
	double query_time_us; /* mean query duration in the interval */
	double wait_us_per_s; /* client time spent waiting for a server, per second */
};

/* One database of PgBouncer (SHOW DATABASES joined with SHOW STATS). */
struct bouncer_db {
	char *name;
	char *pool_mode; /* the database's override, "" when it uses the default */
	int pool_size;	 /* -1: unknown (not in SHOW DATABASES) */
	int min_pool_size, reserve_pool;
	int max_connections, current_connections;
	bool paused, disabled;
	bool has_stats; /* a SHOW STATS row was found */
	struct bouncer_stats stats;
	struct bouncer_rates rates;
};

/* One pool (database, user) of SHOW POOLS; counts are -1 when unknown. */
struct bouncer_pool {
	char *database;
	char *user;
	char *pool_mode; /* "" when unknown */
	int cl_active, cl_waiting;
	int sv_active, sv_idle, sv_used, sv_tested, sv_login;
	int64_t maxwait_us; /* maxwait * 1e6 + maxwait_us */
	int pool_size;	    /* of its database, from SHOW DATABASES */
	double utilisation; /* sv_active / pool_size, -1 when unknown */
	bool maxwait_rising;
	bool saturated;
	size_t db; /* index in the snapshot's databases, or (size_t)-1 */
};

enum bouncer_alarm_kind {
	BOUNCER_ALARM_SATURATED,
};

struct bouncer_alarm {
	enum bouncer_alarm_kind kind;
	char *key;     /* stable identity: "saturated:<database>/<user>" */
	char *subject; /* "pool <database>/<user>" */
	char *text;    /* one line for people */
};

struct bouncer_snapshot {
	int64_t taken_ms; /* loop time */
	int64_t round_trip_us;
	struct bouncer_pool *pools; /* in PgBouncer's order */
	size_t n_pools;
	struct bouncer_db *dbs;
	size_t n_dbs;
	struct bouncer_alarm *alarms;
	size_t n_alarms;
	char *missing; /* columns we read that this PgBouncer lacks ("" when none) */
};

enum bouncer_status {
	BOUNCER_WAITING, /* no data yet */
	BOUNCER_LIVE,	 /* the last refresh succeeded */
	BOUNCER_STALE,	 /* the last refresh failed; the snapshot is older */
};

/* History for sparklines: one sample per refresh, newest last (totals over pools). */
#define BOUNCER_HISTORY 600

struct bouncer_sample {
	int64_t at_ms;
	int cl_active, cl_waiting, sv_active, sv_idle;
	int64_t maxwait_us; /* the largest of the pools */
};

struct bouncer_config {
	const char *label;    /* the profile's database label, for messages */
	const char *conninfo; /* the admin console */
	int64_t connect_timeout_ms;
	int64_t refresh_timeout_ms; /* a refresh without an answer by then fails (0: 10 s) */
	int64_t backoff_base_ms;    /* reconnect delays (0: the pool's defaults) */
	int64_t backoff_max_ms;
	bool fail_fast; /* one-shot commands: a failed connection fails the refresh at once */
};

/* The settings a profile database asks for (its `pgbouncer` must be set). */
void bouncer_config_from_profile(const struct profile_database *pdb, struct bouncer_config *cfg);

struct bouncer *bouncer_new(struct loop *loop, const struct bouncer_config *cfg,
			    struct msglog *log);
void bouncer_free(struct bouncer **b);

/* Refresh every interval_ms (and once now). */
void bouncer_start(struct bouncer *b, int64_t interval_ms);
void bouncer_set_interval(struct bouncer *b, int64_t interval_ms);

/* Stop refreshing (bouncer_start() resumes); a refresh in flight completes. */
void bouncer_stop(struct bouncer *b);

/* Refresh now unless a refresh is in flight (then it is skipped). */
void bouncer_refresh(struct bouncer *b);

/* Called after every refresh, successful or not. */
void bouncer_on_update(struct bouncer *b, void (*cb)(struct bouncer *b, void *arg), void *arg);

const struct bouncer_snapshot *bouncer_snapshot(const struct bouncer *b);
enum bouncer_status bouncer_status(const struct bouncer *b);
const char *bouncer_status_name(enum bouncer_status s);

/* Why the last refresh failed ("" when it did not). */
const char *bouncer_error(const struct bouncer *b);

/* Milliseconds since the snapshot was taken (0 without one). */
int64_t bouncer_age_ms(const struct bouncer *b);

/* Sample i (0 = oldest) of the history, or NULL. */
const struct bouncer_sample *bouncer_sample(const struct bouncer *b, size_t i);
size_t bouncer_n_samples(const struct bouncer *b);

uint64_t bouncer_refreshes(const struct bouncer *b);
uint64_t bouncer_skipped(const struct bouncer *b);

/* The (unredacted) conninfo it was made with. */
const char *bouncer_conninfo(const struct bouncer *b);

/*
 * Build a snapshot from the results of SHOW POOLS, SHOW STATS and SHOW
 * DATABASES (any may be NULL: read as empty), with rates and the maxwait
 * trend against prev (NULL for a first sample), and the alarms. Exposed for
 * tests; the sampler uses it.
 */
struct bouncer_snapshot *bouncer_snapshot_build(const PGresult *pools, const PGresult *stats,
						const PGresult *databases,
						const struct bouncer_snapshot *prev,
						int64_t taken_ms);
void bouncer_snapshot_free(struct bouncer_snapshot **s);

/* A pool or a database of a snapshot by name, or NULL. */
const struct bouncer_pool *bouncer_snapshot_pool(const struct bouncer_snapshot *s,
						 const char *database, const char *user);
const struct bouncer_db *bouncer_snapshot_db(const struct bouncer_snapshot *s, const char *name);

#endif
