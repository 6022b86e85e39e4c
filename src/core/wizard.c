/*
 * wizard: pgdbm's architecture decision tree as tables, and one engine that
 * walks them.
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
 *  - questions[]: every question in asking order, with its choices; a
 *    choice names the next question (or falls through to the question's
 *    `next`), the flowchart node it reaches, the guide's words, a default it
 *    implies for a later question and, for the load bands, the pool size.
 *    A question after the flowchart is asked only when the node reached and
 *    the pattern so far match its masks; otherwise the walk skips it.
 *  - nodes[]: each flowchart end node, its code box and matrix pattern.
 *  - overrides[]: refinements. Answering KEY=VALUE while the pattern is in
 *    `from` turns it into `to` and/or sets a profile layout flag. Rows apply
 *    in table order, so a later row wins: tenant isolation turns a
 *    one-database pattern into Schema per Tenant, then dual-mode turns any
 *    pattern into Dual-Mode.
 *  - patterns[]: what the result says about each pattern (the guide's "When
 *    to use", its matrix row, the anti-patterns with a reason each) and the
 *    shape of the profile generated for it.
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

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ident.h"
#include "profile.h"
#include "strbuf.h"
#include "xalloc.h"

#define PB(p) WIZARD_PATTERN_BIT(p)
#define NB(n) WIZARD_NODE_BIT(n)

#define ALL_PATTERNS ((1u << WIZARD_N_PATTERNS) - 1u)
/* Patterns that keep the data in one database. */
#define ONE_DATABASE (PB(WIZARD_SIMPLE) | PB(WIZARD_SHARED_POOL) | PB(WIZARD_SHARED_SCHEMAS))

/* Longest service or library name: pgdbm names its pool <schema>_pool and
 * application_name holds 63 bytes. */
#define NAME_MAX_LEN 58
#define MAX_SERVICES 64

#define TENANT_FOLDER	      "migrations/tenant"
#define SHARED_SCHEMA	      "public"
#define ARCHIVE_PREFIX	      "archived_"
#define CONNINFO_FMT	      "postgresql://app@localhost:5432/%s"
#define PROFILE_INDENT_MODULE "      - "

static char *check_services(const struct wizard *w, const char *value);
static char *check_library(const struct wizard *w, const char *value);
static char *check_prefix(const struct wizard *w, const char *value);

/* ------------------------------------------------------------------------
 * The questions
 * ------------------------------------------------------------------------ */

