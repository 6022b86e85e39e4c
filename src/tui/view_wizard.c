/*
 * view_wizard: the architecture wizard in the console. See
 * include/view_wizard.h.
 *
 * Two pages, chosen by the core state (struct wizard):
 *
 *  - the question page, while wizard_current() asks something:
 *
 *      Question 3 of the path · flowchart Q3          │ Path
 *      Same database?                                 │ 1 How many services? Multiple
 *                                                     │ 2 Services share data? Yes
 *        ANSWER   VALUE  LEADS TO                     │
 *      > No       no     Multiple Databases (...)     │ pattern so far: -
 *        Yes      yes    Shared Pool Pattern  default │
 *      guide: Same database? No -> Multiple ...       │
 *      default: yes, "Default choice: ..."            │
 *
 *    A choice question lists its answers in a widget_table (the cursor
 *    starts on the guide's default for this path); Enter answers. A
 *    free-form question (services, library, tenant prefix, database) shows
 *    what the value is for and its form, and Enter opens a text input
 *    filled with the default; a refused value keeps the dialog open with
 *    the core's error under the field.
 *
 *  - the result page, once wizard_finished(): a textpane with what was
 *    written (and whether it loads), the pattern, each answer with the rule
 *    it triggered and what it changed, the pool size, the anti-patterns
 *    and the generated profile. `w` asks for a file name (default
 *    ./pgdbm-profile.yaml, then the last one written), writes the profile
 *    with wizard_write() (which creates the migration folders), asks before
 *    replacing an existing file, then loads the file back with
 *    profile_load() (wizard_verdict()) and shows the verdict on the page.
 *
 * Back (b) and restart (R) go through the core, which replays the path;
 * the view only remembers a generation number so that it rebuilds its
 * table and page when the state changed, and forgets the last write when
 * the result it was about is gone.
 */
#include "config.h"

#include "view_wizard.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "session.h"
#include "strbuf.h"
#include "textpane.h"
#include "tui_draw.h"
#include "widget_table.h"
#include "wizard.h"
#include "xalloc.h"

#define DEFAULT_PROFILE_PATH "./pgdbm-profile.yaml"
#define PATH_PANE_MIN	     30
#define PATH_PANE_MAX	     52
#define WIDE_LAYOUT	     72 /* narrower: the path goes under the question */

enum {
	COL_ANSWER,
	COL_DEFAULT,
	COL_LEADS,
	COL_VALUE,
	N_COLS
};

static const struct widget_table_column columns[N_COLS] = {
	[COL_ANSWER] = { "ANSWER", 0, 8, 0, false, false }, /* max: the longest label */
	[COL_DEFAULT] = { "GUIDE", 0, 7, 7, false, false },
	[COL_LEADS] = { "LEADS TO", 1, 12, 0, false, true },
	[COL_VALUE] = { "VALUE", 2, 10, 20, false, false }, /* as the CLI takes it */
};

enum input_for {
	FOR_NONE,
	FOR_ANSWER, /* a free-form answer */
	FOR_PATH,   /* the file to write the profile to */
};

/* The last write of the current result. */
struct written {
	bool done;
	char *file;
	char **created;
	size_t n_created;
	bool loads;
	char *check; /* the profile check's verdict, lines separated by \n */
};

struct view_wizard {
	struct tui *t;
	struct wizard *w;
	unsigned gen; /* bumped on every change of the core state */
	/* question page */
	struct widget_table_column cols[N_COLS]; /* the answer column fits the labels */
	struct widget_table *choices;
	const struct wizard_question *q; /* the question the table shows */
	unsigned q_gen;
	struct textpane *info; /* under the table: the guide's words, the default */
	struct textpane *path; /* the path taken */
	/* result page */
	struct textpane *page;
	unsigned page_gen;
	size_t profile_para; /* the generated profile's heading, for `p` */
	/* dialogs */
	struct input in;
	enum input_for in_for;
	char *last_path; /* default of the next write */
	char *pending;	 /* waiting for the overwrite confirmation */
	struct written wr;
};

/* ------------------------------------------------------------------------
 * The choices table
 * ------------------------------------------------------------------------ */

