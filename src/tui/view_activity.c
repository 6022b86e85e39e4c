/*
 * view_activity: the sessions of the selected database.
 * See include/view_activity.h.
 *
 * Rows are the client backends of the snapshot: those of the selected
 * database (or of every database with `a`), without the console's own
 * unless `o` shows them. In list mode the table sorts them; in tree mode
 * (`t`) the rows are only the sessions taking part in lock waits, in
 * depth-first order from the sessions that block without being blocked,
 * each waiting session under its first blocker (pg_blocking_pids(), so
 * advisory locks count, and pgdbm migration locks carry their module).
 *
 * The detail pane (Enter) shows the session under the cursor: its query in
 * full, its times, whom it waits for and whom it blocks, and its locks,
 * fetched on demand with one async query (session_fetch_locks) whenever the
 * pane opens or the cursor lands on another backend.
 *
 * Cancel (c) and terminate (k) ask first, then go through the session's
 * core function; read-only profiles refuse them before asking.
 */
#include "config.h"

#include "view_activity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "profile.h"
#include "session.h"
#include "tui_draw.h"
#include "units.h"
#include "widget_table.h"
#include "xalloc.h"

enum {
	COL_PID,
	COL_DB,
	COL_APP,
	COL_USER,
	COL_CLIENT,
	COL_STATE,
	COL_WAIT,
	COL_TIME,
	COL_XACT,
	COL_QUERY,
	N_COLS
};

static const struct widget_table_column columns[N_COLS] = {
	[COL_PID] = { "PID", 0, 7, 7, true, false },
	[COL_DB] = { "DATABASE", 6, 8, 16, false, false },
	[COL_APP] = { "APP", 3, 10, 20, false, false },
	[COL_USER] = { "USER", 5, 6, 12, false, false },
	[COL_CLIENT] = { "CLIENT", 8, 9, 21, false, false },
	[COL_STATE] = { "STATE", 2, 7, 8, false, false },
	[COL_WAIT] = { "WAIT", 4, 8, 22, false, false },
	[COL_TIME] = { "TIME", 1, 6, 7, true, false },
	[COL_XACT] = { "XACT", 7, 6, 7, true, false },
	[COL_QUERY] = { "QUERY", 1, 16, 36, false, true },
};

struct act_row {
	const struct mon_session *s;
	int n_blocking;	  /* sessions this one blocks */
	char prefix[48];  /* tree glyphs (tree mode) */
	const char *lock; /* what it waits for or holds, decoded (tree mode), or NULL */
	char lock_buf[128];
};

struct view_activity {
	struct tui *t;
	struct widget_table *table;
	struct act_row *rows;
	size_t n_rows, cap_rows;
	size_t db; /* the database the rows come from */
	bool tree;
	bool all_dbs;
	bool detail;
	int detail_pid; /* the backend whose locks were asked for (0: none) */
};

/* ------------------------------------------------------------------------
 * Rows
 * ------------------------------------------------------------------------ */

static const char *
state_short(const struct mon_session *s)
{
	if (s->state[0] == '\0')
		return "?";
	if (strcmp(s->state, "idle in transaction") == 0)
		return "idle tx";
	if (strcmp(s->state, "idle in transaction (aborted)") == 0)
		return "idle tx!";
	if (strcmp(s->state, "fastpath function call") == 0)
		return "fastpath";
	return s->state;
}

/* The time shown: of the query while active, of the state otherwise. */
static int64_t
row_time(const struct mon_session *s)
{
	return strcmp(s->state, "active") == 0 ? s->query_ms : s->state_ms;
}

static size_t
rows_count(void *arg)
{
	return ((struct view_activity *)arg)->n_rows;
}

