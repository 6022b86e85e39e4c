/*
 * cmd_tenant: `pgdbm-console tenant list|status|provision|deprovision|restore|migrate`.
 *
 * Every command runs a core tenant job (src/core/tenant.c) on the event loop
 * until it finishes, with a progress line on standard error when it is a
 * terminal. The tenants live in the databases of the profile that have a
 * `tenants` section: --database picks one; list, status and migrate span
 * them all by default; provision places each new tenant on the database
 * with the fewest tenants unless --database says where.
 *
 * Each subcommand has its handler (cmd_tenant_list, ...), named by its row
 * of the command table; they share one option table and parser
 * (tenant_parse: every subcommand accepts every option). list and status
 * read the tenant list (do_list); provision, deprovision, restore and
 * migrate share job_command_open() (profile, tenant ids checked, the
 * databases with tenants) and run_jobs() (one job per database, reported).
 *
 * Exit status: 1 when any tenant failed (or, with status --check, when any
 * tenant has pending or drifted migrations); 2 for usage errors, including
 * an invalid tenant id, which is refused before any SQL runs.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "database.h"
#include "json.h"
#include "loop.h"
#include "migfile.h"
#include "migrate.h"
#include "msglog.h"
#include "strvec.h"
#include "tenant.h"
#include "units.h"

enum {
	OPT_FILTER = 0x400,
	OPT_STATE,
	OPT_SORT,
	OPT_DESC,
	OPT_FROM_FILE,
	OPT_MODE,
	OPT_CONFIRM,
	OPT_CONCURRENCY,
	OPT_CANARIES,
	OPT_ON_FAILURE,
	OPT_ROLLBACK,
	OPT_CHECK,
	OPT_LOCK_WAIT,
};

static const struct option tenant_options[] = {
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "desc", no_argument, NULL, OPT_DESC },
	{ "from-file", required_argument, NULL, OPT_FROM_FILE },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "confirm", required_argument, NULL, OPT_CONFIRM },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "canaries", required_argument, NULL, OPT_CANARIES },
	{ "on-failure", required_argument, NULL, OPT_ON_FAILURE },
	{ "rollback", no_argument, NULL, OPT_ROLLBACK },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "lock-wait", required_argument, NULL, OPT_LOCK_WAIT },
	{ NULL, 0, NULL, 0 },
};

struct tenant_args {
	const char *filter, *state, *sort, *from_file, *mode, *confirm;
	bool desc, rollback, check;
	struct tenant_job_opts opts;
};

static bool
parse_int(struct cli *cli, const char *opt, const char *arg, int min, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end != '\0' || v < min || v > 100000) {
		cli_error(cli, "--%s: expected a number from %d, got \"%s\"", opt, min, arg);
		return false;
	}
	*out = (int)v;
	return true;
}

static bool
tenant_on_opt(struct cli *cli, int opt, const char *arg, void *data)
{
	struct tenant_args *a = data;

	switch (opt) {
	case OPT_FILTER:
		a->filter = arg;
		return true;
	case OPT_STATE:
		if (strcmp(arg, "pending") != 0 && strcmp(arg, "drifted") != 0 &&
		    strcmp(arg, "current") != 0 && strcmp(arg, "archived") != 0) {
			cli_error(cli,
				  "--state: expected pending, drifted, current or archived, got "
				  "\"%s\"",
				  arg);
			return false;
		}
		a->state = arg;
		return true;
	case OPT_SORT:
		a->sort = arg;
		return true;
	case OPT_DESC:
		a->desc = true;
		return true;
	case OPT_FROM_FILE:
		a->from_file = arg;
		return true;
	case OPT_MODE:
		if (strcmp(arg, "archive") != 0 && strcmp(arg, "drop") != 0) {
			cli_error(cli, "--mode: expected archive or drop, got \"%s\"", arg);
			return false;
		}
		a->mode = arg;
		return true;
	case OPT_CONFIRM:
		a->confirm = arg;
		return true;
	case OPT_CONCURRENCY:
		return parse_int(cli, "concurrency", arg, 1, &a->opts.concurrency);
	case OPT_CANARIES:
		return parse_int(cli, "canaries", arg, 0, &a->opts.canaries);
	case OPT_ON_FAILURE:
		if (strcmp(arg, "stop") == 0)
			a->opts.on_failure = PROFILE_ON_FAILURE_STOP;
		else if (strcmp(arg, "continue") == 0)
			a->opts.on_failure = PROFILE_ON_FAILURE_CONTINUE;
		else {
			cli_error(cli, "--on-failure: expected stop or continue, got \"%s\"", arg);
			return false;
		}
		a->opts.on_failure_set = true;
		return true;
	case OPT_ROLLBACK:
		a->rollback = true;
		return true;
	case OPT_CHECK:
		a->check = true;
		return true;
	case OPT_LOCK_WAIT:
		return cli_parse_duration(cli, "lock-wait", arg, &a->opts.lock_wait_ms);
	}
	return false;
}

/* ---- running jobs ---- */