static size_t
n_choices(const struct wizard_question *q)
{
	size_t n = 0;

	if (q == NULL || q->kind != WIZARD_CHOICE)
		return 0;
	while (q->choices[n].value != NULL)
		n++;
	return n;
}

static size_t
rows_count(void *arg)
{
	return n_choices(((struct view_wizard *)arg)->q);
}

static const char *
rows_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	struct view_wizard *v = arg;
	const struct wizard_choice *c = &v->q->choices[row];
	const char *def = wizard_current_default(v->w);

	switch (col) {
	case COL_ANSWER:
		return c->label;
	case COL_DEFAULT:
		return def != NULL && strcmp(def, c->value) == 0 ? "default" : "";
	case COL_VALUE:
		return c->value;
	default:
		return wizard_choice_leads_to(c, buf, size);
	}
}

static int64_t
rows_id(void *arg, size_t row)
{
	(void)arg;
	return (int64_t)row;
}

static const struct widget_table_source rows_source = {
	rows_count, rows_cell, NULL, rows_id, NULL, NULL,
};

/* The table follows the current question; the cursor starts on its default. */
static void
sync_question(struct view_wizard *v)
{
	const struct wizard_question *q = wizard_current(v->w);
	const char *def = wizard_current_default(v->w);
	size_t i, n;

	if (v->q == q && v->q_gen == v->gen)
		return;
	v->q = q;
	v->q_gen = v->gen;
	n = n_choices(q);
	v->cols[COL_ANSWER].max_width = v->cols[COL_ANSWER].min_width;
	for (i = 0; i < n; i++) {
		int len = (int)strlen(q->choices[i].label);

		if (len > v->cols[COL_ANSWER].max_width)
			v->cols[COL_ANSWER].max_width = len;
	}
	widget_table_set_filter(v->choices, "");
	widget_table_rebuild(v->choices);
	for (i = 0; i < n; i++) {
		if (def != NULL && strcmp(q->choices[i].value, def) == 0)
			widget_table_select_id(v->choices, (int64_t)i);
	}
}

/* ------------------------------------------------------------------------
 * State changes
 * ------------------------------------------------------------------------ */

static void
written_clear(struct written *wr)
{
	size_t i;

	for (i = 0; i < wr->n_created; i++)
		free(wr->created[i]);
	free(wr->created);
	free(wr->file);
	free(wr->check);
	memset(wr, 0, sizeof *wr);
}

/* The core state changed: the table, the page and the last write follow. */
static void
changed(struct view_wizard *v)
{
	v->gen++;
	written_clear(&v->wr);
	sync_question(v);
	if (wizard_finished(v->w))
		textpane_scroll(v->page, TEXTPANE_HOME);
}

static void
open_answer_input(struct view_wizard *v)
{
	const struct wizard_question *q = wizard_current(v->w);
	char *help;

	if (q == NULL || q->kind == WIZARD_CHOICE)
		return;
	help = xasprintf("%s. Expected: %s.", q->rule != NULL ? q->rule : "", q->form);
	input_open(&v->in, q->prompt, help, wizard_current_default(v->w));
	v->in_for = FOR_ANSWER;
	free(help);
}

static unsigned
answer(struct view_wizard *v, const char *value)
{
	char *err = NULL;

	if (wizard_answer(v->w, value, &err) != 0) {
		tui_status(v->t, "%s", err);
		free(err);
		return TUI_R_REDRAW;
	}
	changed(v);
	return TUI_R_REDRAW;
}

/* ------------------------------------------------------------------------
 * Writing the profile
 * ------------------------------------------------------------------------ */

/* Load the written file back, as `pgdbm-console profile check` does. */
static void
check_written(struct written *wr)
{
	wr->check = wizard_verdict(wr->file, &wr->loads);
}

static void overwrite_confirmed(struct tui *t, void *arg, int64_t id);

