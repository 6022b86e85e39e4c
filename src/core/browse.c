/*
 * browse: the handle of one database's browsing, and the catalog it reads
 * itself: schemas, one schema's detail, exact sizes. See include/browse.h;
 * the migration queue (module statuses, the tenant list, kept fresh) is in
 * browse_queue.c (they share include/browse_int.h).
 *
 * Requests in flight. A catalog query is a `struct breq` on the handle's
 * list; its reply finds the handle through it. browse_free() detaches every
 * request (breq->b = NULL) and their answers are then dropped. Status runs
 * and tenant list jobs are the migrate and tenant engines' own objects,
 * which can be abandoned at any time (their callbacks stop).
 *
 * Estimates versus exact sizes. The schema list and the detail read only
 * pg_class (relpages, reltuples), which takes no relation lock, so they
 * answer while a migration holds an ACCESS EXCLUSIVE lock.
 * pg_total_relation_size() locks each relation: it runs only on demand,
 * inside BEGIN READ ONLY with SET LOCAL lock_timeout = 200ms, so that a
 * locked relation makes it fail fast with SQLSTATE 55P03, reported as
 * "locked: a migration holds it".
 */
#include "config.h"

#include "browse.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse_int.h"
#include "conn.h"
#include "database.h"
#include "ident.h"
#include "manager.h"
#include "msglog.h"
#include "pool.h"
#include "strbuf.h"
#include "xalloc.h"

#define EXACT_STATEMENT_TIMEOUT_MS 30000

enum breq_kind {
	BREQ_SCHEMAS,
	BREQ_TABLES,
	BREQ_LEDGER,
	BREQ_EXACT,
};

struct breq {
	struct browse *b; /* NULL once the handle is gone */
	enum breq_kind kind;
	uint64_t ticket; /* the detail it was for (tables, ledger) */
	char *name;	 /* exact: the schema */
	struct breq *next;
};

static const struct migfile_set no_files;

/* ------------------------------------------------------------------------
 * Names and kinds
 * ------------------------------------------------------------------------ */

const char *
browse_kind_name(enum browse_kind k)
{
	switch (k) {
	case BROWSE_MODULE:
		return "module";
	case BROWSE_TENANT:
		return "tenant";
	case BROWSE_ARCHIVED:
		return "archived";
	case BROWSE_OTHER:
		return "other";
	}
	return "?";
}

static bool
has_prefix(const char *s, const char *prefix)
{
	return prefix != NULL && prefix[0] != '\0' && strncmp(s, prefix, strlen(prefix)) == 0;
}

enum browse_kind
browse_classify(const struct profile_database *pdb, const char *name, int *module,
		const char **tenant_id)
{
	const struct profile_tenants *t = &pdb->tenants;
	size_t i;

	*module = -1;
	*tenant_id = NULL;
	for (i = 0; i < pdb->n_modules; i++) {
		if (strcmp(pdb->modules[i].schema, name) == 0) {
			*module = (int)i;
			return BROWSE_MODULE;
		}
	}
	if (!t->present)
		return BROWSE_OTHER;
	/* the longer prefix first: "tenant_" and "archived_tenant_" may nest */
	if (strlen(t->archive_prefix) >= strlen(t->prefix) && has_prefix(name, t->archive_prefix) &&
	    ident_ledger_problem(name) == NULL) {
		*tenant_id = name + strlen(t->archive_prefix);
		return BROWSE_ARCHIVED;
	}
	if (has_prefix(name, t->prefix) && ident_ledger_problem(name) == NULL) {
		*tenant_id = name + strlen(t->prefix);
		return BROWSE_TENANT;
	}
	if (has_prefix(name, t->archive_prefix) && ident_ledger_problem(name) == NULL) {
		*tenant_id = name + strlen(t->archive_prefix);
		return BROWSE_ARCHIVED;
	}
	return BROWSE_OTHER;
}

/* ------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------ */

