/*
 * view_pools: one block per database. See include/view_pools.h.
 *
 * A block, top to bottom:
 *
 *   main ● live · db saas · PostgreSQL 15.4 · round trip 2ms        2 alerts
 *   conns [██████▓▒░░░░           ] 42/297 14% (warn 80%)  ▁▂▃▅▆▇ 5m
 *   POOL              TOTAL  ACT IDLE  ITX WAIT  MAX USE          HISTORY
 *   users_pool           12    3    8    1    0   20 [████  ] 60% ▁▂▂▃▃▄▅
 *   ▲ pool users_pool is at its max (20 of 20)
 *   console pool 1/4 open · 1 busy · 0 waiting · 37 acquired · 0 errors
 *   job fan-out: apply pending migrations to every tenant: 120/300 done, ...
 *
 * The connections meter counts client backends of the whole server against
 * max_connections minus the reserved slots, split by state; the pool table
 * counts this database's sessions by application_name. When the screen is
 * short, the blocks of the other databases shrink to their first two lines
 * and the selected database's block (whose table has the cursor) gets the
 * rest. A database without data shows its state (connecting, retrying in
 * N s, error) on its second line; a stale one keeps its data, dimmed, with
 * the age in its first line.
 *
 * Rows are rebuilt from the snapshot after every refresh of the database
 * (they borrow the snapshot's strings, valid until the next refresh).
 */
#include "config.h"

#include "view_pools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "database.h"
#include "jobs.h"
#include "monitor.h"
#include "pool.h"
#include "profile.h"
#include "session.h"
#include "tui_draw.h"
#include "units.h"
#include "view_activity.h"
#include "widget_table.h"
#include "xalloc.h"

#define MAX_ALERT_LINES 3
#define MAX_JOB_LINES	2
#define HISTORY_MS	(5 * 60 * 1000)

enum {
	COL_POOL,
	COL_TOTAL,
	COL_ACTIVE,
	COL_IDLE,
	COL_IDLETX,
	COL_WAIT,
	COL_MAX,
	COL_USE,
	COL_ITX_AGE,
	COL_HISTORY,
	N_COLS
};

static const struct widget_table_column columns[N_COLS] = {
	[COL_POOL] = { "POOL", 0, 10, 24, false, false },
	[COL_TOTAL] = { "TOTAL", 0, 6, 6, true, false },
	[COL_ACTIVE] = { "ACT", 1, 4, 4, true, false },
	[COL_IDLE] = { "IDLE", 1, 4, 4, true, false },
	[COL_IDLETX] = { "ITX", 1, 4, 4, true, false },
	[COL_WAIT] = { "WAIT", 1, 4, 4, true, false },
	[COL_MAX] = { "MAX", 2, 4, 4, true, false },
	[COL_USE] = { "USE", 3, 10, 16, false, false },
	[COL_ITX_AGE] = { "ITX AGE", 5, 8, 8, true, false },
	[COL_HISTORY] = { "HISTORY", 4, 8, 0, false, true },
};

struct pool_row {
	const char *name;
	int total, active, idle, idle_in_tx, waiting, declared_max;
	int64_t oldest_idle_in_tx_ms;
	bool own;
	bool alert; /* at its max, or idle in transaction for too long */
};

struct block {
	struct view_pools *v;
	size_t db;
	struct widget_table *table;
	struct pool_row *rows;
	size_t n_rows, cap_rows;
	int y0, y1; /* last drawn rows, for clicks */
};

struct view_pools {
	struct tui *t;
	struct block *blocks;
	size_t n;
};

/* ------------------------------------------------------------------------
 * Rows
 * ------------------------------------------------------------------------ */

static size_t
rows_count(void *arg)
{
	return ((struct block *)arg)->n_rows;
}

