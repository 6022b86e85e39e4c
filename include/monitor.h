/*
 * monitor: live sampling of one database for the pools and activity views.
 *
 * Every refresh costs the server one round trip over one persistent
 * monitoring connection borrowed from the database's pool: a read-only
 * transaction with a short statement_timeout and lock_timeout that reads
 * the server's limits, every client backend of pg_stat_activity (with
 * pg_blocking_pids() for the sessions waiting on a lock) and the advisory
 * locks of this database, each labelled with the pgdbm module whose
 * migration lock it is (hashtext('pgdbm_migration_' || module)). A refresh
 * that is due while the previous one is still running is skipped, not
 * queued.
 *
 * From that the monitor derives a snapshot: server connections against
 * the usable max_connections, one row per application pool (pgdbm names its
 * pools <schema>_pool) with active / idle / idle in transaction / waiting
 * counts and utilisation against the max declared in the profile, the
 * sessions themselves, alerts, and a history for sparklines. When a
 * refresh fails, the last good snapshot stays, marked stale with its age.
 *
 * Ownership: monitor_new() returns a monitor freed with monitor_free();
 * snapshots belong to the monitor and stay valid until the next refresh
 * completes (views copy what they keep).
 */
#ifndef PGDBM_MONITOR_H
#define PGDBM_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct msglog;
struct database;
struct monitor;

struct mon_session {
	int pid;
	char *datname;
	char *usename;
	char *appname;
	char *client; /* "addr:port", "local" for a Unix socket */
	char *state;  /* active, idle, idle in transaction, ... ("" when hidden) */
	char *wait_type;
	char *wait_event;
	int64_t backend_ms; /* age of the connection */
	int64_t xact_ms;    /* age of the transaction (-1: none) */
	int64_t query_ms;   /* since the query started (-1: none) */
	int64_t state_ms;   /* since the state changed (-1: unknown) */
	char *query;
	int *blocked_by; /* pg_blocking_pids(), for sessions waiting on a lock */
	int n_blocked_by;
	bool own;	 /* one of the console's own connections */
	bool this_db;	 /* connected to the profile's database */
	bool waiting;	 /* waiting on a heavyweight lock */
	bool idle_in_tx; /* idle in transaction (aborted or not) */
};

/* An advisory lock of this database. */
struct mon_advisory {
	int pid;
	bool granted;
	bool bigint_key; /* one bigint key (pg_advisory_lock(bigint)) */
	int64_t key;	 /* the bigint key, or classid for a two-key lock */
	int64_t key2;	 /* objid for a two-key lock */
	char *module;	 /* the pgdbm module whose migration lock it is, or NULL */
};

/* One application pool (sessions of this database with one application_name). */
struct mon_pool {
	char *appname;
	int total, active, idle, idle_in_tx, waiting;
	int declared_max; /* pool_max from the profile's apps, 0 when not declared */
	int64_t oldest_idle_in_tx_ms;
};

enum mon_alert_kind {
	MON_ALERT_NEAR_MAX,
	MON_ALERT_POOL_AT_MAX,
	MON_ALERT_IDLE_IN_TX,
	MON_ALERT_WAITING,
};

struct mon_alert {
	enum mon_alert_kind kind;
	char *key;  /* stable identity, to log an alert once when it starts */
	char *text; /* one line for people */
};

struct mon_snapshot {
	int64_t taken_ms; /* loop time */
	int64_t round_trip_us;
	char *database; /* current_database() */
	int server_version_num;
	int max_connections;
	int reserved;	    /* superuser_reserved_connections + reserved_connections */
	int usable;	    /* max_connections - reserved */
	int connections;    /* client backends, all databases (without
			       pg_read_all_stats: pg_stat_database's count) */
	int db_connections; /* client backends of this database */
	bool can_read_all;  /* pg_read_all_stats or superuser: queries of others visible */
	struct mon_session *sessions;
	size_t n_sessions;
	struct mon_pool *pools; /* sorted by total, busiest first */
	size_t n_pools;
	struct mon_advisory *advisory;
	size_t n_advisory;
	struct mon_alert *alerts;
	size_t n_alerts;
};

enum mon_status {
	MON_WAITING, /* no data yet */
	MON_LIVE,    /* the last refresh succeeded */
	MON_STALE,   /* the last refresh failed; the snapshot is older */
};

/* History for sparklines: one sample per refresh, newest last. */
#define MON_HISTORY 600

struct mon_sample {
	int64_t at_ms;
	int connections, active, idle_in_tx, waiting;
};

struct monitor *monitor_new(struct loop *loop, struct database *db, struct msglog *log);
void monitor_free(struct monitor **m);

/* Refresh every interval_ms (and once now). */
void monitor_start(struct monitor *m, int64_t interval_ms);
void monitor_set_interval(struct monitor *m, int64_t interval_ms);

/* Stop refreshing (monitor_start() resumes); a refresh in flight completes. */
void monitor_stop(struct monitor *m);

/* Refresh now unless a refresh is in flight (then it is skipped). */
void monitor_refresh(struct monitor *m);

/* Called after every refresh, successful or not. */
void monitor_on_update(struct monitor *m, void (*cb)(struct monitor *m, void *arg), void *arg);

const struct mon_snapshot *monitor_snapshot(const struct monitor *m);
enum mon_status monitor_status(const struct monitor *m);
const char *monitor_status_name(enum mon_status s);

/* Why the last refresh failed ("" when it did not). */
const char *monitor_error(const struct monitor *m);

/* Milliseconds since the snapshot was taken (0 without one). */
int64_t monitor_age_ms(const struct monitor *m);

/* Sample i (0 = oldest) of the history, or NULL. */
const struct mon_sample *monitor_sample(const struct monitor *m, size_t i);
size_t monitor_n_samples(const struct monitor *m);

/* History of one application pool's total, newest last (n <= MON_HISTORY). */
size_t monitor_pool_history(const struct monitor *m, const char *appname, int *out, size_t max);

uint64_t monitor_refreshes(const struct monitor *m);
uint64_t monitor_skipped(const struct monitor *m);

/* The pgdbm migration lock key's module label for a bigint advisory key. */
const char *mon_advisory_label(const struct mon_advisory *a, char *buf, size_t size);

#endif