void
browse_notify(struct browse *b)
{
	if (b->cb != NULL)
		b->cb(b, b->cb_arg);
}

struct browse *
browse_new(struct database *db, struct msglog *log)
{
	struct browse *b = xcalloc(1, sizeof *b);

	b->db = db;
	b->pdb = db->cfg;
	b->pool = db->pool;
	b->log = log;
	browse_queue_init(b);
	b->detail.module = -1;
	return b;
}

static void
schema_list_free(struct browse_schema *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static void
detail_reset(struct browse *b)
{
	struct browse_detail *d = &b->detail;
	size_t i;

	for (i = 0; i < d->n_tables; i++)
		free(d->tables[i].name);
	free(d->tables);
	free(d->schema);
	free(d->error);
	free(d->exact_error);
	mig_status_free(&d->status);
	mig_rows_free(b->detail_rows, b->n_detail_rows);
	b->detail_rows = NULL;
	b->n_detail_rows = 0;
	memset(d, 0, sizeof *d);
	d->module = -1;
}

void
browse_free(struct browse **bp)
{
	struct browse *b = *bp;
	struct breq *r;

	if (b == NULL)
		return;
	for (r = b->reqs; r != NULL; r = r->next)
		r->b = NULL;
	browse_queue_free(b);
	schema_list_free(b->schemas.v, b->schemas.n);
	free(b->schemas.error);
	detail_reset(b);
	free(b);
	*bp = NULL;
}

void
browse_on_update(struct browse *b, browse_update_cb cb, void *arg)
{
	b->cb = cb;
	b->cb_arg = arg;
}

/* ------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------ */

static struct breq *
breq_new(struct browse *b, enum breq_kind kind)
{
	struct breq *r = xcalloc(1, sizeof *r);

	r->b = b;
	r->kind = kind;
	r->next = b->reqs;
	b->reqs = r;
	return r;
}

static void
breq_done(struct breq *r)
{
	struct breq **pp;

	if (r->b != NULL) {
		for (pp = &r->b->reqs; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == r) {
				*pp = r->next;
				break;
			}
		}
	}
	free(r->name);
	free(r);
}

/* The error of a reply as one line (malloc'd), or NULL when it succeeded. */
static char *
reply_error(const struct conn_reply *reply)
{
	char *s = conn_reply_error_text(reply, CONN_ERROR_LINE);

	if (s == NULL && reply->n < 1)
		s = xstrdup("no answer");
	return s;
}

