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
 * made the first time the panel needs it and kept, with its report, until
 * the console quits or its window is changed. The panel shows the run of
 * the selected database.
 *
 * The advisor calls back on every phase change and every sample (every
 * 50 ms while it samples); the panel asks the shell for a redraw on each
 * state change and at most every PROGRESS_MS otherwise, so a run costs a
 * few redraws a second. When a run ends the status line says so, whatever
 * view is shown.
 *
 * The report page is a textpane rebuilt when a run's report changes or
 * another database is selected; its scroll position is kept per database.
 */
#include "config.h"

#include "view_advisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advisor.h"
#include "database.h"
#include "loop.h"
#include "profile.h"
#include "session.h"
#include "textpane.h"
#include "tui_draw.h"
#include "units.h"
#include "xalloc.h"

#define PROGRESS_MS 100

/* Observation windows that `w` steps through. */
static const int64_t windows_ms[] = { 3000, 10000, 30000, 60000 };
#define N_WINDOWS (sizeof windows_ms / sizeof windows_ms[0])

struct view_advisor;

struct run {
	struct view_advisor *v;
	size_t db;
	struct advisor *adv; /* NULL until first needed */
	size_t window;	     /* index into windows_ms */
	enum advisor_state last_state;
	int64_t last_redraw_ms;
	unsigned gen; /* bumped when a run starts or ends */
	char finished_at[16];
	struct textpane *page;
	unsigned page_gen;
};

struct view_advisor {
	struct tui *t;
	struct run *runs;
	size_t n;
	enum tui_view_id from;
};

/* ------------------------------------------------------------------------
 * Runs
 * ------------------------------------------------------------------------ */

static void
run_update(struct advisor *a, void *arg)
{
	struct run *r = arg;
	struct view_advisor *v = r->v;
	struct session *s = tui_session(v->t);
	enum advisor_state st = advisor_state(a);
	int64_t now = loop_now(session_loop(s));
	const struct adv_report *rep;

	if (st != r->last_state) {
		r->gen++;
		if (st == ADVISOR_DONE || st == ADVISOR_FAILED) {
			time_t t = time(NULL);
			struct tm tm;

			localtime_r(&t, &tm);
			strftime(r->finished_at, sizeof r->finished_at, "%H:%M:%S", &tm);
			rep = advisor_report(a);
			if (rep != NULL)
				tui_status(v->t, "advisor on %s: %s, %zu finding%s%s",
					   session_label(s, r->db), rep->pattern.name,
					   rep->n_findings, rep->n_findings == 1 ? "" : "s",
					   rep->clean ? " (clean)" : "");
			else
				tui_status(v->t, "advisor on %s failed: %s",
					   session_label(s, r->db), advisor_error(a));
		}
	} else if (now - r->last_redraw_ms < PROGRESS_MS) {
		return;
	}
	r->last_state = st;
	r->last_redraw_ms = now;
	tui_request_redraw(v->t);
}

static struct run *
selected_run(struct view_advisor *v)
{
	size_t i = session_selected(tui_session(v->t));

	return &v->runs[i < v->n ? i : 0];
}

/* Start (or start over) the run of a database, made with its window. */
static void
run_start(struct run *r)
{
	struct view_advisor *v = r->v;
	struct session *s = tui_session(v->t);

	if (r->adv == NULL) {
		struct adv_opts o;

		adv_opts_defaults(&o);
		o.window_ms = windows_ms[r->window];
		r->adv = advisor_new(session_loop(s), session_database(s, r->db),
				     session_profile(s), &o, session_log(s));
		advisor_on_update(r->adv, run_update, r);
	}
	r->finished_at[0] = '\0';
	textpane_scroll(r->page, TEXTPANE_HOME);
	advisor_start(r->adv);
}

/* Start the selected database's run unless it has one running or done. */
static void
ensure_run(struct view_advisor *v)
{
	struct run *r = selected_run(v);

	if (r->adv == NULL || advisor_state(r->adv) == ADVISOR_IDLE)
		run_start(r);
}

void
view_advisor_open(void *view, enum tui_view_id from)
{
	struct view_advisor *v = view;

	if (from != TUI_VIEW_ADVISOR && from != TUI_VIEW_HELP && from != TUI_VIEW_LOG)
		v->from = from;
	ensure_run(v);
}

