/*
 * advisor_rules: the advisor's evidence and its judge, pure functions over
 * data. See include/advisor.h; docs/advisor.md describes every rule.
 *
 * Evidence is built by adv_evidence_add_*() calls, in any order, from the
 * run (advisor.c) or from tests. Samples must come in time order. Backends
 * are followed across samples by pid and backend_start (a reused pid with
 * another start is another backend); one that a sample no longer lists is
 * gone from that sample's time on, so a backend's life is known to within
 * one sampling interval.
 *
 * The judge never reads anything but the evidence, the profile database
 * the evidence names, and the options. Rules are a table (rules[]): each
 * row has its id and a function that appends findings; findings are
 * sorted worst first, then in table order, then by subject.
 *
 * Churn, in short (the details are in docs/advisor.md): pg_stat_database's
 * per-database `sessions` counter (PostgreSQL 14+) says exactly how many
 * sessions started during the window; the ones still connected at the end
 * and the ones seen living longer than short_lived_ms are taken away, and
 * what is left are sessions that came and went within the window. Which
 * application_name they belong to is only known for those a sample
 * happened to see, so the rate is shared out in proportion to those
 * sightings; without sightings the finding is about the database.
 */
#include "config.h"

#include "advisor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "units.h"
#include "wizard.h"
#include "xalloc.h"

#define PGDBM_TENANT_PREFIX "tenant_"
#define PGDBM_LEDGER_TABLE  "schema_migrations"
/* pgdbm's own default idle_in_transaction_session_timeout (DatabaseConfig) */
#define PGDBM_IDLE_TX_TIMEOUT_MS 60000
/* the top of the guide's largest load band */
#define BAND_TOP 100
/* a pool saturated in at least this share of the samples is undersized */
#define SATURATED_SHARE 4 /* one in four */

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
 * Small helpers
 * ------------------------------------------------------------------------ */

static bool
has_prefix(const char *s, const char *prefix)
{
	return prefix != NULL && prefix[0] != '\0' && strncmp(s, prefix, strlen(prefix)) == 0 &&
	       s[strlen(prefix)] != '\0';
}

