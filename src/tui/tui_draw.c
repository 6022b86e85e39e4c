/*
 * tui_draw: styles, glyphs, text, bars and sparklines. See include/tui_draw.h.
 *
 * Colour pairs are numbered by style (pair i+1 for style i). The default
 * background is kept (use_default_colors) where the terminal allows it, so
 * the console sits on the user's own background.
 */
#include "config.h"

#include "tui_draw.h"

#include <string.h>

struct style_def {
	short fg, bg;	   /* colours when colour is on (-1: default) */
	attr_t color_attr; /* extra attributes with colours */
	attr_t mono_attr;  /* attributes without colours */
};

static const struct style_def style_defs[TUI_S_COUNT] = {
	[TUI_S_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[TUI_S_HEADER] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[TUI_S_HEADER_SEL] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_BOLD },
	[TUI_S_KEYBAR] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[TUI_S_KEYBAR_KEY] = { COLOR_WHITE, COLOR_BLACK, A_BOLD, A_BOLD },
	[TUI_S_TITLE] = { COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[TUI_S_COLHEAD] = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_UNDERLINE },
	[TUI_S_COLHEAD_SORT] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_UNDERLINE | A_BOLD },
	[TUI_S_SELECTED] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[TUI_S_DIM] = { COLOR_BLUE, -1, A_BOLD, A_DIM },
	[TUI_S_OK] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[TUI_S_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[TUI_S_CRIT] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[TUI_S_STALE] = { COLOR_MAGENTA, -1, A_BOLD, A_BOLD },
	[TUI_S_BAR_ACTIVE] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[TUI_S_BAR_IDLE] = { COLOR_BLUE, -1, A_BOLD, A_NORMAL },
	[TUI_S_BAR_IDLETX] = { COLOR_YELLOW, -1, A_NORMAL, A_NORMAL },
	[TUI_S_BAR_WAIT] = { COLOR_RED, -1, A_BOLD, A_NORMAL },
	[TUI_S_BAR_EMPTY] = { COLOR_BLACK, -1, A_BOLD, A_NORMAL },
	[TUI_S_SPARK] = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[TUI_S_DIALOG] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
};

static const enum tui_style seg_style[TUI_SEG_COUNT] = {
	[TUI_SEG_ACTIVE] = TUI_S_BAR_ACTIVE,
	[TUI_SEG_IDLETX] = TUI_S_BAR_IDLETX,
	[TUI_SEG_WAIT] = TUI_S_BAR_WAIT,
	[TUI_SEG_IDLE] = TUI_S_BAR_IDLE,
};

