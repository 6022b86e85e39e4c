/*
 * test_wizard_prompt: the wizard's terminal prompt (src/cli/wizard_prompt.c).
 *
 *  - replies: numbers, values, labels, first letters, ambiguous and unknown
 *    replies, back, help, Enter, free text; yes/no; control characters;
 *  - whole sessions over a pipe, output to memory: a walk with a back step
 *    to a written profile that loads; refused replies (no control character
 *    reaches the output); no to writing; an existing file kept, then
 *    replaced after a yes; input that ends; wrapping at the width ($COLUMNS
 *    when the output is no terminal); SIGINT's disposition restored.
 *
 * DUMP=1 in the environment prints each session's output on stderr.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "testutil.h"
#include "wizard.h"
#include "wizard_prompt.h"
#include "xalloc.h"

/* ------------------------------------------------------------------------
 * Replies
 * ------------------------------------------------------------------------ */

/* Parse line for question key with its table default; returns the reply kind. */
static enum wizard_prompt_reply
parse(const char *key, const char *line, char **value, char **err)
{
	const struct wizard_question *q = wizard_question_find(key);

	assert_non_null(q);
	return wizard_prompt_parse(q, q->def, line, value, err);
}

static void
expect_answer(const char *key, const char *line, const char *want)
{
	char *value = NULL, *err = NULL;

	assert_int_equal(parse(key, line, &value, &err), WIZARD_PROMPT_ANSWER);
	assert_null(err);
	assert_string_equal(value, want);
	free(value);
}

static void
expect_invalid(const char *key, const char *line, const char *want)
{
	char *value = NULL, *err = NULL;

	assert_int_equal(parse(key, line, &value, &err), WIZARD_PROMPT_INVALID);
	assert_null(value);
	assert_non_null(err);
	assert_string_equal(err, want);
	free(err);
}

static void
test_parse_choice(void **state)
{
	char *value = NULL, *err = NULL;

	(void)state;
	/* Enter: the default; numbers; values and labels in any case; first letters */
	expect_answer("service_count", "", "one");
	expect_answer("service_count", "   ", "one");
	expect_answer("service_count", "1", "one");
	expect_answer("service_count", " 2 ", "multiple");
	expect_answer("service_count", "multiple", "multiple");
	expect_answer("service_count", "MULTIPLE", "multiple");
	expect_answer("service_count", "mult", "multiple");
	expect_answer("service_count", "o", "one");
	expect_answer("growth", "Will stay simple", "stay-simple");
	expect_answer("growth", "stay", "stay-simple");
	expect_answer("growth", "will", "stay-simple");
	expect_answer("load", "100-1000", "100-1000");
	expect_answer("load", "> 1000 req/s", "over-1000");
	expect_answer("load", "<", "under-100");
	expect_answer("stage", "5", "enterprise");
	expect_answer("tenant_isolation", "y", "yes");
	expect_answer("deployment", "sa", "same-container");

	/* numbers out of range, unknown words and ambiguous first letters */
	expect_invalid("service_count", "3",
		       "\"3\" is not one of the answers (type 1-2, or one of one, multiple)");
	expect_invalid("service_count", "0",
		       "\"0\" is not one of the answers (type 1-2, or one of one, multiple)");
	expect_invalid("service_count", "99999999999999999999",
		       "\"99999999999999999999\" is not one of the answers (type 1-2, or one of "
		       "one, multiple)");
	expect_invalid("load", "lots",
		       "\"lots\" is not one of the answers (type 1-3, or one of under-100, "
		       "100-1000, over-1000)");
	expect_invalid("load", "100",
		       "\"100\" is not one of the answers (type 1-3, or one of under-100, "
		       "100-1000, over-1000)");
	expect_invalid("deployment", "s",
		       "\"s\" could be separate-containers or same-container (type more of it, "
		       "or its number)");
	expect_invalid("growth", "one",
		       "\"one\" is not one of the answers (type 1-2, or one of stay-simple, "
		       "might-grow)");

	/* back and help, in any case */
	assert_int_equal(parse("load", "b", &value, &err), WIZARD_PROMPT_BACK);
	assert_null(value);
	assert_null(err);
	assert_int_equal(parse("load", " BACK ", &value, &err), WIZARD_PROMPT_BACK);
	assert_int_equal(parse("load", "?", &value, &err), WIZARD_PROMPT_HELP);
	assert_int_equal(parse("load", "Help", &value, &err), WIZARD_PROMPT_HELP);
	assert_null(value);
	assert_null(err);
}

