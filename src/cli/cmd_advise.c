/*
 * cmd_advise: `pgdbm-console advise [--window D] [--sample D] [--json]`.
 *
 * Runs the advisor (include/advisor.h) on every selected database at once
 * (--database, else all of the profile), so the whole command takes about
 * one observation window, and prints per database the pattern it runs, the
 * findings with the guide's rule and the evidence, the application pools
 * seen, and the notes on what limited the analysis.
 *
 * Exit status: 0 when every database is clean (no finding of severity
 * warning or problem), 1 when one has such a finding or could not be
 * analysed, 2 for usage and profile errors.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "advisor.h"
#include "cli.h"
#include "database.h"
#include "json.h"
#include "loop.h"

#define WINDOW_MIN_MS 200
#define WINDOW_MAX_MS (10 * 60 * 1000)
#define SAMPLE_MIN_MS 5

enum {
	OPT_WINDOW = 0x400,
	OPT_SAMPLE,
};

static const struct option advise_options[] = {
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ NULL, 0, NULL, 0 },
};

static bool
advise_on_opt(struct cli *cli, int opt, const char *arg, void *data)
{
	struct adv_opts *o = data;
	int64_t ms;

	if (!cli_parse_duration(cli, opt == OPT_WINDOW ? "window" : "sample", arg, &ms))
		return false;
	if (opt == OPT_WINDOW) {
		if (ms < WINDOW_MIN_MS || ms > WINDOW_MAX_MS) {
			cli_error(cli, "--window: expected 200ms to 10m, got \"%s\"", arg);
			return false;
		}
		o->window_ms = ms;
		return true;
	}
	if (ms < SAMPLE_MIN_MS) {
		cli_error(cli, "--sample: expected 5ms or more, got \"%s\"", arg);
		return false;
	}
	o->sample_ms = ms;
	return true;
}

struct run {
	struct cli *cli;
	struct advisor *adv;
	char last[64]; /* the phase last shown */
};

static void
on_update(struct advisor *a, void *arg)
{
	struct run *r = arg;
	const char *phase = advisor_phase(a);
	size_t n = strcspn(phase, "(:");

	if (!cli_show_progress(r->cli))
		return;
	if (n >= sizeof r->last)
		n = sizeof r->last - 1;
	if (strncmp(r->last, phase, n) == 0 && r->last[n] == '\0')
		return;
	memcpy(r->last, phase, n);
	r->last[n] = '\0';
	fprintf(r->cli->err, "%s: %s\n", advisor_database(a)->cfg->label, phase);
}

static const char *
version_text(int v, char *buf, size_t size)
{
	if (v >= 100000)
		snprintf(buf, size, "%d.%d", v / 10000, v % 10000);
	else
		snprintf(buf, size, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
	return buf;
}

static void
upper(char *dst, const char *src, size_t size)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < size; i++)
		dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 'a' + 'A' : src[i]);
	dst[i] = '\0';
}

