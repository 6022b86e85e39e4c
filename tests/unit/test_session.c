/*
 * test_session: the console's model (include/session.h), without a server.
 *
 * The fixture writes a profile into a temporary folder and builds a session
 * from it. Its databases point at a socket folder that does not exist, so
 * every connection attempt fails at once and nothing blocks:
 *
 *   alpha  read-write, a module and tenants, pool min 1, acquire timeout 1m
 *          (requests wait for the whole test);
 *   beta   read-only;
 *   gamma  read-write, pool min 0, acquire timeout 300ms (requests are
 *          answered with an error quickly), and a PgBouncer.
 *
 * Covered: construction from the profile (labels, read-only, the initial
 * selection, an unknown label), selection, the refresh interval (clamps,
 * steps, reaching the monitors' cadence), pausing and resuming, the status
 * of an unreachable database and the status texts, cancel/terminate
 * refused on a read-only database before anything is queued, sent and
 * answered otherwise, lock fetches (answer, newer request wins, clear),
 * the update callback for monitors, actions, locks and jobs, inventories
 * read only once wanted, advisory lock keys, advisor runs (started, kept
 * with their end, started over, replaced by another window, freed in
 * flight with the session), and a teardown that leaves nothing behind
 * (LeakSanitizer in the sanitizer build; nothing left on the loop).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "advisor.h"
#include "database.h"
#include "inventory.h"
#include "jobs.h"
#include "loop.h"
#include "monitor.h"
#include "msglog.h"
#include "pool.h"
#include "profile.h"
#include "session.h"
#include "testutil.h"
#include "xalloc.h"

enum {
	ALPHA,
	BETA,
	GAMMA,
	N_DBS
};

struct fixture {
	char *dir;
	char *path; /* the profile file */
	struct loop *loop;
	struct msglog log;
	struct session *s;
	size_t updates[N_DBS + 1]; /* per database index; [N_DBS]: out of range */
};

static const char profile_yaml[] = "name: sess\n"
				   "refresh: 1s\n"
				   "%s"
				   "databases:\n"
				   "  alpha:\n"
				   "    conninfo: \"host=%s/nosock port=5432 dbname=app\"\n"
				   "    pool: { min: 1, max: 2, acquire_timeout: 1m }\n"
				   "    modules:\n"
				   "      - { name: users, migrations: migrations/users }\n"
				   "    tenants: { migrations: migrations/tenant }\n"
				   "  beta:\n"
				   "    conninfo: \"host=%s/nosock port=5432 dbname=app\"\n"
				   "    read_only: true\n"
				   "    pool: { min: 1, max: 2, acquire_timeout: 1m }\n"
				   "  gamma:\n"
				   "    conninfo: \"host=%s/nosock port=5432 dbname=app\"\n"
				   "    pool: { min: 0, max: 2, acquire_timeout: 300ms }\n"
				   "    pgbouncer: \"host=%s/nosock port=6432 dbname=pgbouncer\"\n";

static void
put(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);

	if (text == NULL)
		assert_int_equal(mkdir(path, 0777), 0);
	else
		assert_int_equal(tu_write_file(path, text), 0);
	free(path);
}

static void
on_update(void *arg, size_t db)
{
	struct fixture *f = arg;

	f->updates[db < N_DBS ? db : N_DBS]++;
}

/* Write the profile (top: extra top-level keys) and load it. */
static struct profile *
load(struct fixture *f, const char *top)
{
	struct profile_diags diags = { 0 };
	struct profile *p;
	char *text = xasprintf(profile_yaml, top, f->dir, f->dir, f->dir, f->dir);
	size_t i;

	assert_int_equal(tu_write_file(f->path, text), 0);
	free(text);
	p = profile_load(f->path, &diags);
	for (i = 0; i < diags.n; i++)
		print_error("%s:%d:%d: %s\n", diags.v[i].file, diags.v[i].line, diags.v[i].col,
			    diags.v[i].msg);
	profile_diags_free(&diags);
	assert_non_null(p);
	return p;
}