/* Write the result's profile to path; asks before replacing a file. */
static void
write_profile(struct view_wizard *v, const char *path, bool force)
{
	const struct wizard_result *r = wizard_result(v->w);
	char **created = NULL, *err = NULL, *text;
	size_t n_created = 0, i;
	int rc;

	if (r == NULL)
		return;
	rc = wizard_write(r, path, force, &created, &n_created, &err);
	if (rc == 1) {
		input_close(&v->in);
		v->in_for = FOR_NONE;
		free(v->pending);
		v->pending = xstrdup(path);
		text = xasprintf("%s already exists. Replace it with the generated profile?", path);
		tui_confirm(v->t, text, overwrite_confirmed, v, 0);
		free(text);
		return;
	}
	if (rc != 0) {
		for (i = 0; i < n_created; i++)
			free(created[i]);
		free(created);
		if (v->in.open)
			input_set_error(&v->in, err);
		else
			tui_status(v->t, "%s", err);
		free(err);
		return;
	}
	input_close(&v->in);
	v->in_for = FOR_NONE;
	written_clear(&v->wr);
	v->wr.done = true;
	v->wr.file = xstrdup(path);
	v->wr.created = created;
	v->wr.n_created = n_created;
	check_written(&v->wr);
	free(v->last_path);
	v->last_path = xstrdup(path);
	v->page_gen = v->gen - 1; /* rebuild the page: it shows the write first */
	textpane_scroll(v->page, TEXTPANE_HOME);
	tui_status(v->t, "wrote %s: %s", path,
		   v->wr.loads ? "profile check passed" : "the profile does not load");
}

static void
overwrite_confirmed(struct tui *t, void *arg, int64_t id)
{
	struct view_wizard *v = arg;
	char *path = v->pending;

	(void)t;
	(void)id;
	v->pending = NULL;
	if (path != NULL)
		write_profile(v, path, true);
	free(path);
}

/* "~/x" is in the home folder, as a shell would have it. */
static char *
expand_path(const char *text)
{
	const char *home = getenv("HOME");
	size_t len;

	while (*text == ' ')
		text++;
	len = strlen(text);
	while (len > 0 && text[len - 1] == ' ')
		len--;
	if (len >= 2 && text[0] == '~' && text[1] == '/' && home != NULL && home[0] != '\0')
		return xasprintf("%s%.*s", home, (int)len - 1, text + 1);
	return xstrndup(text, len);
}

/* ------------------------------------------------------------------------
 * The result page
 * ------------------------------------------------------------------------ */