void
tui_draw_init(struct tui_draw *d, bool color, bool unicode, bool utf8)
{
	static const char *const u_eighths[9] = { " ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█" };
	static const char *const u_spark[8] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char *const a_spark[8] = { "_", ".", ",", ":", "-", "=", "+", "#" };
	bool default_bg = false;
	int i;

	memset(d, 0, sizeof *d);
	d->utf8 = utf8;
	d->unicode = unicode && utf8;
	d->color = color && has_colors();
	if (d->color) {
		start_color();
#ifdef HAVE_USE_DEFAULT_COLORS
		default_bg = use_default_colors() == OK;
#endif
	}
	for (i = 0; i < TUI_S_COUNT; i++) {
		const struct style_def *s = &style_defs[i];

		if (d->color && i != TUI_S_NORMAL && COLOR_PAIRS > i + 1) {
			short fg = s->fg, bg = s->bg;

			/* without default colours, -1 is not a colour: white on black */
			if (!default_bg && fg < 0)
				fg = COLOR_WHITE;
			if (!default_bg && bg < 0)
				bg = COLOR_BLACK;
			init_pair((short)(i + 1), fg, bg);
			d->pair[i] = (short)(i + 1);
			d->attr[i] = s->color_attr;
		} else {
			d->pair[i] = 0;
			d->attr[i] = d->color ? s->color_attr : s->mono_attr;
		}
	}
	if (d->unicode) {
		d->ellipsis = "…";
		d->seg_char[TUI_SEG_ACTIVE] = "█";
		d->seg_char[TUI_SEG_IDLETX] = "▓";
		d->seg_char[TUI_SEG_WAIT] = "▒";
		d->seg_char[TUI_SEG_IDLE] = "░";
		for (i = 0; i < 9; i++)
			d->eighths[i] = u_eighths[i];
		for (i = 0; i < 8; i++)
			d->spark[i] = u_spark[i];
		d->vline = "│";
		d->hline = "─";
		d->dot_ok = "●";
		d->dot_down = "○";
		d->sort_asc = "▲";
		d->sort_desc = "▼";
		d->tree_mid = "├─ ";
		d->tree_last = "└─ ";
		d->tree_pipe = "│  ";
		d->warn_mark = "▲";
		d->corner[0] = "┌";
		d->corner[1] = "┐";
		d->corner[2] = "└";
		d->corner[3] = "┘";
	} else {
		d->ellipsis = "~";
		d->seg_char[TUI_SEG_ACTIVE] = "#";
		d->seg_char[TUI_SEG_IDLETX] = "!";
		d->seg_char[TUI_SEG_WAIT] = "w";
		d->seg_char[TUI_SEG_IDLE] = "-";
		for (i = 0; i < 9; i++)
			d->eighths[i] = i >= 4 ? "#" : " ";
		for (i = 0; i < 8; i++)
			d->spark[i] = a_spark[i];
		d->vline = "|";
		d->hline = "-";
		d->dot_ok = "*";
		d->dot_down = "o";
		d->sort_asc = "^";
		d->sort_desc = "v";
		d->tree_mid = "|- ";
		d->tree_last = "`- ";
		d->tree_pipe = "|  ";
		d->warn_mark = "!";
		for (i = 0; i < 4; i++)
			d->corner[i] = "+";
	}
	d->text.utf8 = utf8;
	d->text.collapse = false;
	d->text.ellipsis = d->ellipsis;
	d->text.ellipsis_width = 1;
}

/* The curses attributes of style s (colour pair included). */
static attr_t
style_attr(const struct tui_draw *d, enum tui_style s)
{
	return d->attr[s] | (d->pair[s] != 0 ? COLOR_PAIR(d->pair[s]) : 0);
}

void
tui_draw_style(const struct tui_draw *d, enum tui_style s)
{
	attrset(style_attr(d, s));
}

void
tui_draw_fill(const struct tui_draw *d, int y, int x, int width, enum tui_style s)
{
	if (width <= 0)
		return;
	tui_draw_style(d, s);
	mvhline(y, x, ' ', width);
}

void
tui_draw_frame(const struct tui_draw *d, int y, int x, int h, int w, enum tui_style s)
{
	int i, j;

	if (h < 2 || w < 2)
		return;
	tui_draw_style(d, s);
	for (i = 0; i < h; i++) {
		for (j = 0; j < w; j++) {
			const char *c = " ";

			if ((i == 0 || i == h - 1) && (j == 0 || j == w - 1))
				c = d->corner[(i == 0 ? 0 : 2) + (j == 0 ? 0 : 1)];
			else if (i == 0 || i == h - 1)
				c = d->hline;
			else if (j == 0 || j == w - 1)
				c = d->vline;
			mvaddstr(y + i, x + j, c);
		}
	}
}

static int
draw_fitted(const struct tui_draw *d, int y, int x, int width, enum tui_style s,
	    enum tui_align align, bool pad, const char *text, bool collapse)
{
	struct tui_text_opts o = d->text;
	char buf[1024];
	int used, off = 0;

