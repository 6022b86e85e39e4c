/*
 * profile: loading a profile, from a file or from memory.
 *
 * A load reads the text, refuses what cannot be a profile before libyaml
 * sees it (a NUL byte, more than 16 MiB, nesting deeper than
 * PROFILE_MAX_DEPTH: the depth pre-pass over libyaml's events), has libyaml
 * build the document tree (with line and column marks on every node), and
 * hands the root to the walk (profile_walk.c), which reads it through the
 * key tables (profile_keys.c). Every problem on the way becomes a
 * diagnostic with file, line and column (this file keeps them).
 *
 * Invariants:
 *  - every problem becomes a diagnostic with file, line and column;
 *  - the loader keeps going after an error so that one run reports them all,
 *    but a profile with any error is freed, never returned;
 *  - at most PROFILE_MAX_DIAGS diagnostics are kept; errors past them are
 *    counted;
 *  - every string in the model is owned by the model and released through
 *    the key tables by profile_free().
 */
#include "config.h"

#include "profile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "profile_int.h"
#include "strbuf.h"
#include "xalloc.h"

/* Levels of nested mappings and sequences a profile may have (it uses about six). */
#define PROFILE_MAX_DEPTH 64

/* ------------------------------------------------------------------------
 * Diagnostics
 * ------------------------------------------------------------------------ */

static void
diag_vadd(struct profile_diags *diags, enum profile_severity sev, const char *file, int line,
	  int col, const char *fmt, va_list ap)
{
	struct profile_diag *d;

	if (sev == PROFILE_ERROR)
		diags->n_errors++;
	if (diags->n >= PROFILE_MAX_DIAGS)
		return;
	diags->v = xreallocarray(diags->v, diags->n + 1, sizeof *diags->v);
	d = &diags->v[diags->n++];
	d->severity = sev;
	d->file = xstrdup(file);
	d->line = line;
	d->col = col;
	d->msg = xvasprintf(fmt, ap);
}

void
profile_ld_error(struct pk_loader *ld, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(ld->diags, PROFILE_ERROR, ld->file, mark ? (int)mark->line + 1 : 0,
		  mark ? (int)mark->column + 1 : 0, fmt, ap);
	va_end(ap);
}

void
profile_ld_warn(struct pk_loader *ld, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(ld->diags, PROFILE_WARNING, ld->file, mark ? (int)mark->line + 1 : 0,
		  mark ? (int)mark->column + 1 : 0, fmt, ap);
	va_end(ap);
}

void
profile_diag_format(const struct profile_diag *d, struct strbuf *out)
{
	const char *sev = d->severity == PROFILE_ERROR ? "error" : "warning";

	if (d->line > 0)
		strbuf_addf(out, "%s:%d:%d: %s: %s", d->file, d->line, d->col, sev, d->msg);
	else
		strbuf_addf(out, "%s: %s: %s", d->file, sev, d->msg);
}

void
profile_diags_free(struct profile_diags *diags)
{
	size_t i;

	for (i = 0; i < diags->n; i++) {
		free(diags->v[i].file);
		free(diags->v[i].msg);
	}
	free(diags->v);
	diags->v = NULL;
	diags->n = 0;
	diags->n_errors = 0;
}

/* ------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------ */

/* Also names a profile in a merge (profile_merge.c). */
char *
profile_file_stem(const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base != NULL ? base + 1 : file;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
		n -= 5;
	else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
		n -= 4;
	return xstrndup(base, n);
}

/*
 * Refuse a document nested deeper than PROFILE_MAX_DEPTH before libyaml
 * builds its tree. libyaml has no limit of its own, and its scanner pays
 * for every open flow collection at every token (64,000 '[' took 12 s,
 * 100 KB of them over a minute). Its events come a bounded distance behind
 * the scanner, so counting them stops it a little over a thousand bytes
 * past the level that is too deep. A malformed document stops this pass
 * quietly: yaml_parser_load() reports it in the same place just after.
 */
static bool
depth_ok(struct pk_loader *ld, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	bool ok = true, done = false;
	int depth = 0;

	if (!yaml_parser_initialize(&parser))
		xalloc_fail("out of memory (libyaml)");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && yaml_parser_parse(&parser, &ev)) {
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > PROFILE_MAX_DEPTH) {
				profile_ld_error(
					ld, &ev.start_mark,
					"nesting deeper than %d levels (a profile needs a few)",
					PROFILE_MAX_DEPTH);
				ok = false;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return ok;
}

