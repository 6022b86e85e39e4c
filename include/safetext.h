/*
 * safetext: text from the server or from files, made safe for a terminal.
 *
 * Messages, ledger rows, schema names and file names may hold control
 * characters. An ESC sequence can recolour the terminal, move the cursor,
 * clear the screen or set the window title (OSC), and a C1 control
 * (U+0080..U+009F, or a byte 0x80..0x9F on an 8-bit terminal) does the
 * same in one character. Whatever the console draws (tui_text) and
 * whatever the commands print (their output streams, cli.c) or log (the
 * --log file, msglog) goes through this one classification first:
 *
 *   printable    shown as it is
 *   space        ' ', CR, VT, FF and the locale's other white space: a space
 *   newline, tab kept where they are the text's structure (SAFETEXT_LINES),
 *                else a space
 *   replaced     every other C0 control, DEL, the C1 controls, the
 *                bidirectional controls (U+061C, U+202A..U+202E,
 *                U+2066..U+2069), what the locale cannot print and bytes
 *                that are not a character of its encoding: '?' (one per
 *                character or bad byte)
 *
 * In a UTF-8 locale multi-byte characters are decoded (mbrtowc, wcwidth);
 * in any other locale only ASCII is shown, so every byte above 0x7f is
 * '?' (it may be a C1 control to an 8-bit terminal). JSON output does not
 * come here: json_escape() escapes the same characters, and a program
 * gets the exact text back.
 *
 * Ownership: safetext_dup() returns a malloc'd string the caller frees;
 * safetext_add() appends to the caller's buffer.
 */
#ifndef PGDBM_SAFETEXT_H
#define PGDBM_SAFETEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* What is shown in place of a character that must not reach the terminal. */
#define SAFETEXT_REPLACEMENT '?'

/* Bytes a NUL-terminated string's caller may pass as `avail` to safetext_next(). */
#define SAFETEXT_MAX_CHAR 8

enum safetext_kind {
	SAFETEXT_PRINT,	   /* printable: its bytes, `width` columns */
	SAFETEXT_SPACE,	   /* white space other than newline and tab */
	SAFETEXT_NEWLINE,  /* '\n' */
	SAFETEXT_TAB,	   /* '\t' */
	SAFETEXT_REPLACED, /* control, unprintable or invalid: shown as '?' */
	SAFETEXT_PARTIAL,  /* the input ends inside a multi-byte character */
};

struct safetext_char {
	enum safetext_kind kind;
	size_t len; /* input bytes it takes (at least 1; PARTIAL: all that was left) */
	int width;  /* display columns: a PRINT character's own, else 1 */
};

/* Whether the locale's character encoding (LC_CTYPE) is UTF-8. */
bool safetext_locale_utf8(void);

/*
 * Classify the character at p, reading at most avail bytes (avail >= 1).
 * A NUL-terminated string may pass SAFETEXT_MAX_CHAR: decoding never reads
 * past its NUL, and PARTIAL does not happen there.
 */
void safetext_next(const char *p, size_t avail, bool utf8, struct safetext_char *c);

enum {
	SAFETEXT_UTF8 = 1u << 0,   /* decode UTF-8 (pass safetext_locale_utf8()) */
	SAFETEXT_LINES = 1u << 1,  /* keep newlines and tabs */
	SAFETEXT_STREAM = 1u << 2, /* stop before a character the input cuts */
};

/*
 * Append len bytes of `in` to sb, made safe. Returns the bytes consumed:
 * len, or less with SAFETEXT_STREAM when the input ends inside a
 * multi-byte character (the caller passes the rest again with what follows).
 */
size_t safetext_add(struct strbuf *sb, const char *in, size_t len, unsigned flags);

/* The same for a C string (NULL reads as ""); malloc'd, the caller frees. */
char *safetext_dup(const char *s, unsigned flags);

#endif
