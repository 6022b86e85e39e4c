/*
 * wizard_tree: pgdbm's architecture decision tree as tables, and what they
 * say (names, the guide's words, what a choice leads to). The engine that
 * walks them is wizard.c.
 *
 * Vocabulary (from the guide, docs/architecture-decision-tree.md in pgdbm):
 *  - the flowchart asks five questions (Q1 to Q5) and ends on a node such
 *    as "Use Shared Pool Anyway"; each node leads to a code box ("Shared
 *    Pool Pattern") and, here, to one pattern of the selection matrix;
 *  - the matrix has six patterns: Simple, Shared Pool, Shared Pool +
 *    Schemas, Schema per Tenant, Multiple Databases, Dual-Mode;
 *  - the "Decision Questions", the scaling table and the profile the wizard
 *    writes add refining questions after the flowchart.
 *
 * Tables:
 *  - wizard_tree_questions[]: every question in asking order, with its
 *    choices; a choice names the next question (or falls through to the
 *    question's `next`), the flowchart node it reaches, the guide's words, a
 *    default it implies for a later question and, for the load bands, the
 *    pool size. A question after the flowchart is asked only when the node
 *    reached and the pattern so far match its masks; otherwise the walk
 *    skips it.
 *  - wizard_tree_nodes[]: each flowchart end node, its code box and matrix
 *    pattern.
 *  - wizard_tree_overrides[]: refinements. Answering KEY=VALUE while the
 *    pattern is in `from` turns it into `to` and/or sets a profile layout
 *    flag. Rows apply in table order, so a later row wins: tenant isolation
 *    turns a one-database pattern into Schema per Tenant, then dual-mode
 *    turns any pattern into Dual-Mode.
 *  - wizard_tree_antis[]: the guide's anti-patterns, titled and commented.
 *  - wizard_tree_patterns[]: what the result says about each pattern (the
 *    guide's "When to use", its matrix row, the anti-patterns with a reason
 *    each) and the shape of the profile generated for it.
 *
 * WIZARD_N_QUESTIONS and WIZARD_N_OVERRIDES (wizard_int.h) count the rows;
 * the build fails when a row is added without them.
 */
#include "config.h"

#include "wizard.h"

#include <stdio.h>
#include <string.h>

#include "wizard_int.h"

#define PB(p) WIZARD_PATTERN_BIT(p)
#define NB(n) WIZARD_NODE_BIT(n)

#define ALL_PATTERNS ((1u << WIZARD_N_PATTERNS) - 1u)
/* Patterns that keep the data in one database. */
#define ONE_DATABASE (PB(WIZARD_SIMPLE) | PB(WIZARD_SHARED_POOL) | PB(WIZARD_SHARED_SCHEMAS))

/* ------------------------------------------------------------------------
 * The questions
 * ------------------------------------------------------------------------ */