static struct profile *
load_document(struct pk_loader *ld, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_node_t *root;
	struct profile *p;
	yaml_document_t extra;

	if (!depth_ok(ld, text, len))
		return NULL;
	if (!yaml_parser_initialize(&parser))
		xalloc_fail("out of memory (libyaml)");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &ld->doc)) {
		yaml_mark_t m = parser.problem_mark;

		if (parser.context != NULL)
			profile_ld_error(ld, &m, "malformed YAML: %s %s", parser.problem,
					 parser.context);
		else
			profile_ld_error(ld, &m, "malformed YAML: %s",
					 parser.problem ? parser.problem : "cannot parse");
		yaml_parser_delete(&parser);
		return NULL;
	}
	root = yaml_document_get_root_node(&ld->doc);
	if (root == NULL) {
		profile_ld_error(
			ld, NULL,
			"the profile is empty (expected a mapping with a \"databases\" key)");
		yaml_document_delete(&ld->doc);
		yaml_parser_delete(&parser);
		return NULL;
	}
	/* one document per profile */
	if (yaml_parser_load(&parser, &extra)) {
		yaml_node_t *r2 = yaml_document_get_root_node(&extra);

		if (r2 != NULL)
			profile_ld_error(ld, &r2->start_mark,
					 "a second YAML document: a profile holds exactly one");
		yaml_document_delete(&extra);
	} else {
		profile_ld_error(ld, &parser.problem_mark, "malformed YAML: %s",
				 parser.problem ? parser.problem : "cannot parse");
	}
	yaml_parser_delete(&parser);

	p = xcalloc(1, sizeof *p);
	p->refresh_ms = PROFILE_DEFAULT_REFRESH_MS;
	profile_load_mapping(ld, &profile_root_group, "", root, p);
	yaml_document_delete(&ld->doc);
	return p;
}

/* Parse text as a profile; file names it, dir resolves its paths. */
static struct profile *
load_text(const char *text, size_t len, const char *file, const char *dir, mode_t mode,
	  struct profile_diags *diags)
{
	size_t errors_before = diags->n_errors;
	struct pk_loader ld;
	struct profile *p;

	memset(&ld, 0, sizeof ld);
	ld.file = file;
	ld.dir = dir;
	ld.mode = mode;
	ld.diags = diags;
	if (memchr(text, '\0', len) != NULL) {
		profile_ld_error(&ld, NULL, "the file contains a NUL byte; a profile is YAML text");
		return NULL;
	}
	p = load_document(&ld, text, len);
	if (p == NULL)
		return NULL;
	if (diags->n_errors > errors_before) {
		profile_free(&p);
		return NULL;
	}
	p->path = xstrdup(file);
	p->dir = xstrdup(dir != NULL ? dir : ".");
	if (p->name == NULL)
		p->name = profile_file_stem(file);
	return p;
}

struct profile *
profile_load_string(const char *text, size_t len, const char *file, const char *dir,
		    struct profile_diags *diags)
{
	return load_text(text, len, file, dir, 0, diags);
}

struct profile *
profile_load(const char *path, struct profile_diags *diags)
{
	struct profile *p = NULL;
	struct pk_loader ld;
	struct stat st;
	const char *slash;
	char *text, *dir;
	size_t len;
	FILE *f;

	memset(&ld, 0, sizeof ld);
	ld.file = path;
	ld.diags = diags;
	f = fopen(path, "r");
	if (f == NULL) {
		profile_ld_error(&ld, NULL, "cannot open the profile: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		profile_ld_error(&ld, NULL, "not a regular file");
		fclose(f);
		return NULL;
	}
	if (st.st_size > 16 * 1024 * 1024) {
		profile_ld_error(&ld, NULL,
				 "the file is larger than 16 MiB; a profile is a small YAML file");
		fclose(f);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		profile_ld_error(&ld, NULL, "cannot read the profile: %s", strerror(errno));
	} else {
		text[len] = '\0';
		slash = strrchr(path, '/');
		dir = slash == NULL   ? xstrdup(".")
		      : slash == path ? xstrdup("/")
				      : xstrndup(path, (size_t)(slash - path));
		p = load_text(text, len, path, dir, st.st_mode & 07777, diags);
		free(dir);
	}
	fclose(f);
	free(text);
	return p;
}

void
profile_free(struct profile **pp)
{
	struct profile *p = *pp;

	if (p == NULL)
		return;
	profile_free_group(&profile_root_group, p);
	free(p->path);
	free(p->dir);
	free(p);
	*pp = NULL;
}

const struct profile_database *
profile_database(const struct profile *p, const char *label)
{
	size_t i;

	for (i = 0; i < p->n_databases; i++) {
		if (strcmp(p->databases[i].label, label) == 0)
			return &p->databases[i];
	}
	return NULL;
}

const char *
profile_database_conninfo(const struct profile_database *db)
{
	return db->conninfo != NULL ? db->conninfo : "";
}