static const char *
rows_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct pool_row *r = &((struct block *)arg)->rows[row];

	switch (col) {
	case COL_POOL:
		if (r->own)
			snprintf(buf, size, "%s (this console)", r->name);
		else
			snprintf(buf, size, "%s", r->name[0] != '\0' ? r->name : "(no name)");
		return buf;
	case COL_TOTAL:
		snprintf(buf, size, "%d", r->total);
		return buf;
	case COL_ACTIVE:
		snprintf(buf, size, "%d", r->active);
		return buf;
	case COL_IDLE:
		snprintf(buf, size, "%d", r->idle);
		return buf;
	case COL_IDLETX:
		snprintf(buf, size, "%d", r->idle_in_tx);
		return buf;
	case COL_WAIT:
		snprintf(buf, size, "%d", r->waiting);
		return buf;
	case COL_MAX:
		if (r->declared_max > 0)
			snprintf(buf, size, "%d", r->declared_max);
		else
			snprintf(buf, size, "-");
		return buf;
	case COL_USE:
		if (r->declared_max > 0)
			snprintf(buf, size, "%d%%", r->total * 100 / r->declared_max);
		else
			buf[0] = '\0';
		return buf;
	case COL_ITX_AGE:
		if (r->idle_in_tx > 0)
			units_format_duration(r->oldest_idle_in_tx_ms, buf, size);
		else
			buf[0] = '\0';
		return buf;
	default:
		buf[0] = '\0';
		return buf;
	}
}

static int
cmp_int(int a, int b)
{
	return a < b ? -1 : a > b;
}

static int
rows_compare(void *arg, size_t a, size_t b, int col)
{
	const struct pool_row *x = &((struct block *)arg)->rows[a];
	const struct pool_row *y = &((struct block *)arg)->rows[b];

	switch (col) {
	case COL_POOL:
		return strcmp(x->name, y->name);
	case COL_TOTAL:
	case COL_HISTORY:
		return cmp_int(x->total, y->total);
	case COL_ACTIVE:
		return cmp_int(x->active, y->active);
	case COL_IDLE:
		return cmp_int(x->idle, y->idle);
	case COL_IDLETX:
		return cmp_int(x->idle_in_tx, y->idle_in_tx);
	case COL_WAIT:
		return cmp_int(x->waiting, y->waiting);
	case COL_MAX:
		return cmp_int(x->declared_max, y->declared_max);
	case COL_USE:
		return cmp_int(x->declared_max > 0 ? x->total * 1000 / x->declared_max : -1,
			       y->declared_max > 0 ? y->total * 1000 / y->declared_max : -1);
	case COL_ITX_AGE:
		return x->oldest_idle_in_tx_ms < y->oldest_idle_in_tx_ms   ? -1
		       : x->oldest_idle_in_tx_ms > y->oldest_idle_in_tx_ms ? 1
									   : 0;
	}
	return 0;
}

