/*
 * cmd_migrate: `pgdbm-console migrate status|plan|apply|rollback|repair|new`.
 *
 * Each command works on the modules of the selected databases (--database,
 * else all) and modules (--module, else all; rollback, repair and new need
 * exactly one). Runs are the core's migrate runs, driven by the event loop
 * until they finish. Text for people, --json for programs; progress lines
 * go to standard error when it is a terminal.
 *
 * Each subcommand has its handler (cmd_migrate_status, ...), named by its
 * row of the command table. They share one option table and parser
 * (migrate_parse: every subcommand accepts every option); status, plan,
 * apply, rollback and repair then share run_modules(), which runs one kind
 * of run on each module and reports it (report_status, report_plan,
 * report_done).
 *
 * Exit status: 1 when a run fails, when status finds drift, a failed
 * migration or an empty file, when plan is refused, and with --check when
 * anything is pending, out of order or missing; 2 for usage and profile
 * errors. Entries of a migration folder that are skipped are warned about
 * on standard error (through the message log), once per command.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "database.h"
#include "json.h"
#include "loop.h"
#include "manager.h"
#include "migfile.h"
#include "migrate.h"

enum {
	OPT_MODULE = 0x300,
	OPT_TO,
	OPT_STEPS,
	OPT_CHECK,
	OPT_LOCK_WAIT,
	OPT_OUT_OF_ORDER,
	OPT_SQL,
	OPT_ROLLBACK,
	OPT_ALLOW_READ_ONLY,
};

static const struct option migrate_options[] = {
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "to", required_argument, NULL, OPT_TO },
	{ "steps", required_argument, NULL, OPT_STEPS },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "lock-wait", required_argument, NULL, OPT_LOCK_WAIT },
	{ "allow-out-of-order", no_argument, NULL, OPT_OUT_OF_ORDER },
	{ "sql", no_argument, NULL, OPT_SQL },
	{ "rollback", no_argument, NULL, OPT_ROLLBACK },
	{ "allow-read-only", no_argument, NULL, OPT_ALLOW_READ_ONLY },
	{ NULL, 0, NULL, 0 },
};

struct migrate_args {
	const char *module;
	bool check;
	bool sql;
	bool rollback;	      /* plan --rollback */
	bool allow_read_only; /* new --allow-read-only: the file is wanted */
	struct mig_opts opts;
};

static bool
migrate_on_opt(struct cli *cli, int opt, const char *arg, void *data)
{
	struct migrate_args *a = data;
	char *end;

	switch (opt) {
	case OPT_MODULE:
		a->module = arg;
		return true;
	case OPT_TO:
		a->opts.to = arg;
		return true;
	case OPT_STEPS:
		a->opts.steps = (int)strtol(arg, &end, 10);
		if (*end != '\0' || a->opts.steps < 1) {
			cli_error(cli, "--steps: expected a positive number, got \"%s\"", arg);
			return false;
		}
		return true;
	case OPT_CHECK:
		a->check = true;
		return true;
	case OPT_LOCK_WAIT:
		return cli_parse_duration(cli, "lock-wait", arg, &a->opts.lock_wait_ms);
	case OPT_OUT_OF_ORDER:
		a->opts.allow_out_of_order = true;
		return true;
	case OPT_SQL:
		a->sql = true;
		return true;
	case OPT_ROLLBACK:
		a->rollback = true;
		return true;
	case OPT_ALLOW_READ_ONLY:
		a->allow_read_only = true;
		return true;
	}
	return false;
}

/* One module of one database, ready to run. */
struct unit {
	struct database *db;
	const struct profile_module *pm;
	struct manager *mgr;
	struct migfile_set files;
	struct mig_target target;
	struct mig_run *run;
	char *error; /* could not even start (folder, names) */
};

static void
progress_cb(struct mig_run *r, const char *what, void *arg)
{
	struct cli *cli = arg;
	const struct mig_target *t = migrate_target(r);

	if (cli_show_progress(cli))
		fprintf(cli->err, "%s: %s\n", t->label, what);
}

static void
run_to_end(struct loop *loop, struct mig_run *r)
{
	while (!migrate_finished(r))
		loop_run_once(loop, -1);
}

