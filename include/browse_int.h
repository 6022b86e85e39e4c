/*
 * browse_int: what the browse module's files share, and nothing else
 * includes (the public API is include/browse.h).
 *
 * The browse handle is two files, one idea each:
 *  - browse.c: the handle (made, freed, reloaded) and the catalog it reads
 *    with its own queries: the schema list, one schema's detail, exact
 *    sizes, and templates rendered for previews;
 *  - browse_queue.c: the migration queue, read through the engines: each
 *    module's status run, the tenant engine's list, and the timer that
 *    keeps both fresh.
 *
 * Vocabulary: a snapshot (struct modsnap, struct tensnap) is an engine
 * object with the folder it judged; "cur" is shown, "next" in flight,
 * "dead" finished but not shown and freed on the next load (never from
 * inside the engine's own callback).
 *
 * Ownership: the handle owns everything below; browse_queue_free() frees
 * the queue's half of it, browse_free() the rest.
 */
#ifndef PGDBM_BROWSE_INT_H
#define PGDBM_BROWSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "browse.h"

struct breq;
struct database;
struct loop_timer;
struct msglog;
struct pool;

/* A status run and the folder it judged, freed together. */
struct modsnap {
	struct migfile_set files;
	struct mig_run *run;
};

struct modstate {
	struct browse *b;
	struct browse_module pub;
	struct manager *mgr;
	struct modsnap *cur;  /* shown */
	struct modsnap *next; /* in flight */
	struct modsnap *dead; /* finished, not shown: freed later */
	bool loading;
	bool again;	       /* a load was asked while one ran */
	int64_t started_ms;    /* the last read started (loop time; 0: never) */
	int64_t took_ms;       /* and how long it took */
	bool starting;	       /* inside migrate_start */
	struct mig_run *ended; /* the run ended inside migrate_start */
	char *warned;	       /* the folder's warnings already logged, one a line */
};

/* A tenant list job and the tenant folder it judged. */
struct tensnap {
	struct migfile_set files;
	struct tenant_job *job;
};

struct browse {
	struct database *db;
	const struct profile_database *pdb;
	struct pool *pool;
	struct msglog *log;
	browse_update_cb cb;
	void *cb_arg;

	struct breq *reqs;

	struct browse_schemas schemas;
	bool schemas_again;

	struct modstate *mods;
	size_t n_mods;
	bool mods_asked;

	struct browse_tenants tenants;
	struct tensnap *tcur, *tnext, *tdead;
	char *twarned; /* the tenant folder's warnings already logged */
	bool tenants_asked, tenants_again;
	bool tstarting, tended; /* the list job ended inside tenant_job_start */
	struct loop_timer *tnotify;
	int64_t tstarted_ms, ttook_ms; /* the last list read: when it started, how long */

	int64_t fresh_ms; /* browse_keep_fresh's interval (0: off) */
	bool paused;
	struct loop_timer *fresh;
	/* live tenants of the shown list by schema name (sorted indexes) */
	size_t *tindex;
	size_t n_tindex;

	struct browse_detail detail;
	uint64_t detail_ticket; /* which opening of the detail a reply belongs to */
	uint64_t detail_gen;
	int detail_waiting; /* replies still expected for the detail */
	struct mig_row *detail_rows;
	size_t n_detail_rows;
};

/* Tell the handle's owner that something it shows changed (the update callback). */
void browse_notify(struct browse *b);

/* The queue's state of every module of the profile (browse_new). */
void browse_queue_init(struct browse *b);

/* Free the queue: module snapshots and managers, tenant snapshots, timers. */
void browse_queue_free(struct browse *b);

/* Read again what of the queue was asked for, and re-arm the fresh timer. */
void browse_queue_reload(struct browse *b);

#endif
