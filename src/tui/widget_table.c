/*
 * widget_table: rows through callbacks, a cursor, sort, filter, layout.
 * See include/widget_table.h.
 *
 * State: `all` holds every source row, sorted (again only when the source
 * or the sort changes); `order` the rows of `all` that pass the filter, so
 * a new filter costs one pass and no sort. The cursor is an index into
 * `order` (`cur`) plus the id of that row (`cur_id`), and `top` is the
 * first index shown. After a rebuild the cursor goes back
 * to the row with cur_id when it is still shown, else it stays at the same
 * index (clamped). The last drawn box and column positions are kept for
 * mouse clicks.
 */
#include "config.h"

#include "widget_table.h"

#include <stdlib.h>
#include <string.h>

#include "tui_text.h"
#include "xalloc.h"

#define CELL_MAX 1024

struct widget_table {
	const struct widget_table_column *cols;
	int n_cols;
	const struct widget_table_source *src;
	void *arg;

	size_t *all; /* every source row, sorted (cap_order of them allocated) */
	size_t *order;
	size_t n_order, cap_order;
	size_t total;
	size_t cur, top;
	int64_t cur_id;
	bool has_cur;

	int sort_col;
	bool sort_desc;
	bool sortable;
	char *filter;
	bool (*match)(void *arg, size_t row, const char *text);

	/* last drawn box, for clicks */
	int box_y, box_x, box_h, box_w;
	int *col_x, *col_w;
	bool *hidden;
};

struct widget_table *
widget_table_new(const struct widget_table_column *cols, int n_cols,
		 const struct widget_table_source *src, void *arg)
{
	struct widget_table *t = xcalloc(1, sizeof *t);

	t->cols = cols;
	t->n_cols = n_cols;
	t->src = src;
	t->arg = arg;
	t->sort_col = -1;
	t->sortable = true;
	t->filter = xstrdup("");
	t->col_x = xcalloc((size_t)n_cols, sizeof *t->col_x);
	t->col_w = xcalloc((size_t)n_cols, sizeof *t->col_w);
	t->hidden = xcalloc((size_t)n_cols, sizeof *t->hidden);
	return t;
}

void
widget_table_free(struct widget_table **tp)
{
	struct widget_table *t = *tp;

	if (t == NULL)
		return;
	free(t->order);
	free(t->all);
	free(t->filter);
	free(t->col_x);
	free(t->col_w);
	free(t->hidden);
	free(t);
	*tp = NULL;
}

/* ------------------------------------------------------------------------
 * Filter and sort
 * ------------------------------------------------------------------------ */

static bool
row_matches(const struct widget_table *t, size_t row)
{
	const char *needle = t->filter;
	bool invert = false, hit = false;
	char buf[CELL_MAX];
	int c;

	if (needle[0] == '!') {
		invert = true;
		needle++;
	}
	if (needle[0] == '\0')
		return true;
	if (t->match != NULL)
		return t->match(t->arg, row, needle) != invert;
	for (c = 0; c < t->n_cols && !hit; c++) {
		const char *text = t->src->cell(t->arg, row, c, buf, sizeof buf);

		hit = text != NULL && tui_text_contains(text, needle);
	}
	return hit != invert;
}

static int
compare_rows(const void *a, const void *b, void *arg)
{
	const struct widget_table *t = arg;
	size_t ra = *(const size_t *)a, rb = *(const size_t *)b;
	int r;

	if (t->src->compare != NULL) {
		r = t->src->compare(t->arg, ra, rb, t->sort_col);
	} else {
		char ba[CELL_MAX], bb[CELL_MAX];
		const char *ta = t->src->cell(t->arg, ra, t->sort_col, ba, sizeof ba);
		const char *tb = t->src->cell(t->arg, rb, t->sort_col, bb, sizeof bb);

		r = strcmp(ta != NULL ? ta : "", tb != NULL ? tb : "");
	}
	if (t->sort_desc)
		r = -r;
	if (r == 0) {
		/* ties: the source's order, always ascending, so the list does not jump */
		r = ra < rb ? -1 : ra > rb ? 1 : 0;
	}
	return r;
}

static void
clamp(struct widget_table *t)
{
	if (t->n_order == 0) {
		t->cur = t->top = 0;
		return;
	}
	if (t->cur >= t->n_order)
		t->cur = t->n_order - 1;
	if (t->top > t->cur)
		t->top = t->cur;
}

static void
remember_cursor(struct widget_table *t)
{
	t->has_cur = t->n_order > 0;
	if (t->has_cur && t->src->id != NULL)
		t->cur_id = t->src->id(t->arg, t->order[t->cur]);
}

