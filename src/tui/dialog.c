/*
 * dialog: a text field, its live validation and lines under it.
 * See include/dialog.h.
 *
 * The box, centred:
 *
 *   ┌─ Provision a tenant ─────────────────────────────┐
 *   │ tenant id: acme_█                                 │
 *   │ ok                          (or: why it is not)   │
 *   │                                                   │
 *   │ <info lines: what will run / progress / result>   │
 *   │                                                   │
 *   │ Enter provision   Esc cancel                      │
 *   └───────────────────────────────────────────────────┘
 *
 * The text takes printable characters (UTF-8), Backspace and C-u; the check
 * runs after every change, so the reason shows while typing.
 */
#include "config.h"

#include "dialog.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui.h"
#include "xalloc.h"

struct dialog {
	char *title;
	char *prompt;
	const struct dialog_ops *ops;
	void *arg;
	char text[DIALOG_TEXT_MAX];
	char *problem; /* the check's answer for text (NULL: acceptable) */
	bool submitted;
	bool refused; /* Enter was pressed on a text that is not acceptable */
};

static void
recheck(struct dialog *d)
{
	free(d->problem);
	d->problem = d->ops->check != NULL ? d->ops->check(d->arg, d->text) : NULL;
	d->refused = false;
}

struct dialog *
dialog_new(const char *title, const char *prompt, const struct dialog_ops *ops, void *arg)
{
	struct dialog *d = xcalloc(1, sizeof *d);

	d->title = xstrdup(title);
	d->prompt = xstrdup(prompt);
	d->ops = ops;
	d->arg = arg;
	recheck(d);
	return d;
}

void
dialog_free(struct dialog **dp)
{
	struct dialog *d = *dp;

	if (d == NULL)
		return;
	if (d->ops->closed != NULL)
		d->ops->closed(d->arg);
	free(d->title);
	free(d->prompt);
	free(d->problem);
	free(d);
	*dp = NULL;
}

bool
dialog_submitted(const struct dialog *d)
{
	return d->submitted;
}

const char *
dialog_text(const struct dialog *d)
{
	return d->text;
}

const char *
dialog_keys(const struct dialog *d)
{
	if (d->submitted)
		return " Esc close (what was started goes on; the Pools view lists it)";
	return " type   Enter confirm   Esc cancel   C-u erase";
}

bool
dialog_key(struct dialog *d, struct tui *t, int key)
{
	size_t len = strlen(d->text);

	if (key == TUI_ESC)
		return true;
	if (d->submitted)
		return key == '\n' || key == '\r' || key == TUI_KEYCODE(KEY_ENTER) || key == 'q';
	if (key == '\n' || key == '\r' || key == TUI_KEYCODE(KEY_ENTER)) {
		if (d->problem != NULL) {
			d->refused = true;
			return false;
		}
		d->submitted = d->ops->submit(t, d->arg, d->text);
		return false;
	}
	if (d->ops->key != NULL && d->ops->key(d->arg, key)) {
		recheck(d);
		return false;
	}
	if (key == TUI_KEYCODE(KEY_BACKSPACE) || key == 127 || key == 8) {
		while (len > 0) {
			len--;
			if (((unsigned char)d->text[len] & 0xc0) != 0x80)
				break;
		}
		d->text[len] = '\0';
	} else if (key == TUI_CTRL('u')) {
		d->text[0] = '\0';
	} else if (key >= 0x20 && key < 0x110000 && key != 127) {
		char mb[MB_LEN_MAX];
		mbstate_t st;
		size_t n;

		memset(&st, 0, sizeof st);
		n = wcrtomb(mb, (wchar_t)key, &st);
		if (n == (size_t)-1 || len + n + 1 > sizeof d->text)
			return false;
		memcpy(d->text + len, mb, n);
		d->text[len + n] = '\0';
	} else {
		return false;
	}
	recheck(d);
	return false;
}

void
dialog_draw(struct dialog *d, const struct tui_draw *dr, int rows, int cols)
{
	struct dialog_line lines[DIALOG_INFO_MAX];
	int n = d->ops->info != NULL
			? d->ops->info(d->arg, d->text, d->submitted, lines, DIALOG_INFO_MAX)
			: 0;
	int w = cols - 4 < 76 ? cols - 4 : 76;
	int h, y, x, i, cx, np = 0;
	char buf[DIALOG_LINE_MAX + 64], verdict[3][DIALOG_LINE_MAX];
	struct tui_text_opts o = dr->text;
	const char *p = d->problem;

	/* the reason, wrapped on up to three lines */
	o.ellipsis = NULL;
	while (!d->submitted && p != NULL && *p != '\0' && np < 3) {
		const char *rest;

		tui_text_fit_rest(p, w - 4, &o, verdict[np], sizeof verdict[np], &rest);
		if (rest == p)
			break;
		np++;
		p = rest;
		while (*p == ' ')
			p++;
	}
	if (np == 0)
		np = 1;
	h = 6 + np + n;
	if (h > rows - 2) {
		n -= h - (rows - 2);
		if (n < 0)
			n = 0;
		h = 6 + np + n;
	}
	y = (rows - h) / 2;
	x = (cols - w) / 2;
	tui_draw_frame(dr, y, x, h, w, TUI_S_DIALOG);
	snprintf(buf, sizeof buf, " %s ", d->title);
	tui_draw_text(dr, y, x + 2, w - 4, TUI_S_DIALOG, TUI_LEFT, false, buf);
	/* the field */
	cx = x + 2;
	cx += tui_draw_text(dr, y + 1, cx, w - 4, TUI_S_DIALOG, TUI_LEFT, false, d->prompt);
	cx += tui_draw_text(dr, y + 1, cx, 1, TUI_S_DIALOG, TUI_LEFT, false, " ");
	cx += tui_draw_text(dr, y + 1, cx, x + w - 2 - cx, TUI_S_SELECTED, TUI_LEFT, false,
			    d->text);
	/* the verdict */
	if (d->submitted)
		tui_draw_text(dr, y + 2, x + 2, w - 4, TUI_S_DIALOG, TUI_LEFT, false, "started");
	else if (d->problem != NULL)
		for (i = 0; i < np; i++)
			tui_draw_text(dr, y + 2 + i, x + 2, w - 4,
				      d->refused ? TUI_S_CRIT : TUI_S_WARN, TUI_LEFT, false,
				      verdict[i]);
	else
		tui_draw_text(dr, y + 2, x + 2, w - 4, TUI_S_OK, TUI_LEFT, false,
			      "ok: Enter to confirm");
	for (i = 0; i < n; i++)
		tui_draw_text(dr, y + 3 + np + i, x + 2, w - 4, lines[i].style, TUI_LEFT, false,
			      lines[i].text);
	tui_draw_text(dr, y + h - 2, x + 2, w - 4, TUI_S_DIALOG, TUI_LEFT, false,
		      d->submitted ? "[Esc] close" : "[Enter] confirm    [Esc] cancel");
	if (!d->submitted)
		move(y + 1, cx < x + w - 2 ? cx : x + w - 3);
}
