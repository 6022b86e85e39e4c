/*
 * conninfo: libpq connection strings, parsed by libpq itself.
 *
 * A profile's connection is a libpq conninfo ("host=... dbname=...") or URI
 * ("postgresql://..."). We never parse them by hand: PQconninfoParse() does,
 * and these helpers only read its result. Passwords are never shown: the
 * redacted form lists the options the string sets, with any password
 * replaced by asterisks.
 */
#ifndef PGDBM_CONNINFO_H
#define PGDBM_CONNINFO_H

#include <stdbool.h>

/*
 * Check that libpq accepts s. Returns NULL when it does, else libpq's
 * message (malloc'd, trailing newline removed). *has_password tells whether
 * the string carries a password.
 */
char *conninfo_check(const char *s, bool *has_password);

/* "host=db port=5432 user=app password=******** dbname=x"; caller frees. */
char *conninfo_redact(const char *s);

#endif
