/*
 * tui: curses set-up, layout, input dispatch, redraw scheduling, dialogs.
 * See include/tui.h.
 *
 * Layout, from the top:
 *
 *   row 0            header: views, profile, databases, refresh, clock
 *   rows 1..H-3      the current view
 *   row H-2          status: filter prompt, short message, newest log line
 *   row H-1          key bar
 *
 * Below TUI_MIN_COLS x TUI_MIN_ROWS only a "too small" notice is drawn
 * (and q still quits).
 *
 * Redraws: every event that changes what is shown calls request(), which
 * sets pending bits and arms a one-shot timer (0 ms after keys, a few ms
 * after model updates, so that the updates of several databases that
 * arrive together cost one redraw). The timer draws the whole screen with
 * erase() and refresh(): curses sends only what changed. A one-second
 * timer keeps the clock and the ages current. Nothing busy-waits.
 *
 * Modal state: a confirmation dialog or the view menu, when open, takes
 * every key; the filter prompt, when open, takes text keys. Otherwise a
 * key goes to the current view's bindings, then to the global ones.
 */
#include "config.h"

#include "tui.h"

#include <errno.h>
#include <langinfo.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "dialog.h"
#include "jobs.h"
#include "loop.h"
#include "msglog.h"
#include "profile.h"
#include "session.h"
#include "textpane.h"
#include "units.h"
#include "tui_curses.h"
#include "tui_draw.h"
#include "tui_term.h"
#include "view_activity.h"
#include "view_advisor.h"
#include "view_fleet.h"
#include "view_help.h"
#include "view_log.h"
#include "view_migrations.h"
#include "view_pools.h"
#include "view_schemas.h"
#include "view_tenants.h"
#include "view_wizard.h"
#include "widget_table.h"
#include "xalloc.h"

#define TUI_MIN_COLS	40
#define TUI_MIN_ROWS	10
#define STATUS_MS	4000
#define UPDATE_DELAY_MS 15
#define MAX_HITS	64
#define PROMPT_MAX	256
#define RECENT_MSG_MS	60000

/* one view a line (clang-format would pack them in columns) */
/* clang-format off */
static const struct tui_view_class *const view_classes[TUI_N_VIEWS] = {
	[TUI_VIEW_POOLS] = &view_pools_class,
	[TUI_VIEW_ACTIVITY] = &view_activity_class,
	[TUI_VIEW_SCHEMAS] = &view_schemas_class,
	[TUI_VIEW_TENANTS] = &view_tenants_class,
	[TUI_VIEW_MIGRATIONS] = &view_migrations_class,
	[TUI_VIEW_HELP] = &view_help_class,
	[TUI_VIEW_LOG] = &view_log_class,
	[TUI_VIEW_WIZARD] = &view_wizard_class,
	[TUI_VIEW_ADVISOR] = &view_advisor_class,
	[TUI_VIEW_FLEET] = &view_fleet_class,
};
/* clang-format on */

/* The views the number keys name. */
static const char *const numbered_views[6] = { "Pools",	  "Activity",	"Schemas",
					       "Tenants", "Migrations", "Wizard" };
static const int numbered_ids[6] = { TUI_VIEW_POOLS,   TUI_VIEW_ACTIVITY,   TUI_VIEW_SCHEMAS,
				     TUI_VIEW_TENANTS, TUI_VIEW_MIGRATIONS, TUI_VIEW_WIZARD };

/* A view with a tab of its own in the header (the numbered ones and Fleet). */
static bool
has_tab(enum tui_view_id id)
{
	int k;

	for (k = 0; k < 6; k++) {
		if (numbered_ids[k] == (int)id)
			return true;
	}
	return id == TUI_VIEW_FLEET;
}

/* A screen area that acts as a key when clicked (header tabs, key bar). */
struct hit {
	int y, x0, x1;
	int key;
};

enum modal {
	MODAL_NONE,
	MODAL_CONFIRM,
	MODAL_MENU,
	MODAL_DIALOG,
};

struct tui {
	struct session *s;
	struct loop *loop;
	struct tui_options opt;
	struct tui_draw d;
	SCREEN *screen;
	bool curses_on;
	int rows, cols;

	void *views[TUI_N_VIEWS];
	enum tui_view_id cur, prev;

	unsigned pending;
	struct loop_timer *redraw_timer;
	struct loop_timer *clock_timer;
	struct loop_timer *exit_timer;
	struct loop_watch *input;
	bool quit;
	bool mouse;
	bool show_own;

	char status[256];
	int64_t status_until;
	uint64_t status_seq; /* log messages from this one on replace the status */

