/*
 * test_wizard: the architecture wizard against tables written here from
 * pgdbm's guide (docs/architecture-decision-tree.md), not from wizard.c.
 *
 *  - every path through the flowchart questions is enumerated from the
 *    wizard's own data and must match `flowchart` below, both ways;
 *  - every combination of choices (flowchart and refining questions) is
 *    walked; the pattern reached must match `expected_pattern()`, every
 *    matrix pattern must be reached, every question must be asked on some
 *    path, and every generated profile must load without a diagnostic;
 *  - defaults, back/restart, errors, ignored answers, pool bands, the
 *    stage note and writing the profile each have a test.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "profile.h"
#include "strbuf.h"
#include "testutil.h"
#include "wizard.h"
#include "xalloc.h"

/* The flowchart, edge by edge, and the matrix pattern of each end node. */
static const struct {
	const char *path;
	const char *node;
	enum wizard_pattern pattern;
} flowchart[] = {
	{ "service_count=one growth=stay-simple", "Simple Setup", WIZARD_SIMPLE },
	{ "service_count=one growth=might-grow", "Use Shared Pool Anyway", WIZARD_SHARED_POOL },
	{ "service_count=multiple share_data=no deployment=separate-containers",
	  "Separate Databases", WIZARD_MULTIPLE_DBS },
	{ "service_count=multiple share_data=no deployment=same-container", "Shared Pool + Schemas",
	  WIZARD_SHARED_SCHEMAS },
	{ "service_count=multiple share_data=yes same_database=no", "Multiple Databases",
	  WIZARD_MULTIPLE_DBS },
	{ "service_count=multiple share_data=yes same_database=yes", "Shared Pool Pattern",
	  WIZARD_SHARED_POOL },
};

#define N_FLOWCHART (sizeof flowchart / sizeof flowchart[0])

/* Decision question 4: the load bands. */
static const struct {
	const char *load;
	int min, max;
} bands[] = {
	{ "under-100", 10, 20 },
	{ "100-1000", 20, 50 },
	{ "over-1000", 50, 100 },
};

#define MAX_DEPTH 32

struct walk {
	const char *vals[MAX_DEPTH];
	size_t n;
};

static struct wizard *
replay(const struct walk *wk)
{
	struct wizard *w = wizard_new();
	size_t i;

	for (i = 0; i < wk->n; i++) {
		char *err = NULL;
		int rc = wizard_answer(w, wk->vals[i], &err);

		if (rc != 0)
			print_error("replay: %s\n", err);
		assert_int_equal(rc, 0);
		free(err);
	}
	return w;
}

static void
path_string(const struct wizard *w, struct strbuf *sb)
{
	const struct wizard_step *p;
	size_t n, i;

	p = wizard_path(w, &n);
	strbuf_reset(sb);
	for (i = 0; i < n; i++)
		strbuf_addf(sb, "%s%s=%s", i ? " " : "", p[i].question->key, p[i].value);
}

static const char *
path_value(const struct wizard *w, const char *key)
{
	const struct wizard_step *p;
	size_t n, i;

	p = wizard_path(w, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(p[i].question->key, key) == 0)
			return p[i].value;
	}
	return NULL;
}

static void
finish_with_defaults(struct wizard *w)
{
	while (!wizard_finished(w)) {
		char *err = NULL;

		assert_int_equal(wizard_answer(w, NULL, &err), 0);
	}
}

/* ------------------------------------------------------------------------
 * The table itself
 * ------------------------------------------------------------------------ */

static void
test_table_integrity(void **state)
{
	const struct wizard_question *qs;
	const struct wizard_override *ov;
	size_t n, i, j, n_ov;

	(void)state;
	qs = wizard_questions(&n);
	assert_true(n >= 10);
	for (i = 0; i < n; i++) {
		const struct wizard_question *q = &qs[i];

		assert_non_null(q->prompt);
		assert_non_null(q->def);
		assert_non_null(q->def_why);
		for (j = 0; j < i; j++)
			assert_string_not_equal(q->key, qs[j].key);
		if (q->next != NULL)
			assert_non_null(wizard_question_find(q->next));
		if (q->kind == WIZARD_CHOICE) {
			const struct wizard_choice *c;
			size_t k = 0;
			bool def_found = false;

			for (c = q->choices; c->value != NULL; c++, k++) {
				assert_non_null(c->label);
				assert_non_null(c->rule);
				if (c->next != NULL)
					assert_non_null(wizard_question_find(c->next));
				/* an answer leads somewhere unless it is the last question */
				assert_true(c->next != NULL || q->next != NULL ||
					    c->node != WIZARD_NODE_NONE || i == n - 1);
				def_found = def_found || strcmp(c->value, q->def) == 0;
			}
			assert_true(k >= 2);
			assert_true(def_found);
		} else {
			assert_non_null(q->form);
			assert_non_null(q->rule);
		}
	}
	ov = wizard_overrides(&n_ov);
	for (i = 0; i < n_ov; i++) {
		const struct wizard_question *q = wizard_question_find(ov[i].key);
		const struct wizard_choice *c;
		bool found = false;

		assert_non_null(q);
		for (c = q->choices; c->value != NULL; c++)
			found = found || strcmp(c->value, ov[i].value) == 0;
		assert_true(found);
		/* a refinement never fires on a default answer: the defaults keep
		 * the flowchart's result */
		assert_string_not_equal(q->def, ov[i].value);
	}
}