static void
build_page(struct view_wizard *v)
{
	const struct wizard_result *r = wizard_result(v->w);
	const struct tui_draw *d = tui_canvas(v->t);
	struct textpane *p = v->page;
	struct strbuf sb = STRBUF_INIT;
	const char *s, *nl, *slash;
	size_t i, base;

	textpane_clear(p);
	v->page_gen = v->gen;
	if (r == NULL)
		return;
	if (v->wr.done) {
		textpane_addf(p, TUI_S_TITLE, 0, 2, "Written to %s", v->wr.file);
		for (s = v->wr.check; s != NULL && *s != '\0'; s = nl != NULL ? nl + 1 : "") {
			char *line;

			nl = strchr(s, '\n');
			line = nl != NULL ? xstrndup(s, (size_t)(nl - s)) : xstrdup(s);
			textpane_add(p, v->wr.loads ? TUI_S_OK : TUI_S_CRIT, 2, 4, line);
			free(line);
		}
		/* the folders as the profile names them: relative to its folder */
		slash = strrchr(v->wr.file, '/');
		base = slash != NULL ? (size_t)(slash - v->wr.file) + 1 : 0;
		for (i = 0; i < v->wr.n_created; i++) {
			const char *f = v->wr.created[i];

			if (base > 0 && strncmp(f, v->wr.file, base) == 0)
				f += base;
			strbuf_addf(&sb, "%s%s", i ? ", " : "", f);
		}
		if (v->wr.n_created > 0)
			textpane_addf(p, TUI_S_NORMAL, 2, 4,
				      "created %zu migration folder%s next to it: %s",
				      v->wr.n_created, v->wr.n_created == 1 ? "" : "s",
				      strbuf_str(&sb));
		else
			textpane_add(p, TUI_S_NORMAL, 2, 4,
				     "created no folder: the migration folders it names exist "
				     "already");
		strbuf_reset(&sb);
		textpane_add(p, TUI_S_NORMAL, 0, 0, "");
	}

	textpane_addf(p, TUI_S_TITLE, 0, 2, "Recommended pattern: %s", r->pattern_name);
	textpane_addf(p, TUI_S_NORMAL, 2, 4, "flowchart: %s%s -> %s", r->node_name,
		      r->recommended ? " (recommended by the guide)" : "", r->code_pattern);
	textpane_addf(p, TUI_S_NORMAL, 2, 4, "when to use: %s", r->when_to_use);
	textpane_addf(p, TUI_S_NORMAL, 2, 4, "selection matrix: %s", r->matrix);
	textpane_addf(p, TUI_S_OK, 2, 4,
		      "pool: min %d, max %d connections (DatabaseConfig min_connections and "
		      "max_connections: the %s band)",
		      r->pool_min, r->pool_max, r->load != NULL ? r->load : "load");
	if (r->stage_note != NULL && r->stage_note[0] != '\0')
		textpane_addf(p, TUI_S_NORMAL, 2, 4, "scaling: %s", r->stage_note);
	textpane_add(p, TUI_S_NORMAL, 0, 0, "");

	textpane_add(p, TUI_S_TITLE, 0, 2, "Why: each answer and the rule it triggered");
	for (i = 0; i < r->n_reasons; i++) {
		const struct wizard_step *st = &r->reasons[i];

		textpane_addf(p, TUI_S_NORMAL, 2, 4, "%zu. %s %s%s", i + 1, st->question->prompt,
			      st->choice != NULL ? st->choice->label : st->value,
			      st->assumed ? "  (assumed: the guide's default)" : "");
		if (st->rule != NULL)
			textpane_addf(p, TUI_S_DIM, 6, 2, "rule: %s", st->rule);
		if (st->effect != NULL)
			textpane_addf(p, TUI_S_OK, 6, 3, "=> %s", st->effect);
	}
	textpane_add(p, TUI_S_NORMAL, 0, 0, "");

	textpane_addf(p, TUI_S_TITLE, 0, 2, "Anti-patterns to avoid with %s", r->pattern_name);
	for (i = 0; i < r->n_anti; i++) {
		textpane_addf(p, TUI_S_WARN, 2, 4, "%s %s: \"%s\"", d->warn_mark, r->anti[i].name,
			      r->anti[i].guide);
		textpane_add(p, TUI_S_NORMAL, 6, 0, r->anti[i].reason);
	}
	textpane_add(p, TUI_S_NORMAL, 0, 0, "");

	for (i = 0; i < r->n_folders; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", r->folders[i]);
	v->profile_para = textpane_add(p, TUI_S_TITLE, 0, 2, "Generated profile");
	textpane_addf(p, TUI_S_DIM, 2, 4,
		      "w writes it (default %s) and creates its migration folders with down/ "
		      "next to it: %s",
		      v->last_path != NULL ? v->last_path : DEFAULT_PROFILE_PATH, strbuf_str(&sb));
	strbuf_free(&sb);
	for (s = r->profile; *s != '\0'; s = nl != NULL ? nl + 1 : "") {
		char *line;

		nl = strchr(s, '\n');
		line = nl != NULL ? xstrndup(s, (size_t)(nl - s)) : xstrdup(s);
		textpane_add_raw(p, line[strspn(line, " ")] == '#' ? TUI_S_DIM : TUI_S_NORMAL, 2,
				 line);
		free(line);
	}
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

static void
build_path(struct view_wizard *v)
{
	struct textpane *p = v->path;
	const struct wizard_step *steps;
	size_t n, i;
	int pattern = wizard_pattern_so_far(v->w);

	textpane_clear(p);
	steps = wizard_path(v->w, &n);
	if (n == 0)
		textpane_add(p, TUI_S_DIM, 1, 2, "(no answer yet: the flowchart starts here)");
	for (i = 0; i < n; i++) {
		const struct wizard_step *s = &steps[i];

		textpane_addf(p, TUI_S_NORMAL, 1, 3, "%zu %s %s%s", i + 1, s->question->prompt,
			      s->choice != NULL ? s->choice->label : s->value,
			      s->assumed ? " (default)" : "");
		if (s->effect != NULL)
			textpane_addf(p, TUI_S_OK, 3, 2, "=> %s", s->effect);
	}
	textpane_addf(p, pattern >= 0 ? TUI_S_OK : TUI_S_DIM, 1, 2, "pattern so far: %s",
		      pattern >= 0 ? wizard_pattern_name((enum wizard_pattern)pattern)
				   : "(still in the flowchart)");
	textpane_scroll_to(p, SIZE_MAX); /* the newest steps in sight */
}

static void
build_info(struct view_wizard *v, const struct wizard_question *q)
{
	struct textpane *p = v->info;
	const char *def = wizard_current_default(v->w);
	size_t row;

	textpane_clear(p);
	if (q->kind == WIZARD_CHOICE) {
		if (widget_table_selected(v->choices, &row) && q->choices[row].rule != NULL)
			textpane_addf(p, TUI_S_NORMAL, 0, 2, "guide: %s", q->choices[row].rule);
	} else {
		if (q->rule != NULL)
			textpane_addf(p, TUI_S_NORMAL, 0, 2, "used for: %s", q->rule);
		textpane_addf(p, TUI_S_NORMAL, 0, 2, "expected: %s", q->form);
	}
	textpane_addf(p, TUI_S_DIM, 0, 2, "default: %s, %s", def != NULL ? def : "-", q->def_why);
	if (q->ask_note != NULL)
		textpane_addf(p, TUI_S_DIM, 0, 2, "asked now: %s", q->ask_note);
	textpane_add(p, TUI_S_NORMAL, 0, 0, "");
	if (q->kind == WIZARD_CHOICE)
		textpane_add(p, TUI_S_DIM, 0, 2,
			     "Up/Down choose, Enter answers, b goes back, R restarts, f takes the "
			     "defaults for the rest");
	else
		textpane_add(p, TUI_S_WARN, 0, 2,
			     "Enter: type the answer (the default is filled in); b goes back");
}

/* Lines the prompt takes at width w (at most three). */
static int
prompt_lines(const struct tui_draw *d, const char *prompt, int w)
{
	const char *rest;
	int n = 0;

	while (*prompt != '\0' && n < 3) {
		textpane_wrap(prompt, w - 2, &d->text, &rest);
		prompt = rest;
		n++;
	}
	return n;
}

/* Rows of the question page above its notes: source, prompt, blank, answers. */
static int
question_rows(const struct tui_draw *d, const struct wizard_question *q, int w)
{
	return 1 + prompt_lines(d, q->prompt, w) + 1 +
	       (q->kind == WIZARD_CHOICE ? 1 + (int)n_choices(q) : 0);
}

/*
 * The question: its source, the prompt (up to three lines), the answers
 * and notes under them. When the height is short (the documented minimum
 * is 40x10) the answers come first, with at least one line of the prompt;
 * then the rest of the prompt, the source line, the blank line and the
 * notes, as far as they fit.
 */
static void
draw_question(struct view_wizard *v, const struct wizard_question *q, int y, int x, int h, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	size_t n_steps;
	char buf[256];
	const char *prompt = q->prompt, *rest;
	int table_h = 0, plines, lines = 0, room;
	bool source, blank;

	if (h <= 0)
		return;
	if (q->kind == WIZARD_CHOICE) {
		table_h = 1 + (int)n_choices(q);
		if (table_h > h - 1)
			table_h = h - 1;
		if (table_h < 2)
			table_h = 0; /* not even one answer under the heading */
	}
	room = h - table_h;
	plines = prompt_lines(d, q->prompt, w);
	if (plines > room)
		plines = room;
	room -= plines;
	source = room > 0;
	room -= source;
	blank = room > 0;

	wizard_path(v->w, &n_steps);
	if (source) {
		snprintf(buf, sizeof buf, " Question %zu · %s", n_steps + 1, q->source);
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, true, buf);
		y++;
		h--;
	}
	/* the prompt, wrapped */
	while (*prompt != '\0' && lines < plines) {
		size_t len = textpane_wrap(prompt, w - 2, &d->text, &rest);

		snprintf(buf, sizeof buf, " %.*s", (int)len, prompt);
		tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
		prompt = rest;
		lines++;
		y++;
		h--;
	}
	if (blank) {
		y++;
		h--;
	}
	if (table_h > 0) {
		/* the CLI's values only where they fit beside the rest */
		widget_table_set_hidden(v->choices, COL_VALUE, w < 90);
		widget_table_draw(v->choices, d, y, x + 1, table_h, w - 1, true);
		y += table_h + 1;
		h -= table_h + 1;
	}
	build_info(v, q);
	if (h > 0)
		textpane_draw(v->info, d, y, x + 1, h, w - 1);
}

static void
draw_result(struct view_wizard *v, int y, int x, int h, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	const struct wizard_result *r = wizard_result(v->w);
	char buf[256];

	if (v->page_gen != v->gen)
		build_page(v);
	snprintf(buf, sizeof buf, " Result: %s   w write profile  p profile  b back  R restart",
		 r->pattern_name);
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
	if (h > 1)
		textpane_draw(v->page, d, y + 1, x + 1, h - 1, w - 1);
}

/* "Path taken" and the steps under it (the newest in sight). */
static void
draw_path(struct view_wizard *v, int y, int x, int h, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);

	if (h <= 0)
		return;
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, "Path taken");
	if (h > 1)
		textpane_draw(v->path, d, y + 1, x, h - 1, w);
}

