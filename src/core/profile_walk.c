/*
 * profile_walk: the one generic walk of a profile's YAML tree through its
 * key tables.
 *
 * profile_load_mapping() looks every key of a mapping up in its group's
 * table (struct pk): a table row names the key, its kind, the field it
 * fills (an offset into the object being built), its range, whether it is
 * required, and one line of documentation. A scalar is checked against its
 * kind (identifier, prefix, conninfo, folder, duration, ...) and stored; a
 * nested mapping, a list of mappings or a label-keyed mapping (databases)
 * is read through the group its row points at, which also gives the
 * object's size, its defaults and its cross-field checks. Unknown keys,
 * duplicates and missing required keys are reported where they are.
 *
 * The same tables free what a walk stored (profile_free_group()) and list
 * every key for the documentation check (profile_keys_foreach()).
 */
#include "config.h"

#include "profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "conninfo.h"
#include "ident.h"
#include "profile_int.h"
#include "strbuf.h"
#include "units.h"
#include "xalloc.h"

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
		{
			/* a connection string out of place: shown without its password */
			const char *v = (const char *)n->data.scalar.value;
			char *shown = conninfo_redact_message(v, v);

			if (strlen(shown) > 40)
				snprintf(buf, size, "\"%.37s...\"", shown);
			else
				snprintf(buf, size, "\"%s\"", shown);
			free(shown);
			return;
		}
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

/*
 * One part of a [schema.]table the console writes to and applications
 * name unquoted: the identifier rule, lower case, not a reserved word.
 */
static const char *
qname_part_problem(const char *s)
{
	return ident_unquoted_problem(
		s,
		"contains upper case (PostgreSQL folds a name written unquoted "
		"to lower case: write it so)",
		"is a reserved word in PostgreSQL (applications would have to "
		"quote it)");
}

