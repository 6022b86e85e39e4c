/*
 * view_advisor: the Advisor panel. See include/view_advisor.h.
 *
 *    Advisor: main · db app · window 3s             r re-run  w window  Esc back
 *    [██████████████░░░░░░░░░░░░] 52% sampling sessions (1.5s of 3s, 30 samples)
 *    ──────────────────────────────────────────────────────────────────────────
 *    Pattern: Shared Pool + Schemas, with several pools
 *      - 2 service ledgers outside public: billing, users
 *    2 findings: 1 problem, 1 warning, 0 info
 *    PROBLEM idle-in-transaction users_pool: sessions left idle in a transaction
 *        rule: "look for leaked transactions" (pgdbm production patterns)
 *        - pid 4711 from local: idle in transaction for 1m12s ...
 *
 * Vocabulary: a run is one struct advisor on one database of the profile,
 * the session's (session_advisor_start, session_advisor_run): made the
 * first time the panel needs it and kept, with its report, until the
 * console quits or its window is changed. The panel shows the run of the
 * selected database; it starts one when it is shown (its class's enter
 * hook) on a database that has none.
 *
 * The session tells the console through its update callback when a run
 * moves (each state change, and at most every 100 ms while it samples);
 * the panel's update hook then notices a run that ended and says so in the
 * status line, whatever view is shown.
 *
 * The report page is a textpane per database, rebuilt when the run's
 * generation moves; its scroll position is kept per database.
 */
#include "config.h"

#include "view_advisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advisor.h"
#include "session.h"
#include "textpane.h"
#include "tui_draw.h"
#include "units.h"
#include "xalloc.h"

/* Observation windows that `w` steps through. */
static const int64_t windows_ms[] = { 3000, 10000, 30000, 60000 };
#define N_WINDOWS (sizeof windows_ms / sizeof windows_ms[0])

/* The panel's page of one database's run. */
struct page {
	struct textpane *pane;
	uint64_t gen;  /* the run's generation the page was built for */
	uint64_t told; /* the run's generation whose end the status line told */
};

struct view_advisor {
	struct tui *t;
	struct page *pages; /* one per database */
	size_t n;
};

/* ------------------------------------------------------------------------
 * Runs
 * ------------------------------------------------------------------------ */

static size_t
selected_db(const struct view_advisor *v)
{
	size_t i = session_selected(tui_session(v->t));

	return i < v->n ? i : 0;
}

static const struct session_advisor_run *
run_of(const struct view_advisor *v, size_t db)
{
	static const struct session_advisor_run none; /* a profile without databases */
	const struct session_advisor_run *r = session_advisor_run(tui_session(v->t), db);

	return r != NULL ? r : &none;
}

/* The observation window of a database's run (index into windows_ms). */
static size_t
window_of(const struct session_advisor_run *r)
{
	size_t k;

	for (k = 0; r->adv != NULL && k < N_WINDOWS; k++) {
		if (windows_ms[k] == r->window_ms)
			return k;
	}
	return 0;
}

/* Start (or start over) the run of a database, with a window. */
static void
run_start(struct view_advisor *v, size_t db, size_t window)
{
	textpane_scroll(v->pages[db].pane, TEXTPANE_HOME);
	session_advisor_start(tui_session(v->t), db, windows_ms[window]);
}

/* Start the selected database's run unless it has one running or done. */
static void
ensure_run(struct view_advisor *v)
{
	size_t db = selected_db(v);
	const struct session_advisor_run *r = run_of(v, db);

	if (r->adv == NULL || advisor_state(r->adv) == ADVISOR_IDLE)
		run_start(v, db, window_of(r));
}

