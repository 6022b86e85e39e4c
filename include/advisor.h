/*
 * advisor: read a live database and say which of pgdbm's patterns it runs
 * and what in it goes against pgdbm's architecture guide, with evidence.
 *
 * Two halves, one header:
 *
 *  - gathering (struct advisor): an asynchronous run over one database's
 *    pool, on the event loop, that never blocks. It reads the catalog and
 *    the server's limits in one round trip, the pgdbm ledgers it found in
 *    a few more (one per chunk of ledgers: the statements are built from
 *    the catalog, a UNION ALL over the ledgers), then samples
 *    pg_stat_activity and pg_stat_database's session counter every
 *    `sample_ms` for an observation window (one round trip per sample),
 *    and finally judges what it gathered;
 *
 *  - evidence and judging (struct adv_evidence, adv_judge()): pure data
 *    and pure functions, no libpq, no loop, so that every rule is unit
 *    tested over hand-made evidence. The run feeds the evidence through
 *    the same adv_evidence_add_*() calls the tests use.
 *
 * A finding is data: a stable id (its rule), a severity, a subject (the
 * application_name or schema it is about, or NULL for the database), a
 * title, the guide's words it rests on (quoted) with where they come
 * from, and evidence lines with the numbers, names and pids seen.
 * docs/advisor.md describes every rule. The detected pattern is one of the
 * wizard's (enum wizard_pattern) with its evidence.
 *
 * Ownership: advisor_new() returns a run freed with advisor_free(), which
 * stops it (a query in flight answers nobody). The report belongs to the
 * run and stays valid until the run is started again or freed. Evidence
 * and reports built by hand are released with adv_evidence_free() and
 * adv_report_free(). The profile and database must outlive the run.
 */
#ifndef PGDBM_ADVISOR_H
#define PGDBM_ADVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

struct loop;
struct msglog;
struct database;
struct advisor;

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

struct adv_opts {
	int64_t window_ms;	  /* observation window (default 3 s) */
	int64_t sample_ms;	  /* pg_stat_activity sampling interval (default 50 ms) */
	int64_t short_lived_ms;	  /* a backend that lived less is "short-lived" (1 s) */
	double churn_per_s;	  /* short-lived sessions per second that are churn (5) */
	int64_t idle_in_tx_ms;	  /* 0: the profile's alerts.idle_in_transaction */
	int64_t statement_ms;	  /* statement_timeout of the advisor's queries (10 s) */
	size_t ledgers_per_query; /* ledgers read by one statement (500) */
};

void adv_opts_defaults(struct adv_opts *o);

/* ------------------------------------------------------------------------
 * Evidence: what a run gathered (pure data)
 * ------------------------------------------------------------------------ */

/* One backend of the database, followed across samples. */
struct adv_backend {
	int pid;
	char *appname;	  /* "" when none */
	char *host;	  /* client address, "local" for a Unix socket, "" unknown */
	int64_t start_us; /* backend_start, server clock (µs since the epoch); 0 unknown */
	int64_t first_seen_us, last_seen_us;
	int64_t gone_us; /* first sample without it (0: there at the end) */
	bool own;	 /* the console's own connection (never judged) */
	/* the longest idle in transaction seen, and that sighting's details */
	int64_t idle_tx_ms;
	int64_t idle_tx_xact_ms; /* age of its transaction then */
	bool idle_tx_aborted;
	int last_sample; /* index of the last sample that saw it */
};

/* An application_name's connections from one client host. */
struct adv_host {
	char *host;
	int peak;      /* most connections in one sample */
	int peak_busy; /* most busy (active, idle in transaction, fastpath) in one sample */
};

/* One application_name of the database (the console's own excluded). */
struct adv_app {
	char *appname;
	int declared_max; /* pool_max from the profile's apps (0: not declared) */
	int peak, peak_busy;
	int saturated; /* samples where one host had declared_max busy connections */
	struct adv_host *hosts;
	size_t n_hosts;
};

enum adv_schema_kind {
	ADV_SCHEMA_MODULE,   /* a module of the profile (schema and ledger table) */
	ADV_SCHEMA_TENANT,   /* tenants prefix (the profile's, else pgdbm's tenant_) */
	ADV_SCHEMA_ARCHIVED, /* tenants archive_prefix */
	ADV_SCHEMA_OTHER,
};

