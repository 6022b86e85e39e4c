/*
 * wizard: pgdbm's architecture decision tree, as data.
 *
 * The wizard asks the questions of pgdbm's "Architecture Decision Tree"
 * guide and ends on one of the six patterns of its selection matrix, with
 * the reasons, a pool size, the anti-patterns to avoid and a profile for
 * the result. Everything it knows is in tables (wizard_tree.c): the questions
 * with their answers, each answer's next question or tree node and the
 * guide's words it triggers; the tree nodes; the patterns; the refinement
 * rows that let a later answer change the recommendation.
 *
 * Two ways in, one engine:
 *  - a state (struct wizard) answered one question at a time, with back
 *    and restart, for an interactive front end; it exposes the current
 *    question, the path taken so far and, once finished, the result;
 *  - wizard_evaluate(), which takes KEY=VALUE answers, fills every question
 *    it reaches that was not answered with the guide's default (reported as
 *    assumed) and returns the same result.
 *
 * Ownership: the question, choice and override tables are static. A state
 * owns its path and its result (wizard_result() lends it). wizard_evaluate()
 * returns a result the caller releases with wizard_result_free(). Error
 * strings returned through `char **err` are malloc'd; the caller frees them.
 */
#ifndef PGDBM_WIZARD_H
#define PGDBM_WIZARD_H

#include <stdbool.h>
#include <stddef.h>

/* The patterns of the guide's selection matrix. */
enum wizard_pattern {
	WIZARD_SIMPLE,
	WIZARD_SHARED_POOL,
	WIZARD_SHARED_SCHEMAS, /* Shared Pool + Schemas */
	WIZARD_TENANT_SCHEMAS, /* Schema per Tenant */
	WIZARD_MULTIPLE_DBS,
	WIZARD_DUAL_MODE,
	WIZARD_N_PATTERNS
};

/* The end nodes of the guide's flowchart (before its code-pattern boxes). */
enum wizard_node {
	WIZARD_NODE_NONE,
	WIZARD_NODE_SIMPLE_SETUP,
	WIZARD_NODE_SHARED_POOL_ANYWAY,
	WIZARD_NODE_SHARED_POOL,
	WIZARD_NODE_SHARED_POOL_SCHEMAS,
	WIZARD_NODE_SEPARATE_DATABASES,
	WIZARD_NODE_MULTIPLE_DATABASES,
	WIZARD_N_NODES
};

/* The anti-patterns of the guide's "Anti-Patterns to Avoid". */
enum wizard_anti {
	WIZARD_ANTI_NONE,
	WIZARD_ANTI_MULTIPLE_POOLS,
	WIZARD_ANTI_SCHEMA_SWITCHING,
	WIZARD_ANTI_POOL_PER_REQUEST,
	WIZARD_ANTI_NOT_CLOSING,
	WIZARD_N_ANTI
};

#define WIZARD_PATTERN_BIT(p) (1u << (unsigned)(p))
#define WIZARD_NODE_BIT(n)    (1u << (unsigned)(n))

enum wizard_kind {
	WIZARD_CHOICE, /* one of the question's choices */
	WIZARD_NAMES,  /* comma-separated schema names (the services) */
	WIZARD_SCHEMA, /* one schema name */
	WIZARD_PREFIX, /* a tenant schema prefix */
	WIZARD_DBNAME, /* a database name */
};

struct wizard_choice {
	const char *value;	   /* as typed: "might-grow"; NULL ends the list */
	const char *label;	   /* as the guide labels it: "Might grow" */
	const char *next;	   /* next question's key; NULL: the question's next */
	enum wizard_node node;	   /* flowchart end node this answer reaches, or NONE */
	const char *rule;	   /* the guide's words this answer triggers */
	const char *implies_key;   /* this answer sets the default of that question... */
	const char *implies_value; /* ...to this value */
	int pool_min, pool_max;	   /* load bands: the pool this answer sizes */
	unsigned stage_fits;	   /* scaling stages: patterns the stage's row names */
};

struct wizard;

struct wizard_question {
	const char *key;    /* "service_count" */
	const char *prompt; /* "How many services?" */
	const char *source; /* where the guide asks it */
	enum wizard_kind kind;
	const struct wizard_choice *choices; /* WIZARD_CHOICE */
	const char *def;		     /* the guide's default */
	const char *def_why;		     /* why that default */
	const char *next;		     /* the question after this one; NULL: last */
	unsigned ask_nodes;		     /* asked only after these flowchart nodes (0: any) */
	unsigned ask_patterns; /* asked only while the pattern is one of these (0: any) */
	const char *ask_note;  /* when it is asked, for people */
	const char *rule;      /* free-form kinds: what the answer is used for */
	const char *form;      /* free-form kinds: the allowed values, for people */
	/* Context check against the answers before it (free-form kinds). */
	char *(*check)(const struct wizard *w, const char *value);
};

/*
 * A refinement: when KEY=VALUE is answered while the pattern is one of
 * `from`, the pattern becomes `to` (or stays, when `to` is negative) and
 * the profile layout takes `layout`. Rows apply in table order.
 */
#define WIZARD_LAYOUT_SHARED_SCHEMA 0x1u /* the services share one schema */

struct wizard_override {
	const char *key;
	const char *value;
	unsigned from; /* pattern mask */
	int to;	       /* enum wizard_pattern, or -1 to keep the pattern */
	unsigned layout;
	const char *rule; /* the guide's words */
};

