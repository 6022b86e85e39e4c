/*
 * browse_queue: the migration queue of a browse handle (see
 * include/browse.h and include/browse_int.h): each module's status, read by
 * the migrate engine's status run, and the tenant list, read by the tenant
 * engine, kept fresh on a cadence once asked.
 *
 * Replacing data. Every load keeps the last good answer readable while
 * the next one runs; when the next one arrives it replaces the old one in
 * one step and `gen` moves on. A status run's entries point into the folder
 * scanned for it, so a module keeps folder and run together (`struct
 * modsnap`) and frees them together. An engine object that finished is
 * never freed from inside its own callback: it is parked in `dead` and freed
 * on the next load or with the handle.
 *
 * Keeping the queue fresh. With browse_keep_fresh() one one-shot timer
 * (`fresh`) is armed for the earliest reread due among the module statuses
 * and the tenant list that were asked for: each is due `fresh_ms` after
 * its last read started, or BROWSE_FRESH_BACKOFF times that read's
 * duration when longer. A read in flight is not due (its end re-arms the
 * timer); while the pool is retrying nothing is started and the timer
 * comes back an interval later. A failed read keeps the last good answer,
 * marked stale, and logs its error when it differs from the last one.
 */
#include "config.h"

#include "browse.h"

#include <stdlib.h>
#include <string.h>

#include "browse_int.h"
#include "database.h"
#include "loop.h"
#include "manager.h"
#include "msglog.h"
#include "pool.h"
#include "strbuf.h"
#include "xalloc.h"

#define STREAM_NOTIFY_MS 200

/* ------------------------------------------------------------------------
 * Snapshots, made and freed with the handle
 * ------------------------------------------------------------------------ */

static void
modsnap_free(struct modsnap **sp)
{
	struct modsnap *s = *sp;

	if (s == NULL)
		return;
	migrate_run_free(&s->run);
	migfile_set_free(&s->files);
	free(s);
	*sp = NULL;
}

static void
tensnap_free(struct tensnap **sp)
{
	struct tensnap *s = *sp;

	if (s == NULL)
		return;
	tenant_job_free(&s->job);
	migfile_set_free(&s->files);
	free(s);
	*sp = NULL;
}

void
browse_queue_init(struct browse *b)
{
	size_t i;

	b->n_mods = b->pdb->n_modules;
	b->mods = xcalloc(b->n_mods + 1, sizeof *b->mods);
	for (i = 0; i < b->n_mods; i++) {
		struct modstate *m = &b->mods[i];
		const struct profile_module *pm = &b->pdb->modules[i];
		char *err = NULL;

		m->b = b;
		m->pub.pm = pm;
		m->mgr = manager_new(b->pool, pm->schema, pm->name, pm->table, &err);
		m->pub.mgr = m->mgr;
		if (m->mgr == NULL) {
			m->pub.state = BROWSE_FAILED;
			m->pub.error = err;
		}
	}
}

void
browse_queue_free(struct browse *b)
{
	size_t i;

	for (i = 0; i < b->n_mods; i++) {
		struct modstate *m = &b->mods[i];

		modsnap_free(&m->next);
		modsnap_free(&m->cur);
		modsnap_free(&m->dead);
		manager_free(&m->mgr);
		free(m->pub.error);
		free(m->warned);
	}
	free(b->mods);
	free(b->twarned);
	loop_timer_cancel(pool_loop(b->pool), &b->tnotify);
	loop_timer_cancel(pool_loop(b->pool), &b->fresh);
	if (b->tcur == b->tnext)
		b->tcur = NULL;
	tensnap_free(&b->tnext);
	tensnap_free(&b->tcur);
	tensnap_free(&b->tdead);
	free(b->tenants.error);
	free(b->tindex);
}

/* ------------------------------------------------------------------------
 * Module statuses
 * ------------------------------------------------------------------------ */