static const char *
rows_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct act_row *r = &((struct view_activity *)arg)->rows[row];
	const struct mon_session *s = r->s;

	switch (col) {
	case COL_PID:
		snprintf(buf, size, "%d", s->pid);
		return buf;
	case COL_DB:
		return s->datname;
	case COL_APP:
		return s->appname;
	case COL_USER:
		return s->usename;
	case COL_CLIENT:
		return s->client;
	case COL_STATE:
		return state_short(s);
	case COL_WAIT:
		/* an idle session "waits" for its client: that is not waiting */
		if (s->wait_type[0] == '\0' || strcmp(s->wait_type, "Client") == 0)
			return "";
		snprintf(buf, size, "%s:%s", s->wait_type, s->wait_event);
		return buf;
	case COL_TIME:
		if (row_time(s) < 0)
			return "";
		return units_format_duration(row_time(s), buf, size);
	case COL_XACT:
		if (s->xact_ms < 0)
			return "";
		return units_format_duration(s->xact_ms, buf, size);
	case COL_QUERY:
		if (r->prefix[0] != '\0' || r->lock != NULL) {
			snprintf(buf, size, "%s%s%s%s%s", r->prefix, r->lock ? "[" : "",
				 r->lock ? r->lock : "", r->lock ? "] " : "", s->query);
			return buf;
		}
		return s->query;
	}
	return "";
}

static int
rows_compare(void *arg, size_t a, size_t b, int col)
{
	const struct view_activity *v = arg;
	const struct mon_session *x = v->rows[a].s, *y = v->rows[b].s;

	switch (col) {
	case COL_PID:
		return widget_table_cmp(x->pid, y->pid);
	case COL_DB:
		return strcmp(x->datname, y->datname);
	case COL_APP:
		return strcmp(x->appname, y->appname);
	case COL_USER:
		return strcmp(x->usename, y->usename);
	case COL_CLIENT:
		return strcmp(x->client, y->client);
	case COL_STATE:
		return strcmp(x->state, y->state);
	case COL_WAIT: {
		int r = strcmp(x->wait_type, y->wait_type);

		return r != 0 ? r : strcmp(x->wait_event, y->wait_event);
	}
	case COL_TIME:
		return widget_table_cmp(row_time(x), row_time(y));
	case COL_XACT:
		return widget_table_cmp(x->xact_ms, y->xact_ms);
	case COL_QUERY:
		return strcmp(x->query, y->query);
	}
	return 0;
}

static int64_t
rows_id(void *arg, size_t row)
{
	return ((struct view_activity *)arg)->rows[row].s->pid;
}

static enum tui_style
rows_style(void *arg, size_t row)
{
	const struct view_activity *v = arg;
	const struct act_row *r = &v->rows[row];
	const struct profile_database *pdb = &session_profile(tui_session(v->t))->databases[v->db];

	if (monitor_status(session_monitor(tui_session(v->t), v->db)) == MON_STALE)
		return TUI_S_DIM;
	if (r->s->waiting)
		return TUI_S_CRIT;
	if (r->n_blocking > 0)
		return TUI_S_WARN;
	if (r->s->idle_in_tx && r->s->state_ms >= pdb->alerts.idle_in_transaction_ms)
		return TUI_S_WARN;
	if (r->s->own)
		return TUI_S_DIM;
	return TUI_S_NORMAL;
}

static const struct widget_table_source rows_source = {
	rows_count, rows_cell, rows_compare, rows_id, rows_style, NULL,
};

static bool
blocked_by(const struct mon_session *s, int pid)
{
	int i;

	for (i = 0; i < s->n_blocked_by; i++) {
		if (s->blocked_by[i] == pid)
			return true;
	}
	return false;
}

static bool
wanted(const struct view_activity *v, const struct mon_session *s)
{
	return (v->all_dbs || s->this_db) && (!s->own || tui_show_own(v->t));
}

static struct act_row *
add_row(struct view_activity *v, const struct mon_session *s)
{
	struct act_row *r;

	if (v->n_rows == v->cap_rows) {
		v->cap_rows = v->cap_rows ? v->cap_rows * 2 : 64;
		v->rows = xreallocarray(v->rows, v->cap_rows, sizeof *v->rows);
	}
	r = &v->rows[v->n_rows++];
	memset(r, 0, sizeof *r);
	r->s = s;
	return r;
}