struct runner {
	struct cli *cli;
	const char *label;
	bool show;
	int64_t last_line_ms;
};

static void
print_progress_line(struct runner *rn, const struct tenant_progress *p, bool final)
{
	char eta[32];

	if (!rn->show)
		return;
	/* a terminal: back to the start of the line and clear it (ESC [ K), the
	   program's own control, past the sanitiser; then the text through it */
	fflush(rn->cli->err);
	fputs("\r\033[K", rn->cli->raw_err);
	fprintf(rn->cli->err,
		"%s: %zu/%zu done, %zu failed, %zu skipped, %zu running, %.1f/s%s%s%s", rn->label,
		p->done + p->failed + p->skipped, p->total, p->failed, p->skipped, p->running,
		p->rate, !final && p->eta_ms >= 0 ? ", ETA " : "",
		!final && p->eta_ms >= 0 ? units_format_duration(p->eta_ms, eta, sizeof eta) : "",
		final ? "\n" : "");
	fflush(rn->cli->err);
}

static void
job_changed(struct tenant_job *job, void *arg)
{
	struct runner *rn = arg;
	const struct tenant_progress *p = tenant_job_progress(job);

	if (p->elapsed_ms - rn->last_line_ms >= 200 || p->finished) {
		rn->last_line_ms = p->elapsed_ms;
		print_progress_line(rn, p, p->finished);
	}
}

/*
 * Ctrl-C (or TERM) during a job: the first one starts nothing new and lets
 * the running tenants finish (each one commits or rolls back whole); a
 * second one ends the program at once (the server rolls back whatever is
 * in flight).
 */
struct interrupt {
	struct cli *cli;
	struct tenant_job *job;
	int count;
};

static void
on_interrupt(struct loop *loop, int signo, void *arg)
{
	struct interrupt *in = arg;

	(void)loop;
	if (++in->count > 1) {
		fflush(in->cli->out);
		fflush(in->cli->err);
		fflush(in->cli->raw_out);
		signal(signo, SIG_DFL);
		raise(signo);
		return;
	}
	tenant_job_cancel(in->job);
	fprintf(in->cli->err, "\npgdbm-console: interrupted: no new tenant starts; waiting for "
			      "those in flight (interrupt again to stop at once)\n");
}

static struct tenant_job *
run_job(struct cli *cli, struct loop *loop, enum tenant_job_kind kind, struct database *db,
	const struct migfile_set *files, const struct tenant_job_opts *opts, bool progress)
{
	struct runner rn = { cli, db->cfg->label, progress && cli_show_progress(cli), 0 };
	struct interrupt in = { cli, NULL, 0 };
	struct tenant_job *job;

	job = tenant_job_start(kind, db, files, opts, job_changed, NULL, &rn);
	in.job = job;
	if (kind != TENANT_JOB_LIST) {
		loop_signal_watch(loop, SIGINT, on_interrupt, &in);
		loop_signal_watch(loop, SIGTERM, on_interrupt, &in);
	}
	while (!tenant_job_progress(job)->finished)
		loop_run_once(loop, -1);
	if (kind != TENANT_JOB_LIST) {
		loop_signal_unwatch(loop, SIGINT);
		loop_signal_unwatch(loop, SIGTERM);
	}
	return job;
}