static void module_load(struct modstate *m);
static void fresh_arm(struct browse *b);

/*
 * A read of module m failed with err (taken): the status shown, if any,
 * stays, marked stale; the log hears of it unless the last read failed
 * the same way.
 */
static void
module_failed(struct modstate *m, char *err)
{
	if (m->pub.error == NULL || strcmp(m->pub.error, err) != 0)
		msglog_add(m->b->log, MSG_WARNING, m->b->pdb->label,
			   "cannot read the queue of %s: %s", m->pub.pm->name, err);
	free(m->pub.error);
	m->pub.error = err;
	m->pub.state = BROWSE_FAILED;
	m->pub.stale = m->pub.status != NULL;
	m->pub.gen++;
}

/* The status run in flight ended: show it, or keep the last one and say why. */
static void
module_finish(struct modstate *m, struct mig_run *r, bool async)
{
	struct modsnap *s = m->next;
	int64_t now = loop_now(pool_loop(m->b->pool));

	m->next = NULL;
	m->loading = false;
	m->took_ms = now - m->started_ms;
	s->run = r;
	if (migrate_ok(r)) {
		if (m->pub.error != NULL)
			msglog_add(m->b->log, MSG_INFO, m->b->pdb->label,
				   "the queue of %s is read again", m->pub.pm->name);
		modsnap_free(&m->dead);
		m->dead = m->cur;
		m->cur = s;
		free(m->pub.error);
		m->pub.error = NULL;
		m->pub.state = BROWSE_READY;
		m->pub.stale = false;
		m->pub.read_ms = now;
		m->pub.status = migrate_status(r);
		m->pub.files = &s->files;
		m->pub.gen++;
	} else {
		struct strbuf sb = STRBUF_INIT;

		mig_error_format(migrate_error(r), &sb);
		modsnap_free(&m->dead);
		m->dead = s; /* r is still on the stack: freed later */
		module_failed(m, strbuf_detach(&sb));
	}
	if (m->again) {
		m->again = false;
		module_load(m);
	}
	fresh_arm(m->b);
	if (async)
		browse_notify(m->b);
}

static void
module_done(struct mig_run *r, void *arg)
{
	struct modstate *m = arg;

	if (m->starting) {
		/* it ended inside migrate_start: module_load finishes it */
		m->ended = r;
		return;
	}
	module_finish(m, r, true);
}

/*
 * Log the folder's warnings (skipped entries) that were not logged already:
 * a reload every few seconds must not repeat them. *warned keeps what was
 * logged last, one warning a line.
 */
static void
log_folder_warnings(struct browse *b, const struct migfile_set *files, const char *what,
		    char **warned)
{
	struct strbuf now = STRBUF_INIT;
	char *source = xasprintf("%s/%s", b->pdb->label, what);
	size_t i;

	strbuf_adds(&now, "\n");
	for (i = 0; i < files->n_warnings; i++) {
		char *line = xasprintf("\n%s\n", files->warnings[i]);

		if (*warned == NULL || strstr(*warned, line) == NULL)
			msglog_add(b->log, MSG_WARNING, source, "%s", files->warnings[i]);
		strbuf_addf(&now, "%s\n", files->warnings[i]);
		free(line);
	}
	free(*warned);
	*warned = strbuf_detach(&now);
	free(source);
}