/* A table with pgdbm's ledger columns (filename, checksum, module_name). */
struct adv_ledger {
	char *schema;
	char *table;
	enum adv_schema_kind kind;
	bool readable; /* USAGE on the schema and SELECT on the table */
	bool read;     /* its summary was read */
	long rows;
	char *modules;	    /* distinct module_name values, comma-separated */
	char *last_applied; /* max(applied_at), "" when empty */
};

/* Tenant schemas that list exactly the same migration files. */
#define ADV_EXAMPLES 10
struct adv_fileset {
	char **files;
	size_t n_files;
	long tenants;
	char *examples[ADV_EXAMPLES]; /* some of them, sorted */
	size_t n_examples;
	bool no_ledger; /* these tenant schemas have no ledger table at all */
};

/* One pg_stat_activity row of a sample (for adv_evidence_add_sample). */
struct adv_row {
	int pid;
	const char *appname;
	const char *host;
	int64_t start_us;
	const char *state; /* "" when hidden */
	int64_t state_change_us;
	int64_t xact_start_us; /* 0: no transaction */
	bool own;
};

struct adv_sample {
	int64_t now_us;	     /* server clock */
	int64_t sessions;    /* pg_stat_database.sessions (PostgreSQL 14+), -1 unknown */
	int server_backends; /* client backends of every database */
	const struct adv_row *rows;
	size_t n_rows;
};

struct adv_evidence {
	/* context */
	const struct profile_database *pdb; /* borrowed */
	char **profile_databases;	    /* labels of every database of the profile */
	size_t n_profile_databases;
	/* server */
	char *database; /* current_database() */
	int server_version;
	int max_connections, reserved;
	bool can_read_all; /* pg_read_all_stats: other roles' sessions are visible */
	/* catalog and ledgers */
	struct adv_ledger *ledgers;
	size_t n_ledgers;
	long tenant_schemas; /* schemas with the tenants prefix */
	struct adv_fileset *filesets;
	size_t n_filesets;
	bool tenants_compared; /* every readable tenant ledger was read */
	/* sampling */
	int samples;
	int64_t first_us, last_us;
	int64_t sessions_first, sessions_last; /* -1 unknown */
	int server_peak;		       /* client backends, every database */
	struct adv_backend *backends;
	size_t n_backends;
	struct adv_app *apps;
	size_t n_apps;
	/* what limited the analysis, for people */
	char **notes;
	size_t n_notes;
	/* private: backends' capacity, pid lookup, the last sample's backends */
	size_t cap_backends;
	int *slots;
	size_t n_slots;
	int *alive;
	size_t n_alive;
};

/*
 * Start empty evidence for a database of a profile (pdb and the labels are
 * used by the judge: modules, tenants, apps, pool, alerts).
 */
void adv_evidence_init(struct adv_evidence *ev, const struct profile *p,
		       const struct profile_database *pdb);
void adv_evidence_free(struct adv_evidence *ev);

/* How a schema counts for this profile database. */
enum adv_schema_kind adv_schema_kind(const struct profile_database *pdb, const char *schema,
				     const char *table);

/* The tenants prefix in effect: the profile's, else pgdbm's "tenant_". */
const char *adv_tenant_prefix(const struct profile_database *pdb);

/* A ledger found in the catalog (kind from adv_schema_kind); returns it. */
struct adv_ledger *adv_evidence_add_ledger(struct adv_evidence *ev, const char *schema,
					   const char *table, bool readable);
/* Its summary: rows, distinct modules, last applied_at. */
void adv_ledger_set_summary(struct adv_ledger *l, long rows, const char *modules,
			    const char *last_applied);

/*
 * Tenants with these files (a newline-separated, sorted list; "" for none).
 * Sets with the same files are merged; examples keep the smallest names.
 */
void adv_evidence_add_fileset(struct adv_evidence *ev, const char *files, long tenants,
			      const char *const *examples, size_t n_examples, bool no_ledger);

/* One sample of pg_stat_activity (rows of this database only). */
void adv_evidence_add_sample(struct adv_evidence *ev, const struct adv_sample *s);

void adv_evidence_note(struct adv_evidence *ev, const char *fmt, ...) ATTR_FORMAT(2, 3);

/* ------------------------------------------------------------------------
 * Judging: findings and the detected pattern
 * ------------------------------------------------------------------------ */

