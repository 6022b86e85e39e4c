/*
 * tui_actions: the global key actions. See include/tui_int.h.
 *
 * Each action is a handler of the global binding table (tui_global_bindings,
 * the keys that work in every view unless the view binds the key itself):
 * it acts through the session or the shell and returns reaction bits
 * (include/tui.h) for the shell to act on once per batch of keys. The view
 * menu (m) lists some of these keys; choosing an entry runs the global
 * action of its key even where the view binds that key itself.
 *
 * Quitting asks first while an action waits for the server's answer or a
 * job runs; the answer is a confirmation like any other (tui_confirm).
 */
#include "config.h"

#include "tui_int.h"

#include <stdio.h>
#include <string.h>

#include "jobs.h"
#include "session.h"
#include "units.h"
#include "widget_table.h"

/* ------------------------------------------------------------------------
 * Quitting
 * ------------------------------------------------------------------------ */

static void
quit_confirmed(struct tui *t, void *arg, int64_t id)
{
	(void)arg;
	(void)id;
	tui_quit_now(t);
}

/* q: quit, asking first when an action or a job is still running. */
void
tui_ask_quit(struct tui *t)
{
	int n = session_actions_running(t->s), jobs = session_jobs_running(t->s);
	char text[320];

	if (n == 0 && jobs == 0) {
		tui_quit_now(t);
		return;
	}
	if (jobs > 0) {
		const struct job *j = jobs_running_on(session_jobs(t->s), session_selected(t->s));
		size_t i;

		for (i = 0; j == NULL && i < session_n_databases(t->s); i++)
			j = jobs_running_on(session_jobs(t->s), i);
		snprintf(text, sizeof text,
			 "%d job%s still running (%s: %s). Quitting stops %s: no new migration "
			 "or tenant starts, the one in flight is abandoned. Quit anyway?",
			 jobs, jobs == 1 ? " is" : "s are", j != NULL ? j->title : "?",
			 j != NULL ? j->progress : "", jobs == 1 ? "it" : "them");
	} else
		snprintf(text, sizeof text,
			 "%d action%s still waiting for the server's answer. Quit anyway?", n,
			 n == 1 ? " is" : "s are");
	tui_confirm(t, text, quit_confirmed, NULL, 0);
}

/* ------------------------------------------------------------------------
 * Global bindings
 * ------------------------------------------------------------------------ */

static unsigned
act_view(struct tui *t, void *view, int key)
{
	int n = key - '0';

	(void)view;
	if (n >= 1 && n <= 6)
		tui_switch_view(t, (enum tui_view_id)tui_numbered_ids[n - 1]);
	return TUI_R_REDRAW;
}

/* A: the advisor panel on the selected database; again: back. */
static unsigned
act_advisor(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	if (t->cur == TUI_VIEW_ADVISOR)
		tui_back(t);
	else
		tui_switch_view(t, TUI_VIEW_ADVISOR); /* its enter hook starts a run */
	return TUI_R_REDRAW;
}

/* 0: the Fleet view, one row per database. */
static unsigned
act_fleet(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	tui_switch_view(t, TUI_VIEW_FLEET);
	return TUI_R_REDRAW;
}

static unsigned
act_help(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	if (t->cur == TUI_VIEW_HELP)
		tui_back(t);
	else
		tui_switch_view(t, TUI_VIEW_HELP);
	return TUI_R_REDRAW;
}

static unsigned
act_log(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	if (t->cur == TUI_VIEW_LOG)
		tui_back(t);
	else
		tui_switch_view(t, TUI_VIEW_LOG);
	return TUI_R_REDRAW;
}

static unsigned
act_menu(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	t->modal = TUI_MODAL_MENU;
	t->menu_sel = t->cur == TUI_VIEW_FLEET ? 0 : 1 + (int)(t->cur == TUI_VIEW_ACTIVITY);
	return TUI_R_REDRAW;
}

static unsigned
act_quit(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	tui_ask_quit(t);
	return TUI_R_REDRAW;
}

