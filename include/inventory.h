/*
 * inventory: the slow-changing facts of one database for the fleet overview.
 *
 * How many tenants a database holds and how many service and tenant
 * migrations wait to be applied change when someone deploys, not every
 * second, and reading them costs more than a monitor refresh (every module
 * ledger, every tenant ledger). So an inventory reads them on a slow
 * cadence (INVENTORY_INTERVAL_MS, 30 s) and on demand, never on the
 * monitor's tick, and one round at a time per database:
 *
 *   IDLE ──tick / inventory_refresh──► module 1 … module N ──► tenants ──► IDLE
 *                                       (migrate status run)   (tenant LIST job)
 *
 * Each module is one read-only `migrate status` run over the database's
 * pool (its folder scanned from disk first); the tenants are one tenant
 * LIST job (catalog plus every tenant ledger, batched). Steps run one after
 * the other, so a round borrows at most one more connection of the pool
 * than the monitor already holds. A round that took long pushes the next
 * one back (at least 20 times its own duration), so that 100,000 tenants
 * never turn the overview into a load on the server. While the database's
 * pool is retrying (unreachable), a due round is not started: the facts
 * keep their last values, marked with the error.
 *
 * Vocabulary:
 *   service pending  - files of the profile's modules not yet applied:
 *                      pending, out of order or failed (migrate.h);
 *   drift            - applied files whose checksum changed, and ledger
 *                      rows whose file is gone (modified + missing);
 *   tenants          - tenant schemas that are not archived;
 *   tenant pending   - migrations waiting over all those tenants, and how
 *                      many tenants have at least one.
 *
 * Ownership: inventory_new() returns an inventory freed with
 * inventory_free() (which abandons a round in flight); the database must
 * outlive it. inventory_facts() points into the inventory, valid until the
 * next round completes.
 */
#ifndef PGDBM_INVENTORY_H
#define PGDBM_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>

struct database;
struct loop;
struct msglog;
struct inventory;

#define INVENTORY_INTERVAL_MS 30000
/* A round that took d ms is followed by the next one no sooner than this times d. */
#define INVENTORY_BACKOFF_FACTOR 20

struct inventory_facts {
	bool has_modules; /* the profile lists modules for this database */
	bool has_tenants; /* the profile has a tenants section for it */
	bool known;	  /* at least one round finished */
	/* services: -1 while unknown */
	int service_pending;
	int service_drift;
	int modules_failed; /* modules whose status could not be read */
	/* tenants: -1 while unknown */
	int tenants;
	int tenants_archived;
	int tenants_pending; /* tenants with at least one migration waiting */
	int tenant_pending;  /* migrations waiting, over every tenant */
	int tenant_drift;
	int64_t taken_ms; /* loop time the last round finished (0: none) */
	int64_t took_ms;  /* how long it took */
	char *error;	  /* the first problem of the last round ("" when none) */
};

struct inventory *inventory_new(struct loop *loop, struct database *db, struct msglog *log);
void inventory_free(struct inventory **inv);

/*
 * Read every interval_ms (0: the last one given, INVENTORY_INTERVAL_MS at
 * first): the first time at once, after a stop when the next round is due.
 * Nothing to read (no modules, no tenants): no-op.
 */
void inventory_start(struct inventory *inv, int64_t interval_ms);
/* Stop the cadence; a round in flight completes. */
void inventory_stop(struct inventory *inv);

/* Start a round now unless one is in flight. */
void inventory_refresh(struct inventory *inv);

/* A round is in flight. */
bool inventory_busy(const struct inventory *inv);

/* Called after every round, successful or not. */
void inventory_on_update(struct inventory *inv, void (*cb)(struct inventory *inv, void *arg),
			 void *arg);

const struct inventory_facts *inventory_facts(const struct inventory *inv);

/* Milliseconds until the next round is due (-1: none scheduled). */
int64_t inventory_next_in_ms(const struct inventory *inv);

uint64_t inventory_rounds(const struct inventory *inv);

#endif
