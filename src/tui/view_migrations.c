/*
 * view_migrations: the migration queue of the selected database.
 * See include/view_migrations.h.
 *
 * Rows, in order: every entry of each module's status (the migrate
 * engine's status run, through browse.h: applied, pending, out of order,
 * modified, missing, failed, files in byte order then ledger rows whose
 * file is gone), then the tenant set: each file of the tenant folder with
 * how many tenants have it applied, pending or drifted (from the tenant
 * list). The table keeps that order (no sorting); the filter works.
 *
 * The queue is read when the view first shows a database, on `r`, after
 * each job, and again by itself on the inventory cadence (30 s, pushed back
 * after slow reads: session_keep_queue_fresh); the totals line says how old
 * the oldest part shown is ("queue read 12s ago"). A read that fails (the
 * folder removed or unreadable, the database gone) keeps the rows of the
 * last good read, dimmed and noted "stale", with the error on its own line
 * (the message log has it too).
 *
 * Above the table: totals, then for the module under the cursor its
 * schema and ledger, who holds its migration lock right now (the monitor's
 * advisory locks, refreshed every interval, or the status run's answer;
 * "unknown" while the monitor has no live data: a database that never
 * connected cannot say its lock is free), and its newest job: progress
 * while it runs, the result or the error with file and line afterwards.
 *
 * Preview (Enter): the selected file rendered for its schema, with line
 * numbers, under the table (migpreview.h); `d` switches to its down
 * script; PgUp/PgDn and Home/End scroll it; the preview follows the cursor.
 *
 * Actions (not in a read-only profile): a apply the next pending, A apply
 * all pending (the tenant set: the fan-out), u roll back the last applied
 * (the tenant set: one step on every tenant), R repair the checksum of a
 * modified file, c cancel. Each asks first with what will run, computed
 * with the migrate engine's own plan from the status shown; the run itself
 * plans again under the lock.
 */
#include "config.h"

#include "view_migrations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "database.h"
#include "jobs.h"
#include "loop.h"
#include "manager.h"
#include "migpreview.h"
#include "monitor.h"
#include "pool.h"
#include "profile.h"
#include "session.h"
#include "strbuf.h"
#include "tui_draw.h"
#include "units.h"
#include "widget_table.h"
#include "xalloc.h"

enum {
	COL_MODULE,
	COL_FILE,
	COL_STATE,
	COL_AT,
	COL_BY,
	COL_TOOK,
	COL_NOTE,
	N_COLS
};

static const struct widget_table_column columns[N_COLS] = {
	[COL_MODULE] = { "MODULE", 0, 8, 14, false, false },
	[COL_FILE] = { "MIGRATION", 0, 14, 30, false, false },
	[COL_STATE] = { "STATE", 0, 8, 12, false, false },
	[COL_AT] = { "APPLIED AT", 2, 19, 19, false, false },
	[COL_BY] = { "BY", 4, 6, 12, false, false },
	[COL_TOOK] = { "TOOK", 3, 6, 7, true, false },
	[COL_NOTE] = { "NOTE", 1, 10, 40, false, true },
};

#define TENANT_SET -1

struct mrow {
	int module;		   /* index, or TENANT_SET */
	const struct mig_entry *e; /* module rows (NULL: a placeholder) */
	size_t file;		   /* tenant set: index in the tenant folder */
	const struct migfile *mf;  /* the file (NULL when missing or unknown) */
	bool stale;		   /* from an earlier read: the last one failed */
	char note[160];
};

enum pending_kind {
	PA_APPLY,
	PA_ROLLBACK,
	PA_REPAIR,
	PA_FANOUT,
	PA_FANOUT_ROLLBACK,
};

struct view_migrations {
	struct tui *t;
	size_t db;
	struct widget_table *table;
	struct mrow *rows;
	size_t n_rows, cap_rows;
	uint64_t sig;
	bool have_sig;
	struct migpreview pv;
	/* the action a confirmation asks about */
	enum pending_kind pa_kind;
	int pa_module;
	int pa_steps;
	char *pa_file;
};

static struct session *
sess(const struct view_migrations *v)
{
	return tui_session(v->t);
}

static struct browse *
the_browse(const struct view_migrations *v)
{
	return session_browse(sess(v), v->db);
}

static const struct profile_database *
the_pdb(const struct view_migrations *v)
{
	return &session_profile(sess(v))->databases[v->db];
}

static const char *
module_name(const struct view_migrations *v, int module)
{
	return module == TENANT_SET ? "tenants" : the_pdb(v)->modules[module].name;
}

/* ------------------------------------------------------------------------
 * Rows
 * ------------------------------------------------------------------------ */

static size_t
rows_count(void *arg)
{
	return ((struct view_migrations *)arg)->n_rows;
}

