/*
 * view_tenants: the tenants of the selected database. See include/view_tenants.h.
 *
 * Rows are the entries of the browse handle's tenant list (browse.h),
 * borrowed: the view keeps a pointer to the list and rebuilds its table
 * only when the list's generation moves (a reload, or ledgers streaming in
 * while a list of 100,000 tenants is read), never on a monitor refresh.
 * The table draws only the rows on screen; the filter matches the id, the
 * state and the last migration (the table's match callback) and narrows as the
 * user types, so no key asks the server anything.
 *
 * Above the table: the database, the counts, the filter, and the job line
 * of the newest tenant job of this database (a progress bar with done,
 * failed, rate and ETA while it runs, its result afterwards). Jobs are the
 * session's (jobs.h): the view only remembers their ids.
 *
 * Actions, none offered in a read-only profile (and refused by the core
 * anyway): p provision (dialog: the id validated as it is typed, the
 * migrations that will run, then progress and result in place), X
 * deprovision (archive or drop, the id typed back), R restore an archived
 * tenant, A apply pending migrations to every tenant or to the filtered
 * ones, F the failures of the last fan-out, c cancel the running job.
 */
#include "config.h"

#include "view_tenants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "database.h"
#include "input.h"
#include "jobs.h"
#include "profile.h"
#include "session.h"
#include "strbuf.h"
#include "tenant.h"
#include "tui_draw.h"
#include "units.h"
#include "view_schemas.h"
#include "widget_table.h"
#include "xalloc.h"

enum {
	COL_ID,
	COL_STATE,
	COL_SIZE,
	COL_TABLES,
	COL_APPLIED,
	COL_PENDING,
	COL_DRIFT,
	COL_LAST,
	COL_WHEN,
	N_COLS
};

static const struct widget_table_column columns[N_COLS] = {
	[COL_ID] = { "ID", 0, 10, 24, false, false },
	[COL_STATE] = { "STATE", 1, 9, 9, false, false },
	[COL_SIZE] = { "SIZE", 2, 7, 8, true, false },
	[COL_TABLES] = { "TABLES", 5, 6, 6, true, false },
	[COL_APPLIED] = { "APPLIED", 1, 7, 7, true, false },
	[COL_PENDING] = { "PENDING", 1, 7, 7, true, false },
	[COL_DRIFT] = { "DRIFT", 2, 5, 5, true, false },
	[COL_LAST] = { "LAST MIGRATION", 3, 14, 32, false, true },
	[COL_WHEN] = { "WHEN", 4, 16, 19, false, false },
};

enum {
	FCOL_ID,
	FCOL_MS,
	FCOL_ERROR,
	N_FCOLS
};

static const struct widget_table_column fcolumns[N_FCOLS] = {
	[FCOL_ID] = { "FAILED TENANT", 0, 13, 24, false, false },
	[FCOL_MS] = { "TIME", 1, 6, 7, true, false },
	[FCOL_ERROR] = { "ERROR", 0, 20, 0, false, true },
};

struct view_tenants;

struct view_tenants {
	struct tui *t;
	struct widget_table *table;
	size_t db;
	const struct tenant_list *list; /* borrowed from the browse handle */
	uint64_t gen;
	bool have_gen;
	uint64_t job; /* the newest tenant job started here (0: none) */
	size_t job_db;
	/* the failures pane */
	bool failures;
	struct widget_table *ftable;
	const struct tenant_result **fails;
	size_t n_fails;
	/* the provision or deprovision dialog (a checked input) */
	struct input in;
	enum tenant_job_kind in_kind; /* PROVISION, or ARCHIVE / DROP (Tab switches) */
	char *in_id;		      /* deprovision: the tenant */
	uint64_t in_job;	      /* once submitted */
	char *restore;		      /* the archived tenant a confirmation asks about */
};

/* ------------------------------------------------------------------------
 * Rows
 * ------------------------------------------------------------------------ */

static const char *
state_text(const struct tenant_info *t)
{
	if (t->archived)
		return "archived";
	if (!t->ledger_read)
		return "reading";
	if (!t->has_ledger)
		return "no ledger";
	if (t->drifted > 0)
		return "drift";
	if (t->pending > 0 || t->out_of_order > 0)
		return "pending";
	return "current";
}

static size_t
rows_count(void *arg)
{
	const struct view_tenants *v = arg;

	return v->list != NULL ? v->list->n : 0;
}