/* What session s waits for or holds that matters in the tree, decoded. */
static const char *
lock_note(const struct mon_snapshot *snap, const struct mon_session *s, bool blocker, char *buf,
	  size_t size)
{
	size_t i;
	char label[128];

	for (i = 0; i < snap->n_advisory; i++) {
		const struct mon_advisory *a = &snap->advisory[i];

		if (a->pid != s->pid)
			continue;
		if (s->waiting && !a->granted) {
			snprintf(buf, size, "waits for %s",
				 mon_advisory_label(a, label, sizeof label));
			return buf;
		}
		if (blocker && a->granted) {
			size_t j;

			/* a held advisory lock matters when someone waits for the same key */
			for (j = 0; j < snap->n_advisory; j++) {
				const struct mon_advisory *b = &snap->advisory[j];

				if (!b->granted && b->key == a->key && b->key2 == a->key2 &&
				    b->bigint_key == a->bigint_key) {
					snprintf(buf, size, "holds %s",
						 mon_advisory_label(a, label, sizeof label));
					return buf;
				}
			}
		}
	}
	if (s->waiting) {
		snprintf(buf, size, "waits for a %s lock", s->wait_event);
		return buf;
	}
	return NULL;
}

/* Depth-first: s, then the sessions whose first visible blocker is s. */
static void
add_subtree(struct view_activity *v, const struct mon_snapshot *snap, const struct mon_session *s,
	    const char *indent, bool last, int depth, unsigned char *done)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct act_row *r;
	char child_indent[48];
	size_t i, n_children = 0, seen = 0;

	done[s - snap->sessions] = 1;
	r = add_row(v, s);
	if (depth > 0)
		snprintf(r->prefix, sizeof r->prefix, "%s%s", indent,
			 last ? d->tree_last : d->tree_mid);
	for (i = 0; i < snap->n_sessions; i++) {
		if (blocked_by(&snap->sessions[i], s->pid))
			r->n_blocking++;
	}
	r->lock = lock_note(snap, s, r->n_blocking > 0, r->lock_buf, sizeof r->lock_buf);
	if (depth >= 8)
		return;
	snprintf(child_indent, sizeof child_indent, "%s%s", indent,
		 depth == 0 ? ""
		 : last	    ? "   "
			    : d->tree_pipe);
	for (i = 0; i < snap->n_sessions; i++) {
		const struct mon_session *c = &snap->sessions[i];

		if (!done[i] && wanted(v, c) && c->n_blocked_by > 0 && blocked_by(c, s->pid))
			n_children++;
	}
	for (i = 0; i < snap->n_sessions; i++) {
		const struct mon_session *c = &snap->sessions[i];

		if (done[i] || !wanted(v, c) || c->n_blocked_by == 0 || !blocked_by(c, s->pid))
			continue;
		seen++;
		add_subtree(v, snap, c, child_indent, seen == n_children, depth + 1, done);
	}
}

static bool
is_blocker(const struct mon_snapshot *snap, int pid)
{
	size_t i;

	for (i = 0; i < snap->n_sessions; i++) {
		if (blocked_by(&snap->sessions[i], pid))
			return true;
	}
	return false;
}

static void
build_tree(struct view_activity *v, const struct mon_snapshot *snap)
{
	unsigned char *done = xcalloc(snap->n_sessions + 1, 1);
	size_t i;

	/* roots: blockers that no visible session blocks */
	for (i = 0; i < snap->n_sessions; i++) {
		const struct mon_session *s = &snap->sessions[i];
		bool blocked = false;
		size_t j;

		if (done[i] || !wanted(v, s) || !is_blocker(snap, s->pid))
			continue;
		for (j = 0; j < snap->n_sessions && !blocked; j++)
			blocked = wanted(v, &snap->sessions[j]) &&
				  blocked_by(s, snap->sessions[j].pid);
		if (!blocked)
			add_subtree(v, snap, s, "", true, 0, done);
	}
	/* what is left takes part in a cycle (a deadlock about to be broken) */
	for (i = 0; i < snap->n_sessions; i++) {
		const struct mon_session *s = &snap->sessions[i];

		if (!done[i] && wanted(v, s) && (s->n_blocked_by > 0 || is_blocker(snap, s->pid)))
			add_subtree(v, snap, s, "", true, 0, done);
	}
	free(done);
}