static void
print_text(struct cli *cli, const struct advisor *a)
{
	FILE *f = cli->out;
	const struct adv_report *r = advisor_report(a);
	const char *label = advisor_database(a)->cfg->label;
	char v[32], d[32], sev[16];
	size_t i, k, count[3] = { 0, 0, 0 };

	if (r == NULL) {
		fprintf(f, "%s: not analysed: %s\n", label, advisor_error(a));
		return;
	}
	fprintf(f, "%s: database %s on PostgreSQL %s, watched %s (%d samples)\n", label,
		r->database, version_text(r->server_version, v, sizeof v),
		advisor_window_text(r->window_ms, d, sizeof d), r->samples);
	fprintf(f, "  pattern: %s", r->pattern.name);
	if (r->pattern.local_name != NULL)
		fprintf(f, " (this database: %s)", r->pattern.local_name);
	if (r->pattern.several_pools)
		fprintf(f, ", with several pools");
	fputc('\n', f);
	for (i = 0; i < r->pattern.n_evidence; i++)
		cli_line(f, "    - %s\n", r->pattern.evidence[i]);
	for (i = 0; i < r->n_findings; i++) {
		const struct adv_finding *x = &r->findings[i];

		count[x->severity]++;
		upper(sev, adv_severity_name(x->severity), sizeof sev);
		fputc('\n', f);
		cli_line(f, "  %-8s %s%s%s: %s\n", sev, x->id, x->subject ? " " : "",
			 x->subject ? x->subject : "", x->title);
		fprintf(f, "    rule: %s\n          (%s)\n", x->rule, x->source);
		for (k = 0; k < x->n_evidence; k++)
			cli_line(f, "    - %s\n", x->evidence[k]);
	}
	if (r->n_apps > 0) {
		fprintf(f, "\n  %-28s %5s %5s %5s %6s %5s %6s %8s\n", "application pools", "peak",
			"busy", "max", "hosts", "new", "short", "churn/s");
		for (i = 0; i < r->n_apps; i++) {
			const struct adv_app_summary *s = &r->apps[i];
			char max[16];

			if (s->declared_max > 0)
				snprintf(max, sizeof max, "%d", s->declared_max);
			else
				snprintf(max, sizeof max, "-");
			cli_line(f, "  %-28s %5d %5d %5s %6zu %5d %6d %8.1f\n",
				 s->appname[0] ? s->appname : "(none)", s->peak, s->peak_busy, max,
				 s->hosts, s->new_backends, s->short_lived, s->churn_per_s);
		}
	}
	for (i = 0; i < r->n_notes; i++)
		fprintf(f, "  note: %s\n", r->notes[i]);
	if (r->clean)
		fprintf(f, "\n  clean: no warning or problem (%zu info)\n\n", count[ADV_INFO]);
	else
		fprintf(f, "\n  %zu problem%s, %zu warning%s, %zu info\n\n", count[ADV_PROBLEM],
			count[ADV_PROBLEM] == 1 ? "" : "s", count[ADV_WARNING],
			count[ADV_WARNING] == 1 ? "" : "s", count[ADV_INFO]);
}

static void
json_strings(struct json *j, const char *key, char *const *v, size_t n)
{
	size_t i;

	json_key(j, key);
	json_array_begin(j);
	for (i = 0; i < n; i++)
		json_str(j, v[i]);
	json_array_end(j);
}

static void
print_json(struct json *j, const struct advisor *a)
{
	const struct adv_report *r = advisor_report(a);
	size_t i;

	json_object_begin(j);
	json_kstr(j, "database", advisor_database(a)->cfg->label);
	json_kstr(j, "state", advisor_state_name(advisor_state(a)));
	json_kstr(j, "error", r == NULL ? advisor_error(a) : NULL);
	if (r == NULL) {
		json_object_end(j);
		return;
	}
	json_kstr(j, "dbname", r->database);
	json_kint(j, "server_version_num", r->server_version);
	json_kint(j, "window_ms", r->window_ms);
	json_kint(j, "samples", r->samples);
	json_kint(j, "max_connections", r->max_connections);
	json_kint(j, "usable_connections", r->usable);
	json_kint(j, "server_peak", r->server_peak);
	json_kbool(j, "clean", r->clean);
	json_kstr(j, "worst", r->n_findings > 0 ? adv_severity_name(r->worst) : NULL);
	json_key(j, "pattern");
	json_object_begin(j);
	json_kstr(j, "id", r->pattern.id);
	json_kstr(j, "name", r->pattern.name);
	json_kstr(j, "this_database", r->pattern.local_name);
	json_kbool(j, "several_pools", r->pattern.several_pools);
	json_strings(j, "evidence", r->pattern.evidence, r->pattern.n_evidence);
	json_object_end(j);
	json_key(j, "findings");
	json_array_begin(j);
	for (i = 0; i < r->n_findings; i++) {
		const struct adv_finding *x = &r->findings[i];

		json_object_begin(j);
		json_kstr(j, "id", x->id);
		json_kstr(j, "severity", adv_severity_name(x->severity));
		json_kstr(j, "subject", x->subject);
		json_kstr(j, "title", x->title);
		json_kstr(j, "rule", x->rule);
		json_kstr(j, "source", x->source);
		json_strings(j, "evidence", x->evidence, x->n_evidence);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "apps");
	json_array_begin(j);
	for (i = 0; i < r->n_apps; i++) {
		const struct adv_app_summary *s = &r->apps[i];

		json_object_begin(j);
		json_kstr(j, "application_name", s->appname);
		if (s->declared_max > 0)
			json_kint(j, "pool_max", s->declared_max);
		else
			json_kstr(j, "pool_max", NULL);
		json_kint(j, "peak", s->peak);
		json_kint(j, "peak_busy", s->peak_busy);
		json_kint(j, "saturated_samples", s->saturated);
		json_kint(j, "hosts", (int64_t)s->hosts);
		json_kint(j, "new_backends", s->new_backends);
		json_kint(j, "short_lived", s->short_lived);
		json_kdouble(j, "churn_per_s", s->churn_per_s);
		json_kint(j, "idle_in_transaction", s->idle_in_tx);
		json_object_end(j);
	}
	json_array_end(j);
	json_strings(j, "notes", r->notes, r->n_notes);
	json_object_end(j);
}

