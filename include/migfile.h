/*
 * migfile: a module's migration folder, read the way pgdbm reads it.
 *
 * A migration is a file NAME.sql directly in the folder; NAME.sql is also
 * its key in the ledger (the filename column). Its "up" script is the file
 * itself; its optional "down" script is <folder>/down/NAME.sql, a
 * pgdbm-console convention (pgdbm has no down migrations). Discovery,
 * ordering, decoding and checksums follow research/pgdbm.md section 3.3;
 * new files are named the way pgdbm's CLI names them (NNN_name.sql).
 *
 * Ownership: migfile_scan() fills a struct migfile_set that owns every
 * string in it and is released with migfile_set_free(). Functions that
 * return char * return malloc'd strings the caller frees; an error message
 * is always malloc'd. Reasons returned as const char * are static.
 */
#ifndef PGDBM_MIGFILE_H
#define PGDBM_MIGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "checksum.h"

/* Longest file name we create: the ledger's filename is VARCHAR(255). */
#define MIGFILE_NAME_MAX 255

/* One script file, decoded. */
struct migfile_script {
	char *path; /* folder/NAME.sql or folder/down/NAME.sql */
	char *text; /* UTF-8, universal newlines applied, no NUL inside */
	size_t len;
	char checksum[CHECKSUM_HEX_SIZE]; /* pgdbm's checksum of the file */
};

struct migfile {
	char *name; /* NAME.sql, no folder */
	struct migfile_script up;
	bool empty;	     /* up holds nothing but white space */
	bool no_transaction; /* up carries the -- pgdbm:no-transaction marker */
	bool has_down;
	struct migfile_script down; /* all zero unless has_down */
};

struct migfile_set {
	char *folder;
	struct migfile *v; /* in apply order: byte-wise order of names */
	size_t n;
	/* a strvec: "PATH: skipped: why", one per *.sql entry that is not a
	 * migration (a dot-file, a folder, a symlink to a folder, a broken
	 * symlink) and per name ending in .SQL in another case */
	char **warnings;
	size_t n_warnings;
};

/*
 * Read the migrations of folder into *set (overwritten). Returns NULL, or
 * an error message naming the folder or file (missing folder, unreadable
 * file, file resolving outside the folder, invalid UTF-8 with its byte
 * offset, NUL byte); *set is then empty. Entries skipped as pgdbm skips
 * them are listed in set->warnings.
 */
char *migfile_scan(const char *folder, struct migfile_set *set);
void migfile_set_free(struct migfile_set *set);

struct msglog;

/* Add each of set's warnings to log as a warning from source. */
void migfile_log_warnings(const struct migfile_set *set, struct msglog *log, const char *source);

/* The migration called name, or NULL. */
const struct migfile *migfile_find(const struct migfile_set *set, const char *name);

/*
 * pgdbm's display version of a file name: the digits before the first '_'
 * ("001_x.sql" -> "001"), else the digits of a Flyway "V<n>__" prefix,
 * else the name up to its first '.'.
 */
char *migfile_version(const char *name);

/* NULL when name may name a new migration ([a-z0-9_]+), else why not. */
const char *migfile_name_problem(const char *name);

/*
 * The file name "migrate new NAME" creates in folder: NNN_NAME.sql, with NNN
 * one more than the largest leading number of the folder's *.sql names,
 * zero-padded to three digits. Returns NULL and sets *file, or an error.
 */
char *migfile_next_name(const char *folder, const char *name, char **file);

/*
 * Create the next migration NAME in folder: the up file with a comment
 * header (file name, creation time now in ISO 8601, pgdbm's title-cased
 * description, a reminder to write {{tables.name}}), and an empty down/
 * file (down/ is created when missing). Never overwrites: an existing
 * target is an error, and no new file is left behind on error (a down/
 * folder created on the way stays). Returns NULL and sets *up_path (and
 * *down_path when not NULL), or an error.
 */
char *migfile_create(const char *folder, const char *name, time_t now, char **up_path,
		     char **down_path);

#endif