	/* filter prompt */
	bool prompting;
	char prompt[PROMPT_MAX];
	char prompt_saved[PROMPT_MAX]; /* the filter before the prompt opened (Esc) */

	/* dialogs */
	enum modal modal;
	char *confirm_text;
	void (*confirm_cb)(struct tui *t, void *arg, int64_t id);
	void *confirm_arg;
	int64_t confirm_id;
	bool confirm_quit; /* the dialog asks whether to quit */
	int menu_sel;
	struct dialog *dialog;

	struct hit hits[MAX_HITS];
	int n_hits;
};

/* For the allocation-failure hook: the one running console. */
static struct tui *running_tui;

static void draw_all(struct tui *t);
static void request(struct tui *t, unsigned bits, int64_t delay_ms);

/* ------------------------------------------------------------------------
 * Small services for views
 * ------------------------------------------------------------------------ */

struct session *
tui_session(struct tui *t)
{
	return t->s;
}

const struct tui_draw *
tui_canvas(struct tui *t)
{
	return &t->d;
}

bool
tui_show_own(const struct tui *t)
{
	return t->show_own;
}

void
tui_status(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->status, sizeof t->status, fmt, ap);
	va_end(ap);
	t->status_until = loop_now(t->loop) + STATUS_MS;
	t->status_seq = session_log(t->s)->next_seq;
}

void
tui_request_redraw(struct tui *t)
{
	request(t, TUI_R_REDRAW, UPDATE_DELAY_MS);
}

void
tui_confirm(struct tui *t, const char *text, void (*cb)(struct tui *t, void *arg, int64_t id),
	    void *arg, int64_t id)
{
	free(t->confirm_text);
	t->confirm_text = xstrdup(text);
	t->confirm_cb = cb;
	t->confirm_arg = arg;
	t->confirm_id = id;
	t->confirm_quit = false;
	t->modal = MODAL_CONFIRM;
}

void
tui_open_dialog(struct tui *t, struct dialog *d)
{
	dialog_free(&t->dialog);
	t->dialog = d;
	t->modal = MODAL_DIALOG;
	t->prompting = false;
}

void *
tui_view_state(struct tui *t, enum tui_view_id id)
{
	return t->views[id];
}

void
tui_switch_view(struct tui *t, enum tui_view_id id)
{
	if (id == t->cur)
		return;
	/* help and the log go back to the view they were opened from */
	if (t->cur != TUI_VIEW_HELP && t->cur != TUI_VIEW_LOG)
		t->prev = t->cur;
	t->prompting = false;
	t->cur = id;
	if (id == TUI_VIEW_FLEET)
		session_want_inventory(t->s);
	if (view_classes[id]->update != NULL)
		view_classes[id]->update(t->views[id], SIZE_MAX);
}

enum tui_view_id
tui_current_view(const struct tui *t)
{
	return t->cur;
}

void
tui_back(struct tui *t)
{
	tui_switch_view(t, t->prev);
}

const struct tui_binding *
tui_help_view_bindings(struct tui *t, const char **view_name)
{
	*view_name = view_classes[t->prev]->name;
	return view_classes[t->prev]->bindings;
}

/* Why binding b of view id is not offered now, or NULL. */
static const char *
unavailable(struct tui *t, enum tui_view_id id, const struct tui_binding *b)
{
	const struct tui_view_class *c = view_classes[id];

	return c->unavailable != NULL ? c->unavailable(t->views[id], b) : NULL;
}

const char *
tui_help_unavailable(struct tui *t, const struct tui_binding *b)
{
	return unavailable(t, t->prev, b);
}

static struct widget_table *
current_table(struct tui *t)
{
	const struct tui_view_class *c = view_classes[t->cur];

	return c->table != NULL ? c->table(t->views[t->cur]) : NULL;
}

static void
cursor_moved(struct tui *t)
{
	const struct tui_view_class *c = view_classes[t->cur];

	if (c->cursor != NULL)
		c->cursor(t->views[t->cur]);
}

/* ------------------------------------------------------------------------
 * Redraw scheduling
 * ------------------------------------------------------------------------ */

static void
redraw_cb(struct loop *loop, void *arg)
{
	struct tui *t = arg;

	(void)loop;
	t->redraw_timer = NULL; /* one-shot: dead once it runs */
	if (t->quit)
		return;
	t->pending = 0;
	draw_all(t);
}