static int64_t
rows_id(void *arg, size_t row)
{
	const struct pool_row *r = &((struct block *)arg)->rows[row];
	uint64_t h = 1469598103934665603ULL;
	const char *p;

	for (p = r->name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (int64_t)(h ^ (uint64_t)r->own);
}

static enum tui_style
rows_style(void *arg, size_t row)
{
	const struct block *b = arg;
	const struct pool_row *r = &b->rows[row];

	if (monitor_status(session_monitor(tui_session(b->v->t), b->db)) == MON_STALE)
		return TUI_S_DIM;
	if (r->waiting > 0 || (r->declared_max > 0 && r->total >= r->declared_max))
		return TUI_S_CRIT;
	if (r->alert)
		return TUI_S_WARN;
	if (r->own)
		return TUI_S_DIM;
	return TUI_S_NORMAL;
}

static bool
rows_draw_cell(void *arg, size_t row, int col, const struct tui_draw *d, int y, int x, int width,
	       enum tui_style style)
{
	const struct block *b = arg;
	const struct pool_row *r = &b->rows[row];

	if (col == COL_USE) {
		static const enum tui_seg segs[] = { TUI_SEG_ACTIVE, TUI_SEG_IDLETX, TUI_SEG_WAIT,
						     TUI_SEG_IDLE };
		int values[4] = { r->active, r->idle_in_tx, r->waiting, r->idle };
		char pct[16];
		int pw;

		if (r->declared_max <= 0 || width < 7)
			return false;
		snprintf(pct, sizeof pct, "%3d%%", r->total * 100 / r->declared_max);
		pw = (int)strlen(pct);
		tui_draw_bar(d, y, x, width - pw - 1, values, segs, 4, r->declared_max);
		tui_draw_text(d, y, x + width - pw, pw, style, TUI_RIGHT, false, pct);
		return true;
	}
	if (col == COL_HISTORY) {
		struct monitor *m = session_monitor(tui_session(b->v->t), b->db);
		int hist[MON_HISTORY];
		int64_t refresh = session_refresh_ms(tui_session(b->v->t));
		size_t want = (size_t)(HISTORY_MS / (refresh > 0 ? refresh : 1000));
		size_t n;

		if (r->own)
			return true;
		if (want > MON_HISTORY)
			want = MON_HISTORY;
		if (want < (size_t)width)
			want = (size_t)width < MON_HISTORY ? (size_t)width : MON_HISTORY;
		n = monitor_pool_history(m, r->name, hist, want);
		tui_draw_sparkline(d, y, x, width, hist, n, r->declared_max,
				   style == TUI_S_NORMAL ? TUI_S_SPARK : style);
		return true;
	}
	return false;
}

static const struct widget_table_source rows_source = {
	rows_count, rows_cell, rows_compare, rows_id, rows_style, rows_draw_cell,
};

static void
rebuild_block(struct view_pools *v, struct block *b)
{
	struct session *s = tui_session(v->t);
	const struct mon_snapshot *snap = monitor_snapshot(session_monitor(s, b->db));
	const struct profile_database *pdb = &session_profile(s)->databases[b->db];
	size_t i, j, need;

	b->n_rows = 0;
	if (snap != NULL) {
		need = snap->n_pools + 1;
		if (need > b->cap_rows) {
			b->rows = xreallocarray(b->rows, need, sizeof *b->rows);
			b->cap_rows = need;
		}
		for (i = 0; i < snap->n_pools; i++) {
			const struct mon_pool *p = &snap->pools[i];
			struct pool_row *r = &b->rows[b->n_rows++];

			memset(r, 0, sizeof *r);
			r->name = p->appname;
			r->total = p->total;
			r->active = p->active;
			r->idle = p->idle;
			r->idle_in_tx = p->idle_in_tx;
			r->waiting = p->waiting;
			r->declared_max = p->declared_max;
			r->oldest_idle_in_tx_ms = p->oldest_idle_in_tx_ms;
			r->alert = p->idle_in_tx > 0 &&
				   p->oldest_idle_in_tx_ms >= pdb->alerts.idle_in_transaction_ms;
		}
		if (tui_show_own(v->t)) {
			struct pool_row *r = &b->rows[b->n_rows];

			memset(r, 0, sizeof *r);
			r->name = pdb->application_name;
			r->own = true;
			for (j = 0; j < snap->n_sessions; j++) {
				const struct mon_session *x = &snap->sessions[j];

				if (!x->own || !x->this_db)
					continue;
				r->total++;
				if (x->waiting)
					r->waiting++;
				else if (x->idle_in_tx)
					r->idle_in_tx++;
				else if (strcmp(x->state, "active") == 0)
					r->active++;
				else
					r->idle++;
			}
			b->n_rows++;
		}
	}
	widget_table_rebuild(b->table);
}

/* ------------------------------------------------------------------------
 * Class
 * ------------------------------------------------------------------------ */

static void *
pools_create(struct tui *t)
{
	struct view_pools *v = xcalloc(1, sizeof *v);
	size_t i;

	v->t = t;
	v->n = session_n_databases(tui_session(t));
	v->blocks = xcalloc(v->n, sizeof *v->blocks);
	for (i = 0; i < v->n; i++) {
		struct block *b = &v->blocks[i];

		b->v = v;
		b->db = i;
		b->table = widget_table_new(columns, N_COLS, &rows_source, b);
		widget_table_set_sort(b->table, COL_TOTAL, true);
	}
	return v;
}

static void
pools_destroy(void *view)
{
	struct view_pools *v = view;
	size_t i;

	for (i = 0; i < v->n; i++) {
		widget_table_free(&v->blocks[i].table);
		free(v->blocks[i].rows);
	}
	free(v->blocks);
	free(v);
}

static void
pools_update(void *view, size_t db)
{
	struct view_pools *v = view;
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (db == SIZE_MAX || db == i)
			rebuild_block(v, &v->blocks[i]);
	}
}