static bool
unit_open(struct unit *u, struct cli *cli, struct database *db, const struct profile_module *pm)
{
	char *err = NULL, *who;

	memset(u, 0, sizeof *u);
	u->db = db;
	u->pm = pm;
	u->mgr = manager_new(db->pool, pm->schema, pm->name, pm->table, &err);
	if (u->mgr == NULL) {
		u->error = err;
		return false;
	}
	err = migfile_scan(pm->migrations, &u->files);
	if (err != NULL) {
		u->error = err;
		return false;
	}
	who = xasprintf("%s/%s", db->cfg->label, pm->name);
	migfile_log_warnings(&u->files, &cli->log, who);
	free(who);
	u->target.label = pm->name;
	u->target.mgr = u->mgr;
	u->target.files = &u->files;
	u->target.read_only = db->cfg->read_only;
	return true;
}

static void
unit_close(struct unit *u)
{
	migrate_run_free(&u->run);
	migfile_set_free(&u->files);
	manager_free(&u->mgr);
	free(u->error);
}

/* ---- output ---- */

static void
print_error(struct cli *cli, const char *who, const struct mig_error *e)
{
	struct strbuf sb = STRBUF_INIT;

	mig_error_format(e, &sb);
	fprintf(cli->err, "pgdbm-console: %s: %s\n", who, strbuf_str(&sb));
	strbuf_free(&sb);
}

static void
json_error(struct json *j, const struct mig_error *e)
{
	json_key(j, "error");
	if (e == NULL || e->message == NULL) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kstr(j, "file", e->file);
	json_kint(j, "line", e->line);
	json_kstr(j, "message", e->message);
	json_kstr(j, "detail", e->detail);
	json_kstr(j, "hint", e->hint);
	json_kstr(j, "sqlstate", e->sqlstate);
	json_object_end(j);
}

static void
print_status_text(struct cli *cli, const struct unit *u, const struct mig_status *st)
{
	FILE *f = cli->out;
	size_t i;
	int s;

	fprintf(f, "%s/%s  (schema %s, ledger %s%s)\n", u->db->cfg->label, u->pm->name,
		u->mgr->schema, u->mgr->ledger, st->ledger_exists ? "" : ", not created yet");
	for (i = 0; i < st->n_entries; i++) {
		const struct mig_entry *e = &st->entries[i];

		cli_line(f, "  %-13s %s", mig_state_name(e->state), e->filename);
		if (e->row != NULL || e->no_transaction || !e->has_down)
			fprintf(f, "%*s",
				(int)(strlen(e->filename) < 40 ? 40 - strlen(e->filename) : 0), "");
		if (e->row != NULL) {
			/* what the ledger leaves NULL is not shown (exec_ms < 0, "") */
			cli_line(f, " %.19s", e->row->applied_at);
			if (e->row->applied_by[0] != '\0')
				cli_line(f, " by %s", e->row->applied_by);
			if (e->row->exec_ms >= 0)
				fprintf(f, ", %d ms", e->row->exec_ms);
		}
		if (e->no_transaction)
			fprintf(f, " [no-transaction]");
		if (!e->has_down)
			fprintf(f, " [no down script]");
		if (e->state == MIG_EMPTY)
			fprintf(f, "\n  %13s %s", "", MIG_EMPTY_HINT);
		if (e->failure != NULL) {
			fputc('\n', f);
			cli_line(f, "  %13s %s", "",
				 e->failure->error[0] ? e->failure->error
						      : "interrupted before it finished");
		}
		fputc('\n', f);
	}
	fprintf(f, "  %zu file%s:", st->n_entries, st->n_entries == 1 ? "" : "s");
	for (s = MIG_APPLIED; s < MIG_N_STATES; s++) {
		if (st->count[s] > 0)
			fprintf(f, " %zu %s", st->count[s], mig_state_name(s));
	}
	fputc('\n', f);
	if (st->lock_holder != NULL)
		fprintf(f, "  migration lock held by %s\n", st->lock_holder);
}

