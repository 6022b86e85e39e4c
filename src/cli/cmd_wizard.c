/*
 * cmd_wizard: `pgdbm-console wizard [--answer KEY=VALUE ...] [--write FILE]
 * [--force] [--json]`.
 *
 * Typed on a terminal (standard input and output both terminals) without
 * an answer, --json or --write, the wizard asks its questions one at a
 * time (wizard_prompt.c) and offers to write the profile at the end.
 *
 * Otherwise it is the non-interactive face of the architecture wizard
 * (src/core/wizard.c): answers come as KEY=VALUE (through --answer or as
 * arguments), the rest take the guide's defaults, and the result is printed
 * as text or JSON. --write FILE also writes the generated profile, creates
 * the migration folders it names, and loads it back to prove it valid.
 * `wizard --help` prints every question with its values and default, from
 * the same table.
 */
#include "config.h"

#include <getopt.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "profile.h"
#include "strbuf.h"
#include "wizard.h"
#include "wizard_prompt.h"

struct wizard_opts {
	const char **answers;
	size_t n_answers;
	const char *write;
	bool force;
};

enum {
	OPT_ANSWER = 0x300,
	OPT_WRITE,
	OPT_FORCE,
};

static const struct option wizard_options[] = {
	{ "answer", required_argument, NULL, OPT_ANSWER },
	{ "write", required_argument, NULL, OPT_WRITE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ NULL, 0, NULL, 0 },
};

static void
add_answer(struct wizard_opts *o, const char *a)
{
	o->answers = xreallocarray(o->answers, o->n_answers + 1, sizeof *o->answers);
	o->answers[o->n_answers++] = a;
}