const struct wizard_question wizard_tree_questions[] = {
	/* The flowchart. */
	{
		.key = "service_count",
		.prompt = "How many services?",
		.source = "flowchart Q1; decision question 1",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "one",
				  .label = "One",
				  .next = "growth",
				  .rule = "How many services? One -> Single Service; \"One -> Consider "
					  "Simple Pattern (but Shared Pool is still better)\"",
				  .implies_key = "services",
				  .implies_value = "app" },
				{ .value = "multiple",
				  .label = "Multiple",
				  .next = "share_data",
				  .rule = "How many services? Multiple -> Services share data?; "
					  "\"Multiple -> Use Shared Pool Pattern\"",
				  .implies_key = "services",
				  .implies_value = "users,orders" },
				{ .value = NULL },
			},
		.def = "one",
		.def_why = "either answer reaches the Shared Pool Pattern when the questions after "
			   "it keep their defaults, and one service is the smaller assumption "
			   "(\"When in doubt, use the Shared Pool Pattern\")",
	},
	{
		.key = "share_data",
		.prompt = "Services share data?",
		.source = "flowchart Q2",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "yes",
				  .label = "Yes",
				  .next = "same_database",
				  .rule = "Services share data? Yes -> Same database?" },
				{ .value = "no",
				  .label = "No",
				  .next = "deployment",
				  .rule = "Services share data? No -> Isolated Services -> Deployment "
					  "type?" },
				{ .value = NULL },
			},
		.def = "yes",
		.def_why = "the branch of the guide's main recommendation, the Shared Pool "
			   "Pattern node",
	},
	{
		.key = "same_database",
		.prompt = "Same database?",
		.source = "flowchart Q3",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "no",
				  .label = "No",
				  .next = "load",
				  .node = WIZARD_NODE_MULTIPLE_DATABASES,
				  .rule = "Same database? No -> Multiple Databases -> Multiple DB "
					  "Pattern" },
				{ .value = "yes",
				  .label = "Yes",
				  .next = "load",
				  .node = WIZARD_NODE_SHARED_POOL,
				  .rule = "Same database? Yes -> Shared Pool Pattern (recommended)" },
				{ .value = NULL },
			},
		.def = "yes",
		.def_why = "\"Default choice: Always use Shared Pool Pattern unless you have a "
			   "specific reason not to\"",
	},
	{
		.key = "growth",
		.prompt = "Future growth?",
		.source = "flowchart Q4; decision question 5",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "stay-simple",
				  .label = "Will stay simple",
				  .next = "load",
				  .node = WIZARD_NODE_SIMPLE_SETUP,
				  .rule = "Future growth? Will stay simple -> Simple Setup -> Simple "
					  "Pattern; \"No -> Simple Pattern is fine\"" },
				{ .value = "might-grow",
				  .label = "Might grow",
				  .next = "load",
				  .node = WIZARD_NODE_SHARED_POOL_ANYWAY,
				  .rule = "Future growth? Might grow -> Use Shared Pool Anyway "
					  "(recommended) -> Shared Pool Pattern; \"Yes -> Start with "
					  "Shared Pool now\"" },
				{ .value = NULL },
			},
		.def = "might-grow",
		.def_why = "\"Start right: It's easier to start with Shared Pool than to migrate "
			   "later\"",
	},
	{
		.key = "deployment",
		.prompt = "Deployment type?",
		.source = "flowchart Q5",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "separate-containers",
				  .label = "Separate containers",
				  .next = "load",
				  .node = WIZARD_NODE_SEPARATE_DATABASES,
				  .rule = "Deployment type? Separate containers -> Separate Databases "
					  "-> Multiple DB Pattern" },
				{ .value = "same-container",
				  .label = "Same container",
				  .next = "load",
				  .node = WIZARD_NODE_SHARED_POOL_SCHEMAS,
				  .rule = "Deployment type? Same container -> Shared Pool + Schemas "
					  "(recommended) -> Shared Pool Pattern" },
				{ .value = NULL },
			},
		.def = "same-container",
		.def_why = "the recommended branch, Shared Pool + Schemas",
	},

	/* Refining questions, asked after the flowchart. */
	{
		.key = "load",
		.prompt = "What's your expected load?",
		.source = "decision question 4",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "under-100",
				  .label = "< 100 req/s",
				  .rule = "What's your expected load? < 100 req/s -> 10-20 connections",
				  .pool_min = 10,
				  .pool_max = 20 },
				{ .value = "100-1000",
				  .label = "100-1000 req/s",
				  .rule = "What's your expected load? 100-1000 req/s -> 20-50 "
					  "connections",
				  .pool_min = 20,
				  .pool_max = 50 },
				{ .value = "over-1000",
				  .label = "> 1000 req/s",
				  .rule = "What's your expected load? > 1000 req/s -> 50-100 "
					  "connections",
				  .pool_min = 50,
				  .pool_max = 100 },
				{ .value = NULL },
			},
		.def = "under-100",
		.def_why = "the lowest band: the Simple pattern's \"<100 requests/second\", and "
			   "the same 10-20 the scaling table gives Shared Pool at the MVP stage",
		.next = "shared_tables",
	},
	{
		.key = "shared_tables",
		.prompt = "Will services share tables?",
		.source = "decision question 2",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "no",
				  .label = "No",
				  .rule = "Will services share tables? No -> Use different schemas" },
				{ .value = "yes",
				  .label = "Yes",
				  .rule = "Will services share tables? Yes -> Use same schema" },
				{ .value = NULL },
			},
		.def = "no",
		.def_why = "\"Use schemas: They're free, provide isolation, and prevent "
			   "conflicts\"",
		.next = "tenant_isolation",
		.ask_nodes = NB(WIZARD_NODE_SHARED_POOL),
		.ask_note = "asked when several services share data in one database (the "
			    "Shared Pool Pattern node)",
	},
	{
		.key = "tenant_isolation",
		.prompt = "Do you need tenant isolation?",
		.source = "decision question 3",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "no",
				  .label = "No",
				  .rule = "Do you need tenant isolation? No -> Use service-based "
					  "schemas" },
				{ .value = "yes",
				  .label = "Yes",
				  .rule = "Do you need tenant isolation? Yes -> Use Schema per "
					  "Tenant" },
				{ .value = NULL },
			},
		.def = "no",
		.def_why = "tenant isolation is a specific requirement (\"Multi-tenant SaaS with "
			   "data isolation requirements\")",
		.next = "dual_mode",
		.ask_patterns = ONE_DATABASE,
		.ask_note = "asked when the data lives in one database (Simple, Shared Pool, "
			    "Shared Pool + Schemas)",
	},
	{
		.key = "dual_mode",
		.prompt = "Do you need to support both standalone and embedded deployment?",
		.source = "decision question 6",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "no",
				  .label = "No",
				  .rule = "Do you need to support both standalone and embedded "
					  "deployment? No -> Use standard patterns" },
				{ .value = "yes",
				  .label = "Yes",
				  .rule = "Do you need to support both standalone and embedded "
					  "deployment? Yes -> Use Dual-Mode Pattern" },
				{ .value = NULL },
			},
		.def = "no",
		.def_why = "only reusable libraries need it (\"Building reusable libraries that "
			   "can run standalone or embedded\")",
		.next = "stage",
	},
	{
		.key = "stage",
		.prompt = "Which growth stage are you at?",
		.source = "scaling guidelines",
		.kind = WIZARD_CHOICE,
		.choices =
			(const struct wizard_choice[]){
				{ .value = "prototype",
				  .label = "Prototype (< 100 users)",
				  .rule = "Prototype, < 100 users: Simple, pool 2-10 (Quick start)",
				  .stage_fits = PB(WIZARD_SIMPLE) },
				{ .value = "mvp",
				  .label = "MVP (< 1K users)",
				  .rule = "MVP, < 1K users: Shared Pool, pool 10-20 (Better "
					  "structure)",
				  .stage_fits = PB(WIZARD_SHARED_POOL) },
				{ .value = "growth",
				  .label = "Growth (< 10K users)",
				  .rule = "Growth, < 10K users: Shared + Schemas, pool 20-50 (Service "
					  "isolation)",
				  .stage_fits = PB(WIZARD_SHARED_SCHEMAS) },
				{ .value = "scale",
				  .label = "Scale (< 100K users)",
				  .rule = "Scale, < 100K users: Shared + Monitoring, pool 50-100 (Add "
					  "monitoring)",
				  .stage_fits = PB(WIZARD_SHARED_POOL) |
						PB(WIZARD_SHARED_SCHEMAS) },
				{ .value = "enterprise",
				  .label = "Enterprise (> 100K users)",
				  .rule = "Enterprise, > 100K users: Multiple DBs, pool 100+ per DB "
					  "(True separation)",
				  .stage_fits = PB(WIZARD_MULTIPLE_DBS) },
				{ .value = NULL },
			},
		.def = "mvp",
		.def_why = "the stage the scaling table pairs with the default choice, Shared "
			   "Pool",
		.next = "services",
	},

	/* What the generated profile needs. */
	{
		.key = "services",
		.prompt = "Service names?",
		.source = "generated profile",
		.kind = WIZARD_NAMES,
		.def = "app",
		.def_why = "app for one service; users,orders (the guide's Shared Pool example) "
			   "for several",
		.next = "library",
		.rule = "each service gets a schema, a module and migrations/<name>; in Multiple "
			"Databases, a database of its own",
		.form = "comma-separated lower-case names (a-z, 0-9, _; at most 58 characters)",
		.check = wizard_check_services,
	},
	{
		.key = "library",
		.prompt = "Library name?",
		.source = "generated profile, Dual-Mode",
		.kind = WIZARD_SCHEMA,
		.def = "mylib",
		.def_why = "the guide's Dual-Mode example (schema='mylib')",
		.next = "tenant_prefix",
		.ask_patterns = PB(WIZARD_DUAL_MODE),
		.ask_note = "asked for Dual-Mode",
		.rule = "embedded, the library runs on the host's shared pool in its own schema; "
			"standalone, it owns its database and pool",
		.form = "a lower-case name (a-z, 0-9, _; at most 58 characters)",
		.check = wizard_check_library,
	},
	{
		.key = "tenant_prefix",
		.prompt = "Tenant schema prefix?",
		.source = "generated profile, Schema per Tenant",
		.kind = WIZARD_PREFIX,
		.def = "tenant_",
		.def_why = "the guide's schema = f\"tenant_{tenant_id}\"",
		.next = "database",
		.ask_patterns = PB(WIZARD_TENANT_SCHEMAS),
		.ask_note = "asked for Schema per Tenant",
		.rule = "tenant ID lives in schema <prefix>ID, migrated from migrations/tenant "
			"with module name = the schema",
		.form = "lower-case letters, digits and _, starting with a letter or _",
		.check = wizard_check_prefix,
	},
	{
		.key = "database",
		.prompt = "Database name?",
		.source = "generated profile",
		.kind = WIZARD_DBNAME,
		.def = "app",
		.def_why = "a placeholder to edit",
		.ask_patterns = ALL_PATTERNS & ~PB(WIZARD_MULTIPLE_DBS),
		.ask_note = "not asked for Multiple Databases (one database per service)",
		.rule = "the database of the conninfo placeholder "
			"postgresql://app@localhost:5432/<database>",
		.form = "an identifier (letters, digits, _)",
	},
};

