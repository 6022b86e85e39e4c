/*
 * tui: curses set-up, layout, input dispatch, redraw scheduling.
 * See include/tui.h; include/tui_int.h says how the screen manager is
 * split: the global key actions are in tui_actions.c, the header, status
 * line, key bar and the shell's own boxes in tui_chrome.c.
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
 * Redraws: every event that changes what is shown calls tui_request(),
 * which sets pending bits and arms a one-shot timer (0 ms after keys, a few
 * ms after model updates, so that the updates of several databases that
 * arrive together cost one redraw). The timer draws the whole screen with
 * erase() and refresh(): curses sends only what changed. A one-second
 * timer keeps the clock and the ages current. Nothing busy-waits.
 *
 * Modal state: a confirmation dialog or the view menu, when open, takes
 * every key; then the filter prompt (an input, include/input.h, drawn in
 * the status line) when open; then a dialog the current view holds (its
 * class's modal hooks). Otherwise a key goes to the current view's
 * bindings, then to the global ones.
 */
#include "config.h"

#include "tui.h"
#include "tui_int.h"

#include <langinfo.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>
#include <wchar.h>

#include "loop.h"
#include "msglog.h"
#include "session.h"
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

#define STATUS_MS	4000
#define UPDATE_DELAY_MS 15

/* one view a line (clang-format would pack them in columns) */
/* clang-format off */
const struct tui_view_class *const tui_view_classes[TUI_N_VIEWS] = {
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

const char *const tui_numbered_views[6] = { "Pools",   "Activity",   "Schemas",
					    "Tenants", "Migrations", "Wizard" };
const int tui_numbered_ids[6] = { TUI_VIEW_POOLS,   TUI_VIEW_ACTIVITY,	 TUI_VIEW_SCHEMAS,
				  TUI_VIEW_TENANTS, TUI_VIEW_MIGRATIONS, TUI_VIEW_WIZARD };

/* For the allocation-failure hook: the one running console. */
static struct tui *running_tui;

static void draw_all(struct tui *t);

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
tui_confirm(struct tui *t, const char *text, void (*cb)(struct tui *t, void *arg, int64_t id),
	    void *arg, int64_t id)
{
	free(t->confirm_text);
	t->confirm_text = xstrdup(text);
	t->confirm_cb = cb;
	t->confirm_arg = arg;
	t->confirm_id = id;
	t->modal = TUI_MODAL_CONFIRM;
}

void *
tui_view_state(struct tui *t, enum tui_view_id id)
{
	return t->views[id];
}

/*
 * Show view id: anew (a key or a view asked for it: it remembers where it
 * was shown from, seen through an overlay such as help, and its enter hook
 * runs), or going back to it.
 */
static void
show(struct tui *t, enum tui_view_id id, bool anew)
{
	const struct tui_view_class *c = tui_view_classes[id];

	if (id == t->cur)
		return;
	if (anew)
		t->back[id] = tui_view_classes[t->cur]->overlay ? t->back[t->cur] : t->cur;
	input_close(&t->filter);
	t->cur = id;
	if (anew && c->enter != NULL)
		c->enter(t->views[id]);
	if (c->update != NULL)
		c->update(t->views[id], SIZE_MAX);
}

void
tui_switch_view(struct tui *t, enum tui_view_id id)
{
	show(t, id, true);
}

enum tui_view_id
tui_current_view(const struct tui *t)
{
	return t->cur;
}

void
tui_back(struct tui *t)
{
	show(t, t->back[t->cur], false);
}

unsigned
tui_act_back(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	tui_back(t);
	return TUI_R_REDRAW;
}

const struct tui_binding *
tui_help_view_bindings(struct tui *t, const char **view_name)
{
	enum tui_view_id under = t->back[TUI_VIEW_HELP];

	*view_name = tui_view_classes[under]->name;
	return tui_view_classes[under]->bindings;
}

/* Why binding b of view id is not offered now, or NULL. */
const char *
tui_unavailable(struct tui *t, enum tui_view_id id, const struct tui_binding *b)
{
	const struct tui_view_class *c = tui_view_classes[id];

	return c->unavailable != NULL ? c->unavailable(t->views[id], b) : NULL;
}

const char *
tui_help_unavailable(struct tui *t, const struct tui_binding *b)
{
	return tui_unavailable(t, t->back[TUI_VIEW_HELP], b);
}

struct widget_table *
tui_current_table(struct tui *t)
{
	const struct tui_view_class *c = tui_view_classes[t->cur];

	return c->table != NULL ? c->table(t->views[t->cur]) : NULL;
}

void
tui_cursor_moved(struct tui *t)
{
	const struct tui_view_class *c = tui_view_classes[t->cur];

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

void
tui_request(struct tui *t, unsigned bits, int64_t delay_ms)
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

void
tui_rebuild_views(struct tui *t, size_t db)
{
	size_t i;

	for (i = 0; i < TUI_N_VIEWS; i++) {
		if (tui_view_classes[i]->update != NULL)
			tui_view_classes[i]->update(t->views[i], db);
	}
}

static void
model_updated(void *arg, size_t db)
{
	struct tui *t = arg;

	tui_rebuild_views(t, db);
	tui_request(t, TUI_R_REDRAW, UPDATE_DELAY_MS);
}

static void
clock_tick(struct loop *loop, void *arg)
{
	struct tui *t = arg;

	(void)loop;
	/* ages and the log move on even without model updates */
	if (t->cur == TUI_VIEW_LOG)
		tui_view_classes[TUI_VIEW_LOG]->update(t->views[TUI_VIEW_LOG], SIZE_MAX);
	tui_request(t, TUI_R_REDRAW, 0);
}

/* ------------------------------------------------------------------------
 * Leaving, binding tables
 * ------------------------------------------------------------------------ */

void
tui_quit_now(struct tui *t)
{
	t->quit = true;
	loop_stop(t->loop);
}

const struct tui_binding *
tui_find_binding(const struct tui_binding *table, int key)
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
		for (b = tui_view_classes[i]->bindings; b != NULL && b->fn != NULL; b++)
			fprintf(f, "%s\t%s\t%s\n", tui_view_classes[i]->name, b->label, b->help);
	}
	for (b = tui_global_bindings; b->fn != NULL; b++)
		fprintf(f, "global\t%s\t%s\n", b->label, b->help);
}