/* One answer on the path, and what it did. */
struct wizard_step {
	const struct wizard_question *question;
	const struct wizard_choice *choice; /* NULL for free-form answers */
	char *value;
	bool assumed;	  /* not answered: the guide's default was taken */
	const char *rule; /* the choice's rule, or the question's */
	char *effect;	  /* what the answer changed ("Shared Pool -> ..."), or NULL */
};

/* An answer given for a question the path never reached. */
struct wizard_ignored {
	const struct wizard_question *question;
	char *value;
};

struct wizard_advice {
	const char *name;   /* anti-pattern, as the guide titles it */
	const char *guide;  /* the guide's comment on it */
	const char *reason; /* why it matters for this pattern */
};

struct wizard_result {
	enum wizard_pattern pattern;
	const char *pattern_id;	  /* "shared-pool" */
	const char *pattern_name; /* "Shared Pool" */
	const char *when_to_use;  /* the guide's "When to use" */
	const char *matrix;	  /* the selection matrix row */
	enum wizard_node node;	  /* where the flowchart ended */
	const char *node_name;
	const char *code_pattern; /* the flowchart's code box for that node */
	bool recommended;	  /* the flowchart highlights that node */
	struct wizard_step *reasons;
	size_t n_reasons;
	struct wizard_ignored *ignored;
	size_t n_ignored;
	const char *load; /* label of the load band */
	/* DatabaseConfig min_connections and max_connections: the low and the
	 * high end of the band ("< 100 req/s -> 10-20 connections" gives 10 and
	 * 20); pool_max is also the generated profile's apps[].pool_max. */
	int pool_min, pool_max;
	struct wizard_advice *anti;
	size_t n_anti;
	char *stage_note;
	char *profile;	/* generated profile YAML */
	char **folders; /* migration folders it names, relative to its file */
	size_t n_folders;
};

/* The question table; *n gets its length. */
const struct wizard_question *wizard_questions(size_t *n);
/* The question with this key, or NULL. */
const struct wizard_question *wizard_question_find(const char *key);
/* The refinement table; *n gets its length. */
const struct wizard_override *wizard_overrides(size_t *n);

const char *wizard_pattern_id(enum wizard_pattern p);
const char *wizard_pattern_name(enum wizard_pattern p);
const char *wizard_node_name(enum wizard_node n);
/* The guide's "When to use" line of a pattern. */
const char *wizard_pattern_when(enum wizard_pattern p);
/* An anti-pattern's title ("Pool per Request") and the guide's comment on
 * it ("WRONG - Never create pools in request handlers"); "?" when unknown. */
const char *wizard_anti_name(enum wizard_anti a);
const char *wizard_anti_guide(enum wizard_anti a);

/*
 * What a choice leads to, in a few words, for people: the flowchart node it
 * reaches, the pool of a load band, the patterns a growth stage fits, the
 * next flowchart question, or the end of the guide's rule ("" when none).
 * Written into buf (size bytes), which is returned.
 */
const char *wizard_choice_leads_to(const struct wizard_choice *c, char *buf, size_t size);

/* A fresh state at the first question. */
struct wizard *wizard_new(void);
void wizard_free(struct wizard **w);

/* The question to answer now; NULL once finished. */
const struct wizard_question *wizard_current(const struct wizard *w);
/* The default of the current question on this path; NULL once finished. */
const char *wizard_current_default(const struct wizard *w);
/*
 * Answer the current question. value NULL takes the default and records it
 * as assumed. Returns 0, or -1 with *err set and the state unchanged.
 */
int wizard_answer(struct wizard *w, const char *value, char **err);
/* Undo the last answer. Returns 0, or -1 with *err when nothing is answered. */
int wizard_back(struct wizard *w, char **err);
/* Forget every answer. */
void wizard_restart(struct wizard *w);
/* The answers so far, in order; *n gets their count. */
const struct wizard_step *wizard_path(const struct wizard *w, size_t *n);
bool wizard_finished(const struct wizard *w);
/* The flowchart node reached so far (WIZARD_NODE_NONE while in the tree). */
enum wizard_node wizard_node(const struct wizard *w);
/* The pattern so far, or -1 while in the tree. */
int wizard_pattern_so_far(const struct wizard *w);
/* The result once finished (owned by the state), else NULL. */
const struct wizard_result *wizard_result(const struct wizard *w);

/*
 * Evaluate "KEY=VALUE" answers: keys and values are checked first, then the
 * path is walked, unanswered questions taking their defaults. Returns the
 * result, or NULL with *err set.
 */
struct wizard_result *wizard_evaluate(const char *const *answers, size_t n, char **err);
void wizard_result_free(struct wizard_result **r);

/*
 * Write the result's profile to path, first creating the migration folders
 * it names (each with a down/ folder) next to it when missing. *created
 * gets the folders it made (malloc'd array of malloc'd paths; *n_created
 * their count). Returns 0 when written; 1 when path exists and force is
 * false (nothing done); -1 with *err set when creating or writing failed.
 */
int wizard_write(const struct wizard_result *r, const char *path, bool force, char ***created,
		 size_t *n_created, char **err);

/*
 * Load the profile at path back (profile_load) and say what `profile check`
 * says of it: "profile check passed: profile NAME, N databases (LABELS), M
 * modules[, tenants]" or "profile check FAILED: the written profile does not
 * load", then each diagnostic on a line of its own. *loads gets whether it
 * loaded. Returns malloc'd text; the caller frees it.
 */
char *wizard_verdict(const char *path, bool *loads);

#endif
