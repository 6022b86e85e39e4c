/*
 * profile: YAML profiles loaded through declarative key tables.
 *
 * libyaml builds the document tree (with line and column marks on every
 * node); this file walks it with one generic routine, load_mapping(), that
 * looks every key up in a key table (struct pk). A table row names the key,
 * its kind, the field it fills (an offset into the object being built), its
 * range, whether it is required, and one line of documentation. Nested
 * mappings, lists of mappings and label-keyed mappings (databases) point at
 * another table through a group (struct pk_group), which also carries the
 * object's size, its defaults and its cross-field checks.
 *
 * Invariants:
 *  - every problem becomes a diagnostic with file, line and column;
 *  - the loader keeps going after an error so that one run reports them all,
 *    but a profile with any error is freed, never returned;
 *  - every string in the model is owned by the model and released through
 *    the same tables by free_group().
 */
#include "config.h"

#include "profile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "conninfo.h"
#include "ident.h"
#include "units.h"
#include "xalloc.h"

#define MAX_DIAGS PROFILE_MAX_DIAGS

/* Levels of nested mappings and sequences a profile may have (it uses about six). */
#define PROFILE_MAX_DEPTH 64

/* ------------------------------------------------------------------------
 * Key tables
 * ------------------------------------------------------------------------ */

enum pk_kind {
	PK_STR,	     /* any string */
	PK_APPNAME,  /* application_name: printable ASCII, at most 63 bytes */
	PK_IDENT,    /* pgdbm identifier rule */
	PK_SCHEMA,   /* identifier that pgdbm may write unquoted (ledger rule) */
	PK_PREFIX,   /* schema-name prefix: lower case identifier characters */
	PK_QNAME,    /* [schema.]table, each part an identifier */
	PK_CONNINFO, /* libpq conninfo or URI */
	PK_DIR,	     /* existing, readable folder, relative to the profile */
	PK_BOOL,
	PK_INT,
	PK_DURATION, /* stored as int64_t milliseconds */
	PK_PERCENT,  /* stored as int permille */
	PK_ENUM,     /* stored as int index into choices */
	PK_GROUP,    /* nested mapping, embedded struct */
	PK_LIST,     /* list of mappings: array pointer + size_t count */
	PK_DICT,     /* mapping label -> mapping: array pointer + size_t count */
};

#define PK_REQUIRED 0x1u

struct loader;
struct pk_group;

/* Where a key of the mapping being read was given, if it was. */
struct pk_mark {
	bool seen;
	yaml_mark_t at;
};

struct pk {
	const char *name;
	enum pk_kind kind;
	size_t off;	  /* field in the object */
	size_t count_off; /* PK_LIST, PK_DICT: the size_t count field */
	int64_t min, max; /* PK_INT, PK_DURATION (ms), PK_PERCENT (permille) */
	const struct pk_group *group;
	const char *const *choices; /* PK_ENUM, NULL-terminated */
	unsigned flags;
	const char *doc;
};

struct pk_group {
	const char *what; /* "pool", "module": used in messages */
	size_t size;
	const struct pk *keys; /* ends with a row whose name is NULL */
	size_t label_off;      /* PK_DICT items: char *label field */
	/* Set defaults; parent is the enclosing object. */
	void (*init)(void *obj, const void *parent);
	/* Cross-field checks once the mapping is read; marks[i] tells where
	 * key i was given, here is the mapping's own mark. */
	void (*finish)(struct loader *ld, void *obj, const char *path, const struct pk_mark *marks,
		       const yaml_mark_t *here);
	/* List items: compare item i with the ones before it. */
	void (*check_item)(struct loader *ld, void *items, size_t i, const char *path,
			   const yaml_mark_t *mark);
};

struct loader {
	const char *file;
	const char *dir;
	mode_t mode; /* file permissions, 0 when loaded from memory */
	yaml_document_t doc;
	struct profile_diags *diags;
};

#define FIELD(obj, off, type) ((type *)(void *)((char *)(obj) + (off)))

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
	if (diags->n >= MAX_DIAGS)
		return;
	diags->v = xreallocarray(diags->v, diags->n + 1, sizeof *diags->v);
	d = &diags->v[diags->n++];
	d->severity = sev;
	d->file = xstrdup(file);
	d->line = line;
	d->col = col;
	d->msg = xvasprintf(fmt, ap);
}

static void ld_error(struct loader *ld, const yaml_mark_t *mark, const char *fmt, ...)
	ATTR_FORMAT(3, 4);
static void ld_warn(struct loader *ld, const yaml_mark_t *mark, const char *fmt, ...)
	ATTR_FORMAT(3, 4);

static void
ld_error(struct loader *ld, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(ld->diags, PROFILE_ERROR, ld->file, mark ? (int)mark->line + 1 : 0,
		  mark ? (int)mark->column + 1 : 0, fmt, ap);
	va_end(ap);
}

static void
ld_warn(struct loader *ld, const yaml_mark_t *mark, const char *fmt, ...)
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
 * Node helpers
 * ------------------------------------------------------------------------ */

static bool
node_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* What a node is, for "found ..." in messages. */
static void
node_describe(const yaml_node_t *n, char *buf, size_t size)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		snprintf(buf, size, "a mapping");
		return;
	case YAML_SEQUENCE_NODE:
		snprintf(buf, size, "a list");
		return;
	case YAML_SCALAR_NODE:
		if (node_is_null(n)) {
			snprintf(buf, size, "nothing (null)");
			return;
		}
		if (n->data.scalar.length > 40)
			snprintf(buf, size, "\"%.37s...\"", (const char *)n->data.scalar.value);
		else
			snprintf(buf, size, "\"%s\"", (const char *)n->data.scalar.value);
		return;
	case YAML_NO_NODE:
		break;
	}
	snprintf(buf, size, "nothing");
}

static const char *
pk_kind_name(const struct pk *k)
{
	switch (k->kind) {
	case PK_STR:
	case PK_APPNAME:
		return "string";
	case PK_IDENT:
	case PK_SCHEMA:
		return "identifier";
	case PK_PREFIX:
		return "prefix";
	case PK_QNAME:
		return "qualified name";
	case PK_CONNINFO:
		return "conninfo";
	case PK_DIR:
		return "path";
	case PK_BOOL:
		return "boolean";
	case PK_INT:
		return "integer";
	case PK_DURATION:
		return "duration";
	case PK_PERCENT:
		return "percentage";
	case PK_ENUM:
		return "choice";
	case PK_GROUP:
		return "mapping";
	case PK_LIST:
		return "list";
	case PK_DICT:
		return "mapping of labels";
	}
	return "?";
}

