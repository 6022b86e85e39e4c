/*
 * tui_draw: styles, glyphs and the small drawing primitives of the console.
 *
 * Views never pick colours or characters themselves: they name a style
 * (TUI_S_WARN, TUI_S_BAR_ACTIVE...) and call these primitives, which map
 * the style to what the terminal can do. With colours (a terminal that has
 * them and no NO_COLOR in the environment) styles are colour pairs; without,
 * they are bold, reverse, underline and dim, and bar segments use distinct
 * characters so they stay readable in monochrome. In a UTF-8 locale (and
 * without --ascii) bars are drawn with block elements in eighths and
 * sparklines with ▁▂▃▄▅▆▇█; otherwise with ASCII.
 *
 * Every primitive clips to the width it is given: nothing here wraps.
 *
 * Ownership: struct tui_draw is a plain value owned by the TUI.
 */
#ifndef PGDBM_TUI_DRAW_H
#define PGDBM_TUI_DRAW_H

#include <stdbool.h>
#include <stddef.h>

#include "tui_curses.h"
#include "tui_text.h"

enum tui_style {
	TUI_S_NORMAL,
	TUI_S_HEADER,	  /* top line */
	TUI_S_HEADER_SEL, /* the selected view or database in the top line */
	TUI_S_KEYBAR,	  /* bottom line */
	TUI_S_KEYBAR_KEY, /* a key in the bottom line */
	TUI_S_TITLE,	  /* a block's title (database name) */
	TUI_S_COLHEAD,	  /* table column headings */
	TUI_S_COLHEAD_SORT,
	TUI_S_SELECTED, /* the row under the cursor */
	TUI_S_DIM,
	TUI_S_OK,
	TUI_S_WARN,
	TUI_S_CRIT,
	TUI_S_STALE,
	TUI_S_BAR_ACTIVE,
	TUI_S_BAR_IDLE,
	TUI_S_BAR_IDLETX,
	TUI_S_BAR_WAIT,
	TUI_S_BAR_EMPTY,
	TUI_S_SPARK,
	TUI_S_DIALOG,
	TUI_S_COUNT
};

/* Bar segments, in drawing order. */
enum tui_seg {
	TUI_SEG_ACTIVE,
	TUI_SEG_IDLETX,
	TUI_SEG_WAIT,
	TUI_SEG_IDLE,
	TUI_SEG_COUNT
};

struct tui_draw {
	bool color;   /* colour pairs are in use */
	bool unicode; /* block elements and sparks; otherwise ASCII */
	bool utf8;    /* the locale decodes UTF-8 (text from the server) */
	attr_t attr[TUI_S_COUNT];
	short pair[TUI_S_COUNT];
	struct tui_text_opts text; /* for tui_text_fit(): utf8, ellipsis */
	/* glyphs */
	const char *ellipsis;
	const char *seg_char[TUI_SEG_COUNT]; /* one cell of each bar segment */
	const char *eighths[9];		     /* partial blocks, 0..8 eighths */
	const char *spark[8];
	const char *vline;
	const char *hline;
	const char *dot_ok;   /* database live */
	const char *dot_down; /* database unreachable */
	const char *sort_asc;
	const char *sort_desc;
	const char *tree_mid;  /* ├─ */
	const char *tree_last; /* └─ */
	const char *tree_pipe; /* │  */
	const char *warn_mark;
	const char *corner[4]; /* ┌ ┐ └ ┘ */
};

/*
 * Choose styles and glyphs. Call after curses started (colours need
 * start_color()). `color` and `unicode` are what the user allows; the
 * terminal's own abilities are checked here.
 */
void tui_draw_init(struct tui_draw *d, bool color, bool unicode, bool utf8);

/* Set the style for the following output (attributes and colour pair). */
void tui_draw_style(const struct tui_draw *d, enum tui_style s);

/* A frame around the box (y, x, h, w) in style s, its inside blanked. */
void tui_draw_frame(const struct tui_draw *d, int y, int x, int h, int w, enum tui_style s);

/* Blank `width` cells at (y, x) in style s. */
void tui_draw_fill(const struct tui_draw *d, int y, int x, int width, enum tui_style s);

enum tui_align {
	TUI_LEFT,
	TUI_RIGHT,
	TUI_CENTER
};

/*
 * Draw text fitted into `width` cells at (y, x) in style s (padding with
 * blanks when pad). Returns the cells drawn (text only, without padding).
 */
int tui_draw_text(const struct tui_draw *d, int y, int x, int width, enum tui_style s,
		  enum tui_align align, bool pad, const char *text);

/* Same, with whitespace collapsed (queries). */
int tui_draw_text_collapsed(const struct tui_draw *d, int y, int x, int width, enum tui_style s,
			    const char *text);

/* Display cells `text` takes. */
int tui_draw_width(const struct tui_draw *d, const char *text);

/*
 * A segmented bar of `width` cells: values[i] of segment i out of total.
 * Overflow (sum > total) fills the bar. Empty cells use TUI_S_BAR_EMPTY.
 */
void tui_draw_bar(const struct tui_draw *d, int y, int x, int width, const int *values,
		  const enum tui_seg *segs, size_t n, int total);

/*
 * A sparkline of `width` cells over v[0..n) (oldest first), scaled to max
 * (0: the largest value). When n > width, each cell shows the largest
 * value of its bucket of samples; when n < width, it is right-aligned.
 */
void tui_draw_sparkline(const struct tui_draw *d, int y, int x, int width, const int *v, size_t n,
			int max, enum tui_style s);

#endif
