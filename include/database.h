/*
 * database: one database of a profile, with its shared pool.
 *
 * The profile says how to reach a database and how big the console's own
 * pool for it may be; this module turns that into a running pool on the
 * event loop. Views, commands and jobs reach a database through this
 * handle, so that everything talking to one database shares one pool.
 *
 * Ownership: database_open() returns a handle freed with database_close(),
 * which frees the pool. The profile must outlive the handle.
 */
#ifndef PGDBM_DATABASE_H
#define PGDBM_DATABASE_H

#include <stdbool.h>
#include <stddef.h>

#include "pool.h"
#include "profile.h"

struct loop;
struct msglog;

struct database {
	const struct profile_database *cfg;
	struct pool *pool;
};

/* The pool settings a profile database asks for. */
void database_pool_config(const struct profile_database *pdb, struct pool_config *cfg);

/*
 * Open a database's pool. fail_fast suits one-shot commands: requests fail
 * as soon as a connection attempt fails instead of waiting for retries.
 */
struct database *database_open(struct loop *loop, const struct profile_database *pdb,
			       struct msglog *log, bool fail_fast);
void database_close(struct database **d);

/* Open every database of a profile; returns an array of p->n_databases. */
struct database **database_open_all(struct loop *loop, const struct profile *p, struct msglog *log,
				    bool fail_fast);
void database_close_all(struct database ***v, size_t n);

#endif