static void
rebuild(struct view_activity *v)
{
	struct session *s = tui_session(v->t);
	const struct mon_snapshot *snap;
	size_t i;

	v->db = session_selected(s);
	snap = monitor_snapshot(session_monitor(s, v->db));
	v->n_rows = 0;
	if (snap != NULL) {
		if (v->tree) {
			build_tree(v, snap);
		} else {
			for (i = 0; i < snap->n_sessions; i++) {
				const struct mon_session *x = &snap->sessions[i];

				if (wanted(v, x))
					add_row(v, x)->n_blocking = is_blocker(snap, x->pid);
			}
		}
	}
	widget_table_set_hidden(v->table, COL_DB, !v->all_dbs);
	widget_table_rebuild(v->table);
}

/* The detail pane follows the cursor: fetch the locks of a newly selected backend. */
static void
follow_cursor(struct view_activity *v)
{
	size_t row;

	if (!v->detail || !widget_table_selected(v->table, &row))
		return;
	if (v->rows[row].s->pid != v->detail_pid) {
		v->detail_pid = v->rows[row].s->pid;
		session_fetch_locks(tui_session(v->t), v->db, v->detail_pid);
	}
}

/* ------------------------------------------------------------------------
 * Class
 * ------------------------------------------------------------------------ */

static void *
activity_create(struct tui *t)
{
	struct view_activity *v = xcalloc(1, sizeof *v);

	v->t = t;
	v->table = widget_table_new(columns, N_COLS, &rows_source, v);
	widget_table_set_sort(v->table, COL_TIME, true);
	widget_table_set_hidden(v->table, COL_DB, true);
	return v;
}

static void
activity_destroy(void *view)
{
	struct view_activity *v = view;

	widget_table_free(&v->table);
	free(v->rows);
	free(v);
}

static void
activity_update(void *view, size_t db)
{
	struct view_activity *v = view;
	struct session *s = tui_session(v->t);

	if (db != SIZE_MAX && db != session_selected(s))
		return;
	if (v->db != session_selected(s) && v->detail) {
		v->detail_pid = 0;
		session_clear_locks(s);
	}
	rebuild(v);
	follow_cursor(v);
}

static struct widget_table *
activity_table(void *view)
{
	return ((struct view_activity *)view)->table;
}

void
view_activity_set_filter(void *view, const char *text)
{
	struct view_activity *v = view;

	rebuild(v);
	widget_table_set_filter(v->table, text);
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

/* One line "label: text" with the label dimmed; returns the next row. */
static int
detail_line(const struct tui_draw *d, int y, int x, int w, const char *label, const char *text,
	    enum tui_style st)
{
	int lw = tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false, label);

	tui_draw_text(d, y, x + lw, w - lw, st, TUI_LEFT, false, text);
	return y + 1;
}

static void
pid_list(const struct mon_snapshot *snap, const int *pids, int n, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && len + 1 < size; i++) {
		const char *app = "";
		size_t j;

		for (j = 0; j < snap->n_sessions; j++) {
			if (snap->sessions[j].pid == pids[i]) {
				app = snap->sessions[j].appname;
				break;
			}
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%d%s%s%s", i ? ", " : "", pids[i],
					app[0] ? " (" : "", app, app[0] ? ")" : "");
	}
}