static struct widget_table *
pools_table(void *view)
{
	struct view_pools *v = view;

	return v->blocks[session_selected(tui_session(v->t))].table;
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

struct block_plan {
	int header, meter, table, alerts, hint, console, state, jobs;
};

static int
plan_height(const struct block_plan *p)
{
	return p->header + p->meter + p->table + p->alerts + p->hint + p->console + p->state +
	       p->jobs;
}

/* Jobs running on database db (the session's: migrate runs, tenant jobs). */
static int
running_jobs(struct view_pools *v, size_t db, const struct job **out, int max)
{
	const struct jobs *jobs = session_jobs(tui_session(v->t));
	size_t i;
	int n = 0;

	for (i = 0; i < jobs_count(jobs) && n < max; i++) {
		const struct job *j = jobs_get(jobs, i);

		if (j->db == db && j->state == JOB_RUNNING)
			out[n++] = j;
	}
	return n;
}

/* What a block would show with unlimited room. */
static void
plan_natural(struct view_pools *v, const struct block *b, struct block_plan *p)
{
	const struct mon_snapshot *snap = monitor_snapshot(
		session_monitor(tui_session(v->t), b->db));

	const struct job *jobs[MAX_JOB_LINES];

	memset(p, 0, sizeof *p);
	p->header = 1;
	p->jobs = running_jobs(v, b->db, jobs, MAX_JOB_LINES);
	if (snap == NULL) {
		p->state = 1;
		return;
	}
	p->meter = 1;
	p->table = 1 + (int)(b->n_rows > 0 ? widget_table_shown(b->table) : 1);
	if (p->table < 2)
		p->table = 2;
	p->alerts = (int)(snap->n_alerts < MAX_ALERT_LINES ? snap->n_alerts : MAX_ALERT_LINES);
	p->hint = snap->can_read_all ? 0 : 1;
	p->console = 1;
}

/* Shrink a plan to h lines: the table keeps two lines as long as it can. */
static void
plan_fit(struct block_plan *p, int h)
{
	while (plan_height(p) > h) {
		if (p->table > 3)
			p->table--;
		else if (p->hint > 0)
			p->hint = 0;
		else if (p->alerts > 1)
			p->alerts--;
		else if (p->console > 0)
			p->console = 0;
		else if (p->jobs > 1)
			p->jobs = 1;
		else if (p->table > 2)
			p->table--;
		else if (p->alerts > 0)
			p->alerts = 0;
		else if (p->jobs > 0)
			p->jobs = 0;
		else if (p->table > 0)
			p->table = 0;
		else if (p->state > 0)
			p->state = 0;
		else if (p->meter > 0)
			p->meter = 0;
		else
			p->header = 0;
	}
}

static enum tui_style
status_style(enum session_db_state st)
{
	switch (st) {
	case SESSION_DB_LIVE:
		return TUI_S_OK;
	case SESSION_DB_STALE:
		return TUI_S_STALE;
	case SESSION_DB_CONNECTING:
		return TUI_S_WARN;
	default:
		return TUI_S_CRIT;
	}
}

static void
draw_block_header(struct view_pools *v, struct block *b, int y, int x, int w, bool selected)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct session *s = tui_session(v->t);
	const struct mon_snapshot *snap = monitor_snapshot(session_monitor(s, b->db));
	struct session_db_status st;
	char text[512], extra[256], rt[32], ver[32];
	int cx = x, right_w = 0;

	session_db_status(s, b->db, &st);
	tui_draw_fill(d, y, x, w, TUI_S_NORMAL);
	if (snap != NULL && snap->n_alerts > 0) {
		snprintf(text, sizeof text, " %s %zu alert%s", d->warn_mark, snap->n_alerts,
			 snap->n_alerts == 1 ? "" : "s");
		right_w = tui_draw_width(d, text);
		if (right_w < w / 3)
			tui_draw_text(d, y, x + w - right_w, right_w, TUI_S_CRIT, TUI_LEFT, false,
				      text);
		else
			right_w = 0;
	}
	snprintf(text, sizeof text, "%s%s ", selected ? "> " : "  ", session_label(s, b->db));
	cx += tui_draw_text(d, y, cx, w - right_w, TUI_S_TITLE, TUI_LEFT, false, text);
	snprintf(text, sizeof text, "%s ",
		 st.state == SESSION_DB_LIVE || st.state == SESSION_DB_STALE ? d->dot_ok
									     : d->dot_down);
	session_db_status_text(&st, text + strlen(text), sizeof text - strlen(text));
	cx += tui_draw_text(d, y, cx, x + w - right_w - cx, status_style(st.state), TUI_LEFT, false,
			    text);
	if (snap != NULL && cx < x + w - right_w - 4) {
		units_format_duration(snap->round_trip_us / 1000, rt, sizeof rt);
		if (snap->server_version_num >= 100000)
			snprintf(ver, sizeof ver, "%d.%d", snap->server_version_num / 10000,
				 snap->server_version_num % 10000);
		else
			snprintf(ver, sizeof ver, "%d.%d.%d", snap->server_version_num / 10000,
				 snap->server_version_num / 100 % 100,
				 snap->server_version_num % 100);
		snprintf(extra, sizeof extra, " %s db %s %s PostgreSQL %s %s round trip %s%s%s",
			 d->vline, snap->database, d->vline, ver, d->vline, rt,
			 session_read_only(s, b->db) ? " " : "",
			 session_read_only(s, b->db) ? "(read-only)" : "");
		tui_draw_text(d, y, cx, x + w - right_w - cx, TUI_S_DIM, TUI_LEFT, false, extra);
	}
}