/* The databases with tenants among those selected. */
static size_t
tenant_databases(struct cli *cli, struct cli_env *env, struct database **out)
{
	struct database **all = xcalloc(env->profile->n_databases, sizeof *all);
	size_t n = cli_env_select(cli, env, all), i, k = 0;

	for (i = 0; i < n; i++) {
		if (all[i]->cfg->tenants.present)
			out[k++] = all[i];
	}
	free(all);
	if (k == 0)
		cli_error(cli, "no database%s%s has a tenants section in profile %s",
			  cli->database ? " " : "", cli->database ? cli->database : "",
			  env->profile->path);
	return k;
}

static char *
scan_files(struct cli *cli, struct database *db, struct migfile_set *files)
{
	char *err = migfile_scan(db->cfg->tenants.migrations, files);

	if (err != NULL)
		cli_error(cli, "%s: %s", db->cfg->label, err);
	else
		migfile_log_warnings(files, &cli->log, db->cfg->label);
	return err;
}

/* ---- output ---- */

static void
json_results(struct json *j, struct tenant_job *job)
{
	const struct tenant_progress *p = tenant_job_progress(job);
	const struct tenant_result *r;
	size_t n, i;

	r = tenant_job_results(job, &n);
	json_kstr(j, "error", tenant_job_error(job));
	json_kstr(j, "cancelled_before", tenant_job_cancelled_before(job));
	json_key(j, "progress");
	json_object_begin(j);
	json_kint(j, "total", (int64_t)p->total);
	json_kint(j, "ok", (int64_t)p->done);
	json_kint(j, "failed", (int64_t)p->failed);
	json_kint(j, "skipped", (int64_t)p->skipped);
	json_kint(j, "elapsed_ms", p->elapsed_ms);
	json_kbool(j, "stopped", p->stopped);
	json_kbool(j, "cancelled", p->cancelled);
	json_object_end(j);
	json_key(j, "tenants");
	json_array_begin(j);
	for (i = 0; i < n; i++) {
		json_object_begin(j);
		json_kstr(j, "id", r[i].id);
		json_kstr(j, "result", tenant_result_name(r[i].state));
		json_kstr(j, "error", r[i].error);
		json_kint(j, "ms", r[i].ms);
		json_kint(j, "applied", r[i].applied);
		json_kbool(j, "canary", r[i].canary);
		json_object_end(j);
	}
	json_array_end(j);
}

static void
text_results(struct cli *cli, const char *label, struct tenant_job *job, const char *verb)
{
	const struct tenant_progress *p = tenant_job_progress(job);
	const struct tenant_result *r;
	size_t n, i, shown_ok = 0;

	r = tenant_job_results(job, &n);
	if (tenant_job_error(job) != NULL) {
		cli_error(cli, "%s: %s", label, tenant_job_error(job));
		return;
	}
	if (tenant_job_cancelled_before(job) != NULL) {
		cli_line(cli->out, "%s: %s (no tenant was touched)\n", label,
			 tenant_job_cancelled_before(job));
		return;
	}
	for (i = 0; i < n; i++) {
		if (r[i].state == TENANT_FAILED)
			cli_line(cli->out, "%s: %s FAILED%s: %s\n", label, r[i].id,
				 r[i].canary ? " (canary)" : "", r[i].error ? r[i].error : "");
		else if (r[i].state == TENANT_OK && n <= 20)
			cli_line(cli->out, "%s: %s %s (%lld ms%s)\n", label, r[i].id, verb,
				 (long long)r[i].ms, r[i].canary ? ", canary" : "");
		shown_ok += r[i].state == TENANT_OK;
	}
	fprintf(cli->out, "%s: %zu %s, %zu failed, %zu skipped, of %zu in %lld ms%s%s\n", label,
		p->done, verb, p->failed, p->skipped, p->total, (long long)p->elapsed_ms,
		p->stopped ? " (stopped after a failure)" : "", p->cancelled ? " (cancelled)" : "");
	(void)shown_ok;
}

/* ---- list and status ---- */

/*
 * An empty file that tenants have pending counts as pending in the list,
 * but no fan-out applies it (mig_empty_message): say so once, as module
 * status does, with how many tenants wait for it.
 */
