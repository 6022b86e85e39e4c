/*
 * view_schemas: the schemas of the selected database. See include/view_schemas.h.
 *
 * List mode: one row per schema of the browse handle's list (browse.h):
 * name, kind, owner (module or tenant id), size, tables, and the migration
 * state of the owner: for a module, the counts of its status run; for a
 * tenant, the counts of the tenant list. Sizes are estimates (marked "~")
 * until `e` measures one exactly; a schema locked by a running migration
 * answers "locked" after the short lock_timeout instead of freezing
 * anything. The table is rebuilt only when one of those loads answers.
 *
 * Detail mode (Enter): the schema's tables (reltuples estimate, estimated
 * size, exact size once measured) and its ledger as history, each entry
 * with its state against the owner's folder (applied, pending, modified,
 * missing...), when and by whom it was applied and how long it took. `f`
 * moves the cursor between the two tables; Esc goes back to the list.
 */
#include "config.h"

#include "view_schemas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "profile.h"
#include "session.h"
#include "tui_draw.h"
#include "units.h"
#include "widget_table.h"
#include "xalloc.h"

enum {
	COL_NAME,
	COL_KIND,
	COL_OWNER,
	COL_SIZE,
	COL_TABLES,
	COL_MIGRATIONS,
	N_COLS
};

static const struct widget_table_column columns[N_COLS] = {
	[COL_NAME] = { "SCHEMA", 0, 12, 20, false, false },
	[COL_KIND] = { "KIND", 1, 8, 8, false, false },
	[COL_OWNER] = { "OWNER", 3, 8, 10, false, false },
	[COL_SIZE] = { "SIZE", 1, 9, 9, true, false },
	[COL_TABLES] = { "TABLES", 2, 6, 6, true, false },
	[COL_MIGRATIONS] = { "MIGRATIONS", 1, 12, 30, false, true },
};

enum {
	TCOL_NAME,
	TCOL_KIND,
	TCOL_ROWS,
	TCOL_SIZE,
	TCOL_EXACT,
	N_TCOLS
};

static const struct widget_table_column tcolumns[N_TCOLS] = {
	[TCOL_NAME] = { "TABLE", 0, 12, 30, false, true },
	[TCOL_KIND] = { "KIND", 2, 6, 9, false, false },
	[TCOL_ROWS] = { "ROWS~", 1, 8, 10, true, false },
	[TCOL_SIZE] = { "SIZE~", 1, 8, 9, true, false },
	[TCOL_EXACT] = { "EXACT", 1, 8, 9, true, false },
};

enum {
	HCOL_FILE,
	HCOL_STATE,
	HCOL_AT,
	HCOL_BY,
	HCOL_MS,
	N_HCOLS
};

static const struct widget_table_column hcolumns[N_HCOLS] = {
	[HCOL_FILE] = { "MIGRATION", 0, 14, 40, false, true },
	[HCOL_STATE] = { "STATE", 0, 8, 12, false, false },
	[HCOL_AT] = { "APPLIED AT", 1, 19, 19, false, false },
	[HCOL_BY] = { "BY", 2, 6, 14, false, false },
	[HCOL_MS] = { "TOOK", 1, 6, 7, true, false },
};

struct view_schemas {
	struct tui *t;
	size_t db;
	struct widget_table *table;
	const struct browse_schemas *list; /* borrowed */
	uint64_t sig;			   /* the generations the rows were built from */
	bool have_sig;
	/* detail */
	bool detail;
	bool focus_history;
	struct widget_table *ttable, *htable;
	uint64_t detail_gen;
	char *pending_open; /* open once the list has it */
};

static struct session *
sess(const struct view_schemas *v)
{
	return tui_session(v->t);
}

static struct browse *
the_browse(const struct view_schemas *v)
{
	return session_browse(sess(v), v->db);
}

/* ------------------------------------------------------------------------
 * List rows
 * ------------------------------------------------------------------------ */

static const struct browse_schema *
schema_at(const struct view_schemas *v, size_t row)
{
	return &v->list->v[row];
}

static const char *
size_text(enum browse_exact st, int64_t exact, int64_t estimate, char *buf, size_t size)
{
	char b[32];

	switch (st) {
	case BROWSE_EXACT_DONE:
		return units_format_bytes(exact, buf, size);
	case BROWSE_EXACT_LOCKED:
		return "locked";
	case BROWSE_EXACT_RUNNING:
		return "measuring";
	default:
		snprintf(buf, size, "~%s", units_format_bytes(estimate, b, sizeof b));
		return buf;
	}
}