static const char *
tenant_state(const struct view_migrations *v, const struct mrow *r)
{
	const struct tenant_list *l = browse_tenants(the_browse(v))->list;

	if (l == NULL || l->file_applied == NULL || r->file >= l->n_files)
		return "...";
	if (l->file_drifted[r->file] > 0)
		return "modified";
	if (l->file_pending[r->file] + l->file_out_of_order[r->file] > 0)
		return r->mf != NULL && r->mf->empty ? mig_state_name(MIG_EMPTY) : "pending";
	return "applied";
}

static const char *
rows_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct view_migrations *v = arg;
	const struct mrow *r = &v->rows[row];

	switch (col) {
	case COL_MODULE:
		return module_name(v, r->module);
	case COL_FILE:
		if (r->module == TENANT_SET)
			return r->mf != NULL ? r->mf->name : "";
		return r->e != NULL ? r->e->filename : "";
	case COL_STATE:
		if (r->module == TENANT_SET)
			return tenant_state(v, r);
		return r->e != NULL ? mig_state_name(r->e->state) : "";
	case COL_AT:
		if (r->e == NULL || r->e->row == NULL)
			return "";
		snprintf(buf, size, "%.19s", r->e->row->applied_at);
		return buf;
	case COL_BY:
		return r->e != NULL && r->e->row != NULL ? r->e->row->applied_by : "";
	case COL_TOOK:
		if (r->e == NULL || r->e->row == NULL || r->e->row->exec_ms < 0)
			return "";
		return units_format_duration(r->e->row->exec_ms, buf, size);
	default:
		return r->note;
	}
}

