/*
 * tenant_list: the tenants of one database as a job reads them (the
 * catalog, then the ledgers), and sorting and filtering the list.
 *
 * LIST, MIGRATE and ROLLBACK jobs read the catalog once: every schema with
 * the tenant or archive prefix, with its table count, size estimate and
 * whether it has a ledger (a schema whose name fails the ledger rule is not
 * a tenant). Then they read the ledgers in chunks of CHUNK tenants, each
 * chunk one script of COPY commands, at most `concurrency` chunks at once
 * over the pool (more would only wait for a connection, and time out behind
 * each other with 100,000 tenants). Each tenant's rows are judged against
 * the tenant folder: applied, pending, drifted, out of order and missing,
 * and the per-file counts of the list.
 *
 * A LIST job shows its list as soon as the catalog is read (`changed`
 * runs) and again after every chunk, each tenant marked `ledger_read` once
 * its ledger is in (its counts are final then). A fan-out (MIGRATE) reads
 * only the tenants it works on, and only until it has found its canaries
 * among the tenants with work (the first chunk alone, then more as
 * needed): the chunks not sent by then are dropped, since the bulk workers
 * read each ledger again under its tenant's lock.
 *
 * Vocabulary: a chunk (struct tenant_chunk) is the list indexes of the
 * tenants one script reads. Invariant: job->outstanding counts the scripts
 * in flight, and the scheduler runs when the last one has answered.
 */
#include "config.h"

#include "tenant.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "ident.h"
#include "migfile.h"
#include "migrate.h"
#include "pool.h"
#include "strbuf.h"
#include "tenant_int.h"
#include "xalloc.h"

/* Tenants whose ledgers one script reads. */
#define CHUNK 400

/* ------------------------------------------------------------------------
 * Reading the catalog and the ledgers
 * ------------------------------------------------------------------------ */

static void list_catalog_done(struct pool *p, struct conn_reply *reply, void *arg);
static void list_ledgers_done(struct pool *p, struct conn_reply *reply, void *arg);

void
tenant_list_read(struct tenant_job *job)
{
	const char *params[3] = { job->cfg->prefix, job->cfg->archive_prefix, job->cfg->table };

	job->phase = TJ_CATALOG;
	job->outstanding = 1;
	pool_query_held(
		job->pool, &job->req,
		"SELECT n.nspname, left(n.nspname, length($2)) = $2,\n"
		"  count(c.oid) FILTER (WHERE c.relkind IN ('r', 'p')),\n"
		"  coalesce(sum(c.relpages), 0)::bigint * current_setting('block_size')::bigint,\n"
		"  coalesce(bool_or(c.relname = $3 AND c.relkind = 'r'), false)\n"
		"FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid\n"
		"WHERE left(n.nspname, length($1)) = $1 OR left(n.nspname, length($2)) = $2\n"
		"GROUP BY n.nspname ORDER BY n.nspname",
		3, params, list_catalog_done, job);
}

/* One chunk: up to CHUNK tenants of the list that have a ledger, read by one script. */
struct tenant_chunk {
	struct tenant_job *job;
	size_t *members; /* list indexes */
	size_t n;
};

/*
 * Ledgers are read with COPY ... TO STDOUT, one per tenant in one script:
 * COPY of a table needs no planner, so it never loads the relation's
 * indexes, which makes a cold read of thousands of ledgers about twice as
 * fast as a UNION ALL over them.
 */
void
tenant_copy_ledger(struct strbuf *sql, const char *schema, const char *table)
{
	/* the schema and table passed the ledger rule: written unquoted */
	strbuf_addf(sql,
		    "COPY %s.%s (id, filename, checksum, module_name, applied_at, applied_by, "
		    "execution_time_ms) TO STDOUT;\n",
		    schema, table);
}

/* Undo COPY's text escapes in place (\\, \t, \n, \r, \b, \f, \v, octal). */
static void
copy_unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s != '\\' || s[1] == '\0') {
			*w++ = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 't':
			*w++ = '\t';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'v':
			*w++ = '\v';
			break;
		default:
			if (*s >= '0' && *s <= '7') {
				int v = 0, k;

				for (k = 0; k < 3 && *s >= '0' && *s <= '7'; k++, s++)
					v = v * 8 + (*s - '0');
				s--;
				*w++ = (char)v;
			} else {
				*w++ = *s;
			}
			break;
		}
	}
	*w = '\0';
}

/*
 * The ledger rows of module `module` (or without module) in COPY text
 * data [data, data + len): a malloc'd array of *n rows, in id order.
 */