_Static_assert(sizeof wizard_tree_questions / sizeof wizard_tree_questions[0] == WIZARD_N_QUESTIONS,
	       "WIZARD_N_QUESTIONS counts the rows of wizard_tree_questions");

/* ------------------------------------------------------------------------
 * Flowchart nodes, refinements, patterns
 * ------------------------------------------------------------------------ */

const struct wizard_node_def wizard_tree_nodes[WIZARD_N_NODES] = {
	[WIZARD_NODE_NONE] = { "(none)", "(none)", WIZARD_SHARED_POOL, false },
	[WIZARD_NODE_SIMPLE_SETUP] = { "Simple Setup", "Simple Pattern", WIZARD_SIMPLE, false },
	[WIZARD_NODE_SHARED_POOL_ANYWAY] = { "Use Shared Pool Anyway", "Shared Pool Pattern",
					     WIZARD_SHARED_POOL, true },
	[WIZARD_NODE_SHARED_POOL] = { "Shared Pool Pattern", "Shared Pool Pattern",
				      WIZARD_SHARED_POOL, true },
	[WIZARD_NODE_SHARED_POOL_SCHEMAS] = { "Shared Pool + Schemas", "Shared Pool Pattern",
					      WIZARD_SHARED_SCHEMAS, true },
	[WIZARD_NODE_SEPARATE_DATABASES] = { "Separate Databases", "Multiple DB Pattern",
					     WIZARD_MULTIPLE_DBS, false },
	[WIZARD_NODE_MULTIPLE_DATABASES] = { "Multiple Databases", "Multiple DB Pattern",
					     WIZARD_MULTIPLE_DBS, false },
};

