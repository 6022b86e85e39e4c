/*
 * input: the console's one modal text input: a one-line text field in a
 * dialog box, for views that ask the user for a value (a file path, a list
 * of service names, a tenant id to provision, an id typed back to confirm
 * a deprovision), and the line editor of the filter prompt.
 *
 * The field holds UTF-8 text and a cursor. input_key() edits it with the
 * keys of a shell's line editor (Left, Right, Home, End, C-a, C-e,
 * Backspace, Delete, C-d, C-u, C-k, C-w) and says when the user accepted
 * the text (Enter) or gave up (Esc, C-g). input_draw() draws the dialog
 * centred in an area: the title in the frame, help lines, the field
 * (after its label, if any; scrolled sideways to keep the cursor in sight,
 * the cursor cell in reverse video: the terminal's own cursor stays
 * hidden), an error line and the keys. input_draw_line() draws the field
 * alone on a line (the filter prompt in the status line).
 *
 * A plain input: the view decides what an accepted text means; on a value
 * it refuses it sets an error with input_set_error() and leaves the dialog
 * open, so nothing typed is lost.
 *
 * A checked input (input_open_checked): the owner's check runs after every
 * change, so the reason a text is not acceptable shows as the user types
 * (or "ok: Enter to confirm"), and Enter on such a text is refused in
 * place (the reason turns red). Lines the owner supplies stand under the
 * field: what Enter will start, then, once the owner has started it and
 * called input_set_submitted(), its progress and result in place; the
 * field is then fixed and Esc, Enter or q closes.
 *
 *   editing ──Enter (acceptable)──► [owner starts it] ──► submitted ──Esc/Enter/q──► closed
 *      └──────────────────────────────Esc──────────────────────────────────────────►┘
 *
 * The key handling is plain code without curses calls, so it is unit
 * tested (tests/unit/test_input.c).
 *
 * Ownership: the view owns the struct (usually a member of its state);
 * input_open() and input_open_checked() copy their strings; input_close()
 * frees them (and is safe on a closed or zeroed struct). The check's
 * argument stays the owner's.
 */
#ifndef PGDBM_INPUT_H
#define PGDBM_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "tui_draw.h"

#define INPUT_MAX	1024 /* bytes of text, NUL included */
#define INPUT_LINE_MAX	256  /* bytes of a line under the field, NUL included */
#define INPUT_LINES_MAX 12   /* lines under the field at most */

enum input_result {
	INPUT_EDITING, /* the key edited the text, or was ignored */
	INPUT_ACCEPT,  /* Enter: the view reads input_text() */
	INPUT_CANCEL,  /* Esc or C-g: the view closes the dialog */
};

/* A line under the field of a checked input. */
struct input_line {
	char text[INPUT_LINE_MAX];
	enum tui_style style;
};

/* What a checked input asks of its owner. */
struct input_check {
	/* NULL when text is acceptable, else why not (malloc'd). */
	char *(*check)(void *arg, const char *text);
	/*
	 * The lines under the field (at most max): what Enter will start, or
	 * once submitted its progress and result; returns how many. May be NULL.
	 */
	int (*info)(void *arg, const char *text, bool submitted, struct input_line *lines, int max);
};

struct input {
	bool open;
	char *title;
	char *help;  /* shown above the field, wrapped; NULL: none */
	char *label; /* before the field on its line; NULL: none */
	/* shown below the field; NULL: none. A checked input: the check's answer */
	char *error;
	char text[INPUT_MAX];
	size_t len;    /* bytes */
	size_t cursor; /* byte offset, on a character boundary */
	/* a checked input */
	const struct input_check *check;
	void *check_arg;
	bool refused;	/* Enter was pressed on a text the check does not accept */
	bool submitted; /* what Enter started runs: the field is fixed */
};

/* Open the dialog with a title, help text and the initial text (cursor at its end). */
void input_open(struct input *in, const char *title, const char *help, const char *text);

/* Open a checked dialog: a title, the field's label, empty text, checked at once. */
void input_open_checked(struct input *in, const char *title, const char *label,
			const struct input_check *check, void *arg);

void input_close(struct input *in);

/* Show an error under the field (NULL clears it); editing clears it too. */
void input_set_error(struct input *in, const char *error);

/* A checked input: ask the check again (what it depends on changed). */
void input_recheck(struct input *in);

/* A checked input: what Enter asked for was started; the lines now follow it. */
void input_set_submitted(struct input *in);

/*
 * A key: edits the text, or ends it. A checked input answers INPUT_ACCEPT
 * only for a text its check accepts; once submitted, it ignores every key
 * but Esc, Enter and q, which answer INPUT_CANCEL (close).
 */
enum input_result input_key(struct input *in, int key);

const char *input_text(const struct input *in);

/* What the key bar shows while the input is open, for its state. */
const char *input_bar(const struct input *in);

/* Draw the dialog centred in the area (y, x, h, w). */
void input_draw(const struct input *in, const struct tui_draw *d, int y, int x, int h, int w);

/* Draw the field alone at (y, x), w columns wide (a prompt in a status line). */
void input_draw_line(const struct input *in, const struct tui_draw *d, int y, int x, int w);

#endif