static bool
qname_ok(const char *s, const char **why)
{
	const char *dot = strchr(s, '.');
	char *schema;

	if (dot == NULL) {
		*why = qname_part_problem(s);
		return *why == NULL;
	}
	schema = xstrndup(s, (size_t)(dot - s));
	*why = qname_part_problem(schema);
	free(schema);
	if (*why == NULL)
		*why = qname_part_problem(dot + 1);
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
load_scalar(struct pk_loader *ld, const struct pk *k, const char *path, yaml_node_t *n, void *obj)
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
			profile_ld_error(ld, &n->start_mark, "%s: expected %s, found %s", path,
					 strbuf_str(&sb), found);
			strbuf_free(&sb);
		} else {
			profile_ld_error(ld, &n->start_mark, "%s: expected a %s, found %s", path,
					 pk_kind_name(k), found);
		}
		return;
	}
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length) {
		profile_ld_error(ld, &n->start_mark, "%s: contains a NUL character", path);
		return;
	}

	switch (k->kind) {
	case PK_STR:
		if (node_is_null(n)) {
			profile_ld_error(ld, &n->start_mark, "%s: expected a string, found %s",
					 path, found);
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
			profile_ld_error(ld, &n->start_mark,
					 "%s: libpq does not accept this connection string: %s",
					 path, err);
			free(err);
			return;
		}
		if (has_password && ld->mode != 0 && (ld->mode & 077) != 0)
			profile_ld_warn(
				ld, &n->start_mark,
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
			profile_ld_error(ld, &n->start_mark, "%s: folder %s does not exist (%s)",
					 path, full, strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			profile_ld_error(ld, &n->start_mark, "%s: %s is not a folder", path, full);
		else if (access(full, R_OK | X_OK) != 0)
			/* listed (read) and its files opened (search), or useless */
			profile_ld_error(ld, &n->start_mark, "%s: folder %s cannot be read (%s)",
					 path, full, strerror(errno));
		else {
			free(*PK_FIELD(obj, k->off, char *));
			*PK_FIELD(obj, k->off, char *) = full;
			return;
		}
		free(full);
		if (why == NULL)
			return;
		break;
	}
	case PK_BOOL:
		if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
			*PK_FIELD(obj, k->off, bool) = true;
		else if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 ||
			 strcmp(v, "FALSE") == 0)
			*PK_FIELD(obj, k->off, bool) = false;
		else
			profile_ld_error(ld, &n->start_mark, "%s: expected true or false, found %s",
					 path, found);
		return;
	case PK_INT: {
		char *end = NULL;
		long long x;

		errno = 0;
		x = strtoll(v, &end, 10);
		if (v[0] == '\0' || *end != '\0' || errno != 0 || v[0] == ' ') {
			profile_ld_error(ld, &n->start_mark, "%s: expected an integer, found %s",
					 path, found);
			return;
		}
		if (x < k->min || x > k->max) {
			profile_ld_error(ld, &n->start_mark,
					 "%s: %lld is out of range (expected %lld to %lld)", path,
					 x, (long long)k->min, (long long)k->max);
			return;
		}
		*PK_FIELD(obj, k->off, int) = (int)x;
		return;
	}
	case PK_DURATION: {
		char lo[32], hi[32];
		int64_t ms = 0;

		why = units_parse_duration(v, &ms);
		if (why != NULL) {
			profile_ld_error(ld, &n->start_mark, "%s: %s, found %s", path, why, found);
			return;
		}
		if (ms < k->min || ms > k->max) {
			profile_ld_error(ld, &n->start_mark,
					 "%s: %s is out of range (expected %s to %s)", path, v,
					 units_format_duration(k->min, lo, sizeof lo),
					 units_format_duration(k->max, hi, sizeof hi));
			return;
		}
		*PK_FIELD(obj, k->off, int64_t) = ms;
		return;
	}
	case PK_PERCENT: {
		int pm = 0;

		why = units_parse_percent(v, &pm);
		if (why != NULL) {
			profile_ld_error(ld, &n->start_mark, "%s: %s, found %s", path, why, found);
			return;
		}
		if (pm < k->min || pm > k->max) {
			profile_ld_error(ld, &n->start_mark,
					 "%s: %s is out of range (expected %lld%% to %lld%%)", path,
					 v, (long long)k->min / 10, (long long)k->max / 10);
			return;
		}
		*PK_FIELD(obj, k->off, int) = pm;
		return;
	}
	case PK_ENUM: {
		const char *const *c;

		for (c = k->choices; *c != NULL; c++) {
			if (strcmp(*c, v) == 0) {
				*PK_FIELD(obj, k->off, int) = (int)(c - k->choices);
				return;
			}
		}
		{
			struct strbuf sb = STRBUF_INIT;

			for (c = k->choices; *c != NULL; c++)
				strbuf_addf(&sb, "%s%s", c == k->choices ? "" : " or ", *c);
			profile_ld_error(ld, &n->start_mark, "%s: expected %s, found %s", path,
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
		profile_ld_error(ld, &n->start_mark, "%s: \"%s\" %s", path, v, why);
		return;
	}
	free(*PK_FIELD(obj, k->off, char *));
	*PK_FIELD(obj, k->off, char *) = xstrdup(v);
}

/* ------------------------------------------------------------------------
 * Mappings, lists and labelled mappings
 * ------------------------------------------------------------------------ */

static void
expected_keys(const struct pk_group *g, struct strbuf *sb)
{
	const struct pk *k;

	for (k = g->keys; k->name != NULL; k++)
		strbuf_addf(sb, "%s%s", k == g->keys ? "" : ", ", k->name);
}

static void
load_list(struct pk_loader *ld, const struct pk *k, const char *path, yaml_node_t *n, void *obj)
{
	const struct pk_group *g = k->group;
	yaml_node_item_t *it;
	size_t count, i;
	char *items;
	char found[64];

	if (n->type != YAML_SEQUENCE_NODE) {
		node_describe(n, found, sizeof found);
		profile_ld_error(ld, &n->start_mark, "%s: expected a list, found %s", path, found);
		return;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count == 0)
		return;
	items = xcalloc(count, g->size);
	*PK_FIELD(obj, k->off, void *) = items;
	*PK_FIELD(obj, k->count_off, size_t) = count;
	for (i = 0, it = n->data.sequence.items.start; i < count; i++, it++) {
		yaml_node_t *item = yaml_document_get_node(&ld->doc, *it);
		char *ipath = xasprintf("%s[%zu]", path, i);
		void *o = items + i * g->size;

		if (g->init != NULL)
			g->init(o, obj);
		profile_load_mapping(ld, g, ipath, item, o);
		if (g->check_item != NULL && item->type == YAML_MAPPING_NODE)
			g->check_item(ld, items, i, ipath, &item->start_mark);
		free(ipath);
	}
}

static void
load_dict(struct pk_loader *ld, const struct pk *k, const char *path, yaml_node_t *n, void *obj)
{
	const struct pk_group *g = k->group;
	yaml_node_pair_t *pair;
	size_t count, i;
	char *items;
	char found[64];

	if (n->type != YAML_MAPPING_NODE) {
		node_describe(n, found, sizeof found);
		profile_ld_error(ld, &n->start_mark,
				 "%s: expected a mapping of labels to %s settings, found %s", path,
				 g->what, found);
		return;
	}
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (count == 0)
		return;
	items = xcalloc(count, g->size);
	*PK_FIELD(obj, k->off, void *) = items;
	*PK_FIELD(obj, k->count_off, size_t) = count;
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
			profile_ld_error(ld, &key->start_mark, "%s: expected a %s label, found %s",
					 path, g->what, found);
			continue;
		}
		label = (const char *)key->data.scalar.value;
		*PK_FIELD(o, g->label_off, char *) = xstrdup(label);
		for (j = 0; label[j] != '\0'; j++) {
			char c = label[j];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '-'))
				break;
		}
		if (label[j] != '\0' || j == 0 || j > 63) {
			profile_ld_error(
				ld, &key->start_mark,
				"%s: %s label \"%s\" must be 1 to 63 characters of A-Z, a-z, "
				"0-9, _ and -",
				path, g->what, label);
			continue;
		}
		for (j = 0; j < i; j++) {
			const char *other = *PK_FIELD(items + j * g->size, g->label_off, char *);

			if (other != NULL && strcmp(other, label) == 0) {
				profile_ld_error(ld, &key->start_mark,
						 "%s: duplicate %s label \"%s\"", path, g->what,
						 label);
				break;
			}
		}
		ipath = join_path(path, label);
		profile_load_mapping(ld, g, ipath, val, o);
		free(ipath);
	}
}