static const char *
rows_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct view_tenants *v = arg;
	const struct tenant_info *t = &v->list->v[row];
	bool counted = t->ledger_read && !t->archived;

	switch (col) {
	case COL_ID:
		return t->id;
	case COL_STATE:
		return state_text(t);
	case COL_SIZE:
		return units_format_bytes(t->size_bytes, buf, size);
	case COL_TABLES:
		snprintf(buf, size, "%d", t->tables);
		return buf;
	case COL_APPLIED:
		if (!counted)
			return t->archived ? "" : "...";
		snprintf(buf, size, "%d", t->applied);
		return buf;
	case COL_PENDING:
		if (!counted)
			return t->archived ? "" : "...";
		snprintf(buf, size, "%d", t->pending + t->out_of_order);
		return buf;
	case COL_DRIFT:
		if (!counted)
			return "";
		snprintf(buf, size, "%d", t->drifted);
		return buf;
	case COL_LAST:
		return t->last_file != NULL ? t->last_file : "";
	case COL_WHEN:
		/* "2026-11-26 21:13:37.123456": to the second */
		if (t->last_at == NULL)
			return "";
		snprintf(buf, size, "%.19s", t->last_at);
		return buf;
	}
	return "";
}

static int
rows_compare(void *arg, size_t a, size_t b, int col)
{
	const struct view_tenants *v = arg;
	const struct tenant_info *x = &v->list->v[a], *y = &v->list->v[b];

	switch (col) {
	case COL_ID:
		return strcmp(x->id, y->id);
	case COL_STATE:
		return strcmp(state_text(x), state_text(y));
	case COL_SIZE:
		return widget_table_cmp(x->size_bytes, y->size_bytes);
	case COL_TABLES:
		return widget_table_cmp(x->tables, y->tables);
	case COL_APPLIED:
		return widget_table_cmp(x->applied, y->applied);
	case COL_PENDING:
		return widget_table_cmp(x->pending + x->out_of_order, y->pending + y->out_of_order);
	case COL_DRIFT:
		return widget_table_cmp(x->drifted, y->drifted);
	case COL_LAST:
		return strcmp(x->last_file != NULL ? x->last_file : "",
			      y->last_file != NULL ? y->last_file : "");
	case COL_WHEN:
		return strcmp(x->last_at != NULL ? x->last_at : "",
			      y->last_at != NULL ? y->last_at : "");
	}
	return 0;
}

static int64_t
rows_id(void *arg, size_t row)
{
	const struct view_tenants *v = arg;
	const struct tenant_info *t = &v->list->v[row];
	uint64_t h = 1469598103934665603ULL;
	const char *p;

	for (p = t->schema; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (int64_t)h;
}

static enum tui_style
rows_style(void *arg, size_t row)
{
	const struct view_tenants *v = arg;
	const struct tenant_info *t = &v->list->v[row];

	if (t->archived || !t->ledger_read)
		return TUI_S_DIM;
	if (t->drifted > 0)
		return TUI_S_CRIT;
	if (t->pending > 0 || t->out_of_order > 0 || !t->has_ledger)
		return TUI_S_WARN;
	return TUI_S_NORMAL;
}

/* The filter: id, state or last migration (no number formatting per key). */
static bool
rows_match(void *arg, size_t row, const char *text)
{
	const struct view_tenants *v = arg;
	const struct tenant_info *t = &v->list->v[row];

	return tui_text_contains(t->id, text) || tui_text_contains(state_text(t), text) ||
	       (t->last_file != NULL && tui_text_contains(t->last_file, text));
}

static const struct widget_table_source rows_source = {
	rows_count, rows_cell, rows_compare, rows_id, rows_style, NULL,
};

/* ---- the failures pane ---- */

static size_t
fail_count(void *arg)
{
	return ((struct view_tenants *)arg)->n_fails;
}

static const char *
fail_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct tenant_result *r = ((struct view_tenants *)arg)->fails[row];

	switch (col) {
	case FCOL_ID:
		return r->id;
	case FCOL_MS:
		return units_format_duration(r->ms, buf, size);
	default:
		return r->error != NULL ? r->error : "failed";
	}
}

static int64_t
fail_id(void *arg, size_t row)
{
	(void)arg;
	return (int64_t)row;
}

static enum tui_style
fail_style(void *arg, size_t row)
{
	(void)arg;
	(void)row;
	return TUI_S_CRIT;
}

static const struct widget_table_source fail_source = {
	fail_count, fail_cell, NULL, fail_id, fail_style, NULL,
};

/* ------------------------------------------------------------------------
 * Model
 * ------------------------------------------------------------------------ */

static struct session *
sess(const struct view_tenants *v)
{
	return tui_session(v->t);
}

static struct browse *
the_browse(const struct view_tenants *v)
{
	return session_browse(sess(v), v->db);
}

static const struct profile_database *
the_pdb(const struct view_tenants *v)
{
	return &session_profile(sess(v))->databases[v->db];
}

static const struct job *
the_job(const struct view_tenants *v)
{
	if (v->job == 0 || v->job_db != v->db)
		return NULL;
	return jobs_find(session_jobs(sess(v)), v->job);
}