/* The owner's migration state in a few words. */
static const char *
migration_text(const struct view_schemas *v, const struct browse_schema *s, char *buf, size_t size)
{
	struct browse *b = the_browse(v);

	if (s->kind == BROWSE_MODULE) {
		const struct browse_module *m = browse_module(b, (size_t)s->module);
		const struct mig_status *st = m != NULL ? m->status : NULL;
		size_t bad;

		if (st == NULL)
			return m != NULL && m->state == BROWSE_FAILED ? "error" : "...";
		bad = st->count[MIG_MODIFIED];
		if (bad > 0) {
			snprintf(buf, size, "drift: %zu modified", bad);
			return buf;
		}
		if (st->count[MIG_FAILED] > 0) {
			snprintf(buf, size, "%zu failed", st->count[MIG_FAILED]);
			return buf;
		}
		if (st->count[MIG_EMPTY] > 0) {
			snprintf(buf, size, "%zu empty file%s", st->count[MIG_EMPTY],
				 st->count[MIG_EMPTY] == 1 ? "" : "s");
			return buf;
		}
		snprintf(buf, size, "%zu applied%s", st->count[MIG_APPLIED],
			 st->count[MIG_PENDING] + st->count[MIG_OUT_OF_ORDER] > 0 ? ", " : "");
		if (st->count[MIG_PENDING] + st->count[MIG_OUT_OF_ORDER] > 0)
			snprintf(buf + strlen(buf), size - strlen(buf), "%zu pending",
				 st->count[MIG_PENDING] + st->count[MIG_OUT_OF_ORDER]);
		if (st->count[MIG_MISSING] > 0)
			snprintf(buf + strlen(buf), size - strlen(buf), ", %zu missing",
				 st->count[MIG_MISSING]);
		return buf;
	}
	if (s->kind == BROWSE_TENANT) {
		const struct tenant_info *t = browse_tenant_by_schema(b, s->name);

		if (t == NULL || !t->ledger_read)
			return "...";
		if (t->drifted > 0) {
			snprintf(buf, size, "drift: %d modified", t->drifted);
			return buf;
		}
		snprintf(buf, size, "%d applied", t->applied);
		if (t->pending + t->out_of_order > 0)
			snprintf(buf + strlen(buf), size - strlen(buf), ", %d pending",
				 t->pending + t->out_of_order);
		return buf;
	}
	if (s->kind == BROWSE_ARCHIVED)
		return "archived";
	return s->has_ledger ? "ledger (no module)" : "";
}

static const char *
owner_text(const struct view_schemas *v, const struct browse_schema *s)
{
	if (s->kind == BROWSE_MODULE)
		return session_profile(sess(v))->databases[v->db].modules[s->module].name;
	if (s->tenant_id != NULL)
		return s->tenant_id;
	return "";
}

static size_t
rows_count(void *arg)
{
	const struct view_schemas *v = arg;

	return v->list != NULL ? v->list->n : 0;
}

static const char *
rows_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct view_schemas *v = arg;
	const struct browse_schema *s = schema_at(v, row);

	switch (col) {
	case COL_NAME:
		return s->name;
	case COL_KIND:
		return browse_kind_name(s->kind);
	case COL_OWNER:
		return owner_text(v, s);
	case COL_SIZE:
		return size_text(s->exact, s->exact_bytes, s->size_bytes, buf, size);
	case COL_TABLES:
		snprintf(buf, size, "%d", s->tables);
		return buf;
	case COL_MIGRATIONS:
		return migration_text(v, s, buf, size);
	}
	return "";
}

static int
rows_compare(void *arg, size_t a, size_t b, int col)
{
	const struct view_schemas *v = arg;
	const struct browse_schema *x = schema_at(v, a), *y = schema_at(v, b);
	char bx[128], by[128];

	switch (col) {
	case COL_NAME:
		return strcmp(x->name, y->name);
	case COL_KIND:
		return widget_table_cmp(x->kind, y->kind);
	case COL_OWNER:
		return strcmp(owner_text(v, x), owner_text(v, y));
	case COL_SIZE:
		return widget_table_cmp(
			x->exact == BROWSE_EXACT_DONE ? x->exact_bytes : x->size_bytes,
			y->exact == BROWSE_EXACT_DONE ? y->exact_bytes : y->size_bytes);
	case COL_TABLES:
		return widget_table_cmp(x->tables, y->tables);
	default:
		return strcmp(migration_text(v, x, bx, sizeof bx),
			      migration_text(v, y, by, sizeof by));
	}
}

