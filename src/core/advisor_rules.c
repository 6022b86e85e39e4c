/*
 * advisor_rules: the advisor's judge, a pure function over the evidence.
 * See include/advisor.h; docs/advisor.md describes every rule.
 *
 * The judge never reads anything but the evidence, the profile database
 * the evidence names, and the options. Rules are a table (rules[]): each
 * row has its id and a function that appends findings (advisor_pools.c,
 * advisor_sessions.c, advisor_schemas.c); findings are sorted worst first,
 * then in table order, then by subject. The report adds the detected
 * pattern (advisor_pattern.c), a summary of every application pool and the
 * notes on what limited the analysis.
 */
#include "config.h"

#include "advisor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advisor_int.h"
#include "strvec.h"
#include "units.h"
#include "wizard.h"
#include "xalloc.h"

void
adv_opts_defaults(struct adv_opts *o)
{
	memset(o, 0, sizeof *o);
	o->window_ms = 3000;
	o->sample_ms = 50;
	o->short_lived_ms = 1000;
	o->churn_per_s = 5.0;
	o->idle_in_tx_ms = 0;
	o->statement_ms = 10000;
	o->ledgers_per_query = 500;
}

const char *
adv_severity_name(enum adv_severity s)
{
	switch (s) {
	case ADV_INFO:
		return "info";
	case ADV_WARNING:
		return "warning";
	case ADV_PROBLEM:
		return "problem";
	}
	return "?";
}

/* ------------------------------------------------------------------------
 * Findings
 * ------------------------------------------------------------------------ */

struct adv_finding *
adv_finding_add(struct adv_ctx *j, enum adv_severity sev, const char *subject, char *rule,
		const char *source, const char *fmt, ...)
{
	struct adv_report *r = j->r;
	struct adv_finding *f;
	va_list ap;

	r->findings = xreallocarray(r->findings, r->n_findings + 1, sizeof *r->findings);
	f = &r->findings[r->n_findings++];
	memset(f, 0, sizeof *f);
	f->id = j->id;
	f->severity = sev;
	f->subject = subject != NULL ? xstrdup(subject) : NULL;
	f->rule = rule;
	f->source = xstrdup(source);
	va_start(ap, fmt);
	f->title = xvasprintf(fmt, ap);
	va_end(ap);
	return f;
}

void
adv_finding_evidence(struct adv_finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strvec_vaddf(&f->evidence, &f->n_evidence, fmt, ap);
	va_end(ap);
}

/* The guide's words, reused from the wizard's tables. */
char *
adv_anti_rule(enum wizard_anti a)
{
	return xasprintf("%s: \"%s\"", wizard_anti_name(a), wizard_anti_guide(a));
}

/* ------------------------------------------------------------------------
 * The rules
 * ------------------------------------------------------------------------ */

struct rule {
	const char *id;
	const char *what;
	void (*judge)(struct adv_ctx *j);
};

/* Every rule, in judging order (findings of equal severity keep it). */
static const struct rule rules[] = {
	{ "multiple-pools",
	  "several pools of one service (or one per tenant) connect to the "
	  "database",
	  adv_rule_multiple_pools },
	{ "pool-per-request",
	  "connections opened and closed at a high rate: a pool per "
	  "request",
	  adv_rule_churn },
	{ "idle-in-transaction", "sessions left idle in a transaction", adv_rule_idle_tx },
	{ "pool-undersized", "a declared pool busy at its pool_max", adv_rule_undersized },
	{ "pool-oversized", "a pool above the guide's largest band or the server's limit",
	  adv_rule_oversized },
	{ "max-connections",
	  "the declared pools (and the console's) against the usable "
	  "max_connections",
	  adv_rule_max_connections },
	{ "ledger-without-module", "a pgdbm ledger in a schema the profile has no module for",
	  adv_rule_orphan_ledgers },
	{ "tenant-missing-migrations", "tenant schemas missing migrations other tenants have",
	  adv_rule_tenants },
	{ "pool-above-declared",
	  "more connections than pool_max from several client hosts, "
	  "each within it",
	  adv_rule_above_declared },
	{ "pool-undeclared", "a pgdbm pool the profile's apps do not declare",
	  adv_rule_undeclared },
	{ "pools-same-host", "different pgdbm pools connect from one client host",
	  adv_rule_same_host },
};

#define N_RULES (sizeof rules / sizeof rules[0])

const struct adv_rule_info *
adv_rules(size_t *n)
{
	static struct adv_rule_info info[N_RULES];
	size_t i;

	for (i = 0; i < N_RULES; i++) {
		info[i].id = rules[i].id;
		info[i].what = rules[i].what;
	}
	*n = N_RULES;
	return info;
}

/* ------------------------------------------------------------------------
 * The report
 * ------------------------------------------------------------------------ */

static int
finding_cmp(const void *a, const void *b)
{
	const struct adv_finding *x = a, *y = b;
	size_t rx = 0, ry = 0, i;

	if (x->severity != y->severity)
		return (int)y->severity - (int)x->severity;
	for (i = 0; i < N_RULES; i++) {
		if (rules[i].id == x->id)
			rx = i;
		if (rules[i].id == y->id)
			ry = i;
	}
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(x->subject ? x->subject : "", y->subject ? y->subject : "");
}