static char *
join_path(const char *path, const char *key)
{
	if (path == NULL || path[0] == '\0')
		return xstrdup(key);
	return xasprintf("%s.%s", path, key);
}

/* ------------------------------------------------------------------------
 * Scalars
 * ------------------------------------------------------------------------ */

static char *
resolve_dir(const char *base, const char *value)
{
	if (value[0] == '/' || base == NULL || base[0] == '\0' || strcmp(base, ".") == 0)
		return xstrdup(value);
	return xasprintf("%s/%s", base, value);
}

static bool
qname_ok(const char *s, const char **why)
{
	const char *dot = strchr(s, '.');
	char *schema;

	if (dot == NULL) {
		*why = ident_problem(s);
		return *why == NULL;
	}
	schema = xstrndup(s, (size_t)(dot - s));
	*why = ident_problem(schema);
	free(schema);
	if (*why == NULL)
		*why = ident_problem(dot + 1);
	return *why == NULL;
}

static bool
appname_ok(const char *s, const char **why)
{
	const char *p;

	*why = NULL;
	if (strlen(s) > 63)
		*why = "is longer than 63 bytes (PostgreSQL would truncate it)";
	for (p = s; *why == NULL && *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*why = "contains a character other than printable ASCII "
			       "(PostgreSQL would replace it with ?)";
	}
	return *why == NULL;
}

static void
load_scalar(struct loader *ld, const struct pk *k, const char *path, yaml_node_t *n, void *obj)
{
	char found[64];
	const char *v;
	const char *why = NULL;

	node_describe(n, found, sizeof found);
	if (n->type != YAML_SCALAR_NODE || (node_is_null(n) && k->kind != PK_STR)) {
		if (k->kind == PK_ENUM) {
			struct strbuf sb = STRBUF_INIT;
			const char *const *c;

			for (c = k->choices; *c != NULL; c++)
				strbuf_addf(&sb, "%s%s", c == k->choices ? "" : " or ", *c);
			ld_error(ld, &n->start_mark, "%s: expected %s, found %s", path,
				 strbuf_str(&sb), found);
			strbuf_free(&sb);
		} else {
			ld_error(ld, &n->start_mark, "%s: expected a %s, found %s", path,
				 pk_kind_name(k), found);
		}
		return;
	}
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length) {
		ld_error(ld, &n->start_mark, "%s: contains a NUL character", path);
		return;
	}

	switch (k->kind) {
	case PK_STR:
		if (node_is_null(n)) {
			ld_error(ld, &n->start_mark, "%s: expected a string, found %s", path,
				 found);
			return;
		}
		break;
	case PK_APPNAME:
		appname_ok(v, &why);
		break;
	case PK_IDENT:
		why = ident_problem(v);
		break;
	case PK_SCHEMA:
		why = ident_ledger_problem(v);
		break;
	case PK_PREFIX:
		why = ident_prefix_problem(v);
		break;
	case PK_QNAME:
		qname_ok(v, &why);
		break;
	case PK_CONNINFO: {
		bool has_password = false;
		char *err = conninfo_check(v, &has_password);

		if (err != NULL) {
			ld_error(ld, &n->start_mark,
				 "%s: libpq does not accept this connection string: %s", path, err);
			free(err);
			return;
		}
		if (has_password && ld->mode != 0 && (ld->mode & 077) != 0)
			ld_warn(ld, &n->start_mark,
				"%s: carries a password and the file is readable by group or "
				"others (mode %04o); run chmod 600 on it, or move the password to "
				"~/.pgpass or PGPASSWORD",
				path, (unsigned)(ld->mode & 07777));
		break;
	}
	case PK_DIR: {
		char *full = resolve_dir(ld->dir, v);
		struct stat st;

		if (v[0] == '\0')
			why = "is empty (expected a folder)";
		else if (stat(full, &st) != 0)
			ld_error(ld, &n->start_mark, "%s: folder %s does not exist (%s)", path,
				 full, strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			ld_error(ld, &n->start_mark, "%s: %s is not a folder", path, full);
		else if (access(full, R_OK | X_OK) != 0)
			/* listed (read) and its files opened (search), or useless */
			ld_error(ld, &n->start_mark, "%s: folder %s cannot be read (%s)", path,
				 full, strerror(errno));
		else {
			free(*FIELD(obj, k->off, char *));
			*FIELD(obj, k->off, char *) = full;
			return;
		}
		free(full);
		if (why == NULL)
			return;
		break;
	}
	case PK_BOOL:
		if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
			*FIELD(obj, k->off, bool) = true;
		else if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 ||
			 strcmp(v, "FALSE") == 0)
			*FIELD(obj, k->off, bool) = false;
		else
			ld_error(ld, &n->start_mark, "%s: expected true or false, found %s", path,
				 found);
		return;
	case PK_INT: {
		char *end = NULL;
		long long x;

		errno = 0;
		x = strtoll(v, &end, 10);
		if (v[0] == '\0' || *end != '\0' || errno != 0 || v[0] == ' ') {
			ld_error(ld, &n->start_mark, "%s: expected an integer, found %s", path,
				 found);
			return;
		}
		if (x < k->min || x > k->max) {
			ld_error(ld, &n->start_mark,
				 "%s: %lld is out of range (expected %lld to %lld)", path, x,
				 (long long)k->min, (long long)k->max);
			return;
		}
		*FIELD(obj, k->off, int) = (int)x;
		return;
	}
	case PK_DURATION: {
		char lo[32], hi[32];
		int64_t ms = 0;

		why = units_parse_duration(v, &ms);
		if (why != NULL) {
			ld_error(ld, &n->start_mark, "%s: %s, found %s", path, why, found);
			return;
		}
		if (ms < k->min || ms > k->max) {
			ld_error(ld, &n->start_mark, "%s: %s is out of range (expected %s to %s)",
				 path, v, units_format_duration(k->min, lo, sizeof lo),
				 units_format_duration(k->max, hi, sizeof hi));
			return;
		}
		*FIELD(obj, k->off, int64_t) = ms;
		return;
	}
	case PK_PERCENT: {
		int pm = 0;

		why = units_parse_percent(v, &pm);
		if (why != NULL) {
			ld_error(ld, &n->start_mark, "%s: %s, found %s", path, why, found);
			return;
		}
		if (pm < k->min || pm > k->max) {
			ld_error(ld, &n->start_mark,
				 "%s: %s is out of range (expected %lld%% to %lld%%)", path, v,
				 (long long)k->min / 10, (long long)k->max / 10);
			return;
		}
		*FIELD(obj, k->off, int) = pm;
		return;
	}
	case PK_ENUM: {
		const char *const *c;

		for (c = k->choices; *c != NULL; c++) {
			if (strcmp(*c, v) == 0) {
				*FIELD(obj, k->off, int) = (int)(c - k->choices);
				return;
			}
		}
		{
			struct strbuf sb = STRBUF_INIT;

			for (c = k->choices; *c != NULL; c++)
				strbuf_addf(&sb, "%s%s", c == k->choices ? "" : " or ", *c);
			ld_error(ld, &n->start_mark, "%s: expected %s, found %s", path,
				 strbuf_str(&sb), found);
			strbuf_free(&sb);
		}
		return;
	}
	case PK_GROUP:
	case PK_LIST:
	case PK_DICT:
		return;
	}

	if (why != NULL) {
		ld_error(ld, &n->start_mark, "%s: \"%s\" %s", path, v, why);
		return;
	}
	free(*FIELD(obj, k->off, char *));
	*FIELD(obj, k->off, char *) = xstrdup(v);
}