/* Every row of the source, sorted (the source or the sort changed). */
static void
sort_all(struct widget_table *t)
{
	size_t n = t->src->count(t->arg), i;

	t->total = n;
	if (n > t->cap_order) {
		t->order = xreallocarray(t->order, n, sizeof *t->order);
		t->all = xreallocarray(t->all, n, sizeof *t->all);
		t->cap_order = n;
	}
	for (i = 0; i < n; i++)
		t->all[i] = i;
	if (t->sortable && t->sort_col >= 0 && t->sort_col < t->n_cols && n > 1)
		qsort_r(t->all, n, sizeof *t->all, compare_rows, t);
}

/* The sorted rows that pass the filter; the cursor back on its row. */
/* Put the cursor back on the row of id `want` when it is still shown. */
static void
find_cursor(struct widget_table *t, int64_t want)
{
	size_t i;

	if (t->src->id == NULL)
		return;
	for (i = 0; i < t->n_order; i++) {
		if (t->src->id(t->arg, t->order[i]) == want) {
			t->cur = i;
			return;
		}
	}
}

static void
filter_all(struct widget_table *t)
{
	bool had = t->has_cur;
	int64_t want = t->cur_id;
	size_t i;

	t->n_order = 0;
	for (i = 0; i < t->total; i++) {
		if (row_matches(t, t->all[i]))
			t->order[t->n_order++] = t->all[i];
	}
	if (had)
		find_cursor(t, want);
	clamp(t);
	remember_cursor(t);
}

void
widget_table_rebuild(struct widget_table *t)
{
	sort_all(t);
	filter_all(t);
}

void
widget_table_set_sort(struct widget_table *t, int col, bool descending)
{
	t->sort_col = col >= -1 && col < t->n_cols ? col : -1;
	t->sort_desc = descending;
	widget_table_rebuild(t);
}

int
widget_table_sort_column(const struct widget_table *t)
{
	return t->sortable ? t->sort_col : -1;
}

bool
widget_table_sort_descending(const struct widget_table *t)
{
	return t->sort_desc;
}

void
widget_table_sort_next(struct widget_table *t, int dir)
{
	int col = t->sort_col + (dir < 0 ? -1 : 1);

	if (col >= t->n_cols)
		col = -1;
	if (col < -1)
		col = t->n_cols - 1;
	widget_table_set_sort(t, col, t->sort_desc);
}

void
widget_table_sort_flip(struct widget_table *t)
{
	widget_table_set_sort(t, t->sort_col, !t->sort_desc);
}

void
widget_table_set_sortable(struct widget_table *t, bool sortable)
{
	t->sortable = sortable;
	widget_table_rebuild(t);
}

/* The filter grew: keep the shown rows that still match, in their order. */
static void
narrow(struct widget_table *t)
{
	bool had = t->has_cur;
	int64_t want = t->cur_id;
	size_t i, k = 0;

	for (i = 0; i < t->n_order; i++) {
		if (row_matches(t, t->order[i]))
			t->order[k++] = t->order[i];
	}
	t->n_order = k;
	if (had)
		find_cursor(t, want);
	clamp(t);
	remember_cursor(t);
}

void
widget_table_set_filter(struct widget_table *t, const char *text)
{
	const char *old = t->filter;
	size_t olen = strlen(old);
	bool narrower;

	if (text == NULL)
		text = "";
	/* rows containing "abc" are among those containing "ab" */
	narrower = olen > 0 && old[0] != '!' && text[0] != '!' && strlen(text) > olen &&
		   strncmp(text, old, olen) == 0 && t->total == t->src->count(t->arg);
	free(t->filter);
	t->filter = xstrdup(text);
	if (narrower)
		narrow(t);
	else if (t->total == t->src->count(t->arg))
		filter_all(t); /* the rows are sorted already */
	else
		widget_table_rebuild(t);
}

void
widget_table_set_match(struct widget_table *t,
		       bool (*match)(void *arg, size_t row, const char *text))
{
	t->match = match;
}

const char *
widget_table_filter(const struct widget_table *t)
{
	return t->filter;
}

size_t
widget_table_shown(const struct widget_table *t)
{
	return t->n_order;
}

size_t
widget_table_total(const struct widget_table *t)
{
	return t->total;
}

/* ------------------------------------------------------------------------
 * Cursor
 * ------------------------------------------------------------------------ */

bool
widget_table_selected(const struct widget_table *t, size_t *row)
{
	if (t->n_order == 0)
		return false;
	*row = t->order[t->cur];
	return true;
}

size_t
widget_table_row_at(const struct widget_table *t, size_t i)
{
	return i < t->n_order ? t->order[i] : 0;
}

