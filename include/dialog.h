/*
 * dialog: a one-field text dialog with live validation.
 *
 * The dialog shows a title, a prompt with the text typed so far, the reason
 * the text is not acceptable yet (asked again after every key), and lines
 * the caller supplies under it: what will run while the user types, then,
 * once submitted, the progress and the result of what it started, in
 * place. Enter submits an acceptable text; Esc closes (what was started
 * goes on: jobs belong to the session). The provision dialog (type a
 * tenant id) and the typed-back confirmation of a deprovision use it.
 *
 *   editing ──Enter (acceptable)──► submitted ──Esc/Enter──► closed
 *      └────────────Esc─────────────────────────────────────►┘
 *
 * Ownership: dialog_new() copies the title and prompt; the TUI owns a
 * dialog opened with tui_open_dialog() and frees it when it closes, after
 * calling ops->closed (where the caller frees arg, if it must).
 */
#ifndef PGDBM_DIALOG_H
#define PGDBM_DIALOG_H

#include <stdbool.h>

#include "tui_draw.h"

struct dialog;
struct tui;

#define DIALOG_TEXT_MAX 128
#define DIALOG_LINE_MAX 256
#define DIALOG_INFO_MAX 12

struct dialog_line {
	char text[DIALOG_LINE_MAX];
	enum tui_style style;
};

struct dialog_ops {
	/* NULL when text is acceptable, else why not (malloc'd). */
	char *(*check)(void *arg, const char *text);
	/* Lines under the input (at most max); returns how many. */
	int (*info)(void *arg, const char *text, bool submitted, struct dialog_line *lines,
		    int max);
	/* Enter on an acceptable text: start it; false stays in editing (say why in info). */
	bool (*submit)(struct tui *t, void *arg, const char *text);
	/* A key the dialog does not use itself (Tab...); true when taken. May be NULL. */
	bool (*key)(void *arg, int key);
	/* The dialog closes. May be NULL. */
	void (*closed)(void *arg);
};

struct dialog *dialog_new(const char *title, const char *prompt, const struct dialog_ops *ops,
			  void *arg);
void dialog_free(struct dialog **d);

/* Handle a key: returns true when the dialog is to close. */
bool dialog_key(struct dialog *d, struct tui *t, int key);

bool dialog_submitted(const struct dialog *d);
const char *dialog_text(const struct dialog *d);

/* Draw the dialog centred on a screen of rows x cols (placing the cursor while editing). */
void dialog_draw(struct dialog *d, const struct tui_draw *dr, int rows, int cols);

/* What the key bar says while the dialog is open. */
const char *dialog_keys(const struct dialog *d);

#endif