/* ------------------------------------------------------------------------
 * Mappings, lists and labelled mappings
 * ------------------------------------------------------------------------ */

static void load_mapping(struct loader *ld, const struct pk_group *g, const char *path,
			 yaml_node_t *n, void *obj);

static void
expected_keys(const struct pk_group *g, struct strbuf *sb)
{
	const struct pk *k;

	for (k = g->keys; k->name != NULL; k++)
		strbuf_addf(sb, "%s%s", k == g->keys ? "" : ", ", k->name);
}

static void
load_list(struct loader *ld, const struct pk *k, const char *path, yaml_node_t *n, void *obj)
{
	const struct pk_group *g = k->group;
	yaml_node_item_t *it;
	size_t count, i;
	char *items;
	char found[64];

	if (n->type != YAML_SEQUENCE_NODE) {
		node_describe(n, found, sizeof found);
		ld_error(ld, &n->start_mark, "%s: expected a list, found %s", path, found);
		return;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count == 0)
		return;
	items = xcalloc(count, g->size);
	*FIELD(obj, k->off, void *) = items;
	*FIELD(obj, k->count_off, size_t) = count;
	for (i = 0, it = n->data.sequence.items.start; i < count; i++, it++) {
		yaml_node_t *item = yaml_document_get_node(&ld->doc, *it);
		char *ipath = xasprintf("%s[%zu]", path, i);
		void *o = items + i * g->size;

		if (g->init != NULL)
			g->init(o, obj);
		load_mapping(ld, g, ipath, item, o);
		if (g->check_item != NULL && item->type == YAML_MAPPING_NODE)
			g->check_item(ld, items, i, ipath, &item->start_mark);
		free(ipath);
	}
}

static void
load_dict(struct loader *ld, const struct pk *k, const char *path, yaml_node_t *n, void *obj)
{
	const struct pk_group *g = k->group;
	yaml_node_pair_t *pair;
	size_t count, i;
	char *items;
	char found[64];

	if (n->type != YAML_MAPPING_NODE) {
		node_describe(n, found, sizeof found);
		ld_error(ld, &n->start_mark,
			 "%s: expected a mapping of labels to %s settings, found %s", path, g->what,
			 found);
		return;
	}
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (count == 0)
		return;
	items = xcalloc(count, g->size);
	*FIELD(obj, k->off, void *) = items;
	*FIELD(obj, k->count_off, size_t) = count;
	for (i = 0, pair = n->data.mapping.pairs.start; i < count; i++, pair++) {
		yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
		yaml_node_t *val = yaml_document_get_node(&ld->doc, pair->value);
		void *o = items + i * g->size;
		const char *label;
		char *ipath;
		size_t j;

		if (g->init != NULL)
			g->init(o, obj);
		if (key->type != YAML_SCALAR_NODE || node_is_null(key)) {
			node_describe(key, found, sizeof found);
			ld_error(ld, &key->start_mark, "%s: expected a %s label, found %s", path,
				 g->what, found);
			continue;
		}
		label = (const char *)key->data.scalar.value;
		*FIELD(o, g->label_off, char *) = xstrdup(label);
		for (j = 0; label[j] != '\0'; j++) {
			char c = label[j];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '-'))
				break;
		}
		if (label[j] != '\0' || j == 0 || j > 63) {
			ld_error(ld, &key->start_mark,
				 "%s: %s label \"%s\" must be 1 to 63 characters of A-Z, a-z, "
				 "0-9, _ and -",
				 path, g->what, label);
			continue;
		}
		for (j = 0; j < i; j++) {
			const char *other = *FIELD(items + j * g->size, g->label_off, char *);

			if (other != NULL && strcmp(other, label) == 0) {
				ld_error(ld, &key->start_mark, "%s: duplicate %s label \"%s\"",
					 path, g->what, label);
				break;
			}
		}
		ipath = join_path(path, label);
		load_mapping(ld, g, ipath, val, o);
		free(ipath);
	}
}

