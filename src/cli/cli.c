/*
 * cli: command table, shared options and the program's entry point.
 * See include/cli.h.
 *
 * Standard output and error are wrapped once, at start-up, in streams
 * (fopencookie) that pass every byte through safetext before it reaches
 * the real ones: the commands print with plain fprintf, and whatever a
 * format's %s brings from the server or a file name is made safe on the
 * way, newlines and tabs kept. stdio hands the stream's buffer over in
 * pieces that may cut a UTF-8 character; its first bytes wait for the
 * next piece.
 */
#include "config.h"

#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "database.h"
#include "loop.h"
#include "safetext.h"
#include "strbuf.h"
#include "units.h"

static const struct cli_command commands[] = {
	{ "profile", "check", cmd_profile_check, "[FILE] [--connect] [--json]",
	  "validate a profile (and with --connect, reach every database)" },
	{ "migrate", "status", cmd_migrate_status, "[--module NAME] [--check] [--json]",
	  "applied, pending, modified, out-of-order, missing and failed migrations" },
	{ "migrate", "plan", cmd_migrate_plan,
	  "[--module NAME] [--to FILE] [--rollback [--steps N]] [--sql] [--json]",
	  "what apply (or rollback) would run, with the rendered SQL; reads only" },
	{ "migrate", "apply", cmd_migrate_apply,
	  "[--module NAME] [--to FILE] [--steps N] [--allow-out-of-order] [--lock-wait D] [--json]",
	  "apply pending migrations, each in one transaction with its ledger row" },
	{ "migrate", "rollback", cmd_migrate_rollback,
	  "--module NAME [--steps N | --to FILE] [--json]",
	  "run down scripts in reverse order of application (one step by default)" },
	{ "migrate", "repair", cmd_migrate_repair, "FILE --module NAME [--json]",
	  "accept the new checksum of one modified migration (recorded)" },
	{ "migrate", "new", cmd_migrate_new, "NAME --module NAME [--allow-read-only] [--json]",
	  "write the next NNN_name.sql and its down script (read-only profiles: only with "
	  "--allow-read-only)" },
	{ "tenant", "list", cmd_tenant_list,
	  "[--filter TEXT] [--state pending|drifted|current|archived] [--sort COL [--desc]] [--json]",
	  "tenants with size, applied / pending / drifted migrations, last migration" },
	{ "tenant", "status", cmd_tenant_status, "[--check] [--json]",
	  "how many tenants are current, pending, drifted, archived" },
	{ "tenant", "provision", cmd_tenant_provision, "ID... [--from-file FILE] [--json]",
	  "create tenants all or nothing: schema, migrations and ledger in one transaction" },
	{ "tenant", "deprovision", cmd_tenant_deprovision,
	  "ID --mode archive|drop --confirm ID [--json]",
	  "archive (rename, reversible) or drop a tenant" },
	{ "tenant", "restore", cmd_tenant_restore, "ID [--json]", "bring an archived tenant back" },
	{ "tenant", "migrate", cmd_tenant_migrate,
	  "[ID...] [--filter TEXT] [--concurrency N] [--canaries N] [--on-failure stop|continue] "
	  "[--rollback] [--json]",
	  "fan pending tenant migrations out (or roll back one step), canaries first" },
	{ "advise", NULL, cmd_advise, "[--window DURATION] [--sample DURATION] [--json]",
	  "read a live database: the pgdbm pattern it runs and what goes against the guide" },
	{ "pools", NULL, cmd_pools, "[--database NAME] [--json]",
	  "one snapshot of the server-side and PgBouncer pools of every database" },
	{ "wizard", NULL, cmd_wizard, "[--answer KEY=VALUE ...] [--write FILE] [--force] [--json]",
	  "walk pgdbm's architecture decision tree to a pattern, pool size and profile" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_command console_command = {
	"",
	NULL,
	cmd_console,
	"[--profile FILE]... [--database NAME] [--ascii] [--no-mouse] [--refresh DURATION] "
	"[--view fleet|pools|activity]",
	"the interactive console",
};

enum {
	OPT_PROFILE = 0x100,
	OPT_DATABASE,
	OPT_JSON,
	OPT_LOG,
	OPT_ASCII,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option shared_options[] = {
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "database", required_argument, NULL, OPT_DATABASE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
};

#define N_SHARED (sizeof shared_options / sizeof shared_options[0])

void
cli_print_help(FILE *f)
{
	const struct cli_command *c;

	fprintf(f,
		"pgdbm-console %s - terminal console for PostgreSQL systems built the pgdbm way\n"
		"\n"
		"Usage:\n"
		"  pgdbm-console %s\n"
		"      %s\n",
		PACKAGE_VERSION, console_command.usage, console_command.summary);
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  pgdbm-console %s%s%s %s\n      %s\n", c->name, c->sub ? " " : "",
			c->sub ? c->sub : "", c->usage, c->summary);
	fprintf(f, "\n"
		   "Options shared by every command:\n"
		   "  --profile FILE    profile to use (a path, or a name looked up in\n"
		   "                    $XDG_CONFIG_HOME/pgdbm-console, then ./profiles,\n"
		   "                    then the installed examples); repeat it to watch the\n"
		   "                    databases of several profiles (labels they share\n"
		   "                    become profile/label)\n"
		   "  --database NAME   database label of the profile (optional when it has one)\n"
		   "  --json            machine-readable output\n"
		   "  --log FILE        append a debug log to FILE\n"
		   "  --ascii           draw with ASCII only (the console)\n"
		   "  --help            show this help\n"
		   "  --version         show the version\n"
		   "\n"
		   "Console options:\n"
		   "  --no-mouse        leave the mouse to the terminal (text selection)\n"
		   "  --refresh DURATION\n"
		   "                    sampling interval (default: the profile's refresh)\n"
		   "  --view fleet|pools|activity\n"
		   "                    the view to open on (default: fleet with several\n"
		   "                    databases, else pools)\n"
		   "  NO_COLOR=1        (environment) no colours\n"
		   "  Keys: ? in the console lists them; see pgdbm-console(1).\n"
		   "\n"
		   "Without --profile: $PGDBM_CONSOLE_PROFILE, then default.yaml in the\n"
		   "configuration folder, then ./profiles/default.yaml.\n"
		   "\n"
		   "Exit status:\n"
		   "  0  success\n"
		   "  1  the operation failed or found a problem\n"
		   "  2  usage or profile error\n"
		   "\n"
		   "See pgdbm-console(1) and docs/profiles.md.\n");
}

/* ---- output streams ---- */

struct safe_stream {
	FILE *to;
	unsigned flags; /* safetext's */
	char carry[SAFETEXT_MAX_CHAR];
	size_t n_carry;
};

static ssize_t
safe_write(void *cookie, const char *buf, size_t size)
{
	struct safe_stream *s = cookie;
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	size_t used;

	if (size == 0)
		return 0;
	strbuf_add(&in, s->carry, s->n_carry);
	strbuf_add(&in, buf, size);
	used = safetext_add(&out, in.data, in.len, s->flags | SAFETEXT_STREAM);
	if (in.len - used > sizeof s->carry) {
		/* never for UTF-8 (a cut character is at most 3 bytes) */
		strbuf_addc(&out, SAFETEXT_REPLACEMENT);
		used = in.len;
	}
	s->n_carry = in.len - used;
	memcpy(s->carry, in.data + used, s->n_carry);
	fwrite(out.data, 1, out.len, s->to);
	/* this stream's buffering decides (a prompt without a newline is
	 * flushed here and must reach the terminal now) */
	fflush(s->to);
	strbuf_free(&in);
	strbuf_free(&out);
	return (ssize_t)size;
}

static int
safe_close(void *cookie)
{
	struct safe_stream *s = cookie;

	if (s->n_carry > 0) /* the output ended inside a character */
		fputc(SAFETEXT_REPLACEMENT, s->to);
	fflush(s->to);
	free(s);
	return 0;
}

/* A stream that writes to `to` through safetext; line buffered on a terminal or when asked. */
static FILE *
safe_open(FILE *to, bool line_buffered)
{
	static const cookie_io_functions_t io = { NULL, safe_write, NULL, safe_close };
	struct safe_stream *s = xcalloc(1, sizeof *s);
	FILE *f;

	s->to = to;
	s->flags = SAFETEXT_LINES | (safetext_locale_utf8() ? SAFETEXT_UTF8 : 0);
	f = fopencookie(s, "w", io);
	if (f == NULL)
		xalloc_fail("cannot open an output stream");
	if (line_buffered || isatty(fileno(to)))
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

void
cli_print_json(struct cli *cli, const struct strbuf *sb)
{
	fflush(cli->out);
	fputs(strbuf_str(sb), cli->raw_out);
}

void
cli_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fputs("pgdbm-console: ", cli->err);
	va_start(ap, fmt);
	vfprintf(cli->err, fmt, ap);
	va_end(ap);
	fputc('\n', cli->err);
}

void
cli_line(FILE *f, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	for (i = 0; i < sb.len; i++) {
		if ((sb.data[i] == '\n' && i + 1 < sb.len) || sb.data[i] == '\r')
			sb.data[i] = ' ';
	}
	if (sb.len > 0)
		fwrite(sb.data, 1, sb.len, f);
	strbuf_free(&sb);
}

/* Every subcommand of the command group `name`, with its usage and summary. */
static void
print_group(FILE *f, const char *name)
{
	const struct cli_command *c;

	for (c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			fprintf(f, "  pgdbm-console %s %s %s\n      %s\n", c->name, c->sub,
				c->usage, c->summary);
	}
}

static void
print_command_usage(struct cli *cli, const struct cli_command *cmd)
{
	if (cmd->name[0] == '\0')
		fprintf(cli->err, "usage: pgdbm-console %s\n", cmd->usage);
	else
		fprintf(cli->err, "usage: pgdbm-console %s%s%s %s\n", cmd->name,
			cmd->sub ? " " : "", cmd->sub ? cmd->sub : "", cmd->usage);
}

int
cli_parse_options(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
		  const struct option *extra, const char *extra_short,
		  bool (*on_opt)(struct cli *cli, int opt, const char *arg, void *data), void *data)
{
	struct option *all;
	size_t n_extra = 0, i;
	int opt, npos;

	while (extra != NULL && extra[n_extra].name != NULL)
		n_extra++;
	all = xcalloc(N_SHARED + n_extra + 1, sizeof *all);
	memcpy(all, shared_options, sizeof shared_options);
	for (i = 0; i < n_extra; i++)
		all[N_SHARED + i] = extra[i];

	optind = 0;
	opterr = 0;
	cli->n_profile_args = 0;
	while ((opt = getopt_long(argc, argv, extra_short ? extra_short : "", all, NULL)) != -1) {
		switch (opt) {
		case OPT_PROFILE:
			cli->profile_args = xreallocarray(cli->profile_args,
							  cli->n_profile_args + 1,
							  sizeof *cli->profile_args);
			cli->profile_args[cli->n_profile_args++] = optarg;
			cli->profile_arg = cli->profile_args[0];
			break;
		case OPT_DATABASE:
			cli->database = optarg;
			break;
		case OPT_JSON:
			cli->json = true;
			break;
		case OPT_LOG:
			cli->log_path = optarg;
			break;
		case OPT_ASCII:
			cli->ascii = true;
			break;
		case OPT_HELP:
			if (cmd->name[0] == '\0')
				cli_print_help(cli->out);
			else
				fprintf(cli->out, "usage: pgdbm-console %s%s%s %s\n%s\n", cmd->name,
					cmd->sub ? " " : "", cmd->sub ? cmd->sub : "", cmd->usage,
					cmd->summary);
			free(all);
			return CLI_PARSE_DONE;
		case OPT_VERSION:
			fprintf(cli->out, "pgdbm-console %s\n", PACKAGE_VERSION);
			free(all);
			return CLI_PARSE_DONE;
		case '?':
		case ':':
			if (optopt != 0 && optopt < 0x100 && optopt != '?')
				cli_error(cli, "option -%c %s", optopt,
					  opt == ':' ? "needs a value" : "is unknown");
			else
				cli_error(cli, "%s: unknown option or missing value",
					  argv[optind - 1]);
			print_command_usage(cli, cmd);
			free(all);
			return -1;
		default:
			if (on_opt == NULL || !on_opt(cli, opt, optarg, data)) {
				free(all);
				return -1;
			}
			break;
		}
	}
	free(all);

	npos = argc - optind;
	memmove(argv, argv + optind, (size_t)npos * sizeof *argv);
	if (cli->log_path != NULL && msglog_open_file(&cli->log, cli->log_path) != 0) {
		cli_error(cli, "cannot open the log file %s", cli->log_path);
		return -1;
	}
	return npos;
}

bool
cli_no_arguments(struct cli *cli, const struct cli_command *cmd, int npos, char **argv)
{
	if (npos <= 0)
		return true;
	cli_error(cli, "%s%s%s: unexpected argument \"%s\"", cmd->name, cmd->sub ? " " : "",
		  cmd->sub ? cmd->sub : "", argv[0]);
	return false;
}

bool
cli_parse_duration(struct cli *cli, const char *name, const char *arg, int64_t *ms)
{
	const char *why = units_parse_duration(arg, ms);

	if (why == NULL)
		return true;
	cli_error(cli, "--%s: %s, got \"%s\"", name, why, arg);
	return false;
}

void
cli_print_diags(struct cli *cli, const char *path, const struct profile_diags *diags)
{
	size_t i;

	for (i = 0; i < diags->n; i++) {
		struct strbuf sb = STRBUF_INIT;

		profile_diag_format(&diags->v[i], &sb);
		fprintf(cli->err, "%s\n", strbuf_str(&sb));
		strbuf_free(&sb);
	}
	if (diags->n_errors > diags->n)
		fprintf(cli->err, "%s: %zu more errors not shown\n", path,
			diags->n_errors - diags->n);
}

static struct profile *
load_one(struct cli *cli, const char *arg)
{
	struct profile_diags diags = { NULL, 0, 0 };
	struct profile *p;
	char *why = NULL;
	char *path;

	path = profile_find(arg, &why);
	if (path == NULL) {
		cli_error(cli, "%s", why);
		free(why);
		return NULL;
	}
	p = profile_load(path, &diags);
	cli_print_diags(cli, path, &diags);
	profile_diags_free(&diags);
	free(path);
	return p;
}

struct profile *
cli_load_profile(struct cli *cli)
{
	struct profile **v;
	struct profile *m;
	char *error = NULL;
	size_t i, n = cli->n_profile_args;
	bool ok = true;

	if (n <= 1)
		return load_one(cli, cli->profile_arg);
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i] = load_one(cli, cli->profile_args[i]);
		ok = ok && v[i] != NULL;
	}
	if (!ok) {
		for (i = 0; i < n; i++)
			profile_free(&v[i]);
		free(v);
		return NULL;
	}
	m = profile_merge(v, n, &error);
	free(v);
	if (m == NULL) {
		cli_error(cli, "%s", error);
		free(error);
	}
	return m;
}

