/*
 * xalloc: allocation that never returns NULL.
 *
 * Every allocation in pgdbm-console goes through these wrappers. On failure
 * they run the registered fail hook (the TUI uses it to restore the terminal),
 * print one line to standard error and abort, so call sites never test for
 * NULL. Zero sizes and multiplication overflow are treated as failures.
 *
 * Ownership: every function returns memory the caller owns and frees with
 * free(3).
 */
#ifndef PGDBM_XALLOC_H
#define PGDBM_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

#define ATTR_FORMAT(fmt, args) __attribute__((format(printf, fmt, args)))
#define ATTR_NORETURN	       __attribute__((noreturn))
#define ATTR_MALLOC	       __attribute__((malloc))

/* Called once before aborting on allocation failure; may be NULL. */
void xalloc_set_fail_hook(void (*hook)(void));

/* Print "pgdbm-console: MESSAGE" after running the fail hook, then abort. */
ATTR_NORETURN void xalloc_fail(const char *what);

ATTR_MALLOC void *xmalloc(size_t size);
ATTR_MALLOC void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
ATTR_MALLOC char *xstrdup(const char *s);
ATTR_MALLOC char *xstrndup(const char *s, size_t n);
ATTR_MALLOC char *xasprintf(const char *fmt, ...) ATTR_FORMAT(1, 2);
ATTR_MALLOC char *xvasprintf(const char *fmt, va_list ap) ATTR_FORMAT(1, 0);

#endif
