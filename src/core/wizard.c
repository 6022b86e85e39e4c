/*
 * wizard: the engine that walks pgdbm's decision tree (wizard_tree.c): it
 * checks each answer against its question, moves the state, and builds the
 * result once the last question is answered (its profile comes from
 * wizard_profile.c). wizard_evaluate() runs the same engine over KEY=VALUE
 * answers, unanswered questions taking the guide's defaults.
 *
 * A question after the flowchart is asked only when the node reached and
 * the pattern so far match its masks; otherwise the walk skips it. A choice
 * may imply the default of a later question; a refinement row applies when
 * its KEY=VALUE is answered while the pattern is in its `from` mask.
 *
 * The state machine (struct wizard):
 *
 *                  answer (more questions follow)
 *                  +-----+
 *                  |     v
 *   wizard_new --> ASKING --answer (last question)--> FINISHED
 *                  ^  ^ |                               |
 *                  |  +-+ back (one answer fewer)       |
 *                  +------------ back ------------------+
 *        restart: from either state to ASKING at the first question
 *
 * Invariants:
 *  - the state is a pure function of its path: back and restart rebuild it
 *    by replaying the answers that remain, so no derived field can go stale;
 *  - every step on the path was valid when it was taken, and replaying a
 *    prefix of a valid path is valid;
 *  - a result exists exactly when the state is FINISHED;
 *  - answers are validated before they touch the state: a refused answer
 *    leaves the state as it was.
 */
#include "config.h"

#include "wizard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "strbuf.h"
#include "strvec.h"
#include "wizard_int.h"
#include "xalloc.h"

#define PB(p) WIZARD_PATTERN_BIT(p)
#define NB(n) WIZARD_NODE_BIT(n)

/* Longest service or library name: pgdbm names its pool <schema>_pool and
 * application_name holds 63 bytes. */
#define NAME_MAX_LEN 58
#define MAX_SERVICES 64

/* The archive prefix of the generated profile (the loader's default). */
#define ARCHIVE_PREFIX "archived_"

/* ------------------------------------------------------------------------
 * The state
 * ------------------------------------------------------------------------ */

enum wizard_state {
	WIZARD_ASKING,
	WIZARD_FINISHED,
};

enum wizard_event {
	EV_ANSWER,
	EV_BACK,
	EV_RESTART,
};

struct wizard {
	enum wizard_state state;
	size_t cur; /* current question (ASKING) */
	enum wizard_node node;
	int pattern; /* -1 until the flowchart has ended */
	unsigned layout;
	const char *implied[WIZARD_N_QUESTIONS]; /* defaults set by earlier answers */
	struct wizard_step *path;
	size_t n_path;
	struct wizard_result *result; /* FINISHED */
};

/* ------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

static const struct wizard_choice *
find_choice(const struct wizard_question *q, const char *value)
{
	const struct wizard_choice *c;

	for (c = q->choices; c != NULL && c->value != NULL; c++) {
		if (strcmp(c->value, value) == 0)
			return c;
	}
	return NULL;
}

/* Split "a, b,c" into trimmed items (empty items kept, to be refused). */
static size_t
split_names(const char *s, char ***v, size_t *n)
{
	return strvec_split(v, n, s, ',', STRVEC_TRIM);
}

/* Why a service or library name cannot be used, or NULL. */
static const char *
name_problem(const char *s)
{
	const char *why = ident_ledger_problem(s);

	if (why != NULL)
		return why;
	if (strlen(s) > NAME_MAX_LEN)
		return "is longer than 58 characters (pgdbm names the pool <name>_pool and "
		       "application_name holds 63 bytes)";
	if (strcmp(s, WIZARD_SHARED_SCHEMA) == 0)
		return "is the shared schema the wizard uses when services share tables";
	return NULL;
}

/* The profile loader's tenant prefix rule, against the archive prefix the
 * generated profile leaves at its default. */
static const char *
prefix_problem(const char *s)
{
	const char *why = ident_prefix_problem(s);

	if (why != NULL)
		return why;
	if (ident_prefixes_overlap(s, ARCHIVE_PREFIX))
		return "overlaps the archive prefix archived_ (archived and live tenants could "
		       "not be told apart)";
	return NULL;
}