static void
draw_detail(struct view_activity *v, const struct mon_session *s, int y, int x, int h, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct session *ss = tui_session(v->t);
	const struct mon_snapshot *snap = monitor_snapshot(session_monitor(ss, v->db));
	const struct session_locks *lk = session_locks(ss);
	char buf[1024], a[32], b[32], c[32];
	int end = y + h, blocking[64], n_blocking = 0, i, qlines, lock_lines;
	size_t j;

	tui_draw_fill(d, y, x, w, TUI_S_TITLE);
	snprintf(buf, sizeof buf, " pid %d %s %s %s %s@%s %s %s", s->pid, d->vline,
		 s->appname[0] ? s->appname : "(no application_name)", d->vline, s->usename,
		 s->datname, d->vline, s->client[0] ? s->client : "-");
	tui_draw_text(d, y++, x, w, TUI_S_TITLE, TUI_LEFT, false, buf);
	if (y >= end)
		return;
	units_format_duration(row_time(s) < 0 ? 0 : row_time(s), a, sizeof a);
	units_format_duration(s->xact_ms < 0 ? 0 : s->xact_ms, b, sizeof b);
	units_format_duration(s->backend_ms, c, sizeof c);
	snprintf(buf, sizeof buf, "%s for %s %s transaction %s %s connected %s%s%s%s%s",
		 s->state[0] ? s->state : "state hidden", a, d->vline, s->xact_ms < 0 ? "none" : b,
		 d->vline, c, s->wait_type[0] ? " " : "", s->wait_type[0] ? d->vline : "",
		 s->wait_type[0] ? " waits on " : "", s->wait_type);
	if (s->wait_type[0])
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ":");
	if (s->wait_type[0])
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s", s->wait_event);
	y = detail_line(d, y, x, w, " ", buf, s->waiting ? TUI_S_CRIT : TUI_S_NORMAL);
	if (y >= end)
		return;
	if (s->n_blocked_by > 0) {
		pid_list(snap, s->blocked_by, s->n_blocked_by, buf, sizeof buf);
		y = detail_line(d, y, x, w, " blocked by ", buf, TUI_S_CRIT);
	}
	for (j = 0; j < snap->n_sessions && n_blocking < 64; j++) {
		if (blocked_by(&snap->sessions[j], s->pid))
			blocking[n_blocking++] = snap->sessions[j].pid;
	}
	if (n_blocking > 0 && y < end) {
		pid_list(snap, blocking, n_blocking, buf, sizeof buf);
		y = detail_line(d, y, x, w, " blocks ", buf, TUI_S_WARN);
	}
	if (y >= end)
		return;

	/* the query wrapped; then the locks */
	lock_lines = lk->state == SESSION_LOCKS_READY ? (int)lk->n + 1 : 2;
	qlines = end - y - lock_lines;
	if (qlines < 2)
		qlines = end - y > 3 ? 2 : end - y;
	{
		struct tui_text_opts o = d->text;
		const char *p = s->query;
		char line[1024];

		o.collapse = true;
		o.ellipsis = NULL;
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false, " query");
		y++;
		qlines--;
		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		for (i = 0; i < qlines && *p != '\0' && y < end; i++, y++) {
			tui_text_fit_rest(p, w - 2, &o, line, sizeof line, &p);
			tui_draw_text(d, y, x + 2, w - 2, TUI_S_NORMAL, TUI_LEFT, false, line);
			while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
				p++;
		}
	}
	if (y >= end)
		return;
	if (lk->pid != s->pid || lk->state == SESSION_LOCKS_NONE)
		snprintf(buf, sizeof buf, " locks: not fetched");
	else if (lk->state == SESSION_LOCKS_LOADING)
		snprintf(buf, sizeof buf, " locks: fetching...");
	else if (lk->state == SESSION_LOCKS_FAILED)
		snprintf(buf, sizeof buf, " locks: %s", lk->error);
	else
		snprintf(buf, sizeof buf, " locks (%zu)", lk->n);
	tui_draw_text(d, y++, x, w, lk->state == SESSION_LOCKS_FAILED ? TUI_S_CRIT : TUI_S_DIM,
		      TUI_LEFT, false, buf);
	if (lk->pid != s->pid || lk->state != SESSION_LOCKS_READY)
		return;
	for (j = 0; j < lk->n && y < end; j++, y++) {
		const struct session_lock *l = &lk->v[j];

		if (j + 1 < lk->n && y == end - 1) {
			snprintf(buf, sizeof buf, "  ... %zu more", lk->n - j);
			tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false, buf);
			break;
		}
		snprintf(buf, sizeof buf, "  %-8s %-24s %s", l->granted ? "granted" : "WAITING",
			 l->mode, l->object);
		tui_draw_text(d, y, x, w, l->granted ? TUI_S_NORMAL : TUI_S_CRIT, TUI_LEFT, false,
			      buf);
	}
}