/* ------------------------------------------------------------------------
 * Every path through the flowchart
 * ------------------------------------------------------------------------ */

struct tree_walk {
	int seen[N_FLOWCHART];
	size_t paths;
};

static void
tree_dfs(struct walk *wk, struct tree_walk *tw)
{
	struct wizard *w = replay(wk);
	const struct wizard_question *q;
	const struct wizard_choice *c;

	if (wizard_node(w) != WIZARD_NODE_NONE) {
		struct strbuf sb = STRBUF_INIT;
		size_t i;
		bool found = false;

		path_string(w, &sb);
		tw->paths++;
		for (i = 0; i < N_FLOWCHART; i++) {
			if (strcmp(flowchart[i].path, strbuf_str(&sb)) != 0)
				continue;
			found = true;
			tw->seen[i]++;
			assert_string_equal(wizard_node_name(wizard_node(w)), flowchart[i].node);
			assert_int_equal(wizard_pattern_so_far(w), flowchart[i].pattern);
			/* the refining questions' defaults keep the flowchart's pattern */
			finish_with_defaults(w);
			assert_int_equal(wizard_result(w)->pattern, flowchart[i].pattern);
		}
		if (!found)
			print_error("path not in the guide's flowchart: %s\n", strbuf_str(&sb));
		assert_true(found);
		strbuf_free(&sb);
		wizard_free(&w);
		return;
	}
	assert_false(wizard_finished(w));
	q = wizard_current(w);
	assert_int_equal(q->kind, WIZARD_CHOICE);
	assert_true(wk->n < MAX_DEPTH);
	for (c = q->choices; c->value != NULL; c++) {
		wk->vals[wk->n++] = c->value;
		tree_dfs(wk, tw);
		wk->n--;
	}
	wizard_free(&w);
}

static void
test_every_flowchart_path(void **state)
{
	struct tree_walk tw;
	struct walk wk;
	size_t i;

	(void)state;
	memset(&tw, 0, sizeof tw);
	memset(&wk, 0, sizeof wk);
	tree_dfs(&wk, &tw);
	assert_int_equal(tw.paths, N_FLOWCHART);
	for (i = 0; i < N_FLOWCHART; i++) {
		if (tw.seen[i] != 1)
			print_error("flowchart path %s reached %d times\n", flowchart[i].path,
				    tw.seen[i]);
		assert_int_equal(tw.seen[i], 1);
	}
}

/* ------------------------------------------------------------------------
 * Every combination of choices
 * ------------------------------------------------------------------------ */

/* The pattern for a complete path, from the guide: the flowchart decides,
 * tenant isolation turns a one-database result into Schema per Tenant, and
 * a library that runs standalone and embedded is Dual-Mode. */
static enum wizard_pattern
expected_pattern(const struct wizard *w)
{
	struct strbuf sb = STRBUF_INIT;
	const char *tenants = path_value(w, "tenant_isolation");
	const char *dual = path_value(w, "dual_mode");
	enum wizard_pattern p = WIZARD_N_PATTERNS;
	size_t i;

	path_string(w, &sb);
	for (i = 0; i < N_FLOWCHART; i++) {
		size_t len = strlen(flowchart[i].path);

		if (strncmp(strbuf_str(&sb), flowchart[i].path, len) == 0 &&
		    (sb.data[len] == ' ' || sb.data[len] == '\0'))
			p = flowchart[i].pattern;
	}
	strbuf_free(&sb);
	assert_true(p != WIZARD_N_PATTERNS);
	if (tenants != NULL && strcmp(tenants, "yes") == 0 && p != WIZARD_MULTIPLE_DBS)
		p = WIZARD_TENANT_SCHEMAS;
	if (dual != NULL && strcmp(dual, "yes") == 0)
		p = WIZARD_DUAL_MODE;
	return p;
}

static void
mkdir_p(const char *path)
{
	char *s = xstrdup(path), *p;

	for (p = s + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(s, 0777);
			*p = '/';
		}
	}
	mkdir(s, 0777);
	free(s);
}