static int64_t
rows_id(void *arg, size_t row)
{
	const struct mrow *r = &((struct view_migrations *)arg)->rows[row];
	const char *name = r->module == TENANT_SET ? (r->mf != NULL ? r->mf->name : "")
			   : r->e != NULL	   ? r->e->filename
						   : "";
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(r->module + 2);
	const char *p;

	for (p = name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (int64_t)h;
}

static enum tui_style
rows_style(void *arg, size_t row)
{
	const struct view_migrations *v = arg;
	const struct mrow *r = &v->rows[row];
	const char *st;

	if (r->stale)
		return TUI_S_DIM;
	if (r->module == TENANT_SET) {
		st = tenant_state(v, r);
		if (strcmp(st, "modified") == 0 || strcmp(st, "empty") == 0)
			return TUI_S_CRIT;
		return strcmp(st, "pending") == 0 ? TUI_S_WARN : TUI_S_NORMAL;
	}
	if (r->e == NULL)
		return TUI_S_DIM;
	switch (r->e->state) {
	case MIG_APPLIED:
		return TUI_S_NORMAL;
	case MIG_PENDING:
		return TUI_S_WARN;
	case MIG_MISSING:
		return TUI_S_DIM;
	default:
		return TUI_S_CRIT;
	}
}

static const struct widget_table_source rows_source = {
	rows_count, rows_cell, NULL, rows_id, rows_style, NULL,
};

static struct mrow *
add_row(struct view_migrations *v, int module)
{
	struct mrow *r;

	if (v->n_rows == v->cap_rows) {
		v->cap_rows = v->cap_rows ? v->cap_rows * 2 : 32;
		v->rows = xreallocarray(v->rows, v->cap_rows, sizeof *v->rows);
	}
	r = &v->rows[v->n_rows++];
	memset(r, 0, sizeof *r);
	r->module = module;
	return r;
}

/*
 * What the rows are built from, as one number: every part is a gen, and
 * gens only grow (browse.h), so the weighted sum moves whenever one does
 * and never returns to a value seen. (A state added to it once let a
 * FAILED read followed by a READY one sum to the same value: the stale
 * rows stayed.)
 */
static uint64_t
signature(const struct view_migrations *v)
{
	struct browse *b = the_browse(v);
	uint64_t sig = browse_tenants(b)->gen;
	size_t i;

	for (i = 0; i < browse_n_modules(b); i++)
		sig = sig * 31u + browse_module(b, i)->gen;
	return sig;
}

/* A row from an earlier read, kept because the last one failed. */
static void
mark_stale(struct mrow *r)
{
	const char *prefix = r->note[0] != '\0' ? "stale: " : "stale";
	size_t pre = strlen(prefix), n = strlen(r->note);

	r->stale = true;
	if (pre + n >= sizeof r->note)
		n = sizeof r->note - pre - 1;
	memmove(r->note + pre, r->note, n);
	memcpy(r->note, prefix, pre);
	r->note[pre + n] = '\0';
}

static void
build_rows(struct view_migrations *v)
{
	struct browse *b = the_browse(v);
	const struct browse_tenants *bt = browse_tenants(b);
	size_t i, k;

	v->n_rows = 0;
	for (i = 0; i < browse_n_modules(b); i++) {
		const struct browse_module *m = browse_module(b, i);

		if (m->status == NULL) {
			struct mrow *r = add_row(v, (int)i);

			snprintf(r->note, sizeof r->note, "%s",
				 m->state == BROWSE_FAILED && m->error != NULL ? m->error
									       : "reading...");
			continue;
		}
		for (k = 0; k < m->status->n_entries; k++) {
			const struct mig_entry *e = &m->status->entries[k];
			struct mrow *r = add_row(v, (int)i);

			r->e = e;
			r->mf = e->file;
			if (e->failure != NULL)
				snprintf(r->note, sizeof r->note, "%s",
					 e->failure->error[0] ? e->failure->error
							      : "interrupted before it finished");
			else if (e->state == MIG_MODIFIED)
				snprintf(r->note, sizeof r->note,
					 "checksum drift: ledger %.8s..., file %.8s... (R repairs)",
					 e->row->checksum, e->file->up.checksum);
			else if (e->state == MIG_MISSING)
				snprintf(r->note, sizeof r->note, "in the ledger, file gone");
			else if (e->state == MIG_EMPTY)
				snprintf(r->note, sizeof r->note, "%s", MIG_EMPTY_HINT);
			else
				snprintf(r->note, sizeof r->note, "%s%s",
					 e->no_transaction ? "no-transaction " : "",
					 e->has_down ? "" : "no down script");
			if (m->stale)
				mark_stale(r);
		}
	}
	if (the_pdb(v)->tenants.present && bt->files != NULL) {
		const struct tenant_list *l = bt->list;

		for (k = 0; k < bt->files->n; k++) {
			struct mrow *r = add_row(v, TENANT_SET);

			r->file = k;
			r->mf = &bt->files->v[k];
			if (l != NULL && l->file_applied != NULL && k < l->n_files) {
				size_t pending = l->file_pending[k] + l->file_out_of_order[k];

				snprintf(r->note, sizeof r->note, "%zu applied, %zu pending%s%s",
					 l->file_applied[k], pending,
					 pending > 0 && r->mf->empty ? ": " : "",
					 pending > 0 && r->mf->empty ? MIG_EMPTY_HINT : "");
				if (l->file_drifted[k] > 0)
					snprintf(r->note + strlen(r->note),
						 sizeof r->note - strlen(r->note), ", %zu modified",
						 l->file_drifted[k]);
				if (bt->reading)
					snprintf(r->note + strlen(r->note),
						 sizeof r->note - strlen(r->note), " (reading)");
			}
			if (bt->stale)
				mark_stale(r);
		}
	}
}

static void
rebuild(struct view_migrations *v)
{
	uint64_t sig = signature(v);

	if (v->have_sig && sig == v->sig)
		return;
	v->have_sig = true;
	v->sig = sig;
	build_rows(v);
	widget_table_rebuild(v->table);
	migpreview_stale(&v->pv); /* render the preview again */
}

static const struct mrow *
selected(const struct view_migrations *v)
{
	size_t row;

	if (!widget_table_selected(v->table, &row))
		return NULL;
	return &v->rows[row];
}

/* ------------------------------------------------------------------------
 * Class
 * ------------------------------------------------------------------------ */

static void *
migrations_create(struct tui *t)
{
	struct view_migrations *v = xcalloc(1, sizeof *v);

	v->t = t;
	v->db = session_selected(tui_session(t));
	v->table = widget_table_new(columns, N_COLS, &rows_source, v);
	widget_table_set_sortable(v->table, false);
	return v;
}

static void
migrations_destroy(void *view)
{
	struct view_migrations *v = view;

	widget_table_free(&v->table);
	free(v->rows);
	migpreview_clear(&v->pv);
	free(v->pa_file);
	free(v);
}

static void
migrations_update(void *view, size_t db)
{
	struct view_migrations *v = view;
	size_t sel = session_selected(sess(v));
	struct browse *b;

	if (db != SIZE_MAX && db != sel)
		return;
	if (sel != v->db) {
		v->db = sel;
		v->have_sig = false;
		v->pv.open = false;
	}
	b = the_browse(v);
	if (tui_current_view(v->t) == TUI_VIEW_MIGRATIONS) {
		size_t i;
		bool asked = false;

		for (i = 0; i < browse_n_modules(b); i++)
			asked = asked || browse_module(b, i)->state != BROWSE_NONE;
		if (!asked && browse_n_modules(b) > 0)
			browse_load_modules(b);
		if (the_pdb(v)->tenants.present && browse_tenants(b)->state == BROWSE_NONE)
			browse_load_tenants(b);
		session_keep_queue_fresh(sess(v), v->db);
	}
	rebuild(v);
}

static struct widget_table *
migrations_table(void *view)
{
	return ((struct view_migrations *)view)->table;
}

/* ------------------------------------------------------------------------
 * Preview
 * ------------------------------------------------------------------------ */

/* The selected file (or its down script) in the preview, rendered when the selection changed. */
static void
draw_preview(struct view_migrations *v, int y, int x, int h, int w)
{
	const struct mrow *r = selected(v);
	struct browse *b = the_browse(v);

	if (r == NULL)
		migpreview_nothing(&v->pv);
	else
		migpreview_render(&v->pv, rows_id(v, (size_t)(r - v->rows)), b,
				  r->module == TENANT_SET ? NULL
							  : browse_module(b, (size_t)r->module),
				  r->mf, r->e);
	migpreview_draw(&v->pv, tui_canvas(v->t), y, x, h, w);
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

/* The newest job of this database on `module` ("tenants": the fan-outs). */
static const struct job *
module_job(const struct view_migrations *v, const char *module)
{
	const struct jobs *jobs = session_jobs(sess(v));
	size_t i;

	for (i = 0; i < jobs_count(jobs); i++) {
		const struct job *j = jobs_get(jobs, i);

		if (j->db != v->db)
			continue;
		if (strcmp(module, "tenants") == 0
			    ? j->tenant_job
			    : !j->tenant_job && strcmp(j->target, module) == 0)
			return j;
	}
	return NULL;
}

enum lock_state {
	LOCK_FREE,
	LOCK_HELD,
	LOCK_UNKNOWN, /* no live monitor data: never connected, or not answering */
};

/*
 * Who holds the migration lock of `module`, from the newest monitor
 * snapshot, when it is live: an old snapshot (or none) cannot say the lock
 * is free now.
 */
static enum lock_state
lock_holder(const struct view_migrations *v, int module, char *buf, size_t size)
{
	const struct monitor *mon = session_monitor(sess(v), v->db);
	const struct mon_snapshot *snap = monitor_snapshot(mon);
	const char *prefix = the_pdb(v)->tenants.prefix;
	size_t i, j, n = 0;

	buf[0] = '\0';
	if (snap == NULL || monitor_status(mon) != MON_LIVE) {
		snprintf(buf, size, "unknown (%s)",
			 snap == NULL ? "not connected" : "the database does not answer");
		return LOCK_UNKNOWN;
	}
	for (i = 0; i < snap->n_advisory; i++) {
		const struct mon_advisory *a = &snap->advisory[i];
		const char *app = "", *state = "";

		if (!a->granted || a->module == NULL)
			continue;
		if (module == TENANT_SET) {
			if (prefix != NULL && strncmp(a->module, prefix, strlen(prefix)) == 0)
				n++;
			continue;
		}
		if (strcmp(a->module, module_name(v, module)) != 0)
			continue;
		for (j = 0; j < snap->n_sessions; j++) {
			if (snap->sessions[j].pid == a->pid) {
				app = snap->sessions[j].appname;
				state = snap->sessions[j].state;
			}
		}
		snprintf(buf, size, "held by pid %d (%s%s%s)", a->pid, app[0] ? app : "no name",
			 state[0] ? ", " : "", state);
		return LOCK_HELD;
	}
	if (n > 0) {
		snprintf(buf, size, "%zu tenant migration lock%s held", n, n == 1 ? "" : "s");
		return LOCK_HELD;
	}
	return LOCK_FREE;
}

/*
 * How old the queue shown is (its oldest part) in buf: "queue read 12s
 * ago", ", reading" while a read runs; "" before any read. *stale: a part
 * shown is from an earlier read (the last one failed).
 */
static void
queue_age(const struct view_migrations *v, char *buf, size_t size, bool *stale)
{
	struct browse *b = the_browse(v);
	const struct browse_tenants *bt = browse_tenants(b);
	int64_t oldest = INT64_MAX, age;
	bool reading = false;
	char d[32];
	size_t i;

	*stale = false;
	for (i = 0; i < browse_n_modules(b); i++) {
		const struct browse_module *m = browse_module(b, i);

		*stale = *stale || m->stale;
		reading = reading || m->state == BROWSE_LOADING;
		if (m->status != NULL && m->read_ms < oldest)
			oldest = m->read_ms;
	}
	if (the_pdb(v)->tenants.present) {
		*stale = *stale || bt->stale;
		reading = reading || bt->state == BROWSE_LOADING || bt->reading;
		if (bt->list != NULL && bt->read_ms > 0 && bt->read_ms < oldest)
			oldest = bt->read_ms;
	}
	buf[0] = '\0';
	if (oldest == INT64_MAX)
		return;
	/* whole seconds, at least one: the line changes once a second, not every frame */
	age = loop_now(session_loop(sess(v))) - oldest;
	age = age < 1000 ? 1000 : age / 1000 * 1000;
	snprintf(buf, size, "queue read %s ago%s", units_format_duration(age, d, sizeof d),
		 reading ? ", reading" : "");
}

/* The first module (then the tenant set) whose last read failed, with its error. */
static bool
read_failure(const struct view_migrations *v, char *buf, size_t size)
{
	struct browse *b = the_browse(v);
	const struct browse_tenants *bt = browse_tenants(b);
	const char *what = NULL, *err = NULL;
	bool kept = false;
	size_t i;

	for (i = 0; err == NULL && i < browse_n_modules(b); i++) {
		const struct browse_module *m = browse_module(b, i);

		if (m->error != NULL) {
			what = m->pm->name;
			err = m->error;
			kept = m->stale;
		}
	}
	if (err == NULL && the_pdb(v)->tenants.present && bt->error != NULL) {
		what = "the tenant set";
		err = bt->error;
		kept = bt->stale;
	}
	if (err == NULL)
		return false;
	snprintf(buf, size, " cannot read the queue of %s: %.*s%s", what, (int)strcspn(err, "\n"),
		 err, kept ? " (showing the last good read: stale)" : "");
	return true;
}

static void
migrations_draw(void *view, int y, int x, int h, int w)
{
	struct view_migrations *v = view;
	const struct tui_draw *d = tui_canvas(v->t);
	struct browse *b = the_browse(v);
	const struct profile_database *pdb = the_pdb(v);
	const struct mrow *r = selected(v);
	size_t counts[MIG_N_STATES] = { 0 }, i;
	char buf[640], lock[160], age[64];
	const struct job *job = NULL;
	bool stale;
	int table_h;

	for (i = 0; i < browse_n_modules(b); i++) {
		const struct browse_module *m = browse_module(b, i);
		int s;

		for (s = 0; m->status != NULL && s < MIG_N_STATES; s++)
			counts[s] += m->status->count[s];
	}
	queue_age(v, age, sizeof age, &stale);
	snprintf(buf, sizeof buf,
		 " %s %s %zu module%s%s %s %zu applied, %zu pending, %zu modified, %zu out of "
		 "order, %zu missing, %zu failed",
		 pdb->label, d->vline, pdb->n_modules, pdb->n_modules == 1 ? "" : "s",
		 pdb->tenants.present ? " + the tenant set" : "", d->vline, counts[MIG_APPLIED],
		 counts[MIG_PENDING], counts[MIG_MODIFIED], counts[MIG_OUT_OF_ORDER],
		 counts[MIG_MISSING], counts[MIG_FAILED]);
	if (counts[MIG_EMPTY] > 0)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ", %zu empty",
			 counts[MIG_EMPTY]);
	if (stale)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (stale)");
	if (session_read_only(sess(v), v->db))
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (read-only: no actions)");
	if (age[0] != '\0')
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s %s", d->vline, age);
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
	y++;
	h--;
	if (h > 4 && read_failure(v, buf, sizeof buf)) {
		tui_draw_text(d, y, x, w, TUI_S_CRIT, TUI_LEFT, true, buf);
		y++;
		h--;
	}
	if (r != NULL && h > 4) {
		enum lock_state ls = lock_holder(v, r->module, lock, sizeof lock);

		if (r->module == TENANT_SET) {
			const struct browse_tenants *bt = browse_tenants(b);

			snprintf(buf, sizeof buf,
				 " tenants %s lock: %s %s %zu tenants %s<id>, folder %s", d->vline,
				 ls == LOCK_FREE ? "none held" : lock, d->vline,
				 bt->list != NULL ? bt->list->n : 0, pdb->tenants.prefix,
				 pdb->tenants.migrations);
		} else {
			const struct browse_module *m = browse_module(b, (size_t)r->module);
			const struct profile_module *pm = &pdb->modules[r->module];

			if (ls == LOCK_FREE && m->status != NULL &&
			    m->status->lock_holder != NULL) {
				snprintf(lock, sizeof lock, "held by %s", m->status->lock_holder);
				ls = LOCK_HELD;
			}
			snprintf(buf, sizeof buf, " %s %s lock: %s %s schema %s, ledger %s.%s%s",
				 pm->name, d->vline, ls == LOCK_FREE ? "free" : lock, d->vline,
				 pm->schema, pm->schema, pm->table,
				 m->status != NULL && !m->status->ledger_exists
					 ? " (not created yet)"
					 : "");
		}
		tui_draw_text(d, y, x, w, strstr(buf, "lock: held") ? TUI_S_WARN : TUI_S_NORMAL,
			      TUI_LEFT, true, buf);
		y++;
		h--;
		job = module_job(v, module_name(v, r->module));
	}
	if (job != NULL && h > 4) {
		if (job->state == JOB_RUNNING)
			snprintf(buf, sizeof buf, " job: %s: %s  (c cancels)", job->title,
				 job->progress);
		else if (job->state == JOB_FAILED && job->error != NULL)
			snprintf(buf, sizeof buf, " %s failed: %s", jobs_kind_name(job->kind),
				 job->error);
		else
			snprintf(buf, sizeof buf, " %s %s: %s", jobs_kind_name(job->kind),
				 jobs_state_name(job->state),
				 job->result != NULL ? job->result : "");
		buf[strcspn(buf, "\n")] = '\0';
		tui_draw_text(d, y, x, w,
			      job->state == JOB_RUNNING ? TUI_S_WARN
			      : job->state == JOB_OK	? TUI_S_OK
							: TUI_S_CRIT,
			      TUI_LEFT, true, buf);
		y++;
		h--;
	}
	if (v->n_rows == 0) {
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false,
			      pdb->n_modules == 0 && !pdb->tenants.present
				      ? " no modules and no tenants section in the profile"
				      : " reading the ledgers...");
		return;
	}
	table_h = h;
	if (v->pv.open) {
		table_h = h / 3;
		if (table_h < 4)
			table_h = h > 8 ? 4 : h / 2;
		widget_table_draw(v->table, d, y, x, table_h, w, true);
		draw_preview(v, y + table_h, x, h - table_h, w);
		return;
	}
	widget_table_draw(v->table, d, y, x, table_h, w, true);
}