static int
app_summary_cmp(const void *a, const void *b)
{
	const struct adv_app_summary *x = a, *y = b;

	if (x->peak != y->peak)
		return y->peak - x->peak;
	return strcmp(x->appname, y->appname);
}

void
adv_judge(const struct adv_evidence *ev, const struct adv_opts *opts, struct adv_report *out)
{
	struct adv_opts defaults;
	struct adv_ctx j;
	size_t i, k;
	int64_t threshold;

	if (opts == NULL) {
		adv_opts_defaults(&defaults);
		opts = &defaults;
	}
	memset(out, 0, sizeof *out);
	out->label = xstrdup(ev->pdb != NULL ? ev->pdb->label : "");
	out->database = xstrdup(ev->database != NULL ? ev->database : "");
	out->server_version = ev->server_version;
	out->window_ms = (ev->last_us - ev->first_us) / 1000;
	out->samples = ev->samples;
	out->max_connections = ev->max_connections;
	out->usable = ev->max_connections - ev->reserved;
	out->server_peak = ev->server_peak;

	memset(&j, 0, sizeof j);
	j.ev = ev;
	j.o = opts;
	j.r = out;
	adv_churn_compute(ev, opts, &j.churn);
	for (i = 0; i < N_RULES; i++) {
		j.id = rules[i].id;
		rules[i].judge(&j);
	}
	if (out->n_findings > 1)
		qsort(out->findings, out->n_findings, sizeof *out->findings, finding_cmp);
	out->worst = ADV_INFO;
	out->clean = true;
	for (i = 0; i < out->n_findings; i++) {
		if (out->findings[i].severity > out->worst)
			out->worst = out->findings[i].severity;
		if (out->findings[i].severity >= ADV_WARNING)
			out->clean = false;
	}

	adv_detect_pattern(ev, &out->pattern);

	threshold = adv_idle_tx_threshold(ev, opts);
	out->apps = xcalloc(ev->n_apps + 1, sizeof *out->apps);
	for (i = 0; i < ev->n_apps; i++) {
		const struct adv_app *a = &ev->apps[i];
		struct adv_app_summary *s = &out->apps[out->n_apps++];

		s->appname = xstrdup(a->appname);
		s->declared_max = a->declared_max;
		s->peak = a->peak;
		s->peak_busy = a->peak_busy;
		s->saturated = a->saturated;
		s->hosts = a->n_hosts;
		s->new_backends = j.churn.app_new != NULL ? j.churn.app_new[i] : 0;
		s->short_lived = j.churn.app_short != NULL ? j.churn.app_short[i] : 0;
		s->churn_per_s = j.churn.app_rate != NULL ? j.churn.app_rate[i] : 0;
		for (k = 0; k < ev->n_backends; k++) {
			const struct adv_backend *b = &ev->backends[k];

			if (!b->own && b->idle_tx_ms >= threshold &&
			    strcmp(b->appname, a->appname) == 0)
				s->idle_in_tx++;
		}
	}
	if (out->n_apps > 1)
		qsort(out->apps, out->n_apps, sizeof *out->apps, app_summary_cmp);
	adv_churn_free(&j.churn);

	for (i = 0; i < ev->n_notes; i++)
		strvec_push(&out->notes, &out->n_notes, xstrdup(ev->notes[i]));
	if (ev->samples > 0 && !ev->can_read_all)
		strvec_push(&out->notes, &out->n_notes,
			    xstrdup("this role is not a member of pg_read_all_stats: other roles' "
				    "sessions show no state or times, so idle-in-transaction and "
				    "churn evidence covers this role's sessions only"));
	if (ev->samples >= 2 && (ev->sessions_first < 0 || ev->sessions_last < 0))
		strvec_push(&out->notes, &out->n_notes,
			    xstrdup("no per-database session counter (PostgreSQL < 14): churn is "
				    "what sampling saw, a lower bound"));
	if (ev->samples < 2)
		strvec_push(&out->notes, &out->n_notes,
			    xstrdup("fewer than two samples: churn was not judged"));
}

void
adv_report_free(struct adv_report *r)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++) {
		struct adv_finding *f = &r->findings[i];

		free(f->subject);
		free(f->title);
		free(f->rule);
		free(f->source);
		strvec_free(&f->evidence, &f->n_evidence);
	}
	free(r->findings);
	for (i = 0; i < r->n_apps; i++)
		free(r->apps[i].appname);
	free(r->apps);
	strvec_free(&r->pattern.evidence, &r->pattern.n_evidence);
	strvec_free(&r->notes, &r->n_notes);
	free(r->label);
	free(r->database);
	memset(r, 0, sizeof *r);
}

const char *
advisor_window_text(int64_t window_ms, char *buf, size_t size)
{
	if (window_ms >= 1000 && window_ms < 60000)
		snprintf(buf, size, "%.1fs", (double)window_ms / 1000.0);
	else
		units_format_duration(window_ms, buf, size);
	return buf;
}