void
widget_table_select_id(struct widget_table *t, int64_t id)
{
	size_t i;

	for (i = 0; i < t->n_order; i++) {
		if (t->src->id != NULL && t->src->id(t->arg, t->order[i]) == id) {
			t->cur = i;
			remember_cursor(t);
			return;
		}
	}
}

static size_t
page_rows(const struct widget_table *t)
{
	return t->box_h > 2 ? (size_t)t->box_h - 1 : 1;
}

bool
widget_table_move(struct widget_table *t, enum widget_table_move how)
{
	size_t before = t->cur, page = page_rows(t);

	if (t->n_order == 0)
		return false;
	switch (how) {
	case WT_UP:
		if (t->cur > 0)
			t->cur--;
		break;
	case WT_DOWN:
		if (t->cur + 1 < t->n_order)
			t->cur++;
		break;
	case WT_PAGE_UP:
		t->cur = t->cur > page ? t->cur - page : 0;
		break;
	case WT_PAGE_DOWN:
		t->cur = t->cur + page < t->n_order ? t->cur + page : t->n_order - 1;
		break;
	case WT_HOME:
		t->cur = 0;
		break;
	case WT_END:
		t->cur = t->n_order - 1;
		break;
	}
	remember_cursor(t);
	return t->cur != before;
}

void
widget_table_scroll(struct widget_table *t, int rows)
{
	size_t page = page_rows(t);
	long top = (long)t->top + rows;
	long max_top = (long)t->n_order - (long)page;

	if (max_top < 0)
		max_top = 0;
	if (top > max_top)
		top = max_top;
	if (top < 0)
		top = 0;
	t->top = (size_t)top;
	if (t->cur < t->top)
		t->cur = t->top;
	if (t->cur >= t->top + page)
		t->cur = t->top + page - 1;
	clamp(t);
	remember_cursor(t);
}

/* ------------------------------------------------------------------------
 * Layout and drawing
 * ------------------------------------------------------------------------ */

void
widget_table_set_hidden(struct widget_table *t, int col, bool hidden)
{
	if (col >= 0 && col < t->n_cols)
		t->hidden[col] = hidden;
}

int
widget_table_layout(const struct widget_table_column *cols, int n_cols, const bool *hidden,
		    int width, int *widths)
{
	int i, used = 0, shown = 0, fill = -1, rest;
	bool grew;

	for (i = 0; i < n_cols; i++) {
		if (hidden != NULL && hidden[i]) {
			widths[i] = 0;
			continue;
		}
		widths[i] = cols[i].min_width;
		used += cols[i].min_width + (shown > 0 ? 1 : 0);
		shown++;
		if (cols[i].fill)
			fill = i;
	}
	/* drop the least important columns until the minimums fit */
	while (used > width && shown > 1) {
		int worst = -1;

		for (i = 0; i < n_cols; i++) {
			if (widths[i] > 0 &&
			    (worst < 0 || cols[i].priority >= cols[worst].priority))
				worst = i;
		}
		used -= widths[worst] + (shown > 1 ? 1 : 0);
		widths[worst] = 0;
		shown--;
	}
	/* the fill column (the query) matters more than the columns ranked below it */
	if (fill >= 0 && widths[fill] > 0 && cols[fill].max_width > cols[fill].min_width) {
		int want = cols[fill].max_width < width * 2 / 5 ? cols[fill].max_width
								: width * 2 / 5;

		while (cols[fill].min_width + width - used < want) {
			int worst = -1;

			for (i = 0; i < n_cols; i++) {
				if (widths[i] > 0 && i != fill &&
				    cols[i].priority > cols[fill].priority &&
				    (worst < 0 || cols[i].priority >= cols[worst].priority))
					worst = i;
			}
			if (worst < 0)
				break;
			used -= widths[worst] + 1;
			widths[worst] = 0;
			shown--;
		}
	}
	if (shown == 0)
		return 0;
	if (used > width) {
		/* a single column wider than the screen: cut it */
		for (i = 0; i < n_cols; i++) {
			if (widths[i] > 0)
				widths[i] = width;
		}
		return shown;
	}
	/* grow toward preferred widths, most important first, one cell at a time */
	rest = width - used;
	do {
		int pr;

		grew = false;
		for (pr = 0; pr <= 100 && rest > 0; pr++) {
			for (i = 0; i < n_cols && rest > 0; i++) {
				int pref = cols[i].max_width > cols[i].min_width
						   ? cols[i].max_width
						   : cols[i].min_width;

				if (widths[i] == 0 || cols[i].priority != pr)
					continue;
				if (widths[i] < pref) {
					int add = pref - widths[i] < rest ? pref - widths[i] : rest;

					widths[i] += add;
					rest -= add;
					grew = true;
				}
			}
		}
	} while (grew && rest > 0);
	if (rest > 0 && fill >= 0 && widths[fill] > 0) {
		widths[fill] += rest;
	} else if (rest > 0 && fill < 0) {
		/* no fill column: widen the last shown one */
		for (i = n_cols - 1; i >= 0; i--) {
			if (widths[i] > 0 && !cols[i].right) {
				widths[i] += rest;
				break;
			}
		}
	}
	return shown;
}

