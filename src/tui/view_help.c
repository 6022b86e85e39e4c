/*
 * view_help: the help screen. See include/view_help.h.
 *
 * The rows are generated from the binding tables: first those of the view
 * the help was opened from, then the global ones, so the screen lists
 * exactly what the keys do. A binding the view does not offer now (a
 * read-only profile) is listed dimmed, with the reason after its action. A few lines above the table explain the marks
 * and bar segments in the glyphs in use (Unicode or ASCII).
 */
#include "config.h"

#include "view_help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_draw.h"
#include "widget_table.h"
#include "xalloc.h"

enum {
	COL_KEYS,
	COL_ACTION,
	COL_WHERE,
	N_COLS
};

static const struct widget_table_column columns[N_COLS] = {
	[COL_KEYS] = { "KEYS", 0, 8, 14, false, false },
	[COL_ACTION] = { "ACTION", 0, 20, 0, false, true },
	[COL_WHERE] = { "WHERE", 1, 8, 8, false, false },
};

struct help_row {
	const struct tui_binding *b;
	const char *where;
	const char *why; /* not offered now, and why (NULL: offered) */
};

struct view_help {
	struct tui *t;
	struct widget_table *table;
	struct help_row *rows;
	size_t n_rows;
};

static size_t
rows_count(void *arg)
{
	return ((struct view_help *)arg)->n_rows;
}

static const char *
rows_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct help_row *r = &((struct view_help *)arg)->rows[row];

	switch (col) {
	case COL_KEYS:
		return r->b->label;
	case COL_ACTION:
		if (r->why == NULL)
			return r->b->help;
		snprintf(buf, size, "%s (not available: %s)", r->b->help, r->why);
		return buf;
	default:
		return r->where;
	}
}

static int64_t
rows_id(void *arg, size_t row)
{
	(void)arg;
	return (int64_t)row;
}

static enum tui_style
rows_style(void *arg, size_t row)
{
	return ((struct view_help *)arg)->rows[row].why != NULL ? TUI_S_DIM : TUI_S_NORMAL;
}

static const struct widget_table_source rows_source = {
	rows_count, rows_cell, NULL, rows_id, rows_style, NULL,
};

static void *
help_create(struct tui *t)
{
	struct view_help *v = xcalloc(1, sizeof *v);

	v->t = t;
	v->table = widget_table_new(columns, N_COLS, &rows_source, v);
	return v;
}

static void
help_destroy(void *view)
{
	struct view_help *v = view;

	widget_table_free(&v->table);
	free(v->rows);
	free(v);
}

/* Add the rows of a binding table; own: the view under help's (may be unavailable). */
static void
add_table(struct view_help *v, const struct tui_binding *b, const char *where, bool own,
	  size_t *cap)
{
	for (; b != NULL && b->fn != NULL; b++) {
		if (v->n_rows == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			v->rows = xreallocarray(v->rows, *cap, sizeof *v->rows);
		}
		v->rows[v->n_rows].b = b;
		v->rows[v->n_rows].where = where;
		v->rows[v->n_rows].why = own ? tui_help_unavailable(v->t, b) : NULL;
		v->n_rows++;
	}
}

static void
help_update(void *view, size_t db)
{
	struct view_help *v = view;
	const char *name;
	const struct tui_binding *own = tui_help_view_bindings(v->t, &name);
	size_t cap = 0;

	(void)db;
	free(v->rows);
	v->rows = NULL;
	v->n_rows = 0;
	add_table(v, view_help_class.bindings, "Help", false, &cap);
	add_table(v, own, name, true, &cap);
	add_table(v, tui_global_bindings, "global", false, &cap);
	widget_table_rebuild(v->table);
}

static void
help_draw(void *view, int y, int x, int h, int w)
{
	struct view_help *v = view;
	const struct tui_draw *d = tui_canvas(v->t);
	const char *name;
	char buf[512];
	int legend = h >= 14 ? 3 : 0;

	tui_help_view_bindings(v->t, &name);
	snprintf(buf, sizeof buf, " Help: %s view and global keys (Esc or q closes)", name);
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
	if (legend) {
		snprintf(
			buf, sizeof buf,
			"  bars: %s active  %s idle in transaction  %s waiting for a lock  %s idle",
			d->seg_char[TUI_SEG_ACTIVE], d->seg_char[TUI_SEG_IDLETX],
			d->seg_char[TUI_SEG_WAIT], d->seg_char[TUI_SEG_IDLE]);
		tui_draw_text(d, y + 1, x, w, TUI_S_NORMAL, TUI_LEFT, true, buf);
		snprintf(buf, sizeof buf,
			 "  databases: %s live  %s stale (old data kept)  %s connecting or "
			 "unreachable",
			 d->dot_ok, d->warn_mark, d->dot_down);
		tui_draw_text(d, y + 2, x, w, TUI_S_NORMAL, TUI_LEFT, true, buf);
		tui_draw_text(d, y + 3, x, w, TUI_S_DIM, TUI_LEFT, true,
			      "  rows: red waits for a lock, yellow blocks others or idles in a "
			      "transaction too long");
	}
	widget_table_draw(v->table, d, y + 1 + legend, x, h - 1 - legend, w, true);
}

static struct widget_table *
help_table(void *view)
{
	return ((struct view_help *)view)->table;
}

static const struct tui_binding help_bindings[] = {
	{ { 'q', TUI_ESC, 0 }, "q Esc", "Close", "close the help", tui_act_back },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

const struct tui_view_class view_help_class = {
	.name = "Help",
	.bindings = help_bindings,
	.create = help_create,
	.destroy = help_destroy,
	.update = help_update,
	.draw = help_draw,
	.table = help_table,
	.back = true,
	.overlay = true,
};