/* A run that ended since the status line last told: say so. */
static void
tell_end(struct view_advisor *v, size_t db)
{
	const struct session_advisor_run *r = run_of(v, db);
	struct session *s = tui_session(v->t);
	const struct adv_report *rep;

	if (r->adv == NULL || !advisor_finished(r->adv) || r->gen == v->pages[db].told)
		return;
	v->pages[db].told = r->gen;
	rep = advisor_report(r->adv);
	if (rep != NULL)
		tui_status(v->t, "advisor on %s: %s, %zu finding%s%s", session_label(s, db),
			   rep->pattern.name, rep->n_findings, rep->n_findings == 1 ? "" : "s",
			   rep->clean ? " (clean)" : "");
	else
		tui_status(v->t, "advisor on %s failed: %s", session_label(s, db),
			   advisor_error(r->adv));
}

/* ------------------------------------------------------------------------
 * The report page
 * ------------------------------------------------------------------------ */

static enum tui_style
severity_style(enum adv_severity s)
{
	switch (s) {
	case ADV_PROBLEM:
		return TUI_S_CRIT;
	case ADV_WARNING:
		return TUI_S_WARN;
	default:
		return TUI_S_NORMAL;
	}
}

static void
version_text(int v, char *buf, size_t size)
{
	if (v >= 100000)
		snprintf(buf, size, "%d.%d", v / 10000, v % 10000);
	else
		snprintf(buf, size, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
}

static void
build_report(struct page *pg, const struct session_advisor_run *r)
{
	const struct adv_report *rep = advisor_report(r->adv);
	struct textpane *p = pg->pane;
	char ver[32], dur[32], sev[16];
	size_t i, k, count[3] = { 0, 0, 0 };

	textpane_clear(p);
	pg->gen = r->gen;
	if (rep == NULL)
		return;
	version_text(rep->server_version, ver, sizeof ver);
	advisor_window_text(rep->window_ms, dur, sizeof dur);
	textpane_addf(p, TUI_S_DIM, 0, 2,
		      "database %s on PostgreSQL %s, watched %s (%d samples); max_connections %d "
		      "(%d usable), at most %d client backends on the server",
		      rep->database, ver, dur, rep->samples, rep->max_connections, rep->usable,
		      rep->server_peak);

	textpane_addf(p, TUI_S_TITLE, 0, 2, "Pattern: %s%s%s%s%s", rep->pattern.name,
		      rep->pattern.local_name != NULL ? " (this database: " : "",
		      rep->pattern.local_name != NULL ? rep->pattern.local_name : "",
		      rep->pattern.local_name != NULL ? ")" : "",
		      rep->pattern.several_pools ? ", with several pools" : "");
	for (i = 0; i < rep->pattern.n_evidence; i++)
		textpane_addf(p, TUI_S_NORMAL, 2, 2, "- %s", rep->pattern.evidence[i]);
	textpane_add(p, TUI_S_NORMAL, 0, 0, "");

	for (i = 0; i < rep->n_findings; i++)
		count[rep->findings[i].severity]++;
	if (rep->clean)
		textpane_addf(p, TUI_S_OK, 0, 2,
			      "Clean: no warning or problem against the guide (%zu info)",
			      count[ADV_INFO]);
	else
		textpane_addf(p, TUI_S_TITLE, 0, 2,
			      "%zu finding%s: %zu problem%s, %zu warning%s, %zu info",
			      rep->n_findings, rep->n_findings == 1 ? "" : "s", count[ADV_PROBLEM],
			      count[ADV_PROBLEM] == 1 ? "" : "s", count[ADV_WARNING],
			      count[ADV_WARNING] == 1 ? "" : "s", count[ADV_INFO]);
	for (i = 0; i < rep->n_findings; i++) {
		const struct adv_finding *f = &rep->findings[i];

		for (k = 0; adv_severity_name(f->severity)[k] != '\0' && k + 1 < sizeof sev; k++) {
			char c = adv_severity_name(f->severity)[k];

			sev[k] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
		}
		sev[k] = '\0';
		textpane_addf(p, severity_style(f->severity), 2, 4, "%-7s %s%s%s: %s", sev, f->id,
			      f->subject != NULL ? " " : "", f->subject != NULL ? f->subject : "",
			      f->title);
		textpane_addf(p, TUI_S_DIM, 6, 6, "rule: %s (%s)", f->rule, f->source);
		for (k = 0; k < f->n_evidence; k++)
			textpane_addf(p, TUI_S_NORMAL, 6, 2, "- %s", f->evidence[k]);
	}

	if (rep->n_apps > 0) {
		textpane_add(p, TUI_S_NORMAL, 0, 0, "");
		textpane_add(p, TUI_S_TITLE, 0, 0, "Application pools seen");
		textpane_addf(p, TUI_S_COLHEAD, 2, 0, "%-28s %5s %5s %5s %5s %5s %5s %7s %4s",
			      "APPLICATION", "PEAK", "BUSY", "MAX", "HOSTS", "NEW", "SHORT",
			      "CHURN/S", "ITX");
		for (i = 0; i < rep->n_apps; i++) {
			const struct adv_app_summary *a = &rep->apps[i];
			char max[16], line[256];

			if (a->declared_max > 0)
				snprintf(max, sizeof max, "%d", a->declared_max);
			else
				snprintf(max, sizeof max, "-");
			snprintf(line, sizeof line, "%-28s %5d %5d %5s %5zu %5d %5d %7.1f %4d",
				 a->appname[0] != '\0' ? a->appname : "(none)", a->peak,
				 a->peak_busy, max, a->hosts, a->new_backends, a->short_lived,
				 a->churn_per_s, a->idle_in_tx);
			textpane_add_raw(p, TUI_S_NORMAL, 2, line);
		}
	}
	if (rep->n_notes > 0) {
		textpane_add(p, TUI_S_NORMAL, 0, 0, "");
		textpane_add(p, TUI_S_TITLE, 0, 0, "Notes");
		for (i = 0; i < rep->n_notes; i++)
			textpane_addf(p, TUI_S_DIM, 2, 2, "- %s", rep->notes[i]);
	}
}

/* ------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

static void
draw_state(struct view_advisor *v, const struct session_advisor_run *r, int y, int x, int w)
{
	static const enum tui_seg segs[] = { TUI_SEG_ACTIVE };
	const struct tui_draw *d = tui_canvas(v->t);
	const struct adv_report *rep;
	char buf[512], finished_at[16] = "";
	int values[1], bar_w, cx = x;

	tui_draw_fill(d, y, x, w, TUI_S_NORMAL);
	if (r->adv == NULL || advisor_state(r->adv) == ADVISOR_IDLE) {
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false,
			      " not run yet on this database: r runs the advisor");
		return;
	}
	if (r->finished_s > 0) {
		time_t t = (time_t)r->finished_s;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(finished_at, sizeof finished_at, "%H:%M:%S", &tm);
	}
	switch (advisor_state(r->adv)) {
	case ADVISOR_RUNNING:
		values[0] = advisor_progress(r->adv);
		bar_w = w / 3 < 40 ? w / 3 : 40;
		cx += tui_draw_text(d, y, cx, w, TUI_S_NORMAL, TUI_LEFT, false, " [");
		tui_draw_bar(d, y, cx, bar_w, values, segs, 1, 1000);
		cx += bar_w;
		snprintf(buf, sizeof buf, "] %3d%% %s", values[0] / 10, advisor_phase(r->adv));
		tui_draw_text(d, y, cx, x + w - cx, TUI_S_NORMAL, TUI_LEFT, false, buf);
		break;
	case ADVISOR_DONE:
		rep = advisor_report(r->adv);
		snprintf(buf, sizeof buf, " done at %s: %s, %zu finding%s%s", finished_at,
			 rep->pattern.name, rep->n_findings, rep->n_findings == 1 ? "" : "s",
			 rep->clean ? ", clean" : "");
		tui_draw_text(d, y, x, w, rep->clean ? TUI_S_OK : severity_style(rep->worst),
			      TUI_LEFT, false, buf);
		break;
	default:
		snprintf(buf, sizeof buf, " failed at %s: %s (r tries again)", finished_at,
			 advisor_error(r->adv));
		tui_draw_text(d, y, x, w, TUI_S_CRIT, TUI_LEFT, false, buf);
		break;
	}
}

static void
draw_waiting(struct view_advisor *v, struct page *pg, const struct session_advisor_run *r, int y,
	     int x, int h, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct textpane *p = pg->pane;
	char win[32];

	textpane_clear(p);
	pg->gen = r->gen - 1; /* rebuilt once the report is there */
	units_format_duration(windows_ms[window_of(r)], win, sizeof win);
	textpane_addf(p, TUI_S_NORMAL, 0, 2,
		      "The advisor borrows one connection from the console's pool, reads the "
		      "catalog and the pgdbm ledgers, then samples pg_stat_activity for %s and "
		      "judges what it saw against pgdbm's architecture guide: the pattern this "
		      "database runs, and each anti-pattern with its evidence.",
		      win);
	textpane_add(p, TUI_S_DIM, 0, 2,
		     "The console keeps running meanwhile: leave the panel and the run goes on; "
		     "the status line says when it is done.");
	textpane_draw(p, d, y, x, h, w);
}

