/*
 * testutil: helpers shared by the cmocka suites.
 *
 * Tests find their fixtures under $srcdir (set by `make check`; "." when a
 * test runs by hand from the build folder).
 */
#ifndef PGDBM_TESTUTIL_H
#define PGDBM_TESTUTIL_H

#include <stddef.h>

/* "$srcdir/rel"; caller frees. */
char *tu_src_path(const char *rel);

/* Whole file as a NUL-terminated string (NULL if unreadable); *len when not NULL. */
char *tu_read_file(const char *path, size_t *len);

/* Write text to path; returns 0 or -1. */
int tu_write_file(const char *path, const char *text);

/*
 * Sorted names in dir ending with suffix; returns the count, *names holds
 * malloc'd strings in a malloc'd array (tu_free_names releases them).
 */
size_t tu_list_dir(const char *dir, const char *suffix, char ***names);
void tu_free_names(char **names, size_t n);

/* A fresh temporary folder (removed by tu_rm_rf). */
char *tu_mkdtemp(void);
void tu_rm_rf(const char *path);

#endif
