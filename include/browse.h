/*
 * browse: the catalog of one database as the console browses it.
 *
 * A browse handle holds, for one profile database, what the Schemas,
 * Tenants and Migrations views show, each loaded asynchronously through the
 * database's pool on request and kept until the next load replaces it:
 *
 *   schemas   every non-system schema with its kind (decided against the
 *             profile: a service module's schema, a live or archived tenant,
 *             or other), its size estimated from pg_class.relpages, its table
 *             count and whether it holds a ledger: one catalog query;
 *   modules   per service module of the profile: its folder (scanned) and
 *             the migrate engine's status run (ledger, failures, lock
 *             holder), the same run `migrate status` uses;
 *   tenants   the tenant list of the tenant engine (catalog, then every
 *             ledger read with COPY), with per-file counts over the tenants;
 *   detail    one schema opened: its tables with reltuples estimates and
 *             sizes from pg_class, and its ledger as history, judged against
 *             the folder of the module that owns it;
 *   exact     exact sizes (pg_total_relation_size) on demand only, in a
 *             read-only transaction with a short lock_timeout: a relation
 *             locked by a running migration makes the request fail fast as
 *             "locked" instead of waiting behind the lock (estimates never
 *             take relation locks).
 *
 * Vocabulary: a load is NONE (never asked), LOADING, READY or FAILED; a
 * READY load stays readable while the next one runs. Every load and every
 * exact size bumps `gen` when its answer arrives, and the update callback
 * runs, so that views rebuild only when their data changed; a module
 * status or the tenant list also bumps it when it starts LOADING (from
 * NONE or FAILED), so that `gen` alone tells a view that anything it shows
 * moved (gens only grow: a sum of them never comes back to a value seen).
 *
 * The migration queue (module statuses and the tenant list) can be kept
 * fresh: browse_keep_fresh() rereads what was asked on a cadence. A reload
 * that fails (a folder removed or unreadable, the database gone) keeps the
 * last good answer but marks it `stale`, keeps the error beside it and
 * says so in the message log (once per distinct error); `read_ms` says
 * when the answer shown was read, so that a view can show its age.
 *
 * Nothing here writes: views and the session call these functions, never
 * libpq. Jobs (apply, provision, fan-out) live in jobs.h.
 *
 * Ownership: browse_new() returns a handle freed with browse_free(), which
 * drops the answers still in flight; the database and its profile must
 * outlive it. Pointers returned by accessors stay valid until the next
 * update callback of this handle.
 */
#ifndef PGDBM_BROWSE_H
#define PGDBM_BROWSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migfile.h"
#include "migrate.h"
#include "profile.h"
#include "tenant.h"

struct browse;
struct database;
struct manager;
struct msglog;

enum browse_kind {
	BROWSE_MODULE,	 /* the schema of a service module of the profile */
	BROWSE_TENANT,	 /* <prefix>ID with a valid tenant id */
	BROWSE_ARCHIVED, /* <archive_prefix>ID */
	BROWSE_OTHER,
};

const char *browse_kind_name(enum browse_kind k);

/*
 * The kind of schema `name` in profile database pdb (pure). *module gets
 * the index of the owning module (or -1); *tenant_id points into name at
 * the tenant id (or NULL).
 */
enum browse_kind browse_classify(const struct profile_database *pdb, const char *name, int *module,
				 const char **tenant_id);

enum browse_load {
	BROWSE_NONE,
	BROWSE_LOADING,
	BROWSE_READY,
	BROWSE_FAILED,
};

/* An exact size: not asked, being measured, measured, or refused. */
enum browse_exact {
	BROWSE_EXACT_NONE,
	BROWSE_EXACT_RUNNING,
	BROWSE_EXACT_DONE,
	BROWSE_EXACT_LOCKED, /* lock_timeout: a migration (or another session) holds a lock */
	BROWSE_EXACT_FAILED,
};

struct browse_schema {
	char *name;
	uint32_t oid;
	enum browse_kind kind;
	int module;	       /* owning module index, -1 */
	const char *tenant_id; /* into name, NULL unless a tenant */
	int tables;
	int64_t size_bytes; /* estimate: relpages x block size */
	bool has_ledger;
	enum browse_exact exact;
	int64_t exact_bytes; /* when DONE */
};

struct browse_schemas {
	enum browse_load state;
	char *error;		 /* when FAILED (the last READY list is kept) */
	struct browse_schema *v; /* sorted by name */
	size_t n;
	uint64_t gen;
};