static void
advisor_draw(void *view, int y, int x, int h, int w)
{
	struct view_advisor *v = view;
	const struct tui_draw *d = tui_canvas(v->t);
	struct session *s = tui_session(v->t);
	size_t db = selected_db(v);
	const struct session_advisor_run *r = run_of(v, db);
	struct page *pg = &v->pages[db];
	const struct adv_report *rep = r->adv != NULL ? advisor_report(r->adv) : NULL;
	char buf[512], win[32];
	int i;

	units_format_duration(windows_ms[window_of(r)], win, sizeof win);
	snprintf(buf, sizeof buf, " Advisor: %s %s window %s", session_label(s, db), d->vline, win);
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
	if (h < 2)
		return;
	draw_state(v, r, y + 1, x, w);
	if (h < 4)
		return;
	tui_draw_style(d, TUI_S_DIM);
	for (i = 0; i < w; i++)
		mvaddstr(y + 2, x + i, d->hline);
	if (rep != NULL) {
		if (pg->gen != r->gen)
			build_report(pg, r);
		textpane_draw(pg->pane, d, y + 3, x + 1, h - 3, w - 1);
	} else if (r->adv != NULL && advisor_state(r->adv) == ADVISOR_RUNNING) {
		draw_waiting(v, pg, r, y + 3, x + 1, h - 3, w - 1);
	}
}

