/*
 * profile: the YAML profile model and its loader.
 *
 * A profile names one or more databases (by label); each database has a
 * connection (libpq conninfo, URI or pg_service name), pool sizes, session
 * timeouts, service modules with their migration folders, an optional
 * tenant set, the application pools it expects, and an optional PgBouncer
 * admin connection. docs/profiles.md documents every key.
 *
 * The loader is driven by key tables (see profile_keys.c): each key names its
 * YAML node kind, its field, its range and its documentation. Unknown keys,
 * wrong types, duplicates, missing required keys, out-of-range values and
 * cross-field contradictions are reported as diagnostics that name the file,
 * line and column. A profile with any error is not returned at all: there
 * is never a partial profile.
 *
 * Ownership: profile_load() returns a profile the caller releases with
 * profile_free(); diagnostics are released with profile_diags_free().
 */
#ifndef PGDBM_PROFILE_H
#define PGDBM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define PROFILE_DEFAULT_APPNAME "pgdbm-console"

enum profile_on_failure {
	PROFILE_ON_FAILURE_STOP,
	PROFILE_ON_FAILURE_CONTINUE,
};

struct profile_pool {
	int min;
	int max;
	int64_t acquire_timeout_ms;
	int64_t max_lifetime_ms; /* 0: unlimited */
	int64_t max_idle_ms;	 /* 0: unlimited */
	int64_t health_check_ms; /* 0: never */
};

struct profile_module {
	char *name;	  /* pgdbm module_name in the ledger */
	char *schema;	  /* manager schema; defaults to name */
	char *migrations; /* folder, resolved against the profile's folder */
	char *table;	  /* ledger table name, default schema_migrations */
};

struct profile_tenants {
	bool present;
	char *prefix; /* schema = prefix + tenant id */
	char *migrations;
	char *table;
	int concurrency;
	int canaries;
	enum profile_on_failure on_failure;
	char *registry;	      /* optional [schema.]table */
	char *archive_prefix; /* archived schema = archive_prefix + tenant id */
};

struct profile_app {
	char *application_name;
	int pool_max;
};

struct profile_alerts {
	int64_t idle_in_transaction_ms;
	int64_t waiting_ms;
};

struct profile_database {
	char *label;
	char *conninfo; /* as written; NULL when absent */
	char *service;	/* pg_service.conf name; NULL when absent */
	char *application_name;
	bool read_only; /* effective: this database's flag or the profile's */
	bool has_password;
	struct profile_pool pool;
	int warn_at; /* permille of the usable max_connections */
	int64_t connect_timeout_ms;
	int64_t statement_timeout_ms;
	int64_t lock_timeout_ms;
	int64_t idle_in_transaction_timeout_ms;
	struct profile_alerts alerts;
	struct profile_module *modules;
	size_t n_modules;
	struct profile_tenants tenants;
	struct profile_app *apps;
	size_t n_apps;
	char *pgbouncer; /* admin conninfo; NULL when absent */
};

struct profile {
	char *path; /* the file it was loaded from */
	char *dir;  /* folder that relative paths are resolved against */
	char *name;
	int64_t refresh_ms;
	bool read_only;
	struct profile_database *databases;
	size_t n_databases;
};

enum profile_severity {
	PROFILE_ERROR,
	PROFILE_WARNING,
};

struct profile_diag {
	enum profile_severity severity;
	char *file;
	int line; /* 1-based; 0 when the diagnostic is about the whole file */
	int col;  /* 1-based */
	char *msg;
};

/* At most this many diagnostics are kept; errors past it are only counted. */
#define PROFILE_MAX_DIAGS 50

struct profile_diags {
	struct profile_diag *v;
	size_t n;	 /* kept: at most PROFILE_MAX_DIAGS */
	size_t n_errors; /* every error found, kept or not */
};

/* Load a profile file; NULL when it has any error (see diags). */
struct profile *profile_load(const char *path, struct profile_diags *diags);

/*
 * Load a profile from memory. `file` names it in diagnostics, `dir` is the
 * folder relative paths are resolved against.
 */
struct profile *profile_load_string(const char *text, size_t len, const char *file, const char *dir,
				    struct profile_diags *diags);

void profile_free(struct profile **p);

/* "file:line:col: error: message" (no newline). */
void profile_diag_format(const struct profile_diag *d, struct strbuf *out);
void profile_diags_free(struct profile_diags *diags);

/* The database with this label, or NULL. */
const struct profile_database *profile_database(const struct profile *p, const char *label);

/*
 * The conninfo to give libpq for a database: its conninfo, "service=NAME",
 * or "" (libpq's environment defaults). Borrowed from the profile or static.
 */
const char *profile_database_conninfo(const struct profile_database *db);

/*
 * Several profiles as one (`--profile` given more than once): a profile
 * holding every database of v[0..n), in order. A label that more than one
 * of them uses becomes "<profile>/<label>" in each, <profile> being the
 * profile's name, or its file name without .yaml when names are missing or
 * clash. The result refreshes at the first profile's interval and is
 * read-only when all of them are (each database keeps its own effective
 * read_only). Takes every profile (v[i] is set to NULL; one profile is
 * returned as it is); returns NULL with *error (malloc'd) when labels
 * still clash.
 */
struct profile *profile_merge(struct profile **v, size_t n, char **error);

/*
 * Every key the loader accepts, as a documentation path such as
 * "databases.<label>.pool.max" or "databases.<label>.modules[].name",
 * with its kind ("string", "integer", "duration", ...) and a one-line
 * description.
 */
void profile_keys_foreach(void (*cb)(void *arg, const char *path, const char *kind,
				     const char *doc),
			  void *arg);

/*
 * Find the profile file to use. `arg` is the --profile value or NULL.
 * A value naming an existing file is used as is; otherwise NAME or
 * NAME.yaml is looked up in the per-user configuration folder
 * ($XDG_CONFIG_HOME/pgdbm-console, else ~/.config/pgdbm-console) and then
 * in ./profiles, then among the installed examples ($(pkgdatadir)/profiles).
 * Without `arg`, $PGDBM_CONSOLE_PROFILE, then default.yaml in the first two
 * folders. Returns a malloc'd path, or NULL with the places tried in
 * *why (malloc'd).
 */
char *profile_find(const char *arg, char **why);

#endif