static void
load_mapping(struct loader *ld, const struct pk_group *g, const char *path, yaml_node_t *n,
	     void *obj)
{
	struct pk_mark *marks;
	yaml_node_pair_t *pair;
	const struct pk *k;
	size_t nkeys = 0, i;
	char found[64];

	if (n->type != YAML_MAPPING_NODE) {
		node_describe(n, found, sizeof found);
		ld_error(ld, &n->start_mark, "%s: expected a mapping of %s settings, found %s",
			 path[0] ? path : "profile", g->what, found);
		return;
	}
	for (k = g->keys; k->name != NULL; k++)
		nkeys++;
	marks = xcalloc(nkeys + 1, sizeof *marks);

	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
		yaml_node_t *val = yaml_document_get_node(&ld->doc, pair->value);
		const char *name;
		char *kpath;

		if (key->type != YAML_SCALAR_NODE) {
			node_describe(key, found, sizeof found);
			ld_error(ld, &key->start_mark, "%s: expected a key name, found %s",
				 path[0] ? path : "profile", found);
			continue;
		}
		name = (const char *)key->data.scalar.value;
		for (i = 0, k = g->keys; k->name != NULL; k++, i++) {
			if (strcmp(k->name, name) == 0)
				break;
		}
		if (k->name == NULL) {
			struct strbuf sb = STRBUF_INIT;

			expected_keys(g, &sb);
			ld_error(ld, &key->start_mark,
				 "%s: unknown key \"%s\" (expected one of: %s)",
				 path[0] ? path : "profile", name, strbuf_str(&sb));
			strbuf_free(&sb);
			continue;
		}
		if (marks[i].seen) {
			ld_error(ld, &key->start_mark,
				 "%s: duplicate key \"%s\" (first given at line %d)",
				 path[0] ? path : "profile", name, (int)marks[i].at.line + 1);
			continue;
		}
		marks[i].seen = true;
		marks[i].at = key->start_mark;
		kpath = join_path(path, name);
		switch (k->kind) {
		case PK_GROUP:
			load_mapping(ld, k->group, kpath, val, FIELD(obj, k->off, void));
			break;
		case PK_LIST:
			load_list(ld, k, kpath, val, obj);
			break;
		case PK_DICT:
			load_dict(ld, k, kpath, val, obj);
			break;
		default:
			load_scalar(ld, k, kpath, val, obj);
			break;
		}
		free(kpath);
	}

	for (i = 0, k = g->keys; k->name != NULL; k++, i++) {
		if ((k->flags & PK_REQUIRED) && !marks[i].seen)
			ld_error(ld, &n->start_mark, "%s: missing required key \"%s\"",
				 path[0] ? path : "profile", k->name);
	}
	if (g->finish != NULL)
		g->finish(ld, obj, path, marks, &n->start_mark);
	free(marks);
}

/* ------------------------------------------------------------------------
 * Freeing through the tables
 * ------------------------------------------------------------------------ */

static void
free_group(const struct pk_group *g, void *obj)
{
	const struct pk *k;

	if (g->label_off != (size_t)-1)
		free(*FIELD(obj, g->label_off, char *));
	for (k = g->keys; k->name != NULL; k++) {
		switch (k->kind) {
		case PK_STR:
		case PK_APPNAME:
		case PK_IDENT:
		case PK_SCHEMA:
		case PK_PREFIX:
		case PK_QNAME:
		case PK_CONNINFO:
		case PK_DIR:
			free(*FIELD(obj, k->off, char *));
			*FIELD(obj, k->off, char *) = NULL;
			break;
		case PK_GROUP:
			free_group(k->group, FIELD(obj, k->off, void));
			break;
		case PK_LIST:
		case PK_DICT: {
			char *items = *FIELD(obj, k->off, char *);
			size_t n = *FIELD(obj, k->count_off, size_t), i;

			for (i = 0; i < n; i++)
				free_group(k->group, items + i * k->group->size);
			free(items);
			*FIELD(obj, k->off, char *) = NULL;
			*FIELD(obj, k->count_off, size_t) = 0;
			break;
		}
		case PK_BOOL:
		case PK_INT:
		case PK_DURATION:
		case PK_PERCENT:
		case PK_ENUM:
			break;
		}
	}
}

/* ------------------------------------------------------------------------
 * The tables themselves, innermost first
 * ------------------------------------------------------------------------ */

#define MS_S	 1000
#define MS_M	 (60 * MS_S)
#define MS_H	 (60 * MS_M)
#define MS_D	 (24 * MS_H)
#define NO_COUNT 0
#define END_KEYS                                              \
	{                                                     \
		NULL, PK_STR, 0, 0, 0, 0, NULL, NULL, 0, NULL \
	}

static const struct pk pool_keys[] = {
	{ "min", PK_INT, offsetof(struct profile_pool, min), NO_COUNT, 0, 1000, NULL, NULL, 0,
	  "connections opened at start and kept open" },
	{ "max", PK_INT, offsetof(struct profile_pool, max), NO_COUNT, 1, 1000, NULL, NULL, 0,
	  "most connections the console opens to this database" },
	{ "acquire_timeout", PK_DURATION, offsetof(struct profile_pool, acquire_timeout_ms),
	  NO_COUNT, 1, MS_H, NULL, NULL, 0, "how long a request waits for a free connection" },
	{ "max_lifetime", PK_DURATION, offsetof(struct profile_pool, max_lifetime_ms), NO_COUNT, 0,
	  7 * (int64_t)MS_D, NULL, NULL, 0, "close connections older than this (0: never)" },
	{ "max_idle", PK_DURATION, offsetof(struct profile_pool, max_idle_ms), NO_COUNT, 0,
	  7 * (int64_t)MS_D, NULL, NULL, 0,
	  "close connections above min idle for longer than this (0: never)" },
	{ "health_check", PK_DURATION, offsetof(struct profile_pool, health_check_ms), NO_COUNT, 0,
	  MS_H, NULL, NULL, 0, "check idle connections this often (0: never)" },
	END_KEYS,
};

static void
pool_finish(struct loader *ld, void *obj, const char *path, const struct pk_mark *marks,
	    const yaml_mark_t *here)
{
	struct profile_pool *pool = obj;

	if (pool->min > pool->max)
		ld_error(ld, marks[0].seen ? &marks[0].at : here,
			 "%s: min (%d) is greater than max (%d)", path, pool->min, pool->max);
}

static const struct pk_group pool_group = {
	"pool", sizeof(struct profile_pool), pool_keys, (size_t)-1, NULL, pool_finish, NULL,
};

static const struct pk module_keys[] = {
	{ "name", PK_IDENT, offsetof(struct profile_module, name), NO_COUNT, 0, 0, NULL, NULL,
	  PK_REQUIRED, "pgdbm module name (module_name in the ledger and the lock key)" },
	{ "schema", PK_SCHEMA, offsetof(struct profile_module, schema), NO_COUNT, 0, 0, NULL, NULL,
	  0, "schema the module's manager is bound to (default: the name)" },
	{ "migrations", PK_DIR, offsetof(struct profile_module, migrations), NO_COUNT, 0, 0, NULL,
	  NULL, PK_REQUIRED, "folder of the module's *.sql migration files" },
	{ "table", PK_SCHEMA, offsetof(struct profile_module, table), NO_COUNT, 0, 0, NULL, NULL, 0,
	  "ledger table name (default schema_migrations)" },
	END_KEYS,
};