static int
band_max(const char *load)
{
	size_t i;

	for (i = 0; i < sizeof bands / sizeof bands[0]; i++) {
		if (strcmp(bands[i].load, load) == 0)
			return bands[i].max;
	}
	return -1;
}

static size_t
count_names(const char *list)
{
	size_t n = 1;

	for (; *list != '\0'; list++)
		n += *list == ',';
	return n;
}

/*
 * Load a result's profile in its own folder with the migration folders it
 * names, and check its shape against the pattern. Returns the diagnostics'
 * count (0 when it loads cleanly).
 */
static size_t
check_profile(const struct wizard_result *r, const char *services, const char *load)
{
	struct profile_diags diags = { NULL, 0, 0 };
	char *dir = tu_mkdtemp();
	struct profile *p;
	size_t i, j, n;

	assert_non_null(dir);
	for (i = 0; i < r->n_folders; i++) {
		char *f = xasprintf("%s/%s/down", dir, r->folders[i]);

		mkdir_p(f);
		free(f);
	}
	p = profile_load_string(r->profile, strlen(r->profile), "wizard.yaml", dir, &diags);
	for (i = 0; i < diags.n; i++) {
		struct strbuf sb = STRBUF_INIT;

		profile_diag_format(&diags.v[i], &sb);
		print_error("%s\n--- profile\n%s", strbuf_str(&sb), r->profile);
		strbuf_free(&sb);
	}
	n = diags.n;
	if (p != NULL) {
		assert_string_equal(p->name, r->pattern_id);
		switch (r->pattern) {
		case WIZARD_MULTIPLE_DBS:
			assert_int_equal(p->n_databases, count_names(services));
			break;
		case WIZARD_DUAL_MODE:
			assert_int_equal(p->n_databases, 2);
			assert_string_equal(p->databases[0].label, "embedded");
			assert_string_equal(p->databases[1].label, "standalone");
			assert_int_equal(p->databases[1].n_modules, 1);
			assert_string_equal(p->databases[0].modules[0].name,
					    p->databases[1].modules[0].name);
			break;
		default:
			assert_int_equal(p->n_databases, 1);
			break;
		}
		for (i = 0; i < p->n_databases; i++) {
			const struct profile_database *db = &p->databases[i];

			assert_int_equal(db->tenants.present, r->pattern == WIZARD_TENANT_SCHEMAS);
			assert_true(db->n_modules >= 1);
			assert_true(db->n_apps >= 1);
			assert_false(db->has_password);
			for (j = 0; j < db->n_apps; j++)
				assert_int_equal(db->apps[j].pool_max, band_max(load));
		}
	}
	assert_null(strstr(r->profile, "password="));
	profile_free(&p);
	profile_diags_free(&diags);
	tu_rm_rf(dir);
	free(dir);
	return n;
}

struct full_walk {
	size_t leaves;
	size_t profiles_failed;
	unsigned patterns;
	bool asked[64];
};

static void
full_dfs(struct walk *wk, struct full_walk *fw)
{
	struct wizard *w = replay(wk);
	const struct wizard_question *qs, *q;
	const struct wizard_choice *c;
	size_t nq;

	qs = wizard_questions(&nq);
	/* free-form questions keep their defaults: they do not branch */
	while (!wizard_finished(w) && wizard_current(w)->kind != WIZARD_CHOICE) {
		char *err = NULL;

		fw->asked[wizard_current(w) - qs] = true;
		assert_int_equal(wizard_answer(w, NULL, &err), 0);
	}
	if (wizard_finished(w)) {
		const struct wizard_result *r = wizard_result(w);

		fw->leaves++;
		assert_int_equal(r->pattern, expected_pattern(w));
		fw->patterns |= WIZARD_PATTERN_BIT(r->pattern);
		if (check_profile(r, path_value(w, "services"), path_value(w, "load")) != 0)
			fw->profiles_failed++;
		wizard_free(&w);
		return;
	}
	q = wizard_current(w);
	fw->asked[q - qs] = true;
	assert_true(wk->n < MAX_DEPTH);
	for (c = q->choices; c->value != NULL; c++) {
		wk->vals[wk->n++] = c->value;
		full_dfs(wk, fw);
		wk->n--;
	}
	wizard_free(&w);
}

