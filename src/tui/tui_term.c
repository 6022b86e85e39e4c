/*
 * tui_term: the terminal's capabilities, before curses starts.
 * See include/tui_term.h.
 *
 * <term.h> defines a macro for every terminfo capability (lines, columns,
 * bell, ...), so it is included here only, not where the console draws.
 */
#include "config.h"

#include "tui_term.h"

#include <stdlib.h>
#include <unistd.h>

#include "safetext.h"
#include "tui_curses.h"
#include "xalloc.h"

#include <term.h>

/* "TERM=<term>: <what>", the terminal type made safe to print. */
static char *
problem(const char *term, const char *what)
{
	char *shown = safetext_dup(term, safetext_locale_utf8() ? SAFETEXT_UTF8 : 0);
	char *why = xasprintf("TERM=%s: %s", shown, what);

	free(shown);
	return why;
}

char *
tui_term_problem(void)
{
	const char *term = getenv("TERM");
	char *cup;
	int err = 0;
	bool moves;

	if (term == NULL || term[0] == '\0')
		return xstrdup("TERM is not set: set it to the terminal's type "
			       "(xterm-256color, for one)");
	if (setupterm(term, STDOUT_FILENO, &err) != OK)
		return problem(term, err == 1	? "a hardcopy terminal, which curses cannot use"
				     : err == 0 ? "unknown terminal type (terminfo has no entry "
						  "for it, or only a generic one)"
						: "no terminfo database found");
	cup = tigetstr("cup");
	moves = cup != NULL && cup != (char *)-1;
	del_curterm(cur_term);
	if (!moves)
		return problem(term, "this terminal cannot move the cursor; the console needs "
				     "one that can (xterm-256color, for one)");
	return NULL;
}
