/*
 * migrate: pgdbm-compatible migrations, with rollback, for one ledger.
 *
 * A target is one ledger: a service module (schema, module name, folder) or
 * one tenant schema (module name = schema). The console and pgdbm
 * applications share the ledger <schema>.<table> (pgdbm's exact DDL, written
 * unquoted), its rows (filename, checksum, module_name, execution_time_ms),
 * the checksum rule, the file order, the per-file transaction and the
 * session advisory lock hashtext('pgdbm_migration_' || module). See
 * research/pgdbm.md section 3 and docs/architecture.md.
 *
 * States of a migration, from the folder and the ledger:
 *   applied       in the ledger (module or NULL module) with the file's checksum
 *   pending       a file not in the ledger, after the last applied one
 *   out of order  a file not in the ledger that sorts before the last applied one
 *   modified      in the ledger with another checksum (drift)
 *   missing       in the ledger, file gone
 *   failed        not applied, and the console's last event for it is a failure
 *                 (or a no-transaction run that never finished)
 *   empty         not applied, and the file holds nothing but white space:
 *                 no apply runs until it has its SQL or is deleted (the one
 *                 message for it is mig_empty_message())
 *
 * Runs (apply, rollback, repair) are asynchronous jobs on the event loop:
 * acquire one connection from the pool, poll pg_try_advisory_lock under a
 * deadline (saying who holds the lock meanwhile), read the ledger only once
 * the lock is held, then work file by file, each file and its ledger change
 * in one transaction (or statement by statement for files marked
 * "-- pgdbm:no-transaction", ledger last). Every apply, rollback, repair and
 * failure is also appended to the console's events table
 * (pgdbm_console.events), in the transaction that changes the ledger; the
 * table is created the first time the console writes, never in a
 * read-only profile. Status and plan only read. Each file runs once: a
 * failure's line is found from that one run. A connection lost while a
 * COMMIT was in flight is settled by reading the ledger back.
 *
 * Files: migrate.c (the runs), migrate_plan.c (status and plans, pure),
 * migrate_ledger.c (the ledger and events as SQL, their rows, a ledger read
 * back), migrate_error.c (errors and the file line they are about); they
 * share include/migrate_int.h.
 *
 * Ownership: every migrate_* run returns a struct mig_run freed with
 * migrate_run_free() (after its done callback, or to abandon it: then it is
 * cancelled and its callbacks never run again).
 */
#ifndef PGDBM_MIGRATE_H
#define PGDBM_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migfile.h"

struct conn_reply;
struct manager;
struct pg_result; /* libpq's PGresult */
struct mig_run;
struct mig_verify;
struct strbuf;
struct json;

enum mig_state {
	MIG_APPLIED,
	MIG_PENDING,
	MIG_OUT_OF_ORDER,
	MIG_MODIFIED,
	MIG_MISSING,
	MIG_FAILED,
	MIG_EMPTY,
};
#define MIG_N_STATES (MIG_EMPTY + 1)

const char *mig_state_name(enum mig_state s);

/* What to do about an empty file (the hint status shows beside the state). */
#define MIG_EMPTY_HINT "write its SQL, or delete the file"

/* "PATH is empty: write its SQL, or delete the file" (malloc'd): plans, runs and views say this. */
char *mig_empty_message(const struct migfile *f);

/* One ledger row as read. */
struct mig_row {
	int64_t id;
	char *filename;
	char *checksum;
	bool null_module; /* written without a module: applied for every module */
	char *applied_at;
	char *applied_by;
	int exec_ms; /* -1 when NULL */
};

/* Free n rows (a malloc'd array, as mig_ledger_rows() returns). */
void mig_rows_free(struct mig_row *rows, size_t n);

/* The console's last event for a file of this target (failures only). */
struct mig_failure {
	char *filename;
	char *action; /* "fail" or "begin" (a no-transaction run never finished) */
	char *error;
	char *at;
};

struct mig_entry {
	char *filename;
	enum mig_state state;
	const struct migfile *file; /* NULL when missing */
	const struct mig_row *row;  /* NULL when not in the ledger */
	const struct mig_failure *failure;
	bool has_down;
	bool no_transaction;
};