static void
test_every_combination(void **state)
{
	struct full_walk fw;
	struct walk wk;
	size_t nq, i;

	(void)state;
	memset(&fw, 0, sizeof fw);
	memset(&wk, 0, sizeof wk);
	wizard_questions(&nq);
	assert_true(nq <= 64);
	full_dfs(&wk, &fw);
	/* 6 flowchart paths times the refinements each path asks:
	 * 4 one-database paths ask load (3), tenant_isolation (2), dual_mode
	 * (2), stage (5), and the Shared Pool Pattern node also shared_tables
	 * (2): 3 * 60 + 120; the 2 Multiple DB paths skip tenant_isolation:
	 * 2 * 30. */
	assert_int_equal(fw.leaves, 360);
	assert_int_equal(fw.profiles_failed, 0);
	assert_int_equal(fw.patterns, (1u << WIZARD_N_PATTERNS) - 1u);
	for (i = 0; i < nq; i++) {
		if (!fw.asked[i])
			print_error("question %s is never asked\n", wizard_questions(&nq)[i].key);
		assert_true(fw.asked[i]);
	}
}

/* ------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------ */

static struct wizard_result *
eval(const char *a0, ...)
{
	const char *v[MAX_DEPTH];
	struct wizard_result *r;
	char *err = NULL;
	size_t n = 0;
	va_list ap;
	const char *a;

	va_start(ap, a0);
	for (a = a0; a != NULL && n < MAX_DEPTH; a = va_arg(ap, const char *))
		v[n++] = a;
	va_end(ap);
	r = wizard_evaluate(v, n, &err);
	if (r == NULL)
		print_error("evaluate: %s\n", err);
	free(err);
	assert_non_null(r);
	return r;
}

static char *
eval_error(const char *a0, ...)
{
	const char *v[MAX_DEPTH];
	struct wizard_result *r;
	char *err = NULL;
	size_t n = 0;
	va_list ap;
	const char *a;

	va_start(ap, a0);
	for (a = a0; a != NULL && n < MAX_DEPTH; a = va_arg(ap, const char *))
		v[n++] = a;
	va_end(ap);
	r = wizard_evaluate(v, n, &err);
	assert_null(r);
	assert_non_null(err);
	return err;
}

static const struct wizard_step *
find_reason(const struct wizard_result *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n_reasons; i++) {
		if (strcmp(r->reasons[i].question->key, key) == 0)
			return &r->reasons[i];
	}
	return NULL;
}

/* The reason for key, which must be on the path. */
static const struct wizard_step *
reason(const struct wizard_result *r, const char *key)
{
	static const struct wizard_step none;
	const struct wizard_step *s = find_reason(r, key);

	if (s == NULL) {
		fail_msg("%s is not on the path", key);
		return &none;
	}
	return s;
}

static void
test_defaults_give_shared_pool(void **state)
{
	static const char *const path[] = { "service_count",	"growth",    "load",
					    "tenant_isolation", "dual_mode", "stage",
					    "services",		"database" };
	struct wizard_result *r;
	char *err = NULL;
	size_t i;

	(void)state;
	r = wizard_evaluate(NULL, 0, &err);
	assert_null(err);
	assert_non_null(r);
	assert_int_equal(r->pattern, WIZARD_SHARED_POOL);
	assert_string_equal(r->pattern_name, "Shared Pool");
	assert_string_equal(r->node_name, "Use Shared Pool Anyway");
	assert_true(r->recommended);
	assert_int_equal(r->n_reasons, sizeof path / sizeof path[0]);
	for (i = 0; i < r->n_reasons; i++) {
		assert_string_equal(r->reasons[i].question->key, path[i]);
		assert_true(r->reasons[i].assumed);
		assert_non_null(r->reasons[i].rule);
	}
	assert_int_equal(r->pool_min, 10);
	assert_int_equal(r->pool_max, 20);
	assert_int_equal(r->n_ignored, 0);
	assert_true(r->n_anti >= 3);
	assert_non_null(strstr(r->stage_note, "matches"));
	assert_int_equal(check_profile(r, "app", "under-100"), 0);
	wizard_result_free(&r);
	assert_null(r);
}

