/*
 * migpreview: the Migrations view's preview pane: one migration file, its
 * up script or its down script, rendered for its schema (pgdbm's
 * templates filled in), with line numbers in a gutter that holds the
 * largest one in full, scrolled a page at a time.
 *
 * The pane remembers the row (by its stable id) and the script it
 * rendered, and renders again only when either changes, so it follows the
 * view's cursor for the cost of one render per move. What it shows is text
 * it owns: the rendered SQL, or why there is none (a file gone from the
 * folder, no down script, a template that does not render).
 *
 * Ownership: the view embeds the struct (zeroed: closed, empty);
 * migpreview_clear() frees its text.
 */
#ifndef PGDBM_MIGPREVIEW_H
#define PGDBM_MIGPREVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "tui_draw.h"

struct browse;
struct browse_module;
struct mig_entry;
struct migfile;

struct migpreview {
	bool open;  /* shown under the table */
	bool down;  /* the down script, else the up script */
	int scroll; /* the first line shown, from 0 */
	char *title;
	char *text;
	int lines;
	int64_t id; /* the row rendered (0: render again) */
	bool id_down;
};

/*
 * Show the script of row `id`: file mf rendered by b for module m (NULL:
 * the tenant set, rendered for an example tenant's schema); mf NULL: the
 * row has no file (e: its ledger entry, if any, says why). Nothing is done
 * when that row's script is shown already; another row starts at the top.
 */
void migpreview_render(struct migpreview *p, int64_t id, struct browse *b,
		       const struct browse_module *m, const struct migfile *mf,
		       const struct mig_entry *e);

/* No row under the cursor. */
void migpreview_nothing(struct migpreview *p);

/* Render again at the next migpreview_render (the rows were rebuilt). */
void migpreview_stale(struct migpreview *p);

/* Scroll a page (ten lines) up or down, to the top or to the end. */
enum migpreview_scroll {
	MIGPREVIEW_PAGE_UP,
	MIGPREVIEW_PAGE_DOWN,
	MIGPREVIEW_HOME,
	MIGPREVIEW_END,
};
void migpreview_scroll(struct migpreview *p, enum migpreview_scroll how);

/* Draw the pane in (y, x, h, w): a title line with the lines shown, then the numbered text. */
void migpreview_draw(struct migpreview *p, const struct tui_draw *d, int y, int x, int h, int w);

void migpreview_clear(struct migpreview *p);

#endif