struct mig_status {
	bool ledger_exists;
	struct mig_row *rows; /* in ledger order (id) */
	size_t n_rows;
	struct mig_failure *failures;
	size_t n_failures;
	struct mig_entry *entries; /* files in order, then missing rows by id */
	size_t n_entries;
	size_t count[MIG_N_STATES];
	char *lock_holder; /* "pid 123 (users_pool) ..." when someone holds the lock */
};

/*
 * Compute the states from a folder, ledger rows and failures (pure; the
 * status takes ownership of rows and failures, which must be malloc'd
 * arrays).
 */
void mig_status_compute(struct mig_status *st, const struct migfile_set *files,
			struct mig_row *rows, size_t n_rows, struct mig_failure *failures,
			size_t n_failures);
void mig_status_free(struct mig_status *st);

struct mig_opts {
	int64_t lock_wait_ms;	 /* how long to wait for the migration lock */
	const char *to;		 /* apply: up to and including; rollback: down to, keeping it */
	int steps;		 /* apply: at most (0 = all); rollback: how many (default 1) */
	bool allow_out_of_order; /* apply pending files that sort before applied ones */
	bool allow_drift;	 /* apply although applied files were modified */
	const char *repair_file; /* repair: the file whose new checksum is accepted */
	int server_version_num;	 /* for the transaction-block classifier; 0: ask the server */
	bool lean;		 /* fan-outs: assume the events table exists, skip the
				    failure history, and commit the last file together
				    with the unlock (fewer round trips per tenant) */
};

void mig_opts_defaults(struct mig_opts *o);

/*
 * What an apply or a rollback would do, computed from a status (pure):
 * the entries in the order they would run, and the reason it must not run
 * (NULL when it may). Apply refuses drift, out-of-order files (unless
 * allowed), files that do not render, empty files, and transactional files
 * holding a statement that cannot run in a transaction (naming file and
 * line). Rollback takes the module's most recently applied rows (ledger id
 * order), one by default, or every row applied after `to`; each needs a
 * down script. A refused plan has no steps: nothing runs until the reason
 * is dealt with.
 */
struct mig_plan {
	const struct mig_entry **steps;
	size_t n;
	char *refusal;
	char **warnings;
	size_t n_warnings;
};

void mig_plan_apply(struct mig_plan *plan, const struct mig_status *st, const struct mig_opts *opts,
		    const struct manager *mgr, int server_version_num);
void mig_plan_rollback(struct mig_plan *plan, const struct mig_status *st,
		       const struct mig_opts *opts);

/*
 * What a repair would do (pure): accept the file's new checksum. Its one
 * step is the entry of `file`, which must be modified (drifted); else the
 * plan is refused, saying what the file is.
 */
void mig_plan_repair(struct mig_plan *plan, const struct mig_status *st, const char *file);
void mig_plan_free(struct mig_plan *plan);

/*
 * pgdbm's ledger DDL for <schema>.<table> (CREATE TABLE + INDEX IF NOT
 * EXISTS), preceded by CREATE SCHEMA IF NOT EXISTS when create_schema.
 */
char *migrate_ledger_ddl(const char *schema, const char *table, bool create_schema);

/* The console's events table DDL (schema, table and index, IF NOT EXISTS). */
const char *migrate_events_ddl(void);

/*
 * The SELECT of the rows of ledger <schema>.<table> (both quoted with
 * ident_quote) in id order, in the columns mig_ledger_rows() reads: every
 * row, or with by_module only the rows of the module given as parameter $1
 * and those written without a module. malloc'd.
 */
char *mig_ledger_select(const char *schema, const char *table, bool by_module);

/* The rows of a mig_ledger_select() answer: a malloc'd array of *n (see mig_rows_free()). */
struct mig_row *mig_ledger_rows(const struct pg_result *res, size_t *n);

/* A server error as "file:line: message (SQLSTATE)\n  DETAIL: ...\n  HINT: ..." */
struct mig_error {
	char *file; /* path of the migration (or down) file, NULL when not about a file */
	int line;   /* 1-based line in that file, 0 when unknown */
	char *message;
	char *detail;
	char *hint;
	char *sqlstate;
	bool connection; /* the connection failed (lost, or none could be had), not the SQL */
};

void mig_error_format(const struct mig_error *e, struct strbuf *out);
void mig_error_clear(struct mig_error *e);

