/*
 * cmd_console: the interactive console (pgdbm-console with no command).
 *
 * Loads the profile, builds the session (every database of the profile,
 * one monitor each) and hands it to the TUI until the user quits. The
 * message log's stderr sink is switched off first: nothing may be printed
 * while curses owns the terminal.
 *
 * Options of its own: --no-mouse, --refresh DURATION, --view NAME (the
 * view to open on: fleet, pools or activity; by default Fleet when the
 * session has several databases, else Pools), and two for tests
 * and benchmarks: --exit-after SECONDS (quit by itself, for headless runs
 * under sanitizers) and --list-keys (print the key binding tables).
 */
#include "config.h"

#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "profile.h"
#include "session.h"
#include "tui.h"
#include "units.h"

enum {
	OPT_NO_MOUSE = 0x200,
	OPT_REFRESH,
	OPT_EXIT_AFTER,
	OPT_LIST_KEYS,
	OPT_VIEW,
};

static const struct option console_options[] = {
	{ "no-mouse", no_argument, NULL, OPT_NO_MOUSE },
	{ "refresh", required_argument, NULL, OPT_REFRESH },
	{ "exit-after", required_argument, NULL, OPT_EXIT_AFTER },
	{ "list-keys", no_argument, NULL, OPT_LIST_KEYS },
	{ "view", required_argument, NULL, OPT_VIEW },
	{ NULL, 0, NULL, 0 },
};

struct console_args {
	struct tui_options tui;
	int64_t refresh_ms; /* 0: the profile's */
	bool list_keys;
};

static bool
on_option(struct cli *cli, int opt, const char *arg, void *data)
{
	struct console_args *a = data;
	const char *why;

	switch (opt) {
	case OPT_NO_MOUSE:
		a->tui.no_mouse = true;
		return true;
	case OPT_REFRESH:
		why = units_parse_duration(arg, &a->refresh_ms);
		if (why == NULL && (a->refresh_ms < SESSION_REFRESH_MIN_MS ||
				    a->refresh_ms > SESSION_REFRESH_MAX_MS))
			why = "expected a duration between 250ms and 1m";
		if (why != NULL) {
			cli_error(cli, "--refresh %s: %s", arg, why);
			return false;
		}
		return true;
	case OPT_EXIT_AFTER:
		why = units_parse_duration(arg, &a->tui.exit_after_ms);
		if (why != NULL) {
			/* a bare number is seconds */
			char *end;
			double sec = strtod(arg, &end);

			if (*end != '\0' || sec <= 0) {
				cli_error(cli, "--exit-after %s: expected seconds", arg);
				return false;
			}
			a->tui.exit_after_ms = (int64_t)(sec * 1000);
		}
		return true;
	case OPT_LIST_KEYS:
		a->list_keys = true;
		return true;
	case OPT_VIEW:
		if (strcmp(arg, "fleet") == 0 || strcmp(arg, "0") == 0)
			a->tui.start_view = TUI_VIEW_FLEET;
		else if (strcmp(arg, "pools") == 0 || strcmp(arg, "1") == 0)
			a->tui.start_view = TUI_VIEW_POOLS;
		else if (strcmp(arg, "activity") == 0 || strcmp(arg, "2") == 0)
			a->tui.start_view = TUI_VIEW_ACTIVITY;
		else {
			cli_error(cli, "--view %s: expected fleet, pools or activity", arg);
			return false;
		}
		return true;
	}
	return false;
}

int
cmd_console(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	struct console_args a;
	struct profile *p;
	struct session *s;
	struct loop *loop;
	const char *no_color;
	char *error = NULL;
	int npos, status;

	memset(&a, 0, sizeof a);
	a.tui.start_view = -1;
	npos = cli_parse_options(cli, cmd, argc, argv, console_options, NULL, on_option, &a);
	if (npos < 0)
		return cli_parse_exit(npos);
	if (npos > 0) {
		cli_error(cli, "unknown command \"%s\" (see pgdbm-console --help)", argv[0]);
		return CLI_USAGE;
	}
	if (a.list_keys) {
		tui_print_bindings(cli->out);
		return CLI_OK;
	}
	p = cli_load_profile(cli);
	if (p == NULL)
		return CLI_USAGE;
	if (a.refresh_ms > 0)
		p->refresh_ms = a.refresh_ms;
	loop = loop_new();
	s = session_new(loop, &cli->log, p, cli->database, &error);
	if (s == NULL) {
		cli_error(cli, "%s", error);
		free(error);
		profile_free(&p);
		loop_free(&loop);
		return CLI_USAGE;
	}
	no_color = getenv("NO_COLOR");
	a.tui.no_color = no_color != NULL && no_color[0] != '\0';
	a.tui.ascii = cli->ascii;

	cli->log.sink = NULL; /* curses owns the terminal from here */
	fflush(cli->out);
	fflush(cli->err);
	status = tui_run(s, &a.tui);
	session_free(&s);
	loop_free(&loop);
	return status == 0 ? CLI_OK : status == 2 ? CLI_USAGE : CLI_FAIL;
}