/* ------------------------------------------------------------------------
 * Class
 * ------------------------------------------------------------------------ */

static void *
advisor_view_create(struct tui *t)
{
	struct view_advisor *v = xcalloc(1, sizeof *v);
	size_t i;

	v->t = t;
	v->n = session_n_databases(tui_session(t));
	v->pages = xcalloc(v->n > 0 ? v->n : 1, sizeof *v->pages);
	for (i = 0; i < (v->n > 0 ? v->n : 1); i++)
		v->pages[i].pane = textpane_new();
	return v;
}

static void
advisor_view_destroy(void *view)
{
	struct view_advisor *v = view;
	size_t i;

	for (i = 0; i < (v->n > 0 ? v->n : 1); i++)
		textpane_free(&v->pages[i].pane);
	free(v->pages);
	free(v);
}

/* Shown (A, F8, the menu): run the advisor on the selected database unless it has. */
static void
advisor_enter(void *view)
{
	ensure_run(view);
}

/* A run moved (or every database: SIZE_MAX): the end of one goes to the status line. */
static void
advisor_update(void *view, size_t db)
{
	struct view_advisor *v = view;
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (db == SIZE_MAX || db == i)
			tell_end(v, i);
	}
}

static unsigned
act_rerun(struct tui *t, void *view, int key)
{
	struct view_advisor *v = view;
	size_t db = selected_db(v);

	(void)t;
	(void)key;
	run_start(v, db, window_of(run_of(v, db)));
	return TUI_R_REDRAW;
}