/* ------------------------------------------------------------------------
 * Actions
 * ------------------------------------------------------------------------ */

static const char *
no_actions(struct view_migrations *v)
{
	if (session_read_only(sess(v), v->db))
		return "read-only profile: migrations are not applied, rolled back or repaired "
		       "from it";
	return NULL;
}

static void
start_job(struct tui *t, struct view_migrations *v)
{
	struct session *s = sess(v);
	struct database *db = session_database(s, v->db);
	const struct job *job = NULL;
	char *why = NULL;

	if (v->pa_kind == PA_FANOUT || v->pa_kind == PA_FANOUT_ROLLBACK) {
		struct tenant_job_opts o;

		tenant_job_opts_defaults(&o);
		job = jobs_tenant(session_jobs(s), v->db, db,
				  v->pa_kind == PA_FANOUT ? TENANT_JOB_MIGRATE
							  : TENANT_JOB_ROLLBACK,
				  &o, &why);
	} else {
		struct mig_opts o;

		mig_opts_defaults(&o);
		o.steps = v->pa_steps;
		o.repair_file = v->pa_file;
		job = jobs_migrate(session_jobs(s), v->db, db, &the_pdb(v)->modules[v->pa_module],
				   v->pa_kind == PA_APPLY      ? MIG_RUN_APPLY
				   : v->pa_kind == PA_ROLLBACK ? MIG_RUN_ROLLBACK
							       : MIG_RUN_REPAIR,
				   &o, &why);
	}
	if (job == NULL) {
		tui_status(t, "%s", why != NULL ? why : "not started");
		free(why);
		return;
	}
	tui_status(t, "%s: started", job->title);
}