static void
module_load(struct modstate *m)
{
	struct modsnap *s;
	struct mig_target t;
	struct mig_opts o;
	struct mig_run *r;
	char *err;

	if (m->mgr == NULL)
		return;
	if (m->loading) {
		m->again = true;
		return;
	}
	m->started_ms = loop_now(pool_loop(m->b->pool));
	s = xcalloc(1, sizeof *s);
	err = migfile_scan(m->pub.pm->migrations, &s->files);
	if (err != NULL) {
		migfile_set_free(&s->files);
		free(s);
		m->took_ms = 0;
		module_failed(m, err);
		return;
	}
	log_folder_warnings(m->b, &s->files, m->pub.pm->name, &m->warned);
	memset(&t, 0, sizeof t);
	t.label = m->pub.pm->name;
	t.mgr = m->mgr;
	t.files = &s->files;
	t.read_only = true; /* a status only reads */
	mig_opts_defaults(&o);
	if (m->pub.state != BROWSE_READY) {
		m->pub.state = BROWSE_LOADING;
		m->pub.gen++;
	}
	m->next = s;
	m->loading = true;
	m->starting = true;
	m->ended = NULL;
	r = migrate_start(MIG_RUN_STATUS, &t, &o, NULL, module_done, m);
	m->starting = false;
	s->run = r;
	if (m->ended != NULL) {
		m->ended = NULL;
		module_finish(m, r, false);
	}
}

void
browse_load_modules(struct browse *b)
{
	size_t i;

	b->mods_asked = true;
	for (i = 0; i < b->n_mods; i++)
		module_load(&b->mods[i]);
	fresh_arm(b); /* a read that failed at once (its folder) has no end to re-arm it */
}

size_t
browse_n_modules(const struct browse *b)
{
	return b->n_mods;
}

const struct browse_module *
browse_module(const struct browse *b, size_t i)
{
	return i < b->n_mods ? &b->mods[i].pub : NULL;
}

/* ------------------------------------------------------------------------
 * Tenants
 * ------------------------------------------------------------------------ */

static int
tindex_cmp(const void *pa, const void *pb, void *arg)
{
	const struct tenant_list *l = tenant_job_list(arg);

	return strcmp(l->v[*(const size_t *)pa].schema, l->v[*(const size_t *)pb].schema);
}

static void
tindex_build(struct browse *b)
{
	const struct tenant_list *l = b->tenants.list;
	size_t i;

	free(b->tindex);
	b->tindex = NULL;
	b->n_tindex = 0;
	if (l == NULL || l->n == 0)
		return;
	b->tindex = xcalloc(l->n, sizeof *b->tindex);
	for (i = 0; i < l->n; i++)
		b->tindex[b->n_tindex++] = i;
	qsort_r(b->tindex, b->n_tindex, sizeof *b->tindex, tindex_cmp, b->tcur->job);
}

