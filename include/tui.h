/*
 * tui: the interactive console's screen manager.
 *
 * The screen is a header line (view, profile, databases with their state,
 * refresh interval, clock), the view area, a status line (the prompt, a
 * short-lived message or the newest message of the log) and a key bar.
 * Views (Fleet, Pools, Activity, Schemas, Tenants, Migrations, Wizard, the
 * Advisor panel, and the Help and Message log screens) draw into
 * the view area from the session's model; they never talk to libpq.
 *
 * Input: the terminal is a watch on the session's event loop; keys are read
 * with wget_wch in nodelay mode until none is left, each looked up first in
 * the current view's binding table, then in the global one. A binding's
 * handler returns a reaction bit set (redraw, rebuild rows, quit) and the
 * shell does what the bits ask, once, after the keys are drained. Model
 * updates (a monitor refreshed, an action answered) rebuild the views'
 * rows at once and schedule one coalesced redraw. SIGWINCH re-lays the
 * screen; SIGINT and SIGTERM quit cleanly; a failed allocation restores
 * the terminal before aborting. While curses runs nothing is printed:
 * messages go to the message log.
 *
 * Ownership: tui_run() borrows the session and returns when the user quits.
 */
#ifndef PGDBM_TUI_H
#define PGDBM_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct session;
struct tui;
struct tui_draw;
struct widget_table;

struct tui_options {
	bool ascii;	       /* --ascii: no block elements or box drawing */
	bool no_color;	       /* NO_COLOR set (non-empty) */
	bool no_mouse;	       /* --no-mouse */
	int64_t exit_after_ms; /* --exit-after: quit by itself (0: never) */
	int start_view;	       /* --view: an enum tui_view_id, or -1 for the default
				  (Fleet with several databases, else Pools) */
};

/*
 * Run the console until the user quits; returns the exit status: 0, or 2
 * when the terminal cannot run it (not a terminal, TERM unset or unknown,
 * or a terminal that cannot move the cursor), after saying so on stderr.
 */
int tui_run(struct session *s, const struct tui_options *opt);

/* Print every key binding, one per line: "scope<TAB>keys<TAB>action" (--list-keys). */
void tui_print_bindings(FILE *f);

/* ------------------------------------------------------------------------
 * For views
 * ------------------------------------------------------------------------ */

/* Reactions: what a handler asks of the shell. */
enum {
	TUI_R_NONE = 0,
	TUI_R_REDRAW = 1u << 0,	 /* draw the screen again */
	TUI_R_REBUILD = 1u << 1, /* views rebuild their rows from the model, then redraw */
	TUI_R_QUIT = 1u << 2,	 /* leave (asks first when actions are running) */
};

/* Keys: characters are their code point; curses key codes are offset. */
#define TUI_KEYCODE(k) ((k) + 0x200000)
#define TUI_CTRL(c)    ((c)&0x1f)
#define TUI_ESC	       27

typedef unsigned (*tui_action)(struct tui *t, void *view, int key);

struct tui_binding {
	int keys[4];	   /* up to four keys (0 ends) */
	const char *label; /* the keys as help shows them ("Tab d") */
	const char *bar;   /* short name in the key bar; NULL: not there */
	const char *help;  /* what it does, one line */
	tui_action fn;
};

struct tui_view_class {
	const char *name;		    /* "Pools" */
	const struct tui_binding *bindings; /* ends with a row whose fn is NULL */
	void *(*create)(struct tui *t);
	void (*destroy)(void *view);
	/* The model of database db changed (or every database: SIZE_MAX): rebuild rows. */
	void (*update)(void *view, size_t db);
	void (*draw)(void *view, int y, int x, int h, int w);
	/* The table that gets movement keys, the filter, sorting and clicks (NULL: none). */
	struct widget_table *(*table)(void *view);
	/* Esc: close what is open; returns reactions (TUI_R_NONE: nothing was open). */
	unsigned (*escape)(void *view);
	/* A click at (y, x) that the table did not take, or Enter (y < 0). May be NULL. */
	unsigned (*click)(void *view, int y, int x);
	/* The cursor of the view's table moved (keys, mouse). May be NULL. */
	void (*cursor)(void *view);
	/*
	 * A dialog of the view that takes every key (a text input): NULL while
	 * none is open, else what the key bar shows for it. May be NULL.
	 */
	const char *(*modal)(void *view);
	/* A key while modal() is not NULL; returns reactions. */
	unsigned (*modal_key)(void *view, int key);
	/*
	 * Why the view's binding b is not offered now (a read-only profile,
	 * no tenants section), or NULL when it is. An unavailable binding is
	 * left out of the key bar, listed dimmed in help with the reason, and
	 * its key shows the reason in the status line instead of acting. May
	 * be NULL (every binding is always offered).
	 */
	const char *(*unavailable)(void *view, const struct tui_binding *b);
	/*
	 * The view is shown anew: a key or another view switched to it (not
	 * when one comes back to it with Esc). May be NULL.
	 */
	void (*enter)(void *view);
	/*
	 * Esc (when the view has nothing of its own open) goes back to the view
	 * this one was shown from: help, the log, the advisor panel.
	 */
	bool back;
	/*
	 * Shown over another view and about it (help, the log): a view switched
	 * to from it comes from the view under it, and help lists the bindings
	 * of the view under it.
	 */
	bool overlay;
};

struct session *tui_session(struct tui *t);
const struct tui_draw *tui_canvas(struct tui *t);

/* Show the console's own sessions (the `o` key). */
bool tui_show_own(const struct tui *t);

/* A short message in the status line for a few seconds. */
void tui_status(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Ask a yes/no question in a dialog; on yes, run cb(t, arg, id). The text
 * is copied.
 */
void tui_confirm(struct tui *t, const char *text, void (*cb)(struct tui *t, void *arg, int64_t id),
		 void *arg, int64_t id);

/* The views, in the order of their slots. */
enum tui_view_id {
	TUI_VIEW_POOLS,
	TUI_VIEW_ACTIVITY,
	TUI_VIEW_SCHEMAS,
	TUI_VIEW_TENANTS,
	TUI_VIEW_MIGRATIONS,
	TUI_VIEW_HELP,
	TUI_VIEW_LOG,
	TUI_VIEW_WIZARD,
	TUI_VIEW_ADVISOR,
	TUI_VIEW_FLEET,
	TUI_N_VIEWS
};

/* The view on screen. */
enum tui_view_id tui_current_view(const struct tui *t);

/* Switch to a view (calls its class's enter hook). */
void tui_switch_view(struct tui *t, enum tui_view_id id);
/* Go back to the view the current one was shown from (a class with `back`). */
void tui_back(struct tui *t);
/* A binding's handler that goes back (tui_back): the close key of a `back` view. */
unsigned tui_act_back(struct tui *t, void *view, int key);
/* The state of a view (for one view to hand another a filter). */
void *tui_view_state(struct tui *t, enum tui_view_id id);

/* The global bindings (every view). */
extern const struct tui_binding tui_global_bindings[];

/*
 * For the help view: the binding tables that apply to the view under the
 * help screen (its own, then the global ones) and its name.
 */
const struct tui_binding *tui_help_view_bindings(struct tui *t, const char **view_name);

/* For the help view: why binding b of the view under help is not offered (NULL: it is). */
const char *tui_help_unavailable(struct tui *t, const struct tui_binding *b);

#endif