struct mig_row *
tenant_copy_rows(const char *data, size_t len, const char *module, size_t *n)
{
	struct mig_row *rows = NULL;
	size_t k = 0, x, y;
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = xstrndup(p, (size_t)((nl ? nl : end) - p));
		char *f[7];
		int i;
		char *q = line;

		p = nl ? nl + 1 : end;
		for (i = 0; i < 7; i++) {
			f[i] = q;
			q = q != NULL ? strchr(q, '\t') : NULL;
			if (q != NULL)
				*q++ = '\0';
		}
		if (f[6] == NULL || (strcmp(f[3], "\\N") != 0 &&
				     (copy_unescape(f[3]), strcmp(f[3], module) != 0))) {
			free(line);
			continue;
		}
		rows = xreallocarray(rows, k + 1, sizeof *rows);
		memset(&rows[k], 0, sizeof rows[k]);
		rows[k].null_module = strcmp(f[3], "\\N") == 0;
		copy_unescape(f[1]);
		copy_unescape(f[2]);
		copy_unescape(f[5]);
		rows[k].id = atoll(f[0]);
		rows[k].filename = xstrdup(f[1]);
		rows[k].checksum = xstrdup(f[2]);
		rows[k].applied_at = xstrdup(f[4]);
		rows[k].applied_by = xstrdup(strcmp(f[5], "\\N") == 0 ? "" : f[5]);
		rows[k].exec_ms = strcmp(f[6], "\\N") == 0 ? -1 : atoi(f[6]);
		k++;
		free(line);
	}
	for (x = 1; x < k; x++) {
		for (y = x; y > 0 && rows[y - 1].id > rows[y].id; y--) {
			struct mig_row t = rows[y];

			rows[y] = rows[y - 1];
			rows[y - 1] = t;
		}
	}
	*n = k;
	return rows;
}

static void
send_chunk(struct tenant_job *job, struct tenant_chunk *ch)
{
	struct strbuf sql = STRBUF_INIT;
	size_t i;

	strbuf_adds(&sql, "BEGIN READ ONLY;\n");
	for (i = 0; i < ch->n; i++)
		tenant_copy_ledger(&sql, job->list.v[ch->members[i]].schema, job->cfg->table);
	strbuf_adds(&sql, "COMMIT;\n");
	job->outstanding++;
	pool_query(job->pool, strbuf_str(&sql), -1, NULL, list_ledgers_done, ch);
	strbuf_free(&sql);
}

/* Keep `concurrency` chunks in flight while some are left. */
static void
send_chunks(struct tenant_job *job)
{
	/* a fan-out reads until it has its canaries: often the first chunk */
	int most = job->kind == TENANT_JOB_MIGRATE && job->next_chunk == 0 ? 1 : job->concurrency;

	while (job->error == NULL && job->next_chunk < job->n_chunks && job->outstanding < most)
		send_chunk(job, job->chunks[job->next_chunk++]);
}

/* Free the chunks not sent yet: none will be. */
static void
drop_chunks(struct tenant_job *job)
{
	while (job->next_chunk < job->n_chunks) {
		free(job->chunks[job->next_chunk]->members);
		free(job->chunks[job->next_chunk]);
		job->next_chunk++;
	}
}

/*
 * A fan-out (MIGRATE) reads ledgers without locks only to find its
 * canaries among the tenants with work: once it has them, the chunks not
 * sent yet are dropped (those tenants are read under their locks).
 */
static void
enough_read(struct tenant_job *job)
{
	if (job->kind != TENANT_JOB_MIGRATE || job->with_work < (size_t)job->opts.canaries)
		return;
	drop_chunks(job);
}

void
tenant_list_read_free(struct tenant_job *job)
{
	drop_chunks(job);
	free(job->chunks);
}

/*
 * After an answer: send what may be sent; when nothing is in flight the
 * reading is over (the scheduler goes on), else a LIST job shows what it
 * has.
 */
static void
read_on(struct tenant_job *job)
{
	enough_read(job);
	send_chunks(job);
	if (job->outstanding == 0) {
		tenant_schedule(job);
		return;
	}
	if (job->kind == TENANT_JOB_LIST)
		tenant_notify(job);
}

static void
queue_chunk(struct tenant_job *job, size_t *members, size_t n)
{
	struct tenant_chunk *ch = xcalloc(1, sizeof *ch);

	ch->job = job;
	ch->members = members;
	ch->n = n;
	job->chunks = xreallocarray(job->chunks, job->n_chunks + 1, sizeof *job->chunks);
	job->chunks[job->n_chunks++] = ch;
}

