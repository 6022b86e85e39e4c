/*
 * poolsnap: one refresh of every monitor and bouncer, then stop.
 * See include/poolsnap.h.
 *
 * Each entry counts as done for a side at that side's first update
 * callback: the monitor and the bouncer call it after every refresh,
 * successful or not, so a refresh that fails (an unreachable server or
 * PgBouncer) finishes the entry too. Nothing is refreshed twice: no
 * interval is started.
 */
#include "config.h"

#include "poolsnap.h"

#include <stdlib.h>

#include "bouncer.h"
#include "database.h"
#include "monitor.h"
#include "xalloc.h"

struct poolsnap {
	struct poolsnap_entry *v;
	size_t n;
};

static void
mon_updated(struct monitor *m, void *arg)
{
	struct poolsnap_entry *e = arg;

	(void)m;
	e->mon_done = true;
}

static void
bouncer_updated(struct bouncer *b, void *arg)
{
	struct poolsnap_entry *e = arg;

	(void)b;
	e->bouncer_done = true;
}

struct poolsnap *
poolsnap_new(struct loop *loop, struct database *const *dbs, size_t n, struct msglog *log,
	     bool fail_fast)
{
	struct poolsnap *ps = xcalloc(1, sizeof *ps);
	size_t i;

	ps->v = xcalloc(n + 1, sizeof *ps->v);
	ps->n = n;
	/* create everything first: a refresh may answer at once */
	for (i = 0; i < n; i++) {
		struct poolsnap_entry *e = &ps->v[i];

		e->db = dbs[i];
		e->mon = monitor_new(loop, dbs[i], log);
		monitor_on_update(e->mon, mon_updated, e);
		if (dbs[i]->cfg->pgbouncer != NULL) {
			struct bouncer_config cfg;

			bouncer_config_from_profile(dbs[i]->cfg, &cfg);
			cfg.fail_fast = fail_fast;
			e->bouncer = bouncer_new(loop, &cfg, log);
			bouncer_on_update(e->bouncer, bouncer_updated, e);
		} else {
			e->bouncer_done = true;
		}
	}
	for (i = 0; i < n; i++) {
		monitor_refresh(ps->v[i].mon);
		if (ps->v[i].bouncer != NULL)
			bouncer_refresh(ps->v[i].bouncer);
	}
	return ps;
}

void
poolsnap_free(struct poolsnap **psp)
{
	struct poolsnap *ps = *psp;
	size_t i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++) {
		bouncer_free(&ps->v[i].bouncer);
		monitor_free(&ps->v[i].mon);
	}
	free(ps->v);
	free(ps);
	*psp = NULL;
}

bool
poolsnap_finished(const struct poolsnap *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		if (!ps->v[i].mon_done || !ps->v[i].bouncer_done)
			return false;
	}
	return true;
}

size_t
poolsnap_count(const struct poolsnap *ps)
{
	return ps->n;
}

const struct poolsnap_entry *
poolsnap_entry(const struct poolsnap *ps, size_t i)
{
	return i < ps->n ? &ps->v[i] : NULL;
}

bool
poolsnap_entry_problem(const struct poolsnap_entry *e)
{
	const struct mon_snapshot *ms = monitor_snapshot(e->mon);

	if (monitor_status(e->mon) != MON_LIVE || ms == NULL || ms->n_alerts > 0)
		return true;
	if (e->bouncer != NULL) {
		const struct bouncer_snapshot *bs = bouncer_snapshot(e->bouncer);

		if (bouncer_status(e->bouncer) != BOUNCER_LIVE || bs == NULL || bs->n_alarms > 0)
			return true;
	}
	return false;
}

bool
poolsnap_problem(const struct poolsnap *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		if (poolsnap_entry_problem(&ps->v[i]))
			return true;
	}
	return false;
}