/* The six rows of the guide's Pattern Selection Matrix. */
static void
test_matrix_rows(void **state)
{
	struct wizard_result *r;

	(void)state;
	/* Simple CRUD API: 1 service, 1 database */
	r = eval("service_count=one", "growth=stay-simple", NULL);
	assert_int_equal(r->pattern, WIZARD_SIMPLE);
	assert_int_equal(check_profile(r, "app", "under-100"), 0);
	assert_non_null(strstr(r->profile, "{ name: default, schema: public"));
	wizard_result_free(&r);

	/* API with workers: 2+ services, 1 database */
	r = eval("service_count=multiple", "share_data=yes", "same_database=yes",
		 "services=api,worker", NULL);
	assert_int_equal(r->pattern, WIZARD_SHARED_POOL);
	assert_int_equal(check_profile(r, "api,worker", "under-100"), 0);
	assert_non_null(strstr(r->profile, "{ name: worker, schema: worker"));
	wizard_result_free(&r);

	/* Microservices: many services, 1 database */
	r = eval("service_count=multiple", "share_data=no", "deployment=same-container",
		 "services=auth,users,billing,notifications", "load=100-1000", NULL);
	assert_int_equal(r->pattern, WIZARD_SHARED_SCHEMAS);
	assert_int_equal(check_profile(r, "auth,users,billing,notifications", "100-1000"), 0);
	assert_int_equal(r->n_folders, 4);
	assert_string_equal(r->folders[3], "migrations/notifications");
	wizard_result_free(&r);

	/* Multi-tenant SaaS: 1 service, 1 database */
	r = eval("service_count=one", "tenant_isolation=yes", NULL);
	assert_int_equal(r->pattern, WIZARD_TENANT_SCHEMAS);
	assert_non_null(strstr(reason(r, "tenant_isolation")->effect, "Schema per Tenant"));
	assert_int_equal(check_profile(r, "app", "under-100"), 0);
	wizard_result_free(&r);

	/* Distributed system: many services, many databases */
	r = eval("service_count=multiple", "share_data=no", "deployment=separate-containers",
		 "services=users,orders,billing", "load=over-1000", NULL);
	assert_int_equal(r->pattern, WIZARD_MULTIPLE_DBS);
	assert_int_equal(check_profile(r, "users,orders,billing", "over-1000"), 0);
	assert_non_null(strstr(r->profile, "postgresql://app@localhost:5432/orders_db"));
	wizard_result_free(&r);

	/* Library/Package: 1 service, database varies */
	r = eval("dual_mode=yes", "library=docs", NULL);
	assert_int_equal(r->pattern, WIZARD_DUAL_MODE);
	assert_int_equal(check_profile(r, "app", "under-100"), 0);
	assert_non_null(strstr(r->profile, "application_name: docs_pool"));
	wizard_result_free(&r);
}

static void
test_refinements_combine(void **state)
{
	struct wizard_result *r;

	(void)state;
	/* shared tables keep Shared Pool and put the services in one schema */
	r = eval("service_count=multiple", "shared_tables=yes", NULL);
	assert_int_equal(r->pattern, WIZARD_SHARED_POOL);
	assert_non_null(strstr(r->profile, "{ name: public, schema: public"));
	assert_null(strstr(r->profile, "name: users"));
	assert_int_equal(check_profile(r, "users,orders", "under-100"), 0);
	wizard_result_free(&r);

	/* ... and the layout survives tenant isolation */
	r = eval("service_count=multiple", "shared_tables=yes", "tenant_isolation=yes",
		 "tenant_prefix=org_", NULL);
	assert_int_equal(r->pattern, WIZARD_TENANT_SCHEMAS);
	assert_non_null(strstr(r->profile, "prefix: org_"));
	assert_int_equal(check_profile(r, "users,orders", "under-100"), 0);
	wizard_result_free(&r);

	/* dual-mode comes after tenant isolation in the table, so it wins */
	r = eval("tenant_isolation=yes", "dual_mode=yes", "tenant_prefix=t_", NULL);
	assert_int_equal(r->pattern, WIZARD_DUAL_MODE);
	assert_non_null(strstr(reason(r, "dual_mode")->effect, "Schema per Tenant -> Dual-Mode"));
	/* tenant_prefix is no longer asked */
	assert_int_equal(r->n_ignored, 1);
	assert_string_equal(r->ignored[0].question->key, "tenant_prefix");
	wizard_result_free(&r);

	/* tenant isolation is not asked once the flowchart chose Multiple Databases */
	r = eval("service_count=multiple", "same_database=no", "tenant_isolation=yes", NULL);
	assert_int_equal(r->pattern, WIZARD_MULTIPLE_DBS);
	assert_int_equal(r->n_ignored, 1);
	assert_string_equal(r->ignored[0].question->key, "tenant_isolation");
	wizard_result_free(&r);
}

static void
test_assumed_and_ignored(void **state)
{
	struct wizard_result *r;

	(void)state;
	r = eval("service_count=one", "deployment=separate-containers", "load=over-1000",
		 "services=shop", NULL);
	assert_false(reason(r, "service_count")->assumed);
	assert_true(reason(r, "growth")->assumed);
	assert_false(reason(r, "load")->assumed);
	assert_false(reason(r, "services")->assumed);
	assert_null(find_reason(r, "deployment"));
	assert_int_equal(r->n_ignored, 1);
	assert_string_equal(r->ignored[0].question->key, "deployment");
	assert_string_equal(r->ignored[0].value, "separate-containers");
	assert_int_equal(r->pattern, WIZARD_SHARED_POOL);
	wizard_result_free(&r);

	/* names are trimmed */
	r = eval("service_count=multiple", "services= users , orders", NULL);
	assert_string_equal(reason(r, "services")->value, "users,orders");
	wizard_result_free(&r);

	/* the services default follows the service count */
	r = eval("service_count=multiple", NULL);
	assert_string_equal(reason(r, "services")->value, "users,orders");
	assert_true(reason(r, "services")->assumed);
	wizard_result_free(&r);
}