static void
strv_push(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

static void
strv_free(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *
app_label(const char *appname)
{
	return appname[0] != '\0' ? appname : "(no application_name)";
}

static const char *
plural(long n)
{
	return n == 1 ? "" : "s";
}

static char *
dur(int64_t ms, char *buf, size_t size)
{
	return units_format_duration(ms < 0 ? 0 : ms, buf, size);
}

/* ------------------------------------------------------------------------
 * Evidence
 * ------------------------------------------------------------------------ */

const char *
adv_tenant_prefix(const struct profile_database *pdb)
{
	if (pdb != NULL && pdb->tenants.present && pdb->tenants.prefix != NULL)
		return pdb->tenants.prefix;
	return PGDBM_TENANT_PREFIX;
}

enum adv_schema_kind
adv_schema_kind(const struct profile_database *pdb, const char *schema, const char *table)
{
	size_t i;

	if (pdb != NULL) {
		for (i = 0; i < pdb->n_modules; i++) {
			const struct profile_module *m = &pdb->modules[i];
			const char *ms = m->schema != NULL ? m->schema : m->name;
			const char *mt = m->table != NULL ? m->table : PGDBM_LEDGER_TABLE;

			if (ms != NULL && strcmp(ms, schema) == 0 &&
			    (table == NULL || strcmp(mt, table) == 0))
				return ADV_SCHEMA_MODULE;
		}
		if (pdb->tenants.present && has_prefix(schema, pdb->tenants.archive_prefix))
			return ADV_SCHEMA_ARCHIVED;
	}
	if (has_prefix(schema, adv_tenant_prefix(pdb)))
		return ADV_SCHEMA_TENANT;
	return ADV_SCHEMA_OTHER;
}

static struct adv_app *
find_app(const struct adv_evidence *ev, const char *appname)
{
	size_t i;

	for (i = 0; i < ev->n_apps; i++) {
		if (strcmp(ev->apps[i].appname, appname) == 0)
			return &ev->apps[i];
	}
	return NULL;
}

static struct adv_app *
add_app(struct adv_evidence *ev, const char *appname)
{
	struct adv_app *a = find_app(ev, appname);

	if (a != NULL)
		return a;
	ev->apps = xreallocarray(ev->apps, ev->n_apps + 1, sizeof *ev->apps);
	a = &ev->apps[ev->n_apps++];
	memset(a, 0, sizeof *a);
	a->appname = xstrdup(appname);
	return a;
}

void
adv_evidence_init(struct adv_evidence *ev, const struct profile *p,
		  const struct profile_database *pdb)
{
	size_t i;

	memset(ev, 0, sizeof *ev);
	ev->pdb = pdb;
	ev->sessions_first = -1;
	ev->sessions_last = -1;
	ev->database = xstrdup("");
	if (p != NULL) {
		for (i = 0; i < p->n_databases; i++)
			strv_push(&ev->profile_databases, &ev->n_profile_databases,
				  xstrdup(p->databases[i].label));
	} else if (pdb != NULL) {
		strv_push(&ev->profile_databases, &ev->n_profile_databases, xstrdup(pdb->label));
	}
	/* declared pools are known before any sample */
	for (i = 0; pdb != NULL && i < pdb->n_apps; i++)
		add_app(ev, pdb->apps[i].application_name)->declared_max = pdb->apps[i].pool_max;
}

void
adv_evidence_free(struct adv_evidence *ev)
{
	size_t i, j;

	strv_free(&ev->profile_databases, &ev->n_profile_databases);
	free(ev->database);
	for (i = 0; i < ev->n_ledgers; i++) {
		free(ev->ledgers[i].schema);
		free(ev->ledgers[i].table);
		free(ev->ledgers[i].modules);
		free(ev->ledgers[i].last_applied);
	}
	free(ev->ledgers);
	for (i = 0; i < ev->n_filesets; i++) {
		strv_free(&ev->filesets[i].files, &ev->filesets[i].n_files);
		for (j = 0; j < ev->filesets[i].n_examples; j++)
			free(ev->filesets[i].examples[j]);
	}
	free(ev->filesets);
	for (i = 0; i < ev->n_backends; i++) {
		free(ev->backends[i].appname);
		free(ev->backends[i].host);
	}
	free(ev->backends);
	for (i = 0; i < ev->n_apps; i++) {
		for (j = 0; j < ev->apps[i].n_hosts; j++)
			free(ev->apps[i].hosts[j].host);
		free(ev->apps[i].hosts);
		free(ev->apps[i].appname);
	}
	free(ev->apps);
	strv_free(&ev->notes, &ev->n_notes);
	free(ev->slots);
	free(ev->alive);
	memset(ev, 0, sizeof *ev);
}

void
adv_evidence_note(struct adv_evidence *ev, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t i;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	for (i = 0; i < ev->n_notes; i++) {
		if (strcmp(ev->notes[i], s) == 0) {
			free(s);
			return;
		}
	}
	strv_push(&ev->notes, &ev->n_notes, s);
}

struct adv_ledger *
adv_evidence_add_ledger(struct adv_evidence *ev, const char *schema, const char *table,
			bool readable)
{
	struct adv_ledger *l;

	ev->ledgers = xreallocarray(ev->ledgers, ev->n_ledgers + 1, sizeof *ev->ledgers);
	l = &ev->ledgers[ev->n_ledgers++];
	memset(l, 0, sizeof *l);
	l->schema = xstrdup(schema);
	l->table = xstrdup(table);
	l->kind = adv_schema_kind(ev->pdb, schema, table);
	l->readable = readable;
	l->modules = xstrdup("");
	l->last_applied = xstrdup("");
	return l;
}

void
adv_ledger_set_summary(struct adv_ledger *l, long rows, const char *modules,
		       const char *last_applied)
{
	l->read = true;
	l->rows = rows;
	free(l->modules);
	l->modules = xstrdup(modules != NULL ? modules : "");
	free(l->last_applied);
	l->last_applied = xstrdup(last_applied != NULL ? last_applied : "");
}

static bool
same_files(const struct adv_fileset *f, char **files, size_t n)
{
	size_t i;

	if (f->n_files != n)
		return false;
	for (i = 0; i < n; i++) {
		if (strcmp(f->files[i], files[i]) != 0)
			return false;
	}
	return true;
}

void
adv_evidence_add_fileset(struct adv_evidence *ev, const char *files, long tenants,
			 const char *const *examples, size_t n_examples, bool no_ledger)
{
	struct adv_fileset *f = NULL;
	char **v = NULL;
	size_t n = 0, i;
	const char *p = files, *nl;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (nl > p)
			strv_push(&v, &n, xstrndup(p, (size_t)(nl - p)));
		p = *nl != '\0' ? nl + 1 : nl;
	}
	if (n > 1)
		qsort(v, n, sizeof *v, str_cmp);
	for (i = 0; i < ev->n_filesets && f == NULL; i++) {
		if (ev->filesets[i].no_ledger == no_ledger && same_files(&ev->filesets[i], v, n))
			f = &ev->filesets[i];
	}
	if (f == NULL) {
		ev->filesets = xreallocarray(ev->filesets, ev->n_filesets + 1,
					     sizeof *ev->filesets);
		f = &ev->filesets[ev->n_filesets++];
		memset(f, 0, sizeof *f);
		f->files = v;
		f->n_files = n;
		f->no_ledger = no_ledger;
	} else {
		strv_free(&v, &n);
	}
	f->tenants += tenants;
	/* keep the smallest names: add all, sort, cut */
	for (i = 0; i < n_examples; i++) {
		size_t j;
		bool dup = false;

		for (j = 0; j < f->n_examples && !dup; j++)
			dup = strcmp(f->examples[j], examples[i]) == 0;
		if (dup)
			continue;
		if (f->n_examples < ADV_EXAMPLES) {
			f->examples[f->n_examples++] = xstrdup(examples[i]);
		} else if (strcmp(examples[i], f->examples[ADV_EXAMPLES - 1]) < 0) {
			free(f->examples[ADV_EXAMPLES - 1]);
			f->examples[ADV_EXAMPLES - 1] = xstrdup(examples[i]);
		} else {
			continue;
		}
		qsort(f->examples, f->n_examples, sizeof f->examples[0], str_cmp);
	}
}

/* ---- samples ---- */

static size_t
slot_of(int pid, size_t n_slots)
{
	return ((unsigned)pid * 2654435761u) & (n_slots - 1);
}

/* The backend index for pid, or -1. */
static int
lookup_pid(const struct adv_evidence *ev, int pid)
{
	size_t s;

	if (ev->n_slots == 0)
		return -1;
	for (s = slot_of(pid, ev->n_slots); ev->slots[s] >= 0; s = (s + 1) & (ev->n_slots - 1)) {
		if (ev->backends[ev->slots[s]].pid == pid)
			return ev->slots[s];
	}
	return -1;
}

static void
slots_put(struct adv_evidence *ev, int pid, int idx)
{
	size_t s;

	for (s = slot_of(pid, ev->n_slots); ev->slots[s] >= 0; s = (s + 1) & (ev->n_slots - 1)) {
		if (ev->backends[ev->slots[s]].pid == pid) {
			ev->slots[s] = idx; /* a reused pid: the newest backend */
			return;
		}
	}
	ev->slots[s] = idx;
}

static void
slots_grow(struct adv_evidence *ev)
{
	size_t i;

	free(ev->slots);
	ev->n_slots = ev->n_slots == 0 ? 256 : ev->n_slots * 2;
	ev->slots = xreallocarray(NULL, ev->n_slots, sizeof *ev->slots);
	for (i = 0; i < ev->n_slots; i++)
		ev->slots[i] = -1;
	for (i = 0; i < ev->n_backends; i++)
		slots_put(ev, ev->backends[i].pid, (int)i);
}

static struct adv_backend *
track(struct adv_evidence *ev, const struct adv_row *r)
{
	int idx = lookup_pid(ev, r->pid);
	struct adv_backend *b;

	if (idx >= 0 && ev->backends[idx].start_us == r->start_us)
		return &ev->backends[idx];
	if ((ev->n_backends + 1) * 2 > ev->n_slots)
		slots_grow(ev);
	if (ev->n_backends == ev->cap_backends) {
		ev->cap_backends = ev->cap_backends == 0 ? 64 : ev->cap_backends * 2;
		ev->backends = xreallocarray(ev->backends, ev->cap_backends, sizeof *ev->backends);
	}
	b = &ev->backends[ev->n_backends];
	memset(b, 0, sizeof *b);
	b->pid = r->pid;
	b->appname = xstrdup(r->appname != NULL ? r->appname : "");
	b->host = xstrdup(r->host != NULL ? r->host : "");
	b->start_us = r->start_us;
	b->own = r->own;
	b->last_sample = -1;
	slots_put(ev, r->pid, (int)ev->n_backends);
	ev->n_backends++;
	return b;
}

static bool
state_busy(const char *state)
{
	return state[0] != '\0' && strcmp(state, "idle") != 0 && strcmp(state, "disabled") != 0;
}

static struct adv_host *
app_host(struct adv_app *a, const char *host)
{
	size_t i;

	for (i = 0; i < a->n_hosts; i++) {
		if (strcmp(a->hosts[i].host, host) == 0)
			return &a->hosts[i];
	}
	a->hosts = xreallocarray(a->hosts, a->n_hosts + 1, sizeof *a->hosts);
	memset(&a->hosts[a->n_hosts], 0, sizeof a->hosts[0]);
	a->hosts[a->n_hosts].host = xstrdup(host);
	return &a->hosts[a->n_hosts++];
}

void
adv_evidence_add_sample(struct adv_evidence *ev, const struct adv_sample *s)
{
	int index = ev->samples;
	int *cur_total, *cur_busy;
	size_t i, j, k, n_slots_hosts = 0;
	size_t *host_base;
	int *alive;
	size_t n_alive = 0;

	if (ev->samples == 0) {
		ev->first_us = s->now_us;
		ev->sessions_first = s->sessions;
	}
	ev->samples++;
	ev->last_us = s->now_us;
	if (s->sessions >= 0)
		ev->sessions_last = s->sessions;
	if (s->server_backends > ev->server_peak)
		ev->server_peak = s->server_backends;

	/* apps and hosts first, so that the per-sample counters can be indexed */
	for (i = 0; i < s->n_rows; i++) {
		if (!s->rows[i].own)
			app_host(add_app(ev, s->rows[i].appname ? s->rows[i].appname : ""),
				 s->rows[i].host ? s->rows[i].host : "");
	}
	host_base = xcalloc(ev->n_apps + 1, sizeof *host_base);
	for (j = 0; j < ev->n_apps; j++) {
		host_base[j] = n_slots_hosts;
		n_slots_hosts += ev->apps[j].n_hosts;
	}
	cur_total = xcalloc(n_slots_hosts + 1, sizeof *cur_total);
	cur_busy = xcalloc(n_slots_hosts + 1, sizeof *cur_busy);
	alive = xcalloc(s->n_rows + 1, sizeof *alive);

	for (i = 0; i < s->n_rows; i++) {
		const struct adv_row *r = &s->rows[i];
		const char *state = r->state != NULL ? r->state : "";
		struct adv_backend *b = track(ev, r);

		if (b->last_sample == index)
			continue; /* the same backend twice in one sample */
		if (b->last_sample < 0)
			b->first_seen_us = s->now_us;
		b->last_seen_us = s->now_us;
		b->last_sample = index;
		b->gone_us = 0;
		alive[n_alive++] = (int)(b - ev->backends);
		if (strncmp(state, "idle in transaction", 19) == 0 && r->state_change_us > 0) {
			int64_t idle_ms = (s->now_us - r->state_change_us) / 1000;

			if (idle_ms > b->idle_tx_ms) {
				b->idle_tx_ms = idle_ms;
				b->idle_tx_xact_ms = r->xact_start_us > 0
							     ? (s->now_us - r->xact_start_us) / 1000
							     : -1;
				b->idle_tx_aborted = strstr(state, "aborted") != NULL;
			}
		}
		if (r->own)
			continue;
		for (j = 0; j < ev->n_apps; j++) {
			if (strcmp(ev->apps[j].appname, b->appname) != 0)
				continue;
			for (k = 0; k < ev->apps[j].n_hosts; k++) {
				if (strcmp(ev->apps[j].hosts[k].host, b->host) == 0) {
					cur_total[host_base[j] + k]++;
					cur_busy[host_base[j] + k] += state_busy(state);
				}
			}
			break;
		}
	}

	/* peaks of this sample */
	for (j = 0; j < ev->n_apps; j++) {
		struct adv_app *a = &ev->apps[j];
		int total = 0, busy = 0;
		bool saturated = false;

		for (k = 0; k < a->n_hosts; k++) {
			struct adv_host *h = &a->hosts[k];
			int t = cur_total[host_base[j] + k], bz = cur_busy[host_base[j] + k];

			if (t > h->peak)
				h->peak = t;
			if (bz > h->peak_busy)
				h->peak_busy = bz;
			if (a->declared_max > 0 && bz >= a->declared_max)
				saturated = true;
			total += t;
			busy += bz;
		}
		if (total > a->peak)
			a->peak = total;
		if (busy > a->peak_busy)
			a->peak_busy = busy;
		a->saturated += saturated;
	}

	/* backends alive at the previous sample and not at this one are gone */
	for (i = 0; i < ev->n_alive; i++) {
		struct adv_backend *b = &ev->backends[ev->alive[i]];

		if (b->last_sample != index)
			b->gone_us = s->now_us;
	}
	free(ev->alive);
	ev->alive = alive;
	ev->n_alive = n_alive;
	free(cur_total);
	free(cur_busy);
	free(host_base);
}

/* ------------------------------------------------------------------------
 * Derived figures
 * ------------------------------------------------------------------------ */

struct churn {
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

static void
churn_compute(const struct adv_evidence *ev, const struct adv_opts *o, struct churn *c)
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

static void
churn_free(struct churn *c)
{
	free(c->app_new);
	free(c->app_short);
	free(c->app_rate);
	free(c->app_longest);
}

static int64_t
idle_tx_threshold(const struct adv_evidence *ev, const struct adv_opts *o)
{
	if (o->idle_in_tx_ms > 0)
		return o->idle_in_tx_ms;
	if (ev->pdb != NULL && ev->pdb->alerts.idle_in_transaction_ms > 0)
		return ev->pdb->alerts.idle_in_transaction_ms;
	return 30000;
}

/*
 * A pgdbm pool name: "<schema>_pool", "<schema>_pool_<n>" or a name the
 * profile declares. Returns the service stem ("users"), malloc'd, or NULL.
 */
static char *
pool_stem(const struct adv_evidence *ev, const char *appname)
{
	size_t n = strlen(appname);
	const char *p, *last = NULL;

	if (n > 5 && strcmp(appname + n - 5, "_pool") == 0)
		return xstrndup(appname, n - 5);
	for (p = strstr(appname, "_pool_"); p != NULL; p = strstr(p + 1, "_pool_"))
		last = p;
	if (last != NULL && last > appname)
		return xstrndup(appname, (size_t)(last - appname));
	if (ev->pdb != NULL) {
		size_t i;

		for (i = 0; i < ev->pdb->n_apps; i++) {
			if (strcmp(ev->pdb->apps[i].application_name, appname) == 0)
				return xstrdup(appname);
		}
	}
	return NULL;
}

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
 * Findings
 * ------------------------------------------------------------------------ */

struct judge {
	const struct adv_evidence *ev;
	const struct adv_opts *o;
	struct adv_report *r;
	struct churn churn;
	const char *id; /* the rule being judged */
};

struct rule {
	const char *id;
	const char *what;
	void (*judge)(struct judge *j);
};

static struct adv_finding *finding(struct judge *j, enum adv_severity sev, const char *subject,
				   char *rule, const char *source, const char *fmt, ...)
	ATTR_FORMAT(6, 7);

static struct adv_finding *
finding(struct judge *j, enum adv_severity sev, const char *subject, char *rule, const char *source,
	const char *fmt, ...)
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

static void evidence(struct adv_finding *f, const char *fmt, ...) ATTR_FORMAT(2, 3);

static void
evidence(struct adv_finding *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	strv_push(&f->evidence, &f->n_evidence, s);
}

/* The guide's words, reused from the wizard's tables. */
static char *
anti_rule(enum wizard_anti a)
{
	return xasprintf("%s: \"%s\"", wizard_anti_name(a), wizard_anti_guide(a));
}

#define SRC_ANTI "pgdbm architecture decision tree, \"Anti-Patterns to Avoid\""

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

static void
host_lines(struct adv_finding *f, const struct adv_app *a)
{
	size_t k;

	for (k = 0; k < a->n_hosts; k++)
		evidence(f, "%s from %s: up to %d connection%s at once (%d busy)", a->appname,
			 a->hosts[k].host[0] ? a->hosts[k].host : "an unknown client",
			 a->hosts[k].peak, plural(a->hosts[k].peak), a->hosts[k].peak_busy);
}

/* ---- multiple-pools ---- */

static void
judge_multiple_pools(struct judge *j)
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
			stems[i] = pool_stem(ev, ev->apps[i].appname);
		if (stems[i] != NULL && has_prefix(stems[i], tprefix)) {
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
		f = finding(j, ADV_WARNING, shortest, anti_rule(WIZARD_ANTI_MULTIPLE_POOLS),
			    SRC_ANTI, "%zu pools of service %s connect to this database", members,
			    shortest);
		for (k = 0; k < ev->n_apps; k++) {
			if (stems[k] != NULL && group[k] == (int)i)
				evidence(f,
					 "application_name %s: up to %d connection%s at once, from "
					 "%zu client host%s",
					 ev->apps[k].appname, ev->apps[k].peak,
					 plural(ev->apps[k].peak), ev->apps[k].n_hosts,
					 plural((long)ev->apps[k].n_hosts));
		}
		evidence(f,
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
		f = finding(j, ADV_WARNING, a->appname, anti_rule(WIZARD_ANTI_MULTIPLE_POOLS),
			    SRC_ANTI,
			    "%s holds more connections from one client than its pool_max %d allows",
			    a->appname, a->declared_max);
		for (k = 0; k < a->n_hosts; k++) {
			const struct adv_host *h = &a->hosts[k];

			if (h->peak <= a->declared_max)
				continue;
			evidence(f,
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

		f = finding(j, ADV_WARNING, NULL, anti_rule(WIZARD_ANTI_MULTIPLE_POOLS), SRC_ANTI,
			    "%zu pools are named after tenant schemas: a pool per tenant",
			    n_tenant_pools);
		for (i = 0; i < ev->n_apps && shown < ADV_EXAMPLES; i++) {
			char *s = ev->apps[i].peak > 0 ? pool_stem(ev, ev->apps[i].appname) : NULL;

			if (s != NULL && has_prefix(s, tprefix)) {
				evidence(f, "application_name %s: up to %d connection%s at once",
					 ev->apps[i].appname, ev->apps[i].peak,
					 plural(ev->apps[i].peak));
				shown++;
			}
			free(s);
		}
		evidence(f, "all tenants should share the one pool (Schema per Tenant: "
			    "TenantManager(shared_pool))");
	}
	for (i = 0; i < ev->n_apps; i++)
		free(stems[i]);
	free(stems);
	free(group);
}

/* ---- pool-per-request ---- */

static void
judge_churn(struct judge *j)
{
	const struct adv_evidence *ev = j->ev;
	const struct churn *c = &j->churn;
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
		f = finding(j, ADV_PROBLEM, ev->apps[i].appname,
			    anti_rule(WIZARD_ANTI_POOL_PER_REQUEST), SRC_ANTI,
			    "%s opens and closes about %.0f connections per second",
			    app_label(ev->apps[i].appname), c->app_rate[i]);
		if (c->exact)
			evidence(f,
				 "pg_stat_database.sessions: %lld sessions started in %.1f s; %d "
				 "still connected at the end, %d lived longer than %s: about %lld "
				 "came and went within %s (%.1f per second)",
				 (long long)c->sessions, secs, c->alive_new, c->long_new,
				 dur(j->o->short_lived_ms, d, sizeof d), (long long)c->short_est, d,
				 c->db_rate);
		for (k = 0; k < ev->n_backends && shown < 12; k++) {
			const struct adv_backend *b = &ev->backends[k];

			if (b->own || !born_in_window(ev, b) || b->gone_us == 0 ||
			    b->gone_us - b->start_us > j->o->short_lived_ms * 1000 ||
			    strcmp(b->appname, ev->apps[i].appname) != 0)
				continue;
			strbuf_addf(&pids, "%s%d", shown ? ", " : "", b->pid);
			shown++;
		}
		evidence(f,
			 "sampling every %s saw %d backend%s of %s start and end within the window "
			 "(pid%s %s%s), each gone less than %s after it started; %s of the %d "
			 "short-lived backends seen",
			 dur(j->o->sample_ms, d, sizeof d), c->app_short[i],
			 plural(c->app_short[i]), app_label(ev->apps[i].appname),
			 plural(c->app_short[i]), strbuf_str(&pids),
			 (int)shown < c->app_short[i] ? ", ..." : "",
			 dur(c->app_longest[i] / 1000, d2, sizeof d2),
			 c->app_short[i] == c->short_seen ? "all" : "some", c->short_seen);
		if (!c->exact)
			evidence(f, "no per-database session counter (PostgreSQL < 14): the rate "
				    "counts only the backends sampling saw, a lower bound");
		evidence(f, "a pool made once at startup keeps its connections: none of its "
			    "backends would be younger than the window");
		strbuf_free(&pids);
	}
	if (!any && c->exact && c->short_seen == 0 && c->db_rate >= j->o->churn_per_s) {
		struct adv_finding *f;

		f = finding(j, ADV_WARNING, NULL, anti_rule(WIZARD_ANTI_POOL_PER_REQUEST), SRC_ANTI,
			    "sessions open and close about %.0f times per second; too briefly for "
			    "sampling to tell whose",
			    c->db_rate);
		evidence(f,
			 "pg_stat_database.sessions: %lld sessions started in %.1f s; %d still "
			 "connected at the end, %d lived longer than %s",
			 (long long)c->sessions, secs, c->alive_new, c->long_new,
			 dur(j->o->short_lived_ms, d, sizeof d));
		evidence(f, "no sample (every %s) caught one of them: each lived less than that",
			 dur(j->o->sample_ms, d, sizeof d));
	}
}

/* ---- idle-in-transaction ---- */

static void
judge_idle_tx(struct judge *j)
{
	const struct adv_evidence *ev = j->ev;
	int64_t threshold = idle_tx_threshold(ev, j->o);
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
		f = finding(
			j, worst >= PGDBM_IDLE_TX_TIMEOUT_MS ? ADV_PROBLEM : ADV_WARNING,
			ev->apps[i].appname,
			xasprintf("pgdbm closes a session left idle in a transaction after %s "
				  "(DatabaseConfig idle_in_transaction_session_timeout_ms = "
				  "%d); a leaked transaction holds a pool connection, its locks "
				  "and vacuum's horizon",
				  dur(PGDBM_IDLE_TX_TIMEOUT_MS, d1, sizeof d1),
				  PGDBM_IDLE_TX_TIMEOUT_MS),
			"pgdbm DatabaseConfig defaults; production patterns, pool exhaustion: "
			"\"look for leaked transactions\"",
			"%d session%s of %s left idle in a transaction for up to %s", n,
			n == 1 ? "" : "s", app_label(ev->apps[i].appname),
			dur(worst, d2, sizeof d2));
		for (k = 0; k < ev->n_backends; k++) {
			const struct adv_backend *b = &ev->backends[k];

			if (b->own || b->idle_tx_ms < threshold ||
			    strcmp(b->appname, ev->apps[i].appname) != 0)
				continue;
			evidence(
				f,
				"pid %d from %s: idle in transaction%s for %s, transaction open for %s",
				b->pid, b->host[0] ? b->host : "an unknown client",
				b->idle_tx_aborted ? " (aborted)" : "",
				dur(b->idle_tx_ms, d1, sizeof d1),
				b->idle_tx_xact_ms >= 0 ? dur(b->idle_tx_xact_ms, d2, sizeof d2)
							: "?");
		}
		evidence(f, "threshold %s (alerts.idle_in_transaction of the profile)",
			 dur(threshold, d1, sizeof d1));
		if (worst >= PGDBM_IDLE_TX_TIMEOUT_MS)
			evidence(f,
				 "longer than pgdbm's own %s timeout: the timeout is off for "
				 "this application",
				 dur(PGDBM_IDLE_TX_TIMEOUT_MS, d1, sizeof d1));
	}
}

/* ---- pool-undersized ---- */

static void
judge_undersized(struct judge *j)
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
		f = finding(j, ADV_WARNING, a->appname, band_rule(), SRC_BANDS,
			    "%s is busy at its pool_max %d", a->appname, a->declared_max);
		evidence(f,
			 "all %d connections busy (active or in a transaction) in %d of %d "
			 "samples",
			 a->declared_max, a->saturated, ev->samples);
		host_lines(f, a);
		if (b == NULL)
			evidence(f,
				 "pool_max %d is below the guide's smallest band (%s -> %d-%d "
				 "connections)",
				 a->declared_max, next ? next->label : "?",
				 next ? next->pool_min : 0, next ? next->pool_max : 0);
		else if (a->declared_max < b->pool_max)
			evidence(f,
				 "pool_max %d sits in the band %s -> %d-%d connections: room to "
				 "grow within it",
				 a->declared_max, b->label, b->pool_min, b->pool_max);
		else if (next != NULL)
			evidence(f,
				 "pool_max %d is the top of the band %s -> %d-%d connections; "
				 "the next band is %s -> %d-%d",
				 a->declared_max, b->label, b->pool_min, b->pool_max, next->label,
				 next->pool_min, next->pool_max);
		else
			evidence(f,
				 "pool_max %d is the top of the guide's largest band: beyond "
				 "it the scaling table moves to Multiple Databases",
				 a->declared_max);
	}
}

