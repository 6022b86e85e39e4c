/*
 * migpreview: the Migrations view's preview pane. See include/migpreview.h.
 *
 *    001_accounts.sql rendered for schema users │ lines 1-12 of 40 │ d: down script │ ...
 *       1 CREATE TABLE "users".accounts (
 *       2     id bigint PRIMARY KEY,
 *
 * The text is rendered by the browse handle (browse_render: the module's
 * manager, or for the tenant set an example tenant's schema), never by
 * hand. Scrolling is clamped when drawing, where the height is known.
 */
#include "config.h"

#include "migpreview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "migfile.h"
#include "migrate.h"
#include "profile.h"
#include "xalloc.h"

#define PAGE_LINES 10

/* Show title and text (both malloc'd, taken). */
static void
set_text(struct migpreview *p, char *title, char *text)
{
	const char *c;

	free(p->title);
	free(p->text);
	p->title = title;
	p->text = text;
	p->lines = 1;
	for (c = text; *c != '\0'; c++)
		p->lines += *c == '\n';
}

void
migpreview_nothing(struct migpreview *p)
{
	set_text(p, xstrdup("nothing selected"), xstrdup(""));
}

void
migpreview_stale(struct migpreview *p)
{
	p->id = 0;
}

void
migpreview_render(struct migpreview *p, int64_t id, struct browse *b, const struct browse_module *m,
		  const struct migfile *mf, const struct mig_entry *e)
{
	const struct migfile_script *script;
	const char *schema;
	char *out = NULL, *err, *example = NULL;

	if (id == p->id && p->id_down == p->down && p->text != NULL)
		return;
	p->id = id;
	p->id_down = p->down;
	p->scroll = 0;
	if (mf == NULL) {
		set_text(p, xasprintf("%s", e != NULL ? e->filename : "?"),
			 xstrdup(e != NULL && e->state == MIG_MISSING
					 ? "the file is gone from the folder: only its ledger row "
					   "is left"
					 : "no file"));
		return;
	}
	if (p->down && !mf->has_down) {
		set_text(p, xasprintf("down/%s", mf->name),
			 xasprintf("no down script: %s cannot be rolled back (add down/%s)",
				   mf->name, mf->name));
		return;
	}
	script = p->down ? &mf->down : &mf->up;
	if (m == NULL) {
		example = browse_example_tenant_schema(b);
		schema = example;
	} else {
		schema = m->pm->schema;
	}
	err = browse_render(b, m, script, &out);
	if (err != NULL) {
		set_text(p, xasprintf("%s", script->path), xasprintf("cannot render: %s", err));
		free(err);
	} else {
		set_text(p,
			 xasprintf("%s%s rendered for schema %s", p->down ? "down/" : "", mf->name,
				   schema),
			 out);
		out = NULL;
	}
	free(out);
	free(example);
}

void
migpreview_scroll(struct migpreview *p, enum migpreview_scroll how)
{
	switch (how) {
	case MIGPREVIEW_PAGE_DOWN:
		p->scroll += PAGE_LINES;
		break;
	case MIGPREVIEW_PAGE_UP:
		p->scroll -= PAGE_LINES;
		break;
	case MIGPREVIEW_HOME:
		p->scroll = 0;
		break;
	case MIGPREVIEW_END:
		p->scroll = 1 << 20; /* clamped when drawn */
		break;
	}
}

void
migpreview_draw(struct migpreview *p, const struct tui_draw *d, int y, int x, int h, int w)
{
	char buf[512];
	const char *c;
	int line = 1, i, digits = 4, gw;

	if (p->text == NULL)
		return;
	/* the gutter holds the largest line number in full (at least 4 digits) */
	for (i = p->lines; i >= 10000; i /= 10)
		digits++;
	gw = digits + 1;
	if (p->scroll > p->lines - (h - 1))
		p->scroll = p->lines - (h - 1);
	if (p->scroll < 0)
		p->scroll = 0;
	snprintf(buf, sizeof buf, " %s %s lines %d-%d of %d %s d: %s %s PgUp/PgDn scroll %s Esc",
		 p->title, d->vline, p->scroll + 1,
		 p->scroll + h - 1 < p->lines ? p->scroll + h - 1 : p->lines, p->lines, d->vline,
		 p->down ? "up script" : "down script", d->vline, d->vline);
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
	y++;
	h--;
	for (c = p->text; *c != '\0' && line <= p->scroll; c++)
		line += *c == '\n';
	for (i = 0; i < h; i++, line++) {
		size_t n = strcspn(c, "\n");
		char text[400];

		if (*c == '\0' && i > 0)
			break;
		snprintf(buf, sizeof buf, "%*d ", digits, line);
		tui_draw_text(d, y + i, x, gw, TUI_S_DIM, TUI_LEFT, false, buf);
		snprintf(text, sizeof text, "%.*s", (int)(n < 399 ? n : 399), c);
		tui_draw_text(d, y + i, x + gw, w - gw, TUI_S_NORMAL, TUI_LEFT, false, text);
		c += n;
		if (*c == '\n')
			c++;
	}
}

void
migpreview_clear(struct migpreview *p)
{
	free(p->title);
	free(p->text);
	memset(p, 0, sizeof *p);
}
