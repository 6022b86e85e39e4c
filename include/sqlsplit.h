/*
 * sqlsplit: a migration file seen as SQL statements.
 *
 * Three services for the migration engine:
 *  - the "-- pgdbm:no-transaction" marker, detected exactly as pgdbm does
 *    (research/pgdbm.md section 3.6);
 *  - a statement splitter that knows PostgreSQL's quoting and comment rules,
 *    used to run a no-transaction file one statement at a time and to look
 *    at each statement of an ordinary file;
 *  - a classifier that says why a statement cannot run inside the
 *    transaction pgdbm wraps around a migration (PostgreSQL refuses it in a
 *    transaction block, or it would end pgdbm's transaction early).
 *
 * Statements carry line numbers of the text they were split from; rendering
 * placeholders never adds or removes lines, so the lines hold for the file.
 *
 * Ownership: a struct sqlsplit_list owns its statements' text and is
 * released with sqlsplit_list_free(); a struct sqlsplit_problem owns its
 * text and is released with sqlsplit_problem_free(). Reasons are static.
 */
#ifndef PGDBM_SQLSPLIT_H
#define PGDBM_SQLSPLIT_H

#include <stdbool.h>
#include <stddef.h>

#define SQLSPLIT_NO_TX_MARKER "-- pgdbm:no-transaction"

struct sqlsplit_stmt {
	char *text;   /* white space stripped; its ';' kept when it had one */
	int line;     /* 1-based line where text starts (maybe a leading comment) */
	int sql_line; /* 1-based line of its first token after leading comments */
};

struct sqlsplit_list {
	struct sqlsplit_stmt *v;
	size_t n;
};

/* A statement that cannot run inside pgdbm's transaction. */
struct sqlsplit_problem {
	size_t index;	    /* 0-based statement number in the file */
	int line;	    /* the statement's sql_line */
	char *text;	    /* the statement */
	const char *reason; /* English, static */
};

/*
 * True when some line of text begins exactly with SQLSPLIT_NO_TX_MARKER
 * followed by white space (Python's definition) or the end of the text.
 * Case-sensitive and not SQL-aware, as in pgdbm.
 */
bool sqlsplit_has_no_tx_marker(const char *text);

/*
 * Split sql into statements at semicolons outside quotes, comments,
 * dollar-quoted bodies, parentheses and BEGIN ATOMIC ... END bodies.
 * Comments before a statement belong to it; statements with nothing but
 * comments and white space are dropped; a last statement without ';' is
 * kept. *out is overwritten (it need not be initialised).
 */
void sqlsplit_split(const char *sql, struct sqlsplit_list *out);
void sqlsplit_list_free(struct sqlsplit_list *list);

/*
 * NULL when the one statement stmt can run inside pgdbm's migration
 * transaction on a server of server_version_num (e.g. 150004; pass 0 when
 * unknown: version-dependent rules then assume an old server), else why not.
 */
const char *sqlsplit_tx_problem(const char *stmt, int server_version_num);

/*
 * Split sql and find its first statement that sqlsplit_tx_problem() flags.
 * Returns true and fills *p when there is one; false leaves *p zeroed.
 */
bool sqlsplit_scan_tx(const char *sql, int server_version_num, struct sqlsplit_problem *p);
void sqlsplit_problem_free(struct sqlsplit_problem *p);

#endif
