/*
 * advisor_pools: the advisor's rules about pools, read from the
 * application_names connected and the pools the profile declares.
 *
 * pgdbm names a pool's connections <schema>_pool (app_pool without a
 * schema), so names that share a service's stem are pools of one service
 * (multiple-pools); a host holding more than one pool_max of connections
 * has more than one pool. Sizes are judged against the guide's load bands
 * (decision question 4, read from the wizard's "load" question: undersized
 * when busy at pool_max, oversized above the largest band or the server's
 * limit), and the declared pools plus the console's against the usable
 * max_connections.
 */
#include "config.h"

#include "advisor.h"

#include <stdlib.h>
#include <string.h>

#include "advisor_int.h"
#include "strbuf.h"
#include "strvec.h"
#include "wizard.h"
#include "xalloc.h"

/* the top of the guide's largest load band */
#define BAND_TOP 100
/* a pool saturated in at least this share of the samples is undersized */
#define SATURATED_SHARE 4 /* one in four */

/* Same service: equal stems, or one stem is the other's followed by "_". */
static bool
same_service(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > lb) {
		const char *t = a;

		a = b;
		b = t;
		la = lb;
	}
	return strncmp(a, b, la) == 0 && (b[la] == '\0' || b[la] == '_');
}

/* ------------------------------------------------------------------------
 * The guide's load bands
 * ------------------------------------------------------------------------ */

/* The bands as the guide words them. */
static char *
band_rule(void)
{
	const struct wizard_question *q = wizard_question_find("load");
	struct strbuf sb = STRBUF_INIT;
	const struct wizard_choice *c;

	strbuf_adds(&sb, q != NULL ? q->prompt : "What's your expected load?");
	for (c = q != NULL ? q->choices : NULL; c != NULL && c->value != NULL; c++)
		strbuf_addf(&sb, "%s %s -> %d-%d connections", c == q->choices ? "" : ";", c->label,
			    c->pool_min, c->pool_max);
	return strbuf_detach(&sb);
}

#define SRC_BANDS "pgdbm architecture decision tree, decision question 4 (expected load)"

/*
 * The load band a pool size sits in: the lowest whose range holds it (20 is
 * the top of 10-20 rather than the bottom of 20-50), the largest above
 * them all, NULL below the smallest.
 */
static const struct wizard_choice *
band_of(int size)
{
	const struct wizard_question *q = wizard_question_find("load");
	const struct wizard_choice *c, *last = NULL;

	for (c = q != NULL ? q->choices : NULL; c != NULL && c->value != NULL; c++) {
		if (size < c->pool_min)
			return last != NULL && size <= last->pool_max ? last : NULL;
		if (size <= c->pool_max)
			return c;
		last = c;
	}
	return last;
}

static const struct wizard_choice *
band_next(const struct wizard_choice *b)
{
	const struct wizard_question *q = wizard_question_find("load");

	if (q == NULL)
		return NULL;
	if (b == NULL)
		return q->choices[0].value != NULL ? &q->choices[0] : NULL;
	return b[1].value != NULL ? &b[1] : NULL;
}

static const struct wizard_choice *
band_last(void)
{
	const struct wizard_question *q = wizard_question_find("load");
	const struct wizard_choice *c, *last = NULL;

	for (c = q != NULL ? q->choices : NULL; c != NULL && c->value != NULL; c++)
		last = c;
	return last;
}

/* An evidence line per client host of an application. */
static void
host_lines(struct adv_finding *f, const struct adv_app *a)
{
	size_t k;

	for (k = 0; k < a->n_hosts; k++)
		adv_finding_evidence(
			f, "%s from %s: up to %d connection%s at once (%d busy)", a->appname,
			a->hosts[k].host[0] ? a->hosts[k].host : "an unknown client",
			a->hosts[k].peak, adv_plural(a->hosts[k].peak), a->hosts[k].peak_busy);
}

/* ------------------------------------------------------------------------
 * The rules
 * ------------------------------------------------------------------------ */