static unsigned
act_database(struct tui *t, void *view, int key)
{
	(void)view;
	session_select_next(t->s, key == 'D' || key == TUI_KEYCODE(KEY_BTAB) ? -1 : 1);
	tui_rebuild_views(t, SIZE_MAX);
	return TUI_R_REDRAW;
}

static unsigned
act_refresh_interval(struct tui *t, void *view, int key)
{
	char buf[32];
	int64_t ms;

	(void)view;
	ms = session_refresh_step(t->s, key == '-' ? -1 : 1);
	tui_status(t, "refresh every %s", units_format_duration(ms, buf, sizeof buf));
	return TUI_R_REDRAW;
}

static unsigned
act_pause(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	session_set_paused(t->s, !session_paused(t->s));
	tui_status(t, "%s",
		   session_paused(t->s) ? "paused: the data on screen is not refreshed"
					: "resumed");
	return TUI_R_REDRAW;
}

static unsigned
act_refresh_now(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	session_refresh_now(t->s);
	clearok(curscr, TRUE);
	return TUI_R_REDRAW;
}

static unsigned
act_own(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	t->show_own = !t->show_own;
	tui_status(t, "the console's own sessions are %s", t->show_own ? "shown" : "hidden");
	tui_rebuild_views(t, SIZE_MAX);
	return TUI_R_REDRAW;
}