static void
request(struct tui *t, unsigned bits, int64_t delay_ms)
{
	t->pending |= bits;
	if (!(t->pending & TUI_R_REDRAW))
		return;
	if (t->redraw_timer != NULL) {
		if (delay_ms > 0 || loop_timer_remaining(t->loop, t->redraw_timer) == 0)
			return;
		loop_timer_cancel(t->loop, &t->redraw_timer);
	}
	t->redraw_timer = loop_timer_add(t->loop, delay_ms, 0, redraw_cb, t);
}

static void
rebuild_views(struct tui *t, size_t db)
{
	size_t i;

	for (i = 0; i < TUI_N_VIEWS; i++) {
		if (view_classes[i]->update != NULL)
			view_classes[i]->update(t->views[i], db);
	}
}

static void
model_updated(void *arg, size_t db)
{
	struct tui *t = arg;

	rebuild_views(t, db);
	request(t, TUI_R_REDRAW, UPDATE_DELAY_MS);
}

static void
clock_tick(struct loop *loop, void *arg)
{
	struct tui *t = arg;

	(void)loop;
	/* ages and the log move on even without model updates */
	if (t->cur == TUI_VIEW_LOG)
		view_classes[TUI_VIEW_LOG]->update(t->views[TUI_VIEW_LOG], SIZE_MAX);
	request(t, TUI_R_REDRAW, 0);
}

/* ------------------------------------------------------------------------
 * Quitting
 * ------------------------------------------------------------------------ */

static void
do_quit(struct tui *t)
{
	t->quit = true;
	loop_stop(t->loop);
}

static void
quit_confirmed(struct tui *t, void *arg, int64_t id)
{
	(void)arg;
	(void)id;
	do_quit(t);
}