static const PGresult *
last_result(const struct conn_reply *reply)
{
	int i;

	/* the last result that carries rows (a script ends with COMMIT) */
	for (i = reply->n; i-- > 0;) {
		if (PQresultStatus(reply->results[i]) == PGRES_TUPLES_OK)
			return reply->results[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Schemas
 * ------------------------------------------------------------------------ */

static void schemas_done(struct pool *p, struct conn_reply *reply, void *arg);

/* Ledger table names of the profile (a schema "has a ledger" when it holds one). */
static char *
ledger_names(const struct profile_database *pdb)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_adds(&sb, "{schema_migrations");
	for (i = 0; i < pdb->n_modules; i++)
		strbuf_addf(&sb, ",%s", pdb->modules[i].table);
	if (pdb->tenants.present)
		strbuf_addf(&sb, ",%s", pdb->tenants.table);
	strbuf_addc(&sb, '}');
	return strbuf_detach(&sb);
}

void
browse_load_schemas(struct browse *b)
{
	char *tables;
	const char *params[1];

	if (b->schemas.state == BROWSE_LOADING) {
		b->schemas_again = true;
		return;
	}
	b->schemas_again = false;
	b->schemas.state = BROWSE_LOADING;
	tables = ledger_names(b->pdb);
	params[0] = tables;
	pool_query(
		b->pool,
		"SELECT n.oid, n.nspname,\n"
		"  count(c.oid) FILTER (WHERE c.relkind IN ('r', 'p')),\n"
		"  coalesce(sum(c.relpages), 0)::bigint * current_setting('block_size')::bigint,\n"
		"  coalesce(bool_or(c.relkind = 'r' AND c.relname = ANY($1::text[])), false)\n"
		"FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid\n"
		"WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')\n"
		"  AND n.nspname !~ '^pg_(toast_)?temp_'\n"
		"GROUP BY n.oid, n.nspname ORDER BY n.nspname COLLATE \"C\"",
		1, params, schemas_done, breq_new(b, BREQ_SCHEMAS));
	free(tables);
}

static void
schemas_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct breq *r = arg;
	struct browse *b = r->b;
	const PGresult *res;
	struct browse_schema *v;
	char *err;
	int i, n;

	(void)p;
	if (b == NULL) {
		breq_done(r);
		return;
	}
	breq_done(r);
	err = reply_error(reply);
	res = err == NULL ? last_result(reply) : NULL;
	if (res == NULL) {
		free(b->schemas.error);
		b->schemas.error = err != NULL ? err : xstrdup("no answer");
		b->schemas.state = BROWSE_FAILED;
		msglog_add(b->log, MSG_WARNING, b->pdb->label, "cannot list the schemas: %s",
			   b->schemas.error);
		b->schemas.gen++;
		browse_notify(b);
		return;
	}
	n = PQntuples(res);
	v = xcalloc((size_t)n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		struct browse_schema *s = &v[i];

		s->oid = (uint32_t)strtoul(PQgetvalue(res, i, 0), NULL, 10);
		s->name = xstrdup(PQgetvalue(res, i, 1));
		s->tables = atoi(PQgetvalue(res, i, 2));
		s->size_bytes = atoll(PQgetvalue(res, i, 3));
		s->has_ledger = PQgetvalue(res, i, 4)[0] == 't';
		s->kind = browse_classify(b->pdb, s->name, &s->module, &s->tenant_id);
	}
	/* exact sizes measured before survive a reload of the same schema */
	{
		size_t k = 0;

		for (i = 0; i < n && k < b->schemas.n; i++) {
			int c;

			while (k < b->schemas.n &&
			       (c = strcmp(b->schemas.v[k].name, v[i].name)) < 0)
				k++;
			if (k < b->schemas.n && c == 0 && b->schemas.v[k].oid == v[i].oid &&
			    b->schemas.v[k].exact != BROWSE_EXACT_NONE) {
				v[i].exact = b->schemas.v[k].exact;
				v[i].exact_bytes = b->schemas.v[k].exact_bytes;
			}
		}
	}
	schema_list_free(b->schemas.v, b->schemas.n);
	free(b->schemas.error);
	b->schemas.error = NULL;
	b->schemas.v = v;
	b->schemas.n = (size_t)n;
	b->schemas.state = BROWSE_READY;
	b->schemas.gen++;
	if (b->schemas_again)
		browse_load_schemas(b);
	browse_notify(b);
}

const struct browse_schemas *
browse_schemas(const struct browse *b)
{
	return &b->schemas;
}

static struct browse_schema *
find_schema(struct browse *b, const char *name)
{
	size_t lo = 0, hi = b->schemas.n;

	/* the list is sorted byte-wise (COLLATE "C") */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->schemas.v[mid].name, name);

		if (c == 0)
			return &b->schemas.v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
browse_reload(struct browse *b)
{
	if (b->schemas.state != BROWSE_NONE)
		browse_load_schemas(b);
	browse_queue_reload(b);
	if (b->detail.schema != NULL) {
		char *name = xstrdup(b->detail.schema);

		browse_open(b, name);
		free(name);
	}
}

/* ------------------------------------------------------------------------
 * Detail
 * ------------------------------------------------------------------------ */

static void tables_done(struct pool *p, struct conn_reply *reply, void *arg);
static void ledger_done(struct pool *p, struct conn_reply *reply, void *arg);

/* The folder and module name that judge schema s's ledger (NULL: none). */
static const struct migfile_set *
owner_files(const struct browse *b, enum browse_kind kind, int module, const char **module_name)
{
	*module_name = NULL;
	if (kind == BROWSE_MODULE && module >= 0 && (size_t)module < b->n_mods) {
		*module_name = b->pdb->modules[module].name;
		return b->mods[module].pub.files;
	}
	if (kind == BROWSE_TENANT)
		return b->tenants.files;
	return NULL;
}

static const char *
ledger_table(const struct browse *b, enum browse_kind kind, int module)
{
	if (kind == BROWSE_MODULE && module >= 0)
		return b->pdb->modules[module].table;
	if (kind == BROWSE_TENANT || kind == BROWSE_ARCHIVED)
		return b->pdb->tenants.table;
	return "schema_migrations";
}

void
browse_open(struct browse *b, const char *name)
{
	struct browse_schema *s = find_schema(b, name);
	struct browse_detail *d = &b->detail;
	char oid[16];
	const char *params[2];
	struct breq *r;

	detail_reset(b);
	b->detail_ticket++;
	d->schema = xstrdup(name);
	d->gen = ++b->detail_gen;
	if (s == NULL) {
		d->state = BROWSE_FAILED;
		d->error = xasprintf("schema %s is not in the list (dropped meanwhile?)", name);
		return;
	}
	d->oid = s->oid;
	d->kind = s->kind;
	d->module = s->module;
	d->has_ledger = s->has_ledger;
	d->state = BROWSE_LOADING;
	d->exact = BROWSE_EXACT_NONE;
	snprintf(oid, sizeof oid, "%u", s->oid);
	params[0] = oid;
	r = breq_new(b, BREQ_TABLES);
	r->ticket = b->detail_ticket;
	b->detail_waiting = 1;
	pool_query(b->pool,
		   "SELECT c.relname, c.relkind, c.reltuples::bigint,\n"
		   "  (c.relpages::bigint + coalesce(t.relpages, 0) + coalesce((\n"
		   "     SELECT sum(i.relpages) FROM pg_index x JOIN pg_class i ON i.oid = "
		   "x.indexrelid\n"
		   "     WHERE x.indrelid = c.oid), 0)) * current_setting('block_size')::bigint\n"
		   "FROM pg_class c LEFT JOIN pg_class t ON t.oid = c.reltoastrelid\n"
		   "WHERE c.relnamespace = $1::oid AND c.relkind IN ('r', 'p', 'm', 'f', 'v')\n"
		   "ORDER BY c.relname COLLATE \"C\"",
		   1, params, tables_done, r);
	if (s->has_ledger) {
		const char *module = NULL;
		char *sql;

		owner_files(b, s->kind, s->module, &module);
		if (s->kind == BROWSE_TENANT)
			module = s->name;
		sql = mig_ledger_select(s->name, ledger_table(b, s->kind, s->module),
					module != NULL);
		params[0] = module;
		r = breq_new(b, BREQ_LEDGER);
		r->ticket = b->detail_ticket;
		b->detail_waiting++;
		pool_query(b->pool, sql, module != NULL ? 1 : 0, params, ledger_done, r);
		free(sql);
	}
}

void
browse_close(struct browse *b)
{
	detail_reset(b);
	b->detail_ticket++;
	b->detail.gen = ++b->detail_gen;
}

const struct browse_detail *
browse_detail(const struct browse *b)
{
	return &b->detail;
}

/* Both answers of the detail are in: judge the ledger. */
static void
detail_complete(struct browse *b)
{
	struct browse_detail *d = &b->detail;
	const char *module = NULL;
	const struct migfile_set *files = owner_files(b, d->kind, d->module, &module);

	if (d->state == BROWSE_FAILED)
		return;
	d->has_owner = files != NULL;
	mig_status_compute(&d->status, files != NULL ? files : &no_files, b->detail_rows,
			   b->n_detail_rows, NULL, 0);
	d->status.ledger_exists = d->has_ledger;
	b->detail_rows = NULL;
	b->n_detail_rows = 0;
	d->state = BROWSE_READY;
}

static void
detail_failed(struct browse *b, char *err)
{
	struct browse_detail *d = &b->detail;

	if (d->error == NULL)
		d->error = err;
	else
		free(err);
	d->state = BROWSE_FAILED;
}

/*
 * The answer to one query of the detail in flight: false when the detail
 * it was for is gone or replaced (the answer is dropped); else its result,
 * or NULL with *err set.
 */
static bool
detail_answer(struct breq *r, struct conn_reply *reply, const PGresult **res, char **err)
{
	struct browse *b = r->b;
	bool current = b != NULL && r->ticket == b->detail_ticket && b->detail.schema != NULL;

	breq_done(r);
	if (!current)
		return false;
	b->detail_waiting--;
	*err = reply_error(reply);
	*res = *err == NULL ? last_result(reply) : NULL;
	if (*res == NULL && *err == NULL)
		*err = xstrdup("no answer");
	return true;
}

/* One query of the detail answered: complete when it was the last one. */
static void
detail_answered(struct browse *b)
{
	if (b->detail_waiting == 0)
		detail_complete(b);
	b->detail.gen = ++b->detail_gen;
	browse_notify(b);
}

static void
tables_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct breq *r = arg;
	struct browse *b = r->b;
	struct browse_detail *d;
	const PGresult *res;
	char *err;
	int i, n;

	(void)p;
	if (!detail_answer(r, reply, &res, &err))
		return;
	d = &b->detail;
	if (res == NULL) {
		detail_failed(b, err);
	} else {
		n = PQntuples(res);
		d->tables = xcalloc((size_t)n + 1, sizeof *d->tables);
		for (i = 0; i < n; i++) {
			struct browse_table *t = &d->tables[d->n_tables++];

			t->name = xstrdup(PQgetvalue(res, i, 0));
			t->kind = PQgetvalue(res, i, 1)[0];
			t->rows = atoll(PQgetvalue(res, i, 2));
			t->size_bytes = atoll(PQgetvalue(res, i, 3));
			t->exact_bytes = -1;
		}
	}
	detail_answered(b);
}