static void
wizard_draw(void *view, int y, int x, int h, int w)
{
	struct view_wizard *v = view;
	const struct tui_draw *d = tui_canvas(v->t);
	const struct wizard_question *q = wizard_current(v->w);
	int pw, ph, i;

	sync_question(v);
	if (q == NULL) {
		draw_result(v, y, x, h, w);
	} else {
		build_path(v);
		if (w >= WIDE_LAYOUT) {
			pw = w * 2 / 5;
			if (pw < PATH_PANE_MIN)
				pw = PATH_PANE_MIN;
			if (pw > PATH_PANE_MAX)
				pw = PATH_PANE_MAX;
			draw_question(v, q, y, x, h, w - pw - 1);
			for (i = 0; i < h; i++)
				tui_draw_text(d, y + i, x + w - pw - 1, 1, TUI_S_DIM, TUI_LEFT,
					      false, d->vline);
			draw_path(v, y, x + w - pw + 1, h, pw - 1);
		} else {
			ph = h / 3 > 3 ? h / 3 : (h > 6 ? 3 : 0);
			/* the question and its answers first: the path gets the rest */
			if (h - ph < question_rows(d, q, w))
				ph = h - question_rows(d, q, w);
			if (ph < 3)
				ph = 0;
			draw_question(v, q, y, x, h - ph, w);
			draw_path(v, y + h - ph, x + 1, ph, w - 1);
		}
	}
	if (v->in.open)
		input_draw(&v->in, d, y, x, h, w);
}