static int64_t
rows_id(void *arg, size_t row)
{
	return (int64_t)schema_at(arg, row)->oid;
}

static enum tui_style
rows_style(void *arg, size_t row)
{
	const struct view_schemas *v = arg;
	const struct browse_schema *s = schema_at(v, row);
	char buf[128];
	const char *m;

	if (s->exact == BROWSE_EXACT_LOCKED)
		return TUI_S_WARN;
	if (s->kind == BROWSE_ARCHIVED || s->kind == BROWSE_OTHER)
		return TUI_S_DIM;
	m = migration_text(v, s, buf, sizeof buf);
	if (strncmp(m, "drift", 5) == 0 || strstr(m, "failed") != NULL)
		return TUI_S_CRIT;
	if (strstr(m, "pending") != NULL)
		return TUI_S_WARN;
	return TUI_S_NORMAL;
}

static bool
rows_match(void *arg, size_t row, const char *text)
{
	const struct view_schemas *v = arg;
	const struct browse_schema *s = schema_at(v, row);

	return tui_text_contains(s->name, text) ||
	       tui_text_contains(browse_kind_name(s->kind), text) ||
	       tui_text_contains(owner_text(v, s), text);
}

static const struct widget_table_source rows_source = {
	rows_count, rows_cell, rows_compare, rows_id, rows_style, NULL,
};

/* ------------------------------------------------------------------------
 * Detail rows
 * ------------------------------------------------------------------------ */

static const struct browse_detail *
the_detail(const struct view_schemas *v)
{
	return browse_detail(the_browse(v));
}

static size_t
tables_count(void *arg)
{
	const struct browse_detail *d = the_detail(arg);

	return d->state == BROWSE_READY ? d->n_tables : 0;
}

static const char *
kind_name(char k)
{
	switch (k) {
	case 'r':
		return "table";
	case 'p':
		return "partitioned";
	case 'm':
		return "matview";
	case 'f':
		return "foreign";
	case 'v':
		return "view";
	}
	return "?";
}

static const char *
tables_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct browse_table *t = &the_detail(arg)->tables[row];

	switch (col) {
	case TCOL_NAME:
		return t->name;
	case TCOL_KIND:
		return kind_name(t->kind);
	case TCOL_ROWS:
		if (t->kind == 'v')
			return "";
		if (t->rows < 0)
			return "?";
		snprintf(buf, size, "%lld", (long long)t->rows);
		return buf;
	case TCOL_SIZE:
		return t->kind == 'v' ? "" : units_format_bytes(t->size_bytes, buf, size);
	default:
		return t->exact_bytes >= 0 ? units_format_bytes(t->exact_bytes, buf, size) : "";
	}
}

static int
tables_compare(void *arg, size_t a, size_t b, int col)
{
	const struct browse_table *x = &the_detail(arg)->tables[a];
	const struct browse_table *y = &the_detail(arg)->tables[b];

	switch (col) {
	case TCOL_NAME:
		return strcmp(x->name, y->name);
	case TCOL_KIND:
		return x->kind - y->kind;
	case TCOL_ROWS:
		return widget_table_cmp(x->rows, y->rows);
	case TCOL_SIZE:
		return widget_table_cmp(x->size_bytes, y->size_bytes);
	default:
		return widget_table_cmp(x->exact_bytes, y->exact_bytes);
	}
}

static int64_t
row_index_id(void *arg, size_t row)
{
	(void)arg;
	return (int64_t)row;
}

static const struct widget_table_source tables_source = {
	tables_count, tables_cell, tables_compare, row_index_id, NULL, NULL,
};

static size_t
hist_count(void *arg)
{
	const struct browse_detail *d = the_detail(arg);

	return d->state == BROWSE_READY ? d->status.n_entries : 0;
}