static void
ledger_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct breq *r = arg;
	struct browse *b = r->b;
	const PGresult *res;
	char *err;

	(void)p;
	if (!detail_answer(r, reply, &res, &err))
		return;
	if (res == NULL) {
		detail_failed(b, xasprintf("cannot read the ledger: %s", err));
		free(err);
	} else {
		b->detail_rows = mig_ledger_rows(res, &b->n_detail_rows);
	}
	detail_answered(b);
}

/* ------------------------------------------------------------------------
 * Exact sizes
 * ------------------------------------------------------------------------ */

static void exact_done(struct pool *p, struct conn_reply *reply, void *arg);

bool
browse_measure(struct browse *b, const char *name, const char **why)
{
	struct browse_schema *s = find_schema(b, name);
	struct breq *r;
	char *sql;

	if (s == NULL) {
		*why = "no such schema in the list";
		return false;
	}
	if (s->exact == BROWSE_EXACT_RUNNING) {
		*why = "its exact size is being measured";
		return false;
	}
	s->exact = BROWSE_EXACT_RUNNING;
	if (b->detail.schema != NULL && strcmp(b->detail.schema, name) == 0) {
		b->detail.exact = BROWSE_EXACT_RUNNING;
		free(b->detail.exact_error);
		b->detail.exact_error = NULL;
	}
	r = breq_new(b, BREQ_EXACT);
	r->name = xstrdup(name);
	/* the oid is a number: the script needs no quoting */
	sql = xasprintf("BEGIN READ ONLY;\n"
			"SET LOCAL lock_timeout = '%dms';\n"
			"SET LOCAL statement_timeout = '%dms';\n"
			"SELECT c.relname, c.relkind, pg_total_relation_size(c.oid)\n"
			"FROM pg_class c WHERE c.relnamespace = %u\n"
			"  AND c.relkind IN ('r', 'p', 'm', 'S');\n"
			"COMMIT;\n",
			BROWSE_EXACT_LOCK_TIMEOUT_MS, EXACT_STATEMENT_TIMEOUT_MS, s->oid);
	pool_query(b->pool, sql, -1, NULL, exact_done, r);
	free(sql);
	return true;
}