static void
warn_empty_pending(struct cli *cli, const struct database *db, const struct migfile_set *files,
		   const struct tenant_list *l)
{
	size_t f;

	for (f = 0; f < files->n && f < l->n_files && l->file_pending != NULL; f++) {
		char *m;

		if (!files->v[f].empty || l->file_pending[f] == 0)
			continue;
		m = mig_empty_message(&files->v[f]);
		msglog_add(&cli->log, MSG_WARNING, db->cfg->label,
			   "%s (pending in %zu tenant%s: no fan-out applies it until then)", m,
			   l->file_pending[f], l->file_pending[f] == 1 ? "" : "s");
		free(m);
	}
}

static int
do_list(struct cli *cli, struct cli_env *env, struct tenant_args *a, bool status_only)
{
	struct database **dbs = xcalloc(env->profile->n_databases, sizeof *dbs);
	size_t n = tenant_databases(cli, env, dbs), d, i;
	struct strbuf out = STRBUF_INIT;
	struct json j;
	int status = n > 0 ? CLI_OK : CLI_USAGE;

	json_init(&j, &out, true);
	if (cli->json) {
		json_object_begin(&j);
		json_key(&j, "databases");
		json_array_begin(&j);
	}
	for (d = 0; d < n; d++) {
		struct migfile_set files = { NULL, NULL, 0, NULL, 0 };
		struct tenant_job *job;
		struct tenant_list *l;
		size_t pending = 0, drifted = 0, archived = 0, current = 0;

		if (scan_files(cli, dbs[d], &files) != NULL) {
			status = CLI_FAIL;
			continue;
		}
		job = run_job(cli, env->loop, TENANT_JOB_LIST, dbs[d], &files, &a->opts, false);
		l = tenant_job_list(job);
		if (tenant_job_error(job) != NULL || l == NULL) {
			cli_error(cli, "%s: %s", dbs[d]->cfg->label,
				  tenant_job_error(job) ? tenant_job_error(job) : "no answer");
			status = CLI_FAIL;
			tenant_job_free(&job);
			migfile_set_free(&files);
			continue;
		}
		warn_empty_pending(cli, dbs[d], &files, l);
		for (i = 0; i < l->n; i++) {
			const struct tenant_info *t = &l->v[i];

			if (t->archived)
				archived++;
			else if (t->drifted > 0)
				drifted++;
			else if (t->pending > 0 || t->out_of_order > 0)
				pending++;
			else
				current++;
		}
		if (status_only && (drifted > 0 || (a->check && pending > 0)))
			status = CLI_FAIL;
		if (!status_only) {
			tenant_list_filter(l, a->filter, a->state);
			if (a->sort != NULL && !tenant_list_sort(l, a->sort, a->desc)) {
				cli_error(cli,
					  "--sort: unknown column \"%s\" (id, size, applied, "
					  "pending, drifted, last)",
					  a->sort);
				status = CLI_USAGE;
			} else if (a->sort == NULL && a->desc) {
				tenant_list_sort(l, "id", true);
			}
		}
		if (cli->json) {
			json_object_begin(&j);
			json_kstr(&j, "database", dbs[d]->cfg->label);
			json_kint(&j, "migrations", (int64_t)files.n);
			json_key(&j, "summary");
			json_object_begin(&j);
			json_kint(&j, "tenants", (int64_t)(current + pending + drifted));
			json_kint(&j, "current", (int64_t)current);
			json_kint(&j, "pending", (int64_t)pending);
			json_kint(&j, "drifted", (int64_t)drifted);
			json_kint(&j, "archived", (int64_t)archived);
			json_object_end(&j);
			if (!status_only) {
				json_key(&j, "tenants");
				json_array_begin(&j);
				for (i = 0; i < l->n; i++) {
					const struct tenant_info *t = &l->v[i];

					json_object_begin(&j);
					json_kstr(&j, "id", t->id);
					json_kstr(&j, "schema", t->schema);
					json_kbool(&j, "archived", t->archived);
					json_kint(&j, "size_bytes", t->size_bytes);
					json_kint(&j, "tables", t->tables);
					json_kint(&j, "applied", t->applied);
					json_kint(&j, "pending", t->pending);
					json_kint(&j, "drifted", t->drifted);
					json_kint(&j, "out_of_order", t->out_of_order);
					json_kint(&j, "missing", t->missing);
					json_kstr(&j, "last_migration", t->last_file);
					json_kstr(&j, "last_applied_at", t->last_at);
					json_object_end(&j);
				}
				json_array_end(&j);
			}
			json_object_end(&j);
		} else if (status_only) {
			fprintf(cli->out,
				"%s: %zu tenants: %zu current, %zu with pending migrations, %zu "
				"drifted; %zu archived (%zu migrations in %s)\n",
				dbs[d]->cfg->label, current + pending + drifted, current, pending,
				drifted, archived, files.n, dbs[d]->cfg->tenants.migrations);
		} else {
			fprintf(cli->out, "%-24s %9s %6s %7s %7s %7s  %-28s %s\n", "TENANT", "SIZE",
				"TABLES", "APPLIED", "PENDING", "DRIFTED", "LAST MIGRATION", "AT");
			for (i = 0; i < l->n; i++) {
				const struct tenant_info *t = &l->v[i];
				char size[16];

				units_format_bytes(t->size_bytes, size, sizeof size);
				if (t->archived)
					cli_line(cli->out, "%-24s %9s %6d %7s\n", t->id, size,
						 t->tables, "archived");
				else
					cli_line(cli->out,
						 "%-24s %9s %6d %7d %7d %7d  %-28s %.19s\n", t->id,
						 size, t->tables, t->applied,
						 t->pending + t->out_of_order, t->drifted,
						 t->last_file ? t->last_file : "-",
						 t->last_at ? t->last_at : "");
			}
			fprintf(cli->out, "%s: %zu tenants shown\n", dbs[d]->cfg->label, l->n);
		}
		tenant_job_free(&job);
		migfile_set_free(&files);
	}
	if (cli->json) {
		json_array_end(&j);
		json_kbool(&j, "ok", status == CLI_OK);
		json_object_end(&j);
		cli_print_json(cli, &out);
	}
	strbuf_free(&out);
	free(dbs);
	return status;
}

