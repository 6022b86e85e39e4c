/*
 * textpane: a scrollable page of wrapped paragraphs, for views that show a
 * document rather than a list: the wizard's result page and the advisor's
 * report.
 *
 * A pane holds paragraphs. A paragraph is text in a style with a left
 * indent; when it is longer than the width it wraps at spaces onto lines
 * indented `hang` cells further (a word longer than a line is cut). A raw
 * paragraph (YAML, code) is one line that is cut at the width, never
 * wrapped. The layout into screen lines is made for the width at hand, so
 * a resize re-wraps; the scroll position is kept as the paragraph (and the
 * line within it) at the top, so it survives re-wrapping and a rebuild of
 * the paragraphs (a view that rebuilds its page keeps its place).
 *
 * Lists stay in widget_table; this is only for running text.
 *
 * Ownership: a pane copies the text it is given; textpane_free() frees it.
 */
#ifndef PGDBM_TEXTPANE_H
#define PGDBM_TEXTPANE_H

#include <stdbool.h>
#include <stddef.h>

#include "tui_draw.h"
#include "tui_text.h"

struct textpane;

enum textpane_move {
	TEXTPANE_UP,
	TEXTPANE_DOWN,
	TEXTPANE_PAGE_UP,
	TEXTPANE_PAGE_DOWN,
	TEXTPANE_HOME,
	TEXTPANE_END,
};

struct textpane *textpane_new(void);
void textpane_free(struct textpane **p);

/* Drop every paragraph; the scroll position stays (clamped at the next layout). */
void textpane_clear(struct textpane *p);

/* Add a paragraph; returns its index (for textpane_scroll_to). */
size_t textpane_add(struct textpane *p, enum tui_style s, int indent, int hang, const char *text);
size_t textpane_addf(struct textpane *p, enum tui_style s, int indent, int hang, const char *fmt,
		     ...) __attribute__((format(printf, 5, 6)));
/* A line that is cut at the width instead of wrapped. */
size_t textpane_add_raw(struct textpane *p, enum tui_style s, int indent, const char *text);

size_t textpane_count(const struct textpane *p);

/* Lay the paragraphs out for a width; returns the number of screen lines. */
size_t textpane_layout(struct textpane *p, int width, const struct tui_text_opts *o);

/*
 * Line i of the last layout: its text (a copy of at most size - 1 bytes in
 * buf), its indent and style. Exposed for tests.
 */
const char *textpane_line(const struct textpane *p, size_t i, int *indent, enum tui_style *s,
			  char *buf, size_t size);

/* Scroll by a line, a page (the height last drawn), to the top or the end. */
void textpane_scroll(struct textpane *p, enum textpane_move how);
/* Scroll so that paragraph `para` is at the top. */
void textpane_scroll_to(struct textpane *p, size_t para);
/* The first line shown and the number of lines, after the last layout. */
size_t textpane_top(const struct textpane *p);
size_t textpane_lines(const struct textpane *p);

/* Draw the page in the box (y, x, h, w); a scroll mark in the last column when it scrolls. */
void textpane_draw(struct textpane *p, const struct tui_draw *d, int y, int x, int h, int w);

/*
 * The bytes of the longest start of text that fits `width` columns,
 * cut at a space when there is one (a word longer than the width is cut
 * where it stops fitting); *rest gets where the next line starts (spaces
 * skipped). Used for wrapping by the pane and by dialogs.
 */
size_t textpane_wrap(const char *text, int width, const struct tui_text_opts *o, const char **rest);

/*
 * Wrap text (textpane_wrap) into at most max lines: line i is copied into
 * lines + i * size, NUL-terminated (a line longer than size - 1 bytes is
 * cut at a character boundary). Returns how many lines. For dialogs, which
 * keep their lines in fixed buffers.
 */
int textpane_wrap_lines(const char *text, int width, const struct tui_text_opts *o, char *lines,
			size_t size, int max);

#endif