struct browse_module {
	const struct profile_module *pm;
	enum browse_load state;
	char *error;	 /* folder, names or the status run */
	bool stale;	 /* the status shown is an earlier read's: the last failed */
	int64_t read_ms; /* loop time the status shown was read (0: never) */
	const struct migfile_set *files; /* as scanned for the status shown (NULL before) */
	const struct mig_status *status; /* NULL until read */
	const struct manager *mgr;	 /* for previews (NULL when the names are invalid) */
	uint64_t gen;
};

struct browse_tenants {
	enum browse_load state;
	char *error;
	bool stale;			 /* the list shown is an earlier read's: the last failed */
	int64_t read_ms;		 /* loop time the list shown was complete (0: never) */
	const struct tenant_list *list;	 /* NULL until read */
	const struct migfile_set *files; /* the tenant folder, scanned for that list */
	/*
	 * The first list shows as soon as the catalog is read; while its
	 * ledgers are being read (`reading`), tenants not read yet have
	 * ledger_read false, and the update callback runs at most every
	 * 200 ms. A reload keeps the last list until the new one is complete.
	 */
	bool reading;
	size_t ledgers_read, ledgers_total;
	uint64_t gen;
};

struct browse_table {
	char *name;
	char kind;	     /* pg_class.relkind: r, p, m, f, v */
	int64_t rows;	     /* reltuples estimate, -1 when never analyzed */
	int64_t size_bytes;  /* estimate: table, toast and indexes */
	int64_t exact_bytes; /* -1 until measured */
};

struct browse_detail {
	enum browse_load state;
	char *error;
	char *schema;
	uint32_t oid;
	enum browse_kind kind;
	int module; /* -1 */
	struct browse_table *tables;
	size_t n_tables;
	bool has_ledger;
	/* the ledger judged against the owner's folder (no folder: every row "missing") */
	struct mig_status status;
	bool has_owner; /* a module or tenant folder was used for the states */
	enum browse_exact exact;
	char *exact_error;
	int64_t exact_total;
	uint64_t gen;
};

/* How long an exact size may wait for a relation lock. */
#define BROWSE_EXACT_LOCK_TIMEOUT_MS 200

typedef void (*browse_update_cb)(struct browse *b, void *arg);

struct browse *browse_new(struct database *db, struct msglog *log);
void browse_free(struct browse **b);

/* Called after every answer (and on a load's start). */
void browse_on_update(struct browse *b, browse_update_cb cb, void *arg);

/* Start loads (a load already running is not started twice). */
void browse_load_schemas(struct browse *b);
void browse_load_modules(struct browse *b);
void browse_load_tenants(struct browse *b);

/* Reload what was loaded before (after a job, or on the user's refresh). */
void browse_reload(struct browse *b);

/* A slow reload pushes the next one back to this many times its duration. */
#define BROWSE_FRESH_BACKOFF 20

/*
 * Keep the migration queue fresh: from now on the module statuses and the
 * tenant list, once asked for, are read again every interval_ms after
 * their last read started (pushed back to BROWSE_FRESH_BACKOFF times that
 * read's duration), never two at once, and not while the pool is retrying
 * (the database is unreachable). 0 stops. The schemas and the detail are
 * not concerned.
 */
void browse_keep_fresh(struct browse *b, int64_t interval_ms);

/* Pausing stops the cadence; resuming starts what is due at once. */
void browse_set_paused(struct browse *b, bool paused);

const struct browse_schemas *browse_schemas(const struct browse *b);
size_t browse_n_modules(const struct browse *b);
const struct browse_module *browse_module(const struct browse *b, size_t i);
const struct browse_tenants *browse_tenants(const struct browse *b);

/* The live tenant of the last list with this schema name, or NULL. */
const struct tenant_info *browse_tenant_by_schema(const struct browse *b, const char *schema);

/* Open schema `name` (tables and ledger); the answer replaces the detail. */
void browse_open(struct browse *b, const char *name);
void browse_close(struct browse *b);
const struct browse_detail *browse_detail(const struct browse *b);

/*
 * Measure exact sizes under lock_timeout: of schema `name` in the list
 * (and of the detail's tables when the detail shows it). Returns false
 * with *why when it is not started (unknown schema, already measuring).
 */
bool browse_measure(struct browse *b, const char *name, const char **why);

/*
 * The file's script rendered for the module's schema (or for an example
 * tenant schema when m is NULL: the tenant set). Returns NULL and sets
 * *out, or an error (malloc'd).
 */
char *browse_render(const struct browse *b, const struct browse_module *m,
		    const struct migfile_script *script, char **out);

/* The schema an example tenant renders for ("tenant_example"), malloc'd. */
char *browse_example_tenant_schema(const struct browse *b);

#endif
