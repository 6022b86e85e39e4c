/*
 * tui_term: can this terminal run the console?
 *
 * Asked of terminfo before curses starts: TERM must be set, name a
 * terminfo entry that curses can use (not hardcopy, not generic), and be
 * able to move the cursor ("cup"). On a terminal that cannot (TERM=dumb),
 * curses starts anyway and draws nothing. Asking through setupterm() and
 * letting the entry go again also spares newterm(), which leaks its
 * screen when the terminal type is unknown.
 *
 * Ownership: tui_term_problem() returns a malloc'd string the caller frees.
 */
#ifndef PGDBM_TUI_TERM_H
#define PGDBM_TUI_TERM_H

/*
 * NULL when the terminal on standard output can run the console, else why
 * not ("TERM=dumb: this terminal cannot move the cursor; ..."), the
 * terminal type made safe to print.
 */
char *tui_term_problem(void);

#endif