static void
exact_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct breq *r = arg;
	struct browse *b = r->b;
	struct browse_schema *s;
	struct browse_detail *d;
	enum browse_exact st = BROWSE_EXACT_DONE;
	const PGresult *res = NULL;
	char *err = NULL;
	int64_t total = 0;
	int i, n = 0;

	(void)p;
	if (b == NULL) {
		breq_done(r);
		return;
	}
	if (reply->error != NULL) {
		const char *code = PQresultErrorField(reply->error, PG_DIAG_SQLSTATE);

		if (code != NULL && strcmp(code, "55P03") == 0) {
			st = BROWSE_EXACT_LOCKED;
			err = xstrdup("locked: a migration holds it");
		}
	}
	if (st == BROWSE_EXACT_DONE) {
		err = reply_error(reply);
		res = err == NULL ? last_result(reply) : NULL;
		if (res == NULL)
			st = BROWSE_EXACT_FAILED;
	}
	if (res != NULL) {
		n = PQntuples(res);
		for (i = 0; i < n; i++)
			total += atoll(PQgetvalue(res, i, 2));
	}
	s = find_schema(b, r->name);
	if (s != NULL) {
		s->exact = st;
		s->exact_bytes = total;
	}
	d = &b->detail;
	if (d->schema != NULL && strcmp(d->schema, r->name) == 0) {
		size_t k;

		d->exact = st;
		d->exact_total = total;
		free(d->exact_error);
		d->exact_error = err != NULL ? xstrdup(err) : NULL;
		for (i = 0; i < n; i++) {
			for (k = 0; k < d->n_tables; k++) {
				if (strcmp(d->tables[k].name, PQgetvalue(res, i, 0)) == 0)
					d->tables[k].exact_bytes = atoll(PQgetvalue(res, i, 2));
			}
		}
		d->gen = ++b->detail_gen;
	}
	if (st != BROWSE_EXACT_DONE)
		msglog_add(b->log, st == BROWSE_EXACT_LOCKED ? MSG_INFO : MSG_WARNING,
			   b->pdb->label, "exact size of %s: %s", r->name,
			   err != NULL ? err : "failed");
	free(err);
	b->schemas.gen++;
	breq_done(r);
	browse_notify(b);
}

/* ------------------------------------------------------------------------
 * Previews
 * ------------------------------------------------------------------------ */

char *
browse_example_tenant_schema(const struct browse *b)
{
	return xasprintf("%sexample", b->pdb->tenants.prefix != NULL ? b->pdb->tenants.prefix : "");
}

char *
browse_render(const struct browse *b, const struct browse_module *m,
	      const struct migfile_script *script, char **out)
{
	struct manager *mgr;
	char *err = NULL, *schema;
	int line = 0;

	*out = NULL;
	if (m != NULL) {
		if (m->mgr == NULL)
			return xstrdup(m->error != NULL ? m->error
							: "the module's names are invalid");
		err = manager_render(m->mgr, script->text, out, &line);
	} else {
		schema = browse_example_tenant_schema(b);
		mgr = manager_new(b->pool, schema, schema, b->pdb->tenants.table, &err);
		free(schema);
		if (mgr == NULL)
			return err;
		err = manager_render(mgr, script->text, out, &line);
		manager_free(&mgr);
	}
	if (err != NULL && line > 0) {
		char *msg = xasprintf("%s:%d: %s", script->path, line, err);

		free(err);
		return msg;
	}
	return err;
}