/* The failed results of the view's job. */
static void
collect_failures(struct view_tenants *v)
{
	const struct job *job = the_job(v);
	const struct tenant_result *r;
	size_t n = 0, i;

	v->n_fails = 0;
	if (job != NULL) {
		r = jobs_tenant_results(job, &n);
		v->fails = xreallocarray(v->fails, n + 1, sizeof *v->fails);
		for (i = 0; i < n; i++) {
			if (r[i].state == TENANT_FAILED)
				v->fails[v->n_fails++] = &r[i];
		}
	}
	widget_table_rebuild(v->ftable);
}

static void
rebuild(struct view_tenants *v)
{
	const struct browse_tenants *bt = browse_tenants(the_browse(v));

	if (v->have_gen && bt->gen == v->gen && bt->list == v->list)
		return;
	v->have_gen = true;
	v->gen = bt->gen;
	v->list = bt->list;
	widget_table_rebuild(v->table);
}

static void *
tenants_create(struct tui *t)
{
	struct view_tenants *v = xcalloc(1, sizeof *v);

	v->t = t;
	v->db = session_selected(tui_session(t));
	v->table = widget_table_new(columns, N_COLS, &rows_source, v);
	widget_table_set_match(v->table, rows_match);
	widget_table_set_sort(v->table, COL_ID, false);
	v->ftable = widget_table_new(fcolumns, N_FCOLS, &fail_source, v);
	return v;
}

static void
tenants_destroy(void *view)
{
	struct view_tenants *v = view;

	input_close(&v->in);
	free(v->in_id);
	widget_table_free(&v->table);
	widget_table_free(&v->ftable);
	free(v->fails);
	free(v->restore);
	free(v);
}

static void
tenants_update(void *view, size_t db)
{
	struct view_tenants *v = view;
	size_t sel = session_selected(sess(v));
	struct browse *b;

	if (db != SIZE_MAX && db != sel)
		return;
	if (sel != v->db) {
		v->db = sel;
		v->have_gen = false;
		v->list = NULL;
		v->failures = false;
	}
	b = the_browse(v);
	if (tui_current_view(v->t) == TUI_VIEW_TENANTS && the_pdb(v)->tenants.present &&
	    browse_tenants(b)->state == BROWSE_NONE)
		browse_load_tenants(b);
	rebuild(v);
	if (v->failures)
		collect_failures(v);
}