/*
 * The line of 1-based character `position` of the script `sent`, counted
 * from the character after its first prefix_chars characters (the line of
 * that character is 1). 0 when the position falls in the prefix or is not
 * a position. UTF-8: characters, not bytes, as the server counts them.
 */
int mig_position_line(const char *sent, long prefix_chars, long position);

/*
 * The line, after the first prefix_chars characters of the script `sent`,
 * of the error position the server gave for the reply's error; 0 when it
 * gave none (or one inside the prefix). A script that holds one rendered
 * migration file after a prefix of prefix_chars characters gives that
 * file's line (rendering keeps the file's lines).
 */
int mig_error_line(const struct conn_reply *reply, const char *sent, long prefix_chars);

/*
 * The line, in a migration file, of the error a script failed with. The
 * script `sent` is first `prefix_stmts` statements of its own ("BEGIN", a
 * "COMMIT" sent with it), `prefix_chars` characters in all, then
 * `rendered`, the file with its placeholders filled (same lines as the
 * file). With an error position: that position's line. Without one: the
 * statement after those that answered (a simple-protocol script answers
 * once per statement, in order), as the file splits into statements; the
 * file is never run again to find it. 0 when unknown.
 */
int migrate_error_line(const struct conn_reply *reply, const char *sent, size_t prefix_chars,
		       int prefix_stmts, const char *rendered);

/*
 * Reading a ledger back. After a connection broke while a COMMIT was in
 * flight, only the database knows whether it committed: read, over another
 * connection of mgr's pool, whether mgr's ledger holds `filename` for its
 * module (with `checksum`, unless NULL). While no connection can be had (a
 * server restarting) it tries again, with a growing delay, a few times.
 * cb gets held = 1 (the row is there), 0 (it is not) or -1 (unknown:
 * error says why). migrate_verify_free() withdraws it (cb never runs);
 * freeing it from cb is allowed.
 */
typedef void (*mig_verify_cb)(struct mig_verify *v, int held, const char *error, void *arg);

struct mig_verify *migrate_verify_start(const struct manager *mgr, const char *filename,
					const char *checksum, mig_verify_cb cb, void *arg);
void migrate_verify_free(struct mig_verify **v);

/* ------------------------------------------------------------------------
 * Runs
 * ------------------------------------------------------------------------ */

struct mig_target {
	const char *label;		 /* for messages: module or tenant schema */
	struct manager *mgr;		 /* pool, schema, module, ledger table */
	const struct migfile_set *files; /* the folder, scanned */
	bool read_only;
};

enum mig_kind {
	MIG_RUN_STATUS,
	MIG_RUN_APPLY,
	MIG_RUN_ROLLBACK,
	MIG_RUN_REPAIR,
};

/* Applied, rolled back or repaired by a run. */
struct mig_done {
	char *filename;
	int exec_ms;
	char *old_checksum; /* repair */
	char *new_checksum;
};

typedef void (*mig_progress_cb)(struct mig_run *r, const char *what, void *arg);
typedef void (*mig_done_cb)(struct mig_run *r, void *arg);

struct mig_run *migrate_start(enum mig_kind kind, const struct mig_target *t,
			      const struct mig_opts *opts, mig_progress_cb progress,
			      mig_done_cb done, void *arg);

/*
 * Stop after the file in progress (the lock is released, the run fails as
 * cancelled). A run still waiting for a connection or for the migration
 * lock ends at once, cancelled (its done callback runs before this returns).
 */
void migrate_cancel(struct mig_run *r);
void migrate_run_free(struct mig_run **r);

bool migrate_finished(const struct mig_run *r);
bool migrate_ok(const struct mig_run *r);
bool migrate_cancelled(const struct mig_run *r);

/* True as soon as a step has failed (before the run has cleaned up and finished). */
bool migrate_failing(const struct mig_run *r);

/* True once the first file of the plan has been sent (before: nothing was changed). */
bool migrate_started(const struct mig_run *r);

/* The failure (message NULL when the run succeeded). */
const struct mig_error *migrate_error(const struct mig_run *r);

/* What was applied / rolled back / repaired. */
const struct mig_done *migrate_done_list(const struct mig_run *r, size_t *n);

/* The ledger as read under the lock (apply, rollback) or without it (status). */
const struct mig_status *migrate_status(const struct mig_run *r);

const struct mig_target *migrate_target(const struct mig_run *r);

#endif
