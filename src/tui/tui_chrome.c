/*
 * tui_chrome: what the shell draws around the current view. See
 * include/tui_int.h.
 *
 *   header      the views' tabs, the profile, every database with its
 *               state mark, the refresh interval and the clock, in the
 *               richest of six forms that fits the width;
 *   status line the filter prompt while it is open, else a short-lived
 *               message (tui_status) unless a newer message reached the
 *               log, else the newest message of the last minute, else a
 *               hint;
 *   key bar     the current view's bar keys (those it offers now), then
 *               the global ones it does not bind itself, q Quit last;
 *   boxes       a confirmation (its text wrapped by textpane_wrap), the
 *               view menu, the "terminal too small" notice.
 *
 * The header's tabs and databases and the key bar's entries are recorded
 * as click areas (struct tui_hit) while they are drawn: a click on one is
 * its key.
 */
#include "config.h"

#include "tui_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "loop.h"
#include "msglog.h"
#include "profile.h"
#include "session.h"
#include "textpane.h"
#include "units.h"
#include "view_log.h"

#define RECENT_MSG_MS 60000

/* A view with a tab of its own in the header (the numbered ones and Fleet). */
/* A view with a tab of its own in the header (the numbered ones and Fleet). */
static bool
has_tab(enum tui_view_id id)
{
	int k;

	for (k = 0; k < 6; k++) {
		if (tui_numbered_ids[k] == (int)id)
			return true;
	}
	return id == TUI_VIEW_FLEET;
}

static void
add_hit(struct tui *t, int y, int x0, int x1, int key)
{
	if (t->n_hits < TUI_MAX_HITS && x1 > x0) {
		t->hits[t->n_hits].y = y;
		t->hits[t->n_hits].x0 = x0;
		t->hits[t->n_hits].x1 = x1;
		t->hits[t->n_hits].key = key;
		t->n_hits++;
	}
}

/* Draw text at x in style s if it fits before limit; returns the new x (or -1). */
static int
put(struct tui *t, int y, int x, int limit, enum tui_style s, const char *text)
{
	int w = tui_draw_width(&t->d, text);

	if (x < 0 || x + w > limit)
		return -1;
	tui_draw_text(&t->d, y, x, w, s, TUI_LEFT, false, text);
	return x + w;
}

static const char *
db_mark(const struct tui *t, size_t i)
{
	struct session_db_status st;

	session_db_status(t->s, i, &st);
	switch (st.state) {
	case SESSION_DB_LIVE:
		return t->d.dot_ok;
	case SESSION_DB_STALE:
		return t->d.warn_mark;
	default:
		return t->d.dot_down;
	}
}