static char *
expected_choices(const struct wizard_question *q)
{
	struct strbuf sb = STRBUF_INIT;
	const struct wizard_choice *c;

	for (c = q->choices; c->value != NULL; c++)
		strbuf_addf(&sb, "%s%s", c == q->choices ? "" : ", ", c->value);
	return strbuf_detach(&sb);
}

/*
 * Check a value against its question's kind (no context). Returns NULL and
 * the normalised value in *norm, or a malloc'd error.
 */
static char *
validate(const struct wizard_question *q, const char *value, char **norm)
{
	const char *why = NULL;
	char *bad = NULL, *err = NULL;

	*norm = NULL;
	switch (q->kind) {
	case WIZARD_CHOICE:
		if (find_choice(q, value) == NULL) {
			char *exp = expected_choices(q);

			err = xasprintf("value \"%s\" for %s (expected one of %s)", value, q->key,
					exp);
			free(exp);
			return err;
		}
		break;
	case WIZARD_NAMES: {
		struct strbuf sb = STRBUF_INIT;
		char **v = NULL;
		size_t n = 0, i;

		split_names(value, &v, &n);
		if (n > MAX_SERVICES)
			why = "lists more than 64 names";
		for (i = 0; why == NULL && i < n; i++) {
			why = name_problem(v[i]);
			if (why != NULL) {
				bad = xstrdup(v[i]);
				break;
			}
			if (strvec_contains(v, i, v[i])) {
				bad = xstrdup(v[i]);
				why = "is listed twice";
			}
			strbuf_addf(&sb, "%s%s", i ? "," : "", v[i]);
		}
		strvec_free(&v, &n);
		if (why == NULL) {
			*norm = strbuf_detach(&sb);
			return NULL;
		}
		strbuf_free(&sb);
		break;
	}
	case WIZARD_SCHEMA:
		why = name_problem(value);
		break;
	case WIZARD_PREFIX:
		why = prefix_problem(value);
		break;
	case WIZARD_DBNAME:
		why = ident_problem(value);
		break;
	}
	if (why == NULL) {
		*norm = xstrdup(value);
		return NULL;
	}
	if (bad != NULL)
		err = xasprintf("value \"%s\" for %s: \"%s\" %s (expected %s)", value, q->key, bad,
				why, q->form);
	else
		err = xasprintf("value \"%s\" for %s: it %s (expected %s)", value, q->key, why,
				q->form);
	free(bad);
	return err;
}

/* The step that answered key among n steps, or NULL. */
static const struct wizard_step *
steps_find(const struct wizard_step *steps, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(steps[i].question->key, key) == 0)
			return &steps[i];
	}
	return NULL;
}

const char *
wizard_steps_value(const struct wizard_step *steps, size_t n, const char *key)
{
	const struct wizard_step *s = steps_find(steps, n, key);

	return s != NULL ? s->value : NULL;
}

/* The step that answered key on the path, or NULL. */
static const struct wizard_step *
path_step(const struct wizard *w, const char *key)
{
	return steps_find(w->path, w->n_path, key);
}

static const char *
path_value(const struct wizard *w, const char *key)
{
	return wizard_steps_value(w->path, w->n_path, key);
}

/* The answer to service_count decides how many names services may list. */
char *
wizard_check_services(const struct wizard *w, const char *value)
{
	const struct wizard_step *count = path_step(w, "service_count");
	char **v = NULL;
	size_t n_v = 0, n;
	char *err = NULL;

	n = split_names(value, &v, &n_v);
	strvec_free(&v, &n_v);
	if (count == NULL)
		return NULL;
	if (strcmp(count->value, "one") == 0 && n != 1)
		err = xasprintf("value \"%s\" for services: %zu names, but service_count is "
				"one%s (expected one name, or answer service_count=multiple)",
				value, n, count->assumed ? " (assumed)" : "");
	else if (strcmp(count->value, "multiple") == 0 && n < 2)
		err = xasprintf("value \"%s\" for services: one name, but service_count is "
				"multiple (expected two or more names, or answer "
				"service_count=one)",
				value);
	return err;
}