/* ---- pool-oversized ---- */

static void
judge_oversized(struct judge *j)
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
			char *stem = pool_stem(ev, a->appname);

			if (stem == NULL)
				continue; /* not a pool: a crowd of scripts, say */
			free(stem);
		}
		f = finding(j, over_server ? ADV_PROBLEM : ADV_WARNING, a->appname, band_rule(),
			    SRC_BANDS, "%s is %s %d connections", a->appname,
			    a->declared_max > 0 ? "declared with" : "seen with", size);
		if (a->declared_max > 0)
			evidence(f, "declared pool_max %d; seen at most %d at once",
				 a->declared_max, a->peak);
		else
			evidence(f, "seen %d connections at once; no pool_max declared", a->peak);
		if (size > top_max)
			evidence(f,
				 "above the guide's largest band (%s -> %d-%d connections); the "
				 "scaling table puts 100+ per database only with Multiple "
				 "Databases",
				 top ? top->label : "> 1000 req/s", top ? top->pool_min : 50,
				 top_max);
		if (over_server)
			evidence(f,
				 "the server allows %d connections (max_connections %d, %d "
				 "reserved): this pool can never be full",
				 usable, ev->max_connections, ev->reserved);
	}
}

/* ---- pool-above-declared (several hosts, each within) ---- */