static void
test_parse_free_text(void **state)
{
	char *value = NULL, *err = NULL;

	(void)state;
	/* taken as typed (trimmed): the core checks it */
	expect_answer("services", "Bad Name", "Bad Name");
	expect_answer("services", "  billing, shipping ", "billing, shipping");
	expect_answer("services", "", "app");
	expect_answer("tenant_prefix", "org_", "org_");
	assert_int_equal(parse("services", "back", &value, &err), WIZARD_PROMPT_BACK);
	assert_int_equal(parse("database", "?", &value, &err), WIZARD_PROMPT_HELP);
	assert_null(value);
	assert_null(err);
}

static void
test_yes_no(void **state)
{
	(void)state;
	assert_int_equal(wizard_prompt_yes_no("", true), 1);
	assert_int_equal(wizard_prompt_yes_no(" ", false), 0);
	assert_int_equal(wizard_prompt_yes_no("y", false), 1);
	assert_int_equal(wizard_prompt_yes_no("YES", false), 1);
	assert_int_equal(wizard_prompt_yes_no(" n ", true), 0);
	assert_int_equal(wizard_prompt_yes_no("No", true), 0);
	assert_int_equal(wizard_prompt_yes_no("yep", true), -1);
	assert_int_equal(wizard_prompt_yes_no("2", true), -1);
}

static void
test_control(void **state)
{
#define T(s) s, sizeof s - 1
	static const struct {
		const char *text;
		size_t len;
		bool utf8, control;
	} cases[] = {
		{ T("plain words, 1-2 ~/x.yaml"), true, false },
		{ T("\x1b[A"), true, true },		/* an arrow key */
		{ T("a\tb"), true, true },		/* tabs are turned into spaces before */
		{ T("ab\x7f"), true, true },		/* DEL */
		{ T("a\0b"), true, true },		/* a NUL inside */
		{ T("caf\xc3\xa9"), true, false },	/* é */
		{ T("x\xc2\xa0y"), true, false },	/* no-break space */
		{ T("x\xc2\2331m"), true, true },	/* U+009B, CSI */
		{ T("x\2331m"), false, true },		/* 0x9B in a single-byte locale */
		{ T("x\xe9"), false, false },		/* é in Latin-1 */
		{ T("x\xe9"), true, true },		/* ... is not UTF-8 */
		{ T("x\2331m"), true, true },		/* a lone 0x9B is not UTF-8 either */
		{ T("\xe2\x82\xac 5"), true, false },	/* € */
		{ T("\xf0\x9f\x98\x80"), true, false }, /* a four-byte character */
		{ T("\xe2\x82"), true, true },		/* cut short */
		{ T("\xc0\xaf"), true, true },		/* over-long */
	};
#undef T
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (wizard_prompt_control(cases[i].text, cases[i].len, cases[i].utf8) !=
		    cases[i].control)
			fail_msg("case %zu: expected %s", i,
				 cases[i].control ? "a control character" : "none");
	}
}

/* ------------------------------------------------------------------------
 * Sessions
 * ------------------------------------------------------------------------ */

struct run {
	enum wizard_prompt_end end;
	char *out;
	size_t len;
};

/* Run a session in dir (its default path lands there) with input as what
 * is typed; width 0 asks the output (memory, no terminal) and $COLUMNS. */