const struct tenant_info *
browse_tenant_by_schema(const struct browse *b, const char *schema)
{
	const struct tenant_list *l = b->tenants.list;
	size_t lo = 0, hi = b->n_tindex;

	while (l != NULL && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tenant_info *t = &l->v[b->tindex[mid]];
		int c = strcmp(t->schema, schema);

		if (c == 0)
			return t;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Show the list of the job in flight (its ledgers may still be read). */
static void
tenants_promote(struct browse *b, struct tensnap *s, struct tenant_job *job)
{
	if (b->tcur == s)
		return;
	tensnap_free(&b->tdead);
	b->tdead = b->tcur;
	b->tcur = s;
	b->tenants.list = tenant_job_list(job);
	b->tenants.files = &s->files;
	tindex_build(b);
}

static void
tenants_notify_cb(struct loop *loop, void *arg)
{
	struct browse *b = arg;

	(void)loop;
	b->tnotify = NULL; /* one-shot: dead once it runs */
	browse_notify(b);
}

static void
tenants_changed(struct tenant_job *job, void *arg)
{
	struct browse *b = arg;
	struct tensnap *s = b->tnext;
	const struct tenant_progress *p = tenant_job_progress(job);
	bool first = false;

	if (s == NULL || tenant_job_list(job) == NULL || p->finished)
		return;
	s->job = job;
	/* the first list shows at once; a reload replaces the list when complete */
	if (b->tcur == NULL) {
		tenants_promote(b, s, job);
		first = true;
	}
	b->tenants.reading = true;
	b->tenants.ledgers_read = p->done;
	b->tenants.ledgers_total = p->total;
	/* a reload in the background leaves the list shown (and its rows) alone */
	if (b->tcur == s)
		b->tenants.gen++;
	if (first) {
		loop_timer_cancel(pool_loop(b->pool), &b->tnotify);
		browse_notify(b);
	} else if (b->tnotify == NULL) {
		b->tnotify = loop_timer_add(pool_loop(b->pool), STREAM_NOTIFY_MS, 0,
					    tenants_notify_cb, b);
	}
}

/*
 * A read of the tenant list failed with err (taken): the list shown, if
 * any, stays, marked stale; the log hears of it unless the last read
 * failed the same way.
 */
static void
tenants_failed(struct browse *b, char *err)
{
	if (b->tenants.error == NULL || strcmp(b->tenants.error, err) != 0)
		msglog_add(b->log, MSG_WARNING, b->pdb->label, "cannot list the tenants: %s", err);
	free(b->tenants.error);
	b->tenants.error = err;
	b->tenants.state = BROWSE_FAILED;
	b->tenants.stale = b->tenants.list != NULL;
	b->tenants.gen++;
}

static void
tenants_finish(struct browse *b, struct tenant_job *job, bool async)
{
	struct tensnap *s = b->tnext;
	int64_t now = loop_now(pool_loop(b->pool));

	b->tnext = NULL;
	s->job = job;
	loop_timer_cancel(pool_loop(b->pool), &b->tnotify);
	b->tenants.reading = false;
	b->ttook_ms = now - b->tstarted_ms;
	if (tenant_job_error(job) == NULL && tenant_job_list(job) != NULL) {
		if (b->tenants.error != NULL)
			msglog_add(b->log, MSG_INFO, b->pdb->label, "the tenants are listed again");
		tenants_promote(b, s, job);
		free(b->tenants.error);
		b->tenants.error = NULL;
		b->tenants.state = BROWSE_READY;
		b->tenants.stale = false;
		b->tenants.read_ms = now;
		b->tenants.ledgers_read = b->tenants.ledgers_total;
		b->tenants.gen++;
	} else {
		if (b->tcur != s) {
			tensnap_free(&b->tdead);
			b->tdead = s; /* the job is still on the stack: freed later */
		}
		/* a list shown while it was read (b->tcur == s) stays, incomplete: stale */
		tenants_failed(b, xstrdup(tenant_job_error(job) != NULL ? tenant_job_error(job)
									: "no answer"));
	}
	if (b->tenants_again) {
		b->tenants_again = false;
		browse_load_tenants(b);
	}
	fresh_arm(b);
	if (async)
		browse_notify(b);
}

static void
tenants_done(struct tenant_job *job, void *arg)
{
	struct browse *b = arg;

	if (b->tstarting) {
		b->tended = true; /* browse_load_tenants finishes it */
		return;
	}
	tenants_finish(b, job, true);
}

void
browse_load_tenants(struct browse *b)
{
	struct tenant_job_opts o;
	struct tensnap *s;
	struct tenant_job *job;
	char *err;

	b->tenants_asked = true;
	if (!b->pdb->tenants.present)
		return;
	if (b->tnext != NULL) {
		b->tenants_again = true;
		return;
	}
	b->tstarted_ms = loop_now(pool_loop(b->pool));
	s = xcalloc(1, sizeof *s);
	err = migfile_scan(b->pdb->tenants.migrations, &s->files);
	if (err != NULL) {
		migfile_set_free(&s->files);
		free(s);
		b->ttook_ms = 0;
		tenants_failed(b, err);
		fresh_arm(b);
		return;
	}
	log_folder_warnings(b, &s->files, "tenants", &b->twarned);
	if (b->tenants.state != BROWSE_READY) {
		b->tenants.state = BROWSE_LOADING;
		b->tenants.gen++;
	}
	b->tnext = s;
	tenant_job_opts_defaults(&o);
	b->tstarting = true;
	b->tended = false;
	job = tenant_job_start(TENANT_JOB_LIST, b->db, &s->files, &o, tenants_changed, tenants_done,
			       b);
	b->tstarting = false;
	s->job = job;
	if (b->tended) {
		b->tended = false;
		tenants_finish(b, job, false);
	}
	fresh_arm(b);
}

const struct browse_tenants *
browse_tenants(const struct browse *b)
{
	return &b->tenants;
}

/* ------------------------------------------------------------------------
 * Keeping the queue fresh
 * ------------------------------------------------------------------------ */

/* When a read that started at `started` and took `took` is due again. */
static int64_t
due_at(const struct browse *b, int64_t started, int64_t took)
{
	int64_t gap = b->fresh_ms;

	if (took * BROWSE_FRESH_BACKOFF > gap)
		gap = took * BROWSE_FRESH_BACKOFF;
	return started + gap;
}

/* The earliest reread due (INT64_MAX: none: nothing asked, or all in flight). */
static int64_t
next_due(const struct browse *b)
{
	int64_t next = INT64_MAX, d;
	size_t i;

	for (i = 0; b->mods_asked && i < b->n_mods; i++) {
		const struct modstate *m = &b->mods[i];

		if (m->mgr == NULL || m->loading)
			continue;
		d = due_at(b, m->started_ms, m->took_ms);
		if (d < next)
			next = d;
	}
	if (b->tenants_asked && b->pdb->tenants.present && b->tnext == NULL) {
		d = due_at(b, b->tstarted_ms, b->ttook_ms);
		if (d < next)
			next = d;
	}
	return next;
}

static void
fresh_cb(struct loop *loop, void *arg)
{
	struct browse *b = arg;
	int64_t now = loop_now(loop);
	size_t i;

	b->fresh = NULL; /* one-shot: dead once it runs */
	if (pool_health(b->pool) == POOL_RETRYING) {
		/* unreachable: queue nothing behind the pool's retries, look again later */
		b->fresh = loop_timer_add(loop, b->fresh_ms, 0, fresh_cb, b);
		return;
	}
	for (i = 0; b->mods_asked && i < b->n_mods; i++) {
		struct modstate *m = &b->mods[i];

		if (m->mgr != NULL && !m->loading && due_at(b, m->started_ms, m->took_ms) <= now)
			module_load(m);
	}
	if (b->tenants_asked && b->pdb->tenants.present && b->tnext == NULL &&
	    due_at(b, b->tstarted_ms, b->ttook_ms) <= now)
		browse_load_tenants(b);
	fresh_arm(b);
	browse_notify(b); /* a read that failed at once (its folder) changed what is shown */
}

/* Arm the timer for the earliest reread due (reads in flight re-arm it when they end). */
static void
fresh_arm(struct browse *b)
{
	struct loop *loop = pool_loop(b->pool);
	int64_t next, now;

	loop_timer_cancel(loop, &b->fresh);
	if (b->fresh_ms <= 0 || b->paused)
		return;
	next = next_due(b);
	if (next == INT64_MAX)
		return;
	now = loop_now(loop);
	b->fresh = loop_timer_add(loop, next > now ? next - now : 0, 0, fresh_cb, b);
}

void
browse_keep_fresh(struct browse *b, int64_t interval_ms)
{
	if (interval_ms == b->fresh_ms)
		return;
	b->fresh_ms = interval_ms > 0 ? interval_ms : 0;
	fresh_arm(b);
}

void
browse_set_paused(struct browse *b, bool paused)
{
	b->paused = paused;
	fresh_arm(b);
}

void
browse_queue_reload(struct browse *b)
{
	size_t i;

	if (b->mods_asked)
		for (i = 0; i < b->n_mods; i++)
			module_load(&b->mods[i]);
	if (b->tenants_asked)
		browse_load_tenants(b);
	fresh_arm(b);
}
