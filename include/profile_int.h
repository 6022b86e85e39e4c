/*
 * profile_int: what the files of the profile module share, and nothing
 * else includes (the public API is include/profile.h).
 *
 * The profile module is one loader in five files, one idea each:
 *  - profile.c: the entry points: reading the file, the YAML document and
 *    its depth pre-pass, diagnostics, freeing, lookups;
 *  - profile_walk.c: the generic walk of the YAML tree through key tables:
 *    scalars of every kind checked and stored, mappings, lists, labelled
 *    mappings, freeing through the tables, the key listing;
 *  - profile_keys.c: the key tables themselves (every key of a profile,
 *    its kind, field, range and documentation) with each group's defaults
 *    and cross-field checks;
 *  - profile_merge.c: several profiles as one;
 *  - profile_find.c: finding the profile file to load.
 *
 * Vocabulary: a key table is an array of struct pk rows ending with a row
 * whose name is NULL; a group (struct pk_group) is the table of one kind of
 * object (a pool, a module, a database) with the object's size, defaults and
 * checks; the loader (struct pk_loader) is the state of one load: the file,
 * the folder paths resolve against, the YAML document and the diagnostics.
 *
 * Ownership: the tables are static; every string a walk stores in the model
 * is malloc'd and released through the same tables (profile_free_group()).
 */
#ifndef PGDBM_PROFILE_INT_H
#define PGDBM_PROFILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <yaml.h>

#include "profile.h"
#include "xalloc.h"

/* The refresh interval of a profile that does not say (refresh: 1s). */
#define PROFILE_DEFAULT_REFRESH_MS 1000

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

struct pk_loader;
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
	void (*finish)(struct pk_loader *ld, void *obj, const char *path,
		       const struct pk_mark *marks, const yaml_mark_t *here);
	/* List items: compare item i with the ones before it. */
	void (*check_item)(struct pk_loader *ld, void *items, size_t i, const char *path,
			   const yaml_mark_t *mark);
};

/* One load: where diagnostics go and what paths resolve against. */
struct pk_loader {
	const char *file;
	const char *dir;
	mode_t mode; /* file permissions, 0 when loaded from memory */
	yaml_document_t doc;
	struct profile_diags *diags;
};

/* The field of type `type` at offset `off` of obj (built with -fno-strict-aliasing). */
#define PK_FIELD(obj, off, type) ((type *)(void *)((char *)(obj) + (off)))

/* The table of a whole profile (profile_keys.c): the walk starts there. */
extern const struct pk_group profile_root_group;

/* ------------------------------------------------------------------------
 * The walk (profile_walk.c)
 * ------------------------------------------------------------------------ */

/* Read mapping n into obj through group g; path names it in messages ("" at the top). */
void profile_load_mapping(struct pk_loader *ld, const struct pk_group *g, const char *path,
			  yaml_node_t *n, void *obj);

/* Free every string and array obj holds through group g (not obj itself). */
void profile_free_group(const struct pk_group *g, void *obj);

/* ------------------------------------------------------------------------
 * Diagnostics and names (profile.c)
 * ------------------------------------------------------------------------ */

/* An error or a warning at mark (NULL: about the whole file). */
void profile_ld_error(struct pk_loader *ld, const yaml_mark_t *mark, const char *fmt, ...)
	ATTR_FORMAT(3, 4);
void profile_ld_warn(struct pk_loader *ld, const yaml_mark_t *mark, const char *fmt, ...)
	ATTR_FORMAT(3, 4);

/* The file name of path without its folder and its .yaml or .yml (malloc'd). */
char *profile_file_stem(const char *path);

#endif