/* conns [bar] 42/297 14% (warn 80%)   sparkline */
static void
draw_meter(struct view_pools *v, struct block *b, int y, int x, int w)
{
	static const enum tui_seg segs[] = { TUI_SEG_ACTIVE, TUI_SEG_IDLETX, TUI_SEG_WAIT,
					     TUI_SEG_IDLE };
	const struct tui_draw *d = tui_canvas(v->t);
	struct session *s = tui_session(v->t);
	struct monitor *m = session_monitor(s, b->db);
	const struct mon_snapshot *snap = monitor_snapshot(m);
	const struct profile_database *pdb = &session_profile(s)->databases[b->db];
	int values[4] = { 0, 0, 0, 0 };
	char nums[96];
	int numw, bar_w, spark_w = 0, cx = x, pct;
	enum tui_style num_style = TUI_S_NORMAL;
	size_t i;

	tui_draw_fill(d, y, x, w, TUI_S_NORMAL);
	for (i = 0; i < snap->n_sessions; i++) {
		const struct mon_session *x2 = &snap->sessions[i];

		if (x2->waiting)
			values[2]++;
		else if (x2->idle_in_tx)
			values[1]++;
		else if (strcmp(x2->state, "active") == 0)
			values[0]++;
		else
			values[3]++;
	}
	pct = snap->usable > 0 ? snap->connections * 100 / snap->usable : 0;
	if (snap->usable > 0 &&
	    (int64_t)snap->connections * 1000 >= (int64_t)pdb->warn_at * snap->usable)
		num_style = pct >= 95 ? TUI_S_CRIT : TUI_S_WARN;
	if (w >= 70)
		snprintf(nums, sizeof nums, " %d/%d %d%% (warn %d%%)", snap->connections,
			 snap->usable, pct, pdb->warn_at / 10);
	else
		snprintf(nums, sizeof nums, " %d/%d %d%%", snap->connections, snap->usable, pct);
	numw = tui_draw_width(d, nums);
	cx += tui_draw_text(d, y, cx, w, TUI_S_NORMAL, TUI_LEFT, false, "  conns [");
	if (w >= 64)
		spark_w = w / 5;
	bar_w = x + w - cx - 1 - numw - (spark_w > 0 ? spark_w + 4 : 0);
	if (bar_w < 4) {
		bar_w = x + w - cx - 1 - numw;
		spark_w = 0;
	}
	if (bar_w < 2)
		bar_w = 2;
	tui_draw_bar(d, y, cx, bar_w, values, segs, 4, snap->usable);
	cx += bar_w;
	cx += tui_draw_text(d, y, cx, 1, TUI_S_NORMAL, TUI_LEFT, false, "]");
	cx += tui_draw_text(d, y, cx, x + w - cx, num_style, TUI_LEFT, false, nums);
	if (spark_w > 0 && x + w - cx >= spark_w + 2) {
		int hist[MON_HISTORY];
		size_t n = monitor_n_samples(m), k = 0, from;
		int64_t refresh = session_refresh_ms(s);
		size_t want = (size_t)(HISTORY_MS / (refresh > 0 ? refresh : 1000));

		if (want < (size_t)spark_w)
			want = (size_t)spark_w;
		from = n > want ? n - want : 0;
		for (i = from; i < n; i++)
			hist[k++] = monitor_sample(m, i)->connections;
		tui_draw_sparkline(d, y, x + w - spark_w, spark_w, hist, k, 0, TUI_S_SPARK);
	}
}

