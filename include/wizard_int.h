/*
 * wizard_int: what the wizard's files share, and nothing else includes (the
 * public API is include/wizard.h).
 *
 * The wizard is three files, one idea each:
 *  - wizard_tree.c: the decision tree as tables (the questions with their
 *    choices, the flowchart nodes, the refinements, the anti-patterns, the
 *    patterns of the selection matrix) and what they say;
 *  - wizard.c: the engine: answers checked, the state walked (answer,
 *    back, restart), the result built, KEY=VALUE answers evaluated;
 *  - wizard_profile.c: the profile of a result: its YAML, writing it with
 *    its migration folders, and the verdict of loading it back.
 *
 * Ownership: the tables are static and never change.
 */
#ifndef PGDBM_WIZARD_INT_H
#define PGDBM_WIZARD_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "wizard.h"

/* Rows of the question and refinement tables (wizard_tree.c checks both). */
#define WIZARD_N_QUESTIONS 14
#define WIZARD_N_OVERRIDES 3

/* The schema the services share when they share tables. */
#define WIZARD_SHARED_SCHEMA "public"
/* The folder of the tenant migrations, relative to the profile. */
#define WIZARD_TENANT_FOLDER "migrations/tenant"

/* A flowchart end node: its code box and the matrix pattern it gives. */
struct wizard_node_def {
	const char *name;
	const char *code; /* the flowchart's code box */
	enum wizard_pattern pattern;
	bool recommended;
};

/* An anti-pattern as the guide titles it, and its comment. */
struct wizard_anti_def {
	const char *name;
	const char *guide;
};

/* Profile shapes. */
#define WIZARD_SHAPE_OWNED	    0x1u  /* one database, an owned pool without schema */
#define WIZARD_SHAPE_SHARED	    0x2u  /* one database, one shared pool, service modules */
#define WIZARD_SHAPE_TENANTS	    0x4u  /* ... and a tenants section */
#define WIZARD_SHAPE_DB_PER_SERVICE 0x8u  /* a database (and owned pool) per service */
#define WIZARD_SHAPE_DUAL	    0x10u /* embedded and standalone databases */

#define WIZARD_MAX_ANTI 4

/* What the result says about a pattern, and the shape of its profile. */
struct wizard_pattern_def {
	const char *id;
	const char *name;
	const char *when;
	const char *matrix;
	unsigned shape;
	struct {
		enum wizard_anti anti;
		const char *reason;
	} anti[WIZARD_MAX_ANTI];
};

/* The tables (wizard_tree.c). */
extern const struct wizard_question wizard_tree_questions[WIZARD_N_QUESTIONS];
extern const struct wizard_node_def wizard_tree_nodes[WIZARD_N_NODES];
extern const struct wizard_override wizard_tree_overrides[WIZARD_N_OVERRIDES];
extern const struct wizard_anti_def wizard_tree_antis[WIZARD_N_ANTI];
extern const struct wizard_pattern_def wizard_tree_patterns[WIZARD_N_PATTERNS];

/* The index of the question with this key, or -1. */
int wizard_tree_index(const char *key);

/*
 * The context checks of the free-form questions (wizard.c), against the
 * answers before them: malloc'd error, or NULL.
 */
char *wizard_check_services(const struct wizard *w, const char *value);
char *wizard_check_library(const struct wizard *w, const char *value);
char *wizard_check_prefix(const struct wizard *w, const char *value);

/* The value answered for key among n steps, or NULL (wizard.c). */
const char *wizard_steps_value(const struct wizard_step *steps, size_t n, const char *key);

/*
 * Write the result's profile YAML into r->profile and the folders it names
 * into r->folders, from its pattern and reasons (wizard_profile.c); layout
 * holds the WIZARD_LAYOUT_* flags the answers set.
 */
void wizard_profile_generate(struct wizard_result *r, unsigned layout);

#endif