static void
test_pool_bands(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bands / sizeof bands[0]; i++) {
		char *a = xasprintf("load=%s", bands[i].load);
		struct wizard_result *r = eval(a, "service_count=multiple", "same_database=no",
					       NULL);
		char *want = xasprintf("pool_max: %d }", bands[i].max);

		assert_int_equal(r->pool_min, bands[i].min);
		assert_int_equal(r->pool_max, bands[i].max);
		assert_non_null(strstr(r->profile, want));
		assert_int_equal(check_profile(r, "users,orders", bands[i].load), 0);
		free(want);
		free(a);
		wizard_result_free(&r);
	}
}

/* The anti-pattern texts other modules (the advisor) quote. */
static void
test_anti_pattern_texts(void **state)
{
	(void)state;
	assert_string_equal(wizard_anti_name(WIZARD_ANTI_MULTIPLE_POOLS),
			    "Multiple Pools to Same Database");
	assert_string_equal(wizard_anti_guide(WIZARD_ANTI_POOL_PER_REQUEST),
			    "WRONG - Never create pools in request handlers");
	assert_string_equal(wizard_anti_name(WIZARD_ANTI_NONE), "?");
	assert_string_equal(wizard_anti_guide(WIZARD_N_ANTI), "?");
	assert_string_equal(wizard_pattern_when(WIZARD_SIMPLE),
			    "Single service, no growth expected, <100 requests/second");
}

static void
test_stage_note(void **state)
{
	struct wizard_result *r;

	(void)state;
	r = eval("growth=stay-simple", "stage=enterprise", NULL);
	assert_int_equal(r->pattern, WIZARD_SIMPLE);
	assert_non_null(strstr(r->stage_note, "Enterprise"));
	assert_non_null(strstr(r->stage_note, "led to Simple instead"));
	wizard_result_free(&r);

	r = eval("service_count=multiple", "share_data=no", "stage=growth", NULL);
	assert_non_null(strstr(r->stage_note, "matches"));
	wizard_result_free(&r);

	r = eval("dual_mode=yes", NULL);
	assert_non_null(strstr(r->stage_note, "no stage for Dual-Mode"));
	wizard_result_free(&r);
}

static void
expect_error(char *err, const char *want)
{
	if (strstr(err, want) == NULL)
		print_error("error \"%s\" lacks \"%s\"\n", err, want);
	assert_non_null(strstr(err, want));
	free(err);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error(eval_error("colour=blue", NULL),
		     "unknown question key \"colour\" (expected one of service_count, "
		     "share_data, same_database, growth, deployment, load");
	expect_error(eval_error("load=lots", NULL),
		     "value \"lots\" for load (expected one of under-100, 100-1000, over-1000)");
	expect_error(eval_error("growth", NULL), "answer \"growth\" is not KEY=VALUE");
	expect_error(eval_error("=yes", NULL), "is not KEY=VALUE");
	expect_error(eval_error("load=under-100", "load=over-1000", NULL),
		     "load is answered twice");
	/* a bad value is refused even for a question the path would not reach */
	expect_error(eval_error("deployment=cloud", NULL), "value \"cloud\" for deployment");
	expect_error(eval_error("services=Users", NULL), "\"Users\" contains upper case");
	expect_error(eval_error("services=user", NULL), "reserved word");
	expect_error(eval_error("service_count=multiple", "services=a,,b", NULL), "\"\" is empty");
	expect_error(eval_error("service_count=multiple", "services=a,b,a", NULL),
		     "\"a\" is listed twice");
	expect_error(eval_error("services=public", NULL), "shared schema");
	expect_error(eval_error("services=users,orders", NULL),
		     "2 names, but service_count is one (assumed)");
	expect_error(eval_error("service_count=multiple", "services=users", NULL),
		     "one name, but service_count is multiple");
	expect_error(eval_error("dual_mode=yes", "services=mylib", NULL),
		     "value \"mylib\" for library: it is also a service name");
	expect_error(eval_error("tenant_isolation=yes", "services=tenant_admin", NULL),
		     "service schema tenant_admin starts with it");
	expect_error(eval_error("tenant_isolation=yes", "tenant_prefix=archived", NULL),
		     "overlaps the archive prefix");
	expect_error(eval_error("tenant_isolation=yes", "tenant_prefix=Tenant_", NULL),
		     "must start with a lower-case letter");
	expect_error(
		eval_error("tenant_isolation=yes", "services=tenant", "tenant_prefix=t_", NULL),
		"would share migrations/tenant");
	expect_error(eval_error("database=my-db", NULL), "value \"my-db\" for database");
	expect_error(eval_error("services=a23456789012345678901234567890123456789012345678901234567"
				"89",
				NULL),
		     "longer than 58 characters");
}