static void
activity_draw(void *view, int y, int x, int h, int w)
{
	struct view_activity *v = view;
	const struct tui_draw *d = tui_canvas(v->t);
	struct session *s = tui_session(v->t);
	struct session_db_status st;
	const struct mon_snapshot *snap = monitor_snapshot(session_monitor(s, v->db));
	char buf[512], status[256];
	const char *filter = widget_table_filter(v->table);
	int table_h;
	size_t row;

	/* title: database, state, counts, mode, filter */
	session_db_status(s, v->db, &st);
	session_db_status_text(&st, status, sizeof status);
	snprintf(buf, sizeof buf, " %s%s %s %s %s %zu of %zu sessions", session_label(s, v->db),
		 v->all_dbs ? " (all databases)" : "", d->vline, status, d->vline,
		 widget_table_shown(v->table), widget_table_total(v->table));
	if (v->tree)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s blocking tree",
			 d->vline);
	if (tui_show_own(v->t))
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s own shown", d->vline);
	if (filter[0] != '\0')
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s filter \"%s\"", d->vline,
			 filter);
	tui_draw_text(d, y, x, w,
		      st.state == SESSION_DB_LIVE    ? TUI_S_TITLE
		      : st.state == SESSION_DB_STALE ? TUI_S_STALE
						     : TUI_S_CRIT,
		      TUI_LEFT, true, buf);
	y++;
	h--;
	if (snap != NULL && !snap->can_read_all && h > 3) {
		tui_draw_text(d, y, x, w, TUI_S_WARN, TUI_LEFT, true,
			      " hint: this role cannot see other roles' states and queries "
			      "(GRANT pg_monitor TO it)");
		y++;
		h--;
	}
	if (snap == NULL) {
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false,
			      " no data yet for this database");
		return;
	}
	table_h = h;
	if (v->detail && widget_table_selected(v->table, &row)) {
		table_h = h * 2 / 5;
		if (table_h < 4)
			table_h = h > 8 ? 4 : h / 2;
		widget_table_draw(v->table, d, y, x, table_h, w, true);
		draw_detail(v, v->rows[row].s, y + table_h, x, h - table_h, w);
		return;
	}
	widget_table_draw(v->table, d, y, x, table_h, w, true);
	if (widget_table_shown(v->table) == 0 && h > 2) {
		if (v->tree)
			tui_draw_text(d, y + 1, x, w, TUI_S_DIM, TUI_LEFT, false,
				      " no session is waiting for a lock");
		else if (filter[0] != '\0')
			tui_draw_text(d, y + 1, x, w, TUI_S_DIM, TUI_LEFT, false,
				      " no session matches the filter (Esc clears it)");
	}
}

/* ------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------ */

static unsigned
activity_escape(void *view)
{
	struct view_activity *v = view;

	if (v->detail) {
		v->detail = false;
		v->detail_pid = 0;
		session_clear_locks(tui_session(v->t));
		return TUI_R_REDRAW;
	}
	if (v->tree && widget_table_filter(v->table)[0] == '\0') {
		v->tree = false;
		widget_table_set_sortable(v->table, true);
		rebuild(v);
		return TUI_R_REDRAW;
	}
	return TUI_R_NONE;
}

static unsigned
activity_click(void *view, int y, int x)
{
	struct view_activity *v = view;

	(void)x;
	if (y >= 0)
		return TUI_R_NONE;
	/* Enter: open or close the detail pane */
	if (v->detail)
		return activity_escape(v);
	v->detail = true;
	v->detail_pid = 0;
	follow_cursor(v);
	return TUI_R_REDRAW;
}

static void
activity_cursor(void *view)
{
	follow_cursor(view);
}

static unsigned
act_detail(struct tui *t, void *view, int key)
{
	(void)t;
	(void)key;
	return activity_click(view, -1, -1);
}