static const char *
hist_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct browse_detail *d = the_detail(arg);
	const struct mig_entry *e = &d->status.entries[row];

	switch (col) {
	case HCOL_FILE:
		return e->filename;
	case HCOL_STATE:
		return d->has_owner ? mig_state_name(e->state) : "recorded";
	case HCOL_AT:
		if (e->row == NULL)
			return "";
		snprintf(buf, size, "%.19s", e->row->applied_at);
		return buf;
	case HCOL_BY:
		return e->row != NULL ? e->row->applied_by : "";
	default:
		if (e->row == NULL || e->row->exec_ms < 0)
			return "";
		return units_format_duration(e->row->exec_ms, buf, size);
	}
}

static enum tui_style
hist_style(void *arg, size_t row)
{
	const struct browse_detail *d = the_detail(arg);
	const struct mig_entry *e = &d->status.entries[row];

	if (!d->has_owner)
		return TUI_S_NORMAL;
	switch (e->state) {
	case MIG_APPLIED:
		return TUI_S_NORMAL;
	case MIG_PENDING:
	case MIG_OUT_OF_ORDER:
		return TUI_S_WARN;
	case MIG_MISSING:
		return TUI_S_DIM;
	default:
		return TUI_S_CRIT;
	}
}

static const struct widget_table_source hist_source = {
	hist_count, hist_cell, NULL, row_index_id, hist_style, NULL,
};

/* ------------------------------------------------------------------------
 * Class
 * ------------------------------------------------------------------------ */

/* What the list rows depend on: the list, the module statuses, the tenant counts. */
static uint64_t
signature(const struct view_schemas *v)
{
	struct browse *b = the_browse(v);
	uint64_t sig = browse_schemas(b)->gen * 1000003u + browse_tenants(b)->gen;
	size_t i;

	for (i = 0; i < browse_n_modules(b); i++)
		sig = sig * 31u + browse_module(b, i)->gen;
	return sig;
}

static void
rebuild(struct view_schemas *v)
{
	struct browse *b = the_browse(v);
	const struct browse_detail *d = the_detail(v);
	uint64_t sig = signature(v);

	if (!v->have_sig || sig != v->sig) {
		v->have_sig = true;
		v->sig = sig;
		v->list = browse_schemas(b);
		widget_table_rebuild(v->table);
	}
	if (v->pending_open != NULL && browse_schemas(b)->state == BROWSE_READY) {
		char *name = v->pending_open;

		v->pending_open = NULL;
		view_schemas_open(v, name);
		free(name);
		return;
	}
	if (v->detail && d->gen != v->detail_gen) {
		v->detail_gen = d->gen;
		widget_table_rebuild(v->ttable);
		widget_table_rebuild(v->htable);
	}
}

static void *
schemas_create(struct tui *t)
{
	struct view_schemas *v = xcalloc(1, sizeof *v);

	v->t = t;
	v->db = session_selected(tui_session(t));
	v->table = widget_table_new(columns, N_COLS, &rows_source, v);
	widget_table_set_match(v->table, rows_match);
	widget_table_set_sort(v->table, COL_NAME, false);
	v->ttable = widget_table_new(tcolumns, N_TCOLS, &tables_source, v);
	widget_table_set_sort(v->ttable, TCOL_NAME, false);
	v->htable = widget_table_new(hcolumns, N_HCOLS, &hist_source, v);
	widget_table_set_sortable(v->htable, false);
	return v;
}

static void
schemas_destroy(void *view)
{
	struct view_schemas *v = view;

	widget_table_free(&v->table);
	widget_table_free(&v->ttable);
	widget_table_free(&v->htable);
	free(v->pending_open);
	free(v);
}

/* Ask for what the list needs, the first time the view shows this database. */
static void
load_first(struct view_schemas *v)
{
	struct browse *b = the_browse(v);
	const struct profile_database *pdb = &session_profile(sess(v))->databases[v->db];

	if (browse_schemas(b)->state != BROWSE_NONE)
		return;
	browse_load_schemas(b);
	browse_load_modules(b);
	if (pdb->tenants.present && browse_tenants(b)->state == BROWSE_NONE)
		browse_load_tenants(b);
}

static void
schemas_update(void *view, size_t db)
{
	struct view_schemas *v = view;
	size_t sel = session_selected(sess(v));

	if (db != SIZE_MAX && db != sel)
		return;
	if (sel != v->db) {
		if (v->detail)
			browse_close(the_browse(v));
		v->db = sel;
		v->have_sig = false;
		v->detail = false;
	}
	if (tui_current_view(v->t) == TUI_VIEW_SCHEMAS)
		load_first(v);
	rebuild(v);
}

