/*
 * view_help: the Help screen: generated from the key binding tables of the
 * view under it and the global ones, with the legend of bars and marks.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_HELP_H
#define PGDBM_VIEW_HELP_H

#include "tui.h"

extern const struct tui_view_class view_help_class;

#endif
