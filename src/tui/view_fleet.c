/*
 * view_fleet: one row per database. See include/view_fleet.h.
 *
 *   DATABASE  STATE         CONNS USE  DB WAIT TOP POOLS       BOUNCER MIGR TENANT TMIGR ALERT
 *   east/f01  live         42/297 14%  12    0 users 12, ord…     40%    0    120     3     0
 *   west/f01  unreachable  12/297  4%   ?    ? connection re…       -    ?      ?     ?     ?
 *   20 databases: 10 live, 10 unreachable │ 412 connections │ 1 alert │ 1 PgBouncer saturated
 *   tenants 1,204 │ pending: 3 service, 40 tenant │ read 12s ago, next in 18s (R: now)
 *
 * At 80 columns USE and DB go first; TOP POOLS takes what is left (pools
 * are named without pgdbm's "_pool" suffix there).
 *
 * A row is rebuilt from its database's monitor snapshot, PgBouncer
 * snapshot and inventory whenever any of them changed (the update callback
 * names the database), so a refresh of one database costs one row. Rows
 * copy what they show (the snapshots change under them). The cursor and
 * the session's selected database follow each other: moving the cursor
 * selects the database (the header, and the other views, follow), and Tab
 * moves the cursor.
 *
 * A database without data shows its state and "?"; a stale one keeps its
 * last numbers, dimmed. Numbers that do not apply are "-" (no PgBouncer,
 * no modules, no tenants).
 */
#include "config.h"

#include "view_fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncer.h"
#include "database.h"
#include "inventory.h"
#include "loop.h"
#include "monitor.h"
#include "pool.h"
#include "profile.h"
#include "session.h"
#include "tui_draw.h"
#include "units.h"
#include "widget_table.h"
#include "xalloc.h"

#define TOP_POOLS 3

enum {
	COL_DB,
	COL_STATE,
	COL_CONNS,
	COL_USE,
	COL_HERE,
	COL_WAIT,
	COL_TOP,
	COL_BOUNCER,
	COL_MIGR,
	COL_TENANTS,
	COL_TMIGR,
	COL_ALERTS,
	N_COLS
};

static const struct widget_table_column columns[N_COLS] = {
	[COL_DB] = { "DATABASE", 0, 8, 20, false, false },
	[COL_STATE] = { "STATE", 0, 11, 11, false, false },
	[COL_CONNS] = { "CONNS", 0, 7, 11, true, false },
	[COL_USE] = { "USE", 4, 4, 4, true, false },
	[COL_HERE] = { "DB", 5, 4, 5, true, false },
	[COL_WAIT] = { "WAIT", 1, 4, 5, true, false },
	[COL_TOP] = { "TOP POOLS", 3, 10, 48, false, true },
	[COL_BOUNCER] = { "BOUNCER", 1, 7, 8, true, false },
	[COL_MIGR] = { "MIGR", 2, 4, 5, true, false },
	[COL_TENANTS] = { "TENANT", 2, 6, 7, true, false },
	[COL_TMIGR] = { "TMIGR", 2, 5, 6, true, false },
	[COL_ALERTS] = { "ALERT", 1, 5, 5, true, false },
};

enum bouncer_mark {
	PGB_NONE,      /* the profile names no pgbouncer */
	PGB_WAITING,   /* no answer yet */
	PGB_DOWN,      /* unreachable, or stale */
	PGB_LIVE,      /* read, not saturated */
	PGB_SATURATED, /* a pool has clients waiting or a rising maxwait */
};

struct fleet_row {
	size_t db;
	const char *label; /* the session's */
	struct session_db_status st;
	bool has_data, stale;
	bool unreachable; /* its pool cannot connect (not merely a failing query) */
	int conns, usable, db_conns, waiting; /* -1: unknown */
	bool near_max;			      /* at or above the profile's warn_at */
	char top[160];
	int alerts; /* server alerts + PgBouncer alarms; -1: unknown */
	enum bouncer_mark pgb;
	int pgb_waiting;	    /* cl_waiting over every pool */
	double pgb_util;	    /* the largest sv_active / pool_size, -1 unknown */
	struct inventory_facts inv; /* copied, without its error text */
};