static void
module_finish(struct loader *ld, void *obj, const char *path, const struct pk_mark *marks,
	      const yaml_mark_t *here)
{
	struct profile_module *m = obj;
	const char *why;

	(void)here;
	if (m->schema == NULL && m->name != NULL) {
		why = ident_ledger_problem(m->name);
		if (why != NULL)
			ld_error(ld, &marks[0].at,
				 "%s.name: \"%s\" cannot double as the schema: it %s; give a "
				 "schema key",
				 path, m->name, why);
		else
			m->schema = xstrdup(m->name);
	}
	if (m->table == NULL)
		m->table = xstrdup("schema_migrations");
}

static void
module_check_item(struct loader *ld, void *items, size_t i, const char *path,
		  const yaml_mark_t *mark)
{
	struct profile_module *v = items;
	size_t j;

	for (j = 0; j < i; j++) {
		if (v[i].name != NULL && v[j].name != NULL && strcmp(v[i].name, v[j].name) == 0)
			ld_error(ld, mark, "%s: module name \"%s\" is already used by item %zu",
				 path, v[i].name, j);
		else if (v[i].schema != NULL && v[j].schema != NULL &&
			 strcmp(v[i].schema, v[j].schema) == 0)
			ld_error(ld, mark,
				 "%s: schema \"%s\" is already used by module \"%s\" (one ledger "
				 "per schema)",
				 path, v[i].schema, v[j].name ? v[j].name : "?");
	}
}

static const struct pk_group module_group = {
	"module",
	sizeof(struct profile_module),
	module_keys,
	(size_t)-1,
	NULL,
	module_finish,
	module_check_item,
};

static const char *const on_failure_choices[] = { "stop", "continue", NULL };

static const struct pk tenants_keys[] = {
	{ "prefix", PK_PREFIX, offsetof(struct profile_tenants, prefix), NO_COUNT, 0, 0, NULL, NULL,
	  0, "schema name prefix; tenant ID lives in schema PREFIX + ID (default tenant_)" },
	{ "migrations", PK_DIR, offsetof(struct profile_tenants, migrations), NO_COUNT, 0, 0, NULL,
	  NULL, PK_REQUIRED, "folder of the tenant *.sql migration files" },
	{ "table", PK_SCHEMA, offsetof(struct profile_tenants, table), NO_COUNT, 0, 0, NULL, NULL,
	  0, "ledger table name in each tenant schema (default schema_migrations)" },
	{ "concurrency", PK_INT, offsetof(struct profile_tenants, concurrency), NO_COUNT, 1, 256,
	  NULL, NULL, 0, "tenants migrated at once during a fan-out (bounded by pool.max)" },
	{ "canaries", PK_INT, offsetof(struct profile_tenants, canaries), NO_COUNT, 0, 1000, NULL,
	  NULL, 0, "tenants migrated first, one by one; a failure stops the fan-out" },
	{ "on_failure", PK_ENUM, offsetof(struct profile_tenants, on_failure), NO_COUNT, 0, 0, NULL,
	  on_failure_choices, 0, "fan-out policy after a failure: stop or continue" },
	{ "registry", PK_QNAME, offsetof(struct profile_tenants, registry), NO_COUNT, 0, 0, NULL,
	  NULL, 0, "optional [schema.]table that records provisioned tenants" },
	{ "archive_prefix", PK_PREFIX, offsetof(struct profile_tenants, archive_prefix), NO_COUNT,
	  0, 0, NULL, NULL, 0, "schema prefix of archived tenants (default archived_)" },
	END_KEYS,
};

static void
tenants_init(struct profile_tenants *t)
{
	t->concurrency = 4;
	t->canaries = 1;
	t->on_failure = PROFILE_ON_FAILURE_STOP;
}

static void
tenants_finish(struct loader *ld, void *obj, const char *path, const struct pk_mark *marks,
	       const yaml_mark_t *here)
{
	struct profile_tenants *t = obj;
	const yaml_mark_t *at;

	(void)here;
	t->present = true;
	if (t->prefix == NULL)
		t->prefix = xstrdup("tenant_");
	if (t->archive_prefix == NULL)
		t->archive_prefix = xstrdup("archived_");
	if (t->table == NULL)
		t->table = xstrdup("schema_migrations");
	if (ident_prefixes_overlap(t->prefix, t->archive_prefix)) {
		at = marks[7].seen ? &marks[7].at : marks[0].seen ? &marks[0].at : here;
		ld_error(ld, at,
			 "%s: archive_prefix \"%s\" and prefix \"%s\" overlap, so archived and "
			 "live tenants could not be told apart",
			 path, t->archive_prefix, t->prefix);
	}
}

static const struct pk_group tenants_group = {
	"tenants", sizeof(struct profile_tenants), tenants_keys, (size_t)-1, NULL, tenants_finish,
	NULL,
};

static const struct pk app_keys[] = {
	{ "application_name", PK_APPNAME, offsetof(struct profile_app, application_name), NO_COUNT,
	  0, 0, NULL, NULL, PK_REQUIRED,
	  "application_name the service's pool connects with (pgdbm: <schema>_pool)" },
	{ "pool_max", PK_INT, offsetof(struct profile_app, pool_max), NO_COUNT, 1, 100000, NULL,
	  NULL, PK_REQUIRED, "the max_connections of that service's pool" },
	END_KEYS,
};

static void
app_check_item(struct loader *ld, void *items, size_t i, const char *path, const yaml_mark_t *mark)
{
	struct profile_app *v = items;
	size_t j;

	for (j = 0; j < i; j++) {
		if (v[i].application_name != NULL && v[j].application_name != NULL &&
		    strcmp(v[i].application_name, v[j].application_name) == 0)
			ld_error(ld, mark,
				 "%s: application_name \"%s\" is already listed (item %zu)", path,
				 v[i].application_name, j);
	}
}

static const struct pk_group app_group = {
	"app", sizeof(struct profile_app), app_keys, (size_t)-1, NULL, NULL, app_check_item,
};

static const struct pk alerts_keys[] = {
	{ "idle_in_transaction", PK_DURATION,
	  offsetof(struct profile_alerts, idle_in_transaction_ms), NO_COUNT, MS_S, MS_D, NULL, NULL,
	  0, "alert on a session idle in transaction for longer than this" },
	{ "waiting", PK_DURATION, offsetof(struct profile_alerts, waiting_ms), NO_COUNT, 0, MS_H,
	  NULL, NULL, 0, "alert on a session waiting for a lock for longer than this" },
	END_KEYS,
};

