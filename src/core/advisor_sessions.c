/*
 * advisor_sessions: the advisor's rules about what sessions do.
 *
 * pool-per-request: connections opened and closed at a high rate. Churn,
 * in short (the details are in docs/advisor.md): pg_stat_database's
 * per-database `sessions` counter (PostgreSQL 14+) says exactly how many
 * sessions started during the window; the ones still connected at the end
 * and the ones seen living longer than short_lived_ms are taken away, and
 * what is left are sessions that came and went within the window. Which
 * application_name they belong to is only known for those a sample
 * happened to see, so the rate is shared out in proportion to those
 * sightings; without sightings the finding is about the database.
 *
 * idle-in-transaction: sessions seen idle in a transaction for longer than
 * the threshold, a problem past pgdbm's own timeout.
 */
#include "config.h"

#include "advisor.h"

#include <stdlib.h>
#include <string.h>

#include "advisor_int.h"
#include "strbuf.h"
#include "xalloc.h"

/* pgdbm's own default idle_in_transaction_session_timeout (DatabaseConfig) */
#define PGDBM_IDLE_TX_TIMEOUT_MS 60000

/* ------------------------------------------------------------------------
 * Derived figures
 * ------------------------------------------------------------------------ */

static bool
born_in_window(const struct adv_evidence *ev, const struct adv_backend *b)
{
	return b->start_us > ev->first_us;
}

static int
app_index(const struct adv_evidence *ev, const char *appname)
{
	size_t i;

	for (i = 0; i < ev->n_apps; i++) {
		if (strcmp(ev->apps[i].appname, appname) == 0)
			return (int)i;
	}
	return -1;
}

void
adv_churn_compute(const struct adv_evidence *ev, const struct adv_opts *o, struct adv_churn *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	c->app_new = xcalloc(ev->n_apps + 1, sizeof *c->app_new);
	c->app_short = xcalloc(ev->n_apps + 1, sizeof *c->app_short);
	c->app_rate = xcalloc(ev->n_apps + 1, sizeof *c->app_rate);
	c->app_longest = xcalloc(ev->n_apps + 1, sizeof *c->app_longest);
	c->window_us = ev->last_us - ev->first_us;
	c->judged = ev->samples >= 2 && c->window_us > 0;
	if (!c->judged)
		return;
	c->exact = ev->sessions_first >= 0 && ev->sessions_last >= 0;
	if (c->exact)
		c->sessions = ev->sessions_last - ev->sessions_first;
	for (i = 0; i < ev->n_backends; i++) {
		const struct adv_backend *b = &ev->backends[i];
		int a;

		if (!born_in_window(ev, b) || b->start_us == 0)
			continue;
		if (b->own) {
			c->own_new++;
			continue;
		}
		a = app_index(ev, b->appname);
		if (a >= 0)
			c->app_new[a]++;
		if (b->gone_us == 0) {
			c->alive_new++;
		} else if (b->gone_us - b->start_us <= o->short_lived_ms * 1000) {
			c->short_seen++;
			if (a >= 0) {
				c->app_short[a]++;
				if (b->gone_us - b->start_us > c->app_longest[a])
					c->app_longest[a] = b->gone_us - b->start_us;
			}
		} else {
			c->long_new++;
		}
	}
	c->short_est = c->short_seen;
	if (c->exact) {
		int64_t left = c->sessions - c->alive_new - c->long_new - c->own_new;

		if (left > c->short_est)
			c->short_est = left;
	}
	c->db_rate = (double)c->short_est * 1e6 / (double)c->window_us;
	for (i = 0; i < ev->n_apps; i++) {
		if (c->app_short[i] == 0)
			continue;
		if (c->exact)
			c->app_rate[i] = c->db_rate * c->app_short[i] / c->short_seen;
		else
			c->app_rate[i] = (double)c->app_short[i] * 1e6 / (double)c->window_us;
	}
}

void
adv_churn_free(struct adv_churn *c)
{
	free(c->app_new);
	free(c->app_short);
	free(c->app_rate);
	free(c->app_longest);
}

int64_t
adv_idle_tx_threshold(const struct adv_evidence *ev, const struct adv_opts *o)
{
	if (o->idle_in_tx_ms > 0)
		return o->idle_in_tx_ms;
	if (ev->pdb != NULL && ev->pdb->alerts.idle_in_transaction_ms > 0)
		return ev->pdb->alerts.idle_in_transaction_ms;
	return 30000;
}

/* ------------------------------------------------------------------------
 * The rules
 * ------------------------------------------------------------------------ */

/* ---- pool-per-request ---- */