struct view_fleet {
	struct tui *t;
	struct widget_table *table;
	struct fleet_row *rows;
	size_t n;
	size_t selected; /* the session's selection the cursor was last put on */
	int y0;		 /* last drawn table row, for clicks */
};

/* ------------------------------------------------------------------------
 * Rows
 * ------------------------------------------------------------------------ */

static const char *
state_word(const struct fleet_row *r)
{
	switch (r->st.state) {
	case SESSION_DB_LIVE:
		return r->st.paused ? "paused" : "live";
	case SESSION_DB_CONNECTING:
		return "connecting";
	case SESSION_DB_RETRYING:
		return r->st.auth_failed ? "auth failed" : "unreachable";
	case SESSION_DB_STALE:
		return r->st.auth_failed ? "auth failed" : r->unreachable ? "unreachable" : "stale";
	case SESSION_DB_ERROR:
		return "error";
	}
	return "?";
}

static void
build_top(struct fleet_row *r, const struct mon_snapshot *snap)
{
	size_t i, shown = 0, len = 0;

	r->top[0] = '\0';
	for (i = 0; i < snap->n_pools && shown < TOP_POOLS; i++) {
		const struct mon_pool *p = &snap->pools[i];
		const char *name;
		size_t nlen;
		int n;

		if (p->total == 0)
			continue;
		name = p->appname[0] != '\0' ? p->appname : "(no name)";
		nlen = strlen(name);
		/* pgdbm names its pools <schema>_pool: the schema says it */
		if (nlen > 5 && strcmp(name + nlen - 5, "_pool") == 0)
			nlen -= 5;
		n = snprintf(r->top + len, sizeof r->top - len, "%s%.*s %d", shown > 0 ? ", " : "",
			     (int)nlen, name, p->total);
		if (n < 0 || (size_t)n >= sizeof r->top - len)
			break;
		len += (size_t)n;
		shown++;
	}
	if (shown == 0)
		snprintf(r->top, sizeof r->top, "-");
}

static void
build_bouncer(struct fleet_row *r, struct bouncer *b)
{
	const struct bouncer_snapshot *s;
	size_t i;

	r->pgb_waiting = 0;
	r->pgb_util = -1;
	if (b == NULL) {
		r->pgb = PGB_NONE;
		return;
	}
	s = bouncer_snapshot(b);
	if (bouncer_status(b) == BOUNCER_STALE ||
	    (bouncer_status(b) == BOUNCER_WAITING && bouncer_error(b)[0] != '\0')) {
		r->pgb = PGB_DOWN;
		return;
	}
	if (s == NULL) {
		r->pgb = PGB_WAITING;
		return;
	}
	r->pgb = PGB_LIVE;
	for (i = 0; i < s->n_pools; i++) {
		const struct bouncer_pool *p = &s->pools[i];

		if (p->cl_waiting > 0)
			r->pgb_waiting += p->cl_waiting;
		if (p->utilisation > r->pgb_util)
			r->pgb_util = p->utilisation;
		if (p->saturated)
			r->pgb = PGB_SATURATED;
	}
}