static bool
names_contain(const char *list, const char *name)
{
	char **v = NULL;
	size_t n = 0;
	bool found;

	split_names(list, &v, &n);
	found = strvec_contains(v, n, name);
	strvec_free(&v, &n);
	return found;
}

char *
wizard_check_library(const struct wizard *w, const char *value)
{
	const char *services = path_value(w, "services");

	if (services != NULL && names_contain(services, value))
		return xasprintf("value \"%s\" for library: it is also a service name (expected "
				 "a name of its own: the library and each service have their "
				 "own schema)",
				 value);
	return NULL;
}

/* No module schema may start with the tenant prefix, and no service may
 * share the tenants' migrations folder. */
char *
wizard_check_prefix(const struct wizard *w, const char *value)
{
	const char *services = path_value(w, "services");
	char **v = NULL;
	size_t n = 0, i;
	char *err = NULL;

	if (w->layout & WIZARD_LAYOUT_SHARED_SCHEMA) {
		if (strncmp(WIZARD_SHARED_SCHEMA, value, strlen(value)) == 0)
			err = xasprintf("value \"%s\" for tenant_prefix: the shared schema %s "
					"starts with it and would be taken for a tenant (expected "
					"another prefix)",
					value, WIZARD_SHARED_SCHEMA);
		return err;
	}
	if (services != NULL)
		split_names(services, &v, &n);
	for (i = 0; err == NULL && i < n; i++) {
		if (strncmp(v[i], value, strlen(value)) == 0)
			err = xasprintf("value \"%s\" for tenant_prefix: service schema %s starts "
					"with it and would be taken for a tenant (expected another "
					"prefix)",
					value, v[i]);
		else if (strcmp(v[i], "tenant") == 0)
			err = xasprintf(
				"value \"%s\" for tenant_prefix: service tenant would share "
				"%s with the tenant migrations (expected another service "
				"name)",
				value, WIZARD_TENANT_FOLDER);
	}
	strvec_free(&v, &n);
	return err;
}

/* ------------------------------------------------------------------------
 * Walking
 * ------------------------------------------------------------------------ */

static bool
asked(const struct wizard *w, const struct wizard_question *q)
{
	if (q->ask_nodes != 0 && (w->node == WIZARD_NODE_NONE || (NB(w->node) & q->ask_nodes) == 0))
		return false;
	if (q->ask_patterns != 0 && (w->pattern < 0 || (PB(w->pattern) & q->ask_patterns) == 0))
		return false;
	return true;
}

static const char *
default_of(const struct wizard *w, size_t i)
{
	return w->implied[i] != NULL ? w->implied[i] : wizard_tree_questions[i].def;
}

static void
step_clear(struct wizard_step *s)
{
	free(s->value);
	free(s->effect);
	s->value = NULL;
	s->effect = NULL;
}

static void result_free(struct wizard_result *r);
static struct wizard_result *build_result(const struct wizard *w);

