/*
 * textpane: a scrollable page of wrapped paragraphs. See include/textpane.h.
 *
 * Vocabulary: a paragraph is what a view adds; a line is one screen row of
 * the layout (a paragraph makes one or more). The layout is an array of
 * lines, each naming its paragraph and the bytes of the paragraph's text it
 * shows; it is rebuilt when the width, the text options or the paragraphs
 * change.
 *
 * Invariants:
 *  - the scroll position is (top_para, top_sub): the paragraph at the top
 *    and how many of its lines are above the screen. It is only turned
 *    into a line number against a layout, and clamped there so that the
 *    last page is full when the document is longer than the screen;
 *  - every paragraph has at least one line (an empty one for "").
 */
#include "config.h"

#include "textpane.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define DEFAULT_WIDTH  80
#define DEFAULT_HEIGHT 20
#define FIT_BUF	       4096

struct para {
	char *text;
	enum tui_style style;
	int indent, hang;
	bool raw;
};

struct line {
	size_t para;
	size_t off, len; /* bytes of the paragraph's text */
	int indent;
};

struct textpane {
	struct para *paras;
	size_t n_paras, cap_paras;
	/* layout */
	struct line *lines;
	size_t n_lines, cap_lines;
	int width; /* of the layout; 0: none yet */
	struct tui_text_opts opts;
	bool dirty;
	/* scroll position */
	size_t top_para, top_sub;
	int height; /* last drawn */
};

struct textpane *
textpane_new(void)
{
	struct textpane *p = xcalloc(1, sizeof *p);

	p->height = DEFAULT_HEIGHT;
	p->dirty = true;
	return p;
}

void
textpane_clear(struct textpane *p)
{
	size_t i;

	for (i = 0; i < p->n_paras; i++)
		free(p->paras[i].text);
	p->n_paras = 0;
	p->dirty = true;
}

void
textpane_free(struct textpane **pp)
{
	struct textpane *p = *pp;

	if (p == NULL)
		return;
	textpane_clear(p);
	free(p->paras);
	free(p->lines);
	free(p);
	*pp = NULL;
}

static size_t
add(struct textpane *p, enum tui_style s, int indent, int hang, bool raw, char *text)
{
	struct para *x;

	if (p->n_paras == p->cap_paras) {
		p->cap_paras = p->cap_paras ? p->cap_paras * 2 : 32;
		p->paras = xreallocarray(p->paras, p->cap_paras, sizeof *p->paras);
	}
	x = &p->paras[p->n_paras];
	x->text = text;
	x->style = s;
	x->indent = indent > 0 ? indent : 0;
	x->hang = hang > 0 ? hang : 0;
	x->raw = raw;
	p->dirty = true;
	return p->n_paras++;
}

size_t
textpane_add(struct textpane *p, enum tui_style s, int indent, int hang, const char *text)
{
	return add(p, s, indent, hang, false, xstrdup(text != NULL ? text : ""));
}