static void
build_row(struct view_fleet *v, struct fleet_row *r)
{
	struct session *s = tui_session(v->t);
	const struct mon_snapshot *snap = monitor_snapshot(session_monitor(s, r->db));
	const struct profile_database *pdb = &session_profile(s)->databases[r->db];
	struct bouncer *b = session_bouncer(s, r->db);
	size_t i;

	r->label = session_label(s, r->db);
	session_db_status(s, r->db, &r->st);
	r->has_data = snap != NULL;
	r->stale = r->st.state == SESSION_DB_STALE;
	r->unreachable = pool_health(session_database(s, r->db)->pool) != POOL_UP ||
			 r->st.retry_in_ms > 0;
	build_bouncer(r, b);
	if (snap != NULL) {
		r->conns = snap->connections;
		r->usable = snap->usable;
		r->db_conns = snap->db_connections;
		r->near_max = snap->usable > 0 && (int64_t)snap->connections * 1000 >=
							  (int64_t)pdb->warn_at * snap->usable;
		r->waiting = 0;
		for (i = 0; i < snap->n_pools; i++)
			r->waiting += snap->pools[i].waiting;
		r->alerts = (int)snap->n_alerts;
		build_top(r, snap);
	} else {
		r->conns = r->usable = r->db_conns = r->waiting = r->alerts = -1;
		r->near_max = false;
		snprintf(r->top, sizeof r->top, "%s",
			 r->st.state == SESSION_DB_CONNECTING ? "" : r->st.error);
	}
	if (r->pgb == PGB_LIVE || r->pgb == PGB_SATURATED) {
		const struct bouncer_snapshot *bs = bouncer_snapshot(b);

		r->waiting = (r->waiting > 0 ? r->waiting : 0) + r->pgb_waiting;
		r->alerts = (r->alerts > 0 ? r->alerts : 0) + (int)bs->n_alarms;
	}
	r->inv = *inventory_facts(session_inventory(s, r->db));
	r->inv.error = NULL; /* not ours: the inventory's */
}

static size_t
rows_count(void *arg)
{
	return ((struct view_fleet *)arg)->n;
}

static const char *
num_or(int v, const char *unknown, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "%s", unknown);
	else
		snprintf(buf, size, "%d", v);
	return buf;
}

static const char *
rows_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct fleet_row *r = &((struct view_fleet *)arg)->rows[row];

	switch (col) {
	case COL_DB:
		return r->label;
	case COL_STATE:
		return state_word(r);
	case COL_CONNS:
		if (!r->has_data)
			return "?";
		snprintf(buf, size, "%d/%d", r->conns, r->usable);
		return buf;
	case COL_USE:
		if (!r->has_data || r->usable <= 0)
			return "?";
		snprintf(buf, size, "%d%%", r->conns * 100 / r->usable);
		return buf;
	case COL_HERE:
		return num_or(r->db_conns, "?", buf, size);
	case COL_WAIT:
		return num_or(r->waiting, "?", buf, size);
	case COL_TOP:
		return r->top;
	case COL_BOUNCER:
		switch (r->pgb) {
		case PGB_NONE:
			return "-";
		case PGB_WAITING:
			return "?";
		case PGB_DOWN:
			return "down";
		case PGB_LIVE:
		case PGB_SATURATED:
			/* saturated says so (its waiting clients are in WAIT) */
			if (r->pgb == PGB_SATURATED)
				return "SAT";
			if (r->pgb_util < 0)
				return "ok";
			snprintf(buf, size, "%.0f%%", r->pgb_util * 100);
			return buf;
		}
		return "?";
	case COL_MIGR:
		if (!r->inv.has_modules)
			return "-";
		num_or(r->inv.service_pending, "?", buf, size);
		if (r->inv.service_drift > 0 && strlen(buf) + 2 <= size)
			strcat(buf, "!");
		return buf;
	case COL_TENANTS:
		if (!r->inv.has_tenants)
			return "-";
		return num_or(r->inv.tenants, "?", buf, size);
	case COL_TMIGR:
		if (!r->inv.has_tenants)
			return "-";
		num_or(r->inv.tenant_pending, "?", buf, size);
		if (r->inv.tenant_drift > 0 && strlen(buf) + 2 <= size)
			strcat(buf, "!");
		return buf;
	case COL_ALERTS:
		return num_or(r->alerts, "?", buf, size);
	}
	buf[0] = '\0';
	return buf;
}

