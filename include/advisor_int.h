/*
 * advisor_int: what the advisor's judging files share, and nothing else
 * includes (the public API is include/advisor.h).
 *
 * The judging half of the advisor is six files, one idea each:
 *  - advisor_evidence.c: the evidence, built from catalog rows, ledgers and
 *    samples (backends followed across samples, pools and hosts counted);
 *  - advisor_rules.c: the rules table, findings, the judge and its report;
 *  - advisor_pools.c: the rules that judge pools (their number, names,
 *    sizes and hosts, and max_connections);
 *  - advisor_sessions.c: the rules that judge what sessions do (churn: a
 *    pool per request; sessions idle in a transaction);
 *  - advisor_schemas.c: the rules that judge schemas and their ledgers
 *    (ledgers without a module, tenants missing migrations);
 *  - advisor_pattern.c: the pattern the database runs, detected.
 *
 * Vocabulary: a rule is a function that reads the evidence through the
 * judging context (struct adv_ctx) and appends findings to its report;
 * adv_finding_add() makes a finding of the rule being judged.
 *
 * Ownership: a finding's strings and evidence lines belong to the report
 * (adv_report_free()); adv_pool_stem() returns a malloc'd string.
 */
#ifndef PGDBM_ADVISOR_INT_H
#define PGDBM_ADVISOR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "advisor.h"
#include "units.h"
#include "wizard.h"
#include "xalloc.h"

/* pgdbm's default ledger table. */
#define ADV_LEDGER_TABLE "schema_migrations"

/* Where the anti-patterns' words come from. */
#define ADV_SRC_ANTI "pgdbm architecture decision tree, \"Anti-Patterns to Avoid\""

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

/* s starts with a non-empty prefix and goes on after it. */
static inline bool
adv_has_prefix(const char *s, const char *prefix)
{
	return prefix != NULL && prefix[0] != '\0' && strncmp(s, prefix, strlen(prefix)) == 0 &&
	       s[strlen(prefix)] != '\0';
}

static inline const char *
adv_app_label(const char *appname)
{
	return appname[0] != '\0' ? appname : "(no application_name)";
}

static inline const char *
adv_plural(long n)
{
	return n == 1 ? "" : "s";
}

static inline char *
adv_dur(int64_t ms, char *buf, size_t size)
{
	return units_format_duration(ms < 0 ? 0 : ms, buf, size);
}

/*
 * A pgdbm pool name: "<schema>_pool", "<schema>_pool_<n>" or a name the
 * profile declares. Returns the service stem ("users"), malloc'd, or NULL
 * (advisor_evidence.c).
 */
char *adv_pool_stem(const struct adv_evidence *ev, const char *appname);

/* ------------------------------------------------------------------------
 * Derived figures (advisor_sessions.c)
 * ------------------------------------------------------------------------ */

/* Sessions that came and went during the window, for the database and per app. */
struct adv_churn {
	int64_t window_us;
	bool judged;	      /* two samples or more */
	bool exact;	      /* the sessions counter is known */
	int64_t sessions;     /* sessions started during the window (exact) */
	int alive_new;	      /* born in the window, still there at the end */
	int long_new;	      /* born in the window, gone after short_lived_ms or more */
	int own_new;	      /* the console's own, born in the window */
	int short_seen;	      /* born and gone within short_lived_ms, seen by a sample */
	int64_t short_est;    /* short-lived sessions in all (>= short_seen) */
	double db_rate;	      /* short_est per second */
	int *app_new;	      /* per ev->apps index */
	int *app_short;	      /* per ev->apps index */
	double *app_rate;     /* per ev->apps index */
	int64_t *app_longest; /* longest short life seen, µs (upper bound), per app */
};

void adv_churn_compute(const struct adv_evidence *ev, const struct adv_opts *o,
		       struct adv_churn *c);
void adv_churn_free(struct adv_churn *c);

/* Idle in transaction for this long is judged: the option, else the profile's alert. */
int64_t adv_idle_tx_threshold(const struct adv_evidence *ev, const struct adv_opts *o);

/* ------------------------------------------------------------------------
 * Judging (advisor_rules.c)
 * ------------------------------------------------------------------------ */

struct adv_ctx {
	const struct adv_evidence *ev;
	const struct adv_opts *o;
	struct adv_report *r;
	struct adv_churn churn;
	const char *id; /* the rule being judged */
};

/*
 * A finding of the rule being judged, appended to the report: rule (the
 * guide's words) is taken, the rest copied; the title is formatted.
 */
struct adv_finding *adv_finding_add(struct adv_ctx *j, enum adv_severity sev, const char *subject,
				    char *rule, const char *source, const char *fmt, ...)
	ATTR_FORMAT(6, 7);
/* An evidence line of a finding. */
void adv_finding_evidence(struct adv_finding *f, const char *fmt, ...) ATTR_FORMAT(2, 3);
/* The guide's words on an anti-pattern, from the wizard's tables (malloc'd). */
char *adv_anti_rule(enum wizard_anti a);

/* The rules, in the order of the rules table. */
void adv_rule_multiple_pools(struct adv_ctx *j);  /* advisor_pools.c */
void adv_rule_churn(struct adv_ctx *j);		  /* advisor_sessions.c */
void adv_rule_idle_tx(struct adv_ctx *j);	  /* advisor_sessions.c */
void adv_rule_undersized(struct adv_ctx *j);	  /* advisor_pools.c */
void adv_rule_oversized(struct adv_ctx *j);	  /* advisor_pools.c */
void adv_rule_max_connections(struct adv_ctx *j); /* advisor_pools.c */
void adv_rule_orphan_ledgers(struct adv_ctx *j);  /* advisor_schemas.c */
void adv_rule_tenants(struct adv_ctx *j);	  /* advisor_schemas.c */
void adv_rule_above_declared(struct adv_ctx *j);  /* advisor_pools.c */
void adv_rule_undeclared(struct adv_ctx *j);	  /* advisor_pools.c */
void adv_rule_same_host(struct adv_ctx *j);	  /* advisor_pools.c */

/* The pattern the evidence shows (advisor_pattern.c). */
void adv_detect_pattern(const struct adv_evidence *ev, struct adv_pattern *p);

#endif