static void
json_status(struct json *j, const struct mig_status *st)
{
	size_t i;
	int s;

	json_kbool(j, "ledger_exists", st->ledger_exists);
	json_key(j, "counts");
	json_object_begin(j);
	for (s = MIG_APPLIED; s < MIG_N_STATES; s++) {
		char key[32];
		size_t k;

		snprintf(key, sizeof key, "%s", mig_state_name(s));
		for (k = 0; key[k] != '\0'; k++) {
			if (key[k] == ' ')
				key[k] = '_';
		}
		json_kint(j, key, (int64_t)st->count[s]);
	}
	json_object_end(j);
	json_kstr(j, "lock_holder", st->lock_holder);
	json_key(j, "migrations");
	json_array_begin(j);
	for (i = 0; i < st->n_entries; i++) {
		const struct mig_entry *e = &st->entries[i];

		json_object_begin(j);
		json_kstr(j, "filename", e->filename);
		json_kstr(j, "state", mig_state_name(e->state));
		json_kstr(j, "checksum", e->file != NULL ? e->file->up.checksum : NULL);
		json_kstr(j, "ledger_checksum", e->row != NULL ? e->row->checksum : NULL);
		json_kstr(j, "applied_at", e->row != NULL ? e->row->applied_at : NULL);
		json_kstr(j, "applied_by", e->row != NULL ? e->row->applied_by : NULL);
		if (e->row != NULL && e->row->exec_ms >= 0)
			json_kint(j, "execution_time_ms", e->row->exec_ms);
		else
			json_kstr(j, "execution_time_ms", NULL);
		json_kbool(j, "no_transaction", e->no_transaction);
		json_kbool(j, "has_down", e->has_down);
		json_kstr(j, "failure", e->failure != NULL ? e->failure->error : NULL);
		json_object_end(j);
	}
	json_array_end(j);
}

static void
print_plan_text(struct cli *cli, const struct unit *u, const struct mig_plan *plan, bool sql,
		bool rollback)
{
	size_t i;

	fprintf(cli->out, "%s/%s: ", u->db->cfg->label, u->pm->name);
	if (plan->refusal != NULL)
		cli_line(cli->out, "REFUSED: %s\n", plan->refusal);
	else if (plan->n == 0)
		fprintf(cli->out, "nothing to %s\n", rollback ? "roll back" : "apply");
	else
		fprintf(cli->out, "%zu migration%s to %s\n", plan->n, plan->n == 1 ? "" : "s",
			rollback ? "roll back" : "apply");
	for (i = 0; i < plan->n_warnings; i++)
		cli_line(cli->out, "  warning: %s\n", plan->warnings[i]);
	for (i = 0; i < plan->n; i++) {
		const struct mig_entry *e = plan->steps[i];
		const struct migfile_script *script = rollback ? &e->file->down : &e->file->up;
		bool no_tx = rollback ? false : e->no_transaction;

		cli_line(cli->out, "  %s %s  (%s%s)\n", rollback ? "roll back" : "apply",
			 e->filename,
			 no_tx ? "statement by statement, no transaction"
			       : "one transaction with its ledger row",
			 e->state == MIG_OUT_OF_ORDER ? ", out of order"
			 : e->state == MIG_FAILED     ? ", failed before"
						      : "");
		if (sql) {
			char *out = NULL, *err = manager_render(u->mgr, script->text, &out, NULL);
			const char *p, *line;

			if (err != NULL) {
				fprintf(cli->out, "    -- cannot render: %s\n", err);
				free(err);
				continue;
			}
			for (line = out; *line != '\0'; line = p + (*p != '\0')) {
				p = strchr(line, '\n');
				if (p == NULL)
					p = line + strlen(line);
				fprintf(cli->out, "    | %.*s\n", (int)(p - line), line);
			}
			free(out);
		}
	}
}