/* The header in one of several forms, the richest that fits. */
void
tui_chrome_header(struct tui *t)
{
	const struct profile *p = session_profile(t->s);
	size_t n = session_n_databases(t->s), sel = session_selected(t->s), i;
	char right[96], clock_text[16], refresh[32], buf[256];
	int form, x, rx, w = t->cols;
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock_text, sizeof clock_text, "%H:%M:%S", &tm);
	units_format_duration(session_refresh_ms(t->s), refresh, sizeof refresh);
	tui_draw_fill(&t->d, 0, 0, w, TUI_S_HEADER);
	if (w >= 60)
		snprintf(right, sizeof right, "%severy %s %s ",
			 session_paused(t->s) ? "PAUSED " : "", refresh, clock_text);
	else
		snprintf(right, sizeof right, "%s%s ", session_paused(t->s) ? "PAUSED " : "",
			 clock_text);
	rx = w - tui_draw_width(&t->d, right);
	tui_draw_text(&t->d, 0, rx, w - rx, session_paused(t->s) ? TUI_S_HEADER_SEL : TUI_S_HEADER,
		      TUI_LEFT, false, right);

	/*
	 * The richest form that fits: 0 every tab named, the profile, every
	 * database; 1 the tabs by number (the current one named); 2 the same
	 * without the profile; 3 only the current view; 4 only the selected
	 * database; 5 whatever fits of it.
	 */
	for (form = 0; form < 6; form++) {
		bool ok = true;

		t->n_hits = 0;
		tui_draw_fill(&t->d, 0, 0, rx, TUI_S_HEADER);
		x = 0;
		if (form <= 2) {
			/* 0 Fleet, then 1-6 */
			for (i = 0; i < 7 && ok; i++) {
				int x0 = x, id = i == 0 ? TUI_VIEW_FLEET : tui_numbered_ids[i - 1];
				const char *name = i == 0 ? "Fleet" : tui_numbered_views[i - 1];

				if (form == 0 || id == (int)t->cur)
					snprintf(buf, sizeof buf, " %zu %s ", i, name);
				else
					snprintf(buf, sizeof buf, " %zu ", i);
				x = put(t, 0, x, rx,
					id == (int)t->cur ? TUI_S_HEADER_SEL : TUI_S_HEADER, buf);
				ok = x >= 0;
				if (ok)
					add_hit(t, 0, x0, x, (int)('0' + i));
			}
			/* another view than the tabs: its name after them */
			if (ok && !has_tab(t->cur)) {
				snprintf(buf, sizeof buf, " %s ", tui_view_classes[t->cur]->name);
				x = put(t, 0, x, rx, TUI_S_HEADER_SEL, buf);
				ok = x >= 0;
			}
		} else if (form <= 4) {
			const char *name = t->cur == TUI_VIEW_LOG ? "Log"
								  : tui_view_classes[t->cur]->name;
			int k;

			snprintf(buf, sizeof buf, " %s ", name);
			for (k = 0; k < 6; k++) {
				if (tui_numbered_ids[k] == (int)t->cur)
					snprintf(buf, sizeof buf, " %d %s ", k + 1, name);
			}
			if (t->cur == TUI_VIEW_FLEET)
				snprintf(buf, sizeof buf, " 0 %s ", name);
			x = put(t, 0, x, rx, TUI_S_HEADER_SEL, buf);
			ok = x >= 0;
		}
		/* the profile's name (forms 0-1) */
		if (ok && form <= 1) {
			snprintf(buf, sizeof buf, " %s %s", p->name != NULL ? p->name : "profile",
				 t->d.vline);
			x = put(t, 0, x, rx, TUI_S_HEADER, buf);
			ok = x >= 0;
		}
		/* databases: all (forms 0-3) or the selected one */
		if (ok && form <= 3) {
			for (i = 0; i < n && ok; i++) {
				int x0 = x;

				snprintf(buf, sizeof buf, " %s%s", session_label(t->s, i),
					 db_mark(t, i));
				x = put(t, 0, x, rx, i == sel ? TUI_S_HEADER_SEL : TUI_S_HEADER,
					buf);
				ok = x >= 0;
				if (ok && i != sel)
					add_hit(t, 0, x0, x, i == (sel + 1) % n ? '\t' : 'D');
			}
		} else if (ok) {
			if (n > 1)
				snprintf(buf, sizeof buf, " %s%s %zu/%zu", session_label(t->s, sel),
					 db_mark(t, sel), sel + 1, n);
			else
				snprintf(buf, sizeof buf, " %s%s", session_label(t->s, sel),
					 db_mark(t, sel));
			x = put(t, 0, x, rx, TUI_S_HEADER_SEL, buf);
			ok = x >= 0;
			if (!ok && form == 5) {
				tui_draw_text(&t->d, 0, 0, rx, TUI_S_HEADER_SEL, TUI_LEFT, false,
					      buf);
				ok = true;
			}
		}
		if (ok)
			break;
	}
}