unsigned
view_advisor_close(void *view)
{
	struct view_advisor *v = view;

	tui_switch_view(v->t, v->from);
	return TUI_R_REDRAW;
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
build_report(struct run *r)
{
	const struct adv_report *rep = advisor_report(r->adv);
	struct textpane *p = r->page;
	char ver[32], dur[32], sev[16];
	size_t i, k, count[3] = { 0, 0, 0 };

	textpane_clear(p);
	r->page_gen = r->gen;
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
draw_state(struct view_advisor *v, struct run *r, int y, int x, int w)
{
	static const enum tui_seg segs[] = { TUI_SEG_ACTIVE };
	const struct tui_draw *d = tui_canvas(v->t);
	const struct adv_report *rep;
	char buf[512];
	int values[1], bar_w, cx = x;

	tui_draw_fill(d, y, x, w, TUI_S_NORMAL);
	if (r->adv == NULL || advisor_state(r->adv) == ADVISOR_IDLE) {
		tui_draw_text(d, y, x, w, TUI_S_DIM, TUI_LEFT, false,
			      " not run yet on this database: r runs the advisor");
		return;
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
		snprintf(buf, sizeof buf, " done at %s: %s, %zu finding%s%s", r->finished_at,
			 rep->pattern.name, rep->n_findings, rep->n_findings == 1 ? "" : "s",
			 rep->clean ? ", clean" : "");
		tui_draw_text(d, y, x, w, rep->clean ? TUI_S_OK : severity_style(rep->worst),
			      TUI_LEFT, false, buf);
		break;
	default:
		snprintf(buf, sizeof buf, " failed at %s: %s (r tries again)", r->finished_at,
			 advisor_error(r->adv));
		tui_draw_text(d, y, x, w, TUI_S_CRIT, TUI_LEFT, false, buf);
		break;
	}
}

static void
draw_waiting(struct view_advisor *v, struct run *r, int y, int x, int h, int w)
{
	const struct tui_draw *d = tui_canvas(v->t);
	struct textpane *p = r->page;
	char win[32];

	textpane_clear(p);
	r->page_gen = r->gen - 1; /* rebuilt once the report is there */
	units_format_duration(windows_ms[r->window], win, sizeof win);
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
	struct run *r = selected_run(v);
	const struct adv_report *rep = r->adv != NULL ? advisor_report(r->adv) : NULL;
	char buf[512], win[32];
	int i;

	units_format_duration(windows_ms[r->window], win, sizeof win);
	snprintf(buf, sizeof buf, " Advisor: %s %s window %s", session_label(s, r->db), d->vline,
		 win);
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
		if (r->page_gen != r->gen)
			build_report(r);
		textpane_draw(r->page, d, y + 3, x + 1, h - 3, w - 1);
	} else if (r->adv != NULL && advisor_state(r->adv) == ADVISOR_RUNNING) {
		draw_waiting(v, r, y + 3, x + 1, h - 3, w - 1);
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
	v->from = TUI_VIEW_POOLS;
	v->n = session_n_databases(tui_session(t));
	v->runs = xcalloc(v->n > 0 ? v->n : 1, sizeof *v->runs);
	for (i = 0; i < v->n; i++) {
		v->runs[i].v = v;
		v->runs[i].db = i;
		v->runs[i].page = textpane_new();
	}
	return v;
}

static void
advisor_view_destroy(void *view)
{
	struct view_advisor *v = view;
	size_t i;

	for (i = 0; i < v->n; i++) {
		advisor_free(&v->runs[i].adv);
		textpane_free(&v->runs[i].page);
	}
	free(v->runs);
	free(v);
}

static unsigned
advisor_escape(void *view)
{
	return view_advisor_close(view);
}

static unsigned
act_close(struct tui *t, void *view, int key)
{
	(void)t;
	(void)key;
	return view_advisor_close(view);
}

static unsigned
act_rerun(struct tui *t, void *view, int key)
{
	struct view_advisor *v = view;

	(void)t;
	(void)key;
	run_start(selected_run(v));
	return TUI_R_REDRAW;
}

static unsigned
act_window(struct tui *t, void *view, int key)
{
	struct view_advisor *v = view;
	struct run *r = selected_run(v);
	char win[32];

	(void)key;
	r->window = (r->window + 1) % N_WINDOWS;
	advisor_free(&r->adv); /* a run in flight stops; its answer goes nowhere */
	r->last_state = ADVISOR_IDLE;
	r->gen++;
	run_start(r);
	tui_status(t, "advisor: observation window %s",
		   units_format_duration(windows_ms[r->window], win, sizeof win));
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
	struct run *r = selected_run(view);
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
		if (r->page_gen != r->gen)
			build_report(r);
		textpane_scroll(r->page, how);
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
	  act_close },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

const struct tui_view_class view_advisor_class = {
	.name = "Advisor",
	.bindings = advisor_bindings,
	.create = advisor_view_create,
	.destroy = advisor_view_destroy,
	.draw = advisor_draw,
	.escape = advisor_escape,
};