static void
judge_above_declared(struct judge *j)
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
		f = finding(j, ADV_INFO, a->appname, anti_rule(WIZARD_ANTI_MULTIPLE_POOLS),
			    SRC_ANTI,
			    "%s has %d connections from %zu client hosts, above its pool_max %d",
			    a->appname, a->peak, a->n_hosts, a->declared_max);
		host_lines(f, a);
		evidence(f, "each host stays within pool_max: replicas with a pool each, which "
			    "the guide allows (one pool per database per process)");
	}
}

/* ---- pool-undeclared ---- */

static void
judge_undeclared(struct judge *j)
{
	const struct adv_evidence *ev = j->ev;
	size_t i;

	for (i = 0; i < ev->n_apps; i++) {
		const struct adv_app *a = &ev->apps[i];
		char *stem;
		struct adv_finding *f;

		if (a->declared_max > 0 || a->peak == 0)
			continue;
		stem = pool_stem(ev, a->appname);
		if (stem == NULL)
			continue;
		free(stem);
		f = finding(j, ADV_INFO, a->appname,
			    xstrdup("Monitor early: \"Add monitoring before you need it\""),
			    "pgdbm architecture decision tree, Quick Recommendations",
			    "pgdbm pool %s is not declared in the profile's apps", a->appname);
		evidence(f, "up to %d connection%s at once (%d busy), from %zu client host%s",
			 a->peak, plural(a->peak), a->peak_busy, a->n_hosts,
			 plural((long)a->n_hosts));
		evidence(f,
			 "declare it (apps: - { application_name: %s, pool_max: N }) to "
			 "see its utilisation and count it against max_connections",
			 a->appname);
	}
}