static void
list_catalog_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct tenant_job *job = arg;
	const PGresult *r = reply->n > 0 ? reply->results[reply->n - 1] : NULL;
	size_t plen = strlen(job->cfg->prefix), alen = strlen(job->cfg->archive_prefix);
	size_t *members = NULL, n_members = 0;
	int i, n;

	(void)p;
	if (!tenant_job_answered(job, reply, "cannot read the tenant schemas"))
		return;
	n = PQntuples(r);
	job->list.v = xcalloc((size_t)n + 1, sizeof *job->list.v);
	job->list.n_files = job->files != NULL ? job->files->n : 0;
	if (job->list.n_files > 0) {
		job->list.file_applied = xcalloc(job->list.n_files, sizeof(size_t));
		job->list.file_pending = xcalloc(job->list.n_files, sizeof(size_t));
		job->list.file_drifted = xcalloc(job->list.n_files, sizeof(size_t));
		job->list.file_out_of_order = xcalloc(job->list.n_files, sizeof(size_t));
	}
	for (i = 0; i < n; i++) {
		struct tenant_info *t = &job->list.v[job->list.n];
		const char *schema = PQgetvalue(r, i, 0);
		bool archived = PQgetvalue(r, i, 1)[0] == 't';

		/* a schema with an invalid tenant id is not one of ours */
		if (ident_ledger_problem(schema) != NULL)
			continue;
		t->schema = xstrdup(schema);
		t->archived = archived;
		t->id = xstrdup(schema + (archived ? alen : plen));
		t->tables = atoi(PQgetvalue(r, i, 2));
		t->size_bytes = atoll(PQgetvalue(r, i, 3));
		t->has_ledger = PQgetvalue(r, i, 4)[0] == 't';
		t->ledger_read = archived || !t->has_ledger;
		if (!archived && job->files != NULL) {
			size_t f;

			t->pending = (int)job->files->n;
			/* a tenant with a ledger is counted when its ledger is read */
			for (f = 0; !t->has_ledger && f < job->files->n; f++)
				job->list.file_pending[f]++;
		}
		job->list.n++;
	}
	job->have_list = true;
	job->phase = TJ_LEDGERS;
	for (i = 0; i < (int)job->list.n; i++) {
		const struct tenant_info *t = &job->list.v[i];

		if (job->kind == TENANT_JOB_MIGRATE) {
			/* a fan-out reads only the tenants it works on */
			if (!tenant_fanout_wanted(job, t))
				continue;
			job->with_work += tenant_has_work(t); /* no ledger: everything to do */
		}
		if (t->archived || !t->has_ledger)
			continue;
		if (n_members == 0)
			members = xcalloc(CHUNK, sizeof *members);
		members[n_members++] = (size_t)i;
		if (n_members == CHUNK) {
			queue_chunk(job, members, n_members);
			members = NULL;
			n_members = 0;
		}
		job->prog.total++;
	}
	if (n_members > 0)
		queue_chunk(job, members, n_members);
	else
		free(members);
	read_on(job); /* a LIST job shows the list before its ledgers */
}

/* Compare one tenant's ledger rows (id order) with the folder. */
static void
judge_tenant(struct tenant_job *job, struct tenant_info *t, const struct mig_row *rows, size_t n)
{
	const struct migfile_set *files = job->files;
	const char *last_applied = NULL;
	size_t f, i;

	t->applied = t->pending = t->drifted = t->out_of_order = t->missing = 0;
	t->ledger_read = true;
	for (i = 0; i < n; i++) {
		const struct migfile *mf = files != NULL ? migfile_find(files, rows[i].filename)
							 : NULL;
		size_t k = mf != NULL ? (size_t)(mf - files->v) : 0;

		if (mf == NULL) {
			t->missing++;
		} else if (strcmp(mf->up.checksum, rows[i].checksum) == 0) {
			t->applied++;
			job->list.file_applied[k]++;
		} else {
			t->drifted++;
			job->list.file_drifted[k]++;
		}
		if (mf != NULL && (last_applied == NULL || strcmp(mf->name, last_applied) > 0))
			last_applied = mf->name;
	}
	if (n > 0) {
		free(t->last_file);
		free(t->last_at);
		t->last_file = xstrdup(rows[n - 1].filename);
		t->last_at = xstrdup(rows[n - 1].applied_at);
	}
	for (f = 0; files != NULL && f < files->n; f++) {
		bool in = false;

		for (i = 0; i < n && !in; i++)
			in = strcmp(rows[i].filename, files->v[f].name) == 0;
		if (in)
			continue;
		if (last_applied != NULL && strcmp(files->v[f].name, last_applied) < 0) {
			t->out_of_order++;
			job->list.file_out_of_order[f]++;
		} else {
			t->pending++;
			job->list.file_pending[f]++;
		}
	}
}

