/*
 * database: a profile database and its pool. See include/database.h.
 */
#include "config.h"

#include "database.h"

#include <stdlib.h>

#include "xalloc.h"

void
database_pool_config(const struct profile_database *pdb, struct pool_config *cfg)
{
	pool_config_defaults(cfg);
	cfg->conn.label = pdb->label;
	cfg->conn.conninfo = profile_database_conninfo(pdb);
	cfg->conn.application_name = pdb->application_name;
	cfg->conn.connect_timeout_ms = pdb->connect_timeout_ms;
	cfg->conn.statement_timeout_ms = pdb->statement_timeout_ms;
	cfg->conn.lock_timeout_ms = pdb->lock_timeout_ms;
	cfg->conn.idle_in_transaction_timeout_ms = pdb->idle_in_transaction_timeout_ms;
	cfg->conn.read_only = pdb->read_only;
	cfg->conn.keepalives = true;
	cfg->min = pdb->pool.min;
	cfg->max = pdb->pool.max;
	cfg->acquire_timeout_ms = pdb->pool.acquire_timeout_ms;
	cfg->max_lifetime_ms = pdb->pool.max_lifetime_ms;
	cfg->max_idle_ms = pdb->pool.max_idle_ms;
	cfg->health_check_ms = pdb->pool.health_check_ms;
}

struct database *
database_open(struct loop *loop, const struct profile_database *pdb, struct msglog *log,
	      bool fail_fast)
{
	struct database *d = xcalloc(1, sizeof *d);
	struct pool_config cfg;

	d->cfg = pdb;
	database_pool_config(pdb, &cfg);
	cfg.fail_fast = fail_fast;
	d->pool = pool_new(loop, &cfg, log);
	return d;
}

void
database_close(struct database **dp)
{
	struct database *d = *dp;

	if (d == NULL)
		return;
	pool_free(&d->pool);
	free(d);
	*dp = NULL;
}

struct database **
database_open_all(struct loop *loop, const struct profile *p, struct msglog *log, bool fail_fast)
{
	struct database **v = xcalloc(p->n_databases, sizeof *v);
	size_t i;

	for (i = 0; i < p->n_databases; i++)
		v[i] = database_open(loop, &p->databases[i], log, fail_fast);
	return v;
}

void
database_close_all(struct database ***vp, size_t n)
{
	struct database **v = *vp;
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		database_close(&v[i]);
	free(v);
	*vp = NULL;
}