void
tui_chrome_status(struct tui *t, int y)
{
	struct msglog *log = session_log(t->s);
	const struct msg *m = log->count > 0 ? msglog_get(log, log->count - 1) : NULL;
	struct timeval tv;
	int64_t now_wall;
	char buf[512];

	tui_draw_fill(&t->d, y, 0, t->cols, TUI_S_NORMAL);
	if (t->filter.open) {
		int x = tui_draw_text(&t->d, y, 0, t->cols, TUI_S_WARN, TUI_LEFT, false,
				      "filter: ");

		/* the field keeps the cursor (at the end of a long filter) in sight */
		input_draw_line(&t->filter, &t->d, y, x, t->cols - x);
		return;
	}
	/* a short-lived message, unless a newer message arrived in the log */
	if (t->status_until > loop_now(t->loop) &&
	    (m == NULL || m->seq < t->status_seq || m->level < MSG_INFO)) {
		tui_draw_text(&t->d, y, 0, t->cols, TUI_S_WARN, TUI_LEFT, false, t->status);
		return;
	}
	gettimeofday(&tv, NULL);
	now_wall = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	if (m != NULL && now_wall - m->time_ms < RECENT_MSG_MS && t->cur != TUI_VIEW_LOG) {
		time_t sec = (time_t)(m->time_ms / 1000);
		struct tm tm;
		char stamp[16];

		localtime_r(&sec, &tm);
		strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
		snprintf(buf, sizeof buf, "%s %s: %s", stamp, m->source, m->text);
		tui_draw_text(&t->d, y, 0, t->cols, view_log_style(m->level), TUI_LEFT, false, buf);
		return;
	}
	snprintf(buf, sizeof buf, "? help   L message log (%zu)", log->count);
	tui_draw_text(&t->d, y, 0, t->cols, TUI_S_DIM, TUI_LEFT, false, buf);
}

/* "?Help 1 2View ... q Quit": the current view's bar keys, then the global ones. */
void
tui_chrome_keybar(struct tui *t, int y)
{
	const struct tui_binding *tables[2] = { tui_view_classes[t->cur]->bindings,
						tui_global_bindings };
	const struct tui_binding *quit = tui_find_binding(tui_view_classes[t->cur]->bindings,
							  'q') != NULL
						 ? NULL
						 : tui_find_binding(tui_global_bindings, 'q');
	int quit_w = quit != NULL ? 2 + tui_draw_width(&t->d, quit->bar) : 0;
	int x = 0, k;
	const struct tui_binding *b;

	tui_draw_fill(&t->d, y, 0, t->cols, TUI_S_KEYBAR);
	if (t->modal == TUI_MODAL_CONFIRM) {
		tui_draw_text(&t->d, y, 0, t->cols, TUI_S_KEYBAR, TUI_LEFT, false,
			      " y yes   n no   Esc no");
		return;
	}
	if (t->filter.open) {
		tui_draw_text(&t->d, y, 0, t->cols, TUI_S_KEYBAR, TUI_LEFT, false,
			      " type to filter   Enter keep   Esc clear   C-u erase");
		return;
	}
	if (tui_view_modal(t) != NULL) {
		tui_draw_text(&t->d, y, 0, t->cols, TUI_S_KEYBAR, TUI_LEFT, false,
			      tui_view_modal(t));
		return;
	}
	for (k = 0; k < 2; k++) {
		for (b = tables[k]; b != NULL && b->fn != NULL; b++) {
			/* one key of the label is enough in the bar: the first one,
			 * or for a global binding the first the view does not bind
			 * itself ("F8 Advisor" where the view's A applies) */
			char key[16];
			const char *word = b->label;
			int kw, bw, x0 = x, i = 0;

			if (b->bar == NULL || (k == 1 && b->keys[0] == 'q'))
				continue;
			if (k == 0 && tui_unavailable(t, t->cur, b) != NULL)
				continue; /* not offered here (help says why) */
			while (k == 1 && i < 4 && b->keys[i] != 0 &&
			       tui_find_binding(tables[0], b->keys[i]) != NULL) {
				word += strcspn(word, " ");
				word += strspn(word, " ");
				i++;
			}
			if (i == 4 || b->keys[i] == 0 || *word == '\0')
				continue; /* every key of it is the view's here */
			snprintf(key, sizeof key, "%.*s", (int)strcspn(word, " "), word);
			if (strcmp(b->label, "1 2 3") == 0)
				snprintf(key, sizeof key, "1-6");
			kw = tui_draw_width(&t->d, key);
			bw = tui_draw_width(&t->d, b->bar);
			if (x + kw + bw + 3 > t->cols - quit_w)
				continue;
			x += tui_draw_text(&t->d, y, x, kw, TUI_S_KEYBAR_KEY, TUI_LEFT, false, key);
			x += 1;
			x += tui_draw_text(&t->d, y, x, bw, TUI_S_KEYBAR, TUI_LEFT, false, b->bar);
			x += 2;
			add_hit(t, y, x0, x, b->keys[i]);
		}
	}
	if (quit != NULL && x + quit_w <= t->cols) {
		int x0 = x;

		x += tui_draw_text(&t->d, y, x, t->cols - x, TUI_S_KEYBAR_KEY, TUI_LEFT, false,
				   "q");
		x += 1;
		tui_draw_text(&t->d, y, x, t->cols - x, TUI_S_KEYBAR, TUI_LEFT, false, quit->bar);
		add_hit(t, y, x0, t->cols, 'q');
	}
}