/* What a step does to the state: the node, implied defaults, refinements. */
static void
apply(struct wizard *w, struct wizard_step *s)
{
	const struct wizard_choice *c = s->choice;
	struct strbuf fx = STRBUF_INIT;
	size_t i;

	if (c != NULL && c->node != WIZARD_NODE_NONE) {
		w->node = c->node;
		w->pattern = (int)wizard_tree_nodes[c->node].pattern;
		strbuf_addf(&fx, "the flowchart ends at %s (%s): pattern %s",
			    wizard_tree_nodes[c->node].name, wizard_tree_nodes[c->node].code,
			    wizard_tree_patterns[w->pattern].name);
	}
	if (c != NULL && c->implies_key != NULL) {
		int q = wizard_tree_index(c->implies_key);

		if (q >= 0)
			w->implied[q] = c->implies_value;
	}
	if (c != NULL && c->pool_max > 0)
		strbuf_addf(&fx, "pool min %d, max %d", c->pool_min, c->pool_max);
	for (i = 0; i < WIZARD_N_OVERRIDES; i++) {
		const struct wizard_override *o = &wizard_tree_overrides[i];

		if (strcmp(o->key, s->question->key) != 0 || strcmp(o->value, s->value) != 0 ||
		    w->pattern < 0 || (PB(w->pattern) & o->from) == 0)
			continue;
		if (o->to >= 0 && o->to != w->pattern) {
			strbuf_addf(&fx, "%spattern %s -> %s", fx.len ? "; " : "",
				    wizard_tree_patterns[w->pattern].name,
				    wizard_tree_patterns[o->to].name);
			w->pattern = o->to;
		}
		if (o->layout & WIZARD_LAYOUT_SHARED_SCHEMA)
			strbuf_addf(&fx, "%sthe services share one schema (%s) in the profile",
				    fx.len ? "; " : "", WIZARD_SHARED_SCHEMA);
		w->layout |= o->layout;
	}
	s->effect = fx.len ? strbuf_detach(&fx) : NULL;
	strbuf_free(&fx);
}

/* Move to question `key` or the first one after it that is asked. */
static void
advance(struct wizard *w, const char *key)
{
	while (key != NULL) {
		int i = wizard_tree_index(key);

		if (i < 0)
			break; /* a broken table; the table test catches it */
		if (asked(w, &wizard_tree_questions[i])) {
			w->cur = (size_t)i;
			return;
		}
		key = wizard_tree_questions[i].next;
	}
	w->state = WIZARD_FINISHED;
	w->result = build_result(w);
}

static void
reset(struct wizard *w)
{
	size_t i;

	for (i = 0; i < w->n_path; i++)
		step_clear(&w->path[i]);
	free(w->path);
	if (w->result != NULL) {
		result_free(w->result);
		free(w->result);
	}
	memset(w, 0, sizeof *w);
	w->state = WIZARD_ASKING;
	w->cur = 0;
	w->node = WIZARD_NODE_NONE;
	w->pattern = -1;
}

static int
do_answer(struct wizard *w, const char *value, bool assumed, char **err)
{
	const struct wizard_question *q = &wizard_tree_questions[w->cur];
	struct wizard_step *s;
	char *norm = NULL, *e;

	if (value == NULL)
		value = default_of(w, w->cur);
	e = validate(q, value, &norm);
	if (e == NULL && q->check != NULL)
		e = q->check(w, norm);
	if (e != NULL) {
		free(norm);
		*err = e;
		return -1;
	}
	w->path = xreallocarray(w->path, w->n_path + 1, sizeof *w->path);
	s = &w->path[w->n_path++];
	memset(s, 0, sizeof *s);
	s->question = q;
	s->value = norm;
	s->assumed = assumed;
	s->choice = q->kind == WIZARD_CHOICE ? find_choice(q, norm) : NULL;
	s->rule = s->choice != NULL ? s->choice->rule : q->rule;
	apply(w, s);
	advance(w, s->choice != NULL && s->choice->next != NULL ? s->choice->next : q->next);
	return 0;
}

/* The one transition function. */
static int
transition(struct wizard *w, enum wizard_event ev, const char *value, bool assumed, char **err)
{
	struct wizard_step *keep;
	size_t n, i;
	int rc = 0;

	switch (ev) {
	case EV_ANSWER:
		if (w->state == WIZARD_FINISHED) {
			*err = xstrdup("every question is answered (go back or restart to change "
				       "an answer)");
			return -1;
		}
		return do_answer(w, value, assumed, err);
	case EV_BACK:
		if (w->n_path == 0) {
			*err = xstrdup("nothing to go back to: this is the first question");
			return -1;
		}
		/* replay every answer but the last */
		n = w->n_path - 1;
		keep = w->path;
		step_clear(&keep[n]);
		w->path = NULL;
		w->n_path = 0;
		reset(w);
		for (i = 0; i < n; i++) {
			char *e = NULL;

			if (rc == 0 && do_answer(w, keep[i].value, keep[i].assumed, &e) != 0) {
				/* cannot happen: a prefix of a valid path is valid */
				free(e);
				rc = -1;
			}
			step_clear(&keep[i]);
		}
		free(keep);
		if (rc != 0)
			*err = xstrdup("internal error: replaying the path failed");
		return rc;
	case EV_RESTART:
		reset(w);
		return 0;
	}
	return -1;
}