static int
rows_compare(void *arg, size_t a, size_t b, int col)
{
	const struct fleet_row *x = &((struct view_fleet *)arg)->rows[a];
	const struct fleet_row *y = &((struct view_fleet *)arg)->rows[b];

	switch (col) {
	case COL_DB:
		return strcmp(x->label, y->label);
	case COL_STATE:
		return widget_table_cmp((int)x->st.state, (int)y->st.state);
	case COL_CONNS:
		return widget_table_cmp(x->conns, y->conns);
	case COL_USE:
		return widget_table_cmp(x->usable > 0 ? x->conns * 1000 / x->usable : -1,
					y->usable > 0 ? y->conns * 1000 / y->usable : -1);
	case COL_HERE:
		return widget_table_cmp(x->db_conns, y->db_conns);
	case COL_WAIT:
		return widget_table_cmp(x->waiting, y->waiting);
	case COL_TOP:
		return strcmp(x->top, y->top);
	case COL_BOUNCER:
		if (x->pgb != y->pgb)
			return widget_table_cmp((int)x->pgb, (int)y->pgb);
		return x->pgb_util < y->pgb_util ? -1 : x->pgb_util > y->pgb_util;
	case COL_MIGR:
		return widget_table_cmp(x->inv.service_pending, y->inv.service_pending);
	case COL_TENANTS:
		return widget_table_cmp(x->inv.tenants, y->inv.tenants);
	case COL_TMIGR:
		return widget_table_cmp(x->inv.tenant_pending, y->inv.tenant_pending);
	case COL_ALERTS:
		return widget_table_cmp(x->alerts, y->alerts);
	}
	return 0;
}

static int64_t
rows_id(void *arg, size_t row)
{
	return (int64_t)((struct view_fleet *)arg)->rows[row].db;
}

static enum tui_style
rows_style(void *arg, size_t row)
{
	const struct fleet_row *r = &((struct view_fleet *)arg)->rows[row];

	switch (r->st.state) {
	case SESSION_DB_RETRYING:
	case SESSION_DB_ERROR:
		return TUI_S_CRIT;
	case SESSION_DB_STALE:
		return TUI_S_STALE;
	case SESSION_DB_CONNECTING:
		return TUI_S_DIM;
	case SESSION_DB_LIVE:
		break;
	}
	if (r->pgb == PGB_SATURATED || r->pgb == PGB_DOWN)
		return TUI_S_CRIT;
	if (r->alerts > 0 || r->near_max || r->inv.service_drift > 0 || r->inv.tenant_drift > 0)
		return TUI_S_WARN;
	return TUI_S_NORMAL;
}

static const struct widget_table_source rows_source = {
	rows_count, rows_cell, rows_compare, rows_id, rows_style, NULL,
};

/* ------------------------------------------------------------------------
 * Class
 * ------------------------------------------------------------------------ */

static void
follow_selection(struct view_fleet *v)
{
	size_t sel = session_selected(tui_session(v->t));

	if (sel != v->selected) {
		v->selected = sel;
		widget_table_select_id(v->table, (int64_t)sel);
	}
}

static void *
fleet_create(struct tui *t)
{
	struct view_fleet *v = xcalloc(1, sizeof *v);
	size_t i;

	v->t = t;
	v->n = session_n_databases(tui_session(t));
	v->rows = xcalloc(v->n + 1, sizeof *v->rows);
	for (i = 0; i < v->n; i++) {
		v->rows[i].db = i;
		build_row(v, &v->rows[i]);
	}
	v->table = widget_table_new(columns, N_COLS, &rows_source, v);
	widget_table_rebuild(v->table);
	v->selected = (size_t)-1;
	follow_selection(v);
	return v;
}

static void
fleet_destroy(void *view)
{
	struct view_fleet *v = view;

	widget_table_free(&v->table);
	free(v->rows);
	free(v);
}

static void
fleet_update(void *view, size_t db)
{
	struct view_fleet *v = view;
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (db == SIZE_MAX || db == i)
			build_row(v, &v->rows[i]);
	}
	widget_table_rebuild(v->table);
	follow_selection(v);
}

static struct widget_table *
fleet_table(void *view)
{
	return ((struct view_fleet *)view)->table;
}