static unsigned
act_mouse(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	t->mouse = !t->mouse;
	mousemask(t->mouse ? (BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0, NULL);
	tui_status(t, "mouse %s", t->mouse ? "on" : "off (the terminal selects text)");
	return TUI_R_REDRAW;
}

static unsigned
act_move(struct tui *t, void *view, int key)
{
	struct widget_table *tb = tui_current_table(t);
	enum widget_table_move how;

	(void)view;
	if (tb == NULL)
		return TUI_R_NONE;
	switch (key) {
	case TUI_KEYCODE(KEY_UP):
		how = WT_UP;
		break;
	case TUI_KEYCODE(KEY_DOWN):
		how = WT_DOWN;
		break;
	case TUI_KEYCODE(KEY_PPAGE):
		how = WT_PAGE_UP;
		break;
	case TUI_KEYCODE(KEY_NPAGE):
		how = WT_PAGE_DOWN;
		break;
	case TUI_KEYCODE(KEY_HOME):
	case 'g':
		how = WT_HOME;
		break;
	default:
		how = WT_END;
		break;
	}
	widget_table_move(tb, how);
	tui_cursor_moved(t);
	return TUI_R_REDRAW;
}

/* /: the filter prompt on the current view's table, holding its filter. */
static unsigned
act_filter(struct tui *t, void *view, int key)
{
	struct widget_table *tb = tui_current_table(t);

	(void)view;
	(void)key;
	if (tb == NULL) {
		tui_status(t, "nothing to filter here");
		return TUI_R_REDRAW;
	}
	input_open(&t->filter, "filter", NULL, widget_table_filter(tb));
	return TUI_R_REDRAW;
}

static unsigned
act_sort(struct tui *t, void *view, int key)
{
	struct widget_table *tb = tui_current_table(t);

	(void)view;
	if (tb == NULL)
		return TUI_R_NONE;
	if (key == 'S' || key == 'I')
		widget_table_sort_flip(tb);
	else
		widget_table_sort_next(tb, key == '<' ? -1 : 1);
	return TUI_R_REDRAW;
}

static unsigned
act_escape(struct tui *t, void *view, int key)
{
	const struct tui_view_class *c = tui_view_classes[t->cur];
	struct widget_table *tb = tui_current_table(t);
	unsigned r;

	(void)key;
	if (c->escape != NULL && (r = c->escape(view)) != TUI_R_NONE)
		return r;
	if (tb != NULL && widget_table_filter(tb)[0] != '\0') {
		widget_table_set_filter(tb, "");
		return TUI_R_REDRAW;
	}
	if (c->back)
		tui_back(t);
	return TUI_R_REDRAW;
}

static unsigned
act_enter(struct tui *t, void *view, int key)
{
	const struct tui_view_class *c = tui_view_classes[t->cur];

	(void)key;
	return c->click != NULL ? c->click(view, -1, -1) : TUI_R_NONE;
}

const struct tui_binding tui_global_bindings[] = {
	{ { '0', 0 }, "0", NULL, "switch to the Fleet view (one row per database)", act_fleet },
	{ { '1', '2', '3', 0 },
	  "1 2 3",
	  "View",
	  "switch to the Pools (1), Activity (2) or Schemas (3) view",
	  act_view },
	{ { '4', '5', '6', 0 },
	  "4 5 6",
	  NULL,
	  "switch to the Tenants (4), Migrations (5) or Wizard (6) view",
	  act_view },
	{ { 'A', TUI_KEYCODE(KEY_F(8)), 0 },
	  "A F8",
	  "Advisor",
	  "audit the selected database against the architecture guide (advisor panel)",
	  act_advisor },
	{ { 'm', TUI_KEYCODE(KEY_F(2)), 0 }, "m F2", "Menu", "open the view menu", act_menu },
	{ { '?', 'h', TUI_KEYCODE(KEY_F(1)), 0 },
	  "? h F1",
	  "Help",
	  "help for this view",
	  act_help },
	{ { '\t', 'd', 0 }, "Tab d", "DB", "select the next database", act_database },
	{ { TUI_KEYCODE(KEY_BTAB), 'D', 0 },
	  "S-Tab D",
	  NULL,
	  "select the previous database",
	  act_database },
	{ { TUI_KEYCODE(KEY_UP), TUI_KEYCODE(KEY_DOWN), 0 },
	  "Up Down",
	  NULL,
	  "move the cursor",
	  act_move },
	{ { TUI_KEYCODE(KEY_PPAGE), TUI_KEYCODE(KEY_NPAGE), 0 },
	  "PgUp PgDn",
	  NULL,
	  "move a page",
	  act_move },
	{ { TUI_KEYCODE(KEY_HOME), TUI_KEYCODE(KEY_END), 'g', 'G' },
	  "Home End g G",
	  NULL,
	  "go to the first or last row",
	  act_move },
	{ { '/', 0 },
	  "/",
	  "Filter",
	  "filter the rows (text anywhere in the row; !text: without)",
	  act_filter },
	{ { 's', '>', 0 }, "s >", "Sort", "sort by the next column", act_sort },
	{ { '<', 0 }, "<", NULL, "sort by the previous column", act_sort },
	{ { 'S', 'I', 0 }, "S I", NULL, "reverse the sort order", act_sort },
	{ { '\n', '\r', TUI_KEYCODE(KEY_ENTER), 0 },
	  "Enter",
	  NULL,
	  "open the row under the cursor",
	  act_enter },
	{ { TUI_ESC, 0 }, "Esc", NULL, "close the pane or help, clear the filter", act_escape },
	{ { '+', '=', 0 }, "+", NULL, "refresh less often", act_refresh_interval },
	{ { '-', 0 }, "-", NULL, "refresh more often", act_refresh_interval },
	{ { ' ', 'z', 0 }, "Space z", "Pause", "pause or resume refreshing", act_pause },
	{ { 'r', TUI_CTRL('l'), 0 },
	  "r C-l",
	  NULL,
	  "refresh now and repaint the screen",
	  act_refresh_now },
	{ { 'o', 0 }, "o", NULL, "show or hide the console's own sessions", act_own },
	{ { 'L', 0 },
	  "L",
	  "Log",
	  "message log (notices, errors, alerts, action results)",
	  act_log },
	{ { 'M', 0 }, "M", NULL, "mouse on or off", act_mouse },
	{ { 'q', TUI_KEYCODE(KEY_F(10)), 0 }, "q F10", "Quit", "quit", act_quit },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

/* Menu entries: the key each one stands for. */
const struct tui_menu_item tui_menu_items[TUI_N_MENU] = {
	{ '0', "0  Fleet" },	   { '1', "1  Pools" },	  { '2', "2  Activity" },
	{ '3', "3  Schemas" },	   { '4', "4  Tenants" }, { '5', "5  Migrations" },
	{ '6', "6  Wizard" },	   { 'A', "A  Advisor" }, { '?', "?  Help" },
	{ 'L', "L  Message log" }, { 'q', "q  Quit" },
};
