/*
 * test_migrate_plan: the pure half of the migration engine. A folder of
 * real files (scanned by migfile, so names, order and checksums are the
 * engine's own) is judged against ledger rows and failures made here:
 * every state, NULL-module rows, byte-wise order, then the apply, rollback
 * and repair plans with their refusals.
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

#include "manager.h"
#include "migfile.h"
#include "migrate.h"
#include "testutil.h"
#include "xalloc.h"

/* A checksum no file here has. */
#define OTHER_SUM "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct fx {
	char *dir;
	struct migfile_set files;
	struct mig_status st;
	struct mig_plan plan;
	struct manager *mgr;
};

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof *fx);
	char *err = NULL;

	fx->dir = tu_mkdtemp();
	if (fx->dir == NULL)
		return -1;
	fx->mgr = manager_new(NULL, "app", "app", NULL, &err);
	if (fx->mgr == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	mig_plan_free(&fx->plan);
	mig_status_free(&fx->st);
	migfile_set_free(&fx->files);
	manager_free(&fx->mgr);
	tu_rm_rf(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

/* Write a file of the folder (rel may be "down/NAME.sql"). */
static void
put(struct fx *fx, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", fx->dir, rel);

	if (strncmp(rel, "down/", 5) == 0) {
		char *down = xasprintf("%s/down", fx->dir);

		mkdir(down, 0777);
		free(down);
	}
	assert_int_equal(tu_write_file(path, text), 0);
	free(path);
}

/* A migration that creates one table. */
static void
put_table(struct fx *fx, const char *name)
{
	char *text = xasprintf("CREATE TABLE {{tables.t_%.3s}} (id int);\n", name);

	put(fx, name, text);
	free(text);
}

static void
scan(struct fx *fx)
{
	char *err = migfile_scan(fx->dir, &fx->files);

	assert_null(err);
}

/* One ledger row: sum NULL means "the file's own checksum" (applied as it is). */
struct rowspec {
	int64_t id;
	const char *file;
	const char *sum;
	bool null_module;
};

struct failspec {
	const char *file;
	const char *action;
};

/* Judge the scanned folder against rows and failures (the status takes them). */
static void
judge(struct fx *fx, const struct rowspec *rs, size_t n_rows, const struct failspec *fs,
      size_t n_failures)
{
	struct mig_row *rows = xcalloc(n_rows + 1, sizeof *rows);
	struct mig_failure *failures = xcalloc(n_failures + 1, sizeof *failures);
	size_t i;

	for (i = 0; i < n_rows; i++) {
		const struct migfile *f = migfile_find(&fx->files, rs[i].file);

		rows[i].id = rs[i].id;
		rows[i].filename = xstrdup(rs[i].file);
		rows[i].checksum = xstrdup(rs[i].sum != NULL ? rs[i].sum
					   : f != NULL	     ? f->up.checksum
							     : OTHER_SUM);
		rows[i].null_module = rs[i].null_module;
		rows[i].applied_at = xstrdup("2026-01-01 00:00:00");
		rows[i].applied_by = xstrdup("tester");
		rows[i].exec_ms = 1;
	}
	for (i = 0; i < n_failures; i++) {
		failures[i].filename = xstrdup(fs[i].file);
		failures[i].action = xstrdup(fs[i].action);
		failures[i].error = xstrdup("boom");
		failures[i].at = xstrdup("2026-01-01 00:00:01");
	}
	mig_status_compute(&fx->st, &fx->files, rows, n_rows, failures, n_failures);
}

static const struct mig_entry *
entry(const struct fx *fx, const char *name)
{
	size_t i;

	for (i = 0; i < fx->st.n_entries; i++) {
		if (strcmp(fx->st.entries[i].filename, name) == 0)
			return &fx->st.entries[i];
	}
	fail_msg("no entry %s", name);
	return NULL;
}

static void
assert_state(const struct fx *fx, const char *name, enum mig_state want)
{
	const struct mig_entry *e = entry(fx, name);

	if (e->state != want)
		fail_msg("%s is %s, expected %s", name, mig_state_name(e->state),
			 mig_state_name(want));
}

/* The plan's steps, as "a.sql,b.sql". */
static char *
steps_of(const struct mig_plan *plan)
{
	char *s = xstrdup("");
	size_t i;

	for (i = 0; i < plan->n; i++) {
		char *t = xasprintf("%s%s%s", s, i > 0 ? "," : "", plan->steps[i]->filename);

		free(s);
		s = t;
	}
	return s;
}

static void
assert_steps(const struct mig_plan *plan, const char *want)
{
	char *got = steps_of(plan);

	assert_string_equal(got, want);
	free(got);
}

/* A refused plan says why and has no step. */
static void
assert_refused(const struct mig_plan *plan, const char *part)
{
	assert_non_null(plan->refusal);
	if (strstr(plan->refusal, part) == NULL)
		fail_msg("refusal \"%s\" does not say \"%s\"", plan->refusal, part);
	assert_int_equal(plan->n, 0);
}

static void
apply_plan(struct fx *fx, const struct mig_opts *o)
{
	mig_plan_free(&fx->plan);
	mig_plan_apply(&fx->plan, &fx->st, o, fx->mgr, 160000);
}

static void
rollback_plan(struct fx *fx, const struct mig_opts *o)
{
	mig_plan_free(&fx->plan);
	mig_plan_rollback(&fx->plan, &fx->st, o);
}

/* ------------------------------------------------------------------------
 * Status
 * ------------------------------------------------------------------------ */

/* Every state at once, with the counts and the order of the entries. */
static void
test_status_every_state(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = {
		{ 1, "001_a.sql", NULL, false },
		{ 2, "004_d.sql", OTHER_SUM, false },
		{ 3, "900_gone.sql", OTHER_SUM, false },
		{ 4, "050_gone.sql", OTHER_SUM, false },
	};
	static const struct failspec fails[] = {
		{ "005_e.sql", "fail" },
		{ "001_a.sql", "fail" }, /* an older failure of a file applied since */
	};
	static const char *const order[] = { "001_a.sql",    "002_b.sql",   "003_c.sql",
					     "004_d.sql",    "005_e.sql",   "006_f.sql",
					     "900_gone.sql", "050_gone.sql" };
	size_t i;

	put_table(fx, "001_a.sql");
	put(fx, "down/001_a.sql", "DROP TABLE {{tables.t_001}};\n");
	put_table(fx, "002_b.sql");
	put(fx, "003_c.sql", "  \n\n");
	put_table(fx, "004_d.sql");
	put_table(fx, "005_e.sql");
	put(fx, "006_f.sql", "-- pgdbm:no-transaction\nCREATE INDEX CONCURRENTLY i ON x (y);\n");
	scan(fx);
	judge(fx, rows, 4, fails, 2);

	assert_state(fx, "001_a.sql", MIG_APPLIED);
	assert_state(fx, "002_b.sql", MIG_OUT_OF_ORDER);
	assert_state(fx, "003_c.sql", MIG_EMPTY);
	assert_state(fx, "004_d.sql", MIG_MODIFIED);
	assert_state(fx, "005_e.sql", MIG_FAILED);
	assert_state(fx, "006_f.sql", MIG_PENDING);
	assert_state(fx, "900_gone.sql", MIG_MISSING);
	assert_state(fx, "050_gone.sql", MIG_MISSING);

	/* the files in folder order, then the missing rows in ledger order */
	assert_int_equal(fx->st.n_entries, 8);
	for (i = 0; i < 8; i++)
		assert_string_equal(fx->st.entries[i].filename, order[i]);

	assert_int_equal(fx->st.count[MIG_APPLIED], 1);
	assert_int_equal(fx->st.count[MIG_PENDING], 1);
	assert_int_equal(fx->st.count[MIG_OUT_OF_ORDER], 1);
	assert_int_equal(fx->st.count[MIG_MODIFIED], 1);
	assert_int_equal(fx->st.count[MIG_MISSING], 2);
	assert_int_equal(fx->st.count[MIG_FAILED], 1);
	assert_int_equal(fx->st.count[MIG_EMPTY], 1);

	/* what each entry points at */
	assert_ptr_equal(entry(fx, "001_a.sql")->row, &fx->st.rows[0]);
	assert_true(entry(fx, "001_a.sql")->has_down);
	assert_false(entry(fx, "002_b.sql")->has_down);
	assert_null(entry(fx, "002_b.sql")->row);
	assert_ptr_equal(entry(fx, "004_d.sql")->row, &fx->st.rows[1]);
	assert_non_null(entry(fx, "005_e.sql")->failure);
	assert_string_equal(entry(fx, "005_e.sql")->failure->action, "fail");
	assert_true(entry(fx, "006_f.sql")->no_transaction);
	assert_null(entry(fx, "900_gone.sql")->file);
	assert_ptr_equal(entry(fx, "900_gone.sql")->row, &fx->st.rows[2]);
	assert_string_equal(mig_state_name(MIG_OUT_OF_ORDER), "out of order");
}

/* A no-transaction run that never finished ("begin") is failed too. */
static void
test_status_unfinished_begin(void **state)
{
	struct fx *fx = *state;
	static const struct failspec fails[] = { { "001_a.sql", "begin" } };

	put_table(fx, "001_a.sql");
	scan(fx);
	judge(fx, NULL, 0, fails, 1);
	assert_state(fx, "001_a.sql", MIG_FAILED);
	/* empty wins over failed: the file must get its SQL first */
	mig_status_free(&fx->st);
	migfile_set_free(&fx->files);
	put(fx, "001_a.sql", "\n");
	scan(fx);
	judge(fx, NULL, 0, fails, 1);
	assert_state(fx, "001_a.sql", MIG_EMPTY);
}

/* Nothing at all; then files and no ledger: all pending. */
static void
test_status_empty(void **state)
{
	struct fx *fx = *state;
	size_t i;

	scan(fx);
	judge(fx, NULL, 0, NULL, 0);
	assert_int_equal(fx->st.n_entries, 0);
	for (i = 0; i < MIG_N_STATES; i++)
		assert_int_equal(fx->st.count[i], 0);

	mig_status_free(&fx->st);
	migfile_set_free(&fx->files);
	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	scan(fx);
	judge(fx, NULL, 0, NULL, 0);
	assert_int_equal(fx->st.n_entries, 2);
	assert_int_equal(fx->st.count[MIG_PENDING], 2);
}

/*
 * A row written without a module (an old pgdbm) counts for every module;
 * a module's own row of the same name wins over it.
 */
static void
test_status_null_module_rows(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = {
		{ 1, "001_a.sql", NULL, true },
		{ 2, "002_b.sql", OTHER_SUM, true },
		{ 3, "002_b.sql", NULL, false },
	};

	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	put_table(fx, "003_c.sql");
	scan(fx);
	judge(fx, rows, 3, NULL, 0);
	assert_state(fx, "001_a.sql", MIG_APPLIED);
	assert_true(entry(fx, "001_a.sql")->row->null_module);
	assert_state(fx, "002_b.sql", MIG_APPLIED);
	assert_ptr_equal(entry(fx, "002_b.sql")->row, &fx->st.rows[2]);
	assert_state(fx, "003_c.sql", MIG_PENDING);
	/* the NULL-module row makes 001 the last applied file too */
	assert_int_equal(fx->st.count[MIG_APPLIED], 2);
	assert_int_equal(fx->st.n_entries, 3);
}

/* Order is byte-wise: "010" before "9", "B" before "a". */
static void
test_status_byte_order(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = {
		{ 1, "010_x.sql", NULL, false },
		{ 2, "1_a.sql", NULL, false },
	};
	static const char *const order[] = { "010_x.sql", "1_B.sql", "1_a.sql", "9_y.sql" };
	size_t i;

	put_table(fx, "9_y.sql");
	put_table(fx, "010_x.sql");
	put_table(fx, "1_a.sql");
	put_table(fx, "1_B.sql");
	scan(fx);
	judge(fx, rows, 2, NULL, 0);
	for (i = 0; i < 4; i++)
		assert_string_equal(fx->st.entries[i].filename, order[i]);
	/* 9_y sorts after the last applied 1_a (byte-wise): pending, not out of order */
	assert_state(fx, "9_y.sql", MIG_PENDING);
	/* 1_B sorts before 1_a: out of order */
	assert_state(fx, "1_B.sql", MIG_OUT_OF_ORDER);
}

/* ------------------------------------------------------------------------
 * Apply plans
 * ------------------------------------------------------------------------ */

/* Pending files in order; --steps and --to cut the plan. */
static void
test_plan_apply_pending(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = { { 1, "001_a.sql", NULL, false } };
	struct mig_opts o;

	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	put_table(fx, "003_c.sql");
	put_table(fx, "004_d.sql");
	scan(fx);
	judge(fx, rows, 1, NULL, 0);
	mig_opts_defaults(&o);
	apply_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_steps(&fx->plan, "002_b.sql,003_c.sql,004_d.sql");

	o.steps = 2;
	apply_plan(fx, &o);
	assert_steps(&fx->plan, "002_b.sql,003_c.sql");

	o.steps = 0;
	o.to = "003_c.sql";
	apply_plan(fx, &o);
	assert_steps(&fx->plan, "002_b.sql,003_c.sql");

	o.to = "009_nope.sql";
	apply_plan(fx, &o);
	assert_refused(&fx->plan, "009_nope.sql is not a migration of this folder");
}

/* Nothing pending: an empty plan, not a refusal. */
static void
test_plan_apply_nothing(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = { { 1, "001_a.sql", NULL, false } };
	struct mig_opts o;

	put_table(fx, "001_a.sql");
	scan(fx);
	judge(fx, rows, 1, NULL, 0);
	mig_opts_defaults(&o);
	apply_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_int_equal(fx->plan.n, 0);
}

/* Drift refuses the whole plan unless allowed; repair is named. */
static void
test_plan_apply_drift(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = { { 1, "001_a.sql", OTHER_SUM, false } };
	struct mig_opts o;

	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	scan(fx);
	judge(fx, rows, 1, NULL, 0);
	mig_opts_defaults(&o);
	apply_plan(fx, &o);
	assert_refused(&fx->plan, "001_a.sql was modified after it was applied (ledger checksum "
				  "0123456789ab..., file ");
	assert_refused(&fx->plan, "accept it with `migrate repair 001_a.sql`");

	o.allow_drift = true;
	apply_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_steps(&fx->plan, "002_b.sql");
}

/* Out of order refuses unless allowed; allowed, it runs in folder order. */
static void
test_plan_apply_out_of_order(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = { { 1, "002_b.sql", NULL, false } };
	struct mig_opts o;

	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	put_table(fx, "003_c.sql");
	scan(fx);
	judge(fx, rows, 1, NULL, 0);
	mig_opts_defaults(&o);
	apply_plan(fx, &o);
	assert_refused(&fx->plan, "001_a.sql sorts before migrations already applied (out of "
				  "order); apply it anyway with --allow-out-of-order");

	o.allow_out_of_order = true;
	apply_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_steps(&fx->plan, "001_a.sql,003_c.sql");
}

/* A failed file is tried again; a missing one is a warning, not a refusal. */
static void
test_plan_apply_failed_and_missing(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = { { 1, "000_gone.sql", OTHER_SUM, false } };
	static const struct failspec fails[] = { { "001_a.sql", "fail" } };
	struct mig_opts o;

	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	scan(fx);
	judge(fx, rows, 1, fails, 1);
	mig_opts_defaults(&o);
	apply_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_steps(&fx->plan, "001_a.sql,002_b.sql");
	assert_int_equal(fx->plan.n_warnings, 1);
	assert_string_equal(fx->plan.warnings[0],
			    "000_gone.sql is in the ledger but its file is gone");
}

/* Files that cannot run as they are: empty, not rendering, not in a transaction. */
static void
test_plan_apply_file_problems(void **state)
{
	struct fx *fx = *state;
	struct mig_opts o;
	char *want;

	mig_opts_defaults(&o);
	put(fx, "001_a.sql", "\n \n");
	scan(fx);
	judge(fx, NULL, 0, NULL, 0);
	apply_plan(fx, &o);
	want = xasprintf("%s/001_a.sql is empty: " MIG_EMPTY_HINT, fx->dir);
	assert_refused(&fx->plan, want);
	free(want);

	mig_status_free(&fx->st);
	migfile_set_free(&fx->files);
	put(fx, "001_a.sql", "SELECT 1;\nCREATE TABLE {{tables.1x}} (id int);\n");
	scan(fx);
	judge(fx, NULL, 0, NULL, 0);
	apply_plan(fx, &o);
	want = xasprintf("%s/001_a.sql: line 2: {{tables.1x}}: ", fx->dir);
	assert_refused(&fx->plan, want);
	free(want);

	mig_status_free(&fx->st);
	migfile_set_free(&fx->files);
	put(fx, "001_a.sql", "SELECT 1;\n\nCREATE INDEX CONCURRENTLY i ON {{tables.x}} (y);\n");
	scan(fx);
	judge(fx, NULL, 0, NULL, 0);
	apply_plan(fx, &o);
	want = xasprintf("%s/001_a.sql:3: ", fx->dir);
	assert_refused(&fx->plan, want);
	assert_refused(&fx->plan, "give the file a \"-- pgdbm:no-transaction\" line, or split it");
	free(want);

	/* with the marker it may run */
	mig_status_free(&fx->st);
	migfile_set_free(&fx->files);
	put(fx, "001_a.sql",
	    "-- pgdbm:no-transaction\nCREATE INDEX CONCURRENTLY i ON {{tables.x}} (y);\n");
	scan(fx);
	judge(fx, NULL, 0, NULL, 0);
	apply_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_steps(&fx->plan, "001_a.sql");
}

/* The first reason wins, and a refused plan runs nothing at all. */
static void
test_plan_apply_refused_has_no_steps(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = {
		{ 1, "002_b.sql", NULL, false },
		{ 2, "003_c.sql", OTHER_SUM, false },
	};
	struct mig_opts o;

	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	put_table(fx, "003_c.sql");
	put_table(fx, "004_d.sql");
	put(fx, "005_e.sql", "");
	scan(fx);
	judge(fx, rows, 2, NULL, 0);
	mig_opts_defaults(&o);
	apply_plan(fx, &o);
	assert_refused(&fx->plan, "003_c.sql was modified");
	o.allow_drift = true;
	apply_plan(fx, &o);
	assert_refused(&fx->plan, "001_a.sql sorts before");
	o.allow_out_of_order = true;
	apply_plan(fx, &o);
	assert_refused(&fx->plan, "005_e.sql is empty");
	o.to = "004_d.sql";
	apply_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_steps(&fx->plan, "001_a.sql,004_d.sql");
}

/* ------------------------------------------------------------------------
 * Rollback plans
 * ------------------------------------------------------------------------ */

static void
three_applied(struct fx *fx)
{
	/* applied out of name order: ids say which came last */
	static const struct rowspec rows[] = {
		{ 10, "001_a.sql", NULL, false },
		{ 11, "003_c.sql", NULL, false },
		{ 12, "002_b.sql", NULL, false },
	};

	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	put_table(fx, "003_c.sql");
	put(fx, "down/001_a.sql", "DROP TABLE {{tables.t_001}};\n");
	put(fx, "down/002_b.sql", "DROP TABLE {{tables.t_002}};\n");
	put(fx, "down/003_c.sql", "DROP TABLE {{tables.t_003}};\n");
	scan(fx);
	judge(fx, rows, 3, NULL, 0);
}

/* Newest first by ledger id, one by default, --steps more, --to down to a file. */
static void
test_plan_rollback_order(void **state)
{
	struct fx *fx = *state;
	struct mig_opts o;

	three_applied(fx);
	mig_opts_defaults(&o);
	rollback_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_steps(&fx->plan, "002_b.sql");

	o.steps = 2;
	rollback_plan(fx, &o);
	assert_steps(&fx->plan, "002_b.sql,003_c.sql");

	o.steps = 9;
	rollback_plan(fx, &o);
	assert_steps(&fx->plan, "002_b.sql,003_c.sql,001_a.sql");

	/* down to 001, keeping it: whatever was applied after it, whatever --steps says */
	o.steps = 1;
	o.to = "001_a.sql";
	rollback_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_steps(&fx->plan, "002_b.sql,003_c.sql");

	/* down to the newest: nothing to do, and no refusal */
	o.to = "002_b.sql";
	rollback_plan(fx, &o);
	assert_null(fx->plan.refusal);
	assert_int_equal(fx->plan.n, 0);

	o.to = "004_d.sql";
	rollback_plan(fx, &o);
	assert_refused(&fx->plan, "004_d.sql is not applied: nothing to roll back to");
}

/* What stops a rollback: no down script, a NULL-module row, a file gone, nothing applied. */
static void
test_plan_rollback_refusals(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec null_row[] = {
		{ 1, "001_a.sql", NULL, false },
		{ 2, "002_b.sql", NULL, true },
	};
	static const struct rowspec gone_row[] = {
		{ 1, "001_a.sql", NULL, false },
		{ 2, "009_gone.sql", OTHER_SUM, false },
	};
	struct mig_opts o;

	mig_opts_defaults(&o);
	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	put(fx, "down/001_a.sql", "DROP TABLE {{tables.t_001}};\n");
	scan(fx);

	/* nothing applied */
	judge(fx, NULL, 0, NULL, 0);
	rollback_plan(fx, &o);
	assert_refused(&fx->plan, "nothing is applied: nothing to roll back");

	/* 002 has no down script: not even 002 then 001 with --steps 2 */
	mig_status_free(&fx->st);
	{
		static const struct rowspec rows[] = {
			{ 1, "001_a.sql", NULL, false },
			{ 2, "002_b.sql", NULL, false },
		};

		judge(fx, rows, 2, NULL, 0);
	}
	o.steps = 2;
	rollback_plan(fx, &o);
	assert_refused(&fx->plan, "002_b.sql has no down script (down/002_b.sql): it cannot be "
				  "rolled back");

	/* a row without a module is not the console's to roll back */
	mig_status_free(&fx->st);
	judge(fx, null_row, 2, NULL, 0);
	rollback_plan(fx, &o);
	assert_refused(&fx->plan, "002_b.sql was recorded without a module name");

	/* a row whose file is gone */
	mig_status_free(&fx->st);
	judge(fx, gone_row, 2, NULL, 0);
	rollback_plan(fx, &o);
	assert_refused(&fx->plan, "009_gone.sql is in the ledger but its file is gone: restore it "
				  "and its down script to roll it back");
}

/* ------------------------------------------------------------------------
 * Repair plans
 * ------------------------------------------------------------------------ */

/* Only a modified file can be repaired: its one step is that entry. */
static void
test_plan_repair(void **state)
{
	struct fx *fx = *state;
	static const struct rowspec rows[] = {
		{ 1, "001_a.sql", NULL, false },
		{ 2, "002_b.sql", OTHER_SUM, false },
		{ 3, "009_gone.sql", OTHER_SUM, false },
	};

	put_table(fx, "001_a.sql");
	put_table(fx, "002_b.sql");
	put_table(fx, "003_c.sql");
	scan(fx);
	judge(fx, rows, 3, NULL, 0);

	mig_plan_repair(&fx->plan, &fx->st, "002_b.sql");
	assert_null(fx->plan.refusal);
	assert_steps(&fx->plan, "002_b.sql");
	assert_ptr_equal(fx->plan.steps[0], entry(fx, "002_b.sql"));

	mig_plan_free(&fx->plan);
	mig_plan_repair(&fx->plan, &fx->st, "001_a.sql");
	assert_refused(&fx->plan,
		       "001_a.sql is applied: only a modified (drifted) migration can be repaired");
	mig_plan_free(&fx->plan);
	mig_plan_repair(&fx->plan, &fx->st, "003_c.sql");
	assert_refused(&fx->plan, "003_c.sql is pending: only a modified");
	mig_plan_free(&fx->plan);
	mig_plan_repair(&fx->plan, &fx->st, "009_gone.sql");
	assert_refused(&fx->plan, "009_gone.sql is missing: only a modified");
	mig_plan_free(&fx->plan);
	mig_plan_repair(&fx->plan, &fx->st, "404_x.sql");
	assert_refused(&fx->plan, "404_x.sql is not in this folder: only a modified (drifted) "
				  "migration can be repaired");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_every_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_unfinished_begin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_null_module_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_byte_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_apply_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_apply_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_apply_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_apply_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_apply_failed_and_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_plan_apply_file_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_apply_refused_has_no_steps, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_plan_rollback_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_rollback_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_repair, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
