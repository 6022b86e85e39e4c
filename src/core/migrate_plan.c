/*
 * migrate_plan: the pure half of the migration engine (see
 * include/migrate.h): the states of a folder's files against its ledger
 * rows and the console's failures, and the plans of apply, rollback and
 * repair made from them.
 *
 * Nothing here touches a connection: a run reads the ledger under the
 * lock, then calls these, and the console and the CLI call them again on a
 * status they already hold to show what a run would do. Names compare
 * byte-wise (strcmp), the order migfile gives the folder. A refused plan
 * has no steps, only its reason: nothing runs until it is dealt with.
 */
#include "config.h"

#include "migrate.h"

#include <stdlib.h>
#include <string.h>

#include "manager.h"
#include "sqlsplit.h"
#include "xalloc.h"

/* ------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------ */

const char *
mig_state_name(enum mig_state s)
{
	switch (s) {
	case MIG_APPLIED:
		return "applied";
	case MIG_PENDING:
		return "pending";
	case MIG_OUT_OF_ORDER:
		return "out of order";
	case MIG_MODIFIED:
		return "modified";
	case MIG_MISSING:
		return "missing";
	case MIG_FAILED:
		return "failed";
	case MIG_EMPTY:
		return "empty";
	}
	return "?";
}

char *
mig_empty_message(const struct migfile *f)
{
	return xasprintf("%s is empty: " MIG_EMPTY_HINT, f->up.path);
}

void
mig_opts_defaults(struct mig_opts *o)
{
	memset(o, 0, sizeof *o);
	o->lock_wait_ms = 60000;
}

/* ------------------------------------------------------------------------
 * Status
 * ------------------------------------------------------------------------ */

static const struct mig_row *
find_row(const struct mig_row *rows, size_t n, const char *filename)
{
	size_t i;

	/* a module row wins over a NULL-module row of the same name */
	for (i = 0; i < n; i++) {
		if (!rows[i].null_module && strcmp(rows[i].filename, filename) == 0)
			return &rows[i];
	}
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].filename, filename) == 0)
			return &rows[i];
	}
	return NULL;
}

void
mig_status_compute(struct mig_status *st, const struct migfile_set *files, struct mig_row *rows,
		   size_t n_rows, struct mig_failure *failures, size_t n_failures)
{
	const char *last_applied = NULL;
	size_t i, j, n = 0;

	memset(st->count, 0, sizeof st->count);
	st->rows = rows;
	st->n_rows = n_rows;
	st->failures = failures;
	st->n_failures = n_failures;
	st->entries = xcalloc(files->n + n_rows + 1, sizeof *st->entries);

	/* the last applied file in folder order */
	for (i = 0; i < files->n; i++) {
		if (find_row(rows, n_rows, files->v[i].name) != NULL)
			last_applied = files->v[i].name;
	}
	for (i = 0; i < files->n; i++) {
		const struct migfile *f = &files->v[i];
		struct mig_entry *e = &st->entries[n++];

		e->filename = xstrdup(f->name);
		e->file = f;
		e->row = find_row(rows, n_rows, f->name);
		e->has_down = f->has_down;
		e->no_transaction = f->no_transaction;
		if (e->row != NULL) {
			e->state = strcmp(e->row->checksum, f->up.checksum) == 0 ? MIG_APPLIED
										 : MIG_MODIFIED;
		} else {
			for (j = 0; j < n_failures; j++) {
				if (strcmp(failures[j].filename, f->name) == 0)
					e->failure = &failures[j];
			}
			if (f->empty)
				e->state = MIG_EMPTY;
			else if (e->failure != NULL)
				e->state = MIG_FAILED;
			else if (last_applied != NULL && strcmp(f->name, last_applied) < 0)
				e->state = MIG_OUT_OF_ORDER;
			else
				e->state = MIG_PENDING;
		}
	}
	/* ledger rows whose file is gone */
	for (i = 0; i < n_rows; i++) {
		struct mig_entry *e;
		bool seen = false;

		if (migfile_find(files, rows[i].filename) != NULL)
			continue;
		for (j = 0; j < n && !seen; j++)
			seen = strcmp(st->entries[j].filename, rows[i].filename) == 0;
		if (seen)
			continue;
		e = &st->entries[n++];
		e->filename = xstrdup(rows[i].filename);
		e->row = &rows[i];
		e->state = MIG_MISSING;
	}
	st->n_entries = n;
	for (i = 0; i < n; i++)
		st->count[st->entries[i].state]++;
}