/* The cursor moved: the database under it is the selected one. */
static void
fleet_cursor(void *view)
{
	struct view_fleet *v = view;
	size_t row;

	if (widget_table_selected(v->table, &row)) {
		session_select(tui_session(v->t), v->rows[row].db);
		v->selected = v->rows[row].db;
	}
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

/* "1,204" */
static const char *
thousands(long long v, char *buf, size_t size)
{
	char raw[32];
	size_t n, i, o = 0;

	snprintf(raw, sizeof raw, "%lld", v < 0 ? -v : v);
	n = strlen(raw);
	if (v < 0 && o + 1 < size)
		buf[o++] = '-';
	for (i = 0; i < n && o + 2 < size; i++) {
		buf[o++] = raw[i];
		if ((n - i - 1) % 3 == 0 && i + 1 < n)
			buf[o++] = ',';
	}
	buf[o] = '\0';
	return buf;
}

static void
draw_summary(struct view_fleet *v, int y, int x, int w, int lines)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct session *s = tui_session(v->t);
	size_t i, live = 0, down = 0, auth = 0, other = 0, saturated = 0;
	long long conns = 0, alerts = 0, tenants = 0, svc = 0, tmig = 0;
	bool any_tenants = false, any_modules = false, inv_known = false, busy = false;
	int64_t oldest = -1, next = -1;
	char text[512], a[32], b[32], c[32], age[32], nxt[32];
	enum tui_style style = TUI_S_DIM;

	for (i = 0; i < v->n; i++) {
		const struct fleet_row *r = &v->rows[i];
		struct inventory *inv = session_inventory(s, r->db);
		int64_t in = inventory_next_in_ms(inv);

		if (r->st.state == SESSION_DB_LIVE)
			live++;
		else if (strcmp(state_word(r), "unreachable") == 0)
			down++;
		else if (r->st.auth_failed)
			auth++;
		else
			other++;
		if (r->pgb == PGB_SATURATED)
			saturated++;
		if (r->db_conns > 0)
			conns += r->db_conns;
		if (r->alerts > 0)
			alerts += r->alerts;
		if (r->inv.has_tenants) {
			any_tenants = true;
			if (r->inv.tenants > 0)
				tenants += r->inv.tenants;
			if (r->inv.tenant_pending > 0)
				tmig += r->inv.tenant_pending;
		}
		if (r->inv.has_modules) {
			any_modules = true;
			if (r->inv.service_pending > 0)
				svc += r->inv.service_pending;
		}
		if (r->inv.known) {
			int64_t at = r->inv.taken_ms;

			inv_known = true;
			if (oldest < 0 || at < oldest)
				oldest = at;
		}
		busy = busy || inventory_busy(inv);
		if (in >= 0 && (next < 0 || in < next))
			next = in;
	}
	if (down > 0 || auth > 0 || saturated > 0)
		style = TUI_S_CRIT;
	else if (alerts > 0)
		style = TUI_S_WARN;
	snprintf(text, sizeof text, "%zu database%s: %zu live", v->n, v->n == 1 ? "" : "s", live);
	if (down > 0)
		snprintf(text + strlen(text), sizeof text - strlen(text), ", %zu unreachable",
			 down);
	if (auth > 0)
		snprintf(text + strlen(text), sizeof text - strlen(text), ", %zu auth failed",
			 auth);
	if (other > 0)
		snprintf(text + strlen(text), sizeof text - strlen(text), ", %zu other", other);
	snprintf(text + strlen(text), sizeof text - strlen(text), " %s %s conns %s %lld alert%s",
		 d->vline, thousands(conns, a, sizeof a), d->vline, alerts, alerts == 1 ? "" : "s");
	if (saturated > 0)
		snprintf(text + strlen(text), sizeof text - strlen(text),
			 " %s %zu PgBouncer saturated", d->vline, saturated);
	tui_draw_text(d, y, x, w, style, TUI_LEFT, true, text);
	if (lines < 2)
		return;
	if (!any_tenants && !any_modules) {
		tui_draw_text(
			d, y + 1, x, w, TUI_S_DIM, TUI_LEFT, true,
			"no modules or tenants in the profile: MIGR, TENANT and TMIGR do not apply");
		return;
	}
	units_format_duration(oldest >= 0 ? loop_now(session_loop(s)) - oldest : 0, age,
			      sizeof age);
	units_format_duration(next >= 0 ? next : 0, nxt, sizeof nxt);
	snprintf(text, sizeof text, "tenants %s %s pending: %s service, %s tenant %s ",
		 any_tenants ? thousands(tenants, b, sizeof b) : "-", d->vline,
		 any_modules ? thousands(svc, c, sizeof c) : "-",
		 any_tenants ? thousands(tmig, a, sizeof a) : "-", d->vline);
	if (busy && !inv_known)
		snprintf(text + strlen(text), sizeof text - strlen(text), "reading...");
	else if (busy)
		snprintf(text + strlen(text), sizeof text - strlen(text),
			 "read %s ago, reading again", age);
	else if (inv_known && next >= 0)
		snprintf(text + strlen(text), sizeof text - strlen(text),
			 "read %s ago, next in %s (R: now)", age, nxt);
	else if (inv_known)
		snprintf(text + strlen(text), sizeof text - strlen(text), "read %s ago (R: again)",
			 age);
	else
		snprintf(text + strlen(text), sizeof text - strlen(text), "not read yet (R: now)");
	tui_draw_text(d, y + 1, x, w, TUI_S_DIM, TUI_LEFT, true, text);
}

