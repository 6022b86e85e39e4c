/*
 * strbuf: a growable, always NUL-terminated byte string.
 *
 * A zeroed struct strbuf (STRBUF_INIT) is a valid empty buffer; its data
 * pointer reads as "" through strbuf_str(). The buffer owns its storage;
 * strbuf_free() releases it and strbuf_detach() hands it to the caller.
 */
#ifndef PGDBM_STRBUF_H
#define PGDBM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "xalloc.h"

struct strbuf {
	char *data;
	size_t len;
	size_t cap;
};

#define STRBUF_INIT        \
	{                  \
		NULL, 0, 0 \
	}

/* The contents as a C string; "" for a buffer that never grew. */
const char *strbuf_str(const struct strbuf *sb);

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) ATTR_FORMAT(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) ATTR_FORMAT(2, 0);

/* Append n copies of c. */
void strbuf_pad(struct strbuf *sb, char c, size_t n);

/* Keep the storage, drop the contents. */
void strbuf_reset(struct strbuf *sb);

/* Shorten to len bytes (len must not exceed the current length). */
void strbuf_truncate(struct strbuf *sb, size_t len);

/* Release the storage; the buffer is empty and reusable afterwards. */
void strbuf_free(struct strbuf *sb);

/* Return the contents as a malloc'd string the caller frees; empties sb. */
char *strbuf_detach(struct strbuf *sb);

#endif
