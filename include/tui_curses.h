/*
 * tui_curses: how src/tui includes curses.
 *
 * The console draws with ncursesw's wide-character API when configure found
 * it (HAVE_NCURSESW), so that UTF-8 text and glyphs are measured and drawn
 * right. Only files under src/tui include this header; src/core never
 * includes curses.
 */
#ifndef PGDBM_TUI_CURSES_H
#define PGDBM_TUI_CURSES_H

#ifdef HAVE_NCURSESW
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#endif
#include <curses.h>

#endif