static void
json_plan(struct json *j, const struct unit *u, const struct mig_plan *plan, bool rollback)
{
	size_t i;

	json_kstr(j, "refusal", plan->refusal);
	json_key(j, "warnings");
	json_array_begin(j);
	for (i = 0; i < plan->n_warnings; i++)
		json_str(j, plan->warnings[i]);
	json_array_end(j);
	json_key(j, "steps");
	json_array_begin(j);
	for (i = 0; i < plan->n; i++) {
		const struct mig_entry *e = plan->steps[i];
		const struct migfile_script *script = rollback ? &e->file->down : &e->file->up;
		char *out = NULL, *err = manager_render(u->mgr, script->text, &out, NULL);

		json_object_begin(j);
		json_kstr(j, "filename", e->filename);
		json_kstr(j, "state", mig_state_name(e->state));
		json_kstr(j, "transaction",
			  !rollback && e->no_transaction ? "none (statement by statement)"
							 : "one transaction");
		json_kstr(j, "script", script->path);
		json_kstr(j, "sql", out);
		json_kstr(j, "render_error", err);
		json_object_end(j);
		free(out);
		free(err);
	}
	json_array_end(j);
}

/* ---- reports ---- */

static bool
problem_in_status(const struct mig_status *st, bool check)
{
	if (st->count[MIG_MODIFIED] > 0 || st->count[MIG_FAILED] > 0 || st->count[MIG_EMPTY] > 0)
		return true;
	return check && (st->count[MIG_PENDING] > 0 || st->count[MIG_OUT_OF_ORDER] > 0 ||
			 st->count[MIG_MISSING] > 0);
}

/* status: the unit's migrations; false when they show a problem. */
static bool
report_status(struct cli *cli, struct json *j, const struct unit *u, const struct migrate_args *a)
{
	const struct mig_status *st = migrate_status(u->run);

	if (cli->json)
		json_status(j, st);
	else
		print_status_text(cli, u, st);
	return !problem_in_status(st, a->check);
}

/* plan: what apply (or with --rollback, rollback) would run; false when refused. */
static bool
report_plan(struct cli *cli, struct json *j, const struct unit *u, const struct migrate_args *a)
{
	struct mig_plan plan;
	bool ok;

	if (a->rollback)
		mig_plan_rollback(&plan, migrate_status(u->run), &a->opts);
	else
		mig_plan_apply(&plan, migrate_status(u->run), &a->opts, u->mgr, 0);
	ok = plan.refusal == NULL;
	if (cli->json)
		json_plan(j, u, &plan, a->rollback);
	else
		print_plan_text(cli, u, &plan, a->sql, a->rollback);
	mig_plan_free(&plan);
	return ok;
}

/* apply, rollback and repair: what the run did, file by file. */
static void
report_done(struct cli *cli, struct json *j, const struct unit *u, enum mig_kind kind,
	    const char *who)
{
	size_t k, n_done;
	const struct mig_done *d = migrate_done_list(u->run, &n_done);

	if (cli->json) {
		json_key(j, "done");
		json_array_begin(j);
	}
	for (k = 0; k < n_done; k++) {
		if (cli->json) {
			json_object_begin(j);
			json_kstr(j, "filename", d[k].filename);
			json_kint(j, "execution_time_ms", d[k].exec_ms);
			json_kstr(j, "old_checksum", d[k].old_checksum);
			json_kstr(j, "new_checksum", d[k].new_checksum);
			json_object_end(j);
		} else if (kind == MIG_RUN_REPAIR) {
			cli_line(cli->out, "%s: %s: accepted checksum %s (was %s)\n", who,
				 d[k].filename, d[k].new_checksum, d[k].old_checksum);
		} else {
			cli_line(cli->out, "%s: %s %s (%d ms)\n", who,
				 kind == MIG_RUN_APPLY ? "applied" : "rolled back", d[k].filename,
				 d[k].exec_ms);
		}
	}
	if (cli->json)
		json_array_end(j);
	else if (n_done == 0 && migrate_ok(u->run))
		fprintf(cli->out, "%s: up to date\n", who);
}

/* ---- the commands ---- */

/* Every command's options, after their defaults: cli_parse_options()'s result. */
static int
migrate_parse(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
	      struct migrate_args *a)
{
	memset(a, 0, sizeof *a);
	mig_opts_defaults(&a->opts);
	return cli_parse_options(cli, cmd, argc, argv, migrate_options, NULL, migrate_on_opt, a);
}

/* False, after saying why, when --allow-read-only is given to a command other than new. */
static bool
refuse_allow_read_only(struct cli *cli, const struct migrate_args *a)
{
	if (!a->allow_read_only)
		return true;
	cli_error(cli, "--allow-read-only is an option of migrate new only");
	return false;
}

