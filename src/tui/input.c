/*
 * input: the one modal text input. See include/input.h.
 *
 * The text is UTF-8 in a fixed buffer; `cursor` is a byte offset that
 * always sits on a character boundary (movement and deletion step over
 * continuation bytes). Keys arrive as the console delivers them: a
 * character's code point, or TUI_KEYCODE(curses key code).
 *
 * Drawing, in a box centred in the area it is given; a plain input:
 *
 *   ┌ Write the generated profile ───────────────────────┐
 *   │ The file to write; migration folders are created   │
 *   │ next to it.                                        │
 *   │                                                    │
 *   │ ./pgdbm-profile.yaml█                              │
 *   │ cannot write ./x/y.yaml: No such file or directory │
 *   │ Enter accept   Esc cancel   C-u erase              │
 *   └────────────────────────────────────────────────────┘
 *
 * a checked one (the check's answer under the field as the user types,
 * the owner's lines under it):
 *
 *   ┌ Provision a tenant ────────────────────────────────┐
 *   │ tenant id: acme_█                                  │
 *   │ ok: Enter to confirm        (or: why it is not)    │
 *   │                                                    │
 *   │ <lines: what will run / progress / result>         │
 *   │                                                    │
 *   │ [Enter] confirm    [Esc] cancel                    │
 *   └────────────────────────────────────────────────────┘
 *
 * (while the check refuses the text, the keys offer only [Esc] cancel).
 *
 * The field shows the part of the text around the cursor when it is
 * longer than the box; the cursor cell is drawn in the selected style.
 */
#include "config.h"

#include "input.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "textpane.h"
#include "tui.h"
#include "tui_curses.h"
#include "xalloc.h"

#define BOX_MAX_W  72
#define HELP_LINES 4
#define ERR_LINES  3
#define LINE_BUF   512

/* The key bar of a plain input, of a checked one, of a submitted one. */
static const char bar_plain[] = " type the value   Enter accept   Esc cancel   C-u erase   "
				"Left/Right move";
static const char bar_checked[] = " type   Enter confirm   Esc cancel   C-u erase";
static const char bar_checking[] = " type   Esc cancel   C-u erase   (Enter once it is ok)";
static const char bar_submitted[] =
	" Esc close (what was started goes on; the Pools view lists it)";

void
input_open(struct input *in, const char *title, const char *help, const char *text)
{
	size_t n = text != NULL ? strlen(text) : 0;

	input_close(in);
	in->open = true;
	in->title = xstrdup(title != NULL ? title : "");
	in->help = help != NULL ? xstrdup(help) : NULL;
	if (n >= INPUT_MAX)
		n = INPUT_MAX - 1;
	/* never cut inside a character */
	while (n > 0 && text != NULL && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		memcpy(in->text, text, n);
	in->text[n] = '\0';
	in->len = n;
	in->cursor = n;
}

void
input_open_checked(struct input *in, const char *title, const char *label,
		   const struct input_check *check, void *arg)
{
	input_open(in, title, NULL, "");
	in->label = label != NULL ? xstrdup(label) : NULL;
	in->check = check;
	in->check_arg = arg;
	input_recheck(in);
}

void
input_close(struct input *in)
{
	free(in->title);
	free(in->help);
	free(in->label);
	free(in->error);
	in->title = in->help = in->label = in->error = NULL;
	in->open = false;
	in->text[0] = '\0';
	in->len = in->cursor = 0;
	in->check = NULL;
	in->check_arg = NULL;
	in->refused = in->submitted = false;
}

void
input_set_error(struct input *in, const char *error)
{
	free(in->error);
	in->error = error != NULL ? xstrdup(error) : NULL;
}

void
input_recheck(struct input *in)
{
	if (in->check == NULL || in->check->check == NULL)
		return;
	free(in->error);
	in->error = in->check->check(in->check_arg, in->text);
	in->refused = false;
}

void
input_set_submitted(struct input *in)
{
	in->submitted = true;
}

const char *
input_text(const struct input *in)
{
	return in->text;
}

const char *
input_bar(const struct input *in)
{
	if (in->submitted)
		return bar_submitted;
	if (in->check == NULL)
		return bar_plain;
	/* Enter is offered only for a text the check accepts */
	return in->error == NULL ? bar_checked : bar_checking;
}

static bool
is_cont(const struct input *in, size_t i)
{
	return i < in->len && ((unsigned char)in->text[i] & 0xc0) == 0x80;
}

static size_t
prev_char(const struct input *in, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && is_cont(in, i))
		i--;
	return i;
}

static size_t
next_char(const struct input *in, size_t i)
{
	if (i >= in->len)
		return in->len;
	i++;
	while (i < in->len && is_cont(in, i))
		i++;
	return i;
}