static unsigned
act_window(struct tui *t, void *view, int key)
{
	struct view_advisor *v = view;
	size_t db = selected_db(v), window = (window_of(run_of(v, db)) + 1) % N_WINDOWS;
	char win[32];

	(void)key;
	run_start(v, db, window); /* a run in flight stops; its answer goes nowhere */
	tui_status(t, "advisor: observation window %s",
		   units_format_duration(windows_ms[window], win, sizeof win));
	return TUI_R_REDRAW;
}

static unsigned
act_database(struct tui *t, void *view, int key)
{
	struct view_advisor *v = view;

	session_select_next(tui_session(t), key == 'D' || key == TUI_KEYCODE(KEY_BTAB) ? -1 : 1);
	ensure_run(v);
	return TUI_R_REBUILD | TUI_R_REDRAW;
}

static unsigned
act_move(struct tui *t, void *view, int key)
{
	struct view_advisor *v = view;
	size_t db = selected_db(v);
	const struct session_advisor_run *r = run_of(v, db);
	struct page *pg = &v->pages[db];
	enum textpane_move how;

	(void)t;
	switch (key) {
	case TUI_KEYCODE(KEY_UP):
	case 'k':
		how = TEXTPANE_UP;
		break;
	case TUI_KEYCODE(KEY_DOWN):
	case 'j':
		how = TEXTPANE_DOWN;
		break;
	case TUI_KEYCODE(KEY_PPAGE):
		how = TEXTPANE_PAGE_UP;
		break;
	case TUI_KEYCODE(KEY_NPAGE):
		how = TEXTPANE_PAGE_DOWN;
		break;
	case TUI_KEYCODE(KEY_HOME):
	case 'g':
		how = TEXTPANE_HOME;
		break;
	default:
		how = TEXTPANE_END;
		break;
	}
	if (r->adv != NULL && advisor_report(r->adv) != NULL) {
		if (pg->gen != r->gen)
			build_report(pg, r);
		textpane_scroll(pg->pane, how);
	}
	return TUI_R_REDRAW;
}

static const struct tui_binding advisor_bindings[] = {
	{ { 'r', TUI_KEYCODE(KEY_F(5)), 0 },
	  "r F5",
	  "Re-run",
	  "run the advisor again on the selected database",
	  act_rerun },
	{ { 'w', 0 },
	  "w",
	  "Window",
	  "change the observation window (3s, 10s, 30s, 1m) and run again",
	  act_window },
	{ { '\t', 'd', TUI_KEYCODE(KEY_BTAB), 'D' },
	  "Tab d S-Tab D",
	  NULL, /* the global binding's "Tab DB" is in the key bar already */
	  "select the next or previous database (runs the advisor there if it has not run)",
	  act_database },
	{ { TUI_KEYCODE(KEY_UP), TUI_KEYCODE(KEY_DOWN), 'k', 'j' },
	  "Up Down k j",
	  NULL,
	  "scroll the report a line",
	  act_move },
	{ { TUI_KEYCODE(KEY_PPAGE), TUI_KEYCODE(KEY_NPAGE), 0 },
	  "PgUp PgDn",
	  NULL,
	  "scroll the report a page",
	  act_move },
	{ { TUI_KEYCODE(KEY_HOME), TUI_KEYCODE(KEY_END), 'g', 'G' },
	  "Home End g G",
	  NULL,
	  "go to the top or the end of the report",
	  act_move },
	{ { 'q', TUI_ESC, 0 },
	  "q Esc",
	  "Close",
	  "close the panel (back to the view it was opened from)",
	  tui_act_back },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

const struct tui_view_class view_advisor_class = {
	.name = "Advisor",
	.bindings = advisor_bindings,
	.create = advisor_view_create,
	.destroy = advisor_view_destroy,
	.update = advisor_update,
	.draw = advisor_draw,
	.enter = advisor_enter,
	.back = true,
};