	if (width <= 0)
		return 0;
	o.collapse = collapse;
	used = tui_text_fit(text, width, &o, buf, sizeof buf);
	if (align == TUI_RIGHT)
		off = width - used;
	else if (align == TUI_CENTER)
		off = (width - used) / 2;
	if (pad)
		tui_draw_fill(d, y, x, width, s);
	tui_draw_style(d, s);
	mvaddstr(y, x + off, buf);
	return used;
}

int
tui_draw_text(const struct tui_draw *d, int y, int x, int width, enum tui_style s,
	      enum tui_align align, bool pad, const char *text)
{
	return draw_fitted(d, y, x, width, s, align, pad, text, false);
}

int
tui_draw_text_collapsed(const struct tui_draw *d, int y, int x, int width, enum tui_style s,
			const char *text)
{
	return draw_fitted(d, y, x, width, s, TUI_LEFT, false, text, true);
}

int
tui_draw_width(const struct tui_draw *d, const char *text)
{
	return tui_text_width(text, &d->text);
}

void
tui_draw_bar(const struct tui_draw *d, int y, int x, int width, const int *values,
	     const enum tui_seg *segs, size_t n, int total)
{
	/* segment boundaries in eighths of a cell (unicode) or in cells */
	int unit = d->unicode ? 8 : 1;
	long bounds[TUI_SEG_COUNT + 1];
	long cum = 0;
	size_t i, k;
	int cell;

	if (width <= 0)
		return;
	if (n > TUI_SEG_COUNT)
		n = TUI_SEG_COUNT;
	for (i = 0; i < n; i++) {
		cum += values[i] > 0 ? values[i] : 0;
		if (total <= 0)
			bounds[i] = 0;
		else if (cum >= total)
			bounds[i] = (long)width * unit;
		else
			bounds[i] = (cum * width * unit + total / 2) / total;
	}
	k = 0;
	for (cell = 0; cell < width; cell++) {
		long lo = (long)cell * unit, hi = lo + unit;

		while (k < n && bounds[k] <= lo)
			k++;
		if (k >= n) {
			tui_draw_style(d, TUI_S_BAR_EMPTY);
			mvaddstr(y, x + cell, " ");
			continue;
		}
		tui_draw_style(d, seg_style[segs[k]]);
		if (bounds[k] >= hi) {
			mvaddstr(y, x + cell, d->seg_char[segs[k]]);
		} else if (d->unicode && segs[k] == TUI_SEG_ACTIVE) {
			mvaddstr(y, x + cell, d->eighths[bounds[k] - lo]);
		} else if (d->unicode && bounds[k] - lo >= 4) {
			mvaddstr(y, x + cell, d->seg_char[segs[k]]);
		} else if (d->unicode) {
			tui_draw_style(d, TUI_S_BAR_EMPTY);
			mvaddstr(y, x + cell, " ");
		} else {
			mvaddstr(y, x + cell, d->seg_char[segs[k]]);
		}
	}
}

void
tui_draw_sparkline(const struct tui_draw *d, int y, int x, int width, const int *v, size_t n,
		   int max, enum tui_style s)
{
	size_t per, cells, c, i;
	int off;

	if (width <= 0 || n == 0)
		return;
	per = (n + (size_t)width - 1) / (size_t)width;
	cells = (n + per - 1) / per;
	if (max <= 0) {
		for (i = 0; i < n; i++) {
			if (v[i] > max)
				max = v[i];
		}
	}
	off = width - (int)cells;
	tui_draw_style(d, s);
	for (c = 0; c < cells; c++) {
		long start = (long)n - (long)((cells - c) * per);
		long end = (long)n - (long)((cells - c - 1) * per);
		int top = 0, level;

		if (start < 0)
			start = 0;
		for (i = (size_t)start; i < (size_t)end; i++) {
			if (v[i] > top)
				top = v[i];
		}
		level = max > 0 ? (int)(((long)top * 7 + max - 1) / max) : 0;
		if (level > 7)
			level = 7;
		if (top == 0)
			level = 0;
		mvaddstr(y, x + off + (int)c, d->spark[level]);
	}
}