const struct wizard_override wizard_tree_overrides[] = {
	{ "shared_tables", "yes", PB(WIZARD_SHARED_POOL), -1, WIZARD_LAYOUT_SHARED_SCHEMA,
	  "Will services share tables? Yes -> Use same schema" },
	{ "tenant_isolation", "yes", ONE_DATABASE, WIZARD_TENANT_SCHEMAS, 0,
	  "Do you need tenant isolation? Yes -> Use Schema per Tenant" },
	{ "dual_mode", "yes", ALL_PATTERNS, WIZARD_DUAL_MODE, 0,
	  "Do you need to support both standalone and embedded deployment? Yes -> Use "
	  "Dual-Mode Pattern" },
};

_Static_assert(sizeof wizard_tree_overrides / sizeof wizard_tree_overrides[0] == WIZARD_N_OVERRIDES,
	       "WIZARD_N_OVERRIDES counts the rows of wizard_tree_overrides");

const struct wizard_anti_def wizard_tree_antis[WIZARD_N_ANTI] = {
	[WIZARD_ANTI_NONE] = { NULL, NULL },
	[WIZARD_ANTI_MULTIPLE_POOLS] = { "Multiple Pools to Same Database",
					 "WRONG - Creates multiple pools" },
	[WIZARD_ANTI_SCHEMA_SWITCHING] = { "Schema Switching",
					   "WRONG - Never change schema at runtime" },
	[WIZARD_ANTI_POOL_PER_REQUEST] = { "Pool per Request",
					   "WRONG - Never create pools in request handlers" },
	[WIZARD_ANTI_NOT_CLOSING] = { "Forgetting to Close Pools", "WRONG - Always clean up" },
};