static struct widget_table *
tenants_table(void *view)
{
	struct view_tenants *v = view;

	return v->failures ? v->ftable : v->table;
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

/* The job line: a bar while it runs, then its result. */
static void
draw_job(struct view_tenants *v, const struct job *job, int y, int x, int w)
{
	static const enum tui_seg segs[] = { TUI_SEG_ACTIVE, TUI_SEG_WAIT, TUI_SEG_IDLE };
	const struct tui_draw *d = tui_canvas(v->t);
	const struct tenant_progress *p = &job->tprog;
	char buf[512], eta[32];
	int cx = x, bar_w;

	tui_draw_fill(d, y, x, w, TUI_S_NORMAL);
	if (job->state != JOB_RUNNING) {
		snprintf(buf, sizeof buf, " %s %s: %s%s", jobs_kind_name(job->kind),
			 jobs_state_name(job->state), job->result != NULL ? job->result : "",
			 v->n_fails > 0 || (job->state == JOB_FAILED && p->total > 1)
				 ? "  (F: the failures)"
				 : "");
		tui_draw_text(d, y, x, w,
			      job->state == JOB_OK	 ? TUI_S_OK
			      : job->state == JOB_FAILED ? TUI_S_CRIT
							 : TUI_S_WARN,
			      TUI_LEFT, false, buf);
		return;
	}
	snprintf(buf, sizeof buf, " %s ", jobs_kind_name(job->kind));
	cx += tui_draw_text(d, y, cx, w, TUI_S_TITLE, TUI_LEFT, false, buf);
	if (p->total == 0) {
		tui_draw_text(d, y, cx, x + w - cx, TUI_S_NORMAL, TUI_LEFT, false,
			      job->title != NULL ? job->title : "");
		return;
	}
	snprintf(buf, sizeof buf, " %zu/%zu done, %zu failed, %.1f/s%s%s  c cancel",
		 p->done + p->failed + p->skipped, p->total, p->failed, p->rate,
		 p->eta_ms >= 0 ? ", ETA " : "",
		 p->eta_ms >= 0 ? units_format_duration(p->eta_ms, eta, sizeof eta) : "");
	bar_w = x + w - cx - 2 - tui_draw_width(d, buf);
	if (bar_w > 40)
		bar_w = 40;
	if (bar_w >= 4) {
		int values[3] = { (int)(p->done + p->skipped), (int)p->failed, 0 };

		cx += tui_draw_text(d, y, cx, 1, TUI_S_NORMAL, TUI_LEFT, false, "[");
		tui_draw_bar(d, y, cx, bar_w, values, (const enum tui_seg *)segs, 2, (int)p->total);
		cx += bar_w;
		cx += tui_draw_text(d, y, cx, 1, TUI_S_NORMAL, TUI_LEFT, false, "]");
	}
	tui_draw_text(d, y, cx, x + w - cx, p->failed > 0 ? TUI_S_WARN : TUI_S_NORMAL, TUI_LEFT,
		      false, buf);
}

/* The heading lines, then the list (and the failures pane). */
static void
draw_list(struct view_tenants *v, int y, int x, int h, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct browse *b = the_browse(v);
	const struct browse_tenants *bt = browse_tenants(b);
	const struct profile_database *pdb = the_pdb(v);
	const struct job *job = the_job(v);
	const char *filter = widget_table_filter(v->table);
	char buf[512];
	size_t archived = 0, i;
	int table_h;

	if (job == NULL)
		job = jobs_running_on(session_jobs(sess(v)), v->db);
	if (job != NULL && !job->tenant_job)
		job = NULL;
	for (i = 0; v->list != NULL && i < v->list->n; i++)
		archived += v->list->v[i].archived;
	if (!pdb->tenants.present) {
		snprintf(buf, sizeof buf, " %s %s no tenants section in the profile", pdb->label,
			 d->vline);
	} else {
		snprintf(buf, sizeof buf, " %s %s %zu tenant%s", pdb->label, d->vline,
			 v->list != NULL ? v->list->n - archived : 0,
			 v->list != NULL && v->list->n - archived == 1 ? "" : "s");
		if (archived > 0)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (+%zu archived)",
				 archived);
		if (bt->files != NULL)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
				 " %s %zu migration%s in the folder", d->vline, bt->files->n,
				 bt->files->n == 1 ? "" : "s");
		if (filter[0] != '\0')
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
				 " %s filter \"%s\": %zu shown", d->vline, filter,
				 widget_table_shown(v->table));
		if (bt->reading)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
				 " %s reading ledgers %zu/%zu", d->vline, bt->ledgers_read,
				 bt->ledgers_total);
		else if (bt->state == BROWSE_LOADING)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s loading",
				 d->vline);
		if (session_read_only(sess(v), v->db))
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s read-only",
				 d->vline);
	}
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
	y++;
	h--;
	if (bt->state == BROWSE_FAILED && h > 2) {
		snprintf(buf, sizeof buf, " %s", bt->error != NULL ? bt->error : "failed");
		tui_draw_text(d, y, x, w, TUI_S_CRIT, TUI_LEFT, true, buf);
		y++;
		h--;
	}
	if (job != NULL && h > 2) {
		draw_job(v, job, y, x, w);
		y++;
		h--;
	}
	if (v->list == NULL) {
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false,
			      !pdb->tenants.present	   ? " add a tenants section to the profile"
			      : bt->state == BROWSE_FAILED ? " no tenant list"
							   : " reading the tenant schemas...");
		return;
	}
	table_h = h;
	if (v->failures) {
		table_h = h / 2;
		widget_table_draw(v->table, d, y, x, table_h, w, false);
		snprintf(buf, sizeof buf, " failures of the last run: %zu (Esc closes)",
			 v->n_fails);
		tui_draw_text(d, y + table_h, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
		widget_table_draw(v->ftable, d, y + table_h + 1, x, h - table_h - 1, w, true);
		return;
	}
	widget_table_draw(v->table, d, y, x, table_h, w, true);
	if (widget_table_shown(v->table) == 0 && h > 2)
		tui_draw_text(d, y + 1, x, w, TUI_S_DIM, TUI_LEFT, false,
			      filter[0] != '\0' ? " no tenant matches the filter (Esc clears it)"
						: " no tenants yet (p provisions one)");
}

static void
tenants_draw(void *view, int y, int x, int h, int w)
{
	struct view_tenants *v = view;

	draw_list(v, y, x, h, w);
	if (v->in.open)
		input_draw(&v->in, tui_canvas(v->t), y, x, h, w);
}

/* ------------------------------------------------------------------------
 * Dialogs
 * ------------------------------------------------------------------------ */

/* The job's lines once the dialog is submitted. */
static int
job_lines(struct view_tenants *v, uint64_t id, struct input_line *l, int max)
{
	const struct job *job = jobs_find(session_jobs(sess(v)), id);
	int n = 0;

	if (job == NULL || max < 3)
		return 0;
	snprintf(l[n].text, sizeof l[n].text, "%s", job->title);
	l[n++].style = TUI_S_DIALOG;
	if (job->state == JOB_RUNNING) {
		snprintf(l[n].text, sizeof l[n].text, "running... %s", job->progress);
		l[n++].style = TUI_S_DIALOG;
		return n;
	}
	snprintf(l[n].text, sizeof l[n].text, "%s: %s", jobs_state_name(job->state),
		 job->result != NULL ? job->result : "");
	l[n++].style = job->state == JOB_OK ? TUI_S_OK : TUI_S_CRIT;
	if (job->state == JOB_FAILED && job->error != NULL && n < max) {
		snprintf(l[n].text, sizeof l[n].text, "%s", job->error);
		l[n++].style = TUI_S_CRIT;
	}
	return n;
}