static struct run
session(const char *dir, const char *input, int width)
{
	struct run r = { WIZARD_PROMPT_EOF, NULL, 0 };
	struct wizard_prompt p;
	char *cwd = getcwd(NULL, 0);
	int fds[2];
	FILE *out;

	assert_non_null(cwd);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], input, strlen(input)), (ssize_t)strlen(input));
	close(fds[1]); /* then end of input */
	out = open_memstream(&r.out, &r.len);
	assert_non_null(out);
	assert_int_equal(chdir(dir), 0);
	p.in = fds[0];
	p.out = out;
	p.width = width;
	p.utf8 = true;
	p.term = NULL;
	r.end = wizard_prompt_run(&p);
	assert_int_equal(chdir(cwd), 0);
	fclose(out);
	if (getenv("DUMP") != NULL)
		fprintf(stderr, "=====\n%s\n=====\n", r.out);
	close(fds[0]);
	free(cwd);
	return r;
}

static void
has(const struct run *r, const char *text)
{
	if (strstr(r->out, text) == NULL)
		fail_msg("no \"%s\" in the output:\n%s", text, r->out);
}

static void
lacks(const struct run *r, const char *text)
{
	if (strstr(r->out, text) != NULL)
		fail_msg("\"%s\" in the output:\n%s", text, r->out);
}

/* Every byte is printable or a newline. */
static void
no_control(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->len; i++) {
		unsigned char c = (unsigned char)r->out[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f)
			fail_msg("control character 0x%02x at byte %zu of the output", c, i);
	}
}

static bool
exists(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool r = stat(path, &st) == 0;

	free(path);
	return r;
}

/* Q1 Multiple, Q2 Enter (yes), Q3 no, back, Enter (yes), load 2, Enter, tenant
 * isolation y, Enter, Enter, services, Enter, database; write to out.yaml. */
#define WALK "2\n\nno\nb\n\n2\n\ny\n\n\nbilling,shipping\n\nsaas\n"

static void
test_walk_and_write(void **state)
{
	char *dir = tu_mkdtemp(), *file, *text;
	struct profile_diags diags = { NULL, 0, 0 };
	struct profile *p;
	struct run r;

	(void)state;
	assert_non_null(dir);
	r = session(dir, WALK "y\nout.yaml\n", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_WRITTEN);
	has(&r, "How many services?");
	has(&r, "Question 1 · flowchart Q1; decision question 1");
	has(&r, "  1  One       -> Future growth?  (default)\n");
	has(&r, "     guide: How many services? Multiple -> Services share data?");
	has(&r, "Answer [1: One] (1-2, b back, ? help): ");
	has(&r, "  path: 1 How many services? Multiple; 2 Services share data? Yes\n");
	has(&r, "  => the flowchart ends at Multiple Databases");
	has(&r, "  back: \"Same database? No\" is undone\n");
	has(&r, "  => the flowchart ends at Shared Pool Pattern");
	has(&r, "  => pool min 20, max 50\n");
	has(&r, "  => pattern Shared Pool -> Schema per Tenant\n");
	has(&r, "  used for: each service gets a schema");
	has(&r, "Answer [users,orders] (b back, ? help): ");
	has(&r, "Recommended pattern: Schema per Tenant\n");
	has(&r, "  pool: min 20, max 50 connections");
	has(&r, "Why: each answer and the rule it triggered\n");
	has(&r, "Anti-patterns to avoid with Schema per Tenant\n");
	has(&r, "  - Schema Switching: \"WRONG - Never change schema at runtime\"\n");
	has(&r, "Write the profile? [Y/n] ");
	has(&r, "File to write [./pgdbm-profile.yaml]: ");
	has(&r, "Written to out.yaml\n");
	has(&r, "  profile check passed: profile schema-per-tenant, 1 database (saas), 2 "
		"modules,\n    tenants\n");
	has(&r, "  created 7 migration folders next to it: migrations, migrations/billing");
	no_control(&r);
	free(r.out);

	file = xasprintf("%s/out.yaml", dir);
	p = profile_load(file, &diags);
	assert_non_null(p);
	assert_int_equal(diags.n, 0);
	profile_free(&p);
	profile_diags_free(&diags);
	text = tu_read_file(file, NULL);
	assert_non_null(strstr(text, "--answer same_database=yes"));
	assert_non_null(strstr(text, "--answer services=billing,shipping"));
	assert_non_null(strstr(text, "prefix: tenant_"));
	free(text);
	free(file);
	assert_false(exists(dir, "pgdbm-profile.yaml"));
	tu_rm_rf(dir);
	free(dir);
}