void
widget_table_draw(struct widget_table *t, const struct tui_draw *d, int y, int x, int h, int w,
		  bool focus)
{
	int widths[64];
	int n_cols = t->n_cols < 64 ? t->n_cols : 64;
	int c, cx, row_y;
	size_t i, rows;
	char buf[CELL_MAX];

	t->box_y = y;
	t->box_x = x;
	t->box_h = h;
	t->box_w = w;
	if (h <= 0 || w <= 0)
		return;
	widget_table_layout(t->cols, n_cols, t->hidden, w, widths);

	/* heading */
	tui_draw_fill(d, y, x, w, TUI_S_COLHEAD);
	for (c = 0, cx = x; c < n_cols; c++) {
		bool sorted = t->sortable && c == t->sort_col;
		enum tui_style st = sorted ? TUI_S_COLHEAD_SORT : TUI_S_COLHEAD;

		t->col_x[c] = cx;
		t->col_w[c] = widths[c];
		if (widths[c] == 0)
			continue;
		if (sorted && widths[c] >= 2) {
			char title[128];
			const char *mark = t->sort_desc ? d->sort_desc : d->sort_asc;

			if (t->cols[c].right)
				snprintf(title, sizeof title, "%s%s", mark, t->cols[c].title);
			else
				snprintf(title, sizeof title, "%s%s", t->cols[c].title, mark);
			tui_draw_text(d, y, cx, widths[c], st,
				      t->cols[c].right ? TUI_RIGHT : TUI_LEFT, true, title);
		} else {
			tui_draw_text(d, y, cx, widths[c], st,
				      t->cols[c].right ? TUI_RIGHT : TUI_LEFT, true,
				      t->cols[c].title);
		}
		cx += widths[c] + 1;
	}

	/* keep the cursor visible */
	rows = (size_t)(h - 1);
	if (rows == 0)
		return;
	if (t->cur < t->top)
		t->top = t->cur;
	if (t->cur >= t->top + rows)
		t->top = t->cur - rows + 1;
	if (t->top + rows > t->n_order)
		t->top = t->n_order > rows ? t->n_order - rows : 0;

	for (i = 0, row_y = y + 1; i < rows; i++, row_y++) {
		size_t idx = t->top + i, row;
		enum tui_style st;

		if (idx >= t->n_order) {
			tui_draw_fill(d, row_y, x, w, TUI_S_NORMAL);
			continue;
		}
		row = t->order[idx];
		st = t->src->style != NULL ? t->src->style(t->arg, row) : TUI_S_NORMAL;
		if (focus && idx == t->cur)
			st = TUI_S_SELECTED;
		tui_draw_fill(d, row_y, x, w, st);
		for (c = 0; c < n_cols; c++) {
			const char *text;

			if (widths[c] == 0)
				continue;
			if (t->src->draw_cell != NULL &&
			    t->src->draw_cell(t->arg, row, c, d, row_y, t->col_x[c], widths[c], st))
				continue;
			text = t->src->cell(t->arg, row, c, buf, sizeof buf);
			if (t->cols[c].fill)
				tui_draw_text_collapsed(d, row_y, t->col_x[c], widths[c], st,
							text != NULL ? text : "");
			else
				tui_draw_text(d, row_y, t->col_x[c], widths[c], st,
					      t->cols[c].right ? TUI_RIGHT : TUI_LEFT, false,
					      text != NULL ? text : "");
		}
	}
}

bool
widget_table_click(struct widget_table *t, int y, int x)
{
	int c;

	if (y < t->box_y || y >= t->box_y + t->box_h || x < t->box_x || x >= t->box_x + t->box_w)
		return false;
	if (y == t->box_y) {
		if (!t->sortable)
			return false;
		for (c = 0; c < t->n_cols; c++) {
			if (t->col_w[c] > 0 && x >= t->col_x[c] && x <= t->col_x[c] + t->col_w[c]) {
				if (c == t->sort_col)
					widget_table_sort_flip(t);
				else
					widget_table_set_sort(t, c, t->sort_desc);
				return true;
			}
		}
		return false;
	}
	if (t->top + (size_t)(y - t->box_y - 1) >= t->n_order)
		return false;
	t->cur = t->top + (size_t)(y - t->box_y - 1);
	remember_cursor(t);
	return true;
}