static void
confirmed(struct tui *t, void *arg, int64_t id)
{
	(void)id;
	start_job(t, arg);
}

/* The plan of an apply or rollback of the module under the cursor, from the status shown. */
static bool
plan_for(struct view_migrations *v, const struct browse_module *m, bool apply, int steps,
	 struct mig_plan *plan)
{
	struct mig_opts o;

	mig_opts_defaults(&o);
	o.steps = steps;
	if (apply)
		mig_plan_apply(plan, m->status, &o, m->mgr,
			       pool_server_version(session_database(sess(v), v->db)->pool));
	else
		mig_plan_rollback(plan, m->status, &o);
	return plan->refusal == NULL;
}

static unsigned
act_apply(struct tui *t, void *view, int key)
{
	struct view_migrations *v = view;
	const struct mrow *r = selected(v);
	const char *why = no_actions(v);
	const struct browse_module *m;
	struct mig_plan plan;
	struct strbuf text = STRBUF_INIT;
	size_t i;
	bool all = key == 'A';

	if (why != NULL || r == NULL) {
		tui_status(t, "%s", why != NULL ? why : "nothing under the cursor");
		return TUI_R_REDRAW;
	}
	if (r->module == TENANT_SET) {
		const struct browse_tenants *bt = browse_tenants(the_browse(v));
		size_t live = 0;

		if (!all) {
			tui_status(t, "the tenant set applies all pending at once: A (or the "
				      "Tenants view's A for the filtered tenants)");
			return TUI_R_REDRAW;
		}
		for (i = 0; bt->list != NULL && i < bt->list->n; i++)
			live += !bt->list->v[i].archived;
		strbuf_addf(&text,
			    "Apply the pending migrations of the tenant folder to all %zu "
			    "tenants: ",
			    live);
		for (i = 0;
		     bt->list != NULL && bt->list->file_pending != NULL && i < bt->list->n_files;
		     i++) {
			size_t n = bt->list->file_pending[i] + bt->list->file_out_of_order[i];

			if (n > 0)
				strbuf_addf(&text, "%s (pending on %zu) ", bt->files->v[i].name, n);
		}
		strbuf_adds(&text, "- each tenant under its migration lock, one transaction per "
				   "file, tenants up to date skipped. Start?");
		v->pa_kind = PA_FANOUT;
		tui_confirm(t, strbuf_str(&text), confirmed, v, 0);
		strbuf_free(&text);
		return TUI_R_REDRAW;
	}
	m = browse_module(the_browse(v), (size_t)r->module);
	if (m->status == NULL) {
		tui_status(t, "the status of %s is not read yet", module_name(v, r->module));
		return TUI_R_REDRAW;
	}
	if (!plan_for(v, m, true, all ? 0 : 1, &plan)) {
		tui_status(t, "refused: %s", plan.refusal);
		mig_plan_free(&plan);
		return TUI_R_REDRAW;
	}
	if (plan.n == 0) {
		tui_status(t, "%s: nothing pending", module_name(v, r->module));
		mig_plan_free(&plan);
		return TUI_R_REDRAW;
	}
	strbuf_addf(&text, "Apply to module %s (schema %s): ", module_name(v, r->module),
		    the_pdb(v)->modules[r->module].schema);
	for (i = 0; i < plan.n; i++) {
		if (i == 6) {
			strbuf_addf(&text, ", and %zu more", plan.n - i);
			break;
		}
		strbuf_addf(&text, "%s%s%s", i ? ", " : "", plan.steps[i]->filename,
			    plan.steps[i]->no_transaction ? " (no-transaction: statement by "
							    "statement, ledger last)"
							  : "");
	}
	strbuf_addf(&text,
		    ". Under the module's migration lock, each file with its ledger row "
		    "in one transaction. Apply %zu migration%s?",
		    plan.n, plan.n == 1 ? "" : "s");
	v->pa_kind = PA_APPLY;
	v->pa_module = r->module;
	v->pa_steps = all ? 0 : 1;
	tui_confirm(t, strbuf_str(&text), confirmed, v, 0);
	strbuf_free(&text);
	mig_plan_free(&plan);
	return TUI_R_REDRAW;
}