static char *
prov_check(void *arg, const char *text)
{
	struct view_tenants *v = arg;
	const struct profile_tenants *cfg = &the_pdb(v)->tenants;
	char *why, *schema;

	if (text[0] == '\0')
		return xstrdup("type the new tenant's id (a-z, 0-9 and _)");
	why = tenant_id_problem(cfg, text);
	if (why != NULL)
		return why;
	schema = tenant_schema(cfg, text);
	if (browse_tenant_by_schema(the_browse(v), schema) != NULL)
		why = xasprintf("tenant %s exists already (schema %s)", text, schema);
	free(schema);
	if (why == NULL) {
		schema = xasprintf("%s%s", cfg->archive_prefix, text);
		if (browse_tenant_by_schema(the_browse(v), schema) != NULL)
			why = xasprintf("an archived tenant %s exists (schema %s): restore it "
					"(R) or drop it first",
					text, schema);
		free(schema);
	}
	return why;
}

static int
prov_info(void *arg, const char *text, bool submitted, struct input_line *l, int max)
{
	struct view_tenants *v = arg;
	const struct browse_tenants *bt;
	const struct profile_tenants *cfg;
	size_t i;
	int n = 0;

	if (submitted)
		return job_lines(v, v->in_job, l, max);
	bt = browse_tenants(the_browse(v));
	cfg = &the_pdb(v)->tenants;
	snprintf(l[n].text, sizeof l[n].text, "schema %s%s on %s, in one transaction:", cfg->prefix,
		 text[0] ? text : "<id>", the_pdb(v)->label);
	l[n++].style = TUI_S_DIALOG;
	if (bt->files == NULL) {
		snprintf(l[n].text, sizeof l[n].text, "  (the tenant folder is being read)");
		l[n++].style = TUI_S_DIALOG;
		return n;
	}
	snprintf(l[n].text, sizeof l[n].text,
		 "  the pgdbm ledger, then %zu migration%s:", bt->files->n,
		 bt->files->n == 1 ? "" : "s");
	l[n++].style = TUI_S_DIALOG;
	for (i = 0; i < bt->files->n && n < max; i++) {
		if (n == max - 1 && i + 1 < bt->files->n) {
			snprintf(l[n].text, sizeof l[n].text, "    ... and %zu more",
				 bt->files->n - i);
			l[n++].style = TUI_S_DIALOG;
			break;
		}
		snprintf(l[n].text, sizeof l[n].text, "    %s%s", bt->files->v[i].name,
			 bt->files->v[i].no_transaction ? " (no-transaction)" : "");
		l[n++].style = TUI_S_DIALOG;
	}
	return n;
}

static const struct input_check prov_check_ops = { prov_check, prov_info };

static char *
deprov_check(void *arg, const char *text)
{
	struct view_tenants *v = arg;

	if (strcmp(text, v->in_id) != 0)
		return xasprintf("type %s to confirm", v->in_id);
	return NULL;
}

static int
deprov_info(void *arg, const char *text, bool submitted, struct input_line *l, int max)
{
	struct view_tenants *v = arg;
	const struct profile_tenants *cfg;
	int n = 0;

	(void)text;
	if (submitted)
		return job_lines(v, v->in_job, l, max);
	cfg = &the_pdb(v)->tenants;
	if (v->in_kind == TENANT_JOB_ARCHIVE) {
		snprintf(l[n].text, sizeof l[n].text,
			 "archive: rename schema %s%s to %s%s (R restores it)", cfg->prefix,
			 v->in_id, cfg->archive_prefix, v->in_id);
		l[n++].style = TUI_S_DIALOG;
	} else {
		snprintf(l[n].text, sizeof l[n].text,
			 "DROP: DROP SCHEMA %s%s CASCADE: its tables and data are gone for good",
			 cfg->prefix, v->in_id);
		l[n++].style = TUI_S_CRIT;
	}
	snprintf(l[n].text, sizeof l[n].text,
		 "in one transaction with the tenant's migration lock%s",
		 cfg->registry != NULL ? " and its registry row" : "");
	l[n++].style = TUI_S_DIALOG;
	snprintf(l[n].text, sizeof l[n].text, "Tab: %s instead",
		 v->in_kind == TENANT_JOB_ARCHIVE ? "drop" : "archive");
	l[n++].style = TUI_S_DIALOG;
	return n;
}