struct wizard *
wizard_new(void)
{
	struct wizard *w = xcalloc(1, sizeof *w);

	reset(w);
	return w;
}

void
wizard_free(struct wizard **wp)
{
	if (*wp == NULL)
		return;
	reset(*wp);
	free(*wp);
	*wp = NULL;
}

const struct wizard_question *
wizard_current(const struct wizard *w)
{
	return w->state == WIZARD_ASKING ? &wizard_tree_questions[w->cur] : NULL;
}

const char *
wizard_current_default(const struct wizard *w)
{
	return w->state == WIZARD_ASKING ? default_of(w, w->cur) : NULL;
}

int
wizard_answer(struct wizard *w, const char *value, char **err)
{
	return transition(w, EV_ANSWER, value, value == NULL, err);
}

int
wizard_back(struct wizard *w, char **err)
{
	return transition(w, EV_BACK, NULL, false, err);
}

void
wizard_restart(struct wizard *w)
{
	char *err = NULL;

	transition(w, EV_RESTART, NULL, false, &err);
	free(err);
}

const struct wizard_step *
wizard_path(const struct wizard *w, size_t *n)
{
	*n = w->n_path;
	return w->path;
}

bool
wizard_finished(const struct wizard *w)
{
	return w->state == WIZARD_FINISHED;
}

enum wizard_node
wizard_node(const struct wizard *w)
{
	return w->node;
}

int
wizard_pattern_so_far(const struct wizard *w)
{
	return w->pattern;
}

const struct wizard_result *
wizard_result(const struct wizard *w)
{
	return w->result;
}

/* ------------------------------------------------------------------------
 * The result
 * ------------------------------------------------------------------------ */

static char *
stage_note(const struct wizard *w, enum wizard_pattern pattern)
{
	const struct wizard_step *s = path_step(w, "stage");
	const struct wizard_choice *c;
	unsigned covered = 0;

	if (s == NULL || s->choice == NULL)
		return xstrdup("");
	for (c = s->question->choices; c->value != NULL; c++)
		covered |= c->stage_fits;
	if (s->choice->stage_fits & PB(pattern))
		return xasprintf("%s. This result matches the stage.", s->choice->rule);
	if ((covered & PB(pattern)) == 0)
		return xasprintf("%s. The scaling table has no stage for %s; the answers above "
				 "decide.",
				 s->choice->rule, wizard_tree_patterns[pattern].name);
	return xasprintf("%s. The answers above led to %s instead; the stage is advice, the "
			 "answers decide.",
			 s->choice->rule, wizard_tree_patterns[pattern].name);
}

static struct wizard_result *
build_result(const struct wizard *w)
{
	struct wizard_result *r = xcalloc(1, sizeof *r);
	const struct wizard_pattern_def *p;
	const struct wizard_step *load;
	size_t i;

	r->pattern = (enum wizard_pattern)w->pattern;
	p = &wizard_tree_patterns[r->pattern];
	r->pattern_id = p->id;
	r->pattern_name = p->name;
	r->when_to_use = p->when;
	r->matrix = p->matrix;
	r->node = w->node;
	r->node_name = wizard_tree_nodes[w->node].name;
	r->code_pattern = wizard_tree_nodes[w->node].code;
	r->recommended = wizard_tree_nodes[w->node].recommended;

	r->reasons = xcalloc(w->n_path, sizeof *r->reasons);
	r->n_reasons = w->n_path;
	for (i = 0; i < w->n_path; i++) {
		r->reasons[i] = w->path[i];
		r->reasons[i].value = xstrdup(w->path[i].value);
		r->reasons[i].effect = w->path[i].effect != NULL ? xstrdup(w->path[i].effect)
								 : NULL;
	}

	load = path_step(w, "load");
	if (load != NULL && load->choice != NULL) {
		r->load = load->choice->label;
		r->pool_min = load->choice->pool_min;
		r->pool_max = load->choice->pool_max;
	}

	for (i = 0; i < WIZARD_MAX_ANTI && p->anti[i].anti != WIZARD_ANTI_NONE; i++) {
		r->anti = xreallocarray(r->anti, r->n_anti + 1, sizeof *r->anti);
		r->anti[r->n_anti].name = wizard_tree_antis[p->anti[i].anti].name;
		r->anti[r->n_anti].guide = wizard_tree_antis[p->anti[i].anti].guide;
		r->anti[r->n_anti].reason = p->anti[i].reason;
		r->n_anti++;
	}
	r->stage_note = stage_note(w, r->pattern);
	wizard_profile_generate(r, w->layout);
	return r;
}