void
mig_status_free(struct mig_status *st)
{
	size_t i;

	for (i = 0; i < st->n_entries; i++)
		free(st->entries[i].filename);
	mig_rows_free(st->rows, st->n_rows);
	for (i = 0; i < st->n_failures; i++) {
		free(st->failures[i].filename);
		free(st->failures[i].action);
		free(st->failures[i].error);
		free(st->failures[i].at);
	}
	free(st->entries);
	free(st->failures);
	free(st->lock_holder);
	memset(st, 0, sizeof *st);
}

void
mig_rows_free(struct mig_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].filename);
		free(rows[i].checksum);
		free(rows[i].applied_at);
		free(rows[i].applied_by);
	}
	free(rows);
}

/* ------------------------------------------------------------------------
 * Plans
 * ------------------------------------------------------------------------ */

static void
plan_add(struct mig_plan *plan, const struct mig_entry *e)
{
	plan->steps = xreallocarray(plan->steps, plan->n + 1, sizeof *plan->steps);
	plan->steps[plan->n++] = e;
}

static void
plan_warn(struct mig_plan *plan, char *text)
{
	plan->warnings = xreallocarray(plan->warnings, plan->n_warnings + 1,
				       sizeof *plan->warnings);
	plan->warnings[plan->n_warnings++] = text;
}

void
mig_plan_free(struct mig_plan *plan)
{
	size_t i;

	free(plan->steps);
	free(plan->refusal);
	for (i = 0; i < plan->n_warnings; i++)
		free(plan->warnings[i]);
	free(plan->warnings);
	memset(plan, 0, sizeof *plan);
}

/* Why a pending file cannot be applied as it is (NULL when it can). */
static char *
file_problem(const struct migfile *f, const struct manager *mgr, int server_version_num)
{
	struct sqlsplit_problem prob;
	char *rendered = NULL, *err;
	int line = 0;

	if (f->empty)
		return mig_empty_message(f);
	err = manager_render(mgr, f->up.text, &rendered, &line);
	if (err != NULL) {
		char *msg = xasprintf("%s: %s", f->up.path, err);

		free(err);
		return msg;
	}
	if (!f->no_transaction && sqlsplit_scan_tx(rendered, server_version_num, &prob)) {
		char *msg = xasprintf("%s:%d: %s; give the file a \"%s\" line, or split it",
				      f->up.path, prob.line, prob.reason, SQLSPLIT_NO_TX_MARKER);

		sqlsplit_problem_free(&prob);
		free(rendered);
		return msg;
	}
	free(rendered);
	return NULL;
}