static void
draw_box(struct tui *t, int y, int x, int h, int w)
{
	tui_draw_frame(&t->d, y, x, h, w, TUI_S_DIALOG);
}

void
tui_chrome_confirm(struct tui *t)
{
	char lines[14][256];
	int w = t->cols - 4 < 76 ? t->cols - 4 : 76;
	int n = textpane_wrap_lines(t->confirm_text, w - 4, &t->d.text, lines[0], sizeof lines[0],
				    t->rows - 8 < 12 ? t->rows - 8 : 12);
	int h = n + 4, y = (t->rows - h) / 2, x = (t->cols - w) / 2, i;

	draw_box(t, y, x, h, w);
	for (i = 0; i < n; i++)
		tui_draw_text(&t->d, y + 1 + i, x + 2, w - 4, TUI_S_DIALOG, TUI_LEFT, false,
			      lines[i]);
	tui_draw_text(&t->d, y + h - 2, x + 2, w - 4, TUI_S_DIALOG, TUI_LEFT, false,
		      "[y] yes    [n] no");
}

void
tui_chrome_menu(struct tui *t)
{
	int w = 28, h = TUI_N_MENU + 2, y = 2, x = 2, i;

	if (w > t->cols - 4)
		w = t->cols - 4;
	if (h > t->rows - 4)
		h = t->rows - 4;
	draw_box(t, y, x, h, w);
	tui_draw_text(&t->d, y, x + 2, w - 4, TUI_S_DIALOG, TUI_LEFT, false, " Views ");
	for (i = 0; i < TUI_N_MENU && i < h - 2; i++) {
		enum tui_style st = i == t->menu_sel ? TUI_S_SELECTED : TUI_S_DIALOG;

		tui_draw_fill(&t->d, y + 1 + i, x + 1, w - 2, st);
		tui_draw_text(&t->d, y + 1 + i, x + 2, w - 4, st, TUI_LEFT, false,
			      tui_menu_items[i].text);
	}
}

void
tui_chrome_too_small(struct tui *t)
{
	char buf[128];
	int y = t->rows / 2;

	snprintf(buf, sizeof buf, "terminal too small: %dx%d, need %dx%d", t->cols, t->rows,
		 TUI_MIN_COLS, TUI_MIN_ROWS);
	if (tui_draw_width(&t->d, buf) > t->cols)
		snprintf(buf, sizeof buf, "too small %dx%d", t->cols, t->rows);
	if (y > 0)
		y--;
	tui_draw_text(&t->d, y, 0, t->cols, TUI_S_WARN, TUI_CENTER, false, buf);
	if (y + 1 < t->rows)
		tui_draw_text(&t->d, y + 1, 0, t->cols, TUI_S_NORMAL, TUI_CENTER, false, "q quits");
}