const struct profile_database *
cli_pick_database(struct cli *cli, const struct profile *p)
{
	const struct profile_database *db;
	size_t i;

	if (cli->database != NULL) {
		db = profile_database(p, cli->database);
		if (db == NULL) {
			struct strbuf sb = STRBUF_INIT;

			for (i = 0; i < p->n_databases; i++)
				strbuf_addf(&sb, "%s%s", i ? ", " : "", p->databases[i].label);
			cli_error(cli, "profile %s has no database \"%s\" (it has: %s)", p->path,
				  cli->database, strbuf_str(&sb));
			strbuf_free(&sb);
		}
		return db;
	}
	if (p->n_databases == 1)
		return &p->databases[0];
	cli_error(cli, "profile %s has %zu databases; choose one with --database", p->path,
		  p->n_databases);
	return NULL;
}

bool
cli_env_open(struct cli *cli, struct cli_env *env)
{
	memset(env, 0, sizeof *env);
	env->profile = cli_load_profile(cli);
	if (env->profile == NULL)
		return false;
	if (cli->database != NULL && profile_database(env->profile, cli->database) == NULL) {
		cli_pick_database(cli, env->profile); /* says why */
		profile_free(&env->profile);
		return false;
	}
	env->loop = loop_new();
	env->dbs = database_open_all(env->loop, env->profile, &cli->log, true);
	return true;
}