void
mig_plan_apply(struct mig_plan *plan, const struct mig_status *st, const struct mig_opts *opts,
	       const struct manager *mgr, int server_version_num)
{
	size_t i;
	bool to_seen = opts->to == NULL;

	memset(plan, 0, sizeof *plan);
	if (opts->to != NULL) {
		for (i = 0; i < st->n_entries && !to_seen; i++)
			to_seen = strcmp(st->entries[i].filename, opts->to) == 0;
		if (!to_seen) {
			plan->refusal = xasprintf("%s is not a migration of this folder", opts->to);
			return;
		}
	}
	for (i = 0; i < st->n_entries; i++) {
		const struct mig_entry *e = &st->entries[i];

		if (e->state == MIG_MODIFIED && !opts->allow_drift && plan->refusal == NULL)
			plan->refusal = xasprintf(
				"%s was modified after it was applied (ledger checksum %.12s..., "
				"file %.12s...); restore the file, or accept it with "
				"`migrate repair %s`",
				e->filename, e->row->checksum, e->file->up.checksum, e->filename);
		if (e->state == MIG_MISSING)
			plan_warn(plan, xasprintf("%s is in the ledger but its file is gone",
						  e->filename));
	}
	for (i = 0; i < st->n_entries; i++) {
		const struct mig_entry *e = &st->entries[i];
		char *why;

		if (e->state != MIG_PENDING && e->state != MIG_OUT_OF_ORDER &&
		    e->state != MIG_FAILED && e->state != MIG_EMPTY)
			continue;
		if (opts->steps > 0 && plan->n >= (size_t)opts->steps)
			break;
		if (e->state == MIG_OUT_OF_ORDER && !opts->allow_out_of_order &&
		    plan->refusal == NULL)
			plan->refusal = xasprintf(
				"%s sorts before migrations already applied (out of order); apply "
				"it anyway with --allow-out-of-order",
				e->filename);
		why = file_problem(e->file, mgr, server_version_num);
		if (why != NULL) {
			if (plan->refusal == NULL)
				plan->refusal = why;
			else
				free(why);
		}
		plan_add(plan, e);
		if (opts->to != NULL && strcmp(e->filename, opts->to) == 0)
			break;
	}
	if (plan->refusal != NULL)
		plan->n = 0; /* nothing runs: say only why */
}

void
mig_plan_rollback(struct mig_plan *plan, const struct mig_status *st, const struct mig_opts *opts)
{
	const struct mig_row *to_row = NULL;
	int want = opts->steps > 0 ? opts->steps : 1;
	size_t i, j;

	memset(plan, 0, sizeof *plan);
	if (opts->to != NULL) {
		for (i = 0; i < st->n_rows; i++) {
			if (strcmp(st->rows[i].filename, opts->to) == 0)
				to_row = &st->rows[i];
		}
		if (to_row == NULL) {
			plan->refusal = xasprintf("%s is not applied: nothing to roll back to",
						  opts->to);
			return;
		}
		want = -1;
	}
	/* newest first by ledger id */
	for (i = st->n_rows; i-- > 0;) {
		const struct mig_row *r = &st->rows[i];
		const struct mig_entry *e = NULL;

		if (want >= 0 && plan->n >= (size_t)want)
			break;
		if (to_row != NULL && r->id <= to_row->id)
			break;
		for (j = 0; j < st->n_entries && e == NULL; j++) {
			if (st->entries[j].row == r)
				e = &st->entries[j];
		}
		if (r->null_module) {
			plan->refusal = xasprintf(
				"%s was recorded without a module name (an old pgdbm); the console "
				"rolls back only rows of its module",
				r->filename);
			break;
		}
		if (e != NULL && e->file == NULL) {
			plan->refusal = xasprintf(
				"%s is in the ledger but its file is gone: restore it "
				"and its down script to roll it back",
				r->filename);
			break;
		}
		if (e == NULL || !e->has_down) {
			plan->refusal = xasprintf("%s has no down script (down/%s): it cannot be "
						  "rolled back",
						  r->filename, r->filename);
			break;
		}
		plan_add(plan, e);
	}
	if (plan->n == 0 && plan->refusal == NULL && opts->to == NULL)
		plan->refusal = xstrdup("nothing is applied: nothing to roll back");
	if (plan->refusal != NULL)
		plan->n = 0; /* nothing runs: say only why */
}

void
mig_plan_repair(struct mig_plan *plan, const struct mig_status *st, const char *file)
{
	const struct mig_entry *e = NULL;
	size_t i;

	memset(plan, 0, sizeof *plan);
	for (i = 0; i < st->n_entries && e == NULL; i++) {
		if (strcmp(st->entries[i].filename, file) == 0)
			e = &st->entries[i];
	}
	if (e == NULL || e->state != MIG_MODIFIED) {
		plan->refusal = xasprintf(
			"%s is %s: only a modified (drifted) migration can be repaired", file,
			e == NULL ? "not in this folder" : mig_state_name(e->state));
		return;
	}
	plan_add(plan, e);
}
