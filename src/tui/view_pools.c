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
 * When the profile names a `pgbouncer` for the database, its PgBouncer
 * block follows, from the session's bouncer sampler:
 *
 *   pgbouncer ● live │ host=127.0.0.1 port=6432 … │ round trip 1ms   1 alarm
 *   PGBOUNCER POOL     MODE    CL_ACT CL_WAIT SV_ACT SV_IDLE SV_USED MAXWAIT SIZE USE
 *   postgres/postgres  session      2       3      2       0       0      2s    2 [██] 100%
 *   ▲ pool postgres/postgres saturated: 3 clients waiting, the oldest for 2s …
 *   stats postgres: 12.0 xact/s │ 30.0 query/s │ query 2ms │ clients waiting 1.5s/s
 *
 * utilisation = sv_active / pool_size (SHOW DATABASES); a saturated pool
 * (cl_waiting > 0 or a rising maxwait) is highlighted and its alarm is
 * listed (the sampler logs it when it starts and when it clears).
 *
 * Rows are rebuilt from the snapshot after every refresh of the database
 * (they borrow the snapshot's strings, valid until the next refresh).
 */
#include "config.h"

#include "view_pools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncer.h"
#include "conninfo.h"
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
	/* PgBouncer (NULL table when the profile names none) */
	struct widget_table *pgb_table;
	const struct bouncer_pool **pgb_rows; /* into the bouncer's snapshot */
	size_t n_pgb_rows;
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
rows_compare(void *arg, size_t a, size_t b, int col)
{
	const struct pool_row *x = &((struct block *)arg)->rows[a];
	const struct pool_row *y = &((struct block *)arg)->rows[b];

	switch (col) {
	case COL_POOL:
		return strcmp(x->name, y->name);
	case COL_TOTAL:
	case COL_HISTORY:
		return widget_table_cmp(x->total, y->total);
	case COL_ACTIVE:
		return widget_table_cmp(x->active, y->active);
	case COL_IDLE:
		return widget_table_cmp(x->idle, y->idle);
	case COL_IDLETX:
		return widget_table_cmp(x->idle_in_tx, y->idle_in_tx);
	case COL_WAIT:
		return widget_table_cmp(x->waiting, y->waiting);
	case COL_MAX:
		return widget_table_cmp(x->declared_max, y->declared_max);
	case COL_USE:
		return widget_table_cmp(
			x->declared_max > 0 ? x->total * 1000 / x->declared_max : -1,
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

/* ------------------------------------------------------------------------
 * PgBouncer rows
 * ------------------------------------------------------------------------ */

enum {
	PGB_POOL,
	PGB_MODE,
	PGB_CL_ACTIVE,
	PGB_CL_WAITING,
	PGB_SV_ACTIVE,
	PGB_SV_IDLE,
	PGB_SV_USED,
	PGB_MAXWAIT,
	PGB_SIZE,
	PGB_USE,
	N_PGB_COLS
};

static const struct widget_table_column pgb_columns[N_PGB_COLS] = {
	[PGB_POOL] = { "PGBOUNCER POOL", 0, 14, 32, false, false },
	[PGB_MODE] = { "MODE", 4, 7, 11, false, false },
	[PGB_CL_ACTIVE] = { "CL_ACT", 0, 6, 6, true, false },
	[PGB_CL_WAITING] = { "CL_WAIT", 0, 7, 7, true, false },
	[PGB_SV_ACTIVE] = { "SV_ACT", 0, 6, 6, true, false },
	[PGB_SV_IDLE] = { "SV_IDLE", 1, 7, 7, true, false },
	[PGB_SV_USED] = { "SV_USED", 3, 7, 7, true, false },
	[PGB_MAXWAIT] = { "MAXWAIT", 1, 7, 8, true, false },
	[PGB_SIZE] = { "SIZE", 2, 4, 4, true, false },
	[PGB_USE] = { "USE", 2, 9, 16, false, false },
};

static size_t
pgb_count(void *arg)
{
	return ((struct block *)arg)->n_pgb_rows;
}

static const char *
pgb_num(int v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%d", v);
	return buf;
}

static const char *
pgb_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct bouncer_pool *p = ((struct block *)arg)->pgb_rows[row];

	switch (col) {
	case PGB_POOL:
		snprintf(buf, size, "%s/%s", p->database, p->user);
		return buf;
	case PGB_MODE:
		return p->pool_mode[0] != '\0' ? p->pool_mode : "?";
	case PGB_CL_ACTIVE:
		return pgb_num(p->cl_active, buf, size);
	case PGB_CL_WAITING:
		return pgb_num(p->cl_waiting, buf, size);
	case PGB_SV_ACTIVE:
		return pgb_num(p->sv_active, buf, size);
	case PGB_SV_IDLE:
		return pgb_num(p->sv_idle, buf, size);
	case PGB_SV_USED:
		return pgb_num(p->sv_used, buf, size);
	case PGB_MAXWAIT:
		if (p->maxwait_us < 0)
			return "?";
		if (p->maxwait_us == 0)
			return "0";
		if (p->maxwait_us < 1000000)
			snprintf(buf, size, "%lldms", (long long)(p->maxwait_us / 1000));
		else
			units_format_duration(p->maxwait_us / 1000, buf, size);
		return buf;
	case PGB_SIZE:
		return pgb_num(p->pool_size, buf, size);
	case PGB_USE:
		if (p->utilisation < 0)
			return "-";
		snprintf(buf, size, "%.0f%%", p->utilisation * 100);
		return buf;
	}
	buf[0] = '\0';
	return buf;
}

static int
pgb_compare(void *arg, size_t a, size_t b, int col)
{
	const struct bouncer_pool *x = ((struct block *)arg)->pgb_rows[a];
	const struct bouncer_pool *y = ((struct block *)arg)->pgb_rows[b];

	switch (col) {
	case PGB_CL_WAITING:
		return widget_table_cmp(x->cl_waiting, y->cl_waiting);
	case PGB_USE:
		return x->utilisation < y->utilisation ? -1 : x->utilisation > y->utilisation;
	default:
		return 0;
	}
}

static int64_t
pgb_id(void *arg, size_t row)
{
	const struct bouncer_pool *p = ((struct block *)arg)->pgb_rows[row];
	uint64_t h = 1469598103934665603ULL;
	const char *s;

	for (s = p->database; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ '/') * 1099511628211ULL;
	for (s = p->user; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (int64_t)h;
}

static enum tui_style
pgb_style(void *arg, size_t row)
{
	const struct block *b = arg;
	const struct bouncer_pool *p = b->pgb_rows[row];

	if (bouncer_status(session_bouncer(tui_session(b->v->t), b->db)) == BOUNCER_STALE)
		return TUI_S_DIM;
	if (p->saturated)
		return TUI_S_CRIT;
	return TUI_S_NORMAL;
}

static bool
pgb_draw_cell(void *arg, size_t row, int col, const struct tui_draw *d, int y, int x, int width,
	      enum tui_style style)
{
	const struct bouncer_pool *p = ((struct block *)arg)->pgb_rows[row];
	static const enum tui_seg segs[] = { TUI_SEG_ACTIVE, TUI_SEG_IDLE };
	int values[2];
	char pct[16];
	int pw;

	if (col != PGB_USE || p->pool_size <= 0 || p->sv_active < 0 || width < 7)
		return false;
	values[0] = p->sv_active;
	values[1] = (p->sv_idle > 0 ? p->sv_idle : 0) + (p->sv_used > 0 ? p->sv_used : 0);
	snprintf(pct, sizeof pct, "%3.0f%%", p->utilisation * 100);
	pw = (int)strlen(pct);
	tui_draw_bar(d, y, x, width - pw - 1, values, segs, 2, p->pool_size);
	tui_draw_text(d, y, x + width - pw, pw, style, TUI_RIGHT, false, pct);
	return true;
}

static const struct widget_table_source pgb_source = {
	pgb_count, pgb_cell, pgb_compare, pgb_id, pgb_style, pgb_draw_cell,
};

static void
rebuild_pgb(struct view_pools *v, struct block *b)
{
	struct bouncer *bn = session_bouncer(tui_session(v->t), b->db);
	const struct bouncer_snapshot *s = bn != NULL ? bouncer_snapshot(bn) : NULL;
	size_t i;

	if (b->pgb_table == NULL)
		return;
	b->n_pgb_rows = 0;
	free(b->pgb_rows);
	b->pgb_rows = NULL;
	if (s != NULL) {
		b->pgb_rows = xcalloc(s->n_pools + 1, sizeof *b->pgb_rows);
		for (i = 0; i < s->n_pools; i++)
			b->pgb_rows[b->n_pgb_rows++] = &s->pools[i];
	}
	widget_table_rebuild(b->pgb_table);
}

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
	rebuild_pgb(v, b);
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
		if (session_bouncer(tui_session(t), i) != NULL)
			b->pgb_table = widget_table_new(pgb_columns, N_PGB_COLS, &pgb_source, b);
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
		widget_table_free(&v->blocks[i].pgb_table);
		free(v->blocks[i].rows);
		free(v->blocks[i].pgb_rows);
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
	int pgb_header, pgb_table, pgb_alarms, pgb_stats; /* the PgBouncer block */
};

static int
plan_height(const struct block_plan *p)
{
	return p->header + p->meter + p->table + p->alerts + p->hint + p->console + p->state +
	       p->jobs + p->pgb_header + p->pgb_table + p->pgb_alarms + p->pgb_stats;
}

/* The PgBouncer lines of a block with unlimited room. */
static void
plan_pgb(struct view_pools *v, const struct block *b, struct block_plan *p)
{
	struct bouncer *bn = session_bouncer(tui_session(v->t), b->db);
	const struct bouncer_snapshot *s;

	if (bn == NULL)
		return;
	s = bouncer_snapshot(bn);
	p->pgb_header = 1;
	if (s == NULL)
		return;
	p->pgb_table = 1 + (int)(b->n_pgb_rows > 0 ? widget_table_shown(b->pgb_table) : 1);
	p->pgb_alarms = (int)(s->n_alarms < MAX_ALERT_LINES ? s->n_alarms : MAX_ALERT_LINES);
	p->pgb_stats = s->n_dbs > 0 ? 1 : 0;
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
	plan_pgb(v, b, p);
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
		else if (p->pgb_table > 3)
			p->pgb_table--;
		else if (p->hint > 0)
			p->hint = 0;
		else if (p->pgb_stats > 0)
			p->pgb_stats = 0;
		else if (p->alerts > 1)
			p->alerts--;
		else if (p->pgb_alarms > 1)
			p->pgb_alarms--;
		else if (p->console > 0)
			p->console = 0;
		else if (p->jobs > 1)
			p->jobs = 1;
		else if (p->table > 2)
			p->table--;
		else if (p->pgb_table > 2)
			p->pgb_table--;
		else if (p->alerts > 0)
			p->alerts = 0;
		else if (p->jobs > 0)
			p->jobs = 0;
		else if (p->pgb_alarms > 0)
			p->pgb_alarms = 0;
		else if (p->pgb_table > 0)
			p->pgb_table = 0;
		else if (p->pgb_header > 0)
			p->pgb_header = 0;
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
	size_t n_alerts = 0;

	session_db_status(s, b->db, &st);
	tui_draw_fill(d, y, x, w, TUI_S_NORMAL);
	/* the block's alerts, and its PgBouncer's alarms */
	if (session_bouncer(s, b->db) != NULL &&
	    bouncer_snapshot(session_bouncer(s, b->db)) != NULL)
		n_alerts = bouncer_snapshot(session_bouncer(s, b->db))->n_alarms;
	if (snap != NULL)
		n_alerts += snap->n_alerts;
	if (n_alerts > 0) {
		snprintf(text, sizeof text, " %s %zu alert%s", d->warn_mark, n_alerts,
			 n_alerts == 1 ? "" : "s");
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

/* The busiest database's SHOW STATS rates (or PgBouncer's own averages at first). */
static void
draw_pgb_stats(const struct tui_draw *d, const struct bouncer_snapshot *s, int y, int x, int w)
{
	const struct bouncer_db *best = NULL;
	char text[512], qt[32], wait[32];
	size_t i;

	for (i = 0; i < s->n_dbs; i++) {
		const struct bouncer_db *db = &s->dbs[i];

		if (!db->has_stats)
			continue;
		if (best == NULL || db->stats.total_xact_count > best->stats.total_xact_count)
			best = db;
	}
	if (best == NULL) {
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, true, "  stats: none yet");
		return;
	}
	if (best->rates.known) {
		units_format_duration((int64_t)(best->rates.query_time_us / 1000), qt, sizeof qt);
		units_format_duration((int64_t)(best->rates.wait_us_per_s / 1000), wait,
				      sizeof wait);
		snprintf(text, sizeof text,
			 "  stats %s: %.1f xact/s %s %.1f query/s %s query %s %s clients waiting "
			 "%s/s",
			 best->name, best->rates.xact_per_s, d->vline, best->rates.query_per_s,
			 d->vline, qt, d->vline, wait);
	} else {
		units_format_duration(best->stats.avg_query_time_us / 1000, qt, sizeof qt);
		snprintf(
			text, sizeof text,
			"  stats %s: %lld xact/s %s %lld query/s %s query %s (PgBouncer's averages)",
			best->name, (long long)best->stats.avg_xact_count, d->vline,
			(long long)best->stats.avg_query_count, d->vline, qt);
	}
	tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, true, text);
}

static void
draw_pgb_header(struct view_pools *v, struct block *b, int y, int x, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct bouncer *bn = session_bouncer(tui_session(v->t), b->db);
	const struct bouncer_snapshot *s = bouncer_snapshot(bn);
	enum bouncer_status st = bouncer_status(bn);
	char text[512], age[32], rt[32], right[64];
	char *ci = conninfo_redact(bouncer_conninfo(bn));
	int right_w = 0, cx = x;
	enum tui_style style;

	tui_draw_fill(d, y, x, w, TUI_S_NORMAL);
	if (s != NULL && s->n_alarms > 0) {
		snprintf(right, sizeof right, " %s %zu alarm%s", d->warn_mark, s->n_alarms,
			 s->n_alarms == 1 ? "" : "s");
		right_w = tui_draw_width(d, right);
		if (right_w < w / 3)
			tui_draw_text(d, y, x + w - right_w, right_w, TUI_S_CRIT, TUI_LEFT, false,
				      right);
		else
			right_w = 0;
	}
	cx += tui_draw_text(d, y, cx, w - right_w, TUI_S_TITLE, TUI_LEFT, false, "  pgbouncer ");
	units_format_duration(bouncer_age_ms(bn), age, sizeof age);
	if (st == BOUNCER_LIVE) {
		snprintf(text, sizeof text, "%s live", d->dot_ok);
		style = TUI_S_OK;
	} else if (st == BOUNCER_STALE) {
		snprintf(text, sizeof text, "%s stale %s: %.*s", d->warn_mark, age,
			 (int)strcspn(bouncer_error(bn), "\n"), bouncer_error(bn));
		style = TUI_S_STALE;
	} else if (bouncer_error(bn)[0] != '\0') {
		snprintf(text, sizeof text, "%s unreachable: %.*s", d->dot_down,
			 (int)strcspn(bouncer_error(bn), "\n"), bouncer_error(bn));
		style = TUI_S_CRIT;
	} else {
		snprintf(text, sizeof text, "%s connecting", d->dot_down);
		style = TUI_S_WARN;
	}
	cx += tui_draw_text(d, y, cx, x + w - right_w - cx, style, TUI_LEFT, false, text);
	if (cx < x + w - right_w - 4) {
		if (s != NULL)
			snprintf(text, sizeof text, " %s %s %s round trip %s", d->vline, ci,
				 d->vline,
				 units_format_duration(s->round_trip_us / 1000, rt, sizeof rt));
		else
			snprintf(text, sizeof text, " %s %s", d->vline, ci);
		tui_draw_text(d, y, cx, x + w - right_w - cx, TUI_S_DIM, TUI_LEFT, false, text);
	}
	free(ci);
}

static void
draw_pgb(struct view_pools *v, struct block *b, const struct block_plan *p, int y, int x, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct bouncer *bn = session_bouncer(tui_session(v->t), b->db);
	const struct bouncer_snapshot *s = bn != NULL ? bouncer_snapshot(bn) : NULL;
	char text[512];
	int i;

	if (p->pgb_header) {
		draw_pgb_header(v, b, y, x, w);
		y++;
	}
	if (s == NULL)
		return;
	if (p->pgb_table > 0) {
		if (b->n_pgb_rows == 0 && p->pgb_table >= 2) {
			widget_table_draw(b->pgb_table, d, y, x, 1, w, false);
			tui_draw_text(d, y + 1, x, w, TUI_S_DIM, TUI_LEFT, true,
				      "  no pools in this PgBouncer yet");
		} else {
			widget_table_draw(b->pgb_table, d, y, x, p->pgb_table, w, false);
		}
		y += p->pgb_table;
	}
	for (i = 0; i < p->pgb_alarms; i++, y++) {
		const struct bouncer_alarm *a = &s->alarms[i];

		if (i == p->pgb_alarms - 1 && (size_t)p->pgb_alarms < s->n_alarms)
			snprintf(text, sizeof text, "  %s %s (and %zu more: L shows the log)",
				 d->warn_mark, a->text, s->n_alarms - (size_t)p->pgb_alarms);
		else
			snprintf(text, sizeof text, "  %s %s", d->warn_mark, a->text);
		tui_draw_text(d, y, x, w, TUI_S_CRIT, TUI_LEFT, true, text);
	}
	if (p->pgb_stats)
		draw_pgb_stats(d, s, y, x, w);
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
	if (snap == NULL) {
		draw_pgb(v, b, p, y, x, w);
		return;
	}
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
	if (p->console) {
		draw_console_pool(v, b, y, x, w);
		y++;
	}
	draw_pgb(v, b, p, y, x, w);
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
		int sel_h, before = 0;

		/* the others shrink to two lines; the selected one gets the rest,
		 * and at least half the view when there are many databases */
		for (i = 0; i < v->n; i++) {
			if (i == sel)
				continue;
			plan_fit(&plans[i], 2);
			others += plan_height(&plans[i]);
			if (i < sel)
				before += plan_height(&plans[i]);
		}
		sel_h = h - others;
		if (sel_h < h / 2)
			sel_h = h / 2;
		if (sel_h < 2)
			sel_h = 2;
		plan_fit(&plans[sel], sel_h);
		/* start the list so that the selected one shows whole; the
		 * blocks after it take what is left */
		while (first < sel && before + plan_height(&plans[sel]) > h) {
			before -= plan_height(&plans[first]);
			first++;
		}
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