/* Replace the fixture's session by one on a profile with `top` keys. */
static void
reopen(struct fixture *f, const char *top, const char *database)
{
	char *err = NULL;

	session_free(&f->s);
	memset(f->updates, 0, sizeof f->updates);
	f->s = session_new(f->loop, &f->log, load(f, top), database, &err);
	if (f->s == NULL)
		fail_msg("session_new: %s", err);
	session_on_update(f->s, on_update, f);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	f->dir = tu_mkdtemp();
	if (f->dir == NULL) {
		free(f);
		return -1;
	}
	put(f->dir, "migrations", NULL);
	put(f->dir, "migrations/users", NULL);
	put(f->dir, "migrations/users/20240101_init.sql", "CREATE TABLE users.t (id int);\n");
	put(f->dir, "migrations/tenant", NULL);
	put(f->dir, "migrations/tenant/20240101_init.sql", "CREATE TABLE items (id int);\n");
	f->path = xasprintf("%s/sess.yaml", f->dir);
	f->loop = loop_new();
	msglog_init(&f->log, 500);
	reopen(f, "", NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	session_free(&f->s);
	loop_free(&f->loop);
	msglog_free(&f->log);
	tu_rm_rf(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static int64_t
now_ms(void)
{
	return loop_clock_us() / 1000;
}

/* Run the loop until *count reaches n, at most timeout_ms. */
static void
wait_count(struct fixture *f, const size_t *count, size_t n, int64_t timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	while (*count < n && now_ms() < deadline)
		loop_run_once(f->loop, 50);
	if (*count < n)
		fail_msg("%zu after %lld ms, want %zu", *count, (long long)timeout_ms, n);
}

/* Run the loop for ms (for checks that nothing happens meanwhile). */
static void
run_for(struct fixture *f, int64_t ms)
{
	int64_t end = now_ms() + ms;
	int64_t now;

	while ((now = now_ms()) < end)
		loop_run_once(f->loop, end - now);
}

static void
assert_contains(const char *s, const char *part)
{
	assert_non_null(s);
	if (strstr(s, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

/* The newest message of the log with this text prefix, or NULL. */
static const struct msg *
find_msg(const struct fixture *f, const char *prefix)
{
	size_t i;

	for (i = f->log.count; i-- > 0;) {
		const struct msg *m = msglog_get(&f->log, i);

		if (strncmp(m->text, prefix, strlen(prefix)) == 0)
			return m;
	}
	return NULL;
}

static int
pool_waiting(const struct fixture *f, size_t db)
{
	struct pool_stats st;

	pool_stats(session_database(f->s, db)->pool, &st);
	return st.waiting;
}

/* ------------------------------------------------------------------------
 * Construction
 * ------------------------------------------------------------------------ */

static void
test_built_from_profile(void **state)
{
	static const char *const labels[] = { "alpha", "beta", "gamma" };
	struct fixture *f = *state;
	size_t i;

	assert_int_equal(session_n_databases(f->s), N_DBS);
	assert_string_equal(session_profile(f->s)->name, "sess");
	assert_ptr_equal(session_loop(f->s), f->loop);
	assert_ptr_equal(session_log(f->s), &f->log);
	for (i = 0; i < N_DBS; i++) {
		assert_string_equal(session_label(f->s, i), labels[i]);
		assert_non_null(session_database(f->s, i));
		assert_string_equal(session_database(f->s, i)->cfg->label, labels[i]);
		assert_non_null(session_monitor(f->s, i));
		assert_non_null(session_browse(f->s, i));
		assert_non_null(session_inventory(f->s, i));
	}
	/* beyond the last database: nothing, never a crash */
	assert_null(session_database(f->s, N_DBS));
	assert_null(session_monitor(f->s, N_DBS));
	assert_null(session_browse(f->s, N_DBS));
	assert_null(session_inventory(f->s, N_DBS));
	assert_null(session_bouncer(f->s, N_DBS));
	assert_string_equal(session_label(f->s, N_DBS), "");
	/* a PgBouncer sampler only where the profile names one */
	assert_null(session_bouncer(f->s, ALPHA));
	assert_null(session_bouncer(f->s, BETA));
	assert_non_null(session_bouncer(f->s, GAMMA));
	assert_false(session_read_only(f->s, ALPHA));
	assert_true(session_read_only(f->s, BETA));
	assert_false(session_read_only(f->s, GAMMA));
	assert_int_equal(session_selected(f->s), 0);
	assert_int_equal(session_refresh_ms(f->s), 1000);
	assert_false(session_paused(f->s));
	assert_non_null(session_jobs(f->s));
	assert_int_equal(session_jobs_running(f->s), 0);
	assert_int_equal(session_actions_running(f->s), 0);
	assert_int_equal(session_locks(f->s)->state, SESSION_LOCKS_NONE);
}

static void
test_initial_database_by_label(void **state)
{
	struct fixture *f = *state;

	reopen(f, "", "gamma");
	assert_int_equal(session_selected(f->s), GAMMA);
	reopen(f, "", "beta");
	assert_int_equal(session_selected(f->s), BETA);
}

static void
test_unknown_label(void **state)
{
	struct fixture *f = *state;
	struct profile *p = load(f, "");
	char *err = NULL;

	assert_null(session_new(f->loop, &f->log, p, "delta", &err));
	assert_non_null(err);
	assert_contains(err, "\"delta\"");
	assert_contains(err, f->path);
	free(err);
	/* the profile is still the caller's */
	assert_string_equal(p->databases[0].label, "alpha");
	profile_free(&p);
}

static void
test_read_only_profile(void **state)
{
	struct fixture *f = *state;
	size_t i;

	reopen(f, "read_only: true\n", NULL);
	for (i = 0; i < N_DBS; i++) {
		const char *why = NULL;

		assert_true(session_read_only(f->s, i));
		assert_false(session_signal_backend(f->s, i, 1234, SESSION_CANCEL, &why));
		assert_contains(why, "read-only");
	}
}

/* ------------------------------------------------------------------------
 * Selection and refresh interval
 * ------------------------------------------------------------------------ */

static void
test_selection(void **state)
{
	struct fixture *f = *state;

	session_select(f->s, GAMMA);
	assert_int_equal(session_selected(f->s), GAMMA);
	session_select(f->s, N_DBS); /* out of range: ignored */
	assert_int_equal(session_selected(f->s), GAMMA);
	session_select_next(f->s, 1); /* wraps forwards */
	assert_int_equal(session_selected(f->s), ALPHA);
	session_select_next(f->s, -1); /* and backwards */
	assert_int_equal(session_selected(f->s), GAMMA);
	session_select_next(f->s, -1);
	assert_int_equal(session_selected(f->s), BETA);
	session_select_next(f->s, 0);
	assert_int_equal(session_selected(f->s), BETA);
}

static void
test_refresh_clamped(void **state)
{
	struct fixture *f = *state;

	session_set_refresh(f->s, 10);
	assert_int_equal(session_refresh_ms(f->s), SESSION_REFRESH_MIN_MS);
	session_set_refresh(f->s, 3600000);
	assert_int_equal(session_refresh_ms(f->s), SESSION_REFRESH_MAX_MS);
	session_set_refresh(f->s, 1500);
	assert_int_equal(session_refresh_ms(f->s), 1500);
}

static void
test_refresh_steps(void **state)
{
	static const int64_t up[] = { 2000, 5000, 10000, 30000, 60000, 60000 };
	static const int64_t down[] = { 30000, 10000, 5000, 2000, 1000, 500, 250, 250 };
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof up / sizeof up[0]; i++)
		assert_int_equal(session_refresh_step(f->s, 1), up[i]);
	assert_int_equal(session_refresh_ms(f->s), 60000);
	for (i = 0; i < sizeof down / sizeof down[0]; i++)
		assert_int_equal(session_refresh_step(f->s, -1), down[i]);
	/* from between two steps: to the nearest one in that direction */
	session_set_refresh(f->s, 750);
	assert_int_equal(session_refresh_step(f->s, 1), 1000);
	session_set_refresh(f->s, 750);
	assert_int_equal(session_refresh_step(f->s, -1), 500);
}

static void
test_refresh_from_profile(void **state)
{
	struct fixture *f = *state;

	/* `refresh` is the first key of profile_yaml: a second one would be a
	 * duplicate, so write the profile without the fixture's */
	struct profile_diags diags = { 0 };
	struct profile *p;
	char *text, *err = NULL;

	text = xasprintf("refresh: 750ms\n"
			 "databases:\n"
			 "  only:\n"
			 "    conninfo: \"host=%s/nosock dbname=app\"\n",
			 f->dir);
	assert_int_equal(tu_write_file(f->path, text), 0);
	free(text);
	p = profile_load(f->path, &diags);
	profile_diags_free(&diags);
	assert_non_null(p);
	session_free(&f->s);
	f->s = session_new(f->loop, &f->log, p, NULL, &err);
	assert_non_null(f->s);
	assert_int_equal(session_n_databases(f->s), 1);
	assert_int_equal(session_refresh_ms(f->s), 750);
	assert_int_equal(session_refresh_step(f->s, 1), 1000);
}

/* ------------------------------------------------------------------------
 * Sampling: interval, pause, refresh now
 *
 * While alpha's server is unreachable, each refresh of its monitor reports
 * the failure through the update callback: the updates of alpha count its
 * refreshes.
 * ------------------------------------------------------------------------ */

static void
test_sampling_follows_interval(void **state)
{
	struct fixture *f = *state;
	size_t n;

	session_set_refresh(f->s, 250);
	session_start(f->s);
	/* the first refresh at once, then every 250 ms */
	assert_true(f->updates[ALPHA] >= 1);
	wait_count(f, &f->updates[ALPHA], 4, 5000);
	/* the slowest interval: no refresh for a minute */
	session_set_refresh(f->s, SESSION_REFRESH_MAX_MS);
	n = f->updates[ALPHA];
	run_for(f, 1000);
	assert_int_equal(f->updates[ALPHA], n);
	/* and back */
	session_set_refresh(f->s, 250);
	wait_count(f, &f->updates[ALPHA], n + 2, 5000);
}

static void
test_pause_and_resume(void **state)
{
	struct session_db_status st;
	struct fixture *f = *state;
	size_t n;

	session_set_refresh(f->s, 250);
	session_start(f->s);
	wait_count(f, &f->updates[ALPHA], 2, 5000);
	session_set_paused(f->s, true);
	assert_true(session_paused(f->s));
	session_db_status(f->s, ALPHA, &st);
	assert_true(st.paused);
	n = f->updates[ALPHA];
	run_for(f, 800);
	assert_int_equal(f->updates[ALPHA], n);
	/* an interval set while paused applies when it resumes */
	session_set_refresh(f->s, SESSION_REFRESH_MAX_MS);
	run_for(f, 300);
	assert_int_equal(f->updates[ALPHA], n);
	/* resuming refreshes at once, not a minute later */
	session_set_paused(f->s, false);
	assert_false(session_paused(f->s));
	wait_count(f, &f->updates[ALPHA], n + 1, 2000);
	n = f->updates[ALPHA];
	run_for(f, 800);
	assert_int_equal(f->updates[ALPHA], n);
}

static void
test_paused_before_start(void **state)
{
	struct fixture *f = *state;

	session_set_refresh(f->s, 250);
	session_set_paused(f->s, true);
	session_start(f->s);
	run_for(f, 700);
	assert_int_equal(f->updates[ALPHA], 0);
	assert_int_equal(f->updates[BETA], 0);
	session_set_paused(f->s, false);
	wait_count(f, &f->updates[ALPHA], 1, 2000);
}

static void
test_refresh_now(void **state)
{
	struct fixture *f = *state;

	/* not even started: each monitor refreshes once, now */
	session_refresh_now(f->s);
	assert_int_equal(f->updates[ALPHA], 1);
	assert_int_equal(f->updates[BETA], 1);
	run_for(f, 600);
	assert_int_equal(f->updates[ALPHA], 1);
	assert_int_equal(f->updates[BETA], 1);
}

/* ------------------------------------------------------------------------
 * Status
 * ------------------------------------------------------------------------ */

static void
test_status_of_unreachable_database(void **state)
{
	struct session_db_status st;
	struct fixture *f = *state;
	char text[512];
	int64_t deadline = now_ms() + 5000;

	session_start(f->s);
	session_db_status(f->s, ALPHA, &st);
	while (st.state != SESSION_DB_RETRYING && now_ms() < deadline) {
		loop_run_once(f->loop, 50);
		session_db_status(f->s, ALPHA, &st);
	}
	assert_int_equal(st.state, SESSION_DB_RETRYING);
	assert_contains(st.error, "nosock");
	assert_int_equal(st.age_ms, 0);
	assert_false(st.paused);
	session_db_status_text(&st, text, sizeof text);
	assert_true(strncmp(text, "retrying in ", 12) == 0);
	assert_contains(text, "nosock");
	assert_null(strchr(text, '\n'));
}

static void
test_status_text(void **state)
{
	static const struct {
		struct session_db_status st;
		const char *want;
	} cases[] = {
		{ { .state = SESSION_DB_LIVE, .age_ms = 0, .retry_in_ms = 0, .error = "" },
		  "live" },
		{ { .state = SESSION_DB_LIVE,
		    .age_ms = 0,
		    .retry_in_ms = 0,
		    .error = "",
		    .paused = true },
		  "paused" },
		{ { .state = SESSION_DB_CONNECTING, .age_ms = 0, .retry_in_ms = 0, .error = "" },
		  "connecting" },
		{ { .state = SESSION_DB_RETRYING,
		    .age_ms = 0,
		    .retry_in_ms = 4000,
		    .error = "refused\nDETAIL: x" },
		  "retrying in 4s: refused" },
		{ { .state = SESSION_DB_RETRYING,
		    .age_ms = 0,
		    .retry_in_ms = 300,
		    .error = "refused" },
		  "retrying in 1s: refused" },
		{ { .state = SESSION_DB_STALE, .age_ms = 12000, .retry_in_ms = 0, .error = "gone" },
		  "stale 12s: gone" },
		{ { .state = SESSION_DB_STALE,
		    .age_ms = 90000,
		    .retry_in_ms = 3000,
		    .error = "gone" },
		  "stale 1m30s, retrying in 3s: gone" },
		{ { .state = SESSION_DB_ERROR,
		    .age_ms = 0,
		    .retry_in_ms = 0,
		    .error = "permission denied\nHINT: grant" },
		  "error: permission denied" },
		{ { .state = SESSION_DB_RETRYING,
		    .retry_in_ms = 30000,
		    .error = "password authentication failed",
		    .auth_failed = true,
		    .auth_backoff_max_ms = 60000 },
		  "retrying in 30s (authentication failed: backing off up to 1m): password "
		  "authentication failed" },
	};
	struct session_db_status st = {
		.state = SESSION_DB_ERROR, .age_ms = 0, .retry_in_ms = 0, .error = "a long reason"
	};
	char buf[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		session_db_status_text(&cases[i].st, buf, sizeof buf);
		assert_string_equal(buf, cases[i].want);
	}
	/* cut to the buffer, always terminated */
	session_db_status_text(&st, buf, 8);
	assert_string_equal(buf, "error: ");
}

/* ------------------------------------------------------------------------
 * Cancel and terminate
 * ------------------------------------------------------------------------ */

static void
test_signal_refused(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;
	size_t logged = f->log.count;
	int waiting = pool_waiting(f, BETA);

	assert_false(session_signal_backend(f->s, BETA, 4242, SESSION_CANCEL, &why));
	assert_string_equal(why,
			    "the profile is read-only: backends cannot be cancelled or terminated");
	why = NULL;
	assert_false(session_signal_backend(f->s, BETA, 4242, SESSION_TERMINATE, &why));
	assert_contains(why, "read-only");
	why = NULL;
	assert_false(session_signal_backend(f->s, N_DBS, 4242, SESSION_CANCEL, &why));
	assert_string_equal(why, "no such database");
	/* refused before anything was sent or queued */
	assert_int_equal(session_actions_running(f->s), 0);
	assert_int_equal(pool_waiting(f, BETA), waiting);
	assert_int_equal(f->log.count, logged);
	run_for(f, 100);
	assert_int_equal(f->updates[BETA], 0);
}

static void
test_signal_answered(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;
	const struct msg *m;

	assert_true(session_signal_backend(f->s, GAMMA, 4242, SESSION_TERMINATE, &why));
	assert_null(why);
	assert_int_equal(session_actions_running(f->s), 1);
	m = find_msg(f, "terminate of backend 4242 requested");
	assert_non_null(m);
	assert_int_equal(m->level, MSG_INFO);
	assert_string_equal(m->source, "gamma");
	assert_int_equal(pool_waiting(f, GAMMA), 1);
	/* no server: the pool gives up after 300 ms, the log says why */
	wait_count(f, &f->updates[GAMMA], 1, 5000);
	assert_int_equal(session_actions_running(f->s), 0);
	m = find_msg(f, "terminate of backend 4242 failed: ");
	assert_non_null(m);
	assert_int_equal(m->level, MSG_ERROR);
	assert_string_equal(m->source, "gamma");
	assert_contains(m->text, "no connection within 300ms");
	assert_null(strchr(m->text, '\n'));
	assert_int_equal(f->updates[ALPHA], 0);
	assert_string_equal(session_signal_name(SESSION_CANCEL), "cancel");
	assert_string_equal(session_signal_name(SESSION_TERMINATE), "terminate");
}

static void
test_free_with_action_in_flight(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;

	/* alpha's requests wait a minute: still in flight when the session goes */
	assert_true(session_signal_backend(f->s, ALPHA, 7, SESSION_CANCEL, &why));
	session_fetch_locks(f->s, ALPHA, 7);
	assert_int_equal(session_actions_running(f->s), 1);
	assert_int_equal(pool_waiting(f, ALPHA), 2);
	session_free(&f->s);
	assert_null(f->s);
	/* their answers (the pools' close) were dropped, not delivered */
	assert_int_equal(f->updates[ALPHA], 0);
	run_for(f, 100);
	assert_int_equal(f->updates[ALPHA], 0);
}

/* ------------------------------------------------------------------------
 * Advisor runs
 * ------------------------------------------------------------------------ */

/* Started, told through the update callback, kept with its end. */
static void
test_advisor_run_kept(void **state)
{
	struct fixture *f = *state;
	const struct session_advisor_run *r = session_advisor_run(f->s, GAMMA);
	const struct advisor *adv;

	assert_non_null(r);
	assert_null(r->adv);
	assert_int_equal(r->gen, 0);
	assert_null(session_advisor_run(f->s, N_DBS));
	session_advisor_start(f->s, N_DBS, 3000); /* no such database: nothing */
	session_advisor_start(f->s, GAMMA, 3000);
	adv = r->adv;
	assert_non_null(adv);
	assert_int_equal(r->window_ms, 3000);
	assert_int_equal(advisor_state(adv), ADVISOR_RUNNING);
	assert_int_equal(r->gen, 1);
	assert_int_equal(r->finished_s, 0);
	/* the start reached the update callback at once */
	assert_int_equal(f->updates[GAMMA], 1);
	/* no server: gamma's pool gives up after 300 ms and the run fails */
	while (!advisor_finished(r->adv))
		wait_count(f, &f->updates[GAMMA], f->updates[GAMMA] + 1, 5000);
	assert_ptr_equal(r->adv, adv);
	assert_int_equal(advisor_state(adv), ADVISOR_FAILED);
	assert_true(advisor_error(adv)[0] != '\0');
	assert_int_equal(r->gen, 2);
	assert_true(r->finished_s > 0);
	/* the other databases have none */
	assert_null(session_advisor_run(f->s, ALPHA)->adv);
	assert_int_equal(f->updates[ALPHA], 0);
	/* kept: nothing more happens by itself */
	run_for(f, 100);
	assert_int_equal(r->gen, 2);
	assert_int_equal(advisor_state(r->adv), ADVISOR_FAILED);
}

/* Started over with the same window: the same run; another window: a new one. */
static void
test_advisor_run_again_and_replaced(void **state)
{
	struct fixture *f = *state;
	const struct session_advisor_run *r = session_advisor_run(f->s, GAMMA);
	const struct advisor *adv;
	uint64_t gen;

	session_advisor_start(f->s, GAMMA, 3000);
	while (!advisor_finished(r->adv))
		wait_count(f, &f->updates[GAMMA], f->updates[GAMMA] + 1, 5000);
	adv = r->adv;
	gen = r->gen;
	session_advisor_start(f->s, GAMMA, 3000);
	assert_ptr_equal(r->adv, adv);
	assert_int_equal(advisor_state(r->adv), ADVISOR_RUNNING);
	assert_int_equal(r->finished_s, 0);
	assert_true(r->gen > gen);
	/* another window while it runs: replaced, the old one's answer goes nowhere */
	gen = r->gen;
	session_advisor_start(f->s, GAMMA, 10000);
	assert_non_null(r->adv);
	assert_int_equal(r->window_ms, 10000);
	assert_int_equal(advisor_state(r->adv), ADVISOR_RUNNING);
	assert_true(r->gen > gen);
	while (!advisor_finished(r->adv))
		wait_count(f, &f->updates[GAMMA], f->updates[GAMMA] + 1, 5000);
	assert_int_equal(advisor_state(r->adv), ADVISOR_FAILED);
}

/* A run in flight when the session goes: stopped, its answer dropped, nothing leaks. */
static void
test_advisor_run_freed_in_flight(void **state)
{
	struct fixture *f = *state;

	/* alpha's acquire waits a minute: the run is still waiting for a connection */
	session_advisor_start(f->s, ALPHA, 3000);
	assert_int_equal(advisor_state(session_advisor_run(f->s, ALPHA)->adv), ADVISOR_RUNNING);
	assert_int_equal(pool_waiting(f, ALPHA), 1);
	f->updates[ALPHA] = 0;
	session_free(&f->s);
	assert_int_equal(f->updates[ALPHA], 0);
	run_for(f, 100);
	assert_int_equal(f->updates[ALPHA], 0);
}

/* ------------------------------------------------------------------------
 * Locks of a backend
 * ------------------------------------------------------------------------ */

static void
test_locks_fetch_fails_without_server(void **state)
{
	struct fixture *f = *state;
	const struct session_locks *l = session_locks(f->s);

	session_fetch_locks(f->s, GAMMA, 77);
	assert_int_equal(l->state, SESSION_LOCKS_LOADING);
	assert_int_equal(l->db, GAMMA);
	assert_int_equal(l->pid, 77);
	wait_count(f, &f->updates[GAMMA], 1, 5000);
	assert_int_equal(l->state, SESSION_LOCKS_FAILED);
	assert_int_equal(l->db, GAMMA);
	assert_int_equal(l->pid, 77);
	assert_int_equal(l->n, 0);
	assert_contains(l->error, "no connection within 300ms");
	session_clear_locks(f->s);
	assert_int_equal(l->state, SESSION_LOCKS_NONE);
	assert_null(l->error);
	/* out of range: ignored */
	session_fetch_locks(f->s, N_DBS, 77);
	assert_int_equal(l->state, SESSION_LOCKS_NONE);
}

static void
test_locks_newer_request_wins(void **state)
{
	struct fixture *f = *state;
	const struct session_locks *l = session_locks(f->s);
	int64_t deadline = now_ms() + 5000;

	session_fetch_locks(f->s, GAMMA, 1);
	session_fetch_locks(f->s, GAMMA, 2);
	assert_int_equal(l->pid, 2);
	assert_int_equal(pool_waiting(f, GAMMA), 2);
	while (pool_waiting(f, GAMMA) > 0 && now_ms() < deadline)
		loop_run_once(f->loop, 50);
	assert_int_equal(pool_waiting(f, GAMMA), 0);
	/* both were answered; only the newer one counts */
	assert_int_equal(l->state, SESSION_LOCKS_FAILED);
	assert_int_equal(l->pid, 2);
	assert_int_equal(f->updates[GAMMA], 1);
}

static void
test_locks_cleared_answer_dropped(void **state)
{
	struct fixture *f = *state;
	const struct session_locks *l = session_locks(f->s);
	int64_t deadline = now_ms() + 5000;

	session_fetch_locks(f->s, GAMMA, 3);
	session_clear_locks(f->s);
	assert_int_equal(l->state, SESSION_LOCKS_NONE);
	while (pool_waiting(f, GAMMA) > 0 && now_ms() < deadline)
		loop_run_once(f->loop, 50);
	assert_int_equal(pool_waiting(f, GAMMA), 0);
	assert_int_equal(l->state, SESSION_LOCKS_NONE);
	assert_int_equal(f->updates[GAMMA], 0);
}

static void
test_advisory_key(void **state)
{
	int64_t key = 0, key2 = 0;
	bool bigint = false;

	(void)state;
	/* one bigint key: classid is the high half, objid the low half */
	session_advisory_key(1, 2, 1, &key, &key2, &bigint);
	assert_true(bigint);
	assert_int_equal(key, ((int64_t)1 << 32) | 2);
	assert_int_equal(key2, 0);
	session_advisory_key(0xFFFFFFFFu, 0xFFFFFFFEu, 1, &key, &key2, &bigint);
	assert_true(bigint);
	assert_int_equal(key, -2);
	/* two int4 keys, signed */
	session_advisory_key(0xFFFFFFFFu, 7, 2, &key, &key2, &bigint);
	assert_false(bigint);
	assert_int_equal(key, -1);
	assert_int_equal(key2, 7);
}

/* ------------------------------------------------------------------------
 * Jobs and inventories
 * ------------------------------------------------------------------------ */

static void
test_jobs_reach_update_callback(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	struct fixture *f = *state;
	struct tenant_job_opts o;
	const struct job *job;
	char *why = NULL;

	tenant_job_opts_defaults(&o);
	o.ids = acme;
	o.n_ids = 1;
	/* refused by the engine (no --confirm): it starts and ends at once */
	job = jobs_tenant(session_jobs(f->s), ALPHA, session_database(f->s, ALPHA),
			  TENANT_JOB_ARCHIVE, &o, &why);
	assert_non_null(job);
	assert_int_equal(job->state, JOB_FAILED);
	assert_int_equal(f->updates[ALPHA], 2); /* its start and its end */
	assert_int_equal(f->updates[GAMMA], 0);
	assert_int_equal(session_jobs_running(f->s), 0);
	/* one that waits for its connection is running */
	job = jobs_tenant(session_jobs(f->s), ALPHA, session_database(f->s, ALPHA),
			  TENANT_JOB_PROVISION, &o, &why);
	assert_non_null(job);
	assert_int_equal(session_jobs_running(f->s), 1);
	assert_int_equal(f->updates[ALPHA], 3);
}

static void
test_inventory_only_when_wanted(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = session_inventory(f->s, ALPHA);

	session_start(f->s);
	run_for(f, 100);
	assert_int_equal(inventory_rounds(inv), 0);
	assert_int_equal(inventory_next_in_ms(inv), -1);
	session_want_inventory(f->s);
	/* read from now on, starting at once (unreachable: the round ends at
	 * once, saying so), then on its cadence */
	assert_int_equal(inventory_rounds(inv), 1);
	assert_contains(inventory_facts(inv)->error, "unreachable: ");
	assert_true(inventory_next_in_ms(inv) > 0);
	/* gamma has nothing to read (no module, no tenants) */
	assert_int_equal(inventory_rounds(session_inventory(f->s, GAMMA)), 0);
	/* pausing stops the cadence */
	session_set_paused(f->s, true);
	assert_int_equal(inventory_next_in_ms(inv), -1);
	session_set_paused(f->s, false);
	assert_true(inventory_next_in_ms(inv) >= 0);
}

static void
test_inventory_wanted_before_start(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = session_inventory(f->s, ALPHA);

	session_want_inventory(f->s);
	assert_int_equal(inventory_rounds(inv), 0); /* not started yet */
	session_start(f->s);
	assert_int_equal(inventory_rounds(inv), 1);
}

/* ------------------------------------------------------------------------
 * Teardown
 * ------------------------------------------------------------------------ */

static void
test_free_leaves_nothing(void **state)
{
	static const char *const acme[] = { "acme", NULL };
	struct fixture *f = *state;
	struct tenant_job_opts o;
	struct mig_opts mo;
	const char *why = NULL;
	char *jwhy = NULL;

	/* everything at once: sampling, inventories, an action, a lock fetch,
	 * a tenant job and a migrate job waiting for connections */
	session_set_refresh(f->s, 250);
	session_start(f->s);
	session_want_inventory(f->s);
	assert_true(session_signal_backend(f->s, GAMMA, 9, SESSION_CANCEL, &why));
	session_fetch_locks(f->s, ALPHA, 9);
	tenant_job_opts_defaults(&o);
	o.ids = acme;
	o.n_ids = 1;
	assert_non_null(jobs_tenant(session_jobs(f->s), ALPHA, session_database(f->s, ALPHA),
				    TENANT_JOB_PROVISION, &o, &jwhy));
	mig_opts_defaults(&mo);
	assert_non_null(jobs_migrate(session_jobs(f->s), ALPHA, session_database(f->s, ALPHA),
				     &session_profile(f->s)->databases[ALPHA].modules[0],
				     MIG_RUN_APPLY, &mo, &jwhy));
	run_for(f, 300);
	session_free(&f->s);
	assert_null(f->s);
	/* no timer or watch of the session is left on the loop */
	assert_int_equal(loop_run_once(f->loop, 300), 0);
	assert_int_equal(loop_run_once(f->loop, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_built_from_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initial_database_by_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_clamped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_from_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sampling_follows_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_and_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paused_before_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_of_unreachable_database, setup,
						teardown),
		cmocka_unit_test(test_status_text),
		cmocka_unit_test_setup_teardown(test_signal_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_with_action_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks_fetch_fails_without_server, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_locks_newer_request_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks_cleared_answer_dropped, setup, teardown),
		cmocka_unit_test(test_advisory_key),
		cmocka_unit_test_setup_teardown(test_jobs_reach_update_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory_only_when_wanted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory_wanted_before_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_advisor_run_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_advisor_run_again_and_replaced, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_advisor_run_freed_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_leaves_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
