/*
 * conninfo: libpq connection strings, parsed by libpq itself.
 *
 * A profile's connection is a libpq conninfo ("host=... dbname=...") or URI
 * ("postgresql://..."). We never parse them by hand: PQconninfoParse() does,
 * and these helpers only read its result. Passwords are never shown: the
 * redacted form lists the options the string sets, with any password
 * replaced by asterisks (a URI or conninfo given as dbname too). libpq's
 * messages about a string it refuses, or cannot connect with, quote the
 * string or a token of it: conninfo_check() and conninfo_redact_message()
 * return them with every password the string carries masked, which means
 * reading a string libpq refused by hand (conninfo.c says how).
 *
 * Ownership: every char * returned is malloc'd; the caller frees it.
 */
#ifndef PGDBM_CONNINFO_H
#define PGDBM_CONNINFO_H

#include <stdbool.h>

/*
 * Check that libpq accepts s. Returns NULL when it does, else libpq's
 * message (malloc'd, trailing newline removed, passwords masked as by
 * conninfo_redact_message()). *has_password tells whether the string
 * carries a password.
 */
char *conninfo_check(const char *s, bool *has_password);

/* "host=db port=5432 user=app password=******** dbname=x"; caller frees. */
char *conninfo_redact(const char *s);

/*
 * msg (a message of libpq's about conninfo) with every password conninfo
 * carries replaced by "********"; msg as it is when there is none.
 */
char *conninfo_redact_message(const char *conninfo, const char *msg);

#endif