static unsigned
act_tree(struct tui *t, void *view, int key)
{
	struct view_activity *v = view;

	(void)key;
	v->tree = !v->tree;
	widget_table_set_sortable(v->table, !v->tree);
	rebuild(v);
	tui_status(t, "%s",
		   v->tree ? "blocking tree: blockers, and under each the sessions "
			     "waiting for it"
			   : "session list");
	return TUI_R_REDRAW;
}

static unsigned
act_all(struct tui *t, void *view, int key)
{
	struct view_activity *v = view;

	(void)key;
	v->all_dbs = !v->all_dbs;
	rebuild(v);
	tui_status(t, "%s",
		   v->all_dbs ? "sessions of every database of the server"
			      : "sessions of the selected database");
	return TUI_R_REDRAW;
}

static void
signal_confirmed(struct tui *t, void *arg, int64_t id)
{
	struct view_activity *v = arg;
	enum session_signal kind = (enum session_signal)(id & 1);
	int pid = (int)(id >> 1);
	const char *why = NULL;

	if (!session_signal_backend(tui_session(t), v->db, pid, kind, &why))
		tui_status(t, "%s", why);
	else
		tui_status(t, "%s of backend %d sent; the answer goes to the message log (L)",
			   session_signal_name(kind), pid);
}

static unsigned
act_signal(struct tui *t, void *view, int key)
{
	struct view_activity *v = view;
	enum session_signal kind = key == 'c' ? SESSION_CANCEL : SESSION_TERMINATE;
	char text[512];
	size_t row;
	const struct mon_session *s;

	if (!widget_table_selected(v->table, &row)) {
		tui_status(t, "no session under the cursor");
		return TUI_R_REDRAW;
	}
	if (session_read_only(tui_session(t), v->db)) {
		tui_status(t, "read-only profile: %s is not offered", session_signal_name(kind));
		return TUI_R_REDRAW;
	}
	s = v->rows[row].s;
	if (kind == SESSION_CANCEL)
		snprintf(text, sizeof text,
			 "Cancel the running statement of backend %d (%s, %s)? The session "
			 "stays connected.",
			 s->pid, s->appname[0] ? s->appname : "no application_name",
			 state_short(s));
	else
		snprintf(text, sizeof text,
			 "Terminate backend %d (%s, %s)? Its session ends and an open transaction "
			 "is rolled back.",
			 s->pid, s->appname[0] ? s->appname : "no application_name",
			 state_short(s));
	tui_confirm(t, text, signal_confirmed, v, ((int64_t)s->pid << 1) | (int64_t)kind);
	return TUI_R_REDRAW;
}

static const struct tui_binding activity_bindings[] = {
	{ { '\n', '\r', TUI_KEYCODE(KEY_ENTER), 0 },
	  "Enter",
	  "Detail",
	  "open or close the detail pane: full query, blockers, locks",
	  act_detail },
	{ { 't', 0 },
	  "t",
	  "Tree",
	  "blocking tree (pg_blocking_pids, advisory locks included)",
	  act_tree },
	{ { 'a', 0 }, "a", NULL, "sessions of every database, or of the selected one", act_all },
	{ { 'c', 0 },
	  "c",
	  "Cancel",
	  "cancel the statement of the session (asks first)",
	  act_signal },
	{ { 'k', TUI_KEYCODE(KEY_F(9)), 0 },
	  "k F9",
	  "Kill",
	  "terminate the session (asks first)",
	  act_signal },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

/* Cancel and terminate are not offered in a read-only profile. */
static const char *
activity_unavailable(void *view, const struct tui_binding *b)
{
	struct view_activity *v = view;

	if (b->fn != act_signal || !session_read_only(tui_session(v->t), v->db))
		return NULL;
	return b->keys[0] == 'c' ? "read-only profile: cancel is not offered"
				 : "read-only profile: terminate is not offered";
}

const struct tui_view_class view_activity_class = {
	.name = "Activity",
	.bindings = activity_bindings,
	.create = activity_create,
	.destroy = activity_destroy,
	.update = activity_update,
	.draw = activity_draw,
	.table = activity_table,
	.escape = activity_escape,
	.click = activity_click,
	.cursor = activity_cursor,
	.unavailable = activity_unavailable,
};