static const struct pk_group alerts_group = {
	"alerts", sizeof(struct profile_alerts), alerts_keys, (size_t)-1, NULL, NULL, NULL,
};

/* Indexes into database_keys used by database_finish for marks. */
enum {
	DBK_CONNINFO,
	DBK_SERVICE,
	DBK_APPNAME,
	DBK_READ_ONLY,
	DBK_POOL,
	DBK_WARN_AT,
	DBK_CONNECT_TIMEOUT,
	DBK_STATEMENT_TIMEOUT,
	DBK_LOCK_TIMEOUT,
	DBK_IDLE_TIMEOUT,
	DBK_ALERTS,
	DBK_MODULES,
	DBK_TENANTS,
	DBK_APPS,
	DBK_PGBOUNCER,
};

static const struct pk database_keys[] = {
	[DBK_CONNINFO] = { "conninfo", PK_CONNINFO, offsetof(struct profile_database, conninfo),
			   NO_COUNT, 0, 0, NULL, NULL, 0,
			   "libpq connection string or URI (default: libpq's PG* environment)" },
	[DBK_SERVICE] = { "service", PK_STR, offsetof(struct profile_database, service), NO_COUNT,
			  0, 0, NULL, NULL, 0,
			  "pg_service.conf service name, instead of conninfo" },
	[DBK_APPNAME] = { "application_name", PK_APPNAME,
			  offsetof(struct profile_database, application_name), NO_COUNT, 0, 0, NULL,
			  NULL, 0, "application_name of the console's own sessions" },
	[DBK_READ_ONLY] = { "read_only", PK_BOOL, offsetof(struct profile_database, read_only),
			    NO_COUNT, 0, 0, NULL, NULL, 0,
			    "no write action for this database (also when the profile says so)" },
	[DBK_POOL] = { "pool", PK_GROUP, offsetof(struct profile_database, pool), NO_COUNT, 0, 0,
		       &pool_group, NULL, 0, "the console's shared pool for this database" },
	[DBK_WARN_AT] = { "warn_at", PK_PERCENT, offsetof(struct profile_database, warn_at),
			  NO_COUNT, 10, 1000, NULL, NULL, 0,
			  "alert when connections reach this share of max_connections" },
	[DBK_CONNECT_TIMEOUT] = { "connect_timeout", PK_DURATION,
				  offsetof(struct profile_database, connect_timeout_ms), NO_COUNT,
				  100, 10 * MS_M, NULL, NULL, 0,
				  "give up a connection attempt after this" },
	[DBK_STATEMENT_TIMEOUT] = { "statement_timeout", PK_DURATION,
				    offsetof(struct profile_database, statement_timeout_ms),
				    NO_COUNT, 0, MS_D, NULL, NULL, 0,
				    "statement_timeout of the console's sessions (0: none)" },
	[DBK_LOCK_TIMEOUT] = { "lock_timeout", PK_DURATION,
			       offsetof(struct profile_database, lock_timeout_ms), NO_COUNT, 0,
			       MS_D, NULL, NULL, 0,
			       "lock_timeout of the console's sessions (0: none)" },
	[DBK_IDLE_TIMEOUT] = { "idle_in_transaction_timeout", PK_DURATION,
			       offsetof(struct profile_database, idle_in_transaction_timeout_ms),
			       NO_COUNT, 0, MS_D, NULL, NULL, 0,
			       "idle_in_transaction_session_timeout of the console's sessions" },
	[DBK_ALERTS] = { "alerts", PK_GROUP, offsetof(struct profile_database, alerts), NO_COUNT, 0,
			 0, &alerts_group, NULL, 0, "alert thresholds" },
	[DBK_MODULES] = { "modules", PK_LIST, offsetof(struct profile_database, modules),
			  offsetof(struct profile_database, n_modules), 0, 0, &module_group, NULL,
			  0, "service schemas and their migration folders" },
	[DBK_TENANTS] = { "tenants", PK_GROUP, offsetof(struct profile_database, tenants), NO_COUNT,
			  0, 0, &tenants_group, NULL, 0, "schema-per-tenant settings" },
	[DBK_APPS] = { "apps", PK_LIST, offsetof(struct profile_database, apps),
		       offsetof(struct profile_database, n_apps), 0, 0, &app_group, NULL, 0,
		       "application pools expected on this database" },
	[DBK_PGBOUNCER] = { "pgbouncer", PK_CONNINFO, offsetof(struct profile_database, pgbouncer),
			    NO_COUNT, 0, 0, NULL, NULL, 0,
			    "PgBouncer admin console connection string" },
	END_KEYS,
};

static void
database_init(void *obj, const void *parent)
{
	struct profile_database *db = obj;

	(void)parent;
	db->pool.min = 1;
	db->pool.max = 4;
	db->pool.acquire_timeout_ms = 5 * MS_S;
	db->pool.max_lifetime_ms = MS_H;
	db->pool.max_idle_ms = 10 * MS_M;
	db->pool.health_check_ms = 30 * MS_S;
	db->warn_at = 800;
	db->connect_timeout_ms = 5 * MS_S;
	db->statement_timeout_ms = 60 * MS_S;
	db->lock_timeout_ms = 5 * MS_S;
	db->idle_in_transaction_timeout_ms = 60 * MS_S;
	db->alerts.idle_in_transaction_ms = 30 * MS_S;
	db->alerts.waiting_ms = 5 * MS_S;
	tenants_init(&db->tenants);
}

static void
database_finish(struct loader *ld, void *obj, const char *path, const struct pk_mark *marks,
		const yaml_mark_t *here)
{
	struct profile_database *db = obj;
	bool pw = false;
	char *err;
	size_t i;

	(void)here;
	if (db->conninfo != NULL && db->service != NULL)
		ld_error(ld, &marks[DBK_SERVICE].at,
			 "%s: give either conninfo or service, not both", path);
	if (db->service != NULL) {
		char *ci = xasprintf("service=%s", db->service);

		/* only the syntax can be checked without connecting */
		err = conninfo_check(ci, &pw);
		if (err != NULL) {
			ld_error(ld, &marks[DBK_SERVICE].at, "%s.service: %s", path, err);
			free(err);
		}
		/* from here on the connection is the service */
		free(db->conninfo);
		db->conninfo = ci;
	} else if (db->conninfo != NULL) {
		err = conninfo_check(db->conninfo, &pw);
		free(err);
		db->has_password = pw;
	}
	if (db->application_name == NULL)
		db->application_name = xstrdup(PROFILE_DEFAULT_APPNAME);
	if (db->tenants.present) {
		for (i = 0; i < db->n_modules; i++) {
			const char *s = db->modules[i].schema;

			if (s != NULL &&
			    strncmp(s, db->tenants.prefix, strlen(db->tenants.prefix)) == 0)
				ld_error(
					ld, &marks[DBK_MODULES].at,
					"%s.modules[%zu]: schema \"%s\" starts with the tenant prefix "
					"\"%s\" and would be taken for a tenant",
					path, i, s, db->tenants.prefix);
		}
	}
}

