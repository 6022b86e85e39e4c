/*
 * strvec: growable arrays of owned strings held as a (char **, size_t) pair.
 * See include/strvec.h.
 *
 * The pair has no capacity field, so the array grows by one slot per
 * string (xreallocarray): any pair whose array holds exactly n slots is a
 * valid vector, whoever allocated it.
 */
#include "config.h"

#include "strvec.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
strvec_push(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

void
strvec_add(char ***v, size_t *n, const char *s)
{
	strvec_push(v, n, xstrdup(s));
}

void
strvec_addf(char ***v, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strvec_vaddf(v, n, fmt, ap);
	va_end(ap);
}

void
strvec_vaddf(char ***v, size_t *n, const char *fmt, va_list ap)
{
	strvec_push(v, n, xvasprintf(fmt, ap));
}

bool
strvec_add_unique(char ***v, size_t *n, const char *s)
{
	if (strvec_contains(*v, *n, s))
		return false;
	strvec_add(v, n, s);
	return true;
}

bool
strvec_contains(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			return true;
	}
	return false;
}

int
strvec_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
strvec_sort(char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, strvec_cmp);
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

size_t
strvec_split(char ***v, size_t *n, const char *s, char sep, unsigned flags)
{
	size_t added = 0;
	const char *p = s;

	for (;;) {
		const char *end = sep != '\0' ? strchr(p, sep) : NULL;
		const char *a = p, *b = end != NULL ? end : p + strlen(p);

		if (flags & STRVEC_TRIM) {
			while (a < b && blank(*a))
				a++;
			while (b > a && blank(b[-1]))
				b--;
		}
		if (b > a || !(flags & STRVEC_NONEMPTY)) {
			strvec_push(v, n, xstrndup(a, (size_t)(b - a)));
			added++;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return added;
}

void
strvec_free(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}