/* ------------------------------------------------------------------------
 * Class
 * ------------------------------------------------------------------------ */

static void *
wizard_create(struct tui *t)
{
	struct view_wizard *v = xcalloc(1, sizeof *v);

	v->t = t;
	v->w = wizard_new();
	memcpy(v->cols, columns, sizeof v->cols);
	v->choices = widget_table_new(v->cols, N_COLS, &rows_source, v);
	widget_table_set_sortable(v->choices, false);
	v->info = textpane_new();
	v->path = textpane_new();
	v->page = textpane_new();
	v->gen = 1;
	sync_question(v);
	return v;
}

static void
wizard_destroy(void *view)
{
	struct view_wizard *v = view;

	input_close(&v->in);
	written_clear(&v->wr);
	free(v->last_path);
	free(v->pending);
	textpane_free(&v->info);
	textpane_free(&v->path);
	textpane_free(&v->page);
	widget_table_free(&v->choices);
	wizard_free(&v->w);
	free(v);
}

static struct widget_table *
wizard_table(void *view)
{
	struct view_wizard *v = view;
	const struct wizard_question *q = wizard_current(v->w);

	return q != NULL && q->kind == WIZARD_CHOICE ? v->choices : NULL;
}

static const char *
wizard_modal(void *view)
{
	struct view_wizard *v = view;

	return v->in.open ? input_bar(&v->in) : NULL;
}