/* ---- pools-same-host ---- */

static void
judge_same_host(struct judge *j)
{
	const struct adv_evidence *ev = j->ev;
	char **hosts = NULL;
	size_t n_hosts = 0, i, k, h;

	for (i = 0; i < ev->n_apps; i++) {
		for (k = 0; k < ev->apps[i].n_hosts; k++) {
			const char *host = ev->apps[i].hosts[k].host;
			bool known = false;

			if (host[0] == '\0' || strcmp(host, "local") == 0 ||
			    ev->apps[i].hosts[k].peak == 0)
				continue;
			for (h = 0; h < n_hosts && !known; h++)
				known = strcmp(hosts[h], host) == 0;
			if (!known)
				strv_push(&hosts, &n_hosts, xstrdup(host));
		}
	}
	for (h = 0; h < n_hosts; h++) {
		struct strbuf names = STRBUF_INIT;
		size_t count = 0;
		struct adv_finding *f;

		for (i = 0; i < ev->n_apps; i++) {
			char *stem = pool_stem(ev, ev->apps[i].appname);

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
			f = finding(j, ADV_INFO, hosts[h], anti_rule(WIZARD_ANTI_MULTIPLE_POOLS),
				    SRC_ANTI, "%zu pgdbm pools connect from %s", count, hosts[h]);
			evidence(f, "pools (connections at most): %s", strbuf_str(&names));
			evidence(f,
				 "one process with a pool per service, or several services on one "
				 "host: the database cannot tell which");
		}
		strbuf_free(&names);
	}
	strv_free(&hosts, &n_hosts);
}