static const struct input_check deprov_check_ops = { deprov_check, deprov_info };

/* Enter on an acceptable id: start the dialog's job; its lines then follow it. */
static void
submit(struct view_tenants *v)
{
	struct tenant_job_opts o;
	const char *ids[1] = { input_text(&v->in) };
	const struct job *job;
	char *why = NULL;

	tenant_job_opts_defaults(&o);
	o.ids = ids;
	o.n_ids = 1;
	o.confirmed = v->in_kind != TENANT_JOB_PROVISION; /* the id was typed back */
	job = jobs_tenant(session_jobs(sess(v)), v->db, session_database(sess(v), v->db),
			  v->in_kind, &o, &why);
	if (job == NULL) {
		tui_status(v->t, "%s", why);
		free(why);
		return;
	}
	v->in_job = job->id;
	v->job = job->id;
	v->job_db = v->db;
	input_set_submitted(&v->in);
}

static void
close_dialog(struct view_tenants *v)
{
	input_close(&v->in);
	free(v->in_id);
	v->in_id = NULL;
	v->in_job = 0;
}

static const char *
tenants_modal(void *view)
{
	struct view_tenants *v = view;

	return v->in.open ? input_bar(&v->in) : NULL;
}

/* A key while the dialog is open: Tab switches archive and drop, the rest edits. */
static unsigned
tenants_modal_key(void *view, int key)
{
	struct view_tenants *v = view;

	if (key == '\t' && v->in_kind != TENANT_JOB_PROVISION && !v->in.submitted) {
		v->in_kind = v->in_kind == TENANT_JOB_ARCHIVE ? TENANT_JOB_DROP
							      : TENANT_JOB_ARCHIVE;
		input_recheck(&v->in);
		return TUI_R_REDRAW;
	}
	switch (input_key(&v->in, key)) {
	case INPUT_CANCEL:
		close_dialog(v); /* what was started goes on: jobs are the session's */
		return TUI_R_REBUILD | TUI_R_REDRAW;
	case INPUT_ACCEPT:
		submit(v);
		return TUI_R_REDRAW;
	default:
		return TUI_R_REDRAW;
	}
}

/* ------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------ */

/* Why actions are not offered here (NULL: they are). */
static const char *
no_actions(struct view_tenants *v)
{
	if (session_read_only(sess(v), v->db))
		return "read-only profile: tenant actions are not offered";
	if (!the_pdb(v)->tenants.present)
		return "this database has no tenants section in the profile";
	return NULL;
}

static const struct tenant_info *
selected(struct view_tenants *v)
{
	size_t row;

	if (v->list == NULL || !widget_table_selected(v->table, &row))
		return NULL;
	return &v->list->v[row];
}

/* Open the dialog of a job kind (deprovision: on tenant id). */
static void
open_dialog(struct view_tenants *v, enum tenant_job_kind kind, const char *id)
{
	char title[160];

	close_dialog(v);
	v->in_kind = kind;
	if (kind == TENANT_JOB_PROVISION) {
		input_open_checked(&v->in, "Provision a tenant", "tenant id:", &prov_check_ops, v);
		return;
	}
	v->in_id = xstrdup(id);
	snprintf(title, sizeof title, "Deprovision tenant %s", id);
	input_open_checked(&v->in, title, "type its id to confirm:", &deprov_check_ops, v);
}

static unsigned
act_provision(struct tui *t, void *view, int key)
{
	struct view_tenants *v = view;
	const char *why = no_actions(v);

	(void)key;
	if (why != NULL) {
		tui_status(t, "%s", why);
		return TUI_R_REDRAW;
	}
	open_dialog(v, TENANT_JOB_PROVISION, NULL);
	return TUI_R_REDRAW;
}

static unsigned
act_deprovision(struct tui *t, void *view, int key)
{
	struct view_tenants *v = view;
	const char *why = no_actions(v);
	const struct tenant_info *ti = selected(v);

	(void)key;
	if (why != NULL || ti == NULL) {
		tui_status(t, "%s", why != NULL ? why : "no tenant under the cursor");
		return TUI_R_REDRAW;
	}
	if (ti->archived) {
		tui_status(t, "%s is archived: R restores it", ti->id);
		return TUI_R_REDRAW;
	}
	open_dialog(v, TENANT_JOB_ARCHIVE, ti->id);
	return TUI_R_REDRAW;
}

static void
restore_confirmed(struct tui *t, void *arg, int64_t id)
{
	struct view_tenants *v = arg;
	struct tenant_job_opts o;
	const struct job *job;
	const char *ids[1];
	char *why = NULL;

	(void)id;
	if (v->restore == NULL)
		return;
	ids[0] = v->restore;
	tenant_job_opts_defaults(&o);
	o.ids = ids;
	o.n_ids = 1;
	job = jobs_tenant(session_jobs(sess(v)), v->db, session_database(sess(v), v->db),
			  TENANT_JOB_RESTORE, &o, &why);
	if (job == NULL) {
		tui_status(t, "%s", why);
		free(why);
		return;
	}
	v->job = job->id;
	v->job_db = v->db;
}