/*
 * Run `kind` on the selected modules of the selected databases, one after
 * the other, and report each (`plan`: a status run, then the plan).
 * rollback and repair work on exactly one module.
 */
static int
run_modules(struct cli *cli, const struct cli_command *cmd, struct migrate_args *a,
	    enum mig_kind kind, bool plan)
{
	struct cli_env env;
	struct database **dbs = NULL;
	struct unit *units = NULL;
	size_t n_dbs, n_units = 0, i, j;
	int status = CLI_OK;
	struct strbuf out = STRBUF_INIT;
	struct json js;

	if (!cli_env_open(cli, &env))
		return CLI_USAGE;

	/* the units: selected databases x selected modules */
	dbs = xcalloc(env.profile->n_databases, sizeof *dbs);
	n_dbs = cli_env_select(cli, &env, dbs);
	for (i = 0; i < n_dbs; i++)
		n_units += dbs[i]->cfg->n_modules;
	units = xcalloc(n_units + 1, sizeof *units);
	n_units = 0;
	for (i = 0; i < n_dbs; i++) {
		for (j = 0; j < dbs[i]->cfg->n_modules; j++) {
			const struct profile_module *pm = &dbs[i]->cfg->modules[j];

			if (a->module != NULL && strcmp(pm->name, a->module) != 0)
				continue;
			unit_open(&units[n_units++], cli, dbs[i], pm);
		}
	}
	if (n_units == 0) {
		cli_error(cli, "no module%s%s%s in the selected database%s", a->module ? " " : "",
			  a->module ? a->module : "", a->module ? " found" : "s",
			  n_dbs == 1 ? "" : "s");
		status = CLI_USAGE;
		goto out;
	}
	if ((kind == MIG_RUN_ROLLBACK || kind == MIG_RUN_REPAIR) && n_units != 1) {
		cli_error(cli, "migrate %s works on one module; choose it with --module%s",
			  cmd->sub, n_dbs > 1 ? " and --database" : "");
		status = CLI_USAGE;
		goto out;
	}

	json_init(&js, &out, true);
	if (cli->json) {
		json_object_begin(&js);
		json_kstr(&js, "command", cmd->sub);
		json_key(&js, "modules");
		json_array_begin(&js);
	}
	for (i = 0; i < n_units; i++) {
		struct unit *u = &units[i];
		char who[160];

		snprintf(who, sizeof who, "%s/%s", u->db->cfg->label, u->pm->name);
		if (u->error != NULL) {
			cli_error(cli, "%s: %s", who, u->error);
			status = CLI_FAIL;
			continue;
		}
		u->run = migrate_start(kind, &u->target, &a->opts, progress_cb, NULL, cli);
		run_to_end(env.loop, u->run);

		if (cli->json) {
			json_object_begin(&js);
			json_kstr(&js, "database", u->db->cfg->label);
			json_kstr(&js, "module", u->pm->name);
			json_kstr(&js, "schema", u->mgr->schema);
			json_kstr(&js, "ledger", u->mgr->ledger);
			json_kbool(&js, "ok", migrate_ok(u->run));
			json_error(&js, migrate_error(u->run));
		}
		if (!migrate_ok(u->run)) {
			status = CLI_FAIL;
			if (!cli->json)
				print_error(cli, who, migrate_error(u->run));
		} else if (plan) {
			if (!report_plan(cli, &js, u, a))
				status = CLI_FAIL;
		} else if (kind == MIG_RUN_STATUS) {
			if (!report_status(cli, &js, u, a))
				status = CLI_FAIL;
		}
		if (kind != MIG_RUN_STATUS)
			report_done(cli, &js, u, kind, who);
		if (cli->json)
			json_object_end(&js);
	}
	if (cli->json) {
		json_array_end(&js);
		json_kbool(&js, "ok", status == CLI_OK);
		json_object_end(&js);
		cli_print_json(cli, &out);
	}
out:
	strbuf_free(&out);
	for (i = 0; i < n_units; i++)
		unit_close(&units[i]);
	free(units);
	free(dbs);
	cli_env_close(&env);
	return status;
}

/* status, plan, apply and rollback: options only. */
static int
migrate_modules(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
		enum mig_kind kind, bool plan)
{
	struct migrate_args a;
	int npos = migrate_parse(cli, cmd, argc, argv, &a);