/* ---- max-connections ---- */

static void
judge_max_connections(struct judge *j)
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
	f = finding(j, sev, NULL,
		    xstrdup("Tune the pool with metrics and the server's max_connections: the "
			    "services' peaks summed, plus a buffer, capped at max_connections "
			    "minus a reserve"),
		    "pgdbm README and pool-sizing guidance (patterns.md)",
		    declared_over ? "the declared pools need %ld connections; the server allows %d"
		    : seen_over	  ? "the server ran out of connections (%ld declared, %d usable)"
				  : "the pools come close to max_connections (%ld declared, %d "
				    "usable)",
		    declared, usable);
	evidence(f, "max_connections %d, %d reserved: %d usable", ev->max_connections, ev->reserved,
		 usable);
	if (n_declared > 0)
		evidence(f,
			 "declared pool_max: %s; the console's own pool %d: %ld in all (%ld%% "
			 "of usable)",
			 strbuf_str(&list), console, declared, declared * 100 / usable);
	evidence(f, "seen at most %d client backends on the server during the window (%d%%)",
		 ev->server_peak, ev->server_peak * 100 / usable);
	evidence(f, "warning at %d%% (warn_at of the profile)", warn_at / 10);
	strbuf_free(&list);
}

/* ---- ledger-without-module ---- */

static void
judge_orphan_ledgers(struct judge *j)
{
	const struct adv_evidence *ev = j->ev;
	const struct profile_database *pdb = ev->pdb;
	size_t i, tenant_ledgers = 0;
	struct adv_finding *f;

	for (i = 0; i < ev->n_ledgers; i++) {
		const struct adv_ledger *l = &ev->ledgers[i];

		if (l->kind == ADV_SCHEMA_TENANT)
			tenant_ledgers++;
		if (l->kind != ADV_SCHEMA_OTHER)
			continue;
		f = finding(j, ADV_WARNING, l->schema,
			    xstrdup("Shared Pool with Schemas: \"# Each service gets its own "
				    "schema\" ... \"# Run migrations for each service\" "
				    "(AsyncMigrationManager(db, f\"migrations/{name}\", name))"),
			    "pgdbm architecture decision tree, Shared Pool with Schemas",
			    "schema %s has a pgdbm ledger but no module in the profile", l->schema);
		if (l->read)
			evidence(f, "%s.%s: %ld row%s, module%s %s%s%s", l->schema, l->table,
				 l->rows, l->rows == 1 ? "" : "s",
				 strchr(l->modules, ',') ? "s" : "",
				 l->modules[0] ? l->modules : "(none)",
				 l->last_applied[0] ? ", last applied " : "", l->last_applied);
		else
			evidence(f, "%s.%s: %s", l->schema, l->table,
				 l->readable ? "not read" : "not readable by this role");
		evidence(f,
			 "the console shows and applies migrations only for the profile's "
			 "modules: add { name: ..., schema: %s, migrations: ... }",
			 l->schema);
	}
	if (tenant_ledgers > 0 && (pdb == NULL || !pdb->tenants.present)) {
		f = finding(
			j, ADV_WARNING, NULL,
			xstrdup("Schema per Tenant: schema = f\"tenant_{tenant_id}\", migrated "
				"with AsyncMigrationManager(tenant_db, \"migrations/tenant\", "
				"f\"tenant_{tenant_id}\")"),
			"pgdbm architecture decision tree, Schema per Tenant",
			"%zu tenant schemas have ledgers but the profile has no tenants section",
			tenant_ledgers);
		evidence(f, "%ld schemas start with %s, %zu of them with a ledger",
			 ev->tenant_schemas, adv_tenant_prefix(pdb), tenant_ledgers);
		evidence(f, "add tenants: { prefix: %s, migrations: ... } to follow them",
			 adv_tenant_prefix(pdb));
	}
}

