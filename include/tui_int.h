/*
 * tui_int: what the screen manager's own files share; not for views.
 *
 * The screen manager is three files over one struct tui:
 *
 *   tui.c          set-up and teardown, layout, key and mouse dispatch,
 *                  redraw scheduling, and the small services views call
 *                  (include/tui.h);
 *   tui_actions.c  the global key actions and their binding table, the
 *                  view menu's entries, quitting;
 *   tui_chrome.c   the chrome around the view: header, status line, key
 *                  bar, and the boxes the shell itself opens (a
 *                  confirmation, the view menu, the "too small" notice).
 *
 * Views see none of this: they go through include/tui.h.
 *
 * Ownership: the struct tui is tui_run()'s; everything here borrows it.
 */
#ifndef PGDBM_TUI_INT_H
#define PGDBM_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "tui.h"
#include "tui_curses.h"
#include "tui_draw.h"

#define TUI_MIN_COLS 40
#define TUI_MIN_ROWS 10
#define TUI_MAX_HITS 64
#define TUI_N_MENU   11

struct loop;
struct loop_timer;
struct loop_watch;
struct widget_table;

/* A screen area that acts as a key when clicked (header tabs, key bar). */
struct tui_hit {
	int y, x0, x1;
	int key;
};

/* What takes every key before the view's bindings. */
enum tui_modal {
	TUI_MODAL_NONE,
	TUI_MODAL_CONFIRM,
	TUI_MODAL_MENU,
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
	enum tui_view_id cur;
	/* where each view was last shown from anew: Esc goes back there (a class with `back`) */
	enum tui_view_id back[TUI_N_VIEWS];

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

	/* the filter prompt in the status line (open: it takes the keys) */
	struct input filter;

	/* dialogs */
	enum tui_modal modal;
	char *confirm_text;
	void (*confirm_cb)(struct tui *t, void *arg, int64_t id);
	void *confirm_arg;
	int64_t confirm_id;
	int menu_sel;

	struct tui_hit hits[TUI_MAX_HITS];
	int n_hits;
};

/* The view classes, in the order of their slots (enum tui_view_id). */
extern const struct tui_view_class *const tui_view_classes[TUI_N_VIEWS];

/* The views the number keys 1-6 name, and their names in the header. */
extern const int tui_numbered_ids[6];
extern const char *const tui_numbered_views[6];

/* The view menu (m): each entry stands for a global key. */
struct tui_menu_item {
	int key;
	const char *text;
};
extern const struct tui_menu_item tui_menu_items[TUI_N_MENU];

/* tui.c */
void tui_request(struct tui *t, unsigned bits, int64_t delay_ms);
void tui_rebuild_views(struct tui *t, size_t db);
struct widget_table *tui_current_table(struct tui *t);
void tui_cursor_moved(struct tui *t);
const char *tui_unavailable(struct tui *t, enum tui_view_id id, const struct tui_binding *b);
const struct tui_binding *tui_find_binding(const struct tui_binding *table, int key);
/* The key bar text of a dialog the current view has open, or NULL. */
const char *tui_view_modal(struct tui *t);
/* Leave now, without asking. */
void tui_quit_now(struct tui *t);

/* tui_actions.c: q, asking first when an action or a job is still running. */
void tui_ask_quit(struct tui *t);

/* tui_chrome.c: each draws its part of the screen (and records its click areas). */
void tui_chrome_header(struct tui *t);
void tui_chrome_status(struct tui *t, int y);
void tui_chrome_keybar(struct tui *t, int y);
void tui_chrome_confirm(struct tui *t);
void tui_chrome_menu(struct tui *t);
void tui_chrome_too_small(struct tui *t);

#endif