enum adv_severity {
	ADV_INFO,
	ADV_WARNING,
	ADV_PROBLEM,
};

const char *adv_severity_name(enum adv_severity s);

struct adv_finding {
	const char *id; /* the rule: "pool-per-request" (static) */
	enum adv_severity severity;
	char *subject; /* application_name or schema, NULL for the database */
	char *title;
	char *rule;   /* the guide's words */
	char *source; /* where they come from */
	char **evidence;
	size_t n_evidence;
};

/* One rule of the advisor, for help and documentation. */
struct adv_rule_info {
	const char *id;
	const char *what; /* one line */
};

/* Every rule, in judging order; *n gets the count. */
const struct adv_rule_info *adv_rules(size_t *n);

/* An application pool as the report shows it. */
struct adv_app_summary {
	char *appname;
	int declared_max;
	int peak, peak_busy;
	int saturated;	    /* samples at its declared max */
	size_t hosts;	    /* client hosts */
	int new_backends;   /* born during the window */
	int short_lived;    /* of them, seen ending within short_lived_ms */
	double churn_per_s; /* estimated short-lived sessions per second */
	int idle_in_tx;	    /* sessions seen idle in transaction past the threshold */
};

struct adv_pattern {
	int pattern;	  /* enum wizard_pattern, -1 when nothing is recognisable */
	const char *id;	  /* wizard_pattern_id(), or "unknown" */
	const char *name; /* wizard_pattern_name(), or "not recognisable" */
	int local;	  /* with several databases: this database's own layout, else -1 */
	const char *local_name;
	bool several_pools; /* more than one pgdbm pool connects to this database */
	char **evidence;
	size_t n_evidence;
};

struct adv_report {
	char *label;	/* profile database label */
	char *database; /* current_database() */
	int server_version;
	int64_t window_ms; /* observed, server clock */
	int samples;
	int max_connections, usable;
	int server_peak;
	struct adv_pattern pattern;
	struct adv_finding *findings; /* worst first, then by rule order */
	size_t n_findings;
	struct adv_app_summary *apps; /* busiest first */
	size_t n_apps;
	char **notes;
	size_t n_notes;
	enum adv_severity worst; /* ADV_INFO when there is no finding */
	bool clean;		 /* no finding of severity warning or problem */
};

/* Judge the evidence. */
void adv_judge(const struct adv_evidence *ev, const struct adv_opts *opts, struct adv_report *out);
void adv_report_free(struct adv_report *r);

/* ------------------------------------------------------------------------
 * The run
 * ------------------------------------------------------------------------ */

enum advisor_state {
	ADVISOR_IDLE,	 /* not started */
	ADVISOR_RUNNING, /* gathering evidence */
	ADVISOR_DONE,	 /* the report is ready */
	ADVISOR_FAILED,	 /* could not gather (see advisor_error) */
};

/*
 * A run over one database of profile p (NULL opts: the defaults). p is used
 * for the Multiple Databases pattern (its other databases' labels).
 */
struct advisor *advisor_new(struct loop *loop, struct database *db, const struct profile *p,
			    const struct adv_opts *opts, struct msglog *log);
void advisor_free(struct advisor **a);

/* Start (or start over: the previous report is dropped). */
void advisor_start(struct advisor *a);

/* Called on every phase change and at the end (DONE or FAILED). */
void advisor_on_update(struct advisor *a, void (*cb)(struct advisor *a, void *arg), void *arg);

enum advisor_state advisor_state(const struct advisor *a);
const char *advisor_state_name(enum advisor_state s);
bool advisor_finished(const struct advisor *a); /* DONE or FAILED */

/* What it is doing, for people ("sampling sessions (1.2s of 3s)"). */
const char *advisor_phase(const struct advisor *a);
/* Progress in permille (the window dominates). */
int advisor_progress(const struct advisor *a);

/* The report once DONE, else NULL. */
const struct adv_report *advisor_report(const struct advisor *a);
/* Why it FAILED ("" otherwise). */
const char *advisor_error(const struct advisor *a);

struct database *advisor_database(const struct advisor *a);

/*
 * The observed window as people say it: tenths of a second under a minute
 * ("2.9s": the first to the last sample of a 3 s window), else as
 * units_format_duration does.
 */
const char *advisor_window_text(int64_t window_ms, char *buf, size_t size);

#endif