/* q: quit, asking first when an action or a job is still running. */
static void
ask_quit(struct tui *t)
{
	int n = session_actions_running(t->s), jobs = session_jobs_running(t->s);
	char text[320];

	if (n == 0 && jobs == 0) {
		do_quit(t);
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
	t->confirm_quit = true;
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
		tui_switch_view(t, (enum tui_view_id)numbered_ids[n - 1]);
	return TUI_R_REDRAW;
}

/* A: the advisor panel on the selected database; again: back. */
static unsigned
act_advisor(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	if (t->cur == TUI_VIEW_ADVISOR)
		return view_advisor_close(t->views[TUI_VIEW_ADVISOR]);
	/* from help or the log, Esc in the panel goes where they would have */
	view_advisor_open(t->views[TUI_VIEW_ADVISOR],
			  t->cur == TUI_VIEW_HELP || t->cur == TUI_VIEW_LOG ? t->prev : t->cur);
	tui_switch_view(t, TUI_VIEW_ADVISOR);
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
	t->modal = MODAL_MENU;
	t->menu_sel = t->cur == TUI_VIEW_FLEET ? 0 : 1 + (int)(t->cur == TUI_VIEW_ACTIVITY);
	return TUI_R_REDRAW;
}

static unsigned
act_quit(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	ask_quit(t);
	return TUI_R_REDRAW;
}

static unsigned
act_database(struct tui *t, void *view, int key)
{
	(void)view;
	session_select_next(t->s, key == 'D' || key == TUI_KEYCODE(KEY_BTAB) ? -1 : 1);
	rebuild_views(t, SIZE_MAX);
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
	rebuild_views(t, SIZE_MAX);
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
	struct widget_table *tb = current_table(t);
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
	cursor_moved(t);
	return TUI_R_REDRAW;
}

unsigned
tui_open_filter(struct tui *t)
{
	struct widget_table *tb = current_table(t);

	if (tb == NULL) {
		tui_status(t, "nothing to filter here");
		return TUI_R_REDRAW;
	}
	t->prompting = true;
	snprintf(t->prompt, sizeof t->prompt, "%s", widget_table_filter(tb));
	snprintf(t->prompt_saved, sizeof t->prompt_saved, "%s", t->prompt);
	return TUI_R_REDRAW;
}

static unsigned
act_filter(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	return tui_open_filter(t);
}

static unsigned
act_sort(struct tui *t, void *view, int key)
{
	struct widget_table *tb = current_table(t);

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
	const struct tui_view_class *c = view_classes[t->cur];
	struct widget_table *tb = current_table(t);
	unsigned r;

	(void)key;
	if (c->escape != NULL && (r = c->escape(view)) != TUI_R_NONE)
		return r;
	if (tb != NULL && widget_table_filter(tb)[0] != '\0') {
		widget_table_set_filter(tb, "");
		return TUI_R_REDRAW;
	}
	if (t->cur == TUI_VIEW_HELP || t->cur == TUI_VIEW_LOG)
		tui_back(t);
	return TUI_R_REDRAW;
}

static unsigned
act_enter(struct tui *t, void *view, int key)
{
	const struct tui_view_class *c = view_classes[t->cur];

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

static const struct tui_binding *
find_binding(const struct tui_binding *table, int key)
{
	const struct tui_binding *b;
	int i;

	for (b = table; b != NULL && b->fn != NULL; b++) {
		for (i = 0; i < 4 && b->keys[i] != 0; i++) {
			if (b->keys[i] == key)
				return b;
		}
	}
	return NULL;
}

void
tui_print_bindings(FILE *f)
{
	const struct tui_binding *b;
	size_t i;

	for (i = 0; i < TUI_N_VIEWS; i++) {
		for (b = view_classes[i]->bindings; b != NULL && b->fn != NULL; b++)
			fprintf(f, "%s\t%s\t%s\n", view_classes[i]->name, b->label, b->help);
	}
	for (b = tui_global_bindings; b->fn != NULL; b++)
		fprintf(f, "global\t%s\t%s\n", b->label, b->help);
}

/* ------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------ */

static unsigned
prompt_key(struct tui *t, int key)
{
	struct widget_table *tb = current_table(t);
	size_t len = strlen(t->prompt);

	if (key == TUI_ESC) {
		t->prompting = false;
		if (tb != NULL)
			widget_table_set_filter(tb, "");
		return TUI_R_REDRAW;
	}
	if (key == '\n' || key == '\r' || key == TUI_KEYCODE(KEY_ENTER)) {
		t->prompting = false;
		return TUI_R_REDRAW;
	}
	if (key == TUI_KEYCODE(KEY_BACKSPACE) || key == 127 || key == 8) {
		/* drop one UTF-8 character */
		while (len > 0) {
			len--;
			if (((unsigned char)t->prompt[len] & 0xc0) != 0x80)
				break;
		}
		t->prompt[len] = '\0';
	} else if (key == TUI_CTRL('u')) {
		t->prompt[0] = '\0';
	} else if (key >= 0x20 && key < 0x110000 && key != 127) {
		char mb[MB_LEN_MAX];
		mbstate_t st;
		size_t n;

		memset(&st, 0, sizeof st);
		n = wcrtomb(mb, (wchar_t)key, &st);
		if (n == (size_t)-1 || len + n + 1 > sizeof t->prompt)
			return TUI_R_NONE;
		memcpy(t->prompt + len, mb, n);
		t->prompt[len + n] = '\0';
	} else {
		return TUI_R_NONE;
	}
	if (tb != NULL)
		widget_table_set_filter(tb, t->prompt); /* live, as you type */
	return TUI_R_REDRAW;
}

/* Menu entries: the key each one stands for. */
static const struct {
	int key;
	const char *text;
} menu_items[] = {
	{ '0', "0  Fleet" },	   { '1', "1  Pools" },	  { '2', "2  Activity" },
	{ '3', "3  Schemas" },	   { '4', "4  Tenants" }, { '5', "5  Migrations" },
	{ '6', "6  Wizard" },	   { 'A', "A  Advisor" }, { '?', "?  Help" },
	{ 'L', "L  Message log" }, { 'q', "q  Quit" },
};
#define N_MENU ((int)(sizeof menu_items / sizeof menu_items[0]))

static unsigned dispatch_global(struct tui *t, int key);

static unsigned
modal_key(struct tui *t, int key)
{
	if (t->modal == MODAL_DIALOG) {
		if (dialog_key(t->dialog, t, key)) {
			t->modal = MODAL_NONE;
			dialog_free(&t->dialog);
			rebuild_views(t, SIZE_MAX);
		}
		return TUI_R_REDRAW;
	}
	if (t->modal == MODAL_CONFIRM) {
		if (key == 'y' || key == 'Y') {
			void (*cb)(struct tui *, void *, int64_t) = t->confirm_cb;

			t->modal = MODAL_NONE;
			if (cb != NULL)
				cb(t, t->confirm_arg, t->confirm_id);
			return TUI_R_REDRAW;
		}
		if (key == 'n' || key == 'N' || key == TUI_ESC || key == 'q' || key == '\n' ||
		    key == '\r') {
			t->modal = MODAL_NONE;
			return TUI_R_REDRAW;
		}
		return TUI_R_NONE;
	}
	/* menu */
	if (key == TUI_KEYCODE(KEY_UP) || key == 'k') {
		t->menu_sel = (t->menu_sel + N_MENU - 1) % N_MENU;
	} else if (key == TUI_KEYCODE(KEY_DOWN) || key == 'j') {
		t->menu_sel = (t->menu_sel + 1) % N_MENU;
	} else if (key == '\n' || key == '\r' || key == TUI_KEYCODE(KEY_ENTER)) {
		t->modal = MODAL_NONE;
		return dispatch_global(t, menu_items[t->menu_sel].key);
	} else if (key == TUI_ESC || key == 'm' || key == TUI_KEYCODE(KEY_F(2))) {
		t->modal = MODAL_NONE;
	} else {
		int i;

		for (i = 0; i < N_MENU; i++) {
			if (menu_items[i].key == key) {
				t->modal = MODAL_NONE;
				return dispatch_global(t, key);
			}
		}
		return TUI_R_NONE;
	}
	return TUI_R_REDRAW;
}

static bool
too_small(const struct tui *t)
{
	return t->cols < TUI_MIN_COLS || t->rows < TUI_MIN_ROWS;
}

/* The key bar text of a dialog the current view has open, or NULL. */
static const char *
view_modal(struct tui *t)
{
	const struct tui_view_class *c = view_classes[t->cur];

	return c->modal != NULL && c->modal_key != NULL ? c->modal(t->views[t->cur]) : NULL;
}

static unsigned
dispatch(struct tui *t, int key)
{
	const struct tui_binding *b;
	void *view = t->views[t->cur];
	const char *why;

	if (t->modal != MODAL_NONE)
		return modal_key(t, key);
	if (t->prompting)
		return prompt_key(t, key);
	if (view_modal(t) != NULL)
		return view_classes[t->cur]->modal_key(view, key);
	if (too_small(t)) {
		if (key == 'q' || key == TUI_KEYCODE(KEY_F(10)))
			return act_quit(t, view, key);
		return TUI_R_NONE;
	}
	b = find_binding(view_classes[t->cur]->bindings, key);
	if (b == NULL)
		return dispatch_global(t, key);
	if ((why = unavailable(t, t->cur, b)) != NULL) {
		/* not offered here: say why rather than nothing */
		tui_status(t, "%s", why);
		return TUI_R_REDRAW;
	}
	return b->fn(t, view, key);
}

/* The global action of KEY, even where the current view binds KEY itself
 * (the menu's entries: "A  Advisor" in the Tenants view is not its
 * apply-all). */
static unsigned
dispatch_global(struct tui *t, int key)
{
	const struct tui_binding *b = find_binding(tui_global_bindings, key);

	if (b == NULL)
		return TUI_R_NONE;
	return b->fn(t, t->views[t->cur], key);
}

/* ------------------------------------------------------------------------
 * Mouse
 * ------------------------------------------------------------------------ */

static unsigned
mouse_event(struct tui *t)
{
	struct widget_table *tb;
	MEVENT ev;
	int i;

	if (getmouse(&ev) != OK)
		return TUI_R_NONE;
	tb = current_table(t);
	if (ev.bstate & BUTTON4_PRESSED) {
		if (tb != NULL)
			widget_table_scroll(tb, -3);
		cursor_moved(t);
		return TUI_R_REDRAW;
	}
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED) {
		if (tb != NULL)
			widget_table_scroll(tb, 3);
		cursor_moved(t);
		return TUI_R_REDRAW;
	}
#endif
	if (!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return TUI_R_NONE;
	if (t->modal == MODAL_MENU) {
		/* the menu box starts at row 2; its items at row 3 */
		int item = ev.y - 3;

		if (item >= 0 && item < N_MENU) {
			t->menu_sel = item;
			return modal_key(t, '\n');
		}
		t->modal = MODAL_NONE;
		return TUI_R_REDRAW;
	}
	if (t->modal != MODAL_NONE || t->prompting || view_modal(t) != NULL)
		return TUI_R_NONE;
	for (i = 0; i < t->n_hits; i++) {
		if (ev.y == t->hits[i].y && ev.x >= t->hits[i].x0 && ev.x < t->hits[i].x1)
			return dispatch(t, t->hits[i].key);
	}
	if (tb != NULL && widget_table_click(tb, ev.y, ev.x)) {
		cursor_moved(t);
		return TUI_R_REDRAW;
	}
	if (view_classes[t->cur]->click != NULL)
		return view_classes[t->cur]->click(t->views[t->cur], ev.y, ev.x);
	return TUI_R_NONE;
}

static void
input_ready(struct loop *loop, int fd, short revents, void *arg)
{
	struct tui *t = arg;
	unsigned r = 0;
	int n = 0;

	(void)loop;
	(void)fd;
	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		/* the terminal went away */
		do_quit(t);
		return;
	}
	for (;;) {
#ifdef HAVE_NCURSESW
		wint_t wch;
		int got = wget_wch(stdscr, &wch);
		int key;

		if (got == ERR)
			break;
		key = got == KEY_CODE_YES ? TUI_KEYCODE((int)wch) : (int)wch;
#else
		int got = wgetch(stdscr);
		int key;

		if (got == ERR)
			break;
		key = got >= KEY_MIN ? TUI_KEYCODE(got) : got;
#endif
		n++;
		if (key == TUI_KEYCODE(KEY_RESIZE))
			continue; /* SIGWINCH is handled by the loop */
		if (key == TUI_KEYCODE(KEY_MOUSE))
			r |= mouse_event(t);
		else
			r |= dispatch(t, key);
		if (t->quit)
			return;
	}
	if (n == 0 && isatty(STDIN_FILENO) == 0) {
		do_quit(t);
		return;
	}
	if (r & TUI_R_QUIT)
		ask_quit(t);
	if (r & TUI_R_REBUILD)
		rebuild_views(t, SIZE_MAX);
	if (r & (TUI_R_REDRAW | TUI_R_REBUILD))
		request(t, TUI_R_REDRAW, 0);
}

/* ------------------------------------------------------------------------
 * Drawing: header, status line, key bar, dialogs
 * ------------------------------------------------------------------------ */

static void
add_hit(struct tui *t, int y, int x0, int x1, int key)
{
	if (t->n_hits < MAX_HITS && x1 > x0) {
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
static void
draw_header(struct tui *t)
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
				int x0 = x, id = i == 0 ? TUI_VIEW_FLEET : numbered_ids[i - 1];
				const char *name = i == 0 ? "Fleet" : numbered_views[i - 1];

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
				snprintf(buf, sizeof buf, " %s ", view_classes[t->cur]->name);
				x = put(t, 0, x, rx, TUI_S_HEADER_SEL, buf);
				ok = x >= 0;
			}
		} else if (form <= 4) {
			const char *name = t->cur == TUI_VIEW_LOG ? "Log"
								  : view_classes[t->cur]->name;
			int k;

			snprintf(buf, sizeof buf, " %s ", name);
			for (k = 0; k < 6; k++) {
				if (numbered_ids[k] == (int)t->cur)
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

static enum tui_style
level_style(enum msg_level l)
{
	switch (l) {
	case MSG_ERROR:
		return TUI_S_CRIT;
	case MSG_WARNING:
		return TUI_S_WARN;
	case MSG_NOTICE:
		return TUI_S_OK;
	default:
		return TUI_S_NORMAL;
	}
}

static void
draw_status(struct tui *t, int y)
{
	struct msglog *log = session_log(t->s);
	const struct msg *m = log->count > 0 ? msglog_get(log, log->count - 1) : NULL;
	struct timeval tv;
	int64_t now_wall;
	char buf[512];

	tui_draw_fill(&t->d, y, 0, t->cols, TUI_S_NORMAL);
	if (t->prompting) {
		int x = tui_draw_text(&t->d, y, 0, t->cols, TUI_S_WARN, TUI_LEFT, false,
				      "filter: ");
		int room = t->cols - x - 1;
		const char *shown = t->prompt;

		/* keep the end of a long filter in sight */
		while (tui_draw_width(&t->d, shown) > room && *shown != '\0')
			shown++;
		x += tui_draw_text(&t->d, y, x, room, TUI_S_NORMAL, TUI_LEFT, false, shown);
		move(y, x);
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
		tui_draw_text(&t->d, y, 0, t->cols, level_style(m->level), TUI_LEFT, false, buf);
		return;
	}
	snprintf(buf, sizeof buf, "? help   L message log (%zu)", log->count);
	tui_draw_text(&t->d, y, 0, t->cols, TUI_S_DIM, TUI_LEFT, false, buf);
}

/* "?Help 1 2View ... q Quit": the current view's bar keys, then the global ones. */
static void
draw_keybar(struct tui *t, int y)
{
	const struct tui_binding *tables[2] = { view_classes[t->cur]->bindings,
						tui_global_bindings };
	const struct tui_binding *quit = find_binding(view_classes[t->cur]->bindings, 'q') != NULL
						 ? NULL
						 : find_binding(tui_global_bindings, 'q');
	int quit_w = quit != NULL ? 2 + tui_draw_width(&t->d, quit->bar) : 0;
	int x = 0, k;
	const struct tui_binding *b;

	tui_draw_fill(&t->d, y, 0, t->cols, TUI_S_KEYBAR);
	if (t->modal == MODAL_CONFIRM) {
		tui_draw_text(&t->d, y, 0, t->cols, TUI_S_KEYBAR, TUI_LEFT, false,
			      " y yes   n no   Esc no");
		return;
	}
	if (t->modal == MODAL_DIALOG) {
		tui_draw_text(&t->d, y, 0, t->cols, TUI_S_KEYBAR, TUI_LEFT, false,
			      dialog_keys(t->dialog));
		return;
	}
	if (t->prompting) {
		tui_draw_text(&t->d, y, 0, t->cols, TUI_S_KEYBAR, TUI_LEFT, false,
			      " type to filter   Enter keep   Esc clear   C-u erase");
		return;
	}
	if (view_modal(t) != NULL) {
		tui_draw_text(&t->d, y, 0, t->cols, TUI_S_KEYBAR, TUI_LEFT, false, view_modal(t));
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
			if (k == 0 && unavailable(t, t->cur, b) != NULL)
				continue; /* not offered here (help says why) */
			while (k == 1 && i < 4 && b->keys[i] != 0 &&
			       find_binding(tables[0], b->keys[i]) != NULL) {
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

static void
draw_confirm(struct tui *t)
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

static void
draw_menu(struct tui *t)
{
	int w = 28, h = N_MENU + 2, y = 2, x = 2, i;

	if (w > t->cols - 4)
		w = t->cols - 4;
	if (h > t->rows - 4)
		h = t->rows - 4;
	draw_box(t, y, x, h, w);
	tui_draw_text(&t->d, y, x + 2, w - 4, TUI_S_DIALOG, TUI_LEFT, false, " Views ");
	for (i = 0; i < N_MENU && i < h - 2; i++) {
		enum tui_style st = i == t->menu_sel ? TUI_S_SELECTED : TUI_S_DIALOG;

		tui_draw_fill(&t->d, y + 1 + i, x + 1, w - 2, st);
		tui_draw_text(&t->d, y + 1 + i, x + 2, w - 4, st, TUI_LEFT, false,
			      menu_items[i].text);
	}
}

static void
draw_too_small(struct tui *t)
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

static void
draw_all(struct tui *t)
{
	const struct tui_view_class *c = view_classes[t->cur];
	int view_h = t->rows - 3;

	erase();
	curs_set(0);
	t->n_hits = 0;
	if (too_small(t)) {
		draw_too_small(t);
		refresh();
		return;
	}
	draw_header(t);
	c->draw(t->views[t->cur], 1, 0, view_h, t->cols);
	draw_keybar(t, t->rows - 1);
	if (t->modal == MODAL_CONFIRM)
		draw_confirm(t);
	else if (t->modal == MODAL_MENU)
		draw_menu(t);
	draw_status(t, t->rows - 2); /* last: it may place the cursor */
	if (t->modal == MODAL_DIALOG) {
		dialog_draw(t->dialog, &t->d, t->rows, t->cols);
		if (!dialog_submitted(t->dialog))
			curs_set(1);
	}
	if (t->prompting)
		curs_set(1);
	attrset(A_NORMAL);
	refresh();
}

/* ------------------------------------------------------------------------
 * Terminal set-up, signals, resize
 * ------------------------------------------------------------------------ */

static void
curses_stop(struct tui *t)
{
	if (!t->curses_on)
		return;
	t->curses_on = false;
	if (t->mouse)
		mousemask(0, NULL);
	endwin();
	delscreen(t->screen);
	t->screen = NULL;
}

/* The allocation-failure hook: give the terminal back before aborting. */
static void
fail_hook(void)
{
	if (running_tui != NULL && running_tui->curses_on) {
		running_tui->curses_on = false;
		endwin();
	}
}

static void
resize(struct tui *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	t->rows = LINES;
	t->cols = COLS;
	clearok(curscr, TRUE);
	request(t, TUI_R_REDRAW, 0);
}

static void
on_signal(struct loop *loop, int signo, void *arg)
{
	struct tui *t = arg;

	(void)loop;
	if (signo == SIGWINCH)
		resize(t);
	else
		do_quit(t);
}

static void
exit_after(struct loop *loop, void *arg)
{
	struct tui *t = arg;

	(void)loop;
	t->exit_timer = NULL; /* one-shot: dead once it runs */
	do_quit(t);
}

/*
 * Start curses, or say why the terminal cannot run the console (*why,
 * malloc'd; tui_term says what the console needs).
 */
static bool
curses_start(struct tui *t, char **why)
{
	const char *lang_utf8;
	bool utf8;

	*why = tui_term_problem();
	if (*why != NULL)
		return false;
	t->screen = newterm(NULL, stdout, stdin);
	if (t->screen == NULL) {
		*why = xstrdup("cannot start the terminal");
		return false;
	}
	set_term(t->screen);
	t->curses_on = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	leaveok(stdscr, FALSE);
#ifdef HAVE_SET_ESCDELAY
	set_escdelay(25);
#endif
	curs_set(0);
	lang_utf8 = nl_langinfo(CODESET);
	utf8 = lang_utf8 != NULL && strcmp(lang_utf8, "UTF-8") == 0;
	tui_draw_init(&t->d, !t->opt.no_color, !t->opt.ascii, utf8);
	t->mouse = !t->opt.no_mouse;
	if (t->mouse) {
		mouseinterval(0);
		mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	}
	t->rows = LINES;
	t->cols = COLS;
	return true;
}

int
tui_run(struct session *s, const struct tui_options *opt)
{
	static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct tui *t;
	size_t i;
	int64_t now_wall_ms;
	struct timeval tv;
	char *why = NULL;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "pgdbm-console: the console needs a terminal "
				"(see pgdbm-console --help for the commands)\n");
		return 2;
	}
	t = xcalloc(1, sizeof *t);
	t->s = s;
	t->loop = session_loop(s);
	t->opt = *opt;
	t->cur = TUI_VIEW_POOLS;
	if (opt->start_view >= 0 && opt->start_view < TUI_N_VIEWS)
		t->cur = (enum tui_view_id)opt->start_view;
	else if (session_n_databases(s) > 1)
		t->cur = TUI_VIEW_FLEET; /* the home of several databases */
	if (t->cur == TUI_VIEW_FLEET)
		session_want_inventory(s);
	t->prev = t->cur == TUI_VIEW_ACTIVITY ? TUI_VIEW_ACTIVITY
		  : t->cur == TUI_VIEW_FLEET  ? TUI_VIEW_FLEET
					      : TUI_VIEW_POOLS;

	/* our SIGWINCH handler first, so that curses does not install its own */
	loop_signal_watch(t->loop, SIGWINCH, on_signal, t);
	for (i = 0; i < sizeof quit_signals / sizeof quit_signals[0]; i++)
		loop_signal_watch(t->loop, quit_signals[i], on_signal, t);
	running_tui = t;
	xalloc_set_fail_hook(fail_hook);
	if (!curses_start(t, &why)) {
		fprintf(stderr, "pgdbm-console: %s\n", why);
		free(why);
		xalloc_set_fail_hook(NULL);
		running_tui = NULL;
		for (i = 0; i < sizeof quit_signals / sizeof quit_signals[0]; i++)
			loop_signal_unwatch(t->loop, quit_signals[i]);
		loop_signal_unwatch(t->loop, SIGWINCH);
		free(t);
		return 2;
	}
	for (i = 0; i < TUI_N_VIEWS; i++)
		t->views[i] = view_classes[i]->create(t);
	session_on_update(s, model_updated, t);
	t->input = loop_watch_add(t->loop, STDIN_FILENO, POLLIN, input_ready, t);
	gettimeofday(&tv, NULL);
	now_wall_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	t->clock_timer = loop_timer_add(t->loop, 1000 - now_wall_ms % 1000 + 2, 1000, clock_tick,
					t);
	if (opt->exit_after_ms > 0)
		t->exit_timer = loop_timer_add(t->loop, opt->exit_after_ms, 0, exit_after, t);

	/* the first frame at once (databases "connecting"), then the data as it comes */
	draw_all(t);
	session_start(s);
	loop_run(t->loop);

	loop_timer_cancel(t->loop, &t->redraw_timer);
	loop_timer_cancel(t->loop, &t->clock_timer);
	loop_timer_cancel(t->loop, &t->exit_timer);
	loop_watch_remove(t->loop, &t->input);
	session_on_update(s, NULL, NULL);
	curses_stop(t);
	xalloc_set_fail_hook(NULL);
	running_tui = NULL;
	for (i = 0; i < sizeof quit_signals / sizeof quit_signals[0]; i++)
		loop_signal_unwatch(t->loop, quit_signals[i]);
	loop_signal_unwatch(t->loop, SIGWINCH);
	dialog_free(&t->dialog);
	for (i = 0; i < TUI_N_VIEWS; i++)
		view_classes[i]->destroy(t->views[i]);
	free(t->confirm_text);
	free(t);
	return 0;
}
