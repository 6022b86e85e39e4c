/*
 * xalloc: allocation wrappers that abort instead of returning NULL.
 * See include/xalloc.h.
 */
#include "config.h"

#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*fail_hook)(void);

void
xalloc_set_fail_hook(void (*hook)(void))
{
	fail_hook = hook;
}

void
xalloc_fail(const char *what)
{
	if (fail_hook != NULL) {
		void (*hook)(void) = fail_hook;

		fail_hook = NULL;
		hook();
	}
	fprintf(stderr, "pgdbm-console: %s\n", what);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p;

	if (size == 0)
		xalloc_fail("zero-size allocation");
	p = malloc(size);
	if (p == NULL)
		xalloc_fail("out of memory");
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		xalloc_fail("zero-size allocation");
	p = calloc(nmemb, size);
	if (p == NULL)
		xalloc_fail("out of memory");
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		xalloc_fail("zero-size allocation");
	if (nmemb > SIZE_MAX / size)
		xalloc_fail("allocation size overflow");
	p = realloc(ptr, nmemb * size);
	if (p == NULL)
		xalloc_fail("out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *p = NULL;

	if (vasprintf(&p, fmt, ap) < 0)
		xalloc_fail("out of memory");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}