static void
list_ledgers_done(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct tenant_chunk *ch = arg;
	struct tenant_job *job = ch->job;
	bool go_on;
	size_t k;

	(void)p;
	/* the chunk is the job's no more: free it whatever happens to the job */
	go_on = tenant_job_answered(job, reply, "cannot read the tenant ledgers");
	if (go_on && reply->n_copies != (int)ch->n) {
		tenant_job_fail(job, "cannot read the tenant ledgers: %d of %zu answered",
				reply->n_copies, ch->n);
		go_on = false;
	}
	if (!go_on) {
		free(ch->members);
		free(ch);
		return;
	}
	if (job->kind == TENANT_JOB_LIST)
		job->prog.done += ch->n;
	for (k = 0; k < ch->n; k++) {
		struct tenant_info *t = &job->list.v[ch->members[k]];
		size_t from = k == 0 ? 0 : reply->copy_ends[k - 1], nr = 0;
		struct mig_row *rows = tenant_copy_rows(reply->copy + from,
							reply->copy_ends[k] - from, t->schema, &nr);

		judge_tenant(job, t, rows, nr);
		mig_rows_free(rows, nr);
		if (job->kind == TENANT_JOB_MIGRATE && tenant_fanout_wanted(job, t) &&
		    tenant_has_work(t))
			job->with_work++;
	}
	free(ch->members);
	free(ch);
	read_on(job);
}

/* ------------------------------------------------------------------------
 * Sorting and filtering
 * ------------------------------------------------------------------------ */

void
tenant_list_free(struct tenant_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].id);
		free(l->v[i].schema);
		free(l->v[i].last_file);
		free(l->v[i].last_at);
	}
	free(l->v);
	free(l->file_applied);
	free(l->file_pending);
	free(l->file_drifted);
	free(l->file_out_of_order);
	memset(l, 0, sizeof *l);
}

static const char *sort_column;
static bool sort_desc;

static int
cmp_str(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
info_cmp(const void *pa, const void *pb)
{
	const struct tenant_info *a = pa, *b = pb;
	int r = 0;

	if (strcmp(sort_column, "size") == 0)
		r = (a->size_bytes > b->size_bytes) - (a->size_bytes < b->size_bytes);
	else if (strcmp(sort_column, "applied") == 0)
		r = a->applied - b->applied;
	else if (strcmp(sort_column, "pending") == 0)
		r = a->pending - b->pending;
	else if (strcmp(sort_column, "drifted") == 0)
		r = a->drifted - b->drifted;
	else if (strcmp(sort_column, "last") == 0)
		r = cmp_str(a->last_at, b->last_at);
	if (r == 0)
		r = strcmp(a->id, b->id);
	return sort_desc ? -r : r;
}

bool
tenant_list_sort(struct tenant_list *l, const char *column, bool descending)
{
	static const char *const known[] = {
		"id", "size", "applied", "pending", "drifted", "last"
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (strcmp(known[i], column) == 0)
			break;
	}
	if (i == sizeof known / sizeof known[0])
		return false;
	sort_column = known[i];
	sort_desc = descending;
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, info_cmp);
	return true;
}

static bool
state_matches(const struct tenant_info *t, const char *state)
{
	if (state == NULL)
		return true;
	if (strcmp(state, "archived") == 0)
		return t->archived;
	if (t->archived)
		return false;
	if (strcmp(state, "pending") == 0)
		return t->pending > 0 || t->out_of_order > 0;
	if (strcmp(state, "drifted") == 0)
		return t->drifted > 0;
	if (strcmp(state, "current") == 0)
		return t->pending == 0 && t->out_of_order == 0 && t->drifted == 0;
	return true;
}

void
tenant_list_filter(struct tenant_list *l, const char *text, const char *state)
{
	size_t i, keep = 0;

	for (i = 0; i < l->n; i++) {
		struct tenant_info *t = &l->v[i];

		if ((text == NULL || strstr(t->id, text) != NULL) && state_matches(t, state)) {
			l->v[keep++] = *t;
			continue;
		}
		free(t->id);
		free(t->schema);
		free(t->last_file);
		free(t->last_at);
	}
	l->n = keep;
}