/* ---- multiple-pools ---- */

void
adv_rule_multiple_pools(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	const char *tprefix = adv_tenant_prefix(ev->pdb);
	char **stems = xcalloc(ev->n_apps + 1, sizeof *stems);
	int *group = xcalloc(ev->n_apps + 1, sizeof *group);
	size_t i, k, n_tenant_pools = 0;
	struct adv_finding *f;

	/* (a) sibling pool names of one service */
	for (i = 0; i < ev->n_apps; i++) {
		group[i] = (int)i;
		if (ev->apps[i].peak > 0)
			stems[i] = adv_pool_stem(ev, ev->apps[i].appname);
		if (stems[i] != NULL && adv_has_prefix(stems[i], tprefix)) {
			n_tenant_pools++;
			free(stems[i]);
			stems[i] = NULL;
			group[i] = -1; /* judged in (c) */
		}
	}
	for (i = 0; i < ev->n_apps; i++) {
		for (k = i + 1; k < ev->n_apps; k++) {
			if (stems[i] != NULL && stems[k] != NULL && group[k] == (int)k &&
			    same_service(stems[i], stems[k]))
				group[k] = group[i];
		}
	}
	for (i = 0; i < ev->n_apps; i++) {
		size_t members = 0;
		const char *shortest;

		if (stems[i] == NULL || group[i] != (int)i)
			continue;
		shortest = stems[i];
		for (k = 0; k < ev->n_apps; k++) {
			if (stems[k] != NULL && group[k] == (int)i) {
				members++;
				if (strlen(stems[k]) < strlen(shortest))
					shortest = stems[k];
			}
		}
		if (members < 2)
			continue;
		f = adv_finding_add(j, ADV_WARNING, shortest,
				    adv_anti_rule(WIZARD_ANTI_MULTIPLE_POOLS), ADV_SRC_ANTI,
				    "%zu pools of service %s connect to this database", members,
				    shortest);
		for (k = 0; k < ev->n_apps; k++) {
			if (stems[k] != NULL && group[k] == (int)i)
				adv_finding_evidence(
					f,
					"application_name %s: up to %d connection%s at once, from "
					"%zu client host%s",
					ev->apps[k].appname, ev->apps[k].peak,
					adv_plural(ev->apps[k].peak), ev->apps[k].n_hosts,
					adv_plural((long)ev->apps[k].n_hosts));
		}
		adv_finding_evidence(
			f,
			"pgdbm names a pool <schema>_pool: names sharing the service's stem "
			"(%s) come from separate DatabaseConfig pools of one service",
			shortest);
	}

	/* (b) one client host with more connections than one pool may hold */
	for (i = 0; i < ev->n_apps; i++) {
		const struct adv_app *a = &ev->apps[i];
		bool over = false;

		for (k = 0; k < a->n_hosts; k++)
			over = over || (a->declared_max > 0 && a->hosts[k].peak > a->declared_max);
		if (!over)
			continue;
		f = adv_finding_add(
			j, ADV_WARNING, a->appname, adv_anti_rule(WIZARD_ANTI_MULTIPLE_POOLS),
			ADV_SRC_ANTI,
			"%s holds more connections from one client than its pool_max %d allows",
			a->appname, a->declared_max);
		for (k = 0; k < a->n_hosts; k++) {
			const struct adv_host *h = &a->hosts[k];

			if (h->peak <= a->declared_max)
				continue;
			adv_finding_evidence(
				f,
				"%d connections at once from %s, declared pool_max %d: more than "
				"one pool of that size%s",
				h->peak, h->host[0] ? h->host : "an unknown client",
				a->declared_max,
				strcmp(h->host, "local") == 0
					? " (Unix socket: every local process shows as \"local\")"
					: "");
		}
	}

	/* (c) a pool per tenant */
	if (n_tenant_pools >= 2) {
		size_t shown = 0;

		f = adv_finding_add(j, ADV_WARNING, NULL, adv_anti_rule(WIZARD_ANTI_MULTIPLE_POOLS),
				    ADV_SRC_ANTI,
				    "%zu pools are named after tenant schemas: a pool per tenant",
				    n_tenant_pools);
		for (i = 0; i < ev->n_apps && shown < ADV_EXAMPLES; i++) {
			char *s = ev->apps[i].peak > 0 ? adv_pool_stem(ev, ev->apps[i].appname)
						       : NULL;

			if (s != NULL && adv_has_prefix(s, tprefix)) {
				adv_finding_evidence(
					f, "application_name %s: up to %d connection%s at once",
					ev->apps[i].appname, ev->apps[i].peak,
					adv_plural(ev->apps[i].peak));
				shown++;
			}
			free(s);
		}
		adv_finding_evidence(f, "all tenants should share the one pool (Schema per Tenant: "
					"TenantManager(shared_pool))");
	}
	for (i = 0; i < ev->n_apps; i++)
		free(stems[i]);
	free(stems);
	free(group);
}

