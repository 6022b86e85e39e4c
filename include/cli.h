/*
 * cli: the command-line front end.
 *
 * One binary serves the console and every non-interactive command. The
 * dispatcher looks the first one or two words up in the command table
 * (cli.c), whose every row (a command, or a subcommand such as `migrate
 * apply`) names its own handler; each handler parses its options with
 * cli_parse_options(), which knows the options every command shares
 * (--profile, --database, --json, --help), and returns an exit status:
 *
 *   CLI_OK (0)     success
 *   CLI_FAIL (1)   the operation failed or found a problem
 *   CLI_USAGE (2)  usage or profile error
 *
 * Text output is for people, --json for programs; progress and warnings go
 * to standard error. Every text a command prints goes through cli->out and
 * cli->err, which pass it through safetext (keeping newlines and tabs): no
 * control character from the server or from a file name reaches the
 * terminal. JSON goes to cli->raw_out as it is (json_escape() already
 * escapes every control character), through cli_print_json().
 */
#ifndef PGDBM_CLI_H
#define PGDBM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "msglog.h"
#include "profile.h"

enum cli_status {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
};

/* Options every command shares, filled by cli_parse_options(). */
struct cli {
	const char *argv0;
	const char *profile_arg;   /* --profile (the first one), NULL when not given */
	const char **profile_args; /* every --profile, in order (the console and
				      most commands accept several) */
	size_t n_profile_args;
	const char *database; /* --database, NULL when not given */
	const char *log_path; /* --log */
	bool json;
	bool ascii;
	struct msglog log;
	FILE *out; /* standard output, made safe (safetext) */
	FILE *err; /* standard error, made safe */
	/* the same as they are: JSON (escaped already) and the program's own
	   terminal controls (a progress line's "\r ESC[K"), nothing else */
	FILE *raw_out;
	FILE *raw_err;
};

struct cli_command {
	const char *name; /* "profile" */
	const char *sub;  /* "check"; NULL for a one-word command */
	int (*run)(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
	const char *usage;   /* arguments after the command words */
	const char *summary; /* one line for --help */
};

/* Run the program; returns the exit status. */
int cli_main(int argc, char **argv);

/* Print the full --help text. */
void cli_print_help(FILE *f);

/*
 * Parse argv (after the command words) for the shared options plus the
 * command's own (`extra` getopt_long options, handled by `on_opt`, which
 * returns false on a bad value after printing why). Positional arguments
 * are moved to the front of argv and their count is returned. A negative
 * result means the command must stop and return cli_parse_exit(result):
 * -1 after a usage error was printed, CLI_PARSE_DONE after --help or
 * --version was answered.
 */
#define CLI_PARSE_DONE (-2)

static inline int
cli_parse_exit(int npos)
{
	return npos == CLI_PARSE_DONE ? CLI_OK : CLI_USAGE;
}

struct option;
int cli_parse_options(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
		      const struct option *extra, const char *extra_short,
		      bool (*on_opt)(struct cli *cli, int opt, const char *arg, void *data),
		      void *data);

/*
 * For a command that takes no argument: false, after printing
 * "NAME [SUB]: unexpected argument "ARG"", when it was given npos > 0.
 */
bool cli_no_arguments(struct cli *cli, const struct cli_command *cmd, int npos, char **argv);

/*
 * The value of the duration option --NAME (units_parse_duration): true
 * with *ms set, else false after printing "--NAME: why, got "ARG"".
 */
bool cli_parse_duration(struct cli *cli, const char *name, const char *arg, int64_t *ms);

/* Print the JSON text in sb (and a newline) to standard output, exact. */
struct strbuf;
void cli_print_json(struct cli *cli, const struct strbuf *sb);

/* Print "pgdbm-console: message" to standard error. */
void cli_error(struct cli *cli, const char *fmt, ...) ATTR_FORMAT(2, 3);

/*
 * Print fmt to f as (part of) one line: a newline or carriage return that
 * the arguments bring (a file name, a ledger row, a schema name) is a
 * space, so that text from the database or a folder cannot start a line of
 * its own in a listing; only a newline that ends the text is kept. A
 * format for this has no newline but perhaps a last one.
 */
void cli_line(FILE *f, const char *fmt, ...) ATTR_FORMAT(2, 3);

/*
 * Print a profile's diagnostics to standard error, one a line
 * ("file:line:col: error: message"), and how many errors were not kept.
 */
struct profile_diags;
void cli_print_diags(struct cli *cli, const char *path, const struct profile_diags *diags);

/*
 * Find and load the profile named by --profile (or the search order).
 * With --profile given several times, load each and merge them into one
 * (profile_merge: labels that clash become profile/label). Prints
 * diagnostics; returns NULL on error.
 */
struct profile *cli_load_profile(struct cli *cli);

/*
 * The database named by --database, or the only one of the profile.
 * Prints why and returns NULL when neither applies.
 */
const struct profile_database *cli_pick_database(struct cli *cli, const struct profile *p);

/*
 * What a command that talks to databases needs: the profile, the event
 * loop, and each database with its pool (fail_fast: a command fails as soon
 * as a database cannot be reached, rather than waiting for retries).
 */
struct cli_env {
	struct profile *profile;
	struct loop *loop;
	struct database **dbs; /* profile->n_databases */
};

/* Load the profile and open the databases; false (after printing why) on error. */
bool cli_env_open(struct cli *cli, struct cli_env *env);
void cli_env_close(struct cli_env *env);

/*
 * The databases a command works on: the one named by --database, or all.
 * Returns the count (0 after printing why when --database names nothing).
 */
size_t cli_env_select(struct cli *cli, const struct cli_env *env, struct database **out);

/* Whether progress lines go to standard error (it is a terminal, and not --json). */
bool cli_show_progress(const struct cli *cli);

/* Commands: one handler per row of the command table */
int cmd_console(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_profile_check(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_migrate_status(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_migrate_plan(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_migrate_apply(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_migrate_rollback(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_migrate_repair(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_migrate_new(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_tenant_list(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_tenant_status(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_tenant_provision(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_tenant_deprovision(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_tenant_restore(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_tenant_migrate(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_pools(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_wizard(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);
int cmd_advise(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);

#endif