static unsigned
act_rollback(struct tui *t, void *view, int key)
{
	struct view_migrations *v = view;
	const struct mrow *r = selected(v);
	const char *why = no_actions(v);
	const struct browse_module *m;
	struct mig_plan plan;
	char text[600];

	(void)key;
	if (why != NULL || r == NULL) {
		tui_status(t, "%s", why != NULL ? why : "nothing under the cursor");
		return TUI_R_REDRAW;
	}
	if (r->module == TENANT_SET) {
		snprintf(text, sizeof text,
			 "Roll back the last applied migration on every tenant that has one: its "
			 "down script and the ledger row deleted in one transaction, under each "
			 "tenant's migration lock. Start?");
		v->pa_kind = PA_FANOUT_ROLLBACK;
		tui_confirm(t, text, confirmed, v, 0);
		return TUI_R_REDRAW;
	}
	m = browse_module(the_browse(v), (size_t)r->module);
	if (m->status == NULL) {
		tui_status(t, "the status of %s is not read yet", module_name(v, r->module));
		return TUI_R_REDRAW;
	}
	if (!plan_for(v, m, false, 1, &plan)) {
		tui_status(t, "refused: %s", plan.refusal);
		mig_plan_free(&plan);
		return TUI_R_REDRAW;
	}
	snprintf(text, sizeof text,
		 "Roll back %s of module %s (the last applied): run down/%s and delete its ledger "
		 "row in one transaction, under the migration lock?",
		 plan.steps[0]->filename, module_name(v, r->module), plan.steps[0]->filename);
	v->pa_kind = PA_ROLLBACK;
	v->pa_module = r->module;
	v->pa_steps = 1;
	tui_confirm(t, text, confirmed, v, 0);
	mig_plan_free(&plan);
	return TUI_R_REDRAW;
}