/* ---- ids from arguments and --from-file ---- */

/*
 * The ids given as arguments, then those of --from-file: a line each,
 * blank lines and # comments skipped.
 */
static void
collect_ids(struct cli *cli, const struct tenant_args *a, int argc, char **argv, char ***ids,
	    size_t *n)
{
	FILE *f;
	char line[512];
	int i;

	for (i = 0; i < argc; i++)
		strvec_add(ids, n, argv[i]);
	if (a->from_file == NULL)
		return;
	f = fopen(a->from_file, "r");
	if (f == NULL) {
		cli_error(cli, "--from-file: cannot open %s", a->from_file);
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		size_t len = strlen(line);

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
				   line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		if (len > 0 && line[0] != '#')
			strvec_add(ids, n, line);
	}
	fclose(f);
}

/* ---- the commands ---- */

/* Every command's options, after their defaults: cli_parse_options()'s result. */
static int
tenant_parse(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
	     struct tenant_args *a)
{
	memset(a, 0, sizeof *a);
	tenant_job_opts_defaults(&a->opts);
	return cli_parse_options(cli, cmd, argc, argv, tenant_options, NULL, tenant_on_opt, a);
}

/* list and status: options only. */
static int
list_command(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
	     bool status_only)
{
	struct tenant_args a;
	struct cli_env env;
	int npos = tenant_parse(cli, cmd, argc, argv, &a), status;

	if (npos < 0)
		return cli_parse_exit(npos);
	if (!cli_no_arguments(cli, cmd, npos, argv))
		return CLI_USAGE;
	if (!cli_env_open(cli, &env))
		return CLI_USAGE;
	status = do_list(cli, &env, &a, status_only);
	cli_env_close(&env);
	return status;
}

int
cmd_tenant_list(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	return list_command(cli, cmd, argc, argv, false);
}

int
cmd_tenant_status(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	return list_command(cli, cmd, argc, argv, true);
}