/* ------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------ */

/*
 * A key for the filter prompt: the line editor's (input.h); the table's
 * filter follows the text as it is typed. Enter keeps the filter, Esc
 * clears it.
 */
static unsigned
filter_key(struct tui *t, int key)
{
	struct widget_table *tb = tui_current_table(t);

	switch (input_key(&t->filter, key)) {
	case INPUT_CANCEL:
		input_close(&t->filter);
		if (tb != NULL)
			widget_table_set_filter(tb, "");
		return TUI_R_REDRAW;
	case INPUT_ACCEPT:
		input_close(&t->filter);
		return TUI_R_REDRAW;
	default:
		break;
	}
	if (tb != NULL && strcmp(widget_table_filter(tb), input_text(&t->filter)) != 0)
		widget_table_set_filter(tb, input_text(&t->filter)); /* live, as you type */
	return TUI_R_REDRAW;
}

static unsigned dispatch_global(struct tui *t, int key);

static unsigned
modal_key(struct tui *t, int key)
{
	if (t->modal == TUI_MODAL_CONFIRM) {
		if (key == 'y' || key == 'Y') {
			void (*cb)(struct tui *, void *, int64_t) = t->confirm_cb;

			t->modal = TUI_MODAL_NONE;
			if (cb != NULL)
				cb(t, t->confirm_arg, t->confirm_id);
			return TUI_R_REDRAW;
		}
		if (key == 'n' || key == 'N' || key == TUI_ESC || key == 'q' || key == '\n' ||
		    key == '\r') {
			t->modal = TUI_MODAL_NONE;
			return TUI_R_REDRAW;
		}
		return TUI_R_NONE;
	}
	/* menu */
	if (key == TUI_KEYCODE(KEY_UP) || key == 'k') {
		t->menu_sel = (t->menu_sel + TUI_N_MENU - 1) % TUI_N_MENU;
	} else if (key == TUI_KEYCODE(KEY_DOWN) || key == 'j') {
		t->menu_sel = (t->menu_sel + 1) % TUI_N_MENU;
	} else if (key == '\n' || key == '\r' || key == TUI_KEYCODE(KEY_ENTER)) {
		t->modal = TUI_MODAL_NONE;
		return dispatch_global(t, tui_menu_items[t->menu_sel].key);
	} else if (key == TUI_ESC || key == 'm' || key == TUI_KEYCODE(KEY_F(2))) {
		t->modal = TUI_MODAL_NONE;
	} else {
		int i;

		for (i = 0; i < TUI_N_MENU; i++) {
			if (tui_menu_items[i].key == key) {
				t->modal = TUI_MODAL_NONE;
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
const char *
tui_view_modal(struct tui *t)
{
	const struct tui_view_class *c = tui_view_classes[t->cur];

	return c->modal != NULL && c->modal_key != NULL ? c->modal(t->views[t->cur]) : NULL;
}

static unsigned
dispatch(struct tui *t, int key)
{
	const struct tui_binding *b;
	void *view = t->views[t->cur];
	const char *why;

	if (t->modal != TUI_MODAL_NONE)
		return modal_key(t, key);
	if (t->filter.open)
		return filter_key(t, key);
	if (tui_view_modal(t) != NULL)
		return tui_view_classes[t->cur]->modal_key(view, key);
	if (too_small(t)) {
		if (key == 'q' || key == TUI_KEYCODE(KEY_F(10))) {
			tui_ask_quit(t);
			return TUI_R_REDRAW;
		}
		return TUI_R_NONE;
	}
	b = tui_find_binding(tui_view_classes[t->cur]->bindings, key);
	if (b == NULL)
		return dispatch_global(t, key);
	if ((why = tui_unavailable(t, t->cur, b)) != NULL) {
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
	const struct tui_binding *b = tui_find_binding(tui_global_bindings, key);

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
	tb = tui_current_table(t);
	if (ev.bstate & BUTTON4_PRESSED) {
		if (tb != NULL)
			widget_table_scroll(tb, -3);
		tui_cursor_moved(t);
		return TUI_R_REDRAW;
	}
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED) {
		if (tb != NULL)
			widget_table_scroll(tb, 3);
		tui_cursor_moved(t);
		return TUI_R_REDRAW;
	}
#endif
	if (!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return TUI_R_NONE;
	if (t->modal == TUI_MODAL_MENU) {
		/* the menu box starts at row 2; its items at row 3 */
		int item = ev.y - 3;

		if (item >= 0 && item < TUI_N_MENU) {
			t->menu_sel = item;
			return modal_key(t, '\n');
		}
		t->modal = TUI_MODAL_NONE;
		return TUI_R_REDRAW;
	}
	if (t->modal != TUI_MODAL_NONE || t->filter.open || tui_view_modal(t) != NULL)
		return TUI_R_NONE;
	for (i = 0; i < t->n_hits; i++) {
		if (ev.y == t->hits[i].y && ev.x >= t->hits[i].x0 && ev.x < t->hits[i].x1)
			return dispatch(t, t->hits[i].key);
	}
	if (tb != NULL && widget_table_click(tb, ev.y, ev.x)) {
		tui_cursor_moved(t);
		return TUI_R_REDRAW;
	}
	if (tui_view_classes[t->cur]->click != NULL)
		return tui_view_classes[t->cur]->click(t->views[t->cur], ev.y, ev.x);
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
		tui_quit_now(t);
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
		tui_quit_now(t);
		return;
	}
	if (r & TUI_R_QUIT)
		tui_ask_quit(t);
	if (r & TUI_R_REBUILD)
		tui_rebuild_views(t, SIZE_MAX);
	if (r & (TUI_R_REDRAW | TUI_R_REBUILD))
		tui_request(t, TUI_R_REDRAW, 0);
}

static void
draw_all(struct tui *t)
{
	const struct tui_view_class *c = tui_view_classes[t->cur];
	int view_h = t->rows - 3;

	erase();
	curs_set(0);
	t->n_hits = 0;
	if (too_small(t)) {
		tui_chrome_too_small(t);
		refresh();
		return;
	}
	tui_chrome_header(t);
	c->draw(t->views[t->cur], 1, 0, view_h, t->cols);
	tui_chrome_keybar(t, t->rows - 1);
	if (t->modal == TUI_MODAL_CONFIRM)
		tui_chrome_confirm(t);
	else if (t->modal == TUI_MODAL_MENU)
		tui_chrome_menu(t);
	tui_chrome_status(t, t->rows - 2);
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
	tui_request(t, TUI_R_REDRAW, 0);
}

static void
on_signal(struct loop *loop, int signo, void *arg)
{
	struct tui *t = arg;

	(void)loop;
	if (signo == SIGWINCH)
		resize(t);
	else
		tui_quit_now(t);
}

static void
exit_after(struct loop *loop, void *arg)
{
	struct tui *t = arg;

	(void)loop;
	t->exit_timer = NULL; /* one-shot: dead once it runs */
	tui_quit_now(t);
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
	for (i = 0; i < TUI_N_VIEWS; i++)
		t->back[i] = t->cur;

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
		t->views[i] = tui_view_classes[i]->create(t);
	if (tui_view_classes[t->cur]->enter != NULL)
		tui_view_classes[t->cur]->enter(t->views[t->cur]);
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
	input_close(&t->filter);
	for (i = 0; i < TUI_N_VIEWS; i++)
		tui_view_classes[i]->destroy(t->views[i]);
	free(t->confirm_text);
	free(t);
	return 0;
}