	if (npos < 0)
		return cli_parse_exit(npos);
	if (!refuse_allow_read_only(cli, &a))
		return CLI_USAGE;
	if (!cli_no_arguments(cli, cmd, npos, argv))
		return CLI_USAGE;
	return run_modules(cli, cmd, &a, kind, plan);
}

int
cmd_migrate_status(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	return migrate_modules(cli, cmd, argc, argv, MIG_RUN_STATUS, false);
}

int
cmd_migrate_plan(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	return migrate_modules(cli, cmd, argc, argv, MIG_RUN_STATUS, true);
}

int
cmd_migrate_apply(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	return migrate_modules(cli, cmd, argc, argv, MIG_RUN_APPLY, false);
}

int
cmd_migrate_rollback(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	return migrate_modules(cli, cmd, argc, argv, MIG_RUN_ROLLBACK, false);
}

int
cmd_migrate_repair(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct migrate_args a;
	int npos = migrate_parse(cli, cmd, argc, argv, &a);

	if (npos < 0)
		return cli_parse_exit(npos);
	if (npos != 1) {
		cli_error(cli, "migrate repair takes one FILE (the migration to accept)");
		return CLI_USAGE;
	}
	a.opts.repair_file = argv[0];
	if (!refuse_allow_read_only(cli, &a))
		return CLI_USAGE;
	return run_modules(cli, cmd, &a, MIG_RUN_REPAIR, false);
}

/* new: write the next migration file of the one module chosen, and its down script. */
static int
write_new(struct cli *cli, struct cli_env *env, const struct migrate_args *a, int argc, char **argv)
{
	const struct profile_module *pm = NULL;
	const struct profile_database *pdb = NULL;
	size_t i, j, n = 0;
	char *up = NULL, *down = NULL, *err;

	if (argc != 1) {
		cli_error(cli, "migrate new takes one NAME (got %d arguments)", argc);
		return CLI_USAGE;
	}
	for (i = 0; i < env->profile->n_databases; i++) {
		const struct profile_database *d = &env->profile->databases[i];

		if (cli->database != NULL && strcmp(d->label, cli->database) != 0)
			continue;
		for (j = 0; j < d->n_modules; j++) {
			if (a->module == NULL || strcmp(d->modules[j].name, a->module) == 0) {
				pm = &d->modules[j];
				pdb = d;
				n++;
			}
		}
	}
	if (n != 1) {
		cli_error(cli, "migrate new: %s; choose one with --module (and --database)",
			  n == 0 ? "no such module" : "several modules match");
		return CLI_USAGE;
	}
	/* a read-only profile changes nothing, files included, unless told to */
	if (pdb->read_only && !a->allow_read_only) {
		cli_error(cli,
			  "migrate new: the profile is read-only (database %s): no migration file "
			  "is written from it; pass --allow-read-only if the file is wanted",
			  pdb->label);
		return CLI_FAIL;
	}
	err = migfile_create(pm->migrations, argv[0], time(NULL), &up, &down);
	if (err != NULL) {
		cli_error(cli, "migrate new: %s", err);
		free(err);
		return CLI_FAIL;
	}
	if (cli->json) {
		struct strbuf sb = STRBUF_INIT;
		struct json j2;

		json_init(&j2, &sb, true);
		json_object_begin(&j2);
		json_kstr(&j2, "module", pm->name);
		json_kstr(&j2, "up", up);
		json_kstr(&j2, "down", down);
		json_object_end(&j2);
		cli_print_json(cli, &sb);
		strbuf_free(&sb);
	} else {
		fprintf(cli->out, "created %s\ncreated %s\n", up, down);
	}
	free(up);
	free(down);
	return CLI_OK;
}

int
cmd_migrate_new(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct migrate_args a;
	struct cli_env env;
	int npos = migrate_parse(cli, cmd, argc, argv, &a), status;

	if (npos < 0)
		return cli_parse_exit(npos);
	if (!cli_env_open(cli, &env))
		return CLI_USAGE;
	status = write_new(cli, &env, &a, npos, argv);
	cli_env_close(&env);
	return status;
}