static unsigned
wizard_modal_key(void *view, int key)
{
	struct view_wizard *v = view;
	enum input_result res = input_key(&v->in, key);
	char *err = NULL, *path;

	if (res == INPUT_CANCEL) {
		input_close(&v->in);
		v->in_for = FOR_NONE;
		return TUI_R_REDRAW;
	}
	if (res != INPUT_ACCEPT)
		return TUI_R_REDRAW;
	if (v->in_for == FOR_ANSWER) {
		if (wizard_answer(v->w, input_text(&v->in), &err) != 0) {
			input_set_error(&v->in, err);
			free(err);
			return TUI_R_REDRAW;
		}
		input_close(&v->in);
		v->in_for = FOR_NONE;
		changed(v);
		return TUI_R_REDRAW;
	}
	path = expand_path(input_text(&v->in));
	if (path[0] == '\0')
		input_set_error(&v->in, "type the name of the file to write");
	else
		write_profile(v, path, false);
	free(path);
	return TUI_R_REDRAW;
}

/* Enter: answer with the choice under the cursor, or type a free-form answer. */
static unsigned
wizard_click(void *view, int y, int x)
{
	struct view_wizard *v = view;
	const struct wizard_question *q = wizard_current(v->w);
	size_t row;

	(void)x;
	if (y >= 0)
		return TUI_R_REDRAW; /* a click elsewhere than the table: nothing */
	if (q == NULL) {
		tui_status(v->t, "w writes the profile, b goes back to the last question, R "
				 "restarts");
		return TUI_R_REDRAW;
	}
	if (q->kind != WIZARD_CHOICE) {
		open_answer_input(v);
		return TUI_R_REDRAW;
	}
	if (!widget_table_selected(v->choices, &row)) {
		tui_status(v->t, "no answer is shown (Esc clears the filter)");
		return TUI_R_REDRAW;
	}
	return answer(v, q->choices[row].value);
}

static unsigned
act_enter(struct tui *t, void *view, int key)
{
	(void)t;
	(void)key;
	return wizard_click(view, -1, -1);
}

static unsigned
act_back(struct tui *t, void *view, int key)
{
	struct view_wizard *v = view;
	char *err = NULL;

	(void)key;
	if (wizard_back(v->w, &err) != 0) {
		tui_status(t, "%s", err);
		free(err);
		return TUI_R_REDRAW;
	}
	changed(v);
	return TUI_R_REDRAW;
}

static void
restart_confirmed(struct tui *t, void *arg, int64_t id)
{
	struct view_wizard *v = arg;

	(void)id;
	wizard_restart(v->w);
	changed(v);
	tui_status(t, "the wizard starts again at the first question");
}

static unsigned
act_restart(struct tui *t, void *view, int key)
{
	struct view_wizard *v = view;
	size_t n;

	(void)key;
	wizard_path(v->w, &n);
	if (n == 0) {
		tui_status(t, "nothing answered yet: this is the first question");
		return TUI_R_REDRAW;
	}
	tui_confirm(t, "Forget every answer and start the wizard again?", restart_confirmed, v, 0);
	return TUI_R_REDRAW;
}

static unsigned
act_defaults(struct tui *t, void *view, int key)
{
	struct view_wizard *v = view;
	char *err = NULL;
	int n = 0;

	(void)key;
	while (!wizard_finished(v->w)) {
		if (wizard_answer(v->w, NULL, &err) != 0) {
			tui_status(t, "%s", err);
			free(err);
			break;
		}
		n++;
	}
	if (n > 0) {
		changed(v);
		tui_status(t, "%d question%s took the guide's default", n, n == 1 ? "" : "s");
	}
	return TUI_R_REDRAW;
}

static unsigned
act_write(struct tui *t, void *view, int key)
{
	struct view_wizard *v = view;

	(void)key;
	if (!wizard_finished(v->w)) {
		tui_status(t, "answer the questions first (f takes the defaults for the rest)");
		return TUI_R_REDRAW;
	}
	input_open(&v->in, "Write the generated profile",
		   "The file to write. The migration folders it names are created next to "
		   "it; an existing file is replaced only when you confirm.",
		   v->last_path != NULL ? v->last_path : DEFAULT_PROFILE_PATH);
	v->in_for = FOR_PATH;
	return TUI_R_REDRAW;
}