/* ------------------------------------------------------------------------
 * The state: answer, back, restart
 * ------------------------------------------------------------------------ */

static void
test_back_and_restart(void **state)
{
	struct wizard *w = wizard_new();
	const struct wizard_step *p;
	char *err = NULL;
	size_t n;

	(void)state;
	assert_string_equal(wizard_current(w)->key, "service_count");
	assert_string_equal(wizard_current_default(w), "one");
	assert_int_equal(wizard_back(w, &err), -1);
	assert_non_null(strstr(err, "first question"));
	free(err);
	err = NULL;

	/* a refused answer changes nothing */
	assert_int_equal(wizard_answer(w, "several", &err), -1);
	assert_non_null(strstr(err, "expected one of one, multiple"));
	free(err);
	err = NULL;
	wizard_path(w, &n);
	assert_int_equal(n, 0);

	assert_int_equal(wizard_answer(w, "multiple", &err), 0);
	assert_int_equal(wizard_answer(w, "no", &err), 0);
	assert_string_equal(wizard_current(w)->key, "deployment");
	p = wizard_path(w, &n);
	assert_int_equal(n, 2);
	assert_string_equal(p[1].question->key, "share_data");
	assert_string_equal(p[1].value, "no");
	assert_false(p[1].assumed);
	assert_non_null(strstr(p[1].rule, "Isolated Services"));
	assert_int_equal(wizard_pattern_so_far(w), -1);

	assert_int_equal(wizard_back(w, &err), 0);
	assert_string_equal(wizard_current(w)->key, "share_data");
	wizard_path(w, &n);
	assert_int_equal(n, 1);

	assert_int_equal(wizard_answer(w, "yes", &err), 0);
	assert_int_equal(wizard_answer(w, "yes", &err), 0);
	assert_int_equal(wizard_node(w), WIZARD_NODE_SHARED_POOL);
	assert_int_equal(wizard_pattern_so_far(w), WIZARD_SHARED_POOL);
	assert_string_equal(wizard_current(w)->key, "load");
	/* the services default now follows service_count=multiple */
	assert_int_equal(wizard_answer(w, "over-1000", &err), 0);
	assert_string_equal(wizard_current(w)->key, "shared_tables");
	assert_int_equal(wizard_answer(w, "no", &err), 0);
	assert_int_equal(wizard_answer(w, "yes", &err), 0); /* tenant isolation */
	assert_int_equal(wizard_pattern_so_far(w), WIZARD_TENANT_SCHEMAS);

	/* going back undoes the refinement */
	assert_int_equal(wizard_back(w, &err), 0);
	assert_int_equal(wizard_pattern_so_far(w), WIZARD_SHARED_POOL);
	assert_string_equal(wizard_current(w)->key, "tenant_isolation");
	finish_with_defaults(w);
	assert_true(wizard_finished(w));
	assert_null(wizard_current(w));
	assert_int_equal(wizard_result(w)->pattern, WIZARD_SHARED_POOL);
	assert_int_equal(wizard_result(w)->pool_max, 100);
	assert_string_equal(path_value(w, "services"), "users,orders");

	/* answering a finished wizard is refused; back reopens the last question */
	assert_int_equal(wizard_answer(w, "x", &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(wizard_back(w, &err), 0);
	assert_false(wizard_finished(w));
	assert_null(wizard_result(w));
	assert_string_equal(wizard_current(w)->key, "database");
	assert_int_equal(wizard_answer(w, "shop", &err), 0);
	assert_true(wizard_finished(w));
	assert_non_null(strstr(wizard_result(w)->profile, "localhost:5432/shop\""));

	wizard_restart(w);
	assert_false(wizard_finished(w));
	assert_int_equal(wizard_node(w), WIZARD_NODE_NONE);
	assert_string_equal(wizard_current(w)->key, "service_count");
	wizard_path(w, &n);
	assert_int_equal(n, 0);
	wizard_free(&w);
	assert_null(w);
}

/* ------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------ */

static void
test_write(void **state)
{
	struct profile_diags diags = { NULL, 0, 0 };
	struct wizard_result *r;
	struct profile *p;
	char *dir = tu_mkdtemp(), *file, *err = NULL, **created = NULL;
	size_t n_created = 0, i;
	struct stat st;

	(void)state;
	assert_non_null(dir);
	file = xasprintf("%s/sub.yaml", dir);
	r = eval("service_count=multiple", "share_data=no", "services=users,orders", NULL);

	assert_int_equal(wizard_write(r, file, false, &created, &n_created, &err), 0);
	/* migrations, migrations/users, its down, migrations/orders, its down */
	assert_int_equal(n_created, 5);
	for (i = 0; i < n_created; i++) {
		assert_int_equal(stat(created[i], &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		free(created[i]);
	}
	free(created);
	p = profile_load(file, &diags);
	assert_non_null(p);
	assert_int_equal(diags.n, 0);
	profile_free(&p);

	/* an existing file is left alone without force */
	assert_int_equal(wizard_write(r, file, false, &created, &n_created, &err), 1);
	assert_null(err);
	assert_int_equal(n_created, 0);
	/* with force it is replaced; the folders exist already */
	assert_int_equal(wizard_write(r, file, true, &created, &n_created, &err), 0);
	assert_int_equal(n_created, 0);
	free(created);

	/* a folder that cannot be made is an error */
	wizard_result_free(&r);
	r = eval("services=blocked", NULL);
	{
		char *blocker = xasprintf("%s/migrations/blocked", dir);

		assert_int_equal(tu_write_file(blocker, "not a folder"), 0);
		free(blocker);
	}
	assert_int_equal(wizard_write(r, file, true, &created, &n_created, &err), -1);
	assert_non_null(strstr(err, "is not a folder"));
	free(err);
	for (i = 0; i < n_created; i++)
		free(created[i]);
	free(created);

	profile_diags_free(&diags);
	wizard_result_free(&r);
	tu_rm_rf(dir);
	free(dir);
	free(file);
}

/* What each choice leads to, as both front ends show it beside the answer. */
static void
test_leads_to(void **state)
{
	static const struct {
		const char *key, *value, *leads;
	} cases[] = {
		{ "service_count", "one", "Future growth?" },
		{ "service_count", "multiple", "Services share data?" },
		{ "same_database", "no", "Multiple Databases" },
		{ "growth", "might-grow", "Use Shared Pool Anyway" },
		{ "load", "100-1000", "pool 20-50 connections" },
		{ "stage", "scale", "fits Shared Pool or Shared Pool + Schemas" },
		{ "tenant_isolation", "yes", "Use Schema per Tenant" },
		{ "shared_tables", "no", "Use different schemas" },
	};
	const struct wizard_question *q;
	const struct wizard_choice *c;
	char buf[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		q = wizard_question_find(cases[i].key);
		assert_non_null(q);
		for (c = q->choices; c->value != NULL && strcmp(c->value, cases[i].value) != 0; c++)
			;
		assert_non_null(c->value);
		assert_string_equal(wizard_choice_leads_to(c, buf, sizeof buf), cases[i].leads);
	}
	/* a small buffer is cut, never overrun */
	q = wizard_question_find("stage");
	assert_string_equal(wizard_choice_leads_to(&q->choices[3], buf, 12), "fits Shared");
}

/* The verdict on a written profile: what `profile check` says, with every diagnostic. */
static void
test_verdict(void **state)
{
	struct wizard_result *r;
	char *dir = tu_mkdtemp(), *file, *err = NULL, **created = NULL, *v;
	size_t n_created = 0, i;
	bool loads = false;

	(void)state;
	assert_non_null(dir);
	file = xasprintf("%s/p.yaml", dir);
	r = eval("service_count=multiple", "tenant_isolation=yes", "services=accounts,billing",
		 NULL);
	assert_int_equal(wizard_write(r, file, false, &created, &n_created, &err), 0);
	for (i = 0; i < n_created; i++)
		free(created[i]);
	free(created);
	v = wizard_verdict(file, &loads);
	assert_true(loads);
	assert_string_equal(v, "profile check passed: profile schema-per-tenant, 1 database "
			       "(app), 2 modules, tenants");
	free(v);

	assert_int_equal(tu_write_file(file, "name: x\ncolour: blue\n"), 0);
	v = wizard_verdict(file, &loads);
	assert_false(loads);
	assert_non_null(strstr(v, "profile check FAILED: the written profile does not load\n"));
	assert_non_null(strstr(v, "p.yaml:2:1: error: "));
	free(v);

	wizard_result_free(&r);
	tu_rm_rf(dir);
	free(dir);
	free(file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_integrity),
		cmocka_unit_test(test_every_flowchart_path),
		cmocka_unit_test(test_every_combination),
		cmocka_unit_test(test_defaults_give_shared_pool),
		cmocka_unit_test(test_matrix_rows),
		cmocka_unit_test(test_refinements_combine),
		cmocka_unit_test(test_assumed_and_ignored),
		cmocka_unit_test(test_pool_bands),
		cmocka_unit_test(test_anti_pattern_texts),
		cmocka_unit_test(test_stage_note),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_back_and_restart),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_leads_to),
		cmocka_unit_test(test_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