void
cli_env_close(struct cli_env *env)
{
	if (env->profile != NULL)
		database_close_all(&env->dbs, env->profile->n_databases);
	loop_free(&env->loop);
	profile_free(&env->profile);
}

size_t
cli_env_select(struct cli *cli, const struct cli_env *env, struct database **out)
{
	size_t i, n = 0;

	for (i = 0; i < env->profile->n_databases; i++) {
		if (cli->database == NULL || strcmp(env->dbs[i]->cfg->label, cli->database) == 0)
			out[n++] = env->dbs[i];
	}
	return n;
}

bool
cli_show_progress(const struct cli *cli)
{
	return !cli->json && isatty(fileno(cli->raw_err));
}

static void
cli_sink(void *arg, const struct msg *m)
{
	struct cli *cli = arg;

	if (m->level >= MSG_WARNING)
		fprintf(cli->err, "pgdbm-console: %s: %s: %s\n", m->source,
			msglog_level_name(m->level), m->text);
}

/*
 * Split argv into leading options, command words and the rest. Options may
 * come before or after the command words; the command sees them all.
 */
static int
dispatch(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *cmd = NULL;
	char **args;
	int nargs = 0, i, first_word = -1, status;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			if (first_word < 0) {
				cli_print_help(cli->out);
				return CLI_OK;
			}
		} else if (strcmp(argv[i], "--version") == 0 && first_word < 0) {
			fprintf(cli->out, "pgdbm-console %s\n", PACKAGE_VERSION);
			return CLI_OK;
		}
		if (argv[i][0] != '-' && first_word < 0) {
			/* the value of a leading option is not a command word */
			if (i > 1 && argv[i - 1][0] == '-' && strchr(argv[i - 1], '=') == NULL &&
			    (strcmp(argv[i - 1], "--profile") == 0 ||
			     strcmp(argv[i - 1], "--database") == 0 ||
			     strcmp(argv[i - 1], "--log") == 0 ||
			     strcmp(argv[i - 1], "--refresh") == 0 ||
			     strcmp(argv[i - 1], "--exit-after") == 0 ||
			     strcmp(argv[i - 1], "--view") == 0))
				continue;
			first_word = i;
		}
	}

	args = xcalloc((size_t)argc + 1, sizeof *args);
	args[nargs++] = argv[0];
	if (first_word < 0) {
		for (i = 1; i < argc; i++)
			args[nargs++] = argv[i];
		cmd = &console_command;
	} else {
		const char *w1 = argv[first_word];
		const char *w2 = first_word + 1 < argc ? argv[first_word + 1] : NULL;
		const struct cli_command *c;
		bool name_known = false;

		for (c = commands; c->name != NULL; c++) {
			if (strcmp(c->name, w1) != 0)
				continue;
			name_known = true;
			if (c->sub == NULL || (w2 != NULL && strcmp(c->sub, w2) == 0)) {
				cmd = c;
				break;
			}
		}
		if (cmd == NULL && name_known && w2 != NULL &&
		    (strcmp(w2, "--help") == 0 || strcmp(w2, "-h") == 0)) {
			/* `pgdbm-console migrate --help`: the group's subcommands */
			fprintf(cli->out, "Usage:\n");
			print_group(cli->out, w1);
			fprintf(cli->out,
				"\nOptions shared by every command: see pgdbm-console --help.\n");
			free(args);
			return CLI_OK;
		}
		if (cmd == NULL) {
			if (name_known) {
				struct strbuf sb = STRBUF_INIT;

				for (c = commands; c->name != NULL; c++) {
					if (strcmp(c->name, w1) == 0)
						strbuf_addf(&sb, "%s%s", sb.len ? ", " : "",
							    c->sub);
				}
				cli_error(cli, "%s: %s%s%s (expected one of: %s)", w1,
					  w2 ? "unknown subcommand \"" : "missing subcommand",
					  w2 ? w2 : "", w2 ? "\"" : "", strbuf_str(&sb));
				strbuf_free(&sb);
				fprintf(cli->err, "usage:\n");
				print_group(cli->err, w1);
			} else {
				cli_error(cli, "unknown command \"%s\" (see pgdbm-console --help)",
					  w1);
			}
			free(args);
			return CLI_USAGE;
		}
		for (i = 1; i < argc; i++) {
			if (i == first_word || (cmd->sub != NULL && i == first_word + 1))
				continue;
			args[nargs++] = argv[i];
		}
	}
	args[nargs] = NULL;
	status = cmd->run(cli, cmd, nargs, args);
	free(args);
	return status;
}

int
cli_main(int argc, char **argv)
{
	struct cli cli;
	int status;

	memset(&cli, 0, sizeof cli);
	cli.argv0 = argv[0];
	cli.raw_out = stdout;
	cli.raw_err = stderr;
	cli.out = safe_open(stdout, false);
	cli.err = safe_open(stderr, true);
	msglog_init(&cli.log, 1000);
	cli.log.sink = cli_sink;
	cli.log.sink_arg = &cli;
	status = dispatch(&cli, argc, argv);
	free(cli.profile_args);
	msglog_free(&cli.log);
	fclose(cli.out);
	fclose(cli.err);
	return status;
}
