/*
 * tui_text: fitting text from the server into screen columns.
 *
 * Everything the console shows from PostgreSQL (queries, application
 * names, error messages) may hold control characters, newlines, runs of
 * indentation and multi-byte or double-width characters. Before it reaches
 * the screen it goes through tui_text_fit(), which measures in display
 * columns (wcwidth in a UTF-8 locale, bytes otherwise), shows white space
 * (newlines and tabs too) as spaces, collapses runs of it when asked,
 * replaces control characters and what the locale cannot show with '?'
 * (the rules of safetext.h, which the commands' output shares), and cuts
 * at the width with an ellipsis mark. No curses here: these are plain
 * functions.
 *
 * Ownership: the caller provides every buffer.
 */
#ifndef PGDBM_TUI_TEXT_H
#define PGDBM_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct tui_text_opts {
	bool utf8;	      /* the locale is UTF-8: decode multi-byte characters */
	bool collapse;	      /* runs of white space become one space */
	const char *ellipsis; /* marks a cut ("…" or "~"); NULL: cut silently */
	int ellipsis_width;   /* its display width (1) */
};

/*
 * Copy `in` into out (size bytes) so that it takes at most `width`
 * columns; returns the columns used. out is always NUL-terminated.
 */
int tui_text_fit(const char *in, int width, const struct tui_text_opts *o, char *out, size_t size);

/* The same; *rest points after the input that was shown (to wrap text). */
int tui_text_fit_rest(const char *in, int width, const struct tui_text_opts *o, char *out,
		      size_t size, const char **rest);

/* Display columns `in` would take, as tui_text_fit() measures them (no cut). */
int tui_text_width(const char *in, const struct tui_text_opts *o);

/* Case-insensitive substring test (ASCII case folding; bytes otherwise). */
bool tui_text_contains(const char *haystack, const char *needle);

#endif