/* What provision, deprovision, restore and migrate share. */
struct job_command {
	struct tenant_args a;
	struct cli_env env;
	struct database **dbs; /* the selected databases with tenants */
	size_t n_dbs;
	char **ids; /* strvec: the tenant ids, checked */
	size_t n_ids;
};

/* How many tenant ids a command takes. */
enum ids_wanted {
	IDS_ANY,  /* none means every tenant (migrate) */
	IDS_SOME, /* one or more */
	IDS_ONE,
};

/*
 * Parse the options, open the profile, gather the ids and check each one
 * before anything is sent. True to go on; false with the exit status in
 * *status after saying why. job_command_close() in both cases.
 */
static bool
job_command_open(struct job_command *jc, struct cli *cli, const struct cli_command *cmd, int argc,
		 char **argv, enum ids_wanted wanted, int *status)
{
	bool bad = false;
	size_t i;
	int npos;

	memset(jc, 0, sizeof *jc);
	*status = CLI_USAGE;
	npos = tenant_parse(cli, cmd, argc, argv, &jc->a);
	if (npos < 0) {
		*status = cli_parse_exit(npos);
		return false;
	}
	if (!cli_env_open(cli, &jc->env))
		return false;
	collect_ids(cli, &jc->a, npos, argv, &jc->ids, &jc->n_ids);
	jc->dbs = xcalloc(jc->env.profile->n_databases, sizeof *jc->dbs);
	jc->n_dbs = tenant_databases(cli, &jc->env, jc->dbs);
	if (jc->n_dbs == 0)
		return false;
	if (wanted != IDS_ANY || jc->n_ids > 0) {
		if (jc->n_ids == 0) {
			cli_error(cli, "tenant %s needs a tenant id", cmd->sub);
			return false;
		}
		for (i = 0; i < jc->n_ids; i++) {
			char *why = tenant_id_problem(&jc->dbs[0]->cfg->tenants, jc->ids[i]);

			if (why != NULL) {
				cli_error(cli, "%s", why);
				free(why);
				bad = true;
			}
		}
		if (bad)
			return false;
	}
	if (wanted == IDS_ONE && jc->n_ids != 1) {
		cli_error(cli, "tenant %s works on one tenant id", cmd->sub);
		return false;
	}
	jc->a.opts.ids = (const char *const *)jc->ids;
	jc->a.opts.n_ids = jc->n_ids;
	jc->a.opts.filter = jc->a.filter;
	return true;
}

static void
job_command_close(struct job_command *jc)
{
	strvec_free(&jc->ids, &jc->n_ids);
	free(jc->dbs);
	cli_env_close(&jc->env);
}

/* What each kind of job says it did to a tenant, and whether it reads the migration folder. */
static const struct {
	const char *verb;
	bool files;
} job_kinds[] = {
	[TENANT_JOB_PROVISION] = { "provisioned", true },
	[TENANT_JOB_ARCHIVE] = { "archived", false },
	[TENANT_JOB_DROP] = { "dropped", false },
	[TENANT_JOB_RESTORE] = { "restored", false },
	[TENANT_JOB_MIGRATE] = { "migrated", true },
	[TENANT_JOB_ROLLBACK] = { "rolled back", true },
};

/* Run a `kind` job on each of the n databases, one after the other, and report. */
static int
run_jobs(struct cli *cli, const struct cli_command *cmd, struct job_command *jc,
	 struct database **dbs, size_t n, enum tenant_job_kind kind)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	int status = CLI_OK;
	size_t d;

	json_init(&j, &out, true);
	if (cli->json) {
		json_object_begin(&j);
		json_kstr(&j, "command", cmd->sub);
		json_key(&j, "databases");
		json_array_begin(&j);
	}
	for (d = 0; d < n; d++) {
		struct migfile_set files = { NULL, NULL, 0, NULL, 0 };
		struct database *db = dbs[d];
		struct tenant_job *job;

		if (job_kinds[kind].files && scan_files(cli, db, &files) != NULL) {
			status = CLI_FAIL;
			continue;
		}
		job = run_job(cli, jc->env.loop, kind, db, &files, &jc->a.opts, true);
		/* failed, or interrupted with tenants left undone */
		if (tenant_job_error(job) != NULL || tenant_job_progress(job)->failed > 0 ||
		    tenant_job_progress(job)->cancelled)
			status = CLI_FAIL;
		if (cli->json) {
			json_object_begin(&j);
			json_kstr(&j, "database", db->cfg->label);
			json_results(&j, job);
			json_object_end(&j);
		} else {
			text_results(cli, db->cfg->label, job, job_kinds[kind].verb);
		}
		tenant_job_free(&job);
		migfile_set_free(&files);
	}
	if (cli->json) {
		json_array_end(&j);
		json_kbool(&j, "ok", status == CLI_OK);
		json_object_end(&j);
		cli_print_json(cli, &out);
	}
	strbuf_free(&out);
	return status;
}