const struct wizard_pattern_def wizard_tree_patterns[WIZARD_N_PATTERNS] = {
	[WIZARD_SIMPLE] = {
		"simple", "Simple",
		"Single service, no growth expected, <100 requests/second",
		"Simple CRUD API: 1 service, 1 database (No overhead needed)",
		WIZARD_SHAPE_OWNED,
		{
			{ WIZARD_ANTI_POOL_PER_REQUEST,
			  "the service owns its pool: create it once at startup (db.connect()), "
			  "never in a request handler" },
			{ WIZARD_ANTI_NOT_CLOSING,
			  "an owned pool is the service's to close: await db.disconnect() at "
			  "shutdown" },
			{ WIZARD_ANTI_MULTIPLE_POOLS,
			  "a worker with its own DatabaseConfig opens a second pool to the same "
			  "database; when a second service appears, move to the Shared Pool "
			  "pattern" },
		},
	},
	[WIZARD_SHARED_POOL] = {
		"shared-pool", "Shared Pool",
		"Multiple services, same database, production applications",
		"API with workers: 2+ services, 1 database (Efficient connection use)",
		WIZARD_SHAPE_SHARED,
		{
			{ WIZARD_ANTI_MULTIPLE_POOLS,
			  "the point of the pattern: every service takes a manager on the one pool "
			  "from create_shared_pool(); none builds its own DatabaseConfig" },
			{ WIZARD_ANTI_POOL_PER_REQUEST,
			  "handlers use the managers made at startup (get_manager), never a new "
			  "pool" },
			{ WIZARD_ANTI_SCHEMA_SWITCHING,
			  "each manager keeps the schema it was made with; make another manager on "
			  "the same pool instead of changing db.schema" },
			{ WIZARD_ANTI_NOT_CLOSING,
			  "the pool's owner closes it once at shutdown (await shared_pool.close()); "
			  "the managers on it do not own it" },
		},
	},
	[WIZARD_SHARED_SCHEMAS] = {
		"shared-pool-schemas", "Shared Pool + Schemas",
		"Microservices architecture, service isolation needed",
		"Microservices: many services, 1 database (Isolation + efficiency)",
		WIZARD_SHAPE_SHARED,
		{
			{ WIZARD_ANTI_SCHEMA_SWITCHING,
			  "isolation rests on each service's manager keeping its schema; switching "
			  "db.schema at runtime sends one service's queries into another's tables" },
			{ WIZARD_ANTI_MULTIPLE_POOLS,
			  "every service manager sits on the one shared pool; a pool per service "
			  "multiplies the connections to the same database" },
			{ WIZARD_ANTI_POOL_PER_REQUEST,
			  "services take their manager from app.state, made once in the lifespan" },
			{ WIZARD_ANTI_NOT_CLOSING,
			  "close the shared pool when the lifespan ends (await "
			  "shared_pool.close())" },
		},
	},
	[WIZARD_TENANT_SCHEMAS] = {
		"schema-per-tenant", "Schema per Tenant",
		"Multi-tenant SaaS with data isolation requirements",
		"Multi-tenant SaaS: 1 service, 1 database (Data isolation)",
		WIZARD_SHAPE_SHARED | WIZARD_SHAPE_TENANTS,
		{
			{ WIZARD_ANTI_SCHEMA_SWITCHING,
			  "keep one manager per tenant schema (get_tenant_db); pointing a manager's "
			  "db.schema at another tenant per request leaks data between tenants" },
			{ WIZARD_ANTI_POOL_PER_REQUEST,
			  "tenant managers are made on the shared pool at provisioning; never create "
			  "a pool when a tenant's request arrives" },
			{ WIZARD_ANTI_MULTIPLE_POOLS,
			  "a pool per tenant multiplies connections by the number of tenants; all "
			  "tenants share one pool" },
			{ WIZARD_ANTI_NOT_CLOSING,
			  "close the shared pool at shutdown; the tenant managers do not own it" },
		},
	},
	[WIZARD_MULTIPLE_DBS] = {
		"multiple-databases", "Multiple Databases",
		"True service separation, different databases per service",
		"Distributed system: many services, many databases (True separation)",
		WIZARD_SHAPE_DB_PER_SERVICE,
		{
			{ WIZARD_ANTI_MULTIPLE_POOLS,
			  "one pool per database: each service connects to its own database once, "
			  "and nothing else opens a second pool to it" },
			{ WIZARD_ANTI_NOT_CLOSING,
			  "every database's manager was connected, so each must be disconnected at "
			  "shutdown" },
			{ WIZARD_ANTI_POOL_PER_REQUEST,
			  "connect each database's pool at startup, not in handlers" },
		},
	},
	[WIZARD_DUAL_MODE] = {
		"dual-mode", "Dual-Mode",
		"Building reusable libraries that can run standalone or embedded",
		"Library/Package: 1 service, database varies (Flexible deployment)",
		WIZARD_SHAPE_DUAL,
		{
			{ WIZARD_ANTI_MULTIPLE_POOLS,
			  "embedded, the library uses the host's manager (db_manager, "
			  "standalone=False) instead of opening a pool of its own to the host's "
			  "database" },
			{ WIZARD_ANTI_NOT_CLOSING,
			  "standalone, the library owns its pool and closes it in its lifespan; "
			  "embedded, the host closes the shared pool" },
			{ WIZARD_ANTI_SCHEMA_SWITCHING,
			  "the library's manager stays bound to the library's schema in both "
			  "modes" },
		},
	},
};

