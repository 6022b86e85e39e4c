/*
 * input: a one-line text field in a dialog box, for views that ask the user
 * for a value (a file path, a list of service names).
 *
 * The field holds UTF-8 text and a cursor. input_key() edits it with the
 * keys of a shell's line editor (Left, Right, Home, End, C-a, C-e,
 * Backspace, Delete, C-d, C-u, C-k, C-w) and says when the user accepted
 * the text (Enter) or gave up (Esc, C-g). input_draw() draws the dialog
 * centred in an area: the title in the frame, help lines, the field
 * (scrolled sideways to keep the cursor in sight, the cursor cell in
 * reverse video: the terminal's own cursor stays hidden), an error line
 * and the keys.
 *
 * The view owns the struct (usually a member of its state) and decides what
 * an accepted text means: on a value it refuses it sets an error with
 * input_set_error() and leaves the dialog open, so nothing typed is lost.
 * The key handling is plain code without curses calls, so it is unit
 * tested (tests/unit/test_input.c).
 *
 * Ownership: input_open() copies its strings; input_close() frees them
 * (and is safe on a closed or zeroed struct).
 */
#ifndef PGDBM_INPUT_H
#define PGDBM_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "tui_draw.h"

#define INPUT_MAX 1024 /* bytes of text, NUL included */

enum input_result {
	INPUT_EDITING, /* the key edited the text, or was ignored */
	INPUT_ACCEPT,  /* Enter: the view reads input_text() */
	INPUT_CANCEL,  /* Esc or C-g: the view closes the dialog */
};

struct input {
	bool open;
	char *title;
	char *help;  /* shown above the field, wrapped; NULL: none */
	char *error; /* shown below the field; NULL: none */
	char text[INPUT_MAX];
	size_t len;    /* bytes */
	size_t cursor; /* byte offset, on a character boundary */
};

/* What the key bar shows while a dialog is open. */
extern const char input_keybar[];

/* Open the dialog with a title, help text and the initial text (cursor at its end). */
void input_open(struct input *in, const char *title, const char *help, const char *text);
void input_close(struct input *in);

/* Show an error under the field (NULL clears it); editing clears it too. */
void input_set_error(struct input *in, const char *error);

enum input_result input_key(struct input *in, int key);

const char *input_text(const struct input *in);

/* Draw the dialog centred in the area (y, x, h, w). */
void input_draw(const struct input *in, const struct tui_draw *d, int y, int x, int h, int w);

#endif
