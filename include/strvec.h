/*
 * strvec: a growable array of owned strings, kept in the two fields the
 * model's structs already carry (`char **notes; size_t n_notes;`).
 *
 * A vector is a pair (char **v, size_t n): v holds n malloc'd strings that
 * the vector owns, and a zeroed pair (NULL, 0) is an empty vector. The
 * functions take the pair's addresses, so a struct's field pair is a vector
 * as it is, and readers go on reading v[i] for i < n. A vector grows one
 * slot at a time, so a pair allocated elsewhere with exactly n slots is a
 * vector too.
 *
 * Ownership: strvec_push() takes the string it is given; strvec_add(),
 * strvec_addf(), strvec_vaddf(), strvec_add_unique() and strvec_split()
 * add copies.
 * strvec_free() frees every string and the array and zeroes the pair.
 */
#ifndef PGDBM_STRVEC_H
#define PGDBM_STRVEC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "xalloc.h"

/* Append s (malloc'd), which the vector then owns. */
void strvec_push(char ***v, size_t *n, char *s);
/* Append a copy of s. */
void strvec_add(char ***v, size_t *n, const char *s);
/* Append a formatted string. */
void strvec_addf(char ***v, size_t *n, const char *fmt, ...) ATTR_FORMAT(3, 4);
void strvec_vaddf(char ***v, size_t *n, const char *fmt, va_list ap) ATTR_FORMAT(3, 0);
/* Append a copy of s unless an equal string is there; true when added. */
bool strvec_add_unique(char ***v, size_t *n, const char *s);

/* Whether one of the n strings equals s. */
bool strvec_contains(char *const *v, size_t n, const char *s);

/* strcmp over two elements of a char * array, for qsort() and bsearch(). */
int strvec_cmp(const void *a, const void *b);
/* Sort the strings bytewise (strcmp). */
void strvec_sort(char **v, size_t n);

/* strvec_split() flags */
#define STRVEC_TRIM	0x1u /* drop spaces and tabs around each item */
#define STRVEC_NONEMPTY 0x2u /* leave empty items out (after trimming) */

/*
 * Append the items of s separated by sep, in order ("a,,b" gives "a", ""
 * and "b"; "" gives one empty item unless STRVEC_NONEMPTY; a sep of '\0'
 * makes s one item). Returns how many it appended.
 */
size_t strvec_split(char ***v, size_t *n, const char *s, char sep, unsigned flags);

/* Free the strings and the array; the pair becomes (NULL, 0). */
void strvec_free(char ***v, size_t *n);

#endif