static struct widget_table *
schemas_table(void *view)
{
	struct view_schemas *v = view;

	if (!v->detail)
		return v->table;
	return v->focus_history ? v->htable : v->ttable;
}

void
view_schemas_open(void *view, const char *name)
{
	struct view_schemas *v = view;
	struct browse *b = the_browse(v);

	load_first(v);
	if (browse_schemas(b)->state != BROWSE_READY) {
		free(v->pending_open);
		v->pending_open = xstrdup(name);
		return;
	}
	v->detail = true;
	v->focus_history = false;
	browse_open(b, name);
	v->detail_gen = browse_detail(b)->gen;
	widget_table_rebuild(v->ttable);
	widget_table_rebuild(v->htable);
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

static void
draw_detail(struct view_schemas *v, int y, int x, int h, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	const struct browse_detail *dt = the_detail(v);
	char buf[512], est[32], exact[64];
	int64_t total = 0;
	size_t i;
	int th;

	for (i = 0; i < dt->n_tables; i++)
		total += dt->tables[i].size_bytes;
	units_format_bytes(total, est, sizeof est);
	switch (dt->exact) {
	case BROWSE_EXACT_DONE:
		snprintf(exact, sizeof exact, ", exact %s",
			 units_format_bytes(dt->exact_total, buf, sizeof buf));
		break;
	case BROWSE_EXACT_RUNNING:
		snprintf(exact, sizeof exact, ", measuring...");
		break;
	case BROWSE_EXACT_LOCKED:
	case BROWSE_EXACT_FAILED:
		snprintf(exact, sizeof exact, ", exact: %s",
			 dt->exact_error != NULL ? dt->exact_error : "failed");
		break;
	default:
		exact[0] = '\0';
		break;
	}
	snprintf(buf, sizeof buf, " schema %s %s %s%s%s %s %zu relations, ~%s%s %s Esc back",
		 dt->schema != NULL ? dt->schema : "?", d->vline, browse_kind_name(dt->kind),
		 dt->module >= 0 ? " " : "",
		 dt->module >= 0
			 ? session_profile(sess(v))->databases[v->db].modules[dt->module].name
			 : "",
		 d->vline, dt->n_tables, est, exact, d->vline);
	tui_draw_text(d, y, x, w, dt->exact == BROWSE_EXACT_LOCKED ? TUI_S_WARN : TUI_S_TITLE,
		      TUI_LEFT, true, buf);
	y++;
	h--;
	if (dt->state == BROWSE_LOADING) {
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false, " reading the schema...");
		return;
	}
	if (dt->state == BROWSE_FAILED) {
		snprintf(buf, sizeof buf, " %s", dt->error != NULL ? dt->error : "failed");
		tui_draw_text(d, y, x, w, TUI_S_CRIT, TUI_LEFT, false, buf);
		return;
	}
	th = (int)dt->n_tables + 1;
	if (th > h / 2)
		th = h / 2;
	if (th < 2)
		th = 2;
	widget_table_draw(v->ttable, d, y, x, th, w, !v->focus_history);
	if (dt->n_tables == 0)
		tui_draw_text(d, y + 1, x, w, TUI_S_DIM, TUI_LEFT, false, " no tables");
	y += th;
	h -= th;
	if (h < 2)
		return;
	if (!dt->has_ledger)
		snprintf(buf, sizeof buf, " migration history: no ledger in this schema");
	else
		snprintf(buf, sizeof buf, " migration history (%zu in the ledger%s) %s f: %s",
			 dt->status.n_rows, dt->has_owner ? ", judged against the folder" : "",
			 d->vline, v->focus_history ? "tables" : "history");
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
	y++;
	h--;
	widget_table_draw(v->htable, d, y, x, h, w, v->focus_history);
}