static unsigned
act_restore(struct tui *t, void *view, int key)
{
	struct view_tenants *v = view;
	const char *why = no_actions(v);
	const struct tenant_info *ti = selected(v);
	const struct profile_tenants *cfg;
	char text[320];

	(void)key;
	if (why != NULL || ti == NULL) {
		tui_status(t, "%s", why != NULL ? why : "no tenant under the cursor");
		return TUI_R_REDRAW;
	}
	if (!ti->archived) {
		tui_status(t, "%s is not archived: nothing to restore", ti->id);
		return TUI_R_REDRAW;
	}
	cfg = &the_pdb(v)->tenants;
	snprintf(text, sizeof text,
		 "Restore tenant %s: rename schema %s back to %s%s (in one transaction with its "
		 "migration lock)?",
		 ti->id, ti->schema, cfg->prefix, ti->id);
	free(v->restore);
	v->restore = xstrdup(ti->id);
	tui_confirm(t, text, restore_confirmed, v, 0);
	return TUI_R_REDRAW;
}

/* The ids of the live tenants the filter shows (NULL and 0 without a filter). */
static const char **
shown_ids(struct view_tenants *v, size_t *n)
{
	size_t shown = widget_table_shown(v->table), i;
	const char **ids;

	*n = 0;
	if (widget_table_filter(v->table)[0] == '\0')
		return NULL;
	ids = xcalloc(shown + 1, sizeof *ids);
	for (i = 0; i < shown; i++) {
		const struct tenant_info *t = &v->list->v[widget_table_row_at(v->table, i)];

		if (!t->archived)
			ids[(*n)++] = t->id;
	}
	return ids;
}

static void
fanout_confirmed(struct tui *t, void *arg, int64_t id)
{
	struct view_tenants *v = arg;
	struct tenant_job_opts o;
	const struct job *job;
	const char **ids;
	size_t n;
	char *why = NULL;

	(void)id;
	if (v->list == NULL)
		return;
	ids = shown_ids(v, &n);
	tenant_job_opts_defaults(&o);
	o.ids = ids;
	o.n_ids = n;
	if (ids != NULL && n == 0) {
		free(ids);
		tui_status(t, "the filter shows no live tenant");
		return;
	}
	job = jobs_tenant(session_jobs(sess(v)), v->db, session_database(sess(v), v->db),
			  TENANT_JOB_MIGRATE, &o, &why);
	free(ids);
	if (job == NULL) {
		tui_status(t, "%s", why);
		free(why);
		return;
	}
	v->job = job->id;
	v->job_db = v->db;
	v->failures = false;
	tui_status(t, "%s: started (the Pools view shows it too)", job->title);
}

static unsigned
act_fanout(struct tui *t, void *view, int key)
{
	struct view_tenants *v = view;
	const char *why = no_actions(v);
	const char *filter = widget_table_filter(v->table);
	const struct browse_tenants *bt;
	const struct profile_tenants *cfg;
	struct strbuf text = STRBUF_INIT;
	size_t n_live = 0, i, listed = 0, pending_files = 0;

	(void)key;
	if (why != NULL || v->list == NULL) {
		tui_status(t, "%s", why != NULL ? why : "the tenant list is not read yet");
		return TUI_R_REDRAW;
	}
	bt = browse_tenants(the_browse(v));
	cfg = &the_pdb(v)->tenants;
	if (filter[0] != '\0') {
		for (i = 0; i < widget_table_shown(v->table); i++)
			n_live += !v->list->v[widget_table_row_at(v->table, i)].archived;
		strbuf_addf(&text,
			    "Apply pending migrations to the %zu tenant%s the filter \"%s\" "
			    "shows: ",
			    n_live, n_live == 1 ? "" : "s", filter);
	} else {
		for (i = 0; i < v->list->n; i++)
			n_live += !v->list->v[i].archived;
		strbuf_addf(&text, "Apply pending migrations to all %zu tenant%s: ", n_live,
			    n_live == 1 ? "" : "s");
	}
	for (i = 0; bt->files != NULL && v->list->file_pending != NULL && i < bt->files->n; i++) {
		size_t waiting = v->list->file_pending[i] + v->list->file_out_of_order[i];

		if (waiting == 0)
			continue;
		pending_files++;
		if (listed < 4) {
			strbuf_addf(&text, "%s%s (pending on %zu)", listed ? ", " : "",
				    bt->files->v[i].name, waiting);
			listed++;
		}
	}
	if (pending_files == 0)
		strbuf_adds(&text, "nothing was pending when the list was read; tenants up to date "
				   "are skipped");
	else if (pending_files > listed)
		strbuf_addf(&text, " and %zu more", pending_files - listed);
	strbuf_addf(&text,
		    ". Each tenant: its migration lock, its ledger read under it, one transaction "
		    "per file; %d at a time, %d canar%s first. Start?",
		    cfg->concurrency, cfg->canaries, cfg->canaries == 1 ? "y" : "ies");
	tui_confirm(t, strbuf_str(&text), fanout_confirmed, v, 0);
	strbuf_free(&text);
	return TUI_R_REDRAW;
}

