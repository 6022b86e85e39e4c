/*
 * poolsnap: one snapshot of every pool of a set of databases.
 *
 * For each database it takes one refresh of the server side (a monitor on
 * the database's pool: connections against max_connections, application
 * pools, alerts) and, when the profile names a `pgbouncer` admin conninfo
 * for it, one refresh of that PgBouncer (a bouncer: its pools, stats and
 * saturation alarms). All refreshes run at once on the event loop; the
 * snapshot is finished when every one has answered or failed. This is what
 * `pgdbm-console pools` prints; the console's pools view keeps the same
 * monitors and bouncers running instead.
 *
 * Ownership: poolsnap_new() returns a snapshot freed with poolsnap_free(),
 * which frees the monitors and bouncers it made (not the databases). The
 * entries, and the snapshots they point at, stay valid until then.
 */
#ifndef PGDBM_POOLSNAP_H
#define PGDBM_POOLSNAP_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct msglog;
struct database;
struct monitor;
struct bouncer;
struct poolsnap;

struct poolsnap_entry {
	struct database *db;
	struct monitor *mon;	 /* server side */
	struct bouncer *bouncer; /* NULL when the profile names no pgbouncer */
	bool mon_done, bouncer_done;
};

/*
 * Start one refresh of every database in dbs (n of them). fail_fast: a
 * PgBouncer that cannot be reached fails at once (one-shot commands).
 */
struct poolsnap *poolsnap_new(struct loop *loop, struct database *const *dbs, size_t n,
			      struct msglog *log, bool fail_fast);
void poolsnap_free(struct poolsnap **ps);

/* Every refresh has answered or failed. */
bool poolsnap_finished(const struct poolsnap *ps);

size_t poolsnap_count(const struct poolsnap *ps);
const struct poolsnap_entry *poolsnap_entry(const struct poolsnap *ps, size_t i);

/*
 * Whether an entry found a problem: its server or its PgBouncer could not be
 * read, or a server alert or a PgBouncer alarm is on.
 */
bool poolsnap_entry_problem(const struct poolsnap_entry *e);
bool poolsnap_problem(const struct poolsnap *ps);

#endif