static unsigned
act_repair(struct tui *t, void *view, int key)
{
	struct view_migrations *v = view;
	const struct mrow *r = selected(v);
	const char *why = no_actions(v);
	char text[600];

	(void)key;
	if (why != NULL || r == NULL) {
		tui_status(t, "%s", why != NULL ? why : "nothing under the cursor");
		return TUI_R_REDRAW;
	}
	if (r->module == TENANT_SET || r->e == NULL || r->e->state != MIG_MODIFIED) {
		tui_status(t, "only a modified (drifted) migration of a module can be repaired");
		return TUI_R_REDRAW;
	}
	snprintf(text, sizeof text,
		 "Repair %s of module %s: the ledger's checksum %.16s... becomes the file's "
		 "%.16s... The file is NOT run; the change is recorded in pgdbm_console.events. "
		 "Accept the file as it is now?",
		 r->e->filename, module_name(v, r->module), r->e->row->checksum,
		 r->e->file->up.checksum);
	v->pa_kind = PA_REPAIR;
	v->pa_module = r->module;
	free(v->pa_file);
	v->pa_file = xstrdup(r->e->filename);
	tui_confirm(t, text, confirmed, v, 0);
	return TUI_R_REDRAW;
}

static unsigned
act_cancel(struct tui *t, void *view, int key)
{
	struct view_migrations *v = view;
	const struct mrow *r = selected(v);
	const struct job *job = r != NULL ? module_job(v, module_name(v, r->module)) : NULL;

	(void)key;
	if (job == NULL || job->state != JOB_RUNNING) {
		tui_status(t, "no job is running on %s",
			   r != NULL ? module_name(v, r->module) : "this module");
		return TUI_R_REDRAW;
	}
	jobs_cancel(session_jobs(sess(v)), job->id);
	tui_status(t, "%s: cancelling after the migration in flight", job->title);
	return TUI_R_REDRAW;
}

