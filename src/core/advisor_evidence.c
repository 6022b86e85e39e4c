/*
 * advisor_evidence: what an advisor run gathered, as data. See
 * include/advisor.h.
 *
 * Evidence is built by adv_evidence_add_*() calls, in any order, from the
 * run (advisor.c) or from tests. Samples must come in time order. Backends
 * are followed across samples by pid and backend_start (a reused pid with
 * another start is another backend; an open-addressing table keyed by pid
 * finds them); one that a sample no longer lists is gone from that
 * sample's time on, so a backend's life is known to within one sampling
 * interval. Each sample also counts every application_name's connections
 * per client host, busy or not, and keeps the peaks.
 */
#include "config.h"

#include "advisor.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "advisor_int.h"
#include "strvec.h"
#include "xalloc.h"

/* pgdbm's tenant schemas when the profile has no tenants section. */
#define PGDBM_TENANT_PREFIX "tenant_"

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
			const char *mt = m->table != NULL ? m->table : ADV_LEDGER_TABLE;

			if (ms != NULL && strcmp(ms, schema) == 0 &&
			    (table == NULL || strcmp(mt, table) == 0))
				return ADV_SCHEMA_MODULE;
		}
		if (pdb->tenants.present && adv_has_prefix(schema, pdb->tenants.archive_prefix))
			return ADV_SCHEMA_ARCHIVED;
	}
	if (adv_has_prefix(schema, adv_tenant_prefix(pdb)))
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
			strvec_add(&ev->profile_databases, &ev->n_profile_databases,
				   p->databases[i].label);
	} else if (pdb != NULL) {
		strvec_add(&ev->profile_databases, &ev->n_profile_databases, pdb->label);
	}
	/* declared pools are known before any sample */
	for (i = 0; pdb != NULL && i < pdb->n_apps; i++)
		add_app(ev, pdb->apps[i].application_name)->declared_max = pdb->apps[i].pool_max;
}

void
adv_evidence_free(struct adv_evidence *ev)
{
	size_t i, j;

	strvec_free(&ev->profile_databases, &ev->n_profile_databases);
	free(ev->database);
	for (i = 0; i < ev->n_ledgers; i++) {
		free(ev->ledgers[i].schema);
		free(ev->ledgers[i].table);
		free(ev->ledgers[i].modules);
		free(ev->ledgers[i].last_applied);
	}
	free(ev->ledgers);
	for (i = 0; i < ev->n_filesets; i++) {
		strvec_free(&ev->filesets[i].files, &ev->filesets[i].n_files);
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
	strvec_free(&ev->notes, &ev->n_notes);
	free(ev->slots);
	free(ev->alive);
	memset(ev, 0, sizeof *ev);
}

void
adv_evidence_note(struct adv_evidence *ev, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (strvec_contains(ev->notes, ev->n_notes, s))
		free(s);
	else
		strvec_push(&ev->notes, &ev->n_notes, s);
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

	if (files != NULL)
		strvec_split(&v, &n, files, '\n', STRVEC_NONEMPTY);
	strvec_sort(v, n);
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
		strvec_free(&v, &n);
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
		qsort(f->examples, f->n_examples, sizeof f->examples[0], strvec_cmp);
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

/*
 * A pgdbm pool name: "<schema>_pool", "<schema>_pool_<n>" or a name the
 * profile declares. Returns the service stem ("users"), malloc'd, or NULL.
 * (What the evidence's application_names mean: the rules and the detected
 * pattern read pools through it.)
 */
char *
adv_pool_stem(const struct adv_evidence *ev, const char *appname)
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