static void
result_free(struct wizard_result *r)
{
	size_t i;

	for (i = 0; i < r->n_reasons; i++)
		step_clear(&r->reasons[i]);
	free(r->reasons);
	for (i = 0; i < r->n_ignored; i++)
		free(r->ignored[i].value);
	free(r->ignored);
	free(r->anti);
	free(r->stage_note);
	free(r->profile);
	strvec_free(&r->folders, &r->n_folders);
}

void
wizard_result_free(struct wizard_result **rp)
{
	if (*rp == NULL)
		return;
	result_free(*rp);
	free(*rp);
	*rp = NULL;
}

/* ------------------------------------------------------------------------
 * Evaluation from KEY=VALUE answers
 * ------------------------------------------------------------------------ */

struct given {
	const struct wizard_question *q;
	char *value; /* normalised */
	bool used;
};

struct wizard_result *
wizard_evaluate(const char *const *answers, size_t n, char **err)
{
	struct given *g = xcalloc(n + 1, sizeof *g);
	struct wizard *w = NULL;
	struct wizard_result *r = NULL;
	size_t i, j;

	*err = NULL;
	for (i = 0; i < n && *err == NULL; i++) {
		const char *eq = strchr(answers[i], '=');
		char *key;

		if (eq == NULL || eq == answers[i]) {
			*err = xasprintf("answer \"%s\" is not KEY=VALUE", answers[i]);
			break;
		}
		key = xstrndup(answers[i], (size_t)(eq - answers[i]));
		g[i].q = wizard_question_find(key);
		if (g[i].q == NULL) {
			struct strbuf sb = STRBUF_INIT;

			for (j = 0; j < WIZARD_N_QUESTIONS; j++)
				strbuf_addf(&sb, "%s%s", j ? ", " : "",
					    wizard_tree_questions[j].key);
			*err = xasprintf("unknown question key \"%s\" (expected one of %s)", key,
					 strbuf_str(&sb));
			strbuf_free(&sb);
		}
		for (j = 0; *err == NULL && j < i; j++) {
			if (g[j].q == g[i].q)
				*err = xasprintf("%s is answered twice (%s and %s)", key,
						 g[j].value, eq + 1);
		}
		if (*err == NULL)
			*err = validate(g[i].q, eq + 1, &g[i].value);
		free(key);
	}
	if (*err != NULL)
		goto out;

	w = wizard_new();
	while (!wizard_finished(w)) {
		const struct wizard_question *q = wizard_current(w);
		const char *value = NULL;

		for (i = 0; i < n; i++) {
			if (g[i].q == q) {
				value = g[i].value;
				g[i].used = true;
			}
		}
		if (transition(w, EV_ANSWER, value, value == NULL, err) != 0)
			goto out;
	}
	r = w->result;
	w->result = NULL;
	for (i = 0; i < n; i++) {
		if (g[i].used)
			continue;
		r->ignored = xreallocarray(r->ignored, r->n_ignored + 1, sizeof *r->ignored);
		r->ignored[r->n_ignored].question = g[i].q;
		r->ignored[r->n_ignored].value = xstrdup(g[i].value);
		r->n_ignored++;
	}
out:
	for (i = 0; i < n; i++)
		free(g[i].value);
	free(g);
	wizard_free(&w);
	return r;
}