static unsigned
migrations_escape(void *view)
{
	struct view_migrations *v = view;

	if (v->pv.open) {
		v->pv.open = false;
		return TUI_R_REDRAW;
	}
	return TUI_R_NONE;
}

static unsigned
migrations_click(void *view, int y, int x)
{
	struct view_migrations *v = view;

	(void)x;
	if (y >= 0)
		return TUI_R_NONE;
	v->pv.open = !v->pv.open;
	v->pv.down = false;
	migpreview_stale(&v->pv);
	return TUI_R_REDRAW;
}

static unsigned
act_preview(struct tui *t, void *view, int key)
{
	(void)t;
	(void)key;
	return migrations_click(view, -1, -1);
}

static unsigned
act_down(struct tui *t, void *view, int key)
{
	struct view_migrations *v = view;

	(void)key;
	if (!v->pv.open) {
		v->pv.open = true;
		migpreview_stale(&v->pv);
	}
	v->pv.down = !v->pv.down;
	tui_status(t, "%s", v->pv.down ? "the down script" : "the up script");
	return TUI_R_REDRAW;
}

/* PgUp/PgDn/Home/End scroll the preview when it is open, else move the cursor. */
static unsigned
act_scroll(struct tui *t, void *view, int key)
{
	struct view_migrations *v = view;
	enum widget_table_move how;

	(void)t;
	if (v->pv.open) {
		migpreview_scroll(&v->pv, key == TUI_KEYCODE(KEY_NPAGE)	  ? MIGPREVIEW_PAGE_DOWN
					  : key == TUI_KEYCODE(KEY_PPAGE) ? MIGPREVIEW_PAGE_UP
					  : key == TUI_KEYCODE(KEY_HOME)  ? MIGPREVIEW_HOME
									  : MIGPREVIEW_END);
		return TUI_R_REDRAW;
	}
	how = key == TUI_KEYCODE(KEY_NPAGE)   ? WT_PAGE_DOWN
	      : key == TUI_KEYCODE(KEY_PPAGE) ? WT_PAGE_UP
	      : key == TUI_KEYCODE(KEY_HOME)  ? WT_HOME
					      : WT_END;
	widget_table_move(v->table, how);
	return TUI_R_REDRAW;
}

static const struct tui_binding migrations_bindings[] = {
	{ { '\n', '\r', TUI_KEYCODE(KEY_ENTER), 0 },
	  "Enter",
	  "Preview",
	  "preview the rendered SQL of the migration under the cursor (Esc closes)",
	  act_preview },
	{ { 'd', 0 }, "d", NULL, "preview its down script, or the up script again", act_down },
	{ { TUI_KEYCODE(KEY_PPAGE), TUI_KEYCODE(KEY_NPAGE), 0 },
	  "PgUp PgDn",
	  NULL,
	  "scroll the preview a page (without it: move the cursor)",
	  act_scroll },
	{ { TUI_KEYCODE(KEY_HOME), TUI_KEYCODE(KEY_END), 0 },
	  "Home End",
	  NULL,
	  "the top or bottom of the preview (without it: the first or last row)",
	  act_scroll },
	{ { 'a', 0 },
	  "a",
	  "ApplyNext",
	  "apply the next pending migration of the module (asks first)",
	  act_apply },
	{ { 'A', 0 },
	  "A",
	  "ApplyAll",
	  "apply every pending migration of the module; the tenant set: all tenants (asks first)",
	  act_apply },
	{ { 'u', 0 },
	  "u",
	  "Rollback",
	  "roll back the module's last applied migration with its down script (asks first)",
	  act_rollback },
	{ { 'R', 0 },
	  "R",
	  "Repair",
	  "accept the new checksum of a modified (drifted) migration (asks first)",
	  act_repair },
	{ { 'c', 0 }, "c", NULL, "cancel the running job of the module", act_cancel },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

/* The actions that change the database are not offered where no_actions() says why. */
static const char *
migrations_unavailable(void *view, const struct tui_binding *b)
{
	if (!(b->fn == act_apply || b->fn == act_rollback || b->fn == act_repair ||
	      b->fn == act_cancel))
		return NULL;
	return no_actions(view);
}

const struct tui_view_class view_migrations_class = {
	.name = "Migrations",
	.bindings = migrations_bindings,
	.create = migrations_create,
	.destroy = migrations_destroy,
	.update = migrations_update,
	.draw = migrations_draw,
	.table = migrations_table,
	.escape = migrations_escape,
	.click = migrations_click,
	.unavailable = migrations_unavailable,
};