/* ---- pool-undersized ---- */

void
adv_rule_undersized(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	size_t i;

	for (i = 0; i < ev->n_apps; i++) {
		const struct adv_app *a = &ev->apps[i];
		const struct wizard_choice *b, *next;
		struct adv_finding *f;

		if (a->declared_max <= 0 || a->saturated == 0 ||
		    a->saturated * SATURATED_SHARE < ev->samples)
			continue;
		b = band_of(a->declared_max);
		next = band_next(b);
		f = adv_finding_add(j, ADV_WARNING, a->appname, band_rule(), SRC_BANDS,
				    "%s is busy at its pool_max %d", a->appname, a->declared_max);
		adv_finding_evidence(
			f,
			"all %d connections busy (active or in a transaction) in %d of %d "
			"samples",
			a->declared_max, a->saturated, ev->samples);
		host_lines(f, a);
		if (b == NULL)
			adv_finding_evidence(
				f,
				"pool_max %d is below the guide's smallest band (%s -> %d-%d "
				"connections)",
				a->declared_max, next ? next->label : "?",
				next ? next->pool_min : 0, next ? next->pool_max : 0);
		else if (a->declared_max < b->pool_max)
			adv_finding_evidence(
				f,
				"pool_max %d sits in the band %s -> %d-%d connections: room to "
				"grow within it",
				a->declared_max, b->label, b->pool_min, b->pool_max);
		else if (next != NULL)
			adv_finding_evidence(
				f,
				"pool_max %d is the top of the band %s -> %d-%d connections; "
				"the next band is %s -> %d-%d",
				a->declared_max, b->label, b->pool_min, b->pool_max, next->label,
				next->pool_min, next->pool_max);
		else
			adv_finding_evidence(
				f,
				"pool_max %d is the top of the guide's largest band: beyond "
				"it the scaling table moves to Multiple Databases",
				a->declared_max);
	}
}

/* ---- pool-oversized ---- */

void
adv_rule_oversized(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	int usable = ev->max_connections - ev->reserved;
	const struct wizard_choice *top = band_last();
	int top_max = top != NULL ? top->pool_max : BAND_TOP;
	size_t i;

	for (i = 0; i < ev->n_apps; i++) {
		const struct adv_app *a = &ev->apps[i];
		int size = a->declared_max > 0 ? a->declared_max : a->peak;
		bool over_server = ev->max_connections > 0 && a->declared_max > usable;
		struct adv_finding *f;

		if (size <= top_max && !over_server)
			continue;
		if (a->declared_max <= 0) {
			char *stem = adv_pool_stem(ev, a->appname);

			if (stem == NULL)
				continue; /* not a pool: a crowd of scripts, say */
			free(stem);
		}
		f = adv_finding_add(j, over_server ? ADV_PROBLEM : ADV_WARNING, a->appname,
				    band_rule(), SRC_BANDS, "%s is %s %d connections", a->appname,
				    a->declared_max > 0 ? "declared with" : "seen with", size);
		if (a->declared_max > 0)
			adv_finding_evidence(f, "declared pool_max %d; seen at most %d at once",
					     a->declared_max, a->peak);
		else
			adv_finding_evidence(f, "seen %d connections at once; no pool_max declared",
					     a->peak);
		if (size > top_max)
			adv_finding_evidence(
				f,
				"above the guide's largest band (%s -> %d-%d connections); the "
				"scaling table puts 100+ per database only with Multiple "
				"Databases",
				top ? top->label : "> 1000 req/s", top ? top->pool_min : 50,
				top_max);
		if (over_server)
			adv_finding_evidence(
				f,
				"the server allows %d connections (max_connections %d, %d "
				"reserved): this pool can never be full",
				usable, ev->max_connections, ev->reserved);
	}
}