static const struct wizard_question questions[] = {
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
		.check = check_services,
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
		.check = check_library,
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
		.check = check_prefix,
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

#define N_QUESTIONS (sizeof questions / sizeof questions[0])

/* ------------------------------------------------------------------------
 * Flowchart nodes, refinements, patterns
 * ------------------------------------------------------------------------ */

struct node_def {
	const char *name;
	const char *code; /* the flowchart's code box */
	enum wizard_pattern pattern;
	bool recommended;
};

static const struct node_def nodes[WIZARD_N_NODES] = {
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

static const struct wizard_override overrides[] = {
	{ "shared_tables", "yes", PB(WIZARD_SHARED_POOL), -1, WIZARD_LAYOUT_SHARED_SCHEMA,
	  "Will services share tables? Yes -> Use same schema" },
	{ "tenant_isolation", "yes", ONE_DATABASE, WIZARD_TENANT_SCHEMAS, 0,
	  "Do you need tenant isolation? Yes -> Use Schema per Tenant" },
	{ "dual_mode", "yes", ALL_PATTERNS, WIZARD_DUAL_MODE, 0,
	  "Do you need to support both standalone and embedded deployment? Yes -> Use "
	  "Dual-Mode Pattern" },
};

#define N_OVERRIDES (sizeof overrides / sizeof overrides[0])

static const struct {
	const char *name;
	const char *guide;
} antis[WIZARD_N_ANTI] = {
	[WIZARD_ANTI_NONE] = { NULL, NULL },
	[WIZARD_ANTI_MULTIPLE_POOLS] = { "Multiple Pools to Same Database",
					 "WRONG - Creates multiple pools" },
	[WIZARD_ANTI_SCHEMA_SWITCHING] = { "Schema Switching",
					   "WRONG - Never change schema at runtime" },
	[WIZARD_ANTI_POOL_PER_REQUEST] = { "Pool per Request",
					   "WRONG - Never create pools in request handlers" },
	[WIZARD_ANTI_NOT_CLOSING] = { "Forgetting to Close Pools", "WRONG - Always clean up" },
};

/* Profile shapes. */
#define SHAPE_OWNED	     0x1u  /* one database, an owned pool without schema */
#define SHAPE_SHARED	     0x2u  /* one database, one shared pool, service modules */
#define SHAPE_TENANTS	     0x4u  /* ... and a tenants section */
#define SHAPE_DB_PER_SERVICE 0x8u  /* a database (and owned pool) per service */
#define SHAPE_DUAL	     0x10u /* embedded and standalone databases */

#define MAX_ANTI 4

struct pattern_def {
	const char *id;
	const char *name;
	const char *when;
	const char *matrix;
	unsigned shape;
	struct {
		enum wizard_anti anti;
		const char *reason;
	} anti[MAX_ANTI];
};

static const struct pattern_def patterns[WIZARD_N_PATTERNS] = {
	[WIZARD_SIMPLE] = {
		"simple", "Simple",
		"Single service, no growth expected, <100 requests/second",
		"Simple CRUD API: 1 service, 1 database (No overhead needed)",
		SHAPE_OWNED,
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
		SHAPE_SHARED,
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
		SHAPE_SHARED,
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
		SHAPE_SHARED | SHAPE_TENANTS,
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
		SHAPE_DB_PER_SERVICE,
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
		SHAPE_DUAL,
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
	const char *implied[N_QUESTIONS]; /* defaults set by earlier answers */
	struct wizard_step *path;
	size_t n_path;
	struct wizard_result *result; /* FINISHED */
};

const struct wizard_question *
wizard_questions(size_t *n)
{
	*n = N_QUESTIONS;
	return questions;
}

static int
question_index(const char *key)
{
	size_t i;

	for (i = 0; i < N_QUESTIONS; i++) {
		if (strcmp(questions[i].key, key) == 0)
			return (int)i;
	}
	return -1;
}

const struct wizard_question *
wizard_question_find(const char *key)
{
	int i = question_index(key);

	return i < 0 ? NULL : &questions[i];
}

const struct wizard_override *
wizard_overrides(size_t *n)
{
	*n = N_OVERRIDES;
	return overrides;
}

const char *
wizard_pattern_id(enum wizard_pattern p)
{
	return (unsigned)p < WIZARD_N_PATTERNS ? patterns[p].id : "?";
}

const char *
wizard_pattern_name(enum wizard_pattern p)
{
	return (unsigned)p < WIZARD_N_PATTERNS ? patterns[p].name : "?";
}

const char *
wizard_node_name(enum wizard_node n)
{
	return (unsigned)n < WIZARD_N_NODES ? nodes[n].name : "?";
}

const char *
wizard_pattern_when(enum wizard_pattern p)
{
	return (unsigned)p < WIZARD_N_PATTERNS ? patterns[p].when : "?";
}

const char *
wizard_anti_name(enum wizard_anti a)
{
	return a > WIZARD_ANTI_NONE && a < WIZARD_N_ANTI ? antis[a].name : "?";
}

const char *
wizard_anti_guide(enum wizard_anti a)
{
	return a > WIZARD_ANTI_NONE && a < WIZARD_N_ANTI ? antis[a].guide : "?";
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

static void
free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Split "a, b,c" into trimmed items (empty items kept, to be refused). */
static size_t
split_names(const char *s, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = s;

	for (;;) {
		const char *end = strchr(p, ',');
		const char *a = p, *b = end != NULL ? end : p + strlen(p);

		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xstrndup(a, (size_t)(b - a));
		if (end == NULL)
			break;
		p = end + 1;
	}
	*out = v;
	return n;
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
	if (strcmp(s, SHARED_SCHEMA) == 0)
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
		char **v;
		size_t n = split_names(value, &v), i, j;

		if (n > MAX_SERVICES)
			why = "lists more than 64 names";
		for (i = 0; why == NULL && i < n; i++) {
			why = name_problem(v[i]);
			if (why != NULL) {
				bad = xstrdup(v[i]);
				break;
			}
			for (j = 0; j < i; j++) {
				if (strcmp(v[i], v[j]) == 0) {
					bad = xstrdup(v[i]);
					why = "is listed twice";
					break;
				}
			}
			strbuf_addf(&sb, "%s%s", i ? "," : "", v[i]);
		}
		free_names(v, n);
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

/* The step that answered key on the path, or NULL. */
static const struct wizard_step *
path_step(const struct wizard *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->n_path; i++) {
		if (strcmp(w->path[i].question->key, key) == 0)
			return &w->path[i];
	}
	return NULL;
}

static const char *
path_value(const struct wizard *w, const char *key)
{
	const struct wizard_step *s = path_step(w, key);

	return s != NULL ? s->value : NULL;
}

/* The answer to service_count decides how many names services may list. */
static char *
check_services(const struct wizard *w, const char *value)
{
	const struct wizard_step *count = path_step(w, "service_count");
	char **v;
	size_t n = split_names(value, &v);
	char *err = NULL;

	free_names(v, n);
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
	char **v;
	size_t n = split_names(list, &v), i;
	bool found = false;

	for (i = 0; i < n; i++)
		found = found || strcmp(v[i], name) == 0;
	free_names(v, n);
	return found;
}

static char *
check_library(const struct wizard *w, const char *value)
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
static char *
check_prefix(const struct wizard *w, const char *value)
{
	const char *services = path_value(w, "services");
	char **v = NULL;
	size_t n = 0, i;
	char *err = NULL;

	if (w->layout & WIZARD_LAYOUT_SHARED_SCHEMA) {
		if (strncmp(SHARED_SCHEMA, value, strlen(value)) == 0)
			err = xasprintf("value \"%s\" for tenant_prefix: the shared schema %s "
					"starts with it and would be taken for a tenant (expected "
					"another prefix)",
					value, SHARED_SCHEMA);
		return err;
	}
	if (services != NULL)
		n = split_names(services, &v);
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
				value, TENANT_FOLDER);
	}
	free_names(v, n);
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
	return w->implied[i] != NULL ? w->implied[i] : questions[i].def;
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
		w->pattern = (int)nodes[c->node].pattern;
		strbuf_addf(&fx, "the flowchart ends at %s (%s): pattern %s", nodes[c->node].name,
			    nodes[c->node].code, patterns[w->pattern].name);
	}
	if (c != NULL && c->implies_key != NULL) {
		int q = question_index(c->implies_key);

		if (q >= 0)
			w->implied[q] = c->implies_value;
	}
	if (c != NULL && c->pool_max > 0)
		strbuf_addf(&fx, "pool min %d, max %d", c->pool_min, c->pool_max);
	for (i = 0; i < N_OVERRIDES; i++) {
		const struct wizard_override *o = &overrides[i];

		if (strcmp(o->key, s->question->key) != 0 || strcmp(o->value, s->value) != 0 ||
		    w->pattern < 0 || (PB(w->pattern) & o->from) == 0)
			continue;
		if (o->to >= 0 && o->to != w->pattern) {
			strbuf_addf(&fx, "%spattern %s -> %s", fx.len ? "; " : "",
				    patterns[w->pattern].name, patterns[o->to].name);
			w->pattern = o->to;
		}
		if (o->layout & WIZARD_LAYOUT_SHARED_SCHEMA)
			strbuf_addf(&fx, "%sthe services share one schema (%s) in the profile",
				    fx.len ? "; " : "", SHARED_SCHEMA);
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
		int i = question_index(key);

		if (i < 0)
			break; /* a broken table; the table test catches it */
		if (asked(w, &questions[i])) {
			w->cur = (size_t)i;
			return;
		}
		key = questions[i].next;
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
	const struct wizard_question *q = &questions[w->cur];
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
	return w->state == WIZARD_ASKING ? &questions[w->cur] : NULL;
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
 * The result and its profile
 * ------------------------------------------------------------------------ */

static void
add_folder(struct wizard_result *r, const char *folder)
{
	size_t i;

	for (i = 0; i < r->n_folders; i++) {
		if (strcmp(r->folders[i], folder) == 0)
			return;
	}
	r->folders = xreallocarray(r->folders, r->n_folders + 1, sizeof *r->folders);
	r->folders[r->n_folders++] = xstrdup(folder);
}

static void
yaml_module(struct strbuf *sb, struct wizard_result *r, const char *name, const char *schema,
	    const char *folder)
{
	char *path = xasprintf("migrations/%s", folder);

	strbuf_addf(sb, PROFILE_INDENT_MODULE "{ name: %s, schema: %s, migrations: %s }\n", name,
		    schema, path);
	add_folder(r, path);
	free(path);
}

/* The service modules of a database the services share. */
static void
yaml_service_modules(struct strbuf *sb, struct wizard_result *r, unsigned layout, char **svc,
		     size_t n_svc)
{
	size_t i;

	if (layout & WIZARD_LAYOUT_SHARED_SCHEMA) {
		strbuf_adds(sb, "      # the services share their tables in one schema (a "
				"manager without schema: module public)\n");
		yaml_module(sb, r, SHARED_SCHEMA, SHARED_SCHEMA, SHARED_SCHEMA);
		return;
	}
	for (i = 0; i < n_svc; i++)
		yaml_module(sb, r, svc[i], svc[i], svc[i]);
}

/* An application pool: who uses it and how pgdbm names it, then the row. */
static void
yaml_app(struct strbuf *sb, const struct wizard_result *r, const char *who, const char *name)
{
	strbuf_addf(sb,
		    "    apps:\n"
		    "      # %s\n"
		    "      # DatabaseConfig(min_connections=%d, max_connections=%d)\n"
		    "      - { application_name: %s, pool_max: %d }\n",
		    who, r->pool_min, r->pool_max, name, r->pool_max);
}

static void
yaml_database(struct strbuf *sb, const char *label, const char *dbname)
{
	strbuf_addf(sb, "  %s:\n    conninfo: \"" CONNINFO_FMT "\"\n    modules:\n", label, dbname);
}

static void
gen_profile(const struct wizard *w, struct wizard_result *r)
{
	const struct pattern_def *p = &patterns[r->pattern];
	const char *database = path_value(w, "database");
	const char *library = path_value(w, "library");
	const char *prefix = path_value(w, "tenant_prefix");
	struct strbuf sb = STRBUF_INIT;
	char **svc, *app;
	size_t n_svc = split_names(path_value(w, "services"), &svc), i;

	strbuf_addf(&sb,
		    "# pgdbm-console wizard: %s\n# %s.\n# Regenerate with:\n#   "
		    "pgdbm-console wizard",
		    p->name, p->when);
	for (i = 0; i < w->n_path; i++)
		strbuf_addf(&sb, " \\\n#     --answer %s=%s", w->path[i].question->key,
			    w->path[i].value);
	strbuf_adds(&sb, "\n# The conninfo values are placeholders to edit. A profile never needs "
			 "a\n# password: libpq reads ~/.pgpass, PGPASSWORD and the other PG* "
			 "variables.\n");
	strbuf_addf(&sb, "name: %s\ndatabases:\n", p->id);

	if (p->shape & SHAPE_OWNED) {
		yaml_database(&sb, database, database);
		strbuf_adds(&sb, "      # an owned pool without schema: module default, ledger "
				 "public.schema_migrations\n");
		yaml_module(&sb, r, "default", "public", svc[0]);
		yaml_app(&sb, r,
			 "the service's own pool (pgdbm: app_pool when the config has no schema)",
			 "app_pool");
	} else if (p->shape & SHAPE_SHARED) {
		yaml_database(&sb, database, database);
		yaml_service_modules(&sb, r, w->layout, svc, n_svc);
		if (p->shape & SHAPE_TENANTS) {
			strbuf_addf(&sb,
				    "    tenants:\n"
				    "      # tenant ID lives in schema %sID with its own ledger\n"
				    "      prefix: %s\n"
				    "      migrations: %s\n",
				    prefix, prefix, TENANT_FOLDER);
			add_folder(r, TENANT_FOLDER);
		}
		yaml_app(
			&sb, r,
			p->shape & SHAPE_TENANTS
				? "one shared pool for the services and every tenant (pgdbm: app_pool)"
				: "one shared pool for every service (pgdbm: app_pool, no schema)",
			"app_pool");
	} else if (p->shape & SHAPE_DB_PER_SERVICE) {
		for (i = 0; i < n_svc; i++) {
			char *dbname = xasprintf("%s_db", svc[i]);
			char *pool = xasprintf("%s_pool", svc[i]);

			yaml_database(&sb, svc[i], dbname);
			yaml_module(&sb, r, svc[i], svc[i], svc[i]);
			yaml_app(&sb, r, "the service's own pool (pgdbm: <schema>_pool)", pool);
			free(pool);
			free(dbname);
		}
	} else if (p->shape & SHAPE_DUAL) {
		strbuf_addf(&sb, "  # embedded: the library on the host application's shared "
				 "pool, in its own schema\n");
		yaml_database(&sb, "embedded", database);
		yaml_module(&sb, r, library, library, library);
		yaml_service_modules(&sb, r, w->layout, svc, n_svc);
		yaml_app(&sb, r,
			 "the host's shared pool, used by the library too (pgdbm: app_pool)",
			 "app_pool");
		strbuf_addf(&sb, "  # standalone: the library owns its database and pool\n");
		yaml_database(&sb, "standalone", library);
		yaml_module(&sb, r, library, library, library);
		app = xasprintf("%s_pool", library);
		yaml_app(&sb, r, "the library's own pool (pgdbm: <schema>_pool)", app);
		free(app);
	}
	free_names(svc, n_svc);
	r->profile = strbuf_detach(&sb);
}

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
				 s->choice->rule, patterns[pattern].name);
	return xasprintf("%s. The answers above led to %s instead; the stage is advice, the "
			 "answers decide.",
			 s->choice->rule, patterns[pattern].name);
}

static struct wizard_result *
build_result(const struct wizard *w)
{
	struct wizard_result *r = xcalloc(1, sizeof *r);
	const struct pattern_def *p;
	const struct wizard_step *load;
	size_t i;

	r->pattern = (enum wizard_pattern)w->pattern;
	p = &patterns[r->pattern];
	r->pattern_id = p->id;
	r->pattern_name = p->name;
	r->when_to_use = p->when;
	r->matrix = p->matrix;
	r->node = w->node;
	r->node_name = nodes[w->node].name;
	r->code_pattern = nodes[w->node].code;
	r->recommended = nodes[w->node].recommended;

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

	for (i = 0; i < MAX_ANTI && p->anti[i].anti != WIZARD_ANTI_NONE; i++) {
		r->anti = xreallocarray(r->anti, r->n_anti + 1, sizeof *r->anti);
		r->anti[r->n_anti].name = antis[p->anti[i].anti].name;
		r->anti[r->n_anti].guide = antis[p->anti[i].anti].guide;
		r->anti[r->n_anti].reason = p->anti[i].reason;
		r->n_anti++;
	}
	r->stage_note = stage_note(w, r->pattern);
	gen_profile(w, r);
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
	free_names(r->folders, r->n_folders);
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

			for (j = 0; j < N_QUESTIONS; j++)
				strbuf_addf(&sb, "%s%s", j ? ", " : "", questions[j].key);
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

/* ------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------ */

/* mkdir path unless it is a folder already; records what it made. */
static int
make_dir(const char *path, char ***created, size_t *n_created, char **err)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		*err = xasprintf("%s exists and is not a folder", path);
		return -1;
	}
	if (mkdir(path, 0777) != 0) {
		if (errno == EEXIST)
			return 0;
		*err = xasprintf("cannot create the folder %s: %s", path, strerror(errno));
		return -1;
	}
	*created = xreallocarray(*created, *n_created + 1, sizeof **created);
	(*created)[(*n_created)++] = xstrdup(path);
	return 0;
}