/* ------------------------------------------------------------------------
 * What the tables say
 * ------------------------------------------------------------------------ */

const struct wizard_question *
wizard_questions(size_t *n)
{
	*n = WIZARD_N_QUESTIONS;
	return wizard_tree_questions;
}

int
wizard_tree_index(const char *key)
{
	size_t i;

	for (i = 0; i < WIZARD_N_QUESTIONS; i++) {
		if (strcmp(wizard_tree_questions[i].key, key) == 0)
			return (int)i;
	}
	return -1;
}

const struct wizard_question *
wizard_question_find(const char *key)
{
	int i = wizard_tree_index(key);

	return i < 0 ? NULL : &wizard_tree_questions[i];
}

const struct wizard_override *
wizard_overrides(size_t *n)
{
	*n = WIZARD_N_OVERRIDES;
	return wizard_tree_overrides;
}

const char *
wizard_pattern_id(enum wizard_pattern p)
{
	return (unsigned)p < WIZARD_N_PATTERNS ? wizard_tree_patterns[p].id : "?";
}

const char *
wizard_pattern_name(enum wizard_pattern p)
{
	return (unsigned)p < WIZARD_N_PATTERNS ? wizard_tree_patterns[p].name : "?";
}

const char *
wizard_node_name(enum wizard_node n)
{
	return (unsigned)n < WIZARD_N_NODES ? wizard_tree_nodes[n].name : "?";
}

const char *
wizard_pattern_when(enum wizard_pattern p)
{
	return (unsigned)p < WIZARD_N_PATTERNS ? wizard_tree_patterns[p].when : "?";
}

const char *
wizard_anti_name(enum wizard_anti a)
{
	return a > WIZARD_ANTI_NONE && a < WIZARD_N_ANTI ? wizard_tree_antis[a].name : "?";
}

const char *
wizard_anti_guide(enum wizard_anti a)
{
	return a > WIZARD_ANTI_NONE && a < WIZARD_N_ANTI ? wizard_tree_antis[a].guide : "?";
}

const char *
wizard_choice_leads_to(const struct wizard_choice *c, char *buf, size_t size)
{
	const struct wizard_question *next;
	const char *arrow;
	int p;

	if (c->node != WIZARD_NODE_NONE) {
		snprintf(buf, size, "%s", wizard_node_name(c->node));
		return buf;
	}
	if (c->pool_max > 0) {
		snprintf(buf, size, "pool %d-%d connections", c->pool_min, c->pool_max);
		return buf;
	}
	if (c->stage_fits != 0) {
		size_t len = 0;

		buf[0] = '\0';
		for (p = 0; p < WIZARD_N_PATTERNS && len + 1 < size; p++) {
			if (c->stage_fits & WIZARD_PATTERN_BIT(p))
				len += (size_t)snprintf(
					buf + len, size - len, "%s%s", len ? " or " : "fits ",
					wizard_pattern_name((enum wizard_pattern)p));
		}
		return buf;
	}
	if (c->next != NULL && (next = wizard_question_find(c->next)) != NULL &&
	    next->source != NULL && strncmp(next->source, "flowchart", 9) == 0) {
		snprintf(buf, size, "%s", next->prompt);
		return buf;
	}
	arrow = c->rule != NULL ? strstr(c->rule, "-> ") : NULL;
	if (arrow != NULL) {
		const char *last;

		while ((last = strstr(arrow + 3, "-> ")) != NULL)
			arrow = last;
		snprintf(buf, size, "%s", arrow + 3);
		return buf;
	}
	buf[0] = '\0';
	return buf;
}