static void
schemas_draw(void *view, int y, int x, int h, int w)
{
	struct view_schemas *v = view;
	const struct tui_draw *d = tui_canvas(v->t);
	struct browse *b = the_browse(v);
	const struct browse_schemas *bs = browse_schemas(b);
	const char *filter = widget_table_filter(v->table);
	char buf[512];
	size_t counts[BROWSE_OTHER + 1] = { 0 }, i;

	if (v->detail) {
		draw_detail(v, y, x, h, w);
		return;
	}
	for (i = 0; v->list != NULL && i < v->list->n; i++)
		counts[v->list->v[i].kind]++;
	snprintf(buf, sizeof buf,
		 " %s %s %zu schemas: %zu module, %zu tenant, %zu archived, %zu other %s sizes ~ "
		 "estimated (e: exact)",
		 session_label(sess(v), v->db), d->vline, v->list != NULL ? v->list->n : 0,
		 counts[BROWSE_MODULE], counts[BROWSE_TENANT], counts[BROWSE_ARCHIVED],
		 counts[BROWSE_OTHER], d->vline);
	if (filter[0] != '\0')
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			 " %s filter \"%s\": %zu shown", d->vline, filter,
			 widget_table_shown(v->table));
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
	y++;
	h--;
	if (bs->state == BROWSE_FAILED && h > 2) {
		snprintf(buf, sizeof buf, " %s", bs->error != NULL ? bs->error : "failed");
		tui_draw_text(d, y, x, w, TUI_S_CRIT, TUI_LEFT, true, buf);
		y++;
		h--;
	}
	if (v->list == NULL || (bs->n == 0 && bs->state == BROWSE_LOADING)) {
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false, " reading the schemas...");
		return;
	}
	widget_table_draw(v->table, d, y, x, h, w, true);
	if (widget_table_shown(v->table) == 0 && h > 2 && filter[0] != '\0')
		tui_draw_text(d, y + 1, x, w, TUI_S_DIM, TUI_LEFT, false,
			      " no schema matches the filter (Esc clears it)");
}

/* ------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------ */

static unsigned
schemas_escape(void *view)
{
	struct view_schemas *v = view;

	if (v->detail) {
		v->detail = false;
		browse_close(the_browse(v));
		return TUI_R_REDRAW;
	}
	return TUI_R_NONE;
}

static unsigned
schemas_click(void *view, int y, int x)
{
	struct view_schemas *v = view;
	size_t row;
	char *name;

	(void)x;
	if (y >= 0 || v->detail || v->list == NULL || !widget_table_selected(v->table, &row))
		return TUI_R_NONE;
	name = xstrdup(v->list->v[row].name);
	view_schemas_open(v, name);
	free(name);
	return TUI_R_REDRAW;
}

static unsigned
act_open(struct tui *t, void *view, int key)
{
	(void)t;
	(void)key;
	return schemas_click(view, -1, -1);
}

static unsigned
act_exact(struct tui *t, void *view, int key)
{
	struct view_schemas *v = view;
	const char *why = NULL, *name = NULL;
	size_t row;

	(void)key;
	if (v->detail)
		name = the_detail(v)->schema;
	else if (v->list != NULL && widget_table_selected(v->table, &row))
		name = v->list->v[row].name;
	if (name == NULL) {
		tui_status(t, "no schema under the cursor");
		return TUI_R_REDRAW;
	}
	if (!browse_measure(the_browse(v), name, &why))
		tui_status(t, "%s", why);
	else
		tui_status(t,
			   "measuring %s exactly (gives up after %dms behind a lock, e.g. a "
			   "running migration)",
			   name, BROWSE_EXACT_LOCK_TIMEOUT_MS);
	return TUI_R_REBUILD;
}

static unsigned
act_focus(struct tui *t, void *view, int key)
{
	struct view_schemas *v = view;

	(void)t;
	(void)key;
	if (!v->detail)
		return TUI_R_NONE;
	v->focus_history = !v->focus_history;
	return TUI_R_REDRAW;
}

static const struct tui_binding schemas_bindings[] = {
	{ { '\n', '\r', TUI_KEYCODE(KEY_ENTER), 0 },
	  "Enter",
	  "Open",
	  "open the schema: its tables and its migration history",
	  act_open },
	{ { 'e', 0 },
	  "e",
	  "Exact",
	  "measure the schema's exact size (gives up at once behind a migration's lock)",
	  act_exact },
	{ { 'f', 0 },
	  "f",
	  NULL,
	  "in an opened schema: move between its tables and its history",
	  act_focus },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

const struct tui_view_class view_schemas_class = {
	.name = "Schemas",
	.bindings = schemas_bindings,
	.create = schemas_create,
	.destroy = schemas_destroy,
	.update = schemas_update,
	.draw = schemas_draw,
	.table = schemas_table,
	.escape = schemas_escape,
	.click = schemas_click,
};