/* ---- pool-above-declared (several hosts, each within) ---- */

void
adv_rule_above_declared(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	size_t i, k;

	for (i = 0; i < ev->n_apps; i++) {
		const struct adv_app *a = &ev->apps[i];
		bool host_over = false;
		struct adv_finding *f;

		if (a->declared_max <= 0 || a->peak <= a->declared_max)
			continue;
		for (k = 0; k < a->n_hosts; k++)
			host_over = host_over || a->hosts[k].peak > a->declared_max;
		if (host_over)
			continue; /* multiple-pools says it */
		f = adv_finding_add(
			j, ADV_INFO, a->appname, adv_anti_rule(WIZARD_ANTI_MULTIPLE_POOLS),
			ADV_SRC_ANTI,
			"%s has %d connections from %zu client hosts, above its pool_max %d",
			a->appname, a->peak, a->n_hosts, a->declared_max);
		host_lines(f, a);
		adv_finding_evidence(
			f, "each host stays within pool_max: replicas with a pool each, which "
			   "the guide allows (one pool per database per process)");
	}
}

/* ---- pool-undeclared ---- */

void
adv_rule_undeclared(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	size_t i;

	for (i = 0; i < ev->n_apps; i++) {
		const struct adv_app *a = &ev->apps[i];
		char *stem;
		struct adv_finding *f;

		if (a->declared_max > 0 || a->peak == 0)
			continue;
		stem = adv_pool_stem(ev, a->appname);
		if (stem == NULL)
			continue;
		free(stem);
		f = adv_finding_add(j, ADV_INFO, a->appname,
				    xstrdup("Monitor early: \"Add monitoring before you need it\""),
				    "pgdbm architecture decision tree, Quick Recommendations",
				    "pgdbm pool %s is not declared in the profile's apps",
				    a->appname);
		adv_finding_evidence(
			f, "up to %d connection%s at once (%d busy), from %zu client host%s",
			a->peak, adv_plural(a->peak), a->peak_busy, a->n_hosts,
			adv_plural((long)a->n_hosts));
		adv_finding_evidence(
			f,
			"declare it (apps: - { application_name: %s, pool_max: N }) to "
			"see its utilisation and count it against max_connections",
			a->appname);
	}
}

/* ---- pools-same-host ---- */