size_t
textpane_addf(struct textpane *p, enum tui_style s, int indent, int hang, const char *fmt, ...)
{
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	text = xmalloc((size_t)(n > 0 ? n : 0) + 1);
	va_start(ap, fmt);
	vsnprintf(text, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
	va_end(ap);
	return add(p, s, indent, hang, false, text);
}

size_t
textpane_add_raw(struct textpane *p, enum tui_style s, int indent, const char *text)
{
	return add(p, s, indent, 0, true, xstrdup(text != NULL ? text : ""));
}

size_t
textpane_count(const struct textpane *p)
{
	return p->n_paras;
}

size_t
textpane_wrap(const char *text, int width, const struct tui_text_opts *o, const char **rest)
{
	struct tui_text_opts plain = *o;
	char buf[FIT_BUF];
	const char *cut, *sp;
	size_t n;

	plain.ellipsis = NULL;
	plain.ellipsis_width = 0;
	plain.collapse = false;
	if (width < 1)
		width = 1;
	tui_text_fit_rest(text, width, &plain, buf, sizeof buf, &cut);
	if (*cut == '\0') {
		*rest = cut;
		return (size_t)(cut - text);
	}
	if (cut == text) {
		/* not even one character fits (a double-width one in one column): take it */
		cut++;
		while ((*cut & 0xc0) == 0x80)
			cut++;
	}
	if (*cut == ' ') {
		/* the cut falls between words: the spaces before it go too */
		const char *end = cut;

		while (end > text && end[-1] == ' ')
			end--;
		n = (size_t)(end - text);
		while (*cut == ' ')
			cut++;
		*rest = cut;
		return n;
	}
	/* inside a word: break at the last space before it, if the line has one
	 * after its first word; else the word is cut */
	for (sp = cut; sp > text && sp[-1] != ' '; sp--)
		;
	if (sp > text) {
		while (sp > text && sp[-1] == ' ')
			sp--;
		if (sp > text)
			cut = sp;
	}
	n = (size_t)(cut - text);
	while (*cut == ' ')
		cut++;
	*rest = cut;
	return n;
}

int
textpane_wrap_lines(const char *text, int width, const struct tui_text_opts *o, char *lines,
		    size_t size, int max)
{
	const char *s = text, *rest;
	int n = 0;

	while (s != NULL && *s != '\0' && n < max && size > 0) {
		size_t len = textpane_wrap(s, width, o, &rest);
		char *line = lines + (size_t)n * size;

		if (len >= size) {
			len = size - 1;
			while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
				len--;
		}
		memcpy(line, s, len);
		line[len] = '\0';
		n++;
		s = rest;
	}
	return n;
}

static void
add_line(struct textpane *p, size_t para, size_t off, size_t len, int indent)
{
	struct line *l;

	if (p->n_lines == p->cap_lines) {
		p->cap_lines = p->cap_lines ? p->cap_lines * 2 : 64;
		p->lines = xreallocarray(p->lines, p->cap_lines, sizeof *p->lines);
	}
	l = &p->lines[p->n_lines++];
	l->para = para;
	l->off = off;
	l->len = len;
	l->indent = indent;
}

size_t
textpane_layout(struct textpane *p, int width, const struct tui_text_opts *o)
{
	size_t i;

	if (!p->dirty && width == p->width && memcmp(o, &p->opts, sizeof *o) == 0)
		return p->n_lines;
	p->width = width;
	p->opts = *o;
	p->dirty = false;
	p->n_lines = 0;
	for (i = 0; i < p->n_paras; i++) {
		const struct para *x = &p->paras[i];
		const char *s = x->text, *rest;
		int indent = x->indent;

		if (x->raw || *s == '\0') {
			add_line(p, i, 0, strlen(s), indent);
			continue;
		}
		while (*s != '\0') {
			size_t n = textpane_wrap(s, width - indent, o, &rest);

			add_line(p, i, (size_t)(s - x->text), n, indent);
			s = rest;
			indent = x->indent + x->hang;
			if (indent >= width - 8)
				indent = width > 16 ? width - 8 : 0; /* keep room for words */
		}
	}
	return p->n_lines;
}

static void
ensure_layout(struct textpane *p)
{
	if (p->width == 0) {
		struct tui_text_opts o = { false, false, NULL, 0 };

		textpane_layout(p, DEFAULT_WIDTH, &o);
	} else if (p->dirty) {
		struct tui_text_opts o = p->opts;

		textpane_layout(p, p->width, &o);
	}
}

const char *
textpane_line(const struct textpane *p, size_t i, int *indent, enum tui_style *s, char *buf,
	      size_t size)
{
	const struct line *l;
	size_t n;

	if (i >= p->n_lines || size == 0) {
		if (size > 0)
			buf[0] = '\0';
		*indent = 0;
		*s = TUI_S_NORMAL;
		return buf;
	}
	l = &p->lines[i];
	n = l->len < size - 1 ? l->len : size - 1;
	memcpy(buf, p->paras[l->para].text + l->off, n);
	buf[n] = '\0';
	*indent = l->indent;
	*s = p->paras[l->para].style;
	return buf;
}

/* The first line of paragraph para in the layout (n_lines when past the end). */
static size_t
first_line_of(const struct textpane *p, size_t para)
{
	size_t lo = 0, hi = p->n_lines;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p->lines[mid].para < para)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t
max_top(const struct textpane *p)
{
	size_t h = p->height > 0 ? (size_t)p->height : 1;

	return p->n_lines > h ? p->n_lines - h : 0;
}

size_t
textpane_top(const struct textpane *p)
{
	size_t top;

	if (p->n_lines == 0)
		return 0;
	if (p->top_para >= p->n_paras)
		top = p->n_lines;
	else
		top = first_line_of(p, p->top_para) + p->top_sub;
	if (top > max_top(p))
		top = max_top(p);
	return top;
}

size_t
textpane_lines(const struct textpane *p)
{
	return p->n_lines;
}

static void
set_top(struct textpane *p, size_t top)
{
	if (top > max_top(p))
		top = max_top(p);
	if (p->n_lines == 0) {
		p->top_para = p->top_sub = 0;
		return;
	}
	p->top_para = p->lines[top].para;
	p->top_sub = top - first_line_of(p, p->top_para);
}

void
textpane_scroll(struct textpane *p, enum textpane_move how)
{
	size_t top, page;

	ensure_layout(p);
	top = textpane_top(p);
	page = p->height > 1 ? (size_t)p->height - 1 : 1;
	switch (how) {
	case TEXTPANE_UP:
		top = top > 0 ? top - 1 : 0;
		break;
	case TEXTPANE_DOWN:
		top++;
		break;
	case TEXTPANE_PAGE_UP:
		top = top > page ? top - page : 0;
		break;
	case TEXTPANE_PAGE_DOWN:
		top += page;
		break;
	case TEXTPANE_HOME:
		top = 0;
		break;
	case TEXTPANE_END:
		top = p->n_lines;
		break;
	}
	set_top(p, top);
}

void
textpane_scroll_to(struct textpane *p, size_t para)
{
	p->top_para = para;
	p->top_sub = 0;
	ensure_layout(p);
	if (para < p->n_paras)
		set_top(p, first_line_of(p, para));
}

void
textpane_draw(struct textpane *p, const struct tui_draw *d, int y, int x, int h, int w)
{
	size_t top, i;
	char buf[FIT_BUF];
	bool scrolls;
	int row;

	if (h <= 0 || w <= 0)
		return;
	p->height = h;
	textpane_layout(p, w - 1, &d->text); /* the last column is for the scroll mark */
	scrolls = p->n_lines > (size_t)h;
	top = textpane_top(p);
	for (row = 0; row < h; row++) {
		enum tui_style s;
		int indent;

		i = top + (size_t)row;
		tui_draw_fill(d, y + row, x, w, TUI_S_NORMAL);
		if (i >= p->n_lines)
			continue;
		textpane_line(p, i, &indent, &s, buf, sizeof buf);
		if (indent < w - 1)
			tui_draw_text(d, y + row, x + indent, w - 1 - indent, s, TUI_LEFT, false,
				      buf);
	}
	if (scrolls) {
		/* a thumb in the last column: where the screen is in the document */
		size_t thumb = (size_t)h * (size_t)h / p->n_lines;
		size_t at = top * (size_t)h / p->n_lines;

		if (thumb < 1)
			thumb = 1;
		if (top + (size_t)h >= p->n_lines)
			at = (size_t)h - thumb;
		for (row = 0; row < h; row++) {
			bool on = (size_t)row >= at && (size_t)row < at + thumb;

			tui_draw_text(d, y + row, x + w - 1, 1, on ? TUI_S_SELECTED : TUI_S_DIM,
				      TUI_LEFT, false, on ? " " : d->vline);
		}
	}
}