void
profile_load_mapping(struct pk_loader *ld, const struct pk_group *g, const char *path,
		     yaml_node_t *n, void *obj)
{
	struct pk_mark *marks;
	yaml_node_pair_t *pair;
	const struct pk *k;
	size_t nkeys = 0, i;
	char found[64];

	if (n->type != YAML_MAPPING_NODE) {
		node_describe(n, found, sizeof found);
		profile_ld_error(ld, &n->start_mark,
				 "%s: expected a mapping of %s settings, found %s",
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
			profile_ld_error(ld, &key->start_mark, "%s: expected a key name, found %s",
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
			profile_ld_error(ld, &key->start_mark,
					 "%s: unknown key \"%s\" (expected one of: %s)",
					 path[0] ? path : "profile", name, strbuf_str(&sb));
			strbuf_free(&sb);
			continue;
		}
		if (marks[i].seen) {
			profile_ld_error(ld, &key->start_mark,
					 "%s: duplicate key \"%s\" (first given at line %d)",
					 path[0] ? path : "profile", name,
					 (int)marks[i].at.line + 1);
			continue;
		}
		marks[i].seen = true;
		marks[i].at = key->start_mark;
		kpath = join_path(path, name);
		switch (k->kind) {
		case PK_GROUP:
			profile_load_mapping(ld, k->group, kpath, val, PK_FIELD(obj, k->off, void));
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
			profile_ld_error(ld, &n->start_mark, "%s: missing required key \"%s\"",
					 path[0] ? path : "profile", k->name);
	}
	if (g->finish != NULL)
		g->finish(ld, obj, path, marks, &n->start_mark);
	free(marks);
}

/* ------------------------------------------------------------------------
 * Freeing through the tables
 * ------------------------------------------------------------------------ */

void
profile_free_group(const struct pk_group *g, void *obj)
{
	const struct pk *k;

	if (g->label_off != (size_t)-1)
		free(*PK_FIELD(obj, g->label_off, char *));
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
			free(*PK_FIELD(obj, k->off, char *));
			*PK_FIELD(obj, k->off, char *) = NULL;
			break;
		case PK_GROUP:
			profile_free_group(k->group, PK_FIELD(obj, k->off, void));
			break;
		case PK_LIST:
		case PK_DICT: {
			char *items = *PK_FIELD(obj, k->off, char *);
			size_t n = *PK_FIELD(obj, k->count_off, size_t), i;

			for (i = 0; i < n; i++)
				profile_free_group(k->group, items + i * k->group->size);
			free(items);
			*PK_FIELD(obj, k->off, char *) = NULL;
			*PK_FIELD(obj, k->count_off, size_t) = 0;
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
	keys_walk(&profile_root_group, "", cb, arg);
}