static bool
wizard_on_opt(struct cli *cli, int opt, const char *arg, void *data)
{
	struct wizard_opts *o = data;

	(void)cli;
	switch (opt) {
	case OPT_ANSWER:
		add_answer(o, arg);
		break;
	case OPT_WRITE:
		o->write = arg;
		break;
	case OPT_FORCE:
		o->force = true;
		break;
	default:
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------------
 * --help
 * ------------------------------------------------------------------------ */

#define WRAP_WIDTH 79

/*
 * Print lead, a space and text, wrapped at WRAP_WIDTH columns on spaces;
 * lines after the first are indented by `indent` spaces. A word longer than
 * a line is printed whole.
 */
static void
print_wrapped(FILE *f, const char *lead, const char *text, int indent)
{
	size_t col = strlen(lead);
	const char *p = text;

	fputs(lead, f);
	while (*p != '\0') {
		size_t len = strcspn(p, " ");

		if (col > (size_t)indent && col + 1 + len > WRAP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = (size_t)indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, len, f);
		col += len;
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* "--help", or an abbreviation getopt_long would take for it. */
static bool
wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (strcmp(argv[i], "--") == 0)
			break;
		if (len >= 3 && strncmp(argv[i], "--help", len) == 0)
			return true;
	}
	return false;
}

static const char *
pattern_list(unsigned mask, struct strbuf *sb)
{
	int p;

	strbuf_reset(sb);
	if (mask == (1u << WIZARD_N_PATTERNS) - 1u) {
		strbuf_adds(sb, "any pattern");
		return strbuf_str(sb);
	}
	for (p = 0; p < WIZARD_N_PATTERNS; p++) {
		if (mask & WIZARD_PATTERN_BIT(p))
			strbuf_addf(sb, "%s%s", sb->len ? " or " : "",
				    wizard_pattern_name((enum wizard_pattern)p));
	}
	return strbuf_str(sb);
}

static void
print_help(FILE *f, const struct cli_command *cmd)
{
	const struct wizard_override *ov;
	const struct wizard_question *qs;
	struct strbuf sb = STRBUF_INIT;
	size_t n, i;

	fprintf(f,
		"usage: pgdbm-console wizard %s\n%s\n"
		"\n"
		"On a terminal, without an answer, --json or --write, the wizard asks the\n"
		"questions one at a time: type a number or a name, Enter for the default, b to\n"
		"go back, ? for help; at the end it offers to write the profile (Ctrl-C or\n"
		"Ctrl-D leaves without writing).\n"
		"\n"
		"Answers are KEY=VALUE, given with --answer or as arguments. A question the\n"
		"path reaches that was not answered takes the guide's default and is listed as\n"
		"assumed; answers to questions the path never reaches are listed as ignored.\n"
		"\n"
		"Options:\n"
		"  --answer KEY=VALUE  answer a question (repeatable)\n"
		"  --write FILE        write the generated profile to FILE and create the\n"
		"                      migration folders it names (with down/) next to it\n"
		"  --force             replace FILE when it exists\n"
		"  --json              the result as a JSON object\n"
		"\n"
		"Questions, in asking order:\n",
		cmd->usage, cmd->summary);
	qs = wizard_questions(&n);
	for (i = 0; i < n; i++) {
		const struct wizard_question *q = &qs[i];

		fprintf(f, "\n  %s  %s  (%s)\n", q->key, q->prompt, q->source);
		if (q->kind == WIZARD_CHOICE) {
			const struct wizard_choice *c;

			for (c = q->choices; c->value != NULL; c++)
				fprintf(f, "      %-20s %s%s\n", c->value, c->label,
					strcmp(c->value, q->def) == 0 ? "  [default]" : "");
		} else {
			fprintf(f, "      values: %s\n      default: %s\n", q->form, q->def);
		}
		print_wrapped(f, "      default because:", q->def_why, 8);
		if (q->ask_note != NULL)
			print_wrapped(f, "     ", q->ask_note, 6);
	}
	fprintf(f, "\nRefinements, applied in this order (a later one wins):\n");
	ov = wizard_overrides(&n);
	for (i = 0; i < n; i++) {
		char *what;

		fprintf(f, "  %s=%s\n", ov[i].key, ov[i].value);
		if (ov[i].to >= 0)
			what = xasprintf("%s becomes %s (\"%s\")", pattern_list(ov[i].from, &sb),
					 wizard_pattern_name((enum wizard_pattern)ov[i].to),
					 ov[i].rule);
		else
			what = xasprintf("%s keeps the pattern and the services share one schema "
					 "(\"%s\")",
					 pattern_list(ov[i].from, &sb), ov[i].rule);
		print_wrapped(f, "     ", what, 6);
		free(what);
	}
	fprintf(f, "\n"
		   "The pool is sized from the load band: min_connections is the low end of\n"
		   "the band, max_connections the high end (pool_max of the profile's apps).\n"
		   "\n"
		   "Exit status: 0 success, 1 writing the profile failed (or, asked on a\n"
		   "terminal, the input ended first), 2 a bad key or value; asked on a terminal,\n"
		   "Ctrl-C ends it as interrupted (130 in the shell).\n");
	strbuf_free(&sb);
}

/* ------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------ */

static const char *
ignored_why(const struct wizard_ignored *ig)
{
	return ig->question->ask_note != NULL ? ig->question->ask_note
					      : "this path of the flowchart does not ask it";
}

struct written {
	const char *file;
	int status; /* wizard_write's, or 2 when the profile did not load back */
	char *error;
	char **created;
	size_t n_created;
};

static void
print_text(FILE *f, const struct wizard_result *r, const struct written *wr)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	fprintf(f, "Recommended pattern: %s\n", r->pattern_name);
	fprintf(f, "  flowchart:   %s%s -> %s\n", r->node_name,
		r->recommended ? " (recommended)" : "", r->code_pattern);
	fprintf(f, "  when to use: %s\n", r->when_to_use);
	fprintf(f, "  matrix:      %s\n", r->matrix);

	fprintf(f, "\nWhy:\n");
	for (i = 0; i < r->n_reasons; i++) {
		const struct wizard_step *s = &r->reasons[i];

		fprintf(f, "  %s=%s%s\n", s->question->key, s->value,
			s->assumed ? " (assumed)" : "");
		print_wrapped(f, "     ", s->rule, 6);
		if (s->effect != NULL)
			print_wrapped(f, "      =>", s->effect, 9);
	}
	for (i = 0; i < r->n_reasons; i++) {
		if (!r->reasons[i].assumed)
			continue;
		strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", r->reasons[i].question->key);
	}
	if (sb.len > 0) {
		fputc('\n', f);
		print_wrapped(f, "Assumed (the guide's defaults):", strbuf_str(&sb), 2);
	}
	strbuf_free(&sb);
	if (r->n_ignored > 0) {
		fprintf(f, "\nIgnored (not on this path):\n");
		for (i = 0; i < r->n_ignored; i++) {
			fprintf(f, "  %s=%s\n", r->ignored[i].question->key, r->ignored[i].value);
			print_wrapped(f, "     ", ignored_why(&r->ignored[i]), 6);
		}
	}

	fprintf(f, "\nPool: min %d, max %d connections\n", r->pool_min, r->pool_max);
	fprintf(f, "      the band for %s: min is its low end, max its high end\n", r->load);

	fprintf(f, "\nAnti-patterns to avoid:\n");
	for (i = 0; i < r->n_anti; i++) {
		fprintf(f, "  %s (\"%s\")\n", r->anti[i].name, r->anti[i].guide);
		print_wrapped(f, "     ", r->anti[i].reason, 6);
	}

	fputc('\n', f);
	print_wrapped(f, "Scaling:", r->stage_note, 9);

	if (wr->file == NULL) {
		fprintf(f, "\nProfile:\n%s", r->profile);
		return;
	}
	if (wr->status == 0) {
		fprintf(f, "\nProfile written to %s (it loads: profile check %s)\n", wr->file,
			wr->file);
		for (i = 0; i < wr->n_created; i++)
			fprintf(f, "  created folder %s\n", wr->created[i]);
	}
}

static void
print_json(struct cli *cli, const struct wizard_result *r, const struct written *wr)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	size_t i;

	json_init(&j, &sb, true);
	json_object_begin(&j);
	json_key(&j, "pattern");
	json_object_begin(&j);
	json_kstr(&j, "id", r->pattern_id);
	json_kstr(&j, "name", r->pattern_name);
	json_kstr(&j, "when_to_use", r->when_to_use);
	json_kstr(&j, "matrix", r->matrix);
	json_object_end(&j);
	json_key(&j, "flowchart");
	json_object_begin(&j);
	json_kstr(&j, "node", r->node_name);
	json_kstr(&j, "code_pattern", r->code_pattern);
	json_kbool(&j, "recommended", r->recommended);
	json_object_end(&j);

	json_key(&j, "answers");
	json_array_begin(&j);
	for (i = 0; i < r->n_reasons; i++) {
		const struct wizard_step *s = &r->reasons[i];

		json_object_begin(&j);
		json_kstr(&j, "key", s->question->key);
		json_kstr(&j, "value", s->value);
		json_kstr(&j, "label", s->choice != NULL ? s->choice->label : NULL);
		json_kbool(&j, "assumed", s->assumed);
		json_kstr(&j, "rule", s->rule);
		json_kstr(&j, "effect", s->effect);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "assumed");
	json_array_begin(&j);
	for (i = 0; i < r->n_reasons; i++) {
		if (r->reasons[i].assumed)
			json_str(&j, r->reasons[i].question->key);
	}
	json_array_end(&j);
	json_key(&j, "ignored");
	json_array_begin(&j);
	for (i = 0; i < r->n_ignored; i++) {
		json_object_begin(&j);
		json_kstr(&j, "key", r->ignored[i].question->key);
		json_kstr(&j, "value", r->ignored[i].value);
		json_kstr(&j, "why", ignored_why(&r->ignored[i]));
		json_object_end(&j);
	}
	json_array_end(&j);

	json_key(&j, "pool");
	json_object_begin(&j);
	json_kstr(&j, "load", r->load);
	json_kint(&j, "min", r->pool_min);
	json_kint(&j, "max", r->pool_max);
	json_object_end(&j);

	json_key(&j, "anti_patterns");
	json_array_begin(&j);
	for (i = 0; i < r->n_anti; i++) {
		json_object_begin(&j);
		json_kstr(&j, "name", r->anti[i].name);
		json_kstr(&j, "guide", r->anti[i].guide);
		json_kstr(&j, "reason", r->anti[i].reason);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_kstr(&j, "scaling", r->stage_note);
	json_kstr(&j, "profile", r->profile);
	json_key(&j, "folders");
	json_array_begin(&j);
	for (i = 0; i < r->n_folders; i++)
		json_str(&j, r->folders[i]);
	json_array_end(&j);

	json_key(&j, "written");
	if (wr->file == NULL) {
		json_null(&j);
	} else {
		json_object_begin(&j);
		json_kstr(&j, "file", wr->file);
		json_kbool(&j, "ok", wr->status == 0);
		json_kstr(&j, "error", wr->error);
		json_key(&j, "created");
		json_array_begin(&j);
		for (i = 0; i < wr->n_created; i++)
			json_str(&j, wr->created[i]);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_object_end(&j);
	strbuf_addc(&sb, '\n');
	cli_print_json(cli, &sb);
	strbuf_free(&sb);
}

/* Load the written profile back; a failure here is a wizard bug. */
static int
load_back(struct written *wr)
{
	struct profile_diags diags = { NULL, 0, 0 };
	struct profile *p = profile_load(wr->file, &diags);
	int rc = 0;

	if (p == NULL) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "the written profile does not load");
		if (diags.n > 0) {
			strbuf_adds(&sb, ": ");
			profile_diag_format(&diags.v[0], &sb);
		}
		wr->error = strbuf_detach(&sb);
		rc = -1;
	}
	profile_free(&p);
	profile_diags_free(&diags);
	return rc;
}