static const struct pk_group database_group = {
	"database",    sizeof(struct profile_database),
	database_keys, offsetof(struct profile_database, label),
	database_init, database_finish,
	NULL,
};

enum {
	PK_TOP_NAME,
	PK_TOP_REFRESH,
	PK_TOP_READ_ONLY,
	PK_TOP_DATABASES
};

static const struct pk profile_keys[] = {
	[PK_TOP_NAME] = { "name", PK_STR, offsetof(struct profile, name), NO_COUNT, 0, 0, NULL,
			  NULL, 0, "display name (default: the file name without .yaml)" },
	[PK_TOP_REFRESH] = { "refresh", PK_DURATION, offsetof(struct profile, refresh_ms), NO_COUNT,
			     100, MS_H, NULL, NULL, 0, "how often the views refresh" },
	[PK_TOP_READ_ONLY] = { "read_only", PK_BOOL, offsetof(struct profile, read_only), NO_COUNT,
			       0, 0, NULL, NULL, 0,
			       "no write action anywhere; sessions are read-only server-side" },
	[PK_TOP_DATABASES] = { "databases", PK_DICT, offsetof(struct profile, databases),
			       offsetof(struct profile, n_databases), 0, 0, &database_group, NULL,
			       PK_REQUIRED, "database label -> database settings" },
	END_KEYS,
};

static void
profile_finish(struct loader *ld, void *obj, const char *path, const struct pk_mark *marks,
	       const yaml_mark_t *here)
{
	struct profile *p = obj;
	size_t i;

	(void)path;
	if (marks[PK_TOP_DATABASES].seen && p->n_databases == 0)
		ld_error(ld, &marks[PK_TOP_DATABASES].at,
			 "databases: expected at least one database");
	(void)here;
	for (i = 0; i < p->n_databases; i++) {
		struct profile_database *db = &p->databases[i];

		db->read_only = db->read_only || p->read_only;
	}
}

static const struct pk_group profile_group = {
	"profile", sizeof(struct profile), profile_keys, (size_t)-1, NULL, profile_finish, NULL,
};

/* ------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------ */

static char *
default_name(const char *file)
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
depth_ok(struct loader *ld, const char *text, size_t len)
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
				ld_error(ld, &ev.start_mark,
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
load_document(struct loader *ld, const char *text, size_t len)
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
			ld_error(ld, &m, "malformed YAML: %s %s", parser.problem, parser.context);
		else
			ld_error(ld, &m, "malformed YAML: %s",
				 parser.problem ? parser.problem : "cannot parse");
		yaml_parser_delete(&parser);
		return NULL;
	}
	root = yaml_document_get_root_node(&ld->doc);
	if (root == NULL) {
		ld_error(ld, NULL,
			 "the profile is empty (expected a mapping with a \"databases\" key)");
		yaml_document_delete(&ld->doc);
		yaml_parser_delete(&parser);
		return NULL;
	}
	/* one document per profile */
	if (yaml_parser_load(&parser, &extra)) {
		yaml_node_t *r2 = yaml_document_get_root_node(&extra);

		if (r2 != NULL)
			ld_error(ld, &r2->start_mark,
				 "a second YAML document: a profile holds exactly one");
		yaml_document_delete(&extra);
	} else {
		ld_error(ld, &parser.problem_mark, "malformed YAML: %s",
			 parser.problem ? parser.problem : "cannot parse");
	}
	yaml_parser_delete(&parser);

	p = xcalloc(1, sizeof *p);
	p->refresh_ms = MS_S;
	load_mapping(ld, &profile_group, "", root, p);
	yaml_document_delete(&ld->doc);
	return p;
}

/* Parse text as a profile; file names it, dir resolves its paths. */
static struct profile *
load_text(const char *text, size_t len, const char *file, const char *dir, mode_t mode,
	  struct profile_diags *diags)
{
	size_t errors_before = diags->n_errors;
	struct loader ld;
	struct profile *p;

	memset(&ld, 0, sizeof ld);
	ld.file = file;
	ld.dir = dir;
	ld.mode = mode;
	ld.diags = diags;
	if (memchr(text, '\0', len) != NULL) {
		ld_error(&ld, NULL, "the file contains a NUL byte; a profile is YAML text");
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
		p->name = default_name(file);
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
	struct loader ld;
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
		ld_error(&ld, NULL, "cannot open the profile: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		ld_error(&ld, NULL, "not a regular file");
		fclose(f);
		return NULL;
	}
	if (st.st_size > 16 * 1024 * 1024) {
		ld_error(&ld, NULL,
			 "the file is larger than 16 MiB; a profile is a small YAML file");
		fclose(f);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		ld_error(&ld, NULL, "cannot read the profile: %s", strerror(errno));
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
	free_group(&profile_group, p);
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

/* ------------------------------------------------------------------------
 * Several profiles as one
 * ------------------------------------------------------------------------ */

/* The file name of a path without its folder and its .yaml or .yml. */
static char *
path_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
		n -= 5;
	else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
		n -= 4;
	return xasprintf("%.*s", (int)n, base);
}

/* How profile i is named in "<profile>/<label>": unique among the n. */
static char **
merge_prefixes(struct profile *const *v, size_t n)
{
	char **pre = xcalloc(n + 1, sizeof *pre);
	size_t i, j;

	for (i = 0; i < n; i++)
		pre[i] = xstrdup(v[i]->name != NULL && v[i]->name[0] != '\0' ? v[i]->name : "");
	for (i = 0; i < n; i++) {
		bool clash = pre[i][0] == '\0';

		for (j = 0; j < n && !clash; j++)
			clash = j != i && v[j]->name != NULL && strcmp(pre[i], v[j]->name) == 0;
		if (clash) {
			free(pre[i]);
			pre[i] = path_stem(v[i]->path != NULL ? v[i]->path : "profile");
		}
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(pre[i], pre[j]) == 0) {
				free(pre[i]);
				pre[i] = xasprintf("profile%zu", i + 1);
				break;
			}
		}
	}
	return pre;
}