static void
test_refused_replies(void **state)
{
	char *dir = tu_mkdtemp();
	struct run r;

	(void)state;
	assert_non_null(dir);
	/* unknown, an arrow key, out of range, a bad service list, back at Q1,
	 * help, then the input ends */
	r = session(dir, "b\n?\nlots\n\x1b[A\n7\n1\n\n\n\n\n\n1,2\nBad Name\nx\x9b\n", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_EOF);
	has(&r, "  not accepted: nothing to go back to: this is the first question\n");
	has(&r, "\n  Enter                takes the default in brackets\n");
	has(&r, "  not accepted: \"lots\" is not one of the answers (type 1-2, or one of one,\n"
		"    multiple)\n");
	has(&r, "  not accepted: the answer holds a control character");
	has(&r, "  not accepted: \"7\" is not one of the answers");
	/* the core's checks for free text */
	has(&r, "  not accepted: value \"1,2\" for services: \"1\"");
	has(&r, "  not accepted: value \"Bad Name\" for services: \"Bad Name\" contains white "
		"space");
	lacks(&r, "Recommended pattern");
	no_control(&r);
	assert_null(memchr(r.out, 0x9b, r.len)); /* U+009B is \xc2\x9b: the byte alone neither */
	free(r.out);
	assert_false(exists(dir, "pgdbm-profile.yaml"));
	tu_rm_rf(dir);
	free(dir);
}

static void
test_no_to_writing(void **state)
{
	char *dir = tu_mkdtemp();
	struct run r;

	(void)state;
	assert_non_null(dir);
	r = session(dir, "\n\n\n\n\n\n\n\nmaybe\nn\n", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_DECLINED);
	has(&r, "Recommended pattern: Shared Pool\n");
	has(&r, "  not accepted: type y or n (Enter: yes)\n");
	has(&r, "Not written. The generated profile:\n\n# pgdbm-console wizard: Shared Pool\n");
	has(&r, "\nname: shared-pool\n");
	lacks(&r, "File to write");
	free(r.out);
	assert_false(exists(dir, "pgdbm-profile.yaml"));
	assert_false(exists(dir, "migrations"));
	tu_rm_rf(dir);
	free(dir);
}

static void
test_existing_file(void **state)
{
	char *dir = tu_mkdtemp(), *file, *text;
	struct run r;

	(void)state;
	assert_non_null(dir);
	file = xasprintf("%s/pgdbm-profile.yaml", dir);
	assert_int_equal(tu_write_file(file, "# kept\n"), 0);

	/* Enter keeps it, then the path is asked again; the input ends */
	r = session(dir, "\n\n\n\n\n\n\n\n\n\n\n", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_EOF);
	has(&r, "./pgdbm-profile.yaml already exists. Replace it? [y/N] ");
	has(&r, "  Kept ./pgdbm-profile.yaml. Type another file name, or Ctrl-D to leave");
	text = tu_read_file(file, NULL);
	assert_string_equal(text, "# kept\n");
	free(text);
	free(r.out);

	/* no, another name, yes to writing there; the first file is kept */
	r = session(dir, "\n\n\n\n\n\n\n\ny\n\nno\nother.yaml\n", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_WRITTEN);
	has(&r, "Written to other.yaml\n");
	has(&r, "  created 3 migration folders next to it: migrations, migrations/app,\n"
		"    migrations/app/down\n");
	text = tu_read_file(file, NULL);
	assert_string_equal(text, "# kept\n");
	free(text);
	free(r.out);

	/* yes replaces it; the folders exist already */
	r = session(dir, "\n\n\n\n\n\n\n\n\n\ny\n", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_WRITTEN);
	has(&r, "Written to ./pgdbm-profile.yaml\n");
	has(&r, "  created no folder: the migration folders it names exist already\n");
	text = tu_read_file(file, NULL);
	assert_non_null(strstr(text, "name: shared-pool\n"));
	free(text);
	free(r.out);

	/* a path that cannot be written is refused and asked again */
	r = session(dir, "\n\n\n\n\n\n\n\n\nmissing/sub/x.yaml\nthird.yaml\n", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_WRITTEN);
	has(&r, "  not written: cannot create the folder missing/sub/migrations: No such file");
	has(&r, "Written to third.yaml\n");
	free(r.out);

	free(file);
	tu_rm_rf(dir);
	free(dir);
}