/* Ask the questions on the terminal (see wizard_prompt.h). */
static int
run_prompt(struct cli *cli)
{
	const char *codeset = nl_langinfo(CODESET);
	struct wizard_prompt p = { .in = STDIN_FILENO,
				   .out = cli->out,
				   .utf8 = codeset != NULL && strcmp(codeset, "UTF-8") == 0,
				   .term = cli->raw_out };

	switch (wizard_prompt_run(&p)) {
	case WIZARD_PROMPT_WRITTEN:
	case WIZARD_PROMPT_DECLINED:
		return CLI_OK;
	case WIZARD_PROMPT_BAD_WRITE:
		return CLI_FAIL;
	case WIZARD_PROMPT_EOF:
		cli_error(cli, "wizard: end of input: nothing written");
		return CLI_FAIL;
	case WIZARD_PROMPT_INTERRUPTED:
		break;
	}
	/* end as interrupted, so that a calling shell script stops too */
	cli_error(cli, "wizard: interrupted: nothing written");
	fflush(cli->out);
	fflush(cli->err);
	signal(SIGINT, SIG_DFL);
	raise(SIGINT);
	return 128 + SIGINT; /* SIGINT was ignored by whoever started us */
}

int
cmd_wizard(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct wizard_opts opts = { NULL, 0, NULL, false };
	struct written wr = { NULL, 0, NULL, NULL, 0 };
	struct wizard_result *r = NULL;
	char *err = NULL;
	int npos, i, status = CLI_OK;
	size_t k;

	if (wants_help(argc, argv)) {
		print_help(cli->out, cmd);
		return CLI_OK;
	}
	npos = cli_parse_options(cli, cmd, argc, argv, wizard_options, NULL, wizard_on_opt, &opts);
	if (npos < 0) {
		free(opts.answers);
		return cli_parse_exit(npos);
	}
	for (i = 0; i < npos; i++) {
		if (strchr(argv[i], '=') == NULL) {
			cli_error(cli,
				  "wizard: \"%s\" is not KEY=VALUE (see pgdbm-console wizard "
				  "--help)",
				  argv[i]);
			free(opts.answers);
			return CLI_USAGE;
		}
		add_answer(&opts, argv[i]);
	}
	if (opts.n_answers == 0 && opts.write == NULL && !cli->json && isatty(STDIN_FILENO) &&
	    isatty(fileno(cli->raw_out))) {
		free(opts.answers);
		return run_prompt(cli);
	}

	r = wizard_evaluate(opts.answers, opts.n_answers, &err);
	free(opts.answers);
	if (r == NULL) {
		cli_error(cli, "wizard: %s", err);
		free(err);
		return CLI_USAGE;
	}

	if (opts.write != NULL) {
		wr.file = opts.write;
		wr.status = wizard_write(r, opts.write, opts.force, &wr.created, &wr.n_created,
					 &wr.error);
		if (wr.status == 1)
			wr.error = xasprintf("%s already exists (--force replaces it)", opts.write);
		else if (wr.status == 0 && load_back(&wr) != 0)
			wr.status = 2;
		if (wr.status != 0) {
			cli_error(cli, "wizard: %s", wr.error);
			status = CLI_FAIL;
		}
	}

	if (cli->json)
		print_json(cli, r, &wr);
	else
		print_text(cli->out, r, &wr);

	for (k = 0; k < wr.n_created; k++)
		free(wr.created[k]);
	free(wr.created);
	free(wr.error);
	wizard_result_free(&r);
	return status;
}