/* Remove bytes [from, to). */
static void
cut(struct input *in, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(in->text + from, in->text + to, in->len - to + 1);
	in->len -= to - from;
	if (in->cursor > to)
		in->cursor -= to - from;
	else if (in->cursor > from)
		in->cursor = from;
}

static bool
insert(struct input *in, int key)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)key, &st);
	if (n == (size_t)-1 || n == 0 || in->len + n + 1 > INPUT_MAX)
		return false;
	memmove(in->text + in->cursor + n, in->text + in->cursor, in->len - in->cursor + 1);
	memcpy(in->text + in->cursor, mb, n);
	in->len += n;
	in->cursor += n;
	return true;
}

enum input_result
input_key(struct input *in, int key)
{
	bool enter = key == '\n' || key == '\r' || key == TUI_KEYCODE(KEY_ENTER);
	size_t i;

	if (key == TUI_ESC || key == TUI_CTRL('g'))
		return INPUT_CANCEL;
	if (in->submitted)
		return enter || key == 'q' ? INPUT_CANCEL : INPUT_EDITING;
	if (enter) {
		if (in->check != NULL && in->error != NULL) {
			in->refused = true; /* the reason stays, now as a refusal */
			return INPUT_EDITING;
		}
		return INPUT_ACCEPT;
	}
	switch (key) {
	case TUI_KEYCODE(KEY_LEFT):
	case TUI_CTRL('b'):
		in->cursor = prev_char(in, in->cursor);
		return INPUT_EDITING;
	case TUI_KEYCODE(KEY_RIGHT):
	case TUI_CTRL('f'):
		in->cursor = next_char(in, in->cursor);
		return INPUT_EDITING;
	case TUI_KEYCODE(KEY_HOME):
	case TUI_CTRL('a'):
		in->cursor = 0;
		return INPUT_EDITING;
	case TUI_KEYCODE(KEY_END):
	case TUI_CTRL('e'):
		in->cursor = in->len;
		return INPUT_EDITING;
	case TUI_KEYCODE(KEY_BACKSPACE):
	case 127:
	case 8:
		cut(in, prev_char(in, in->cursor), in->cursor);
		break;
	case TUI_KEYCODE(KEY_DC):
	case TUI_CTRL('d'):
		cut(in, in->cursor, next_char(in, in->cursor));
		break;
	case TUI_CTRL('u'):
		cut(in, 0, in->cursor);
		break;
	case TUI_CTRL('k'):
		cut(in, in->cursor, in->len);
		break;
	case TUI_CTRL('w'):
		/* the word before the cursor, and the spaces after it */
		i = in->cursor;
		while (i > 0 && in->text[i - 1] == ' ')
			i--;
		while (i > 0 && in->text[i - 1] != ' ' && in->text[i - 1] != '/' &&
		       in->text[i - 1] != ',')
			i--;
		if (i == in->cursor && i > 0)
			i = prev_char(in, i); /* a lone separator goes too */
		cut(in, i, in->cursor);
		break;
	default:
		if (key < 0x20 || key == 127 || key >= 0x110000)
			return INPUT_EDITING; /* another special key: ignored */
		if (!insert(in, key))
			return INPUT_EDITING;
		break;
	}
	if (in->check != NULL)
		input_recheck(in);
	else
		input_set_error(in, NULL);
	return INPUT_EDITING;
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

/* Display width of text[from, to). */
static int
span_width(const struct tui_draw *d, const char *text, size_t from, size_t to)
{
	char buf[INPUT_MAX];
	size_t n = to - from;

	memcpy(buf, text + from, n);
	buf[n] = '\0';
	return tui_draw_width(d, buf);
}

static void
draw_field(const struct input *in, const struct tui_draw *d, int y, int x, int w)
{
	size_t start = 0, end;
	char cell[8];
	int cx;

	/* scroll sideways: the cursor cell must be inside the field */
	while (start < in->cursor && span_width(d, in->text, start, in->cursor) > w - 1)
		start = next_char(in, start);
	tui_draw_fill(d, y, x, w, TUI_S_NORMAL);
	tui_draw_text(d, y, x, w, TUI_S_NORMAL, TUI_LEFT, false, in->text + start);
	cx = span_width(d, in->text, start, in->cursor);
	end = next_char(in, in->cursor);
	if (end > in->cursor && end - in->cursor < sizeof cell) {
		memcpy(cell, in->text + in->cursor, end - in->cursor);
		cell[end - in->cursor] = '\0';
	} else {
		strcpy(cell, " ");
	}
	if (cx < w)
		tui_draw_text(d, y, x + cx, w - cx, TUI_S_SELECTED, TUI_LEFT, false, cell);
}

void
input_draw_line(const struct input *in, const struct tui_draw *d, int y, int x, int w)
{
	if (w > 0)
		draw_field(in, d, y, x, w);
}

/* The field's row: the label, if any, then the field. */
static void
draw_field_row(const struct input *in, const struct tui_draw *d, int y, int x, int w)
{
	int lw = 0;

	if (in->label != NULL) {
		lw = tui_draw_text(d, y, x, w, TUI_S_DIALOG, TUI_LEFT, false, in->label);
		lw += tui_draw_text(d, y, x + lw, w - lw, TUI_S_DIALOG, TUI_LEFT, false, " ");
	}
	if (w - lw > 0)
		draw_field(in, d, y, x + lw, w - lw);
}

/*
 * What stands under the field: a plain input's error (red), or a checked
 * one's verdict: "started" once submitted, why the text is not acceptable
 * (red once Enter was refused), or that it is. Returns the lines and sets
 * their style.
 */
static int
verdict(const struct input *in, const struct tui_draw *d, int width, char lines[][LINE_BUF],
	enum tui_style *style)
{
	if (in->check != NULL && (in->submitted || in->error == NULL)) {
		*style = in->submitted ? TUI_S_DIALOG : TUI_S_OK;
		snprintf(lines[0], LINE_BUF, "%s",
			 in->submitted ? "started" : "ok: Enter to confirm");
		return 1;
	}
	*style = in->check == NULL || in->refused ? TUI_S_CRIT : TUI_S_WARN;
	if (in->error == NULL)
		return 0;
	return textpane_wrap_lines(in->error, width, &d->text, lines[0], LINE_BUF, ERR_LINES);
}

void
input_draw(const struct input *in, const struct tui_draw *d, int y, int x, int h, int w)
{
	char help[HELP_LINES][LINE_BUF], err[ERR_LINES][LINE_BUF], title[LINE_BUF];
	struct input_line info[INPUT_LINES_MAX];
	int bw = w - 4 < BOX_MAX_W ? w - 4 : BOX_MAX_W;
	int n_help, n_err, n_info = 0, bh, by, bx, row, i;
	enum tui_style err_style;
	bool checked = in->check != NULL;

	if (!in->open || bw < 12 || h < 5)
		return;
	n_help = in->help != NULL ? textpane_wrap_lines(in->help, bw - 4, &d->text, help[0],
							LINE_BUF, HELP_LINES)
				  : 0;
	n_err = verdict(in, d, bw - 4, err, &err_style);
	if (checked && in->check->info != NULL)
		n_info = in->check->info(in->check_arg, in->text, in->submitted, info,
					 INPUT_LINES_MAX);
	/* frame, help, blank, field, verdict, [blank, lines, blank,] keys, frame */
	bh = 2 + n_help + (n_help > 0) + 1 + n_err + (checked ? 2 + n_info : 0) + 1;
	while (bh > h && n_info > 0) {
		n_info--;
		bh--;
	}
	while (bh > h && n_help > 0) {
		n_help--;
		bh--;
	}
	if (bh > h)
		bh = h;
	by = y + (h - bh) / 2;
	bx = x + (w - bw) / 2;
	tui_draw_frame(d, by, bx, bh, bw, TUI_S_DIALOG);
	snprintf(title, sizeof title, " %s ", in->title);
	tui_draw_text(d, by, bx + 2, bw - 4, TUI_S_DIALOG, TUI_LEFT, false, title);
	row = by + 1;
	for (i = 0; i < n_help && row < by + bh - 1; i++, row++)
		tui_draw_text(d, row, bx + 2, bw - 4, TUI_S_DIALOG, TUI_LEFT, false, help[i]);
	if (n_help > 0 && row < by + bh - 1)
		row++;
	if (row < by + bh - 1)
		draw_field_row(in, d, row++, bx + 2, bw - 4);
	for (i = 0; i < n_err && row < by + bh - 1; i++, row++)
		tui_draw_text(d, row, bx + 2, bw - 4, err_style, TUI_LEFT, !checked, err[i]);
	if (checked) {
		row++;
		for (i = 0; i < n_info && row < by + bh - 1; i++, row++)
			tui_draw_text(d, row, bx + 2, bw - 4, info[i].style, TUI_LEFT, false,
				      info[i].text);
		row++;
	}
	if (row < by + bh - 1)
		tui_draw_text(d, row, bx + 2, bw - 4, TUI_S_DIALOG, TUI_LEFT, false,
			      !checked		  ? "Enter accept   Esc cancel   C-u erase"
			      : in->submitted	  ? "[Esc] close"
			      : in->error == NULL ? "[Enter] confirm    [Esc] cancel"
						  : "[Esc] cancel");
}