/* Of several databases, the one with the fewest tenants (where new ones go). */
static size_t
fewest_tenants(struct cli *cli, struct job_command *jc)
{
	size_t best = 0, best_n = SIZE_MAX, k;

	for (k = 0; k < jc->n_dbs; k++) {
		struct tenant_job *lj = run_job(cli, jc->env.loop, TENANT_JOB_LIST, jc->dbs[k],
						NULL, &jc->a.opts, false);
		struct tenant_list *l = tenant_job_list(lj);

		if (l != NULL && l->n < best_n) {
			best_n = l->n;
			best = k;
		}
		tenant_job_free(&lj);
	}
	if (cli_show_progress(cli))
		fprintf(cli->err, "placing on %s (%zu tenants there)\n", jc->dbs[best]->cfg->label,
			best_n);
	return best;
}

int
cmd_tenant_provision(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct job_command jc;
	int status;

	if (job_command_open(&jc, cli, cmd, argc, argv, IDS_SOME, &status)) {
		if (jc.n_dbs > 1 && cli->database == NULL)
			status = run_jobs(cli, cmd, &jc, &jc.dbs[fewest_tenants(cli, &jc)], 1,
					  TENANT_JOB_PROVISION);
		else
			status = run_jobs(cli, cmd, &jc, jc.dbs, jc.n_dbs, TENANT_JOB_PROVISION);
	}
	job_command_close(&jc);
	return status;
}

/* deprovision: --mode given, the id typed back with --confirm; false after saying what lacks. */
static bool
deprovision_confirmed(struct cli *cli, struct job_command *jc)
{
	if (jc->a.mode == NULL) {
		cli_error(cli, "tenant deprovision needs --mode archive or --mode drop");
		return false;
	}
	if (jc->a.confirm == NULL || strcmp(jc->a.confirm, jc->ids[0]) != 0) {
		cli_error(cli, "tenant deprovision: type the tenant id back with --confirm %s",
			  jc->ids[0]);
		return false;
	}
	jc->a.opts.confirmed = true;
	return true;
}

int
cmd_tenant_deprovision(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct job_command jc;
	int status;

	if (job_command_open(&jc, cli, cmd, argc, argv, IDS_ONE, &status)) {
		status = CLI_USAGE;
		if (deprovision_confirmed(cli, &jc))
			status = run_jobs(cli, cmd, &jc, jc.dbs, jc.n_dbs,
					  strcmp(jc.a.mode, "drop") == 0 ? TENANT_JOB_DROP
									 : TENANT_JOB_ARCHIVE);
	}
	job_command_close(&jc);
	return status;
}

int
cmd_tenant_restore(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct job_command jc;
	int status;

	if (job_command_open(&jc, cli, cmd, argc, argv, IDS_ONE, &status))
		status = run_jobs(cli, cmd, &jc, jc.dbs, jc.n_dbs, TENANT_JOB_RESTORE);
	job_command_close(&jc);
	return status;
}

int
cmd_tenant_migrate(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct job_command jc;
	int status;

	if (job_command_open(&jc, cli, cmd, argc, argv, IDS_ANY, &status))
		status = run_jobs(cli, cmd, &jc, jc.dbs, jc.n_dbs,
				  jc.a.rollback ? TENANT_JOB_ROLLBACK : TENANT_JOB_MIGRATE);
	job_command_close(&jc);
	return status;
}