/* Every folder of base/rel, one level at a time, then base/rel/down. */
static int
make_folder(const char *base, const char *rel, char ***created, size_t *n_created, char **err)
{
	char *full = base != NULL ? xasprintf("%s/%s", base, rel) : xstrdup(rel);
	size_t skip = base != NULL ? strlen(base) + 1 : 0;
	char *p, *down;
	int rc = 0;

	for (p = full + skip; rc == 0 && (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		rc = make_dir(full, created, n_created, err);
		*p = '/';
	}
	if (rc == 0)
		rc = make_dir(full, created, n_created, err);
	down = xasprintf("%s/down", full);
	if (rc == 0)
		rc = make_dir(down, created, n_created, err);
	free(down);
	free(full);
	return rc;
}

int
wizard_write(const struct wizard_result *r, const char *path, bool force, char ***created,
	     size_t *n_created, char **err)
{
	const char *slash = strrchr(path, '/');
	char *base = NULL;
	struct stat st;
	size_t i, len;
	FILE *f;
	int rc = 0;

	*created = NULL;
	*n_created = 0;
	*err = NULL;
	if (stat(path, &st) == 0 && !force)
		return 1;
	if (slash != NULL)
		base = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	for (i = 0; rc == 0 && i < r->n_folders; i++)
		rc = make_folder(base, r->folders[i], created, n_created, err);
	free(base);
	if (rc != 0)
		return -1;

	f = fopen(path, force ? "w" : "wx");
	if (f == NULL) {
		if (errno == EEXIST)
			return 1;
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	len = strlen(r->profile);
	if (fwrite(r->profile, 1, len, f) != len) {
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

char *
wizard_verdict(const char *path, bool *loads)
{
	struct profile_diags diags = { NULL, 0, 0 };
	struct profile *p = profile_load(path, &diags);
	struct strbuf sb = STRBUF_INIT;
	size_t i, modules = 0, tenants = 0;

	*loads = p != NULL;
	if (p != NULL) {
		for (i = 0; i < p->n_databases; i++) {
			modules += p->databases[i].n_modules;
			tenants += p->databases[i].tenants.present;
		}
		strbuf_addf(&sb, "profile check passed: profile %s, %zu database%s (",
			    p->name != NULL ? p->name : "?", p->n_databases,
			    p->n_databases == 1 ? "" : "s");
		for (i = 0; i < p->n_databases; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", p->databases[i].label);
		strbuf_addf(&sb, "), %zu module%s%s", modules, modules == 1 ? "" : "s",
			    tenants > 0 ? ", tenants" : "");
	} else {
		strbuf_adds(&sb, "profile check FAILED: the written profile does not load");
	}
	for (i = 0; i < diags.n; i++) {
		strbuf_adds(&sb, "\n");
		profile_diag_format(&diags.v[i], &sb);
	}
	profile_free(&p);
	profile_diags_free(&diags);
	return strbuf_detach(&sb);
}