static void
test_input_ends(void **state)
{
	char *dir = tu_mkdtemp();
	struct run r;

	(void)state;
	assert_non_null(dir);
	r = session(dir, "", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_EOF);
	has(&r, "How many services?");
	free(r.out);

	/* a last line without its newline is not taken as an answer */
	r = session(dir, "2", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_EOF);
	lacks(&r, "Question 2");
	free(r.out);

	/* at the end, the input ending is not a yes */
	r = session(dir, "\n\n\n\n\n\n\n\n", 80);
	assert_int_equal(r.end, WIZARD_PROMPT_EOF);
	has(&r, "Write the profile? [Y/n] ");
	free(r.out);
	assert_false(exists(dir, "pgdbm-profile.yaml"));
	tu_rm_rf(dir);
	free(dir);
}

/* No line longer than the width, except the prompts the replies follow and
 * the profile printed as it is. */
static void
check_width(const struct run *r, int width)
{
	const char *line, *nl, *end = strstr(r->out, "Not written.");

	for (line = r->out; *line != '\0' && (end == NULL || line < end); line = nl + 1) {
		const char *c;
		int cols = 0;

		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		for (c = line; c < nl; c++)
			cols += ((unsigned char)*c & 0xc0) != 0x80;
		if (cols > width && strstr(line, "Answer [") != line &&
		    strstr(line, "Write the profile?") != line)
			fail_msg("a line of %d columns at width %d: %.*s", cols, width,
				 (int)(nl - line), line);
	}
}

static void
test_wrapping(void **state)
{
	char *dir = tu_mkdtemp();
	struct run r;

	(void)state;
	assert_non_null(dir);
	r = session(dir, WALK "n\n", 40);
	assert_int_equal(r.end, WIZARD_PROMPT_DECLINED);
	check_width(&r, 40);
	/* wrapped with a hanging indent */
	has(&r, "\n  default: one, either answer reaches\n    the Shared Pool Pattern when the\n");
	free(r.out);

	/* no terminal: $COLUMNS */
	setenv("COLUMNS", "60", 1);
	r = session(dir, WALK "n\n", 0);
	unsetenv("COLUMNS");
	assert_int_equal(r.end, WIZARD_PROMPT_DECLINED);
	check_width(&r, 60);
	has(&r, "\n  default: one, either answer reaches the Shared Pool\n");
	free(r.out);
	tu_rm_rf(dir);
	free(dir);
}

static void
test_sigint_disposition(void **state)
{
	char *dir = tu_mkdtemp();
	struct sigaction sa;
	struct run r;

	(void)state;
	assert_non_null(dir);
	/* caught during the session, the default again after it */
	r = session(dir, "", 80);
	free(r.out);
	assert_int_equal(sigaction(SIGINT, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);

	/* ignored by whoever started us: still ignored */
	signal(SIGINT, SIG_IGN);
	r = session(dir, "", 80);
	free(r.out);
	assert_int_equal(sigaction(SIGINT, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_IGN);
	signal(SIGINT, SIG_DFL);
	tu_rm_rf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_choice),
		cmocka_unit_test(test_parse_free_text),
		cmocka_unit_test(test_yes_no),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_walk_and_write),
		cmocka_unit_test(test_refused_replies),
		cmocka_unit_test(test_no_to_writing),
		cmocka_unit_test(test_existing_file),
		cmocka_unit_test(test_input_ends),
		cmocka_unit_test(test_wrapping),
		cmocka_unit_test(test_sigint_disposition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