/* ---- tenant-missing-migrations ---- */

static void
judge_tenants(struct judge *j)
{
	const struct adv_evidence *ev = j->ev;
	char **all = NULL;
	size_t n_all = 0, i, k, m;
	long *have;
	long tenants = 0;

	for (i = 0; i < ev->n_filesets; i++) {
		tenants += ev->filesets[i].tenants;
		for (k = 0; k < ev->filesets[i].n_files; k++) {
			bool known = false;

			for (m = 0; m < n_all && !known; m++)
				known = strcmp(all[m], ev->filesets[i].files[k]) == 0;
			if (!known)
				strv_push(&all, &n_all, xstrdup(ev->filesets[i].files[k]));
		}
	}
	if (n_all == 0 || tenants < 2) {
		strv_free(&all, &n_all);
		return;
	}
	qsort(all, n_all, sizeof *all, str_cmp);
	have = xcalloc(n_all, sizeof *have);
	for (m = 0; m < n_all; m++) {
		for (i = 0; i < ev->n_filesets; i++) {
			for (k = 0; k < ev->filesets[i].n_files; k++) {
				if (strcmp(ev->filesets[i].files[k], all[m]) == 0)
					have[m] += ev->filesets[i].tenants;
			}
		}
	}
	for (i = 0; i < ev->n_filesets; i++) {
		const struct adv_fileset *fs = &ev->filesets[i];
		struct strbuf missing = STRBUF_INIT, names = STRBUF_INIT;
		size_t n_missing = 0, e;
		struct adv_finding *f;

		for (m = 0; m < n_all; m++) {
			bool own = false;

			for (k = 0; k < fs->n_files && !own; k++)
				own = strcmp(fs->files[k], all[m]) == 0;
			if (own)
				continue;
			strbuf_addf(&missing, "%s%s (in %ld of %ld tenants)", n_missing ? ", " : "",
				    all[m], have[m], tenants);
			n_missing++;
		}
		if (n_missing == 0) {
			strbuf_free(&missing);
			continue;
		}
		for (e = 0; e < fs->n_examples; e++)
			strbuf_addf(&names, "%s%s", e ? ", " : "", fs->examples[e]);
		if ((long)fs->n_examples < fs->tenants)
			strbuf_addf(&names, ", ... (%ld in all)", fs->tenants);
		f = finding(j, ADV_WARNING, fs->n_examples == 1 ? fs->examples[0] : NULL,
			    xstrdup("Schema per Tenant: provision_tenant() runs the tenant "
				    "migrations (AsyncMigrationManager(tenant_db, "
				    "\"migrations/tenant\", f\"tenant_{tenant_id}\")), so every "
				    "tenant's ledger lists the same files"),
			    "pgdbm architecture decision tree, Schema per Tenant",
			    "%ld tenant schema%s lack%s %zu migration%s other tenants have",
			    fs->tenants, fs->tenants == 1 ? "" : "s", fs->tenants == 1 ? "s" : "",
			    n_missing, n_missing == 1 ? "" : "s");
		evidence(f, "%s: %s", fs->tenants == 1 ? "tenant" : "tenants", strbuf_str(&names));
		if (fs->no_ledger)
			evidence(f, "no ledger table at all (%s.%s): never migrated",
				 fs->n_examples > 0 ? fs->examples[0] : "?",
				 ev->pdb != NULL && ev->pdb->tenants.present &&
						 ev->pdb->tenants.table
					 ? ev->pdb->tenants.table
					 : PGDBM_LEDGER_TABLE);
		else
			evidence(f, "their ledger lists %zu file%s", fs->n_files,
				 fs->n_files == 1 ? "" : "s");
		evidence(f, "missing: %s", strbuf_str(&missing));
		strbuf_free(&missing);
		strbuf_free(&names);
	}
	free(have);
	strv_free(&all, &n_all);
}