int
cmd_advise(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct adv_opts opts;
	struct cli_env env;
	struct database **dbs;
	struct run *runs;
	size_t n, i;
	int npos, status = CLI_OK;
	bool all_done;

	adv_opts_defaults(&opts);
	npos = cli_parse_options(cli, cmd, argc, argv, advise_options, NULL, advise_on_opt, &opts);
	if (npos < 0)
		return cli_parse_exit(npos);
	if (!cli_no_arguments(cli, cmd, npos, argv))
		return CLI_USAGE;
	if (opts.sample_ms * 2 > opts.window_ms) {
		cli_error(cli, "--sample must be at most half of --window (%lld ms)",
			  (long long)opts.window_ms);
		return CLI_USAGE;
	}
	if (!cli_env_open(cli, &env))
		return CLI_USAGE;
	dbs = xcalloc(env.profile->n_databases + 1, sizeof *dbs);
	n = cli_env_select(cli, &env, dbs);
	runs = xcalloc(n + 1, sizeof *runs);
	for (i = 0; i < n; i++) {
		runs[i].cli = cli;
		runs[i].adv = advisor_new(env.loop, dbs[i], env.profile, &opts, &cli->log);
		advisor_on_update(runs[i].adv, on_update, &runs[i]);
	}
	for (i = 0; i < n; i++)
		advisor_start(runs[i].adv);
	do {
		all_done = true;
		for (i = 0; i < n; i++)
			all_done = all_done && advisor_finished(runs[i].adv);
		if (!all_done)
			loop_run_once(env.loop, -1);
	} while (!all_done);

	for (i = 0; i < n; i++) {
		const struct adv_report *r = advisor_report(runs[i].adv);

		if (r == NULL || !r->clean)
			status = CLI_FAIL;
	}
	if (cli->json) {
		struct strbuf out = STRBUF_INIT;
		struct json j;

		json_init(&j, &out, true);
		json_object_begin(&j);
		json_kbool(&j, "clean", status == CLI_OK);
		json_key(&j, "databases");
		json_array_begin(&j);
		for (i = 0; i < n; i++)
			print_json(&j, runs[i].adv);
		json_array_end(&j);
		json_object_end(&j);
		strbuf_addc(&out, '\n');
		cli_print_json(cli, &out);
		strbuf_free(&out);
	} else {
		for (i = 0; i < n; i++) {
			if (advisor_report(runs[i].adv) == NULL)
				cli_error(cli, "%s: %s", dbs[i]->cfg->label,
					  advisor_error(runs[i].adv));
			print_text(cli, runs[i].adv);
		}
	}
	for (i = 0; i < n; i++)
		advisor_free(&runs[i].adv);
	free(runs);
	free(dbs);
	cli_env_close(&env);
	return status;
}