void
adv_rule_same_host(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	char **hosts = NULL;
	size_t n_hosts = 0, i, k, h;

	for (i = 0; i < ev->n_apps; i++) {
		for (k = 0; k < ev->apps[i].n_hosts; k++) {
			const char *host = ev->apps[i].hosts[k].host;

			if (host[0] == '\0' || strcmp(host, "local") == 0 ||
			    ev->apps[i].hosts[k].peak == 0)
				continue;
			strvec_add_unique(&hosts, &n_hosts, host);
		}
	}
	for (h = 0; h < n_hosts; h++) {
		struct strbuf names = STRBUF_INIT;
		size_t count = 0;
		struct adv_finding *f;

		for (i = 0; i < ev->n_apps; i++) {
			char *stem = adv_pool_stem(ev, ev->apps[i].appname);

			for (k = 0; stem != NULL && k < ev->apps[i].n_hosts; k++) {
				if (strcmp(ev->apps[i].hosts[k].host, hosts[h]) == 0 &&
				    ev->apps[i].hosts[k].peak > 0) {
					strbuf_addf(&names, "%s%s (%d)", count ? ", " : "",
						    ev->apps[i].appname, ev->apps[i].hosts[k].peak);
					count++;
				}
			}
			free(stem);
		}
		if (count >= 2) {
			f = adv_finding_add(j, ADV_INFO, hosts[h],
					    adv_anti_rule(WIZARD_ANTI_MULTIPLE_POOLS), ADV_SRC_ANTI,
					    "%zu pgdbm pools connect from %s", count, hosts[h]);
			adv_finding_evidence(f, "pools (connections at most): %s",
					     strbuf_str(&names));
			adv_finding_evidence(
				f,
				"one process with a pool per service, or several services on one "
				"host: the database cannot tell which");
		}
		strbuf_free(&names);
	}
	strvec_free(&hosts, &n_hosts);
}

/* ---- max-connections ---- */

void
adv_rule_max_connections(struct adv_ctx *j)
{
	const struct adv_evidence *ev = j->ev;
	const struct profile_database *pdb = ev->pdb;
	int usable = ev->max_connections - ev->reserved;
	int warn_at = pdb != NULL && pdb->warn_at > 0 ? pdb->warn_at : 800;
	int console = pdb != NULL ? pdb->pool.max : 0;
	long declared = 0;
	size_t i, n_declared = 0;
	enum adv_severity sev = ADV_INFO;
	struct strbuf list = STRBUF_INIT;
	struct adv_finding *f;
	bool declared_over, declared_near, seen_over, seen_near;

	if (ev->max_connections <= 0 || usable <= 0)
		return;
	for (i = 0; i < ev->n_apps; i++) {
		if (ev->apps[i].declared_max > 0) {
			strbuf_addf(&list, "%s%s %d", n_declared ? ", " : "", ev->apps[i].appname,
				    ev->apps[i].declared_max);
			declared += ev->apps[i].declared_max;
			n_declared++;
		}
	}
	declared += console;
	declared_over = n_declared > 0 && declared > usable;
	declared_near = n_declared > 0 && declared * 1000 >= (long)warn_at * usable;
	seen_over = ev->server_peak >= usable;
	seen_near = (long)ev->server_peak * 1000 >= (long)warn_at * usable;
	if (declared_over || seen_over)
		sev = ADV_PROBLEM;
	else if (declared_near || seen_near)
		sev = ADV_WARNING;
	if (sev == ADV_INFO) {
		strbuf_free(&list);
		return;
	}
	f = adv_finding_add(
		j, sev, NULL,
		xstrdup("Tune the pool with metrics and the server's max_connections: the "
			"services' peaks summed, plus a buffer, capped at max_connections "
			"minus a reserve"),
		"pgdbm README and pool-sizing guidance (patterns.md)",
		declared_over ? "the declared pools need %ld connections; the server allows %d"
		: seen_over   ? "the server ran out of connections (%ld declared, %d usable)"
			      : "the pools come close to max_connections (%ld declared, %d "
				"usable)",
		declared, usable);
	adv_finding_evidence(f, "max_connections %d, %d reserved: %d usable", ev->max_connections,
			     ev->reserved, usable);
	if (n_declared > 0)
		adv_finding_evidence(
			f,
			"declared pool_max: %s; the console's own pool %d: %ld in all (%ld%% "
			"of usable)",
			strbuf_str(&list), console, declared, declared * 100 / usable);
	adv_finding_evidence(
		f, "seen at most %d client backends on the server during the window (%d%%)",
		ev->server_peak, ev->server_peak * 100 / usable);
	adv_finding_evidence(f, "warning at %d%% (warn_at of the profile)", warn_at / 10);
	strbuf_free(&list);
}
