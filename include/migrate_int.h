/*
 * migrate_int: what the files of the migrate module share and nothing
 * else may use. The module's files: migrate.c (the runs: one state machine
 * of one query per phase), migrate_plan.c (status and plans, pure),
 * migrate_ledger.c (the ledger and the events as SQL, their rows read,
 * the lock holder, a ledger read back), migrate_error.c (errors and the
 * line of a file they are about).
 *
 * Ownership: functions returning char * or an array return it malloc'd;
 * the caller frees it (rows and failures: the status that takes them).
 */
#ifndef PGDBM_MIGRATE_INT_H
#define PGDBM_MIGRATE_INT_H

#include <libpq-fe.h>
#include <stddef.h>

#include "migrate.h"
#include "xalloc.h"

struct conn_reply;

/*
 * A run's writes: each a ledger change with the event that records it, in
 * one statement, on ledger (mig_ledger_name()), with these parameters:
 *   apply:    $1 filename, $2 checksum, $3 module, $4 ms, $5 schema, $6 tool
 *   rollback: $1 ledger id, $2 module, $3 schema, $4 filename, $5 ms, $6 tool
 *   repair:   $1 ledger id, $2 new checksum, $3 module, $4 schema, $5 filename, $6 tool
 */
enum mig_write {
	MIG_WRITE_APPLY,
	MIG_WRITE_ROLLBACK,
	MIG_WRITE_REPAIR,
};
char *mig_sql_write(enum mig_write w, const char *ledger);

/* The begin event of a no-transaction file: $1 module, $2 schema, $3 filename, $4 tool. */
extern const char mig_sql_begin_event[];

/* A failure's event: $1 module, $2 schema, $3 filename, $4 ms, $5 error, $6 tool. */
extern const char mig_sql_fail_event[];

/* The last event of each file of module $1 in schema $2 (mig_failures_read() reads it). */
extern const char mig_sql_read_events[];

/* Who holds the migration lock whose key text is $1 (nobody: no row). */
extern const char mig_sql_holder[];

/* mig_sql_holder's answer as "pid 123 (app), connected 5s ago, idle: query", or NULL. */
char *mig_holder_text(const PGresult *res);

/* The console's last events per file that say it failed ("fail", "begin"): *n of them. */
struct mig_failure *mig_failures_read(const PGresult *res, size_t *n);

/* "schema"."table", each quoted with ident_quote. */
char *mig_ledger_name(const char *schema, const char *table);

/*
 * e (cleared first) from a failed reply about file (NULL: no file): a
 * server error taken apart, or "connection lost: ..." with connection set.
 */
void mig_error_from_reply(struct mig_error *e, const struct conn_reply *reply, const char *file);

/* The SQLSTATE of a reply's error ("" when none). */
const char *mig_reply_sqlstate(const struct conn_reply *reply);

/* s copied, or NULL. */
static inline char *
mig_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

#endif