static void
draw_console_pool(struct view_pools *v, struct block *b, int y, int x, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct database *db = session_database(tui_session(v->t), b->db);
	struct pool_stats st;
	char text[256], wait[32];

	pool_stats(db->pool, &st);
	units_format_duration(st.wait_max_us / 1000, wait, sizeof wait);
	snprintf(text, sizeof text,
		 "  console pool %d/%d open %s %d busy %s %d idle %s %d waiting %s %llu acquired "
		 "%s %llu timeouts %s %llu errors %s %llu reconnects %s max wait %s",
		 st.size, pool_config(db->pool)->max, d->vline, st.in_use, d->vline, st.idle,
		 d->vline, st.waiting, d->vline, (unsigned long long)st.acquisitions, d->vline,
		 (unsigned long long)st.timeouts, d->vline,
		 (unsigned long long)(st.connect_errors + st.query_errors), d->vline,
		 (unsigned long long)st.reconnects, d->vline, wait);
	tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, true, text);
}

static void
draw_block(struct view_pools *v, struct block *b, const struct block_plan *p, int y, int x, int w,
	   bool selected)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct session *s = tui_session(v->t);
	const struct mon_snapshot *snap = monitor_snapshot(session_monitor(s, b->db));
	struct session_db_status st;
	char text[512];
	int i;

	b->y0 = y;
	b->y1 = y + plan_height(p);
	if (p->header) {
		draw_block_header(v, b, y, x, w, selected);
		y++;
	}
	if (p->jobs > 0) {
		const struct job *jobs[MAX_JOB_LINES];
		int n = running_jobs(v, b->db, jobs, p->jobs);

		for (i = 0; i < n; i++, y++) {
			snprintf(text, sizeof text, "  job %s: %s%s%s",
				 jobs_kind_name(jobs[i]->kind), jobs[i]->title,
				 jobs[i]->progress[0] ? ": " : "", jobs[i]->progress);
			tui_draw_text(d, y, x, w, TUI_S_WARN, TUI_LEFT, true, text);
		}
	}
	if (p->state) {
		session_db_status(s, b->db, &st);
		if (st.state == SESSION_DB_CONNECTING)
			snprintf(text, sizeof text,
				 "  waiting for the first answer from the server");
		else if (st.state == SESSION_DB_ERROR)
			snprintf(text, sizeof text, "  the monitoring query fails: %s", st.error);
		else
			snprintf(text, sizeof text, "  no data yet: the database is unreachable");
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, true, text);
		y++;
	}
	if (snap == NULL)
		return;
	if (p->meter) {
		draw_meter(v, b, y, x, w);
		y++;
	}
	if (p->table > 0) {
		if (b->n_rows == 0 && p->table >= 2) {
			widget_table_draw(b->table, d, y, x, 1, w, false);
			tui_draw_text(d, y + 1, x, w, TUI_S_DIM, TUI_LEFT, true,
				      "  no sessions on this database");
		} else {
			widget_table_draw(b->table, d, y, x, p->table, w, selected);
		}
		y += p->table;
	}
	for (i = 0; i < p->alerts; i++, y++) {
		const struct mon_alert *a = &snap->alerts[i];

		if (i == p->alerts - 1 && (size_t)p->alerts < snap->n_alerts)
			snprintf(text, sizeof text, "  %s %s (and %zu more: L shows the log)",
				 d->warn_mark, a->text, snap->n_alerts - (size_t)p->alerts);
		else
			snprintf(text, sizeof text, "  %s %s", d->warn_mark, a->text);
		tui_draw_text(d, y, x, w, a->kind == MON_ALERT_IDLE_IN_TX ? TUI_S_WARN : TUI_S_CRIT,
			      TUI_LEFT, true, text);
	}
	if (p->hint) {
		tui_draw_text(d, y, x, w, TUI_S_WARN, TUI_LEFT, true,
			      "  hint: this role cannot see other roles' states and queries "
			      "(GRANT pg_monitor TO it)");
		y++;
	}
	if (p->console)
		draw_console_pool(v, b, y, x, w);
}