static unsigned
act_profile(struct tui *t, void *view, int key)
{
	struct view_wizard *v = view;

	(void)key;
	if (!wizard_finished(v->w)) {
		tui_status(t, "the profile is generated on the result page");
		return TUI_R_REDRAW;
	}
	if (v->page_gen != v->gen)
		build_page(v);
	textpane_scroll_to(v->page, v->profile_para);
	return TUI_R_REDRAW;
}

static unsigned
act_move(struct tui *t, void *view, int key)
{
	struct view_wizard *v = view;
	static const struct {
		int key;
		enum widget_table_move table;
		enum textpane_move page;
	} moves[] = {
		{ TUI_KEYCODE(KEY_UP), WT_UP, TEXTPANE_UP },
		{ 'k', WT_UP, TEXTPANE_UP },
		{ TUI_KEYCODE(KEY_DOWN), WT_DOWN, TEXTPANE_DOWN },
		{ 'j', WT_DOWN, TEXTPANE_DOWN },
		{ TUI_KEYCODE(KEY_PPAGE), WT_PAGE_UP, TEXTPANE_PAGE_UP },
		{ TUI_KEYCODE(KEY_NPAGE), WT_PAGE_DOWN, TEXTPANE_PAGE_DOWN },
		{ TUI_KEYCODE(KEY_HOME), WT_HOME, TEXTPANE_HOME },
		{ 'g', WT_HOME, TEXTPANE_HOME },
		{ TUI_KEYCODE(KEY_END), WT_END, TEXTPANE_END },
		{ 'G', WT_END, TEXTPANE_END },
	};
	size_t i;

	(void)t;
	for (i = 0; i < sizeof moves / sizeof moves[0]; i++) {
		if (moves[i].key != key)
			continue;
		if (wizard_finished(v->w)) {
			if (v->page_gen != v->gen)
				build_page(v);
			textpane_scroll(v->page, moves[i].page);
		} else if (wizard_table(v) != NULL) {
			widget_table_move(v->choices, moves[i].table);
		}
		break;
	}
	return TUI_R_REDRAW;
}

static const struct tui_binding wizard_bindings[] = {
	{ { '\n', '\r', TUI_KEYCODE(KEY_ENTER), 0 },
	  "Enter",
	  "Answer",
	  "answer with the choice under the cursor, or type a free-text answer",
	  act_enter },
	{ { 'b', TUI_KEYCODE(KEY_BACKSPACE), TUI_KEYCODE(KEY_LEFT), 127 },
	  "b BS Left",
	  "Back",
	  "back one question (undo the last answer)",
	  act_back },
	{ { 'R', 0 },
	  "R",
	  "Restart",
	  "forget every answer and start again (asks first)",
	  act_restart },
	{ { 'f', 0 },
	  "f",
	  NULL,
	  "take the guide's default for this and every remaining question",
	  act_defaults },
	{ { 'w', 0 },
	  "w",
	  "Write",
	  "write the generated profile to a file, create its migration folders and check it "
	  "loads",
	  act_write },
	{ { 'p', 0 }, "p", NULL, "jump to the generated profile on the result page", act_profile },
	{ { TUI_KEYCODE(KEY_UP), TUI_KEYCODE(KEY_DOWN), 'k', 'j' },
	  "Up Down k j",
	  NULL,
	  "move among the answers, or scroll the result page",
	  act_move },
	{ { TUI_KEYCODE(KEY_PPAGE), TUI_KEYCODE(KEY_NPAGE), 0 },
	  "PgUp PgDn",
	  NULL,
	  "move or scroll a page",
	  act_move },
	{ { TUI_KEYCODE(KEY_HOME), TUI_KEYCODE(KEY_END), 'g', 'G' },
	  "Home End g G",
	  NULL,
	  "go to the first or last answer, or the top or end of the result page",
	  act_move },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

const struct tui_view_class view_wizard_class = {
	.name = "Wizard",
	.bindings = wizard_bindings,
	.create = wizard_create,
	.destroy = wizard_destroy,
	.draw = wizard_draw,
	.table = wizard_table,
	.click = wizard_click,
	.modal = wizard_modal,
	.modal_key = wizard_modal_key,
};