static void
fleet_draw(void *view, int y, int x, int h, int w)
{
	struct view_fleet *v = view;
	const struct tui_draw *d = tui_canvas(v->t);
	int summary = h >= 6 ? 2 : h >= 4 ? 1 : 0;
	int table_h = h - summary - (summary > 0 ? 1 : 0);

	v->y0 = y;
	if (table_h < 2)
		table_h = h;
	widget_table_draw(v->table, d, y, x, table_h, w, true);
	if (summary > 0 && table_h < h) {
		tui_draw_fill(d, y + table_h, x, w, TUI_S_NORMAL);
		draw_summary(v, y + h - summary, x, w, summary);
	}
}

static unsigned
fleet_click(void *view, int y, int x)
{
	struct view_fleet *v = view;
	size_t row;

	(void)x;
	if (y >= 0)
		return TUI_R_NONE;
	/* Enter: the database under the cursor in the Pools view */
	if (!widget_table_selected(v->table, &row))
		return TUI_R_NONE;
	session_select(tui_session(v->t), v->rows[row].db);
	tui_switch_view(v->t, TUI_VIEW_POOLS);
	return TUI_R_REBUILD | TUI_R_REDRAW;
}

static unsigned
act_open(struct tui *t, void *view, int key)
{
	(void)t;
	(void)key;
	return fleet_click(view, -1, -1);
}

static unsigned
act_activity(struct tui *t, void *view, int key)
{
	struct view_fleet *v = view;
	size_t row;

	(void)key;
	if (!widget_table_selected(v->table, &row))
		return TUI_R_NONE;
	session_select(tui_session(t), v->rows[row].db);
	tui_switch_view(t, TUI_VIEW_ACTIVITY);
	return TUI_R_REBUILD | TUI_R_REDRAW;
}

static unsigned
act_inventory(struct tui *t, void *view, int key)
{
	(void)view;
	(void)key;
	session_inventory_refresh(tui_session(t));
	tui_status(t, "reading tenants and migrations of every database again");
	return TUI_R_REBUILD | TUI_R_REDRAW;
}

/* Shown: the inventories are read from now on (not before: they cost the server). */
static void
fleet_enter(void *view)
{
	struct view_fleet *v = view;

	session_want_inventory(tui_session(v->t));
}

static const struct tui_binding fleet_bindings[] = {
	{ { '\n', '\r', TUI_KEYCODE(KEY_ENTER), 0 },
	  "Enter",
	  "Open",
	  "open the database under the cursor in the Pools view",
	  act_open },
	{ { 'a', 0 },
	  "a",
	  NULL,
	  "open the database under the cursor in the Activity view",
	  act_activity },
	{ { 'R', 0 },
	  "R",
	  "Reread",
	  "read tenant counts and pending migrations of every database again now",
	  act_inventory },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

const struct tui_view_class view_fleet_class = {
	.name = "Fleet",
	.bindings = fleet_bindings,
	.create = fleet_create,
	.destroy = fleet_destroy,
	.update = fleet_update,
	.draw = fleet_draw,
	.table = fleet_table,
	.click = fleet_click,
	.cursor = fleet_cursor,
	.enter = fleet_enter,
};