struct profile *
profile_merge(struct profile **v, size_t n, char **error)
{
	struct profile *m;
	struct strbuf names = STRBUF_INIT, paths = STRBUF_INIT;
	char **pre;
	bool *clash;
	size_t i, j, k, total = 0, at = 0;

	*error = NULL;
	if (n == 1) {
		m = v[0];
		v[0] = NULL;
		return m;
	}
	pre = merge_prefixes(v, n);
	m = xcalloc(1, sizeof *m);
	m->refresh_ms = v[0]->refresh_ms;
	m->read_only = true;
	m->dir = xstrdup(v[0]->dir);
	for (i = 0; i < n; i++)
		total += v[i]->n_databases;
	m->databases = xcalloc(total + 1, sizeof *m->databases);
	clash = xcalloc(total + 1, sizeof *clash);
	/* which labels another profile uses too (before any is renamed) */
	for (i = 0; i < n; i++) {
		for (j = 0; j < v[i]->n_databases; j++, at++) {
			size_t i2, j2;

			for (i2 = 0; i2 < n && !clash[at]; i2++) {
				for (j2 = 0; i2 != i && j2 < v[i2]->n_databases; j2++) {
					if (strcmp(v[i2]->databases[j2].label,
						   v[i]->databases[j].label) == 0) {
						clash[at] = true;
						break;
					}
				}
			}
		}
	}
	at = 0;
	for (i = 0; i < n; i++) {
		strbuf_addf(&names, "%s%s", i > 0 ? " + " : "", pre[i]);
		strbuf_addf(&paths, "%s%s", i > 0 ? ", " : "",
			    v[i]->path != NULL ? v[i]->path : "");
		m->read_only = m->read_only && v[i]->read_only;
		for (j = 0; j < v[i]->n_databases; j++, at++) {
			struct profile_database *d = &m->databases[at];

			*d = v[i]->databases[j];
			if (clash[at]) {
				char *l = xasprintf("%s/%s", pre[i], d->label);

				free(d->label);
				d->label = l;
			}
		}
	}
	free(clash);
	m->n_databases = total;
	m->name = strbuf_detach(&names);
	m->path = strbuf_detach(&paths);
	/* the databases belong to the merged profile now: free the arrays (their
	 * items were moved) and empty the fields through FIELD, the way
	 * free_group() reads them, so that the compiler cannot take the typed
	 * stores for dead ones (strict aliasing) */
	for (i = 0; i < n; i++) {
		free(v[i]->databases);
		*FIELD(v[i], offsetof(struct profile, databases), char *) = NULL;
		*FIELD(v[i], offsetof(struct profile, n_databases), size_t) = 0;
		profile_free(&v[i]);
	}
	for (i = 0; i < n; i++)
		free(pre[i]);
	free(pre);
	for (i = 0; i < total; i++) {
		for (k = 0; k < i; k++) {
			if (strcmp(m->databases[i].label, m->databases[k].label) == 0) {
				*error = xasprintf("the profiles %s name the database \"%s\" twice "
						   "(give each profile a distinct name)",
						   m->path, m->databases[i].label);
				profile_free(&m);
				return NULL;
			}
		}
	}
	return m;
}

/* ------------------------------------------------------------------------
 * Key listing (documentation check)
 * ------------------------------------------------------------------------ */

static void
keys_walk(const struct pk_group *g, const char *prefix,
	  void (*cb)(void *arg, const char *path, const char *kind, const char *doc), void *arg)
{
	const struct pk *k;

	for (k = g->keys; k->name != NULL; k++) {
		char *path = join_path(prefix, k->name);

		cb(arg, path, pk_kind_name(k), k->doc);
		if (k->kind == PK_GROUP) {
			keys_walk(k->group, path, cb, arg);
		} else if (k->kind == PK_LIST) {
			char *sub = xasprintf("%s[]", path);

			keys_walk(k->group, sub, cb, arg);
			free(sub);
		} else if (k->kind == PK_DICT) {
			char *sub = xasprintf("%s.<label>", path);

			keys_walk(k->group, sub, cb, arg);
			free(sub);
		}
		free(path);
	}
}

void
profile_keys_foreach(void (*cb)(void *arg, const char *path, const char *kind, const char *doc),
		     void *arg)
{
	keys_walk(&profile_group, "", cb, arg);
}

/* ------------------------------------------------------------------------
 * Finding the profile file
 * ------------------------------------------------------------------------ */

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
config_dir(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/pgdbm-console", xdg);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.config/pgdbm-console", home);
	return NULL;
}

static char *
try_in(const char *dir, const char *name, struct strbuf *tried)
{
	const char *suffixes[] = { "", ".yaml", ".yml" };
	size_t i;

	for (i = 0; i < 3; i++) {
		char *cand = xasprintf("%s/%s%s", dir, name, suffixes[i]);

		if (is_file(cand))
			return cand;
		strbuf_addf(tried, "%s%s", tried->len ? ", " : "", cand);
		free(cand);
	}
	return NULL;
}

char *
profile_find(const char *arg, char **why)
{
	struct strbuf tried = STRBUF_INIT;
	const char *name = arg;
	char *cdir, *found = NULL;

	*why = NULL;
	if (name == NULL) {
		const char *env = getenv("PGDBM_CONSOLE_PROFILE");

		if (env != NULL && env[0] != '\0')
			name = env;
	}
	if (name != NULL) {
		if (is_file(name))
			return xstrdup(name);
		strbuf_adds(&tried, name);
		if (strchr(name, '/') != NULL) {
			*why = xasprintf("profile %s not found", name);
			strbuf_free(&tried);
			return NULL;
		}
	}
	cdir = config_dir();
	if (cdir != NULL)
		found = try_in(cdir, name != NULL ? name : "default", &tried);
	free(cdir);
	if (found == NULL)
		found = try_in("profiles", name != NULL ? name : "default", &tried);
#ifdef PGDBM_PROFILESDIR
	/* the installed examples, by name only */
	if (found == NULL && name != NULL)
		found = try_in(PGDBM_PROFILESDIR, name, &tried);
#endif
	if (found == NULL)
		*why = xasprintf("no profile found (tried %s); give one with --profile FILE",
				 strbuf_str(&tried));
	strbuf_free(&tried);
	return found;
}