static void
pools_draw(void *view, int y, int x, int h, int w)
{
	struct view_pools *v = view;
	size_t sel = session_selected(tui_session(v->t)), i, first = 0;
	struct block_plan *plans = xcalloc(v->n, sizeof *plans);
	int total = 0, others = 0;

	for (i = 0; i < v->n; i++) {
		plan_natural(v, &v->blocks[i], &plans[i]);
		v->blocks[i].y0 = v->blocks[i].y1 = -1;
		total += plan_height(&plans[i]);
	}
	if (total > h) {
		/* the others shrink to two lines; the selected one gets the rest */
		for (i = 0; i < v->n; i++) {
			if (i == sel)
				continue;
			plan_fit(&plans[i], 2);
			others += plan_height(&plans[i]);
		}
		/* too many databases: start the list so that the selected one shows */
		while (others > h - 4 && first < sel) {
			others -= plan_height(&plans[first]);
			first++;
		}
		plan_fit(&plans[sel], h - others > 2 ? h - others : 2);
	}
	for (i = first; i < v->n && h > 0; i++) {
		int bh = plan_height(&plans[i]);

		if (bh > h)
			plan_fit(&plans[i], h);
		bh = plan_height(&plans[i]);
		draw_block(v, &v->blocks[i], &plans[i], y, x, w, i == sel);
		y += bh;
		h -= bh;
	}
	free(plans);
}

static unsigned
pools_click(void *view, int y, int x)
{
	struct view_pools *v = view;
	struct session *s = tui_session(v->t);
	struct widget_table *tb;
	size_t i, row;

	(void)x;
	if (y < 0) {
		/* Enter: the selected pool's sessions in the Activity view */
		tb = pools_table(v);
		if (!widget_table_selected(tb, &row))
			return TUI_R_NONE;
		tui_switch_view(v->t, TUI_VIEW_ACTIVITY);
		view_activity_set_filter(tui_view_state(v->t, TUI_VIEW_ACTIVITY),
					 v->blocks[session_selected(s)].rows[row].name);
		return TUI_R_REDRAW;
	}
	for (i = 0; i < v->n; i++) {
		if (y >= v->blocks[i].y0 && y < v->blocks[i].y1 && i != session_selected(s)) {
			session_select(s, i);
			widget_table_click(v->blocks[i].table, y, x);
			return TUI_R_REBUILD | TUI_R_REDRAW;
		}
	}
	return TUI_R_NONE;
}

static unsigned
act_open(struct tui *t, void *view, int key)
{
	(void)t;
	(void)key;
	return pools_click(view, -1, -1);
}

static const struct tui_binding pools_bindings[] = {
	{ { '\n', '\r', TUI_KEYCODE(KEY_ENTER), 0 },
	  "Enter",
	  "Sessions",
	  "show the sessions of the pool under the cursor (Activity view, filtered)",
	  act_open },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

const struct tui_view_class view_pools_class = {
	.name = "Pools",
	.bindings = pools_bindings,
	.create = pools_create,
	.destroy = pools_destroy,
	.update = pools_update,
	.draw = pools_draw,
	.table = pools_table,
	.click = pools_click,
};