static unsigned
act_failures(struct tui *t, void *view, int key)
{
	struct view_tenants *v = view;

	(void)key;
	if (v->failures) {
		v->failures = false;
		return TUI_R_REDRAW;
	}
	collect_failures(v);
	if (the_job(v) == NULL) {
		tui_status(t, "no tenant job was started from this view");
		return TUI_R_REDRAW;
	}
	if (v->n_fails == 0) {
		tui_status(t, "the last run has no failed tenant");
		return TUI_R_REDRAW;
	}
	v->failures = true;
	return TUI_R_REDRAW;
}

static unsigned
act_cancel(struct tui *t, void *view, int key)
{
	struct view_tenants *v = view;
	const struct job *job = the_job(v);

	(void)key;
	if (job == NULL || job->state != JOB_RUNNING)
		job = jobs_running_on(session_jobs(sess(v)), v->db);
	if (job == NULL || !job->tenant_job || job->state != JOB_RUNNING) {
		tui_status(t, "no tenant job is running on %s", the_pdb(v)->label);
		return TUI_R_REDRAW;
	}
	jobs_cancel(session_jobs(sess(v)), job->id);
	tui_status(t, "%s: cancelling (no new tenant starts; those in flight finish)", job->title);
	return TUI_R_REDRAW;
}

static unsigned
tenants_escape(void *view)
{
	struct view_tenants *v = view;

	if (v->failures) {
		v->failures = false;
		return TUI_R_REDRAW;
	}
	return TUI_R_NONE;
}

static unsigned
tenants_click(void *view, int y, int x)
{
	struct view_tenants *v = view;
	const struct tenant_info *ti;

	(void)x;
	if (y >= 0 || v->failures)
		return TUI_R_NONE;
	/* Enter: the tenant's schema in the Schemas view */
	ti = selected(v);
	if (ti == NULL)
		return TUI_R_NONE;
	tui_switch_view(v->t, TUI_VIEW_SCHEMAS);
	view_schemas_open(tui_view_state(v->t, TUI_VIEW_SCHEMAS), ti->schema);
	return TUI_R_REDRAW;
}

static unsigned
act_open(struct tui *t, void *view, int key)
{
	(void)t;
	(void)key;
	return tenants_click(view, -1, -1);
}

static const struct tui_binding tenants_bindings[] = {
	{ { '\n', '\r', TUI_KEYCODE(KEY_ENTER), 0 },
	  "Enter",
	  "Open",
	  "open the tenant's schema (tables, migration history) in the Schemas view",
	  act_open },
	{ { 'p', 0 },
	  "p",
	  "Provision",
	  "provision a tenant: type its id (checked as you type), see what will run, confirm",
	  act_provision },
	{ { 'X', TUI_KEYCODE(KEY_DC), 0 },
	  "X Del",
	  "Deprov",
	  "deprovision the tenant: archive or drop (Tab), its id typed back",
	  act_deprovision },
	{ { 'R', 0 }, "R", NULL, "restore the archived tenant (asks first)", act_restore },
	{ { 'A', 0 },
	  "A",
	  "ApplyAll",
	  "apply pending migrations to every tenant, or to those the filter shows (asks first)",
	  act_fanout },
	{ { 'F', 0 },
	  "F",
	  "Failures",
	  "open or close the failures of the last run started here",
	  act_failures },
	{ { 'c', 0 },
	  "c",
	  NULL,
	  "cancel the running tenant job (no new tenant starts)",
	  act_cancel },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

/* The actions that change the database are not offered where no_actions() says why. */
static const char *
tenants_unavailable(void *view, const struct tui_binding *b)
{
	if (!(b->fn == act_provision || b->fn == act_deprovision || b->fn == act_restore ||
	      b->fn == act_fanout || b->fn == act_cancel))
		return NULL;
	return no_actions(view);
}

const struct tui_view_class view_tenants_class = {
	.name = "Tenants",
	.bindings = tenants_bindings,
	.create = tenants_create,
	.destroy = tenants_destroy,
	.update = tenants_update,
	.draw = tenants_draw,
	.table = tenants_table,
	.escape = tenants_escape,
	.click = tenants_click,
	.modal = tenants_modal,
	.modal_key = tenants_modal_key,
	.unavailable = tenants_unavailable,
};