static const struct rule rules[] = {
	{ "multiple-pools",
	  "several pools of one service (or one per tenant) connect to the "
	  "database",
	  judge_multiple_pools },
	{ "pool-per-request",
	  "connections opened and closed at a high rate: a pool per "
	  "request",
	  judge_churn },
	{ "idle-in-transaction", "sessions left idle in a transaction", judge_idle_tx },
	{ "pool-undersized", "a declared pool busy at its pool_max", judge_undersized },
	{ "pool-oversized", "a pool above the guide's largest band or the server's limit",
	  judge_oversized },
	{ "max-connections",
	  "the declared pools (and the console's) against the usable "
	  "max_connections",
	  judge_max_connections },
	{ "ledger-without-module", "a pgdbm ledger in a schema the profile has no module for",
	  judge_orphan_ledgers },
	{ "tenant-missing-migrations", "tenant schemas missing migrations other tenants have",
	  judge_tenants },
	{ "pool-above-declared",
	  "more connections than pool_max from several client hosts, "
	  "each within it",
	  judge_above_declared },
	{ "pool-undeclared", "a pgdbm pool the profile's apps do not declare", judge_undeclared },
	{ "pools-same-host", "different pgdbm pools connect from one client host",
	  judge_same_host },
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
 * The detected pattern
 * ------------------------------------------------------------------------ */

static void pattern_line(struct adv_pattern *p, const char *fmt, ...) ATTR_FORMAT(2, 3);

static void
pattern_line(struct adv_pattern *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	strv_push(&p->evidence, &p->n_evidence, s);
}

static void
detect_pattern(const struct adv_evidence *ev, struct adv_pattern *p)
{
	struct strbuf services = STRBUF_INIT, pools = STRBUF_INIT;
	char **modules = NULL, **schemas = NULL;
	size_t n_modules = 0, n_schemas = 0, n_pools = 0, i, k;
	size_t tenant_ledgers = 0, nonpublic = 0;
	const char *only_pool = NULL, *only_schema = NULL;
	int local;

	memset(p, 0, sizeof *p);
	for (i = 0; i < ev->n_ledgers; i++) {
		const struct adv_ledger *l = &ev->ledgers[i];
		const char *mp, *comma;
		bool known = false;

		if (l->kind == ADV_SCHEMA_TENANT) {
			tenant_ledgers++;
			continue;
		}
		if (l->kind == ADV_SCHEMA_ARCHIVED)
			continue;
		for (k = 0; k < n_schemas && !known; k++)
			known = strcmp(schemas[k], l->schema) == 0;
		if (!known) {
			strv_push(&schemas, &n_schemas, xstrdup(l->schema));
			strbuf_addf(&services, "%s%s", services.len ? ", " : "", l->schema);
			if (l->modules[0] != '\0' && strcmp(l->modules, l->schema) != 0)
				strbuf_addf(&services, " (module%s %s)",
					    strchr(l->modules, ',') ? "s" : "", l->modules);
			if (strcmp(l->schema, "public") != 0) {
				nonpublic++;
				only_schema = l->schema;
			}
		}
		for (mp = l->modules; *mp != '\0'; mp = *comma ? comma + 1 : comma) {
			char *name;

			comma = strchr(mp, ',');
			if (comma == NULL)
				comma = mp + strlen(mp);
			name = xstrndup(mp, (size_t)(comma - mp));
			known = strcmp(name, "(none)") == 0;
			for (k = 0; k < n_modules && !known; k++)
				known = strcmp(modules[k], name) == 0;
			if (!known)
				strv_push(&modules, &n_modules, name);
			else
				free(name);
		}
	}
	for (i = 0; i < ev->n_apps; i++) {
		char *stem = ev->apps[i].peak > 0 ? pool_stem(ev, ev->apps[i].appname) : NULL;

		if (stem == NULL)
			continue;
		free(stem);
		strbuf_addf(&pools, "%s%s (up to %d)", n_pools ? ", " : "", ev->apps[i].appname,
			    ev->apps[i].peak);
		only_pool = ev->apps[i].appname;
		n_pools++;
	}

	if (tenant_ledgers > 0)
		local = WIZARD_TENANT_SCHEMAS;
	else if (nonpublic >= 2)
		local = WIZARD_SHARED_SCHEMAS;
	else if (n_modules >= 2 || n_pools >= 2)
		local = WIZARD_SHARED_POOL;
	else if (n_pools == 1 && strcmp(only_pool, "app_pool") == 0 && only_schema != NULL)
		local = WIZARD_SHARED_POOL;
	else if (n_schemas > 0 || n_pools > 0)
		local = WIZARD_SIMPLE;
	else
		local = -1;

	if (ev->n_profile_databases > 1) {
		struct strbuf labels = STRBUF_INIT;

		for (i = 0; i < ev->n_profile_databases; i++)
			strbuf_addf(&labels, "%s%s", i ? ", " : "", ev->profile_databases[i]);
		p->pattern = WIZARD_MULTIPLE_DBS;
		p->local = local;
		pattern_line(p, "the profile names %zu databases: %s", ev->n_profile_databases,
			     strbuf_str(&labels));
		strbuf_free(&labels);
	} else {
		p->pattern = local;
		p->local = -1;
	}
	p->id = p->pattern >= 0 ? wizard_pattern_id(p->pattern) : "unknown";
	p->name = p->pattern >= 0 ? wizard_pattern_name(p->pattern) : "not recognisable";
	p->local_name = p->local >= 0 ? wizard_pattern_name(p->local) : NULL;
	p->several_pools = n_pools >= 2;

	if (tenant_ledgers > 0 || ev->tenant_schemas > 0)
		pattern_line(p, "%ld tenant schema%s (prefix %s), %zu with a ledger",
			     ev->tenant_schemas, ev->tenant_schemas == 1 ? "" : "s",
			     adv_tenant_prefix(ev->pdb), tenant_ledgers);
	if (n_schemas > 0)
		pattern_line(p, "%zu schema%s with a pgdbm ledger%s: %s", n_schemas,
			     plural((long)n_schemas), tenant_ledgers > 0 ? " besides tenants" : "",
			     strbuf_str(&services));
	else
		pattern_line(p, "no pgdbm ledger%s", tenant_ledgers > 0 ? " besides tenants" : "");
	if (n_modules > 0) {
		struct strbuf m = STRBUF_INIT;

		for (k = 0; k < n_modules; k++)
			strbuf_addf(&m, "%s%s", k ? ", " : "", modules[k]);
		pattern_line(p, "%zu module%s in those ledgers: %s", n_modules,
			     n_modules == 1 ? "" : "s", strbuf_str(&m));
		strbuf_free(&m);
	}
	if (n_pools == 0)
		pattern_line(p, "no pgdbm pool (<schema>_pool, app_pool or declared) connected "
				"during the window");
	else
		pattern_line(p, "%zu pgdbm pool%s connected: %s%s", n_pools,
			     n_pools == 1 ? "" : "s", strbuf_str(&pools),
			     n_pools >= 2 ? "; the guide's patterns share one pool per database"
					  : "");
	if (local == WIZARD_SHARED_POOL && n_modules < 2 && n_pools >= 2)
		pattern_line(p, "several services use this database, each with a pool of its "
				"own: the Shared Pool pattern's layout without its one pool");
	else if (local == WIZARD_SHARED_POOL && n_modules < 2)
		pattern_line(p, "one schema-bound service on app_pool, a pool made without a "
				"schema (create_shared_pool)");
	if (local == WIZARD_SIMPLE)
		pattern_line(p, "one service and its own pool");
	strbuf_free(&services);
	strbuf_free(&pools);
	strv_free(&modules, &n_modules);
	strv_free(&schemas, &n_schemas);
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
	struct judge j;
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
	churn_compute(ev, opts, &j.churn);
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

	detect_pattern(ev, &out->pattern);

	threshold = idle_tx_threshold(ev, opts);
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
	churn_free(&j.churn);

	for (i = 0; i < ev->n_notes; i++)
		strv_push(&out->notes, &out->n_notes, xstrdup(ev->notes[i]));
	if (ev->samples > 0 && !ev->can_read_all)
		strv_push(&out->notes, &out->n_notes,
			  xstrdup("this role is not a member of pg_read_all_stats: other roles' "
				  "sessions show no state or times, so idle-in-transaction and "
				  "churn evidence covers this role's sessions only"));
	if (ev->samples >= 2 && (ev->sessions_first < 0 || ev->sessions_last < 0))
		strv_push(&out->notes, &out->n_notes,
			  xstrdup("no per-database session counter (PostgreSQL < 14): churn is "
				  "what sampling saw, a lower bound"));
	if (ev->samples < 2)
		strv_push(&out->notes, &out->n_notes,
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
		strv_free(&f->evidence, &f->n_evidence);
	}
	free(r->findings);
	for (i = 0; i < r->n_apps; i++)
		free(r->apps[i].appname);
	free(r->apps);
	strv_free(&r->pattern.evidence, &r->pattern.n_evidence);
	strv_free(&r->notes, &r->n_notes);
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
