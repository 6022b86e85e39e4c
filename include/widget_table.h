/*
 * widget_table: the one list widget every list of the console uses.
 *
 * A table shows rows that a view provides through callbacks (how many,
 * the text of a cell, how two rows compare on a column, a stable id, a
 * style) with a cursor, scrolling, sorting on any column in either
 * direction and a text filter. The view never stores positions: it
 * rebuilds the table when its data changes and the table keeps the cursor
 * on the same row id.
 *
 * Columns have a priority, a minimum and a preferred width: when the
 * screen is narrow, the columns with the largest priority number are
 * dropped first, and the remaining room goes to the `fill` column (the
 * query), so that the most useful text is the last to go. Nothing wraps.
 *
 * The filter keeps rows where any cell (shown or not) contains the text,
 * ignoring case (or where the table's match callback says so); a leading
 * '!' keeps the rows that do not. Typing more of a filter only narrows the
 * rows already shown (in their order), so that a list of 100,000 rows
 * answers each key in a few milliseconds; any other change filters and
 * sorts the whole list again.
 *
 * Ownership: widget_table_new() copies nothing: columns and the source
 * must outlive the table. widget_table_free() frees the table only.
 */
#ifndef PGDBM_WIDGET_TABLE_H
#define PGDBM_WIDGET_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui_draw.h"

struct widget_table;

struct widget_table_column {
	const char *title;
	int priority;  /* 0 is kept longest; larger numbers are dropped first */
	int min_width; /* narrower than this, the column is dropped */
	int max_width; /* preferred width when there is room (0: min_width); a fill
			  column gets it, in its turn, before taking what is left */
	bool right;    /* right-aligned (numbers, durations) */
	bool fill;     /* takes the width that is left (one column at most) */
};

struct widget_table_source {
	size_t (*count)(void *arg);
	/* Text of cell (row, col): write into buf or return a string that lives long enough. */
	const char *(*cell)(void *arg, size_t row, int col, char *buf, size_t size);
	/* Ascending order of rows a and b on column col; NULL: compare cell texts. */
	int (*compare)(void *arg, size_t a, size_t b, int col);
	/* Stable identity of a row (keeps the cursor across rebuilds). */
	int64_t (*id)(void *arg, size_t row);
	/* Style of a row (NULL: TUI_S_NORMAL). */
	enum tui_style (*style)(void *arg, size_t row);
	/* Draw cell (row, col) itself (bars); false: draw the text. May be NULL. */
	bool (*draw_cell)(void *arg, size_t row, int col, const struct tui_draw *d, int y, int x,
			  int width, enum tui_style style);
};

/* The order of two numbers for a compare callback: -1, 0 or 1. */
static inline int
widget_table_cmp(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

enum widget_table_move {
	WT_UP,
	WT_DOWN,
	WT_PAGE_UP,
	WT_PAGE_DOWN,
	WT_HOME,
	WT_END,
};

struct widget_table *widget_table_new(const struct widget_table_column *cols, int n_cols,
				      const struct widget_table_source *src, void *arg);
void widget_table_free(struct widget_table **t);

/* The rows changed: filter, sort and find the cursor's row again. */
void widget_table_rebuild(struct widget_table *t);

/* Sorting: column index (-1: the source's own order), direction. */
void widget_table_set_sort(struct widget_table *t, int col, bool descending);
int widget_table_sort_column(const struct widget_table *t);
bool widget_table_sort_descending(const struct widget_table *t);
/* Sort on the next (dir 1) or previous (-1) column; flip the direction. */
void widget_table_sort_next(struct widget_table *t, int dir);
void widget_table_sort_flip(struct widget_table *t);
/* A table whose order the view imposes (a tree) does not sort. */
void widget_table_set_sortable(struct widget_table *t, bool sortable);

void widget_table_set_filter(struct widget_table *t, const char *text);

/*
 * Match rows against the filter with this callback (whether `row` contains
 * `text`, ignoring case) instead of testing every cell: for lists too long
 * to format every cell on each key. NULL: every cell.
 */
void widget_table_set_match(struct widget_table *t,
			    bool (*match)(void *arg, size_t row, const char *text));
const char *widget_table_filter(const struct widget_table *t);

/* Rows shown (after the filter) and rows in all. */
size_t widget_table_shown(const struct widget_table *t);
size_t widget_table_total(const struct widget_table *t);

/* The source row under the cursor; false when the table shows no row. */
bool widget_table_selected(const struct widget_table *t, size_t *row);
/* The source row shown at position i (0: the first shown). */
size_t widget_table_row_at(const struct widget_table *t, size_t i);
void widget_table_select_id(struct widget_table *t, int64_t id);

/* Move the cursor; returns true when it moved. */
bool widget_table_move(struct widget_table *t, enum widget_table_move how);
/* Scroll the view by `rows` (the mouse wheel), dragging the cursor along. */
void widget_table_scroll(struct widget_table *t, int rows);

/*
 * Draw in the box (y, x, h, w): a heading line, then rows. With focus the
 * cursor row is highlighted.
 */
void widget_table_draw(struct widget_table *t, const struct tui_draw *d, int y, int x, int h, int w,
		       bool focus);

/*
 * A click at screen (y, x) inside the last drawn box: on the heading sorts
 * by that column (again: flips), on a row moves the cursor there. Returns
 * true when it did something.
 */
bool widget_table_click(struct widget_table *t, int y, int x);

/* Hide a column whatever the width (a view that does not need it now). */
void widget_table_set_hidden(struct widget_table *t, int col, bool hidden);

/*
 * The column widths for a screen width (0: dropped or hidden; hidden may
 * be NULL); returns how many columns are shown. Columns are separated by
 * one blank. Columns grow toward their preferred width in priority order;
 * the fill column takes the rest. Exposed for tests.
 */
int widget_table_layout(const struct widget_table_column *cols, int n_cols, const bool *hidden,
			int width, int *widths);

#endif