void
adv_rule_churn(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	const struct adv_churn *c = &j->churn;
	double secs = (double)c->window_us / 1e6;
	char d[32], d2[32];
	size_t i;
	bool any = false;

	if (!c->judged)
		return;
	for (i = 0; i < ev->n_apps; i++) {
		struct adv_finding *f;
		struct strbuf pids = STRBUF_INIT;
		size_t k, shown = 0;

		if (c->app_short[i] == 0 || c->app_rate[i] < j->o->churn_per_s)
			continue;
		any = true;
		f = adv_finding_add(j, ADV_PROBLEM, ev->apps[i].appname,
				    adv_anti_rule(WIZARD_ANTI_POOL_PER_REQUEST), ADV_SRC_ANTI,
				    "%s opens and closes about %.0f connections per second",
				    adv_app_label(ev->apps[i].appname), c->app_rate[i]);
		if (c->exact)
			adv_finding_evidence(
				f,
				"pg_stat_database.sessions: %lld sessions started in %.1f s; %d "
				"still connected at the end, %d lived longer than %s: about %lld "
				"came and went within %s (%.1f per second)",
				(long long)c->sessions, secs, c->alive_new, c->long_new,
				adv_dur(j->o->short_lived_ms, d, sizeof d), (long long)c->short_est,
				d, c->db_rate);
		for (k = 0; k < ev->n_backends && shown < 12; k++) {
			const struct adv_backend *b = &ev->backends[k];

			if (b->own || !born_in_window(ev, b) || b->gone_us == 0 ||
			    b->gone_us - b->start_us > j->o->short_lived_ms * 1000 ||
			    strcmp(b->appname, ev->apps[i].appname) != 0)
				continue;
			strbuf_addf(&pids, "%s%d", shown ? ", " : "", b->pid);
			shown++;
		}
		adv_finding_evidence(
			f,
			"sampling every %s saw %d backend%s of %s start and end within the window "
			"(pid%s %s%s), each gone less than %s after it started; %s of the %d "
			"short-lived backends seen",
			adv_dur(j->o->sample_ms, d, sizeof d), c->app_short[i],
			adv_plural(c->app_short[i]), adv_app_label(ev->apps[i].appname),
			adv_plural(c->app_short[i]), strbuf_str(&pids),
			(int)shown < c->app_short[i] ? ", ..." : "",
			adv_dur(c->app_longest[i] / 1000, d2, sizeof d2),
			c->app_short[i] == c->short_seen ? "all" : "some", c->short_seen);
		if (!c->exact)
			adv_finding_evidence(
				f, "no per-database session counter (PostgreSQL < 14): the rate "
				   "counts only the backends sampling saw, a lower bound");
		adv_finding_evidence(
			f, "a pool made once at startup keeps its connections: none of its "
			   "backends would be younger than the window");
		strbuf_free(&pids);
	}
	if (!any && c->exact && c->short_seen == 0 && c->db_rate >= j->o->churn_per_s) {
		struct adv_finding *f;

		f = adv_finding_add(
			j, ADV_WARNING, NULL, adv_anti_rule(WIZARD_ANTI_POOL_PER_REQUEST),
			ADV_SRC_ANTI,
			"sessions open and close about %.0f times per second; too briefly for "
			"sampling to tell whose",
			c->db_rate);
		adv_finding_evidence(
			f,
			"pg_stat_database.sessions: %lld sessions started in %.1f s; %d still "
			"connected at the end, %d lived longer than %s",
			(long long)c->sessions, secs, c->alive_new, c->long_new,
			adv_dur(j->o->short_lived_ms, d, sizeof d));
		adv_finding_evidence(
			f, "no sample (every %s) caught one of them: each lived less than that",
			adv_dur(j->o->sample_ms, d, sizeof d));
	}
}

/* ---- idle-in-transaction ---- */

void
adv_rule_idle_tx(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	int64_t threshold = adv_idle_tx_threshold(ev, j->o);
	size_t i, k;
	char d1[32], d2[32];

	for (i = 0; i < ev->n_apps; i++) {
		struct adv_finding *f = NULL;
		int64_t worst = 0;
		int n = 0;

		for (k = 0; k < ev->n_backends; k++) {
			const struct adv_backend *b = &ev->backends[k];

			if (b->own || b->idle_tx_ms < threshold ||
			    strcmp(b->appname, ev->apps[i].appname) != 0)
				continue;
			n++;
			if (b->idle_tx_ms > worst)
				worst = b->idle_tx_ms;
		}
		if (n == 0)
			continue;
		f = adv_finding_add(
			j, worst >= PGDBM_IDLE_TX_TIMEOUT_MS ? ADV_PROBLEM : ADV_WARNING,
			ev->apps[i].appname,
			xasprintf("pgdbm closes a session left idle in a transaction after %s "
				  "(DatabaseConfig idle_in_transaction_session_timeout_ms = "
				  "%d); a leaked transaction holds a pool connection, its locks "
				  "and vacuum's horizon",
				  adv_dur(PGDBM_IDLE_TX_TIMEOUT_MS, d1, sizeof d1),
				  PGDBM_IDLE_TX_TIMEOUT_MS),
			"pgdbm DatabaseConfig defaults; production patterns, pool exhaustion: "
			"\"look for leaked transactions\"",
			"%d session%s of %s left idle in a transaction for up to %s", n,
			n == 1 ? "" : "s", adv_app_label(ev->apps[i].appname),
			adv_dur(worst, d2, sizeof d2));
		for (k = 0; k < ev->n_backends; k++) {
			const struct adv_backend *b = &ev->backends[k];

			if (b->own || b->idle_tx_ms < threshold ||
			    strcmp(b->appname, ev->apps[i].appname) != 0)
				continue;
			adv_finding_evidence(
				f,
				"pid %d from %s: idle in transaction%s for %s, transaction open for %s",
				b->pid, b->host[0] ? b->host : "an unknown client",
				b->idle_tx_aborted ? " (aborted)" : "",
				adv_dur(b->idle_tx_ms, d1, sizeof d1),
				b->idle_tx_xact_ms >= 0 ? adv_dur(b->idle_tx_xact_ms, d2, sizeof d2)
							: "?");
		}
		adv_finding_evidence(f, "threshold %s (alerts.idle_in_transaction of the profile)",
				     adv_dur(threshold, d1, sizeof d1));
		if (worst >= PGDBM_IDLE_TX_TIMEOUT_MS)
			adv_finding_evidence(
				f,
				"longer than pgdbm's own %s timeout: the timeout is off for "
				"this application",
				adv_dur(PGDBM_IDLE_TX_TIMEOUT_MS, d1, sizeof d1));
	}
}
